//! IEC 62351-4 §11 A-security-profile over whole in-memory associations: the real AARQ/AARE
//! bytes flow through COTP, session, presentation and ACSE. Certificates come from cot::pki,
//! generated at test time.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use a_sec_profile::{events, Dialect, FailureResponse, TimeFormat};
use acse::apdu::{AbortDiagnostic, AbortSource, Diagnostic, ServiceUserDiagnostic};
use acse::association::Refused;
use acse::password::PasswordAuthentication;
use acse::security::{Role, SecurityEvents, SecurityFactory, TransportSecurity};
use common::*;
use cot::pki::{KeyKind, KeyUsageBits, LeafSpec};

// Byte vectors: the fields below are what our encoder writes; interop-tests/tests/
// a_profile_mms.rs runs tshark over the same encoder's AARQ/AARE/ABRT on the wire (mechanism
// name, authentication values, requirement bits, indirect reference 5; nothing malformed).

/// mechanism-name 1.0.840.0.1.0.1.1 in the AARQ (`8B`) and AARE (`89`), docs/facts.md §1.8.
const MECH: [u8; 8] = [0x28, 0x86, 0x48, 0x00, 0x01, 0x00, 0x01, 0x01];
/// mmsAuthenticationAS 1.0.840.0.1.1.4.1.
const AUTH_AS: [u8; 8] = [0x28, 0x86, 0x48, 0x00, 0x01, 0x01, 0x04, 0x01];

fn with_tag(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut v = vec![tag, content.len() as u8];
    v.extend_from_slice(content);
    v
}

fn auth_failure_abort(r: &Run) {
    assert_eq!(
        r.client.refused,
        Some(Refused::Aborted {
            source: Some(AbortSource::ServiceUser),
            diagnostic: Some(AbortDiagnostic::AuthenticationFailure),
        }),
        "{r:#?}"
    );
    assert!(!r.client.associated && !r.server.associated);
}

fn rejected_with(r: &Run, d: ServiceUserDiagnostic) {
    match &r.client.refused {
        Some(Refused::Acse { diagnostic, .. }) => {
            assert_eq!(*diagnostic, Diagnostic::ServiceUser(d), "{r:#?}")
        }
        other => panic!("expected an AARE reject, got {other:?}"),
    }
    assert!(!r.client.associated);
}

#[test]
fn accept_iec2018_mutual_with_binding() {
    let p = pair(Dialect::Iec2018);
    let r = run(
        boxed(&p.client, Role::Initiator),
        boxed(&p.server, Role::Responder),
    );
    assert!(r.client.associated && r.server.associated, "{r:#?}");
    // Server learnt the client's identity, and the reverse.
    let sp = r.s.authenticated_peer().unwrap();
    assert_eq!(sp.object_identifier.as_deref(), Some(CLIENT_AE_TITLE));
    assert!(sp.subject.contains("CN=client"), "{}", sp.subject);
    assert_eq!(sp.certificate_der, client_cred().cert_der().unwrap());
    assert_eq!(sp.mechanism, a_sec_profile::NAME);
    let cp = r.c.authenticated_peer().unwrap();
    assert_eq!(cp.object_identifier.as_deref(), Some(SERVER_AE_TITLE));
    assert_eq!(p.sev.count(events::ACCEPTED), 1);
    assert_eq!(p.cev.count(events::ACCEPTED), 1);
    assert_eq!(p.sev.total() + p.cev.total(), 2, "{:?}", p.sev.snapshot());
    // Three presentation contexts, the third mmsAuthenticationAS as id 5.
    assert!(r
        .c
        .contexts()
        .iter()
        .any(|(id, o)| *id == 5 && o.as_bytes() == AUTH_AS));
    let aarq = &tsdus(&r.client_bytes)[0];
    assert!(contains(aarq, &with_tag(0x06, &AUTH_AS)));
    // sender-acse-requirements {authentication}, mechanism-name, EXTERNAL with indirect ref 5.
    assert!(contains(aarq, &[0x8A, 0x02, 0x07, 0x80]));
    assert!(contains(aarq, &with_tag(0x8B, &MECH)));
    let i = aarq.windows(1).position(|w| w[0] == 0xAC).unwrap();
    assert!(contains(&aarq[i..], &[0x02, 0x01, 0x05, 0xA0]));
    // The AARE mirrors: responder-acse-requirements, mechanism-name, EXTERNAL with ref 5.
    let aare = &tsdus(&r.server_bytes)[0];
    assert!(contains(aare, &[0x88, 0x02, 0x07, 0x80]));
    assert!(contains(aare, &with_tag(0x89, &MECH)));
    assert!(contains(aare, &[0x02, 0x01, 0x05, 0xA0, 0x82]));
    // The AARE holds the server's certificate, the AARQ the client's.
    assert!(contains(aare, &server_cred().cert_der().unwrap()));
    assert!(contains(aarq, &client_cred().cert_der().unwrap()));
}

/// The EXTERNAL of the authentication value in `apdu_stream` (`AC`/`AA` `82 L` `A2 82 L`):
/// true when it starts with a reference (`02` or `06`) rather than the encoding (`A0`).
fn external_has_reference(tsdu: &[u8], field: u8) -> bool {
    // field tag, then a long-form length (the value is > 255 octets), then A2 and its length.
    let i = tsdu
        .windows(3)
        .position(|w| w[0] == field && w[1] == 0x82 && w[2] != 0)
        .unwrap();
    let ext = &tsdu[i + 4..];
    assert_eq!(ext[0], 0xA2, "external [2]");
    let first = ext[4];
    first == 0x02 || first == 0x06
}

#[test]
fn both_dialects_both_directions_the_aare_mirrors() {
    for (client_dialect, server_dialect) in [
        (Dialect::Iec2018, Dialect::LegacySisco),
        (Dialect::LegacySisco, Dialect::Iec2018),
        (Dialect::LegacySisco, Dialect::LegacySisco),
    ] {
        let p = pair(client_dialect);
        let sev = Arc::new(SecurityEvents::new());
        let mut sc = config(server_cred(), &sev);
        sc.dialect = server_dialect;
        let server = factory(sc);
        let r = run(
            boxed(&p.client, Role::Initiator),
            boxed(&server, Role::Responder),
        );
        assert!(r.client.associated && r.server.associated, "{r:#?}");
        let aarq = &tsdus(&r.client_bytes)[0];
        let aare = &tsdus(&r.server_bytes)[0];
        let legacy = client_dialect == Dialect::LegacySisco;
        // Legacy: two contexts, no mmsAuthenticationAS anywhere.
        assert_eq!(contains(aarq, &AUTH_AS), !legacy);
        assert_eq!(r.c.contexts().len(), if legacy { 2 } else { 3 });
        assert_eq!(external_has_reference(aarq, 0xAC), !legacy);
        assert_eq!(external_has_reference(aare, 0xAA), !legacy, "AARE mirrors");
        assert!(r.c.authenticated_peer().is_some() && r.s.authenticated_peer().is_some());
    }
}

#[test]
fn refusals_with_diagnostic_and_event() {
    let now = SystemTime::now();
    let day = Duration::from_secs(86_400);
    let leaf = |spec: LeafSpec| {
        root()
            .issue(&spec.with_object_identifier(CLIENT_AE_TITLE))
            .unwrap()
    };
    let cases: Vec<(&str, a_sec_profile::AProfileConfig, &str)> = vec![
        (
            "untrusted CA",
            client_config(
                &rogue_root()
                    .issue(&LeafSpec::new("rogue").with_object_identifier(CLIENT_AE_TITLE))
                    .unwrap(),
            ),
            events::CERTIFICATE_UNTRUSTED,
        ),
        (
            "expired",
            client_config(&leaf(
                LeafSpec::new("old").with_validity(now - 2 * day, now - day),
            )),
            events::CERTIFICATE_EXPIRED,
        ),
        (
            "not yet valid",
            client_config(&leaf(
                LeafSpec::new("new").with_validity(now + day, now + 2 * day),
            )),
            events::CERTIFICATE_NOT_YET_VALID,
        ),
        (
            "wrong key usage",
            client_config(&leaf(LeafSpec::new("ku").with_key_usage(KeyUsageBits {
                key_encipherment: true,
                ..Default::default()
            }))),
            events::KEY_USAGE,
        ),
        (
            "RSA-1024",
            {
                let mut c =
                    client_config(&leaf(LeafSpec::new("small").with_key(KeyKind::Rsa(1024))));
                c.min_rsa_bits = 1024; // the client itself accepts to send it
                c
            },
            events::WEAK_KEY,
        ),
        (
            "time 11 minutes behind",
            client_config(client_cred()).with_clock(shifted(false, Duration::from_secs(660))),
            events::TIME_OUT_OF_WINDOW,
        ),
        (
            "time 11 minutes ahead",
            client_config(client_cred()).with_clock(shifted(true, Duration::from_secs(660))),
            events::TIME_OUT_OF_WINDOW,
        ),
        (
            "subject / AP-title mismatch",
            client_config(
                &root()
                    .issue(&LeafSpec::new("other").with_object_identifier("1.1.1.999.13"))
                    .unwrap(),
            ),
            events::AP_TITLE_MISMATCH,
        ),
        (
            "no 2.5.4.106 in the subject",
            client_config(&root().issue(&LeafSpec::new("plain")).unwrap()),
            events::AP_TITLE_MISMATCH,
        ),
        (
            "bad signature (key of another certificate)",
            {
                let mut c = client_config(client_cred());
                if let Some(cr) = c.credentials.as_mut() {
                    cr.key = server_cred().key.clone();
                }
                c
            },
            events::SIGNATURE_INVALID,
        ),
    ];
    for (what, cc, code) in cases {
        let (r, sev) = against_server(cc);
        auth_failure_abort(&r);
        assert_eq!(sev.count(code), 1, "{what}: {:?}", sev.snapshot());
        assert_eq!(sev.count(events::ACCEPTED), 0, "{what}");
        assert!(r.s.authenticated_peer().is_none(), "{what}");
        // Nothing of the reason reaches the peer: the server sent an ABRT
        // (64 06 80 01 00 81 01 05: source service-user, diagnostic authentication-failure)
        // and no AARE.
        let out = tsdus(&r.server_bytes);
        let last = out.last().unwrap();
        assert!(
            contains(last, &[0x64, 0x06, 0x80, 0x01, 0x00, 0x81, 0x01, 0x05]),
            "{what}: {last:02X?}"
        );
        assert!(
            out.iter().all(|t| t[0] != 14 && t[0] != 12),
            "{what}: no ACCEPT or REFUSE SPDU, only the ABORT"
        );
        assert_eq!(last[0], 25, "{what}: session ABORT");
    }
}

#[test]
fn revoked_certificate() {
    let cred = root()
        .issue(&LeafSpec::new("revoked").with_object_identifier(CLIENT_AE_TITLE))
        .unwrap();
    let crl = root()
        .crl(
            &[&cred.certificate],
            SystemTime::now() + Duration::from_secs(86_400),
        )
        .unwrap();
    let sev = Arc::new(SecurityEvents::new());
    let server = factory(config(server_cred(), &sev).with_crl(crl));
    let client = factory(client_config(&cred));
    let r = run(
        boxed(&client, Role::Initiator),
        boxed(&server, Role::Responder),
    );
    auth_failure_abort(&r);
    assert_eq!(
        sev.count(events::CERTIFICATE_REVOKED),
        1,
        "{:?}",
        sev.snapshot()
    );
    // The good client still passes with the same CRL in place; a stale CRL warns but works.
    let stale = root()
        .crl(
            &[&cred.certificate],
            SystemTime::now() - Duration::from_secs(60),
        )
        .unwrap();
    let sev2 = Arc::new(SecurityEvents::new());
    let server2 = factory(config(server_cred(), &sev2).with_crl(stale));
    let good = factory(client_config(client_cred()));
    let r = run(
        boxed(&good, Role::Initiator),
        boxed(&server2, Role::Responder),
    );
    assert!(r.client.associated, "{r:#?}");
    assert_eq!(sev2.count(events::CRL_STALE), 1);
}

#[test]
fn missing_and_wrong_mechanism_are_rejected_in_the_aare() {
    let p = pair(Dialect::Iec2018);
    // No security at all on the client: no mechanism-name.
    let r = run(None, boxed(&p.server, Role::Responder));
    rejected_with(
        &r,
        ServiceUserDiagnostic::AuthenticationMechanismNameRequired,
    );
    assert_eq!(p.sev.count(events::MECHANISM_MISSING), 1);
    // Password mechanism 2.2.3.1: not recognized.
    let pw = PasswordAuthentication::initiator(b"secret".to_vec());
    let r = run(Some(Box::new(pw)), boxed(&p.server, Role::Responder));
    rejected_with(
        &r,
        ServiceUserDiagnostic::AuthenticationMechanismNameNotRecognized,
    );
    assert_eq!(p.sev.count(events::MECHANISM_UNKNOWN), 1);
    // Authentication optional on the server: a kernel-only client is admitted, unauthenticated.
    let sev = Arc::new(SecurityEvents::new());
    let mut sc = config(server_cred(), &sev);
    sc.require_authentication = false;
    let lax = factory(sc);
    let r = run(None, boxed(&lax, Role::Responder));
    assert!(r.client.associated && r.server.associated);
    assert!(r.s.authenticated_peer().is_none());
    // No auth fields in that AARE.
    assert!(!contains(
        &tsdus(&r.server_bytes)[0],
        &with_tag(0x89, &MECH)
    ));
}

#[test]
fn reject_rule_is_configurable() {
    let sev = Arc::new(SecurityEvents::new());
    let mut sc = config(server_cred(), &sev);
    sc.failure_response = FailureResponse::Reject;
    let server = factory(sc);
    let client = factory(client_config(
        &rogue_root()
            .issue(&LeafSpec::new("rogue").with_object_identifier(CLIENT_AE_TITLE))
            .unwrap(),
    ));
    let r = run(
        boxed(&client, Role::Initiator),
        boxed(&server, Role::Responder),
    );
    rejected_with(&r, ServiceUserDiagnostic::AuthenticationFailure);
    assert_eq!(sev.count(events::CERTIFICATE_UNTRUSTED), 1);
    // The rejecting AARE carries no authentication fields.
    assert!(!contains(
        &tsdus(&r.server_bytes)[0],
        &with_tag(0x89, &MECH)
    ));
}

#[test]
fn byte_for_byte_replay_on_a_new_connection_is_refused() {
    let p = pair(Dialect::Iec2018);
    let r = run(
        boxed(&p.client, Role::Initiator),
        boxed(&p.server, Role::Responder),
    );
    assert!(r.server.associated);
    // The captured CR + CN(AARQ), resent on a new connection to the same server.
    let cn_end = {
        // TPKT frames up to and including the one ending the CONNECT TSDU.
        let mut off = 0;
        let mut tsdus_seen = 0;
        while tsdus_seen < 1 {
            let len = usize::from(u16::from_be_bytes([
                r.client_bytes[off + 2],
                r.client_bytes[off + 3],
            ]));
            let tpdu = &r.client_bytes[off + 4..off + len];
            if tpdu[1] == 0xF0 && tpdu[2] & 0x80 != 0 {
                tsdus_seen += 1;
            }
            off += len;
        }
        off
    };
    let (side, out, s) = replay(
        &r.client_bytes[..cn_end],
        Box::new(p.server.make(Role::Responder)),
    );
    assert!(!side.associated && s.is_closed(), "{side:#?}");
    assert_eq!(p.sev.count(events::REPLAY), 1, "{:?}", p.sev.snapshot());
    let t = tsdus(&out);
    assert!(contains(
        t.last().unwrap(),
        &[0x64, 0x06, 0x80, 0x01, 0x00, 0x81, 0x01, 0x05]
    ));
}

#[test]
fn client_aborts_on_a_bad_responding_value() {
    // The server's certificate is not trusted by the client.
    let cev = Arc::new(SecurityEvents::new());
    let mut cc = config(client_cred(), &cev);
    cc.trust.anchors = vec![rogue_root().ca().certificate.clone()];
    let client = factory(cc);
    let sev = Arc::new(SecurityEvents::new());
    let server = factory(config(server_cred(), &sev));
    let r = run(
        boxed(&client, Role::Initiator),
        boxed(&server, Role::Responder),
    );
    assert!(!r.client.associated && r.c.is_closed(), "{r:#?}");
    assert_eq!(cev.count(events::CERTIFICATE_UNTRUSTED), 1);
    // The server saw the client's ABRT with authentication-failure after accepting.
    assert!(r.server.aborted, "{r:#?}");
    let last = tsdus(&r.client_bytes).pop().unwrap();
    assert!(
        contains(&last, &[0x64, 0x06, 0x80, 0x01, 0x00, 0x81, 0x01, 0x05]),
        "{last:02X?}"
    );

    // A server that sends no value (no credentials of its own): the client aborts too.
    let cev = Arc::new(SecurityEvents::new());
    let client = factory(config(client_cred(), &cev));
    let mut sc = config(server_cred(), &Arc::new(SecurityEvents::new()));
    sc.credentials = None;
    let server = factory(sc);
    let r = run(
        boxed(&client, Role::Initiator),
        boxed(&server, Role::Responder),
    );
    assert!(!r.client.associated && r.server.aborted);
    assert_eq!(cev.count(events::PEER_VALUE_MISSING), 1);

    // A server whose certificate names another AE-title: binding mismatch on the client.
    let cev = Arc::new(SecurityEvents::new());
    let client = factory(config(client_cred(), &cev));
    let other = root()
        .issue(&LeafSpec::new("impostor").with_object_identifier("1.1.1.999.2.12"))
        .unwrap();
    let server = factory(config(&other, &Arc::new(SecurityEvents::new())));
    let r = run(
        boxed(&client, Role::Initiator),
        boxed(&server, Role::Responder),
    );
    assert!(!r.client.associated && r.server.aborted);
    assert_eq!(cev.count(events::AP_TITLE_MISMATCH), 1);
}

#[test]
fn largest_certificate_travels_in_pgi_194_and_larger_is_refused_locally() {
    // Find the padding that gives an 8192-octet certificate (the extension's own header
    // makes the size step non-linear, so adjust twice).
    let spec = |pad: usize| {
        LeafSpec::new("big")
            .with_object_identifier(CLIENT_AE_TITLE)
            .with_padding(pad)
    };
    let mut pad = 7000;
    let mut cred = root().issue(&spec(pad)).unwrap();
    for _ in 0..4 {
        let len = cred.cert_der().unwrap().len();
        if len == 8192 {
            break;
        }
        pad = (pad as isize + 8192 - len as isize) as usize;
        cred = root().issue(&spec(pad)).unwrap();
    }
    assert_eq!(cred.cert_der().unwrap().len(), 8192);
    let sev = Arc::new(SecurityEvents::new());
    let server = factory(config(server_cred(), &sev));
    let client = factory(client_config(&cred));
    let r = run(
        boxed(&client, Role::Initiator),
        boxed(&server, Role::Responder),
    );
    assert!(r.client.associated && r.server.associated, "{r:#?}");
    let cn = &tsdus(&r.client_bytes)[0];
    let (si, params) = spdu_params(cn);
    assert_eq!(si, 13, "CONNECT");
    let ud = params.iter().find(|(c, _)| *c == 194).expect("PGI 194");
    assert!(ud.1.len() > 8192 && ud.1.len() <= 10_240, "{}", ud.1.len());
    assert!(!params.iter().any(|(c, _)| *c == 193));
    // The ordinary AARQ (< 512? no: ~1.5 kB with a 2048-bit certificate) also uses PGI 194.
    let p = pair(Dialect::Iec2018);
    let r = run(
        boxed(&p.client, Role::Initiator),
        boxed(&p.server, Role::Responder),
    );
    let (_, params) = spdu_params(&tsdus(&r.client_bytes)[0]);
    assert!(params.iter().any(|(c, v)| *c == 194 && v.len() > 512));
    // The AC with the server's value: PGI 193 (E-05).
    let (si, params) = spdu_params(&tsdus(&r.server_bytes)[0]);
    assert_eq!(si, 14, "ACCEPT");
    assert!(params.iter().any(|(c, v)| *c == 193 && v.len() > 512));

    // 8193 octets: the factory refuses the credential.
    let too_big = root().issue(&spec(pad + 1)).unwrap();
    assert_eq!(too_big.cert_der().unwrap().len(), 8193);
    let e = a_sec_profile::AProfileFactory::new(client_config(&too_big)).unwrap_err();
    assert!(e.to_string().contains("8193"), "{e}");
}

#[test]
fn no_tls_warning_from_the_factory() {
    let p = pair(Dialect::Iec2018);
    let f: &dyn SecurityFactory = &p.server;
    assert_eq!(f.name(), a_sec_profile::NAME);
    f.provider(Role::Responder, &TransportSecurity::plain())
        .unwrap();
    assert_eq!(p.sev.count(events::NO_TLS), 1);
    f.provider(
        Role::Responder,
        &TransportSecurity {
            tls: true,
            peer_certificate: None,
        },
    )
    .unwrap();
    assert_eq!(p.sev.count(events::NO_TLS), 1, "no warning over TLS");
    // An initiator needs a credential.
    let mut cc = config(client_cred(), &Arc::new(SecurityEvents::new()));
    cc.credentials = None;
    let f = factory(cc);
    assert!(f
        .provider(Role::Initiator, &TransportSecurity::plain())
        .is_err());
    assert!(f
        .provider(Role::Responder, &TransportSecurity::plain())
        .is_ok());
}

#[test]
fn ecdsa_p256_option() {
    let ec = root()
        .issue(
            &LeafSpec::new("ec")
                .with_object_identifier(CLIENT_AE_TITLE)
                .with_key(KeyKind::EcP256),
        )
        .unwrap();
    // Off by default: the client cannot even be configured with it.
    assert!(a_sec_profile::AProfileFactory::new(client_config(&ec)).is_err());
    let mut cc = client_config(&ec);
    cc.allow_ecdsa = true;
    let client = factory(cc);
    // A server without the option refuses it...
    let (r, sev) = {
        let sev = Arc::new(SecurityEvents::new());
        let server = factory(config(server_cred(), &sev));
        (
            run(
                boxed(&client, Role::Initiator),
                boxed(&server, Role::Responder),
            ),
            sev,
        )
    };
    auth_failure_abort(&r);
    assert_eq!(sev.count(events::WEAK_KEY), 1);
    // ...one with it accepts.
    let sev = Arc::new(SecurityEvents::new());
    let mut sc = config(server_cred(), &sev);
    sc.allow_ecdsa = true;
    let server = factory(sc);
    let r = run(
        boxed(&client, Role::Initiator),
        boxed(&server, Role::Responder),
    );
    assert!(r.client.associated && r.server.associated, "{r:#?}");
}

#[test]
fn time_formats_interoperate_and_successive_values_differ() {
    for f in [
        TimeFormat::Strict,
        TimeFormat::StrictMillis,
        TimeFormat::TspCompat,
    ] {
        let p = pair(Dialect::Iec2018);
        let cev = Arc::new(SecurityEvents::new());
        let mut cc = config(client_cred(), &cev);
        cc.time_format = f;
        // A frozen clock: successive AARQs must still carry distinct times (no self-replay).
        let frozen = SystemTime::now();
        cc.clock = Arc::new(move || frozen);
        let client = factory(cc);
        for _ in 0..3 {
            let r = run(
                boxed(&client, Role::Initiator),
                boxed(&p.server, Role::Responder),
            );
            assert!(r.client.associated && r.server.associated, "{f:?} {r:#?}");
        }
        assert_eq!(p.sev.count(events::ACCEPTED), 3);
        assert_eq!(p.sev.count(events::REPLAY), 0);
        if f == TimeFormat::TspCompat {
            // 15 characters ending in '.'.
            let aarq = &tsdus(
                &run(
                    boxed(&client, Role::Initiator),
                    boxed(&p.server, Role::Responder),
                )
                .client_bytes,
            )[0];
            let i = aarq.windows(2).position(|w| w == [0x81, 0x0F]).unwrap();
            assert_eq!(aarq[i + 16], b'.');
        }
    }
}

#[test]
fn full_replay_cache_fails_closed() {
    let sev = Arc::new(SecurityEvents::new());
    let mut sc = config(server_cred(), &sev);
    sc.replay_capacity = 1;
    let server = factory(sc);
    let client = factory(client_config(client_cred()));
    let r = run(
        boxed(&client, Role::Initiator),
        boxed(&server, Role::Responder),
    );
    assert!(r.server.associated);
    let r = run(
        boxed(&client, Role::Initiator),
        boxed(&server, Role::Responder),
    );
    auth_failure_abort(&r);
    assert_eq!(sev.count(events::REPLAY_CACHE_FULL), 1);
}

/// Drives a responder provider directly with a hand-made AARQ whose value signs `signed`
/// (instead of the time's contents octets) with `md`.
fn judge_signed(
    signed: impl Fn(&[u8]) -> Vec<u8>,
    md: openssl::hash::MessageDigest,
    legacy_sha1: bool,
) -> (Result<(), acse::security::Refusal>, Arc<SecurityEvents>) {
    use acse::apdu::{Aarq, AeQualifier, ApTitle};
    use acse::security::{AssociationSecurity, SecurityContext};
    let sev = Arc::new(SecurityEvents::new());
    let mut sc = config(server_cred(), &sev);
    sc.legacy_sha1_peers = legacy_sha1;
    let f = factory(sc);
    let mut p = f.make(Role::Responder);
    let cred = client_cred();
    let t = a_sec_profile::time::format(SystemTime::now(), TimeFormat::Strict);
    let mut signer = openssl::sign::Signer::new(md, &cred.key).unwrap();
    signer.update(&signed(t.as_bytes())).unwrap();
    let sig = signer.sign_to_vec().unwrap();
    let v = a_sec_profile::value::encode_to_vec(&cred.cert_der().unwrap(), t.as_bytes(), &sig);
    let mut aarq = Aarq::new(acse::apdu::oids::MMS_APPLICATION_CONTEXT);
    aarq.mechanism_name = Some(acse::apdu::oids::A_PROFILE_MECHANISM);
    aarq.calling_ap_title = Some(ApTitle::Form2(
        copp::ber::oid_from_str("1.1.1.999").unwrap(),
    ));
    aarq.calling_ae_qualifier = Some(AeQualifier::Form2(12));
    aarq.calling_authentication_value = Some(a_sec_profile::value::Carrier::iec2018(5).wrap(v));
    let contexts = Vec::new();
    let ac = acse::apdu::oids::MMS_APPLICATION_CONTEXT;
    let ctx = SecurityContext::new(Role::Responder, &contexts, &ac);
    let r = p.on_receive_aarq(&ctx, &aarq).map(|v| assert!(v.is_none()));
    (r, sev)
}

#[test]
fn signature_variants_of_u03_and_u18() {
    use openssl::hash::MessageDigest;
    // Conformant: the contents octets.
    let (r, sev) = judge_signed(|t| t.to_vec(), MessageDigest::sha256(), false);
    r.unwrap();
    assert_eq!(sev.count(events::SIGNATURE_NONCONFORMANT), 0);
    // The 81 L GT TLV (E-04): accepted with a notice.
    let (r, sev) = judge_signed(
        |t| [&[0x81, t.len() as u8][..], t].concat(),
        MessageDigest::sha256(),
        false,
    );
    r.unwrap();
    assert_eq!(sev.count(events::SIGNATURE_NONCONFORMANT), 1);
    // The universal 18 L GT TLV: the same.
    let (r, sev) = judge_signed(
        |t| [&[0x18, t.len() as u8][..], t].concat(),
        MessageDigest::sha256(),
        false,
    );
    r.unwrap();
    assert_eq!(sev.count(events::SIGNATURE_NONCONFORMANT), 1);
    // SHA-1: refused by default, accepted with a warning for a legacy peer (U-18).
    let (r, sev) = judge_signed(|t| t.to_vec(), MessageDigest::sha1(), false);
    assert!(matches!(
        r,
        Err(acse::security::Refusal::Abort {
            diagnostic: Some(AbortDiagnostic::AuthenticationFailure),
            ..
        })
    ));
    assert_eq!(sev.count(events::SIGNATURE_INVALID), 1);
    let (r, sev) = judge_signed(|t| t.to_vec(), MessageDigest::sha1(), true);
    r.unwrap();
    assert_eq!(sev.count(events::SIGNATURE_SHA1), 1);
    // Signed over something else entirely.
    let (r, sev) = judge_signed(|_| b"other".to_vec(), MessageDigest::sha256(), true);
    assert!(r.is_err());
    assert_eq!(sev.count(events::SIGNATURE_INVALID), 1);
}

/// IEC 62351-4 Annex G.5.2: a peer certificate without keyUsage is refused (`key_usage`)
/// unless `legacy_key_usage` accepts it with `key_usage_tolerated` (warning); EC keys only on
/// secp256r1 or brainpoolP256r1.
#[test]
fn annex_g_key_usage_is_required_unless_legacy_and_ec_curves_are_restricted() {
    let no_ku = root()
        .issue(
            &LeafSpec::new("no keyUsage")
                .with_object_identifier(CLIENT_AE_TITLE)
                .with_key_usage(KeyUsageBits::default()),
        )
        .unwrap();
    let (r, sev) = against_server(client_config(&no_ku));
    auth_failure_abort(&r);
    assert_eq!(sev.count(events::KEY_USAGE), 1, "{:?}", sev.snapshot());
    let sev = Arc::new(SecurityEvents::new());
    let mut sc = config(server_cred(), &sev);
    sc.legacy_key_usage = true;
    let server = factory(sc);
    let client = factory(client_config(&no_ku));
    let r = run(
        boxed(&client, Role::Initiator),
        boxed(&server, Role::Responder),
    );
    assert!(r.client.associated && r.server.associated, "{r:#?}");
    assert_eq!(sev.count(events::KEY_USAGE_TOLERATED), 1);
    assert_eq!(sev.count(events::KEY_USAGE), 0);
    // Curves: secp256r1 and brainpoolP256r1 pass, secp384r1 does not (with ECDSA allowed).
    for (kind, ok) in [
        (KeyKind::EcP256, true),
        (KeyKind::BrainpoolP256, true),
        (KeyKind::EcP384, false),
    ] {
        let key = kind.generate().unwrap();
        let public =
            openssl::pkey::PKey::public_key_from_der(&key.public_key_to_der().unwrap()).unwrap();
        let r = a_sec_profile::crypto::check_key(&public, 2048, true);
        assert_eq!(r.is_ok(), ok, "{kind:?}");
        if let Err(f) = r {
            assert_eq!(f.code, events::WEAK_KEY);
        }
    }
}

/// IEC 62351-4 Annex G.2: the peer's A-profile certificate being the one it authenticated TLS
/// with is accepted with `same_certificate_as_tls` (warning); another TLS certificate is not
/// reported.
#[test]
fn the_same_certificate_for_tls_and_the_a_profile_is_a_warning() {
    for (tls_cert, expected) in [
        (client_cred().certificate.to_der().unwrap(), 1),
        (server_cred().certificate.to_der().unwrap(), 0),
    ] {
        // A client per run: two servers sign within one second, and one client's replay
        // memory would take the second value for a replay.
        let client = factory(client_config(client_cred()));
        let sev = Arc::new(SecurityEvents::new());
        let server = factory(config(server_cred(), &sev));
        let transport = TransportSecurity {
            tls: true,
            peer_certificate: Some(tls_cert),
        };
        let r = run(
            boxed(&client, Role::Initiator),
            Some(server.provider(Role::Responder, &transport).unwrap()),
        );
        assert!(r.client.associated && r.server.associated, "{r:#?}");
        assert_eq!(
            sev.count(events::SAME_CERTIFICATE_AS_TLS),
            expected,
            "{:?}",
            sev.snapshot()
        );
    }
}
