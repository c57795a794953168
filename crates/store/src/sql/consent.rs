//! The SQL of consent proof (Art. 7(1)), unsubscribe links (Art. 21(2)-(3))
//! and banner choices (Art. 21(5)), shared by both backends like the rest
//! of `sql`. Every statement filters by (or inserts) `tenant_id = $1`.

/// Keep a consent text once per tenant and hash; a second insert of the
/// same text is a no-op (the hash names the exact bytes).
pub(crate) const INSERT_CONSENT_TEXT: &str = "INSERT INTO consent_texts \
    (tenant_id, text_hash, body, stored_at) VALUES ($1, $2, $3, $4) \
    ON CONFLICT (tenant_id, text_hash) DO NOTHING";
/// An erased subject's consent texts that no other live person's consent
/// was given on: the text was shown to them alone (or to them and people
/// erased already), so it may carry their names (a form that writes a name
/// into the sentence). Their consents keep the hash, which still proves
/// what was agreed to. Served by `consents_by_subject` and
/// `consents_by_text`.
pub(crate) const DELETE_OWN_CONSENT_TEXTS: &str = "DELETE FROM consent_texts \
    WHERE tenant_id = $1 AND text_hash IN (SELECT c.text_hash FROM consents c \
    WHERE c.tenant_id = $1 AND c.subject_id = $2 AND c.text_hash IS NOT NULL) \
    AND NOT EXISTS (SELECT 1 FROM consents o JOIN subjects s \
    ON s.tenant_id = o.tenant_id AND s.subject_id = o.subject_id \
    WHERE o.tenant_id = $1 AND o.text_hash = consent_texts.text_hash \
    AND o.subject_id <> $2 AND s.erased_at IS NULL)";
/// A stored consent text.
pub(crate) const SELECT_CONSENT_TEXT: &str =
    "SELECT body FROM consent_texts WHERE tenant_id = $1 AND text_hash = $2";
/// Keep an unsubscribe link's hash.
pub(crate) const INSERT_UNSUBSCRIBE_LINK: &str = "INSERT INTO unsubscribe_links \
    (tenant_id, token_hash, subject_id, purpose, created_at, used_at) \
    VALUES ($1, $2, $3, $4, $5, $6)";
/// An erased subject's unsubscribe links: a link names its subject and
/// purpose, and nothing is left for it to end (served by
/// `unsubscribe_links_by_subject`, migration 0016).
pub(crate) const DELETE_UNSUBSCRIBE_LINKS: &str =
    "DELETE FROM unsubscribe_links WHERE tenant_id = $1 AND subject_id = $2";
/// Mark a link used at `$3` if its last use is still `$4` (-1: never).
pub(crate) const USE_UNSUBSCRIBE_LINK: &str = "UPDATE unsubscribe_links SET used_at = $3 \
    WHERE tenant_id = $1 AND token_hash = $2 AND coalesce(used_at, -1) = $4";
/// One link by its hash.
pub(crate) const SELECT_UNSUBSCRIBE_LINK: &str = "SELECT tenant_id, token_hash, subject_id, \
    purpose, created_at, used_at FROM unsubscribe_links WHERE tenant_id = $1 AND token_hash = $2";
/// Append one banner choice.
pub(crate) const INSERT_VISITOR_CHOICE: &str = "INSERT INTO visitor_choices \
    (tenant_id, choice_id, visitor, purpose, granted, gpc, at_us) \
    VALUES ($1, $2, $3, $4, $5, $6, $7)";
/// Up to `$3` of the tenant's banner choices made before `$2`, oldest
/// first: those a retention sweep deletes.
pub(crate) const SELECT_VISITOR_CHOICES_BEFORE: &str = "SELECT choice_id FROM visitor_choices \
    WHERE tenant_id = $1 AND at_us < $2 ORDER BY at_us, choice_id LIMIT $3";
/// Head of deleting banner choices made before `$2` by id: `$1` tenant,
/// then the ids ([`super::in_list`]).
pub(crate) const DELETE_VISITOR_CHOICES_IN: &str =
    "DELETE FROM visitor_choices WHERE tenant_id = $1 AND at_us < $2 AND choice_id IN (";
/// A visitor's choices, oldest first.
pub(crate) const SELECT_VISITOR_CHOICES: &str = "SELECT tenant_id, choice_id, visitor, purpose, \
    granted, gpc, at_us FROM visitor_choices WHERE tenant_id = $1 AND visitor = $2 \
    ORDER BY at_us, choice_id";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_text_numbers_every_placeholder() {
        for statement in [
            INSERT_CONSENT_TEXT,
            DELETE_OWN_CONSENT_TEXTS,
            SELECT_CONSENT_TEXT,
            INSERT_UNSUBSCRIBE_LINK,
            USE_UNSUBSCRIBE_LINK,
            DELETE_UNSUBSCRIBE_LINKS,
            SELECT_UNSUBSCRIBE_LINK,
            INSERT_VISITOR_CHOICE,
            SELECT_VISITOR_CHOICES,
            SELECT_VISITOR_CHOICES_BEFORE,
            &super::super::in_list(DELETE_VISITOR_CHOICES_IN, 3),
        ] {
            let rewritten = super::super::for_sqlite(statement);
            assert!(!rewritten.contains('$'), "{rewritten}");
            assert_eq!(rewritten.replace('?', "$"), statement);
            assert!(statement.contains("tenant_id = $1") || statement.starts_with("INSERT"));
        }
    }
}
