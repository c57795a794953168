//! A deployment set up as a user would, through the CLI only: `tutela init`,
//! a client tenant of its own with its first admin key, and a service key;
//! on SQLite by default or on a given PostgreSQL database. Its servers and
//! commands all share the data directory, so they share the master key.

use crate::support::{Run, Server, command, random_tag, spawn_serve, tutela_with};
use std::path::{Path, PathBuf};

/// A data directory, a tenant in its database and two of that tenant's keys.
pub struct Deployment {
    dir: PathBuf,
    env: Vec<(String, String)>,
    /// The tenant the test works in, unique per deployment.
    pub tenant: String,
    /// The tenant's first admin key: reads the audit chain.
    pub admin: String,
    /// A service key of the tenant: writes and reads records.
    pub service: String,
}

impl Deployment {
    /// `tutela init` in `dir`, then a tenant under the example policy and a
    /// service key, all made with the CLI; `database_url` overrides the
    /// configured SQLite file.
    pub fn new(dir: &Path, database_url: Option<&str>) -> Self {
        let env = database_url
            .map(|url| vec![("TUTELA_DATABASE_URL".to_owned(), url.to_owned())])
            .unwrap_or_default();
        let tenant = format!("t-{}", &random_tag()[..12]);
        let mut deployment = Self {
            dir: dir.to_owned(),
            env,
            tenant,
            admin: String::new(),
            service: String::new(),
        };
        deployment.cli(&["init"]).expect_code(0);
        let created = deployment.cli(&[
            "tenant",
            "create",
            &deployment.tenant,
            "--name",
            "Crash Test Ltd",
            "--policy",
            "tutela-data/policy.toml",
        ]);
        deployment.admin = last_line(created.expect_code(0));
        let keyed = deployment.cli(&[
            "keys",
            "create",
            "--tenant",
            &deployment.tenant,
            "--role",
            "service",
            "--label",
            "load",
        ]);
        deployment.service = last_line(keyed.expect_code(0));
        deployment
    }

    /// Runs `tutela ARGS` against this deployment's database.
    #[track_caller]
    pub fn cli(&self, args: &[&str]) -> Run {
        tutela_with(command(&self.dir).args(args).envs(self.env()))
    }

    /// Starts a `tutela serve` on this deployment's database.
    pub async fn serve(&self) -> Server {
        let env: Vec<(&str, &str)> = self.env().collect();
        spawn_serve(&self.dir, &[], &env).await
    }

    /// `tutela audit verify --tenant T [EXTRA]` must exit 0 and find the
    /// tenant's chain intact; the number of entries it verified, and the run.
    #[track_caller]
    pub fn verify_chain(&self, extra: &[&str]) -> (u64, Run) {
        let mut args = vec!["audit", "verify", "--tenant", &self.tenant];
        args.extend_from_slice(extra);
        let run = self.cli(&args);
        run.expect_code(0);
        let prefix = format!("{}: intact (", self.tenant);
        let verified = run
            .stdout
            .lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no {prefix:?} line\n{run}"));
        (verified, run)
    }

    fn env(&self) -> impl Iterator<Item = (&str, &str)> {
        self.env.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// The last non-empty line of stdout: where the CLI prints a new token.
#[track_caller]
fn last_line(run: &Run) -> String {
    run.stdout
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_else(|| panic!("nothing printed\n{run}"))
        .to_owned()
}
