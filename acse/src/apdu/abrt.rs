//! ABRT, the A-ABORT / A-P-ABORT APDU (ISO 8650-1 / X.227 §9 `ABRT-apdu`, \[APPLICATION 4\]
//! `64`; docs/facts.md F-605).

use copp::ber::{Tag, Tlv, Writer};

use super::codes::{AbortDiagnostic, AbortSource};
use super::error::{invalid, AcseError};
use super::external::{decode_user_information, encode_user_information, own_list, External};
use super::fields::{implicit_integer, Fields, EXT};
use super::Limits;

const APDU: &str = "ABRT";

/// Components of ABRT-apdu in definition order; aso-qualifier \[13\] and asoi-identifier \[14\]
/// (higher-level association) are extension additions: skipped.
const ORDER: &[(u32, &str)] = &[
    (0, "abort-source"),
    (1, "abort-diagnostic"),
    (EXT, "extension addition"),
    (30, "user-information"),
];

/// ABRT-apdu (X.227 §9): libIEC61850 sends `64 03 80 01 00` or `64 03 80 01 01`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Abrt<'a> {
    /// abort-source \[0\] (mandatory).
    pub source: AbortSource,
    /// abort-diagnostic \[1\] IMPLICIT ENUMERATED; X.227 omits it when only the kernel is used.
    pub diagnostic: Option<AbortDiagnostic>,
    /// user-information \[30\]. Empty = absent.
    pub user_information: Vec<External<'a>>,
}

impl<'a> Abrt<'a> {
    /// An ABRT with only the abort source.
    pub fn new(source: AbortSource) -> Abrt<'a> {
        Abrt {
            source,
            diagnostic: None,
            user_information: Vec::new(),
        }
    }

    pub(crate) fn decode(tlv: &Tlv<'a>, limits: &Limits) -> Result<Abrt<'a>, AcseError> {
        let mut f = Fields::new(tlv, APDU, ORDER)?;
        let mut source = None;
        let mut a = Abrt::new(AbortSource::ServiceUser);
        while let Some((n, t)) = f.next()? {
            let name = f.name(n);
            match n {
                0 => {
                    source = Some(
                        AbortSource::from_code(implicit_integer(t, APDU, name)?)
                            .ok_or(invalid(APDU, name))?,
                    )
                }
                1 => {
                    a.diagnostic =
                        Some(AbortDiagnostic::from_code(implicit_integer(t, APDU, name)?))
                }
                _ => a.user_information = decode_user_information(t, limits.max_list_len, APDU)?,
            }
        }
        a.source = source.ok_or(AcseError::Missing {
            apdu: APDU,
            field: "abort-source",
        })?;
        Ok(a)
    }

    /// Prepends the encoded ABRT (`64 L ...`).
    pub fn encode(&self, w: &mut Writer) {
        let mark = w.mark();
        encode_user_information(w, &self.user_information);
        if let Some(d) = self.diagnostic {
            // ENUMERATED under an IMPLICIT tag: same contents octets as an INTEGER.
            w.integer(Tag::context(1, false), d.code());
        }
        w.integer(Tag::context(0, false), self.source.code());
        w.wrap(mark, Tag::application(4, true));
    }

    /// A copy that borrows nothing.
    pub fn into_owned(self) -> Abrt<'static> {
        Abrt {
            source: self.source,
            diagnostic: self.diagnostic,
            user_information: own_list(self.user_information),
        }
    }
}
