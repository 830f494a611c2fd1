//! Replay and binding of the signed E2E PDUs (IEC 62351-4 §14.3.4 "duplicate (time, assoID) →
//! replay"; IEC 62351-14 REPLAY_DETEC_* x.10 and PROTOCOL_ERR_* x.4): the client replay-checks
//! the server's HandshakeAcc (2.10); every ClearToken3 PDU received — release, reject, abort —
//! is replay-checked and must name this association's assoID; an abort for another
//! association is ignored with its event. The signature is verified before any signed content
//! is judged (§14.3.2, ASSUMPTIONS.md U-14): a tampered version is an invalid signature.
//!
//! The providers are driven directly through the [`AssociationSecurity`] hook with owned
//! AARQ/AARE/RLRQ/ABRT values, so a recorded APDU can be handed to another association.
#![allow(clippy::unwrap_used)]

mod common;

use std::borrow::Cow;
use std::sync::Arc;

use acse::apdu::{Aare, Aarq, AbortSource, Abrt, Apdu, External, Rlrq};
use acse::security::{AssociationSecurity, Refusal, Role, SecurityEvents, TransportSecurity};
use common::*;
use e2e_sec::events as ev;
use e2e_sec::{E2eConfig, E2eFactory};

/// A HandshakeAcc recorded from one association and handed to a later association whose
/// assoID part is the same (the client's counter wrapped after 1000 associations) is a
/// replay (REPLAY_DETEC_ASS_ACC 2.10, alarm): the client aborts instead of establishing
/// keys nobody shares with it.
#[test]
fn a_replayed_handshake_acc_is_an_alarm_on_the_client() {
    let e = env();
    let (c1, _s1, aare) = e.establish();
    let part = c1.asso_id().split(':').next().unwrap().to_owned();
    // 999 more AARQs: the next one has the same client part again (U-06 counter mod 1000).
    for _ in 0..999 {
        let mut c = e.client();
        e.aarq(&mut c);
    }
    let mut c = e.client();
    e.aarq(&mut c);
    assert_eq!(c.asso_id(), part, "the counter wrapped to the same part");
    let r = c.on_receive_aare(&e.ctx(Role::Initiator), &aare);
    assert!(matches!(r, Err(Refusal::Abort { .. })), "{r:?}");
    assert!(c.mode().is_none(), "no keys from a replayed HandshakeAcc");
    assert_eq!(
        count(&e.cf, "IEC62351-4:2.10"),
        1,
        "{:?}",
        e.cf.events().snapshot()
    );
    assert_eq!(
        count(&e.cf, ev::ESTABLISHED),
        1,
        "only the first association"
    );
}

/// The same ReleaseReq twice: the second is a replay (REPLAY_DETECT_REL_REQ 12.10) and the
/// server aborts; a ReleaseReq of another association is a protocol error (12.4).
#[test]
fn a_replayed_or_foreign_release_request_is_refused() {
    let e = env();
    let (mut c, mut s, _) = e.establish();
    let mut rlrq = Apdu::Rlrq(Rlrq::default());
    c.on_send_release(&e.ctx(Role::Initiator), &mut rlrq)
        .unwrap();
    let ok = s.on_receive_release(&e.ctx(Role::Responder), &rlrq);
    assert!(ok.is_ok(), "{ok:?}");
    let again = s.on_receive_release(&e.ctx(Role::Responder), &rlrq);
    assert!(matches!(again, Err(Refusal::Abort { .. })), "{again:?}");
    assert_eq!(
        count(&e.sf, "IEC62351-4:12.10"),
        1,
        "{:?}",
        e.sf.events().snapshot()
    );
    // The ReleaseReq of one association handed to another of the same peers.
    let (_c2, mut s2, _) = e.establish();
    let (mut c3, _s3, _) = e.establish();
    let mut rlrq = Apdu::Rlrq(Rlrq::default());
    c3.on_send_release(&e.ctx(Role::Initiator), &mut rlrq)
        .unwrap();
    let r = s2.on_receive_release(&e.ctx(Role::Responder), &rlrq);
    assert!(matches!(r, Err(Refusal::Abort { .. })), "{r:?}");
    assert_eq!(
        count(&e.sf, "IEC62351-4:12.4"),
        1,
        "{:?}",
        e.sf.events().snapshot()
    );
}

/// An ApplAbort of one association received on another is ignored with PROTOCOL_ERR_APPL_ABT
/// (7.4), not taken as the peer's abort; the same ApplAbort received twice on its own
/// association is a replay the second time (REPLAY_DETEC_APPL_ABT 7.10).
#[test]
fn an_abort_for_another_association_or_replayed_is_ignored_with_an_event() {
    let e = env();
    let (mut c1, mut s1, _) = e.establish();
    let (_c2, mut s2, _) = e.establish();
    let mut abrt = Abrt::new(AbortSource::ServiceUser);
    c1.on_send_abort(&e.ctx(Role::Initiator), &mut abrt);
    assert_eq!(
        abrt.user_information.len(),
        1,
        "the signed ApplAbort rides in the ABRT"
    );
    s2.on_receive_abort(&e.ctx(Role::Responder), &abrt);
    assert_eq!(
        count(&e.sf, "IEC62351-4:7.4"),
        1,
        "{:?}",
        e.sf.events().snapshot()
    );
    assert_eq!(count(&e.sf, ev::PEER_REFUSED), 0, "not the peer's abort");
    s1.on_receive_abort(&e.ctx(Role::Responder), &abrt);
    assert_eq!(
        count(&e.sf, ev::PEER_REFUSED),
        1,
        "the real abort is the peer's"
    );
    s1.on_receive_abort(&e.ctx(Role::Responder), &abrt);
    assert_eq!(
        count(&e.sf, "IEC62351-4:7.10"),
        1,
        "{:?}",
        e.sf.events().snapshot()
    );
    assert_eq!(count(&e.sf, ev::PEER_REFUSED), 1);
}

/// The server's HandshakeSecReject names the client's assoID part: a client whose AARQ was
/// refused takes its own reject (its diagnostic event), and the same reject handed to another
/// client association is ignored (PROTOCOL_ERR_ASS_SEC_REJ 4.4).
#[test]
fn a_handshake_reject_is_bound_to_its_association() {
    let e = env();
    let mut c1 = e.client();
    let aarq1 = e.aarq(&mut c1);
    let mut c2 = e.client();
    e.aarq(&mut c2);
    // A server that accepts no DH group the client uses: it rejects with diagnostic
    // dhGroup-not-supported, signed with its key.
    let mut cfg = E2eConfig::new(e.server.clone(), vec![e.root.ca().certificate.clone()]);
    cfg.require_address_binding = false;
    cfg.dh_groups = vec![e2e_sec::config::DhGroup::Modp2048];
    let sf = E2eFactory::new(cfg, Arc::new(SecurityEvents::new())).unwrap();
    let mut s = sf.e2e_provider(Role::Responder, &TransportSecurity::plain());
    let refusal = s.on_receive_aarq(&e.ctx(Role::Responder), &aarq1);
    let Err(Refusal::Reject {
        result,
        diagnostic,
        user_information,
        ..
    }) = refusal
    else {
        panic!("{refusal:?}")
    };
    let mut aare = Aare::rejected(e.ac.clone(), result, diagnostic);
    aare.user_information = user_information;
    // The other client association: not its reject.
    let _ = c2.on_receive_aare(&e.ctx(Role::Initiator), &aare);
    assert_eq!(
        count(&e.cf, "IEC62351-4:4.4"),
        1,
        "{:?}",
        e.cf.events().snapshot()
    );
    assert_eq!(count(&e.cf, "IEC62351-4:4.17"), 0);
    // Its own association: the diagnostic dhGroup-not-supported (4.17).
    let _ = c1.on_receive_aare(&e.ctx(Role::Initiator), &aare);
    assert_eq!(
        count(&e.cf, "IEC62351-4:4.17"),
        1,
        "{:?}",
        e.cf.events().snapshot()
    );
}

/// `aarq` with its HandshakeReq's signed version bit cleared and the signature kept (an
/// attacker who cannot sign).
fn with_version_cleared(aarq: &Aarq<'static>) -> Aarq<'static> {
    use e2e_sec::pdu::{self, Kind, Limits, SecPdu};
    let wire = aarq.user_information[0].single_value().unwrap();
    let SecPdu::HandshakeReq(h) =
        pdu::decode_in(wire, pdu::Carrier::Aarq, &Limits::default()).unwrap()
    else {
        panic!("not a HandshakeReq")
    };
    let mut token1 = h.token1.clone();
    token1.version_v1 = false;
    let tbs = pdu::encode_tbs_handshake(&token1, h.appl_data);
    let mut sec = pdu::encode_handshake(Kind::HandshakeReq, h.pp, &tbs, &h.signature);
    pdu::make_bare(&mut sec);
    let mut out = aarq.clone();
    out.user_information = vec![External::single(5, Cow::Owned(sec))];
    out
}

/// U-14 / §14.3.2: signed content is judged only after the signature verified. A HandshakeReq
/// whose version was altered is an invalid signature (INV_SIGNATURE_ASS_REQ 1.3, alarm), not
/// an unexpected version (1.9) — which would tell the sender how the content was judged.
#[test]
fn the_signature_is_verified_before_the_signed_version() {
    let e = env();
    let mut c = e.client();
    let aarq = with_version_cleared(&e.aarq(&mut c));
    let mut s = e.server();
    let r = s.on_receive_aarq(&e.ctx(Role::Responder), &aarq);
    assert!(matches!(r, Err(Refusal::Reject { .. })), "{r:?}");
    assert_eq!(
        count(&e.sf, "IEC62351-4:1.3"),
        1,
        "{:?}",
        e.sf.events().snapshot()
    );
    assert_eq!(count(&e.sf, "IEC62351-4:1.9"), 0);
}

/// IEC 62351-4 Annex G.2: a peer whose E2E certificate is the certificate it authenticated TLS
/// with is accepted with a warning (`e2e.same-certificate-as-tls`); a separate one is not.
#[test]
fn the_same_certificate_for_tls_and_e2e_is_a_warning() {
    let e = env();
    let mut c = e.client();
    let aarq = e.aarq(&mut c);
    let wire = aarq.user_information[0].single_value().unwrap();
    let e2e_sec::pdu::SecPdu::HandshakeReq(h) = e2e_sec::pdu::decode_in(
        wire,
        e2e_sec::pdu::Carrier::Aarq,
        &e2e_sec::pdu::Limits::default(),
    )
    .unwrap() else {
        panic!("not a HandshakeReq")
    };
    let client_cert = h.token1.pk_cert.to_vec();
    let tls = |peer: Vec<u8>| TransportSecurity {
        tls: true,
        peer_certificate: Some(peer),
    };
    let mut s = e.sf.e2e_provider(Role::Responder, &tls(client_cert));
    assert!(s.on_receive_aarq(&e.ctx(Role::Responder), &aarq).is_ok());
    let snap = e.sf.events().snapshot();
    let seen = snap.iter().find(|c| c.code == ev::SAME_CERTIFICATE_AS_TLS);
    assert_eq!(
        seen.map(|c| (c.severity, c.count)),
        Some((acse::security::Severity::Warning, 1)),
        "{snap:?}"
    );
    // Another TLS certificate: no warning.
    let mut c = e.client();
    let aarq = e.aarq(&mut c);
    let mut s = e.sf.e2e_provider(Role::Responder, &tls(vec![0x30, 0x00]));
    assert!(s.on_receive_aarq(&e.ctx(Role::Responder), &aarq).is_ok());
    assert_eq!(count(&e.sf, ev::SAME_CERTIFICATE_AS_TLS), 1);
}
