//! Revocation in the T-profile with the shared checker and a real OCSP responder
//! (`openssl ocsp`): a client whose certificate is revoked is accepted while no answer is known
//! (IEC 62351-3: unavailable revocation information raises an event and never ends an
//! association), then the session is closed by the re-check once the background fetch brings
//! the answer, on TLS 1.2 and TLS 1.3; a new handshake is refused. OCSP stapling between our
//! server and our client: the client, unable to reach any responder itself, settles the server's
//! status from the stapled response; a server whose certificate is revoked staples a revoked
//! response and the client refuses the handshake. And stapling to `openssl s_client -status`
//! (an independent client).

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use cot::pki::{Credential, KeyKind, LeafSpec, Pki};
use cot::pki_services::{
    free_port, openssl_available, temp_dir, write_index, IndexEntry, OcspResponder,
};
use cot::revocation::{events as rev_events, RevocationChecker, RevocationConfig};
use cot::security_event::SecurityEvents;
use cot::tls::events;
use cot::tls::{TlsClient, TlsConfig, TlsServer, TlsSession, TlsVersion};

struct World {
    pki: Pki,
    server: Credential,
    client: Credential,
    revoked_server: Credential,
    _responder: OcspResponder,
    dir: std::path::PathBuf,
}

fn world() -> World {
    let port = free_port().expect("port");
    let url = format!("http://127.0.0.1:{port}/");
    let pki = Pki::new_root("TLS revocation CA", KeyKind::EcP256).expect("ca");
    let leaf = |cn: &str| {
        pki.issue(
            &LeafSpec::new(cn)
                .with_key(KeyKind::EcP256)
                .with_ocsp_url(&url),
        )
        .expect("leaf")
    };
    let server = leaf("server");
    let client = leaf("client");
    let revoked_server = leaf("revoked server");
    let signer = pki
        .issue(&LeafSpec::ocsp_responder("OCSP signer").with_key(KeyKind::EcP256))
        .expect("signer");
    let dir = temp_dir("cot-tls-ocsp").expect("dir");
    let index = dir.join("index.txt");
    let ago = SystemTime::now() - Duration::from_secs(600);
    write_index(
        &index,
        &[
            IndexEntry::Valid(server.certificate.clone()),
            IndexEntry::Revoked(client.certificate.clone(), ago, "keyCompromise"),
            IndexEntry::Revoked(revoked_server.certificate.clone(), ago, "superseded"),
        ],
    )
    .expect("index");
    let responder =
        OcspResponder::start_on_port(&dir, &index, &pki.ca().certificate, &signer, 1, port)
            .expect("responder");
    World {
        pki,
        server,
        client,
        revoked_server,
        _responder: responder,
        dir,
    }
}

fn config(cred: &Credential, pki: &Pki) -> TlsConfig {
    TlsConfig::new()
        .with_identity(vec![cred.certificate.clone()], cred.key.clone())
        .with_trust_anchor(pki.ca().certificate.clone())
}

fn rev_config(pki: &Pki) -> RevocationConfig {
    let mut c = RevocationConfig::new()
        .with_trust_anchor(pki.ca().certificate.clone())
        .with_recheck(Duration::from_secs(2), Duration::from_secs(60));
    c.use_crl_distribution_points = false;
    c
}

fn pump(c: &mut TlsSession, s: &mut TlsSession) -> (Option<&'static str>, Option<&'static str>) {
    let (mut ec, mut es) = (None, None);
    for _ in 0..64 {
        let x = c.take_tls();
        let y = s.take_tls();
        if x.is_empty() && y.is_empty() {
            break;
        }
        if !x.is_empty() && es.is_none() {
            es = s.feed_tls(&x).err().map(|e| e.code);
        }
        if !y.is_empty() && ec.is_none() {
            ec = c.feed_tls(&y).err().map(|e| e.code);
        }
    }
    (ec, es)
}

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !f() {
        assert!(Instant::now() < deadline, "{what}: not within 20 s");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn revoked_client_is_ended_by_the_recheck(version: TlsVersion) {
    let w = world();
    let se = Arc::new(SecurityEvents::new());
    let checker = RevocationChecker::new(rev_config(&w.pki), se.clone()).expect("checker");
    let scfg = config(&w.server, &w.pki).with_revocation(checker.clone());
    let ccfg = config(&w.client, &w.pki).with_versions(TlsVersion::Tls1_2, version);
    let server = TlsServer::new(&scfg, se.clone()).expect("server");
    let client = TlsClient::new(&ccfg, Arc::new(SecurityEvents::new())).expect("client");
    let mut cs = client.session(None, None).expect("c");
    let mut ss = server.session().expect("s");
    // Nothing known yet: accepted, with the "cannot get revocation information" event.
    assert_eq!(pump(&mut cs, &mut ss), (None, None));
    assert!(ss.is_established());
    assert_eq!(cs.protocol_version(), Some(version));
    assert_eq!(
        se.count(rev_events::OCSP_UNREACHABLE),
        1,
        "{:?}",
        se.snapshot()
    );
    let t0 = Instant::now();
    // The background fetch brings "revoked" and the re-check ends the session: at once when
    // the answer is already in when the timers first run (the checker's news triggers the
    // re-check), otherwise at the first re-check after it arrives.
    let r = match ss.handle_timeout(t0) {
        Ok(()) => {
            let ca = w.pki.ca().certificate.clone();
            wait_until("OCSP answer", || {
                checker.check(&w.client.certificate, &ca).is_revoked()
            });
            let deadline = ss.poll_timeout().expect("a re-check is due");
            assert!(deadline <= t0 + Duration::from_secs(2));
            ss.handle_timeout(deadline)
        }
        ended => ended,
    };
    assert_eq!(r.map_err(|e| e.code), Err(events::SESSION_CLOSED_REVOKED));
    assert_eq!(se.count(events::SESSION_CLOSED_REVOKED), 1);
    assert_eq!(
        se.iec62351_14_id(events::SESSION_CLOSED_REVOKED),
        Some("IEC62351-3:1.8")
    );
    pump(&mut cs, &mut ss);
    assert!(cs.peer_closed() || cs.is_closed() || cs.failure().is_some());
    // A new handshake is refused at once.
    let mut cs = client.session(None, None).expect("c");
    let mut ss = server.session().expect("s");
    let (_, es) = pump(&mut cs, &mut ss);
    assert_eq!(es, Some(events::CERT_REVOKED));
    let _ = std::fs::remove_dir_all(&w.dir);
}

#[test]
fn revoked_client_tls12_is_ended_by_the_recheck() {
    if openssl_available("revoked_client_tls12_is_ended_by_the_recheck") {
        revoked_client_is_ended_by_the_recheck(TlsVersion::Tls1_2);
    }
}

#[test]
fn revoked_client_tls13_is_ended_by_the_recheck() {
    if openssl_available("revoked_client_tls13_is_ended_by_the_recheck") {
        revoked_client_is_ended_by_the_recheck(TlsVersion::Tls1_3);
    }
}

/// The client's checker cannot reach any responder (configured to a closed port, no
/// background fetcher): only a stapled response can settle the server's status.
fn client_checker(pki: &Pki) -> (RevocationChecker, Arc<SecurityEvents>) {
    let ev = Arc::new(SecurityEvents::new());
    let dead = format!("http://127.0.0.1:{}/", free_port().expect("port"));
    let c =
        RevocationChecker::without_fetcher(rev_config(pki).with_ocsp_responder(dead), ev.clone())
            .expect("checker");
    (c, ev)
}

fn stapling(version: TlsVersion) {
    let w = world();
    let se = Arc::new(SecurityEvents::new());
    let server_checker = RevocationChecker::new(rev_config(&w.pki), se.clone()).expect("checker");
    let ca = w.pki.ca().certificate.clone();
    // The server fetches its own status (in the background; here waited for).
    let scfg = config(&w.server, &w.pki).with_revocation(server_checker.clone());
    let server = TlsServer::new(&scfg, se).expect("server");
    wait_until("server's own OCSP answer", || {
        server_checker.check(&w.server.certificate, &ca).is_good()
    });
    let (cc, cev) = client_checker(&w.pki);
    let ccfg = config(&w.client, &w.pki)
        .with_versions(TlsVersion::Tls1_2, version)
        .with_revocation(cc.clone());
    let tev = Arc::new(SecurityEvents::new());
    let client = TlsClient::new(&ccfg, tev.clone()).expect("client");
    assert!(!cc.check(&w.server.certificate, &ca).is_good());
    let mut cs = client.session(None, None).expect("c");
    let mut ss = server.session().expect("s");
    assert_eq!(pump(&mut cs, &mut ss), (None, None));
    assert!(cs.is_established());
    // Settled by the stapled response: good, and no "unavailable" event from the session.
    assert!(cc.check(&w.server.certificate, &ca).is_good());
    assert_eq!(
        tev.count(rev_events::OCSP_UNREACHABLE),
        0,
        "{:?}",
        tev.snapshot()
    );
    assert_eq!(cev.count(rev_events::OCSP_SIGNATURE), 0);

    // A server whose certificate is revoked staples "revoked": the client refuses.
    let se = Arc::new(SecurityEvents::new());
    let rchecker = RevocationChecker::new(rev_config(&w.pki), se.clone()).expect("checker");
    let rcfg = config(&w.revoked_server, &w.pki).with_revocation(rchecker.clone());
    let rserver = TlsServer::new(&rcfg, se).expect("server");
    wait_until("revoked server's own OCSP answer", || {
        rchecker
            .check(&w.revoked_server.certificate, &ca)
            .is_revoked()
    });
    let (cc, _) = client_checker(&w.pki);
    let ccfg = config(&w.client, &w.pki)
        .with_versions(TlsVersion::Tls1_2, version)
        .with_revocation(cc);
    let tev = Arc::new(SecurityEvents::new());
    let client = TlsClient::new(&ccfg, tev.clone()).expect("client");
    let mut cs = client.session(None, None).expect("c");
    let mut ss = rserver.session().expect("s");
    let (ec, _) = pump(&mut cs, &mut ss);
    assert_eq!(ec, Some(events::CERT_REVOKED));
    assert_eq!(tev.count(events::CERT_REVOKED), 1);
    let _ = std::fs::remove_dir_all(&w.dir);
}

#[test]
fn ocsp_stapling_tls12() {
    if openssl_available("ocsp_stapling_tls12") {
        stapling(TlsVersion::Tls1_2);
    }
}

#[test]
fn ocsp_stapling_tls13() {
    if openssl_available("ocsp_stapling_tls13") {
        stapling(TlsVersion::Tls1_3);
    }
}

/// Our TLS server staples its OCSP response to `openssl s_client -status` (an independent
/// client), which reports the response and the status "good".
#[test]
fn ocsp_stapling_to_openssl_s_client() {
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::process::{Command, Stdio};

    if !openssl_available("ocsp_stapling_to_openssl_s_client") {
        return;
    }
    let w = world();
    let ca = w.pki.ca().certificate.clone();
    let se = Arc::new(SecurityEvents::new());
    let checker = RevocationChecker::new(rev_config(&w.pki), se.clone()).expect("checker");
    let server = TlsServer::new(
        &config(&w.server, &w.pki).with_revocation(checker.clone()),
        se,
    )
    .expect("server");
    wait_until("server's own OCSP answer", || {
        checker.check(&w.server.certificate, &ca).is_good()
    });
    let listener = TcpListener::bind("127.0.0.1:0").expect("listen");
    let port = listener.local_addr().expect("addr").port();
    let mut session = server.session().expect("session");
    let serve = std::thread::spawn(move || {
        let Ok((mut tcp, _)) = listener.accept() else {
            return;
        };
        let _ = tcp.set_read_timeout(Some(Duration::from_millis(200)));
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut buf = [0u8; 16 * 1024];
        while Instant::now() < deadline {
            let out = session.take_tls();
            if !out.is_empty() && tcp.write_all(&out).is_err() {
                return;
            }
            match tcp.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => {
                    if session.feed_tls(&buf[..n]).is_err() {
                        let _ = tcp.write_all(&session.take_tls());
                        return;
                    }
                }
                Err(_) => {}
            }
        }
    });
    let (cert, key) = w.client.write_pem(&w.dir, "s_client").expect("pem");
    let ca_path = w.dir.join("s_client-ca.pem");
    std::fs::write(&ca_path, ca.to_pem().expect("pem")).expect("write");
    let out = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &format!("127.0.0.1:{port}"),
            "-status",
        ])
        .arg("-cert")
        .arg(&cert)
        .arg("-key")
        .arg(&key)
        .arg("-CAfile")
        .arg(&ca_path)
        .stdin(Stdio::null())
        .output()
        .expect("run openssl s_client");
    let _ = serve.join();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("OCSP Response Status: successful"),
        "no stapled response:\n{text}"
    );
    assert!(text.contains("Cert Status: good"), "{text}");
    let _ = std::fs::remove_dir_all(&w.dir);
}
