use super::*;

/// A group `key` with members `from..to` and `records` records.
fn g(key: &'static str, from: u32, to: u32, records: u64) -> Group<&'static str, u32> {
    Group {
        key,
        members: (from..to).collect(),
        records,
    }
}

fn shown(subjects: u64, records: u64) -> Cell {
    Cell::Shown { subjects, records }
}

const BELOW: Cell = Cell::Withheld(Withheld::BelowMinimum);
const COMPLEMENT: Cell = Cell::Withheld(Withheld::Complementary);

#[test]
fn groups_at_or_above_the_minimum_are_shown_with_their_total() {
    let t = suppress(vec![g("a", 0, 5, 12), g("b", 5, 11, 7)], 5);
    assert_eq!(t.rows, vec![("a", shown(5, 12)), ("b", shown(6, 7))]);
    assert_eq!(t.total, shown(11, 19));
}

#[test]
fn one_small_group_takes_the_next_smallest_with_it() {
    // Without the second rule, total - a - c would give b's figure.
    let t = suppress(
        vec![g("a", 0, 9, 30), g("b", 9, 11, 4), g("c", 11, 17, 8)],
        5,
    );
    assert_eq!(
        t.rows,
        vec![("a", shown(9, 30)), ("b", BELOW), ("c", COMPLEMENT)]
    );
    assert_eq!(t.total, shown(17, 42));
}

#[test]
fn the_complement_is_the_smallest_by_people_then_records_then_order() {
    let t = suppress(
        vec![g("a", 0, 6, 9), g("b", 6, 12, 3), g("c", 12, 13, 1)],
        5,
    );
    assert_eq!(t.rows[1], ("b", COMPLEMENT));
    assert_eq!(t.rows[0], ("a", shown(6, 9)));
    let tie = suppress(
        vec![g("a", 0, 6, 3), g("b", 6, 12, 3), g("c", 12, 13, 1)],
        5,
    );
    assert_eq!(tie.rows[0], ("a", COMPLEMENT));
    assert_eq!(tie.rows[1], ("b", shown(6, 3)));
}

#[test]
fn small_groups_whose_union_is_still_small_take_more_with_them() {
    // b and c together are 3 people: total minus a and d would give them.
    let t = suppress(
        vec![
            g("a", 0, 8, 10),
            g("b", 8, 10, 2),
            g("c", 10, 11, 1),
            g("d", 11, 16, 5),
        ],
        5,
    );
    assert_eq!(
        t.rows,
        vec![
            ("a", shown(8, 10)),
            ("b", BELOW),
            ("c", BELOW),
            ("d", COMPLEMENT)
        ]
    );
    assert_eq!(t.total, shown(16, 18));
}

#[test]
fn two_small_groups_that_together_reach_the_minimum_need_no_complement() {
    let t = suppress(
        vec![g("a", 0, 8, 10), g("b", 8, 11, 3), g("c", 11, 14, 3)],
        5,
    );
    assert_eq!(
        t.rows,
        vec![("a", shown(8, 10)), ("b", BELOW), ("c", BELOW)]
    );
    assert_eq!(t.total, shown(14, 16));
}

#[test]
fn overlapping_groups_count_people_once() {
    // Two months with the same two people: their union is 2, not 4.
    let t = suppress(
        vec![
            g("2026-01", 0, 2, 3),
            g("2026-02", 0, 2, 4),
            g("2026-03", 0, 7, 9),
        ],
        4,
    );
    assert_eq!(
        t.rows,
        vec![
            ("2026-01", BELOW),
            ("2026-02", BELOW),
            ("2026-03", COMPLEMENT)
        ]
    );
    // Everyone is withheld and the 7 people together reach the minimum.
    assert_eq!(t.total, shown(7, 16));
}

#[test]
fn a_total_below_the_minimum_is_withheld_with_everything() {
    let t = suppress(vec![g("a", 0, 2, 2), g("b", 2, 4, 3)], 5);
    assert_eq!(t.rows, vec![("a", BELOW), ("b", BELOW)]);
    assert_eq!(t.total, BELOW);
    let none: Table<&str> = suppress(Vec::<Group<&str, u32>>::new(), 5);
    assert!(none.rows.is_empty());
    assert_eq!(none.total, BELOW);
}

#[test]
fn a_minimum_of_one_withholds_nothing() {
    let t = suppress(vec![g("a", 0, 1, 1), g("b", 1, 2, 9)], 1);
    assert_eq!(t.rows, vec![("a", shown(1, 1)), ("b", shown(1, 9))]);
    assert_eq!(t.total, shown(2, 10));
}
