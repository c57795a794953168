//! Reports and the anonymised export over HTTP, on a kudos bot: an
//! objector is in no report, ranks shift, small groups are withheld, an
//! unlisted recipient is refused, bad input changes nothing, and a tenant
//! sees only its own members.

use crate::helpers::{TestApp, spawn_app};
use serde_json::{Value, json};

const KUDOS_POLICY: &str = r#"
[controller]
name = "Kudos Ltd"
email = "privacy@kudos.example"
[authority]
name = "Data Protection Authority"
[[subject_kind]]
id = "member"
description = "Members of a team chat"
[[category]]
id = "kudos_received"
description = "Kudos a member received"
taxonomy = "user.behavior"
[[category]]
id = "team"
description = "The member's team"
taxonomy = "user.workplace"
[[recipient]]
id = "partner"
name = "Research partner"
role = "controller"
country = "DE"
[[recipient]]
id = "vendor"
name = "Hosting vendor"
role = "processor"
country = "DE"
[[purpose]]
id = "kudos"
description = "Giving and showing kudos"
basis = "contract"
categories = ["kudos_received", "team"]
recipients = ["vendor"]
[[purpose]]
id = "kudos_reports"
description = "Reports and rankings of kudos"
basis = "legitimate_interests"
categories = ["kudos_received", "team"]
reporting = true
export_to = ["partner"]
[[retention]]
categories = ["kudos_received", "team"]
keep = "1 year"
from = "collected"
[anonymity]
min_group_size = 3
"#;

/// A material change: in force once its notice period has passed.
async fn publish(app: &TestApp) {
    app.publish_in_force(KUDOS_POLICY).await;
}

async fn member(app: &TestApp, token: &str, team: &str, kudos: usize) -> String {
    let mut records = vec![json!({"category": "team", "value": team})];
    records.extend((0..kudos).map(|_| json!({"category": "kudos_received", "value": "thanks"})));
    let body = json!({"kind": "member", "purpose": "kudos", "records": records});
    app.post("/v1/subjects", token, body).await.ok(201)["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Acme on the kudos policy: ada 4, bo 3 and eve 2 (red); cy 3, fay 2 and
/// di 1 (blue).
async fn kudos() -> (TestApp, [String; 6]) {
    let app = spawn_app().await;
    publish(&app).await;
    let s = &app.service;
    let ids = [
        member(&app, s, "red", 4).await,
        member(&app, s, "red", 3).await,
        member(&app, s, "red", 2).await,
        member(&app, s, "blue", 3).await,
        member(&app, s, "blue", 2).await,
        member(&app, s, "blue", 1).await,
    ];
    (app, ids)
}

fn lines(v: &Value) -> Vec<(u64, String, u64)> {
    v["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["rank"].as_u64().unwrap(),
                l["subject"].as_str().unwrap().to_owned(),
                l["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

const RANKING: &str = "/v1/reports/kudos_reports/ranking?category=kudos_received";
const TOTALS: &str = "/v1/reports/kudos_reports/totals?category=kudos_received&group_by=team";
const EXPORT: &str =
    "/v1/reports/kudos_reports/export?recipient=partner&category=kudos_received&group_by=team";

#[tokio::test]
async fn an_objector_leaves_rankings_totals_counts_and_exports() {
    let (app, [ada, bo, eve, cy, fay, di]) = kudos().await;
    let mut threes = [bo.clone(), cy.clone()];
    threes.sort();
    let mut twos = [eve.clone(), fay.clone()];
    twos.sort();
    let r = app.get(RANKING, &app.service).await.ok(200);
    assert_eq!(r["subjects"], 6);
    assert_eq!(
        lines(&r),
        vec![
            (1, ada.clone(), 4),
            (2, threes[0].clone(), 3),
            (2, threes[1].clone(), 3),
            (4, twos[0].clone(), 2),
            (4, twos[1].clone(), 2),
            (6, di.clone(), 1)
        ]
    );
    let csv = app.get(EXPORT, &app.service).await;
    assert_eq!(csv.status, 200);
    assert_eq!(
        csv.headers["content-type"].to_str().unwrap(),
        "text/csv; charset=utf-8"
    );
    assert!(
        csv.text
            .contains("kudos_received,by_group,group,red,3,9,shown\r\n")
    );
    assert!(
        csv.text
            .contains("kudos_received,by_group,group,blue,3,6,shown\r\n")
    );

    let objection = json!({"purpose": "kudos_reports"});
    app.post(
        &format!("/v1/subjects/{ada}/objections"),
        &app.service,
        objection,
    )
    .await
    .ok(201);

    let r = app.get(RANKING, &app.service).await.ok(200);
    assert_eq!(r["subjects"], 5);
    assert_eq!(
        lines(&r),
        vec![
            (1, threes[0].clone(), 3),
            (1, threes[1].clone(), 3),
            (3, twos[0].clone(), 2),
            (3, twos[1].clone(), 2),
            (5, di.clone(), 1)
        ]
    );
    let t = app.get(TOTALS, &app.service).await.ok(200);
    assert_eq!(
        t["groups"],
        json!([
            {"group": "blue", "subjects": 3, "count": 6},
            {"group": "red", "subjects": 2, "count": 5}
        ])
    );
    assert_eq!(
        (t["subjects"].as_u64(), t["count"].as_u64()),
        (Some(5), Some(11))
    );

    // Counts, page by page.
    let mut seen = Vec::new();
    let mut path = "/v1/reports/kudos_reports/counts?category=kudos_received&limit=2".to_owned();
    loop {
        let page = app.get(&path, &app.service).await.ok(200);
        for l in page["lines"].as_array().unwrap() {
            seen.push(l["subject"].as_str().unwrap().to_owned());
        }
        match page["next"].as_str() {
            Some(next) => {
                path = format!(
                    "/v1/reports/kudos_reports/counts?category=kudos_received&limit=2&after={next}"
                )
            }
            None => break,
        }
    }
    seen.sort();
    let mut want = vec![bo.clone(), eve.clone(), cy.clone(), fay.clone(), di.clone()];
    want.sort();
    assert_eq!(seen, want);

    // Red is two people now: withheld, and blue with it, since the total
    // would give red away; the total of five people stays.
    let csv = app.get(EXPORT, &app.service).await;
    // Neither team is named: a withheld group's value is never printed.
    assert!(
        csv.text
            .contains("kudos_received,by_group,withheld,,,,withheld_below_minimum\r\n")
    );
    assert!(
        csv.text
            .contains("kudos_received,by_group,withheld,,,,withheld_complementary\r\n")
    );
    assert!(
        !csv.text.contains("red") && !csv.text.contains("blue"),
        "{}",
        csv.text
    );
    assert!(
        csv.text
            .contains("kudos_received,by_group,total,,5,11,shown\r\n")
    );
    for id in [&ada, &bo, &eve, &cy, &fay, &di] {
        assert!(!csv.text.contains(id.as_str()));
    }
    let last = app.last_audit().await;
    assert_eq!(last["action"], "report.export");
    assert_eq!(last["subject"], Value::Null);
    app.assert_chain_intact().await;
}

#[tokio::test]
async fn an_export_to_an_unlisted_recipient_is_refused_and_audited() {
    let (app, _) = kudos().await;
    let before = app.audit_len().await;
    let path =
        "/v1/reports/kudos_reports/export?recipient=vendor&category=kudos_received&group_by=team";
    app.get(path, &app.service)
        .await
        .error(403, "E_EXPORT_RECIPIENT_NOT_LISTED");
    assert_eq!(app.audit_len().await, before + 1);
    let last = app.last_audit().await;
    assert_eq!(last["action"], "report.export");
    assert_eq!(last["outcome"], "denied:E_EXPORT_RECIPIENT_NOT_LISTED");
    // The analyst sees aggregates of retention, not reports.
    app.get(EXPORT, &app.analyst)
        .await
        .error(403, "E_FORBIDDEN");
    app.get(RANKING, &app.analyst)
        .await
        .error(403, "E_FORBIDDEN");
}

#[tokio::test]
async fn bad_report_requests_get_a_stable_code_and_change_nothing() {
    let (app, _) = kudos().await;
    let before = app.audit_len().await;
    for (path, status, code) in [
        (
            "/v1/reports/kudos_reports/ranking?category=kudos_received&limit=0",
            400,
            "E_INVALID_QUERY",
        ),
        (
            "/v1/reports/kudos_reports/ranking?category=kudos_received&limit=1001",
            400,
            "E_INVALID_QUERY",
        ),
        (
            "/v1/reports/kudos_reports/ranking?category=Kudos",
            400,
            "E_INVALID_QUERY",
        ),
        ("/v1/reports/kudos_reports/ranking", 400, "E_INVALID_QUERY"),
        (
            "/v1/reports/kudos_reports/ranking?category=kudos_received&extra=1",
            400,
            "E_INVALID_QUERY",
        ),
        (
            "/v1/reports/Bad-Purpose/ranking?category=kudos_received",
            400,
            "E_INVALID_QUERY",
        ),
        (
            "/v1/reports/kudos_reports/counts?category=kudos_received&after=nope",
            400,
            "E_INVALID_QUERY",
        ),
        (
            "/v1/reports/kudos_reports/totals?category=kudos_received&group_by=kudos_received",
            400,
            "E_GROUP_BY_SELF",
        ),
        (
            "/v1/reports/kudos_reports/totals?category=shoe_size&group_by=team",
            400,
            "E_CATEGORY_NOT_DECLARED",
        ),
    ] {
        let body = app.get(path, &app.service).await.error(status, code);
        assert!(!body.to_string().contains("Bad-Purpose"), "{body}");
    }
    assert_eq!(app.audit_len().await, before, "bad input leaves no trace");
    app.get(
        "/v1/reports/kudos/ranking?category=kudos_received",
        &app.service,
    )
    .await
    .error(403, "E_NOT_REPORTING");
    assert_eq!(app.last_audit().await["outcome"], "denied:E_NOT_REPORTING");
}

#[tokio::test]
async fn a_tenant_reports_on_its_own_members_only() {
    let (app, ids) = kudos().await;
    let beta = json!({"id": "beta", "name": "Beta Ltd", "policy": KUDOS_POLICY});
    let created = app.post("/v1/tenants", &app.operator, beta).await.ok(201);
    let beta_admin = created["admin_token"].as_str().unwrap().to_owned();
    let r = app.get(RANKING, &beta_admin).await.ok(200);
    assert_eq!(r["subjects"], 0);
    let theirs = member(&app, &beta_admin, "red", 9).await;
    let r = app.get(RANKING, &beta_admin).await.ok(200);
    assert_eq!(lines(&r), vec![(1, theirs.clone(), 9)]);
    let ours = app.get(RANKING, &app.service).await.ok(200);
    assert_eq!(ours["subjects"], 6);
    assert!(!ours.to_string().contains(&theirs));
    for id in &ids {
        assert!(!r.to_string().contains(id.as_str()));
    }
    // The operator's own policy declares no such category.
    app.get(RANKING, &app.operator)
        .await
        .error(400, "E_CATEGORY_NOT_DECLARED");
}

/// Kudos kept "1 year from collected" count in no report once due, before
/// any sweep, as no read returns them.
#[tokio::test]
async fn kudos_past_their_period_count_in_no_report() {
    let (app, _) = kudos().await;
    app.advance_hours(24 * 180);
    let late = member(&app, &app.service, "red", 5).await;
    let before = app.get(RANKING, &app.service).await.ok(200);
    assert_eq!(before["subjects"], 7, "{before}");
    app.advance_hours(24 * 190);
    let after = app.get(RANKING, &app.service).await.ok(200);
    assert_eq!(lines(&after), vec![(1, late, 5)], "{after}");
}
