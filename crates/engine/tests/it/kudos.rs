//! A kudos bot for the report tests: members receive kudos
//! (`kudos_received` records) and belong to a team (`team`).

use crate::helpers::{TestEngine, purpose, record, spawn_engine};
use tutela_engine::clock::Clock;
use tutela_engine::ids::SubjectId;
use tutela_engine::principal::Principal;
use tutela_policy::SubjectKindId;

/// A kudos bot's policy: kudos are the service (contract); reports and
/// rankings rest on legitimate interests (people may object) or, for the
/// public leaderboard, on consent; a research partner may get anonymised
/// exports only.
pub const KUDOS_POLICY: &str = r#"
name = "Kudos bot"
[controller]
name = "Kudos Ltd"
email = "privacy@kudos.example"
[authority]
name = "Data Protection Authority"
[[subject_kind]]
id = "member"
description = "Members of a team chat"
[[category]]
id = "kudos_received"
description = "Kudos a member received"
taxonomy = "user.behavior"
[[category]]
id = "team"
description = "The member's team"
taxonomy = "user.workplace"
[[category]]
id = "handle"
description = "Chat handle"
taxonomy = "user.name"
[[recipient]]
id = "partner"
name = "Research partner"
role = "controller"
country = "DE"
[[recipient]]
id = "vendor"
name = "Hosting vendor"
role = "processor"
country = "DE"
[[purpose]]
id = "kudos"
description = "Giving and showing kudos"
basis = "contract"
categories = ["kudos_received", "team", "handle"]
recipients = ["vendor"]
[[purpose]]
id = "kudos_reports"
description = "Reports and rankings of kudos"
basis = "legitimate_interests"
categories = ["kudos_received", "team"]
reporting = true
export_to = ["partner"]
[[purpose]]
id = "leaderboard"
description = "The public leaderboard"
basis = "consent"
consent_valid_for = "1 year"
categories = ["kudos_received"]
reporting = true
[[retention]]
categories = ["kudos_received", "team", "handle"]
keep = "1 year"
from = "collected"
[anonymity]
min_group_size = 3
"#;

/// A member with `kudos` kudos received and, if given, a team.
pub async fn member(
    t: &TestEngine,
    who: &Principal,
    team: Option<&str>,
    kudos: usize,
) -> SubjectId {
    let mut records = vec![record("handle", "@someone")];
    records.extend(team.map(|v| record("team", v)));
    records.extend((0..kudos).map(|_| record("kudos_received", "thanks!")));
    t.engine
        .create_subject(
            who,
            &SubjectKindId::parse("member").unwrap(),
            &purpose("kudos"),
            records,
        )
        .await
        .unwrap()
}

/// Acme on the kudos policy, with six members:
/// alice 5 (red), erin 4 (red), bob 3 (red), carol 3 (blue), frank 2 (no
/// team), dan 1 (blue).
pub struct Kudos {
    pub t: TestEngine,
    pub alice: SubjectId,
    pub erin: SubjectId,
    pub bob: SubjectId,
    pub carol: SubjectId,
    pub frank: SubjectId,
    pub dan: SubjectId,
}

pub async fn kudos() -> Kudos {
    let t = spawn_engine().await;
    // A material change: it governs only after the notice period.
    let notice = jiff::SignedDuration::from_hours(24 * 30);
    let effective = t.clock.now().checked_add(notice).unwrap();
    t.engine
        .publish_policy(&t.admin, KUDOS_POLICY, Some(effective))
        .await
        .unwrap();
    t.clock.advance(notice);
    let a = &t.admin;
    Kudos {
        alice: member(&t, a, Some("red"), 5).await,
        erin: member(&t, a, Some("red"), 4).await,
        bob: member(&t, a, Some("red"), 3).await,
        carol: member(&t, a, Some("blue"), 3).await,
        frank: member(&t, a, None, 2).await,
        dan: member(&t, a, Some("blue"), 1).await,
        t,
    }
}
