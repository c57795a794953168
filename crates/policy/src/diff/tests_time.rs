//! Retention, holds, storage and anonymity changes and their class.

use super::tests::{BASE, edit, kinds, parse};
use super::*;

#[test]
fn longer_retention_is_material_and_shorter_editorial() {
    let ticket = "categories = [\"ticket_text\"]\nkeep = \"1 year\"";
    let longer = edit(ticket, "categories = [\"ticket_text\"]\nkeep = \"2 years\"");
    assert_eq!(kinds(&longer), [("retention_longer", true)]);
    assert_eq!(longer[0].path, "retention.ticket_text");
    assert_eq!(
        longer[0].summary,
        "ticket_text is now kept 2 years after it was collected (before: 1 year after it was collected)."
    );
    let months = edit(
        ticket,
        "categories = [\"ticket_text\"]\nkeep = \"13 months\"",
    );
    assert_eq!(kinds(&months), [("retention_longer", true)]);
    let same = edit(
        ticket,
        "categories = [\"ticket_text\"]\nkeep = \"12 months\"",
    );
    assert_eq!(
        kinds(&same),
        [("retention_shorter", false)],
        "12 months never outlasts a year"
    );
    let shorter = edit(ticket, "categories = [\"ticket_text\"]\nkeep = \"90 days\"");
    assert_eq!(kinds(&shorter), [("retention_shorter", false)]);
}

#[test]
fn a_changed_anchor_is_material_unless_provably_earlier() {
    let ticket = "categories = [\"ticket_text\"]\nkeep = \"1 year\"\nfrom = \"collected\"";
    let later = edit(
        ticket,
        "categories = [\"ticket_text\"]\nkeep = \"1 year\"\nfrom = \"last_activity\"",
    );
    assert_eq!(kinds(&later), [("retention_anchor_changed", true)]);
    let event = edit(
        ticket,
        "categories = [\"ticket_text\"]\nkeep = \"1 day\"\nfrom = \"event:account.closed\"",
    );
    assert_eq!(kinds(&event), [("retention_anchor_changed", true)]);
    let email = "categories = [\"email\"]\nkeep = \"1 year\"\nfrom = \"last_activity\"";
    let earlier = edit(
        email,
        "categories = [\"email\"]\nkeep = \"1 year\"\nfrom = \"collected\"",
    );
    assert_eq!(kinds(&earlier), [("retention_shorter", false)]);
    let earlier_but_longer = edit(
        email,
        "categories = [\"email\"]\nkeep = \"2 years\"\nfrom = \"collected\"",
    );
    assert_eq!(kinds(&earlier_but_longer), [("retention_longer", true)]);
}

#[test]
fn a_removed_retention_rule_is_material() {
    let changes = edit(
        "[[retention]]\ncategories = [\"ratings\"]\nkeep = \"1 year\"\nfrom = \"collected\"\n",
        "",
    );
    assert_eq!(kinds(&changes), [("retention_removed", true)]);
}

#[test]
fn a_changed_disposal_is_editorial() {
    let changes = edit(
        "categories = [\"ratings\"]\nkeep = \"1 year\"\nfrom = \"collected\"",
        "categories = [\"ratings\"]\nkeep = \"1 year\"\nfrom = \"collected\"\nthen = \"anonymise\"",
    );
    assert_eq!(kinds(&changes), [("disposal_changed", false)]);
}

#[test]
fn holds_added_or_lengthened_are_material() {
    let hold =
        "[[hold]]\ncategories = [\"ticket_text\"]\nlaw = \"Commercial code\"\nkeep = \"6 years\"\n";
    let with_hold = format!("{BASE}{hold}");
    let added = diff(&parse(BASE), &parse(&with_hold));
    assert_eq!(kinds(&added), [("hold_added", true)]);
    let longer = with_hold.replace("6 years", "10 years");
    assert_eq!(
        kinds(&diff(&parse(&with_hold), &parse(&longer))),
        [("hold_longer", true)]
    );
    assert_eq!(
        kinds(&diff(&parse(&longer), &parse(&with_hold))),
        [("hold_narrowed", false)]
    );
    assert_eq!(
        kinds(&diff(&parse(&with_hold), &parse(BASE))),
        [("hold_narrowed", false)]
    );
}

#[test]
fn storing_what_was_passing_is_material() {
    let passing = BASE.replacen(
        "taxonomy = \"user.behavior\"",
        "taxonomy = \"user.behavior\"\nstorable = false",
        1,
    );
    let passing = passing.replacen(
        "[[retention]]\ncategories = [\"ratings\"]\nkeep = \"1 year\"\nfrom = \"collected\"\n",
        "",
        1,
    );
    let changes = diff(&parse(&passing), &parse(BASE));
    assert_eq!(
        kinds(&changes),
        [("category_now_stored", true), ("retention_added", false)]
    );
}

#[test]
fn a_smaller_minimum_group_is_material() {
    let five = format!("{BASE}[anonymity]\nmin_group_size = 5\n");
    let three = format!("{BASE}[anonymity]\nmin_group_size = 3\n");
    assert_eq!(
        kinds(&diff(&parse(&five), &parse(&three))),
        [("min_group_size_lowered", true)]
    );
    assert_eq!(
        kinds(&diff(&parse(&three), &parse(&five))),
        [("min_group_size_raised", false)]
    );
}
