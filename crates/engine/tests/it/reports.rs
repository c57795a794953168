//! Reports over identified data and the anonymised export, on the kudos
//! bot of `kudos.rs`. Whoever the reporting purpose may not use now
//! (objection, withdrawn consent, restriction, erasure) is in no report,
//! and ranks and totals are computed without them.

use crate::helpers::{category, code, purpose, recipient};
use crate::kudos::{KUDOS_POLICY, Kudos, kudos, member};
use tutela_engine::ids::{SubjectId, TenantId};
use tutela_engine::principal::Principal;
use tutela_engine::reports::ReportQuery;
use tutela_engine::{EngineError, RankingReport};

fn kudos_query(group: bool) -> ReportQuery {
    ReportQuery {
        category: category("kudos_received"),
        group_by: group.then(|| category("team")),
    }
}

async fn ranking(k: &Kudos, purpose_id: &str) -> RankingReport {
    k.t.engine
        .report_ranking(
            &k.t.service,
            &purpose(purpose_id),
            category("kudos_received"),
            100,
        )
        .await
        .unwrap()
}

fn ranks(r: &RankingReport) -> Vec<(u64, SubjectId, u64)> {
    r.lines
        .iter()
        .map(|l| (l.rank, l.subject, l.count))
        .collect()
}

/// Every subject of a counts report, page by page with `limit`.
async fn all_counts(k: &Kudos, limit: u32) -> Vec<(SubjectId, u64)> {
    let mut after = None;
    let mut out = Vec::new();
    for _ in 0..20 {
        let page =
            k.t.engine
                .report_counts(
                    &k.t.service,
                    &purpose("kudos_reports"),
                    category("kudos_received"),
                    after,
                    limit,
                )
                .await
                .unwrap();
        assert!(page.lines.len() <= limit as usize);
        out.extend(page.lines.iter().map(|l| (l.subject, l.count)));
        match page.next {
            Some(n) => after = Some(n),
            None => return out,
        }
    }
    panic!("counts never ended");
}

async fn totals(k: &Kudos) -> Vec<(Option<String>, u64, u64)> {
    let r =
        k.t.engine
            .report_totals(&k.t.service, &purpose("kudos_reports"), &kudos_query(true))
            .await
            .unwrap();
    r.groups
        .into_iter()
        .map(|g| (g.group, g.subjects, g.count))
        .collect()
}

async fn export(k: &Kudos) -> Result<String, EngineError> {
    k.t.engine
        .report_export(
            &k.t.service,
            &purpose("kudos_reports"),
            &recipient("partner"),
            &kudos_query(true),
        )
        .await
        .map(|e| e.csv)
}

fn team(v: &str) -> Option<String> {
    Some(v.to_owned())
}

#[tokio::test]
async fn an_objector_is_absent_from_every_report_and_ranks_shift() {
    let k = kudos().await;
    let before = ranking(&k, "kudos_reports").await;
    assert_eq!(before.subjects, 6);
    let mut tied = [k.bob, k.carol];
    tied.sort();
    assert_eq!(
        ranks(&before),
        vec![
            (1, k.alice, 5),
            (2, k.erin, 4),
            (3, tied[0], 3),
            (3, tied[1], 3),
            (5, k.frank, 2),
            (6, k.dan, 1)
        ]
    );
    assert_eq!(
        totals(&k).await,
        vec![(None, 1, 2), (team("blue"), 2, 4), (team("red"), 3, 12)]
    );

    k.t.engine
        .object(&k.t.admin, k.erin, Some(&purpose("kudos_reports")))
        .await
        .unwrap();

    let after = ranking(&k, "kudos_reports").await;
    assert_eq!(after.subjects, 5);
    assert_eq!(
        ranks(&after),
        vec![
            (1, k.alice, 5),
            (2, tied[0], 3),
            (2, tied[1], 3),
            (4, k.frank, 2),
            (5, k.dan, 1)
        ]
    );
    let counts = all_counts(&k, 2).await;
    assert_eq!(counts.len(), 5);
    assert!(counts.iter().all(|(s, _)| *s != k.erin));
    assert_eq!(
        totals(&k).await,
        vec![(None, 1, 2), (team("blue"), 2, 4), (team("red"), 2, 8)]
    );
    // The objection is to reporting only: the service goes on.
    let read =
        k.t.engine
            .read_records(&k.t.service, k.erin, &purpose("kudos"), None)
            .await
            .unwrap();
    assert_eq!(read.len(), 6);
    k.t.assert_chain_intact().await;
    k.t.close().await;
}

#[tokio::test]
async fn restriction_erasure_and_withdrawn_consent_leave_reports_too() {
    let k = kudos().await;
    let e = &k.t.engine;
    e.set_restricted(&k.t.dpo, k.alice, true).await.unwrap();
    e.erase_subject(&k.t.dpo, k.dan).await.unwrap();
    let r = ranking(&k, "kudos_reports").await;
    let ranked: Vec<SubjectId> = r.lines.iter().map(|l| l.subject).collect();
    assert_eq!(r.subjects, 4);
    assert!(!ranked.contains(&k.alice) && !ranked.contains(&k.dan));
    assert_eq!(r.lines[0].subject, k.erin);
    assert_eq!(r.lines[0].rank, 1);

    // The leaderboard rests on consent: only those who gave it are in it.
    assert_eq!(ranking(&k, "leaderboard").await.subjects, 0);
    for s in [k.bob, k.carol, k.frank] {
        e.record_consent(&k.t.admin, s, &purpose("leaderboard"), true, "test")
            .await
            .unwrap();
    }
    let board = ranking(&k, "leaderboard").await;
    assert_eq!(board.subjects, 3);
    e.record_consent(&k.t.admin, k.bob, &purpose("leaderboard"), false, "test")
        .await
        .unwrap();
    let board = ranking(&k, "leaderboard").await;
    let mut rest = vec![(1, k.carol, 3), (2, k.frank, 2)];
    rest.sort_by_key(|x| x.0);
    assert_eq!(ranks(&board), rest);
    // Restriction lifted: back in the reports.
    e.set_restricted(&k.t.dpo, k.alice, false).await.unwrap();
    assert_eq!(ranking(&k, "kudos_reports").await.lines[0].subject, k.alice);
    k.t.close().await;
}

#[tokio::test]
async fn counts_page_through_every_included_subject_once() {
    let k = kudos().await;
    let mut want = vec![
        (k.alice, 5),
        (k.erin, 4),
        (k.bob, 3),
        (k.carol, 3),
        (k.frank, 2),
        (k.dan, 1),
    ];
    want.sort();
    for limit in [1, 2, 5, 6, 1000] {
        let mut got = all_counts(&k, limit).await;
        got.sort();
        assert_eq!(got, want, "limit {limit}");
    }
    k.t.close().await;
}

#[tokio::test]
async fn each_included_subject_sees_the_report_in_their_access_log() {
    let k = kudos().await;
    k.t.engine
        .object(&k.t.admin, k.frank, Some(&purpose("kudos_reports")))
        .await
        .unwrap();
    let before = k.t.entries().await.len();
    ranking(&k, "kudos_reports").await;
    let entries = k.t.entries().await;
    let new = &entries[before..];
    let used: Vec<&str> = new
        .iter()
        .filter(|e| e.action == "report.use")
        .filter_map(|e| e.subject.as_deref())
        .collect();
    assert_eq!(used.len(), 5);
    assert!(!used.contains(&k.frank.to_string().as_str()));
    let made = new.iter().find(|e| e.action == "report.make").unwrap();
    assert_eq!(made.subject, None);
    assert_eq!(
        made.detail,
        "report=ranking category=kudos_received subjects=5"
    );
    let answer = k.t.engine.access_answer(&k.t.dpo, k.alice).await.unwrap();
    let log: Vec<&str> = answer
        .access_log
        .iter()
        .map(|l| l.action.as_str())
        .collect();
    assert!(log.contains(&"report.use"), "{log:?}");
    let frank = k.t.engine.access_answer(&k.t.dpo, k.frank).await.unwrap();
    assert!(frank.access_log.iter().all(|l| l.action != "report.use"));
    // No value on the chain: neither team names nor kudos text.
    for e in k.t.entries().await {
        assert!(
            !e.detail.contains("red") && !e.detail.contains("thanks"),
            "{}",
            e.detail
        );
    }
    k.t.close().await;
}

#[tokio::test]
async fn the_export_suppresses_small_groups_and_leaves_out_objectors() {
    let k = kudos().await;
    let csv = export(&k).await.unwrap();
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').split("\r\n").collect();
    // min 3: no team (1 person) and blue (2) are below it; together they
    // are 3, so red and the total stay shown.
    assert_eq!(lines[0], "category,table,row,key,subjects,records,status");
    assert!(lines.contains(&"kudos_received,by_group,no_group,,,,withheld_below_minimum"));
    // Blue is one withheld row with no key: a withheld group's value is
    // never printed, nor how many groups were withheld.
    assert!(lines.contains(&"kudos_received,by_group,withheld,,,,withheld_below_minimum"));
    assert!(!csv.contains("blue"), "{csv}");
    assert!(lines.contains(&"kudos_received,by_group,group,red,3,12,shown"));
    assert!(lines.contains(&"kudos_received,by_group,total,,6,18,shown"));
    assert!(lines.contains(&"kudos_received,by_period,period,2026-03,6,18,shown"));
    for s in [k.alice, k.bob, k.carol, k.dan, k.erin, k.frank] {
        assert!(!csv.contains(&s.to_string()));
    }
    // Erin objects: red is now 2 people, withheld, and the lone person
    // with no team and blue go with it; the total of 5 people remains.
    k.t.engine
        .object(&k.t.admin, k.erin, Some(&purpose("kudos_reports")))
        .await
        .unwrap();
    let csv = export(&k).await.unwrap();
    assert!(csv.contains("kudos_received,by_group,withheld,,,,withheld_below_minimum\r\n"));
    assert!(!csv.contains("red") && !csv.contains("blue"), "{csv}");
    assert_eq!(csv.matches(",withheld,").count(), 1, "{csv}");
    assert!(csv.contains("kudos_received,by_group,total,,5,14,shown"));
    let last = k.t.entries().await.pop().unwrap();
    assert_eq!(last.action, "report.export");
    assert_eq!(last.subject, None);
    assert_eq!(
        last.detail,
        "category=kudos_received group_by=team recipient=partner subjects=5 withheld=3 min_group_size=3"
    );
    k.t.close().await;
}

#[tokio::test]
async fn an_export_to_an_unlisted_recipient_is_refused_and_audited() {
    let k = kudos().await;
    let before = k.t.entries().await;
    for to in ["vendor", "nobody"] {
        let refused =
            k.t.engine
                .report_export(
                    &k.t.service,
                    &purpose("kudos_reports"),
                    &recipient(to),
                    &kudos_query(true),
                )
                .await;
        assert_eq!(code(&refused), "E_EXPORT_RECIPIENT_NOT_LISTED");
    }
    let refused =
        k.t.engine
            .report_export(
                &k.t.service,
                &purpose("leaderboard"),
                &recipient("partner"),
                &kudos_query(false),
            )
            .await;
    assert_eq!(code(&refused), "E_EXPORT_RECIPIENT_NOT_LISTED");
    let after = k.t.entries().await;
    let new = &after[before.len()..];
    assert_eq!(new.len(), 3, "one refusal entry each, no subject used");
    for e in new {
        assert_eq!(e.action, "report.export");
        assert_eq!(e.outcome, "denied:E_EXPORT_RECIPIENT_NOT_LISTED");
        assert_eq!(e.subject, None);
    }
    k.t.close().await;
}

#[tokio::test]
async fn bad_reports_are_refused_with_a_stable_code_and_change_nothing() {
    let k = kudos().await;
    let e = &k.t.engine;
    let before = k.t.entries().await.len();
    let r = e
        .report_ranking(
            &k.t.service,
            &purpose("kudos_reports"),
            category("kudos_received"),
            0,
        )
        .await;
    assert_eq!(code(&r), "E_INVALID_INPUT");
    let r = e
        .report_counts(
            &k.t.service,
            &purpose("kudos_reports"),
            category("kudos_received"),
            None,
            1001,
        )
        .await;
    assert_eq!(code(&r), "E_INVALID_INPUT");
    let q = ReportQuery {
        category: category("kudos_received"),
        group_by: Some(category("kudos_received")),
    };
    let r = e
        .report_totals(&k.t.service, &purpose("kudos_reports"), &q)
        .await;
    assert_eq!(code(&r), "E_GROUP_BY_SELF");
    let q = ReportQuery {
        category: category("nonsense"),
        group_by: None,
    };
    let r = e
        .report_totals(&k.t.service, &purpose("kudos_reports"), &q)
        .await;
    assert_eq!(code(&r), "E_CATEGORY_NOT_DECLARED");
    assert_eq!(
        k.t.entries().await.len(),
        before,
        "bad input leaves no trace"
    );

    // Refusals by the policy or the key go on the chain.
    let r = e
        .report_ranking(
            &k.t.service,
            &purpose("kudos"),
            category("kudos_received"),
            10,
        )
        .await;
    assert_eq!(code(&r), "E_NOT_REPORTING");
    let r = e
        .report_ranking(
            &k.t.service,
            &purpose("leaderboard"),
            category("handle"),
            10,
        )
        .await;
    assert_eq!(code(&r), "E_CATEGORY_NOT_IN_PURPOSE");
    let r = e
        .report_ranking(
            &k.t.analyst,
            &purpose("kudos_reports"),
            category("kudos_received"),
            10,
        )
        .await;
    assert_eq!(code(&r), "E_FORBIDDEN");
    let r = e
        .report_ranking(
            &k.t.scoped,
            &purpose("kudos_reports"),
            category("kudos_received"),
            10,
        )
        .await;
    assert_eq!(code(&r), "E_PURPOSE_OUT_OF_SCOPE");
    let new: Vec<String> = k.t.entries().await[before..]
        .iter()
        .map(|e| format!("{} {}", e.action, e.outcome))
        .collect();
    assert_eq!(
        new,
        vec![
            "report.make denied:E_NOT_REPORTING",
            "report.make denied:E_CATEGORY_NOT_IN_PURPOSE",
            "report.make denied:E_FORBIDDEN",
            "report.make denied:E_PURPOSE_OUT_OF_SCOPE",
        ]
    );
    k.t.close().await;
}

#[tokio::test]
async fn a_tenant_reports_on_its_own_subjects_only() {
    let k = kudos().await;
    let globex = TenantId::parse("globex").unwrap();
    k.t.engine
        .create_tenant(&k.t.operator, globex.clone(), "Globex", KUDOS_POLICY)
        .await
        .unwrap();
    let admin = Principal::local_admin(globex.clone(), false);
    let theirs = member(&k.t, &admin, Some("red"), 7).await;
    let r =
        k.t.engine
            .report_ranking(
                &admin,
                &purpose("kudos_reports"),
                category("kudos_received"),
                100,
            )
            .await
            .unwrap();
    assert_eq!(ranks(&r), vec![(1, theirs, 7)]);
    let ours = ranking(&k, "kudos_reports").await;
    assert_eq!(ours.subjects, 6);
    assert!(ours.lines.iter().all(|l| l.subject != theirs));
    // The operator's keys reach no client's subjects.
    let op =
        k.t.engine
            .report_ranking(
                &k.t.operator,
                &purpose("kudos_reports"),
                category("kudos_received"),
                100,
            )
            .await;
    assert!(op.is_err());
    k.t.close().await;
}
