//! Fuzz target: the ISO 9506-2 operator communication (§16) decoders of `mms::services::operator` must never
//! panic on any input, and whatever they accept must re-encode canonically: the re-encoding
//! decodes again and encodes to the same octets.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mms::codec::{decode_one, to_vec, Service};
use mms::services::operator::*;

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
        (0, 17) => check!(InputRequest, rest),
        (1, 17) => check!(InputResponse, rest),
        (0, 18) => check!(OutputRequest, rest),
        (1, 18) => check!(OutputResponse, rest),
        _ => {}
    }
});
