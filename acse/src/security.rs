//! The association-security hook (docs/design.md principle 6): the one trait through which every
//! security mechanism plugs into an ISO 8650-1 association, and the types it speaks.
//!
//! The association (`crate::association`) calls an [`AssociationSecurity`] provider at fixed
//! points: before it sends and after it receives each ACSE APDU (X.227 §9: AARQ, AARE, RLRQ,
//! RLRE, ABRT), and for every P-DATA in the data phase (ISO 8823-1 §7.4). The provider may add
//! to or rewrite what goes out, judge what comes in, and refuse it with a [`Refusal`] that
//! says which response the standard prescribes (an AARE reject or an ABRT). The application
//! and the client/server runtimes know nothing else of the provider.
//!
//! Three users are designed in:
//!
//! # (a) ACSE password authentication (ISO 8650-1 authentication functional unit, mechanism 2.2.3.1)
//!
//! [`crate::password::PasswordAuthentication`]. Initiator: [`AssociationSecurity::on_send_aarq`]
//! sets sender-acse-requirements (authentication), mechanism-name and a charstring
//! calling-authentication-value. Responder: [`AssociationSecurity::on_receive_aarq`] checks
//! them and refuses with [`Refusal::Reject`] (rejected-permanent and the X.227 service-user
//! diagnostic 11..14); [`AssociationSecurity::on_send_aare`] echoes the functional unit and the
//! mechanism in an accepting AARE. No presentation context, no data-phase work.
//!
//! # (b) IEC 62351-4 A-security-profile (compatibility mode; docs/facts.md §1.9, U-04)
//!
//! * [`AssociationSecurity::abstract_syntaxes`] returns mmsAuthenticationAS
//!   ([`crate::apdu::oids::MMS_AUTHENTICATION_AS`], configurable); the initiator proposes it,
//!   the responder accepts it when proposed. The provider finds the context id the association
//!   gave it with [`SecurityContext::context_id`] (TSP uses 5), and uses it as the EXTERNAL's
//!   indirect-reference (2018 dialect) — or sends an EXTERNAL without references when the
//!   peer is a legacy SISCO-style one (two contexts only, F-907).
//! * `on_send_aarq` / `on_send_aare` set sender/responder-acse-requirements (authentication),
//!   mechanism-name 1.0.840.0.1.0.1.1 and calling/responding-authentication-value
//!   ([`crate::apdu::AuthenticationValue::External`] holding the MMS-Authentication-value:
//!   certificate, time, signature).
//! * `on_receive_aarq` verifies the peer's value (both dialects, any reference): a missing
//!   mechanism gives [`Refusal::Reject`] with authentication-mechanism-name-required; a bad
//!   certificate, time, replay or signature gives [`Refusal::Abort`] (F-914: P-ABORT).
//!   `on_receive_aare` does the same for the responder's value; an initiator can only abort.
//! * The provider may keep per-association state (e.g. the dialect the AARQ used, to mirror it
//!   in the AARE); one provider instance serves one association.
//!
//! # (c) IEC 62351-4 end-to-end security (native mode; docs/facts.md §1.11.8)
//!
//! * `abstract_syntaxes` returns e2eSecurityAS; the AARQ carries only the kernel (F-1152).
//! * `on_send_aarq` REPLACES `aarq.user_information` (which holds the application's MMS
//!   initiate-RequestPDU) with one EXTERNAL on the e2eSecurityAS context holding the
//!   HandshakeReq, whose applData is the application's PDU (F-1154).
//! * `on_receive_aarq` unwraps it, checks it, and returns `Ok(Some(externals))`: the
//!   application's data to deliver instead (an EXTERNAL on the application's context). A
//!   HandshakeSecReject goes back in a [`Refusal::Reject`] with `user_information`.
//!   `on_send_aare` / `on_receive_aare` do the same for HandshakeAcc / ApplicationReject.
//! * `on_send_release` / `on_receive_release` wrap and unwrap ReleaseReq / ReleaseRsp in
//!   RLRQ / RLRE; `on_send_abort` puts HandshakeSecAbort / DtSecAbort / ApplAbort in the ABRT;
//!   [`Refusal::Abort`] carries a provider-made ABRT user information.
//! * [`AssociationSecurity::protect`] turns every outgoing P-DATA value into a
//!   ClearTransfer / EncrTransfer under the e2eSecurityAS context (returning the new context
//!   id); [`AssociationSecurity::unprotect`] reverses it, and refuses (DtSecAbort) on an ICV,
//!   replay or sequence failure. Both write into a caller-owned buffer that the association
//!   reuses, so the data phase allocates nothing per PDU once warmed up.
//!
//! Security events are logged with `log` under the target [`SECURITY_LOG_TARGET`] with a
//! stable `event=` name first; secrets (passwords, keys) are never logged, and a
//! [`Refusal`]'s reason is for the local log only — it is never sent to the peer.

use std::fmt;

use crate::apdu::{
    Aare, Aarq, AbortDiagnostic, AbortSource, Abrt, Apdu, AssociateResult, External, Oid,
    ServiceUserDiagnostic,
};

mod selecting;
pub use selecting::SelectingFactory;

/// The `log` target of security events (docs/design.md principle 8); the same as
/// [`cot::security_event::SECURITY_LOG_TARGET`].
pub const SECURITY_LOG_TARGET: &str = cot::security_event::SECURITY_LOG_TARGET;

pub use cot::security_event::{EventCount, SecurityEvents, Severity};

/// What the transport under an association knows about its own protection (IEC 62351-4 §6,
/// the T-profile), given to a [`SecurityFactory`] when a provider is made: an application-layer
/// mechanism may depend on it (IEC 62351-4 Table 1: the A-security-profile without TLS is weak).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransportSecurity {
    /// The association runs over TLS.
    pub tls: bool,
    /// The DER certificate the TLS peer authenticated with (its end-entity certificate).
    pub peer_certificate: Option<Vec<u8>>,
}

impl TransportSecurity {
    /// Plain TCP (RFC 1006 without TLS).
    pub fn plain() -> TransportSecurity {
        TransportSecurity::default()
    }
}

/// Makes one [`AssociationSecurity`] provider per association (docs/design.md principle 6): what the
/// MMS client and server runtimes take by configuration. A factory holds what associations
/// share (credentials, trust store, replay cache, the event recorder).
pub trait SecurityFactory: Send + Sync {
    /// The mechanism's name, for logs.
    fn name(&self) -> &'static str;

    /// A provider for a new association in `role` over a transport described by `transport`.
    /// An `Err` means the association cannot be secured as configured: the runtime drops the
    /// connection (server) or fails the connect (client) without sending anything.
    fn provider(
        &self,
        role: Role,
        transport: &TransportSecurity,
    ) -> Result<Box<dyn AssociationSecurity>, SecurityError>;
}

/// A certificate's subject in one line (`O=..., CN=..., 2.5.4.106=...`) for logs and
/// [`AuthenticatedPeer::subject`], from the certificate's DER (RFC 5280 §4.1.2.6) through
/// [`crate::certificate`]: short names for the common attribute types, dotted OIDs for the
/// others (such as the X.520 objectIdentifier 2.5.4.106 of IEC 62351-4 Annex G.6.2, whose
/// OBJECT IDENTIFIER value is written dotted too). Empty when `cert_der` is not a certificate.
#[cfg(feature = "x509")]
pub fn subject_line(cert_der: &[u8]) -> String {
    crate::certificate::subject_line(cert_der)
}

/// The dotted value of a certificate subject's X.520 objectIdentifier attribute (2.5.4.106,
/// the AP-title binding of IEC 62351-4 Annex G.6.2), read from the certificate's DER through
/// [`crate::certificate`]: an OBJECT IDENTIFIER value (the X.520 syntax), or a UTF8String
/// holding a dotted OID (what deployed peers use because OpenSSL cannot parse the former; spec
/// notes E-12). `None` when the attribute is absent or malformed or the octets are not a
/// certificate.
#[cfg(feature = "x509")]
pub fn subject_object_identifier(cert_der: &[u8]) -> Option<String> {
    crate::certificate::Certificate::parse(cert_der)
        .ok()?
        .subject
        .object_identifier()
}

/// The peer identity a provider authenticated (IEC 62351-4 §11.2 A-security-profile, or the
/// end-to-end handshake of §13): handed to the application once the association is up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticatedPeer {
    /// Which mechanism authenticated it (the provider's name).
    pub mechanism: &'static str,
    /// The peer's end-entity certificate, DER.
    pub certificate_der: Vec<u8>,
    /// The certificate's subject, one line (RFC 4514 style).
    pub subject: String,
    /// The subject's X.520 objectIdentifier (2.5.4.106) value, dotted, if present (the AP-title
    /// binding of IEC 62351-4 Annex G.6.2).
    pub object_identifier: Option<String>,
}

/// What an association's application-layer security amounts to, in the terms of the
/// IEC 62351-4 §5.1 per-peer levels (docs/design.md, "Per-peer policy"): what a provider
/// reports once the establishment it judged is complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ApplicationSecurity {
    /// No application-layer authentication (kernel-only, or a provider that authenticated
    /// nobody).
    None,
    /// ACSE password authentication (ISO 8650-1 mechanism 2.2.3.1): not an IEC 62351-4 level.
    Password,
    /// The IEC 62351-4 A-security-profile authenticated the peer (the level 62351-4 §5.1
    /// calls SECURE).
    AProfile,
    /// IEC 62351-4 end-to-end security is in force (END-TO-END SECURE).
    EndToEnd,
}

/// Which end of the association the provider serves (ISO 8650-1 §7.1: the requestor sends the
/// AARQ, the acceptor the AARE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Sends the AARQ (the MMS client).
    Initiator,
    /// Receives the AARQ and answers with the AARE (the MMS server).
    Responder,
}

/// What the association tells a provider at each call.
///
/// The peer's AP-title and AE-qualifier are in the AARQ / AARE the establishment hooks
/// receive (calling-/responding-AP-title and -AE-qualifier); a provider that needs them later
/// (release, abort, data phase) keeps them from there.
#[derive(Debug, Clone, Copy)]
pub struct SecurityContext<'a> {
    /// This end's role.
    pub role: Role,
    /// The presentation contexts (id, abstract syntax): proposed (initiator, before the CPA)
    /// or accepted (the defined context set, ISO 8823-1 §6.2).
    pub contexts: &'a [(u32, Oid<'static>)],
    /// The application context of the association (for MMS 1.0.9506.2.3, basic-AC).
    pub application_context: &'a Oid<'static>,
}

impl<'a> SecurityContext<'a> {
    /// A context from its parts.
    pub fn new(
        role: Role,
        contexts: &'a [(u32, Oid<'static>)],
        application_context: &'a Oid<'static>,
    ) -> SecurityContext<'a> {
        SecurityContext {
            role,
            contexts,
            application_context,
        }
    }

    /// The presentation context id of `abstract_syntax`, if it is in the set.
    pub fn context_id(&self, abstract_syntax: &Oid<'_>) -> Option<u32> {
        self.contexts
            .iter()
            .find(|(_, a)| a.as_bytes() == abstract_syntax.as_bytes())
            .map(|(id, _)| *id)
    }

    /// The abstract syntax of presentation context `id`, if it is in the set.
    pub fn abstract_syntax(&self, id: u32) -> Option<&'a Oid<'static>> {
        self.contexts.iter().find(|(i, _)| *i == id).map(|(_, a)| a)
    }
}

/// Between the event code and the rest of a [`Refusal`]'s reason.
const EVENT_SEPARATOR: &str = ": ";

/// A provider's refusal of what the peer sent. The association sends what the variant says
/// and closes; `reason` goes to the local log and to the local application (in
/// `AssociationError::SecurityRefused`), and is NEVER sent to the peer. When the provider
/// recorded a security event for the refusal, `reason` starts with its code
/// ([`Refusal::event`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// Reject the association with an AARE (X.227 §7.1.5: result rejected-permanent or
    /// rejected-transient, result-source acse-service-user with `diagnostic`). Only a responder
    /// judging an AARQ can reject; elsewhere the association turns it into an ABRT
    /// ([`Refusal::to_abrt`]).
    Reject {
        /// rejected-permanent or rejected-transient (accepted is treated as rejected-permanent).
        result: AssociateResult,
        /// The acse-service-user diagnostic (e.g. authentication-failure (13)).
        diagnostic: ServiceUserDiagnostic,
        /// User information for the AARE (e.g. an E2E HandshakeSecReject); usually empty.
        user_information: Vec<External<'static>>,
        /// Why, for the local log.
        reason: String,
    },
    /// Abort with an ABRT (X.227 §7.3: abort-source acse-service-user).
    Abort {
        /// The abort diagnostic (e.g. authentication-failure (5)); `None` for kernel-only peers.
        diagnostic: Option<AbortDiagnostic>,
        /// User information for the ABRT (e.g. an E2E DtSecAbort).
        user_information: Vec<External<'static>>,
        /// Why, for the local log.
        reason: String,
    },
}

impl Refusal {
    /// A rejected-permanent AARE with `diagnostic` and no user information.
    pub fn reject(diagnostic: ServiceUserDiagnostic, reason: impl Into<String>) -> Refusal {
        Refusal::Reject {
            result: AssociateResult::RejectedPermanent,
            diagnostic,
            user_information: Vec::new(),
            reason: reason.into(),
        }
    }

    /// An ABRT with `diagnostic` and no user information.
    pub fn abort(diagnostic: Option<AbortDiagnostic>, reason: impl Into<String>) -> Refusal {
        Refusal::Abort {
            diagnostic,
            user_information: Vec::new(),
            reason: reason.into(),
        }
    }

    /// A [`Refusal::reject`] whose reason starts with the security event code the provider
    /// recorded for it (`code: why`), so that whoever receives the refusal can name the check
    /// that failed ([`Refusal::event`]).
    pub fn reject_event(
        diagnostic: ServiceUserDiagnostic,
        code: &str,
        why: impl fmt::Display,
    ) -> Refusal {
        Refusal::reject(diagnostic, format!("{code}{EVENT_SEPARATOR}{why}"))
    }

    /// A [`Refusal::abort`] whose reason starts with the security event code the provider
    /// recorded for it, as [`Refusal::reject_event`].
    pub fn abort_event(
        diagnostic: Option<AbortDiagnostic>,
        code: &str,
        why: impl fmt::Display,
    ) -> Refusal {
        Refusal::abort(diagnostic, format!("{code}{EVENT_SEPARATOR}{why}"))
    }

    /// The log-only reason, whole (with the event code in front when there is one).
    pub fn reason(&self) -> &str {
        match self {
            Refusal::Reject { reason, .. } | Refusal::Abort { reason, .. } => reason,
        }
    }

    /// The security event code the provider recorded for this refusal (e.g.
    /// `a_profile.certificate_untrusted`), when the reason starts with one
    /// ([`Refusal::reject_event`], [`Refusal::abort_event`]): a run of letters, digits and
    /// `_ . : -` holding a `.`, then `": "`.
    pub fn event(&self) -> Option<&str> {
        let (code, _) = self.reason().split_once(EVENT_SEPARATOR)?;
        let well_formed = !code.is_empty()
            && code.contains('.')
            && code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-'));
        well_formed.then_some(code)
    }

    /// The reason without the event code in front ([`Refusal::event`]).
    pub fn detail(&self) -> &str {
        match self.event() {
            Some(code) => self
                .reason()
                .get(code.len() + EVENT_SEPARATOR.len()..)
                .unwrap_or_default(),
            None => self.reason(),
        }
    }

    /// The rejecting AARE for a [`Refusal::Reject`] (`None` for an abort).
    pub fn to_aare(&self, application_context: &Oid<'_>) -> Option<Aare<'static>> {
        match self {
            Refusal::Reject {
                result,
                diagnostic,
                user_information,
                ..
            } => {
                let result = if result.is_accepted() {
                    AssociateResult::RejectedPermanent
                } else {
                    *result
                };
                let mut aare = Aare::rejected(application_context.to_owned(), result, *diagnostic);
                aare.user_information = user_information.clone();
                Some(aare)
            }
            Refusal::Abort { .. } => None,
        }
    }

    /// The ABRT that carries this refusal: abort-source acse-service-user; for a
    /// [`Refusal::Reject`] the diagnostic is mapped with [`AbortDiagnostic::from_service_user`].
    pub fn to_abrt(&self) -> Abrt<'static> {
        match self {
            Refusal::Reject {
                diagnostic,
                user_information,
                ..
            } => Abrt {
                source: AbortSource::ServiceUser,
                diagnostic: Some(AbortDiagnostic::from_service_user(*diagnostic)),
                user_information: user_information.clone(),
            },
            Refusal::Abort {
                diagnostic,
                user_information,
                ..
            } => Abrt {
                source: AbortSource::ServiceUser,
                diagnostic: *diagnostic,
                user_information: user_information.clone(),
            },
        }
    }
}

impl fmt::Display for Refusal {
    /// For the local log: the response and the reason.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Reject {
                result,
                diagnostic,
                reason,
                ..
            } => write!(f, "reject ({result}, {diagnostic}): {reason}"),
            Refusal::Abort {
                diagnostic: Some(d),
                reason,
                ..
            } => write!(f, "abort ({d}): {reason}"),
            Refusal::Abort {
                diagnostic: None,
                reason,
                ..
            } => write!(f, "abort: {reason}"),
        }
    }
}

/// A local failure of a provider (nothing the peer did): the association aborts with
/// [`SecurityError::abrt`]. The cause is kept as data; no type of the cryptographic library
/// behind a provider appears here (it is behind [`std::error::Error`]).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum SecurityError {
    /// A credential the provider needs is not configured or not usable (key, certificate,
    /// password).
    #[error("missing or unusable credential: {0}")]
    MissingCredential(&'static str),
    /// What the provider has to send does not fit a limit (e.g. its certificate, or an AARQ
    /// over the session CONNECT user-data limit of ISO 8327-1 §8.3.1).
    #[error("{what} takes {size} octets, over the {limit}-octet limit")]
    TooLarge {
        /// What did not fit.
        what: &'static str,
        /// Its size, in octets (an estimate where the encoding is not finished).
        size: usize,
        /// The limit, in octets.
        limit: usize,
    },
    /// A cryptographic operation failed locally (signing, encryption, key derivation, random
    /// numbers).
    #[error("cryptographic operation failed: {operation}{}", crypto_cause(.source))]
    Crypto {
        /// Which operation.
        operation: &'static str,
        /// The library's error, when it gave one.
        #[source]
        source: Option<std::sync::Arc<dyn std::error::Error + Send + Sync + 'static>>,
    },
    /// The provider was asked for something its configuration or state forbids (e.g. data
    /// before the handshake completed, a role it is not configured for, a counter that ran
    /// out); names what.
    #[error("not allowed by the security policy or state: {0}")]
    Policy(&'static str),
    /// P-DATA to protect on a presentation context the provider does not protect
    /// (ISO 8823-1 §7.4: the context id given).
    #[error("P-DATA on presentation context {0}, which the security provider does not protect")]
    UnprotectedContext(u32),
}

/// The `: cause` suffix of [`SecurityError::Crypto`]'s message.
fn crypto_cause(
    source: &Option<std::sync::Arc<dyn std::error::Error + Send + Sync + 'static>>,
) -> String {
    source
        .as_ref()
        .map(|e| format!(": {e}"))
        .unwrap_or_default()
}

impl PartialEq for SecurityError {
    /// Equal variants with equal data; two crypto failures are equal when they name the same
    /// operation and causes with the same message (the cause's type is not comparable).
    fn eq(&self, other: &Self) -> bool {
        use SecurityError as E;
        match (self, other) {
            (E::MissingCredential(a), E::MissingCredential(b)) => a == b,
            (
                E::TooLarge {
                    what: a,
                    size: b,
                    limit: c,
                },
                E::TooLarge {
                    what: x,
                    size: y,
                    limit: z,
                },
            ) => (a, b, c) == (x, y, z),
            (
                E::Crypto {
                    operation: a,
                    source: s,
                },
                E::Crypto {
                    operation: b,
                    source: t,
                },
            ) => a == b && s.as_ref().map(|e| e.to_string()) == t.as_ref().map(|e| e.to_string()),
            (E::Policy(a), E::Policy(b)) => a == b,
            (E::UnprotectedContext(a), E::UnprotectedContext(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for SecurityError {}

impl SecurityError {
    /// A [`SecurityError::Crypto`] for `operation`, keeping the library's error as its source.
    pub fn crypto(
        operation: &'static str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> SecurityError {
        SecurityError::Crypto {
            operation,
            source: Some(std::sync::Arc::new(source)),
        }
    }

    /// The ABRT sent when a provider fails locally: abort-source acse-service-user,
    /// abort-diagnostic no-reason-given (a local failure is not the peer's to know).
    pub fn abrt(&self) -> Abrt<'static> {
        Abrt {
            source: AbortSource::ServiceUser,
            diagnostic: Some(AbortDiagnostic::NoReasonGiven),
            user_information: Vec::new(),
        }
    }
}

/// An association-security provider. One instance serves one association (it may keep
/// state between calls). See the module documentation for how the password mechanism, the
/// IEC 62351-4 A-security-profile and IEC 62351-4 end-to-end security use each method.
///
/// Call order (initiator): `abstract_syntaxes`, `on_send_aarq`, `on_receive_aare`, then
/// `protect` / `unprotect` per P-DATA, then `on_send_release` + `on_receive_release` (or the
/// reverse), or `on_send_abort` / `on_receive_abort` at any time. Responder:
/// `abstract_syntaxes`, `on_receive_aarq`, `on_send_aare` (for an accepting and for a
/// rejecting AARE), then the same.
pub trait AssociationSecurity: Send {
    /// The provider's name, for logs and errors.
    fn name(&self) -> &'static str;

    /// Abstract syntaxes the provider needs in the defined context set (ISO 8823-1 §6.2): the
    /// initiator proposes them, the responder accepts them when proposed.
    fn abstract_syntaxes(&self) -> Vec<Oid<'static>> {
        Vec::new()
    }

    /// Initiator, before sending: add to or rewrite the AARQ, which already holds the
    /// application's user information.
    fn on_send_aarq(
        &mut self,
        ctx: &SecurityContext<'_>,
        aarq: &mut Aarq<'static>,
    ) -> Result<(), SecurityError>;

    /// Responder: judge the AARQ. `Ok(None)`: accept and deliver the AARQ's user information
    /// to the application as it is; `Ok(Some(v))`: accept and deliver `v` instead (E2E
    /// unwrapping); `Err`: refuse as the [`Refusal`] says.
    fn on_receive_aarq(
        &mut self,
        ctx: &SecurityContext<'_>,
        aarq: &Aarq<'_>,
    ) -> Result<Option<Vec<External<'static>>>, Refusal>;

    /// Responder, before sending the AARE (accepting or rejecting): add to or rewrite it.
    fn on_send_aare(
        &mut self,
        ctx: &SecurityContext<'_>,
        aare: &mut Aare<'static>,
    ) -> Result<(), SecurityError>;

    /// Initiator: judge the AARE (accepting or rejecting), with the same contract as
    /// [`AssociationSecurity::on_receive_aarq`]; an `Err` makes the initiator abort with
    /// [`Refusal::to_abrt`].
    fn on_receive_aare(
        &mut self,
        ctx: &SecurityContext<'_>,
        aare: &Aare<'_>,
    ) -> Result<Option<Vec<External<'static>>>, Refusal>;

    /// Before sending an RLRQ or RLRE (`apdu` is one of them): add to or rewrite it.
    fn on_send_release(
        &mut self,
        ctx: &SecurityContext<'_>,
        apdu: &mut Apdu<'static>,
    ) -> Result<(), SecurityError> {
        let _ = (ctx, apdu);
        Ok(())
    }

    /// On receiving an RLRQ or RLRE: same contract as
    /// [`AssociationSecurity::on_receive_aarq`]; an `Err` aborts the association.
    fn on_receive_release(
        &mut self,
        ctx: &SecurityContext<'_>,
        apdu: &Apdu<'_>,
    ) -> Result<Option<Vec<External<'static>>>, Refusal> {
        let _ = (ctx, apdu);
        Ok(None)
    }

    /// Before sending an ABRT: add to or rewrite it (the association sends it whatever
    /// happens, so this cannot fail).
    fn on_send_abort(&mut self, ctx: &SecurityContext<'_>, abrt: &mut Abrt<'static>) {
        let _ = (ctx, abrt);
    }

    /// On receiving an ABRT (the association is over; for logging and clean-up).
    fn on_receive_abort(&mut self, ctx: &SecurityContext<'_>, abrt: &Abrt<'_>) {
        let _ = (ctx, abrt);
    }

    /// Responder, when the AARQ arrives naming `proposed`: a provider that serves several
    /// mechanisms ([`SelectingFactory`]) picks the one for it and returns the application
    /// context the association then requires (IEC 62351-4 §5.2). `None` (the default) keeps
    /// the configured one.
    fn select_application_context(&mut self, proposed: &Oid<'_>) -> Option<Oid<'static>> {
        let _ = proposed;
        None
    }

    /// The application context this provider's associations use instead of the configured one
    /// (IEC 62351-4 §15, F-1152: native mode proposes and requires e2eMmsAC); `None` keeps
    /// [`crate::association::AssociationConfig::application_context`].
    fn application_context(&self) -> Option<Oid<'static>> {
        None
    }

    /// The peer identity this provider authenticated, once it has (`None` for mechanisms that
    /// authenticate nobody, and before the establishment completed).
    fn authenticated_peer(&self) -> Option<AuthenticatedPeer> {
        None
    }

    /// The application-layer security this provider established, once it has (for per-peer
    /// policies, IEC 62351-4 §5.1). The default says none.
    fn application_security(&self) -> ApplicationSecurity {
        ApplicationSecurity::None
    }

    /// When the provider's timer is next due while the association is established (e.g. the
    /// periodic re-check of the peer's certificate, IEC 62351-3 §5.6.4.4); `None` (the
    /// default): no timer. [`crate::association::Association::poll_timeout`] includes it.
    fn next_timer(&self) -> Option<std::time::Instant> {
        None
    }

    /// Runs the provider's timer at `now` (called by
    /// [`crate::association::Association::handle_timeout`] once [`Self::next_timer`] has
    /// passed). `Err`: end the association with the refusal's ABRT (e.g. the peer's
    /// certificate is now revoked or expired); the association then reports
    /// [`crate::association::AssociationError::SecurityRefused`].
    fn on_timer(&mut self, _now: std::time::Instant) -> Result<(), Refusal> {
        Ok(())
    }

    /// Data phase, outgoing P-DATA value `data` on presentation context `context_id`.
    /// `Ok(None)`: send `data` unchanged (the zero-copy default); `Ok(Some(id))`: send the
    /// octets the provider wrote into `out` (cleared by the caller) on context `id` instead.
    fn protect(
        &mut self,
        context_id: u32,
        data: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<Option<u32>, SecurityError> {
        let _ = (context_id, data, out);
        Ok(None)
    }

    /// Data phase, incoming P-DATA value. `Ok(None)`: deliver unchanged; `Ok(Some(id))`:
    /// deliver the octets written into `out` as context `id`; `Err`: refuse (the association
    /// sends the ABRT the refusal describes).
    fn unprotect(
        &mut self,
        context_id: u32,
        data: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<Option<u32>, Refusal> {
        let _ = (context_id, data, out);
        Ok(None)
    }
}

/// The provider that adds nothing and accepts everything: the kernel-only association.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSecurity;

impl AssociationSecurity for NoSecurity {
    fn name(&self) -> &'static str {
        "none"
    }

    fn on_send_aarq(
        &mut self,
        _ctx: &SecurityContext<'_>,
        _aarq: &mut Aarq<'static>,
    ) -> Result<(), SecurityError> {
        Ok(())
    }

    fn on_receive_aarq(
        &mut self,
        _ctx: &SecurityContext<'_>,
        _aarq: &Aarq<'_>,
    ) -> Result<Option<Vec<External<'static>>>, Refusal> {
        Ok(None)
    }

    fn on_send_aare(
        &mut self,
        _ctx: &SecurityContext<'_>,
        _aare: &mut Aare<'static>,
    ) -> Result<(), SecurityError> {
        Ok(())
    }

    fn on_receive_aare(
        &mut self,
        _ctx: &SecurityContext<'_>,
        _aare: &Aare<'_>,
    ) -> Result<Option<Vec<External<'static>>>, Refusal> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::apdu::oids::{ACSE_ABSTRACT_SYNTAX, MMS_APPLICATION_CONTEXT};
    use crate::apdu::{parse, Diagnostic, ExternalEncoding};
    use copp::ber::oid_from_str;

    /// A toy end-to-end provider, shaped like user (c): it wraps the application's user
    /// information in an EXTERNAL on its own context and XORs data-phase values. It shows
    /// that the trait lets a provider replace user information and move data to its context.
    struct ToyE2e {
        e2e_as: Oid<'static>,
    }

    const MMS_CTX: u32 = 3;

    impl ToyE2e {
        fn wrap(&self, ctx: &SecurityContext<'_>, ui: &[External<'_>]) -> Vec<External<'static>> {
            let id = ctx.context_id(&self.e2e_as).unwrap_or(0);
            let inner = ui.first().and_then(|e| e.single_value()).unwrap_or(&[]);
            // "SecPDU" = [PRIVATE 1] { the application's value }
            let mut v = vec![0xE1, inner.len() as u8];
            v.extend_from_slice(inner);
            vec![External::single(i64::from(id), Cow::Owned(v))]
        }
        fn unwrap(ui: &[External<'_>]) -> Result<Vec<External<'static>>, Refusal> {
            let v = ui
                .first()
                .and_then(|e| e.single_value())
                .ok_or_else(|| Refusal::abort(Some(AbortDiagnostic::ProtocolError), "no SecPDU"))?;
            let inner = v.get(2..).unwrap_or(&[]).to_vec();
            Ok(vec![External::single(
                i64::from(MMS_CTX),
                Cow::Owned(inner),
            )])
        }
    }

    impl AssociationSecurity for ToyE2e {
        fn name(&self) -> &'static str {
            "toy-e2e"
        }
        fn abstract_syntaxes(&self) -> Vec<Oid<'static>> {
            vec![self.e2e_as.clone()]
        }
        fn on_send_aarq(
            &mut self,
            ctx: &SecurityContext<'_>,
            aarq: &mut Aarq<'static>,
        ) -> Result<(), SecurityError> {
            aarq.user_information = self.wrap(ctx, &aarq.user_information);
            Ok(())
        }
        fn on_receive_aarq(
            &mut self,
            _: &SecurityContext<'_>,
            aarq: &Aarq<'_>,
        ) -> Result<Option<Vec<External<'static>>>, Refusal> {
            Self::unwrap(&aarq.user_information).map(Some)
        }
        fn on_send_aare(
            &mut self,
            ctx: &SecurityContext<'_>,
            aare: &mut Aare<'static>,
        ) -> Result<(), SecurityError> {
            aare.user_information = self.wrap(ctx, &aare.user_information);
            Ok(())
        }
        fn on_receive_aare(
            &mut self,
            _: &SecurityContext<'_>,
            aare: &Aare<'_>,
        ) -> Result<Option<Vec<External<'static>>>, Refusal> {
            Self::unwrap(&aare.user_information).map(Some)
        }
        fn protect(
            &mut self,
            context_id: u32,
            data: &[u8],
            out: &mut Vec<u8>,
        ) -> Result<Option<u32>, SecurityError> {
            if context_id != MMS_CTX {
                return Err(SecurityError::UnprotectedContext(context_id));
            }
            out.extend(data.iter().map(|b| b ^ 0x5A));
            Ok(Some(5))
        }
        fn unprotect(
            &mut self,
            context_id: u32,
            data: &[u8],
            out: &mut Vec<u8>,
        ) -> Result<Option<u32>, Refusal> {
            if context_id != 5 {
                return Err(Refusal::abort(None, "clear data outside the E2E context"));
            }
            out.extend(data.iter().map(|b| b ^ 0x5A));
            Ok(Some(MMS_CTX))
        }
    }

    fn contexts() -> Vec<(u32, Oid<'static>)> {
        vec![
            (1, ACSE_ABSTRACT_SYNTAX),
            (3, oid_from_str("1.0.9506.2.1").unwrap()),
            (5, oid_from_str("1.0.62351.4.99").unwrap()),
        ]
    }

    #[test]
    fn an_e2e_style_provider_replaces_user_information_and_data() {
        let ctxs = contexts();
        let ac = MMS_APPLICATION_CONTEXT;
        let ctx = SecurityContext::new(Role::Initiator, &ctxs, &ac);
        assert_eq!(ctx.context_id(&ctxs[2].1), Some(5));
        assert_eq!(ctx.abstract_syntax(3), Some(&ctxs[1].1));
        assert_eq!(ctx.abstract_syntax(7), None);
        let mut p: Box<dyn AssociationSecurity> = Box::new(ToyE2e {
            e2e_as: ctxs[2].1.clone(),
        });
        assert_eq!(p.abstract_syntaxes(), vec![ctxs[2].1.clone()]);

        let mut aarq = Aarq::new(MMS_APPLICATION_CONTEXT);
        aarq.user_information = vec![External::single(3, Cow::Owned(vec![0xA8, 0x00]))];
        p.on_send_aarq(&ctx, &mut aarq).unwrap();
        assert_eq!(aarq.user_information[0].indirect_reference, Some(5));
        let wire = Apdu::Aarq(aarq).to_vec();

        let rctx = SecurityContext::new(Role::Responder, &ctxs, &ac);
        let Ok(Apdu::Aarq(received)) = parse(&wire) else {
            panic!("not an AARQ")
        };
        let delivered = p.on_receive_aarq(&rctx, &received).unwrap().unwrap();
        assert_eq!(delivered[0].indirect_reference, Some(3));
        assert_eq!(
            delivered[0].encoding,
            ExternalEncoding::SingleAsn1Type(Cow::Owned(vec![0xA8, 0x00]))
        );

        let mut out = Vec::new();
        assert_eq!(p.protect(3, &[1, 2], &mut out).unwrap(), Some(5));
        let mut back = Vec::new();
        assert_eq!(p.unprotect(5, &out, &mut back).unwrap(), Some(3));
        assert_eq!(back, [1, 2]);
        assert!(p.unprotect(3, &[1], &mut back).is_err());
        assert!(matches!(
            p.protect(1, &[1], &mut out),
            Err(SecurityError::UnprotectedContext(1))
        ));
    }

    #[test]
    fn defaults_change_nothing() {
        let ctxs = contexts();
        let ac = MMS_APPLICATION_CONTEXT;
        let ctx = SecurityContext::new(Role::Responder, &ctxs, &ac);
        let mut p = NoSecurity;
        assert_eq!(p.name(), "none");
        assert!(p.abstract_syntaxes().is_empty());
        let mut out = Vec::new();
        assert_eq!(p.protect(3, &[1], &mut out).unwrap(), None);
        assert_eq!(p.unprotect(3, &[1], &mut out).unwrap(), None);
        assert!(out.is_empty());
        let mut rl = Apdu::Rlrq(crate::apdu::Rlrq::normal());
        p.on_send_release(&ctx, &mut rl).unwrap();
        assert_eq!(rl.to_vec(), [0x62, 0x03, 0x80, 0x01, 0x00]);
        assert_eq!(p.on_receive_release(&ctx, &rl).unwrap(), None);
        let mut ab = Abrt::new(AbortSource::ServiceUser);
        p.on_send_abort(&ctx, &mut ab);
        assert_eq!(ab, Abrt::new(AbortSource::ServiceUser));
        let mut aare = Aare::accepted(MMS_APPLICATION_CONTEXT);
        p.on_send_aare(&ctx, &mut aare).unwrap();
        assert_eq!(aare, Aare::accepted(MMS_APPLICATION_CONTEXT));
    }

    #[test]
    fn refusal_to_apdus() {
        let r = Refusal::reject(ServiceUserDiagnostic::AuthenticationFailure, "bad password");
        assert_eq!(r.reason(), "bad password");
        let aare = r.to_aare(&MMS_APPLICATION_CONTEXT).unwrap();
        assert_eq!(aare.result, AssociateResult::RejectedPermanent);
        assert_eq!(
            aare.result_source_diagnostic,
            Diagnostic::ServiceUser(ServiceUserDiagnostic::AuthenticationFailure)
        );
        let abrt = r.to_abrt();
        assert_eq!(abrt.source, AbortSource::ServiceUser);
        assert_eq!(
            abrt.diagnostic,
            Some(AbortDiagnostic::AuthenticationFailure)
        );
        assert_eq!(
            r.to_string(),
            "reject (rejected-permanent, authentication-failure (13)): bad password"
        );

        let a = Refusal::abort(Some(AbortDiagnostic::AuthenticationFailure), "replay");
        assert!(a.to_aare(&MMS_APPLICATION_CONTEXT).is_none());
        assert_eq!(
            a.to_abrt().diagnostic,
            Some(AbortDiagnostic::AuthenticationFailure)
        );
        assert_eq!(a.to_string(), "abort (authentication-failure (5)): replay");

        // An "accepted" reject is still sent as a rejection.
        let odd = Refusal::Reject {
            result: AssociateResult::Accepted,
            diagnostic: ServiceUserDiagnostic::NoReasonGiven,
            user_information: Vec::new(),
            reason: String::new(),
        };
        assert_eq!(
            odd.to_aare(&MMS_APPLICATION_CONTEXT).unwrap().result,
            AssociateResult::RejectedPermanent
        );

        let e = SecurityError::MissingCredential("signing key");
        assert_eq!(e.abrt().diagnostic, Some(AbortDiagnostic::NoReasonGiven));
        assert_eq!(e.to_string(), "missing or unusable credential: signing key");
    }

    /// A refusal made with its event code gives the code and the rest apart; a plain reason
    /// (or one whose first words are not a code) has none.
    #[test]
    fn refusal_event_codes() {
        let r = Refusal::abort_event(
            Some(AbortDiagnostic::AuthenticationFailure),
            "a_profile.certificate_untrusted",
            "unable to get local issuer certificate",
        );
        assert_eq!(r.event(), Some("a_profile.certificate_untrusted"));
        assert_eq!(r.detail(), "unable to get local issuer certificate");
        let e2e = Refusal::reject_event(
            ServiceUserDiagnostic::NoReasonGiven,
            "IEC62351-4:2.5",
            "signature",
        );
        assert_eq!(e2e.event(), Some("IEC62351-4:2.5"));
        assert_eq!(e2e.detail(), "signature");
        for plain in [
            "bad password",
            "E2E HandshakeAcc: sig bad",
            "a b.c: d",
            ".x",
        ] {
            let r = Refusal::abort(None, plain);
            assert_eq!(r.event(), None, "{plain}");
            assert_eq!(r.detail(), plain);
        }
    }

    /// A crypto failure keeps the library's error as its source, and compares by operation
    /// and message.
    #[test]
    fn crypto_errors_keep_their_cause() {
        use std::error::Error as _;
        let cause = std::io::Error::other("no entropy");
        let e = SecurityError::crypto("random numbers", cause);
        assert_eq!(
            e.source().map(|s| s.to_string()).as_deref(),
            Some("no entropy")
        );
        assert!(matches!(
            &e,
            SecurityError::Crypto {
                operation: "random numbers",
                source: Some(_)
            }
        ));
        assert_eq!(
            e,
            SecurityError::crypto("random numbers", std::io::Error::other("no entropy"))
        );
        assert_ne!(
            e,
            SecurityError::Crypto {
                operation: "random numbers",
                source: None
            }
        );
        let big = SecurityError::TooLarge {
            what: "certificate",
            size: 9000,
            limit: 8192,
        };
        assert!(big.source().is_none());
        assert_ne!(big, SecurityError::Policy("certificate"));
    }

    /// The 2.5.4.106 value in both encodings: a UTF8String holding the dotted OID (a real
    /// certificate of the test CA) and an OBJECT IDENTIFIER (the same certificate with its
    /// subject re-encoded with `der`, since openssl cannot issue one); absent attribute and
    /// truncated octets give `None`.
    #[test]
    fn subject_object_identifier_in_both_forms() {
        use cot::pki::{KeyKind, LeafSpec, Pki};
        let pki = Pki::new_root("root", KeyKind::EcP256).expect("root");
        let leaf = pki
            .issue(
                &LeafSpec::new("ied")
                    .with_key(KeyKind::EcP256)
                    .with_object_identifier("1.1.1.999.1.12"),
            )
            .expect("leaf");
        let der = leaf.cert_der().expect("der");
        assert_eq!(
            subject_object_identifier(&der).as_deref(),
            Some("1.1.1.999.1.12")
        );
        assert!(subject_line(&der).contains("2.5.4.106=1.1.1.999.1.12"));
        assert!(subject_line(&der).starts_with("O=osi-mms test PKI, CN=ied, "));
        let plain = pki
            .issue(&LeafSpec::new("plain").with_key(KeyKind::EcP256))
            .expect("plain");
        assert_eq!(
            subject_object_identifier(&plain.cert_der().expect("der")),
            None
        );
        // The X.520 form (OBJECT IDENTIFIER value), which openssl cannot parse.
        let cert = crate::certificate::tests::with_subject(
            &der,
            &crate::certificate::tests::oid_subject("ied", "1.1.1.999.1.12"),
        );
        assert!(openssl::x509::X509::from_der(&cert).is_err());
        assert_eq!(
            subject_object_identifier(&cert).as_deref(),
            Some("1.1.1.999.1.12")
        );
        assert_eq!(
            subject_line(&cert),
            "O=osi-mms test PKI, CN=ied, 2.5.4.106=1.1.1.999.1.12"
        );
        for n in 0..cert.len() {
            assert_eq!(
                subject_object_identifier(&cert[..n]),
                None,
                "truncated at {n}"
            );
        }
    }
}
