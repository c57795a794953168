//! Statements whose text depends on a shape: multi-row inserts and
//! bounded `IN` lists. Only placeholders are formatted in, never values;
//! each shape is built once per thread and reused, since the writer runs
//! the same few shapes for every change.

/// `head` followed by `rows` tuples of `columns` placeholders:
/// `($1, $2), ($3, $4)`. Only placeholders are formatted in; values are
/// always bound. Built once per shape and thread ([`built`]).
pub(crate) fn insert_rows(head: &'static str, columns: usize, rows: usize) -> String {
    built(head, columns, rows, || {
        let mut sql = String::with_capacity(head.len() + rows * columns * 5);
        sql.push_str(head);
        for row in 0..rows {
            sql.push_str(if row > 0 { ", (" } else { "(" });
            push_placeholders(&mut sql, row * columns + 1, columns);
            sql.push(')');
        }
        sql
    })
}

/// Appends `count` placeholders `$first, $first+1, ...`.
fn push_placeholders(sql: &mut String, first: usize, count: usize) {
    for n in first..first + count {
        if n > first {
            sql.push_str(", ");
        }
        sql.push('$');
        sql.push_str(&n.to_string());
    }
}

/// The most statement shapes [`built`] keeps per thread before it starts
/// over: a few heads times at most a hundred rows or ids each.
const BUILT_SHAPES: usize = 2048;

thread_local! {
    /// Statements built from a head and a shape, by (head, columns, rows):
    /// the writer builds the same few for every change.
    static BUILT: std::cell::RefCell<std::collections::HashMap<(&'static str, usize, usize), String>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// The statement of `head` in this shape, built by `build` the first time.
fn built(head: &'static str, a: usize, b: usize, build: impl FnOnce() -> String) -> String {
    BUILT.with_borrow_mut(|cache| {
        if let Some(text) = cache.get(&(head, a, b)) {
            return text.clone();
        }
        if cache.len() >= BUILT_SHAPES {
            cache.clear();
        }
        let text = build();
        cache.insert((head, a, b), text.clone());
        text
    })
}

/// `head` (ending in `IN (`) followed by `ids` placeholders from `$3`, and
/// the closing parenthesis. Only placeholders are formatted in; values are
/// always bound.
pub(crate) fn in_list(head: &'static str, ids: usize) -> String {
    built(head, 0, ids, || {
        let mut sql = String::with_capacity(head.len() + ids * 5 + 1);
        sql.push_str(head);
        push_placeholders(&mut sql, 3, ids);
        sql.push(')');
        sql
    })
}
