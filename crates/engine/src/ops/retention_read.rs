//! The retention forecast and the anonymised aggregates (Art. 5(1)(e),
//! Art. 89 / Recital 26): what a sweep will do, by day, category, rule and
//! fate (deleted, anonymised, or moved under a statutory hold), what it
//! will leave because the subject is restricted, and what anonymisation
//! left, small groups withheld. Counts only;
//! reading either adds one `retention.read` audit entry and changes
//! nothing else.

use super::retention::Walk;
use crate::audit::{Action, Outcome};
use crate::engine::Engine;
use crate::error::EngineError;
use crate::ids::SubjectId;
use crate::principal::{Act, Principal};
use crate::retention::{Fate, ForecastLine, ForecastTally};
use crate::store::Change;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use tutela_policy::{CalendarSpan, CategoryId};

/// The longest forecast, in days.
pub const MAX_FORECAST_DAYS: u32 = 3_660;

/// What will go in the coming days, counts only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Forecast {
    /// From now.
    pub from: Timestamp,
    /// To this instant.
    pub until: Timestamp,
    /// By day, category, rule and fate.
    pub lines: Vec<ForecastRow>,
    /// Held records whose hold ends by `until`, by category.
    pub holds_ending: BTreeMap<CategoryId, u64>,
    /// Records falling due by `until` whose subject is restricted, by
    /// category: the sweep leaves them until the restriction is lifted
    /// (Art. 18(2)), so they are not in `lines`.
    pub kept_restricted: BTreeMap<CategoryId, u64>,
}

/// One forecast line with the rule spelled out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForecastRow {
    /// The day (UTC).
    pub date: jiff::civil::Date,
    /// The category.
    pub category: CategoryId,
    /// The rule's position in the policy's `[[retention]]` list, from 0.
    pub rule: usize,
    /// The rule as written: `90 days from collected`.
    pub rule_text: String,
    /// Deleted, anonymised, or moved under a statutory hold.
    pub then: Fate,
    /// How many records.
    pub count: u64,
}

/// One aggregate group as published: groups below the policy's
/// `anonymity.min_group_size` are withheld (Recital 26).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AggregateCount {
    /// The category.
    pub category: CategoryId,
    /// The collection month, `YYYY-MM`.
    pub period: String,
    /// How many records were anonymised.
    pub count: u64,
}

/// The published aggregates and how many groups were withheld.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Aggregates {
    /// The groups at or above the minimum size.
    pub groups: Vec<AggregateCount>,
    /// How many groups were too small to publish.
    pub suppressed: u64,
    /// The minimum group size applied.
    pub min_group_size: u32,
}

impl Engine {
    /// What a sweep will do within `days` days from now, changing nothing
    /// but the audit chain (one `retention.read` entry).
    pub async fn retention_forecast(
        &self,
        who: &Principal,
        days: u32,
    ) -> Result<Forecast, EngineError> {
        self.authorize(who, Act::ReadRetention, Action::RetentionRead, None, None)
            .await?;
        if days > MAX_FORECAST_DAYS {
            return Err(EngineError::InvalidInput {
                field: "days".into(),
                message: format!("must be at most {MAX_FORECAST_DAYS}"),
            });
        }
        let tenant = &who.tenant;
        let (_, policy) = self.current_policy(tenant).await?;
        let now = self.clock.now();
        let until = CalendarSpan::days(days)
            .after(now)
            .unwrap_or(Timestamp::MAX);
        let mut tally = ForecastTally::default();
        if let Some(cutoff) = self.cutoff(tenant, &policy, until).await? {
            let mut walk = Walk::default();
            loop {
                let subjects = self.next_candidates(tenant, cutoff, &mut walk).await?;
                if subjects.is_empty() {
                    break;
                }
                for subject in subjects {
                    if let Some((view, anchors)) = self.sweep_load(tenant, &policy, subject).await?
                    {
                        tally.add_subject(
                            &policy,
                            &view.records,
                            &anchors,
                            view.subject.restricted,
                            now,
                            until,
                        );
                    }
                }
            }
        }
        let mut holds_ending = BTreeMap::new();
        let until_held = until
            .checked_add(SignedDuration::from_micros(1))
            .unwrap_or(until);
        // What the sweep will do: a record whose hold the policy in force
        // has lengthened since is kept to its new end, not erased.
        let mut began: HashMap<SubjectId, Vec<crate::holds::HoldRow>> = HashMap::new();
        for held in self.store.holds_due(tenant, until_held, 100_000).await? {
            if let std::collections::hash_map::Entry::Vacant(slot) = began.entry(held.subject) {
                slot.insert(self.store.subject_holds(tenant, held.subject).await?.holds);
            }
            let held_at = began
                .get(&held.subject)
                .and_then(|hs| hs.iter().find(|h| h.id == held.hold))
                .map_or(held.ends_at, |h| h.held_at);
            let ends = crate::holds::extended_end(&policy, &held, held_at).unwrap_or(held.ends_at);
            if ends < until_held {
                *holds_ending.entry(held.category).or_insert(0) += 1;
            }
        }
        let (lines, kept_restricted) = tally.finish();
        let lines = lines
            .into_iter()
            .map(|l: ForecastLine| ForecastRow {
                rule_text: policy
                    .retention
                    .get(l.rule)
                    .map(|r| format!("{} from {}", r.keep, r.from))
                    .unwrap_or_default(),
                date: l.date,
                category: l.category,
                rule: l.rule,
                then: l.then,
                count: l.count,
            })
            .collect();
        let detail = format!("forecast days={days}");
        let event = self.event(
            who,
            Action::RetentionRead,
            None,
            None,
            detail,
            Outcome::Allowed,
        );
        self.commit(tenant, Change::audit_only(vec![event])).await?;
        Ok(Forecast {
            from: now,
            until,
            lines,
            holds_ending,
            kept_restricted,
        })
    }

    /// The tenant's anonymised aggregates, small groups withheld.
    pub async fn retention_aggregates(&self, who: &Principal) -> Result<Aggregates, EngineError> {
        self.authorize(who, Act::ReadRetention, Action::RetentionRead, None, None)
            .await?;
        let (_, policy) = self.current_policy(&who.tenant).await?;
        let min = policy.anonymity.min_group_size;
        let rows = self.store.retention_aggregates(&who.tenant).await?;
        let (groups, small): (Vec<_>, Vec<_>) =
            rows.into_iter().partition(|r| r.count >= u64::from(min));
        let event = self.event(
            who,
            Action::RetentionRead,
            None,
            None,
            format!(
                "aggregates groups={} suppressed={}",
                groups.len(),
                small.len()
            ),
            Outcome::Allowed,
        );
        self.commit(&who.tenant, Change::audit_only(vec![event]))
            .await?;
        Ok(Aggregates {
            groups: groups
                .into_iter()
                .map(|r| AggregateCount {
                    category: r.category,
                    period: r.period,
                    count: r.count,
                })
                .collect(),
            suppressed: small.len() as u64,
            min_group_size: min,
        })
    }
}
