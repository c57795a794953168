//! Prometheus metrics kept with atomics: requests by method, matched route
//! and status, refusals by error code, and a latency histogram. Labels come
//! only from fixed sets (methods, route templates, codes), never from ids or
//! values in a request, so the series stay few and say nothing personal.

use crate::AppState;
use crate::error::Denial;
use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Instant;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Counters that only go up, keyed by their label values.
#[derive(Debug, Default)]
struct Family<K: Ord> {
    series: RwLock<BTreeMap<K, Arc<AtomicU64>>>,
}

impl<K: Ord + Clone> Family<K> {
    fn inc(&self, key: K) {
        let existing = self
            .series
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
            .map(Arc::clone);
        let counter = match existing {
            Some(c) => c,
            None => Arc::clone(
                self.series
                    .write()
                    .unwrap_or_else(|p| p.into_inner())
                    .entry(key)
                    .or_default(),
            ),
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn snapshot(&self) -> Vec<(K, u64)> {
        self.series
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(k, v)| (k.clone(), v.load(Ordering::Relaxed)))
            .collect()
    }
}

/// A latency histogram with fixed buckets.
#[derive(Debug, Default)]
struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    fn observe(&self, seconds: f64) {
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        // `as` saturates: a negative or absurd duration cannot wrap.
        let micros = (seconds * 1e6) as u64;
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }
}

/// The server's metrics, shared by every request.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Family<(&'static str, String, u16)>,
    denials: Family<&'static str>,
    latency: Histogram,
}

impl Metrics {
    /// Empty metrics.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one finished request.
    pub fn record(
        &self,
        method: &'static str,
        route: &str,
        status: u16,
        seconds: f64,
        denial: Option<&'static str>,
    ) {
        self.requests.inc((method, route.to_owned(), status));
        if let Some(code) = denial {
            self.denials.inc(code);
        }
        self.latency.observe(seconds);
    }

    /// The metrics in Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP tutela_http_requests_total HTTP requests answered, by method, route template and status.\n");
        out.push_str("# TYPE tutela_http_requests_total counter\n");
        for ((method, route, status), n) in self.requests.snapshot() {
            let _ = writeln!(
                out,
                "tutela_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape(&route)
            );
        }
        out.push_str("# HELP tutela_denials_total Requests refused by policy, scope or credentials, by error code.\n");
        out.push_str("# TYPE tutela_denials_total counter\n");
        for (code, n) in self.denials.snapshot() {
            let _ = writeln!(out, "tutela_denials_total{{code=\"{code}\"}} {n}");
        }
        out.push_str("# HELP tutela_http_request_duration_seconds Time to answer a request.\n");
        out.push_str("# TYPE tutela_http_request_duration_seconds histogram\n");
        for (bound, bucket) in BUCKETS.iter().zip(&self.latency.buckets) {
            let n = bucket.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "tutela_http_request_duration_seconds_bucket{{le=\"{bound}\"}} {n}"
            );
        }
        let count = self.latency.count.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "tutela_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let sum = self.latency.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "tutela_http_request_duration_seconds_sum {sum}");
        let _ = writeln!(out, "tutela_http_request_duration_seconds_count {count}");
        out
    }
}

/// Escapes a label value (route templates hold no quotes, but be safe).
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The method as a label from a fixed set.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

/// Middleware: times each request and counts it under its route template
/// (`unmatched` for unknown paths, so probing cannot create new series).
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    let denial = response.extensions().get::<Denial>().map(|d| d.0);
    state.metrics.record(
        method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
        denial,
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_histogram() {
        let m = Metrics::new();
        m.record("GET", "/v1/subjects/{id}/records", 200, 0.003, None);
        m.record("GET", "/v1/subjects/{id}/records", 200, 0.2, None);
        m.record(
            "GET",
            "/v1/subjects/{id}/records",
            403,
            0.2,
            Some("E_CONSENT_REQUIRED"),
        );
        let text = m.render();
        assert!(text.contains("tutela_http_requests_total{method=\"GET\",route=\"/v1/subjects/{id}/records\",status=\"200\"} 2"));
        assert!(text.contains("tutela_denials_total{code=\"E_CONSENT_REQUIRED\"} 1"));
        assert!(text.contains("tutela_http_request_duration_seconds_bucket{le=\"0.005\"} 1"));
        assert!(text.contains("tutela_http_request_duration_seconds_bucket{le=\"0.25\"} 3"));
        assert!(text.contains("tutela_http_request_duration_seconds_count 3"));
    }
}
