//! The CPA PPDU: `CPA-PPDU` (X.226 §8.3.2), a SET (`31`).

use super::user_data::user_data_from_tlv;
use super::{
    bit_string, encode_mode, encode_result_list, explicit, is_user_data_tag, malformed, octets,
    opt_bits, opt_octets, parse_mode, parse_result_list, read_outer, reader, uint32, ContextResult,
    Mode, SeqOrder, SetSeen, UserData,
};
use crate::ber::{BitString, Class, Tag, Tlv, Writer, DEFAULT_MAX_DEPTH};
use crate::error::PresentationError;

const PPDU: &str = "CPA-PPDU";

/// The CPA PPDU (X.226 §8.3.2), normal mode: mode-selector `[0]` (normal) and
/// normal-mode-parameters `[2]`.
///
/// `protocol-options [11]` and `responders-nominated-context [13]` are checked for form and
/// otherwise ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AcceptPpdu<'a> {
    /// protocol-version `[0]` (absent means version-1).
    pub protocol_version: Option<BitString<'a>>,
    /// responding-presentation-selector `[3]`.
    pub responding_selector: Option<&'a [u8]>,
    /// presentation-context-definition-result-list `[5]`: one result per proposed context,
    /// in order (empty when absent).
    pub context_results: Vec<ContextResult<'a>>,
    /// presentation-requirements `[8]`.
    pub presentation_requirements: Option<BitString<'a>>,
    /// user-session-requirements `[9]`.
    pub user_session_requirements: Option<BitString<'a>>,
    /// user-data.
    pub user_data: Option<UserData<'a>>,
}

impl AcceptPpdu<'_> {
    /// Encodes the CPA-PPDU (X.226 §8.3.2) in front of what `w` holds.
    pub fn encode(&self, w: &mut Writer) {
        let m = w.mark();
        let n = w.mark();
        if let Some(ud) = &self.user_data {
            ud.encode(w);
        }
        opt_bits(w, Tag::context(9, false), &self.user_session_requirements);
        opt_bits(w, Tag::context(8, false), &self.presentation_requirements);
        if !self.context_results.is_empty() {
            let mr = w.mark();
            encode_result_list(w, &self.context_results);
            w.wrap(mr, Tag::context(5, true));
        }
        opt_octets(w, Tag::context(3, false), self.responding_selector);
        opt_bits(w, Tag::context(0, false), &self.protocol_version);
        w.wrap(n, Tag::context(2, true));
        encode_mode(w, Mode::Normal);
        w.wrap(m, Tag::SET);
    }
}

/// Parses a CPA-PPDU (X.226 §8.3.2) that makes up all of `b`, with the default nesting limit.
pub fn parse_accept(b: &[u8]) -> Result<AcceptPpdu<'_>, PresentationError> {
    parse_accept_with_depth(b, DEFAULT_MAX_DEPTH)
}

/// [`parse_accept`] entering at most `max_depth` levels of constructed values.
pub fn parse_accept_with_depth(
    b: &[u8],
    max_depth: u16,
) -> Result<AcceptPpdu<'_>, PresentationError> {
    let outer = read_outer(b, max_depth, PPDU)?;
    if outer.tag != Tag::SET {
        return Err(PresentationError::UnrecognizedPpdu {
            expected: PPDU,
            found: Some(outer.tag),
        });
    }
    let mut r = reader(&outer, PPDU, PPDU)?;
    let mut seen = SetSeen::new(PPDU);
    let mut mode = None;
    let mut normal = None;
    while let Some(t) = r.read_optional().map_err(malformed(PPDU, PPDU))? {
        match (t.tag.class, t.tag.number) {
            (Class::Context, 0) => {
                seen.mark(0, "mode-selector")?;
                mode = Some(parse_mode(&t, PPDU)?);
            }
            (Class::Context, 1) => seen.mark(1, "x410-mode-parameters")?,
            (Class::Context, 2) => {
                seen.mark(2, "normal-mode-parameters")?;
                normal = Some(t);
            }
            _ => {} // X.226 §8.5
        }
    }
    match mode {
        None => {
            return Err(PresentationError::MissingParameter {
                ppdu: PPDU,
                parameter: "mode-selector",
            })
        }
        Some(Mode::X410_1984) => {
            return Err(PresentationError::InvalidParameterValue {
                ppdu: PPDU,
                parameter: "mode-value",
            })
        }
        Some(Mode::Normal) => {}
    }
    let mut cpa = AcceptPpdu::default();
    if let Some(n) = normal {
        parse_normal(&n, &mut cpa)?;
    }
    Ok(cpa)
}

fn parse_normal<'a>(n: &Tlv<'a>, cpa: &mut AcceptPpdu<'a>) -> Result<(), PresentationError> {
    const P: &str = "normal-mode-parameters";
    let mut r = reader(n, PPDU, P)?;
    let mut order = SeqOrder::new(PPDU);
    while let Some(t) = r.read_optional().map_err(malformed(PPDU, P))? {
        if is_user_data_tag(t.tag) {
            order.at(10, "user-data")?;
            cpa.user_data = Some(user_data_from_tlv(&t)?);
            continue;
        }
        if t.tag.class != Class::Context {
            continue; // X.226 §8.5
        }
        match t.tag.number {
            0 => {
                order.at(0, "protocol-version")?;
                cpa.protocol_version = Some(bit_string(&t, PPDU, "protocol-version")?);
            }
            3 => {
                order.at(1, "responding-presentation-selector")?;
                cpa.responding_selector =
                    Some(octets(&t, PPDU, "responding-presentation-selector")?);
            }
            5 => {
                order.at(2, "presentation-context-definition-result-list")?;
                cpa.context_results = parse_result_list(&t, PPDU)?;
            }
            8 => {
                order.at(3, "presentation-requirements")?;
                cpa.presentation_requirements =
                    Some(bit_string(&t, PPDU, "presentation-requirements")?);
            }
            9 => {
                order.at(4, "user-session-requirements")?;
                cpa.user_session_requirements =
                    Some(bit_string(&t, PPDU, "user-session-requirements")?);
            }
            11 => {
                order.at(5, "protocol-options")?;
                explicit(&t, PPDU, "protocol-options")?
                    .expect(Tag::BIT_STRING)
                    .and_then(|v| v.bit_string())
                    .map_err(malformed(PPDU, "protocol-options"))?;
            }
            13 => {
                order.at(6, "responders-nominated-context")?;
                let v = explicit(&t, PPDU, "responders-nominated-context")?
                    .expect(Tag::INTEGER)
                    .map_err(malformed(PPDU, "responders-nominated-context"))?;
                uint32(&v, PPDU, "responders-nominated-context")?;
            }
            _ => {} // X.226 §8.5
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::BER;
    use crate::ppdu::{FullyEncoded, ProviderReason, ResultKind};
    use crate::vectors;

    fn accepted() -> ContextResult<'static> {
        ContextResult {
            result: ResultKind::Acceptance,
            transfer_syntax: Some(BER),
            provider_reason: None,
        }
    }

    fn expected(n: usize) -> AcceptPpdu<'static> {
        let mut results = vec![accepted(), accepted()];
        if n == 3 {
            results.push(ContextResult {
                result: ResultKind::ProviderRejection,
                transfer_syntax: None,
                provider_reason: Some(ProviderReason::AbstractSyntaxNotSupported),
            });
        }
        AcceptPpdu {
            responding_selector: Some(&[0, 0, 0, 1]),
            context_results: results,
            user_data: Some(UserData::Fully(FullyEncoded::single(1, vectors::AARE))),
            ..AcceptPpdu::default()
        }
    }

    #[test]
    fn cpa_with_two_and_three_results_parse_and_encode() {
        for (n, v) in [(2, vectors::CPA2), (3, vectors::CPA3)] {
            let cpa = parse_accept(v).unwrap();
            assert_eq!(cpa, expected(n));
            assert_eq!(cpa.context_results.len(), n);
            let mut w = Writer::new();
            expected(n).encode(&mut w);
            assert_eq!(w.as_slice(), v, "{n} results");
        }
    }

    #[test]
    fn x410_mode_cpa_is_invalid() {
        let b = [0x31, 0x05, 0xA0, 0x03, 0x80, 0x01, 0x00];
        assert!(matches!(
            parse_accept(&b),
            Err(PresentationError::InvalidParameterValue {
                parameter: "mode-value",
                ..
            })
        ));
    }

    #[test]
    fn unknown_result_value_is_invalid() {
        // A5 { 30 { 80 01 07 } }
        let b = [
            0x31, 0x0E, 0xA0, 0x03, 0x80, 0x01, 0x01, 0xA2, 0x07, 0xA5, 0x05, 0x30, 0x03, 0x80,
            0x01, 0x07,
        ];
        assert!(matches!(
            parse_accept(&b),
            Err(PresentationError::InvalidParameterValue {
                parameter: "result",
                ..
            })
        ));
        // An unknown element inside a result item is not ignored.
        let b = [
            0x31, 0x11, 0xA0, 0x03, 0x80, 0x01, 0x01, 0xA2, 0x0A, 0xA5, 0x08, 0x30, 0x06, 0x80,
            0x01, 0x00, 0x85, 0x01, 0x00,
        ];
        assert!(matches!(
            parse_accept(&b),
            Err(PresentationError::UnrecognizedParameter { .. })
        ));
    }

    #[test]
    fn truncations_are_errors() {
        for n in 0..vectors::CPA3.len() {
            assert!(parse_accept(&vectors::CPA3[..n]).is_err(), "prefix {n}");
        }
    }
}
