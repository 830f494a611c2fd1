//! The bounded stream tokenizer (RFC 6120 §4.2, §11): frames the incoming XML stream into the
//! stream header, whole top-level elements (stanzas and negotiation elements) and the stream's
//! end tag, then parses each framed element with `quick-xml` into a small tree that keeps the
//! byte range of every element (so a payload can be handed on as its exact received octets).
//!
//! Limits (checked while bytes arrive, before anything is parsed): the size of a top-level
//! element and of the stream header, the element depth, the number of attributes of a tag, the
//! size of an attribute value and of an element's text. A breach is a `<policy-violation/>`.
//! Refused as `<restricted-xml/>` (RFC 6120 §11.1): comments, processing instructions (except
//! the XML declaration before the stream header), DOCTYPE and every other `<!` construct (entity
//! declarations, CDATA sections), entity references other than the five predefined and
//! character references. Anything else that is not XML is `<not-well-formed/>`.

use std::ops::Range;

use quick_xml::events::Event;
use quick_xml::Reader;

use super::config::XmppLimits;

/// The namespace of the stream element (RFC 6120 §4.8.1).
pub const NS_STREAMS: &str = "http://etherx.jabber.org/streams";

/// A refusal of the input: the stream error condition to send and a detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError {
    /// The RFC 6120 §4.9.3 condition (`not-well-formed`, `policy-violation`, `restricted-xml`,
    /// `invalid-namespace`).
    pub condition: &'static str,
    /// What was wrong.
    pub detail: String,
}

fn err(condition: &'static str, detail: impl Into<String>) -> XmlError {
    XmlError {
        condition,
        detail: detail.into(),
    }
}

/// One framed unit of the incoming stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// The stream header `<stream:stream ...>` (its element has no children).
    Header(Element),
    /// A top-level element: its exact octets and its tree (spans index into `bytes`).
    Element {
        /// The octets from `<` to the end of the end tag.
        bytes: Vec<u8>,
        /// The parsed element.
        root: Element,
    },
    /// The stream's end tag `</stream:stream>`.
    End,
}

/// An element of a framed top-level element.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    /// The local name.
    pub name: String,
    /// The resolved namespace URI (empty if none).
    pub ns: String,
    /// The attributes (qualified name, unescaped value), namespace declarations included.
    pub attrs: Vec<(String, String)>,
    /// The child elements.
    pub children: Vec<Element>,
    /// The unescaped character data directly inside this element.
    pub text: String,
    /// Where the element is in the framed octets.
    pub span: Range<usize>,
}

impl Element {
    /// The value of attribute `name`.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first child named `name` in namespace `ns`.
    pub fn child(&self, name: &str, ns: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name && c.ns == ns)
    }

    /// Whether this element is `name` in `ns`.
    pub fn is(&self, name: &str, ns: &str) -> bool {
        self.name == name && self.ns == ns
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TagKind {
    Start,
    End,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lex {
    Text,
    Lt,
    Pi,
    Tag(TagKind),
    Quote(u8, TagKind),
}

/// The incremental framer and parser (see the module documentation).
#[derive(Debug)]
pub struct StreamParser {
    limits: XmppLimits,
    buf: Vec<u8>,
    scan: usize,
    consumed: usize,
    lex: Lex,
    depth: usize,
    tag_start: usize,
    elem_start: usize,
    attrs: usize,
    value_len: usize,
    prev: u8,
    header_seen: bool,
    /// The namespace declarations of the stream header (prefix or "" for the default).
    header_ns: Vec<(String, String)>,
    /// The qualified name of the stream element.
    header_name: String,
    failed: Option<XmlError>,
}

impl StreamParser {
    /// A parser for a new stream (RFC 6120 §4.2: also after every stream restart).
    pub fn new(limits: XmppLimits) -> StreamParser {
        StreamParser {
            limits,
            buf: Vec::new(),
            scan: 0,
            consumed: 0,
            lex: Lex::Text,
            depth: 0,
            tag_start: 0,
            elem_start: 0,
            attrs: 0,
            value_len: 0,
            prev: 0,
            header_seen: false,
            header_ns: Vec::new(),
            header_name: String::new(),
            failed: None,
        }
    }

    /// Appends received octets (nothing is parsed until [`StreamParser::next_frame`]).
    pub fn feed(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The octets received but not yet framed (handed on at a switch to TLS or a restart).
    pub fn take_rest(&mut self) -> Vec<u8> {
        let rest = self.buf.get(self.consumed..).unwrap_or_default().to_vec();
        self.buf.clear();
        self.scan = 0;
        self.consumed = 0;
        rest
    }

    /// Whether part of an element has been received and not yet completed.
    pub fn in_element(&self) -> bool {
        self.depth > 1 || self.lex != Lex::Text || self.consumed < self.buf.len()
    }

    fn compact(&mut self) {
        if self.consumed > 0 {
            let c = self.consumed;
            self.buf.drain(..c);
            self.scan -= c;
            self.tag_start = self.tag_start.saturating_sub(c);
            self.elem_start = self.elem_start.saturating_sub(c);
            self.consumed = 0;
        }
    }

    /// The next complete frame, `Ok(None)` if more input is needed. After an error the
    /// parser stays failed.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, XmlError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let r = self.scan_frame();
        self.compact();
        if let Err(e) = &r {
            self.failed = Some(e.clone());
        }
        r
    }

    fn scan_frame(&mut self) -> Result<Option<Frame>, XmlError> {
        let l = self.limits.clone();
        while self.scan < self.buf.len() {
            let i = self.scan;
            let b = self.buf[i];
            self.scan += 1;
            match self.lex {
                Lex::Text => {
                    if b == b'<' {
                        self.lex = Lex::Lt;
                        self.tag_start = i;
                        if self.depth <= 1 {
                            self.elem_start = i;
                        }
                    } else if self.depth <= 1 {
                        if !matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
                            return Err(err("not-well-formed", "character data outside a stanza"));
                        }
                        self.consumed = self.scan;
                    }
                }
                Lex::Lt => match b {
                    b'?' => {
                        if self.header_seen {
                            return Err(err("restricted-xml", "processing instruction"));
                        }
                        self.lex = Lex::Pi;
                    }
                    b'!' => {
                        return Err(err(
                            "restricted-xml",
                            "comment, DOCTYPE, CDATA or declaration",
                        ))
                    }
                    b'/' => {
                        self.lex = Lex::Tag(TagKind::End);
                    }
                    _ => {
                        self.lex = Lex::Tag(TagKind::Start);
                        self.attrs = 0;
                    }
                },
                Lex::Pi => {
                    if i - self.tag_start > l.max_header_size {
                        return Err(err("policy-violation", "XML declaration too long"));
                    }
                    if b == b'>' && self.prev == b'?' {
                        let pi = self.buf.get(self.tag_start..=i).unwrap_or_default();
                        let is_decl = pi.len() > 6
                            && pi.get(2..5) == Some(b"xml")
                            && pi.get(5).is_some_and(|c| c.is_ascii_whitespace());
                        if !is_decl {
                            return Err(err("restricted-xml", "processing instruction"));
                        }
                        self.lex = Lex::Text;
                        self.consumed = self.scan;
                    }
                }
                Lex::Tag(kind) => match b {
                    b'"' | b'\'' => {
                        self.attrs += 1;
                        if self.attrs > l.max_attributes {
                            return Err(err("policy-violation", "too many attributes"));
                        }
                        self.value_len = 0;
                        self.lex = Lex::Quote(b, kind);
                    }
                    b'<' => return Err(err("not-well-formed", "'<' inside a tag")),
                    b'>' => {
                        self.lex = Lex::Text;
                        let empty = kind == TagKind::Start && self.prev == b'/';
                        if let Some(f) = self.tag_end(i, kind, empty)? {
                            self.prev = b;
                            return Ok(Some(f));
                        }
                    }
                    _ => {}
                },
                Lex::Quote(q, kind) => {
                    if b == q {
                        self.lex = Lex::Tag(kind);
                    } else if b == b'<' {
                        return Err(err("not-well-formed", "'<' in an attribute value"));
                    } else {
                        self.value_len += 1;
                        if self.value_len > l.max_attribute_size {
                            return Err(err("policy-violation", "attribute value too long"));
                        }
                    }
                }
            }
            self.prev = b;
            if !self.header_seen {
                if self.lex != Lex::Text && i + 1 - self.tag_start > l.max_header_size {
                    return Err(err("policy-violation", "stream header too long"));
                }
            } else if (self.depth >= 2 || self.lex != Lex::Text)
                && i + 1 - self.elem_start > l.max_stanza_size
            {
                return Err(err("policy-violation", "stanza over the size limit"));
            }
        }
        Ok(None)
    }

    fn tag_end(&mut self, i: usize, kind: TagKind, empty: bool) -> Result<Option<Frame>, XmlError> {
        match kind {
            TagKind::Start if self.depth == 0 => {
                if empty {
                    return Err(err("not-well-formed", "empty stream element"));
                }
                let bytes = self
                    .buf
                    .get(self.tag_start..=i)
                    .unwrap_or_default()
                    .to_vec();
                let header = self.parse_header(&bytes)?;
                self.depth = 1;
                self.header_seen = true;
                self.consumed = self.scan;
                Ok(Some(Frame::Header(header)))
            }
            TagKind::Start if empty && self.depth == 1 => self.complete(i),
            TagKind::Start if empty => Ok(None),
            TagKind::Start => {
                self.depth += 1;
                if self.depth > self.limits.max_depth + 1 {
                    return Err(err("policy-violation", "elements nested too deep"));
                }
                Ok(None)
            }
            TagKind::End => match self.depth {
                0 => Err(err("not-well-formed", "end tag before the stream header")),
                1 => {
                    let tag = self.buf.get(self.tag_start + 2..i).unwrap_or_default();
                    let name = std::str::from_utf8(tag).unwrap_or("").trim_end();
                    if name != self.header_name {
                        return Err(err("not-well-formed", "end tag does not match the stream"));
                    }
                    self.depth = 0;
                    self.consumed = self.scan;
                    Ok(Some(Frame::End))
                }
                2 => {
                    self.depth = 1;
                    self.complete(i)
                }
                _ => {
                    self.depth -= 1;
                    Ok(None)
                }
            },
        }
    }

    fn complete(&mut self, i: usize) -> Result<Option<Frame>, XmlError> {
        let bytes = self
            .buf
            .get(self.elem_start..=i)
            .unwrap_or_default()
            .to_vec();
        self.consumed = self.scan;
        let root = parse_element(&bytes, &self.header_ns, &self.limits)?;
        Ok(Some(Frame::Element { bytes, root }))
    }

    fn parse_header(&mut self, bytes: &[u8]) -> Result<Element, XmlError> {
        let mut reader = Reader::from_reader(bytes);
        match reader.read_event() {
            Ok(Event::Start(s)) => {
                let qname = String::from_utf8(s.name().as_ref().to_vec())
                    .map_err(|_| err("not-well-formed", "header name not UTF-8"))?;
                let mut e = Element::default();
                let mut decls = Vec::new();
                read_attrs(&s, &mut e, &mut decls, &self.limits)?;
                let (prefix, local) = split_qname(&qname);
                let ns = resolve(prefix, &[decls.clone()])
                    .ok_or_else(|| err("invalid-namespace", "unbound prefix on the stream"))?;
                e.name = local.to_string();
                e.ns = ns;
                e.span = 0..bytes.len();
                self.header_ns = decls;
                self.header_name = qname;
                Ok(e)
            }
            Ok(_) => Err(err("not-well-formed", "stream header expected")),
            Err(x) => Err(err("not-well-formed", x.to_string())),
        }
    }
}

fn split_qname(q: &str) -> (&str, &str) {
    match q.split_once(':') {
        Some((p, l)) => (p, l),
        None => ("", q),
    }
}

/// The URI bound to `prefix` ("" = the default namespace) in the innermost scope declaring it.
fn resolve(prefix: &str, scopes: &[Vec<(String, String)>]) -> Option<String> {
    for scope in scopes.iter().rev() {
        if let Some((_, uri)) = scope.iter().find(|(p, _)| p == prefix) {
            return Some(uri.clone());
        }
    }
    if prefix.is_empty() {
        Some(String::new())
    } else if prefix == "xml" {
        Some("http://www.w3.org/XML/1998/namespace".into())
    } else {
        None
    }
}

fn read_attrs(
    s: &quick_xml::events::BytesStart<'_>,
    e: &mut Element,
    decls: &mut Vec<(String, String)>,
    limits: &XmppLimits,
) -> Result<(), XmlError> {
    for a in s.attributes() {
        let a = a.map_err(|x| err("not-well-formed", x.to_string()))?;
        let key = std::str::from_utf8(a.key.as_ref())
            .map_err(|_| err("not-well-formed", "attribute name not UTF-8"))?
            .to_string();
        let value = a.unescape_value().map_err(map_xml_error)?.into_owned();
        if e.attrs.len() >= limits.max_attributes {
            return Err(err("policy-violation", "too many attributes"));
        }
        if key == "xmlns" {
            decls.push((String::new(), value.clone()));
        } else if let Some(p) = key.strip_prefix("xmlns:") {
            decls.push((p.to_string(), value.clone()));
        }
        e.attrs.push((key, value));
    }
    Ok(())
}

fn map_xml_error(x: quick_xml::Error) -> XmlError {
    match x {
        quick_xml::Error::Escape(e) => err("restricted-xml", format!("entity reference: {e}")),
        other => err("not-well-formed", other.to_string()),
    }
}

/// Parses one framed top-level element (the framer has checked its limits) with the stream
/// header's namespace declarations as the outermost scope.
pub fn parse_element(
    bytes: &[u8],
    header_ns: &[(String, String)],
    limits: &XmppLimits,
) -> Result<Element, XmlError> {
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().check_end_names = true;
    let mut scopes: Vec<Vec<(String, String)>> = vec![header_ns.to_vec()];
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let before = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let ev = reader.read_event().map_err(map_xml_error)?;
        let after = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        match ev {
            Event::Start(s) | Event::Empty(s) if root.is_some() => {
                let _ = s;
                return Err(err("not-well-formed", "more than one element"));
            }
            Event::Start(ref s) | Event::Empty(ref s) => {
                if stack.len() > limits.max_depth {
                    return Err(err("policy-violation", "elements nested too deep"));
                }
                let mut e = Element::default();
                let mut decls = Vec::new();
                read_attrs(s, &mut e, &mut decls, limits)?;
                let qname = std::str::from_utf8(s.name().as_ref())
                    .map_err(|_| err("not-well-formed", "element name not UTF-8"))?
                    .to_string();
                scopes.push(decls);
                for (key, _) in &e.attrs {
                    let (p, _) = split_qname(key);
                    if !p.is_empty() && p != "xmlns" && resolve(p, &scopes).is_none() {
                        return Err(err("not-well-formed", format!("unbound prefix {p}")));
                    }
                }
                let (prefix, local) = split_qname(&qname);
                e.ns = resolve(prefix, &scopes)
                    .ok_or_else(|| err("not-well-formed", format!("unbound prefix {prefix}")))?;
                e.name = local.to_string();
                e.span = before..after;
                if matches!(ev, Event::Empty(_)) {
                    scopes.pop();
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(e),
                        None => root = Some(e),
                    }
                } else {
                    stack.push(e);
                }
            }
            Event::End(_) => {
                scopes.pop();
                let Some(mut e) = stack.pop() else {
                    return Err(err("not-well-formed", "unbalanced end tag"));
                };
                e.span.end = after;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(e),
                    None => root = Some(e),
                }
            }
            Event::Text(t) => {
                let text = t.unescape().map_err(map_xml_error)?;
                match stack.last_mut() {
                    Some(cur) => {
                        if cur.text.len() + text.len() > limits.max_text_size {
                            return Err(err("policy-violation", "text over the size limit"));
                        }
                        cur.text.push_str(&text);
                    }
                    None if text.trim().is_empty() => {}
                    None => return Err(err("not-well-formed", "text outside the element")),
                }
            }
            Event::Eof => break,
            Event::CData(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {
                return Err(err("restricted-xml", "restricted XML construct"))
            }
            Event::Decl(_) => return Err(err("restricted-xml", "XML declaration in the stream")),
        }
    }
    if !stack.is_empty() {
        return Err(err("not-well-formed", "unclosed element"));
    }
    root.ok_or_else(|| err("not-well-formed", "no element"))
}
