//! The data-phase receive path (X.226 §6.6: `Presentation::handle_data` and iterating its
//! PDVs) and the send-side header builder allocate nothing: checked with a counting global
//! allocator.
#![allow(unsafe_code)] // GlobalAlloc is an unsafe trait: only this test implements it.
#![allow(clippy::unwrap_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use copp::ber::Writer;
use copp::ppdu::{PdvValue, DATA_HEADER_MAX};
use copp::{Config, Presentation, Role, ACSE_AS, MMS_AS};

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::SeqCst);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::SeqCst);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn handle_data_and_pdv_iteration_allocate_nothing() {
    // Establish a connection (allocation allowed here).
    let mut i = Presentation::new(Role::Initiator, Config::default());
    let mut r = Presentation::new(Role::Responder, Config::default());
    let aarq = [0x60, 0x00];
    let mut w = Writer::new();
    i.connect(&[(1, ACSE_AS), (3, MMS_AS)], (1, &aarq), &mut w)
        .unwrap();
    r.handle_connect(w.as_slice()).unwrap();
    let mut w2 = Writer::new();
    r.accept((1, &[0x61, 0x00]), &mut w2).unwrap();
    i.handle_accept(w2.as_slice()).unwrap();

    let mms = [0xA0, 0x05, 0x02, 0x01, 0x01, 0x82, 0x00];
    // Two PDVs, the second with a transfer-syntax name, in one TD.
    let mut frame = Vec::new();
    let mut out = [0u8; DATA_HEADER_MAX];
    let n = i.data_header(3, mms.len(), &mut out).unwrap();
    frame.extend_from_slice(&out[..n]);
    frame.extend_from_slice(&mms);
    let single = frame.clone();
    let two = {
        let mut w = Writer::new();
        let m = w.mark();
        copp::ppdu::Pdv {
            transfer_syntax: Some(copp::BER),
            context_id: 1,
            value: PdvValue::SingleAsn1Type(&[0x05, 0x00]),
        }
        .encode(&mut w);
        w.raw(&single[2..]); // the PDV-list of `single`
        w.wrap(m, copp::ber::Tag::application(1, true));
        w.into_vec()
    };

    let before = ALLOCS.load(Ordering::SeqCst);
    let mut seen = 0usize;
    for b in [&single[..], &two[..]] {
        let f = r.handle_data(b).unwrap();
        for pdv in f.pdvs() {
            let pdv = pdv.unwrap();
            if let PdvValue::SingleAsn1Type(v) = pdv.value {
                seen += v.len();
            }
        }
        assert!(f.single_pdv().is_some() || b.len() == two.len());
    }
    let n2 = i.data_header(3, 1000, &mut out).unwrap();
    let after = ALLOCS.load(Ordering::SeqCst);
    assert_eq!(after - before, 0, "allocations on the data path");
    assert_eq!(seen, mms.len() * 2 + 2);
    assert!(n2 > 0);
}
