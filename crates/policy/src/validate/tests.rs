//! Each diagnostic code from a minimal bad policy, at the right position.
//! Shared helpers live here; warnings and whole-policy tests are in
//! `tests_more.rs`.

use super::*;

/// A small policy with no errors and no warnings; tests add to it.
pub(super) const BASE: &str = r#"hosting = "Frankfurt, Germany (EU)"
[controller]
name = "Acme"
email = "privacy@acme.example"
[authority]
name = "Data Protection Authority"
url = "https://dpa.example"
[[subject_kind]]
id = "customer"
description = "Customers"
[[category]]
id = "email"
description = "Email"
taxonomy = "user.contact.email"
[[purpose]]
id = "account"
description = "Running the account"
basis = "contract"
categories = ["email"]
[[retention]]
categories = ["email"]
keep = "1 year"
from = "collected"
"#;

/// BASE with more sections appended.
pub(super) fn with(extra: &str) -> String {
    format!("{BASE}{extra}")
}

/// BASE with one piece of text replaced.
pub(super) fn replaced(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "BASE has no {from:?}");
    BASE.replacen(from, to, 1)
}

/// 1-based line and column of the `nth` (0-based) occurrence of `needle`.
pub(super) fn position(src: &str, needle: &str, nth: usize) -> (u32, u32) {
    let (offset, _) = src
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("no {needle:?}"));
    let before = &src[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap().chars().count() + 1;
    (line as u32, column as u32)
}

/// Asserts that checking `src` reports `code` at the `nth` occurrence of
/// `needle`, and returns that diagnostic.
pub(super) fn expect_nth(src: &str, code: &str, needle: &str, nth: usize) -> Diagnostic {
    let checked = check(src);
    let (line, column) = position(src, needle, nth);
    let found = checked
        .diagnostics
        .iter()
        .find(|d| d.code == code && d.line == line && d.column == column)
        .cloned();
    let Some(d) = found else {
        let all: Vec<String> = checked
            .diagnostics
            .iter()
            .map(ToString::to_string)
            .collect();
        panic!(
            "expected {code} at {line}:{column} ({needle:?}); got:\n{}",
            all.join("\n")
        );
    };
    if d.is_error() {
        assert!(
            checked.policy.is_none(),
            "an error must withhold the policy"
        );
    }
    assert!(
        d.hint.as_deref().is_some_and(|h| !h.is_empty()),
        "{code} has no hint"
    );
    d
}

pub(super) fn expect(src: &str, code: &str, needle: &str) -> Diagnostic {
    expect_nth(src, code, needle, 0)
}

/// The codes reported for `src`.
pub(super) fn codes(src: &str) -> Vec<&'static str> {
    check(src).diagnostics.iter().map(|d| d.code).collect()
}

#[test]
fn base_is_clean() {
    let checked = check(BASE);
    assert_eq!(checked.diagnostics, [], "{:?}", checked.diagnostics);
    assert!(checked.policy.is_some());
}

#[test]
fn parse_error_points_into_the_text() {
    let src = "hosting = \"EU\"\n[controller]\nname = \"unterminated\n";
    let d = &check(src).diagnostics;
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].code, "E_PARSE");
    assert_eq!(d[0].line, 3);
    assert!(
        check("a = ")
            .diagnostics
            .iter()
            .all(|d| d.code == "E_PARSE")
    );
    expect(
        &with("[[category]]\nid = \"x\"\nid = \"y\"\n"),
        "E_PARSE",
        "id = \"y\"",
    );
}

#[test]
fn unknown_field_at_the_key_with_a_suggestion() {
    let src =
        with("[[category]]\nid = \"name\"\ndescripton = \"Name\"\ntaxonomy = \"user.name\"\n");
    let d = expect(&src, "E_UNKNOWN_FIELD", "descripton");
    assert!(d.hint.unwrap().contains("`description`"));
    let d = expect(
        &replaced("[controller]", "colour = \"red\"\n[controller]"),
        "E_UNKNOWN_FIELD",
        "colour",
    );
    assert!(
        d.hint.unwrap().contains("controller"),
        "lists the accepted fields"
    );
    expect(
        &replaced("url = ", "phone = \"1\"\nurl = "),
        "E_UNKNOWN_FIELD",
        "phone",
    );
}

#[test]
fn missing_field_at_the_table_header() {
    let src = with("[[category]]\nid = \"name\"\ndescription = \"Name\"\n");
    let d = expect_nth(&src, "E_MISSING_FIELD", "[[category]]", 1);
    assert!(d.message.contains("taxonomy"));
    let src = replaced("email = \"privacy@acme.example\"\n", "");
    expect(&src, "E_MISSING_FIELD", "[controller]");
    let src = replaced(
        "[authority]\nname = \"Data Protection Authority\"\nurl = \"https://dpa.example\"\n",
        "",
    );
    let d = expect(&src, "E_MISSING_FIELD", "hosting");
    assert!(d.hint.unwrap().contains("[authority]"));
}

#[test]
fn mistyped_values() {
    expect(
        &replaced(
            "categories = [\"email\"]\n[[r",
            "categories = \"email\"\n[[r",
        ),
        "E_INVALID_TYPE",
        "\"email\"\n[[r",
    );
    let src = with("[anonymity]\nmin_group_size = \"five\"\n");
    expect(&src, "E_INVALID_TYPE", "\"five\"");
    expect(
        &replaced("hosting = \"Frankfurt, Germany (EU)\"", "hosting = 3"),
        "E_INVALID_TYPE",
        "3",
    );
    let section = "[[category]]\nid = \"email\"\ndescription = \"Email\"\ntaxonomy = \"user.contact.email\"\n";
    let src = format!("category = 1\n{}", BASE.replace(section, ""));
    expect(&src, "E_INVALID_TYPE", "1\n");
}

#[test]
fn invalid_ids_and_taxonomy() {
    let d = expect(
        &replaced("id = \"account\"", "id = \"Account\""),
        "E_INVALID_ID",
        "\"Account\"",
    );
    assert!(d.hint.unwrap().contains("lowercase"));
    expect(
        &replaced("id = \"customer\"", "id = \"cust omer\""),
        "E_INVALID_ID",
        "\"cust omer\"",
    );
    expect(
        &replaced(
            "taxonomy = \"user.contact.email\"",
            "taxonomy = \"user..email\"",
        ),
        "E_INVALID_TAXONOMY",
        "\"user..email\"",
    );
}

#[test]
fn duplicate_ids_per_kind() {
    let cases = [
        "[[category]]\nid = \"email\"\ndescription = \"E\"\ntaxonomy = \"user.contact.email\"\n",
        "[[purpose]]\nid = \"account\"\ndescription = \"A\"\nbasis = \"contract\"\ncategories = [\"email\"]\n",
        "[[subject_kind]]\nid = \"customer\"\ndescription = \"C\"\n",
    ];
    for (extra, needle) in
        cases
            .iter()
            .zip(["\"email\"\ndesc", "\"account\"\ndesc", "\"customer\"\ndesc"])
    {
        let d = expect_nth(&with(extra), "E_DUPLICATE_ID", needle, 1);
        assert!(d.hint.unwrap().contains("line"), "points at the first");
    }
    let recipient =
        "[[recipient]]\nid = \"tax\"\nname = \"Tax\"\nrole = \"authority\"\ncountry = \"DE\"\n";
    let src = with(&format!("{recipient}{recipient}"));
    expect_nth(&src, "E_DUPLICATE_ID", "\"tax\"", 1);
    // A category and a purpose may share an id: they are different kinds.
    assert!(!codes(&replaced("id = \"account\"", "id = \"email\"")).contains(&"E_DUPLICATE_ID"));
}

#[test]
fn unknown_category_from_purpose_retention_and_hold() {
    let src = replaced(
        "categories = [\"email\"]\n[[r",
        "categories = [\"emial\"]\n[[r",
    );
    let d = expect(&src, "E_UNKNOWN_CATEGORY", "\"emial\"");
    assert_eq!(d.hint.as_deref(), Some("did you mean `email`?"));
    let src = with(
        "[[retention]]\ncategories = [\"server_log\"]\nkeep = \"90 days\"\nfrom = \"collected\"\n",
    );
    let d = expect(&src, "E_UNKNOWN_CATEGORY", "\"server_log\"");
    assert!(d.hint.unwrap().contains("email"), "lists the declared ids");
    let src =
        with("[[hold]]\ncategories = [\"invoice\"]\nlaw = \"Tax law\"\nkeep = \"10 years\"\n");
    expect(&src, "E_UNKNOWN_CATEGORY", "\"invoice\"");
}

#[test]
fn unknown_recipient() {
    let src = replaced(
        "categories = [\"email\"]\n[[r",
        "categories = [\"email\"]\nrecipients = [\"helpdsk\"]\n[[r",
    );
    let d = expect(&src, "E_UNKNOWN_RECIPIENT", "\"helpdsk\"");
    assert!(d.hint.unwrap().contains("[[recipient]]"));
}

#[test]
fn invalid_span() {
    let d = expect(
        &replaced("\"1 year\"", "\"1 fortnight\""),
        "E_INVALID_SPAN",
        "\"1 fortnight\"",
    );
    assert!(d.hint.unwrap().contains("90 days"));
    expect(
        &replaced("\"1 year\"", "\"0 days\""),
        "E_INVALID_SPAN",
        "\"0 days\"",
    );
    let src = with("[rights]\nanswer_within = \"soon\"\n");
    expect(&src, "E_INVALID_SPAN", "\"soon\"");
}

#[test]
fn invalid_basis_lists_the_six() {
    let d = expect(
        &replaced("\"contract\"", "\"contractual\""),
        "E_INVALID_BASIS",
        "\"contractual\"",
    );
    let hint = d.hint.unwrap();
    for basis in [
        "consent",
        "contract",
        "legal_obligation",
        "vital_interests",
        "public_task",
        "legitimate_interests",
    ] {
        assert!(hint.contains(&format!("`{basis}`")), "{hint}");
    }
}

pub(super) fn recipient(country: &str, safeguard: Option<&str>) -> String {
    let safeguard = safeguard
        .map(|s| format!("safeguard = \"{s}\"\n"))
        .unwrap_or_default();
    let src = replaced(
        "categories = [\"email\"]\n[[r",
        "categories = [\"email\"]\nrecipients = [\"vendor\"]\n[[r",
    );
    format!(
        "{src}[[recipient]]\nid = \"vendor\"\nname = \"Vendor\"\nrole = \"processor\"\ncountry = \"{country}\"\n{safeguard}"
    )
}

#[test]
fn invalid_country() {
    let d = expect(&recipient("UK", None), "E_INVALID_COUNTRY", "\"UK\"");
    assert!(d.hint.unwrap().contains("`GB`"));
    expect(
        &recipient("Germany", None),
        "E_INVALID_COUNTRY",
        "\"Germany\"",
    );
}

#[test]
fn transfer_without_safeguard() {
    expect(
        &recipient("US", None),
        "E_TRANSFER_WITHOUT_SAFEGUARD",
        "\"US\"",
    );
    expect(
        &recipient("IN", Some("none")),
        "E_TRANSFER_WITHOUT_SAFEGUARD",
        "\"none\"",
    );
    for ok in ["scc", "bcr", "consent", "adequacy"] {
        assert!(!codes(&recipient("US", Some(ok))).contains(&"E_TRANSFER_WITHOUT_SAFEGUARD"));
    }
    assert!(
        check(&recipient("FR", None)).diagnostics.is_empty(),
        "inside the EEA"
    );
    assert!(check(&recipient("us", Some("scc"))).is_ok());
}

fn purpose(fields: &str) -> String {
    with(&format!(
        "[[purpose]]\nid = \"extra\"\ndescription = \"Extra\"\ncategories = [\"email\"]\n{fields}"
    ))
}

#[test]
fn consent_purpose_cannot_be_essential() {
    let src = purpose("basis = \"consent\"\nconsent_valid_for = \"1 year\"\nessential = true\n");
    expect(&src, "E_CONSENT_PURPOSE_ESSENTIAL", "true");
    assert!(check(&purpose("basis = \"contract\"\nessential = true\n")).is_ok());
}

#[test]
fn consent_validity_needs_consent() {
    let src = purpose("basis = \"legitimate_interests\"\nconsent_valid_for = \"13 months\"\n");
    expect(&src, "E_CONSENT_VALIDITY_WITHOUT_CONSENT", "\"13 months\"");
}

#[test]
fn marketing_basis() {
    let src = purpose("basis = \"contract\"\ndirect_marketing = true\n");
    expect(&src, "E_MARKETING_BASIS", "\"contract\"\ndirect");
    assert!(
        check(&purpose(
            "basis = \"legitimate_interests\"\ndirect_marketing = true\n"
        ))
        .is_ok()
    );
    let src =
        purpose("basis = \"legitimate_interests\"\ndirect_marketing = true\nessential = true\n");
    expect_nth(&src, "E_MARKETING_ESSENTIAL", "true", 1);
}

#[test]
fn profiling_must_be_declared() {
    let src = purpose("basis = \"legitimate_interests\"\nprofiling = true\n");
    expect(&src, "E_PROFILING_NOT_DECLARED", "true");
    let declared = format!("profiling = true\n{src}");
    assert!(
        check(&declared).is_ok(),
        "{:?}",
        check(&declared).diagnostics
    );
}

#[test]
fn category_without_purpose() {
    let src = with(
        "[[category]]\nid = \"phone\"\ndescription = \"Phone\"\ntaxonomy = \"user.contact.phone_number\"\n",
    );
    let d = expect(&src, "E_CATEGORY_WITHOUT_PURPOSE", "\"phone\"");
    assert!(d.message.contains("phone"));
}

#[test]
fn empty_purpose() {
    expect(
        &replaced("categories = [\"email\"]\n[[r", "categories = []\n[[r"),
        "E_EMPTY_PURPOSE",
        "[]",
    );
}

#[test]
fn answer_period_limits() {
    for late in ["30 days", "2 months", "5 weeks"] {
        let src = with(&format!("[rights]\nanswer_within = \"{late}\"\n"));
        expect(&src, "E_ANSWER_TOO_LATE", &format!("\"{late}\""));
    }
    for ok in ["1 month", "4 weeks", "14 days"] {
        assert!(
            check(&with(&format!("[rights]\nanswer_within = \"{ok}\"\n"))).is_ok(),
            "{ok}"
        );
    }
    let src = with("[rights]\nextension = \"3 months\"\n");
    expect(&src, "E_EXTENSION_TOO_LONG", "\"3 months\"");
    assert!(check(&with("[rights]\nextension = \"8 weeks\"\n")).is_ok());
}

#[test]
fn group_size_limits() {
    expect(
        &with("[anonymity]\nmin_group_size = 2\n"),
        "E_GROUP_TOO_SMALL",
        "2\n",
    );
    expect(
        &with("[anonymity]\nmin_group_size = -7\n"),
        "E_GROUP_TOO_SMALL",
        "-7",
    );
    expect(
        &with("[anonymity]\nmin_group_size = 9999999999\n"),
        "E_GROUP_TOO_LARGE",
        "9999999999",
    );
    let p = Policy::parse(&with("[anonymity]\nmin_group_size = 3\n")).unwrap();
    assert_eq!(p.anonymity.min_group_size, 3);
}

#[test]
fn soft_opt_in_needs_legitimate_interest_and_marketing() {
    let ok = "basis = \"legitimate_interests\"\ndirect_marketing = true\nsoft_opt_in = true\n";
    let checked = check(&purpose(ok));
    assert!(checked.is_ok(), "{:?}", checked.diagnostics);
    let extra = checked.policy.unwrap().purposes.pop().unwrap();
    assert!(extra.soft_opt_in && !extra.sale_or_sharing);
    let src = purpose(
        "basis = \"consent\"\nconsent_valid_for = \"1 year\"\ndirect_marketing = true\nsoft_opt_in = true\n",
    );
    expect_nth(&src, "E_SOFT_OPT_IN_BASIS", "true", 1);
    let src = purpose("basis = \"legitimate_interests\"\nsoft_opt_in = true\n");
    expect(&src, "E_SOFT_OPT_IN_NOT_MARKETING", "true");
}

#[test]
fn sale_or_sharing_must_be_refusable() {
    let ok =
        purpose("basis = \"consent\"\nconsent_valid_for = \"1 year\"\nsale_or_sharing = true\n");
    let checked = check(&ok);
    assert!(checked.is_ok(), "{:?}", checked.diagnostics);
    assert!(
        checked
            .policy
            .unwrap()
            .purposes
            .pop()
            .unwrap()
            .sale_or_sharing
    );
    let src = purpose("basis = \"contract\"\nsale_or_sharing = true\n");
    expect(&src, "E_SALE_BASIS", "true");
    let src =
        purpose("basis = \"legitimate_interests\"\nsale_or_sharing = true\nessential = true\n");
    expect(&src, "E_SALE_ESSENTIAL", "true");
}

#[test]
fn opt_out_flags_must_be_booleans() {
    assert!(
        !check(&purpose(
            "basis = \"legitimate_interests\"\nsale_or_sharing = \"yes\"\n"
        ))
        .is_ok()
    );
}

#[test]
fn hidden_characters_in_text_are_refused_where_they_are() {
    // An escape reaching a terminal, and a right-to-left override that
    // would show the notice's words in another order than stored.
    let d = expect(
        &replaced(
            "\"Running the account\"",
            "\"Running \\u001b[2J the account\"",
        ),
        "E_HIDDEN_CHARACTER",
        "\"Running \\u001b",
    );
    assert!(d.message.contains("U+001B"), "{}", d.message);
    assert!(d.message.contains("`description`"), "{}", d.message);
    expect(
        &replaced("name = \"Acme\"", "name = \"Acme \u{202E}lla\""),
        "E_HIDDEN_CHARACTER",
        "\"Acme",
    );
    expect(
        &replaced(
            "categories = [\"email\"]\n[[retention]]",
            "categories = [\"email\", \"a\u{2066}\"]\n[[retention]]",
        ),
        "E_HIDDEN_CHARACTER",
        "\"a\u{2066}\"",
    );
    expect(
        &replaced("name = \"Acme\"", "name = \"Ac\u{200B}me\""),
        "E_HIDDEN_CHARACTER",
        "\"Ac",
    );
    // The joiners and marks scripts need are text; so are newlines (also
    // as CRLF) and tabs.
    let persian = replaced(
        "\"Running the account\"",
        "\"\u{645}\u{6CC}\u{200C}\u{62E}\u{648}\u{627}\u{647}\u{645} \u{200F}(1)\"",
    );
    assert!(check(&persian).is_ok(), "{:?}", check(&persian).diagnostics);
    let multi = replaced(
        "\"Running the account\"",
        "\"\"\"Running\r\n\tthe account\"\"\"",
    );
    assert!(check(&multi).is_ok(), "{:?}", check(&multi).diagnostics);
}
