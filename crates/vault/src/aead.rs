//! The one AEAD construction: XChaCha20-Poly1305 with a random 192-bit nonce.
//!
//! Why XChaCha: its 192-bit nonce is large enough to draw at random for every
//! message without ever tracking a counter; the chance of a repeat stays
//! negligible (below 2^-64) even after 2^64 messages under one key, so there
//! is no nonce state to persist, replicate across servers or lose in a
//! restore. ChaCha20 is constant-time in software (no AES-NI needed) and
//! Poly1305 makes every ciphertext tamper-evident.
//!
//! Layout of every sealed value: `header || nonce (24) || ciphertext || tag (16)`.
//! The header (format version, and for wrapped keys the master key id) is
//! authenticated as part of the associated data, so it cannot be edited
//! without the value failing to open.

use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};

use zeroize::Zeroizing;

use crate::error::VaultError;
use crate::rng::random_array;

/// Nonce length of XChaCha20-Poly1305.
pub(crate) const NONCE_LEN: usize = 24;
/// Poly1305 tag length.
pub(crate) const TAG_LEN: usize = 16;

/// Seals `plaintext` under `key`, binding `header` and `aad`, and returns
/// `header || nonce || ciphertext+tag`.
pub(crate) fn seal(
    key: &[u8; 32],
    header: &[u8],
    plaintext: &[u8],
    aad: &[u8],
) -> Result<Vec<u8>, VaultError> {
    let nonce: [u8; NONCE_LEN] = random_array()?;
    let cipher = XChaCha20Poly1305::new(&(*key).into());
    let full_aad = [header, aad].concat();
    let ciphertext = cipher
        .encrypt(
            &nonce.into(),
            Payload {
                msg: plaintext,
                aad: &full_aad,
            },
        )
        .map_err(|_| VaultError::TooLarge)?;
    let mut out = Vec::with_capacity(header.len() + NONCE_LEN + ciphertext.len());
    out.extend_from_slice(header);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    Ok(out)
}

/// Opens `sealed` (as made by [`seal`]) whose first `header_len` bytes are the
/// header. Any failure, including a value too short to hold a nonce and tag,
/// is [`VaultError::Unreadable`]. The plaintext is zeroized when dropped.
pub(crate) fn open(
    key: &[u8; 32],
    header_len: usize,
    sealed: &[u8],
    aad: &[u8],
) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    let (header, rest) = sealed
        .split_at_checked(header_len)
        .ok_or(VaultError::Unreadable)?;
    let (nonce, ciphertext) = rest
        .split_at_checked(NONCE_LEN)
        .ok_or(VaultError::Unreadable)?;
    if ciphertext.len() < TAG_LEN {
        return Err(VaultError::Unreadable);
    }
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| VaultError::Unreadable)?;
    let cipher = XChaCha20Poly1305::new(&(*key).into());
    let full_aad = [header, aad].concat();
    cipher
        .decrypt(
            &nonce.into(),
            Payload {
                msg: ciphertext,
                aad: &full_aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| VaultError::Unreadable)
}
