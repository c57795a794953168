//! Handing a verified access or portability request its data: the Art. 15
//! answer or the Art. 20 export of the request's own subject, decrypted for
//! this hand-over only and audited like any other access. A registered
//! `hand_to` directive is answered the same way once the subject's death
//! is recorded and applied it, naming the person it is for.

use crate::answer::{AccessAnswer, PortableData};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::ids::RequestId;
use crate::principal::Principal;
use crate::requests::{KindTag, RequestError, RequestRow, RequestState};

/// The data a request is answered with.
#[derive(Debug, Clone)]
pub enum RequestAnswer {
    /// For an access request: everything Art. 15 entitles the subject to.
    Access(Box<AccessAnswer>),
    /// For a portability request: what the subject provided under consent
    /// or contract (Art. 20(1)(a)).
    Portable(PortableData),
    /// For a `hand_to` directive applied at the subject's death: the
    /// access answer, for the person the subject named (national law on
    /// the data of the deceased).
    HandedOver {
        /// The person the subject named (opened from the sealed detail).
        person: String,
        /// When the death was recorded.
        death_recorded_at: jiff::Timestamp,
        /// The subject's access answer.
        answer: Box<AccessAnswer>,
    },
}

/// Whether a request standing at `state` may be answered with data now:
/// only once the subject's identity is verified (Art. 12(6)), and never
/// after a refusal or as a duplicate, which hand nothing over.
fn answerable(state: RequestState) -> Result<(), RequestError> {
    match state {
        RequestState::Verified | RequestState::Fulfilled => Ok(()),
        RequestState::Received => Err(RequestError::NotVerified),
        from @ (RequestState::Refused | RequestState::Duplicate) => {
            Err(RequestError::InvalidTransition {
                from,
                action: "answered",
            })
        }
    }
}

impl Engine {
    /// The data an access or portability request hands over, for the
    /// request's subject and no other: the DPO fetches it once the request
    /// is verified, before or after marking it fulfilled. Audited as
    /// `subject.access` or `subject.export`.
    pub async fn request_answer(
        &self,
        who: &Principal,
        id: RequestId,
    ) -> Result<RequestAnswer, EngineError> {
        let row = self.request(who, id).await?;
        answerable(row.state)?;
        match row.kind {
            KindTag::Access => Ok(RequestAnswer::Access(Box::new(
                self.access_answer(who, row.subject).await?,
            ))),
            KindTag::Portability => Ok(RequestAnswer::Portable(
                self.portable_data(who, row.subject).await?,
            )),
            KindTag::Directive => self.handed_over(who, &row).await,
            other => Err(RequestError::NoAnswer(other.as_str()).into()),
        }
    }
}

impl Engine {
    /// The answer of a registered directive: only after the death is
    /// recorded, and only for the `hand_to` directive the death applied.
    async fn handed_over(
        &self,
        who: &Principal,
        row: &RequestRow,
    ) -> Result<RequestAnswer, EngineError> {
        let death = self
            .store
            .death_of(&who.tenant, row.subject)
            .await?
            .ok_or(RequestError::NotDeceased)?;
        // A directive never registered (not fulfilled) was not applied
        // either: the death is recorded, so say that, not "not deceased".
        if row.state != RequestState::Fulfilled || !crate::death::hands_over(&death, row.id) {
            return Err(RequestError::DirectiveNotApplied.into());
        }
        let person = self.open_detail(who, row).await?;
        let answer = self.access_answer(who, row.subject).await?;
        Ok(RequestAnswer::HandedOver {
            person,
            death_recorded_at: death.recorded_at,
            answer: Box::new(answer),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_verified_or_fulfilled_request_hands_data_over() {
        assert_eq!(answerable(RequestState::Verified), Ok(()));
        assert_eq!(answerable(RequestState::Fulfilled), Ok(()));
        assert_eq!(
            answerable(RequestState::Received),
            Err(RequestError::NotVerified)
        );
        for closed in [RequestState::Refused, RequestState::Duplicate] {
            let err = answerable(closed).unwrap_err();
            assert_eq!(err.code(), "E_INVALID_TRANSITION", "{closed:?}");
        }
    }
}
