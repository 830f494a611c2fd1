//! T-profile interop with an independent TLS stack: Debian's `openssl s_server` and
//! `openssl s_client` (IEC 62351-3, IEC 62351-4 §6; docs/facts.md F-203: TPKT inside TLS).
//!
//! - Our TLS client → `s_server` (mutual authentication, `-Verify 1`), whose plaintext
//!   (stdin/stdout, `-quiet`: no command letters) the test relays to our *plain* MMS server: a
//!   full MMS association runs across OpenSSL's TLS endpoint. TLS 1.2 and TLS 1.3.
//! - A plain MMS client → relay → `s_client` (`-quiet -nocommands`) → our TLS server, the same
//!   way round. TLS 1.2 and TLS 1.3.
//! - Refusals: `s_client -tls1_1` (forbidden version) and `s_client -cipher` with a suite
//!   outside the policy: `s_client` fails and our server records the event; our client refuses
//!   an `s_server` that speaks only TLS 1.1.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use cot::pki::{Credential, KeyKind, LeafSpec, Pki};
use cot::security_event::SecurityEvents;
use cot::tls::{events, TlsClient, TlsConfig, TlsServer, TlsVersion};
use interop_tests::peer::require_openssl;
use interop_tests::scratch_dir;
use mms::client::{Client, ClientConfig, ClientError};
use mms::server::model::demo;
use mms::server::{RunningServer, Server, ServerConfig};

struct Files {
    ca: PathBuf,
    server: (PathBuf, PathBuf),
    client: (PathBuf, PathBuf),
    pki: Pki,
    server_cred: Credential,
    client_cred: Credential,
}

fn files(name: &str) -> Files {
    let dir = scratch_dir(name);
    let pki = Pki::new_root("tls_openssl CA", KeyKind::EcP256).expect("ca");
    let server_cred = pki
        .issue(&LeafSpec::new("server").with_key(KeyKind::EcP256))
        .expect("server");
    let client_cred = pki
        .issue(&LeafSpec::new("client").with_key(KeyKind::EcP256))
        .expect("client");
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, pki.ca().cert_pem().expect("pem")).expect("write ca");
    Files {
        ca,
        server: server_cred.write_pem(&dir, "server").expect("server pem"),
        client: client_cred.write_pem(&dir, "client").expect("client pem"),
        pki,
        server_cred,
        client_cred,
    }
}

fn tls_config(cred: &Credential, pki: &Pki) -> TlsConfig {
    TlsConfig::new()
        .with_identity(vec![cred.certificate.clone()], cred.key.clone())
        .with_trust_anchor(pki.ca().certificate.clone())
}

fn localhost() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

fn free_port() -> u16 {
    TcpListener::bind(localhost())
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

fn demo_server(tls: Option<&TlsConfig>) -> (RunningServer, Arc<SecurityEvents>) {
    let events = Arc::new(SecurityEvents::new());
    let model = Arc::new(demo::model(None).expect("demo model"));
    let mut config = ServerConfig::default()
        .with_listen(vec![localhost()])
        .with_events(events.clone());
    if let Some(t) = tls {
        config.listen.clear();
        config.tls_listen = vec![localhost()];
        config.tls = Some(Arc::new(
            TlsServer::new(t, events.clone()).expect("TLS context"),
        ));
    }
    (
        Server::bind(config, model)
            .expect("bind")
            .spawn()
            .expect("spawn"),
        events,
    )
}

/// Relays a child's stdout → `tcp` and `tcp` → the child's stdin on two threads.
fn bridge(child: &mut Child, tcp: TcpStream) -> Vec<JoinHandle<()>> {
    let mut out = child.stdout.take().expect("child stdout");
    let mut inp = child.stdin.take().expect("child stdin");
    let mut to_tcp = tcp.try_clone().expect("clone");
    let mut from_tcp = tcp;
    vec![
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut out, &mut to_tcp);
            let _ = to_tcp.shutdown(std::net::Shutdown::Write);
        }),
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match from_tcp.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if inp.write_all(&buf[..n]).and_then(|_| inp.flush()).is_err() {
                            break;
                        }
                    }
                }
            }
        }),
    ]
}

fn version_flag(v: TlsVersion) -> &'static str {
    match v {
        TlsVersion::Tls1_3 => "-tls1_3",
        _ => "-tls1_2",
    }
}

/// Waits at most `limit` for the child to exit.
fn wait_exit(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let t0 = Instant::now();
    while t0.elapsed() < limit {
        if let Ok(Some(s)) = child.try_wait() {
            return Some(s);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Our TLS client → `openssl s_server` → relay → our plain MMS server.
fn our_client_to_s_server(v: TlsVersion) {
    let Some(openssl) = require_openssl() else {
        return;
    };
    let f = files(&format!("s_server-{v}"));
    let (plain, _) = demo_server(None);
    let port = free_port();
    let mut s_server = Command::new(&openssl)
        .args(["s_server", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .args([
            "-naccept",
            "1",
            "-quiet",
            "-Verify",
            "1",
            "-verify_return_error",
        ])
        .args(["-cert", path(&f.server.0), "-key", path(&f.server.1)])
        .args(["-CAfile", path(&f.ca), version_flag(v)])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn s_server");
    let relay = TcpStream::connect(plain.local_addr()).expect("connect to the plain server");
    let threads = bridge(&mut s_server, relay);
    let events = Arc::new(SecurityEvents::new());
    let tls = TlsClient::new(&tls_config(&f.client_cred, &f.pki), events.clone()).expect("ctx");
    let config = ClientConfig::default()
        .with_tls_client(Some(Arc::new(tls)))
        .with_tls_server_name(Some("localhost".into()))
        .with_events(events.clone());
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let t0 = Instant::now();
    let client = loop {
        match Client::connect(addr, config.clone()) {
            Ok(c) => break c,
            Err(ClientError::Io(e))
                if e.kind() == std::io::ErrorKind::ConnectionRefused
                    && t0.elapsed() < Duration::from_secs(10) =>
            {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => {
                let _ = s_server.kill();
                let mut err = String::new();
                if let Some(mut s) = s_server.stderr.take() {
                    let _ = s.read_to_string(&mut err);
                }
                panic!("association through s_server failed: {e:?}\ns_server: {err}");
            }
        }
    };
    assert_eq!(client.tls_info().and_then(|i| i.version), Some(v));
    let id = client.identify().expect("identify across s_server");
    assert!(!id.vendor.is_empty());
    assert!(client
        .domains()
        .expect("domains")
        .iter()
        .any(|d| d == demo::DOMAIN));
    client.conclude().expect("conclude");
    assert_eq!(plain.handle().stats().associated, 1);
    assert_eq!(events.total(), events.count(events::REVOCATION_OFF));
    let _ = wait_exit(&mut s_server, Duration::from_secs(5));
    drop(threads);
    plain.stop().expect("stop");
}

#[test]
fn our_tls12_client_through_openssl_s_server() {
    our_client_to_s_server(TlsVersion::Tls1_2);
}

#[test]
fn our_tls13_client_through_openssl_s_server() {
    our_client_to_s_server(TlsVersion::Tls1_3);
}

fn s_client(openssl: &Path, f: &Files, port: u16, extra: &[&str]) -> Command {
    let mut c = Command::new(openssl);
    c.args(["s_client", "-connect"])
        .arg(format!("127.0.0.1:{port}"))
        .args([
            "-quiet",
            "-nocommands",
            "-verify_return_error",
            "-servername",
            "localhost",
        ])
        .args(["-cert", path(&f.client.0), "-key", path(&f.client.1)])
        .args(["-CAfile", path(&f.ca)])
        .args(extra);
    c
}

/// Our plain MMS client → relay → `openssl s_client` → our TLS server.
fn s_client_to_our_server(v: TlsVersion) {
    let Some(openssl) = require_openssl() else {
        return;
    };
    let f = files(&format!("s_client-{v}"));
    let (server, sev) = demo_server(Some(&tls_config(&f.server_cred, &f.pki)));
    let tls_port = server.local_addr().port();
    let relay = TcpListener::bind(localhost()).expect("relay listener");
    let relay_addr = relay.local_addr().expect("addr");
    let mut cmd = s_client(&openssl, &f, tls_port, &[version_flag(v)]);
    let relay_thread = std::thread::spawn(move || {
        let (tcp, _) = relay.accept().expect("accept the plain client");
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn s_client");
        let threads = bridge(&mut child, tcp);
        (child, threads)
    });
    let client =
        Client::connect(relay_addr, ClientConfig::default()).expect("association through s_client");
    assert!(client.tls_info().is_none(), "the client side is plain");
    let id = client.identify().expect("identify across s_client");
    assert!(!id.vendor.is_empty());
    assert!(client
        .domains()
        .expect("domains")
        .iter()
        .any(|d| d == demo::DOMAIN));
    client.conclude().expect("conclude");
    let stats = server.handle().stats();
    assert_eq!(stats.tls_handshakes, 1);
    assert_eq!(stats.associated, 1);
    assert_eq!(stats.tls_failures, 0);
    assert_eq!(sev.count(events::HANDSHAKE_FAILED), 0);
    let (mut child, _threads) = relay_thread.join().expect("relay");
    let _ = wait_exit(&mut child, Duration::from_secs(5));
    server.stop().expect("stop");
}

#[test]
fn openssl_tls12_s_client_to_our_server() {
    s_client_to_our_server(TlsVersion::Tls1_2);
}

#[test]
fn openssl_tls13_s_client_to_our_server() {
    s_client_to_our_server(TlsVersion::Tls1_3);
}

/// `s_client` with `extra` flags must fail against our server, which records `code`.
fn s_client_refused(extra: &[&str], code: &str) {
    let Some(openssl) = require_openssl() else {
        return;
    };
    let f = files(&format!("refused-{}", code.trim_start_matches("tls.")));
    let (server, sev) = demo_server(Some(&tls_config(&f.server_cred, &f.pki)));
    let mut child = s_client(&openssl, &f, server.local_addr().port(), extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn s_client");
    let status = wait_exit(&mut child, Duration::from_secs(20)).expect("s_client ends");
    assert!(!status.success(), "s_client must fail ({extra:?})");
    let t0 = Instant::now();
    while sev.count(code) == 0 && t0.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(sev.count(code), 1, "{:?}", sev.snapshot());
    assert_eq!(server.handle().stats().tls_handshakes, 0);
    server.stop().expect("stop");
}

#[test]
fn openssl_s_client_with_tls11_is_refused() {
    s_client_refused(
        &["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"],
        events::VERSION_REFUSED,
    );
}

#[test]
fn openssl_s_client_with_a_cipher_outside_the_policy_is_refused() {
    // TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA (0xC00A): CBC with SHA-1, not in IEC 62351-4 Table 3.
    s_client_refused(
        &["-tls1_2", "-cipher", "ECDHE-ECDSA-AES256-SHA"],
        events::NO_CIPHER,
    );
}

#[test]
fn our_client_refuses_an_s_server_speaking_only_tls11() {
    let Some(openssl) = require_openssl() else {
        return;
    };
    let f = files("s_server-tls11");
    let port = free_port();
    let mut s_server = Command::new(&openssl)
        .args(["s_server", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .args([
            "-naccept",
            "1",
            "-quiet",
            "-tls1_1",
            "-cipher",
            "DEFAULT@SECLEVEL=0",
        ])
        .args(["-cert", path(&f.server.0), "-key", path(&f.server.1)])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn s_server");
    let events = Arc::new(SecurityEvents::new());
    let tls = TlsClient::new(&tls_config(&f.client_cred, &f.pki), events.clone()).expect("ctx");
    let config = ClientConfig::default()
        .with_tls_client(Some(Arc::new(tls)))
        .with_events(events.clone())
        .with_connect_timeout(Duration::from_secs(5));
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let t0 = Instant::now();
    loop {
        match Client::connect(addr, config.clone()) {
            Ok(_) => panic!("a TLS 1.1-only server must be refused"),
            Err(ClientError::Io(e))
                if e.kind() == std::io::ErrorKind::ConnectionRefused
                    && t0.elapsed() < Duration::from_secs(10) =>
            {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(_) => break,
        }
    }
    assert_eq!(
        events.count(events::VERSION_REFUSED),
        1,
        "{:?}",
        events.snapshot()
    );
    let _ = s_server.kill();
    let _ = s_server.wait();
}

/// What `s_client -brief` reports for a TLS 1.2 handshake offering `ciphers` (in the client's
/// order) to our server with an RSA-2048 certificate: the negotiated suite's openssl name.
fn negotiated_with(openssl: &Path, ciphers: &str) -> String {
    let dir = scratch_dir(&format!("preference-{}", ciphers.replace(':', "+")));
    let pki = Pki::new_root("tls_openssl RSA CA", KeyKind::Rsa(2048)).expect("ca");
    let server_cred = pki.issue(&LeafSpec::new("server")).expect("server");
    let client_cred = pki.issue(&LeafSpec::new("client")).expect("client");
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, pki.ca().cert_pem().expect("pem")).expect("write ca");
    let (cert, key) = client_cred.write_pem(&dir, "client").expect("client pem");
    let (server, _) = demo_server(Some(&tls_config(&server_cred, &pki)));
    let out = Command::new(openssl)
        .args(["s_client", "-connect"])
        .arg(format!("127.0.0.1:{}", server.local_addr().port()))
        .args([
            "-brief",
            "-tls1_2",
            "-cipher",
            ciphers,
            "-servername",
            "localhost",
        ])
        .args([
            "-cert",
            path(&cert),
            "-key",
            path(&key),
            "-CAfile",
            path(&ca),
        ])
        .stdin(Stdio::null())
        .output()
        .expect("run s_client");
    server.stop().expect("stop");
    // -brief prints "Ciphersuite: NAME" (to stderr in openssl 3).
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    text.lines()
        .find_map(|l| l.trim().strip_prefix("Ciphersuite:"))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| panic!("no Ciphersuite line in:\n{text}"))
}

#[test]
fn a_tls12_peer_offering_static_rsa_first_gets_ecdhe_gcm() {
    let Some(openssl) = require_openssl() else {
        return;
    };
    // The client prefers the mandatory static-RSA CBC suite; the server's preference wins.
    assert_eq!(
        negotiated_with(&openssl, "AES128-SHA256:ECDHE-RSA-AES128-GCM-SHA256"),
        "ECDHE-RSA-AES128-GCM-SHA256"
    );
    // A peer that offers only the mandatory suite is still served.
    assert_eq!(negotiated_with(&openssl, "AES128-SHA256"), "AES128-SHA256");
}
