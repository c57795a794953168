//! Policy versions over HTTP: the diff route, publishing a material change
//! ahead of time, and the pending version beside the one in force.

use crate::helpers::spawn_app;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use tutela_policy::EXAMPLE_POLICY;

fn longer_tickets() -> String {
    let longer = EXAMPLE_POLICY.replacen(
        "categories = [\"ticket_text\"]\nkeep = \"1 year\"",
        "categories = [\"ticket_text\"]\nkeep = \"2 years\"",
        1,
    );
    assert_ne!(longer, EXAMPLE_POLICY);
    longer
}

#[tokio::test]
async fn diff_against_the_version_in_force_names_the_earliest_effective_time() {
    let app = spawn_app().await;
    let body = app
        .post(
            "/v1/policy/diff",
            &app.dpo,
            json!({"new": longer_tickets()}),
        )
        .await
        .ok(200);
    assert_eq!(body["against_version"], 1);
    assert_eq!(body["material"], 1);
    assert_eq!(body["notice_period"], "30 days");
    assert_eq!(body["earliest_effective_at"], "2026-03-31T09:00:00Z");
    assert_eq!(body["changes"][0]["kind"], "retention_longer");
    assert_eq!(body["changes"][0]["path"], "retention.ticket_text");
    let texts = json!({"old": longer_tickets(), "new": EXAMPLE_POLICY});
    let body = app.post("/v1/policy/diff", &app.dpo, texts).await.ok(200);
    assert_eq!(body["against_version"], json!(null));
    assert_eq!(body["changes"][0]["kind"], "retention_shorter");
    assert_eq!(body["changes"][0]["material"], false);
}

#[tokio::test]
async fn diff_of_an_invalid_text_names_line_and_column() {
    let app = spawn_app().await;
    let before = app.audit_len().await;
    let reply = app
        .post("/v1/policy/diff", &app.dpo, json!({"new": "name = \n"}))
        .await;
    let body = reply.error(422, "E_POLICY_INVALID");
    let d = &body["error"]["diagnostics"][0];
    assert_eq!(
        (d["code"].as_str(), d["line"].as_u64()),
        (Some("E_PARSE"), Some(1))
    );
    assert!(d["column"].as_u64().is_some());
    assert_eq!(app.audit_len().await, before);
}

#[tokio::test]
async fn a_material_change_is_published_ahead_and_shown_as_pending() {
    let app = spawn_app().await;
    let too_soon = app
        .put("/v1/policy", &app.dpo, json!({"source": longer_tickets()}))
        .await;
    let body = too_soon.error(422, "E_EFFECTIVE_TOO_SOON");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2026-03-31T09:00:00Z"),
        "{body}"
    );
    let versions = app.get("/v1/policy/versions", &app.dpo).await.ok(200);
    assert_eq!(versions.as_array().unwrap().len(), 1, "nothing stored");

    let effective = "2026-04-15T00:00:00Z";
    let body = app
        .put(
            "/v1/policy",
            &app.dpo,
            json!({"source": longer_tickets(), "effective_at": effective}),
        )
        .await
        .ok(201);
    assert_eq!(
        (body["version"].as_u64(), body["pending"].as_bool()),
        (Some(2), Some(true))
    );
    let current = app.get("/v1/policy", &app.dpo).await.ok(200);
    assert_eq!(current["version"], 1);
    assert_eq!(
        app.get("/v1/tenant", &app.dpo).await.ok(200)["policy_version"],
        1
    );
    assert_eq!(current["pending"]["version"], 2);
    assert_eq!(current["pending"]["effective_at"], effective);
    assert_eq!(current["pending"]["changes"][0]["kind"], "retention_longer");

    let at: Timestamp = effective.parse().unwrap();
    app.clock.set(at + SignedDuration::from_secs(1));
    let current = app.get("/v1/policy", &app.dpo).await.ok(200);
    assert_eq!(current["version"], 2);
    assert_eq!(current["pending"], json!(null));
    // The tenant's own view says the same (an outside probe saw v1 there).
    assert_eq!(
        app.get("/v1/tenant", &app.dpo).await.ok(200)["policy_version"],
        2
    );
}

/// The server's notice task tells each subject holding a category a
/// pending material change touches, once (Art. 13(3)), and `GET /v1/policy`
/// shows how many were told; with nothing pending it tells no one.
#[tokio::test]
async fn the_notice_task_tells_affected_subjects_once_and_the_count_shows() {
    use tutela_engine::notify::MessageKind;
    let app = spawn_app().await;
    assert_eq!(
        tutela_server::policy_notices::notify_all(&app.engine)
            .await
            .unwrap(),
        0,
        "nothing pending"
    );
    let ticket = json!([{"category": "ticket_text", "value": "The printer is on fire"}]);
    let affected = app.subject("customer", "support", ticket).await;
    let email = json!([{"category": "email", "value": "ada@example.com"}]);
    let untouched = app.subject("customer", "account", email).await;
    app.put(
        "/v1/policy",
        &app.dpo,
        json!({"source": longer_tickets(), "effective_at": "2026-04-15T00:00:00Z"}),
    )
    .await
    .ok(201);
    let before = app.get("/v1/policy", &app.dpo).await.ok(200);
    assert_eq!(before["pending"]["notified"], 0);

    let told = tutela_server::policy_notices::notify_all(&app.engine)
        .await
        .unwrap();
    assert_eq!(told, 1);
    let messages: Vec<_> = app
        .notes
        .messages()
        .into_iter()
        .filter(|m| m.kind == MessageKind::PolicyChange)
        .collect();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].subject.to_string(), affected);
    assert_ne!(messages[0].subject.to_string(), untouched);
    let after = app.get("/v1/policy", &app.dpo).await.ok(200);
    assert_eq!(after["pending"]["notified"], 1);

    let again = tutela_server::policy_notices::notify_all(&app.engine)
        .await
        .unwrap();
    assert_eq!(again, 0, "never twice");
    let last = app.last_audit().await;
    assert_eq!(last["action"], "policy.notify");
    assert_eq!(last["actor"], tutela_server::policy_notices::ACTOR);
    app.assert_chain_intact().await;
}

#[tokio::test]
async fn a_pending_version_replaced_before_its_time_is_marked_in_the_history() {
    let app = spawn_app().await;
    let pending = json!({"source": longer_tickets(), "effective_at": "2026-04-15T00:00:00Z"});
    app.put("/v1/policy", &app.dpo, pending).await.ok(201);
    // Published while version 2 waits: it replaces it, and applies now.
    app.put("/v1/policy", &app.dpo, json!({"source": EXAMPLE_POLICY}))
        .await
        .ok(201);
    let versions = app.get("/v1/policy/versions", &app.dpo).await.ok(200);
    let replaced: Vec<_> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["version"].as_u64().unwrap(), v["replaced_by"].as_u64()))
        .collect();
    assert_eq!(replaced, [(1, None), (2, Some(3)), (3, None)], "{versions}");
    let current = app.get("/v1/policy", &app.dpo).await.ok(200);
    assert_eq!(
        (current["version"].as_u64(), &current["pending"]),
        (Some(3), &json!(null))
    );
}

/// The example policy without the `phone` category.
fn without_phone() -> String {
    let text = EXAMPLE_POLICY
        .replace(
            "[[category]]\nid = \"phone\"\ndescription = \"Phone number\"\ntaxonomy = \"user.contact.phone_number\"\n",
            "",
        )
        .replace("\"phone\", ", "")
        .replace(", \"phone\"", "");
    assert!(!text.contains("phone"), "the fixture removed every use");
    text
}

/// Art. 5(1)(e), 13: a category holding stored records cannot become
/// `storable = false`: the records would stay, under a notice saying the
/// category is never stored, with no rule to end them. An outside probe
/// published such a version.
#[tokio::test]
async fn a_category_that_still_holds_records_cannot_become_unstorable() {
    let app = spawn_app().await;
    let records = json!([{"category": "phone", "value": "+44 20 7946 0000"}]);
    app.subject("customer", "account", records).await;
    let unstorable = phone_unstorable();
    let checked = app
        .post("/v1/policy/check", &app.dpo, json!({"source": unstorable}))
        .await;
    assert_eq!(
        checked.status.as_u16(),
        200,
        "the fixture is a valid policy: {}",
        checked.text
    );
    let body = app
        .put("/v1/policy", &app.dpo, json!({"source": unstorable}))
        .await
        .error(409, "E_CATEGORY_IN_USE");
    assert!(body.to_string().contains("'phone'"), "{body}");
}

/// While a version that makes `phone` not storable is pending, a phone
/// number cannot be stored: it would be stranded when the version applies
/// (an outside probe stored one in the notice period).
#[tokio::test]
async fn a_category_a_pending_version_stops_storing_takes_no_new_records() {
    let app = spawn_app().await;
    let now = tutela_engine::clock::Clock::now(app.clock.as_ref());
    let effective = (now + jiff::SignedDuration::from_hours(31 * 24)).to_string();
    app.put(
        "/v1/policy",
        &app.dpo,
        json!({"source": phone_unstorable(), "effective_at": effective}),
    )
    .await
    .ok(201);
    let phone = json!([{"category": "phone", "value": "+44 20 7946 0000"}]);
    let body = app
        .post(
            "/v1/subjects",
            &app.service,
            json!({"kind": "customer", "purpose": "account", "records": phone}),
        )
        .await
        .error(409, "E_CATEGORY_ENDING");
    assert!(body.to_string().contains("'phone'"), "{body}");
    let email = json!([{"category": "email", "value": "ada@example.com"}]);
    let id = app.subject("customer", "account", email).await;
    app.post(
        &format!("/v1/subjects/{id}/records"),
        &app.service,
        json!({"purpose": "account", "records": phone}),
    )
    .await
    .error(409, "E_CATEGORY_ENDING");
}

/// The example policy with `phone` made `storable = false` (and out of the
/// retention rules, which a category not stored cannot have).
fn phone_unstorable() -> String {
    let text = EXAMPLE_POLICY
        .replace(
            "taxonomy = \"user.contact.phone_number\"\n",
            "taxonomy = \"user.contact.phone_number\"\nstorable = false\n",
        )
        .replace(
            "categories = [\"email\", \"name\", \"phone\", \"external_id\", \"iban\", \"invoice\"]",
            "categories = [\"email\", \"name\", \"external_id\", \"iban\", \"invoice\"]",
        )
        .replace(
            "categories = [\"email\", \"name\", \"phone\", \"external_id\", \"ticket_text\"]",
            "categories = [\"email\", \"name\", \"external_id\", \"ticket_text\"]",
        );
    assert!(text.contains("storable = false"));
    text
}

#[tokio::test]
async fn a_category_that_still_holds_records_cannot_be_dropped() {
    let app = spawn_app().await;
    let records = json!([{"category": "phone", "value": "+44 20 7946 0000"}]);
    let id = app.subject("customer", "account", records).await;
    let before = app.get("/v1/policy/versions", &app.dpo).await.ok(200);

    let body = app
        .put("/v1/policy", &app.dpo, json!({"source": without_phone()}))
        .await
        .error(409, "E_CATEGORY_IN_USE");
    assert!(body.to_string().contains("'phone'"), "{body}");
    assert_eq!(
        app.get("/v1/policy/versions", &app.dpo).await.ok(200),
        before,
        "nothing published"
    );

    // Once the records are gone, the category may go.
    app.delete(&format!("/v1/subjects/{id}"), &app.dpo)
        .await
        .ok(204);
    app.put("/v1/policy", &app.dpo, json!({"source": without_phone()}))
        .await
        .ok(201);
}

#[tokio::test]
async fn putting_the_same_policy_again_is_idempotent() {
    let app = spawn_app().await;
    let before = app.audit_len().await;
    let body = app
        .put("/v1/policy", &app.dpo, json!({"source": EXAMPLE_POLICY}))
        .await
        .ok(200);
    assert_eq!(body["unchanged"], true);
    assert_eq!(body["version"], 1);
    assert_eq!(body["changes"], json!([]));
    let versions = app.get("/v1/policy/versions", &app.dpo).await.ok(200);
    assert_eq!(versions.as_array().map(Vec::len), Some(1));
    assert_eq!(app.audit_len().await, before);
    let reworded = EXAMPLE_POLICY.replacen(
        "Answer your support requests",
        "Answer what you ask our support",
        1,
    );
    let body = app
        .put("/v1/policy", &app.dpo, json!({"source": reworded}))
        .await
        .ok(201);
    assert_eq!(
        (body["unchanged"].as_bool(), body["version"].as_u64()),
        (Some(false), Some(2))
    );
}

/// Shortening the notice period is itself material: otherwise a version
/// could set it to 0 days at once and the next one skip the notice.
#[tokio::test]
async fn a_shorter_notice_period_waits_for_the_notice_it_shortens() {
    let app = spawn_app().await;
    let shorter = format!("{EXAMPLE_POLICY}\n[changes]\nnotice_period = \"0 days\"\n");
    let body = app
        .put("/v1/policy", &app.dpo, json!({"source": shorter}))
        .await
        .error(422, "E_EFFECTIVE_TOO_SOON");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("2026-03-31T09:00:00Z"), "{message}");
    let diff = app
        .post("/v1/policy/diff", &app.dpo, json!({"new": shorter}))
        .await
        .ok(200);
    assert_eq!(diff["changes"][0]["kind"], "notice_period_shortened");
    assert_eq!(diff["changes"][0]["material"], true);
}

/// A bad `effective_at` is named for what it must be, and a leap second is
/// refused rather than moved to :59.
#[tokio::test]
async fn a_bad_effective_time_says_it_must_be_rfc_3339() {
    let app = spawn_app().await;
    for bad in [
        "2027-13-01T00:00:00Z",
        "2027-01-01T24:00:00Z",
        "2027-06-30T23:59:60Z",
    ] {
        let reply = app
            .put(
                "/v1/policy",
                &app.dpo,
                json!({"source": EXAMPLE_POLICY, "effective_at": bad}),
            )
            .await;
        assert_eq!(reply.status.as_u16(), 422, "{bad}: {}", reply.text);
        assert!(reply.text.contains("RFC 3339"), "{bad}: {}", reply.text);
    }
}

/// The example policy without the `invoice` category (and its hold).
fn without_invoice() -> String {
    let text = EXAMPLE_POLICY
        .replace(
            "[[category]]\nid = \"invoice\"\ndescription = \"Invoices and payment records\"\ntaxonomy = \"user.financial\"\n",
            "",
        )
        .replace(", \"invoice\"", "");
    assert!(
        !text.contains("\"invoice\""),
        "the fixture removed every use"
    );
    text
}

/// Art. 17(3)(b), 13, 30: records kept under a statutory hold after an
/// erasure are stored records too. A version dropping their category (and
/// its hold) would leave them with no purpose to serve the law and no
/// notice naming them; an outside probe published one.
#[tokio::test]
async fn a_category_whose_records_are_held_cannot_be_dropped() {
    let app = spawn_app().await;
    let invoice = json!([{"category": "invoice", "value": "INV-1 100 EUR"}]);
    let id = app.subject("customer", "billing", invoice).await;
    app.delete(&format!("/v1/subjects/{id}"), &app.dpo)
        .await
        .ok(204);
    let held = app
        .get(
            &format!("/v1/subjects/{id}/records?purpose=billing"),
            &app.service,
        )
        .await
        .ok(200);
    assert!(
        held.to_string().contains("INV-1"),
        "the invoice is held: {held}"
    );

    let body = app
        .put("/v1/policy", &app.dpo, json!({"source": without_invoice()}))
        .await
        .error(409, "E_CATEGORY_IN_USE");
    assert!(body.to_string().contains("'invoice'"), "{body}");
    app.get(
        &format!("/v1/subjects/{id}/records?purpose=billing"),
        &app.service,
    )
    .await
    .ok(200);
}

/// The example policy with its statutory hold narrowed to `iban`.
fn hold_without_invoice() -> String {
    let text = EXAMPLE_POLICY.replace(
        "[[hold]]\ncategories = [\"iban\", \"invoice\"]",
        "[[hold]]\ncategories = [\"iban\"]",
    );
    assert_ne!(text, EXAMPLE_POLICY);
    text
}

/// The example policy with its statutory hold cut to one year.
fn hold_of_one_year() -> String {
    let text = EXAMPLE_POLICY.replace("keep = \"10 years\"", "keep = \"1 year\"");
    assert_ne!(text, EXAMPLE_POLICY);
    text
}

/// Art. 13, 17(3)(b), 30: while records are kept under a statutory hold,
/// a version may neither take their category out of the hold nor shorten
/// it: they would stay held for the old law and period while the notice
/// said otherwise (an outside probe published both). With nothing held,
/// the same versions are accepted.
#[tokio::test]
async fn a_hold_that_keeps_records_cannot_be_narrowed_or_shortened() {
    let app = spawn_app().await;
    for source in [hold_without_invoice(), hold_of_one_year()] {
        let before = app.get("/v1/policy/versions", &app.dpo).await.ok(200);
        let invoice = json!([{"category": "invoice", "value": "INV-1 100 EUR"}]);
        let id = app.subject("customer", "billing", invoice).await;
        app.delete(&format!("/v1/subjects/{id}"), &app.dpo)
            .await
            .ok(204);
        let body = app
            .put("/v1/policy", &app.dpo, json!({"source": source}))
            .await
            .error(409, "E_HOLD_IN_USE");
        assert!(body.to_string().contains("'invoice'"), "{body}");
        assert_eq!(
            app.get("/v1/policy/versions", &app.dpo).await.ok(200),
            before,
            "nothing published"
        );
    }
    let fresh = spawn_app().await;
    fresh
        .put(
            "/v1/policy",
            &fresh.dpo,
            json!({"source": hold_without_invoice()}),
        )
        .await
        .ok(201);
}
