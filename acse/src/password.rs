//! ACSE password authentication: the authentication functional unit of ISO 8650-1 / X.227
//! (§7.1.1, fields sender-acse-requirements, mechanism-name, calling-authentication-value) with
//! the password mechanism {joint-iso-itu-t(2) association-control(2) authentication-mechanism(3)
//! password-1(1)} = 2.2.3.1 (docs/facts.md F-610; the only mechanism the open MMS stacks implement,
//! field notes §4.2 item 6).
//!
//! On the wire (AARQ): `8A 02 07 80` (authentication), `8B 03 52 03 01` (mechanism 2.2.3.1),
//! `AC L 80 L <password>` (charstring). An accepting AARE echoes `88 02 07 80` and
//! `89 03 52 03 01`.
//!
//! # Secrets
//! * The password is compared with `openssl::memcmp::eq` (CRYPTO_memcmp), whose time does not
//!   depend on where the octets differ. It needs equal lengths, so the lengths are compared
//!   first: the comparison leaks whether the length matches, and nothing more.
//! * The configured password is overwritten with zeros when the provider is dropped (best
//!   effort without `unsafe`: `std::hint::black_box` keeps the writes). The copy placed in an
//!   outgoing AARQ belongs to that AARQ and is not zeroed; a received password lives in the
//!   receive buffer of the layers below.
//! * Passwords never appear in logs, errors, refusal reasons or `Debug` output.

use std::borrow::Cow;
use std::fmt;

use crate::apdu::oids::PASSWORD_MECHANISM;
use crate::apdu::{Aare, Aarq, AuthenticationValue, External, ServiceUserDiagnostic};
use crate::security::{
    AssociationSecurity, Refusal, Role, SecurityContext, SecurityError, SecurityFactory,
    TransportSecurity, SECURITY_LOG_TARGET,
};

/// The security event recorded when the responder refuses an AARQ; a refusal's reason starts
/// with it ([`Refusal::event`]).
pub const REFUSED_EVENT: &str = "acse.password.refused";

/// Octets overwritten with zeros on drop.
struct Secret(Vec<u8>);

impl Secret {
    /// Overwrites every octet, including the spare capacity, with zeros.
    fn wipe(&mut self) {
        // Zero the spare capacity too (resize within capacity does not reallocate).
        let cap = self.0.capacity();
        self.0.resize(cap, 0);
        for b in self.0.iter_mut() {
            *b = 0;
        }
        std::hint::black_box(&mut self.0);
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.wipe();
    }
}

/// Compares a received password with the expected one: lengths first (the only thing the
/// timing reveals), then `CRYPTO_memcmp` in constant time.
fn password_matches(received: &[u8], expected: &[u8]) -> bool {
    received.len() == expected.len() && openssl::memcmp::eq(received, expected)
}

/// ACSE password authentication (mechanism 2.2.3.1) as an [`AssociationSecurity`] provider.
///
/// * [`PasswordAuthentication::initiator`]: puts the password in every AARQ.
/// * [`PasswordAuthentication::responder`]: checks the AARQ; by default authentication is
///   required, [`PasswordAuthentication::required`]`(false)` also admits AARQs that do not
///   ask for authentication at all (but still refuses a wrong password or mechanism).
///
/// Responder decisions (AARE result rejected-permanent, service-user diagnostic, X.227 §9):
///
/// | AARQ | diagnostic |
/// |---|---|
/// | no mechanism-name (when required) | authentication-mechanism-name-required (12) |
/// | mechanism-name other than 2.2.3.1 | authentication-mechanism-name-not-recognized (11) |
/// | no calling-authentication-value (when required) | authentication-required (14) |
/// | value not a charstring, or wrong password | authentication-failure (13) |
///
/// The sender-acse-requirements authentication bit is not required on receipt (tolerance);
/// the mechanism name and value decide.
pub struct PasswordAuthentication {
    role: Role,
    password: Secret,
    required: bool,
    authenticated: bool,
}

impl PasswordAuthentication {
    /// The initiator's provider: sends `password` in the AARQ.
    pub fn initiator(password: Vec<u8>) -> PasswordAuthentication {
        PasswordAuthentication {
            role: Role::Initiator,
            password: Secret(password),
            required: true,
            authenticated: false,
        }
    }

    /// The responder's provider: accepts AARQs carrying `expected`; authentication required.
    pub fn responder(expected: Vec<u8>) -> PasswordAuthentication {
        PasswordAuthentication {
            role: Role::Responder,
            password: Secret(expected),
            required: true,
            authenticated: false,
        }
    }

    /// Responder: whether an AARQ without a mechanism name or value is refused (default true).
    pub fn required(mut self, required: bool) -> PasswordAuthentication {
        self.required = required;
        self
    }

    /// Whether authentication is required.
    pub fn is_required(&self) -> bool {
        self.required
    }

    /// The role the provider was made for.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Responder: true once an AARQ proved the password.
    pub fn authenticated(&self) -> bool {
        self.authenticated
    }

    fn refuse(&self, diagnostic: ServiceUserDiagnostic, reason: &str) -> Refusal {
        log::warn!(
            target: SECURITY_LOG_TARGET,
            "event={REFUSED_EVENT} diagnostic={} reason={reason}",
            diagnostic.code()
        );
        Refusal::reject_event(diagnostic, REFUSED_EVENT, reason)
    }

    /// The responder's judgement of an AARQ.
    fn check(&mut self, aarq: &Aarq<'_>) -> Result<(), Refusal> {
        self.authenticated = false;
        match &aarq.mechanism_name {
            None if self.required => {
                return Err(self.refuse(
                    ServiceUserDiagnostic::AuthenticationMechanismNameRequired,
                    "AARQ without mechanism-name",
                ))
            }
            None => return Ok(()),
            Some(m) if *m != PASSWORD_MECHANISM => {
                let reason = format!("mechanism-name {m} is not password 2.2.3.1");
                return Err(self.refuse(
                    ServiceUserDiagnostic::AuthenticationMechanismNameNotRecognized,
                    &reason,
                ));
            }
            Some(_) => {}
        }
        let received = match &aarq.calling_authentication_value {
            None if self.required => {
                return Err(self.refuse(
                    ServiceUserDiagnostic::AuthenticationRequired,
                    "AARQ without calling-authentication-value",
                ))
            }
            None => return Ok(()),
            Some(AuthenticationValue::CharString(pw)) => pw,
            Some(_) => {
                return Err(self.refuse(
                    ServiceUserDiagnostic::AuthenticationFailure,
                    "calling-authentication-value is not a charstring",
                ))
            }
        };
        if !password_matches(received, &self.password.0) {
            return Err(self.refuse(
                ServiceUserDiagnostic::AuthenticationFailure,
                "wrong password",
            ));
        }
        self.authenticated = true;
        log::info!(target: SECURITY_LOG_TARGET, "event=acse.password.accepted");
        Ok(())
    }
}

/// Makes [`PasswordAuthentication`] providers for the MMS client and server runtimes
/// (`ClientConfig::security`, `ServerConfig::security`): the initiator sends the password, the
/// responder requires it (or, with [`PasswordFactory::required`]`(false)`, only checks it when
/// an AARQ carries one). The password is zeroed when the factory is dropped.
pub struct PasswordFactory {
    password: Secret,
    required: bool,
}

impl PasswordFactory {
    /// A factory for `password`; authentication required.
    pub fn new(password: Vec<u8>) -> PasswordFactory {
        PasswordFactory {
            password: Secret(password),
            required: true,
        }
    }

    /// Responder: whether an AARQ without a mechanism name or value is refused (default true).
    pub fn required(mut self, required: bool) -> PasswordFactory {
        self.required = required;
        self
    }
}

impl fmt::Debug for PasswordFactory {
    /// Never shows the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordFactory")
            .field("required", &self.required)
            .finish_non_exhaustive()
    }
}

impl SecurityFactory for PasswordFactory {
    fn name(&self) -> &'static str {
        "acse-password"
    }

    fn provider(
        &self,
        role: Role,
        _transport: &TransportSecurity,
    ) -> Result<Box<dyn AssociationSecurity>, SecurityError> {
        let password = self.password.0.clone();
        Ok(match role {
            Role::Initiator => Box::new(PasswordAuthentication::initiator(password)),
            Role::Responder => {
                Box::new(PasswordAuthentication::responder(password).required(self.required))
            }
        })
    }
}

impl fmt::Debug for PasswordAuthentication {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordAuthentication")
            .field("role", &self.role)
            .field("password", &"<redacted>")
            .field("required", &self.required)
            .field("authenticated", &self.authenticated)
            .finish()
    }
}

impl AssociationSecurity for PasswordAuthentication {
    fn name(&self) -> &'static str {
        "acse-password"
    }

    fn application_security(&self) -> crate::security::ApplicationSecurity {
        if self.authenticated {
            crate::security::ApplicationSecurity::Password
        } else {
            crate::security::ApplicationSecurity::None
        }
    }

    fn on_send_aarq(
        &mut self,
        _ctx: &SecurityContext<'_>,
        aarq: &mut Aarq<'static>,
    ) -> Result<(), SecurityError> {
        let mut req = aarq.sender_acse_requirements.unwrap_or_default();
        req.set_authentication(true);
        aarq.sender_acse_requirements = Some(req);
        aarq.mechanism_name = Some(PASSWORD_MECHANISM);
        aarq.calling_authentication_value = Some(AuthenticationValue::CharString(Cow::Owned(
            self.password.0.clone(),
        )));
        Ok(())
    }

    fn on_receive_aarq(
        &mut self,
        _ctx: &SecurityContext<'_>,
        aarq: &Aarq<'_>,
    ) -> Result<Option<Vec<External<'static>>>, Refusal> {
        self.check(aarq).map(|()| None)
    }

    fn on_send_aare(
        &mut self,
        _ctx: &SecurityContext<'_>,
        aare: &mut Aare<'static>,
    ) -> Result<(), SecurityError> {
        if self.authenticated && aare.result.is_accepted() {
            let mut req = aare.responder_acse_requirements.unwrap_or_default();
            req.set_authentication(true);
            aare.responder_acse_requirements = Some(req);
            aare.mechanism_name = Some(PASSWORD_MECHANISM);
        }
        Ok(())
    }

    fn on_receive_aare(
        &mut self,
        _ctx: &SecurityContext<'_>,
        aare: &Aare<'_>,
    ) -> Result<Option<Vec<External<'static>>>, Refusal> {
        if !aare.result.is_accepted() {
            log::warn!(
                target: SECURITY_LOG_TARGET,
                "event=acse.password.rejected_by_peer result={} diagnostic={}",
                aare.result,
                aare.result_source_diagnostic
            );
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apdu::oids::{A_PROFILE_MECHANISM, MMS_APPLICATION_CONTEXT};
    use crate::apdu::{parse, AcseRequirements, Apdu, AssociateResult, Oid};

    fn ctx_parts() -> (Vec<(u32, Oid<'static>)>, Oid<'static>) {
        (Vec::new(), MMS_APPLICATION_CONTEXT)
    }

    /// The AARQ an initiator with `pw` sends, as the responder parses it.
    fn aarq_from(pw: &[u8]) -> Vec<u8> {
        let (c, ac) = ctx_parts();
        let ctx = SecurityContext::new(Role::Initiator, &c, &ac);
        let mut p = PasswordAuthentication::initiator(pw.to_vec());
        let mut aarq = Aarq::new(MMS_APPLICATION_CONTEXT);
        p.on_send_aarq(&ctx, &mut aarq).unwrap();
        Apdu::Aarq(aarq).to_vec()
    }

    fn judge(p: &mut PasswordAuthentication, wire: &[u8]) -> Result<(), Refusal> {
        let (c, ac) = ctx_parts();
        let ctx = SecurityContext::new(Role::Responder, &c, &ac);
        let Ok(Apdu::Aarq(aarq)) = parse(wire) else {
            panic!("not an AARQ")
        };
        p.on_receive_aarq(&ctx, &aarq).map(|v| assert!(v.is_none()))
    }

    fn diagnostic_of(r: Result<(), Refusal>) -> ServiceUserDiagnostic {
        if let Err(refusal) = &r {
            assert_eq!(refusal.event(), Some(REFUSED_EVENT), "{refusal}");
        }
        match r {
            Err(Refusal::Reject {
                result,
                diagnostic,
                reason,
                ..
            }) => {
                assert_eq!(result, AssociateResult::RejectedPermanent);
                assert!(
                    !reason.contains("secret"),
                    "reason must not hold the password"
                );
                diagnostic
            }
            other => panic!("expected a reject, got {other:?}"),
        }
    }

    #[test]
    fn initiator_sets_the_three_fields() {
        let wire = aarq_from(b"secret");
        // 60 L A1 07 06 05 28 CA 22 02 03 8A 02 07 80 8B 03 52 03 01 AC 08 80 06 "secret"
        let expect_tail = [
            0x8A, 0x02, 0x07, 0x80, 0x8B, 0x03, 0x52, 0x03, 0x01, 0xAC, 0x08, 0x80, 0x06, b's',
            b'e', b'c', b'r', b'e', b't',
        ];
        assert!(wire.ends_with(&expect_tail), "{wire:02X?}");
        assert_eq!(
            &wire[..11],
            &[0x60, 0x1C, 0xA1, 0x07, 0x06, 0x05, 0x28, 0xCA, 0x22, 0x02, 0x03]
        );
    }

    #[test]
    fn accept_and_echo_in_aare() {
        let mut p = PasswordAuthentication::responder(b"secret".to_vec());
        judge(&mut p, &aarq_from(b"secret")).unwrap();
        assert!(p.authenticated());
        let (c, ac) = ctx_parts();
        let ctx = SecurityContext::new(Role::Responder, &c, &ac);
        let mut aare = Aare::accepted(MMS_APPLICATION_CONTEXT);
        p.on_send_aare(&ctx, &mut aare).unwrap();
        assert!(aare.responder_acse_requirements.unwrap().authentication());
        assert_eq!(aare.mechanism_name, Some(PASSWORD_MECHANISM));
        let wire = Apdu::Aare(aare).to_vec();
        let needle = [0x88, 0x02, 0x07, 0x80, 0x89, 0x03, 0x52, 0x03, 0x01];
        assert!(
            wire.windows(needle.len()).any(|w| w == needle),
            "{wire:02X?}"
        );
        // A rejecting AARE is left alone.
        let mut rej = Aare::rejected(
            MMS_APPLICATION_CONTEXT,
            AssociateResult::RejectedPermanent,
            ServiceUserDiagnostic::NoReasonGiven,
        );
        p.on_send_aare(&ctx, &mut rej).unwrap();
        assert_eq!(rej.mechanism_name, None);
    }

    #[test]
    fn wrong_password() {
        let mut p = PasswordAuthentication::responder(b"secret".to_vec());
        assert_eq!(
            diagnostic_of(judge(&mut p, &aarq_from(b"secreT"))),
            ServiceUserDiagnostic::AuthenticationFailure
        );
        assert_eq!(
            diagnostic_of(judge(&mut p, &aarq_from(b"secret!"))),
            ServiceUserDiagnostic::AuthenticationFailure
        );
        assert_eq!(
            diagnostic_of(judge(&mut p, &aarq_from(b""))),
            ServiceUserDiagnostic::AuthenticationFailure
        );
        assert!(!p.authenticated());
    }

    #[test]
    fn missing_password() {
        let mut p = PasswordAuthentication::responder(b"secret".to_vec());
        let mut aarq = Aarq::new(MMS_APPLICATION_CONTEXT);
        aarq.mechanism_name = Some(PASSWORD_MECHANISM);
        aarq.sender_acse_requirements = Some(AcseRequirements::with_authentication());
        let wire = Apdu::Aarq(aarq).to_vec();
        assert_eq!(
            diagnostic_of(judge(&mut p, &wire)),
            ServiceUserDiagnostic::AuthenticationRequired
        );
    }

    #[test]
    fn missing_mechanism() {
        let mut p = PasswordAuthentication::responder(b"secret".to_vec());
        let mut aarq = Aarq::new(MMS_APPLICATION_CONTEXT);
        aarq.calling_authentication_value =
            Some(AuthenticationValue::CharString(Cow::Borrowed(b"secret")));
        let wire = Apdu::Aarq(aarq).to_vec();
        assert_eq!(
            diagnostic_of(judge(&mut p, &wire)),
            ServiceUserDiagnostic::AuthenticationMechanismNameRequired
        );
        // A kernel-only AARQ too.
        let wire = Apdu::Aarq(Aarq::new(MMS_APPLICATION_CONTEXT)).to_vec();
        assert_eq!(
            diagnostic_of(judge(&mut p, &wire)),
            ServiceUserDiagnostic::AuthenticationMechanismNameRequired
        );
    }

    #[test]
    fn wrong_mechanism() {
        let mut p = PasswordAuthentication::responder(b"secret".to_vec());
        let mut aarq = Aarq::new(MMS_APPLICATION_CONTEXT);
        aarq.mechanism_name = Some(A_PROFILE_MECHANISM);
        aarq.calling_authentication_value =
            Some(AuthenticationValue::CharString(Cow::Borrowed(b"secret")));
        let wire = Apdu::Aarq(aarq).to_vec();
        assert_eq!(
            diagnostic_of(judge(&mut p, &wire)),
            ServiceUserDiagnostic::AuthenticationMechanismNameNotRecognized
        );
    }

    #[test]
    fn value_of_the_wrong_form_fails() {
        let mut p = PasswordAuthentication::responder(b"secret".to_vec());
        let mut aarq = Aarq::new(MMS_APPLICATION_CONTEXT);
        aarq.mechanism_name = Some(PASSWORD_MECHANISM);
        aarq.calling_authentication_value = Some(AuthenticationValue::BitString {
            unused: 0,
            bits: Cow::Borrowed(b"secret"),
        });
        let wire = Apdu::Aarq(aarq).to_vec();
        assert_eq!(
            diagnostic_of(judge(&mut p, &wire)),
            ServiceUserDiagnostic::AuthenticationFailure
        );
    }

    #[test]
    fn optional_authentication() {
        let mut p = PasswordAuthentication::responder(b"secret".to_vec()).required(false);
        assert!(!p.is_required());
        // Kernel-only AARQ: accepted, not authenticated, AARE left alone.
        judge(
            &mut p,
            &Apdu::Aarq(Aarq::new(MMS_APPLICATION_CONTEXT)).to_vec(),
        )
        .unwrap();
        assert!(!p.authenticated());
        // Still refuses a wrong password.
        assert_eq!(
            diagnostic_of(judge(&mut p, &aarq_from(b"nope"))),
            ServiceUserDiagnostic::AuthenticationFailure
        );
        judge(&mut p, &aarq_from(b"secret")).unwrap();
        assert!(p.authenticated());
    }

    #[test]
    fn secrets_stay_out_of_debug_and_compare_by_length_first() {
        let p = PasswordAuthentication::initiator(b"secret".to_vec());
        let d = format!("{p:?}");
        assert!(!d.contains("secret") && d.contains("<redacted>"), "{d}");
        assert_eq!(p.role(), Role::Initiator);
        assert!(password_matches(b"abc", b"abc"));
        assert!(!password_matches(b"abc", b"abd"));
        assert!(!password_matches(b"abc", b"abcd"));
        assert!(password_matches(b"", b""));
    }

    #[test]
    fn secret_wipe_zeroes_contents_and_spare_capacity() {
        let mut s = Secret(b"hunter2".to_vec());
        s.0.reserve(8);
        let cap = s.0.capacity();
        s.wipe();
        assert_eq!(s.0.len(), cap, "spare capacity is overwritten too");
        assert!(s.0.iter().all(|&b| b == 0));
        assert_eq!(s.0.capacity(), cap, "no reallocation");
    }
}
