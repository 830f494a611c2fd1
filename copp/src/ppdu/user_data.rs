//! `User-data` (X.226 §8.4): simply-encoded-data `[APPLICATION 0]` and fully-encoded-data
//! `[APPLICATION 1] IMPLICIT SEQUENCE OF PDV-list`, read without copying or allocating.

use super::{malformed, reader, uint32};
use crate::ber::{BitString, Class, Oid, Reader, Tag, Tlv, Writer, DEFAULT_MAX_DEPTH};
use crate::error::PresentationError;

const PPDU: &str = "User-data";

/// `User-data` (X.226 §8.4): the presentation user data of a PPDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserData<'a> {
    /// simply-encoded-data `[APPLICATION 0] IMPLICIT OCTET STRING` (`40`), X.226 §8.4.1.
    Simple(&'a [u8]),
    /// fully-encoded-data `[APPLICATION 1] IMPLICIT SEQUENCE OF PDV-list` (`61`), X.226 §8.4.2.
    Fully(FullyEncoded<'a>),
}

impl<'a> UserData<'a> {
    /// Encodes the user data (X.226 §8.4) in front of what `w` holds.
    pub fn encode(&self, w: &mut Writer) {
        match self {
            UserData::Simple(b) => w.octets(Tag::application(0, false), b),
            UserData::Fully(f) => f.encode(w),
        }
    }

    /// The fully-encoded form, if that is what this is.
    pub fn fully(&self) -> Option<&FullyEncoded<'a>> {
        match self {
            UserData::Fully(f) => Some(f),
            UserData::Simple(_) => None,
        }
    }
}

/// fully-encoded-data (X.226 §8.4.2): a SEQUENCE OF PDV-list. Holds either the received
/// contents (validated when parsed) or one PDV to send; [`FullyEncoded::pdvs`] walks them
/// without allocating.
#[derive(Debug, Clone)]
pub struct FullyEncoded<'a> {
    repr: Repr<'a>,
}

#[derive(Debug, Clone)]
enum Repr<'a> {
    /// Contents of a received `61` value (the PDV-lists).
    Received(Reader<'a>),
    /// One single-ASN1-type PDV to be sent.
    Single { context_id: u32, value: &'a [u8] },
}

impl<'a> FullyEncoded<'a> {
    /// fully-encoded-data with one PDV-list: `context_id`, single-ASN1-type `value` (which
    /// must be one complete BER value, e.g. an ACSE APDU or an MMS PDU).
    pub fn single(context_id: u32, value: &'a [u8]) -> FullyEncoded<'a> {
        FullyEncoded {
            repr: Repr::Single { context_id, value },
        }
    }

    /// Validates the contents octets of a received fully-encoded-data value (every PDV-list
    /// well formed) and wraps them. `max_depth` bounds the nesting inside.
    pub fn from_contents(
        contents: &'a [u8],
        max_depth: u16,
    ) -> Result<FullyEncoded<'a>, PresentationError> {
        FullyEncoded::from_reader(Reader::with_depth(contents, max_depth))
    }

    fn from_reader(r: Reader<'a>) -> Result<FullyEncoded<'a>, PresentationError> {
        let f = FullyEncoded {
            repr: Repr::Received(r),
        };
        for pdv in f.pdvs() {
            pdv?;
        }
        Ok(f)
    }

    /// The PDV-lists, in order. Each item is decoded on demand; after an error the iterator
    /// ends. Allocates nothing.
    pub fn pdvs(&self) -> Pdvs<'a> {
        match &self.repr {
            Repr::Received(r) => Pdvs {
                inner: PdvsInner::Received(r.clone()),
            },
            Repr::Single { context_id, value } => Pdvs {
                inner: PdvsInner::Single(Some((*context_id, *value))),
            },
        }
    }

    /// The PDV when there is exactly one (the usual case: one APDU per PPDU).
    pub fn single_pdv(&self) -> Option<Pdv<'a>> {
        let mut it = self.pdvs();
        let first = it.next()?.ok()?;
        match it.next() {
            None => Some(first),
            Some(_) => None,
        }
    }

    /// True when there is no PDV-list at all.
    pub fn is_empty(&self) -> bool {
        match &self.repr {
            Repr::Received(r) => r.is_empty(),
            Repr::Single { .. } => false,
        }
    }

    /// Encodes `61 L <PDV-lists>` in front of what `w` holds.
    pub fn encode(&self, w: &mut Writer) {
        match &self.repr {
            Repr::Received(r) => {
                let m = w.mark();
                w.raw(r.remaining());
                w.wrap(m, Tag::application(1, true));
            }
            Repr::Single { context_id, value } => encode_single_pdv(w, *context_id, value),
        }
    }
}

impl PartialEq for FullyEncoded<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.pdvs().eq(other.pdvs())
    }
}

impl Eq for FullyEncoded<'_> {}

/// Iterator over the PDV-lists of a [`FullyEncoded`] (X.226 §8.4.2).
#[derive(Debug, Clone)]
pub struct Pdvs<'a> {
    inner: PdvsInner<'a>,
}

#[derive(Debug, Clone)]
enum PdvsInner<'a> {
    Received(Reader<'a>),
    Single(Option<(u32, &'a [u8])>),
    Done,
}

impl<'a> Iterator for Pdvs<'a> {
    type Item = Result<Pdv<'a>, PresentationError>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.inner {
            PdvsInner::Received(r) => {
                if r.is_empty() {
                    return None;
                }
                let res = r
                    .read()
                    .map_err(malformed(PPDU, "PDV-list"))
                    .and_then(|t| parse_pdv(&t));
                if res.is_err() {
                    self.inner = PdvsInner::Done;
                }
                Some(res)
            }
            PdvsInner::Single(s) => s.take().map(|(context_id, value)| {
                Ok(Pdv {
                    transfer_syntax: None,
                    context_id,
                    value: PdvValue::SingleAsn1Type(value),
                })
            }),
            PdvsInner::Done => None,
        }
    }
}

impl std::iter::FusedIterator for Pdvs<'_> {}

/// One `PDV-list` (X.226 §8.4.2): a presentation data value and the context it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pdv<'a> {
    /// transfer-syntax-name (only needed when the context has several; X.226 §8.4.2.4).
    pub transfer_syntax: Option<Oid<'a>>,
    /// presentation-context-identifier.
    pub context_id: u32,
    /// presentation-data-values.
    pub value: PdvValue<'a>,
}

impl Pdv<'_> {
    /// Encodes this PDV-list (a SEQUENCE) in front of what `w` holds.
    pub fn encode(&self, w: &mut Writer) {
        let m = w.mark();
        match &self.value {
            PdvValue::SingleAsn1Type(v) => {
                let mv = w.mark();
                w.raw(v);
                w.wrap(mv, Tag::context(0, true));
            }
            PdvValue::OctetAligned(o) => w.octets(Tag::context(1, false), o),
            PdvValue::Arbitrary(b) => w.bit_string(Tag::context(2, false), b.unused, b.bits),
        }
        w.integer(Tag::INTEGER, i64::from(self.context_id));
        if let Some(ts) = &self.transfer_syntax {
            w.oid(Tag::OID, ts);
        }
        w.wrap(m, Tag::SEQUENCE);
    }
}

/// presentation-data-values of a PDV-list (X.226 §8.4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PdvValue<'a> {
    /// single-ASN1-type `[0]`: the one encoded ASN.1 value inside the `[0]` (all its octets).
    SingleAsn1Type(&'a [u8]),
    /// octet-aligned `[1] IMPLICIT OCTET STRING`.
    OctetAligned(&'a [u8]),
    /// arbitrary `[2] IMPLICIT BIT STRING`.
    Arbitrary(BitString<'a>),
}

fn parse_pdv<'a>(t: &Tlv<'a>) -> Result<Pdv<'a>, PresentationError> {
    const P: &str = "PDV-list";
    let t = t.expect(Tag::SEQUENCE).map_err(malformed(PPDU, P))?;
    let mut r = reader(&t, PPDU, P)?;
    let transfer_syntax = match r.read_if(Tag::OID).map_err(malformed(PPDU, P))? {
        Some(o) => Some(o.oid().map_err(malformed(PPDU, "transfer-syntax-name"))?),
        None => None,
    };
    let id = r
        .read_tagged(Tag::INTEGER)
        .map_err(malformed(PPDU, "presentation-context-identifier"))?;
    let context_id = uint32(&id, PPDU, "presentation-context-identifier")?;
    let v = r
        .read()
        .map_err(malformed(PPDU, "presentation-data-values"))?;
    let value = match (v.tag.class, v.tag.number, v.tag.constructed) {
        (Class::Context, 0, true) => {
            let mut inner = reader(&v, PPDU, "single-ASN1-type")?;
            let one = inner.read().map_err(malformed(PPDU, "single-ASN1-type"))?;
            inner
                .finish()
                .map_err(malformed(PPDU, "single-ASN1-type"))?;
            PdvValue::SingleAsn1Type(one.raw)
        }
        (Class::Context, 1, _) => {
            PdvValue::OctetAligned(v.octets().map_err(malformed(PPDU, "octet-aligned"))?)
        }
        (Class::Context, 2, _) => {
            PdvValue::Arbitrary(v.bit_string().map_err(malformed(PPDU, "arbitrary"))?)
        }
        _ => {
            return Err(PresentationError::UnrecognizedParameter {
                ppdu: PPDU,
                tag: v.tag,
            })
        }
    };
    if let Some(tag) = r.peek_tag().map_err(malformed(PPDU, P))? {
        return Err(PresentationError::UnrecognizedParameter { ppdu: PPDU, tag });
    }
    Ok(Pdv {
        transfer_syntax,
        context_id,
        value,
    })
}

/// Encodes fully-encoded-data holding one PDV-list with a single-ASN1-type value:
/// `61 L 30 L 02 01 <id> A0 L <value>` (X.226 §8.4.2), in front of what `w` holds. `value`
/// is prepended once, with no intermediate copy.
pub fn encode_single_pdv(w: &mut Writer, context_id: u32, value: &[u8]) {
    let m = w.mark();
    let mv = w.mark();
    w.raw(value);
    w.wrap(mv, Tag::context(0, true));
    w.integer(Tag::INTEGER, i64::from(context_id));
    w.wrap(m, Tag::SEQUENCE);
    w.wrap(m, Tag::application(1, true));
}

/// Parses `User-data` (X.226 §8.4) that makes up all of `b` (e.g. the user data of an S-DATA,
/// S-RELEASE or S-TYPED-DATA), with the default nesting limit.
pub fn parse_user_data(b: &[u8]) -> Result<UserData<'_>, PresentationError> {
    parse_user_data_with_depth(b, DEFAULT_MAX_DEPTH)
}

/// [`parse_user_data`] entering at most `max_depth` levels of constructed values.
pub fn parse_user_data_with_depth(
    b: &[u8],
    max_depth: u16,
) -> Result<UserData<'_>, PresentationError> {
    let t = super::read_outer(b, max_depth, PPDU)?;
    user_data_from_tlv(&t)
}

/// Decodes a `User-data` CHOICE value already read.
pub(crate) fn user_data_from_tlv<'a>(t: &Tlv<'a>) -> Result<UserData<'a>, PresentationError> {
    if t.tag == Tag::application(0, false) {
        Ok(UserData::Simple(t.contents))
    } else if t.tag == Tag::application(1, true) {
        let r = reader(t, PPDU, "fully-encoded-data")?;
        Ok(UserData::Fully(FullyEncoded::from_reader(r)?))
    } else if t.tag.same_type(Tag::application(0, false))
        || t.tag.same_type(Tag::application(1, false))
    {
        Err(PresentationError::Malformed {
            ppdu: PPDU,
            parameter: "user-data",
            source: crate::ber::BerError::WrongForm(t.tag),
        })
    } else {
        Err(PresentationError::UnrecognizedPpdu {
            expected: PPDU,
            found: Some(t.tag),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ber::BerError;
    use crate::context::BER;
    use crate::vectors;

    #[test]
    fn data_vector_parses_and_encodes() {
        let ud = parse_user_data(vectors::DATA).unwrap();
        let f = ud.fully().unwrap();
        let pdv = f.single_pdv().unwrap();
        assert_eq!(pdv.context_id, 3);
        assert_eq!(pdv.transfer_syntax, None);
        assert_eq!(pdv.value, PdvValue::SingleAsn1Type(vectors::MMS_IDENTIFY));
        let mut w = Writer::new();
        encode_single_pdv(&mut w, 3, vectors::MMS_IDENTIFY);
        assert_eq!(w.as_slice(), vectors::DATA);
        assert_eq!(*f, FullyEncoded::single(3, vectors::MMS_IDENTIFY));
    }

    #[test]
    fn several_pdvs_and_every_value_form() {
        let pdvs = [
            Pdv {
                transfer_syntax: Some(BER),
                context_id: 1,
                value: PdvValue::SingleAsn1Type(&[0x05, 0x00]),
            },
            Pdv {
                transfer_syntax: None,
                context_id: 3,
                value: PdvValue::OctetAligned(b"abc"),
            },
            Pdv {
                transfer_syntax: None,
                context_id: 5,
                value: PdvValue::Arbitrary(BitString {
                    unused: 4,
                    bits: &[0xF0],
                }),
            },
        ];
        let mut w = Writer::new();
        let m = w.mark();
        for p in pdvs.iter().rev() {
            p.encode(&mut w);
        }
        w.wrap(m, Tag::application(1, true));
        let ud = parse_user_data(w.as_slice()).unwrap();
        let got: Vec<_> = ud.fully().unwrap().pdvs().map(Result::unwrap).collect();
        assert_eq!(got, pdvs);
        assert!(ud.fully().unwrap().single_pdv().is_none());
    }

    #[test]
    fn zero_length_and_bad_pdvs() {
        // Empty fully-encoded-data parses (SEQUENCE OF may be empty); the connection rejects it.
        let ud = parse_user_data(&[0x61, 0x00]).unwrap();
        assert!(ud.fully().unwrap().is_empty());
        assert_eq!(ud.fully().unwrap().pdvs().count(), 0);
        // single-ASN1-type with no value.
        let b = [0x61, 0x07, 0x30, 0x05, 0x02, 0x01, 0x03, 0xA0, 0x00];
        assert!(matches!(
            parse_user_data(&b),
            Err(PresentationError::Malformed {
                parameter: "single-ASN1-type",
                ..
            })
        ));
        // single-ASN1-type with two values.
        let b = [
            0x61, 0x0B, 0x30, 0x09, 0x02, 0x01, 0x03, 0xA0, 0x04, 0x05, 0x00, 0x05, 0x00,
        ];
        assert!(matches!(
            parse_user_data(&b),
            Err(PresentationError::Malformed {
                source: BerError::TrailingData(2),
                ..
            })
        ));
        // Unknown presentation-data-values alternative [3].
        let b = [0x61, 0x08, 0x30, 0x06, 0x02, 0x01, 0x03, 0x83, 0x01, 0x00];
        assert!(matches!(
            parse_user_data(&b),
            Err(PresentationError::UnrecognizedParameter { .. })
        ));
        // Negative context identifier.
        let b = [
            0x61, 0x09, 0x30, 0x07, 0x02, 0x01, 0xFF, 0xA0, 0x02, 0x05, 0x00,
        ];
        assert!(matches!(
            parse_user_data(&b),
            Err(PresentationError::InvalidParameterValue { .. })
        ));
        // Length beyond the input.
        assert!(parse_user_data(&[0x61, 0x84, 0x7F, 0xFF, 0xFF, 0xFF, 0x30]).is_err());
        // Simply encoded.
        assert_eq!(
            parse_user_data(&[0x40, 0x02, 0x01, 0x02]).unwrap(),
            UserData::Simple(&[1, 2])
        );
        // Constructed simply-encoded-data is refused; an unknown tag is unrecognized.
        assert!(parse_user_data(&[0x60, 0x00]).is_err());
        assert!(matches!(
            parse_user_data(&[0x30, 0x00]),
            Err(PresentationError::UnrecognizedPpdu { .. })
        ));
    }

    #[test]
    fn truncations_are_errors() {
        for n in 0..vectors::DATA.len() {
            assert!(parse_user_data(&vectors::DATA[..n]).is_err(), "prefix {n}");
        }
    }
}
