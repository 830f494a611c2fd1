//! A zero-copy DER view of an X.509 certificate (RFC 5280 §4.1), written with the `der` crate,
//! and the issuer-signature check that the security mechanisms need for certificates OpenSSL
//! cannot parse.
//!
//! Why it exists: IEC 62351-4 Annex G.6.2 binds a certificate to the peer's OSI address through
//! the subject attribute X.520 `objectIdentifier` (2.5.4.106), whose value is an OBJECT
//! IDENTIFIER (the AP-title with the AE-qualifier appended). OpenSSL 3 keeps name attribute
//! values as strings and refuses to decode a certificate whose subject has an OBJECT
//! IDENTIFIER value ("mstring wrong tag"), so the A-security-profile and end-to-end security
//! read such a certificate with [`Certificate::parse`] and check its signature with
//! [`Certificate::verify_signed_by`] / [`Certificate::find_issuer`]; the issuer itself (an
//! ordinary CA certificate) is still checked by OpenSSL. The UTF8String form of the attribute
//! (a dotted OID in a string, what deployed peers send; docs/facts.md E-12) is read as well.
//!
//! The view borrows the received octets: [`Certificate::tbs`] is the TBSCertificate exactly as
//! received, so a signature is verified over what the issuer signed, never over a re-encoding.
//! Decoding is strict DER (the `der` crate), bounded by the input (at most
//! [`MAX_CERTIFICATE_LEN`] octets, a fixed nesting depth, at most [`MAX_NAME_ATTRIBUTES`]
//! attributes per name) and never panics; errors are [`CertificateError`].
//!
//! No openssl type appears in this module's interface: signature checks take DER and return
//! std types; openssl is used inside (RFC 5280 §6.1.3 (a)(1) with the algorithms of RFC 4055 and
//! RFC 5758).

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use der::asn1::{BitStringRef, GeneralizedTime, OctetStringRef, UtcTime};
use der::{Decode, Header, Reader, SliceReader, Tag, TagNumber};

/// The `der` crate this module decodes with, for callers that build or inspect DER with the
/// same version (tests build certificates with it).
pub use der;

/// The largest certificate [`Certificate::parse`] decodes (IEC 62351-4 Annex G limits
/// certificates to 8192 octets; this bound only keeps the view's work bounded).
pub const MAX_CERTIFICATE_LEN: usize = 64 * 1024;

/// The most attributes one Name may hold (RFC 5280 sets no limit; real names have a handful).
pub const MAX_NAME_ATTRIBUTES: usize = 64;

/// The most extensions one certificate may hold.
pub const MAX_EXTENSIONS: usize = 64;

/// The X.520 `objectIdentifier` attribute type 2.5.4.106, DER contents octets.
pub const OBJECT_IDENTIFIER_ATTRIBUTE: &[u8] = &[0x55, 0x04, 0x6a];

const EXT_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f]; // 2.5.29.15
const EXT_BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13]; // 2.5.29.19
/// Extensions a critical flag may be set on without making the certificate unusable here:
/// keyUsage and basicConstraints (interpreted), subjectAltName and extKeyUsage (informational
/// for these mechanisms, as for OpenSSL without a purpose), subject/authority key identifiers.
const UNDERSTOOD_EXTENSIONS: &[&[u8]] = &[
    EXT_KEY_USAGE,
    EXT_BASIC_CONSTRAINTS,
    &[0x55, 0x1d, 0x11], // subjectAltName 2.5.29.17
    &[0x55, 0x1d, 0x25], // extKeyUsage 2.5.29.37
    &[0x55, 0x1d, 0x0e], // subjectKeyIdentifier 2.5.29.14
    &[0x55, 0x1d, 0x23], // authorityKeyIdentifier 2.5.29.35
];

/// Why octets are not a certificate this module can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertificateError {
    /// Larger than [`MAX_CERTIFICATE_LEN`].
    #[error("certificate of {0} octets exceeds {MAX_CERTIFICATE_LEN}")]
    TooLong(usize),
    /// Not DER, or not the RFC 5280 §4.1 structure (the `der` crate's diagnosis).
    #[error("DER: {0}")]
    Der(String),
    /// DER, but a field breaks RFC 5280 (which one is said).
    #[error("X.509: {0}")]
    Invalid(&'static str),
}

impl From<der::Error> for CertificateError {
    fn from(e: der::Error) -> CertificateError {
        CertificateError::Der(e.to_string())
    }
}

/// An OBJECT IDENTIFIER as its DER contents octets, checked well formed (X.690 §8.19: no
/// leading 0x80 in a subidentifier, the last octet ends one; subidentifiers of at most 16
/// octets).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ObjectId<'a>(&'a [u8]);

impl<'a> ObjectId<'a> {
    /// Checks `contents` (the octets after tag and length).
    pub fn from_contents(contents: &'a [u8]) -> Option<ObjectId<'a>> {
        let last = *contents.last()?;
        if last & 0x80 != 0 {
            return None;
        }
        let mut start = true;
        let mut run = 0usize;
        for &b in contents {
            if start && b == 0x80 {
                return None;
            }
            run += 1;
            if run > 16 {
                return None;
            }
            start = b & 0x80 == 0;
            if start {
                run = 0;
            }
        }
        Some(ObjectId(contents))
    }

    /// The contents octets.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.0
    }

    /// The dotted form (`2.5.4.106`).
    pub fn to_dotted(&self) -> String {
        let mut out = String::with_capacity(self.0.len() * 3);
        let mut value: u128 = 0;
        let mut first = true;
        for &b in self.0 {
            value = (value << 7) | u128::from(b & 0x7f);
            if b & 0x80 != 0 {
                continue;
            }
            if first {
                let (a, rest) = match value {
                    v if v < 40 => (0, v),
                    v if v < 80 => (1, v - 40),
                    v => (2, v - 80),
                };
                out.push_str(&format!("{a}.{rest}"));
                first = false;
            } else {
                out.push_str(&format!(".{value}"));
            }
            value = 0;
        }
        out
    }

    fn is(&self, contents: &[u8]) -> bool {
        self.0 == contents
    }
}

impl fmt::Display for ObjectId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_dotted())
    }
}

impl fmt::Debug for ObjectId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ObjectId({})", self.to_dotted())
    }
}

/// The canonical dotted form of a dotted OID in a string (`" 1.01.2 "` is not one: no leading
/// zeros, at least two arcs, first arc 0..2, second below 40 under 0 and 1), or `None`.
pub fn canonical_dotted(s: &str) -> Option<String> {
    let s = s.trim();
    let mut arcs = 0usize;
    let mut first = 0u128;
    for part in s.split('.') {
        if part.is_empty() || part.len() > 38 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if part.len() > 1 && part.starts_with('0') {
            return None;
        }
        let v: u128 = part.parse().ok()?;
        match arcs {
            0 if v > 2 => return None,
            0 => first = v,
            1 if first < 2 && v >= 40 => return None,
            _ => {}
        }
        arcs += 1;
    }
    (arcs >= 2).then(|| s.to_owned())
}

/// AlgorithmIdentifier (RFC 5280 §4.1.1.2): the algorithm and its parameters, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlgorithmIdentifier<'a> {
    /// The algorithm OID.
    pub algorithm: ObjectId<'a>,
    /// The parameters, a complete TLV (e.g. `05 00` for NULL), if present.
    pub parameters: Option<&'a [u8]>,
    /// The whole AlgorithmIdentifier TLV as received.
    pub der: &'a [u8],
}

/// One AttributeTypeAndValue of a Name (RFC 5280 §4.1.2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attribute<'a> {
    /// The attribute type.
    pub attribute_type: ObjectId<'a>,
    /// The value's tag (a string type for most attributes; OBJECT IDENTIFIER for 2.5.4.106).
    pub tag: Tag,
    /// The value's contents octets.
    pub value: &'a [u8],
}

impl Attribute<'_> {
    /// The value as text: strings decoded (UTF8String, PrintableString, IA5String,
    /// NumericString, VisibleString as they are; TeletexString as Latin-1; BMPString as
    /// UTF-16), an OBJECT IDENTIFIER dotted, anything else `#` and its hex contents (RFC 4514
    /// §2.4). Control characters are written `\XX`.
    pub fn value_text(&self) -> String {
        let raw: String = match self.tag {
            Tag::Utf8String
            | Tag::PrintableString
            | Tag::Ia5String
            | Tag::NumericString
            | Tag::VisibleString => String::from_utf8_lossy(self.value).into_owned(),
            Tag::TeletexString => self.value.iter().map(|&b| char::from(b)).collect(),
            Tag::BmpString if self.value.len() % 2 == 0 => {
                let units = self
                    .value
                    .chunks_exact(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]));
                char::decode_utf16(units)
                    .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                    .collect()
            }
            Tag::ObjectIdentifier => match ObjectId::from_contents(self.value) {
                Some(o) => o.to_dotted(),
                None => hex_value(self.value),
            },
            _ => hex_value(self.value),
        };
        let mut out = String::with_capacity(raw.len());
        for c in raw.chars() {
            if c.is_control() {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\{b:02X}"));
                }
            } else {
                out.push(c);
            }
        }
        out
    }
}

fn hex_value(v: &[u8]) -> String {
    let mut s = String::with_capacity(1 + 2 * v.len());
    s.push('#');
    for b in v {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// The short names RFC 4514 §3 and OpenSSL use for the common attribute types.
fn short_name(t: &ObjectId<'_>) -> Option<&'static str> {
    const X520: &[(u8, &str)] = &[
        (3, "CN"),
        (4, "SN"),
        (5, "serialNumber"),
        (6, "C"),
        (7, "L"),
        (8, "ST"),
        (9, "street"),
        (10, "O"),
        (11, "OU"),
        (12, "title"),
        (13, "description"),
        (17, "postalCode"),
        (41, "name"),
        (42, "GN"),
        (43, "initials"),
        (44, "generationQualifier"),
        (46, "dnQualifier"),
        (65, "pseudonym"),
        (97, "organizationIdentifier"),
    ];
    match t.as_bytes() {
        [0x55, 0x04, n] => X520.iter().find(|(k, _)| k == n).map(|(_, s)| *s),
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19] => Some("DC"),
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01] => Some("UID"),
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01] => Some("emailAddress"),
        _ => None,
    }
}

/// A Name (RFC 5280 §4.1.2.4): its DER as received and its attributes in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name<'a> {
    /// The Name TLV as received (what issuer/subject matching compares).
    pub der: &'a [u8],
    /// The attributes, RDN by RDN (a multi-valued RDN gives several in a row).
    pub attributes: Vec<Attribute<'a>>,
}

impl<'a> Name<'a> {
    fn decode<R: Reader<'a>>(r: &mut R) -> Result<Name<'a>, CertificateError> {
        let der = r.tlv_bytes()?;
        let mut attributes = Vec::new();
        let mut outer = SliceReader::new(der)?;
        outer.sequence(|rdns| {
            while !rdns.is_finished() {
                let h = Header::decode(rdns)?;
                h.tag.assert_eq(Tag::Set)?;
                rdns.read_nested(h.length, |set| {
                    if set.is_finished() {
                        return Err(der::ErrorKind::Length { tag: Tag::Set }.into());
                    }
                    while !set.is_finished() {
                        set.sequence(|atv| {
                            let ty = oid(atv)?;
                            let h = Header::decode(atv)?;
                            let value = atv.read_slice(h.length)?;
                            if attributes.len() >= MAX_NAME_ATTRIBUTES {
                                return Err(der::ErrorKind::Overlength.into());
                            }
                            attributes.push(Attribute {
                                attribute_type: ty,
                                tag: h.tag,
                                value,
                            });
                            Ok(())
                        })?;
                    }
                    Ok(())
                })?;
            }
            Ok(())
        })?;
        Ok(Name { der, attributes })
    }

    /// The name in one line (`CN=ied, O=Utility, 2.5.4.106=1.1.1.999.12`): attributes in
    /// encoding order, short names for the common types, dotted OIDs for the others.
    pub fn one_line(&self) -> String {
        let mut parts = Vec::with_capacity(self.attributes.len());
        for a in &self.attributes {
            let name = short_name(&a.attribute_type)
                .map(str::to_owned)
                .unwrap_or_else(|| a.attribute_type.to_dotted());
            parts.push(format!("{name}={}", a.value_text()));
        }
        parts.join(", ")
    }

    /// The dotted value of the X.520 objectIdentifier attribute (2.5.4.106; IEC 62351-4
    /// Annex G.6.2): an OBJECT IDENTIFIER value, or a UTF8String (also PrintableString or
    /// IA5String) holding a dotted OID (docs/facts.md E-12). `None` when absent or malformed; the
    /// first occurrence counts.
    pub fn object_identifier(&self) -> Option<String> {
        let a = self
            .attributes
            .iter()
            .find(|a| a.attribute_type.is(OBJECT_IDENTIFIER_ATTRIBUTE))?;
        match a.tag {
            Tag::ObjectIdentifier => ObjectId::from_contents(a.value).map(|o| o.to_dotted()),
            Tag::Utf8String | Tag::PrintableString | Tag::Ia5String => {
                canonical_dotted(std::str::from_utf8(a.value).ok()?)
            }
            _ => None,
        }
    }
}

/// A certificate time (RFC 5280 §4.1.2.5): UTCTime or GeneralizedTime, both in whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Time {
    /// UTCTime (years 1970..2049 here).
    Utc(UtcTime),
    /// GeneralizedTime.
    Generalized(GeneralizedTime),
}

impl Time {
    fn decode<'a, R: Reader<'a>>(r: &mut R) -> Result<Time, CertificateError> {
        Ok(match r.peek_tag()? {
            Tag::UtcTime => Time::Utc(UtcTime::decode(r)?),
            Tag::GeneralizedTime => Time::Generalized(GeneralizedTime::decode(r)?),
            _ => {
                return Err(CertificateError::Invalid(
                    "time is not UTCTime or GeneralizedTime",
                ))
            }
        })
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    pub fn to_unix_duration(&self) -> Duration {
        match self {
            Time::Utc(t) => t.to_unix_duration(),
            Time::Generalized(t) => t.to_unix_duration(),
        }
    }

    /// As a `SystemTime`.
    pub fn to_system_time(&self) -> SystemTime {
        UNIX_EPOCH + self.to_unix_duration()
    }
}

/// Validity (RFC 5280 §4.1.2.5): both bounds inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// notBefore.
    pub not_before: Time,
    /// notAfter.
    pub not_after: Time,
}

/// Where a time falls outside a [`Validity`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ValidityError {
    /// Before notBefore.
    #[error("certificate is not yet valid")]
    NotYetValid,
    /// After notAfter.
    #[error("certificate has expired")]
    Expired,
}

impl Validity {
    /// Whether `now` lies within notBefore..=notAfter.
    pub fn check(&self, now: SystemTime) -> Result<(), ValidityError> {
        if now < self.not_before.to_system_time() {
            Err(ValidityError::NotYetValid)
        } else if now > self.not_after.to_system_time() {
            Err(ValidityError::Expired)
        } else {
            Ok(())
        }
    }
}

/// The keyUsage extension's bits (RFC 5280 §4.2.1.3), bit 0 (digitalSignature) first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyUsage(pub u16);

impl KeyUsage {
    /// Bit `n` (0 = digitalSignature .. 8 = decipherOnly).
    pub fn bit(&self, n: u8) -> bool {
        n < 16 && self.0 & (1 << n) != 0
    }

    /// digitalSignature (0).
    pub fn digital_signature(&self) -> bool {
        self.bit(0)
    }

    /// keyCertSign (5).
    pub fn key_cert_sign(&self) -> bool {
        self.bit(5)
    }
}

/// The basicConstraints extension (RFC 5280 §4.2.1.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BasicConstraints {
    /// cA.
    pub ca: bool,
    /// pathLenConstraint.
    pub path_len: Option<u32>,
}

/// A decoded X.509 certificate (RFC 5280 §4.1), borrowing the octets it was parsed from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Certificate<'a> {
    /// The whole certificate TLV.
    pub der: &'a [u8],
    /// The TBSCertificate TLV exactly as received: what the signature covers.
    pub tbs: &'a [u8],
    /// version: 0 (v1), 1 (v2) or 2 (v3).
    pub version: u8,
    /// serialNumber: the INTEGER's contents octets as received (two's complement).
    pub serial: &'a [u8],
    /// The TBSCertificate's signature field.
    pub tbs_signature: AlgorithmIdentifier<'a>,
    /// issuer.
    pub issuer: Name<'a>,
    /// validity.
    pub validity: Validity,
    /// subject.
    pub subject: Name<'a>,
    /// subjectPublicKeyInfo, the whole TLV (what `PKey::public_key_from_der` reads).
    pub subject_public_key_info: &'a [u8],
    /// The subjectPublicKeyInfo's algorithm.
    pub public_key_algorithm: AlgorithmIdentifier<'a>,
    /// keyUsage, if present.
    pub key_usage: Option<KeyUsage>,
    /// basicConstraints, if present.
    pub basic_constraints: Option<BasicConstraints>,
    /// The first critical extension other than those interpreted or informational here
    /// (keyUsage, basicConstraints, subjectAltName, extKeyUsage, key identifiers): RFC 5280
    /// §4.2 says such a certificate must be rejected.
    pub unhandled_critical_extension: Option<ObjectId<'a>>,
    /// The Certificate's signatureAlgorithm.
    pub signature_algorithm: AlgorithmIdentifier<'a>,
    /// signatureValue (octet-aligned).
    pub signature: &'a [u8],
}

fn oid<'a, R: Reader<'a>>(r: &mut R) -> der::Result<ObjectId<'a>> {
    let h = Header::decode(r)?;
    h.tag.assert_eq(Tag::ObjectIdentifier)?;
    let v = r.read_slice(h.length)?;
    ObjectId::from_contents(v).ok_or_else(|| Tag::ObjectIdentifier.value_error())
}

fn algorithm<'a, R: Reader<'a>>(r: &mut R) -> Result<AlgorithmIdentifier<'a>, CertificateError> {
    let der = r.tlv_bytes()?;
    let mut s = SliceReader::new(der)?;
    let (algorithm, parameters) = s.sequence(|a| {
        let algorithm = oid(a)?;
        let parameters = if a.is_finished() {
            None
        } else {
            Some(a.tlv_bytes()?)
        };
        Ok((algorithm, parameters))
    })?;
    s.finish(())?;
    Ok(AlgorithmIdentifier {
        algorithm,
        parameters,
        der,
    })
}

/// What the extensions parsing found.
#[derive(Default)]
struct Extensions<'a> {
    key_usage: Option<KeyUsage>,
    basic_constraints: Option<BasicConstraints>,
    unhandled_critical: Option<ObjectId<'a>>,
}

fn key_usage(value: &[u8]) -> Result<KeyUsage, CertificateError> {
    let bits = BitStringRef::from_der(value)?;
    let raw = bits.raw_bytes();
    let b0 = raw.first().copied().unwrap_or(0);
    let b1 = raw.get(1).copied().unwrap_or(0);
    let mut v = 0u16;
    for i in 0..8 {
        if b0 & (0x80 >> i) != 0 {
            v |= 1 << i;
        }
        if b1 & (0x80 >> i) != 0 {
            v |= 1 << (8 + i);
        }
    }
    Ok(KeyUsage(v))
}

fn basic_constraints(value: &[u8]) -> Result<BasicConstraints, CertificateError> {
    let mut r = SliceReader::new(value)?;
    let bc = r.sequence(|s| {
        let mut ca = false;
        if s.peek_tag().ok() == Some(Tag::Boolean) {
            ca = bool::decode(s)?;
        }
        let mut path_len = None;
        if !s.is_finished() {
            let h = Header::decode(s)?;
            h.tag.assert_eq(Tag::Integer)?;
            let v = s.read_slice(h.length)?;
            path_len = Some(small_unsigned(v).ok_or_else(|| Tag::Integer.value_error())?);
        }
        Ok(BasicConstraints { ca, path_len })
    })?;
    r.finish(bc).map_err(Into::into)
}

fn small_unsigned(v: &[u8]) -> Option<u32> {
    let first = *v.first()?;
    if first & 0x80 != 0 || v.len() > 5 {
        return None;
    }
    v.iter()
        .try_fold(0u64, |acc, &b| Some((acc << 8) | u64::from(b)))
        .and_then(|x| u32::try_from(x).ok())
}

fn extensions<'a>(tlv: &'a [u8]) -> Result<Extensions<'a>, CertificateError> {
    let mut out = Extensions::default();
    let mut seen: Vec<ObjectId<'a>> = Vec::new();
    let mut r = SliceReader::new(tlv)?;
    let h = Header::decode(&mut r)?;
    h.tag.assert_eq(Tag::ContextSpecific {
        constructed: true,
        number: TagNumber::N3,
    })?;
    let list: Vec<(ObjectId<'a>, bool, &'a [u8])> = r.read_nested(h.length, |x| {
        x.sequence(|exts| {
            let mut list = Vec::new();
            while !exts.is_finished() {
                if list.len() >= MAX_EXTENSIONS {
                    return Err(der::ErrorKind::Overlength.into());
                }
                list.push(exts.sequence(|e| {
                    let id = oid(e)?;
                    let critical = if e.peek_tag()? == Tag::Boolean {
                        bool::decode(e)?
                    } else {
                        false
                    };
                    let value = OctetStringRef::decode(e)?.as_bytes();
                    Ok((id, critical, value))
                })?);
            }
            Ok(list)
        })
    })?;
    r.finish(())?;
    if list.is_empty() {
        return Err(CertificateError::Invalid("empty extensions"));
    }
    for (id, critical, value) in list {
        if seen.contains(&id) {
            return Err(CertificateError::Invalid("an extension appears twice"));
        }
        seen.push(id);
        if id.is(EXT_KEY_USAGE) {
            out.key_usage = Some(key_usage(value)?);
        } else if id.is(EXT_BASIC_CONSTRAINTS) {
            out.basic_constraints = Some(basic_constraints(value)?);
        }
        if critical
            && out.unhandled_critical.is_none()
            && !UNDERSTOOD_EXTENSIONS.iter().any(|u| id.is(u))
        {
            out.unhandled_critical = Some(id);
        }
    }
    Ok(out)
}

impl<'a> Certificate<'a> {
    /// Decodes `der` (one Certificate, nothing after it).
    pub fn parse(der: &'a [u8]) -> Result<Certificate<'a>, CertificateError> {
        if der.len() > MAX_CERTIFICATE_LEN {
            return Err(CertificateError::TooLong(der.len()));
        }
        let mut r = SliceReader::new(der)?;
        let (tbs, signature_algorithm, signature) = r.sequence(|c| {
            let tbs = c.tlv_bytes()?;
            let alg = c.tlv_bytes()?;
            let sig = BitStringRef::decode(c)?;
            Ok((tbs, alg, sig))
        })?;
        r.finish(())?;
        let signature_algorithm = algorithm(&mut SliceReader::new(signature_algorithm)?)?;
        if signature.unused_bits() != 0 {
            return Err(CertificateError::Invalid("signature is not octet-aligned"));
        }
        let signature = signature.raw_bytes();

        let mut t = SliceReader::new(tbs)?;
        let h = Header::decode(&mut t)?;
        h.tag.assert_eq(Tag::Sequence)?;
        let mut body = SliceReader::new(t.read_slice(h.length)?)?;
        t.finish(())?;
        let b = &mut body;
        let version_tag = Tag::ContextSpecific {
            constructed: true,
            number: TagNumber::N0,
        };
        let version = if b.peek_tag()? == version_tag {
            let h = Header::decode(b)?;
            let v = b.read_nested(h.length, |v| {
                let h = Header::decode(v)?;
                h.tag.assert_eq(Tag::Integer)?;
                v.read_slice(h.length)
            })?;
            match v {
                [n @ 0..=2] => *n,
                _ => return Err(CertificateError::Invalid("version is not v1, v2 or v3")),
            }
        } else {
            0
        };
        let h = Header::decode(b)?;
        h.tag.assert_eq(Tag::Integer)?;
        let serial = b.read_slice(h.length)?;
        if serial.is_empty() {
            return Err(CertificateError::Invalid("empty serialNumber"));
        }
        let tbs_signature = algorithm(b)?;
        let issuer = Name::decode(b)?;
        let validity = b.sequence(|v| {
            let not_before = Time::decode(v).map_err(|_| Tag::Sequence.value_error())?;
            let not_after = Time::decode(v).map_err(|_| Tag::Sequence.value_error())?;
            Ok(Validity {
                not_before,
                not_after,
            })
        })?;
        let subject = Name::decode(b)?;
        let subject_public_key_info = b.tlv_bytes()?;
        let public_key_algorithm = {
            let mut s = SliceReader::new(subject_public_key_info)?;
            let alg = s.sequence(|k| {
                let alg = k.tlv_bytes()?;
                BitStringRef::decode(k)?;
                Ok(alg)
            })?;
            s.finish(())?;
            algorithm(&mut SliceReader::new(alg)?)?
        };
        // issuerUniqueID [1] and subjectUniqueID [2] (IMPLICIT BIT STRING), then extensions [3].
        let mut ext = Extensions::default();
        for (n, number) in [(1u8, TagNumber::N1), (2, TagNumber::N2), (3, TagNumber::N3)] {
            if b.is_finished() {
                break;
            }
            let tag = b.peek_tag()?;
            let want_primitive = Tag::ContextSpecific {
                constructed: false,
                number,
            };
            let want_constructed = Tag::ContextSpecific {
                constructed: true,
                number,
            };
            if n < 3 && (tag == want_primitive || tag == want_constructed) {
                if version == 0 {
                    return Err(CertificateError::Invalid(
                        "unique identifier in a v1 certificate",
                    ));
                }
                b.tlv_bytes()?;
            } else if n == 3 && tag == want_constructed {
                if version != 2 {
                    return Err(CertificateError::Invalid(
                        "extensions outside a v3 certificate",
                    ));
                }
                ext = extensions(b.tlv_bytes()?)?;
            }
        }
        if !body.is_finished() {
            return Err(CertificateError::Invalid(
                "unexpected field in TBSCertificate",
            ));
        }
        Ok(Certificate {
            der,
            tbs,
            version,
            serial,
            tbs_signature,
            issuer,
            validity,
            subject,
            subject_public_key_info,
            public_key_algorithm,
            key_usage: ext.key_usage,
            basic_constraints: ext.basic_constraints,
            unhandled_critical_extension: ext.unhandled_critical,
            signature_algorithm,
            signature,
        })
    }

    /// Whether this certificate may issue others (RFC 5280 §6.1.4 (k), (n)): basicConstraints
    /// with cA set (a v1 certificate counts, as OpenSSL lets a v1 trust anchor issue), and
    /// keyCertSign when keyUsage is present.
    pub fn is_ca(&self) -> bool {
        let ca = match self.basic_constraints {
            Some(bc) => bc.ca,
            None => self.version == 0,
        };
        ca && self.key_usage.map_or(true, |k| k.key_cert_sign())
    }

    /// Verifies that `issuer` signed this certificate (RFC 5280 §6.1.3 (a)(1) and (a)(4)):
    /// issuer Name equal to the issuer's subject (DER octets), the issuer a CA
    /// ([`Certificate::is_ca`]), the two signature algorithm fields equal (§4.1.1.2), a
    /// supported algorithm ([`SignatureAlgorithm`]) matching the issuer's key type, and the
    /// signature valid over [`Certificate::tbs`] with the issuer's public key (openssl).
    pub fn verify_signed_by(&self, issuer: &Certificate<'_>) -> Result<(), IssuerError> {
        if issuer.subject.der != self.issuer.der {
            return Err(IssuerError::NotFound);
        }
        if !issuer.is_ca() {
            return Err(IssuerError::NotCa);
        }
        if self.signature_algorithm.der != self.tbs_signature.der {
            return Err(IssuerError::AlgorithmMismatch);
        }
        let alg =
            SignatureAlgorithm::from_identifier(&self.signature_algorithm).ok_or_else(|| {
                IssuerError::UnsupportedAlgorithm(self.signature_algorithm.algorithm.to_dotted())
            })?;
        let key = openssl::pkey::PKey::public_key_from_der(issuer.subject_public_key_info)
            .map_err(|e| IssuerError::IssuerKey(e.to_string()))?;
        let key_fits = match alg {
            SignatureAlgorithm::RsaPkcs1Sha256
            | SignatureAlgorithm::RsaPkcs1Sha384
            | SignatureAlgorithm::RsaPkcs1Sha512 => key.id() == openssl::pkey::Id::RSA,
            SignatureAlgorithm::EcdsaSha256 | SignatureAlgorithm::EcdsaSha384 => {
                key.id() == openssl::pkey::Id::EC
            }
        };
        if !key_fits {
            return Err(IssuerError::IssuerKey(format!(
                "{alg:?} with a {:?} key",
                key.id()
            )));
        }
        let ok = openssl::sign::Verifier::new(alg.digest(), &key)
            .and_then(|mut v| {
                v.update(self.tbs)?;
                v.verify(self.signature)
            })
            .unwrap_or(false);
        if ok {
            Ok(())
        } else {
            Err(IssuerError::BadSignature)
        }
    }

    /// The index of the first of `candidates` (DER certificates: trust anchors and
    /// intermediates) that issued this certificate by [`Certificate::verify_signed_by`].
    /// When none did: [`IssuerError::NotFound`] if no candidate has the issuer's name,
    /// otherwise why the last one with that name failed.
    pub fn find_issuer(&self, candidates: &[&[u8]]) -> Result<usize, IssuerError> {
        let mut last = IssuerError::NotFound;
        for (i, c) in candidates.iter().enumerate() {
            let Ok(issuer) = Certificate::parse(c) else {
                continue;
            };
            match self.verify_signed_by(&issuer) {
                Ok(()) => return Ok(i),
                Err(IssuerError::NotFound) => {}
                Err(e) => last = e,
            }
        }
        Err(last)
    }
}

/// Why a certificate's signature was not accepted ([`Certificate::verify_signed_by`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IssuerError {
    /// No candidate's subject equals the certificate's issuer.
    #[error("no configured CA certificate is the issuer")]
    NotFound,
    /// The issuer is not a CA (basicConstraints cA, keyUsage keyCertSign).
    #[error("the issuer is not a CA")]
    NotCa,
    /// signatureAlgorithm differs from the TBSCertificate's signature field.
    #[error("signatureAlgorithm differs from the TBSCertificate's signature field")]
    AlgorithmMismatch,
    /// The signature algorithm is not one of [`SignatureAlgorithm`] (or has parameters it
    /// must not have).
    #[error("signature algorithm {0} not supported")]
    UnsupportedAlgorithm(String),
    /// The issuer's key is unusable or of the wrong type for the algorithm.
    #[error("issuer key: {0}")]
    IssuerKey(String),
    /// The signature does not verify.
    #[error("certificate signature does not verify with the issuer's key")]
    BadSignature,
}

/// The certificate signature algorithms accepted (RSASSA-PKCS1-v1_5 of RFC 4055 §5 with
/// parameters NULL or absent; ECDSA of RFC 5758 §3.2 with parameters absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    /// sha256WithRSAEncryption 1.2.840.113549.1.1.11.
    RsaPkcs1Sha256,
    /// sha384WithRSAEncryption 1.2.840.113549.1.1.12.
    RsaPkcs1Sha384,
    /// sha512WithRSAEncryption 1.2.840.113549.1.1.13.
    RsaPkcs1Sha512,
    /// ecdsa-with-SHA256 1.2.840.10045.4.3.2.
    EcdsaSha256,
    /// ecdsa-with-SHA384 1.2.840.10045.4.3.3.
    EcdsaSha384,
}

impl SignatureAlgorithm {
    /// The algorithm an AlgorithmIdentifier names, if accepted.
    pub fn from_identifier(a: &AlgorithmIdentifier<'_>) -> Option<SignatureAlgorithm> {
        const RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01];
        const ECDSA: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03];
        let o = a.algorithm.as_bytes();
        let (prefix, last) = o.split_at(o.len().saturating_sub(1));
        let alg = match (prefix, last) {
            (RSA, [11]) => SignatureAlgorithm::RsaPkcs1Sha256,
            (RSA, [12]) => SignatureAlgorithm::RsaPkcs1Sha384,
            (RSA, [13]) => SignatureAlgorithm::RsaPkcs1Sha512,
            (ECDSA, [2]) => SignatureAlgorithm::EcdsaSha256,
            (ECDSA, [3]) => SignatureAlgorithm::EcdsaSha384,
            _ => return None,
        };
        let params_ok = match alg {
            SignatureAlgorithm::EcdsaSha256 | SignatureAlgorithm::EcdsaSha384 => {
                a.parameters.is_none()
            }
            _ => matches!(a.parameters, None | Some([0x05, 0x00])),
        };
        params_ok.then_some(alg)
    }

    fn digest(self) -> openssl::hash::MessageDigest {
        use openssl::hash::MessageDigest;
        match self {
            SignatureAlgorithm::RsaPkcs1Sha256 | SignatureAlgorithm::EcdsaSha256 => {
                MessageDigest::sha256()
            }
            SignatureAlgorithm::RsaPkcs1Sha384 | SignatureAlgorithm::EcdsaSha384 => {
                MessageDigest::sha384()
            }
            SignatureAlgorithm::RsaPkcs1Sha512 => MessageDigest::sha512(),
        }
    }
}

/// The subject of certificate `der` in one line ([`Name::one_line`]); empty when `der` is not a
/// certificate this module reads.
pub fn subject_line(der: &[u8]) -> String {
    Certificate::parse(der)
        .map(|c| c.subject.one_line())
        .unwrap_or_default()
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use cot::pki::{KeyKind, KeyUsageBits, LeafSpec, Pki};
    use der::asn1::{AnyRef, ObjectIdentifier, Utf8StringRef};
    use der::Encode;
    use openssl::x509::{X509KeyUsage, X509Ref, X509};

    fn tlv(tag: Tag, contents: &[u8]) -> Vec<u8> {
        AnyRef::new(tag, contents).unwrap().to_der().unwrap()
    }

    /// `cert_der` with its subject replaced by `subject` (the signature no longer verifies:
    /// for parsing tests only). Encoded with `der` around the received field octets.
    pub(crate) fn with_subject(cert_der: &[u8], subject: &[u8]) -> Vec<u8> {
        let c = Certificate::parse(cert_der).unwrap();
        let at = c.subject.der.as_ptr() as usize - c.tbs.as_ptr() as usize;
        let mut r = SliceReader::new(c.tbs).unwrap();
        Header::decode(&mut r).unwrap();
        let start = usize::try_from(r.position()).unwrap();
        let mut contents = c.tbs[start..at].to_vec();
        contents.extend_from_slice(subject);
        contents.extend_from_slice(&c.tbs[at + c.subject.der.len()..]);
        let mut body = tlv(Tag::Sequence, &contents);
        body.extend_from_slice(c.signature_algorithm.der);
        body.extend(BitStringRef::new(0, c.signature).unwrap().to_der().unwrap());
        tlv(Tag::Sequence, &body)
    }

    /// A Name { O, CN, 2.5.4.106 = OBJECT IDENTIFIER `oid` }, DER.
    pub(crate) fn oid_subject(cn: &str, oid: &str) -> Vec<u8> {
        let atv = |ty: &str, value: Vec<u8>| {
            let mut c = ObjectIdentifier::new(ty).unwrap().to_der().unwrap();
            c.extend(value);
            tlv(Tag::Set, &tlv(Tag::Sequence, &c))
        };
        let utf8 = |s: &str| Utf8StringRef::new(s).unwrap().to_der().unwrap();
        let mut rdns = atv("2.5.4.10", utf8("osi-mms test PKI"));
        rdns.extend(atv("2.5.4.3", utf8(cn)));
        rdns.extend(atv(
            "2.5.4.106",
            ObjectIdentifier::new(oid).unwrap().to_der().unwrap(),
        ));
        tlv(Tag::Sequence, &rdns)
    }

    /// The subject line as openssl reads it: short names where it has one, dotted otherwise.
    fn openssl_subject_line(c: &X509Ref) -> String {
        let mut parts = Vec::new();
        for e in c.subject_name().entries() {
            let obj = e.object();
            let name = match obj.nid().short_name() {
                Ok(n) if n != "UNDEF" => n.to_owned(),
                _ => obj.to_string(),
            };
            parts.push(format!("{name}={}", e.data().to_string().unwrap()));
        }
        parts.join(", ")
    }

    /// Every field of the view against what openssl reads from the same certificate.
    fn agrees_with_openssl(x: &X509Ref, issuer: &X509Ref) {
        let der = x.to_der().unwrap();
        let c = Certificate::parse(&der).unwrap();
        assert_eq!(c.der, der.as_slice());
        assert_eq!(i32::from(c.version), x.version());
        let serial = x.serial_number().to_bn().unwrap().to_vec();
        let ours: Vec<u8> = c.serial.iter().copied().skip_while(|b| *b == 0).collect();
        assert_eq!(ours, serial);
        assert_eq!(c.issuer.der, x.issuer_name().to_der().unwrap().as_slice());
        assert_eq!(c.subject.der, x.subject_name().to_der().unwrap().as_slice());
        let at = |t: &Time| {
            let secs = i64::try_from(t.to_unix_duration().as_secs()).unwrap();
            openssl::asn1::Asn1Time::from_unix(secs as _).unwrap()
        };
        assert_eq!(
            x.not_before().compare(&at(&c.validity.not_before)).unwrap(),
            std::cmp::Ordering::Equal
        );
        assert_eq!(
            x.not_after().compare(&at(&c.validity.not_after)).unwrap(),
            std::cmp::Ordering::Equal
        );
        let ours =
            openssl::asn1::Asn1Object::from_str(&c.signature_algorithm.algorithm.to_dotted())
                .unwrap();
        assert_eq!(ours.nid(), x.signature_algorithm().object().nid());
        assert_ne!(ours.nid(), openssl::nid::Nid::UNDEF);
        assert_eq!(c.signature_algorithm, {
            let mut t = c.tbs_signature;
            t.der = c.signature_algorithm.der;
            t
        });
        assert_eq!(c.signature, x.signature().as_slice());
        assert_eq!(
            c.subject_public_key_info,
            x.public_key().unwrap().public_key_to_der().unwrap()
        );
        let ku = x.key_usage();
        assert_eq!(c.key_usage.is_some(), ku.is_some());
        if let (Some(ours), Some(theirs)) = (c.key_usage, ku) {
            let map = [
                (0, X509KeyUsage::DIGITAL_SIGNATURE),
                (1, X509KeyUsage::NON_REPUDIATION),
                (2, X509KeyUsage::KEY_ENCIPHERMENT),
                (3, X509KeyUsage::DATA_ENCIPHERMENT),
                (4, X509KeyUsage::KEY_AGREEMENT),
                (5, X509KeyUsage::KEY_CERT_SIGN),
                (6, X509KeyUsage::CRL_SIGN),
                (7, X509KeyUsage::ENCIPHER_ONLY),
                (8, X509KeyUsage::DECIPHER_ONLY),
            ];
            for (bit, flag) in map {
                assert_eq!(ours.bit(bit), theirs.contains(flag), "keyUsage bit {bit}");
            }
        }
        let text = String::from_utf8(x.to_text().unwrap()).unwrap();
        assert_eq!(
            c.basic_constraints.map(|b| b.ca),
            if text.contains("CA:TRUE") {
                Some(true)
            } else if text.contains("CA:FALSE") {
                Some(false)
            } else {
                None
            }
        );
        assert_eq!(c.subject.one_line(), openssl_subject_line(x));
        assert_eq!(subject_line(&der), openssl_subject_line(x));
        assert_eq!(c.unhandled_critical_extension, None);
        // The TBS octets are what the issuer signed: openssl and the view agree on it.
        let issuer_der = issuer.to_der().unwrap();
        assert!(x.verify(&issuer.public_key().unwrap()).unwrap());
        assert_eq!(
            c.verify_signed_by(&Certificate::parse(&issuer_der).unwrap()),
            Ok(())
        );
    }

    #[test]
    fn the_view_agrees_with_openssl_field_by_field() {
        let rsa_root = Pki::new_root("rsa root", KeyKind::Rsa(2048)).unwrap();
        let ec_root = Pki::new_root("ec root", KeyKind::EcP256).unwrap();
        let sub = rsa_root.intermediate("sub").unwrap();
        let root_cert = &rsa_root.ca().certificate;
        agrees_with_openssl(root_cert, root_cert);
        agrees_with_openssl(&sub.ca().certificate, root_cert);
        let leaf = ec_root
            .issue(
                &LeafSpec::new("ied")
                    .with_key(KeyKind::EcP256)
                    .with_object_identifier("1.1.1.999.1.12"),
            )
            .unwrap();
        agrees_with_openssl(&leaf.certificate, &ec_root.ca().certificate);
        let d = leaf.cert_der().unwrap();
        let c = Certificate::parse(&d).unwrap();
        assert_eq!(
            c.subject.object_identifier().as_deref(),
            Some("1.1.1.999.1.12")
        );
        assert!(c.key_usage.unwrap().digital_signature());
        assert_eq!(
            c.basic_constraints,
            Some(BasicConstraints {
                ca: false,
                path_len: None
            })
        );
        assert_eq!(
            Certificate::parse(&sub.ca().cert_der().unwrap())
                .unwrap()
                .basic_constraints,
            Some(BasicConstraints {
                ca: true,
                path_len: Some(0)
            })
        );
        assert_eq!(
            SignatureAlgorithm::from_identifier(&c.signature_algorithm),
            Some(SignatureAlgorithm::EcdsaSha256)
        );
        let under_sub = sub
            .issue(&LeafSpec::new("deep").with_key_usage(KeyUsageBits {
                key_encipherment: true,
                ..Default::default()
            }))
            .unwrap();
        agrees_with_openssl(&under_sub.certificate, &sub.ca().certificate);
        let d = under_sub.cert_der().unwrap();
        let c = Certificate::parse(&d).unwrap();
        assert!(!c.key_usage.unwrap().digital_signature());
        assert_eq!(
            SignatureAlgorithm::from_identifier(&c.signature_algorithm),
            Some(SignatureAlgorithm::RsaPkcs1Sha256)
        );
    }

    #[test]
    fn openssl_refuses_an_oid_valued_subject_and_the_view_reads_it() {
        let root = Pki::new_root("root", KeyKind::EcP256).unwrap();
        let leaf = root
            .issue(
                &LeafSpec::new("ied")
                    .with_key(KeyKind::EcP256)
                    .with_object_identifier("1.1.1.999.1.12"),
            )
            .unwrap();
        let der = with_subject(
            &leaf.cert_der().unwrap(),
            &oid_subject("ied", "1.1.1.999.1.12"),
        );
        let e = X509::from_der(&der).unwrap_err().to_string();
        assert!(e.contains("mstring wrong tag"), "{e}");
        let c = Certificate::parse(&der).unwrap();
        assert_eq!(
            c.subject.object_identifier().as_deref(),
            Some("1.1.1.999.1.12")
        );
        assert_eq!(
            c.subject.one_line(),
            "O=osi-mms test PKI, CN=ied, 2.5.4.106=1.1.1.999.1.12"
        );
        assert_eq!(c.subject.attributes[2].tag, Tag::ObjectIdentifier);
        // The subject was swapped after signing: the issuer's signature no longer verifies.
        let ca = root.ca().cert_der().unwrap();
        assert_eq!(
            c.verify_signed_by(&Certificate::parse(&ca).unwrap()),
            Err(IssuerError::BadSignature)
        );
        assert_eq!(c.find_issuer(&[&der, &ca]), Err(IssuerError::BadSignature));
        let other = Pki::new_root("other", KeyKind::EcP256).unwrap();
        let other = other.ca().cert_der().unwrap();
        assert_eq!(c.find_issuer(&[&other]), Err(IssuerError::NotFound));
    }

    #[test]
    fn a_leaf_is_not_an_issuer_and_the_signature_fields_must_agree() {
        let root = Pki::new_root("root", KeyKind::EcP256).unwrap();
        let leaf = root
            .issue(&LeafSpec::new("root").with_key(KeyKind::EcP256))
            .unwrap();
        let leaf_der = leaf.cert_der().unwrap();
        let c = Certificate::parse(&leaf_der).unwrap();
        // A leaf named like the root (same subject DER) does not count as its issuer.
        let imposter = Certificate::parse(&leaf_der).unwrap();
        let mut named = imposter.clone();
        named.subject = c.issuer.clone();
        assert_eq!(c.verify_signed_by(&named), Err(IssuerError::NotCa));
        let mut odd = c.clone();
        odd.signature_algorithm.der = &[0x30, 0x00];
        let ca = root.ca().cert_der().unwrap();
        let ca = Certificate::parse(&ca).unwrap();
        assert_eq!(
            odd.verify_signed_by(&ca),
            Err(IssuerError::AlgorithmMismatch)
        );
        let mut odd = c.clone();
        odd.signature_algorithm.algorithm = ObjectId::from_contents(&[0x2a, 0x03]).unwrap();
        odd.tbs_signature = odd.signature_algorithm;
        assert!(matches!(
            odd.verify_signed_by(&ca),
            Err(IssuerError::UnsupportedAlgorithm(_))
        ));
    }

    #[test]
    fn object_ids_and_dotted_strings() {
        let o = ObjectId::from_contents(&[0x55, 0x04, 0x6a]).unwrap();
        assert_eq!(o.to_dotted(), "2.5.4.106");
        assert_eq!(
            ObjectId::from_contents(&[0x29, 0x01, 0x87, 0x67, 0x0c])
                .unwrap()
                .to_string(),
            "1.1.1.999.12"
        );
        assert_eq!(
            ObjectId::from_contents(&[0x88, 0x37, 0x03])
                .unwrap()
                .to_dotted(),
            "2.999.3"
        );
        assert!(ObjectId::from_contents(&[]).is_none());
        assert!(ObjectId::from_contents(&[0x55, 0x84]).is_none());
        assert!(ObjectId::from_contents(&[0x55, 0x80, 0x01]).is_none());
        let mut long = vec![0xffu8; 17];
        long.push(1);
        assert!(ObjectId::from_contents(&long).is_none());
        long.drain(..2); // 16 octets: the longest subidentifier accepted
        assert!(ObjectId::from_contents(&long).is_some());
        assert_eq!(
            canonical_dotted(" 1.1.1.999.12 ").as_deref(),
            Some("1.1.1.999.12")
        );
        for bad in ["", "1", "3.1", "1.40", "1..2", "1.02", "1.2.x", "-1.2"] {
            assert_eq!(canonical_dotted(bad), None, "{bad}");
        }
        assert_eq!(canonical_dotted("2.999").as_deref(), Some("2.999"));
    }

    #[test]
    fn attribute_values_as_text() {
        let a = |tag, value: &'static [u8]| Attribute {
            attribute_type: ObjectId::from_contents(&[0x55, 0x04, 0x03]).unwrap(),
            tag,
            value,
        };
        assert_eq!(a(Tag::PrintableString, b"x y").value_text(), "x y");
        assert_eq!(a(Tag::TeletexString, &[0x41, 0xe9]).value_text(), "A\u{e9}");
        assert_eq!(
            a(Tag::BmpString, &[0x00, 0x41, 0x00, 0xe9]).value_text(),
            "A\u{e9}"
        );
        assert_eq!(a(Tag::Utf8String, b"a\nb").value_text(), "a\\0Ab");
        assert_eq!(a(Tag::OctetString, &[1, 0xab]).value_text(), "#01ab");
        assert_eq!(
            a(Tag::ObjectIdentifier, &[0x55, 0x04]).value_text(),
            "2.5.4"
        );
    }

    #[test]
    fn every_truncation_and_garbage_is_an_error() {
        let root = Pki::new_root("root", KeyKind::EcP256).unwrap();
        let leaf = root
            .issue(
                &LeafSpec::new("ied")
                    .with_key(KeyKind::EcP256)
                    .with_object_identifier("1.1.1.999.1.12"),
            )
            .unwrap();
        let der = with_subject(
            &leaf.cert_der().unwrap(),
            &oid_subject("ied", "1.1.1.999.1.12"),
        );
        assert!(Certificate::parse(&der).is_ok());
        for n in 0..der.len() {
            assert!(Certificate::parse(&der[..n]).is_err(), "truncated at {n}");
        }
        let mut longer = der.clone();
        longer.push(0);
        assert!(Certificate::parse(&longer).is_err());
        // Every single-octet change either fails or still decodes: never a panic.
        for i in 0..der.len() {
            let mut m = der.clone();
            m[i] ^= 0xff;
            let _ = Certificate::parse(&m).map(|c| (c.subject.one_line(), c.is_ca()));
        }
        assert_eq!(
            Certificate::parse(&vec![0u8; MAX_CERTIFICATE_LEN + 1]),
            Err(CertificateError::TooLong(MAX_CERTIFICATE_LEN + 1))
        );
        assert_eq!(subject_line(&[0x30, 0x00]), "");
    }
}
