//! `mms decode`: a small protocol dissector that shows every layer of each PDU of the MMS stack,
//! from a hex dump or a packet capture, as a tree of named fields.
//!
//! The layers and the clauses they follow:
//!
//! | layer | standard | parser used |
//! |---|---|---|
//! | TPKT | RFC 1006 §6 | [`cot::tpkt::frame_len`] |
//! | COTP | ISO 8073 §13 (class 0) | [`cot::tpdu::parse`] |
//! | session | ISO 8327-1 / X.225 §8 | [`cosp::spdu::parse`] |
//! | presentation | ISO 8823-1 / X.226 §8 | [`copp::ppdu`] |
//! | ACSE | ISO 8650-1 / X.227 §9 | [`acse::apdu::parse_with`] |
//! | MMS | ISO 9506-2 §7 | [`crate::pdu::MmsPdu::decode`] |
//!
//! Nothing here re-implements a layer's parser: each layer's bytes go to that layer's crate and
//! the decoded value is turned into [`Field`]s. What this module adds is the capture side
//! (classic libpcap and pcapng files, [`pcap`]; Ethernet / IPv4 / TCP and stream reassembly,
//! [`tcp`]), cutting TPKT frames out of a byte stream and reassembling COTP DT segments into one
//! TSDU per direction (ISO 8073 §6.3, EOT). Every stage is bounded by [`Limits`]; no input
//! panics, and an error at one layer is reported as an [`Issue`] (layer, offset, message) while
//! the rest of the input goes on being decoded.
//!
//! Sans-IO: [`dissect_bytes`] and [`Dissector`] take bytes and return [`Frame`]s; only
//! [`run_decode`] reads files.

mod acse_fields;
mod cotp_fields;
pub mod debug_tree;
pub mod layers;
pub mod mms_fields;
pub mod pcap;
pub mod render;
mod session_fields;
pub mod tcp;
mod upper;

use std::fmt;
use std::io::Write;
use std::path::PathBuf;

pub use layers::Dissector;

/// One node of a dissection tree: a named value with named children, like one line of a
/// protocol analyser's packet-details pane.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Field {
    /// The field's name (mostly as the standard's ASN.1 or clause names it).
    pub name: String,
    /// The rendered value; empty for pure groups.
    pub value: String,
    /// Sub-fields.
    pub children: Vec<Field>,
}

impl Field {
    /// A leaf field.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Field {
        Field {
            name: name.into(),
            value: value.into(),
            children: Vec::new(),
        }
    }

    /// A field with children.
    pub fn group(name: impl Into<String>, value: impl Into<String>, children: Vec<Field>) -> Field {
        Field {
            name: name.into(),
            value: value.into(),
            children,
        }
    }

    /// Appends a child and returns `self` (builder style).
    pub fn with(mut self, child: Field) -> Field {
        self.children.push(child);
        self
    }

    /// Appends a leaf child.
    pub fn push(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.children.push(Field::new(name, value));
    }

    /// The first field, depth first (this one included), whose name is `name`.
    pub fn find(&self, name: &str) -> Option<&Field> {
        if self.name == name {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(name))
    }

    /// Every field named `name`, depth first (this one included).
    pub fn find_all<'s>(&'s self, name: &str) -> Vec<&'s Field> {
        let mut out = Vec::new();
        self.collect(name, &mut out);
        out
    }

    fn collect<'s>(&'s self, name: &str, out: &mut Vec<&'s Field>) {
        if self.name == name {
            out.push(self);
        }
        for c in &self.children {
            c.collect(name, out);
        }
    }
}

/// The protocol layer an [`Issue`] or a top-level [`Field`] belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    /// The capture file (libpcap / pcapng) or the hex input.
    Capture,
    /// The link layer (Ethernet, Linux cooked, loopback).
    Link,
    /// IPv4 (RFC 791).
    Ip,
    /// TCP (RFC 9293) and stream reassembly.
    Tcp,
    /// TPKT (RFC 1006 §6).
    Tpkt,
    /// COTP (ISO 8073 §13).
    Cotp,
    /// Session (ISO 8327-1 / X.225).
    Session,
    /// Presentation (ISO 8823-1 / X.226).
    Presentation,
    /// ACSE (ISO 8650-1 / X.227).
    Acse,
    /// MMS (ISO 9506-2).
    Mms,
}

impl Layer {
    /// The layer's short name, as printed.
    pub fn name(self) -> &'static str {
        match self {
            Layer::Capture => "capture",
            Layer::Link => "link",
            Layer::Ip => "IPv4",
            Layer::Tcp => "TCP",
            Layer::Tpkt => "TPKT",
            Layer::Cotp => "COTP",
            Layer::Session => "session",
            Layer::Presentation => "presentation",
            Layer::Acse => "ACSE",
            Layer::Mms => "MMS",
        }
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What an offset in an [`Issue`] counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetBase {
    /// The first octet of the frame (the TPKT header, or the bare MMS PDU).
    Frame,
    /// The first octet of the reassembled TSDU (the session SPDU), when it came from several
    /// COTP DT TPDUs.
    Tsdu,
    /// The first octet of the captured packet (link-layer header).
    Packet,
    /// The first octet of the input (hex) or of the direction's TCP stream.
    Stream,
}

impl OffsetBase {
    /// How the base is printed ("frame offset", ...).
    pub fn name(self) -> &'static str {
        match self {
            OffsetBase::Frame => "frame",
            OffsetBase::Tsdu => "TSDU",
            OffsetBase::Packet => "packet",
            OffsetBase::Stream => "stream",
        }
    }
}

/// A problem found while decoding: which layer, where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// The layer whose parser refused the octets.
    pub layer: Layer,
    /// Offset of the start of the PDU (or octet) concerned, counted from `base`.
    pub offset: usize,
    /// What the offset counts from.
    pub base: OffsetBase,
    /// The parser's error message.
    pub message: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} error at {} offset {}: {}",
            self.layer,
            self.base.name(),
            self.offset,
            self.message
        )
    }
}

/// Where a frame came from in a capture.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Origin {
    /// 1-based number of the capture packet that completed the frame.
    pub packet: u64,
    /// Capture timestamp in nanoseconds since the Unix epoch, when known.
    pub timestamp_ns: Option<u64>,
    /// Source address and port (`a.b.c.d:port`).
    pub src: String,
    /// Destination address and port.
    pub dst: String,
}

/// One decoded unit: a TPKT frame (with everything above it that could be decoded), a bare
/// MMS PDU, or a capture packet that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Frame {
    /// 1-based frame number in the output.
    pub number: usize,
    /// The capture packet, for pcap input.
    pub origin: Option<Origin>,
    /// Offset of the frame's first octet in the input (hex) or in its TCP direction's stream.
    pub offset: usize,
    /// Length of the frame in octets.
    pub len: usize,
    /// One top-level field per layer decoded, outermost first (names "TPKT", "COTP",
    /// "Session", "Presentation", "ACSE", "MMS").
    pub layers: Vec<Field>,
    /// Errors found, in layer order.
    pub issues: Vec<Issue>,
    /// Remarks that are not errors (segments still incomplete, TCP gaps, skipped packets).
    pub notes: Vec<String>,
}

impl Frame {
    /// The top-level field of the layer named `name` ("TPKT", "COTP", "Session",
    /// "Presentation", "ACSE", "MMS").
    pub fn layer(&self, name: &str) -> Option<&Field> {
        self.layers.iter().find(|f| f.name == name)
    }

    /// The top-level fields of every layer named `name` (a PPDU may carry several APDUs).
    pub fn layers_named<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s Field> + 's {
        self.layers.iter().filter(move |f| f.name == name)
    }
}

/// Bounds on everything the dissector buffers (docs/design.md principle 3). Every buffer is checked
/// against its bound before it grows. Worst case per tracked connection and direction: one
/// partial TPKT frame (64 KiB), `max_tsdu` and `max_out_of_order` (plus one segment); with the
/// defaults about 150 MiB for 256 connections all misbehaving at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest TPKT packet accepted (RFC 1006 caps it at 65 535).
    pub max_tpkt: usize,
    /// Largest reassembled TSDU (the sum of a run of COTP DT TPDUs up to EOT).
    pub max_tsdu: usize,
    /// Most octets of out-of-order TCP segments held per direction before a gap is declared.
    pub max_out_of_order: usize,
    /// Largest captured packet (pcap record / pcapng block) accepted.
    pub max_packet: usize,
    /// Most TCP connections tracked at once; further ones are reported and skipped.
    pub max_connections: usize,
    /// Largest input file read by [`run_decode`] for `--hex-file`.
    pub max_hex_file: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_tpkt: cot::tpkt::MAX_PACKET_LEN,
            max_tsdu: 1 << 18,
            max_out_of_order: 1 << 18,
            max_packet: 1 << 18,
            max_connections: 256,
            max_hex_file: 64 << 20,
        }
    }
}

/// Where decoding of hex input starts (`--layer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StartLayer {
    /// TPKT when the input starts with `03 00`, otherwise a bare MMS PDU.
    #[default]
    Auto,
    /// One or more TPKT frames, concatenated.
    Tpkt,
    /// One bare MMS PDU (ISO 9506-2 MMSpdu), nothing below it.
    Mms,
}

/// Errors that stop `mms decode` as a whole (everything else is an [`Issue`] of a frame).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DissectError {
    /// No input was given, or more than one.
    #[error("give exactly one of --hex, --hex-file or --pcap")]
    NoInput,
    /// The hex text holds a token that is not hex (where no ASCII column can be).
    #[error("invalid hex input on line {line}: {token:?}")]
    InvalidHex {
        /// 1-based line number.
        line: usize,
        /// The offending token.
        token: String,
    },
    /// A line of the hex text has an odd number of digits.
    #[error("hex input line {line} has an odd number of digits")]
    OddHex {
        /// 1-based line number.
        line: usize,
    },
    /// The capture file's header is not libpcap or pcapng.
    #[error("capture: {0}")]
    Capture(String),
    /// A file could not be read, or the output could not be written.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// An input file exceeds the configured maximum.
    #[error("{what} is {len} octets, above the limit of {max}")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// Its size.
        len: u64,
        /// The limit.
        max: usize,
    },
}

/// The arguments of `mms decode`, as a plain struct (the program maps its command line onto it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecodeArgs {
    /// `--hex HEX`: the octets as hex text (see [`parse_hex`] for the forms accepted).
    pub hex: Option<String>,
    /// `--hex-file F`: a file holding hex text (`-` for standard input is the program's job).
    pub hex_file: Option<PathBuf>,
    /// `--pcap FILE`: a classic libpcap or pcapng capture.
    pub pcap: Option<PathBuf>,
    /// `--json`: print JSON instead of the text tree.
    pub json: bool,
    /// `--layer`: where hex input starts.
    pub layer: StartLayer,
    /// Bounds on buffering.
    pub limits: Limits,
}

/// Decodes hex input (no capture headers) into frames: one or more concatenated TPKT frames,
/// or one bare MMS PDU, as `start` says. COTP DT segments are reassembled into TSDUs across
/// the frames.
pub fn dissect_bytes(input: &[u8], start: StartLayer, limits: &Limits) -> Vec<Frame> {
    let mut d = Dissector::new(*limits);
    let tpkt = match start {
        StartLayer::Tpkt => true,
        StartLayer::Mms => false,
        StartLayer::Auto => input.starts_with(&[cot::tpkt::VERSION, 0]),
    };
    let mut frames = if tpkt {
        d.stream_bytes(input)
    } else {
        vec![d.bare_mms(input)]
    };
    frames.extend(d.finish());
    frames
}

/// Decodes a capture file held in memory (classic libpcap or pcapng): every IPv4/TCP
/// conversation's directions are reassembled and their TPKT frames decoded.
pub fn dissect_pcap(file: &[u8], limits: &Limits) -> Result<Vec<Frame>, DissectError> {
    let mut out = Vec::new();
    let mut d = Dissector::new(*limits);
    let mut reader = pcap::CaptureReader::new(std::io::Cursor::new(file), limits.max_packet)
        .map_err(|e| DissectError::Capture(e.to_string()))?;
    while let Some(item) = reader.next_packet() {
        out.extend(d.packet(item));
    }
    out.extend(d.finish());
    Ok(out)
}

/// Parses hex text: pairs of hex digits, with whitespace, `:`, `,`, `-` and `0x` prefixes
/// ignored, so a Wireshark "copy as hex stream", `xxd -p` output and `03 00 00 16 ...` all
/// work. Dumps with an offset column (`od -Ax -tx1`, `xxd`, Wireshark's hex dump) work too:
/// a first token that ends with `:`, or that is 4+ digits long and followed by 2-digit tokens,
/// is an offset and is skipped, and a line's trailing ASCII column (the first token that is not
/// hex) ends that line.
pub fn parse_hex(text: &str) -> Result<Vec<u8>, DissectError> {
    let mut out = Vec::with_capacity(text.len() / 2);
    // Once a line had an offset column, every line has one (`od` ends with a bare offset).
    let mut offsets = false;
    for (n, line) in text.lines().enumerate() {
        let tokens: Vec<&str> = line
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|t| !t.is_empty())
            .collect();
        let mut digits = String::new();
        for (i, tok) in tokens.iter().enumerate() {
            let is_offset = i == 0
                && (offsets
                    || tokens.len() > 1
                        && (tok.ends_with(':')
                            || (tok.len() >= 4 && tokens.get(1).is_some_and(|t| t.len() == 2))));
            if is_offset {
                offsets = true;
                continue;
            }
            let t = tok
                .strip_prefix("0x")
                .or_else(|| tok.strip_prefix("0X"))
                .unwrap_or(tok);
            let t: String = t.chars().filter(|c| !matches!(c, ':' | '-')).collect();
            if !t.chars().all(|c| c.is_ascii_hexdigit()) {
                if digits.is_empty() {
                    return Err(DissectError::InvalidHex {
                        line: n + 1,
                        token: tok.to_string(),
                    });
                }
                break; // an ASCII column
            }
            digits.push_str(&t);
        }
        if digits.len() % 2 != 0 {
            return Err(DissectError::OddHex { line: n + 1 });
        }
        let b = digits.as_bytes();
        for pair in b.chunks(2) {
            let v = std::str::from_utf8(pair)
                .ok()
                .and_then(|p| u8::from_str_radix(p, 16).ok());
            match v {
                Some(v) => out.push(v),
                None => return Err(DissectError::OddHex { line: n + 1 }),
            }
        }
    }
    Ok(out)
}

/// `mms decode`: reads the input `args` names, decodes every frame and writes the text tree
/// (or JSON with `args.json`) to `out`. Frames are written as they are decoded, so a large
/// capture is never held in memory as a whole.
pub fn run_decode(args: DecodeArgs, out: &mut dyn Write) -> Result<(), DissectError> {
    let given = [
        args.hex.is_some(),
        args.hex_file.is_some(),
        args.pcap.is_some(),
    ];
    if given.iter().filter(|g| **g).count() != 1 {
        return Err(DissectError::NoInput);
    }
    let mut sink = render::Sink::new(out, args.json);
    sink.start()?;
    if let Some(path) = &args.pcap {
        let file = std::fs::File::open(path)?;
        let mut reader =
            pcap::CaptureReader::new(std::io::BufReader::new(file), args.limits.max_packet)
                .map_err(|e| DissectError::Capture(e.to_string()))?;
        let mut d = Dissector::new(args.limits);
        while let Some(item) = reader.next_packet() {
            for f in d.packet(item) {
                sink.frame(&f)?;
            }
        }
        for f in d.finish() {
            sink.frame(&f)?;
        }
    } else {
        let text = match (&args.hex, &args.hex_file) {
            (Some(h), _) => h.clone(),
            (None, Some(p)) => {
                let len = std::fs::metadata(p)?.len();
                if len > args.limits.max_hex_file as u64 {
                    return Err(DissectError::TooLarge {
                        what: "hex file",
                        len,
                        max: args.limits.max_hex_file,
                    });
                }
                std::fs::read_to_string(p)?
            }
            (None, None) => return Err(DissectError::NoInput),
        };
        let bytes = parse_hex(&text)?;
        for f in dissect_bytes(&bytes, args.layer, &args.limits) {
            sink.frame(&f)?;
        }
    }
    sink.end()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_forms() {
        let want = vec![3, 0, 0, 0x16, 0x11, 0xe0];
        for text in [
            "0300001611e0",
            "03 00 00 16 11 e0",
            "03:00:00:16:11:e0",
            "0x03, 0x00, 0x00, 0x16, 0x11, 0xE0",
            "000000 03 00 00 16\n000004 11 e0\n000006\n",
            "0000  03 00 00 16 11 e0   ......\n",
            "00000000: 0300 0016 11e0  ......",
        ] {
            assert_eq!(parse_hex(text).unwrap(), want, "{text:?}");
        }
        assert!(matches!(
            parse_hex("03 0"),
            Err(DissectError::OddHex { line: 1 })
        ));
        assert!(matches!(
            parse_hex("zz 03"),
            Err(DissectError::InvalidHex { line: 1, .. })
        ));
    }

    #[test]
    fn bare_mms_and_forced_layers() {
        // identify request, invokeID 1, as a bare MMS PDU
        let pdu = [0xa0, 0x05, 0x02, 0x01, 0x01, 0x82, 0x00];
        let f = dissect_bytes(&pdu, StartLayer::Auto, &Limits::default());
        assert_eq!(f.len(), 1);
        let m = f[0].layer("MMS").unwrap();
        assert_eq!(
            m.find("confirmedServiceRequest").unwrap().value,
            "identify (2)"
        );
        // Forced TPKT on the same octets: a TPKT error, no panic.
        let f = dissect_bytes(&pdu, StartLayer::Tpkt, &Limits::default());
        assert_eq!(f[0].issues[0].layer, Layer::Tpkt);
    }
}
