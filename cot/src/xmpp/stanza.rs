//! Stanzas (RFC 6120 §8): the owned [`Stanza`] handed to the application, and the writer of
//! the stanzas we send, with XML escaping of every attribute value and text we write.

use super::parser::Element;

/// The `jabber:client` namespace (RFC 6120 §4.8.3).
pub const NS_CLIENT: &str = "jabber:client";
/// The stanza error namespace (RFC 6120 §8.3.3).
pub const NS_STANZAS: &str = "urn:ietf:params:xml:ns:xmpp-stanzas";

/// The `type` of an IQ stanza (RFC 6120 §8.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IqType {
    /// A request for information.
    Get,
    /// A request to set or replace.
    Set,
    /// A successful response.
    Result,
    /// An error response (RFC 6120 §8.3).
    Error,
}

impl IqType {
    /// The attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            IqType::Get => "get",
            IqType::Set => "set",
            IqType::Result => "result",
            IqType::Error => "error",
        }
    }

    /// Parses the attribute value.
    pub fn parse(s: &str) -> Option<IqType> {
        match s {
            "get" => Some(IqType::Get),
            "set" => Some(IqType::Set),
            "result" => Some(IqType::Result),
            "error" => Some(IqType::Error),
            _ => None,
        }
    }
}

/// Which stanza it is (RFC 6120 §8.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StanzaKind {
    /// `<iq/>` with its type.
    Iq(IqType),
    /// `<message/>` with its type (RFC 6121 §5.2.2; `normal` when absent).
    Message(String),
    /// `<presence/>` with its type (absent: available, RFC 6121 §4.7.1).
    Presence(Option<String>),
}

/// The first child element of a stanza, as received (RFC 6120 §8.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    /// The local name.
    pub name: String,
    /// The resolved namespace URI.
    pub ns: String,
    /// The exact received octets, from its `<` to the end of its end tag (never
    /// re-serialized: signatures over them stay verifiable).
    pub bytes: Vec<u8>,
}

/// A stanza error (RFC 6120 §8.3.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StanzaError {
    /// The `type` attribute (`auth`, `cancel`, `continue`, `modify`, `wait`).
    pub error_type: String,
    /// The defined condition: the element name in `urn:ietf:params:xml:ns:xmpp-stanzas`.
    pub condition: String,
    /// The optional `<text/>`.
    pub text: Option<String>,
}

/// A received stanza (RFC 6120 §8), owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stanza {
    /// The kind and type.
    pub kind: StanzaKind,
    /// The `id` attribute.
    pub id: Option<String>,
    /// The `from` attribute.
    pub from: Option<String>,
    /// The `to` attribute.
    pub to: Option<String>,
    /// The first child element other than `<error/>`, if any.
    pub payload: Option<Payload>,
    /// The stanza error, for `type='error'`.
    pub error: Option<StanzaError>,
}

/// Why a received stanza is unusable.
pub(crate) enum StanzaProblem {
    /// Answer with a `<bad-request/>` stanza error (RFC 6120 §8.3.3.1).
    BadRequest(&'static str),
    /// Not a stanza at all: `<unsupported-stanza-type/>` stream error (RFC 6120 §4.9.3.20).
    Unsupported,
}

impl Stanza {
    /// Builds the stanza from a top-level element and its octets.
    pub(crate) fn from_element(root: &Element, bytes: &[u8]) -> Result<Stanza, StanzaProblem> {
        if root.ns != NS_CLIENT {
            return Err(StanzaProblem::Unsupported);
        }
        let ty = root.attr("type");
        let kind = match root.name.as_str() {
            "iq" => {
                let t = ty
                    .and_then(IqType::parse)
                    .ok_or(StanzaProblem::BadRequest("iq without a valid type"))?;
                StanzaKind::Iq(t)
            }
            "message" => StanzaKind::Message(ty.unwrap_or("normal").to_string()),
            "presence" => StanzaKind::Presence(ty.map(str::to_string)),
            _ => return Err(StanzaProblem::Unsupported),
        };
        let error = if ty == Some("error") {
            root.child("error", NS_CLIENT).map(|e| StanzaError {
                error_type: e.attr("type").unwrap_or("").to_string(),
                condition: e
                    .children
                    .iter()
                    .find(|c| c.ns == NS_STANZAS && c.name != "text")
                    .map(|c| c.name.clone())
                    .unwrap_or_default(),
                text: e.child("text", NS_STANZAS).map(|t| t.text.clone()),
            })
        } else {
            None
        };
        let payload = root
            .children
            .iter()
            .find(|c| !(c.name == "error" && c.ns == NS_CLIENT))
            .map(|c| Payload {
                name: c.name.clone(),
                ns: c.ns.clone(),
                bytes: bytes.get(c.span.clone()).unwrap_or_default().to_vec(),
            });
        let s = Stanza {
            kind,
            id: root.attr("id").map(str::to_string),
            from: root.attr("from").map(str::to_string),
            to: root.attr("to").map(str::to_string),
            payload,
            error,
        };
        if let StanzaKind::Iq(t) = s.kind {
            if s.id.is_none() {
                return Err(StanzaProblem::BadRequest("iq without an id"));
            }
            if matches!(t, IqType::Get | IqType::Set) && root.children.len() != 1 {
                return Err(StanzaProblem::BadRequest(
                    "iq get/set without exactly one child element",
                ));
            }
        }
        Ok(s)
    }
}

/// Escapes `s` for an attribute value or character data (the five predefined entities).
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c => o.push(c),
        }
    }
    o
}

/// Appends ` name='value'` (escaped) when `value` is present.
pub(crate) fn attr(out: &mut Vec<u8>, name: &str, value: Option<&str>) {
    if let Some(v) = value {
        out.extend_from_slice(format!(" {name}='{}'", escape(v)).as_bytes());
    }
}

/// Writes `<tag attrs>payload</tag>` (or `<tag attrs/>` without payload).
pub(crate) fn element(tag: &str, attrs: &[(&str, Option<&str>)], payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 64);
    out.push(b'<');
    out.extend_from_slice(tag.as_bytes());
    for (n, v) in attrs {
        attr(&mut out, n, *v);
    }
    if payload.is_empty() {
        out.extend_from_slice(b"/>");
    } else {
        out.push(b'>');
        out.extend_from_slice(payload);
        out.extend_from_slice(format!("</{tag}>").as_bytes());
    }
    out
}

/// The `<error/>` child of a stanza error (RFC 6120 §8.3.2).
pub(crate) fn error_child(error_type: &str, condition: &str, text: Option<&str>) -> Vec<u8> {
    let mut inner = format!("<{} xmlns='{NS_STANZAS}'/>", escape(condition));
    if let Some(t) = text {
        inner.push_str(&format!("<text xmlns='{NS_STANZAS}'>{}</text>", escape(t)));
    }
    element("error", &[("type", Some(error_type))], inner.as_bytes())
}
