//! XER encoding (X.693 §8, BASIC-XER in its canonical form where CXER defines one): walks the
//! BER encoding the crate's codec wrote, guided by the type tables, and writes one element per
//! value with `quick-xml`.
//!
//! An element with no content is written `<name/>`, and text escapes all five XML special
//! characters: the form XMPP servers re-serialise relayed stanzas to, so a signature over the
//! octets survives the relay (docs/xer.md).

use crate::ber::{Reader, Tag, Tlv};
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};

use super::schema::{Field, Tagging, Ty};
use super::XerError;

/// Nesting budget for the BER walk (the codec encoded the value; this only guards recursion).
const BER_DEPTH: u16 = 256;

/// The XML writer with the type-directed walk.
pub struct XerWriter {
    w: quick_xml::Writer<Vec<u8>>,
    /// A start tag not yet written: it becomes `<name/>` if its end comes next.
    pending: Option<String>,
}

impl Default for XerWriter {
    fn default() -> Self {
        XerWriter::new()
    }
}

impl XerWriter {
    /// A writer with an empty output.
    pub fn new() -> XerWriter {
        XerWriter {
            w: quick_xml::Writer::new(Vec::new()),
            pending: None,
        }
    }

    /// The document written.
    pub fn finish(mut self) -> Result<String, XerError> {
        self.flush_pending()?;
        String::from_utf8(self.w.into_inner())
            .map_err(|_| XerError::Unsupported("non-UTF-8 output".into()))
    }

    /// Writes the one BER value in `ber` as a value of `ty` in an element called `root`.
    pub fn root(&mut self, root: &str, ty: &Ty, ber: &[u8]) -> Result<(), XerError> {
        let mut r = Reader::with_depth(ber, BER_DEPTH);
        let tlv = r.read().map_err(ber_err)?;
        r.finish().map_err(ber_err)?;
        self.value(root, ty, &tlv)
    }

    fn write(&mut self, e: Event<'_>) -> Result<(), XerError> {
        self.w
            .write_event(e)
            .map_err(|e| XerError::Unsupported(format!("writing XML: {e}")))
    }

    /// Writes the start tag held back, if any.
    fn flush_pending(&mut self) -> Result<(), XerError> {
        match self.pending.take() {
            Some(name) => self.write(Event::Start(BytesStart::new(name.as_str()))),
            None => Ok(()),
        }
    }

    fn ev(&mut self, e: Event<'_>) -> Result<(), XerError> {
        self.flush_pending()?;
        self.write(e)
    }

    fn open(&mut self, name: &str) -> Result<(), XerError> {
        self.flush_pending()?;
        self.pending = Some(name.to_string());
        Ok(())
    }

    fn close(&mut self, name: &str) -> Result<(), XerError> {
        match self.pending.take() {
            Some(open) if open == name => self.write(Event::Empty(BytesStart::new(name))),
            Some(open) => {
                self.write(Event::Start(BytesStart::new(open.as_str())))?;
                self.write(Event::End(BytesEnd::new(name)))
            }
            None => self.write(Event::End(BytesEnd::new(name))),
        }
    }

    fn empty(&mut self, name: &str) -> Result<(), XerError> {
        self.ev(Event::Empty(BytesStart::new(name)))
    }

    fn text_element(&mut self, name: &str, text: &str) -> Result<(), XerError> {
        if text.is_empty() {
            return self.empty(name);
        }
        self.open(name)?;
        self.ev(Event::Text(BytesText::new(text)))?;
        self.close(name)
    }

    /// Writes a field whose BER value is `tlv` (tag handling per the field's tagging).
    fn field(&mut self, f: &Field, tlv: &Tlv<'_>) -> Result<(), XerError> {
        match f.tagging {
            Tagging::Explicit(_) => {
                let mut r = tlv.reader().map_err(ber_err)?;
                let inner = r.read().map_err(ber_err)?;
                r.finish().map_err(ber_err)?;
                self.value(f.name, f.ty, &inner)
            }
            Tagging::Implicit(_) | Tagging::None => self.value(f.name, f.ty, tlv),
        }
    }

    /// Writes `tlv` (whose tag has been matched already) as a value of `ty` in element `name`.
    fn value(&mut self, name: &str, ty: &Ty, tlv: &Tlv<'_>) -> Result<(), XerError> {
        match ty.resolve() {
            Ty::Choice(alts) => {
                self.open(name)?;
                self.choice_alt(name, alts, tlv)?;
                self.close(name)
            }
            Ty::Seq(fields) => {
                self.open(name)?;
                let mut r = tlv.reader().map_err(ber_err)?;
                let mut next = r.read_optional().map_err(ber_err)?;
                for f in fields.iter() {
                    match next {
                        Some(t) if f.matches(t.tag) => {
                            self.field(f, &t)?;
                            next = r.read_optional().map_err(ber_err)?;
                        }
                        _ if f.optional => {}
                        _ => return Err(unsupported(name, next.map(|t| t.tag))),
                    }
                }
                if let Some(t) = next {
                    return Err(unsupported(name, Some(t.tag)));
                }
                self.close(name)
            }
            Ty::SeqOf(item) => {
                let mut r = tlv.reader().map_err(ber_err)?;
                if r.is_empty() {
                    return self.empty(name);
                }
                self.open(name)?;
                while let Some(t) = r.read_optional().map_err(ber_err)? {
                    self.item(item, &t)?;
                }
                self.close(name)
            }
            prim => {
                if tlv.tag.constructed {
                    return Err(XerError::Unsupported(format!(
                        "{name}: constructed encoding of a primitive type"
                    )));
                }
                match prim {
                    Ty::Bool => {
                        self.open(name)?;
                        self.empty(bool_name(tlv)?)?;
                        self.close(name)
                    }
                    Ty::Null => self.empty(name),
                    _ => {
                        let text = primitive_text(name, prim, tlv.contents)?;
                        self.text_element(name, &text)
                    }
                }
            }
        }
    }

    /// Writes the alternative of `alts` that `tlv` is, as its own element.
    fn choice_alt(&mut self, name: &str, alts: &[Field], tlv: &Tlv<'_>) -> Result<(), XerError> {
        let alt = alts
            .iter()
            .find(|a| a.matches(tlv.tag))
            .ok_or_else(|| unsupported(name, Some(tlv.tag)))?;
        self.field(alt, tlv)
    }

    /// Writes one SEQUENCE OF item.
    fn item(&mut self, item: &Ty, tlv: &Tlv<'_>) -> Result<(), XerError> {
        match item.resolve() {
            Ty::Choice(alts) => self.choice_alt(item.item_name(), alts, tlv),
            Ty::Bool => {
                let n = bool_name(tlv)?;
                self.empty(n)
            }
            _ => {
                if !super::schema::ty_matches(item, tlv.tag) {
                    return Err(unsupported(item.item_name(), Some(tlv.tag)));
                }
                self.value(item.item_name(), item, tlv)
            }
        }
    }
}

fn bool_name(tlv: &Tlv<'_>) -> Result<&'static str, XerError> {
    match tlv.contents {
        [0] => Ok("false"),
        [_] => Ok("true"),
        _ => Err(XerError::Unsupported(
            "BOOLEAN of other than one octet".into(),
        )),
    }
}

/// The character content of a primitive value (X.693 §8.3.x): INTEGER in decimal, OCTET STRING
/// in upper-case hexadecimal, BIT STRING as `0`/`1` characters, OBJECT IDENTIFIER in dotted
/// form, strings as their characters.
fn primitive_text(name: &str, ty: &Ty, c: &[u8]) -> Result<String, XerError> {
    Ok(match ty {
        Ty::Int => integer(c)
            .ok_or_else(|| XerError::Unsupported(format!("{name}: INTEGER outside 128 bits")))?
            .to_string(),
        Ty::Octets => hex_upper(c),
        Ty::Bits => {
            let (&unused, bits) = c
                .split_first()
                .ok_or_else(|| XerError::Unsupported(format!("{name}: empty BIT STRING")))?;
            let total = (bits.len() * 8).saturating_sub(usize::from(unused));
            (0..total)
                .map(|i| {
                    if bits[i / 8] & (0x80 >> (i % 8)) != 0 {
                        '1'
                    } else {
                        '0'
                    }
                })
                .collect()
        }
        Ty::Oid => oid_text(c).ok_or_else(|| XerError::Unsupported(format!("{name}: bad OID")))?,
        Ty::Str(_) => {
            let s = std::str::from_utf8(c)
                .map_err(|_| XerError::Unsupported(format!("{name}: string not UTF-8")))?;
            if s.chars().any(|ch| ch.is_control()) {
                // X.680 would write these as <nul/>-style elements; not mapped (docs/xer.md).
                return Err(XerError::Unsupported(format!(
                    "{name}: control character in string"
                )));
            }
            s.to_owned()
        }
        _ => {
            return Err(XerError::Unsupported(format!(
                "{name}: not a primitive type"
            )))
        }
    })
}

/// Two's complement contents (X.690 §8.3) of up to 16 octets.
fn integer(c: &[u8]) -> Option<i128> {
    let (&first, _) = c.split_first()?;
    if c.len() > 16 {
        return None;
    }
    let mut v: i128 = if first & 0x80 != 0 { -1 } else { 0 };
    for &b in c {
        v = (v << 8) | i128::from(b);
    }
    Some(v)
}

fn hex_upper(c: &[u8]) -> String {
    const H: &[u8; 16] = b"0123456789ABCDEF";
    let mut s = String::with_capacity(c.len() * 2);
    for b in c {
        s.push(char::from(H[usize::from(b >> 4)]));
        s.push(char::from(H[usize::from(b & 15)]));
    }
    s
}

/// The dotted form of OBJECT IDENTIFIER contents (X.690 §8.19), `None` when malformed.
fn oid_text(c: &[u8]) -> Option<String> {
    let mut arcs: Vec<u64> = Vec::new();
    let mut v: u64 = 0;
    for (i, &b) in c.iter().enumerate() {
        v = v.checked_mul(128)? | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (v / 40).min(2);
                arcs.push(first);
                arcs.push(v - first * 40);
            } else {
                arcs.push(v);
            }
            v = 0;
        } else if i + 1 == c.len() {
            return None;
        }
    }
    if arcs.is_empty() {
        return None;
    }
    Some(
        arcs.iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join("."),
    )
}

fn ber_err(e: crate::ber::BerError) -> XerError {
    XerError::Unsupported(format!("BER: {e}"))
}

fn unsupported(name: &str, tag: Option<Tag>) -> XerError {
    match tag {
        Some(t) => XerError::Unsupported(format!("{name}: component {t} has no XER mapping")),
        None => XerError::Unsupported(format!("{name}: a required component is missing")),
    }
}
