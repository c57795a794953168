//! Tutela's HTTP API. Routes under `/v1` authenticate an API key, parse
//! their input at the edge, call one engine operation and answer with wire
//! types; every failure is `{"error": {"code", "message"}}`. The server
//! knows nothing of SQL, keeps no state of its own beyond metrics, and never
//! logs a request body, a token or a personal value.

pub mod auth;
pub mod config;
pub mod deliveries;
pub mod error;
pub mod extract;
pub mod headers;
pub mod listen;
pub mod metrics;
pub mod notifiers;
pub mod openapi;
mod periodic;
pub mod policy_notices;
pub mod routes;
pub mod sweeps;
pub mod transfers;
pub mod wire;

pub use config::{Config, ConfigError};
pub use metrics::Metrics;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::{Extension, Router};
use std::future::Future;
use std::sync::Arc;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;
use tutela_engine::Engine;
use tutela_engine::deliveries::endpoint::Transport;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// What every handler shares: the engine, the metrics and the limits.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The engine every operation goes through.
    pub engine: Arc<Engine>,
    /// Request and denial counters.
    pub metrics: Arc<Metrics>,
    /// Largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// Connections served at once (see [`listen`]).
    pub max_connections: usize,
    /// Which recipient endpoint URLs are accepted: HTTPS only, unless the
    /// test-only `insecure_loopback_endpoints` is set.
    pub endpoint_transport: Transport,
    /// Slots for building whole-subject answers (Art. 15 access, Art. 20
    /// export, a request's answer): one such answer can take a few times
    /// the subject's sealed size in memory (up to 64 MiB sealed), so they
    /// are built [`ANSWERS_AT_ONCE`] at a time, whatever the number of
    /// connections and tenants; the others wait their turn.
    pub answer_slots: Arc<tokio::sync::Semaphore>,
}

/// Whole-subject answers built at once by one server.
pub const ANSWERS_AT_ONCE: usize = 2;

impl AppState {
    /// State over `engine`, with fresh metrics and the default 1 MiB body limit.
    pub fn new(engine: Arc<Engine>) -> Self {
        Self {
            engine,
            metrics: Arc::new(Metrics::new()),
            body_limit_bytes: Config::default().body_limit_bytes,
            max_connections: Config::default().max_connections,
            endpoint_transport: Transport::HttpsOnly,
            answer_slots: Arc::new(tokio::sync::Semaphore::new(ANSWERS_AT_ONCE)),
        }
    }

    /// The same state accepting endpoint URLs by `transport` (tests allow
    /// plain HTTP to loopback; production never does).
    #[must_use]
    pub fn with_endpoint_transport(mut self, transport: Transport) -> Self {
        self.endpoint_transport = transport;
        self
    }

    /// The same state serving at most `connections` at once (from
    /// [`Config::max_connections`]).
    #[must_use]
    pub fn with_max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections;
        self
    }

    /// The same state with another body limit (from [`Config::body_limit_bytes`]).
    #[must_use]
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        self.body_limit_bytes = bytes;
        self
    }
}

/// The routes with their OpenAPI description, before state and layers.
pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .merge(routes::ops::router())
        .merge(routes::tenants::router())
        .merge(routes::keys::router())
        .merge(routes::policy::router())
        .merge(routes::notice::router())
        .merge(routes::policy_diff::router())
        .merge(routes::subjects::router())
        .merge(routes::records::router())
        .merge(routes::rights::router())
        .merge(routes::consents::router())
        .merge(routes::banner::router())
        .merge(routes::access::router())
        .merge(routes::surveys::router())
        .merge(routes::requests::router())
        .merge(routes::deaths::router())
        .merge(routes::recipients::router())
        .merge(routes::retention::router())
        .merge(routes::reports::router())
        .merge(routes::audit::router())
        .merge(routes::checkpoints::router())
}

/// The OpenAPI document of every route [`app`] serves.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    api_router().into_openapi()
}

/// The whole application: routes, JSON fallbacks for unknown routes and
/// methods, the body limit, metrics counting, request tracing and security
/// headers. Metrics are not served here: see [`metrics_app`].
pub fn app(state: AppState) -> Router {
    let (router, api) = api_router().split_for_parts();
    let doc = api.to_json().unwrap_or_else(|err| {
        tracing::error!(error = %err, "the OpenAPI document could not be serialised");
        "{}".to_owned()
    });
    let trace = TraceLayer::new_for_http().make_span_with(|request: &Request| {
        // The route template, never the URI: ids and queries stay out of logs.
        let route = request
            .extensions()
            .get::<MatchedPath>()
            .map_or("unmatched", MatchedPath::as_str);
        tracing::info_span!("http", method = %request.method(), route)
    });
    router
        .fallback(routes::ops::not_found)
        .method_not_allowed_fallback(routes::ops::method_not_allowed)
        .layer(Extension(routes::ops::OpenApiJson(doc.into())))
        .layer(DefaultBodyLimit::max(state.body_limit_bytes))
        .layer(RequestBodyTimeoutLayer::new(listen::BODY_READ_TIMEOUT))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(trace)
        .layer(axum::middleware::from_fn(headers::security_headers))
        .with_state(state)
}

/// The metrics endpoint alone (`GET /metrics`, Prometheus text format), for
/// a separate listen address (`metrics_listen`) that only the monitoring
/// network reaches: the counts of erasures and refusals are not public.
pub fn metrics_app(state: AppState) -> Router {
    Router::new()
        .route("/metrics", axum::routing::get(routes::ops::metrics))
        .fallback(routes::ops::not_found)
        .method_not_allowed_fallback(routes::ops::method_not_allowed)
        .layer(axum::middleware::from_fn(headers::security_headers))
        .with_state(state)
}

/// Serves [`app`] on `listener` until `shutdown` completes, then lets
/// in-flight requests finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = listen::Limits::new(state.max_connections);
    listen::serve_router(listener, app(state), limits, shutdown).await
}

/// Serves [`metrics_app`] on `listener` until `shutdown` completes.
pub async fn serve_metrics(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = listen::Limits::new(METRICS_CONNECTIONS);
    listen::serve_router(listener, metrics_app(state), limits, shutdown).await
}

/// Connections the metrics listener serves at once: a scraper or two.
const METRICS_CONNECTIONS: usize = 16;
