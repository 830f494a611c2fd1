//! Fuzz target: `e2e_sec::pdu::decode` (IEC 62351-4 SecPDUs, the E2E-Working module) must
//! never panic on any input, and the octets it reports as covered by a signature or ICV must
//! lie inside the input (I-12: verification over the received octets).
#![no_main]
use libfuzzer_sys::fuzz_target;

fn inside(outer: &[u8], inner: &[u8]) -> bool {
    let (o, i) = (outer.as_ptr() as usize, inner.as_ptr() as usize);
    inner.is_empty() || (i >= o && i + inner.len() <= o + outer.len())
}

fuzz_target!(|data: &[u8]| {
    use e2e_sec::pdu::{decode, Limits, SecPdu};
    match decode(data, &Limits::default()) {
        Ok(SecPdu::HandshakeReq(h)) | Ok(SecPdu::HandshakeAcc(h)) => {
            assert!(inside(data, h.tbs_contents));
        }
        Ok(SecPdu::ClearTransfer(t)) | Ok(SecPdu::EncrTransfer(t)) => {
            assert!(inside(data, t.tbp_contents));
            assert!(inside(data, t.token2_contents));
        }
        _ => {}
    }
});
