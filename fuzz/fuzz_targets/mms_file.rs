//! Fuzz target: the ISO 9506-2 file management (Annex D) decoders of `mms::services::file` must never
//! panic on any input, and whatever they accept must re-encode canonically: the re-encoding
//! decodes again and encodes to the same octets.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mms::codec::{decode_one, to_vec, Service};
use mms::services::file::*;

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
        (0, 46) => check!(ObtainFileRequest, rest),
        (1, 46) => check!(ObtainFileResponse, rest),
        (0, 72) => check!(FileOpenRequest, rest),
        (1, 72) => check!(FileOpenResponse, rest),
        (0, 73) => check!(FileReadRequest, rest),
        (1, 73) => check!(FileReadResponse, rest),
        (0, 74) => check!(FileCloseRequest, rest),
        (1, 74) => check!(FileCloseResponse, rest),
        (0, 75) => check!(FileRenameRequest, rest),
        (1, 75) => check!(FileRenameResponse, rest),
        (0, 76) => check!(FileDeleteRequest, rest),
        (1, 76) => check!(FileDeleteResponse, rest),
        (0, 77) => check!(FileDirectoryRequest, rest),
        (1, 77) => check!(FileDirectoryResponse, rest),
        _ => {}
    }
});
