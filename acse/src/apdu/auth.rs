//! The authentication functional unit's fields (X.227 §9: `ACSE-requirements`,
//! `Authentication-value`) and the `protocol-version` BIT STRING (docs/facts.md F-606, F-607).

use std::borrow::Cow;
use std::fmt;

use copp::ber::{BitString, Oid, Tag, Tlv, Writer};

use super::error::{in_field, invalid, AcseError};
use super::external::External;
use super::fields::{constructed, explicit, own, own_oid};

/// A short named-bit BIT STRING (at most 32 bits), kept exactly as received so that a
/// re-encoding gives the same octets (including unused bits a lenient peer set).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
struct Bits {
    octets: [u8; 4],
    len: u8,
    unused: u8,
}

impl Bits {
    fn from_ber(bs: BitString<'_>) -> Option<Bits> {
        let mut octets = [0u8; 4];
        octets.get_mut(..bs.bits.len())?.copy_from_slice(bs.bits);
        Some(Bits {
            octets,
            len: u8::try_from(bs.bits.len()).ok()?,
            unused: bs.unused,
        })
    }

    fn bit_len(&self) -> usize {
        usize::from(self.len) * 8 - usize::from(self.unused)
    }

    fn bit(&self, n: usize) -> bool {
        n < self.bit_len()
            && self
                .octets
                .get(n / 8)
                .is_some_and(|o| o & (0x80 >> (n % 8)) != 0)
    }

    fn set(&mut self, n: usize, v: bool) {
        if n >= 32 {
            return;
        }
        if n >= self.bit_len() {
            if !v {
                return;
            }
            let bits = n + 1;
            // n < 32, so these fit a u8.
            self.len = bits.div_ceil(8) as u8;
            self.unused = (usize::from(self.len) * 8 - bits) as u8;
        }
        if let Some(o) = self.octets.get_mut(n / 8) {
            if v {
                *o |= 0x80 >> (n % 8);
            } else {
                *o &= !(0x80 >> (n % 8));
            }
        }
    }

    fn encode(&self, w: &mut Writer, tag: Tag) {
        let octets = self.octets.get(..usize::from(self.len)).unwrap_or(&[]);
        w.bit_string(tag, self.unused, octets);
    }
}

impl fmt::Debug for Bits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("'")?;
        for n in 0..self.bit_len() {
            f.write_str(if self.bit(n) { "1" } else { "0" })?;
        }
        f.write_str("'B")
    }
}

/// ACSE-requirements (X.227 §9): the functional units the sender selects, in
/// sender-acse-requirements (AARQ \[10\], `8A`) and responder-acse-requirements (AARE \[8\], `88`).
///
/// Decoding is tolerant: libIEC61850 sends `8A 02 04 80` (4 bits), SISCO `8A 02 07 80` (1 bit),
/// and SISCO notes that some stacks set the low bit `0x01` of the first octet instead of bit 0
/// (docs/facts.md F-908); [`AcseRequirements::authentication`] reads all of these as
/// authentication. The octets received are kept, so a re-encoding is identical. Values longer
/// than 32 bits are refused ([`AcseError::InvalidValue`]): ACSE-1 names four bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct AcseRequirements(Bits);

impl AcseRequirements {
    /// Bit number of `authentication`.
    pub const AUTHENTICATION: usize = 0;
    /// Bit number of `aSO-context-negotiation`.
    pub const ASO_CONTEXT_NEGOTIATION: usize = 1;
    /// Bit number of `higher-level-association`.
    pub const HIGHER_LEVEL_ASSOCIATION: usize = 2;
    /// Bit number of `nested-association`.
    pub const NESTED_ASSOCIATION: usize = 3;

    /// No functional unit selected (an empty BIT STRING, `03 01 00` in its field tag).
    pub fn new() -> AcseRequirements {
        AcseRequirements::default()
    }

    /// Only the authentication functional unit: encodes as `07 80` (one bit, X.690 §11.2.2
    /// minimal form).
    pub fn with_authentication() -> AcseRequirements {
        let mut r = AcseRequirements::new();
        r.set_authentication(true);
        r
    }

    /// True when the authentication functional unit is selected: bit 0, or (tolerated) the
    /// low bit of the first octet.
    pub fn authentication(&self) -> bool {
        self.0.bit(Self::AUTHENTICATION) || (self.0.len > 0 && self.0.octets[0] & 0x01 != 0)
    }

    /// Selects or deselects the authentication functional unit (bit 0).
    pub fn set_authentication(&mut self, on: bool) {
        self.0.set(Self::AUTHENTICATION, on);
        if !on && self.0.len > 0 {
            // Also clear the tolerated low-bit form, so `authentication()` is false.
            self.0.octets[0] &= !0x01;
        }
    }

    /// True when the aSO-context-negotiation functional unit is selected.
    pub fn aso_context_negotiation(&self) -> bool {
        self.0.bit(Self::ASO_CONTEXT_NEGOTIATION)
    }

    /// Bit `n` (0 = authentication).
    pub fn bit(&self, n: usize) -> bool {
        self.0.bit(n)
    }

    /// Sets bit `n` (below 32; others are ignored), lengthening the string as needed.
    pub fn set_bit(&mut self, n: usize, on: bool) {
        self.0.set(n, on);
    }

    pub(crate) fn decode(
        tlv: Tlv<'_>,
        apdu: &'static str,
        field: &'static str,
    ) -> Result<Self, AcseError> {
        let bs = super::fields::implicit_bits(tlv, apdu, field)?;
        Bits::from_ber(bs)
            .map(AcseRequirements)
            .ok_or(invalid(apdu, field))
    }

    pub(crate) fn encode(&self, w: &mut Writer, n: u32) {
        self.0.encode(w, Tag::context(n, false));
    }
}

/// protocol-version (X.227 §9, AARQ/AARE \[0\] `8x`): BIT STRING {version1(0)}, DEFAULT
/// {version1}. Absent means version 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProtocolVersion(Bits);

impl ProtocolVersion {
    /// {version1}: `80 02 07 80`.
    pub fn version1() -> ProtocolVersion {
        let mut b = Bits::default();
        b.set(0, true);
        ProtocolVersion(b)
    }

    /// True when version 1 (bit 0) is offered.
    pub fn has_version1(&self) -> bool {
        self.0.bit(0)
    }

    /// Bit `n`.
    pub fn bit(&self, n: usize) -> bool {
        self.0.bit(n)
    }

    /// Sets bit `n` (below 32).
    pub fn set_bit(&mut self, n: usize, on: bool) {
        self.0.set(n, on);
    }

    pub(crate) fn decode(tlv: Tlv<'_>, apdu: &'static str) -> Result<Self, AcseError> {
        let bs = super::fields::implicit_bits(tlv, apdu, "protocol-version")?;
        Bits::from_ber(bs)
            .map(ProtocolVersion)
            .ok_or(invalid(apdu, "protocol-version"))
    }

    pub(crate) fn encode(&self, w: &mut Writer) {
        self.0.encode(w, Tag::context(0, false));
    }
}

/// Authentication-value (X.227 §9), carried EXPLICIT in calling-authentication-value (AARQ
/// \[12\], `AC`) and responding-authentication-value (AARE \[10\], `AA`).
///
/// ACSE password authentication (mechanism 2.2.3.1) uses `CharString`; the IEC 62351-4
/// A-security-profile uses `External` (with or without an indirect reference, docs/facts.md
/// F-905, F-907).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AuthenticationValue<'a> {
    /// charstring \[0\] IMPLICIT GraphicString (`80 L ...`): its contents octets.
    CharString(Cow<'a, [u8]>),
    /// bitstring \[1\] IMPLICIT BIT STRING (`81 L u ...`).
    BitString {
        /// Unused bits in the last octet (0..=7).
        unused: u8,
        /// The octets holding the bits.
        bits: Cow<'a, [u8]>,
    },
    /// external \[2\] IMPLICIT EXTERNAL (`A2 L ...`).
    External(External<'a>),
    /// other \[3\] IMPLICIT SEQUENCE { other-mechanism-name, other-mechanism-value ANY }
    /// (`A3 L 06 L oid <value>`).
    Other {
        /// other-mechanism-name.
        mechanism: Oid<'a>,
        /// other-mechanism-value: one complete BER value, exactly as received.
        value: Cow<'a, [u8]>,
    },
}

impl<'a> AuthenticationValue<'a> {
    /// Decodes the value inside the EXPLICIT field tag.
    pub(crate) fn decode(
        field_tlv: &Tlv<'a>,
        apdu: &'static str,
        field: &'static str,
    ) -> Result<AuthenticationValue<'a>, AcseError> {
        let inner = explicit(field_tlv, apdu, field)?;
        let err = in_field(apdu, field);
        match inner.tag {
            t if t == Tag::context(0, false) => Ok(AuthenticationValue::CharString(Cow::Borrowed(
                inner.octets().map_err(err)?,
            ))),
            t if t == Tag::context(1, false) => {
                let bs = inner.bit_string().map_err(err)?;
                Ok(AuthenticationValue::BitString {
                    unused: bs.unused,
                    bits: Cow::Borrowed(bs.bits),
                })
            }
            t if t == Tag::context(2, true) => Ok(AuthenticationValue::External(External::decode(
                inner, apdu, field,
            )?)),
            t if t == Tag::context(3, true) => {
                let mut r = constructed(inner, apdu, field)?.reader()?;
                let mechanism = r
                    .read()?
                    .expect(Tag::OID)
                    .and_then(|t| t.oid())
                    .map_err(&err)?;
                let value = r.read_optional()?.ok_or(AcseError::Missing {
                    apdu,
                    field: "other-mechanism-value",
                })?;
                r.finish().map_err(|_| invalid(apdu, field))?;
                Ok(AuthenticationValue::Other {
                    mechanism,
                    value: Cow::Borrowed(value.raw),
                })
            }
            tag => Err(AcseError::UnexpectedTag { apdu, field, tag }),
        }
    }

    /// Prepends the value inside the EXPLICIT field tag `[n]`.
    pub(crate) fn encode(&self, w: &mut Writer, n: u32) {
        let mark = w.mark();
        match self {
            AuthenticationValue::CharString(s) => w.octets(Tag::context(0, false), s),
            AuthenticationValue::BitString { unused, bits } => {
                w.bit_string(Tag::context(1, false), *unused, bits)
            }
            AuthenticationValue::External(e) => e.encode_as(w, Tag::context(2, true)),
            AuthenticationValue::Other { mechanism, value } => {
                let m = w.mark();
                w.raw(value);
                w.oid(Tag::OID, mechanism);
                w.wrap(m, Tag::context(3, true));
            }
        }
        w.wrap(mark, Tag::context(n, true));
    }

    /// A copy that borrows nothing.
    pub fn into_owned(self) -> AuthenticationValue<'static> {
        match self {
            AuthenticationValue::CharString(s) => AuthenticationValue::CharString(own(s)),
            AuthenticationValue::BitString { unused, bits } => AuthenticationValue::BitString {
                unused,
                bits: own(bits),
            },
            AuthenticationValue::External(e) => AuthenticationValue::External(e.into_owned()),
            AuthenticationValue::Other { mechanism, value } => AuthenticationValue::Other {
                mechanism: own_oid(mechanism),
                value: own(value),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use copp::ber::{oid_from_str, Reader};

    fn req(b: &[u8]) -> AcseRequirements {
        AcseRequirements::decode(
            Reader::new(b).read().unwrap(),
            "AARQ",
            "sender-acse-requirements",
        )
        .unwrap()
    }

    fn enc_req(r: &AcseRequirements) -> Vec<u8> {
        let mut w = Writer::new();
        r.encode(&mut w, 10);
        w.into_vec()
    }

    #[test]
    fn acse_requirements_tolerant_decode() {
        // libIEC61850 and SISCO forms, and the low-bit form of F-908.
        for b in [
            &[0x8A, 0x02, 0x04, 0x80][..],
            &[0x8A, 0x02, 0x07, 0x80],
            &[0x8A, 0x02, 0x00, 0x01],
            &[0x8A, 0x02, 0x07, 0x01],
        ] {
            let r = req(b);
            assert!(r.authentication(), "{b:02X?}");
            assert_eq!(enc_req(&r), b, "re-encoding must keep the octets");
        }
        let none = req(&[0x8A, 0x02, 0x04, 0x40]);
        assert!(!none.authentication());
        assert!(none.aso_context_negotiation());
        assert!(!req(&[0x8A, 0x01, 0x00]).authentication());
        // Longer than 32 bits.
        let long = [0x8A, 0x06, 0x00, 0x80, 0, 0, 0, 0];
        assert!(matches!(
            AcseRequirements::decode(Reader::new(&long).read().unwrap(), "AARQ", "x"),
            Err(AcseError::InvalidValue { .. })
        ));
        // Constructed form refused.
        assert!(matches!(
            AcseRequirements::decode(Reader::new(&[0xAA, 0x00]).read().unwrap(), "AARQ", "x"),
            Err(AcseError::UnexpectedTag { .. })
        ));
    }

    #[test]
    fn acse_requirements_build() {
        let mut r = AcseRequirements::with_authentication();
        assert_eq!(enc_req(&r), [0x8A, 0x02, 0x07, 0x80]);
        r.set_bit(AcseRequirements::NESTED_ASSOCIATION, true);
        assert_eq!(enc_req(&r), [0x8A, 0x02, 0x04, 0x90]);
        r.set_authentication(false);
        assert!(!r.authentication());
        assert_eq!(enc_req(&AcseRequirements::new()), [0x8A, 0x01, 0x00]);
        let mut lowbit = req(&[0x8A, 0x02, 0x00, 0x01]);
        lowbit.set_authentication(false);
        assert!(!lowbit.authentication());
        assert_eq!(
            format!("{:?}", AcseRequirements::with_authentication()),
            "AcseRequirements('1'B)"
        );
    }

    #[test]
    fn protocol_version() {
        let v = ProtocolVersion::version1();
        let mut w = Writer::new();
        v.encode(&mut w);
        assert_eq!(w.as_slice(), &[0x80, 0x02, 0x07, 0x80]);
        let back =
            ProtocolVersion::decode(Reader::new(w.as_slice()).read().unwrap(), "AARQ").unwrap();
        assert!(back.has_version1());
        let v2only = ProtocolVersion::decode(
            Reader::new(&[0x80, 0x02, 0x06, 0x40]).read().unwrap(),
            "AARQ",
        )
        .unwrap();
        assert!(!v2only.has_version1());
        assert!(v2only.bit(1));
    }

    fn av(b: &[u8]) -> Result<AuthenticationValue<'_>, AcseError> {
        AuthenticationValue::decode(
            &Reader::new(b).read().unwrap(),
            "AARQ",
            "calling-authentication-value",
        )
    }

    fn enc_av(v: &AuthenticationValue<'_>) -> Vec<u8> {
        let mut w = Writer::new();
        v.encode(&mut w, 12);
        w.into_vec()
    }

    #[test]
    fn every_authentication_value_alternative() {
        // charstring: AC 06 80 04 "pass"
        let b = [0xAC, 0x06, 0x80, 0x04, b'p', b'a', b's', b's'];
        assert_eq!(
            av(&b).unwrap(),
            AuthenticationValue::CharString(Cow::Borrowed(b"pass"))
        );
        assert_eq!(enc_av(&av(&b).unwrap()), b);
        // bitstring: AC 04 81 02 00 AA
        let b = [0xAC, 0x04, 0x81, 0x02, 0x00, 0xAA];
        assert_eq!(
            av(&b).unwrap(),
            AuthenticationValue::BitString {
                unused: 0,
                bits: Cow::Borrowed(&[0xAA])
            }
        );
        assert_eq!(enc_av(&av(&b).unwrap()), b);
        // external, TSP dialect: indirect reference 5, single-ASN1-type A0 { 80 01 01 }
        let b = [
            0xAC, 0x0C, 0xA2, 0x0A, 0x02, 0x01, 0x05, 0xA0, 0x05, 0xA0, 0x03, 0x80, 0x01, 0x01,
        ];
        let v = av(&b).unwrap();
        match &v {
            AuthenticationValue::External(e) => {
                assert_eq!(e.indirect_reference, Some(5));
                assert_eq!(e.single_value(), Some(&[0xA0, 0x03, 0x80, 0x01, 0x01][..]));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(enc_av(&v), b);
        // external, SISCO dialect: no references.
        let b = [
            0xAC, 0x09, 0xA2, 0x07, 0xA0, 0x05, 0xA0, 0x03, 0x80, 0x01, 0x01,
        ];
        let v = av(&b).unwrap();
        assert!(
            matches!(&v, AuthenticationValue::External(e) if e.indirect_reference.is_none() && e.direct_reference.is_none())
        );
        assert_eq!(enc_av(&v), b);
        // other: A3 { 06 03 52 03 01, 04 01 07 }
        let b = [
            0xAC, 0x0A, 0xA3, 0x08, 0x06, 0x03, 0x52, 0x03, 0x01, 0x04, 0x01, 0x07,
        ];
        let v = av(&b).unwrap();
        assert_eq!(
            v,
            AuthenticationValue::Other {
                mechanism: oid_from_str("2.2.3.1").unwrap(),
                value: Cow::Borrowed(&[0x04, 0x01, 0x07])
            }
        );
        assert_eq!(enc_av(&v), b);
        assert_eq!(v.clone().into_owned(), v);
    }

    #[test]
    fn malformed_authentication_values() {
        // Unknown alternative [4].
        assert!(matches!(
            av(&[0xAC, 0x02, 0x84, 0x00]),
            Err(AcseError::UnexpectedTag { .. })
        ));
        // other without a value, and with two values.
        assert!(matches!(
            av(&[0xAC, 0x07, 0xA3, 0x05, 0x06, 0x03, 0x52, 0x03, 0x01]),
            Err(AcseError::Missing { .. })
        ));
        assert!(matches!(
            av(&[0xAC, 0x0B, 0xA3, 0x09, 0x06, 0x03, 0x52, 0x03, 0x01, 0x05, 0x00, 0x05, 0x00]),
            Err(AcseError::InvalidValue { .. })
        ));
        // Constructed charstring (segmented strings are not accepted).
        assert!(matches!(
            av(&[0xAC, 0x02, 0xA0, 0x00]),
            Err(AcseError::UnexpectedTag { .. })
        ));
        // Bad bit string (unused 8).
        assert!(matches!(
            av(&[0xAC, 0x04, 0x81, 0x02, 0x08, 0x00]),
            Err(AcseError::InvalidValue { .. })
        ));
    }
}
