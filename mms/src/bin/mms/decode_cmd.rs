//! `mms decode`: prints every layer (TPKT, COTP, session, presentation, ACSE, MMS) of each PDU
//! in hex text or a capture file, like a small dissector.

use std::io::Read;
use std::path::PathBuf;

use mms::dissect::{run_decode, DecodeArgs as LibArgs, Limits, StartLayer};

/// Where hex input starts.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Layer {
    /// TPKT when the input starts with 03 00, else a bare MMS PDU.
    Auto,
    /// One or more TPKT frames.
    Tpkt,
    /// One bare MMS PDU.
    Mms,
}

/// Options of `mms decode`.
#[derive(Debug, Clone, clap::Args)]
pub struct DecodeArgs {
    /// Hex text (spaces, 0x prefixes and od/xxd/Wireshark dumps are accepted).
    #[arg(long, conflicts_with_all = ["hex_file", "pcap"])]
    pub hex: Option<String>,
    /// A file of hex text; `-` reads standard input.
    #[arg(long, conflicts_with = "pcap")]
    pub hex_file: Option<PathBuf>,
    /// A pcap or pcapng capture (TCP over IPv4; RFC 1006 on any port).
    #[arg(long)]
    pub pcap: Option<PathBuf>,
    /// Print JSON instead of a text tree.
    #[arg(long)]
    pub json: bool,
    /// Where hex input starts.
    #[arg(long, value_enum, default_value = "auto")]
    pub layer: Layer,
}

/// `mms decode`.
pub fn run(args: &DecodeArgs) -> Result<(), String> {
    let mut hex = args.hex.clone();
    let mut hex_file = args.hex_file.clone();
    if hex_file.as_deref() == Some(std::path::Path::new("-")) {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("standard input: {e}"))?;
        hex = Some(s);
        hex_file = None;
    }
    if hex.is_none() && hex_file.is_none() && args.pcap.is_none() {
        return Err("give --hex, --hex-file or --pcap".into());
    }
    let lib = LibArgs {
        hex,
        hex_file,
        pcap: args.pcap.clone(),
        json: args.json,
        layer: match args.layer {
            Layer::Auto => StartLayer::Auto,
            Layer::Tpkt => StartLayer::Tpkt,
            Layer::Mms => StartLayer::Mms,
        },
        limits: Limits::default(),
    };
    let mut out = std::io::BufWriter::new(crate::out::Stdout);
    run_decode(lib, &mut out).map_err(|e| e.to_string())?;
    std::io::Write::flush(&mut out).map_err(|e| e.to_string())
}
