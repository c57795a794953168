//! "Did you mean …?": finds the declared name closest to a misspelt one,
//! so hints point at the likely fix rather than a list.

/// Edit distance (insert, delete, substitute one character).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = i;
        let mut prev = i + 1;
        let mut next_row = Vec::with_capacity(row.len());
        next_row.push(prev);
        for (j, cb) in b.iter().enumerate() {
            let above = row.get(j + 1).copied().unwrap_or(usize::MAX);
            let cost = usize::from(ca != *cb);
            let value = (diagonal + cost).min(above.saturating_add(1)).min(prev + 1);
            diagonal = above;
            prev = value;
            next_row.push(value);
        }
        row = next_row;
    }
    row.last().copied().unwrap_or(0)
}

/// The candidate closest to `word`, if it is close enough to be a likely
/// typo: one edit for short words, two from four letters, three from nine.
pub(crate) fn nearest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = match word.chars().count() {
        0..=3 => 1,
        4..=8 => 2,
        _ => 3,
    };
    candidates
        .into_iter()
        .map(|c| (distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance("", ""), 0);
        assert_eq!(distance("abc", ""), 3);
        assert_eq!(distance("", "ab"), 2);
        assert_eq!(distance("email", "emial"), 2);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("phone", "phone"), 0);
    }

    #[test]
    fn nearest_suggests_only_close_names() {
        let declared = ["email", "name", "phone", "ticket_text"];
        assert_eq!(nearest("emial", declared), Some("email"));
        assert_eq!(nearest("phones", declared), Some("phone"));
        assert_eq!(nearest("ticket", declared), None);
        assert_eq!(nearest("iban", declared), None);
        assert_eq!(nearest("x", Vec::<&str>::new()), None);
    }
}
