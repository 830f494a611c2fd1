//! XER decoding: `quick-xml` tokenizes the document into a bounded element tree (no DOCTYPE,
//! entity declaration or processing instruction accepted), then the type tables turn the tree
//! into the BER encoding the crate's codec decodes.

use quick_xml::events::Event;

use super::limits::XerLimits;
use super::schema::{Field, Tagging, Ty};
use super::XerError;

/// One element: its local name, child elements and character content.
#[derive(Debug, Default)]
pub struct Node {
    /// The local name (namespace prefix removed).
    pub name: String,
    /// The child elements, in document order.
    pub children: Vec<Node>,
    /// The character content (entities replaced), concatenated.
    pub text: String,
}

/// Parses `xml` into its root element within `limits`.
pub fn parse(xml: &str, limits: &XerLimits) -> Result<Node, XerError> {
    if xml.len() > limits.max_input {
        return Err(XerError::TooLarge(limits.max_input));
    }
    let mut r = quick_xml::Reader::from_str(xml);
    r.config_mut().check_end_names = true;
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    let mut elements = 0usize;
    loop {
        let ev = r.read_event().map_err(|e| XerError::Xml(e.to_string()))?;
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                if root.is_some() {
                    return Err(XerError::Xml("content after the root element".into()));
                }
                elements += 1;
                if elements > limits.max_elements {
                    return Err(XerError::TooManyElements(limits.max_elements));
                }
                if stack.len() >= limits.max_depth {
                    return Err(XerError::TooDeep(limits.max_depth));
                }
                for a in e.attributes() {
                    let a = a.map_err(|e| XerError::Xml(e.to_string()))?;
                    let key = a.key.as_ref();
                    if !(key == b"xmlns" || key.starts_with(b"xmlns:")) {
                        return Err(XerError::Forbidden("attribute"));
                    }
                }
                let name = std::str::from_utf8(e.local_name().as_ref())
                    .map_err(|_| XerError::Xml("element name not UTF-8".into()))?
                    .to_owned();
                let node = Node {
                    name,
                    ..Node::default()
                };
                if matches!(ev, Event::Empty(_)) {
                    close(&mut stack, &mut root, node);
                } else {
                    stack.push(node);
                }
            }
            Event::End(_) => {
                let node = stack
                    .pop()
                    .ok_or_else(|| XerError::Xml("end tag without start".into()))?;
                close(&mut stack, &mut root, node);
            }
            Event::Text(t) => {
                let raw_len = t.len();
                let top = stack.last_mut();
                let Some(top) = top else {
                    if t.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    return Err(XerError::Xml("text outside the root element".into()));
                };
                if top.text.len().saturating_add(raw_len) > limits.max_text {
                    return Err(XerError::TextTooLong(limits.max_text));
                }
                let s = t.unescape().map_err(|e| XerError::Xml(e.to_string()))?;
                top.text.push_str(&s);
                if top.text.len() > limits.max_text {
                    return Err(XerError::TextTooLong(limits.max_text));
                }
            }
            Event::CData(t) => {
                let top = stack
                    .last_mut()
                    .ok_or_else(|| XerError::Xml("CDATA outside the root element".into()))?;
                if top.text.len().saturating_add(t.len()) > limits.max_text {
                    return Err(XerError::TextTooLong(limits.max_text));
                }
                let s =
                    std::str::from_utf8(&t).map_err(|_| XerError::Xml("CDATA not UTF-8".into()))?;
                top.text.push_str(s);
            }
            Event::DocType(_) => return Err(XerError::Forbidden("DOCTYPE")),
            Event::PI(_) => return Err(XerError::Forbidden("processing instruction")),
            Event::Decl(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(XerError::Xml("unclosed element".into()));
    }
    root.ok_or_else(|| XerError::Xml("no root element".into()))
}

fn close(stack: &mut [Node], root: &mut Option<Node>, node: Node) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(node),
        None => *root = Some(node),
    }
}

/// BER output written front to back.
pub struct Ber {
    out: Vec<u8>,
}

impl Ber {
    /// The BER encoding of `node` as a value of `ty` called `root`.
    pub fn encode(root: &str, ty: &Ty, node: &Node) -> Result<Vec<u8>, XerError> {
        if node.name != root {
            return Err(XerError::UnexpectedElement {
                expected: root.to_owned(),
                found: node.name.clone(),
            });
        }
        let mut b = Ber { out: Vec::new() };
        b.value(ty, node, None)?;
        Ok(b.out)
    }

    /// Writes identifier and length, then `body`'s octets.
    fn tlv(
        &mut self,
        class: u8,
        constructed: bool,
        number: u32,
        body: impl FnOnce(&mut Ber) -> Result<(), XerError>,
    ) -> Result<(), XerError> {
        let mut inner = Ber { out: Vec::new() };
        body(&mut inner)?;
        let first = (class << 6) | if constructed { 0x20 } else { 0 };
        if number < 31 {
            self.out.push(first | number as u8);
        } else {
            self.out.push(first | 31);
            let mut groups = Vec::new();
            let mut n = number;
            loop {
                groups.push((n & 0x7f) as u8);
                n >>= 7;
                if n == 0 {
                    break;
                }
            }
            for (i, g) in groups.iter().enumerate().rev() {
                self.out.push(if i == 0 { *g } else { g | 0x80 });
            }
        }
        let len = inner.out.len();
        if len < 128 {
            self.out.push(len as u8);
        } else {
            let bytes = len.to_be_bytes();
            let skip = bytes.iter().take_while(|b| **b == 0).count();
            self.out.push(0x80 | (bytes.len() - skip) as u8);
            self.out.extend_from_slice(&bytes[skip..]);
        }
        self.out.extend_from_slice(&inner.out);
        Ok(())
    }

    fn field(&mut self, f: &Field, node: &Node) -> Result<(), XerError> {
        match f.tagging {
            Tagging::None => self.value(f.ty, node, None),
            Tagging::Implicit(n) => self.value(f.ty, node, Some(n)),
            Tagging::Explicit(n) => self.tlv(2, true, n, |b| b.value(f.ty, node, None)),
        }
    }

    /// Writes `node` as a value of `ty`, with context tag `implicit` in place of its own.
    fn value(&mut self, ty: &Ty, node: &Node, implicit: Option<u32>) -> Result<(), XerError> {
        let resolved = ty.resolve();
        if let Ty::Choice(alts) = resolved {
            no_text(node)?;
            let [child] = node.children.as_slice() else {
                return Err(XerError::InvalidValue {
                    element: node.name.clone(),
                    reason: "a CHOICE holds exactly one alternative",
                });
            };
            return self.choice_alt(&node.name, alts, child);
        }
        let (class, number) = match (implicit, resolved.universal()) {
            (Some(n), _) => (2, n),
            (None, Some((n, _))) => (0, n),
            (None, None) => unreachable_choice()?,
        };
        let constructed = resolved.constructed();
        self.tlv(class, constructed, number, |b| b.contents(resolved, node))
    }

    fn choice_alt(&mut self, name: &str, alts: &[Field], child: &Node) -> Result<(), XerError> {
        let alt = alts.iter().find(|a| a.name == child.name).ok_or_else(|| {
            XerError::UnexpectedElement {
                expected: format!("an alternative of {name}"),
                found: child.name.clone(),
            }
        })?;
        self.field(alt, child)
    }

    fn contents(&mut self, ty: &Ty, node: &Node) -> Result<(), XerError> {
        match ty {
            Ty::Seq(fields) => {
                no_text(node)?;
                let mut kids = node.children.iter().peekable();
                for f in fields.iter() {
                    match kids.peek() {
                        Some(k) if k.name == f.name => {
                            self.field(f, k)?;
                            kids.next();
                        }
                        _ if f.optional => {}
                        _ => return Err(XerError::MissingElement(f.name)),
                    }
                }
                if let Some(k) = kids.next() {
                    return Err(XerError::UnexpectedElement {
                        expected: format!("the end of {}", node.name),
                        found: k.name.clone(),
                    });
                }
                Ok(())
            }
            Ty::SeqOf(item) => {
                no_text(node)?;
                for k in &node.children {
                    self.item(item, k)?;
                }
                Ok(())
            }
            Ty::Bool => {
                no_text(node)?;
                match node.children.as_slice() {
                    [v] => self.bool_octet(v),
                    _ => Err(invalid(node, "BOOLEAN is <true/> or <false/>")),
                }
            }
            Ty::Null => {
                no_text(node)?;
                leaf(node)
            }
            Ty::Int => {
                leaf(node)?;
                let v: i128 = node
                    .text
                    .trim()
                    .parse()
                    .map_err(|_| invalid(node, "not an integer within 128 bits"))?;
                let bytes = v.to_be_bytes();
                let mut start = 0;
                while start < 15
                    && ((bytes[start] == 0 && bytes[start + 1] & 0x80 == 0)
                        || (bytes[start] == 0xff && bytes[start + 1] & 0x80 != 0))
                {
                    start += 1;
                }
                self.out.extend_from_slice(&bytes[start..]);
                Ok(())
            }
            Ty::Octets => {
                leaf(node)?;
                let digits: Vec<u8> = node
                    .text
                    .bytes()
                    .filter(|b| !b.is_ascii_whitespace())
                    .collect();
                if digits.len() % 2 != 0 {
                    return Err(invalid(node, "odd number of hexadecimal digits"));
                }
                for pair in digits.chunks(2) {
                    let hi = hex_digit(pair[0]).ok_or_else(|| invalid(node, "not hexadecimal"))?;
                    let lo = hex_digit(pair[1]).ok_or_else(|| invalid(node, "not hexadecimal"))?;
                    self.out.push(hi << 4 | lo);
                }
                Ok(())
            }
            Ty::Bits => {
                leaf(node)?;
                let bits: Vec<u8> = node
                    .text
                    .bytes()
                    .filter(|b| !b.is_ascii_whitespace())
                    .collect();
                let unused = (8 - bits.len() % 8) % 8;
                self.out.push(unused as u8);
                for chunk in bits.chunks(8) {
                    let mut o = 0u8;
                    for (i, d) in chunk.iter().enumerate() {
                        match d {
                            b'0' => {}
                            b'1' => o |= 0x80 >> i,
                            _ => return Err(invalid(node, "BIT STRING is 0 and 1 characters")),
                        }
                    }
                    self.out.push(o);
                }
                Ok(())
            }
            Ty::Oid => {
                leaf(node)?;
                let arcs: Result<Vec<u64>, _> =
                    node.text.trim().split('.').map(str::parse::<u64>).collect();
                let arcs = arcs.map_err(|_| invalid(node, "not a dotted OBJECT IDENTIFIER"))?;
                if arcs.len() < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39) {
                    return Err(invalid(node, "not a valid OBJECT IDENTIFIER"));
                }
                let first = arcs[0]
                    .checked_mul(40)
                    .and_then(|v| v.checked_add(arcs[1]))
                    .ok_or_else(|| invalid(node, "OBJECT IDENTIFIER arc too large"))?;
                for v in std::iter::once(first).chain(arcs[2..].iter().copied()) {
                    let mut groups = Vec::new();
                    let mut n = v;
                    loop {
                        groups.push((n & 0x7f) as u8);
                        n >>= 7;
                        if n == 0 {
                            break;
                        }
                    }
                    for (i, g) in groups.iter().enumerate().rev() {
                        self.out.push(if i == 0 { *g } else { g | 0x80 });
                    }
                }
                Ok(())
            }
            Ty::Str(_) => {
                leaf(node)?;
                self.out.extend_from_slice(node.text.as_bytes());
                Ok(())
            }
            Ty::Choice(_) | Ty::Ref(..) => unreachable_choice(),
        }
    }

    fn bool_octet(&mut self, v: &Node) -> Result<(), XerError> {
        leaf(v)?;
        no_text(v)?;
        match v.name.as_str() {
            "true" => self.out.push(0xff),
            "false" => self.out.push(0),
            _ => return Err(invalid(v, "BOOLEAN is <true/> or <false/>")),
        }
        Ok(())
    }

    /// One SEQUENCE OF item: the alternative's element for a CHOICE (or, as asn1tools writes
    /// some, the alternative inside an element named by the type), `<true/>`/`<false/>` for a
    /// BOOLEAN, else an element named by the item type.
    fn item(&mut self, item: &Ty, k: &Node) -> Result<(), XerError> {
        match item.resolve() {
            Ty::Choice(alts) => {
                if let Ty::Ref(name, _) = item {
                    if k.name == *name {
                        return self.value(item, k, None);
                    }
                }
                self.choice_alt(item.item_name(), alts, k)
            }
            Ty::Bool => {
                let (class, number) = (0, 1);
                self.tlv(class, false, number, |b| b.bool_octet(k))
            }
            _ => {
                if k.name != item.item_name() {
                    return Err(XerError::UnexpectedElement {
                        expected: item.item_name().to_owned(),
                        found: k.name.clone(),
                    });
                }
                self.value(item, k, None)
            }
        }
    }
}

fn unreachable_choice<T>() -> Result<T, XerError> {
    Err(XerError::Unsupported(
        "untagged CHOICE in the type tables".into(),
    ))
}

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn invalid(node: &Node, reason: &'static str) -> XerError {
    XerError::InvalidValue {
        element: node.name.clone(),
        reason,
    }
}

/// Fails when `node` has child elements.
fn leaf(node: &Node) -> Result<(), XerError> {
    match node.children.first() {
        None => Ok(()),
        Some(k) => Err(XerError::UnexpectedElement {
            expected: format!("text in {}", node.name),
            found: k.name.clone(),
        }),
    }
}

/// Fails when `node` has character content other than white space.
fn no_text(node: &Node) -> Result<(), XerError> {
    if node.text.bytes().all(|b| b.is_ascii_whitespace()) {
        Ok(())
    } else {
        Err(invalid(node, "text where elements are expected"))
    }
}
