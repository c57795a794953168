//! Lines of the ledger about rights exercised short of a whole erasure:
//! a record deleted (Art. 17) or rectified (Art. 16), an objection (Art.
//! 21), a consent withdrawn (Art. 7(3)), processing restricted or the
//! restriction lifted (Art. 18). A backup taken before one of these still
//! holds the state the person asked to end; a restore replays these lines
//! (`Engine::replay_ledger`) so it does not come back.
//!
//! One line per act, pseudonyms and ids only, never a value:
//!
//! ```text
//! tutela-right-v1 <tenant> <subject> <time> delete-record <record id> <mac>
//! tutela-right-v1 <tenant> <subject> <time> correct <record id> <hex value MAC> <mac>
//! tutela-right-v1 <tenant> <subject> <time> rectify <record id> <hex sealed MAC> <mac>
//! tutela-right-v1 <tenant> <subject> <time> object <objection id> <purpose or *> <mac>
//! tutela-right-v1 <tenant> <subject> <time> withdraw <consent id> <purpose> <policy version> <mac>
//! tutela-right-v1 <tenant> <subject> <time> restrict on|off <mac>
//! tutela-right-v1 <tenant> <subject> <time> cancel <hex MAC of an earlier line> <mac>
//! ```
//!
//! A change's lines are appended inside its transaction, once the store's
//! checks passed and before it commits ([`crate::ledger::WriteAhead`]): a
//! change the store refuses (an identifier taken, a subject full, a record
//! gone) never reaches the ledger, crash or not, since a refused
//! rectification replayed would delete the record's correct value. A
//! change that passed its checks and then failed to commit stays on the
//! ledger, and a replay errs on the person's side.
//!
//! Tutela no longer writes `cancel` lines; earlier versions wrote one after
//! a refused change, naming the MAC of each line written ahead for it, and
//! reading a ledger still drops the latest earlier line with that MAC.
//!
//! A rectification (`correct`) carries a MAC of the new value under a key
//! derived from the subject's own data key (`DataKey::value_mac`), never
//! the value: a restore opens the record it finds with the backup's copy of
//! that key and tells whether it holds the corrected value (kept, even if
//! the person corrected it back to what the backup holds, or to the same
//! value) or another one (deleted). Once the subject is erased its key is
//! gone, and the MAC lets nobody test guesses of the value. Earlier
//! versions wrote `rectify`, with a MAC of the new *sealed* value under the
//! ledger key; a fresh nonce made every sealing differ, so a value
//! corrected back to the backup's was deleted on restore. Those lines are
//! still read, and replayed as before.

use crate::checkpoint::from_hex;
use crate::ids::{ConsentId, ObjectionId, RecordId, SubjectId, TenantId};
use jiff::Timestamp;
use tutela_policy::PurposeId;
use tutela_vault::LedgerKey;

/// The first field of every rights line: the format and its version.
pub(super) const RIGHT_FORMAT: &str = "tutela-right-v1";

/// What one rights line records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RightAct {
    /// One record deleted (Art. 17(1) for that record).
    RecordDeleted(RecordId),
    /// One record's value replaced (Art. 16): a MAC of the new value under
    /// the subject's data key (`DataKey::value_mac`).
    Corrected(RecordId, [u8; 32]),
    /// One record's value replaced, as earlier versions wrote it: a MAC of
    /// the new sealed value under the ledger key. Read, no longer written.
    Rectified(RecordId, [u8; 32]),
    /// An objection (Art. 21) with its id; `None` objects to every
    /// objectable purpose.
    Objected(ObjectionId, Option<PurposeId>),
    /// A consent withdrawn (Art. 7(3)): the withdrawal's id on the
    /// subject's consent ledger, its purpose and the policy version.
    Withdrew(ConsentId, PurposeId, u32),
    /// Processing restricted (`true`) or the restriction lifted (Art. 18).
    Restricted(bool),
    /// The line with this MAC (written by an earlier version ahead of a
    /// change the store then refused) stands for nothing. Read, no longer
    /// written.
    Cancelled([u8; 32]),
}

/// One rights line: whose subject, when, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RightEntry {
    /// The subject's tenant.
    pub tenant: TenantId,
    /// The subject's pseudonym.
    pub subject: SubjectId,
    /// When the act's change was made.
    pub at: Timestamp,
    /// The act.
    pub act: RightAct,
}

impl RightEntry {
    /// The entry as one ledger line, MAC included, without the newline.
    pub fn to_line(&self, key: &LedgerKey) -> String {
        let body = self.body();
        format!("{body} {}", hex(&key.mac(body.as_bytes())))
    }

    /// The MAC that ends this entry's line: what a `cancel` line names.
    pub fn line_mac(&self, key: &LedgerKey) -> [u8; 32] {
        key.mac(self.body().as_bytes())
    }

    fn body(&self) -> String {
        let act = match &self.act {
            RightAct::RecordDeleted(r) => format!("delete-record {r}"),
            RightAct::Corrected(r, value) => format!("correct {r} {}", hex(value)),
            RightAct::Rectified(r, value) => format!("rectify {r} {}", hex(value)),
            RightAct::Objected(id, p) => {
                format!("object {id} {}", p.as_ref().map_or("*", |p| p.as_str()))
            }
            RightAct::Withdrew(id, p, version) => format!("withdraw {id} {p} {version}"),
            RightAct::Restricted(on) => format!("restrict {}", if *on { "on" } else { "off" }),
            RightAct::Cancelled(mac) => format!("cancel {}", hex(mac)),
        };
        format!(
            "{RIGHT_FORMAT} {} {} {} {act}",
            self.tenant, self.subject, self.at
        )
    }
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The fields of a rights line after its format, MAC verified already.
pub(super) fn parse_fields(fields: &[&str]) -> Result<RightEntry, &'static str> {
    let [tenant, subject, at, act, args @ ..] = fields else {
        return Err("wrong number of fields");
    };
    let record = |s: &str| RecordId::parse(s).map_err(|_| "bad record id");
    let purpose = |s: &str| PurposeId::parse(s).map_err(|_| "bad purpose");
    let act = match (*act, args) {
        ("delete-record", [r]) => RightAct::RecordDeleted(record(r)?),
        ("correct", [r, value]) => {
            RightAct::Corrected(record(r)?, from_hex(value).ok_or("bad value MAC")?)
        }
        ("rectify", [r, value]) => {
            RightAct::Rectified(record(r)?, from_hex(value).ok_or("bad value MAC")?)
        }
        ("object", [id, p]) => RightAct::Objected(
            ObjectionId::parse(id).map_err(|_| "bad objection id")?,
            if *p == "*" { None } else { Some(purpose(p)?) },
        ),
        ("withdraw", [id, p, version]) => RightAct::Withdrew(
            ConsentId::parse(id).map_err(|_| "bad consent id")?,
            purpose(p)?,
            version.parse().map_err(|_| "bad policy version")?,
        ),
        ("restrict", ["on"]) => RightAct::Restricted(true),
        ("restrict", ["off"]) => RightAct::Restricted(false),
        ("cancel", [mac]) => RightAct::Cancelled(from_hex(mac).ok_or("bad cancelled MAC")?),
        _ => return Err("unknown act"),
    };
    Ok(RightEntry {
        tenant: TenantId::parse(tenant).map_err(|_| "bad tenant id")?,
        subject: SubjectId::parse(subject).map_err(|_| "bad subject id")?,
        at: at.parse().map_err(|_| "bad time")?,
        act,
    })
}
