//! Subjects: creation with a fresh data key, lookup by identifier through the
//! blind index, the subject's own access, restriction and erasure.

use super::records::{
    NewRecord, PlainRecord, SealTarget, category_list, check_identifiers, check_values,
    identifier_conflict, seal_into, wrap_context,
};
use crate::answer::HeldNote;
use crate::audit::{Action, Outcome};
use crate::deliveries::NoticeKind;
use crate::engine::Engine;
use crate::error::EngineError;
use crate::ids::SubjectId;
use crate::lawful::{self, SubjectState};
use crate::principal::{Act, Principal};
use crate::store::{Change, ConsentRow, ObjectionRow, RecordFilter, StoreError, SubjectRow, Write};
use jiff::Timestamp;
use serde::Serialize;
use tutela_policy::{CategoryId, PurposeId, SubjectKindId};
use tutela_vault::DataKey;

/// Everything held about a subject, for the subject's own access (Art. 15):
/// readable even under restriction, since it is the subject asking.
#[derive(Debug, Clone, Serialize)]
pub struct AccessReport {
    /// The pseudonym.
    pub subject: SubjectId,
    /// The subject kind.
    pub kind: String,
    /// Whether processing is restricted.
    pub restricted: bool,
    /// When the subject was created.
    pub created_at: Timestamp,
    /// The policy version in force, whose notice explains purposes,
    /// recipients, retention and rights.
    pub policy_version: u32,
    /// Every stored value.
    pub records: Vec<PlainRecord>,
    /// When the subject was erased; then `records` holds only what a law
    /// requires keeping, each listed in `held`.
    pub erased_at: Option<Timestamp>,
    /// The records kept after erasure, with their law and end.
    pub held: Vec<HeldNote>,
    /// The consent ledger.
    pub consents: Vec<ConsentSummary>,
    /// Objections raised.
    pub objections: Vec<ObjectionSummary>,
}

/// One consent ledger event, as shown to the subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsentSummary {
    /// The purpose.
    pub purpose: PurposeId,
    /// Grant or withdrawal.
    pub granted: bool,
    /// When.
    pub at: Timestamp,
    /// When a grant lapses.
    pub expires_at: Option<Timestamp>,
    /// The policy version then in force.
    pub policy_version: u32,
}

/// One objection, as shown to the subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectionSummary {
    /// The purpose objected to; none means every objectable purpose.
    pub purpose: Option<PurposeId>,
    /// When.
    pub at: Timestamp,
}

impl From<&ConsentRow> for ConsentSummary {
    fn from(c: &ConsentRow) -> Self {
        Self {
            purpose: c.purpose.clone(),
            granted: c.granted,
            at: c.at,
            expires_at: c.expires_at,
            policy_version: c.policy_version,
        }
    }
}

impl From<&ObjectionRow> for ObjectionSummary {
    fn from(o: &ObjectionRow) -> Self {
        Self {
            purpose: o.purpose.clone(),
            at: o.at,
        }
    }
}

impl Engine {
    /// Creates a subject of a declared kind with its own data key, and stores
    /// its first records (collected for `purpose`) in the same commit.
    pub async fn create_subject(
        &self,
        who: &Principal,
        kind: &SubjectKindId,
        purpose: &PurposeId,
        records: Vec<NewRecord>,
    ) -> Result<SubjectId, EngineError> {
        self.authorize(
            who,
            Act::CreateSubject,
            Action::SubjectCreate,
            Some(purpose),
            None,
        )
        .await?;
        check_values(&records, true)?;
        let tenant = self
            .store
            .tenant(&who.tenant)
            .await?
            .ok_or(EngineError::TenantNotFound)?;
        let policy = self
            .policy_version(&who.tenant, tenant.version_in_force(self.clock.now()))
            .await?;
        if policy.subject_kind(kind).is_none() {
            return Err(EngineError::UnknownSubjectKind(kind.to_string()));
        }
        check_identifiers(&policy, &records)?;
        let id = SubjectId::new();
        let categories: Vec<CategoryId> = records.iter().map(|r| r.category.clone()).collect();
        let state = SubjectState {
            kind: kind.as_str(),
            restricted: false,
            consents: &[],
            objections: &[],
        };
        let detail = format!("kind={kind} {}", category_list(&categories));
        let now = self.clock.now();
        if !records.is_empty() {
            let checked = match lawful::may_collect(&policy, &state, purpose, &categories, now) {
                Ok(_) => {
                    self.pending_keeps_storing(&who.tenant, &policy, tenant.pending, &categories)
                        .await
                }
                Err(e) => Err(e),
            };
            if let Err(e) = checked {
                return Err(self
                    .refuse(
                        who,
                        Action::SubjectCreate,
                        Some(purpose.as_str()),
                        None,
                        detail,
                        e,
                    )
                    .await);
            }
        }
        let key = DataKey::generate();
        let wrapped = self.master.wrap(&key, &wrap_context(&who.tenant, id));
        let mut writes = vec![Write::InsertSubject(SubjectRow {
            tenant: who.tenant.clone(),
            id,
            kind: kind.to_string(),
            wrapped_key: Some(wrapped.as_bytes().to_vec()),
            restricted: false,
            created_at: now,
            erased_at: None,
        })];
        seal_into(
            self,
            &SealTarget {
                policy: &policy,
                tenant: &who.tenant,
                subject: id,
                key: &key,
                purpose,
            },
            &records,
            &mut writes,
        );
        writes.extend(self.activity.touch(&who.tenant, id, now));
        let change = Change {
            writes,
            audit: vec![self.event(
                who,
                Action::SubjectCreate,
                Some(purpose.as_str()),
                Some(id),
                detail,
                Outcome::Allowed,
            )],
        };
        self.commit_registering(&who.tenant, change)
            .await
            .map_err(|e| identifier_conflict(e, &records, &policy))?;
        Ok(id)
    }

    /// Finds the subject holding an identifier (an email, an external id)
    /// through its keyed hash; the value itself is never stored.
    pub async fn find_subject(
        &self,
        who: &Principal,
        category: &CategoryId,
        value: &str,
    ) -> Result<SubjectId, EngineError> {
        self.authorize(who, Act::LookupSubject, Action::SubjectLookup, None, None)
            .await?;
        let (_, policy) = self.current_policy(&who.tenant).await?;
        match policy.category(category) {
            Some(c) if c.identifier => {}
            Some(_) => {
                return Err(EngineError::InvalidInput {
                    field: "category".into(),
                    message: format!(
                        "'{category}' is not declared as an identifier, so subjects cannot be found by it"
                    ),
                });
            }
            None => return Err(EngineError::CategoryNotDeclared(category.to_string())),
        }
        // A value longer than any identifier may be is refused as on a
        // write, not answered "not found".
        if value.len() > super::records::MAX_VALUE_CHARS
            && value.chars().count() > super::records::MAX_VALUE_CHARS
        {
            return Err(EngineError::InvalidInput {
                field: "value".into(),
                message: format!(
                    "is longer than {} characters",
                    super::records::MAX_VALUE_CHARS
                ),
            });
        }
        // A blank value (a form field left empty, or holding only invisible
        // characters) is nobody's identifier: it is refused, never matched.
        if super::records::blank_identifier(value) {
            return Err(EngineError::BlankIdentifier {
                field: "value".into(),
            });
        }
        // A purpose-scoped key finds people only by an identifier one of
        // its purposes may use: otherwise it would confirm who is on file
        // (and under which pseudonym) from data it has no purpose for.
        if !who.purposes.is_empty()
            && !who
                .purposes
                .iter()
                .filter_map(|p| policy.purpose(p))
                .any(|p| p.covers(category))
        {
            let refused = EngineError::CategoryOutOfScope(category.to_string());
            let detail = format!("category={category}");
            return Err(self
                .refuse(who, Action::SubjectLookup, None, None, detail, refused)
                .await);
        }
        let index = self
            .master
            .blind_index_key(who.tenant.as_str())
            .index(category.as_str(), value);
        let found = self
            .store
            .subject_by_identifier(&who.tenant, category, &index.0)
            .await?
            .ok_or(EngineError::SubjectNotFound)?;
        if !self
            .identifier_in_force(&who.tenant, found, category)
            .await?
        {
            return Err(EngineError::SubjectNotFound);
        }
        let detail = format!("category={category}");
        let event = self.event(
            who,
            Action::SubjectLookup,
            None,
            Some(found),
            detail,
            Outcome::Allowed,
        );
        self.commit(&who.tenant, Change::audit_only(vec![event]))
            .await?;
        Ok(found)
    }

    /// The subject's own access: everything held, whatever the purpose, even
    /// under restriction.
    pub async fn subject_access(
        &self,
        who: &Principal,
        subject: SubjectId,
    ) -> Result<AccessReport, EngineError> {
        self.authorize(
            who,
            Act::SubjectAccess,
            Action::SubjectAccess,
            None,
            Some(subject),
        )
        .await?;
        let view = self
            .subject_view(&who.tenant, subject, RecordFilter::All)
            .await?
            .ok_or(EngineError::SubjectNotFound)?;
        let (records, held) = self.subject_records(&who.tenant, &view).await?;
        let detail = format!("count={}", records.len());
        let event = self.event(
            who,
            Action::SubjectAccess,
            None,
            Some(subject),
            detail,
            Outcome::Allowed,
        );
        self.commit(&who.tenant, Change::audit_only(vec![event]))
            .await?;
        Ok(AccessReport {
            subject,
            kind: view.subject.kind.clone(),
            restricted: view.subject.restricted,
            created_at: view.subject.created_at,
            policy_version: view.policy_version,
            records,
            erased_at: view.subject.erased_at,
            held,
            consents: view.consents.iter().map(ConsentSummary::from).collect(),
            objections: view.objections.iter().map(ObjectionSummary::from).collect(),
        })
    }

    /// Sets or lifts restriction of processing (Art. 18). Asking for the
    /// state the subject is already in changes nothing, is not audited and
    /// tells no recipient (a lift that never happened is not announced).
    pub async fn set_restricted(
        &self,
        who: &Principal,
        subject: SubjectId,
        restricted: bool,
    ) -> Result<(), EngineError> {
        let change = self.plan_restriction(who, subject, restricted).await?;
        if change.writes.is_empty() {
            return Ok(());
        }
        self.commit(&who.tenant, change).await
    }

    /// The checks and the change of [`Engine::set_restricted`], not yet
    /// committed, so a request's fulfilment can commit it with its own
    /// update in one transaction.
    pub(crate) async fn plan_restriction(
        &self,
        who: &Principal,
        subject: SubjectId,
        restricted: bool,
    ) -> Result<Change, EngineError> {
        let action = if restricted {
            Action::RestrictionSet
        } else {
            Action::RestrictionLift
        };
        self.authorize(who, Act::Restrict, action, None, Some(subject))
            .await?;
        let view = self.live_subject(who, subject, RecordFilter::All).await?;
        if view.subject.restricted == restricted {
            return Ok(Change::default());
        }
        let kind = if restricted {
            NoticeKind::SubjectRestricted
        } else {
            NoticeKind::RestrictionLifted
        };
        let mut writes = vec![Write::SetRestricted {
            subject,
            restricted,
        }];
        writes.extend(self.subject_notices(&who.tenant, &view, kind).await?);
        Ok(Change {
            writes,
            audit: vec![self.event(
                who,
                action,
                None,
                Some(subject),
                String::new(),
                Outcome::Allowed,
            )],
        })
    }

    /// Destroys the subject's data key and drops its records and
    /// identifiers: from this commit on, no copy of the data can be read.
    /// Records a statutory hold covers are kept, in the same commit, under
    /// a key of their hold until it ends, readable only for a
    /// legal-obligation purpose covering them (Art. 17(3)(b), 18(1)).
    /// The erasure is written to the erasure ledger first, if the engine
    /// has one, so restoring an older backup cannot revive the subject.
    pub async fn erase_subject(
        &self,
        who: &Principal,
        subject: SubjectId,
    ) -> Result<(), EngineError> {
        let change = self.plan_erasure(who, subject).await?;
        erasure_outcome(self.commit(&who.tenant, change).await)
    }

    /// The checks and the change of [`Engine::erase_subject`], not yet
    /// committed (see [`Engine::plan_restriction`]).
    pub(crate) async fn plan_erasure(
        &self,
        who: &Principal,
        subject: SubjectId,
    ) -> Result<Change, EngineError> {
        self.authorize(who, Act::Erase, Action::SubjectErase, None, Some(subject))
            .await?;
        let view = self.live_subject(who, subject, RecordFilter::All).await?;
        let policy = self
            .policy_version(&who.tenant, view.policy_version)
            .await?;
        let at = self.clock.now();
        // Held records move under their hold first, recipients' notices
        // are queued (Art. 19), and then the subject's key goes.
        let (mut writes, held) = self.hold_writes(&who.tenant, &view, &policy, at)?;
        writes.extend(self.erasure_notices(&who.tenant, &view, at).await?);
        let moot = self
            .close_moot_requests(&who.tenant, subject, held > 0)
            .await?;
        let closed = moot.len();
        writes.extend(moot);
        // Its ledger line is appended in the commit, after the change's
        // checks and before it commits (`Engine::ahead_of`).
        writes.push(Write::EraseSubject { subject, at });
        let mut detail = if held == 0 {
            String::new()
        } else {
            format!("held={held}")
        };
        if closed > 0 {
            let sep = if detail.is_empty() { "" } else { " " };
            detail.push_str(&format!("{sep}requests_closed={closed}"));
        }
        Ok(Change {
            writes,
            audit: vec![self.event(
                who,
                Action::SubjectErase,
                None,
                Some(subject),
                detail,
                Outcome::Allowed,
            )],
        })
    }
}

/// An erasure whose subject row vanished meanwhile is "not found".
pub(crate) fn erasure_outcome<T>(result: Result<T, EngineError>) -> Result<T, EngineError> {
    match result {
        Err(EngineError::Storage(StoreError::Missing { what: "subject" })) => {
            Err(EngineError::SubjectNotFound)
        }
        other => other,
    }
}
