//! Fuzz target: the ISO 9506-2 file management (Annex D) decoders of `mms::services::file` must never
//! panic on any input, and whatever they accept must re-encode canonically: the re-encoding
//! decodes again and encodes to the same octets.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mms::services::file::*;
use osi_mms_fuzz::canonical;

fuzz_target!(|data: &[u8]| {
    let Some((kind, number, rest)) = osi_mms_fuzz::service_input(data) else {
        return;
    };
    match (kind, number) {
        (0, 46) => canonical!(ObtainFileRequest, rest),
        (1, 46) => canonical!(ObtainFileResponse, rest),
        (0, 72) => canonical!(FileOpenRequest, rest),
        (1, 72) => canonical!(FileOpenResponse, rest),
        (0, 73) => canonical!(FileReadRequest, rest),
        (1, 73) => canonical!(FileReadResponse, rest),
        (0, 74) => canonical!(FileCloseRequest, rest),
        (1, 74) => canonical!(FileCloseResponse, rest),
        (0, 75) => canonical!(FileRenameRequest, rest),
        (1, 75) => canonical!(FileRenameResponse, rest),
        (0, 76) => canonical!(FileDeleteRequest, rest),
        (1, 76) => canonical!(FileDeleteResponse, rest),
        (0, 77) => canonical!(FileDirectoryRequest, rest),
        (1, 77) => canonical!(FileDirectoryResponse, rest),
        _ => {}
    }
});
