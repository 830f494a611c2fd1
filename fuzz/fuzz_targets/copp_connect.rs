//! Fuzz target: `copp::ppdu::parse_connect` (X.226 §8.3) must never panic on any input.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = copp::ppdu::parse_connect(data);
});
