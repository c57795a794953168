//! Erasure as a guarantee: nothing of an erased subject survives, not even
//! a write that raced the erasure.

use crate::helpers::{TestApp, spawn_app};
use serde_json::json;
use std::sync::Arc;
use tutela_engine::ids::{SubjectId, TenantId};
use tutela_engine::store::{RecordFilter, Store};

/// Racing (write, erase) pairs.
const PAIRS: usize = 150;

fn email(n: usize) -> String {
    format!("racer-{n}@example.com")
}

/// A second store on the test's database file, to look at what is stored.
async fn look(app: &TestApp) -> Arc<dyn Store> {
    tutela_store::connect(&format!("sqlite://{}", app.db_path.display()))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hole_02_a_write_racing_an_erasure_leaves_nothing_behind() {
    let app = Arc::new(spawn_app().await);
    let mut ids = Vec::new();
    for n in 0..PAIRS {
        let name = json!([{"category": "name", "value": format!("Racer {n}")}]);
        ids.push(app.subject("customer", "account", name).await);
    }

    let mut tasks = Vec::new();
    for (n, id) in ids.iter().enumerate() {
        let write =
            json!({"purpose": "account", "records": [{"category": "email", "value": email(n)}]});
        let (a, b, id1, id2) = (app.clone(), app.clone(), id.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            let reply = a
                .post(&format!("/v1/subjects/{id1}/records"), &a.service, write)
                .await;
            match reply.status.as_u16() {
                201 => {}
                _ => {
                    reply.error(409, "E_SUBJECT_ERASED");
                }
            }
        }));
        tasks.push(tokio::spawn(async move {
            b.delete(&format!("/v1/subjects/{id2}"), &b.dpo)
                .await
                .ok(204);
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }

    let store = look(&app).await;
    let acme = TenantId::parse("acme").unwrap();
    for (n, id) in ids.iter().enumerate() {
        let subject = SubjectId::parse(id).unwrap();
        let view = store
            .subject_view(&acme, subject, RecordFilter::All)
            .await
            .unwrap()
            .unwrap();
        assert!(view.subject.erased_at.is_some());
        assert!(
            view.records.is_empty(),
            "pair {n}: {} record(s) of an erased subject survived",
            view.records.len()
        );
        let lookup = json!({"category": "email", "value": email(n)});
        app.post("/v1/subjects/lookup", &app.service, lookup)
            .await
            .error(404, "E_SUBJECT_NOT_FOUND");
        // The identifier is free for someone else.
        app.subject(
            "customer",
            "account",
            json!([{"category": "email", "value": email(n)}]),
        )
        .await;
    }
    app.assert_chain_intact().await;
}
