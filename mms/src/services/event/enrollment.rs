//! Event enrollment services (ISO 9506-2 §19 in the brief's numbering): DefineEventEnrollment
//! \[57\], DeleteEventEnrollment \[58\], AlterEventEnrollment \[59\], ReportEventEnrollmentStatus
//! \[60\], GetEventEnrollmentAttributes \[61\], AcknowledgeEventNotification \[62\].

use super::{
    app_ref_explicit, object_name_service, object_names, raw_explicit, unsigned_service,
    write_app_ref, write_object_names, write_u, AlarmAckRule, EeClass, EeDuration, EeState,
    ObjectRef, Transitions,
};
use crate::codec::uint32;
use crate::codec::{
    ctx, ctx_c, expect_tag, explicit, null, write_constructed, write_explicit, write_null,
    BerError, Class, Fields, RawValue, Result, Service, Tlv, Writer,
};
use crate::codec::{explicit_choice, write_explicit_choice};
use crate::common::{ApplicationReference, ObjectName};
use crate::services::service_fields;
use crate::{EcState, EventTime};

/// `DefineEventEnrollment-Request` (ISO 9506-2 §19.2), `[57] IMPLICIT SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefineEventEnrollmentRequest<'a> {
    /// `eventEnrollmentName [0] ObjectName`.
    pub event_enrollment_name: ObjectName<'a>,
    /// `eventConditionName [1] ObjectName`.
    pub event_condition_name: ObjectName<'a>,
    /// `eventConditionTransitions [2] IMPLICIT Transitions`.
    pub event_condition_transitions: Transitions,
    /// `alarmAcknowledgementRule [3] IMPLICIT AlarmAckRule`.
    pub alarm_acknowledgement_rule: AlarmAckRule,
    /// `eventActionName [4] ObjectName OPTIONAL`.
    pub event_action_name: Option<ObjectName<'a>>,
    /// `clientApplication [5] ApplicationReference OPTIONAL`.
    pub client_application: Option<ApplicationReference<'a>>,
}

impl<'a> Service<'a> for DefineEventEnrollmentRequest<'a> {
    const TAG: u32 = 57;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let event_enrollment_name = f.req_choice(0, "eventEnrollmentName")?;
        let event_condition_name = f.req_choice(1, "eventConditionName")?;
        let event_condition_transitions =
            Transitions::decode_value(&f.req(ctx(2), "eventConditionTransitions")?)?;
        let alarm_acknowledgement_rule =
            AlarmAckRule::decode_value(&f.req(ctx(3), "alarmAcknowledgementRule")?)?;
        let event_action_name = f.opt_choice(4)?;
        let client_application = f.opt_map(ctx_c(5), app_ref_explicit)?;
        f.finish()?;
        Ok(DefineEventEnrollmentRequest {
            event_enrollment_name,
            event_condition_name,
            event_condition_transitions,
            alarm_acknowledgement_rule,
            event_action_name,
            client_application,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        write_constructed(w, ctx_c(Self::TAG), |w| {
            if let Some(a) = &self.client_application {
                write_app_ref(w, 5, a);
            }
            if let Some(n) = &self.event_action_name {
                write_explicit_choice(w, 4, n);
            }
            self.alarm_acknowledgement_rule.encode_value(w, ctx(3));
            self.event_condition_transitions.encode_value(w, ctx(2));
            write_explicit_choice(w, 1, &self.event_condition_name);
            write_explicit_choice(w, 0, &self.event_enrollment_name);
        });
    }
}

null_service!(
    /// `DefineEventEnrollment-Response ::= NULL` (ISO 9506-2 §19.2), `[57] IMPLICIT`.
    DefineEventEnrollmentResponse = 57
);

/// `DeleteEventEnrollment-Request` (ISO 9506-2 §19.3): `[58]` EXPLICIT around
/// `CHOICE { specific [0] IMPLICIT SEQUENCE OF ObjectName, ec [1] ObjectName, ea [2]
/// ObjectName }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeleteEventEnrollmentRequest<'a> {
    /// `specific`: the enrollments named.
    Specific(Vec<ObjectName<'a>>),
    /// `ec`: every enrollment of this event condition.
    Ec(ObjectName<'a>),
    /// `ea`: every enrollment of this event action.
    Ea(ObjectName<'a>),
}

impl<'a> Service<'a> for DeleteEventEnrollmentRequest<'a> {
    const TAG: u32 = 58;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        expect_tag(tlv, ctx_c(Self::TAG))?;
        let inner = explicit(tlv)?;
        if inner.tag.class != Class::Context || !inner.tag.constructed {
            return Err(BerError::InvalidValue("DeleteEventEnrollment-Request").into());
        }
        match inner.tag.number {
            0 => Ok(DeleteEventEnrollmentRequest::Specific(object_names(
                &inner,
            )?)),
            1 => Ok(DeleteEventEnrollmentRequest::Ec(explicit_choice(&inner)?)),
            2 => Ok(DeleteEventEnrollmentRequest::Ea(explicit_choice(&inner)?)),
            _ => Err(BerError::InvalidValue("DeleteEventEnrollment-Request").into()),
        }
    }

    fn encode_service(&self, w: &mut Writer) {
        write_explicit(w, Self::TAG, |w| match self {
            DeleteEventEnrollmentRequest::Specific(l) => write_object_names(w, ctx_c(0), l),
            DeleteEventEnrollmentRequest::Ec(n) => write_explicit_choice(w, 1, n),
            DeleteEventEnrollmentRequest::Ea(n) => write_explicit_choice(w, 2, n),
        });
    }
}

unsigned_service!(
    /// `DeleteEventEnrollment-Response ::= Unsigned32` (ISO 9506-2 §19.3), `[58] IMPLICIT`.
    DeleteEventEnrollmentResponse = 58,
    /// Candidates not deleted.
    candidates_not_deleted
);

/// `AlterEventEnrollment-Request` (ISO 9506-2 §19.4), `[59] IMPLICIT SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlterEventEnrollmentRequest<'a> {
    /// `eventEnrollmentName [0] ObjectName`.
    pub event_enrollment_name: ObjectName<'a>,
    /// `eventConditionTransitions [1] IMPLICIT Transitions OPTIONAL`.
    pub event_condition_transitions: Option<Transitions>,
    /// `alarmAcknowledgmentRule [2] IMPLICIT AlarmAckRule OPTIONAL`.
    pub alarm_acknowledgment_rule: Option<AlarmAckRule>,
}

impl<'a> Service<'a> for AlterEventEnrollmentRequest<'a> {
    const TAG: u32 = 59;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let event_enrollment_name = f.req_choice(0, "eventEnrollmentName")?;
        let event_condition_transitions = f
            .opt(ctx(1))?
            .map(|t| Transitions::decode_value(&t))
            .transpose()?;
        let alarm_acknowledgment_rule = f
            .opt(ctx(2))?
            .map(|t| AlarmAckRule::decode_value(&t))
            .transpose()?;
        f.finish()?;
        Ok(AlterEventEnrollmentRequest {
            event_enrollment_name,
            event_condition_transitions,
            alarm_acknowledgment_rule,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        write_constructed(w, ctx_c(Self::TAG), |w| {
            if let Some(r) = self.alarm_acknowledgment_rule {
                r.encode_value(w, ctx(2));
            }
            if let Some(t) = &self.event_condition_transitions {
                t.encode_value(w, ctx(1));
            }
            write_explicit_choice(w, 0, &self.event_enrollment_name);
        });
    }
}

/// `currentState` of AlterEventEnrollment-Response (ISO 9506-2 §19.4): `CHOICE { state [0]
/// IMPLICIT EE-State, undefined [1] IMPLICIT NULL }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EeStateOrUndefined {
    /// `state`.
    State(EeState),
    /// `undefined`.
    Undefined,
}

/// `AlterEventEnrollment-Response` (ISO 9506-2 §19.4), `[59] IMPLICIT SEQUENCE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlterEventEnrollmentResponse {
    /// `currentState [0] CHOICE {...}`.
    pub current_state: EeStateOrUndefined,
    /// `transitionTime [1] EventTime`.
    pub transition_time: EventTime,
}

impl<'a> Service<'a> for AlterEventEnrollmentResponse {
    const TAG: u32 = 59;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, 59)?;
        let cs = explicit(&f.req(ctx_c(0), "currentState")?)?;
        let current_state = match (cs.tag.class, cs.tag.number, cs.tag.constructed) {
            (Class::Context, 0, false) => EeStateOrUndefined::State(EeState::decode_value(&cs)?),
            (Class::Context, 1, false) => {
                null(&cs)?;
                EeStateOrUndefined::Undefined
            }
            _ => return Err(BerError::InvalidValue("currentState").into()),
        };
        let transition_time = f.req_choice(1, "transitionTime")?;
        f.finish()?;
        Ok(AlterEventEnrollmentResponse {
            current_state,
            transition_time,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        write_constructed(w, ctx_c(59), |w| {
            write_explicit_choice(w, 1, &self.transition_time);
            write_explicit(w, 0, |w| match self.current_state {
                EeStateOrUndefined::State(s) => s.encode_value(w, ctx(0)),
                EeStateOrUndefined::Undefined => write_null(w, ctx(1)),
            });
        });
    }
}

object_name_service!(
    /// `ReportEventEnrollmentStatus-Request ::= ObjectName` (ISO 9506-2 §19.5), `[60]`
    /// EXPLICIT.
    ReportEventEnrollmentStatusRequest = 60,
    /// The event enrollment name.
    event_enrollment_name
);

/// `ReportEventEnrollmentStatus-Response` (ISO 9506-2 §19.5), `[60] IMPLICIT SEQUENCE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportEventEnrollmentStatusResponse {
    /// `eventConditionTransitions [0] IMPLICIT Transitions`.
    pub event_condition_transitions: Transitions,
    /// `notificationLost [1] IMPLICIT BOOLEAN DEFAULT FALSE`.
    pub notification_lost: bool,
    /// `duration [2] IMPLICIT EE-Duration`.
    pub duration: EeDuration,
    /// `alarmAcknowledgmentRule [3] IMPLICIT AlarmAckRule OPTIONAL`.
    pub alarm_acknowledgment_rule: Option<AlarmAckRule>,
    /// `currentState [4] IMPLICIT EE-State`.
    pub current_state: EeState,
}

impl<'a> Service<'a> for ReportEventEnrollmentStatusResponse {
    const TAG: u32 = 60;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, 60)?;
        let event_condition_transitions =
            Transitions::decode_value(&f.req(ctx(0), "eventConditionTransitions")?)?;
        let notification_lost = f.bool_default(1, false)?;
        let duration = EeDuration::decode_value(&f.req(ctx(2), "duration")?)?;
        let alarm_acknowledgment_rule = f
            .opt(ctx(3))?
            .map(|t| AlarmAckRule::decode_value(&t))
            .transpose()?;
        let current_state = EeState::decode_value(&f.req(ctx(4), "currentState")?)?;
        f.finish()?;
        Ok(ReportEventEnrollmentStatusResponse {
            event_condition_transitions,
            notification_lost,
            duration,
            alarm_acknowledgment_rule,
            current_state,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        write_constructed(w, ctx_c(60), |w| {
            self.current_state.encode_value(w, ctx(4));
            if let Some(r) = self.alarm_acknowledgment_rule {
                r.encode_value(w, ctx(3));
            }
            self.duration.encode_value(w, ctx(2));
            if self.notification_lost {
                w.boolean(ctx(1), true);
            }
            self.event_condition_transitions.encode_value(w, ctx(0));
        });
    }
}

crate::common::named_integer!(
    /// `scopeOfRequest` of GetEventEnrollmentAttributes-Request (ISO 9506-2 §19.6).
    EeScopeOfRequest, "scopeOfRequest" {
        /// specific (0): the enrollments named in `eventEnrollmentNames`.
        Specific = 0,
        /// client (1), the DEFAULT: the enrollments of `clientApplication`.
        Client = 1,
        /// ec (2): the enrollments of `eventConditionName`.
        Ec = 2,
        /// ea (3): the enrollments of `eventActionName`.
        Ea = 3,
    }
);

/// `GetEventEnrollmentAttributes-Request` (ISO 9506-2 §19.6), `[61] IMPLICIT SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetEventEnrollmentAttributesRequest<'a> {
    /// `scopeOfRequest [0] IMPLICIT INTEGER DEFAULT client`.
    pub scope_of_request: EeScopeOfRequest,
    /// `eventEnrollmentNames [1] IMPLICIT SEQUENCE OF ObjectName OPTIONAL`.
    pub event_enrollment_names: Option<Vec<ObjectName<'a>>>,
    /// `clientApplication [2] ApplicationReference OPTIONAL`.
    pub client_application: Option<ApplicationReference<'a>>,
    /// `eventConditionName [3] ObjectName OPTIONAL`.
    pub event_condition_name: Option<ObjectName<'a>>,
    /// `eventActionName [4] ObjectName OPTIONAL`.
    pub event_action_name: Option<ObjectName<'a>>,
    /// `continueAfter [5] ObjectName OPTIONAL`.
    pub continue_after: Option<ObjectName<'a>>,
}

impl<'a> Service<'a> for GetEventEnrollmentAttributesRequest<'a> {
    const TAG: u32 = 61;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let scope_of_request = f
            .opt(ctx(0))?
            .map(|t| EeScopeOfRequest::decode_value(&t))
            .transpose()?
            .unwrap_or(EeScopeOfRequest::Client);
        let event_enrollment_names = f
            .opt(ctx_c(1))?
            .map(|t| {
                expect_tag(&t, ctx_c(1))?;
                object_names(&t)
            })
            .transpose()?;
        let client_application = f.opt_map(ctx_c(2), app_ref_explicit)?;
        let event_condition_name = f.opt_choice(3)?;
        let event_action_name = f.opt_choice(4)?;
        let continue_after = f.opt_choice(5)?;
        f.finish()?;
        Ok(GetEventEnrollmentAttributesRequest {
            scope_of_request,
            event_enrollment_names,
            client_application,
            event_condition_name,
            event_action_name,
            continue_after,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        write_constructed(w, ctx_c(Self::TAG), |w| {
            if let Some(n) = &self.continue_after {
                write_explicit_choice(w, 5, n);
            }
            if let Some(n) = &self.event_action_name {
                write_explicit_choice(w, 4, n);
            }
            if let Some(n) = &self.event_condition_name {
                write_explicit_choice(w, 3, n);
            }
            if let Some(a) = &self.client_application {
                write_app_ref(w, 2, a);
            }
            if let Some(l) = &self.event_enrollment_names {
                write_object_names(w, ctx_c(1), l);
            }
            if self.scope_of_request != EeScopeOfRequest::Client {
                self.scope_of_request.encode_value(w, ctx(0));
            }
        });
    }
}

/// `EventEnrollment` (ISO 9506-2 §19.6, EEAttributes in ISO 9506-2:2003): the attributes of
/// one event enrollment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventEnrollment<'a> {
    /// `eventEnrollmentName [0] ObjectName`.
    pub event_enrollment_name: ObjectName<'a>,
    /// `eventConditionName [1] CHOICE { eventCondition [0] ObjectName, undefined [1] NULL }`.
    pub event_condition_name: ObjectRef<'a>,
    /// `eventActionName [2] CHOICE { eventAction [0] ObjectName, undefined [1] NULL }
    /// OPTIONAL`.
    pub event_action_name: Option<ObjectRef<'a>>,
    /// `clientApplication [3] ApplicationReference OPTIONAL`.
    pub client_application: Option<ApplicationReference<'a>>,
    /// `mmsDeletable [4] IMPLICIT BOOLEAN DEFAULT FALSE`.
    pub mms_deletable: bool,
    /// `enrollmentClass [5] IMPLICIT EE-Class`.
    pub enrollment_class: EeClass,
    /// `duration [6] IMPLICIT EE-Duration DEFAULT current`.
    pub duration: EeDuration,
    /// `invokeID [7] IMPLICIT Unsigned32` (OPTIONAL in ISO 9506-2:2003, mandatory in
    /// Wireshark's module).
    pub invoke_id: Option<u32>,
    /// `remainingAcceptableDelay [8] IMPLICIT Unsigned32 OPTIONAL`.
    pub remaining_acceptable_delay: Option<u32>,
    /// `displayEnhancement [9] EN-Additional-Detail` (ISO 9506-2:2003, companion-standard
    /// detail, kept as received: the value inside the EXPLICIT `[9]`).
    pub display_enhancement: Option<RawValue<'a>>,
}

impl<'a> EventEnrollment<'a> {
    fn decode(t: &Tlv<'a>) -> Result<Self> {
        expect_tag(t, crate::codec::Tag::SEQUENCE)?;
        let mut f = Fields::new(t)?;
        let event_enrollment_name = f.req_choice(0, "eventEnrollmentName")?;
        let event_condition_name =
            ObjectRef::decode_inner(&explicit(&f.req(ctx_c(1), "eventConditionName")?)?)?;
        let event_action_name = f
            .opt(ctx_c(2))?
            .map(|t| ObjectRef::decode_inner(&explicit(&t)?))
            .transpose()?;
        let client_application = f.opt_map(ctx_c(3), app_ref_explicit)?;
        let mms_deletable = f.bool_default(4, false)?;
        let enrollment_class = EeClass::decode_value(&f.req(ctx(5), "enrollmentClass")?)?;
        let duration = f
            .opt(ctx(6))?
            .map(|t| EeDuration::decode_value(&t))
            .transpose()?
            .unwrap_or(EeDuration::Current);
        let invoke_id = f.opt_map(ctx(7), uint32)?;
        let remaining_acceptable_delay = f.opt_map(ctx(8), uint32)?;
        let display_enhancement = f.opt_map(ctx_c(9), raw_explicit)?;
        f.finish()?;
        Ok(EventEnrollment {
            event_enrollment_name,
            event_condition_name,
            event_action_name,
            client_application,
            mms_deletable,
            enrollment_class,
            duration,
            invoke_id,
            remaining_acceptable_delay,
            display_enhancement,
        })
    }

    fn encode(&self, w: &mut Writer) {
        write_constructed(w, crate::codec::Tag::SEQUENCE, |w| {
            if let Some(d) = &self.display_enhancement {
                write_explicit(w, 9, |w| d.encode(w));
            }
            if let Some(v) = self.remaining_acceptable_delay {
                write_u(w, 8, v.into());
            }
            if let Some(v) = self.invoke_id {
                write_u(w, 7, v.into());
            }
            if self.duration != EeDuration::Current {
                self.duration.encode_value(w, ctx(6));
            }
            self.enrollment_class.encode_value(w, ctx(5));
            if self.mms_deletable {
                w.boolean(ctx(4), true);
            }
            if let Some(a) = &self.client_application {
                write_app_ref(w, 3, a);
            }
            if let Some(r) = &self.event_action_name {
                write_explicit(w, 2, |w| r.encode_inner(w));
            }
            write_explicit(w, 1, |w| self.event_condition_name.encode_inner(w));
            write_explicit_choice(w, 0, &self.event_enrollment_name);
        });
    }
}

/// `GetEventEnrollmentAttributes-Response` (ISO 9506-2 §19.6), `[61] IMPLICIT SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetEventEnrollmentAttributesResponse<'a> {
    /// `listOfEventEnrollment [0] IMPLICIT SEQUENCE OF EventEnrollment`.
    pub list_of_event_enrollment: Vec<EventEnrollment<'a>>,
    /// `moreFollows [1] IMPLICIT BOOLEAN DEFAULT FALSE`.
    pub more_follows: bool,
}

impl<'a> Service<'a> for GetEventEnrollmentAttributesResponse<'a> {
    const TAG: u32 = 61;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let list_of_event_enrollment = crate::codec::seq_of(
            &f.req(ctx_c(0), "listOfEventEnrollment")?,
            EventEnrollment::decode,
        )?;
        let more_follows = f.bool_default(1, false)?;
        f.finish()?;
        Ok(GetEventEnrollmentAttributesResponse {
            list_of_event_enrollment,
            more_follows,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        write_constructed(w, ctx_c(Self::TAG), |w| {
            if self.more_follows {
                w.boolean(ctx(1), true);
            }
            crate::codec::write_seq_of(w, ctx_c(0), &self.list_of_event_enrollment, |w, e| {
                e.encode(w)
            });
        });
    }
}

/// `AcknowledgeEventNotification-Request` (ISO 9506-2 §19.7), `[62] IMPLICIT SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcknowledgeEventNotificationRequest<'a> {
    /// `eventEnrollmentName [0] ObjectName`.
    pub event_enrollment_name: ObjectName<'a>,
    /// `acknowledgedState [2] IMPLICIT EC-State`.
    pub acknowledged_state: EcState,
    /// `timeOfAcknowledgedTransition [3] EventTime`.
    pub time_of_acknowledged_transition: EventTime,
}

impl<'a> Service<'a> for AcknowledgeEventNotificationRequest<'a> {
    const TAG: u32 = 62;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let event_enrollment_name = f.req_choice(0, "eventEnrollmentName")?;
        let acknowledged_state = EcState::decode_value(&f.req(ctx(2), "acknowledgedState")?)?;
        let time_of_acknowledged_transition = f.req_choice(3, "timeOfAcknowledgedTransition")?;
        f.finish()?;
        Ok(AcknowledgeEventNotificationRequest {
            event_enrollment_name,
            acknowledged_state,
            time_of_acknowledged_transition,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        write_constructed(w, ctx_c(Self::TAG), |w| {
            write_explicit_choice(w, 3, &self.time_of_acknowledged_transition);
            self.acknowledged_state.encode_value(w, ctx(2));
            write_explicit_choice(w, 0, &self.event_enrollment_name);
        });
    }
}

null_service!(
    /// `AcknowledgeEventNotification-Response ::= NULL` (ISO 9506-2 §19.7), `[62] IMPLICIT`.
    AcknowledgeEventNotificationResponse = 62
);
