//! Associated data that pins a ciphertext to where it belongs.
//!
//! AEAD authenticates the associated data without storing it. Building it
//! from the record's location means a ciphertext copied to another tenant,
//! subject, record or category fails to open, so a database-level attacker
//! (or a bug) cannot swap values between rows and have them decrypt.

use crate::kdf::push_field;

/// Domain label, so record AAD can never equal AAD built for another purpose.
const RECORD_LABEL: &[u8] = b"tutela/v1/record";

/// The canonical associated data of one record's value.
///
/// Encoding: `u64be(len) || label`, `u64be(len) || tenant`, subject (16),
/// record (16), `u64be(len) || category`. Variable fields are
/// length-prefixed and fixed fields have fixed size, so two different
/// locations never encode to the same bytes (`("ab","c")` ≠ `("a","bc")`).
pub fn record_aad(tenant: &str, subject: &[u8; 16], record: &[u8; 16], category: &str) -> Vec<u8> {
    let mut out =
        Vec::with_capacity(3 * 8 + RECORD_LABEL.len() + tenant.len() + 32 + category.len());
    push_field(&mut out, RECORD_LABEL);
    push_field(&mut out, tenant.as_bytes());
    out.extend_from_slice(subject);
    out.extend_from_slice(record);
    push_field(&mut out, category.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_changes_the_aad() {
        let base = record_aad("acme", &[1; 16], &[2; 16], "user.contact.email");
        assert_ne!(
            base,
            record_aad("acmf", &[1; 16], &[2; 16], "user.contact.email")
        );
        assert_ne!(
            base,
            record_aad("acme", &[3; 16], &[2; 16], "user.contact.email")
        );
        assert_ne!(
            base,
            record_aad("acme", &[1; 16], &[3; 16], "user.contact.email")
        );
        assert_ne!(
            base,
            record_aad("acme", &[1; 16], &[2; 16], "user.contact.phone")
        );
        assert_ne!(
            base,
            record_aad("acme", &[2; 16], &[1; 16], "user.contact.email")
        );
        assert_eq!(
            base,
            record_aad("acme", &[1; 16], &[2; 16], "user.contact.email")
        );
    }

    #[test]
    fn field_boundaries_are_unambiguous() {
        assert_ne!(
            record_aad("ab", &[0; 16], &[0; 16], "c"),
            record_aad("a", &[0; 16], &[0; 16], "bc")
        );
        assert_ne!(
            record_aad("", &[0; 16], &[0; 16], "x"),
            record_aad("x", &[0; 16], &[0; 16], "")
        );
    }
}
