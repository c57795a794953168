//! Requests an erasure leaves nothing to act on (Art. 12(3)): closed in
//! the erasure's own commit, so none falls overdue unanswerable.

use super::requests::request_update;
use crate::engine::Engine;
use crate::error::EngineError;
use crate::ids::{SubjectId, TenantId};
use crate::requests::{KindTag, Reason, RequestState};
use crate::store::Write;

/// What an erasure writes on the refusal of a request it leaves nothing to
/// act on; replaced at once, with every staff note, by the erasure marker.
const MOOT_REASON: &str = "the person's data was erased before this request was answered";

impl Engine {
    /// The subject's open requests an erasure leaves nothing to act on,
    /// closed in the erasure's own commit (refused) so that none falls
    /// overdue unanswerable: every open request but an erasure (this one,
    /// or one fulfilled later with nothing left to do) and, while held
    /// records remain, an access request (Art. 15 still covers them).
    /// `moving_to_hold`: the erasure itself moves records under a hold.
    pub(crate) async fn close_moot_requests(
        &self,
        tenant: &TenantId,
        subject: SubjectId,
        moving_to_hold: bool,
    ) -> Result<Vec<Write>, EngineError> {
        let held_remain = moving_to_hold
            || !self
                .store
                .subject_holds(tenant, subject)
                .await?
                .records
                .is_empty();
        let reason = Reason::parse("reason", MOOT_REASON)?;
        let now = self.clock.now();
        let open = self.store.open_requests_of(tenant, subject).await?;
        Ok(open
            .iter()
            .filter(|r| match r.kind {
                KindTag::Erasure => false,
                KindTag::Access => !held_remain,
                _ => true,
            })
            .map(|row| {
                let mut next = row.clone();
                next.state = RequestState::Refused;
                next.refusal_reason = Some(reason.clone());
                next.closed_at = Some(now);
                next.code.hash = None;
                request_update(row, next)
            })
            .collect())
    }
}
