//! Participation tokens (no identity asked of a respondent). A token is
//! `<tenant>.<survey>.<secret>`: the tenant and survey ids (not personal)
//! say where to look; the secret is 32 bytes from the operating system's
//! CSPRNG in base64url (256 bits). Only an HMAC of the secret under the
//! tenant's blind-index key is stored, in a set with no member column, so
//! neither the token nor the database says whose it was.

use crate::ids::{SurveyId, TenantId};
use tutela_vault::MasterKey;

/// Bytes of randomness in a secret.
pub const SECRET_BYTES: usize = 32;
/// Length of the secret part: 32 bytes in unpadded base64url.
pub const SECRET_CHARS: usize = 43;
/// The blind-index "category" tokens are hashed under.
const HASH_LABEL: &str = "survey-token";

/// A token parsed from an answer, before it is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedToken {
    /// The tenant that issued it.
    pub tenant: TenantId,
    /// Its survey.
    pub survey: SurveyId,
    secret: String,
}

impl ParsedToken {
    /// Parses `<tenant>.<survey>.<secret>`; `None` for any other shape, so
    /// a malformed token is answered exactly like an unknown one.
    pub fn parse(token: &str) -> Option<Self> {
        let mut parts = token.split('.');
        let (tenant, survey, secret) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let shaped = secret.len() == SECRET_CHARS
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !shaped {
            return None;
        }
        Some(Self {
            tenant: TenantId::parse(tenant).ok()?,
            survey: SurveyId::parse(survey).ok()?,
            secret: secret.to_owned(),
        })
    }

    /// The stored hash of this token.
    pub fn hash(&self, master: &MasterKey) -> [u8; 32] {
        hash_secret(master, &self.tenant, &self.secret)
    }
}

/// The stored hash of `secret` in `tenant`: keyed, so a copy of the
/// database alone cannot even test a captured token against it.
pub fn hash_secret(master: &MasterKey, tenant: &TenantId, secret: &str) -> [u8; 32] {
    *master
        .blind_index_key(tenant.as_str())
        .index(HASH_LABEL, secret)
        .as_bytes()
}

/// The token for a freshly drawn `secret`.
pub fn compose(tenant: &TenantId, survey: SurveyId, secret: &str) -> String {
    format!("{tenant}.{survey}.{secret}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_composed_token_parses_back_and_hashes_with_the_tenant_key() {
        let master = MasterKey::from_bytes([3; 32]);
        let tenant = TenantId::parse("acme").unwrap();
        let survey = SurveyId::new();
        let secret = tutela_vault::random_secret(SECRET_BYTES);
        let token = compose(&tenant, survey, &secret);
        let parsed = ParsedToken::parse(&token).unwrap();
        assert_eq!(parsed.tenant, tenant);
        assert_eq!(parsed.survey, survey);
        assert_eq!(parsed.hash(&master), hash_secret(&master, &tenant, &secret));
        let other = TenantId::parse("other").unwrap();
        assert_ne!(parsed.hash(&master), hash_secret(&master, &other, &secret));
        assert_ne!(
            parsed.hash(&master),
            tutela_vault::sha256(secret.as_bytes())
        );
    }

    #[test]
    fn other_shapes_do_not_parse() {
        let survey = SurveyId::new();
        let secret = "a".repeat(SECRET_CHARS);
        for bad in [
            String::new(),
            format!("acme.{secret}"),
            format!("acme.{survey}.{}", &secret[1..]),
            format!("acme.{survey}.{secret}.x"),
            format!("acme.not-a-uuid.{secret}"),
            format!("Acme!.{survey}.{secret}"),
            format!("acme.{survey}.{}=", &secret[1..]),
        ] {
            assert!(ParsedToken::parse(&bad).is_none(), "{bad}");
        }
    }
}
