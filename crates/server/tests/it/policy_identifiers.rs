//! A category's `identifier` setting across policy versions (Art. 5(1)(d)):
//! it cannot change while the category holds records, and while a version
//! that changes it is pending, no record of the category is stored.

use crate::helpers::spawn_app;
use jiff::SignedDuration;
use serde_json::json;
use tutela_policy::EXAMPLE_POLICY;

/// Art. 5(1)(d), 15, 17: `identifier` cannot be switched on or off for a
/// category that holds records. Switched on, the stored phone numbers were
/// never indexed: a lookup misses them and a second subject could take the
/// same number. Switched off and on again, two people would hold one
/// identifier and a lookup (how a request finds a person) would return one
/// of them. An outside probe did both. With no record held, it may change,
/// and the diff calls it what it is.
#[tokio::test]
async fn identifier_cannot_change_on_a_category_that_holds_records() {
    let app = spawn_app().await;
    let phone_identifier = EXAMPLE_POLICY.replace(
        "taxonomy = \"user.contact.phone_number\"\n",
        "taxonomy = \"user.contact.phone_number\"\nidentifier = true\n",
    );
    assert_ne!(phone_identifier, EXAMPLE_POLICY, "the fixture changed");
    let diff = app
        .post(
            "/v1/policy/diff",
            &app.dpo,
            json!({"new": phone_identifier}),
        )
        .await
        .ok(200);
    let kinds: Vec<(&str, bool)> = diff["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap(),
                c["material"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(kinds, [("category_now_identifier", true)], "{diff}");

    let records = json!([{"category": "phone", "value": "+44 20 7946 0000"}]);
    app.subject("customer", "account", records).await;
    let now = tutela_engine::clock::Clock::now(app.clock.as_ref());
    let effective = (now + SignedDuration::from_hours(31 * 24)).to_string();
    let body = app
        .put(
            "/v1/policy",
            &app.dpo,
            json!({"source": phone_identifier, "effective_at": effective}),
        )
        .await
        .error(409, "E_IDENTIFIER_IN_USE");
    assert!(body.to_string().contains("'phone'"), "{body}");
    assert_eq!(
        app.get("/v1/policy", &app.dpo).await.ok(200)["version"],
        1,
        "nothing was published"
    );

    // The other way: email is an identifier and holds a record.
    app.subject(
        "customer",
        "account",
        json!([{"category": "email", "value": "ada@example.com"}]),
    )
    .await;
    let email_plain = EXAMPLE_POLICY.replace(
        "taxonomy = \"user.contact.email\"\nidentifier = true\n",
        "taxonomy = \"user.contact.email\"\n",
    );
    assert_ne!(email_plain, EXAMPLE_POLICY, "the fixture changed");
    app.put("/v1/policy", &app.dpo, json!({"source": email_plain}))
        .await
        .error(409, "E_IDENTIFIER_IN_USE");
}

/// While a version that makes `iban` an identifier waits out its notice
/// period, no IBAN is stored: stored meanwhile, it would not be indexed
/// once the version applies, so a lookup would miss that person and a
/// second one could take the same IBAN (an outside probe did so). Once
/// the version is in force, IBANs are stored and found.
#[tokio::test]
async fn no_record_is_stored_while_its_identifier_setting_is_pending() {
    let app = spawn_app().await;
    let iban_identifier = EXAMPLE_POLICY.replace(
        "taxonomy = \"user.financial.bank_account\"\n",
        "taxonomy = \"user.financial.bank_account\"\nidentifier = true\n",
    );
    assert_ne!(iban_identifier, EXAMPLE_POLICY, "the fixture changed");
    let now = tutela_engine::clock::Clock::now(app.clock.as_ref());
    let effective = now + SignedDuration::from_hours(31 * 24);
    app.put(
        "/v1/policy",
        &app.dpo,
        json!({"source": iban_identifier, "effective_at": effective.to_string()}),
    )
    .await
    .ok(201);
    let iban = json!([{"category": "iban", "value": "DE89370400440532013000"}]);
    let create = json!({"kind": "customer", "purpose": "billing", "records": iban});
    let body = app
        .post("/v1/subjects", &app.service, create.clone())
        .await
        .error(409, "E_IDENTIFIER_CHANGING");
    assert!(body.to_string().contains("'iban'"), "{body}");
    let someone = app
        .subject(
            "customer",
            "billing",
            json!([{"category": "name", "value": "Ada"}]),
        )
        .await;
    app.post(
        &format!("/v1/subjects/{someone}/records"),
        &app.service,
        json!({"purpose": "billing", "records": iban}),
    )
    .await
    .error(409, "E_IDENTIFIER_CHANGING");

    app.clock.set(effective + SignedDuration::from_secs(1));
    let stored = app.post("/v1/subjects", &app.service, create).await.ok(201);
    let found = app
        .post(
            "/v1/subjects/lookup",
            &app.service,
            json!({"category": "iban", "value": "DE89370400440532013000"}),
        )
        .await
        .ok(200);
    assert_eq!(found["id"], stored["id"]);
}
