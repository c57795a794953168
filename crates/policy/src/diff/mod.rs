//! What changed between two versions of a policy, and whether it matters
//! to the people the data is about. A material change (new use, new
//! recipient or transfer, longer keeping, another legal basis, wider
//! consent, profiling or marketing switched on) must be announced before it
//! applies (Art. 12(1), 13(3)); an editorial one (wording, contacts,
//! shorter keeping, anything removed) may apply at once. Removals are
//! listed but never material: processing that stops needs no warning.
//!
//! Pure: a function of the two policies.

mod kind;
mod parts;
mod purposes;
mod recipients;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_time;
mod time;

use serde::Serialize;

pub use kind::ChangeKind;

use crate::ids::CategoryId;
use crate::model::Policy;

/// One difference between two policy versions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// What kind of change, as a stable code.
    pub kind: ChangeKind,
    /// Whether subjects must be told before it applies.
    pub material: bool,
    /// Where in the policy (`purpose.support.categories`).
    pub path: String,
    /// One plain sentence saying what changed.
    pub summary: String,
    /// The categories whose holders the change affects: a subject with
    /// stored data in one of them is told of a material change.
    pub categories: Vec<CategoryId>,
}

/// Every difference from `old` to `new`, material changes first, each
/// group in the order of the policy (parties, categories, purposes,
/// recipients, retention, holds, settings).
pub fn diff(old: &Policy, new: &Policy) -> Vec<Change> {
    let mut found = Found::default();
    parts::top(old, new, &mut found);
    parts::categories(old, new, &mut found);
    purposes::purposes(old, new, &mut found);
    recipients::recipients(old, new, &mut found);
    time::retention(old, new, &mut found);
    time::holds(old, new, &mut found);
    parts::settings(old, new, &mut found);
    let mut changes = found.0;
    changes.sort_by_key(|c| !c.material);
    changes
}

/// Whether any change in the list is material.
pub fn has_material(changes: &[Change]) -> bool {
    changes.iter().any(|c| c.material)
}

/// The changes found so far.
#[derive(Default)]
pub(crate) struct Found(Vec<Change>);

impl Found {
    /// Records a change affecting the holders of `categories`.
    fn add(
        &mut self,
        kind: ChangeKind,
        path: String,
        summary: String,
        categories: Vec<CategoryId>,
    ) {
        self.0.push(Change {
            kind,
            material: kind.is_material(),
            path,
            summary,
            categories,
        });
    }
}

/// Every category of the policy: what a policy-wide change touches.
fn all_categories(policy: &Policy) -> Vec<CategoryId> {
    policy.categories.iter().map(|c| c.id.clone()).collect()
}
