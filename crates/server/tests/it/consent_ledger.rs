//! A subject's consent ledger seen from its edges: an erasure deletes its
//! unsubscribe links, and its banner view follows the ledger whatever way
//! a consent was given or withdrawn.

use crate::consent_proof::{TEXT, choice, choose, customer, publish_extra, unsubscribe};
use crate::helpers::{Reply, TestApp, spawn_app};
use serde_json::json;

/// An erasure deletes the subject's unsubscribe links: each names the
/// subject and a purpose, and nothing is left for it to end. An old link
/// then gets the answer any unknown link gets.
#[tokio::test]
async fn an_erasure_deletes_the_subjects_unsubscribe_links() {
    let app = spawn_app().await;
    publish_extra(&app).await;
    let id = customer(&app).await;
    let links = format!("/v1/subjects/{id}/unsubscribe-links");
    let token = app
        .post(&links, &app.service, json!({"purpose": "product_news"}))
        .await
        .ok(201)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let count = || async {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&app.db_path)
            .read_only(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        let n: i64 =
            sqlx::query_scalar("SELECT count(*) FROM unsubscribe_links WHERE subject_id = ?1")
                .bind(&id)
                .fetch_one(&pool)
                .await
                .unwrap();
        pool.close().await;
        n
    };
    assert_eq!(count().await, 1);
    app.delete(&format!("/v1/subjects/{id}"), &app.dpo)
        .await
        .ok(204);
    assert_eq!(count().await, 0);
    let fake = format!("acme.{}", "A".repeat(43));
    assert_eq!(
        unsubscribe(&app, &token).await,
        unsubscribe(&app, &fake).await
    );
}

/// A known subject's consents are choices however they were given: a
/// grant through the consent API that a GPC signal ends shows as a
/// conflict, and a withdrawal through the API shows as the explicit
/// choice (before, the banner view knew only banner choices).
#[tokio::test]
async fn the_banner_view_of_a_known_subject_follows_its_consent_ledger() {
    let app = spawn_app().await;
    let id = customer(&app).await;
    let path = format!("/v1/subjects/{id}/choices");
    app.post(
        &format!("/v1/subjects/{id}/consents"),
        &app.service,
        json!({"purpose": "newsletter", "text": TEXT}),
    )
    .await
    .ok(201);
    app.advance_hours(1);
    let (status, signalled) = choose(&app, &path, true, json!({"choices": []})).await;
    assert_eq!(status, 200, "{signalled}");
    let newsletter = choice(&signalled, "newsletter");
    assert_eq!(newsletter["allowed"], false, "{signalled}");
    assert_eq!(newsletter["explicit"], true, "{signalled}");
    let conflicts = signalled["conflicts"].as_array().unwrap();
    assert!(
        conflicts.iter().any(|c| c["purpose"] == "newsletter"),
        "{signalled}"
    );
    // The person's own "no" after the signal goes on the ledger and
    // answers the conflict (it was refused as "not live" before).
    app.advance_hours(1);
    withdraw_newsletter(&app, &id).await.ok(201);
    let answered = app.get(&path, &app.service).await.ok(200);
    assert_eq!(
        choice(&answered, "newsletter")["explicit"],
        false,
        "{answered}"
    );
    assert_eq!(answered["conflicts"], json!([]), "{answered}");
    // A second withdrawal has nothing to withdraw.
    withdraw_newsletter(&app, &id)
        .await
        .error(409, "E_CONSENT_NOT_LIVE");

    // A banner grant, then a withdrawal through the API: the view says
    // the latest explicit choice is "no".
    app.advance_hours(1);
    let grant = json!({"choices": [{"purpose": "newsletter", "granted": true}]});
    let (_, granted) = choose(&app, &path, false, grant).await;
    assert_eq!(choice(&granted, "newsletter")["allowed"], true, "{granted}");
    app.advance_hours(1);
    withdraw_newsletter(&app, &id).await.ok(201);
    let view = app.get(&path, &app.service).await.ok(200);
    let newsletter = choice(&view, "newsletter");
    assert_eq!(newsletter["allowed"], false, "{view}");
    assert_eq!(newsletter["explicit"], false, "{view}");
}

/// Withdraws the newsletter consent through the consent API.
async fn withdraw_newsletter(app: &TestApp, id: &str) -> Reply {
    app.post(
        &format!("/v1/subjects/{id}/consents/withdraw"),
        &app.service,
        json!({"purpose": "newsletter"}),
    )
    .await
}
