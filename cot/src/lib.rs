//! `cot`: the OSI transport for MMS — RFC 1006 TPKT framing (`tpkt`) and
//! ISO 8073 / ITU-T X.224 class 0 COTP (`tpdu` codec and `connection` state
//! machine), sans-IO, plus a TCP keep-alive helper (`keepalive`) for the runtime, the
//! security-event recorder every security mechanism reports to (`security_event`), and a
//! test/demo certificate authority (`pki`).
//!
//! Parsers borrow from their input and check every length before use;
//! nothing allocates in proportion to a length a peer sent.
#![forbid(unsafe_code)]

pub mod connection;
pub mod error;
pub mod keepalive;
pub mod pki;
pub mod security_event;
pub mod tpdu;
pub mod tpkt;

pub use connection::{Config, ConnectInfo, Connection, Event, State, TsapCheck};
pub use error::{CotError, Response};
pub use keepalive::KeepAlive;
pub use tpdu::{
    parse, ConnectionTpdu, CotpError, DataTpdu, DisconnectTpdu, ErrorTpdu, Tpdu, TpduSize,
};
pub use tpkt::TpktError;
