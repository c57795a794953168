//! Wrapped data keys: the only form in which a data key is ever stored.
//!
//! Layout (81 bytes): `0x01 || master KeyId (8) || nonce (24) || encrypted
//! key (32) || tag (16)`. The master key id is in clear so key rotation can
//! find keys wrapped by an old master, and it is authenticated, so editing it
//! makes the key fail to unwrap.

use std::fmt;

use zeroize::Zeroizing;

use crate::aead::{self, NONCE_LEN, TAG_LEN};
use crate::error::VaultError;
use crate::master::KeyId;

/// Version byte of the wrapped-key format.
const WRAPPED_V1: u8 = 0x01;
/// Header: version byte and master key id.
const HEADER_LEN: usize = 1 + 8;
/// Total length of a version-1 wrapped key.
pub(crate) const WRAPPED_LEN: usize = HEADER_LEN + NONCE_LEN + 32 + TAG_LEN;

/// A data key encrypted under a master key; safe to store next to the data.
///
/// A value of this type always has the right length and a known version.
#[derive(Clone, PartialEq, Eq)]
pub struct WrappedKey(Vec<u8>);

impl WrappedKey {
    /// Checks length and version of bytes read back from storage. Whether the
    /// key actually unwraps is only known at [`crate::MasterKey::unwrap`].
    pub fn from_bytes(bytes: Vec<u8>) -> Result<WrappedKey, VaultError> {
        if bytes.len() != WRAPPED_LEN || bytes.first() != Some(&WRAPPED_V1) {
            return Err(VaultError::MalformedCiphertext);
        }
        Ok(WrappedKey(bytes))
    }

    /// The stored form.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The stored form, by value.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    /// Which master key wrapped this key.
    pub fn master_id(&self) -> KeyId {
        let mut id = [0u8; 8];
        id.iter_mut()
            .zip(self.0.iter().skip(1))
            .for_each(|(i, b)| *i = *b);
        KeyId::from_bytes(id)
    }

    /// Encrypts `key` under the wrapping subkey, binding the header and context.
    pub(crate) fn seal(
        wrapping: &[u8; 32],
        master: KeyId,
        key: &[u8; 32],
        context: &[u8],
    ) -> Result<WrappedKey, VaultError> {
        let mut header = [WRAPPED_V1; HEADER_LEN];
        header
            .iter_mut()
            .skip(1)
            .zip(master.as_bytes())
            .for_each(|(h, b)| *h = *b);
        aead::seal(wrapping, &header, key, context).map(WrappedKey)
    }

    /// Decrypts the key bytes under the wrapping subkey.
    pub(crate) fn open(
        &self,
        wrapping: &[u8; 32],
        context: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        aead::open(wrapping, HEADER_LEN, &self.0, context)
    }
}

impl fmt::Debug for WrappedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WrappedKey")
            .field("master_id", &self.master_id())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DataKey, MasterKey};

    #[test]
    fn layout_and_master_id() {
        let master = MasterKey::generate();
        let wrapped = master.wrap(&DataKey::generate(), b"ctx");
        assert_eq!(wrapped.as_bytes().len(), WRAPPED_LEN);
        assert_eq!(WRAPPED_LEN, 81);
        assert_eq!(wrapped.as_bytes()[0], WRAPPED_V1);
        assert_eq!(&wrapped.as_bytes()[1..9], master.id().as_bytes());
        assert_eq!(wrapped.master_id(), master.id());
        let again = WrappedKey::from_bytes(wrapped.as_bytes().to_vec()).unwrap();
        assert_eq!(again, wrapped);
        assert_eq!(again.into_bytes(), wrapped.as_bytes());
    }

    #[test]
    fn from_bytes_checks_length_and_version() {
        let good = MasterKey::generate()
            .wrap(&DataKey::generate(), b"")
            .into_bytes();
        let mut bad_version = good.clone();
        bad_version[0] = 0x02;
        let mut long = good.clone();
        long.push(0);
        for bytes in [Vec::new(), good[..80].to_vec(), long, bad_version] {
            assert_eq!(
                WrappedKey::from_bytes(bytes).unwrap_err(),
                VaultError::MalformedCiphertext
            );
        }
    }

    #[test]
    fn header_is_authenticated() {
        // Bypass the id check in `MasterKey::unwrap`: even with the right
        // wrapping key, an edited header must not open.
        let wrapping = [4u8; 32];
        let key = [5u8; 32];
        let wrapped = WrappedKey::seal(&wrapping, KeyId::from_bytes([6; 8]), &key, b"ctx").unwrap();
        assert_eq!(wrapped.open(&wrapping, b"ctx").unwrap().as_slice(), &key);
        let mut bytes = wrapped.into_bytes();
        bytes[3] ^= 0x10;
        let edited = WrappedKey::from_bytes(bytes).unwrap();
        assert_eq!(
            edited.open(&wrapping, b"ctx").unwrap_err(),
            VaultError::Unreadable
        );
    }

    #[test]
    fn debug_shows_only_the_master_id() {
        let master = MasterKey::generate();
        let wrapped = master.wrap(&DataKey::generate(), b"");
        let shown = format!("{wrapped:?}");
        assert_eq!(
            shown,
            format!("WrappedKey {{ master_id: KeyId({}), .. }}", master.id())
        );
    }
}
