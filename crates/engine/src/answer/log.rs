//! The subject's access log (Art. 15(1)(c)): every read, disclosure,
//! lookup and access of the subject's data from the audit chain, with the
//! key that did it named by its label, never its secret.

use super::model::AccessLogEntry;
use crate::audit::{Action, AuditEntry};
use jiff::Timestamp;
use std::collections::HashMap;

/// The actions that use the subject's data, as the chain names them.
const LOGGED: [Action; 6] = [
    Action::RecordRead,
    Action::RecordDisclose,
    Action::SubjectLookup,
    Action::SubjectAccess,
    Action::SubjectExport,
    Action::ReportUse,
];

/// The log entries of `entries` (all about one subject), oldest first.
/// `labels` maps an API key's id (as in `key:<id>`) to its label.
pub(super) fn access_log(
    entries: &[AuditEntry],
    labels: &HashMap<String, String>,
) -> Vec<AccessLogEntry> {
    entries
        .iter()
        .filter(|e| LOGGED.iter().any(|a| a.as_str() == e.action))
        .map(|e| entry(e, labels))
        .collect()
}

fn entry(e: &AuditEntry, labels: &HashMap<String, String>) -> AccessLogEntry {
    let refusal = e.outcome.strip_prefix("denied:").map(str::to_owned);
    AccessLogEntry {
        at: Timestamp::from_microsecond(e.at_us).unwrap_or(Timestamp::UNIX_EPOCH),
        action: e.action.clone(),
        by: actor_label(&e.actor, labels),
        purpose: e.purpose.clone(),
        recipient: recipient(&e.detail),
        allowed: e.outcome == "allowed",
        refusal,
    }
}

/// `key:<id>` as the key's label; the local CLI and the system as such.
pub(super) fn actor_label(actor: &str, labels: &HashMap<String, String>) -> String {
    match actor {
        "cli" => "local administrator (cli)".to_owned(),
        "system" => "system".to_owned(),
        _ => match actor.strip_prefix("key:") {
            Some(id) => labels
                .get(id)
                .map_or_else(|| format!("API key {id}"), |l| format!("API key '{l}'")),
            None => actor.to_owned(),
        },
    }
}

/// The `recipient=<id>` of a disclosure's detail.
fn recipient(detail: &str) -> Option<String> {
    detail
        .split(' ')
        .find_map(|part| part.strip_prefix("recipient="))
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(action: &str, actor: &str, detail: &str, outcome: &str) -> AuditEntry {
        AuditEntry {
            lane: 0,
            seq: 1,
            at_us: 1_700_000_000_000_000,
            actor: actor.into(),
            action: action.into(),
            purpose: Some("support".into()),
            subject: Some("s".into()),
            detail: detail.into(),
            outcome: outcome.into(),
            prev_mac: [0; 32],
            mac: [0; 32],
        }
    }

    #[test]
    fn uses_are_logged_with_labels_recipients_and_refusals() {
        let labels = HashMap::from([("k1".to_owned(), "support-bot".to_owned())]);
        let entries = [
            raw("record.write", "key:k1", "categories=email", "allowed"),
            raw(
                "record.read",
                "key:k1",
                "categories=email count=1",
                "allowed",
            ),
            raw(
                "record.disclose",
                "cli",
                "categories=name count=1 recipient=helpdesk",
                "allowed",
            ),
            raw("record.read", "key:gone", "", "denied:E_OBJECTED"),
            raw("subject.lookup", "system", "category=email", "allowed"),
            raw("consent.grant", "key:k1", "", "allowed"),
        ];
        let log = access_log(&entries, &labels);
        let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "record.read",
                "record.disclose",
                "record.read",
                "subject.lookup"
            ],
            "writes and consent are not uses"
        );
        assert_eq!(log[0].by, "API key 'support-bot'");
        assert!(log[0].allowed && log[0].refusal.is_none() && log[0].recipient.is_none());
        assert_eq!(log[1].by, "local administrator (cli)");
        assert_eq!(log[1].recipient.as_deref(), Some("helpdesk"));
        assert_eq!(log[2].by, "API key gone", "an unknown key keeps its id");
        assert!(!log[2].allowed);
        assert_eq!(log[2].refusal.as_deref(), Some("E_OBJECTED"));
        assert_eq!(log[3].by, "system");
        assert_eq!(log[0].at.as_microsecond(), 1_700_000_000_000_000);
    }
}
