//! Unit tests of the revocation checker without a network: the time reader, configured CRLs,
//! `file:` distribution points, the "no CRL" event, the cache of judged OCSP answers.

use super::*;
use crate::pki::{KeyKind, LeafSpec, Pki};

fn events() -> Arc<SecurityEvents> {
    Arc::new(SecurityEvents::new())
}

#[test]
fn configured_crl_good_revoked_and_no_crl_event() {
    let pki = Pki::new_root("Rev CA", KeyKind::EcP256).expect("ca");
    let good = pki
        .issue(&LeafSpec::new("good").with_key(KeyKind::EcP256))
        .expect("leaf");
    let bad = pki
        .issue(&LeafSpec::new("bad").with_key(KeyKind::EcP256))
        .expect("leaf");
    let later = SystemTime::now() + Duration::from_secs(3600);
    let crl = pki.crl(&[&bad.certificate], later).expect("crl");
    let ca = pki.ca().certificate.clone();
    let cfg = RevocationConfig::new()
        .with_trust_anchor(ca.clone())
        .with_crl(crl);
    let c = RevocationChecker::without_fetcher(cfg, events()).expect("checker");
    assert!(c.check(&good.certificate, &ca).is_good());
    assert!(c.check(&bad.certificate, &ca).is_revoked());
    assert!(c
        .check_chain(std::slice::from_ref(&bad.certificate), false)
        .is_revoked());
    // No CRL at all: unavailable with the "no CRL" event code, never revoked.
    let c = RevocationChecker::without_fetcher(
        RevocationConfig::new().with_trust_anchor(ca.clone()),
        events(),
    )
    .expect("checker");
    assert_eq!(
        c.check(&good.certificate, &ca).event_code(),
        Some(events::NO_CRL)
    );
}

#[test]
fn expired_and_forged_crls_are_unavailable_not_revoked() {
    let pki = Pki::new_root("Rev CA", KeyKind::EcP256).expect("ca");
    let leaf = pki
        .issue(&LeafSpec::new("leaf").with_key(KeyKind::EcP256))
        .expect("leaf");
    let ca = pki.ca().certificate.clone();
    let soon = SystemTime::now() + Duration::from_secs(60);
    let crl = pki.crl(&[&leaf.certificate], soon).expect("crl");
    let shifted: Clock = Arc::new(|| SystemTime::now() + Duration::from_secs(7200));
    let cfg = RevocationConfig::new()
        .with_trust_anchor(ca.clone())
        .with_crl(crl)
        .with_clock(shifted);
    let c = RevocationChecker::without_fetcher(cfg, events()).expect("checker");
    assert_eq!(
        c.check(&leaf.certificate, &ca).event_code(),
        Some(events::CRL_EXPIRED)
    );
    let other = Pki::new_root("Rev CA", KeyKind::EcP256).expect("same name, other key");
    let forged = other
        .crl(
            &[&leaf.certificate],
            SystemTime::now() + Duration::from_secs(3600),
        )
        .expect("crl");
    let cfg = RevocationConfig::new()
        .with_trust_anchor(ca.clone())
        .with_crl(forged);
    let c = RevocationChecker::without_fetcher(cfg, events()).expect("checker");
    assert_eq!(
        c.check(&leaf.certificate, &ca).event_code(),
        Some(events::CRL_SIGNATURE)
    );
}

#[test]
fn file_distribution_point_and_reload() {
    let dir = std::env::temp_dir().join(format!("cot-revocation-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("dp.crl");
    let url = format!("file://{}", path.display());
    let pki = Pki::new_root("DP CA", KeyKind::EcP256).expect("ca");
    let leaf = pki
        .issue(
            &LeafSpec::new("leaf")
                .with_key(KeyKind::EcP256)
                .with_crl_url(&url),
        )
        .expect("leaf");
    assert_eq!(
        crl_distribution_points(&leaf.certificate),
        vec![url.clone()]
    );
    let ca = pki.ca().certificate.clone();
    let later = SystemTime::now() + Duration::from_secs(3600);
    std::fs::write(
        &path,
        pki.crl(&[], later).expect("crl").to_der().expect("der"),
    )
    .expect("write");
    let ev = events();
    let mut cfg = RevocationConfig::new().with_trust_anchor(ca.clone());
    cfg.use_ocsp = false;
    let c = RevocationChecker::without_fetcher(cfg, ev.clone()).expect("checker");
    // Without a fetcher, check() cannot fetch: unavailable until check_now().
    assert_eq!(
        c.check(&leaf.certificate, &ca).event_code(),
        Some(events::CRL_UNREACHABLE)
    );
    let g0 = c.generation();
    assert!(c.check_now(&leaf.certificate, &ca).is_good());
    assert!(c.generation() > g0);
    assert!(c.check(&leaf.certificate, &ca).is_good());
    // An unreadable distribution point: the event, unavailable.
    let missing = pki
        .issue(
            &LeafSpec::new("missing")
                .with_key(KeyKind::EcP256)
                .with_crl_url(&format!("file://{}/nope.crl", dir.display())),
        )
        .expect("leaf");
    assert_eq!(
        c.check_now(&missing.certificate, &ca).event_code(),
        Some(events::CRL_UNREACHABLE)
    );
    assert_eq!(ev.count(events::CRL_UNREACHABLE), 1);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn configured_crl_file_is_reread() {
    let dir = std::env::temp_dir().join(format!("cot-revocation-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("ca.crl");
    let pki = Pki::new_root("File CA", KeyKind::EcP256).expect("ca");
    let leaf = pki
        .issue(&LeafSpec::new("leaf").with_key(KeyKind::EcP256))
        .expect("leaf");
    let ca = pki.ca().certificate.clone();
    let later = SystemTime::now() + Duration::from_secs(3600);
    std::fs::write(
        &path,
        pki.crl(&[], later).expect("crl").to_pem().expect("pem"),
    )
    .expect("write");
    let cfg = RevocationConfig::new()
        .with_trust_anchor(ca.clone())
        .with_crl_file(&path);
    let c = RevocationChecker::without_fetcher(cfg, events()).expect("checker");
    assert!(c.check(&leaf.certificate, &ca).is_good());
    let revoked = pki.crl(&[&leaf.certificate], later).expect("crl");
    std::fs::write(&path, revoked.to_pem().expect("pem")).expect("write");
    let g = c.generation();
    assert!(c.reload_crl_files());
    assert!(c.generation() > g);
    assert!(c.check(&leaf.certificate, &ca).is_revoked());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn reader_of_printed_generalized_time() {
    // Independent reference: 2023-11-14 22:13:20 UTC is 1 700 000 000 s after the epoch.
    let g = openssl::asn1::Asn1GeneralizedTime::from_str("20231114221320Z").expect("time");
    assert_eq!(
        generalized_time(&g),
        Some(UNIX_EPOCH + Duration::from_secs(1_700_000_000))
    );
    let g = openssl::asn1::Asn1GeneralizedTime::from_str("20240229000000Z").expect("time");
    assert_eq!(
        generalized_time(&g),
        Some(UNIX_EPOCH + Duration::from_secs(1_709_164_800))
    );
}
