#![allow(clippy::unwrap_used)] // test helpers: a failure here is a test failure
//! The association end to end in memory: establishment, data, release, abort, refusal, password
//! authentication, and bad input at each layer ending in the response the standard prescribes.

use acse::apdu::{AbortSource, AssociateResult, Diagnostic, ServiceUserDiagnostic};
use acse::association::{Association, AssociationConfig, AssociationError, Refused, State};
use acse::loopback::{associate, deliver, drain, shuttle, Seen};
use acse::password::PasswordAuthentication;
use copp::ber::{oid_from_str, Tag, Writer};

const INITIATE_REQ: &[u8] = &[0xA8, 0x03, 0x80, 0x01, 0x05];
const INITIATE_RSP: &[u8] = &[0xA9, 0x03, 0x80, 0x01, 0x05];

fn pdu(len: usize, fill: u8) -> Vec<u8> {
    let mut w = Writer::new();
    w.octets(Tag::OCTET_STRING, &vec![fill; len]);
    w.wrap(0, Tag::context(0, true));
    w.into_vec()
}

/// Runs both ends until neither has anything to say; the responder answers an AARQ with
/// `on_aarq`.
fn pump(
    c: &mut Association,
    s: &mut Association,
    mut on_aarq: impl FnMut(&mut Association),
) -> (Vec<Seen>, Vec<Seen>) {
    let (mut cs, mut ss) = (Vec::new(), Vec::new());
    for _ in 0..16 {
        let moved = shuttle(c, s).unwrap();
        let evs = drain(s).unwrap_or_default();
        for e in &evs {
            if matches!(e, Seen::AssociateIndication(_)) {
                on_aarq(s);
            }
        }
        ss.extend(evs);
        let back = shuttle(s, c).unwrap();
        cs.extend(drain(c).unwrap_or_default());
        if moved == 0 && back == 0 {
            break;
        }
    }
    (cs, ss)
}

#[test]
fn associate_exchange_data_both_ways_and_release() {
    let config = AssociationConfig::default();
    let mut c = Association::connect(config.clone(), INITIATE_REQ, None);
    let mut s = Association::accept_incoming(config, None);
    let (cs, ss) = pump(&mut c, &mut s, |s| s.accept(INITIATE_RSP).unwrap());
    assert_eq!(
        ss,
        vec![Seen::AssociateIndication(Some(INITIATE_REQ.to_vec()))]
    );
    assert_eq!(cs, vec![Seen::Associated(Some(INITIATE_RSP.to_vec()))]);
    assert_eq!(
        (c.state(), s.state()),
        (State::Associated, State::Associated)
    );
    assert_eq!(c.tpdu_size(), 2048);
    let ids: Vec<u32> = c.contexts().iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, [1, 3]);
    assert_eq!(s.contexts().len(), 2);

    for (i, size) in [0usize, 1, 100, 5000, 70_000].into_iter().enumerate() {
        let up = pdu(size, i as u8);
        c.send_data(&up).unwrap();
        assert!(
            deliver(&mut c, &mut s).unwrap() == vec![Seen::Data(3, up)],
            "{size} up"
        );
        let down = pdu(size, 0xF0 | i as u8);
        s.send_data(&down).unwrap();
        assert!(
            deliver(&mut s, &mut c).unwrap() == vec![Seen::Data(3, down)],
            "{size} down"
        );
    }

    c.release(None).unwrap();
    assert_eq!(c.state(), State::Releasing);
    shuttle(&mut c, &mut s).unwrap();
    assert_eq!(drain(&mut s).unwrap(), vec![Seen::ReleaseIndication]);
    // Data may still flow from the responder until it answers the release.
    s.respond_release(None).unwrap();
    assert!(s.is_closed());
    shuttle(&mut s, &mut c).unwrap();
    assert_eq!(drain(&mut c).unwrap(), vec![Seen::Released]);
    assert!(c.is_closed());
}

#[test]
fn initiator_abort_reaches_the_responder_as_user_abort() {
    let config = AssociationConfig::default();
    let (mut c, mut s) = associate(config.clone(), config, INITIATE_REQ, INITIATE_RSP).unwrap();
    c.abort(None).unwrap();
    assert!(c.is_closed());
    shuttle(&mut c, &mut s).unwrap();
    let mut got = None;
    while let Some(ev) = s.poll_event().unwrap() {
        if let acse::association::Event::Aborted { source, .. } = ev {
            got = Some(source);
        }
    }
    assert_eq!(got, Some(Some(AbortSource::ServiceUser)));
    assert!(s.is_closed());
}

#[test]
fn responder_rejection_reaches_the_initiator_with_its_diagnostic() {
    let config = AssociationConfig::default();
    let mut c = Association::connect(config.clone(), INITIATE_REQ, None);
    let mut s = Association::accept_incoming(config, None);
    let (cs, _) = pump(&mut c, &mut s, |s| {
        s.reject(
            AssociateResult::RejectedPermanent,
            ServiceUserDiagnostic::CallingApTitleNotRecognized,
            None,
        )
        .unwrap()
    });
    assert_eq!(
        cs,
        vec![Seen::Refused(Refused::Acse {
            result: AssociateResult::RejectedPermanent,
            diagnostic: Diagnostic::ServiceUser(ServiceUserDiagnostic::CallingApTitleNotRecognized),
            user_data: None,
        })]
    );
    assert!(c.is_closed() && s.is_closed());
}

fn refusal_with(client: Option<Vec<u8>>, server: Vec<u8>) -> Vec<Seen> {
    let config = AssociationConfig::default();
    let cs = client.map(|p| Box::new(PasswordAuthentication::initiator(p)) as _);
    let ss = Box::new(PasswordAuthentication::responder(server));
    let mut c = Association::connect(config.clone(), INITIATE_REQ, cs);
    let mut s = Association::accept_incoming(config, Some(ss));
    pump(&mut c, &mut s, |s| s.accept(INITIATE_RSP).unwrap()).0
}

fn rejected(d: ServiceUserDiagnostic) -> Vec<Seen> {
    vec![Seen::Refused(Refused::Acse {
        result: AssociateResult::RejectedPermanent,
        diagnostic: Diagnostic::ServiceUser(d),
        user_data: None,
    })]
}

#[test]
fn password_authentication_through_the_association() {
    assert_eq!(
        refusal_with(Some(b"secret".to_vec()), b"secret".to_vec()),
        vec![Seen::Associated(Some(INITIATE_RSP.to_vec()))]
    );
    assert_eq!(
        refusal_with(Some(b"guess".to_vec()), b"secret".to_vec()),
        rejected(ServiceUserDiagnostic::AuthenticationFailure)
    );
    assert_eq!(
        refusal_with(None, b"secret".to_vec()),
        rejected(ServiceUserDiagnostic::AuthenticationMechanismNameRequired)
    );
}

#[test]
fn unsupported_application_context_is_rejected_with_its_diagnostic() {
    let client = {
        let mut config = AssociationConfig::default();
        config.application_context = oid_from_str("1.2.3.4").unwrap();
        config
    };
    let mut c = Association::connect(client, INITIATE_REQ, None);
    let mut s = Association::accept_incoming(AssociationConfig::default(), None);
    shuttle(&mut c, &mut s).unwrap();
    drain(&mut s).unwrap();
    shuttle(&mut s, &mut c).unwrap();
    drain(&mut c).unwrap(); // CC: the initiator now sends CN.
    shuttle(&mut c, &mut s).unwrap();
    assert!(matches!(s.poll_event(), Err(AssociationError::Protocol(_))));
    assert!(s.is_closed());
    shuttle(&mut s, &mut c).unwrap();
    assert_eq!(
        drain(&mut c).unwrap(),
        rejected(ServiceUserDiagnostic::ApplicationContextNameNotSupported)
    );
}

#[test]
fn services_in_the_wrong_state_are_refused_locally() {
    let mut c = Association::connect(AssociationConfig::default(), INITIATE_REQ, None);
    assert!(matches!(
        c.send_data(b"\x05\x00"),
        Err(AssociationError::State { .. })
    ));
    assert!(matches!(
        c.release(None),
        Err(AssociationError::State { .. })
    ));
    assert!(matches!(
        c.respond_release(None),
        Err(AssociationError::State { .. })
    ));
    let mut s = Association::accept_incoming(AssociationConfig::default(), None);
    assert!(matches!(
        s.accept(INITIATE_RSP),
        Err(AssociationError::State { .. })
    ));
}

/// TPKT + COTP DT(EOT) around a TSDU.
fn dt(tsdu: &[u8]) -> Vec<u8> {
    let len = tsdu.len() + 7;
    let mut v = vec![3, 0, (len >> 8) as u8, len as u8, 2, 0xF0, 0x80];
    v.extend_from_slice(tsdu);
    v
}

#[test]
fn bad_tpkt_version_closes_the_transport() {
    let mut s = Association::accept_incoming(AssociationConfig::default(), None);
    s.feed(&[4, 0, 0, 11, 6, 0xE0, 0, 0, 0, 1, 0]).unwrap();
    assert!(matches!(
        s.poll_event(),
        Err(AssociationError::Transport(_))
    ));
    assert!(s.is_closed());
}

#[test]
fn data_before_the_association_gets_a_session_abort() {
    let config = AssociationConfig::default();
    let mut c = Association::connect(config.clone(), INITIATE_REQ, None);
    let mut s = Association::accept_incoming(config, None);
    // Transport up only: CR, CC.
    shuttle(&mut c, &mut s).unwrap();
    drain(&mut s).unwrap();
    s.feed(&dt(&[0x01, 0x00, 0x01, 0x00, 0x61, 0x00])).unwrap();
    assert!(matches!(s.poll_event(), Err(AssociationError::Session(_))));
    assert!(s.is_closed());
    // CC, then the provider ABORT (SI 25).
    let out = s.transmit();
    let ab = out.windows(2).any(|w| w == [0x80, 0x19]);
    assert!(ab, "no session ABORT in {out:02X?}");
}

#[test]
fn p_data_on_an_unaccepted_context_gets_a_presentation_provider_abort() {
    let config = AssociationConfig::default();
    let (_c, mut s) = associate(config.clone(), config, INITIATE_REQ, INITIATE_RSP).unwrap();
    // GT+DT, fully-encoded user data on context 7, which was never proposed.
    let tsdu = [
        0x01, 0x00, 0x01, 0x00, 0x61, 0x09, 0x30, 0x07, 0x02, 0x01, 0x07, 0xA0, 0x02, 0x05, 0x00,
    ];
    s.feed(&dt(&tsdu)).unwrap();
    assert!(matches!(
        s.poll_event(),
        Err(AssociationError::Presentation(_))
    ));
    assert!(s.is_closed());
    // AB (SI 25) carrying an ARP-PPDU (SEQUENCE 30 ...).
    let out = s.transmit();
    let at = out.iter().position(|&b| b == 0x19).expect("session ABORT");
    assert!(out[at..].contains(&0x30), "ARP expected in {out:02X?}");
}

#[test]
fn garbage_acse_apdu_gets_an_abrt_protocol_error() {
    let config = AssociationConfig::default();
    let (_c, mut s) = associate(config.clone(), config, INITIATE_REQ, INITIATE_RSP).unwrap();
    // A FINISH whose presentation user data carries something that is not an ACSE APDU.
    let fe = [
        0x61, 0x09, 0x30, 0x07, 0x02, 0x01, 0x01, 0xA0, 0x02, 0x05, 0x00,
    ];
    let mut fin = vec![0x09, (fe.len() + 2) as u8, 0xC1, fe.len() as u8];
    fin.extend_from_slice(&fe);
    s.feed(&dt(&fin)).unwrap();
    assert!(matches!(s.poll_event(), Err(AssociationError::Acse(_))));
    assert!(s.is_closed());
    // ABRT (64 ...) with abort-source service-provider (80 01 01) went out in an AB.
    let out = s.transmit();
    assert!(
        out.windows(3).any(|w| w == [0x80, 0x01, 0x01]),
        "{out:02X?}"
    );
    assert!(out.contains(&0x64));
}

#[test]
fn truncated_input_at_every_split_point_gives_the_same_events() {
    let config = AssociationConfig::default();
    let mut c = Association::connect(config.clone(), INITIATE_REQ, None);
    let mut s = Association::accept_incoming(config, None);
    let (_, _) = pump(&mut c, &mut s, |s| s.accept(INITIATE_RSP).unwrap());
    let up = pdu(3000, 7);
    c.send_data(&up).unwrap();
    let wire = c.transmit().to_vec();
    c.advance_transmit(wire.len());
    let mut seen = Vec::new();
    for b in &wire {
        s.feed(std::slice::from_ref(b)).unwrap();
        seen.extend(drain(&mut s).unwrap());
    }
    assert_eq!(seen, vec![Seen::Data(3, up)]);
}
