//! One transport driver: moves bytes between a byte stream the caller owns (a socket, plain or
//! under the T-profile's TLS) and any sans-IO machine of the stack: the COTP
//! [`crate::connection::Connection`], the ACSE association, the MMS endpoint. Every runtime of
//! the workspace (the `mio` server, the non-blocking and blocking clients, the interop-test
//! driver) moves its bytes through a [`Pump`], so partial reads and writes, would-block,
//! interrupted calls, the end of the stream and the TLS record layer are handled in one place.
//!
//! The pump does not own the stream: each call borrows anything that is [`Read`] / [`Write`]
//! (a `std::net::TcpStream`, a `mio` stream, a recording wrapper in a test). It works with
//! blocking streams (a read time-out counts as "nothing to read now") and non-blocking ones
//! (would-block, and not-connected while a non-blocking connect is under way, count the same).
//!
//! A read is one step ([`Pump::read`]): it either hands octets to the machine, or reports why
//! it did not. The caller polls the machine for events after each [`Input::Delivered`] and
//! reads again until [`Input::Blocked`]; a server bounds the number of rounds per connection
//! for fairness. [`Pump::flush`] writes what the machine (and the TLS session) has to send
//! until the stream would block.
//!
//! With TLS the machine may not exist until the handshake is over (the security provider needs
//! the peer's certificate): pass `None`, and make the machine once
//! [`Pump::ready`] turns true.

use std::io::{self, Read, Write};
use std::time::Instant;

#[cfg(feature = "tls")]
use crate::tls::{TlsError, TlsSession};

/// A sans-IO machine's byte interface: where received octets go, and what is waiting to be
/// sent.
pub trait Machine {
    /// Spare room for received octets (empty when the machine holds as much as it accepts).
    fn recv_buffer(&mut self) -> &mut [u8];
    /// `n` octets were written into [`Machine::recv_buffer`].
    fn recv_commit(&mut self, n: usize);
    /// Octets waiting to be sent.
    fn transmit(&self) -> &[u8];
    /// `n` octets of [`Machine::transmit`] were sent.
    fn advance_transmit(&mut self, n: usize);
    /// The stream has nothing to read for now ([`Input::Blocked`]): the machine may give back
    /// receive memory it holds without unconsumed data (an idle connection then costs no
    /// buffer). Nothing by default.
    fn recv_release(&mut self) {}
}

impl Machine for crate::connection::Connection {
    fn recv_buffer(&mut self) -> &mut [u8] {
        crate::connection::Connection::recv_buffer(self)
    }
    fn recv_commit(&mut self, n: usize) {
        crate::connection::Connection::recv_commit(self, n)
    }
    fn transmit(&self) -> &[u8] {
        crate::connection::Connection::transmit(self)
    }
    fn advance_transmit(&mut self, n: usize) {
        crate::connection::Connection::advance_transmit(self, n)
    }
    fn recv_release(&mut self) {
        crate::connection::Connection::recv_release(self)
    }
}

/// What one [`Pump::read`] did.
#[derive(Debug)]
#[non_exhaustive]
pub enum Input {
    /// `n` octets went into the machine: poll it for events.
    Delivered(usize),
    /// TLS records were consumed (handshake, renegotiation, alerts) with nothing for the
    /// machine yet: flush (the handshake may have something to say), check [`Pump::ready`],
    /// and read again.
    Progress,
    /// Nothing to read now (would block, a read time-out, a connect still under way).
    Blocked,
    /// The machine's receive buffer is full: poll it (which frees room), then read again.
    Full,
    /// The stream is over: flush what is still queued (a TLS alert) and close.
    Ended(End),
}

/// Why a stream ended.
#[derive(Debug)]
#[non_exhaustive]
pub enum End {
    /// The peer closed it: end of stream, or TLS close_notify.
    Closed,
    /// A read or write failed.
    Io(io::Error),
    /// The TLS session failed; the alert OpenSSL produced is queued for [`Pump::flush`].
    #[cfg(feature = "tls")]
    Tls(TlsError),
}

impl std::fmt::Display for End {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            End::Closed => f.write_str("the peer closed the connection"),
            End::Io(e) => write!(f, "I/O error: {e}"),
            #[cfg(feature = "tls")]
            End::Tls(e) => write!(f, "TLS: {e}"),
        }
    }
}

/// What one [`Pump::flush`] left behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// Everything was written.
    Done,
    /// The stream would block with octets still queued: flush again when it is writable.
    Blocked,
}

/// The largest ciphertext read at once (one TLS record and its header).
#[cfg(feature = "tls")]
const TLS_READ: usize = 16 * 1024 + 512;

/// Moves bytes between a stream and a machine, through a TLS session when there is one.
pub struct Pump {
    #[cfg(feature = "tls")]
    tls: Option<Box<TlsSession>>,
    /// Ciphertext read buffer (TLS only; empty on a plain pump).
    #[cfg(feature = "tls")]
    scratch: Vec<u8>,
}

impl std::fmt::Debug for Pump {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pump").field("tls", &self.is_tls()).finish()
    }
}

impl Default for Pump {
    fn default() -> Self {
        Pump::plain()
    }
}

/// Whether an I/O error means "nothing to do now" rather than failure.
fn not_now(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::NotConnected
    )
}

impl Pump {
    /// A pump for a plain stream (RFC 1006 without TLS).
    pub fn plain() -> Pump {
        Pump {
            #[cfg(feature = "tls")]
            tls: None,
            #[cfg(feature = "tls")]
            scratch: Vec::new(),
        }
    }

    /// A pump for a stream under TLS (IEC 62351-4 T-profile), through `session`.
    #[cfg(feature = "tls")]
    pub fn tls(session: TlsSession) -> Pump {
        Pump {
            tls: Some(Box::new(session)),
            scratch: vec![0; TLS_READ],
        }
    }

    /// Whether the pump runs TLS.
    pub fn is_tls(&self) -> bool {
        #[cfg(feature = "tls")]
        {
            self.tls.is_some()
        }
        #[cfg(not(feature = "tls"))]
        {
            false
        }
    }

    /// The TLS session, if any.
    #[cfg(feature = "tls")]
    pub fn tls_session(&self) -> Option<&TlsSession> {
        self.tls.as_deref()
    }

    /// The TLS session, if any, mutably (to start a renegotiation, say).
    #[cfg(feature = "tls")]
    pub fn tls_session_mut(&mut self) -> Option<&mut TlsSession> {
        self.tls.as_deref_mut()
    }

    /// Whether the machine can exchange octets: always on a plain pump, once the TLS handshake
    /// is over on a TLS one.
    pub fn ready(&self) -> bool {
        #[cfg(feature = "tls")]
        if let Some(t) = &self.tls {
            return t.is_established();
        }
        true
    }

    /// One read step from `io` into `machine` (see the module documentation). `machine` is
    /// `None` only while a TLS handshake runs before the machine exists.
    pub fn read<R: Read + ?Sized>(
        &mut self,
        io: &mut R,
        machine: Option<&mut dyn Machine>,
    ) -> Input {
        #[cfg(feature = "tls")]
        if let Some(tls) = self.tls.as_deref_mut() {
            return read_tls(tls, &mut self.scratch, io, machine);
        }
        let Some(m) = machine else {
            return Input::Blocked;
        };
        loop {
            let buf = m.recv_buffer();
            if buf.is_empty() {
                return Input::Full;
            }
            match io.read(buf) {
                Ok(0) => return Input::Ended(End::Closed),
                Ok(n) => {
                    m.recv_commit(n);
                    return Input::Delivered(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if not_now(&e) => {
                    m.recv_release();
                    return Input::Blocked;
                }
                Err(e) => return Input::Ended(End::Io(e)),
            }
        }
    }

    /// Writes what `machine` (and the TLS session) has queued until the stream would block.
    pub fn flush<W: Write + ?Sized>(
        &mut self,
        io: &mut W,
        machine: Option<&mut dyn Machine>,
    ) -> Result<Output, End> {
        #[cfg(feature = "tls")]
        if let Some(tls) = self.tls.as_deref_mut() {
            if let Some(m) = machine {
                if tls.is_established() {
                    let data = m.transmit();
                    if !data.is_empty() {
                        let n = tls.write_plain(data).map_err(End::Tls)?;
                        m.advance_transmit(n);
                    }
                }
            }
            return loop {
                let data = tls.tls_out();
                if data.is_empty() {
                    break Ok(Output::Done);
                }
                match io.write(data) {
                    Ok(0) => break Err(End::Closed),
                    Ok(n) => tls.advance_tls_out(n),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) if not_now(&e) => break Ok(Output::Blocked),
                    Err(e) => break Err(End::Io(e)),
                }
            };
        }
        let Some(m) = machine else {
            return Ok(Output::Done);
        };
        loop {
            let data = m.transmit();
            if data.is_empty() {
                return Ok(Output::Done);
            }
            match io.write(data) {
                Ok(0) => return Err(End::Closed),
                Ok(n) => m.advance_transmit(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if not_now(&e) => return Ok(Output::Blocked),
                Err(e) => return Err(End::Io(e)),
            }
        }
    }

    /// Octets queued and not yet written: the machine's, plus the TLS session's plaintext and
    /// ciphertext.
    pub fn pending(&self, machine: Option<&dyn Machine>) -> usize {
        let plain = machine.map_or(0, |m| m.transmit().len());
        #[cfg(feature = "tls")]
        if let Some(t) = &self.tls {
            return plain + t.tls_out().len() + t.plain_pending();
        }
        plain
    }

    /// Decrypted octets the machine has not taken yet (TLS only): read again even if the
    /// stream has nothing new.
    pub fn buffered(&self) -> usize {
        #[cfg(feature = "tls")]
        if let Some(t) = &self.tls {
            return t.plain_available();
        }
        0
    }

    /// When [`Pump::handle_timeout`] next needs to run (the TLS session's renegotiation or key
    /// update, its renegotiation deadline, CRL reload); `None` on a plain pump.
    pub fn poll_timeout(&self) -> Option<Instant> {
        #[cfg(feature = "tls")]
        if let Some(t) = &self.tls {
            return t.poll_timeout();
        }
        None
    }

    /// Runs the TLS session's timers at `now` (nothing on a plain pump); flush afterwards. An
    /// error ends the stream: flush the alert and close.
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), End> {
        #[cfg(feature = "tls")]
        if let Some(t) = self.tls.as_deref_mut() {
            return t.handle_timeout(now).map_err(End::Tls);
        }
        let _ = now;
        Ok(())
    }

    /// Queues TLS close_notify (RFC 5246 §7.2.1) when a session is up; flush afterwards.
    pub fn close_notify(&mut self) {
        #[cfg(feature = "tls")]
        if let Some(t) = self.tls.as_deref_mut() {
            if t.is_established() {
                t.close_notify();
            }
        }
    }
}

/// One TLS read step: decrypted octets the machine has not taken first, else one read of
/// ciphertext, then whatever plaintext it produced.
#[cfg(feature = "tls")]
fn read_tls<R: Read + ?Sized>(
    tls: &mut TlsSession,
    scratch: &mut [u8],
    io: &mut R,
    mut machine: Option<&mut dyn Machine>,
) -> Input {
    if tls.plain_available() > 0 || tls.peer_closed() {
        if let Some(m) = machine.as_deref_mut() {
            return deliver_plain(tls, m);
        }
    }
    loop {
        match io.read(scratch) {
            Ok(0) => return Input::Ended(End::Closed),
            Ok(n) => {
                if let Err(e) = tls.feed_tls(&scratch[..n]) {
                    return Input::Ended(End::Tls(e));
                }
                return match machine {
                    Some(m) if tls.is_established() && tls.plain_available() > 0 => {
                        deliver_plain(tls, m)
                    }
                    _ if tls.peer_closed() && tls.plain_available() == 0 => {
                        Input::Ended(End::Closed)
                    }
                    _ => Input::Progress,
                };
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if not_now(&e) => {
                if let Some(m) = machine {
                    m.recv_release();
                }
                return Input::Blocked;
            }
            Err(e) => return Input::Ended(End::Io(e)),
        }
    }
}

/// Moves decrypted octets into the machine.
#[cfg(feature = "tls")]
fn deliver_plain(tls: &mut TlsSession, m: &mut dyn Machine) -> Input {
    let buf = m.recv_buffer();
    if buf.is_empty() {
        return Input::Full;
    }
    match tls.read_plain(buf) {
        Ok(0) => Input::Ended(End::Closed),
        Ok(n) => {
            m.recv_commit(n);
            Input::Delivered(n)
        }
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Input::Blocked,
        Err(e) => Input::Ended(End::Io(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A machine that collects what it receives and sends what it is given.
    struct Echo {
        rx: Vec<u8>,
        room: usize,
        tx: Vec<u8>,
        scratch: Vec<u8>,
    }

    impl Machine for Echo {
        fn recv_buffer(&mut self) -> &mut [u8] {
            self.scratch.resize(self.room, 0);
            &mut self.scratch
        }
        fn recv_commit(&mut self, n: usize) {
            self.rx.extend_from_slice(&self.scratch[..n]);
            self.room -= n;
        }
        fn transmit(&self) -> &[u8] {
            &self.tx
        }
        fn advance_transmit(&mut self, n: usize) {
            self.tx.drain(..n);
        }
    }

    /// A stream that yields its input in fixed chunks, then would block or end, and accepts
    /// at most `write_limit` octets per write.
    struct Stream {
        input: Vec<u8>,
        chunk: usize,
        eof: bool,
        written: Vec<u8>,
        write_limit: usize,
        interrupt_once: bool,
    }

    impl Read for Stream {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.interrupt_once {
                self.interrupt_once = false;
                return Err(io::ErrorKind::Interrupted.into());
            }
            if self.input.is_empty() {
                return if self.eof {
                    Ok(0)
                } else {
                    Err(io::ErrorKind::WouldBlock.into())
                };
            }
            let n = self.chunk.min(buf.len()).min(self.input.len());
            buf[..n].copy_from_slice(&self.input[..n]);
            self.input.drain(..n);
            Ok(n)
        }
    }

    impl Write for Stream {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.write_limit == 0 {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            let n = buf.len().min(self.write_limit);
            self.written.extend_from_slice(&buf[..n]);
            self.write_limit -= n;
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn plain_reads_step_by_step_and_report_full_blocked_and_end() {
        let mut s = Stream {
            input: (0..10).collect(),
            chunk: 4,
            eof: false,
            written: Vec::new(),
            write_limit: 0,
            interrupt_once: true,
        };
        let mut m = Echo {
            rx: Vec::new(),
            room: 6,
            tx: Vec::new(),
            scratch: Vec::new(),
        };
        let mut p = Pump::plain();
        assert!(p.ready());
        assert!(matches!(p.read(&mut s, Some(&mut m)), Input::Delivered(4)));
        assert!(matches!(p.read(&mut s, Some(&mut m)), Input::Delivered(2)));
        assert!(matches!(p.read(&mut s, Some(&mut m)), Input::Full));
        m.room = 100;
        assert!(matches!(p.read(&mut s, Some(&mut m)), Input::Delivered(4)));
        assert!(matches!(p.read(&mut s, Some(&mut m)), Input::Blocked));
        assert_eq!(m.rx, (0..10).collect::<Vec<u8>>());
        s.eof = true;
        assert!(matches!(
            p.read(&mut s, Some(&mut m)),
            Input::Ended(End::Closed)
        ));
    }

    #[test]
    fn plain_flush_writes_until_the_stream_blocks() {
        let mut s = Stream {
            input: Vec::new(),
            chunk: 1,
            eof: false,
            written: Vec::new(),
            write_limit: 3,
            interrupt_once: false,
        };
        let mut m = Echo {
            rx: Vec::new(),
            room: 0,
            tx: vec![1, 2, 3, 4, 5],
            scratch: Vec::new(),
        };
        let mut p = Pump::plain();
        assert_eq!(p.pending(Some(&m)), 5);
        assert_eq!(p.flush(&mut s, Some(&mut m)).ok(), Some(Output::Blocked));
        assert_eq!(s.written, vec![1, 2, 3]);
        assert_eq!(p.pending(Some(&m)), 2);
        s.write_limit = 10;
        assert_eq!(p.flush(&mut s, Some(&mut m)).ok(), Some(Output::Done));
        assert_eq!(s.written, vec![1, 2, 3, 4, 5]);
        assert_eq!(p.pending(Some(&m)), 0);
    }

    #[test]
    fn a_failing_stream_ends_with_its_error() {
        struct Broken;
        impl Read for Broken {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::ErrorKind::ConnectionReset.into())
            }
        }
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut m = Echo {
            rx: Vec::new(),
            room: 8,
            tx: vec![1],
            scratch: Vec::new(),
        };
        let mut p = Pump::plain();
        match p.read(&mut Broken, Some(&mut m)) {
            Input::Ended(End::Io(e)) => assert_eq!(e.kind(), io::ErrorKind::ConnectionReset),
            other => panic!("{other:?}"),
        }
        match p.flush(&mut Broken, Some(&mut m)) {
            Err(End::Io(e)) => assert_eq!(e.kind(), io::ErrorKind::BrokenPipe),
            other => panic!("{other:?}"),
        }
    }
}
