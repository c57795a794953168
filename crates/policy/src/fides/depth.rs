//! A bound on how deeply a Fides manifest nests, checked before the YAML
//! parser runs: the parser takes time quadratic in the nesting depth, so a
//! small file of a hundred thousand `[` would hold the command for
//! minutes. Real manifests nest about six levels deep.
//!
//! The scan is cautious, not a YAML parser: it counts flow collections
//! (`[`, `{`) outside quoted scalars and comments, and block sequences
//! opened on one line (`- - - x`), the two ways to nest deeply in few
//! bytes (nesting by indentation costs as many bytes as the square of its
//! depth, which the file's size bounds).

/// The deepest nesting a manifest may use.
pub const MAX_DEPTH: usize = 64;

/// The 1-based line where the nesting first goes deeper than
/// [`MAX_DEPTH`], if it does.
pub fn too_deep(text: &str) -> Option<usize> {
    let mut flow = 0usize;
    let mut quote: Option<char> = None;
    for (number, line) in text.lines().enumerate() {
        if quote.is_none() && flow == 0 && compact_sequences(line) > MAX_DEPTH {
            return Some(number + 1);
        }
        let mut previous = ' ';
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match quote {
                Some('\'') if c == '\'' => {
                    // `''` is an escaped quote inside single quotes.
                    if chars.peek() == Some(&'\'') {
                        chars.next();
                    } else {
                        quote = None;
                    }
                }
                Some('"') if c == '\\' => {
                    chars.next();
                }
                Some('"') if c == '"' => quote = None,
                Some(_) => {}
                None => match c {
                    '#' if previous.is_whitespace() => break,
                    '\'' | '"' if " \t[{,:".contains(previous) => quote = Some(c),
                    '[' | '{' => {
                        flow += 1;
                        if flow > MAX_DEPTH {
                            return Some(number + 1);
                        }
                    }
                    ']' | '}' => flow = flow.saturating_sub(1),
                    _ => {}
                },
            }
            previous = c;
        }
    }
    None
}

/// How many block sequences a line opens before its content (`- - x`: 2).
fn compact_sequences(line: &str) -> usize {
    let mut rest = line.trim_start();
    let mut count = 0;
    while let Some(after) = rest.strip_prefix('-') {
        if !(after.is_empty() || after.starts_with([' ', '\t'])) {
            break;
        }
        count += 1;
        rest = after.trim_start();
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_flow_or_block_nesting_is_found_and_real_manifests_pass() {
        let deep = format!("a: {}{}\n", "[".repeat(65), "]".repeat(65));
        assert_eq!(too_deep(&deep), Some(1));
        let ok = format!("a: {}{}\n", "[".repeat(64), "]".repeat(64));
        assert_eq!(too_deep(&ok), None);
        let block = format!("x: 1\n{}y\n", "- ".repeat(65));
        assert_eq!(too_deep(&block), Some(2));
        // Brackets in quoted scalars and comments do not count.
        let quoted = format!(
            "a: '{}' # {}\nb: \"{}\"\nc: 'it''s [ok]'\n",
            "[".repeat(100),
            "{".repeat(100),
            "[".repeat(100)
        );
        assert_eq!(too_deep(&quoted), None);
        let manifest = "system:\n  - fides_key: app\n    privacy_declarations:\n      - data_categories: [user.contact.email, user.name]\n        data_use: essential.service\n";
        assert_eq!(too_deep(manifest), None);
    }
}
