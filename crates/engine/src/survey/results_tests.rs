use super::*;
use crate::survey::definition::tests::sample;
use crate::survey::noise::SeededRandom;

fn tally(team: &str, period: &str, question: &str, value: i64, count: u64) -> TallyRow {
    TallyRow {
        team: team.into(),
        period: period.into(),
        question: question.into(),
        value,
        count,
    }
}

fn text(team: &str, t: &str) -> OpenedText {
    OpenedText {
        team: team.into(),
        period: "2026-W48".into(),
        question: "comment".into(),
        text: t.into(),
    }
}

fn run(tallies: &[TallyRow], texts: &[OpenedText]) -> SurveyResults {
    let def = sample();
    let periods = vec!["2026-W48".to_owned()];
    let participation = vec![
        ParticipationRow {
            team: "web".into(),
            issued: 6,
            unspent: 1,
        },
        ParticipationRow {
            team: "sales".into(),
            issued: 7,
            unspent: 7,
        },
    ];
    let inputs = Inputs {
        definition: &def,
        min_group_size: 5,
        periods: &periods,
        tallies,
        texts,
        participation: &participation,
        publish_texts: true,
    };
    compute(&inputs, None, &mut SeededRandom::new(1)).unwrap()
}

fn cohort<'a>(r: &'a SurveyResults, question: &str, team: Option<&str>) -> &'a CohortResults {
    r.questions
        .iter()
        .find(|q| q.question.as_str() == question)
        .unwrap()
        .cohorts
        .iter()
        .find(|c| c.team.as_ref().map(Key::as_str) == team)
        .unwrap()
}

#[test]
fn counts_means_and_distributions_add_up_the_tree() {
    let tallies = [
        tally("web", "2026-W48", "pulse", 4, 3),
        tally("web", "2026-W48", "pulse", 5, 2),
        tally("app", "2026-W48", "pulse", 2, 5),
        tally("sales", "2026-W48", "pulse", 1, 6),
    ];
    let r = run(&tallies, &[]);
    let Cell::Shown(web) = &cohort(&r, "pulse", Some("web")).total else {
        panic!()
    };
    assert_eq!(web.count, 5);
    assert_eq!(web.mean, Some(4.4));
    assert_eq!(web.distribution[3], ("4".to_owned(), 3));
    let Cell::Shown(eng) = &cohort(&r, "pulse", Some("eng")).total else {
        panic!()
    };
    assert_eq!(eng.count, 10);
    assert_eq!(eng.mean, Some(3.2));
    let Cell::Shown(org) = &cohort(&r, "pulse", None).total else {
        panic!()
    };
    assert_eq!(org.count, 16);
    assert_eq!(r.issued, 13);
    assert_eq!(r.responded, 5);
}

#[test]
fn a_small_team_is_withheld_with_its_complement_and_labels_follow_the_kind() {
    let tallies = [
        tally("web", "2026-W48", "mood", 5, 3),
        tally("app", "2026-W48", "mood", 1, 9),
        tally("sales", "2026-W48", "office", 1, 7),
    ];
    let r = run(&tallies, &[]);
    assert_eq!(
        cohort(&r, "mood", Some("web")).total,
        Cell::Withheld(Reason::BelowMinimum)
    );
    assert_eq!(
        cohort(&r, "mood", Some("app")).total,
        Cell::Withheld(Reason::Complementary)
    );
    let Cell::Shown(eng) = &cohort(&r, "mood", Some("eng")).total else {
        panic!()
    };
    assert_eq!(eng.distribution[0], ("awful".to_owned(), 9));
    let Cell::Shown(sales) = &cohort(&r, "office", Some("sales")).total else {
        panic!()
    };
    assert_eq!(sales.distribution[1], ("Remote".to_owned(), 7));
    assert_eq!(sales.mean, None, "a choice has no mean");
}

#[test]
fn free_text_is_shown_only_for_teams_at_the_minimum() {
    let mut texts: Vec<OpenedText> = (0..5).map(|i| text("sales", &format!("s{i}"))).collect();
    texts.extend((0..2).map(|i| text("web", &format!("w{i}"))));
    texts.extend((0..6).map(|i| text("app", &format!("a{i}"))));
    let r = run(&[], &texts);
    let mut sales = cohort(&r, "comment", Some("sales")).texts.clone();
    sales.sort();
    assert_eq!(sales, vec!["s0", "s1", "s2", "s3", "s4"]);
    assert!(cohort(&r, "comment", Some("web")).texts.is_empty());
    // App has 6, but Engineering minus App would give Web's count away,
    // so App is withheld too, and so are its texts.
    assert!(cohort(&r, "comment", Some("app")).texts.is_empty());
    assert!(cohort(&r, "comment", None).texts.is_empty());
}

#[test]
fn texts_come_in_random_order() {
    let texts: Vec<OpenedText> = (0..40).map(|i| text("sales", &format!("{i:02}"))).collect();
    let r = run(&[], &texts);
    let shown = &cohort(&r, "comment", Some("sales")).texts;
    let mut sorted = shown.clone();
    sorted.sort();
    assert_eq!(sorted.len(), 40);
    assert_ne!(shown, &sorted);
}

#[test]
fn noise_changes_shown_counts_only() {
    let def = sample();
    let periods = vec!["2026-W48".to_owned()];
    let tallies = [
        tally("sales", "2026-W48", "pulse", 3, 7),
        tally("web", "2026-W48", "pulse", 3, 2),
        tally("app", "2026-W48", "pulse", 3, 6),
    ];
    let inputs = Inputs {
        definition: &def,
        min_group_size: 5,
        periods: &periods,
        tallies: &tallies,
        texts: &[],
        participation: &[],
        publish_texts: true,
    };
    let mut add_100 = |n: u64| Ok(n + 100);
    let r = compute(&inputs, Some(&mut add_100), &mut SeededRandom::new(1)).unwrap();
    let Cell::Shown(sales) = &cohort(&r, "pulse", Some("sales")).total else {
        panic!()
    };
    assert_eq!(sales.count, 507);
    assert_eq!(
        cohort(&r, "pulse", Some("web")).total,
        Cell::Withheld(Reason::BelowMinimum)
    );
}

/// Everyone answers `pulse`, some also `comment`. Withheld per question,
/// Web's comment count (5, all of Web) would give Web's pulse count away,
/// and with it Sales's, which is below the minimum (org 12 − Eng 10). A
/// cell one question withholds is withheld in every question.
#[test]
fn a_cell_withheld_in_one_question_is_withheld_in_all() {
    let tallies = [
        tally("web", "2026-W48", "pulse", 3, 5),
        tally("app", "2026-W48", "pulse", 4, 5),
        tally("sales", "2026-W48", "pulse", 2, 2),
    ];
    let texts: Vec<OpenedText> = (0..5).map(|i| text("web", &format!("w{i}"))).collect();
    let r = run(&tallies, &texts);
    assert_eq!(
        cohort(&r, "pulse", Some("sales")).total,
        Cell::Withheld(Reason::BelowMinimum)
    );
    assert!(matches!(
        cohort(&r, "pulse", Some("web")).total,
        Cell::Withheld(_)
    ));
    let web_comment = cohort(&r, "comment", Some("web"));
    assert!(
        matches!(web_comment.total, Cell::Withheld(_)),
        "{web_comment:?}"
    );
    assert!(web_comment.texts.is_empty());
    // Whatever a question shows, no question shows a cell another
    // withholds (one with answers in it).
    for node in [None, Some("eng"), Some("web"), Some("app"), Some("sales")] {
        let hidden_somewhere = r.questions.iter().any(|q| {
            let c = q
                .cohorts
                .iter()
                .find(|c| c.team.as_ref().map(Key::as_str) == node);
            matches!(c.map(|c| &c.total), Some(Cell::Withheld(_)))
        });
        if hidden_somewhere {
            for q in &r.questions {
                let c = q
                    .cohorts
                    .iter()
                    .find(|c| c.team.as_ref().map(Key::as_str) == node)
                    .unwrap();
                assert!(
                    matches!(c.total, Cell::Withheld(_)),
                    "{} {node:?} shown",
                    q.question
                );
            }
        }
    }
}

#[test]
fn under_noise_free_text_is_counted_but_not_listed() {
    let def = sample();
    let periods = vec!["2026-W48".to_owned()];
    let texts: Vec<OpenedText> = (0..6).map(|i| text("sales", &format!("s{i}"))).collect();
    let inputs = Inputs {
        definition: &def,
        min_group_size: 5,
        periods: &periods,
        tallies: &[],
        texts: &texts,
        participation: &[],
        publish_texts: false,
    };
    let r = compute(&inputs, None, &mut SeededRandom::new(1)).unwrap();
    let sales = cohort(&r, "comment", Some("sales"));
    assert!(sales.texts.is_empty());
    let Cell::Shown(f) = &sales.total else {
        panic!("{sales:?}")
    };
    assert_eq!(f.count, 6);
}
