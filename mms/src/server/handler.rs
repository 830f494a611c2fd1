//! The contract between the server runtime and whatever answers MMS requests: the object model
//! of [`crate::server::model`] or an application's own [`Handler`].
//!
//! The runtime owns sockets and the ISO 9506-2 association rules (initiate negotiation,
//! invokeIDs, the outstanding-request limit, the PDU size, Reject PDUs for undecodable input).
//! A handler sees only decoded confirmed and unconfirmed services of associations that are up,
//! and answers each confirmed request once: at once ([`Reply::Now`]) or later, from any thread,
//! through a [`Responder`] ([`Reply::Later`]). Requests on one association may be answered in any
//! order.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use acse::association::AeTitle;

use crate::initiate::{ParameterCbb, ServicesSupported};
use crate::pdu::{ConfirmedServiceRequest, ConfirmedServiceResponse, UnconfirmedService};
use crate::service_error::ServiceError;

/// What an association negotiated in its initiate exchange (ISO 9506-2 §8.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negotiated {
    /// The largest MMS PDU either side may send, in octets (`localDetailCalled`, or ours
    /// when the peer sent none).
    pub max_pdu_size: usize,
    /// `negotiatedMaxServOutstandingCalling`: requests the initiator may have outstanding.
    pub max_serv_outstanding_calling: u16,
    /// `negotiatedMaxServOutstandingCalled`: requests the responder may have outstanding.
    pub max_serv_outstanding_called: u16,
    /// `negotiatedDataStructureNestingLevel` (our limit when the peer gave none).
    pub nesting_level: u8,
    /// `negotiatedVersionNumber`.
    pub version: i16,
    /// `negotiatedParameterCBB`.
    pub parameter_cbb: ParameterCbb,
    /// The services the peer said it supports (its `servicesSupportedCalling/Called`).
    pub peer_services: ServicesSupported,
}

/// Who is on the other end of one association, and what it negotiated. Given to every
/// [`Handler`] call; `id` is unique for the life of the server process.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AssociationInfo {
    /// A number unique to this association within the process (never reused).
    pub id: u64,
    /// The peer's transport address, when the association runs over TCP.
    pub peer_addr: Option<SocketAddr>,
    /// The calling AE-title of the AARQ (ISO 8650-1 §9.1): what ICCP bilateral tables key on.
    pub calling: AeTitle,
    /// The called AE-title of the AARQ.
    pub called: AeTitle,
    /// The initiate negotiation result.
    pub negotiated: Negotiated,
    /// The peer identity the association's security provider authenticated (IEC 62351-4
    /// A-security-profile or end-to-end security); `None` without one.
    pub authenticated_peer: Option<acse::security::AuthenticatedPeer>,
    /// Whether the association runs over TLS (IEC 62351-4 T-profile).
    pub tls: bool,
    /// The application-layer security the association's provider established.
    pub application_security: acse::security::ApplicationSecurity,
    /// The peer's full JID, when the association runs in the XMPP environment (IEC 62351-4
    /// §16).
    pub xmpp_peer: Option<String>,
}

impl AssociationInfo {
    /// An association `id` with `negotiated` and nothing else known (no address, empty
    /// AE-titles, no security); set the public fields for the rest.
    pub fn new(id: u64, negotiated: Negotiated) -> AssociationInfo {
        AssociationInfo {
            id,
            peer_addr: None,
            calling: AeTitle::default(),
            called: AeTitle::default(),
            negotiated,
            authenticated_peer: None,
            tls: false,
            application_security: acse::security::ApplicationSecurity::None,
            xmpp_peer: None,
        }
    }
}

/// The outcome of one confirmed service: its response, or the ServiceError of a
/// Confirmed-ErrorPDU (ISO 9506-2 §7.2, §7.4). Owned, so it can cross threads.
pub type ServiceResult = Result<ConfirmedServiceResponse<'static>, ServiceError<'static>>;

/// How a handler answers a confirmed request.
#[derive(Debug)]
pub enum Reply {
    /// Here is the answer.
    Now(ServiceResult),
    /// The handler took the request's [`Responder`] (with [`RequestContext::responder`]) and will
    /// answer through it. If it did not take it, the runtime answers service/other at once.
    Later,
    /// This handler does not serve the service: the runtime answers with a RejectPDU
    /// confirmed-requestPDU / unrecognized-service (ISO 9506-2 §7.5), as a responder does for a
    /// service outside its `servicesSupportedCalled`.
    Unsupported,
}

impl From<ServiceResult> for Reply {
    fn from(r: ServiceResult) -> Reply {
        Reply::Now(r)
    }
}

/// Where a [`Responder`] delivers its answer: implemented by the runtime (a channel into the
/// association's event loop) and by tests. One sink serves every request of a loop, shared by
/// reference count, so answering later costs no allocation per request.
pub trait ResponseSink: Send + Sync {
    /// Delivers the answer to request `invoke_id` of association `association`.
    fn complete(&self, association: u64, invoke_id: u32, result: ServiceResult);
}

/// A handle that answers one confirmed request later, from any thread. Dropping it unanswered
/// answers the request with a ServiceError of class service / other, so a peer never waits for
/// a response that will not come.
pub struct Responder {
    association: u64,
    invoke_id: u32,
    sink: Option<Arc<dyn ResponseSink>>,
}

impl Responder {
    /// A responder for request `invoke_id` of `association` that delivers into `sink`.
    pub fn new(association: u64, invoke_id: u32, sink: Arc<dyn ResponseSink>) -> Responder {
        Responder {
            association,
            invoke_id,
            sink: Some(sink),
        }
    }

    /// The invokeID of the request this responder answers.
    pub fn invoke_id(&self) -> u32 {
        self.invoke_id
    }

    /// The id of the association ([`AssociationInfo::id`]) the request came on.
    pub fn association(&self) -> u64 {
        self.association
    }

    /// Lets the responder go without answering (the runtime answered directly).
    #[cfg(feature = "runtime")]
    pub(crate) fn disarm(mut self) {
        self.sink = None;
    }

    /// Answers the request.
    pub fn respond(mut self, result: ServiceResult) {
        if let Some(sink) = self.sink.take() {
            sink.complete(self.association, self.invoke_id, result);
        }
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        if let Some(sink) = self.sink.take() {
            sink.complete(
                self.association,
                self.invoke_id,
                Err(ServiceError::new(crate::service_error::ErrorClass::Service(
                    crate::service_error::ServiceProblem::Other(0),
                ))
                .with_description("the server application dropped the request unanswered")),
            );
        }
    }
}

impl fmt::Debug for Responder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Responder")
            .field("association", &self.association)
            .field("invoke_id", &self.invoke_id)
            .finish()
    }
}

/// One confirmed request as a [`Handler`] sees it.
pub struct RequestContext<'r> {
    /// The association the request came on.
    pub association: &'r AssociationInfo,
    /// The request's invokeID.
    pub invoke_id: u32,
    responder: Option<Responder>,
}

impl<'r> RequestContext<'r> {
    /// A context whose [`RequestContext::responder`] delivers into `sink`.
    pub fn new(
        association: &'r AssociationInfo,
        invoke_id: u32,
        sink: Arc<dyn ResponseSink>,
    ) -> RequestContext<'r> {
        RequestContext {
            association,
            invoke_id,
            responder: Some(Responder::new(association.id, invoke_id, sink)),
        }
    }

    /// Takes the responder, to answer later ([`Reply::Later`]). `None` if already taken.
    pub fn responder(&mut self) -> Option<Responder> {
        self.responder.take()
    }

    /// The responder if the handler did not take it (the runtime's use).
    pub fn into_responder(self) -> Option<Responder> {
        self.responder
    }
}

impl fmt::Debug for RequestContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestContext")
            .field("association", &self.association.id)
            .field("invoke_id", &self.invoke_id)
            .finish()
    }
}

/// What serves MMS on a server (ISO 9506-1 §5: the VMD's side of each service). Called from the
/// server's event-loop threads (one or several), so it is `Send + Sync`; calls for different
/// associations may run at the same time.
pub trait Handler: Send + Sync + 'static {
    /// The services this handler really serves: sent as `servicesSupportedCalled` in every
    /// initiate-Response (ISO 9506-2 §8.2.1), so it must be truthful.
    fn services_supported(&self) -> ServicesSupported;

    /// The parameter CBBs this handler supports (ISO 9506-2 §8.2.1
    /// `ParameterSupportOptions`); intersected with the peer's proposal.
    fn parameter_cbb(&self) -> ParameterCbb {
        ParameterCbb::libiec61850_like()
    }

    /// An association asks to be admitted, before its initiate is looked at: the place for
    /// access control at the ACSE level (a bilateral table keyed by the calling AE-title, a
    /// security level). `Err` refuses it with the [`acse::security::Refusal`]'s AARE
    /// (rejected-permanent with its diagnostic) or ABRT, and records the refusal's security
    /// event. `info.negotiated` is what accepting would negotiate. Runs after the server's
    /// own [`crate::server::ServerConfig::peer_policy`].
    fn admit(&self, info: &AssociationInfo) -> Result<(), acse::security::Refusal> {
        let _ = info;
        Ok(())
    }

    /// An association completed its initiate exchange. Return an error to refuse it: the
    /// runtime answers the initiate with an Initiate-ErrorPDU carrying it (and rejects the AARQ).
    /// This is the place for access control by calling AP-title.
    fn associated(&self, info: &AssociationInfo) -> Result<(), ServiceError<'static>> {
        let _ = info;
        Ok(())
    }

    /// A confirmed request arrived (ISO 9506-2 §7.2). Answer it once, now or later.
    fn confirmed(
        &self,
        ctx: &mut RequestContext<'_>,
        request: &ConfirmedServiceRequest<'_>,
    ) -> Reply;

    /// An unconfirmed PDU arrived from the client (ISO 9506-2 §7.3), e.g. an ICCP client's
    /// informationReport acknowledging a critical transfer report.
    fn unconfirmed(&self, info: &AssociationInfo, service: &UnconfirmedService<'_>) {
        let _ = (info, service);
    }

    /// The peer asked to cancel request `invoke_id` (ISO 9506-2 §7.6 Cancel). Return true if it
    /// was cancelled (the runtime then answers Cancel-Response and drops the request's later
    /// answer); false answers Cancel-Error cancel-not-possible.
    fn cancel(&self, info: &AssociationInfo, invoke_id: u32) -> bool {
        let _ = (info, invoke_id);
        false
    }

    /// The association ended (concluded, released, aborted or lost). Free per-association state
    /// here (open files, AA-specific variable lists).
    fn closed(&self, info: &AssociationInfo) {
        let _ = info;
    }
}
