//! The engine's side of statutory holds (Art. 17(3)(b), 18(1)): at an
//! erasure, or when a retention sweep finds a live subject's record due,
//! the records a law requires keeping are opened with the subject's key
//! and sealed again under a fresh key of their hold, in the change that
//! drops them from the subject; afterwards they are opened with the hold's
//! key, for a legal-obligation purpose covering them or for the subject's
//! own access only, whether the subject is erased or still live. The
//! decisions are the pure ones of [`crate::holds`].

use super::records::{PlainRecord, category_list, check_asked, open_records, unwrap_key};
use crate::answer::{HeldNote, held_notes};
use crate::audit::{Action, Outcome};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::holds::{self, HeldRecordRow, HoldRow, SubjectHolds};
use crate::ids::{HoldId, SubjectId, TenantId};
use crate::principal::Principal;
use crate::store::{Change, RecordFilter, SubjectView, Write};
use jiff::Timestamp;
use tutela_policy::{CategoryId, Policy, PurposeId};
use tutela_vault::{DataKey, WrappedKey, record_aad};

/// The wrap context of a hold's key: distinct from a subject key's, and
/// naming the tenant and the hold, so a wrapped key moved to another row
/// does not unwrap.
fn hold_wrap_context(tenant: &TenantId, hold: HoldId) -> Vec<u8> {
    let mut c = b"tutela-hold-v1\0".to_vec();
    c.extend_from_slice(tenant.as_str().as_bytes());
    c.push(0);
    c.extend_from_slice(hold.as_bytes());
    c
}

impl Engine {
    /// The writes that keep what the law requires of a live subject's
    /// records about to be erased at `at` (one [`Write::HoldRecords`] per
    /// hold used; none when nothing is held), and how many records they
    /// keep. `view` holds the records going: all of them for an erasure,
    /// the due ones for a retention sweep. Records held earlier are in
    /// their own table, never in `view`, so they are not held twice.
    pub(crate) fn hold_writes(
        &self,
        tenant: &TenantId,
        view: &SubjectView,
        policy: &Policy,
        at: Timestamp,
    ) -> Result<(Vec<Write>, usize), EngineError> {
        let plan = holds::plan_holds(policy, &view.records, at);
        if plan.is_empty() {
            return Ok((Vec::new(), 0));
        }
        let subject_key = unwrap_key(&self.master, tenant, view)?;
        let mut writes = Vec::new();
        for (index, law) in policy.holds.iter().enumerate() {
            let mine: Vec<_> = plan.iter().filter(|p| p.hold == index).collect();
            if mine.is_empty() {
                continue;
            }
            let id = HoldId::new();
            let key = DataKey::generate();
            let wrapped = self.master.wrap(&key, &hold_wrap_context(tenant, id));
            let mut records = Vec::with_capacity(mine.len());
            for p in mine {
                let r = p.record;
                let plain = open_records(&subject_key, tenant, std::slice::from_ref(r))?;
                let value = plain
                    .first()
                    .map(|p| p.value.as_bytes())
                    .unwrap_or_default();
                let aad = record_aad(
                    tenant.as_str(),
                    r.subject.as_bytes(),
                    r.id.as_bytes(),
                    r.category.as_str(),
                );
                records.push(HeldRecordRow {
                    tenant: tenant.clone(),
                    id: r.id,
                    subject: r.subject,
                    hold: id,
                    category: r.category.clone(),
                    purpose: r.purpose.clone(),
                    source: r.source.clone(),
                    ciphertext: key.seal(value, &aad),
                    collected_at: r.collected_at,
                    ends_at: p.ends_at,
                    start: p.start,
                });
            }
            let hold = HoldRow {
                tenant: tenant.clone(),
                id,
                subject: view.subject.id,
                law: law.law.clone(),
                wrapped_key: wrapped.as_bytes().to_vec(),
                held_at: at,
            };
            writes.push(Write::HoldRecords { hold, records });
        }
        Ok((writes, plan.len()))
    }

    /// Opens held records with their holds' keys.
    fn open_held(
        &self,
        tenant: &TenantId,
        holds: &SubjectHolds,
        rows: &[&HeldRecordRow],
    ) -> Result<Vec<PlainRecord>, EngineError> {
        rows.iter()
            .map(|r| {
                let hold = holds.hold(r.hold).ok_or(EngineError::Unreadable)?;
                let wrapped = WrappedKey::from_bytes(hold.wrapped_key.clone())
                    .map_err(|_| EngineError::Unreadable)?;
                let key = self
                    .master
                    .unwrap(&wrapped, &hold_wrap_context(tenant, hold.id))
                    .map_err(|_| EngineError::Unreadable)?;
                let aad = record_aad(
                    tenant.as_str(),
                    r.subject.as_bytes(),
                    r.id.as_bytes(),
                    r.category.as_str(),
                );
                let plain = key
                    .open(&r.ciphertext, &aad)
                    .map_err(|_| EngineError::Unreadable)?;
                let value =
                    String::from_utf8(plain.to_vec()).map_err(|_| EngineError::Unreadable)?;
                Ok(PlainRecord {
                    id: r.id,
                    category: r.category.clone(),
                    value,
                    collected_for: r.purpose.clone(),
                    source: r.source.clone(),
                    collected_at: r.collected_at,
                })
            })
            .collect()
    }

    /// The records of a subject's own access (Art. 15(1)) and what is held
    /// of them: a live subject's records opened with its key, followed by
    /// any the retention sweep moved under a hold; an erased subject's held
    /// ones (refused as erased when nothing is held). Every held record
    /// comes with its law and end.
    pub(crate) async fn subject_records(
        &self,
        tenant: &TenantId,
        view: &SubjectView,
    ) -> Result<(Vec<PlainRecord>, Vec<HeldNote>), EngineError> {
        let holds = self.store.subject_holds(tenant, view.subject.id).await?;
        let held: Vec<&HeldRecordRow> = holds.records.iter().collect();
        let mut records = if view.subject.erased_at.is_none() {
            let key = unwrap_key(&self.master, tenant, view)?;
            open_records(&key, tenant, &view.records)?
        } else if held.is_empty() {
            return Err(EngineError::SubjectErased);
        } else {
            Vec::new()
        };
        records.extend(self.open_held(tenant, &holds, &held)?);
        Ok((records, held_notes(&holds)))
    }

    /// The held records of a live subject a read for `purpose` of the
    /// `wanted` categories also returns, opened with their holds' keys:
    /// what a retention sweep moved under a hold while the subject stays
    /// live is kept for the law (Art. 17(3)(b)) and restricted to its
    /// legal-obligation purpose (Art. 18(1)), as an erased subject's is.
    /// Only called once the read's own checks passed.
    pub(crate) async fn live_held(
        &self,
        tenant: &TenantId,
        view: &SubjectView,
        purpose: &PurposeId,
        wanted: &[CategoryId],
    ) -> Result<Vec<PlainRecord>, EngineError> {
        let policy = self.policy_version(tenant, view.policy_version).await?;
        let holds = self.store.subject_holds(tenant, view.subject.id).await?;
        let now = self.clock.now();
        let rows = holds::readable_held(&policy, purpose, Some(wanted), &holds.records, now);
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        self.open_held(tenant, &holds, &rows)
    }

    /// A read of an erased subject's records for `purpose`: allowed only
    /// for held records a legal-obligation purpose covers (see
    /// [`holds::readable_held`]), audited like any read with `held=true`;
    /// every other read is refused (and audited) as erased. `asked` is how
    /// many category names the caller gave, duplicates included.
    pub(crate) async fn read_held(
        &self,
        who: &Principal,
        subject: SubjectId,
        purpose: &PurposeId,
        categories: Option<Vec<CategoryId>>,
        asked: usize,
    ) -> Result<Vec<PlainRecord>, EngineError> {
        let listed = category_list(categories.as_deref().unwrap_or_default());
        let found = self
            .check_held_read(who, subject, purpose, categories, asked)
            .await;
        let (holds, rows) = match found {
            Ok(found) => found,
            Err(e) => {
                let (action, p) = (Action::RecordRead, Some(purpose.as_str()));
                return Err(self.refuse(who, action, p, Some(subject), listed, e).await);
            }
        };
        let readable: Vec<&HeldRecordRow> = rows.iter().collect();
        let plain = self.open_held(&who.tenant, &holds, &readable)?;
        let mut used: Vec<CategoryId> = Vec::new();
        for r in &rows {
            if !used.contains(&r.category) {
                used.push(r.category.clone());
            }
        }
        let detail = format!("{} count={} held=true", category_list(&used), plain.len());
        let event = self.event(
            who,
            Action::RecordRead,
            Some(purpose.as_str()),
            Some(subject),
            detail,
            Outcome::Allowed,
        );
        self.commit(&who.tenant, Change::audit_only(vec![event]))
            .await?;
        Ok(plain)
    }

    /// The checks of [`Engine::read_held`]: the asked categories against
    /// the policy, then which held records the purpose may see now.
    async fn check_held_read(
        &self,
        who: &Principal,
        subject: SubjectId,
        purpose: &PurposeId,
        categories: Option<Vec<CategoryId>>,
        asked: usize,
    ) -> Result<(SubjectHolds, Vec<HeldRecordRow>), EngineError> {
        let view = self
            .subject_view(&who.tenant, subject, RecordFilter::None)
            .await?
            .ok_or(EngineError::SubjectNotFound)?;
        let policy = self
            .policy_version(&who.tenant, view.policy_version)
            .await?;
        if let Some(c) = &categories {
            check_asked(&policy, asked, c)?;
        }
        let holds = self.store.subject_holds(&who.tenant, subject).await?;
        let now = self.clock.now();
        let rows: Vec<HeldRecordRow> =
            holds::readable_held(&policy, purpose, categories.as_deref(), &holds.records, now)
                .into_iter()
                .cloned()
                .collect();
        if rows.is_empty() {
            return Err(EngineError::SubjectErased);
        }
        Ok((holds, rows))
    }
}
