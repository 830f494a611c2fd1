//! The XMPP test environment (for MMS over XMPP, IEC 62351-4 clause 16 / IEC 61850-8-2): a real
//! prosody server started by `interop_tests::prosody`, and two independent slixmpp clients
//! (`peers/xmpp_client.py`) exchanging a message through it over STARTTLS verified against the
//! test CA. No code of ours is on the wire yet; this proves the harness.

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::time::{Duration, Instant};

use cot::pki::{KeyKind, Pki};
use interop_tests::peer::{to_hex, PythonPeer};
use interop_tests::prosody::{self, require_prosody, require_slixmpp, Prosody};
use interop_tests::scratch_dir;

/// Every wait of this test is bounded by this.
const WAIT: Duration = Duration::from_secs(20);

/// Opens a client stream on a raw TCP connection and returns what the server sent until the end
/// of its stream features (or until `WAIT` passes, or the server closes).
fn stream_features(port: u16) -> Vec<u8> {
    let mut tcp = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).expect("connect to prosody");
    tcp.set_read_timeout(Some(Duration::from_millis(500)))
        .expect("read timeout");
    tcp.write_all(
        b"<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' \
          xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>",
    )
    .expect("send stream header");
    let deadline = Instant::now() + WAIT;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline && find(&got, b"</stream:features>").is_none() {
        match tcp.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(buf.get(..n).unwrap_or_default()),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => panic!("reading stream features: {e}"),
        }
    }
    got
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn slixmpp_clients_exchange_a_message_through_prosody_with_required_starttls() {
    let Some(tools) = require_prosody() else {
        return;
    };
    let Some(python) = require_slixmpp() else {
        return;
    };
    let started = Instant::now();
    let dir = scratch_dir("xmpp_prosody");
    let server = Prosody::start(&tools, &dir, "localhost").unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "prosody on 127.0.0.1:{} after {:?}",
        server.port(),
        started.elapsed()
    );
    for (user, password) in [("a", "secret-a"), ("b", "secret-b")] {
        server
            .register(user, password)
            .unwrap_or_else(|e| panic!("{e}\n{}", server.log_tail(40)));
    }

    // The server insists on TLS: its first stream features offer STARTTLS as required,
    let features = stream_features(server.port());
    let text = String::from_utf8_lossy(&features).into_owned();
    let starttls = find(&features, b"<starttls")
        .unwrap_or_else(|| panic!("no <starttls> in the stream features: {text}"));
    let rest = features.get(starttls..).unwrap_or_default();
    let end = find(rest, b"</starttls>")
        .unwrap_or_else(|| panic!("<starttls> without <required/> child: {text}"));
    let element = rest.get(..end).unwrap_or_default();
    assert!(
        find(element, b"urn:ietf:params:xml:ns:xmpp-tls").is_some(),
        "{text}"
    );
    assert!(
        find(element, b"<required/>").is_some(),
        "STARTTLS not required: {text}"
    );
    // and no SASL mechanism is offered on the plain stream
    assert!(
        find(&features, b"<mechanisms").is_none(),
        "SASL offered before TLS: {text}"
    );

    // a@localhost/IEC listens; b@localhost/IEC sends it one message.
    let mut listener =
        prosody::xmpp_listener(&python, &server, "a@localhost/IEC", "secret-a", WAIT)
            .unwrap_or_else(|e| panic!("listener: {e}\n{}", server.log_tail(40)));
    let ready = listener.transcript().join("\n");
    assert!(ready.contains("jid=a@localhost/IEC"), "{ready}");
    assert!(ready.contains("tls=TLSv1."), "{ready}");

    let body = "MMS over XMPP <test> & ü";
    let mut sender = prosody::xmpp_send(
        &python,
        &server,
        "b@localhost/IEC",
        "secret-b",
        "a@localhost/IEC",
        body,
    )
    .unwrap_or_else(|e| panic!("sender: {e}"));
    let sent = sender.expect("SENT", WAIT);
    if let Err(e) = sent {
        panic!("sender: {e}\n{}", server.log_tail(40));
    }
    let status = sender.wait_exit(WAIT);
    assert!(
        status.is_some_and(|s| s.success()),
        "sender ended with {status:?}: {}",
        sender.transcript_text()
    );

    let message = listener.expect("MESSAGE", WAIT).unwrap_or_else(|e| {
        panic!(
            "no MESSAGE at the listener: {e}\n{}\n--- sender\n{}",
            server.log_tail(60),
            sender.transcript_text()
        )
    });
    assert_eq!(
        message.get("from"),
        Some("b@localhost/IEC"),
        "{}",
        message.raw
    );
    assert_eq!(message.get("type"), Some("chat"), "{}", message.raw);
    assert_eq!(
        message.get("body"),
        Some(to_hex(body.as_bytes()).as_str()),
        "{}",
        message.raw
    );
    eprintln!("exchange done after {:?}", started.elapsed());

    // The client peer really verifies the server: trusting another CA, it gets no session.
    let other_ca = Pki::new_root("not the XMPP test CA", KeyKind::EcP256).expect("other CA");
    let other_pem = dir.join("other-ca.pem");
    std::fs::write(&other_pem, other_ca.ca().cert_pem().expect("PEM")).expect("write PEM");
    let port = server.port().to_string();
    let other = other_pem.to_string_lossy().into_owned();
    let mut refused = PythonPeer::spawn(
        &python,
        "xmpp_client.py",
        &[
            "--jid",
            "b@localhost/IEC",
            "--password",
            "secret-b",
            "--port",
            &port,
            "--ca",
            &other,
            "send",
            "--to",
            "a@localhost/IEC",
            "--body",
            "must not arrive",
        ],
    )
    .expect("spawn client");
    let lines = refused.remaining_lines(WAIT);
    let transcript = refused.transcript_text();
    assert!(
        lines.iter().any(|l| l.keyword == "ERROR"),
        "expected ERROR: {transcript}"
    );
    assert!(
        transcript.contains("CERTIFICATE_VERIFY_FAILED") || transcript.contains("certificate"),
        "{transcript}"
    );
    assert!(
        !lines
            .iter()
            .any(|l| l.keyword == "READY" || l.keyword == "SENT"),
        "{transcript}"
    );
}
