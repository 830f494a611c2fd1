//! The OSI mapping of IEC 62351-4 §15 (docs/facts.md F-1151..F-1155) and the
//! [`AssociationSecurity`] hook that carries it.
//!
//! The e2eSecurityAS presentation context is proposed next to ACSE and MMS; the AARQ carries
//! the e2eMmsAC application context and only the ACSE kernel; its user-information is ONE
//! EXTERNAL with the indirect-reference of the e2eSecurityAS context holding the HandshakeReq
//! (applData = the MMS initiate-Request); the AARE carries HandshakeAcc / ApplicationReject /
//! HandshakeSecReject the same way; aborts ride in ABRT (abort-source service-user, no
//! diagnostic); ReleaseReq / ReleaseRsp in RLRQ / RLRE; every MMS PDU in the data phase
//! becomes a ClearTransfer / EncrTransfer P-DATA on the e2eSecurityAS context.

use std::borrow::Cow;

use acse::apdu::{
    ae_title_form2, Aare, Aarq, AbortSource, Abrt, Apdu, AssociateResult, External, Oid,
    ServiceUserDiagnostic,
};
use acse::security::{
    AssociationSecurity, AuthenticatedPeer, Refusal, SecurityContext, SecurityError,
};

use super::{E2eProvider, Fail, Phase, MECHANISM};
use crate::certs::subject_object_identifier;
use crate::events::{self, Check, Group};
use crate::pdu::{self, DtDiagnostic, HandshakeDiagnostic, Kind, SecPdu};

fn group_name(g: Group) -> &'static str {
    match g {
        Group::HandshakeReq => "AARQ",
        Group::HandshakeAcc => "AARE",
        _ => "APDU",
    }
}

/// The value of the first EXTERNAL of a user-information field, copied.
fn first_value(ui: &[External<'_>]) -> Option<Vec<u8>> {
    ui.first()
        .and_then(|e| e.single_value())
        .map(<[u8]>::to_vec)
}

impl E2eProvider {
    fn learn_contexts(&mut self, ctx: &SecurityContext<'_>) {
        let e2e_as = &self.shared.config.oids.e2e_security_as;
        if let Some(id) = ctx.context_id(e2e_as) {
            self.contexts.e2e = id;
        }
        if let Some((id, _)) = ctx.contexts.iter().find(|(_, a)| {
            a.as_bytes() != e2e_as.as_bytes() && a.as_bytes() != copp::ACSE_AS.as_bytes()
        }) {
            self.contexts.user = *id;
        }
    }

    /// A SecPDU as the one EXTERNAL on the e2eSecurityAS context (F-1154): bare where the
    /// APDU allows one type only (AARQ, RLRQ, RLRE; [`pdu::Kind::bare_in_osi`]), with its
    /// CHOICE tag in the AARE and ABRT, or CHOICE-tagged everywhere with `legacy_wire`.
    fn external(&self, mut pdu: Vec<u8>) -> External<'static> {
        if !self.shared.config.legacy_wire {
            pdu::make_bare(&mut pdu);
        }
        External::single(i64::from(self.contexts.e2e), Cow::Owned(pdu))
    }

    /// The protected protocol's PDU as an EXTERNAL on its own context, for the application.
    fn user_external(&self, appl: Vec<u8>) -> External<'static> {
        External::single(i64::from(self.contexts.user), Cow::Owned(appl))
    }

    /// F-1152: native mode carries no ACSE authentication and uses e2eMmsAC.
    fn osi_kernel_check(
        &self,
        group: Group,
        mechanism: bool,
        auth_value: bool,
        requirements: bool,
        app_ctx: &Oid<'_>,
    ) -> Result<(), Fail> {
        if mechanism || auth_value || requirements {
            return Err(Fail::hs(
                group,
                Check::OsiAuthentication,
                HandshakeDiagnostic::ProtocolError,
                format!(
                    "{}: ACSE authentication fields present in native mode (F-1152)",
                    group_name(group)
                ),
            ));
        }
        if app_ctx.as_bytes() != self.shared.config.oids.e2e_mms_ac.as_bytes() {
            return Err(Fail::hs(
                group,
                Check::OsiApplicationContext,
                HandshakeDiagnostic::ProtocolError,
                format!(
                    "{}: application context {} is not e2eMmsAC",
                    group_name(group),
                    app_ctx.to_id_string()
                ),
            ));
        }
        Ok(())
    }

    /// The one EXTERNAL on the e2eSecurityAS context (F-1154), or an OSI failure.
    fn secpdu_of<'a>(&self, ui: &'a [External<'_>], group: Group) -> Result<&'a [u8], Fail> {
        let osi = |check: Check, why: &str| {
            Fail::hs(
                group,
                check,
                HandshakeDiagnostic::ProtocolError,
                format!("{}: {why}", group_name(group)),
            )
        };
        let [e] = ui else {
            return Err(osi(
                Check::OsiProtocolError,
                "user-information is not exactly one EXTERNAL",
            ));
        };
        if self.contexts.e2e == 0 || e.indirect_reference != Some(i64::from(self.contexts.e2e)) {
            return Err(osi(
                Check::OsiIndirectReference,
                "EXTERNAL indirect-reference is not the e2eSecurityAS context",
            ));
        }
        e.single_value()
            .ok_or_else(|| osi(Check::OsiProtocolError, "EXTERNAL is not single-ASN1-type"))
    }

    /// The client's assoID part of a HandshakeReq that decodes (whatever else failed), for
    /// the HandshakeSecReject that refuses it: the client binds the reject to its
    /// association and a retry within the same second is no replay.
    fn client_asso_id_of(&self, ui: &[External<'_>]) -> Option<String> {
        let bytes = ui.first()?.single_value()?;
        match pdu::decode_in(bytes, pdu::Carrier::Aarq, &self.shared.config.limits) {
            Ok(SecPdu::HandshakeReq(h))
                if pdu::valid_asso_id(h.token1.asso_id) && !h.token1.asso_id.contains(':') =>
            {
                Some(h.token1.asso_id.to_owned())
            }
            _ => None,
        }
    }

    /// Refuses the AARQ: a rejecting AARE carrying a signed HandshakeSecReject (F-1154),
    /// naming the client's assoID part when the HandshakeReq decoded.
    fn handshake_reject_refusal(&mut self, f: Fail, client_asso_id: Option<String>) -> Refusal {
        self.record(&f);
        self.close();
        if let (Phase::Closed(c), Some(id)) = (&mut self.phase, client_asso_id) {
            if c.asso_id.is_empty() {
                c.asso_id = id;
            }
        }
        let pdu = self.signed3_or_empty(Kind::HandshakeSecReject, None, f.diag);
        if let Phase::Closed(c) = &mut self.phase {
            c.pending_reject = Some(pdu.clone());
        }
        let ui = if pdu.is_empty() {
            Vec::new()
        } else {
            vec![self.external(pdu)]
        };
        Refusal::Reject {
            result: AssociateResult::RejectedPermanent,
            diagnostic: ServiceUserDiagnostic::NoReasonGiven,
            user_information: ui,
            reason: format!("E2E HandshakeReq refused: {} {}", f.name(), f.detail),
        }
    }

    /// Aborts: an ABRT carrying the signed abort SecPDU `kind` (F-1154).
    fn abort_refusal(&mut self, kind: Kind, f: Fail) -> Refusal {
        self.record(&f);
        self.close();
        let pdu = self.signed3_or_empty(kind, None, f.diag);
        let ui = if pdu.is_empty() {
            Vec::new()
        } else {
            vec![self.external(pdu)]
        };
        // The association sends this ABRT; on_send_abort sees the SecPDU already there.
        if let Phase::Closed(c) = &mut self.phase {
            c.pending_reject = None;
        }
        Refusal::Abort {
            diagnostic: None,
            user_information: ui,
            reason: format!("E2E {}: {} {}", kind.name(), f.name(), f.detail),
        }
    }

    /// The rejecting AARE (F-1154): the HandshakeSecReject made while judging the AARQ, or
    /// the protected protocol's own refusal as ApplicationReject.
    fn reject_aare(&mut self, aare: &mut Aare<'static>) -> Result<(), SecurityError> {
        let appl = first_value(&aare.user_information);
        let pending = match &mut self.phase {
            Phase::Closed(c) => c.pending_reject.take(),
            _ => None,
        };
        let pdu = match pending {
            Some(p) => p,
            None if self.contexts.e2e != 0 && matches!(self.phase, Phase::Accepting(_)) => {
                events::record(
                    &self.shared.events,
                    Group::ApplicationReject,
                    Check::RefusedByApplication,
                    "the protected protocol refused the association",
                );
                self.signed3(Kind::ApplicationReject, appl.as_deref(), None)?
            }
            None => Vec::new(),
        };
        self.close();
        aare.user_information = if pdu.is_empty() {
            Vec::new()
        } else {
            vec![self.external(pdu)]
        };
        Ok(())
    }

    /// A rejecting AARE received (F-1154): verify and log its HandshakeSecReject or
    /// ApplicationReject; deliver the protected protocol's refusal, if any.
    fn rejected_by_peer(&mut self, aare: &Aare<'_>) -> Option<Vec<External<'static>>> {
        self.close();
        let bytes = aare
            .user_information
            .first()
            .and_then(|e| e.single_value())?;
        Some(
            match pdu::decode_in(bytes, pdu::Carrier::Aare, &self.shared.config.limits) {
                Ok(SecPdu::HandshakeSecReject(s)) => {
                    let diag = s.diagnostic.map(|d| {
                        HandshakeDiagnostic::from_code(d)
                            .map_or_else(|| format!("{d}"), |x| format!("{x:?} ({d})"))
                    });
                    let _ = self.record_received(
                        &s,
                        Group::HandshakeSecReject,
                        Kind::HandshakeSecReject,
                        &format!(
                            "HandshakeSecReject diagnostic {}",
                            diag.as_deref().unwrap_or("absent")
                        ),
                    );
                    Vec::new()
                }
                Ok(SecPdu::ApplicationReject(s)) => {
                    if let Err(f) =
                        self.judge_signed3(&s, Group::ApplicationReject, Kind::ApplicationReject)
                    {
                        self.record(&f);
                        return Some(Vec::new());
                    }
                    events::record(
                        &self.shared.events,
                        Group::ApplicationReject,
                        Check::PeerRefused,
                        "ApplicationReject: the peer's protected protocol refused",
                    );
                    s.appl_data
                        .map(|a| vec![self.user_external(a.to_vec())])
                        .unwrap_or_default()
                }
                _ => Vec::new(),
            },
        )
    }
}

impl E2eProvider {
    /// Judges a received signed reject/abort PDU of `group` (3-7) and records one event: the
    /// check that failed on it (a PDU naming another association or seen before is ignored
    /// with its event), or — when it passes — what it says (no diagnostic: the peer raised an
    /// alarm; a diagnostic; the peer's protected protocol refused).
    pub(super) fn record_received(
        &self,
        s: &pdu::Signed3<'_>,
        group: Group,
        kind: Kind,
        what: &str,
    ) -> Result<(), Fail> {
        match self.judge_signed3(s, group, kind) {
            Err(mut f) => {
                f.detail = format!("{what}: {}", f.detail);
                self.record(&f);
                Err(f)
            }
            Ok(()) => {
                let check = match (group, s.diagnostic) {
                    (Group::ApplicationReject | Group::ApplAbort, _) => Check::PeerRefused,
                    (_, None) => Check::PeerAlarm,
                    (_, Some(d)) => Check::PeerDiagnostic(d),
                };
                events::record(&self.shared.events, group, check, what);
                Ok(())
            }
        }
    }
}

impl AssociationSecurity for E2eProvider {
    fn name(&self) -> &'static str {
        MECHANISM
    }

    fn abstract_syntaxes(&self) -> Vec<Oid<'static>> {
        vec![self.shared.config.oids.e2e_security_as.clone()]
    }

    fn application_context(&self) -> Option<Oid<'static>> {
        Some(self.shared.config.oids.e2e_mms_ac.clone())
    }

    fn application_security(&self) -> acse::security::ApplicationSecurity {
        if self.authenticated_peer().is_some() {
            acse::security::ApplicationSecurity::EndToEnd
        } else {
            acse::security::ApplicationSecurity::None
        }
    }

    fn authenticated_peer(&self) -> Option<AuthenticatedPeer> {
        // The responder knows the client once the HandshakeReq passed its checks (so the
        // application can decide on the association knowing who asks); the initiator once the
        // HandshakeAcc did.
        let c = match &self.phase {
            Phase::Accepting(a) => &a.peer,
            Phase::Established(e) => &e.peer,
            _ => return None,
        };
        Some(AuthenticatedPeer {
            mechanism: MECHANISM,
            certificate_der: c.der.clone(),
            subject: c.subject_line(),
            object_identifier: subject_object_identifier(&c.der),
        })
    }

    fn on_send_aarq(
        &mut self,
        ctx: &SecurityContext<'_>,
        aarq: &mut Aarq<'static>,
    ) -> Result<(), SecurityError> {
        self.learn_contexts(ctx);
        if self.contexts.e2e == 0 {
            return Err(SecurityError::Policy("e2eSecurityAS context not proposed"));
        }
        // F-1152: kernel only, e2eMmsAC.
        aarq.application_context_name = self.shared.config.oids.e2e_mms_ac.clone();
        aarq.mechanism_name = None;
        aarq.calling_authentication_value = None;
        aarq.sender_acse_requirements = None;
        let appl = first_value(&aarq.user_information);
        let (pdu, initiating) = self.start_handshake(appl.as_deref())?;
        aarq.user_information = vec![self.external(pdu)];
        // I-09 / U-15: the whole CP must fit the CONNECT user data.
        let cfg = &self.shared.config;
        let aarq_len = Apdu::Aarq(aarq.clone()).to_vec().len();
        let estimate = aarq_len + 160; // CP-type with three contexts and selectors
        if estimate > cfg.max_connect_user_data {
            return Err(SecurityError::TooLarge {
                what: "the E2E AARQ in the session CONNECT user data (ISO 8327-1 §8.3.1; IEC 62351-4 Annex G: use smaller certificates or a shorter path), about",
                size: estimate,
                limit: cfg.max_connect_user_data,
            });
        }
        self.phase = Phase::AwaitingAcc(initiating);
        Ok(())
    }

    fn on_receive_aarq(
        &mut self,
        ctx: &SecurityContext<'_>,
        aarq: &Aarq<'_>,
    ) -> Result<Option<Vec<External<'static>>>, Refusal> {
        self.learn_contexts(ctx);
        let g = Group::HandshakeReq;
        let judged = self
            .osi_kernel_check(
                g,
                aarq.mechanism_name.is_some(),
                aarq.calling_authentication_value.is_some(),
                aarq.sender_acse_requirements
                    .is_some_and(|r| r.authentication()),
                &aarq.application_context_name,
            )
            .and_then(|()| self.secpdu_of(&aarq.user_information, g))
            .and_then(|bytes| {
                let bound = match (&aarq.calling_ap_title, &aarq.calling_ae_qualifier) {
                    (Some(ap), Some(ae)) => ae_title_form2(ap, ae),
                    _ => None,
                };
                self.judge_handshake_req(bytes, &super::Binding::Osi(bound))
            });
        match judged {
            Ok((appl, accepting)) => {
                self.phase = Phase::Accepting(accepting);
                Ok(Some(vec![self.user_external(appl)]))
            }
            Err(f) => {
                let id = self.client_asso_id_of(&aarq.user_information);
                Err(self.handshake_reject_refusal(f, id))
            }
        }
    }

    fn on_send_aare(
        &mut self,
        ctx: &SecurityContext<'_>,
        aare: &mut Aare<'static>,
    ) -> Result<(), SecurityError> {
        self.learn_contexts(ctx);
        aare.application_context_name = self.shared.config.oids.e2e_mms_ac.clone();
        aare.mechanism_name = None;
        aare.responding_authentication_value = None;
        aare.responder_acse_requirements = None;
        if !aare.result.is_accepted() {
            return self.reject_aare(aare);
        }
        let accepting = match std::mem::replace(&mut self.phase, Phase::Idle) {
            Phase::Accepting(a) => a,
            other => {
                self.phase = other;
                return Err(SecurityError::Policy(
                    "AARE accept without a judged HandshakeReq",
                ));
            }
        };
        let appl = first_value(&aare.user_information);
        let (pdu, keys, salt) = match self.accept_handshake(&accepting, appl.as_deref()) {
            Ok(r) => r,
            Err(e) => {
                self.phase = Phase::Accepting(accepting);
                return Err(e);
            }
        };
        aare.user_information = vec![self.external(pdu)];
        let super::Accepting {
            asso_id,
            peer,
            mode,
            eph,
            ..
        } = *accepting;
        events::record(
            &self.shared.events,
            Group::HandshakeReq,
            Check::Established,
            &format!("assoID {asso_id} mode {mode:?}"),
        );
        // The handshake's ephemeral key is not needed again: every rekey makes a fresh one.
        let rekey = super::transfer::Rekey::Responder {
            group: eph.group(),
            pending: None,
            requested: false,
            send_changed_key: false,
        };
        drop(eph);
        let transfer =
            super::transfer::Transfer::new(mode, keys, salt, rekey, self.now(), self.syntax);
        self.phase = Phase::Established(Box::new(super::Established {
            asso_id,
            peer,
            transfer,
        }));
        self.start_recheck();
        Ok(())
    }

    fn on_receive_aare(
        &mut self,
        ctx: &SecurityContext<'_>,
        aare: &Aare<'_>,
    ) -> Result<Option<Vec<External<'static>>>, Refusal> {
        self.learn_contexts(ctx);
        if !aare.result.is_accepted() {
            return Ok(self.rejected_by_peer(aare));
        }
        let initiating = match std::mem::replace(&mut self.phase, Phase::Idle) {
            Phase::AwaitingAcc(i) => i,
            other => {
                self.phase = other;
                let f = Fail::hs(
                    Group::HandshakeAcc,
                    Check::ProtocolError,
                    HandshakeDiagnostic::ProtocolError,
                    "AARE without our HandshakeReq",
                );
                return Err(self.abort_refusal(Kind::HandshakeSecAbort, f));
            }
        };
        let g = Group::HandshakeAcc;
        let judged = self
            .osi_kernel_check(
                g,
                aare.mechanism_name.is_some(),
                aare.responding_authentication_value.is_some(),
                aare.responder_acse_requirements
                    .is_some_and(|r| r.authentication()),
                &aare.application_context_name,
            )
            .and_then(|()| self.secpdu_of(&aare.user_information, g))
            .and_then(|bytes| {
                let bound = match (&aare.responding_ap_title, &aare.responding_ae_qualifier) {
                    (Some(ap), Some(ae)) => ae_title_form2(ap, ae),
                    _ => None,
                };
                self.judge_handshake_acc(&initiating, bytes, &super::Binding::Osi(bound))
            });
        match judged {
            Ok((appl, established)) => {
                events::record(
                    &self.shared.events,
                    Group::HandshakeAcc,
                    Check::Established,
                    &format!(
                        "assoID {} mode {:?}",
                        established.asso_id,
                        Some(established.transfer.mode())
                    ),
                );
                // Our ephemeral private key is not needed again (a rekey makes a new one).
                drop(initiating);
                self.phase = Phase::Established(established);
                self.start_recheck();
                Ok(Some(vec![self.user_external(appl)]))
            }
            Err(f) => {
                self.phase = Phase::AwaitingAcc(initiating);
                Err(self.abort_refusal(Kind::HandshakeSecAbort, f))
            }
        }
    }

    fn next_timer(&self) -> Option<std::time::Instant> {
        self.recheck.as_ref().map(|r| r.deadline())
    }

    /// The periodic re-check of the peer's certificate (IEC 62351-3 §5.6.4.4): revoked
    /// ([`cot::revocation::events::REVOKED`]) or expired (the certificate event of the
    /// handshake group that judged it) ends the association with an ABRT; revocation information that
    /// cannot be had is recorded and ends nothing.
    fn on_timer(&mut self, now: std::time::Instant) -> Result<(), Refusal> {
        use cot::revocation::{events as rev, RecheckOutcome};
        let Some(r) = self.recheck.as_mut() else {
            return Ok(());
        };
        let (code, why) = match r.run(now) {
            RecheckOutcome::Revoked(d) => {
                self.shared
                    .events
                    .record(rev::REVOKED, rev::severity(rev::REVOKED), &d);
                (rev::REVOKED, d)
            }
            RecheckOutcome::Expired(d) => {
                // The certificate event of the group that judged the peer's certificate in
                // the handshake: PKCERT_ERROR of a HandshakeReq (server) or HandshakeAcc
                // (client).
                let g = match self.role {
                    acse::security::Role::Responder => Group::HandshakeReq,
                    acse::security::Role::Initiator => Group::HandshakeAcc,
                };
                events::record(&self.shared.events, g, Check::CertificateInvalid, &d);
                (events::resolve(g, Check::CertificateInvalid).code, d)
            }
            RecheckOutcome::Unavailable(code, d) => {
                self.shared.events.record(
                    code,
                    rev::severity(code),
                    &format_args!("re-check: {d}"),
                );
                return Ok(());
            }
            _ => return Ok(()),
        };
        self.recheck = None;
        Err(Refusal::abort_event(
            None,
            code,
            format!("re-check ends the association: {why}"),
        ))
    }

    fn on_send_release(
        &mut self,
        ctx: &SecurityContext<'_>,
        apdu: &mut Apdu<'static>,
    ) -> Result<(), SecurityError> {
        self.learn_contexts(ctx);
        let kind = match apdu {
            Apdu::Rlrq(_) => Kind::ReleaseReq,
            Apdu::Rlre(_) => Kind::ReleaseRsp,
            _ => return Ok(()),
        };
        let appl = first_value(apdu.user_information_mut());
        let pdu = self.signed3(kind, appl.as_deref(), None)?;
        *apdu.user_information_mut() = vec![self.external(pdu)];
        Ok(())
    }

    fn on_receive_release(
        &mut self,
        ctx: &SecurityContext<'_>,
        apdu: &Apdu<'_>,
    ) -> Result<Option<Vec<External<'static>>>, Refusal> {
        self.learn_contexts(ctx);
        let (group, want, carrier) = match apdu {
            Apdu::Rlrq(_) => (Group::ReleaseReq, Kind::ReleaseReq, pdu::Carrier::Rlrq),
            _ => (Group::ReleaseRsp, Kind::ReleaseRsp, pdu::Carrier::Rlre),
        };
        let bytes = match self.secpdu_of(apdu.user_information(), group) {
            Ok(b) => b,
            Err(f) => return Err(self.abort_refusal(Kind::ApplAbort, f)),
        };
        let proto = |why: String| {
            Fail::hs(
                group,
                Check::ProtocolError,
                HandshakeDiagnostic::ProtocolError,
                why,
            )
        };
        let s = match pdu::decode_in(bytes, carrier, &self.shared.config.limits) {
            Ok(SecPdu::ReleaseReq(s)) if want == Kind::ReleaseReq => s,
            Ok(SecPdu::ReleaseRsp(s)) if want == Kind::ReleaseRsp => s,
            Ok(o) => {
                return Err(self.abort_refusal(
                    Kind::ApplAbort,
                    proto(format!("{} in a release APDU", o.kind().name())),
                ))
            }
            Err(e) => return Err(self.abort_refusal(Kind::ApplAbort, proto(e.to_string()))),
        };
        // Signature, certificate, time, assoID binding and replay memory.
        if let Err(f) = self.judge_signed3(&s, group, want) {
            return Err(self.abort_refusal(Kind::ApplAbort, f));
        }
        Ok(Some(
            s.appl_data
                .map(|a| vec![self.user_external(a.to_vec())])
                .unwrap_or_default(),
        ))
    }

    fn on_send_abort(&mut self, ctx: &SecurityContext<'_>, abrt: &mut Abrt<'static>) {
        self.learn_contexts(ctx);
        if abrt.source != AbortSource::ServiceUser || self.contexts.e2e == 0 {
            return;
        }
        // F-1154: abort-diagnostic absent; the SecPDU says why.
        abrt.diagnostic = None;
        let already = abrt
            .user_information
            .first()
            .is_some_and(|e| e.indirect_reference == Some(i64::from(self.contexts.e2e)));
        if already {
            return;
        }
        let appl = first_value(&abrt.user_information);
        let pdu = self.signed3_or_empty(Kind::ApplAbort, appl.as_deref(), None);
        abrt.user_information = if pdu.is_empty() {
            Vec::new()
        } else {
            vec![self.external(pdu)]
        };
        self.close();
    }

    fn on_receive_abort(&mut self, ctx: &SecurityContext<'_>, abrt: &Abrt<'_>) {
        self.learn_contexts(ctx);
        self.close();
        let Some(bytes) = abrt.user_information.first().and_then(|e| e.single_value()) else {
            return;
        };
        let (group, kind, s) =
            match pdu::decode_in(bytes, pdu::Carrier::Abrt, &self.shared.config.limits) {
                Ok(SecPdu::HandshakeSecAbort(s)) => {
                    (Group::HandshakeSecAbort, Kind::HandshakeSecAbort, s)
                }
                Ok(SecPdu::DtSecAbort(s)) => (Group::DtSecAbort, Kind::DtSecAbort, s),
                Ok(SecPdu::ApplAbort(s)) => (Group::ApplAbort, Kind::ApplAbort, s),
                _ => {
                    events::record(
                        &self.shared.events,
                        Group::Osi,
                        Check::OsiProtocolError,
                        "ABRT user information is not an abort SecPDU",
                    );
                    return;
                }
            };
        let diag = match (group, s.diagnostic) {
            (_, None) => "absent".to_owned(),
            (Group::DtSecAbort, Some(d)) => DtDiagnostic::from_code(d)
                .map_or_else(|| format!("{d}"), |x| format!("{x:?} ({d})")),
            (_, Some(d)) => HandshakeDiagnostic::from_code(d)
                .map_or_else(|| format!("{d}"), |x| format!("{x:?} ({d})")),
        };
        let what = match group {
            Group::HandshakeSecAbort => "HandshakeSecAbort",
            Group::DtSecAbort => "DtSecAbort",
            _ => "ApplAbort",
        };
        let _ = self.record_received(&s, group, kind, &format!("{what} diagnostic {diag}"));
    }

    fn protect(
        &mut self,
        context_id: u32,
        data: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<Option<u32>, SecurityError> {
        let Phase::Established(est) = &mut self.phase else {
            return Err(SecurityError::Policy(
                "E2E data before the handshake completed",
            ));
        };
        if context_id != self.contexts.user {
            return Err(SecurityError::UnprotectedContext(context_id));
        }
        est.transfer
            .protect(&self.shared, &est.asso_id, data, out)?;
        Ok(Some(self.contexts.e2e))
    }

    fn unprotect(
        &mut self,
        context_id: u32,
        data: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<Option<u32>, Refusal> {
        let result = match &mut self.phase {
            Phase::Established(est) if context_id == self.contexts.e2e => {
                est.transfer
                    .unprotect(&self.shared, &est.asso_id, data, out)
            }
            _ if context_id != self.contexts.e2e => Err(Fail::dt(
                Group::Osi,
                Check::OsiPresentationContext,
                Some(DtDiagnostic::ProtocolError),
                format!(
                    "P-DATA on context {context_id}, not the e2eSecurityAS context (invalid PCI)"
                ),
            )),
            _ => Err(Fail::dt(
                Group::Osi,
                Check::OsiProtocolError,
                Some(DtDiagnostic::ProtocolError),
                format!(
                    "P-DATA on the e2eSecurityAS context in phase {}",
                    self.phase.name()
                ),
            )),
        };
        match result {
            Ok(()) => Ok(Some(self.contexts.user)),
            Err(f) => {
                out.clear();
                Err(self.abort_refusal(Kind::DtSecAbort, f))
            }
        }
    }
}
