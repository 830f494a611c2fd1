//! In-memory tests of the T-profile: session pairs (ours ↔ ours, and ours ↔ a raw OpenSSL peer
//! the test configures to misbehave), every refusal with its event code, renegotiation, key
//! update, resumption and CRL reload. Certificates are generated at test time (`crate::pki`).

use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use openssl::ssl::{
    ErrorCode, SslContextBuilder, SslMethod, SslOptions, SslStream, SslVerifyMode, SslVersion,
};

use super::session::MemPipe;
use super::*;
use crate::pki::{Credential, KeyKind, KeyUsageBits, LeafSpec, Pki};
use crate::security_event::SecurityEvents;

struct Fixture {
    pki: Pki,
    server: Credential,
    client: Credential,
}

fn fixture() -> Fixture {
    let pki = Pki::new_root("T-profile test CA", KeyKind::EcP256).expect("ca");
    let server = pki
        .issue(&LeafSpec::new("server").with_key(KeyKind::EcP256))
        .expect("server");
    let client = pki
        .issue(&LeafSpec::new("client").with_key(KeyKind::EcP256))
        .expect("client");
    Fixture {
        pki,
        server,
        client,
    }
}

fn config(cred: &Credential, ca: &Pki) -> TlsConfig {
    let mut chain = vec![cred.certificate.clone()];
    chain.extend(cred.chain.iter().cloned());
    TlsConfig::new()
        .with_identity(chain, cred.key.clone())
        .with_trust_anchor(ca.ca().certificate.clone())
}

fn temp_dir() -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let d = std::env::temp_dir().join(format!(
        "cot-tls-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// Anything that speaks TLS records through memory.
trait Peer {
    fn take(&mut self) -> Vec<u8>;
    fn feed(&mut self, data: &[u8]) -> Result<(), String>;
}

impl Peer for TlsSession {
    fn take(&mut self) -> Vec<u8> {
        self.take_tls()
    }
    fn feed(&mut self, data: &[u8]) -> Result<(), String> {
        self.feed_tls(data).map_err(|e| e.code.to_string())
    }
}

/// A raw OpenSSL endpoint for peers our configuration would not build (no certificate, weak
/// key, refusing renegotiation...).
struct Raw {
    s: SslStream<MemPipe>,
    got: Vec<u8>,
    done: bool,
}

impl Raw {
    fn drive(&mut self) -> Result<(), String> {
        if !self.done {
            match self.s.do_handshake() {
                Ok(()) => self.done = true,
                Err(e) if matches!(e.code(), ErrorCode::WANT_READ | ErrorCode::WANT_WRITE) => {
                    return Ok(())
                }
                Err(e) => return Err(e.to_string()),
            }
        }
        let mut buf = [0u8; 4096];
        loop {
            match self.s.ssl_read(&mut buf) {
                Ok(n) => self.got.extend_from_slice(&buf[..n]),
                Err(e) if matches!(e.code(), ErrorCode::WANT_READ | ErrorCode::WANT_WRITE) => {
                    return Ok(())
                }
                Err(e) if e.code() == ErrorCode::ZERO_RETURN => return Ok(()),
                Err(e) => return Err(e.to_string()),
            }
        }
    }
}

impl Peer for Raw {
    fn take(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        // MemPipe is only reachable through Read/Write: read back what OpenSSL wrote.
        let p = self.s.get_mut();
        let _ = drain(p, &mut out);
        out
    }
    fn feed(&mut self, data: &[u8]) -> Result<(), String> {
        feed_pipe(self.s.get_mut(), data);
        self.drive()
    }
}

fn drain(p: &mut MemPipe, out: &mut Vec<u8>) -> std::io::Result<()> {
    out.extend_from_slice(pipe_out(p));
    let n = out.len();
    pipe_advance(p, n);
    Ok(())
}

// Raw peers use a MemPipe too: helpers reach into it through the session module's API.
fn pipe_out(p: &MemPipe) -> &[u8] {
    super::session::tests_support::out(p)
}
fn pipe_advance(p: &mut MemPipe, n: usize) {
    super::session::tests_support::advance(p, n)
}
fn feed_pipe(p: &mut MemPipe, data: &[u8]) {
    super::session::tests_support::feed(p, data)
}

/// A raw client (`client == true`) or server with the given settings.
fn raw(
    client: bool,
    cred: Option<&Credential>,
    ca: &Pki,
    tune: impl FnOnce(&mut SslContextBuilder),
) -> Raw {
    let mut b = SslContextBuilder::new(SslMethod::tls()).expect("ctx");
    b.set_security_level(0);
    if let Some(c) = cred {
        b.set_certificate(&c.certificate).expect("cert");
        b.set_private_key(&c.key).expect("key");
    }
    b.cert_store_mut()
        .add_cert(ca.ca().certificate.clone())
        .expect("anchor");
    b.set_verify(SslVerifyMode::PEER);
    tune(&mut b);
    let ctx = b.build();
    let mut ssl = openssl::ssl::Ssl::new(&ctx).expect("ssl");
    if client {
        ssl.set_connect_state();
    } else {
        ssl.set_accept_state();
    }
    let mut r = Raw {
        s: SslStream::new(ssl, MemPipe::default()).expect("stream"),
        got: Vec::new(),
        done: false,
    };
    let _ = r.drive();
    r
}

/// Moves records both ways until nothing moves; returns each side's first error.
fn pump(a: &mut dyn Peer, b: &mut dyn Peer) -> (Option<String>, Option<String>) {
    let (mut ea, mut eb) = (None, None);
    for _ in 0..64 {
        let x = a.take();
        let y = b.take();
        if x.is_empty() && y.is_empty() {
            break;
        }
        if !x.is_empty() && eb.is_none() {
            if let Err(e) = b.feed(&x) {
                eb = Some(e);
            }
        }
        if !y.is_empty() && ea.is_none() {
            if let Err(e) = a.feed(&y) {
                ea = Some(e);
            }
        }
    }
    (ea, eb)
}

fn pair(
    ccfg: &TlsConfig,
    scfg: &TlsConfig,
) -> (
    TlsClient,
    TlsServer,
    Arc<SecurityEvents>,
    Arc<SecurityEvents>,
) {
    let ce = Arc::new(SecurityEvents::new());
    let se = Arc::new(SecurityEvents::new());
    let c = TlsClient::new(ccfg, ce.clone()).expect("client ctx");
    let s = TlsServer::new(scfg, se.clone()).expect("server ctx");
    (c, s, ce, se)
}

fn read_all(s: &mut TlsSession) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 1000];
    while let Ok(n) = s.read_plain(&mut buf) {
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    out
}

fn handshake_with(max: TlsVersion) -> (TlsSession, TlsSession, Arc<SecurityEvents>) {
    let f = fixture();
    let ccfg = config(&f.client, &f.pki).with_versions(TlsVersion::Tls1_2, max);
    let scfg = config(&f.server, &f.pki);
    let (c, s, _ce, se) = pair(&ccfg, &scfg);
    let mut cs = c.session(Some("localhost"), None).expect("client session");
    let mut ss = s.session().expect("server session");
    let (ec, es) = pump(&mut cs, &mut ss);
    assert_eq!((ec, es), (None, None));
    assert!(cs.is_established() && ss.is_established());
    (cs, ss, se)
}

#[test]
fn handshake_tls12_and_data() {
    let (mut c, mut s, _) = handshake_with(TlsVersion::Tls1_2);
    assert_eq!(c.protocol_version(), Some(TlsVersion::Tls1_2));
    assert_eq!(s.protocol_version(), Some(TlsVersion::Tls1_2));
    // EC keys under the native policy: 0xC02B.
    assert_eq!(c.cipher_name(), Some("ECDHE-ECDSA-AES128-GCM-SHA256"));
    assert!(s.peer_certificate_der().is_some());
    c.write_plain(b"\x03\x00\x00\x07hello").expect("write");
    pump(&mut c, &mut s);
    assert_eq!(read_all(&mut s), b"\x03\x00\x00\x07hello");
    s.write_plain(b"back").expect("write");
    pump(&mut c, &mut s);
    assert_eq!(read_all(&mut c), b"back");
}

#[test]
fn handshake_tls13_and_data() {
    let (mut c, mut s, _) = handshake_with(TlsVersion::Tls1_3);
    assert_eq!(c.protocol_version(), Some(TlsVersion::Tls1_3));
    assert_eq!(c.cipher_name(), Some("TLS_AES_128_GCM_SHA256"));
    c.write_plain(&[7u8; 40_000]).expect("write");
    pump(&mut c, &mut s);
    assert_eq!(read_all(&mut s), vec![7u8; 40_000]);
    // close_notify reaches the peer as end of stream.
    c.close_notify();
    pump(&mut c, &mut s);
    assert!(s.peer_closed());
    let mut b = [0u8; 4];
    assert_eq!(s.read_plain(&mut b).expect("eof"), 0);
}

#[test]
fn rsa_keys_native_policy() {
    let pki = Pki::new_root("RSA CA", KeyKind::Rsa(2048)).expect("ca");
    let sc = pki.issue(&LeafSpec::new("server")).expect("server");
    let cc = pki.issue(&LeafSpec::new("client")).expect("client");
    let ccfg = config(&cc, &pki).with_versions(TlsVersion::Tls1_2, TlsVersion::Tls1_2);
    let (c, s, _, _) = pair(&ccfg, &config(&sc, &pki));
    let mut cs = c.session(None, None).expect("client");
    let mut ss = s.session().expect("server");
    assert_eq!(pump(&mut cs, &mut ss), (None, None));
    // Server preference: forward-secret AEAD first; the mandatory static-RSA suite
    // TLS_RSA_WITH_AES_128_CBC_SHA256 (0x003C) is offered but chosen only when nothing better is.
    assert_eq!(ss.cipher_name(), Some("ECDHE-RSA-AES128-GCM-SHA256"));
    assert!(s
        .policy()
        .unavailable
        .iter()
        .any(|n| n == "DH-RSA-AES128-GCM-SHA256"));
}

/// A client that offers only TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 (0x009E, IEC 62351-4 Table 3)
/// gets it: the server has finite-field DHE parameters (the RFC 3526 2048-bit group).
#[test]
fn dhe_rsa_suite_of_table_3() {
    let pki = Pki::new_root("RSA CA", KeyKind::Rsa(2048)).expect("ca");
    let sc = pki.issue(&LeafSpec::new("server")).expect("server");
    let cc = pki.issue(&LeafSpec::new("client")).expect("client");
    let ccfg = config(&cc, &pki)
        .with_versions(TlsVersion::Tls1_2, TlsVersion::Tls1_2)
        .with_policy(CipherPolicy::Custom("DHE-RSA-AES128-GCM-SHA256".into()));
    let (c, s, _, _) = pair(&ccfg, &config(&sc, &pki));
    let mut cs = c.session(None, None).expect("client");
    let mut ss = s.session().expect("server");
    assert_eq!(pump(&mut cs, &mut ss), (None, None));
    assert_eq!(ss.cipher_name(), Some("DHE-RSA-AES128-GCM-SHA256"));
    assert_eq!(cs.cipher_name(), Some("DHE-RSA-AES128-GCM-SHA256"));
}

/// Runs a handshake of a raw client against our server; returns our server's failure code.
fn refused_by_server(scfg: &TlsConfig, client: &mut Raw) -> (&'static str, Arc<SecurityEvents>) {
    let se = Arc::new(SecurityEvents::new());
    let s = TlsServer::new(scfg, se.clone()).expect("server ctx");
    let mut ss = s.session().expect("server");
    let (_ec, es) = pump(client, &mut ss);
    assert!(es.is_some(), "server must refuse");
    let code = ss.failure().expect("failure").code;
    assert_eq!(se.count(code), 1, "event recorded once");
    (code, se)
}

#[test]
fn refuses_client_without_certificate() {
    for max in [SslVersion::TLS1_2, SslVersion::TLS1_3] {
        let f = fixture();
        let mut client = raw(true, None, &f.pki, |b| {
            b.set_max_proto_version(Some(max)).expect("max");
        });
        let (code, _) = refused_by_server(&config(&f.server, &f.pki), &mut client);
        assert_eq!(code, events::CERT_REQUIRED);
    }
}

#[test]
fn refuses_untrusted_client() {
    let f = fixture();
    let other = Pki::new_root("Other CA", KeyKind::EcP256).expect("ca");
    let stranger = other
        .issue(&LeafSpec::new("stranger").with_key(KeyKind::EcP256))
        .expect("leaf");
    let mut client = raw(true, Some(&stranger), &f.pki, |_| {});
    let (code, _) = refused_by_server(&config(&f.server, &f.pki), &mut client);
    assert_eq!(code, events::CERT_UNTRUSTED);
}

#[test]
fn refuses_expired_client() {
    let f = fixture();
    let now = SystemTime::now();
    let old = f
        .pki
        .issue(
            &LeafSpec::new("old")
                .with_key(KeyKind::EcP256)
                .with_validity(
                    now - Duration::from_secs(20 * 86_400),
                    now - Duration::from_secs(86_400),
                ),
        )
        .expect("leaf");
    let mut client = raw(true, Some(&old), &f.pki, |_| {});
    let (code, _) = refused_by_server(&config(&f.server, &f.pki), &mut client);
    assert_eq!(code, events::CERT_EXPIRED);
}

#[test]
fn refuses_revoked_client() {
    let f = fixture();
    let crl = f
        .pki
        .crl(
            &[&f.client.certificate],
            SystemTime::now() + Duration::from_secs(3600),
        )
        .expect("crl");
    let scfg = config(&f.server, &f.pki).with_crl(crl);
    let mut client = raw(true, Some(&f.client), &f.pki, |_| {});
    let (code, se) = refused_by_server(&scfg, &mut client);
    assert_eq!(code, events::CERT_REVOKED);
    assert_eq!(se.count(events::REVOCATION_OFF), 0);
}

#[test]
fn refuses_rsa1024_client() {
    let f = fixture();
    let weak = f
        .pki
        .issue(&LeafSpec::new("weak").with_key(KeyKind::Rsa(1024)))
        .expect("leaf");
    let mut client = raw(true, Some(&weak), &f.pki, |_| {});
    let (code, _) = refused_by_server(&config(&f.server, &f.pki), &mut client);
    assert_eq!(code, events::WEAK_KEY);
    // Our own configuration refuses such a certificate too.
    let e = TlsClient::new(&config(&weak, &f.pki), Arc::new(SecurityEvents::new()))
        .expect_err("weak own key");
    assert!(e.to_string().contains(events::WEAK_KEY), "{e}");
}

#[test]
fn refuses_oversized_client_certificate() {
    let f = fixture();
    let big = f
        .pki
        .issue(
            &LeafSpec::new("big")
                .with_key(KeyKind::EcP256)
                .with_padding(9000),
        )
        .expect("leaf");
    assert!(big.cert_der().expect("der").len() > 8192);
    let mut client = raw(true, Some(&big), &f.pki, |_| {});
    let (code, _) = refused_by_server(&config(&f.server, &f.pki), &mut client);
    assert_eq!(code, events::CERT_TOO_LARGE);
}

#[test]
fn refuses_bad_key_usage() {
    let f = fixture();
    let ku = KeyUsageBits {
        digital_signature: false,
        ..KeyUsageBits::end_entity()
    };
    let bad = f
        .pki
        .issue(
            &LeafSpec::new("noku")
                .with_key(KeyKind::EcP256)
                .with_key_usage(ku),
        )
        .expect("leaf");
    let mut client = raw(true, Some(&bad), &f.pki, |_| {});
    let (code, _) = refused_by_server(&config(&f.server, &f.pki), &mut client);
    assert_eq!(code, events::BAD_KEY_USAGE);
}

#[test]
fn refuses_unpinned_client() {
    let f = fixture();
    let pinned = f
        .pki
        .issue(&LeafSpec::new("pinned").with_key(KeyKind::EcP256))
        .expect("leaf");
    let scfg = config(&f.server, &f.pki)
        .with_pinned_peer(PinnedPeer::Certificate(pinned.cert_der().expect("der")));
    let mut client = raw(true, Some(&f.client), &f.pki, |_| {});
    let (code, _) = refused_by_server(&scfg, &mut client);
    assert_eq!(code, events::PIN_MISMATCH);
    // The pinned one passes (by SHA-256 too).
    let fp = pinned
        .certificate
        .digest(openssl::hash::MessageDigest::sha256())
        .expect("digest");
    let mut h = [0u8; 32];
    h.copy_from_slice(&fp);
    let scfg = config(&f.server, &f.pki).with_pinned_peer(PinnedPeer::Sha256(h));
    let (c, s, _, _) = pair(&config(&pinned, &f.pki), &scfg);
    let mut cs = c.session(None, None).expect("c");
    let mut ss = s.session().expect("s");
    assert_eq!(pump(&mut cs, &mut ss), (None, None));
}

#[test]
fn client_refuses_untrusted_server() {
    let f = fixture();
    let other = Pki::new_root("Other CA", KeyKind::EcP256).expect("ca");
    let rogue = other
        .issue(&LeafSpec::new("rogue").with_key(KeyKind::EcP256))
        .expect("leaf");
    let mut server = raw(false, Some(&rogue), &other, |_| {});
    let ce = Arc::new(SecurityEvents::new());
    let c = TlsClient::new(&config(&f.client, &f.pki), ce.clone()).expect("ctx");
    let mut cs = c.session(None, None).expect("client");
    let (ec, _) = pump(&mut cs, &mut server);
    assert_eq!(ec.as_deref(), Some(events::CERT_UNTRUSTED));
    assert_eq!(ce.count(events::CERT_UNTRUSTED), 1);
}

#[test]
fn refuses_forbidden_version_and_cipher() {
    let f = fixture();
    // TLS 1.1 client (allowed at its end) against our TLS 1.2+ server.
    let mut client = raw(true, Some(&f.client), &f.pki, |b| {
        b.set_min_proto_version(Some(SslVersion::TLS1_1))
            .expect("min");
        b.set_max_proto_version(Some(SslVersion::TLS1_1))
            .expect("max");
        b.set_cipher_list("DEFAULT@SECLEVEL=0").expect("ciphers");
    });
    let (code, _) = refused_by_server(&config(&f.server, &f.pki), &mut client);
    assert_eq!(code, events::VERSION_REFUSED);
    // A TLS 1.2 client offering only a suite outside the policy (CBC with SHA-1).
    let mut client = raw(true, Some(&f.client), &f.pki, |b| {
        b.set_max_proto_version(Some(SslVersion::TLS1_2))
            .expect("max");
        b.set_cipher_list("ECDHE-ECDSA-AES256-SHA")
            .expect("ciphers");
    });
    let (code, _) = refused_by_server(&config(&f.server, &f.pki), &mut client);
    assert_eq!(code, events::NO_CIPHER);
}

#[test]
fn policy_configuration_errors() {
    let f = fixture();
    let ev = Arc::new(SecurityEvents::new());
    let compat = config(&f.server, &f.pki).with_policy(CipherPolicy::Iec62351_4Compat);
    match TlsServer::new(&compat, ev.clone()) {
        Err(TlsConfigError::NoCipher(m)) => assert!(m.contains("DH-DSS-AES256-SHA"), "{m}"),
        other => panic!("compat policy must report no suite: {other:?}"),
    }
    // RSA-only suites with an EC key, TLS 1.2 only: nothing usable.
    let c = config(&f.server, &f.pki)
        .with_policy(CipherPolicy::Custom("AES128-SHA256".into()))
        .with_versions(TlsVersion::Tls1_2, TlsVersion::Tls1_2);
    assert!(matches!(
        TlsServer::new(&c, ev.clone()),
        Err(TlsConfigError::NoCipher(_))
    ));
    // Unknown names only.
    let c = config(&f.server, &f.pki).with_policy(CipherPolicy::Custom("NOPE:TLS_NOPE".into()));
    assert!(matches!(
        TlsServer::new(&c, ev.clone()),
        Err(TlsConfigError::NoCipher(_))
    ));
    // Legacy versions with the switch: a warning at build.
    let mut legacy =
        config(&f.server, &f.pki).with_versions(TlsVersion::Tls1_0, TlsVersion::Tls1_3);
    assert!(matches!(
        TlsServer::new(&legacy, ev.clone()),
        Err(TlsConfigError::Invalid(_))
    ));
    legacy.allow_legacy_versions = true;
    TlsServer::new(&legacy, ev.clone()).expect("allowed");
    assert_eq!(ev.count(events::VERSION_INSECURE), 1);
    // NULL suites with the switch: a warning.
    let mut null = config(&f.server, &f.pki);
    null.allow_null = true;
    TlsServer::new(&null, ev.clone()).expect("null allowed");
    assert_eq!(ev.count(events::NULL_CIPHER), 1);
    // Key log: a warning and lines in NSS format after a handshake.
    let dir = temp_dir();
    let mut kl = config(&f.server, &f.pki);
    kl.keylog_file = Some(dir.join("keys.log"));
    let ev2 = Arc::new(SecurityEvents::new());
    let s = TlsServer::new(&kl, ev2.clone()).expect("keylog");
    assert_eq!(ev2.count(events::KEYLOG_ON), 1);
    let c = TlsClient::new(&config(&f.client, &f.pki), ev2).expect("c");
    let mut cs = c.session(None, None).expect("c");
    let mut ss = s.session().expect("s");
    assert_eq!(pump(&mut cs, &mut ss), (None, None));
    let log = std::fs::read_to_string(dir.join("keys.log")).expect("log");
    assert!(
        log.lines()
            .any(|l| l.starts_with("CLIENT_HANDSHAKE_TRAFFIC_SECRET ")),
        "{log}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

fn tls12_pair(
    period: Duration,
) -> (
    TlsSession,
    TlsSession,
    Arc<SecurityEvents>,
    Arc<SecurityEvents>,
) {
    let f = fixture();
    let h = Duration::from_secs(3600);
    let ccfg = config(&f.client, &f.pki)
        .with_versions(TlsVersion::Tls1_2, TlsVersion::Tls1_2)
        .with_intervals(Duration::from_secs(1), h);
    let scfg = config(&f.server, &f.pki).with_intervals(Duration::from_secs(1), period);
    let (c, s, ce, se) = pair(&ccfg, &scfg);
    let mut cs = c.session(None, None).expect("c");
    let mut ss = s.session().expect("s");
    assert_eq!(pump(&mut cs, &mut ss), (None, None));
    (cs, ss, ce, se)
}

#[test]
fn renegotiations_keep_data_in_order() {
    let (mut c, mut s, ce, se) = tls12_pair(Duration::from_secs(10));
    let t0 = Instant::now();
    s.handle_timeout(t0).expect("timers");
    let mut sent_c = Vec::new();
    let mut sent_s = Vec::new();
    let mut got_c = Vec::new();
    let mut got_s = Vec::new();
    for round in 0..2u8 {
        // Data in flight both ways when the HelloRequest goes out.
        for i in 0..5u8 {
            let m = [round, i, 0xC1];
            c.write_plain(&m).expect("c write");
            sent_c.extend_from_slice(&m);
        }
        s.handle_timeout(t0 + Duration::from_secs(11 * (u64::from(round) + 1)))
            .expect("server renegotiates");
        for i in 0..5u8 {
            let m = [round, i, 0x5E];
            s.write_plain(&m).expect("s write");
            sent_s.extend_from_slice(&m);
        }
        // Interleave: deliver one direction at a time with more writes in between.
        let x = c.take_tls();
        let y = s.take_tls();
        c.feed_tls(&y).expect("client gets HelloRequest + data");
        c.write_plain(&[round, 9, 0xC1])
            .expect("c write during renegotiation");
        sent_c.extend_from_slice(&[round, 9, 0xC1]);
        s.feed_tls(&x).expect("server gets data");
        assert_eq!(pump(&mut c, &mut s), (None, None));
        got_c.extend(read_all(&mut c));
        got_s.extend(read_all(&mut s));
        assert_eq!(s.renegotiations(), u64::from(round) + 1);
    }
    assert_eq!(got_s, sent_c);
    assert_eq!(got_c, sent_s);
    assert_eq!(se.count(events::RENEGOTIATION), 2);
    assert_eq!(
        ce.count(events::RENEGOTIATION),
        2,
        "client saw the server's renegotiations"
    );
    assert!(s.is_established() && c.is_established());
}

#[test]
fn client_renegotiation_and_collision() {
    let (mut c, mut s, _ce, se) = tls12_pair(Duration::from_secs(3600));
    let now = Instant::now();
    // The client renegotiates (ClientHello); the server allows it.
    c.start_renegotiation(now).expect("client renegotiation");
    assert_eq!(pump(&mut c, &mut s), (None, None));
    assert_eq!(c.renegotiations(), 1);
    assert_eq!(se.count(events::RENEGOTIATION), 1);
    // Both at once.
    c.start_renegotiation(now).expect("c");
    s.start_renegotiation(now).expect("s");
    c.write_plain(b"during").expect("w");
    assert_eq!(pump(&mut c, &mut s), (None, None));
    assert_eq!(read_all(&mut s), b"during");
    s.handle_timeout(now + Duration::from_secs(60))
        .expect("no deadline failure");
    assert!(c.is_established() && s.is_established());
    s.write_plain(b"after").expect("w");
    pump(&mut c, &mut s);
    assert_eq!(read_all(&mut c), b"after");
}

#[test]
fn peer_refusing_renegotiation_is_disconnected() {
    let f = fixture();
    // A client that answers a HelloRequest with a no_renegotiation alert.
    let mut client = raw(true, Some(&f.client), &f.pki, |b| {
        b.set_max_proto_version(Some(SslVersion::TLS1_2))
            .expect("max");
        b.set_options(SslOptions::NO_RENEGOTIATION);
    });
    let se = Arc::new(SecurityEvents::new());
    let s = TlsServer::new(&config(&f.server, &f.pki), se.clone()).expect("ctx");
    let mut ss = s.session().expect("s");
    assert_eq!(pump(&mut client, &mut ss), (None, None));
    let t0 = Instant::now();
    ss.start_renegotiation(t0).expect("start");
    let _ = pump(&mut client, &mut ss);
    // Either the alert ends it at once or the deadline does.
    let r = ss.handle_timeout(t0 + Duration::from_secs(31));
    assert_eq!(r.map_err(|e| e.code), Err(events::RENEGOTIATION_REFUSED));
    assert_eq!(se.count(events::RENEGOTIATION_REFUSED), 1);
}

#[test]
fn silent_peer_misses_renegotiation_deadline() {
    let (mut c, mut s, _ce, se) = tls12_pair(Duration::from_secs(10));
    let t0 = Instant::now();
    s.handle_timeout(t0).expect("arm");
    s.handle_timeout(t0 + Duration::from_secs(10))
        .expect("renegotiation starts");
    // The peer does not answer: hold the HelloRequest back until the end.
    let held = s.take_tls();
    assert!(!held.is_empty());
    s.handle_timeout(t0 + Duration::from_secs(20))
        .expect("within deadline");
    let r = s.handle_timeout(t0 + Duration::from_secs(41));
    assert_eq!(r.map_err(|e| e.code), Err(events::RENEGOTIATION_REFUSED));
    assert_eq!(se.count(events::RENEGOTIATION_REFUSED), 1);
    assert!(s.is_closed());
    // close_notify went out after the HelloRequest.
    let mut rest = held;
    rest.extend(s.take_tls());
    let _ = c.feed_tls(&rest);
    assert!(c.peer_closed());
}

#[test]
fn tls13_key_update() {
    let (mut c, mut s, se) = handshake_with(TlsVersion::Tls1_3);
    let now = Instant::now();
    for i in 0..3u8 {
        s.start_renegotiation(now).expect("key update");
        c.write_plain(&[i]).expect("w");
        s.write_plain(&[i + 10]).expect("w");
        assert_eq!(pump(&mut c, &mut s), (None, None));
        assert_eq!(read_all(&mut s), [i]);
        assert_eq!(read_all(&mut c), [i + 10]);
    }
    assert_eq!(s.key_updates(), 3);
    assert_eq!(se.count(events::KEY_UPDATE), 3);
}

#[test]
fn resumption_tls12_and_tls13() {
    for max in [TlsVersion::Tls1_2, TlsVersion::Tls1_3] {
        let f = fixture();
        let ccfg = config(&f.client, &f.pki).with_versions(TlsVersion::Tls1_2, max);
        let (c, s, _, _) = pair(&ccfg, &config(&f.server, &f.pki));
        let mut first = c.session(None, Some("127.0.0.1:3782")).expect("c");
        let mut ss = s.session().expect("s");
        assert_eq!(pump(&mut first, &mut ss), (None, None));
        assert!(!first.session_reused());
        // TLS 1.3 tickets come after the handshake: let the server send data once.
        ss.write_plain(b"x").expect("w");
        pump(&mut first, &mut ss);
        let mut second = c.session(None, Some("127.0.0.1:3782")).expect("c");
        let mut ss2 = s.session().expect("s");
        assert_eq!(pump(&mut second, &mut ss2), (None, None));
        assert!(second.session_reused(), "{max} resumed");
        assert!(ss2.session_reused());
        assert!(ss2.peer_certificate_der().is_some());
        // Another server key: no session to offer.
        let mut third = c.session(None, Some("10.0.0.1:3782")).expect("c");
        let mut ss3 = s.session().expect("s");
        assert_eq!(pump(&mut third, &mut ss3), (None, None));
        assert!(!third.session_reused());
    }
}

#[test]
fn crl_reload_terminates_revoked_and_tolerates_unavailable() {
    let f = fixture();
    let dir = temp_dir();
    let crl_path = dir.join("ca.crl");
    let later = SystemTime::now() + Duration::from_secs(3600);
    let empty = f.pki.crl(&[], later).expect("crl");
    std::fs::write(&crl_path, empty.to_pem().expect("pem")).expect("write");
    let mut scfg = config(&f.server, &f.pki).with_crl_file(&crl_path);
    scfg.crl_reload_period = Duration::from_secs(60);
    let (c, s, _ce, se) = pair(&config(&f.client, &f.pki), &scfg);
    let mut cs = c.session(None, None).expect("c");
    let mut ss = s.session().expect("s");
    assert_eq!(pump(&mut cs, &mut ss), (None, None));
    let t0 = Instant::now();
    ss.handle_timeout(t0).expect("arms the reload timer");
    // The CRL file becomes unreadable: an event, the session goes on.
    std::fs::write(&crl_path, b"garbage").expect("write");
    ss.handle_timeout(t0 + Duration::from_secs(61))
        .expect("unavailable CRL does not terminate");
    assert!(se.count(events::CRL_UNAVAILABLE) >= 1);
    assert!(ss.is_established());
    // Now the client's certificate is revoked: the next reload closes the session.
    let revoked = f.pki.crl(&[&f.client.certificate], later).expect("crl");
    std::fs::write(&crl_path, revoked.to_pem().expect("pem")).expect("write");
    let r = ss.handle_timeout(t0 + Duration::from_secs(122));
    // IEC 62351-3 names the closing of an established session for revocation apart from the
    // refusal of a handshake.
    assert_eq!(r.map_err(|e| e.code), Err(events::SESSION_CLOSED_REVOKED));
    assert_eq!(se.count(events::SESSION_CLOSED_REVOKED), 1);
    assert_eq!(
        se.iec62351_14_id(events::SESSION_CLOSED_REVOKED),
        Some("IEC62351-3:1.8")
    );
    pump(&mut cs, &mut ss);
    assert!(cs.peer_closed());
    // A new handshake is refused too.
    let mut cs = c.session(None, None).expect("c");
    let mut ss = s.session().expect("s");
    let (_, es) = pump(&mut cs, &mut ss);
    assert_eq!(es.as_deref(), Some(events::CERT_REVOKED));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn garbage_input_fails_cleanly() {
    let f = fixture();
    let (_c, s, _, se) = pair(&config(&f.client, &f.pki), &config(&f.server, &f.pki));
    let mut ss = s.session().expect("s");
    // An RFC 1006 TPKT sent in clear to a TLS port.
    let r = ss.feed_tls(
        b"\x03\x00\x00\x16\x11\xe0\x00\x00\x00\x01\x00\xc0\x01\x0b\xc2\x02\x00\x01\xc1\x02\x00\x01",
    );
    assert!(r.is_err());
    assert!(ss.is_closed());
    assert_eq!(se.total() - se.count(events::REVOCATION_OFF), 1);
    assert!(ss.feed_tls(b"more").is_err());
    assert!(ss.write_plain(b"x").is_err());
}

#[test]
fn raw_helpers_roundtrip() {
    // The raw peer helpers move bytes like the session does.
    let mut p = MemPipe::default();
    feed_pipe(&mut p, b"abc");
    let mut b = [0u8; 2];
    assert_eq!(p.read(&mut b).expect("read"), 2);
    p.write_all(b"xyz").expect("write");
    assert_eq!(pipe_out(&p), b"xyz");
    pipe_advance(&mut p, 3);
    assert!(pipe_out(&p).is_empty());
}

/// A session ended with close_notify stays resumable; one dropped without it is removed from
/// the cache (RFC 5246 §7.2.1: an abnormal end makes the session non-resumable).
#[test]
fn resumption_needs_an_orderly_close() {
    let f = fixture();
    let ccfg = config(&f.client, &f.pki).with_versions(TlsVersion::Tls1_2, TlsVersion::Tls1_2);
    let (c, s, _, _) = pair(&ccfg, &config(&f.server, &f.pki));
    for _ in 0..50 {
        let mut cs = c.session(None, None).expect("c");
        let mut ss = s.session().expect("s");
        assert_eq!(pump(&mut cs, &mut ss), (None, None));
    }
    let mut first = c.session(None, Some("k")).expect("c");
    let mut ss = s.session().expect("s");
    assert_eq!(pump(&mut first, &mut ss), (None, None));
    first.close_notify();
    for i in 0..3 {
        let mut again = c.session(None, Some("k")).expect("c");
        let mut ss = s.session().expect("s");
        assert_eq!(pump(&mut again, &mut ss), (None, None));
        assert!(again.session_reused(), "round {i}");
        again.close_notify();
    }
    {
        let mut abrupt = c.session(None, Some("k")).expect("c");
        let mut ss = s.session().expect("s");
        assert_eq!(pump(&mut abrupt, &mut ss), (None, None));
        assert!(abrupt.session_reused());
        // dropped without close_notify
    }
    let mut after = c.session(None, Some("k")).expect("c");
    let mut ss = s.session().expect("s");
    assert_eq!(pump(&mut after, &mut ss), (None, None));
    assert!(!after.session_reused());
}

#[test]
fn a_resumption_offer_answered_on_another_version_raises_the_version_change_alarm() {
    let f = fixture();
    // One client (one session cache) that allows TLS 1.2 and 1.3; first a server capped at
    // TLS 1.2, then one that speaks TLS 1.3, behind the same cache key.
    let ccfg = config(&f.client, &f.pki).with_versions(TlsVersion::Tls1_2, TlsVersion::Tls1_3);
    let s12cfg = config(&f.server, &f.pki).with_versions(TlsVersion::Tls1_2, TlsVersion::Tls1_2);
    let (c, s12, ce, _) = pair(&ccfg, &s12cfg);
    let mut first = c.session(None, Some("127.0.0.1:3782")).expect("c");
    let mut ss = s12.session().expect("s");
    assert_eq!(pump(&mut first, &mut ss), (None, None));
    assert_eq!(first.protocol_version(), Some(TlsVersion::Tls1_2));
    assert_eq!(ce.count(events::VERSION_CHANGED), 0);
    // Resuming on the same version is no change.
    let mut again = c.session(None, Some("127.0.0.1:3782")).expect("c");
    let mut ss = s12.session().expect("s");
    assert_eq!(pump(&mut again, &mut ss), (None, None));
    assert!(again.session_reused());
    assert_eq!(ce.count(events::VERSION_CHANGED), 0);
    // The "same" server now negotiates TLS 1.3: the offered TLS 1.2 session is not resumed,
    // and the client raises the alarm.
    let s13 = TlsServer::new(&config(&f.server, &f.pki), Arc::new(SecurityEvents::new()))
        .expect("server ctx");
    let mut third = c.session(None, Some("127.0.0.1:3782")).expect("c");
    let mut ss = s13.session().expect("s");
    assert_eq!(pump(&mut third, &mut ss), (None, None));
    assert_eq!(third.protocol_version(), Some(TlsVersion::Tls1_3));
    assert!(!third.session_reused());
    assert_eq!(ce.count(events::VERSION_CHANGED), 1);
}

/// IEC 62351-3 §5.6.3 under `RekeyPolicy::PeriodicResumption` (TLS 1.2, client timers): every
/// resumption interval the client renegotiates offering its session and the server resumes it
/// (an abbreviated handshake, no certificate exchange); at the renegotiation interval the
/// renegotiation is a full one again. Data keeps flowing across both.
#[test]
fn periodic_resumption_renegotiates_abbreviated_then_full() {
    let f = fixture();
    let (resume, full) = (Duration::from_secs(10), Duration::from_secs(100));
    let ccfg = config(&f.client, &f.pki)
        .with_versions(TlsVersion::Tls1_2, TlsVersion::Tls1_2)
        .with_intervals(resume, full)
        .with_rekey_policy(RekeyPolicy::PeriodicResumption);
    let scfg = config(&f.server, &f.pki)
        .with_intervals(resume, full)
        .with_rekey_policy(RekeyPolicy::PeriodicResumption);
    let (c, s, ce, _se) = pair(&ccfg, &scfg);
    let mut cs = c.session(None, None).expect("c");
    let mut ss = s.session().expect("s");
    assert_eq!(pump(&mut cs, &mut ss), (None, None));
    assert!(!cs.session_reused());
    let t0 = Instant::now();
    cs.handle_timeout(t0).expect("timers armed");
    assert_eq!(
        cs.poll_timeout(),
        Some(t0 + resume),
        "the resumption is due first"
    );
    for round in 1..=2u64 {
        cs.handle_timeout(t0 + resume * round as u32 + Duration::from_millis(1))
            .expect("abbreviated renegotiation");
        cs.write_plain(&[round as u8]).expect("write during it");
        assert_eq!(pump(&mut cs, &mut ss), (None, None));
        assert_eq!(read_all(&mut ss), [round as u8]);
        assert!(
            cs.session_reused(),
            "round {round}: the session was resumed"
        );
        assert_eq!(cs.resumptions(), round);
        assert_eq!(cs.renegotiations(), round);
    }
    // The renegotiation interval: a full handshake, the certificates exchanged again.
    cs.handle_timeout(t0 + full + Duration::from_millis(1))
        .expect("full renegotiation");
    assert_eq!(pump(&mut cs, &mut ss), (None, None));
    assert!(
        !cs.session_reused(),
        "the full renegotiation made a new session"
    );
    assert_eq!((cs.resumptions(), cs.renegotiations()), (2, 3));
    assert_eq!(ce.count(events::RENEGOTIATION), 3);
    // The default policy never resumes: its timer renegotiates in full only.
    let (mut c2, mut s2, _, _) = tls12_pair(Duration::from_secs(3600));
    c2.handle_timeout(t0).expect("armed");
    c2.handle_timeout(t0 + Duration::from_secs(30))
        .expect("nothing due");
    assert_eq!(pump(&mut c2, &mut s2), (None, None));
    assert_eq!((c2.resumptions(), c2.renegotiations()), (0, 0));
    assert!(cs.is_established() && ss.is_established());
    // A server under the default policy answers the client's offer with a full handshake.
    let full_server = config(&f.server, &f.pki).with_intervals(resume, full);
    let (c3, s3, _, _) = pair(&ccfg, &full_server);
    let mut cs3 = c3.session(None, None).expect("c");
    let mut ss3 = s3.session().expect("s");
    assert_eq!(pump(&mut cs3, &mut ss3), (None, None));
    cs3.handle_timeout(t0).expect("armed");
    cs3.handle_timeout(t0 + resume + Duration::from_millis(1))
        .expect("abbreviated offer");
    assert_eq!(pump(&mut cs3, &mut ss3), (None, None));
    assert!(!cs3.session_reused(), "the server made it a full handshake");
    assert_eq!((cs3.resumptions(), cs3.renegotiations()), (0, 1));
}
