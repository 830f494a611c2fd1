//! Fuzz target: the ISO 9506-2 semaphore (§15) decoders of `mms::services::semaphore` must never
//! panic on any input, and whatever they accept must re-encode canonically: the re-encoding
//! decodes again and encodes to the same octets.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mms::services::semaphore::*;
use osi_mms_fuzz::canonical;

fuzz_target!(|data: &[u8]| {
    let Some((kind, number, rest)) = osi_mms_fuzz::service_input(data) else {
        return;
    };
    match (kind, number) {
        (0, 19) => canonical!(TakeControlRequest, rest),
        (1, 19) => canonical!(TakeControlResponse, rest),
        (0, 20) => canonical!(RelinquishControlRequest, rest),
        (1, 20) => canonical!(RelinquishControlResponse, rest),
        (0, 21) => canonical!(DefineSemaphoreRequest, rest),
        (1, 21) => canonical!(DefineSemaphoreResponse, rest),
        (0, 22) => canonical!(DeleteSemaphoreRequest, rest),
        (1, 22) => canonical!(DeleteSemaphoreResponse, rest),
        (0, 23) => canonical!(ReportSemaphoreStatusRequest, rest),
        (1, 23) => canonical!(ReportSemaphoreStatusResponse, rest),
        (0, 24) => canonical!(ReportPoolSemaphoreStatusRequest, rest),
        (1, 24) => canonical!(ReportPoolSemaphoreStatusResponse, rest),
        (0, 25) => canonical!(ReportSemaphoreEntryStatusRequest, rest),
        (1, 25) => canonical!(ReportSemaphoreEntryStatusResponse, rest),
        _ => {}
    }
});
