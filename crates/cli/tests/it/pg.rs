//! A PostgreSQL database of a test's own, when `TUTELA_TEST_DATABASE_URL`
//! names a server: created empty, dropped when the guard goes, even if the
//! test panicked. A database of its own, not only a tenant of its own,
//! because a database belongs to the master key that first opened it, and
//! each test makes a fresh one.

use sqlx::{Connection, PgConnection};

/// The variable naming an admin URL of a PostgreSQL to test against.
pub const PG_ENV: &str = "TUTELA_TEST_DATABASE_URL";

/// A database that exists for as long as this guard does.
pub struct PgDatabase {
    admin_url: String,
    name: String,
    /// Its URL, to hand to `tutela` as `TUTELA_DATABASE_URL`.
    pub url: String,
}

impl PgDatabase {
    /// A fresh database, or None (with a line saying the test is skipped)
    /// when no server is configured.
    pub async fn create(test: &str) -> Option<Self> {
        let Ok(admin_url) = std::env::var(PG_ENV) else {
            eprintln!("skipped: {test} ({PG_ENV} is not set)");
            return None;
        };
        let name = format!("tutela_cli_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&admin_url).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .unwrap();
        admin.close().await.unwrap();
        let url = with_database(&admin_url, &name);
        Some(Self {
            admin_url,
            name,
            url,
        })
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        // A thread of its own: a drop cannot await, and may run inside the
        // test's runtime, where blocking on another future is refused.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&url).await.unwrap();
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut admin)
                .await
                .unwrap();
            });
        })
        .join();
        if dropped.is_err() && !std::thread::panicking() {
            panic!("the test database {} was not dropped", self.name);
        }
    }
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

#[test]
fn database_names_are_swapped_in_urls() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgres://h?sslmode=disable", "x"),
        "postgres://h/x?sslmode=disable"
    );
}
