//! Snapshots of what a DPO signs and a regulator reads, for the crate's
//! example policy and every policy in `examples/`: the notice in Markdown
//! and HTML, and the record of processing as JSON and as both CSV tables.
//! A change to any wording shows up here for review.

use tutela_policy::{NoticeFormat, Policy, RecordTable};

use crate::examples::all_policies;

#[test]
fn notices_and_records_of_every_example() {
    for (name, text) in all_policies() {
        let p = Policy::parse(&text).expect("valid");
        let record = p.record();
        insta::assert_snapshot!(
            format!("{name}.notice.md"),
            p.render_notice(NoticeFormat::Markdown).expect("renders")
        );
        insta::assert_snapshot!(
            format!("{name}.notice.html"),
            p.render_notice(NoticeFormat::Html).expect("renders")
        );
        insta::assert_snapshot!(
            format!("{name}.record.json"),
            record.to_json().expect("json")
        );
        insta::assert_snapshot!(
            format!("{name}.record.csv"),
            record.to_csv(RecordTable::Activities).expect("csv")
        );
        insta::assert_snapshot!(
            format!("{name}.processors.csv"),
            record.to_csv(RecordTable::Processors).expect("csv")
        );
    }
}
