//! The access answer as a readable Markdown summary. Every value and every
//! policy text is escaped, so a value holding Markdown or HTML shows as the
//! characters it is, never as a link, markup or a broken table.

use super::model::{AccessAnswer, CategoryAnswer};
use std::fmt::Write as _;
use tutela_policy::Party;

/// `text` made inert in Markdown, on one line: every character that can
/// start markup is backslash-escaped, `<` and `>` become entities, and line
/// breaks become spaces (a table cell cannot span lines). Parentheses and
/// `!` stay as they are, so "Art. 6(1)(b)" reads cleanly: with `[` and `]`
/// escaped they can form neither a link nor an image.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn party(out: &mut String, role: &str, p: &Party) {
    let _ = write!(out, "- {role}: {} ({})", escape(&p.name), escape(&p.email));
    if let Some(a) = &p.address {
        let _ = write!(out, ", {}", escape(a));
    }
    out.push('\n');
}

/// What a statutory hold keeps (Art. 17(3)(b), 18(1)): after an erasure,
/// all that is left; for a live subject, the records past their retention
/// period that a law still requires keeping. Nothing when nothing is held.
fn held(out: &mut String, a: &AccessAnswer) {
    match a.erased_at {
        Some(at) => {
            let _ = writeln!(
                out,
                "Your data was erased on {} (Art. 17). A law requires keeping what follows \
                 (Art. 17(3)(b)); it is used for nothing else and erased when the hold ends:\n",
                at.strftime("%Y-%m-%d")
            );
        }
        None if !a.held.is_empty() => out.push_str(
            "Some of your data is past its retention period, but a law requires keeping it \
             (Art. 17(3)(b)); it is used for nothing else (Art. 18(1)) and erased when the \
             hold ends:\n\n",
        ),
        None => return,
    }
    for h in &a.held {
        let _ = writeln!(
            out,
            "- {}: {}",
            escape(h.category.as_str()),
            escape(&h.text)
        );
    }
    out.push('\n');
}

/// The whole summary.
pub fn access_markdown(a: &AccessAnswer) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Your data at {}\n", escape(&a.controller.name));
    let _ = writeln!(
        out,
        "Answer to your access request (Art. 15 GDPR), made {} from policy version {}. \
         Reference: {}.\n",
        a.generated_at, a.policy_version, a.subject
    );
    if a.restricted {
        out.push_str("Processing of your data is restricted (Art. 18): it is used for nothing but answering you.\n\n");
    }
    held(&mut out, a);
    out.push_str("## Who we are\n\n");
    party(&mut out, "Controller", &a.controller);
    if let Some(d) = &a.dpo {
        party(&mut out, "Data protection officer", d);
    }
    let _ = writeln!(
        out,
        "- Supervisory authority: {}\n",
        escape(&a.authority.name)
    );
    out.push_str("## The data we hold about you\n\n");
    if a.categories.is_empty() {
        out.push_str("We hold no data about you.\n\n");
    }
    for c in &a.categories {
        category(&mut out, c);
    }
    out.push_str("## Automated decisions and profiling\n\n");
    let _ = writeln!(out, "{}\n", escape(&a.automated_decisions.text));
    ledger(&mut out, a);
    lifecycle(&mut out, a);
    surveys(&mut out, a);
    log(&mut out, a);
    out.push_str("## Your rights\n\n");
    for r in &a.rights {
        let _ = writeln!(
            out,
            "- **{} {}**: {}",
            escape(&r.article),
            escape(&r.right),
            escape(&r.text)
        );
    }
    out
}

fn category(out: &mut String, c: &CategoryAnswer) {
    let _ = writeln!(
        out,
        "### {} ({})\n",
        escape(&c.description),
        escape(c.category.as_str())
    );
    for p in &c.purposes {
        let _ = writeln!(
            out,
            "- Used for {}: {}. Legal basis: {} ({}).",
            escape(p.purpose.as_str()),
            escape(&p.description),
            escape(&p.basis_text),
            escape(&p.article)
        );
    }
    for r in &c.recipients {
        let _ = writeln!(
            out,
            "- Shared with {} ({}), {}: {}.",
            escape(&r.name),
            r.role,
            escape(&r.country_name),
            escape(&r.safeguard_text)
        );
    }
    let _ = writeln!(out, "- Retention: {}", escape(&c.retention_text));
    for h in &c.holds {
        let _ = writeln!(out, "- Statutory hold: {}", escape(&h.text));
    }
    let sources: Vec<String> = c.sources.iter().map(|s| escape(s)).collect();
    let _ = writeln!(out, "- Source: {}\n", sources.join(", "));
    out.push_str("| value | collected for | source | collected at |\n|---|---|---|---|\n");
    for r in &c.records {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            escape(&r.value),
            escape(r.collected_for.as_str()),
            escape(&r.source),
            r.collected_at
        );
    }
    out.push('\n');
}

fn ledger(out: &mut String, a: &AccessAnswer) {
    out.push_str("## Consents and objections\n\n");
    if a.consents.is_empty() && a.objections.is_empty() {
        out.push_str("None recorded.\n\n");
        return;
    }
    for c in &a.consents {
        let what = if c.granted { "granted" } else { "withdrawn" };
        let _ = writeln!(
            out,
            "- Consent to {} {what} at {}",
            escape(c.purpose.as_str()),
            c.at
        );
    }
    for o in &a.objections {
        let to = o
            .purpose
            .as_ref()
            .map_or("every purpose that can be objected to", |p| p.as_str());
        let _ = writeln!(out, "- Objection to {} at {}", escape(to), o.at);
    }
    out.push('\n');
}

/// Plans, events and the activity mark retention counts from.
fn lifecycle(out: &mut String, a: &AccessAnswer) {
    let lines = a.lifecycle.sentences();
    if lines.is_empty() {
        return;
    }
    out.push_str("## What your retention periods count from\n\n");
    for line in lines {
        let _ = writeln!(out, "- {}", escape(&line));
    }
    out.push('\n');
}

/// The surveys the subject was named in.
fn surveys(out: &mut String, a: &AccessAnswer) {
    if a.surveys.is_empty() {
        return;
    }
    out.push_str("## Surveys you were asked to take part in\n\n");
    for s in &a.surveys {
        let _ = writeln!(out, "- {}", escape(&s.sentence()));
    }
    if !a.surveys_complete {
        out.push_str("\nThere are more than this answer shows; ask us for the rest.\n");
    }
    out.push('\n');
}

fn log(out: &mut String, a: &AccessAnswer) {
    out.push_str("## Who used your data\n\n");
    if a.access_log.is_empty() {
        out.push_str("No use is recorded.\n\n");
        return;
    }
    out.push_str(
        "| when | what | by | purpose | recipient | outcome |\n|---|---|---|---|---|---|\n",
    );
    for e in &a.access_log {
        let outcome = e
            .refusal
            .as_ref()
            .map_or_else(|| "allowed".to_owned(), |c| format!("refused ({c})"));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            e.at,
            escape(&e.action),
            escape(&e.by),
            escape(e.purpose.as_deref().unwrap_or("")),
            escape(e.recipient.as_deref().unwrap_or("")),
            escape(&outcome)
        );
    }
    if !a.access_log_complete {
        out.push_str("\nThe log is longer than this answer shows; ask us for the rest.\n");
    }
    out.push('\n');
}
