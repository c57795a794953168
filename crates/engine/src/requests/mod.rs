//! Data subject requests (Art. 12-22), the pure core: kinds, the state
//! machine, due dates and extensions, one-time codes, reasons and fees,
//! and duplicate detection. No I/O: the engine's operations
//! (`ops/requests.rs`) read and write through the store.

pub mod code;
pub mod due;
mod error;
pub mod kind;
mod query;
mod row;
pub mod state;
pub mod text;

pub use error::RequestError;
pub use kind::{Directive, DirectiveTag, KindTag, PersonName, RequestKind, TransferUrl};
pub use query::{RequestCursor, RequestFilter};
#[cfg(test)]
pub(crate) use row::tests::sample as sample_row;
pub use row::{ASKED_MEANWHILE, RequestRow, VerifiedBy, find_duplicate};
pub use state::{RequestState, Transition, transition};
pub use text::{Fee, Reason};
