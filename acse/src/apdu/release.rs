//! RLRQ and RLRE, the A-RELEASE request and response APDUs (ISO 8650-1 / X.227 §9
//! `RLRQ-apdu` \[APPLICATION 2\] `62`, `RLRE-apdu` \[APPLICATION 3\] `63`; docs/facts.md F-605).

use copp::ber::{Tag, Tlv, Writer};

use super::codes::{ReleaseRequestReason, ReleaseResponseReason};
use super::error::AcseError;
use super::external::{decode_user_information, encode_user_information, own_list, External};
use super::fields::{implicit_integer, Fields, EXT};
use super::Limits;

/// Components of RLRQ-apdu and RLRE-apdu in definition order. The higher-level-association
/// additions aso-qualifier \[13\] and asoi-identifier \[14\] are extension additions: skipped.
const ORDER: &[(u32, &str)] = &[
    (0, "reason"),
    (EXT, "extension addition"),
    (30, "user-information"),
];

/// RLRQ-apdu (X.227 §9): libIEC61850 sends `62 03 80 01 00` (reason normal).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rlrq<'a> {
    /// reason \[0\] IMPLICIT Release-request-reason.
    pub reason: Option<ReleaseRequestReason>,
    /// user-information \[30\]. Empty = absent.
    pub user_information: Vec<External<'a>>,
}

/// RLRE-apdu (X.227 §9): `63 03 80 01 00` (reason normal), or `63 00` as libIEC61850 sends.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rlre<'a> {
    /// reason \[0\] IMPLICIT Release-response-reason.
    pub reason: Option<ReleaseResponseReason>,
    /// user-information \[30\]. Empty = absent.
    pub user_information: Vec<External<'a>>,
}

/// Decodes the shared shape: the reason number and the user information.
fn decode_release<'a>(
    tlv: &Tlv<'a>,
    apdu: &'static str,
    limits: &Limits,
) -> Result<(Option<i64>, Vec<External<'a>>), AcseError> {
    let mut f = Fields::new(tlv, apdu, ORDER)?;
    let (mut reason, mut ui) = (None, Vec::new());
    while let Some((n, t)) = f.next()? {
        match n {
            0 => reason = Some(implicit_integer(t, apdu, "reason")?),
            _ => ui = decode_user_information(t, limits.max_list_len, apdu)?,
        }
    }
    Ok((reason, ui))
}

fn encode_release(w: &mut Writer, number: u32, reason: Option<i64>, ui: &[External<'_>]) {
    let mark = w.mark();
    encode_user_information(w, ui);
    if let Some(r) = reason {
        w.integer(Tag::context(0, false), r);
    }
    w.wrap(mark, Tag::application(number, true));
}

impl<'a> Rlrq<'a> {
    /// An RLRQ with reason normal and no user information: `62 03 80 01 00`.
    pub fn normal() -> Rlrq<'a> {
        Rlrq {
            reason: Some(ReleaseRequestReason::Normal),
            user_information: Vec::new(),
        }
    }

    pub(crate) fn decode(tlv: &Tlv<'a>, limits: &Limits) -> Result<Rlrq<'a>, AcseError> {
        let (reason, user_information) = decode_release(tlv, "RLRQ", limits)?;
        Ok(Rlrq {
            reason: reason.map(ReleaseRequestReason::from_code),
            user_information,
        })
    }

    /// Prepends the encoded RLRQ (`62 L ...`).
    pub fn encode(&self, w: &mut Writer) {
        encode_release(w, 2, self.reason.map(|r| r.code()), &self.user_information);
    }

    /// A copy that borrows nothing.
    pub fn into_owned(self) -> Rlrq<'static> {
        Rlrq {
            reason: self.reason,
            user_information: own_list(self.user_information),
        }
    }
}

impl<'a> Rlre<'a> {
    /// An RLRE with reason normal and no user information: `63 03 80 01 00`.
    pub fn normal() -> Rlre<'a> {
        Rlre {
            reason: Some(ReleaseResponseReason::Normal),
            user_information: Vec::new(),
        }
    }

    pub(crate) fn decode(tlv: &Tlv<'a>, limits: &Limits) -> Result<Rlre<'a>, AcseError> {
        let (reason, user_information) = decode_release(tlv, "RLRE", limits)?;
        Ok(Rlre {
            reason: reason.map(ReleaseResponseReason::from_code),
            user_information,
        })
    }

    /// Prepends the encoded RLRE (`63 L ...`).
    pub fn encode(&self, w: &mut Writer) {
        encode_release(w, 3, self.reason.map(|r| r.code()), &self.user_information);
    }

    /// A copy that borrows nothing.
    pub fn into_owned(self) -> Rlre<'static> {
        Rlre {
            reason: self.reason,
            user_information: own_list(self.user_information),
        }
    }
}
