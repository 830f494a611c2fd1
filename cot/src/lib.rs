//! `cot`: the OSI transport for MMS — RFC 1006 TPKT framing ([`tpkt`]) and
//! ISO 8073 / ITU-T X.224 class 0 COTP ([`tpdu`] codec and [`connection`] state
//! machine), sans-IO, plus the security-event recorder every security mechanism reports to
//! ([`security_event`]).
//!
//! Cargo features:
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `tls` | on | the T-profile (`tls`): TLS under RFC 1006 per IEC 62351-3 / IEC 62351-4 §6, sans-IO sessions over OpenSSL |
//! | `revocation` | on (with `tls`) | certificate revocation (`revocation`): CRL files, CRL distribution points, OCSP with a cache, for all three security mechanisms |
//! | `revocation-http` | off | `http:` URLs for CRL distribution points and OCSP (a small blocking HTTP client) |
//! | `xmpp` | off | a sans-IO XMPP client stream (`xmpp`): RFC 6120 STARTTLS, SASL (SCRAM, PLAIN, EXTERNAL), resource binding, XEP-0199 pings |
//! | `pki` | off | a test/demo certificate authority (`pki`) that issues IEC 62351-4 Annex G-style certificates at run time |
//!
//! Without features the crate has no dependency beyond `nom`, `log` and `thiserror`.
//!
//! Parsers borrow from their input and check every length before use;
//! nothing allocates in proportion to a length a peer sent. The crate never opens or configures
//! a socket: TCP options such as keep-alive belong to the runtime that owns it (`mms`'s
//! `runtime`). What it does offer is the one transport driver every runtime uses ([`pump`]),
//! which moves bytes through any `Read + Write` stream the caller owns.
// `deny`, not `forbid`: two modules opt out with `#![allow(unsafe_code)]` for the OpenSSL calls
// the safe `openssl` crate does not expose: `tls::ffi` (TLS 1.2 renegotiation, plain and
// abbreviated, TLS 1.3 key update, session timeout, offering a cached session) and
// `revocation::nonce` (the OCSP nonce). Nothing else is unsafe.
#![deny(unsafe_code)]

pub mod connection;
pub mod error;
#[cfg(feature = "pki")]
pub mod pki;
#[cfg(feature = "pki")]
pub mod pki_services;
pub mod pump;
#[cfg(feature = "revocation")]
pub mod revocation;
pub mod security_event;
#[cfg(feature = "tls")]
pub mod tls;
pub mod tpdu;
pub mod tpkt;
#[cfg(feature = "xmpp")]
pub mod xmpp;

pub use connection::{Config, ConnectInfo, Connection, Event, State, TsapCheck};
pub use error::{CotError, Response};
#[cfg(feature = "tls")]
pub use tls::{TlsClient, TlsConfig, TlsError, TlsServer, TlsSession};
pub use tpdu::{
    parse, ConnectionTpdu, CotpError, DataTpdu, DisconnectTpdu, ErrorTpdu, Tpdu, TpduSize,
};
pub use tpkt::TpktError;
