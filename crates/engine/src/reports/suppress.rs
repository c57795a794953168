//! Small-group suppression for anonymised aggregates (Recital 26): a
//! group with fewer people than the policy's `min_group_size` is
//! withheld, and so is whatever would let it be computed back.
//!
//! The rule, applied to one table of groups and its total:
//! 1. *Primary*: a group with fewer members than the minimum is withheld.
//! 2. *Complementary*: the total minus the shown groups gives the withheld
//!    groups' combined figure, which is about the people in the union of
//!    their members. While that union has fewer members than the minimum,
//!    the smallest shown group is withheld too (fewest members, then
//!    fewest records, then first in the table). One withheld group alone
//!    always triggers this, since it is below the minimum by itself.
//! 3. *Total*: shown only when it covers at least the minimum number of
//!    people and the withheld groups together (if any) do too; otherwise
//!    withheld, so nothing below the minimum can be derived by subtraction.
//!
//! Members are counted as sets, not sums, so groups that share people
//! (periods in which the same person was active) are judged by the people
//! they really cover.

use serde::Serialize;
use std::collections::BTreeSet;

/// One group of a table before suppression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group<K, M> {
    /// What the group is (a team, a month).
    pub key: K,
    /// The people in it.
    pub members: BTreeSet<M>,
    /// Its figure: how many records.
    pub records: u64,
}

/// Why a cell is withheld.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Withheld {
    /// Fewer people than the minimum.
    BelowMinimum,
    /// Shown, it would let a withheld cell be computed by subtraction.
    Complementary,
}

/// A published cell, or why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cell {
    /// The figures.
    Shown {
        /// How many people.
        subjects: u64,
        /// How many records.
        records: u64,
    },
    /// Withheld, with the reason.
    Withheld(Withheld),
}

/// One table after suppression: its groups in the order given, and its total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table<K> {
    /// Each group's key and cell.
    pub rows: Vec<(K, Cell)>,
    /// The whole table's cell.
    pub total: Cell,
}

/// Applies the rule above to `groups` with minimum `min` people.
pub fn suppress<K, M: Ord + Clone>(groups: Vec<Group<K, M>>, min: u32) -> Table<K> {
    let min = u64::from(min);
    let size = |g: &Group<K, M>| g.members.len() as u64;
    let mut state: Vec<Option<Withheld>> = groups
        .iter()
        .map(|g| (size(g) < min).then_some(Withheld::BelowMinimum))
        .collect();
    loop {
        let hidden = union(&groups, &state, |s| s.is_some());
        if state.iter().all(Option::is_none) || hidden >= min {
            break;
        }
        let next = groups
            .iter()
            .enumerate()
            .filter(|(i, _)| state.get(*i).is_some_and(Option::is_none))
            .min_by_key(|(i, g)| (size(g), g.records, *i))
            .map(|(i, _)| i);
        match next.and_then(|i| state.get_mut(i)) {
            Some(slot) => *slot = Some(Withheld::Complementary),
            None => break,
        }
    }
    let everyone = union(&groups, &state, |_| true);
    let hidden = union(&groups, &state, |s| s.is_some());
    let any_hidden = state.iter().any(Option::is_some);
    let records: u64 = groups.iter().map(|g| g.records).sum();
    let total = if everyone < min {
        Cell::Withheld(Withheld::BelowMinimum)
    } else if any_hidden && hidden < min {
        Cell::Withheld(Withheld::Complementary)
    } else {
        Cell::Shown {
            subjects: everyone,
            records,
        }
    };
    let rows = groups
        .into_iter()
        .zip(state)
        .map(|(g, s)| {
            let cell = match s {
                Some(why) => Cell::Withheld(why),
                None => Cell::Shown {
                    subjects: g.members.len() as u64,
                    records: g.records,
                },
            };
            (g.key, cell)
        })
        .collect();
    Table { rows, total }
}

/// How many distinct members the groups whose state passes `pick` have.
fn union<K, M: Ord + Clone>(
    groups: &[Group<K, M>],
    state: &[Option<Withheld>],
    pick: impl Fn(&Option<Withheld>) -> bool,
) -> u64 {
    let mut all: BTreeSet<&M> = BTreeSet::new();
    for (g, s) in groups.iter().zip(state) {
        if pick(s) {
            all.extend(g.members.iter());
        }
    }
    all.len() as u64
}

#[cfg(test)]
mod tests;
