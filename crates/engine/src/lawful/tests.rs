//! The purpose check, rule by rule, with the clock moved by hand.

use super::*;
use crate::ids::{ConsentId, ObjectionId, SubjectId, TenantId};

const POLICY: &str = r#"
[controller]
name = "Acme"
email = "privacy@acme.example"
[authority]
name = "Data Protection Authority"
[[category]]
id = "email"
description = "Email"
taxonomy = "user.contact.email"
identifier = true
[[category]]
id = "name"
description = "Name"
taxonomy = "user.name"
[[category]]
id = "secret"
description = "Processed, never stored"
taxonomy = "user.content"
storable = false
[[subject_kind]]
id = "customer"
description = "Customers"
[[purpose]]
id = "account"
description = "Running the account"
basis = "contract"
categories = ["email", "name", "secret"]
[[purpose]]
id = "support"
description = "Support"
basis = "legitimate_interests"
categories = ["email", "name"]
[[purpose]]
id = "newsletter"
description = "Newsletter"
basis = "consent"
categories = ["email"]
direct_marketing = true
consent_valid_for = "13 months"
[[retention]]
categories = ["email", "name"]
keep = "1 year"
from = "last_activity"
"#;

fn policy() -> Policy {
    Policy::parse(POLICY).unwrap_or_else(|d| panic!("{d:?}"))
}

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn p(s: &str) -> PurposeId {
    PurposeId::parse(s).unwrap()
}

fn c(s: &str) -> CategoryId {
    CategoryId::parse(s).unwrap()
}

fn consent(purpose: &str, granted: bool, at: &str, expires: Option<&str>) -> ConsentRow {
    ConsentRow {
        tenant: TenantId::parse("acme").unwrap(),
        id: ConsentId::new(),
        subject: SubjectId::new(),
        purpose: p(purpose),
        granted,
        at: t(at),
        expires_at: expires.map(t),
        policy_version: 1,
        source: "test".into(),
        text_hash: None,
    }
}

fn objection(purpose: Option<&str>, at: &str) -> ObjectionRow {
    ObjectionRow {
        tenant: TenantId::parse("acme").unwrap(),
        id: ObjectionId::new(),
        subject: SubjectId::new(),
        purpose: purpose.map(p),
        at: t(at),
    }
}

fn state<'a>(consents: &'a [ConsentRow], objections: &'a [ObjectionRow]) -> SubjectState<'a> {
    SubjectState {
        kind: "customer",
        restricted: false,
        consents,
        objections,
    }
}

const NOW: &str = "2026-06-01T00:00:00Z";

#[test]
fn undeclared_purpose_is_refused() {
    let err = may_use(
        &policy(),
        &state(&[], &[]),
        &p("marketing"),
        &[c("email")],
        t(NOW),
    )
    .unwrap_err();
    assert_eq!(err.code(), "E_PURPOSE_NOT_DECLARED");
}

#[test]
fn category_outside_the_purpose_is_refused() {
    let err = may_use(
        &policy(),
        &state(&[], &[]),
        &p("newsletter"),
        &[c("name")],
        t(NOW),
    )
    .unwrap_err();
    assert_eq!(err.code(), "E_CATEGORY_NOT_IN_PURPOSE");
    assert!(
        may_use(
            &policy(),
            &state(&[], &[]),
            &p("support"),
            &[c("name")],
            t(NOW)
        )
        .is_ok()
    );
}

#[test]
fn collection_needs_a_declared_storable_category() {
    let pol = policy();
    let s = state(&[], &[]);
    assert_eq!(
        may_collect(&pol, &s, &p("account"), &[c("phone")], t(NOW))
            .unwrap_err()
            .code(),
        "E_CATEGORY_NOT_DECLARED"
    );
    assert_eq!(
        may_collect(&pol, &s, &p("account"), &[c("secret")], t(NOW))
            .unwrap_err()
            .code(),
        "E_CATEGORY_NOT_STORABLE"
    );
    assert!(may_collect(&pol, &s, &p("account"), &[c("email"), c("name")], t(NOW)).is_ok());
}

#[test]
fn consent_purpose_needs_a_live_consent() {
    let pol = policy();
    let none = may_use(
        &pol,
        &state(&[], &[]),
        &p("newsletter"),
        &[c("email")],
        t(NOW),
    );
    assert_eq!(none.unwrap_err().code(), "E_CONSENT_REQUIRED");
    let granted = [consent("newsletter", true, "2026-05-01T00:00:00Z", None)];
    assert!(
        may_use(
            &pol,
            &state(&granted, &[]),
            &p("newsletter"),
            &[c("email")],
            t(NOW)
        )
        .is_ok()
    );
}

#[test]
fn withdrawal_works_only_from_its_instant_on() {
    let ledger = [
        consent("newsletter", true, "2026-05-01T00:00:00Z", None),
        consent("newsletter", false, "2026-05-15T00:00:00Z", None),
    ];
    assert!(consent_live(
        &ledger,
        &p("newsletter"),
        t("2026-05-14T23:59:59Z")
    ));
    assert!(!consent_live(
        &ledger,
        &p("newsletter"),
        t("2026-05-15T00:00:00Z")
    ));
    assert!(!consent_live(&ledger, &p("newsletter"), t(NOW)));
}

#[test]
fn a_lapsed_consent_no_longer_permits() {
    let ledger = [consent(
        "newsletter",
        true,
        "2025-01-01T00:00:00Z",
        Some("2026-02-01T00:00:00Z"),
    )];
    assert!(consent_live(
        &ledger,
        &p("newsletter"),
        t("2026-01-31T23:59:59Z")
    ));
    assert!(!consent_live(
        &ledger,
        &p("newsletter"),
        t("2026-02-01T00:00:00Z")
    ));
}

#[test]
fn consent_for_one_purpose_does_not_serve_another() {
    let ledger = [consent("analytics", true, "2026-05-01T00:00:00Z", None)];
    assert!(!consent_live(&ledger, &p("newsletter"), t(NOW)));
}

#[test]
fn objection_stops_legitimate_interest_for_that_purpose_only() {
    let pol = policy();
    let objs = [objection(Some("support"), "2026-05-01T00:00:00Z")];
    let err = may_use(
        &pol,
        &state(&[], &objs),
        &p("support"),
        &[c("email")],
        t(NOW),
    )
    .unwrap_err();
    assert_eq!(err.code(), "E_OBJECTED");
    assert!(
        may_use(
            &pol,
            &state(&[], &objs),
            &p("account"),
            &[c("email")],
            t(NOW)
        )
        .is_ok()
    );
    let before = may_use(
        &pol,
        &state(&[], &objs),
        &p("support"),
        &[c("email")],
        t("2026-04-30T00:00:00Z"),
    );
    assert!(before.is_ok(), "an objection works from when it was raised");
}

#[test]
fn any_objection_stops_direct_marketing() {
    let pol = policy();
    let granted = [consent("newsletter", true, "2026-04-01T00:00:00Z", None)];
    let objs = [objection(Some("support"), "2026-05-01T00:00:00Z")];
    let err = may_use(
        &pol,
        &state(&granted, &objs),
        &p("newsletter"),
        &[c("email")],
        t(NOW),
    )
    .unwrap_err();
    assert_eq!(err.code(), "E_OBJECTED");
}

/// A consent to a direct-marketing purpose given after an objection is
/// the person's later choice and stands (an outside probe saw a newsletter
/// confirmed after a GPC signal refused for ever); an objection after the
/// grant stops it again.
#[test]
fn a_consent_given_after_an_objection_stands_until_the_next_one() {
    let pol = policy();
    let objs = [objection(Some("support"), "2026-04-01T00:00:00Z")];
    let later = [consent("newsletter", true, "2026-05-01T00:00:00Z", None)];
    assert!(
        may_use(
            &pol,
            &state(&later, &objs),
            &p("newsletter"),
            &[c("email")],
            t(NOW)
        )
        .is_ok()
    );
    // At the same instant, the objection wins.
    let same = [consent("newsletter", true, "2026-04-01T00:00:00Z", None)];
    let err = may_use(
        &pol,
        &state(&same, &objs),
        &p("newsletter"),
        &[c("email")],
        t(NOW),
    )
    .unwrap_err();
    assert_eq!(err.code(), "E_OBJECTED");
    let again = [
        objection(Some("support"), "2026-04-01T00:00:00Z"),
        objection(None, "2026-05-02T00:00:00Z"),
    ];
    let err = may_use(
        &pol,
        &state(&later, &again),
        &p("newsletter"),
        &[c("email")],
        t(NOW),
    )
    .unwrap_err();
    assert_eq!(err.code(), "E_OBJECTED");
}

#[test]
fn a_general_objection_does_not_stop_a_contract() {
    let pol = policy();
    let objs = [objection(None, "2026-05-01T00:00:00Z")];
    assert!(
        may_use(
            &pol,
            &state(&[], &objs),
            &p("account"),
            &[c("email")],
            t(NOW)
        )
        .is_ok()
    );
    assert!(
        may_use(
            &pol,
            &state(&[], &objs),
            &p("support"),
            &[c("email")],
            t(NOW)
        )
        .is_err()
    );
}

#[test]
fn restriction_stops_every_purpose() {
    let pol = policy();
    let s = SubjectState {
        kind: "customer",
        restricted: true,
        consents: &[],
        objections: &[],
    };
    for purpose in ["account", "support"] {
        let err = may_use(&pol, &s, &p(purpose), &[c("email")], t(NOW)).unwrap_err();
        assert_eq!(err.code(), "E_SUBJECT_RESTRICTED");
    }
}

const TRANSFER_POLICY: &str = r#"
[controller]
name = "Acme"
email = "privacy@acme.example"
[authority]
name = "Data Protection Authority"
[[category]]
id = "email"
description = "Email"
taxonomy = "user.contact.email"
[[purpose]]
id = "mailing"
description = "Mailing through an overseas provider"
basis = "consent"
categories = ["email"]
recipients = ["mailer"]
[[recipient]]
id = "mailer"
name = "Overseas Mailer"
role = "processor"
country = "BR"
safeguard = "consent"
[[retention]]
categories = ["email"]
keep = "1 year"
from = "collected"
"#;

#[test]
fn a_transfer_resting_on_consent_needs_a_live_consent_and_a_declared_recipient() {
    let pol = Policy::parse(TRANSFER_POLICY).unwrap_or_else(|d| panic!("{d:?}"));
    let mailing = pol.purpose(&p("mailing")).unwrap();
    let mailer = RecipientId::parse("mailer").unwrap();
    let err = may_disclose(&pol, mailing, &mailer, &[], t(NOW)).unwrap_err();
    assert_eq!(err.code(), "E_CONSENT_REQUIRED");
    let granted = [consent("mailing", true, "2026-05-01T00:00:00Z", None)];
    assert!(may_disclose(&pol, mailing, &mailer, &granted, t(NOW)).is_ok());
    let stranger = RecipientId::parse("broker").unwrap();
    let err = may_disclose(&pol, mailing, &stranger, &granted, t(NOW)).unwrap_err();
    assert_eq!(err.code(), "E_RECIPIENT_NOT_DECLARED");
}

#[test]
fn data_never_stored_is_checked_in_passing_only() {
    let pol = policy();
    let check = |purpose: &str, category: &str, restricted: bool| {
        let st = SubjectState {
            kind: "customer",
            restricted,
            consents: &[],
            objections: &[],
        };
        may_process_in_passing(&pol, &st, &p(purpose), &c(category), None, t(NOW))
            .map(|used| used.id.to_string())
            .map_err(|e| e.code())
    };
    assert_eq!(check("account", "secret", false), Ok("account".to_owned()));
    assert_eq!(check("account", "email", false), Err("E_CATEGORY_STORED"));
    assert_eq!(
        check("account", "shoe", false),
        Err("E_CATEGORY_NOT_DECLARED")
    );
    assert_eq!(
        check("support", "secret", false),
        Err("E_CATEGORY_NOT_IN_PURPOSE")
    );
    assert_eq!(
        check("account", "secret", true),
        Err("E_SUBJECT_RESTRICTED")
    );
    let recipient = RecipientId::parse("nowhere").unwrap();
    let err = may_process_in_passing(
        &pol,
        &state(&[], &[]),
        &p("account"),
        &c("secret"),
        Some(&recipient),
        t(NOW),
    )
    .unwrap_err();
    assert_eq!(err.code(), "E_RECIPIENT_NOT_DECLARED");
}

#[test]
fn a_consent_covers_the_scope_of_the_version_it_was_given_under() {
    let then = policy();
    let wider = Policy::parse(&POLICY.replacen(
        "categories = [\"email\"]\ndirect_marketing",
        "categories = [\"email\", \"name\"]\ndirect_marketing",
        1,
    ))
    .unwrap();
    let old = then.purpose(&p("newsletter"));
    let now = wider.purpose(&p("newsletter")).unwrap();
    assert!(consent_covers(old, 1, now, &[c("email")], None).is_ok());
    let err = consent_covers(old, 1, now, &[c("email"), c("name")], None).unwrap_err();
    assert_eq!(err.code(), "E_CONSENT_RENEWAL_NEEDED");
    assert!(err.to_string().contains("category name"), "{err}");
    let to = RecipientId::parse("helpdesk").unwrap();
    let err = consent_covers(old, 1, now, &[c("email")], Some(&to)).unwrap_err();
    assert!(err.to_string().contains("recipient helpdesk"), "{err}");
    let err = consent_covers(None, 1, now, &[c("email")], None).unwrap_err();
    assert_eq!(err.code(), "E_CONSENT_RENEWAL_NEEDED");
}

#[test]
fn the_live_grant_is_the_latest_unexpired_grant() {
    let ledger = [
        consent("newsletter", true, "2026-01-01T00:00:00Z", None),
        consent("newsletter", false, "2026-02-01T00:00:00Z", None),
        consent(
            "newsletter",
            true,
            "2026-03-01T00:00:00Z",
            Some("2026-04-01T00:00:00Z"),
        ),
    ];
    let at = |s: &str| live_grant(&ledger, &p("newsletter"), t(s)).map(|g| g.at);
    assert_eq!(at("2026-01-15T00:00:00Z"), Some(t("2026-01-01T00:00:00Z")));
    assert_eq!(at("2026-02-15T00:00:00Z"), None);
    assert_eq!(at("2026-03-15T00:00:00Z"), Some(t("2026-03-01T00:00:00Z")));
    assert_eq!(at("2026-04-01T00:00:00Z"), None);
}

#[test]
fn a_purpose_naming_whose_data_it_processes_refuses_other_kinds() {
    let src = POLICY
        .replacen(
            "[[purpose]]\nid = \"support\"",
            "[[subject_kind]]\nid = \"agent\"\ndescription = \"Agents\"\n[[purpose]]\nid = \"support\"",
            1,
        )
        .replacen(
            "basis = \"legitimate_interests\"\ncategories = [\"email\", \"name\"]",
            "basis = \"legitimate_interests\"\ncategories = [\"email\", \"name\"]\nsubject_kinds = [\"agent\"]",
            1,
        );
    let pol = Policy::parse(&src).unwrap_or_else(|d| panic!("{d:?}"));
    let of = |kind: &'static str| SubjectState {
        kind,
        ..state(&[], &[])
    };
    let support = |kind| may_use(&pol, &of(kind), &p("support"), &[c("email")], t(NOW));
    assert!(support("agent").is_ok());
    let refused = support("customer").unwrap_err();
    assert_eq!(refused.code(), "E_SUBJECT_KIND_NOT_IN_PURPOSE");
    assert_eq!(
        refused.to_string(),
        "purpose 'support' does not concern subjects of kind 'customer'"
    );
    let collect = may_collect(&pol, &of("customer"), &p("support"), &[c("email")], t(NOW));
    assert_eq!(collect.unwrap_err().code(), "E_SUBJECT_KIND_NOT_IN_PURPOSE");
    // A purpose that names no kind concerns every kind.
    assert!(may_use(&pol, &of("agent"), &p("account"), &[c("email")], t(NOW)).is_ok());
}
