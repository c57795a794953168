//! The privacy notice, written from the policy in plain, short language
//! (Art. 13, 14): who is responsible, one section per purpose, recipients and
//! transfers, rights. Because it is generated, the notice cannot drift
//! from what the engine enforces.

mod phrases;
#[cfg(test)]
mod tests;

use std::fmt::Write as _;

use crate::ids::CategoryId;
use crate::model::{Category, Policy, Purpose};
use crate::terms::{Disposal, FirstHandler};

use phrases::{
    capitalise, choices, line, role, sentence, strip_stop, title_case, transfer, verification,
};

impl Policy {
    /// The privacy notice as Markdown. The same policy always gives the
    /// same text.
    pub fn render_notice(&self) -> String {
        let mut out = String::new();
        self.title(&mut out);
        self.responsible(&mut out);
        self.subjects(&mut out);
        for p in &self.purposes {
            self.purpose_section(&mut out, p);
        }
        self.recipients_section(&mut out);
        self.profiling_section(&mut out);
        self.anonymity_section(&mut out);
        self.rights_section(&mut out);
        out
    }

    fn title(&self, out: &mut String) {
        let whose = self.name.as_deref().unwrap_or(&self.controller.name);
        line(out, &format!("# Privacy notice: {whose}"));
        line(out, "");
        line(
            out,
            &format!(
                "This notice explains which personal data we use for {whose}, why, who else \
                 gets it, how long it is kept, and what you can do about it."
            ),
        );
        line(out, "");
    }

    fn responsible(&self, out: &mut String) {
        let c = &self.controller;
        line(out, "## Who is responsible");
        line(out, "");
        line(
            out,
            &format!(
                "{} decides why and how your data is used (the controller).",
                c.name
            ),
        );
        line(out, "");
        if let Some(address) = &c.address {
            line(out, &format!("- Address: {address}"));
        }
        line(out, &format!("- Email: {}", c.email));
        line(out, "");
        match &self.dpo {
            Some(d) => {
                let address = d
                    .address
                    .as_deref()
                    .map(|a| format!(", {a}"))
                    .unwrap_or_default();
                line(
                    out,
                    &format!(
                        "Our data protection officer is {}, whom you can reach at {}{address}.",
                        d.name, d.email
                    ),
                );
            }
            None => line(
                out,
                &format!(
                    "We have not appointed a data protection officer. Write to {} with any \
                     question about your data.",
                    c.email
                ),
            ),
        }
        if let Some(hosting) = &self.hosting {
            line(out, "");
            line(out, &format!("Your data is stored in {hosting}."));
        }
        line(out, "");
    }

    fn subjects(&self, out: &mut String) {
        if self.subject_kinds.is_empty() {
            return;
        }
        line(out, "## Whose data this is about");
        line(out, "");
        for k in &self.subject_kinds {
            line(out, &format!("- {}", sentence(&k.description)));
        }
        line(out, "");
    }

    fn purpose_section(&self, out: &mut String, p: &Purpose) {
        line(out, &format!("## {}", title_case(p.id.as_str())));
        line(out, "");
        line(out, &sentence(&p.description));
        line(out, "");
        line(
            out,
            &format!(
                "**Legal basis:** {} ({} GDPR).",
                capitalise(p.basis.plain()),
                p.basis.article()
            ),
        );
        line(out, "");
        line(out, "**Data used, and how long it is kept:**");
        line(out, "");
        for (names, keeping) in self.grouped_keeping(&p.categories) {
            line(out, &format!("- {}: {keeping}", names.join("; ")));
        }
        line(out, "");
        let shared: Vec<String> = p
            .recipients
            .iter()
            .filter_map(|r| self.recipient(r))
            .map(|r| format!("{}, {}", r.name, r.country.name()))
            .collect();
        if shared.is_empty() {
            line(out, "**Shared with:** nobody outside the controller.");
        } else {
            line(out, &format!("**Shared with:** {}.", shared.join("; ")));
        }
        line(out, "");
        for choice in choices(p) {
            line(out, &choice);
            line(out, "");
        }
    }

    /// The categories with their keeping periods, those kept alike grouped
    /// together, in the order they are listed.
    fn grouped_keeping(&self, ids: &[CategoryId]) -> Vec<(Vec<String>, String)> {
        let mut groups: Vec<(Vec<String>, String)> = Vec::new();
        for c in ids.iter().filter_map(|id| self.category(id)) {
            let keeping = self.keeping(c);
            let name = strip_stop(&c.description);
            match groups.iter_mut().find(|(_, k)| *k == keeping) {
                Some((names, _)) => names.push(name),
                None => groups.push((vec![name], keeping)),
            }
        }
        groups
    }

    /// How long one category is kept, in words.
    fn keeping(&self, c: &Category) -> String {
        if !c.storable {
            return "used only in passing and never stored.".to_owned();
        }
        let rules: Vec<String> = self
            .retention_for(&c.id)
            .map(|r| {
                let verb = match r.then {
                    Disposal::Delete => "deleted",
                    Disposal::Anonymise => "made anonymous",
                };
                format!("{verb} {} {}", r.keep, r.from.plain())
            })
            .collect();
        let mut text = match rules.len() {
            0 => "no fixed deletion period is set".to_owned(),
            1 => rules.join(""),
            _ => format!("{}, whichever comes first", rules.join(", or ")),
        };
        for h in self.holds_for(&c.id) {
            let _ = write!(
                text,
                "; {} requires us to keep it for {} {}, and until then it is locked and used \
                 for nothing else",
                h.law,
                h.keep,
                h.from.plain()
            );
        }
        text.push('.');
        text
    }

    fn recipients_section(&self, out: &mut String) {
        line(out, "## Who else receives data");
        line(out, "");
        if self.recipients.is_empty() {
            line(out, "We do not pass your data on to anyone else.");
            line(out, "");
            return;
        }
        for r in &self.recipients {
            let purposes: Vec<String> = self
                .purposes_disclosing_to(&r.id)
                .map(|p| title_case(p.id.as_str()))
                .collect();
            let used_for = if purposes.is_empty() {
                String::new()
            } else {
                format!(" For: {}.", purposes.join(", "))
            };
            line(
                out,
                &format!("- **{}**, {}. {}{used_for}", r.name, role(r), transfer(r)),
            );
        }
        line(out, "");
    }

    fn profiling_section(&self, out: &mut String) {
        line(out, "## Profiling and automated decisions");
        line(out, "");
        let profiling: Vec<String> = self
            .purposes
            .iter()
            .filter(|p| p.profiling)
            .map(|p| title_case(p.id.as_str()))
            .collect();
        if !self.profiling || profiling.is_empty() {
            line(
                out,
                "We do not profile you, and no decision about you is made by a machine alone.",
            );
        } else {
            line(
                out,
                &format!(
                    "We evaluate personal aspects of you (profiling) for: {}. You may ask us how \
                     this works and what it means for you (Art. 15(1)(h) GDPR), and ask for a \
                     person to review any decision (Art. 22 GDPR).",
                    profiling.join(", ")
                ),
            );
        }
        line(out, "");
    }

    fn anonymity_section(&self, out: &mut String) {
        line(out, "## Figures about groups");
        line(out, "");
        line(
            out,
            &format!(
                "When we show figures about a group, such as averages, we never show them for a \
                 group of fewer than {} people, so nobody can be singled out.",
                self.anonymity.min_group_size
            ),
        );
        line(out, "");
    }

    fn rights_section(&self, out: &mut String) {
        let r = &self.rights;
        line(out, "## Your rights");
        line(out, "");
        line(out, "You can:");
        line(out, "");
        line(
            out,
            "- see the data we hold about you and get a copy of it (access, Art. 15 GDPR);",
        );
        line(
            out,
            "- have wrong data corrected (correction, Art. 16 GDPR);",
        );
        let erasure = if self.holds.is_empty() {
            "- have your data erased (erasure, Art. 17 GDPR);".to_owned()
        } else {
            "- have your data erased (erasure, Art. 17 GDPR); data a law makes us keep is locked \
             instead and erased when that period ends;"
                .to_owned()
        };
        line(out, &erasure);
        line(
            out,
            "- have the use of your data limited (restriction, Art. 18 GDPR);",
        );
        line(
            out,
            "- object to uses based on our legitimate interests or a public task, and to \
             marketing at any time (objection, Art. 21 GDPR);",
        );
        line(
            out,
            "- get the data you gave us in a machine-readable file, or have it sent to another \
             organisation (portability, Art. 20 GDPR);",
        );
        line(
            out,
            "- withdraw a consent at any time; this stops the use from then on and does not make \
             earlier use unlawful (Art. 7(3) GDPR);",
        );
        let a = &self.authority;
        let contact: Vec<&str> = [a.url.as_deref(), a.email.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        let contact = if contact.is_empty() {
            String::new()
        } else {
            format!(", {}", contact.join(", "))
        };
        line(
            out,
            &format!(
                "- complain to a supervisory authority (Art. 77 GDPR), such as the one responsible for us: {}{contact}.",
                a.name
            ),
        );
        line(out, "");
        let to = match r.first_handler {
            FirstHandler::Controller => format!("Send your request to {}.", self.controller.email),
            FirstHandler::Operator => format!(
                "Requests first reach the operator of this service, who passes them on to {}; \
                 you can also write to {} directly.",
                self.controller.name, self.controller.email
            ),
        };
        line(
            out,
            &format!(
                "{to} Before we act, we check that the request is really yours {}. We answer \
                 within {}. If a request is complex or we receive many, we may take up to {} \
                 longer; if so, we tell you why before the first period ends.",
                verification(r.verification),
                r.answer_within,
                r.extension,
            ),
        );
    }
}
