//! Statements of anonymous surveys. None reads or writes a member and an
//! answer together; answers are only ever counted, grouped, or listed
//! sealed.

/// Insert a survey.
pub(crate) const INSERT_SURVEY: &str = "INSERT INTO surveys \
    (tenant_id, survey_id, definition, state, min_group_size, noise_epsilon_millis, \
    noise_budget_millis, noise_spent_millis, created_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
/// The head of a multi-row member insert.
pub(crate) const INSERT_SURVEY_MEMBERS_INTO: &str =
    "INSERT INTO survey_members (tenant_id, survey_id, subject_id, team, issued) VALUES ";
/// Touches the survey only while none of its members is erased, has
/// restricted processing (Art. 18(2)) or has died; run after the members
/// are written and when the survey opens, inside the same transaction.
pub(crate) const REQUIRE_SURVEY_MEMBERS_LIVE: &str = "UPDATE surveys SET state = state \
    WHERE tenant_id = $1 AND survey_id = $2 AND NOT EXISTS (SELECT 1 FROM survey_members m \
    JOIN subjects s ON s.tenant_id = m.tenant_id AND s.subject_id = m.subject_id \
    WHERE m.tenant_id = $1 AND m.survey_id = $2 \
    AND (s.erased_at IS NOT NULL OR s.restricted = TRUE OR EXISTS (SELECT 1 FROM deaths d \
    WHERE d.tenant_id = m.tenant_id AND d.subject_id = m.subject_id)))";
/// Open a draft survey, fixing its minimum group size and noise.
pub(crate) const OPEN_SURVEY: &str = "UPDATE surveys SET state = 'open', \
    min_group_size = $3, noise_epsilon_millis = $4, noise_budget_millis = $5 \
    WHERE tenant_id = $1 AND survey_id = $2 AND state = 'draft'";
/// Mark every member issued.
pub(crate) const ISSUE_SURVEY_MEMBERS: &str = "UPDATE survey_members SET issued = $3 \
    WHERE tenant_id = $1 AND survey_id = $2";
/// Count the members issued per team.
pub(crate) const COUNT_SURVEY_ISSUED: &str = "INSERT INTO survey_issued \
    (tenant_id, survey_id, team, issued) \
    SELECT tenant_id, survey_id, team, COUNT(*) FROM survey_members \
    WHERE tenant_id = $1 AND survey_id = $2 GROUP BY tenant_id, survey_id, team";
/// The head of a multi-row token insert.
pub(crate) const INSERT_SURVEY_TOKENS_INTO: &str =
    "INSERT INTO survey_tokens (tenant_id, survey_id, token_hash, team) VALUES ";
/// Spend a token, only while its survey is open (the engine checked the
/// closing time just before).
pub(crate) const SPEND_SURVEY_TOKEN: &str = "DELETE FROM survey_tokens \
    WHERE tenant_id = $1 AND survey_id = $2 AND token_hash = $3 \
    AND EXISTS (SELECT 1 FROM surveys s WHERE s.tenant_id = $1 \
    AND s.survey_id = $2 AND s.state = 'open')";
/// The head of a multi-row answer insert.
pub(crate) const INSERT_SURVEY_ANSWERS_INTO: &str = "INSERT INTO survey_answers \
    (tenant_id, survey_id, answer_id, team, period, question, value, sealed) VALUES ";
/// Close a survey.
pub(crate) const CLOSE_SURVEY: &str = "UPDATE surveys SET state = 'closed' \
    WHERE tenant_id = $1 AND survey_id = $2 AND state <> 'closed'";
/// Spend ε from the budget, only if it covers it.
pub(crate) const SPEND_SURVEY_BUDGET: &str = "UPDATE surveys \
    SET noise_spent_millis = noise_spent_millis + $3 \
    WHERE tenant_id = $1 AND survey_id = $2 \
    AND noise_spent_millis + $3 <= noise_budget_millis";
/// An erased subject's survey memberships.
pub(crate) const DELETE_SURVEY_MEMBERSHIPS: &str =
    "DELETE FROM survey_members WHERE tenant_id = $1 AND subject_id = $2";

/// One survey.
pub(crate) const SELECT_SURVEY: &str = "SELECT survey_id, definition, state, min_group_size, \
    noise_epsilon_millis, noise_budget_millis, noise_spent_millis, created_at \
    FROM surveys WHERE tenant_id = $1 AND survey_id = $2";
/// A survey's members.
pub(crate) const SELECT_SURVEY_MEMBERS: &str = "SELECT subject_id, team, issued \
    FROM survey_members WHERE tenant_id = $1 AND survey_id = $2 ORDER BY team, subject_id";
/// A subject's memberships, newest survey first (ids are UUIDv7), at most
/// `$3`; served by `survey_members_by_subject`.
pub(crate) const SELECT_SUBJECT_MEMBERSHIPS: &str = "SELECT survey_id, team, issued \
    FROM survey_members WHERE tenant_id = $1 AND subject_id = $2 \
    ORDER BY survey_id DESC LIMIT $3";
/// One unspent token.
pub(crate) const SELECT_SURVEY_TOKEN: &str = "SELECT team FROM survey_tokens \
    WHERE tenant_id = $1 AND survey_id = $2 AND token_hash = $3";
/// The one grouped statement results are computed from.
pub(crate) const SELECT_SURVEY_TALLIES: &str = "SELECT team, period, question, value, COUNT(*) AS count \
    FROM survey_answers WHERE tenant_id = $1 AND survey_id = $2 AND value IS NOT NULL \
    GROUP BY team, period, question, value";
/// Sealed free text, bounded.
pub(crate) const SELECT_SURVEY_TEXTS: &str = "SELECT team, period, question, sealed \
    FROM survey_answers WHERE tenant_id = $1 AND survey_id = $2 AND sealed IS NOT NULL \
    LIMIT $3";
/// Issued and unspent tokens per team.
pub(crate) const SELECT_SURVEY_PARTICIPATION: &str = "SELECT i.team, i.issued, \
    (SELECT COUNT(*) FROM survey_tokens t WHERE t.tenant_id = $1 AND t.survey_id = $2 \
    AND t.team = i.team) AS unspent FROM survey_issued i WHERE i.tenant_id = $1 AND i.survey_id = $2 \
    ORDER BY i.team";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_text_numbers_every_placeholder() {
        for statement in [
            INSERT_SURVEY,
            OPEN_SURVEY,
            REQUIRE_SURVEY_MEMBERS_LIVE,
            ISSUE_SURVEY_MEMBERS,
            COUNT_SURVEY_ISSUED,
            SPEND_SURVEY_TOKEN,
            CLOSE_SURVEY,
            SPEND_SURVEY_BUDGET,
            DELETE_SURVEY_MEMBERSHIPS,
            SELECT_SURVEY,
            SELECT_SURVEY_MEMBERS,
            SELECT_SUBJECT_MEMBERSHIPS,
            SELECT_SURVEY_TOKEN,
            SELECT_SURVEY_TALLIES,
            SELECT_SURVEY_TEXTS,
            SELECT_SURVEY_PARTICIPATION,
        ] {
            let rewritten = super::super::for_sqlite(statement);
            assert!(!rewritten.contains('$'), "{rewritten}");
            assert!(statement.contains("tenant_id = $1") || statement.starts_with("INSERT"));
        }
    }
}
