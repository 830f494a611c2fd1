//! Fuzz target for the ISO 9506-2 §14 variable access service decoders of the `mms` crate
//! (Read, Write, InformationReport, GetVariableAccessAttributes, the define/get/delete services
//! of named variables, scattered accesses, named variable lists and named types). Every input
//! is offered to every decoder; none may panic, and whatever decodes must re-encode to bytes
//! that decode to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mms::services::variables::*;
use osi_mms_fuzz::same_value;

fuzz_target!(|data: &[u8]| {
    same_value!(ReadRequest, data);
    same_value!(ReadResponse, data);
    same_value!(WriteRequest, data);
    same_value!(WriteResponse, data);
    same_value!(InformationReport, data);
    same_value!(GetVariableAccessAttributesRequest, data);
    same_value!(GetVariableAccessAttributesResponse, data);
    same_value!(DefineNamedVariableRequest, data);
    same_value!(DefineNamedVariableResponse, data);
    same_value!(DefineScatteredAccessRequest, data);
    same_value!(DefineScatteredAccessResponse, data);
    same_value!(GetScatteredAccessAttributesRequest, data);
    same_value!(GetScatteredAccessAttributesResponse, data);
    same_value!(DeleteVariableAccessRequest, data);
    same_value!(DeleteVariableAccessResponse, data);
    same_value!(DefineNamedVariableListRequest, data);
    same_value!(DefineNamedVariableListResponse, data);
    same_value!(GetNamedVariableListAttributesRequest, data);
    same_value!(GetNamedVariableListAttributesResponse, data);
    same_value!(DeleteNamedVariableListRequest, data);
    same_value!(DeleteNamedVariableListResponse, data);
    same_value!(DefineNamedTypeRequest, data);
    same_value!(DefineNamedTypeResponse, data);
    same_value!(GetNamedTypeAttributesRequest, data);
    same_value!(GetNamedTypeAttributesResponse, data);
    same_value!(DeleteNamedTypeRequest, data);
    same_value!(DeleteNamedTypeResponse, data);
});
