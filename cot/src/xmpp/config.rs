//! [`XmppConfig`]: what an XMPP client stream needs (account, server, TLS, SASL mechanisms,
//! timers, limits), and the password holder [`Secret`].

use std::time::Duration;

use super::jid::Jid;
use super::sasl::Mechanism;
use crate::tls::TlsConfig;

/// A secret octet string (a password) that is overwritten with zeros when dropped and never
/// printed by `Debug`.
#[derive(Clone, Default)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// Wraps the octets.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Secret {
        Secret(bytes.into())
    }

    /// The octets.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Secret {
        Secret(s.as_bytes().to_vec())
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Secret {
        Secret(s.into_bytes())
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        zero(&mut self.0);
    }
}

/// Overwrites `v` with zeros (best effort; the optimizer is kept from removing it).
pub(crate) fn zero(v: &mut [u8]) {
    for b in v.iter_mut() {
        *b = 0;
    }
    std::hint::black_box(v);
}

/// The parser's bounds (RFC 6120 §13.12: a server or client may limit stanza size; our
/// defaults are generous for IEC 61850-8-2 payloads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmppLimits {
    /// Largest top-level element (stanza), octets. Default 256 KiB.
    pub max_stanza_size: usize,
    /// Largest stream header or XML declaration, octets. Default 4 KiB.
    pub max_header_size: usize,
    /// Deepest nesting below a stanza. Default 96: an IEC 61850-8-2 payload is the ENV_4
    /// envelope, the SecPDU (about 6 levels) and an XER MMSpdu, whose type descriptions and
    /// structured values nest up to the MMS decoders' 64 levels.
    pub max_depth: usize,
    /// Most attributes on one tag. Default 64.
    pub max_attributes: usize,
    /// Largest attribute value, octets. Default 64 KiB.
    pub max_attribute_size: usize,
    /// Largest character data of one element, octets. Default 256 KiB.
    pub max_text_size: usize,
}

impl Default for XmppLimits {
    fn default() -> Self {
        XmppLimits {
            max_stanza_size: 256 * 1024,
            max_header_size: 4096,
            max_depth: 96,
            max_attributes: 64,
            max_attribute_size: 64 * 1024,
            max_text_size: 256 * 1024,
        }
    }
}

/// The resource IEC 61850-8-2 fixes for its clients and servers.
pub const IEC_RESOURCE: &str = "IEC";

/// The configuration of one client stream (RFC 6120 client-to-server).
#[derive(Debug, Clone)]
pub struct XmppConfig {
    /// The account, a bare JID `user@domain` (RFC 6120 §6: the localpart is the SASL
    /// authentication identity).
    pub jid: Jid,
    /// The password for SCRAM and PLAIN (none: only EXTERNAL can be used).
    pub password: Option<Secret>,
    /// The name the server's certificate must carry as a DNS subjectAltName (RFC 6120
    /// §13.7.2.1, RFC 6125 §6.4); default the JID's domain. Also sent as SNI.
    pub server_name: String,
    /// The resource asked for at binding (RFC 6120 §7.7.2.1); default `IEC`.
    pub resource: String,
    /// The TLS client configuration (trust anchors, optional client certificate for EXTERNAL).
    pub tls: TlsConfig,
    /// The SASL mechanisms allowed, in preference order (RFC 6120 §6.3.3).
    pub mechanisms: Vec<Mechanism>,
    /// Silence after which we ping the server (XEP-0199 §4.2); default 60 s.
    pub ping_interval: Duration,
    /// How long a ping may go unanswered before the stream is closed; default 20 s.
    pub ping_timeout: Duration,
    /// How long the negotiation up to `Online` may take; default 30 s.
    pub establishment_timeout: Duration,
    /// The parser's bounds.
    pub limits: XmppLimits,
}

impl XmppConfig {
    /// The defaults for account `jid` with `password` over `tls`: mechanisms SCRAM-SHA-256,
    /// SCRAM-SHA-1, PLAIN (plus EXTERNAL first if `tls` has a client certificate).
    pub fn new(jid: Jid, password: impl Into<Secret>, tls: TlsConfig) -> XmppConfig {
        let mut mechanisms = Vec::new();
        if tls.certificate.is_some() {
            mechanisms.push(Mechanism::External);
        }
        mechanisms.extend([
            Mechanism::ScramSha256,
            Mechanism::ScramSha1,
            Mechanism::Plain,
        ]);
        XmppConfig {
            server_name: jid.domain().to_string(),
            jid: jid.bare(),
            password: Some(password.into()),
            resource: IEC_RESOURCE.to_string(),
            tls,
            mechanisms,
            ping_interval: Duration::from_secs(60),
            ping_timeout: Duration::from_secs(20),
            establishment_timeout: Duration::from_secs(30),
            limits: XmppLimits::default(),
        }
    }

    /// With these mechanisms, in preference order.
    pub fn with_mechanisms(mut self, mechanisms: &[Mechanism]) -> Self {
        self.mechanisms = mechanisms.to_vec();
        self
    }
}
