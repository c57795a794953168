//! `[anonymity]` noise settings: all three keys or none, in range.

use super::tests::{codes, expect, with};
use crate::Policy;
use crate::model::Noise;

#[test]
fn laplace_noise_is_read_in_thousandths() {
    let src =
        with("[anonymity]\nmin_group_size = 5\nnoise = \"laplace\"\nepsilon = 0.5\nbudget = 3\n");
    let p = Policy::parse(&src).unwrap();
    assert_eq!(
        p.anonymity.noise,
        Some(Noise {
            epsilon_millis: 500,
            budget_millis: 3000
        })
    );
    assert_eq!(p.anonymity.min_group_size, 5);
}

#[test]
fn no_noise_is_the_default() {
    let p = Policy::parse(&with("[anonymity]\nmin_group_size = 4\n")).unwrap();
    assert_eq!(p.anonymity.noise, None);
}

#[test]
fn incomplete_unknown_or_out_of_range_noise_is_refused() {
    expect(
        &with("[anonymity]\nnoise = \"laplace\"\nepsilon = 1.0\n"),
        "E_NOISE_INCOMPLETE",
        "\"laplace\"",
    );
    expect(
        &with("[anonymity]\nepsilon = 1.0\n"),
        "E_NOISE_INCOMPLETE",
        "1.0",
    );
    expect(
        &with("[anonymity]\nnoise = \"gauss\"\nepsilon = 1.0\nbudget = 2.0\n"),
        "E_NOISE_UNKNOWN",
        "\"gauss\"",
    );
    expect(
        &with("[anonymity]\nnoise = \"laplace\"\nepsilon = 0.0\nbudget = 2.0\n"),
        "E_NOISE_RANGE",
        "0.0",
    );
    expect(
        &with("[anonymity]\nnoise = \"laplace\"\nepsilon = 2.0\nbudget = 1.0\n"),
        "E_NOISE_BUDGET",
        "1.0",
    );
    assert!(codes(&with("[anonymity]\nepsilon = \"high\"\n")).contains(&"E_INVALID_TYPE"));
}
