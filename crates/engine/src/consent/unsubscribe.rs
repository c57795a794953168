//! One-click unsubscribe links (Art. 21(2)-(3), ePrivacy Art. 13(2),
//! RFC 8058). A link's token is `<tenant>.<secret>`: the tenant id (not
//! personal) tells the server where to look, the secret is 32 random bytes
//! in base64url (256 bits, unguessable) and only its SHA-256 is stored, so
//! neither the token nor the database says whom it unsubscribes.

use crate::ids::TenantId;

/// Length of the secret part: 32 bytes in unpadded base64url.
pub const SECRET_CHARS: usize = 43;
/// Bytes of randomness in a secret.
pub const SECRET_BYTES: usize = 32;

/// A token parsed from a link, before it is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkToken {
    /// The tenant that issued it.
    pub tenant: TenantId,
    /// SHA-256 of the secret, the stored key.
    pub hash: [u8; 32],
}

impl LinkToken {
    /// Parses `<tenant>.<secret>`; `None` for any other shape, so a caller
    /// can answer a malformed token exactly like an unknown one.
    pub fn parse(token: &str) -> Option<Self> {
        let (tenant, secret) = token.split_once('.')?;
        let shaped = secret.len() == SECRET_CHARS
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !shaped {
            return None;
        }
        Some(Self {
            tenant: TenantId::parse(tenant).ok()?,
            hash: tutela_vault::sha256(secret.as_bytes()),
        })
    }

    /// The token for a freshly drawn `secret` of `tenant`.
    pub fn compose(tenant: &TenantId, secret: &str) -> String {
        format!("{tenant}.{secret}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_composed_token_parses_to_its_tenant_and_hash() {
        let tenant = TenantId::parse("acme").unwrap();
        let secret = tutela_vault::random_secret(SECRET_BYTES);
        assert_eq!(secret.len(), SECRET_CHARS);
        let token = LinkToken::compose(&tenant, &secret);
        let parsed = LinkToken::parse(&token).unwrap();
        assert_eq!(parsed.tenant, tenant);
        assert_eq!(parsed.hash, tutela_vault::sha256(secret.as_bytes()));
    }

    #[test]
    fn other_shapes_do_not_parse() {
        let secret = "a".repeat(SECRET_CHARS);
        for bad in [
            String::new(),
            "acme".into(),
            format!("acme.{}", &secret[1..]),
            format!("acme.{secret}a"),
            format!("Acme!.{secret}"),
            format!("acme.{}=", &secret[1..]),
            format!(".{secret}"),
        ] {
            assert!(LinkToken::parse(&bad).is_none(), "{bad}");
        }
    }
}
