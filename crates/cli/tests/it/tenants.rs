//! `tutela tenant` and `tutela keys`, acting on the database directly.

use crate::support::{temp_dir, tutela};

fn token_line(stdout: &str, tenant: &str) -> String {
    let prefix = format!("tutela.{tenant}.");
    stdout
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no token for {tenant} in\n{stdout}"))
        .to_owned()
}

#[test]
fn tenants_and_keys_are_managed_from_the_command_line() {
    let dir = temp_dir();
    let d = dir.path();
    tutela(d, &["init"]).expect_code(0);
    let run = tutela(
        d,
        &[
            "tenant",
            "create",
            "beta",
            "--name",
            "Beta Ltd",
            "--policy",
            "tutela-data/policy.toml",
        ],
    );
    run.expect_code(0).expect_output(&["beta"]);
    let admin = token_line(&run.stdout, "beta");
    tutela(
        d,
        &[
            "tenant",
            "create",
            "beta",
            "--name",
            "Again",
            "--policy",
            "tutela-data/policy.toml",
        ],
    )
    .expect_code(1)
    .expect_output(&["beta", "E_TENANT_EXISTS"]);
    tutela(d, &["tenant", "list"])
        .expect_code(0)
        .expect_output(&["beta", "Beta Ltd", "operator"]);

    let run = tutela(
        d,
        &[
            "keys",
            "create",
            "--tenant",
            "beta",
            "--role",
            "service",
            "--purpose",
            "account",
            "--label",
            "billing",
        ],
    );
    run.expect_code(0);
    let service = token_line(&run.stdout, "beta");
    assert_ne!(admin, service);
    tutela(
        d,
        &[
            "keys",
            "create",
            "--tenant",
            "beta",
            "--role",
            "service",
            "--purpose",
            "astrology",
            "--label",
            "x",
        ],
    )
    .expect_code(1)
    .expect_output(&["astrology", "E_PURPOSE_NOT_DECLARED"]);
    tutela(
        d,
        &[
            "keys", "create", "--tenant", "gamma", "--role", "admin", "--label", "x",
        ],
    )
    .expect_code(1)
    .expect_output(&["gamma", "--tenant"]);

    let listed = tutela(d, &["keys", "list", "--tenant", "beta"]);
    listed
        .expect_code(0)
        .expect_output(&["billing", "account", "first admin"]);
    assert!(
        !listed.stdout.contains(&service) && !listed.stdout.contains(&admin),
        "tokens are shown once only"
    );
    let billing_id = listed
        .stdout
        .lines()
        .find(|l| l.contains("billing"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_owned();
    tutela(d, &["keys", "revoke", "--tenant", "beta", &billing_id]).expect_code(0);
    tutela(d, &["keys", "list", "--tenant", "beta"])
        .expect_code(0)
        .expect_output(&["revoked"]);

    tutela(d, &["audit", "verify"])
        .expect_code(0)
        .expect_output(&["beta: intact (", "operator: intact ("]);
}

#[test]
fn an_invalid_policy_creates_nothing_and_says_why() {
    let dir = temp_dir();
    let d = dir.path();
    tutela(d, &["init"]).expect_code(0);
    std::fs::write(
        d.join("broken.toml"),
        "[[purpose]]\nid = \"x\"\nbasis = \"whim\"\n",
    )
    .unwrap();
    tutela(
        d,
        &[
            "tenant",
            "create",
            "beta",
            "--name",
            "Beta",
            "--policy",
            "broken.toml",
        ],
    )
    .expect_code(1)
    .expect_output(&["broken.toml:", "error[", "nothing was created"]);
    tutela(d, &["tenant", "list"]).expect_code(0);
    let listed = tutela(d, &["tenant", "list"]);
    assert!(!listed.stdout.contains("beta"), "{listed}");
}

/// With `webhook_url` set, a command that sends no message (a tenant, a
/// key) runs without the webhook secret in the shell; `serve`, which must
/// be able to send codes, refuses to start without it.
#[test]
fn only_serve_needs_the_webhook_secret() {
    let dir = temp_dir();
    let d = dir.path();
    tutela(d, &["init"]).expect_code(0);
    let config = d.join("tutela-data/tutela.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("\nwebhook_url = \"https://hooks.example/messages\"\n");
    std::fs::write(&config, text).unwrap();
    tutela(
        d,
        &[
            "tenant",
            "create",
            "beta",
            "--name",
            "Beta Ltd",
            "--policy",
            "tutela-data/policy.toml",
        ],
    )
    .expect_code(0);
    tutela(
        d,
        &[
            "keys", "create", "--tenant", "beta", "--role", "dpo", "--label", "dpo",
        ],
    )
    .expect_code(0);
    tutela(d, &["serve", "--listen", "127.0.0.1:0"])
        .expect_code(1)
        .expect_output(&["TUTELA_WEBHOOK_SECRET"]);
}
