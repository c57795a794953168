//! Master keys: wrapping, text form, blind indexes.

use proptest::prelude::*;
use tutela_vault::{DataKey, MasterKey, VaultError, WrappedKey, normalize_identifier};

fn context() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..48)
}

/// Whether `wrapped` bytes yield a key under `master` that opens `probe`.
fn unwraps_to(master: &MasterKey, bytes: Vec<u8>, ctx: &[u8], probe: &[u8]) -> bool {
    WrappedKey::from_bytes(bytes)
        .and_then(|w| master.unwrap(&w, ctx))
        .is_ok_and(|k| k.open(probe, b"").is_ok())
}

proptest! {
    #[test]
    fn wrap_unwrap_round_trip(seed in any::<[u8; 32]>(), ctx in context()) {
        let master = MasterKey::from_bytes(seed);
        let key = DataKey::generate();
        let probe = key.seal(b"probe", b"");
        let wrapped = master.wrap(&key, &ctx);
        prop_assert!(unwraps_to(&master, wrapped.into_bytes(), &ctx, &probe));
    }

    #[test]
    fn wrapped_key_bound_to_its_context(ctx in context(), other in context()) {
        prop_assume!(ctx != other);
        let master = MasterKey::generate();
        let wrapped = master.wrap(&DataKey::generate(), &ctx);
        prop_assert_eq!(master.unwrap(&wrapped, &other).unwrap_err(), VaultError::Unreadable);
    }

    #[test]
    fn wrapped_key_bound_to_its_master(a in any::<[u8; 32]>(), b in any::<[u8; 32]>(), ctx in context()) {
        prop_assume!(a != b);
        let (a, b) = (MasterKey::from_bytes(a), MasterKey::from_bytes(b));
        let wrapped = a.wrap(&DataKey::generate(), &ctx);
        prop_assert!(b.unwrap(&wrapped, &ctx).is_err());
    }

    #[test]
    fn any_flipped_bit_of_a_wrapped_key_fails(ctx in context(), at in 0usize..81, bit in 0u8..8) {
        let master = MasterKey::generate();
        let key = DataKey::generate();
        let probe = key.seal(b"probe", b"");
        let mut bytes = master.wrap(&key, &ctx).into_bytes();
        bytes[at] ^= 1 << bit;
        prop_assert!(!unwraps_to(&master, bytes, &ctx, &probe));
    }

    #[test]
    fn wrapped_from_bytes_and_unwrap_never_panic(mut bytes in proptest::collection::vec(any::<u8>(), 0..100),
                                                 fix_header in any::<bool>(), ctx in context()) {
        let master = MasterKey::from_bytes([7; 32]);
        if fix_header {
            // Steer many inputs past the format check, into unwrap itself.
            bytes.resize(81, 0);
            bytes[0] = 1;
            bytes[1..9].copy_from_slice(master.id().as_bytes());
        }
        if let Ok(w) = WrappedKey::from_bytes(bytes) {
            let _ = w.master_id();
            prop_assert!(master.unwrap(&w, &ctx).is_err());
        }
    }

    #[test]
    fn text_form_round_trips(seed in any::<[u8; 32]>()) {
        let key = MasterKey::from_bytes(seed);
        let text = key.encode();
        let back = MasterKey::parse(&format!(" {}\n", text.as_str())).unwrap();
        prop_assert_eq!(back.id(), key.id());
        prop_assert_eq!(back.encode(), text);
    }

    #[test]
    fn parse_never_panics(text in ".{0,80}") {
        // The error is a fieldless variant, so it cannot carry the input.
        if let Err(e) = MasterKey::parse(&text) {
            prop_assert_eq!(e, VaultError::MalformedKey);
        }
    }

    #[test]
    fn email_index_ignores_case_and_whitespace(local in "[a-zA-Z0-9.]{1,12}", domain in "[a-zA-Z0-9]{1,12}",
                                               pad in "[ \t\n]{0,3}") {
        let key = MasterKey::from_bytes([1; 32]).blind_index_key("acme");
        let email = format!("{local}@{domain}.com");
        let messy = format!("{pad}{}{pad}", email.to_uppercase());
        prop_assert_eq!(key.index("email", &messy), key.index("email", &email.to_lowercase()));
        let once = normalize_identifier(&messy);
        prop_assert_eq!(normalize_identifier(&once), once);
    }

    #[test]
    fn index_separates_categories_and_tenants(value in ".{0,24}", c1 in "[a-z.]{1,12}", c2 in "[a-z.]{1,12}") {
        let master = MasterKey::from_bytes([1; 32]);
        let acme = master.blind_index_key("acme");
        if c1 != c2 {
            prop_assert_ne!(acme.index(&c1, &value), acme.index(&c2, &value));
        }
        prop_assert_ne!(acme.index(&c1, &value), master.blind_index_key("globex").index(&c1, &value));
    }
}

#[test]
fn endpoint_secrets_seal_under_a_per_tenant_key_of_the_master_key() {
    let master = MasterKey::from_bytes([7; 32]);
    let sealed = master
        .endpoint_secret_key("acme")
        .seal(b"signing secret", b"aad");
    let again = MasterKey::from_bytes([7; 32]).endpoint_secret_key("acme");
    assert_eq!(&*again.open(&sealed, b"aad").unwrap(), b"signing secret");
    assert!(
        master
            .endpoint_secret_key("other")
            .open(&sealed, b"aad")
            .is_err()
    );
    assert!(again.open(&sealed, b"another aad").is_err());
    let other_master = MasterKey::from_bytes([8; 32]).endpoint_secret_key("acme");
    assert!(other_master.open(&sealed, b"aad").is_err());
}
