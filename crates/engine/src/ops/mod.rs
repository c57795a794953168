//! Engine operations, one file per feature. Each checks the caller's role,
//! then the policy, then touches data, then records the act.

mod answer;
mod audit;
mod banner;
mod checkpoint;
mod checks;
mod consent;
mod consent_scope;
mod death;
mod deliveries;
mod erasure_ledger;
mod events;
mod holds;
mod identifier_free;
mod keys;
mod policy_notices;
mod publish;
mod receipts;
mod records;
mod rectify;
mod report_walk;
mod reports;
mod request_answer;
mod request_transfer;
mod requests;
mod requests_moot;
mod requests_work;
mod retention;
mod retention_due;
mod retention_read;
mod rights_ledger;
mod source;
mod subjects;
mod survey_members;
mod surveys;
mod sweep_banner;
mod sweep_change;
mod tenants;
mod unsubscribe;

pub use answer::MAX_ACCESS_LOG;
pub use audit::AuditReport;
pub use banner::VisitorChoices;
pub use checkpoint::{CheckpointFinding, CheckpointVerdict};
pub use consent::ConsentStatus;
pub use deliveries::{MAX_DELIVERIES_PER_PAGE, Outgoing, SECRET_BYTES};
pub use erasure_ledger::ReplayReport;
pub use events::declares_event;
pub use keys::IssuedKey;
pub use policy_notices::{MAX_NOTICES_PER_PAGE, NoticeProgress};
pub use publish::{PolicyOverview, Published, effective_time};
pub use receipts::SignedReceipt;
pub use records::{
    MAX_ASKED_CATEGORIES, MAX_RECORDS_PER_SUBJECT, MAX_RECORDS_PER_WRITE,
    MAX_SEALED_BYTES_PER_SUBJECT, MAX_VALUE_CHARS, NewRecord, PlainRecord,
};
pub use reports::{AnonymisedExport, CountsPage, RankingReport, SubjectCount, TotalsReport};
pub use request_answer::RequestAnswer;
pub use requests::{FiledRequest, MAX_REQUESTS_PER_PAGE};
pub use retention::{SWEEP_ACTOR, SWEEP_CONCURRENCY, SWEEP_PAGE, SweepReport};
pub use retention_read::{AggregateCount, Aggregates, Forecast, ForecastRow, MAX_FORECAST_DAYS};
pub use rights_ledger::{REPLAYED_SOURCE, RightsReplayReport};
pub use source::{MAX_SOURCE_LEN, RecordSource};
pub use subjects::{AccessReport, ConsentSummary, ObjectionSummary};
pub use surveys::{IssuedToken, SurveyView, noise_scale};
pub use sweep_banner::{BANNER_KEEP_DEFAULT, banner_cutoff};
pub use tenants::tenant_name_problem;
pub use unsubscribe::UNSUBSCRIBE_ACTOR;
