//! Problems found in a policy file, each pinned to a line and column and
//! carrying a stable code and a hint, so a person can fix the file and a
//! program can act on the code.

use std::fmt;
use std::ops::Range;

use serde::Serialize;

/// How serious a problem is: errors stop the policy from being used,
/// warnings only advise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The policy is not valid and cannot be used.
    Error,
    /// The policy is valid, but something probably needs attention.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Error => "error",
            Self::Warning => "warning",
        })
    }
}

/// One problem in a policy file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Stable, machine-readable code (`E_UNKNOWN_CATEGORY`).
    pub code: &'static str,
    /// What is wrong, in words.
    pub message: String,
    /// 1-based line of the offending text.
    pub line: u32,
    /// 1-based column (in characters) of the offending text.
    pub column: u32,
    /// How to fix it, when there is something useful to say.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// Whether this problem makes the policy unusable.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// `12:5 error[E_UNKNOWN_CATEGORY]: message`, then `  hint: ...` on the
    /// next line when there is a hint.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{} {}[{}]: {}",
            self.line, self.column, self.severity, self.code, self.message
        )?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// Turns byte offsets into 1-based line and column numbers.
#[derive(Debug)]
pub(crate) struct LineIndex<'s> {
    source: &'s str,
    /// Byte offset where each line starts.
    starts: Vec<usize>,
}

impl<'s> LineIndex<'s> {
    pub(crate) fn new(source: &'s str) -> Self {
        let starts = std::iter::once(0)
            .chain(source.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self { source, starts }
    }

    /// Line and column of a byte offset; offsets past the end point just
    /// after the last character.
    pub(crate) fn position(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.source.len());
        let line = self
            .starts
            .partition_point(|s| *s <= offset)
            .saturating_sub(1);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let column = self
            .source
            .get(start..)
            .unwrap_or_default()
            .char_indices()
            .take_while(|(i, _)| start + i < offset)
            .count();
        (to_u32(line + 1), to_u32(column + 1))
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Collects diagnostics while validating.
#[derive(Debug)]
pub(crate) struct Sink<'s> {
    index: LineIndex<'s>,
    found: Vec<Diagnostic>,
}

impl<'s> Sink<'s> {
    pub(crate) fn new(source: &'s str) -> Self {
        Self {
            index: LineIndex::new(source),
            found: Vec::new(),
        }
    }

    /// Records a problem at the start of `at`.
    pub(crate) fn push(
        &mut self,
        severity: Severity,
        code: &'static str,
        at: &Range<usize>,
        message: String,
        hint: Option<String>,
    ) {
        let (line, column) = self.index.position(at.start);
        self.found.push(Diagnostic {
            severity,
            code,
            message,
            line,
            column,
            hint,
        });
    }

    /// Records an error.
    pub(crate) fn error(
        &mut self,
        code: &'static str,
        at: &Range<usize>,
        message: String,
        hint: impl Into<Option<String>>,
    ) {
        self.push(Severity::Error, code, at, message, hint.into());
    }

    /// Records a warning.
    pub(crate) fn warn(
        &mut self,
        code: &'static str,
        at: &Range<usize>,
        message: String,
        hint: impl Into<Option<String>>,
    ) {
        self.push(Severity::Warning, code, at, message, hint.into());
    }

    /// The 1-based line of a byte offset, for hints ("the first is on line 3").
    pub(crate) fn line_of(&self, offset: usize) -> u32 {
        self.index.position(offset).0
    }

    pub(crate) fn has_errors(&self) -> bool {
        self.found.iter().any(Diagnostic::is_error)
    }

    /// Everything found, in the order of the file.
    pub(crate) fn finish(mut self) -> Vec<Diagnostic> {
        self.found.sort_by_key(|d| (d.line, d.column, d.severity));
        self.found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let idx = LineIndex::new("ab\nçd\n\nx");
        assert_eq!(idx.position(0), (1, 1));
        assert_eq!(idx.position(1), (1, 2));
        assert_eq!(idx.position(2), (1, 3));
        assert_eq!(idx.position(3), (2, 1));
        assert_eq!(idx.position(5), (2, 2), "ç is two bytes but one column");
        assert_eq!(idx.position(7), (3, 1));
        assert_eq!(idx.position(8), (4, 1));
        assert_eq!(idx.position(999), (4, 2));
        assert_eq!(LineIndex::new("").position(5), (1, 1));
    }

    #[test]
    fn display_shows_position_code_and_hint() {
        let d = Diagnostic {
            severity: Severity::Error,
            code: "E_UNKNOWN_CATEGORY",
            message: "unknown category `emial`".into(),
            line: 12,
            column: 5,
            hint: Some("did you mean `email`?".into()),
        };
        assert_eq!(
            d.to_string(),
            "12:5 error[E_UNKNOWN_CATEGORY]: unknown category `emial`\n  hint: did you mean `email`?"
        );
        let w = Diagnostic {
            severity: Severity::Warning,
            hint: None,
            ..d
        };
        assert_eq!(
            w.to_string(),
            "12:5 warning[E_UNKNOWN_CATEGORY]: unknown category `emial`"
        );
    }

    #[test]
    fn sink_sorts_by_position() {
        let mut sink = Sink::new("a\nb\nc");
        sink.warn("W_B", &(4..5), "c".into(), None);
        sink.error("E_A", &(2..3), "b".into(), None);
        assert!(sink.has_errors());
        let codes: Vec<&str> = sink.finish().iter().map(|d| d.code).collect();
        assert_eq!(codes, ["E_A", "W_B"]);
    }
}
