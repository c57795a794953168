//! A recipient's endpoint URL, parsed at the edge: HTTPS only, no user
//! name or password in it (they would sit in the database and in logs), no
//! whitespace or control characters, at most 2048 characters. Plain HTTP
//! to a loopback address is allowed only when the deployment says so for
//! tests ([`Transport::AllowLoopbackHttp`]).

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
        Ok(Self(text.to_owned()))
    }

    /// The URL as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The part of `rest` (after the scheme) before the path, query or fragment.
fn authority(rest: &str) -> &str {
    rest.split(['/', '?', '#']).next().unwrap_or("")
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
            "https://[2001:db8::1]/x",
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
    }
}
