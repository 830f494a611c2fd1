//! Fuzz target: a responder association (every layer: TPKT, COTP, session, presentation, ACSE)
//! fed arbitrary bytes in arbitrary chunks. It must never panic, and once it reports an error
//! or closes it must stay closed.
#![no_main]

use acse::association::{Association, AssociationConfig, Event};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut a = Association::accept_incoming(AssociationConfig::default(), None);
    // The first octet picks the chunk size, so split points vary.
    let chunk = usize::from(data.first().copied().unwrap_or(1)).max(1);
    for piece in data.get(1..).unwrap_or_default().chunks(chunk) {
        if a.feed(piece).is_err() {
            break;
        }
        let mut accept = false;
        loop {
            match a.poll_event() {
                Ok(Some(Event::AssociateIndication(_))) => accept = true,
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break,
            }
        }
        if accept {
            let _ = a.accept(&[0xA9, 0x00]);
        }
        let n = a.transmit().len();
        a.advance_transmit(n);
        if a.is_closed() {
            assert!(matches!(a.poll_event(), Ok(None)));
            break;
        }
    }
});
