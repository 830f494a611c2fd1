//! From captured packets to TCP byte streams: link-layer headers (Ethernet II with 802.1Q tags,
//! Linux cooked v1 and v2, BSD loopback / null, raw IP), IPv4 (RFC 791) and TCP (RFC 9293)
//! headers, and in-order reassembly of each direction's stream by sequence number
//! (RFC 9293 §3.4), holding a bounded amount of out-of-order data and reporting gaps.

use std::collections::BTreeMap;

/// LINKTYPE_NULL (BSD loopback: 4-octet address family in the writer's byte order).
pub const LINKTYPE_NULL: u32 = 0;
/// LINKTYPE_ETHERNET.
pub const LINKTYPE_ETHERNET: u32 = 1;
/// LINKTYPE_RAW (raw IPv4 or IPv6).
pub const LINKTYPE_RAW: u32 = 101;
/// LINKTYPE_LINUX_SLL (Linux cooked capture v1).
pub const LINKTYPE_LINUX_SLL: u32 = 113;
/// LINKTYPE_IPV4.
pub const LINKTYPE_IPV4: u32 = 228;
/// LINKTYPE_LINUX_SLL2 (Linux cooked capture v2).
pub const LINKTYPE_LINUX_SLL2: u32 = 276;
/// Also LINKTYPE_LOOP (OpenBSD loopback, address family big-endian).
pub const LINKTYPE_LOOP: u32 = 108;

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_VLAN: [u16; 3] = [0x8100, 0x88A8, 0x9100];
const IPPROTO_TCP: u8 = 6;
/// Most 802.1Q tags walked in one Ethernet header.
const MAX_VLAN_TAGS: usize = 4;
/// Most out-of-order segments held per direction.
const MAX_PENDING_SEGMENTS: usize = 1024;

/// TCP flag FIN.
pub const FIN: u8 = 0x01;
/// TCP flag SYN.
pub const SYN: u8 = 0x02;
/// TCP flag RST.
pub const RST: u8 = 0x04;

/// Why a packet carries no TCP data for us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unusable {
    /// Not IPv4/TCP (another protocol, an IP fragment): a remark, not an error.
    Other(String),
    /// A header that is malformed: layer name, offset in the packet, message.
    Malformed(super::Layer, usize, String),
}

/// One TCP segment found in a packet (RFC 9293 §3.1), borrowing its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment<'a> {
    /// IPv4 source address.
    pub src: [u8; 4],
    /// IPv4 destination address.
    pub dst: [u8; 4],
    /// Source port.
    pub sport: u16,
    /// Destination port.
    pub dport: u16,
    /// Sequence number.
    pub seq: u32,
    /// The flags octet (FIN, SYN, RST, PSH, ACK, URG, ...).
    pub flags: u8,
    /// The segment's data.
    pub payload: &'a [u8],
    /// Offset of the payload in the captured packet.
    pub payload_offset: usize,
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
        *b.get(at + 2)?,
        *b.get(at + 3)?,
    ]))
}

/// Finds the IPv4 packet inside a link-layer frame; returns its offset in `data`.
pub fn ipv4_offset(link_type: u32, data: &[u8]) -> Result<usize, Unusable> {
    use super::Layer::Link;
    let short = |what: &str| Unusable::Malformed(Link, 0, format!("{what} header truncated"));
    match link_type {
        LINKTYPE_ETHERNET => {
            let mut at = 12;
            let mut ethertype = be16(data, at).ok_or_else(|| short("Ethernet"))?;
            let mut tags = 0;
            while ETHERTYPE_VLAN.contains(&ethertype) {
                tags += 1;
                if tags > MAX_VLAN_TAGS {
                    return Err(Unusable::Other("too many VLAN tags".into()));
                }
                at += 4;
                ethertype = be16(data, at).ok_or_else(|| short("802.1Q"))?;
            }
            if ethertype != ETHERTYPE_IPV4 {
                return Err(Unusable::Other(format!(
                    "ethertype {ethertype:#06x} is not IPv4"
                )));
            }
            Ok(at + 2)
        }
        LINKTYPE_RAW | LINKTYPE_IPV4 => Ok(0),
        LINKTYPE_LINUX_SLL => {
            let proto = be16(data, 14).ok_or_else(|| short("Linux cooked"))?;
            if proto != ETHERTYPE_IPV4 {
                return Err(Unusable::Other(format!(
                    "protocol {proto:#06x} is not IPv4"
                )));
            }
            Ok(16)
        }
        LINKTYPE_LINUX_SLL2 => {
            let proto = be16(data, 0).ok_or_else(|| short("Linux cooked v2"))?;
            if proto != ETHERTYPE_IPV4 {
                return Err(Unusable::Other(format!(
                    "protocol {proto:#06x} is not IPv4"
                )));
            }
            Ok(20)
        }
        LINKTYPE_NULL | LINKTYPE_LOOP => {
            let b: [u8; 4] = data
                .get(..4)
                .and_then(|s| s.try_into().ok())
                .ok_or_else(|| short("loopback"))?;
            // AF_INET is 2 everywhere; the family is in the writer's byte order.
            let le = u32::from_le_bytes(b);
            let be = u32::from_be_bytes(b);
            if le != 2 && be != 2 {
                return Err(Unusable::Other(format!(
                    "loopback address family {le} is not IPv4"
                )));
            }
            Ok(4)
        }
        other => Err(Unusable::Other(format!("link type {other} not supported"))),
    }
}

/// Parses the IPv4 (RFC 791 §3.1) and TCP (RFC 9293 §3.1) headers of a captured packet.
pub fn segment(link_type: u32, data: &[u8]) -> Result<Segment<'_>, Unusable> {
    use super::Layer::{Ip, Tcp};
    let ip_at = ipv4_offset(link_type, data)?;
    let ip = data.get(ip_at..).unwrap_or(&[]);
    let vihl = *ip
        .first()
        .ok_or_else(|| Unusable::Malformed(Ip, ip_at, "IPv4 header missing".into()))?;
    if vihl >> 4 != 4 {
        return Err(Unusable::Other(format!(
            "IP version {} is not 4",
            vihl >> 4
        )));
    }
    let ihl = usize::from(vihl & 0x0F) * 4;
    if ihl < 20 || ip.len() < ihl {
        return Err(Unusable::Malformed(
            Ip,
            ip_at,
            format!("IPv4 header length {ihl} invalid for {} octets", ip.len()),
        ));
    }
    let total = usize::from(be16(ip, 2).unwrap_or(0));
    let frag = be16(ip, 6).unwrap_or(0);
    if frag & 0x3FFF != 0 {
        return Err(Unusable::Other(
            "IPv4 fragment (fragments are not reassembled)".into(),
        ));
    }
    let proto = ip.get(9).copied().unwrap_or(0);
    if proto != IPPROTO_TCP {
        return Err(Unusable::Other(format!("IP protocol {proto} is not TCP")));
    }
    let addr = |at: usize| -> [u8; 4] {
        let mut a = [0u8; 4];
        if let Some(s) = ip.get(at..at + 4) {
            a.copy_from_slice(s);
        }
        a
    };
    // The IP total length bounds the packet (Ethernet padding follows it); 0 is what TSO
    // captures show, then the captured length is used.
    let end = if total == 0 {
        ip.len()
    } else if total < ihl {
        return Err(Unusable::Malformed(
            Ip,
            ip_at,
            format!("IPv4 total length {total} below header length {ihl}"),
        ));
    } else {
        total.min(ip.len())
    };
    let tcp_at = ip_at + ihl;
    let tcp = ip.get(ihl..end).unwrap_or(&[]);
    let (Some(sport), Some(dport), Some(seq), Some(off)) =
        (be16(tcp, 0), be16(tcp, 2), be32(tcp, 4), tcp.get(12))
    else {
        return Err(Unusable::Malformed(
            Tcp,
            tcp_at,
            "TCP header truncated".into(),
        ));
    };
    let doff = usize::from(off >> 4) * 4;
    if doff < 20 || doff > tcp.len() {
        return Err(Unusable::Malformed(
            Tcp,
            tcp_at,
            format!("TCP data offset {doff} invalid for {} octets", tcp.len()),
        ));
    }
    Ok(Segment {
        src: addr(12),
        dst: addr(16),
        sport,
        dport,
        seq,
        flags: tcp.get(13).copied().unwrap_or(0),
        payload: tcp.get(doff..).unwrap_or(&[]),
        payload_offset: tcp_at + doff,
    })
}

/// What reassembly delivers, in stream order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chunk {
    /// Contiguous stream octets.
    Data(Vec<u8>),
    /// Octets that never arrived (the count, modulo 2^32).
    Gap(u32),
}

/// One direction of a TCP connection, reassembled in order by sequence number.
#[derive(Debug, Clone, Default)]
pub struct Reassembler {
    /// Sequence number of the next octet expected; `None` before the first segment.
    next: Option<u32>,
    /// Segments ahead of `next`, by sequence number.
    pending: BTreeMap<u32, Vec<u8>>,
    pending_bytes: usize,
    /// Retransmitted octets seen (already delivered).
    pub retransmitted: u64,
}

impl Reassembler {
    /// A direction with nothing seen yet.
    pub fn new() -> Reassembler {
        Reassembler::default()
    }

    /// Octets held out of order.
    pub fn pending_bytes(&self) -> usize {
        self.pending_bytes
    }

    /// Takes one segment; returns what became contiguous. `max_pending` bounds the octets held
    /// out of order: when it would be exceeded, the missing octets are declared a gap.
    pub fn segment(
        &mut self,
        seq: u32,
        flags: u8,
        payload: &[u8],
        max_pending: usize,
    ) -> Vec<Chunk> {
        let mut out = Vec::new();
        let data_seq = if flags & SYN != 0 {
            let s = seq.wrapping_add(1);
            self.next = Some(s);
            s
        } else {
            seq
        };
        let next = *self.next.get_or_insert(data_seq);
        if payload.is_empty() {
            return out;
        }
        let d = data_seq.wrapping_sub(next) as i32;
        if d <= 0 {
            self.deliver(d.unsigned_abs() as usize, payload, &mut out);
        } else {
            let fits = self.pending_bytes.saturating_add(payload.len()) <= max_pending
                && self.pending.len() < MAX_PENDING_SEGMENTS;
            if fits {
                let e = self.pending.entry(data_seq).or_default();
                if payload.len() > e.len() {
                    self.pending_bytes = self.pending_bytes - e.len() + payload.len();
                    *e = payload.to_vec();
                }
            } else {
                // Give up waiting: jump to the earliest octet we hold or this segment.
                let earliest = self
                    .pending
                    .keys()
                    .copied()
                    .chain(std::iter::once(data_seq))
                    .min_by_key(|s| s.wrapping_sub(next))
                    .unwrap_or(data_seq);
                out.push(Chunk::Gap(earliest.wrapping_sub(next)));
                self.next = Some(earliest);
                if earliest == data_seq {
                    self.deliver(0, payload, &mut out);
                } else {
                    let e = self.pending.entry(data_seq).or_default();
                    if payload.len() > e.len() {
                        self.pending_bytes = self.pending_bytes - e.len() + payload.len();
                        *e = payload.to_vec();
                    }
                }
            }
        }
        self.drain(&mut out);
        out
    }

    /// Delivers `payload` minus its first `skip` octets (already seen).
    fn deliver(&mut self, skip: usize, payload: &[u8], out: &mut Vec<Chunk>) {
        match payload.get(skip..) {
            Some(fresh) if !fresh.is_empty() => {
                self.retransmitted += skip as u64;
                if let Some(n) = self.next.as_mut() {
                    *n = n.wrapping_add(fresh.len() as u32);
                }
                out.push(Chunk::Data(fresh.to_vec()));
            }
            _ => self.retransmitted += payload.len() as u64,
        }
    }

    /// Moves every pending segment that is now contiguous to `out`.
    fn drain(&mut self, out: &mut Vec<Chunk>) {
        while let Some(next) = self.next {
            let ready = self
                .pending
                .keys()
                .copied()
                .find(|s| (s.wrapping_sub(next) as i32) <= 0);
            let Some(s) = ready else {
                break;
            };
            let Some(data) = self.pending.remove(&s) else {
                break;
            };
            self.pending_bytes -= data.len();
            let skip = next.wrapping_sub(s) as usize;
            self.deliver(skip, &data, out);
        }
    }

    /// End of capture: whatever is still held is delivered after declaring the gaps before it.
    pub fn finish(&mut self) -> Vec<Chunk> {
        let mut out = Vec::new();
        while let (Some(next), false) = (self.next, self.pending.is_empty()) {
            let earliest = self
                .pending
                .keys()
                .copied()
                .min_by_key(|s| s.wrapping_sub(next))
                .unwrap_or(next);
            out.push(Chunk::Gap(earliest.wrapping_sub(next)));
            self.next = Some(earliest);
            self.drain(&mut out);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(chunks: &[Chunk]) -> Vec<u8> {
        chunks
            .iter()
            .flat_map(|c| match c {
                Chunk::Data(d) => d.clone(),
                Chunk::Gap(_) => Vec::new(),
            })
            .collect()
    }

    #[test]
    fn in_order_out_of_order_and_retransmission() {
        let mut r = Reassembler::new();
        assert!(r.segment(99, SYN, &[], 100).is_empty());
        assert_eq!(data(&r.segment(100, 0, b"abc", 100)), b"abc");
        // out of order: held
        assert!(r.segment(106, 0, b"ghi", 100).is_empty());
        assert_eq!(r.pending_bytes(), 3);
        // the missing piece, overlapping what was delivered: trimmed, then the held one follows
        assert_eq!(data(&r.segment(102, 0, b"cdef", 100)), b"defghi");
        // full retransmission: nothing new
        assert!(r.segment(100, 0, b"abc", 100).is_empty());
        assert_eq!(r.retransmitted, 4);
    }

    #[test]
    fn gap_declared_when_the_buffer_is_full_and_at_finish() {
        let mut r = Reassembler::new();
        r.segment(0, 0, b"ab", 4);
        assert!(r.segment(10, 0, b"xyz", 4).is_empty());
        let out = r.segment(20, 0, b"12", 4);
        assert_eq!(out[0], Chunk::Gap(8));
        assert_eq!(data(&out), b"xyz");
        let fin = r.finish();
        assert_eq!(fin, vec![Chunk::Gap(7), Chunk::Data(b"12".to_vec())]);
    }

    #[test]
    fn sequence_numbers_wrap() {
        let mut r = Reassembler::new();
        assert_eq!(data(&r.segment(u32::MAX - 1, 0, b"ab", 10)), b"ab");
        assert_eq!(data(&r.segment(0, 0, b"cd", 10)), b"cd");
    }

    fn eth_ipv4_tcp(payload: &[u8]) -> Vec<u8> {
        let mut p = vec![0u8; 12];
        p.extend([0x08, 0x00]);
        let total = (20 + 20 + payload.len()) as u16;
        p.extend([
            0x45,
            0,
            (total >> 8) as u8,
            total as u8,
            0,
            1,
            0x40,
            0,
            64,
            6,
            0,
            0,
        ]);
        p.extend([10, 0, 0, 1, 10, 0, 0, 2]);
        p.extend([
            0x9c, 0x40, 0, 102, 0, 0, 0, 5, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0,
        ]);
        p.extend_from_slice(payload);
        p.extend([0, 0, 0, 0]); // Ethernet padding, outside the IP total length
        p
    }

    #[test]
    fn ethernet_ipv4_tcp_headers() {
        let pkt = eth_ipv4_tcp(b"hello");
        let s = segment(LINKTYPE_ETHERNET, &pkt).unwrap();
        assert_eq!((s.sport, s.dport, s.seq), (40000, 102, 5));
        assert_eq!(s.payload, b"hello");
        assert_eq!(s.payload_offset, 54);
        assert_eq!(s.src, [10, 0, 0, 1]);
    }

    #[test]
    fn other_link_types_and_refusals() {
        let pkt = eth_ipv4_tcp(b"x");
        let ip = &pkt[14..pkt.len() - 4];
        assert_eq!(segment(LINKTYPE_RAW, ip).unwrap().payload, b"x");
        let mut null = 2u32.to_le_bytes().to_vec();
        null.extend_from_slice(ip);
        assert_eq!(segment(LINKTYPE_NULL, &null).unwrap().payload, b"x");
        let mut sll = vec![0u8; 14];
        sll.extend([0x08, 0x00]);
        sll.extend_from_slice(ip);
        assert_eq!(segment(LINKTYPE_LINUX_SLL, &sll).unwrap().payload, b"x");
        // truncated headers are errors, not panics
        for n in 0..54 {
            assert!(segment(LINKTYPE_ETHERNET, &pkt[..n]).is_err(), "{n}");
        }
        // UDP is not for us
        let mut udp = pkt.clone();
        udp[23] = 17;
        assert!(matches!(
            segment(LINKTYPE_ETHERNET, &udp),
            Err(Unusable::Other(_))
        ));
    }
}
