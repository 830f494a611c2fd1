//! End-to-end security with a client certificate whose subject 2.5.4.106 value is an OBJECT
//! IDENTIFIER (the X.520 syntax of IEC 62351-4 Annex G.6.2), which OpenSSL cannot parse: the
//! server's handshake checks accept it with the address binding on, refuse a mismatch, and
//! refuse a tampered, expired or weak one with the diagnostic and event the OpenSSL path gives
//! for the same certificate in the UTF8String form (docs/facts.md E-12).
//!
//! An `E2eCredential` holds an openssl `X509`, so a client cannot be configured with an
//! OID-form certificate; [`Presenting`] wraps a real client provider and rewrites its
//! HandshakeReq: ClearToken1's certificate (and certPath) replaced, the tbs re-encoded and
//! re-signed with that certificate's key. The server is the unmodified provider, watched by
//! [`Watching`] for the HandshakeSecReject diagnostic. The client's own key schedule still
//! uses the tbs it signed first, so these tests stop at the handshake (the server's
//! acceptance and the address binding are what is under test); no revocation case, as
//! end-to-end security has no CRLs.
#![allow(clippy::unwrap_used)]

#[path = "../../a-sec-profile/tests/common/oid_form.rs"]
mod oid_form;

use std::borrow::Cow;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use acse::apdu::{Aare, Aarq, Abrt, Apdu, External, ExternalEncoding, Oid};
use acse::association::{Association, AssociationConfig, Refused};
use acse::loopback::{drain, shuttle, Seen};
use acse::security::{
    AssociationSecurity, AuthenticatedPeer, Refusal, Role, SecurityContext, SecurityError,
    SecurityEvents, TransportSecurity,
};
use cot::pki::{KeyKind, LeafSpec, Pki};
use e2e_sec::pdu::{self, HandshakeDiagnostic, Kind, SecPdu, Signature};
use e2e_sec::{crypto, E2eConfig, E2eCredential, E2eFactory, E2eMode};
use oid_form::{issue, tampered};
use openssl::pkey::{PKey, Private};

const INIT_REQ: &[u8] = &[0xA8, 0x03, 0x80, 0x01, 0x01];
const INIT_RSP: &[u8] = &[0xA9, 0x03, 0x80, 0x01, 0x01];
/// The client's AE-title under `AssociationConfig::default()` (AP-title 1.1.1.999, AE-qualifier
/// 12).
const CLIENT_AE_TITLE: &str = "1.1.1.999.12";
/// Server events: certificate invalid (PKCERT_ERROR_ASS_REQ), path invalid (the same event:
/// the draft has one for both, the diagnostic tells them apart), address mismatch
/// (ADDR_MISMATCH_ASS_REQ).
const CERTIFICATE_INVALID: &str = "IEC62351-4:1.6";
const PATH_INVALID: &str = "IEC62351-4:1.6";
const ADDRESS_MISMATCH: &str = "IEC62351-4:1.8";

fn cred(c: cot::pki::Credential) -> E2eCredential {
    E2eCredential {
        certificate: c.certificate,
        key: c.key,
        chain: c.chain,
    }
}

/// The client provider with its HandshakeReq rewritten to carry `certificate` (and `path`),
/// signed with `key`.
struct Presenting {
    inner: Box<dyn AssociationSecurity>,
    certificate: Vec<u8>,
    path: Vec<Vec<u8>>,
    key: PKey<Private>,
}

impl Presenting {
    fn rewrite(&self, ext: &External<'static>) -> External<'static> {
        let wire = ext.single_value().unwrap();
        let SecPdu::HandshakeReq(h) =
            pdu::decode_in(wire, pdu::Carrier::Aarq, &pdu::Limits::default()).unwrap()
        else {
            panic!("not a HandshakeReq")
        };
        let alg = crypto::signature_algorithm_id(&crypto::signature_algorithm(&self.key).unwrap());
        let mut token1 = h.token1.clone();
        token1.pk_cert = &self.certificate;
        token1.cert_path = self.path.iter().map(Vec::as_slice).collect();
        token1.sig_alg = alg.clone();
        let tbs = pdu::encode_tbs_handshake(&token1, h.appl_data);
        let sign = crypto::sign(&self.key, crypto::signed_octets(crypto::contents(&tbs))).unwrap();
        let mut sec = pdu::encode_handshake(
            Kind::HandshakeReq,
            h.pp,
            &tbs,
            &Signature {
                algo: alg,
                sign: &sign,
            },
        );
        // The bare form the AARQ carries (IEC 62351-4 §15.3.2, ASSUMPTIONS.md U-01).
        pdu::make_bare(&mut sec);
        External {
            encoding: ExternalEncoding::SingleAsn1Type(Cow::Owned(sec)),
            ..ext.clone()
        }
    }
}

impl AssociationSecurity for Presenting {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn abstract_syntaxes(&self) -> Vec<Oid<'static>> {
        self.inner.abstract_syntaxes()
    }
    fn application_context(&self) -> Option<Oid<'static>> {
        self.inner.application_context()
    }
    fn on_send_aarq(
        &mut self,
        ctx: &SecurityContext<'_>,
        aarq: &mut Aarq<'static>,
    ) -> Result<(), SecurityError> {
        self.inner.on_send_aarq(ctx, aarq)?;
        aarq.user_information = aarq
            .user_information
            .iter()
            .map(|e| self.rewrite(e))
            .collect();
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
        self.inner.on_send_aare(ctx, aare)
    }
    fn on_receive_aare(
        &mut self,
        ctx: &SecurityContext<'_>,
        aare: &Aare<'_>,
    ) -> Result<Option<Vec<External<'static>>>, Refusal> {
        self.inner.on_receive_aare(ctx, aare)
    }
    fn on_send_release(
        &mut self,
        ctx: &SecurityContext<'_>,
        apdu: &mut Apdu<'static>,
    ) -> Result<(), SecurityError> {
        self.inner.on_send_release(ctx, apdu)
    }
    fn on_receive_release(
        &mut self,
        ctx: &SecurityContext<'_>,
        apdu: &Apdu<'_>,
    ) -> Result<Option<Vec<External<'static>>>, Refusal> {
        self.inner.on_receive_release(ctx, apdu)
    }
    fn on_send_abort(&mut self, ctx: &SecurityContext<'_>, abrt: &mut Abrt<'static>) {
        self.inner.on_send_abort(ctx, abrt)
    }
    fn on_receive_abort(&mut self, ctx: &SecurityContext<'_>, abrt: &Abrt<'_>) {
        self.inner.on_receive_abort(ctx, abrt)
    }
    fn authenticated_peer(&self) -> Option<AuthenticatedPeer> {
        self.inner.authenticated_peer()
    }
}

/// The server provider, unchanged, noting the HandshakeSecReject diagnostic it answers with.
struct Watching {
    inner: Box<dyn AssociationSecurity>,
    diagnostic: Arc<Mutex<Option<u32>>>,
}

impl AssociationSecurity for Watching {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn abstract_syntaxes(&self) -> Vec<Oid<'static>> {
        self.inner.abstract_syntaxes()
    }
    fn application_context(&self) -> Option<Oid<'static>> {
        self.inner.application_context()
    }
    fn on_send_aarq(
        &mut self,
        ctx: &SecurityContext<'_>,
        aarq: &mut Aarq<'static>,
    ) -> Result<(), SecurityError> {
        self.inner.on_send_aarq(ctx, aarq)
    }
    fn on_receive_aarq(
        &mut self,
        ctx: &SecurityContext<'_>,
        aarq: &Aarq<'_>,
    ) -> Result<Option<Vec<External<'static>>>, Refusal> {
        let r = self.inner.on_receive_aarq(ctx, aarq);
        if let Err(Refusal::Reject {
            user_information, ..
        }) = &r
        {
            let wire = user_information.first().and_then(|e| e.single_value());
            if let Some(Ok(SecPdu::HandshakeSecReject(s))) =
                wire.map(|w| pdu::decode(w, &pdu::Limits::default()))
            {
                *self.diagnostic.lock().unwrap() = s.diagnostic;
            }
        }
        r
    }
    fn on_send_aare(
        &mut self,
        ctx: &SecurityContext<'_>,
        aare: &mut Aare<'static>,
    ) -> Result<(), SecurityError> {
        self.inner.on_send_aare(ctx, aare)
    }
    fn on_receive_aare(
        &mut self,
        ctx: &SecurityContext<'_>,
        aare: &Aare<'_>,
    ) -> Result<Option<Vec<External<'static>>>, Refusal> {
        self.inner.on_receive_aare(ctx, aare)
    }
    fn on_send_abort(&mut self, ctx: &SecurityContext<'_>, abrt: &mut Abrt<'static>) {
        self.inner.on_send_abort(ctx, abrt)
    }
    fn on_receive_abort(&mut self, ctx: &SecurityContext<'_>, abrt: &Abrt<'_>) {
        self.inner.on_receive_abort(ctx, abrt)
    }
    fn authenticated_peer(&self) -> Option<AuthenticatedPeer> {
        self.inner.authenticated_peer()
    }
}

struct Env {
    root: Pki,
    client: E2eCredential,
    server: E2eCredential,
}

fn env() -> Env {
    let root = Pki::new_root("E2E OID-form root", KeyKind::EcP256).unwrap();
    let client = cred(
        root.issue(
            &LeafSpec::new("client")
                .with_key(KeyKind::EcP256)
                .with_object_identifier(CLIENT_AE_TITLE),
        )
        .unwrap(),
    );
    let server = cred(
        root.issue(
            &LeafSpec::new("server")
                .with_key(KeyKind::EcP256)
                .with_object_identifier("1.1.1.999.1.12"),
        )
        .unwrap(),
    );
    Env {
        root,
        client,
        server,
    }
}

/// What the server made of one handshake.
struct Outcome {
    /// The server delivered the MMS initiate-Request to its application.
    indicated: bool,
    /// What the server's application learnt of the client.
    peer: Option<AuthenticatedPeer>,
    /// The client saw an AARE rejection.
    rejected: bool,
    /// The HandshakeSecReject diagnostic.
    diagnostic: Option<u32>,
    events: Arc<SecurityEvents>,
}

/// One handshake: the client presents `certificate` (+ `path`) signed with `key`.
fn handshake(e: &Env, certificate: &[u8], path: Vec<Vec<u8>>, key: &PKey<Private>) -> Outcome {
    let mode = E2eMode::Aead(e2e_sec::config::AeadAlgorithm::Aes128Gcm);
    let cf = E2eFactory::new(
        E2eConfig::new(e.client.clone(), vec![e.root.ca().certificate.clone()]).with_mode(mode),
        Arc::new(SecurityEvents::new()),
    )
    .unwrap();
    let sc =
        E2eConfig::new(e.server.clone(), vec![e.root.ca().certificate.clone()]).with_mode(mode);
    assert!(sc.require_address_binding, "the binding is on by default");
    let events = Arc::new(SecurityEvents::new());
    let sf = E2eFactory::new(sc, Arc::clone(&events)).unwrap();
    let diagnostic = Arc::new(Mutex::new(None));
    let client = Presenting {
        inner: Box::new(cf.e2e_provider(Role::Initiator, &TransportSecurity::plain())),
        certificate: certificate.to_vec(),
        path,
        key: key.clone(),
    };
    let server = Watching {
        inner: Box::new(sf.e2e_provider(Role::Responder, &TransportSecurity::plain())),
        diagnostic: Arc::clone(&diagnostic),
    };
    let mut c = Association::connect(
        AssociationConfig::default(),
        INIT_REQ,
        Some(Box::new(client)),
    );
    let mut s = Association::accept_incoming(AssociationConfig::default(), Some(Box::new(server)));
    let (mut indicated, mut peer, mut rejected) = (false, None, false);
    for _ in 0..4 {
        let _ = shuttle(&mut c, &mut s);
        for ev in drain(&mut s).unwrap_or_default() {
            if let Seen::AssociateIndication(ud) = ev {
                assert_eq!(ud.as_deref(), Some(INIT_REQ));
                indicated = true;
                peer = s.authenticated_peer();
                s.accept(INIT_RSP).unwrap();
            }
        }
        let _ = shuttle(&mut s, &mut c);
        for ev in drain(&mut c).unwrap_or_default() {
            if let Seen::Refused(Refused::Acse { .. }) = ev {
                rejected = true;
            }
        }
        if indicated || rejected {
            break;
        }
    }
    let diagnostic = *diagnostic.lock().unwrap();
    Outcome {
        indicated,
        peer,
        rejected,
        diagnostic,
        events,
    }
}

#[test]
fn the_handshake_accepts_the_oid_form_with_the_address_binding() {
    let e = env();
    let spec = LeafSpec::new("client").with_key(KeyKind::EcP256);
    let form = issue(&e.root, &spec, CLIENT_AE_TITLE);
    let err = openssl::x509::X509::from_der(&form.der)
        .unwrap_err()
        .to_string();
    assert!(err.contains("mstring wrong tag"), "{err}");
    let o = handshake(&e, &form.der, Vec::new(), &form.twin.key);
    assert!(o.indicated && !o.rejected, "{:?}", o.events.snapshot());
    let peer = o.peer.unwrap();
    assert_eq!(peer.certificate_der, form.der);
    assert_eq!(peer.object_identifier.as_deref(), Some(CLIENT_AE_TITLE));
    assert_eq!(
        peer.subject,
        format!("O=osi-mms test PKI, CN=client, 2.5.4.106={CLIENT_AE_TITLE}")
    );
    assert_eq!(o.events.count(ADDRESS_MISMATCH), 0);
    // The same path through the rewriting client with the UTF8String twin: accepted too.
    let twin = form.twin.cert_der().unwrap();
    let o = handshake(&e, &twin, Vec::new(), &form.twin.key);
    assert!(o.indicated, "{:?}", o.events.snapshot());
}

#[test]
fn an_oid_form_leaf_under_an_intermediate_sent_in_the_cert_path() {
    let e = env();
    let sub = e.root.intermediate("E2E sub CA").unwrap();
    let form = issue(
        &sub,
        &LeafSpec::new("client").with_key(KeyKind::EcP256),
        CLIENT_AE_TITLE,
    );
    let o = handshake(&e, &form.der, Vec::new(), &form.twin.key);
    assert!(o.rejected && !o.indicated);
    assert_eq!(o.events.count(PATH_INVALID), 1, "{:?}", o.events.snapshot());
    let o = handshake(
        &e,
        &form.der,
        vec![sub.ca().cert_der().unwrap()],
        &form.twin.key,
    );
    assert!(o.indicated, "{:?}", o.events.snapshot());
    assert_eq!(
        o.peer.unwrap().object_identifier.as_deref(),
        Some(CLIENT_AE_TITLE)
    );
}

/// Each failure in both forms: the same rejection, diagnostic and event.
#[test]
fn refusals_match_the_openssl_path() {
    let e = env();
    let now = SystemTime::now();
    let day = Duration::from_secs(86_400);
    let ec = LeafSpec::new("client").with_key(KeyKind::EcP256);
    let cases = vec![
        (
            "address mismatch",
            issue(&e.root, &ec, "1.1.1.999.99"),
            false,
            ADDRESS_MISMATCH,
            // The HandshakeSecReject carries no diagnostic (no reason given).
            None,
        ),
        (
            "tampered certificate signature",
            issue(&e.root, &ec, CLIENT_AE_TITLE),
            true,
            PATH_INVALID,
            Some(HandshakeDiagnostic::InvalidCertificationPath),
        ),
        (
            "expired",
            issue(
                &e.root,
                &ec.clone().with_validity(now - 2 * day, now - day),
                CLIENT_AE_TITLE,
            ),
            false,
            CERTIFICATE_INVALID,
            Some(HandshakeDiagnostic::InvalidPublicKeyCertificate),
        ),
        (
            "RSA-1024",
            issue(
                &e.root,
                &LeafSpec::new("client").with_key(KeyKind::Rsa(1024)),
                CLIENT_AE_TITLE,
            ),
            false,
            CERTIFICATE_INVALID,
            Some(HandshakeDiagnostic::InvalidPublicKeyCertificate),
        ),
        (
            "another CA",
            issue(
                &Pki::new_root("stranger", KeyKind::EcP256).unwrap(),
                &ec,
                CLIENT_AE_TITLE,
            ),
            false,
            PATH_INVALID,
            Some(HandshakeDiagnostic::InvalidCertificationPath),
        ),
    ];
    for (what, form, tamper, code, diagnostic) in cases {
        let twin = form.twin.cert_der().unwrap();
        let (utf8, oid) = if tamper {
            (tampered(&twin), tampered(&form.der))
        } else {
            (twin, form.der.clone())
        };
        for (path, der) in [("openssl", &utf8), ("der", &oid)] {
            assert_eq!(
                openssl::x509::X509::from_der(der).is_ok(),
                path == "openssl",
                "{what}: {path} form"
            );
            let o = handshake(&e, der, Vec::new(), &form.twin.key);
            assert!(o.rejected && !o.indicated, "{what} ({path})");
            assert_eq!(
                o.events.count(code),
                1,
                "{what} ({path}): {:?}",
                o.events.snapshot()
            );
            assert_eq!(
                o.diagnostic,
                diagnostic.map(HandshakeDiagnostic::code),
                "{what} ({path})"
            );
        }
    }
}
