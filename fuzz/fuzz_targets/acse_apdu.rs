//! Fuzz target: `acse::apdu::parse` (ISO 8650-1 / X.227 §9 APDUs) must never panic on any input,
//! and whatever it accepts must re-encode into octets that parse to the same APDU.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = acse::apdu::Limits {
        max_depth: 16,
        ..acse::apdu::Limits::default()
    };
    if let Ok(apdu) = acse::apdu::parse_with(data, &limits) {
        let again = apdu.to_vec();
        let reparsed = acse::apdu::parse_with(&again, &limits).map(|a| a.into_owned());
        assert_eq!(reparsed.ok(), Some(apdu.into_owned()));
    }
});
