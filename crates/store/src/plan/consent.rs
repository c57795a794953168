//! The steps of consent texts, unsubscribe links and banner choices. A
//! link is about a subject, so it first requires the subject live; texts
//! and choices are not (a text is the controller's wording, a visitor is
//! anonymous).

use super::{
    Exec, Expect, Step, Value, exec, exec_expecting, of_subject, require_live, same_tenant,
};
use crate::error::{Names, internal};
use crate::rows::micros;
use crate::sql;
use std::borrow::Cow;
use tutela_engine::consent::proof::hash_hex;
use tutela_engine::ids::TenantId;
use tutela_engine::store::{MAX_CHOICES_DELETED, StoreError, Write};

const TEXT: Names = Names {
    conflict: "consent text",
    missing: "consent text",
};
const CHOICE: Names = Names {
    conflict: "choice",
    missing: "choice",
};

/// The steps of one consent-related write.
pub(super) fn steps(
    steps: &mut Vec<Step>,
    tenant: &TenantId,
    write: &Write,
) -> Result<(), StoreError> {
    let t = tenant.as_str();
    match write {
        Write::InsertConsentText(row) => {
            same_tenant(tenant, &row.tenant)?;
            let args = vec![
                t.into(),
                hash_hex(&row.hash).into(),
                row.body.as_str().into(),
                micros(row.stored_at).into(),
            ];
            steps.push(exec(sql::INSERT_CONSENT_TEXT, args, TEXT));
        }
        Write::InsertUnsubscribeLink(row) => {
            same_tenant(tenant, &row.tenant)?;
            steps.push(require_live(tenant, &row.subject));
            let args = vec![
                t.into(),
                hash_hex(&row.token_hash).into(),
                row.subject.to_string().into(),
                row.purpose.as_str().into(),
                micros(row.created_at).into(),
                row.used_at.map(micros).into(),
            ];
            steps.push(exec(
                sql::INSERT_UNSUBSCRIBE_LINK,
                args,
                of_subject("unsubscribe link"),
            ));
        }
        Write::UseUnsubscribeLink {
            token_hash,
            at,
            seen,
        } => {
            let args = vec![
                t.into(),
                hash_hex(token_hash).into(),
                micros(*at).into(),
                seen.map_or(-1, micros).into(),
            ];
            // Hitting no row means another use got there first: the whole
            // change (its withdrawal or objection) is not committed twice.
            steps.push(exec_expecting(
                sql::USE_UNSUBSCRIBE_LINK,
                args,
                of_subject("unsubscribe link"),
                Expect::Row("unsubscribe link"),
            ));
        }
        Write::InsertVisitorChoices(rows) => {
            for row in rows {
                same_tenant(tenant, &row.tenant)?;
                let args = vec![
                    t.into(),
                    row.id.to_string().into(),
                    row.visitor.key().into(),
                    row.purpose.as_str().into(),
                    row.granted.into(),
                    row.gpc.into(),
                    micros(row.at).into(),
                ];
                steps.push(exec(sql::INSERT_VISITOR_CHOICE, args, CHOICE));
            }
        }
        Write::DeleteVisitorChoices { before, ids } => {
            if ids.len() > MAX_CHOICES_DELETED {
                return Err(internal("apply", "too many banner choices in one write"));
            }
            if !ids.is_empty() {
                let mut args = Vec::with_capacity(ids.len() + 2);
                args.push(t.into());
                args.push(micros(*before).into());
                args.extend(ids.iter().map(|id| Value::from(id.to_string())));
                steps.push(Step::Exec(Exec {
                    sql: Cow::Owned(sql::in_list(sql::DELETE_VISITOR_CHOICES_IN, ids.len())),
                    args,
                    names: CHOICE,
                    expect: Expect::Any,
                }));
            }
        }
        _ => return Err(internal("apply", "not a consent write")),
    }
    Ok(())
}
