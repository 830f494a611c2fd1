//! End-to-end security with the shared revocation checker and a real OCSP responder (`openssl
//! ocsp`): the server refuses a client whose certificate the responder calls revoked (the
//! handshake fails as an invalid certificate, `revocation.revoked` IEC62351-9:4.1 recorded);
//! with no revocation information at all the association is set up and the "no CRL" event is
//! recorded (IEC 62351-3: unavailable revocation information never ends an association).
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use acse::association::{Association, AssociationConfig};
use acse::loopback::{drain, shuttle, Seen};
use acse::security::{AssociationSecurity, Role, SecurityEvents, TransportSecurity};
use cot::pki::{KeyKind, LeafSpec, Pki};
use cot::pki_services::{
    free_port, openssl_available, temp_dir, write_index, IndexEntry, OcspResponder,
};
use cot::revocation::{events as rev, RevocationChecker, RevocationConfig};
use e2e_sec::{E2eConfig, E2eCredential, E2eFactory};

const INIT_REQ: &[u8] = &[0xA8, 0x03, 0x80, 0x01, 0x01];
const INIT_RSP: &[u8] = &[0xA9, 0x03, 0x80, 0x01, 0x01];

fn cred(c: cot::pki::Credential) -> E2eCredential {
    E2eCredential {
        certificate: c.certificate,
        key: c.key,
        chain: c.chain,
    }
}

fn provider(f: &E2eFactory, role: Role) -> Box<dyn AssociationSecurity> {
    Box::new(f.e2e_provider(role, &TransportSecurity::plain()))
}

/// Runs the establishment; true when the client is associated.
fn establish(cf: &E2eFactory, sf: &E2eFactory) -> bool {
    establish_pair(cf, sf).0
}

/// Runs the establishment; (client associated, client, server).
fn establish_pair(cf: &E2eFactory, sf: &E2eFactory) -> (bool, Association, Association) {
    let mut c = Association::connect(
        AssociationConfig::default(),
        INIT_REQ,
        Some(provider(cf, Role::Initiator)),
    );
    let mut s = Association::accept_incoming(
        AssociationConfig::default(),
        Some(provider(sf, Role::Responder)),
    );
    for _ in 0..6 {
        if shuttle(&mut c, &mut s).is_err() {
            return (false, c, s);
        }
        if let Ok(evs) = drain(&mut s) {
            for ev in evs {
                if let Seen::AssociateIndication(_) = ev {
                    if s.accept(INIT_RSP).is_err() {
                        return (false, c, s);
                    }
                }
            }
        }
        let _ = shuttle(&mut s, &mut c);
        match drain(&mut c) {
            Ok(evs) => {
                if evs.iter().any(|e| matches!(e, Seen::Associated(_))) {
                    return (true, c, s);
                }
            }
            Err(_) => return (false, c, s),
        }
        if c.is_closed() {
            return (false, c, s);
        }
    }
    (false, c, s)
}

#[test]
fn e2e_peer_revoked_by_ocsp_is_refused_and_missing_information_is_an_event() {
    if !openssl_available("e2e_peer_revoked_by_ocsp_is_refused") {
        return;
    }
    let port = free_port().unwrap();
    let url = format!("http://127.0.0.1:{port}/");
    let root = Pki::new_root("E2E revocation root", KeyKind::EcP256).unwrap();
    let leaf = |cn: &str, oid: &str| {
        root.issue(
            &LeafSpec::new(cn)
                .with_key(KeyKind::EcP256)
                .with_object_identifier(oid)
                .with_ocsp_url(&url),
        )
        .unwrap()
    };
    let client = leaf("client", "1.1.1.999.12");
    let revoked = leaf("revoked client", "1.1.1.999.12");
    let server = leaf("server", "1.1.1.999.12");
    let signer = root
        .issue(&LeafSpec::ocsp_responder("E2E OCSP signer").with_key(KeyKind::EcP256))
        .unwrap();
    let dir = temp_dir("e2e-ocsp").unwrap();
    let index = dir.join("index.txt");
    write_index(
        &index,
        &[
            IndexEntry::Valid(client.certificate.clone()),
            IndexEntry::Valid(server.certificate.clone()),
            IndexEntry::Revoked(
                revoked.certificate.clone(),
                SystemTime::now() - Duration::from_secs(600),
                "keyCompromise",
            ),
        ],
    )
    .unwrap();
    let _responder =
        OcspResponder::start_on_port(&dir, &index, &root.ca().certificate, &signer, 1, port)
            .unwrap();
    let anchors = vec![root.ca().certificate.clone()];
    let rev_cfg = || {
        let mut c = RevocationConfig::new().with_trust_anchor(root.ca().certificate.clone());
        c.use_crl_distribution_points = false;
        c
    };

    // The server's checker has fetched the answers.
    let sev = Arc::new(SecurityEvents::new());
    let checker = RevocationChecker::without_fetcher(rev_cfg(), sev.clone()).unwrap();
    assert!(checker
        .check_now(&revoked.certificate, &root.ca().certificate)
        .is_revoked());
    assert!(checker
        .check_now(&client.certificate, &root.ca().certificate)
        .is_good());
    let sf = E2eFactory::new(
        E2eConfig::new(cred(server.clone()), anchors.clone()).with_revocation(checker),
        sev.clone(),
    )
    .unwrap();
    let bad = E2eFactory::new(
        E2eConfig::new(cred(revoked.clone()), anchors.clone()),
        Arc::new(SecurityEvents::new()),
    )
    .unwrap();
    assert!(!establish(&bad, &sf), "a revoked client must be refused");
    assert_eq!(sev.count(rev::REVOKED), 1, "{:?}", sev.snapshot());
    assert_eq!(sev.iec62351_14_id(rev::REVOKED), Some("IEC62351-9:4.1"));
    let good = E2eFactory::new(
        E2eConfig::new(cred(client.clone()), anchors.clone()),
        Arc::new(SecurityEvents::new()),
    )
    .unwrap();
    assert!(establish(&good, &sf), "the good client is accepted");

    // No revocation information at all (no CRL, OCSP off): accepted, with the event.
    let sev = Arc::new(SecurityEvents::new());
    let mut cfg = rev_cfg();
    cfg.use_ocsp = false;
    let checker = RevocationChecker::without_fetcher(cfg, sev.clone()).unwrap();
    let sf = E2eFactory::new(
        E2eConfig::new(cred(server), anchors.clone()).with_revocation(checker),
        sev.clone(),
    )
    .unwrap();
    let good = E2eFactory::new(
        E2eConfig::new(cred(client), anchors),
        Arc::new(SecurityEvents::new()),
    )
    .unwrap();
    assert!(establish(&good, &sf));
    assert_eq!(sev.count(rev::NO_CRL), 1, "{:?}", sev.snapshot());
    assert_eq!(sev.count(rev::REVOKED), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A long association: the client's certificate is revoked (the server's CRL file is re-read)
/// or expires while the association is up; the server provider's re-check ends it.
#[test]
fn revocation_or_expiry_during_a_live_e2e_association_ends_it() {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Instant;

    let root = Pki::new_root("E2E recheck root", KeyKind::EcP256).unwrap();
    let issue = |cn: &str| {
        cred(
            root.issue(
                &LeafSpec::new(cn)
                    .with_key(KeyKind::EcP256)
                    .with_object_identifier("1.1.1.999.12"),
            )
            .unwrap(),
        )
    };
    let client = issue("client");
    let server = issue("server");
    let dir = temp_dir("e2e-recheck").unwrap();
    let crl_path = dir.join("root.crl");
    let later = SystemTime::now() + Duration::from_secs(86_400);
    let write_crl = |revoked: &[&openssl::x509::X509]| {
        let crl = root.crl(revoked, later).unwrap();
        std::fs::write(&crl_path, crl.to_pem().unwrap()).unwrap();
    };
    write_crl(&[]);
    let ahead = Arc::new(AtomicU64::new(0));
    let a = ahead.clone();
    let clock: cot::revocation::Clock =
        Arc::new(move || SystemTime::now() + Duration::from_secs(a.load(Ordering::SeqCst)));
    let mut rc = RevocationConfig::new()
        .with_trust_anchor(root.ca().certificate.clone())
        .with_crl_file(&crl_path)
        .with_clock(clock)
        .with_recheck(Duration::from_secs(5), Duration::from_secs(60));
    rc.use_ocsp = false;
    rc.use_crl_distribution_points = false;
    let sev = Arc::new(SecurityEvents::new());
    let checker = RevocationChecker::without_fetcher(rc, sev.clone()).unwrap();
    let anchors = vec![root.ca().certificate.clone()];
    let factories = || {
        (
            E2eFactory::new(
                E2eConfig::new(client.clone(), anchors.clone()),
                Arc::new(SecurityEvents::new()),
            )
            .unwrap(),
            E2eFactory::new(
                E2eConfig::new(server.clone(), anchors.clone()).with_revocation(checker.clone()),
                sev.clone(),
            )
            .unwrap(),
        )
    };

    let (cf, sf) = factories();
    let (ok, _c, mut s) = establish_pair(&cf, &sf);
    assert!(ok);
    let t0 = Instant::now();
    assert!(s
        .poll_timeout()
        .is_some_and(|t| t <= t0 + Duration::from_secs(5)));
    write_crl(&[&client.certificate]);
    assert!(checker.reload_crl_files());
    s.handle_timeout(Instant::now());
    match s.poll_event() {
        Err(acse::association::AssociationError::SecurityRefused { refusal, .. }) => {
            assert_eq!(refusal.event(), Some(rev::REVOKED))
        }
        other => panic!("expected the re-check to end the association, got {other:?}"),
    }
    assert!(s.is_closed());
    assert_eq!(sev.count(rev::REVOKED), 1);

    write_crl(&[]);
    assert!(checker.reload_crl_files());
    let (cf, sf) = factories();
    let (ok, _c, mut s) = establish_pair(&cf, &sf);
    assert!(ok);
    ahead.store(400 * 86_400, Ordering::SeqCst);
    s.handle_timeout(Instant::now() + Duration::from_secs(6));
    match s.poll_event() {
        Err(acse::association::AssociationError::SecurityRefused { refusal, .. }) => {
            // PKCERT_ERROR of a HandshakeReq (IEC62351-4:1.6).
            assert_eq!(refusal.event(), Some("IEC62351-4:1.6"))
        }
        other => panic!("expected expiry to end the association, got {other:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The re-check covers the whole chain the peer sent: a client certificate issued by an
/// intermediate CA (sent in the certPath, not a trust anchor) whose intermediate is revoked
/// during the association ends the association (`revocation.revoked`), as a revoked
/// end-entity certificate does.
#[test]
fn a_revoked_intermediate_of_the_peer_ends_a_live_e2e_association() {
    use std::time::Instant;

    let root = Pki::new_root("E2E chain root", KeyKind::EcP256).unwrap();
    let inter = root.intermediate("E2E intermediate").unwrap();
    let client = cred(
        inter
            .issue(
                &LeafSpec::new("client")
                    .with_key(KeyKind::EcP256)
                    .with_object_identifier("1.1.1.999.12"),
            )
            .unwrap(),
    );
    let mut client_chain = client.clone();
    client_chain.chain = vec![inter.ca().certificate.clone()];
    let server = cred(
        root.issue(
            &LeafSpec::new("server")
                .with_key(KeyKind::EcP256)
                .with_object_identifier("1.1.1.999.12"),
        )
        .unwrap(),
    );
    let dir = temp_dir("e2e-recheck-chain").unwrap();
    let root_crl = dir.join("root.crl");
    let inter_crl = dir.join("inter.crl");
    let later = SystemTime::now() + Duration::from_secs(86_400);
    let write = |path: &std::path::Path, crl: openssl::x509::X509Crl| {
        std::fs::write(path, crl.to_pem().unwrap()).unwrap();
    };
    write(&root_crl, root.crl(&[], later).unwrap());
    write(&inter_crl, inter.crl(&[], later).unwrap());
    let mut rc = RevocationConfig::new()
        .with_trust_anchor(root.ca().certificate.clone())
        .with_crl_file(&root_crl)
        .with_crl_file(&inter_crl)
        .with_recheck(Duration::from_secs(5), Duration::from_secs(60));
    rc.use_ocsp = false;
    rc.use_crl_distribution_points = false;
    let sev = Arc::new(SecurityEvents::new());
    let checker = RevocationChecker::without_fetcher(rc, sev.clone()).unwrap();
    let anchors = vec![root.ca().certificate.clone()];
    let cf = E2eFactory::new(
        E2eConfig::new(client_chain, anchors.clone()),
        Arc::new(SecurityEvents::new()),
    )
    .unwrap();
    let sf = E2eFactory::new(
        E2eConfig::new(server, anchors).with_revocation(checker.clone()),
        sev.clone(),
    )
    .unwrap();
    let (ok, _c, mut s) = establish_pair(&cf, &sf);
    assert!(ok, "{:?}", sev.snapshot());
    assert_eq!(sev.count(rev::NO_CRL), 0, "both CRLs cover the chain");
    write(
        &root_crl,
        root.crl(&[&inter.ca().certificate], later).unwrap(),
    );
    assert!(checker.reload_crl_files());
    s.handle_timeout(Instant::now() + Duration::from_secs(6));
    match s.poll_event() {
        Err(acse::association::AssociationError::SecurityRefused { refusal, .. }) => {
            assert_eq!(refusal.event(), Some(rev::REVOKED))
        }
        other => panic!("expected the revoked intermediate to end the association, got {other:?}"),
    }
    assert!(s.is_closed());
    let _ = std::fs::remove_dir_all(&dir);
}
