//! A classic libpcap file writer (own code, no crate) for one TCP conversation
//! between two loopback endpoints, so that bytes produced by the protocol crates
//! can be shown to Wireshark's dissectors exactly as they would travel on the wire.
//!
//! File format: libpcap 2.4 ("classic pcap", magic `a1b2c3d4`, microsecond
//! timestamps), link type 1 (Ethernet). Each record is Ethernet II + IPv4
//! (RFC 791, header checksum computed) + TCP (RFC 9293, checksum computed over
//! the RFC 9293 §3.1 pseudo-header). [`write_raw`] writes other link types, e.g.
//! 147 (`USER0`) for bare MMS PDUs.

use std::fs;
use std::io;
use std::path::Path;

/// Largest TCP payload put into one segment; longer writes are split.
pub const MAX_SEGMENT_PAYLOAD: usize = 65_000;

/// Link type of Ethernet II in a pcap header (tcpdump.org LINKTYPE_ETHERNET).
pub const LINKTYPE_ETHERNET: u32 = 1;

/// Link type `USER0` (DLT 147), which tshark can map to the MMS dissector.
pub const LINKTYPE_USER0: u32 = 147;

const SNAPLEN: u32 = 262_144;
const START_SECONDS: u32 = 1_700_000_000;
const LOOPBACK: [u8; 4] = [127, 0, 0, 1];
const CLIENT_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
const SERVER_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];
const CLIENT_ISN: u32 = 0x1000_0000;
const SERVER_ISN: u32 = 0x2000_0000;
const WINDOW: u16 = 65_535;

const FIN: u8 = 0x01;
const SYN: u8 = 0x02;
const PSH: u8 = 0x08;
const ACK: u8 = 0x10;

/// Which endpoint sent a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the client (the side that sent the SYN) to the server.
    ClientToServer,
    /// From the server to the client.
    ServerToClient,
}

/// One TCP conversation on 127.0.0.1 recorded as pcap frames: a SYN / SYN-ACK /
/// ACK handshake at [`TcpCapture::new`], one segment (split above
/// [`MAX_SEGMENT_PAYLOAD`]) per data call, each answered by a bare ACK so the
/// conversation looks complete to tshark's TCP analysis, and a FIN exchange at
/// [`TcpCapture::finish`].
#[derive(Debug, Clone)]
pub struct TcpCapture {
    client_port: u16,
    server_port: u16,
    /// Next sequence number the client will send.
    client_seq: u32,
    /// Next sequence number the server will send.
    server_seq: u32,
    ip_id: u16,
    frames: Vec<Vec<u8>>,
    finished: bool,
}

impl TcpCapture {
    /// Starts a conversation between `127.0.0.1:client_port` and
    /// `127.0.0.1:server_port` and records the three-way handshake.
    pub fn new(client_port: u16, server_port: u16) -> Self {
        let mut capture = TcpCapture {
            client_port,
            server_port,
            client_seq: CLIENT_ISN,
            server_seq: SERVER_ISN,
            ip_id: 1,
            frames: Vec::new(),
            finished: false,
        };
        capture.segment(Direction::ClientToServer, SYN, &[]);
        capture.client_seq = capture.client_seq.wrapping_add(1);
        capture.segment(Direction::ServerToClient, SYN | ACK, &[]);
        capture.server_seq = capture.server_seq.wrapping_add(1);
        capture.segment(Direction::ClientToServer, ACK, &[]);
        capture
    }

    /// The client's TCP port.
    pub fn client_port(&self) -> u16 {
        self.client_port
    }

    /// The server's TCP port.
    pub fn server_port(&self) -> u16 {
        self.server_port
    }

    /// tshark arguments that make it decode this conversation as TPKT (empty when
    /// the server port is 102, which tshark decodes as TPKT by itself).
    pub fn tshark_args(&self) -> Vec<String> {
        crate::tshark::decode_as_tpkt(self.server_port)
    }

    /// Number of frames recorded so far (handshake and ACKs included).
    pub fn frame_count(&self) -> usize {
        self.frames.len()
    }

    /// Records `bytes` sent by the client (one segment per call, split above
    /// [`MAX_SEGMENT_PAYLOAD`]), each acknowledged by the server.
    pub fn client_to_server(&mut self, bytes: &[u8]) {
        self.data(Direction::ClientToServer, bytes);
    }

    /// Records `bytes` sent by the server, each acknowledged by the client.
    pub fn server_to_client(&mut self, bytes: &[u8]) {
        self.data(Direction::ServerToClient, bytes);
    }

    /// Records `bytes` in the given direction.
    pub fn data(&mut self, direction: Direction, bytes: &[u8]) {
        for chunk in bytes.chunks(MAX_SEGMENT_PAYLOAD) {
            self.segment(direction, PSH | ACK, chunk);
            self.advance(direction, chunk.len());
            self.segment(direction.reverse(), ACK, &[]);
        }
    }

    /// Records an orderly close started by the client: FIN/ACK, FIN/ACK, ACK.
    /// Further calls do nothing.
    pub fn finish(&mut self) {
        self.close(Direction::ClientToServer);
    }

    /// Records an orderly close started by the server. Further calls (and
    /// [`TcpCapture::finish`]) do nothing.
    pub fn finish_from_server(&mut self) {
        self.close(Direction::ServerToClient);
    }

    /// The complete pcap file as bytes.
    pub fn to_pcap_bytes(&self) -> Vec<u8> {
        pcap_bytes(LINKTYPE_ETHERNET, self.frames.iter().map(Vec::as_slice))
    }

    /// Writes the pcap file (frames recorded so far; call
    /// [`TcpCapture::finish`] first for a closed conversation).
    pub fn write(&self, path: impl AsRef<Path>) -> io::Result<()> {
        fs::write(path, self.to_pcap_bytes())
    }

    fn close(&mut self, first: Direction) {
        if self.finished {
            return;
        }
        self.finished = true;
        self.segment(first, FIN | ACK, &[]);
        self.advance(first, 1);
        self.segment(first.reverse(), FIN | ACK, &[]);
        self.advance(first.reverse(), 1);
        self.segment(first, ACK, &[]);
    }

    fn advance(&mut self, direction: Direction, len: usize) {
        // sequence space is modulo 2^32 (RFC 9293 §3.4); chunks are < 2^32
        let len = u32::try_from(len).unwrap_or(u32::MAX);
        match direction {
            Direction::ClientToServer => self.client_seq = self.client_seq.wrapping_add(len),
            Direction::ServerToClient => self.server_seq = self.server_seq.wrapping_add(len),
        }
    }

    fn segment(&mut self, direction: Direction, flags: u8, payload: &[u8]) {
        let (src_mac, dst_mac, src_port, dst_port, seq, ack) = match direction {
            Direction::ClientToServer => (
                CLIENT_MAC,
                SERVER_MAC,
                self.client_port,
                self.server_port,
                self.client_seq,
                self.server_seq,
            ),
            Direction::ServerToClient => (
                SERVER_MAC,
                CLIENT_MAC,
                self.server_port,
                self.client_port,
                self.server_seq,
                self.client_seq,
            ),
        };
        // the very first SYN acknowledges nothing
        let ack = if flags & ACK != 0 { ack } else { 0 };
        let tcp = tcp_segment(src_port, dst_port, seq, ack, flags, payload);
        let ip = ipv4_packet(self.ip_id, &tcp);
        self.ip_id = self.ip_id.wrapping_add(1);

        let mut frame = Vec::with_capacity(14 + ip.len());
        frame.extend_from_slice(&dst_mac);
        frame.extend_from_slice(&src_mac);
        frame.extend_from_slice(&0x0800u16.to_be_bytes());
        frame.extend_from_slice(&ip);
        self.frames.push(frame);
    }
}

impl Direction {
    fn reverse(self) -> Direction {
        match self {
            Direction::ClientToServer => Direction::ServerToClient,
            Direction::ServerToClient => Direction::ClientToServer,
        }
    }
}

/// Writes `packets` as a pcap file with the given link type, one record per
/// packet (e.g. [`LINKTYPE_USER0`] for bare MMS PDUs, see
/// [`crate::tshark::bare_mms_args`]).
pub fn write_raw(path: impl AsRef<Path>, link_type: u32, packets: &[&[u8]]) -> io::Result<()> {
    fs::write(path, pcap_bytes(link_type, packets.iter().copied()))
}

fn pcap_bytes<'a>(link_type: u32, frames: impl Iterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    // global header, little-endian
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&0i32.to_le_bytes()); // thiszone
    out.extend_from_slice(&0u32.to_le_bytes()); // sigfigs
    out.extend_from_slice(&SNAPLEN.to_le_bytes());
    out.extend_from_slice(&link_type.to_le_bytes());
    for (index, frame) in frames.enumerate() {
        // one millisecond apart, deterministic
        let micros = u64::try_from(index)
            .unwrap_or(u64::MAX)
            .saturating_mul(1000);
        let seconds = START_SECONDS.saturating_add(u32::try_from(micros / 1_000_000).unwrap_or(0));
        let len = u32::try_from(frame.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&seconds.to_le_bytes());
        out.extend_from_slice(&u32::try_from(micros % 1_000_000).unwrap_or(0).to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(frame);
    }
    out
}

fn tcp_segment(src: u16, dst: u16, seq: u32, ack: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
    // SYN segments carry an MSS option (kind 2, length 4) like real stacks do
    let options: &[u8] = if flags & SYN != 0 {
        &[2, 4, 0xff, 0xd7]
    } else {
        &[]
    };
    let header_len = 20 + options.len();
    let mut seg = Vec::with_capacity(header_len + payload.len());
    seg.extend_from_slice(&src.to_be_bytes());
    seg.extend_from_slice(&dst.to_be_bytes());
    seg.extend_from_slice(&seq.to_be_bytes());
    seg.extend_from_slice(&ack.to_be_bytes());
    seg.push(u8::try_from(header_len / 4).unwrap_or(5) << 4);
    seg.push(flags);
    seg.extend_from_slice(&WINDOW.to_be_bytes());
    seg.extend_from_slice(&[0, 0]); // checksum, filled below
    seg.extend_from_slice(&[0, 0]); // urgent pointer
    seg.extend_from_slice(options);
    seg.extend_from_slice(payload);

    let tcp_len = u16::try_from(seg.len()).unwrap_or(u16::MAX);
    let mut pseudo = Vec::with_capacity(12);
    pseudo.extend_from_slice(&LOOPBACK);
    pseudo.extend_from_slice(&LOOPBACK);
    pseudo.extend_from_slice(&[0, 6]);
    pseudo.extend_from_slice(&tcp_len.to_be_bytes());
    let sum = internet_checksum(&[&pseudo, &seg]);
    seg[16..18].copy_from_slice(&sum.to_be_bytes());
    seg
}

fn ipv4_packet(id: u16, tcp: &[u8]) -> Vec<u8> {
    let total = u16::try_from(20 + tcp.len()).unwrap_or(u16::MAX);
    let mut ip = Vec::with_capacity(20 + tcp.len());
    ip.push(0x45); // version 4, IHL 5
    ip.push(0); // DSCP/ECN
    ip.extend_from_slice(&total.to_be_bytes());
    ip.extend_from_slice(&id.to_be_bytes());
    ip.extend_from_slice(&0x4000u16.to_be_bytes()); // DF
    ip.push(64); // TTL
    ip.push(6); // TCP
    ip.extend_from_slice(&[0, 0]); // header checksum, filled below
    ip.extend_from_slice(&LOOPBACK);
    ip.extend_from_slice(&LOOPBACK);
    let sum = internet_checksum(&[&ip]);
    ip[10..12].copy_from_slice(&sum.to_be_bytes());
    ip.extend_from_slice(tcp);
    ip
}

/// RFC 1071 one's-complement checksum over the concatenation of `parts`.
fn internet_checksum(parts: &[&[u8]]) -> u16 {
    let mut sum: u32 = 0;
    let mut odd: Option<u8> = None;
    for part in parts {
        for &byte in *part {
            match odd.take() {
                Some(high) => sum += u32::from(u16::from_be_bytes([high, byte])),
                None => odd = Some(byte),
            }
        }
    }
    if let Some(high) = odd {
        sum += u32::from(u16::from_be_bytes([high, 0]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(u16::try_from(sum).unwrap_or(0xffff))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_matches_rfc1071_example() {
        // RFC 1071 §3 worked example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(internet_checksum(&[&data]), !0xddf2);
    }

    #[test]
    fn ipv4_header_checksum_verifies_to_zero() {
        let ip = ipv4_packet(7, &[0u8; 20]);
        assert_eq!(internet_checksum(&[&ip[..20]]), 0);
        assert_eq!(u16::from_be_bytes([ip[2], ip[3]]), 40);
    }

    #[test]
    fn handshake_data_and_fin_advance_sequence_numbers() {
        let mut cap = TcpCapture::new(40000, 102);
        assert_eq!(cap.frame_count(), 3);
        cap.client_to_server(&[1, 2, 3]);
        cap.server_to_client(&[4, 5]);
        cap.finish();
        cap.finish(); // idempotent
        assert_eq!(cap.frame_count(), 3 + 2 + 2 + 3);
        assert_eq!(cap.client_seq, CLIENT_ISN + 1 + 3 + 1);
        assert_eq!(cap.server_seq, SERVER_ISN + 1 + 2 + 1);
    }

    #[test]
    fn long_writes_are_split_into_segments() {
        let mut cap = TcpCapture::new(40000, 102);
        cap.client_to_server(&vec![0u8; MAX_SEGMENT_PAYLOAD * 2 + 1]);
        // three data segments, each followed by an ACK
        assert_eq!(cap.frame_count(), 3 + 6);
        let largest = cap.frames.iter().map(Vec::len).max().unwrap_or(0);
        assert_eq!(largest, 14 + 20 + 20 + MAX_SEGMENT_PAYLOAD);
    }

    #[test]
    fn pcap_header_is_classic_little_endian() {
        let bytes = TcpCapture::new(1, 2).to_pcap_bytes();
        assert_eq!(&bytes[..4], &[0xd4, 0xc3, 0xb2, 0xa1]);
        assert_eq!(&bytes[20..24], &LINKTYPE_ETHERNET.to_le_bytes());
    }
}
