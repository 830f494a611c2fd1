//! ISO 8073 / ITU-T X.224 §13: structure and encoding of the TPDUs used by class 0
//! over RFC 1006 (CR, CC, DR, DT, ER), parsed zero-copy from a TPKT payload.
//!
//! Readings of the standard applied here (also in `docs/robustness.md`):
//! - §13.2.3: parameters of the variable part that this crate does not interpret
//!   (checksum 0xC3, version 0xC4, protection 0xC5, 0x85–0x8B, 0xF2, and codes the
//!   standard does not define) are skipped in every TPDU type. X.224 requires this
//!   for the CR; we extend it to CC, DR and ER because those TPDUs end or confirm a
//!   connection and rejecting them helps nobody. Class 0 has no checksum, so 0xC3
//!   is never verified.
//! - A parameter this crate interprets that appears twice is an error
//!   ([`CotpError::RepeatedParameter`]): the two values could disagree (two called
//!   TSAPs, two sizes) and the standard allows each parameter once.
//! - §13.7: a class 0 DT has LI = 2 and no variable part; bits 7..1 of octet 3
//!   (TPDU-NR) are not used in class 0: we send 0 and ignore them on receipt.
//! - §13.3.4: the preferred maximum TPDU size (0xF0, units of 128 octets, 1–4
//!   octets) takes precedence over the TPDU size parameter (0xC0) when both are
//!   present; absent both, the size is 128 octets.
//! - TPDU size codes 0x07..=0x10 are accepted: ISO 8073 allows 0x07..=0x0B in
//!   class 0, RFC 1006 stacks use up to 0x0D and some 0x10. Code 0x10 (2^16) is
//!   treated as 65531 octets, the largest TPDU a TPKT can carry.

use nom::{
    multi::length_data,
    number::complete::{be_u16, be_u8},
    sequence::tuple,
    IResult,
};
use thiserror::Error;

/// ISO 8073 §13.3: CR TPDU code (high nibble 1110; low nibble = CDT, 0 in class 0).
pub const CODE_CR: u8 = 0xE0;
/// ISO 8073 §13.4: CC TPDU code.
pub const CODE_CC: u8 = 0xD0;
/// ISO 8073 §13.5: DR TPDU code.
pub const CODE_DR: u8 = 0x80;
/// ISO 8073 §13.6: DC TPDU code (not used in class 0).
pub const CODE_DC: u8 = 0xC0;
/// ISO 8073 §13.7: DT TPDU code.
pub const CODE_DT: u8 = 0xF0;
/// ISO 8073 §13.12: ER TPDU code.
pub const CODE_ER: u8 = 0x70;
/// ISO 8073 §13.2.1: largest valid length indicator (255 is reserved).
pub const MAX_LI: usize = 254;
/// ISO 8073 §13.7: header length of a class 0 DT TPDU (LI, code, EOT/TPDU-NR).
pub const DT_HEADER_LEN: usize = 3;
/// ISO 8073 §13.7.3: EOT bit in octet 3 of a DT TPDU.
pub const EOT: u8 = 0x80;

/// ISO 8073 §13.2.3 / §13.3.4: parameter codes of the variable part.
pub mod param {
    /// §13.3.4 b): TPDU size (value = log2 of the size).
    pub const TPDU_SIZE: u8 = 0xC0;
    /// §13.3.4 a): calling transport selector (TSAP-ID). Same code as [`INVALID_TPDU`].
    pub const CALLING_TSAP: u8 = 0xC1;
    /// §13.3.4 a): called / responding transport selector.
    pub const CALLED_TSAP: u8 = 0xC2;
    /// §13.2.3.1: checksum (class 4 only; skipped).
    pub const CHECKSUM: u8 = 0xC3;
    /// §13.3.4 c): version number (skipped).
    pub const VERSION: u8 = 0xC4;
    /// §13.3.4 d): protection parameters (skipped).
    pub const PROTECTION: u8 = 0xC5;
    /// §13.3.4 f): additional option selection (kept, not acted on in class 0).
    pub const ADDITIONAL_OPTION_SELECTION: u8 = 0xC6;
    /// §13.3.4 g): alternative protocol classes.
    pub const ALTERNATIVE_CLASSES: u8 = 0xC7;
    /// §13.3.4 b): preferred maximum TPDU size, in units of 128 octets.
    pub const PREFERRED_MAX_TPDU_SIZE: u8 = 0xF0;
    /// §13.3.4: inactivity timer (class 4; skipped).
    pub const INACTIVITY_TIMER: u8 = 0xF2;
    /// §13.5.3: additional information in a DR TPDU.
    pub const ADDITIONAL_INFO: u8 = 0xE0;
    /// §13.12.3: invalid TPDU (header bits of the rejected TPDU) in an ER TPDU.
    pub const INVALID_TPDU: u8 = 0xC1;
}

/// ISO 8073 §13.5.3 d): DR TPDU reason codes.
pub mod reason {
    /// 0: reason not specified.
    pub const NOT_SPECIFIED: u8 = 0;
    /// 1: congestion at TSAP.
    pub const CONGESTION_AT_TSAP: u8 = 1;
    /// 2: session entity not attached to TSAP.
    pub const NOT_ATTACHED: u8 = 2;
    /// 3: address unknown.
    pub const ADDRESS_UNKNOWN: u8 = 3;
    /// 128+0: normal disconnect initiated by the session entity.
    pub const NORMAL: u8 = 128;
    /// 128+1: remote transport entity congestion at connect request time.
    pub const REMOTE_CONGESTION: u8 = 129;
    /// 128+2: connection negotiation failed (e.g. proposed class not supported).
    pub const NEGOTIATION_FAILED: u8 = 130;
    /// 128+3: duplicate source reference detected for the same NSAP pair.
    pub const DUPLICATE_SOURCE_REFERENCE: u8 = 131;
    /// 128+4: mismatched references.
    pub const MISMATCHED_REFERENCES: u8 = 132;
    /// 128+5: protocol error.
    pub const PROTOCOL_ERROR: u8 = 133;
    /// 128+7: reference overflow.
    pub const REFERENCE_OVERFLOW: u8 = 135;
    /// 128+8: connection request refused on this network connection.
    pub const REFUSED_ON_THIS_CONNECTION: u8 = 136;
    /// 128+10: header or parameter length invalid.
    pub const LENGTH_INVALID: u8 = 138;
}

/// ISO 8073 §13.12.3 c): ER TPDU reject causes.
pub mod reject_cause {
    /// 0: reason not specified.
    pub const NOT_SPECIFIED: u8 = 0;
    /// 1: invalid parameter code.
    pub const INVALID_PARAMETER_CODE: u8 = 1;
    /// 2: invalid TPDU type.
    pub const INVALID_TPDU_TYPE: u8 = 2;
    /// 3: invalid parameter value.
    pub const INVALID_PARAMETER_VALUE: u8 = 3;
}

/// A TPDU that does not follow ISO 8073 §13. Each variant maps to the ER reject
/// cause ([`CotpError::reject_cause`]) or DR reason ([`CotpError::disconnect_reason`])
/// that answers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CotpError {
    /// Fewer octets than the fixed part of the TPDU needs (§13.2).
    #[error("TPDU truncated: {needed} octets needed, {available} present")]
    Truncated {
        /// Octets the fixed part needs.
        needed: usize,
        /// Octets present.
        available: usize,
    },
    /// §13.2.1: length indicator 255 is reserved.
    #[error("length indicator 255 is reserved (ISO 8073 §13.2.1)")]
    ReservedLengthIndicator,
    /// §13.2.1: the header announced by LI extends beyond the TPKT payload.
    #[error("length indicator {li} exceeds the {available} octets that follow it")]
    LengthIndicatorBeyondInput {
        /// The length indicator.
        li: u8,
        /// Octets after the LI octet.
        available: usize,
    },
    /// §13.2.1: LI shorter than the fixed part of this TPDU type.
    #[error("length indicator {li} too small for a {tpdu} TPDU (fixed part {min})")]
    LengthIndicatorTooSmall {
        /// TPDU type name.
        tpdu: &'static str,
        /// The length indicator.
        li: u8,
        /// Smallest LI for this TPDU type.
        min: u8,
    },
    /// §13.7: a class 0 DT must have LI = 2 (no DST-REF, no variable part).
    #[error("DT TPDU length indicator {li}: class 0 requires 2 (ISO 8073 §13.7)")]
    InvalidDataHeader {
        /// The length indicator.
        li: u8,
    },
    /// §13.2.2: a TPDU code this class 0 implementation does not handle
    /// (AK, EA, RJ, ED, DC or undefined). Answered by ER "invalid TPDU type".
    #[error("invalid TPDU type {code:#04x} (ISO 8073 §13.2.2)")]
    UnknownTpduType {
        /// Octet 2 of the TPDU (code in the high nibble).
        code: u8,
    },
    /// §13.2.3: a parameter code without its length octet at the end of the header.
    #[error("parameter {code:#04x} has no length octet")]
    TruncatedParameter {
        /// The parameter code.
        code: u8,
    },
    /// §13.2.3: a parameter's length runs past the end of the header.
    #[error("parameter {code:#04x} length {len} runs past the TPDU header")]
    ParameterBeyondHeader {
        /// The parameter code.
        code: u8,
        /// The parameter length octet.
        len: u8,
    },
    /// A parameter this crate interprets appears twice.
    #[error("parameter {code:#04x} repeated")]
    RepeatedParameter {
        /// The parameter code.
        code: u8,
    },
    /// §13.3.4: a parameter value outside its defined range (e.g. TPDU size code
    /// not in 0x07..=0x10, or preferred max TPDU size 0 or longer than 4 octets).
    #[error("invalid value for parameter {code:#04x}")]
    InvalidParameterValue {
        /// The parameter code.
        code: u8,
    },
}

impl CotpError {
    /// ISO 8073 §13.12.3 c): the ER reject cause that answers this error.
    pub fn reject_cause(&self) -> u8 {
        match self {
            CotpError::UnknownTpduType { .. } => reject_cause::INVALID_TPDU_TYPE,
            CotpError::InvalidParameterValue { .. } => reject_cause::INVALID_PARAMETER_VALUE,
            CotpError::RepeatedParameter { .. } => reject_cause::INVALID_PARAMETER_CODE,
            _ => reject_cause::NOT_SPECIFIED,
        }
    }

    /// Whether the error is a header or parameter length problem (§13.2.1, §13.2.3).
    pub fn is_length_error(&self) -> bool {
        matches!(
            self,
            CotpError::Truncated { .. }
                | CotpError::ReservedLengthIndicator
                | CotpError::LengthIndicatorBeyondInput { .. }
                | CotpError::LengthIndicatorTooSmall { .. }
                | CotpError::InvalidDataHeader { .. }
                | CotpError::TruncatedParameter { .. }
                | CotpError::ParameterBeyondHeader { .. }
        )
    }

    /// ISO 8073 §13.5.3 d): the DR reason that refuses a CR failing this way:
    /// 128+10 "header or parameter length invalid" for length errors, otherwise
    /// 128+5 "protocol error".
    pub fn disconnect_reason(&self) -> u8 {
        if self.is_length_error() {
            reason::LENGTH_INVALID
        } else {
            reason::PROTOCOL_ERROR
        }
    }
}

/// ISO 8073 §13.3.4 b): TPDU size parameter (0xC0), a code 0x07..=0x10 whose
/// value is log2 of the size. Code 0x10 stands for 65531 octets (see module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TpduSize(u8);

impl TpduSize {
    /// Smallest code: 0x07 = 128 octets (also the default when absent).
    pub const MIN_CODE: u8 = 0x07;
    /// Largest code accepted: 0x10 (65531 octets over RFC 1006).
    pub const MAX_CODE: u8 = 0x10;
    /// 128 octets, the ISO 8073 default.
    pub const DEFAULT: TpduSize = TpduSize(0x07);

    /// The size for a code, or `None` for codes outside 0x07..=0x10.
    pub fn from_code(code: u8) -> Option<Self> {
        (Self::MIN_CODE..=Self::MAX_CODE)
            .contains(&code)
            .then_some(TpduSize(code))
    }

    /// The code sent in parameter 0xC0.
    pub fn code(self) -> u8 {
        self.0
    }

    /// The size in octets (TPDU header plus data, TPKT header excluded).
    pub fn size(self) -> usize {
        if self.0 >= Self::MAX_CODE {
            crate::tpkt::MAX_PAYLOAD_LEN
        } else {
            1usize << self.0
        }
    }

    /// The largest size code whose size is ≤ `size` (at least 128 octets).
    pub fn floor(size: usize) -> Self {
        let mut code = Self::MAX_CODE;
        while code > Self::MIN_CODE && TpduSize(code).size() > size {
            code -= 1;
        }
        TpduSize(code)
    }
}

/// ISO 8073 §13.3 (CR) and §13.4 (CC): the connection request / confirm TPDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConnectionTpdu<'a> {
    /// DST-REF (0 in a CR).
    pub dst_ref: u16,
    /// SRC-REF.
    pub src_ref: u16,
    /// Protocol class (high nibble of octet 7).
    pub class: u8,
    /// Option bits (low nibble of octet 7; extended formats, explicit flow control).
    pub options: u8,
    /// Parameter 0xC0.
    pub tpdu_size: Option<TpduSize>,
    /// Parameter 0xF0, in units of 128 octets.
    pub preferred_max_tpdu_size: Option<u32>,
    /// Parameter 0xC1: calling TSAP-ID.
    pub calling_tsap: Option<&'a [u8]>,
    /// Parameter 0xC2: called (CR) or responding (CC) TSAP-ID.
    pub called_tsap: Option<&'a [u8]>,
    /// Parameter 0xC6: additional option selection (accepted, ignored in class 0).
    pub additional_option_selection: Option<u8>,
    /// Parameter 0xC7: alternative protocol classes (one class per octet, high nibble).
    pub alternative_classes: Option<&'a [u8]>,
    /// Octets after the header (user data; not used in class 0, kept if sent).
    pub user_data: &'a [u8],
}

impl ConnectionTpdu<'_> {
    /// ISO 8073 §13.3.4 b): the proposed maximum TPDU size in octets: 0xF0 × 128 if
    /// present, else the 0xC0 size, else 128.
    pub fn proposed_tpdu_size(&self) -> usize {
        match (self.preferred_max_tpdu_size, self.tpdu_size) {
            (Some(units), _) => usize::try_from(units)
                .unwrap_or(usize::MAX)
                .saturating_mul(128),
            (None, Some(s)) => s.size(),
            (None, None) => TpduSize::DEFAULT.size(),
        }
    }

    /// ISO 8073 §6.5: whether class 0 is an acceptable answer to this CR: the
    /// preferred class is 0 or 1 (X.224 table 3 allows 0 in answer to 1), or
    /// the alternative classes (0xC7) list class 0.
    pub fn allows_class_0(&self) -> bool {
        self.class <= 1
            || self
                .alternative_classes
                .is_some_and(|alts| alts.iter().any(|a| a >> 4 == 0))
    }
}

/// ISO 8073 §13.5: the disconnect request TPDU (in class 0: refusal of a CR).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DisconnectTpdu<'a> {
    /// DST-REF.
    pub dst_ref: u16,
    /// SRC-REF (0 when no reference was assigned).
    pub src_ref: u16,
    /// Reason code, see [`reason`].
    pub reason: u8,
    /// Parameter 0xE0: additional information.
    pub additional_info: Option<&'a [u8]>,
    /// Octets after the header.
    pub user_data: &'a [u8],
}

/// ISO 8073 §13.7: the class 0 data TPDU (`02 F0 xx`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DataTpdu<'a> {
    /// EOT: this DT ends the TSDU.
    pub eot: bool,
    /// The user data.
    pub user_data: &'a [u8],
}

/// ISO 8073 §13.12: the TPDU error (ER) TPDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ErrorTpdu<'a> {
    /// DST-REF.
    pub dst_ref: u16,
    /// Reject cause, see [`reject_cause`].
    pub reject_cause: u8,
    /// Parameter 0xC1: the header of the rejected TPDU.
    pub invalid_tpdu: Option<&'a [u8]>,
}

/// ISO 8073 §13: the TPDUs of class 0 over RFC 1006, borrowing from the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tpdu<'a> {
    /// §13.3 CR.
    ConnectionRequest(ConnectionTpdu<'a>),
    /// §13.4 CC.
    ConnectionConfirm(ConnectionTpdu<'a>),
    /// §13.5 DR.
    DisconnectRequest(DisconnectTpdu<'a>),
    /// §13.7 DT.
    Data(DataTpdu<'a>),
    /// §13.12 ER.
    Error(ErrorTpdu<'a>),
}

type NomRes<'a, T> = IResult<&'a [u8], T>;

fn fixed_refs_and_octet(i: &[u8]) -> NomRes<'_, (u16, u16, u8)> {
    tuple((be_u16, be_u16, be_u8))(i)
}

fn parameter(i: &[u8]) -> NomRes<'_, (u8, &[u8])> {
    tuple((be_u8, length_data(be_u8)))(i)
}

/// Walks the variable part `vp`, calling `f(code, value)` for each parameter.
fn for_each_param<'a>(
    mut vp: &'a [u8],
    mut f: impl FnMut(u8, &'a [u8]) -> Result<(), CotpError>,
) -> Result<(), CotpError> {
    while let Some(&code) = vp.first() {
        match parameter(vp) {
            Ok((rest, (code, value))) => {
                f(code, value)?;
                vp = rest;
            }
            Err(_) => {
                return Err(match vp.get(1) {
                    None => CotpError::TruncatedParameter { code },
                    Some(&len) => CotpError::ParameterBeyondHeader { code, len },
                })
            }
        }
    }
    Ok(())
}

/// Records that `code` was seen; errors when it was seen before.
fn once(seen: &mut u16, bit: u16, code: u8) -> Result<(), CotpError> {
    if *seen & bit != 0 {
        return Err(CotpError::RepeatedParameter { code });
    }
    *seen |= bit;
    Ok(())
}

/// ISO 8073 §13: parses one TPDU from a TPKT payload, borrowing from it.
pub fn parse(tpdu: &[u8]) -> Result<Tpdu<'_>, CotpError> {
    let (li, code) = match tpdu {
        [li, code, ..] => (*li, *code),
        _ => {
            return Err(CotpError::Truncated {
                needed: 2,
                available: tpdu.len(),
            })
        }
    };
    if li == 255 {
        return Err(CotpError::ReservedLengthIndicator);
    }
    let header_end = usize::from(li) + 1;
    let header = tpdu
        .get(..header_end)
        .ok_or(CotpError::LengthIndicatorBeyondInput {
            li,
            available: tpdu.len() - 1,
        })?;
    let after = tpdu.get(header_end..).unwrap_or_default();
    // Octets after LI and the code octet, up to the end of the header.
    let fixed = header.get(2..).unwrap_or_default();
    match code & 0xF0 {
        CODE_CR | CODE_CC => {
            let name = if code & 0xF0 == CODE_CR { "CR" } else { "CC" };
            let c = parse_connection(li, name, fixed, after)?;
            Ok(if code & 0xF0 == CODE_CR {
                Tpdu::ConnectionRequest(c)
            } else {
                Tpdu::ConnectionConfirm(c)
            })
        }
        CODE_DR => parse_disconnect(li, fixed, after).map(Tpdu::DisconnectRequest),
        CODE_DT if code == CODE_DT => {
            if li != 2 {
                return Err(CotpError::InvalidDataHeader { li });
            }
            let nr = fixed.first().copied().unwrap_or_default();
            Ok(Tpdu::Data(DataTpdu {
                eot: nr & EOT != 0,
                user_data: after,
            }))
        }
        CODE_ER => parse_error(li, fixed).map(Tpdu::Error),
        _ => Err(CotpError::UnknownTpduType { code }),
    }
}

fn too_small(tpdu: &'static str, li: u8, min: u8) -> CotpError {
    CotpError::LengthIndicatorTooSmall { tpdu, li, min }
}

fn parse_connection<'a>(
    li: u8,
    name: &'static str,
    fixed: &'a [u8],
    after: &'a [u8],
) -> Result<ConnectionTpdu<'a>, CotpError> {
    let (vp, (dst_ref, src_ref, class_opt)) =
        fixed_refs_and_octet(fixed).map_err(|_| too_small(name, li, 6))?;
    let mut c = ConnectionTpdu {
        dst_ref,
        src_ref,
        class: class_opt >> 4,
        options: class_opt & 0x0F,
        user_data: after,
        ..ConnectionTpdu::default()
    };
    let mut seen = 0u16;
    for_each_param(vp, |code, value| {
        match code {
            param::TPDU_SIZE => {
                once(&mut seen, 1, code)?;
                let size = match value {
                    [v] => TpduSize::from_code(*v),
                    _ => None,
                };
                c.tpdu_size = Some(size.ok_or(CotpError::InvalidParameterValue { code })?);
            }
            param::PREFERRED_MAX_TPDU_SIZE => {
                once(&mut seen, 2, code)?;
                if value.is_empty() || value.len() > 4 {
                    return Err(CotpError::InvalidParameterValue { code });
                }
                let units = value.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b));
                if units == 0 {
                    return Err(CotpError::InvalidParameterValue { code });
                }
                c.preferred_max_tpdu_size = Some(units);
            }
            param::CALLING_TSAP => {
                once(&mut seen, 4, code)?;
                c.calling_tsap = Some(value);
            }
            param::CALLED_TSAP => {
                once(&mut seen, 8, code)?;
                c.called_tsap = Some(value);
            }
            param::ADDITIONAL_OPTION_SELECTION => {
                once(&mut seen, 16, code)?;
                match value {
                    [v] => c.additional_option_selection = Some(*v),
                    _ => return Err(CotpError::InvalidParameterValue { code }),
                }
            }
            param::ALTERNATIVE_CLASSES => {
                once(&mut seen, 32, code)?;
                c.alternative_classes = Some(value);
            }
            other => log::trace!("COTP {name}: skipping parameter {other:#04x}"),
        }
        Ok(())
    })?;
    Ok(c)
}

fn parse_disconnect<'a>(
    li: u8,
    fixed: &'a [u8],
    after: &'a [u8],
) -> Result<DisconnectTpdu<'a>, CotpError> {
    let (vp, (dst_ref, src_ref, reason)) =
        fixed_refs_and_octet(fixed).map_err(|_| too_small("DR", li, 6))?;
    let mut d = DisconnectTpdu {
        dst_ref,
        src_ref,
        reason,
        additional_info: None,
        user_data: after,
    };
    let mut seen = 0u16;
    for_each_param(vp, |code, value| {
        if code == param::ADDITIONAL_INFO {
            once(&mut seen, 1, code)?;
            d.additional_info = Some(value);
        }
        Ok(())
    })?;
    Ok(d)
}

fn parse_error(li: u8, fixed: &[u8]) -> Result<ErrorTpdu<'_>, CotpError> {
    let res: NomRes<'_, (u16, u8)> = tuple((be_u16, be_u8))(fixed);
    let (vp, (dst_ref, cause)) = res.map_err(|_| too_small("ER", li, 4))?;
    let mut e = ErrorTpdu {
        dst_ref,
        reject_cause: cause,
        invalid_tpdu: None,
    };
    let mut seen = 0u16;
    for_each_param(vp, |code, value| {
        if code == param::INVALID_TPDU {
            once(&mut seen, 1, code)?;
            e.invalid_tpdu = Some(value);
        }
        Ok(())
    })?;
    Ok(e)
}

fn param_len(value: Option<&[u8]>) -> usize {
    value.map_or(0, |v| 2 + v.len())
}

fn put_param(out: &mut Vec<u8>, code: u8, value: Option<&[u8]>) {
    if let Some(v) = value {
        out.push(code);
        out.push(u8::try_from(v.len()).unwrap_or(u8::MAX));
        out.extend_from_slice(v);
    }
}

/// Minimal big-endian encoding of a preferred max TPDU size (1–4 octets).
fn units_octets(units: u32) -> ([u8; 4], usize) {
    let bytes = units.to_be_bytes();
    let skip = (units.leading_zeros() / 8).min(3) as usize;
    (bytes, skip)
}

impl Tpdu<'_> {
    /// Length of the header (LI value + 1) plus any data.
    pub fn encoded_len(&self) -> usize {
        match self {
            Tpdu::ConnectionRequest(c) | Tpdu::ConnectionConfirm(c) => {
                conn_li(c) + 1 + c.user_data.len()
            }
            Tpdu::DisconnectRequest(d) => 7 + param_len(d.additional_info) + d.user_data.len(),
            Tpdu::Data(d) => DT_HEADER_LEN + d.user_data.len(),
            Tpdu::Error(e) => 5 + param_len(e.invalid_tpdu),
        }
    }

    /// ISO 8073 §13: appends the TPDU (without TPKT header) to `out`.
    ///
    /// Contract: the variable part fits LI ≤ 254 (TSAPs and parameter values of
    /// at most a few dozen octets, each ≤ 255); violations are caught by
    /// `debug_assert!` and never panic in release builds.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.reserve(self.encoded_len());
        match self {
            Tpdu::ConnectionRequest(c) => encode_connection(out, CODE_CR, c),
            Tpdu::ConnectionConfirm(c) => encode_connection(out, CODE_CC, c),
            Tpdu::DisconnectRequest(d) => {
                let li = 6 + param_len(d.additional_info);
                push_li(out, li);
                out.push(CODE_DR);
                out.extend_from_slice(&d.dst_ref.to_be_bytes());
                out.extend_from_slice(&d.src_ref.to_be_bytes());
                out.push(d.reason);
                put_param(out, param::ADDITIONAL_INFO, d.additional_info);
                out.extend_from_slice(d.user_data);
            }
            Tpdu::Data(d) => {
                out.extend_from_slice(&[2, CODE_DT, if d.eot { EOT } else { 0 }]);
                out.extend_from_slice(d.user_data);
            }
            Tpdu::Error(e) => {
                let li = 4 + param_len(e.invalid_tpdu);
                push_li(out, li);
                out.push(CODE_ER);
                out.extend_from_slice(&e.dst_ref.to_be_bytes());
                out.push(e.reject_cause);
                put_param(out, param::INVALID_TPDU, e.invalid_tpdu);
            }
        }
    }

    /// RFC 1006 §6 + ISO 8073 §13: appends a TPKT header and the TPDU to `out`.
    pub fn encode_tpkt(&self, out: &mut Vec<u8>) {
        crate::tpkt::write_header(out, self.encoded_len());
        self.encode(out);
    }
}

fn push_li(out: &mut Vec<u8>, li: usize) {
    debug_assert!(li <= MAX_LI, "TPDU header too long");
    out.push(u8::try_from(li.min(MAX_LI)).unwrap_or(0xFE));
}

fn conn_li(c: &ConnectionTpdu<'_>) -> usize {
    let f0 = c
        .preferred_max_tpdu_size
        .map_or(0, |u| 2 + 4 - units_octets(u).1);
    6 + c.tpdu_size.map_or(0, |_| 3)
        + f0
        + param_len(c.called_tsap)
        + param_len(c.calling_tsap)
        + c.additional_option_selection.map_or(0, |_| 3)
        + param_len(c.alternative_classes)
}

fn encode_connection(out: &mut Vec<u8>, code: u8, c: &ConnectionTpdu<'_>) {
    push_li(out, conn_li(c));
    out.push(code);
    out.extend_from_slice(&c.dst_ref.to_be_bytes());
    out.extend_from_slice(&c.src_ref.to_be_bytes());
    out.push((c.class << 4) | (c.options & 0x0F));
    // Order as libiec61850 / hat-drivers send it (spec A.1): size, called, calling.
    if let Some(s) = c.tpdu_size {
        out.extend_from_slice(&[param::TPDU_SIZE, 1, s.code()]);
    }
    if let Some(units) = c.preferred_max_tpdu_size {
        let (bytes, skip) = units_octets(units);
        let value = bytes.get(skip..).unwrap_or_default();
        put_param(out, param::PREFERRED_MAX_TPDU_SIZE, Some(value));
    }
    put_param(out, param::CALLED_TSAP, c.called_tsap);
    put_param(out, param::CALLING_TSAP, c.calling_tsap);
    if let Some(v) = c.additional_option_selection {
        out.extend_from_slice(&[param::ADDITIONAL_OPTION_SELECTION, 1, v]);
    }
    put_param(out, param::ALTERNATIVE_CLASSES, c.alternative_classes);
    out.extend_from_slice(c.user_data);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Strips the 4-octet TPKT header of a verified frame.
    fn payload(frame: &[u8]) -> &[u8] {
        frame.get(4..).unwrap_or_default()
    }

    fn encode_tpkt(t: &Tpdu<'_>) -> Vec<u8> {
        let mut v = Vec::new();
        t.encode_tpkt(&mut v);
        v
    }

    // Spec appendix A.1 (H) — checked with tshark 4.0 (dissector cotp): CR class 0,
    // TPDU size 2048, dst-tsap 0001, src-tsap 0001, no expert info.
    const CR_A1: [u8; 22] = [
        0x03, 0x00, 0x00, 0x16, 0x11, 0xE0, 0x00, 0x00, 0x00, 0x01, 0x00, 0xC0, 0x01, 0x0B, 0xC2,
        0x02, 0x00, 0x01, 0xC1, 0x02, 0x00, 0x01,
    ];
    // checked with tshark 4.0 (dissector cotp): CC, dst-ref 1, src-ref 1, size 2048.
    const CC: [u8; 22] = [
        0x03, 0x00, 0x00, 0x16, 0x11, 0xD0, 0x00, 0x01, 0x00, 0x01, 0x00, 0xC0, 0x01, 0x0B, 0xC2,
        0x02, 0x00, 0x01, 0xC1, 0x02, 0x00, 0x01,
    ];
    // checked with tshark 4.0 (dissector cotp): DT, last data unit: yes, data 01 00 01 00.
    const DT_EOT: [u8; 11] = [
        0x03, 0x00, 0x00, 0x0B, 0x02, 0xF0, 0x80, 0x01, 0x00, 0x01, 0x00,
    ];
    // checked with tshark 4.0 (dissector cotp): DR dst 1, src 0, cause address unknown (3).
    const DR: [u8; 11] = [
        0x03, 0x00, 0x00, 0x0B, 0x06, 0x80, 0x00, 0x01, 0x00, 0x00, 0x03,
    ];
    // checked with tshark 4.0 (dissector cotp): DR dst 0x1234, src 1, normal (128), E0 len 3.
    const DR_E0: [u8; 16] = [
        0x03, 0x00, 0x00, 0x10, 0x0B, 0x80, 0x12, 0x34, 0x00, 0x01, 0x80, 0xE0, 0x03, 0x01, 0x02,
        0x03,
    ];
    // checked with tshark 4.0 (dissector cotp): ER dst 1, reject cause invalid TPDU type (2),
    // parameter 0xC1 = 04 60 (LI and code octet of the rejected AK).
    const ER: [u8; 13] = [
        0x03, 0x00, 0x00, 0x0D, 0x08, 0x70, 0x00, 0x01, 0x02, 0xC1, 0x02, 0x04, 0x60,
    ];
    // checked with tshark 4.0 (dissector cotp): CR class 2, size 8192, F0 = 64 (8192),
    // options (C6) expedited, alternative classes (C7) = class 0.
    const CR_FULL: [u8; 31] = [
        0x03, 0x00, 0x00, 0x1F, 0x1A, 0xE0, 0x00, 0x00, 0x00, 0x05, 0x20, 0xC0, 0x01, 0x0D, 0xF0,
        0x01, 0x40, 0xC2, 0x02, 0x00, 0x01, 0xC1, 0x02, 0x00, 0x01, 0xC6, 0x01, 0x01, 0xC7, 0x01,
        0x00,
    ];
    // checked with tshark 4.0 (dissector cotp): CC with F0 = 15 (1920 octets).
    const CC_F0: [u8; 22] = [
        0x03, 0x00, 0x00, 0x16, 0x11, 0xD0, 0x00, 0x07, 0x00, 0x01, 0x00, 0xF0, 0x01, 0x0F, 0xC2,
        0x02, 0x00, 0x01, 0xC1, 0x02, 0x00, 0x01,
    ];

    #[test]
    fn cr_appendix_a1_parses_and_reencodes() {
        let t = parse(payload(&CR_A1)).expect("valid CR");
        let Tpdu::ConnectionRequest(c) = t else {
            panic!("not a CR: {t:?}")
        };
        assert_eq!((c.dst_ref, c.src_ref, c.class, c.options), (0, 1, 0, 0));
        assert_eq!(c.tpdu_size.map(TpduSize::size), Some(2048));
        assert_eq!(c.called_tsap, Some(&[0u8, 1][..]));
        assert_eq!(c.calling_tsap, Some(&[0u8, 1][..]));
        assert_eq!(c.proposed_tpdu_size(), 2048);
        assert_eq!(encode_tpkt(&t), CR_A1);
    }

    #[test]
    fn cc_parses_and_reencodes() {
        let t = parse(payload(&CC)).expect("valid CC");
        assert!(matches!(t, Tpdu::ConnectionConfirm(c) if c.dst_ref == 1 && c.src_ref == 1));
        assert_eq!(encode_tpkt(&t), CC);
    }

    #[test]
    fn dt_eot_parses_and_reencodes() {
        let t = parse(payload(&DT_EOT)).expect("valid DT");
        assert_eq!(
            t,
            Tpdu::Data(DataTpdu {
                eot: true,
                user_data: &[1, 0, 1, 0]
            })
        );
        assert_eq!(encode_tpkt(&t), DT_EOT);
    }

    #[test]
    fn dt_tpdu_nr_bits_are_ignored() {
        let t = parse(&[2, 0xF0, 0x7F, 9]).expect("valid DT");
        assert_eq!(
            t,
            Tpdu::Data(DataTpdu {
                eot: false,
                user_data: &[9]
            })
        );
    }

    #[test]
    fn dr_parses_and_reencodes() {
        let t = parse(payload(&DR)).expect("valid DR");
        assert!(
            matches!(t, Tpdu::DisconnectRequest(d) if d.reason == reason::ADDRESS_UNKNOWN && d.dst_ref == 1)
        );
        assert_eq!(encode_tpkt(&t), DR);
        let t = parse(payload(&DR_E0)).expect("valid DR");
        assert!(
            matches!(t, Tpdu::DisconnectRequest(d) if d.additional_info == Some(&[1, 2, 3][..]))
        );
        assert_eq!(encode_tpkt(&t), DR_E0);
    }

    #[test]
    fn er_parses_and_reencodes() {
        let t = parse(payload(&ER)).expect("valid ER");
        assert_eq!(
            t,
            Tpdu::Error(ErrorTpdu {
                dst_ref: 1,
                reject_cause: reject_cause::INVALID_TPDU_TYPE,
                invalid_tpdu: Some(&[0x04, 0x60]),
            })
        );
        assert_eq!(encode_tpkt(&t), ER);
    }

    #[test]
    fn cr_with_all_kept_parameters() {
        let t = parse(payload(&CR_FULL)).expect("valid CR");
        let Tpdu::ConnectionRequest(c) = t else {
            panic!("not a CR")
        };
        assert_eq!(c.class, 2);
        assert_eq!(c.preferred_max_tpdu_size, Some(64));
        assert_eq!(c.additional_option_selection, Some(1));
        assert_eq!(c.alternative_classes, Some(&[0u8][..]));
        // F0 takes precedence over C0.
        assert_eq!(c.proposed_tpdu_size(), 8192);
        assert!(c.allows_class_0());
        assert_eq!(encode_tpkt(&t), CR_FULL);
        let t = parse(payload(&CC_F0)).expect("valid CC");
        assert!(matches!(t, Tpdu::ConnectionConfirm(c) if c.proposed_tpdu_size() == 1920));
    }

    #[test]
    fn unknown_parameters_are_skipped() {
        // CR with checksum C3, version C4, inactivity F2 and undefined 0x99.
        let tpdu = [
            0x15, 0xE0, 0, 0, 0, 1, 0, 0xC3, 2, 0xAA, 0xBB, 0xC4, 1, 1, 0xF2, 1, 5, 0x99, 0, 0xC0,
            1, 0x0A,
        ];
        let t = parse(&tpdu[..]).expect("CR with unknown parameters");
        assert!(matches!(t, Tpdu::ConnectionRequest(c) if c.proposed_tpdu_size() == 1024));
    }

    #[test]
    fn repeated_parameter_is_an_error() {
        let tpdu = [0x0C, 0xE0, 0, 0, 0, 1, 0, 0xC2, 1, 1, 0xC2, 1, 2];
        assert_eq!(
            parse(&tpdu[..]),
            Err(CotpError::RepeatedParameter { code: 0xC2 })
        );
        assert_eq!(
            CotpError::RepeatedParameter { code: 0xC2 }.reject_cause(),
            reject_cause::INVALID_PARAMETER_CODE
        );
    }

    #[test]
    fn tpdu_size_matrix() {
        for code in 0x07u8..=0x10 {
            let tpdu = [9, 0xE0, 0, 0, 0, 1, 0, 0xC0, 1, code];
            let t = parse(&tpdu[..]).expect("valid size code");
            let expect = if code == 0x10 { 65531 } else { 1usize << code };
            assert!(matches!(t, Tpdu::ConnectionRequest(c) if c.proposed_tpdu_size() == expect));
        }
        for code in [0u8, 6, 0x11, 0xFF] {
            let tpdu = [9, 0xE0, 0, 0, 0, 1, 0, 0xC0, 1, code];
            assert_eq!(
                parse(&tpdu[..]),
                Err(CotpError::InvalidParameterValue { code: 0xC0 })
            );
        }
        // Size parameter with length 2 is invalid.
        let tpdu = [10, 0xE0, 0, 0, 0, 1, 0, 0xC0, 2, 0x0B, 0];
        assert_eq!(
            parse(&tpdu[..]),
            Err(CotpError::InvalidParameterValue { code: 0xC0 })
        );
        // Missing parameter: 128.
        let t = parse(&[6, 0xE0, 0, 0, 0, 1, 0][..]).expect("bare CR");
        assert!(matches!(t, Tpdu::ConnectionRequest(c) if c.proposed_tpdu_size() == 128));
    }

    #[test]
    fn preferred_max_size_bounds() {
        let ok = [12, 0xE0, 0, 0, 0, 1, 0, 0xF0, 4, 0, 0, 0, 16];
        let t = parse(&ok[..]).expect("4-octet F0");
        assert!(matches!(t, Tpdu::ConnectionRequest(c) if c.proposed_tpdu_size() == 2048));
        for bad in [
            &[8, 0xE0, 0, 0, 0, 1, 0, 0xF0, 0][..],
            &[9, 0xE0, 0, 0, 0, 1, 0, 0xF0, 1, 0][..],
            &[13, 0xE0, 0, 0, 0, 1, 0, 0xF0, 5, 0, 0, 0, 0, 1][..],
        ] {
            assert_eq!(
                parse(bad),
                Err(CotpError::InvalidParameterValue { code: 0xF0 })
            );
        }
    }

    #[test]
    fn tpdu_size_floor() {
        assert_eq!(TpduSize::floor(0).size(), 128);
        assert_eq!(TpduSize::floor(3000).size(), 2048);
        assert_eq!(TpduSize::floor(8192).size(), 8192);
        assert_eq!(TpduSize::floor(65531).size(), 65531);
        assert_eq!(TpduSize::floor(65530).size(), 32768);
        assert_eq!(TpduSize::from_code(0x11), None);
    }

    #[test]
    fn length_errors() {
        assert_eq!(
            parse(&[]),
            Err(CotpError::Truncated {
                needed: 2,
                available: 0
            })
        );
        assert_eq!(parse(&[255, 0xF0]), Err(CotpError::ReservedLengthIndicator));
        assert_eq!(
            parse(&[6, 0xE0, 0, 0]),
            Err(CotpError::LengthIndicatorBeyondInput {
                li: 6,
                available: 3
            })
        );
        assert_eq!(
            parse(&[3, 0xE0, 0, 0]),
            Err(CotpError::LengthIndicatorTooSmall {
                tpdu: "CR",
                li: 3,
                min: 6
            })
        );
        assert_eq!(
            parse(&[2, 0x70, 0]),
            Err(CotpError::LengthIndicatorTooSmall {
                tpdu: "ER",
                li: 2,
                min: 4
            })
        );
        assert_eq!(
            parse(&[4, 0xF0, 0x80, 0, 1]),
            Err(CotpError::InvalidDataHeader { li: 4 })
        );
        // Parameter code with no length octet; length beyond the header.
        assert_eq!(
            parse(&[7, 0xE0, 0, 0, 0, 1, 0, 0xC1]),
            Err(CotpError::TruncatedParameter { code: 0xC1 })
        );
        assert_eq!(
            parse(&[9, 0xE0, 0, 0, 0, 1, 0, 0xC1, 5, 1, 2, 3, 4, 5]),
            Err(CotpError::ParameterBeyondHeader { code: 0xC1, len: 5 })
        );
        assert_eq!(
            CotpError::ParameterBeyondHeader { code: 0xC1, len: 5 }.disconnect_reason(),
            reason::LENGTH_INVALID
        );
    }

    #[test]
    fn unknown_tpdu_types() {
        for code in [0x10u8, 0x20, 0x50, 0x60, 0xC0, 0x00, 0xF1] {
            let e = parse(&[4, code, 0, 1, 0]).expect_err("not class 0");
            assert_eq!(e, CotpError::UnknownTpduType { code });
            assert_eq!(e.reject_cause(), reject_cause::INVALID_TPDU_TYPE);
        }
    }

    #[test]
    fn class_0_answer_rules() {
        let mut c = ConnectionTpdu::default();
        for (class, alts, ok) in [
            (0u8, None, true),
            (1, None, true),
            (2, None, false),
            (4, None, false),
            (4, Some(&[0x20u8, 0x00][..]), true),
            (4, Some(&[0x20u8][..]), false),
        ] {
            c.class = class;
            c.alternative_classes = alts;
            assert_eq!(c.allows_class_0(), ok, "class {class} alts {alts:?}");
        }
    }

    fn tsap() -> impl Strategy<Value = Option<Vec<u8>>> {
        proptest::option::of(proptest::collection::vec(any::<u8>(), 0..=32))
    }

    proptest! {
        #[test]
        fn connection_round_trip(
            cr in any::<bool>(), dst in any::<u16>(), src in any::<u16>(), class in 0u8..16, opts in 0u8..16,
            size in proptest::option::of(7u8..=16), pref in proptest::option::of(1u32..),
            calling in tsap(), called in tsap(), aos in proptest::option::of(any::<u8>()),
            alts in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..4)),
            ud in proptest::collection::vec(any::<u8>(), 0..40),
        ) {
            let c = ConnectionTpdu {
                dst_ref: dst, src_ref: src, class, options: opts,
                tpdu_size: size.and_then(TpduSize::from_code), preferred_max_tpdu_size: pref,
                calling_tsap: calling.as_deref(), called_tsap: called.as_deref(),
                additional_option_selection: aos, alternative_classes: alts.as_deref(), user_data: &ud,
            };
            let t = if cr { Tpdu::ConnectionRequest(c) } else { Tpdu::ConnectionConfirm(c) };
            let mut v = Vec::new();
            t.encode(&mut v);
            prop_assert_eq!(v.len(), t.encoded_len());
            prop_assert_eq!(parse(&v), Ok(t));
        }

        #[test]
        fn disconnect_round_trip(dst in any::<u16>(), src in any::<u16>(), reason in any::<u8>(),
            info in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..64)),
            ud in proptest::collection::vec(any::<u8>(), 0..64)) {
            let t = Tpdu::DisconnectRequest(DisconnectTpdu { dst_ref: dst, src_ref: src, reason,
                additional_info: info.as_deref(), user_data: &ud });
            let mut v = Vec::new();
            t.encode(&mut v);
            prop_assert_eq!(v.len(), t.encoded_len());
            prop_assert_eq!(parse(&v), Ok(t));
        }

        #[test]
        fn data_round_trip(eot in any::<bool>(), ud in proptest::collection::vec(any::<u8>(), 0..300)) {
            let t = Tpdu::Data(DataTpdu { eot, user_data: &ud });
            let mut v = Vec::new();
            t.encode_tpkt(&mut v);
            prop_assert_eq!(crate::tpkt::frame_len(&v, 65535), Ok(Some(v.len())));
            prop_assert_eq!(parse(v.get(4..).unwrap_or_default()), Ok(t));
        }

        #[test]
        fn error_round_trip(dst in any::<u16>(), cause in any::<u8>(),
            bad in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..=248))) {
            let t = Tpdu::Error(ErrorTpdu { dst_ref: dst, reject_cause: cause, invalid_tpdu: bad.as_deref() });
            let mut v = Vec::new();
            t.encode(&mut v);
            prop_assert_eq!(parse(&v), Ok(t));
        }

        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse(&bytes);
        }
    }
}
