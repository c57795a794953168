//! `tutela reports export`: refused with its code for a purpose not
//! declared as reporting, and for malformed arguments before anything runs.

use crate::support::{spawn_demo, temp_dir, tutela};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_for_a_purpose_that_does_not_report_is_refused() {
    let dir = temp_dir();
    let d = dir.path();
    let server = spawn_demo(d, &[]).await;
    assert!(server.stop().success());
    let export = |purpose: &'static str, category: &'static str| {
        vec![
            "reports",
            "export",
            "--tenant",
            "acme",
            "--purpose",
            purpose,
            "--recipient",
            "helpdesk",
            "--category",
            category,
        ]
    };
    tutela(d, &export("support", "ticket_text"))
        .expect_code(1)
        .expect_output(&["E_NOT_REPORTING"]);
    tutela(d, &export("Support!", "ticket_text")).expect_code(2);
    tutela(d, &export("support", "no such")).expect_code(2);
}
