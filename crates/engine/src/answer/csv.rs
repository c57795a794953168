//! CSV renderings of the access answer and the portability export: one row
//! per record, RFC 4180 quoting (the `csv` crate, CRLF line ends), UTF-8
//! with a byte-order mark so spreadsheets pick the right encoding, and every
//! cell guarded against formula injection: a cell starting with `=`, `+`,
//! `-`, `@`, a tab or a carriage return is prefixed with `'`, so a value the
//! subject or anyone else typed is shown as text, never run as a formula.

use super::model::{AccessAnswer, CategoryAnswer, PortableData};
use crate::error::EngineError;
use std::borrow::Cow;

/// The UTF-8 byte-order mark that starts every CSV file.
pub const BOM: &str = "\u{feff}";

/// Columns of [`access_csv`].
const ACCESS_HEADER: [&str; 9] = [
    "category",
    "value",
    "collected_for",
    "source",
    "collected_at",
    "purposes",
    "legal_bases",
    "recipients",
    "retention",
];

/// Columns of [`portable_csv`].
const PORTABLE_HEADER: [&str; 5] = [
    "category",
    "value",
    "collected_for",
    "source",
    "collected_at",
];

/// `cell` made inert for spreadsheets (the policy crate's guard, so every
/// CSV Tutela writes is guarded alike).
pub fn guard_cell(cell: &str) -> Cow<'_, str> {
    tutela_policy::guard_cell(cell)
}

/// The access answer's records, one row each, with their category's
/// purposes, legal bases, recipients and retention.
pub fn access_csv(answer: &AccessAnswer) -> Result<String, EngineError> {
    let mut rows: Vec<Vec<String>> = Vec::with_capacity(answer.records.len());
    for c in &answer.categories {
        let facts = CategoryFacts::of(c);
        for r in &c.records {
            rows.push(vec![
                r.category.to_string(),
                r.value.clone(),
                r.collected_for.to_string(),
                r.source.clone(),
                r.collected_at.to_string(),
                facts.purposes.clone(),
                facts.bases.clone(),
                facts.recipients.clone(),
                c.retention_text.clone(),
            ]);
        }
    }
    write(&ACCESS_HEADER, &rows)
}

/// The portability export, one row per record.
pub fn portable_csv(data: &PortableData) -> Result<String, EngineError> {
    let rows: Vec<Vec<String>> = data
        .records
        .iter()
        .map(|r| {
            vec![
                r.category.to_string(),
                r.value.clone(),
                r.collected_for.to_string(),
                r.source.clone(),
                r.collected_at.to_string(),
            ]
        })
        .collect();
    write(&PORTABLE_HEADER, &rows)
}

/// One category's facts, joined into cells.
struct CategoryFacts {
    purposes: String,
    bases: String,
    recipients: String,
}

impl CategoryFacts {
    fn of(c: &CategoryAnswer) -> Self {
        let purposes = c.purposes.iter().map(|p| p.purpose.to_string());
        let bases = c
            .purposes
            .iter()
            .map(|p| format!("{}: {} ({})", p.purpose, p.basis, p.article));
        let recipients = c
            .recipients
            .iter()
            .map(|r| format!("{} ({}, {}, {})", r.name, r.role, r.country, r.safeguard));
        Self {
            purposes: purposes.collect::<Vec<_>>().join("; "),
            bases: bases.collect::<Vec<_>>().join("; "),
            recipients: recipients.collect::<Vec<_>>().join("; "),
        }
    }
}

fn write(header: &[&str], rows: &[Vec<String>]) -> Result<String, EngineError> {
    let mut out = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .quote_style(::csv::QuoteStyle::Necessary)
        .from_writer(BOM.as_bytes().to_vec());
    out.write_record(header).map_err(|_| EngineError::Render)?;
    for row in rows {
        out.write_record(row.iter().map(|cell| guard_cell(cell).into_owned()))
            .map_err(|_| EngineError::Render)?;
    }
    let bytes = out.into_inner().map_err(|_| EngineError::Render)?;
    String::from_utf8(bytes).map_err(|_| EngineError::Render)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_neutralised_and_the_rest_left_alone() {
        for bad in [
            "=1+1",
            "+49 30 1234",
            "-2",
            "@SUM(A1)",
            "\tx",
            "\rx",
            " =HYPERLINK(\"x\")",
            "\u{a0}\u{a0}+1",
        ] {
            assert_eq!(guard_cell(bad), format!("'{bad}"));
        }
        for good in ["ada@example.com", "1=1", "", "'quoted", "  a=x", "   "] {
            assert_eq!(guard_cell(good), good);
        }
    }

    #[test]
    fn rows_are_rfc_4180_after_a_bom() {
        let rows = vec![vec!["a,b".to_owned(), "say \"hi\"\nbye".to_owned()]];
        let text = write(&["one", "two"], &rows).unwrap();
        assert_eq!(
            text,
            "\u{feff}one,two\r\n\"a,b\",\"say \"\"hi\"\"\nbye\"\r\n"
        );
    }
}
