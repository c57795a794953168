//! Consent with proof (Art. 7(1)), signed consent receipts, one-click
//! unsubscribe links (Art. 21(2)-(3), ePrivacy Art. 13(2)) and a website's
//! cookie banner with the Global Privacy Control signal (Art. 21(5)): the
//! pure parts. Nothing here reads a clock, a store or a key file; the
//! operations in `ops/` feed it.

pub mod banner;
mod error;
pub mod proof;
pub mod receipt;
pub mod receipt_build;
mod rows;
pub mod unsubscribe;

pub use error::ConsentError;
pub use rows::{ConsentTextRow, UnsubscribeLinkRow, VisitorChoiceRow};
