//! Fuzzes `cot::tpkt::frame_len` (RFC 1006 §6 header check): must never panic
//! and never return a length outside 7..=max.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let max = data
        .first()
        .map_or(65535, |b| 7 + usize::from(*b) * 257);
    if let Ok(Some(n)) = cot::tpkt::frame_len(data.get(1..).unwrap_or_default(), max) {
        assert!((7..=max.min(65535)).contains(&n));
    }
});
