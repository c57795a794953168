//! Consent receipts in the structure of ISO/IEC TS 27560 (consent record
//! information structure), signed so the subject can prove a consent
//! later without trusting the controller's database (Art. 7(1)).
//!
//! # Signing format
//! A receipt is a JWS in compact serialisation (RFC 7515) with EdDSA
//! (Ed25519, RFC 8037): `base64url(header) "." base64url(payload) "."
//! base64url(signature)`, where the header is
//! `{"alg":"EdDSA","typ":"consent-receipt+jwt","kid":"<public key hex>"}`,
//! the payload is the exact bytes of the [`Receipt`] as JSON, and the
//! signature is Ed25519 over the ASCII bytes of the first two parts. The
//! key is the tenant's receipt key, derived from the master key per tenant
//! (`tutela/v1/consent-receipt-ed25519`, context the tenant id): its public
//! half is published (`GET /v1/consents/receipt-key`, `tutela consent
//! pubkey`), and a receipt of one tenant does not verify under another's.
//! [`verify`] checks with a public key the verifier already holds, never
//! the `kid` the receipt names.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The receipt structure's version tag.
pub const RECEIPT_VERSION: &str = "ISO/IEC TS 27560:2023; tutela-receipt/1";
/// The JWS `typ` of a receipt.
pub const RECEIPT_TYP: &str = "consent-receipt+jwt";

/// A party named on a receipt: the controller or its DPO.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptParty {
    /// Name.
    pub name: String,
    /// Where to write (an email address of the organisation).
    pub contact: String,
    /// Postal address, if the policy gives one.
    pub address: Option<String>,
}

/// A recipient of the purpose's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptRecipient {
    /// Its id in the policy.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its role (processor, controller, ...).
    pub role: String,
    /// Where it receives the data (ISO 3166 alpha-2).
    pub country: String,
}

/// The purpose consented to, with what it uses and how long it keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptPurpose {
    /// Its id in the policy.
    pub id: String,
    /// What it is for.
    pub description: String,
    /// The legal basis (`consent`, Art. 6(1)(a)).
    pub legal_basis: String,
    /// The data categories it uses.
    pub data_categories: Vec<String>,
    /// Who receives the data.
    pub recipients: Vec<ReceiptRecipient>,
    /// The retention rules of its categories, as the policy states them
    /// (`keep 13 months from collected, then delete`).
    pub retention: Vec<String>,
    /// How long a consent to it lasts, if limited.
    pub consent_valid_for: Option<String>,
}

/// One step of the purpose's consent ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusEvent {
    /// `granted`, `withdrawn` or `expired`.
    pub status: String,
    /// When.
    pub at: Timestamp,
    /// The ledger entry (none for an expiry).
    pub consent_id: Option<String>,
}

/// A consent receipt (ISO/IEC TS 27560 fields, named in snake case).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The structure's version.
    pub version: String,
    /// This receipt's own id.
    pub receipt_id: String,
    /// When the receipt was issued.
    pub issued_at: Timestamp,
    /// The tenant (the controller's account on this deployment).
    pub tenant: String,
    /// The controller.
    pub controller: ReceiptParty,
    /// The data protection officer, if the policy names one.
    pub dpo: Option<ReceiptParty>,
    /// The subject's pseudonymous id (never a personal value).
    pub subject_id: String,
    /// The grant this receipt is for.
    pub consent_id: String,
    /// The policy version the subject saw.
    pub policy_version: u32,
    /// The purpose, with its basis, categories, recipients and retention.
    pub purposes: Vec<ReceiptPurpose>,
    /// SHA-256 (hex) of the exact text shown; null for a grant recorded
    /// without its text.
    pub notice_text_sha256: Option<String>,
    /// How consent was given (`web-form`, `app`, ...).
    pub collection_method: String,
    /// When it was given.
    pub consent_timestamp: Timestamp,
    /// When it lapses, if ever.
    pub expires_at: Option<Timestamp>,
    /// `active`, `withdrawn` or `expired` at `issued_at`.
    pub status: String,
    /// The purpose's ledger for this subject, oldest first.
    pub status_history: Vec<StatusEvent>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    alg: String,
    typ: String,
    kid: String,
}

/// Why a receipt does not verify.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReceiptError {
    /// Not three base64url parts, or a part that does not decode.
    #[error("the receipt is not a compact JWS")]
    Malformed,
    /// The header names another algorithm or type.
    #[error("the receipt is not an EdDSA consent receipt")]
    WrongAlgorithm,
    /// The signature does not hold under the given key (tampered, or
    /// signed by another key).
    #[error("the signature does not verify under this key")]
    BadSignature,
    /// The payload is not a receipt.
    #[error("the payload is not a consent receipt")]
    NotAReceipt,
}

/// Signs `receipt` with `sign` (Ed25519 over the JWS signing input) under
/// the key whose public half is `public_key`, returning the compact JWS.
pub fn sign(
    receipt: &Receipt,
    public_key: &[u8; 32],
    sign: impl FnOnce(&[u8]) -> [u8; 64],
) -> Result<String, serde_json::Error> {
    let header = Header {
        alg: "EdDSA".into(),
        typ: RECEIPT_TYP.into(),
        kid: crate::audit::to_hex(public_key),
    };
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header)?),
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(receipt)?)
    );
    let signature = sign(input.as_bytes());
    Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
}

/// Verifies a compact JWS receipt under `public_key` and returns the
/// receipt it signs. Pure: no clock, no network, no key lookup.
pub fn verify(jws: &str, public_key: &[u8; 32]) -> Result<Receipt, ReceiptError> {
    let jws = jws.trim();
    let mut parts = jws.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ReceiptError::Malformed);
    };
    let decode = |part: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| ReceiptError::Malformed)
    };
    let header: Header =
        serde_json::from_slice(&decode(h)?).map_err(|_| ReceiptError::Malformed)?;
    if header.alg != "EdDSA" || header.typ != RECEIPT_TYP {
        return Err(ReceiptError::WrongAlgorithm);
    }
    let signature: [u8; 64] = decode(s)?.try_into().map_err(|_| ReceiptError::Malformed)?;
    let input_len = h.len() + 1 + p.len();
    let input = jws.get(..input_len).ok_or(ReceiptError::Malformed)?;
    if !tutela_vault::verify_checkpoint_signature(public_key, input.as_bytes(), &signature) {
        return Err(ReceiptError::BadSignature);
    }
    serde_json::from_slice(&decode(p)?).map_err(|_| ReceiptError::NotAReceipt)
}

/// A public key given as 64 hex digits.
pub fn parse_public_key(hex: &str) -> Option<[u8; 32]> {
    super::proof::parse_hash(hex.trim())
}

#[cfg(test)]
#[path = "receipt_tests.rs"]
mod tests;
