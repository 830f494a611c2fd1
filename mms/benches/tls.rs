//! T-profile benchmark (IEC 62351-3 over OpenSSL): TLS handshakes per second, full against
//! resumed (in-memory session pairs, EC P-256 certificates, TLS 1.2 and TLS 1.3), and the read
//! throughput of one MMS association over TLS against plain TCP, side by side in the same run
//! (loopback server with the demo model, one outstanding read of one float).

#![allow(missing_docs)] // criterion_group! generates an undocumented function

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};

use cot::pki::{Credential, KeyKind, LeafSpec, Pki};
use cot::security_event::SecurityEvents;
use cot::tls::{TlsClient, TlsConfig, TlsServer, TlsSession, TlsVersion};
use mms::client::{Client, ClientConfig};
use mms::server::model::demo;
use mms::server::{Server, ServerConfig};
use mms::ObjectName;

fn config(cred: &Credential, pki: &Pki, max: TlsVersion) -> TlsConfig {
    TlsConfig::new()
        .with_identity(vec![cred.certificate.clone()], cred.key.clone())
        .with_trust_anchor(pki.ca().certificate.clone())
        .with_versions(TlsVersion::Tls1_2, max)
}

fn pump(c: &mut TlsSession, s: &mut TlsSession) {
    for _ in 0..32 {
        let x = c.take_tls();
        let y = s.take_tls();
        if x.is_empty() && y.is_empty() {
            return;
        }
        if !x.is_empty() {
            s.feed_tls(&x).expect("server");
        }
        if !y.is_empty() {
            c.feed_tls(&y).expect("client");
        }
    }
}

fn handshakes(cr: &mut Criterion) {
    let pki = Pki::new_root("bench CA", KeyKind::EcP256).expect("ca");
    let sc = pki
        .issue(&LeafSpec::new("server").with_key(KeyKind::EcP256))
        .expect("s");
    let cc = pki
        .issue(&LeafSpec::new("client").with_key(KeyKind::EcP256))
        .expect("c");
    let mut g = cr.benchmark_group("tls_handshake");
    for max in [TlsVersion::Tls1_2, TlsVersion::Tls1_3] {
        let ev = Arc::new(SecurityEvents::new());
        let server = TlsServer::new(&config(&sc, &pki, max), ev.clone()).expect("server");
        let client = TlsClient::new(&config(&cc, &pki, max), ev).expect("client");
        g.bench_function(format!("full {max}"), |b| {
            b.iter(|| {
                let mut c = client.session(None, None).expect("c");
                let mut s = server.session().expect("s");
                pump(&mut c, &mut s);
                assert!(c.is_established() && !c.session_reused());
            })
        });
        // Prime the cache (TLS 1.3: the ticket arrives with the server's first data).
        let mut c = client.session(None, Some("bench")).expect("c");
        let mut s = server.session().expect("s");
        pump(&mut c, &mut s);
        s.write_plain(b"x").expect("w");
        pump(&mut c, &mut s);
        c.close_notify();
        g.bench_function(format!("resumed {max}"), |b| {
            b.iter(|| {
                let mut c = client.session(None, Some("bench")).expect("c");
                let mut s = server.session().expect("s");
                pump(&mut c, &mut s);
                assert!(c.session_reused());
                s.write_plain(b"x").expect("w");
                pump(&mut c, &mut s);
                // An orderly close keeps the session resumable (RFC 5246 §7.2.1).
                c.close_notify();
            })
        });
    }
    g.finish();
}

fn reads(cr: &mut Criterion) {
    let pki = Pki::new_root("bench CA", KeyKind::EcP256).expect("ca");
    let sc = pki
        .issue(&LeafSpec::new("server").with_key(KeyKind::EcP256))
        .expect("s");
    let cc = pki
        .issue(&LeafSpec::new("client").with_key(KeyKind::EcP256))
        .expect("c");
    let ev = Arc::new(SecurityEvents::new());
    let loopback = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let server_config = ServerConfig::default()
        .with_listen(vec![loopback])
        .with_tls_listen(vec![loopback])
        .with_tls_server(Some(Arc::new(
            TlsServer::new(&config(&sc, &pki, TlsVersion::Tls1_3), ev.clone()).expect("server"),
        )))
        .with_events(ev.clone());
    let model = Arc::new(demo::model(None).expect("model"));
    let server = Server::bind(server_config, model)
        .expect("bind")
        .spawn()
        .expect("spawn");
    let addrs = server.handle().local_addrs().to_vec();
    let plain = Client::connect(addrs[0], ClientConfig::default()).expect("plain client");
    let tls = Client::connect(
        addrs[1],
        ClientConfig::default().with_tls_client(Some(Arc::new(
            TlsClient::new(&config(&cc, &pki, TlsVersion::Tls1_3), ev).expect("client"),
        ))),
    )
    .expect("TLS client");
    let name = ObjectName::domain(demo::DOMAIN.to_string(), "GGIO1$MX$AnIn1$mag$f".to_string());
    let mut g = cr.benchmark_group("read_one_float");
    g.bench_function("plain TCP", |b| {
        b.iter(|| plain.read_one(&name).expect("read"))
    });
    g.bench_function("TLS 1.3", |b| b.iter(|| tls.read_one(&name).expect("read")));
    g.finish();
    let _ = plain.conclude();
    let _ = tls.conclude();
    let _ = server.stop();
}

criterion_group!(benches, handshakes, reads);
criterion_main!(benches);
