//! Fuzz target: the ISO 9506-2 semaphore (§15) decoders of `mms::services::semaphore` must never
//! panic on any input, and whatever they accept must re-encode canonically: the re-encoding
//! decodes again and encodes to the same octets.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mms::codec::{decode_one, to_vec, Service};
use mms::services::semaphore::*;

macro_rules! check {
    ($t:ident, $data:expr) => {
        if let Ok(v) = decode_one($data, 32, <$t>::decode_service) {
            let again = to_vec(|w| v.encode_service(w));
            let back = decode_one(&again, 32, <$t>::decode_service)
                .map(|x| to_vec(|w| x.encode_service(w)));
            assert_eq!(back.ok().as_deref(), Some(&again[..]));
        }
    };
}

fuzz_target!(|data: &[u8]| {
    // The first octet picks request (even) or response (odd); the rest is the service TLV.
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let number = match rest {
        [0x9F | 0xBF, n, ..] => u32::from(*n),
        [b, ..] => u32::from(b & 0x1F),
        [] => return,
    };
    match (sel & 1, number) {
        (0, 19) => check!(TakeControlRequest, rest),
        (1, 19) => check!(TakeControlResponse, rest),
        (0, 20) => check!(RelinquishControlRequest, rest),
        (1, 20) => check!(RelinquishControlResponse, rest),
        (0, 21) => check!(DefineSemaphoreRequest, rest),
        (1, 21) => check!(DefineSemaphoreResponse, rest),
        (0, 22) => check!(DeleteSemaphoreRequest, rest),
        (1, 22) => check!(DeleteSemaphoreResponse, rest),
        (0, 23) => check!(ReportSemaphoreStatusRequest, rest),
        (1, 23) => check!(ReportSemaphoreStatusResponse, rest),
        (0, 24) => check!(ReportPoolSemaphoreStatusRequest, rest),
        (1, 24) => check!(ReportPoolSemaphoreStatusResponse, rest),
        (0, 25) => check!(ReportSemaphoreEntryStatusRequest, rest),
        (1, 25) => check!(ReportSemaphoreEntryStatusResponse, rest),
        _ => {}
    }
});
