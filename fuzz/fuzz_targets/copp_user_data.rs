//! Fuzz target: `copp::ppdu::parse_user_data` (X.226 §8.4) and walking every PDV must never
//! panic on any input.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(copp::ppdu::UserData::Fully(f)) = copp::ppdu::parse_user_data(data) {
        for pdv in f.pdvs() {
            let _ = pdv;
        }
    }
});
