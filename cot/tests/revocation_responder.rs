//! The revocation checker against a real OCSP responder (`openssl ocsp`, started by the tests
//! with an index file and a signer certificate) and a CRL served over HTTP: good, revoked,
//! unknown, responder down, responder hanging (timeout), stale response, wrong signer,
//! unauthorised signer, and for CRLs: good, revoked, HTTP error, malformed and oversized CRL.
//! Each verdict is checked together with the IEC 62351-9 event it raises.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use cot::pki::{Credential, KeyKind, LeafSpec, Pki};
use cot::pki_services::{
    free_port, openssl_available, temp_dir, write_index, HttpAnswer, HttpServer, IndexEntry,
    OcspResponder,
};
use cot::revocation::{events, Clock, RevocationChecker, RevocationConfig, RevocationStatus};
use cot::security_event::SecurityEvents;

struct Setup {
    pki: Pki,
    good: Credential,
    revoked: Credential,
    unknown: Credential,
    signer: Credential,
    dir: std::path::PathBuf,
    index: std::path::PathBuf,
}

/// A CA, its OCSP signer, three leaves naming `ocsp_url` in authorityInfoAccess, and the
/// responder's index (good: valid, revoked: revoked for keyCompromise, unknown: absent).
fn setup(ocsp_url: &str) -> Setup {
    let pki = Pki::new_root("OCSP test CA", KeyKind::EcP256).expect("ca");
    let leaf = |cn: &str| {
        pki.issue(
            &LeafSpec::new(cn)
                .with_key(KeyKind::EcP256)
                .with_ocsp_url(ocsp_url),
        )
        .expect("leaf")
    };
    let good = leaf("good");
    let revoked = leaf("revoked");
    let unknown = leaf("unknown");
    let signer = pki
        .issue(&LeafSpec::ocsp_responder("OCSP signer").with_key(KeyKind::EcP256))
        .expect("signer");
    let dir = temp_dir("cot-ocsp").expect("dir");
    let index = dir.join("index.txt");
    write_index(
        &index,
        &[
            IndexEntry::Valid(good.certificate.clone()),
            IndexEntry::Revoked(
                revoked.certificate.clone(),
                SystemTime::now() - Duration::from_secs(600),
                "keyCompromise",
            ),
            IndexEntry::Valid(signer.certificate.clone()),
        ],
    )
    .expect("index");
    Setup {
        pki,
        good,
        revoked,
        unknown,
        signer,
        dir,
        index,
    }
}

fn checker(s: &Setup, cfg: RevocationConfig) -> (RevocationChecker, Arc<SecurityEvents>) {
    let ev = Arc::new(SecurityEvents::new());
    let mut cfg = cfg.with_trust_anchor(s.pki.ca().certificate.clone());
    cfg.use_crl_distribution_points = false;
    (
        RevocationChecker::without_fetcher(cfg, ev.clone()).expect("checker"),
        ev,
    )
}

fn ca(s: &Setup) -> openssl::x509::X509 {
    s.pki.ca().certificate.clone()
}

#[test]
fn ocsp_good_revoked_unknown_from_openssl_responder_and_cache() {
    if !openssl_available("ocsp_good_revoked_unknown_from_openssl_responder_and_cache") {
        return;
    }
    let port = free_port().expect("port");
    // The leaves name the responder in authorityInfoAccess; the responder is started on
    // that port below.
    let url = format!("http://127.0.0.1:{port}/");
    let s = setup(&url);
    let responder = start_on(&s, port, &s.signer, 1);
    assert_eq!(responder.url(), url);
    let (c, ev) = checker(&s, RevocationConfig::new());
    let ca = ca(&s);
    assert!(matches!(
        c.check_now(&s.good.certificate, &ca),
        RevocationStatus::Good { .. }
    ));
    match c.check_now(&s.revoked.certificate, &ca) {
        RevocationStatus::Revoked { reason, .. } => {
            assert_eq!(reason.as_deref(), Some("keyCompromise"))
        }
        other => panic!("expected revoked, got {other:?}"),
    }
    assert!(matches!(
        c.check_now(&s.unknown.certificate, &ca),
        RevocationStatus::Unknown { .. }
    ));
    assert_eq!(ev.count(events::OCSP_UNKNOWN), 1);
    assert_eq!(
        ev.iec62351_14_id(events::OCSP_UNKNOWN),
        Some("IEC62351-9:4.7")
    );
    // A genuine, well-signed response for another certificate is no answer for this one.
    let other = c
        .stapling_response(&s.good.certificate, &ca)
        .expect("the good certificate's cached response");
    let replay = cot::pki_services::HttpServer::start(cot::pki_services::HttpAnswer::Body(other))
        .expect("server");
    let (c2, ev2) = checker(
        &s,
        RevocationConfig::new().with_ocsp_responder(replay.url("")),
    );
    let st = c2.check_now(&s.revoked.certificate, &ca);
    assert_eq!(st.event_code(), Some(events::OCSP_SIGNATURE), "{st:?}");
    assert_eq!(ev2.count(events::OCSP_SIGNATURE), 1);
    // Cached until nextUpdate: the answers stay when the responder is gone.
    drop(responder);
    assert!(c.check(&s.good.certificate, &ca).is_good());
    assert!(c.check(&s.revoked.certificate, &ca).is_revoked());
    assert!(c.check_now(&s.good.certificate, &ca).is_good());
    assert_eq!(ev.count(events::OCSP_UNREACHABLE), 0);
    let _ = std::fs::remove_dir_all(&s.dir);
}

/// `openssl ocsp` on `port` (the one the leaves' authorityInfoAccess names).
fn start_on(s: &Setup, port: u16, signer: &Credential, ndays: u32) -> OcspResponder {
    OcspResponder::start_on_port(&s.dir, &s.index, &ca(s), signer, ndays, port)
        .expect("openssl ocsp responder")
}

#[test]
fn background_fetcher_fills_the_cache() {
    if !openssl_available("background_fetcher_fills_the_cache") {
        return;
    }
    let port = free_port().expect("port");
    let s = setup(&format!("http://127.0.0.1:{port}/"));
    let _responder = start_on(&s, port, &s.signer, 1);
    let ev = Arc::new(SecurityEvents::new());
    let mut cfg = RevocationConfig::new().with_trust_anchor(ca(&s));
    cfg.use_crl_distribution_points = false;
    let c = RevocationChecker::new(cfg, ev).expect("checker");
    let ca = ca(&s);
    // Nothing known yet: unavailable at once (no waiting on the network), fetch queued.
    let first = c.check(&s.revoked.certificate, &ca);
    assert_eq!(
        first.event_code(),
        Some(events::OCSP_UNREACHABLE),
        "{first:?}"
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while !c.check(&s.revoked.certificate, &ca).is_revoked() {
        assert!(
            Instant::now() < deadline,
            "the background fetch never arrived"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(c.generation() > 0);
    let _ = std::fs::remove_dir_all(&s.dir);
}

#[test]
fn ocsp_responder_down_and_hanging() {
    if !openssl_available("ocsp_responder_down_and_hanging") {
        return;
    }
    let port = free_port().expect("port");
    let s = setup(&format!("http://127.0.0.1:{port}/"));
    // Down: nothing listens on the port the certificate names.
    let (c, ev) = checker(&s, RevocationConfig::new());
    let st = c.check_now(&s.good.certificate, &ca(&s));
    assert_eq!(st.event_code(), Some(events::OCSP_UNREACHABLE), "{st:?}");
    assert_eq!(ev.count(events::OCSP_UNREACHABLE), 1);
    // A failed fetch is not retried before the retry period: no second event at once.
    let st = c.check_now(&s.good.certificate, &ca(&s));
    assert_eq!(st.event_code(), Some(events::OCSP_UNREACHABLE));
    assert_eq!(ev.count(events::OCSP_UNREACHABLE), 1);
    // Hanging: accepts and never answers.
    let hang = HttpServer::start(HttpAnswer::Hang).expect("server");
    let (c, ev) = checker(
        &s,
        RevocationConfig::new()
            .with_ocsp_responder(hang.url(""))
            .with_fetch_timeout(Duration::from_millis(300)),
    );
    let st = c.check_now(&s.good.certificate, &ca(&s));
    assert_eq!(st.event_code(), Some(events::OCSP_TIMEOUT), "{st:?}");
    assert_eq!(ev.count(events::OCSP_TIMEOUT), 1);
    assert_eq!(
        ev.iec62351_14_id(events::OCSP_TIMEOUT),
        Some("IEC62351-9:4.6")
    );
    // An HTTP error status is "not reachable".
    let err = HttpServer::start(HttpAnswer::Status(500)).expect("server");
    let (c, _) = checker(&s, RevocationConfig::new().with_ocsp_responder(err.url("")));
    assert_eq!(
        c.check_now(&s.good.certificate, &ca(&s)).event_code(),
        Some(events::OCSP_UNREACHABLE)
    );
    // Garbage instead of an OCSP response: signature/format failure.
    let junk = HttpServer::start(HttpAnswer::Body(b"not DER".to_vec())).expect("server");
    let (c, ev) = checker(
        &s,
        RevocationConfig::new().with_ocsp_responder(junk.url("")),
    );
    assert_eq!(
        c.check_now(&s.good.certificate, &ca(&s)).event_code(),
        Some(events::OCSP_SIGNATURE)
    );
    assert_eq!(ev.count(events::OCSP_SIGNATURE), 1);
    let _ = std::fs::remove_dir_all(&s.dir);
}

#[test]
fn ocsp_stale_response_is_unavailable_not_good() {
    if !openssl_available("ocsp_stale_response_is_unavailable_not_good") {
        return;
    }
    let port = free_port().expect("port");
    let s = setup(&format!("http://127.0.0.1:{port}/"));
    let _responder = start_on(&s, port, &s.signer, 1);
    // The responder's answers are valid one day; our clock is three days ahead.
    let ahead: Clock = Arc::new(|| SystemTime::now() + Duration::from_secs(3 * 86_400));
    let (c, ev) = checker(&s, RevocationConfig::new().with_clock(ahead));
    let st = c.check_now(&s.revoked.certificate, &ca(&s));
    assert_eq!(st.event_code(), Some(events::OCSP_EXPIRED), "{st:?}");
    assert_eq!(ev.count(events::OCSP_EXPIRED), 1);
    // The same responder with the real clock: fine.
    let (c, _) = checker(&s, RevocationConfig::new());
    assert!(c.check_now(&s.revoked.certificate, &ca(&s)).is_revoked());
    let _ = std::fs::remove_dir_all(&s.dir);
}

#[test]
fn ocsp_wrong_and_unauthorised_signers_are_refused() {
    if !openssl_available("ocsp_wrong_and_unauthorised_signers_are_refused") {
        return;
    }
    let port = free_port().expect("port");
    let s = setup(&format!("http://127.0.0.1:{port}/"));
    // Signed by a responder certificate of another CA.
    let other = Pki::new_root("Other CA", KeyKind::EcP256).expect("ca");
    let foreign = other
        .issue(&LeafSpec::ocsp_responder("foreign signer").with_key(KeyKind::EcP256))
        .expect("signer");
    {
        let _r = start_on(&s, port, &foreign, 1);
        let (c, ev) = checker(&s, RevocationConfig::new());
        let st = c.check_now(&s.revoked.certificate, &ca(&s));
        assert_eq!(st.event_code(), Some(events::OCSP_SIGNATURE), "{st:?}");
        assert!(!st.is_revoked() && !st.is_good());
        assert_eq!(ev.count(events::OCSP_SIGNATURE), 1);
        assert_eq!(
            ev.iec62351_14_id(events::OCSP_SIGNATURE),
            Some("IEC62351-9:4.9")
        );
    }
    // Signed by a certificate of the right CA that lacks id-kp-OCSPSigning: not authorised.
    let plain = s
        .pki
        .issue(&LeafSpec::new("not a responder").with_key(KeyKind::EcP256))
        .expect("leaf");
    let port2 = free_port().expect("port");
    let _r = start_on(&s, port2, &plain, 1);
    let (c, _) = checker(
        &s,
        RevocationConfig::new().with_ocsp_responder(format!("http://127.0.0.1:{port2}/")),
    );
    let st = c.check_now(&s.good.certificate, &ca(&s));
    assert_eq!(st.event_code(), Some(events::OCSP_SIGNATURE), "{st:?}");
    let _ = std::fs::remove_dir_all(&s.dir);
}

#[test]
fn crl_distribution_point_over_http() {
    let pki = Pki::new_root("CRL DP CA", KeyKind::EcP256).expect("ca");
    let ca = pki.ca().certificate.clone();
    let later = SystemTime::now() + Duration::from_secs(3600);
    let server = HttpServer::start(HttpAnswer::Status(404)).expect("server");
    let url = server.url("ca.crl");
    let leaf = |cn: &str| {
        pki.issue(
            &LeafSpec::new(cn)
                .with_key(KeyKind::EcP256)
                .with_crl_url(&url),
        )
        .expect("leaf")
    };
    let good = leaf("good");
    let bad = leaf("bad");
    let crl = pki.crl(&[&bad.certificate], later).expect("crl");
    let ev = Arc::new(SecurityEvents::new());
    let mut cfg = RevocationConfig::new().with_trust_anchor(ca.clone());
    cfg.use_ocsp = false;
    cfg.retry_period = Duration::ZERO;
    cfg.max_crl_size = 64 << 10;
    let c = RevocationChecker::without_fetcher(cfg, ev.clone()).expect("checker");
    // 404: the distribution point is not reachable.
    assert_eq!(
        c.check_now(&good.certificate, &ca).event_code(),
        Some(events::CRL_UNREACHABLE)
    );
    assert_eq!(ev.count(events::CRL_UNREACHABLE), 1);
    assert_eq!(
        ev.iec62351_14_id(events::CRL_UNREACHABLE),
        Some("IEC62351-9:4.2")
    );
    // Malformed.
    server.set(HttpAnswer::Body(b"garbage".to_vec()));
    assert_eq!(
        c.check_now(&good.certificate, &ca).event_code(),
        Some(events::CRL_SIGNATURE)
    );
    // Oversized: refused before parsing.
    server.set(HttpAnswer::Body(vec![0x30; 100_000]));
    let st = c.check_now(&good.certificate, &ca);
    assert_eq!(st.event_code(), Some(events::CRL_UNREACHABLE), "{st:?}");
    // The real CRL.
    server.set(HttpAnswer::Body(crl.to_der().expect("der")));
    assert!(c.check_now(&good.certificate, &ca).is_good());
    assert!(c.check_now(&bad.certificate, &ca).is_revoked());
    assert!(server.hit_count() >= 4);
}

#[test]
fn no_crl_covers_the_issuer_is_an_event_not_a_pass() {
    let pki = Pki::new_root("Bare CA", KeyKind::EcP256).expect("ca");
    let leaf = pki
        .issue(&LeafSpec::new("bare").with_key(KeyKind::EcP256))
        .expect("leaf");
    let other = Pki::new_root("Unrelated CA", KeyKind::EcP256).expect("ca");
    let unrelated = other
        .crl(&[], SystemTime::now() + Duration::from_secs(3600))
        .expect("crl");
    let ev = Arc::new(SecurityEvents::new());
    let cfg = RevocationConfig::new()
        .with_trust_anchor(pki.ca().certificate.clone())
        .with_crl(unrelated);
    let c = RevocationChecker::without_fetcher(cfg, ev).expect("checker");
    let st = c.check_chain(std::slice::from_ref(&leaf.certificate), true);
    assert_eq!(st.event_code(), Some(events::NO_CRL), "{st:?}");
    assert!(!st.is_good());
}

/// RFC 6960 §4.4.1 / RFC 8954: every request carries a nonce, `openssl ocsp` echoes it, and a
/// genuine, fresh, well-signed response for the very certificate asked about is still refused
/// when it carries the nonce of an earlier request (a replay). A response without any nonce is
/// used unless `require_ocsp_nonce` says otherwise.
#[test]
fn ocsp_nonce_is_echoed_and_a_replayed_response_is_refused() {
    if !openssl_available("ocsp_nonce_is_echoed_and_a_replayed_response_is_refused") {
        return;
    }
    let port = free_port().expect("port");
    let url = format!("http://127.0.0.1:{port}/");
    let s = setup(&url);
    let _responder = start_on(&s, port, &s.signer, 1);
    let ca = ca(&s);
    let mut strict = RevocationConfig::new();
    strict.require_ocsp_nonce = true;
    // The real responder echoes our nonce: good even when the nonce is required.
    let (c, _) = checker(&s, strict.clone());
    assert!(c.check_now(&s.good.certificate, &ca).is_good());
    let earlier = c
        .stapling_response(&s.good.certificate, &ca)
        .expect("the cached response");
    // The same response served again answers a new request with a new nonce: refused.
    let replay = HttpServer::start(HttpAnswer::Body(earlier)).expect("server");
    let (c2, ev2) = checker(
        &s,
        RevocationConfig::new().with_ocsp_responder(replay.url("")),
    );
    let st = c2.check_now(&s.good.certificate, &ca);
    assert_eq!(st.event_code(), Some(events::OCSP_SIGNATURE), "{st:?}");
    assert_eq!(ev2.count(events::OCSP_SIGNATURE), 1);
    // A response to a request without a nonce carries none: used by default ...
    let mut no_nonce = RevocationConfig::new();
    no_nonce.ocsp_nonce = false;
    let (c3, _) = checker(&s, no_nonce);
    assert!(c3.check_now(&s.good.certificate, &ca).is_good());
    let plain = c3
        .stapling_response(&s.good.certificate, &ca)
        .expect("the cached response");
    replay.set(HttpAnswer::Body(plain));
    let (c4, _) = checker(
        &s,
        RevocationConfig::new().with_ocsp_responder(replay.url("")),
    );
    assert!(c4.check_now(&s.good.certificate, &ca).is_good());
    // ... and refused when the nonce is required.
    let (c5, ev5) = checker(&s, strict.with_ocsp_responder(replay.url("")));
    let st = c5.check_now(&s.good.certificate, &ca);
    assert_eq!(st.event_code(), Some(events::OCSP_SIGNATURE), "{st:?}");
    assert_eq!(ev5.count(events::OCSP_SIGNATURE), 1);
    let _ = std::fs::remove_dir_all(&s.dir);
}
