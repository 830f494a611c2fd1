//! EXTERNAL (X.680 §37 / X.690 §8.18, the 1990 form ACSE-1 uses) and ACSE user-information
//! (X.227 §9 `Association-data ::= SEQUENCE OF EXTERNAL`, field \[30\]; docs/facts.md F-608).

use std::borrow::Cow;

use copp::ber::{Oid, Reader, Tag, Tlv, Writer};

use super::error::{in_field, AcseError};
use super::fields::{constructed, explicit, own, own_oid};

/// ObjectDescriptor (UNIVERSAL 7), the type of data-value-descriptor.
const OBJECT_DESCRIPTOR: Tag = Tag::universal(7, false);

/// One EXTERNAL value (X.690 §8.18): a value of another abstract syntax, identified by a
/// direct reference (a transfer or abstract syntax OID) and/or an indirect reference (a
/// presentation context identifier, ISO 8823-1 §8.4).
///
/// ACSE carries the application's association data in these (AARQ/AARE/RLRQ/RLRE/ABRT
/// user-information) and the `external` alternative of Authentication-value is one.
/// libIEC61850 sends `28 L 02 01 03 A0 L <MMS PDU>` (indirect reference only).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct External<'a> {
    /// direct-reference: an OBJECT IDENTIFIER (hat-drivers sends 2.1.1, the BER transfer syntax).
    pub direct_reference: Option<Oid<'a>>,
    /// indirect-reference: the presentation context identifier of the value's abstract syntax.
    pub indirect_reference: Option<i64>,
    /// data-value-descriptor: an ObjectDescriptor (GraphicString) describing the value, contents octets.
    pub data_value_descriptor: Option<Cow<'a, [u8]>>,
    /// The value.
    pub encoding: ExternalEncoding<'a>,
}

/// The encoding CHOICE of EXTERNAL (X.690 §8.18.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ExternalEncoding<'a> {
    /// single-ASN1-type \[0\]: one BER-encoded value (its identifier, length and contents
    /// octets, exactly as inside the `A0` tag). For MMS, the encoded MMSpdu.
    SingleAsn1Type(Cow<'a, [u8]>),
    /// octet-aligned \[1\] IMPLICIT OCTET STRING: the value's encoding as an octet string.
    OctetAligned(Cow<'a, [u8]>),
    /// arbitrary \[2\] IMPLICIT BIT STRING: the value's encoding as a bit string.
    Arbitrary {
        /// Unused bits in the last octet (0..=7).
        unused: u8,
        /// The octets holding the bits.
        bits: Cow<'a, [u8]>,
    },
}

impl<'a> External<'a> {
    /// An EXTERNAL with only an indirect reference and a single-ASN1-type value: what
    /// libIEC61850 and most peers put in ACSE user-information. `value` must be one complete
    /// BER value.
    pub fn single(context_id: i64, value: Cow<'a, [u8]>) -> External<'a> {
        External {
            direct_reference: None,
            indirect_reference: Some(context_id),
            data_value_descriptor: None,
            encoding: ExternalEncoding::SingleAsn1Type(value),
        }
    }

    /// The single-ASN1-type value, if that is the encoding used.
    pub fn single_value(&self) -> Option<&[u8]> {
        match &self.encoding {
            ExternalEncoding::SingleAsn1Type(v) => Some(v),
            _ => None,
        }
    }

    /// Decodes an EXTERNAL from the components of `tlv` (`28 L ...`, or the IMPLICIT
    /// `\[2\]` of Authentication-value).
    pub(crate) fn decode(
        tlv: Tlv<'a>,
        apdu: &'static str,
        field: &'static str,
    ) -> Result<External<'a>, AcseError> {
        let err = in_field(apdu, field);
        let mut r: Reader<'a> = constructed(tlv, apdu, field)?.reader()?;
        let direct_reference = match r.read_if(Tag::OID)? {
            Some(t) => Some(t.oid().map_err(&err)?),
            None => None,
        };
        let indirect_reference = match r.read_if(Tag::INTEGER)? {
            Some(t) => Some(t.integer().map_err(&err)?),
            None => None,
        };
        let data_value_descriptor = match r.read_if(OBJECT_DESCRIPTOR)? {
            Some(t) => Some(Cow::Borrowed(t.octets().map_err(&err)?)),
            None => None,
        };
        let enc = r.read_optional()?.ok_or(AcseError::Missing {
            apdu,
            field: "EXTERNAL encoding",
        })?;
        let encoding = match enc.tag {
            t if t == Tag::context(0, true) => {
                ExternalEncoding::SingleAsn1Type(Cow::Borrowed(explicit(&enc, apdu, field)?.raw))
            }
            t if t == Tag::context(1, false) => {
                ExternalEncoding::OctetAligned(Cow::Borrowed(enc.octets().map_err(&err)?))
            }
            t if t == Tag::context(2, false) => {
                let bs = enc.bit_string().map_err(&err)?;
                ExternalEncoding::Arbitrary {
                    unused: bs.unused,
                    bits: Cow::Borrowed(bs.bits),
                }
            }
            tag => return Err(AcseError::UnexpectedTag { apdu, field, tag }),
        };
        if let Some(tag) = r.peek_tag()? {
            return Err(AcseError::UnexpectedTag { apdu, field, tag });
        }
        Ok(External {
            direct_reference,
            indirect_reference,
            data_value_descriptor,
            encoding,
        })
    }

    /// Prepends the EXTERNAL's components and wraps them in `tag` (`28` in user-information,
    /// `A2` in Authentication-value).
    pub(crate) fn encode_as(&self, w: &mut Writer, tag: Tag) {
        let mark = w.mark();
        match &self.encoding {
            ExternalEncoding::SingleAsn1Type(v) => {
                let m = w.mark();
                w.raw(v);
                w.wrap(m, Tag::context(0, true));
            }
            ExternalEncoding::OctetAligned(v) => w.octets(Tag::context(1, false), v),
            ExternalEncoding::Arbitrary { unused, bits } => {
                w.bit_string(Tag::context(2, false), *unused, bits)
            }
        }
        if let Some(d) = &self.data_value_descriptor {
            w.octets(OBJECT_DESCRIPTOR, d);
        }
        if let Some(i) = self.indirect_reference {
            w.integer(Tag::INTEGER, i);
        }
        if let Some(o) = &self.direct_reference {
            w.oid(Tag::OID, o);
        }
        w.wrap(mark, tag);
    }

    /// Prepends the EXTERNAL (`28 L ...`).
    pub fn encode(&self, w: &mut Writer) {
        self.encode_as(w, Tag::EXTERNAL);
    }

    /// A copy that borrows nothing.
    pub fn into_owned(self) -> External<'static> {
        External {
            direct_reference: self.direct_reference.map(own_oid),
            indirect_reference: self.indirect_reference,
            data_value_descriptor: self.data_value_descriptor.map(own),
            encoding: match self.encoding {
                ExternalEncoding::SingleAsn1Type(v) => ExternalEncoding::SingleAsn1Type(own(v)),
                ExternalEncoding::OctetAligned(v) => ExternalEncoding::OctetAligned(own(v)),
                ExternalEncoding::Arbitrary { unused, bits } => ExternalEncoding::Arbitrary {
                    unused,
                    bits: own(bits),
                },
            },
        }
    }
}

/// Decodes user-information `\[30\] IMPLICIT SEQUENCE OF EXTERNAL`, at most `max` EXTERNALs.
/// An empty `BE 00` gives an empty list (the same as an absent field).
pub(crate) fn decode_user_information<'a>(
    tlv: Tlv<'a>,
    max: usize,
    apdu: &'static str,
) -> Result<Vec<External<'a>>, AcseError> {
    const FIELD: &str = "user-information";
    let mut r = constructed(tlv, apdu, FIELD)?.reader()?;
    let mut out = Vec::new();
    while let Some(t) = r.read_optional()? {
        if t.tag != Tag::EXTERNAL {
            return Err(AcseError::UnexpectedTag {
                apdu,
                field: FIELD,
                tag: t.tag,
            });
        }
        if out.len() >= max {
            return Err(AcseError::TooManyElements {
                apdu,
                field: FIELD,
                max,
            });
        }
        out.push(External::decode(t, apdu, FIELD)?);
    }
    Ok(out)
}

/// Prepends user-information `\[30\]` (`BE L 28 ...`), or nothing for an empty list.
pub(crate) fn encode_user_information(w: &mut Writer, list: &[External<'_>]) {
    if list.is_empty() {
        return;
    }
    let mark = w.mark();
    for e in list.iter().rev() {
        e.encode(w);
    }
    w.wrap(mark, Tag::context(30, true));
}

/// Owned copies of a list of EXTERNALs.
pub(crate) fn own_list(list: Vec<External<'_>>) -> Vec<External<'static>> {
    list.into_iter().map(External::into_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use copp::ber::oid_from_str;

    fn dec(b: &[u8]) -> Result<External<'_>, AcseError> {
        External::decode(Reader::new(b).read().unwrap(), "AARQ", "user-information")
    }

    fn enc(e: &External<'_>) -> Vec<u8> {
        let mut w = Writer::new();
        e.encode(&mut w);
        w.into_vec()
    }

    #[test]
    fn indirect_reference_only_like_libiec61850() {
        // 28 07 02 01 03 A0 02 05 00: context 3, single-ASN1-type NULL.
        let b = [0x28, 0x07, 0x02, 0x01, 0x03, 0xA0, 0x02, 0x05, 0x00];
        let e = dec(&b).unwrap();
        assert_eq!(e, External::single(3, Cow::Borrowed(&[0x05, 0x00])));
        assert_eq!(e.single_value(), Some(&[0x05, 0x00][..]));
        assert_eq!(enc(&e), b);
    }

    #[test]
    fn direct_and_indirect_reference_like_hat_drivers() {
        // 28 0B 06 02 51 01 02 01 03 A0 02 05 00
        let b = [
            0x28, 0x0B, 0x06, 0x02, 0x51, 0x01, 0x02, 0x01, 0x03, 0xA0, 0x02, 0x05, 0x00,
        ];
        let e = dec(&b).unwrap();
        assert_eq!(e.direct_reference, Some(oid_from_str("2.1.1").unwrap()));
        assert_eq!(e.indirect_reference, Some(3));
        assert_eq!(enc(&e), b);
    }

    #[test]
    fn direct_reference_only_descriptor_and_other_encodings() {
        // direct reference, descriptor "d", octet-aligned 01 02
        let b = [
            0x28, 0x0B, 0x06, 0x02, 0x51, 0x01, 0x07, 0x01, b'd', 0x81, 0x02, 0x01, 0x02,
        ];
        let e = dec(&b).unwrap();
        assert_eq!(e.indirect_reference, None);
        assert_eq!(e.data_value_descriptor.as_deref(), Some(&b"d"[..]));
        assert_eq!(
            e.encoding,
            ExternalEncoding::OctetAligned(Cow::Borrowed(&[1, 2]))
        );
        assert_eq!(enc(&e), b);
        // No references at all, arbitrary bits (SISCO-style EXTERNAL has no references).
        let b = [0x28, 0x04, 0x82, 0x02, 0x04, 0xF0];
        let e = dec(&b).unwrap();
        assert_eq!(
            e.encoding,
            ExternalEncoding::Arbitrary {
                unused: 4,
                bits: Cow::Borrowed(&[0xF0])
            }
        );
        assert_eq!(enc(&e), b);
    }

    #[test]
    fn malformed_externals_are_refused() {
        // No encoding.
        assert!(matches!(
            dec(&[0x28, 0x03, 0x02, 0x01, 0x03]),
            Err(AcseError::Missing { .. })
        ));
        // Unknown encoding tag [3].
        assert!(matches!(
            dec(&[0x28, 0x02, 0x83, 0x00]),
            Err(AcseError::UnexpectedTag { .. })
        ));
        // Something after the encoding.
        assert!(matches!(
            dec(&[0x28, 0x05, 0x81, 0x00, 0x02, 0x01, 0x03]),
            Err(AcseError::UnexpectedTag { .. })
        ));
        // single-ASN1-type with two values, and empty.
        assert!(matches!(
            dec(&[0x28, 0x06, 0xA0, 0x04, 0x05, 0x00, 0x05, 0x00]),
            Err(AcseError::InvalidValue { .. })
        ));
        assert!(matches!(
            dec(&[0x28, 0x02, 0xA0, 0x00]),
            Err(AcseError::InvalidValue { .. })
        ));
        // Primitive EXTERNAL.
        assert!(matches!(
            External::decode(Reader::new(&[0x08, 0x00]).read().unwrap(), "AARQ", "x"),
            Err(AcseError::UnexpectedTag { .. })
        ));
    }

    #[test]
    fn user_information_list_limits() {
        let one = [0x28, 0x04, 0x81, 0x02, 0x01, 0x02];
        let mut b = vec![0xBE, 12];
        b.extend_from_slice(&one);
        b.extend_from_slice(&one);
        let t = Reader::new(&b).read().unwrap();
        assert_eq!(decode_user_information(t, 2, "AARQ").unwrap().len(), 2);
        assert!(matches!(
            decode_user_information(t, 1, "AARQ"),
            Err(AcseError::TooManyElements { max: 1, .. })
        ));
        // Empty list.
        let t = Reader::new(&[0xBE, 0x00]).read().unwrap();
        assert!(decode_user_information(t, 2, "AARQ").unwrap().is_empty());
        // Not an EXTERNAL inside.
        let t = Reader::new(&[0xBE, 0x02, 0x05, 0x00]).read().unwrap();
        assert!(matches!(
            decode_user_information(t, 2, "AARQ"),
            Err(AcseError::UnexpectedTag { .. })
        ));
    }
}
