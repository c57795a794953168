//! Envelope cryptography for personal data. Pure: no I/O, no async, no files.
//!
//! - A [`MasterKey`] (one per deployment, loaded by the CLI) wraps
//!   per-subject [`DataKey`]s into [`WrappedKey`]s and derives per-tenant
//!   [`BlindIndexKey`]s and [`AuditKey`]s, and the deployment's Ed25519
//!   [`CheckpointKey`] that signs audit checkpoints, and the [`LedgerKey`]
//!   that MACs the erasure ledger kept outside the database.
//! - A [`DataKey`] seals each personal value with XChaCha20-Poly1305, bound
//!   by [`record_aad`] to its tenant, subject, record and category.
//! - Deleting a subject's wrapped key makes all its values unreadable at
//!   once (crypto-shredding).
//! - Identifiers are stored only as [`BlindIndex`]es (keyed hashes).
//!
//! Invariants: every key type zeroizes on drop and prints `<redacted>` in
//! `Debug`; no error message carries key bytes, plaintext or parsed input;
//! secret keys are not `Clone` where one copy suffices ([`MasterKey`],
//! [`DataKey`]).
//!
//! Functions that need randomness (`generate`, `seal`, `wrap`,
//! `random_secret`) have `try_*` twins returning
//! [`VaultError::RandomnessUnavailable`]; the plain forms panic in that case
//! only, since continuing without a nonce is never safe.

mod aad;
mod aead;
mod audit_key;
mod blind;
mod checkpoint_key;
mod data_key;
mod error;
mod kdf;
mod ledger_key;
mod master;
mod request_code_key;
mod rng;
mod token;
mod wrapped;

pub use aad::record_aad;
pub use audit_key::AuditKey;
pub use blind::{BlindIndex, BlindIndexKey, is_invisible, normalize_identifier};
pub use checkpoint_key::{CheckpointKey, verify_checkpoint_signature};
pub use data_key::DataKey;
pub use error::VaultError;
pub use ledger_key::LedgerKey;
pub use master::{KeyId, MasterKey};
pub use request_code_key::RequestCodeKey;
pub use rng::random_array as try_random_bytes;
pub use token::{MIN_SECRET_BYTES, constant_time_eq, random_secret, sha256, try_random_secret};
pub use wrapped::WrappedKey;
pub use zeroize::Zeroizing;
