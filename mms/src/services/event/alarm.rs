//! Alarm summary services (ISO 9506-2 §19 in the brief's numbering): GetAlarmSummary \[63\] and
//! GetAlarmEnrollmentSummary \[64\].

use super::{
    app_ref_explicit, raw_explicit, write_app_ref, write_u, AcknowledgmentFilter, AlarmAckRule,
    EeState, Severity,
};
use crate::codec::uint8;
use crate::codec::write_explicit_choice;
use crate::codec::{
    ctx, ctx_c, expect_tag, seq_of, write_constructed, write_explicit, write_seq_of, Fields,
    RawValue, Result, Service, Tag, Tlv, Writer,
};
use crate::common::{named_integer, ApplicationReference, ObjectName};
use crate::services::service_fields;
use crate::{EcState, EventTime};

/// `severityFilter` of GetAlarmSummary / GetAlarmEnrollmentSummary (ISO 9506-2 §19.8):
/// `[3] IMPLICIT SEQUENCE { mostSevere [0] IMPLICIT Unsigned8, leastSevere [1] IMPLICIT
/// Unsigned8 }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeverityFilter {
    /// `mostSevere`.
    pub most_severe: Severity,
    /// `leastSevere`.
    pub least_severe: Severity,
}

impl SeverityFilter {
    fn decode(t: &Tlv<'_>) -> Result<Self> {
        expect_tag(t, ctx_c(3))?;
        let mut f = Fields::new(t)?;
        let most_severe = uint8(&f.req(ctx(0), "mostSevere")?)?;
        let least_severe = uint8(&f.req(ctx(1), "leastSevere")?)?;
        f.finish()?;
        Ok(SeverityFilter {
            most_severe,
            least_severe,
        })
    }

    fn encode(&self, w: &mut Writer) {
        write_constructed(w, ctx_c(3), |w| {
            write_u(w, 1, self.least_severe.into());
            write_u(w, 0, self.most_severe.into());
        });
    }
}

/// Declares GetAlarmSummary-Request and GetAlarmEnrollmentSummary-Request, which have the same
/// fields.
macro_rules! alarm_request {
    ($(#[$m:meta])* $name:ident = $tag:literal) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name<'a> {
            /// `enrollmentsOnly [0] IMPLICIT BOOLEAN DEFAULT TRUE`.
            pub enrollments_only: bool,
            /// `activeAlarmsOnly [1] IMPLICIT BOOLEAN DEFAULT TRUE`.
            pub active_alarms_only: bool,
            /// `acknowledgmentFilter [2] IMPLICIT INTEGER DEFAULT not-acked`.
            pub acknowledgment_filter: AcknowledgmentFilter,
            /// `severityFilter [3] IMPLICIT SEQUENCE OPTIONAL`.
            pub severity_filter: Option<SeverityFilter>,
            /// `continueAfter [5] ObjectName OPTIONAL`.
            pub continue_after: Option<ObjectName<'a>>,
        }

        impl Default for $name<'_> {
            fn default() -> Self {
                $name {
                    enrollments_only: true,
                    active_alarms_only: true,
                    acknowledgment_filter: AcknowledgmentFilter::NotAcked,
                    severity_filter: None,
                    continue_after: None,
                }
            }
        }

        impl<'a> Service<'a> for $name<'a> {
            const TAG: u32 = $tag;

            fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
                let mut f = service_fields(tlv, $tag)?;
                let enrollments_only = f.bool_default(0, true)?;
                let active_alarms_only = f.bool_default(1, true)?;
                let acknowledgment_filter = f
                    .opt(ctx(2))?
                    .map(|t| AcknowledgmentFilter::decode_value(&t))
                    .transpose()?
                    .unwrap_or(AcknowledgmentFilter::NotAcked);
                let severity_filter = f.opt(ctx_c(3))?.map(|t| SeverityFilter::decode(&t)).transpose()?;
                let continue_after = f.opt_choice(5)?;
                f.finish()?;
                Ok($name {
                    enrollments_only,
                    active_alarms_only,
                    acknowledgment_filter,
                    severity_filter,
                    continue_after,
                })
            }

            fn encode_service(&self, w: &mut Writer) {
                write_constructed(w, ctx_c($tag), |w| {
                    if let Some(n) = &self.continue_after {
                        write_explicit_choice(w, 5, n);
                    }
                    if let Some(s) = &self.severity_filter {
                        s.encode(w);
                    }
                    if self.acknowledgment_filter != AcknowledgmentFilter::NotAcked {
                        self.acknowledgment_filter.encode_value(w, ctx(2));
                    }
                    if !self.active_alarms_only {
                        w.boolean(ctx(1), false);
                    }
                    if !self.enrollments_only {
                        w.boolean(ctx(0), false);
                    }
                });
            }
        }
    };
}

alarm_request!(
    /// `GetAlarmSummary-Request` (ISO 9506-2 §19.8), `[63] IMPLICIT SEQUENCE`.
    GetAlarmSummaryRequest = 63
);

alarm_request!(
    /// `GetAlarmEnrollmentSummary-Request` (ISO 9506-2 §19.9), `[64] IMPLICIT SEQUENCE`.
    GetAlarmEnrollmentSummaryRequest = 64
);

named_integer!(
    /// `unacknowledgedState` of AlarmSummary (ISO 9506-2 §19.8).
    UnacknowledgedState, "unacknowledgedState" {
        /// none (0).
        None = 0,
        /// active (1).
        Active = 1,
        /// idle (2).
        Idle = 2,
        /// both (3).
        Both = 3,
    }
);

/// `AlarmSummary` (ISO 9506-2 §19.8): one alarm of a GetAlarmSummary-Response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlarmSummary<'a> {
    /// `eventConditionName [0] ObjectName`.
    pub event_condition_name: ObjectName<'a>,
    /// `severity [1] IMPLICIT Unsigned8`.
    pub severity: Severity,
    /// `currentState [2] IMPLICIT EC-State`.
    pub current_state: EcState,
    /// `unacknowledgedState [3] IMPLICIT INTEGER`.
    pub unacknowledged_state: UnacknowledgedState,
    /// `displayEnhancement [4] EN-Additional-Detail OPTIONAL` (ISO 9506-2:2003,
    /// companion-standard detail kept as received: the value inside the EXPLICIT `[4]`).
    pub display_enhancement: Option<RawValue<'a>>,
    /// `timeOfLastTransitionToActive [5] EventTime OPTIONAL`.
    pub time_of_last_transition_to_active: Option<EventTime>,
    /// `timeOfLastTransitionToIdle [6] EventTime OPTIONAL`.
    pub time_of_last_transition_to_idle: Option<EventTime>,
}

impl<'a> AlarmSummary<'a> {
    fn decode(t: &Tlv<'a>) -> Result<Self> {
        expect_tag(t, Tag::SEQUENCE)?;
        let mut f = Fields::new(t)?;
        let event_condition_name = f.req_choice(0, "eventConditionName")?;
        let severity = uint8(&f.req(ctx(1), "severity")?)?;
        let current_state = EcState::decode_value(&f.req(ctx(2), "currentState")?)?;
        let unacknowledged_state =
            UnacknowledgedState::decode_value(&f.req(ctx(3), "unacknowledgedState")?)?;
        let display_enhancement = f.opt_map(ctx_c(4), raw_explicit)?;
        let time_of_last_transition_to_active = f.opt_choice(5)?;
        let time_of_last_transition_to_idle = f.opt_choice(6)?;
        f.finish()?;
        Ok(AlarmSummary {
            event_condition_name,
            severity,
            current_state,
            unacknowledged_state,
            display_enhancement,
            time_of_last_transition_to_active,
            time_of_last_transition_to_idle,
        })
    }

    fn encode(&self, w: &mut Writer) {
        write_constructed(w, Tag::SEQUENCE, |w| {
            if let Some(t) = &self.time_of_last_transition_to_idle {
                write_explicit_choice(w, 6, t);
            }
            if let Some(t) = &self.time_of_last_transition_to_active {
                write_explicit_choice(w, 5, t);
            }
            if let Some(d) = &self.display_enhancement {
                write_explicit(w, 4, |w| d.encode(w));
            }
            self.unacknowledged_state.encode_value(w, ctx(3));
            self.current_state.encode_value(w, ctx(2));
            write_u(w, 1, self.severity.into());
            write_explicit_choice(w, 0, &self.event_condition_name);
        });
    }
}

/// `GetAlarmSummary-Response` (ISO 9506-2 §19.8), `[63] IMPLICIT SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetAlarmSummaryResponse<'a> {
    /// `listOfAlarmSummary [0] IMPLICIT SEQUENCE OF AlarmSummary`.
    pub list_of_alarm_summary: Vec<AlarmSummary<'a>>,
    /// `moreFollows [1] IMPLICIT BOOLEAN DEFAULT FALSE`.
    pub more_follows: bool,
}

impl<'a> Service<'a> for GetAlarmSummaryResponse<'a> {
    const TAG: u32 = 63;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let list_of_alarm_summary = seq_of(
            &f.req(ctx_c(0), "listOfAlarmSummary")?,
            AlarmSummary::decode,
        )?;
        let more_follows = f.bool_default(1, false)?;
        f.finish()?;
        Ok(GetAlarmSummaryResponse {
            list_of_alarm_summary,
            more_follows,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        write_constructed(w, ctx_c(Self::TAG), |w| {
            if self.more_follows {
                w.boolean(ctx(1), true);
            }
            write_seq_of(w, ctx_c(0), &self.list_of_alarm_summary, |w, s| s.encode(w));
        });
    }
}

/// `AlarmEnrollmentSummary` (ISO 9506-2 §19.9): one enrollment of a
/// GetAlarmEnrollmentSummary-Response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlarmEnrollmentSummary<'a> {
    /// `eventEnrollmentName [0] ObjectName`.
    pub event_enrollment_name: ObjectName<'a>,
    /// `clientApplication [2] ApplicationReference OPTIONAL`.
    pub client_application: Option<ApplicationReference<'a>>,
    /// `severity [3] IMPLICIT Unsigned8`.
    pub severity: Severity,
    /// `currentState [4] IMPLICIT EC-State`.
    pub current_state: EcState,
    /// `displayEnhancement [5] EN-Additional-Detail OPTIONAL` (ISO 9506-2:2003, kept as
    /// received: the value inside the EXPLICIT `[5]`).
    pub display_enhancement: Option<RawValue<'a>>,
    /// `notificationLost [6] IMPLICIT BOOLEAN DEFAULT FALSE`.
    pub notification_lost: bool,
    /// `alarmAcknowledgmentRule [7] IMPLICIT AlarmAckRule OPTIONAL` (mandatory in
    /// ISO 9506-2:2003).
    pub alarm_acknowledgment_rule: Option<AlarmAckRule>,
    /// `enrollementState [8] IMPLICIT EE-State OPTIONAL`.
    pub enrollment_state: Option<EeState>,
    /// `timeOfLastTransitionToActive [9] EventTime OPTIONAL`.
    pub time_of_last_transition_to_active: Option<EventTime>,
    /// `timeActiveAcknowledged [10] EventTime OPTIONAL`.
    pub time_active_acknowledged: Option<EventTime>,
    /// `timeOfLastTransitionToIdle [11] EventTime OPTIONAL`.
    pub time_of_last_transition_to_idle: Option<EventTime>,
    /// `timeIdleAcknowledged [12] EventTime OPTIONAL`.
    pub time_idle_acknowledged: Option<EventTime>,
}

impl<'a> AlarmEnrollmentSummary<'a> {
    fn decode(t: &Tlv<'a>) -> Result<Self> {
        expect_tag(t, Tag::SEQUENCE)?;
        let mut f = Fields::new(t)?;
        let event_enrollment_name = f.req_choice(0, "eventEnrollmentName")?;
        let client_application = f.opt_map(ctx_c(2), app_ref_explicit)?;
        let severity = uint8(&f.req(ctx(3), "severity")?)?;
        let current_state = EcState::decode_value(&f.req(ctx(4), "currentState")?)?;
        let display_enhancement = f.opt_map(ctx_c(5), raw_explicit)?;
        let notification_lost = f.bool_default(6, false)?;
        let alarm_acknowledgment_rule = f
            .opt(ctx(7))?
            .map(|t| AlarmAckRule::decode_value(&t))
            .transpose()?;
        let enrollment_state = f
            .opt(ctx(8))?
            .map(|t| EeState::decode_value(&t))
            .transpose()?;
        let time_of_last_transition_to_active = f.opt_choice(9)?;
        let time_active_acknowledged = f.opt_choice(10)?;
        let time_of_last_transition_to_idle = f.opt_choice(11)?;
        let time_idle_acknowledged = f.opt_choice(12)?;
        f.finish()?;
        Ok(AlarmEnrollmentSummary {
            event_enrollment_name,
            client_application,
            severity,
            current_state,
            display_enhancement,
            notification_lost,
            alarm_acknowledgment_rule,
            enrollment_state,
            time_of_last_transition_to_active,
            time_active_acknowledged,
            time_of_last_transition_to_idle,
            time_idle_acknowledged,
        })
    }

    fn encode(&self, w: &mut Writer) {
        write_constructed(w, Tag::SEQUENCE, |w| {
            for (n, t) in [
                (12, &self.time_idle_acknowledged),
                (11, &self.time_of_last_transition_to_idle),
                (10, &self.time_active_acknowledged),
                (9, &self.time_of_last_transition_to_active),
            ] {
                if let Some(t) = t {
                    write_explicit_choice(w, n, t);
                }
            }
            if let Some(s) = self.enrollment_state {
                s.encode_value(w, ctx(8));
            }
            if let Some(r) = self.alarm_acknowledgment_rule {
                r.encode_value(w, ctx(7));
            }
            if self.notification_lost {
                w.boolean(ctx(6), true);
            }
            if let Some(d) = &self.display_enhancement {
                write_explicit(w, 5, |w| d.encode(w));
            }
            self.current_state.encode_value(w, ctx(4));
            write_u(w, 3, self.severity.into());
            if let Some(a) = &self.client_application {
                write_app_ref(w, 2, a);
            }
            write_explicit_choice(w, 0, &self.event_enrollment_name);
        });
    }
}

/// `GetAlarmEnrollmentSummary-Response` (ISO 9506-2 §19.9), `[64] IMPLICIT SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetAlarmEnrollmentSummaryResponse<'a> {
    /// `listOfAlarmEnrollmentSummary [0] IMPLICIT SEQUENCE OF AlarmEnrollmentSummary`.
    pub list_of_alarm_enrollment_summary: Vec<AlarmEnrollmentSummary<'a>>,
    /// `moreFollows [1] IMPLICIT BOOLEAN DEFAULT FALSE`.
    pub more_follows: bool,
}

impl<'a> Service<'a> for GetAlarmEnrollmentSummaryResponse<'a> {
    const TAG: u32 = 64;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let list_of_alarm_enrollment_summary = seq_of(
            &f.req(ctx_c(0), "listOfAlarmEnrollmentSummary")?,
            AlarmEnrollmentSummary::decode,
        )?;
        let more_follows = f.bool_default(1, false)?;
        f.finish()?;
        Ok(GetAlarmEnrollmentSummaryResponse {
            list_of_alarm_enrollment_summary,
            more_follows,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        write_constructed(w, ctx_c(Self::TAG), |w| {
            if self.more_follows {
                w.boolean(ctx(1), true);
            }
            write_seq_of(
                w,
                ctx_c(0),
                &self.list_of_alarm_enrollment_summary,
                |w, s| s.encode(w),
            );
        });
    }
}
