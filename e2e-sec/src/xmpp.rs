//! The XMPP environment of IEC 62351-4 end-to-end security (docs/facts.md F-1101, F-1105,
//! F-1201..F-1207, I-11; ASSUMPTIONS.md XS-01..XS-12): the layering PrPDU (the XER MMSpdu) ⊂
//! SecPDU (XML, namespace E2E_4, [`crate::pdu::xml`]) ⊂ EnvPDU (an XMPP stanza).
//!
//! * [`envelope`] / [`open_envelope`]: the ENV_4 element that carries one SecPDU in a stanza,
//!   `<e2e xmlns='http://www.iec.ch/62351/2018/ENV_4' assoID='…'>SecPDU</e2e>`;
//! * [`StanzaType`] / [`check_stanza`]: which SecPDU may ride in which stanza (I-11,
//!   F-1204);
//! * [`XmppViolation`]: which of the F-1201 checks failed, and its IEC 62351-14 event
//!   (group 18);
//! * [`XmppE2e`]: the sans-IO per-association machine, made by
//!   [`crate::E2eFactory::xmpp_association`]. It runs the same handshake, checks, key
//!   derivation, data protection, replay and rekey as the OSI mapping
//!   ([`crate::E2eProvider`]); only the SecPDU encoding (XML) and the address binding (the
//!   certificate's `jid` attribute 2.5.4.105 against the peer's bare JID, F-1207) differ.
//!
//! The stanzas themselves (`<iq>`, `<message>`, their `id`, `from`, `to`) are the XMPP
//! library's: this module sees the payload of one stanza and the stanza's type.

use quick_xml::events::Event;
use quick_xml::Reader;

use acse::security::SecurityEvents;

use crate::events::{self, Check, EventInfo, Group};
use crate::pdu::xml::E2E_NS;
use crate::pdu::{valid_asso_id, Kind};

pub use crate::provider::xmpp::{Judged, Received, XmppE2e};

/// The namespace of the XMPP environment's envelope element (F-1105).
pub const ENV_NS: &str = "http://www.iec.ch/62351/2018/ENV_4";

/// The local name of the envelope element (ours: the normative XSD is not public;
/// ASSUMPTIONS.md XS-07).
pub const ENVELOPE_ELEMENT: &str = "e2e";

/// The JID resource of an IEC 62351-4 end point (F-1206).
pub const JID_RESOURCE: &str = "IEC";

/// The largest envelope [`open_envelope`] reads, in octets.
pub const MAX_ENVELOPE: usize = 2 << 20;

/// The deepest nesting [`open_envelope`] follows (envelope, SecPDU and the PrPDU inside).
pub const MAX_ENVELOPE_DEPTH: usize = 64;

/// The type of the stanza a SecPDU arrived in or is to be sent in (RFC 6120 §8.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StanzaType {
    /// `<iq type='get'>`.
    IqGet,
    /// `<iq type='set'>`.
    IqSet,
    /// `<iq type='result'>`.
    IqResult,
    /// `<iq type='error'>`.
    IqError,
    /// `<message>` (any type).
    Message,
}

impl StanzaType {
    /// True for the `iq` types.
    pub fn is_iq(self) -> bool {
        !matches!(self, StanzaType::Message)
    }
}

/// A failed check of the XMPP environment (F-1201), or an envelope that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum XmppViolation {
    /// The SecPDU rides in an `iq` (handshake, reject, release), but came in a `message`.
    #[error("{0} must ride in an iq")]
    IqMissing(&'static str),
    /// The SecPDU rides in a `message` (an abort), but came in an `iq`.
    #[error("{0} must ride in a message")]
    MessageMissing(&'static str),
    /// The envelope is not in ENV_4, or its child not in E2E_4.
    #[error("invalid namespace: {0}")]
    InvalidNamespace(String),
    /// The envelope holds no SecPDU, or an element in E2E_4 that is no SecPDU.
    #[error("unknown SecPDU: {0}")]
    UnknownSecPdu(String),
    /// The stanza is of a type the SecPDU may not ride in.
    #[error("{kind} may not ride in {stanza:?}")]
    InvalidStanzaType {
        /// The SecPDU.
        kind: &'static str,
        /// The stanza type it came in.
        stanza: StanzaType,
    },
    /// The envelope is not well-formed, too large or deep, has no valid assoID, or holds more
    /// than one element.
    #[error("malformed envelope: {0}")]
    Malformed(&'static str),
}

impl XmppViolation {
    /// The check that failed, for a violation seen in a `stanza` (an unknown SecPDU is
    /// reported by the stanza it came in: 18.4 in an iq, 18.5 in a message).
    pub fn check(&self, stanza: StanzaType) -> Check {
        match self {
            XmppViolation::IqMissing(_) => Check::XmppIqMissing,
            XmppViolation::MessageMissing(_) => Check::XmppMessageMissing,
            XmppViolation::InvalidNamespace(_) => Check::XmppNamespace,
            XmppViolation::UnknownSecPdu(_) if stanza.is_iq() => Check::XmppUnknownSecPduInIq,
            XmppViolation::UnknownSecPdu(_) => Check::XmppUnknownSecPduInMessage,
            XmppViolation::InvalidStanzaType { .. } => Check::XmppStanzaType,
            XmppViolation::Malformed(_) => Check::XmppMalformed,
        }
    }

    /// The IEC 62351-14 event (group 18) of this violation in a `stanza`.
    pub fn event(&self, stanza: StanzaType) -> &'static EventInfo {
        events::resolve(Group::Xmpp, self.check(stanza))
    }

    /// Records this violation, seen in a `stanza`, as its security event.
    pub fn record(&self, events: &SecurityEvents, stanza: StanzaType) {
        events::record(events, Group::Xmpp, self.check(stanza), &self.to_string());
    }

    /// True when F-1205 makes this an unrecoverable error of the XML stream (answer with a
    /// stream error: the peer does not speak the environment); otherwise answer the one
    /// stanza with a stanza error (ASSUMPTIONS.md XS-08).
    pub fn is_stream_error(&self) -> bool {
        matches!(
            self,
            XmppViolation::InvalidNamespace(_) | XmppViolation::Malformed(_)
        )
    }
}

/// Which stanza a SecPDU may ride in (I-11, F-1204; ASSUMPTIONS.md XS-08): the handshake
/// request and the release request in an `iq` set, their answers (HandshakeAcc,
/// ApplicationReject, HandshakeSecReject, ReleaseRsp) in an `iq` result, the aborts in a
/// `message`, and ClearTransfer / EncrTransfer in an `iq` get, set or result or a `message`
/// (the protected protocol decides: a confirmed MMS request in an iq, an unconfirmed PDU in a
/// message).
pub fn check_stanza(kind: Kind, stanza: StanzaType) -> Result<(), XmppViolation> {
    use StanzaType as S;
    let name = kind.name();
    let wrong = || XmppViolation::InvalidStanzaType { kind: name, stanza };
    match kind {
        Kind::HandshakeReq | Kind::ReleaseReq => match stanza {
            S::IqSet => Ok(()),
            S::Message => Err(XmppViolation::IqMissing(name)),
            _ => Err(wrong()),
        },
        Kind::HandshakeAcc
        | Kind::ApplicationReject
        | Kind::HandshakeSecReject
        | Kind::ReleaseRsp => match stanza {
            S::IqResult => Ok(()),
            S::Message => Err(XmppViolation::IqMissing(name)),
            _ => Err(wrong()),
        },
        Kind::HandshakeSecAbort | Kind::DtSecAbort | Kind::ApplAbort => match stanza {
            S::Message => Ok(()),
            _ => Err(XmppViolation::MessageMissing(name)),
        },
        Kind::ClearTransfer | Kind::EncrTransfer => match stanza {
            S::IqGet | S::IqSet | S::IqResult | S::Message => Ok(()),
            S::IqError => Err(wrong()),
        },
    }
}

/// The ENV_4 envelope around one SecPDU element (F-1101, I-11): the payload of the stanza.
/// `asso_id` is written as the `assoID` attribute (F-1206: both peers name the association in
/// every message).
pub fn envelope(asso_id: &str, secpdu: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(secpdu.len() + 96);
    out.extend_from_slice(b"<");
    out.extend_from_slice(ENVELOPE_ELEMENT.as_bytes());
    out.extend_from_slice(b" xmlns='");
    out.extend_from_slice(ENV_NS.as_bytes());
    out.extend_from_slice(b"' assoID='");
    for c in asso_id.bytes() {
        match c {
            b'&' => out.extend_from_slice(b"&amp;"),
            b'<' => out.extend_from_slice(b"&lt;"),
            b'\'' => out.extend_from_slice(b"&apos;"),
            b'"' => out.extend_from_slice(b"&quot;"),
            c => out.push(c),
        }
    }
    out.extend_from_slice(b"'>");
    out.extend_from_slice(secpdu);
    out.extend_from_slice(b"</");
    out.extend_from_slice(ENVELOPE_ELEMENT.as_bytes());
    out.push(b'>');
    out
}

/// An opened envelope: the association and the SecPDU it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope<'a> {
    /// The `assoID` attribute (U-06).
    pub asso_id: String,
    /// The SecPDU's kind, by its element name.
    pub kind: Kind,
    /// The exact received octets of the SecPDU element, start tag to end tag.
    pub secpdu: &'a [u8],
}

fn pos(r: &Reader<&[u8]>) -> usize {
    usize::try_from(r.buffer_position()).unwrap_or(usize::MAX)
}

/// The namespace an element declares for itself (`xmlns`, or `xmlns:p` for a `p:` prefix),
/// and its local name.
fn ns_and_local(
    e: &quick_xml::events::BytesStart<'_>,
) -> Result<(Option<String>, Vec<u8>), XmppViolation> {
    let qname = e.name();
    let q = qname.as_ref();
    let (prefix, local) = match q.iter().position(|b| *b == b':') {
        Some(i) => (q.get(..i), q.get(i + 1..).unwrap_or_default()),
        None => (None, q),
    };
    let mut ns = None;
    for a in e.attributes() {
        let a = a.map_err(|_| XmppViolation::Malformed("attribute"))?;
        let key = a.key.as_ref();
        let wanted = match prefix {
            None => key == b"xmlns",
            Some(p) => key.strip_prefix(b"xmlns:") == Some(p),
        };
        if wanted {
            let v = a
                .unescape_value()
                .map_err(|_| XmppViolation::Malformed("attribute"))?;
            ns = Some(v.into_owned());
        }
    }
    Ok((ns, local.to_vec()))
}

/// Opens the envelope of one stanza (I-11; the checks of F-1201 that need no stanza type):
/// the root is [`ENVELOPE_ELEMENT`] in [`ENV_NS`] with a valid `assoID`, and holds exactly one
/// element, a SecPDU in E2E_4. The SecPDU is handed out as received (I-12).
pub fn open_envelope(payload: &[u8]) -> Result<Envelope<'_>, XmppViolation> {
    use XmppViolation as V;
    if payload.len() > MAX_ENVELOPE {
        return Err(V::Malformed("envelope too large"));
    }
    let mut r = Reader::from_reader(payload);
    r.config_mut().trim_text(false);
    r.config_mut().check_end_names = true;
    let wf = |_| V::Malformed("not well-formed XML");
    // The root.
    let root = loop {
        match r.read_event().map_err(wf)? {
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
            Event::Text(t) if t.iter().all(u8::is_ascii_whitespace) => {}
            Event::Start(e) => break e.into_owned(),
            Event::Empty(e) => {
                let (ns, _) = ns_and_local(&e)?;
                if ns.as_deref() != Some(ENV_NS) {
                    return Err(V::InvalidNamespace(ns.unwrap_or_default()));
                }
                return Err(V::UnknownSecPdu("empty envelope".into()));
            }
            Event::DocType(_) => return Err(V::Malformed("DOCTYPE")),
            _ => return Err(V::Malformed("no envelope element")),
        }
    };
    let (ns, local) = ns_and_local(&root)?;
    if ns.as_deref() != Some(ENV_NS) {
        return Err(V::InvalidNamespace(ns.unwrap_or_else(|| "(none)".into())));
    }
    if local != ENVELOPE_ELEMENT.as_bytes() {
        return Err(V::Malformed("envelope element name"));
    }
    let mut asso_id = None;
    for a in root.attributes() {
        let a = a.map_err(|_| V::Malformed("attribute"))?;
        if a.key.as_ref() == b"assoID" {
            let v = a.unescape_value().map_err(|_| V::Malformed("assoID"))?;
            asso_id = Some(v.into_owned());
        }
    }
    let asso_id = asso_id.ok_or(V::Malformed("no assoID"))?;
    if !valid_asso_id(&asso_id) {
        return Err(V::Malformed("invalid assoID"));
    }
    // The one child.
    let mut found: Option<(Kind, usize, usize)> = None;
    loop {
        let before = pos(&r);
        match r.read_event().map_err(wf)? {
            Event::Comment(_) | Event::PI(_) => {}
            Event::Text(t) if t.iter().all(u8::is_ascii_whitespace) => {}
            Event::Text(_) | Event::CData(_) => return Err(V::Malformed("text in the envelope")),
            Event::DocType(_) | Event::Decl(_) => return Err(V::Malformed("DOCTYPE")),
            Event::Start(e) | Event::Empty(e) if found.is_some() => {
                let _ = e;
                return Err(V::Malformed("more than one element in the envelope"));
            }
            ev @ (Event::Start(_) | Event::Empty(_)) => {
                let empty = matches!(ev, Event::Empty(_));
                let (Event::Start(e) | Event::Empty(e)) = ev else {
                    return Err(V::Malformed("element"));
                };
                let (ns, local) = ns_and_local(&e)?;
                if ns.as_deref() != Some(E2E_NS) {
                    return Err(V::InvalidNamespace(ns.unwrap_or_else(|| "(none)".into())));
                }
                let kind = Kind::from_xml_name(&local).ok_or_else(|| {
                    V::UnknownSecPdu(String::from_utf8_lossy(&local).into_owned())
                })?;
                if !empty {
                    // Skip to its end, bounded.
                    let mut depth = 1usize;
                    while depth > 0 {
                        match r.read_event().map_err(wf)? {
                            Event::Start(_) => {
                                depth += 1;
                                if depth > MAX_ENVELOPE_DEPTH {
                                    return Err(V::Malformed("nesting too deep"));
                                }
                            }
                            Event::End(_) => depth -= 1,
                            Event::DocType(_) => return Err(V::Malformed("DOCTYPE")),
                            Event::Eof => return Err(V::Malformed("truncated")),
                            _ => {}
                        }
                    }
                }
                found = Some((kind, before, pos(&r)));
            }
            Event::End(_) => break,
            Event::Eof => return Err(V::Malformed("truncated")),
        }
    }
    // Nothing but whitespace and comments after the envelope.
    loop {
        match r.read_event().map_err(wf)? {
            Event::Eof => break,
            Event::Comment(_) | Event::PI(_) => {}
            Event::Text(t) if t.iter().all(u8::is_ascii_whitespace) => {}
            _ => return Err(V::Malformed("content after the envelope")),
        }
    }
    let (kind, s, e) = found.ok_or_else(|| V::UnknownSecPdu("empty envelope".into()))?;
    Ok(Envelope {
        asso_id,
        kind,
        secpdu: payload.get(s..e).ok_or(V::Malformed("span"))?,
    })
}
