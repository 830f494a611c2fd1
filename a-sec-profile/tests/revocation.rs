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
