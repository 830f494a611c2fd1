//! `cosp`: the ISO 8327-1 / ITU-T X.225 connection-oriented session protocol, version 1 and 2,
//! kernel and duplex functional units, as used under MMS (IEC 61850, ICCP) — sans-IO.
//!
//! - [`spdu`]: SPDU structures with a zero-copy, bounded parser ([`parse`]) and an encoder that
//!   writes each SPDU once ([`Spdu::encode`]); X.225 §8.
//! - [`machine`]: the connection state machine ([`Session`]) for initiator and responder;
//!   X.225 §7 and Annex A.
//! - [`codes`]: SI / PI / PGI numbers and parameter bit values.
//!
//! A TSDU (one `&[u8]` from the transport layer) carries exactly one SPDU, or the GIVE TOKENS +
//! DATA TRANSFER pair that carries presentation data ([`DATA_HEADER`]).
#![forbid(unsafe_code)]

pub mod codes;
pub mod error;
pub mod machine;
mod params;
pub mod spdu;
#[cfg(test)]
mod test_vectors;

pub use error::{ProtocolViolation, SessionError, SpduError};
pub use machine::{Config, Indication, Role, Session, State, PROVIDER_ABORT};
pub use spdu::{
    parse, AbortSpdu, AcceptSpdu, ConnectSpdu, ConnectionIdentifier, DisconnectSpdu, FinishSpdu,
    Limits, NotFinishedSpdu, RefuseReason, RefuseSpdu, Spdu, TsduMaxSize, DATA_HEADER,
};
