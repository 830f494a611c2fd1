//! A real XMPP server for tests: the lab prosody of [`mms::xmpp::lab`] (a child process with
//! its own configuration, data and log in a scratch directory, loopback port, STARTTLS
//! required, a certificate from a throw-away CA), plus the project rule for it and for the
//! independent XMPP client (`peers/xmpp_client.py` on PyPI `slixmpp`).
//!
//! ```no_run
//! use interop_tests::prosody::{require_prosody, require_slixmpp, Prosody};
//! let Some(tools) = require_prosody() else { return };
//! let Some(python) = require_slixmpp() else { return };
//! let dir = interop_tests::scratch_dir("xmpp");
//! let server = Prosody::start(&tools, &dir, "localhost").expect("prosody");
//! server.register("a", "secret-a").expect("register");
//! // xmpp_client.py --port server.port() --ca server.ca_pem() ...
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use mms::xmpp::lab::{Prosody, ProsodyError, ProsodyTools, CAPTURE_PLUGIN, START_TIMEOUT};

use crate::peer::{probe_python, require, PeerError, PythonPeer};
use crate::PeerMissing;

/// Finds prosody ([`mms::xmpp::lab::locate_prosody`]: env `OSI_MMS_PROSODY` and
/// `OSI_MMS_PROSODYCTL`, else `PATH`, checked by `prosodyctl about`).
pub fn locate_prosody() -> Result<ProsodyTools, PeerMissing> {
    mms::xmpp::lab::locate_prosody().map_err(|reason| PeerMissing {
        peer: "prosody".into(),
        reason,
    })
}

/// The project rule for tests that need an XMPP server: prosody's programs, or (missing) a
/// panic under `CI=true` and a loud `SKIPPED` line otherwise.
pub fn require_prosody() -> Option<ProsodyTools> {
    require(locate_prosody(), "prosody")
}

/// Checks that the peers' Python ([`crate::peer::python_path`]) can `import slixmpp` (PyPI).
pub fn locate_slixmpp() -> Result<PathBuf, PeerMissing> {
    probe_python(
        "slixmpp (Python)",
        "import slixmpp; slixmpp.ClientXMPP",
        "slixmpp",
    )
}

/// The project rule for tests that need the XMPP client peer: the interpreter if slixmpp
/// imports; if not, panics under `CI=true`, else prints a loud `SKIPPED` line and returns `None`.
pub fn require_slixmpp() -> Option<PathBuf> {
    require(locate_slixmpp(), "slixmpp")
}

/// Starts `peers/xmpp_client.py ... listen` as `jid` (full JID, e.g. `a@localhost/IEC`) against
/// `server` and waits for its `READY` line (session started over verified STARTTLS). It prints
/// `MESSAGE from=<jid> type= body=<hex>` per message received and runs until its stdin closes
/// (drop) or it is killed.
pub fn xmpp_listener(
    python: &Path,
    server: &Prosody,
    jid: &str,
    password: &str,
    timeout: Duration,
) -> Result<PythonPeer, PeerError> {
    let args = client_args(server, jid, password, &["listen"]);
    let mut peer = PythonPeer::spawn_piped(python, "xmpp_client.py", &as_strs(&args))?;
    peer.expect("READY", timeout)?;
    Ok(peer)
}

/// Starts `peers/xmpp_client.py ... send --to <to> --body <body>` as `jid` against `server`
/// without waiting: it prints `READY`, then `SENT` and exits 0 (or `ERROR` and exits 1).
pub fn xmpp_send(
    python: &Path,
    server: &Prosody,
    jid: &str,
    password: &str,
    to: &str,
    body: &str,
) -> Result<PythonPeer, PeerError> {
    let args = client_args(server, jid, password, &["send", "--to", to, "--body", body]);
    PythonPeer::spawn(python, "xmpp_client.py", &as_strs(&args))
}

/// The arguments of `xmpp_client.py`: the account and server, then `action`.
fn client_args(server: &Prosody, jid: &str, password: &str, action: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "--jid".into(),
        jid.into(),
        "--password".into(),
        password.into(),
        "--port".into(),
        server.port().to_string(),
        "--ca".into(),
        server.ca_pem().to_string_lossy().into_owned(),
    ];
    args.extend(action.iter().map(|a| a.to_string()));
    args
}

fn as_strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}
