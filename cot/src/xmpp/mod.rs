//! A sans-IO XMPP client stream (RFC 6120 core, RFC 6121 presence basics, XEP-0199 ping) for
//! MMS over XMPP (IEC 61850-8-2, IEC 62351-4 clause 16), in the vocabulary of the rest of the
//! stack: [`XmppStream::feed`] octets in, [`XmppStream::poll_event`] events out,
//! [`XmppStream::transmit`] + [`XmppStream::advance_transmit`] octets out,
//! [`XmppStream::poll_timeout`] + [`XmppStream::handle_timeout`] for time. No sockets, threads
//! or sleeps.
//!
//! Modules: [`config`] (account, TLS, mechanisms, timers, limits), [`jid`] (RFC 7622
//! addresses), [`parser`] (the bounded stream tokenizer), [`sasl`] (SCRAM-SHA-1/-256, PLAIN,
//! EXTERNAL on OpenSSL), [`stanza`] (received stanzas, writer with escaping), [`stream`] (the
//! state machine), [`backoff`] (reconnect delays). See `docs/xmpp.md`.

pub mod backoff;
pub mod config;
pub mod jid;
pub mod parser;
pub mod sasl;
pub mod stanza;
pub mod stream;
#[cfg(test)]
mod tests;

pub use backoff::Backoff;
pub use config::{Secret, XmppConfig, XmppLimits, IEC_RESOURCE};
pub use jid::{Jid, JidError};
pub use sasl::Mechanism;
pub use stanza::{IqType, Payload, Stanza, StanzaError, StanzaKind};
pub use stream::{CloseReason, XmppError, XmppEvent, XmppStream};
