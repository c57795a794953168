//! Rebuilds the crate when a migration file is added or changed:
//! `sqlx::migrate!` embeds the PostgreSQL migrations at compile time and
//! does not itself watch the directory, so a new file would otherwise be
//! left out of an incremental build.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
