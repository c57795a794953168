//! Records: written for a purpose, read for a purpose, disclosed to a
//! declared recipient; data never stored is checked in passing. The engine runs the purpose check before anything is
//! decrypted; refusals come back as 403 and are on the audit chain.

use super::{field, fields, query_field};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::openapi::Errors;
use crate::wire::bounded::{Capped, MAX_CATEGORIES};
use crate::wire::{
    CheckInPassing, CheckedInPassing, Disclose, Disclosure, NewRecord, ReadQuery, Record,
    RecordIds, Records, WriteRecords,
};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use tutela_engine::ids::SubjectId;
use tutela_engine::{EngineError, RecordSource};
use tutela_policy::{CategoryId, PurposeId, RecipientId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(write_records, read_records))
        .routes(routes!(disclose))
        .routes(routes!(check))
}

/// Converts wire records into the engine's, parsing each category.
pub(crate) fn new_records(
    records: Vec<NewRecord>,
) -> Result<Vec<tutela_engine::NewRecord>, ApiError> {
    records
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            Ok(tutela_engine::NewRecord {
                category: field(
                    &format!("records[{i}].category"),
                    &r.category,
                    CategoryId::parse,
                )?,
                value: r.value,
                source: RecordSource::parse(&r.source, &format!("records[{i}].source"))?,
            })
        })
        .collect()
}

/// Refuses more category names than any read or disclosure may give, with
/// the code the engine gives for more names than the policy declares.
fn capped(asked: usize) -> Result<(), ApiError> {
    if asked > MAX_CATEGORIES {
        Err(too_many(asked))
    } else {
        Ok(())
    }
}

fn too_many(asked: usize) -> ApiError {
    ApiError::from(EngineError::TooManyCategories {
        asked,
        max: MAX_CATEGORIES,
    })
}

/// Stores values about a subject, collected for `purpose`.
#[utoipa::path(post, path = "/v1/subjects/{id}/records", tag = "records", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The subject's id")),
    request_body = WriteRecords,
    responses((status = 201, description = "Stored", body = RecordIds), Errors))]
async fn write_records(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<WriteRecords>,
) -> Result<(StatusCode, Json<RecordIds>), ApiError> {
    let purpose = field("purpose", &body.purpose, PurposeId::parse)?;
    let records = new_records(body.records)?;
    let ids = state
        .engine
        .write_records(&who, SubjectId(id), &purpose, records)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(RecordIds {
            ids: ids.into_iter().map(|r| r.0).collect(),
        }),
    ))
}

/// Reads a subject's records for `purpose`: the categories asked for, or
/// every category the purpose covers.
#[utoipa::path(get, path = "/v1/subjects/{id}/records", tag = "records", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The subject's id"), ReadQuery),
    responses((status = 200, description = "The records", body = Records), Errors))]
async fn read_records(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<ReadQuery>,
) -> Result<Json<Records>, ApiError> {
    let purpose = query_field("purpose", &query.purpose, PurposeId::parse)?;
    let categories = match &query.categories {
        Some(list) => {
            capped(list.split(',').count())?;
            Some(
                list.split(',')
                    .map(|c| query_field("categories", c.trim(), CategoryId::parse))
                    .collect::<Result<Vec<_>, _>>()?,
            )
        }
        None => None,
    };
    let plain = state
        .engine
        .read_records(&who, SubjectId(id), &purpose, categories)
        .await?;
    Ok(Json(Records {
        purpose: purpose.to_string(),
        records: plain.into_iter().map(Record::from).collect(),
    }))
}

/// Hands a subject's records to a recipient the policy declares for
/// `purpose`, and returns the values to send. The disclosure is audited.
#[utoipa::path(post, path = "/v1/subjects/{id}/disclosures", tag = "records", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The subject's id")),
    request_body = Disclose,
    responses((status = 200, description = "The values to send", body = Disclosure), Errors))]
async fn disclose(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<Disclose>,
) -> Result<Json<Disclosure>, ApiError> {
    let purpose = field("purpose", &body.purpose, PurposeId::parse)?;
    let recipient = field("recipient", &body.recipient, RecipientId::parse)?;
    let categories = match &body.categories {
        // An empty list discloses nothing and is more likely a caller's
        // bug than a wish: said so, like an empty `categories=` on a read.
        Some(Capped::Within(list)) if list.is_empty() => {
            return Err(ApiError::invalid_field(
                "categories",
                "name at least one category, or leave the field out to disclose every category the purpose covers",
            ));
        }
        Some(Capped::Within(list)) => Some(fields("categories", list, CategoryId::parse)?),
        Some(Capped::Over(asked)) => return Err(too_many(*asked)),
        None => None,
    };
    let plain = state
        .engine
        .disclose(&who, SubjectId(id), &purpose, &recipient, categories)
        .await?;
    Ok(Json(Disclosure {
        recipient: recipient.to_string(),
        records: plain.into_iter().map(Record::from).collect(),
    }))
}

/// Checks, without storing anything, whether data of a category the
/// policy declares `storable = false` may be processed in passing for
/// `purpose` (and handed to `recipient`) now. No value is sent; the answer
/// is on the audit chain (`subject.check`) and nothing else is written.
#[utoipa::path(post, path = "/v1/subjects/{id}/checks", tag = "records", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The subject's id")),
    request_body = CheckInPassing,
    responses((status = 200, description = "Allowed", body = CheckedInPassing), Errors))]
async fn check(
    State(state): State<AppState>,
    Auth(who): Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<CheckInPassing>,
) -> Result<Json<CheckedInPassing>, ApiError> {
    let category = field("category", &body.category, CategoryId::parse)?;
    let purpose = field("purpose", &body.purpose, PurposeId::parse)?;
    let recipient = match &body.recipient {
        Some(r) => Some(field("recipient", r, RecipientId::parse)?),
        None => None,
    };
    state
        .engine
        .check_in_passing(&who, SubjectId(id), &category, &purpose, recipient.as_ref())
        .await?;
    Ok(Json(CheckedInPassing {
        allowed: true,
        category: category.to_string(),
        purpose: purpose.to_string(),
        recipient: recipient.map(|r| r.to_string()),
        checked_at: state.engine.now(),
    }))
}
