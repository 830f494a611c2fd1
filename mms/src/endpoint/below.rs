//! What an [`super::Endpoint`] runs on: an OSI association (RFC 1006 up to ACSE), or, with the
//! `xmpp` feature, an association of the XMPP environment ([`crate::xmpp::link::XmppLink`]).
//! Both speak the ACSE service vocabulary, so the endpoint's MMS rules are the same on each.

use std::time::Instant;

use acse::apdu::{AssociateResult, ServiceUserDiagnostic};
use acse::association::{Association, AssociationError, Event};
use acse::security::{ApplicationSecurity, AuthenticatedPeer};

#[cfg(feature = "xmpp")]
use crate::xmpp::link::XmppLink;

/// The association below an endpoint. The OSI association, the common case, stays inline
/// (no allocation of its own); the XMPP link is boxed.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Below {
    /// The OSI upper layers over RFC 1006.
    Osi(Association),
    /// The XMPP environment (stanzas through an XMPP server).
    #[cfg(feature = "xmpp")]
    Xmpp(Box<XmppLink>),
}

impl Below {
    pub(crate) fn osi(&self) -> Option<&Association> {
        match self {
            Below::Osi(a) => Some(a),
            #[cfg(feature = "xmpp")]
            Below::Xmpp(_) => None,
        }
    }

    #[cfg(feature = "xmpp")]
    pub(crate) fn xmpp_mut(&mut self) -> Option<&mut XmppLink> {
        match self {
            Below::Xmpp(l) => Some(l),
            Below::Osi(_) => None,
        }
    }

    #[cfg(feature = "xmpp")]
    pub(crate) fn xmpp(&self) -> Option<&XmppLink> {
        match self {
            Below::Xmpp(l) => Some(l),
            Below::Osi(_) => None,
        }
    }

    pub(crate) fn authenticated_peer(&self) -> Option<AuthenticatedPeer> {
        match self {
            Below::Osi(a) => a.authenticated_peer(),
            #[cfg(feature = "xmpp")]
            Below::Xmpp(l) => l.authenticated_peer(),
        }
    }

    pub(crate) fn application_security(&self) -> ApplicationSecurity {
        match self {
            Below::Osi(a) => a.application_security(),
            #[cfg(feature = "xmpp")]
            Below::Xmpp(l) => l.application_security(),
        }
    }

    pub(crate) fn recv_buffer(&mut self) -> &mut [u8] {
        match self {
            Below::Osi(a) => a.recv_buffer(),
            #[cfg(feature = "xmpp")]
            Below::Xmpp(_) => &mut [],
        }
    }

    pub(crate) fn recv_commit(&mut self, n: usize) {
        match self {
            Below::Osi(a) => a.recv_commit(n),
            #[cfg(feature = "xmpp")]
            Below::Xmpp(_) => {}
        }
    }

    pub(crate) fn feed(&mut self, data: &[u8]) -> Result<(), AssociationError> {
        match self {
            Below::Osi(a) => a.feed(data),
            #[cfg(feature = "xmpp")]
            Below::Xmpp(_) => Err(AssociationError::Protocol(
                "an XMPP association takes stanzas, not octets",
            )),
        }
    }

    pub(crate) fn transmit(&self) -> &[u8] {
        match self {
            Below::Osi(a) => a.transmit(),
            #[cfg(feature = "xmpp")]
            Below::Xmpp(_) => &[],
        }
    }

    pub(crate) fn advance_transmit(&mut self, n: usize) {
        match self {
            Below::Osi(a) => a.advance_transmit(n),
            #[cfg(feature = "xmpp")]
            Below::Xmpp(_) => {}
        }
    }

    pub(crate) fn recv_release(&mut self) {
        match self {
            Below::Osi(a) => a.recv_release(),
            #[cfg(feature = "xmpp")]
            Below::Xmpp(_) => {}
        }
    }

    pub(crate) fn poll_event(&mut self) -> Result<Option<Event<'_>>, AssociationError> {
        match self {
            Below::Osi(a) => a.poll_event(),
            #[cfg(feature = "xmpp")]
            Below::Xmpp(l) => l.poll_event(),
        }
    }

    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        match self {
            Below::Osi(a) => a.poll_timeout(),
            #[cfg(feature = "xmpp")]
            Below::Xmpp(l) => l.poll_timeout(),
        }
    }

    pub(crate) fn handle_timeout(&mut self, now: Instant) {
        match self {
            Below::Osi(a) => a.handle_timeout(now),
            #[cfg(feature = "xmpp")]
            Below::Xmpp(l) => l.handle_timeout(now),
        }
    }

    pub(crate) fn is_closed(&self) -> bool {
        match self {
            Below::Osi(a) => a.is_closed(),
            #[cfg(feature = "xmpp")]
            Below::Xmpp(l) => l.is_closed(),
        }
    }

    pub(crate) fn send_data(&mut self, data: &[u8]) -> Result<(), AssociationError> {
        match self {
            Below::Osi(a) => a.send_data(data),
            #[cfg(feature = "xmpp")]
            Below::Xmpp(l) => l.send_data(data),
        }
    }

    pub(crate) fn accept(&mut self, user_data: &[u8]) -> Result<(), AssociationError> {
        match self {
            Below::Osi(a) => a.accept(user_data),
            #[cfg(feature = "xmpp")]
            Below::Xmpp(l) => l.accept_association(user_data),
        }
    }

    pub(crate) fn reject(
        &mut self,
        result: AssociateResult,
        diagnostic: ServiceUserDiagnostic,
        user_data: Option<&[u8]>,
    ) -> Result<(), AssociationError> {
        match self {
            Below::Osi(a) => a.reject(result, diagnostic, user_data),
            #[cfg(feature = "xmpp")]
            Below::Xmpp(l) => l.reject(user_data),
        }
    }

    pub(crate) fn release(&mut self) -> Result<(), AssociationError> {
        match self {
            Below::Osi(a) => a.release(None),
            #[cfg(feature = "xmpp")]
            Below::Xmpp(l) => l.release(),
        }
    }

    pub(crate) fn respond_release(&mut self) -> Result<(), AssociationError> {
        match self {
            Below::Osi(a) => a.respond_release(None),
            #[cfg(feature = "xmpp")]
            Below::Xmpp(l) => l.respond_release(),
        }
    }

    pub(crate) fn abort(&mut self) -> Result<(), AssociationError> {
        match self {
            Below::Osi(a) => a.abort(None),
            #[cfg(feature = "xmpp")]
            Below::Xmpp(l) => l.abort(),
        }
    }
}
