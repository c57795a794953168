//! `[changes]`: the notice period a material change must wait.

use super::tests::{expect, with};
use super::*;
use crate::span::CalendarSpan;

#[test]
fn the_notice_period_defaults_to_thirty_days() {
    let policy = Policy::parse(&with("")).unwrap();
    assert_eq!(policy.changes.notice_period, CalendarSpan::days(30));
}

#[test]
fn a_notice_period_may_be_given_or_zero() {
    let policy = Policy::parse(&with("[changes]\nnotice_period = \"6 weeks\"\n")).unwrap();
    assert_eq!(policy.changes.notice_period.to_string(), "6 weeks");
    let policy = Policy::parse(&with("[changes]\nnotice_period = \"0 days\"\n")).unwrap();
    assert!(policy.changes.notice_period.is_zero());
}

#[test]
fn a_bad_notice_period_is_reported_at_its_value() {
    let src = with("[changes]\nnotice_period = \"-1 days\"\n");
    expect(&src, "E_INVALID_SPAN", "\"-1 days\"");
    let src = with("[changes]\nnotice_period = \"soon\"\n");
    expect(&src, "E_INVALID_SPAN", "\"soon\"");
    let src = with("[changes]\nnotice = \"1 month\"\n");
    assert!(!check(&src).is_ok());
}
