//! A recipient's endpoint URL, parsed at the edge: HTTPS only, no user
//! name or password in it (they would sit in the database and in logs), no
//! whitespace or control characters, at most 2048 characters, a host
//! name rather than an IP address and no `localhost`, and a port from 1 to
//! 65535 if one is given. Plain HTTP (and the loopback address) is allowed
//! only when the deployment says so for tests
//! ([`Transport::AllowLoopbackHttp`]).
//!
//! A tenant's admin registers the URL, and the operator's server dials
//! it, so a URL naming an address behind the operator's firewall (a
//! metadata service, a database port) would be server-side request
//! forgery. An IP literal is refused here, because an HTTP client dials a
//! literal without asking the resolver; a host name is resolved when a
//! notice is sent, and only public addresses are dialled then (the
//! server's guarded resolver, the same rule as transfers under Art. 20(2)).

/// Which schemes an endpoint may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// HTTPS only: production.
    HttpsOnly,
    /// HTTPS, or HTTP to 127.0.0.1 / localhost / \[::1\]: tests only.
    AllowLoopbackHttp,
}

/// The longest URL accepted.
pub const MAX_URL_CHARS: usize = 2048;

/// A checked endpoint URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointUrl(String);

impl EndpointUrl {
    /// Parses `text`, or says (without quoting it) what is wrong.
    pub fn parse(text: &str, transport: Transport) -> Result<Self, &'static str> {
        if text.len() > MAX_URL_CHARS {
            return Err("is longer than 2048 characters");
        }
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("must not contain whitespace or control characters");
        }
        let rest = if let Some(rest) = text.strip_prefix("https://") {
            rest
        } else if let Some(rest) = text.strip_prefix("http://") {
            if transport == Transport::HttpsOnly || !is_loopback(authority(rest)) {
                return Err("must be an https:// URL");
            }
            rest
        } else {
            return Err("must be an https:// URL");
        };
        let authority = authority(rest);
        if authority.contains('@') {
            return Err("must not carry a user name or password");
        }
        if authority.is_empty() || authority.starts_with(':') {
            return Err("must name a host");
        }
        let (host, port) = split_host_port(authority).ok_or("must name a host")?;
        if let Some(port) = port
            && !matches!(port.parse::<u16>(), Ok(1..))
        {
            return Err("must have a port from 1 to 65535");
        }
        let test_loopback = transport == Transport::AllowLoopbackHttp && is_loopback(authority);
        if !test_loopback && is_ip_literal(host) {
            return Err("must name a host, not an IP address");
        }
        if !test_loopback && is_local_name(host) {
            return Err("must name a public host, not localhost");
        }
        if !test_loopback && !is_dns_name(host) {
            return Err(
                "must name a public host name: two or more labels of letters, digits and inner hyphens, 1 to 63 characters each, 253 in all (an international name in its xn-- form)",
            );
        }
        Ok(Self(text.to_owned()))
    }

    /// The URL as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether `host` is a host name (RFC 1123) a public resolver can answer:
/// at most 253 characters, two or more labels of 1 to 63 letters, digits
/// and hyphens, none at a label's ends, the last not all digits (a
/// trailing dot allowed). A name that cannot resolve would only fail every
/// delivery for days, refused at once, the typo shows; and a single label
/// would be looked up through the server's search domains, inside the
/// operator's network. Raw Unicode is refused: the xn-- form says
/// unambiguously which name is meant.
fn is_dns_name(host: &str) -> bool {
    let name = host.strip_suffix('.').unwrap_or(host);
    let labels: Vec<&str> = name.split('.').collect();
    let ldh = |label: &&str| {
        (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    name.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(ldh)
        && labels
            .last()
            .is_some_and(|top| !top.bytes().all(|b| b.is_ascii_digit()))
}

/// The part of `rest` (after the scheme) before the path, query or fragment.
fn authority(rest: &str) -> &str {
    rest.split(['/', '?', '#']).next().unwrap_or("")
}

/// The host and the port text of an authority (`host`, `host:port`,
/// `[v6]`, `[v6]:port`); `None` for an unclosed bracket or junk after it.
fn split_host_port(authority: &str) -> Option<(&str, Option<&str>)> {
    if let Some(v6) = authority.strip_prefix('[') {
        let (inside, after) = v6.split_once(']')?;
        let port = match after {
            "" => None,
            rest => Some(rest.strip_prefix(':')?),
        };
        return Some((inside, port));
    }
    Some(match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    })
}

/// An IPv4 or IPv6 address written as the host, in any form an HTTP
/// client would take as one (dotted quad, or what was inside brackets);
/// a name of digits and dots only counts too (`127.1`, `2130706433`).
fn is_ip_literal(host: &str) -> bool {
    host.parse::<std::net::IpAddr>().is_ok()
        || host.contains(':')
        || (!host.is_empty() && host.chars().all(|c| c.is_ascii_digit() || c == '.'))
        || host.to_ascii_lowercase().starts_with("0x")
}

/// `localhost` and its subdomains (RFC 6761), which resolve to loopback.
fn is_local_name(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost" || host.ends_with(".localhost")
}

fn is_loopback(authority: &str) -> bool {
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().map(|h| format!("[{h}]")),
        None => authority.split(':').next().map(str::to_owned),
    };
    matches!(host.as_deref(), Some("127.0.0.1" | "localhost" | "[::1]"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROD: Transport = Transport::HttpsOnly;
    const TEST: Transport = Transport::AllowLoopbackHttp;

    #[test]
    fn https_urls_are_accepted() {
        for url in [
            "https://crm.example/hooks/tutela",
            "https://crm.example:8443",
            "https://crm.example:443/x?y=1",
        ] {
            assert_eq!(EndpointUrl::parse(url, PROD).unwrap().as_str(), url);
        }
    }

    #[test]
    fn plain_http_only_to_loopback_and_only_when_allowed() {
        assert!(EndpointUrl::parse("http://crm.example/x", PROD).is_err());
        assert!(EndpointUrl::parse("http://127.0.0.1:9000/x", PROD).is_err());
        assert!(EndpointUrl::parse("http://127.0.0.1:9000/x", TEST).is_ok());
        assert!(EndpointUrl::parse("http://[::1]:9000/x", TEST).is_ok());
        assert!(EndpointUrl::parse("http://crm.example/x", TEST).is_err());
        assert!(EndpointUrl::parse("http://127.0.0.1.evil.example/x", TEST).is_err());
    }

    #[test]
    fn credentials_odd_schemes_and_junk_are_refused() {
        for url in [
            "https://user:pw@crm.example/x",
            "https://user@crm.example",
            "ftp://crm.example",
            "crm.example",
            "https://",
            "https://:443/x",
            "https://crm.example/a b",
            "https://crm.example/\n",
        ] {
            assert!(EndpointUrl::parse(url, TEST).is_err(), "{url}");
        }
        let long = format!("https://crm.example/{}", "a".repeat(MAX_URL_CHARS));
        assert!(EndpointUrl::parse(&long, PROD).is_err());
        // A host DNS cannot hold would only fail every delivery for days.
        let label = format!("https://{}.example/h", "a".repeat(64));
        assert!(EndpointUrl::parse(&label, PROD).is_err());
        let name = format!("https://{}example/h", "abcdefghi.".repeat(26));
        assert!(EndpointUrl::parse(&name, PROD).is_err());
        let fits = format!("https://{}.example/h", "a".repeat(63));
        assert!(EndpointUrl::parse(&fits, PROD).is_ok());
        assert!(EndpointUrl::parse("https://crm..example/h", PROD).is_err());
        // Host names only (an outside probe registered each of these).
        for host in [
            "-a.example",
            "a-.example",
            "a_b.example",
            "bücher.example",
            "intranet",
            "crm.123",
        ] {
            let url = format!("https://{host}/h");
            assert!(EndpointUrl::parse(&url, PROD).is_err(), "{url}");
        }
        for host in ["xn--bcher-kva.example", "a-b.example", "crm.example."] {
            let url = format!("https://{host}/h");
            assert!(EndpointUrl::parse(&url, PROD).is_ok(), "{url}");
        }
    }

    #[test]
    fn addresses_behind_the_firewall_and_bad_ports_are_refused() {
        for url in [
            "https://127.0.0.1:18481/hook",
            "https://169.254.169.254/latest",
            "https://10.0.0.1/x",
            "https://8.8.8.8/x",
            "https://[::1]/x",
            "https://[2001:db8::1]/x",
            "https://[::ffff:127.0.0.1]/x",
            "https://2130706433/x",
            "https://127.1/x",
            "https://0x7f000001/x",
            "https://localhost/x",
            "https://LOCALHOST./x",
            "https://api.localhost/x",
            "https://h.example:99999/x",
            "https://h.example:0/x",
            "https://h.example:x/x",
            "https://[::1/x",
        ] {
            assert!(EndpointUrl::parse(url, PROD).is_err(), "{url}");
        }
        // Under the test transport, loopback alone is let through.
        assert!(EndpointUrl::parse("https://127.0.0.1:9000/x", TEST).is_ok());
        assert!(EndpointUrl::parse("https://10.0.0.1/x", TEST).is_err());
    }
}
