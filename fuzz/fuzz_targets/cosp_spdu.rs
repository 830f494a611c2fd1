//! Fuzz target: `cosp::parse` (X.225 §8 SPDU parser) on arbitrary TSDUs; parsed SPDUs are
//! re-encoded, which must not panic either.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = cosp::Limits::default();
    if let Ok(spdu) = cosp::parse(data, &limits) {
        let mut out = Vec::new();
        let _ = spdu.encode(&mut out);
    }
});
