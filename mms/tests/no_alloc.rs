//! Decoding a Read response allocates once, for its top-level list of access results; nested
//! structures and arrays are borrowed views validated in place, and walking every value in them
//! allocates nothing. The same holds for the Read request's list of variables.
//!
//! This needs a counting global allocator, hence `unsafe impl` (test code only; every library
//! root forbids unsafe code).
#![allow(unsafe_code)]
#![allow(clippy::unwrap_used)]

use mms::pdu::{ConfirmedServiceRequest, ConfirmedServiceResponse, MmsPdu};
use mms::{AccessResult, Data};

#[path = "../src/vecfile.rs"]
mod vecfile;

#[path = "support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::allocations;

fn fixture(name: &str) -> Vec<u8> {
    let text = include_str!("../vectors/bench.vec");
    vecfile::parse(text)
        .into_iter()
        .find(|v| v.name == name)
        .unwrap()
        .pdu
}

/// Visits every value, descending into structures and arrays; returns how many it saw.
fn walk(d: &Data<'_>) -> usize {
    match d {
        Data::Array(l) | Data::Structure(l) => 1 + l.iter().map(|e| walk(&e)).sum::<usize>(),
        _ => 1,
    }
}

#[test]
fn read_response_decode_allocates_once() {
    let bytes = fixture("bench-read-response-50");
    let before = allocations();
    let pdu = MmsPdu::decode(&bytes).unwrap();
    let after_decode = allocations();
    let MmsPdu::ConfirmedResponse(p) = &pdu else {
        panic!("not a response")
    };
    let ConfirmedServiceResponse::Read(r) = &p.service else {
        panic!("not read")
    };
    let mut values = 0;
    for res in &r.list_of_access_result {
        if let AccessResult::Success(d) = res {
            values += walk(d);
        }
    }
    let after_walk = allocations();
    assert_eq!(r.list_of_access_result.len(), 50);
    assert!(values > 200, "walked only {values} values");
    assert_eq!(after_decode - before, 1, "decode allocations");
    assert_eq!(after_walk - after_decode, 0, "walking allocations");
}

#[test]
fn read_request_decode_allocates_once() {
    let bytes = fixture("bench-read-request-50");
    let before = allocations();
    let pdu = MmsPdu::decode(&bytes).unwrap();
    let n = allocations() - before;
    let MmsPdu::ConfirmedRequest(p) = &pdu else {
        panic!("not a request")
    };
    let ConfirmedServiceRequest::Read(r) = &p.service else {
        panic!("not read")
    };
    assert_eq!(r.variable_access_specification.variable_count(), Some(50));
    assert_eq!(n, 1, "decode allocations");
}
