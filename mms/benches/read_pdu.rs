//! Read request for 50 domain-specific variables and its response with mixed structures
//! (floats, integers, bit-string quality, UTC timestamps, strings): decode and encode with this
//! crate and, in the same run on the same bytes, with the `iec61850-mms` crate from crates.io.
//!
//! Run: `cargo bench -p mms --bench read_pdu`. Criterion prints the time per PDU for each pair.
//!
//! * `decode/osi-mms` builds an `MmsPdu` (every value validated, nested structures borrowed);
//!   `decode+walk/osi-mms` also visits every value, as a user of the borrowed views would;
//!   the peer's decode builds its owned tree.
//! * `encode/osi-mms` encodes a fully owned PDU (every structure an owned list, so nothing is
//!   copied through from received octets), as the peer encodes its own owned model.
#![allow(missing_docs)] // criterion_group! generates an undocumented function

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use mms::pdu::{ConfirmedServiceResponse, MmsPdu};
use mms::{AccessResult, Data, DataList};

mod peer_iec61850;
use peer_iec61850 as peer;

/// A copy of `d` whose structures and arrays are owned lists all the way down.
fn owned(d: &Data<'_>) -> Data<'static> {
    match d {
        Data::Array(l) => Data::Array(DataList::Owned(l.iter().map(|e| owned(&e)).collect())),
        Data::Structure(l) => {
            Data::Structure(DataList::Owned(l.iter().map(|e| owned(&e)).collect()))
        }
        other => other.clone().into_owned(),
    }
}

fn walk(d: &Data<'_>) -> usize {
    match d {
        Data::Array(l) | Data::Structure(l) => 1 + l.iter().map(|e| walk(&e)).sum::<usize>(),
        _ => 1,
    }
}

fn walk_pdu(p: &MmsPdu<'_>) -> usize {
    match p {
        MmsPdu::ConfirmedResponse(r) => match &r.service {
            ConfirmedServiceResponse::Read(r) => r
                .list_of_access_result
                .iter()
                .map(|a| match a {
                    AccessResult::Success(d) => walk(d),
                    AccessResult::Failure(_) => 1,
                })
                .sum(),
            _ => 0,
        },
        _ => 0,
    }
}

fn owned_pdu<'a>(p: &MmsPdu<'a>) -> MmsPdu<'a> {
    let MmsPdu::ConfirmedResponse(r) = p else {
        panic!("fixture is a response")
    };
    let ConfirmedServiceResponse::Read(read) = &r.service else {
        panic!("fixture is a read")
    };
    let mut read = read.clone();
    for a in &mut read.list_of_access_result {
        if let AccessResult::Success(d) = a {
            *d = owned(d);
        }
    }
    MmsPdu::response(r.invoke_id, read)
}

fn read_pdus(c: &mut Criterion) {
    let (req, resp) = peer::fixtures();

    let mut g = c.benchmark_group("read_request_50");
    g.bench_function("decode/osi-mms", |b| {
        b.iter(|| MmsPdu::decode(black_box(&req)).expect("decode"))
    });
    g.bench_function("decode/iec61850-mms", |b| {
        b.iter(|| peer::decode_request(black_box(&req)))
    });
    let ours = MmsPdu::decode(&req).expect("decode");
    assert_eq!(
        ours.to_vec(),
        req,
        "our encoding of the request is the fixture"
    );
    g.bench_function("encode/osi-mms", |b| b.iter(|| black_box(&ours).to_vec()));
    let theirs = peer::decode_request(&req);
    g.bench_function("encode/iec61850-mms", |b| {
        b.iter(|| peer::encode_request(black_box(&theirs)))
    });
    g.finish();

    let mut g = c.benchmark_group("read_response_50");
    g.bench_function("decode/osi-mms", |b| {
        b.iter(|| MmsPdu::decode(black_box(&resp)).expect("decode"))
    });
    g.bench_function("decode+walk/osi-mms", |b| {
        b.iter(|| walk_pdu(&MmsPdu::decode(black_box(&resp)).expect("decode")))
    });
    g.bench_function("decode/iec61850-mms", |b| {
        b.iter(|| peer::decode_response(black_box(&resp)))
    });
    let ours = owned_pdu(&MmsPdu::decode(&resp).expect("decode"));
    assert_eq!(
        ours.to_vec(),
        resp,
        "our encoding of the response is the fixture"
    );
    g.bench_function("encode/osi-mms", |b| b.iter(|| black_box(&ours).to_vec()));
    let theirs = peer::decode_response(&resp);
    g.bench_function("encode/iec61850-mms", |b| {
        b.iter(|| peer::encode_response(black_box(&theirs)))
    });
    g.finish();
}

criterion_group!(benches, read_pdus);
criterion_main!(benches);
