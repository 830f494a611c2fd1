//! The abort PPDUs: `Abort-type` (X.226 §8.3.4) = ARU-PPDU (normal mode, `[0] IMPLICIT
//! SEQUENCE`, `A0`) or ARP-PPDU (SEQUENCE, `30`).

use super::user_data::user_data_from_tlv;
use super::{
    integer, is_user_data_tag, malformed, read_outer, reader, uint32, SeqOrder, UserData,
    MAX_CONTEXTS,
};
use crate::ber::{Class, Oid, Tag, Tlv, Writer, DEFAULT_MAX_DEPTH};
use crate::error::PresentationError;

const ARU: &str = "ARU-PPDU";
const ARP: &str = "ARP-PPDU";

/// The Abort-reason of an ARP-PPDU (X.226 §8.3.4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AbortReason {
    /// reason-not-specified (0).
    ReasonNotSpecified = 0,
    /// unrecognized-ppdu (1).
    UnrecognizedPpdu = 1,
    /// unexpected-ppdu (2).
    UnexpectedPpdu = 2,
    /// unexpected-session-service-primitive (3).
    UnexpectedSessionServicePrimitive = 3,
    /// unrecognized-ppdu-parameter (4).
    UnrecognizedPpduParameter = 4,
    /// unexpected-ppdu-parameter (5).
    UnexpectedPpduParameter = 5,
    /// invalid-ppdu-parameter-value (6).
    InvalidPpduParameterValue = 6,
}

impl AbortReason {
    /// The value for an INTEGER received, if X.226 defines it.
    pub fn from_i64(v: i64) -> Option<AbortReason> {
        use AbortReason as A;
        Some(match v {
            0 => A::ReasonNotSpecified,
            1 => A::UnrecognizedPpdu,
            2 => A::UnexpectedPpdu,
            3 => A::UnexpectedSessionServicePrimitive,
            4 => A::UnrecognizedPpduParameter,
            5 => A::UnexpectedPpduParameter,
            6 => A::InvalidPpduParameterValue,
            _ => return None,
        })
    }
}

/// `Abort-type` (X.226 §8.3.4): the user data of an S-U-ABORT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AbortPpdu<'a> {
    /// ARU-PPDU, normal mode (X.226 §8.3.4.1): user abort.
    User {
        /// presentation-context-identifier-list `[0]`: (context, transfer syntax) pairs.
        context_ids: Option<Vec<(u32, Oid<'a>)>>,
        /// user-data (e.g. an ACSE ABRT).
        user_data: Option<UserData<'a>>,
    },
    /// ARP-PPDU (X.226 §8.3.4.2): provider abort.
    Provider {
        /// provider-reason `[0]`.
        reason: Option<AbortReason>,
        /// event-identifier `[1]`: the PPDU or event that caused the abort (X.226 §8.3.4.2).
        event: Option<u32>,
    },
}

impl AbortPpdu<'_> {
    /// Encodes the ARU-PPDU or ARP-PPDU in front of what `w` holds.
    pub fn encode(&self, w: &mut Writer) {
        let m = w.mark();
        match self {
            AbortPpdu::User {
                context_ids,
                user_data,
            } => {
                if let Some(ud) = user_data {
                    ud.encode(w);
                }
                if let Some(list) = context_ids {
                    let ml = w.mark();
                    for (id, ts) in list.iter().rev() {
                        let mi = w.mark();
                        w.oid(Tag::OID, ts);
                        w.integer(Tag::INTEGER, i64::from(*id));
                        w.wrap(mi, Tag::SEQUENCE);
                    }
                    w.wrap(ml, Tag::context(0, true));
                }
                w.wrap(m, Tag::context(0, true));
            }
            AbortPpdu::Provider { reason, event } => {
                if let Some(e) = event {
                    w.integer(Tag::context(1, false), i64::from(*e));
                }
                if let Some(r) = reason {
                    w.integer(Tag::context(0, false), *r as i64);
                }
                w.wrap(m, Tag::SEQUENCE);
            }
        }
    }
}

/// Parses an Abort-type (X.226 §8.3.4) that makes up all of `b`, with the default nesting
/// limit. The X.410-1984 form of ARU (a SET) is refused as unrecognized.
pub fn parse_abort(b: &[u8]) -> Result<AbortPpdu<'_>, PresentationError> {
    parse_abort_with_depth(b, DEFAULT_MAX_DEPTH)
}

/// [`parse_abort`] entering at most `max_depth` levels of constructed values.
pub fn parse_abort_with_depth(
    b: &[u8],
    max_depth: u16,
) -> Result<AbortPpdu<'_>, PresentationError> {
    let outer = read_outer(b, max_depth, "Abort-type")?;
    if outer.tag == Tag::context(0, true) {
        parse_aru(&outer)
    } else if outer.tag == Tag::SEQUENCE {
        parse_arp(&outer)
    } else {
        Err(PresentationError::UnrecognizedPpdu {
            expected: "Abort-type",
            found: Some(outer.tag),
        })
    }
}

fn parse_aru<'a>(outer: &Tlv<'a>) -> Result<AbortPpdu<'a>, PresentationError> {
    let mut r = reader(outer, ARU, ARU)?;
    let mut order = SeqOrder::new(ARU);
    let mut context_ids = None;
    let mut user_data = None;
    while let Some(t) = r.read_optional().map_err(malformed(ARU, ARU))? {
        if is_user_data_tag(t.tag) {
            order.at(1, "user-data")?;
            user_data = Some(user_data_from_tlv(&t)?);
        } else if t.tag == Tag::context(0, true) {
            const P: &str = "presentation-context-identifier-list";
            order.at(0, P)?;
            let mut lr = reader(&t, ARU, P)?;
            let mut list = Vec::new();
            while let Some(item) = lr.read_optional().map_err(malformed(ARU, P))? {
                if list.len() == MAX_CONTEXTS {
                    return Err(PresentationError::TooManyItems {
                        ppdu: ARU,
                        parameter: P,
                        max: MAX_CONTEXTS,
                    });
                }
                let item = item.expect(Tag::SEQUENCE).map_err(malformed(ARU, P))?;
                let mut ir = reader(&item, ARU, P)?;
                let id = ir.read_tagged(Tag::INTEGER).map_err(malformed(ARU, P))?;
                let id = uint32(&id, ARU, "presentation-context-identifier")?;
                let ts = ir
                    .read_tagged(Tag::OID)
                    .and_then(|t| t.oid())
                    .map_err(malformed(ARU, "transfer-syntax-name"))?;
                ir.finish().map_err(malformed(ARU, P))?;
                list.push((id, ts));
            }
            context_ids = Some(list);
        } else if t.tag.class == Class::Context && t.tag.number == 0 {
            return Err(malformed(ARU, "presentation-context-identifier-list")(
                crate::ber::BerError::WrongForm(t.tag),
            ));
        }
        // Other tagged values are ignored (X.226 §8.5).
    }
    Ok(AbortPpdu::User {
        context_ids,
        user_data,
    })
}

fn parse_arp<'a>(outer: &Tlv<'a>) -> Result<AbortPpdu<'a>, PresentationError> {
    let mut r = reader(outer, ARP, ARP)?;
    let mut order = SeqOrder::new(ARP);
    let mut reason = None;
    let mut event = None;
    while let Some(t) = r.read_optional().map_err(malformed(ARP, ARP))? {
        if t.tag == Tag::context(0, false) {
            order.at(0, "provider-reason")?;
            reason = Some(
                AbortReason::from_i64(integer(&t, ARP, "provider-reason")?).ok_or(
                    PresentationError::InvalidParameterValue {
                        ppdu: ARP,
                        parameter: "provider-reason",
                    },
                )?,
            );
        } else if t.tag == Tag::context(1, false) {
            order.at(1, "event-identifier")?;
            event = Some(uint32(&t, ARP, "event-identifier")?);
        }
        // Other tagged values are ignored (X.226 §8.5).
    }
    Ok(AbortPpdu::Provider { reason, event })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::BER;
    use crate::ppdu::FullyEncoded;
    use crate::vectors;

    const ABRT: &[u8] = &[0x64, 0x03, 0x80, 0x01, 0x00];

    #[test]
    fn aru_parses_and_encodes() {
        let aru = AbortPpdu::User {
            context_ids: None,
            user_data: Some(UserData::Fully(FullyEncoded::single(1, ABRT))),
        };
        assert_eq!(parse_abort(vectors::ARU).unwrap(), aru);
        let mut w = Writer::new();
        aru.encode(&mut w);
        assert_eq!(w.as_slice(), vectors::ARU);
    }

    #[test]
    fn arp_parses_and_encodes() {
        let arp = AbortPpdu::Provider {
            reason: Some(AbortReason::UnrecognizedPpdu),
            event: None,
        };
        assert_eq!(parse_abort(vectors::ARP).unwrap(), arp);
        let mut w = Writer::new();
        arp.encode(&mut w);
        assert_eq!(w.as_slice(), vectors::ARP);
    }

    #[test]
    fn context_list_and_event_round_trip() {
        for p in [
            AbortPpdu::User {
                context_ids: Some(vec![(1, BER), (3, BER)]),
                user_data: None,
            },
            AbortPpdu::Provider {
                reason: Some(AbortReason::InvalidPpduParameterValue),
                event: Some(7),
            },
            AbortPpdu::Provider {
                reason: None,
                event: None,
            },
        ] {
            let mut w = Writer::new();
            p.encode(&mut w);
            assert_eq!(parse_abort(w.as_slice()).unwrap(), p);
        }
    }

    #[test]
    fn unknown_pdu_and_bad_reason() {
        assert!(matches!(
            parse_abort(&[0x31, 0x00]),
            Err(PresentationError::UnrecognizedPpdu { .. })
        ));
        assert!(matches!(
            parse_abort(&[0x30, 0x03, 0x80, 0x01, 0x09]),
            Err(PresentationError::InvalidParameterValue { .. })
        ));
        assert!(matches!(
            parse_abort(&[0x30, 0x06, 0x81, 0x01, 0x01, 0x80, 0x01, 0x01]),
            Err(PresentationError::UnexpectedParameter { .. })
        ));
    }
}
