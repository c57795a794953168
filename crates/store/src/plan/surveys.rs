//! The steps of surveys' writes. Opening issues every token in one commit;
//! an answer deletes its token's row and inserts rows that name neither
//! the member nor the token, in one commit, and nothing else.

use super::{Exec, Expect, Step, Value, both, exec, exec_expecting, same_tenant, to_i64};
use crate::error::Names;
use crate::rows::micros;
use crate::sql;
use std::borrow::Cow;
use tutela_engine::ids::{SurveyId, TenantId};
use tutela_engine::store::StoreError;
use tutela_engine::survey::{
    AnswerRow, LIVE_MEMBERS as MEMBERS_LIVE, MemberRow, Noise, StoredValue, SurveyRow, SurveyWrite,
    TokenRow,
};

const SURVEY: Names = Names {
    conflict: "survey",
    missing: "tenant",
};
const MEMBER: Names = Names {
    conflict: "survey member",
    missing: "subject",
};
const TOKEN: Names = Names {
    conflict: "token",
    missing: "survey",
};
const ANSWER: Names = Names {
    conflict: "answer",
    missing: "survey",
};

fn multi_row(head: &'static str, columns: usize, rows: Vec<Vec<Value>>, names: Names) -> Vec<Step> {
    rows.chunks(sql::MAX_ROWS_PER_INSERT)
        .map(|chunk| {
            Step::Exec(Exec {
                sql: Cow::Owned(sql::insert_rows(head, columns, chunk.len())),
                args: chunk.iter().flatten().cloned().collect(),
                names,
                expect: Expect::Any,
            })
        })
        .collect()
}

/// The steps of one survey write.
pub(super) fn steps(
    steps: &mut Vec<Step>,
    tenant: &TenantId,
    write: &SurveyWrite,
) -> Result<(), StoreError> {
    match write {
        SurveyWrite::Insert { row, members } => insert(steps, tenant, row, members)?,
        SurveyWrite::Open {
            survey,
            min_group_size,
            noise,
            tokens,
        } => open(steps, tenant, *survey, *min_group_size, *noise, tokens),
        SurveyWrite::Submit {
            survey,
            token_hash,
            answers,
        } => submit(steps, tenant, *survey, token_hash, answers),
        SurveyWrite::Close { survey } => close(steps, tenant, *survey),
        SurveyWrite::SpendBudget { survey, millis } => spend(steps, tenant, *survey, *millis)?,
    }
    Ok(())
}

/// `SurveyWrite::Insert`.
fn insert(
    steps: &mut Vec<Step>,
    tenant: &TenantId,
    row: &SurveyRow,
    members: &[MemberRow],
) -> Result<(), StoreError> {
    same_tenant(tenant, &row.tenant)?;
    let t = tenant.as_str();
    let id = row.id.to_string();
    let millis = |n: Option<u32>| Value::from(n.map(i64::from));
    let args = vec![
        t.into(),
        id.as_str().into(),
        row.definition.as_str().into(),
        row.state.as_str().into(),
        millis(row.min_group_size),
        millis(row.noise.map(|n| n.epsilon_millis)),
        millis(row.noise.map(|n| n.budget_millis)),
        i64::from(row.noise_spent_millis).into(),
        micros(row.created_at).into(),
    ];
    steps.push(exec(sql::INSERT_SURVEY, args, SURVEY));
    let rows = members
        .iter()
        .map(|m| {
            vec![
                t.into(),
                id.as_str().into(),
                m.subject.to_string().into(),
                m.team.as_str().into(),
                m.issued.into(),
            ]
        })
        .collect();
    steps.extend(multi_row(sql::INSERT_SURVEY_MEMBERS_INTO, 5, rows, MEMBER));
    steps.push(members_live(tenant, row.id));
    Ok(())
}

/// [`sql::REQUIRE_SURVEY_MEMBERS_LIVE`]: `Missing { what:
/// MEMBERS_LIVE }` when a member is erased or restricted.
fn members_live(tenant: &TenantId, survey: SurveyId) -> Step {
    exec_expecting(
        sql::REQUIRE_SURVEY_MEMBERS_LIVE,
        vec![tenant.as_str().into(), survey.to_string().into()],
        both(MEMBERS_LIVE),
        Expect::Rows {
            what: MEMBERS_LIVE,
            count: 1,
        },
    )
}

/// `SurveyWrite::Open`.
fn open(
    steps: &mut Vec<Step>,
    tenant: &TenantId,
    survey: SurveyId,
    min_group_size: u32,
    noise: Option<Noise>,
    tokens: &[TokenRow],
) {
    let t = Value::from(tenant.as_str());
    let id = Value::from(survey.to_string());
    let args = vec![
        t.clone(),
        id.clone(),
        i64::from(min_group_size).into(),
        noise.map(|n| i64::from(n.epsilon_millis)).into(),
        noise.map(|n| i64::from(n.budget_millis)).into(),
    ];
    steps.push(exec_expecting(
        sql::OPEN_SURVEY,
        args,
        both("survey"),
        Expect::Row("survey"),
    ));
    steps.push(members_live(tenant, survey));
    let args = vec![t.clone(), id.clone(), true.into()];
    steps.push(exec(sql::ISSUE_SURVEY_MEMBERS, args, both("survey")));
    steps.push(exec(
        sql::COUNT_SURVEY_ISSUED,
        vec![t.clone(), id.clone()],
        both("survey"),
    ));
    let rows = tokens
        .iter()
        .map(|r| {
            vec![
                t.clone(),
                id.clone(),
                r.hash.as_slice().into(),
                r.team.as_str().into(),
            ]
        })
        .collect();
    steps.extend(multi_row(sql::INSERT_SURVEY_TOKENS_INTO, 4, rows, TOKEN));
}

/// `SurveyWrite::Submit`: the token's row goes, the answer's rows come.
fn submit(
    steps: &mut Vec<Step>,
    tenant: &TenantId,
    survey: SurveyId,
    token_hash: &[u8; 32],
    answers: &[AnswerRow],
) {
    let t = Value::from(tenant.as_str());
    let id = Value::from(survey.to_string());
    let args = vec![t.clone(), id.clone(), token_hash.as_slice().into()];
    steps.push(exec_expecting(
        sql::SPEND_SURVEY_TOKEN,
        args,
        both("token"),
        Expect::Row("token"),
    ));
    let rows = answers
        .iter()
        .map(|a| {
            let (value, sealed) = match &a.value {
                StoredValue::Number(n) => (Value::from(Some(*n)), Value::from(None::<&[u8]>)),
                StoredValue::Sealed(bytes) => (
                    Value::from(None::<i64>),
                    Value::from(Some(bytes.as_slice())),
                ),
            };
            vec![
                t.clone(),
                id.clone(),
                a.id.as_slice().into(),
                a.team.as_str().into(),
                a.period.as_str().into(),
                a.question.as_str().into(),
                value,
                sealed,
            ]
        })
        .collect();
    steps.extend(multi_row(sql::INSERT_SURVEY_ANSWERS_INTO, 8, rows, ANSWER));
}

/// `SurveyWrite::Close`.
fn close(steps: &mut Vec<Step>, tenant: &TenantId, survey: SurveyId) {
    let args = vec![tenant.as_str().into(), survey.to_string().into()];
    steps.push(exec_expecting(
        sql::CLOSE_SURVEY,
        args,
        both("survey"),
        Expect::Row("survey"),
    ));
}

/// `SurveyWrite::SpendBudget`.
fn spend(
    steps: &mut Vec<Step>,
    tenant: &TenantId,
    survey: SurveyId,
    millis: u32,
) -> Result<(), StoreError> {
    let args = vec![
        tenant.as_str().into(),
        survey.to_string().into(),
        to_i64(u64::from(millis), "privacy budget")?.into(),
    ];
    steps.push(exec_expecting(
        sql::SPEND_SURVEY_BUDGET,
        args,
        both("privacy budget"),
        Expect::Row("privacy budget"),
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tutela_engine::survey::Key;

    #[test]
    fn an_answer_deletes_its_token_then_inserts_rows_naming_no_member() {
        let tenant = TenantId::parse("acme").unwrap();
        let survey = SurveyId::new();
        let row = AnswerRow {
            id: [1; 16],
            team: Key::parse("web", "t").unwrap(),
            period: "2026-W48".into(),
            question: Key::parse("pulse", "q").unwrap(),
            value: StoredValue::Number(4),
        };
        let mut steps = Vec::new();
        submit(&mut steps, &tenant, survey, &[9; 32], &[row]);
        assert_eq!(steps.len(), 2);
        let Step::Exec(spend) = &steps[0] else {
            panic!()
        };
        assert_eq!(spend.expect, Expect::Row("token"));
        assert!(spend.sql.starts_with("DELETE FROM survey_tokens"));
        let Step::Exec(insert) = &steps[1] else {
            panic!()
        };
        assert!(!insert.sql.contains("subject"));
        assert!(!insert.args.contains(&Value::Blob(vec![9; 32])));
    }
}
