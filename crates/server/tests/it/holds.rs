//! Erasure under a statutory hold over HTTP (Art. 17(3)(b), 18(1)): what
//! no law requires keeping is gone at once, from the database file too;
//! the held category survives, readable for its legal-obligation purpose
//! only, and the access answer lists it with its law and end date. A
//! request's erasure takes the same path. A live subject's record that a
//! retention sweep moved under its hold is read and listed the same way.

use crate::helpers::{TestApp, spawn_app};
use crate::requests::{fulfil, verified};
use serde_json::{Value, json};
use std::sync::Arc;
use tutela_engine::ids::{SubjectId, TenantId};
use tutela_engine::store::{RecordFilter, Store};
use tutela_policy::CalendarSpan;

const IBAN: &str = "DE02120300000000202051";

/// A customer with a name and email (not held) and an IBAN (held for ten
/// years from collection by the example policy), all for `billing`.
async fn billed(app: &TestApp) -> String {
    app.subject(
        "customer",
        "billing",
        json!([
            {"category": "name", "value": "Grace Example"},
            {"category": "email", "value": "grace@example.com"},
            {"category": "iban", "value": IBAN}
        ]),
    )
    .await
}

/// A second store on the test's database file, to look at what is stored.
async fn look(app: &TestApp) -> Arc<dyn Store> {
    tutela_store::connect(&format!("sqlite://{}", app.db_path.display()))
        .await
        .unwrap()
}

/// Whether `needle` is anywhere in the database file or its WAL.
fn on_disk(app: &TestApp, needle: &[u8]) -> bool {
    let mut bytes = std::fs::read(&app.db_path).unwrap();
    if let Ok(more) = std::fs::read(app.db_path.with_extension("db-wal")) {
        bytes.extend(more);
    }
    bytes.windows(needle.len()).any(|w| w == needle)
}

/// Asserts what an erased subject with a held IBAN looks like over HTTP.
async fn assert_held_only(app: &TestApp, id: &str) {
    let read = app.read(&app.service, id, "billing").await.ok(200);
    let records = read["records"].as_array().unwrap();
    assert_eq!(records.len(), 1, "{read}");
    assert_eq!(records[0]["category"], "iban");
    assert_eq!(records[0]["value"], IBAN);
    for purpose in ["account", "support"] {
        app.read(&app.service, id, purpose)
            .await
            .error(409, "E_SUBJECT_ERASED");
    }
    let email_only = format!("/v1/subjects/{id}/records?purpose=billing&categories=email");
    app.get(&email_only, &app.service)
        .await
        .error(409, "E_SUBJECT_ERASED");
    let lookup = json!({"category": "email", "value": "grace@example.com"});
    app.post("/v1/subjects/lookup", &app.service, lookup)
        .await
        .error(404, "E_SUBJECT_NOT_FOUND");
}

/// The access answer's held entry, checked against the policy's hold.
fn assert_answer_lists_the_hold(access: &Value) {
    assert!(access["erased_at"].is_string(), "{access}");
    let records = access["records"].as_array().unwrap();
    assert_eq!(records.len(), 1);
    let held = access["held"].as_array().unwrap();
    assert_eq!(held.len(), 1);
    let note = &held[0];
    assert_eq!(note["record"], records[0]["id"]);
    assert_eq!(note["category"], "iban");
    assert!(
        note["law"].as_str().unwrap().contains("§ 257 HGB"),
        "{note}"
    );
    assert_eq!(note["counted_from"], "collected");
    let collected: jiff::Timestamp = records[0]["collected_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let ends: jiff::Timestamp = note["ends_at"].as_str().unwrap().parse().unwrap();
    let ten_years = CalendarSpan::parse("10 years").unwrap();
    assert_eq!(ends, ten_years.after(collected).unwrap());
    let text = note["text"].as_str().unwrap();
    assert!(
        text.contains(&ends.strftime("%Y-%m-%d").to_string()),
        "{text}"
    );
    assert!(!text.contains(IBAN), "{text}");
}

#[tokio::test]
async fn a_held_category_survives_erasure_for_its_legal_purpose_only() {
    let app = spawn_app().await;
    let id = billed(&app).await;
    let store = look(&app).await;
    let acme = TenantId::parse("acme").unwrap();
    let subject = SubjectId::parse(&id).unwrap();
    let before = store
        .subject_view(&acme, subject, RecordFilter::All)
        .await
        .unwrap()
        .unwrap();
    app.advance_hours(2);

    app.delete(&format!("/v1/subjects/{id}"), &app.dpo)
        .await
        .ok(204);
    let erase = app.last_audit().await;
    assert_eq!(erase["action"], "subject.erase");
    assert_eq!(erase["detail"], "held=1");

    assert_held_only(&app, &id).await;
    let audit = app.audit().await;
    let held_reads = audit
        .iter()
        .filter(|e| e["action"] == "record.read" && e["outcome"] == "allowed")
        .filter(|e| e["detail"] == "categories=iban count=1 held=true")
        .count();
    assert_eq!(held_reads, 1, "the held read is audited as a read");
    let access = app
        .get(&format!("/v1/subjects/{id}/access"), &app.dpo)
        .await
        .ok(200);
    assert_answer_lists_the_hold(&access);

    // Nothing of the subject's own key or sealed values is left on disk.
    let key = before.subject.wrapped_key.clone().unwrap();
    assert!(!on_disk(&app, &key), "the subject's wrapped key survived");
    for r in &before.records {
        assert!(!on_disk(&app, &r.ciphertext), "{} survived", r.category);
    }
    for plain in ["Grace Example", "grace@example.com", IBAN] {
        assert!(!on_disk(&app, plain.as_bytes()), "{plain} in plaintext");
    }
    app.delete(&format!("/v1/subjects/{id}"), &app.dpo)
        .await
        .error(409, "E_SUBJECT_ERASED");
    app.assert_chain_intact().await;
}

#[tokio::test]
async fn a_requested_erasure_keeps_what_is_held_the_same_way() {
    let app = spawn_app().await;
    let id = billed(&app).await;
    let request = verified(&app, json!({"subject": id, "kind": "erasure"})).await;
    let done = fulfil(&app, &request, json!({})).await;
    assert_eq!(done["state"], "fulfilled");
    assert_held_only(&app, &id).await;
    let access = app
        .get(&format!("/v1/subjects/{id}/access"), &app.dpo)
        .await
        .ok(200);
    assert_answer_lists_the_hold(&access);
    app.assert_chain_intact().await;
}

#[tokio::test]
async fn a_live_subjects_held_iban_is_read_for_billing_only_and_listed_in_its_answer() {
    let app = spawn_app().await;
    let id = billed(&app).await;
    app.post(
        &format!("/v1/subjects/{id}/records"),
        &app.service,
        json!({"purpose": "support", "records": [{"category": "ticket_text", "value": "Help"}]}),
    )
    .await
    .ok(201);
    app.post(
        "/v1/events",
        &app.service,
        json!({"name": "tenant.uninstalled"}),
    )
    .await
    .ok(201);
    app.advance_hours(24 * 91);
    // The account data is due; the IBAN moves under its hold; the ticket
    // keeps the subject live.
    let report = app.engine.sweep_all(&|_| {}).await.unwrap();
    assert_eq!((report.held, report.subjects_erased), (1, 0), "{report:?}");

    let read = app.read(&app.service, &id, "billing").await.ok(200);
    let records = read["records"].as_array().unwrap();
    assert_eq!(records.len(), 1, "{read}");
    assert_eq!(records[0]["value"], IBAN);
    let last = app.last_audit().await;
    assert_eq!(
        last["detail"],
        "categories=name,email,iban,invoice count=1 held=1"
    );
    let support = app.read(&app.service, &id, "support").await.ok(200);
    let values: Vec<&Value> = support["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["value"])
        .collect();
    assert_eq!(values, [&json!("Help")], "{support}");

    let access = app
        .get(&format!("/v1/subjects/{id}/access"), &app.dpo)
        .await
        .ok(200);
    assert!(access["erased_at"].is_null(), "{access}");
    let held = access["held"].as_array().unwrap();
    assert_eq!(held.len(), 1, "{access}");
    assert_eq!(held[0]["category"], "iban");
    let listed: Vec<&Value> = access["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["id"] == held[0]["record"])
        .map(|r| &r["value"])
        .collect();
    assert_eq!(listed, [&json!(IBAN)]);
    app.assert_chain_intact().await;
}

/// Records a hold keeps are still the person's data: an access request
/// about an erased subject that still has some is filed, verified and
/// answered like any other (Art. 15); nothing else can be asked of it.
#[tokio::test]
async fn an_access_request_about_held_records_of_an_erased_subject_is_worked() {
    let app = spawn_app().await;
    let id = billed(&app).await;
    app.delete(&format!("/v1/subjects/{id}"), &app.dpo)
        .await
        .ok(204);
    let request = verified(&app, json!({"subject": id, "kind": "access"})).await;
    let answer = app
        .get(&format!("/v1/requests/{request}/answer"), &app.dpo)
        .await
        .ok(200);
    let text = answer.to_string();
    assert!(text.contains(IBAN), "the held IBAN is handed over: {text}");
    assert!(!text.contains("grace@example.com"), "{text}");
    let done = fulfil(&app, &request, json!({})).await;
    assert_eq!(done["state"], "fulfilled");
    app.post(
        "/v1/requests",
        &app.dpo,
        json!({"subject": id, "kind": "erasure"}),
    )
    .await
    .error(409, "E_SUBJECT_ERASED");

    // Nothing held: an erased subject cannot file even an access request.
    let other = app
        .subject(
            "customer",
            "account",
            json!([{"category": "email", "value": "gone@example.com"}]),
        )
        .await;
    app.delete(&format!("/v1/subjects/{other}"), &app.dpo)
        .await
        .ok(204);
    app.post(
        "/v1/requests",
        &app.dpo,
        json!({"subject": other, "kind": "access"}),
    )
    .await
    .error(409, "E_SUBJECT_ERASED");
}
