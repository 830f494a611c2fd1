//! Fuzz target: the ISO 9506-2 journal management (§20) decoders of `mms::services::journal` must never
//! panic on any input, and whatever they accept must re-encode canonically: the re-encoding
//! decodes again and encodes to the same octets.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mms::services::journal::*;
use osi_mms_fuzz::canonical;

fuzz_target!(|data: &[u8]| {
    let Some((kind, number, rest)) = osi_mms_fuzz::service_input(data) else {
        return;
    };
    match (kind, number) {
        (0, 65) => canonical!(ReadJournalRequest, rest),
        (1, 65) => canonical!(ReadJournalResponse, rest),
        (0, 66) => canonical!(WriteJournalRequest, rest),
        (1, 66) => canonical!(WriteJournalResponse, rest),
        (0, 67) => canonical!(InitializeJournalRequest, rest),
        (1, 67) => canonical!(InitializeJournalResponse, rest),
        (0, 68) => canonical!(ReportJournalStatusRequest, rest),
        (1, 68) => canonical!(ReportJournalStatusResponse, rest),
        (0, 69) => canonical!(CreateJournalRequest, rest),
        (1, 69) => canonical!(CreateJournalResponse, rest),
        (0, 70) => canonical!(DeleteJournalRequest, rest),
        (1, 70) => canonical!(DeleteJournalResponse, rest),
        _ => {}
    }
});
