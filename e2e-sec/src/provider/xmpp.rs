//! The XMPP mapping of IEC 62351-4 end-to-end security as a sans-IO machine per association
//! ({JID pair, assoID}, F-1206): the same core as the OSI mapping (`handshake`, `transfer`)
//! with the SecPDUs in XML ([`super::Syntax::Xml`]) and the certificate bound to the peer's
//! bare JID ([`super::Binding::Jid`], F-1207). What goes back to the peer when a check fails
//! mirrors the OSI mapping (`osi`): a HandshakeSecReject to a bad HandshakeReq, a
//! HandshakeSecAbort to a bad HandshakeAcc, a DtSecAbort in data transfer, an ApplAbort to a
//! bad release PDU; alarms carry no diagnostic (F-1141..F-1143).

use std::sync::Arc;
use std::time::Instant;

use acse::security::{
    AssociationSecurity, AuthenticatedPeer, Role, SecurityError, TransportSecurity,
};

use super::{Binding, E2eProvider, Fail, Phase, Store, Syntax};
use crate::config::E2eMode;
use crate::events::{self, Check, Group};
use crate::factory::Shared;
use crate::pdu::{self, DtDiagnostic, HandshakeDiagnostic, Kind, SecPdu};

/// What a received SecPDU amounted to, once every check passed. `appl` is the protected
/// protocol's PDU (the XER MMSpdu) as received, or decrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Received {
    /// Responder: a valid HandshakeReq; answer with [`XmppE2e::accept`] or
    /// [`XmppE2e::reject`] after the protected protocol judged `appl` (initiate-Request).
    HandshakeRequest {
        /// The initiate-Request.
        appl: Vec<u8>,
    },
    /// Initiator: a valid HandshakeAcc; the association is established.
    Accepted {
        /// The initiate-Response.
        appl: Vec<u8>,
    },
    /// Initiator: the responder's protected protocol refused (a valid ApplicationReject).
    ApplicationRejected {
        /// The protected protocol's refusal (initiate-Error), if sent.
        appl: Option<Vec<u8>>,
    },
    /// Initiator: the responder's E2E layer refused (a valid HandshakeSecReject).
    SecurityRejected {
        /// The HandshakeDiagnostics value; `None` for an alarm.
        diagnostic: Option<u32>,
    },
    /// Protected data (a valid ClearTransfer / EncrTransfer), decrypted.
    Data {
        /// The PrPDU.
        appl: Vec<u8>,
    },
    /// A valid ReleaseReq.
    ReleaseRequest {
        /// The conclude-Request, if sent.
        appl: Option<Vec<u8>>,
    },
    /// A valid ReleaseRsp: the association is over.
    ReleaseResponse {
        /// The conclude-Response, if sent.
        appl: Option<Vec<u8>>,
    },
    /// A valid abort: the association is over.
    Aborted {
        /// HandshakeSecAbort, DtSecAbort or ApplAbort.
        kind: Kind,
        /// Its diagnostic; `None` for an alarm (or an ApplAbort).
        diagnostic: Option<u32>,
        /// The protected protocol's abort data, if sent.
        appl: Option<Vec<u8>>,
    },
}

/// A received SecPDU that failed a check: the event recorded, and the SecPDU IEC 62351-4
/// prescribes to send back, if any (send it in the stanza [`crate::xmpp::check_stanza`]
/// allows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judged {
    /// The security event code recorded (an IEC 62351-14 identifier or an `e2e.*` code).
    pub event: String,
    /// What failed, for the local log.
    pub detail: String,
    /// The SecPDU to send back (HandshakeSecReject, HandshakeSecAbort, DtSecAbort, ApplAbort).
    pub reply: Option<Vec<u8>>,
}

impl std::fmt::Display for Judged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.event, self.detail)
    }
}

impl std::error::Error for Judged {}

/// One end-to-end association in the XMPP environment, sans IO: SecPDU elements in and out
/// (wrap them with [`crate::xmpp::envelope`]). Made by
/// [`crate::E2eFactory::xmpp_association`].
pub struct XmppE2e {
    p: E2eProvider,
    local_jid: String,
    peer_jid: String,
}

impl std::fmt::Debug for XmppE2e {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XmppE2e")
            .field("local_jid", &self.local_jid)
            .field("peer_jid", &self.peer_jid)
            .field("provider", &self.p)
            .finish()
    }
}

impl XmppE2e {
    pub(crate) fn new(shared: Arc<Shared>, role: Role, local_jid: &str, peer_jid: &str) -> Self {
        let mut p = E2eProvider::new(shared, role, &TransportSecurity::plain());
        p.syntax = Syntax::Xml;
        XmppE2e {
            p,
            local_jid: local_jid.to_owned(),
            peer_jid: peer_jid.to_owned(),
        }
    }

    /// Our bare JID.
    pub fn local_jid(&self) -> &str {
        &self.local_jid
    }

    /// The peer's bare JID (its certificate's 2.5.4.105 must be this, F-1207).
    pub fn peer_jid(&self) -> &str {
        &self.peer_jid
    }

    /// The association identifier (U-06) once known: the initiator's part after
    /// [`XmppE2e::handshake_request`], `client:server` once accepted.
    pub fn asso_id(&self) -> Option<&str> {
        Some(self.p.asso_id()).filter(|a| !a.is_empty())
    }

    /// The data-transfer mode agreed in the handshake.
    pub fn mode(&self) -> Option<E2eMode> {
        self.p.mode()
    }

    /// True in the data phase.
    pub fn is_established(&self) -> bool {
        matches!(self.p.phase, Phase::Established(_))
    }

    /// True after a reject, an abort, a completed release or a link outage.
    pub fn is_closed(&self) -> bool {
        matches!(self.p.phase, Phase::Closed(_))
    }

    /// The peer the handshake authenticated (responder: once the HandshakeReq passed).
    pub fn authenticated_peer(&self) -> Option<AuthenticatedPeer> {
        self.p.authenticated_peer()
    }

    /// Initiator: the HandshakeReq element carrying `initiate_xer` (the XER
    /// initiate-RequestPDU), to send in an iq set (F-1111).
    pub fn handshake_request(&mut self, initiate_xer: &[u8]) -> Result<Vec<u8>, SecurityError> {
        if self.p.role != Role::Initiator || !matches!(self.p.phase, Phase::Idle) {
            return Err(SecurityError::Policy(
                "HandshakeReq: only an idle initiator sends one",
            ));
        }
        let (pdu, init) = self.p.start_handshake(Some(initiate_xer))?;
        self.p.phase = Phase::AwaitingAcc(init);
        Ok(pdu)
    }

    /// Responder: the HandshakeAcc element carrying `response_xer` (the XER
    /// initiate-ResponsePDU) for the HandshakeReq judged by [`XmppE2e::receive`], to send in
    /// the iq result (F-1112). The association is established.
    pub fn accept(&mut self, response_xer: &[u8]) -> Result<Vec<u8>, SecurityError> {
        let accepting = match std::mem::replace(&mut self.p.phase, Phase::Idle) {
            Phase::Accepting(a) => a,
            other => {
                self.p.phase = other;
                return Err(SecurityError::Policy(
                    "HandshakeAcc without a judged HandshakeReq",
                ));
            }
        };
        let (pdu, keys, salt) = match self.p.accept_handshake(&accepting, Some(response_xer)) {
            Ok(r) => r,
            Err(e) => {
                self.p.phase = Phase::Accepting(accepting);
                return Err(e);
            }
        };
        let super::Accepting {
            asso_id,
            peer,
            mode,
            eph,
            ..
        } = *accepting;
        events::record(
            &self.p.shared.events,
            Group::HandshakeReq,
            Check::Established,
            &format!("assoID {asso_id} mode {mode:?} peer {}", self.peer_jid),
        );
        let rekey = super::transfer::Rekey::Responder {
            group: eph.group(),
            pending: None,
            requested: false,
            send_changed_key: false,
        };
        drop(eph);
        let transfer =
            super::transfer::Transfer::new(mode, keys, salt, rekey, self.p.now(), Syntax::Xml);
        self.p.phase = Phase::Established(Box::new(super::Established {
            asso_id,
            peer,
            transfer,
        }));
        self.p.start_recheck();
        Ok(pdu)
    }

    /// Responder: the protected protocol refused the judged HandshakeReq; the
    /// ApplicationReject element carrying `error_xer` (initiate-ErrorPDU), to send in the iq
    /// result (F-1114).
    pub fn reject(&mut self, error_xer: Option<&[u8]>) -> Result<Vec<u8>, SecurityError> {
        if !matches!(self.p.phase, Phase::Accepting(_)) {
            return Err(SecurityError::Policy(
                "ApplicationReject without a judged HandshakeReq",
            ));
        }
        events::record(
            &self.p.shared.events,
            Group::ApplicationReject,
            Check::RefusedByApplication,
            "the protected protocol refused the association",
        );
        let pdu = self.p.signed3(Kind::ApplicationReject, error_xer, None)?;
        self.p.close();
        Ok(pdu)
    }

    /// The ClearTransfer / EncrTransfer element of `appl` (the XER PrPDU) in the agreed mode
    /// (F-1131..F-1133), with the rekey fields when due (U-11).
    pub fn protect(&mut self, appl: &[u8]) -> Result<Vec<u8>, SecurityError> {
        let Phase::Established(est) = &mut self.p.phase else {
            return Err(SecurityError::Policy(
                "E2E data before the handshake completed",
            ));
        };
        let mut out = Vec::with_capacity(2 * appl.len() + 512);
        est.transfer
            .protect(&self.p.shared, &est.asso_id, appl, &mut out)?;
        Ok(out)
    }

    /// The ReleaseReq element carrying `appl` (conclude-Request), to send in an iq set.
    pub fn release_request(&mut self, appl: Option<&[u8]>) -> Result<Vec<u8>, SecurityError> {
        if !self.is_established() {
            return Err(SecurityError::Policy(
                "release before the handshake completed",
            ));
        }
        self.p.signed3(Kind::ReleaseReq, appl, None)
    }

    /// The ReleaseRsp element carrying `appl` (conclude-Response), to send in the iq result;
    /// the association is over.
    pub fn release_response(&mut self, appl: Option<&[u8]>) -> Result<Vec<u8>, SecurityError> {
        if !self.is_established() {
            return Err(SecurityError::Policy(
                "release before the handshake completed",
            ));
        }
        let pdu = self.p.signed3(Kind::ReleaseRsp, appl, None)?;
        self.p.close();
        Ok(pdu)
    }

    /// The ApplAbort element carrying `appl` (the protected protocol aborts), to send in a
    /// message; the association is over. Empty when signing fails locally (logged).
    pub fn abort(&mut self, appl: Option<&[u8]>) -> Vec<u8> {
        let pdu = self.p.signed3_or_empty(Kind::ApplAbort, appl, None);
        self.p.close();
        pdu
    }

    /// The link or the peer's presence is gone: the association ends without a SecPDU
    /// (F-1206).
    pub fn link_lost(&mut self) {
        self.p.close();
    }

    /// When [`XmppE2e::handle_timeout`] wants to run next (the periodic re-check of the peer's
    /// certificate, with a revocation checker configured).
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.p.next_timer()
    }

    /// Runs what is due at `now`: a revoked or expired peer certificate ends the association
    /// (recorded; the application aborts with [`XmppE2e::abort`] or drops the contexts).
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), Judged> {
        match self.p.on_timer(now) {
            Ok(()) => Ok(()),
            Err(r) => {
                self.p.close();
                Err(Judged {
                    event: r.event().unwrap_or_default().to_owned(),
                    detail: r.reason().to_owned(),
                    reply: None,
                })
            }
        }
    }

    /// Judges the payload of one received stanza of type `stanza`: opens the ENV_4 envelope
    /// and checks the stanza rule (F-1201; a violation is recorded with its group-18 event and
    /// nothing goes back but the caller's stanza or stream error,
    /// [`crate::xmpp::XmppViolation::is_stream_error`]), then [`XmppE2e::receive`]s the
    /// SecPDU. The envelope's `assoID` is what the caller routed the stanza by; the SecPDU's
    /// own assoID is judged by the E2E checks.
    pub fn receive_stanza(
        &mut self,
        stanza: crate::xmpp::StanzaType,
        payload: &[u8],
        now: Instant,
    ) -> Result<Received, Judged> {
        let violation = |v: crate::xmpp::XmppViolation, me: &XmppE2e| {
            v.record(&me.p.shared.events, stanza);
            Judged {
                event: v.event(stanza).code.to_owned(),
                detail: v.to_string(),
                reply: None,
            }
        };
        let env = crate::xmpp::open_envelope(payload).map_err(|v| violation(v, self))?;
        crate::xmpp::check_stanza(env.kind, stanza).map_err(|v| violation(v, self))?;
        self.receive(env.secpdu, now)
    }

    /// Judges one received SecPDU element (the [`crate::xmpp::Envelope::secpdu`] octets) with
    /// every check of the OSI mapping, in the same order (U-14). `now` drives a due
    /// certificate re-check first.
    pub fn receive(&mut self, secpdu: &[u8], now: Instant) -> Result<Received, Judged> {
        if self.p.next_timer().is_some_and(|d| now >= d) {
            self.handle_timeout(now)?;
        }
        let Some(kind) = pdu::xml::kind_of(secpdu) else {
            let f = self.phase_fail("not a SecPDU element".to_owned());
            return Err(self.refuse(f));
        };
        match kind {
            Kind::HandshakeReq => self.on_handshake_req(secpdu),
            Kind::HandshakeAcc => self.on_handshake_acc(secpdu),
            Kind::ApplicationReject | Kind::HandshakeSecReject => self.on_rejected(kind, secpdu),
            Kind::HandshakeSecAbort | Kind::DtSecAbort | Kind::ApplAbort => {
                self.on_abort(kind, secpdu)
            }
            Kind::ClearTransfer | Kind::EncrTransfer => self.on_data(secpdu),
            Kind::ReleaseReq | Kind::ReleaseRsp => self.on_release(kind, secpdu),
        }
    }

    // -------------------------------------------------------------------------------------

    fn judged(f: &Fail, reply: Option<Vec<u8>>) -> Judged {
        Judged {
            event: events::resolve(f.group, f.check).code.to_owned(),
            detail: format!("{} {}", f.name(), f.detail),
            reply: reply.filter(|r| !r.is_empty()),
        }
    }

    /// A protocol error of the phase we are in (what a SecPDU out of place is).
    fn phase_fail(&self, why: String) -> Fail {
        match &self.p.phase {
            Phase::Idle if self.p.role == Role::Responder => Fail::hs(
                Group::HandshakeReq,
                Check::ProtocolError,
                HandshakeDiagnostic::ProtocolError,
                why,
            ),
            Phase::Idle | Phase::AwaitingAcc(_) => Fail::hs(
                Group::HandshakeAcc,
                Check::ProtocolError,
                HandshakeDiagnostic::ProtocolError,
                why,
            ),
            _ => Fail::dt(
                Group::ClearTransfer,
                Check::ProtocolError,
                Some(DtDiagnostic::ProtocolError),
                why,
            ),
        }
    }

    /// Records `f`, ends the association and makes the reply the phase prescribes: a
    /// HandshakeSecReject (responder before accepting), a HandshakeSecAbort (initiator
    /// awaiting the HandshakeAcc), a DtSecAbort (data phase), none otherwise.
    fn refuse(&mut self, f: Fail) -> Judged {
        let kind = match &self.p.phase {
            Phase::Idle if self.p.role == Role::Responder => Some(Kind::HandshakeSecReject),
            Phase::AwaitingAcc(_) => Some(Kind::HandshakeSecAbort),
            Phase::Established(_) => Some(Kind::DtSecAbort),
            _ => None,
        };
        self.p.record(&f);
        self.p.close();
        let reply = kind.map(|k| self.p.signed3_or_empty(k, None, f.diag));
        Self::judged(&f, reply)
    }

    fn on_handshake_req(&mut self, bytes: &[u8]) -> Result<Received, Judged> {
        if self.p.role != Role::Responder || !matches!(self.p.phase, Phase::Idle) {
            let f = self.phase_fail(format!(
                "HandshakeReq in phase {} as {:?}",
                self.p.phase.name(),
                self.p.role
            ));
            return Err(self.refuse(f));
        }
        let bound = Binding::Jid(self.peer_jid.clone());
        match self.p.judge_handshake_req(bytes, &bound) {
            Ok((appl, accepting)) => {
                self.p.phase = Phase::Accepting(accepting);
                Ok(Received::HandshakeRequest { appl })
            }
            Err(f) => {
                // The client's assoID part, when the HandshakeReq decodes, names the reject.
                let client = {
                    let mut store = Store::default();
                    match self.p.decode(bytes, pdu::Carrier::Aarq, &mut store) {
                        Ok(SecPdu::HandshakeReq(h))
                            if pdu::valid_asso_id(h.token1.asso_id)
                                && !h.token1.asso_id.contains(':') =>
                        {
                            Some(h.token1.asso_id.to_owned())
                        }
                        _ => None,
                    }
                };
                self.p.record(&f);
                self.p.close();
                if let (Phase::Closed(c), Some(id)) = (&mut self.p.phase, client) {
                    if c.asso_id.is_empty() {
                        c.asso_id = id;
                    }
                }
                let reply = self
                    .p
                    .signed3_or_empty(Kind::HandshakeSecReject, None, f.diag);
                Err(Self::judged(&f, Some(reply)))
            }
        }
    }

    fn on_handshake_acc(&mut self, bytes: &[u8]) -> Result<Received, Judged> {
        let init = match std::mem::replace(&mut self.p.phase, Phase::Idle) {
            Phase::AwaitingAcc(i) => i,
            other => {
                self.p.phase = other;
                let f = Fail::hs(
                    Group::HandshakeAcc,
                    Check::ProtocolError,
                    HandshakeDiagnostic::ProtocolError,
                    "HandshakeAcc without our HandshakeReq",
                );
                self.p.record(&f);
                return Err(Self::judged(&f, None));
            }
        };
        let bound = Binding::Jid(self.peer_jid.clone());
        match self.p.judge_handshake_acc(&init, bytes, &bound) {
            Ok((appl, established)) => {
                events::record(
                    &self.p.shared.events,
                    Group::HandshakeAcc,
                    Check::Established,
                    &format!(
                        "assoID {} mode {:?} peer {}",
                        established.asso_id,
                        established.transfer.mode(),
                        self.peer_jid
                    ),
                );
                drop(init);
                self.p.phase = Phase::Established(established);
                self.p.start_recheck();
                Ok(Received::Accepted { appl })
            }
            Err(f) => {
                self.p.phase = Phase::AwaitingAcc(init);
                Err(self.refuse(f))
            }
        }
    }

    fn on_rejected(&mut self, kind: Kind, bytes: &[u8]) -> Result<Received, Judged> {
        if !matches!(self.p.phase, Phase::AwaitingAcc(_)) {
            let f = self.phase_fail(format!("{} out of place", kind.name()));
            self.p.record(&f);
            return Err(Self::judged(&f, None));
        }
        self.p.close();
        let group = if kind == Kind::ApplicationReject {
            Group::ApplicationReject
        } else {
            Group::HandshakeSecReject
        };
        let mut store = Store::default();
        let s = match self.p.decode(bytes, pdu::Carrier::Aare, &mut store) {
            Ok(SecPdu::ApplicationReject(s) | SecPdu::HandshakeSecReject(s)) => s,
            Ok(_) | Err(_) => {
                let f = Fail::hs(
                    group,
                    Check::ProtocolError,
                    HandshakeDiagnostic::ProtocolError,
                    format!("{} does not decode", kind.name()),
                );
                self.p.record(&f);
                return Err(Self::judged(&f, None));
            }
        };
        if kind == Kind::ApplicationReject {
            if let Err(f) = self.p.judge_signed3(&s, group, kind) {
                self.p.record(&f);
                return Err(Self::judged(&f, None));
            }
            events::record(
                &self.p.shared.events,
                group,
                Check::PeerRefused,
                "ApplicationReject: the peer's protected protocol refused",
            );
            return Ok(Received::ApplicationRejected {
                appl: s.appl_data.map(<[u8]>::to_vec),
            });
        }
        let diag = s.diagnostic.map(|d| {
            HandshakeDiagnostic::from_code(d)
                .map_or_else(|| format!("{d}"), |x| format!("{x:?} ({d})"))
        });
        self.p
            .record_received(
                &s,
                group,
                kind,
                &format!(
                    "HandshakeSecReject diagnostic {}",
                    diag.as_deref().unwrap_or("absent")
                ),
            )
            .map_err(|f| Self::judged(&f, None))?;
        Ok(Received::SecurityRejected {
            diagnostic: s.diagnostic,
        })
    }

    fn on_abort(&mut self, kind: Kind, bytes: &[u8]) -> Result<Received, Judged> {
        self.p.close();
        let group = match kind {
            Kind::HandshakeSecAbort => Group::HandshakeSecAbort,
            Kind::DtSecAbort => Group::DtSecAbort,
            _ => Group::ApplAbort,
        };
        let mut store = Store::default();
        let s = match self.p.decode(bytes, pdu::Carrier::Abrt, &mut store) {
            Ok(SecPdu::HandshakeSecAbort(s) | SecPdu::DtSecAbort(s) | SecPdu::ApplAbort(s)) => s,
            Ok(_) | Err(_) => {
                let f = Fail::hs(
                    group,
                    Check::ProtocolError,
                    HandshakeDiagnostic::ProtocolError,
                    format!("{} does not decode", kind.name()),
                );
                self.p.record(&f);
                return Err(Self::judged(&f, None));
            }
        };
        let diag = match (group, s.diagnostic) {
            (_, None) => "absent".to_owned(),
            (Group::DtSecAbort, Some(d)) => DtDiagnostic::from_code(d)
                .map_or_else(|| format!("{d}"), |x| format!("{x:?} ({d})")),
            (_, Some(d)) => HandshakeDiagnostic::from_code(d)
                .map_or_else(|| format!("{d}"), |x| format!("{x:?} ({d})")),
        };
        self.p
            .record_received(
                &s,
                group,
                kind,
                &format!("{} diagnostic {diag}", kind.name()),
            )
            .map_err(|f| Self::judged(&f, None))?;
        Ok(Received::Aborted {
            kind,
            diagnostic: s.diagnostic,
            appl: s.appl_data.map(<[u8]>::to_vec),
        })
    }

    fn on_data(&mut self, bytes: &[u8]) -> Result<Received, Judged> {
        let mut out = Vec::new();
        let result = match &mut self.p.phase {
            Phase::Established(est) => {
                est.transfer
                    .unprotect(&self.p.shared, &est.asso_id, bytes, &mut out)
            }
            _ => Err(self.phase_fail(format!("transfer PDU in phase {}", self.p.phase.name()))),
        };
        match result {
            Ok(()) => Ok(Received::Data { appl: out }),
            Err(f) => {
                out.clear();
                Err(self.refuse(f))
            }
        }
    }

    fn on_release(&mut self, kind: Kind, bytes: &[u8]) -> Result<Received, Judged> {
        let (group, carrier) = if kind == Kind::ReleaseReq {
            (Group::ReleaseReq, pdu::Carrier::Rlrq)
        } else {
            (Group::ReleaseRsp, pdu::Carrier::Rlre)
        };
        let proto = |why: String| {
            Fail::hs(
                group,
                Check::ProtocolError,
                HandshakeDiagnostic::ProtocolError,
                why,
            )
        };
        let abort = |me: &mut XmppE2e, f: Fail| -> Judged {
            me.p.record(&f);
            me.p.close();
            let reply = me.p.signed3_or_empty(Kind::ApplAbort, None, f.diag);
            Self::judged(&f, Some(reply))
        };
        if !self.is_established() {
            let f = proto(format!("{} in phase {}", kind.name(), self.p.phase.name()));
            return Err(abort(self, f));
        }
        let mut store = Store::default();
        let decoded = self.p.decode(bytes, carrier, &mut store);
        let s = match decoded {
            Ok(SecPdu::ReleaseReq(s)) if kind == Kind::ReleaseReq => s,
            Ok(SecPdu::ReleaseRsp(s)) if kind == Kind::ReleaseRsp => s,
            Ok(o) => {
                let f = proto(format!(
                    "{} where {} was expected",
                    o.kind().name(),
                    kind.name()
                ));
                return Err(abort(self, f));
            }
            Err(e) => {
                let f = proto(e.to_string());
                return Err(abort(self, f));
            }
        };
        if let Err(f) = self.p.judge_signed3(&s, group, kind) {
            return Err(abort(self, f));
        }
        let appl = s.appl_data.map(<[u8]>::to_vec);
        if kind == Kind::ReleaseRsp {
            self.p.close();
            Ok(Received::ReleaseResponse { appl })
        } else {
            Ok(Received::ReleaseRequest { appl })
        }
    }
}
