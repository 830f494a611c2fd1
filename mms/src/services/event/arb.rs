//! proptest strategies for the event management types (tests only; other modules may reuse
//! them).
#![allow(dead_code)]

use super::*;
use crate::access::VariableSpecification;
use crate::codec::{decode_one, Asn1, RawValue};
use crate::common::{ApplicationReference, ObjectName, TimeOfDay};
use crate::modifier::arb::modifier;
use crate::service_error::ServiceError;
use crate::EventTime;
use proptest::collection::vec;
use proptest::prelude::*;

/// Any ObjectName with short names.
pub fn object_name() -> impl Strategy<Value = ObjectName<'static>> {
    let id = "[A-Za-z][A-Za-z0-9_$]{0,8}";
    prop_oneof![
        id.prop_map(ObjectName::vmd),
        (id, id).prop_map(|(d, i)| ObjectName::domain(d, i)),
        id.prop_map(ObjectName::aa),
    ]
}

/// Any Transitions (0 to 16 bits).
pub fn transitions() -> impl Strategy<Value = Transitions> {
    (any::<u32>(), 0u8..=16).prop_map(|(b, l)| Transitions::from_raw(b, l))
}

/// Any EventTime.
pub fn event_time() -> impl Strategy<Value = EventTime> {
    prop_oneof![
        (any::<u32>(), proptest::option::of(any::<u16>()))
            .prop_map(|(m, d)| EventTime::TimeOfDay(TimeOfDay { millis: m, days: d })),
        any::<u32>().prop_map(EventTime::TimeSequenceIdentifier),
        Just(EventTime::Undefined),
    ]
}

/// Any EC-State.
pub fn ec_state() -> impl Strategy<Value = crate::EcState> {
    (0i64..3).prop_map(|v| crate::EcState::from_i64(v).unwrap_or(crate::EcState::Idle))
}

/// Any EC-Class.
pub fn ec_class() -> impl Strategy<Value = EcClass> {
    prop_oneof![Just(EcClass::NetworkTriggered), Just(EcClass::Monitored)]
}

/// Any EE-State.
pub fn ee_state() -> impl Strategy<Value = EeState> {
    (0i64..8).prop_map(|v| EeState::from_i64(v).unwrap_or(EeState::Idle))
}

/// Any AlarmAckRule.
pub fn alarm_ack_rule() -> impl Strategy<Value = AlarmAckRule> {
    (0i64..4).prop_map(|v| AlarmAckRule::from_i64(v).unwrap_or(AlarmAckRule::None))
}

/// Any EE-Duration.
pub fn ee_duration() -> impl Strategy<Value = EeDuration> {
    prop_oneof![Just(EeDuration::Current), Just(EeDuration::Permanent)]
}

/// Any EE-Class.
pub fn ee_class() -> impl Strategy<Value = EeClass> {
    prop_oneof![Just(EeClass::Modifier), Just(EeClass::Notification)]
}

/// A few ApplicationReferences.
pub fn app_ref() -> impl Strategy<Value = ApplicationReference<'static>> {
    (
        proptest::option::of(any::<i32>()),
        proptest::option::of(any::<i32>()),
    )
        .prop_map(|(a, b)| ApplicationReference {
            ap_title: Some(RawValue(vec![0x06, 0x03, 0x29, 0x01, 0x07].into())),
            ap_invocation_id: a.map(i64::from),
            ae_qualifier: Some(RawValue(vec![0x02, 0x01, 0x0C].into())),
            ae_invocation_id: b.map(i64::from),
        })
}

/// A few VariableSpecifications (name and address alternatives), built by decoding fixed
/// octets so the strategy does not depend on the type's fields.
pub fn variable_specification() -> impl Strategy<Value = VariableSpecification<'static>> {
    const NAMES: [&[u8]; 3] = [
        // name [0] vmd-specific "Temp"
        &[0xA0, 0x06, 0x80, 0x04, b'T', b'e', b'm', b'p'],
        // name [0] domain-specific LD0/MMXU1$MX
        &[
            0xA0, 0x0F, 0xA1, 0x0D, 0x1A, 0x03, b'L', b'D', b'0', 0x1A, 0x06, b'M', b'M', b'X',
            b'U', b'1', b'$',
        ],
        // address [1] numericAddress 7
        &[0xA1, 0x03, 0x80, 0x01, 0x07],
    ];
    (0usize..3).prop_map(|i| {
        decode_one(NAMES[i], 16, VariableSpecification::decode_choice)
            .expect("fixed VariableSpecification")
    })
}

/// A few ServiceErrors, built by decoding fixed octets.
pub fn service_error() -> impl Strategy<Value = ServiceError<'static>> {
    const ERRS: [&[u8]; 2] = [
        // errorClass definition(2) object-undefined(1)
        &[0x30, 0x05, 0xA0, 0x03, 0x82, 0x01, 0x01],
        // errorClass access(7) object-access-denied(3), additionalCode 5
        &[0x30, 0x08, 0xA0, 0x03, 0x87, 0x01, 0x03, 0x81, 0x01, 0x05],
    ];
    (0usize..2)
        .prop_map(|i| decode_one(ERRS[i], 16, ServiceError::decode).expect("fixed ServiceError"))
}

/// A raw ConfirmedServiceResponse / ConfirmedServiceRequest alternative.
pub fn raw_service() -> impl Strategy<Value = RawValue<'static>> {
    prop_oneof![
        // defineEventCondition response [47] NULL
        Just(RawValue(vec![0x9F, 0x2F, 0x00].into())),
        // deleteEventCondition response [48] 3
        Just(RawValue(vec![0x9F, 0x30, 0x01, 0x03].into())),
        // write response [5] success
        Just(RawValue(vec![0xA5, 0x02, 0x81, 0x00].into())),
    ]
}

/// Any DeleteScope.
pub fn delete_scope() -> impl Strategy<Value = DeleteScope<'static>> {
    prop_oneof![
        vec(object_name(), 0..4).prop_map(DeleteScope::Specific),
        Just(DeleteScope::AaSpecific),
        "[A-Za-z0-9]{1,8}".prop_map(|d| DeleteScope::Domain(d.into())),
        Just(DeleteScope::Vmd),
    ]
}

/// Any ObjectRef.
pub fn object_ref() -> impl Strategy<Value = ObjectRef<'static>> {
    prop_oneof![
        object_name().prop_map(ObjectRef::Named),
        Just(ObjectRef::Undefined)
    ]
}

/// Any DefineEventConditionRequest.
pub fn define_event_condition_request(
) -> impl Strategy<Value = DefineEventConditionRequest<'static>> {
    (
        object_name(),
        ec_class(),
        0u8..=127,
        0u8..=127,
        any::<Option<bool>>(),
        proptest::option::of(variable_specification()),
        any::<Option<u32>>(),
    )
        .prop_map(|(n, c, p, s, a, m, e)| DefineEventConditionRequest {
            event_condition_name: n,
            class: c,
            priority: p,
            severity: s,
            alarm_summary_reports: a,
            monitored_variable: m,
            evaluation_interval: e,
        })
}

/// Any GetEventConditionAttributesResponse.
pub fn get_event_condition_attributes_response(
) -> impl Strategy<Value = GetEventConditionAttributesResponse<'static>> {
    (
        any::<bool>(),
        ec_class(),
        0u8..=127,
        0u8..=127,
        any::<bool>(),
        proptest::option::of(prop_oneof![
            variable_specification().prop_map(MonitoredVariable::VariableReference),
            Just(MonitoredVariable::Undefined)
        ]),
        any::<Option<u32>>(),
        proptest::option::of("[A-Za-z]{1,6}"),
    )
        .prop_map(
            |(d, c, p, s, a, m, e, acl)| GetEventConditionAttributesResponse {
                mms_deletable: d,
                class: c,
                priority: p,
                severity: s,
                alarm_summary_reports: a,
                monitored_variable: m,
                evaluation_interval: e,
                access_control_list: acl.map(Into::into),
            },
        )
}

/// Any ReportEventConditionStatusResponse.
pub fn report_event_condition_status_response(
) -> impl Strategy<Value = ReportEventConditionStatusResponse> {
    (
        ec_state(),
        any::<u32>(),
        any::<Option<bool>>(),
        proptest::option::of(event_time()),
        proptest::option::of(event_time()),
    )
        .prop_map(|(s, n, e, a, i)| ReportEventConditionStatusResponse {
            current_state: s,
            number_of_event_enrollments: n,
            enabled: e,
            time_of_last_transition_to_active: a,
            time_of_last_transition_to_idle: i,
        })
}

/// Any AlterEventConditionMonitoringRequest.
pub fn alter_event_condition_monitoring_request(
) -> impl Strategy<Value = AlterEventConditionMonitoringRequest<'static>> {
    (
        object_name(),
        any::<Option<bool>>(),
        any::<Option<u8>>(),
        any::<Option<bool>>(),
        any::<Option<u32>>(),
    )
        .prop_map(|(n, e, p, a, i)| AlterEventConditionMonitoringRequest {
            event_condition_name: n,
            enabled: e,
            priority: p,
            alarm_summary_reports: a,
            evaluation_interval: i,
        })
}

/// Any TriggerEventRequest.
pub fn trigger_event_request() -> impl Strategy<Value = TriggerEventRequest<'static>> {
    (object_name(), any::<Option<u8>>()).prop_map(|(n, p)| TriggerEventRequest {
        event_condition_name: n,
        priority: p,
    })
}

/// Any DefineEventActionRequest.
pub fn define_event_action_request() -> impl Strategy<Value = DefineEventActionRequest<'static>> {
    (
        object_name(),
        proptest::option::of(vec(modifier(), 0..4)),
        proptest::option::of(raw_service()),
    )
        .prop_map(|(n, m, r)| DefineEventActionRequest {
            event_action_name: n,
            list_of_modifier: m,
            confirmed_service_request: r,
        })
}

/// Any GetEventActionAttributesResponse.
pub fn get_event_action_attributes_response(
) -> impl Strategy<Value = GetEventActionAttributesResponse<'static>> {
    (
        any::<bool>(),
        vec(modifier(), 0..4),
        proptest::option::of(raw_service()),
        proptest::option::of("[A-Za-z]{1,6}"),
    )
        .prop_map(|(d, m, r, a)| GetEventActionAttributesResponse {
            mms_deletable: d,
            list_of_modifier: m,
            confirmed_service_request: r,
            access_control_list: a.map(Into::into),
        })
}

/// Any DefineEventEnrollmentRequest.
pub fn define_event_enrollment_request(
) -> impl Strategy<Value = DefineEventEnrollmentRequest<'static>> {
    (
        object_name(),
        object_name(),
        transitions(),
        alarm_ack_rule(),
        proptest::option::of(object_name()),
        proptest::option::of(app_ref()),
    )
        .prop_map(|(e, c, t, r, a, ap)| DefineEventEnrollmentRequest {
            event_enrollment_name: e,
            event_condition_name: c,
            event_condition_transitions: t,
            alarm_acknowledgement_rule: r,
            event_action_name: a,
            client_application: ap,
        })
}

/// Any DeleteEventEnrollmentRequest.
pub fn delete_event_enrollment_request(
) -> impl Strategy<Value = DeleteEventEnrollmentRequest<'static>> {
    prop_oneof![
        vec(object_name(), 0..4).prop_map(DeleteEventEnrollmentRequest::Specific),
        object_name().prop_map(DeleteEventEnrollmentRequest::Ec),
        object_name().prop_map(DeleteEventEnrollmentRequest::Ea),
    ]
}

/// Any AlterEventEnrollmentRequest.
pub fn alter_event_enrollment_request(
) -> impl Strategy<Value = AlterEventEnrollmentRequest<'static>> {
    (
        object_name(),
        proptest::option::of(transitions()),
        proptest::option::of(alarm_ack_rule()),
    )
        .prop_map(|(n, t, r)| AlterEventEnrollmentRequest {
            event_enrollment_name: n,
            event_condition_transitions: t,
            alarm_acknowledgment_rule: r,
        })
}

/// Any AlterEventEnrollmentResponse.
pub fn alter_event_enrollment_response() -> impl Strategy<Value = AlterEventEnrollmentResponse> {
    (
        prop_oneof![
            ee_state().prop_map(EeStateOrUndefined::State),
            Just(EeStateOrUndefined::Undefined)
        ],
        event_time(),
    )
        .prop_map(|(s, t)| AlterEventEnrollmentResponse {
            current_state: s,
            transition_time: t,
        })
}

/// Any ReportEventEnrollmentStatusResponse.
pub fn report_event_enrollment_status_response(
) -> impl Strategy<Value = ReportEventEnrollmentStatusResponse> {
    (
        transitions(),
        any::<bool>(),
        ee_duration(),
        proptest::option::of(alarm_ack_rule()),
        ee_state(),
    )
        .prop_map(|(t, l, d, r, s)| ReportEventEnrollmentStatusResponse {
            event_condition_transitions: t,
            notification_lost: l,
            duration: d,
            alarm_acknowledgment_rule: r,
            current_state: s,
        })
}

/// Any GetEventEnrollmentAttributesRequest.
pub fn get_event_enrollment_attributes_request(
) -> impl Strategy<Value = GetEventEnrollmentAttributesRequest<'static>> {
    (
        (0i64..4).prop_map(|v| EeScopeOfRequest::from_i64(v).unwrap_or(EeScopeOfRequest::Client)),
        proptest::option::of(vec(object_name(), 0..4)),
        proptest::option::of(app_ref()),
        proptest::option::of(object_name()),
        proptest::option::of(object_name()),
        proptest::option::of(object_name()),
    )
        .prop_map(|(s, l, a, c, e, k)| GetEventEnrollmentAttributesRequest {
            scope_of_request: s,
            event_enrollment_names: l,
            client_application: a,
            event_condition_name: c,
            event_action_name: e,
            continue_after: k,
        })
}

/// Any EventEnrollment.
pub fn event_enrollment() -> impl Strategy<Value = EventEnrollment<'static>> {
    (
        object_name(),
        object_ref(),
        proptest::option::of(object_ref()),
        proptest::option::of(app_ref()),
        any::<bool>(),
        ee_class(),
        ee_duration(),
        any::<Option<u32>>(),
        any::<Option<u32>>(),
        proptest::option::of(Just(RawValue(vec![0x80, 0x01, b'x'].into()))),
    )
        .prop_map(|(n, c, a, ap, d, cl, du, i, r, de)| EventEnrollment {
            event_enrollment_name: n,
            event_condition_name: c,
            event_action_name: a,
            client_application: ap,
            mms_deletable: d,
            enrollment_class: cl,
            duration: du,
            invoke_id: i,
            remaining_acceptable_delay: r,
            display_enhancement: de,
        })
}

/// Any GetEventEnrollmentAttributesResponse.
pub fn get_event_enrollment_attributes_response(
) -> impl Strategy<Value = GetEventEnrollmentAttributesResponse<'static>> {
    (vec(event_enrollment(), 0..4), any::<bool>()).prop_map(|(l, m)| {
        GetEventEnrollmentAttributesResponse {
            list_of_event_enrollment: l,
            more_follows: m,
        }
    })
}

/// Any AcknowledgeEventNotificationRequest.
pub fn acknowledge_event_notification_request(
) -> impl Strategy<Value = AcknowledgeEventNotificationRequest<'static>> {
    (object_name(), ec_state(), event_time()).prop_map(|(n, s, t)| {
        AcknowledgeEventNotificationRequest {
            event_enrollment_name: n,
            acknowledged_state: s,
            time_of_acknowledged_transition: t,
        }
    })
}

fn severity_filter() -> impl Strategy<Value = SeverityFilter> {
    (any::<u8>(), any::<u8>()).prop_map(|(m, l)| SeverityFilter {
        most_severe: m,
        least_severe: l,
    })
}

fn ack_filter() -> impl Strategy<Value = AcknowledgmentFilter> {
    (0i64..3).prop_map(|v| AcknowledgmentFilter::from_i64(v).unwrap_or(AcknowledgmentFilter::All))
}

/// Any GetAlarmSummaryRequest.
pub fn get_alarm_summary_request() -> impl Strategy<Value = GetAlarmSummaryRequest<'static>> {
    (
        any::<bool>(),
        any::<bool>(),
        ack_filter(),
        proptest::option::of(severity_filter()),
        proptest::option::of(object_name()),
    )
        .prop_map(|(e, a, f, s, c)| GetAlarmSummaryRequest {
            enrollments_only: e,
            active_alarms_only: a,
            acknowledgment_filter: f,
            severity_filter: s,
            continue_after: c,
        })
}

/// Any GetAlarmEnrollmentSummaryRequest.
pub fn get_alarm_enrollment_summary_request(
) -> impl Strategy<Value = GetAlarmEnrollmentSummaryRequest<'static>> {
    get_alarm_summary_request().prop_map(|r| GetAlarmEnrollmentSummaryRequest {
        enrollments_only: r.enrollments_only,
        active_alarms_only: r.active_alarms_only,
        acknowledgment_filter: r.acknowledgment_filter,
        severity_filter: r.severity_filter,
        continue_after: r.continue_after,
    })
}

/// Any AlarmSummary.
pub fn alarm_summary() -> impl Strategy<Value = AlarmSummary<'static>> {
    (
        object_name(),
        any::<u8>(),
        ec_state(),
        (0i64..4)
            .prop_map(|v| UnacknowledgedState::from_i64(v).unwrap_or(UnacknowledgedState::None)),
        proptest::option::of(Just(RawValue(vec![0x81, 0x01, 0x02].into()))),
        proptest::option::of(event_time()),
        proptest::option::of(event_time()),
    )
        .prop_map(|(n, s, c, u, d, a, i)| AlarmSummary {
            event_condition_name: n,
            severity: s,
            current_state: c,
            unacknowledged_state: u,
            display_enhancement: d,
            time_of_last_transition_to_active: a,
            time_of_last_transition_to_idle: i,
        })
}

/// Any GetAlarmSummaryResponse.
pub fn get_alarm_summary_response() -> impl Strategy<Value = GetAlarmSummaryResponse<'static>> {
    (vec(alarm_summary(), 0..4), any::<bool>()).prop_map(|(l, m)| GetAlarmSummaryResponse {
        list_of_alarm_summary: l,
        more_follows: m,
    })
}

/// Any AlarmEnrollmentSummary.
pub fn alarm_enrollment_summary() -> impl Strategy<Value = AlarmEnrollmentSummary<'static>> {
    (
        (
            object_name(),
            proptest::option::of(app_ref()),
            any::<u8>(),
            ec_state(),
            proptest::option::of(Just(RawValue(vec![0x05, 0x00].into()))),
            any::<bool>(),
        ),
        (
            proptest::option::of(alarm_ack_rule()),
            proptest::option::of(ee_state()),
            proptest::option::of(event_time()),
            proptest::option::of(event_time()),
            proptest::option::of(event_time()),
            proptest::option::of(event_time()),
        ),
    )
        .prop_map(
            |((n, ap, s, c, d, l), (r, es, t1, t2, t3, t4))| AlarmEnrollmentSummary {
                event_enrollment_name: n,
                client_application: ap,
                severity: s,
                current_state: c,
                display_enhancement: d,
                notification_lost: l,
                alarm_acknowledgment_rule: r,
                enrollment_state: es,
                time_of_last_transition_to_active: t1,
                time_active_acknowledged: t2,
                time_of_last_transition_to_idle: t3,
                time_idle_acknowledged: t4,
            },
        )
}

/// Any GetAlarmEnrollmentSummaryResponse.
pub fn get_alarm_enrollment_summary_response(
) -> impl Strategy<Value = GetAlarmEnrollmentSummaryResponse<'static>> {
    (vec(alarm_enrollment_summary(), 0..4), any::<bool>()).prop_map(|(l, m)| {
        GetAlarmEnrollmentSummaryResponse {
            list_of_alarm_enrollment_summary: l,
            more_follows: m,
        }
    })
}

/// Any ActionOutcome.
pub fn action_outcome() -> impl Strategy<Value = ActionOutcome<'static>> {
    prop_oneof![
        (
            raw_service(),
            proptest::option::of(Just(RawValue(vec![0x02, 0x01, 0x01].into())))
        )
            .prop_map(|(r, d)| ActionOutcome::Success {
                confirmed_service_response: r,
                cs_response_detail: d
            }),
        (any::<Option<u32>>(), service_error()).prop_map(|(p, e)| ActionOutcome::Failure {
            modifier_position: p,
            service_error: e
        }),
    ]
}

/// Any EventNotification.
pub fn event_notification() -> impl Strategy<Value = EventNotification<'static>> {
    (
        object_name(),
        object_ref(),
        any::<u8>(),
        proptest::option::of(ec_state()),
        event_time(),
        any::<bool>(),
        proptest::option::of(alarm_ack_rule()),
        proptest::option::of(
            (object_name(), action_outcome()).prop_map(|(n, o)| ActionResult {
                event_action_name: n,
                success_or_failure: o,
            }),
        ),
    )
        .prop_map(|(e, c, s, cs, t, l, r, a)| EventNotification {
            event_enrollment_name: e,
            event_condition_name: c,
            severity: s,
            current_state: cs,
            transition_time: t,
            notification_lost: l,
            alarm_acknowledgment_rule: r,
            action_result: a,
        })
}
