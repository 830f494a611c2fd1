//! Fuzz target: the `Modifier` CHOICE and `SEQUENCE OF Modifier` decoders of the `mms` crate
//! (ISO 9506-2 §7.3) on arbitrary input; decoding must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mms::codec::{decode_one, Choice};
use mms::modifier::{decode_list_of_modifier, Modifier};

fuzz_target!(|data: &[u8]| {
    let _ = decode_one(data, 32, Modifier::decode_choice);
    let _ = decode_one(data, 32, decode_list_of_modifier);
});
