//! The Markdown escaper of the notice templates: policy text is untrusted,
//! so every character Markdown gives a meaning to inline (emphasis, code,
//! links, raw HTML, tables, headings) is escaped with a backslash and shows as
//! itself.

use std::fmt::{self, Write};

/// Escapes text for Markdown; askama applies it to every value printed
/// by a `.md` template.
#[derive(Clone, Copy, Debug, Default)]
pub struct Markdown;

/// The characters that mean something inline in CommonMark. Backticks
/// are left alone: a code span only ever makes markup inert, and the
/// notice writes event and plan names as code.
const SPECIAL: &[char] = &['\\', '*', '_', '[', ']', '<', '>', '|', '#', '~'];

impl askama::filters::Escaper for Markdown {
    fn write_escaped_str<W: Write>(&self, mut dest: W, string: &str) -> fmt::Result {
        for c in string.chars() {
            self.write_escaped_char(&mut dest, c)?;
        }
        Ok(())
    }

    fn write_escaped_char<W: Write>(&self, mut dest: W, c: char) -> fmt::Result {
        match c {
            '\n' | '\r' => dest.write_char(' '),
            c if SPECIAL.contains(&c) => {
                dest.write_char('\\')?;
                dest.write_char(c)
            }
            c => dest.write_char(c),
        }
    }
}

/// `text` escaped for Markdown.
#[cfg(test)]
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let _ = askama::filters::Escaper::write_escaped_str(&Markdown, &mut out, text);
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_in_policy_text_shows_as_itself() {
        assert_eq!(
            escape("<script>x</script> [a](b) *c* _d_ `e` | f"),
            "\\<script\\>x\\</script\\> \\[a\\](b) \\*c\\* \\_d\\_ `e` \\| f"
        );
        assert_eq!(escape("line\nbreak # h"), "line break \\# h");
        assert_eq!(
            escape("Musterstraße 1, 10115 Berlin (EU)."),
            "Musterstraße 1, 10115 Berlin (EU)."
        );
    }
}
