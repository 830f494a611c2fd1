//! Fuzz target: `mms::types::TypeSpecification` (ISO 9506-2 §14.1 / §14.4.1) must never panic
//! and must round-trip what it accepts.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mms::codec::{decode_one, to_vec, Choice};
use mms::types::TypeSpecification;

fuzz_target!(|data: &[u8]| {
    if let Ok(t) = decode_one(data, 32, TypeSpecification::decode_choice) {
        let b = to_vec(|w| t.encode_choice(w));
        assert_eq!(decode_one(&b, 32, TypeSpecification::decode_choice).ok(), Some(t));
    }
});
