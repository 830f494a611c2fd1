//! [`AcseError`]: an APDU that cannot be parsed or is not allowed (ISO 8650-1 / X.227 §7.3.3.4
//! "invalid APDU"), and the response X.227 prescribes for it.

use copp::ber::{BerError, Tag};

use super::codes::{AbortDiagnostic, AbortSource};
use super::Abrt;

/// An ACSE APDU that could not be decoded, or that breaks the ACSE-1 module of ISO 8650-1 /
/// X.227 §9 (a missing mandatory field, a repeated or misplaced field, a value out of range).
///
/// X.227 §7.3.3.4 treats every such APDU as a protocol error: the ACPM issues an A-P-ABORT,
/// i.e. sends an ABRT with abort-source acse-service-provider. [`AcseError::abort`] builds that
/// ABRT.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AcseError {
    /// The BER encoding itself is broken (X.690 §8.1): truncated, a length beyond the input,
    /// nesting beyond the limit, bad identifier or length octets.
    #[error("invalid BER in ACSE APDU: {0}")]
    Ber(#[from] BerError),
    /// The outer tag is not one of the ACSE APDUs \[APPLICATION 0..4\] (X.227 §9, ACSE-apdu).
    #[error("unknown ACSE APDU with tag {0}")]
    UnknownApdu(Tag),
    /// A-DT, ACRQ or ACRP (\[APPLICATION 5..7\]): APDUs of the higher-level-association functional
    /// unit (X.227bis), which this implementation does not support.
    #[error("ACSE APDU {0} of the higher-level-association functional unit is not supported")]
    UnsupportedApdu(Tag),
    /// The APDU is longer than the configured maximum ([`super::Limits::max_apdu_len`]).
    #[error("ACSE APDU of {len} octets exceeds the limit of {max}")]
    TooLong {
        /// The APDU's length.
        len: usize,
        /// The limit in force.
        max: usize,
    },
    /// A mandatory field is absent: aSO-context-name (AARQ, AARE), result and
    /// result-source-diagnostic (AARE), abort-source (ABRT).
    #[error("{apdu}: mandatory field {field} is missing")]
    Missing {
        /// The APDU.
        apdu: &'static str,
        /// The ACSE-1 field name.
        field: &'static str,
    },
    /// The same field appears twice (X.690 §8.9: a SEQUENCE holds each component once).
    #[error("{apdu}: field {field} is repeated")]
    Repeated {
        /// The APDU.
        apdu: &'static str,
        /// The ACSE-1 field name.
        field: &'static str,
    },
    /// A field appears after a field that the ACSE-1 SEQUENCE places after it (X.690 §8.9:
    /// components in the order of the type definition).
    #[error("{apdu}: field {field} is out of order")]
    OutOfOrder {
        /// The APDU.
        apdu: &'static str,
        /// The ACSE-1 field name.
        field: &'static str,
    },
    /// A component whose tag is not allowed at this position (not context-specific, or a tag
    /// number above 127, or an alternative a CHOICE does not have).
    #[error("{apdu}: unexpected tag {tag} in {field}")]
    UnexpectedTag {
        /// The APDU.
        apdu: &'static str,
        /// The field (or the APDU itself) being decoded.
        field: &'static str,
        /// The tag found.
        tag: Tag,
    },
    /// A field whose value is not allowed by the ACSE-1 module (e.g. an Associate-result other
    /// than 0..2, an ABRT-source other than 0..1, a BIT STRING longer than 32 bits).
    #[error("{apdu}: invalid value in {field}")]
    InvalidValue {
        /// The APDU.
        apdu: &'static str,
        /// The ACSE-1 field name.
        field: &'static str,
    },
    /// A SEQUENCE OF (user-information, aSO-context-name-list) has more elements than
    /// [`super::Limits::max_list_len`].
    #[error("{apdu}: {field} has more than {max} elements")]
    TooManyElements {
        /// The APDU.
        apdu: &'static str,
        /// The ACSE-1 field name.
        field: &'static str,
        /// The limit in force.
        max: usize,
    },
}

impl AcseError {
    /// The ABRT X.227 §7.3.3.4 prescribes for an invalid APDU (A-P-ABORT): abort-source
    /// acse-service-provider, abort-diagnostic protocol-error, no user information.
    ///
    /// X.227 §9 says abort-diagnostic "shall not be present if only the Kernel is used"; an
    /// association that did not select the authentication functional unit may clear
    /// [`Abrt::diagnostic`] before sending. Every peer seen so far accepts it either way.
    pub fn abort(&self) -> Abrt<'static> {
        Abrt {
            source: AbortSource::ServiceProvider,
            diagnostic: Some(AbortDiagnostic::ProtocolError),
            user_information: Vec::new(),
        }
    }
}

/// Shorthand used by the decoders: an error in `field` of `apdu`.
pub(crate) fn invalid(apdu: &'static str, field: &'static str) -> AcseError {
    AcseError::InvalidValue { apdu, field }
}

/// Converts a [`BerError`] met inside a field into an [`AcseError`], keeping structural BER
/// errors as they are and naming the field for value errors.
pub(crate) fn in_field(apdu: &'static str, field: &'static str) -> impl Fn(BerError) -> AcseError {
    move |e| match e {
        BerError::UnexpectedTag { found, .. } | BerError::WrongForm(found) => {
            AcseError::UnexpectedTag {
                apdu,
                field,
                tag: found,
            }
        }
        BerError::InvalidInteger
        | BerError::InvalidOid
        | BerError::InvalidBitString
        | BerError::InvalidBoolean
        | BerError::InvalidValue(_)
        | BerError::Missing(_) => AcseError::InvalidValue { apdu, field },
        other => AcseError::Ber(other),
    }
}
