//! What the XML encoding of the XMPP environment (X.693 XER, `mms::xer`) costs against BER, on
//! the Read response of 50 IEC 61850-style structures (floats, integers, bit-string quality,
//! UTC time stamps, strings) that `read_pdu` also uses: encode and decode with each, in one run.
//!
//! Run: `cargo bench -p mms --bench xer`. Criterion prints the time per PDU; the sizes of both
//! encodings are printed once at the start.
//!
//! * `encode/ber` writes the decoded PDU out again (its nested structures are borrowed views,
//!   copied as received); `encode/xer` writes the XER document of the same PDU (the XER writer
//!   works from the BER form, so this includes that encoding).
//! * `decode/ber` builds an `MmsPdu` from the octets; `decode/xer` reads the XER document into
//!   the same `MmsPdu` (through its BER form, which is how `mms::xer::decode_pdu` works, every
//!   limit of `XerLimits::default()` enforced).
#![allow(missing_docs)] // criterion_group! generates an undocumented function

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use mms::pdu::MmsPdu;
use mms::xer::{decode_pdu, encode_pdu, XerLimits};

#[path = "../src/vecfile.rs"]
mod vecfile;

/// The Read response fixture of `mms/vectors/bench.vec`.
fn response() -> Vec<u8> {
    vecfile::parse(include_str!("../vectors/bench.vec"))
        .into_iter()
        .find(|v| v.name == "bench-read-response-50")
        .expect("bench.vec has the Read response fixture")
        .pdu
}

fn xer_vs_ber(c: &mut Criterion) {
    let ber = response();
    let pdu = MmsPdu::decode(&ber).expect("decode");
    let xml = encode_pdu(&pdu).expect("xer encode");
    let limits = XerLimits::default();
    let mut back = Vec::new();
    let again = decode_pdu(&xml, &limits, &mut back).expect("xer decode");
    assert_eq!(again.to_vec(), ber, "XER gives back the same PDU");
    println!(
        "Read response of 50 structures: BER {} octets, XER {} octets ({:.1}x)",
        ber.len(),
        xml.len(),
        xml.len() as f64 / ber.len() as f64
    );

    let mut g = c.benchmark_group("read_response_50");
    g.bench_function("encode/ber", |b| b.iter(|| black_box(&pdu).to_vec()));
    g.bench_function("encode/xer", |b| {
        b.iter(|| encode_pdu(black_box(&pdu)).expect("xer encode"))
    });
    g.bench_function("decode/ber", |b| {
        b.iter(|| MmsPdu::decode(black_box(&ber)).expect("decode").invoke_id())
    });
    g.bench_function("decode/xer", |b| {
        let mut buf = Vec::new();
        b.iter(|| {
            decode_pdu(black_box(&xml), &limits, &mut buf)
                .expect("xer decode")
                .invoke_id()
        })
    });
    g.finish();
}

criterion_group!(benches, xer_vs_ber);
criterion_main!(benches);
