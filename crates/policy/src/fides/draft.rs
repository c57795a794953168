//! A policy skeleton built from a Fides manifest, and its text: a
//! commented TOML policy file. Whatever Fides does not record is left out
//! with a `TODO` comment in its place, so `tutela policy check` names each
//! gap as an error at that spot rather than the file inventing a value.

use std::fmt::Write;

use super::manifest::{
    AuthorityFacts, HoldFacts, PurposeFacts, RecipientFacts, RightsFacts, RuleFacts, SubjectFacts,
};

/// The whole skeleton.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Draft {
    /// Where it came from, for the header comment.
    pub sources: Vec<String>,
    /// Notes about the whole policy, written under the header.
    pub notes: Vec<String>,
    pub name: Option<String>,
    pub hosting: Option<String>,
    pub profiling: bool,
    pub controller: DraftParty,
    pub dpo: Option<DraftParty>,
    pub authority: Option<AuthorityFacts>,
    pub categories: Vec<DraftCategory>,
    pub subject_kinds: Vec<SubjectFacts>,
    pub purposes: Vec<DraftPurpose>,
    pub recipients: Vec<RecipientFacts>,
    pub retention: Vec<DraftRule>,
    pub holds: Vec<HoldFacts>,
    pub min_group_size: Option<u32>,
    pub rights: Option<RightsFacts>,
    pub security_measures: Vec<String>,
    pub notice_period: Option<String>,
}

/// The controller or DPO, each part possibly unknown.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct DraftParty {
    pub name: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
}

/// A category and what a person should check about it.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct DraftCategory {
    pub id: String,
    pub description: String,
    pub taxonomy: String,
    pub identifier: bool,
    pub storable: bool,
    pub notes: Vec<String>,
}

/// A purpose, its basis in the policy's word, and notes for a person.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct DraftPurpose {
    pub facts: PurposeFacts,
    pub basis: String,
    pub notes: Vec<String>,
    /// The third parties the Fides declaration names, to be matched
    /// against the purpose's recipients once everything is read.
    pub shared_with: Vec<String>,
}

/// A retention rule and where it came from.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct DraftRule {
    pub rule: RuleFacts,
    pub notes: Vec<String>,
}

/// A TOML basic string, quoted and escaped.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| quoted(s)).collect();
    format!("[{}]", quoted.join(", "))
}

/// Comment lines; any line break in a note stays inside the comment.
fn notes(out: &mut String, notes: &[String]) {
    for note in notes {
        for line in note.lines() {
            let line: String = line
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            let _ = writeln!(out, "# {line}");
        }
    }
}

fn key(out: &mut String, name: &str, value: Option<&str>) {
    if let Some(v) = value {
        let _ = writeln!(out, "{name} = {}", quoted(v));
    }
}

fn flag(out: &mut String, name: &str, value: bool) {
    if value {
        let _ = writeln!(out, "{name} = true");
    }
}

/// The policy file text.
pub(crate) fn render(d: &Draft) -> String {
    let mut out = String::new();
    header(&mut out, d);
    parties(&mut out, d);
    for c in &d.categories {
        out.push('\n');
        notes(&mut out, &c.notes);
        out.push_str("[[category]]\n");
        key(&mut out, "id", Some(&c.id));
        key(&mut out, "description", Some(&c.description));
        key(&mut out, "taxonomy", Some(&c.taxonomy));
        flag(&mut out, "identifier", c.identifier);
        if !c.storable {
            out.push_str("storable = false\n");
        }
    }
    for k in &d.subject_kinds {
        out.push_str("\n[[subject_kind]]\n");
        key(&mut out, "id", Some(&k.id));
        key(&mut out, "description", Some(&k.description));
    }
    d.purposes.iter().for_each(|p| purpose(&mut out, p));
    d.recipients.iter().for_each(|r| recipient(&mut out, r));
    for r in &d.retention {
        out.push('\n');
        notes(&mut out, &r.notes);
        out.push_str("[[retention]]\n");
        let _ = writeln!(out, "categories = {}", list(&r.rule.categories));
        key(&mut out, "keep", Some(&r.rule.keep));
        key(&mut out, "from", Some(&r.rule.from));
        key(&mut out, "then", Some(&r.rule.then));
    }
    for h in &d.holds {
        out.push_str("\n[[hold]]\n");
        let _ = writeln!(out, "categories = {}", list(&h.categories));
        key(&mut out, "law", Some(&h.law));
        key(&mut out, "keep", Some(&h.keep));
        key(&mut out, "from", Some(&h.from));
    }
    settings(&mut out, d);
    out
}

fn header(out: &mut String, d: &Draft) {
    out.push_str("# Tutela policy imported from a Fides manifest");
    if !d.sources.is_empty() {
        let _ = write!(out, " ({})", d.sources.join(", "));
    }
    out.push_str(
        ".\n# Read it through: lines marked TODO need facts Fides does not record.\n\
         # `tutela policy check` shows what is still missing, with line and column.\n",
    );
    notes(out, &d.notes);
    out.push('\n');
    key(out, "name", d.name.as_deref());
    match &d.hosting {
        Some(h) => key(out, "hosting", Some(h)),
        None => out.push_str(
            "# TODO: where the data is stored, e.g. hosting = \"Frankfurt, Germany (EU)\"\n",
        ),
    }
    let _ = writeln!(out, "profiling = {}", d.profiling);
    if !d.security_measures.is_empty() {
        let _ = writeln!(out, "security_measures = {}", list(&d.security_measures));
    }
}

fn parties(out: &mut String, d: &Draft) {
    out.push_str("\n[controller]\n");
    party(out, &d.controller, "the controller (Art. 4(7))");
    if let Some(dpo) = &d.dpo {
        out.push_str("\n[dpo]\n");
        party(out, dpo, "the data protection officer (Art. 37)");
    }
    out.push('\n');
    match &d.authority {
        Some(a) => {
            out.push_str("[authority]\n");
            key(out, "name", Some(&a.name));
            key(out, "url", a.url.as_deref());
            key(out, "email", a.email.as_deref());
        }
        None => out.push_str(
            "# TODO: the supervisory authority people may complain to (Art. 77); Fides does not\n\
             # record it. Usually the one where the controller is established.\n\
             [authority]\n",
        ),
    }
}

fn party(out: &mut String, p: &DraftParty, who: &str) {
    match &p.name {
        Some(name) => key(out, "name", Some(name)),
        None => {
            let _ = writeln!(out, "# TODO: name = the full name of {who}");
        }
    }
    match &p.email {
        Some(email) => key(out, "email", Some(email)),
        None => {
            let _ = writeln!(out, "# TODO: email = where people write to {who}");
        }
    }
    key(out, "address", p.address.as_deref());
}

fn purpose(out: &mut String, p: &DraftPurpose) {
    let f = &p.facts;
    out.push('\n');
    notes(out, &p.notes);
    out.push_str("[[purpose]]\n");
    key(out, "id", Some(&f.id));
    key(out, "description", Some(&f.description));
    key(out, "basis", Some(&p.basis));
    let _ = writeln!(out, "categories = {}", list(&f.categories));
    if !f.recipients.is_empty() {
        let _ = writeln!(out, "recipients = {}", list(&f.recipients));
    }
    flag(out, "direct_marketing", f.direct_marketing);
    flag(out, "profiling", f.profiling);
    flag(out, "essential", f.essential);
    key(out, "consent_valid_for", f.consent_valid_for.as_deref());
    flag(out, "soft_opt_in", f.soft_opt_in);
    flag(out, "sale_or_sharing", f.sale_or_sharing);
    if !f.subject_kinds.is_empty() {
        let _ = writeln!(out, "subject_kinds = {}", list(&f.subject_kinds));
    }
    flag(out, "reporting", f.reporting);
    if !f.export_to.is_empty() {
        let _ = writeln!(out, "export_to = {}", list(&f.export_to));
    }
}

/// A recipient; a role or country Fides did not record (a third party it
/// only names) is left out with a TODO, so `policy check` reports it.
fn recipient(out: &mut String, r: &RecipientFacts) {
    out.push('\n');
    if r.role.is_empty() {
        out.push_str(
            "# TODO: role = \"processor\", \"controller\" or \"authority\" (Fides names this third party only)\n",
        );
    }
    if r.country.is_empty() {
        out.push_str(
            "# TODO: country = the ISO 3166 code of where it receives the data (and a safeguard if outside the EEA)\n",
        );
    }
    out.push_str("[[recipient]]\n");
    key(out, "id", Some(&r.id));
    key(out, "name", Some(&r.name));
    key(out, "role", Some(r.role.as_str()).filter(|v| !v.is_empty()));
    key(
        out,
        "country",
        Some(r.country.as_str()).filter(|v| !v.is_empty()),
    );
    key(out, "safeguard", r.safeguard.as_deref());
}

fn settings(out: &mut String, d: &Draft) {
    if let Some(size) = d.min_group_size {
        let _ = writeln!(out, "\n[anonymity]\nmin_group_size = {size}");
    }
    if let Some(r) = &d.rights {
        out.push_str("\n[rights]\n");
        key(out, "answer_within", Some(&r.answer_within));
        key(out, "extension", Some(&r.extension));
        key(out, "verification", Some(&r.verification));
        key(out, "first_handler", Some(&r.first_handler));
    }
    if let Some(period) = &d.notice_period {
        out.push_str("\n[changes]\n");
        key(out, "notice_period", Some(period));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_for_toml() {
        assert_eq!(quoted("plain"), "\"plain\"");
        assert_eq!(
            quoted("a \"b\" \\ c\nd\u{7}"),
            "\"a \\\"b\\\" \\\\ c\\nd\\u0007\""
        );
        let text = format!("x = {}\n", quoted("quote \" back \\ bell \u{7} nl \n"));
        let parsed: toml::Table = toml::from_str(&text).unwrap_or_default();
        assert_eq!(
            parsed.get("x").and_then(|v| v.as_str()),
            Some("quote \" back \\ bell \u{7} nl \n")
        );
    }

    #[test]
    fn notes_cannot_break_out_of_comments() {
        let mut out = String::new();
        notes(&mut out, &["one\nname = \"injected\"\rx".to_owned()]);
        assert_eq!(out, "# one\n# name = \"injected\" x\n");
    }
}
