//! Proves that after warm-up, `feed` + `poll_event` of DT TPDUs (ISO 8073 §13.7)
//! makes zero heap allocations: single-DT TSDUs borrow from the receive buffer
//! and segmented TSDUs reuse the reassembly buffer.
//!
//! The only unsafe code of the crate lives here: `GlobalAlloc` is an unsafe trait.
#![allow(unsafe_code)]

use cot::{Config, Connection, Event};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

fn note() {
    if COUNTING.with(Cell::get) {
        ALLOCS.fetch_add(1, Ordering::SeqCst);
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged,
// so `System`'s guarantees carry over; counting touches only an atomic.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn pump(from: &mut Connection, to: &mut Connection) {
    let bytes = from.transmit().to_vec();
    from.advance_transmit(bytes.len());
    to.feed(&bytes).expect("feed");
}

/// Feeds `frames` and polls until `Ok(None)`; returns total octets of Data events.
fn feed_and_poll(r: &mut Connection, frames: &[u8]) -> usize {
    r.feed(frames).expect("feed");
    let mut got = 0;
    while let Some(ev) = r.poll_event().expect("poll") {
        match ev {
            Event::Data(d) => got += d.len(),
            _ => panic!("unexpected event"),
        }
    }
    got
}

#[test]
fn data_path_makes_no_allocations_after_warm_up() {
    let cfg = {
        let mut cfg = Config::default();
        cfg.max_tpdu_size = 1024;
        cfg
    };
    let mut i = Connection::connect(cfg.clone());
    let mut r = Connection::accept(cfg);
    pump(&mut i, &mut r);
    assert!(matches!(r.poll_event(), Ok(Some(Event::Connected(_)))));
    pump(&mut r, &mut i);
    assert!(matches!(i.poll_event(), Ok(Some(Event::Connected(_)))));

    // Frames prepared before counting: one single-DT TSDU, one 3-DT TSDU.
    i.send_data(&[&[0x11u8; 500]]).expect("send");
    let single = i.transmit().to_vec();
    i.advance_transmit(single.len());
    i.send_data(&[&[0x22u8; 3000]]).expect("send");
    let segmented = i.transmit().to_vec();
    i.advance_transmit(segmented.len());

    // Warm-up: grows the reassembly buffer once.
    assert_eq!(feed_and_poll(&mut r, &segmented), 3000);
    assert_eq!(feed_and_poll(&mut r, &single), 500);

    COUNTING.with(|c| c.set(true));
    let mut total = 0;
    for _ in 0..50 {
        total += feed_and_poll(&mut r, &single);
        total += feed_and_poll(&mut r, &segmented);
    }
    // Zero-copy read path too.
    let buf = r.recv_buffer();
    buf[..single.len()].copy_from_slice(&single);
    r.recv_commit(single.len());
    while let Some(ev) = r.poll_event().expect("poll") {
        if let Event::Data(d) = ev {
            total += d.len();
        }
    }
    COUNTING.with(|c| c.set(false));

    assert_eq!(total, 50 * 3500 + 500);
    assert_eq!(
        ALLOCS.load(Ordering::SeqCst),
        0,
        "allocations on the data path"
    );
}
