//! A retention sweep's last step: banner choices past the banner's keep
//! period are deleted (Art. 5(1)(e)). A website's anonymous visitor id is
//! an online identifier (Recital 30), and its choices were otherwise kept
//! for ever, one row per visit. A choice is kept as long as the longest
//! `consent_valid_for` of the purposes the banner shows: by then every
//! grant it holds has lapsed and the banner asks again, so deleting it
//! changes no answer the banner gives. With no such period declared, it is
//! kept [`BANNER_KEEP_DEFAULT`]. A known subject's banner choices are on
//! its consent ledger too, which stays; only the banner's own copies go.

use super::retention::SweepReport;
use super::sweep_change::sweeper;
use crate::audit::{Action, Outcome};
use crate::consent::banner::banner_purposes;
use crate::engine::Engine;
use crate::error::EngineError;
use crate::ids::TenantId;
use crate::store::{Change, MAX_CHOICES_DELETED, Write};
use jiff::{Timestamp, tz::TimeZone};
use tutela_policy::{CalendarSpan, Policy};

/// How long a banner choice is kept when no purpose on the banner declares
/// `consent_valid_for`: 13 months, the longest a cookie consent is
/// commonly held valid.
pub const BANNER_KEEP_DEFAULT: CalendarSpan = CalendarSpan::months(13);

/// The instant before which a banner choice made is past its keep period
/// at `now`: the earliest of `now` less each banner purpose's
/// `consent_valid_for` (the longest period wins), or less
/// [`BANNER_KEEP_DEFAULT`] when none declares one. `None` when that lies
/// before the calendar's start (nothing is that old). Pure.
pub fn banner_cutoff(policy: &Policy, now: Timestamp) -> Option<Timestamp> {
    let declared: Vec<&CalendarSpan> = banner_purposes(policy)
        .into_iter()
        .filter_map(|p| p.consent_valid_for.as_ref())
        .collect();
    let spans = if declared.is_empty() {
        vec![&BANNER_KEEP_DEFAULT]
    } else {
        declared
    };
    let zoned = now.to_zoned(TimeZone::UTC);
    spans
        .into_iter()
        .map(|span| {
            zoned
                .checked_sub(span.to_jiff())
                .map(|z| z.timestamp())
                .ok()
        })
        .collect::<Option<Vec<_>>>()?
        .into_iter()
        .min()
}

impl Engine {
    /// Deletes the tenant's banner choices made before the banner's cutoff
    /// ([`banner_cutoff`]), oldest first, [`MAX_CHOICES_DELETED`] per
    /// commit, each commit with one `retention.sweep` entry counting them.
    pub(super) async fn sweep_banner(
        &self,
        tenant: &TenantId,
        policy: &Policy,
        now: Timestamp,
        report: &mut SweepReport,
    ) -> Result<(), EngineError> {
        let Some(before) = banner_cutoff(policy, now) else {
            return Ok(());
        };
        let page = u32::try_from(MAX_CHOICES_DELETED).unwrap_or(u32::MAX);
        loop {
            let ids = self
                .store
                .visitor_choices_before(tenant, before, page)
                .await?;
            let n = ids.len();
            if n == 0 {
                return Ok(());
            }
            let event = self.event(
                &sweeper(tenant),
                Action::RetentionSweep,
                None,
                None,
                format!("banner_choices={n}"),
                Outcome::Allowed,
            );
            let change = Change {
                writes: vec![Write::DeleteVisitorChoices { before, ids }],
                audit: vec![event],
            };
            self.commit(tenant, change).await?;
            report.banner_choices += n as u64;
            if n < MAX_CHOICES_DELETED {
                return Ok(());
            }
        }
    }
}
