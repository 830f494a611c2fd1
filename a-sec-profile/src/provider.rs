//! The A-security-profile provider (IEC 62351-4 §11.2.3 initiator / §11.2.4 responder) and the
//! factory that makes one per association (acse::security::SecurityFactory).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use acse::apdu::{
    ae_title_form2, Aare, Aarq, AbortDiagnostic, Abrt, AeQualifier, ApTitle, AuthenticationValue,
    External, ServiceUserDiagnostic,
};
use acse::security::{
    AssociationSecurity, AuthenticatedPeer, Refusal, Role, SecurityContext, SecurityError,
    SecurityEvents, SecurityFactory, TransportSecurity,
};

use crate::config::{AProfileConfig, ConfigError, Dialect, FailureResponse};
use crate::crypto::{
    check_key, sign, subject_object_identifier, verify_signature, Failure, PeerCertificate,
    SignatureOutcome,
};
use crate::events;
use crate::replay::{self, ReplayCache, ReplayError};
use crate::time;
use crate::value::{
    encode_to_vec, from_authentication_value, Carrier, ValueError, MAX_CERTIFICATE_LEN,
};

/// The provider's name (logs, [`AuthenticatedPeer::mechanism`]).
pub const NAME: &str = "iec62351-4-a-profile";

/// What every association of one factory shares: configuration, replay memory, and the last
/// time this end signed for each audience (so no peer ever receives two values of ours that
/// carry the same time).
struct Shared {
    config: AProfileConfig,
    replay: Mutex<ReplayCache>,
    last_signed: Mutex<Signed>,
}

/// The last time signed per audience, and a floor under all of them once the memory overflowed.
#[derive(Default)]
struct Signed {
    per_audience: HashMap<Vec<u8>, SystemTime>,
    floor: Option<SystemTime>,
}

/// Audiences remembered at once; beyond, the times signed so far become one floor for all.
const AUDIENCES: usize = 4096;

impl Shared {
    fn record(&self, code: &'static str, detail: &dyn fmt::Display) {
        self.config
            .events
            .record(code, events::severity(code), detail);
    }

    /// The time for the next value sent to `audience` (the peer's certificate, or the AE-title
    /// called): now, truncated to the format's resolution, and later than the previous value
    /// this factory signed for the same audience. A receiver's replay memory is keyed by the
    /// sender's certificate and time, so uniqueness per audience is what matters; keeping it
    /// per audience (not across the factory) stops a server that accepts many associations a
    /// second from signing times ever further ahead of its clock.
    fn next_time(&self, audience: &[u8]) -> SystemTime {
        let f = self.config.time_format;
        let now = f.truncate((self.config.clock)());
        let mut last = self.last_signed.lock().unwrap_or_else(|e| e.into_inner());
        let Signed {
            per_audience,
            floor,
        } = &mut *last;
        if per_audience.len() >= AUDIENCES && !per_audience.contains_key(audience) {
            // Times before now constrain nothing any more.
            per_audience.retain(|_, t| *t >= now);
            if per_audience.len() >= AUDIENCES {
                // Still full: one floor at the latest time signed so far keeps them all unique.
                *floor = per_audience.values().copied().chain(*floor).max();
                per_audience.clear();
            }
        }
        let previous = per_audience.get(audience).copied().or(*floor);
        let t = match previous {
            Some(l) if now <= l => l + f.resolution(),
            _ => now,
        };
        per_audience.insert(audience.to_vec(), t);
        t
    }
}

/// The IEC 62351-4 A-security-profile as an [`AssociationSecurity`] provider: one per
/// association, made by [`AProfileFactory`].
///
/// * Initiator (§11.2.3): proposes mmsAuthenticationAS (IEC 2018 dialect), sends
///   sender-acse-requirements {authentication}, the mechanism name and a signed
///   calling-authentication-value; verifies the AARE's responding value and aborts
///   (authentication-failure) when it is missing or bad.
/// * Responder (§11.2.4): checks the AARQ (see `docs/a-profile.md` for the order and the
///   diagnostics), then answers with its own value in the dialect the AARQ used.
pub struct AProfile {
    role: Role,
    shared: Arc<Shared>,
    /// Responder: how the AARQ carried its value (mirrored in the AARE).
    mirror: Option<Carrier>,
    /// Initiator: the AE-title (dotted) the AARQ called, for the binding check when the AARE
    /// has no responding AP-title.
    called: Option<String>,
    peer: Option<AuthenticatedPeer>,
    /// The periodic re-check of the authenticated peer's certificate (with a revocation
    /// checker configured): expiry or revocation ends the association.
    recheck: Option<cot::revocation::PeerRecheck>,
    /// The certificate the TLS peer authenticated with, if any (Annex G.2 comparison).
    tls_peer_certificate: Option<Vec<u8>>,
}

impl fmt::Debug for AProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AProfile")
            .field("role", &self.role)
            .field("mirror", &self.mirror)
            .field("peer", &self.peer.as_ref().map(|p| &p.subject))
            .finish_non_exhaustive()
    }
}

/// The AE-title a certificate must carry in 2.5.4.106 (I-08): the AP-title with the
/// AE-qualifier appended, or the AP-title alone when there is no qualifier.
fn binding_of(ap: Option<&ApTitle<'_>>, ae: Option<&AeQualifier<'_>>) -> Option<String> {
    match (ap, ae) {
        (Some(ap), Some(ae)) => ae_title_form2(ap, ae).map(|o| o.to_id_string()),
        (Some(ap), None) => ap.oid().map(|o| o.to_id_string()),
        _ => None,
    }
}

fn value_failure(e: ValueError) -> Failure {
    match e {
        ValueError::TooLong {
            field: "authentication-Certificate",
            ..
        } => Failure::new(events::CERTIFICATE_TOO_LARGE, e.to_string()),
        e => Failure::new(events::VALUE_MALFORMED, e.to_string()),
    }
}

impl AProfile {
    fn config(&self) -> &AProfileConfig {
        &self.shared.config
    }

    fn who(&self) -> &'static str {
        match self.role {
            Role::Initiator => "responder",
            Role::Responder => "initiator",
        }
    }

    /// This end's value in `carrier` for `audience` (see [`Shared::next_time`]): certificate,
    /// time, signature over the time's contents.
    fn own_value(
        &self,
        carrier: &Carrier,
        audience: &[u8],
    ) -> Result<AuthenticationValue<'static>, SecurityError> {
        let c = self
            .config()
            .credentials
            .as_ref()
            .ok_or(SecurityError::MissingCredential(
                "A-profile certificate and key",
            ))?;
        let local = |code: &'static str, e: SecurityError| {
            self.shared
                .record(code, &format_args!("role={:?} {e}", self.role));
            e
        };
        let der = c.certificate.to_der().map_err(|e| {
            local(
                events::LOCAL_FAILURE,
                SecurityError::crypto("A-profile certificate encoding", e),
            )
        })?;
        if der.len() > MAX_CERTIFICATE_LEN {
            return Err(local(
                events::LOCAL_FAILURE,
                SecurityError::TooLarge {
                    what: "own A-profile certificate",
                    size: der.len(),
                    limit: MAX_CERTIFICATE_LEN,
                },
            ));
        }
        let t = time::format(self.shared.next_time(audience), self.config().time_format);
        let sig = sign(&c.key, t.as_bytes()).map_err(|e| {
            local(
                events::LOCAL_FAILURE,
                SecurityError::crypto("A-profile signature", e),
            )
        })?;
        Ok(carrier.wrap(encode_to_vec(&der, t.as_bytes(), &sig)))
    }

    /// Verifies a peer's value (§11.2.3/§11.2.4), in the order of `docs/a-profile.md`.
    fn verify(
        &self,
        av: &AuthenticationValue<'_>,
        expected_title: Option<String>,
    ) -> Result<(AuthenticatedPeer, Carrier), Failure> {
        let cfg = self.config();
        let now = (cfg.clock)();
        let (value, carrier) = from_authentication_value(av).map_err(value_failure)?;
        // OpenSSL's parse, or the DER view when OpenSSL cannot read the certificate (an
        // OBJECT IDENTIFIER-valued 2.5.4.106; docs/facts.md E-12): the same checks either way.
        let cert = PeerCertificate::parse(value.certificate)?;
        let subject = acse::security::subject_line(value.certificate);
        let path = cfg.trust.verify_peer(&cert, now).map_err(|mut f| {
            f.reason = format!("{} [{subject}]", f.reason);
            f
        })?;
        for w in path.warnings {
            self.shared
                .record(w, &format_args!("peer={} subject=[{subject}]", self.who()));
        }
        cert.check_key_usage()?;
        if !cert.has_key_usage() {
            if !cfg.legacy_key_usage {
                return Err(Failure::new(
                    events::KEY_USAGE,
                    format!("no keyUsage extension (IEC 62351-4 Annex G.5.2) [{subject}]"),
                ));
            }
            self.shared.record(
                events::KEY_USAGE_TOLERATED,
                &format_args!(
                    "peer={} certificate without keyUsage accepted (legacy_key_usage) [{subject}]",
                    self.who()
                ),
            );
        }
        let key = cert.public_key()?;
        check_key(&key, cfg.min_rsa_bits, cfg.allow_ecdsa)?;
        match verify_signature(&key, &value, cfg.legacy_sha1_peers)? {
            SignatureOutcome::Conformant => {}
            SignatureOutcome::NonConformantTlv => self.shared.record(
                events::SIGNATURE_NONCONFORMANT,
                &format_args!("peer={} signed a TLV of the time [{subject}]", self.who()),
            ),
            SignatureOutcome::LegacySha1 => self.shared.record(
                events::SIGNATURE_SHA1,
                &format_args!("peer={} signed with SHA-1 [{subject}]", self.who()),
            ),
        }
        let signed = time::parse(value.time)
            .map_err(|e| Failure::new(events::TIME_INVALID, e.to_string()))?;
        let off = time::distance(now, signed);
        if off > cfg.window {
            return Err(Failure::new(
                events::TIME_OUT_OF_WINDOW,
                format!(
                    "time {} is {}s from local UTC (window {}s)",
                    String::from_utf8_lossy(value.time),
                    off.as_secs(),
                    cfg.window.as_secs()
                ),
            ));
        }
        let key = replay::key(value.certificate, value.time)
            .map_err(|e| Failure::new(events::REPLAY, e.to_string()))?;
        {
            let mut cache = self.shared.replay.lock().unwrap_or_else(|e| e.into_inner());
            match cache.check_and_insert(key, signed, now) {
                Ok(()) => {}
                Err(ReplayError::Full(n)) => {
                    return Err(Failure::new(
                        events::REPLAY_CACHE_FULL,
                        format!("replay cache full ({n})"),
                    ))
                }
                Err(e) => return Err(Failure::new(events::REPLAY, e.to_string())),
            }
        }
        if self
            .tls_peer_certificate
            .as_deref()
            .is_some_and(|t| t == value.certificate)
        {
            self.shared.record(
                events::SAME_CERTIFICATE_AS_TLS,
                &format_args!(
                    "peer={} uses its TLS certificate for the A-profile (IEC 62351-4 Annex G.2) [{subject}]",
                    self.who()
                ),
            );
        }
        let object_identifier = subject_object_identifier(value.certificate);
        if cfg.require_ap_title_binding {
            let ok = matches!((&object_identifier, &expected_title), (Some(a), Some(b)) if a == b);
            if !ok {
                return Err(Failure::new(
                    events::AP_TITLE_MISMATCH,
                    format!(
                        "certificate 2.5.4.106 {:?} vs AE-title {:?}",
                        object_identifier, expected_title
                    ),
                ));
            }
        }
        Ok((
            AuthenticatedPeer {
                mechanism: NAME,
                certificate_der: value.certificate.to_vec(),
                subject,
                object_identifier,
            },
            carrier,
        ))
    }

    fn refuse_reject(&self, code: &'static str, d: ServiceUserDiagnostic, why: &str) -> Refusal {
        self.shared.record(
            code,
            &format_args!("peer=initiator diagnostic={} {why}", d.code()),
        );
        Refusal::reject_event(d, code, why)
    }

    /// Arms the periodic re-check of `peer`'s certificate when a revocation checker is
    /// configured: the certificate and the configured intermediates up its issuer chain.
    fn start_recheck(&mut self, peer: &AuthenticatedPeer) {
        let cfg = self.config();
        let Some(checker) = cfg.trust.revocation.clone() else {
            return;
        };
        let Ok(leaf) = openssl::x509::X509::from_der(&peer.certificate_der) else {
            // A certificate only the DER view reads cannot be asked about (see
            // `TrustStore::verify_der`).
            return;
        };
        let mut chain = vec![leaf];
        while chain.len() < 8 {
            let Some(last) = chain.last() else { break };
            let want = last.issuer_name().to_der().ok();
            let next = cfg.trust.intermediates.iter().find(|c| {
                c.subject_name().to_der().ok() == want && c.to_der().ok() != last.to_der().ok()
            });
            match next {
                Some(c) => chain.push(c.clone()),
                None => break,
            }
        }
        self.recheck = Some(cot::revocation::PeerRecheck::new(
            checker,
            chain,
            std::time::Instant::now(),
        ));
    }

    fn accepted(&self, peer: &AuthenticatedPeer) {
        self.shared.record(
            events::ACCEPTED,
            &format_args!(
                "peer={} subject=[{}] object_identifier={}",
                self.who(),
                peer.subject,
                peer.object_identifier.as_deref().unwrap_or("-")
            ),
        );
    }
}

impl AssociationSecurity for AProfile {
    fn name(&self) -> &'static str {
        NAME
    }

    fn abstract_syntaxes(&self) -> Vec<acse::apdu::Oid<'static>> {
        match (self.role, self.config().dialect) {
            (Role::Initiator, Dialect::LegacySisco) => Vec::new(),
            _ => vec![self.config().authentication_syntax.clone()],
        }
    }

    fn on_send_aarq(
        &mut self,
        ctx: &SecurityContext<'_>,
        aarq: &mut Aarq<'static>,
    ) -> Result<(), SecurityError> {
        let carrier = match self.config().dialect {
            Dialect::Iec2018 => match ctx.context_id(&self.config().authentication_syntax) {
                Some(id) => Carrier::iec2018(i64::from(id)),
                None => Carrier::legacy(),
            },
            Dialect::LegacySisco => Carrier::legacy(),
        };
        let mut req = aarq.sender_acse_requirements.unwrap_or_default();
        req.set_authentication(true);
        aarq.sender_acse_requirements = Some(req);
        aarq.mechanism_name = Some(self.config().mechanism.clone());
        self.called = binding_of(
            aarq.called_ap_title.as_ref(),
            aarq.called_ae_qualifier.as_ref(),
        );
        let audience = self.called.clone().unwrap_or_default().into_bytes();
        aarq.calling_authentication_value = Some(self.own_value(&carrier, &audience)?);
        Ok(())
    }

    fn on_receive_aarq(
        &mut self,
        _ctx: &SecurityContext<'_>,
        aarq: &Aarq<'_>,
    ) -> Result<Option<Vec<External<'static>>>, Refusal> {
        self.peer = None;
        self.mirror = None;
        let cfg = self.config();
        match &aarq.mechanism_name {
            None if cfg.require_authentication => {
                return Err(self.refuse_reject(
                    events::MECHANISM_MISSING,
                    ServiceUserDiagnostic::AuthenticationMechanismNameRequired,
                    "AARQ without mechanism-name",
                ))
            }
            None => return Ok(None),
            Some(m) if *m != cfg.mechanism => {
                let why = format!("mechanism-name {m} not recognized");
                return Err(self.refuse_reject(
                    events::MECHANISM_UNKNOWN,
                    ServiceUserDiagnostic::AuthenticationMechanismNameNotRecognized,
                    &why,
                ));
            }
            Some(_) => {}
        }
        let Some(av) = &aarq.calling_authentication_value else {
            return Err(self.refuse_reject(
                events::VALUE_MISSING,
                ServiceUserDiagnostic::AuthenticationRequired,
                "AARQ without calling-authentication-value",
            ));
        };
        let expected = binding_of(
            aarq.calling_ap_title.as_ref(),
            aarq.calling_ae_qualifier.as_ref(),
        );
        match self.verify(av, expected) {
            Ok((peer, carrier)) => {
                self.accepted(&peer);
                self.start_recheck(&peer);
                self.peer = Some(peer);
                self.mirror = Some(carrier);
                Ok(None)
            }
            Err(f) => {
                let response = cfg.failure_response;
                self.shared.record(
                    f.code,
                    &format_args!("peer=initiator response={response:?} {}", f.reason),
                );
                Err(match response {
                    FailureResponse::Abort => Refusal::abort_event(
                        Some(AbortDiagnostic::AuthenticationFailure),
                        f.code,
                        f.reason,
                    ),
                    FailureResponse::Reject => Refusal::reject_event(
                        ServiceUserDiagnostic::AuthenticationFailure,
                        f.code,
                        f.reason,
                    ),
                })
            }
        }
    }

    fn on_send_aare(
        &mut self,
        ctx: &SecurityContext<'_>,
        aare: &mut Aare<'static>,
    ) -> Result<(), SecurityError> {
        if !aare.result.is_accepted() || self.peer.is_none() {
            return Ok(());
        }
        let mut req = aare.responder_acse_requirements.unwrap_or_default();
        req.set_authentication(true);
        aare.responder_acse_requirements = Some(req);
        aare.mechanism_name = Some(self.config().mechanism.clone());
        if self.config().credentials.is_none() {
            return Ok(());
        }
        // Mirror the AARQ's carrier; an indirect reference names our context for the syntax.
        let carrier = match self.mirror.clone().unwrap_or_else(Carrier::legacy) {
            Carrier::External {
                direct_reference,
                indirect_reference: Some(theirs),
                octet_aligned,
            } => Carrier::External {
                direct_reference,
                indirect_reference: Some(
                    ctx.context_id(&self.config().authentication_syntax)
                        .map_or(theirs, i64::from),
                ),
                octet_aligned,
            },
            other => other,
        };
        let audience = self
            .peer
            .as_ref()
            .map(|p| p.certificate_der.clone())
            .unwrap_or_default();
        aare.responding_authentication_value = Some(self.own_value(&carrier, &audience)?);
        Ok(())
    }

    fn on_receive_aare(
        &mut self,
        _ctx: &SecurityContext<'_>,
        aare: &Aare<'_>,
    ) -> Result<Option<Vec<External<'static>>>, Refusal> {
        if !aare.result.is_accepted() {
            self.shared.record(
                events::REFUSED_BY_PEER,
                &format_args!(
                    "result={} diagnostic={}",
                    aare.result, aare.result_source_diagnostic
                ),
            );
            return Ok(None);
        }
        let cfg = self.config();
        let abort = |code: &'static str, why: String| {
            self.shared
                .record(code, &format_args!("peer=responder action=abort {why}"));
            Refusal::abort_event(Some(AbortDiagnostic::AuthenticationFailure), code, why)
        };
        if let Some(m) = &aare.mechanism_name {
            if *m != cfg.mechanism {
                return Err(abort(
                    events::MECHANISM_UNKNOWN,
                    format!("AARE mechanism-name {m}"),
                ));
            }
        }
        let Some(av) = &aare.responding_authentication_value else {
            if cfg.require_mutual {
                return Err(abort(
                    events::PEER_VALUE_MISSING,
                    "AARE without responding-authentication-value".into(),
                ));
            }
            return Ok(None);
        };
        let expected = binding_of(
            aare.responding_ap_title.as_ref(),
            aare.responding_ae_qualifier.as_ref(),
        )
        .or_else(|| self.called.clone());
        match self.verify(av, expected) {
            Ok((peer, _)) => {
                self.accepted(&peer);
                self.start_recheck(&peer);
                self.peer = Some(peer);
                Ok(None)
            }
            Err(f) => Err(abort(f.code, f.reason)),
        }
    }

    fn on_receive_abort(&mut self, _ctx: &SecurityContext<'_>, abrt: &Abrt<'_>) {
        if self.role == Role::Initiator && self.peer.is_none() {
            self.shared.record(
                events::REFUSED_BY_PEER,
                &format_args!(
                    "ABRT source={:?} diagnostic={:?}",
                    abrt.source, abrt.diagnostic
                ),
            );
        }
    }

    fn authenticated_peer(&self) -> Option<AuthenticatedPeer> {
        self.peer.clone()
    }

    fn next_timer(&self) -> Option<std::time::Instant> {
        self.recheck.as_ref().map(|r| r.deadline())
    }

    /// The periodic re-check (IEC 62351-3 §5.6.4.4): a peer certificate now revoked or
    /// expired ends the association (ABRT authentication-failure, with
    /// [`events::CERTIFICATE_REVOKED`] / [`events::CERTIFICATE_EXPIRED`]); revocation
    /// information that cannot be had is recorded and ends nothing.
    fn on_timer(&mut self, now: std::time::Instant) -> Result<(), Refusal> {
        use cot::revocation::RecheckOutcome;
        let Some(r) = self.recheck.as_mut() else {
            return Ok(());
        };
        let (code, why) = match r.run(now) {
            RecheckOutcome::Revoked(d) => (events::CERTIFICATE_REVOKED, d),
            RecheckOutcome::Expired(d) => (events::CERTIFICATE_EXPIRED, d),
            RecheckOutcome::Unavailable(code, d) => {
                self.shared
                    .record(code, &format_args!("peer={} re-check: {d}", self.who()));
                return Ok(());
            }
            _ => return Ok(()),
        };
        self.shared.record(
            code,
            &format_args!("peer={} re-check ends the association: {why}", self.who()),
        );
        self.recheck = None;
        Err(Refusal::abort_event(
            Some(AbortDiagnostic::AuthenticationFailure),
            code,
            why,
        ))
    }

    fn application_security(&self) -> acse::security::ApplicationSecurity {
        // A responder configured not to require authentication admits kernel-only peers:
        // only a peer whose authentication value passed counts as SECURE.
        if self.peer.is_some() {
            acse::security::ApplicationSecurity::AProfile
        } else {
            acse::security::ApplicationSecurity::None
        }
    }
}

/// Makes one [`AProfile`] per association (acse::security::SecurityFactory), sharing the
/// configuration, trust store and replay memory between them.
#[derive(Clone)]
pub struct AProfileFactory {
    shared: Arc<Shared>,
}

impl fmt::Debug for AProfileFactory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AProfileFactory")
            .field("config", &self.shared.config)
            .finish()
    }
}

impl AProfileFactory {
    /// A factory for `config` (checked with [`AProfileConfig::validate`]); registers the
    /// IEC 62351-14 identifiers of the A-profile events with the configuration's recorder
    /// ([`events::iec62351_14_ids`]).
    pub fn new(config: AProfileConfig) -> Result<AProfileFactory, ConfigError> {
        config.validate()?;
        // Sinks name the events that have an IEC 62351-14 counterpart by its identifier.
        config.events.register(&events::iec62351_14_ids());
        config
            .events
            .register(&cot::revocation::events::iec62351_14_ids());
        let replay = ReplayCache::new(config.replay_capacity, config.window);
        Ok(AProfileFactory {
            shared: Arc::new(Shared {
                config,
                replay: Mutex::new(replay),
                last_signed: Mutex::new(Signed::default()),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &AProfileConfig {
        &self.shared.config
    }

    /// The event recorder.
    pub fn events(&self) -> &Arc<SecurityEvents> {
        &self.shared.config.events
    }

    /// A provider for one association in `role` (no transport warning; see
    /// [`SecurityFactory::provider`] for that).
    pub fn make(&self, role: Role) -> AProfile {
        AProfile {
            role,
            shared: Arc::clone(&self.shared),
            mirror: None,
            called: None,
            peer: None,
            recheck: None,
            tls_peer_certificate: None,
        }
    }
}

impl SecurityFactory for AProfileFactory {
    fn name(&self) -> &'static str {
        NAME
    }

    /// A provider; an initiator needs credentials. Without TLS a warning event is recorded
    /// (IEC 62351-4 Table 1: the A-profile alone is essentially non-secure).
    fn provider(
        &self,
        role: Role,
        transport: &TransportSecurity,
    ) -> Result<Box<dyn AssociationSecurity>, SecurityError> {
        if role == Role::Initiator && self.shared.config.credentials.is_none() {
            return Err(SecurityError::MissingCredential(
                "A-profile certificate and key",
            ));
        }
        if !transport.tls {
            self.shared.record(
                events::NO_TLS,
                &format_args!("role={role:?} A-profile without TLS is weak (IEC 62351-4 Table 1)"),
            );
        }
        let mut p = self.make(role);
        p.tls_peer_certificate = transport.peer_certificate.clone();
        Ok(Box::new(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared(format: crate::time::TimeFormat) -> Shared {
        let at = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_800_000_000);
        let config = AProfileConfig::new(Arc::new(acse::security::SecurityEvents::new()))
            .with_clock(Arc::new(move || at));
        let mut config = config;
        config.time_format = format;
        Shared {
            replay: Mutex::new(ReplayCache::new(16, config.window)),
            config,
            last_signed: Mutex::new(Signed::default()),
        }
    }

    #[test]
    fn times_are_unique_per_audience_and_do_not_drift_across_audiences() {
        let s = shared(crate::time::TimeFormat::Strict);
        let now = s.next_time(b"peer 0");
        // A thousand peers in the same second: each gets the clock's own second.
        for i in 1..1000 {
            assert_eq!(s.next_time(format!("peer {i}").as_bytes()), now);
        }
        // The same peer twice in one second: the second value is one step later.
        let one = std::time::Duration::from_secs(1);
        assert_eq!(s.next_time(b"peer 7"), now + one);
        assert_eq!(s.next_time(b"peer 7"), now + one * 2);
        assert_eq!(s.next_time(b"peer 8"), now + one);
    }

    #[test]
    fn a_full_memory_keeps_every_time_unique() {
        let s = shared(crate::time::TimeFormat::Strict);
        let now = s.next_time(b"x");
        let ahead = s.next_time(b"x");
        assert!(ahead > now);
        for i in 0..AUDIENCES {
            s.next_time(format!("a{i}").as_bytes());
        }
        // The memory overflowed while "x" was ahead of the clock: "x" must still never get
        // a time it already had.
        let next = s.next_time(b"x");
        assert!(next > ahead, "{next:?} after {ahead:?}");
    }
}
