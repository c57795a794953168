use super::*;
use proptest::prelude::*;

const MIN: u64 = 5;
const W: Status = Status::Withheld(Reason::BelowMinimum);
const C: Status = Status::Withheld(Reason::Complementary);
const P: Status = Status::Published;

/// Organisation 0 with teams 1..=n directly under it.
fn flat(teams: usize) -> Tree {
    let mut parents = vec![None];
    parents.extend(std::iter::repeat_n(Some(0), teams));
    Tree::from_parents(&parents).unwrap()
}

/// Node counts (descendants included) from leaf counts, one period.
fn one_period(tree: &Tree, leaves: &[(usize, u64)]) -> Vec<Vec<u64>> {
    let mut counts = vec![vec![0u64]; tree.len()];
    for &(leaf, n) in leaves {
        counts[leaf][0] = n;
    }
    for node in (0..tree.len()).rev() {
        let sum: u64 = tree.children(node).iter().map(|&c| counts[c][0]).sum();
        counts[node][0] += sum;
    }
    counts
}

#[test]
fn a_team_below_the_minimum_is_withheld_and_the_organisation_minus_the_other_team_too() {
    let tree = flat(2);
    let grid = suppress(&tree, &one_period(&tree, &[(1, 3), (2, 10)]), MIN);
    assert_eq!(grid.per_period[1][0], W);
    // Organisation (13) minus team 2 (10) would give team 1 away.
    assert_eq!(grid.per_period[2][0], C);
    assert_eq!(grid.per_period[0][0], P);
    assert_eq!(grid.total, vec![P, W, C]);
}

#[test]
fn the_smallest_other_team_is_withheld_as_the_complement() {
    let tree = flat(3);
    let grid = suppress(&tree, &one_period(&tree, &[(1, 3), (2, 10), (3, 6)]), MIN);
    assert_eq!(grid.total, vec![P, W, P, C]);
}

#[test]
fn two_small_teams_protect_each_other() {
    let tree = flat(3);
    let grid = suppress(&tree, &one_period(&tree, &[(1, 3), (2, 4), (3, 9)]), MIN);
    assert_eq!(grid.total, vec![P, W, W, P]);
}

#[test]
fn a_parent_team_minus_its_sub_team_is_protected_like_two_overlapping_cohorts() {
    // 0 organisation; 1 department (teams 2 and 3); 4 a team of its own.
    let tree = Tree::from_parents(&[None, Some(0), Some(1), Some(1), Some(0)]).unwrap();
    let grid = suppress(&tree, &one_period(&tree, &[(2, 2), (3, 8), (4, 20)]), MIN);
    assert_eq!(grid.total[2], W);
    // Department (10) minus team 3 (8) is team 2: team 3 is withheld.
    assert_eq!(grid.total[3], C);
    assert_eq!(grid.total[1], P);
    assert_eq!(grid.total[4], P);
    assert_eq!(grid.total[0], P);
}

#[test]
fn a_department_with_one_team_is_that_team() {
    // The department equals its only team: both are withheld or neither.
    let tree = Tree::from_parents(&[None, Some(0), Some(1), Some(0), Some(0)]).unwrap();
    let grid = suppress(&tree, &one_period(&tree, &[(2, 3), (3, 8), (4, 9)]), MIN);
    assert_eq!(grid.total[2], W);
    assert_eq!(grid.total[1], W);
    assert_eq!(grid.total[3], C);
    assert_eq!(grid.total[4], P);
}

#[test]
fn teams_without_answers_are_shown_and_need_no_complement() {
    let tree = flat(2);
    let grid = suppress(&tree, &one_period(&tree, &[(2, 10)]), MIN);
    assert_eq!(grid.total, vec![P, P, P]);
}

#[test]
fn this_period_minus_the_last_total_is_protected() {
    // One team: 6 answers in week 1, 3 in week 2. The total up to week 1
    // (6) was shown by the read made after week 1; the total after week 2
    // (9) minus it would give week 2 away.
    let tree = Tree::from_parents(&[None, Some(0)]).unwrap();
    let counts = vec![vec![6, 3], vec![6, 3]];
    let grid = suppress(&tree, &counts, MIN);
    assert_eq!(grid.per_period[1], vec![P, W]);
    assert_eq!(grid.total[1], C);
    assert_eq!(grid.total[0], C);
}

#[test]
fn a_period_without_answers_leaves_the_total_shown() {
    let tree = Tree::from_parents(&[None, Some(0)]).unwrap();
    let counts = vec![vec![6, 0], vec![6, 0]];
    let grid = suppress(&tree, &counts, MIN);
    assert_eq!(grid.per_period[1], vec![P, P]);
    assert_eq!(grid.total[1], P);
}

#[test]
fn trees_with_a_cycle_or_a_later_parent_are_refused() {
    assert!(Tree::from_parents(&[None, Some(2), Some(0)]).is_none());
    assert!(Tree::from_parents(&[None, Some(1)]).is_none());
    assert!(Tree::from_parents(&[Some(0)]).is_none());
    assert!(Tree::from_parents(&[None, None]).is_none());
}

/// Every equation of every period, with the status each cell had in the
/// read that showed it: none may have exactly one withheld term.
fn leaks(tree: &Tree, counts: &[Vec<u64>], min: u64) -> Option<String> {
    let periods = counts[0].len();
    // The cumulative cells of period k as the read after period k saw them.
    let mut cumulative = Vec::new();
    for k in 0..periods {
        let prefix: Vec<Vec<u64>> = counts.iter().map(|r| r[..=k].to_vec()).collect();
        cumulative.push(suppress(tree, &prefix, min).total);
    }
    let grid = suppress(tree, counts, min);
    let hidden = |s: Status| matches!(s, Status::Withheld(_));
    for k in 0..periods {
        for node in 0..tree.len() {
            let kids = tree.children(node);
            if !kids.is_empty() {
                let per = std::iter::once(grid.per_period[node][k])
                    .chain(kids.iter().map(|&c| grid.per_period[c][k]));
                if per.filter(|s| hidden(*s)).count() == 1 {
                    return Some(format!("period {k} node {node}"));
                }
                let cum = std::iter::once(cumulative[k][node])
                    .chain(kids.iter().map(|&c| cumulative[k][c]));
                if cum.filter(|s| hidden(*s)).count() == 1 {
                    return Some(format!("cumulative {k} node {node}"));
                }
            }
            let mut chain = vec![cumulative[k][node], grid.per_period[node][k]];
            if k > 0 {
                chain.push(cumulative[k - 1][node]);
            }
            if chain.into_iter().filter(|s| hidden(*s)).count() == 1 {
                return Some(format!("chain {k} node {node}"));
            }
        }
    }
    None
}

fn arbitrary_case() -> impl Strategy<Value = (Tree, Vec<Vec<u64>>)> {
    (2usize..9, 1usize..4).prop_flat_map(|(nodes, periods)| {
        let parents = (1..nodes)
            .map(|n| (0..n).prop_map(Some).boxed())
            .collect::<Vec<_>>();
        let leaves = proptest::collection::vec(
            proptest::collection::vec(prop_oneof![Just(0u64), 1u64..5, 5u64..12], periods),
            nodes,
        );
        (parents, leaves).prop_map(|(parents, leaves)| {
            let mut all = vec![None];
            all.extend(parents);
            let tree = Tree::from_parents(&all).unwrap();
            // Only leaves hold members; inner nodes sum their children.
            let mut counts = leaves;
            for node in (0..tree.len()).rev() {
                if !tree.children(node).is_empty() {
                    for k in 0..counts[node].len() {
                        counts[node][k] = tree.children(node).iter().map(|&c| counts[c][k]).sum();
                    }
                }
            }
            (tree, counts)
        })
    })
}

proptest! {
    #[test]
    fn no_withheld_cell_can_be_computed_by_subtraction((tree, counts) in arbitrary_case()) {
        prop_assert_eq!(leaks(&tree, &counts, MIN), None);
    }

    #[test]
    fn a_later_read_keeps_what_an_earlier_one_decided((tree, counts) in arbitrary_case()) {
        let whole = suppress(&tree, &counts, MIN);
        let first: Vec<Vec<u64>> = counts.iter().map(|r| r[..1].to_vec()).collect();
        let early = suppress(&tree, &first, MIN);
        for node in 0..tree.len() {
            prop_assert_eq!(whole.per_period[node][0], early.per_period[node][0]);
        }
    }

    #[test]
    fn every_cell_below_the_minimum_is_withheld((tree, counts) in arbitrary_case()) {
        let grid = suppress(&tree, &counts, MIN);
        for (node, row) in counts.iter().enumerate() {
            for (k, &n) in row.iter().enumerate() {
                if n > 0 && n < MIN {
                    prop_assert_eq!(grid.per_period[node][k], W);
                }
            }
        }
    }
}
