//! Fuzz target: the ISO 9506-2 operator communication (§16) decoders of `mms::services::operator` must never
//! panic on any input, and whatever they accept must re-encode canonically: the re-encoding
//! decodes again and encodes to the same octets.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mms::services::operator::*;
use osi_mms_fuzz::canonical;

fuzz_target!(|data: &[u8]| {
    let Some((kind, number, rest)) = osi_mms_fuzz::service_input(data) else {
        return;
    };
    match (kind, number) {
        (0, 17) => canonical!(InputRequest, rest),
        (1, 17) => canonical!(InputResponse, rest),
        (0, 18) => canonical!(OutputRequest, rest),
        (1, 18) => canonical!(OutputResponse, rest),
        _ => {}
    }
});
