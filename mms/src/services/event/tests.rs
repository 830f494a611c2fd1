//! Tests of the event management services: the event.vec vectors (checked with tshark 4.0,
//! dissector mms), typed assertions, malformed input and proptest round trips.

use super::arb;
use super::*;
use crate::access::VariableSpecification;
use crate::codec::{decode_one, to_vec, BerError, Choice, DecodeError, Service, Writer};
use crate::common::{ApplicationReference, ObjectName, TimeOfDay};
use crate::modifier::{AttachToEventCondition, AttachToSemaphore, Modifier};
use crate::testvec::{self, reencode, round_trip_tests, Tolerant};
use crate::EventTime;
use proptest::prelude::*;

/// Decodes a service TLV of the given PDU kind with this module's type for it and re-encodes
/// it; `None` when no type has that (kind, tag number).
fn dispatch(kind: u32, tlv: &crate::codec::Tlv<'_>) -> Option<Result<Vec<u8>>> {
    Some(match (kind, tlv.tag.number) {
        (0, 47) => reencode::<DefineEventConditionRequest>(tlv),
        (0, 48) => reencode::<DeleteEventConditionRequest>(tlv),
        (0, 49) => reencode::<GetEventConditionAttributesRequest>(tlv),
        (0, 50) => reencode::<ReportEventConditionStatusRequest>(tlv),
        (0, 51) => reencode::<AlterEventConditionMonitoringRequest>(tlv),
        (0, 52) => reencode::<TriggerEventRequest>(tlv),
        (0, 53) => reencode::<DefineEventActionRequest>(tlv),
        (0, 54) => reencode::<DeleteEventActionRequest>(tlv),
        (0, 55) => reencode::<GetEventActionAttributesRequest>(tlv),
        (0, 56) => reencode::<ReportEventActionStatusRequest>(tlv),
        (0, 57) => reencode::<DefineEventEnrollmentRequest>(tlv),
        (0, 58) => reencode::<DeleteEventEnrollmentRequest>(tlv),
        (0, 59) => reencode::<AlterEventEnrollmentRequest>(tlv),
        (0, 60) => reencode::<ReportEventEnrollmentStatusRequest>(tlv),
        (0, 61) => reencode::<GetEventEnrollmentAttributesRequest>(tlv),
        (0, 62) => reencode::<AcknowledgeEventNotificationRequest>(tlv),
        (0, 63) => reencode::<GetAlarmSummaryRequest>(tlv),
        (0, 64) => reencode::<GetAlarmEnrollmentSummaryRequest>(tlv),
        (1, 47) => reencode::<DefineEventConditionResponse>(tlv),
        (1, 48) => reencode::<DeleteEventConditionResponse>(tlv),
        (1, 49) => reencode::<GetEventConditionAttributesResponse>(tlv),
        (1, 50) => reencode::<ReportEventConditionStatusResponse>(tlv),
        (1, 51) => reencode::<AlterEventConditionMonitoringResponse>(tlv),
        (1, 52) => reencode::<TriggerEventResponse>(tlv),
        (1, 53) => reencode::<DefineEventActionResponse>(tlv),
        (1, 54) => reencode::<DeleteEventActionResponse>(tlv),
        (1, 55) => reencode::<GetEventActionAttributesResponse>(tlv),
        (1, 56) => reencode::<ReportEventActionStatusResponse>(tlv),
        (1, 57) => reencode::<DefineEventEnrollmentResponse>(tlv),
        (1, 58) => reencode::<DeleteEventEnrollmentResponse>(tlv),
        (1, 59) => reencode::<AlterEventEnrollmentResponse>(tlv),
        (1, 60) => reencode::<ReportEventEnrollmentStatusResponse>(tlv),
        (1, 61) => reencode::<GetEventEnrollmentAttributesResponse>(tlv),
        (1, 62) => reencode::<AcknowledgeEventNotificationResponse>(tlv),
        (1, 63) => reencode::<GetAlarmSummaryResponse>(tlv),
        (1, 64) => reencode::<GetAlarmEnrollmentSummaryResponse>(tlv),
        (3, 2) => reencode::<EventNotification>(tlv),
        _ => return None,
    })
}

/// Splits a Confirmed-RequestPDU that carries a listOfModifier: (invokeID, modifiers, service).
fn split_with_modifiers(pdu: &[u8]) -> Result<(u32, Vec<Modifier<'_>>, crate::codec::Tlv<'_>)> {
    decode_one(pdu, 64, |t| {
        let mut f = crate::codec::Fields::new(t)?;
        let id = crate::codec::uint32(&f.req(crate::codec::Tag::INTEGER, "invokeID")?)?;
        let mods = crate::modifier::decode_list_of_modifier(
            &f.req(crate::codec::Tag::SEQUENCE, "listOfModifier")?,
        )?;
        let body = f.next("service")?;
        f.finish()?;
        Ok((id, mods, body))
    })
}

#[test]
fn event_vectors_decode_and_reencode() {
    let vecs = testvec::load("event.vec");
    assert!(vecs.len() >= 50, "only {} vectors", vecs.len());
    let (with_modifiers, plain): (Vec<_>, Vec<_>) = vecs
        .into_iter()
        .partition(|v| v.name.starts_with("modifiers-"));
    for v in &with_modifiers {
        let (_, mods, body) = split_with_modifiers(&v.pdu).unwrap();
        assert_eq!(mods.len(), 2, "{}", v.name);
        let enc = dispatch(0, &body)
            .expect("a request of this module")
            .unwrap_or_else(|e| panic!("{}: {e}", v.name));
        assert_eq!(enc, body.raw, "{}", v.name);
    }
    testvec::check_vectors(&plain, Tolerant::Decodes, dispatch);
}

fn vec_named(name: &str) -> Vec<u8> {
    testvec::named(&testvec::load("event.vec"), name)
        .pdu
        .clone()
}

// ---------------------------------------------------------------------------------------------
// Sample values: the source of the event.vec vectors (`cargo test -p mms print_event_samples
// -- --ignored --nocapture` prints them; each was then checked with tshark).

fn on(s: &'static str) -> ObjectName<'static> {
    ObjectName::vmd(s)
}

fn tod() -> EventTime {
    EventTime::TimeOfDay(TimeOfDay {
        millis: 3_600_000,
        days: Some(14_000),
    })
}

fn var_spec() -> VariableSpecification<'static> {
    decode_one(
        &[0xA0, 0x06, 0x80, 0x04, b'T', b'e', b'm', b'p'],
        16,
        VariableSpecification::decode_choice,
    )
    .unwrap()
}

fn service_err() -> crate::service_error::ServiceError<'static> {
    use crate::codec::Asn1;
    decode_one(
        &[0x30, 0x05, 0xA0, 0x03, 0x82, 0x01, 0x01],
        16,
        crate::service_error::ServiceError::decode,
    )
    .unwrap()
}

fn app() -> ApplicationReference<'static> {
    ApplicationReference {
        ap_title: Some(crate::codec::RawValue(
            vec![0x06, 0x03, 0x29, 0x01, 0x07].into(),
        )),
        ap_invocation_id: None,
        ae_qualifier: Some(crate::codec::RawValue(vec![0x02, 0x01, 0x0C].into())),
        ae_invocation_id: None,
    }
}

fn sem_mod() -> Modifier<'static> {
    Modifier::AttachToSemaphore(AttachToSemaphore {
        semaphore_name: ObjectName::domain("LD0", "Sem1"),
        named_token: Some("T1".into()),
        priority: 10,
        acceptable_delay: Some(500),
        control_time_out: Some(2000),
        abort_on_time_out: Some(true),
        relinquish_if_connection_lost: false,
    })
}

fn ec_mod() -> Modifier<'static> {
    Modifier::AttachToEventCondition(AttachToEventCondition {
        event_enrollment_name: on("EEnr1"),
        event_condition_name: on("Cond"),
        causing_transitions: Transitions::new(&[Transitions::IDLE_TO_ACTIVE]),
        acceptable_delay: Some(1000),
    })
}

fn req<'a, T: Service<'a>>(id: u32, s: &T) -> Vec<u8> {
    testvec::wrap(0, Some(id), |w| s.encode_service(w))
}
fn resp<'a, T: Service<'a>>(id: u32, s: &T) -> Vec<u8> {
    testvec::wrap(1, Some(id), |w| s.encode_service(w))
}

fn notification(action: Option<ActionResult<'static>>) -> EventNotification<'static> {
    EventNotification {
        event_enrollment_name: ObjectName::domain("LD0", "EE1"),
        event_condition_name: ObjectRef::Named(ObjectName::domain("LD0", "EC1")),
        severity: 5,
        current_state: Some(crate::EcState::Active),
        transition_time: tod(),
        notification_lost: true,
        alarm_acknowledgment_rule: Some(AlarmAckRule::Simple),
        action_result: action,
    }
}

pub(crate) fn samples() -> Vec<(&'static str, Vec<u8>)> {
    let mut v: Vec<(&'static str, Vec<u8>)> = Vec::new();
    v.push((
        "define-event-condition-request",
        req(
            1,
            &DefineEventConditionRequest {
                event_condition_name: ObjectName::domain("LD0", "Cond1"),
                class: EcClass::Monitored,
                priority: 10,
                severity: 5,
                alarm_summary_reports: Some(true),
                monitored_variable: Some(var_spec()),
                evaluation_interval: Some(1000),
            },
        ),
    ));
    v.push((
        "define-event-condition-request-defaults",
        req(
            2,
            &DefineEventConditionRequest {
                event_condition_name: on("EC1"),
                class: EcClass::NetworkTriggered,
                priority: 64,
                severity: 64,
                alarm_summary_reports: None,
                monitored_variable: None,
                evaluation_interval: None,
            },
        ),
    ));
    v.push((
        "define-event-condition-response",
        resp(1, &DefineEventConditionResponse),
    ));
    v.push((
        "delete-event-condition-request-specific",
        req(
            3,
            &DeleteEventConditionRequest(DeleteScope::Specific(vec![
                on("EC1"),
                ObjectName::domain("LD0", "EC2"),
            ])),
        ),
    ));
    v.push((
        "delete-event-condition-request-aa-specific",
        req(4, &DeleteEventConditionRequest(DeleteScope::AaSpecific)),
    ));
    v.push((
        "delete-event-condition-request-domain",
        req(
            5,
            &DeleteEventConditionRequest(DeleteScope::Domain("LD0".into())),
        ),
    ));
    v.push((
        "delete-event-condition-request-vmd",
        req(6, &DeleteEventConditionRequest(DeleteScope::Vmd)),
    ));
    v.push((
        "delete-event-condition-response",
        resp(
            3,
            &DeleteEventConditionResponse {
                candidates_not_deleted: 2,
            },
        ),
    ));
    v.push((
        "get-event-condition-attributes-request",
        req(
            7,
            &GetEventConditionAttributesRequest {
                event_condition_name: ObjectName::domain("LD0", "EC1"),
            },
        ),
    ));
    v.push((
        "get-event-condition-attributes-response",
        resp(
            7,
            &GetEventConditionAttributesResponse {
                mms_deletable: true,
                class: EcClass::Monitored,
                priority: 10,
                severity: 3,
                alarm_summary_reports: true,
                monitored_variable: Some(MonitoredVariable::VariableReference(var_spec())),
                evaluation_interval: Some(500),
                access_control_list: None,
            },
        ),
    ));
    v.push((
        "get-event-condition-attributes-response-undefined",
        resp(
            8,
            &GetEventConditionAttributesResponse {
                mms_deletable: false,
                class: EcClass::NetworkTriggered,
                priority: 64,
                severity: 64,
                alarm_summary_reports: false,
                monitored_variable: Some(MonitoredVariable::Undefined),
                evaluation_interval: None,
                access_control_list: None,
            },
        ),
    ));
    v.push((
        "report-event-condition-status-request",
        req(
            9,
            &ReportEventConditionStatusRequest {
                event_condition_name: on("EC1"),
            },
        ),
    ));
    v.push((
        "report-event-condition-status-response",
        resp(
            9,
            &ReportEventConditionStatusResponse {
                current_state: crate::EcState::Active,
                number_of_event_enrollments: 2,
                enabled: Some(true),
                time_of_last_transition_to_active: Some(tod()),
                time_of_last_transition_to_idle: Some(EventTime::TimeSequenceIdentifier(77)),
            },
        ),
    ));
    v.push((
        "alter-event-condition-monitoring-request",
        req(
            10,
            &AlterEventConditionMonitoringRequest {
                event_condition_name: on("EC1"),
                enabled: Some(false),
                priority: Some(20),
                alarm_summary_reports: Some(true),
                evaluation_interval: Some(250),
            },
        ),
    ));
    v.push((
        "alter-event-condition-monitoring-response",
        resp(10, &AlterEventConditionMonitoringResponse),
    ));
    v.push((
        "trigger-event-request",
        req(
            11,
            &TriggerEventRequest {
                event_condition_name: ObjectName::aa("EC9"),
                priority: Some(3),
            },
        ),
    ));
    v.push(("trigger-event-response", resp(11, &TriggerEventResponse)));
    v.push((
        "define-event-action-request",
        req(
            12,
            &DefineEventActionRequest {
                event_action_name: on("EA1"),
                list_of_modifier: Some(vec![sem_mod()]),
                confirmed_service_request: None,
            },
        ),
    ));
    v.push((
        "define-event-action-request-with-service",
        req(
            13,
            &DefineEventActionRequest {
                event_action_name: on("EA2"),
                list_of_modifier: None,
                // deleteEventCondition request: vmd
                confirmed_service_request: Some(crate::codec::RawValue(
                    vec![0xBF, 0x30, 0x02, 0x83, 0x00].into(),
                )),
            },
        ),
    ));
    v.push((
        "define-event-action-response",
        resp(12, &DefineEventActionResponse),
    ));
    v.push((
        "delete-event-action-request-specific",
        req(
            14,
            &DeleteEventActionRequest(DeleteScope::Specific(vec![on("EA1")])),
        ),
    ));
    v.push((
        "delete-event-action-request-aa-specific",
        req(15, &DeleteEventActionRequest(DeleteScope::AaSpecific)),
    ));
    v.push((
        "delete-event-action-request-domain",
        req(
            16,
            &DeleteEventActionRequest(DeleteScope::Domain("LD1".into())),
        ),
    ));
    v.push((
        "delete-event-action-request-vmd",
        req(17, &DeleteEventActionRequest(DeleteScope::Vmd)),
    ));
    v.push((
        "delete-event-action-response",
        resp(
            14,
            &DeleteEventActionResponse {
                candidates_not_deleted: 1,
            },
        ),
    ));
    v.push((
        "get-event-action-attributes-request",
        req(
            18,
            &GetEventActionAttributesRequest {
                event_action_name: on("EA1"),
            },
        ),
    ));
    v.push((
        "get-event-action-attributes-response",
        resp(
            18,
            &GetEventActionAttributesResponse {
                mms_deletable: true,
                list_of_modifier: vec![ec_mod(), sem_mod()],
                confirmed_service_request: None,
                access_control_list: None,
            },
        ),
    ));
    v.push((
        "report-event-action-status-request",
        req(
            19,
            &ReportEventActionStatusRequest {
                event_action_name: ObjectName::domain("LD0", "EA1"),
            },
        ),
    ));
    v.push((
        "report-event-action-status-response",
        resp(
            19,
            &ReportEventActionStatusResponse {
                number_of_event_enrollments: 4,
            },
        ),
    ));
    v.push((
        "define-event-enrollment-request",
        req(
            20,
            &DefineEventEnrollmentRequest {
                event_enrollment_name: ObjectName::domain("LD0", "EE1"),
                event_condition_name: ObjectName::domain("LD0", "EC1"),
                event_condition_transitions: Transitions::new(&[
                    Transitions::IDLE_TO_ACTIVE,
                    Transitions::ACTIVE_TO_IDLE,
                ]),
                alarm_acknowledgement_rule: AlarmAckRule::AckActive,
                event_action_name: Some(on("EA1")),
                client_application: Some(app()),
            },
        ),
    ));
    v.push((
        "define-event-enrollment-response",
        resp(20, &DefineEventEnrollmentResponse),
    ));
    v.push((
        "delete-event-enrollment-request-specific",
        req(
            21,
            &DeleteEventEnrollmentRequest::Specific(vec![on("EE1"), on("EE2")]),
        ),
    ));
    v.push((
        "delete-event-enrollment-request-ec",
        req(22, &DeleteEventEnrollmentRequest::Ec(on("EC1"))),
    ));
    v.push((
        "delete-event-enrollment-request-ea",
        req(
            23,
            &DeleteEventEnrollmentRequest::Ea(ObjectName::domain("LD0", "EA1")),
        ),
    ));
    v.push((
        "delete-event-enrollment-response",
        resp(
            21,
            &DeleteEventEnrollmentResponse {
                candidates_not_deleted: 0,
            },
        ),
    ));
    v.push((
        "alter-event-enrollment-request",
        req(
            24,
            &AlterEventEnrollmentRequest {
                event_enrollment_name: on("EE1"),
                event_condition_transitions: Some(Transitions::new(&[Transitions::ANY_TO_DELETED])),
                alarm_acknowledgment_rule: Some(AlarmAckRule::AckAll),
            },
        ),
    ));
    v.push((
        "alter-event-enrollment-response",
        resp(
            24,
            &AlterEventEnrollmentResponse {
                current_state: EeStateOrUndefined::State(EeState::ActiveNoAckA),
                transition_time: tod(),
            },
        ),
    ));
    v.push((
        "alter-event-enrollment-response-undefined",
        resp(
            25,
            &AlterEventEnrollmentResponse {
                current_state: EeStateOrUndefined::Undefined,
                transition_time: EventTime::TimeSequenceIdentifier(9),
            },
        ),
    ));
    v.push((
        "report-event-enrollment-status-request",
        req(
            26,
            &ReportEventEnrollmentStatusRequest {
                event_enrollment_name: on("EE1"),
            },
        ),
    ));
    v.push((
        "report-event-enrollment-status-response",
        resp(
            26,
            &ReportEventEnrollmentStatusResponse {
                event_condition_transitions: Transitions::new(&[
                    Transitions::DISABLED_TO_IDLE,
                    Transitions::IDLE_TO_ACTIVE,
                ]),
                notification_lost: true,
                duration: EeDuration::Permanent,
                alarm_acknowledgment_rule: Some(AlarmAckRule::Simple),
                current_state: EeState::IdleAcked,
            },
        ),
    ));
    v.push((
        "get-event-enrollment-attributes-request",
        req(
            27,
            &GetEventEnrollmentAttributesRequest {
                scope_of_request: EeScopeOfRequest::Specific,
                event_enrollment_names: Some(vec![on("EE1"), ObjectName::domain("LD0", "EE2")]),
                client_application: None,
                event_condition_name: None,
                event_action_name: None,
                continue_after: None,
            },
        ),
    ));
    v.push((
        "get-event-enrollment-attributes-request-ec",
        req(
            28,
            &GetEventEnrollmentAttributesRequest {
                scope_of_request: EeScopeOfRequest::Ec,
                event_enrollment_names: None,
                client_application: Some(app()),
                event_condition_name: Some(on("EC1")),
                event_action_name: Some(on("EA1")),
                continue_after: Some(on("EE0")),
            },
        ),
    ));
    v.push((
        "get-event-enrollment-attributes-response",
        resp(
            27,
            &GetEventEnrollmentAttributesResponse {
                list_of_event_enrollment: vec![
                    EventEnrollment {
                        event_enrollment_name: on("EE1"),
                        event_condition_name: ObjectRef::Named(on("EC1")),
                        event_action_name: Some(ObjectRef::Undefined),
                        client_application: Some(app()),
                        mms_deletable: true,
                        enrollment_class: EeClass::Notification,
                        duration: EeDuration::Permanent,
                        invoke_id: Some(0),
                        remaining_acceptable_delay: Some(100),
                        display_enhancement: None,
                    },
                    EventEnrollment {
                        event_enrollment_name: on("EE2"),
                        event_condition_name: ObjectRef::Undefined,
                        event_action_name: None,
                        client_application: None,
                        mms_deletable: false,
                        enrollment_class: EeClass::Modifier,
                        duration: EeDuration::Current,
                        invoke_id: Some(42),
                        remaining_acceptable_delay: None,
                        display_enhancement: None,
                    },
                ],
                more_follows: true,
            },
        ),
    ));
    v.push((
        "acknowledge-event-notification-request",
        req(
            29,
            &AcknowledgeEventNotificationRequest {
                event_enrollment_name: ObjectName::domain("LD0", "EE1"),
                acknowledged_state: crate::EcState::Active,
                time_of_acknowledged_transition: tod(),
            },
        ),
    ));
    v.push((
        "acknowledge-event-notification-response",
        resp(29, &AcknowledgeEventNotificationResponse),
    ));
    v.push((
        "get-alarm-summary-request",
        req(
            30,
            &GetAlarmSummaryRequest {
                enrollments_only: false,
                active_alarms_only: false,
                acknowledgment_filter: AcknowledgmentFilter::All,
                severity_filter: Some(SeverityFilter {
                    most_severe: 0,
                    least_severe: 127,
                }),
                continue_after: Some(on("EC1")),
            },
        ),
    ));
    v.push((
        "get-alarm-summary-request-defaults",
        req(31, &GetAlarmSummaryRequest::default()),
    ));
    v.push((
        "get-alarm-summary-response",
        resp(
            30,
            &GetAlarmSummaryResponse {
                list_of_alarm_summary: vec![AlarmSummary {
                    event_condition_name: ObjectName::domain("LD0", "EC1"),
                    severity: 5,
                    current_state: crate::EcState::Active,
                    unacknowledged_state: UnacknowledgedState::Active,
                    display_enhancement: None,
                    time_of_last_transition_to_active: Some(tod()),
                    time_of_last_transition_to_idle: Some(EventTime::TimeSequenceIdentifier(3)),
                }],
                more_follows: true,
            },
        ),
    ));
    v.push((
        "get-alarm-enrollment-summary-request",
        req(
            32,
            &GetAlarmEnrollmentSummaryRequest {
                enrollments_only: true,
                active_alarms_only: false,
                acknowledgment_filter: AcknowledgmentFilter::Acked,
                severity_filter: None,
                continue_after: None,
            },
        ),
    ));
    v.push((
        "get-alarm-enrollment-summary-response",
        resp(
            32,
            &GetAlarmEnrollmentSummaryResponse {
                list_of_alarm_enrollment_summary: vec![AlarmEnrollmentSummary {
                    event_enrollment_name: on("EE1"),
                    client_application: Some(app()),
                    severity: 2,
                    current_state: crate::EcState::Idle,
                    display_enhancement: None,
                    notification_lost: true,
                    alarm_acknowledgment_rule: Some(AlarmAckRule::AckAll),
                    enrollment_state: Some(EeState::IdleNoAckI),
                    time_of_last_transition_to_active: Some(tod()),
                    time_active_acknowledged: Some(EventTime::TimeSequenceIdentifier(1)),
                    time_of_last_transition_to_idle: Some(EventTime::TimeSequenceIdentifier(2)),
                    time_idle_acknowledged: None,
                }],
                more_follows: false,
            },
        ),
    ));
    v.push(("event-notification", {
        let n = notification(None);
        testvec::wrap(3, None, |w| n.encode_service(w))
    }));
    v.push(("event-notification-undefined-condition", {
        let n = EventNotification {
            event_enrollment_name: on("EE1"),
            event_condition_name: ObjectRef::Undefined,
            severity: 64,
            current_state: None,
            transition_time: EventTime::TimeSequenceIdentifier(12),
            notification_lost: false,
            alarm_acknowledgment_rule: None,
            action_result: None,
        };
        testvec::wrap(3, None, |w| n.encode_service(w))
    }));
    v.push(("event-notification-action-success", {
        let n = notification(Some(ActionResult {
            event_action_name: on("EA1"),
            success_or_failure: ActionOutcome::Success {
                confirmed_service_response: crate::codec::RawValue(
                    vec![0x9F, 0x30, 0x01, 0x02].into(),
                ),
                cs_response_detail: None,
            },
        }));
        testvec::wrap(3, None, |w| n.encode_service(w))
    }));
    v.push(("event-notification-action-failure", {
        let n = notification(Some(ActionResult {
            event_action_name: on("EA1"),
            success_or_failure: ActionOutcome::Failure {
                modifier_position: Some(1),
                service_error: service_err(),
            },
        }));
        testvec::wrap(3, None, |w| n.encode_service(w))
    }));
    v.push(("modifiers-trigger-event-request", {
        let mut w = Writer::new();
        let m = w.mark();
        TriggerEventRequest {
            event_condition_name: on("EC1"),
            priority: None,
        }
        .encode_service(&mut w);
        crate::modifier::encode_list_of_modifier(
            &mut w,
            crate::codec::Tag::SEQUENCE,
            &[ec_mod(), sem_mod()],
        );
        crate::codec::write_uint(&mut w, crate::codec::Tag::INTEGER, 33);
        w.wrap(m, crate::codec::ctx_c(0));
        w.into_vec()
    }));
    v
}

#[test]
fn typed_define_event_condition() {
    let pdu = vec_named("define-event-condition-request");
    let (_, id, body) = testvec::split(&pdu).unwrap();
    assert_eq!(id, Some(1));
    let r = DefineEventConditionRequest::decode_service(&body).unwrap();
    assert_eq!(r.event_condition_name, ObjectName::domain("LD0", "Cond1"));
    assert_eq!(r.class, EcClass::Monitored);
    assert_eq!((r.priority, r.severity), (10, 5));
    assert_eq!(r.alarm_summary_reports, Some(true));
    assert_eq!(r.monitored_variable, Some(var_spec()));
    assert_eq!(r.evaluation_interval, Some(1000));
    // defaults filled
    let pdu = vec_named("define-event-condition-request-defaults");
    let (_, _, body) = testvec::split(&pdu).unwrap();
    let r = DefineEventConditionRequest::decode_service(&body).unwrap();
    assert_eq!((r.priority, r.severity), (NORMAL_PRIORITY, NORMAL_SEVERITY));
}

#[test]
fn typed_delete_scopes() {
    for (name, want) in [
        (
            "delete-event-condition-request-aa-specific",
            DeleteScope::AaSpecific,
        ),
        (
            "delete-event-condition-request-domain",
            DeleteScope::Domain("LD0".into()),
        ),
        ("delete-event-condition-request-vmd", DeleteScope::Vmd),
    ] {
        let pdu = vec_named(name);
        let (_, _, body) = testvec::split(&pdu).unwrap();
        assert_eq!(
            DeleteEventConditionRequest::decode_service(&body)
                .unwrap()
                .0,
            want
        );
    }
    let pdu = vec_named("delete-event-action-request-domain");
    let (_, _, body) = testvec::split(&pdu).unwrap();
    assert_eq!(
        DeleteEventActionRequest::decode_service(&body).unwrap().0,
        DeleteScope::Domain("LD1".into())
    );
    // [2] is not an alternative of DeleteEventAction-Request
    let bad = [0xBF, 0x36, 0x05, 0x82, 0x03, b'L', b'D', b'1'];
    assert!(decode_one(&bad, 8, DeleteEventActionRequest::decode_service).is_err());
}

#[test]
fn typed_event_notification_and_outcomes() {
    let pdu = vec_named("event-notification-action-success");
    let (kind, id, body) = testvec::split(&pdu).unwrap();
    assert_eq!((kind, id), (3, None));
    let n = EventNotification::decode_service(&body).unwrap();
    assert_eq!(n.severity, 5);
    assert_eq!(n.current_state, Some(crate::EcState::Active));
    assert_eq!(n.transition_time, tod());
    assert!(n.notification_lost);
    let a = n.action_result.unwrap();
    assert_eq!(a.event_action_name, on("EA1"));
    let ActionOutcome::Success {
        confirmed_service_response,
        cs_response_detail,
    } = a.success_or_failure
    else {
        panic!("not success")
    };
    assert_eq!(&*confirmed_service_response.0, &[0x9F, 0x30, 0x01, 0x02]);
    assert_eq!(cs_response_detail, None);

    // The ISO 9506-2:1990 failure form (what Wireshark decodes) is accepted.
    let pdu = vec_named("event-notification-action-failure-1990");
    let (_, _, body) = testvec::split(&pdu).unwrap();
    let n = EventNotification::decode_service(&body).unwrap();
    assert_eq!(
        n.action_result.unwrap().success_or_failure,
        ActionOutcome::Failure {
            modifier_position: None,
            service_error: service_err()
        }
    );
}

/// The ISO 9506-2:2003 forms tshark 4.0 flags because Wireshark's module is the 1990 one:
/// kept out of event.vec (tshark: "This field lies beyond the end of the known sequence
/// definition" / malformed), decoded and re-encoded here.
#[test]
fn iso_2003_forms_tshark_does_not_know() {
    for name in [
        "define-event-action-request-with-service",
        "event-notification-action-failure",
    ] {
        let (_, b) = samples().into_iter().find(|(n, _)| *n == name).unwrap();
        let (kind, _, body) = testvec::split(&b).unwrap();
        assert_eq!(dispatch(kind, &body).unwrap().unwrap(), body.raw, "{name}");
    }
    let (_, b) = samples()
        .into_iter()
        .find(|(n, _)| *n == "event-notification-action-failure")
        .unwrap();
    let (_, _, body) = testvec::split(&b).unwrap();
    let n = EventNotification::decode_service(&body).unwrap();
    assert_eq!(
        n.action_result.unwrap().success_or_failure,
        ActionOutcome::Failure {
            modifier_position: Some(1),
            service_error: service_err()
        }
    );
    // ISO 9506-2:2003 eventConditionName as a bare [1] ObjectName (vmd-specific "EC1").
    let b = [
        0xA2, 0x16, 0xA0, 0x05, 0x80, 0x03, b'E', b'E', b'1', 0xA1, 0x05, 0x80, 0x03, b'E', b'C',
        b'1', 0x82, 0x01, 0x40, 0xA4, 0x03, 0x81, 0x01, 0x0C,
    ];
    let n = decode_one(&b, 16, EventNotification::decode_service).unwrap();
    assert_eq!(n.event_condition_name, ObjectRef::Named(on("EC1")));
    // EventTime undefined [2] (ISO 9506-2:2003) round-trips.
    let r = AlterEventEnrollmentResponse {
        current_state: EeStateOrUndefined::Undefined,
        transition_time: EventTime::Undefined,
    };
    let b = to_vec(|w| r.encode_service(w));
    assert_eq!(
        decode_one(&b, 8, AlterEventEnrollmentResponse::decode_service),
        Ok(r)
    );
}

#[test]
fn transitions_bits_and_tolerance() {
    let t = Transitions::new(&[Transitions::IDLE_TO_ACTIVE, Transitions::ACTIVE_TO_IDLE]);
    assert!(t.idle_to_active() && t.active_to_idle() && !t.any_to_deleted());
    let b = to_vec(|w| t.encode_value(w, crate::codec::ctx(2)));
    assert_eq!(b, [0x82, 0x02, 0x01, 0x14]);
    // empty string with a wrong unused-bit count: read as empty
    let e = decode_one(&[0x82, 0x01, 0x03], 4, Transitions::decode_value).unwrap();
    assert_eq!(e.bit_len(), 0);
    // set unused bits are ignored
    let u = decode_one(&[0x82, 0x02, 0x01, 0x15], 4, Transitions::decode_value).unwrap();
    assert_eq!(u, t);
    // 40 bits is out of range
    assert_eq!(
        decode_one(
            &[0x82, 0x06, 0, 1, 2, 3, 4, 5],
            4,
            Transitions::decode_value
        ),
        Err(DecodeError::OutOfRange("Transitions"))
    );
    // unused count above 7
    assert!(decode_one(&[0x82, 0x02, 0x08, 0x00], 4, Transitions::decode_value).is_err());
}

#[test]
fn malformed_services() {
    // truncated: DefineEventCondition-Request cut inside the name
    let pdu = vec_named("define-event-condition-request");
    let (_, _, body) = testvec::split(&pdu).unwrap();
    let cut = &body.raw[..body.raw.len() - 4];
    assert!(decode_one(cut, 16, DefineEventConditionRequest::decode_service).is_err());
    // wrong tag: a [48] response given to the [47] decoder
    assert!(matches!(
        decode_one(
            &[0x9F, 0x30, 0x01, 0x02],
            8,
            DefineEventConditionResponse::decode_service
        ),
        Err(DecodeError::Ber(BerError::UnexpectedTag { .. }))
    ));
    // NULL response with contents
    assert!(decode_one(
        &[0x9F, 0x2F, 0x01, 0x00],
        8,
        DefineEventConditionResponse::decode_service
    )
    .is_err());
    // missing mandatory class
    let b = [0xBF, 0x2F, 0x07, 0xA0, 0x05, 0x80, 0x03, b'E', b'C', b'1'];
    assert_eq!(
        decode_one(&b, 8, DefineEventConditionRequest::decode_service),
        Err(DecodeError::Ber(BerError::Missing("class")))
    );
    // class out of range (EC-Class 2)
    let b = [
        0xBF, 0x2F, 0x0A, 0xA0, 0x05, 0x80, 0x03, b'E', b'C', b'1', 0x81, 0x01, 0x02,
    ];
    assert_eq!(
        decode_one(&b, 8, DefineEventConditionRequest::decode_service),
        Err(DecodeError::OutOfRange("EC-Class"))
    );
    // trailing element after the last field of TriggerEvent-Request
    let b = [
        0xBF, 0x34, 0x0A, 0xA0, 0x05, 0x80, 0x03, b'E', b'C', b'1', 0x85, 0x01, 0x03,
    ];
    assert_eq!(
        decode_one(&b, 8, TriggerEventRequest::decode_service),
        Err(DecodeError::Ber(BerError::TrailingData(3)))
    );
    // repeated field: priority twice
    let b = [
        0xBF, 0x34, 0x0D, 0xA0, 0x05, 0x80, 0x03, b'E', b'C', b'1', 0x81, 0x01, 0x03, 0x81, 0x01,
        0x04,
    ];
    assert!(decode_one(&b, 8, TriggerEventRequest::decode_service).is_err());
    // out-of-order fields: severity [3] before priority [2]
    let b = [
        0xBF, 0x2F, 0x10, 0xA0, 0x05, 0x80, 0x03, b'E', b'C', b'1', 0x81, 0x01, 0x00, 0x83, 0x01,
        0x05, 0x82, 0x01, 0x0A,
    ];
    assert!(decode_one(&b, 8, DefineEventConditionRequest::decode_service).is_err());
    // Unsigned32 response above range
    assert_eq!(
        decode_one(
            &[0x9F, 0x30, 0x05, 0x01, 0, 0, 0, 0],
            8,
            DeleteEventConditionResponse::decode_service
        ),
        Err(DecodeError::OutOfRange("Unsigned32"))
    );
    // EE-State 8 is out of range
    let b = [
        0xBF, 0x3B, 0x0A, 0xA0, 0x03, 0x80, 0x01, 0x08, 0xA1, 0x03, 0x81, 0x01, 0x01,
    ];
    assert_eq!(
        decode_one(&b, 8, AlterEventEnrollmentResponse::decode_service),
        Err(DecodeError::OutOfRange("EE-State"))
    );
    // length beyond input
    assert!(decode_one(
        &[0xBF, 0x31, 0x20, 0x80, 0x01],
        8,
        GetEventConditionAttributesRequest::decode_service
    )
    .is_err());
    // empty DeleteEventCondition-Request [48] (no CHOICE inside)
    assert!(decode_one(
        &[0xBF, 0x30, 0x00],
        8,
        DeleteEventConditionRequest::decode_service
    )
    .is_err());
    // an unknown modifier inside DefineEventAction-Request
    let b = [
        0xBF, 0x35, 0x0B, 0xA0, 0x05, 0x80, 0x03, b'E', b'A', b'1', 0xA1, 0x02, 0xA5, 0x00,
    ];
    assert_eq!(
        decode_one(&b, 8, DefineEventActionRequest::decode_service),
        Err(DecodeError::UnrecognizedModifier(5))
    );
    // successOrFailure with an unknown alternative [2]
    let b = [
        0xA2, 0x1C, 0xA0, 0x05, 0x80, 0x03, b'E', b'E', b'1', 0xA1, 0x02, 0x81, 0x00, 0x82, 0x01,
        0x40, 0xA4, 0x03, 0x81, 0x01, 0x0C, 0xA8, 0x07, 0x80, 0x03, b'E', b'A', b'1', 0xA2, 0x00,
    ];
    assert!(decode_one(&b, 16, EventNotification::decode_service).is_err());
    // nesting budget: a deep but valid PDU fails cleanly with a small budget
    let pdu = vec_named("get-event-enrollment-attributes-response");
    let (_, _, body) = testvec::split(&pdu).unwrap();
    let e = decode_one(
        body.raw,
        3,
        GetEventEnrollmentAttributesResponse::decode_service,
    )
    .unwrap_err();
    assert!(e.is_too_deep(), "{e:?}");
}

#[test]
fn empty_lists_and_zero_values() {
    let r = GetAlarmSummaryResponse {
        list_of_alarm_summary: vec![],
        more_follows: false,
    };
    let b = to_vec(|w| r.encode_service(w));
    assert_eq!(b, [0xBF, 0x3F, 0x02, 0xA0, 0x00]);
    assert_eq!(
        decode_one(&b, 8, GetAlarmSummaryResponse::decode_service),
        Ok(r)
    );
    let r = DeleteEventConditionRequest(DeleteScope::Specific(vec![]));
    let b = to_vec(|w| r.encode_service(w));
    assert_eq!(b, [0xBF, 0x30, 0x02, 0xA0, 0x00]);
}

round_trip_tests! {
    rt_define_event_condition_request: arb::define_event_condition_request() => DefineEventConditionRequest;
    rt_delete_event_condition_request: arb::delete_scope().prop_map(DeleteEventConditionRequest) => DeleteEventConditionRequest;
    rt_delete_event_condition_response: any::<u32>().prop_map(|n| DeleteEventConditionResponse { candidates_not_deleted: n }) => DeleteEventConditionResponse;
    rt_get_event_condition_attributes_request: arb::object_name().prop_map(|n| GetEventConditionAttributesRequest { event_condition_name: n }) => GetEventConditionAttributesRequest;
    rt_get_event_condition_attributes_response: arb::get_event_condition_attributes_response() => GetEventConditionAttributesResponse;
    rt_report_event_condition_status_request: arb::object_name().prop_map(|n| ReportEventConditionStatusRequest { event_condition_name: n }) => ReportEventConditionStatusRequest;
    rt_report_event_condition_status_response: arb::report_event_condition_status_response() => ReportEventConditionStatusResponse;
    rt_alter_event_condition_monitoring_request: arb::alter_event_condition_monitoring_request() => AlterEventConditionMonitoringRequest;
    rt_trigger_event_request: arb::trigger_event_request() => TriggerEventRequest;
    rt_define_event_action_request: arb::define_event_action_request() => DefineEventActionRequest;
    rt_delete_event_action_request: arb::delete_scope().prop_map(DeleteEventActionRequest) => DeleteEventActionRequest;
    rt_delete_event_action_response: any::<u32>().prop_map(|n| DeleteEventActionResponse { candidates_not_deleted: n }) => DeleteEventActionResponse;
    rt_get_event_action_attributes_request: arb::object_name().prop_map(|n| GetEventActionAttributesRequest { event_action_name: n }) => GetEventActionAttributesRequest;
    rt_get_event_action_attributes_response: arb::get_event_action_attributes_response() => GetEventActionAttributesResponse;
    rt_report_event_action_status_request: arb::object_name().prop_map(|n| ReportEventActionStatusRequest { event_action_name: n }) => ReportEventActionStatusRequest;
    rt_report_event_action_status_response: any::<u32>().prop_map(|n| ReportEventActionStatusResponse { number_of_event_enrollments: n }) => ReportEventActionStatusResponse;
    rt_define_event_enrollment_request: arb::define_event_enrollment_request() => DefineEventEnrollmentRequest;
    rt_delete_event_enrollment_request: arb::delete_event_enrollment_request() => DeleteEventEnrollmentRequest;
    rt_delete_event_enrollment_response: any::<u32>().prop_map(|n| DeleteEventEnrollmentResponse { candidates_not_deleted: n }) => DeleteEventEnrollmentResponse;
    rt_alter_event_enrollment_request: arb::alter_event_enrollment_request() => AlterEventEnrollmentRequest;
    rt_alter_event_enrollment_response: arb::alter_event_enrollment_response() => AlterEventEnrollmentResponse;
    rt_report_event_enrollment_status_request: arb::object_name().prop_map(|n| ReportEventEnrollmentStatusRequest { event_enrollment_name: n }) => ReportEventEnrollmentStatusRequest;
    rt_report_event_enrollment_status_response: arb::report_event_enrollment_status_response() => ReportEventEnrollmentStatusResponse;
    rt_get_event_enrollment_attributes_request: arb::get_event_enrollment_attributes_request() => GetEventEnrollmentAttributesRequest;
    rt_get_event_enrollment_attributes_response: arb::get_event_enrollment_attributes_response() => GetEventEnrollmentAttributesResponse;
    rt_acknowledge_event_notification_request: arb::acknowledge_event_notification_request() => AcknowledgeEventNotificationRequest;
    rt_get_alarm_summary_request: arb::get_alarm_summary_request() => GetAlarmSummaryRequest;
    rt_get_alarm_summary_response: arb::get_alarm_summary_response() => GetAlarmSummaryResponse;
    rt_get_alarm_enrollment_summary_request: arb::get_alarm_enrollment_summary_request() => GetAlarmEnrollmentSummaryRequest;
    rt_get_alarm_enrollment_summary_response: arb::get_alarm_enrollment_summary_response() => GetAlarmEnrollmentSummaryResponse;
    rt_event_notification: arb::event_notification() => EventNotification;
}

#[test]
fn null_responses_round_trip() {
    fn chk<T: for<'a> Service<'a> + PartialEq + std::fmt::Debug + Default>(tag: u8) {
        let b = to_vec(|w| T::default().encode_service(w));
        assert_eq!(b, [0x9F, tag, 0x00]);
        assert_eq!(decode_one(&b, 4, T::decode_service).unwrap(), T::default());
    }
    chk::<DefineEventConditionResponse>(47);
    chk::<AlterEventConditionMonitoringResponse>(51);
    chk::<TriggerEventResponse>(52);
    chk::<DefineEventActionResponse>(53);
    chk::<DefineEventEnrollmentResponse>(57);
    chk::<AcknowledgeEventNotificationResponse>(62);
}
