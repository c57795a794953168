//! `tutela requests death SUBJECT`: record a subject's death as the
//! tenant's DPO and apply their latest registered directive for after
//! death in the same commit (keep, erase, or hand the access answer to the
//! person they named, fetched with `tutela requests answer DIRECTIVE`).

use crate::context::engine_error;
use anyhow::Result;
use std::io::Write;
use tutela_engine::Engine;
use tutela_engine::death::Applied;
use tutela_engine::ids::SubjectId;
use tutela_engine::principal::Principal;
use tutela_engine::requests::Reason;

/// Records the death and says what was applied.
pub async fn record(
    engine: &Engine,
    who: &Principal,
    subject: SubjectId,
    note: Option<Reason>,
    out: &mut impl Write,
) -> Result<()> {
    let row = engine
        .record_death(who, subject, note)
        .await
        .map_err(engine_error)?;
    let what = match (row.applied, row.directive) {
        (Applied::None, _) | (_, None) => {
            "no directive was registered; the data is kept as the policy says".to_owned()
        }
        (Applied::Keep, Some(id)) => {
            format!("directive {id} (keep) applied; the data is kept as the policy says")
        }
        (Applied::Erase, Some(id)) => {
            format!("directive {id} (erase) applied; the subject is erased")
        }
        (Applied::HandTo, Some(id)) => format!(
            "directive {id} (hand_to) applied; `tutela requests answer --tenant {tenant} {id}` hands the data over",
            tenant = who.tenant
        ),
    };
    writeln!(out, "Recorded the death of subject {subject}: {what}.")?;
    Ok(())
}
