//! A blocking driver for one sans-IO [`Association`] over a [`std::net::TcpStream`], with a
//! deadline, for tests and examples that talk to a real peer (hat-drivers, or our own stack in
//! another thread).
//!
//! The association (ISO 8650-1 ACSE over ISO 8823-1, ISO 8327-1, ISO 8073 class 0 and
//! RFC 1006) does no I/O itself; the driver moves its bytes with [`cot::pump::Pump`] (the
//! transport driver every runtime of the workspace uses), polls [`Association::poll_event`] and
//! hands each event to a closure. The closure answers through a [`Control`] (accept, reject,
//! send data, release, abort, stop); the driver applies those actions once the event (which
//! borrows the association's receive buffer) is gone.
//!
//! Every chunk written and read is recorded, in order, into an [`TcpCapture`] so that a test
//! can run tshark on exactly the bytes that crossed the socket.
//!
//! Bounded: every socket read has a timeout of at most [`READ_SLICE`] and the loop ends at the
//! caller's deadline; a read blocks (no busy spin).

use std::fmt;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use acse::apdu::{AbortDiagnostic, AbortSource, AssociateResult, ServiceUserDiagnostic};
use acse::association::{Association, AssociationError, Event, Refused};
use cot::pump::{End, Input, Output, Pump};

use crate::pcap::{Direction, TcpCapture};

/// The longest single blocking read; the deadline is checked at least this often.
pub const READ_SLICE: Duration = Duration::from_millis(200);

/// Which end of the TCP connection the driver's association is (decides the directions
/// recorded in the capture).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// We connected (sent the SYN): our writes are client-to-server.
    Client,
    /// We accepted: our writes are server-to-client.
    Server,
}

/// An owned summary of one [`Event`] the driver saw (the event itself borrows the
/// association), kept in [`Driver::seen`] in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// [`Event::AssociateIndication`]: the AARQ's user data.
    AssociateIndication(Option<Vec<u8>>),
    /// [`Event::Associated`]: the AARE's user data.
    Associated(Option<Vec<u8>>),
    /// [`Event::Refused`].
    Refused(Refused),
    /// [`Event::Data`]: context id and the user data.
    Data(u32, Vec<u8>),
    /// [`Event::ReleaseIndication`].
    ReleaseIndication,
    /// [`Event::Released`].
    Released,
    /// [`Event::Aborted`]: abort source and diagnostic of the ABRT, if one came.
    Aborted(Option<AbortSource>, Option<AbortDiagnostic>),
    /// [`Event::Disconnected`].
    Disconnected,
    /// [`Event::TimedOut`].
    TimedOut(acse::timer::Deadline),
}

impl Seen {
    /// The summary of `event`.
    pub fn of(event: &Event<'_>) -> Seen {
        match event {
            Event::AssociateIndication(i) => Seen::AssociateIndication(i.user_data.clone()),
            Event::Associated(c) => Seen::Associated(c.user_data.clone()),
            Event::Refused(r) => Seen::Refused((**r).clone()),
            Event::Data { context_id, data } => Seen::Data(*context_id, data.to_vec()),
            Event::ReleaseIndication { .. } => Seen::ReleaseIndication,
            Event::Released { .. } => Seen::Released,
            Event::Aborted {
                source, diagnostic, ..
            } => Seen::Aborted(*source, *diagnostic),
            Event::Disconnected => Seen::Disconnected,
            Event::TimedOut(d) => Seen::TimedOut(*d),
        }
    }
}

/// One action the event closure asks for; applied by the driver, in order, right after the
/// closure returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// [`Association::accept`] with this user data (A-ASSOCIATE response, accepted).
    Accept(Vec<u8>),
    /// [`Association::reject`] (A-ASSOCIATE response, rejected).
    Reject {
        /// rejected-permanent or rejected-transient.
        result: AssociateResult,
        /// The service-user diagnostic.
        diagnostic: ServiceUserDiagnostic,
        /// The AARE's user data.
        user_data: Option<Vec<u8>>,
    },
    /// [`Association::send_data`] (P-DATA on the user context).
    SendData(Vec<u8>),
    /// [`Association::release`] without user data (A-RELEASE request).
    Release,
    /// [`Association::respond_release`] without user data (A-RELEASE response).
    RespondRelease,
    /// [`Association::abort`] without user data (A-ABORT request).
    Abort,
}

/// What the event closure fills in: the actions to apply and whether to stop.
#[derive(Debug, Default)]
pub struct Control {
    actions: Vec<Action>,
    stop: bool,
}

impl Control {
    /// Accept the association with `user_data` (e.g. an MMS initiate-ResponsePDU).
    pub fn accept(&mut self, user_data: &[u8]) {
        self.actions.push(Action::Accept(user_data.to_vec()));
    }

    /// Reject the association.
    pub fn reject(
        &mut self,
        result: AssociateResult,
        diagnostic: ServiceUserDiagnostic,
        user_data: Option<&[u8]>,
    ) {
        self.actions.push(Action::Reject {
            result,
            diagnostic,
            user_data: user_data.map(<[u8]>::to_vec),
        });
    }

    /// Send one user PDU (e.g. one MMSpdu) on the user context.
    pub fn send_data(&mut self, data: &[u8]) {
        self.actions.push(Action::SendData(data.to_vec()));
    }

    /// Start an orderly release.
    pub fn release(&mut self) {
        self.actions.push(Action::Release);
    }

    /// Answer the peer's release request.
    pub fn respond_release(&mut self) {
        self.actions.push(Action::RespondRelease);
    }

    /// Abort the association.
    pub fn abort(&mut self) {
        self.actions.push(Action::Abort);
    }

    /// Return from [`Driver::run_until`] with [`Outcome::Stopped`] once the actions are applied
    /// and their bytes written.
    pub fn stop(&mut self) {
        self.stop = true;
    }

    /// The actions asked for, in order, and whether a stop was asked (for code that applies
    /// them itself, e.g. an in-memory pair, with [`apply`]).
    pub fn into_parts(self) -> (Vec<Action>, bool) {
        (self.actions, self.stop)
    }
}

/// Applies one [`Action`] to `assoc` (the call it names).
pub fn apply(assoc: &mut Association, action: Action) -> Result<(), AssociationError> {
    match action {
        Action::Accept(ud) => assoc.accept(&ud),
        Action::Reject {
            result,
            diagnostic,
            user_data,
        } => assoc.reject(result, diagnostic, user_data.as_deref()),
        Action::SendData(d) => assoc.send_data(&d),
        Action::Release => assoc.release(None),
        Action::RespondRelease => assoc.respond_release(None),
        Action::Abort => assoc.abort(None),
    }
}

/// Why [`Driver::run_until`] returned normally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The closure called [`Control::stop`].
    Stopped,
    /// The association is closed and everything it had to send was written.
    Closed,
    /// The peer closed the TCP connection (end of stream, reset, or broken pipe) while the
    /// association was still open.
    PeerClosed,
}

/// What went wrong while driving.
#[derive(Debug)]
pub enum DriverError {
    /// The association reported an error; the response it prescribes was written if the
    /// socket allowed.
    Association(AssociationError),
    /// A socket error other than the peer closing.
    Io(io::Error),
    /// The deadline passed first.
    Timeout {
        /// The association state at the time.
        state: acse::association::State,
    },
    /// The association's receive buffer had no room although every event was polled.
    ReceiveBufferFull,
}

impl fmt::Display for DriverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DriverError::Association(e) => write!(f, "association error: {e}"),
            DriverError::Io(e) => write!(f, "socket error: {e}"),
            DriverError::Timeout { state } => {
                write!(f, "deadline passed with the association in state {state:?}")
            }
            DriverError::ReceiveBufferFull => f.write_str("association receive buffer full"),
        }
    }
}

impl std::error::Error for DriverError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DriverError::Association(e) => Some(e),
            DriverError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<AssociationError> for DriverError {
    fn from(e: AssociationError) -> Self {
        DriverError::Association(e)
    }
}

impl From<io::Error> for DriverError {
    fn from(e: io::Error) -> Self {
        DriverError::Io(e)
    }
}

/// One association over one TCP stream, with a capture of every chunk that crossed it.
pub struct Driver {
    stream: TcpStream,
    pump: Pump,
    assoc: Association,
    capture: TcpCapture,
    side: Side,
    seen: Vec<Seen>,
    peer_closed: bool,
    written: usize,
    read: usize,
}

impl fmt::Debug for Driver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Driver")
            .field("side", &self.side)
            .field("assoc", &self.assoc)
            .field("peer_closed", &self.peer_closed)
            .field("written", &self.written)
            .field("read", &self.read)
            .finish_non_exhaustive()
    }
}

/// The socket as the pump sees it: every chunk that crosses it is recorded in the capture.
struct Recorded<'a> {
    stream: &'a mut TcpStream,
    capture: &'a mut TcpCapture,
    side: Side,
    written: &'a mut usize,
    read: &'a mut usize,
}

impl Read for Recorded<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.stream.read(buf)?;
        let dir = match self.side {
            Side::Client => Direction::ServerToClient,
            Side::Server => Direction::ClientToServer,
        };
        if n > 0 {
            self.capture.data(dir, buf.get(..n).unwrap_or_default());
            *self.read += n;
        }
        Ok(n)
    }
}

impl Write for Recorded<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.stream.write(buf)?;
        let dir = match self.side {
            Side::Client => Direction::ClientToServer,
            Side::Server => Direction::ServerToClient,
        };
        if n > 0 {
            self.capture.data(dir, buf.get(..n).unwrap_or_default());
            *self.written += n;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

fn peer_gone(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::UnexpectedEof
    )
}

impl Driver {
    /// Wraps a connected stream and an association (initiator from [`Association::connect`] or
    /// responder from [`Association::accept_incoming`]). `side` says who connected; the capture
    /// uses the stream's real ports and starts with a TCP handshake.
    pub fn new(stream: TcpStream, assoc: Association, side: Side) -> io::Result<Driver> {
        let local = stream.local_addr()?.port();
        let peer = stream.peer_addr()?.port();
        let (client_port, server_port) = match side {
            Side::Client => (local, peer),
            Side::Server => (peer, local),
        };
        stream.set_nodelay(true)?;
        stream.set_write_timeout(Some(Duration::from_secs(5)))?;
        Ok(Driver {
            stream,
            pump: Pump::plain(),
            assoc,
            capture: TcpCapture::new(client_port, server_port),
            side,
            seen: Vec::new(),
            peer_closed: false,
            written: 0,
            read: 0,
        })
    }

    /// The association, for calls between runs (e.g. [`Association::send_data`]); bytes it
    /// queues are written by the next [`Driver::run_until`] or [`Driver::flush`].
    pub fn association(&mut self) -> &mut Association {
        &mut self.assoc
    }

    /// Every event seen so far, in order.
    pub fn seen(&self) -> &[Seen] {
        &self.seen
    }

    /// The capture so far (no FIN yet).
    pub fn capture(&self) -> &TcpCapture {
        &self.capture
    }

    /// True once the peer closed the TCP connection.
    pub fn peer_closed(&self) -> bool {
        self.peer_closed
    }

    /// Octets written to and read from the socket so far.
    pub fn byte_counts(&self) -> (usize, usize) {
        (self.written, self.read)
    }

    /// The socket, recording what crosses it.
    fn recorded(&mut self) -> (Recorded<'_>, &mut Pump, &mut Association) {
        (
            Recorded {
                stream: &mut self.stream,
                capture: &mut self.capture,
                side: self.side,
                written: &mut self.written,
                read: &mut self.read,
            },
            &mut self.pump,
            &mut self.assoc,
        )
    }

    /// Writes everything [`Association::transmit`] holds. A peer that is gone (broken pipe,
    /// reset) is not an error here: it is remembered and reported by [`Driver::run_until`].
    pub fn flush(&mut self) -> Result<(), DriverError> {
        if self.peer_closed {
            return Ok(());
        }
        let (mut io, pump, assoc) = self.recorded();
        match pump.flush(&mut io, Some(assoc)) {
            Ok(Output::Done) => Ok(()),
            // A blocking socket with a write time-out: the peer stopped reading.
            Ok(Output::Blocked) => Err(DriverError::Io(io::ErrorKind::TimedOut.into())),
            Err(End::Io(e)) if !peer_gone(&e) => Err(DriverError::Io(e)),
            Err(_) => {
                self.peer_closed = true;
                Ok(())
            }
        }
    }

    /// Polls every pending event, handing each to `on_event` and applying what it asked for.
    /// Returns whether a stop was asked.
    fn dispatch<F>(&mut self, on_event: &mut F) -> Result<bool, DriverError>
    where
        F: FnMut(&Event<'_>, &mut Control),
    {
        let mut stop = false;
        // Each poll consumes at least one TPDU from the bounded receive buffer, so this ends.
        loop {
            let mut control = Control::default();
            {
                let event = match self.assoc.poll_event() {
                    Ok(Some(ev)) => ev,
                    Ok(None) => break,
                    Err(e) => {
                        // the association queued the response it prescribes: send it
                        let _ = self.flush();
                        return Err(DriverError::Association(e));
                    }
                };
                log::debug!("driver {:?}: event {:?}", self.side, Seen::of(&event));
                self.seen.push(Seen::of(&event));
                on_event(&event, &mut control);
            }
            for action in control.actions {
                if let Err(e) = apply(&mut self.assoc, action) {
                    let _ = self.flush();
                    return Err(DriverError::Association(e));
                }
            }
            stop |= control.stop;
            self.flush()?;
        }
        Ok(stop)
    }

    /// Drives the association until `on_event` calls [`Control::stop`], the association
    /// closes, the peer closes the connection, or `deadline` passes (an error). Bytes queued
    /// before the call are written first. Can be called again after it returned.
    pub fn run_until<F>(
        &mut self,
        deadline: Instant,
        mut on_event: F,
    ) -> Result<Outcome, DriverError>
    where
        F: FnMut(&Event<'_>, &mut Control),
    {
        loop {
            self.flush()?;
            let stop = self.dispatch(&mut on_event)?;
            // polling may queue bytes without reporting an event (COTP CC, the CONNECT
            // sent once the CC arrives): write them before blocking on a read
            self.flush()?;
            if stop {
                return Ok(Outcome::Stopped);
            }
            if self.assoc.is_closed() {
                return Ok(Outcome::Closed);
            }
            if self.peer_closed {
                return Ok(Outcome::PeerClosed);
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(DriverError::Timeout {
                    state: self.assoc.state(),
                });
            }
            let wait = deadline
                .duration_since(now)
                .clamp(Duration::from_millis(1), READ_SLICE);
            self.stream.set_read_timeout(Some(wait))?;
            let (mut io, pump, assoc) = self.recorded();
            match pump.read(&mut io, Some(assoc)) {
                Input::Full => return Err(DriverError::ReceiveBufferFull),
                Input::Ended(End::Io(e)) if !peer_gone(&e) => return Err(DriverError::Io(e)),
                Input::Ended(_) => self.peer_closed = true,
                // Delivered (polled next turn), Blocked (the read time-out passed).
                _ => {}
            }
        }
    }

    /// Writes what is left, closes the connection (FIN), and returns the capture with the
    /// close recorded: started by the peer if it closed first, else by us.
    pub fn close(mut self) -> (Association, TcpCapture) {
        let _ = self.flush();
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
        let peer_first = self.peer_closed;
        let we_are_client = self.side == Side::Client;
        if peer_first != we_are_client {
            self.capture.finish();
        } else {
            self.capture.finish_from_server();
        }
        (self.assoc, self.capture)
    }
}

/// One-call form of [`Driver`]: drives `assoc` over `stream` until `on_event` stops, the
/// association closes, the peer closes, or the deadline passes; closes the stream and returns
/// the outcome, the association, the events seen and the capture.
pub fn run_until<F>(
    stream: TcpStream,
    assoc: Association,
    side: Side,
    deadline: Instant,
    on_event: F,
) -> Result<RunResult, DriverError>
where
    F: FnMut(&Event<'_>, &mut Control),
{
    let mut driver = Driver::new(stream, assoc, side)?;
    let outcome = driver.run_until(deadline, on_event);
    let seen = driver.seen().to_vec();
    let (assoc, capture) = driver.close();
    Ok(RunResult {
        outcome,
        assoc,
        seen,
        capture,
    })
}

/// What [`run_until`] hands back.
#[derive(Debug)]
pub struct RunResult {
    /// How the run ended.
    pub outcome: Result<Outcome, DriverError>,
    /// The association, in whatever state it reached.
    pub assoc: Association,
    /// Every event seen, in order.
    pub seen: Vec<Seen>,
    /// Every chunk written and read, with the TCP open and close.
    pub capture: TcpCapture,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mms_vectors::{INITIATE_REQUEST, INITIATE_RESPONSE};
    use acse::address::Address;
    use acse::association::AssociationConfig;
    use std::net::TcpListener;
    use std::thread;

    fn server_config() -> AssociationConfig {
        {
            let mut config = AssociationConfig::default();
            config.local = Address::default_remote();
            config.remote = Address::default_local();
            config
        }
    }

    fn listen() -> (TcpListener, u16) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        (listener, port)
    }

    #[test]
    fn two_drivers_associate_exchange_and_release_over_tcp() {
        let (listener, port) = listen();
        let deadline = Instant::now() + Duration::from_secs(10);
        let server = thread::spawn(move || {
            let (stream, _) = listener.accept().expect("accept");
            let assoc = Association::accept_incoming(server_config(), None);
            // the one-call form
            let run = run_until(stream, assoc, Side::Server, deadline, |ev, c| match ev {
                Event::AssociateIndication(_) => c.accept(INITIATE_RESPONSE),
                Event::Data { data, .. } => c.send_data(data),
                Event::ReleaseIndication { .. } => c.respond_release(),
                _ => {}
            })
            .expect("server driver");
            assert!(run.assoc.is_closed());
            // handshake + 4 chunks written + >= 4 read, each with its ACK, + FIN exchange
            assert!(run.capture.frame_count() >= 3 + 2 * 8 + 3);
            (run.outcome.expect("server run"), run.seen)
        });
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        let assoc = Association::connect(AssociationConfig::default(), INITIATE_REQUEST, None);
        let mut d = Driver::new(stream, assoc, Side::Client).expect("driver");
        let mut echoed = 0;
        let outcome = d
            .run_until(deadline, |ev, c| match ev {
                Event::Associated(_) => {
                    c.send_data(b"\xa0\x05\x02\x01\x01\x82\x00");
                    c.send_data(b"\xa0\x05\x02\x01\x02\x82\x00");
                }
                Event::Data { .. } => {
                    echoed += 1;
                    if echoed == 2 {
                        c.release();
                    }
                }
                _ => {}
            })
            .expect("client run");
        assert_eq!(outcome, Outcome::Closed);
        assert_eq!(
            d.seen(),
            [
                Seen::Associated(Some(INITIATE_RESPONSE.to_vec())),
                Seen::Data(3, b"\xa0\x05\x02\x01\x01\x82\x00".to_vec()),
                Seen::Data(3, b"\xa0\x05\x02\x01\x02\x82\x00".to_vec()),
                Seen::Released,
            ]
        );
        let (s_outcome, s_seen) = server.join().expect("server thread");
        assert_eq!(s_outcome, Outcome::Closed);
        assert_eq!(s_seen.len(), 4, "{s_seen:?}");
        assert_eq!(
            s_seen[0],
            Seen::AssociateIndication(Some(INITIATE_REQUEST.to_vec()))
        );
        assert_eq!(s_seen[3], Seen::ReleaseIndication);
        // what we wrote: CR, CN, 2 DT, FN; what we read: CC, AC, 2 DT, DN
        let (written, read) = d.byte_counts();
        assert!(written > 22 + INITIATE_REQUEST.len() && read > 22 + INITIATE_RESPONSE.len());
        // handshake (3) + one data segment and its ACK per chunk: at least CR, CN, 2 DT, FN
        let (_, capture) = d.close();
        assert!(
            capture.frame_count() >= 3 + 2 * 5 + 3,
            "{}",
            capture.frame_count()
        );
    }

    #[test]
    fn silent_peer_times_out_at_the_deadline() {
        let (listener, port) = listen();
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        let (_held, _) = listener.accept().expect("accept");
        let assoc = Association::connect(AssociationConfig::default(), INITIATE_REQUEST, None);
        let mut d = Driver::new(stream, assoc, Side::Client).expect("driver");
        let start = Instant::now();
        let r = d.run_until(start + Duration::from_millis(300), |_, _| {});
        assert!(
            matches!(
                r,
                Err(DriverError::Timeout {
                    state: acse::association::State::TransportConnecting
                })
            ),
            "{r:?}"
        );
        let took = start.elapsed();
        assert!(
            took >= Duration::from_millis(300) && took < Duration::from_secs(2),
            "{took:?}"
        );
        // the CR was written and recorded
        assert_eq!(d.byte_counts().0, 22);
        assert_eq!(d.capture().frame_count(), 3 + 2);
    }

    #[test]
    fn peer_closing_the_socket_is_reported() {
        let (listener, port) = listen();
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        let (held, _) = listener.accept().expect("accept");
        drop(held);
        let assoc = Association::connect(AssociationConfig::default(), INITIATE_REQUEST, None);
        let mut d = Driver::new(stream, assoc, Side::Client).expect("driver");
        let r = d.run_until(Instant::now() + Duration::from_secs(5), |_, _| {});
        assert!(matches!(r, Ok(Outcome::PeerClosed)), "{r:?}");
        assert!(d.peer_closed());
        assert!(d.seen().is_empty());
    }

    #[test]
    fn garbage_from_the_peer_is_an_association_error() {
        let (listener, port) = listen();
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        let (mut held, _) = listener.accept().expect("accept");
        // a TPKT with version 9: not RFC 1006
        held.write_all(&[9, 0, 0, 7, 2, 0xf0, 0x80]).expect("write");
        let assoc = Association::connect(AssociationConfig::default(), INITIATE_REQUEST, None);
        let mut d = Driver::new(stream, assoc, Side::Client).expect("driver");
        let r = d.run_until(Instant::now() + Duration::from_secs(5), |_, _| {});
        assert!(
            matches!(
                r,
                Err(DriverError::Association(AssociationError::Transport(_)))
            ),
            "{r:?}"
        );
        assert!(d.association().is_closed());
    }
}
