//! A recording TCP relay for tests: it listens on `127.0.0.1:0`, forwards every connection it
//! accepts to one target address, and records every chunk that crosses it, in order, into a
//! [`TcpCapture`] per connection, so that a test can run tshark ([`crate::tshark::Tshark`]) on
//! exactly the bytes our stack and a real peer exchanged, without capture rights.
//!
//! Test code: two relay threads per connection (one per direction) with a fixed-size buffer
//! each ([`CHUNK`]), blocking reads. A chunk is recorded before it is forwarded, under one lock
//! per connection, so the capture keeps the causal order (an answer is only read after the
//! request that caused it was recorded). An end of stream in one direction is passed on as a
//! TCP half-close (`shutdown(Write)`, i.e. a FIN) to the other end; a reset or a failed write
//! closes both ends. The FIN exchange is recorded once both directions ended, started by the
//! side that closed first (bytes the other side sent after that FIN are recorded as data before
//! it: the stream contents per direction are exact, only the FIN's position moves).

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::pcap::{Direction, TcpCapture};
use crate::tshark::{self, Tshark};

/// The relay buffer per direction: the most one read takes from a socket (one recorded chunk).
pub const CHUNK: usize = 16 * 1024;

/// How long the accept loop sleeps between polls of its non-blocking listener.
const ACCEPT_POLL: Duration = Duration::from_millis(5);

/// What one relayed connection recorded.
#[derive(Debug)]
struct Record {
    capture: TcpCapture,
    /// Every chunk in the order it was read, with its direction.
    chunks: Vec<(Direction, Vec<u8>)>,
    /// Which side's stream ended first (decides who starts the FIN exchange).
    first_close: Option<Direction>,
    client_done: bool,
    server_done: bool,
}

impl Record {
    fn closed(&self) -> bool {
        self.client_done && self.server_done
    }

    /// The capture with the FIN exchange recorded if the connection has ended.
    fn snapshot(&self) -> TcpCapture {
        let mut cap = self.capture.clone();
        if self.closed() {
            match self.first_close {
                Some(Direction::ServerToClient) => cap.finish_from_server(),
                _ => cap.finish(),
            }
        }
        cap
    }
}

/// One connection: its record and clones of both sockets (to cut them when the proxy drops).
#[derive(Debug)]
struct Conn {
    record: Mutex<Record>,
    client: TcpStream,
    server: TcpStream,
}

fn lock(record: &Mutex<Record>) -> MutexGuard<'_, Record> {
    record
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A recording TCP relay (see the module documentation). Dropping it cuts every connection
/// and stops its threads.
#[derive(Debug)]
pub struct RecordingProxy {
    addr: SocketAddr,
    target: SocketAddr,
    conns: Arc<Mutex<Vec<Arc<Conn>>>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl RecordingProxy {
    /// Listens on `127.0.0.1:0` and relays every accepted connection to `target`.
    pub fn start(target: SocketAddr) -> io::Result<RecordingProxy> {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let conns: Arc<Mutex<Vec<Arc<Conn>>>> = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let accept = {
            let conns = Arc::clone(&conns);
            let stop = Arc::clone(&stop);
            thread::Builder::new()
                .name(format!("proxy-accept-{}", addr.port()))
                .spawn(move || accept_loop(listener, target, conns, stop))?
        };
        Ok(RecordingProxy {
            addr,
            target,
            conns,
            stop,
            accept: Some(accept),
        })
    }

    /// The address clients connect to.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port clients connect to.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Where connections are relayed to.
    pub fn target(&self) -> SocketAddr {
        self.target
    }

    fn conns(&self) -> Vec<Arc<Conn>> {
        self.conns
            .lock()
            .map(|c| c.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// How many connections were accepted (and connected to the target) so far.
    pub fn connections(&self) -> usize {
        self.conns().len()
    }

    /// True when connection `index` exists and both of its directions have ended.
    pub fn is_closed(&self, index: usize) -> bool {
        self.conns()
            .get(index)
            .is_some_and(|c| lock(&c.record).closed())
    }

    /// Waits until at least `count` connections were accepted and every one of them has
    /// ended in both directions; false if that did not happen within `timeout`.
    pub fn wait_closed(&self, count: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            let conns = self.conns();
            if conns.len() >= count && conns.iter().all(|c| lock(&c.record).closed()) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// The capture of connection `index` so far (the FIN exchange included once it ended).
    pub fn capture(&self, index: usize) -> Option<TcpCapture> {
        self.conns().get(index).map(|c| lock(&c.record).snapshot())
    }

    /// Every chunk of connection `index` in the order it was read, with its direction.
    pub fn chunks(&self, index: usize) -> Vec<(Direction, Vec<u8>)> {
        self.conns()
            .get(index)
            .map(|c| lock(&c.record).chunks.clone())
            .unwrap_or_default()
    }

    /// Every byte connection `index` carried in `direction`, concatenated.
    pub fn stream(&self, index: usize, direction: Direction) -> Vec<u8> {
        self.chunks(index)
            .into_iter()
            .filter(|(d, _)| *d == direction)
            .flat_map(|(_, bytes)| bytes)
            .collect()
    }

    /// Writes the capture of connection `index` as a pcap file.
    pub fn write_pcap(&self, index: usize, path: impl AsRef<Path>) -> io::Result<()> {
        match self.capture(index) {
            Some(cap) => cap.write(path),
            None => Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("the proxy has no connection {index}"),
            )),
        }
    }
}

impl Drop for RecordingProxy {
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

fn accept_loop(
    listener: TcpListener,
    target: SocketAddr,
    conns: Arc<Mutex<Vec<Arc<Conn>>>>,
    stop: Arc<AtomicBool>,
) {
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((client, peer)) => {
                if let Err(e) = relay(client, peer, target, &conns) {
                    log::warn!("proxy: connection from {peer} not relayed: {e}");
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => thread::sleep(ACCEPT_POLL),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                log::warn!("proxy: accept failed: {e}");
                thread::sleep(ACCEPT_POLL);
            }
        }
    }
}

/// Connects to the target and starts the two relay threads of one connection.
fn relay(
    client: TcpStream,
    peer: SocketAddr,
    target: SocketAddr,
    conns: &Mutex<Vec<Arc<Conn>>>,
) -> io::Result<()> {
    client.set_nonblocking(false)?;
    let server = match TcpStream::connect_timeout(&target, Duration::from_secs(5)) {
        Ok(s) => s,
        Err(e) => {
            // the client sees the refusal as a closed connection
            let _ = client.shutdown(Shutdown::Both);
            return Err(e);
        }
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let conn = Arc::new(Conn {
        record: Mutex::new(Record {
            capture: TcpCapture::new(peer.port(), target.port()),
            chunks: Vec::new(),
            first_close: None,
            client_done: false,
            server_done: false,
        }),
        client: client.try_clone()?,
        server: server.try_clone()?,
    });
    if let Ok(mut list) = conns.lock() {
        list.push(Arc::clone(&conn));
    }
    let up = (client.try_clone()?, server.try_clone()?);
    let down = (server, client);
    for (direction, (from, to)) in [
        (Direction::ClientToServer, up),
        (Direction::ServerToClient, down),
    ] {
        let conn = Arc::clone(&conn);
        thread::Builder::new()
            .name(format!("proxy-{}-{direction:?}", peer.port()))
            .spawn(move || pump(&conn, direction, from, to))?;
    }
    Ok(())
}

/// Relays one direction until its end of stream (or an error), recording each chunk first.
fn pump(conn: &Conn, direction: Direction, mut from: TcpStream, mut to: TcpStream) {
    let mut buf = vec![0u8; CHUNK];
    let orderly = loop {
        match from.read(&mut buf) {
            Ok(0) => break true,
            Ok(n) => {
                let chunk = buf.get(..n).unwrap_or(&[]);
                {
                    let mut rec = lock(&conn.record);
                    rec.capture.data(direction, chunk);
                    rec.chunks.push((direction, chunk.to_vec()));
                }
                if to.write_all(chunk).is_err() {
                    break false;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break false,
        }
    };
    if orderly {
        // pass the FIN on; the other direction goes on until its own end
        let _ = to.shutdown(Shutdown::Write);
    } else {
        // a reset or a dead destination: cut both ends so the other pump ends too
        let _ = to.shutdown(Shutdown::Both);
        let _ = from.shutdown(Shutdown::Both);
    }
    let mut rec = lock(&conn.record);
    if rec.first_close.is_none() {
        rec.first_close = Some(direction);
    }
    match direction {
        Direction::ClientToServer => rec.client_done = true,
        Direction::ServerToClient => rec.server_done = true,
    }
}

/// One frame tshark flags as malformed or as carrying an error-level expert info, with what
/// is needed to tell whose it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadFrame {
    /// The frame number in the pcap (1-based).
    pub number: u32,
    /// True when the client (the side that connected) sent it.
    pub from_client: bool,
    /// `ses.type` values of the frame (`9` FINISH, `10` DISCONNECT, `1,1` P-DATA ...).
    pub ses_type: String,
    /// True when the frame holds an ACSE ABRT (`acse.abrt_element`).
    pub acse_abort: bool,
    /// The expert info messages of the frame.
    pub expert: String,
    /// tshark's Info column.
    pub info: String,
}

/// Writes the capture to `path` and returns the frames tshark judges bad
/// ([`crate::tshark::BAD_FRAME_FILTER`]), each with its direction and session SPDU type.
///
/// # Panics
/// If the pcap cannot be written or tshark fails (a test failure).
pub fn bad_frames(ts: &Tshark, capture: &TcpCapture, path: impl AsRef<Path>) -> Vec<BadFrame> {
    let path = path.as_ref();
    if let Err(e) = capture.write(path) {
        panic!("cannot write {}: {e}", path.display());
    }
    let mut args = capture.tshark_args();
    args.extend(["-Y".to_string(), tshark::BAD_FRAME_FILTER.to_string()]);
    let rows = ts.fields(
        path,
        &tshark::as_strs(&args),
        &[
            "frame.number",
            "tcp.srcport",
            "ses.type",
            "acse.abrt_element",
            "_ws.expert.message",
            "_ws.col.Info",
        ],
    );
    let cell = |row: &[String], i: usize| row.get(i).cloned().unwrap_or_default();
    rows.iter()
        .map(|row| BadFrame {
            number: cell(row, 0).parse().unwrap_or(0),
            from_client: cell(row, 1) == capture.client_port().to_string(),
            ses_type: cell(row, 2),
            acse_abort: !cell(row, 3).is_empty(),
            expert: cell(row, 4),
            info: cell(row, 5),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An echo server that upper-cases nothing: it answers each chunk with `ok:` + the chunk,
    /// and closes after the client's FIN.
    fn echo_server() -> (SocketAddr, JoinHandle<Vec<u8>>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let t = thread::spawn(move || {
            let (mut s, _) = listener.accept().expect("accept");
            let mut all = Vec::new();
            let mut buf = [0u8; 64];
            loop {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        all.extend_from_slice(&buf[..n]);
                        let mut reply = b"ok:".to_vec();
                        reply.extend_from_slice(&buf[..n]);
                        s.write_all(&reply).expect("write");
                    }
                }
            }
            // data after the peer's FIN still reaches it (half-close), then our FIN
            s.write_all(b"bye").expect("late write");
            all
        });
        (addr, t)
    }

    #[test]
    fn relays_both_directions_records_in_order_and_propagates_fin() {
        let (target, server) = echo_server();
        let proxy = RecordingProxy::start(target).expect("proxy");
        let mut c = TcpStream::connect(proxy.local_addr()).expect("connect");
        c.write_all(b"hello").expect("write");
        let mut buf = [0u8; 8];
        c.read_exact(&mut buf).expect("read");
        assert_eq!(&buf, b"ok:hello");
        c.shutdown(Shutdown::Write).expect("fin");
        let mut rest = Vec::new();
        c.read_to_end(&mut rest).expect("read to end");
        assert_eq!(rest, b"bye");
        assert_eq!(server.join().expect("server"), b"hello");
        assert!(proxy.wait_closed(1, Duration::from_secs(5)));
        assert_eq!(proxy.connections(), 1);
        let chunks = proxy.chunks(0);
        assert_eq!(
            chunks.first(),
            Some(&(Direction::ClientToServer, b"hello".to_vec()))
        );
        assert_eq!(proxy.stream(0, Direction::ServerToClient), b"ok:hellobye");
        // handshake 3 + (segment + ack) per chunk + FIN exchange 3
        let cap = proxy.capture(0).expect("capture");
        assert_eq!(cap.frame_count(), 3 + 2 * chunks.len() + 3);
        assert_eq!(cap.server_port(), target.port());
    }

    #[test]
    fn a_refused_target_closes_the_client() {
        // a port with nobody listening: bind, learn the port, drop
        let target = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("port");
        let proxy = RecordingProxy::start(target).expect("proxy");
        let mut c = TcpStream::connect(proxy.local_addr()).expect("connect");
        c.set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        let mut buf = [0u8; 4];
        let n = c.read(&mut buf).unwrap_or(0);
        assert_eq!(n, 0);
        assert_eq!(proxy.connections(), 0);
        assert!(proxy.write_pcap(0, "/nonexistent/x.pcap").is_err());
    }

    #[test]
    fn a_capture_of_relayed_bytes_is_clean_in_tshark() {
        let Some(ts) = crate::tshark::require_tshark() else {
            return;
        };
        let (target, server) = echo_server();
        let proxy = RecordingProxy::start(target).expect("proxy");
        let mut c = TcpStream::connect(proxy.local_addr()).expect("connect");
        // a COTP CR in a TPKT: tshark decodes it on any port with decode-as tpkt
        let cr = [
            0x03, 0x00, 0x00, 0x16, 0x11, 0xe0, 0x00, 0x00, 0x00, 0x01, 0x00, 0xc1, 0x02, 0x00,
            0x01, 0xc2, 0x02, 0x00, 0x01, 0xc0, 0x01, 0x0b,
        ];
        c.write_all(&cr).expect("write");
        let mut buf = vec![0u8; 3 + cr.len()];
        c.read_exact(&mut buf).expect("read");
        c.shutdown(Shutdown::Write).expect("fin");
        let mut rest = Vec::new();
        let _ = c.read_to_end(&mut rest);
        let _ = server.join();
        assert!(proxy.wait_closed(1, Duration::from_secs(5)));
        let dir = crate::scratch_dir("proxy-selftest");
        let cap = proxy.capture(0).expect("capture");
        let path = dir.join("cr.pcap");
        cap.write(&path).expect("write pcap");
        let types = ts.values(&path, &tshark::as_strs(&cap.tshark_args()), "cotp.type");
        assert_eq!(types, vec!["0x0e".to_string()]);
        // the server's "ok:" prefix makes its bytes no TPKT: nothing is flagged because
        // tshark decodes only what starts with a TPKT header; the CR itself is clean
        let bad = bad_frames(&ts, &cap, dir.join("cr-bad.pcap"));
        assert!(bad.iter().all(|b| !b.from_client), "{bad:?}");
    }
}
