//! The demo: our whole OSI upper-layer stack talking to itself over real TCP on 127.0.0.1.
//!
//! A responder runs in a thread, an initiator in `main`; each drives one sans-IO
//! `acse::association::Association` with `interop_tests::driver::Driver`. They associate
//! (RFC 1006 + ISO 8073 CR/CC, ISO 8327-1 CONNECT/ACCEPT, ISO 8823-1 CP/CPA, ISO 8650-1
//! AARQ/AARE carrying the MMS initiate vectors), exchange MMS identify requests and responses,
//! and release (FINISH(RLRQ) / DISCONNECT(RLRE)). One line is printed per step.
//!
//! Run: `cargo run -p interop-tests --example loopback` (exit code 0 on success).

use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use acse::address::Address;
use acse::association::{Association, AssociationConfig, Event};
use interop_tests::driver::{Driver, Outcome, Side};
use interop_tests::mms_vectors::{INITIATE_REQUEST, INITIATE_RESPONSE};

/// How many identify requests the client sends.
const REQUESTS: u8 = 3;

type Error = Box<dyn std::error::Error + Send + Sync>;

static START: OnceLock<Instant> = OnceLock::new();

/// Prints one step, prefixed with the milliseconds since the demo started.
macro_rules! step {
    ($($arg:tt)*) => {{
        let ms = START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1000.0;
        println!("{ms:7.1} ms  {}", format!($($arg)*));
    }};
}

/// MMS confirmed-RequestPDU: identify (ISO 9506-2, `[0] { invokeID, identify [2] NULL }`).
fn identify_request(invoke_id: u8) -> Vec<u8> {
    vec![0xa0, 0x05, 0x02, 0x01, invoke_id, 0x82, 0x00]
}

/// MMS confirmed-ResponsePDU: identify (vendorName, modelName, revision).
fn identify_response(invoke_id: u8) -> Vec<u8> {
    let mut body = Vec::new();
    for (tag, text) in [
        (0x80u8, &b"osi-mms"[..]),
        (0x81, b"loopback-demo"),
        (0x82, b"0.1"),
    ] {
        body.push(tag);
        body.push(text.len() as u8);
        body.extend_from_slice(text);
    }
    let mut identify = vec![0xa2, body.len() as u8];
    identify.extend(body);
    let mut inner = vec![0x02, 0x01, invoke_id];
    inner.extend(identify);
    let mut pdu = vec![0xa1, inner.len() as u8];
    pdu.extend(inner);
    pdu
}

/// The invoke id of an identify request or response built above.
fn invoke_id(pdu: &[u8]) -> Option<u8> {
    match pdu {
        [_, _, 0x02, 0x01, id, ..] => Some(*id),
        _ => None,
    }
}

fn contexts(assoc: &Association) -> String {
    assoc
        .contexts()
        .iter()
        .map(|(id, oid)| format!("{id}={}", oid.to_id_string()))
        .collect::<Vec<_>>()
        .join(" ")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn server(listener: TcpListener, deadline: Instant) -> Result<(), Error> {
    // poll the listener so a client that never connects cannot hang the demo
    listener.set_nonblocking(true)?;
    let (stream, peer) = loop {
        match listener.accept() {
            Ok(conn) => break conn,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock && Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(5));
            }
            Err(e) => return Err(e.into()),
        }
    };
    stream.set_nonblocking(false)?;
    step!("[server] TCP connection from {peer}");
    let config = {
        let mut config = AssociationConfig::default();
        config.local = Address::default_remote();
        config.remote = Address::default_local();
        config
    };
    let assoc = Association::accept_incoming(config, None);
    let mut driver = Driver::new(stream, assoc, Side::Server)?;
    let outcome = driver.run_until(deadline, |ev, c| match ev {
        Event::AssociateIndication(ind) => {
            step!(
                "[server] A-ASSOCIATE indication: calling AP-title {} AE-qualifier {:?}, \
                 called AP-title {}, TSEL {} SSEL {} PSEL {}, MMS initiate-Request {} octets",
                ind.calling
                    .ap_title
                    .as_ref()
                    .map_or("-".into(), |o| o.to_id_string()),
                ind.calling.ae_qualifier,
                ind.called
                    .ap_title
                    .as_ref()
                    .map_or("-".into(), |o| o.to_id_string()),
                hex(&ind.called_tsel),
                hex(&ind.called_ssel),
                hex(&ind.called_psel),
                ind.user_data.as_ref().map_or(0, Vec::len),
            );
            step!("[server] A-ASSOCIATE response: accepted, MMS initiate-Response");
            c.accept(INITIATE_RESPONSE);
        }
        Event::Data { context_id, data } => {
            let id = invoke_id(data).unwrap_or(0);
            step!(
                "[server] P-DATA on context {context_id}: {} octets (identify request, invokeID {id}); answering",
                data.len()
            );
            c.send_data(&identify_response(id));
        }
        Event::ReleaseIndication { reason, .. } => {
            step!("[server] A-RELEASE indication (reason {reason:?}); responding");
            c.respond_release();
        }
        other => step!("[server] event {other:?}"),
    })?;
    let (written, read) = driver.byte_counts();
    step!("[server] done ({outcome:?}): wrote {written} octets, read {read} octets");
    if outcome != Outcome::Closed {
        return Err(format!("server ended with {outcome:?}").into());
    }
    Ok(())
}

fn client(port: u16, deadline: Instant) -> Result<(), Error> {
    let stream = TcpStream::connect(("127.0.0.1", port))?;
    step!(
        "[client] TCP connected {} -> {}",
        stream.local_addr()?,
        stream.peer_addr()?
    );
    let assoc = Association::connect(AssociationConfig::default(), INITIATE_REQUEST, None);
    step!(
        "[client] COTP CR queued (TPDU size 2048 proposed); MMS initiate-Request {} octets",
        INITIATE_REQUEST.len()
    );
    let mut driver = Driver::new(stream, assoc, Side::Client)?;

    let outcome = driver.run_until(deadline, |ev, c| {
        if let Event::Associated(confirm) = ev {
            step!(
                "[client] A-ASSOCIATE confirm: accepted by AP-title {}, application context {}, \
                 MMS initiate-Response {} octets",
                confirm
                    .responding
                    .ap_title
                    .as_ref()
                    .map_or("-".into(), |o| o.to_id_string()),
                confirm.application_context.to_id_string(),
                confirm.user_data.as_ref().map_or(0, Vec::len),
            );
            c.stop();
        }
    })?;
    if outcome != Outcome::Stopped {
        return Err(format!("association ended with {outcome:?}").into());
    }
    let assoc = driver.association();
    step!(
        "[client] negotiated TPDU size {}; presentation contexts {}",
        assoc.tpdu_size(),
        contexts(assoc)
    );

    for id in 1..=REQUESTS {
        let request = identify_request(id);
        step!(
            "[client] P-DATA: identify request invokeID {id} ({} octets)",
            request.len()
        );
        driver.association().send_data(&request)?;
    }
    let mut answered = 0;
    let outcome = driver.run_until(deadline, |ev, c| {
        if let Event::Data { context_id, data } = ev {
            answered += 1;
            step!(
                "[client] P-DATA on context {context_id}: identify response invokeID {} ({} octets)",
                invoke_id(data).unwrap_or(0),
                data.len()
            );
            if answered == REQUESTS {
                c.stop();
            }
        }
    })?;
    if outcome != Outcome::Stopped {
        return Err(format!("data phase ended with {outcome:?}").into());
    }

    step!("[client] A-RELEASE request (FINISH carrying RLRQ)");
    driver.association().release(None)?;
    let outcome = driver.run_until(deadline, |ev, _| {
        if let Event::Released { reason, .. } = ev {
            step!("[client] A-RELEASE confirm (DISCONNECT carrying RLRE, reason {reason:?})");
        }
    })?;
    let (written, read) = driver.byte_counts();
    step!("[client] done ({outcome:?}): wrote {written} octets, read {read} octets");
    if outcome != Outcome::Closed {
        return Err(format!("release ended with {outcome:?}").into());
    }
    driver.close();
    Ok(())
}

fn main() -> ExitCode {
    let started = *START.get_or_init(Instant::now);
    let deadline = started + Duration::from_secs(4);
    let listener = match TcpListener::bind("127.0.0.1:0") {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen: {e}");
            return ExitCode::FAILURE;
        }
    };
    let port = match listener.local_addr() {
        Ok(a) => a.port(),
        Err(e) => {
            eprintln!("no local address: {e}");
            return ExitCode::FAILURE;
        }
    };
    step!("[server] listening on 127.0.0.1:{port}");
    let server = thread::spawn(move || server(listener, deadline));
    let client_result = client(port, deadline);
    let server_result = server
        .join()
        .unwrap_or_else(|_| Err("server thread panicked".into()));
    match (client_result, server_result) {
        (Ok(()), Ok(())) => {
            println!("association complete in {:?}", started.elapsed());
            ExitCode::SUCCESS
        }
        (c, s) => {
            if let Err(e) = c {
                eprintln!("client failed: {e}");
            }
            if let Err(e) = s {
                eprintln!("server failed: {e}");
            }
            ExitCode::FAILURE
        }
    }
}
