//! The fideslang default taxonomy (data categories, data subjects, data
//! uses), shipped as data in the crate and parsed once, so a policy's
//! `taxonomy` keys can be checked and a Fides manifest mapped without any
//! file or network access. Source and licence: `data/fideslang/NOTICE.md`.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use crate::suggest::nearest;

/// One row of a shipped list: a dotted key, its parent (if any) and its
/// human-readable name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaxonomyEntry {
    /// The `fides_key` (`user.contact.email`).
    pub key: &'static str,
    /// The key one level up, if the key is not a root.
    pub parent: Option<&'static str>,
    /// fideslang's name for it ("User Contact Email").
    pub name: &'static str,
}

/// A parsed list, keyed by `fides_key`.
type Table = BTreeMap<&'static str, TaxonomyEntry>;

static CATEGORIES: LazyLock<Table> = LazyLock::new(|| {
    parse(
        include_str!("../../data/fideslang/data_categories.tsv"),
        true,
    )
});
static SUBJECTS: LazyLock<Table> = LazyLock::new(|| {
    parse(
        include_str!("../../data/fideslang/data_subjects.tsv"),
        false,
    )
});
static USES: LazyLock<Table> =
    LazyLock::new(|| parse(include_str!("../../data/fideslang/data_uses.tsv"), false));

/// Reads a tab-separated list; `#` lines are comments. With `parents`, the
/// columns are key, parent, name; otherwise key, name.
fn parse(text: &'static str, parents: bool) -> Table {
    text.lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| {
            let mut cols = line.split('\t');
            let key = cols.next()?;
            let parent = if parents {
                cols.next().filter(|p| !p.is_empty())
            } else {
                None
            };
            let name = cols.next().unwrap_or(key);
            Some((key, TaxonomyEntry { key, parent, name }))
        })
        .collect()
}

/// The fideslang default data category with this key, if there is one.
pub fn data_category(key: &str) -> Option<&'static TaxonomyEntry> {
    CATEGORIES.get(key)
}

/// Every fideslang default data category, in key order.
pub fn data_categories() -> impl Iterator<Item = &'static TaxonomyEntry> {
    CATEGORIES.values()
}

/// The fideslang default data subject with this key, if there is one.
pub fn data_subject(key: &str) -> Option<&'static TaxonomyEntry> {
    SUBJECTS.get(key)
}

/// The fideslang default data use with this key, if there is one.
pub fn data_use(key: &str) -> Option<&'static TaxonomyEntry> {
    USES.get(key)
}

/// What to suggest for a data category key that is not in the default
/// taxonomy: the closest known key when the difference looks like a typo,
/// else the longest known prefix (`user.financial` for
/// `user.financial.invoice`), else nothing.
pub fn suggest_category(key: &str) -> Option<&'static str> {
    if let Some(close) = nearest(key, CATEGORIES.keys().copied()) {
        return Some(close);
    }
    let mut prefix = key;
    while let Some((head, _)) = prefix.rsplit_once('.') {
        if let Some(entry) = CATEGORIES.get(head) {
            return Some(entry.key);
        }
        prefix = head;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_lists_are_complete_and_consistent() {
        assert_eq!(data_categories().count(), 85);
        assert_eq!(SUBJECTS.len(), 15);
        assert_eq!(USES.len(), 56);
        for entry in data_categories() {
            match entry.parent {
                Some(parent) => {
                    assert!(data_category(parent).is_some(), "{}", entry.key);
                    assert!(
                        entry.key.starts_with(&format!("{parent}.")),
                        "{}",
                        entry.key
                    );
                }
                None => assert!(["user", "system"].contains(&entry.key)),
            }
            assert!(!entry.name.is_empty());
        }
        assert_eq!(
            data_category("user.contact.email").map(|e| e.name),
            Some("User Contact Email")
        );
        assert!(data_subject("customer").is_some());
        assert!(data_use("marketing.communications.email").is_some());
        assert!(data_use("personalize.profiling").is_some());
    }

    #[test]
    fn suggestions_prefer_a_close_key_then_the_known_parent() {
        assert_eq!(
            suggest_category("user.contact.emial"),
            Some("user.contact.email")
        );
        assert_eq!(
            suggest_category("user.financial.invoice"),
            Some("user.financial")
        );
        assert_eq!(suggest_category("user.device.log"), Some("user.device"));
        assert_eq!(
            suggest_category("user.contact.address.planet"),
            Some("user.contact.address")
        );
        assert_eq!(suggest_category("customer.email"), None);
    }
}
