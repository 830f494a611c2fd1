//! The CP PPDU: `CP-type` (X.226 §8.3.1), a SET (`31`).

use super::user_data::user_data_from_tlv;
use super::{
    bit_string, encode_context_list, encode_mode, explicit, is_user_data_tag, malformed, octets,
    opt_bits, opt_octets, parse_context_list, parse_mode, read_outer, reader, uint32,
    ContextDefinition, Mode, SeqOrder, SetSeen, UserData,
};
use crate::ber::{BitString, Oid, Tag, Tlv, Writer, DEFAULT_MAX_DEPTH};
use crate::error::PresentationError;

const PPDU: &str = "CP-type";

/// `Default-context-name` (X.226 §8.3.1): the abstract and transfer syntax of a proposed
/// default context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultContextName<'a> {
    /// abstract-syntax-name `[0]`.
    pub abstract_syntax: Oid<'a>,
    /// transfer-syntax-name `[1]`.
    pub transfer_syntax: Oid<'a>,
}

/// The CP PPDU, `CP-type` (X.226 §8.3.1): a SET of mode-selector `[0]`, x410-mode-parameters
/// `[1]` (recognised, not decoded) and normal-mode-parameters `[2]`.
///
/// `protocol-options [11]`, `initiators-nominated-context [12]` and `extensions [14]` are
/// checked for form and otherwise ignored (this implementation offers no protocol options).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectPpdu<'a> {
    /// mode-selector.
    pub mode: Mode,
    /// protocol-version `[0]` (absent means version-1).
    pub protocol_version: Option<BitString<'a>>,
    /// calling-presentation-selector `[1]`.
    pub calling_selector: Option<&'a [u8]>,
    /// called-presentation-selector `[2]`.
    pub called_selector: Option<&'a [u8]>,
    /// presentation-context-definition-list `[4]` (empty when absent).
    pub context_definitions: Vec<ContextDefinition<'a>>,
    /// default-context-name `[6]`.
    pub default_context: Option<DefaultContextName<'a>>,
    /// presentation-requirements `[8]`.
    pub presentation_requirements: Option<BitString<'a>>,
    /// user-session-requirements `[9]`.
    pub user_session_requirements: Option<BitString<'a>>,
    /// user-data.
    pub user_data: Option<UserData<'a>>,
}

impl Default for ConnectPpdu<'_> {
    fn default() -> Self {
        ConnectPpdu {
            mode: Mode::Normal,
            protocol_version: None,
            calling_selector: None,
            called_selector: None,
            context_definitions: Vec::new(),
            default_context: None,
            presentation_requirements: None,
            user_session_requirements: None,
            user_data: None,
        }
    }
}

impl ConnectPpdu<'_> {
    /// Encodes the CP-type (X.226 §8.3.1) in front of what `w` holds. In X.410-1984 mode only
    /// the mode-selector is written.
    pub fn encode(&self, w: &mut Writer) {
        let m = w.mark();
        if self.mode == Mode::Normal {
            let n = w.mark();
            if let Some(ud) = &self.user_data {
                ud.encode(w);
            }
            opt_bits(w, Tag::context(9, false), &self.user_session_requirements);
            opt_bits(w, Tag::context(8, false), &self.presentation_requirements);
            if let Some(dc) = &self.default_context {
                let md = w.mark();
                w.oid(Tag::context(1, false), &dc.transfer_syntax);
                w.oid(Tag::context(0, false), &dc.abstract_syntax);
                w.wrap(md, Tag::context(6, true));
            }
            if !self.context_definitions.is_empty() {
                let mc = w.mark();
                encode_context_list(w, &self.context_definitions);
                w.wrap(mc, Tag::context(4, true));
            }
            opt_octets(w, Tag::context(2, false), self.called_selector);
            opt_octets(w, Tag::context(1, false), self.calling_selector);
            opt_bits(w, Tag::context(0, false), &self.protocol_version);
            w.wrap(n, Tag::context(2, true));
        }
        encode_mode(w, self.mode);
        w.wrap(m, Tag::SET);
    }
}

/// Parses a CP-type (X.226 §8.3.1) that makes up all of `b`, with the default nesting limit.
pub fn parse_connect(b: &[u8]) -> Result<ConnectPpdu<'_>, PresentationError> {
    parse_connect_with_depth(b, DEFAULT_MAX_DEPTH)
}

/// [`parse_connect`] entering at most `max_depth` levels of constructed values.
pub fn parse_connect_with_depth(
    b: &[u8],
    max_depth: u16,
) -> Result<ConnectPpdu<'_>, PresentationError> {
    let outer = read_outer(b, max_depth, PPDU)?;
    if outer.tag != Tag::SET {
        return Err(PresentationError::UnrecognizedPpdu {
            expected: PPDU,
            found: Some(outer.tag),
        });
    }
    let mut r = reader(&outer, PPDU, "CP-type")?;
    let mut seen = SetSeen::new(PPDU);
    let mut mode = None;
    let mut normal = None;
    while let Some(t) = r.read_optional().map_err(malformed(PPDU, "CP-type"))? {
        match (t.tag.class, t.tag.number) {
            (crate::ber::Class::Context, 0) => {
                seen.mark(0, "mode-selector")?;
                mode = Some(parse_mode(&t, PPDU)?);
            }
            (crate::ber::Class::Context, 1) => {
                seen.mark(1, "x410-mode-parameters")?;
            }
            (crate::ber::Class::Context, 2) => {
                seen.mark(2, "normal-mode-parameters")?;
                normal = Some(t);
            }
            // X.226 §8.5: tagged values not defined here are ignored.
            _ => {}
        }
    }
    let mode = mode.ok_or(PresentationError::MissingParameter {
        ppdu: PPDU,
        parameter: "mode-selector",
    })?;
    let mut cp = ConnectPpdu {
        mode,
        ..ConnectPpdu::default()
    };
    if mode == Mode::Normal {
        if let Some(n) = normal {
            parse_normal(&n, &mut cp)?;
        }
    }
    Ok(cp)
}

fn parse_normal<'a>(n: &Tlv<'a>, cp: &mut ConnectPpdu<'a>) -> Result<(), PresentationError> {
    if !n.tag.constructed {
        return Err(malformed(PPDU, "normal-mode-parameters")(
            crate::ber::BerError::WrongForm(n.tag),
        ));
    }
    let mut r = reader(n, PPDU, "normal-mode-parameters")?;
    let mut order = SeqOrder::new(PPDU);
    while let Some(t) = r
        .read_optional()
        .map_err(malformed(PPDU, "normal-mode-parameters"))?
    {
        if is_user_data_tag(t.tag) {
            order.at(10, "user-data")?;
            cp.user_data = Some(user_data_from_tlv(&t)?);
            continue;
        }
        if t.tag.class != crate::ber::Class::Context {
            continue; // X.226 §8.5
        }
        match t.tag.number {
            0 => {
                order.at(0, "protocol-version")?;
                cp.protocol_version = Some(bit_string(&t, PPDU, "protocol-version")?);
            }
            1 => {
                order.at(1, "calling-presentation-selector")?;
                cp.calling_selector = Some(octets(&t, PPDU, "calling-presentation-selector")?);
            }
            2 => {
                order.at(2, "called-presentation-selector")?;
                cp.called_selector = Some(octets(&t, PPDU, "called-presentation-selector")?);
            }
            4 => {
                order.at(3, "presentation-context-definition-list")?;
                cp.context_definitions = parse_context_list(&t, PPDU)?;
            }
            6 => {
                order.at(4, "default-context-name")?;
                let mut dr = reader(&t, PPDU, "default-context-name")?;
                let a = dr
                    .read_tagged(Tag::context(0, false))
                    .and_then(|x| x.oid())
                    .map_err(malformed(PPDU, "default-context-name"))?;
                let ts = dr
                    .read_tagged(Tag::context(1, false))
                    .and_then(|x| x.oid())
                    .map_err(malformed(PPDU, "default-context-name"))?;
                dr.finish()
                    .map_err(malformed(PPDU, "default-context-name"))?;
                cp.default_context = Some(DefaultContextName {
                    abstract_syntax: a,
                    transfer_syntax: ts,
                });
            }
            8 => {
                order.at(5, "presentation-requirements")?;
                cp.presentation_requirements =
                    Some(bit_string(&t, PPDU, "presentation-requirements")?);
            }
            9 => {
                order.at(6, "user-session-requirements")?;
                cp.user_session_requirements =
                    Some(bit_string(&t, PPDU, "user-session-requirements")?);
            }
            11 => {
                order.at(7, "protocol-options")?;
                let v = explicit(&t, PPDU, "protocol-options")?;
                v.expect(Tag::BIT_STRING)
                    .and_then(|v| v.bit_string())
                    .map_err(malformed(PPDU, "protocol-options"))?;
            }
            12 => {
                order.at(8, "initiators-nominated-context")?;
                let v = explicit(&t, PPDU, "initiators-nominated-context")?;
                let v = v
                    .expect(Tag::INTEGER)
                    .map_err(malformed(PPDU, "initiators-nominated-context"))?;
                uint32(&v, PPDU, "initiators-nominated-context")?;
            }
            14 => {
                // extensions: SEQUENCE {...}, contents ignored (X.226 §8.5).
                order.at(9, "extensions")?;
            }
            _ => {} // X.226 §8.5
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ber::BerError;
    use crate::context::{ACSE_AS, BER, MMS_AS};
    use crate::ppdu::{FullyEncoded, PdvValue};
    use crate::vectors;

    fn expected_cp() -> ConnectPpdu<'static> {
        ConnectPpdu {
            calling_selector: Some(&[0, 0, 0, 1]),
            called_selector: Some(&[0, 0, 0, 1]),
            context_definitions: vec![
                ContextDefinition {
                    id: 1,
                    abstract_syntax: ACSE_AS,
                    transfer_syntaxes: vec![BER],
                },
                ContextDefinition {
                    id: 3,
                    abstract_syntax: MMS_AS,
                    transfer_syntaxes: vec![BER],
                },
            ],
            user_data: Some(UserData::Fully(FullyEncoded::single(1, vectors::AARQ))),
            ..ConnectPpdu::default()
        }
    }

    #[test]
    fn parses_the_tshark_checked_cp() {
        let cp = parse_connect(vectors::CP).unwrap();
        assert_eq!(cp, expected_cp());
        let pdv = cp
            .user_data
            .as_ref()
            .unwrap()
            .fully()
            .unwrap()
            .single_pdv()
            .unwrap();
        assert_eq!(pdv.context_id, 1);
        assert_eq!(pdv.value, PdvValue::SingleAsn1Type(vectors::AARQ));
    }

    #[test]
    fn encodes_the_tshark_checked_cp() {
        let mut w = Writer::new();
        expected_cp().encode(&mut w);
        assert_eq!(w.as_slice(), vectors::CP);
    }

    #[test]
    fn indefinite_length_cp_parses_like_the_definite_one() {
        let cp = parse_connect(vectors::CP_INDEFINITE).unwrap();
        assert_eq!(cp, expected_cp());
        // Re-encoded: the containers become definite, the received PDV-list octets are kept
        // exactly as received (what a signature covers), and it parses to the same value.
        let mut w = Writer::new();
        cp.encode(&mut w);
        assert_eq!(w.as_slice()[..2], [0x31, 0x81]);
        assert_eq!(w.as_slice().len(), vectors::CP.len() + 2); // + the inner 80 .. 00 00
        assert_eq!(parse_connect(w.as_slice()).unwrap(), expected_cp());
    }

    #[test]
    fn x410_mode_is_recognised() {
        // 31 0A  A0 03 80 01 00  A1 03 (x410 params, opaque)
        let b = [0x31, 0x08, 0xA0, 0x03, 0x80, 0x01, 0x00, 0xA1, 0x01, 0x05];
        let b = &b[..];
        let mut fixed = b.to_vec();
        fixed[1] = (fixed.len() - 2) as u8;
        let cp = parse_connect(&fixed).unwrap();
        assert_eq!(cp.mode, Mode::X410_1984);
        assert!(cp.context_definitions.is_empty());
    }

    #[test]
    fn missing_mode_selector_is_an_error() {
        let b = [0x31, 0x02, 0xA2, 0x00];
        assert!(matches!(
            parse_connect(&b),
            Err(PresentationError::MissingParameter {
                parameter: "mode-selector",
                ..
            })
        ));
    }

    #[test]
    fn repeated_set_component_is_an_error() {
        let b = [
            0x31, 0x0A, 0xA0, 0x03, 0x80, 0x01, 0x01, 0xA0, 0x03, 0x80, 0x01, 0x01,
        ];
        assert!(matches!(
            parse_connect(&b),
            Err(PresentationError::UnexpectedParameter {
                parameter: "mode-selector",
                ..
            })
        ));
    }

    #[test]
    fn repeated_or_out_of_order_sequence_component_is_an_error() {
        // called selector [2] then calling selector [1]: out of order.
        let b = [
            0x31, 0x0D, 0xA0, 0x03, 0x80, 0x01, 0x01, 0xA2, 0x06, 0x82, 0x01, 0x01, 0x81, 0x01,
            0x01,
        ];
        assert!(matches!(
            parse_connect(&b),
            Err(PresentationError::UnexpectedParameter {
                parameter: "calling-presentation-selector",
                ..
            })
        ));
        // calling selector twice.
        let b = [
            0x31, 0x0D, 0xA0, 0x03, 0x80, 0x01, 0x01, 0xA2, 0x06, 0x81, 0x01, 0x01, 0x81, 0x01,
            0x01,
        ];
        assert!(matches!(
            parse_connect(&b),
            Err(PresentationError::UnexpectedParameter { .. })
        ));
    }

    #[test]
    fn unknown_elements_and_extensions_are_ignored() {
        // normal-mode-parameters: [1] calling, [13] unknown, [14] extensions { 30 00 },
        // [11] protocol-options would be out of order after [14], so it comes first.
        let b = [
            0x31, 0x1A, 0xA0, 0x03, 0x80, 0x01, 0x01, 0x9F, 0x40, 0x00, // unknown [64] in SET
            0xA2, 0x10, 0x81, 0x01, 0x07, 0xAB, 0x03, 0x03, 0x01, 0x00, // [11] { BIT STRING }
            0x8D, 0x01, 0x00, // unknown [13]
            0xAE, 0x02, 0x30, 0x00, // extensions [14]
        ];
        let mut v = b.to_vec();
        v[1] = (v.len() - 2) as u8;
        v[11] = (v.len() - 12) as u8;
        let cp = parse_connect(&v).unwrap();
        assert_eq!(cp.calling_selector, Some(&[7u8][..]));
        assert!(cp.user_data.is_none());
    }

    #[test]
    fn truncated_and_oversized_lengths_are_errors() {
        for n in 0..vectors::CP.len() {
            assert!(parse_connect(&vectors::CP[..n]).is_err(), "prefix {n}");
        }
        let mut long = vectors::CP.to_vec();
        long[2] = 0xFF; // outer length beyond the input
        assert!(matches!(
            parse_connect(&long),
            Err(PresentationError::UnrecognizedPpdu { .. })
        ));
        let mut trailing = vectors::CP.to_vec();
        trailing.push(0);
        assert!(matches!(
            parse_connect(&trailing),
            Err(PresentationError::Malformed {
                source: BerError::TrailingData(1),
                ..
            })
        ));
    }

    #[test]
    fn wrong_outer_tag_is_unrecognized() {
        assert!(matches!(
            parse_connect(vectors::CPR),
            Err(PresentationError::UnrecognizedPpdu { found: Some(t), .. }) if t == Tag::SEQUENCE
        ));
    }

    #[test]
    fn over_deep_nesting_is_an_error() {
        // CP with a deeply nested unknown element inside normal-mode-parameters.
        let mut inner = Writer::new();
        for _ in 0..100 {
            inner.wrap(0, Tag::context(20, true));
        }
        let mut w = Writer::new();
        let m = w.mark();
        w.raw(inner.as_slice());
        w.wrap(m, Tag::context(2, true));
        encode_mode(&mut w, Mode::Normal);
        w.wrap(0, Tag::SET);
        let r = parse_connect_with_depth(w.as_slice(), 16);
        assert!(
            r.is_ok(),
            "unknown definite element is skipped without descending: {r:?}"
        );
        // Indefinite lengths must be walked to find their end: the depth limit applies.
        let mut deep = vec![0x31, 0x80, 0xA0, 0x03, 0x80, 0x01, 0x01];
        for _ in 0..100 {
            deep.extend_from_slice(&[0xA2, 0x80]);
        }
        deep.extend_from_slice(&[0u8; 202]);
        assert!(matches!(
            parse_connect_with_depth(&deep, 16),
            Err(PresentationError::Malformed {
                source: BerError::TooDeep { .. },
                ..
            })
        ));
    }

    #[test]
    fn too_many_contexts_is_an_error() {
        let cp = ConnectPpdu {
            context_definitions: (0..=crate::ppdu::MAX_CONTEXTS as u32)
                .map(|i| ContextDefinition {
                    id: 2 * i + 1,
                    abstract_syntax: MMS_AS,
                    transfer_syntaxes: vec![BER],
                })
                .collect(),
            ..ConnectPpdu::default()
        };
        let mut w = Writer::new();
        cp.encode(&mut w);
        assert!(matches!(
            parse_connect(w.as_slice()),
            Err(PresentationError::TooManyItems { .. })
        ));
    }

    #[test]
    fn default_context_and_version_round_trip() {
        let cp = ConnectPpdu {
            protocol_version: Some(BitString {
                unused: 7,
                bits: &[0x80],
            }),
            default_context: Some(DefaultContextName {
                abstract_syntax: MMS_AS,
                transfer_syntax: BER,
            }),
            presentation_requirements: Some(BitString {
                unused: 6,
                bits: &[0x00],
            }),
            user_session_requirements: Some(BitString {
                unused: 0,
                bits: &[0x00, 0x02],
            }),
            user_data: Some(UserData::Simple(b"hi")),
            ..ConnectPpdu::default()
        };
        let mut w = Writer::new();
        cp.encode(&mut w);
        assert_eq!(parse_connect(w.as_slice()).unwrap(), cp);
    }
}
