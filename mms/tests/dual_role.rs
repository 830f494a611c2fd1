//! Both roles on one association, over loopback TCP: the server sends confirmed requests to
//! the partner that called it ([`ServerHandle::client`]) while the partner's requests reach the
//! server's handler, and the calling client serves a handler of its own. Answers, errors,
//! rejects, time-outs, pipelining beyond the partner's outstanding limit, unconfirmed PDUs in
//! both directions, the server's conclude, and the end of the association reaching a caller
//! that waits.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mms::client::{Client, ClientConfig, ClientError};
use mms::data::Data;
use mms::initiate::{ServiceKind, ServicesSupported};
use mms::pdu::{ConfirmedServiceRequest, ConfirmedServiceResponse, UnconfirmedService};
use mms::reject::{ConfirmedRequestProblem, RejectReason};
use mms::server::{
    AssociationInfo, Handler, Reply, RequestContext, Responder, RunningServer, Server,
    ServerConfig, ServerHandle,
};
use mms::service_error::ServiceError;
use mms::services::variables::{InformationReport, ReadRequest, ReadResponse};
use mms::services::vmd::{IdentifyRequest, IdentifyResponse, StatusRequest};
use mms::{AccessResult, ObjectName, VariableAccessSpecification};

const WAIT: Duration = Duration::from_secs(5);

/// One side's handler: Identify names the side; a Read of `slow` is kept unanswered, of
/// `deny` refused, of anything else answered with the side's read count; unconfirmed PDUs and
/// the calling AE-title it was shown are recorded.
struct Side {
    name: &'static str,
    reads: AtomicUsize,
    unconfirmed: AtomicUsize,
    later: Mutex<Vec<Responder>>,
    calling: Mutex<Vec<Option<String>>>,
}

impl Side {
    fn new(name: &'static str) -> Arc<Side> {
        Arc::new(Side {
            name,
            reads: AtomicUsize::new(0),
            unconfirmed: AtomicUsize::new(0),
            later: Mutex::new(Vec::new()),
            calling: Mutex::new(Vec::new()),
        })
    }
}

fn item_of(r: &ReadRequest<'_>) -> String {
    match &r.variable_access_specification {
        VariableAccessSpecification::ListOfVariable(v) => v
            .first()
            .and_then(|d| match &d.variable_specification {
                mms::VariableSpecification::Name(n) => Some(n.item().to_string()),
                _ => None,
            })
            .unwrap_or_default(),
        _ => String::new(),
    }
}

impl Handler for Side {
    fn services_supported(&self) -> ServicesSupported {
        ServicesSupported::from_kinds([ServiceKind::Identify, ServiceKind::Read])
    }

    fn confirmed(
        &self,
        ctx: &mut RequestContext<'_>,
        request: &ConfirmedServiceRequest<'_>,
    ) -> Reply {
        self.calling.lock().expect("lock").push(
            ctx.association
                .calling
                .ap_title
                .as_ref()
                .map(|o| o.to_id_string()),
        );
        match request {
            ConfirmedServiceRequest::Identify(_) => {
                Reply::Now(Ok(ConfirmedServiceResponse::Identify(IdentifyResponse {
                    vendor_name: Cow::Borrowed("osi-mms"),
                    model_name: Cow::Borrowed(self.name),
                    revision: Cow::Borrowed("1"),
                    list_of_abstract_syntaxes: None,
                })))
            }
            ConfirmedServiceRequest::Read(r) => match item_of(r).as_str() {
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
            },
            _ => Reply::Unsupported,
        }
    }

    fn unconfirmed(&self, _info: &AssociationInfo, _service: &UnconfirmedService<'_>) {
        self.unconfirmed.fetch_add(1, Ordering::SeqCst);
    }
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

fn identify_model(c: &Client) -> String {
    match c
        .request(&ConfirmedServiceRequest::Identify(IdentifyRequest))
        .expect("identify")
        .response()
        .expect("response")
    {
        ConfirmedServiceResponse::Identify(i) => i.model_name.into_owned(),
        other => panic!("{other:?}"),
    }
}

fn report(text: &'static str) -> UnconfirmedService<'static> {
    UnconfirmedService::InformationReport(InformationReport {
        variable_access_specification: VariableAccessSpecification::VariableListName(
            ObjectName::vmd("RPT"),
        ),
        list_of_access_result: vec![AccessResult::Success(Data::VisibleString(Cow::Borrowed(
            text,
        )))],
    })
}

struct Pair {
    server: RunningServer,
    server_side: Arc<Side>,
    partner_side: Arc<Side>,
    /// The calling partner's client (serving `partner_side`).
    partner: Client,
    /// The server's client on the partner's association.
    ours: Client,
    association: u64,
}

/// A server and a partner that calls it with AP-title 1.3.9999.1 and serves a handler too;
/// `server_config` and `client_config` adjust the two.
fn pair(
    server_config: impl FnOnce(&mut ServerConfig),
    client_config: impl FnOnce(&mut ClientConfig),
) -> Pair {
    let server_side = Side::new("server-side");
    let partner_side = Side::new("partner-side");
    let mut config = ServerConfig::listening([SocketAddr::from(([127, 0, 0, 1], 0))]);
    server_config(&mut config);
    let server = Server::bind(config, server_side.clone())
        .expect("bind")
        .spawn()
        .expect("spawn");
    let mut cc = ClientConfig::default();
    cc.endpoint.association.local.ap_title = Some(oid("1.3.9999.1"));
    cc.endpoint.association.remote.ap_title = Some(oid("1.3.9999.2"));
    client_config(&mut cc);
    let partner =
        Client::connect_with(server.local_addr(), cc, Some(partner_side.clone())).expect("connect");
    let association = wait_for_association(server.handle());
    let ours = server.handle().client(association).expect("client");
    Pair {
        server,
        server_side,
        partner_side,
        partner,
        ours,
        association,
    }
}

fn oid(s: &str) -> asn1_rs::Oid<'static> {
    copp::ber::oid_from_str(s).expect("oid")
}

fn wait_for_association(handle: &ServerHandle) -> u64 {
    let until = Instant::now() + WAIT;
    loop {
        if let Some(info) = handle.associations().first() {
            return info.id;
        }
        assert!(Instant::now() < until, "no association registered");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn wait_until(what: &str, f: impl Fn() -> bool) {
    let until = Instant::now() + WAIT;
    while !f() {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn each_side_reads_the_other_on_one_association() {
    let p = pair(|_| {}, |_| {});
    assert_eq!(identify_model(&p.ours), "partner-side");
    assert_eq!(identify_model(&p.partner), "server-side");
    for k in 0..20 {
        assert_eq!(int_of(&p.ours.request(&read("x")).expect("read")), k);
        assert_eq!(int_of(&p.partner.request(&read("y")).expect("read")), k);
    }
    assert_eq!(p.partner_side.reads.load(Ordering::SeqCst), 20);
    assert_eq!(p.server_side.reads.load(Ordering::SeqCst), 20);
    // Each handler keys on its partner: the server's on the caller's AP-title, the caller's
    // on the AP-title it called.
    let seen = |s: &Side| s.calling.lock().expect("lock").clone();
    assert!(seen(&p.server_side)
        .iter()
        .all(|c| c.as_deref() == Some("1.3.9999.1")));
    assert!(seen(&p.partner_side)
        .iter()
        .all(|c| c.as_deref() == Some("1.3.9999.2")));
    let (a, b) = (p.ours.negotiated(), p.partner.negotiated());
    assert_eq!(
        (a.max_pdu_size, a.max_serv_outstanding_called),
        (b.max_pdu_size, b.max_serv_outstanding_called)
    );
    p.partner.conclude().expect("conclude");
    wait_until("the server-side client to see the end", || {
        p.ours.is_closed()
    });
}

#[test]
fn errors_rejects_and_time_outs_reach_the_server_side_caller_and_the_association_goes_on() {
    let p = pair(
        |s| s.endpoint.request_timeout = Some(Duration::from_millis(300)),
        |_| {},
    );
    match p.ours.request(&read("deny")) {
        Err(ClientError::Service(e)) => assert_eq!(e, ServiceError::access_denied()),
        other => panic!("{other:?}"),
    }
    match p
        .ours
        .request(&ConfirmedServiceRequest::Status(StatusRequest {
            extended_derivation: false,
        })) {
        Err(ClientError::Rejected(RejectReason::ConfirmedRequest(
            ConfirmedRequestProblem::UnrecognizedService,
        ))) => {}
        other => panic!("{other:?}"),
    }
    let started = Instant::now();
    match p.ours.request(&read("slow")) {
        Err(ClientError::Timeout) => {}
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() >= Duration::from_millis(250));
    // The partner answers late: the answer is dropped, and the association serves on.
    for r in p.partner_side.later.lock().expect("lock").drain(..) {
        r.respond(Ok(ConfirmedServiceResponse::Read(ReadResponse {
            variable_access_specification: None,
            list_of_access_result: vec![AccessResult::Success(Data::Integer(-1))],
        })));
    }
    assert_eq!(int_of(&p.ours.request(&read("x")).expect("read")), 0);
    assert_eq!(int_of(&p.partner.request(&read("x")).expect("read")), 0);
    assert!(!p.ours.is_closed() && !p.partner.is_closed());
}

#[test]
fn requests_beyond_the_partners_outstanding_limit_wait_for_a_slot() {
    // The partner lets the called side (the server) have 2 requests outstanding.
    let p = pair(
        |_| {},
        |c| c.endpoint.initiate.proposed_max_serv_outstanding_called = 2,
    );
    assert_eq!(p.ours.negotiated().max_serv_outstanding_called, 2);
    let threads: Vec<_> = (0..5)
        .map(|_| {
            let c = p.ours.clone();
            std::thread::spawn(move || {
                let pending: Vec<_> = (0..20).map(|_| c.send(&read("x")).expect("send")).collect();
                pending
                    .into_iter()
                    .map(|p| int_of(&p.wait().expect("answer")))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut all: Vec<i64> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("thread"))
        .collect();
    all.sort_unstable();
    assert_eq!(all, (0..100).collect::<Vec<i64>>(), "each answered once");
}

#[test]
fn unconfirmed_pdus_reach_handler_and_client_in_both_directions() {
    let p = pair(|_| {}, |_| {});
    let to_us = p.ours.unconfirmed().expect("receiver");
    let to_partner = p.partner.unconfirmed().expect("receiver");
    p.partner
        .send_unconfirmed(&report("from the partner"))
        .expect("send");
    wait_until("the server's handler", || {
        p.server_side.unconfirmed.load(Ordering::SeqCst) == 1
    });
    let u = to_us.recv_timeout(WAIT).expect("server side got it");
    assert!(matches!(
        u.service().expect("decodes"),
        UnconfirmedService::InformationReport(_)
    ));
    wait_until("the server's handler", || {
        p.server_side.unconfirmed.load(Ordering::SeqCst) == 1
    });
    p.ours.send_unconfirmed(&report("from us")).expect("send");
    assert!(
        p.server
            .handle()
            .send_unconfirmed(Some(p.association), &report("from the handle"))
            > 0
    );
    for _ in 0..2 {
        to_partner.recv_timeout(WAIT).expect("partner got it");
    }
    wait_until("the partner's handler", || {
        p.partner_side.unconfirmed.load(Ordering::SeqCst) == 2
    });
}

#[test]
fn the_end_of_the_association_reaches_a_waiting_server_side_request() {
    let p = pair(|_| {}, |_| {});
    let pending = p.ours.send(&read("slow")).expect("send");
    wait_until("the partner's handler to hold the request", || {
        !p.partner_side.later.lock().expect("lock").is_empty()
    });
    p.partner.abort();
    match pending.wait() {
        Err(ClientError::Closed(_)) => {}
        other => panic!("{other:?}"),
    }
    wait_until("closed", || p.ours.is_closed());
    assert!(matches!(
        p.ours.request(&read("x")),
        Err(ClientError::Closed(_))
    ));
    assert!(matches!(
        p.server.handle().client(p.association),
        Err(ClientError::Closed(_))
    ));
}

#[test]
fn the_server_concludes_an_association_it_accepted() {
    let p = pair(|_| {}, |_| {});
    assert_eq!(int_of(&p.ours.request(&read("x")).expect("read")), 0);
    p.ours.conclude().expect("conclude");
    wait_until("the partner to see the end", || p.partner.is_closed());
    wait_until("the server to forget it", || {
        p.server.handle().associations().is_empty()
    });
}

#[test]
fn dropping_the_server_side_client_leaves_the_association_up() {
    let p = pair(|_| {}, |_| {});
    drop(p.ours);
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(int_of(&p.partner.request(&read("x")).expect("read")), 0);
    let again = p.server.handle().client(p.association).expect("client");
    assert_eq!(int_of(&again.request(&read("x")).expect("read")), 0);
}

#[test]
fn no_client_for_an_association_that_does_not_exist() {
    let p = pair(|_| {}, |_| {});
    assert!(matches!(
        p.server.handle().client(p.association + 1000),
        Err(ClientError::Closed(_))
    ));
}
