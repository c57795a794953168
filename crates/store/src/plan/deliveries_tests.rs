//! Plans of notice and endpoint writes: a notice is one insert of every
//! column, an outcome must hit a pending notice, an endpoint delete must
//! hit a row, and a row naming another tenant is refused.

use super::*;
use tutela_engine::deliveries::{
    AttemptOutcome, DeliveryRow, DeliveryState, EndpointRow, NoticeKind,
};
use tutela_engine::ids::DeliveryId;
use tutela_policy::{CategoryId, RecipientId};

fn at() -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_800_000_000).unwrap()
}

fn row(tenant: &str) -> DeliveryRow {
    DeliveryRow {
        tenant: TenantId::parse(tenant).unwrap(),
        id: DeliveryId::new(),
        recipient: RecipientId::parse("helpdesk").unwrap(),
        kind: NoticeKind::SubjectErased,
        subject: SubjectId::new(),
        record: None,
        categories: vec![
            CategoryId::parse("email").unwrap(),
            CategoryId::parse("name").unwrap(),
        ],
        request: None,
        created_at: at(),
        state: DeliveryState::Pending,
        attempts: 0,
        next_attempt_at: at(),
        claimed_until: None,
        delivered_at: None,
        last_status: None,
    }
}

fn plan(write: Write) -> Result<Vec<Step>, StoreError> {
    let change = Change {
        writes: vec![write],
        audit: Vec::new(),
    };
    writes(&TenantId::parse("acme").unwrap(), &change)
}

fn only_exec(steps: &[Step]) -> &Exec {
    match steps {
        [Step::Exec(e)] => e,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_notice_is_one_insert_of_every_column() {
    let r = row("acme");
    let steps = plan(Write::InsertDelivery(r.clone())).unwrap();
    let e = only_exec(&steps);
    assert_eq!(e.sql, sql::INSERT_DELIVERY);
    assert_eq!(e.args.len(), sql::DELIVERY_COLUMN_COUNT);
    assert_eq!(e.args[6], Value::Text("email,name".into()));
    assert_eq!(e.args[5], Value::Null(Kind::Text));
    assert_eq!(e.args[9], Value::Text("pending".into()));
}

#[test]
fn an_outcome_must_find_its_notice_pending() {
    let outcome = AttemptOutcome {
        id: DeliveryId::new(),
        state: DeliveryState::Delivered,
        attempts: 1,
        next_attempt_at: at(),
        delivered_at: Some(at()),
        last_status: 204,
    };
    let steps = plan(Write::FinishDelivery(outcome)).unwrap();
    let e = only_exec(&steps);
    assert_eq!(e.sql, sql::FINISH_DELIVERY);
    assert_eq!(e.expect, Expect::Row("delivery"));
    assert_eq!(e.args[2], Value::Text("delivered".into()));
}

#[test]
fn endpoints_upsert_and_a_delete_must_hit_a_row() {
    let endpoint = EndpointRow {
        tenant: TenantId::parse("acme").unwrap(),
        recipient: RecipientId::parse("helpdesk").unwrap(),
        url: "https://crm.example/x".into(),
        sealed_secret: vec![1; 40],
        created_at: at(),
    };
    let steps = plan(Write::PutEndpoint(endpoint)).unwrap();
    assert_eq!(only_exec(&steps).sql, sql::PUT_ENDPOINT);
    let delete = Write::DeleteEndpoint {
        recipient: RecipientId::parse("helpdesk").unwrap(),
    };
    let steps = plan(delete).unwrap();
    assert_eq!(only_exec(&steps).expect, Expect::Row("endpoint"));
}

#[test]
fn rows_of_another_tenant_are_refused() {
    assert!(plan(Write::InsertDelivery(row("other"))).is_err());
}
