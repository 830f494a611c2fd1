//! `mms client journal` against a peer that behaves like a widely deployed server: a
//! ReadJournal without a range (which ISO 9506-2 §20.2.1 allows) is rejected with
//! confirmed-requestPDU / invalid-argument, a ranged one is answered. The program must send
//! startingTime 1984-01-01 and endingTime now by default, the times `--from` / `--to` give,
//! `entryToStartAfter` for `--after`, and retry a `--bare` request with the range.
//!
//! The peer is the sans-IO [`Endpoint`] over a TCP socket (the runtime's handlers cannot send a
//! RejectPDU of their choosing), so every octet of each request can be inspected.

use std::borrow::Cow;
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mms::common::{ApplicationReference, TimeOfDay};
use mms::endpoint::{Endpoint, EndpointConfig, MmsEvent};
use mms::initiate::{ParameterCbb, ServiceKind, ServicesSupported};
use mms::pdu::{ConfirmedServiceRequest, ConfirmedServiceResponse};
use mms::reject::{ConfirmedRequestProblem, RejectReason};
use mms::services::journal::{EntryContent, EntryForm, JournalEntry, ReadJournalResponse};

/// What the peer saw of each ReadJournal: the request PDU's octets and whether it was bare.
/// Each ReadJournal request the peer saw: its octets, whether it was bare,
/// and which of rangeStart, rangeStop and entryToStartAfter it carried.
type Seen = Arc<Mutex<Vec<(Vec<u8>, bool, [bool; 3])>>>;

enum Action {
    Accept(mms::InitiateRequest),
    Reject(u32),
    Answer(u32),
    Other(u32),
    None,
    Closed,
}

fn entries() -> ConfirmedServiceResponse<'static> {
    ConfirmedServiceResponse::ReadJournal(ReadJournalResponse {
        list_of_journal_entry: (0u8..2)
            .map(|i| JournalEntry {
                entry_identifier: Cow::Owned(vec![0xab, i]),
                originating_application: ApplicationReference::default(),
                entry_content: EntryContent {
                    occurrence_time: TimeOfDay::from_unix_millis(
                        1_700_000_000_000 + i64::from(i) * 1000,
                    ),
                    additional_detail: None,
                    entry_form: EntryForm::Annotation(Cow::Owned(format!("logged {i}"))),
                },
            })
            .collect(),
        more_follows: false,
    })
}

/// Serves one association on `stream` until it ends.
fn serve(mut stream: TcpStream, seen: &Seen) {
    stream
        .set_read_timeout(Some(Duration::from_millis(50)))
        .expect("timeout");
    let mut ep = Endpoint::accept(EndpointConfig::default(), None);
    let mut buf = vec![0u8; 65536];
    for _ in 0..400 {
        match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => {
                if ep.feed(&buf[..n]).is_err() {
                    return;
                }
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return,
        }
        loop {
            let action = match ep.poll_event() {
                Ok(Some(MmsEvent::InitiateIndication { request, .. })) => Action::Accept(request),
                Ok(Some(MmsEvent::Request { pdu, raw })) => match &pdu.service {
                    ConfirmedServiceRequest::ReadJournal(r) => {
                        let bare = r.range_start_specification.is_none()
                            && r.range_stop_specification.is_none()
                            && r.entry_to_start_after.is_none();
                        let parts = [
                            r.range_start_specification.is_some(),
                            r.range_stop_specification.is_some(),
                            r.entry_to_start_after.is_some(),
                        ];
                        seen.lock().expect("lock").push((raw.to_vec(), bare, parts));
                        if bare {
                            Action::Reject(pdu.invoke_id)
                        } else {
                            Action::Answer(pdu.invoke_id)
                        }
                    }
                    _ => Action::Other(pdu.invoke_id),
                },
                Ok(Some(MmsEvent::Closed(_))) | Err(_) => Action::Closed,
                Ok(Some(_)) => Action::None,
                Ok(None) => break,
            };
            match action {
                Action::Accept(req) => {
                    ep.accept_initiate(
                        &req,
                        ServicesSupported::from_kinds([ServiceKind::ReadJournal]),
                        ParameterCbb::libiec61850_like(),
                    )
                    .expect("accept");
                }
                Action::Reject(id) => ep
                    .send_reject(
                        id,
                        RejectReason::ConfirmedRequest(ConfirmedRequestProblem::InvalidArgument),
                    )
                    .expect("reject"),
                Action::Answer(id) => ep.send_response(id, &entries()).expect("answer"),
                Action::Other(id) => ep
                    .send_reject(
                        id,
                        RejectReason::ConfirmedRequest(
                            ConfirmedRequestProblem::UnrecognizedService,
                        ),
                    )
                    .expect("reject"),
                Action::None => {}
                Action::Closed => {
                    let _ = stream.write_all(ep.transmit());
                    return;
                }
            }
        }
        let out = ep.transmit().to_vec();
        if !out.is_empty() {
            if stream.write_all(&out).is_err() {
                return;
            }
            ep.advance_transmit(out.len());
        }
    }
}

/// A peer on loopback serving associations one after another; its address and what it saw.
fn peer() -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let seen: Seen = Arc::default();
    let s = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            serve(stream, &s);
        }
    });
    (addr, seen)
}

fn journal(addr: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mms"))
        .args([
            "client",
            "--connect",
            addr,
            "--timeout",
            "5",
            "journal",
            "LD0/Log",
        ])
        .args(args)
        .output()
        .expect("run mms client journal");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `[tag] EXPLICIT { [0] IMPLICIT TimeOfDay }`, six octets: how a range bound is encoded.
fn bound(tag: u8, t: TimeOfDay) -> Vec<u8> {
    let (b, n) = t.to_octets();
    assert_eq!(n, 6);
    let mut v = vec![tag, 0x08, 0x80, 0x06];
    v.extend_from_slice(&b);
    v
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The ending time in a request: the six octets after `a2 08 80 06`.
fn ending(raw: &[u8]) -> Option<TimeOfDay> {
    let at = raw.windows(4).position(|w| w == [0xa2, 0x08, 0x80, 0x06])?;
    TimeOfDay::from_octets(raw.get(at + 4..at + 10)?).ok()
}

#[test]
fn journal_sends_1984_until_now_by_default() {
    let (addr, seen) = peer();
    let before = now_ms();
    let (ok, out, err) = journal(&addr, &[]);
    let after = now_ms();
    assert!(ok, "the journal read failed:\n{out}\n{err}");
    assert!(
        out.contains("logged 0") && out.contains("logged 1"),
        "{out}"
    );
    assert!(
        out.contains("ab00") && out.contains("2023-11-14T22:13:20.000Z"),
        "{out}"
    );
    let seen = seen.lock().expect("lock");
    assert_eq!(seen.len(), 1, "one request, with its range");
    let (raw, bare, parts) = &seen[0];
    assert!(!bare);
    assert_eq!(
        parts,
        &[true, true, false],
        "start, stop, no entryToStartAfter"
    );
    // startingTime 1984-01-01T00:00:00.000Z: zero milliseconds, zero days.
    assert!(
        contains(raw, &[0xa1, 0x08, 0x80, 0x06, 0, 0, 0, 0, 0, 0]),
        "{raw:02x?}"
    );
    let end = ending(raw)
        .and_then(|t| t.unix_millis())
        .unwrap_or_else(|| panic!("no endingTime in {raw:02x?}"));
    assert!(
        (before..=after).contains(&end),
        "{before} <= {end} <= {after}"
    );
    // No entryToStartAfter ([5], which would follow the stop bound): the
    // stop bound closes the request. (Searching for a lone 0xa5 octet would
    // also match the clock's bytes inside the ending time.)
    let stop = raw
        .windows(4)
        .position(|w| w == [0xa2, 0x08, 0x80, 0x06])
        .unwrap_or(0);
    assert_eq!(stop + 10, raw.len(), "{raw:02x?}");
}

#[test]
fn journal_from_and_to_give_the_range() {
    let (addr, seen) = peer();
    let (ok, out, err) = journal(
        &addr,
        &["--from", "2024-01-01", "--to", "2024-02-03T04:05:06.789Z"],
    );
    assert!(ok, "{out}\n{err}");
    let seen = seen.lock().expect("lock");
    let (raw, _, _) = &seen[0];
    let from = bound(0xa1, TimeOfDay::from_unix_millis(1_704_067_200_000));
    let to = bound(0xa2, TimeOfDay::from_unix_millis(1_706_933_106_789));
    assert!(contains(raw, &from), "{raw:02x?} lacks {from:02x?}");
    assert!(contains(raw, &to), "{raw:02x?} lacks {to:02x?}");
}

#[test]
fn journal_after_an_entry_sends_entry_to_start_after() {
    let (addr, seen) = peer();
    let (ok, out, err) = journal(&addr, &["--after", "ab01", "--at", "2024-01-01T00:00:01Z"]);
    assert!(ok, "{out}\n{err}");
    let seen = seen.lock().expect("lock");
    let (raw, _, parts) = &seen[0];
    assert_eq!(
        parts,
        &[false, true, true],
        "no start, stop, entryToStartAfter"
    );
    // entryToStartAfter [5] { timeSpecification [0] 6 octets, entrySpecification [1] ab 01 }.
    let (t, _) = TimeOfDay::from_unix_millis(1_704_067_201_000).to_octets();
    let mut want = vec![0xa5, 0x0c, 0x80, 0x06];
    want.extend_from_slice(&t);
    want.extend_from_slice(&[0x81, 0x02, 0xab, 0x01]);
    assert!(contains(raw, &want), "{raw:02x?} lacks {want:02x?}");
    // The default ending time still goes.
    assert!(ending(raw).is_some(), "{raw:02x?}");
}

#[test]
fn a_bare_request_rejected_with_invalid_argument_is_retried_with_a_range() {
    let (addr, seen) = peer();
    let (ok, out, err) = journal(&addr, &["--bare"]);
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("logged 1"), "{out}");
    let seen = seen.lock().expect("lock");
    assert_eq!(seen.len(), 2, "a bare request, then a ranged one");
    assert!(seen[0].1, "the first is bare: {:02x?}", seen[0].0);
    assert!(!seen[1].1);
    assert!(contains(
        &seen[1].0,
        &[0xa1, 0x08, 0x80, 0x06, 0, 0, 0, 0, 0, 0]
    ));
    assert!(ending(&seen[1].0).is_some());
}

#[test]
fn a_bad_time_is_refused_before_asking() {
    let (addr, seen) = peer();
    let (ok, _, err) = journal(&addr, &["--from", "1983-12-31"]);
    assert!(!ok);
    assert!(err.contains("before 1984-01-01"), "{err}");
    let (ok, _, err) = journal(&addr, &["--from", "yesterday"]);
    assert!(!ok);
    assert!(err.contains("is not a time"), "{err}");
    assert!(seen.lock().expect("lock").is_empty());
}
