//! The component walker shared by the APDU decoders (X.690 §8.9 SEQUENCE encoding, applied to
//! the ACSE-1 SEQUENCEs of X.227 §9) and small field encoders/decoders.
//!
//! Policy, the same for every APDU:
//! * every component must be context-specific: anything else is [`AcseError::UnexpectedTag`];
//! * components come in the order of the ACSE-1 definition: a known component after one that
//!   follows it is [`AcseError::OutOfOrder`], a second occurrence is [`AcseError::Repeated`];
//! * a context-specific tag that the APDU's root does not define is an extension addition
//!   (every ACSE-1 APDU has an extension marker before `user-information` \[30\]): it must sit
//!   between the root components and `user-information`, it is skipped (logged at debug level)
//!   and not kept. This includes the higher-level-association additions of X.227bis
//!   (p-context-definition-list, asoi tags, aso-qualifier), which this implementation does not
//!   support.

use std::borrow::Cow;

use copp::ber::{BitString, Class, Oid, Reader, Tag, Tlv, Writer};

use super::error::{in_field, invalid, AcseError};

/// Marks the position of extension additions in an order table.
pub(crate) const EXT: u32 = u32::MAX;

/// Walks the components of one ACSE-1 SEQUENCE.
pub(crate) struct Fields<'a> {
    reader: Reader<'a>,
    apdu: &'static str,
    order: &'static [(u32, &'static str)],
    next_pos: usize,
    seen: u128,
}

impl<'a> Fields<'a> {
    /// A walker over the contents of `tlv` (a constructed APDU), with the component order
    /// `order` (tag number and ACSE-1 name; [`EXT`] where extension additions go).
    pub(crate) fn new(
        tlv: &Tlv<'a>,
        apdu: &'static str,
        order: &'static [(u32, &'static str)],
    ) -> Result<Fields<'a>, AcseError> {
        Ok(Fields {
            reader: tlv.reader()?,
            apdu,
            order,
            next_pos: 0,
            seen: 0,
        })
    }

    /// The next known component: its tag number and the value. Extension additions are
    /// skipped. `None` at the end.
    pub(crate) fn next(&mut self) -> Result<Option<(u32, Tlv<'a>)>, AcseError> {
        loop {
            let Some(tlv) = self.reader.read_optional()? else {
                return Ok(None);
            };
            let apdu = self.apdu;
            if tlv.tag.class != Class::Context || tlv.tag.number > 127 {
                return Err(AcseError::UnexpectedTag {
                    apdu,
                    field: apdu,
                    tag: tlv.tag,
                });
            }
            let n = tlv.tag.number;
            let known = self.order.iter().position(|(t, _)| *t == n);
            let pos = match known {
                Some(p) => p,
                None => self.order.iter().position(|(t, _)| *t == EXT).ok_or(
                    AcseError::UnexpectedTag {
                        apdu,
                        field: apdu,
                        tag: tlv.tag,
                    },
                )?,
            };
            let field = self.order.get(pos).map_or("?", |(t, name)| {
                if *t == EXT {
                    "extension addition"
                } else {
                    name
                }
            });
            let bit = 1u128 << n;
            if self.seen & bit != 0 {
                return Err(AcseError::Repeated { apdu, field });
            }
            if pos < self.next_pos {
                return Err(AcseError::OutOfOrder { apdu, field });
            }
            self.seen |= bit;
            if known.is_some() {
                self.next_pos = pos + 1;
                return Ok(Some((n, tlv)));
            }
            self.next_pos = pos;
            log::debug!(target: "osi_mms::acse", "{apdu}: skipping extension addition {}", tlv.tag);
        }
    }

    /// The ACSE-1 name of the component with tag number `n`.
    pub(crate) fn name(&self, n: u32) -> &'static str {
        self.order
            .iter()
            .find(|(t, _)| *t == n)
            .map_or("?", |(_, name)| name)
    }
}

/// The one value inside an EXPLICIT tag (X.690 §8.14.3): exactly one complete TLV.
pub(crate) fn explicit<'a>(
    tlv: &Tlv<'a>,
    apdu: &'static str,
    field: &'static str,
) -> Result<Tlv<'a>, AcseError> {
    if tlv.contents.is_empty() {
        return Err(invalid(apdu, field));
    }
    let mut r = tlv.reader().map_err(in_field(apdu, field))?;
    let inner = r.read()?;
    r.finish().map_err(|_| invalid(apdu, field))?;
    Ok(inner)
}

/// Checks that `tlv` is primitive (an IMPLICIT-tagged primitive type).
pub(crate) fn primitive<'a>(
    tlv: Tlv<'a>,
    apdu: &'static str,
    field: &'static str,
) -> Result<Tlv<'a>, AcseError> {
    if tlv.tag.constructed {
        Err(AcseError::UnexpectedTag {
            apdu,
            field,
            tag: tlv.tag,
        })
    } else {
        Ok(tlv)
    }
}

/// Checks that `tlv` is constructed.
pub(crate) fn constructed<'a>(
    tlv: Tlv<'a>,
    apdu: &'static str,
    field: &'static str,
) -> Result<Tlv<'a>, AcseError> {
    if tlv.tag.constructed {
        Ok(tlv)
    } else {
        Err(AcseError::UnexpectedTag {
            apdu,
            field,
            tag: tlv.tag,
        })
    }
}

/// `[n] INTEGER` with an EXPLICIT tag (invocation identifiers, result).
pub(crate) fn explicit_integer(
    tlv: &Tlv<'_>,
    apdu: &'static str,
    field: &'static str,
) -> Result<i64, AcseError> {
    let inner = explicit(tlv, apdu, field)?;
    inner
        .expect(Tag::INTEGER)
        .and_then(|t| t.integer())
        .map_err(in_field(apdu, field))
}

/// `[n] OBJECT IDENTIFIER` with an EXPLICIT tag (aSO-context-name).
pub(crate) fn explicit_oid<'a>(
    tlv: &Tlv<'a>,
    apdu: &'static str,
    field: &'static str,
) -> Result<Oid<'a>, AcseError> {
    let inner = explicit(tlv, apdu, field)?;
    inner
        .expect(Tag::OID)
        .and_then(|t| t.oid())
        .map_err(in_field(apdu, field))
}

/// `[n] IMPLICIT INTEGER` or ENUMERATED.
pub(crate) fn implicit_integer(
    tlv: Tlv<'_>,
    apdu: &'static str,
    field: &'static str,
) -> Result<i64, AcseError> {
    primitive(tlv, apdu, field)?
        .integer()
        .map_err(in_field(apdu, field))
}

/// `[n] IMPLICIT OBJECT IDENTIFIER` (mechanism-name).
pub(crate) fn implicit_oid<'a>(
    tlv: Tlv<'a>,
    apdu: &'static str,
    field: &'static str,
) -> Result<Oid<'a>, AcseError> {
    primitive(tlv, apdu, field)?
        .oid()
        .map_err(in_field(apdu, field))
}

/// `[n] IMPLICIT BIT STRING`.
pub(crate) fn implicit_bits<'a>(
    tlv: Tlv<'a>,
    apdu: &'static str,
    field: &'static str,
) -> Result<BitString<'a>, AcseError> {
    primitive(tlv, apdu, field)?
        .bit_string()
        .map_err(in_field(apdu, field))
}

/// `[n] IMPLICIT GraphicString` (implementation-information), primitive form only.
pub(crate) fn implicit_string<'a>(
    tlv: Tlv<'a>,
    apdu: &'static str,
    field: &'static str,
) -> Result<&'a [u8], AcseError> {
    primitive(tlv, apdu, field)?
        .octets()
        .map_err(in_field(apdu, field))
}

/// `[n] IMPLICIT SEQUENCE OF OBJECT IDENTIFIER` (aSO-context-name-list), at most `max` names.
pub(crate) fn implicit_oid_list<'a>(
    tlv: Tlv<'a>,
    max: usize,
    apdu: &'static str,
    field: &'static str,
) -> Result<Vec<Oid<'a>>, AcseError> {
    let mut r = constructed(tlv, apdu, field)?.reader()?;
    let mut out = Vec::new();
    while let Some(t) = r.read_optional()? {
        if out.len() >= max {
            return Err(AcseError::TooManyElements { apdu, field, max });
        }
        out.push(
            t.expect(Tag::OID)
                .and_then(|t| t.oid())
                .map_err(in_field(apdu, field))?,
        );
    }
    Ok(out)
}

/// Prepends `[n] { INTEGER v }` (EXPLICIT).
pub(crate) fn write_explicit_integer(w: &mut Writer, n: u32, v: i64) {
    let mark = w.mark();
    w.integer(Tag::INTEGER, v);
    w.wrap(mark, Tag::context(n, true));
}

/// Prepends `[n] { OBJECT IDENTIFIER }` (EXPLICIT).
pub(crate) fn write_explicit_oid(w: &mut Writer, n: u32, oid: &Oid<'_>) {
    let mark = w.mark();
    w.oid(Tag::OID, oid);
    w.wrap(mark, Tag::context(n, true));
}

/// Prepends `[n] IMPLICIT SEQUENCE OF OBJECT IDENTIFIER`.
pub(crate) fn write_oid_list(w: &mut Writer, n: u32, list: &[Oid<'_>]) {
    let mark = w.mark();
    for oid in list.iter().rev() {
        w.oid(Tag::OID, oid);
    }
    w.wrap(mark, Tag::context(n, true));
}

/// An owned copy of a possibly borrowed byte string (for the `into_owned` conversions).
pub(crate) fn own(c: Cow<'_, [u8]>) -> Cow<'static, [u8]> {
    Cow::Owned(c.into_owned())
}

/// An owned copy of a possibly borrowed OBJECT IDENTIFIER.
pub(crate) fn own_oid(o: Oid<'_>) -> Oid<'static> {
    o.to_owned()
}
