//! Both ends of an MMS association driven by hand: `std::net` sockets, one
//! [`mms::endpoint::Endpoint`] each, and none of the crate's runtimes (this example builds with
//! `--no-default-features`: codec and endpoint only).
//!
//! The loop every driver of a sans-IO endpoint writes is the same four steps:
//!
//! 1. read what the socket has into [`Endpoint::recv_buffer`] and report it with
//!    [`Endpoint::recv_commit`] (or hand a slice to [`Endpoint::feed`]);
//! 2. call [`Endpoint::poll_event`] until it returns `None`, acting on each event;
//! 3. send whatever the actions produced (requests, responses) with the `send_*` calls;
//! 4. write [`Endpoint::transmit`] to the socket and report it with
//!    [`Endpoint::advance_transmit`];
//! 5. sleep no longer than [`Endpoint::poll_timeout`] says, and when that instant comes call
//!    [`Endpoint::handle_timeout`] (request time-outs, the establishment and release deadlines
//!    live in the endpoint; here a socket read time-out is the sleep).
//!
//! Events borrow the endpoint's receive buffer (no copy), so an event is turned into an owned
//! action first and acted on once the borrow ends.
//!
//! ```sh
//! cargo run -p mms --example custom_loop --no-default-features
//! ```
use std::borrow::Cow;
use std::error::Error;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use mms::endpoint::{Endpoint, EndpointConfig, MmsEvent};
use mms::initiate::{InitiateRequest, ParameterCbb, ServiceKind, ServicesSupported};
use mms::pdu::{ConfirmedServiceRequest, ConfirmedServiceResponse};
use mms::reject::ConfirmedRequestProblem;
use mms::services::variables::{ReadRequest, ReadResponse};
use mms::services::vmd::IdentifyResponse;
use mms::{AccessResult, Data, FloatingPoint, ObjectName, RejectReason};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// Step 1: one blocking read into the endpoint. `false` when the peer closed the socket.
fn read_into(endpoint: &mut Endpoint, socket: &mut TcpStream) -> io::Result<bool> {
    let n = socket.read(endpoint.recv_buffer())?;
    endpoint.recv_commit(n);
    Ok(n > 0)
}

/// Steps 1 and 5 together: read, but wait no longer than the endpoint's next deadline; when it
/// passes, let the endpoint handle it (its events then say what happened).
fn read_or_time_out(endpoint: &mut Endpoint, socket: &mut TcpStream) -> io::Result<bool> {
    let wait = endpoint.poll_timeout().map(|at| {
        at.saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1))
    });
    socket.set_read_timeout(wait)?;
    match read_into(endpoint, socket) {
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) =>
        {
            endpoint.handle_timeout(Instant::now());
            Ok(true)
        }
        other => other,
    }
}

/// Step 4: everything the endpoint queued goes to the socket.
fn flush(endpoint: &mut Endpoint, socket: &mut TcpStream) -> io::Result<()> {
    while !endpoint.transmit().is_empty() {
        let n = socket.write(endpoint.transmit())?;
        endpoint.advance_transmit(n);
    }
    socket.flush()
}

/// What the server decided to do about one event, owned so the event's borrow can end.
enum ServerAction {
    Accept(InitiateRequest),
    Answer(u32, ConfirmedServiceResponse<'static>),
    Reject(u32),
    Nothing,
    Done,
}

/// A tiny VMD: answers Identify, and Read with one floating-point value per variable asked for.
fn serve(mut socket: TcpStream) -> Result<()> {
    let mut endpoint = Endpoint::accept(EndpointConfig::default(), None);
    let services = ServicesSupported::from_services([ServiceKind::Identify, ServiceKind::Read]);
    let mut reads = 0f32;
    let mut done = false;
    loop {
        if !read_into(&mut endpoint, &mut socket)? {
            return Ok(());
        }
        loop {
            let action = match endpoint.poll_event()? {
                None => break,
                Some(MmsEvent::InitiateIndication { request, .. }) => ServerAction::Accept(request),
                Some(MmsEvent::Request { pdu, .. }) => {
                    let response = match &pdu.service {
                        ConfirmedServiceRequest::Identify(_) => {
                            Some(ConfirmedServiceResponse::Identify(IdentifyResponse {
                                vendor_name: Cow::Borrowed("example"),
                                model_name: Cow::Borrowed("custom loop"),
                                revision: Cow::Borrowed(env!("CARGO_PKG_VERSION")),
                                list_of_abstract_syntaxes: None,
                            }))
                        }
                        ConfirmedServiceRequest::Read(read) => {
                            let n = read.variable_access_specification.variable_count();
                            let results = (0..n.unwrap_or(0))
                                .map(|_| {
                                    reads += 1.0;
                                    AccessResult::Success(Data::FloatingPoint(
                                        FloatingPoint::from_f32(reads),
                                    ))
                                })
                                .collect();
                            Some(ConfirmedServiceResponse::Read(ReadResponse::new(results)))
                        }
                        // The services-supported bits said Identify and Read only: anything
                        // else gets the RejectPDU ISO 9506-2 §7.5 prescribes.
                        _ => None,
                    };
                    match response {
                        Some(r) => ServerAction::Answer(pdu.invoke_id, r),
                        None => ServerAction::Reject(pdu.invoke_id),
                    }
                }
                Some(MmsEvent::Closed(reason)) => {
                    println!("server: association closed ({reason:?})");
                    ServerAction::Done
                }
                Some(_) => ServerAction::Nothing,
            };
            match action {
                ServerAction::Accept(request) => {
                    let negotiated = endpoint.accept_initiate(
                        &request,
                        services,
                        ParameterCbb::libiec61850_like(),
                    )?;
                    println!("server: accepted, PDU size {}", negotiated.max_pdu_size);
                }
                ServerAction::Answer(invoke_id, response) => {
                    endpoint.send_response(invoke_id, &response)?
                }
                ServerAction::Reject(invoke_id) => endpoint.send_reject(
                    invoke_id,
                    RejectReason::ConfirmedRequest(ConfirmedRequestProblem::UnrecognizedService),
                )?,
                ServerAction::Nothing => {}
                // Keep polling: the release response the endpoint owes goes out on the next
                // poll, like every answer it decides on itself.
                ServerAction::Done => done = true,
            }
        }
        flush(&mut endpoint, &mut socket)?;
        if done {
            return Ok(());
        }
    }
}

/// Runs `endpoint` until `until` returns `Some`, answering nothing (the client side).
fn client_wait<T>(
    endpoint: &mut Endpoint,
    socket: &mut TcpStream,
    mut until: impl FnMut(MmsEvent<'_>) -> Option<T>,
) -> Result<T> {
    loop {
        flush(endpoint, socket)?;
        if !read_or_time_out(endpoint, socket)? {
            return Err("the server closed the connection".into());
        }
        while let Some(event) = endpoint.poll_event()? {
            if let Some(t) = until(event) {
                flush(endpoint, socket)?;
                return Ok(t);
            }
        }
    }
}

fn main() -> Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let address = listener.local_addr()?;
    let server = thread::spawn(move || -> std::result::Result<(), String> {
        let (socket, _) = listener.accept().map_err(|e| e.to_string())?;
        serve(socket).map_err(|e| e.to_string())
    });

    let mut socket = TcpStream::connect(address)?;
    let mut config = EndpointConfig::default();
    config.initiate.init_request_detail.services_supported = ServicesSupported::libiec61850_like();
    // The deadlines the endpoint keeps; the loop only sleeps until the earliest.
    config.request_timeout = Some(Duration::from_secs(5));
    let timeouts = &mut config.association.timeouts;
    timeouts.establish = Some(Duration::from_secs(10));
    timeouts.release = Some(Duration::from_secs(5));
    let mut client = Endpoint::connect(config, None);

    let negotiated = client_wait(&mut client, &mut socket, |e| match e {
        MmsEvent::Established(n) => Some(Ok(n)),
        MmsEvent::Refused(refusal) => Some(Err(format!("refused: {refusal}"))),
        MmsEvent::Closed(reason) => Some(Err(format!("closed: {reason}"))),
        _ => None,
    })??;
    println!(
        "client: associated, PDU size {}, {} requests outstanding at most",
        negotiated.max_pdu_size, negotiated.max_serv_outstanding_calling
    );

    let id = client.send_request(&ConfirmedServiceRequest::Identify(Default::default()))?;
    let identity = client_wait(&mut client, &mut socket, |e| match e {
        MmsEvent::RequestTimedOut(t) if t == id => Some(Err("identify timed out".to_string())),
        MmsEvent::Response { pdu, .. } if pdu.invoke_id == id => match pdu.service {
            ConfirmedServiceResponse::Identify(i) => Some(Ok(format!(
                "{} {} {}",
                i.vendor_name, i.model_name, i.revision
            ))),
            other => Some(Err(format!("unexpected answer {other:?}"))),
        },
        _ => None,
    })??;
    println!("client: identify -> {identity}");

    let names = ["TEMP1", "TEMP2"].map(|n| ObjectName::domain("PLANT", n));
    let id = client.send_request(&ConfirmedServiceRequest::Read(ReadRequest::names(names)))?;
    let values = client_wait(&mut client, &mut socket, |e| match e {
        MmsEvent::RequestTimedOut(t) if t == id => Some(Err("read timed out".to_string())),
        MmsEvent::Response { pdu, .. } if pdu.invoke_id == id => match pdu.service {
            ConfirmedServiceResponse::Read(r) => Some(Ok(r
                .list_of_access_result
                .iter()
                .map(|a| match a.data().and_then(|d| d.as_f32()) {
                    Some(v) => v.to_string(),
                    None => format!("{a:?}"),
                })
                .collect::<Vec<_>>())),
            other => Some(Err(format!("unexpected answer {other:?}"))),
        },
        _ => None,
    })??;
    println!("client: read -> {}", values.join(", "));
    if values.len() != 2 {
        return Err(format!("expected two values, got {values:?}").into());
    }

    client.conclude()?;
    let reason = client_wait(&mut client, &mut socket, |e| match e {
        MmsEvent::Closed(reason) => Some(reason),
        _ => None,
    })?;
    println!("client: closed ({reason:?})");
    server.join().map_err(|_| "server thread panicked")??;
    Ok(())
}
