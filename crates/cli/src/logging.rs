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

/// The HTTP client's crates log each connection's host at `debug`: for a
/// portability transfer that is the destination a person chose, personal
/// data a debug log must not hold. They are kept at `info` unless the
/// filter names them itself.
const QUIET_CLIENT_TARGETS: [&str; 3] = ["reqwest", "hyper_util", "hyper"];

/// `filter` with the HTTP client's targets held at `info` (see
/// [`QUIET_CLIENT_TARGETS`]) where it does not name them.
fn with_quiet_clients(filter: &str) -> String {
    let mut out = filter.to_owned();
    for target in QUIET_CLIENT_TARGETS {
        let named = filter
            .split(',')
            .any(|d| d.trim().split(['=', '[']).next() == Some(target));
        if !named {
            if !out.trim().is_empty() {
                out.push(',');
            }
            out.push_str(target);
            out.push_str("=info");
        }
    }
    out
}

fn init(filter: &str) -> Result<()> {
    let quiet = EnvFilter::try_new(with_quiet_clients(filter)).with_context(|| {
        format!(
            "the log filter '{filter}' (TUTELA_LOG, RUST_LOG or the config's 'log') is not valid"
        )
    })?;
    tracing_subscriber::fmt()
        .with_env_filter(quiet)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init()
        .map_err(|err| anyhow::anyhow!("cannot set up logging: {err}"))
}

#[cfg(test)]
mod tests {
    use super::with_quiet_clients;

    #[test]
    fn the_http_client_stays_at_info_unless_named() {
        assert_eq!(
            with_quiet_clients("debug"),
            "debug,reqwest=info,hyper_util=info,hyper=info"
        );
        assert_eq!(
            with_quiet_clients("debug,reqwest=trace"),
            "debug,reqwest=trace,hyper_util=info,hyper=info"
        );
        assert!(tracing_subscriber::EnvFilter::try_new(with_quiet_clients("info")).is_ok());
    }
}
