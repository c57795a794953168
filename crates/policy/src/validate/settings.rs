//! The single-valued parts of a policy (who is responsible, anonymity,
//! rights handling) and the time rules (retention, statutory holds).

use std::ops::Range;
use toml::Spanned;

use crate::diagnostics::Sink;
use crate::ids::CategoryId;
use crate::model::{
    Anonymity, Authority, Category, Changes, Noise, Party, RetentionRule, Rights, StatutoryHold,
};
use crate::raw::{RawAnonymity, RawParty, RawPolicy, Text, TextList};
use crate::span::{CalendarSpan, SpanError};
use crate::terms::{Anchor, Disposal, FirstHandler, Verification};

use super::entries::{CATEGORY_REF, tables};
use super::helpers::{Entries, Entry, email, optional_text, parsed, parsed_or, resolve, text};

/// The smallest group whose results may ever be shown.
const MIN_GROUP_FLOOR: i64 = 3;

/// Art. 12(3): one month to answer...
const ANSWER_LIMIT: CalendarSpan = CalendarSpan::months(1);
/// ...extendable by two further months.
const EXTENSION_LIMIT: CalendarSpan = CalendarSpan::months(2);

/// The top-level values and the parties.
pub(super) struct Top {
    pub name: Option<String>,
    pub hosting: Option<String>,
    pub profiling: bool,
    pub security_measures: Option<Vec<String>>,
    pub controller: Option<Party>,
    pub dpo: Option<Option<Party>>,
    pub authority: Option<Authority>,
}

/// Reads the top-level keys, `[controller]`, `[dpo]` and `[authority]`.
pub(super) fn top_level(raw: &RawPolicy, sink: &mut Sink<'_>) -> Top {
    let name = optional_text(sink, "name", raw.name.as_ref()).flatten();
    let hosting = optional_text(sink, "hosting", raw.hosting.as_ref()).flatten();
    if raw.hosting.is_none() {
        sink.warn(
            "W_NO_HOSTING",
            &(0..0),
            "the policy does not say where the data is hosted".to_owned(),
            "add e.g. `hosting = \"Frankfurt, Germany (EU)\"`; the notice tells people".to_owned(),
        );
    }
    let controller = raw
        .controller
        .as_ref()
        .and_then(|p| party(p.get_ref(), sink));
    let dpo = match &raw.dpo {
        None => Some(None),
        Some(p) => party(p.get_ref(), sink).map(Some),
    };
    let authority = raw.authority.as_ref().and_then(|a| {
        let a = a.get_ref();
        let name = text(sink, "name", a.name.as_ref());
        let url = match &a.url {
            None => Some(None),
            Some(u) => url(sink, u).map(Some),
        };
        let mail = match &a.email {
            None => Some(None),
            Some(_) => email(sink, "email", a.email.as_ref()).map(Some),
        };
        if let (None, None, Some(at)) = (&a.url, &a.email, &a.name) {
            sink.warn(
                "W_AUTHORITY_NO_CONTACT",
                &at.span(),
                "the authority has neither `url` nor `email`".to_owned(),
                "add its website or email so people know how to complain".to_owned(),
            );
        }
        Some(Authority {
            name: name?,
            url: url?,
            email: mail?,
        })
    });
    let profiling = raw.profiling.as_ref().is_some_and(|p| *p.get_ref());
    let security_measures = measures(raw.security_measures.as_ref(), sink);
    Top {
        name,
        hosting,
        profiling,
        security_measures,
        controller,
        dpo,
        authority,
    }
}

/// `security_measures`: each a non-empty sentence; absent means none
/// stated (the record still lists the engine's own).
fn measures(list: Option<&TextList>, sink: &mut Sink<'_>) -> Option<Vec<String>> {
    let Some(list) = list else {
        return Some(Vec::new());
    };
    let read: Vec<Option<String>> = list
        .get_ref()
        .iter()
        .map(|item| text(sink, "security_measures", Some(item)))
        .collect();
    read.into_iter().collect()
}

fn party(p: &RawParty, sink: &mut Sink<'_>) -> Option<Party> {
    let name = text(sink, "name", p.name.as_ref());
    let mail = email(sink, "email", p.email.as_ref());
    let address = optional_text(sink, "address", p.address.as_ref());
    Some(Party {
        name: name?,
        email: mail?,
        address: address?,
    })
}

fn url(sink: &mut Sink<'_>, value: &Text) -> Option<String> {
    let u = value.get_ref().trim();
    let rest = u
        .strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"));
    if rest.is_some_and(|r| !r.is_empty() && !r.contains(char::is_whitespace)) {
        return Some(u.to_owned());
    }
    sink.error(
        "E_INVALID_URL",
        &value.span(),
        format!("`{u}` is not a web address"),
        "write the full address, starting with `https://`".to_owned(),
    );
    None
}

/// Reads every `[[retention]]`.
pub(super) fn retention(
    raw: &RawPolicy,
    categories: &Entries<Category>,
    sink: &mut Sink<'_>,
) -> Entries<RetentionRule> {
    let mut items = Vec::new();
    for r in tables(&raw.retention) {
        let cats = rule_categories(r.categories.as_ref(), categories, "retention rule", sink);
        let from = r.from.as_ref().and_then(|t| parsed(sink, t, Anchor::parse));
        // "Deleted on uninstall": a rule counted from an event may keep
        // nothing past it; every other anchor needs a period of a day or more.
        let at_event = matches!(from, Some(Anchor::Event(_)));
        let keep = r.keep.as_ref().and_then(|t| {
            parsed(sink, t, |s| {
                CalendarSpan::parse(s).or_else(|e| match e {
                    SpanError::Zero if at_event => Ok(CalendarSpan::default()),
                    other => Err(other),
                })
            })
        });
        let then = parsed_or(sink, r.then.as_ref(), Disposal::Delete, Disposal::parse);
        let value = match (cats, keep, from, then) {
            (Some(categories), Some(keep), Some(from), Some(then)) => Some(RetentionRule {
                categories,
                keep,
                from,
                then,
            }),
            _ => None,
        };
        items.push(Entry { id: None, value });
    }
    Entries { items }
}

/// Reads every `[[hold]]`.
pub(super) fn holds(
    raw: &RawPolicy,
    categories: &Entries<Category>,
    sink: &mut Sink<'_>,
) -> Entries<StatutoryHold> {
    let mut items = Vec::new();
    for h in tables(&raw.hold) {
        let cats = rule_categories(h.categories.as_ref(), categories, "statutory hold", sink);
        let law = text(sink, "law", h.law.as_ref());
        let keep = h
            .keep
            .as_ref()
            .and_then(|t| parsed(sink, t, CalendarSpan::parse));
        let from = parsed_or(sink, h.from.as_ref(), Anchor::Collected, Anchor::parse);
        let value = match (cats, law, keep, from) {
            (Some(categories), Some(law), Some(keep), Some(from)) => Some(StatutoryHold {
                categories,
                law,
                keep,
                from,
            }),
            _ => None,
        };
        items.push(Entry { id: None, value });
    }
    Entries { items }
}

/// The categories of a retention rule or hold: declared, not empty, and
/// storable (a category never stored has nothing to keep or delete).
fn rule_categories(
    list: Option<&TextList>,
    categories: &Entries<Category>,
    what: &str,
    sink: &mut Sink<'_>,
) -> Option<Vec<CategoryId>> {
    let list = list?;
    if list.get_ref().is_empty() {
        sink.error(
            "E_EMPTY_RULE",
            &list.span(),
            format!("this {what} names no category"),
            "list the categories it applies to, e.g. `categories = [\"server_log\"]`".to_owned(),
        );
        return None;
    }
    for item in list.get_ref() {
        let unstorable = categories.items.iter().any(|e| {
            e.id.as_ref()
                .is_some_and(|id| id.get_ref() == item.get_ref())
                && e.value.as_ref().is_some_and(|c| !c.storable)
        });
        if unstorable {
            sink.error(
                "E_RETENTION_UNSTORABLE",
                &item.span(),
                format!(
                    "category `{}` is never stored, so a {what} cannot apply to it",
                    item.get_ref()
                ),
                "remove it from this list, or drop `storable = false` from the category".to_owned(),
            );
        }
    }
    resolve(sink, list, categories, &CATEGORY_REF, CategoryId::parse)
}

/// Reads `[anonymity]`.
pub(super) fn anonymity(raw: &RawPolicy, sink: &mut Sink<'_>) -> Option<Anonymity> {
    let Some(section) = raw.anonymity.as_ref().map(|a| a.get_ref()) else {
        return Some(Anonymity::default());
    };
    let min_group_size = match section.min_group_size.as_ref() {
        None => Anonymity::default().min_group_size,
        Some(size) => group_size(size, sink)?,
    };
    let noise = noise(section, sink)?;
    Some(Anonymity {
        min_group_size,
        noise,
    })
}

/// Holds `min_group_size` to the floor below which people can be
/// singled out.
fn group_size(size: &Spanned<i64>, sink: &mut Sink<'_>) -> Option<u32> {
    let n = *size.get_ref();
    if n < MIN_GROUP_FLOOR {
        sink.error(
            "E_GROUP_TOO_SMALL",
            &size.span(),
            format!("a minimum group size of {n} lets people be singled out"),
            format!("use at least {MIN_GROUP_FLOOR}; 5 is a common choice"),
        );
        return None;
    }
    match u32::try_from(n) {
        Ok(size) => Some(size),
        Err(_) => {
            sink.error(
                "E_GROUP_TOO_LARGE",
                &size.span(),
                format!("a minimum group size of {n} is larger than any group"),
                "use a size such as 5 or 10".to_owned(),
            );
            None
        }
    }
}

/// The largest ε one read may spend, and the largest budget: beyond
/// these the noise protects nobody.
const MAX_EPSILON: f64 = 10.0;
const MAX_BUDGET: f64 = 100.0;

/// Reads `noise`, `epsilon` and `budget`: all three or none. `Some(None)`
/// when no noise is asked for, `None` after an error.
fn noise(section: &RawAnonymity, sink: &mut Sink<'_>) -> Option<Option<Noise>> {
    let Some(kind) = section.noise.as_ref() else {
        if let Some(stray) = section.epsilon.as_ref().or(section.budget.as_ref()) {
            sink.error(
                "E_NOISE_INCOMPLETE",
                &stray.span(),
                "`epsilon` and `budget` only apply with `noise = \"laplace\"`".to_owned(),
                "add `noise = \"laplace\"`, or remove them".to_owned(),
            );
            return None;
        }
        return Some(None);
    };
    if kind.get_ref() != "laplace" {
        sink.error(
            "E_NOISE_UNKNOWN",
            &kind.span(),
            format!("unknown noise `{}`", kind.get_ref()),
            "the one noise offered is `laplace` (discrete Laplace)".to_owned(),
        );
        return None;
    }
    let (Some(epsilon), Some(budget)) = (section.epsilon.as_ref(), section.budget.as_ref()) else {
        sink.error(
            "E_NOISE_INCOMPLETE",
            &kind.span(),
            "noise needs an `epsilon` spent per read and a `budget` per survey".to_owned(),
            "add `epsilon = 1.0` and `budget = 3.0`".to_owned(),
        );
        return None;
    };
    let epsilon_millis = millis(epsilon, 0.001, MAX_EPSILON, "epsilon", sink)?;
    let budget_millis = millis(budget, 0.001, MAX_BUDGET, "budget", sink)?;
    if budget_millis < epsilon_millis {
        sink.error(
            "E_NOISE_BUDGET",
            &budget.span(),
            "the budget is smaller than one read's epsilon".to_owned(),
            "make `budget` at least `epsilon`".to_owned(),
        );
        return None;
    }
    Some(Some(Noise {
        epsilon_millis,
        budget_millis,
    }))
}

/// A positive number within `low..=high`, in thousandths.
fn millis(
    value: &Spanned<f64>,
    low: f64,
    high: f64,
    name: &str,
    sink: &mut Sink<'_>,
) -> Option<u32> {
    let v = *value.get_ref();
    if !(low..=high).contains(&v) {
        sink.error(
            "E_NOISE_RANGE",
            &value.span(),
            format!("`{name}` must be between {low} and {high}"),
            format!("use a value such as `{name} = 1.0`"),
        );
        return None;
    }
    // In range, so the product fits a u32.
    Some((v * 1000.0).round() as u32)
}

/// Reads `[rights]` and holds its periods to Art. 12(3).
pub(super) fn rights(raw: &RawPolicy, sink: &mut Sink<'_>) -> Option<Rights> {
    let defaults = Rights::default();
    let Some(r) = raw.rights.as_ref().map(|r| r.get_ref()) else {
        return Some(defaults);
    };
    let answer = parsed_or(
        sink,
        r.answer_within.as_ref(),
        defaults.answer_within,
        CalendarSpan::parse,
    );
    if let (Some(span), Some(at)) = (&answer, &r.answer_within) {
        limit(
            sink,
            span,
            &ANSWER_LIMIT,
            &at.span(),
            "E_ANSWER_TOO_LATE",
            "answer_within",
        );
    }
    let extension = parsed_or(
        sink,
        r.extension.as_ref(),
        defaults.extension,
        CalendarSpan::parse,
    );
    if let (Some(span), Some(at)) = (&extension, &r.extension) {
        limit(
            sink,
            span,
            &EXTENSION_LIMIT,
            &at.span(),
            "E_EXTENSION_TOO_LONG",
            "extension",
        );
    }
    let verification = parsed_or(
        sink,
        r.verification.as_ref(),
        defaults.verification,
        Verification::parse,
    );
    let first_handler = parsed_or(
        sink,
        r.first_handler.as_ref(),
        defaults.first_handler,
        FirstHandler::parse,
    );
    Some(Rights {
        answer_within: answer?,
        extension: extension?,
        verification: verification?,
        first_handler: first_handler?,
    })
}

/// Reads `[changes]`: the notice period may be zero ("0 days") but never
/// negative; a malformed one is reported at its value.
pub(super) fn changes(raw: &RawPolicy, sink: &mut Sink<'_>) -> Option<Changes> {
    let defaults = Changes::default();
    let given = raw
        .changes
        .as_ref()
        .and_then(|c| c.get_ref().notice_period.as_ref());
    let notice_period = parsed_or(
        sink,
        given,
        defaults.notice_period,
        CalendarSpan::parse_or_zero,
    )?;
    if let Some(text) = given
        && notice_period == CalendarSpan::default()
    {
        sink.warn(
            "W_NO_NOTICE_PERIOD",
            &text.span(),
            "with no notice period, a material change (a new purpose, recipient or \
             category) applies at once and nobody is told before their data is used \
             under it (Art. 13(3))"
                .to_owned(),
            "keep a notice period (the default is 30 days), or tell the people affected \
             yourself before publishing a material change"
                .to_owned(),
        );
    }
    if let Some(text) = given
        && notice_period.can_exceed(&LONGEST_EXPECTED_NOTICE)
    {
        sink.warn(
            "W_LONG_NOTICE_PERIOD",
            &text.span(),
            format!(
                "a notice period of {notice_period} holds every material change back that long, and making it shorter is itself a material change that must wait it out"
            ),
            "a notice period is usually weeks (the default is 30 days); check for a typo before publishing"
                .to_owned(),
        );
    }
    Some(Changes { notice_period })
}

/// Past this, a notice period is more likely a typo than a choice: each
/// material change, and shortening the period itself, waits it out.
const LONGEST_EXPECTED_NOTICE: CalendarSpan = CalendarSpan::days(366);

fn limit(
    sink: &mut Sink<'_>,
    span: &CalendarSpan,
    max: &CalendarSpan,
    at: &Range<usize>,
    code: &'static str,
    field: &str,
) {
    if span.can_exceed(max) {
        sink.error(
            code,
            at,
            format!("`{field}` of {span} can end later than the {max} allowed by Art. 12(3) GDPR"),
            format!(
                "use `{max}` or less; periods in days can outrun a short month, so prefer months"
            ),
        );
    }
}
