//! The server runtime (mio loops) and the blocking client over loopback TCP: requests answered
//! now and later (out of order, from another thread), Reject and Error surfaced to the caller
//! without tearing down the association, informationReports from any thread, pipelining up to
//! the negotiated limit, a stalled peer that blocks nobody, the association limit refused with
//! a COTP DR, conclude and release.

use std::borrow::Cow;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mms::client::{Client, ClientConfig, ClientError};
use mms::data::Data;
use mms::initiate::{ServiceKind, ServicesSupported};
use mms::pdu::{ConfirmedServiceRequest, ConfirmedServiceResponse, UnconfirmedService};
use mms::reject::{ConfirmedRequestProblem, RejectReason};
use mms::server::{Handler, Reply, RequestContext, Responder, RunningServer, Server, ServerConfig};
use mms::service_error::ServiceError;
use mms::services::variables::{InformationReport, ReadRequest, ReadResponse};
use mms::services::vmd::{IdentifyRequest, IdentifyResponse, StatusRequest};
use mms::{AccessResult, ObjectName, VariableAccessSpecification};

/// Identify now; Read of `slow` later from another thread, of `deny` an error, of anything else
/// an integer that counts reads; everything else unsupported.
#[derive(Default)]
struct TestHandler {
    reads: AtomicUsize,
    closed: AtomicUsize,
    later: Mutex<Vec<Responder>>,
}

impl Handler for TestHandler {
    fn services_supported(&self) -> ServicesSupported {
        ServicesSupported::from_kinds([ServiceKind::Identify, ServiceKind::Read])
    }

    fn confirmed(
        &self,
        ctx: &mut RequestContext<'_>,
        request: &ConfirmedServiceRequest<'_>,
    ) -> Reply {
        match request {
            ConfirmedServiceRequest::Identify(_) => {
                Reply::Now(Ok(ConfirmedServiceResponse::Identify(IdentifyResponse {
                    vendor_name: Cow::Borrowed("osi-mms"),
                    model_name: Cow::Borrowed("runtime-test"),
                    revision: Cow::Borrowed("1"),
                    list_of_abstract_syntaxes: None,
                })))
            }
            ConfirmedServiceRequest::Read(r) => {
                let name = match &r.variable_access_specification {
                    VariableAccessSpecification::ListOfVariable(v) => v
                        .first()
                        .and_then(|d| match &d.variable_specification {
                            mms::VariableSpecification::Name(n) => Some(n.item().to_string()),
                            _ => None,
                        })
                        .unwrap_or_default(),
                    _ => String::new(),
                };
                match name.as_str() {
                    "slow" => {
                        if let Some(responder) = ctx.responder() {
                            self.later.lock().expect("lock").push(responder);
                        }
                        Reply::Later
                    }
                    "deny" => Reply::Now(Err(ServiceError::access_denied())),
                    _ => {
                        let n = self.reads.fetch_add(1, Ordering::SeqCst) as i64;
                        Reply::Now(Ok(ConfirmedServiceResponse::Read(ReadResponse {
                            variable_access_specification: None,
                            list_of_access_result: vec![AccessResult::Success(Data::Integer(n))],
                        })))
                    }
                }
            }
            _ => Reply::Unsupported,
        }
    }

    fn closed(&self, _info: &mms::server::AssociationInfo) {
        self.closed.fetch_add(1, Ordering::SeqCst);
    }
}

fn start(config: ServerConfig) -> (RunningServer, Arc<TestHandler>) {
    let handler = Arc::new(TestHandler::default());
    let mut config = config;
    config.listen = vec![SocketAddr::from(([127, 0, 0, 1], 0))];
    let server = Server::bind(config, handler.clone()).expect("bind");
    (server.spawn().expect("spawn"), handler)
}

fn read(name: &str) -> ConfirmedServiceRequest<'static> {
    ConfirmedServiceRequest::Read(ReadRequest::names([ObjectName::domain(
        "LD".to_string(),
        name.to_string(),
    )]))
}

fn int_of(answer: &mms::client::Answer) -> i64 {
    match answer.response().expect("response") {
        ConfirmedServiceResponse::Read(r) => match r.list_of_access_result.first() {
            Some(AccessResult::Success(Data::Integer(n))) => *n,
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

#[test]
fn identify_read_error_reject_and_conclude() {
    let (server, handler) = start(ServerConfig::default());
    let client = Client::connect(server.local_addr(), ClientConfig::default()).expect("connect");
    assert!(client
        .negotiated()
        .peer_services
        .supports(ServiceKind::Read));
    let id = client
        .request(&ConfirmedServiceRequest::Identify(IdentifyRequest))
        .expect("identify");
    match id.response().expect("decode") {
        ConfirmedServiceResponse::Identify(i) => assert_eq!(i.model_name, "runtime-test"),
        other => panic!("{other:?}"),
    }
    assert_eq!(int_of(&client.request(&read("x")).expect("read")), 0);
    // An error and a reject reach the caller; the association stays up.
    assert_eq!(
        client.request(&read("deny")),
        Err(ClientError::Service(ServiceError::access_denied()))
    );
    assert_eq!(
        client.request(&ConfirmedServiceRequest::Status(StatusRequest {
            extended_derivation: false
        })),
        Err(ClientError::Rejected(RejectReason::ConfirmedRequest(
            ConfirmedRequestProblem::UnrecognizedService
        )))
    );
    assert_eq!(int_of(&client.request(&read("x")).expect("read")), 1);
    client.conclude().expect("conclude");
    assert!(client.is_closed());
    let t0 = Instant::now();
    while handler.closed.load(Ordering::SeqCst) == 0 && t0.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(handler.closed.load(Ordering::SeqCst), 1);
    let stats = server.handle().stats();
    assert_eq!(stats.associated, 1);
    assert_eq!(stats.requests, 5);
    assert_eq!(stats.rejects_sent, 1);
    server.stop().expect("stop");
}

#[test]
fn deferred_answers_come_in_the_order_the_application_gives_them() {
    let (server, handler) = start(ServerConfig::default());
    let client = Client::connect(server.local_addr(), ClientConfig::default()).expect("connect");
    let slow1 = client.send(&read("slow")).expect("send");
    let slow2 = client.send(&read("slow")).expect("send");
    // A quick one overtakes both.
    assert_eq!(int_of(&client.request(&read("x")).expect("read")), 0);
    let t0 = Instant::now();
    while handler.later.lock().expect("lock").len() < 2 && t0.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut later = std::mem::take(&mut *handler.later.lock().expect("lock"));
    assert_eq!(later.len(), 2);
    // Answer the second first, from another thread; drop the first unanswered.
    let second = later.pop().expect("second");
    let first = later.pop().expect("first");
    std::thread::spawn(move || {
        second.respond(Ok(ConfirmedServiceResponse::Read(ReadResponse {
            variable_access_specification: None,
            list_of_access_result: vec![AccessResult::Success(Data::Integer(42))],
        })))
    })
    .join()
    .expect("thread");
    assert_eq!(int_of(&slow2.wait().expect("slow2")), 42);
    drop(first);
    match slow1.wait() {
        Err(ClientError::Service(e)) => assert_eq!(
            e.error_class,
            mms::service_error::ErrorClass::Service(mms::service_error::ServiceProblem::Other(0))
        ),
        other => panic!("{other:?}"),
    }
    client.conclude().expect("conclude");
    server.stop().expect("stop");
}

#[test]
fn information_reports_from_any_thread_reach_the_client() {
    let (server, _handler) = start(ServerConfig::default());
    let client = Client::connect(server.local_addr(), ClientConfig::default()).expect("connect");
    let reports = client.unconfirmed().expect("receiver");
    // Wait until the server has registered the association.
    let t0 = Instant::now();
    while server.handle().associations().is_empty() && t0.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(5));
    }
    let handle = server.handle().clone();
    std::thread::spawn(move || {
        let report = UnconfirmedService::InformationReport(InformationReport {
            variable_access_specification: VariableAccessSpecification::VariableListName(
                ObjectName::vmd("RPT"),
            ),
            list_of_access_result: vec![AccessResult::Success(Data::VisibleString(Cow::Borrowed(
                "hello",
            )))],
        });
        assert_eq!(handle.send_unconfirmed(None, &report), 1);
    })
    .join()
    .expect("thread");
    let got = reports
        .recv_timeout(Duration::from_secs(5))
        .expect("report");
    match got.service().expect("decode") {
        UnconfirmedService::InformationReport(r) => {
            assert_eq!(r.list_name(), Some(&ObjectName::vmd("RPT")));
        }
        other => panic!("{other:?}"),
    }
    client.conclude().expect("conclude");
    server.stop().expect("stop");
}

#[test]
fn pipelined_requests_from_many_threads_are_all_answered_once() {
    let (server, handler) = start(ServerConfig::default());
    let mut cfg = ClientConfig::default();
    cfg.endpoint.initiate.proposed_max_serv_outstanding_calling = 3;
    let client = Client::connect(server.local_addr(), cfg).expect("connect");
    assert_eq!(client.negotiated().max_serv_outstanding_calling, 3);
    let mut threads = Vec::new();
    for _ in 0..4 {
        let c = client.clone();
        threads.push(std::thread::spawn(move || {
            let pend: Vec<_> = (0..50).map(|_| c.send(&read("x")).expect("send")).collect();
            pend.into_iter()
                .map(|p| int_of(&p.wait().expect("answer")))
                .collect::<Vec<_>>()
        }));
    }
    let mut all: Vec<i64> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("thread"))
        .collect();
    all.sort_unstable();
    assert_eq!(all, (0..200).collect::<Vec<i64>>());
    assert_eq!(handler.reads.load(Ordering::SeqCst), 200);
    client.conclude().expect("conclude");
    server.stop().expect("stop");
}

#[test]
fn a_stalled_peer_blocks_nobody() {
    let (server, _handler) = start(ServerConfig::default());
    // Half a TPKT header, then silence.
    let mut stalled = TcpStream::connect(server.local_addr()).expect("connect");
    stalled.write_all(&[0x03, 0x00]).expect("write");
    let client = Client::connect(server.local_addr(), ClientConfig::default()).expect("connect");
    assert_eq!(int_of(&client.request(&read("x")).expect("read")), 0);
    client.conclude().expect("conclude");
    drop(stalled);
    server.stop().expect("stop");
}

#[test]
fn the_connect_timeout_closes_a_silent_peer() {
    let config = ServerConfig::default().with_connect_timeout(Duration::from_millis(300));
    let (server, _handler) = start(config);
    let mut silent = TcpStream::connect(server.local_addr()).expect("connect");
    silent
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut buf = [0u8; 16];
    // The server closes: read returns 0 (EOF), or an error for a reset.
    let n = silent.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0);
    server.stop().expect("stop");
}

#[test]
fn beyond_the_association_limit_the_transport_is_refused_with_a_dr() {
    let config = ServerConfig::default().with_max_associations(1);
    let (server, _handler) = start(config);
    let first = Client::connect(server.local_addr(), ClientConfig::default()).expect("first");
    match Client::connect(server.local_addr(), ClientConfig::default()) {
        Err(ClientError::Closed(_)) => {}
        Err(ClientError::Refused(r))
            if matches!(
                *r,
                mms::endpoint::InitiateRefusal::Peer {
                    refused: acse::association::Refused::Transport { .. },
                    ..
                }
            ) => {}
        other => panic!("second association: {other:?}"),
    }
    // The first is still served.
    assert_eq!(int_of(&first.request(&read("x")).expect("read")), 0);
    // A raw look at the refusal: CR in, TPKT + DR (code 0x80) with reason 1 out.
    let mut raw = TcpStream::connect(server.local_addr()).expect("connect");
    raw.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("t");
    let cr = [
        0x03, 0x00, 0x00, 0x16, 0x11, 0xe0, 0x00, 0x00, 0x00, 0x01, 0x00, 0xc0, 0x01, 0x0b, 0xc2,
        0x02, 0x00, 0x01, 0xc1, 0x02, 0x00, 0x01,
    ];
    raw.write_all(&cr).expect("write");
    let mut buf = Vec::new();
    let _ = raw.read_to_end(&mut buf);
    assert!(buf.len() >= 11, "{buf:02x?}");
    assert_eq!(buf[5] & 0xf0, 0x80, "DR TPDU: {buf:02x?}");
    assert_eq!(buf[10], 1, "reason congestion at TSAP: {buf:02x?}");
    first.conclude().expect("conclude");
    server.stop().expect("stop");
}

/// Drives a raw `Endpoint` over a blocking socket until `done` says so (or 5 s pass): for
/// tests that need to send what the high-level client never sends.
fn drive(
    stream: &mut TcpStream,
    e: &mut mms::endpoint::Endpoint,
    mut done: impl FnMut(&mms::endpoint::MmsEvent<'_>) -> bool,
) -> bool {
    stream
        .set_read_timeout(Some(Duration::from_millis(50)))
        .expect("timeout");
    let end = Instant::now() + Duration::from_secs(5);
    let mut buf = [0u8; 4096];
    while Instant::now() < end {
        let out = e.transmit().to_vec();
        if !out.is_empty() {
            stream.write_all(&out).expect("write");
            e.advance_transmit(out.len());
        }
        match stream.read(&mut buf) {
            Ok(0) => return false,
            Ok(n) => e.feed(&buf[..n]).expect("feed"),
            Err(_) => {}
        }
        while let Some(ev) = e.poll_event().expect("poll") {
            if done(&ev) {
                return true;
            }
        }
    }
    false
}

#[test]
fn a_request_with_modifiers_is_rejected_unrecognized_modifier() {
    use mms::endpoint::{Endpoint, EndpointConfig, MmsEvent};
    use mms::pdu::{ConfirmedRequestPdu, MmsPdu};
    let (server, _handler) = start(ServerConfig::default());
    let mut stream = TcpStream::connect(server.local_addr()).expect("connect");
    let mut e = Endpoint::connect(EndpointConfig::default(), None);
    assert!(drive(&mut stream, &mut e, |ev| matches!(
        ev,
        MmsEvent::Established(_)
    )));
    // A modifier taken from a tshark-checked vector (mms/vectors/event.vec,
    // define-event-action-request), put on an identify request.
    let with_modifier = [
        0xa0, 0x35, 0x02, 0x01, 0x0c, 0xbf, 0x35, 0x2f, 0xa0, 0x05, 0x80, 0x03, 0x45, 0x41, 0x31,
        0xa1, 0x26, 0xa1, 0x24, 0xa0, 0x0d, 0xa1, 0x0b, 0x1a, 0x03, 0x4c, 0x44, 0x30, 0x1a, 0x04,
        0x53, 0x65, 0x6d, 0x31, 0x81, 0x02, 0x54, 0x31, 0x82, 0x01, 0x0a, 0x83, 0x02, 0x01, 0xf4,
        0x84, 0x02, 0x07, 0xd0, 0x85, 0x01, 0x01, 0x86, 0x01, 0x00,
    ];
    let modifier = match MmsPdu::decode(&with_modifier).expect("vector") {
        MmsPdu::ConfirmedRequest(ConfirmedRequestPdu {
            service: ConfirmedServiceRequest::DefineEventAction(d),
            ..
        }) => d.list_of_modifier.expect("modifiers").remove(0),
        other => panic!("{other:?}"),
    };
    let pdu = MmsPdu::ConfirmedRequest(ConfirmedRequestPdu {
        invoke_id: 41,
        list_of_modifier: vec![modifier],
        service: ConfirmedServiceRequest::Identify(IdentifyRequest),
        cs_request_detail: None,
    })
    .to_vec();
    e.send_encoded(&pdu).expect("send");
    let mut got = None;
    assert!(drive(&mut stream, &mut e, |ev| {
        if let MmsEvent::Rejected(r) = ev {
            got = Some(*r);
            true
        } else {
            false
        }
    }));
    let r = got.expect("reject");
    assert_eq!(r.original_invoke_id, Some(41));
    assert_eq!(
        r.reason,
        RejectReason::ConfirmedRequest(ConfirmedRequestProblem::UnrecognizedModifier)
    );
    server.stop().expect("stop");
}

#[test]
fn an_aarq_without_an_initiate_request_is_refused_with_an_initiate_error() {
    use acse::association::{Association, AssociationConfig, Event, Refused};
    let (server, _handler) = start(ServerConfig::default());
    let mut stream = TcpStream::connect(server.local_addr()).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_millis(50)))
        .expect("timeout");
    // A conclude-RequestPDU where the initiate-RequestPDU belongs.
    let mut a = Association::connect(AssociationConfig::default(), &[0x8b, 0x00], None);
    let end = Instant::now() + Duration::from_secs(5);
    let mut buf = [0u8; 4096];
    let mut refused = None;
    while refused.is_none() && Instant::now() < end {
        let out = a.transmit().to_vec();
        if !out.is_empty() {
            stream.write_all(&out).expect("write");
            a.advance_transmit(out.len());
        }
        if let Ok(n) = stream.read(&mut buf) {
            if n == 0 {
                break;
            }
            a.feed(&buf[..n]).expect("feed");
        }
        while let Some(ev) = a.poll_event().expect("poll") {
            if let Event::Refused(r) = ev {
                refused = Some(*r);
            }
        }
    }
    match refused.expect("the AARQ is refused") {
        Refused::Acse {
            user_data: Some(d), ..
        } => match mms::pdu::MmsPdu::decode(&d).expect("initiate-Error") {
            mms::pdu::MmsPdu::InitiateError(e) => assert!(matches!(
                e.error_class,
                mms::service_error::ErrorClass::Initiate(_)
            )),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    assert_eq!(server.handle().stats().associated, 0);
    server.stop().expect("stop");
}

/// The security factory in the configurations reaches every association: the server's
/// password provider admits the client that has the password, and refuses (AARE
/// rejected-permanent, authentication-failure / -required) the ones that do not.
#[test]
fn a_security_factory_in_the_configuration_authenticates_every_association() {
    use acse::password::PasswordFactory;
    let config = ServerConfig::default()
        .with_security(Some(Arc::new(PasswordFactory::new(b"s3cret".to_vec()))));
    let (server, _handler) = start(config);
    let with = |password: Option<&[u8]>| {
        ClientConfig::default().with_security(password.map(|p| {
            Arc::new(PasswordFactory::new(p.to_vec())) as Arc<dyn acse::security::SecurityFactory>
        }))
    };
    let good = Client::connect(server.local_addr(), with(Some(b"s3cret"))).expect("connect");
    assert!(good
        .request(&ConfirmedServiceRequest::Identify(IdentifyRequest))
        .is_ok());
    use acse::apdu::{AssociateResult, Diagnostic, ServiceUserDiagnostic as D};
    for (bad, diagnostic) in [
        (Some(&b"wrong!"[..]), D::AuthenticationFailure),
        (None, D::AuthenticationMechanismNameRequired),
    ] {
        match Client::connect(server.local_addr(), with(bad)) {
            Err(ClientError::Refused(r)) => match *r {
                mms::endpoint::InitiateRefusal::Peer {
                    refused:
                        acse::association::Refused::Acse {
                            result: AssociateResult::RejectedPermanent,
                            diagnostic: Diagnostic::ServiceUser(d),
                            ..
                        },
                    error: None,
                } => assert_eq!(d, diagnostic, "{bad:?}"),
                other => panic!("{bad:?}: {other:?}"),
            },
            other => panic!("{bad:?}: {other:?}"),
        }
    }
    // The admitted association is unaffected by the refusals.
    assert!(good
        .request(&ConfirmedServiceRequest::Identify(IdentifyRequest))
        .is_ok());
    good.conclude().expect("conclude");
    server.stop().expect("stop");
}

#[test]
fn a_request_the_server_never_answers_times_out_and_the_association_goes_on() {
    let (server, handler) = start(ServerConfig::default());
    let config = ClientConfig::default().with_request_timeout(Duration::from_millis(300));
    let client = Client::connect(server.local_addr(), config).expect("connect");
    let t0 = Instant::now();
    match client.request(&read("slow")) {
        Err(ClientError::Timeout) => {}
        other => panic!("{other:?}"),
    }
    // The endpoint's timer fired, not some other bound: not before the time-out.
    assert!(t0.elapsed() >= Duration::from_millis(300));
    // The late answer is dropped quietly and the association keeps serving.
    let late = handler
        .later
        .lock()
        .expect("lock")
        .pop()
        .expect("responder");
    late.respond(Ok(ConfirmedServiceResponse::Read(ReadResponse {
        variable_access_specification: None,
        list_of_access_result: vec![AccessResult::Success(Data::Integer(7))],
    })));
    assert_eq!(int_of(&client.request(&read("x")).expect("read")), 0);
    client.conclude().expect("conclude");
    server.stop().expect("stop");
}

#[test]
fn the_idle_timeout_aborts_a_quiet_association() {
    let config = ServerConfig::default().with_idle_timeout(Some(Duration::from_millis(300)));
    let (server, handler) = start(config);
    let client = Client::connect(server.local_addr(), ClientConfig::default()).expect("connect");
    let t0 = Instant::now();
    while !client.is_closed() && t0.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        client.is_closed(),
        "the server did not end the idle association"
    );
    assert!(t0.elapsed() >= Duration::from_millis(250));
    let t1 = Instant::now();
    while handler.closed.load(Ordering::SeqCst) == 0 && t1.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(handler.closed.load(Ordering::SeqCst), 1);
    server.stop().expect("stop");
}
