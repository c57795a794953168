//! Fulfilling a transfer request (Art. 20(2)): the subject's portable data,
//! the same JSON a portability request hands over, is pushed to the URL
//! the subject gave, through the engine's [`Transferrer`]. The URL is
//! opened from the request's sealed detail for this push only and never
//! reaches a log, an error or the audit chain.
//!
//! A push that succeeds returns the audit entry to commit with the
//! request's `fulfilled` update. A push that fails is put on the chain at
//! once (the request stays `verified`) and the caller gets why. A crash
//! between a successful push and the commit means the next fulfilment
//! pushes again with the same `webhook-id` (the request id), so the
//! receiver can drop the repeat.
//!
//! [`Transferrer`]: crate::transfer::Transferrer

use super::requests::request_detail;
use crate::audit::{Action, Outcome};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::principal::Principal;
use crate::requests::{RequestError, RequestRow};
use crate::store::Change;
use crate::transfer::{Push, PushError};

impl Engine {
    /// Pushes the portable data of a verified transfer request; on success
    /// the change (the transfer's audit entry: status and size, no URL) to
    /// commit with the fulfilment.
    pub(crate) async fn plan_transfer(
        &self,
        who: &Principal,
        row: &RequestRow,
    ) -> Result<Change, EngineError> {
        let url = self.open_detail(who, row).await?;
        let data = self.portable_data(who, row.subject).await?;
        let body = serde_json::to_vec(&data).map_err(|_| EngineError::Render)?;
        let push = Push {
            url: url.as_str(),
            request: row.id,
            body: &body,
            at: self.clock.now(),
        };
        match self.transferrer.push(&push).await {
            Ok(status) => {
                let detail = format!(
                    "{} status={status} bytes={}",
                    request_detail(row),
                    body.len()
                );
                Ok(Change::audit_only(vec![self.event(
                    who,
                    Action::RequestTransfer,
                    None,
                    Some(row.subject),
                    detail,
                    Outcome::Allowed,
                )]))
            }
            Err(failure) => Err(self.transfer_failed(who, row, failure).await),
        }
    }

    /// Records a failed push on the chain (why, never the URL) and hands
    /// back the caller's error.
    async fn transfer_failed(
        &self,
        who: &Principal,
        row: &RequestRow,
        failure: PushError,
    ) -> EngineError {
        let err = match failure {
            PushError::Refused(why) => RequestError::TransferRefused(why),
            PushError::Failed(why) => RequestError::TransferFailed(why),
        };
        let detail = format!("{} bytes=0", request_detail(row));
        let event = self.event(
            who,
            Action::RequestTransfer,
            None,
            Some(row.subject),
            detail,
            Outcome::Denied(err.code()),
        );
        match self
            .commit(&who.tenant, Change::audit_only(vec![event]))
            .await
        {
            Ok(()) => err.into(),
            Err(audit_failure) => audit_failure,
        }
    }
}
