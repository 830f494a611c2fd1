//! The A-security-profile with certificates whose subject 2.5.4.106 value is an OBJECT
//! IDENTIFIER (the X.520 syntax of IEC 62351-4 Annex G.6.2), which OpenSSL cannot parse: whole
//! in-memory associations where one end presents such a certificate, the AP-title binding, and
//! every refusal compared with the one the OpenSSL path gives for the same certificate in the
//! UTF8String form (docs/facts.md E-12).
//!
//! `Credentials` hold an openssl `X509`, so an end cannot be configured with an OID-form
//! certificate; [`Presenting`] wraps a real provider and replaces the certificate in the
//! authentication value it sends with the OID-form one for the same key (the signature over the
//! time stays valid). The receiving end is the unmodified provider.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "common/oid_form.rs"]
mod oid_form;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use a_sec_profile::value::{encode_to_vec, from_authentication_value};
use a_sec_profile::{events, AProfile, AProfileConfig};
use acse::apdu::{Aare, Aarq, AbortDiagnostic, AbortSource, AuthenticationValue, External};
use acse::association::Refused;
use acse::security::{
    AssociationSecurity, Refusal, Role, SecurityContext, SecurityError, SecurityEvents,
};
use common::*;
use cot::pki::{KeyKind, KeyUsageBits, LeafSpec};
use oid_form::{issue, tampered, OidForm};

/// A real provider whose outgoing authentication value carries `certificate` instead of its
/// own (same key, so the signature stays valid).
struct Presenting {
    inner: AProfile,
    certificate: Vec<u8>,
}

impl Presenting {
    fn swap(&self, av: &mut Option<AuthenticationValue<'static>>) {
        let Some(v) = av.as_ref() else { return };
        let (value, carrier) = from_authentication_value(v).unwrap();
        let swapped = carrier.wrap(encode_to_vec(
            &self.certificate,
            value.time,
            value.signature,
        ));
        *av = Some(swapped);
    }
}

impl AssociationSecurity for Presenting {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn abstract_syntaxes(&self) -> Vec<acse::apdu::Oid<'static>> {
        self.inner.abstract_syntaxes()
    }
    fn on_send_aarq(
        &mut self,
        ctx: &SecurityContext<'_>,
        aarq: &mut Aarq<'static>,
    ) -> Result<(), SecurityError> {
        self.inner.on_send_aarq(ctx, aarq)?;
        self.swap(&mut aarq.calling_authentication_value);
        Ok(())
    }
    fn on_receive_aarq(
        &mut self,
        ctx: &SecurityContext<'_>,
        aarq: &Aarq<'_>,
    ) -> Result<Option<Vec<External<'static>>>, Refusal> {
        self.inner.on_receive_aarq(ctx, aarq)
    }
    fn on_send_aare(
        &mut self,
        ctx: &SecurityContext<'_>,
        aare: &mut Aare<'static>,
    ) -> Result<(), SecurityError> {
        self.inner.on_send_aare(ctx, aare)?;
        self.swap(&mut aare.responding_authentication_value);
        Ok(())
    }
    fn on_receive_aare(
        &mut self,
        ctx: &SecurityContext<'_>,
        aare: &Aare<'_>,
    ) -> Result<Option<Vec<External<'static>>>, Refusal> {
        self.inner.on_receive_aare(ctx, aare)
    }
    fn authenticated_peer(&self) -> Option<acse::security::AuthenticatedPeer> {
        self.inner.authenticated_peer()
    }
}

fn presenting(cfg: AProfileConfig, role: Role, certificate: &[u8]) -> Box<dyn AssociationSecurity> {
    Box::new(Presenting {
        inner: factory(cfg).make(role),
        certificate: certificate.to_vec(),
    })
}

/// A client presenting `certificate` (its key is `form.twin`'s) against the standard server
/// (plus `tune` on the server's configuration); returns the run and the server's events.
fn client_presents(
    form: &OidForm,
    certificate: &[u8],
    tune: impl Fn(AProfileConfig) -> AProfileConfig,
) -> (Run, Arc<SecurityEvents>) {
    let sev = Arc::new(SecurityEvents::new());
    let server = factory(tune(config(server_cred(), &sev)));
    let mut cc = client_config(&form.twin);
    cc.min_rsa_bits = 1024; // the client itself may send a weak key
    let r = run(
        Some(presenting(cc, Role::Initiator, certificate)),
        boxed(&server, Role::Responder),
    );
    (r, sev)
}

#[test]
fn the_oid_form_is_accepted_in_a_whole_association_with_the_binding() {
    let form = issue(root(), &LeafSpec::new("client"), CLIENT_AE_TITLE);
    // What the brief claims of OpenSSL: it cannot parse this certificate.
    let e = openssl::x509::X509::from_der(&form.der)
        .unwrap_err()
        .to_string();
    assert!(e.contains("mstring wrong tag"), "{e}");
    // The 2.5.4.106 value is an OBJECT IDENTIFIER (06), not a string.
    let oid_atv = [
        0x06, 0x03, 0x55, 0x04, 0x6a, 0x06, 0x05, 0x29, 0x01, 0x87, 0x67, 0x0c,
    ];
    assert!(contains(&form.der, &oid_atv));

    let (r, sev) = client_presents(&form, &form.der, |c| c);
    assert!(r.client.associated && r.server.associated, "{r:#?}");
    assert_eq!(sev.count(events::ACCEPTED), 1, "{:?}", sev.snapshot());
    let peer = r.s.authenticated_peer().unwrap();
    assert_eq!(peer.certificate_der, form.der);
    assert_eq!(peer.object_identifier.as_deref(), Some(CLIENT_AE_TITLE));
    assert_eq!(
        peer.subject,
        format!("O=osi-mms test PKI, CN=client, 2.5.4.106={CLIENT_AE_TITLE}")
    );
    // The certificate really went over the wire in the AARQ.
    assert!(contains(&tsdus(&r.client_bytes)[0], &form.der));
}

#[test]
fn the_initiator_accepts_an_oid_form_responder() {
    let form = issue(root(), &LeafSpec::new("server"), SERVER_AE_TITLE);
    let cev = Arc::new(SecurityEvents::new());
    let client = factory(config(client_cred(), &cev));
    let sc = client_config(&form.twin);
    let r = run(
        boxed(&client, Role::Initiator),
        Some(presenting(sc, Role::Responder, &form.der)),
    );
    assert!(r.client.associated && r.server.associated, "{r:#?}");
    assert_eq!(cev.count(events::ACCEPTED), 1, "{:?}", cev.snapshot());
    let peer = r.c.authenticated_peer().unwrap();
    assert_eq!(peer.certificate_der, form.der);
    assert_eq!(peer.object_identifier.as_deref(), Some(SERVER_AE_TITLE));
}

fn refused_by_server(r: &Run) {
    assert_eq!(
        r.client.refused,
        Some(Refused::Aborted {
            source: Some(AbortSource::ServiceUser),
            diagnostic: Some(AbortDiagnostic::AuthenticationFailure),
        }),
        "{r:#?}"
    );
    assert!(!r.client.associated && !r.server.associated);
    assert!(r.s.authenticated_peer().is_none());
}

#[test]
fn a_mismatching_oid_is_refused_with_the_ap_title_event() {
    let form = issue(root(), &LeafSpec::new("client"), "1.1.1.999.13");
    let (r, sev) = client_presents(&form, &form.der, |c| c);
    refused_by_server(&r);
    assert_eq!(
        sev.count(events::AP_TITLE_MISMATCH),
        1,
        "{:?}",
        sev.snapshot()
    );
    assert_eq!(sev.count(events::ACCEPTED), 0);
}

/// Each failure, presented once in the UTF8String form (the OpenSSL path) and once in the
/// OBJECT IDENTIFIER form (the DER path): both are refused the same way with the same event.
#[test]
fn refusals_match_the_openssl_path() {
    let now = SystemTime::now();
    let day = Duration::from_secs(86_400);
    let spec = LeafSpec::new("client");
    type Tune = fn(AProfileConfig) -> AProfileConfig;
    let keep: Tune = |c| c;
    let cases: Vec<(&str, OidForm, bool, Tune, &str)> = vec![
        (
            "tampered signature",
            issue(root(), &spec, CLIENT_AE_TITLE),
            true,
            keep,
            events::CERTIFICATE_UNTRUSTED,
        ),
        (
            "expired",
            issue(
                root(),
                &spec.clone().with_validity(now - 2 * day, now - day),
                CLIENT_AE_TITLE,
            ),
            false,
            keep,
            events::CERTIFICATE_EXPIRED,
        ),
        (
            "not yet valid",
            issue(
                root(),
                &spec.clone().with_validity(now + day, now + 2 * day),
                CLIENT_AE_TITLE,
            ),
            false,
            keep,
            events::CERTIFICATE_NOT_YET_VALID,
        ),
        (
            "RSA-1024",
            issue(
                root(),
                &spec.clone().with_key(KeyKind::Rsa(1024)),
                CLIENT_AE_TITLE,
            ),
            false,
            keep,
            events::WEAK_KEY,
        ),
        (
            "key usage without digitalSignature",
            issue(
                root(),
                &spec.clone().with_key_usage(KeyUsageBits {
                    key_encipherment: true,
                    ..Default::default()
                }),
                CLIENT_AE_TITLE,
            ),
            false,
            keep,
            events::KEY_USAGE,
        ),
        (
            "untrusted issuer",
            issue(rogue_root(), &spec, CLIENT_AE_TITLE),
            false,
            keep,
            events::CERTIFICATE_UNTRUSTED,
        ),
    ];
    for (what, form, tamper, tune, code) in cases {
        let (utf8, oid) = if tamper {
            (
                tampered(&form.twin.cert_der().unwrap()),
                tampered(&form.der),
            )
        } else {
            (form.twin.cert_der().unwrap(), form.der.clone())
        };
        let mut seen = Vec::new();
        for (path, der) in [("openssl", &utf8), ("der", &oid)] {
            assert_eq!(
                openssl::x509::X509::from_der(der).is_ok(),
                path == "openssl",
                "{what}: {path} form"
            );
            let (r, sev) = client_presents(&form, der, tune);
            refused_by_server(&r);
            assert_eq!(sev.count(code), 1, "{what} ({path}): {:?}", sev.snapshot());
            assert_eq!(sev.count(events::ACCEPTED), 0, "{what} ({path})");
            seen.push((sev.snapshot(), r.server_bytes.len()));
        }
        assert_eq!(
            seen[0].0.iter().map(|e| e.code).collect::<Vec<_>>(),
            seen[1].0.iter().map(|e| e.code).collect::<Vec<_>>(),
            "{what}: the same events on both paths"
        );
    }
}

#[test]
fn a_revoked_oid_form_leaf_is_refused_like_its_twin() {
    let form = issue(root(), &LeafSpec::new("client"), CLIENT_AE_TITLE);
    let crl = Arc::new(
        root()
            .crl(
                &[&form.twin.certificate],
                SystemTime::now() + Duration::from_secs(86_400),
            )
            .unwrap(),
    );
    let with_crl = |mut c: AProfileConfig| {
        c.trust.crls.push(Arc::clone(&crl));
        c
    };
    for der in [form.twin.cert_der().unwrap(), form.der.clone()] {
        let (r, sev) = client_presents(&form, &der, with_crl);
        refused_by_server(&r);
        assert_eq!(
            sev.count(events::CERTIFICATE_REVOKED),
            1,
            "{:?}",
            sev.snapshot()
        );
    }
    // Another OID-form leaf of the same CA passes with that CRL in place.
    let good = issue(root(), &LeafSpec::new("client"), CLIENT_AE_TITLE);
    let (r, sev) = client_presents(&good, &good.der, with_crl);
    assert!(r.server.associated, "{r:#?}");
    assert_eq!(sev.count(events::ACCEPTED), 1);
}

#[test]
fn an_oid_form_leaf_under_an_intermediate() {
    let sub = root().intermediate("A-profile sub CA").unwrap();
    let form = issue(&sub, &LeafSpec::new("client"), CLIENT_AE_TITLE);
    // Without the intermediate the issuer is not found.
    let (r, sev) = client_presents(&form, &form.der, |c| c);
    refused_by_server(&r);
    assert_eq!(sev.count(events::CERTIFICATE_UNTRUSTED), 1);
    let subca = sub.ca().certificate.clone();
    let (r, sev) = client_presents(&form, &form.der, move |mut c| {
        c.trust.intermediates.push(subca.clone());
        c
    });
    assert!(r.server.associated, "{r:#?} {:?}", sev.snapshot());
}
