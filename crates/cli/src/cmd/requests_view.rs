//! How `tutela requests` prints the queue and one request: pure
//! functions of the rows and the time, unit-tested.

use jiff::Timestamp;
use std::fmt::Write as _;
use tutela_engine::requests::RequestRow;

/// A day, for due dates.
pub fn day(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d").to_string()
}

/// The queue as a table, by due date, OVERDUE where it is.
pub fn table(rows: &[RequestRow], now: Timestamp) -> String {
    let mut text = format!(
        "{:36}  {:18}  {:10}  {:10}  {:36}  FLAG\n",
        "REQUEST", "KIND", "STATE", "DUE", "SUBJECT"
    );
    for r in rows {
        let flag = if r.overdue(now) { "OVERDUE" } else { "" };
        let _ = writeln!(
            text,
            "{:36}  {:18}  {:10}  {:10}  {:36}  {flag}",
            r.id.to_string(),
            r.kind.as_str(),
            r.state.as_str(),
            day(r.effective_due_at()),
            r.subject.to_string()
        );
    }
    text
}

/// One request, field by field (never its code or sealed detail).
pub fn details(r: &RequestRow, now: Timestamp) -> String {
    let mut text = String::new();
    let mut line = |k: &str, v: String| {
        let _ = writeln!(text, "{k:18} {v}");
    };
    line("request", r.id.to_string());
    line("subject", r.subject.to_string());
    line("kind", r.kind.to_string());
    if let Some(p) = &r.purpose {
        line("purpose", p.to_string());
    }
    line("state", r.state.to_string());
    line("received", r.received_at.to_string());
    line("due", r.due_at.to_string());
    if let Some(at) = r.extended_due_at {
        line("extended to", at.to_string());
    }
    line("overdue", r.overdue(now).to_string());
    line("handler", format!("{} <{}>", r.handler, r.handler_contact));
    if let Some(m) = r.verified_by {
        line("verified by", m.as_str().to_owned());
    }
    if let Some(d) = r.duplicate_of {
        line("duplicate of", d.to_string());
    }
    if let Some(why) = &r.refusal_reason {
        line("refused because", why.as_str().to_owned());
    }
    if let Some(note) = &r.closed_note {
        line("note", note.as_str().to_owned());
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use tutela_engine::ids::{RequestId, SubjectId, TenantId};
    use tutela_engine::requests::code::CodeState;
    use tutela_engine::requests::{KindTag, RequestState};

    fn row(due: &str, state: RequestState) -> RequestRow {
        let due: Timestamp = due.parse().unwrap();
        RequestRow {
            tenant: TenantId::parse("acme").unwrap(),
            id: RequestId::new(),
            subject: SubjectId::new(),
            kind: KindTag::Erasure,
            purpose: None,
            directive: None,
            sealed_detail: None,
            detail_digest: None,
            state,
            received_at: due,
            due_at: due,
            extended_due_at: None,
            extension_reason: None,
            refusal_reason: None,
            fee: None,
            handler: tutela_policy::FirstHandler::Controller,
            handler_contact: "privacy@acme.example".into(),
            duplicate_of: None,
            verified_at: None,
            verified_by: None,
            verification_note: None,
            code: CodeState::default(),
            fulfilled_at: None,
            closed_at: None,
            closed_note: None,
            version: 1,
        }
    }

    #[test]
    fn the_table_marks_open_requests_past_due() {
        let now: Timestamp = "2027-03-01T00:00:00Z".parse().unwrap();
        let rows = [
            row("2027-02-28T10:00:00Z", RequestState::Verified),
            row("2027-02-28T10:00:00Z", RequestState::Fulfilled),
            row("2027-03-02T10:00:00Z", RequestState::Received),
        ];
        let text = table(&rows, now);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[0].starts_with("REQUEST"));
        assert!(lines[1].ends_with("OVERDUE") && lines[1].contains("2027-02-28"));
        assert!(
            !lines[2].contains("OVERDUE"),
            "closed requests are never overdue"
        );
        assert!(!lines[3].contains("OVERDUE"));
    }
}
