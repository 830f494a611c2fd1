//! Fuzz target: `cosp::Session::handle_tsdu` (X.225 Annex A state machine). The first octet
//! picks the starting state, the rest is split into TSDUs at 0xFE octets and fed in order.
#![no_main]

use cosp::{Config, Role, Session};
use libfuzzer_sys::fuzz_target;

fn start(selector: u8) -> Session {
    let mut config = Config::default();
    config.check_ssel = selector & 0x10 != 0;
    match selector % 4 {
        0 => Session::new(Role::Responder, config),
        1 => {
            let mut s = Session::new(Role::Initiator, config);
            let _ = s.connect(b"cp", &mut Vec::new());
            s
        }
        2 => {
            let mut s = Session::new(Role::Initiator, config);
            let _ = s.connect(b"cp", &mut Vec::new());
            // ACCEPT with version 2 and duplex.
            let _ = s.handle_tsdu(&[14, 9, 5, 3, 0x16, 1, 2, 0x14, 2, 0, 2]);
            s
        }
        _ => {
            let mut s = Session::new(Role::Initiator, config);
            let _ = s.connect(b"cp", &mut Vec::new());
            let _ = s.handle_tsdu(&[14, 9, 5, 3, 0x16, 1, 2, 0x14, 2, 0, 2]);
            let _ = s.finish(b"", &mut Vec::new());
            s
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let mut s = start(selector);
    for tsdu in rest.split(|&b| b == 0xFE) {
        let _ = s.handle_tsdu(tsdu);
        if s.state() == cosp::State::AwaitConnectResponse {
            let _ = s.accept(b"cpa", &mut Vec::new());
        }
        if s.state() == cosp::State::AwaitReleaseResponse {
            let _ = s.disconnect(b"", &mut Vec::new());
        }
    }
});
