//! Test support: a test PKI (cot::pki, generated at test time), A-profile configurations, and
//! whole associations driven in memory (acse::association pairs) so the real AARQ/AARE bytes
//! flow through every layer.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use a_sec_profile::{AProfileConfig, AProfileFactory, Credentials, Dialect};
use acse::address::Address;
use acse::association::{Association, AssociationConfig, Event, Refused};
use acse::security::{AssociationSecurity, Role, SecurityEvents};
use cot::pki::{Credential, KeyKind, LeafSpec, Pki};

/// The AE-title of `AssociationConfig::default().local` (1.1.1.999 + 12): the client's.
pub const CLIENT_AE_TITLE: &str = "1.1.1.999.12";
/// The AE-title of `AssociationConfig::default().remote` (1.1.1.999.1 + 12): the server's.
pub const SERVER_AE_TITLE: &str = "1.1.1.999.1.12";

/// The trusted root (one per test process: RSA key generation is slow).
pub fn root() -> &'static Pki {
    static ROOT: OnceLock<Pki> = OnceLock::new();
    ROOT.get_or_init(|| Pki::new_root("A-profile test root", KeyKind::Rsa(2048)).unwrap())
}

/// A root nobody trusts.
pub fn rogue_root() -> &'static Pki {
    static ROOT: OnceLock<Pki> = OnceLock::new();
    ROOT.get_or_init(|| Pki::new_root("rogue root", KeyKind::Rsa(2048)).unwrap())
}

/// The client's good certificate (shared: key generation is slow).
pub fn client_cred() -> &'static Credential {
    static C: OnceLock<Credential> = OnceLock::new();
    C.get_or_init(|| {
        root()
            .issue(&LeafSpec::new("client").with_object_identifier(CLIENT_AE_TITLE))
            .unwrap()
    })
}

/// The server's good certificate.
pub fn server_cred() -> &'static Credential {
    static C: OnceLock<Credential> = OnceLock::new();
    C.get_or_init(|| {
        root()
            .issue(&LeafSpec::new("server").with_object_identifier(SERVER_AE_TITLE))
            .unwrap()
    })
}

pub fn creds(c: &Credential) -> Credentials {
    Credentials::new(c.certificate.clone(), c.key.clone(), c.chain.clone()).unwrap()
}

/// A configuration with `cred`, trusting [`root`], recording into `events`.
pub fn config(cred: &Credential, events: &Arc<SecurityEvents>) -> AProfileConfig {
    AProfileConfig::new(Arc::clone(events))
        .with_credentials(creds(cred))
        .with_anchor(root().ca().certificate.clone())
}

/// A clock `offset` away from now (positive = ahead).
pub fn shifted(ahead: bool, by: Duration) -> a_sec_profile::Clock {
    Arc::new(move || {
        if ahead {
            SystemTime::now() + by
        } else {
            SystemTime::now() - by
        }
    })
}

/// One side's view of an in-memory association run.
#[derive(Debug, Default)]
pub struct Side {
    /// Owned summaries of the events seen.
    pub events: Vec<String>,
    /// The refusal the initiator saw.
    pub refused: Option<Refused>,
    /// True once associated (initiator: Associated; responder: accepted).
    pub associated: bool,
    /// True when the peer aborted after establishment.
    pub aborted: bool,
    /// The first error poll_event returned.
    pub error: Option<String>,
}

/// What a run produced.
#[derive(Debug)]
pub struct Run {
    pub client: Side,
    pub server: Side,
    /// Every octet the client sent (TPKT frames).
    pub client_bytes: Vec<u8>,
    /// Every octet the server sent.
    pub server_bytes: Vec<u8>,
    pub c: Association,
    pub s: Association,
}

fn poll(a: &mut Association, side: &mut Side, accept: bool) -> bool {
    let mut indicated = false;
    loop {
        match a.poll_event() {
            Ok(None) => break,
            Ok(Some(ev)) => {
                side.events
                    .push(format!("{ev:?}").chars().take(200).collect());
                match ev {
                    Event::AssociateIndication(_) => indicated = true,
                    Event::Associated(_) => side.associated = true,
                    Event::Refused(r) => side.refused = Some(*r),
                    Event::Aborted { .. } => side.aborted = true,
                    _ => {}
                }
            }
            Err(e) => {
                side.error.get_or_insert(e.to_string());
                break;
            }
        }
    }
    if indicated && accept {
        // MMS initiate-ResponsePDU stand-in: any one BER value.
        a.accept(&[0xA9, 0x00]).unwrap();
        side.associated = true;
    }
    indicated
}

fn pump(from: &mut Association, to: &mut Association, log: &mut Vec<u8>) {
    let out = from.transmit().to_vec();
    if out.is_empty() {
        return;
    }
    log.extend_from_slice(&out);
    from.advance_transmit(out.len());
    let _ = to.feed(&out);
}

/// Runs one association between providers `cp` (client) and `sp` (server) in memory.
pub fn run(
    cp: Option<Box<dyn AssociationSecurity>>,
    sp: Option<Box<dyn AssociationSecurity>>,
) -> Run {
    run_with(AssociationConfig::default(), server_association(), cp, sp)
}

/// The server's association configuration: its own AE-title is the client's default remote
/// one (1.1.1.999.1 + 12), so the AARE's responding AP-title matches its certificate.
pub fn server_association() -> AssociationConfig {
    {
        let mut config = AssociationConfig::default();
        config.local = Address::default_remote();
        config.remote = Address::default_local();
        config
    }
}

/// [`run`] with explicit association configurations.
pub fn run_with(
    ccfg: AssociationConfig,
    scfg: AssociationConfig,
    cp: Option<Box<dyn AssociationSecurity>>,
    sp: Option<Box<dyn AssociationSecurity>>,
) -> Run {
    // MMS initiate-RequestPDU stand-in: any one BER value.
    let mut c = Association::connect(ccfg, &[0xA8, 0x00], cp);
    let mut s = Association::accept_incoming(scfg, sp);
    let (mut client, mut server) = (Side::default(), Side::default());
    let (mut cb, mut sb) = (Vec::new(), Vec::new());
    for _ in 0..12 {
        poll(&mut c, &mut client, false);
        pump(&mut c, &mut s, &mut cb);
        poll(&mut s, &mut server, true);
        pump(&mut s, &mut c, &mut sb);
        poll(&mut c, &mut client, false);
        if (c.is_closed() || client.associated)
            && (s.is_closed() || server.associated)
            && c.transmit().is_empty()
            && s.transmit().is_empty()
        {
            break;
        }
    }
    Run {
        client,
        server,
        client_bytes: cb,
        server_bytes: sb,
        c,
        s,
    }
}

/// Replays raw client bytes into a new responder with provider `sp`.
pub fn replay(bytes: &[u8], sp: Box<dyn AssociationSecurity>) -> (Side, Vec<u8>, Association) {
    let mut s = Association::accept_incoming(server_association(), Some(sp));
    let mut side = Side::default();
    let _ = s.feed(bytes);
    poll(&mut s, &mut side, true);
    let out = s.transmit().to_vec();
    (side, out, s)
}

/// The TSDUs (reassembled COTP DT payloads) in a stream of TPKT frames.
pub fn tsdus(stream: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    let mut rest = stream;
    while rest.len() >= 4 {
        let len = usize::from(u16::from_be_bytes([rest[2], rest[3]]));
        let (frame, tail) = rest.split_at(len.min(rest.len()));
        rest = tail;
        let tpdu = &frame[4..];
        if tpdu.len() >= 3 && tpdu[1] == 0xF0 {
            cur.extend_from_slice(&tpdu[3..]);
            if tpdu[2] & 0x80 != 0 {
                out.push(std::mem::take(&mut cur));
            }
        }
    }
    out
}

/// The session parameters (code, value) of an SPDU (X.225 §8.2: LI of one or three octets).
pub fn spdu_params(spdu: &[u8]) -> (u8, Vec<(u8, Vec<u8>)>) {
    fn li(b: &[u8]) -> (usize, usize) {
        if b[0] == 0xFF {
            (usize::from(u16::from_be_bytes([b[1], b[2]])), 3)
        } else {
            (usize::from(b[0]), 1)
        }
    }
    let si = spdu[0];
    let (len, n) = li(&spdu[1..]);
    let mut body = &spdu[1 + n..1 + n + len];
    let mut params = Vec::new();
    while !body.is_empty() {
        let code = body[0];
        let (l, n) = li(&body[1..]);
        params.push((code, body[1 + n..1 + n + l].to_vec()));
        body = &body[1 + n + l..];
    }
    (si, params)
}

/// True when `needle` occurs in `hay`.
pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// A factory, unwrapped.
pub fn factory(cfg: AProfileConfig) -> AProfileFactory {
    AProfileFactory::new(cfg).unwrap()
}

/// Client and server factories with good credentials and fresh event recorders.
pub struct Pair {
    pub client: AProfileFactory,
    pub server: AProfileFactory,
    pub cev: Arc<SecurityEvents>,
    pub sev: Arc<SecurityEvents>,
}

pub fn pair(dialect: Dialect) -> Pair {
    let cev = Arc::new(SecurityEvents::new());
    let sev = Arc::new(SecurityEvents::new());
    let mut cc = config(client_cred(), &cev);
    cc.dialect = dialect;
    let sc = config(server_cred(), &sev);
    Pair {
        client: factory(cc),
        server: factory(sc),
        cev,
        sev,
    }
}

pub fn boxed(f: &AProfileFactory, role: Role) -> Option<Box<dyn AssociationSecurity>> {
    Some(Box::new(f.make(role)))
}

/// Runs with client config `cc` against the standard server; returns (run, server events).
pub fn against_server(cc: AProfileConfig) -> (Run, Arc<SecurityEvents>) {
    let sev = Arc::new(SecurityEvents::new());
    let server = factory(config(server_cred(), &sev));
    let client = factory(cc);
    let r = run(
        boxed(&client, Role::Initiator),
        boxed(&server, Role::Responder),
    );
    (r, sev)
}

/// The configuration of a client presenting `cred` (its own events).
pub fn client_config(cred: &Credential) -> AProfileConfig {
    config(cred, &Arc::new(SecurityEvents::new()))
}
