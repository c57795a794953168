//! `tutela serve`: load the config and the master key, open the store,
//! make sure the operator tenant exists and, at a first start, has an admin
//! key (printed once), and serve the HTTP API (and, only when
//! `metrics_listen` is set, Prometheus metrics on that separate address)
//! until Ctrl-C or SIGTERM, letting requests in flight finish. With `--demo` it
//! also sets up a data directory on first use and a demo tenant with keys
//! and ready-to-paste commands.

use crate::cmd::{demo, first_start};
use crate::context;
use crate::logging;
use anyhow::{Context, Result, bail};
use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use tutela_engine::deliveries::endpoint::Transport;
use tutela_server::AppState;

/// Options of `tutela serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The address to listen on, overriding the config (port 0: any free
    /// port; the bound address is printed as `listening on http://ADDR`).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Demo mode: create the data directory if needed, a demo tenant `acme`
    /// with made-up subjects, and fresh API keys printed with example
    /// commands.
    #[arg(long)]
    pub demo: bool,
}

/// Runs the server until it is told to stop.
pub async fn run(config_path: Option<&Path>, args: ServeArgs) -> Result<ExitCode> {
    let mut config = context::load_config(config_path)?;
    logging::init_for_serve(&config.log)?;
    // A server must be able to send codes: no webhook secret, no start.
    if config.webhook_url.is_some() && std::env::var_os("TUTELA_WEBHOOK_SECRET").is_none() {
        bail!("{}", tutela_server::notifiers::SecretError::Missing);
    }
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    // Bound before anything is created: a busy port must not leave a data
    // directory behind, nor an operator key made at a first start that is
    // then never printed.
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {} (listen)", config.listen))?;
    let addr = listener
        .local_addr()
        .context("cannot tell which address the server is bound to")?;
    let metrics = match config.metrics_listen {
        Some(at) => Some(
            tokio::net::TcpListener::bind(at)
                .await
                .with_context(|| format!("cannot listen on {at} (metrics_listen)"))?,
        ),
        None => None,
    };
    if args.demo {
        demo::prepare_data_dir(&config)?;
    }
    let engine = context::open(&config).await?;
    let shutdown = Shutdown::install()?;
    let (demo, first_key) = if args.demo {
        (Some(demo::seed(&engine).await?), None)
    } else {
        (None, first_start::ensure_admin_key(&engine, &config).await?)
    };
    {
        let mut out = std::io::stdout().lock();
        if let Some(demo) = &demo {
            demo::print(&mut out, demo, addr)?;
        }
        if let Some(m) = &metrics {
            let at = m
                .local_addr()
                .context("cannot tell which address metrics are bound to")?;
            writeln!(out, "metrics on http://{at}/metrics")?;
        }
        if let Some(key) = &first_key {
            first_start::print(&mut out, key, addr)?;
        }
        writeln!(out, "listening on http://{addr}")?;
        out.flush()?;
    }
    tracing::info!(%addr, "listening");
    let transport = context::transport(&config);
    if transport == Transport::AllowLoopbackHttp {
        tracing::warn!(
            "insecure_loopback_endpoints is set: plain-HTTP recipient endpoints and transfers to loopback are accepted (tests only)"
        );
    }
    let state = AppState::new(engine.clone())
        .with_body_limit(config.body_limit_bytes)
        .with_max_connections(config.max_connections)
        .with_endpoint_transport(transport);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(());
    tokio::spawn(async move {
        shutdown.wait().await;
        let _ = stop_tx.send(());
    });
    if config.delivery_interval_secs > 0 {
        let every = std::time::Duration::from_secs(config.delivery_interval_secs);
        tutela_server::deliveries::spawn(engine.clone(), every, transport, stop_rx.clone())
            .context("cannot start the delivery task")?;
    }
    if config.sweep_interval_secs > 0 {
        let every = std::time::Duration::from_secs(config.sweep_interval_secs);
        tutela_server::sweeps::spawn(engine.clone(), every, stop_rx.clone());
    }
    if config.policy_notice_interval_secs > 0 {
        let every = std::time::Duration::from_secs(config.policy_notice_interval_secs);
        tutela_server::policy_notices::spawn(engine.clone(), every, stop_rx.clone());
    }
    if let Some(m) = metrics {
        let (state, stop) = (state.clone(), stopped(stop_rx.clone()));
        tokio::spawn(async move {
            if let Err(err) = tutela_server::serve_metrics(m, state, stop).await {
                tracing::error!(error = %err, "the metrics listener failed");
            }
        });
    }
    tutela_server::serve(listener, state, stopped(stop_rx))
        .await
        .context("the HTTP server failed")?;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Completes once the shutdown signal has been seen, so both listeners stop.
async fn stopped(mut stop: tokio::sync::watch::Receiver<()>) {
    // An error means the sender is gone, which also means: stop.
    let _ = stop.changed().await;
}

/// The shutdown signals (Ctrl-C, and SIGTERM on unix), registered before
/// the server says it listens: a SIGTERM sent as soon as it does (a process
/// manager's, a test's) then stops it cleanly, instead of finding no
/// handler yet and killing it.
struct Shutdown {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl Shutdown {
    /// Registers the handlers now.
    fn install() -> Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                terminate: signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?,
                interrupt: signal(SignalKind::interrupt()).context("cannot listen for Ctrl-C")?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    /// Completes on the first signal.
    async fn wait(mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.terminate.recv() => {}
            _ = self.interrupt.recv() => {}
        }
        #[cfg(not(unix))]
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
        tracing::info!("shutting down; letting requests in flight finish");
    }
}
