//! Event condition services (ISO 9506-2 §17 in the brief's numbering: event condition
//! management): DefineEventCondition \[47\], DeleteEventCondition \[48\],
//! GetEventConditionAttributes \[49\], ReportEventConditionStatus \[50\],
//! AlterEventConditionMonitoring \[51\], TriggerEvent \[52\].

use super::{
    object_name_service, unsigned_service, write_u, DeleteScope, EcClass, Priority, Severity,
    NORMAL_PRIORITY, NORMAL_SEVERITY,
};
use crate::access::VariableSpecification;
use crate::codec::{boolean, uint32, uint8};
use crate::codec::{
    ctx, ctx_c, expect_tag, explicit, null, write_constructed, write_explicit, write_null,
    BerError, Choice, Result, Service, Tlv, Writer,
};
use crate::codec::{explicit_choice, write_explicit_choice};
use crate::common::{identifier, Identifier, ObjectName};
use crate::services::service_fields;
use crate::{EcState, EventTime};

/// `DefineEventCondition-Request` (ISO 9506-2 §17.2), `[47] IMPLICIT SEQUENCE`.
#[derive(Debug, Clone, PartialEq)]
pub struct DefineEventConditionRequest<'a> {
    /// `eventConditionName [0] ObjectName`.
    pub event_condition_name: ObjectName<'a>,
    /// `class [1] IMPLICIT EC-Class`.
    pub class: EcClass,
    /// `prio-rity [2] IMPLICIT Priority DEFAULT normalPriority`.
    pub priority: Priority,
    /// `severity [3] IMPLICIT Unsigned8 DEFAULT normalSeverity`.
    pub severity: Severity,
    /// `alarmSummaryReports [4] IMPLICIT BOOLEAN OPTIONAL`.
    pub alarm_summary_reports: Option<bool>,
    /// `monitoredVariable [6] VariableSpecification OPTIONAL`.
    pub monitored_variable: Option<VariableSpecification<'a>>,
    /// `evaluationInterval [7] IMPLICIT Unsigned32 OPTIONAL` (milliseconds).
    pub evaluation_interval: Option<u32>,
}

impl<'a> Service<'a> for DefineEventConditionRequest<'a> {
    const TAG: u32 = 47;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let event_condition_name = f.req_choice(0, "eventConditionName")?;
        let class = EcClass::decode_value(&f.req(ctx(1), "class")?)?;
        let priority = opt_u8(&mut f, 2)?.unwrap_or(NORMAL_PRIORITY);
        let severity = opt_u8(&mut f, 3)?.unwrap_or(NORMAL_SEVERITY);
        let alarm_summary_reports = f.opt_map(ctx(4), boolean)?;
        let monitored_variable = f.opt_choice(6)?;
        let evaluation_interval = f.opt_map(ctx(7), uint32)?;
        f.finish()?;
        Ok(DefineEventConditionRequest {
            event_condition_name,
            class,
            priority,
            severity,
            alarm_summary_reports,
            monitored_variable,
            evaluation_interval,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        write_constructed(w, ctx_c(Self::TAG), |w| {
            if let Some(v) = self.evaluation_interval {
                write_u(w, 7, v.into());
            }
            if let Some(v) = &self.monitored_variable {
                write_explicit(w, 6, |w| v.encode_choice(w));
            }
            if let Some(v) = self.alarm_summary_reports {
                w.boolean(ctx(4), v);
            }
            if self.severity != NORMAL_SEVERITY {
                write_u(w, 3, self.severity.into());
            }
            if self.priority != NORMAL_PRIORITY {
                write_u(w, 2, self.priority.into());
            }
            self.class.encode_value(w, ctx(1));
            write_explicit_choice(w, 0, &self.event_condition_name);
        });
    }
}

null_service!(
    /// `DefineEventCondition-Response ::= NULL` (ISO 9506-2 §17.2), `[47] IMPLICIT`.
    DefineEventConditionResponse = 47
);

/// `DeleteEventCondition-Request` (ISO 9506-2 §17.3): `[48]` EXPLICIT around `CHOICE {
/// specific [0], aa-specific [1], domain [2], vmd [3] }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteEventConditionRequest<'a>(pub DeleteScope<'a>);

impl<'a> Service<'a> for DeleteEventConditionRequest<'a> {
    const TAG: u32 = 48;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        expect_tag(tlv, ctx_c(Self::TAG))?;
        Ok(DeleteEventConditionRequest(DeleteScope::decode_with(
            &explicit(tlv)?,
            2,
            3,
        )?))
    }

    fn encode_service(&self, w: &mut Writer) {
        write_explicit(w, Self::TAG, |w| self.0.encode_with(w, 2, 3));
    }
}

unsigned_service!(
    /// `DeleteEventCondition-Response ::= Unsigned32` (ISO 9506-2 §17.3), `[48] IMPLICIT`.
    DeleteEventConditionResponse = 48,
    /// Candidates not deleted.
    candidates_not_deleted
);

object_name_service!(
    /// `GetEventConditionAttributes-Request ::= ObjectName` (ISO 9506-2 §17.4), `[49]`
    /// EXPLICIT.
    GetEventConditionAttributesRequest = 49,
    /// The event condition name.
    event_condition_name
);

/// `monitoredVariable` of GetEventConditionAttributes-Response (ISO 9506-2 §17.4):
/// `CHOICE { variableReference [0] VariableSpecification, undefined [1] IMPLICIT NULL }`.
#[derive(Debug, Clone, PartialEq)]
pub enum MonitoredVariable<'a> {
    /// `variableReference`.
    VariableReference(VariableSpecification<'a>),
    /// `undefined`: the variable was deleted.
    Undefined,
}

/// `GetEventConditionAttributes-Response` (ISO 9506-2 §17.4), `[49] IMPLICIT SEQUENCE`.
#[derive(Debug, Clone, PartialEq)]
pub struct GetEventConditionAttributesResponse<'a> {
    /// `mmsDeletable [0] IMPLICIT BOOLEAN DEFAULT FALSE`.
    pub mms_deletable: bool,
    /// `class [1] IMPLICIT EC-Class`.
    pub class: EcClass,
    /// `prio-rity [2] IMPLICIT Priority DEFAULT normalPriority`.
    pub priority: Priority,
    /// `severity [3] IMPLICIT Unsigned8 DEFAULT normalSeverity`.
    pub severity: Severity,
    /// `alarmSummaryReports [4] IMPLICIT BOOLEAN DEFAULT FALSE`.
    pub alarm_summary_reports: bool,
    /// `monitoredVariable [6] CHOICE {...} OPTIONAL`.
    pub monitored_variable: Option<MonitoredVariable<'a>>,
    /// `evaluationInterval [7] IMPLICIT Unsigned32 OPTIONAL`.
    pub evaluation_interval: Option<u32>,
    /// `accessControlList [8] IMPLICIT Identifier OPTIONAL` (ISO 9506-2:2003; not in
    /// Wireshark's module).
    pub access_control_list: Option<Identifier<'a>>,
}

impl<'a> Service<'a> for GetEventConditionAttributesResponse<'a> {
    const TAG: u32 = 49;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let mms_deletable = f.bool_default(0, false)?;
        let class = EcClass::decode_value(&f.req(ctx(1), "class")?)?;
        let priority = opt_u8(&mut f, 2)?.unwrap_or(NORMAL_PRIORITY);
        let severity = opt_u8(&mut f, 3)?.unwrap_or(NORMAL_SEVERITY);
        let alarm_summary_reports = f.bool_default(4, false)?;
        let monitored_variable = f
            .opt(ctx_c(6))?
            .map(|t| -> Result<MonitoredVariable<'a>> {
                expect_tag(&t, ctx_c(6))?;
                let inner = explicit(&t)?;
                match (inner.tag.number, inner.tag.constructed) {
                    (0, true) if inner.tag.class == crate::codec::Class::Context => Ok(
                        MonitoredVariable::VariableReference(explicit_choice(&inner)?),
                    ),
                    (1, false) if inner.tag.class == crate::codec::Class::Context => {
                        null(&inner)?;
                        Ok(MonitoredVariable::Undefined)
                    }
                    _ => Err(BerError::InvalidValue("monitoredVariable").into()),
                }
            })
            .transpose()?;
        let evaluation_interval = f.opt_map(ctx(7), uint32)?;
        let access_control_list = f
            .opt(ctx(8))?
            .map(|t| {
                expect_tag(&t, ctx(8))?;
                identifier(&t)
            })
            .transpose()?;
        f.finish()?;
        Ok(GetEventConditionAttributesResponse {
            mms_deletable,
            class,
            priority,
            severity,
            alarm_summary_reports,
            monitored_variable,
            evaluation_interval,
            access_control_list,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        write_constructed(w, ctx_c(Self::TAG), |w| {
            if let Some(v) = &self.access_control_list {
                crate::codec::write_string(w, ctx(8), v);
            }
            if let Some(v) = self.evaluation_interval {
                write_u(w, 7, v.into());
            }
            if let Some(v) = &self.monitored_variable {
                write_explicit(w, 6, |w| match v {
                    MonitoredVariable::VariableReference(s) => {
                        write_explicit(w, 0, |w| s.encode_choice(w))
                    }
                    MonitoredVariable::Undefined => write_null(w, ctx(1)),
                });
            }
            if self.alarm_summary_reports {
                w.boolean(ctx(4), true);
            }
            if self.severity != NORMAL_SEVERITY {
                write_u(w, 3, self.severity.into());
            }
            if self.priority != NORMAL_PRIORITY {
                write_u(w, 2, self.priority.into());
            }
            self.class.encode_value(w, ctx(1));
            if self.mms_deletable {
                w.boolean(ctx(0), true);
            }
        });
    }
}

object_name_service!(
    /// `ReportEventConditionStatus-Request ::= ObjectName` (ISO 9506-2 §17.5), `[50]`
    /// EXPLICIT.
    ReportEventConditionStatusRequest = 50,
    /// The event condition name.
    event_condition_name
);

/// `ReportEventConditionStatus-Response` (ISO 9506-2 §17.5), `[50] IMPLICIT SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportEventConditionStatusResponse {
    /// `currentState [0] IMPLICIT EC-State`.
    pub current_state: EcState,
    /// `numberOfEventEnrollments [1] IMPLICIT Unsigned32`.
    pub number_of_event_enrollments: u32,
    /// `enabled [2] IMPLICIT BOOLEAN OPTIONAL`.
    pub enabled: Option<bool>,
    /// `timeOfLastTransitionToActive [3] EventTime OPTIONAL`.
    pub time_of_last_transition_to_active: Option<EventTime>,
    /// `timeOfLastTransitionToIdle [4] EventTime OPTIONAL`.
    pub time_of_last_transition_to_idle: Option<EventTime>,
}

impl<'a> Service<'a> for ReportEventConditionStatusResponse {
    const TAG: u32 = 50;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, 50)?;
        let current_state = EcState::decode_value(&f.req(ctx(0), "currentState")?)?;
        let number_of_event_enrollments = uint32(&f.req(ctx(1), "numberOfEventEnrollments")?)?;
        let enabled = f.opt_map(ctx(2), boolean)?;
        let time_of_last_transition_to_active = f.opt_choice(3)?;
        let time_of_last_transition_to_idle = f.opt_choice(4)?;
        f.finish()?;
        Ok(ReportEventConditionStatusResponse {
            current_state,
            number_of_event_enrollments,
            enabled,
            time_of_last_transition_to_active,
            time_of_last_transition_to_idle,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        write_constructed(w, ctx_c(50), |w| {
            if let Some(t) = &self.time_of_last_transition_to_idle {
                write_explicit_choice(w, 4, t);
            }
            if let Some(t) = &self.time_of_last_transition_to_active {
                write_explicit_choice(w, 3, t);
            }
            if let Some(v) = self.enabled {
                w.boolean(ctx(2), v);
            }
            write_u(w, 1, self.number_of_event_enrollments.into());
            self.current_state.encode_value(w, ctx(0));
        });
    }
}

/// `AlterEventConditionMonitoring-Request` (ISO 9506-2 §17.6), `[51] IMPLICIT SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlterEventConditionMonitoringRequest<'a> {
    /// `eventConditionName [0] ObjectName`.
    pub event_condition_name: ObjectName<'a>,
    /// `enabled [1] IMPLICIT BOOLEAN OPTIONAL`.
    pub enabled: Option<bool>,
    /// `priority [2] IMPLICIT Priority OPTIONAL`.
    pub priority: Option<Priority>,
    /// `alarmSummaryReports [3] IMPLICIT BOOLEAN OPTIONAL`.
    pub alarm_summary_reports: Option<bool>,
    /// `evaluationInterval [4] IMPLICIT Unsigned32 OPTIONAL`.
    pub evaluation_interval: Option<u32>,
}

impl<'a> Service<'a> for AlterEventConditionMonitoringRequest<'a> {
    const TAG: u32 = 51;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let event_condition_name = f.req_choice(0, "eventConditionName")?;
        let enabled = f.opt_map(ctx(1), boolean)?;
        let priority = opt_u8(&mut f, 2)?;
        let alarm_summary_reports = f.opt_map(ctx(3), boolean)?;
        let evaluation_interval = f.opt_map(ctx(4), uint32)?;
        f.finish()?;
        Ok(AlterEventConditionMonitoringRequest {
            event_condition_name,
            enabled,
            priority,
            alarm_summary_reports,
            evaluation_interval,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        write_constructed(w, ctx_c(Self::TAG), |w| {
            if let Some(v) = self.evaluation_interval {
                write_u(w, 4, v.into());
            }
            if let Some(v) = self.alarm_summary_reports {
                w.boolean(ctx(3), v);
            }
            if let Some(v) = self.priority {
                write_u(w, 2, v.into());
            }
            if let Some(v) = self.enabled {
                w.boolean(ctx(1), v);
            }
            write_explicit_choice(w, 0, &self.event_condition_name);
        });
    }
}

null_service!(
    /// `AlterEventConditionMonitoring-Response ::= NULL` (ISO 9506-2 §17.6), `[51] IMPLICIT`.
    AlterEventConditionMonitoringResponse = 51
);

/// `TriggerEvent-Request` (ISO 9506-2 §17.7), `[52] IMPLICIT SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerEventRequest<'a> {
    /// `eventConditionName [0] ObjectName`.
    pub event_condition_name: ObjectName<'a>,
    /// `priority [1] IMPLICIT Priority OPTIONAL`.
    pub priority: Option<Priority>,
}

impl<'a> Service<'a> for TriggerEventRequest<'a> {
    const TAG: u32 = 52;

    fn decode_service(tlv: &Tlv<'a>) -> Result<Self> {
        let mut f = service_fields(tlv, Self::TAG)?;
        let event_condition_name = f.req_choice(0, "eventConditionName")?;
        let priority = opt_u8(&mut f, 1)?;
        f.finish()?;
        Ok(TriggerEventRequest {
            event_condition_name,
            priority,
        })
    }

    fn encode_service(&self, w: &mut Writer) {
        write_constructed(w, ctx_c(Self::TAG), |w| {
            if let Some(v) = self.priority {
                write_u(w, 1, v.into());
            }
            write_explicit_choice(w, 0, &self.event_condition_name);
        });
    }
}

null_service!(
    /// `TriggerEvent-Response ::= NULL` (ISO 9506-2 §17.7), `[52] IMPLICIT`.
    TriggerEventResponse = 52
);

/// An optional `[n] IMPLICIT Unsigned8` field.
fn opt_u8(f: &mut crate::codec::Fields<'_>, n: u32) -> Result<Option<u8>> {
    f.opt_map(ctx(n), uint8)
}
