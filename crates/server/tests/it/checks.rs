//! Checks in passing (data of a category declared `storable = false`): the
//! purpose check runs and nothing but the audit entry is kept; refusals
//! are audited like refused reads; a stored category is not checked this
//! way.

use crate::helpers::{TestApp, spawn_app};
use serde_json::{Value, json};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};

/// Publishes the example policy with `typing`, a category processed in
/// passing for the account and never stored.
async fn with_typing(app: &TestApp) {
    let source = tutela_policy::EXAMPLE_POLICY.replace(
        "[[subject_kind]]\nid = \"agent\"",
        "[[category]]\nid = \"typing\"\ndescription = \"Typing rhythm, checked in passing\"\ntaxonomy = \"user.behavior\"\nstorable = false\n\n[[subject_kind]]\nid = \"agent\"",
    );
    let source = source.replace(
        "categories = [\"email\", \"name\", \"phone\", \"external_id\"]\nessential = true",
        "categories = [\"email\", \"name\", \"phone\", \"external_id\", \"typing\"]\nessential = true",
    );
    app.publish_in_force(&source).await;
}

/// Every row of every table but the audit chain's, as text, in a stable
/// order.
async fn everything_but_the_audit(app: &TestApp) -> Vec<String> {
    let options = SqliteConnectOptions::new()
        .filename(&app.db_path)
        .read_only(true);
    let pool = SqlitePool::connect_with(options).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'audit%' AND name NOT LIKE 'sqlite%' ORDER BY name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(tables.iter().any(|t| t == "records") && tables.len() > 10);
    let mut rows = Vec::new();
    for table in tables {
        let columns: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT name FROM pragma_table_info('{table}')"
        )))
        .fetch_all(&pool)
        .await
        .unwrap();
        let quoted: Vec<String> = columns.iter().map(|c| format!("quote({c})")).collect();
        let select = format!(
            "SELECT '{table}:' || {} FROM {table} ORDER BY 1",
            quoted.join(" || '|' || ")
        );
        let found: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(select))
            .fetch_all(&pool)
            .await
            .unwrap();
        rows.extend(found);
    }
    pool.close().await;
    rows
}

async fn check(app: &TestApp, token: &str, subject: &str, body: Value) -> crate::helpers::Reply {
    app.post(&format!("/v1/subjects/{subject}/checks"), token, body)
        .await
}

#[tokio::test]
async fn a_check_in_passing_keeps_nothing_but_its_audit_entry() {
    let app = spawn_app().await;
    with_typing(&app).await;
    let subject = crate::requests::customer(&app).await;
    let before = everything_but_the_audit(&app).await;
    let entries = app.audit_len().await;
    let allowed = check(
        &app,
        &app.service,
        &subject,
        json!({"category": "typing", "purpose": "account"}),
    )
    .await
    .ok(200);
    assert_eq!(allowed["allowed"], true);
    assert_eq!(allowed["category"], "typing");
    assert_eq!(everything_but_the_audit(&app).await, before);
    assert_eq!(app.audit_len().await, entries + 1);
    let entry = app.last_audit().await;
    assert_eq!(entry["action"], "subject.check");
    assert_eq!(entry["purpose"], "account");
    assert_eq!(entry["subject"], subject.as_str());
    assert_eq!(entry["outcome"], "allowed");
    app.assert_chain_intact().await;
}

#[tokio::test]
async fn a_refused_check_is_audited_and_a_bad_one_changes_nothing() {
    let app = spawn_app().await;
    with_typing(&app).await;
    let subject = crate::requests::customer(&app).await;
    let before = everything_but_the_audit(&app).await;
    let entries = app.audit_len().await;
    // A stored category is read for its purpose, not checked in passing.
    check(
        &app,
        &app.service,
        &subject,
        json!({"category": "email", "purpose": "account"}),
    )
    .await
    .error(400, "E_CATEGORY_STORED");
    check(
        &app,
        &app.service,
        &subject,
        json!({"category": "shoe_size", "purpose": "account"}),
    )
    .await
    .error(400, "E_CATEGORY_NOT_DECLARED");
    let reply = check(
        &app,
        &app.service,
        &subject,
        json!({"category": "typing", "purpose": "account", "extra": 1}),
    )
    .await;
    assert!(reply.status.is_client_error(), "{}", reply.text);
    assert_eq!(app.audit_len().await, entries, "malformed: no trace");
    // A purpose that does not cover it is refused and audited.
    check(
        &app,
        &app.service,
        &subject,
        json!({"category": "typing", "purpose": "support"}),
    )
    .await
    .error(403, "E_CATEGORY_NOT_IN_PURPOSE");
    let entry = app.last_audit().await;
    assert_eq!(entry["action"], "subject.check");
    assert_eq!(entry["outcome"], "denied:E_CATEGORY_NOT_IN_PURPOSE");
    // A key scoped to another purpose cannot check for this one.
    let reply = check(
        &app,
        &app.scoped,
        &subject,
        json!({"category": "typing", "purpose": "account"}),
    )
    .await;
    assert_eq!(reply.status, 403, "{}", reply.text);
    assert_eq!(everything_but_the_audit(&app).await, before);
}
