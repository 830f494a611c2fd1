//! A man-in-the-middle TCP proxy for the end-to-end security tests (IEC 62351-4 §13, the
//! attack list of issue 7), and the test rig those tests share.
//!
//! [`MitmProxy`] listens on `127.0.0.1:0`, relays every connection to one target and cuts
//! each direction into RFC 1006 TPKT frames (RFC 1006 §6: version 3, reserved, 16-bit
//! length). Every frame goes through a [`Tamper`] function before it is forwarded; the function
//! returns the frames to send in its place, so a test can forward, mutate, drop (no frame),
//! duplicate (two frames), hold (nothing now, more later) and reorder or replay frames. Every
//! frame is recorded as it was received, before tampering ([`MitmProxy::frames`]).
//!
//! [`pdata_secpdu`] / [`build_pdata`] locate and rebuild the SecPDU in a P-DATA frame:
//! TPKT, COTP DT (ISO 8073 §13.7), session GIVE-TOKENS + DATA TRANSFER (ISO 8327-1 §8.3.11,
//! §8.3.14 concatenation), presentation user data fully encoded (ISO 8823-1 §8.4.2: `[APPLICATION 1]`
//! SEQUENCE OF PDV-list { context id, `[0]` single-ASN1-type }) holding the SecPDU.
//!
//! [`E2eRig`] is a test PKI (cot::pki) with one client and one server credential whose subject
//! objectIdentifier (2.5.4.106, IEC 62351-4 Annex G.6.2) is bound to the AE-titles the MMS
//! runtime configurations use, per-side shiftable clocks, and builders for the E2E and MMS
//! configurations.
//!
//! Test code: blocking sockets, two threads per connection, a fixed-size read buffer.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime};

use acse::address::Address;
use acse::security::{SecurityEvents, SecurityFactory};
use cot::pki::{KeyKind, LeafSpec, Pki};
use e2e_sec::config::Clock;
use e2e_sec::{E2eConfig, E2eCredential, E2eFactory, E2eMode};
use mms::client::ClientConfig;
use mms::server::model::{demo, Model};
use mms::server::{RunningServer, Server, ServerConfig};

pub use crate::pcap::Direction;

/// The largest TPKT (RFC 1006 §6: 16-bit length).
const MAX_TPKT: usize = 65_535;

/// What a tamper function returns: the frames to forward in place of the one it got.
pub type Frames = Vec<Vec<u8>>;

/// The tamper function: (connection index, direction, frame index within that direction of
/// that connection, the frame) → the frames to forward now.
pub type Tamper = Box<dyn FnMut(usize, Direction, usize, Vec<u8>) -> Frames + Send>;

/// A tamper function that forwards every frame unchanged.
pub fn pass() -> Tamper {
    Box::new(|_, _, _, f| vec![f])
}

#[derive(Debug, Default)]
struct ConnRecord {
    frames: Vec<(Direction, Vec<u8>)>,
    client_done: bool,
    server_done: bool,
}

#[derive(Debug)]
struct Conn {
    record: Mutex<ConnRecord>,
    client: TcpStream,
    server: TcpStream,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The man-in-the-middle proxy (see the module documentation). Dropping it cuts every
/// connection.
pub struct MitmProxy {
    addr: SocketAddr,
    conns: Arc<Mutex<Vec<Arc<Conn>>>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for MitmProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MitmProxy")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl MitmProxy {
    /// Listens on `127.0.0.1:0` and relays every accepted connection to `target` through
    /// `tamper` (shared by every connection and both directions).
    pub fn start(target: SocketAddr, tamper: Tamper) -> io::Result<MitmProxy> {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let conns: Arc<Mutex<Vec<Arc<Conn>>>> = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let tamper = Arc::new(Mutex::new(tamper));
        let accept = {
            let conns = Arc::clone(&conns);
            let stop = Arc::clone(&stop);
            thread::Builder::new()
                .name(format!("mitm-accept-{}", addr.port()))
                .spawn(move || {
                    while !stop.load(Ordering::SeqCst) {
                        match listener.accept() {
                            Ok((client, _)) => {
                                if let Err(e) = relay(client, target, &conns, &tamper) {
                                    log::warn!("mitm: not relayed: {e}");
                                }
                            }
                            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                                thread::sleep(Duration::from_millis(5))
                            }
                            Err(_) => thread::sleep(Duration::from_millis(5)),
                        }
                    }
                })?
        };
        Ok(MitmProxy {
            addr,
            conns,
            stop,
            accept: Some(accept),
        })
    }

    /// The address clients connect to.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    fn conns(&self) -> Vec<Arc<Conn>> {
        lock(&self.conns).clone()
    }

    /// Every frame of connection `index` as received (before tampering), in order.
    pub fn frames(&self, index: usize) -> Vec<(Direction, Vec<u8>)> {
        self.conns()
            .get(index)
            .map(|c| lock(&c.record).frames.clone())
            .unwrap_or_default()
    }

    /// Waits until connection `index` ended in both directions; false after `timeout`.
    pub fn wait_closed(&self, index: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(c) = self.conns().get(index) {
                let r = lock(&c.record);
                if r.client_done && r.server_done {
                    return true;
                }
            }
            if Instant::now() >= deadline {
                return false;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for MitmProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
        for c in self.conns() {
            let _ = c.client.shutdown(Shutdown::Both);
            let _ = c.server.shutdown(Shutdown::Both);
        }
    }
}

fn relay(
    client: TcpStream,
    target: SocketAddr,
    conns: &Mutex<Vec<Arc<Conn>>>,
    tamper: &Arc<Mutex<Tamper>>,
) -> io::Result<()> {
    client.set_nonblocking(false)?;
    let server = match TcpStream::connect_timeout(&target, Duration::from_secs(5)) {
        Ok(s) => s,
        Err(e) => {
            let _ = client.shutdown(Shutdown::Both);
            return Err(e);
        }
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let conn = Arc::new(Conn {
        record: Mutex::new(ConnRecord::default()),
        client: client.try_clone()?,
        server: server.try_clone()?,
    });
    let index = {
        let mut list = lock(conns);
        list.push(Arc::clone(&conn));
        list.len() - 1
    };
    let up = (client.try_clone()?, server.try_clone()?);
    let down = (server, client);
    for (direction, (from, to)) in [
        (Direction::ClientToServer, up),
        (Direction::ServerToClient, down),
    ] {
        let conn = Arc::clone(&conn);
        let tamper = Arc::clone(tamper);
        thread::Builder::new()
            .name(format!("mitm-{index}-{direction:?}"))
            .spawn(move || pump(index, &conn, &tamper, direction, from, to))?;
    }
    Ok(())
}

/// The length of the TPKT at the start of `buf`, when its header is complete.
fn tpkt_len(buf: &[u8]) -> Option<usize> {
    match buf {
        [3, _, hi, lo, ..] => Some(usize::from(*hi) << 8 | usize::from(*lo)),
        _ => None,
    }
}

fn pump(
    index: usize,
    conn: &Conn,
    tamper: &Mutex<Tamper>,
    direction: Direction,
    mut from: TcpStream,
    mut to: TcpStream,
) {
    let mut buf = vec![0u8; MAX_TPKT];
    let mut pending: Vec<u8> = Vec::new();
    let mut n_frames = 0usize;
    let orderly = 'outer: loop {
        match from.read(&mut buf) {
            Ok(0) => break true,
            Ok(n) => {
                pending.extend_from_slice(buf.get(..n).unwrap_or(&[]));
                loop {
                    let Some(len) = tpkt_len(&pending) else {
                        if pending.len() >= 4 {
                            // not RFC 1006: cut the connection
                            break 'outer false;
                        }
                        break;
                    };
                    if len < 4 {
                        break 'outer false;
                    }
                    if pending.len() < len {
                        break;
                    }
                    let frame: Vec<u8> = pending.drain(..len).collect();
                    lock(&conn.record).frames.push((direction, frame.clone()));
                    let out = {
                        let mut t = lock(tamper);
                        (t)(index, direction, n_frames, frame)
                    };
                    n_frames += 1;
                    for f in out {
                        if to.write_all(&f).is_err() {
                            break 'outer false;
                        }
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break false,
        }
    };
    if orderly {
        let _ = to.shutdown(Shutdown::Write);
    } else {
        let _ = to.shutdown(Shutdown::Both);
        let _ = from.shutdown(Shutdown::Both);
    }
    let mut r = lock(&conn.record);
    match direction {
        Direction::ClientToServer => r.client_done = true,
        Direction::ServerToClient => r.server_done = true,
    }
}

/// Reads a BER definite length at `p` (X.690 §8.1.3): (length, octets of the length field).
fn ber_len(b: &[u8], p: usize) -> Option<(usize, usize)> {
    let first = *b.get(p)?;
    if first < 0x80 {
        return Some((usize::from(first), 1));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 || n > 3 {
        return None;
    }
    let mut len = 0usize;
    for i in 0..n {
        len = len << 8 | usize::from(*b.get(p + 1 + i)?);
    }
    Some((len, 1 + n))
}

/// Appends a BER definite length (X.690 §8.1.3, shortest form).
fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else if len < 0x100 {
        out.extend_from_slice(&[0x81, len as u8]);
    } else if len < 0x1_0000 {
        out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]);
    } else {
        out.extend_from_slice(&[0x83, (len >> 16) as u8, (len >> 8) as u8, len as u8]);
    }
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    push_len(&mut out, content.len());
    out.extend_from_slice(content);
    out
}

/// The TPKT + COTP DT (last unit) + session GIVE-TOKENS/DATA TRANSFER prefix of a P-DATA frame.
const PDATA_PREFIX_LEN: usize = 4 + 3 + 4;

/// True when `frame` is one complete P-DATA (TPKT, COTP DT with EOT, session GT + DT).
pub fn is_pdata(frame: &[u8]) -> bool {
    matches!(
        frame.get(4..PDATA_PREFIX_LEN),
        Some([0x02, 0xF0, 0x80, 0x01, 0x00, 0x01, 0x00])
    )
}

/// Locates the presentation context identifier and the SecPDU (the single-ASN1-type of the
/// one PDV) in a P-DATA frame: `(context id, start, end)` of the SecPDU octets.
pub fn pdata_secpdu(frame: &[u8]) -> Option<(u8, usize, usize)> {
    if !is_pdata(frame) {
        return None;
    }
    let mut p = PDATA_PREFIX_LEN;
    // [APPLICATION 1] fully-encoded-data, then one PDV-list SEQUENCE
    for tag in [0x61u8, 0x30] {
        if *frame.get(p)? != tag {
            return None;
        }
        let (_, n) = ber_len(frame, p + 1)?;
        p += 1 + n;
    }
    // presentation-context-identifier INTEGER (one octet here)
    if frame.get(p..p + 2)? != [0x02, 0x01] {
        return None;
    }
    let ctx = *frame.get(p + 2)?;
    p += 3;
    if *frame.get(p)? != 0xA0 {
        return None;
    }
    let (len, n) = ber_len(frame, p + 1)?;
    let start = p + 1 + n;
    let end = start.checked_add(len)?;
    (end <= frame.len()).then_some((ctx, start, end))
}

/// The SecPDU octets of a P-DATA frame.
pub fn secpdu_of(frame: &[u8]) -> Option<&[u8]> {
    pdata_secpdu(frame).and_then(|(_, s, e)| frame.get(s..e))
}

/// A complete P-DATA frame carrying `secpdu` on presentation context `ctx` (the inverse of
/// [`pdata_secpdu`], every length recomputed).
pub fn build_pdata(ctx: u8, secpdu: &[u8]) -> Vec<u8> {
    let mut pdv = vec![0x02, 0x01, ctx];
    pdv.extend_from_slice(&tlv(0xA0, secpdu));
    let user = tlv(0x61, &tlv(0x30, &pdv));
    let total = PDATA_PREFIX_LEN + user.len();
    let mut out = vec![0x03, 0x00, (total >> 8) as u8, total as u8];
    out.extend_from_slice(&[0x02, 0xF0, 0x80, 0x01, 0x00, 0x01, 0x00]);
    out.extend_from_slice(&user);
    out
}

/// `frame` with every occurrence of `from` replaced by `to` (same length), and how many.
pub fn replace_all(frame: &[u8], from: &[u8], to: &[u8]) -> (Vec<u8>, usize) {
    assert_eq!(from.len(), to.len(), "same-length replacement only");
    let mut out = frame.to_vec();
    let mut count = 0;
    let mut i = 0;
    while i + from.len() <= out.len() {
        if out.get(i..i + from.len()) == Some(from) {
            if let Some(dst) = out.get_mut(i..i + to.len()) {
                dst.copy_from_slice(to);
            }
            count += 1;
            i += from.len();
        } else {
            i += 1;
        }
    }
    (out, count)
}

/// True when `needle` occurs in `hay`.
pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// The first complete TLV in `frame` that decodes as the SecPDU of kind `n` (its context tag
/// number): how a test finds the SecPDU in an AARQ, AARE, ABRT, RLRQ or RLRE without parsing
/// every layer around it. The AARQ, RLRQ, RLRE and P-DATA carry the bare SecPDU (a SEQUENCE,
/// IEC 62351-4 §15.3-15.4 as paraphrased); the AARE and ABRT the `[n]` CHOICE alternative.
pub fn find_secpdu(frame: &[u8], n: u8) -> Option<&[u8]> {
    use e2e_sec::pdu::{Carrier, Kind};
    let kind = Kind::from_tag(u32::from(n))?;
    let (tag, carrier) = if kind.bare_in_osi() {
        let carrier = match kind {
            Kind::HandshakeReq => Carrier::Aarq,
            Kind::ReleaseReq => Carrier::Rlrq,
            Kind::ReleaseRsp => Carrier::Rlre,
            _ => Carrier::PData,
        };
        (0x30, carrier)
    } else {
        let carrier = match kind {
            Kind::HandshakeSecAbort | Kind::DtSecAbort | Kind::ApplAbort => Carrier::Abrt,
            _ => Carrier::Aare,
        };
        (0xA0 | (n & 0x1f), carrier)
    };
    let limits = e2e_sec::pdu::Limits::default();
    (0..frame.len()).find_map(|i| {
        if frame.get(i) != Some(&tag) {
            return None;
        }
        let (len, l) = ber_len(frame, i + 1)?;
        let tlv = frame.get(i..i + 1 + l + len)?;
        e2e_sec::pdu::decode_in(tlv, carrier, &limits)
            .ok()
            .filter(|p| p.kind() == kind)
            .map(|_| tlv)
    })
}

/// A clock that always says `t` (so every PDU of one side carries the same time stamp and
/// the sequence numbers alone order them: IEC 62351-4 §13.5, docs/facts.md U-10).
pub fn frozen_clock(t: SystemTime) -> Clock {
    Arc::new(move || t)
}

/// The client's objectIdentifier binding: AP-title 1.1.1.999 ++ AE-qualifier 12
/// ([`Address::default_local`], IEC 62351-4 Annex G.6.2).
pub const CLIENT_BINDING: &str = "1.1.1.999.12";
/// The server's objectIdentifier binding: AP-title 1.1.1.999.1 ++ AE-qualifier 12
/// ([`Address::default_remote`]).
pub const SERVER_BINDING: &str = "1.1.1.999.1.12";

/// The E2E test rig: one CA, the client and server credentials, shiftable clocks.
pub struct E2eRig {
    /// The CA both ends trust.
    pub root: Pki,
    /// The client's credential (subject bound to [`CLIENT_BINDING`]).
    pub client: E2eCredential,
    /// The server's credential (subject bound to [`SERVER_BINDING`]).
    pub server: E2eCredential,
    /// Seconds added to the client's clock.
    pub client_offset: Arc<AtomicI64>,
    /// Seconds added to the server's clock.
    pub server_offset: Arc<AtomicI64>,
}

impl std::fmt::Debug for E2eRig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("E2eRig").finish_non_exhaustive()
    }
}

/// A clock `offset` seconds away from the system clock (the provider clock of sec-common).
pub fn shifted_clock(offset: Arc<AtomicI64>) -> Clock {
    Arc::new(move || {
        let s = offset.load(Ordering::SeqCst);
        if s >= 0 {
            SystemTime::now() + Duration::from_secs(s.unsigned_abs())
        } else {
            SystemTime::now() - Duration::from_secs(s.unsigned_abs())
        }
    })
}

/// A running E2E MMS server with the demo model.
pub struct E2eServer {
    /// The server.
    pub server: RunningServer,
    /// The demo model it serves.
    pub model: Arc<Model>,
    /// Its E2E factory (its events are the server's events).
    pub factory: E2eFactory,
}

impl E2eRig {
    /// A fresh CA (ECDSA P-256) and the two credentials.
    pub fn new() -> Result<E2eRig, String> {
        let root = Pki::new_root("E2E interop root", KeyKind::EcP256).map_err(|e| e.to_string())?;
        Ok(E2eRig {
            client: leaf(&root, "e2e client", CLIENT_BINDING)?,
            server: leaf(&root, "e2e server", SERVER_BINDING)?,
            root,
            client_offset: Arc::new(AtomicI64::new(0)),
            server_offset: Arc::new(AtomicI64::new(0)),
        })
    }

    /// Another credential from the same CA with subject objectIdentifier `binding`.
    pub fn leaf(&self, cn: &str, binding: &str) -> Result<E2eCredential, String> {
        leaf(&self.root, cn, binding)
    }

    /// An E2E configuration for `credential` in `mode`, on the clock shifted by `offset`.
    pub fn config(
        &self,
        credential: &E2eCredential,
        mode: E2eMode,
        offset: &Arc<AtomicI64>,
    ) -> E2eConfig {
        let mut c = E2eConfig::new(credential.clone(), vec![self.root.ca().certificate.clone()])
            .with_mode(mode);
        c.clock = shifted_clock(Arc::clone(offset));
        c
    }

    /// The client's E2E configuration in `mode`.
    pub fn client_config(&self, mode: E2eMode) -> E2eConfig {
        self.config(&self.client, mode, &self.client_offset)
    }

    /// The server's E2E configuration in `mode`.
    pub fn server_config(&self, mode: E2eMode) -> E2eConfig {
        self.config(&self.server, mode, &self.server_offset)
    }

    /// Starts an MMS server on `127.0.0.1:0` with the demo model (files in `files`), AE-title
    /// [`Address::default_remote`], and an [`E2eFactory`] from `config` as its security.
    pub fn start_server(&self, config: E2eConfig, files: &Path) -> Result<E2eServer, String> {
        let events = Arc::new(SecurityEvents::new());
        let factory = E2eFactory::new(config, Arc::clone(&events))?;
        std::fs::create_dir_all(files).map_err(|e| e.to_string())?;
        let model = Arc::new(demo::model(Some(files)).map_err(|e| e.to_string())?);
        demo::tick(&model, SystemTime::now());
        let mut sc = ServerConfig::default()
            .with_listen(vec![SocketAddr::from(([127, 0, 0, 1], 0))])
            .with_security(Some(Arc::new(factory.clone()) as Arc<dyn SecurityFactory>))
            .with_events(events);
        sc.endpoint.association.local = Address::default_remote();
        let server = Server::bind(sc, model.clone())
            .and_then(Server::spawn)
            .map_err(|e| e.to_string())?;
        Ok(E2eServer {
            server,
            model,
            factory,
        })
    }

    /// An MMS client configuration with an [`E2eFactory`] from `config` (AE-titles: the
    /// defaults, calling [`Address::default_local`], called [`Address::default_remote`]).
    pub fn mms_client(&self, config: E2eConfig) -> Result<(ClientConfig, E2eFactory), String> {
        let events = Arc::new(SecurityEvents::new());
        let factory = E2eFactory::new(config, Arc::clone(&events))?;
        let cc = ClientConfig::default()
            .with_security(Some(Arc::new(factory.clone()) as Arc<dyn SecurityFactory>))
            .with_events(events)
            .with_request_timeout(Duration::from_secs(5))
            .with_connect_timeout(Duration::from_secs(5));
        Ok((cc, factory))
    }
}

fn leaf(root: &Pki, cn: &str, binding: &str) -> Result<E2eCredential, String> {
    let mut spec = LeafSpec::new(cn).with_key(KeyKind::EcP256);
    spec.object_identifier = Some(binding.to_owned());
    // OpenSSL 3.0 cannot read back a subject with an OBJECT IDENTIFIER-valued 2.5.4.106
    // attribute: the UTF8String form (docs/facts.md E-12) is the one that works end to end.
    spec.object_identifier_utf8 = true;
    let c = root.issue(&spec).map_err(|e| e.to_string())?;
    Ok(E2eCredential {
        certificate: c.certificate,
        key: c.key,
        chain: c.chain,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdata_round_trip_and_lengths() {
        for n in [0usize, 5, 127, 128, 300, 5000] {
            let sec: Vec<u8> = (0..n).map(|i| i as u8).collect();
            let f = build_pdata(5, &sec);
            assert_eq!(tpkt_len(&f), Some(f.len()));
            assert!(is_pdata(&f));
            let (ctx, s, e) = pdata_secpdu(&f).expect("parse");
            assert_eq!(ctx, 5);
            assert_eq!(&f[s..e], &sec[..]);
        }
        assert!(pdata_secpdu(&[3, 0, 0, 7, 2, 0xF0, 0x80]).is_none());
    }

    #[test]
    fn replace_counts() {
        let (out, n) = replace_all(b"abcabc", b"bc", b"XY");
        assert_eq!(out, b"aXYaXY");
        assert_eq!(n, 2);
        assert!(contains(b"hello", b"ll"));
        assert!(!contains(b"hello", b""));
    }
}
