//! The EventNotification unconfirmed service (ISO 9506-2 §19.10 in the brief's numbering):
//! `UnconfirmedService` alternative `eventNotification [2] IMPLICIT EventNotification`.

use super::{write_u, AlarmAckRule, ObjectRef, Severity};
use crate::codec::write_explicit_choice;
use crate::codec::{
    ctx, ctx_c, expect_tag, explicit, write_constructed, write_explicit, Asn1, BerError, Choice,
    Class, Fields, RawValue, Result, Service, Tlv, Writer,
};
use crate::codec::{uint32, uint8};
use crate::common::ObjectName;
use crate::service_error::ServiceError;
use crate::services::service_fields;
use crate::{EcState, EventTime};

/// `EventNotification ::= SEQUENCE` (ISO 9506-2 §19.10), `[2] IMPLICIT` in UnconfirmedService.
#[derive(Debug, Clone, PartialEq)]
pub struct EventNotification<'a> {
    /// `eventEnrollmentName [0] ObjectName`.
    pub event_enrollment_name: ObjectName<'a>,
    /// `eventConditionName [1] CHOICE { eventCondition [0] ObjectName, undefined [1] NULL }`
    /// (ISO 9506-2:2003 sends a bare `[1] ObjectName`; both are decoded, see [`ObjectRef`]).
    pub event_condition_name: ObjectRef<'a>,
    /// `severity [2] IMPLICIT Unsigned8`.
    pub severity: Severity,
    /// `currentState [3] IMPLICIT EC-State OPTIONAL`.
    pub current_state: Option<EcState>,
    /// `transitionTime [4] EventTime`.
    pub transition_time: EventTime,
    /// `notificationLost [6] IMPLICIT BOOLEAN DEFAULT FALSE`.
    pub notification_lost: bool,
    /// `alarmAcknowledgmentRule [7] IMPLICIT AlarmAckRule OPTIONAL`.
    pub alarm_acknowledgment_rule: Option<AlarmAckRule>,
    /// `actionResult [8] IMPLICIT SEQUENCE {...} OPTIONAL`.
    pub action_result: Option<ActionResult<'a>>,
}

/// `actionResult` of EventNotification (ISO 9506-2 §19.10): the outcome of the event action
/// the transition triggered.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionResult<'a> {
    /// `eventActionName ObjectName`.
    pub event_action_name: ObjectName<'a>,
    /// `successOrFailure CHOICE {...}`.
    pub success_or_failure: ActionOutcome<'a>,
}

/// `successOrFailure` of EventNotification's actionResult (ISO 9506-2 §19.10).
///
/// ISO 9506-2:2003 writes `failure [1] IMPLICIT SEQUENCE { modifierPosition [0] IMPLICIT
/// Unsigned32 OPTIONAL, serviceError [1] IMPLICIT ServiceError }`, which the encoder sends;
/// Wireshark's module (ISO 9506-2:1990) has `failure [1] IMPLICIT ServiceError`. The decoder
/// accepts both (a ServiceError starts with a constructed `[0]`, a modifierPosition is a
/// primitive `[0]`, a 2003 serviceError is a constructed `[1]`).
#[derive(Debug, Clone, PartialEq)]
pub enum ActionOutcome<'a> {
    /// `success [0] IMPLICIT SEQUENCE { confirmedServiceResponse ConfirmedServiceResponse,
    /// cs-response-detail [79] Response-Detail OPTIONAL }` (1990: `[0] ConfirmedServiceResponse`,
    /// the same octets when no detail is present).
    Success {
        /// The action's ConfirmedServiceResponse alternative, kept as received (one
        /// well-formed BER value, e.g. `bf 30 ..` for defineEventCondition). The PDU module
        /// offers the typed view once the ConfirmedServiceResponse enum exists.
        confirmed_service_response: RawValue<'a>,
        /// `cs-response-detail [79]`: the value inside the EXPLICIT `[79]`, kept as received.
        cs_response_detail: Option<RawValue<'a>>,
    },
    /// `failure`.
    Failure {
        /// `modifierPosition [0] IMPLICIT Unsigned32 OPTIONAL`: which modifier failed.
        modifier_position: Option<u32>,
        /// `serviceError [1] IMPLICIT ServiceError`.
        service_error: ServiceError<'a>,
    },
}

impl<'a> ActionResult<'a> {
    fn decode(t: &Tlv<'a>) -> Result<Self> {
        expect_tag(t, ctx_c(8))?;
        let mut f = Fields::new(t)?;
        let event_action_name = ObjectName::decode_choice(&f.next("eventActionName")?)?;
        let sof = f.next("successOrFailure")?;
        f.finish()?;
        let success_or_failure = match (sof.tag.class, sof.tag.number, sof.tag.constructed) {
            (Class::Context, 0, true) => {
                let mut g = Fields::new(&sof)?;
                let csr = g.next("confirmedServiceResponse")?;
                if csr.tag.class != Class::Context {
                    return Err(BerError::InvalidValue("ConfirmedServiceResponse").into());
                }
                let cs_response_detail = g
                    .opt(ctx_c(79))?
                    .map(|t| {
                        expect_tag(&t, ctx_c(79))?;
                        Ok::<_, crate::codec::DecodeError>(RawValue::from_tlv(&explicit(&t)?))
                    })
                    .transpose()?;
                g.finish()?;
                ActionOutcome::Success {
                    confirmed_service_response: RawValue::from_tlv(&csr),
                    cs_response_detail,
                }
            }
            (Class::Context, 1, true) => {
                let first = sof.reader()?.peek_tag()?;
                match first {
                    // ISO 9506-2:1990 form: the ServiceError's own fields.
                    Some(t) if t == ctx_c(0) => ActionOutcome::Failure {
                        modifier_position: None,
                        service_error: ServiceError::decode_implicit(&sof, ctx_c(1))?,
                    },
                    _ => {
                        let mut g = Fields::new(&sof)?;
                        let modifier_position = g.opt_map(ctx(0), uint32)?;
                        let se = g.req(ctx_c(1), "serviceError")?;
                        g.finish()?;
                        ActionOutcome::Failure {
                            modifier_position,
                            service_error: ServiceError::decode_implicit(&se, ctx_c(1))?,
                        }
                    }
                }
            }
            _ => return Err(BerError::InvalidValue("successOrFailure").into()),
        };
        Ok(ActionResult {
            event_action_name,
            success_or_failure,
        })
    }

    fn encode(&self, w: &mut Writer) {
        write_constructed(w, ctx_c(8), |w| {
            match &self.success_or_failure {
                ActionOutcome::Success {
                    confirmed_service_response,
                    cs_response_detail,
                } => write_constructed(w, ctx_c(0), |w| {
                    if let Some(d) = cs_response_detail {
                        write_explicit(w, 79, |w| d.encode(w));
                    }
                    confirmed_service_response.encode(w);
                }),
                ActionOutcome::Failure {
                    modifier_position,
                    service_error,
                } => write_constructed(w, ctx_c(1), |w| {
                    service_error.encode_tagged(w, ctx_c(1));
                    if let Some(p) = modifier_position {
                        write_u(w, 0, (*p).into());
                    }
                }),
            }
            self.event_action_name.encode_choice(w);
        });
    }
}

impl<'a> Service<'a> for EventNotification<'a> {
    const TAG: u32 = 2;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let event_enrollment_name = f.req_choice(0, "eventEnrollmentName")?;
        let ecn = f.req(ctx_c(1), "eventConditionName")?;
        let event_condition_name = ObjectRef::decode_inner(&explicit(&ecn)?)?;
        let severity = uint8(&f.req(ctx(2), "severity")?)?;
        let current_state = f
            .opt(ctx(3))?
            .map(|t| EcState::decode_value(&t))
            .transpose()?;
        let transition_time = f.req_choice(4, "transitionTime")?;
        let notification_lost = f.bool_default(6, false)?;
        let alarm_acknowledgment_rule = f
            .opt(ctx(7))?
            .map(|t| AlarmAckRule::decode_value(&t))
            .transpose()?;
        let action_result = f
            .opt(ctx_c(8))?
            .map(|t| ActionResult::decode(&t))
            .transpose()?;
        f.finish()?;
        Ok(EventNotification {
            event_enrollment_name,
            event_condition_name,
            severity,
            current_state,
            transition_time,
            notification_lost,
            alarm_acknowledgment_rule,
            action_result,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        write_constructed(w, ctx_c(Self::TAG), |w| {
            if let Some(a) = &self.action_result {
                a.encode(w);
            }
            if let Some(r) = self.alarm_acknowledgment_rule {
                r.encode_value(w, ctx(7));
            }
            if self.notification_lost {
                w.boolean(ctx(6), true);
            }
            write_explicit_choice(w, 4, &self.transition_time);
            if let Some(s) = self.current_state {
                s.encode_value(w, ctx(3));
            }
            write_u(w, 2, self.severity.into());
            write_explicit(w, 1, |w| self.event_condition_name.encode_inner(w));
            write_explicit_choice(w, 0, &self.event_enrollment_name);
        });
    }
}
