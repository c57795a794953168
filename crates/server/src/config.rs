//! The server's configuration: one typed struct, read from an optional TOML
//! file and then overridden by `TUTELA_*` environment variables. Unknown
//! keys are errors, so a typo never silently falls back to a default, and
//! every error names the field it is about.

use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Everything the server needs to start. Options are added reluctantly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address to listen on (`TUTELA_LISTEN`).
    pub listen: SocketAddr,
    /// `sqlite://path` or `postgres://...` (`TUTELA_DATABASE_URL`).
    pub database_url: String,
    /// File holding the master key (`TUTELA_MASTER_KEY_FILE`); the key itself
    /// may instead come from `TUTELA_MASTER_KEY`, which the CLI reads.
    pub master_key_file: PathBuf,
    /// Log filter, in `tracing` env-filter syntax (`TUTELA_LOG`).
    pub log: String,
    /// Largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// Connections the API serves at once; more wait to be accepted. Keep
    /// it below the process's open-file limit (`ulimit -n`), with room for
    /// the database's files.
    pub max_connections: usize,
    /// Address serving Prometheus metrics (`GET /metrics`), apart from the
    /// API (`TUTELA_METRICS_LISTEN`). Unset (the default): no metrics are
    /// served at all. Bind it where only monitoring can reach it: counts of
    /// erasures and refusals are not for the public.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics_listen: Option<SocketAddr>,
    /// The erasure ledger (`TUTELA_ERASURE_LEDGER`): an append-only file of
    /// erased subjects' pseudonyms, written before each erasure commits and
    /// replayed by `tutela restore`, so a restored backup never revives an
    /// erased subject (Art. 17). Unset: `erasures.ledger` beside the SQLite
    /// database, or `tutela-data/erasures.ledger` with PostgreSQL (see
    /// [`Config::erasure_ledger_path`]). Back it up apart from the database
    /// backups, and never beside the master key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub erasure_ledger: Option<PathBuf>,
    /// Where messages to data subjects about their requests (one-time
    /// codes, refusals, fulfilments) are written, one JSON file each, for
    /// the product's mailer to deliver (`TUTELA_OUTBOX_DIR`). Unset: an
    /// `outbox` directory beside the SQLite database (else
    /// `tutela-data/outbox`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outbox_dir: Option<PathBuf>,
    /// Instead of the outbox, POST those messages to this URL, signed per
    /// Standard Webhooks with the secret in `TUTELA_WEBHOOK_SECRET`
    /// (`whsec_` + base64) (`TUTELA_WEBHOOK_URL`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
    /// Seconds between passes of the task that sends notices to recipients
    /// (Art. 19) (`TUTELA_DELIVERY_INTERVAL_SECS`); 0 turns it off (then
    /// another server sharing the database, or `tutela deliveries run`,
    /// must send them).
    pub delivery_interval_secs: u64,
    /// Seconds between retention sweeps (Art. 5(1)(e))
    /// (`TUTELA_SWEEP_INTERVAL_SECS`); 0 turns the task off (then another
    /// server sharing the database, or `tutela sweep` from cron, must run
    /// them). Sweeps are safe to run on several servers at once.
    pub sweep_interval_secs: u64,
    /// Seconds between passes of the task that tells subjects of a pending
    /// policy version's material changes (Art. 13(3))
    /// (`TUTELA_POLICY_NOTICE_INTERVAL_SECS`); 0 turns it off (then run
    /// `tutela policy notify`). Each subject is told once per version.
    pub policy_notice_interval_secs: u64,
    /// TESTS ONLY: accept recipient endpoints and transfer URLs (Art.
    /// 20(2)) at plain `http://` on a loopback address (127.0.0.1,
    /// localhost, \[::1\]), and let transfers reach loopback addresses.
    /// Never set it in production: data would travel unencrypted. Off by default, and
    /// only settable in the config file.
    pub insecure_loopback_endpoints: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "sqlite://tutela-data/tutela.db".to_owned(),
            master_key_file: PathBuf::from("tutela-data/master.key"),
            log: "info".to_owned(),
            body_limit_bytes: 1024 * 1024,
            max_connections: 512,
            metrics_listen: None,
            erasure_ledger: None,
            outbox_dir: None,
            webhook_url: None,
            delivery_interval_secs: 30,
            sweep_interval_secs: 3600,
            policy_notice_interval_secs: 3600,
            insecure_loopback_endpoints: false,
        }
    }
}

/// The ledger's file name when `erasure_ledger` is not set.
const LEDGER_FILE: &str = "erasures.ledger";

impl Config {
    /// Where the erasure ledger lives: `erasure_ledger` if set, else
    /// `erasures.ledger` in the SQLite database's directory, else (with
    /// PostgreSQL) `tutela-data/erasures.ledger`.
    pub fn erasure_ledger_path(&self) -> PathBuf {
        if let Some(path) = &self.erasure_ledger {
            return path.clone();
        }
        let beside_database = self
            .database_url
            .strip_prefix("sqlite://")
            .or_else(|| self.database_url.strip_prefix("sqlite:"))
            .map(|rest| Path::new(rest.split('?').next().unwrap_or_default()))
            .and_then(Path::parent)
            .filter(|dir| !dir.as_os_str().is_empty());
        match beside_database {
            Some(dir) => dir.join(LEDGER_FILE),
            None if self.database_url.starts_with("sqlite:") => PathBuf::from(LEDGER_FILE),
            None => Path::new("tutela-data").join(LEDGER_FILE),
        }
    }
}

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not match the schema.
    #[error("config file {}: {}{message}", path.display(), field.as_deref().map(|f| format!("field '{f}': ")).unwrap_or_default())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The field concerned, when it can be told.
        field: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// An environment variable holds a value the field cannot take.
    #[error("{var} (field '{field}'): {message}")]
    Env {
        /// The variable.
        var: &'static str,
        /// The field it overrides.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A value parsed but makes no sense.
    #[error("field '{field}': {message}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl Config {
    /// Loads the file at `path` (if given) over the defaults, then applies
    /// `TUTELA_*` environment variables.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        let text = match path {
            Some(p) => Some(
                std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
                    path: p.to_owned(),
                    source,
                })?,
            ),
            None => None,
        };
        let file = path.zip(text.as_deref());
        Self::from_sources(file, |var| std::env::var(var).ok())
    }

    /// Builds a configuration from a file's `(path, text)` and an environment
    /// lookup; [`Config::load`] with the process's real sources.
    pub fn from_sources(
        file: Option<(&Path, &str)>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut config = match file {
            Some((path, text)) => {
                toml::from_str::<Self>(text).map_err(|err| ConfigError::Parse {
                    path: path.to_owned(),
                    field: err.span().and_then(|span| key_at(text, span.start)),
                    message: err.message().to_owned(),
                })?
            }
            None => Self::default(),
        };
        if let Some(v) = env("TUTELA_LISTEN") {
            config.listen = v.trim().parse().map_err(|_| ConfigError::Env {
                var: "TUTELA_LISTEN",
                field: "listen",
                message: "expected an address such as 127.0.0.1:8080".to_owned(),
            })?;
        }
        if let Some(v) = env("TUTELA_METRICS_LISTEN") {
            config.metrics_listen = Some(v.trim().parse().map_err(|_| ConfigError::Env {
                var: "TUTELA_METRICS_LISTEN",
                field: "metrics_listen",
                message: "expected an address such as 127.0.0.1:9090".to_owned(),
            })?);
        }
        if let Some(v) = env("TUTELA_DATABASE_URL") {
            config.database_url = v;
        }
        if let Some(v) = env("TUTELA_MASTER_KEY_FILE") {
            config.master_key_file = PathBuf::from(v);
        }
        if let Some(v) = env("TUTELA_LOG") {
            config.log = v;
        }
        if let Some(v) = env("TUTELA_ERASURE_LEDGER") {
            config.erasure_ledger = Some(PathBuf::from(v));
        }
        if let Some(v) = env("TUTELA_OUTBOX_DIR") {
            config.outbox_dir = Some(PathBuf::from(v));
        }
        if let Some(v) = env("TUTELA_DELIVERY_INTERVAL_SECS") {
            config.delivery_interval_secs = v.parse().map_err(|_| ConfigError::Env {
                var: "TUTELA_DELIVERY_INTERVAL_SECS",
                field: "delivery_interval_secs",
                message: "must be a whole number of seconds".to_owned(),
            })?;
        }
        if let Some(v) = env("TUTELA_SWEEP_INTERVAL_SECS") {
            config.sweep_interval_secs = v.parse().map_err(|_| ConfigError::Env {
                var: "TUTELA_SWEEP_INTERVAL_SECS",
                field: "sweep_interval_secs",
                message: "must be a whole number of seconds".to_owned(),
            })?;
        }
        if let Some(v) = env("TUTELA_POLICY_NOTICE_INTERVAL_SECS") {
            config.policy_notice_interval_secs = v.parse().map_err(|_| ConfigError::Env {
                var: "TUTELA_POLICY_NOTICE_INTERVAL_SECS",
                field: "policy_notice_interval_secs",
                message: "must be a whole number of seconds".to_owned(),
            })?;
        }
        if let Some(v) = env("TUTELA_WEBHOOK_URL") {
            config.webhook_url = Some(v);
        }
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.body_limit_bytes == 0 {
            return Err(ConfigError::Invalid {
                field: "body_limit_bytes",
                message: "must be greater than 0".to_owned(),
            });
        }
        if self.max_connections == 0 {
            return Err(ConfigError::Invalid {
                field: "max_connections",
                message: "must be greater than 0: it is how many connections are served at once"
                    .to_owned(),
            });
        }
        if self
            .metrics_listen
            .is_some_and(|m| m == self.listen && m.port() != 0)
        {
            return Err(ConfigError::Invalid {
                field: "metrics_listen",
                message: "must differ from listen: metrics are never served with the API"
                    .to_owned(),
            });
        }
        if self.erasure_ledger_path() == self.master_key_file {
            return Err(ConfigError::Invalid {
                field: "erasure_ledger",
                message: "must not be the master key file".to_owned(),
            });
        }
        if let Some(url) = &self.webhook_url
            && !webhook_url_allowed(url)
        {
            return Err(ConfigError::Invalid {
                field: "webhook_url",
                message:
                    "must be an https:// URL without credentials (plain http only to this machine)"
                        .to_owned(),
            });
        }
        let known = ["sqlite:", "postgres:", "postgresql:"];
        if !known
            .iter()
            .any(|scheme| self.database_url.starts_with(scheme))
        {
            return Err(ConfigError::Invalid {
                field: "database_url",
                message: "must start with sqlite:, postgres: or postgresql:".to_owned(),
            });
        }
        Ok(())
    }
}

/// The key of the `key = value` line holding byte `offset`, for errors.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let start = text.get(..offset)?.rfind('\n').map_or(0, |i| i + 1);
    let line = text.get(start..)?.lines().next()?;
    let key = line.split('=').next()?.trim().trim_matches('"');
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    plain.then(|| key.to_owned())
}

/// Whether messages may be POSTed to `url`: https to any host, plain http
/// only to this machine (a local relay), and never with credentials in the
/// URL, which would end up in logs. The host is compared whole, so
/// `http://localhost.example.com` is not "localhost".
fn webhook_url_allowed(url: &str) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return false;
    };
    let local = matches!(parsed.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    let scheme_ok = parsed.scheme() == "https" || (parsed.scheme() == "http" && local);
    scheme_ok
        && parsed.host_str().is_some()
        && parsed.username().is_empty()
        && parsed.password().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn defaults_apply_without_a_file() {
        let c = Config::from_sources(None, no_env).unwrap();
        assert_eq!(c, Config::default());
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.body_limit_bytes, 1_048_576);
        assert_eq!(c.metrics_listen, None);
    }

    #[test]
    fn metrics_listen_comes_from_file_or_env_and_differs_from_listen() {
        let path = Path::new("tutela.toml");
        let c = Config::from_sources(
            Some((path, "metrics_listen = \"127.0.0.1:9090\"\n")),
            no_env,
        )
        .unwrap();
        assert_eq!(c.metrics_listen.map(|a| a.port()), Some(9090));
        let env = |var: &str| (var == "TUTELA_METRICS_LISTEN").then(|| "127.0.0.1:9191".to_owned());
        let c = Config::from_sources(None, env).unwrap();
        assert_eq!(c.metrics_listen.map(|a| a.port()), Some(9191));
        let env = |var: &str| (var == "TUTELA_METRICS_LISTEN").then(|| "nowhere".to_owned());
        let err = Config::from_sources(None, env).unwrap_err();
        assert!(err.to_string().contains("metrics_listen"), "{err}");
        let same = "metrics_listen = \"127.0.0.1:8080\"\n";
        let err = Config::from_sources(Some((path, same)), no_env).unwrap_err();
        assert!(err.to_string().contains("metrics_listen"), "{err}");
    }

    #[test]
    fn file_values_and_env_overrides_combine() {
        let text = "listen = \"0.0.0.0:9000\"\nbody_limit_bytes = 2048\nlog = \"debug\"\n";
        let env = |var: &str| (var == "TUTELA_LOG").then(|| "warn".to_owned());
        let c = Config::from_sources(Some((Path::new("tutela.toml"), text)), env).unwrap();
        assert_eq!(c.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(c.body_limit_bytes, 2048);
        assert_eq!(c.log, "warn");
        assert_eq!(c.database_url, "sqlite://tutela-data/tutela.db");
    }

    #[test]
    fn the_erasure_ledger_sits_beside_the_database_unless_set() {
        let path = Path::new("tutela.toml");
        let c = Config::from_sources(None, no_env).unwrap();
        assert_eq!(
            c.erasure_ledger_path(),
            Path::new("tutela-data/erasures.ledger")
        );
        let text = "database_url = \"sqlite:///srv/t/db.sqlite?mode=rwc\"\n";
        let c = Config::from_sources(Some((path, text)), no_env).unwrap();
        assert_eq!(c.erasure_ledger_path(), Path::new("/srv/t/erasures.ledger"));
        let text = "database_url = \"postgres://u@h/db\"\n";
        let c = Config::from_sources(Some((path, text)), no_env).unwrap();
        assert_eq!(
            c.erasure_ledger_path(),
            Path::new("tutela-data/erasures.ledger")
        );
        let env = |var: &str| (var == "TUTELA_ERASURE_LEDGER").then(|| "/safe/e.ledger".to_owned());
        let c = Config::from_sources(None, env).unwrap();
        assert_eq!(c.erasure_ledger_path(), Path::new("/safe/e.ledger"));
        let text = "erasure_ledger = \"tutela-data/master.key\"\n";
        let err = Config::from_sources(Some((path, text)), no_env).unwrap_err();
        assert!(err.to_string().contains("erasure_ledger"), "{err}");
    }

    #[test]
    fn the_webhook_url_is_https_or_a_local_http_relay() {
        for ok in [
            "https://hooks.example.com/tutela",
            "http://127.0.0.1:9000/in",
            "http://localhost/in",
            "http://[::1]:8000/",
        ] {
            assert!(webhook_url_allowed(ok), "{ok}");
        }
        for bad in [
            "http://hooks.example.com/",
            "http://localhost.example.com/",
            "http://127.0.0.1.nip.io/",
            "https://user:secret@hooks.example.com/",
            "ftp://localhost/",
            "not a url",
        ] {
            assert!(!webhook_url_allowed(bad), "{bad}");
        }
        let env = |var: &str| {
            (var == "TUTELA_WEBHOOK_URL").then(|| "http://localhost.example.com/".to_owned())
        };
        let err = Config::from_sources(None, env).unwrap_err();
        assert!(err.to_string().contains("webhook_url"), "{err}");
    }

    #[test]
    fn unknown_keys_and_bad_values_name_the_field() {
        let path = Path::new("tutela.toml");
        let err = Config::from_sources(Some((path, "lisen = \"x\"\n")), no_env).unwrap_err();
        assert!(err.to_string().contains("lisen"), "{err}");
        let err = Config::from_sources(
            Some((path, "log = \"info\"\nbody_limit_bytes = \"big\"\n")),
            no_env,
        )
        .unwrap_err();
        assert!(
            matches!(&err, ConfigError::Parse { field: Some(f), .. } if f == "body_limit_bytes"),
            "{err}"
        );
        let err = Config::from_sources(Some((path, "body_limit_bytes = 0\n")), no_env).unwrap_err();
        assert!(err.to_string().contains("body_limit_bytes"), "{err}");
        let err = Config::from_sources(Some((path, "max_connections = 0\n")), no_env).unwrap_err();
        assert!(err.to_string().contains("max_connections"), "{err}");
        let env = |var: &str| (var == "TUTELA_LISTEN").then(|| "nowhere".to_owned());
        let err = Config::from_sources(None, env).unwrap_err();
        assert!(
            err.to_string().contains("TUTELA_LISTEN") && err.to_string().contains("listen"),
            "{err}"
        );
        let err = Config::from_sources(Some((path, "database_url = \"mysql://x\"\n")), no_env)
            .unwrap_err();
        assert!(err.to_string().contains("database_url"), "{err}");
    }
}
