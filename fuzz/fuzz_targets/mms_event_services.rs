//! Fuzz target: every event management service decoder of the `mms` crate (ISO 9506-2 event
//! conditions, actions, enrollments, alarm summaries, EventNotification) on arbitrary input.
//! Decoding must never panic; whatever decodes must re-encode and decode to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mms::services::event::*;
use osi_mms_fuzz::same_value;

fuzz_target!(|data: &[u8]| {
    same_value!(DefineEventConditionRequest, data);
    same_value!(DeleteEventConditionRequest, data);
    same_value!(DeleteEventConditionResponse, data);
    same_value!(GetEventConditionAttributesRequest, data);
    same_value!(GetEventConditionAttributesResponse, data);
    same_value!(ReportEventConditionStatusResponse, data);
    same_value!(AlterEventConditionMonitoringRequest, data);
    same_value!(TriggerEventRequest, data);
    same_value!(DefineEventActionRequest, data);
    same_value!(DeleteEventActionRequest, data);
    same_value!(GetEventActionAttributesResponse, data);
    same_value!(DefineEventEnrollmentRequest, data);
    same_value!(DeleteEventEnrollmentRequest, data);
    same_value!(AlterEventEnrollmentRequest, data);
    same_value!(AlterEventEnrollmentResponse, data);
    same_value!(ReportEventEnrollmentStatusResponse, data);
    same_value!(GetEventEnrollmentAttributesRequest, data);
    same_value!(GetEventEnrollmentAttributesResponse, data);
    same_value!(AcknowledgeEventNotificationRequest, data);
    same_value!(GetAlarmSummaryRequest, data);
    same_value!(GetAlarmSummaryResponse, data);
    same_value!(GetAlarmEnrollmentSummaryRequest, data);
    same_value!(GetAlarmEnrollmentSummaryResponse, data);
    same_value!(EventNotification, data);
});
