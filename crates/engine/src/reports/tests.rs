use super::*;
use crate::ids::{RecordId, SubjectId, TenantId};
use crate::store::RecordRow;
use jiff::Timestamp;

const POLICY: &str = r#"
[controller]
name = "Acme"
email = "privacy@acme.example"
[authority]
name = "DPA"
[[category]]
id = "kudos_received"
description = "Kudos received"
taxonomy = "user.behavior"
[[category]]
id = "team"
description = "Team"
taxonomy = "user.workplace"
[[category]]
id = "email"
description = "Email"
taxonomy = "user.contact.email"
identifier = true
[[purpose]]
id = "kudos_reports"
description = "Kudos reports"
basis = "legitimate_interests"
categories = ["kudos_received", "team"]
reporting = true
[[purpose]]
id = "kudos"
description = "Kudos"
basis = "contract"
categories = ["kudos_received", "team", "email"]
"#;

fn policy() -> Policy {
    Policy::parse(POLICY).unwrap()
}

fn cat(s: &str) -> CategoryId {
    CategoryId::parse(s).unwrap()
}

fn pid(s: &str) -> PurposeId {
    PurposeId::parse(s).unwrap()
}

fn query(group_by: Option<&str>) -> ReportQuery {
    ReportQuery {
        category: cat("kudos_received"),
        group_by: group_by.map(cat),
    }
}

#[test]
fn a_report_needs_a_reporting_purpose_covering_its_categories() {
    let p = policy();
    assert!(reporting_purpose(&p, &pid("kudos_reports"), &query(Some("team"))).is_ok());
    let code = |purpose: &str, q: &ReportQuery| {
        reporting_purpose(&p, &pid(purpose), q).unwrap_err().code()
    };
    assert_eq!(code("kudos", &query(None)), "E_NOT_REPORTING");
    assert_eq!(code("nothing", &query(None)), "E_PURPOSE_NOT_DECLARED");
    assert_eq!(
        code("kudos_reports", &query(Some("email"))),
        "E_CATEGORY_NOT_IN_PURPOSE"
    );
    assert_eq!(
        code("kudos_reports", &query(Some("shoe_size"))),
        "E_CATEGORY_NOT_DECLARED"
    );
    assert_eq!(
        code("kudos_reports", &query(Some("kudos_received"))),
        "E_GROUP_BY_SELF"
    );
}

#[test]
fn an_export_is_never_grouped_by_an_identifier() {
    let p = policy();
    assert!(export_grouping(&p, &query(Some("team"))).is_ok());
    assert!(export_grouping(&p, &query(None)).is_ok());
    let refused = export_grouping(&p, &query(Some("email"))).unwrap_err();
    assert_eq!(refused.code(), "E_GROUP_BY_IDENTIFIER");
    assert!(refused.to_string().contains("group_by"), "{refused}");
}

fn row(subject: SubjectId, category: &str, at: &str) -> RecordRow {
    RecordRow {
        tenant: TenantId::parse("acme").unwrap(),
        id: RecordId::new(),
        subject,
        category: cat(category),
        purpose: pid("kudos"),
        source: "api".into(),
        ciphertext: Vec::new(),
        collected_at: at.parse::<Timestamp>().unwrap(),
    }
}

#[test]
fn a_tally_counts_one_category_by_month_and_finds_the_latest_group() {
    let s = SubjectId::new();
    let records = vec![
        row(s, "kudos_received", "2026-01-31T23:59:59Z"),
        row(s, "kudos_received", "2026-02-01T00:00:00Z"),
        row(s, "team", "2026-01-01T00:00:00Z"),
        row(s, "kudos_received", "2026-02-10T00:00:00Z"),
        row(s, "team", "2026-03-01T00:00:00Z"),
    ];
    let t = tally(s, &records, &cat("kudos_received"));
    assert_eq!(t.count, 3);
    assert_eq!(
        t.periods.into_iter().collect::<Vec<_>>(),
        vec![("2026-01".to_owned(), 1), ("2026-02".to_owned(), 2)]
    );
    let latest = group_record(&records, &cat("team")).unwrap();
    assert_eq!(
        latest.collected_at,
        "2026-03-01T00:00:00Z".parse::<Timestamp>().unwrap()
    );
    assert!(group_record(&records, &cat("email")).is_none());
}

#[test]
fn totals_group_subjects_by_value_with_no_value_first() {
    let c = |group: Option<&str>, count| Counted {
        subject: SubjectId::new(),
        count,
        periods: Default::default(),
        group: group.map(str::to_owned),
    };
    let t = totals(&[
        c(Some("b"), 2),
        c(None, 1),
        c(Some("a"), 3),
        c(Some("b"), 4),
    ]);
    let got: Vec<(Option<&str>, u64, u64)> = t
        .iter()
        .map(|g| (g.group.as_deref(), g.subjects, g.count))
        .collect();
    assert_eq!(
        got,
        vec![(None, 1, 1), (Some("a"), 1, 3), (Some("b"), 2, 6)]
    );
}

#[test]
fn the_audit_detail_names_categories_only() {
    assert_eq!(
        query(Some("team")).detail(),
        "category=kudos_received group_by=team"
    );
    assert_eq!(query(None).categories(), vec![cat("kudos_received")]);
}
