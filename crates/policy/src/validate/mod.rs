//! From text to a valid [`Policy`]: parse the TOML, check its layout, read
//! every value, then check the rules a DPO would, reporting every problem
//! found rather than stopping at the first.

mod cross;
mod entries;
mod helpers;
mod opt_out;
mod reporting;
mod settings;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_changes;
#[cfg(test)]
mod tests_more;
#[cfg(test)]
mod tests_noise;
#[cfg(test)]
mod tests_reporting;

use serde::{Deserialize, Serialize};
use toml::de::DeTable;

use crate::diagnostics::{Diagnostic, Sink};
use crate::model::Policy;
use crate::raw::RawPolicy;
use crate::shape;

/// The outcome of checking a policy: every diagnostic (errors and
/// warnings), and the policy itself when there were no errors.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Checked {
    /// The policy, present exactly when no diagnostic is an error.
    pub policy: Option<Policy>,
    /// Every error and warning, in the order of the file.
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    /// Whether the policy can be used (warnings allowed).
    pub fn is_ok(&self) -> bool {
        self.policy.is_some()
    }

    /// The errors only.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    /// The warnings only.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| !d.is_error())
    }
}

/// Checks a policy file and reports every problem, each with code, line,
/// column and hint. Never panics, whatever the input.
pub fn check(source: &str) -> Checked {
    let mut sink = Sink::new(source);
    let policy = read(source, &mut sink).and_then(|raw| build(&raw, &mut sink));
    let policy = if sink.has_errors() { None } else { policy };
    Checked {
        policy,
        diagnostics: sink.finish(),
    }
}

/// Parses the TOML and checks its layout; `None` when the text is not
/// TOML at all.
fn read(source: &str, sink: &mut Sink<'_>) -> Option<RawPolicy> {
    let (mut tree, errors) = DeTable::parse_recoverable(source);
    if !errors.is_empty() {
        for e in errors {
            let at = e.span().unwrap_or(0..0);
            sink.error(
                "E_PARSE",
                &at,
                format!("this is not valid TOML: {}", e.message().trim_end()),
                "check quotes, brackets and `key = value` syntax near this position".to_owned(),
            );
        }
        return None;
    }
    shape::check_document(&mut tree, sink);
    match RawPolicy::deserialize(toml::de::Deserializer::from(tree)) {
        Ok(raw) => Some(raw),
        Err(e) => {
            // The layout check above should make this unreachable; if it is
            // reached, it is still reported, never a panic.
            let at = e.span().unwrap_or(0..0);
            sink.error(
                "E_PARSE",
                &at,
                format!("cannot read the policy: {}", e.message()),
                None,
            );
            None
        }
    }
}

/// Reads every section and checks every rule, recording problems in
/// `sink`; returns the policy when every part could be read.
fn build(raw: &RawPolicy, sink: &mut Sink<'_>) -> Option<Policy> {
    let top = settings::top_level(raw, sink);
    let categories = entries::categories(raw, sink);
    let subject_kinds = entries::subject_kinds(raw, sink);
    let recipients = entries::recipients(raw, sink);
    let purposes = entries::purposes(
        raw,
        &entries::Declared {
            categories: &categories,
            recipients: &recipients,
            subject_kinds: &subject_kinds,
        },
        top.profiling,
        sink,
    );
    let retention = settings::retention(raw, &categories, sink);
    let holds = settings::holds(raw, &categories, sink);
    let anonymity = settings::anonymity(raw, sink);
    let rights = settings::rights(raw, sink);
    let changes = settings::changes(raw, sink);
    cross::check(
        raw,
        &categories,
        &recipients,
        &purposes,
        top.profiling,
        sink,
    );
    Some(Policy {
        name: top.name,
        controller: top.controller?,
        dpo: top.dpo?,
        authority: top.authority?,
        hosting: top.hosting,
        profiling: top.profiling,
        security_measures: top.security_measures?,
        categories: categories.complete()?,
        subject_kinds: subject_kinds.complete()?,
        purposes: purposes.complete()?,
        recipients: recipients.complete()?,
        retention: retention.complete()?,
        holds: holds.complete()?,
        anonymity: anonymity?,
        rights: rights?,
        changes: changes?,
    })
}

impl Policy {
    /// Parses and validates a policy file; the errors when it is not valid
    /// (warnings are dropped: use [`check`] to see them). Never panics.
    pub fn parse(source: &str) -> Result<Policy, Vec<Diagnostic>> {
        let checked = check(source);
        match checked.policy {
            Some(policy) => Ok(policy),
            None => Err(checked
                .diagnostics
                .into_iter()
                .filter(Diagnostic::is_error)
                .collect()),
        }
    }
}
