//! Fuzz target: the presentation protocol machine (`copp::Presentation`) fed arbitrary CP-type,
//! CPA and data-phase octets must never panic, and every error must yield its response PPDU.
#![no_main]
use copp::ber::Writer;
use copp::{Config, Presentation, Role, ACSE_AS, MMS_AS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut w = Writer::new();
    // Responder: CP-type from the fuzzer.
    let mut r = Presentation::new(Role::Responder, Config::default());
    match r.handle_connect(data) {
        Ok(_) => {
            let _ = r.accept((1, &[0x61, 0x00]), &mut w);
            let _ = r.handle_data(data);
        }
        Err(e) => {
            let _ = e.encode_response(&mut w);
        }
    }
    // Initiator: CPA from the fuzzer, then data.
    let mut i = Presentation::new(Role::Initiator, Config::default());
    let _ = i.connect(&[(1, ACSE_AS), (3, MMS_AS)], (1, &[0x60, 0x00]), &mut w);
    if i.handle_accept(data).is_ok() {
        let _ = i.handle_data(data);
    }
});
