//! The ACSE APDUs of ISO 8650-1 / ITU-T X.227 §9 (module ACSE-1, as revised by X.227bis):
//! AARQ, AARE, RLRQ, RLRE and ABRT with every field of the module's root, parsed zero-copy and
//! bounded, and encoded with the stack's one BER writer ([`copp::ber::Writer`]).
//!
//! * [`parse`] / [`parse_with`] take one encoded APDU (what a presentation PDV's
//!   single-ASN1-type holds, or the user data of a CP/CPA/ARU) and return an [`Apdu`] that
//!   borrows its byte fields from the input. Nothing is allocated in proportion to a length
//!   a peer sent: the only allocations are the lists (user-information, aSO-context-name-list),
//!   bounded by [`Limits::max_list_len`].
//! * Every type holds `Cow` byte fields, so the same types are built owned (`Apdu<'static>`)
//!   by an application or a security provider; [`Apdu::into_owned`] turns a parsed one owned.
//! * [`Apdu::encode`] writes the APDU once into a [`copp::ber::Writer`] (back to front).
//!
//! Decoding policy (X.690 §8.9 for SEQUENCE, X.680 extensibility for the `...` markers):
//! components must come in definition order; a repeated component is refused
//! ([`AcseError::Repeated`]), a misplaced one too ([`AcseError::OutOfOrder`]); a missing
//! mandatory one is [`AcseError::Missing`]. Unknown context-specific components between the
//! root and `user-information` are extension additions: they are skipped, not kept, and not
//! re-sent. Non-context-specific components are [`AcseError::UnexpectedTag`]. A-DT/ACRQ/ACRP
//! (higher-level association) are [`AcseError::UnsupportedApdu`].
//!
//! Every error is a protocol error for which X.227 §7.3.3.4 prescribes an A-P-ABORT:
//! [`AcseError::abort`] gives the ABRT to send.

mod aare;
mod aarq;
mod abrt;
mod auth;
mod codes;
mod error;
mod external;
mod fields;
mod names;
pub mod oids;
mod release;

#[cfg(test)]
mod tests;

use copp::ber::{Class, Reader, Tag, Writer, DEFAULT_MAX_DEPTH};

pub use aare::Aare;
pub use aarq::Aarq;
pub use abrt::Abrt;
pub use auth::{AcseRequirements, AuthenticationValue, ProtocolVersion};
pub use codes::{
    write_abrt, AbortDiagnostic, AbortSource, AssociateResult, Diagnostic, ReleaseRequestReason,
    ReleaseResponseReason, ServiceProviderDiagnostic, ServiceUserDiagnostic,
};
pub use copp::ber::Oid;
pub use error::AcseError;
pub use external::{External, ExternalEncoding};
pub use names::{ae_title_form2, AeQualifier, ApTitle};
pub use release::{Rlre, Rlrq};

/// Bounds applied while parsing an APDU (docs/design.md principle 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The longest APDU accepted, in octets. Default 65 536: an ACCEPT SPDU carries at most
    /// 65 535 − 56 octets of user data in PGI 193 (docs/facts.md F-405), a CONNECT 10 240.
    pub max_apdu_len: usize,
    /// The deepest nesting of constructed values entered (the APDU counts as 1). Default
    /// [`DEFAULT_MAX_DEPTH`] (64). Only indefinite-length values are walked below the fields
    /// this module decodes, so the limit is what bounds the search for their end.
    pub max_depth: u16,
    /// The most elements accepted in one SEQUENCE OF (user-information EXTERNALs,
    /// aSO-context-name-list names). Default 16.
    pub max_list_len: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_apdu_len: 65_536,
            max_depth: DEFAULT_MAX_DEPTH,
            max_list_len: 16,
        }
    }
}

/// One ACSE APDU (X.227 §9 `ACSE-apdu`, the root alternatives).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Apdu<'a> {
    /// A-ASSOCIATE request, \[APPLICATION 0\].
    Aarq(Aarq<'a>),
    /// A-ASSOCIATE response, \[APPLICATION 1\].
    Aare(Aare<'a>),
    /// A-RELEASE request, \[APPLICATION 2\].
    Rlrq(Rlrq<'a>),
    /// A-RELEASE response, \[APPLICATION 3\].
    Rlre(Rlre<'a>),
    /// A-ABORT / A-P-ABORT, \[APPLICATION 4\].
    Abrt(Abrt<'a>),
}

/// Parses one encoded APDU with the default [`Limits`]. The whole input must be the APDU.
pub fn parse(b: &[u8]) -> Result<Apdu<'_>, AcseError> {
    parse_with(b, &Limits::default())
}

/// Parses one encoded APDU with explicit [`Limits`]. The whole input must be the APDU
/// (octets after it are [`copp::ber::BerError::TrailingData`]).
pub fn parse_with<'a>(b: &'a [u8], limits: &Limits) -> Result<Apdu<'a>, AcseError> {
    if b.len() > limits.max_apdu_len {
        return Err(AcseError::TooLong {
            len: b.len(),
            max: limits.max_apdu_len,
        });
    }
    let mut r = Reader::with_depth(b, limits.max_depth);
    let tlv = r.read()?;
    r.finish()?;
    let tag = tlv.tag;
    if tag.class != Class::Application {
        return Err(AcseError::UnknownApdu(tag));
    }
    if !tag.constructed {
        return Err(AcseError::UnexpectedTag {
            apdu: "ACSE-apdu",
            field: "ACSE-apdu",
            tag,
        });
    }
    match tag.number {
        0 => Ok(Apdu::Aarq(Aarq::decode(&tlv, limits)?)),
        1 => Ok(Apdu::Aare(Aare::decode(&tlv, limits)?)),
        2 => Ok(Apdu::Rlrq(Rlrq::decode(&tlv, limits)?)),
        3 => Ok(Apdu::Rlre(Rlre::decode(&tlv, limits)?)),
        4 => Ok(Apdu::Abrt(Abrt::decode(&tlv, limits)?)),
        5..=7 => Err(AcseError::UnsupportedApdu(tag)),
        _ => Err(AcseError::UnknownApdu(tag)),
    }
}

impl<'a> Apdu<'a> {
    /// Prepends the encoded APDU to `w`.
    pub fn encode(&self, w: &mut Writer) {
        match self {
            Apdu::Aarq(a) => a.encode(w),
            Apdu::Aare(a) => a.encode(w),
            Apdu::Rlrq(a) => a.encode(w),
            Apdu::Rlre(a) => a.encode(w),
            Apdu::Abrt(a) => a.encode(w),
        }
    }

    /// The encoded APDU in a new vector.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.encode(&mut w);
        w.into_vec()
    }

    /// A copy that borrows nothing.
    pub fn into_owned(self) -> Apdu<'static> {
        match self {
            Apdu::Aarq(a) => Apdu::Aarq(a.into_owned()),
            Apdu::Aare(a) => Apdu::Aare(a.into_owned()),
            Apdu::Rlrq(a) => Apdu::Rlrq(a.into_owned()),
            Apdu::Rlre(a) => Apdu::Rlre(a.into_owned()),
            Apdu::Abrt(a) => Apdu::Abrt(a.into_owned()),
        }
    }

    /// The APDU's short name ("AARQ", "AARE", "RLRQ", "RLRE", "ABRT").
    pub fn name(&self) -> &'static str {
        match self {
            Apdu::Aarq(_) => "AARQ",
            Apdu::Aare(_) => "AARE",
            Apdu::Rlrq(_) => "RLRQ",
            Apdu::Rlre(_) => "RLRE",
            Apdu::Abrt(_) => "ABRT",
        }
    }

    /// The APDU's tag, [APPLICATION n] constructed.
    pub fn tag(&self) -> Tag {
        let n = match self {
            Apdu::Aarq(_) => 0,
            Apdu::Aare(_) => 1,
            Apdu::Rlrq(_) => 2,
            Apdu::Rlre(_) => 3,
            Apdu::Abrt(_) => 4,
        };
        Tag::application(n, true)
    }

    /// The user information of any APDU.
    pub fn user_information(&self) -> &[External<'a>] {
        match self {
            Apdu::Aarq(a) => &a.user_information,
            Apdu::Aare(a) => &a.user_information,
            Apdu::Rlrq(a) => &a.user_information,
            Apdu::Rlre(a) => &a.user_information,
            Apdu::Abrt(a) => &a.user_information,
        }
    }

    /// The user information of any APDU, to replace or extend (a security provider wrapping
    /// the application's data does this).
    pub fn user_information_mut(&mut self) -> &mut Vec<External<'a>> {
        match self {
            Apdu::Aarq(a) => &mut a.user_information,
            Apdu::Aare(a) => &mut a.user_information,
            Apdu::Rlrq(a) => &mut a.user_information,
            Apdu::Rlre(a) => &mut a.user_information,
            Apdu::Abrt(a) => &mut a.user_information,
        }
    }
}
