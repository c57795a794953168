//! Blind indexes: finding a subject by an identifier (email, customer
//! number) without storing the identifier.
//!
//! The store keeps `HMAC-SHA256(tenant key, u64be(len) || category ||
//! normalized value)`. Without the key an index value cannot be reversed or
//! even confirmed by guessing, unlike a plain hash of a low-entropy email.
//! The key is per tenant (see [`crate::kdf`]), so the same person in two
//! tenants has unrelated index values, and the category is bound in, so an
//! email and a phone number that happen to be equal strings index apart.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::kdf::{hmac_sha256, push_field};

/// A tenant's key for computing blind indexes; derive it with
/// [`crate::MasterKey::blind_index_key`].
///
/// Zeroized on drop; `Debug` prints `BlindIndexKey(<redacted>)`.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct BlindIndexKey {
    bytes: [u8; 32],
}

impl BlindIndexKey {
    /// Takes ownership of freshly derived key bytes.
    pub(crate) fn from_derived(bytes: Zeroizing<[u8; 32]>) -> BlindIndexKey {
        BlindIndexKey { bytes: *bytes }
    }

    /// The lookup key for `value` in `category`, after
    /// [`normalize_identifier`], so `Alice@Example.com ` finds what
    /// `alice@example.com` stored.
    pub fn index(&self, category: &str, value: &str) -> BlindIndex {
        let normalized = Zeroizing::new(normalize_identifier(value));
        let mut prefix = Vec::with_capacity(8 + category.len());
        push_field(&mut prefix, category.as_bytes());
        BlindIndex(hmac_sha256(&self.bytes, &[&prefix, normalized.as_bytes()]))
    }
}

impl fmt::Debug for BlindIndexKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BlindIndexKey(<redacted>)")
    }
}

/// The canonical form of an identifier before it is indexed.
///
/// Invisible format characters (zero-width spaces and joiners, the byte
/// order mark, soft hyphens) are dropped and the rest is put in Unicode
/// NFC, so an address typed in decomposed form (as macOS keyboards do) or
/// pasted with a hidden character is the same identifier. Surrounding
/// whitespace is dropped. A value with `@` is taken as an email and
/// lowercased whole: providers treat addresses case-insensitively in
/// practice, and people type them in any case. Anything else keeps its case,
/// because customer numbers and similar ids may be case-sensitive.
pub fn normalize_identifier(value: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let visible: String = value.chars().filter(|c| !is_invisible(*c)).nfc().collect();
    let trimmed = visible.trim();
    if trimmed.contains('@') {
        trimmed.to_lowercase()
    } else {
        trimmed.to_string()
    }
}

/// Characters with no glyph that a copy and paste carries along unseen:
/// control characters, every format character of Unicode (general
/// category Cf, as of Unicode 15.1), and the fillers, blanks and selectors
/// that draw nothing (soft hyphen, zero-width and bidirectional
/// marks, overrides and isolates, invisible operators, Hangul and Khmer
/// fillers, variation selectors, tags). None belongs in an address or an
/// id; kept, `a@x.example` with a left-to-right mark pasted from a
/// right-to-left page would be another person.
pub fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{0600}'..='\u{0605}'
                | '\u{061C}'
                | '\u{06DD}'
                | '\u{070F}'
                | '\u{0890}'..='\u{0891}'
                | '\u{08E2}'
                | '\u{115F}'..='\u{1160}'
                | '\u{17B4}'..='\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{2800}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF0}'..='\u{FFFB}'
                | '\u{110BD}'
                | '\u{110CD}'
                | '\u{13430}'..='\u{1343F}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

/// A blind index value: 32 bytes, stored and compared for lookups.
///
/// Not personal by itself (it cannot be reversed without the tenant key), so
/// it may be shown as hex in `Debug` and `Display`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct BlindIndex(pub [u8; 32]);

impl BlindIndex {
    /// The 32 bytes, as stored.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for BlindIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for BlindIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlindIndex({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MasterKey;

    const EMAIL: &str = "user.contact.email";

    #[test]
    fn index_is_stable() {
        let master = MasterKey::from_bytes([1; 32]);
        let a = master
            .blind_index_key("acme")
            .index(EMAIL, "alice@example.com");
        let b = master
            .blind_index_key("acme")
            .index(EMAIL, "alice@example.com");
        assert_eq!(a, b);
        assert_eq!(a.to_string().len(), 64);
        assert_eq!(format!("{a:?}"), format!("BlindIndex({a})"));
    }

    #[test]
    fn index_differs_by_tenant_master_category_and_value() {
        let master = MasterKey::from_bytes([1; 32]);
        let base = master
            .blind_index_key("acme")
            .index(EMAIL, "alice@example.com");
        let others = [
            master
                .blind_index_key("globex")
                .index(EMAIL, "alice@example.com"),
            MasterKey::from_bytes([2; 32])
                .blind_index_key("acme")
                .index(EMAIL, "alice@example.com"),
            master
                .blind_index_key("acme")
                .index("user.contact.email2", "alice@example.com"),
            master
                .blind_index_key("acme")
                .index(EMAIL, "bob@example.com"),
        ];
        for other in others {
            assert_ne!(base, other);
        }
    }

    #[test]
    fn category_and_value_do_not_run_together() {
        let key = MasterKey::from_bytes([1; 32]).blind_index_key("acme");
        assert_ne!(key.index("ab", "c"), key.index("a", "bc"));
    }

    #[test]
    fn emails_are_normalized() {
        let key = MasterKey::from_bytes([1; 32]).blind_index_key("acme");
        assert_eq!(
            key.index(EMAIL, "  Alice@Example.COM\n"),
            key.index(EMAIL, "alice@example.com")
        );
        assert_eq!(
            normalize_identifier(" Alice@Example.COM "),
            "alice@example.com"
        );
    }

    #[test]
    fn one_address_in_two_unicode_forms_or_with_hidden_characters_is_one() {
        let key = MasterKey::from_bytes([1; 32]).blind_index_key("acme");
        let composed = key.index(EMAIL, "jos\u{e9}@example.com");
        for typed in [
            "jose\u{301}@example.com",
            "JOSE\u{301}@example.com",
            "jos\u{e9}@example.com\u{200b}",
            "\u{feff}jos\u{e9}@exam\u{ad}ple.com",
            "jos\u{e9}@example.com\u{200e}",
            "\u{202e}jos\u{e9}@example.com\u{202c}",
            "jos\u{e9}\u{0}@example.com",
            "jos\u{e9}@ex\u{2066}ample\u{2069}.com\u{e0020}",
            "jos\u{e9}@example.com\u{fff9}",
            "jos\u{e9}\u{13430}@example.com\u{2800}",
        ] {
            assert_eq!(key.index(EMAIL, typed), composed, "{typed:?}");
        }
        assert_ne!(key.index(EMAIL, "jose@example.com"), composed);
        // Only such characters: nothing is left, which callers refuse.
        for blank in [
            "\u{fff9}\u{fffb}",
            "\u{13430}\u{2800}",
            "\u{0}",
            "\u{202e}\u{200e}",
            "\u{3164}\u{ffa0}",
            "\u{180e} \u{1d173}",
        ] {
            assert_eq!(normalize_identifier(blank), "", "{blank:?}");
        }
    }

    #[test]
    fn other_identifiers_keep_case() {
        let key = MasterKey::from_bytes([1; 32]).blind_index_key("acme");
        assert_eq!(normalize_identifier(" Cust-42AB\t"), "Cust-42AB");
        assert_ne!(
            key.index("customer", "Cust-42AB"),
            key.index("customer", "cust-42ab")
        );
        assert_eq!(
            key.index("customer", " Cust-42AB "),
            key.index("customer", "Cust-42AB")
        );
    }

    #[test]
    fn debug_is_redacted() {
        let key = MasterKey::from_bytes([1; 32]).blind_index_key("acme");
        let hex: String = key.bytes.iter().map(|b| format!("{b:02x}")).collect();
        let shown = format!("{key:?}");
        assert_eq!(shown, "BlindIndexKey(<redacted>)");
        assert!(!shown.contains(&hex));
    }
}
