//! Several application-layer mechanisms on one listener, chosen per association by the
//! application context the AARQ names (IEC 62351-4 §5.2: an A-security-profile partner asks
//! for the MMS application context, an end-to-end partner for e2eMmsAC).
//!
//! [`SelectingFactory`] holds one factory per mechanism. For a responder it makes one provider
//! of each, proposes the union of their abstract syntaxes, and when the AARQ arrives keeps the
//! provider whose application context the AARQ names ([`AssociationSecurity::select_application_context`]);
//! the others are dropped and every later call goes to the chosen one. An AARQ naming none of
//! them is refused by the association with application-context-name-not-supported.

use std::sync::Arc;

use copp::ber::Oid;

use super::{
    ApplicationSecurity, AssociationSecurity, AuthenticatedPeer, Refusal, Role, SecurityContext,
    SecurityError, SecurityFactory, TransportSecurity,
};
use crate::apdu::{Aare, Aarq, Abrt, Apdu, External};

/// One factory per application-layer mechanism, chosen per association by application
/// context (see the module documentation). Responders only: an initiator proposes one.
pub struct SelectingFactory {
    choices: Vec<Arc<dyn SecurityFactory>>,
    default_context: Oid<'static>,
}

impl std::fmt::Debug for SelectingFactory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SelectingFactory")
            .field(
                "choices",
                &self.choices.iter().map(|c| c.name()).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl SelectingFactory {
    /// A factory choosing among `choices`; a provider that names no application context of its
    /// own stands for `default_context` (the association's configured one, for MMS
    /// 1.0.9506.2.3).
    pub fn new(
        choices: Vec<Arc<dyn SecurityFactory>>,
        default_context: Oid<'static>,
    ) -> SelectingFactory {
        SelectingFactory {
            choices,
            default_context,
        }
    }
}

impl SecurityFactory for SelectingFactory {
    fn name(&self) -> &'static str {
        "selecting"
    }

    fn provider(
        &self,
        role: Role,
        transport: &TransportSecurity,
    ) -> Result<Box<dyn AssociationSecurity>, SecurityError> {
        if role != Role::Responder {
            return Err(SecurityError::Policy(
                "a selecting factory serves responders; an initiator proposes one mechanism",
            ));
        }
        let mut candidates: Vec<(Oid<'static>, Box<dyn AssociationSecurity>)> = Vec::new();
        for f in &self.choices {
            let p = f.provider(role, transport)?;
            let ac = p
                .application_context()
                .unwrap_or_else(|| self.default_context.clone());
            if candidates.iter().any(|(c, _)| *c == ac) {
                return Err(SecurityError::Policy(
                    "two mechanisms of a selecting factory claim the same application context",
                ));
            }
            candidates.push((ac, p));
        }
        Ok(Box::new(Selecting {
            candidates,
            chosen: None,
        }))
    }
}

/// The provider of one association until, and after, the choice.
struct Selecting {
    candidates: Vec<(Oid<'static>, Box<dyn AssociationSecurity>)>,
    chosen: Option<Box<dyn AssociationSecurity>>,
}

/// Before the choice, a call that needs a mechanism.
const UNCHOSEN: SecurityError = SecurityError::Policy("no mechanism chosen for this association");

impl AssociationSecurity for Selecting {
    fn name(&self) -> &'static str {
        self.chosen.as_ref().map_or("selecting", |c| c.name())
    }

    fn abstract_syntaxes(&self) -> Vec<Oid<'static>> {
        if let Some(c) = &self.chosen {
            return c.abstract_syntaxes();
        }
        let mut all: Vec<Oid<'static>> = Vec::new();
        for (_, p) in &self.candidates {
            for a in p.abstract_syntaxes() {
                if !all.contains(&a) {
                    all.push(a);
                }
            }
        }
        all
    }

    fn select_application_context(&mut self, proposed: &Oid<'_>) -> Option<Oid<'static>> {
        if self.chosen.is_some() {
            return None;
        }
        let i = self
            .candidates
            .iter()
            .position(|(ac, _)| ac.as_bytes() == proposed.as_bytes())?;
        let (ac, p) = self.candidates.swap_remove(i);
        self.candidates.clear();
        self.chosen = Some(p);
        Some(ac)
    }

    fn on_send_aarq(
        &mut self,
        _ctx: &SecurityContext<'_>,
        _aarq: &mut Aarq<'static>,
    ) -> Result<(), SecurityError> {
        Err(SecurityError::Policy(
            "a selecting provider does not initiate",
        ))
    }

    fn on_receive_aarq(
        &mut self,
        ctx: &SecurityContext<'_>,
        aarq: &Aarq<'_>,
    ) -> Result<Option<Vec<External<'static>>>, Refusal> {
        match self.chosen.as_mut() {
            Some(c) => c.on_receive_aarq(ctx, aarq),
            None => Err(Refusal::reject(
                crate::apdu::ServiceUserDiagnostic::ApplicationContextNameNotSupported,
                "no security mechanism serves the AARQ's application context",
            )),
        }
    }

    fn on_send_aare(
        &mut self,
        ctx: &SecurityContext<'_>,
        aare: &mut Aare<'static>,
    ) -> Result<(), SecurityError> {
        match self.chosen.as_mut() {
            Some(c) => c.on_send_aare(ctx, aare),
            // Refusing an AARQ nobody chose for: the AARE goes out as it is.
            None => Ok(()),
        }
    }

    fn on_receive_aare(
        &mut self,
        _ctx: &SecurityContext<'_>,
        _aare: &Aare<'_>,
    ) -> Result<Option<Vec<External<'static>>>, Refusal> {
        Err(Refusal::abort(
            None,
            "a selecting provider does not initiate",
        ))
    }

    fn on_send_release(
        &mut self,
        ctx: &SecurityContext<'_>,
        apdu: &mut Apdu<'static>,
    ) -> Result<(), SecurityError> {
        match self.chosen.as_mut() {
            Some(c) => c.on_send_release(ctx, apdu),
            None => Err(UNCHOSEN),
        }
    }

    fn on_receive_release(
        &mut self,
        ctx: &SecurityContext<'_>,
        apdu: &Apdu<'_>,
    ) -> Result<Option<Vec<External<'static>>>, Refusal> {
        match self.chosen.as_mut() {
            Some(c) => c.on_receive_release(ctx, apdu),
            None => Err(Refusal::abort(
                None,
                "release before a mechanism was chosen",
            )),
        }
    }

    fn on_send_abort(&mut self, ctx: &SecurityContext<'_>, abrt: &mut Abrt<'static>) {
        if let Some(c) = self.chosen.as_mut() {
            c.on_send_abort(ctx, abrt);
        }
    }

    fn on_receive_abort(&mut self, ctx: &SecurityContext<'_>, abrt: &Abrt<'_>) {
        if let Some(c) = self.chosen.as_mut() {
            c.on_receive_abort(ctx, abrt);
        }
    }

    fn application_context(&self) -> Option<Oid<'static>> {
        self.chosen.as_ref().and_then(|c| c.application_context())
    }

    fn authenticated_peer(&self) -> Option<AuthenticatedPeer> {
        self.chosen.as_ref().and_then(|c| c.authenticated_peer())
    }

    fn application_security(&self) -> ApplicationSecurity {
        self.chosen
            .as_ref()
            .map_or(ApplicationSecurity::None, |c| c.application_security())
    }

    fn protect(
        &mut self,
        context_id: u32,
        data: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<Option<u32>, SecurityError> {
        match self.chosen.as_mut() {
            Some(c) => c.protect(context_id, data, out),
            None => Err(UNCHOSEN),
        }
    }

    fn unprotect(
        &mut self,
        context_id: u32,
        data: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<Option<u32>, Refusal> {
        match self.chosen.as_mut() {
            Some(c) => c.unprotect(context_id, data, out),
            None => Err(Refusal::abort(None, "data before a mechanism was chosen")),
        }
    }
}
