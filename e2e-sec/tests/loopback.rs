//! In-memory association pairs (acse::association::Association, sans-IO) with the E2E provider
//! on both ends: handshake, every data-transfer mode both ways, rekey mid-stream with a shifted
//! clock, release, and each handshake and data-phase failure with its diagnostic and event.
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use acse::association::{Association, AssociationConfig, Refused};
use acse::loopback::{deliver, drain, shuttle, Seen};
use acse::security::{AssociationSecurity, Role, SecurityEvents, TransportSecurity};
use cot::pki::{KeyKind, LeafSpec, Pki};
use e2e_sec::config::{AeadAlgorithm, CbcAlgorithm, Clock, DhGroup};
use e2e_sec::events as ev;
use e2e_sec::{E2eConfig, E2eCredential, E2eFactory, E2eMode, IcvAlgorithm};

const INIT_REQ: &[u8] = &[0xA8, 0x03, 0x80, 0x01, 0x01];
const INIT_RSP: &[u8] = &[0xA9, 0x03, 0x80, 0x01, 0x01];

struct Env {
    root: Pki,
    client: E2eCredential,
    server: E2eCredential,
    offset: Arc<AtomicI64>,
}

fn cred(c: cot::pki::Credential) -> E2eCredential {
    E2eCredential {
        certificate: c.certificate,
        key: c.key,
        chain: c.chain,
    }
}

fn env_with(client_oid: &str, key: KeyKind) -> Env {
    let root = Pki::new_root("E2E test root", KeyKind::EcP256).unwrap();
    let mut spec = LeafSpec::new("client").with_key(key);
    spec.object_identifier = Some(client_oid.to_owned());
    // OpenSSL 3.0 cannot parse an OBJECT IDENTIFIER-valued name attribute (ASN1_PRINTABLE):
    // the UTF8String form of docs/facts.md E-12 is the one that works end to end.
    spec.object_identifier_utf8 = true;
    let client = cred(root.issue(&spec).unwrap());
    let server = cred(
        root.issue(&LeafSpec::new("server").with_object_identifier("1.1.1.999.12"))
            .unwrap(),
    );
    Env {
        root,
        client,
        server,
        offset: Arc::new(AtomicI64::new(0)),
    }
}

fn env() -> Env {
    env_with("1.1.1.999.12", KeyKind::EcP256)
}

impl Env {
    fn clock(&self) -> Clock {
        let o = self.offset.clone();
        Arc::new(move || {
            let s = o.load(Ordering::SeqCst);
            if s >= 0 {
                SystemTime::now() + Duration::from_secs(s as u64)
            } else {
                SystemTime::now() - Duration::from_secs((-s) as u64)
            }
        })
    }
    fn config(&self, c: &E2eCredential, mode: E2eMode) -> E2eConfig {
        let mut cfg =
            E2eConfig::new(c.clone(), vec![self.root.ca().certificate.clone()]).with_mode(mode);
        cfg.clock = self.clock();
        cfg
    }
    fn factories(&self, cc: E2eConfig, sc: E2eConfig) -> (E2eFactory, E2eFactory) {
        (
            E2eFactory::new(cc, Arc::new(SecurityEvents::new())).unwrap(),
            E2eFactory::new(sc, Arc::new(SecurityEvents::new())).unwrap(),
        )
    }
}

fn provider(f: &E2eFactory, role: Role) -> Box<dyn AssociationSecurity> {
    Box::new(f.e2e_provider(role, &TransportSecurity::plain()))
}

/// Runs the establishment; returns both ends and what the client saw last.
fn establish(cf: &E2eFactory, sf: &E2eFactory) -> (Association, Association, Vec<Seen>) {
    let mut c = Association::connect(
        AssociationConfig::default(),
        INIT_REQ,
        Some(provider(cf, Role::Initiator)),
    );
    let mut s = Association::accept_incoming(
        AssociationConfig::default(),
        Some(provider(sf, Role::Responder)),
    );
    let mut last = Vec::new();
    for _ in 0..6 {
        shuttle(&mut c, &mut s).unwrap();
        if let Ok(evs) = drain(&mut s) {
            for ev in evs {
                if let Seen::AssociateIndication(ud) = ev {
                    assert_eq!(
                        ud.as_deref(),
                        Some(INIT_REQ),
                        "the server's MMS sees the initiate-Request"
                    );
                    s.accept(INIT_RSP).unwrap();
                }
            }
        }
        shuttle(&mut s, &mut c).unwrap();
        match drain(&mut c) {
            Ok(evs) => {
                if !evs.is_empty() {
                    last = evs;
                }
            }
            Err(_) => {
                shuttle(&mut c, &mut s).unwrap();
                let _ = drain(&mut s);
                return (c, s, last);
            }
        }
        if c.is_closed() || matches!(last.first(), Some(Seen::Associated(_))) {
            break;
        }
    }
    (c, s, last)
}

fn all_modes() -> Vec<E2eMode> {
    vec![
        E2eMode::IcvOnly(IcvAlgorithm::HmacSha256),
        E2eMode::IcvOnly(IcvAlgorithm::Aes128Gmac),
        E2eMode::Aead(AeadAlgorithm::Aes128Gcm),
        E2eMode::Aead(AeadAlgorithm::Aes256Gcm),
        E2eMode::CbcIcv(CbcAlgorithm::Aes128Cbc, IcvAlgorithm::HmacSha256),
        E2eMode::CbcIcv(CbcAlgorithm::Aes256Cbc, IcvAlgorithm::Aes128Gmac),
    ]
}

fn exchange(c: &mut Association, s: &mut Association, n: usize) {
    for i in 0..n {
        let req = vec![0xA0, 0x02, 0x02, (i % 100) as u8];
        c.send_data(&req).unwrap();
        let got = deliver(c, s).unwrap();
        assert_eq!(
            got,
            vec![Seen::Data(3, req.clone())],
            "server got request {i}"
        );
        let rsp = vec![0xA1, 0x03, 0x02, 0x01, (i % 100) as u8];
        s.send_data(&rsp).unwrap();
        let got = deliver(s, c).unwrap();
        assert_eq!(
            got,
            vec![Seen::Data(3, rsp.clone())],
            "client got response {i}"
        );
    }
}

#[test]
fn handshake_and_every_mode_carries_data_both_ways() {
    let e = env();
    for mode in all_modes() {
        let (cf, sf) = e.factories(e.config(&e.client, mode), e.config(&e.server, mode));
        let (mut c, mut s, last) = establish(&cf, &sf);
        assert_eq!(
            last,
            vec![Seen::Associated(Some(INIT_RSP.to_vec()))],
            "{mode:?}"
        );
        // On the wire the data goes on the e2eSecurityAS context (5), never in clear.
        c.send_data(b"\xA0\x06secret").unwrap();
        let wire = c.transmit().to_vec();
        let clear_visible = wire.windows(6).any(|w| w == b"secret");
        assert_eq!(clear_visible, !mode.encrypts(), "{mode:?}: confidentiality");
        let got = deliver(&mut c, &mut s).unwrap();
        assert_eq!(got, vec![Seen::Data(3, b"\xA0\x06secret".to_vec())]);
        exchange(&mut c, &mut s, 5);
        // Release: ReleaseReq / ReleaseRsp in RLRQ / RLRE.
        c.release(None).unwrap();
        let got = deliver(&mut c, &mut s)
            .unwrap_or_else(|e| panic!("{mode:?} {e} {:?}", sf.events().snapshot()));
        assert!(got.contains(&Seen::ReleaseIndication), "{mode:?} {got:?}");
        s.respond_release(None).unwrap();
        let got = deliver(&mut s, &mut c).unwrap();
        assert!(got.contains(&Seen::Released), "{mode:?} {got:?}");
        assert_eq!(
            sf.events().count(ev::ESTABLISHED),
            1,
            "server established event"
        );
        assert_eq!(
            cf.events().count(ev::ESTABLISHED),
            1,
            "client established event"
        );
    }
}

#[test]
fn every_dh_group_and_rsa_keys() {
    let e = env_with("1.1.1.999.12", KeyKind::Rsa(2048));
    for g in [DhGroup::Modp2048, DhGroup::P256, DhGroup::BrainpoolP256] {
        let mut cc = e.config(&e.client, E2eMode::Aead(AeadAlgorithm::Aes128Gcm));
        cc.dh_group = g;
        let (cf, sf) = e.factories(
            cc,
            e.config(&e.server, E2eMode::Aead(AeadAlgorithm::Aes128Gcm)),
        );
        let (mut c, mut s, last) = establish(&cf, &sf);
        assert_eq!(
            last,
            vec![Seen::Associated(Some(INIT_RSP.to_vec()))],
            "{g:?}"
        );
        exchange(&mut c, &mut s, 2);
    }
}

#[test]
fn rekey_mid_stream_loses_and_reorders_nothing() {
    let e = env();
    for mode in all_modes() {
        let mut sc = e.config(&e.server, mode);
        sc.rekey_period = Duration::from_secs(2);
        sc.allow_short_rekey = true;
        let (cf, sf) = e.factories(e.config(&e.client, mode), sc);
        e.offset.store(0, Ordering::SeqCst);
        let (mut c, mut s, _) = establish(&cf, &sf);
        exchange(&mut c, &mut s, 3);
        // Three seconds later the server asks for a rekey on its next PDU.
        e.offset.store(3, Ordering::SeqCst);
        // Several PDUs in flight each way across the switch, delivered in order.
        for i in 0..4u8 {
            s.send_data(&[0xA3, 0x01, i]).unwrap();
        }
        let got = deliver(&mut s, &mut c).unwrap();
        assert_eq!(
            got,
            (0..4u8)
                .map(|i| Seen::Data(3, vec![0xA3, 0x01, i]))
                .collect::<Vec<_>>()
        );
        for i in 0..4u8 {
            c.send_data(&[0xA0, 0x01, i]).unwrap();
        }
        let got = deliver(&mut c, &mut s).unwrap();
        assert_eq!(
            got,
            (0..4u8)
                .map(|i| Seen::Data(3, vec![0xA0, 0x01, i]))
                .collect::<Vec<_>>()
        );
        exchange(&mut c, &mut s, 3);
        assert_eq!(
            sf.events().count(ev::REKEYED),
            1,
            "{mode:?}: server rekeyed once"
        );
        assert!(
            cf.events().count(ev::REKEYED) == 1,
            "{mode:?}: client sent a new DH value"
        );
        // And again one period later.
        e.offset.store(6, Ordering::SeqCst);
        exchange(&mut c, &mut s, 3);
        assert_eq!(sf.events().count(ev::REKEYED), 2, "{mode:?}");
    }
    e.offset.store(0, Ordering::SeqCst);
}

#[test]
fn production_rekey_period_is_bounded() {
    let e = env();
    let mut c = e.config(&e.client, E2eMode::Aead(AeadAlgorithm::Aes128Gcm));
    c.rekey_period = Duration::from_secs(60);
    assert!(E2eFactory::new(c.clone(), Arc::new(SecurityEvents::new())).is_err());
    c.rekey_period = Duration::from_secs(25 * 3600);
    assert!(E2eFactory::new(c, Arc::new(SecurityEvents::new())).is_err());
}

/// The server refuses: the client sees the AARE rejection, the server counts the event `code`,
/// the client the event `client_code` of the signed HandshakeSecReject it verified (by its
/// diagnostic; none for an alarm).
fn expect_reject(cf: &E2eFactory, sf: &E2eFactory, code: &str, client_code: &str) {
    let (c, _s, last) = establish(cf, sf);
    assert!(c.is_closed());
    assert!(
        matches!(last.first(), Some(Seen::Refused(Refused::Acse { .. }))),
        "{code}: {last:?}"
    );
    assert_eq!(
        sf.events().count(code),
        1,
        "{code}: {:?}",
        sf.events().snapshot()
    );
    // The client verified the signed HandshakeSecReject.
    assert_eq!(
        cf.events().count(client_code),
        1,
        "{client_code}: {:?}",
        cf.events().snapshot()
    );
    assert_eq!(cf.events().total(), 1, "{:?}", cf.events().snapshot());
}

#[test]
fn handshake_failures_give_their_diagnostic_and_event() {
    let e = env();
    let gcm = E2eMode::Aead(AeadAlgorithm::Aes128Gcm);
    let hmac = E2eMode::IcvOnly(IcvAlgorithm::HmacSha256);
    // Encryption required by the server, ICV only offered → encryption-required.
    let (cf, sf) = e.factories(e.config(&e.client, hmac), e.config(&e.server, gcm));
    expect_reject(
        &cf,
        &sf,
        "IEC62351-4:1.22", // ENCR_IS_REQUIRED_ASS_REQ
        "IEC62351-4:4.27", // ENCR_IS_REQUIRED_SEC_REJ_DIA
    );
    // DH group not supported.
    let mut cc = e.config(&e.client, gcm);
    cc.dh_group = DhGroup::Modp2048;
    let mut sc = e.config(&e.server, gcm);
    sc.dh_groups = vec![DhGroup::P256];
    let (cf, sf) = e.factories(cc, sc);
    expect_reject(
        &cf,
        &sf,
        "IEC62351-4:1.12", // UNSUP_DH_GROUP_ASS_REQ
        "IEC62351-4:4.17", // UNSUP_DH_GROUP_SEC_REJ_DIA
    );
    // Client clock 11 minutes off → invalid-time-value.
    let mut cc = e.config(&e.client, gcm);
    let o = Arc::new(AtomicI64::new(0));
    cc.clock = Arc::new(move || {
        SystemTime::now() - Duration::from_secs(660)
            + Duration::from_secs(o.load(Ordering::SeqCst) as u64)
    });
    let (cf, sf) = e.factories(cc, e.config(&e.server, gcm));
    expect_reject(
        &cf,
        &sf,
        "IEC62351-4:1.10", // INV_TIME_ASS_REQ
        // The client's clock is the one that is off: the server's HandshakeSecReject is
        // outside the client's window, so the client reports INV_TIME_ASS_SEC_REJ on it.
        "IEC62351-4:4.9",
    );
    // The same client with a window wide enough for the server's time: it verifies the
    // HandshakeSecReject and reports its diagnostic, invalid-time-value.
    let mut cc = e.config(&e.client, gcm);
    cc.clock = Arc::new(move || SystemTime::now() - Duration::from_secs(660));
    cc.time_window = Duration::from_secs(1200);
    let (cf, sf) = e.factories(cc, e.config(&e.server, gcm));
    expect_reject(
        &cf,
        &sf,
        "IEC62351-4:1.10", // INV_TIME_ASS_REQ
        "IEC62351-4:4.16", // INV_TIME_SEC_REJ_DIA
    );
    // A client certificate from another CA → path invalid.
    let other = Pki::new_root("other", KeyKind::EcP256).unwrap();
    let mut spec = LeafSpec::new("intruder").with_key(KeyKind::EcP256);
    spec.object_identifier = Some("1.1.1.999.12".into());
    // OpenSSL 3.0 cannot parse an OBJECT IDENTIFIER-valued name attribute (ASN1_PRINTABLE):
    // the UTF8String form of docs/facts.md E-12 is the one that works end to end.
    spec.object_identifier_utf8 = true;
    let stranger = cred(other.issue(&spec).unwrap());
    let mut cc = e.config(&stranger, gcm);
    cc.trust_anchors = vec![e.root.ca().certificate.clone()];
    let (cf, sf) = e.factories(cc, e.config(&e.server, gcm));
    // PKCERT_ERROR_ASS_REQ (the draft has one event for certificate and path; the diagnostic
    // invalid-certification-path says which), and no group-4 event for that diagnostic.
    expect_reject(&cf, &sf, "IEC62351-4:1.6", ev::PEER_REFUSED);
    // A certificate whose subject does not match the calling AP-title → address mismatch alarm.
    let wrong = env_with("1.1.1.999.99", KeyKind::EcP256);
    let mut cc = wrong.config(&wrong.client, gcm);
    cc.trust_anchors = vec![wrong.root.ca().certificate.clone()];
    let mut sc = wrong.config(&wrong.server, gcm);
    sc.trust_anchors = vec![wrong.root.ca().certificate.clone()];
    let (cf, sf) = wrong.factories(cc, sc);
    expect_reject(
        &cf,
        &sf,
        "IEC62351-4:1.8",  // ADDR_MISMATCH_ASS_REQ (alarm: no diagnostic)
        "IEC62351-4:4.11", // ALARM_RCV_ASS_SEC_REJ
    );
    // An expired client certificate.
    let past = SystemTime::now() - Duration::from_secs(10 * 86_400);
    let mut spec = LeafSpec::new("old")
        .with_key(KeyKind::EcP256)
        .with_validity(past, past + Duration::from_secs(86_400));
    spec.object_identifier = Some("1.1.1.999.12".into());
    // OpenSSL 3.0 cannot parse an OBJECT IDENTIFIER-valued name attribute (ASN1_PRINTABLE):
    // the UTF8String form of docs/facts.md E-12 is the one that works end to end.
    spec.object_identifier_utf8 = true;
    let old = cred(e.root.issue(&spec).unwrap());
    let (cf, sf) = e.factories(e.config(&old, gcm), e.config(&e.server, gcm));
    // PKCERT_ERROR_ASS_REQ; diagnostic invalid-publicKeyCertificate has no group-4 event.
    expect_reject(&cf, &sf, "IEC62351-4:1.6", ev::PEER_REFUSED);
}

/// With `address_mismatch_warning_only` the association goes on, and the failed check is
/// still recorded: ADDR_MISMATCH_ASS_REQ as a warning.
#[test]
fn a_tolerated_address_mismatch_is_recorded_as_a_warning() {
    let wrong = env_with("1.1.1.999.99", KeyKind::EcP256);
    let gcm = E2eMode::Aead(AeadAlgorithm::Aes128Gcm);
    let mut sc = wrong.config(&wrong.server, gcm);
    sc.address_mismatch_warning_only = true;
    let (cf, sf) = wrong.factories(wrong.config(&wrong.client, gcm), sc);
    let (_c, _s, last) = establish(&cf, &sf);
    assert_eq!(last, vec![Seen::Associated(Some(INIT_RSP.to_vec()))]);
    let snap = sf.events().snapshot();
    let seen = snap.iter().find(|c| c.code == "IEC62351-4:1.8");
    assert_eq!(
        seen.map(|c| (c.severity, c.count)),
        Some((acse::security::Severity::Warning, 1)),
        "{snap:?}"
    );
    assert_eq!(sf.events().count(ev::ESTABLISHED), 1);
}

#[test]
fn client_aborts_a_bad_handshake_acc() {
    let e = env();
    // The server's certificate is bound to another address than the AARE's responding title.
    let mut spec = LeafSpec::new("server").with_key(KeyKind::EcP256);
    spec.object_identifier = Some("1.2.3.4".into());
    // OpenSSL 3.0 cannot parse an OBJECT IDENTIFIER-valued name attribute (ASN1_PRINTABLE):
    // the UTF8String form of docs/facts.md E-12 is the one that works end to end.
    spec.object_identifier_utf8 = true;
    let bad_server = cred(e.root.issue(&spec).unwrap());
    let gcm = E2eMode::Aead(AeadAlgorithm::Aes128Gcm);
    let (cf, sf) = e.factories(e.config(&e.client, gcm), e.config(&bad_server, gcm));
    let (c, _s, _) = establish(&cf, &sf);
    assert!(c.is_closed());
    assert_eq!(
        cf.events().count("IEC62351-4:2.7"), // ADDR_MISMATCH_ASS_ACC
        1,
        "{:?}",
        cf.events().snapshot()
    );
    // The server received the signed HandshakeSecAbort in the ABRT, without diagnostic (the
    // client raised an alarm).
    assert_eq!(
        sf.events().count("IEC62351-4:5.11"),
        1,
        "{:?}",
        sf.events().snapshot()
    );
}

#[test]
fn aarq_over_the_connect_limit_is_refused_locally() {
    let e = env();
    let mut spec = LeafSpec::new("fat")
        .with_key(KeyKind::EcP256)
        .with_padding(9500);
    spec.object_identifier = Some("1.1.1.999.12".into());
    // OpenSSL 3.0 cannot parse an OBJECT IDENTIFIER-valued name attribute (ASN1_PRINTABLE):
    // the UTF8String form of docs/facts.md E-12 is the one that works end to end.
    spec.object_identifier_utf8 = true;
    let fat = cred(e.root.issue(&spec).unwrap());
    let gcm = E2eMode::Aead(AeadAlgorithm::Aes128Gcm);
    let mut cc = e.config(&fat, gcm);
    cc.credential.chain = vec![e.root.ca().certificate.clone(); 3];
    cc.limits.max_cert_len = 16_384;
    let (cf, _sf) = e.factories(cc, e.config(&e.server, gcm));
    let mut c = Association::connect(
        AssociationConfig::default(),
        INIT_REQ,
        Some(provider(&cf, Role::Initiator)),
    );
    let mut s = Association::accept_incoming(AssociationConfig::default(), None);
    shuttle(&mut c, &mut s).unwrap();
    let _ = drain(&mut s);
    shuttle(&mut s, &mut c).unwrap();
    let err = drain(&mut c).unwrap_err().to_string();
    assert!(err.contains("10240-octet limit"), "{err}");
}

#[test]
fn tampered_data_pdus_end_the_association() {
    let e = env();
    for mode in all_modes() {
        let (cf, sf) = e.factories(e.config(&e.client, mode), e.config(&e.server, mode));
        let (mut c, mut s, _) = establish(&cf, &sf);
        c.send_data(b"\xA0\x03abc").unwrap();
        let mut wire = c.transmit().to_vec();
        let n = wire.len();
        c.advance_transmit(n);
        // Flip one bit near the end (inside the protected value or its ICV).
        wire[n - 3] ^= 0x01;
        let dst = s.recv_buffer();
        dst[..n].copy_from_slice(&wire);
        s.recv_commit(n);
        let r = drain(&mut s);
        assert!(r.is_err(), "{mode:?}: tampered PDU refused");
        assert!(s.is_closed());
        // CLEAR_BAD_ICV / ENCR_BAD_ICV by the transfer PDU of the mode.
        let bad_icv = if mode.encrypts() {
            "IEC62351-4:11.5"
        } else {
            "IEC62351-4:10.5"
        };
        assert_eq!(
            sf.events().count(bad_icv),
            1,
            "{mode:?}: {:?}",
            sf.events().snapshot()
        );
        // The DtSecAbort reached the client in the ABRT.
        let got = deliver(&mut s, &mut c).unwrap();
        assert!(got.contains(&Seen::Aborted), "{mode:?} {got:?}");
        // ALARM_DTSEC_ABT: an alarm is sent without diagnostic.
        assert_eq!(cf.events().count("IEC62351-4:6.11"), 1, "{mode:?}");
    }
}

#[test]
fn replayed_data_pdu_is_an_alarm() {
    let e = env();
    let mode = E2eMode::IcvOnly(IcvAlgorithm::HmacSha256);
    let (cf, sf) = e.factories(e.config(&e.client, mode), e.config(&e.server, mode));
    let (mut c, mut s, _) = establish(&cf, &sf);
    c.send_data(b"\xA0\x01x").unwrap();
    let wire = c.transmit().to_vec();
    let got = deliver(&mut c, &mut s).unwrap();
    assert_eq!(got.len(), 1);
    let dst = s.recv_buffer();
    dst[..wire.len()].copy_from_slice(&wire);
    s.recv_commit(wire.len());
    assert!(drain(&mut s).is_err());
    assert_eq!(
        sf.events().count("IEC62351-4:10.7"), // CLEAR_REPLAY_DETECTED
        1,
        "{:?}",
        sf.events().snapshot()
    );
}

/// The SecPDU inside one P-DATA TPKT (TPKT, COTP DT, session GT + DT, presentation
/// fully-encoded user data with one PDV `[0]` single-ASN1-type; the octets checked by tshark in
/// interop-tests/tests/e2e_tshark.rs): (context id, start, end).
fn pdata_secpdu(frame: &[u8]) -> (u8, usize, usize) {
    assert_eq!(&frame[4..11], &[0x02, 0xF0, 0x80, 0x01, 0x00, 0x01, 0x00]);
    let len_at = |p: usize| -> (usize, usize) {
        let f = frame[p];
        if f < 0x80 {
            (f as usize, 1)
        } else {
            let n = (f & 0x7f) as usize;
            let mut l = 0usize;
            for i in 0..n {
                l = l << 8 | frame[p + 1 + i] as usize;
            }
            (l, 1 + n)
        }
    };
    let mut p = 11;
    for tag in [0x61u8, 0x30] {
        assert_eq!(frame[p], tag);
        p += 1 + len_at(p + 1).1;
    }
    assert_eq!(&frame[p..p + 2], &[0x02, 0x01]);
    let ctx = frame[p + 2];
    p += 3;
    assert_eq!(frame[p], 0xA0);
    let (l, n) = len_at(p + 1);
    (ctx, p + 1 + n, p + 1 + n + l)
}

/// A P-DATA TPKT carrying `sec` on context `ctx` (the inverse of [`pdata_secpdu`]).
fn build_pdata(ctx: u8, sec: &[u8]) -> Vec<u8> {
    fn tlv(tag: u8, c: &[u8]) -> Vec<u8> {
        let mut o = vec![tag];
        match c.len() {
            n if n < 0x80 => o.push(n as u8),
            n if n < 0x100 => o.extend([0x81, n as u8]),
            n => o.extend([0x82, (n >> 8) as u8, n as u8]),
        }
        o.extend_from_slice(c);
        o
    }
    let mut pdv = vec![0x02, 0x01, ctx];
    pdv.extend(tlv(0xA0, sec));
    let user = tlv(0x61, &tlv(0x30, &pdv));
    let total = 11 + user.len();
    let mut out = vec![0x03, 0x00, (total >> 8) as u8, total as u8];
    out.extend([0x02, 0xF0, 0x80, 0x01, 0x00, 0x01, 0x00]);
    out.extend(user);
    out
}

/// `wire` (one P-DATA from `from`) with its ClearTransfer's changedKey set, re-encoded with
/// the original Authenticator (changedKey is judged before the ICV).
fn with_changed_key(wire: &[u8]) -> Vec<u8> {
    use e2e_sec::pdu::{self, Kind, Limits, SecPdu};
    let (ctx, s, e) = pdata_secpdu(wire);
    // The PDV holds the bare ClearTransfer (§15.4, ASSUMPTIONS.md U-01).
    assert_eq!(wire[s], 0x30, "a bare SEQUENCE, no SecPDU CHOICE tag");
    let Ok(SecPdu::ClearTransfer(tr)) =
        pdu::decode_in(&wire[s..e], pdu::Carrier::PData, &Limits::default())
    else {
        panic!("not a ClearTransfer");
    };
    let mut t2 = tr.token2.clone();
    t2.changed_key = true;
    let tbp = pdu::encode_tbp(&pdu::encode_token2(&t2), tr.appl_data, false);
    let mut sec = Vec::new();
    pdu::encode_transfer(Kind::ClearTransfer, &tbp, tr.auth.as_ref(), &mut sec);
    pdu::make_bare(&mut sec);
    build_pdata(ctx, &sec)
}

/// Hands `wire` to `to` as if it came from the peer.
fn inject(to: &mut Association, wire: &[u8]) {
    let dst = to.recv_buffer();
    dst[..wire.len()].copy_from_slice(wire);
    to.recv_commit(wire.len());
}

#[test]
fn unexpected_changed_key_on_either_side_ends_the_association() {
    let e = env();
    let mode = E2eMode::IcvOnly(IcvAlgorithm::HmacSha256);
    // client → server: a server never receives changedKey (U-11)
    let (cf, sf) = e.factories(e.config(&e.client, mode), e.config(&e.server, mode));
    let (mut c, mut s, _) = establish(&cf, &sf);
    c.send_data(b"\xA0\x01x").unwrap();
    let wire = c.transmit().to_vec();
    c.advance_transmit(wire.len());
    inject(&mut s, &with_changed_key(&wire));
    assert!(drain(&mut s).is_err());
    assert!(s.is_closed());
    assert_eq!(
        sf.events().count("IEC62351-4:10.10"), // CLEAR_UNEXP_CHG_KEYS_IND
        1,
        "{:?}",
        sf.events().snapshot()
    );
    let got = deliver(&mut s, &mut c).unwrap();
    assert!(got.contains(&Seen::Aborted), "{got:?}");
    // UNEXP_CHG_KEYS_DTSEC_ABT_DIA: the DtSecAbort says unexpected-changedKeys.
    assert_eq!(cf.events().count("IEC62351-4:6.16"), 1);
    // server → client: changedKey while the client made no rekey
    let (cf, sf) = e.factories(e.config(&e.client, mode), e.config(&e.server, mode));
    let (mut c, mut s, _) = establish(&cf, &sf);
    exchange(&mut c, &mut s, 1);
    s.send_data(b"\xA1\x01y").unwrap();
    let wire = s.transmit().to_vec();
    s.advance_transmit(wire.len());
    inject(&mut c, &with_changed_key(&wire));
    assert!(drain(&mut c).is_err());
    assert!(c.is_closed());
    assert_eq!(
        cf.events().count("IEC62351-4:10.10"),
        1,
        "{:?}",
        cf.events().snapshot()
    );
    let got = deliver(&mut c, &mut s).unwrap();
    assert!(got.contains(&Seen::Aborted), "{got:?}");
    assert_eq!(sf.events().count("IEC62351-4:6.16"), 1);
}

#[test]
fn p_data_on_a_context_other_than_e2e_security_is_an_osi_error() {
    let e = env();
    for mode in [
        E2eMode::IcvOnly(IcvAlgorithm::HmacSha256),
        E2eMode::Aead(AeadAlgorithm::Aes128Gcm),
    ] {
        let (cf, sf) = e.factories(e.config(&e.client, mode), e.config(&e.server, mode));
        let (mut c, mut s, _) = establish(&cf, &sf);
        c.send_data(b"\xA0\x01x").unwrap();
        let wire = c.transmit().to_vec();
        c.advance_transmit(wire.len());
        let (ctx, st, en) = pdata_secpdu(&wire);
        assert_eq!(ctx, 5, "E2E data travels on the e2eSecurityAS context");
        // the same SecPDU on the MMS context (3): the protection is bypassed at the OSI level
        inject(&mut s, &build_pdata(3, &wire[st..en]));
        let r = drain(&mut s);
        assert!(r.is_err(), "{mode:?}: {r:?}");
        assert!(s.is_closed());
        assert_eq!(
            sf.events().count("IEC62351-4:15.3"), // OSI_INV_PCI
            1,
            "{mode:?}: {:?}",
            sf.events().snapshot()
        );
        let got = deliver(&mut s, &mut c).unwrap();
        assert!(got.contains(&Seen::Aborted), "{mode:?} {got:?}");
        assert!(!got.iter().any(|g| matches!(g, Seen::Data(..))));
    }
}

/// Many associations of one client within the same second (frozen clocks) are all accepted:
/// the server's handshake replay cache (U-05, key (assoID, time, certificate)) never mistakes
/// a new HandshakeReq for a replay. Found by the handshake benchmark: with a random assoID
/// of 0..999 per association, two associations in one second collided once in 1000 and the
/// server refused the second with a false replay alarm (1.11).
#[test]
fn many_associations_in_one_second_are_no_replay() {
    let e = env();
    let gcm = E2eMode::Aead(AeadAlgorithm::Aes128Gcm);
    let t = SystemTime::now();
    let mut cc = e.config(&e.client, gcm);
    cc.clock = Arc::new(move || t);
    let mut sc = e.config(&e.server, gcm);
    sc.clock = Arc::new(move || t);
    let (cf, sf) = e.factories(cc, sc);
    for i in 0..120 {
        let (_c, _s, last) = establish(&cf, &sf);
        assert_eq!(
            last,
            vec![Seen::Associated(Some(INIT_RSP.to_vec()))],
            "association {i}: {:?}",
            sf.events().snapshot()
        );
    }
    assert_eq!(sf.events().count("IEC62351-4:1.11"), 0);
    assert_eq!(sf.events().count(ev::ESTABLISHED), 120);
}

/// A client certificate for `env()` with `key` and `bits` in keyUsage.
fn client_with(e: &Env, key: KeyKind, bits: cot::pki::KeyUsageBits) -> E2eCredential {
    let mut spec = LeafSpec::new("client").with_key(key).with_key_usage(bits);
    spec.object_identifier = Some("1.1.1.999.12".into());
    spec.object_identifier_utf8 = true;
    cred(e.root.issue(&spec).unwrap())
}

/// IEC 62351-4 Annex G.5.2: keyUsage present with digitalSignature and keyAgreement, EC keys on
/// secp256r1 or brainpoolP256r1 only. A certificate without keyAgreement or without keyUsage
/// is refused (PKCERT_ERROR_ASS_REQ 1.6) unless `legacy_key_usage` tolerates it (the same
/// event as a warning); a P-384 key is refused in every case.
#[test]
fn annex_g_key_usage_and_curve_are_enforced() {
    use cot::pki::KeyUsageBits;
    let e = env();
    let gcm = E2eMode::Aead(AeadAlgorithm::Aes128Gcm);
    let no_ka = KeyUsageBits {
        digital_signature: true,
        ..KeyUsageBits::default()
    };
    for bits in [no_ka, KeyUsageBits::default()] {
        let c = client_with(&e, KeyKind::EcP256, bits);
        let (cf, sf) = e.factories(e.config(&c, gcm), e.config(&e.server, gcm));
        expect_reject(&cf, &sf, "IEC62351-4:1.6", ev::PEER_REFUSED);
        let mut sc = e.config(&e.server, gcm);
        sc.legacy_key_usage = true;
        let (cf, sf) = e.factories(e.config(&c, gcm), sc);
        let (_c, _s, last) = establish(&cf, &sf);
        assert_eq!(
            last,
            vec![Seen::Associated(Some(INIT_RSP.to_vec()))],
            "{bits:?}"
        );
        let snap = sf.events().snapshot();
        let seen = snap.iter().find(|c| c.code == "IEC62351-4:1.6");
        assert_eq!(
            seen.map(|c| (c.severity, c.count)),
            Some((acse::security::Severity::Warning, 1)),
            "{snap:?}"
        );
    }
    // A conformant brainpoolP256r1 key is accepted; a secp384r1 key is not, even as legacy.
    let bp = client_with(&e, KeyKind::BrainpoolP256, KeyUsageBits::end_entity());
    let (cf, sf) = e.factories(e.config(&bp, gcm), e.config(&e.server, gcm));
    let (_c, _s, last) = establish(&cf, &sf);
    assert_eq!(last, vec![Seen::Associated(Some(INIT_RSP.to_vec()))]);
    let p384 = client_with(&e, KeyKind::EcP384, KeyUsageBits::end_entity());
    let mut sc = e.config(&e.server, gcm);
    sc.legacy_key_usage = true;
    let (cf, sf) = e.factories(e.config(&p384, gcm), sc);
    expect_reject(&cf, &sf, "IEC62351-4:1.6", ev::PEER_REFUSED);
}

/// The server's next PDU (ICV only, so the ClearToken2 is readable): its reqRekey flag and the
/// DH value it carries; the PDU is then delivered to the client.
fn server_pdu_rekey(s: &mut Association, c: &mut Association) -> (bool, Option<Vec<u8>>) {
    use e2e_sec::pdu::{self, Limits, SecPdu};
    s.send_data(&[0xA3, 0x01, 0x00]).unwrap();
    let wire = s.transmit().to_vec();
    s.advance_transmit(wire.len());
    let (_, st, en) = pdata_secpdu(&wire);
    let Ok(SecPdu::ClearTransfer(tr)) =
        pdu::decode_in(&wire[st..en], pdu::Carrier::PData, &Limits::default())
    else {
        panic!("not a ClearTransfer")
    };
    let r = (
        tr.token2.req_rekey,
        tr.token2.rekey.map(|d| d.public_key.to_vec()),
    );
    inject(c, &wire);
    assert_eq!(
        drain(c).unwrap(),
        vec![Seen::Data(3, vec![0xA3, 0x01, 0x00])]
    );
    r
}

/// U-11: every rekey uses a fresh server DH key: the server's reqRekey PDU carries a new public
/// value each time (never its handshake value, which it no longer holds), and the keys the
/// client derives with it carry data both ways.
#[test]
fn every_server_rekey_uses_a_fresh_dh_key() {
    let e = env();
    let mode = E2eMode::IcvOnly(IcvAlgorithm::HmacSha256);
    let mut sc = e.config(&e.server, mode);
    sc.rekey_period = Duration::from_secs(2);
    sc.allow_short_rekey = true;
    let (cf, sf) = e.factories(e.config(&e.client, mode), sc);
    e.offset.store(0, Ordering::SeqCst);
    let (mut c, mut s, _) = establish(&cf, &sf);
    exchange(&mut c, &mut s, 1);
    assert_eq!(server_pdu_rekey(&mut s, &mut c), (false, None));
    let mut seen = Vec::new();
    for round in 1..=2i64 {
        e.offset.store(3 * round, Ordering::SeqCst);
        let (req, value) = server_pdu_rekey(&mut s, &mut c);
        assert!(req, "round {round}: reqRekey");
        let value = value.expect("the server's fresh DH value beside reqRekey");
        assert_eq!(value.len(), 65, "an uncompressed P-256 point");
        assert!(!seen.contains(&value), "round {round}: a fresh value");
        seen.push(value);
        // The client answers with its new value; both switch; data flows both ways.
        exchange(&mut c, &mut s, 2);
        assert_eq!(sf.events().count(ev::REKEYED), round as u64);
    }
    e.offset.store(0, Ordering::SeqCst);
}
