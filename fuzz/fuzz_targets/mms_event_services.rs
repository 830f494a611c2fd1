//! Fuzz target: every event management service decoder of the `mms` crate (ISO 9506-2 event
//! conditions, actions, enrollments, alarm summaries, EventNotification) on arbitrary input.
//! Decoding must never panic; whatever decodes must re-encode and decode to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mms::codec::{decode_one, to_vec, Service};
use mms::services::event::*;

macro_rules! check {
    ($t:ty, $data:expr) => {
        if let Ok(v) = decode_one($data, 32, <$t>::decode_service) {
            let b = to_vec(|w| v.encode_service(w));
            let again = decode_one(&b, 64, <$t>::decode_service);
            assert_eq!(again.as_ref().ok(), Some(&v), "re-encoding does not decode to the same value");
        }
    };
}

fuzz_target!(|data: &[u8]| {
    check!(DefineEventConditionRequest, data);
    check!(DeleteEventConditionRequest, data);
    check!(DeleteEventConditionResponse, data);
    check!(GetEventConditionAttributesRequest, data);
    check!(GetEventConditionAttributesResponse, data);
    check!(ReportEventConditionStatusResponse, data);
    check!(AlterEventConditionMonitoringRequest, data);
    check!(TriggerEventRequest, data);
    check!(DefineEventActionRequest, data);
    check!(DeleteEventActionRequest, data);
    check!(GetEventActionAttributesResponse, data);
    check!(DefineEventEnrollmentRequest, data);
    check!(DeleteEventEnrollmentRequest, data);
    check!(AlterEventEnrollmentRequest, data);
    check!(AlterEventEnrollmentResponse, data);
    check!(ReportEventEnrollmentStatusResponse, data);
    check!(GetEventEnrollmentAttributesRequest, data);
    check!(GetEventEnrollmentAttributesResponse, data);
    check!(AcknowledgeEventNotificationRequest, data);
    check!(GetAlarmSummaryRequest, data);
    check!(GetAlarmSummaryResponse, data);
    check!(GetAlarmEnrollmentSummaryRequest, data);
    check!(GetAlarmEnrollmentSummaryResponse, data);
    check!(EventNotification, data);
});
