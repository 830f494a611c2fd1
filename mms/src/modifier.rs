//! `Modifier` (ISO 9506-2 §7.3 / §5.5 modifiers): conditions attached to a confirmed request
//! (its `listOfModifier`) or stored in an event action: wait for an event condition
//! transition, or for control of a semaphore, before the service is executed.

use crate::codec::write_explicit_choice;
use crate::codec::{boolean, uint32, uint8};
use crate::codec::{
    ctx, ctx_c, expect_tag, Choice, Class, DecodeError, Fields, Result, Tlv, Writer,
};
use crate::common::{identifier, Identifier, ObjectName};
use crate::services::event::{write_u, Priority, Transitions, NORMAL_PRIORITY};

/// `Modifier ::= CHOICE` (ISO 9506-2 §7.3). Unknown alternatives are refused with
/// [`DecodeError::UnrecognizedModifier`] (reject reason unrecognized-modifier).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Modifier<'a> {
    /// `attach-To-Event-Condition [0] IMPLICIT AttachToEventCondition`.
    AttachToEventCondition(AttachToEventCondition<'a>),
    /// `attach-To-Semaphore [1] IMPLICIT AttachToSemaphore`.
    AttachToSemaphore(AttachToSemaphore<'a>),
}

/// `AttachToEventCondition ::= SEQUENCE` (ISO 9506-2 §19, attach-to-event-condition
/// modifier): execute the request when the event condition makes one of the transitions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachToEventCondition<'a> {
    /// `eventEnrollmentName [0] ObjectName`: the enrollment the modifier creates.
    pub event_enrollment_name: ObjectName<'a>,
    /// `eventConditionName [1] ObjectName`.
    pub event_condition_name: ObjectName<'a>,
    /// `causingTransitions [2] IMPLICIT Transitions`.
    pub causing_transitions: Transitions,
    /// `acceptableDelay [3] IMPLICIT Unsigned32 OPTIONAL` (milliseconds).
    pub acceptable_delay: Option<u32>,
}

/// `AttachToSemaphore ::= SEQUENCE` (ISO 9506-2 §15 semaphores, attach-to-semaphore modifier):
/// execute the request once control of the semaphore is obtained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachToSemaphore<'a> {
    /// `semaphoreName [0] ObjectName`.
    pub semaphore_name: ObjectName<'a>,
    /// `namedToken [1] IMPLICIT Identifier OPTIONAL`.
    pub named_token: Option<Identifier<'a>>,
    /// `priority [2] IMPLICIT Priority DEFAULT normalPriority (64)`.
    pub priority: Priority,
    /// `acceptableDelay [3] IMPLICIT Unsigned32 OPTIONAL`.
    pub acceptable_delay: Option<u32>,
    /// `controlTimeOut [4] IMPLICIT Unsigned32 OPTIONAL`.
    pub control_time_out: Option<u32>,
    /// `abortOnTimeOut [5] IMPLICIT BOOLEAN OPTIONAL`.
    pub abort_on_time_out: Option<bool>,
    /// `relinquishIfConnectionLost [6] IMPLICIT BOOLEAN DEFAULT TRUE`.
    pub relinquish_if_connection_lost: bool,
}

impl<'a> AttachToSemaphore<'a> {
    /// A modifier for `semaphore_name` with every other field at its default.
    pub fn new(semaphore_name: ObjectName<'a>) -> Self {
        AttachToSemaphore {
            semaphore_name,
            named_token: None,
            priority: NORMAL_PRIORITY,
            acceptable_delay: None,
            control_time_out: None,
            abort_on_time_out: None,
            relinquish_if_connection_lost: true,
        }
    }
}

impl<'a> AttachToEventCondition<'a> {
    fn decode_fields(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = Fields::new(tlv)?;
        let event_enrollment_name = f.req_choice(0, "eventEnrollmentName")?;
        let event_condition_name = f.req_choice(1, "eventConditionName")?;
        let causing_transitions = Transitions::decode_value(&f.req(ctx(2), "causingTransitions")?)?;
        let acceptable_delay = f.opt_map(ctx(3), uint32)?;
        f.finish()?;
        Ok(AttachToEventCondition {
            event_enrollment_name,
            event_condition_name,
            causing_transitions,
            acceptable_delay,
        })
    }

    fn encode_fields(&self, w: &mut Writer) {
        if let Some(v) = self.acceptable_delay {
            write_u(w, 3, v.into());
        }
        self.causing_transitions.encode_value(w, ctx(2));
        write_explicit_choice(w, 1, &self.event_condition_name);
        write_explicit_choice(w, 0, &self.event_enrollment_name);
    }
}

impl<'a> AttachToSemaphore<'a> {
    fn decode_fields(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = Fields::new(tlv)?;
        let semaphore_name = f.req_choice(0, "semaphoreName")?;
        let named_token = f
            .opt(ctx(1))?
            .map(|t| {
                expect_tag(&t, ctx(1))?;
                identifier(&t)
            })
            .transpose()?;
        let priority = f.opt_map(ctx(2), uint8)?.unwrap_or(NORMAL_PRIORITY);
        let acceptable_delay = f.opt_map(ctx(3), uint32)?;
        let control_time_out = f.opt_map(ctx(4), uint32)?;
        let abort_on_time_out = f.opt_map(ctx(5), boolean)?;
        let relinquish_if_connection_lost = f.bool_default(6, true)?;
        f.finish()?;
        Ok(AttachToSemaphore {
            semaphore_name,
            named_token,
            priority,
            acceptable_delay,
            control_time_out,
            abort_on_time_out,
            relinquish_if_connection_lost,
        })
    }

    fn encode_fields(&self, w: &mut Writer) {
        if !self.relinquish_if_connection_lost {
            w.boolean(ctx(6), false);
        }
        if let Some(v) = self.abort_on_time_out {
            w.boolean(ctx(5), v);
        }
        if let Some(v) = self.control_time_out {
            write_u(w, 4, v.into());
        }
        if let Some(v) = self.acceptable_delay {
            write_u(w, 3, v.into());
        }
        if self.priority != NORMAL_PRIORITY {
            write_u(w, 2, self.priority.into());
        }
        if let Some(t) = &self.named_token {
            crate::codec::write_string(w, ctx(1), t);
        }
        write_explicit_choice(w, 0, &self.semaphore_name);
    }
}

impl<'a> Choice<'a> for Modifier<'a> {
    fn decode_choice(tlv: &Tlv<'a>) -> Result<Self> {
        if tlv.tag.class != Class::Context {
            return Err(DecodeError::UnrecognizedModifier(tlv.tag.number));
        }
        match tlv.tag.number {
            0 => {
                expect_tag(tlv, ctx_c(0))?;
                Ok(Modifier::AttachToEventCondition(
                    AttachToEventCondition::decode_fields(tlv)?,
                ))
            }
            1 => {
                expect_tag(tlv, ctx_c(1))?;
                Ok(Modifier::AttachToSemaphore(
                    AttachToSemaphore::decode_fields(tlv)?,
                ))
            }
            n => Err(DecodeError::UnrecognizedModifier(n)),
        }
    }

    fn encode_choice(&self, w: &mut Writer) {
        let m = w.mark();
        let n = match self {
            Modifier::AttachToEventCondition(a) => {
                a.encode_fields(w);
                0
            }
            Modifier::AttachToSemaphore(a) => {
                a.encode_fields(w);
                1
            }
        };
        w.wrap(m, ctx_c(n));
    }
}

/// Decodes a `SEQUENCE OF Modifier` (the tag already matched): the `listOfModifier` of a
/// Confirmed-RequestPDU (ISO 9506-2 §7.2) or of an event action.
pub fn decode_list_of_modifier<'a>(tlv: &Tlv<'a>) -> Result<Vec<Modifier<'a>>> {
    crate::codec::seq_of(tlv, Modifier::decode_choice)
}

/// Writes a `SEQUENCE OF Modifier` tagged `tag`.
pub fn encode_list_of_modifier(w: &mut Writer, tag: crate::codec::Tag, list: &[Modifier<'_>]) {
    crate::codec::write_seq_of(w, tag, list, |w, m| m.encode_choice(w));
}

#[cfg(test)]
pub(crate) mod arb {
    use super::*;
    use crate::services::event::arb::{object_name, transitions};
    use proptest::prelude::*;

    /// Any AttachToEventCondition.
    pub fn attach_to_event_condition() -> impl Strategy<Value = AttachToEventCondition<'static>> {
        (
            object_name(),
            object_name(),
            transitions(),
            any::<Option<u32>>(),
        )
            .prop_map(|(a, b, t, d)| AttachToEventCondition {
                event_enrollment_name: a,
                event_condition_name: b,
                causing_transitions: t,
                acceptable_delay: d,
            })
    }

    /// Any AttachToSemaphore.
    pub fn attach_to_semaphore() -> impl Strategy<Value = AttachToSemaphore<'static>> {
        (
            object_name(),
            proptest::option::of("[A-Za-z]{1,6}"),
            0u8..=127,
            any::<Option<u32>>(),
            any::<Option<u32>>(),
            any::<Option<bool>>(),
            any::<bool>(),
        )
            .prop_map(|(s, tok, p, d, c, a, r)| AttachToSemaphore {
                semaphore_name: s,
                named_token: tok.map(Into::into),
                priority: p,
                acceptable_delay: d,
                control_time_out: c,
                abort_on_time_out: a,
                relinquish_if_connection_lost: r,
            })
    }

    /// Any Modifier.
    pub fn modifier() -> impl Strategy<Value = Modifier<'static>> {
        prop_oneof![
            attach_to_event_condition().prop_map(Modifier::AttachToEventCondition),
            attach_to_semaphore().prop_map(Modifier::AttachToSemaphore),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{decode_one, to_vec, BerError};
    use proptest::prelude::*;

    // The two modifiers of the event.vec vector "read-request-with-modifiers", checked with
    // tshark 4.0 (dissector mms) inside that Confirmed-RequestPDU.
    const ATTACH_EC: &str =
        "a0 19 a0 07 80 05 45 45 6e 72 31 a1 06 80 04 43 6f 6e 64 82 02 01 04 83 02 03 e8";

    #[test]
    fn attach_to_event_condition_fields() {
        let b = crate::testvec::hex(ATTACH_EC);
        let m = decode_one(&b, 16, Modifier::decode_choice).unwrap();
        let Modifier::AttachToEventCondition(a) = &m else {
            panic!("{m:?}")
        };
        assert_eq!(a.event_enrollment_name, ObjectName::vmd("EEnr1"));
        assert_eq!(a.event_condition_name, ObjectName::vmd("Cond"));
        assert!(a.causing_transitions.idle_to_active());
        assert!(!a.causing_transitions.active_to_idle());
        assert_eq!(a.causing_transitions.bit_len(), 7);
        assert_eq!(a.acceptable_delay, Some(1000));
        assert_eq!(to_vec(|w| m.encode_choice(w)), b);
    }

    #[test]
    fn semaphore_defaults_are_omitted_and_filled() {
        let m = Modifier::AttachToSemaphore(AttachToSemaphore::new(ObjectName::vmd("S")));
        let b = to_vec(|w| m.encode_choice(w));
        assert_eq!(b, [0xA1, 5, 0xA0, 3, 0x80, 1, b'S']);
        // The defaults present explicitly are accepted.
        let explicit_defaults = [0xA1, 11, 0xA0, 3, 0x80, 1, b'S', 0x82, 1, 64, 0x86, 1, 0xFF];
        assert_eq!(
            decode_one(&explicit_defaults, 8, Modifier::decode_choice),
            Ok(m)
        );
    }

    #[test]
    fn malformed_modifiers() {
        // unknown alternative [2]
        assert_eq!(
            decode_one(&[0xA2, 0], 8, Modifier::decode_choice),
            Err(DecodeError::UnrecognizedModifier(2))
        );
        // primitive [0]
        assert!(decode_one(&[0x80, 0], 8, Modifier::decode_choice).is_err());
        // semaphore modifier without its name
        assert_eq!(
            decode_one(&[0xA1, 3, 0x82, 1, 1], 8, Modifier::decode_choice),
            Err(DecodeError::Ber(BerError::UnexpectedTag {
                expected: ctx_c(0),
                found: ctx(2)
            }))
        );
        // trailing element after acceptableDelay
        let mut b = crate::testvec::hex(ATTACH_EC);
        b[1] += 3;
        b.extend([0x84, 1, 0]);
        assert_eq!(
            decode_one(&b, 16, Modifier::decode_choice),
            Err(DecodeError::Ber(BerError::TrailingData(3)))
        );
        // priority out of Unsigned8 range
        assert_eq!(
            decode_one(
                &[0xA1, 9, 0xA0, 3, 0x80, 1, b'S', 0x82, 2, 1, 0],
                8,
                Modifier::decode_choice
            ),
            Err(DecodeError::OutOfRange("Unsigned8"))
        );
    }

    proptest! {
        #[test]
        fn modifier_round_trip(m in arb::modifier()) {
            let b = to_vec(|w| m.encode_choice(w));
            prop_assert_eq!(decode_one(&b, 16, Modifier::decode_choice)?, m);
        }
    }
}
