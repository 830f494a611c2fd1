//! [`E2eFactory`]: the [`SecurityFactory`] of IEC 62351-4 end-to-end security. It holds what
//! every association shares — configuration, credential, trust store, the handshake replay
//! cache (U-05) and the security event recorder — and makes one [`E2eProvider`] per
//! association.

use std::sync::atomic::AtomicU32;
use std::sync::Arc;

use acse::security::{
    AssociationSecurity, Role, SecurityError, SecurityEvents, SecurityFactory, TransportSecurity,
};
use copp::ber::Oid;

use crate::certs::TrustStore;
use crate::config::E2eConfig;
use crate::crypto;
use crate::provider::E2eProvider;
use crate::replay::ReplayCache;

/// What the providers of one factory share.
#[derive(Debug)]
pub struct Shared {
    /// The configuration.
    pub config: E2eConfig,
    /// The trust anchors.
    pub store: TrustStore,
    /// The handshake replay cache.
    pub replay: ReplayCache,
    /// The event recorder.
    pub events: Arc<SecurityEvents>,
    /// Our certificate, DER.
    pub cert_der: Vec<u8>,
    /// Our CA path, DER.
    pub chain_der: Vec<Vec<u8>>,
    /// Our signature algorithm.
    pub sig_alg: Oid<'static>,
    /// The client part of the next assoID (U-06): a counter from a random start, so that two
    /// associations of this factory never share (assoID, time) before 1000 more were made —
    /// a random pick per association made the server see a false handshake replay (1.11) once
    /// in 1000 for two associations within one second.
    pub next_asso_id: AtomicU32,
}

/// Makes E2E providers (IEC 62351-4 §13/§15) for the MMS client and server runtimes.
#[derive(Debug, Clone)]
pub struct E2eFactory {
    shared: Arc<Shared>,
}

impl E2eFactory {
    /// A factory from a configuration (checked with [`E2eConfig::validate`]) and the event
    /// recorder the runtime uses; registers the IEC 62351-14 identifiers of the E2E events
    /// with the recorder ([`crate::events::iec62351_14_ids`]).
    pub fn new(config: E2eConfig, events: Arc<SecurityEvents>) -> Result<E2eFactory, String> {
        config.validate()?;
        let store = TrustStore::new(&config.trust_anchors)?;
        let cert_der = config
            .credential
            .certificate
            .to_der()
            .map_err(|e| e.to_string())?;
        if cert_der.len() > config.limits.max_cert_len {
            return Err(format!(
                "E2E certificate of {} octets exceeds {} (IEC 62351-4 Annex G)",
                cert_der.len(),
                config.limits.max_cert_len
            ));
        }
        let chain_der = config
            .credential
            .chain
            .iter()
            .map(|c| c.to_der().map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        let sig_alg =
            crypto::signature_algorithm(&config.credential.key).map_err(|e| e.to_string())?;
        let replay = ReplayCache::new(config.replay_capacity);
        // Sinks name every event by its IEC 62351-14 identifier (the code itself here).
        events.register(&crate::events::iec62351_14_ids());
        // The revocation events of the shared checker (IEC62351-9 domain).
        events.register(&cot::revocation::events::iec62351_14_ids());
        let mut r = [0u8; 2];
        openssl::rand::rand_bytes(&mut r).map_err(|e| e.to_string())?;
        Ok(E2eFactory {
            shared: Arc::new(Shared {
                config,
                store,
                replay,
                events,
                cert_der,
                chain_der,
                sig_alg,
                next_asso_id: AtomicU32::new(u32::from(u16::from_be_bytes(r))),
            }),
        })
    }

    /// The event recorder.
    pub fn events(&self) -> &Arc<SecurityEvents> {
        &self.shared.events
    }

    /// A concrete provider (tests and benchmarks that drive an association directly).
    pub fn e2e_provider(&self, role: Role, transport: &TransportSecurity) -> E2eProvider {
        E2eProvider::new(self.shared.clone(), role, transport)
    }

    /// One end-to-end association in the XMPP environment between the bare JIDs
    /// `local_jid` and `peer_jid` (`user@domain`; docs/facts.md F-1206, F-1207): the peer's
    /// certificate must carry `peer_jid` in its subject's `jid` attribute (2.5.4.105) when
    /// [`crate::E2eConfig::require_address_binding`] is set.
    #[cfg(feature = "xmpp")]
    pub fn xmpp_association(
        &self,
        role: Role,
        local_jid: &str,
        peer_jid: &str,
    ) -> crate::xmpp::XmppE2e {
        crate::xmpp::XmppE2e::new(self.shared.clone(), role, local_jid, peer_jid)
    }
}

impl SecurityFactory for E2eFactory {
    fn name(&self) -> &'static str {
        crate::provider::MECHANISM
    }

    fn provider(
        &self,
        role: Role,
        transport: &TransportSecurity,
    ) -> Result<Box<dyn AssociationSecurity>, SecurityError> {
        Ok(Box::new(self.e2e_provider(role, transport)))
    }
}
