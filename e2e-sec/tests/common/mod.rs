//! The in-memory harness of the direct tests: client and server E2E providers driven through
//! the [`AssociationSecurity`] hook with owned AARQ/AARE values.
#![allow(dead_code)]

use std::borrow::Cow;
use std::sync::Arc;

use acse::apdu::{Aare, Aarq, External, Oid};
use acse::security::{
    AssociationSecurity, Role, SecurityContext, SecurityEvents, TransportSecurity,
};
use cot::pki::{KeyKind, LeafSpec, Pki};
use e2e_sec::{E2eConfig, E2eCredential, E2eFactory, E2eProvider};

pub const INIT_REQ: &[u8] = &[0xA8, 0x03, 0x80, 0x01, 0x01];
pub const INIT_RSP: &[u8] = &[0xA9, 0x03, 0x80, 0x01, 0x01];

pub fn cred(c: cot::pki::Credential) -> E2eCredential {
    E2eCredential {
        certificate: c.certificate,
        key: c.key,
        chain: c.chain,
    }
}

/// Both factories (one CA, EC P-256 keys, no address binding) and the presentation contexts.
pub struct Env {
    pub root: Pki,
    pub client_cred: E2eCredential,
    pub server: E2eCredential,
    pub cf: E2eFactory,
    pub sf: E2eFactory,
    pub contexts: Vec<(u32, Oid<'static>)>,
    pub ac: Oid<'static>,
}

pub fn env() -> Env {
    env_with(|_| {}, |_| {})
}

/// [`env`] with the client and server configurations changed by `c` and `s`.
pub fn env_with(c: impl FnOnce(&mut E2eConfig), s: impl FnOnce(&mut E2eConfig)) -> Env {
    let root = Pki::new_root("E2E replay root", KeyKind::EcP256).unwrap();
    let client = cred(
        root.issue(&LeafSpec::new("client").with_key(KeyKind::EcP256))
            .unwrap(),
    );
    let server = cred(
        root.issue(&LeafSpec::new("server").with_key(KeyKind::EcP256))
            .unwrap(),
    );
    let config = |c: E2eCredential| {
        let mut cfg = E2eConfig::new(c, vec![root.ca().certificate.clone()]);
        // No AP-titles in these hand-made APDUs: the address binding is tested elsewhere.
        cfg.require_address_binding = false;
        cfg
    };
    let mut cc = config(client.clone());
    c(&mut cc);
    let mut sc = config(server.clone());
    s(&mut sc);
    let oids = cc.oids.clone();
    Env {
        root,
        client_cred: client,
        server,
        cf: E2eFactory::new(cc, Arc::new(SecurityEvents::new())).unwrap(),
        sf: E2eFactory::new(sc, Arc::new(SecurityEvents::new())).unwrap(),
        contexts: vec![
            (1, copp::ACSE_AS.clone()),
            (3, copp::MMS_AS.clone()),
            (5, oids.e2e_security_as.clone()),
        ],
        ac: oids.e2e_mms_ac,
    }
}

impl Env {
    pub fn ctx(&self, role: Role) -> SecurityContext<'_> {
        SecurityContext::new(role, &self.contexts, &self.ac)
    }

    pub fn client(&self) -> E2eProvider {
        self.cf
            .e2e_provider(Role::Initiator, &TransportSecurity::plain())
    }

    pub fn server(&self) -> E2eProvider {
        self.sf
            .e2e_provider(Role::Responder, &TransportSecurity::plain())
    }

    /// A client provider over `transport`.
    pub fn client_on(&self, transport: &TransportSecurity) -> E2eProvider {
        self.cf.e2e_provider(Role::Initiator, transport)
    }

    /// A server provider over `transport`.
    pub fn server_on(&self, transport: &TransportSecurity) -> E2eProvider {
        self.sf.e2e_provider(Role::Responder, transport)
    }

    /// The client's AARQ (HandshakeReq carrying the initiate-Request).
    pub fn aarq(&self, c: &mut E2eProvider) -> Aarq<'static> {
        let mut aarq = Aarq::new(self.ac.clone());
        aarq.user_information = vec![External::single(3, Cow::Borrowed(INIT_REQ))];
        c.on_send_aarq(&self.ctx(Role::Initiator), &mut aarq)
            .unwrap();
        aarq
    }

    /// The server judges `aarq` and answers with an accepting AARE (HandshakeAcc).
    pub fn aare(&self, s: &mut E2eProvider, aarq: &Aarq<'static>) -> Aare<'static> {
        s.on_receive_aarq(&self.ctx(Role::Responder), aarq).unwrap();
        let mut aare = Aare::accepted(self.ac.clone());
        aare.user_information = vec![External::single(3, Cow::Borrowed(INIT_RSP))];
        s.on_send_aare(&self.ctx(Role::Responder), &mut aare)
            .unwrap();
        aare
    }

    /// An established pair and the AARE that established it.
    pub fn establish(&self) -> (E2eProvider, E2eProvider, Aare<'static>) {
        self.establish_on(&TransportSecurity::plain())
    }

    /// [`Env::establish`] with both providers over `transport`.
    pub fn establish_on(
        &self,
        transport: &TransportSecurity,
    ) -> (E2eProvider, E2eProvider, Aare<'static>) {
        let (mut c, mut s) = (self.client_on(transport), self.server_on(transport));
        let aarq = self.aarq(&mut c);
        let aare = self.aare(&mut s, &aarq);
        c.on_receive_aare(&self.ctx(Role::Initiator), &aare)
            .unwrap();
        assert!(c.mode().is_some(), "established");
        (c, s, aare)
    }
}

pub fn count(f: &E2eFactory, code: &str) -> u64 {
    f.events().count(code)
}
