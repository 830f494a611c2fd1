//! The XMPP environment end to end: two `XmppE2e` (initiator and responder) exchange the
//! handshake, data in every mode, a rekey, a release and an abort through the ENV_4
//! envelope; every F-1201 check and every tampering is refused with its event and reply.
#![cfg(feature = "xmpp")]
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use acse::security::{Role, SecurityEvents};
use cot::pki::{KeyKind, LeafSpec, Pki};
use e2e_sec::config::{AeadAlgorithm, CbcAlgorithm, Clock};
use e2e_sec::pdu::Kind;
use e2e_sec::xmpp::{
    check_stanza, envelope, open_envelope, Judged, Received, StanzaType, XmppE2e, XmppViolation,
};
use e2e_sec::{E2eConfig, E2eCredential, E2eFactory, E2eMode, IcvAlgorithm};

const CLIENT: &str = "client@example.org";
const SERVER: &str = "server@example.org";
const INIT_REQ: &[u8] =
    b"<MMSpdu><initiate-RequestPDU><localDetailCalling>65000</localDetailCalling></initiate-RequestPDU></MMSpdu>";
const INIT_RSP: &[u8] =
    b"<MMSpdu><initiate-ResponsePDU><localDetailCalled>65000</localDetailCalled></initiate-ResponsePDU></MMSpdu>";
const SECRET: &[u8] = b"<MMSpdu><confirmed-RequestPDU><invokeID>7</invokeID><read><variableAccessSpecification>TOPSECRETVALUE</variableAccessSpecification></read></confirmed-RequestPDU></MMSpdu>";

fn cred(c: cot::pki::Credential) -> E2eCredential {
    E2eCredential {
        certificate: c.certificate,
        key: c.key,
        chain: c.chain,
    }
}

struct Env {
    root: Pki,
    offset: Arc<AtomicI64>,
}

impl Env {
    fn new() -> Env {
        Env {
            root: Pki::new_root("XMPP E2E root", KeyKind::EcP256).unwrap(),
            offset: Arc::new(AtomicI64::new(0)),
        }
    }
    fn clock(&self) -> Clock {
        let o = self.offset.clone();
        Arc::new(move || SystemTime::now() + Duration::from_secs(o.load(Ordering::SeqCst) as u64))
    }
    fn advance(&self, secs: i64) {
        self.offset.fetch_add(secs, Ordering::SeqCst);
    }
    fn leaf(&self, cn: &str, jid: &str) -> E2eCredential {
        cred(
            self.root
                .issue(&LeafSpec::new(cn).with_key(KeyKind::EcP256).with_jid(jid))
                .unwrap(),
        )
    }
    fn factory(
        &self,
        c: E2eCredential,
        mode: E2eMode,
        f: impl FnOnce(&mut E2eConfig),
    ) -> E2eFactory {
        let mut cfg = E2eConfig::new(c, vec![self.root.ca().certificate.clone()]).with_mode(mode);
        cfg.clock = self.clock();
        f(&mut cfg);
        E2eFactory::new(cfg, Arc::new(SecurityEvents::new())).unwrap()
    }
    /// Both factories with certificates bound to the right JIDs.
    fn factories(&self, mode: E2eMode) -> (E2eFactory, E2eFactory) {
        self.factories_with(mode, CLIENT, |_| {})
    }
    fn factories_with(
        &self,
        mode: E2eMode,
        client_jid_in_cert: &str,
        f: impl Fn(&mut E2eConfig),
    ) -> (E2eFactory, E2eFactory) {
        (
            self.factory(self.leaf("client", client_jid_in_cert), mode, &f),
            self.factory(self.leaf("server", SERVER), mode, &f),
        )
    }
}

fn pair(cf: &E2eFactory, sf: &E2eFactory) -> (XmppE2e, XmppE2e) {
    (
        cf.xmpp_association(Role::Initiator, CLIENT, SERVER),
        sf.xmpp_association(Role::Responder, SERVER, CLIENT),
    )
}

/// Carries a SecPDU as the stanza would: envelope, stanza check, open, receive.
fn carry(
    from: &XmppE2e,
    to: &mut XmppE2e,
    secpdu: &[u8],
    stanza: StanzaType,
) -> Result<Received, Judged> {
    let env = envelope(from.asso_id().unwrap_or("0"), secpdu);
    let opened = open_envelope(&env).unwrap();
    assert_eq!(opened.secpdu, secpdu, "the SecPDU comes out as it went in");
    check_stanza(opened.kind, stanza).unwrap();
    to.receive(opened.secpdu, Instant::now())
}

fn establish(c: &mut XmppE2e, s: &mut XmppE2e) {
    let req = c.handshake_request(INIT_REQ).unwrap();
    assert!(c.asso_id().is_some_and(|a| !a.contains(':')));
    match carry(c, s, &req, StanzaType::IqSet).unwrap() {
        Received::HandshakeRequest { appl } => assert_eq!(appl, INIT_REQ),
        other => panic!("{other:?}"),
    }
    assert!(s.authenticated_peer().is_some());
    let acc = s.accept(INIT_RSP).unwrap();
    match carry(s, c, &acc, StanzaType::IqResult).unwrap() {
        Received::Accepted { appl } => assert_eq!(appl, INIT_RSP),
        other => panic!("{other:?}"),
    }
    assert!(c.is_established() && s.is_established());
    assert_eq!(c.asso_id(), s.asso_id());
    assert!(c.asso_id().unwrap().contains(':'));
}

fn modes() -> Vec<E2eMode> {
    vec![
        E2eMode::IcvOnly(IcvAlgorithm::HmacSha256),
        E2eMode::IcvOnly(IcvAlgorithm::Aes128Gmac),
        E2eMode::Aead(AeadAlgorithm::Aes128Gcm),
        E2eMode::Aead(AeadAlgorithm::Aes256Gcm),
        E2eMode::CbcIcv(CbcAlgorithm::Aes128Cbc, IcvAlgorithm::HmacSha256),
        E2eMode::CbcIcv(CbcAlgorithm::Aes256Cbc, IcvAlgorithm::Aes128Gmac),
    ]
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn every_mode_handshake_data_release() {
    let env = Env::new();
    for mode in modes() {
        let (cf, sf) = env.factories(mode);
        let (mut c, mut s) = pair(&cf, &sf);
        establish(&mut c, &mut s);
        assert_eq!(c.mode(), Some(mode));
        for i in 0..3 {
            let p = c.protect(SECRET).unwrap();
            assert_eq!(
                contains(&p, b"TOPSECRETVALUE"),
                !mode.encrypts(),
                "{mode:?}"
            );
            let want = if mode.encrypts() {
                "<encrTransfer "
            } else {
                "<clearTransfer "
            };
            assert!(p.starts_with(want.as_bytes()), "{mode:?}");
            match carry(&c, &mut s, &p, StanzaType::IqSet).unwrap() {
                Received::Data { appl } => assert_eq!(appl, SECRET, "{mode:?} {i}"),
                other => panic!("{other:?}"),
            }
            let r = s.protect(INIT_RSP).unwrap();
            match carry(&s, &mut c, &r, StanzaType::IqResult).unwrap() {
                Received::Data { appl } => assert_eq!(appl, INIT_RSP),
                other => panic!("{other:?}"),
            }
        }
        let rq = c.release_request(Some(b"<conclude-RequestPDU/>")).unwrap();
        match carry(&c, &mut s, &rq, StanzaType::IqSet).unwrap() {
            Received::ReleaseRequest { appl } => {
                assert_eq!(appl.as_deref(), Some(&b"<conclude-RequestPDU/>"[..]))
            }
            other => panic!("{other:?}"),
        }
        let rs = s.release_response(None).unwrap();
        assert!(s.is_closed());
        match carry(&s, &mut c, &rs, StanzaType::IqResult).unwrap() {
            Received::ReleaseResponse { appl } => assert_eq!(appl, None),
            other => panic!("{other:?}"),
        }
        assert!(c.is_closed());
        assert_eq!(cf.events().count("e2e.established"), 1);
        assert_eq!(sf.events().count("e2e.established"), 1);
    }
}

#[test]
fn rekey_mid_stream_with_a_moving_clock() {
    let env = Env::new();
    for mode in [
        E2eMode::Aead(AeadAlgorithm::Aes128Gcm),
        E2eMode::CbcIcv(CbcAlgorithm::Aes128Cbc, IcvAlgorithm::HmacSha256),
        E2eMode::IcvOnly(IcvAlgorithm::Aes128Gmac),
    ] {
        let (cf, sf) =
            env.factories_with(mode, CLIENT, |c| c.rekey_period = Duration::from_secs(900));
        let (mut c, mut s) = pair(&cf, &sf);
        establish(&mut c, &mut s);
        env.advance(901);
        // Server asks (reqRekey with its fresh DH value), client answers with its value,
        // server switches and says changedKey; data flows throughout.
        for round in 0..4 {
            let p = s.protect(SECRET).unwrap();
            if round == 0 {
                assert!(contains(&p, b"<reqRekey><true/></reqRekey>"));
            }
            assert!(
                matches!(
                    carry(&s, &mut c, &p, StanzaType::Message),
                    Ok(Received::Data { .. })
                ),
                "{mode:?} {round}"
            );
            let q = c.protect(SECRET).unwrap();
            assert!(
                matches!(
                    carry(&c, &mut s, &q, StanzaType::Message),
                    Ok(Received::Data { .. })
                ),
                "{mode:?} {round}"
            );
        }
        assert!(cf.events().count("e2e.rekeyed") >= 1, "{mode:?}");
        assert!(sf.events().count("e2e.rekeyed") >= 1, "{mode:?}");
    }
}

#[test]
fn application_reject_and_abort() {
    let env = Env::new();
    let (cf, sf) = env.factories(E2eMode::Aead(AeadAlgorithm::Aes128Gcm));
    let (mut c, mut s) = pair(&cf, &sf);
    let req = c.handshake_request(INIT_REQ).unwrap();
    carry(&c, &mut s, &req, StanzaType::IqSet).unwrap();
    let rej = s.reject(Some(b"<initiate-ErrorPDU/>")).unwrap();
    match carry(&s, &mut c, &rej, StanzaType::IqResult).unwrap() {
        Received::ApplicationRejected { appl } => {
            assert_eq!(appl.as_deref(), Some(&b"<initiate-ErrorPDU/>"[..]))
        }
        other => panic!("{other:?}"),
    }
    assert!(c.is_closed());

    let (mut c, mut s) = pair(&cf, &sf);
    establish(&mut c, &mut s);
    let ab = c.abort(Some(b"<abort/>"));
    assert!(c.is_closed());
    match carry(&c, &mut s, &ab, StanzaType::Message).unwrap() {
        Received::Aborted {
            kind,
            diagnostic,
            appl,
        } => {
            assert_eq!(kind, Kind::ApplAbort);
            assert_eq!(diagnostic, None);
            assert_eq!(appl.as_deref(), Some(&b"<abort/>"[..]));
        }
        other => panic!("{other:?}"),
    }
    assert!(s.is_closed());
    assert!(s.protect(SECRET).is_err());
}

/// Replaces the first occurrence of `from` after `after` by `to`.
fn patch(pdu: &[u8], after: &str, from: u8, to: u8) -> Vec<u8> {
    let mut v = pdu.to_vec();
    let at = v
        .windows(after.len())
        .position(|w| w == after.as_bytes())
        .unwrap()
        + after.len();
    let i = at + v[at..].iter().position(|b| *b == from).unwrap();
    v[i] = to;
    v
}

fn flip_hex_after(pdu: &[u8], after: &str) -> Vec<u8> {
    let mut v = pdu.to_vec();
    let at = v
        .windows(after.len())
        .position(|w| w == after.as_bytes())
        .unwrap()
        + after.len();
    v[at + 3] = if v[at + 3] == b'A' { b'B' } else { b'A' };
    v
}

#[test]
fn tampered_tbs_is_refused_with_a_handshake_sec_reject() {
    let env = Env::new();
    let (cf, sf) = env.factories(E2eMode::Aead(AeadAlgorithm::Aes128Gcm));
    // A bit of the signed public value, and of the signed applData.
    type Tamper = fn(&[u8]) -> Vec<u8>;
    let variants: [Tamper; 2] = [
        |r| flip_hex_after(r, "<publicKey>"),
        |r| patch(r, "<localDetailCalling>", b'5', b'4'),
    ];
    for tamper in variants {
        let (mut c, mut s) = pair(&cf, &sf);
        let req = c.handshake_request(INIT_REQ).unwrap();
        let j = s.receive(&tamper(&req), Instant::now()).unwrap_err();
        assert_eq!(j.event, "IEC62351-4:1.3", "{j}");
        let reply = j.reply.expect("HandshakeSecReject");
        assert!(reply.starts_with(b"<handshakeSecReject "));
        // An alarm: no diagnostic goes out.
        assert!(!contains(&reply, b"<diagnostic>"));
        // The client judges the reject as a valid, diagnostic-less one.
        match carry(&s, &mut c, &reply, StanzaType::IqResult) {
            Ok(Received::SecurityRejected { diagnostic }) => assert_eq!(diagnostic, None),
            other => panic!("{other:?}"),
        }
        assert!(c.is_closed());
    }
    assert_eq!(cf.events().count("IEC62351-4:4.11"), 2);
}

#[test]
fn tampered_handshake_acc_is_refused_with_a_handshake_sec_abort() {
    let env = Env::new();
    let (cf, sf) = env.factories(E2eMode::Aead(AeadAlgorithm::Aes128Gcm));
    let (mut c, mut s) = pair(&cf, &sf);
    let req = c.handshake_request(INIT_REQ).unwrap();
    carry(&c, &mut s, &req, StanzaType::IqSet).unwrap();
    let acc = s.accept(INIT_RSP).unwrap();
    let bad = patch(&acc, "<localDetailCalled>", b'5', b'4');
    let j = c.receive(&bad, Instant::now()).unwrap_err();
    assert_eq!(j.event, "IEC62351-4:2.3");
    let reply = j.reply.unwrap();
    assert!(reply.starts_with(b"<handshakeSecAbort "));
    assert!(c.is_closed());
    // The server takes the signed abort: an alarm without diagnostic, the association over.
    match carry(&c, &mut s, &reply, StanzaType::Message) {
        Ok(Received::Aborted {
            kind, diagnostic, ..
        }) => assert_eq!((kind, diagnostic), (Kind::HandshakeSecAbort, None)),
        other => panic!("{other:?}"),
    }
    assert!(s.is_closed());
    assert_eq!(sf.events().count("IEC62351-4:5.11"), 1);
}

fn established(env: &Env, mode: E2eMode) -> (E2eFactory, E2eFactory, XmppE2e, XmppE2e) {
    let (cf, sf) = env.factories(mode);
    let (mut c, mut s) = pair(&cf, &sf);
    establish(&mut c, &mut s);
    (cf, sf, c, s)
}

#[test]
fn tampered_data_is_refused_with_a_dt_sec_abort() {
    let env = Env::new();
    // ClearTransfer: the plaintext applData (inside tbp).
    let (_, _, mut c, mut s) = established(&env, E2eMode::IcvOnly(IcvAlgorithm::HmacSha256));
    let p = c.protect(SECRET).unwrap();
    let j = s
        .receive(&patch(&p, "TOPSECRET", b'V', b'W'), Instant::now())
        .unwrap_err();
    assert_eq!(j.event, "IEC62351-4:10.5");
    let reply = j.reply.unwrap();
    assert!(reply.starts_with(b"<dtSecAbort "));
    match c.receive(&reply, Instant::now()) {
        Ok(Received::Aborted { kind, .. }) => assert_eq!(kind, Kind::DtSecAbort),
        other => panic!("{other:?}"),
    }
    // ClearTransfer: the token2 (seq) inside tbp.
    let (_, _, mut c, mut s) = established(&env, E2eMode::IcvOnly(IcvAlgorithm::Aes128Gmac));
    let p = c.protect(SECRET).unwrap();
    let p2 = c.protect(SECRET).unwrap();
    let _ = p;
    let j = s
        .receive(&patch(&p2, "<seq>", b'1', b'0'), Instant::now())
        .unwrap_err();
    assert_eq!(j.event, "IEC62351-4:10.5");
    // EncrTransfer (GCM): the ciphertext, and the AAD (token2).
    for mode in [
        E2eMode::Aead(AeadAlgorithm::Aes128Gcm),
        E2eMode::CbcIcv(CbcAlgorithm::Aes128Cbc, IcvAlgorithm::HmacSha256),
    ] {
        let (_, _, mut c, mut s) = established(&env, mode);
        let p = c.protect(SECRET).unwrap();
        let j = s
            .receive(&flip_hex_after(&p, "<applData>"), Instant::now())
            .unwrap_err();
        assert_eq!(j.event, "IEC62351-4:11.5", "{mode:?}");
        assert!(j.reply.unwrap().starts_with(b"<dtSecAbort "));
        let (_, _, mut c, mut s) = established(&env, mode);
        let p = c.protect(SECRET).unwrap();
        let j = s
            .receive(&flip_hex_after(&p, "<iv>"), Instant::now())
            .unwrap_err();
        assert_eq!(j.event, "IEC62351-4:11.5", "{mode:?}");
    }
}

#[test]
fn replay_and_reorder_are_refused() {
    let env = Env::new();
    let (_, _, mut c, mut s) = established(&env, E2eMode::Aead(AeadAlgorithm::Aes128Gcm));
    let p = c.protect(SECRET).unwrap();
    assert!(s.receive(&p, Instant::now()).is_ok());
    let j = s.receive(&p, Instant::now()).unwrap_err();
    assert_eq!(j.event, "IEC62351-4:11.7");

    let (_, _, mut c, mut s) = established(&env, E2eMode::IcvOnly(IcvAlgorithm::HmacSha256));
    let p1 = c.protect(SECRET).unwrap();
    let p2 = c.protect(SECRET).unwrap();
    let p3 = c.protect(SECRET).unwrap();
    assert!(s.receive(&p1, Instant::now()).is_ok());
    // p3 before p2: a gap in the sequence.
    let j = s.receive(&p3, Instant::now()).unwrap_err();
    assert!(
        j.event == "IEC62351-4:10.8" || j.event == "IEC62351-4:10.6",
        "{j}"
    );
    let _ = p2;
    // A replayed HandshakeReq.
    let (cf, sf) = env.factories(E2eMode::Aead(AeadAlgorithm::Aes128Gcm));
    let (mut c, mut s) = pair(&cf, &sf);
    let req = c.handshake_request(INIT_REQ).unwrap();
    assert!(s.receive(&req, Instant::now()).is_ok());
    let (_, mut s2) = pair(&cf, &sf);
    let j = s2.receive(&req, Instant::now()).unwrap_err();
    assert_eq!(j.event, "IEC62351-4:1.11");
}

#[test]
fn the_certificate_must_name_the_peer_jid() {
    let env = Env::new();
    let (cf, sf) = env.factories_with(
        E2eMode::Aead(AeadAlgorithm::Aes128Gcm),
        "mallory@example.org",
        |_| {},
    );
    let (mut c, mut s) = pair(&cf, &sf);
    let req = c.handshake_request(INIT_REQ).unwrap();
    let j = s.receive(&req, Instant::now()).unwrap_err();
    assert_eq!(j.event, "IEC62351-4:1.8", "{j}");
    assert!(j.reply.unwrap().starts_with(b"<handshakeSecReject "));
    assert_eq!(sf.events().count("IEC62351-4:1.8"), 1);
    // And the client checks the server's certificate the same way.
    let (cf, sf) = env.factories(E2eMode::Aead(AeadAlgorithm::Aes128Gcm));
    let mut c = cf.xmpp_association(Role::Initiator, CLIENT, "other@example.org");
    let mut s = sf.xmpp_association(Role::Responder, SERVER, CLIENT);
    let req = c.handshake_request(INIT_REQ).unwrap();
    s.receive(&req, Instant::now()).unwrap();
    let acc = s.accept(INIT_RSP).unwrap();
    let j = c.receive(&acc, Instant::now()).unwrap_err();
    assert_eq!(j.event, "IEC62351-4:2.7");
    assert!(j.reply.unwrap().starts_with(b"<handshakeSecAbort "));
}

#[test]
fn stanza_rules_and_their_events() {
    use StanzaType::*;
    assert!(check_stanza(Kind::HandshakeReq, IqSet).is_ok());
    for (k, st, code) in [
        (Kind::HandshakeReq, IqResult, "IEC62351-4:18.6"),
        (Kind::HandshakeReq, Message, "IEC62351-4:18.1"),
        (Kind::HandshakeAcc, IqSet, "IEC62351-4:18.6"),
        (Kind::ReleaseRsp, Message, "IEC62351-4:18.1"),
        (Kind::DtSecAbort, IqSet, "IEC62351-4:18.2"),
        (Kind::ApplAbort, IqResult, "IEC62351-4:18.2"),
        (Kind::ClearTransfer, IqError, "IEC62351-4:18.6"),
    ] {
        let v = check_stanza(k, st).unwrap_err();
        assert_eq!(v.event(st).code, code, "{k:?} {st:?}");
        let ev = SecurityEvents::new();
        v.record(&ev, st);
        assert_eq!(ev.count(code), 1);
    }
    for k in [Kind::ClearTransfer, Kind::EncrTransfer] {
        for st in [IqGet, IqSet, IqResult, Message] {
            assert!(check_stanza(k, st).is_ok());
        }
    }
    for k in [
        Kind::HandshakeAcc,
        Kind::ApplicationReject,
        Kind::HandshakeSecReject,
        Kind::ReleaseRsp,
    ] {
        assert!(check_stanza(k, IqResult).is_ok());
    }
    for k in [Kind::HandshakeSecAbort, Kind::DtSecAbort, Kind::ApplAbort] {
        assert!(check_stanza(k, Message).is_ok());
    }
}

#[test]
fn envelope_checks() {
    let pdu = b"<clearTransfer xmlns=\"http://www.iec.ch/62351/2018/E2E_4\"><tbp/></clearTransfer>";
    let e = envelope("12:34", pdu);
    let o = open_envelope(&e).unwrap();
    assert_eq!(
        (o.asso_id.as_str(), o.kind, o.secpdu),
        ("12:34", Kind::ClearTransfer, &pdu[..])
    );
    // Prefixed envelope element.
    let p = b"<x:e2e xmlns:x='http://www.iec.ch/62351/2018/ENV_4' assoID='1'><releaseReq xmlns='http://www.iec.ch/62351/2018/E2E_4'/></x:e2e>";
    assert_eq!(open_envelope(p).unwrap().kind, Kind::ReleaseReq);
    let ns = |v: Result<_, XmppViolation>| matches!(v, Err(XmppViolation::InvalidNamespace(_)));
    assert!(ns(open_envelope(
        b"<e2e xmlns='urn:other' assoID='1'><x/></e2e>"
    )));
    assert!(ns(open_envelope(b"<e2e assoID='1'><x/></e2e>")));
    assert!(ns(open_envelope(
        b"<e2e xmlns='http://www.iec.ch/62351/2018/ENV_4' assoID='1'><clearTransfer xmlns='urn:x'/></e2e>"
    )));
    let unknown = open_envelope(
        b"<e2e xmlns='http://www.iec.ch/62351/2018/ENV_4' assoID='1'><hello xmlns='http://www.iec.ch/62351/2018/E2E_4'/></e2e>",
    )
    .unwrap_err();
    assert!(matches!(unknown, XmppViolation::UnknownSecPdu(_)));
    assert_eq!(unknown.event(StanzaType::IqSet).code, "IEC62351-4:18.4");
    assert_eq!(unknown.event(StanzaType::Message).code, "IEC62351-4:18.5");
    assert!(matches!(
        open_envelope(b"<e2e xmlns='http://www.iec.ch/62351/2018/ENV_4' assoID='1'></e2e>"),
        Err(XmppViolation::UnknownSecPdu(_))
    ));
    for bad in [
        &b"<e2e xmlns='http://www.iec.ch/62351/2018/ENV_4' assoID='x1'><releaseReq xmlns='http://www.iec.ch/62351/2018/E2E_4'/></e2e>"[..],
        b"<e2e xmlns='http://www.iec.ch/62351/2018/ENV_4'><releaseReq xmlns='http://www.iec.ch/62351/2018/E2E_4'/></e2e>",
        b"<e2e xmlns='http://www.iec.ch/62351/2018/ENV_4' assoID='1'><releaseReq xmlns='http://www.iec.ch/62351/2018/E2E_4'/><releaseReq xmlns='http://www.iec.ch/62351/2018/E2E_4'/></e2e>",
        b"<!DOCTYPE e2e [<!ENTITY a 'b'>]><e2e xmlns='http://www.iec.ch/62351/2018/ENV_4' assoID='1'><releaseReq xmlns='http://www.iec.ch/62351/2018/E2E_4'/></e2e>",
        b"<e2e xmlns='http://www.iec.ch/62351/2018/ENV_4' assoID='1'><releaseReq xmlns='http://www.iec.ch/62351/2018/E2E_4'>",
        b"<e2e xmlns='http://www.iec.ch/62351/2018/ENV_4' assoID='1'>text<releaseReq xmlns='http://www.iec.ch/62351/2018/E2E_4'/></e2e>",
    ] {
        let v = open_envelope(bad).unwrap_err();
        assert!(matches!(v, XmppViolation::Malformed(_)), "{v:?}");
        assert!(v.is_stream_error());
    }
    let deep = format!(
        "<e2e xmlns='http://www.iec.ch/62351/2018/ENV_4' assoID='1'><releaseReq xmlns='http://www.iec.ch/62351/2018/E2E_4'>{}{}</releaseReq></e2e>",
        "<a>".repeat(100),
        "</a>".repeat(100)
    );
    assert!(matches!(
        open_envelope(deep.as_bytes()),
        Err(XmppViolation::Malformed(_))
    ));
}

#[test]
fn hostile_xml_secpdus_are_refused_as_protocol_errors() {
    let env = Env::new();
    let (cf, sf) = env.factories(E2eMode::Aead(AeadAlgorithm::Aes128Gcm));
    let (mut c, _) = pair(&cf, &sf);
    let req = c.handshake_request(INIT_REQ).unwrap();
    let text = String::from_utf8(req.clone()).unwrap();
    let ns = "http://www.iec.ch/62351/2018/E2E_4";
    let hostile = [
        // DOCTYPE with an entity.
        format!("<!DOCTYPE handshakeReq [<!ENTITY x 'MMS'>]>{text}"),
        // Another namespace.
        text.replace(ns, "urn:not-e2e"),
        // Deep nesting in the signed token.
        text.replacen(
            "<token1>",
            &format!("<token1>{}{}", "<a>".repeat(60), "</a>".repeat(60)),
            1,
        ),
        // A huge text.
        text.replacen("<pkCert>", &format!("<pkCert>{}", "AB".repeat(40_000)), 1),
        // Truncated.
        text[..text.len() / 2].to_owned(),
    ];
    for h in hostile {
        let (_, mut s) = pair(&cf, &sf);
        let j = s.receive(h.as_bytes(), Instant::now()).unwrap_err();
        assert_eq!(j.event, "IEC62351-4:1.5", "{j}");
        assert!(j.reply.unwrap().starts_with(b"<handshakeSecReject "));
    }
    assert!(sf.events().count("IEC62351-4:1.5") >= 5);
}

#[test]
fn out_of_place_pdus() {
    let env = Env::new();
    let (_, _, mut c, mut s) = established(&env, E2eMode::Aead(AeadAlgorithm::Aes128Gcm));
    // A second HandshakeReq in the data phase: DtSecAbort.
    let (cf2, sf2) = env.factories(E2eMode::Aead(AeadAlgorithm::Aes128Gcm));
    let (mut c2, _) = pair(&cf2, &sf2);
    let req = c2.handshake_request(INIT_REQ).unwrap();
    let j = s.receive(&req, Instant::now()).unwrap_err();
    assert!(j.reply.unwrap().starts_with(b"<dtSecAbort "));
    // Data before the handshake.
    let (cf, sf) = env.factories(E2eMode::Aead(AeadAlgorithm::Aes128Gcm));
    let (_, mut s3) = pair(&cf, &sf);
    let p = c.protect(SECRET).unwrap();
    let j = s3.receive(&p, Instant::now()).unwrap_err();
    assert_eq!(j.event, "IEC62351-4:1.5");
    // The link goes: every context ends.
    c.link_lost();
    assert!(c.is_closed() && c.protect(SECRET).is_err());
}

#[test]
fn receive_stanza_checks_the_envelope_and_the_stanza_first() {
    let env = Env::new();
    let (cf, sf) = env.factories(E2eMode::Aead(AeadAlgorithm::Aes128Gcm));
    let (mut c, mut s) = pair(&cf, &sf);
    let req = c.handshake_request(INIT_REQ).unwrap();
    let payload = envelope(c.asso_id().unwrap(), &req);
    // A HandshakeReq in an iq result, then in a message: refused before any E2E check, with
    // the group-18 event, nothing sent back, the association untouched.
    let j = s
        .receive_stanza(StanzaType::IqResult, &payload, Instant::now())
        .unwrap_err();
    assert_eq!(
        (j.event.as_str(), j.reply.is_none()),
        ("IEC62351-4:18.6", true)
    );
    let j = s
        .receive_stanza(StanzaType::Message, &payload, Instant::now())
        .unwrap_err();
    assert_eq!(j.event, "IEC62351-4:18.1");
    let other_ns = String::from_utf8(payload.clone())
        .unwrap()
        .replace("ENV_4", "ENV_5");
    let j = s
        .receive_stanza(StanzaType::IqSet, other_ns.as_bytes(), Instant::now())
        .unwrap_err();
    assert_eq!(j.event, "IEC62351-4:18.3");
    let unknown = envelope("1", b"<hello xmlns='http://www.iec.ch/62351/2018/E2E_4'/>");
    let j = s
        .receive_stanza(StanzaType::Message, &unknown, Instant::now())
        .unwrap_err();
    assert_eq!(j.event, "IEC62351-4:18.5");
    let j = s
        .receive_stanza(StanzaType::IqGet, &unknown, Instant::now())
        .unwrap_err();
    assert_eq!(j.event, "IEC62351-4:18.4");
    for code in [
        "IEC62351-4:18.6",
        "IEC62351-4:18.1",
        "IEC62351-4:18.3",
        "IEC62351-4:18.4",
        "IEC62351-4:18.5",
    ] {
        assert_eq!(sf.events().count(code), 1, "{code}");
    }
    // The right stanza: the handshake goes on.
    match s
        .receive_stanza(StanzaType::IqSet, &payload, Instant::now())
        .unwrap()
    {
        Received::HandshakeRequest { appl } => assert_eq!(appl, INIT_REQ),
        other => panic!("{other:?}"),
    }
    let acc = s.accept(INIT_RSP).unwrap();
    let p = envelope(s.asso_id().unwrap(), &acc);
    assert!(matches!(
        c.receive_stanza(StanzaType::IqResult, &p, Instant::now()),
        Ok(Received::Accepted { .. })
    ));
}
