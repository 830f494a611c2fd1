//! Hostile XMPP clients against our MMS server in the XMPP environment (IEC 62351-4 clause 16,
//! IEC 61850-8-2), through a real prosody. The attacker is an independent XMPP client
//! (`peers/xmpp_attacker.py`, PyPI slixmpp) logged in to the same prosody.
//!
//! **Hostile stanzas** (`hostile_stanzas_are_refused_and_the_server_keeps_serving`): the
//! attacker writes malformed or unprotected stanzas to the server's JID. For each one the
//! test checks the answer prescribed (an iq request: `bad-request` for a broken envelope,
//! `item-not-found` for an unknown association; a HandshakeReq the E2E checks refuse: a
//! HandshakeSecReject in the iq result, without diagnostic when an alarm was raised, F-1141;
//! a message: nothing), the security event counted at the server (the XMPP environment's in
//! its `ServerConfig::events`, given an Arc of its own; the end-to-end checks' in its E2E
//! factory's), and that a legitimate association opened before the attacks still reads the
//! right value, promptly, after each one. XML prosody itself refuses (a DOCTYPE, an undefined entity) ends the
//! attacker's stream at prosody: the test checks that, and that our server saw nothing.
//!
//! **Relay and tamper** (`a_tampering_relay_is_detected_and_never_changes_a_value`): the
//! attacker R sits between our client and our server. The client connects to R's JID as if it
//! were the server; R forwards each stanza from the client to the server and each answer back,
//! changing only `to` (prosody writes R's JID as `from`). Each end checks that its peer's E2E
//! certificate names the JID it talks to (2.5.4.105, F-1207), and both talk to R: so both
//! certificates are issued with jid = R. R holds no E2E key, so it is an in-path attacker of
//! exactly the kind end-to-end security is for (the XMPP server, or someone controlling an
//! account on the route). On command R then tampers with the data phase:
//!
//! * flips one bit inside a data SecPDU's applData (the last hex digit of the ciphertext in
//!   AES-GCM; in the tbp of an ICV-only ClearTransfer the last character of the XER MMSpdu's
//!   last value: the request then names another variable, the response carries the value 0
//!   instead of 1; the test checks that exactly one bit changed), in a request and a response:
//!   the receiver counts the ICV / tag failure (10.5 / 11.5), sends DtSecAbort, both ends drop
//!   the association, and the read fails instead of returning anything;
//! * replays the last request: the server counts a replay (10.7 / 11.7) and aborts; replays the
//!   last response: it answers no iq of the client's, so the client drops it before any E2E
//!   processing (`xmpp.unsolicited-result`) and the association goes on;
//! * reorders two reports: the client counts an invalid sequence or time (10.6 / 10.8 / 11.6 /
//!   11.8) and aborts; no report other than the two sent is ever delivered;
//! * drops one request: the client's read times out, nothing worse: the next request carries a
//!   later time (the timeout outlasts the time field's one-second resolution), its sequence
//!   number starts again at 0, and the association goes on;
//! * re-addresses: a second account R2 sends a data stanza R forwarded (the server has no
//!   association with R2 under that assoID: `item-not-found`, `xmpp.unknown-association`, the
//!   real association unharmed), and the HandshakeReq R forwarded (the certificate names R,
//!   not R2: the address-binding alarm 1.8, answered by a HandshakeSecReject without
//!   diagnostic, F-1141);
//! * sends the client's HandshakeReq again inside the established association (the envelope
//!   naming its full assoID): the server counts the data phase's protocol error (10.1 / 11.1),
//!   answers the iq with `not-authorized` and aborts with DtSecAbort in a message.
//!
//! Both relay runs use the same attacks, one in AES-128-GCM (EncrTransfer) and one ICV-only
//! with HMAC-SHA256 (ClearTransfer). Every wait is bounded.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::AtomicI64;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use acse::security::Role;
use cot::pki::{KeyKind, Pki};
use cot::security_event::SecurityEvents;
use e2e_sec::config::{AeadAlgorithm, CbcAlgorithm};
use e2e_sec::{E2eConfig, E2eFactory, E2eMode, IcvAlgorithm};
use interop_tests::peer::PeerLine;
use interop_tests::prosody::{require_prosody, require_slixmpp, Prosody};
use interop_tests::scratch_dir;
use interop_tests::xmpp_rig::{
    alarms, connect, credential, hex_text, side, wait_for, Attacker, Side, DOMAIN,
};
use mms::client::{Client, ClientConfig};
use mms::data::Data;
use mms::server::model::{demo, Model};
use mms::server::{RunningServer, Server, ServerConfig};
use mms::services::variables::InformationReport;
use mms::{AccessResult, ObjectName, UnconfirmedService, VariableAccessSpecification};

const ENV_NS: &str = "http://www.iec.ch/62351/2018/ENV_4";
const E2E_NS: &str = "http://www.iec.ch/62351/2018/E2E_4";
const MMS_NS: &str = "http://www.iec.ch/61850/2018/SCSM_8_2";
/// The variable the legitimate client reads after every attack.
const VARIABLE: &str = "LLN0$ST$Mod$stVal";
/// How long a legitimate read may take after an attack.
const PROMPT: Duration = Duration::from_secs(5);
const WAIT: Duration = Duration::from_secs(10);
/// How many stanzas of each cheap kind the flood sends.
const FLOOD: usize = 1500;
/// How many HandshakeReqs the flood sends.
const HANDSHAKES: usize = 300;

fn variable() -> ObjectName<'static> {
    ObjectName::domain(demo::DOMAIN.to_string(), VARIABLE.to_string())
}

/// A server on account `user` (its E2E certificate naming `cert_jid`), with the demo model,
/// recording its own events (`ServerConfig::events`: the uplink's and the associations') in
/// `events`; the E2E machines record into the factory's ([`Side::events`]). The relay test
/// gives both the same Arc, as `mms server` does; the hostile-stanza test two, to check where
/// each event lands.
fn start_server(
    s: &Side,
    events: &Arc<SecurityEvents>,
    label: &str,
) -> (RunningServer, Arc<Model>) {
    let files = scratch_dir(&format!("xmpp-attacks-{label}"));
    let model = Arc::new(demo::model(Some(&files)).expect("model"));
    demo::tick(&model, SystemTime::now());
    let mut sc = ServerConfig::default()
        .with_listen(Vec::new())
        .with_events(Arc::clone(events));
    sc.xmpp = Some(s.settings.clone());
    let server = Server::bind(sc, model.clone())
        .and_then(Server::spawn)
        .expect("server");
    (server, model)
}

/// The legitimate client reads the variable correctly, within [`PROMPT`].
fn reads_correctly(client: &Client, model: &Model, after: &str) {
    let t0 = Instant::now();
    let got = client
        .read_one(&variable())
        .unwrap_or_else(|e| panic!("after {after}: the legitimate read failed: {e}"));
    assert_eq!(
        Some(got),
        model.get(demo::DOMAIN, VARIABLE),
        "after {after}: wrong value"
    );
    assert!(
        t0.elapsed() < PROMPT,
        "after {after}: the read took {:?}",
        t0.elapsed()
    );
}

fn env(asso_id: &str, inner: &str) -> String {
    format!("<e2e xmlns='{ENV_NS}' assoID='{asso_id}'>{inner}</e2e>")
}

/// What the server must send back to the attacker.
#[derive(Debug)]
enum Reply {
    /// An iq error with this condition.
    Error(&'static str),
    /// An iq result carrying this SecPDU, with a `diagnostic` element or (an alarm, F-1141)
    /// without.
    Result(&'static str, bool),
    /// Nothing (a message, or an iq result).
    Nothing,
}

struct Case {
    name: &'static str,
    id: &'static str,
    stanza: String,
    reply: Reply,
    /// The security event counted at the server; `None`: none (see the case).
    event: Option<&'static str>,
    /// Where: the server's own events (the XMPP environment's checks) or its E2E factory's
    /// (the end-to-end checks of a HandshakeReq).
    at: At,
}

#[derive(Debug, Clone, Copy)]
enum At {
    Server,
    E2e,
}

/// A HandshakeReq signed with a certificate naming `cert_jid` (our own E2E library makes it;
/// the attacker only sends it), in its envelope; `complete`: its initiate-Request is one a
/// server accepts (else a minimal one, for HandshakeReqs refused before the MMS layer).
fn handshake_req(root: &Pki, cert_jid: &str, complete: bool) -> String {
    let config = E2eConfig::new(
        credential(root, "forger", cert_jid),
        vec![root.ca().certificate.clone()],
    )
    .with_mode(E2eMode::Aead(AeadAlgorithm::Aes128Gcm));
    let factory =
        E2eFactory::new(config, Arc::new(SecurityEvents::new())).expect("forger's factory");
    let mut e2e = factory.xmpp_association(
        Role::Initiator,
        "mallory@localhost",
        &format!("ied@{DOMAIN}"),
    );
    let initiate = if complete {
        let ber = mms::pdu::MmsPdu::InitiateRequest(mms::InitiateRequest::default()).to_vec();
        String::from_utf8(mms::xmpp::link::mms_xer(&ber).expect("XER")).expect("UTF-8")
    } else {
        format!(
            "<MMSpdu xmlns='{MMS_NS}'><initiate-RequestPDU><localDetailCalling>65000\
             </localDetailCalling></initiate-RequestPDU></MMSpdu>"
        )
    };
    let secpdu = e2e
        .handshake_request(initiate.as_bytes())
        .expect("HandshakeReq");
    let text = String::from_utf8(secpdu).expect("UTF-8");
    env(e2e.asso_id().expect("the client's assoID"), &text)
}

#[test]
fn hostile_stanzas_are_refused_and_the_server_keeps_serving() {
    let _ = env_logger::builder().is_test(true).try_init();
    let Some(tools) = require_prosody() else {
        return;
    };
    let Some(python) = require_slixmpp() else {
        return;
    };
    let dir = scratch_dir("xmpp_attacks_stanzas");
    let prosody = Prosody::start(&tools, &dir, DOMAIN).unwrap_or_else(|e| panic!("{e}"));
    let root = Pki::new_root("XMPP E2E root", KeyKind::EcP256).expect("CA");
    let offset = Arc::new(AtomicI64::new(0));
    let mode = E2eMode::Aead(AeadAlgorithm::Aes128Gcm);
    let ied = side(&prosody, &root, "ied", "ied@localhost", mode, &offset);
    let cc = side(&prosody, &root, "cc", "cc@localhost", mode, &offset);
    // The server's own events apart from its E2E factory's.
    let server_events = Arc::new(SecurityEvents::new());
    let (server, model) = start_server(&ied, &server_events, "stanzas");
    let to = format!("ied@{DOMAIN}/IEC");
    let client = connect(&cc.settings, &to, WAIT, &cc.events);
    reads_correctly(&client, &model, "connecting");

    let mut mallory = Attacker::start(&python, &prosody, "mallory", None);
    let iq =
        |t: &str, id: &str, body: &str| format!("<iq type='{t}' to='{to}' id='{id}'>{body}</iq>");
    let valid_req = handshake_req(&root, "cc@localhost", false);
    // Garbage in a hexadecimal field of an otherwise well-formed HandshakeReq: the first
    // digit of the DH public value becomes 'Z'.
    let garbage_req = {
        let mut s = handshake_req(&root, "mallory@localhost", false);
        let at = s.find("<publicKey>").expect("a publicKey") + "<publicKey>".len();
        s.replace_range(at..at + 1, "Z");
        s
    };
    let unprotected = format!(
        "<MMSpdu xmlns='{MMS_NS}'><confirmed-RequestPDU><invokeID>1</invokeID>\
         <confirmedServiceRequest><identify/></confirmedServiceRequest>\
         </confirmed-RequestPDU></MMSpdu>"
    );
    let cases = vec![
        // Answered by prosody itself (its stanza router refuses an iq get/set without exactly
        // one child, RFC 6120 §8.2.3): our server never sees it, so it counts nothing. (A
        // server that relays it anyway meets the same rule in our stream layer, which answers
        // `bad-request` and reports it: `cot::xmpp` tests.)
        Case {
            name: "iq set without payload",
            id: "atk-1",
            stanza: format!("<iq type='set' to='{to}' id='atk-1'/>"),
            reply: Reply::Error("bad-request"),
            event: None,
            at: At::Server,
        },
        Case {
            name: "message without payload",
            id: "atk-1m",
            stanza: format!("<message type='normal' to='{to}' id='atk-1m'/>"),
            reply: Reply::Nothing,
            event: Some(e2e_sec::events::XMPP_MALFORMED),
            at: At::Server,
        },
        Case {
            name: "iq with a payload in another namespace",
            id: "atk-2",
            stanza: iq("get", "atk-2", "<query xmlns='urn:example:not-iec'/>"),
            reply: Reply::Error("bad-request"),
            event: Some("IEC62351-4:18.3"),
            at: At::Server,
        },
        Case {
            name: "envelope with an unknown SecPDU element",
            id: "atk-3",
            stanza: iq(
                "set",
                "atk-3",
                &env("41", &format!("<fooTransfer xmlns='{E2E_NS}'/>")),
            ),
            reply: Reply::Error("bad-request"),
            event: Some("IEC62351-4:18.4"),
            at: At::Server,
        },
        Case {
            name: "HandshakeReq in a message",
            id: "atk-4",
            stanza: format!(
                "<message type='normal' to='{to}' id='atk-4'>{}</message>",
                env("42", &format!("<handshakeReq xmlns='{E2E_NS}'/>"))
            ),
            reply: Reply::Nothing,
            event: Some("IEC62351-4:18.1"),
            at: At::Server,
        },
        Case {
            name: "abort SecPDU in an iq",
            id: "atk-5",
            stanza: iq(
                "set",
                "atk-5",
                &env("43", &format!("<dtSecAbort xmlns='{E2E_NS}'/>")),
            ),
            reply: Reply::Error("bad-request"),
            event: Some("IEC62351-4:18.2"),
            at: At::Server,
        },
        Case {
            name: "ClearTransfer for an unknown assoID",
            id: "atk-6",
            stanza: iq(
                "get",
                "atk-6",
                &env("123:456", &format!("<clearTransfer xmlns='{E2E_NS}'/>")),
            ),
            reply: Reply::Error("item-not-found"),
            event: Some(mms::xmpp::UNKNOWN_ASSOCIATION),
            at: At::Server,
        },
        Case {
            name: "unprotected MMS PDU in the envelope",
            id: "atk-7",
            stanza: iq("get", "atk-7", &env("123:456", &unprotected)),
            reply: Reply::Error("bad-request"),
            event: Some("IEC62351-4:18.3"),
            at: At::Server,
        },
        Case {
            name: "iq result answering nothing",
            id: "atk-8",
            stanza: iq(
                "result",
                "atk-8",
                &env("123:456", &format!("<clearTransfer xmlns='{E2E_NS}'/>")),
            ),
            reply: Reply::Nothing,
            event: Some(mms::xmpp::UNKNOWN_ASSOCIATION),
            at: At::Server,
        },
        Case {
            name: "garbage hex in a HandshakeReq",
            id: "atk-9",
            stanza: iq("set", "atk-9", &garbage_req),
            reply: Reply::Result("handshakeSecReject", true),
            event: Some("IEC62351-4:1.5"),
            at: At::E2e,
        },
        // An alarm (F-1141): a HandshakeSecReject without diagnostic answers the iq, no stanza
        // error (the link's `not-authorized` is for a refusal that sends no SecPDU at all).
        Case {
            name: "HandshakeReq whose certificate names another JID (alarm)",
            id: "atk-10",
            stanza: iq("set", "atk-10", &valid_req),
            reply: Reply::Result("handshakeSecReject", false),
            event: Some("IEC62351-4:1.8"),
            at: At::E2e,
        },
    ];
    for case in &cases {
        eprintln!("attack: {}", case.name);
        let events = match case.at {
            At::Server => &server_events,
            At::E2e => &ied.events,
        };
        let before = case.event.map(|e| events.count(e));
        let snapshot = format!("{:?} {:?}", server_events.snapshot(), ied.events.snapshot());
        mallory.send(&case.stanza);
        match case.reply {
            Reply::Error(condition) => {
                let line = mallory.expect("STANZA", WAIT, |l| l.get("id") == Some(case.id));
                assert_eq!(
                    line.get("type"),
                    Some("error"),
                    "{}: {} events {:?}",
                    case.name,
                    hex_text(&line, "xml"),
                    events.snapshot()
                );
                assert_eq!(line.get("condition"), Some(condition), "{}", case.name);
            }
            Reply::Result(kind, diagnostic) => {
                let line = mallory.expect("STANZA", WAIT, |l| l.get("id") == Some(case.id));
                let xml = hex_text(&line, "xml");
                assert_eq!(line.get("type"), Some("result"), "{}: {xml}", case.name);
                assert_eq!(line.get("kind"), Some(kind), "{}: {xml}", case.name);
                assert_eq!(
                    xml.contains("<diagnostic>"),
                    diagnostic,
                    "{}: {xml}",
                    case.name
                );
            }
            Reply::Nothing => {}
        }
        if let (Some(event), Some(before)) = (case.event, before) {
            assert!(
                wait_for(WAIT, || events.count(event) > before),
                "{}: event {event} not counted: {:?}",
                case.name,
                events.snapshot()
            );
        }
        reads_correctly(&client, &model, case.name);
        if case.event.is_none() {
            assert_eq!(
                format!("{:?} {:?}", server_events.snapshot(), ied.events.snapshot()),
                snapshot,
                "{}: an event was counted",
                case.name
            );
        }
        assert!(
            wait_for(WAIT, || server.handle().associations().len() == 1),
            "{}: not only the legitimate association: {:?}",
            case.name,
            server.handle().associations()
        );
    }
    // Nothing answered the stanzas that must get no answer (the answers to the others came
    // in order, so any answer to an earlier one would be in the transcript by now).
    for case in cases.iter().filter(|c| matches!(c.reply, Reply::Nothing)) {
        assert!(
            !mallory
                .transcript()
                .lines()
                .any(|l| l.starts_with("STANZA") && l.contains(&format!("id={} ", case.id))),
            "{}: answered:\n{}",
            case.name,
            mallory.transcript()
        );
    }

    // XML prosody refuses before routing: its stream error ends the attacker's stream; our
    // server sees nothing of it.
    let refused = [
        (
            "DOCTYPE in a stanza",
            format!(
                "<iq type='set' to='{to}' id='dt-1'><!DOCTYPE e2e [<!ENTITY x 'y'>]>{}</iq>",
                env("44", "")
            ),
        ),
        (
            "undefined entity in an envelope",
            iq(
                "set",
                "dt-2",
                &env(
                    "45",
                    &format!("<clearTransfer xmlns='{E2E_NS}'>&x;</clearTransfer>"),
                ),
            ),
        ),
    ];
    for (n, (name, stanza)) in refused.iter().enumerate() {
        eprintln!("attack: {name}");
        let before = format!("{:?} {:?}", server_events.snapshot(), ied.events.snapshot());
        let mut eve = Attacker::start(&python, &prosody, &format!("eve{n}"), None);
        eve.command(&format!(
            "SEND {}",
            interop_tests::peer::to_hex(stanza.as_bytes())
        ));
        let line = eve.expect("STREAM_ERROR", WAIT, |_| true);
        assert!(
            matches!(
                line.get("condition"),
                Some("not-well-formed" | "restricted-xml")
            ),
            "{name}: {}",
            line.raw
        );
        eve.expect("DISCONNECTED", WAIT, |_| true);
        reads_correctly(&client, &model, name);
        assert_eq!(
            format!("{:?} {:?}", server_events.snapshot(), ied.events.snapshot()),
            before,
            "{name}: our server saw something"
        );
    }

    // A flood from one account: FLOOD iq requests for unknown associations and FLOOD iq
    // requests with a payload in a foreign namespace, written back to back, while the
    // legitimate client keeps reading. Every flood stanza gets its one answer from our server
    // and is counted, every legitimate read is correct and prompt, and the server holds
    // nothing for the flooder.
    eprintln!("attack: a flood of {} stanzas", 2 * FLOOD + HANDSHAKES);
    let unknown_before = server_events.count(mms::xmpp::UNKNOWN_ASSOCIATION);
    let foreign_before = server_events.count("IEC62351-4:18.3");
    let unknown = iq(
        "get",
        "fl-u%N%",
        &env("9:999", &format!("<clearTransfer xmlns='{E2E_NS}'/>")),
    );
    let foreign = iq("set", "fl-f%N%", "<query xmlns='urn:example:not-iec'/>");
    // And HANDSHAKES signed HandshakeReqs, the costly kind (a certificate path and a signature
    // to verify each): the certificate names another JID, so each is refused.
    let handshakes = iq("set", "fl-h%N%", &valid_req);
    for (n, template) in [
        (FLOOD, &unknown),
        (FLOOD, &foreign),
        (HANDSHAKES, &handshakes),
    ] {
        mallory.command(&format!(
            "FLOOD {n} {}",
            interop_tests::peer::to_hex(template.as_bytes())
        ));
    }
    let mut tally = BTreeMap::new();
    let expected = BTreeMap::from([
        ("error bad-request".to_string(), FLOOD),
        ("error item-not-found".to_string(), FLOOD),
        ("result handshakeSecReject".to_string(), HANDSHAKES),
    ]);
    let mut reads = 0;
    let all_answered = wait_for(Duration::from_secs(120), || {
        reads_correctly(&client, &model, "reads during the flood");
        reads += 1;
        mallory.tally_answers("fl-", &mut tally);
        tally == expected
    });
    assert!(all_answered, "answers to the flood: {tally:?}");
    eprintln!("flood: {reads} legitimate reads while it was answered");
    assert_eq!(
        server_events.count(mms::xmpp::UNKNOWN_ASSOCIATION) - unknown_before,
        FLOOD as u64,
        "{:?}",
        server_events.snapshot()
    );
    assert_eq!(
        server_events.count("IEC62351-4:18.3") - foreign_before,
        FLOOD as u64
    );
    assert_eq!(server.handle().associations().len(), 1);
    reads_correctly(&client, &model, "the flood");

    // A HandshakeReq reusing the assoID part of one of the peer's live associations: mallory
    // associates with a certificate naming itself, then sends the same HandshakeReq again
    // (F-1206: each part is locally unique for the JID pair). The second gets `conflict`
    // before any signature work; the first association stays.
    eprintln!("attack: a HandshakeReq reusing a live assoID part");
    let own = handshake_req(&root, "mallory@localhost", true);
    mallory.send(&iq("set", "dup-1", &own));
    let first = mallory.expect("STANZA", WAIT, |l| l.get("id") == Some("dup-1"));
    assert_eq!(
        (first.get("type"), first.get("kind")),
        (Some("result"), Some("handshakeAcc")),
        "{}",
        hex_text(&first, "xml")
    );
    assert!(wait_for(WAIT, || server.handle().associations().len() == 2));
    mallory.send(&iq("set", "dup-2", &own));
    let second = mallory.expect("STANZA", WAIT, |l| l.get("id") == Some("dup-2"));
    assert_eq!(
        (second.get("type"), second.get("condition")),
        (Some("error"), Some("conflict")),
        "{}",
        hex_text(&second, "xml")
    );
    assert_eq!(server.handle().associations().len(), 2);
    reads_correctly(&client, &model, "a reused assoID part");

    client.conclude().expect("conclude");
    server.stop().expect("server stop");
}

/// The relay rig of one E2E mode.
struct RelayRig {
    server_side: Side,
    client_side: Side,
    server: RunningServer,
    model: Arc<Model>,
    relay: Attacker,
    relay_jid: String,
    /// The pair of ICV-failure, replay, invalid-time and invalid-sequence events of the mode.
    codes: Codes,
}

struct Codes {
    bad_icv: &'static str,
    replay: &'static str,
    time: &'static str,
    seq: &'static str,
}

impl RelayRig {
    fn connect(&self) -> Client {
        connect(
            &self.client_side.settings,
            &self.relay_jid,
            Duration::from_secs(4),
            &self.client_side.events,
        )
    }

    /// A fresh association through the relay that reads correctly once.
    fn association(&mut self) -> Client {
        let c = self.connect();
        reads_correctly(&c, &self.model, "connecting through the relay");
        c
    }

    /// The last data stanza tampered with in `dir`: its applData as received and as forwarded
    /// differ in exactly one character, by one bit.
    fn one_bit_changed(&mut self, dir: &str) {
        self.relay.sync();
        let tampered = self
            .relay
            .last_line("TAMPERED", |l| l.get("dir") == Some(dir))
            .expect("a tampered stanza");
        let id = tampered.get("id").expect("its id").to_string();
        let appl = |xml: &str| {
            let start = xml.find("<applData>").expect("applData");
            let end = xml.find("</applData>").expect("applData end");
            xml.as_bytes()[start..end].to_vec()
        };
        // The data stanza with that id (not the stanza error the receiver may answer its iq
        // with, which carries the same id and no payload).
        let received = self
            .relay
            .last_line("STANZA", |l| {
                l.get("id") == Some(id.as_str())
                    && l.get("kind").is_some_and(|k| k.ends_with("Transfer"))
            })
            .expect("the stanza received");
        let sent = self
            .relay
            .last_line("RELAYED", |l| {
                l.get("id") == Some(id.as_str()) && l.get("dir") == Some(dir)
            })
            .expect("the stanza forwarded");
        let (a, b) = (
            appl(&hex_text(&received, "xml")),
            appl(&hex_text(&sent, "xml")),
        );
        assert_eq!(a.len(), b.len());
        let changed: Vec<(u8, u8)> = a
            .iter()
            .zip(&b)
            .filter(|(x, y)| x != y)
            .map(|(x, y)| (*x, *y))
            .collect();
        assert_eq!(changed.len(), 1, "{dir}: {changed:?}");
        let (x, y) = changed[0];
        // Hexadecimal (the ciphertext): one bit of the octets it encodes; text: of the character.
        let text = &a["<applData>".len()..];
        let bits = if text.iter().all(u8::is_ascii_hexdigit) {
            let nibble = |c: u8| char::from(c).to_digit(16).expect("a hex digit");
            nibble(x) ^ nibble(y)
        } else {
            u32::from(x ^ y)
        };
        assert_eq!(bits, 1, "{dir}: not one bit changed: {x} -> {y}");
        eprintln!(
            "{dir}: applData changed at one character, {:?} -> {:?}",
            char::from(x),
            char::from(y)
        );
    }

    /// The client concludes; the server's association goes.
    fn conclude(&self, client: Client, after: &str) {
        client
            .conclude()
            .unwrap_or_else(|e| panic!("conclude after {after}: {e}"));
        assert!(
            wait_for(WAIT, || self.server_associations() == 0),
            "after {after}: the server kept the association"
        );
    }

    /// The last data stanza the relay forwarded from the client (once the relay printed all).
    fn last_request(&mut self) -> PeerLine {
        self.relay.sync();
        self.relay
            .last_line("RELAYED", |l| {
                l.get("dir") == Some("c2s")
                    && matches!(l.get("kind"), Some("clearTransfer" | "encrTransfer"))
            })
            .expect("a relayed request")
    }

    fn server_associations(&self) -> usize {
        self.server.handle().associations().len()
    }

    /// The association aborted by `from` (a DtSecAbort relayed in `dir`), gone at the server,
    /// and the client's next read fails.
    fn aborted(&mut self, client: &Client, dir: &str, what: &str) {
        self.relay.expect("RELAYED", WAIT, |l| {
            l.get("dir") == Some(dir) && l.get("kind") == Some("dtSecAbort")
        });
        self.gone(client, what);
    }

    /// The association is gone at the server, and the client's next read fails promptly.
    fn gone(&mut self, client: &Client, what: &str) {
        assert!(
            wait_for(WAIT, || self.server_associations() == 0),
            "{what}: the server kept the association"
        );
        let t0 = Instant::now();
        let r = client.read_one(&variable());
        assert!(r.is_err(), "{what}: a read after the abort returned {r:?}");
        assert!(
            t0.elapsed() < PROMPT,
            "{what}: the failed read took {:?}",
            t0.elapsed()
        );
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

/// The relay changes one bit of the signature of a handshake or release SecPDU (or drops the
/// ReleaseRsp): the receiver's signature check fails with its group's event, it answers what
/// IEC 62351-4 prescribes (HandshakeSecReject, HandshakeSecAbort, ApplAbort), and neither end
/// believes in an association or a release that did not verifiably happen.
fn signed_pdu_attacks(rig: &mut RelayRig) {
    let arm = |rig: &mut RelayRig, line: &str| {
        rig.relay.command(line);
        rig.relay.expect("ARMED", WAIT, |_| true);
    };
    let single_connect = |rig: &RelayRig| {
        let config = ClientConfig::default()
            .with_request_timeout(Duration::from_secs(4))
            .with_connect_timeout(Duration::from_secs(8))
            .with_events(Arc::clone(&rig.client_side.events));
        Client::connect_xmpp(rig.client_side.settings.clone(), &rig.relay_jid, config)
    };

    // A. The HandshakeReq's signature: the server refuses with a HandshakeSecReject without
    //    diagnostic (an alarm, F-1141) and keeps nothing; the client's connect fails.
    eprintln!("relay: flip the HandshakeReq's signature");
    let before = rig.server_side.events.count("IEC62351-4:1.3");
    arm(rig, "ARM flip c2s handshakeReq");
    let r = single_connect(rig);
    assert!(r.is_err(), "associated with a tampered HandshakeReq");
    rig.relay
        .expect("TAMPERED", WAIT, |l| l.get("kind") == Some("handshakeReq"));
    let reject = rig.relay.expect("RELAYED", WAIT, |l| {
        l.get("dir") == Some("s2c") && l.get("kind").is_some()
    });
    let xml = hex_text(&reject, "xml");
    assert_eq!(reject.get("kind"), Some("handshakeSecReject"), "{xml}");
    assert!(
        !xml.contains("<diagnostic>"),
        "an alarm carries no diagnostic: {xml}"
    );
    assert_eq!(rig.server_side.events.count("IEC62351-4:1.3"), before + 1);
    assert_eq!(rig.server_associations(), 0);

    // B. The HandshakeAcc's signature: the client aborts the handshake with a
    //    HandshakeSecAbort; the server drops the association it had accepted.
    eprintln!("relay: flip the HandshakeAcc's signature");
    let before = rig.client_side.events.count("IEC62351-4:2.3");
    arm(rig, "ARM flip s2c handshakeAcc");
    let r = single_connect(rig);
    assert!(r.is_err(), "associated with a tampered HandshakeAcc");
    rig.relay
        .expect("TAMPERED", WAIT, |l| l.get("kind") == Some("handshakeAcc"));
    rig.relay.expect("RELAYED", WAIT, |l| {
        l.get("dir") == Some("c2s") && l.get("kind") == Some("handshakeSecAbort")
    });
    assert_eq!(rig.client_side.events.count("IEC62351-4:2.3"), before + 1);
    assert!(
        wait_for(WAIT, || rig.server_associations() == 0),
        "the server kept the association whose HandshakeAcc was refused: {:?}\n{}",
        rig.server_side.events.snapshot(),
        rig.relay.transcript()
    );

    // C. The ReleaseReq's signature: the server does not take it as a release and answers
    //    with an ApplAbort (then the iq error; the client ending on the abort is checked in
    //    `mms::xmpp::tests`), never a ReleaseRsp. The MMS conclude before it was accepted, so
    //    the caller's conclude still reports success (the client's rule: a conclude-Response
    //    ends an MMS association properly).
    // D. The ReleaseRsp's signature: the client does not take it as the release; it answers
    //    with an ApplAbort.
    for (dir, kind, code) in [
        ("c2s", "releaseReq", "IEC62351-4:12.3"),
        ("s2c", "releaseRsp", "IEC62351-4:13.3"),
    ] {
        eprintln!("relay: flip the {kind}'s signature");
        let client = rig.association();
        let (checker, back) = if dir == "c2s" {
            (Arc::clone(&rig.server_side.events), "s2c")
        } else {
            (Arc::clone(&rig.client_side.events), "c2s")
        };
        let before = checker.count(code);
        rig.relay.sync();
        let rsps_before = release_rsps(&rig.relay);
        arm(rig, &format!("ARM flip {dir} {kind}"));
        let r = client.conclude();
        eprintln!("conclude with a tampered {kind}: {r:?}");
        rig.relay
            .expect("TAMPERED", WAIT, |l| l.get("kind") == Some(kind));
        rig.relay.expect("RELAYED", WAIT, |l| {
            l.get("dir") == Some(back) && l.get("kind") == Some("applAbort")
        });
        assert_eq!(checker.count(code), before + 1, "{kind}");
        assert!(wait_for(WAIT, || rig.server_associations() == 0), "{kind}");
        if kind == "releaseReq" {
            rig.relay.sync();
            assert_eq!(
                release_rsps(&rig.relay),
                rsps_before,
                "a ReleaseRsp answered a tampered ReleaseReq"
            );
        }
    }
}

/// How many ReleaseRsps the relay has forwarded so far (sync it first).
fn release_rsps(relay: &Attacker) -> usize {
    relay
        .transcript()
        .lines()
        .filter(|l| l.starts_with("RELAYED ") && l.contains(" kind=releaseRsp "))
        .count()
}

/// The relay's attacks in one E2E mode; `signed`: also on the handshake and release SecPDUs
/// (whose signatures do not depend on the mode, so one mode runs them).
fn relay_attacks(
    python: &Path,
    prosody: &Prosody,
    n: usize,
    mode: E2eMode,
    codes: Codes,
    signed: bool,
) {
    let root = Pki::new_root("XMPP E2E root", KeyKind::EcP256).expect("CA");
    let offset = Arc::new(AtomicI64::new(0));
    let relay_user = format!("relay{n}");
    let relay_bare = format!("{relay_user}@{DOMAIN}");
    let ied = format!("ied{n}");
    let cc = format!("cc{n}");
    let server_side = side(prosody, &root, &ied, &relay_bare, mode, &offset);
    let client_side = side(prosody, &root, &cc, &relay_bare, mode, &offset);
    let (server, model) = start_server(
        &server_side,
        &Arc::clone(&server_side.events),
        &format!("relay{n}"),
    );
    let client_jid = format!("{cc}@{DOMAIN}/IEC");
    let server_jid = format!("{ied}@{DOMAIN}/IEC");
    let relay = Attacker::start(
        python,
        prosody,
        &relay_user,
        Some((&client_jid, &server_jid)),
    );
    let mut r2 = Attacker::start(python, prosody, &format!("second{n}"), None);
    let mut rig = RelayRig {
        relay_jid: relay.jid.clone(),
        server_side,
        client_side,
        server,
        model,
        relay,
        codes,
    };

    // The relay is transparent: a session through it works, each end authenticated the
    // other's certificate (naming R).
    let client = rig.association();
    let sp = client.authenticated_peer().expect("authenticated server");
    assert!(sp.subject.contains(&ied), "{}", sp.subject);
    rig.conclude(client, "a session through the relay");
    assert!(
        alarms(&rig.server_side.events).is_empty() && alarms(&rig.client_side.events).is_empty(),
        "server {:?} client {:?}",
        alarms(&rig.server_side.events),
        alarms(&rig.client_side.events)
    );

    // 1. a bit flipped in a request's applData: the server's check fails, it aborts.
    // 2. a bit flipped in a response's applData: the client's check fails; no value is read.
    for (dir, back) in [("c2s", "s2c"), ("s2c", "c2s")] {
        eprintln!("relay: flip {dir}");
        let client = rig.association();
        let checker = if dir == "c2s" {
            Arc::clone(&rig.server_side.events)
        } else {
            Arc::clone(&rig.client_side.events)
        };
        let before = checker.count(rig.codes.bad_icv);
        rig.relay.command(&format!("ARM flip {dir}"));
        rig.relay.expect("ARMED", WAIT, |_| true);
        let r = client.read_one(&variable());
        assert!(
            r.is_err(),
            "{dir}: a tampered PDU was answered or delivered: {r:?}"
        );
        rig.relay
            .expect("TAMPERED", WAIT, |l| l.get("dir") == Some(dir));
        assert!(
            checker.count(rig.codes.bad_icv) > before,
            "{:?}",
            checker.snapshot()
        );
        rig.aborted(&client, back, &format!("flip {dir}"));
        rig.one_bit_changed(dir);
    }

    // 3. a request replayed: the server detects the replay and aborts.
    eprintln!("relay: replay c2s");
    let client = rig.association();
    let before = rig.server_side.events.count(rig.codes.replay);
    rig.relay.command("REPLAY c2s");
    rig.relay.expect("REPLAYED", WAIT, |_| true);
    assert!(
        wait_for(WAIT, || rig.server_side.events.count(rig.codes.replay)
            > before),
        "{:?}",
        rig.server_side.events.snapshot()
    );
    rig.aborted(&client, "s2c", "replay c2s");

    // 4. a response replayed: it answers no iq of the client's and is dropped before the E2E
    //    layer; the association goes on.
    eprintln!("relay: replay s2c");
    let client = rig.association();
    let before = rig.client_side.events.count(mms::xmpp::UNSOLICITED_RESULT);
    rig.relay.command("REPLAY s2c");
    rig.relay.expect("REPLAYED", WAIT, |_| true);
    assert!(
        wait_for(WAIT, || rig
            .client_side
            .events
            .count(mms::xmpp::UNSOLICITED_RESULT)
            > before),
        "{:?}",
        rig.client_side.events.snapshot()
    );
    reads_correctly(&client, &rig.model, "a replayed response");
    rig.conclude(client, "a replayed response");

    // 5. two reports reordered: the client detects it and aborts; nothing else is delivered.
    eprintln!("relay: reorder s2c");
    let client = rig.association();
    let reports = client.unconfirmed().expect("report channel");
    let seen = |e: &SecurityEvents| {
        [rig.codes.seq, rig.codes.time, rig.codes.replay]
            .iter()
            .map(|c| e.count(c))
            .sum::<u64>()
    };
    let before = seen(&rig.client_side.events);
    rig.relay.command("ARM reorder s2c");
    rig.relay.expect("ARMED", WAIT, |_| true);
    let first = report("REPORT-ONE");
    let second = report("REPORT-TWO");
    assert_eq!(rig.server.handle().send_unconfirmed(None, &first), 1);
    assert_eq!(rig.server.handle().send_unconfirmed(None, &second), 1);
    rig.relay
        .expect("TAMPERED", WAIT, |l| l.get("action") == Some("reorder"));
    assert!(
        wait_for(WAIT, || seen(&rig.client_side.events) > before),
        "{:?}",
        rig.client_side.events.snapshot()
    );
    rig.aborted(&client, "c2s", "reorder s2c");
    while let Ok(r) = reports.recv_timeout(Duration::from_millis(200)) {
        let service = r.service().expect("decode report");
        assert!(
            service == first || service == second,
            "a report not sent was delivered: {service:?}"
        );
    }

    // 6. a request dropped: the read times out; the next PDU shows the server the gap.
    eprintln!("relay: drop c2s");
    let client = rig.association();
    let before = rig.server_side.events.count(rig.codes.seq);
    rig.relay.command("ARM drop c2s");
    rig.relay.expect("ARMED", WAIT, |_| true);
    let t0 = Instant::now();
    let r = client.read_one(&variable());
    assert!(r.is_err(), "a dropped request was answered: {r:?}");
    eprintln!("dropped request: {r:?} after {:?}", t0.elapsed());
    rig.relay.expect("DROPPED", WAIT, |_| true);
    assert!(
        t0.elapsed() < Duration::from_secs(4) + PROMPT,
        "the dropped request failed after {:?}",
        t0.elapsed()
    );
    // The next request carries a later time (the timeout outlasted the time's one-second
    // resolution), so its sequence number starts again at 0: the association goes on.
    reads_correctly(&client, &rig.model, "a dropped request");
    assert_eq!(rig.server_side.events.count(rig.codes.seq), before);
    rig.conclude(client, "a dropped request");

    // 7. re-addressed: R2 sends a data stanza R forwarded.
    eprintln!("relay: re-address a data stanza");
    let client = rig.association();
    let forwarded = rig.last_request();
    let before = rig.server_side.events.count(mms::xmpp::UNKNOWN_ASSOCIATION);
    let stanza = hex_text(&forwarded, "xml");
    let id = forwarded.get("id").expect("an iq id").to_string();
    r2.send(&stanza);
    let line = r2.expect("STANZA", WAIT, |l| l.get("id") == Some(id.as_str()));
    assert_eq!(line.get("type"), Some("error"), "{}", line.raw);
    assert_eq!(
        line.get("condition"),
        Some("item-not-found"),
        "{}",
        line.raw
    );
    assert!(rig.server_side.events.count(mms::xmpp::UNKNOWN_ASSOCIATION) > before);
    reads_correctly(&client, &rig.model, "a re-addressed data stanza");

    // 8. re-addressed: R2 sends the HandshakeReq R forwarded; the certificate names R.
    eprintln!("relay: re-address a HandshakeReq");
    let handshake = rig
        .relay
        .last_line("RELAYED", |l| l.get("kind") == Some("handshakeReq"))
        .expect("a relayed HandshakeReq");
    let before = rig.server_side.events.count("IEC62351-4:1.8");
    let stanza = hex_text(&handshake, "xml");
    let id = handshake.get("id").expect("an iq id").to_string();
    r2.send(&stanza);
    let line = r2.expect("STANZA", WAIT, |l| l.get("id") == Some(id.as_str()));
    let xml = hex_text(&line, "xml");
    assert_eq!(line.get("type"), Some("result"), "{xml}");
    assert_eq!(line.get("kind"), Some("handshakeSecReject"), "{xml}");
    assert!(
        !xml.contains("<diagnostic>"),
        "an alarm carries no diagnostic: {xml}"
    );
    assert!(
        rig.server_side.events.count("IEC62351-4:1.8") > before,
        "{:?}",
        rig.server_side.events.snapshot()
    );
    reads_correctly(&client, &rig.model, "a re-addressed HandshakeReq");
    rig.conclude(client, "the re-addressed stanzas");

    // 9. the relay sends the client's HandshakeReq again inside the established association
    //    (the envelope names its full assoID): a protocol error of the data phase; the server
    //    answers the iq with a stanza error and aborts with DtSecAbort in a message (F-1204: an
    //    abort never rides in the iq result).
    eprintln!("relay: a HandshakeReq inside the established association");
    let client = rig.association();
    let data = rig.last_request();
    let handshake = rig
        .relay
        .last_line("RELAYED", |l| l.get("kind") == Some("handshakeReq"))
        .expect("this association's HandshakeReq");
    let asso_of = |xml: &str| {
        let at = xml.find("assoID=").expect("an assoID") + "assoID=".len() + 1;
        let len = xml[at..].find(['"', '\'']).expect("its end");
        xml[at..at + len].to_string()
    };
    let (full, first) = (
        asso_of(&hex_text(&data, "xml")),
        asso_of(&hex_text(&handshake, "xml")),
    );
    assert!(full.starts_with(&format!("{first}:")), "{first} / {full}");
    let stanza = hex_text(&handshake, "xml").replacen(
        &format!("assoID=\"{first}\""),
        &format!("assoID=\"{full}\""),
        1,
    );
    let id = handshake.get("id").expect("an iq id").to_string();
    let protocol = |e: &SecurityEvents| e.count("IEC62351-4:10.1") + e.count("IEC62351-4:11.1");
    let before = protocol(&rig.server_side.events);
    rig.relay.send(&stanza);
    // The signed DtSecAbort (in a message) comes first, then the iq error that answers the iq.
    let abort = rig
        .relay
        .expect("STANZA", WAIT, |l| l.get("kind") == Some("dtSecAbort"));
    assert_eq!(abort.get("name"), Some("message"), "{}", abort.raw);
    let line = rig.relay.expect("STANZA", WAIT, |l| {
        l.get("id") == Some(id.as_str()) && l.get("from") == Some(server_jid.as_str())
    });
    assert_eq!(
        line.get("type"),
        Some("error"),
        "{}",
        hex_text(&line, "xml")
    );
    assert_eq!(line.get("condition"), Some("not-authorized"));
    assert!(
        protocol(&rig.server_side.events) > before,
        "{:?}",
        rig.server_side.events.snapshot()
    );
    assert!(rig
        .relay
        .last_line("RELAYED", |l| l.get("dir") == Some("s2c")
            && l.get("kind") == Some("dtSecAbort"))
        .is_some());
    rig.gone(&client, "a HandshakeReq inside the association");
    if signed {
        signed_pdu_attacks(&mut rig);
    }
    rig.server.stop().expect("server stop");
}

#[test]
fn a_tampering_relay_is_detected_and_never_changes_a_value() {
    let _ = env_logger::builder().is_test(true).try_init();
    let Some(tools) = require_prosody() else {
        return;
    };
    let Some(python) = require_slixmpp() else {
        return;
    };
    let dir = scratch_dir("xmpp_attacks_relay");
    let prosody = Prosody::start(&tools, &dir, DOMAIN).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("mode aes128-gcm");
    relay_attacks(
        &python,
        &prosody,
        0,
        E2eMode::Aead(AeadAlgorithm::Aes128Gcm),
        Codes {
            bad_icv: "IEC62351-4:11.5",
            replay: "IEC62351-4:11.7",
            time: "IEC62351-4:11.6",
            seq: "IEC62351-4:11.8",
        },
        true,
    );
    eprintln!("mode icv-hmac");
    relay_attacks(
        &python,
        &prosody,
        1,
        E2eMode::IcvOnly(IcvAlgorithm::HmacSha256),
        Codes {
            bad_icv: "IEC62351-4:10.5",
            replay: "IEC62351-4:10.7",
            time: "IEC62351-4:10.6",
            seq: "IEC62351-4:10.8",
        },
        false,
    );
    eprintln!("mode aes128-cbc + hmac");
    relay_attacks(
        &python,
        &prosody,
        2,
        E2eMode::CbcIcv(CbcAlgorithm::Aes128Cbc, IcvAlgorithm::HmacSha256),
        Codes {
            bad_icv: "IEC62351-4:11.5",
            replay: "IEC62351-4:11.7",
            time: "IEC62351-4:11.6",
            seq: "IEC62351-4:11.8",
        },
        false,
    );
    eprintln!("mode icv-gmac");
    relay_attacks(
        &python,
        &prosody,
        3,
        E2eMode::IcvOnly(IcvAlgorithm::Aes128Gmac),
        Codes {
            bad_icv: "IEC62351-4:10.5",
            replay: "IEC62351-4:10.7",
            time: "IEC62351-4:10.6",
            seq: "IEC62351-4:10.8",
        },
        false,
    );
}
