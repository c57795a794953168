//! Property tests over the public API: `check` never panics and always
//! points inside the text it was given; calendar spans print and parse
//! back to themselves.

// Test code: a failed unwrap is a failed test, with its message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod accessibility;
mod examples;
mod snapshots;

use proptest::prelude::*;
use tutela_policy::{
    CalendarSpan, Diagnostic, EXAMPLE_POLICY, NoticeFormat, OPERATOR_POLICY, Policy, check,
};

/// Asserts every diagnostic's line and column lie within `source`: the
/// line exists, and the column is at most one past its last character.
fn assert_within(source: &str, diagnostics: &[Diagnostic]) {
    let lines: Vec<&str> = source.split('\n').collect();
    for d in diagnostics {
        assert!(d.line >= 1 && d.column >= 1, "{d}");
        let line = lines.get(d.line as usize - 1);
        assert!(line.is_some(), "line out of range: {d}");
        let width = line.map_or(0, |l| l.chars().count());
        assert!(d.column as usize <= width + 1, "column out of range: {d}");
    }
}

/// One edit of the text: delete, insert or replace one character at a
/// position given as a fraction of the length.
#[derive(Clone, Debug)]
enum Edit {
    Delete(f64),
    Insert(f64, char),
    Replace(f64, char),
}

fn edit() -> impl Strategy<Value = Edit> {
    let position = 0.0..1.0f64;
    let ch = prop_oneof![
        Just('"'),
        Just('['),
        Just(']'),
        Just('='),
        Just('\n'),
        Just('#'),
        Just(','),
        Just('.'),
        Just('{'),
        Just('}'),
        Just(' '),
        Just('0'),
        Just('é'),
        proptest::char::range('a', 'z'),
        any::<char>(),
    ];
    prop_oneof![
        position.clone().prop_map(Edit::Delete),
        (position.clone(), ch.clone()).prop_map(|(p, c)| Edit::Insert(p, c)),
        (position, ch).prop_map(|(p, c)| Edit::Replace(p, c)),
    ]
}

fn apply(source: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = source.chars().collect();
    for e in edits {
        let at = |f: f64, len: usize| ((f * len as f64) as usize).min(len);
        match *e {
            Edit::Delete(f) if !chars.is_empty() => {
                let i = at(f, chars.len() - 1);
                chars.remove(i);
            }
            Edit::Insert(f, c) => {
                let i = at(f, chars.len());
                chars.insert(i, c);
            }
            Edit::Replace(f, c) if !chars.is_empty() => {
                let i = at(f, chars.len() - 1);
                if let Some(slot) = chars.get_mut(i) {
                    *slot = c;
                }
            }
            _ => {}
        }
    }
    chars.into_iter().collect()
}

fn span() -> impl Strategy<Value = CalendarSpan> {
    (
        0u32..=200,
        0u32..=2400,
        0u32..=10440,
        0u32..=73050,
        0u32..16,
    )
        .prop_filter_map("a non-zero span", |(y, m, w, d, mask)| {
            let mut parts = Vec::new();
            if mask & 1 == 1 {
                parts.push(format!("{y} years"));
            }
            if mask & 2 == 2 {
                parts.push(format!("{m} months"));
            }
            if mask & 4 == 4 {
                parts.push(format!("{w} weeks"));
            }
            if mask & 8 == 8 {
                parts.push(format!("{d} days"));
            }
            CalendarSpan::parse(&parts.join(" ")).ok()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn check_never_panics_on_arbitrary_text(source in any::<String>()) {
        let checked = check(&source);
        assert_within(&source, &checked.diagnostics);
        prop_assert_eq!(checked.policy.is_some(), !checked.diagnostics.iter().any(Diagnostic::is_error));
    }

    #[test]
    fn check_never_panics_on_toml_like_text(source in "[a-z_\\[\\]=\" \n.,{}0-9:-]{0,200}") {
        let checked = check(&source);
        assert_within(&source, &checked.diagnostics);
    }

    #[test]
    fn check_never_panics_on_mutated_examples(
        edits in proptest::collection::vec(edit(), 1..6),
        operator in any::<bool>(),
    ) {
        let base = if operator { OPERATOR_POLICY } else { EXAMPLE_POLICY };
        let source = apply(base, &edits);
        let checked = check(&source);
        assert_within(&source, &checked.diagnostics);
        prop_assert_eq!(checked.policy.is_some(), !checked.diagnostics.iter().any(Diagnostic::is_error));
        if let Some(policy) = checked.policy {
            // Whatever survives validation renders.
            let md = policy.render_notice(NoticeFormat::Markdown);
            prop_assert!(md.is_ok_and(|n| n.starts_with("# Privacy notice")));
            let html = policy.render_notice(NoticeFormat::Html);
            prop_assert!(html.is_ok_and(|n| n.starts_with("<!DOCTYPE html>")));
            prop_assert!(policy.record().to_json().is_ok());
        }
    }

    #[test]
    fn span_display_parses_back(s in span()) {
        let text = s.to_string();
        prop_assert_eq!(CalendarSpan::parse(&text), Ok(s), "{}", text);
    }

    #[test]
    fn span_after_never_goes_backwards(s in span(), secs in 0i64..4_000_000_000) {
        let from = jiff::Timestamp::from_second(secs).unwrap();
        if let Ok(to) = s.after(from) {
            prop_assert!(to > from);
        }
    }
}

#[test]
fn the_examples_parse_through_the_public_api() {
    let example = Policy::parse(EXAMPLE_POLICY).unwrap();
    assert_eq!(example.purposes.len(), 7);
    let operator = Policy::parse(OPERATOR_POLICY).unwrap();
    assert_eq!(operator.purposes.len(), 2);
}

#[test]
fn diagnostics_serialize_for_clients() {
    let checked = check("[controller]\nname = 1\n");
    let json = serde_json::to_value(&checked.diagnostics).unwrap();
    let first = &json[0];
    assert_eq!(first["severity"], "error");
    assert!(first["code"].as_str().unwrap().starts_with("E_"));
    assert!(first["line"].as_u64().unwrap() >= 1);
}

#[test]
fn the_policy_serializes() {
    let p = Policy::parse(EXAMPLE_POLICY).unwrap();
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(json["purposes"][0]["basis"], "contract");
    assert_eq!(json["retention"][0]["keep"], "90 days");
    assert_eq!(json["retention"][2]["from"], "event:tenant.uninstalled");
    assert_eq!(json["recipients"][0]["country"], "US");
    assert_eq!(json["categories"][0]["id"], "email");
}
