//! Fuzz target: the BER reader (X.690) walking arbitrary input, entering every constructed
//! value and decoding every primitive form it knows.
#![no_main]

use copp::ber::{Reader, Tlv};
use libfuzzer_sys::fuzz_target;

fn walk(t: Tlv<'_>, budget: &mut usize) {
    if *budget == 0 {
        return;
    }
    *budget -= 1;
    let _ = (t.integer(), t.oid(), t.boolean(), t.bit_string(), t.octets());
    if let Ok(mut r) = t.reader() {
        while let Ok(Some(inner)) = r.read_optional() {
            walk(inner, budget);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut r = Reader::with_depth(data, 32);
    let mut budget = 10_000;
    while let Ok(Some(t)) = r.read_optional() {
        walk(t, &mut budget);
    }
});
