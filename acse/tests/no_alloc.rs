//! The decode path of a data PDU through every layer (TPKT, COTP DT, session GT+DT,
//! presentation fully-encoded user data, ACSE association) makes no heap allocation once the
//! association is established and its buffers are warm.
//!
//! This needs a counting global allocator, hence the one `unsafe impl` of the workspace (test
//! code only; every library root forbids unsafe code).
#![allow(unsafe_code)]
#![allow(clippy::unwrap_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use acse::association::{AssociationConfig, Event};
use acse::loopback::associate;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counter is a
// thread-local Cell, which does not allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

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
