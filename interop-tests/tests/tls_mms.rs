//! T-profile over real sockets: our TLS client ↔ our TLS server (IEC 62351-3, IEC 62351-4 §6),
//! a full MMS session, every refusal with its security-event code, resumption, plain and TLS
//! listeners side by side, and a long association across renegotiations (TLS 1.2) and key
//! updates (TLS 1.3) with no lost or reordered answers. Certificates are generated at test time.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use cot::pki::{Credential, KeyKind, KeyUsageBits, LeafSpec, Pki};
use cot::security_event::SecurityEvents;
use cot::tls::{events, PinnedPeer, TlsClient, TlsConfig, TlsServer, TlsVersion};
use mms::client::{Client, ClientConfig};
use mms::data::{Data, FloatingPoint};
use mms::server::model::demo;
use mms::server::{RunningServer, Server, ServerConfig};
use mms::services::variables::{ReadRequest, WriteRequest};
use mms::{AccessResult, ConfirmedServiceRequest, ConfirmedServiceResponse, ObjectName};
use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode, SslVersion};

struct Pkis {
    pki: Pki,
    server: Credential,
    client: Credential,
}

fn pkis() -> Pkis {
    let pki = Pki::new_root("tls_mms CA", KeyKind::EcP256).expect("ca");
    let server = pki
        .issue(&LeafSpec::new("server").with_key(KeyKind::EcP256))
        .expect("server");
    let client = pki
        .issue(&LeafSpec::new("client").with_key(KeyKind::EcP256))
        .expect("client");
    Pkis {
        pki,
        server,
        client,
    }
}

fn config(cred: &Credential, pki: &Pki) -> TlsConfig {
    let mut chain = vec![cred.certificate.clone()];
    chain.extend(cred.chain.iter().cloned());
    TlsConfig::new()
        .with_identity(chain, cred.key.clone())
        .with_trust_anchor(pki.ca().certificate.clone())
}

fn localhost() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// A demo-model server with a TLS listener (and a plain one when `plain`).
fn tls_server(tls: &TlsConfig, plain: bool) -> (RunningServer, Arc<SecurityEvents>) {
    let events = Arc::new(SecurityEvents::new());
    let t = TlsServer::new(tls, events.clone()).expect("TLS server context");
    let model = Arc::new(demo::model(None).expect("demo model"));
    let config = ServerConfig::default()
        .with_listen(if plain { vec![localhost()] } else { Vec::new() })
        .with_tls_listen(vec![localhost()])
        .with_tls_server(Some(Arc::new(t)))
        .with_events(events.clone());
    let server = Server::bind(config, model)
        .expect("bind")
        .spawn()
        .expect("spawn");
    (server, events)
}

fn tls_addr(server: &RunningServer) -> SocketAddr {
    *server
        .handle()
        .local_addrs()
        .last()
        .expect("TLS listener address")
}

fn client_config(tls: &TlsConfig) -> (ClientConfig, Arc<TlsClient>, Arc<SecurityEvents>) {
    let events = Arc::new(SecurityEvents::new());
    let t = Arc::new(TlsClient::new(tls, events.clone()).expect("TLS client context"));
    let config = ClientConfig::default()
        .with_tls_client(Some(t.clone()))
        .with_tls_server_name(Some("localhost".into()))
        .with_events(events.clone());
    (config, t, events)
}

fn set_point() -> ObjectName<'static> {
    ObjectName::domain(
        demo::DOMAIN.to_string(),
        "GGIO1$SP$AnSet1$setMag$f".to_string(),
    )
}

fn float(v: f32) -> Data<'static> {
    Data::FloatingPoint(FloatingPoint::from_f32(v))
}

/// Waits (bounded) until `events` counted `code` at least `n` times.
fn wait_event(events: &SecurityEvents, code: &str, n: u64) -> u64 {
    let t0 = Instant::now();
    while events.count(code) < n && t0.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    events.count(code)
}

fn full_session(max: TlsVersion) {
    let p = pkis();
    let (server, sev) = tls_server(&config(&p.server, &p.pki), false);
    let ccfg = config(&p.client, &p.pki).with_versions(TlsVersion::Tls1_2, max);
    let (cc, _t, _cev) = client_config(&ccfg);
    let client = Client::connect(tls_addr(&server), cc).expect("associate over TLS");
    let info = client.tls_info().expect("TLS info").clone();
    assert_eq!(info.version, Some(max));
    assert_eq!(
        info.peer_certificate.as_deref(),
        Some(&p.server.cert_der().expect("der")[..])
    );
    let id = client.identify().expect("identify");
    assert!(!id.vendor.is_empty());
    let domains = client.browse().expect("browse");
    assert!(domains.iter().any(|d| d.name == demo::DOMAIN));
    client.write(&set_point(), float(12.5)).expect("write");
    assert_eq!(client.read_one(&set_point()).expect("read"), float(12.5));
    client.conclude().expect("conclude");
    let stats = server.handle().stats();
    assert_eq!(stats.tls_handshakes, 1);
    assert_eq!(stats.associated, 1);
    assert_eq!(stats.tls_failures, 0);
    // The server saw the client's certificate; nothing went wrong.
    assert_eq!(sev.count(events::HANDSHAKE_FAILED), 0);
    server.stop().expect("stop");
}

#[test]
fn full_mms_session_over_tls12() {
    full_session(TlsVersion::Tls1_2);
}

#[test]
fn full_mms_session_over_tls13() {
    full_session(TlsVersion::Tls1_3);
}

#[test]
fn resumption_and_plain_listener_side_by_side() {
    let p = pkis();
    let (server, sev) = tls_server(&config(&p.server, &p.pki), true);
    let addrs = server.handle().local_addrs().to_vec();
    let (plain, tls) = (addrs[0], addrs[1]);
    let (cc, _t, _) = client_config(&config(&p.client, &p.pki));
    let first = Client::connect(tls, cc.clone()).expect("first");
    // TLS 1.3 tickets arrive after the handshake: one exchange lets the client keep one.
    first.identify().expect("identify");
    assert!(!first.tls_info().expect("info").resumed);
    first.conclude().expect("conclude");
    let second = Client::connect(tls, cc).expect("second");
    assert!(
        second.tls_info().expect("info").resumed,
        "second connection resumed"
    );
    second.identify().expect("identify");
    second.conclude().expect("conclude");
    // The plain port serves RFC 1006 without TLS.
    let clear = Client::connect(plain, ClientConfig::default()).expect("plain");
    assert!(clear.tls_info().is_none());
    clear.identify().expect("identify");
    clear.conclude().expect("conclude");
    // A plain client on the TLS port is refused with an event.
    assert!(Client::connect(
        tls,
        ClientConfig::default().with_connect_timeout(Duration::from_secs(3))
    )
    .is_err());
    let _ = wait_event(&sev, events::HANDSHAKE_FAILED, 1);
    assert!(
        sev.count(events::HANDSHAKE_FAILED) >= 1,
        "{:?}",
        sev.snapshot()
    );
    server.stop().expect("stop");
}

/// Connects with a raw OpenSSL client (for credentials our own configuration refuses to use);
/// returns whether the server let an RFC 1006 exchange through.
fn raw_client(addr: SocketAddr, cred: Option<&Credential>, pki: &Pki, max: SslVersion) -> bool {
    let mut b = SslConnector::builder(SslMethod::tls()).expect("connector");
    b.set_security_level(0);
    b.set_max_proto_version(Some(max)).expect("max");
    b.set_verify(SslVerifyMode::NONE);
    b.cert_store_mut()
        .add_cert(pki.ca().certificate.clone())
        .expect("anchor");
    if let Some(c) = cred {
        b.set_certificate(&c.certificate).expect("cert");
        b.set_private_key(&c.key).expect("key");
    }
    let tcp = TcpStream::connect(addr).expect("tcp");
    tcp.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let Ok(mut s) = b
        .build()
        .configure()
        .expect("configure")
        .verify_hostname(false)
        .connect("localhost", tcp)
    else {
        return false;
    };
    // COTP CR in a TPKT (RFC 1006), as our own client sends it (checked by tshark in
    // association_tshark.rs); with TLS 1.3 the refusal arrives as an alert on this read.
    let cr = [
        0x03, 0x00, 0x00, 0x16, 0x11, 0xe0, 0x00, 0x00, 0x00, 0x01, 0x00, 0xc0, 0x01, 0x0b, 0xc2,
        0x02, 0x00, 0x01, 0xc1, 0x02, 0x00, 0x01,
    ];
    if s.write_all(&cr).is_err() {
        return false;
    }
    let mut buf = [0u8; 64];
    matches!(s.read(&mut buf), Ok(n) if n > 0)
}

fn refused(server_tls: &TlsConfig, p: &Pkis, cred: Option<&Credential>, code: &str) {
    for max in [SslVersion::TLS1_2, SslVersion::TLS1_3] {
        let (server, sev) = tls_server(server_tls, false);
        assert!(
            !raw_client(tls_addr(&server), cred, &p.pki, max),
            "{code}: the server let the client through"
        );
        assert_eq!(wait_event(&sev, code, 1), 1, "{code} over {max:?}");
        assert_eq!(server.handle().stats().associated, 0);
        assert!(server.handle().stats().tls_failures >= 1);
        server.stop().expect("stop");
    }
}

#[test]
fn raw_client_passes_when_everything_is_right() {
    // The raw client of the refusal tests does get through with a good certificate.
    let p = pkis();
    let (server, _) = tls_server(&config(&p.server, &p.pki), false);
    assert!(raw_client(
        tls_addr(&server),
        Some(&p.client),
        &p.pki,
        SslVersion::TLS1_3
    ));
    server.stop().expect("stop");
}

#[test]
fn refuses_client_without_certificate() {
    let p = pkis();
    refused(&config(&p.server, &p.pki), &p, None, events::CERT_REQUIRED);
}

#[test]
fn refuses_untrusted_expired_revoked_weak_large_badku_unpinned() {
    let p = pkis();
    let scfg = config(&p.server, &p.pki);
    let other = Pki::new_root("stranger CA", KeyKind::EcP256).expect("ca");
    let stranger = other
        .issue(&LeafSpec::new("stranger").with_key(KeyKind::EcP256))
        .expect("leaf");
    refused(&scfg, &p, Some(&stranger), events::CERT_UNTRUSTED);

    let now = SystemTime::now();
    let expired = p
        .pki
        .issue(
            &LeafSpec::new("expired")
                .with_key(KeyKind::EcP256)
                .with_validity(
                    now - Duration::from_secs(30 * 86_400),
                    now - Duration::from_secs(86_400),
                ),
        )
        .expect("leaf");
    refused(&scfg, &p, Some(&expired), events::CERT_EXPIRED);

    let crl = p
        .pki
        .crl(&[&p.client.certificate], now + Duration::from_secs(3600))
        .expect("crl");
    let with_crl = config(&p.server, &p.pki).with_crl(crl);
    refused(&with_crl, &p, Some(&p.client), events::CERT_REVOKED);

    let weak = p
        .pki
        .issue(&LeafSpec::new("weak").with_key(KeyKind::Rsa(1024)))
        .expect("leaf");
    refused(&scfg, &p, Some(&weak), events::WEAK_KEY);

    let large = p
        .pki
        .issue(
            &LeafSpec::new("large")
                .with_key(KeyKind::EcP256)
                .with_padding(9000),
        )
        .expect("leaf");
    refused(&scfg, &p, Some(&large), events::CERT_TOO_LARGE);

    let ku = KeyUsageBits {
        digital_signature: false,
        ..KeyUsageBits::end_entity()
    };
    let badku = p
        .pki
        .issue(
            &LeafSpec::new("badku")
                .with_key(KeyKind::EcP256)
                .with_key_usage(ku),
        )
        .expect("leaf");
    refused(&scfg, &p, Some(&badku), events::BAD_KEY_USAGE);

    let pinned = config(&p.server, &p.pki)
        .with_pinned_peer(PinnedPeer::Certificate(stranger.cert_der().expect("der")));
    refused(&pinned, &p, Some(&p.client), events::PIN_MISMATCH);
}

#[test]
fn our_client_refuses_untrusted_server() {
    let p = pkis();
    let other = Pki::new_root("rogue CA", KeyKind::EcP256).expect("ca");
    let rogue = other
        .issue(&LeafSpec::new("rogue").with_key(KeyKind::EcP256))
        .expect("leaf");
    // The rogue server trusts our client's CA, so only our client can refuse.
    let (server, _) = tls_server(&config(&rogue, &p.pki), false);
    let (cc, _, cev) = client_config(&config(&p.client, &p.pki));
    assert!(Client::connect(tls_addr(&server), cc).is_err());
    assert_eq!(cev.count(events::CERT_UNTRUSTED), 1);
    server.stop().expect("stop");
}

/// A long association: the server renegotiates (TLS 1.2) or updates keys (TLS 1.3) every two
/// seconds while the client streams write+read pairs; every answer arrives, in order.
fn long_association(max: TlsVersion, code: &str) {
    let p = pkis();
    let mut scfg = config(&p.server, &p.pki);
    scfg.resumption_lifetime = Duration::from_secs(1);
    scfg.renegotiation_period = Duration::from_secs(2);
    let (server, sev) = tls_server(&scfg, false);
    let ccfg = config(&p.client, &p.pki).with_versions(TlsVersion::Tls1_2, max);
    let (cc, _, _) = client_config(&ccfg);
    let client = Client::connect(tls_addr(&server), cc).expect("associate");
    let name = set_point();
    let mut i = 0u32;
    let t0 = Instant::now();
    while sev.count(code) < 3 && t0.elapsed() < Duration::from_secs(30) {
        // Pipelined: several writes and reads in flight at once.
        let mut pending = Vec::new();
        for _ in 0..4 {
            i += 1;
            let v = i as f32;
            let w = ConfirmedServiceRequest::Write(WriteRequest::single(name.clone(), float(v)));
            let r = ConfirmedServiceRequest::Read(ReadRequest::names([name.clone()]));
            pending.push((
                v,
                client.send(&w).expect("send write"),
                client.send(&r).expect("send read"),
            ));
        }
        for (v, w, r) in pending {
            w.wait().expect("write answered");
            let answer = r.wait().expect("read answered");
            match answer.response().expect("decode") {
                ConfirmedServiceResponse::Read(rr) => {
                    let got: Vec<_> = rr.list_of_access_result.into_iter().collect();
                    assert_eq!(
                        got,
                        vec![AccessResult::Success(float(v))],
                        "answer {v} out of order or lost"
                    );
                }
                other => panic!("not a read answer: {other:?}"),
            }
        }
    }
    assert!(sev.count(code) >= 2, "{code}: {}", sev.count(code));
    assert!(i > 8);
    client.conclude().expect("conclude");
    assert_eq!(server.handle().stats().tls_failures, 0);
    server.stop().expect("stop");
}

#[test]
fn long_association_across_tls12_renegotiations() {
    long_association(TlsVersion::Tls1_2, events::RENEGOTIATION);
}

#[test]
fn long_association_across_tls13_key_updates() {
    long_association(TlsVersion::Tls1_3, events::KEY_UPDATE);
}
