//! ISO 8823-1 / ITU-T X.226 connection-oriented presentation protocol, normal mode, with the
//! BER transfer syntax (ITU-T X.690) that the whole stack uses. Sans-IO: PPDU octets in,
//! PPDU octets out.
//!
//! * [`ber`]: the BER reader and writer every upper layer uses.
//! * [`ppdu`]: the PPDUs of X.226 §8 (CP, CPA, CPR, ARU, ARP, user data) and the data-path
//!   header builder.
//! * [`context`]: presentation context negotiation and the defined context set.
//! * [`connection`]: the presentation protocol machine over session user data.
//! * [`error`]: [`PresentationError`] and the CPR/ARP each error calls for.
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod ber;
pub mod connection;
pub mod context;
pub mod error;
pub mod ppdu;
#[cfg(feature = "xer")]
pub mod xer;

#[cfg(test)]
mod vectors;

pub use connection::{Accepted, Config, ConnectIndication, Presentation, Role, State};
pub use context::{negotiate, ContextSet, Supported, ACSE_AS, BER, MMS_AS};
pub use error::{PresentationError, Response};
