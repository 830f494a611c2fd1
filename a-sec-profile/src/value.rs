//! The MMS-Authentication-value of IEC 62351-4 §11.2.2 (compatibility mode, the 2007 A-profile;
//! docs/facts.md §1.9.2) and how ACSE's Authentication-value carries it (docs/facts.md F-905, F-907,
//! U-04).
//!
//! ```text
//! MMS-Authentication-value ::= CHOICE {
//!     certificate-based [0] IMPLICIT SEQUENCE {
//!         authentication-Certificate [0] IMPLICIT OCTET STRING,   -- DER X.509, <= 8192 octets
//!         time                       [1] IMPLICIT GeneralizedTime,
//!         signature                  [2] IMPLICIT OCTET STRING } }
//! ```
//!
//! The encoder writes the form above (`A0 L 80 L cert 81 L time 82 L sig`). The decoder is
//! lenient (U-04) and zero-copy: it also accepts the fields inside an extra universal SEQUENCE
//! (`A0 L 30 L 80 81 82`) and a bare SEQUENCE (`30 L 80 81 82`), and
//! [`from_authentication_value`] accepts the value as ACSE's `external [2]` (any combination
//! of direct and indirect reference, single-ASN1-type or octet-aligned) or `other [3]`.
//! Every length is checked against what remains and against the bounds below before anything
//! is used; nothing is allocated.

use std::borrow::Cow;
use std::fmt;

use acse::apdu::{AuthenticationValue, External, ExternalEncoding, Oid};
use copp::ber::{Reader, Tag, Tlv, Writer};

/// The largest certificate accepted or sent: 8192 octets (IEC 62351-4 §11.2.2 and
/// IEC 62351-3 maximum certificate size; docs/facts.md §1.9.2).
pub const MAX_CERTIFICATE_LEN: usize = 8192;

/// The longest `time` accepted: 64 octets (a GeneralizedTime with a long fraction is under
/// 32; SISCO bounds its signed time at 128, docs/facts.md F-916).
pub const MAX_TIME_LEN: usize = 64;

/// The longest `signature` accepted: 1024 octets (an RSA-8192 signature; IEC 62351-4 §11.2.2
/// requires RSA >= 2048, i.e. at least 256 octets).
pub const MAX_SIGNATURE_LEN: usize = 1024;

/// How deep the decoder lets BER nest (the value has at most four levels).
const MAX_DEPTH: u16 = 8;

/// Which of the wrappings of U-04 the certificate-based fields came in (IEC 62351-4 §11.2.2,
/// docs/facts.md U-04). Kept so a responder can report what it saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueShape {
    /// `A0 { 80 81 82 }`: certificate-based \[0\] IMPLICIT SEQUENCE (what we send).
    Tagged,
    /// `A0 { 30 { 80 81 82 } }`: an extra universal SEQUENCE inside \[0\].
    TaggedSequence,
    /// `30 { 80 81 82 }`: a bare SEQUENCE without the CHOICE tag.
    Sequence,
}

/// A decoded MMS-Authentication-value (IEC 62351-4 §11.2.2), borrowing from the received octets.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct MmsAuthenticationValue<'a> {
    /// authentication-Certificate \[0\]: the DER X.509 certificate (at most
    /// [`MAX_CERTIFICATE_LEN`] octets).
    pub certificate: &'a [u8],
    /// time \[1\]: the GeneralizedTime contents octets (what is signed, F-911).
    pub time: &'a [u8],
    /// The whole `time` field as received (`81 L ...`), for the non-conformant signature
    /// variants of U-03.
    pub time_tlv: &'a [u8],
    /// signature \[2\]: the signature octets (RSASSA-PKCS1-v1_5, or a DER ECDSA-Sig-Value).
    pub signature: &'a [u8],
    /// The wrapping the fields came in.
    pub shape: ValueShape,
}

impl fmt::Debug for MmsAuthenticationValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MmsAuthenticationValue")
            .field("certificate_len", &self.certificate.len())
            .field("time", &String::from_utf8_lossy(self.time))
            .field("signature_len", &self.signature.len())
            .field("shape", &self.shape)
            .finish()
    }
}

/// Why an authentication value could not be decoded (IEC 62351-4 §11.2.2; the responder
/// answers every one of these with the authentication-failure diagnostic).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValueError {
    /// The BER structure is broken (truncated, bad length, too deep, trailing octets).
    #[error("malformed BER: {0}")]
    Ber(String),
    /// A tag other than those of U-04 where the value or one of its fields should be.
    #[error("unexpected tag {0} in the MMS-Authentication-value")]
    UnexpectedTag(Tag),
    /// A mandatory field is absent.
    #[error("field {0} is missing")]
    Missing(&'static str),
    /// A field is longer than its bound.
    #[error("field {field} has {len} octets, more than {max}")]
    TooLong {
        /// Which field.
        field: &'static str,
        /// Its length.
        len: usize,
        /// The bound.
        max: usize,
    },
    /// The Authentication-value alternative cannot carry an MMS-Authentication-value
    /// (charstring, bitstring, arbitrary EXTERNAL encoding).
    #[error("authentication value alternative {0} cannot carry an MMS-Authentication-value")]
    WrongAlternative(&'static str),
}

impl From<copp::ber::BerError> for ValueError {
    fn from(e: copp::ber::BerError) -> Self {
        ValueError::Ber(e.to_string())
    }
}

impl<'a> MmsAuthenticationValue<'a> {
    /// Decodes one MMS-Authentication-value: exactly one BER value in `input`, in any of the
    /// shapes of [`ValueShape`] (docs/facts.md U-04).
    pub fn decode(input: &'a [u8]) -> Result<MmsAuthenticationValue<'a>, ValueError> {
        let mut r = Reader::with_depth(input, MAX_DEPTH);
        let outer = r.read()?;
        r.finish()?;
        let (fields, shape) = match outer.tag {
            t if t == Tag::context(0, true) => {
                // [0] { 80 .. } or [0] { 30 { 80 .. } }
                let mut inner = outer.reader()?;
                match inner.peek_tag()? {
                    Some(Tag::SEQUENCE) => {
                        let seq = inner.read()?;
                        inner.finish()?;
                        (seq, ValueShape::TaggedSequence)
                    }
                    _ => (outer, ValueShape::Tagged),
                }
            }
            Tag::SEQUENCE => (outer, ValueShape::Sequence),
            t => return Err(ValueError::UnexpectedTag(t)),
        };
        Self::fields(fields, shape)
    }

    fn fields(tlv: Tlv<'a>, shape: ValueShape) -> Result<MmsAuthenticationValue<'a>, ValueError> {
        let mut r = tlv.reader()?;
        let cert = r
            .read_if(Tag::context(0, false))?
            .ok_or(ValueError::Missing("authentication-Certificate [0]"))?;
        let time = r
            .read_if(Tag::context(1, false))?
            .ok_or(ValueError::Missing("time [1]"))?;
        let sig = r
            .read_if(Tag::context(2, false))?
            .ok_or(ValueError::Missing("signature [2]"))?;
        if let Some(t) = r.peek_tag()? {
            return Err(ValueError::UnexpectedTag(t));
        }
        let certificate = bounded(
            cert.octets()?,
            "authentication-Certificate",
            MAX_CERTIFICATE_LEN,
        )?;
        let time_octets = bounded(time.octets()?, "time", MAX_TIME_LEN)?;
        let signature = bounded(sig.octets()?, "signature", MAX_SIGNATURE_LEN)?;
        if certificate.is_empty() {
            return Err(ValueError::Missing("authentication-Certificate contents"));
        }
        if signature.is_empty() {
            return Err(ValueError::Missing("signature contents"));
        }
        Ok(MmsAuthenticationValue {
            certificate,
            time: time_octets,
            time_tlv: time.raw,
            signature,
            shape,
        })
    }
}

fn bounded<'a>(v: &'a [u8], field: &'static str, max: usize) -> Result<&'a [u8], ValueError> {
    if v.len() > max {
        Err(ValueError::TooLong {
            field,
            len: v.len(),
            max,
        })
    } else {
        Ok(v)
    }
}

/// Prepends the certificate-based MMS-Authentication-value `A0 L 80 L cert 81 L time 82 L sig`
/// (IEC 62351-4 §11.2.2) to `w` (the stack's back-to-front BER writer). `time` is the
/// GeneralizedTime contents octets.
pub fn encode(w: &mut Writer, certificate: &[u8], time: &[u8], signature: &[u8]) {
    let mark = w.mark();
    w.octets(Tag::context(2, false), signature);
    w.octets(Tag::context(1, false), time);
    w.octets(Tag::context(0, false), certificate);
    w.wrap(mark, Tag::context(0, true));
}

/// [`encode`] into a new vector.
pub fn encode_to_vec(certificate: &[u8], time: &[u8], signature: &[u8]) -> Vec<u8> {
    let mut w = Writer::with_capacity(certificate.len() + time.len() + signature.len() + 16);
    encode(&mut w, certificate, time, signature);
    w.into_vec()
}

/// How ACSE's Authentication-value carried the MMS-Authentication-value (X.227 §9
/// Authentication-value; docs/facts.md F-905, F-907, U-04). A responder mirrors it in its AARE.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Carrier {
    /// `external [2]` EXTERNAL: the IEC 2018 form has an indirect reference (the
    /// mmsAuthenticationAS presentation context), the legacy SISCO form none; a direct
    /// reference is tolerated.
    External {
        /// direct-reference, if present.
        direct_reference: Option<Oid<'static>>,
        /// indirect-reference, if present.
        indirect_reference: Option<i64>,
        /// True when the value came octet-aligned \[1\] rather than single-ASN1-type \[0\].
        octet_aligned: bool,
    },
    /// `other [3]` { other-mechanism-name, other-mechanism-value }.
    Other {
        /// other-mechanism-name.
        mechanism: Oid<'static>,
    },
}

impl Carrier {
    /// The IEC 2018 form: EXTERNAL with indirect-reference `context_id` (docs/facts.md F-905).
    pub fn iec2018(context_id: i64) -> Carrier {
        Carrier::External {
            direct_reference: None,
            indirect_reference: Some(context_id),
            octet_aligned: false,
        }
    }

    /// The legacy SISCO form: EXTERNAL without references (docs/facts.md F-907).
    pub fn legacy() -> Carrier {
        Carrier::External {
            direct_reference: None,
            indirect_reference: None,
            octet_aligned: false,
        }
    }

    /// True when this is an EXTERNAL without any reference (the legacy SISCO dialect).
    pub fn is_legacy(&self) -> bool {
        matches!(
            self,
            Carrier::External {
                direct_reference: None,
                indirect_reference: None,
                ..
            }
        )
    }

    /// Wraps an encoded MMS-Authentication-value (`value`, one BER value) in this carrier.
    pub fn wrap(&self, value: Vec<u8>) -> AuthenticationValue<'static> {
        match self {
            Carrier::External {
                direct_reference,
                indirect_reference,
                octet_aligned,
            } => AuthenticationValue::External(External {
                direct_reference: direct_reference.clone(),
                indirect_reference: *indirect_reference,
                data_value_descriptor: None,
                encoding: if *octet_aligned {
                    ExternalEncoding::OctetAligned(Cow::Owned(value))
                } else {
                    ExternalEncoding::SingleAsn1Type(Cow::Owned(value))
                },
            }),
            Carrier::Other { mechanism } => AuthenticationValue::Other {
                mechanism: mechanism.clone(),
                value: Cow::Owned(value),
            },
        }
    }
}

/// Finds and decodes the MMS-Authentication-value inside an ACSE Authentication-value
/// (calling- or responding-authentication-value), accepting every carrier of U-04.
pub fn from_authentication_value<'v>(
    av: &'v AuthenticationValue<'_>,
) -> Result<(MmsAuthenticationValue<'v>, Carrier), ValueError> {
    match av {
        AuthenticationValue::External(e) => {
            let (bytes, octet_aligned) = match &e.encoding {
                ExternalEncoding::SingleAsn1Type(v) => (v.as_ref(), false),
                ExternalEncoding::OctetAligned(v) => (v.as_ref(), true),
                ExternalEncoding::Arbitrary { .. } => {
                    return Err(ValueError::WrongAlternative("external/arbitrary"))
                }
            };
            let value = MmsAuthenticationValue::decode(bytes)?;
            Ok((
                value,
                Carrier::External {
                    direct_reference: e.direct_reference.as_ref().map(|o| o.to_owned()),
                    indirect_reference: e.indirect_reference,
                    octet_aligned,
                },
            ))
        }
        AuthenticationValue::Other { mechanism, value } => {
            let v = MmsAuthenticationValue::decode(value.as_ref())?;
            Ok((
                v,
                Carrier::Other {
                    mechanism: mechanism.to_owned(),
                },
            ))
        }
        AuthenticationValue::CharString(_) => Err(ValueError::WrongAlternative("charstring")),
        AuthenticationValue::BitString { .. } => Err(ValueError::WrongAlternative("bitstring")),
    }
}

#[cfg(test)]
mod tests {
    // The vectors are built from the §11.2.2 field layout; tshark decodes the same encoder's
    // output inside real AARQs/AAREs in interop-tests/tests/a_profile_mms.rs.
    use super::*;
    use acse::apdu::oids::MMS_AUTHENTICATION_AS;

    const CERT: &[u8] = &[0x30, 0x03, 0x02, 0x01, 0x07];
    const TIME: &[u8] = b"20260929141405Z";
    const SIG: &[u8] = &[0xAA; 4];

    fn fields() -> Vec<u8> {
        let mut v = vec![0x80, CERT.len() as u8];
        v.extend_from_slice(CERT);
        v.extend_from_slice(&[0x81, TIME.len() as u8]);
        v.extend_from_slice(TIME);
        v.extend_from_slice(&[0x82, SIG.len() as u8]);
        v.extend_from_slice(SIG);
        v
    }

    fn wrap(tag: u8, inner: &[u8]) -> Vec<u8> {
        let mut v = vec![tag, inner.len() as u8];
        v.extend_from_slice(inner);
        v
    }

    #[test]
    fn encoder_writes_the_certificate_based_choice() {
        // A0 1C 80 05 <cert> 81 0F <time> 82 04 <sig>
        let enc = encode_to_vec(CERT, TIME, SIG);
        assert_eq!(enc, wrap(0xA0, &fields()));
        let d = MmsAuthenticationValue::decode(&enc).unwrap();
        assert_eq!(d.certificate, CERT);
        assert_eq!(d.time, TIME);
        assert_eq!(d.signature, SIG);
        assert_eq!(d.time_tlv, &enc[9..26]);
        assert_eq!(d.shape, ValueShape::Tagged);
    }

    #[test]
    fn decoder_accepts_every_shape_of_u04() {
        let f = fields();
        let tagged_seq = wrap(0xA0, &wrap(0x30, &f));
        let seq = wrap(0x30, &f);
        for (bytes, shape) in [
            (wrap(0xA0, &f), ValueShape::Tagged),
            (tagged_seq, ValueShape::TaggedSequence),
            (seq, ValueShape::Sequence),
        ] {
            let d = MmsAuthenticationValue::decode(&bytes).unwrap();
            assert_eq!((d.certificate, d.time, d.signature), (CERT, TIME, SIG));
            assert_eq!(d.shape, shape);
        }
    }

    #[test]
    fn decoder_refuses_broken_values() {
        let f = fields();
        // Unknown outer tag.
        assert!(matches!(
            MmsAuthenticationValue::decode(&wrap(0xA1, &f)),
            Err(ValueError::UnexpectedTag(_))
        ));
        // Missing signature.
        let no_sig = &f[..f.len() - 6];
        assert!(matches!(
            MmsAuthenticationValue::decode(&wrap(0xA0, no_sig)),
            Err(ValueError::Missing(_))
        ));
        // Fields out of order (time first).
        let mut swapped = f[7..].to_vec();
        swapped.extend_from_slice(&f[..7]);
        assert!(MmsAuthenticationValue::decode(&wrap(0xA0, &swapped)).is_err());
        // Extra field.
        let mut extra = f.clone();
        extra.extend_from_slice(&[0x83, 0x00]);
        assert!(matches!(
            MmsAuthenticationValue::decode(&wrap(0xA0, &extra)),
            Err(ValueError::UnexpectedTag(_))
        ));
        // Trailing octets after the value.
        let mut trailing = wrap(0xA0, &f);
        trailing.push(0);
        assert!(matches!(
            MmsAuthenticationValue::decode(&trailing),
            Err(ValueError::Ber(_))
        ));
        // Truncated.
        let whole = wrap(0xA0, &f);
        for n in 0..whole.len() {
            assert!(MmsAuthenticationValue::decode(&whole[..n]).is_err(), "{n}");
        }
        // Constructed certificate (segmented string) refused.
        let mut seg = vec![0xA0, 0x02, 0x04, 0x00];
        seg.extend_from_slice(&f[7..]);
        assert!(MmsAuthenticationValue::decode(&wrap(0xA0, &seg)).is_err());
        // Empty certificate.
        let mut empty = vec![0x80, 0x00];
        empty.extend_from_slice(&f[7..]);
        assert!(matches!(
            MmsAuthenticationValue::decode(&wrap(0xA0, &empty)),
            Err(ValueError::Missing(_))
        ));
    }

    #[test]
    fn certificate_bound_is_8192() {
        let cert = vec![0x30; MAX_CERTIFICATE_LEN];
        let ok = encode_to_vec(&cert, TIME, SIG);
        assert_eq!(
            MmsAuthenticationValue::decode(&ok)
                .unwrap()
                .certificate
                .len(),
            8192
        );
        let cert = vec![0x30; MAX_CERTIFICATE_LEN + 1];
        let big = encode_to_vec(&cert, TIME, SIG);
        assert!(matches!(
            MmsAuthenticationValue::decode(&big),
            Err(ValueError::TooLong { len: 8193, .. })
        ));
        let long_sig = encode_to_vec(CERT, TIME, &[1; MAX_SIGNATURE_LEN + 1]);
        assert!(matches!(
            MmsAuthenticationValue::decode(&long_sig),
            Err(ValueError::TooLong { .. })
        ));
        let long_time = encode_to_vec(CERT, &[b'1'; MAX_TIME_LEN + 1], SIG);
        assert!(matches!(
            MmsAuthenticationValue::decode(&long_time),
            Err(ValueError::TooLong { .. })
        ));
    }

    #[test]
    fn carriers_round_trip_and_mirror() {
        let v = encode_to_vec(CERT, TIME, SIG);
        let mms_as = MMS_AUTHENTICATION_AS;
        let carriers = [
            Carrier::iec2018(5),
            Carrier::legacy(),
            Carrier::External {
                direct_reference: Some(mms_as.clone()),
                indirect_reference: None,
                octet_aligned: false,
            },
            Carrier::External {
                direct_reference: Some(mms_as.clone()),
                indirect_reference: Some(5),
                octet_aligned: true,
            },
            Carrier::Other {
                mechanism: acse::apdu::oids::A_PROFILE_MECHANISM,
            },
        ];
        for c in carriers {
            let av = c.wrap(v.clone());
            let (d, back) = from_authentication_value(&av).unwrap();
            assert_eq!(back, c);
            assert_eq!(d.certificate, CERT);
        }
        assert!(Carrier::legacy().is_legacy());
        assert!(!Carrier::iec2018(5).is_legacy());
        assert!(matches!(
            from_authentication_value(&AuthenticationValue::CharString(Cow::Borrowed(b"x"))),
            Err(ValueError::WrongAlternative("charstring"))
        ));
        assert!(matches!(
            from_authentication_value(&AuthenticationValue::External(External {
                direct_reference: None,
                indirect_reference: None,
                data_value_descriptor: None,
                encoding: ExternalEncoding::Arbitrary {
                    unused: 0,
                    bits: Cow::Borrowed(&[0])
                }
            })),
            Err(ValueError::WrongAlternative(_))
        ));
    }

    #[test]
    fn debug_does_not_dump_the_certificate() {
        let v = encode_to_vec(CERT, TIME, SIG);
        let d = MmsAuthenticationValue::decode(&v).unwrap();
        let s = format!("{d:?}");
        assert!(
            s.contains("certificate_len: 5") && s.contains("20260929141405Z"),
            "{s}"
        );
    }
}
