//! Two MMS endpoints over XMPP links, in memory (no XMPP server, no socket): every stanza one
//! side wants sent is opened as the uplink would open it and handed to the other side. Then
//! the router alone, fed parsed stanzas. Checked: the association comes up through the E2E
//! handshake; each MMS PDU rides in the stanza F-1204 names; iq ids correlate requests and
//! answers (U-13); a PDU in the wrong stanza is not delivered (F-1201, event 18.6); the
//! deadlines, the loss of the peer and the server's iq errors end the association; routing by
//! (JID, assoID) and the stanza errors of F-1205; the routing tables never leak.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use acse::security::{ApplicationSecurity, Role as SecurityRole, SecurityEvents};
use acse::timer::{Clock, Deadline};
use cot::pki::{KeyKind, LeafSpec, Pki};
use cot::xmpp::{IqType, Payload, Stanza, StanzaError, StanzaKind};
use e2e_sec::pdu::xml::E2E_NS;
use e2e_sec::pdu::Kind;
use e2e_sec::xmpp::{envelope, open_envelope, StanzaType, XmppViolation};
use e2e_sec::{E2eConfig, E2eCredential, E2eFactory};
use proptest::prelude::*;

use super::link::{Inbound, LinkConfig, Outbound};
use super::mapping::{classify, PduRole};
use super::uplink::{Router, StanzaErrorOut, UplinkEvent, MAX_ROUTES};
use crate::data::Data;
use crate::endpoint::{CloseReason, Endpoint, EndpointConfig, MmsEvent, Phase};
use crate::initiate::{ParameterCbb, ServiceKind, ServicesSupported};
use crate::pdu::{ConfirmedServiceRequest, ConfirmedServiceResponse, UnconfirmedService};
use crate::reject::{ConfirmedRequestProblem, RejectReason};
use crate::service_error::{ErrorClass, ServiceError, ServiceProblem};
use crate::services::variables::{
    InformationReport, ReadRequest, ReadResponse, WriteRequest, WriteResponse, WriteResult,
};
use crate::services::vmd::{IdentifyRequest, IdentifyResponse};
use crate::{AccessResult, ObjectName, VariableAccessSpecification};

const CLIENT_BARE: &str = "cc@example.org";
const SERVER_BARE: &str = "ied@example.org";
const CLIENT: &str = "cc@example.org/IEC";
const SERVER: &str = "ied@example.org/IEC";
const CLIENT_PREFIX: &str = "c7";
const SERVER_PREFIX: &str = "s3";
/// The invalid-stanza-type event (IEC 62351-14 group 18, check 6).
const INVALID_STANZA_TYPE: &str = "IEC62351-4:18.6";
const ESTABLISH: Duration = Duration::from_secs(10);
const RELEASE: Duration = Duration::from_secs(5);

/// A clock the test moves.
#[derive(Clone)]
struct TestClock {
    base: Instant,
    millis: Arc<AtomicU64>,
}

impl TestClock {
    fn new() -> TestClock {
        TestClock {
            base: Instant::now(),
            millis: Arc::new(AtomicU64::new(0)),
        }
    }
    fn clock(&self) -> Clock {
        let (base, millis) = (self.base, self.millis.clone());
        Clock::new(move || base + Duration::from_millis(millis.load(Ordering::SeqCst)))
    }
    fn advance(&self, d: Duration) {
        let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        self.millis.fetch_add(ms, Ordering::SeqCst);
    }
    fn now(&self) -> Instant {
        self.base + Duration::from_millis(self.millis.load(Ordering::SeqCst))
    }
}

fn cred(c: cot::pki::Credential) -> E2eCredential {
    E2eCredential {
        certificate: c.certificate,
        key: c.key,
        chain: c.chain,
    }
}

/// Both E2E factories, with certificates carrying the JIDs (F-1207).
fn factories() -> (E2eFactory, E2eFactory) {
    let root = Pki::new_root("XMPP link test root", KeyKind::EcP256).unwrap();
    let leaf = |cn: &str, jid: &str| {
        cred(
            root.issue(&LeafSpec::new(cn).with_key(KeyKind::EcP256).with_jid(jid))
                .unwrap(),
        )
    };
    let make = |c: E2eCredential| {
        let cfg = E2eConfig::new(c, vec![root.ca().certificate.clone()]);
        E2eFactory::new(cfg, Arc::new(SecurityEvents::new())).unwrap()
    };
    (
        make(leaf("client", CLIENT_BARE)),
        make(leaf("server", SERVER_BARE)),
    )
}

fn endpoint_config(clock: &TestClock) -> EndpointConfig {
    let mut c = EndpointConfig::default();
    c.association.timeouts.clock = clock.clock();
    c.association.timeouts.release = Some(RELEASE);
    c
}

fn link_config(peer: &str, prefix: &str, clock: &TestClock) -> (LinkConfig, Arc<SecurityEvents>) {
    let events = Arc::new(SecurityEvents::new());
    (
        LinkConfig {
            peer: peer.to_string(),
            id_prefix: prefix.to_string(),
            limits: crate::xer::XerLimits::default(),
            establish: Some(ESTABLISH),
            release: Some(RELEASE),
            clock: clock.clock(),
            events: events.clone(),
        },
        events,
    )
}

/// What the uplink hands a link for a stanza it sent: the envelope opened.
fn inbound(out: &Outbound) -> Inbound {
    let env = open_envelope(&out.payload).unwrap();
    Inbound {
        stanza: out.stanza,
        id: Some(out.id.clone()),
        kind: env.kind,
        secpdu: env.secpdu.to_vec(),
    }
}

fn kind_of(out: &Outbound) -> Kind {
    open_envelope(&out.payload).unwrap().kind
}

/// What one poll round produced, owned.
#[derive(Debug, Clone, PartialEq)]
enum Got {
    Indication(crate::InitiateRequest),
    Established,
    Request(u32),
    Response(u32),
    Error(u32),
    Rejected(Option<u32>),
    Unconfirmed,
    ProtocolError,
    CancelRequest(u32),
    CancelResponse(u32),
    Concluded,
    ConcludeIndication,
    Closed(CloseReason),
    Failed(String),
    Other(String),
}

fn drain(e: &mut Endpoint) -> Vec<Got> {
    let mut out = Vec::new();
    loop {
        let ev = match e.poll_event() {
            Ok(Some(ev)) => ev,
            Ok(None) => break,
            Err(err) => {
                out.push(Got::Failed(err.to_string()));
                break;
            }
        };
        out.push(match ev {
            MmsEvent::InitiateIndication { request, .. } => Got::Indication(request),
            MmsEvent::Established(_) => Got::Established,
            MmsEvent::Request { pdu, .. } => Got::Request(pdu.invoke_id),
            MmsEvent::Response { pdu, .. } => Got::Response(pdu.invoke_id),
            MmsEvent::Error(e) => Got::Error(e.invoke_id),
            MmsEvent::Rejected(r) => Got::Rejected(r.original_invoke_id),
            MmsEvent::Unconfirmed { .. } => Got::Unconfirmed,
            MmsEvent::ProtocolError { .. } => Got::ProtocolError,
            MmsEvent::CancelRequest(id) => Got::CancelRequest(id),
            MmsEvent::CancelResponse(id) => Got::CancelResponse(id),
            MmsEvent::Concluded => Got::Concluded,
            MmsEvent::ConcludeIndication => Got::ConcludeIndication,
            MmsEvent::Closed(r) => Got::Closed(r),
            other => Got::Other(format!("{other:?}")),
        });
    }
    out
}

/// The one stanza `e` wants sent now.
fn one(e: &mut Endpoint) -> Outbound {
    let out = e.poll_stanza().expect("a stanza to send");
    assert!(e.poll_stanza().is_none(), "exactly one stanza");
    out
}

/// A client and a server endpoint, associated over XMPP links.
struct Pair {
    clock: TestClock,
    c: Endpoint,
    s: Endpoint,
    c_events: Arc<SecurityEvents>,
    s_events: Arc<SecurityEvents>,
}

/// The client's endpoint and its HandshakeReq, not yet delivered.
fn connect(clock: &TestClock, cf: &E2eFactory) -> (Endpoint, Arc<SecurityEvents>, Outbound) {
    let (link, events) = link_config(SERVER, CLIENT_PREFIX, clock);
    let e2e = cf.xmpp_association(SecurityRole::Initiator, CLIENT_BARE, SERVER_BARE);
    let mut c = Endpoint::connect_xmpp(endpoint_config(clock), link, e2e).unwrap();
    let req = one(&mut c);
    (c, events, req)
}

/// The server's endpoint made from the client's HandshakeReq, as the runtime makes it.
fn accept(clock: &TestClock, sf: &E2eFactory, req: &Outbound) -> (Endpoint, Arc<SecurityEvents>) {
    let (link, events) = link_config(CLIENT, SERVER_PREFIX, clock);
    let e2e = sf.xmpp_association(SecurityRole::Responder, SERVER_BARE, CLIENT_BARE);
    let asso_id = open_envelope(&req.payload).unwrap().asso_id;
    let s = Endpoint::accept_xmpp(endpoint_config(clock), link, e2e, inbound(req), &asso_id);
    (s, events)
}

fn services() -> ServicesSupported {
    ServicesSupported::from_kinds([ServiceKind::Identify, ServiceKind::Read, ServiceKind::Write])
}

fn associate() -> Pair {
    let clock = TestClock::new();
    let (cf, sf) = factories();
    let (mut c, c_events, req) = connect(&clock, &cf);
    assert_eq!(
        req.stanza,
        StanzaType::IqSet,
        "HandshakeReq rides in iq set"
    );
    assert_eq!(req.to, SERVER);
    assert_eq!(kind_of(&req), Kind::HandshakeReq);
    assert!(req.id.starts_with("c7-"), "{}", req.id);
    let (mut s, s_events) = accept(&clock, &sf, &req);
    let request = match drain(&mut s).as_slice() {
        [Got::Indication(r)] => *r,
        other => panic!("server saw {other:?}"),
    };
    s.accept_initiate(&request, services(), ParameterCbb::libiec61850_like())
        .unwrap();
    let acc = one(&mut s);
    assert_eq!(
        acc.stanza,
        StanzaType::IqResult,
        "HandshakeAcc rides in iq result"
    );
    assert_eq!(
        acc.id, req.id,
        "the HandshakeAcc answers the HandshakeReq's iq"
    );
    assert_eq!(acc.to, CLIENT);
    assert_eq!(kind_of(&acc), Kind::HandshakeAcc);
    assert_eq!(
        c.xmpp_link().unwrap().awaiting(),
        1,
        "the HandshakeReq's iq"
    );
    c.handle_stanza(inbound(&acc));
    assert_eq!(drain(&mut c), vec![Got::Established]);
    assert_eq!(c.xmpp_link().unwrap().awaiting(), 0);
    Pair {
        clock,
        c,
        s,
        c_events,
        s_events,
    }
}

/// Carries the one stanza `from` wants sent to `to`; returns it.
fn carry(from: &mut Endpoint, to: &mut Endpoint) -> Outbound {
    let out = one(from);
    to.handle_stanza(inbound(&out));
    out
}

fn read() -> ConfirmedServiceRequest<'static> {
    ConfirmedServiceRequest::Read(ReadRequest::names([ObjectName::domain(
        "LD".to_string(),
        "x".to_string(),
    )]))
}

fn read_response() -> ConfirmedServiceResponse<'static> {
    ConfirmedServiceResponse::Read(ReadResponse {
        variable_access_specification: None,
        list_of_access_result: vec![AccessResult::Success(Data::Integer(7))],
    })
}

fn write() -> ConfirmedServiceRequest<'static> {
    ConfirmedServiceRequest::Write(WriteRequest::single(
        ObjectName::domain("LD".to_string(), "y".to_string()),
        Data::Integer(1),
    ))
}

fn identify_response() -> ConfirmedServiceResponse<'static> {
    ConfirmedServiceResponse::Identify(IdentifyResponse {
        vendor_name: Cow::Borrowed("osi-mms"),
        model_name: Cow::Borrowed("xmpp"),
        revision: Cow::Borrowed("1"),
        list_of_abstract_syntaxes: None,
    })
}

fn report() -> UnconfirmedService<'static> {
    UnconfirmedService::InformationReport(InformationReport {
        variable_access_specification: VariableAccessSpecification::VariableListName(
            ObjectName::vmd("RPT"),
        ),
        list_of_access_result: vec![AccessResult::Success(Data::Integer(3))],
    })
}

#[test]
fn the_association_comes_up_end_to_end_protected() {
    let p = associate();
    assert_eq!(p.c.phase(), Phase::Associated);
    assert_eq!(p.s.phase(), Phase::Associated);
    let (cn, sn) = (p.c.negotiated().unwrap(), p.s.negotiated().unwrap());
    assert_eq!(cn.max_serv_outstanding_calling, 5);
    assert_eq!(sn.max_serv_outstanding_calling, 5);
    assert_eq!(p.c.application_security(), ApplicationSecurity::EndToEnd);
    assert_eq!(p.s.application_security(), ApplicationSecurity::EndToEnd);
    assert!(p.c.authenticated_peer().is_some());
    assert!(p.s.authenticated_peer().is_some());
    // Both links name the association by the completed assoID (`client:server`).
    let (cl, sl) = (p.c.xmpp_link().unwrap(), p.s.xmpp_link().unwrap());
    assert_eq!(cl.asso_id(), sl.asso_id());
    assert!(cl.asso_id().contains(':'), "{}", cl.asso_id());
    assert_eq!((cl.peer(), sl.peer()), (SERVER, CLIENT));
}

#[test]
fn reads_go_in_iq_get_writes_in_iq_set_answers_in_the_requests_iq_result() {
    let mut p = associate();
    // read -> iq get, our prefix.
    let id = p.c.send_request(&read()).unwrap();
    let rq = carry(&mut p.c, &mut p.s);
    assert_eq!(rq.stanza, StanzaType::IqGet);
    assert!(rq.id.starts_with("c7-"), "{}", rq.id);
    assert_eq!(
        kind_of(&rq),
        Kind::EncrTransfer,
        "the default mode encrypts"
    );
    assert_eq!(drain(&mut p.s), vec![Got::Request(id)]);
    p.s.send_response(id, &read_response()).unwrap();
    let rs = carry(&mut p.s, &mut p.c);
    assert_eq!(
        (rs.stanza, rs.id.as_str()),
        (StanzaType::IqResult, rq.id.as_str())
    );
    assert_eq!(drain(&mut p.c), vec![Got::Response(id)]);
    // write -> iq set; its confirmed-Error -> iq result with the write's id.
    let id = p.c.send_request(&write()).unwrap();
    let wq = carry(&mut p.c, &mut p.s);
    assert_eq!(wq.stanza, StanzaType::IqSet);
    assert!(wq.id.starts_with("c7-") && wq.id != rq.id, "{}", wq.id);
    assert_eq!(drain(&mut p.s), vec![Got::Request(id)]);
    p.s.send_error(
        id,
        &ServiceError::new(ErrorClass::Service(
            ServiceProblem::ObjectConstraintConflict,
        )),
    )
    .unwrap();
    let we = carry(&mut p.s, &mut p.c);
    assert_eq!(
        (we.stanza, we.id.as_str()),
        (StanzaType::IqResult, wq.id.as_str())
    );
    assert_eq!(drain(&mut p.c), vec![Got::Error(id)]);
    // A write answered with a response, too.
    let id = p.c.send_request(&write()).unwrap();
    let wq = carry(&mut p.c, &mut p.s);
    drain(&mut p.s);
    p.s.send_response(
        id,
        &ConfirmedServiceResponse::Write(WriteResponse(vec![WriteResult::Success])),
    )
    .unwrap();
    let ws = carry(&mut p.s, &mut p.c);
    assert_eq!((ws.stanza, ws.id), (StanzaType::IqResult, wq.id));
    assert_eq!(drain(&mut p.c), vec![Got::Response(id)]);
}

#[test]
fn the_servers_requests_carry_its_prefix_and_the_client_answers_with_their_ids() {
    let mut p = associate();
    let id =
        p.s.send_request(&ConfirmedServiceRequest::Identify(IdentifyRequest))
            .unwrap();
    let q = carry(&mut p.s, &mut p.c);
    assert_eq!(
        q.stanza,
        StanzaType::IqGet,
        "identify changes nothing: iq get"
    );
    assert!(q.id.starts_with("s3-"), "{}", q.id);
    assert_eq!(q.to, CLIENT);
    assert_eq!(drain(&mut p.c), vec![Got::Request(id)]);
    p.c.send_response(id, &identify_response()).unwrap();
    let a = carry(&mut p.c, &mut p.s);
    assert_eq!((a.stanza, a.id), (StanzaType::IqResult, q.id));
    assert_eq!(drain(&mut p.s), vec![Got::Response(id)]);
}

#[test]
fn outstanding_requests_answered_out_of_order_keep_their_iq_ids() {
    let mut p = associate();
    let mut asked = Vec::new();
    for _ in 0..4 {
        let id = p.c.send_request(&read()).unwrap();
        let q = carry(&mut p.c, &mut p.s);
        asked.push((id, q.id));
    }
    let ids: Vec<u32> = asked.iter().map(|(i, _)| *i).collect();
    let iq_ids: std::collections::HashSet<&String> = asked.iter().map(|(_, q)| q).collect();
    assert_eq!(iq_ids.len(), 4, "every request has its own iq id");
    assert_eq!(
        drain(&mut p.s),
        ids.iter().map(|i| Got::Request(*i)).collect::<Vec<_>>()
    );
    for k in [2usize, 0, 3, 1] {
        let (id, q) = &asked[k];
        p.s.send_response(*id, &read_response()).unwrap();
        let a = carry(&mut p.s, &mut p.c);
        assert_eq!(a.stanza, StanzaType::IqResult);
        assert_eq!(&a.id, q, "the answer to {id} reuses its request's iq id");
        assert_eq!(drain(&mut p.c), vec![Got::Response(*id)]);
    }
    assert_eq!(p.c.outstanding(), 0);
    assert_eq!(p.c.xmpp_link().unwrap().awaiting(), 0);
    assert_eq!(p.c_events.count(super::UNSOLICITED_RESULT), 0);
}

#[test]
fn reports_and_rejects_go_in_messages() {
    let mut p = associate();
    p.s.send_unconfirmed(&report()).unwrap();
    let m = carry(&mut p.s, &mut p.c);
    assert_eq!(m.stanza, StanzaType::Message);
    assert_eq!(drain(&mut p.c), vec![Got::Unconfirmed]);
    // The client reports too (either end may).
    p.c.send_unconfirmed(&report()).unwrap();
    assert_eq!(carry(&mut p.c, &mut p.s).stanza, StanzaType::Message);
    assert_eq!(drain(&mut p.s), vec![Got::Unconfirmed]);
    // A RejectPDU answering a request: a message, not the request's iq result.
    let id = p.c.send_request(&read()).unwrap();
    carry(&mut p.c, &mut p.s);
    assert_eq!(drain(&mut p.s), vec![Got::Request(id)]);
    p.s.send_reject(
        id,
        RejectReason::ConfirmedRequest(ConfirmedRequestProblem::UnrecognizedService),
    )
    .unwrap();
    let r = carry(&mut p.s, &mut p.c);
    assert_eq!(r.stanza, StanzaType::Message);
    assert_eq!(drain(&mut p.c), vec![Got::Rejected(Some(id))]);
    assert_eq!(p.c.outstanding(), 0);
    assert_eq!(
        p.c.xmpp_link().unwrap().awaiting(),
        0,
        "the rejected request's iq awaits nothing"
    );
    assert_eq!(p.c_events.count(INVALID_STANZA_TYPE), 0);
    assert_eq!(p.s_events.count(INVALID_STANZA_TYPE), 0);
}

#[test]
fn a_cancel_goes_in_iq_get_and_its_answer_in_the_cancels_iq_result() {
    let mut p = associate();
    let id = p.c.send_request(&read()).unwrap();
    carry(&mut p.c, &mut p.s);
    drain(&mut p.s);
    p.c.send_cancel(id).unwrap();
    let q = carry(&mut p.c, &mut p.s);
    assert_eq!(q.stanza, StanzaType::IqGet);
    assert!(q.id.starts_with("c7-"));
    assert_eq!(drain(&mut p.s), vec![Got::CancelRequest(id)]);
    p.s.send_cancel_response(id).unwrap();
    let a = carry(&mut p.s, &mut p.c);
    assert_eq!((a.stanza, a.id), (StanzaType::IqResult, q.id));
    assert_eq!(drain(&mut p.c), vec![Got::CancelResponse(id)]);
    assert_eq!(p.c.outstanding(), 0);
}

#[test]
fn conclude_and_release_ride_in_iq_set_and_result() {
    let mut p = associate();
    p.c.conclude().unwrap();
    let cq = carry(&mut p.c, &mut p.s);
    assert_eq!(
        (cq.stanza, kind_of(&cq)),
        (StanzaType::IqSet, Kind::EncrTransfer)
    );
    assert!(cq.id.starts_with("c7-"));
    assert_eq!(drain(&mut p.s), vec![Got::ConcludeIndication]);
    let cr = carry(&mut p.s, &mut p.c);
    assert_eq!(
        (cr.stanza, cr.id.as_str()),
        (StanzaType::IqResult, cq.id.as_str())
    );
    assert_eq!(drain(&mut p.c), vec![Got::Concluded]);
    // The concluding side releases: ReleaseReq in iq set, ReleaseRsp in its iq result.
    let rq = carry(&mut p.c, &mut p.s);
    assert_eq!(
        (rq.stanza, kind_of(&rq)),
        (StanzaType::IqSet, Kind::ReleaseReq)
    );
    assert!(rq.id.starts_with("c7-") && rq.id != cq.id);
    assert_eq!(drain(&mut p.s), vec![Got::Closed(CloseReason::Released)]);
    let rs = carry(&mut p.s, &mut p.c);
    assert_eq!(
        (rs.stanza, kind_of(&rs)),
        (StanzaType::IqResult, Kind::ReleaseRsp)
    );
    assert_eq!(rs.id, rq.id);
    assert_eq!(drain(&mut p.c), vec![Got::Closed(CloseReason::Released)]);
    assert!(p.c.is_closed() && p.s.is_closed());
    assert!(p.c.poll_stanza().is_none() && p.s.poll_stanza().is_none());
}

/// The client concludes, the server accepts; the client's ReleaseReq, not yet delivered.
fn concluded_release_request(p: &mut Pair) -> Outbound {
    p.c.conclude().unwrap();
    carry(&mut p.c, &mut p.s);
    assert_eq!(drain(&mut p.s), vec![Got::ConcludeIndication]);
    carry(&mut p.s, &mut p.c);
    assert_eq!(drain(&mut p.c), vec![Got::Concluded]);
    let rq = one(&mut p.c);
    assert_eq!(kind_of(&rq), Kind::ReleaseReq);
    rq
}

/// Flips the lowest bit of the last hex digit of the signature value in a signed SecPDU.
fn flip_signature(out: &mut Outbound) {
    let text = String::from_utf8(out.payload.clone()).unwrap();
    let end = text.rfind("</sign></sign>").expect("a signature value");
    let at = end - 1;
    let digit = u8::from_str_radix(&text[at..=at], 16).unwrap() ^ 1;
    out.payload[at] = format!("{digit:X}").as_bytes()[0];
}

/// A ReleaseReq whose signature fails: the server sends its signed ApplAbort in a message
/// and then the iq error that answers the ReleaseReq's iq, in that order, so the client ends
/// with the peer's abort (not `Disconnected` by the iq error, not `Released`).
#[test]
fn a_release_req_failing_its_signature_gets_the_abort_before_the_iq_error() {
    let mut p = associate();
    let mut rq = concluded_release_request(&mut p);
    flip_signature(&mut rq);
    p.s.handle_stanza(inbound(&rq));
    let got = drain(&mut p.s);
    assert!(
        matches!(got.as_slice(), [Got::Failed(_)]),
        "the server did not fail the association: {got:?}"
    );
    let abort = p.s.poll_stanza().expect("the abort");
    let error = p.s.poll_stanza().expect("the iq error");
    assert!(p.s.poll_stanza().is_none());
    assert_eq!(
        (abort.stanza, kind_of(&abort)),
        (StanzaType::Message, Kind::ApplAbort)
    );
    assert_eq!(
        (error.stanza, error.id.as_str()),
        (StanzaType::IqError, rq.id.as_str())
    );
    p.c.handle_stanza(inbound(&abort));
    match drain(&mut p.c).as_slice() {
        [Got::Closed(CloseReason::PeerAborted(_))] => {}
        other => panic!("{other:?}"),
    }
    assert!(p.c.is_closed() && p.s.is_closed());
}

/// Both ends conclude at once (the requests cross): each answers the other's conclude, the
/// client alone sends the E2E ReleaseReq, and both end `Released` (the conclude-collision rule,
/// the same over OSI).
#[test]
fn crossing_concludes_end_in_a_release() {
    let mut p = associate();
    p.c.conclude().unwrap();
    p.s.conclude().unwrap();
    let mut seen = (Vec::new(), Vec::new());
    let mut release_reqs = 0;
    for _ in 0..10 {
        let mut moved = false;
        while let Some(o) = p.c.poll_stanza() {
            release_reqs += usize::from(kind_of(&o) == Kind::ReleaseReq);
            p.s.handle_stanza(inbound(&o));
            moved = true;
        }
        seen.1.extend(drain(&mut p.s));
        while let Some(o) = p.s.poll_stanza() {
            release_reqs += usize::from(kind_of(&o) == Kind::ReleaseReq);
            p.c.handle_stanza(inbound(&o));
            moved = true;
        }
        seen.0.extend(drain(&mut p.c));
        if !moved {
            break;
        }
    }
    assert!(p.c.is_closed() && p.s.is_closed(), "{seen:?}");
    let expected = vec![
        Got::ConcludeIndication,
        Got::Concluded,
        Got::Closed(CloseReason::Released),
    ];
    assert_eq!((&seen.0, &seen.1), (&expected, &expected));
    assert_eq!(release_reqs, 1, "exactly one ReleaseReq (the client's)");
}

#[test]
fn an_abort_goes_in_a_message() {
    let mut p = associate();
    p.c.abort().unwrap();
    let m = carry(&mut p.c, &mut p.s);
    assert_eq!(
        (m.stanza, kind_of(&m)),
        (StanzaType::Message, Kind::ApplAbort)
    );
    match drain(&mut p.s).as_slice() {
        [Got::Closed(CloseReason::PeerAborted(_))] => {}
        other => panic!("{other:?}"),
    }
    assert!(p.s.is_closed());
}

#[test]
fn a_request_in_a_message_or_an_iq_result_is_not_delivered() {
    let mut p = associate();
    // In a message.
    p.c.send_request(&read()).unwrap();
    let mut q = one(&mut p.c);
    q.stanza = StanzaType::Message;
    p.s.handle_stanza(inbound(&q));
    assert_eq!(drain(&mut p.s), vec![]);
    assert_eq!(p.s_events.count(INVALID_STANZA_TYPE), 1);
    assert_eq!(p.s.peer_outstanding(), 0);
    // In an iq result answering an iq of the server's (so it passes the correlation check).
    p.s.send_request(&ConfirmedServiceRequest::Identify(IdentifyRequest))
        .unwrap();
    let servers = one(&mut p.s);
    p.c.send_request(&read()).unwrap();
    let mut q = one(&mut p.c);
    q.stanza = StanzaType::IqResult;
    q.id = servers.id.clone();
    p.s.handle_stanza(inbound(&q));
    assert_eq!(drain(&mut p.s), vec![]);
    assert_eq!(p.s_events.count(INVALID_STANZA_TYPE), 2);
    assert_eq!(p.s_events.count(super::UNSOLICITED_RESULT), 0);
    // The association goes on: the next request in its iq get is served.
    let id = p.c.send_request(&read()).unwrap();
    carry(&mut p.c, &mut p.s);
    assert_eq!(drain(&mut p.s), vec![Got::Request(id)]);
    assert_eq!(p.s.phase(), Phase::Associated);
}

#[test]
fn an_answer_outside_an_iq_result_and_a_report_in_an_iq_are_not_delivered() {
    let mut p = associate();
    let id = p.c.send_request(&read()).unwrap();
    carry(&mut p.c, &mut p.s);
    drain(&mut p.s);
    p.s.send_response(id, &read_response()).unwrap();
    let mut a = one(&mut p.s);
    a.stanza = StanzaType::Message;
    p.c.handle_stanza(inbound(&a));
    assert_eq!(drain(&mut p.c), vec![]);
    assert_eq!(p.c_events.count(INVALID_STANZA_TYPE), 1);
    assert_eq!(p.c.outstanding(), 1, "the request still waits");
    p.s.send_unconfirmed(&report()).unwrap();
    let mut m = one(&mut p.s);
    m.stanza = StanzaType::IqSet;
    p.c.handle_stanza(inbound(&m));
    assert_eq!(drain(&mut p.c), vec![]);
    assert_eq!(p.c_events.count(INVALID_STANZA_TYPE), 2);
    assert_eq!(p.c.phase(), Phase::Associated);
}

#[test]
fn an_iq_result_answering_nothing_is_dropped_and_counted() {
    let mut p = associate();
    let id = p.c.send_request(&read()).unwrap();
    let q = carry(&mut p.c, &mut p.s);
    drain(&mut p.s);
    p.s.send_response(id, &read_response()).unwrap();
    let mut a = one(&mut p.s);
    a.id = "c7-999".to_string();
    p.c.handle_stanza(inbound(&a));
    assert_eq!(drain(&mut p.c), vec![]);
    assert_eq!(p.c_events.count(super::UNSOLICITED_RESULT), 1);
    // Without an id at all.
    let mut without = inbound(&a);
    without.id = None;
    p.c.handle_stanza(without);
    assert_eq!(drain(&mut p.c), vec![]);
    assert_eq!(p.c_events.count(super::UNSOLICITED_RESULT), 2);
    // The SecPDU was not consumed: in the right iq it is delivered.
    a.id = q.id;
    p.c.handle_stanza(inbound(&a));
    assert_eq!(drain(&mut p.c), vec![Got::Response(id)]);
    // The same iq result a second time answers nothing any more.
    p.c.handle_stanza(inbound(&a));
    assert_eq!(drain(&mut p.c), vec![]);
    assert_eq!(p.c_events.count(super::UNSOLICITED_RESULT), 3);
}

#[test]
fn the_loss_of_the_peer_ends_the_association() {
    let mut p = associate();
    p.c.peer_lost();
    assert_eq!(
        drain(&mut p.c),
        vec![Got::Closed(CloseReason::Disconnected)]
    );
    assert!(p.c.is_closed());
    assert!(p.c.poll_stanza().is_none(), "nothing goes to a lost peer");
    assert!(p.c.poll_timeout().is_none());
    // A stanza after it is ignored.
    p.s.send_unconfirmed(&report()).unwrap();
    carry(&mut p.s, &mut p.c);
    assert_eq!(drain(&mut p.c), vec![]);
}

#[test]
fn an_iq_error_for_one_of_our_iqs_ends_the_association() {
    let mut p = associate();
    p.c.send_request(&read()).unwrap();
    let q = one(&mut p.c);
    p.c.iq_error(&q.id, "service-unavailable");
    assert_eq!(
        drain(&mut p.c),
        vec![Got::Closed(CloseReason::Disconnected)]
    );
    assert!(p.c.is_closed());
    // On the server side, before the association is even accepted.
    let clock = TestClock::new();
    let (cf, sf) = factories();
    let (_c, _, req) = connect(&clock, &cf);
    let (mut s, _) = accept(&clock, &sf, &req);
    assert!(matches!(drain(&mut s).as_slice(), [Got::Indication(_)]));
    s.iq_error("s3-1", "remote-server-not-found");
    assert_eq!(drain(&mut s), vec![Got::Closed(CloseReason::Disconnected)]);
}

#[test]
fn the_establishment_deadline_aborts_in_a_message() {
    let clock = TestClock::new();
    let (cf, sf) = factories();
    let (mut c, _, req) = connect(&clock, &cf);
    let deadline = c
        .poll_timeout()
        .expect("the establishment deadline is armed");
    assert_eq!(deadline, clock.now() + ESTABLISH);
    clock.advance(ESTABLISH - Duration::from_millis(1));
    c.handle_timeout(clock.now());
    assert_eq!(drain(&mut c), vec![]);
    assert!(c.poll_stanza().is_none());
    clock.advance(Duration::from_millis(1));
    establishment_timed_out(&mut c, &clock, SERVER);
    // The server that never answers the initiate times out the same way.
    let (mut s, _) = accept(&clock, &sf, &req);
    assert!(matches!(drain(&mut s).as_slice(), [Got::Indication(_)]));
    clock.advance(ESTABLISH);
    establishment_timed_out(&mut s, &clock, CLIENT);
}

/// At `clock`'s now, `e`'s establishment deadline has passed: it ends `TimedOut` and sends an
/// ApplAbort to `peer` in a message.
fn establishment_timed_out(e: &mut Endpoint, clock: &TestClock, peer: &str) {
    e.handle_timeout(clock.now());
    assert_eq!(
        drain(e),
        vec![Got::Closed(CloseReason::TimedOut(Deadline::Establishment))]
    );
    let m = one(e);
    assert_eq!(
        (m.stanza, kind_of(&m)),
        (StanzaType::Message, Kind::ApplAbort)
    );
    assert_eq!(m.to, peer);
}

#[test]
fn the_release_deadline_aborts_in_a_message() {
    let mut p = associate();
    let _lost = concluded_release_request(&mut p);
    // The ReleaseReq is lost: no ReleaseRsp comes.
    clock_past(&p.clock, RELEASE);
    p.c.handle_timeout(p.clock.now());
    assert_eq!(
        drain(&mut p.c),
        vec![Got::Closed(CloseReason::TimedOut(Deadline::Release))]
    );
    let m = one(&mut p.c);
    assert_eq!(
        (m.stanza, kind_of(&m)),
        (StanzaType::Message, Kind::ApplAbort)
    );
}

fn clock_past(clock: &TestClock, d: Duration) {
    clock.advance(d + Duration::from_millis(1));
}

#[test]
fn a_conclude_nobody_answers_times_out() {
    let mut p = associate();
    p.c.conclude().unwrap();
    one(&mut p.c);
    clock_past(&p.clock, RELEASE);
    p.c.handle_timeout(p.clock.now());
    assert_eq!(
        drain(&mut p.c),
        vec![Got::Closed(CloseReason::TimedOut(Deadline::Release))]
    );
    let m = one(&mut p.c);
    assert_eq!(
        (m.stanza, kind_of(&m)),
        (StanzaType::Message, Kind::ApplAbort)
    );
}

// ---------------------------------------------------------------------------------------
// The mapping's BER readers on odd input.
// ---------------------------------------------------------------------------------------

#[test]
fn classify_reads_five_octet_invoke_ids_modifiers_and_refuses_the_rest() {
    // invokeID 0xFFFFFFFF in five octets (a leading zero keeps it unsigned).
    let max = [
        0xA0, 0x0A, 0x02, 0x05, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xA4, 0x01, 0x00,
    ];
    assert_eq!(
        classify(&max),
        Ok(PduRole::Request {
            invoke_id: u32::MAX,
            set: false
        })
    );
    // Five octets without the leading zero: beyond Unsigned32.
    let over = [
        0xA0, 0x0A, 0x02, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0xA4, 0x01, 0x00,
    ];
    assert!(classify(&over).is_err());
    // Six octets, and none at all.
    let six = [
        0xA1, 0x0B, 0x02, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xA4, 0x01, 0x00,
    ];
    assert!(classify(&six).is_err());
    assert!(classify(&[0xA1, 0x04, 0x02, 0x00, 0xA4, 0x00]).is_err());
    // listOfModifier before the service: the service after it decides (write: set).
    let modified = [
        0xA0, 0x09, 0x02, 0x01, 0x01, 0x30, 0x02, 0xA0, 0x00, 0xA5, 0x00,
    ];
    assert_eq!(
        classify(&modified),
        Ok(PduRole::Request {
            invoke_id: 1,
            set: true
        })
    );
    // Modifiers and then nothing.
    assert!(classify(&[0xA0, 0x07, 0x02, 0x01, 0x01, 0x30, 0x02, 0xA0, 0x00]).is_err());
    // Truncated: the length runs past the end.
    assert!(classify(&[0xA0, 0x10, 0x02, 0x01]).is_err());
    assert!(classify(&[0xA0]).is_err());
    // A universal service tag is not a read: iq set.
    assert!(matches!(
        classify(&[0xA0, 0x05, 0x02, 0x01, 0x01, 0x04, 0x00]),
        Ok(PduRole::Request { set: true, .. })
    ));
    // confirmed-Error: invokeID [0] IMPLICIT first.
    assert_eq!(
        classify(&[0xA2, 0x05, 0x80, 0x01, 0x09, 0xA2, 0x00]),
        Ok(PduRole::Answer { invoke_id: 9 })
    );
    // cancel-Request [5] IMPLICIT Unsigned32 of five octets.
    assert_eq!(
        classify(&[0x85, 0x05, 0x00, 0x80, 0x00, 0x00, 0x00]),
        Ok(PduRole::CancelRequest {
            invoke_id: 0x8000_0000
        })
    );
    // The initiate PDUs never ride in a transfer.
    assert_eq!(classify(&[0xA8, 0x00]), Ok(PduRole::Initiate));
    assert!(classify(&[0xAE, 0x00]).is_err());
}

#[test]
fn reject_original_reads_only_a_rejects_first_field() {
    use super::link::reject_original;
    assert_eq!(
        reject_original(&[0xA4, 0x06, 0x80, 0x01, 0x07, 0x81, 0x01, 0x01]),
        Some(7)
    );
    assert_eq!(
        reject_original(&[0xA4, 0x09, 0x80, 0x05, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x81, 0x00]),
        Some(u32::MAX)
    );
    // Beyond Unsigned32, six octets, empty.
    assert_eq!(
        reject_original(&[0xA4, 0x07, 0x80, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00]),
        None
    );
    assert_eq!(
        reject_original(&[0xA4, 0x08, 0x80, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01]),
        None
    );
    assert_eq!(reject_original(&[0xA4, 0x02, 0x80, 0x00]), None);
    // No originalInvokeID (the reason first), not a reject, truncated, empty.
    assert_eq!(reject_original(&[0xA4, 0x03, 0x81, 0x01, 0x01]), None);
    assert_eq!(reject_original(&[0xA3, 0x03, 0x80, 0x01, 0x07]), None);
    assert_eq!(reject_original(&[0xA4, 0x05, 0x80, 0x01]), None);
    assert_eq!(reject_original(&[]), None);
    // A universal tag numbered 4 is no rejectPDU.
    assert_eq!(reject_original(&[0x24, 0x03, 0x80, 0x01, 0x07]), None);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn classify_and_reject_original_never_panic(data in proptest::collection::vec(any::<u8>(), 0..40)) {
        let _ = classify(&data);
        let _ = super::link::reject_original(&data);
    }

    #[test]
    fn classify_never_panics_on_request_shaped_input(
        tail in proptest::collection::vec(any::<u8>(), 0..24),
        top in prop::sample::select(vec![0xA0u8, 0xA1, 0xA2, 0xA4, 0x85, 0xA6, 0xA7, 0xAB, 0x8C]),
    ) {
        let mut data = vec![top, u8::try_from(tail.len()).unwrap_or(0)];
        data.extend_from_slice(&tail);
        let _ = classify(&data);
        let _ = super::link::reject_original(&data);
    }
}

// ---------------------------------------------------------------------------------------
// The router.
// ---------------------------------------------------------------------------------------

const P: &str = "peer@example.org/IEC";
const P_OTHER: &str = "peer@example.org/other";
const Q: &str = "q@example.org/IEC";

fn payload_of(asso_id: &str, kind: Kind) -> Payload {
    let secpdu = format!("<{} xmlns='{E2E_NS}'/>", kind.xml_name());
    Payload {
        name: "e2e".to_string(),
        ns: e2e_sec::xmpp::ENV_NS.to_string(),
        bytes: envelope(asso_id, secpdu.as_bytes()),
    }
}

fn stanza(kind: StanzaKind, from: &str, id: Option<&str>, payload: Option<Payload>) -> Stanza {
    Stanza {
        kind,
        id: id.map(str::to_string),
        from: Some(from.to_string()),
        to: Some("me@example.org/IEC".to_string()),
        payload,
        error: None,
    }
}

fn iq(t: IqType, from: &str, id: &str, asso_id: &str, kind: Kind) -> Stanza {
    stanza(
        StanzaKind::Iq(t),
        from,
        Some(id),
        Some(payload_of(asso_id, kind)),
    )
}

fn message(from: &str, asso_id: &str, kind: Kind) -> Stanza {
    stanza(
        StanzaKind::Message("normal".to_string()),
        from,
        None,
        Some(payload_of(asso_id, kind)),
    )
}

fn router() -> (Router, Arc<SecurityEvents>) {
    let events = Arc::new(SecurityEvents::new());
    (Router::new(events.clone()), events)
}

fn delivered(r: &mut Router) -> Vec<(u64, StanzaType, Kind)> {
    let mut out = Vec::new();
    while let Some(e) = r.poll_event() {
        match e {
            UplinkEvent::Deliver { handle, inbound } => {
                out.push((handle, inbound.stanza, inbound.kind))
            }
            other => panic!("{other:?}"),
        }
    }
    out
}

#[test]
fn the_router_routes_by_sender_and_asso_id() {
    let (mut r, events) = router();
    assert!(r.add_route(P, "1:1", "s1", 1));
    assert!(r.add_route(P, "2:9", "s2", 2));
    assert!(r.add_route(Q, "1:1", "s3", 3));
    assert!(!r.add_route(P, "1:1", "s4", 4), "route taken");
    assert!(!r.add_route(P, "3", "s1", 5), "prefix taken");
    assert!(!r.add_route(P, "3", "s5", 1), "handle taken");
    assert_eq!(r.table_sizes(), (3, 3, 3, 3));
    r.route(iq(IqType::Get, P, "x-1", "2:9", Kind::ClearTransfer));
    r.route(message(Q, "1:1", Kind::EncrTransfer));
    r.route(iq(IqType::Set, P, "x-2", "1:1", Kind::ReleaseReq));
    assert_eq!(
        delivered(&mut r),
        vec![
            (2, StanzaType::IqGet, Kind::ClearTransfer),
            (3, StanzaType::Message, Kind::EncrTransfer),
            (1, StanzaType::IqSet, Kind::ReleaseReq),
        ]
    );
    // The same assoID from another resource of the peer is another association: unknown.
    r.route(message(P_OTHER, "1:1", Kind::ClearTransfer));
    assert!(r.poll_event().is_none());
    assert_eq!(events.count(super::UNKNOWN_ASSOCIATION), 1);
    assert!(r.poll_error().is_none(), "a message gets no stanza error");
    let mut inbound_ids = Vec::new();
    r.route(iq(IqType::Result, P, "c7-5", "1:1", Kind::ClearTransfer));
    while let Some(UplinkEvent::Deliver { inbound, .. }) = r.poll_event() {
        inbound_ids.push(inbound.id);
    }
    assert_eq!(inbound_ids, vec![Some("c7-5".to_string())]);
}

/// The initiator refused our HandshakeAcc: its HandshakeSecAbort names only its own part of
/// the assoID, yet reaches the association (renamed `initiator:responder` when we accepted).
/// Only a HandshakeSecAbort does; and a second association under a live initiator part is
/// refused (F-1206: each part is locally unique per JID pair).
#[test]
fn a_handshake_sec_abort_under_the_initiators_part_reaches_the_association() {
    let (mut r, events) = router();
    assert!(r.add_route(P, "382", "s1", 1));
    assert!(r.rename_route(1, "382:7"));
    r.route(message(P, "382", Kind::HandshakeSecAbort));
    assert_eq!(
        delivered(&mut r),
        vec![(1, StanzaType::Message, Kind::HandshakeSecAbort)]
    );
    // Any other SecPDU under the bare part is for an unknown association.
    r.route(message(P, "382", Kind::ApplAbort));
    assert!(r.poll_event().is_none());
    assert_eq!(events.count(super::UNKNOWN_ASSOCIATION), 1);
    // Another peer's part of the same number is not ours.
    r.route(message(Q, "382", Kind::HandshakeSecAbort));
    assert!(r.poll_event().is_none());
    assert_eq!(events.count(super::UNKNOWN_ASSOCIATION), 2);
    // The part is taken while the association lives, free again once it is gone.
    assert!(!r.is_free(P, "382"));
    assert!(!r.add_route(P, "382", "s2", 2), "initiator part taken");
    assert!(r.add_route(Q, "382", "s2", 2), "another peer's part");
    r.remove_route(1);
    assert!(r.is_free(P, "382"));
    assert!(r.add_route(P, "382", "s3", 3));
    assert_eq!(r.table_sizes(), (2, 2, 2, 2));
}

#[test]
fn the_handshake_answer_finds_the_route_made_under_our_part() {
    let (mut r, events) = router();
    assert!(r.add_route(P, "17", "c1", 1));
    r.route(iq(IqType::Result, P, "c1-1", "17:4", Kind::HandshakeAcc));
    assert_eq!(
        delivered(&mut r),
        vec![(1, StanzaType::IqResult, Kind::HandshakeAcc)]
    );
    r.route(iq(
        IqType::Result,
        P,
        "c1-1",
        "17:5",
        Kind::ApplicationReject,
    ));
    r.route(iq(
        IqType::Result,
        P,
        "c1-1",
        "17:6",
        Kind::HandshakeSecReject,
    ));
    assert_eq!(delivered(&mut r).len(), 2);
    // Any other SecPDU under `ours:theirs` before the rename is for no association.
    r.route(iq(IqType::Set, P, "p-1", "17:4", Kind::ClearTransfer));
    assert!(r.poll_event().is_none());
    assert_eq!(events.count(super::UNKNOWN_ASSOCIATION), 1);
    // After the rename it is routed, and the bare part is not any more.
    assert!(r.rename_route(1, "17:4"));
    r.route(iq(IqType::Set, P, "p-2", "17:4", Kind::ClearTransfer));
    assert_eq!(
        delivered(&mut r),
        vec![(1, StanzaType::IqSet, Kind::ClearTransfer)]
    );
    assert!(
        !r.is_free(P, "17"),
        "the initiator part stays taken while it lives"
    );
    assert!(!r.is_free(P, "17:4"));
    // From another peer, the same answer finds nothing.
    r.route(iq(IqType::Result, Q, "c1-1", "17:4", Kind::HandshakeAcc));
    assert!(r.poll_event().is_none());
}

#[test]
fn a_handshake_on_an_unknown_asso_id_is_a_new_association() {
    let (mut r, events) = router();
    r.route(iq(IqType::Set, P, "h-1", "42", Kind::HandshakeReq));
    match r.poll_event() {
        Some(UplinkEvent::Handshake {
            peer,
            asso_id,
            inbound,
        }) => {
            assert_eq!((peer.as_str(), asso_id.as_str()), (P, "42"));
            assert_eq!(inbound.kind, Kind::HandshakeReq);
            assert_eq!(inbound.id.as_deref(), Some("h-1"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(events.total(), 0);
}

#[test]
fn an_unknown_asso_id_gets_item_not_found_for_iq_requests() {
    let (mut r, events) = router();
    assert!(r.add_route(P, "1:1", "s1", 1));
    r.route(iq(IqType::Get, P, "q-1", "1:2", Kind::EncrTransfer));
    assert!(r.poll_event().is_none());
    assert_eq!(
        r.poll_error(),
        Some(StanzaErrorOut {
            to: P.to_string(),
            id: "q-1".to_string(),
            error_type: "cancel",
            condition: "item-not-found",
        })
    );
    assert!(r.poll_error().is_none());
    // An iq result and a message get none; each is counted.
    r.route(iq(IqType::Result, P, "q-2", "1:2", Kind::ReleaseRsp));
    r.route(message(P, "1:2", Kind::ApplAbort));
    assert!(r.poll_error().is_none());
    assert!(r.poll_event().is_none());
    assert_eq!(events.count(super::UNKNOWN_ASSOCIATION), 3);
}

#[test]
fn unavailable_presence_loses_every_association_of_that_jid() {
    let (mut r, _) = router();
    assert!(r.add_route(P, "1:1", "s1", 1));
    assert!(r.add_route(P, "2:2", "s2", 2));
    assert!(r.add_route(P_OTHER, "1:1", "s3", 3));
    assert!(r.add_route(Q, "1:1", "s4", 4));
    let presence = |from: &str, t: Option<&str>| {
        stanza(
            StanzaKind::Presence(t.map(str::to_string)),
            from,
            None,
            None,
        )
    };
    // The full JID: its associations only.
    r.route(presence(P, Some("unavailable")));
    match r.poll_event() {
        Some(UplinkEvent::PeerGone(h)) => assert_eq!(h, vec![1, 2]),
        other => panic!("{other:?}"),
    }
    // The bare JID: every resource.
    r.route(presence("peer@example.org", Some("unavailable")));
    match r.poll_event() {
        Some(UplinkEvent::PeerGone(h)) => assert_eq!(h, vec![1, 2, 3]),
        other => panic!("{other:?}"),
    }
    // Available presence, and unavailable presence of a stranger: nothing.
    r.route(presence(P, None));
    r.route(presence("nobody@example.org/IEC", Some("unavailable")));
    assert!(r.poll_event().is_none());
    assert!(r.poll_error().is_none());
}

#[test]
fn an_iq_error_goes_to_the_association_whose_prefix_its_id_carries() {
    let (mut r, _) = router();
    assert!(r.add_route(P, "1:1", "s12", 12));
    assert!(r.add_route(P, "2:2", "s1", 1));
    let mut e = stanza(StanzaKind::Iq(IqType::Error), P, Some("s12-4"), None);
    e.error = Some(StanzaError {
        error_type: "cancel".to_string(),
        condition: "service-unavailable".to_string(),
        text: None,
    });
    r.route(e.clone());
    match r.poll_event() {
        Some(UplinkEvent::IqError {
            handle,
            id,
            condition,
        }) => {
            assert_eq!((handle, id.as_str()), (12, "s12-4"));
            assert_eq!(condition, "service-unavailable");
        }
        other => panic!("{other:?}"),
    }
    // A stranger who guessed an id cannot end the association.
    r.route(stanza(
        StanzaKind::Iq(IqType::Error),
        "mallory@example.org/IEC",
        Some("s12-5"),
        None,
    ));
    assert!(
        r.poll_event().is_none(),
        "an iq error from a stranger was obeyed"
    );
    // Without an error element: undefined-condition. From the server's JID too.
    let mut bare = stanza(
        StanzaKind::Iq(IqType::Error),
        "example.org",
        Some("s1-9"),
        None,
    );
    bare.error = None;
    r.route(bare);
    match r.poll_event() {
        Some(UplinkEvent::IqError {
            handle, condition, ..
        }) => assert_eq!((handle, condition.as_str()), (1, "undefined-condition")),
        other => panic!("{other:?}"),
    }
    // An id with no known prefix, none at all, a message error: nothing.
    for id in [Some("zz-1"), Some("s12"), Some("-"), None] {
        r.route(stanza(StanzaKind::Iq(IqType::Error), P, id, None));
    }
    r.route(stanza(
        StanzaKind::Message("error".to_string()),
        P,
        None,
        None,
    ));
    assert!(r.poll_event().is_none());
    assert!(r.poll_error().is_none());
    // After the route is removed, its prefix is forgotten.
    r.remove_route(12);
    r.route(e);
    assert!(r.poll_event().is_none());
}

#[test]
fn a_stanza_without_the_envelope_is_refused_with_bad_request_for_iq_requests() {
    let (mut r, events) = router();
    assert!(r.add_route(P, "1:1", "s1", 1));
    let malformed = XmppViolation::Malformed("x").event(StanzaType::IqGet).code;
    let namespace = XmppViolation::InvalidNamespace(String::new())
        .event(StanzaType::IqGet)
        .code;
    // No payload.
    r.route(stanza(StanzaKind::Iq(IqType::Get), P, Some("a-1"), None));
    r.route(stanza(StanzaKind::Iq(IqType::Result), P, Some("a-2"), None));
    r.route(stanza(
        StanzaKind::Message("normal".to_string()),
        P,
        None,
        None,
    ));
    assert_eq!(events.count(malformed), 3);
    let bad = r.poll_error().unwrap();
    assert_eq!(
        (bad.id.as_str(), bad.error_type, bad.condition),
        ("a-1", "modify", "bad-request")
    );
    assert!(r.poll_error().is_none());
    // A payload in another namespace.
    let foreign = Payload {
        name: "query".to_string(),
        ns: "jabber:iq:version".to_string(),
        bytes: b"<query xmlns='jabber:iq:version'/>".to_vec(),
    };
    r.route(stanza(
        StanzaKind::Iq(IqType::Set),
        P,
        Some("a-3"),
        Some(foreign.clone()),
    ));
    r.route(stanza(
        StanzaKind::Message("chat".to_string()),
        P,
        None,
        Some(foreign),
    ));
    assert_eq!(events.count(namespace), 2);
    assert_eq!(r.poll_error().map(|e| e.condition), Some("bad-request"));
    assert!(r.poll_error().is_none());
    // A SecPDU in a stanza it may not ride in (HandshakeReq in an iq get): 18.6, bad-request.
    r.route(iq(IqType::Get, P, "a-4", "1:1", Kind::HandshakeReq));
    assert_eq!(events.count(INVALID_STANZA_TYPE), 1);
    assert_eq!(r.poll_error().map(|e| e.id), Some("a-4".to_string()));
    // An abort in an iq: message-missing, and no delivery.
    r.route(iq(IqType::Set, P, "a-5", "1:1", Kind::ApplAbort));
    assert!(r.poll_event().is_none());
    assert_eq!(r.poll_error().map(|e| e.id), Some("a-5".to_string()));
    // A broken envelope in a message: an event, no error.
    let mut broken = payload_of("1:1", Kind::ClearTransfer);
    broken.bytes.truncate(broken.bytes.len() - 3);
    r.route(stanza(
        StanzaKind::Message("normal".to_string()),
        P,
        None,
        Some(broken),
    ));
    assert_eq!(events.count(malformed), 4);
    assert!(r.poll_error().is_none());
    assert!(r.poll_event().is_none());
}

#[test]
fn the_router_holds_at_most_max_routes() {
    // A thousand assoIDs per peer (they have at most three digits).
    let (mut r, _) = router();
    for h in 0..u64::try_from(MAX_ROUTES).unwrap() {
        let peer = format!("p{}@example.org/IEC", h / 1000);
        assert!(r.add_route(&peer, &format!("{}", h % 1000), &format!("p{h}"), h));
    }
    assert_eq!(r.routes(), MAX_ROUTES);
    assert!(!r.add_route(Q, "1", "last", u64::MAX));
    r.remove_route(0);
    assert!(r.add_route(Q, "1", "last", u64::MAX));
    assert_eq!(
        r.table_sizes(),
        (MAX_ROUTES, MAX_ROUTES, MAX_ROUTES, MAX_ROUTES)
    );
}

#[test]
fn rename_refuses_an_asso_id_another_association_has() {
    let (mut r, _) = router();
    assert!(r.add_route(P, "1", "s1", 1));
    assert!(r.add_route(P, "2:5", "s2", 2));
    assert!(!r.rename_route(1, "2:5"));
    assert!(
        !r.rename_route(1, "2:6"),
        "another association's initiator part"
    );
    assert!(!r.rename_route(9, "3"), "unknown handle");
    assert!(r.rename_route(1, "1"), "the same assoID");
    r.route(message(P, "2:5", Kind::ClearTransfer));
    assert_eq!(
        delivered(&mut r),
        vec![(2, StanzaType::Message, Kind::ClearTransfer)]
    );
    r.remove_route(1);
    r.remove_route(2);
    assert_eq!(r.table_sizes(), (0, 0, 0, 0));
}

#[derive(Debug, Clone)]
enum Op {
    Add(u8, u8, u8, u8),
    Rename(u8, u8),
    Remove(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..4, 0u8..6, 0u8..8, 0u8..8).prop_map(|(p, a, x, h)| Op::Add(p, a, x, h)),
        (0u8..8, 0u8..6).prop_map(|(h, a)| Op::Rename(h, a)),
        (0u8..8).prop_map(Op::Remove),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Whatever the order of adds (colliding routes, handles, prefixes), renames (onto taken
    /// assoIDs too) and removes, the three tables agree, every route leads back to its
    /// handle, and removing every handle leaves them empty.
    #[test]
    fn the_routing_tables_stay_consistent_and_leak_nothing(ops in proptest::collection::vec(op(), 0..60)) {
        let (mut r, _) = router();
        let mut live = std::collections::BTreeMap::new();
        for op in ops {
            match op {
                Op::Add(p, a, x, h) => {
                    let peer = format!("p{p}@example.org/IEC");
                    if r.add_route(&peer, &a.to_string(), &format!("x{x}"), u64::from(h)) {
                        prop_assert!(!live.contains_key(&h));
                        live.insert(h, (peer, a.to_string()));
                    }
                }
                Op::Rename(h, a) => {
                    let wanted = format!("{a}:1");
                    if r.rename_route(u64::from(h), &wanted) {
                        if let Some(entry) = live.get_mut(&h) {
                            entry.1 = wanted;
                        } else {
                            prop_assert!(false, "renamed an unknown handle");
                        }
                    }
                }
                Op::Remove(h) => {
                    r.remove_route(u64::from(h));
                    live.remove(&h);
                }
            }
            prop_assert_eq!(
                r.table_sizes(),
                (live.len(), live.len(), live.len(), live.len())
            );
            // Every live route delivers to its handle.
            for (h, (peer, asso)) in &live {
                prop_assert!(!r.is_free(peer, asso));
                r.route(message(peer, asso, Kind::ClearTransfer));
                match r.poll_event() {
                    Some(UplinkEvent::Deliver { handle, .. }) => prop_assert_eq!(handle, u64::from(*h)),
                    other => prop_assert!(false, "{:?}", other),
                }
            }
        }
        for h in 0..8u64 {
            r.remove_route(h);
        }
        prop_assert_eq!(r.table_sizes(), (0, 0, 0, 0));
        prop_assert_eq!(r.routes(), 0);
    }
}

#[test]
fn a_duplicate_invoke_id_does_not_take_the_first_requests_iq() {
    let mut p = associate();
    let id = p.c.send_request(&read()).unwrap();
    let first = carry(&mut p.c, &mut p.s);
    assert_eq!(drain(&mut p.s), vec![Got::Request(id)]);
    // The same request (same invokeID) again, in an iq of its own.
    let pdu = crate::pdu::MmsPdu::ConfirmedRequest(crate::pdu::ConfirmedRequestPdu {
        invoke_id: id,
        list_of_modifier: Vec::new(),
        service: read(),
        cs_request_detail: None,
    })
    .to_vec();
    p.c.send_encoded(&pdu).unwrap();
    let dup = carry(&mut p.c, &mut p.s);
    assert_ne!(dup.id, first.id);
    assert_eq!(drain(&mut p.s), vec![Got::ProtocolError]);
    // The server rejects the duplicate (invalid-invokeID) in a message ...
    let reject = carry(&mut p.s, &mut p.c);
    assert_eq!(reject.stanza, StanzaType::Message);
    assert_eq!(drain(&mut p.c), vec![Got::Rejected(Some(id))]);
    // ... and still answers the first request in the first request's iq.
    p.s.send_response(id, &read_response()).unwrap();
    let answer = one(&mut p.s);
    assert_eq!((answer.stanza, answer.id), (StanzaType::IqResult, first.id));
    assert_eq!(p.c_events.count(INVALID_STANZA_TYPE), 0);
}

/// A peer whose iq requests pile up unanswered (here the server's application never takes
/// them) cannot grow the table of its iq ids past its bound: the request beyond it is answered
/// at once with `resource-constraint` and not delivered, and that is no wrong-stanza event.
#[test]
fn a_request_past_the_peer_iq_bound_gets_resource_constraint() {
    let mut p = associate();
    let bound = super::link::MAX_PEER_IQS as u32;
    let mut last = None;
    for invoke_id in 0..=bound {
        let pdu = crate::pdu::MmsPdu::ConfirmedRequest(crate::pdu::ConfirmedRequestPdu {
            invoke_id,
            list_of_modifier: Vec::new(),
            service: read(),
            cs_request_detail: None,
        })
        .to_vec();
        p.c.send_encoded(&pdu).unwrap();
        last = Some(carry(&mut p.c, &mut p.s));
    }
    let last = last.unwrap();
    let refusal = one(&mut p.s);
    assert_eq!(
        (refusal.stanza, refusal.id.as_str()),
        (StanzaType::IqError, last.id.as_str())
    );
    let text = String::from_utf8(refusal.payload).unwrap();
    assert!(text.contains("<resource-constraint "), "{text}");
    assert_eq!(p.s_events.count(INVALID_STANZA_TYPE), 0);
    // The association goes on: the bound's worth of requests reaches the endpoint.
    let got = drain(&mut p.s);
    assert!(!got.iter().any(|g| matches!(g, Got::Closed(_))), "closed");
    assert!(!p.s.is_closed());
}
