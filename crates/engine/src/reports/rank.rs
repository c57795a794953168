//! Rankings: subjects ordered by count, with standard competition ranks
//! ("1224"): subjects with equal counts share a rank, and the next rank
//! counts everyone ranked before it. A subject's rank is therefore one
//! plus the number of subjects with a strictly higher count, so leaving
//! an objector out moves up exactly those ranked below them.

use crate::ids::SubjectId;
use serde::Serialize;

/// One line of a ranking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ranked {
    /// 1 for the highest count; equal counts share a rank.
    pub rank: u64,
    /// The subject's pseudonym.
    pub subject: SubjectId,
    /// Its count.
    pub count: u64,
}

/// Ranks `(subject, count)` pairs, highest count first, ties in subject
/// order (a stable order that says nothing about the tie), and keeps the
/// first `limit` lines.
pub fn rank(mut counts: Vec<(SubjectId, u64)>, limit: usize) -> Vec<Ranked> {
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut out = Vec::with_capacity(limit.min(counts.len()));
    let mut rank = 0;
    let mut previous = None;
    for (position, (subject, count)) in counts.into_iter().enumerate().take(limit) {
        if previous != Some(count) {
            rank = position as u64 + 1;
            previous = Some(count);
        }
        out.push(Ranked {
            rank,
            subject,
            count,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<SubjectId> {
        let mut v: Vec<SubjectId> = (0..n).map(|_| SubjectId::new()).collect();
        v.sort();
        v
    }

    #[test]
    fn ties_share_a_rank_and_the_next_rank_skips() {
        let s = ids(4);
        let ranked = rank(vec![(s[3], 1), (s[0], 5), (s[2], 3), (s[1], 5)], 10);
        let got: Vec<(u64, SubjectId, u64)> = ranked
            .iter()
            .map(|r| (r.rank, r.subject, r.count))
            .collect();
        assert_eq!(
            got,
            vec![(1, s[0], 5), (1, s[1], 5), (3, s[2], 3), (4, s[3], 1)]
        );
    }

    #[test]
    fn removing_a_subject_moves_up_only_those_below() {
        let s = ids(4);
        let all = [(s[0], 9), (s[1], 7), (s[2], 4), (s[3], 2)];
        let without: Vec<_> = all.iter().copied().filter(|(id, _)| *id != s[1]).collect();
        let ranks: Vec<u64> = rank(without, 10).iter().map(|r| r.rank).collect();
        assert_eq!(ranks, vec![1, 2, 3]);
    }

    #[test]
    fn the_limit_keeps_the_top() {
        let s = ids(3);
        let ranked = rank(vec![(s[0], 1), (s[1], 2), (s[2], 3)], 2);
        assert_eq!(ranked.len(), 2);
        assert_eq!(ranked[0].subject, s[2]);
        assert!(rank(Vec::new(), 5).is_empty());
    }
}
