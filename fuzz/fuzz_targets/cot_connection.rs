//! Fuzzes the ISO 8073 class 0 connection state machine over a TPKT byte
//! stream (`cot::Connection::feed` + `poll_event`) in every role: must never
//! panic, and the receive buffer must never grow.
#![no_main]

use cot::{Config, Connection, Event};
use libfuzzer_sys::fuzz_target;

fn open_responder() -> Connection {
    let mut i = Connection::connect(Config::default());
    let mut r = Connection::accept(Config::default());
    let cr = i.transmit().to_vec();
    i.advance_transmit(cr.len());
    let _ = r.feed(&cr);
    let _ = r.poll_event();
    let cc = r.transmit().len();
    r.advance_transmit(cc);
    r
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let mut c = match selector % 3 {
        0 => Connection::accept(Config::default()),
        1 => Connection::connect(Config::default()),
        _ => open_responder(),
    };
    let chunk = usize::from(selector / 3) + 1;
    for ch in rest.chunks(chunk) {
        if c.feed(ch).is_err() {
            break;
        }
        while let Ok(Some(ev)) = c.poll_event() {
            if let Event::Data(d) = ev {
                assert!(d.len() <= Config::default().max_tsdu_size);
            }
        }
    }
    let n = c.transmit().len();
    c.advance_transmit(n);
});
