//! The E2E handshake's negotiation (IEC 62351-4 §13.3.1, §14.3.4): a client offering several
//! algorithm sets and the server picking by its own preference; confParams claimed honestly
//! (`applProtected` only when the mode encrypts) and judged against the local policy.
#![allow(clippy::unwrap_used)]

mod common;

use acse::apdu::Aarq;
use acse::security::{AssociationSecurity, Refusal, Role, TransportSecurity};
use common::*;
use e2e_sec::config::{AeadAlgorithm, CbcAlgorithm};
use e2e_sec::pdu::{self, ConfParams, EncrMode, Limits, SecPdu};
use e2e_sec::{E2eMode, IcvAlgorithm};

const GCM128: E2eMode = E2eMode::Aead(AeadAlgorithm::Aes128Gcm);
const GCM256: E2eMode = E2eMode::Aead(AeadAlgorithm::Aes256Gcm);
const HMAC: E2eMode = E2eMode::IcvOnly(IcvAlgorithm::HmacSha256);
const GMAC: E2eMode = E2eMode::IcvOnly(IcvAlgorithm::Aes128Gmac);

/// The confParams and encr-mode of the HandshakeReq in `aarq`.
fn offer_of(aarq: &Aarq<'static>) -> (ConfParams, usize) {
    let wire = aarq.user_information[0].single_value().unwrap();
    let SecPdu::HandshakeReq(h) =
        pdu::decode_in(wire, pdu::Carrier::Aarq, &Limits::default()).unwrap()
    else {
        panic!("not a HandshakeReq")
    };
    let n = match &h.token1.encr_mode {
        EncrMode::Aea(l) => l.len(),
        EncrMode::NonAea { icv, .. } => icv.len(),
    };
    (h.token1.conf_params, n)
}

/// A client offering both AES-GCM variants sends both in one aea list; the server selects by
/// its own preference order, whichever the client listed first.
#[test]
fn the_client_offers_several_sets_and_the_server_picks_by_its_policy() {
    for (server_pref, expected) in [(vec![GCM256, GCM128], GCM256), (vec![GCM128], GCM128)] {
        let e = env_with(
            |c| *c = c.clone().with_offers(&[GCM128, GCM256]),
            |s| s.accept = server_pref.clone(),
        );
        let mut c = e.client();
        let aarq = e.aarq(&mut c);
        assert_eq!(offer_of(&aarq).1, 2, "both algorithms offered");
        let mut s = e.server();
        let aare = e.aare(&mut s, &aarq);
        c.on_receive_aare(&e.ctx(Role::Initiator), &aare).unwrap();
        assert_eq!(c.mode(), Some(expected), "{server_pref:?}");
        assert_eq!(s.mode(), Some(expected));
    }
    // ICV only with two ICV algorithms: the server prefers GMAC.
    let e = env_with(
        |c| *c = c.clone().with_offers(&[HMAC, GMAC]),
        |s| s.accept = vec![GMAC, HMAC],
    );
    let (c, _s, _) = e.establish();
    assert_eq!(c.mode(), Some(GMAC));
    // CBC: two encryption algorithms × one ICV.
    let cbc128 = E2eMode::CbcIcv(CbcAlgorithm::Aes128Cbc, IcvAlgorithm::HmacSha256);
    let cbc256 = E2eMode::CbcIcv(CbcAlgorithm::Aes256Cbc, IcvAlgorithm::HmacSha256);
    let e = env_with(
        |c| *c = c.clone().with_offers(&[cbc128, cbc256]),
        |s| s.accept = vec![cbc256],
    );
    let (c, _s, _) = e.establish();
    assert_eq!(c.mode(), Some(cbc256));
    // Modes of different kinds cannot be offered together.
    let e = env();
    let mixed = E2eConfigOf::client(&e).with_offers(&[GCM128, HMAC]);
    assert!(mixed.validate().is_err());
}

/// Helper to build a fresh client configuration like the harness's.
struct E2eConfigOf;

impl E2eConfigOf {
    fn client(e: &Env) -> e2e_sec::E2eConfig {
        e2e_sec::E2eConfig::new(e.client_cred.clone(), vec![e.root.ca().certificate.clone()])
    }
}

/// applProtected is claimed only when the offered mode encrypts (§13.3.1 confParams).
#[test]
fn appl_protected_is_claimed_only_when_the_mode_encrypts() {
    for (mode, claimed) in [(GCM128, true), (HMAC, false)] {
        let e = env_with(|c| *c = c.clone().with_mode(mode), |_| {});
        let mut c = e.client();
        let (cp, _) = offer_of(&e.aarq(&mut c));
        assert_eq!(cp.appl_protected, claimed, "{mode:?}");
        assert!(!cp.tls_protected, "no TLS under this association");
    }
    // The server's HandshakeAcc says the same of the selected mode.
    let e = env_with(|c| *c = c.clone().with_mode(HMAC), |_| {});
    let (_c, _s, aare) = e.establish();
    let wire = aare.user_information[0].single_value().unwrap();
    let SecPdu::HandshakeAcc(h) = pdu::decode(wire, &Limits::default()).unwrap() else {
        panic!("not a HandshakeAcc")
    };
    assert!(!h.token1.conf_params.appl_protected);
}

/// `require_confidentiality`: ICV only is refused with encryption-required
/// (ENCR_IS_REQUIRED_ASS_REQ 1.22) outside TLS, and accepted when both ends run over TLS and
/// the client says tlsProtected.
#[test]
fn conf_params_are_judged_against_the_local_policy() {
    let e = env_with(
        |c| *c = c.clone().with_mode(HMAC),
        |s| s.require_confidentiality = true,
    );
    let mut c = e.client();
    let aarq = e.aarq(&mut c);
    let mut s = e.server();
    let r = s.on_receive_aarq(&e.ctx(Role::Responder), &aarq);
    assert!(matches!(r, Err(Refusal::Reject { .. })), "{r:?}");
    assert_eq!(
        count(&e.sf, "IEC62351-4:1.22"),
        1,
        "{:?}",
        e.sf.events().snapshot()
    );
    let tls = TransportSecurity {
        tls: true,
        peer_certificate: None,
    };
    let (c, _s, _) = e.establish_on(&tls);
    assert_eq!(c.mode(), Some(HMAC));
    // A client claiming tlsProtected to a server without TLS: its claim counts for nothing,
    // and is recorded (PROTOCOL_ERR_ASS_REQ 1.5 as a warning).
    let mut c = e.client_on(&tls);
    let aarq = e.aarq(&mut c);
    let mut s = e.server();
    assert!(s.on_receive_aarq(&e.ctx(Role::Responder), &aarq).is_err());
    let snap = e.sf.events().snapshot();
    let warned = snap.iter().find(|c| c.code == "IEC62351-4:1.5");
    assert_eq!(
        warned.map(|c| (c.severity, c.count)),
        Some((acse::security::Severity::Warning, 1)),
        "{snap:?}"
    );
    assert_eq!(count(&e.sf, "IEC62351-4:1.22"), 2);
}
