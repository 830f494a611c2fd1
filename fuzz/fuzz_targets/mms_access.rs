//! Fuzz target: `mms::access` decoders (ISO 9506-2 §14.1–§14.4: VariableAccessSpecification,
//! AlternateAccess, AccessResult) must never panic and must round-trip what they accept.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mms::access::{AccessResult, AlternateAccess, VariableAccessSpecification};
use mms::codec::{decode_one, to_vec, Asn1, Choice};

fuzz_target!(|data: &[u8]| {
    if let Ok(v) = decode_one(data, 32, VariableAccessSpecification::decode_choice) {
        let b = to_vec(|w| v.encode_choice(w));
        assert_eq!(decode_one(&b, 32, VariableAccessSpecification::decode_choice).ok(), Some(v));
    }
    if let Ok(a) = decode_one(data, 32, AlternateAccess::decode) {
        let b = to_vec(|w| a.encode(w));
        assert_eq!(decode_one(&b, 32, AlternateAccess::decode).ok(), Some(a));
    }
    if let Ok(r) = decode_one(data, 32, AccessResult::decode_choice) {
        let b = to_vec(|w| r.encode_choice(w));
        assert_eq!(decode_one(&b, 32, AccessResult::decode_choice).ok(), Some(r));
    }
});
