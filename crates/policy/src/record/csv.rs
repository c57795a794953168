//! The record of processing as CSV: RFC 4180 quoting (the `csv` crate,
//! CRLF line ends), UTF-8 with a byte-order mark so spreadsheets pick the
//! right encoding, one table per file ([`RecordTable`]), lists joined
//! with `; `, and every cell guarded against formula injection: a cell
//! starting with `=`, `+`, `-`, `@`, a tab or a carriage return is
//! prefixed with `'`, so policy text opens in a spreadsheet as text.

use std::borrow::Cow;

/// The UTF-8 byte-order mark that starts every CSV file.
pub const BOM: &str = "\u{feff}";

use super::{Activity, Processor, Record, RecordError};

/// Which table of the record to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecordTable {
    /// One row per purpose (Art. 30(1)).
    Activities,
    /// One row per processor (Art. 28, 44-46).
    Processors,
}

/// Columns of [`RecordTable::Activities`].
pub const ACTIVITY_HEADER: [&str; 14] = [
    "purpose",
    "description",
    "legal_basis",
    "controller",
    "controller_contact",
    "dpo",
    "subject_kinds",
    "categories",
    "recipients",
    "transfers",
    "retention",
    "security_measures",
    "record_format",
    "product",
];

/// Columns of [`RecordTable::Processors`].
pub const PROCESSOR_HEADER: [&str; 7] = [
    "processor",
    "name",
    "country",
    "country_name",
    "outside_eea",
    "safeguard",
    "purposes",
];

/// `cell` made inert for spreadsheets: a cell whose first character
/// other than a space starts a formula gets a leading `'`. Leading spaces
/// count because some spreadsheets trim them on import and then evaluate
/// what follows. The one guard every CSV Tutela writes goes through.
pub fn guard_cell(cell: &str) -> Cow<'_, str> {
    let start = cell.trim_start_matches([' ', '\u{a0}', '\u{3000}']);
    if start.starts_with(['=', '+', '-', '@', '\t', '\r', '\n']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

impl Record {
    /// One table of the record as CSV.
    pub fn to_csv(&self, table: RecordTable) -> Result<String, RecordError> {
        match table {
            RecordTable::Activities => {
                let rows = self.activities.iter().map(|a| self.activity_row(a));
                write(&ACTIVITY_HEADER, rows)
            }
            RecordTable::Processors => {
                write(&PROCESSOR_HEADER, self.processors.iter().map(processor_row))
            }
        }
    }

    fn activity_row(&self, a: &Activity) -> Vec<String> {
        let c = &self.controller;
        let contact = [Some(c.email.as_str()), c.address.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("; ");
        let dpo = self
            .dpo
            .as_ref()
            .map(|d| format!("{} <{}>", d.name, d.email))
            .unwrap_or_default();
        vec![
            a.purpose.clone(),
            a.description.clone(),
            format!("{} ({})", a.legal_basis.code, a.legal_basis.article),
            c.name.clone(),
            contact,
            dpo,
            join(a.subject_kinds.iter().map(|k| k.description.clone())),
            join(
                a.categories
                    .iter()
                    .map(|k| format!("{} ({})", k.description, k.taxonomy)),
            ),
            join(
                a.recipients
                    .iter()
                    .map(|r| format!("{} ({}, {})", r.name, r.role, r.country)),
            ),
            join(
                a.transfers
                    .iter()
                    .map(|t| format!("{} ({}): {}", t.name, t.country_name, t.safeguard_text)),
            ),
            join(
                a.categories
                    .iter()
                    .zip(&a.retention)
                    .map(|(c, e)| format!("{}: {}", c.description, e.rule)),
            ),
            join(self.security_measures.all().map(str::to_owned)),
            self.record_format.to_string(),
            self.name.clone().unwrap_or_default(),
        ]
    }
}

fn processor_row(p: &Processor) -> Vec<String> {
    vec![
        p.id.clone(),
        p.name.clone(),
        p.country.clone(),
        p.country_name.to_owned(),
        p.outside_eea.to_string(),
        p.safeguard.to_string(),
        p.purposes.join("; "),
    ]
}

fn join(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join("; ")
}

fn write(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Result<String, RecordError> {
    let fail = |e: &dyn std::fmt::Display| RecordError::Csv(e.to_string());
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(header).map_err(|e| fail(&e))?;
    for row in rows {
        w.write_record(row.iter().map(|c| guard_cell(c).into_owned()))
            .map_err(|e| fail(&e))?;
    }
    let bytes = w.into_inner().map_err(|e| fail(&e))?;
    let text = String::from_utf8(bytes).map_err(|e| fail(&e))?;
    Ok(format!("{BOM}{text}"))
}
