//! The A-profile with the shared revocation checker and a real OCSP responder (`openssl
//! ocsp`): a peer whose certificate the responder calls revoked is refused with
//! `a_profile.certificate_revoked` (IEC62351-9:4.1); a peer whose status cannot be had
//! (responder down) is accepted with the checker's "responder not reachable" event
//! (IEC62351-9:4.5), never refused (IEC 62351-3).

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use a_sec_profile::events;
use acse::association::Refused;
use acse::security::{Role, SecurityEvents};
use common::*;
use cot::pki::LeafSpec;
use cot::pki_services::{
    free_port, openssl_available, temp_dir, write_index, IndexEntry, OcspResponder,
};
use cot::revocation::{events as rev_events, RevocationChecker, RevocationConfig};

fn checker(url: &str, ev: &Arc<SecurityEvents>) -> RevocationChecker {
    let mut c = RevocationConfig::new()
        .with_trust_anchor(root().ca().certificate.clone())
        .with_ocsp_responder(url)
        .with_fetch_timeout(Duration::from_secs(2));
    c.use_crl_distribution_points = false;
    RevocationChecker::without_fetcher(c, ev.clone()).expect("checker")
}

#[test]
fn ocsp_revoked_peer_is_refused_and_unavailable_status_is_only_an_event() {
    if !openssl_available("a-profile ocsp_revoked_peer_is_refused") {
        return;
    }
    let port = free_port().expect("port");
    let url = format!("http://127.0.0.1:{port}/");
    let revoked = root()
        .issue(
            &LeafSpec::new("revoked client")
                .with_object_identifier(CLIENT_AE_TITLE)
                .with_ocsp_url(&url),
        )
        .expect("leaf");
    let signer = root()
        .issue(&LeafSpec::ocsp_responder("A-profile OCSP signer"))
        .expect("signer");
    let dir = temp_dir("a-profile-ocsp").expect("dir");
    let index = dir.join("index.txt");
    write_index(
        &index,
        &[
            IndexEntry::Valid(client_cred().certificate.clone()),
            IndexEntry::Revoked(
                revoked.certificate.clone(),
                SystemTime::now() - Duration::from_secs(600),
                "keyCompromise",
            ),
        ],
    )
    .expect("index");
    let _responder =
        OcspResponder::start_on_port(&dir, &index, &root().ca().certificate, &signer, 1, port)
            .expect("responder");

    // The server's checker knows both answers (fetched before the associations).
    let sev = Arc::new(SecurityEvents::new());
    let c = checker(&url, &sev);
    let ca = root().ca().certificate.clone();
    assert!(c.check_now(&revoked.certificate, &ca).is_revoked());
    assert!(c.check_now(&client_cred().certificate, &ca).is_good());
    let server = factory(config(server_cred(), &sev).with_revocation(c.clone()));
    let bad = factory(client_config(&revoked));
    let r = run(
        boxed(&bad, Role::Initiator),
        boxed(&server, Role::Responder),
    );
    assert!(
        matches!(r.client.refused, Some(Refused::Aborted { .. })),
        "{r:#?}"
    );
    assert!(!r.client.associated);
    assert_eq!(
        sev.count(events::CERTIFICATE_REVOKED),
        1,
        "{:?}",
        sev.snapshot()
    );
    let good = factory(client_config(client_cred()));
    let r = run(
        boxed(&good, Role::Initiator),
        boxed(&server, Role::Responder),
    );
    assert!(r.client.associated, "{r:#?}");

    // The responder is down and nothing is cached: accepted, with the event.
    let dead = format!("http://127.0.0.1:{}/", free_port().expect("port"));
    let sev = Arc::new(SecurityEvents::new());
    let server = factory(config(server_cred(), &sev).with_revocation(checker(&dead, &sev)));
    // A fresh client (its replay cache would take a second server's value of the same second
    // for a replay).
    let good = factory(client_config(client_cred()));
    let r = run(
        boxed(&good, Role::Initiator),
        boxed(&server, Role::Responder),
    );
    assert!(r.client.associated, "{r:#?}");
    assert_eq!(
        sev.count(rev_events::OCSP_UNREACHABLE),
        1,
        "{:?}",
        sev.snapshot()
    );
    assert_eq!(
        sev.iec62351_14_id(rev_events::OCSP_UNREACHABLE),
        Some("IEC62351-9:4.5")
    );
    assert_eq!(sev.count(events::CERTIFICATE_REVOKED), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A long association: the peer's certificate is revoked (the CRL file is re-read) or expires
/// while the association is up; the provider's re-check timer ends it with an ABRT and the
/// event, and the association reports the refusal.
#[test]
fn revocation_or_expiry_during_a_live_association_ends_it() {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Instant;

    let dir = temp_dir("a-profile-recheck").expect("dir");
    let crl_path = dir.join("root.crl");
    let later = SystemTime::now() + Duration::from_secs(86_400);
    let write_crl = |revoked: &[&openssl::x509::X509]| {
        let crl = root().crl(revoked, later).expect("crl");
        std::fs::write(&crl_path, crl.to_pem().expect("pem")).expect("write");
    };
    write_crl(&[]);
    let ahead = Arc::new(AtomicU64::new(0));
    let a = ahead.clone();
    let clock: cot::revocation::Clock =
        Arc::new(move || SystemTime::now() + Duration::from_secs(a.load(Ordering::SeqCst)));
    let sev = Arc::new(SecurityEvents::new());
    let mut rc = RevocationConfig::new()
        .with_trust_anchor(root().ca().certificate.clone())
        .with_crl_file(&crl_path)
        .with_clock(clock)
        .with_recheck(Duration::from_secs(5), Duration::from_secs(60));
    rc.use_ocsp = false;
    rc.use_crl_distribution_points = false;
    let checker = RevocationChecker::without_fetcher(rc, sev.clone()).expect("checker");
    let server = factory(config(server_cred(), &sev).with_revocation(checker.clone()));

    // Revoked while up.
    let client = factory(client_config(client_cred()));
    let mut r = run(
        boxed(&client, Role::Initiator),
        boxed(&server, Role::Responder),
    );
    assert!(r.client.associated && r.server.associated, "{r:#?}");
    let t0 = Instant::now();
    r.s.handle_timeout(t0);
    assert!(r.s.poll_event().expect("nothing yet").is_none());
    let due = r.s.poll_timeout().expect("the re-check timer");
    assert!(due <= t0 + Duration::from_secs(5), "short first re-check");
    write_crl(&[&client_cred().certificate]);
    assert!(checker.reload_crl_files());
    r.s.handle_timeout(Instant::now());
    match r.s.poll_event() {
        Err(acse::association::AssociationError::SecurityRefused { refusal, .. }) => {
            assert_eq!(refusal.event(), Some(events::CERTIFICATE_REVOKED))
        }
        other => panic!("expected the re-check to end the association, got {other:?}"),
    }
    assert!(r.s.is_closed());
    assert_eq!(sev.count(events::CERTIFICATE_REVOKED), 1);
    // The ABRT reaches the client.
    let abrt = r.s.transmit().to_vec();
    assert!(!abrt.is_empty());
    let _ = r.c.feed(&abrt);
    let mut aborted = false;
    while let Ok(Some(ev)) = r.c.poll_event() {
        aborted |= matches!(ev, acse::association::Event::Aborted { .. });
    }
    assert!(aborted, "the client sees the abort");

    // Expired while up (the clock moves past notAfter; the CRL says nothing against it).
    write_crl(&[]);
    assert!(checker.reload_crl_files());
    // Fresh factories: their replay caches would take values of the same second for replays.
    let server = factory(config(server_cred(), &sev).with_revocation(checker.clone()));
    let client = factory(client_config(client_cred()));
    let mut r = run(
        boxed(&client, Role::Initiator),
        boxed(&server, Role::Responder),
    );
    assert!(r.server.associated, "{r:#?}");
    ahead.store(400 * 86_400, Ordering::SeqCst);
    r.s.handle_timeout(Instant::now() + Duration::from_secs(6));
    match r.s.poll_event() {
        Err(acse::association::AssociationError::SecurityRefused { refusal, .. }) => {
            assert_eq!(refusal.event(), Some(events::CERTIFICATE_EXPIRED))
        }
        other => panic!("expected expiry to end the association, got {other:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}
