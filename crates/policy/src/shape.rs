//! The layout of a policy file (which tables and keys exist, which are
//! required, what type each value has), checked on the parsed TOML tree
//! before serde sees it.
//!
//! serde stops at the first unknown or missing field; walking the tree
//! first lets us report every one of them, and pruning the bad entries
//! lets validation carry on and report the remaining problems as well.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diagnostics::Sink;
use crate::suggest::nearest;

/// The type a key's value must have.
#[derive(Clone, Copy, Debug)]
enum Shape {
    Str,
    Bool,
    Int,
    /// A number, whole or not (`1.0`, `3`).
    Float,
    StrList,
    Table(&'static [Field]),
    Tables(&'static [Field]),
}

/// One key a table may hold.
#[derive(Debug)]
struct Field {
    name: &'static str,
    shape: Shape,
    required: bool,
}

const fn req(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        shape,
        required: true,
    }
}

const fn opt(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        shape,
        required: false,
    }
}

use Shape::{Bool, Float, Int, Str, StrList, Table, Tables};

const PARTY: &[Field] = &[req("name", Str), req("email", Str), opt("address", Str)];
const AUTHORITY: &[Field] = &[req("name", Str), opt("url", Str), opt("email", Str)];
const CATEGORY: &[Field] = &[
    req("id", Str),
    req("description", Str),
    req("taxonomy", Str),
    opt("identifier", Bool),
    opt("storable", Bool),
];
const SUBJECT_KIND: &[Field] = &[req("id", Str), req("description", Str)];
const PURPOSE: &[Field] = &[
    req("id", Str),
    req("description", Str),
    req("basis", Str),
    req("categories", StrList),
    opt("recipients", StrList),
    opt("subject_kinds", StrList),
    opt("direct_marketing", Bool),
    opt("profiling", Bool),
    opt("essential", Bool),
    opt("consent_valid_for", Str),
    opt("soft_opt_in", Bool),
    opt("sale_or_sharing", Bool),
    opt("reporting", Bool),
    opt("export_to", StrList),
];
const RECIPIENT: &[Field] = &[
    req("id", Str),
    req("name", Str),
    req("role", Str),
    req("country", Str),
    opt("safeguard", Str),
];
const RETENTION: &[Field] = &[
    req("categories", StrList),
    req("keep", Str),
    req("from", Str),
    opt("then", Str),
];
const HOLD: &[Field] = &[
    req("categories", StrList),
    req("law", Str),
    req("keep", Str),
    opt("from", Str),
];
const ANONYMITY: &[Field] = &[
    opt("min_group_size", Int),
    opt("noise", Str),
    opt("epsilon", Float),
    opt("budget", Float),
];
const RIGHTS: &[Field] = &[
    opt("answer_within", Str),
    opt("extension", Str),
    opt("verification", Str),
    opt("first_handler", Str),
];
const CHANGES: &[Field] = &[opt("notice_period", Str)];
const ROOT: &[Field] = &[
    opt("name", Str),
    opt("hosting", Str),
    opt("profiling", Bool),
    opt("security_measures", StrList),
    req("controller", Table(PARTY)),
    opt("dpo", Table(PARTY)),
    req("authority", Table(AUTHORITY)),
    opt("category", Tables(CATEGORY)),
    opt("subject_kind", Tables(SUBJECT_KIND)),
    opt("purpose", Tables(PURPOSE)),
    opt("recipient", Tables(RECIPIENT)),
    opt("retention", Tables(RETENTION)),
    opt("hold", Tables(HOLD)),
    opt("anonymity", Table(ANONYMITY)),
    opt("rights", Table(RIGHTS)),
    opt("changes", Table(CHANGES)),
];

/// Checks the whole document against the policy layout, reporting every
/// unknown key, missing key and mistyped value, and removing the unknown
/// and mistyped entries so the rest can still be deserialized.
pub(crate) fn check_document(root: &mut Spanned<DeTable<'_>>, sink: &mut Sink<'_>) {
    let span = root.span();
    check_table(root.get_mut(), ROOT, "the policy", &span, sink);
}

fn check_table(
    table: &mut DeTable<'_>,
    fields: &'static [Field],
    what: &str,
    span: &Range<usize>,
    sink: &mut Sink<'_>,
) {
    let mut drop: Vec<String> = Vec::new();
    for (key, value) in table.iter() {
        let name: &str = key.get_ref();
        match fields.iter().find(|f| f.name == name) {
            None => {
                unknown_field(name, &key.span(), fields, what, sink);
                drop.push(name.to_owned());
            }
            Some(field) => {
                if !has_shape(value.get_ref(), field.shape) {
                    mistyped(field, value, sink);
                    drop.push(name.to_owned());
                } else {
                    hidden_characters(field, value, sink);
                }
            }
        }
    }
    for field in fields.iter().filter(|f| f.required) {
        let present = table.iter().any(|(k, _)| k.get_ref() == field.name);
        if !present {
            sink.error(
                "E_MISSING_FIELD",
                span,
                format!("{what} has no `{}`", field.name),
                add_hint(field),
            );
        }
    }
    for name in &drop {
        table.remove(name.as_str());
    }
    for (key, value) in table.iter_mut() {
        let Some(field) = fields.iter().find(|f| f.name == key.get_ref()) else {
            continue;
        };
        let value_span = value.span();
        match (field.shape, value.get_mut()) {
            (Table(inner), DeValue::Table(t)) => {
                let label = format!("`[{}]`", field.name);
                check_table(t, inner, &label, &value_span, sink);
            }
            (Tables(inner), DeValue::Array(items)) => {
                let label = format!("this `[[{}]]`", field.name);
                for item in items.iter_mut() {
                    let item_span = item.span();
                    if let DeValue::Table(t) = item.get_mut() {
                        check_table(t, inner, &label, &item_span, sink);
                    }
                }
            }
            _ => {}
        }
    }
}

fn unknown_field(
    name: &str,
    at: &Range<usize>,
    fields: &'static [Field],
    what: &str,
    sink: &mut Sink<'_>,
) {
    let names = fields.iter().map(|f| f.name);
    let hint = match nearest(name, names.clone()) {
        Some(close) => format!("did you mean `{close}`?"),
        None => format!("{what} accepts: {}", names.collect::<Vec<_>>().join(", ")),
    };
    sink.error(
        "E_UNKNOWN_FIELD",
        at,
        format!("{what} has no field `{name}`"),
        hint,
    );
}

fn mistyped(field: &Field, value: &Spanned<DeValue<'_>>, sink: &mut Sink<'_>) {
    let expected = match field.shape {
        Str => "a string",
        Bool => "true or false",
        Int => "a whole number",
        Float => "a number",
        StrList => "a list of strings",
        Table(_) => "a table",
        Tables(_) => "a list of tables",
    };
    let found = value.get_ref().type_str();
    sink.error(
        "E_INVALID_TYPE",
        &value.span(),
        format!(
            "`{}` must be {expected}, not {}",
            field.name,
            article(found)
        ),
        format!("write `{} = {}`", field.name, example(field.shape)),
    );
}

/// Reports each string of `value` holding a character a reader of the
/// notice cannot see or that changes how text around it reads: a control
/// character other than newline and tab (an escape written as `\u001b`
/// would reach terminals and Markdown as is), or a bidirectional override
/// or isolate (it can show a notice's words in another order than they are
/// stored, Unicode TR #9).
fn hidden_characters(field: &Field, value: &Spanned<DeValue<'_>>, sink: &mut Sink<'_>) {
    let strings: Vec<(&str, Range<usize>)> = match value.get_ref() {
        DeValue::String(text) => vec![(text.as_ref(), value.span())],
        DeValue::Array(items) => items
            .iter()
            .filter_map(|i| match i.get_ref() {
                DeValue::String(text) => Some((text.as_ref(), i.span())),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    for (text, span) in strings {
        if let Some(c) = text.chars().find(|c| is_hidden(*c)) {
            sink.error(
                "E_HIDDEN_CHARACTER",
                &span,
                format!(
                    "`{}` holds the invisible character U+{:04X}",
                    field.name, c as u32
                ),
                "write the text with visible characters only (newlines and tabs are fine)"
                    .to_owned(),
            );
        }
    }
}

/// A control character other than newline (`\n`, or `\r\n` from a file
/// saved on Windows) and tab, a bidirectional embedding, override or
/// isolate, or a zero-width space, word joiner or byte order mark (no
/// script needs them). The joiners and marks some scripts do need (ZWJ,
/// ZWNJ, LRM, RLM, ALM) are text.
pub fn is_hidden(c: char) -> bool {
    (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        || matches!(
            c,
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200B}' | '\u{2060}' | '\u{FEFF}'
        )
}

fn has_shape(value: &DeValue<'_>, shape: Shape) -> bool {
    match (shape, value) {
        (Str, DeValue::String(_))
        | (Bool, DeValue::Boolean(_))
        | (Int, DeValue::Integer(_))
        | (Float, DeValue::Float(_) | DeValue::Integer(_))
        | (Table(_), DeValue::Table(_)) => true,
        (StrList, DeValue::Array(items)) => items
            .iter()
            .all(|i| matches!(i.get_ref(), DeValue::String(_))),
        (Tables(_), DeValue::Array(items)) => items
            .iter()
            .all(|i| matches!(i.get_ref(), DeValue::Table(_))),
        _ => false,
    }
}

fn add_hint(field: &Field) -> String {
    match field.shape {
        Table(_) => format!("add a `[{}]` section", field.name),
        Tables(_) => format!("add a `[[{}]]` section", field.name),
        shape => format!("add `{} = {}`", field.name, example(shape)),
    }
}

fn example(shape: Shape) -> &'static str {
    match shape {
        Str => "\"...\"",
        Bool => "true",
        Int => "5",
        Float => "1.0",
        StrList => "[\"...\"]",
        Table(_) => "{ ... } (or a [table] section)",
        Tables(_) => "[{ ... }] (or [[table]] sections)",
    }
}

fn article(type_name: &str) -> String {
    match type_name.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => format!("an {type_name}"),
        _ => format!("a {type_name}"),
    }
}
