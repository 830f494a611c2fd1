//! MMS in the XMPP environment (IEC 62351-4 §16, IEC 61850-8-2): the same MMS endpoint, server
//! and clients, with every PDU carried in XER inside an end-to-end protected SecPDU inside an
//! XMPP stanza relayed by an XMPP server (docs/xmpp-mms.md).
//!
//! * [`mapping`]: which stanza carries which MMS PDU (IEC 61850-8-2 Table D.1, F-1204);
//! * [`link`]: one association, sans-IO, in place of the OSI association below an
//!   [`crate::endpoint::Endpoint`];
//! * `lab` (feature `lab`): a lab XMPP server (prosody in a scratch directory) for the demo
//!   and the tests;
//! * [`uplink`]: one XMPP client stream (`cot::xmpp`) and the routing of its stanzas to
//!   associations by (peer JID, assoID) (F-1206).
//!
//! The server runtime takes an XMPP uplink by configuration (`ServerConfig::xmpp`); the client
//! connects with `Connection::connect_xmpp` / `Client::connect_xmpp`.

#[cfg(feature = "lab")]
pub mod lab;
pub mod link;
pub mod mapping;
pub mod uplink;

#[cfg(test)]
mod tests;

/// Security event: a SecPDU for an association nobody here has (F-1205: unknown assoID); an
/// iq request gets an `item-not-found` stanza error.
pub const UNKNOWN_ASSOCIATION: &str = "xmpp.unknown-association";
/// Security event: an `iq type='result'` answering no iq of ours; dropped.
pub const UNSOLICITED_RESULT: &str = "xmpp.unsolicited-result";

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// How a server or client reaches the XMPP environment: the XMPP server, our account on it,
/// and the end-to-end security every association runs (F-1203: mandatory to implement; this
/// stack always uses it).
#[derive(Clone)]
pub struct XmppSettings {
    /// The XMPP server's client port (RFC 6120: 5222).
    pub server: SocketAddr,
    /// The client stream: our account (bare JID), password, TLS trust, resource `IEC`.
    pub stream: cot::xmpp::XmppConfig,
    /// End-to-end security (IEC 62351-4 §12–§16): our E2E certificate, whose subject carries
    /// our JID (2.5.4.105, F-1207), and the trust anchors for the peers'.
    pub e2e: Arc<e2e_sec::E2eFactory>,
    /// First and longest wait before reconnecting after the stream is lost (doubling, with
    /// jitter).
    pub reconnect: (Duration, Duration),
}

impl XmppSettings {
    /// Settings for `server` with the stream and E2E configuration given; reconnects after
    /// 1 s, backing off to 60 s.
    pub fn new(
        server: SocketAddr,
        stream: cot::xmpp::XmppConfig,
        e2e: Arc<e2e_sec::E2eFactory>,
    ) -> XmppSettings {
        XmppSettings {
            server,
            stream,
            e2e,
            reconnect: (Duration::from_secs(1), Duration::from_secs(60)),
        }
    }
}

impl std::fmt::Debug for XmppSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XmppSettings")
            .field("server", &self.server)
            .field("jid", &self.stream.jid.to_string())
            .finish()
    }
}

/// The bare form (`user@domain`) of a JID.
pub fn bare_jid(jid: &str) -> &str {
    jid.split_once('/').map_or(jid, |(bare, _)| bare)
}
