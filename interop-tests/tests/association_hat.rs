//! Our association (acse over copp, cosp, cot) against hat-drivers 0.10.10 over real TCP on
//! 127.0.0.1, driven by `interop_tests::driver`: our initiator with hat's MMS server, and hat's
//! MMS client with our responder. Every chunk that crossed the socket is recorded and judged by
//! tshark. hat's behaviour is described in `interop-tests/peers/README.md` §4-§5.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use acse::address::Address;
use acse::apdu::AbortSource;
use acse::association::{Association, AssociationConfig, Event, State};
use interop_tests::driver::{Driver, Outcome, Seen, Side};
use interop_tests::hat_frames;
use interop_tests::mms_vectors::{
    CONCLUDE_REQUEST, CONCLUDE_RESPONSE, INITIATE_REQUEST, INITIATE_RESPONSE,
};
use interop_tests::peer::{hat_mms_client, hat_mms_server, PeerLine};
use interop_tests::tshark::{as_strs, BAD_FRAME_FILTER};
use interop_tests::{require_python_peer, require_tshark, scratch_dir, Tshark};

const LINE_TIMEOUT: Duration = Duration::from_secs(20);
const RUN_TIMEOUT: Duration = Duration::from_secs(20);

/// The MMS confirmed-RequestPDU (identify, invokeID 0) inside hat's own identify P-DATA frame
/// (TPKT + COTP DT + GT/DT + P-DATA header = 20 octets precede it); hat's server answers it.
fn identify_request() -> &'static [u8] {
    let pdu = &hat_frames::IDENTIFY_REQUEST[20..];
    assert_eq!(&pdu[..2], &[0xa0, 0x05]);
    pdu
}

/// Frames tshark flags (malformed or expert error), as (frame number, TCP source port).
fn flagged_frames(tshark: &Tshark, path: &Path, decode_as: &[String]) -> Vec<(String, String)> {
    let mut args = as_strs(decode_as);
    args.extend_from_slice(&["-Y", BAD_FRAME_FILTER]);
    tshark
        .fields(path, &args, &["frame.number", "tcp.srcport"])
        .into_iter()
        .map(|row| (row[0].clone(), row[1].clone()))
        .collect()
}

fn write_capture(cap: &interop_tests::TcpCapture, test: &str) -> PathBuf {
    let path = scratch_dir(test).join(format!("{test}.pcap"));
    cap.write(&path).expect("write pcap");
    path
}

#[test]
fn our_initiator_with_hat_server_associates_identifies_and_releases() {
    let Some(python) = require_python_peer() else {
        return;
    };
    let mut server = hat_mms_server(&python, &["--timeout", "25"]).expect("hat server READY");
    let port = server.port().expect("port from READY");

    let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to hat");
    let our_port = stream.local_addr().expect("local addr").port();
    let assoc = Association::connect(AssociationConfig::default(), INITIATE_REQUEST, None);
    let mut driver = Driver::new(stream, assoc, Side::Client).expect("driver");
    let deadline = Instant::now() + RUN_TIMEOUT;

    // associate; the AARE carries hat's initiate-ResponsePDU
    let outcome = driver
        .run_until(deadline, |ev, c| {
            if let Event::Associated(_) = ev {
                c.stop();
            }
        })
        .unwrap_or_else(|e| panic!("association with hat: {e}\n{}", server.transcript_text()));
    assert_eq!(outcome, Outcome::Stopped);
    let Some(Seen::Associated(Some(initiate_response))) = driver.seen().first().cloned() else {
        panic!("expected Associated first: {:?}", driver.seen());
    };
    assert_eq!(
        initiate_response.first(),
        Some(&0xa9),
        "{initiate_response:02x?}"
    );
    assert_eq!(driver.association().state(), State::Associated);
    assert_eq!(driver.association().tpdu_size(), 2048);

    // identify: hat answers with a confirmed-ResponsePDU (A1) carrying its vendor name
    driver
        .association()
        .send_data(identify_request())
        .expect("send identify");
    let mut response = None;
    let outcome = driver
        .run_until(deadline, |ev, c| {
            if let Event::Data { data, .. } = ev {
                response = Some(data.to_vec());
                c.stop();
            }
        })
        .unwrap_or_else(|e| panic!("identify with hat: {e}\n{}", server.transcript_text()));
    assert_eq!(outcome, Outcome::Stopped);
    let response = response.expect("identify response");
    assert_eq!(response.first(), Some(&0xa1), "{response:02x?}");
    assert!(
        response.windows(11).any(|w| w == b"hat-drivers"),
        "{response:02x?}"
    );

    // release: hat answers our FINISH(RLRQ) with a bare DISCONNECT, which ends the release
    driver.association().release(None).expect("release");
    let outcome = driver
        .run_until(deadline, |_, _| {})
        .unwrap_or_else(|e| panic!("release with hat: {e}\n{}", server.transcript_text()));
    assert_eq!(outcome, Outcome::Closed);
    assert_eq!(
        driver.seen().last(),
        Some(&Seen::Released),
        "{:?}",
        driver.seen()
    );

    // what hat saw
    let init = server
        .expect("INITIATE_REQUEST", LINE_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(init.get_int("localDetailCalling"), Some(65000));
    let aarq = PeerLine::parse(
        server
            .transcript()
            .iter()
            .find(|l| l.starts_with("AARQ "))
            .expect("AARQ line"),
    );
    assert_eq!(aarq.get("application_context"), Some("1.0.9506.2.3"));
    assert_eq!(aarq.get("calling_ap_title"), Some("1.1.1.999"));
    assert_eq!(aarq.get("called_ap_title"), Some("1.1.1.999.1"));
    let request = server
        .expect("REQUEST", LINE_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        request.words.first().map(String::as_str),
        Some("IdentifyRequest")
    );
    let closed = server
        .expect("CLOSED", LINE_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    // hat answered a FINISH: DISCONNECT
    assert_eq!(closed.get("session"), Some("DN"), "{}", closed.raw);

    let (_, cap) = driver.close();
    let Some(tshark) = require_tshark() else {
        return;
    };
    let path = write_capture(&cap, "hat-server");
    let decode_as = cap.tshark_args();
    let args = as_strs(&decode_as);
    // our initiate-Request decodes cleanly, with our AARQ fields
    assert_eq!(
        tshark.values(&path, &args, "mms.localDetailCalling"),
        ["65000"]
    );
    assert_eq!(
        tshark.values(&path, &args, "mms.proposedDataStructureNestingLevel"),
        ["10"]
    );
    assert_eq!(
        tshark.fields(&path, &args, &["ses.type"]),
        [["13"], ["14"], ["1,1"], ["1,1"], ["9"], ["10"]]
    );
    assert_eq!(tshark.values(&path, &args, "acse.rlrq_element"), ["1"]);
    // no frame WE sent is flagged (hat's frames are not ours to judge)
    let ours: Vec<_> = flagged_frames(&tshark, &path, &decode_as)
        .into_iter()
        .filter(|(_, src)| *src == our_port.to_string())
        .collect();
    assert!(
        ours.is_empty(),
        "{ours:?}\n{}",
        tshark.verbose(&path, &args)
    );
    let status = server.wait_exit(LINE_TIMEOUT).expect("hat server exited");
    assert!(status.success(), "{status:?}\n{}", server.transcript_text());
}

/// Accepts one connection on `listener` within `timeout` (the listener is polled, so a peer
/// that never connects cannot hang the test).
fn accept_one(listener: &TcpListener, timeout: Duration) -> TcpStream {
    listener.set_nonblocking(true).expect("nonblocking");
    let deadline = Instant::now() + timeout;
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false).expect("blocking stream");
                return stream;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                assert!(Instant::now() < deadline, "no connection from hat's client");
                thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("accept: {e}"),
        }
    }
}

#[test]
fn hat_client_with_our_responder_associates_and_closes_hat_style() {
    let Some(python) = require_python_peer() else {
        return;
    };
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let mut client = hat_mms_client(&python, "127.0.0.1", port, &["--timeout", "10"])
        .expect("hat client started");
    let stream = accept_one(&listener, LINE_TIMEOUT);
    let our_port = port;

    // hat calls without AE-titles: no need to mirror them
    let config = {
        let mut config = AssociationConfig::default();
        config.local = Address::selectors_only();
        config.remote = Address::selectors_only();
        config
    };
    let assoc = Association::accept_incoming(config, None);
    let mut driver = Driver::new(stream, assoc, Side::Server).expect("driver");
    let mut indication = None;
    let result = driver.run_until(Instant::now() + RUN_TIMEOUT, |ev, c| match ev {
        Event::AssociateIndication(ind) => {
            indication = Some(ind.user_data.clone());
            c.accept(INITIATE_RESPONSE);
        }
        // hat closes with conclude-Request first and does not wait for the answer
        Event::Data { data, .. } if *data == CONCLUDE_REQUEST => c.send_data(CONCLUDE_RESPONSE),
        _ => {}
    });
    let seen = driver.seen().to_vec();
    let associated_at = seen
        .iter()
        .position(|s| matches!(s, Seen::AssociateIndication(_)));
    // our responder never errored before the association was accepted
    let associated_at = match (&result, associated_at) {
        (_, Some(i)) => i,
        (Err(e), None) => panic!(
            "responder failed before ASSOCIATED: {e}\n{}",
            client.transcript_text()
        ),
        (Ok(o), None) => panic!("no association ({o:?})\n{}", client.transcript_text()),
    };
    assert_eq!(associated_at, 0, "{seen:?}");
    let initiate = indication.flatten().expect("AARQ user data");
    assert_eq!(initiate.first(), Some(&0xa8), "{initiate:02x?}");

    // hat's client
    let associated = client
        .expect("ASSOCIATED", LINE_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(associated.get("local_port").is_some(), "{}", associated.raw);
    let response = client
        .expect("INITIATE_RESPONSE", LINE_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        response.get_int("localDetailCalled"),
        Some(65000),
        "{}",
        response.raw
    );
    let closed = client
        .expect("CLOSED", LINE_TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    let status = client.wait_exit(LINE_TIMEOUT).expect("hat client exited");
    assert!(status.success(), "{status:?}\n{}", client.transcript_text());

    // How our side saw the end races inside hat (peers/README.md §5): hat sends
    // conclude-Request, then FINISH{ARU{ABRT source 0}} and closes TCP without waiting. If
    // the FINISH arrived we report an abort by the service user; if TCP closed first we see a
    // plain close. Either way the conclude-Request was delivered first, and nothing else.
    let after: Vec<_> = seen[associated_at + 1..].to_vec();
    eprintln!(
        "hat's close as our responder saw it: {result:?}, events after the indication {after:?}"
    );
    match result {
        Ok(Outcome::Closed) => assert_eq!(
            after,
            [
                Seen::Data(3, CONCLUDE_REQUEST.to_vec()),
                Seen::Aborted(Some(AbortSource::ServiceUser), None)
            ],
            "{}",
            closed.raw
        ),
        Ok(Outcome::PeerClosed) => {
            assert!(
                after.is_empty() || after == [Seen::Data(3, CONCLUDE_REQUEST.to_vec())],
                "{after:?}"
            );
        }
        other => panic!(
            "unexpected end {other:?}: {seen:?}\n{}",
            client.transcript_text()
        ),
    }
    assert_eq!(
        closed.get("mms"),
        Some("conclude-RequestPDU"),
        "{}",
        closed.raw
    );
    assert_eq!(closed.get("session"), Some("FN"), "{}", closed.raw);

    let (_, cap) = driver.close();
    let Some(tshark) = require_tshark() else {
        return;
    };
    let path = write_capture(&cap, "hat-client");
    let decode_as = cap.tshark_args();
    let args = as_strs(&decode_as);
    // our AC(CPA(AARE)) carries our initiate-Response, decoded cleanly
    assert_eq!(
        tshark.values(&path, &args, "mms.localDetailCalled"),
        ["65000"]
    );
    assert_eq!(tshark.values(&path, &args, "acse.result"), ["0"]);
    // hat's FINISH{ARU{ABRT}} is flagged by tshark ("can't get spdu type from session
    // dissector", hat's quirk, peers/README.md §5); no frame WE sent may be flagged
    let ours: Vec<_> = flagged_frames(&tshark, &path, &decode_as)
        .into_iter()
        .filter(|(_, src)| *src == our_port.to_string())
        .collect();
    assert!(
        ours.is_empty(),
        "{ours:?}\n{}",
        tshark.verbose(&path, &args)
    );
}
