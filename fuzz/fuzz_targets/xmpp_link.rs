//! Fuzz target: MMS over XMPP below the endpoint (`mms::xmpp::link::XmppLink`) and the
//! uplink's routing (`mms::xmpp::uplink::Router`). Per input, a client and a server endpoint
//! are associated over XMPP links with fixed test certificates (made once); then the input is
//! read as a sequence of operations:
//!
//! * an MMSpdu (arbitrary BER) the client protects, delivered to the server in a stanza of a
//!   fuzzed type with a fuzzed iq id (so arbitrary MMS PDUs reach the stanza-type checks and
//!   the endpoint behind a valid ICV);
//! * arbitrary SecPDU octets handed to the server or the client as a stanza;
//! * the server's and the client's answers carried back;
//! * arbitrary octets as the payload of a stanza for the router;
//! * time passing, the peer lost, an iq error.
//!
//! The first octet may also make the server a responder whose HandshakeReq is arbitrary
//! octets. Nothing may panic.
#![no_main]
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use acse::security::{Role, SecurityEvents};
use acse::timer::Clock;
use cot::pki::{KeyKind, LeafSpec, Pki};
use cot::xmpp::{IqType, Payload, Stanza, StanzaKind};
use e2e_sec::pdu::Kind;
use e2e_sec::xmpp::{open_envelope, StanzaType};
use e2e_sec::{E2eConfig, E2eCredential, E2eFactory};
use libfuzzer_sys::fuzz_target;
use mms::endpoint::{Endpoint, EndpointConfig, MmsEvent};
use mms::initiate::{ParameterCbb, ServicesSupported};
use mms::xmpp::link::{Inbound, LinkConfig, Outbound};
use mms::xmpp::uplink::Router;

const CLIENT_BARE: &str = "cc@example.org";
const SERVER_BARE: &str = "ied@example.org";
const CLIENT: &str = "cc@example.org/IEC";
const SERVER: &str = "ied@example.org/IEC";

/// The two E2E configurations, made once (issuing the certificates is the slow part).
fn configs() -> &'static (E2eConfig, E2eConfig) {
    static F: OnceLock<(E2eConfig, E2eConfig)> = OnceLock::new();
    F.get_or_init(|| {
        let root = Pki::new_root("xmpp_link fuzz root", KeyKind::EcP256).expect("root");
        let make = |cn: &str, jid: &str| {
            let c = root
                .issue(&LeafSpec::new(cn).with_key(KeyKind::EcP256).with_jid(jid))
                .expect("leaf");
            let cred = E2eCredential {
                certificate: c.certificate,
                key: c.key,
                chain: c.chain,
            };
            E2eConfig::new(cred, vec![root.ca().certificate.clone()])
        };
        (make("client", CLIENT_BARE), make("server", SERVER_BARE))
    })
}

/// Fresh factories per input: the server's handshake replay cache must not fill up over a
/// long campaign (it fails closed when full) nor carry state from one input to the next.
fn factories() -> Option<(E2eFactory, E2eFactory)> {
    let (c, s) = configs();
    let events = Arc::new(SecurityEvents::new());
    Some((
        E2eFactory::new(c.clone(), events.clone()).ok()?,
        E2eFactory::new(s.clone(), events).ok()?,
    ))
}

/// The input, read front to back; past its end every read gives zeros.
struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }
    fn chunk(&mut self) -> &'a [u8] {
        let n = usize::from(self.byte()).min(self.0.len());
        let (c, rest) = self.0.split_at(n);
        self.0 = rest;
        c
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn stanza_type(b: u8) -> StanzaType {
    match b % 5 {
        0 => StanzaType::IqGet,
        1 => StanzaType::IqSet,
        2 => StanzaType::IqResult,
        3 => StanzaType::IqError,
        _ => StanzaType::Message,
    }
}

fn kind(b: u8) -> Kind {
    Kind::from_tag(u32::from(b % 11)).unwrap_or(Kind::ReleaseRsp)
}

/// What the uplink hands a link for one of the other side's stanzas.
fn inbound(out: &Outbound) -> Option<Inbound> {
    let env = open_envelope(&out.payload).ok()?;
    Some(Inbound {
        stanza: out.stanza,
        id: Some(out.id.clone()),
        kind: env.kind,
        secpdu: env.secpdu.to_vec(),
    })
}

/// Polls every event; answers the peer's requests (response, or reject every third).
fn drain(e: &mut Endpoint, answer: bool) {
    let mut requests = Vec::new();
    for _ in 0..64 {
        match e.poll_event() {
            Ok(Some(MmsEvent::InitiateIndication { request, .. })) => {
                let _ = e.accept_initiate(
                    &request,
                    ServicesSupported::libiec61850_like(),
                    ParameterCbb::libiec61850_like(),
                );
            }
            Ok(Some(MmsEvent::Request { pdu, .. })) => requests.push(pdu.invoke_id),
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => break,
        }
    }
    if answer {
        for id in requests {
            if id % 3 == 0 {
                let _ = e.send_reject(
                    id,
                    mms::RejectReason::ConfirmedRequest(
                        mms::reject::ConfirmedRequestProblem::UnrecognizedService,
                    ),
                );
            } else {
                let _ = e.send_error(id, &mms::ServiceError::object_non_existent());
            }
        }
    }
}

/// Carries what `from` wants sent to `to`, at most a few stanzas.
fn carry(from: &mut Endpoint, to: &mut Endpoint) {
    for _ in 0..16 {
        let Some(out) = from.poll_stanza() else {
            return;
        };
        if let Some(i) = inbound(&out) {
            to.handle_stanza(i);
        }
    }
}

fn link(peer: &str, prefix: &str, clock: &Clock) -> LinkConfig {
    LinkConfig {
        peer: peer.to_string(),
        id_prefix: prefix.to_string(),
        limits: mms::xer::XerLimits::default(),
        establish: Some(Duration::from_secs(10)),
        release: Some(Duration::from_secs(5)),
        clock: clock.clone(),
        events: Arc::new(SecurityEvents::new()),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((cf, sf)) = factories() else {
        return;
    };
    let base = Instant::now();
    let millis = Arc::new(AtomicU64::new(0));
    let m = millis.clone();
    let clock = Clock::new(move || base + Duration::from_millis(m.load(Ordering::Relaxed)));
    let mut cfg = EndpointConfig::default();
    cfg.association.timeouts.clock = clock.clone();
    cfg.association.timeouts.release = Some(Duration::from_secs(5));
    let mut input = Input(data);
    let mode = input.byte();

    let client_e2e = cf.xmpp_association(Role::Initiator, CLIENT_BARE, SERVER_BARE);
    let Ok(mut c) = Endpoint::connect_xmpp(cfg.clone(), link(SERVER, "c1", &clock), client_e2e)
    else {
        return;
    };
    let Some(req) = c.poll_stanza() else {
        return;
    };
    let server_e2e = sf.xmpp_association(Role::Responder, SERVER_BARE, CLIENT_BARE);
    let mut s = if mode & 1 == 1 {
        // A responder judging an arbitrary HandshakeReq.
        let secpdu = input.chunk().to_vec();
        let handshake = Inbound {
            stanza: stanza_type(input.byte()),
            id: Some("h-1".to_string()),
            kind: kind(input.byte()),
            secpdu,
        };
        Endpoint::accept_xmpp(cfg, link(CLIENT, "s1", &clock), server_e2e, handshake, "1")
    } else {
        let (Some(i), Ok(env)) = (inbound(&req), open_envelope(&req.payload)) else {
            return;
        };
        let asso_id = env.asso_id.clone();
        Endpoint::accept_xmpp(cfg, link(CLIENT, "s1", &clock), server_e2e, i, &asso_id)
    };
    drain(&mut s, false);
    carry(&mut s, &mut c);
    drain(&mut c, false);

    let mut router = Router::new(Arc::new(SecurityEvents::new()));
    let _ = router.add_route(CLIENT, "1", "s1", 1);
    let _ = router.add_route(SERVER, "1:2", "c1", 2);

    let mut steps = 0;
    while !input.is_empty() && steps < 64 {
        steps += 1;
        let op = input.byte();
        match op % 8 {
            0 => {
                // An MMSpdu of the fuzzer's, protected by the client, in a fuzzed stanza.
                let ber = input.chunk();
                let t = stanza_type(input.byte());
                let id_choice = input.byte();
                if c.send_encoded(ber).is_err() {
                    continue;
                }
                while let Some(mut out) = c.poll_stanza() {
                    out.stanza = t;
                    match id_choice % 4 {
                        0 => {}
                        1 => out.id = "s1-1".to_string(),
                        2 => out.id = format!("s1-{}", id_choice),
                        _ => out.id.clear(),
                    }
                    if let Some(i) = inbound(&out) {
                        s.handle_stanza(i);
                    }
                }
                drain(&mut s, true);
            }
            1 | 2 => {
                // Arbitrary SecPDU octets to the server (1) or the client (2).
                let secpdu = input.chunk().to_vec();
                let i = Inbound {
                    stanza: stanza_type(input.byte()),
                    id: Some(format!("c1-{}", input.byte())),
                    kind: kind(input.byte()),
                    secpdu,
                };
                if op % 8 == 1 {
                    s.handle_stanza(i);
                    drain(&mut s, true);
                } else {
                    c.handle_stanza(i);
                    drain(&mut c, true);
                }
            }
            3 => {
                // The answers both ways.
                carry(&mut s, &mut c);
                drain(&mut c, true);
                carry(&mut c, &mut s);
                drain(&mut s, true);
            }
            4 => {
                // A stanza for the router, with the fuzzer's payload.
                let bytes = input.chunk().to_vec();
                let sel = input.byte();
                let kind = match sel % 6 {
                    0 => StanzaKind::Iq(IqType::Get),
                    1 => StanzaKind::Iq(IqType::Set),
                    2 => StanzaKind::Iq(IqType::Result),
                    3 => StanzaKind::Iq(IqType::Error),
                    4 => StanzaKind::Message("normal".to_string()),
                    _ => StanzaKind::Presence(Some("unavailable".to_string())),
                };
                let from = if sel & 0x40 == 0 { CLIENT } else { SERVER };
                router.route(Stanza {
                    kind,
                    id: (sel & 0x80 == 0).then(|| format!("s1-{sel}")),
                    from: Some(from.to_string()),
                    to: None,
                    payload: (sel & 0x20 == 0).then(|| Payload {
                        name: "e2e".to_string(),
                        ns: e2e_sec::xmpp::ENV_NS.to_string(),
                        bytes,
                    }),
                    error: None,
                });
                while router.poll_event().is_some() {}
                while router.poll_error().is_some() {}
            }
            5 => {
                // Time passes.
                millis.fetch_add(u64::from(input.byte()) * 100, Ordering::Relaxed);
                let now = clock.now();
                c.handle_timeout(now);
                s.handle_timeout(now);
                drain(&mut c, false);
                drain(&mut s, false);
            }
            6 => {
                // The client concludes, or aborts.
                if input.byte() & 1 == 0 {
                    let _ = c.conclude();
                } else {
                    let _ = c.abort();
                }
                drain(&mut c, false);
            }
            _ => {
                // The peer lost, or an iq error.
                match input.byte() % 3 {
                    0 => s.peer_lost(),
                    1 => c.iq_error("c1-1", "service-unavailable"),
                    _ => {
                        let _ = router.rename_route(1, "1:7");
                        router.remove_route(2);
                    }
                }
                drain(&mut c, false);
                drain(&mut s, false);
            }
        }
    }
});
