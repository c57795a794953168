//! Pushing portable data to another controller over HTTPS (Art. 20(2)),
//! guarded against server-side request forgery: the URL comes from an
//! outsider, so it must be `https://` with a host name (IP literals are
//! refused: reqwest would dial them without asking the resolver), no
//! redirect is followed, no proxy is used, the connection times out after
//! [`CONNECT_TIMEOUT`] and the whole push after [`TOTAL_TIMEOUT`], and the
//! host is resolved by [`GuardedResolver`], which hands the connector only
//! the addresses [`AddressRule`] allows. The check and the connection use
//! the same resolved addresses, so DNS rebinding between them cannot
//! happen. The URL never reaches a log or an error.

use async_trait::async_trait;
use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::error::Error as StdError;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tutela_engine::deliveries::endpoint::Transport;
use tutela_engine::transfer::address::AddressRule;
use tutela_engine::transfer::{Push, PushError, Transferrer};

/// The longest wait for a connection to the receiver.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest a whole push may take.
pub const TOTAL_TIMEOUT: Duration = Duration::from_secs(30);

/// Every address the host resolved to was refused by the guard.
#[derive(Debug, thiserror::Error)]
#[error("the host resolves to no public address")]
struct AddressRefused;

/// Resolves host names with the system resolver and keeps only the
/// addresses `rule` allows; none left is [`AddressRefused`].
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver {
    rule: AddressRule,
}

impl GuardedResolver {
    /// A resolver keeping only what `rule` allows.
    pub fn new(rule: AddressRule) -> Self {
        Self { rule }
    }
}

/// The address rule a transport implies: public addresses only in
/// production, loopback too under the test transport.
pub fn address_rule(transport: Transport) -> AddressRule {
    match transport {
        Transport::HttpsOnly => AddressRule::PublicOnly,
        Transport::AllowLoopbackHttp => AddressRule::AllowLoopback,
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let rule = self.rule;
        Box::pin(async move {
            let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let allowed: Vec<SocketAddr> = found.filter(|a| rule.allows(a.ip())).collect();
            if allowed.is_empty() {
                return Err(Box::new(AddressRefused) as Box<dyn StdError + Send + Sync>);
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

/// Checks a transfer URL before anything is sent: `https://` (or, under
/// the test rule, `http://` to a loopback address), and a host name, not
/// an IP literal (a loopback literal only under the test rule). The
/// reason never echoes the URL.
pub fn check_url(text: &str, rule: AddressRule) -> Result<Url, PushError> {
    let refused = |why: &str| PushError::Refused(why.to_owned());
    let url = Url::parse(text).map_err(|_| refused("the URL does not parse"))?;
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| refused("the URL names no host"))?;
    let literal = literal(host);
    let loopback = match literal {
        Some(ip) => ip.is_loopback(),
        None => host.eq_ignore_ascii_case("localhost"),
    };
    let test_loopback = rule == AddressRule::AllowLoopback && loopback;
    match url.scheme() {
        "https" => {}
        "http" if test_loopback => {}
        _ => return Err(refused("the URL must be https")),
    }
    if literal.is_some() && !test_loopback {
        return Err(refused("the URL must name a host, not an IP address"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refused("the URL must not carry a user name or password"));
    }
    Ok(url)
}

/// Pushes portable data with reqwest (rustls), behind the guard.
#[derive(Debug, Clone)]
pub struct HttpsTransferrer {
    client: reqwest::Client,
    rule: AddressRule,
}

impl HttpsTransferrer {
    /// A transferrer dialling public addresses only, or (with
    /// [`Transport::AllowLoopbackHttp`], tests only) loopback too.
    pub fn new(transport: Transport) -> Result<Self, reqwest::Error> {
        let rule = address_rule(transport);
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(TOTAL_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver { rule }))
            .build()?;
        Ok(Self { client, rule })
    }
}

#[async_trait]
impl Transferrer for HttpsTransferrer {
    async fn push(&self, push: &Push<'_>) -> Result<u16, PushError> {
        let url = check_url(push.url, self.rule)?;
        let sent = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", push.request.to_string())
            .header("webhook-timestamp", push.at.as_second().to_string())
            .body(push.body.to_vec())
            .send()
            .await;
        match sent {
            Ok(response) => {
                let status = response.status();
                if status.is_success() {
                    Ok(status.as_u16())
                } else if status.is_redirection() {
                    Err(PushError::Failed(format!(
                        "the receiver answered {}; redirects are not followed",
                        status.as_u16()
                    )))
                } else {
                    Err(PushError::Failed(format!(
                        "the receiver answered {}",
                        status.as_u16()
                    )))
                }
            }
            Err(err) => Err(explain(err, push)),
        }
    }
}

/// Why a send failed, without the URL; the cause (also without the URL)
/// goes to the log.
fn explain(err: reqwest::Error, push: &Push<'_>) -> PushError {
    if refused_by_guard(&err) {
        return PushError::Refused("the host resolves to no public address".into());
    }
    let why = if err.is_timeout() {
        "the receiver did not answer in time"
    } else if err.is_connect() {
        "the receiver could not be reached"
    } else {
        "the push could not be completed"
    };
    let cause = crate::error::chain(&err.without_url());
    tracing::warn!(error = %cause, request = %push.request, "a transfer of portable data failed");
    PushError::Failed(why.to_owned())
}

/// Whether the guard's resolver refused every address of the host.
fn refused_by_guard(err: &reqwest::Error) -> bool {
    let mut next: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(cause) = next {
        if cause.downcast_ref::<AddressRefused>().is_some() {
            return true;
        }
        next = cause.source();
    }
    false
}

/// The IP address a URL's host is written as, if it is a literal (the URL
/// parser has already normalised every IPv4 spelling to dotted decimal).
fn literal(host: &str) -> Option<IpAddr> {
    match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(v6) => v6.parse::<Ipv6Addr>().ok().map(IpAddr::V6),
        None => host.parse::<Ipv4Addr>().ok().map(IpAddr::V4),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROD: AddressRule = AddressRule::PublicOnly;
    const TEST: AddressRule = AddressRule::AllowLoopback;

    #[test]
    fn only_https_urls_naming_a_host_are_sent_to() {
        assert!(check_url("https://new.example/import", PROD).is_ok());
        for bad in [
            "http://new.example/import",
            "ftp://new.example/",
            "https://127.0.0.1/",
            "https://2130706433/",
            "https://0x7f.1/",
            "https://[::1]/",
            "https://[::ffff:10.0.0.1]/",
            "https://8.8.8.8/",
            "https://user:pw@new.example/",
            "http://127.0.0.1:8080/",
            "http://localhost:8080/",
        ] {
            let err = check_url(bad, PROD).unwrap_err();
            assert!(matches!(err, PushError::Refused(_)), "{bad}");
            assert!(!err.to_string().contains("example"), "never echoed");
        }
    }

    #[test]
    fn the_test_rule_allows_plain_http_to_loopback_only() {
        assert!(check_url("http://127.0.0.1:8080/x", TEST).is_ok());
        assert!(check_url("http://localhost:8080/x", TEST).is_ok());
        assert!(check_url("http://[::1]:8080/x", TEST).is_ok());
        assert!(check_url("http://new.example/x", TEST).is_err());
        assert!(check_url("https://10.0.0.1/x", TEST).is_err());
    }

    #[tokio::test]
    async fn the_resolver_refuses_loopback_names_in_production() {
        let guard = GuardedResolver { rule: PROD };
        let name: Name = "localhost".parse().unwrap();
        let err = guard.resolve(name).await.err().unwrap();
        assert!(err.downcast_ref::<AddressRefused>().is_some());
        let test = GuardedResolver { rule: TEST };
        let name: Name = "localhost".parse().unwrap();
        let addrs: Vec<SocketAddr> = test.resolve(name).await.ok().unwrap().collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()) && !addrs.is_empty());
    }
}
