//! Per-PDU overhead of each E2E mode against plain MMS P-DATA (100 B, 1 KiB, 16 KiB), and the
//! handshake cost, in the same run (issue 7 "Done when"). In-memory associations, no sockets.
#![allow(clippy::unwrap_used, missing_docs)]

use std::sync::Arc;

use acse::association::{Association, AssociationConfig};
use acse::loopback::{deliver, drain, shuttle, Seen};
use acse::security::{AssociationSecurity, Role, SecurityEvents, TransportSecurity};
use cot::pki::{KeyKind, LeafSpec, Pki};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use e2e_sec::config::{AeadAlgorithm, CbcAlgorithm};
use e2e_sec::{E2eConfig, E2eCredential, E2eFactory, E2eMode, IcvAlgorithm};

fn factories(mode: E2eMode) -> (E2eFactory, E2eFactory) {
    let root = Pki::new_root("bench root", KeyKind::EcP256).unwrap();
    let mk = |cn: &str| {
        let mut s = LeafSpec::new(cn)
            .with_key(KeyKind::EcP256)
            .with_object_identifier("1.1.1.999.12");
        s.object_identifier_utf8 = true;
        let c = root.issue(&s).unwrap();
        let cfg = E2eConfig::new(
            E2eCredential {
                certificate: c.certificate,
                key: c.key,
                chain: c.chain,
            },
            vec![root.ca().certificate.clone()],
        )
        .with_mode(mode);
        E2eFactory::new(cfg, Arc::new(SecurityEvents::new())).unwrap()
    };
    (mk("client"), mk("server"))
}

fn pair(f: Option<&(E2eFactory, E2eFactory)>) -> (Association, Association) {
    let p = |f: &E2eFactory, r| -> Box<dyn AssociationSecurity> {
        Box::new(f.e2e_provider(r, &TransportSecurity::plain()))
    };
    let mut c = Association::connect(
        AssociationConfig::default(),
        &[0xA8, 0x00],
        f.map(|f| p(&f.0, Role::Initiator)),
    );
    let mut s = Association::accept_incoming(
        AssociationConfig::default(),
        f.map(|f| p(&f.1, Role::Responder)),
    );
    for _ in 0..6 {
        shuttle(&mut c, &mut s).unwrap();
        for ev in drain(&mut s).unwrap() {
            if let Seen::AssociateIndication(_) = ev {
                s.accept(&[0xA9, 0x00]).unwrap();
            }
        }
        shuttle(&mut s, &mut c).unwrap();
        if drain(&mut c)
            .unwrap()
            .iter()
            .any(|e| matches!(e, Seen::Associated(_)))
        {
            return (c, s);
        }
    }
    panic!("no association")
}

fn modes() -> Vec<(&'static str, Option<E2eMode>)> {
    vec![
        ("plain", None),
        ("hmac", Some(E2eMode::IcvOnly(IcvAlgorithm::HmacSha256))),
        ("gmac", Some(E2eMode::IcvOnly(IcvAlgorithm::Aes128Gmac))),
        ("aes128-gcm", Some(E2eMode::Aead(AeadAlgorithm::Aes128Gcm))),
        (
            "aes128-cbc+hmac",
            Some(E2eMode::CbcIcv(
                CbcAlgorithm::Aes128Cbc,
                IcvAlgorithm::HmacSha256,
            )),
        ),
    ]
}

fn pdu(n: usize) -> Vec<u8> {
    // A confirmed-RequestPDU-shaped value of n octets: A0 82 hi lo <n-4 octets>.
    let body = n - 4;
    let mut v = vec![0xA0, 0x82, (body >> 8) as u8, body as u8];
    v.resize(n, 0x55);
    v
}

fn per_pdu(c: &mut Criterion) {
    let mut g = c.benchmark_group("e2e_per_pdu_send_and_receive");
    for (name, mode) in modes() {
        let f = mode.map(factories);
        let (mut cl, mut sv) = pair(f.as_ref());
        for size in [100usize, 1024, 16 * 1024] {
            let data = pdu(size);
            g.bench_with_input(BenchmarkId::new(name, size), &data, |b, d| {
                b.iter(|| {
                    cl.send_data(d).unwrap();
                    let got = deliver(&mut cl, &mut sv).unwrap();
                    assert_eq!(got.len(), 1);
                })
            });
        }
    }
    g.finish();
}

fn handshake(c: &mut Criterion) {
    let mut g = c.benchmark_group("e2e_handshake");
    g.sample_size(20);
    for (name, mode) in modes() {
        let f = mode.map(factories);
        g.bench_function(name, |b| b.iter(|| pair(f.as_ref())));
    }
    g.finish();
}

criterion_group!(benches, per_pdu, handshake);
criterion_main!(benches);
