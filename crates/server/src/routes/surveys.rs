//! Anonymous surveys (Recital 26, Art. 25). Keys that may manage surveys
//! create, open and close them; opening returns every member's token once.
//! Answering needs the token alone, in the body (never the URL, which
//! proxies log), and no API key. Results are suppressed aggregates.

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::openapi::Errors;
use crate::wire::{
    AnswerIn, BucketOut, BudgetOut, CellOut, CohortOut, OpenedOut, QuestionOut, ResultsOut,
    SurveyIn, SurveyOut, TokenOut,
};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::Timestamp;
use tutela_engine::ids::{SubjectId, SurveyId};
use tutela_engine::survey::definition::{RawQuestion, RawTeam};
use tutela_engine::survey::results::{Cell, SurveyResults};
use tutela_engine::survey::{RawSurvey, SurveyRow};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(open))
        .routes(routes!(close))
        .routes(routes!(results))
        .routes(routes!(answer))
}

fn time(name: &str, text: &str) -> Result<Timestamp, ApiError> {
    crate::wire::parse_rfc3339(text)
        .ok_or_else(|| ApiError::invalid_field(name, crate::wire::rfc3339_problem(text)))
}

fn raw(body: SurveyIn) -> Result<RawSurvey, ApiError> {
    Ok(RawSurvey {
        title: body.title,
        organisation: body.organisation,
        opens_at: time("opens_at", &body.opens_at)?,
        closes_at: time("closes_at", &body.closes_at)?,
        purpose: Some(body.purpose),
        questions: body
            .questions
            .into_iter()
            .map(|q| RawQuestion {
                key: q.key,
                prompt: q.prompt,
                kind: q.kind,
                options: q.options,
                required: q.required,
            })
            .collect(),
        teams: body
            .teams
            .into_iter()
            .map(|t| RawTeam {
                key: t.key,
                name: t.name,
                parent: t.parent,
                members: t.members.into_iter().map(SubjectId).collect(),
            })
            .collect(),
    })
}

/// Creates a survey in the draft state: questions, teams nested in the
/// organisation with their members, opening and closing times.
#[utoipa::path(post, path = "/v1/surveys", tag = "surveys", security(("bearer" = [])),
    request_body = SurveyIn,
    responses((status = 201, description = "Created", body = SurveyOut), Errors))]
async fn create(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiJson(body): ApiJson<SurveyIn>,
) -> Result<(StatusCode, Json<SurveyOut>), ApiError> {
    let id = state.engine.create_survey(&who, &raw(body)?).await?;
    Ok((
        StatusCode::CREATED,
        Json(SurveyOut {
            id: id.to_string(),
            state: "draft".into(),
            min_group_size: None,
        }),
    ))
}

/// Opens a draft survey: fixes its minimum group size from the policy
/// and returns every member's participation token, this once. Members
/// cannot be added afterwards.
#[utoipa::path(post, path = "/v1/surveys/{id}/open", tag = "surveys", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The survey's id")),
    responses((status = 200, description = "Opened; the tokens", body = OpenedOut), Errors))]
async fn open(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<OpenedOut>, ApiError> {
    let id = SurveyId(id);
    let tokens = state.engine.open_survey(&who, id).await?;
    let view = state.engine.survey(&who, id).await?;
    Ok(Json(OpenedOut {
        id: id.to_string(),
        min_group_size: view.row.min_group_size.unwrap_or_default(),
        tokens: tokens
            .into_iter()
            .map(|t| TokenOut {
                subject: t.subject.to_string(),
                token: t.token,
            })
            .collect(),
    }))
}

/// Closes a survey: no more answers, its tokens are worthless.
#[utoipa::path(post, path = "/v1/surveys/{id}/close", tag = "surveys", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The survey's id")),
    responses((status = 204, description = "Closed"), Errors))]
async fn close(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    state.engine.close_survey(&who, SurveyId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Answers a survey with a participation token and nothing else: no API
/// key, no identity. A bad answer stores nothing and leaves the token
/// unspent; a spent or unknown token is `404 E_TOKEN_UNKNOWN`.
#[utoipa::path(post, path = "/v1/surveys/answers", tag = "surveys",
    request_body = AnswerIn,
    responses((status = 204, description = "Answer stored; the token is spent"), Errors))]
async fn answer(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<AnswerIn>,
) -> Result<StatusCode, ApiError> {
    state
        .engine
        .submit_survey_answer(&body.token, &body.answers)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A survey's results: count, mean and distribution per question, for the
/// organisation and each team, per ended period and in total. Cells below
/// the minimum group size, and cells that would let one be computed by
/// subtraction, are withheld and say so.
#[utoipa::path(get, path = "/v1/surveys/{id}/results", tag = "surveys", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The survey's id")),
    responses((status = 200, description = "The results", body = ResultsOut), Errors))]
async fn results(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<ResultsOut>, ApiError> {
    let (results, row) = state.engine.survey_results(&who, SurveyId(id)).await?;
    Ok(Json(results_out(&results, &row)))
}

fn cell_out(cell: &Cell) -> CellOut {
    match cell {
        Cell::Withheld(reason) => CellOut {
            withheld: Some(reason.as_str().into()),
            count: None,
            mean: None,
            distribution: None,
        },
        Cell::Shown(f) => CellOut {
            withheld: None,
            count: Some(f.count),
            mean: f.mean,
            distribution: (!f.distribution.is_empty()).then(|| {
                f.distribution
                    .iter()
                    .map(|(label, count)| BucketOut {
                        label: label.clone(),
                        count: *count,
                    })
                    .collect()
            }),
        },
    }
}

fn results_out(r: &SurveyResults, row: &SurveyRow) -> ResultsOut {
    let millis = |n: u32| f64::from(n) / 1000.0;
    ResultsOut {
        id: row.id.to_string(),
        state: row.state.as_str().into(),
        periods: r.periods.clone(),
        min_group_size: r.min_group_size,
        issued: r.issued,
        responded: r.responded,
        texts_withheld: (row.noise.is_some() && r.questions.iter().any(|q| q.kind == "text"))
            .then(|| "noise".to_owned()),
        noise: row.noise.map(|n| BudgetOut {
            epsilon: millis(n.epsilon_millis),
            spent: millis(row.noise_spent_millis),
            budget: millis(n.budget_millis),
        }),
        questions: r
            .questions
            .iter()
            .map(|q| QuestionOut {
                question: q.question.to_string(),
                kind: q.kind.into(),
                cohorts: q
                    .cohorts
                    .iter()
                    .map(|c| CohortOut {
                        team: c.team.as_ref().map(ToString::to_string),
                        total: cell_out(&c.total),
                        periods: c.periods.iter().map(cell_out).collect(),
                        texts: c.texts.clone(),
                    })
                    .collect(),
            })
            .collect(),
    }
}
