//! Small readers shared by the section checks: a required string, a value
//! parsed by a newtype, a list of references to declared ids; each reports
//! its own problem and yields `None` so the caller can simply carry on.

use std::fmt::Display;
use std::ops::Range;

use toml::Spanned;

use crate::country::CountryError;
use crate::diagnostics::Sink;
use crate::ids::IdError;
use crate::raw::{Text, TextList};
use crate::span::{SPAN_FORMS, SpanError};
use crate::suggest::nearest;
use crate::terms::{ANCHOR_FORMS, AnchorError, ChoiceError};

/// A parse error that knows its diagnostic code and how to fix it.
pub(super) trait Problem: Display {
    fn code(&self) -> &'static str;
    fn hint(&self) -> String;
}

impl Problem for IdError {
    fn code(&self) -> &'static str {
        IdError::code(self)
    }
    fn hint(&self) -> String {
        format!("a {} is {}", self.kind(), self.kind().syntax())
    }
}

impl Problem for SpanError {
    fn code(&self) -> &'static str {
        SpanError::code(self)
    }
    fn hint(&self) -> String {
        format!("write {SPAN_FORMS}")
    }
}

impl Problem for ChoiceError {
    fn code(&self) -> &'static str {
        ChoiceError::code(self)
    }
    fn hint(&self) -> String {
        ChoiceError::hint(self)
    }
}

impl Problem for CountryError {
    fn code(&self) -> &'static str {
        CountryError::code(self)
    }
    fn hint(&self) -> String {
        CountryError::hint(self)
    }
}

impl Problem for AnchorError {
    fn code(&self) -> &'static str {
        AnchorError::code(self)
    }
    fn hint(&self) -> String {
        match self {
            Self::BadName(e) => Problem::hint(e),
            Self::Unknown(_) => ANCHOR_FORMS.to_owned(),
        }
    }
}

/// Parses a value with a newtype's parser, reporting a failure at the value.
pub(super) fn parsed<T, E: Problem>(
    sink: &mut Sink<'_>,
    value: &Text,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Option<T> {
    match parse(value.get_ref()) {
        Ok(v) => Some(v),
        Err(e) => {
            sink.error(e.code(), &value.span(), e.to_string(), e.hint());
            None
        }
    }
}

/// Like [`parsed`], for an optional value with a default.
pub(super) fn parsed_or<T, E: Problem>(
    sink: &mut Sink<'_>,
    value: Option<&Text>,
    default: T,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Option<T> {
    match value {
        Some(v) => parsed(sink, v, parse),
        None => Some(default),
    }
}

/// A required free-text value: present (else `shape` reported it) and not
/// blank. Returned trimmed.
pub(super) fn text(sink: &mut Sink<'_>, field: &str, value: Option<&Text>) -> Option<String> {
    let value = value?;
    let trimmed = value.get_ref().trim();
    if trimmed.is_empty() {
        sink.error(
            "E_EMPTY_TEXT",
            &value.span(),
            format!("`{field}` is empty"),
            format!("write what `{field}` is in a few plain words"),
        );
        return None;
    }
    Some(trimmed.to_owned())
}

/// An optional free-text value; blank counts as a mistake, not as absent.
pub(super) fn optional_text(
    sink: &mut Sink<'_>,
    field: &str,
    value: Option<&Text>,
) -> Option<Option<String>> {
    match value {
        None => Some(None),
        Some(_) => text(sink, field, value).map(Some),
    }
}

/// An optional flag, false unless set.
pub(super) fn flag(value: Option<&Spanned<bool>>) -> bool {
    value.is_some_and(|v| *v.get_ref())
}

/// Checks an email address for the obvious: one `@`, something before it,
/// a dotted domain after it, no spaces.
pub(super) fn email(sink: &mut Sink<'_>, field: &str, value: Option<&Text>) -> Option<String> {
    let address = text(sink, field, value)?;
    let ok = match address.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !address.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if !ok {
        let at = value.map_or(0..0, Spanned::span);
        sink.error(
            "E_INVALID_EMAIL",
            &at,
            format!("`{address}` is not an email address"),
            "write an address people can write to, e.g. `privacy@example.com`".to_owned(),
        );
        return None;
    }
    Some(address)
}

/// One entry of a `[[section]]`: its id text and position (for duplicate
/// and reference checks, even when the entry is otherwise invalid) and
/// the value read, if every part of it was valid.
pub(super) struct Entry<T> {
    pub id: Option<Text>,
    pub value: Option<T>,
}

/// All entries of one `[[section]]`.
pub(super) struct Entries<T> {
    pub items: Vec<Entry<T>>,
}

impl<T> Entries<T> {
    /// The id texts declared, valid or not.
    pub fn names(&self) -> Vec<&str> {
        self.items
            .iter()
            .filter_map(|e| e.id.as_ref())
            .map(|t| t.get_ref().as_str())
            .collect()
    }

    /// Whether `name` is declared (valid or not).
    pub fn declares(&self, name: &str) -> bool {
        self.items
            .iter()
            .any(|e| e.id.as_ref().is_some_and(|t| t.get_ref() == name))
    }

    /// The values read, with their id positions.
    pub fn valid(&self) -> impl Iterator<Item = (&T, Range<usize>)> {
        self.items.iter().filter_map(|e| {
            e.value
                .as_ref()
                .map(|v| (v, e.id.as_ref().map_or(0..0, Spanned::span)))
        })
    }

    /// Every value, or `None` if any entry was invalid.
    pub fn complete(self) -> Option<Vec<T>> {
        self.items.into_iter().map(|e| e.value).collect()
    }
}

/// Reports ids declared twice within one section.
pub(super) fn duplicates<T>(sink: &mut Sink<'_>, entries: &Entries<T>, noun: &str) {
    let mut seen: Vec<&Text> = Vec::new();
    for id in entries.items.iter().filter_map(|e| e.id.as_ref()) {
        if let Some(first) = seen.iter().find(|s| s.get_ref() == id.get_ref()) {
            let line = sink.line_of(first.span().start);
            sink.error(
                "E_DUPLICATE_ID",
                &id.span(),
                format!("{noun} `{}` is declared twice", id.get_ref()),
                format!("the first is on line {line}; give each {noun} its own id, or merge them"),
            );
        } else {
            seen.push(id);
        }
    }
}

/// How a reference list refers to one kind of declared entry.
pub(super) struct RefKind {
    /// Diagnostic code for a name not declared.
    pub code: &'static str,
    /// The thing referred to, in words ("category").
    pub noun: &'static str,
    /// The section that declares them ("category").
    pub section: &'static str,
}

/// [`resolve`] for a list that may be left out: absent means empty.
pub(super) fn resolve_optional<T, D, E: Problem>(
    sink: &mut Sink<'_>,
    list: Option<&TextList>,
    declared: &Entries<D>,
    kind: &RefKind,
    parse: impl Fn(&str) -> Result<T, E>,
) -> Option<Vec<T>> {
    match list {
        None => Some(Vec::new()),
        Some(list) => resolve(sink, list, declared, kind, parse),
    }
}

/// Resolves a list of references against declared names. Unknown names
/// are reported with the nearest declared one; names whose declaration is
/// itself invalid are skipped silently (already reported there).
pub(super) fn resolve<T, D, E: Problem>(
    sink: &mut Sink<'_>,
    list: &TextList,
    declared: &Entries<D>,
    kind: &RefKind,
    parse: impl Fn(&str) -> Result<T, E>,
) -> Option<Vec<T>> {
    let mut out = Vec::new();
    let mut complete = true;
    for (i, item) in list.get_ref().iter().enumerate() {
        let name = item.get_ref().as_str();
        if !declared.declares(name) {
            unknown(sink, item, declared, kind);
            complete = false;
            continue;
        }
        if list
            .get_ref()
            .iter()
            .take(i)
            .any(|earlier| earlier.get_ref() == name)
        {
            sink.warn(
                "W_DUPLICATE_REFERENCE",
                &item.span(),
                format!("{} `{name}` is listed twice", kind.noun),
                "remove the second mention".to_owned(),
            );
            continue;
        }
        match parse(name) {
            Ok(id) => out.push(id),
            Err(_) => complete = false,
        }
    }
    complete.then_some(out)
}

fn unknown<D>(sink: &mut Sink<'_>, item: &Text, declared: &Entries<D>, kind: &RefKind) {
    let name = item.get_ref();
    let names = declared.names();
    let hint = match nearest(name, names.iter().copied()) {
        Some(close) => format!("did you mean `{close}`?"),
        None if names.is_empty() => {
            format!(
                "no {} is declared; add a `[[{}]]` with id `{name}`",
                kind.noun, kind.section
            )
        }
        None => format!(
            "declare it in a `[[{}]]` section, or use one of: {}",
            kind.section,
            names.join(", ")
        ),
    };
    sink.error(
        kind.code,
        &item.span(),
        format!("no {} `{name}` is declared", kind.noun),
        hint,
    );
}
