//! The endpoint's timers (quinn-proto style `poll_timeout` / `handle_timeout`): request
//! time-outs, the conclude deadline, and the association's establishment and idle deadlines
//! seen from the MMS side, driven by a clock the test moves by hand.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use acse::timer::{Clock, Deadline};
use mms::endpoint::{CloseReason, Endpoint, EndpointConfig, MmsEvent, Phase, SendError};
use mms::initiate::{ParameterCbb, ServiceKind, ServicesSupported};
use mms::pdu::{ConfirmedServiceRequest, ConfirmedServiceResponse};
use mms::services::vmd::{IdentifyRequest, IdentifyResponse};

/// A clock the test moves.
#[derive(Clone)]
struct Manual(Arc<Mutex<Instant>>);

impl Manual {
    fn new() -> Manual {
        Manual(Arc::new(Mutex::new(Instant::now())))
    }
    fn now(&self) -> Instant {
        *self.0.lock().expect("clock")
    }
    fn advance(&self, d: Duration) -> Instant {
        let mut t = self.0.lock().expect("clock");
        *t += d;
        *t
    }
    fn clock(&self) -> Clock {
        let m = self.0.clone();
        Clock::new(move || *m.lock().expect("clock"))
    }
}

/// What one poll round produced, owned.
#[derive(Debug, Clone, PartialEq)]
enum Got {
    Indication,
    Established,
    Request(u32),
    Response(u32),
    TimedOut(u32),
    ProtocolError,
    Concluded,
    ConcludeIndication,
    Closed(CloseReason),
    Other(String),
}

fn drain(e: &mut Endpoint) -> Vec<Got> {
    let mut out = Vec::new();
    while let Some(ev) = e.poll_event().unwrap_or_else(|err| panic!("poll: {err}")) {
        out.push(match ev {
            MmsEvent::InitiateIndication { .. } => Got::Indication,
            MmsEvent::Established(_) => Got::Established,
            MmsEvent::Request { pdu, .. } => Got::Request(pdu.invoke_id),
            MmsEvent::Response { pdu, .. } => Got::Response(pdu.invoke_id),
            MmsEvent::RequestTimedOut(id) => Got::TimedOut(id),
            MmsEvent::ProtocolError { .. } => Got::ProtocolError,
            MmsEvent::Concluded => Got::Concluded,
            MmsEvent::ConcludeIndication => Got::ConcludeIndication,
            MmsEvent::Closed(r) => Got::Closed(r),
            other => Got::Other(format!("{other:?}")),
        });
    }
    out
}

fn shuttle(from: &mut Endpoint, to: &mut Endpoint) -> usize {
    let data = from.transmit().to_vec();
    if !data.is_empty() {
        to.feed(&data).expect("feed");
        from.advance_transmit(data.len());
    }
    data.len()
}

/// Runs both ends until neither has anything to send; returns (client events, server events)
/// and lets the server accept any initiate.
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

fn config(m: &Manual, request: Option<Duration>, release: Option<Duration>) -> EndpointConfig {
    let mut c = EndpointConfig::default();
    c.request_timeout = request;
    c.association.timeouts = acse::timer::Timeouts::new()
        .with_release(release)
        .with_clock(m.clock());
    c
}

fn associate(client: EndpointConfig, server: EndpointConfig) -> (Endpoint, Endpoint) {
    let mut c = Endpoint::connect(client, None);
    let mut s = Endpoint::accept(server, None);
    // The CR/CC, then the AARQ.
    let mut request = None;
    for _ in 0..4 {
        shuttle(&mut c, &mut s);
        while let Some(ev) = s.poll_event().expect("poll") {
            if let MmsEvent::InitiateIndication { request: r, .. } = ev {
                request = Some(r);
            }
        }
        shuttle(&mut s, &mut c);
        drain(&mut c);
        if request.is_some() {
            break;
        }
    }
    let request = request.expect("initiate indication");
    s.accept_initiate(
        &request,
        ServicesSupported::from_kinds([ServiceKind::Identify]),
        ParameterCbb::libiec61850_like(),
    )
    .expect("accept");
    let (ce, _) = pump(&mut c, &mut s);
    assert_eq!(ce, vec![Got::Established]);
    (c, s)
}

fn identify() -> ConfirmedServiceRequest<'static> {
    ConfirmedServiceRequest::Identify(IdentifyRequest)
}

fn identify_response() -> ConfirmedServiceResponse<'static> {
    ConfirmedServiceResponse::Identify(IdentifyResponse {
        vendor_name: "osi-mms".into(),
        model_name: "test".into(),
        revision: "1".into(),
        list_of_abstract_syntaxes: None,
    })
}

#[test]
fn a_request_without_an_answer_times_out_frees_its_slot_and_its_late_answer_is_dropped() {
    let m = Manual::new();
    let d = Duration::from_secs(5);
    let (mut c, mut s) = associate(config(&m, Some(d), None), config(&m, None, None));
    assert_eq!(c.poll_timeout(), None, "nothing outstanding, nothing armed");
    let t0 = m.now();
    let first = c.send_request(&identify()).expect("send");
    m.advance(Duration::from_secs(2));
    let second = c.send_request(&identify()).expect("send");
    assert_eq!(c.poll_timeout(), Some(t0 + d));
    let (_, se) = pump(&mut c, &mut s);
    assert_eq!(se, vec![Got::Request(first), Got::Request(second)]);
    // The second is answered: the first's deadline still stands.
    s.send_response(second, &identify_response())
        .expect("answer");
    let (ce, _) = pump(&mut c, &mut s);
    assert_eq!(ce, vec![Got::Response(second)]);
    assert_eq!(c.poll_timeout(), Some(t0 + d));
    assert_eq!(c.outstanding(), 1);
    c.handle_timeout(t0 + d - Duration::from_millis(1));
    assert!(drain(&mut c).is_empty(), "not yet");
    c.handle_timeout(m.advance(Duration::from_secs(3)));
    assert_eq!(drain(&mut c), vec![Got::TimedOut(first)]);
    assert_eq!(c.outstanding(), 0);
    assert_eq!(c.poll_timeout(), None);
    assert_eq!(
        c.phase(),
        Phase::Associated,
        "a request time-out leaves the association up"
    );
    // The late answer is dropped quietly: no RejectPDU goes back.
    s.send_response(first, &identify_response())
        .expect("late answer");
    shuttle(&mut s, &mut c);
    assert_eq!(drain(&mut c), vec![Got::ProtocolError]);
    assert!(
        c.transmit().is_empty(),
        "no RejectPDU for an abandoned request"
    );
}

#[test]
fn an_unanswered_conclude_aborts_when_the_release_time_out_passes() {
    let m = Manual::new();
    let d = Duration::from_secs(4);
    let (mut c, mut s) = associate(config(&m, None, Some(d)), config(&m, None, None));
    let t0 = m.now();
    c.conclude().expect("conclude");
    assert_eq!(c.poll_timeout(), Some(t0 + d));
    // The server never sees it (the conclude is lost); time passes.
    c.advance_transmit(c.transmit().len());
    c.handle_timeout(m.advance(d));
    assert_eq!(
        drain(&mut c),
        vec![Got::Closed(CloseReason::TimedOut(Deadline::Release))]
    );
    assert!(c.is_closed());
    assert_eq!(c.poll_timeout(), None);
    // The ABRT reaches the server.
    let (_, se) = pump(&mut c, &mut s);
    assert!(
        matches!(se.as_slice(), [Got::Closed(CloseReason::PeerAborted(_))]),
        "{se:?}"
    );
}

#[test]
fn a_server_whose_client_never_sends_the_initiate_times_out_establishing() {
    let m = Manual::new();
    let d = Duration::from_secs(10);
    let mut cfg = config(&m, None, None);
    cfg.association.timeouts.establish = Some(d);
    let t0 = m.now();
    let mut s = Endpoint::accept(cfg, None);
    assert_eq!(s.poll_timeout(), Some(t0 + d));
    s.handle_timeout(m.advance(d));
    assert_eq!(
        drain(&mut s),
        vec![Got::Closed(CloseReason::TimedOut(Deadline::Establishment))]
    );
    assert!(s.is_closed());
}

#[test]
fn an_idle_association_is_aborted_and_traffic_keeps_it_alive() {
    let m = Manual::new();
    let idle = Duration::from_secs(30);
    let mut server = config(&m, None, None);
    server.association.timeouts.idle = Some(idle);
    let (mut c, mut s) = associate(config(&m, None, None), server);
    // A request at 20 s moves the deadline to 50 s.
    let t20 = m.advance(Duration::from_secs(20));
    let id = c.send_request(&identify()).expect("send");
    pump(&mut c, &mut s);
    s.send_response(id, &identify_response()).expect("answer");
    pump(&mut c, &mut s);
    assert_eq!(s.poll_timeout(), Some(t20 + idle));
    s.handle_timeout(m.advance(Duration::from_secs(29)));
    assert_eq!(s.phase(), Phase::Associated);
    s.handle_timeout(m.advance(Duration::from_secs(1)));
    assert_eq!(
        drain(&mut s),
        vec![Got::Closed(CloseReason::TimedOut(Deadline::Idle))]
    );
    let (ce, _) = pump(&mut c, &mut s);
    assert!(
        matches!(ce.as_slice(), [Got::Closed(CloseReason::PeerAborted(_))]),
        "{ce:?}"
    );
    // Nothing can be sent on a closed endpoint.
    assert!(matches!(
        s.send_request(&identify()),
        Err(SendError::Phase { .. })
    ));
}
