//! The access answer as a standalone, accessible HTML page: one document
//! with a language, a title, landmarks, headings in order and tables with
//! captions and header scopes, no script and no external resource. Every
//! value and policy text is escaped, so a value holding markup (a
//! `<script>`) shows as text and never runs.

use super::model::{AccessAnswer, CategoryAnswer};
use std::fmt::Write as _;
use tutela_policy::Party;

/// `text` escaped for HTML text and quoted attribute values.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;line-height:1.5;max-width:60rem;\
margin:0 auto;padding:1rem;color:#111;background:#fff}table{border-collapse:collapse;width:100%;\
margin:.5rem 0 1.5rem}th,td{border:1px solid #888;padding:.3rem .5rem;text-align:left;\
vertical-align:top;overflow-wrap:anywhere}caption{text-align:left;font-weight:600}";

/// The whole page.
pub fn access_html(a: &AccessAnswer) -> String {
    let mut out = String::new();
    let title = format!("Your data at {}", escape(&a.controller.name));
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n<h1>{title}</h1>\n"
    );
    let _ = writeln!(
        out,
        "<p>Answer to your access request (Art. 15 GDPR), made <time datetime=\"{0}\">{0}</time> \
         from policy version {1}. Reference: <code>{2}</code>.</p>",
        a.generated_at, a.policy_version, a.subject
    );
    if a.restricted {
        out.push_str("<p>Processing of your data is restricted (Art. 18): it is used for nothing but answering you.</p>\n");
    }
    out.push_str("<section aria-labelledby=\"who\">\n<h2 id=\"who\">Who we are</h2>\n<ul>\n");
    party(&mut out, "Controller", &a.controller);
    if let Some(d) = &a.dpo {
        party(&mut out, "Data protection officer", d);
    }
    let _ = writeln!(
        out,
        "<li>Supervisory authority: {}</li>\n</ul>\n</section>",
        escape(&a.authority.name)
    );
    out.push_str(
        "<section aria-labelledby=\"data\">\n<h2 id=\"data\">The data we hold about you</h2>\n",
    );
    if a.categories.is_empty() {
        out.push_str("<p>We hold no data about you.</p>\n");
    }
    for (i, c) in a.categories.iter().enumerate() {
        category(&mut out, i, c);
    }
    out.push_str("</section>\n<section aria-labelledby=\"auto\">\n<h2 id=\"auto\">Automated decisions and profiling</h2>\n");
    let _ = writeln!(
        out,
        "<p>{}</p>\n</section>",
        escape(&a.automated_decisions.text)
    );
    ledger(&mut out, a);
    lifecycle(&mut out, a);
    surveys(&mut out, a);
    log(&mut out, a);
    out.push_str(
        "<section aria-labelledby=\"rights\">\n<h2 id=\"rights\">Your rights</h2>\n<dl>\n",
    );
    for r in &a.rights {
        let _ = writeln!(
            out,
            "<dt>{} {}</dt><dd>{}</dd>",
            escape(&r.article),
            escape(&r.right),
            escape(&r.text)
        );
    }
    out.push_str("</dl>\n</section>\n</main>\n</body>\n</html>\n");
    out
}

fn party(out: &mut String, role: &str, p: &Party) {
    let _ = write!(
        out,
        "<li>{role}: {} (<a href=\"mailto:{1}\">{1}</a>)",
        escape(&p.name),
        escape(&p.email)
    );
    if let Some(a) = &p.address {
        let _ = write!(out, ", {}", escape(a));
    }
    out.push_str("</li>\n");
}

fn category(out: &mut String, i: usize, c: &CategoryAnswer) {
    let _ = writeln!(
        out,
        "<h3 id=\"c{i}\">{} (<code>{}</code>)</h3>\n<ul>",
        escape(&c.description),
        escape(c.category.as_str())
    );
    for p in &c.purposes {
        let _ = writeln!(
            out,
            "<li>Used for <code>{}</code>: {}. Legal basis: {} ({}).</li>",
            escape(p.purpose.as_str()),
            escape(&p.description),
            escape(&p.basis_text),
            escape(&p.article)
        );
    }
    for r in &c.recipients {
        let _ = writeln!(
            out,
            "<li>Shared with {} ({}), {}: {}.</li>",
            escape(&r.name),
            r.role,
            escape(&r.country_name),
            escape(&r.safeguard_text)
        );
    }
    let _ = writeln!(out, "<li>Retention: {}</li>", escape(&c.retention_text));
    for h in &c.holds {
        let _ = writeln!(out, "<li>Statutory hold: {}</li>", escape(&h.text));
    }
    let sources: Vec<String> = c.sources.iter().map(|s| escape(s)).collect();
    let _ = writeln!(out, "<li>Source: {}</li>\n</ul>", sources.join(", "));
    let _ = writeln!(
        out,
        "<table aria-describedby=\"c{i}\">\n<caption>Values of {}</caption>\n<thead><tr><th scope=\"col\">Value</th>\
         <th scope=\"col\">Collected for</th><th scope=\"col\">Source</th><th scope=\"col\">Collected at</th></tr></thead>\n<tbody>",
        escape(&c.description)
    );
    for r in &c.records {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&r.value),
            escape(r.collected_for.as_str()),
            escape(&r.source),
            r.collected_at
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

fn ledger(out: &mut String, a: &AccessAnswer) {
    out.push_str(
        "<section aria-labelledby=\"ledger\">\n<h2 id=\"ledger\">Consents and objections</h2>\n",
    );
    if a.consents.is_empty() && a.objections.is_empty() {
        out.push_str("<p>None recorded.</p>\n</section>\n");
        return;
    }
    out.push_str("<ul>\n");
    for c in &a.consents {
        let what = if c.granted { "granted" } else { "withdrawn" };
        let _ = writeln!(
            out,
            "<li>Consent to <code>{}</code> {what} at {}</li>",
            escape(c.purpose.as_str()),
            c.at
        );
    }
    for o in &a.objections {
        let to = o
            .purpose
            .as_ref()
            .map_or("every purpose that can be objected to", |p| p.as_str());
        let _ = writeln!(out, "<li>Objection to {} at {}</li>", escape(to), o.at);
    }
    out.push_str("</ul>\n</section>\n");
}

/// Plans, events and the activity mark retention counts from.
fn lifecycle(out: &mut String, a: &AccessAnswer) {
    let lines = a.lifecycle.sentences();
    if lines.is_empty() {
        return;
    }
    out.push_str(
        "<section aria-labelledby=\"lifecycle\">\n<h2 id=\"lifecycle\">What your retention periods count from</h2>\n<ul>\n",
    );
    for line in lines {
        let _ = writeln!(out, "<li>{}</li>", escape(&line));
    }
    out.push_str("</ul>\n</section>\n");
}

/// The surveys the subject was named in.
fn surveys(out: &mut String, a: &AccessAnswer) {
    if a.surveys.is_empty() {
        return;
    }
    out.push_str(
        "<section aria-labelledby=\"surveys\">\n<h2 id=\"surveys\">Surveys you were asked to take part in</h2>\n<ul>\n",
    );
    for s in &a.surveys {
        let _ = writeln!(out, "<li>{}</li>", escape(&s.sentence()));
    }
    out.push_str("</ul>\n");
    if !a.surveys_complete {
        out.push_str("<p>There are more than this answer shows; ask us for the rest.</p>\n");
    }
    out.push_str("</section>\n");
}

fn log(out: &mut String, a: &AccessAnswer) {
    out.push_str("<section aria-labelledby=\"log\">\n<h2 id=\"log\">Who used your data</h2>\n");
    if a.access_log.is_empty() {
        out.push_str("<p>No use is recorded.</p>\n</section>\n");
        return;
    }
    out.push_str("<table>\n<caption>Every read, disclosure, lookup and access of your data</caption>\n<thead><tr>\
        <th scope=\"col\">When</th><th scope=\"col\">What</th><th scope=\"col\">By</th><th scope=\"col\">Purpose</th>\
        <th scope=\"col\">Recipient</th><th scope=\"col\">Outcome</th></tr></thead>\n<tbody>\n");
    for e in &a.access_log {
        let outcome = e
            .refusal
            .as_ref()
            .map_or_else(|| "allowed".to_owned(), |c| format!("refused ({c})"));
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            e.at,
            escape(&e.action),
            escape(&e.by),
            escape(e.purpose.as_deref().unwrap_or("")),
            escape(e.recipient.as_deref().unwrap_or("")),
            escape(&outcome)
        );
    }
    out.push_str("</tbody>\n</table>\n");
    if !a.access_log_complete {
        out.push_str("<p>The log is longer than this answer shows; ask us for the rest.</p>\n");
    }
    out.push_str("</section>\n");
}
