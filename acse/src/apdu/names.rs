//! Application-entity naming in ACSE (X.227 §9 `AP-title`, `AE-qualifier`; X.650 / ISO 7498-3
//! application-entity titles; docs/facts.md F-609).

use std::borrow::Cow;

use copp::ber::{Oid, Tag, Tlv, Writer};

use super::error::{in_field, AcseError};
use super::fields::{explicit, own, own_oid};

/// PrintableString (UNIVERSAL 19), used by AP-title-form3 and ASO-qualifier-form3.
const PRINTABLE_STRING: Tag = Tag::universal(19, false);

/// AP-title (X.227 §9): the title of the application process, carried EXPLICIT in the
/// called/calling/responding-AP-title fields.
///
/// IEC 61850 / ICCP practice uses form 2 (an OBJECT IDENTIFIER, e.g. libIEC61850's 1.1.1.999.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ApTitle<'a> {
    /// ap-title-form1: a Directory Name (X.501 RDNSequence). Holds the whole encoded Name
    /// (`30 L ...`), kept as received; when building one, it must be one complete BER value.
    Form1(Cow<'a, [u8]>),
    /// ap-title-form2: an OBJECT IDENTIFIER.
    Form2(Oid<'a>),
    /// ap-title-form3 (X.227bis, after the extension marker): a PrintableString, its contents
    /// octets.
    Form3(Cow<'a, [u8]>),
}

impl<'a> ApTitle<'a> {
    /// Decodes the AP-title inside an EXPLICIT field tag.
    pub(crate) fn decode(
        field_tlv: &Tlv<'a>,
        apdu: &'static str,
        field: &'static str,
    ) -> Result<ApTitle<'a>, AcseError> {
        let inner = explicit(field_tlv, apdu, field)?;
        let err = in_field(apdu, field);
        match inner.tag {
            Tag::SEQUENCE => Ok(ApTitle::Form1(Cow::Borrowed(inner.raw))),
            Tag::OID => Ok(ApTitle::Form2(inner.oid().map_err(err)?)),
            PRINTABLE_STRING => Ok(ApTitle::Form3(Cow::Borrowed(inner.octets().map_err(err)?))),
            tag => Err(AcseError::UnexpectedTag { apdu, field, tag }),
        }
    }

    /// Prepends the AP-title inside the EXPLICIT field tag `[n]`.
    pub(crate) fn encode(&self, w: &mut Writer, n: u32) {
        let mark = w.mark();
        match self {
            ApTitle::Form1(raw) => w.raw(raw),
            ApTitle::Form2(oid) => w.oid(Tag::OID, oid),
            ApTitle::Form3(s) => w.octets(PRINTABLE_STRING, s),
        }
        w.wrap(mark, Tag::context(n, true));
    }

    /// The OBJECT IDENTIFIER of a form 2 title.
    pub fn oid(&self) -> Option<&Oid<'a>> {
        match self {
            ApTitle::Form2(o) => Some(o),
            _ => None,
        }
    }

    /// A copy that borrows nothing.
    pub fn into_owned(self) -> ApTitle<'static> {
        match self {
            ApTitle::Form1(c) => ApTitle::Form1(own(c)),
            ApTitle::Form2(o) => ApTitle::Form2(own_oid(o)),
            ApTitle::Form3(c) => ApTitle::Form3(own(c)),
        }
    }
}

/// AE-qualifier (X.227 §9 `AE-qualifier ::= ASO-qualifier`), carried EXPLICIT in the
/// called/calling/responding-AE-qualifier fields. IEC 61850 practice uses form 2 (an INTEGER,
/// e.g. 12).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AeQualifier<'a> {
    /// aso-qualifier-form1: a RelativeDistinguishedName (X.501). Holds the whole encoded SET
    /// (`31 L ...`), kept as received.
    Form1(Cow<'a, [u8]>),
    /// aso-qualifier-form2: an INTEGER.
    Form2(i64),
    /// aso-qualifier-form3 (X.227bis): a PrintableString, its contents octets.
    Form3(Cow<'a, [u8]>),
    /// aso-qualifier-form-any-octets: an OCTET STRING, used by systems from the days when the
    /// qualifier was an ANY.
    Octets(Cow<'a, [u8]>),
}

impl<'a> AeQualifier<'a> {
    /// Decodes the AE-qualifier inside an EXPLICIT field tag.
    pub(crate) fn decode(
        field_tlv: &Tlv<'a>,
        apdu: &'static str,
        field: &'static str,
    ) -> Result<AeQualifier<'a>, AcseError> {
        let inner = explicit(field_tlv, apdu, field)?;
        let err = in_field(apdu, field);
        match inner.tag {
            Tag::SET => Ok(AeQualifier::Form1(Cow::Borrowed(inner.raw))),
            Tag::INTEGER => Ok(AeQualifier::Form2(inner.integer().map_err(err)?)),
            PRINTABLE_STRING => Ok(AeQualifier::Form3(Cow::Borrowed(
                inner.octets().map_err(err)?,
            ))),
            Tag::OCTET_STRING => Ok(AeQualifier::Octets(Cow::Borrowed(
                inner.octets().map_err(err)?,
            ))),
            tag => Err(AcseError::UnexpectedTag { apdu, field, tag }),
        }
    }

    /// Prepends the AE-qualifier inside the EXPLICIT field tag `[n]`.
    pub(crate) fn encode(&self, w: &mut Writer, n: u32) {
        let mark = w.mark();
        match self {
            AeQualifier::Form1(raw) => w.raw(raw),
            AeQualifier::Form2(v) => w.integer(Tag::INTEGER, *v),
            AeQualifier::Form3(s) => w.octets(PRINTABLE_STRING, s),
            AeQualifier::Octets(s) => w.octets(Tag::OCTET_STRING, s),
        }
        w.wrap(mark, Tag::context(n, true));
    }

    /// The INTEGER of a form 2 qualifier.
    pub fn form2(&self) -> Option<i64> {
        match self {
            AeQualifier::Form2(v) => Some(*v),
            _ => None,
        }
    }

    /// A copy that borrows nothing.
    pub fn into_owned(self) -> AeQualifier<'static> {
        match self {
            AeQualifier::Form1(c) => AeQualifier::Form1(own(c)),
            AeQualifier::Form2(v) => AeQualifier::Form2(v),
            AeQualifier::Form3(c) => AeQualifier::Form3(own(c)),
            AeQualifier::Octets(c) => AeQualifier::Octets(own(c)),
        }
    }
}

/// AE-title-form2 (X.227 §9, X.665 / ISO 9834-6): the AP-title OBJECT IDENTIFIER with the
/// AE-qualifier INTEGER appended as a last arc, e.g. 1.1.1.999.1 and 12 give 1.1.1.999.1.12.
///
/// IEC 62351-4 binds a certificate to this value (docs/facts.md F-1164, I-08). `None` unless
/// both are form 2, the qualifier is not negative and every arc fits 64 bits.
pub fn ae_title_form2(
    ap_title: &ApTitle<'_>,
    ae_qualifier: &AeQualifier<'_>,
) -> Option<Oid<'static>> {
    let oid = ap_title.oid()?;
    let q = u64::try_from(ae_qualifier.form2()?).ok()?;
    let mut arcs: Vec<u64> = oid.iter()?.collect();
    arcs.push(q);
    Oid::from(&arcs).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use copp::ber::{oid_from_str, Reader};

    fn decode_ap(bytes: &[u8]) -> Result<ApTitle<'_>, AcseError> {
        let t = Reader::new(bytes).read().unwrap();
        ApTitle::decode(&t, "AARQ", "calling-AP-title")
    }

    #[test]
    fn ap_title_forms() {
        // Form 2, libIEC61850's 1.1.1.999.1: A6 07 06 05 29 01 87 67 01.
        let f2 = [0xA6, 0x07, 0x06, 0x05, 0x29, 0x01, 0x87, 0x67, 0x01];
        let t = decode_ap(&f2).unwrap();
        assert_eq!(t.oid().unwrap().to_id_string(), "1.1.1.999.1");
        let mut w = Writer::new();
        t.encode(&mut w, 6);
        assert_eq!(w.as_slice(), &f2);

        // Form 1: a Name with one RDN { commonName "ab" }, kept raw.
        let name = [
            0x30, 0x0D, 0x31, 0x0B, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x03, 0x13, 0x02, b'a',
            b'b',
        ];
        let mut f1 = vec![0xA2, name.len() as u8];
        f1.extend_from_slice(&name);
        let t = decode_ap(&f1).unwrap();
        assert_eq!(t, ApTitle::Form1(Cow::Borrowed(&name[..])));
        let mut w = Writer::new();
        t.encode(&mut w, 2);
        assert_eq!(w.as_slice(), &f1[..]);

        // Form 3.
        let f3 = [0xA2, 0x04, 0x13, 0x02, b'X', b'Y'];
        assert_eq!(
            decode_ap(&f3).unwrap(),
            ApTitle::Form3(Cow::Borrowed(b"XY"))
        );

        // Anything else, and an empty explicit tag, are refused.
        assert!(matches!(
            decode_ap(&[0xA2, 0x03, 0x02, 0x01, 0x05]),
            Err(AcseError::UnexpectedTag { .. })
        ));
        assert!(matches!(
            decode_ap(&[0xA2, 0x00]),
            Err(AcseError::InvalidValue { .. })
        ));
        // Two values inside the explicit tag.
        assert!(matches!(
            decode_ap(&[0xA2, 0x06, 0x06, 0x01, 0x29, 0x06, 0x01, 0x29]),
            Err(AcseError::InvalidValue { .. })
        ));
    }

    #[test]
    fn ae_qualifier_forms() {
        let dec = |b: &'static [u8]| {
            let t = Reader::new(b).read().unwrap();
            AeQualifier::decode(&t, "AARQ", "calling-AE-qualifier")
        };
        assert_eq!(
            dec(&[0xA7, 0x03, 0x02, 0x01, 0x0C]).unwrap(),
            AeQualifier::Form2(12)
        );
        assert_eq!(
            dec(&[0xA7, 0x04, 0x04, 0x02, 0x01, 0x02]).unwrap(),
            AeQualifier::Octets(Cow::Borrowed(&[1, 2]))
        );
        assert_eq!(
            dec(&[0xA7, 0x03, 0x13, 0x01, b'Q']).unwrap(),
            AeQualifier::Form3(Cow::Borrowed(b"Q"))
        );
        assert_eq!(
            dec(&[0xA7, 0x02, 0x31, 0x00]).unwrap(),
            AeQualifier::Form1(Cow::Borrowed(&[0x31, 0x00]))
        );
        assert!(matches!(
            dec(&[0xA7, 0x02, 0x05, 0x00]),
            Err(AcseError::UnexpectedTag { .. })
        ));
        let mut w = Writer::new();
        AeQualifier::Form2(12).encode(&mut w, 7);
        assert_eq!(w.as_slice(), &[0xA7, 0x03, 0x02, 0x01, 0x0C]);
    }

    #[test]
    fn ae_title_form2_appends_the_qualifier() {
        let ap = ApTitle::Form2(oid_from_str("1.1.1.999.1").unwrap());
        let t = ae_title_form2(&ap, &AeQualifier::Form2(12)).unwrap();
        assert_eq!(t.to_id_string(), "1.1.1.999.1.12");
        assert!(ae_title_form2(&ap, &AeQualifier::Form2(-1)).is_none());
        assert!(
            ae_title_form2(&ApTitle::Form3(Cow::Borrowed(b"x")), &AeQualifier::Form2(1)).is_none()
        );
    }
}
