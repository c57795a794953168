//! Data keys: sealing personal values.

use proptest::prelude::*;
use tutela_vault::{DataKey, VaultError};

use crate::{location, moved};

proptest! {
    #[test]
    fn seal_open_round_trip(plain in proptest::collection::vec(any::<u8>(), 0..512),
                            aad in proptest::collection::vec(any::<u8>(), 0..128)) {
        let key = DataKey::generate();
        let sealed = key.seal(&plain, &aad);
        prop_assert_eq!(sealed.len(), 1 + 24 + plain.len() + 16);
        let opened = key.open(&sealed, &aad).unwrap();
        prop_assert_eq!(opened.as_slice(), plain.as_slice());
    }

    #[test]
    fn any_flipped_bit_fails(plain in proptest::collection::vec(any::<u8>(), 0..64),
                             aad in proptest::collection::vec(any::<u8>(), 0..32),
                             at in any::<prop::sample::Index>(), bit in 0u8..8) {
        let key = DataKey::generate();
        let mut sealed = key.seal(&plain, &aad);
        let i = at.index(sealed.len());
        sealed[i] ^= 1 << bit;
        prop_assert_eq!(key.open(&sealed, &aad).unwrap_err(), VaultError::Unreadable);
    }

    #[test]
    fn truncation_or_extension_fails(plain in proptest::collection::vec(any::<u8>(), 0..64),
                                     cut in any::<prop::sample::Index>(),
                                     extra in proptest::collection::vec(any::<u8>(), 1..8)) {
        let key = DataKey::generate();
        let sealed = key.seal(&plain, b"");
        let short = &sealed[..cut.index(sealed.len())];
        prop_assert_eq!(key.open(short, b"").unwrap_err(), VaultError::Unreadable);
        let mut long = sealed.clone();
        long.extend_from_slice(&extra);
        prop_assert_eq!(key.open(&long, b"").unwrap_err(), VaultError::Unreadable);
    }

    #[test]
    fn moved_ciphertext_fails(here in location(), change in moved(),
                              plain in proptest::collection::vec(any::<u8>(), 0..64)) {
        let there = here.moved(&change);
        prop_assume!(there.is_some());
        let there = there.unwrap();
        let key = DataKey::generate();
        let sealed = key.seal(&plain, &here.aad());
        prop_assert_eq!(key.open(&sealed, &there.aad()).unwrap_err(), VaultError::Unreadable);
        prop_assert!(key.open(&sealed, &here.aad()).is_ok());
    }

    #[test]
    fn distinct_locations_have_distinct_aad(a in location(), b in location()) {
        let same = a.tenant == b.tenant && a.subject == b.subject
            && a.record == b.record && a.category == b.category;
        prop_assert_eq!(a.aad() == b.aad(), same);
    }

    #[test]
    fn wrong_key_fails(plain in proptest::collection::vec(any::<u8>(), 0..64)) {
        let sealed = DataKey::generate().seal(&plain, b"aad");
        prop_assert_eq!(DataKey::generate().open(&sealed, b"aad").unwrap_err(), VaultError::Unreadable);
    }

    #[test]
    fn open_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..128),
                         aad in proptest::collection::vec(any::<u8>(), 0..16)) {
        let key = DataKey::generate();
        prop_assert_eq!(key.open(&bytes, &aad).unwrap_err(), VaultError::Unreadable);
    }
}
