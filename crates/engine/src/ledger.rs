//! The erasure ledger: an append-only record, kept apart from the database
//! and its backups, of which subjects were erased (Art. 17), and of the
//! other rights exercised since (a record deleted or rectified, an
//! objection, a consent withdrawn, a restriction: [`rights`]). A backup
//! taken before an erasure still holds the subject's wrapped key; when it
//! is restored, the ledger is replayed (`Engine::replay_erasures`,
//! `Engine::replay_rights`) so the restore never revives an erased subject
//! nor undoes what a person asked for after the backup.
//!
//! This module is the pure part: the line format and its MAC. The file
//! itself sits behind [`ErasureLedger`], injected into the engine
//! (`Engine::with_erasure_ledger`); `tutela-store` has the file-backed one.
//!
//! One line per erasure, pseudonyms only:
//!
//! ```text
//! tutela-erasure-v1 <tenant> <subject uuid> <RFC 3339 time> <hex HMAC-SHA256>
//! ```
//!
//! The MAC covers the line's text before its last space, under the ledger
//! key derived from the master key (`MasterKey::erasure_ledger_key`), so a
//! line edited or forged without the master key does not verify. A MAC per
//! line cannot show a whole line deleted; the ledger is a safety net for
//! restores, kept where the database's administrators cannot write, and
//! the audit chain records every erasure as well.

use crate::checkpoint::from_hex;
use crate::ids::{SubjectId, TenantId};
use async_trait::async_trait;
use jiff::Timestamp;
use std::sync::Arc;
use tutela_vault::LedgerKey;

/// The first field of every line: the format and its version.
const FORMAT: &str = "tutela-erasure-v1";

mod rights;
pub use rights::{RightAct, RightEntry};

/// One erasure: which tenant's subject, and when it was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErasureEntry {
    /// The subject's tenant.
    pub tenant: TenantId,
    /// The erased subject's pseudonym.
    pub subject: SubjectId,
    /// When the erasure was made (the time its change carries).
    pub at: Timestamp,
}

impl ErasureEntry {
    /// The entry as one ledger line, MAC included, without the newline.
    pub fn to_line(&self, key: &LedgerKey) -> String {
        let body = self.body();
        format!("{body} {}", rights::hex(&key.mac(body.as_bytes())))
    }

    /// The MAC that ends this entry's line: what a `cancel` line names.
    pub fn line_mac(&self, key: &LedgerKey) -> [u8; 32] {
        key.mac(self.body().as_bytes())
    }

    fn body(&self) -> String {
        format!("{FORMAT} {} {} {}", self.tenant, self.subject, self.at)
    }
}

/// Why a ledger could not be read back as trustworthy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("erasure ledger line {line}: {why}")]
pub struct LedgerLineError {
    /// The 1-based line number.
    pub line: usize,
    /// What is wrong with it (never its content).
    pub why: &'static str,
}

/// A ledger read back: its entries, and whether its last line was cut
/// short (an append torn by a crash before its fsync returned, so before
/// the erasure it announced was committed, and safe to ignore).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerContents {
    /// Every verified erasure, in file order.
    pub entries: Vec<ErasureEntry>,
    /// Every verified rights line, in file order.
    pub rights: Vec<RightEntry>,
    /// The file ended in a partial line, which was ignored.
    pub torn_tail: bool,
    /// Lines dropped because a later `cancel` line named them (written by
    /// earlier versions after a change the store refused).
    pub cancelled: usize,
}

/// Parses and verifies a whole ledger. Every complete line must carry a
/// valid MAC; the first that does not is reported with its line number and
/// nothing is returned, so a restore does not proceed on a tampered ledger.
/// A last line without its newline is a torn append and is ignored. A
/// `cancel` line drops the latest earlier line with the MAC it names.
pub fn parse(text: &str, key: &LedgerKey) -> Result<LedgerContents, LedgerLineError> {
    let mut contents = LedgerContents::default();
    // The MAC ending each kept line, in step with `entries` and `rights`.
    let (mut erasure_macs, mut right_macs) = (Vec::new(), Vec::new());
    let mut rest = text;
    let mut number = 0;
    while !rest.is_empty() {
        number += 1;
        let Some((line, after)) = rest.split_once('\n') else {
            contents.torn_tail = true;
            break;
        };
        rest = after;
        match parse_line(line, key, number)? {
            (
                Line::Right(RightEntry {
                    act: RightAct::Cancelled(named),
                    ..
                }),
                _,
            ) => {
                if let Some(i) = right_macs.iter().rposition(|m| *m == named) {
                    right_macs.remove(i);
                    contents.rights.remove(i);
                    contents.cancelled += 1;
                } else if let Some(i) = erasure_macs.iter().rposition(|m| *m == named) {
                    erasure_macs.remove(i);
                    contents.entries.remove(i);
                    contents.cancelled += 1;
                }
            }
            (Line::Erasure(e), mac) => {
                erasure_macs.push(mac);
                contents.entries.push(e);
            }
            (Line::Right(r), mac) => {
                right_macs.push(mac);
                contents.rights.push(r);
            }
        }
    }
    Ok(contents)
}

/// One verified line of either kind.
enum Line {
    Erasure(ErasureEntry),
    Right(RightEntry),
}

/// One complete line: MAC first, then the fields; with its MAC.
fn parse_line(
    line: &str,
    key: &LedgerKey,
    number: usize,
) -> Result<(Line, [u8; 32]), LedgerLineError> {
    let fail = |why| LedgerLineError { line: number, why };
    let (body, mac) = line.rsplit_once(' ').ok_or(fail("not a ledger line"))?;
    let mac = from_hex::<32>(mac).ok_or(fail("not a ledger line"))?;
    if !key.verify(body.as_bytes(), &mac) {
        return Err(fail(
            "its MAC does not verify (edited, forged, or written under another master key)",
        ));
    }
    let fields: Vec<&str> = body.split(' ').collect();
    if let Some((&rights::RIGHT_FORMAT, rest)) = fields.split_first() {
        return rights::parse_fields(rest)
            .map(|r| (Line::Right(r), mac))
            .map_err(fail);
    }
    let [format, tenant, subject, at] = fields.as_slice() else {
        return Err(fail("wrong number of fields"));
    };
    if *format != FORMAT {
        return Err(fail("unknown format"));
    }
    let entry = ErasureEntry {
        tenant: TenantId::parse(tenant).map_err(|_| fail("bad tenant id"))?,
        subject: SubjectId::parse(subject).map_err(|_| fail("bad subject id"))?,
        at: at.parse().map_err(|_| fail("bad time"))?,
    };
    Ok((Line::Erasure(entry), mac))
}

/// Where the ledger's lines are kept: an append-only file in production
/// (`tutela_store::FileLedger`), anything in tests. Implementations make
/// an append durable (fsynced) before returning, and keep concurrent
/// appends from interleaving.
#[async_trait]
pub trait ErasureLedger: Send + Sync {
    /// Appends one or more lines (the last newline is added here) and
    /// makes them durable. Blocking: the store calls it from inside a
    /// change's transaction, on its writer thread or a blocking task.
    fn append(&self, lines: &str) -> std::io::Result<()>;
    /// The whole ledger as written (empty if it does not exist yet).
    async fn read(&self) -> std::io::Result<String>;
}

/// The ledger lines of one change, carried to the store with it
/// ([`Store::apply_ahead`](crate::store::Store::apply_ahead)). The store
/// appends them, durably, after every check of the change has passed
/// inside its transaction and before that transaction commits:
///
/// - a change the store refuses (an identifier taken, a subject full or
///   erased, a record gone) never reaches the ledger, crash or not, so a
///   restore never replays an act that did not happen (a refused
///   rectification replayed would delete the record's correct value);
/// - a change that commits is on the ledger first, so a restore never
///   misses one;
/// - a crash (or a failed commit) after the append leaves on the ledger a
///   change that passed every check but did not commit: the person asked
///   for it and nothing refused it, so a replay carrying it out errs on
///   their side.
#[derive(Clone)]
pub struct WriteAhead {
    /// Where the lines go.
    pub ledger: Arc<dyn ErasureLedger>,
    /// The lines, each MACed, pseudonyms and ids only, without newlines.
    pub lines: Vec<String>,
}

impl std::fmt::Debug for WriteAhead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteAhead")
            .field("lines", &self.lines.len())
            .finish_non_exhaustive()
    }
}

impl WriteAhead {
    /// Appends the lines of every change in `committing`, one durable
    /// append per ledger (changes of one engine share it), in order. A
    /// store calls this once per transaction, last before its commit.
    pub fn append_all<'a>(
        committing: impl IntoIterator<Item = &'a WriteAhead>,
    ) -> std::io::Result<()> {
        let mut merged: Vec<(&Arc<dyn ErasureLedger>, Vec<&str>)> = Vec::new();
        for ahead in committing {
            let lines = ahead.lines.iter().map(String::as_str);
            match merged
                .iter_mut()
                .find(|(l, _)| Arc::ptr_eq(l, &ahead.ledger))
            {
                Some((_, all)) => all.extend(lines),
                None => merged.push((&ahead.ledger, lines.collect())),
            }
        }
        for (ledger, lines) in merged {
            if !lines.is_empty() {
                ledger.append(&lines.join("\n"))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
