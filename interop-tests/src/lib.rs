//! Test support for talking to peers nobody here wrote: a pcap writer so
//! Wireshark's dissectors (via `tshark`) can judge our bytes, a tshark runner,
//! hat-drivers peer processes (Python scripts in `interop-tests/peers/`), a
//! prosody XMPP server with a slixmpp client peer ([`prosody`]), and
//! hand-checked MMS initiate vectors.
//!
//! Project rule for every external peer: if it is missing and env `CI` is
//! `true`, the test fails; outside CI it is skipped with a loud message
//! ([`tshark::require_tshark`], [`peer::require_python_peer`]).
#![forbid(unsafe_code)]

use std::env;
use std::fmt;
use std::path::PathBuf;

pub mod driver;
pub mod hat_frames;
pub mod mitm;
pub mod mms_dissect;
pub mod mms_vectors;
pub mod pcap;
pub mod peer;
pub mod prosody;
pub mod proxy;
pub mod tshark;
pub mod xmpp_drive;
pub mod xmpp_rig;

pub use pcap::TcpCapture;
pub use peer::{require_python_peer, PeerLine, PythonPeer};
pub use tshark::{require_tshark, Tshark};

/// An external tool or peer that a test needs but this machine lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerMissing {
    /// Which peer (e.g. "tshark").
    pub peer: String,
    /// Why it counts as missing, with a hint how to install it.
    pub reason: String,
}

impl fmt::Display for PeerMissing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.peer, self.reason)
    }
}

impl std::error::Error for PeerMissing {}

/// The workspace root (`CARGO_MANIFEST_DIR/..`).
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// True when running in CI: env `CI` is `true` or `1` (case-insensitive).
pub fn in_ci() -> bool {
    env::var("CI")
        .map(|v| v.eq_ignore_ascii_case("true") || v == "1")
        .unwrap_or(false)
}

/// A fresh scratch directory under the system temp dir for pcaps and logs of
/// one test (`<tmp>/osi-mms-interop/<name>-<pid>`).
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = env::temp_dir()
        .join("osi-mms-interop")
        .join(format!("{name}-{}", std::process::id()));
    // a failure shows up when the test writes its first file
    let _ = std::fs::create_dir_all(&dir);
    dir
}
