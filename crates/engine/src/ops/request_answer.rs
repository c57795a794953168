//! Handing a verified access or portability request its data: the Art. 15
//! answer or the Art. 20 export of the request's own subject, decrypted for
//! this hand-over only and audited like any other access.

use crate::answer::{AccessAnswer, PortableData};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::ids::RequestId;
use crate::principal::Principal;
use crate::requests::{KindTag, RequestError, RequestState};

/// The data a request is answered with.
#[derive(Debug, Clone)]
pub enum RequestAnswer {
    /// For an access request: everything Art. 15 entitles the subject to.
    Access(Box<AccessAnswer>),
    /// For a portability request: what the subject provided under consent
    /// or contract (Art. 20(1)(a)).
    Portable(PortableData),
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
            other => Err(RequestError::NoAnswer(other.as_str()).into()),
        }
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
