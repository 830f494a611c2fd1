//! The T-profile: TLS under RFC 1006 as IEC 62351-3 and IEC 62351-4 §6 require (stack
//! X.224 class 0 → RFC 1006 → TLS → TCP, docs/facts.md F-203; port 3782, F-202), with OpenSSL.
//!
//! - [`TlsConfig`] ([`config`]): one configuration for both roles, validated when a context is
//!   built (`0 < resumption ≤ renegotiation ≤ 24 h`, TLS ≥ 1.2 unless explicitly allowed,
//!   named cipher policies of IEC 62351-4 Table 3 / compatibility mode / IEC 62351-3, NULL suites
//!   only explicitly, "no usable suite" is an error).
//! - [`TlsServer`] / [`TlsClient`] ([`context`]): the OpenSSL contexts with trust anchors, the
//!   CRL store and its reload, the session cache.
//! - [`TlsSession`] ([`session`]): one connection, sans-IO, with renegotiation / key-update
//!   timers and the renegotiation deadline.
//! - [`verify`]: mutual authentication checks (chain, validity, key usage, key size,
//!   certificate size, revocation, pinning).
//! - [`events`]: the event codes recorded in [`crate::security_event::SecurityEvents`].
//! - `ffi`: the only `unsafe` code of the crate (OpenSSL calls the safe crate lacks).
//!
//! The runtime moves bytes socket ↔ [`TlsSession`] ↔ COTP; TPKT frames travel inside the TLS
//! record stream unchanged.

pub mod config;
pub mod context;
pub mod events;
mod ffi;
pub mod session;
pub mod verify;

#[cfg(test)]
mod tests;

pub use config::{
    CertSource, CipherPolicy, Clock, CrlSource, KeySource, PinnedPeer, RekeyPolicy, TlsConfig,
    TlsConfigError, TlsVersion,
};
pub use context::{PolicyReport, TlsClient, TlsRole, TlsServer};
pub use session::TlsSession;

/// The IANA port of ISO transport over TLS (IEC 62351-4 §6.3.2, docs/facts.md F-202).
pub const SECURE_PORT: u16 = 3782;
/// The RFC 1006 port without T-security.
pub const PLAIN_PORT: u16 = 102;

/// A TLS session failure: the event code (see [`events`]) and a detail text (never secrets).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {detail}")]
pub struct TlsError {
    /// The event code recorded for it.
    pub code: &'static str,
    /// What happened.
    pub detail: String,
}

impl TlsError {
    pub(crate) fn new(code: &'static str, detail: impl Into<String>) -> TlsError {
        TlsError {
            code,
            detail: detail.into(),
        }
    }
}
