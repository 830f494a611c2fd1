//! Fuzz target: the XMPP environment's decoders (`e2e_sec::pdu::xml::decode`, the SecPDUs in
//! XML, and `e2e_sec::xmpp::open_envelope`, the ENV_4 envelope) must never panic on any
//! input, and the octets they report as signed, ICV-covered or carried must lie inside the
//! input (I-12: verification over the received octets).
#![no_main]
use libfuzzer_sys::fuzz_target;

fn inside(outer: &[u8], inner: &[u8]) -> bool {
    let (o, i) = (outer.as_ptr() as usize, inner.as_ptr() as usize);
    inner.is_empty() || (i >= o && i + inner.len() <= o + outer.len())
}

fuzz_target!(|data: &[u8]| {
    use e2e_sec::pdu::xml::{decode, XmlStore};
    use e2e_sec::pdu::{Limits, SecPdu};
    let mut store = XmlStore::new();
    match decode(data, &mut store, &Limits::default()) {
        Ok(SecPdu::HandshakeReq(h)) | Ok(SecPdu::HandshakeAcc(h)) => {
            assert!(inside(data, h.tbs_contents));
            assert!(h.appl_data.map_or(true, |a| inside(data, a)));
        }
        Ok(SecPdu::ClearTransfer(t)) => {
            assert!(inside(data, t.tbp_contents));
            assert!(inside(data, t.token2_contents));
            assert!(inside(data, t.appl_data));
        }
        Ok(SecPdu::EncrTransfer(t)) => {
            assert!(inside(data, t.tbp_contents));
            assert!(inside(data, t.token2_contents));
        }
        _ => {}
    }
    if let Ok(e) = e2e_sec::xmpp::open_envelope(data) {
        assert!(inside(data, e.secpdu));
    }
});
