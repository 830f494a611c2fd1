//! A blocking driver for the sans-IO [`cot::xmpp::XmppStream`]: one `std::net::TcpStream`
//! with a short read timeout, the machine's output written, its input fed, its timers run, its
//! events collected. For tests; several clients are driven in turn from one thread.

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::time::{Duration, Instant};

use cot::xmpp::{XmppConfig, XmppEvent, XmppStream};

/// How long one read waits for data before the driver moves on.
const POLL: Duration = Duration::from_millis(10);

/// A client stream on a TCP connection to 127.0.0.1.
#[derive(Debug)]
pub struct Driven {
    /// The machine.
    pub stream: XmppStream,
    tcp: Option<TcpStream>,
    /// Every event seen so far, in order.
    pub events: Vec<XmppEvent>,
}

impl Driven {
    /// Connects to `127.0.0.1:port` and starts a stream for `config`.
    pub fn connect(port: u16, config: XmppConfig) -> std::io::Result<Driven> {
        let tcp = TcpStream::connect((Ipv4Addr::LOCALHOST, port))?;
        tcp.set_read_timeout(Some(POLL))?;
        tcp.set_nodelay(true)?;
        Ok(Driven {
            stream: XmppStream::new(config, Instant::now()),
            tcp: Some(tcp),
            events: Vec::new(),
        })
    }

    /// One turn: write pending output, read what is there (at most one short wait), run due
    /// timers; returns the new events (also appended to [`Driven::events`]).
    pub fn turn(&mut self) -> Vec<XmppEvent> {
        if let Some(tcp) = &mut self.tcp {
            let out = self.stream.transmit().to_vec();
            if !out.is_empty() {
                match tcp.write_all(&out) {
                    Ok(()) => self.stream.advance_transmit(out.len()),
                    Err(_) => self.stream.connection_lost(),
                }
            }
            let mut buf = [0u8; 16 * 1024];
            match tcp.read(&mut buf) {
                Ok(0) => {
                    self.stream.handle_eof();
                    self.tcp = None;
                }
                Ok(n) => self.stream.feed(buf.get(..n).unwrap_or_default()),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(_) => {
                    self.stream.connection_lost();
                    self.tcp = None;
                }
            }
        }
        let now = Instant::now();
        if self.stream.poll_timeout().is_some_and(|t| t <= now) {
            self.stream.handle_timeout(now);
        }
        // flush what the input or the timers produced (a closing stream's last words)
        if let Some(tcp) = &mut self.tcp {
            let out = self.stream.transmit().to_vec();
            if !out.is_empty() && tcp.write_all(&out).is_ok() {
                self.stream.advance_transmit(out.len());
            }
        }
        let mut new = Vec::new();
        while let Some(e) = self.stream.poll_event() {
            new.push(e);
        }
        if self.stream.is_closed() {
            if let Some(tcp) = self.tcp.take() {
                let _ = tcp.shutdown(std::net::Shutdown::Both);
            }
        }
        self.events.extend(new.iter().cloned());
        new
    }

    /// Turns until an event satisfies `want` (returned) or `timeout` passes (`None`).
    pub fn until(
        &mut self,
        timeout: Duration,
        mut want: impl FnMut(&XmppEvent) -> bool,
    ) -> Option<XmppEvent> {
        let end = Instant::now() + timeout;
        while Instant::now() < end {
            for e in self.turn() {
                if want(&e) {
                    return Some(e);
                }
            }
            if self.stream.is_closed() && self.tcp.is_none() {
                // nothing more can come; a Closed event was already offered to `want`
                return None;
            }
        }
        None
    }

    /// Turns for `d` (keeps the connection serviced while another client works).
    pub fn run_for(&mut self, d: Duration) {
        let end = Instant::now() + d;
        while Instant::now() < end {
            self.turn();
        }
    }
}

/// Turns every client in order until `done` says so or `timeout` passes; returns whether it
/// did.
pub fn turn_all(
    clients: &mut [&mut Driven],
    timeout: Duration,
    mut done: impl FnMut(&[&mut Driven]) -> bool,
) -> bool {
    let end = Instant::now() + timeout;
    while Instant::now() < end {
        for c in clients.iter_mut() {
            c.turn();
        }
        if done(clients) {
            return true;
        }
    }
    false
}
