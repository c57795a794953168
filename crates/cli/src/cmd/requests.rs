//! `tutela requests list|show|file|code|verify|extend|refuse|fulfil|answer|death`: work
//! the data subject request queue from a terminal, acting as the tenant's
//! DPO on the local database (actor `cli` on the tenant's own chain).

use super::requests_answer::{AnswerFormat, parse_format, render, write_private};
use super::requests_view::{day, details, table};
use crate::context::{self, engine_error};
use anyhow::{Context, Result, anyhow};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use tutela_engine::Engine;
use tutela_engine::ids::{RequestId, SubjectId, TenantId};
use tutela_engine::principal::{Principal, Role};
use tutela_engine::requests::{
    Directive, KindTag, PersonName, Reason, RequestFilter, RequestKind, RequestRow, RequestState,
    TransferUrl, VerifiedBy,
};
use tutela_policy::PurposeId;

/// `tutela requests ...`.
#[derive(Debug, clap::Subcommand)]
pub enum RequestsCommand {
    /// The queue by due date, overdue ones marked OVERDUE.
    List {
        /// The tenant.
        #[arg(long, value_parser = context::parse_tenant)]
        tenant: TenantId,
        /// Only requests in this state (received, verified, fulfilled, refused, duplicate).
        #[arg(long, value_parser = parse_state)]
        state: Option<RequestState>,
        /// Only open requests past their due date.
        #[arg(long)]
        overdue: bool,
        /// Only this subject's requests.
        #[arg(long, value_parser = parse_subject)]
        subject: Option<SubjectId>,
        /// Only requests of this kind (access, erasure, objection, ...).
        #[arg(long, value_parser = parse_kind_tag)]
        kind: Option<KindTag>,
    },
    /// One request in full.
    Show {
        /// The tenant.
        #[arg(long, value_parser = context::parse_tenant)]
        tenant: TenantId,
        /// The request's id.
        #[arg(value_parser = parse_request)]
        id: RequestId,
    },
    /// File a request on a subject's behalf.
    File {
        /// The tenant.
        #[arg(long, value_parser = context::parse_tenant)]
        tenant: TenantId,
        /// The subject's id.
        #[arg(long, value_parser = parse_subject)]
        subject: SubjectId,
        /// access, rectification, erasure, restriction, restriction_lift,
        /// objection, portability, consent_withdrawal, transfer or directive.
        #[arg(long)]
        kind: String,
        /// The purpose of an objection or consent withdrawal.
        #[arg(long, value_parser = parse_purpose)]
        purpose: Option<PurposeId>,
        /// The https URL of a transfer.
        #[arg(long)]
        url: Option<String>,
        /// keep, erase or hand_to, for a directive.
        #[arg(long)]
        directive: Option<String>,
        /// The person a hand_to directive names.
        #[arg(long)]
        person: Option<String>,
    },
    /// Send the subject a new one-time code.
    Code {
        /// The tenant.
        #[arg(long, value_parser = context::parse_tenant)]
        tenant: TenantId,
        /// The request's id.
        #[arg(value_parser = parse_request)]
        id: RequestId,
    },
    /// Verify identity with the subject's code, or record another method.
    Verify {
        /// The tenant.
        #[arg(long, value_parser = context::parse_tenant)]
        tenant: TenantId,
        /// The request's id.
        #[arg(value_parser = parse_request)]
        id: RequestId,
        /// The code the subject received.
        #[arg(long, conflicts_with_all = ["method", "note"])]
        code: Option<String>,
        /// document, manual or account.
        #[arg(long, requires = "note")]
        method: Option<String>,
        /// How identity was verified.
        #[arg(long)]
        note: Option<String>,
    },
    /// Extend the due date once, before it passes.
    Extend {
        /// The tenant.
        #[arg(long, value_parser = context::parse_tenant)]
        tenant: TenantId,
        /// The request's id.
        #[arg(value_parser = parse_request)]
        id: RequestId,
        /// Why more time is needed.
        #[arg(long)]
        reason: String,
        /// By how many months (default: the policy's extension).
        #[arg(long)]
        months: Option<u32>,
    },
    /// Refuse the request with a reason.
    Refuse {
        /// The tenant.
        #[arg(long, value_parser = context::parse_tenant)]
        tenant: TenantId,
        /// The request's id.
        #[arg(value_parser = parse_request)]
        id: RequestId,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Fulfil a verified request (erasure, restriction, objection and
    /// withdrawal are carried out in the same commit; a transfer is pushed
    /// to its URL first; a directive is registered).
    Fulfil {
        /// The tenant.
        #[arg(long, value_parser = context::parse_tenant)]
        tenant: TenantId,
        /// The request's id.
        #[arg(value_parser = parse_request)]
        id: RequestId,
        /// What was done (required for rectification).
        #[arg(long)]
        note: Option<String>,
    },
    /// The data a verified access or portability request hands over (or a
    /// hand_to directive, once the death is recorded: json only).
    Answer {
        /// The tenant.
        #[arg(long, value_parser = context::parse_tenant)]
        tenant: TenantId,
        /// The request's id.
        #[arg(value_parser = parse_request)]
        id: RequestId,
        /// json, csv, md or html (portability: json or csv).
        #[arg(long, value_parser = parse_format, default_value = "json")]
        format: AnswerFormat,
        /// Write it to this new file (mode 0600) instead of standard output.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Record a subject's death and apply their latest registered
    /// directive for after death (keep, erase or hand_to) at once.
    Death {
        /// The tenant.
        #[arg(long, value_parser = context::parse_tenant)]
        tenant: TenantId,
        /// The subject's id.
        #[arg(value_parser = parse_subject)]
        subject: SubjectId,
        /// How the death was learnt of (no personal value).
        #[arg(long)]
        note: Option<String>,
    },
}

fn parse_kind_tag(text: &str) -> Result<KindTag, String> {
    KindTag::parse(text).ok_or_else(|| {
        "must be access, rectification, erasure, restriction, restriction_lift, objection, portability, consent_withdrawal, transfer or directive".to_owned()
    })
}

fn parse_state(text: &str) -> Result<RequestState, String> {
    RequestState::parse(text)
        .ok_or_else(|| "must be received, verified, fulfilled, refused or duplicate".to_owned())
}

fn parse_request(text: &str) -> Result<RequestId, String> {
    RequestId::parse(text).map_err(|e| e.to_string())
}

fn parse_subject(text: &str) -> Result<SubjectId, String> {
    SubjectId::parse(text).map_err(|e| e.to_string())
}

fn parse_purpose(text: &str) -> Result<PurposeId, String> {
    PurposeId::parse(text).map_err(|e| e.to_string())
}

fn reason(field: &'static str, text: &str) -> Result<Reason> {
    Reason::parse(field, text).map_err(|e| anyhow!("--{e}"))
}

/// The kind from the flags; errors name the flag.
fn kind(
    name: &str,
    purpose: Option<PurposeId>,
    url: Option<&str>,
    directive: Option<&str>,
    person: Option<&str>,
) -> Result<RequestKind> {
    Ok(match name {
        "access" => RequestKind::Access,
        "rectification" => RequestKind::Rectification,
        "erasure" => RequestKind::Erasure,
        "restriction" => RequestKind::Restriction,
        "restriction_lift" => RequestKind::RestrictionLift,
        "portability" => RequestKind::Portability,
        "objection" => RequestKind::Objection(purpose),
        "consent_withdrawal" => RequestKind::ConsentWithdrawal(
            purpose.context("--purpose is required for consent_withdrawal")?,
        ),
        "transfer" => {
            let url = url.context("--url is required for transfer")?;
            RequestKind::Transfer(TransferUrl::parse(url).map_err(|e| anyhow!("--{e}"))?)
        }
        "directive" => RequestKind::Directive(match directive {
            Some("keep") => Directive::Keep,
            Some("erase") => Directive::Erase,
            Some("hand_to") => {
                let person = person.context("--person is required for hand_to")?;
                Directive::HandTo(PersonName::parse(person).map_err(|e| anyhow!("--{e}"))?)
            }
            _ => return Err(anyhow!("--directive must be keep, erase or hand_to")),
        }),
        _ => {
            return Err(anyhow!(
                "--kind: unknown request kind; see `tutela requests file --help`"
            ));
        }
    })
}

/// Runs a requests subcommand.
pub async fn run(config: Option<&Path>, command: RequestsCommand) -> Result<ExitCode> {
    let config = context::load_config(config)?;
    let engine = context::open(&config).await?;
    let mut out = std::io::stdout().lock();
    match command {
        RequestsCommand::List {
            tenant,
            state,
            overdue,
            subject,
            kind,
        } => {
            let who = dpo_of(&engine, &tenant).await?;
            let now = engine.now();
            let filter = RequestFilter {
                state,
                due_before: overdue.then_some(now),
                subject,
                kind,
            };
            let rows = list_all(&engine, &who, filter).await?;
            out.write_all(table(&rows, now).as_bytes())?;
        }
        RequestsCommand::Show { tenant, id } => {
            let who = dpo_of(&engine, &tenant).await?;
            let row = engine.request(&who, id).await.map_err(engine_error)?;
            out.write_all(details(&row, engine.now()).as_bytes())?;
        }
        RequestsCommand::File {
            tenant,
            subject,
            kind: name,
            purpose,
            url,
            directive,
            person,
        } => {
            let who = dpo_of(&engine, &tenant).await?;
            let asked = kind(
                &name,
                purpose,
                url.as_deref(),
                directive.as_deref(),
                person.as_deref(),
            )?;
            let filed = engine
                .file_request(&who, subject, asked)
                .await
                .map_err(engine_error)
                .context("cannot file the request")?;
            match filed.row.duplicate_of {
                Some(first) => writeln!(out, "Duplicate of open request {first}; not opened.")?,
                None => writeln!(
                    out,
                    "Filed request {} ({}), due {}.",
                    filed.row.id,
                    filed.row.kind,
                    day(filed.row.due_at)
                )?,
            }
            if let Some(warning) = &filed.not_applicable {
                writeln!(out, "warning {}: {}", warning.code(), warning.message())?;
            }
        }
        RequestsCommand::Code { tenant, id } => {
            let who = dpo_of(&engine, &tenant).await?;
            let expires = engine
                .send_request_code(&who, id)
                .await
                .map_err(engine_error)?;
            writeln!(
                out,
                "Sent a code for request {id}; it expires at {expires}."
            )?;
        }
        RequestsCommand::Verify {
            tenant,
            id,
            code,
            method,
            note,
        } => {
            let who = dpo_of(&engine, &tenant).await?;
            let row = match (code, method) {
                (Some(code), _) => engine.verify_request(&who, id, &code).await,
                (None, Some(method)) => {
                    let method = VerifiedBy::parse(&method)
                        .filter(|m| *m != VerifiedBy::Code)
                        .context("--method must be document, manual or account")?;
                    let note = reason("note", note.as_deref().unwrap_or_default())?;
                    engine.verify_request_manually(&who, id, method, note).await
                }
                (None, None) => return Err(anyhow!("give --code, or --method and --note")),
            }
            .map_err(engine_error)?;
            writeln!(out, "Request {} is {}.", row.id, row.state)?;
        }
        RequestsCommand::Extend {
            tenant,
            id,
            reason: why,
            months,
        } => {
            let who = dpo_of(&engine, &tenant).await?;
            let why = reason("reason", &why)?;
            let row = engine
                .extend_request(&who, id, why, months)
                .await
                .map_err(engine_error)?;
            writeln!(
                out,
                "Request {id} is now due {}.",
                day(row.effective_due_at())
            )?;
        }
        RequestsCommand::Refuse {
            tenant,
            id,
            reason: why,
        } => {
            let who = dpo_of(&engine, &tenant).await?;
            let why = reason("reason", &why)?;
            engine
                .refuse_request(&who, id, why)
                .await
                .map_err(engine_error)?;
            writeln!(out, "Refused request {id}.")?;
        }
        RequestsCommand::Fulfil { tenant, id, note } => {
            let who = dpo_of(&engine, &tenant).await?;
            let note = note.as_deref().map(|n| reason("note", n)).transpose()?;
            let row = engine
                .fulfil_request(&who, id, note)
                .await
                .map_err(engine_error)?;
            writeln!(out, "Fulfilled request {id} ({}).", row.kind)?;
        }
        RequestsCommand::Answer {
            tenant,
            id,
            format,
            out: file,
        } => {
            let who = dpo_of(&engine, &tenant).await?;
            let request = engine.request(&who, id).await.map_err(engine_error)?;
            if request.kind == tutela_engine::requests::KindTag::Portability
                && matches!(format, AnswerFormat::Markdown | AnswerFormat::Html)
            {
                return Err(anyhow!("--format: a portability export is json or csv"));
            }
            let answer = engine
                .request_answer(&who, id)
                .await
                .map_err(engine_error)?;
            let text = render(&answer, format)?;
            match file {
                Some(path) => {
                    write_private(&path, &text)?;
                    writeln!(
                        out,
                        "Wrote the answer to request {id} to {}.",
                        path.display()
                    )?;
                }
                None => out.write_all(text.as_bytes())?,
            }
        }
        RequestsCommand::Death {
            tenant,
            subject,
            note,
        } => {
            let who = dpo_of(&engine, &tenant).await?;
            let note = note.as_deref().map(|n| reason("note", n)).transpose()?;
            super::requests_death::record(&engine, &who, subject, note, &mut out).await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Every page of the queue.
async fn list_all(
    engine: &Engine,
    who: &Principal,
    filter: RequestFilter,
) -> Result<Vec<RequestRow>> {
    let mut rows: Vec<RequestRow> = Vec::new();
    loop {
        let after = rows.last().map(|r| tutela_engine::requests::RequestCursor {
            due: r.effective_due_at(),
            id: r.id,
        });
        let page = engine
            .requests(who, filter, after, tutela_engine::MAX_REQUESTS_PER_PAGE)
            .await
            .map_err(engine_error)?;
        let full = page.len() == tutela_engine::MAX_REQUESTS_PER_PAGE as usize;
        rows.extend(page);
        if !full {
            return Ok(rows);
        }
    }
}

/// The tenant's DPO acting locally, once the tenant is known to exist.
pub(crate) async fn dpo_of(engine: &Engine, tenant: &TenantId) -> Result<Principal> {
    let row = engine
        .store()
        .tenant(tenant)
        .await
        .with_context(|| format!("cannot look up tenant '{tenant}'"))?
        .with_context(|| {
            format!("there is no tenant '{tenant}' (--tenant); `tutela tenant list` shows them")
        })?;
    Ok(Principal {
        tenant: row.id,
        actor: "cli".into(),
        role: Role::Dpo,
        purposes: Vec::new(),
        operator: row.operator,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_parsed_from_flags_naming_the_flag() {
        assert!(matches!(
            kind("erasure", None, None, None, None),
            Ok(RequestKind::Erasure)
        ));
        let err = kind("consent_withdrawal", None, None, None, None).unwrap_err();
        assert!(err.to_string().contains("--purpose"));
        let err = kind("transfer", None, Some("http://x.example"), None, None).unwrap_err();
        assert!(err.to_string().contains("--url"));
        assert!(!err.to_string().contains("x.example"));
        let err = kind("nonsense", None, None, None, None).unwrap_err();
        assert!(err.to_string().contains("--kind"));
    }
}
