//! The master key: the root of every other key, loaded once by the CLI from a
//! key file or the environment and passed in as text.
//!
//! The master key never encrypts personal data itself. It wraps per-subject
//! data keys (so erasing one subject means deleting one 81-byte wrapped key)
//! and derives per-tenant blind-index and audit keys (see [`crate::kdf`]).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::audit_key::AuditKey;
use crate::blind::BlindIndexKey;
use crate::checkpoint_key::CheckpointKey;
use crate::data_key::DataKey;
use crate::error::VaultError;
use crate::kdf::{
    self, LABEL_AUDIT, LABEL_BLIND_INDEX, LABEL_ENDPOINT_SECRET, LABEL_ERASURE_LEDGER,
    LABEL_KEY_CHECK, LABEL_REQUEST_CODE, LABEL_SURVEY_TEXT, LABEL_WRAP,
};
use crate::ledger_key::LedgerKey;
use crate::request_code_key::RequestCodeKey;
use crate::rng::{or_fail, random_array};
use crate::wrapped::WrappedKey;

/// Prefix of the text form, so a key pasted in the wrong place is recognised
/// and a future format can be told apart.
const TEXT_PREFIX: &str = "tutela-master-v1:";
/// Length of the text form: prefix plus 43 base64url characters.
const TEXT_LEN: usize = TEXT_PREFIX.len() + 43;
/// Message whose HMAC under the master key is its public fingerprint.
const KEY_ID_MESSAGE: &[u8] = b"tutela key id";
/// Message MACed under the key-check subkey for [`MasterKey::check_value`].
const KEY_CHECK_MESSAGE: &[u8] = b"tutela: this database belongs to this master key";

/// The deployment's root secret: 32 random bytes.
///
/// Not `Clone`, so there is exactly one copy to zeroize; share it by
/// reference or `Arc`. `Debug` prints `MasterKey(<redacted>)`.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct MasterKey {
    bytes: [u8; 32],
}

impl MasterKey {
    /// A fresh master key from the OS CSPRNG, for `tutela init`.
    ///
    /// # Panics
    /// Only if the operating system cannot provide randomness; use
    /// [`MasterKey::try_generate`] to get an error instead.
    pub fn generate() -> MasterKey {
        or_fail(MasterKey::try_generate())
    }

    /// Like [`MasterKey::generate`], but reports a randomness failure as
    /// [`VaultError::RandomnessUnavailable`].
    pub fn try_generate() -> Result<MasterKey, VaultError> {
        Ok(MasterKey {
            bytes: random_array()?,
        })
    }

    /// A master key from raw bytes (tests, and callers that hold the key in
    /// another form).
    pub fn from_bytes(bytes: [u8; 32]) -> MasterKey {
        MasterKey { bytes }
    }

    /// Parses the text form, `tutela-master-v1:` followed by base64url
    /// without padding of exactly 32 bytes; whitespace around it (a trailing
    /// newline in a key file) is ignored.
    ///
    /// Any other input is [`VaultError::MalformedKey`], whose message never
    /// repeats the input: a half-correct key is still mostly secret.
    pub fn parse(text: &str) -> Result<MasterKey, VaultError> {
        let encoded = text
            .trim()
            .strip_prefix(TEXT_PREFIX)
            .ok_or(VaultError::MalformedKey)?;
        // base64 rejects non-canonical trailing bits, so each key has exactly
        // one text form. The buffer is larger than 32 bytes so that an
        // over-long input is a length error, not a buffer error.
        let mut buf = Zeroizing::new([0u8; 48]);
        let len = URL_SAFE_NO_PAD
            .decode_slice(encoded, &mut buf[..])
            .map_err(|_| VaultError::MalformedKey)?;
        if len != 32 {
            return Err(VaultError::MalformedKey);
        }
        let head = buf.get(..32).ok_or(VaultError::MalformedKey)?;
        let bytes: [u8; 32] = head.try_into().map_err(|_| VaultError::MalformedKey)?;
        Ok(MasterKey { bytes })
    }

    /// The text form that [`MasterKey::parse`] reads, for writing a key file.
    /// Zeroized on drop; the string is sized up front so it never reallocates
    /// and leaves a stray copy behind.
    pub fn encode(&self) -> Zeroizing<String> {
        let mut text = Zeroizing::new(String::with_capacity(TEXT_LEN));
        text.push_str(TEXT_PREFIX);
        URL_SAFE_NO_PAD.encode_string(self.bytes, &mut text);
        text
    }

    /// The public fingerprint of this key: the first 8 bytes of
    /// HMAC-SHA256(key, "tutela key id"). Safe to log and store; it tells
    /// which master key wrapped a data key, which key rotation needs.
    pub fn id(&self) -> KeyId {
        let tag = kdf::hmac_sha256(&self.bytes, &[KEY_ID_MESSAGE]);
        let mut id = [0u8; 8];
        id.iter_mut().zip(tag).for_each(|(i, t)| *i = t);
        KeyId(id)
    }

    /// The key check value a database stores at its first open, so that a
    /// later start with another master key is refused before it writes
    /// anything (API keys, audit entries) that only the wrong key could
    /// read. HMAC-SHA256 of a fixed message under a subkey (label
    /// `key-check`): it reveals nothing about the master key or any other
    /// subkey, and only the same master key reproduces it.
    pub fn check_value(&self) -> [u8; 32] {
        let key = kdf::derive(&self.bytes, LABEL_KEY_CHECK, b"");
        kdf::hmac_sha256(&key, &[KEY_CHECK_MESSAGE])
    }

    /// Encrypts a subject's data key for storage.
    ///
    /// `context` is bound as associated data (the engine passes tenant and
    /// subject bytes), so a wrapped key copied onto another subject's row
    /// does not unwrap. The wrapping key is a subkey derived with the label
    /// `wrap`, never the master key itself.
    ///
    /// # Panics
    /// Only if the operating system cannot provide a nonce; see
    /// [`MasterKey::try_wrap`].
    pub fn wrap(&self, key: &DataKey, context: &[u8]) -> WrappedKey {
        or_fail(self.try_wrap(key, context))
    }

    /// Like [`MasterKey::wrap`], but reports a randomness failure as an error.
    pub fn try_wrap(&self, key: &DataKey, context: &[u8]) -> Result<WrappedKey, VaultError> {
        let wrapping = kdf::derive(&self.bytes, LABEL_WRAP, b"");
        WrappedKey::seal(&wrapping, self.id(), key.expose(), context)
    }

    /// Decrypts a wrapped data key. Fails with
    /// [`VaultError::WrongMasterKey`] if it names another master key, and
    /// [`VaultError::Unreadable`] if the context differs or the bytes were
    /// altered.
    pub fn unwrap(&self, wrapped: &WrappedKey, context: &[u8]) -> Result<DataKey, VaultError> {
        if wrapped.master_id() != self.id() {
            return Err(VaultError::WrongMasterKey);
        }
        let wrapping = kdf::derive(&self.bytes, LABEL_WRAP, b"");
        let plain = wrapped.open(&wrapping, context)?;
        let bytes: [u8; 32] = plain
            .as_slice()
            .try_into()
            .map_err(|_| VaultError::Unreadable)?;
        Ok(DataKey::from_bytes(bytes))
    }

    /// The tenant's blind-index key (label `blind-index`, context the tenant
    /// id). Per tenant, so equal identifiers in two tenants index differently.
    pub fn blind_index_key(&self, tenant: &str) -> BlindIndexKey {
        BlindIndexKey::from_derived(kdf::derive(
            &self.bytes,
            LABEL_BLIND_INDEX,
            tenant.as_bytes(),
        ))
    }

    /// The tenant's audit MAC key (label `audit`, context the tenant id). Per
    /// tenant, so one tenant's chain cannot be forged with another's key.
    pub fn audit_key(&self, tenant: &str) -> AuditKey {
        AuditKey::from_derived(kdf::derive(&self.bytes, LABEL_AUDIT, tenant.as_bytes()))
    }

    /// The erasure ledger's MAC key (label `erasure-ledger`, no context):
    /// one ledger per deployment holds every tenant's erasures, and only
    /// the master key can write a line that verifies.
    pub fn erasure_ledger_key(&self) -> LedgerKey {
        LedgerKey::from_derived(kdf::derive(&self.bytes, LABEL_ERASURE_LEDGER, b""))
    }

    /// The tenant's key for one-time codes of data subject requests (label
    /// `request-code`, context the tenant id): codes are stored only as
    /// HMACs under it, so a copy of the database cannot be used to guess them.
    pub fn request_code_key(&self, tenant: &str) -> RequestCodeKey {
        RequestCodeKey::from_derived(kdf::derive(
            &self.bytes,
            LABEL_REQUEST_CODE,
            tenant.as_bytes(),
        ))
    }

    /// The tenant's key sealing the signing secrets of recipients' notice
    /// endpoints (label `endpoint-secret`, context the tenant id): a secret
    /// must be usable to sign, so it is sealed rather than hashed, and a
    /// copy of the database without the master key cannot forge a notice.
    pub fn endpoint_secret_key(&self, tenant: &str) -> DataKey {
        let derived = kdf::derive(&self.bytes, LABEL_ENDPOINT_SECRET, tenant.as_bytes());
        DataKey::from_bytes(*derived)
    }

    /// The key sealing one survey's free-text answers (label `survey-text`,
    /// context `<tenant>/<survey>`): free text can name its writer, so a
    /// copy of the database without the master key cannot read it, and one
    /// survey's key opens no other survey's answers.
    pub fn survey_text_key(&self, tenant: &str, survey: &str) -> DataKey {
        let context = format!("{tenant}/{survey}");
        let derived = kdf::derive(&self.bytes, LABEL_SURVEY_TEXT, context.as_bytes());
        DataKey::from_bytes(*derived)
    }

    /// The deployment's checkpoint-signing key (label
    /// `audit-checkpoint-ed25519`, no context): one per master key, so its
    /// public half identifies the deployment and needs no storage.
    pub fn checkpoint_key(&self) -> CheckpointKey {
        CheckpointKey::from_seed(kdf::derive(&self.bytes, kdf::LABEL_CHECKPOINT, b""))
    }

    /// The tenant's consent-receipt signing key (Ed25519, label
    /// `consent-receipt-ed25519`, context the tenant id): per tenant, so a
    /// receipt one tenant issued never verifies under another tenant's
    /// published key (Art. 7(1): proof of consent the subject can keep).
    pub fn receipt_key(&self, tenant: &str) -> CheckpointKey {
        CheckpointKey::from_seed(kdf::derive(
            &self.bytes,
            kdf::LABEL_RECEIPT,
            tenant.as_bytes(),
        ))
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

/// The public fingerprint of a master key (8 bytes, shown as 16 hex digits).
///
/// Not secret: it is a truncated MAC under the key, and learning it reveals
/// nothing about the key. It is stored inside every wrapped key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyId([u8; 8]);

impl KeyId {
    /// A key id from its 8 bytes (as read back from storage).
    pub fn from_bytes(bytes: [u8; 8]) -> KeyId {
        KeyId(bytes)
    }

    /// The 8 bytes of the id.
    pub fn as_bytes(&self) -> &[u8; 8] {
        &self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn parse_encode_round_trip() {
        let key = MasterKey::generate();
        let text = key.encode();
        assert!(text.starts_with(TEXT_PREFIX));
        assert_eq!(text.len(), TEXT_LEN);
        let back = MasterKey::parse(&text).unwrap();
        assert_eq!(back.bytes, key.bytes);
        let padded = format!("  \n{}\n\t", text.as_str());
        assert_eq!(MasterKey::parse(&padded).unwrap().bytes, key.bytes);
    }

    #[test]
    fn parse_rejects_bad_input_without_echoing_it() {
        let good = MasterKey::from_bytes([3; 32]).encode();
        let body = good.strip_prefix(TEXT_PREFIX).unwrap();
        let cases = [
            String::new(),
            body.to_string(),                                   // no prefix
            format!("tutela-master-v2:{body}"),                 // wrong version
            format!("TUTELA-MASTER-V1:{body}"),                 // wrong case
            format!("{TEXT_PREFIX}{}", &body[..42]),            // too short
            format!("{TEXT_PREFIX}{body}AA"),                   // too long
            format!("{TEXT_PREFIX}{body}="),                    // padding
            format!("{TEXT_PREFIX}{}", body.replace('A', "+")), // standard alphabet
            format!("{TEXT_PREFIX}{}", " ".repeat(43)),
            format!("{TEXT_PREFIX}{}B", &body[..42]), // non-canonical last char
        ];
        for case in cases {
            if case == *good {
                continue;
            }
            let err = MasterKey::parse(&case).unwrap_err();
            assert_eq!(err, VaultError::MalformedKey, "{case:?}");
            assert_eq!(err.code(), "E_KEY_MALFORMED");
            assert!(!err.to_string().contains(body), "error echoes input");
        }
    }

    #[test]
    fn debug_is_redacted() {
        let key = MasterKey::generate();
        let shown = format!("{key:?} {:#?}", key);
        assert_eq!(format!("{key:?}"), "MasterKey(<redacted>)");
        assert!(!shown.contains(&hex(&key.bytes)));
        assert!(!shown.contains(key.encode().strip_prefix(TEXT_PREFIX).unwrap()));
    }

    #[test]
    fn id_is_stable_public_and_distinct() {
        let a = MasterKey::from_bytes([1; 32]);
        let b = MasterKey::from_bytes([2; 32]);
        assert_eq!(a.id(), MasterKey::from_bytes([1; 32]).id());
        assert_ne!(a.id(), b.id());
        let shown = a.id().to_string();
        assert_eq!(shown.len(), 16);
        assert!(shown.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(format!("{:?}", a.id()), format!("KeyId({shown})"));
        let expected = kdf::hmac_sha256(&[1; 32], &[b"tutela key id"]);
        assert_eq!(a.id().as_bytes()[..], expected[..8]);
    }

    #[test]
    fn wrap_unwrap_round_trip() {
        let master = MasterKey::generate();
        let key = DataKey::generate();
        let wrapped = master.wrap(&key, b"acme/subject-1");
        assert_eq!(wrapped.master_id(), master.id());
        let back = master.unwrap(&wrapped, b"acme/subject-1").unwrap();
        assert_eq!(back.expose(), key.expose());
    }

    #[test]
    fn unwrap_with_other_master_or_context_fails() {
        let a = MasterKey::generate();
        let b = MasterKey::generate();
        let wrapped = a.wrap(&DataKey::generate(), b"ctx");
        assert_eq!(
            b.unwrap(&wrapped, b"ctx").unwrap_err(),
            VaultError::WrongMasterKey
        );
        assert_eq!(
            a.unwrap(&wrapped, b"ctx2").unwrap_err(),
            VaultError::Unreadable
        );
    }

    #[test]
    fn unwrap_with_forged_id_still_fails() {
        // An attacker who rewrites the id to match master B still cannot
        // unwrap: B's wrapping key differs, and the id is authenticated.
        let a = MasterKey::generate();
        let b = MasterKey::generate();
        let mut bytes = a.wrap(&DataKey::generate(), b"ctx").as_bytes().to_vec();
        bytes[1..9].copy_from_slice(b.id().as_bytes());
        let forged = WrappedKey::from_bytes(bytes).unwrap();
        assert_eq!(
            b.unwrap(&forged, b"ctx").unwrap_err(),
            VaultError::Unreadable
        );
    }

    #[test]
    fn check_values_tell_master_keys_apart() {
        let a = MasterKey::from_bytes([1; 32]);
        assert_eq!(
            a.check_value(),
            MasterKey::from_bytes([1; 32]).check_value()
        );
        assert_ne!(
            a.check_value(),
            MasterKey::from_bytes([2; 32]).check_value()
        );
        assert_ne!(&a.check_value()[..8], a.id().as_bytes());
    }

    #[test]
    fn derived_keys_are_per_tenant() {
        let master = MasterKey::from_bytes([5; 32]);
        let x = master.audit_key("acme").mac(b"m");
        assert_eq!(x, master.audit_key("acme").mac(b"m"));
        assert_ne!(x, master.audit_key("globex").mac(b"m"));
        assert_ne!(
            x,
            MasterKey::from_bytes([6; 32]).audit_key("acme").mac(b"m")
        );
    }

    #[test]
    fn receipt_keys_are_per_tenant_and_apart_from_the_checkpoint_key() {
        let master = MasterKey::from_bytes([5; 32]);
        let acme = master.receipt_key("acme").public_key();
        assert_eq!(acme, master.receipt_key("acme").public_key());
        assert_ne!(acme, master.receipt_key("globex").public_key());
        assert_ne!(acme, master.checkpoint_key().public_key());
    }
}
