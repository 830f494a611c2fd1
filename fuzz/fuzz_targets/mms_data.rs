//! Fuzz target: `mms::data::Data` (ISO 9506-2 §14.4.2) must never panic on any input; what it
//! accepts must iterate without error and re-encode into octets that decode to the same value.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mms::codec::{decode_one, to_vec, Choice};
use mms::data::Data;

fn walk(d: &Data<'_>) -> usize {
    d.as_list()
        .map_or(1, |l| l.iter().map(|e| walk(&e)).sum::<usize>() + 1)
}

fuzz_target!(|data: &[u8]| {
    if let Ok(d) = decode_one(data, 32, Data::decode_choice) {
        walk(&d);
        let again = to_vec(|w| d.encode_choice(w));
        let back = decode_one(&again, 32, Data::decode_choice).expect("re-encoding decodes");
        assert_eq!(back, d);
    }
});
