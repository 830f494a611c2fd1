//! The decode path of a data PDU through every layer (TPKT, COTP DT, session GT+DT,
//! presentation fully-encoded user data, ACSE association) makes no heap allocation once the
//! association is established and its buffers are warm.
//!
//! This needs a counting global allocator (shared with the `mms` crate's no-allocation test),
//! hence the one `unsafe impl` of the workspace (test code only; every library root forbids
//! unsafe code).
#![allow(unsafe_code)]
#![allow(clippy::unwrap_used)]

use acse::association::{AssociationConfig, Event};
use acse::loopback::associate;

#[path = "../../mms/tests/support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::allocations;

/// One BER value of about `size` octets: `[0]` constructed around an OCTET STRING.
fn mms_like_pdu(size: usize) -> Vec<u8> {
    let mut w = copp::ber::Writer::new();
    w.octets(
        copp::ber::Tag::OCTET_STRING,
        &vec![0x5A; size.saturating_sub(8)],
    );
    w.wrap(0, copp::ber::Tag::context(0, true));
    w.into_vec()
}

#[test]
fn decoding_a_data_pdu_allocates_nothing() {
    let config = AssociationConfig::default();
    let (mut client, mut server) =
        associate(config.clone(), config, &[0xA8, 0x00], &[0xA9, 0x00]).unwrap();
    for size in [64usize, 1024, 60 * 1024] {
        let pdu = mms_like_pdu(size);
        client.send_data(&pdu).unwrap();
        let wire = client.transmit().to_vec();
        client.advance_transmit(wire.len());
        // Warm-up: the reassembly buffer grows to its working size once.
        server.feed(&wire).unwrap();
        assert!(matches!(
            server.poll_event().unwrap(),
            Some(Event::Data { .. })
        ));

        let before = allocations();
        server.feed(&wire).unwrap();
        let got = match server.poll_event().unwrap() {
            Some(Event::Data { context_id, data }) => (context_id, data.len(), data == &pdu[..]),
            other => panic!("unexpected event {other:?}"),
        };
        let after = allocations();
        assert_eq!(got, (3, pdu.len(), true));
        assert_eq!(after - before, 0, "{size}-octet P-DATA decode allocated");
    }
}
