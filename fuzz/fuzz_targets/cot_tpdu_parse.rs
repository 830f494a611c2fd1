//! Fuzzes `cot::tpdu::parse` (ISO 8073 §13 TPDU codec): must never panic, and
//! every TPDU it accepts must re-encode and parse to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(tpdu) = cot::tpdu::parse(data) {
        let mut out = Vec::new();
        tpdu.encode(&mut out);
        assert_eq!(out.len(), tpdu.encoded_len());
        // Skipped parameters are dropped on re-encode, so compare parsed values.
        assert_eq!(cot::tpdu::parse(&out), Ok(tpdu));
    }
});
