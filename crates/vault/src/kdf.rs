//! Key derivation: every key the vault uses besides data keys comes from the
//! master key through HMAC-SHA256 with a distinct label.
//!
//! ```text
//! subkey(label, context) = HMAC-SHA256(master,
//!     u64be(len("tutela/v1/" ++ label)) ++ "tutela/v1/" ++ label ++
//!     u64be(len(context)) ++ context)
//! ```
//!
//! This is HKDF-Expand (RFC 5869) for a single 32-byte block with the master
//! key as the pseudo-random key; HKDF-Extract is unnecessary because the
//! master key is already 32 uniformly random bytes. Both fields are
//! length-prefixed, so no (label, context) pair can collide with another.
//!
//! | key            | label         | context      |
//! |----------------|---------------|--------------|
//! | key wrapping   | `wrap`        | empty        |
//! | blind index    | `blind-index` | tenant id    |
//! | audit MAC      | `audit`       | tenant id    |
//! | key check      | `key-check`   | empty        |
//! | erasure ledger | `erasure-ledger` | empty     |
//! | request codes  | `request-code`| tenant id    |
//! | consent receipts | `consent-receipt-ed25519` | tenant id |
//! | rectified value MAC | `value-mac` (from a subject's data key) | empty |
//!
//! Per-tenant keys mean one tenant's blind indexes and audit MACs say nothing
//! about another's: the same email has unrelated index values in two tenants,
//! and a tenant's audit key cannot forge another tenant's chain.

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

/// Label of the key-wrapping subkey.
pub(crate) const LABEL_WRAP: &str = "wrap";
/// Label of the per-tenant blind-index key.
pub(crate) const LABEL_BLIND_INDEX: &str = "blind-index";
/// Label of the per-tenant audit MAC key.
pub(crate) const LABEL_AUDIT: &str = "audit";
/// Label of the deployment's Ed25519 checkpoint-signing seed.
pub(crate) const LABEL_CHECKPOINT: &str = "audit-checkpoint-ed25519";
/// Label of the per-tenant Ed25519 consent-receipt signing seed.
pub(crate) const LABEL_RECEIPT: &str = "consent-receipt-ed25519";
/// Label of the key that MACs the key check value stored in the database.
pub(crate) const LABEL_KEY_CHECK: &str = "key-check";
/// Label of the key that MACs the erasure ledger's lines.
pub(crate) const LABEL_ERASURE_LEDGER: &str = "erasure-ledger";
/// Label of the per-tenant key hashing data subject requests' one-time codes.
pub(crate) const LABEL_REQUEST_CODE: &str = "request-code";
/// Label of the per-tenant key sealing recipients' webhook signing secrets.
pub(crate) const LABEL_ENDPOINT_SECRET: &str = "endpoint-secret";
/// Label of the per-subject key (derived from its data key) that MACs a
/// rectified value for the erasure ledger.
pub(crate) const LABEL_VALUE_MAC: &str = "value-mac";
/// Label of the per-survey key sealing free-text survey answers.
pub(crate) const LABEL_SURVEY_TEXT: &str = "survey-text";
/// Prefix of every label, so a future scheme can use `tutela/v2/`.
const LABEL_PREFIX: &str = "tutela/v1/";

/// HMAC-SHA256 keyed by a 32-byte key, over the concatenation of `parts`.
///
/// RFC 2104 pads keys shorter than the hash block with zeros, so keying with
/// the 64-byte zero-padded block is HMAC with the 32-byte key itself; doing
/// the padding here gives an infallible constructor (`new_from_slice` returns
/// a `Result` that cannot be `Err` but would need an `unwrap`).
pub(crate) fn hmac_sha256(key: &[u8; 32], parts: &[&[u8]]) -> [u8; 32] {
    let mut block = Zeroizing::new([0u8; 64]);
    block.iter_mut().zip(key).for_each(|(b, k)| *b = *k);
    let mut mac = <Hmac<Sha256> as KeyInit>::new(&(*block).into());
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Derives a 32-byte subkey of `master` for `label` and `context` (see the
/// module docs for the exact construction).
pub(crate) fn derive(master: &[u8; 32], label: &str, context: &[u8]) -> Zeroizing<[u8; 32]> {
    let full_label = [LABEL_PREFIX.as_bytes(), label.as_bytes()].concat();
    let mut message = Vec::with_capacity(16 + full_label.len() + context.len());
    push_field(&mut message, &full_label);
    push_field(&mut message, context);
    Zeroizing::new(hmac_sha256(master, &[&message]))
}

/// Appends `bytes` with a 64-bit big-endian length prefix, the building block
/// of every unambiguous encoding in the vault (AAD, KDF input, blind index).
pub(crate) fn push_field(out: &mut Vec<u8>, bytes: &[u8]) {
    // usize is at most 64 bits on every target Rust supports, so this is lossless.
    out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
    out.extend_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_key_equals_plain_hmac() {
        let key = [0x42u8; 32];
        let mut reference = <Hmac<Sha256> as Mac>::new_from_slice(&key).unwrap();
        reference.update(b"hello world");
        let expected: [u8; 32] = reference.finalize().into_bytes().into();
        assert_eq!(hmac_sha256(&key, &[b"hello", b" world"]), expected);
    }

    #[test]
    fn rfc4231_case_2_shape() {
        // RFC 4231 test case 2 uses a 4-byte key ("Jefe"); zero-padding it to
        // 32 bytes is the same HMAC key, so the published tag must come out.
        let mut key = [0u8; 32];
        key.iter_mut().zip(b"Jefe").for_each(|(k, b)| *k = *b);
        let tag = hmac_sha256(&key, &[b"what do ya want for nothing?"]);
        let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn labels_and_contexts_separate_keys() {
        let master = [9u8; 32];
        let a = derive(&master, LABEL_BLIND_INDEX, b"acme");
        let b = derive(&master, LABEL_AUDIT, b"acme");
        let c = derive(&master, LABEL_BLIND_INDEX, b"acm");
        let d = derive(&master, LABEL_BLIND_INDEX, b"acme");
        assert_ne!(*a, *b);
        assert_ne!(*a, *c);
        assert_eq!(*a, *d);
    }

    #[test]
    fn fields_are_length_prefixed() {
        let mut out = Vec::new();
        push_field(&mut out, b"ab");
        assert_eq!(out, [0, 0, 0, 0, 0, 0, 0, 2, b'a', b'b']);
    }
}
