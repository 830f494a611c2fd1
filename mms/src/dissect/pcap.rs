//! Capture file reader: classic libpcap (both byte orders, microsecond and nanosecond
//! timestamps) and pcapng (Section Header, Interface Description, Enhanced Packet and Simple
//! Packet blocks; other blocks are skipped), per the tcpdump.org file-format descriptions
//! (draft-ietf-opsawg-pcap, draft-ietf-opsawg-pcapng).
//!
//! Reads from any [`Read`] one record at a time, so memory stays bounded by the largest packet
//! accepted (`max_packet`); a record above it is skipped (read and discarded in small pieces)
//! and reported.

use std::io::{self, Read};

/// Classic libpcap magic, microsecond timestamps, as read in the writer's byte order.
const PCAP_MAGIC_US: u32 = 0xa1b2_c3d4;
/// Classic libpcap magic, nanosecond timestamps.
const PCAP_MAGIC_NS: u32 = 0xa1b2_3c4d;
/// pcapng Section Header Block type (a palindrome, the same in both byte orders).
const PCAPNG_SHB: u32 = 0x0A0D_0D0A;
/// pcapng byte-order magic.
const PCAPNG_BOM: u32 = 0x1A2B_3C4D;
/// pcapng Interface Description Block.
const PCAPNG_IDB: u32 = 1;
/// pcapng Simple Packet Block.
const PCAPNG_SPB: u32 = 3;
/// pcapng Enhanced Packet Block.
const PCAPNG_EPB: u32 = 6;
/// pcapng option if_tsresol.
const OPT_IF_TSRESOL: u16 = 9;
/// Octets of pcapng block overhead (type, two lengths) plus room for options, on top of the
/// packet itself, accepted in one block.
const BLOCK_SLACK: usize = 4096;
/// Most interfaces tracked per pcapng section.
const MAX_INTERFACES: usize = 256;

/// One captured packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    /// 1-based packet number in the file.
    pub number: u64,
    /// Timestamp in nanoseconds since the Unix epoch, when the file gives one.
    pub timestamp_ns: Option<u64>,
    /// The link type (tcpdump.org LINKTYPE_* value).
    pub link_type: u32,
    /// The captured octets (possibly fewer than were on the wire).
    pub data: Vec<u8>,
    /// The length on the wire.
    pub orig_len: u32,
}

/// What the reader yields: a packet, or a problem with one record (the reader goes on after
/// it when it can).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaptureItem {
    /// A packet.
    Packet(Packet),
    /// A record that could not be used.
    Problem {
        /// The record's 1-based number (packets and problems share the numbering).
        packet: u64,
        /// What was wrong.
        message: String,
    },
}

/// The capture file format recognised from the first four octets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Classic libpcap.
    Pcap {
        /// Multi-octet fields are big-endian.
        big_endian: bool,
        /// Timestamps carry nanoseconds (magic `a1b23c4d`) instead of microseconds.
        nanos: bool,
    },
    /// pcapng.
    Pcapng,
}

/// A file that is not a capture at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CaptureError {
    /// The first octets are not a libpcap or pcapng magic number.
    #[error("not a libpcap or pcapng file (magic {0:#010x})")]
    UnknownMagic(u32),
    /// The file ends inside its header.
    #[error("file header truncated")]
    TruncatedHeader,
    /// The pcapng byte-order magic is wrong.
    #[error("pcapng section header has byte-order magic {0:#010x}")]
    BadByteOrder(u32),
    /// Reading failed.
    #[error("read error: {0}")]
    Io(String),
}

#[derive(Debug, Clone, Copy)]
struct Interface {
    link_type: u32,
    /// Resolution: `(is_power_of_two, exponent)`; default 10^-6.
    tsresol: (bool, u8),
}

/// Reads packets from a capture file, one record at a time.
#[derive(Debug)]
pub struct CaptureReader<R> {
    r: R,
    format: Format,
    /// Byte order of the current pcapng section (or of the pcap file).
    big_endian: bool,
    link_type: u32,
    interfaces: Vec<Interface>,
    max_packet: usize,
    count: u64,
    done: bool,
    /// The first pcapng SHB's body, already consumed by `new`.
    pending_shb: Option<Vec<u8>>,
}

fn u16_at(b: &[u8], at: usize, be: bool) -> Option<u16> {
    let s: [u8; 2] = b.get(at..at.checked_add(2)?)?.try_into().ok()?;
    Some(if be {
        u16::from_be_bytes(s)
    } else {
        u16::from_le_bytes(s)
    })
}

fn u32_at(b: &[u8], at: usize, be: bool) -> Option<u32> {
    let s: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(if be {
        u32::from_be_bytes(s)
    } else {
        u32::from_le_bytes(s)
    })
}

/// Reads exactly `buf.len()` octets; `Ok(false)` at a clean end of file before the first
/// octet, an error for an end in the middle.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<bool> {
    let mut got = 0;
    while got < buf.len() {
        let Some(rest) = buf.get_mut(got..) else {
            break;
        };
        match r.read(rest) {
            Ok(0) if got == 0 => return Ok(false),
            Ok(0) => return Err(io::Error::from(io::ErrorKind::UnexpectedEof)),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

/// Reads and discards `n` octets without buffering them.
fn skip(r: &mut impl Read, n: u64) -> io::Result<()> {
    let copied = io::copy(&mut r.take(n), &mut io::sink())?;
    if copied < n {
        return Err(io::Error::from(io::ErrorKind::UnexpectedEof));
    }
    Ok(())
}

/// Converts a timestamp in interface units to nanoseconds.
fn to_nanos(units: u64, tsresol: (bool, u8)) -> Option<u64> {
    match tsresol {
        (false, e) if e <= 9 => units.checked_mul(10u64.checked_pow(u32::from(9 - e))?),
        (false, e) => Some(units / 10u64.checked_pow(u32::from(e - 9)).unwrap_or(u64::MAX)),
        (true, e) => {
            let ns = (u128::from(units) * 1_000_000_000u128).checked_shr(u32::from(e))?;
            u64::try_from(ns).ok()
        }
    }
}

impl<R: Read> CaptureReader<R> {
    /// Reads the file header and recognises the format. `max_packet` bounds every record.
    pub fn new(mut r: R, max_packet: usize) -> Result<CaptureReader<R>, CaptureError> {
        let mut magic = [0u8; 4];
        match read_full(&mut r, &mut magic) {
            Ok(true) => {}
            Ok(false) => return Err(CaptureError::TruncatedHeader),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                return Err(CaptureError::TruncatedHeader)
            }
            Err(e) => return Err(CaptureError::Io(e.to_string())),
        }
        let le = u32::from_le_bytes(magic);
        let be = u32::from_be_bytes(magic);
        let mut reader = CaptureReader {
            r,
            format: Format::Pcapng,
            big_endian: false,
            link_type: 0,
            interfaces: Vec::new(),
            max_packet,
            count: 0,
            done: false,
            pending_shb: None,
        };
        let pcap = |big_endian, nanos| Format::Pcap { big_endian, nanos };
        reader.format = match (le, be) {
            (PCAP_MAGIC_US, _) => pcap(false, false),
            (PCAP_MAGIC_NS, _) => pcap(false, true),
            (_, PCAP_MAGIC_US) => pcap(true, false),
            (_, PCAP_MAGIC_NS) => pcap(true, true),
            (PCAPNG_SHB, _) => Format::Pcapng,
            _ => return Err(CaptureError::UnknownMagic(be)),
        };
        match reader.format {
            Format::Pcap { big_endian, .. } => {
                reader.big_endian = big_endian;
                let mut rest = [0u8; 20];
                match read_full(&mut reader.r, &mut rest) {
                    Ok(true) => {}
                    Ok(false) => return Err(CaptureError::TruncatedHeader),
                    Err(_) => return Err(CaptureError::TruncatedHeader),
                }
                // version (4), thiszone (4), sigfigs (4), snaplen (4), network (4): the link
                // type is the low 16 bits of network (the high bits carry FCS information).
                let network = u32_at(&rest, 16, big_endian).unwrap_or(0);
                reader.link_type = network & 0xFFFF;
            }
            Format::Pcapng => {
                let body = reader
                    .read_shb_rest()
                    .map_err(|e| CaptureError::Io(e.to_string()))?;
                match body {
                    Ok(b) => reader.pending_shb = Some(b),
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(reader)
    }

    /// The format recognised.
    pub fn format(&self) -> Format {
        self.format
    }

    /// After the SHB type: reads length and byte-order magic, sets the byte order, and
    /// consumes the rest of the block.
    fn read_shb_rest(&mut self) -> io::Result<Result<Vec<u8>, CaptureError>> {
        let mut head = [0u8; 8];
        if !read_full(&mut self.r, &mut head)? {
            return Ok(Err(CaptureError::TruncatedHeader));
        }
        let bom_le = u32_at(&head, 4, false).unwrap_or(0);
        let big_endian = match bom_le {
            PCAPNG_BOM => false,
            x if x.swap_bytes() == PCAPNG_BOM => true,
            x => return Ok(Err(CaptureError::BadByteOrder(x))),
        };
        self.big_endian = big_endian;
        self.interfaces.clear();
        let total = u32_at(&head, 0, big_endian).unwrap_or(0) as usize;
        // type (4) + length (4) + BOM (4) already read; trailing length (4) at the end.
        let rest = total.saturating_sub(12);
        if total < 28 || total % 4 != 0 || rest > BLOCK_SLACK * 16 {
            return Ok(Err(CaptureError::Io(format!(
                "pcapng section header length {total} invalid"
            ))));
        }
        let mut body = vec![0u8; rest];
        read_full(&mut self.r, &mut body)?;
        Ok(Ok(body))
    }

    fn problem(&mut self, message: String) -> CaptureItem {
        self.count += 1;
        CaptureItem::Problem {
            packet: self.count,
            message,
        }
    }

    /// The next packet or problem; `None` at the end of the file (or after an error that
    /// loses the record boundaries).
    pub fn next_packet(&mut self) -> Option<CaptureItem> {
        if self.done {
            return None;
        }
        let res = match self.format {
            Format::Pcap { nanos, .. } => self.next_pcap(nanos),
            Format::Pcapng => self.next_pcapng(),
        };
        match res {
            Ok(item) => {
                if item.is_none() {
                    self.done = true;
                }
                item
            }
            Err(e) => {
                self.done = true;
                Some(self.problem(format!("capture file truncated or unreadable: {e}")))
            }
        }
    }

    fn next_pcap(&mut self, nanos: bool) -> io::Result<Option<CaptureItem>> {
        let be = self.big_endian;
        let mut h = [0u8; 16];
        if !read_full(&mut self.r, &mut h)? {
            return Ok(None);
        }
        let sec = u64::from(u32_at(&h, 0, be).unwrap_or(0));
        let frac = u64::from(u32_at(&h, 4, be).unwrap_or(0));
        let incl = u32_at(&h, 8, be).unwrap_or(0);
        let orig = u32_at(&h, 12, be).unwrap_or(0);
        if incl as usize > self.max_packet {
            skip(&mut self.r, u64::from(incl))?;
            return Ok(Some(self.problem(format!(
                "record of {incl} octets exceeds the limit of {} (skipped)",
                self.max_packet
            ))));
        }
        let mut data = vec![0u8; incl as usize];
        if !read_full(&mut self.r, &mut data)? && incl > 0 {
            return Err(io::Error::from(io::ErrorKind::UnexpectedEof));
        }
        let scale = if nanos { 1 } else { 1_000 };
        let ts = sec
            .checked_mul(1_000_000_000)
            .and_then(|s| s.checked_add(frac.saturating_mul(scale)));
        self.count += 1;
        Ok(Some(CaptureItem::Packet(Packet {
            number: self.count,
            timestamp_ns: ts,
            link_type: self.link_type,
            data,
            orig_len: orig,
        })))
    }

    fn next_pcapng(&mut self) -> io::Result<Option<CaptureItem>> {
        loop {
            if let Some(body) = self.pending_shb.take() {
                // The first SHB: nothing in it is needed (its options are comments).
                drop(body);
            }
            let mut head = [0u8; 8];
            if !read_full(&mut self.r, &mut head)? {
                return Ok(None);
            }
            let raw_type = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
            if raw_type == PCAPNG_SHB {
                // A new section: its byte order may differ. The length was read with the type.
                let total_raw = [head[4], head[5], head[6], head[7]];
                let mut bom = [0u8; 4];
                read_full(&mut self.r, &mut bom)?;
                let big_endian = match u32::from_le_bytes(bom) {
                    PCAPNG_BOM => false,
                    x if x.swap_bytes() == PCAPNG_BOM => true,
                    x => {
                        self.done = true;
                        return Ok(Some(self.problem(format!(
                            "pcapng section header has byte-order magic {x:#010x}"
                        ))));
                    }
                };
                self.big_endian = big_endian;
                self.interfaces.clear();
                let total = u32_at(&total_raw, 0, big_endian).unwrap_or(0) as usize;
                if total < 28 || total % 4 != 0 {
                    self.done = true;
                    return Ok(Some(
                        self.problem(format!("pcapng section header length {total} invalid")),
                    ));
                }
                skip(&mut self.r, (total - 12) as u64)?;
                continue;
            }
            let be = self.big_endian;
            let btype = u32_at(&head, 0, be).unwrap_or(0);
            let total = u32_at(&head, 4, be).unwrap_or(0) as usize;
            if total < 12 || total % 4 != 0 {
                self.done = true;
                return Ok(Some(self.problem(format!(
                    "pcapng block type {btype:#x} has invalid length {total}"
                ))));
            }
            let body_len = total - 12;
            let wanted = matches!(btype, PCAPNG_IDB | PCAPNG_EPB | PCAPNG_SPB);
            if !wanted {
                skip(&mut self.r, (body_len + 4) as u64)?;
                continue;
            }
            if body_len > self.max_packet.saturating_add(BLOCK_SLACK) {
                skip(&mut self.r, (body_len + 4) as u64)?;
                return Ok(Some(self.problem(format!(
                    "pcapng block of {total} octets exceeds the limit (skipped)"
                ))));
            }
            let mut body = vec![0u8; body_len];
            read_full(&mut self.r, &mut body)?;
            let mut trailer = [0u8; 4];
            read_full(&mut self.r, &mut trailer)?;
            match btype {
                PCAPNG_IDB => {
                    self.interface(&body);
                    continue;
                }
                PCAPNG_EPB => return Ok(Some(self.epb(&body))),
                _ => return Ok(Some(self.spb(&body))),
            }
        }
    }

    fn interface(&mut self, body: &[u8]) {
        let be = self.big_endian;
        let link_type = u32::from(u16_at(body, 0, be).unwrap_or(0));
        let mut tsresol = (false, 6u8);
        let mut at = 8usize;
        while let (Some(code), Some(len)) = (u16_at(body, at, be), u16_at(body, at + 2, be)) {
            if code == 0 {
                break;
            }
            let len = usize::from(len);
            if code == OPT_IF_TSRESOL {
                if let Some(&v) = body.get(at + 4) {
                    tsresol = (v & 0x80 != 0, v & 0x7F);
                }
            }
            at = at.saturating_add(4).saturating_add(len.div_ceil(4) * 4);
        }
        if self.interfaces.len() < MAX_INTERFACES {
            self.interfaces.push(Interface { link_type, tsresol });
        }
    }

    fn epb(&mut self, body: &[u8]) -> CaptureItem {
        let be = self.big_endian;
        let (Some(if_id), Some(hi), Some(lo), Some(cap), Some(orig)) = (
            u32_at(body, 0, be),
            u32_at(body, 4, be),
            u32_at(body, 8, be),
            u32_at(body, 12, be),
            u32_at(body, 16, be),
        ) else {
            return self.problem("pcapng enhanced packet block too short".into());
        };
        let Some(iface) = self.interfaces.get(if_id as usize).copied() else {
            return self.problem(format!(
                "pcapng packet for undeclared interface {if_id} (skipped)"
            ));
        };
        let Some(data) = body.get(20..20usize.saturating_add(cap as usize)) else {
            return self.problem(format!(
                "pcapng packet length {cap} runs past its block (skipped)"
            ));
        };
        let units = (u64::from(hi) << 32) | u64::from(lo);
        self.count += 1;
        CaptureItem::Packet(Packet {
            number: self.count,
            timestamp_ns: to_nanos(units, iface.tsresol),
            link_type: iface.link_type,
            data: data.to_vec(),
            orig_len: orig,
        })
    }

    fn spb(&mut self, body: &[u8]) -> CaptureItem {
        let be = self.big_endian;
        let Some(iface) = self.interfaces.first().copied() else {
            return self.problem("pcapng simple packet without an interface (skipped)".into());
        };
        let orig = u32_at(body, 0, be).unwrap_or(0);
        let avail = body.len().saturating_sub(4);
        let cap = (orig as usize).min(avail);
        let data = body.get(4..4 + cap).unwrap_or(&[]);
        self.count += 1;
        CaptureItem::Packet(Packet {
            number: self.count,
            timestamp_ns: None,
            link_type: iface.link_type,
            data: data.to_vec(),
            orig_len: orig,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classic(be: bool, nanos: bool, link: u32, packets: &[&[u8]]) -> Vec<u8> {
        let w32 = |v: u32| if be { v.to_be_bytes() } else { v.to_le_bytes() };
        let w16 = |v: u16| if be { v.to_be_bytes() } else { v.to_le_bytes() };
        let mut f = Vec::new();
        f.extend(w32(if nanos { PCAP_MAGIC_NS } else { PCAP_MAGIC_US }));
        f.extend(w16(2));
        f.extend(w16(4));
        f.extend(w32(0));
        f.extend(w32(0));
        f.extend(w32(65535));
        f.extend(w32(link));
        for (i, p) in packets.iter().enumerate() {
            f.extend(w32(1_700_000_000));
            f.extend(w32(i as u32 + 5));
            f.extend(w32(p.len() as u32));
            f.extend(w32(p.len() as u32));
            f.extend_from_slice(p);
        }
        f
    }

    fn all(file: &[u8]) -> Vec<CaptureItem> {
        let mut r = CaptureReader::new(file, 1000).unwrap();
        std::iter::from_fn(|| r.next_packet()).collect()
    }

    #[test]
    fn classic_both_byte_orders_and_resolutions() {
        for be in [false, true] {
            for nanos in [false, true] {
                let f = classic(be, nanos, 101, &[b"abc", b"de"]);
                let items = all(&f);
                assert_eq!(items.len(), 2);
                let CaptureItem::Packet(p) = &items[1] else {
                    panic!("{items:?}")
                };
                assert_eq!(p.data, b"de");
                assert_eq!(p.link_type, 101);
                let frac = if nanos { 6 } else { 6_000 };
                assert_eq!(p.timestamp_ns, Some(1_700_000_000_000_000_000 + frac));
            }
        }
    }

    #[test]
    fn oversized_record_skipped_and_reading_goes_on() {
        let big = vec![0u8; 2000];
        let f = classic(false, false, 1, &[&big, b"ok"]);
        let items = all(&f);
        assert!(matches!(items[0], CaptureItem::Problem { packet: 1, .. }));
        assert!(matches!(&items[1], CaptureItem::Packet(p) if p.data == b"ok" && p.number == 2));
    }

    #[test]
    fn truncated_record_reported_once() {
        let mut f = classic(false, false, 1, &[b"abcdef"]);
        f.truncate(f.len() - 2);
        let items = all(&f);
        assert_eq!(items.len(), 1);
        assert!(
            matches!(&items[0], CaptureItem::Problem { message, .. } if message.contains("truncated"))
        );
    }

    #[test]
    fn garbage_is_not_a_capture() {
        assert!(matches!(
            CaptureReader::new(&b"hello world"[..], 100),
            Err(CaptureError::UnknownMagic(_))
        ));
        assert!(matches!(
            CaptureReader::new(&b"\xa1"[..], 100),
            Err(CaptureError::TruncatedHeader)
        ));
    }

    fn block(be: bool, t: u32, body: &[u8]) -> Vec<u8> {
        let w32 = |v: u32| if be { v.to_be_bytes() } else { v.to_le_bytes() };
        let padded = body.len().div_ceil(4) * 4;
        let total = (12 + padded) as u32;
        let mut b = Vec::new();
        b.extend(w32(t));
        b.extend(w32(total));
        b.extend_from_slice(body);
        b.resize(8 + padded, 0);
        b.extend(w32(total));
        b
    }

    fn pcapng(be: bool) -> Vec<u8> {
        let w32 = |v: u32| if be { v.to_be_bytes() } else { v.to_le_bytes() };
        let w16 = |v: u16| if be { v.to_be_bytes() } else { v.to_le_bytes() };
        let mut shb = Vec::new();
        shb.extend(w32(PCAPNG_BOM));
        shb.extend(w16(1));
        shb.extend(w16(0));
        shb.extend([0xFF; 8]);
        let mut idb = Vec::new();
        idb.extend(w16(228));
        idb.extend(w16(0));
        idb.extend(w32(0));
        idb.extend(w16(OPT_IF_TSRESOL));
        idb.extend(w16(1));
        idb.extend([9, 0, 0, 0]);
        idb.extend([0, 0, 0, 0]);
        let mut epb = Vec::new();
        epb.extend(w32(0));
        epb.extend(w32(0));
        epb.extend(w32(1_500));
        epb.extend(w32(3));
        epb.extend(w32(3));
        epb.extend(b"xyz");
        let mut spb = Vec::new();
        spb.extend(w32(2));
        spb.extend(b"pq");
        let mut f = Vec::new();
        f.extend(block(be, PCAPNG_SHB, &shb));
        f.extend(block(be, PCAPNG_IDB, &idb));
        f.extend(block(be, 5, b"stats")); // interface statistics: skipped
        f.extend(block(be, PCAPNG_EPB, &epb));
        f.extend(block(be, PCAPNG_SPB, &spb));
        f
    }

    #[test]
    fn pcapng_both_byte_orders_epb_spb_and_tsresol() {
        for be in [false, true] {
            let items = all(&pcapng(be));
            assert_eq!(items.len(), 2, "{items:?}");
            let CaptureItem::Packet(p) = &items[0] else {
                panic!()
            };
            assert_eq!(p.data, b"xyz");
            assert_eq!(p.link_type, 228);
            assert_eq!(p.timestamp_ns, Some(1_500)); // if_tsresol 9 = nanoseconds
            let CaptureItem::Packet(q) = &items[1] else {
                panic!()
            };
            assert_eq!(q.data, b"pq");
        }
    }

    #[test]
    fn pcapng_epb_for_unknown_interface_is_a_problem() {
        let mut f = pcapng(false);
        // drop the IDB: the EPB then names an interface never declared
        let shb_len = 28;
        let idb_len = u32::from_le_bytes(f[shb_len + 4..shb_len + 8].try_into().unwrap()) as usize;
        f.drain(shb_len..shb_len + idb_len);
        let items = all(&f);
        assert!(
            matches!(&items[0], CaptureItem::Problem { message, .. } if message.contains("undeclared"))
        );
    }
}
