//! Property tests for the vault's public API: round trips, tamper evidence,
//! binding to location, and no panics on hostile input.

mod keys;
mod sealing;

use proptest::prelude::*;

/// Which field of a record's location to change.
#[derive(Debug, Clone)]
enum Moved {
    Tenant(String),
    Subject([u8; 16]),
    Record([u8; 16]),
    Category(String),
}

/// A record location: tenant, subject, record, category.
#[derive(Debug, Clone)]
struct Location {
    tenant: String,
    subject: [u8; 16],
    record: [u8; 16],
    category: String,
}

impl Location {
    fn aad(&self) -> Vec<u8> {
        tutela_vault::record_aad(&self.tenant, &self.subject, &self.record, &self.category)
    }

    /// The same location with one field replaced, or `None` if the
    /// replacement equals the original.
    fn moved(&self, change: &Moved) -> Option<Location> {
        let mut other = self.clone();
        match change {
            Moved::Tenant(t) => other.tenant.clone_from(t),
            Moved::Subject(s) => other.subject = *s,
            Moved::Record(r) => other.record = *r,
            Moved::Category(c) => other.category.clone_from(c),
        }
        let same = other.tenant == self.tenant
            && other.subject == self.subject
            && other.record == self.record
            && other.category == self.category;
        (!same).then_some(other)
    }
}

fn location() -> impl Strategy<Value = Location> {
    (
        "[a-z0-9-]{0,12}",
        any::<[u8; 16]>(),
        any::<[u8; 16]>(),
        "[a-z.]{0,20}",
    )
        .prop_map(|(tenant, subject, record, category)| Location {
            tenant,
            subject,
            record,
            category,
        })
}

fn moved() -> impl Strategy<Value = Moved> {
    prop_oneof![
        "[a-z0-9-]{0,12}".prop_map(Moved::Tenant),
        any::<[u8; 16]>().prop_map(Moved::Subject),
        any::<[u8; 16]>().prop_map(Moved::Record),
        "[a-z.]{0,20}".prop_map(Moved::Category),
    ]
}
