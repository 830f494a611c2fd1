//! Fuzz target: `mms::dissect` (the `mms decode` dissector) must never panic or buffer without
//! bound on any input, whether read as concatenated TPKT frames (RFC 1006 and everything above
//! it, with COTP DT reassembly), as a bare MMS PDU, or as a capture file (libpcap / pcapng with
//! Ethernet / IPv4 / TCP reassembly). The first octet picks the mode; the rest is the input.
//! Every frame must also render as text and as JSON.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mms::dissect::{dissect_bytes, dissect_pcap, render, Limits, StartLayer};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, input)) = data.split_first() else {
        return;
    };
    let limits = Limits {
        max_tsdu: 4096,
        max_out_of_order: 4096,
        max_packet: 8192,
        max_connections: 8,
        ..Limits::default()
    };
    let frames = match mode % 4 {
        0 => dissect_bytes(input, StartLayer::Tpkt, &limits),
        1 => dissect_bytes(input, StartLayer::Mms, &limits),
        2 => dissect_bytes(input, StartLayer::Auto, &limits),
        _ => dissect_pcap(input, &limits).unwrap_or_default(),
    };
    for f in &frames {
        let _ = render::frame_text(f);
        let _ = render::frame_json(f);
    }
});
