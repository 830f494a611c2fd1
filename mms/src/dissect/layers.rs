//! The dissector's stream side: per TCP connection and direction, cuts TPKT frames
//! (RFC 1006 §6) out of the byte stream (resynchronising on the next plausible header after a
//! framing error or a TCP gap), decodes COTP (ISO 8073 §13) and reassembles DT TPDUs into one
//! TSDU per direction (ISO 8073 §6.3, EOT), bounded by [`Limits`]. Session and the layers above
//! are decoded in the private module `upper` with each layer's own parser.
//!
//! Presentation contexts defined by a CP-type are remembered per TCP connection, so that the
//! PDVs of later data PPDUs are handed to ACSE or MMS by their context identifier; when no CP
//! was seen, the first octet decides (ACSE APDUs are `[APPLICATION n]`, MMSpdus context-tagged).

use std::collections::{BTreeMap, HashMap};

use cot::tpdu::Tpdu;

use super::cotp_fields::cotp_field;
use super::pcap::CaptureItem;
use super::tcp::{self, Chunk, Reassembler, Unusable};
use super::upper::{decode_tsdu, mms_layer};
use super::{Field, Frame, Issue, Layer, Limits, OffsetBase, Origin};

/// ACSE abstract syntax 2.2.1.0.1 (X.227 §7.1; docs/facts.md F-703), DER contents.
pub(super) const ACSE_AS: &[u8] = &[0x52, 0x01, 0x00, 0x01];
/// MMS abstract syntax 1.0.9506.2.1 (ISO 9506-2 §A; docs/facts.md F-701), DER contents.
pub(super) const MMS_AS: &[u8] = &[0x28, 0xCA, 0x22, 0x02, 0x01];

/// What a presentation context carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Syntax {
    Acse,
    Mms,
    Other(String),
}

/// Hex of a short octet string (long ones are cut with their length).
pub(crate) fn hex(b: &[u8]) -> String {
    const MAX: usize = 64;
    let mut s = String::with_capacity(b.len().min(MAX) * 3);
    for (i, x) in b.iter().take(MAX).enumerate() {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(&format!("{x:02x}"));
    }
    if b.len() > MAX {
        s.push_str(&format!(" ... ({} octets)", b.len()));
    }
    s
}

/// `CamelCase` to `kebab-case` (the ASN.1 spelling of most enumerations).
pub(crate) fn kebab(name: &str) -> String {
    let mut s = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                s.push('-');
            }
            s.push(c.to_ascii_lowercase());
        } else {
            s.push(c);
        }
    }
    s
}

/// The offset of `sub` inside `base` (0 when `sub` is not a part of it).
pub(super) fn offset_in(base: &[u8], sub: &[u8]) -> usize {
    (sub.as_ptr() as usize)
        .checked_sub(base.as_ptr() as usize)
        .filter(|o| *o <= base.len())
        .unwrap_or(0)
}

pub(super) fn oid_text(oid: &copp::ber::Oid<'_>) -> String {
    let dotted = oid.to_id_string();
    let name = match oid.as_bytes() {
        ACSE_AS => " (ACSE abstract syntax)",
        MMS_AS => " (MMS abstract syntax)",
        [0x51, 0x01] => " (BER)",
        [0x28, 0xCA, 0x22, 0x02, 0x03] => " (MMS application context)",
        [0x52, 0x03, 0x01] => " (ACSE password authentication)",
        _ => "",
    };
    format!("{dotted}{name}")
}

/// One direction of a connection.
#[derive(Debug, Default)]
struct Direction {
    tcp: Reassembler,
    /// Stream octets not yet cut into frames.
    buf: Vec<u8>,
    /// Stream offset of `buf[0]`.
    buf_offset: usize,
    /// Framing was lost: look for the next plausible TPKT header.
    lost_sync: bool,
    /// COTP DT user data collected until EOT.
    tsdu: Vec<u8>,
    /// Frame numbers of the DT TPDUs in `tsdu`.
    tsdu_frames: Vec<usize>,
    /// The TSDU being collected overflowed: drop DTs until EOT.
    tsdu_discard: bool,
}

/// One TCP connection (or the hex input): both directions and the presentation contexts.
#[derive(Debug, Default)]
pub(super) struct Conn {
    dirs: [Direction; 2],
    pub(super) contexts: BTreeMap<u32, Syntax>,
    /// Addresses, for frame origins: `[src of dir 0, src of dir 1]`.
    names: [String; 2],
}

type ConnKey = (([u8; 4], u16), ([u8; 4], u16));

/// The dissector: feed it hex bytes or capture packets, collect [`Frame`]s.
#[derive(Debug)]
pub struct Dissector {
    limits: Limits,
    frames: usize,
    hex: Conn,
    conns: HashMap<ConnKey, Conn>,
    skipped_packets: u64,
    refused_connections: u64,
}

/// What a frame is being decoded for (where its offsets count from and where it came from).
struct Ctx {
    origin: Option<Origin>,
}

impl Dissector {
    /// A dissector with the given bounds.
    pub fn new(limits: Limits) -> Dissector {
        Dissector {
            limits,
            frames: 0,
            hex: Conn::default(),
            conns: HashMap::new(),
            skipped_packets: 0,
            refused_connections: 0,
        }
    }

    fn new_frame(&mut self, origin: Option<Origin>, offset: usize, len: usize) -> Frame {
        self.frames += 1;
        Frame {
            number: self.frames,
            origin,
            offset,
            len,
            ..Frame::default()
        }
    }

    /// Decodes one bare MMS PDU (`--layer mms`).
    pub fn bare_mms(&mut self, pdu: &[u8]) -> Frame {
        let mut f = self.new_frame(None, 0, pdu.len());
        mms_layer(&mut f, pdu, 0, OffsetBase::Frame);
        f
    }

    /// Decodes concatenated TPKT frames (hex input: one direction of one connection).
    pub fn stream_bytes(&mut self, bytes: &[u8]) -> Vec<Frame> {
        let mut conn = std::mem::take(&mut self.hex);
        let out = self.feed(&mut conn, 0, bytes, &Ctx { origin: None });
        self.hex = conn;
        out
    }

    /// Takes one capture packet (or capture problem) and returns the frames it completed.
    pub fn packet(&mut self, item: CaptureItem) -> Vec<Frame> {
        let p = match item {
            CaptureItem::Packet(p) => p,
            CaptureItem::Problem { packet, message } => {
                let mut f = self.new_frame(
                    Some(Origin {
                        packet,
                        ..Origin::default()
                    }),
                    0,
                    0,
                );
                f.issues.push(Issue {
                    layer: Layer::Capture,
                    offset: 0,
                    base: OffsetBase::Packet,
                    message,
                });
                return vec![f];
            }
        };
        let origin = |src: String, dst: String| Origin {
            packet: p.number,
            timestamp_ns: p.timestamp_ns,
            src,
            dst,
        };
        let seg = match tcp::segment(p.link_type, &p.data) {
            Ok(s) => s,
            Err(Unusable::Other(_)) => {
                self.skipped_packets += 1;
                return Vec::new();
            }
            Err(Unusable::Malformed(layer, offset, message)) => {
                let mut f = self.new_frame(Some(origin(String::new(), String::new())), 0, 0);
                f.issues.push(Issue {
                    layer,
                    offset,
                    base: OffsetBase::Packet,
                    message,
                });
                return vec![f];
            }
        };
        let addr = |a: [u8; 4], port: u16| format!("{}.{}.{}.{}:{port}", a[0], a[1], a[2], a[3]);
        let (src, dst) = ((seg.src, seg.sport), (seg.dst, seg.dport));
        let (key, dir) = if src <= dst {
            ((src, dst), 0)
        } else {
            ((dst, src), 1)
        };
        let ctx = Ctx {
            origin: Some(origin(addr(seg.src, seg.sport), addr(seg.dst, seg.dport))),
        };
        let mut conn = match self.conns.remove(&key) {
            Some(c) => c,
            None if self.conns.len() >= self.limits.max_connections => {
                self.refused_connections += 1;
                if self.refused_connections == 1 {
                    let mut f = self.new_frame(ctx.origin, 0, 0);
                    f.issues.push(Issue {
                        layer: Layer::Tcp,
                        offset: 0,
                        base: OffsetBase::Packet,
                        message: format!(
                            "more than {} TCP connections: further connections are skipped",
                            self.limits.max_connections
                        ),
                    });
                    return vec![f];
                }
                return Vec::new();
            }
            None => Conn {
                names: [addr(key.0 .0, key.0 .1), addr(key.1 .0, key.1 .1)],
                ..Conn::default()
            },
        };
        let mut out = Vec::new();
        if seg.flags & tcp::SYN != 0 && !conn.dirs[dir].buf.is_empty() {
            // A new connection on the same ports: start afresh.
            conn = Conn {
                names: conn.names.clone(),
                ..Conn::default()
            };
        }
        let chunks = conn.dirs[dir].tcp.segment(
            seg.seq,
            seg.flags,
            seg.payload,
            self.limits.max_out_of_order,
        );
        for chunk in chunks {
            out.extend(self.chunk(&mut conn, dir, chunk, &ctx));
        }
        self.conns.insert(key, conn);
        out
    }

    fn chunk(&mut self, conn: &mut Conn, dir: usize, chunk: Chunk, ctx: &Ctx) -> Vec<Frame> {
        match chunk {
            Chunk::Data(d) => self.feed(conn, dir, &d, ctx),
            Chunk::Gap(n) => {
                let d = &mut conn.dirs[dir];
                let mut f = self.new_frame(ctx.origin.clone(), d.buf_offset + d.buf.len(), 0);
                f.issues.push(Issue {
                    layer: Layer::Tcp,
                    offset: d.buf_offset + d.buf.len(),
                    base: OffsetBase::Stream,
                    message: format!(
                        "{n} octets of the TCP stream are missing from the capture; \
                         {} buffered octets and any partial TSDU dropped",
                        d.buf.len()
                    ),
                });
                d.buf_offset += d.buf.len() + n as usize;
                d.buf.clear();
                d.tsdu.clear();
                d.tsdu_frames.clear();
                d.lost_sync = true;
                vec![f]
            }
        }
    }

    /// End of input: reports what is still buffered (truncated frames, incomplete TSDUs, TCP
    /// gaps) and how many packets were skipped.
    pub fn finish(&mut self) -> Vec<Frame> {
        let mut out = Vec::new();
        let mut conns: Vec<(Option<ConnKey>, Conn)> =
            self.conns.drain().map(|(k, c)| (Some(k), c)).collect();
        conns.sort_by_key(|(k, _)| *k);
        conns.insert(0, (None, std::mem::take(&mut self.hex)));
        for (_, mut conn) in conns {
            for dir in 0..2 {
                let origin = (!conn.names[dir].is_empty()).then(|| Origin {
                    src: conn.names[dir].clone(),
                    dst: conn.names[1 - dir].clone(),
                    ..Origin::default()
                });
                let ctx = Ctx { origin };
                let chunks = conn.dirs[dir].tcp.finish();
                for c in chunks {
                    out.extend(self.chunk(&mut conn, dir, c, &ctx));
                }
                let d = &mut conn.dirs[dir];
                if !d.buf.is_empty() {
                    let (off, len) = (d.buf_offset, d.buf.len());
                    let mut f = self.new_frame(ctx.origin.clone(), off, len);
                    f.issues.push(Issue {
                        layer: Layer::Tpkt,
                        offset: off,
                        base: OffsetBase::Stream,
                        message: format!(
                            "input ends inside a TPKT frame: {len} octets left over ({})",
                            hex(&d.buf)
                        ),
                    });
                    out.push(f);
                }
                let d = &mut conn.dirs[dir];
                if !d.tsdu.is_empty() {
                    let frames = d.tsdu_frames.clone();
                    let len = d.tsdu.len();
                    let mut f = self.new_frame(ctx.origin.clone(), 0, 0);
                    f.issues.push(Issue {
                        layer: Layer::Cotp,
                        offset: 0,
                        base: OffsetBase::Tsdu,
                        message: format!(
                            "input ends inside a TSDU: {len} octets from DT TPDUs in frames \
                             {frames:?} never got their EOT"
                        ),
                    });
                    out.push(f);
                }
            }
        }
        if self.skipped_packets > 0 {
            let mut f = self.new_frame(None, 0, 0);
            f.notes.push(format!(
                "{} capture packets were not IPv4/TCP (or were IP fragments) and were skipped",
                self.skipped_packets
            ));
            self.skipped_packets = 0;
            out.push(f);
        }
        out
    }

    /// Appends stream octets to a direction and decodes every complete TPKT frame.
    fn feed(&mut self, conn: &mut Conn, dir: usize, bytes: &[u8], ctx: &Ctx) -> Vec<Frame> {
        let mut out = Vec::new();
        let mut buf = std::mem::take(&mut conn.dirs[dir].buf);
        buf.extend_from_slice(bytes);
        let mut pos = 0usize;
        let max = self.limits.max_tpkt;
        loop {
            let rest = buf.get(pos..).unwrap_or(&[]);
            if conn.dirs[dir].lost_sync {
                // Resynchronise on the next `03 00 hh ll` whose length is plausible.
                let found = (0..rest.len()).find(|&i| {
                    matches!(rest.get(i..i + 4), Some([3, 0, h, l])
                        if (7..=max).contains(&usize::from(u16::from_be_bytes([*h, *l]))))
                });
                match found {
                    Some(i) => {
                        pos += i;
                        conn.dirs[dir].lost_sync = false;
                        continue;
                    }
                    None => {
                        // Keep the last 3 octets: they may start a header.
                        pos += rest.len().saturating_sub(3);
                        break;
                    }
                }
            }
            let stream_off = conn.dirs[dir].buf_offset + pos;
            match cot::tpkt::frame_len(rest, max) {
                Ok(None) => break,
                Ok(Some(n)) if rest.len() < n => break,
                Ok(Some(n)) => {
                    let frame = rest.get(..n).unwrap_or(rest);
                    let mut f = self.new_frame(ctx.origin.clone(), stream_off, n);
                    self.decode_frame(conn, dir, frame, &mut f);
                    out.push(f);
                    pos += n;
                }
                Err(e) => {
                    let mut f = self.new_frame(ctx.origin.clone(), stream_off, 0);
                    f.issues.push(Issue {
                        layer: Layer::Tpkt,
                        offset: stream_off,
                        base: OffsetBase::Stream,
                        message: format!(
                            "{e}; framing lost, looking for the next TPKT header (octets {})",
                            hex(rest.get(..4).unwrap_or(rest))
                        ),
                    });
                    out.push(f);
                    conn.dirs[dir].lost_sync = true;
                    pos += 1;
                }
            }
        }
        let pos = pos.min(buf.len());
        buf.drain(..pos);
        let d = &mut conn.dirs[dir];
        d.buf_offset += pos;
        d.buf = buf;
        out
    }

    /// Decodes one complete TPKT frame and everything above it.
    fn decode_frame(&mut self, conn: &mut Conn, dir: usize, frame: &[u8], f: &mut Frame) {
        let (version, reserved, length) = match frame {
            [v, r, h, l, ..] => (*v, *r, u16::from_be_bytes([*h, *l])),
            _ => return,
        };
        f.layers.push(Field::group(
            "TPKT",
            format!("version {version}, length {length}"),
            vec![
                Field::new("version", version.to_string()),
                Field::new("reserved", reserved.to_string()),
                Field::new("length", length.to_string()),
            ],
        ));
        let payload = frame.get(cot::tpkt::HEADER_LEN..).unwrap_or(&[]);
        let tpdu = match cot::tpdu::parse(payload) {
            Ok(t) => t,
            Err(e) => {
                let mut c = Field::new("COTP", "malformed TPDU");
                if let [li, code, ..] = payload {
                    c.push("length-indicator", li.to_string());
                    c.push("TPDU code", format!("{:#04x}", code & 0xF0));
                }
                f.layers.push(c);
                f.issues.push(Issue {
                    layer: Layer::Cotp,
                    offset: cot::tpkt::HEADER_LEN,
                    base: OffsetBase::Frame,
                    message: format!(
                        "{e} (an ISO 8073 receiver answers with ER reject cause {} or, for a \
                         CR, DR reason {})",
                        e.reject_cause(),
                        e.disconnect_reason()
                    ),
                });
                return;
            }
        };
        f.layers.push(cotp_field(&tpdu, payload));
        let Tpdu::Data(dt) = tpdu else {
            return;
        };
        let limits = self.limits;
        let d = &mut conn.dirs[dir];
        if d.tsdu_discard {
            if dt.eot {
                d.tsdu_discard = false;
            }
            f.notes.push("DT TPDU of an oversized TSDU: dropped".into());
            return;
        }
        if d.tsdu.is_empty() && dt.eot {
            let at = offset_in(frame, dt.user_data);
            decode_tsdu(conn, dt.user_data, at, OffsetBase::Frame, f);
            return;
        }
        if d.tsdu.len().saturating_add(dt.user_data.len()) > limits.max_tsdu {
            f.issues.push(Issue {
                layer: Layer::Cotp,
                offset: offset_in(frame, dt.user_data),
                base: OffsetBase::Frame,
                message: format!(
                    "reassembled TSDU would exceed the limit of {} octets: dropped",
                    limits.max_tsdu
                ),
            });
            d.tsdu.clear();
            d.tsdu_frames.clear();
            d.tsdu_discard = !dt.eot;
            return;
        }
        d.tsdu.extend_from_slice(dt.user_data);
        d.tsdu_frames.push(f.number);
        if !dt.eot {
            f.notes.push(format!(
                "DT without EOT: segment of a TSDU ({} octets buffered so far)",
                d.tsdu.len()
            ));
            return;
        }
        let tsdu = std::mem::take(&mut d.tsdu);
        let frames = std::mem::take(&mut d.tsdu_frames);
        f.notes.push(format!(
            "TSDU of {} octets reassembled from {} DT TPDUs (frames {frames:?})",
            tsdu.len(),
            frames.len()
        ));
        decode_tsdu(conn, &tsdu, 0, OffsetBase::Tsdu, f);
    }
}

pub(super) fn issue(f: &mut Frame, layer: Layer, offset: usize, base: OffsetBase, message: String) {
    f.issues.push(Issue {
        layer,
        offset,
        base,
        message,
    });
}
