//! Fuzz target for the ISO 9506-2 §14 variable access service decoders of the `mms` crate
//! (Read, Write, InformationReport, GetVariableAccessAttributes, the define/get/delete services
//! of named variables, scattered accesses, named variable lists and named types). Every input
//! is offered to every decoder; none may panic, and whatever decodes must re-encode to bytes
//! that decode to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mms::codec::{decode_one, to_vec, Service};
use mms::services::variables::*;

macro_rules! check {
    ($ty:ty, $data:expr) => {{
        if let Ok(v) = decode_one($data, 32, |t| <$ty>::decode_service(t)) {
            let enc = to_vec(|w| v.encode_service(w));
            let back = decode_one(&enc, 64, |t| <$ty>::decode_service(t));
            assert_eq!(back.as_ref(), Ok(&v));
        }
    }};
}

fuzz_target!(|data: &[u8]| {
    check!(ReadRequest, data);
    check!(ReadResponse, data);
    check!(WriteRequest, data);
    check!(WriteResponse, data);
    check!(InformationReport, data);
    check!(GetVariableAccessAttributesRequest, data);
    check!(GetVariableAccessAttributesResponse, data);
    check!(DefineNamedVariableRequest, data);
    check!(DefineNamedVariableResponse, data);
    check!(DefineScatteredAccessRequest, data);
    check!(DefineScatteredAccessResponse, data);
    check!(GetScatteredAccessAttributesRequest, data);
    check!(GetScatteredAccessAttributesResponse, data);
    check!(DeleteVariableAccessRequest, data);
    check!(DeleteVariableAccessResponse, data);
    check!(DefineNamedVariableListRequest, data);
    check!(DefineNamedVariableListResponse, data);
    check!(GetNamedVariableListAttributesRequest, data);
    check!(GetNamedVariableListAttributesResponse, data);
    check!(DeleteNamedVariableListRequest, data);
    check!(DeleteNamedVariableListResponse, data);
    check!(DefineNamedTypeRequest, data);
    check!(DefineNamedTypeResponse, data);
    check!(GetNamedTypeAttributesRequest, data);
    check!(GetNamedTypeAttributesResponse, data);
    check!(DeleteNamedTypeRequest, data);
    check!(DeleteNamedTypeResponse, data);
});
