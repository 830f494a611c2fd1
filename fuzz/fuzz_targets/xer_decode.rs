//! Fuzz target: the XER decoders (`mms::xer`, X.693 for ISO 9506-2 PDUs and Data) must never
//! panic on any document; what they accept must encode back to XER that decodes to the same
//! value (the PDU compared by its BER encoding).
#![no_main]
use libfuzzer_sys::fuzz_target;
use mms::xer::{decode_data, decode_pdu_ber, encode_data, encode_pdu_ber, XerLimits};

fuzz_target!(|data: &[u8]| {
    let Ok(xml) = std::str::from_utf8(data) else {
        return;
    };
    let limits = XerLimits::default();
    if let Ok(ber) = decode_pdu_ber(xml, &limits) {
        // What decodes may still hold values the encoder does not map (control characters).
        if let Ok(again) = encode_pdu_ber(&ber) {
            let back = decode_pdu_ber(&again, &limits).expect("re-encoded XER decodes");
            assert_eq!(back, ber);
        }
    }
    if let Ok(d) = decode_data(xml, &limits) {
        if let Ok(again) = encode_data(&d) {
            assert_eq!(decode_data(&again, &limits).expect("re-encoded Data decodes"), d);
        }
    }
});
