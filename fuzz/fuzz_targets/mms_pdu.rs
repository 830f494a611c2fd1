//! Fuzz target: `mms::MmsPdu::decode` (ISO 9506-2 §7, every MMSpdu alternative and service)
//! must never panic, allocate without bound or recurse past its budget on any input; a malformed
//! PDU must yield the RejectPDU reason to send; and whatever decodes must re-encode into octets
//! that decode to the same PDU.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mms::pdu::{DecodeOptions, MmsPdu};

fuzz_target!(|data: &[u8]| {
    let opts = DecodeOptions::for_nesting_level(10);
    match MmsPdu::decode_with(data, opts) {
        Ok(pdu) => {
            let again = pdu.to_vec();
            let back = MmsPdu::decode_with(&again, opts).expect("re-encoding must decode");
            assert_eq!(back, pdu);
            assert_eq!(back.to_vec(), again, "encoding must be stable");
        }
        Err(e) => {
            // Every error maps to a protocol answer or to a documented silence.
            let _ = e.reject();
            let _ = e.to_string();
        }
    }
});
