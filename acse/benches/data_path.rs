//! P-DATA through every layer (ACSE association → presentation → session → COTP → TPKT), encode
//! and decode, for user data of 64 B, 1 KiB and 60 KiB. Criterion prints the time per PDU.
//!
//! Run: `cargo bench -p acse --bench data_path`.
#![allow(missing_docs)] // criterion_group! generates an undocumented function

use acse::association::{AssociationConfig, Event};
use acse::loopback::associate;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn data_path(c: &mut Criterion) {
    let config = {
        let mut config = AssociationConfig::default();
        config.max_tpdu_size = 8192;
        config
    };
    let (mut client, mut server) =
        associate(config.clone(), config, &[0xA8, 0x00], &[0xA9, 0x00]).expect("association");
    let mut group = c.benchmark_group("p_data");
    for size in [64usize, 1024, 60 * 1024] {
        // An MMS-like PDU: a constructed value of `size` octets in total.
        let mut w = copp::ber::Writer::new();
        w.octets(copp::ber::Tag::OCTET_STRING, &vec![0x5A; size - 8]);
        w.wrap(0, copp::ber::Tag::context(0, true));
        let pdu = w.into_vec();
        let len = pdu.len();
        group.throughput(Throughput::Bytes(size as u64));

        group.bench_with_input(BenchmarkId::new("encode", size), &pdu, |b, pdu| {
            b.iter(|| {
                client.send_data(pdu).expect("send");
                let n = client.transmit().len();
                client.advance_transmit(n);
            })
        });

        client.send_data(&pdu).expect("send");
        let wire = client.transmit().to_vec();
        let n = wire.len();
        client.advance_transmit(n);
        group.bench_with_input(BenchmarkId::new("decode", size), &wire, |b, wire| {
            b.iter(|| {
                server.feed(wire).expect("feed");
                match server.poll_event().expect("poll") {
                    Some(Event::Data { data, .. }) => assert_eq!(data.len(), len),
                    other => panic!("unexpected {other:?}"),
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, data_path);
criterion_main!(benches);
