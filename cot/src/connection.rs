//! ISO 8073 class 0 connection over an RFC 1006 byte stream, sans-IO.
//!
//! Bytes in: [`Connection::recv_buffer`] + [`Connection::recv_commit`] (read straight
//! into the bounded receive buffer) or [`Connection::feed`]; events out:
//! [`Connection::poll_event`]. Bytes out: [`Connection::transmit`] +
//! [`Connection::advance_transmit`].
//!
//! Procedures and the choices made where ISO 8073 leaves room (see also
//! `docs/robustness.md`):
//! - **Size negotiation** (§6.5, §13.3.4 b, §13.4). Responder: proposed size =
//!   0xF0 × 128 if present (takes precedence), else the 0xC0 size, else 128;
//!   agreed = min(proposed, ours). The CC answers in the parameter the CR used
//!   (0xF0 if the CR had it, else 0xC0 rounded down to a size code). Initiator:
//!   the CR carries 0xC0 only; the CC's size (0xF0 first, then 0xC0, absent = 128
//!   as ISO 8073 says, unlike hat-drivers which keeps the CR's value) must be ≤ the
//!   proposal, else ER "invalid parameter value" and close.
//! - **Receiving DTs larger than agreed**: accepted up to the TPKT maximum
//!   (`max_packet_len`); field peers ignore the negotiated size (field notes 4.1.1).
//!   We always send within the agreed size.
//! - **Class** (§6.5, X.224 table 3): class 0 answers a CR whose preferred class
//!   is 0 or 1 or whose 0xC7 lists class 0; otherwise DR 128+2 "negotiation failed".
//! - **TSAP check**: with [`TsapCheck::RequireConfigured`] a CR whose called TSAP
//!   differs from `local_tsel` is refused with DR reason 3 "address unknown".
//!   The calling TSAP is reported (ConnectInfo) for the upper layer to judge.
//! - **Protocol errors** (§6.22): an invalid TPDU or one not valid in the state
//!   is answered by ER (reject cause from [`crate::CotpError::reject_cause`];
//!   "invalid TPDU type" for a known TPDU in the wrong state) and the connection
//!   is closed (class 0 releases by closing the network connection). A malformed
//!   CR is answered by DR (128+10 for length errors, else 128+5). A received ER
//!   gives [`Event::PeerError`], a received DR [`Event::Disconnected`]; both close.
//! - **Reassembly**: a TSDU above `max_tsdu_size` closes the connection without
//!   ER (the TPDUs are valid; this is a local limit). A non-EOT DT without data
//!   adds nothing; an EOT DT ending an empty TSDU yields `Event::Data(&[])`.
//! - A CC whose DST-REF differs from our SRC-REF is accepted (logged): class 0
//!   references have no further use and field peers vary.

pub use crate::error::{CotError, Response};
use crate::tpdu::{
    self, reason, reject_cause, ConnectionTpdu, CotpError, DisconnectTpdu, ErrorTpdu, Tpdu,
    TpduSize, DT_HEADER_LEN, EOT,
};
use crate::tpkt::{self, HEADER_LEN, MAX_PAYLOAD_LEN};

/// Room in the receive buffer beyond one maximal TPKT packet, so that a read
/// can always make progress while a packet is being assembled.
pub const RECV_HEADROOM: usize = 4096;
/// The receive buffer's first size, and the least room a read is offered. The buffer is
/// allocated on the first read, grows (doubling) only while a larger frame is assembled, up to
/// `max_packet_len` + [`RECV_HEADROOM`], and is given back by [`Connection::recv_release`]
/// once everything received was consumed: an idle connection holds no receive memory.
pub const RECV_CHUNK: usize = 4096;
/// TSELs longer than this are truncated when encoding a CR/CC (keeps LI ≤ 254).
pub const MAX_TSEL_LEN: usize = 64;

/// How a responder checks the called TSAP of an incoming CR (ISO 8073 §13.3.4 a).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TsapCheck {
    /// Accept any called TSAP (libiec61850 / hat-drivers behaviour).
    #[default]
    AcceptAny,
    /// Refuse with DR reason 3 "address unknown" unless called TSAP == `local_tsel`.
    RequireConfigured,
}

/// Configuration of one transport connection (ISO 8073 class 0 over RFC 1006).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Largest TPDU size we propose (initiator) or accept (responder), in octets;
    /// clamped to 128..=65531. Default 2048 (the class 0 maximum of ISO 8073).
    pub max_tpdu_size: usize,
    /// Reassembly limit for one TSDU, in octets. Default 262144.
    pub max_tsdu_size: usize,
    /// Largest TPKT packet accepted (RFC 1006 §6), clamped to 7..=65535. Default 65535.
    pub max_packet_len: usize,
    /// Our TSEL: calling TSAP in a CR; the expected called TSAP as responder. Default `00 01`.
    pub local_tsel: Vec<u8>,
    /// Peer TSEL: called TSAP in a CR (initiator). Default `00 01`.
    pub remote_tsel: Vec<u8>,
    /// Responder's check of the called TSAP.
    pub tsap_check: TsapCheck,
    /// Our SRC-REF (ISO 8073 §13.3.3). Default 1.
    pub src_ref: u16,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_tpdu_size: 2048,
            max_tsdu_size: 262_144,
            max_packet_len: tpkt::MAX_PACKET_LEN,
            local_tsel: vec![0x00, 0x01],
            remote_tsel: vec![0x00, 0x01],
            tsap_check: TsapCheck::AcceptAny,
            src_ref: 1,
        }
    }
}

/// Connection state (ISO 8073 annex A, class 0 subset).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Responder waiting for a CR.
    AwaitingCr,
    /// Initiator: CR queued, waiting for CC.
    AwaitingCc,
    /// Data transfer.
    Open,
    /// Closed: refused, disconnected, or after a protocol error.
    Closed,
}

/// What was agreed at connection establishment (T-CONNECT indication/confirm).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectInfo {
    /// Negotiated maximum TPDU size in octets.
    pub tpdu_size: usize,
    /// Calling TSAP (0xC1) as received.
    pub calling_tsel: Option<Vec<u8>>,
    /// Called / responding TSAP (0xC2) as received.
    pub called_tsel: Option<Vec<u8>>,
    /// The peer's reference (SRC-REF of its CR/CC).
    pub peer_ref: u16,
}

/// An event from [`Connection::poll_event`].
#[derive(Debug, Clone, PartialEq, Eq)]
// Exhaustive on purpose: the layer above acts on every event; a new one is a breaking change
// the compiler points at.
pub enum Event<'a> {
    /// Connection established (responder: CR accepted and CC queued; initiator: CC received).
    Connected(ConnectInfo),
    /// One complete TSDU (T-DATA indication). Valid until the next `&mut` call.
    Data(&'a [u8]),
    /// The peer sent DR (refusal, or disconnect); the connection is closed.
    Disconnected {
        /// DR reason code (see [`crate::tpdu::reason`]).
        reason: u8,
    },
    /// The peer sent ER; the connection is closed (§6.22, class 0).
    PeerError {
        /// ER reject cause (see [`crate::tpdu::reject_cause`]).
        cause: u8,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Initiator,
    Responder,
}

/// What `Core::handle` asks `poll_event` to return.
enum Step {
    Continue,
    Connected(ConnectInfo),
    DataInPlace,
    DataReassembled,
    Disconnected(u8),
    PeerError(u8),
}

/// Everything except the receive buffer, so a TPDU borrowed from the receive
/// buffer can be handled while the rest is mutated.
#[derive(Debug)]
struct Core {
    role: Role,
    state: State,
    config: Config,
    our_max: usize,
    proposed: usize,
    tpdu_size: usize,
    peer_ref: u16,
    peer_tsel: Option<Vec<u8>>,
    called_tsel: Option<Vec<u8>>,
    tx: Vec<u8>,
    tx_start: usize,
    /// Responder: the CC sits at the start of `tx` and nothing was transmitted yet.
    cc_unsent: bool,
    reasm: Vec<u8>,
    reasm_clear: bool,
}

/// Where the TSDU of the last [`Event::Data`] lives (for [`Connection::last_data`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LastData {
    None,
    Rx(usize, usize),
    Reassembled,
}

/// An ISO 8073 class 0 transport connection over RFC 1006, sans-IO.
#[derive(Debug)]
pub struct Connection {
    core: Core,
    rx: Vec<u8>,
    rx_start: usize,
    rx_end: usize,
    last: LastData,
    /// TPKT packets taken from the receive buffer so far (for [`Connection::receive_progress`]).
    frames_taken: u64,
}

fn tsel(v: &[u8]) -> &[u8] {
    v.get(..MAX_TSEL_LEN).unwrap_or(v)
}

impl Connection {
    fn new(mut config: Config, role: Role, state: State) -> Self {
        config.max_packet_len = config
            .max_packet_len
            .clamp(tpkt::MIN_PACKET_LEN, tpkt::MAX_PACKET_LEN);
        let payload_max = config.max_packet_len - HEADER_LEN;
        let our_max = config
            .max_tpdu_size
            .clamp(TpduSize::DEFAULT.size(), MAX_PAYLOAD_LEN);
        // Allocated lazily, sized to what arrives (see RECV_CHUNK).
        let rx = Vec::new();
        log::debug!("COTP {role:?}: max TPDU {our_max}, max TPKT payload {payload_max}");
        Connection {
            core: Core {
                role,
                state,
                config,
                our_max,
                proposed: TpduSize::DEFAULT.size(),
                tpdu_size: TpduSize::DEFAULT.size(),
                peer_ref: 0,
                peer_tsel: None,
                called_tsel: None,
                tx: Vec::new(),
                tx_start: 0,
                cc_unsent: false,
                reasm: Vec::new(),
                reasm_clear: false,
            },
            rx,
            rx_start: 0,
            rx_end: 0,
            last: LastData::None,
            frames_taken: 0,
        }
    }

    /// Initiator (ISO 8073 §6.5): queues a CR (class 0, TPDU size 0xC0 for
    /// `max_tpdu_size`, called TSAP 0xC2 = `remote_tsel`, calling TSAP 0xC1 =
    /// `local_tsel`) and waits for CC.
    pub fn connect(config: Config) -> Self {
        let mut c = Connection::new(config, Role::Initiator, State::AwaitingCc);
        let core = &mut c.core;
        // Limited by what one TPKT of our configured maximum can carry.
        let size = TpduSize::floor(core.our_max.min(core.config.max_packet_len - HEADER_LEN));
        core.proposed = size.size();
        let cr = Tpdu::ConnectionRequest(ConnectionTpdu {
            dst_ref: 0,
            src_ref: core.config.src_ref,
            tpdu_size: Some(size),
            called_tsap: Some(tsel(&core.config.remote_tsel)),
            calling_tsap: Some(tsel(&core.config.local_tsel)),
            ..ConnectionTpdu::default()
        });
        cr.encode_tpkt(&mut core.tx);
        core.called_tsel = Some(core.config.remote_tsel.clone());
        core.peer_tsel = Some(core.config.remote_tsel.clone());
        c
    }

    /// Responder (ISO 8073 §6.5): waits for a CR; on a valid one queues the CC and
    /// reports [`Event::Connected`] (use [`Connection::refuse`] to send DR instead).
    pub fn accept(config: Config) -> Self {
        Connection::new(config, Role::Responder, State::AwaitingCr)
    }

    /// Spare room to `read()` into (zero-copy read path). Non-empty while the
    /// connection is not closed, provided [`Connection::poll_event`] was called
    /// until it returned `Ok(None)` since the last commit.
    ///
    /// The buffer is allocated on demand ([`RECV_CHUNK`] octets first) and doubles while a
    /// frame larger than it is assembled, up to `max_packet_len` + [`RECV_HEADROOM`].
    pub fn recv_buffer(&mut self) -> &mut [u8] {
        self.last = LastData::None;
        self.make_room(RECV_CHUNK / 2);
        self.rx.get_mut(self.rx_end..).unwrap_or_default()
    }

    /// The stream has nothing more to read for now: when everything received was consumed,
    /// the receive buffer (and an idle transmit buffer and reassembly buffer) is freed, so an
    /// idle connection holds no buffer memory. [`Connection::recv_buffer`] allocates again.
    /// Like `recv_buffer`, it ends the validity of [`Connection::last_data`].
    pub fn recv_release(&mut self) {
        self.last = LastData::None;
        if self.rx_start == self.rx_end {
            self.rx = Vec::new();
            self.rx_start = 0;
            self.rx_end = 0;
        }
        let core = &mut self.core;
        if core.reasm_clear {
            core.reasm.clear();
            core.reasm_clear = false;
        }
        if core.reasm.is_empty() && core.reasm.capacity() > 0 {
            core.reasm = Vec::new();
        }
        if core.tx_start == core.tx.len() && core.tx.capacity() > 0 {
            core.tx = Vec::new();
            core.tx_start = 0;
        }
    }

    /// Octets of the receive buffer allocated now (0 when idle; for memory accounting).
    pub fn recv_capacity(&self) -> usize {
        self.rx.len()
    }

    /// How far reception got, for a deadline on frame completion: the number of TPKT packets
    /// received in full so far (taken or still buffered), and whether octets of a further,
    /// incomplete packet are buffered. A packet whose header is malformed counts as complete
    /// (the next [`Connection::poll_event`] fails on it).
    pub fn receive_progress(&self) -> (u64, bool) {
        let mut n = self.frames_taken;
        let mut pos = self.rx_start;
        loop {
            let avail = self.rx.get(pos..self.rx_end).unwrap_or_default();
            if avail.is_empty() {
                return (n, false);
            }
            match tpkt::frame_len(avail, self.core.config.max_packet_len) {
                Ok(Some(len)) if len <= avail.len() => {
                    pos += len.max(1);
                    n += 1;
                }
                Ok(_) => return (n, true),
                Err(_) => return (n + 1, false),
            }
        }
    }

    /// `n` octets were written at the start of [`Connection::recv_buffer`].
    pub fn recv_commit(&mut self, n: usize) {
        self.last = LastData::None;
        self.rx_end = self.rx_end.saturating_add(n).min(self.rx.len());
    }

    /// Copies `data` into the receive buffer (convenience path). Errors with
    /// `ReceiveBufferFull` (not fatal, nothing consumed) if it does not fit, and
    /// `Closed` once the connection is closed.
    pub fn feed(&mut self, data: &[u8]) -> Result<(), CotError> {
        if self.core.state == State::Closed {
            return Err(CotError::Closed);
        }
        self.last = LastData::None;
        self.make_room(data.len());
        let room = self.rx.get_mut(self.rx_end..).unwrap_or_default();
        let room_len = room.len();
        match room.get_mut(..data.len()) {
            Some(dst) => {
                dst.copy_from_slice(data);
                self.recv_commit(data.len());
                Ok(())
            }
            None => Err(CotError::ReceiveBufferFull {
                offered: data.len(),
                room: room_len,
            }),
        }
    }

    /// Moves unconsumed octets to the front when room runs short, and grows the buffer (at
    /// least doubling, at most to `max_packet_len` + [`RECV_HEADROOM`]) until `want` octets of
    /// room are free, as far as that bound allows.
    fn make_room(&mut self, want: usize) {
        if self.rx_start == self.rx_end {
            self.rx_start = 0;
            self.rx_end = 0;
        } else if self.rx_start > 0 && self.rx.len() - self.rx_end < want {
            self.rx.copy_within(self.rx_start..self.rx_end, 0);
            self.rx_end -= self.rx_start;
            self.rx_start = 0;
        }
        let cap = self.core.config.max_packet_len + RECV_HEADROOM;
        if self.rx.len() - self.rx_end < want && self.rx.len() < cap {
            let grown = (self.rx.len() * 2)
                .max(RECV_CHUNK)
                .max(self.rx_end.saturating_add(want))
                .min(cap);
            self.rx.resize(grown, 0);
        }
    }

    /// Processes complete TPKT packets from the receive buffer and returns the
    /// next event, or `Ok(None)` when more bytes are needed (or the connection is
    /// closed). An `Err` closes the connection; see [`CotError::response_queued`].
    pub fn poll_event(&mut self) -> Result<Option<Event<'_>>, CotError> {
        self.last = LastData::None;
        loop {
            if self.core.reasm_clear {
                self.core.reasm.clear();
                self.core.reasm_clear = false;
            }
            if self.core.state == State::Closed {
                return Ok(None);
            }
            let avail = self.rx.get(self.rx_start..self.rx_end).unwrap_or_default();
            let total = match tpkt::frame_len(avail, self.core.config.max_packet_len) {
                Err(e) => {
                    log::warn!("COTP: closing on TPKT error: {e}");
                    self.core.state = State::Closed;
                    self.rx_start = 0;
                    self.rx_end = 0;
                    return Err(CotError::Framing(e));
                }
                Ok(Some(n)) if n <= avail.len() => n,
                Ok(_) => return Ok(None),
            };
            let start = self.rx_start + HEADER_LEN;
            let end = self.rx_start + total;
            self.rx_start = end;
            self.frames_taken += 1;
            let payload = self.rx.get(start..end).unwrap_or_default();
            match self.core.handle(payload)? {
                Step::Continue => continue,
                Step::Connected(info) => return Ok(Some(Event::Connected(info))),
                Step::Disconnected(reason) => return Ok(Some(Event::Disconnected { reason })),
                Step::PeerError(cause) => return Ok(Some(Event::PeerError { cause })),
                Step::DataInPlace => {
                    self.last = LastData::Rx(start + DT_HEADER_LEN, end);
                    return Ok(Some(Event::Data(self.last_data())));
                }
                Step::DataReassembled => {
                    self.last = LastData::Reassembled;
                    return Ok(Some(Event::Data(&self.core.reasm)));
                }
            }
        }
    }

    /// The TSDU of the last [`Event::Data`] returned by [`Connection::poll_event`],
    /// so a caller can read it again without holding the event's borrow. Empty
    /// once `poll_event`, `feed`, `recv_buffer` or `recv_commit` is called again
    /// ([`Connection::send_data`] and the transmit methods keep it valid).
    pub fn last_data(&self) -> &[u8] {
        match self.last {
            LastData::None => &[],
            LastData::Rx(a, b) => self.rx.get(a..b).unwrap_or_default(),
            LastData::Reassembled => &self.core.reasm,
        }
    }

    /// T-DATA request: sends one TSDU, the concatenation of `parts`, as DT TPDUs
    /// of at most the negotiated TPDU size (ISO 8073 §6.9 segmenting), EOT on the
    /// last. Each payload octet is copied once, into the transmit buffer.
    pub fn send_data(&mut self, parts: &[&[u8]]) -> Result<(), CotError> {
        let core = &mut self.core;
        if core.state != State::Open {
            return Err(CotError::NotConnected { state: core.state });
        }
        let total = parts.iter().fold(0usize, |a, p| a.saturating_add(p.len()));
        if total == 0 {
            return Err(CotError::EmptyTsdu);
        }
        let max_data = core.tpdu_size.saturating_sub(DT_HEADER_LEN).max(1);
        let segments = total.div_ceil(max_data);
        core.tx
            .reserve(total.saturating_add(segments.saturating_mul(HEADER_LEN + DT_HEADER_LEN)));
        let mut remaining = total;
        let mut room = 0usize;
        for part in parts {
            let mut part: &[u8] = part;
            while !part.is_empty() {
                if room == 0 {
                    room = remaining.min(max_data);
                    remaining -= room;
                    tpkt::write_header(&mut core.tx, DT_HEADER_LEN + room);
                    let eot = if remaining == 0 { EOT } else { 0 };
                    core.tx.extend_from_slice(&[2, tpdu::CODE_DT, eot]);
                }
                let take = room.min(part.len());
                let (chunk, rest) = part.split_at(take);
                core.tx.extend_from_slice(chunk);
                part = rest;
                room -= take;
            }
        }
        Ok(())
    }

    /// Octets waiting to be written to the network.
    pub fn transmit(&self) -> &[u8] {
        self.core.tx.get(self.core.tx_start..).unwrap_or_default()
    }

    /// `n` octets of [`Connection::transmit`] were written.
    pub fn advance_transmit(&mut self, n: usize) {
        let core = &mut self.core;
        if n > 0 {
            core.cc_unsent = false;
        }
        core.tx_start = core.tx_start.saturating_add(n).min(core.tx.len());
        if core.tx_start == core.tx.len() {
            core.tx.clear();
            core.tx_start = 0;
        }
    }

    /// Responder: refuse the connection with a DR TPDU carrying `reason`
    /// (ISO 8073 §13.5.3; e.g. [`crate::tpdu::reason::ADDRESS_UNKNOWN`]). Effective
    /// after [`Event::Connected`] as long as no octet of the CC was transmitted:
    /// the CC (and anything after it) is replaced by the DR. Otherwise, and for an
    /// initiator, the connection is just closed (class 0 has no DR after CC).
    pub fn refuse(&mut self, reason: u8) {
        let core = &mut self.core;
        if core.role == Role::Responder && core.cc_unsent && core.tx_start == 0 {
            core.tx.clear();
            Tpdu::DisconnectRequest(DisconnectTpdu {
                dst_ref: core.peer_ref,
                src_ref: 0,
                reason,
                ..DisconnectTpdu::default()
            })
            .encode_tpkt(&mut core.tx);
            core.cc_unsent = false;
        } else {
            log::debug!("COTP: refuse({reason}) too late or not responder; closing");
        }
        core.state = State::Closed;
    }

    /// Current state.
    pub fn state(&self) -> State {
        self.core.state
    }

    /// Negotiated maximum TPDU size in octets (128 before negotiation).
    pub fn tpdu_size(&self) -> usize {
        self.core.tpdu_size
    }

    /// The peer's TSEL (ISO 8073 §13.3.4 a): the CR's calling TSAP (responder), or
    /// the CC's responding TSAP, else the configured `remote_tsel` (initiator).
    /// Empty when absent or not yet known.
    pub fn peer_tsel(&self) -> &[u8] {
        self.core.peer_tsel.as_deref().unwrap_or_default()
    }

    /// The called TSEL (ISO 8073 §13.3.4 a): the CR's called TSAP (responder) or
    /// `remote_tsel` (initiator). Empty when absent or not yet known.
    pub fn called_tsel(&self) -> &[u8] {
        self.core.called_tsel.as_deref().unwrap_or_default()
    }
}

/// The header octets of a rejected TPDU for the ER's 0xC1 parameter (§13.12.3):
/// up to the octet that caused the rejection (the code octet for an unknown
/// type), else the whole header, at most 248 octets so the ER's LI stays ≤ 254.
fn rejected_header<'a>(payload: &'a [u8], error: Option<&CotpError>) -> &'a [u8] {
    let want = match error {
        Some(CotpError::UnknownTpduType { .. }) => 2,
        _ => payload.first().map_or(0, |li| usize::from(*li) + 1),
    };
    let n = want.min(payload.len()).min(248);
    payload.get(..n).unwrap_or_default()
}

impl Core {
    fn close(&mut self) {
        self.state = State::Closed;
        self.reasm.clear();
    }

    fn queue_er(&mut self, cause: u8, rejected: &[u8]) -> Option<Response> {
        Tpdu::Error(ErrorTpdu {
            dst_ref: self.peer_ref,
            reject_cause: cause,
            invalid_tpdu: Some(rejected),
        })
        .encode_tpkt(&mut self.tx);
        self.close();
        Some(Response::ErrorTpdu {
            reject_cause: cause,
        })
    }

    fn queue_dr(&mut self, dst_ref: u16, reason: u8) -> Option<Response> {
        Tpdu::DisconnectRequest(DisconnectTpdu {
            dst_ref,
            src_ref: 0,
            reason,
            ..DisconnectTpdu::default()
        })
        .encode_tpkt(&mut self.tx);
        self.close();
        Some(Response::DisconnectRequest { reason })
    }

    fn handle(&mut self, payload: &[u8]) -> Result<Step, CotError> {
        let code = payload.get(1).copied().unwrap_or_default();
        let tpdu = match tpdu::parse(payload) {
            Ok(t) => t,
            Err(error) => {
                log::warn!("COTP: invalid TPDU in {:?}: {error}", self.state);
                let response = if self.state == State::AwaitingCr && code & 0xF0 == tpdu::CODE_CR {
                    let dst = match payload.get(4..6) {
                        Some([a, b]) => u16::from_be_bytes([*a, *b]),
                        _ => 0,
                    };
                    self.queue_dr(dst, error.disconnect_reason())
                } else {
                    self.queue_er(error.reject_cause(), rejected_header(payload, Some(&error)))
                };
                return Err(CotError::InvalidTpdu { error, response });
            }
        };
        match (self.state, tpdu) {
            (State::Open, Tpdu::Data(dt)) => self.on_data(dt.eot, dt.user_data),
            (State::AwaitingCr, Tpdu::ConnectionRequest(cr)) => self.on_cr(&cr),
            (State::AwaitingCc, Tpdu::ConnectionConfirm(cc)) => self.on_cc(&cc, payload),
            (_, Tpdu::DisconnectRequest(dr)) => {
                log::debug!("COTP: DR received, reason {}", dr.reason);
                self.close();
                Ok(Step::Disconnected(dr.reason))
            }
            (_, Tpdu::Error(er)) => {
                log::warn!("COTP: ER received, reject cause {}", er.reject_cause);
                self.close();
                Ok(Step::PeerError(er.reject_cause))
            }
            (state, _) => {
                log::warn!("COTP: TPDU {code:#04x} not valid in {state:?}");
                let response = self.queue_er(
                    reject_cause::INVALID_TPDU_TYPE,
                    rejected_header(payload, None),
                );
                Err(CotError::UnexpectedTpdu {
                    code,
                    state,
                    response,
                })
            }
        }
    }

    fn on_data(&mut self, eot: bool, data: &[u8]) -> Result<Step, CotError> {
        if self.reasm.is_empty() && eot {
            if data.len() > self.config.max_tsdu_size {
                self.close();
                return Err(CotError::TsduTooLarge {
                    limit: self.config.max_tsdu_size,
                });
            }
            return Ok(Step::DataInPlace);
        }
        if self.reasm.len().saturating_add(data.len()) > self.config.max_tsdu_size {
            log::warn!("COTP: TSDU exceeds {} octets", self.config.max_tsdu_size);
            self.close();
            return Err(CotError::TsduTooLarge {
                limit: self.config.max_tsdu_size,
            });
        }
        self.reasm.extend_from_slice(data);
        if eot {
            self.reasm_clear = true;
            Ok(Step::DataReassembled)
        } else {
            Ok(Step::Continue)
        }
    }

    fn on_cr(&mut self, cr: &ConnectionTpdu<'_>) -> Result<Step, CotError> {
        self.peer_ref = cr.src_ref;
        if !cr.allows_class_0() {
            let response = self.queue_dr(cr.src_ref, reason::NEGOTIATION_FAILED);
            return Err(CotError::ClassNotSupported {
                class: cr.class,
                response,
            });
        }
        if self.config.tsap_check == TsapCheck::RequireConfigured
            && cr.called_tsap != Some(self.config.local_tsel.as_slice())
        {
            let response = self.queue_dr(cr.src_ref, reason::ADDRESS_UNKNOWN);
            return Err(CotError::TsapMismatch {
                called: cr.called_tsap.map(<[u8]>::to_vec),
                response,
            });
        }
        let limit = self.our_max.min(self.config.max_packet_len - HEADER_LEN);
        let agreed = cr.proposed_tpdu_size().min(limit);
        let (size_param, units) = if cr.preferred_max_tpdu_size.is_some() {
            let units = (agreed / 128).max(1);
            self.tpdu_size = units * 128;
            (None, u32::try_from(units).ok())
        } else {
            let s = TpduSize::floor(agreed);
            self.tpdu_size = s.size();
            (Some(s), None)
        };
        self.peer_tsel = cr.calling_tsap.map(<[u8]>::to_vec);
        self.called_tsel = cr.called_tsap.map(<[u8]>::to_vec);
        let cc = Tpdu::ConnectionConfirm(ConnectionTpdu {
            dst_ref: cr.src_ref,
            src_ref: self.config.src_ref,
            tpdu_size: size_param,
            preferred_max_tpdu_size: units,
            called_tsap: cr.called_tsap.map(tsel),
            calling_tsap: cr.calling_tsap.map(tsel),
            ..ConnectionTpdu::default()
        });
        self.cc_unsent = self.tx.is_empty();
        cc.encode_tpkt(&mut self.tx);
        self.state = State::Open;
        log::debug!("COTP: CR accepted, TPDU size {}", self.tpdu_size);
        Ok(Step::Connected(ConnectInfo {
            tpdu_size: self.tpdu_size,
            calling_tsel: self.peer_tsel.clone(),
            called_tsel: self.called_tsel.clone(),
            peer_ref: cr.src_ref,
        }))
    }

    fn on_cc(&mut self, cc: &ConnectionTpdu<'_>, payload: &[u8]) -> Result<Step, CotError> {
        self.peer_ref = cc.src_ref;
        if cc.dst_ref != self.config.src_ref {
            log::debug!(
                "COTP: CC DST-REF {:#06x} != our SRC-REF {:#06x}; accepted",
                cc.dst_ref,
                self.config.src_ref
            );
        }
        if cc.class != 0 {
            let response = self.queue_er(
                reject_cause::INVALID_PARAMETER_VALUE,
                rejected_header(payload, None),
            );
            return Err(CotError::ClassNotSupported {
                class: cc.class,
                response,
            });
        }
        let selected = cc.proposed_tpdu_size();
        if selected > self.proposed {
            let response = self.queue_er(
                reject_cause::INVALID_PARAMETER_VALUE,
                rejected_header(payload, None),
            );
            return Err(CotError::TpduSizeNotAccepted {
                selected,
                proposed: self.proposed,
                response,
            });
        }
        self.tpdu_size = selected;
        if let Some(t) = cc.called_tsap {
            self.peer_tsel = Some(t.to_vec());
        }
        self.state = State::Open;
        log::debug!("COTP: CC received, TPDU size {}", self.tpdu_size);
        Ok(Step::Connected(ConnectInfo {
            tpdu_size: self.tpdu_size,
            calling_tsel: cc.calling_tsap.map(<[u8]>::to_vec),
            called_tsel: cc.called_tsap.map(<[u8]>::to_vec),
            peer_ref: cc.src_ref,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tpdu::{reason, reject_cause, DataTpdu};
    use proptest::prelude::*;

    /// Moves everything `from` has queued into `to`.
    fn pump(from: &mut Connection, to: &mut Connection) {
        let bytes = from.transmit().to_vec();
        from.advance_transmit(bytes.len());
        to.feed(&bytes).expect("feed");
    }

    fn take_tx(c: &mut Connection) -> Vec<u8> {
        let v = c.transmit().to_vec();
        c.advance_transmit(v.len());
        v
    }

    fn expect_connected(c: &mut Connection) -> ConnectInfo {
        match c.poll_event() {
            Ok(Some(Event::Connected(info))) => info,
            other => panic!("expected Connected, got {other:?}"),
        }
    }

    fn open_pair(ic: Config, rc: Config) -> (Connection, Connection) {
        let mut i = Connection::connect(ic);
        let mut r = Connection::accept(rc);
        pump(&mut i, &mut r);
        expect_connected(&mut r);
        pump(&mut r, &mut i);
        expect_connected(&mut i);
        assert_eq!(i.state(), State::Open);
        assert_eq!(r.state(), State::Open);
        (i, r)
    }

    /// Collects all Data events (owned) until `Ok(None)`.
    fn drain_data(c: &mut Connection) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(ev) = c.poll_event().expect("no error") {
            match ev {
                Event::Data(d) => out.push(d.to_vec()),
                other => panic!("unexpected {other:?}"),
            }
        }
        out
    }

    /// A CR frame proposing `size_param` (raw parameter bytes) from TSEL 00 01 to 00 01.
    fn cr_frame(class: u8, extra: &[u8]) -> Vec<u8> {
        let mut t = vec![0, 0xE0, 0, 0, 0x00, 0x07, class << 4];
        t.extend_from_slice(&[0xC2, 2, 0, 1, 0xC1, 2, 0, 1]);
        t.extend_from_slice(extra);
        t[0] = u8::try_from(t.len() - 1).expect("small");
        let mut f = Vec::new();
        tpkt::write_header(&mut f, t.len());
        f.extend_from_slice(&t);
        f
    }

    // Spec appendix A.1 — checked with tshark 4.0 (dissector cotp).
    const CR_A1: [u8; 22] = [
        0x03, 0x00, 0x00, 0x16, 0x11, 0xE0, 0x00, 0x00, 0x00, 0x01, 0x00, 0xC0, 0x01, 0x0B, 0xC2,
        0x02, 0x00, 0x01, 0xC1, 0x02, 0x00, 0x01,
    ];
    // checked with tshark 4.0 (dissector cotp): CC dst 1 src 1 size 2048 C2 0001 C1 0001.
    const CC_DEFAULT: [u8; 22] = [
        0x03, 0x00, 0x00, 0x16, 0x11, 0xD0, 0x00, 0x01, 0x00, 0x01, 0x00, 0xC0, 0x01, 0x0B, 0xC2,
        0x02, 0x00, 0x01, 0xC1, 0x02, 0x00, 0x01,
    ];
    // checked with tshark 4.0 (dissector cotp): DR dst 1 src 0 cause address unknown.
    const DR_ADDRESS_UNKNOWN: [u8; 11] = [
        0x03, 0x00, 0x00, 0x0B, 0x06, 0x80, 0x00, 0x01, 0x00, 0x00, 0x03,
    ];
    // checked with tshark 4.0 (dissector cotp): ER dst 1, invalid TPDU type, C1 = 04 60.
    const ER_AK: [u8; 13] = [
        0x03, 0x00, 0x00, 0x0D, 0x08, 0x70, 0x00, 0x01, 0x02, 0xC1, 0x02, 0x04, 0x60,
    ];
    // checked with tshark 4.0 (dissector cotp): DT EOT carrying 01 00 01 00.
    const DT_EOT: [u8; 11] = [
        0x03, 0x00, 0x00, 0x0B, 0x02, 0xF0, 0x80, 0x01, 0x00, 0x01, 0x00,
    ];

    #[test]
    fn initiator_sends_appendix_a1_cr_and_responder_answers_cc() {
        let mut i = Connection::connect(Config::default());
        assert_eq!(i.transmit(), CR_A1);
        assert_eq!(i.state(), State::AwaitingCc);
        let mut r = Connection::accept(Config::default());
        pump(&mut i, &mut r);
        let info = expect_connected(&mut r);
        assert_eq!(info.tpdu_size, 2048);
        assert_eq!(info.calling_tsel.as_deref(), Some(&[0u8, 1][..]));
        assert_eq!(r.peer_tsel(), [0u8, 1]);
        assert_eq!(r.called_tsel(), [0u8, 1]);
        assert_eq!(r.transmit(), CC_DEFAULT);
        pump(&mut r, &mut i);
        let info = expect_connected(&mut i);
        assert_eq!(info.tpdu_size, 2048);
        assert_eq!(i.tpdu_size(), 2048);
        i.send_data(&[&[1, 0], &[1, 0]]).expect("send");
        assert_eq!(i.transmit(), DT_EOT);
        pump(&mut i, &mut r);
        assert_eq!(drain_data(&mut r), vec![vec![1u8, 0, 1, 0]]);
    }

    #[test]
    fn responder_size_matrix() {
        // (CR size parameter bytes, our max, expected agreed size, expected CC param)
        let cases: Vec<(Vec<u8>, usize, usize, Vec<u8>)> = vec![
            (vec![0xC0, 1, 0x07], 2048, 128, vec![0xC0, 1, 0x07]),
            (vec![0xC0, 1, 0x08], 2048, 256, vec![0xC0, 1, 0x08]),
            (vec![0xC0, 1, 0x09], 2048, 512, vec![0xC0, 1, 0x09]),
            (vec![0xC0, 1, 0x0A], 2048, 1024, vec![0xC0, 1, 0x0A]),
            (vec![0xC0, 1, 0x0B], 2048, 2048, vec![0xC0, 1, 0x0B]),
            (vec![0xC0, 1, 0x0C], 2048, 2048, vec![0xC0, 1, 0x0B]),
            (vec![0xC0, 1, 0x0D], 2048, 2048, vec![0xC0, 1, 0x0B]),
            (vec![0xC0, 1, 0x0D], 8192, 8192, vec![0xC0, 1, 0x0D]),
            (vec![0xC0, 1, 0x10], 2048, 2048, vec![0xC0, 1, 0x0B]),
            (vec![0xC0, 1, 0x10], 65531, 65531, vec![0xC0, 1, 0x10]),
            (vec![], 2048, 128, vec![0xC0, 1, 0x07]),
            // F0 present (15 × 128 = 1920) takes precedence over C0 (8192).
            (
                vec![0xC0, 1, 0x0D, 0xF0, 1, 15],
                8192,
                1920,
                vec![0xF0, 1, 15],
            ),
            (vec![0xF0, 2, 0, 64], 2048, 2048, vec![0xF0, 1, 16]),
        ];
        for (param, ours, agreed, cc_param) in cases {
            let mut r = Connection::accept(Config {
                max_tpdu_size: ours,
                ..Config::default()
            });
            r.feed(&cr_frame(0, &param)).expect("feed");
            let info = expect_connected(&mut r);
            assert_eq!(info.tpdu_size, agreed, "param {param:02x?} ours {ours}");
            assert_eq!(r.tpdu_size(), agreed);
            let cc = take_tx(&mut r);
            let Ok(Tpdu::ConnectionConfirm(c)) = tpdu::parse(&cc[4..]) else {
                panic!("no CC")
            };
            assert_eq!(c.proposed_tpdu_size(), agreed);
            // The size parameter follows the fixed part (offset 4 + 7).
            assert_eq!(&cc[11..11 + cc_param.len()], &cc_param[..]);
        }
    }

    #[test]
    fn initiator_accepts_smaller_cc_and_absent_size_means_128() {
        for (param, expect) in [
            (&[0xC0u8, 1, 0x0A][..], 1024usize),
            (&[0xF0, 1, 3][..], 384),
            (&[][..], 128),
        ] {
            let mut i = Connection::connect(Config::default());
            take_tx(&mut i);
            let mut t = vec![0, 0xD0, 0, 1, 0, 9, 0];
            t.extend_from_slice(param);
            t[0] = u8::try_from(t.len() - 1).expect("small");
            let mut f = Vec::new();
            tpkt::write_header(&mut f, t.len());
            f.extend_from_slice(&t);
            i.feed(&f).expect("feed");
            assert_eq!(expect_connected(&mut i).tpdu_size, expect);
            assert_eq!(i.tpdu_size(), expect);
            // Sending respects it.
            i.send_data(&[&vec![7u8; 1000]]).expect("send");
            let tx = take_tx(&mut i);
            let mut rest = &tx[..];
            while !rest.is_empty() {
                let n = tpkt::frame_len(rest, 65535).expect("ok").expect("full");
                assert!(n - 4 <= expect);
                rest = &rest[n..];
            }
        }
    }

    #[test]
    fn initiator_rejects_larger_cc_with_er() {
        let mut i = Connection::connect(Config::default());
        take_tx(&mut i);
        let f = [3, 0, 0, 14, 9, 0xD0, 0, 1, 0, 9, 0, 0xC0, 1, 0x0D];
        i.feed(&f).expect("feed");
        let e = i.poll_event().expect_err("size too big");
        assert_eq!(
            e,
            CotError::TpduSizeNotAccepted {
                selected: 8192,
                proposed: 2048,
                response: Some(Response::ErrorTpdu {
                    reject_cause: reject_cause::INVALID_PARAMETER_VALUE
                })
            }
        );
        assert!(e.response_queued());
        assert_eq!(i.state(), State::Closed);
        let Ok(Tpdu::Error(er)) = tpdu::parse(&i.transmit()[4..]) else {
            panic!("no ER")
        };
        assert_eq!((er.dst_ref, er.reject_cause), (9, 3));
    }

    #[test]
    fn initiator_rejects_cc_with_other_class() {
        let mut i = Connection::connect(Config::default());
        take_tx(&mut i);
        i.feed(&[3, 0, 0, 11, 6, 0xD0, 0, 1, 0, 9, 0x20])
            .expect("feed");
        let e = i.poll_event().expect_err("class 2");
        assert!(matches!(
            e,
            CotError::ClassNotSupported {
                class: 2,
                response: Some(_)
            }
        ));
    }

    #[test]
    fn segmentation_60k_at_each_size() {
        let tsdu: Vec<u8> = (0..60 * 1024).map(|n: usize| (n % 251) as u8).collect();
        for size in [128usize, 1024, 2048, 8192] {
            let cfg = Config {
                max_tpdu_size: size,
                ..Config::default()
            };
            let (mut i, mut r) = open_pair(cfg.clone(), cfg);
            assert_eq!(i.tpdu_size(), size);
            let (a, b) = tsdu.split_at(1000);
            i.send_data(&[a, b]).expect("send");
            let tx = take_tx(&mut i);
            let mut rest = &tx[..];
            let mut eots = Vec::new();
            while !rest.is_empty() {
                let n = tpkt::frame_len(rest, 65535).expect("ok").expect("whole");
                assert!(n - 4 <= size);
                eots.push(rest[6] & EOT != 0);
                rest = &rest[n..];
            }
            assert_eq!(eots.len(), tsdu.len().div_ceil(size - 3));
            assert!(eots[..eots.len() - 1].iter().all(|e| !e));
            assert_eq!(eots.last(), Some(&true));
            let mut got = Vec::new();
            for chunk in tx.chunks(4000) {
                r.feed(chunk).expect("feed");
                got.extend(drain_data(&mut r));
            }
            assert_eq!(got, vec![tsdu.clone()]);
        }
    }

    #[test]
    fn reassembly_limit_closes_without_response() {
        let cfg = Config {
            max_tpdu_size: 128,
            max_tsdu_size: 1000,
            ..Config::default()
        };
        let (mut i, mut r) = open_pair(cfg.clone(), cfg);
        i.send_data(&[&[0u8; 1001]]).expect("send");
        pump(&mut i, &mut r);
        let e = r.poll_event().expect_err("reassembly limit");
        assert_eq!(e, CotError::TsduTooLarge { limit: 1000 });
        assert!(!e.response_queued());
        assert!(r.transmit().is_empty());
        assert_eq!(r.state(), State::Closed);
        // Exactly at the limit is fine.
        let cfg = Config {
            max_tpdu_size: 128,
            max_tsdu_size: 1000,
            ..Config::default()
        };
        let (mut i, mut r) = open_pair(cfg.clone(), cfg);
        i.send_data(&[&[0u8; 1000]]).expect("send");
        pump(&mut i, &mut r);
        assert_eq!(drain_data(&mut r).len(), 1);
    }

    #[test]
    fn byte_by_byte_feed_gives_same_events() {
        let cfg = Config {
            max_tpdu_size: 128,
            ..Config::default()
        };
        let mut i = Connection::connect(cfg.clone());
        let mut stream = take_tx(&mut i);
        let mut r_whole = Connection::accept(cfg.clone());
        r_whole.feed(&stream).expect("feed");
        expect_connected(&mut r_whole);
        pump(&mut r_whole, &mut i);
        expect_connected(&mut i);
        i.send_data(&[&[5u8; 300]]).expect("send");
        i.send_data(&[&[6u8; 10]]).expect("send");
        stream.extend(take_tx(&mut i));

        let mut r = Connection::accept(cfg);
        let mut events = Vec::new();
        for b in &stream {
            r.feed(std::slice::from_ref(b)).expect("feed");
            while let Some(ev) = r.poll_event().expect("ok") {
                events.push(match ev {
                    Event::Connected(_) => vec![],
                    Event::Data(d) => d.to_vec(),
                    other => panic!("unexpected {other:?}"),
                });
            }
        }
        assert_eq!(events, vec![vec![], vec![5u8; 300], vec![6u8; 10]]);
    }

    #[test]
    fn bad_tpkt_closes_without_response_or_allocation() {
        let mut headers: Vec<[u8; 4]> = vec![[2, 0, 0, 7], [4, 0, 0, 7]];
        headers.extend((0u8..7).map(|l| [3, 0, 0, l]));
        headers.push([3, 0, 0x20, 0x05]);
        for h in headers {
            let mut r = Connection::accept(Config {
                max_packet_len: 8196,
                ..Config::default()
            });
            r.feed(&h).expect("feed");
            let e = r.poll_event().expect_err("framing");
            assert!(matches!(e, CotError::Framing(_)), "{h:?}: {e:?}");
            assert!(!e.response_queued());
            assert!(r.transmit().is_empty());
            assert_eq!(r.state(), State::Closed);
            // The length the header claims was never allocated.
            assert!(r.rx.len() <= RECV_CHUNK, "{}", r.rx.len());
            assert_eq!(r.feed(&[1]), Err(CotError::Closed));
            assert_eq!(r.poll_event(), Ok(None));
        }
    }

    #[test]
    fn unknown_tpdu_in_open_queues_er_invalid_type() {
        let (_i, mut r) = open_pair(Config::default(), Config::default());
        r.feed(&[3, 0, 0, 9, 4, 0x60, 0, 1, 0]).expect("feed");
        let e = r.poll_event().expect_err("AK");
        assert_eq!(
            e,
            CotError::InvalidTpdu {
                error: CotpError::UnknownTpduType { code: 0x60 },
                response: Some(Response::ErrorTpdu {
                    reject_cause: reject_cause::INVALID_TPDU_TYPE
                })
            }
        );
        assert_eq!(r.state(), State::Closed);
        assert_eq!(r.transmit(), ER_AK);
    }

    #[test]
    fn malformed_tpdu_in_open_queues_er() {
        let (_i, mut r) = open_pair(Config::default(), Config::default());
        // DT with LI 3 (class 2 format).
        r.feed(&[3, 0, 0, 8, 3, 0xF0, 0, 0x80]).expect("feed");
        let e = r.poll_event().expect_err("bad DT");
        assert!(matches!(
            e,
            CotError::InvalidTpdu {
                error: CotpError::InvalidDataHeader { li: 3 },
                response: Some(Response::ErrorTpdu { reject_cause: 0 })
            }
        ));
        let Ok(Tpdu::Error(er)) = tpdu::parse(&r.transmit()[4..]) else {
            panic!("no ER")
        };
        assert_eq!(er.invalid_tpdu, Some(&[3u8, 0xF0, 0, 0x80][..]));
    }

    #[test]
    fn cr_in_open_and_dt_before_cr_are_unexpected() {
        let (_i, mut r) = open_pair(Config::default(), Config::default());
        r.feed(&CR_A1).expect("feed");
        let e = r.poll_event().expect_err("CR in open");
        assert!(matches!(
            e,
            CotError::UnexpectedTpdu {
                code: 0xE0,
                state: State::Open,
                response: Some(_)
            }
        ));
        let mut r = Connection::accept(Config::default());
        r.feed(&DT_EOT).expect("feed");
        let e = r.poll_event().expect_err("DT first");
        assert!(matches!(
            e,
            CotError::UnexpectedTpdu {
                code: 0xF0,
                state: State::AwaitingCr,
                response: Some(_)
            }
        ));
        assert_eq!(r.state(), State::Closed);
    }

    #[test]
    fn tsap_mismatch_is_refused_with_dr_3() {
        let mut r = Connection::accept(Config {
            tsap_check: TsapCheck::RequireConfigured,
            local_tsel: vec![0, 2],
            ..Config::default()
        });
        r.feed(&CR_A1).expect("feed");
        let e = r.poll_event().expect_err("mismatch");
        assert_eq!(
            e,
            CotError::TsapMismatch {
                called: Some(vec![0, 1]),
                response: Some(Response::DisconnectRequest {
                    reason: reason::ADDRESS_UNKNOWN
                })
            }
        );
        assert_eq!(r.transmit(), DR_ADDRESS_UNKNOWN);
        assert_eq!(r.state(), State::Closed);
        // Matching TSEL is accepted.
        let mut r = Connection::accept(Config {
            tsap_check: TsapCheck::RequireConfigured,
            ..Config::default()
        });
        r.feed(&CR_A1).expect("feed");
        expect_connected(&mut r);
    }

    #[test]
    fn class_negotiation() {
        let mut r = Connection::accept(Config::default());
        r.feed(&cr_frame(2, &[])).expect("feed");
        let e = r.poll_event().expect_err("class 2 only");
        assert!(matches!(
            e,
            CotError::ClassNotSupported {
                class: 2,
                response: Some(Response::DisconnectRequest { reason: 130 })
            }
        ));
        for (class, extra) in [(2u8, &[0xC7u8, 1, 0x00][..]), (1, &[][..])] {
            let mut r = Connection::accept(Config::default());
            r.feed(&cr_frame(class, extra)).expect("feed");
            expect_connected(&mut r);
            let Ok(Tpdu::ConnectionConfirm(cc)) = tpdu::parse(&r.transmit()[4..]) else {
                panic!("no CC")
            };
            assert_eq!(cc.class, 0);
        }
    }

    #[test]
    fn malformed_cr_is_refused_with_dr() {
        let mut r = Connection::accept(Config::default());
        // CR whose C1 parameter runs past the header.
        r.feed(&[3, 0, 0, 14, 9, 0xE0, 0, 0, 0, 7, 0, 0xC1, 9, 0])
            .expect("feed");
        let e = r.poll_event().expect_err("bad CR");
        assert_eq!(
            e.response(),
            Some(Response::DisconnectRequest {
                reason: reason::LENGTH_INVALID
            })
        );
        let Ok(Tpdu::DisconnectRequest(dr)) = tpdu::parse(&r.transmit()[4..]) else {
            panic!("no DR")
        };
        assert_eq!((dr.dst_ref, dr.reason), (7, 138));
    }

    #[test]
    fn dr_and_er_from_peer_are_events() {
        let mut i = Connection::connect(Config::default());
        take_tx(&mut i);
        i.feed(&DR_ADDRESS_UNKNOWN).expect("feed");
        assert_eq!(i.poll_event(), Ok(Some(Event::Disconnected { reason: 3 })));
        assert_eq!(i.state(), State::Closed);
        let (_i, mut r) = open_pair(Config::default(), Config::default());
        r.feed(&ER_AK).expect("feed");
        assert_eq!(r.poll_event(), Ok(Some(Event::PeerError { cause: 2 })));
        assert_eq!(r.state(), State::Closed);
        assert!(r.transmit().is_empty());
    }

    #[test]
    fn refuse_replaces_unsent_cc() {
        let mut r = Connection::accept(Config::default());
        r.feed(&CR_A1).expect("feed");
        expect_connected(&mut r);
        r.refuse(reason::ADDRESS_UNKNOWN);
        assert_eq!(r.transmit(), DR_ADDRESS_UNKNOWN);
        assert_eq!(r.state(), State::Closed);
        // Once the CC went out, refuse only closes.
        let mut r = Connection::accept(Config::default());
        r.feed(&CR_A1).expect("feed");
        expect_connected(&mut r);
        take_tx(&mut r);
        r.refuse(reason::ADDRESS_UNKNOWN);
        assert!(r.transmit().is_empty());
        assert_eq!(r.state(), State::Closed);
    }

    #[test]
    fn zero_length_data_handling() {
        let (mut i, mut r) = open_pair(Config::default(), Config::default());
        assert_eq!(i.send_data(&[]), Err(CotError::EmptyTsdu));
        assert_eq!(i.send_data(&[&[]]), Err(CotError::EmptyTsdu));
        // Empty non-EOT DT adds nothing; empty EOT DT ends the TSDU.
        r.feed(&[3, 0, 0, 7, 2, 0xF0, 0, 3, 0, 0, 8, 2, 0xF0, 0, 9])
            .expect("feed");
        r.feed(&[3, 0, 0, 7, 2, 0xF0, 0x80]).expect("feed");
        assert_eq!(drain_data(&mut r), vec![vec![9u8]]);
        r.feed(&[3, 0, 0, 7, 2, 0xF0, 0x80]).expect("feed");
        assert_eq!(drain_data(&mut r), vec![Vec::<u8>::new()]);
    }

    #[test]
    fn send_before_open_fails() {
        let mut i = Connection::connect(Config::default());
        assert_eq!(
            i.send_data(&[&[1]]),
            Err(CotError::NotConnected {
                state: State::AwaitingCc
            })
        );
    }

    #[test]
    fn oversized_dt_is_accepted_up_to_packet_max() {
        let (_i, mut r) = open_pair(Config::default(), Config::default());
        assert_eq!(r.tpdu_size(), 2048);
        let mut f = Vec::new();
        Tpdu::Data(DataTpdu {
            eot: true,
            user_data: &[4u8; 5000],
        })
        .encode_tpkt(&mut f);
        r.feed(&f).expect("feed");
        assert_eq!(drain_data(&mut r), vec![vec![4u8; 5000]]);
    }

    #[test]
    fn receive_buffer_is_bounded() {
        let (_i, mut r) = open_pair(Config::default(), Config::default());
        let room = 65535 + RECV_HEADROOM;
        let big = vec![0u8; room + 1];
        assert_eq!(
            r.feed(&big),
            Err(CotError::ReceiveBufferFull {
                offered: room + 1,
                room
            })
        );
        assert_eq!(r.state(), State::Open);
        assert_eq!(r.rx.len(), room);
    }

    /// The receive buffer is allocated on the first read, grows only while a larger frame is
    /// assembled (never to what a header merely claims), and is freed when the stream runs dry
    /// with nothing pending; idle transmit and reassembly buffers go with it.
    #[test]
    fn receive_memory_is_lazy_sized_to_the_frame_and_given_back() {
        let cfg = Config {
            max_tpdu_size: 128,
            ..Config::default()
        };
        let (mut i, mut r) = open_pair(cfg.clone(), cfg);
        r.recv_release();
        assert_eq!(r.recv_capacity(), 0);
        assert_eq!(r.recv_buffer().len(), RECV_CHUNK);
        r.recv_release();
        assert_eq!(r.recv_capacity(), 0);
        // A header claiming 65 535 octets, and a few of them: no more than one chunk.
        r.feed(&[3, 0, 0xff, 0xff, 2, 0xf0, 0x80, 1, 2, 3])
            .expect("feed");
        assert_eq!(r.poll_event(), Ok(None));
        assert_eq!(r.recv_capacity(), RECV_CHUNK);
        assert_eq!(r.receive_progress(), (1, true));
        // Pending octets are kept.
        r.recv_release();
        assert_eq!(r.recv_capacity(), RECV_CHUNK);
        let (_i2, mut r) = open_pair(Config::default(), Config::default());
        // A 20 000-octet TSDU in 128-octet TPDUs (reassembled), then one 30 000-octet TPKT.
        i.send_data(&[&[7u8; 20_000]]).expect("send");
        let bytes = i.transmit().to_vec();
        i.advance_transmit(bytes.len());
        let mut r2 = {
            let cfg = Config {
                max_tpdu_size: 128,
                ..Config::default()
            };
            open_pair(cfg.clone(), cfg).1
        };
        for chunk in bytes.chunks(1000) {
            r2.feed(chunk).expect("feed");
            while let Ok(Some(_)) = r2.poll_event() {}
        }
        assert!(
            r2.recv_capacity() <= 2 * RECV_CHUNK,
            "{}",
            r2.recv_capacity()
        );
        r2.recv_release();
        assert_eq!(r2.recv_capacity(), 0);
        assert_eq!(r2.core.reasm.capacity(), 0);
        let mut big = Vec::new();
        Tpdu::Data(DataTpdu {
            eot: true,
            user_data: &[5u8; 30_000],
        })
        .encode_tpkt(&mut big);
        let mut rest = &big[..];
        while !rest.is_empty() {
            let room = r.recv_buffer();
            let n = room.len().min(rest.len()).min(3000);
            room[..n].copy_from_slice(&rest[..n]);
            r.recv_commit(n);
            rest = &rest[n..];
            while let Ok(Some(_)) = r.poll_event() {}
        }
        assert!(r.recv_capacity() >= 30_000 && r.recv_capacity() <= 65_536);
        // The CR, then the big packet: both complete, nothing started.
        assert_eq!(r.receive_progress(), (2, false));
        r.send_data(&[b"x"]).expect("send");
        let n = r.transmit().len();
        r.advance_transmit(n);
        r.recv_release();
        assert_eq!(r.recv_capacity(), 0);
        assert_eq!(r.core.tx.capacity(), 0);
    }

    #[test]
    fn last_data_repeats_the_last_tsdu() {
        let cfg = Config {
            max_tpdu_size: 128,
            ..Config::default()
        };
        let (mut i, mut r) = open_pair(cfg.clone(), cfg);
        assert!(r.last_data().is_empty());
        i.send_data(&[b"abc"]).expect("send");
        i.send_data(&[&[9u8; 300]]).expect("send");
        pump(&mut i, &mut r);
        assert!(matches!(r.poll_event(), Ok(Some(Event::Data(_)))));
        assert_eq!(r.last_data(), b"abc");
        r.send_data(&[b"x"]).expect("send keeps it");
        assert_eq!(r.last_data(), b"abc");
        assert!(matches!(r.poll_event(), Ok(Some(Event::Data(_)))));
        assert_eq!(r.last_data(), [9u8; 300]);
        assert_eq!(r.poll_event(), Ok(None));
        assert!(r.last_data().is_empty());
    }

    #[test]
    fn zero_copy_read_path() {
        let (mut i, mut r) = open_pair(Config::default(), Config::default());
        i.send_data(&[b"hello"]).expect("send");
        let tx = take_tx(&mut i);
        let buf = r.recv_buffer();
        assert!(!buf.is_empty());
        buf[..tx.len()].copy_from_slice(&tx);
        r.recv_commit(tx.len());
        let rx_range = r.rx.as_ptr_range();
        match r.poll_event() {
            Ok(Some(Event::Data(d))) => {
                assert_eq!(d, b"hello");
                // Borrowed straight from the receive buffer.
                assert!(rx_range.contains(&d.as_ptr()));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    proptest! {
        #[test]
        fn segment_reassemble_round_trip(
            tsdu in proptest::collection::vec(any::<u8>(), 1..20_000),
            size_code in 7u8..=13,
            split in any::<proptest::sample::Index>(),
            chunk in 1usize..5000,
        ) {
            let cfg = Config { max_tpdu_size: 1 << size_code, ..Config::default() };
            let (mut i, mut r) = open_pair(cfg.clone(), cfg);
            let (a, b) = tsdu.split_at(split.index(tsdu.len()));
            i.send_data(&[a, b]).expect("send");
            let tx = take_tx(&mut i);
            let mut got = Vec::new();
            for c in tx.chunks(chunk) {
                r.feed(c).expect("feed");
                got.extend(drain_data(&mut r));
            }
            prop_assert_eq!(got, vec![tsdu]);
        }

        #[test]
        fn random_bytes_never_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..600),
            role in 0u8..3,
            chunk in 1usize..64,
        ) {
            let mut c = match role {
                0 => Connection::accept(Config::default()),
                1 => Connection::connect(Config::default()),
                _ => open_pair(Config::default(), Config::default()).1,
            };
            for ch in bytes.chunks(chunk) {
                if c.feed(ch).is_err() { break; }
                while let Ok(Some(_)) = c.poll_event() {}
            }
            prop_assert!(c.rx.len() <= 65535 + RECV_HEADROOM);
        }
    }
}
