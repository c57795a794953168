//! Signed consent receipts (Art. 7(1)): the subject's proof of what it
//! agreed to, checkable later with the tenant's published receipt key
//! alone (see [`crate::consent::receipt`] for the format).

use crate::audit::{Action, Outcome};
use crate::consent::ConsentError;
use crate::consent::receipt::{self, Receipt};
use crate::consent::receipt_build::{ReceiptInput, build};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::ids::{ConsentId, SubjectId, TenantId};
use crate::lawful;
use crate::principal::{Act, Principal};
use crate::store::{Change, RecordFilter};
use uuid::Uuid;

/// A receipt with its compact JWS and the key that signed it.
#[derive(Debug, Clone)]
pub struct SignedReceipt {
    /// The receipt, as signed.
    pub receipt: Receipt,
    /// The compact JWS (header.payload.signature).
    pub jws: String,
    /// The tenant's receipt public key.
    pub public_key: [u8; 32],
}

impl Engine {
    /// The tenant's consent-receipt public key (not secret): what a
    /// subject or a regulator checks a receipt against.
    pub fn receipt_public_key(&self, tenant: &TenantId) -> [u8; 32] {
        self.master.receipt_key(tenant.as_str()).public_key()
    }

    /// A signed receipt for grant `consent` of `subject`, with the
    /// purpose's status history as of now; the issue is audited.
    pub async fn consent_receipt(
        &self,
        who: &Principal,
        subject: SubjectId,
        consent: ConsentId,
    ) -> Result<SignedReceipt, EngineError> {
        who.require(Act::ManageConsent)?;
        let view = self.live_subject(who, subject, RecordFilter::None).await?;
        let grant = view
            .consents
            .iter()
            .find(|c| c.id == consent)
            .ok_or(ConsentError::NotFound)?;
        who.require_purpose(&grant.purpose)?;
        if !grant.granted {
            return Err(ConsentError::NotAGrant.into());
        }
        let policy = self
            .policy_version(&who.tenant, grant.policy_version)
            .await?;
        let purpose = lawful::declared_purpose(&policy, &grant.purpose)?;
        let receipt_id = Uuid::new_v4().to_string();
        let receipt = build(
            &policy,
            purpose,
            ReceiptInput {
                tenant: who.tenant.as_str(),
                receipt_id: &receipt_id,
                grant,
                ledger: &view.consents,
                now: self.clock.now(),
            },
        );
        let key = self.master.receipt_key(who.tenant.as_str());
        let public_key = key.public_key();
        let jws = receipt::sign(&receipt, &public_key, |m| key.sign(m))
            .map_err(|_| EngineError::Render)?;
        let event = self.event(
            who,
            Action::ConsentReceipt,
            Some(grant.purpose.as_str()),
            Some(subject),
            format!("consent={consent} receipt={receipt_id}"),
            Outcome::Allowed,
        );
        self.commit(&who.tenant, Change::audit_only(vec![event]))
            .await?;
        Ok(SignedReceipt {
            receipt,
            jws,
            public_key,
        })
    }
}
