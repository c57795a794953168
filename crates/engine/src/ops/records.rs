//! Records: sealing values under the subject's key on the way in, and on the
//! way out the purpose check first, decryption only after it passed.

use super::source::RecordSource;
use crate::audit::{Action, Outcome};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::holds;
use crate::ids::{RecordId, SubjectId, TenantId};
use crate::lawful::{self, SubjectState};
use crate::principal::{Act, Principal};
use crate::store::{
    Change, IdentifierRow, RecordFilter, RecordRow, StoreError, SubjectView, Write,
};
use jiff::Timestamp;
use serde::Serialize;
use tutela_policy::{CategoryId, Policy, PurposeId, RecipientId};
use tutela_vault::{DataKey, MasterKey, WrappedKey, record_aad};

/// Longest value accepted, in characters: records are facts about people,
/// not files. Counted in characters, as JSON Schema's `maxLength` is.
pub const MAX_VALUE_CHARS: usize = 64 * 1024;

/// Most records one request may write: a write is a handful of facts about
/// one person, and the cap bounds the statements and the work per request.
pub const MAX_RECORDS_PER_WRITE: usize = 100;
/// The most records one subject holds. With
/// [`MAX_SEALED_BYTES_PER_SUBJECT`] it bounds what one read, access
/// answer or export of a subject holds in memory: without them, repeated
/// writes could grow one subject until reading it exhausts the server.
pub const MAX_RECORDS_PER_SUBJECT: u64 = 10_000;
/// The most bytes of sealed values (ciphertext) one subject holds: 64 MiB,
/// about a thousand values of the largest size.
pub const MAX_SEALED_BYTES_PER_SUBJECT: u64 = 64 * 1024 * 1024;

/// Most category names one read or disclosure may give, before any
/// duplicate is dropped. A policy declares a few dozen categories at most;
/// the cap keeps a huge list from reaching the database at all. Below it,
/// a list longer than the policy's own declared categories is refused too.
pub const MAX_ASKED_CATEGORIES: usize = 100;

/// A value to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecord {
    /// Its category.
    pub category: CategoryId,
    /// The plaintext; sealed before it leaves the engine.
    pub value: String,
    /// Where it came from (`api`, `signup-form`, `import:crm`): a checked
    /// token, never personal.
    pub source: RecordSource,
}

/// A value read back after the purpose check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlainRecord {
    /// The record's id.
    pub id: RecordId,
    /// Its category.
    pub category: CategoryId,
    /// The plaintext.
    pub value: String,
    /// The purpose it was collected for.
    pub collected_for: PurposeId,
    /// Where it came from.
    pub source: String,
    /// When it was collected.
    pub collected_at: Timestamp,
}

pub(crate) fn wrap_context(tenant: &TenantId, subject: SubjectId) -> Vec<u8> {
    let mut c = b"tutela-dek-v1\0".to_vec();
    c.extend_from_slice(tenant.as_str().as_bytes());
    c.push(0);
    c.extend_from_slice(subject.as_bytes());
    c
}

pub(crate) fn unwrap_key(
    master: &MasterKey,
    tenant: &TenantId,
    view: &SubjectView,
) -> Result<DataKey, EngineError> {
    let bytes = view
        .subject
        .wrapped_key
        .clone()
        .ok_or(EngineError::SubjectErased)?;
    let wrapped = WrappedKey::from_bytes(bytes).map_err(|_| EngineError::Unreadable)?;
    master
        .unwrap(&wrapped, &wrap_context(tenant, view.subject.id))
        .map_err(|_| EngineError::Unreadable)
}

pub(crate) fn open_records(
    key: &DataKey,
    tenant: &TenantId,
    rows: &[RecordRow],
) -> Result<Vec<PlainRecord>, EngineError> {
    rows.iter()
        .map(|r| {
            let aad = record_aad(
                tenant.as_str(),
                r.subject.as_bytes(),
                r.id.as_bytes(),
                r.category.as_str(),
            );
            let plain = key
                .open(&r.ciphertext, &aad)
                .map_err(|_| EngineError::Unreadable)?;
            let value = String::from_utf8(plain.to_vec()).map_err(|_| EngineError::Unreadable)?;
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

/// The one check every way records enter runs (a write, a subject's
/// creation): how many, and how large each value is. Sources are checked
/// when their [`RecordSource`] is parsed; categories by the purpose check.
pub(crate) fn check_values(records: &[NewRecord], allow_empty: bool) -> Result<(), EngineError> {
    if records.is_empty() && !allow_empty {
        return Err(EngineError::InvalidInput {
            field: "records".into(),
            message: "give at least one record".into(),
        });
    }
    if records.len() > MAX_RECORDS_PER_WRITE {
        return Err(EngineError::InvalidInput {
            field: "records".into(),
            message: format!("give at most {MAX_RECORDS_PER_WRITE} records per request"),
        });
    }
    for (i, r) in records.iter().enumerate() {
        if r.value.len() > MAX_VALUE_CHARS && r.value.chars().count() > MAX_VALUE_CHARS {
            return Err(EngineError::InvalidInput {
                field: format!("records[{i}].value"),
                message: format!("is longer than {MAX_VALUE_CHARS} characters"),
            });
        }
    }
    Ok(())
}

/// Is an identifier blank as it is indexed: empty once invisible
/// characters and surrounding whitespace are dropped
/// ([`tutela_vault::normalize_identifier`])? `"\u{200b} "` is blank: it
/// would be indexed as the empty identifier.
pub(crate) fn blank_identifier(value: &str) -> bool {
    tutela_vault::normalize_identifier(value).is_empty()
}

/// Refuses a blank value (see [`blank_identifier`]) for an identifier
/// category: it would find no one and index everyone who left it blank.
pub(crate) fn check_identifiers(policy: &Policy, records: &[NewRecord]) -> Result<(), EngineError> {
    let blank = records.iter().position(|r| {
        blank_identifier(&r.value) && policy.category(&r.category).is_some_and(|c| c.identifier)
    });
    if let Some(i) = blank {
        return Err(EngineError::BlankIdentifier {
            field: format!("records[{i}].value"),
        });
    }
    // The same identifier twice in one write would clash with itself and
    // be reported as taken by another subject.
    let mut seen: Vec<(&CategoryId, String, usize)> = Vec::new();
    for (i, r) in records.iter().enumerate() {
        if !policy.category(&r.category).is_some_and(|c| c.identifier) {
            continue;
        }
        let value = tutela_vault::normalize_identifier(&r.value);
        if let Some((_, _, first)) = seen
            .iter()
            .find(|(c, v, _)| *c == &r.category && *v == value)
        {
            return Err(EngineError::RepeatedIdentifier {
                field: format!("records[{i}].value"),
                first: format!("records[{first}]"),
            });
        }
        seen.push((&r.category, value, i));
    }
    Ok(())
}

/// The categories a read or disclosure names, each once, in the order
/// first given; refused before any query when the list is longer than
/// [`MAX_ASKED_CATEGORIES`].
fn distinct_categories(asked: &[CategoryId]) -> Result<Vec<CategoryId>, EngineError> {
    if asked.len() > MAX_ASKED_CATEGORIES {
        return Err(EngineError::TooManyCategories {
            asked: asked.len(),
            max: MAX_ASKED_CATEGORIES,
        });
    }
    let mut distinct: Vec<CategoryId> = Vec::with_capacity(asked.len());
    for c in asked {
        if !distinct.contains(c) {
            distinct.push(c.clone());
        }
    }
    Ok(distinct)
}

/// Refuses a list of `asked` names longer than the categories the policy
/// declares (it can only repeat or invent names), or naming a category the
/// policy does not declare.
pub(crate) fn check_asked(
    policy: &Policy,
    asked: usize,
    distinct: &[CategoryId],
) -> Result<(), EngineError> {
    let declared = policy.categories.len();
    if asked > declared {
        return Err(EngineError::TooManyCategories {
            asked,
            max: declared,
        });
    }
    match distinct.iter().find(|c| policy.category(c).is_none()) {
        Some(c) => Err(EngineError::CategoryNotDeclared(c.to_string())),
        None => Ok(()),
    }
}

pub(crate) fn category_list(categories: &[CategoryId]) -> String {
    let names: Vec<&str> = categories.iter().map(CategoryId::as_str).collect();
    format!("categories={}", names.join(","))
}

/// Where sealed records go: one subject, under its key, for one purpose.
pub(crate) struct SealTarget<'a> {
    pub policy: &'a Policy,
    pub tenant: &'a TenantId,
    pub subject: SubjectId,
    pub key: &'a DataKey,
    pub purpose: &'a PurposeId,
}

/// Seals `records` for one subject and adds their writes (and blind indexes
/// for identifier categories) to `writes`.
pub(crate) fn seal_into(
    engine: &Engine,
    to: &SealTarget<'_>,
    records: &[NewRecord],
    writes: &mut Vec<Write>,
) -> Vec<RecordId> {
    let now = engine.clock.now();
    let index_key = engine.master.blind_index_key(to.tenant.as_str());
    let mut ids = Vec::with_capacity(records.len());
    for r in records {
        let id = RecordId::new();
        let aad = record_aad(
            to.tenant.as_str(),
            to.subject.as_bytes(),
            id.as_bytes(),
            r.category.as_str(),
        );
        writes.push(Write::InsertRecord(RecordRow {
            tenant: to.tenant.clone(),
            id,
            subject: to.subject,
            category: r.category.clone(),
            purpose: to.purpose.clone(),
            source: r.source.as_str().to_owned(),
            ciphertext: to.key.seal(r.value.as_bytes(), &aad),
            collected_at: now,
        }));
        if to
            .policy
            .category(&r.category)
            .is_some_and(|c| c.identifier)
        {
            writes.push(Write::InsertIdentifier(IdentifierRow {
                tenant: to.tenant.clone(),
                category: r.category.clone(),
                blind_index: index_key.index(r.category.as_str(), &r.value).0,
                subject: to.subject,
                record: id,
            }));
        }
        ids.push(id);
    }
    ids
}

pub(crate) fn identifier_conflict(
    err: EngineError,
    records: &[NewRecord],
    policy: &Policy,
) -> EngineError {
    match err {
        EngineError::Storage(StoreError::Conflict { .. }) => {
            let what = records
                .iter()
                .find(|r| policy.category(&r.category).is_some_and(|c| c.identifier))
                .map_or_else(|| "identifier".to_owned(), |r| r.category.to_string());
            EngineError::IdentifierTaken(what)
        }
        other => other,
    }
}

impl Engine {
    /// Loads a live (not erased) subject of the caller's tenant.
    pub(crate) async fn live_subject(
        &self,
        who: &Principal,
        subject: SubjectId,
        filter: RecordFilter<'_>,
    ) -> Result<SubjectView, EngineError> {
        let view = self
            .subject_view(&who.tenant, subject, filter)
            .await?
            .ok_or(EngineError::SubjectNotFound)?;
        if view.subject.erased_at.is_some() {
            return Err(EngineError::SubjectErased);
        }
        Ok(view)
    }

    /// Stores values about a subject, collected for `purpose`. The purpose
    /// must cover every category, and its legal basis must hold now.
    pub async fn write_records(
        &self,
        who: &Principal,
        subject: SubjectId,
        purpose: &PurposeId,
        records: Vec<NewRecord>,
    ) -> Result<Vec<RecordId>, EngineError> {
        self.authorize(
            who,
            Act::WriteRecords,
            Action::RecordWrite,
            Some(purpose),
            Some(subject),
        )
        .await?;
        check_values(&records, false)?;
        let view = self.live_subject(who, subject, RecordFilter::None).await?;
        let policy = self
            .policy_version(&who.tenant, view.policy_version)
            .await?;
        check_identifiers(&policy, &records)?;
        let categories: Vec<CategoryId> = records.iter().map(|r| r.category.clone()).collect();
        let state = SubjectState::of(&view);
        let detail = category_list(&categories);
        let checked =
            match lawful::may_collect(&policy, &state, purpose, &categories, self.clock.now()) {
                Ok(_) => match self
                    .pending_keeps_storing(&who.tenant, &policy, view.pending, &categories)
                    .await
                {
                    Ok(()) => {
                        self.check_consent_scope(
                            &who.tenant,
                            &view,
                            &policy,
                            purpose,
                            &categories,
                            None,
                        )
                        .await
                    }
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            };
        if let Err(e) = checked {
            return Err(self
                .refuse(
                    who,
                    Action::RecordWrite,
                    Some(purpose.as_str()),
                    Some(subject),
                    detail,
                    e,
                )
                .await);
        }
        let key = unwrap_key(&self.master, &who.tenant, &view)?;
        let mut writes = Vec::with_capacity(records.len() + 1);
        let ids = seal_into(
            self,
            &SealTarget {
                policy: &policy,
                tenant: &who.tenant,
                subject,
                key: &key,
                purpose,
            },
            &records,
            &mut writes,
        );
        let change = Change {
            writes,
            audit: vec![self.event(
                who,
                Action::RecordWrite,
                Some(purpose.as_str()),
                Some(subject),
                detail,
                Outcome::Allowed,
            )],
        };
        let mut change = change;
        change
            .writes
            .extend(self.activity.touch(&who.tenant, subject, self.clock.now()));
        self.commit_registering(&who.tenant, change)
            .await
            .map_err(|e| identifier_conflict(e, &records, &policy))?;
        Ok(ids)
    }

    /// Reads a subject's records for `purpose`: the categories asked for, or
    /// every category the purpose covers. Refusals are audited; nothing is
    /// decrypted before the check passes.
    pub async fn read_records(
        &self,
        who: &Principal,
        subject: SubjectId,
        purpose: &PurposeId,
        categories: Option<Vec<CategoryId>>,
    ) -> Result<Vec<PlainRecord>, EngineError> {
        self.use_records(who, subject, purpose, categories, None)
            .await
    }

    /// Hands a subject's records to a recipient declared for `purpose`.
    /// Returns the values to send; the disclosure is on the audit chain.
    pub async fn disclose(
        &self,
        who: &Principal,
        subject: SubjectId,
        purpose: &PurposeId,
        recipient: &RecipientId,
        categories: Option<Vec<CategoryId>>,
    ) -> Result<Vec<PlainRecord>, EngineError> {
        self.use_records(who, subject, purpose, categories, Some(recipient))
            .await
    }

    async fn use_records(
        &self,
        who: &Principal,
        subject: SubjectId,
        purpose: &PurposeId,
        categories: Option<Vec<CategoryId>>,
        recipient: Option<&RecipientId>,
    ) -> Result<Vec<PlainRecord>, EngineError> {
        let action = match recipient {
            None => Action::RecordRead,
            Some(_) => Action::RecordDisclose,
        };
        let with_recipient = |detail: String| match recipient {
            Some(r) => format!("{detail} recipient={r}"),
            None => detail,
        };
        let asked_len = categories.as_ref().map_or(0, Vec::len);
        let categories = categories.as_deref().map(distinct_categories).transpose()?;
        let asked = category_list(categories.as_deref().unwrap_or_default());
        let (view, wanted, reads_held) = match self
            .check_use(
                who,
                subject,
                purpose,
                categories.clone(),
                asked_len,
                recipient,
            )
            .await
        {
            Ok(checked) => checked,
            Err(EngineError::SubjectErased) if recipient.is_none() => {
                // Only what a statutory hold keeps, for its legal purpose.
                return self
                    .read_held(who, subject, purpose, categories, asked_len)
                    .await;
            }
            Err(e) => {
                let detail = with_recipient(asked);
                return Err(self
                    .refuse(
                        who,
                        action,
                        Some(purpose.as_str()),
                        Some(subject),
                        detail,
                        e,
                    )
                    .await);
            }
        };
        let key = unwrap_key(&self.master, &who.tenant, &view)?;
        let mut plain = open_records(&key, &who.tenant, &view.records)?;
        let mut detail = format!("{} count=", category_list(&wanted));
        if reads_held {
            // What a retention sweep moved under a statutory hold, for the
            // hold's legal purpose only (Art. 17(3)(b), 18(1)).
            let held = self.live_held(&who.tenant, &view, purpose, &wanted).await?;
            let n = held.len();
            plain.extend(held);
            detail.push_str(&plain.len().to_string());
            if n > 0 {
                detail.push_str(&format!(" held={n}"));
            }
        } else {
            detail.push_str(&plain.len().to_string());
        }
        let detail = with_recipient(detail);
        let event = self.event(
            who,
            action,
            Some(purpose.as_str()),
            Some(subject),
            detail,
            Outcome::Allowed,
        );
        let mut change = Change::audit_only(vec![event]);
        change
            .writes
            .extend(self.activity.touch(&who.tenant, subject, self.clock.now()));
        self.commit(&who.tenant, change).await?;
        Ok(plain)
    }

    /// Every check a use of records must pass, in order, before anything is
    /// decrypted: role, key scope, the subject, then the pure purpose check
    /// and, for a disclosure, the recipient. Returns the subject's view
    /// holding only the categories used, those categories, and whether a
    /// read (never a disclosure) may also see held records ([`holds::reads_held`]). `categories`
    /// are distinct and bounded already; `asked` is how many names the
    /// caller gave, duplicates included.
    async fn check_use(
        &self,
        who: &Principal,
        subject: SubjectId,
        purpose: &PurposeId,
        categories: Option<Vec<CategoryId>>,
        asked: usize,
        recipient: Option<&RecipientId>,
    ) -> Result<(SubjectView, Vec<CategoryId>, bool), EngineError> {
        who.require(if recipient.is_some() {
            Act::Disclose
        } else {
            Act::ReadForPurpose
        })?;
        who.require_purpose(purpose)?;
        let filter = match &categories {
            Some(c) => RecordFilter::Categories(c),
            None => RecordFilter::All,
        };
        let mut view = self.live_subject(who, subject, filter).await?;
        let policy = self
            .policy_version(&who.tenant, view.policy_version)
            .await?;
        let wanted = match categories {
            Some(c) => {
                check_asked(&policy, asked, &c)?;
                c
            }
            None => lawful::declared_purpose(&policy, purpose)
                .map(|p| p.categories.clone())
                .unwrap_or_default(),
        };
        view.records.retain(|r| wanted.contains(&r.category));
        let now = self.clock.now();
        self.drop_due(&who.tenant, &policy, &mut view, now).await?;
        let state = SubjectState::of(&view);
        let declared = lawful::may_use(&policy, &state, purpose, &wanted, now)?;
        if let Some(r) = recipient {
            lawful::may_disclose(&policy, declared, r, &view.consents, now)?;
        }
        self.check_consent_scope(&who.tenant, &view, &policy, purpose, &wanted, recipient)
            .await?;
        let reads_held = recipient.is_none() && holds::reads_held(declared);
        Ok((view, wanted, reads_held))
    }
}
