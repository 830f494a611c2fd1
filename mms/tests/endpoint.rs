//! The sans-IO MMS endpoint (ISO 9506-2 §7, §8.2, §8.3) driven client against server in memory:
//! initiate negotiation, invokeID matching, outstanding limits, PDU size, Reject PDUs, conclude.

use std::borrow::Cow;

use acse::apdu::{AbortSource, AssociateResult, Diagnostic, ServiceUserDiagnostic};
use acse::association::Refused;
use mms::endpoint::{
    CloseReason, Endpoint, EndpointConfig, Failure, InitiateRefusal, MmsEvent, MmsViolation,
    PeerAbort, Phase, SendError,
};
use mms::initiate::{ParameterCbb, ServiceKind, ServicesSupported};
use mms::pdu::{ConfirmedServiceRequest, ConfirmedServiceResponse, MmsPdu};
use mms::reject::{ConfirmedRequestProblem, RejectReason};
use mms::server::Negotiated;
use mms::service_error::{ErrorClass, ServiceError, ServiceProblem};
use mms::services::vmd::{IdentifyRequest, IdentifyResponse};

/// Moves every byte `from` wants to send into `to`.
fn shuttle(from: &mut Endpoint, to: &mut Endpoint) -> usize {
    let data = from.transmit().to_vec();
    let n = data.len();
    if n > 0 {
        to.feed(&data).expect("feed");
        from.advance_transmit(n);
    }
    n
}

/// What one poll round produced, owned.
#[derive(Debug, Clone, PartialEq)]
enum Got {
    Indication(mms::InitiateRequest),
    Established(Negotiated),
    Refused(Box<InitiateRefusal>),
    Request(u32, Vec<u8>),
    Response(u32),
    Error(u32, ErrorClass),
    Rejected(Option<u32>, RejectReason),
    Unconfirmed,
    ProtocolError(Option<RejectReason>),
    Concluded,
    ConcludeIndication,
    Closed(CloseReason),
    Other(String),
}

fn drain(e: &mut Endpoint) -> Vec<Got> {
    let mut out = Vec::new();
    while let Some(ev) = e.poll_event().unwrap_or_else(|err| panic!("poll: {err}")) {
        out.push(match ev {
            MmsEvent::InitiateIndication { request, .. } => Got::Indication(request),
            MmsEvent::Established(n) => Got::Established(n),
            MmsEvent::Refused(r) => Got::Refused(r),
            MmsEvent::Request { pdu, raw } => Got::Request(pdu.invoke_id, raw.to_vec()),
            MmsEvent::Response { pdu, .. } => Got::Response(pdu.invoke_id),
            MmsEvent::Error(e) => Got::Error(e.invoke_id, e.service_error.error_class),
            MmsEvent::Rejected(r) => Got::Rejected(r.original_invoke_id, r.reason),
            MmsEvent::Unconfirmed { .. } => Got::Unconfirmed,
            MmsEvent::ProtocolError { reject, .. } => Got::ProtocolError(reject.map(|r| r.reason)),
            MmsEvent::Concluded => Got::Concluded,
            MmsEvent::ConcludeIndication => Got::ConcludeIndication,
            MmsEvent::Closed(r) => Got::Closed(r),
            other => Got::Other(format!("{other:?}")),
        });
    }
    out
}

/// Runs both ends until neither has anything to send; returns (client events, server events).
fn pump(c: &mut Endpoint, s: &mut Endpoint) -> (Vec<Got>, Vec<Got>) {
    let (mut ce, mut se) = (Vec::new(), Vec::new());
    for _ in 0..50 {
        let moved = shuttle(c, s) + shuttle(s, c);
        ce.extend(drain(c));
        se.extend(drain(s));
        if moved == 0 && c.transmit().is_empty() && s.transmit().is_empty() {
            break;
        }
    }
    (ce, se)
}

fn served() -> ServicesSupported {
    ServicesSupported::from_kinds([ServiceKind::Identify, ServiceKind::Read])
}

/// Brings up a client with `client_cfg` against a server with `server_cfg`.
fn associate(client_cfg: EndpointConfig, server_cfg: EndpointConfig) -> (Endpoint, Endpoint) {
    let mut c = Endpoint::connect(client_cfg, None);
    let mut s = Endpoint::accept(server_cfg, None);
    let (_, se) = pump(&mut c, &mut s);
    let req = match se.as_slice() {
        [Got::Indication(r)] => *r,
        other => panic!("server saw {other:?}"),
    };
    s.accept_initiate(&req, served(), ParameterCbb::libiec61850_like())
        .expect("accept");
    let (ce, _) = pump(&mut c, &mut s);
    assert!(matches!(ce.as_slice(), [Got::Established(_)]), "{ce:?}");
    (c, s)
}

fn identify() -> ConfirmedServiceRequest<'static> {
    ConfirmedServiceRequest::Identify(IdentifyRequest)
}

fn identify_response() -> ConfirmedServiceResponse<'static> {
    ConfirmedServiceResponse::Identify(IdentifyResponse {
        vendor_name: Cow::Borrowed("osi-mms"),
        model_name: Cow::Borrowed("test"),
        revision: Cow::Borrowed("1"),
        list_of_abstract_syntaxes: None,
    })
}

#[test]
fn initiate_negotiates_the_smaller_limits_and_the_servers_services() {
    let mut cc = EndpointConfig::default();
    cc.initiate.local_detail_calling = Some(8000);
    cc.initiate.proposed_max_serv_outstanding_calling = 7;
    cc.initiate.proposed_max_serv_outstanding_called = 2;
    cc.initiate.proposed_data_structure_nesting_level = Some(6);
    let mut sc = EndpointConfig::default();
    sc.initiate.local_detail_calling = Some(65000);
    sc.initiate.proposed_max_serv_outstanding_calling = 3;
    sc.initiate.proposed_max_serv_outstanding_called = 5;
    let (c, s) = associate(cc, sc);
    let n = *c.negotiated().expect("client negotiated");
    assert_eq!(n.max_pdu_size, 8000);
    assert_eq!(n.max_serv_outstanding_calling, 3);
    assert_eq!(n.max_serv_outstanding_called, 2);
    assert_eq!(n.nesting_level, 6);
    assert!(n.peer_services.supports(ServiceKind::Identify));
    assert!(!n.peer_services.supports(ServiceKind::Write));
    let sn = *s.negotiated().expect("server negotiated");
    assert_eq!(sn.max_pdu_size, 8000);
    assert_eq!(sn.max_serv_outstanding_calling, 3);
    assert_eq!(c.phase(), Phase::Associated);
}

#[test]
fn a_request_is_answered_and_matched_by_invoke_id() {
    let (mut c, mut s) = associate(EndpointConfig::default(), EndpointConfig::default());
    let a = c.send_request(&identify()).expect("send");
    let b = c.send_request(&identify()).expect("send");
    assert_ne!(a, b);
    assert_eq!(c.outstanding(), 2);
    let (_, se) = pump(&mut c, &mut s);
    assert_eq!(se.len(), 2);
    assert_eq!(s.peer_outstanding(), 2);
    // Answer in the other order: the second first.
    s.send_response(b, &identify_response()).expect("respond b");
    s.send_error(a, &ServiceError::object_non_existent())
        .expect("error a");
    let (ce, _) = pump(&mut c, &mut s);
    assert_eq!(
        ce,
        vec![
            Got::Response(b),
            Got::Error(a, ServiceError::object_non_existent().error_class)
        ]
    );
    assert_eq!(c.outstanding(), 0);
    assert_eq!(s.peer_outstanding(), 0);
    // Answering twice is refused locally.
    assert!(matches!(
        s.send_response(b, &identify_response()),
        Err(SendError::UnknownInvokeId(_))
    ));
}

#[test]
fn the_outstanding_limit_is_enforced_locally() {
    let mut cc = EndpointConfig::default();
    cc.initiate.proposed_max_serv_outstanding_calling = 2;
    let (mut c, _s) = associate(cc, EndpointConfig::default());
    c.send_request(&identify()).expect("1");
    c.send_request(&identify()).expect("2");
    assert_eq!(c.request_capacity(), 0);
    assert!(matches!(
        c.send_request(&identify()),
        Err(SendError::TooManyOutstanding(2))
    ));
    // Abandoning frees the slot.
    assert!(c.abandon(1));
    c.send_request(&identify()).expect("3");
}

#[test]
fn a_peer_over_its_limit_or_reusing_an_invoke_id_is_rejected_and_stays_associated() {
    let mut cc = EndpointConfig::default();
    cc.initiate.proposed_max_serv_outstanding_calling = 1;
    let (mut c, mut s) = associate(cc, EndpointConfig::default());
    let a = c.send_request(&identify()).expect("send");
    pump(&mut c, &mut s);
    // The server's view: one outstanding. Force a second request past the client's own check by
    // abandoning the first locally (the server still counts it).
    c.abandon(a);
    let b = c.send_request(&identify()).expect("send again");
    let (ce, se) = pump(&mut c, &mut s);
    assert_eq!(
        se,
        vec![Got::ProtocolError(Some(RejectReason::ConfirmedRequest(
            ConfirmedRequestProblem::MaxServOutstandingExceeded
        )))]
    );
    assert_eq!(
        ce,
        vec![Got::Rejected(
            Some(b),
            RejectReason::ConfirmedRequest(ConfirmedRequestProblem::MaxServOutstandingExceeded)
        )]
    );
    // The association is still up: the first request can be answered, and its late answer is
    // dropped quietly by the client (it was abandoned).
    s.send_response(a, &identify_response()).expect("respond");
    let (ce, se) = pump(&mut c, &mut s);
    assert!(
        matches!(ce.as_slice(), [Got::ProtocolError(None)]),
        "{ce:?}"
    );
    assert!(se.is_empty(), "{se:?}");
    assert_eq!(s.phase(), Phase::Associated);
}

#[test]
fn a_response_too_large_for_the_negotiated_size_becomes_a_pdu_size_error() {
    let mut cc = EndpointConfig::default();
    cc.initiate.local_detail_calling = Some(100);
    let (mut c, mut s) = associate(cc, EndpointConfig::default());
    let id = c.send_request(&identify()).expect("send");
    pump(&mut c, &mut s);
    let big = ConfirmedServiceResponse::Identify(IdentifyResponse {
        vendor_name: Cow::Owned("v".repeat(200)),
        model_name: Cow::Borrowed("m"),
        revision: Cow::Borrowed("r"),
        list_of_abstract_syntaxes: None,
    });
    assert!(matches!(
        s.send_response(id, &big),
        Err(SendError::PduTooLarge { max: 100, .. })
    ));
    let (ce, _) = pump(&mut c, &mut s);
    assert_eq!(
        ce,
        vec![Got::Error(id, ErrorClass::Service(ServiceProblem::PduSize))]
    );
}

#[test]
fn a_service_the_server_does_not_serve_is_rejected_unrecognized() {
    let (mut c, mut s) = associate(EndpointConfig::default(), EndpointConfig::default());
    let id = c.send_request(&identify()).expect("send");
    pump(&mut c, &mut s);
    let reason = RejectReason::ConfirmedRequest(ConfirmedRequestProblem::UnrecognizedService);
    s.send_reject(id, reason).expect("reject");
    let (ce, _) = pump(&mut c, &mut s);
    assert_eq!(ce, vec![Got::Rejected(Some(id), reason)]);
    assert_eq!(c.outstanding(), 0);
}

#[test]
fn garbage_and_unsolicited_answers_get_reject_pdus() {
    use mms::reject::{ConfirmedResponseProblem, PduProblem};
    let (mut c, mut s) = associate(EndpointConfig::default(), EndpointConfig::default());
    // A response to a request the client never sent: confirmed-responsePDU invalid-invokeID.
    let stray = MmsPdu::response(77, identify_response()).to_vec();
    s.send_encoded(&stray).expect("send");
    let (ce, se) = pump(&mut c, &mut s);
    let reason = RejectReason::ConfirmedResponse(ConfirmedResponseProblem::InvalidInvokeId);
    assert_eq!(ce, vec![Got::ProtocolError(Some(reason))]);
    assert_eq!(se, vec![Got::Rejected(Some(77), reason)]);
    // An unknown MMSpdu tag: pdu-error unknown-pdu-type, no invokeID.
    s.send_encoded(&[0xbf, 0x20, 0x00]).expect("send");
    let (ce, se) = pump(&mut c, &mut s);
    assert_eq!(ce.len(), 1, "{ce:?}");
    assert!(
        matches!(
            se.as_slice(),
            [Got::Rejected(
                None,
                RejectReason::PduError(PduProblem::UnknownPduType | PduProblem::InvalidPdu)
            )]
        ),
        "{se:?}"
    );
    // A confirmed request without a service: rejected, the association stays.
    s.send_encoded(&[0xa0, 0x03, 0x02, 0x01, 0x09])
        .expect("send");
    let (ce, se) = pump(&mut c, &mut s);
    assert_eq!(ce.len(), 1, "{ce:?}");
    assert_eq!(se.len(), 1, "{se:?}");
    assert_eq!(c.phase(), Phase::Associated);
    assert_eq!(s.phase(), Phase::Associated);
    // And a real request still works afterwards.
    let id = c.send_request(&identify()).expect("send");
    pump(&mut c, &mut s);
    s.send_response(id, &identify_response()).expect("respond");
    let (ce, _) = pump(&mut c, &mut s);
    assert_eq!(ce, vec![Got::Response(id)]);
}

#[test]
fn conclude_then_release_closes_both_ends() {
    let (mut c, mut s) = associate(EndpointConfig::default(), EndpointConfig::default());
    c.conclude().expect("conclude");
    let (ce, se) = pump(&mut c, &mut s);
    assert!(se.contains(&Got::ConcludeIndication), "{se:?}");
    assert!(se.contains(&Got::Closed(CloseReason::Released)), "{se:?}");
    assert_eq!(ce, vec![Got::Concluded, Got::Closed(CloseReason::Released)]);
    assert!(c.is_closed() && s.is_closed());
}

/// A conclude collision (both ends conclude before either sees the other's request): each
/// answers the other's conclude, the client alone releases, and both end `Released`.
#[test]
fn crossing_concludes_end_in_a_release() {
    let (mut c, mut s) = associate(EndpointConfig::default(), EndpointConfig::default());
    c.conclude().expect("client conclude");
    s.conclude().expect("server conclude");
    let (ce, se) = pump(&mut c, &mut s);
    for seen in [&ce, &se] {
        assert_eq!(
            seen,
            &vec![
                Got::ConcludeIndication,
                Got::Concluded,
                Got::Closed(CloseReason::Released)
            ]
        );
    }
    assert!(c.is_closed() && s.is_closed());
}

/// After a collision only the answer to our own conclude may come: a request is not served,
/// the association is aborted.
#[test]
fn a_request_after_a_conclude_collision_aborts() {
    let (mut c, mut s) = associate(EndpointConfig::default(), EndpointConfig::default());
    c.conclude().expect("client conclude");
    // The server's conclude-Request, then a read it should not send: both reach the client
    // before the client's own conclude reaches the server.
    s.send_encoded(&[0x8b, 0x00]).expect("server conclude");
    s.send_request(&identify()).expect("identify");
    shuttle(&mut s, &mut c);
    let ce = drain(&mut c);
    assert_eq!(ce.first(), Some(&Got::ConcludeIndication), "{ce:?}");
    assert!(
        matches!(ce.last(), Some(Got::Closed(CloseReason::Failed(_)))),
        "{ce:?}"
    );
    assert!(!ce.iter().any(|g| matches!(g, Got::Request(..))), "{ce:?}");
    assert!(c.is_closed());
}

#[test]
fn conclude_with_requests_outstanding_is_refused() {
    let (mut c, mut s) = associate(EndpointConfig::default(), EndpointConfig::default());
    c.send_request(&identify()).expect("send");
    pump(&mut c, &mut s);
    c.conclude().expect("conclude");
    let (ce, _) = pump(&mut c, &mut s);
    assert!(
        matches!(ce.as_slice(), [Got::Other(o)] if o.contains("ConcludeRefused")),
        "{ce:?}"
    );
    assert_eq!(c.phase(), Phase::Associated);
}

#[test]
fn the_server_refuses_an_initiate_with_an_initiate_error() {
    let mut c = Endpoint::connect(EndpointConfig::default(), None);
    let mut s = Endpoint::accept(EndpointConfig::default(), None);
    let (_, se) = pump(&mut c, &mut s);
    assert!(matches!(se.as_slice(), [Got::Indication(_)]));
    s.refuse_initiate(&ServiceError::access_denied())
        .expect("refuse");
    let (ce, _) = pump(&mut c, &mut s);
    // The AARE rejected-permanent (ISO 9506-2 §8.2.1) carrying the initiate-ErrorPDU.
    match ce.as_slice() {
        [Got::Refused(r)] => match &**r {
            InitiateRefusal::Peer {
                refused:
                    Refused::Acse {
                        result: AssociateResult::RejectedPermanent,
                        diagnostic: Diagnostic::ServiceUser(ServiceUserDiagnostic::NoReasonGiven),
                        ..
                    },
                error: Some(e),
            } => assert_eq!(e.error_class, ServiceError::access_denied().error_class),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    assert!(c.is_closed());
}

/// Moves bytes between an endpoint and a bare association (a peer that does not follow the
/// MMS rules), returning the endpoint's events and the association's.
fn pump_raw(
    c: &mut Endpoint,
    s: &mut acse::association::Association,
) -> (Vec<Got>, Vec<acse::loopback::Seen>) {
    let (mut ce, mut se) = (Vec::new(), Vec::new());
    for _ in 0..20 {
        let out = c.transmit().to_vec();
        if !out.is_empty() {
            s.feed(&out).expect("feed");
            c.advance_transmit(out.len());
        }
        se.extend(acse::loopback::drain(s).expect("association"));
        let back = s.transmit().to_vec();
        if !back.is_empty() {
            c.feed(&back).expect("feed");
            s.advance_transmit(back.len());
        }
        ce.extend(drain(c));
        if out.is_empty() && back.is_empty() {
            break;
        }
    }
    (ce, se)
}

/// An accepting AARE that carries a conclude-ResponsePDU where the initiate-ResponsePDU
/// belongs: the client ends with an MMS failure that names the phase and the PDU (not a
/// decode error), and aborts.
#[test]
fn an_aare_without_an_initiate_response_is_an_mms_phase_failure() {
    use acse::association::{Association, AssociationConfig};
    use acse::loopback::Seen;
    let mut c = Endpoint::connect(EndpointConfig::default(), None);
    let mut s = Association::accept_incoming(AssociationConfig::default(), None);
    let (_, se) = pump_raw(&mut c, &mut s);
    assert!(
        matches!(se.as_slice(), [Seen::AssociateIndication(_)]),
        "{se:?}"
    );
    s.accept(&[0x8c, 0x00]).expect("accept");
    let (ce, se) = pump_raw(&mut c, &mut s);
    match ce.as_slice() {
        [Got::Closed(CloseReason::Failed(f))] => assert!(
            matches!(
                **f,
                Failure::Mms(MmsViolation::OutOfPhase {
                    phase: Phase::Initiating,
                    found: Some(mms::pdu::PduType::ConcludeResponse),
                    ..
                })
            ),
            "{f:?}"
        ),
        other => panic!("{other:?}"),
    }
    assert!(c.is_closed());
    assert_eq!(se, vec![Seen::Aborted]);
}

/// The peer's ABRT reaches the other end with its abort-source.
#[test]
fn a_peer_abort_says_what_the_abrt_said() {
    let (mut c, mut s) = associate(EndpointConfig::default(), EndpointConfig::default());
    s.abort().expect("abort");
    let (ce, _) = pump(&mut c, &mut s);
    assert_eq!(
        ce,
        vec![Got::Closed(CloseReason::PeerAborted(PeerAbort {
            source: Some(AbortSource::ServiceUser),
            diagnostic: None,
            provider_reason: None,
        }))]
    );
}

#[test]
fn both_roles_on_one_association() {
    let (mut c, mut s) = associate(EndpointConfig::default(), EndpointConfig::default());
    let id = s.send_request(&identify()).expect("server asks");
    let (ce, _) = pump(&mut c, &mut s);
    assert!(matches!(ce.as_slice(), [Got::Request(i, _)] if *i == id));
    c.send_response(id, &identify_response())
        .expect("client answers");
    let (_, se) = pump(&mut c, &mut s);
    assert_eq!(se, vec![Got::Response(id)]);
}

#[test]
fn a_cancel_of_an_unknown_invoke_id_gets_a_cancel_error() {
    let (mut c, mut s) = associate(EndpointConfig::default(), EndpointConfig::default());
    // cancel-RequestPDU [5] for invokeID 99, which the server never saw.
    c.send_encoded(&[0x85, 0x01, 0x63]).expect("send");
    let (ce, se) = pump(&mut c, &mut s);
    assert_eq!(se, vec![Got::ProtocolError(None)]);
    assert!(
        matches!(ce.as_slice(), [Got::Other(o)] if o.contains("CancelError") && o.contains("InvokeIdUnknown") && o.contains("99")),
        "{ce:?}"
    );
    assert_eq!(s.phase(), Phase::Associated);
}

#[test]
fn a_request_reusing_an_outstanding_invoke_id_is_rejected_invalid_invoke_id() {
    let (mut c, mut s) = associate(EndpointConfig::default(), EndpointConfig::default());
    let id = c.send_request(&identify()).expect("send");
    pump(&mut c, &mut s);
    // The same invokeID again while the first is unanswered.
    c.send_encoded(&MmsPdu::request(id, identify()).to_vec())
        .expect("send");
    let (ce, se) = pump(&mut c, &mut s);
    let reason = RejectReason::ConfirmedRequest(ConfirmedRequestProblem::InvalidInvokeId);
    assert_eq!(se, vec![Got::ProtocolError(Some(reason))]);
    // The client's own request is the one the reject names, so it ends there.
    assert_eq!(ce, vec![Got::Rejected(Some(id), reason)]);
    assert_eq!(s.peer_outstanding(), 1);
}

/// A client provider that refuses every AARE, as the A-security-profile does with a server
/// certificate it does not trust.
struct Distrustful;

impl acse::security::AssociationSecurity for Distrustful {
    fn name(&self) -> &'static str {
        "distrustful"
    }
    fn on_send_aarq(
        &mut self,
        _: &acse::security::SecurityContext<'_>,
        _: &mut acse::apdu::Aarq<'static>,
    ) -> Result<(), acse::security::SecurityError> {
        Ok(())
    }
    fn on_receive_aarq(
        &mut self,
        _: &acse::security::SecurityContext<'_>,
        _: &acse::apdu::Aarq<'_>,
    ) -> Result<Option<Vec<acse::apdu::External<'static>>>, acse::security::Refusal> {
        Ok(None)
    }
    fn on_send_aare(
        &mut self,
        _: &acse::security::SecurityContext<'_>,
        _: &mut acse::apdu::Aare<'static>,
    ) -> Result<(), acse::security::SecurityError> {
        Ok(())
    }
    fn on_receive_aare(
        &mut self,
        _: &acse::security::SecurityContext<'_>,
        _: &acse::apdu::Aare<'_>,
    ) -> Result<Option<Vec<acse::apdu::External<'static>>>, acse::security::Refusal> {
        Err(acse::security::Refusal::abort_event(
            Some(acse::apdu::AbortDiagnostic::AuthenticationFailure),
            "toy.certificate_untrusted",
            "not signed by a trust anchor",
        ))
    }
}

/// Our provider refuses the server's AARE: the client's refusal names the provider and the
/// event code; the server sees the ABRT's source and diagnostic.
#[test]
fn our_providers_refusal_is_the_clients_refusal() {
    let mut c = Endpoint::connect(EndpointConfig::default(), Some(Box::new(Distrustful)));
    let mut s = Endpoint::accept(EndpointConfig::default(), None);
    let (_, se) = pump(&mut c, &mut s);
    let request = match se.as_slice() {
        [Got::Indication(r)] => *r,
        other => panic!("{other:?}"),
    };
    s.accept_initiate(
        &request,
        ServicesSupported::default(),
        ParameterCbb::default(),
    )
    .expect("accept");
    let (ce, se) = pump(&mut c, &mut s);
    match ce.as_slice() {
        [Got::Refused(r)] => match &**r {
            InitiateRefusal::Local { provider, refusal } => {
                assert_eq!(*provider, "distrustful");
                assert_eq!(refusal.event(), Some("toy.certificate_untrusted"));
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    assert!(c.is_closed());
    assert_eq!(
        se,
        vec![Got::Closed(CloseReason::PeerAborted(PeerAbort {
            source: Some(AbortSource::ServiceUser),
            diagnostic: Some(acse::apdu::AbortDiagnostic::AuthenticationFailure),
            provider_reason: None,
        }))]
    );
}
