//! Log set-up: `tracing` events to stderr, filtered by `TUTELA_LOG`, else
//! `RUST_LOG`, else a default. Stdout stays for the command's own output, so
//! it can be piped. Nothing logged by the CLI holds a token or a personal
//! value.

use anyhow::{Context, Result};
use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// For one-shot commands: warnings only unless asked otherwise, so their
/// output is not drowned.
pub fn init_for_command() -> Result<()> {
    init(&filter_text("warn"))
}

/// For the server: the configured level (`log` in the config file, which
/// `TUTELA_LOG` already overrides), unless `RUST_LOG` says otherwise and
/// `TUTELA_LOG` does not.
pub fn init_for_serve(configured: &str) -> Result<()> {
    let text = match (env("TUTELA_LOG"), env("RUST_LOG")) {
        (Some(tutela), _) => tutela,
        (None, Some(rust)) => rust,
        (None, None) => configured.to_owned(),
    };
    init(&text)
}

fn filter_text(default: &str) -> String {
    env("TUTELA_LOG")
        .or_else(|| env("RUST_LOG"))
        .unwrap_or_else(|| default.to_owned())
}

fn env(var: &str) -> Option<String> {
    std::env::var(var).ok().filter(|v| !v.trim().is_empty())
}

fn init(filter: &str) -> Result<()> {
    let filter = EnvFilter::try_new(filter).with_context(|| {
        format!(
            "the log filter '{filter}' (TUTELA_LOG, RUST_LOG or the config's 'log') is not valid"
        )
    })?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init()
        .map_err(|err| anyhow::anyhow!("cannot set up logging: {err}"))
}
