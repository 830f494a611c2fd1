//! The CPR PPDU: `CPR-PPDU` (X.226 §8.3.3), normal mode (a SEQUENCE, `30`).

use super::user_data::user_data_from_tlv;
use super::{
    bit_string, encode_result_list, integer, is_user_data_tag, malformed, octets, opt_bits,
    opt_octets, parse_result_list, read_outer, reader, ContextResult, ResultKind, SeqOrder,
    UserData,
};
use crate::ber::{BitString, Class, Tag, Writer, DEFAULT_MAX_DEPTH};
use crate::error::PresentationError;

const PPDU: &str = "CPR-PPDU";

/// The Provider-reason of a CPR-PPDU (X.226 §8.3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefuseReason {
    /// reason-not-specified (0).
    ReasonNotSpecified = 0,
    /// temporary-congestion (1).
    TemporaryCongestion = 1,
    /// local-limit-exceeded (2).
    LocalLimitExceeded = 2,
    /// called-presentation-address-unknown (3).
    CalledPresentationAddressUnknown = 3,
    /// protocol-version-not-supported (4).
    ProtocolVersionNotSupported = 4,
    /// default-context-not-supported (5).
    DefaultContextNotSupported = 5,
    /// user-data-not-readable (6).
    UserDataNotReadable = 6,
    /// no-PSAP-available (7).
    NoPsapAvailable = 7,
}

impl RefuseReason {
    /// The value for an INTEGER received, if X.226 defines it.
    pub fn from_i64(v: i64) -> Option<RefuseReason> {
        use RefuseReason as R;
        Some(match v {
            0 => R::ReasonNotSpecified,
            1 => R::TemporaryCongestion,
            2 => R::LocalLimitExceeded,
            3 => R::CalledPresentationAddressUnknown,
            4 => R::ProtocolVersionNotSupported,
            5 => R::DefaultContextNotSupported,
            6 => R::UserDataNotReadable,
            7 => R::NoPsapAvailable,
            _ => return None,
        })
    }
}

/// The CPR PPDU (X.226 §8.3.3), normal-mode-parameters SEQUENCE.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefusePpdu<'a> {
    /// protocol-version `[0]`.
    pub protocol_version: Option<BitString<'a>>,
    /// responding-presentation-selector `[3]`.
    pub responding_selector: Option<&'a [u8]>,
    /// presentation-context-definition-result-list `[5]`.
    pub context_results: Option<Vec<ContextResult<'a>>>,
    /// default-context-result `[7]`.
    pub default_context_result: Option<ResultKind>,
    /// provider-reason `[10]`: present when the presentation provider refused.
    pub provider_reason: Option<RefuseReason>,
    /// user-data (e.g. an AARE rejecting the association).
    pub user_data: Option<UserData<'a>>,
}

impl RefusePpdu<'_> {
    /// Encodes the CPR-PPDU (X.226 §8.3.3, normal mode) in front of what `w` holds.
    pub fn encode(&self, w: &mut Writer) {
        let m = w.mark();
        if let Some(ud) = &self.user_data {
            ud.encode(w);
        }
        if let Some(r) = self.provider_reason {
            w.integer(Tag::context(10, false), r as i64);
        }
        if let Some(r) = self.default_context_result {
            w.integer(Tag::context(7, false), r as i64);
        }
        if let Some(list) = &self.context_results {
            let mr = w.mark();
            encode_result_list(w, list);
            w.wrap(mr, Tag::context(5, true));
        }
        opt_octets(w, Tag::context(3, false), self.responding_selector);
        opt_bits(w, Tag::context(0, false), &self.protocol_version);
        w.wrap(m, Tag::SEQUENCE);
    }
}

/// Parses a CPR-PPDU (X.226 §8.3.3) that makes up all of `b`, with the default nesting limit.
/// The X.410-1984 form (a SET) is refused with [`PresentationError::X410ModeNotSupported`].
pub fn parse_refuse(b: &[u8]) -> Result<RefusePpdu<'_>, PresentationError> {
    parse_refuse_with_depth(b, DEFAULT_MAX_DEPTH)
}

/// [`parse_refuse`] entering at most `max_depth` levels of constructed values.
pub fn parse_refuse_with_depth(
    b: &[u8],
    max_depth: u16,
) -> Result<RefusePpdu<'_>, PresentationError> {
    let outer = read_outer(b, max_depth, PPDU)?;
    if outer.tag == Tag::SET {
        return Err(PresentationError::X410ModeNotSupported);
    }
    if outer.tag != Tag::SEQUENCE {
        return Err(PresentationError::UnrecognizedPpdu {
            expected: PPDU,
            found: Some(outer.tag),
        });
    }
    let mut r = reader(&outer, PPDU, PPDU)?;
    let mut order = SeqOrder::new(PPDU);
    let mut cpr = RefusePpdu::default();
    while let Some(t) = r.read_optional().map_err(malformed(PPDU, PPDU))? {
        if is_user_data_tag(t.tag) {
            order.at(10, "user-data")?;
            cpr.user_data = Some(user_data_from_tlv(&t)?);
            continue;
        }
        if t.tag.class != Class::Context {
            continue; // X.226 §8.5
        }
        match t.tag.number {
            0 => {
                order.at(0, "protocol-version")?;
                cpr.protocol_version = Some(bit_string(&t, PPDU, "protocol-version")?);
            }
            3 => {
                order.at(1, "responding-presentation-selector")?;
                cpr.responding_selector =
                    Some(octets(&t, PPDU, "responding-presentation-selector")?);
            }
            5 => {
                order.at(2, "presentation-context-definition-result-list")?;
                cpr.context_results = Some(parse_result_list(&t, PPDU)?);
            }
            7 => {
                order.at(3, "default-context-result")?;
                let v = integer(&t, PPDU, "default-context-result")?;
                cpr.default_context_result = Some(ResultKind::from_i64(v).ok_or(
                    PresentationError::InvalidParameterValue {
                        ppdu: PPDU,
                        parameter: "default-context-result",
                    },
                )?);
            }
            10 => {
                order.at(4, "provider-reason")?;
                let v = integer(&t, PPDU, "provider-reason")?;
                cpr.provider_reason = Some(RefuseReason::from_i64(v).ok_or(
                    PresentationError::InvalidParameterValue {
                        ppdu: PPDU,
                        parameter: "provider-reason",
                    },
                )?);
            }
            _ => {} // X.226 §8.5
        }
    }
    Ok(cpr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::BER;
    use crate::vectors;

    fn expected() -> RefusePpdu<'static> {
        let acc = ContextResult {
            result: ResultKind::Acceptance,
            transfer_syntax: Some(BER),
            provider_reason: None,
        };
        RefusePpdu {
            responding_selector: Some(&[0, 0, 0, 1]),
            context_results: Some(vec![acc.clone(), acc]),
            provider_reason: Some(RefuseReason::DefaultContextNotSupported),
            ..RefusePpdu::default()
        }
    }

    #[test]
    fn cpr_parses_and_encodes() {
        assert_eq!(parse_refuse(vectors::CPR).unwrap(), expected());
        let mut w = Writer::new();
        expected().encode(&mut w);
        assert_eq!(w.as_slice(), vectors::CPR);
    }

    #[test]
    fn every_reason_round_trips_and_unknown_is_invalid() {
        for v in 0..8 {
            let r = RefuseReason::from_i64(v).unwrap();
            let cpr = RefusePpdu {
                provider_reason: Some(r),
                default_context_result: Some(ResultKind::UserRejection),
                ..RefusePpdu::default()
            };
            let mut w = Writer::new();
            cpr.encode(&mut w);
            assert_eq!(parse_refuse(w.as_slice()).unwrap(), cpr);
        }
        assert!(matches!(
            parse_refuse(&[0x30, 0x03, 0x8A, 0x01, 0x08]),
            Err(PresentationError::InvalidParameterValue {
                parameter: "provider-reason",
                ..
            })
        ));
    }

    #[test]
    fn x410_form_and_repeats_are_refused() {
        assert_eq!(
            parse_refuse(&[0x31, 0x00]),
            Err(PresentationError::X410ModeNotSupported)
        );
        assert!(matches!(
            parse_refuse(&[0x30, 0x06, 0x8A, 0x01, 0x00, 0x8A, 0x01, 0x00]),
            Err(PresentationError::UnexpectedParameter { .. })
        ));
    }
}
