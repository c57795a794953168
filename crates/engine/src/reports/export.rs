//! The anonymised export (Recital 26, Art. 89): aggregate tables with no
//! identifier in them, small groups suppressed, rendered as CSV with every
//! cell guarded against spreadsheet formulas, as the access answer's CSV.
//!
//! Columns: `category, table, row, key, subjects, records, status`.
//! `table` is `by_group` (when grouped) or `by_period`; `row` is `group`,
//! `withheld` (the withheld groups, one row per reason), `no_group`
//! (subjects with no group value) or `total`; `key` is the group value or
//! the month (`YYYY-MM`), empty on every other row; `status` is `shown`,
//! `withheld_below_minimum` or `withheld_complementary`, and a withheld row
//! leaves `subjects` and `records` empty.
//!
//! A withheld group's value is never printed: a value only a few people
//! share (a one-person team, a free-text note) is itself about them, and a
//! list of withheld keys would say who is in the export. Nor is their
//! number: the withheld groups of each reason are one row.

use super::group::{by_group, by_period};
use super::suppress::{Cell, Table, Withheld, suppress};
use super::tally::Counted;
use crate::answer::guard_cell;
use crate::error::EngineError;
use tutela_policy::CategoryId;

/// The UTF-8 byte-order mark spreadsheet programs need to read UTF-8.
const BOM: &str = "\u{feff}";

/// The export's header row.
pub const HEADER: [&str; 7] = [
    "category", "table", "row", "key", "subjects", "records", "status",
];

/// The export's tables after suppression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportTables {
    /// By group value, when the export groups.
    pub by_group: Option<Table<Option<String>>>,
    /// By collection month.
    pub by_period: Table<String>,
}

impl ExportTables {
    /// How many cells (groups and totals) were withheld.
    pub fn withheld(&self) -> usize {
        let count = |rows: &mut dyn Iterator<Item = &Cell>| {
            rows.filter(|c| matches!(c, Cell::Withheld(_))).count()
        };
        let group = self.by_group.as_ref().map_or(0, |t| {
            count(&mut t.rows.iter().map(|(_, c)| c).chain([&t.total]))
        });
        let period = count(
            &mut self
                .by_period
                .rows
                .iter()
                .map(|(_, c)| c)
                .chain([&self.by_period.total]),
        );
        group + period
    }
}

/// Builds and suppresses the export's tables from the counted subjects.
pub fn tables(counted: &[Counted], grouped: bool, min: u32) -> ExportTables {
    ExportTables {
        by_group: grouped.then(|| suppress(by_group(counted), min)),
        by_period: suppress(by_period(counted), min),
    }
}

/// Renders the tables as CSV: a BOM, CRLF line ends, every cell guarded.
pub fn render(category: &CategoryId, t: &ExportTables) -> Result<String, EngineError> {
    let mut rows: Vec<[String; 7]> = Vec::new();
    let cat = category.as_str();
    if let Some(g) = &t.by_group {
        let mut withheld: Vec<Withheld> = Vec::new();
        for (key, cell) in &g.rows {
            match (key, cell) {
                (Some(_), Cell::Withheld(why)) => {
                    if !withheld.contains(why) {
                        withheld.push(*why);
                    }
                }
                (Some(k), _) => rows.push(line(cat, "by_group", "group", k, *cell)),
                (None, _) => rows.push(line(cat, "by_group", "no_group", "", *cell)),
            }
        }
        withheld.sort_by_key(|why| *why != Withheld::BelowMinimum);
        for why in withheld {
            rows.push(line(cat, "by_group", "withheld", "", Cell::Withheld(why)));
        }
        rows.push(line(cat, "by_group", "total", "", g.total));
    }
    for (month, cell) in &t.by_period.rows {
        rows.push(line(cat, "by_period", "period", month, *cell));
    }
    rows.push(line(cat, "by_period", "total", "", t.by_period.total));
    let mut out = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .quote_style(::csv::QuoteStyle::Necessary)
        .from_writer(BOM.as_bytes().to_vec());
    out.write_record(HEADER).map_err(|_| EngineError::Render)?;
    for row in rows {
        out.write_record(row.iter().map(|cell| guard_cell(cell).into_owned()))
            .map_err(|_| EngineError::Render)?;
    }
    let bytes = out.into_inner().map_err(|_| EngineError::Render)?;
    String::from_utf8(bytes).map_err(|_| EngineError::Render)
}

fn line(category: &str, table: &str, row: &str, key: &str, cell: Cell) -> [String; 7] {
    let (subjects, records, status) = match cell {
        Cell::Shown { subjects, records } => (subjects.to_string(), records.to_string(), "shown"),
        Cell::Withheld(Withheld::BelowMinimum) => {
            (String::new(), String::new(), "withheld_below_minimum")
        }
        Cell::Withheld(Withheld::Complementary) => {
            (String::new(), String::new(), "withheld_complementary")
        }
    };
    [
        category.to_owned(),
        table.to_owned(),
        row.to_owned(),
        key.to_owned(),
        subjects,
        records,
        status.to_owned(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::SubjectId;
    use std::collections::BTreeMap;

    fn counted(group: Option<&str>, months: &[(&str, u64)]) -> Counted {
        let periods: BTreeMap<String, u64> =
            months.iter().map(|(m, n)| ((*m).to_owned(), *n)).collect();
        Counted {
            subject: SubjectId::new(),
            count: periods.values().sum(),
            periods,
            group: group.map(str::to_owned),
        }
    }

    #[test]
    fn an_export_names_no_subject_and_guards_formulas() {
        let mut people: Vec<Counted> = (0..4)
            .map(|_| counted(Some("=HYPERLINK(\"x\")"), &[("2026-01", 2)]))
            .collect();
        people.extend((0..3).map(|_| counted(Some("quiet team"), &[("2026-01", 1)])));
        people.push(counted(None, &[("2026-02", 1)]));
        let t = tables(&people, true, 3);
        let csv = render(&CategoryId::parse("kudos_received").unwrap(), &t).unwrap();
        for p in &people {
            assert!(!csv.contains(&p.subject.to_string()));
        }
        assert!(csv.starts_with('\u{feff}'));
        assert!(csv.contains("\"'=HYPERLINK(\"\"x\"\")\""), "{csv}");
        assert!(!csv.contains(",=HYPERLINK"));
        // The lone subject with no team is withheld, and the smallest team
        // with it: the total would give the lone one away otherwise. The
        // withheld team is one row with no key.
        assert!(
            csv.contains("kudos_received,by_group,no_group,,,,withheld_below_minimum\r\n"),
            "{csv}"
        );
        assert!(
            csv.contains("kudos_received,by_group,withheld,,,,withheld_complementary\r\n"),
            "{csv}"
        );
        assert!(!csv.contains("quiet team"), "{csv}");
        assert!(
            csv.contains("kudos_received,by_group,total,,8,12,shown\r\n"),
            "{csv}"
        );
        assert_eq!(t.withheld(), 4);
    }

    #[test]
    fn withheld_groups_are_one_row_per_reason_with_no_key() {
        // Five one-person groups keyed by what would name them, and a
        // shown group of three: one `withheld` row, no key printed.
        let mut people: Vec<Counted> = (0..5)
            .map(|i| {
                let key = format!("person{i}@example.com");
                counted(Some(key.as_str()), &[("2026-01", 1)])
            })
            .collect();
        people.extend((0..3).map(|_| counted(Some("red"), &[("2026-01", 1)])));
        let t = tables(&people, true, 3);
        let csv = render(&CategoryId::parse("kudos_received").unwrap(), &t).unwrap();
        assert!(!csv.contains("@example.com"), "{csv}");
        assert_eq!(csv.matches(",withheld,").count(), 1, "{csv}");
        assert!(
            csv.contains("kudos_received,by_group,withheld,,,,withheld_below_minimum\r\n"),
            "{csv}"
        );
        assert!(
            csv.contains("kudos_received,by_group,group,red,3,3,shown\r\n"),
            "{csv}"
        );
        assert_eq!(t.withheld(), 5);
    }

    #[test]
    fn without_grouping_only_months_are_exported() {
        let people: Vec<Counted> = (0..5).map(|_| counted(None, &[("2026-03", 1)])).collect();
        let t = tables(&people, false, 5);
        assert!(t.by_group.is_none());
        let csv = render(&CategoryId::parse("kudos_received").unwrap(), &t).unwrap();
        let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').split("\r\n").collect();
        assert_eq!(lines[0], "category,table,row,key,subjects,records,status");
        assert_eq!(
            lines[1],
            "kudos_received,by_period,period,2026-03,5,5,shown"
        );
        assert_eq!(lines[2], "kudos_received,by_period,total,,5,5,shown");
    }
}
