//! Rectification (Art. 16): one record's value corrected under the
//! subject's key, or the record deleted. An identifier's blind index moves
//! with its value in the same commit, so the subject is no longer found
//! under the old value and is found under the new one.

use super::records::{MAX_VALUE_CHARS, unwrap_key};
use crate::audit::{Action, Outcome};
use crate::deliveries::NoticeKind;
use crate::deliveries::notice::Notice;
use crate::engine::Engine;
use crate::error::EngineError;
use crate::ids::{RecordId, SubjectId};
use crate::principal::{Act, Principal};
use crate::store::{Change, RecordFilter, RecordRow, StoreError, SubjectView, Write};
use tutela_vault::record_aad;

impl Engine {
    /// Replaces the value of one of the subject's records, sealed afresh
    /// (new nonce) under the subject's key; the record keeps its id. An
    /// identifier may not become blank, nor another subject's.
    pub async fn rectify_record(
        &self,
        who: &Principal,
        subject: SubjectId,
        record: RecordId,
        value: &str,
    ) -> Result<(), EngineError> {
        self.authorize(
            who,
            Act::Rectify,
            Action::RecordRectify,
            None,
            Some(subject),
        )
        .await?;
        if value.len() > MAX_VALUE_CHARS && value.chars().count() > MAX_VALUE_CHARS {
            return Err(EngineError::InvalidInput {
                field: "value".into(),
                message: format!("is longer than {MAX_VALUE_CHARS} characters"),
            });
        }
        let view = self.live_subject(who, subject, RecordFilter::All).await?;
        let row = own_record(&view, record)?;
        let policy = self
            .policy_version(&who.tenant, view.policy_version)
            .await?;
        let identifier = policy.category(&row.category).is_some_and(|c| c.identifier);
        if identifier && super::records::blank_identifier(value) {
            return Err(EngineError::BlankIdentifier {
                field: "value".into(),
            });
        }
        let key = unwrap_key(&self.master, &who.tenant, &view)?;
        let aad = record_aad(
            who.tenant.as_str(),
            subject.as_bytes(),
            record.as_bytes(),
            row.category.as_str(),
        );
        let blind_index = identifier.then(|| {
            self.master
                .blind_index_key(who.tenant.as_str())
                .index(row.category.as_str(), value)
                .0
        });
        let write = Write::RectifyRecord {
            subject,
            record,
            category: row.category.clone(),
            ciphertext: key.seal(value.as_bytes(), &aad),
            blind_index,
            value_mac: key.value_mac(&aad, value.as_bytes()),
        };
        let detail = format!("record={record} category={}", row.category);
        let category = row.category.to_string();
        let notice = Notice {
            kind: NoticeKind::RecordRectified,
            subject,
            record: Some(record),
            categories: vec![row.category.clone()],
        };
        let mut writes = vec![write];
        writes.extend(
            self.notice_writes(&who.tenant, view.policy_version, &notice)
                .await?,
        );
        self.change_record(who, Action::RecordRectify, subject, writes, detail)
            .await
            .map_err(|e| match e {
                EngineError::Storage(StoreError::Conflict { .. }) => {
                    EngineError::IdentifierTaken(category)
                }
                other => other,
            })
    }

    /// Deletes one of the subject's records (and its identifier, if any).
    pub async fn delete_record(
        &self,
        who: &Principal,
        subject: SubjectId,
        record: RecordId,
    ) -> Result<(), EngineError> {
        self.authorize(who, Act::Rectify, Action::RecordDelete, None, Some(subject))
            .await?;
        let view = self.live_subject(who, subject, RecordFilter::All).await?;
        let row = own_record(&view, record)?;
        let detail = format!("record={record} category={}", row.category);
        let notice = Notice {
            kind: NoticeKind::RecordDeleted,
            subject,
            record: Some(record),
            categories: vec![row.category.clone()],
        };
        let mut writes = vec![Write::DeleteRecord { subject, record }];
        writes.extend(
            self.notice_writes(&who.tenant, view.policy_version, &notice)
                .await?,
        );
        self.change_record(who, Action::RecordDelete, subject, writes, detail)
            .await
    }

    /// Commits one record write (with its notices to recipients) and its
    /// audit entry; a record or subject gone meanwhile is reported as such,
    /// and a new identifier held only by a record past its retention
    /// period is freed first.
    async fn change_record(
        &self,
        who: &Principal,
        action: Action,
        subject: SubjectId,
        writes: Vec<Write>,
        detail: String,
    ) -> Result<(), EngineError> {
        let change = Change {
            writes,
            audit: vec![self.event(who, action, None, Some(subject), detail, Outcome::Allowed)],
        };
        match self.commit_registering(&who.tenant, change).await {
            Err(EngineError::Storage(StoreError::Missing { what: "record" })) => {
                Err(EngineError::RecordNotFound)
            }
            Err(EngineError::Storage(StoreError::Missing { .. })) => {
                Err(EngineError::SubjectNotFound)
            }
            other => other,
        }
    }
}

/// The subject's record with this id; another subject's is not found.
fn own_record(view: &SubjectView, record: RecordId) -> Result<&RecordRow, EngineError> {
    view.records
        .iter()
        .find(|r| r.id == record)
        .ok_or(EngineError::RecordNotFound)
}
