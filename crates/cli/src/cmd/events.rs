//! `tutela events`: record a lifecycle event or a plan change as the
//! tenant's local admin (actor `cli`), the CLI twin of `POST /v1/events`
//! and `PUT /v1/subjects/{id}/plan`.

use crate::context;
use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use tutela_engine::ids::{SubjectId, TenantId};
use tutela_engine::principal::Principal;
use tutela_policy::{EventName, PlanName};

/// `tutela events ...`.
#[derive(Debug, clap::Subcommand)]
pub enum EventsCommand {
    /// Record that an event the policy counts from happened now.
    Record {
        /// The tenant.
        #[arg(long, value_parser = context::parse_tenant)]
        tenant: TenantId,
        /// The subject it happened to (default: the whole tenant).
        #[arg(long, value_parser = parse_subject)]
        subject: Option<SubjectId>,
        /// The event's name (`tenant.uninstalled`).
        #[arg(value_parser = parse_event)]
        name: EventName,
    },
    /// Move a subject's account to a plan now.
    Plan {
        /// The tenant.
        #[arg(long, value_parser = context::parse_tenant)]
        tenant: TenantId,
        /// The subject.
        #[arg(long, value_parser = parse_subject)]
        subject: SubjectId,
        /// The plan (`free`).
        #[arg(value_parser = parse_plan)]
        plan: PlanName,
    },
}

fn parse_subject(s: &str) -> Result<SubjectId, String> {
    SubjectId::parse(s).map_err(|e| e.to_string())
}

fn parse_event(s: &str) -> Result<EventName, String> {
    EventName::parse(s).map_err(|e| e.to_string())
}

fn parse_plan(s: &str) -> Result<PlanName, String> {
    PlanName::parse(s).map_err(|e| e.to_string())
}

/// Runs an events subcommand.
pub async fn run(config: Option<&Path>, command: EventsCommand) -> Result<ExitCode> {
    let config = context::load_config(config)?;
    let engine = context::open(&config).await?;
    let mut out = std::io::stdout().lock();
    match command {
        EventsCommand::Record {
            tenant,
            subject,
            name,
        } => {
            let who = Principal::local_admin(tenant, false);
            let id = engine
                .record_event(&who, &name, subject)
                .await
                .map_err(context::engine_error)
                .context("cannot record the event")?;
            writeln!(out, "recorded event {name} ({id})")?;
        }
        EventsCommand::Plan {
            tenant,
            subject,
            plan,
        } => {
            let who = Principal::local_admin(tenant, false);
            engine
                .set_plan(&who, subject, &plan)
                .await
                .map_err(context::engine_error)
                .context("cannot change the plan")?;
            writeln!(out, "subject {subject} moved to plan {plan}")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
