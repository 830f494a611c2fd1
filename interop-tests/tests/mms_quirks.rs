//! The known quirks of real MMS peers (issue 4, "Known peer quirks to survive"), one test each,
//! every exchange through the recording proxy and judged by tshark where it matters:
//!
//! (a) a server that rejects an initiate without `localDetailCalling` (the PyPI iec61850
//!     server, peers/README.md §9): our client always sends it and is accepted; an initiate
//!     without it is refused;
//! (b) a peer that closes with an ACSE ABRT inside a session FINISH (hat-drivers, README §5):
//!     our client and our server survive it and report it;
//! (c) a peer that answers RLRQ with an empty FINISH / DISCONNECT instead of an RLRE (the
//!     iec61850 server, README §9): our client's `conclude()` completes cleanly;
//! (d) a peer's RejectPDU (hat model server `--reject`, the iec61850 server's Reject of
//!     status): our client surfaces `ClientError::Rejected` and the association stays up.
//!
//! Peers and tshark must be installed in CI (`CI=true`): a missing one fails the test.

use std::borrow::Cow;
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use acse::apdu::AssociateResult;
use acse::association::{Association, AssociationConfig, Event, Refused};
use interop_tests::driver::{Driver, Seen, Side};
use interop_tests::peer::{self, require_iec61850_peer, require_python_peer, PythonPeer};
use interop_tests::proxy::{self, BadFrame, RecordingProxy};
use interop_tests::tshark::{self, require_tshark};
use interop_tests::{pcap::Direction, scratch_dir};
use mms::client::{Client, ClientConfig, ClientError};
use mms::data::Data;
use mms::initiate::{ServiceKind, ServicesSupported};
use mms::pdu::{ConfirmedServiceRequest, ConfirmedServiceResponse, MmsPdu};
use mms::reject::{ConfirmedRequestProblem, RejectReason};
use mms::server::{AssociationInfo, Handler, Reply, RequestContext, Server, ServerConfig};
use mms::services::variables::ReadRequest;
use mms::services::vmd::{IdentifyRequest, IdentifyResponse, StatusRequest};
use mms::{AccessResult, ObjectName};

const WAIT: Duration = Duration::from_secs(20);

fn localhost(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

fn proxy_to(server: &PythonPeer) -> RecordingProxy {
    let port = server.port().expect("the server printed READY <port>");
    RecordingProxy::start(localhost(port)).expect("proxy")
}

// The error is the client's own `ClientError`, compared as is by the tests.
#[allow(clippy::result_large_err)]
fn read_one(client: &Client, domain: &str, item: &str) -> Result<Data<'static>, ClientError> {
    let request = ConfirmedServiceRequest::Read(ReadRequest::names([ObjectName::domain(
        domain.to_string(),
        item.to_string(),
    )]));
    let answer = client.request(&request)?;
    match answer.response()? {
        ConfirmedServiceResponse::Read(r) => match r.list_of_access_result.first() {
            Some(AccessResult::Success(d)) => Ok(d.clone().into_owned()),
            other => panic!("read result {other:?}"),
        },
        other => panic!("read answered with {other:?}"),
    }
}

fn status() -> ConfirmedServiceRequest<'static> {
    ConfirmedServiceRequest::Status(StatusRequest {
        extended_derivation: false,
    })
}

fn bad_frames_of(proxy: &RecordingProxy, name: &str) -> Vec<BadFrame> {
    let ts = require_tshark().expect("tshark (checked by the caller)");
    assert!(proxy.wait_closed(1, WAIT), "the connection did not close");
    let cap = proxy.capture(0).expect("one connection");
    let bad = proxy::bad_frames(&ts, &cap, scratch_dir(name).join(format!("{name}.pcap")));
    eprintln!("{name}: {} bad frame(s): {bad:#?}", bad.len());
    bad
}

// ------------------------------------------------------------------------------------------
// (a) localDetailCalling

/// Even with `local_detail_calling: None` in the configuration, our client's initiate carries
/// localDetailCalling (65000), and the iec61850 server accepts it.
#[test]
fn a_our_client_always_sends_local_detail_calling_and_is_accepted() {
    let Some(python) = require_iec61850_peer() else {
        return;
    };
    let Some(ts) = require_tshark() else { return };
    let server = peer::iec61850_server(&python, &[]).expect("server");
    let proxy = proxy_to(&server);
    let mut config = ClientConfig::default();
    config.endpoint.initiate.local_detail_calling = None;
    let client = Client::connect(proxy.local_addr(), config)
        .unwrap_or_else(|e| panic!("the iec61850 server refused our initiate: {e:?}"));
    assert_eq!(client.negotiated().max_pdu_size, 65000);
    assert!(client
        .request(&ConfirmedServiceRequest::Identify(IdentifyRequest))
        .is_ok());
    client.abort();
    assert!(proxy.wait_closed(1, WAIT));
    let cap = proxy.capture(0).expect("capture");
    let path = scratch_dir("quirk-a-ldc").join("ldc.pcap");
    cap.write(&path).expect("pcap");
    let args = cap.tshark_args();
    assert_eq!(
        ts.values(&path, &tshark::as_strs(&args), "mms.localDetailCalling"),
        ["65000"]
    );
    // the server's answer echoes it
    assert_eq!(
        ts.values(&path, &tshark::as_strs(&args), "mms.localDetailCalled"),
        ["65000"]
    );
}

/// An initiate-RequestPDU without localDetailCalling, sent with the association layer directly
/// (`Endpoint::connect` would fill in 65000): the iec61850 server refuses it with an AARE
/// rejected-permanent without user information (README §9).
#[test]
fn a_an_initiate_without_local_detail_calling_is_refused() {
    let Some(python) = require_iec61850_peer() else {
        return;
    };
    let mut server = peer::iec61850_server(&python, &[]).expect("server");
    let port = server.port().expect("port");
    let mut initiate = ClientConfig::default().endpoint.initiate;
    initiate.local_detail_calling = None;
    let pdu = MmsPdu::InitiateRequest(initiate).to_vec();
    // no [0] localDetailCalling: the PDU starts A8 L 81 (proposedMaxServOutstandingCalling)
    assert_eq!(pdu.get(2), Some(&0x81), "{pdu:02x?}");
    let stream = TcpStream::connect(localhost(port)).expect("connect");
    let assoc = Association::connect(AssociationConfig::default(), &pdu, None);
    let mut driver = Driver::new(stream, assoc, Side::Client).expect("driver");
    let result = driver.run_until(Instant::now() + WAIT, |ev, c| {
        if matches!(ev, Event::Associated(_) | Event::Refused(_)) {
            c.stop();
        }
    });
    let seen = driver.seen().to_vec();
    match seen.first() {
        Some(Seen::Refused(Refused::Acse {
            result, user_data, ..
        })) => {
            assert_eq!(*result, AssociateResult::RejectedPermanent);
            assert_eq!(*user_data, None);
        }
        other => panic!(
            "expected an AARE reject, got {other:?} ({result:?}); all: {seen:?}\n{}",
            server.transcript_text()
        ),
    }
    server.kill();
}

// ------------------------------------------------------------------------------------------
// (b) ABRT inside a session FINISH

/// hat's server closes on its own (`--close-after`): conclude-Request, then FINISH{ARU{ABRT}}
/// (README §5). Our client answers the conclude, takes the FINISH as the peer's abort, and
/// reports it: the association is closed and further requests fail with `Closed`.
#[test]
fn b_our_client_survives_hat_closing_with_abrt_in_finish() {
    let Some(python) = require_python_peer() else {
        return;
    };
    if require_tshark().is_none() {
        return;
    }
    let mut server = peer::hat_mms_model_server(&python, &["--close-after", "1"]).expect("server");
    let proxy = proxy_to(&server);
    let client = Client::connect(proxy.local_addr(), ClientConfig::default()).expect("connect");
    assert_eq!(read_one(&client, "LD0", "Int1"), Ok(Data::Integer(-42)));
    server.expect("CLOSING", WAIT).expect("hat closes");
    let closed = server.expect("CLOSED", WAIT).expect("hat closed");
    let t0 = Instant::now();
    while !client.is_closed() && t0.elapsed() < WAIT {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(client.is_closed(), "our client did not notice the close");
    match read_one(&client, "LD0", "Int1") {
        Err(ClientError::Closed(_)) => {}
        other => panic!("a request after the peer's abort: {other:?}"),
    }
    assert!(proxy.wait_closed(1, WAIT));
    // hat sent its conclude-Request and its FINISH (session=FN); whatever we answered is clean
    assert_eq!(closed.get("session"), Some("FN"), "{}", closed.raw);
    let from_hat = proxy.stream(0, Direction::ServerToClient);
    assert!(
        from_hat.windows(2).any(|w| w == [0x8b, 0x00]),
        "no conclude-Request from hat"
    );
    let bad = bad_frames_of(&proxy, "quirk-b-client");
    // README §5: hat's FINISH{ARU{ABRT}} is flagged by tshark; it is hat's frame, not ours
    assert!(
        bad.iter().all(|b| !b.from_client),
        "tshark flags our frames: {bad:#?}"
    );
    assert!(
        bad.iter().any(|b| b.ses_type.split(',').any(|t| t == "9")),
        "hat's ABRT-in-FINISH frame is not in the capture: {bad:#?}"
    );
}

/// Identify and one integer, for the server-side quirks.
#[derive(Default)]
struct Small {
    closed: AtomicUsize,
    requests: AtomicUsize,
}

impl Handler for Small {
    fn services_supported(&self) -> ServicesSupported {
        ServicesSupported::from_kinds([ServiceKind::Identify, ServiceKind::Read])
    }

    fn confirmed(
        &self,
        _ctx: &mut RequestContext<'_>,
        request: &ConfirmedServiceRequest<'_>,
    ) -> Reply {
        self.requests.fetch_add(1, Ordering::SeqCst);
        match request {
            ConfirmedServiceRequest::Identify(_) => {
                Reply::Now(Ok(ConfirmedServiceResponse::Identify(IdentifyResponse {
                    vendor_name: Cow::Borrowed("osi-mms"),
                    model_name: Cow::Borrowed("quirks"),
                    revision: Cow::Borrowed("1"),
                    list_of_abstract_syntaxes: None,
                })))
            }
            ConfirmedServiceRequest::Read(_) => Reply::Now(Ok(ConfirmedServiceResponse::Read(
                mms::services::variables::ReadResponse::new(vec![AccessResult::Success(
                    Data::Integer(5),
                )]),
            ))),
            _ => Reply::Unsupported,
        }
    }

    fn closed(&self, _info: &AssociationInfo) {
        self.closed.fetch_add(1, Ordering::SeqCst);
    }
}

/// hat's session client closes hat's way (`--close hat`: conclude-Request not awaited, then
/// FINISH{ARU{ABRT}}). Our server answers the conclude, takes the FINISH as an abort, reports
/// the association closed to the handler, and goes on serving the next association.
#[test]
fn b_our_server_survives_hat_client_closing_with_abrt_in_finish() {
    let Some(python) = require_python_peer() else {
        return;
    };
    if require_tshark().is_none() {
        return;
    }
    let handler = Arc::new(Small::default());
    let config = ServerConfig::default().with_listen(vec![localhost(0)]);
    let server = Server::bind(config, handler.clone())
        .expect("bind")
        .spawn()
        .expect("spawn");
    let proxy = RecordingProxy::start(server.local_addr()).expect("proxy");
    let mut client = peer::hat_mms_session_client(
        &python,
        "127.0.0.1",
        proxy.port(),
        &["--no-names", "--close", "hat"],
    )
    .expect("client");
    let lines = client.remaining_lines(WAIT);
    let text = client.transcript_text();
    assert!(lines.iter().any(|l| l.keyword == "DONE"), "{text}");
    assert!(lines.iter().any(|l| l.keyword == "IDENTIFY"), "{text}");
    let t0 = Instant::now();
    while handler.closed.load(Ordering::SeqCst) == 0 && t0.elapsed() < WAIT {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        handler.closed.load(Ordering::SeqCst),
        1,
        "the handler was not told"
    );
    assert!(server.handle().associations().is_empty());
    let stats = server.handle().stats();
    assert_eq!(stats.associated, 1);
    assert_eq!(stats.closed, 1);

    // still serving: a second association works
    let ours = Client::connect(server.local_addr(), ClientConfig::default()).expect("connect");
    assert_eq!(read_one(&ours, "X", "Y"), Ok(Data::Integer(5)));
    ours.conclude().expect("conclude");

    let bad = bad_frames_of(&proxy, "quirk-b-server");
    // README §5: hat's FINISH{ARU{ABRT}} (from the client here) is hat's frame, not ours
    assert!(
        bad.iter().all(|b| b.from_client),
        "tshark flags our frames: {bad:#?}"
    );
    server.stop().expect("stop");
}

// ------------------------------------------------------------------------------------------
// (c) empty FINISH / DISCONNECT instead of RLRE

/// The iec61850 server answers our RLRQ with FINISH{empty PGI 193} and DISCONNECT{empty PGI
/// 193} (README §9). `conclude()` must complete as a normal release.
#[test]
fn c_our_conclude_completes_when_the_peer_answers_rlrq_with_empty_fn_dn() {
    let Some(python) = require_iec61850_peer() else {
        return;
    };
    if require_tshark().is_none() {
        return;
    }
    let server = peer::iec61850_server(&python, &[]).expect("server");
    let proxy = proxy_to(&server);
    let client = Client::connect(proxy.local_addr(), ClientConfig::default())
        .unwrap_or_else(|e| panic!("connect to the iec61850 server: {e:?}"));
    assert_eq!(
        read_one(&client, "PEERLD0", "GGIO1$SP$SetPt1$setVal"),
        Ok(Data::Integer(7))
    );
    assert_eq!(client.conclude(), Ok(()));
    assert!(client.is_closed());
    let bad = bad_frames_of(&proxy, "quirk-c");
    assert!(
        bad.iter().all(|b| !b.from_client),
        "tshark flags our frames: {bad:#?}"
    );
    // the peer's empty FN and DN are what tshark flags (its quirk); they may share a segment
    let kinds: Vec<&str> = bad.iter().flat_map(|b| b.ses_type.split(',')).collect();
    assert_eq!(kinds, ["9", "10"], "{bad:#?}");
}

// ------------------------------------------------------------------------------------------
// (d) RejectPDU

/// hat's model server rejects the first read (`--reject read --reject-count 1`, reason
/// invalid-argument): the caller gets `ClientError::Rejected` with that reason, and the next
/// read on the same association succeeds.
#[test]
fn d_hat_reject_reaches_the_caller_and_the_association_stays_up() {
    let Some(python) = require_python_peer() else {
        return;
    };
    if require_tshark().is_none() {
        return;
    }
    let mut server = peer::hat_mms_model_server(
        &python,
        &[
            "--reject",
            "read",
            "--reject-count",
            "1",
            "--reject-reason",
            "invalid-argument",
        ],
    )
    .expect("server");
    let proxy = proxy_to(&server);
    let client = Client::connect(proxy.local_addr(), ClientConfig::default()).expect("connect");
    assert_eq!(
        read_one(&client, "LD0", "Int1"),
        Err(ClientError::Rejected(RejectReason::ConfirmedRequest(
            ConfirmedRequestProblem::InvalidArgument
        )))
    );
    let rejected = server.expect("REJECTED", WAIT).expect("hat rejected");
    assert_eq!(rejected.words, ["read"]);
    assert!(!client.is_closed());
    assert_eq!(read_one(&client, "LD0", "Int1"), Ok(Data::Integer(-42)));
    // hat answers conclude-Request with conclude-Response and at once FINISH{ARU{ABRT}},
    // racing our RLRQ (README §5: both outcomes are hat's, tests accept both)
    let concluded = client.conclude();
    assert!(matches!(concluded, Ok(())), "{concluded:?}");
    let bad = bad_frames_of(&proxy, "quirk-d-hat");
    assert!(
        bad.iter().all(|b| !b.from_client),
        "tshark flags our frames: {bad:#?}"
    );
}

/// The iec61850 server answers status with a RejectPDU unrecognized-service (README §9).
#[test]
fn d_iec61850_reject_of_status_reaches_the_caller_and_the_association_stays_up() {
    let Some(python) = require_iec61850_peer() else {
        return;
    };
    if require_tshark().is_none() {
        return;
    }
    let server = peer::iec61850_server(&python, &[]).expect("server");
    let proxy = proxy_to(&server);
    let client = Client::connect(proxy.local_addr(), ClientConfig::default())
        .unwrap_or_else(|e| panic!("connect to the iec61850 server: {e:?}"));
    assert_eq!(
        client.request(&status()).map(|_| ()),
        Err(ClientError::Rejected(RejectReason::ConfirmedRequest(
            ConfirmedRequestProblem::UnrecognizedService
        )))
    );
    assert!(!client.is_closed());
    assert_eq!(
        read_one(&client, "PEERLD0", "GGIO1$ST$Ind1$stVal"),
        Ok(Data::Boolean(true))
    );
    client.abort();
    let bad = bad_frames_of(&proxy, "quirk-d-iec61850");
    assert!(
        bad.iter().all(|b| !b.from_client),
        "tshark flags our frames: {bad:#?}"
    );
}
