//! Independent peers written in Python on top of hat-drivers (PyPI
//! `hat-drivers`): spawning the scripts in `interop-tests/peers/`, reading the
//! event lines they print, and killing them when the test is done.
//!
//! The scripts print one event per line on stdout: a keyword followed by bare
//! words and `key=value` tokens (`-` = absent), e.g.
//! `INITIATE_REQUEST pdu=initiate-RequestPDU localDetailCalling=65000 ...`.
//! See `interop-tests/peers/README.md` for every keyword.

use std::env;
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::{in_ci, workspace_root, PeerMissing};

/// How long [`PythonPeer::spawn_server`] waits for `READY <port>` by default.
pub const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// The Python interpreter to use: env `OSI_MMS_PYTHON` if set, else
/// `<workspace root>/.venv/bin/python` (created by `.ci/run`).
pub fn python_path() -> PathBuf {
    match env::var_os("OSI_MMS_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => workspace_root().join(".venv").join("bin").join("python"),
    }
}

/// The folder holding the peer scripts (`interop-tests/peers`).
pub fn peers_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("peers")
}

/// Checks that [`python_path`] runs and can `import hat.drivers.mms`.
pub fn locate_python_peer() -> Result<PathBuf, PeerMissing> {
    probe_python(
        "hat-drivers (Python)",
        "import hat.drivers.mms, hat.drivers.acse",
        "hat.drivers.mms",
    )
}

/// The interpreter if it runs `import_code`; otherwise why not, naming `peer`.
pub(crate) fn probe_python(
    peer: &str,
    import_code: &str,
    what: &str,
) -> Result<PathBuf, PeerMissing> {
    let python = python_path();
    let missing = |reason: String| PeerMissing {
        peer: peer.into(),
        reason,
    };
    let out = Command::new(&python)
        .args(["-c", import_code])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            missing(format!(
                "cannot run {}: {e} (set OSI_MMS_PYTHON)",
                python.display()
            ))
        })?;
    if !out.status.success() {
        return Err(missing(format!(
            "{} cannot import {what}: {}",
            python.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(python)
}

/// `Some(what was found)` when `found` holds it; when the peer is missing, panics under `CI=true`
/// (the test fails) and otherwise prints a loud `SKIPPED` line and returns `None`.
pub(crate) fn require<T>(found: Result<T, PeerMissing>, name: &str) -> Option<T> {
    match found {
        Ok(p) => Some(p),
        Err(missing) if in_ci() => panic!("{name} is required in CI but missing: {missing}"),
        Err(missing) => {
            eprintln!("\n*** SKIPPED: {name} not available ({missing}) ***\n");
            None
        }
    }
}

/// The project rule for tests that need the hat-drivers peers: returns the
/// interpreter if hat-drivers is importable; if not and env `CI` is `true` (or
/// `1`), panics so the test fails; outside CI prints a loud
/// `SKIPPED: hat-drivers not available` to stderr and returns `None`.
pub fn require_python_peer() -> Option<PathBuf> {
    require(locate_python_peer(), "hat-drivers")
}

/// Checks that [`python_path`] can `import asn1tools` (PyPI) and hat-drivers' MMS module (whose
/// ASN.1 the XER cross-check compiles).
pub fn locate_asn1tools() -> Result<PathBuf, PeerMissing> {
    probe_python(
        "asn1tools (Python)",
        "import asn1tools, hat.drivers.mms",
        "asn1tools and hat.drivers.mms",
    )
}

/// The project rule for the asn1tools cross-check: the interpreter if asn1tools and hat-drivers
/// import; if not, panics under `CI=true`, else prints a loud `SKIPPED` line and returns `None`.
pub fn require_asn1tools() -> Option<PathBuf> {
    require(locate_asn1tools(), "asn1tools")
}

/// What went wrong while talking to a peer process.
#[derive(Debug)]
pub enum PeerError {
    /// The process could not be started.
    Spawn(std::io::Error),
    /// No line with the expected keyword arrived in time.
    Timeout {
        /// The keyword that was awaited.
        expected: String,
        /// Everything the peer printed so far (stdout lines, then stderr).
        transcript: String,
    },
    /// The peer's stdout closed (the process ended) before the expected line.
    Exited {
        /// The keyword that was awaited.
        expected: String,
        /// Everything the peer printed so far (stdout lines, then stderr).
        transcript: String,
    },
    /// The peer reported `ERROR ...` while a different line was awaited.
    Reported {
        /// The `ERROR` line.
        line: String,
        /// Everything the peer printed so far.
        transcript: String,
    },
    /// `READY` did not carry a port number.
    BadReady(String),
}

impl fmt::Display for PeerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PeerError::Spawn(e) => write!(f, "cannot start peer: {e}"),
            PeerError::Timeout {
                expected,
                transcript,
            } => {
                write!(
                    f,
                    "timed out waiting for `{expected}` from peer; transcript:\n{transcript}"
                )
            }
            PeerError::Exited {
                expected,
                transcript,
            } => {
                write!(
                    f,
                    "peer ended before `{expected}`; transcript:\n{transcript}"
                )
            }
            PeerError::Reported { line, transcript } => {
                write!(f, "peer reported `{line}`; transcript:\n{transcript}")
            }
            PeerError::BadReady(line) => write!(f, "bad READY line from peer: `{line}`"),
        }
    }
}

impl std::error::Error for PeerError {}

/// One event line printed by a peer script, split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerLine {
    /// The whole line as printed.
    pub raw: String,
    /// The first word (`READY`, `CONNECTED`, `CLOSED`, ...).
    pub keyword: String,
    /// The following tokens without `=`.
    pub words: Vec<String>,
    /// The following `key=value` tokens, in order.
    pub pairs: Vec<(String, String)>,
}

impl PeerLine {
    /// Splits a line into keyword, bare words and `key=value` pairs.
    pub fn parse(line: &str) -> PeerLine {
        let mut tokens = line.split_whitespace();
        let keyword = tokens.next().unwrap_or("").to_string();
        let mut words = Vec::new();
        let mut pairs = Vec::new();
        for token in tokens {
            match token.split_once('=') {
                Some((k, v)) => pairs.push((k.to_string(), v.to_string())),
                None => words.push(token.to_string()),
            }
        }
        PeerLine {
            raw: line.to_string(),
            keyword,
            words,
            pairs,
        }
    }

    /// The value of `key`, or `None` if absent or printed as `-`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| *v != "-")
    }

    /// The value of `key` parsed as an integer.
    pub fn get_int(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(|v| v.parse().ok())
    }
}

/// A running peer script (`<python> interop-tests/peers/<script> args...`):
/// stdout lines are collected by a reader thread, stderr is kept for
/// diagnostics, and the child is killed on drop.
pub struct PythonPeer {
    name: String,
    child: Child,
    lines: Receiver<String>,
    stderr: Arc<Mutex<String>>,
    transcript: Vec<String>,
    port: Option<u16>,
    stdin: Option<ChildStdin>,
}

impl fmt::Debug for PythonPeer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PythonPeer")
            .field("name", &self.name)
            .field("port", &self.port)
            .finish()
    }
}

impl PythonPeer {
    /// Starts `python peers/<script> args...` (working directory: the peers
    /// folder) without waiting for any line. Its stdin is closed.
    pub fn spawn(python: &Path, script: &str, args: &[&str]) -> Result<PythonPeer, PeerError> {
        PythonPeer::spawn_with(python, script, args, false)
    }

    /// Like [`PythonPeer::spawn`], but the script's stdin stays open (a pipe nothing is written
    /// to) until [`PythonPeer::close_stdin`] or drop: for scripts that run until their stdin
    /// closes, so they also end when the test process dies.
    pub fn spawn_piped(
        python: &Path,
        script: &str,
        args: &[&str],
    ) -> Result<PythonPeer, PeerError> {
        PythonPeer::spawn_with(python, script, args, true)
    }

    fn spawn_with(
        python: &Path,
        script: &str,
        args: &[&str],
        piped_stdin: bool,
    ) -> Result<PythonPeer, PeerError> {
        let dir = peers_dir();
        let mut child = Command::new(python)
            .arg("-u") // unbuffered stdout: lines arrive as they are printed
            .arg("-B") // no __pycache__ in the source tree
            .arg(dir.join(script))
            .args(args)
            .current_dir(&dir)
            .stdin(if piped_stdin {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(PeerError::Spawn)?;

        let (tx, rx) = mpsc::channel();
        if let Some(stdout) = child.stdout.take() {
            thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        let stderr = Arc::new(Mutex::new(String::new()));
        if let Some(mut pipe) = child.stderr.take() {
            let sink = Arc::clone(&stderr);
            thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = pipe.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    if let Ok(mut text) = sink.lock() {
                        text.push_str(&String::from_utf8_lossy(buf.get(..n).unwrap_or(&[])));
                    }
                }
            });
        }
        let stdin = child.stdin.take();
        Ok(PythonPeer {
            name: script.to_string(),
            child,
            lines: rx,
            stderr,
            transcript: Vec::new(),
            port: None,
            stdin,
        })
    }

    /// Starts a server script and waits (up to `timeout`) for `READY <port>`.
    pub fn spawn_server(
        python: &Path,
        script: &str,
        args: &[&str],
        timeout: Duration,
    ) -> Result<PythonPeer, PeerError> {
        let mut peer = PythonPeer::spawn(python, script, args)?;
        peer.wait_ready(timeout)?;
        Ok(peer)
    }

    /// Waits for `READY <port>` and remembers the port.
    pub fn wait_ready(&mut self, timeout: Duration) -> Result<u16, PeerError> {
        let line = self.expect("READY", timeout)?;
        let port = line
            .words
            .first()
            .and_then(|w| w.parse::<u16>().ok())
            .ok_or(PeerError::BadReady(line.raw))?;
        self.port = Some(port);
        Ok(port)
    }

    /// The port from the `READY` line, once seen.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The next stdout line, or `None` if none arrives within `timeout` or the
    /// process closed its stdout.
    pub fn next_line(&mut self, timeout: Duration) -> Option<String> {
        match self.lines.recv_timeout(timeout) {
            Ok(line) => {
                log::debug!("{} > {}", self.name, line);
                self.transcript.push(line.clone());
                Some(line)
            }
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => None,
        }
    }

    /// Reads lines until one starts with `keyword` (other lines are kept in the
    /// transcript). An `ERROR` line, the end of output or the timeout is an error.
    pub fn expect(&mut self, keyword: &str, timeout: Duration) -> Result<PeerLine, PeerError> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(PeerError::Timeout {
                    expected: keyword.into(),
                    transcript: self.transcript_text(),
                });
            }
            match self.lines.recv_timeout(left) {
                Ok(raw) => {
                    log::debug!("{} > {}", self.name, raw);
                    self.transcript.push(raw.clone());
                    let line = PeerLine::parse(&raw);
                    if line.keyword == keyword {
                        return Ok(line);
                    }
                    if line.keyword == "ERROR" {
                        return Err(PeerError::Reported {
                            line: raw,
                            transcript: self.transcript_text(),
                        });
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    return Err(PeerError::Timeout {
                        expected: keyword.into(),
                        transcript: self.transcript_text(),
                    })
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(PeerError::Exited {
                        expected: keyword.into(),
                        transcript: self.transcript_text(),
                    })
                }
            }
        }
    }

    /// Waits up to `timeout` for the process to end and returns its status.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return Some(status),
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
                _ => return None,
            }
        }
    }

    /// Drains the remaining stdout lines (until the process closes stdout or
    /// `timeout` passes) into the transcript and returns them parsed.
    pub fn remaining_lines(&mut self, timeout: Duration) -> Vec<PeerLine> {
        let deadline = Instant::now() + timeout;
        let mut out = Vec::new();
        while let Some(line) = self.next_line(deadline.saturating_duration_since(Instant::now())) {
            out.push(PeerLine::parse(&line));
        }
        out
    }

    /// Every stdout line received so far.
    pub fn transcript(&self) -> &[String] {
        &self.transcript
    }

    /// What the peer wrote on stderr so far (hat's warnings and tracebacks).
    pub fn stderr_text(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Transcript and stderr as one text, for assertion messages.
    pub fn transcript_text(&self) -> String {
        format!(
            "--- stdout\n{}\n--- stderr\n{}",
            self.transcript.join("\n"),
            self.stderr_text()
        )
    }

    /// Closes the script's stdin (see [`PythonPeer::spawn_piped`]); nothing happens if it was
    /// not piped or is closed already.
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Writes `line` and a newline to the script's stdin (see [`PythonPeer::spawn_piped`]) and
    /// flushes it. An error if stdin was not piped or is closed.
    pub fn send_line(&mut self, line: &str) -> std::io::Result<()> {
        use std::io::Write;
        let stdin = self.stdin.as_mut().ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, "stdin not piped or closed")
        })?;
        stdin.write_all(line.as_bytes())?;
        stdin.write_all(b"\n")?;
        stdin.flush()
    }

    /// Kills the process (if still running) and reaps it.
    pub fn kill(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

impl Drop for PythonPeer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts `peers/hat_mms_server.py` on 127.0.0.1 with an OS-chosen port and
/// waits for `READY`; `extra_args` e.g. `["--close-after", "0.5"]`.
pub fn hat_mms_server(python: &Path, extra_args: &[&str]) -> Result<PythonPeer, PeerError> {
    let mut args = vec!["0"];
    args.extend_from_slice(extra_args);
    PythonPeer::spawn_server(python, "hat_mms_server.py", &args, READY_TIMEOUT)
}

/// Starts `peers/hat_mms_client.py HOST PORT extra_args...`; e.g.
/// `["--request", "identify", "--local-ap-title", "1.1.1.999"]`.
pub fn hat_mms_client(
    python: &Path,
    host: &str,
    port: u16,
    extra_args: &[&str],
) -> Result<PythonPeer, PeerError> {
    let port = port.to_string();
    let mut args = vec![host, port.as_str()];
    args.extend_from_slice(extra_args);
    PythonPeer::spawn(python, "hat_mms_client.py", &args)
}

/// Checks that [`python_path`] runs and can `import iec61850` (the PyPI
/// `iec61850` package: an IEC 61850 client and server over an independent Rust
/// MMS stack), besides hat-drivers.
pub fn locate_iec61850_peer() -> Result<PathBuf, PeerMissing> {
    probe_python(
        "iec61850 (PyPI, Python)",
        "import iec61850; iec61850.IedServer, iec61850.IedConnection",
        "iec61850",
    )
}

/// Like [`require_python_peer`] for the PyPI `iec61850` package: the
/// interpreter if `import iec61850` works; with `CI=true` a missing package
/// panics (the test fails), otherwise a loud `SKIPPED` line and `None`.
pub fn require_iec61850_peer() -> Option<PathBuf> {
    require(locate_iec61850_peer(), "iec61850")
}

/// Starts `peers/hat_mms_model_server.py` (a hat-drivers MMS server serving a
/// small model: domains `LD0`, `LD1`, `PEERLD0`; paged getNameList; GVAA, read,
/// write) on 127.0.0.1 with an OS-chosen port and waits for `READY`.
/// `extra_args` e.g. `["--page-size", "2", "--reject", "read",
/// "--report-on-write", "--associations", "2"]`. One `SERVED <service> ...`
/// line per request it answered.
pub fn hat_mms_model_server(python: &Path, extra_args: &[&str]) -> Result<PythonPeer, PeerError> {
    let mut args = vec!["0"];
    args.extend_from_slice(extra_args);
    PythonPeer::spawn_server(python, "hat_mms_model_server.py", &args, READY_TIMEOUT)
}

/// Starts `peers/hat_mms_session_client.py HOST PORT extra_args...`: a
/// hat-drivers client running initiate, identify, paged getNameList (domains,
/// then the variables of a domain), GVAA, one Read, writes, an optional wait
/// for an informationReport, conclude and release; e.g.
/// `["--read", "LD0/Float1", "--write", r#"LD0/Int1={"integer":7}"#,
/// "--wait-report", "5"]`. Ends with `DONE` (exit 0) or `ERROR` (exit 1).
pub fn hat_mms_session_client(
    python: &Path,
    host: &str,
    port: u16,
    extra_args: &[&str],
) -> Result<PythonPeer, PeerError> {
    let port = port.to_string();
    let mut args = vec![host, port.as_str()];
    args.extend_from_slice(extra_args);
    PythonPeer::spawn(python, "hat_mms_session_client.py", &args)
}

/// Starts `peers/iec61850_server.py` (the PyPI `iec61850` server built with
/// `IedServer.from_model_spec`; MMS domain `PEERLD0`, items `LN$FC$DO$DA`) on
/// 127.0.0.1 with an OS-chosen port and waits for `READY`. `extra_args` e.g.
/// `["--associations", "2", "--timeout", "40"]`. Prints `WRITE path= value=`
/// for each accepted write.
pub fn iec61850_server(python: &Path, extra_args: &[&str]) -> Result<PythonPeer, PeerError> {
    let mut args = vec!["0"];
    args.extend_from_slice(extra_args);
    PythonPeer::spawn_server(python, "iec61850_server.py", &args, READY_TIMEOUT)
}

/// Starts `peers/iec61850_client.py HOST PORT extra_args...`: the PyPI
/// `iec61850` client running server directory, LD directory, variable
/// specifications, reads and writes by `LD/LN.DO.DA:FC`, then disconnect;
/// e.g. `["--read", "PEERLD0/GGIO1.AnIn1.mag.f:MX", "--write",
/// "PEERLD0/GGIO1.SetPt1.setVal:SP=99"]`. Ends with `DONE` or `ERROR`.
pub fn iec61850_client(
    python: &Path,
    host: &str,
    port: u16,
    extra_args: &[&str],
) -> Result<PythonPeer, PeerError> {
    let port = port.to_string();
    let mut args = vec![host, port.as_str()];
    args.extend_from_slice(extra_args);
    PythonPeer::spawn(python, "iec61850_client.py", &args)
}

/// Decodes MMS PDUs with hat-drivers' ASN.1 codec (`peers/hat_mms_decode.py`):
/// one `DECODED <pdu> reencoded=same|differs ...` or `ERROR ...` line per PDU.
pub fn hat_decode_mms(python: &Path, pdus: &[&[u8]]) -> Result<Vec<PeerLine>, PeerError> {
    let hex: Vec<String> = pdus.iter().map(|p| to_hex(p)).collect();
    let args: Vec<&str> = hex.iter().map(String::as_str).collect();
    let mut peer = PythonPeer::spawn(python, "hat_mms_decode.py", &args)?;
    let lines = peer.remaining_lines(Duration::from_secs(20));
    if lines.len() != pdus.len() {
        return Err(PeerError::Exited {
            expected: "DECODED".into(),
            transcript: peer.transcript_text(),
        });
    }
    Ok(lines)
}

/// Lower-case hex without separators.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The `openssl` command-line tool (Debian package `openssl`): env `OSI_MMS_OPENSSL` if set,
/// else `openssl` on `PATH`; checked by running `openssl version` (which must say OpenSSL).
pub fn locate_openssl() -> Result<PathBuf, PeerMissing> {
    let path = env::var_os("OSI_MMS_OPENSSL")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("openssl"));
    let missing = |reason: String| PeerMissing {
        peer: "openssl".into(),
        reason: format!("{reason} (apt-get install openssl)"),
    };
    let out = Command::new(&path)
        .arg("version")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| missing(format!("cannot run {}: {e}", path.display())))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || !text.starts_with("OpenSSL") {
        return Err(missing(format!(
            "`{} version` said {text:?}",
            path.display()
        )));
    }
    Ok(path)
}

/// The project rule for tests that need `openssl s_server` / `s_client`: the tool's path, or
/// (missing) a panic under `CI=true` and a loud `SKIPPED` line otherwise.
pub fn require_openssl() -> Option<PathBuf> {
    require(locate_openssl(), "openssl")
}

/// The driver of crates.io `rusty-iccp` (`interop-tests/rusty-iccp-peer`, its own workspace:
/// rusty-iccp 0.9.2 needs Rust 1.85, above the workspace MSRV): env `OSI_MMS_RUSTY_ICCP` if
/// set, else built here with `cargo build --locked` into `target/rusty-iccp-peer` (crates.io
/// must be reachable the first time) and that binary.
pub fn locate_rusty_iccp_peer() -> Result<PathBuf, PeerMissing> {
    if let Some(p) = env::var_os("OSI_MMS_RUSTY_ICCP") {
        return Ok(PathBuf::from(p));
    }
    let missing = |reason: String| PeerMissing {
        peer: "rusty-iccp (crates.io)".into(),
        reason,
    };
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("rusty-iccp-peer")
        .join("Cargo.toml");
    let target = workspace_root().join("target").join("rusty-iccp-peer");
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(["build", "--quiet", "--locked", "--manifest-path"])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| missing(format!("cannot run cargo: {e}")))?;
    if !out.status.success() {
        return Err(missing(format!(
            "cargo build of {} failed: {}",
            manifest.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(target.join("debug").join("rusty-iccp-peer"))
}

/// The project rule for tests that need rusty-iccp: the driver's path, or (missing) a panic
/// under `CI=true` and a loud `SKIPPED` line otherwise.
pub fn require_rusty_iccp_peer() -> Option<PathBuf> {
    require(locate_rusty_iccp_peer(), "rusty-iccp")
}

/// Finds `rsyslogd` (env `OSI_MMS_RSYSLOGD`, else `/usr/sbin/rsyslogd`, else on the path).
pub fn locate_rsyslogd() -> Result<PathBuf, PeerMissing> {
    let candidates: Vec<PathBuf> = match env::var_os("OSI_MMS_RSYSLOGD") {
        Some(p) => vec![PathBuf::from(p)],
        None => vec![
            PathBuf::from("/usr/sbin/rsyslogd"),
            PathBuf::from("rsyslogd"),
        ],
    };
    for path in &candidates {
        let ok = Command::new(path)
            .arg("-v")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Ok(path.clone());
        }
    }
    Err(PeerMissing {
        peer: "rsyslogd".into(),
        reason: "not found (apt-get install rsyslog)".into(),
    })
}

/// The project rule for tests that need a real syslog collector: rsyslogd's path, or
/// (missing) a panic under `CI=true` and a loud `SKIPPED` line otherwise.
pub fn require_rsyslogd() -> Option<PathBuf> {
    require(locate_rsyslogd(), "rsyslogd")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keyword_words_and_pairs() {
        let line = PeerLine::parse("RESPONSE identify IdentifyResponse a=1 b=- c=x=y");
        assert_eq!(line.keyword, "RESPONSE");
        assert_eq!(line.words, vec!["identify", "IdentifyResponse"]);
        assert_eq!(line.get("a"), Some("1"));
        assert_eq!(line.get_int("a"), Some(1));
        assert_eq!(line.get("b"), None);
        assert_eq!(line.get("c"), Some("x=y"));
        assert_eq!(line.get("missing"), None);
    }

    fn lines_with<'a>(lines: &'a [PeerLine], keyword: &str) -> Vec<&'a PeerLine> {
        lines.iter().filter(|l| l.keyword == keyword).collect()
    }

    /// The peers against each other (no code of ours on the wire): proves the
    /// launchers, the scripts' line formats and the paging of the model server.
    #[test]
    fn hat_session_client_against_hat_model_server() {
        let Some(python) = require_python_peer() else {
            return;
        };
        let mut server = hat_mms_model_server(&python, &["--report-on-write"]).unwrap();
        let port = server.port().unwrap();
        let mut client = hat_mms_session_client(
            &python,
            "127.0.0.1",
            port,
            &[
                "--read",
                "LD0/Float1",
                "--read",
                "LD0/Nope",
                "--write",
                r#"LD0/Int1={"integer":7}"#,
                "--wait-report",
                "5",
            ],
        )
        .unwrap();
        let lines = client.remaining_lines(Duration::from_secs(30));
        let text = client.transcript_text();
        assert!(lines.iter().any(|l| l.keyword == "DONE"), "{text}");
        let pages = lines_with(&lines, "NAMELIST");
        let var_pages: Vec<_> = pages
            .iter()
            .filter(|l| l.get("domain") == Some("LD0"))
            .collect();
        assert_eq!(var_pages.len(), 3, "{text}");
        assert_eq!(var_pages[1].get("continue_after"), Some("Float1"));
        let done = lines_with(&lines, "NAMELIST_DONE");
        assert_eq!(
            done.last().and_then(|l| l.get("names")),
            Some("Bool1,Float1,Int1,Str1,Struct1")
        );
        let reads = lines_with(&lines, "READ");
        assert_eq!(reads[0].get("result"), Some(r#"{"floating-point":1.5}"#));
        assert_eq!(
            reads[1].get("result"),
            Some(r#"{"error":"object-non-existent"}"#)
        );
        let write = lines_with(&lines, "WRITE");
        assert_eq!(write[0].get("result"), Some("success"), "{text}");
        let report = lines_with(&lines, "INFORMATION_REPORT");
        assert_eq!(report[0].get("values"), Some(r#"[{"integer":7}]"#));
        let served = server.expect("SERVED", Duration::from_secs(5)).unwrap();
        assert_eq!(served.words, vec!["identify"]);
        server.expect("CLOSED", Duration::from_secs(10)).unwrap();
    }

    #[test]
    fn iec61850_client_against_iec61850_server() {
        let Some(python) = require_iec61850_peer() else {
            return;
        };
        let mut server = iec61850_server(&python, &[]).unwrap();
        let port = server.port().unwrap();
        let mut client = iec61850_client(
            &python,
            "127.0.0.1",
            port,
            &[
                "--read",
                "PEERLD0/GGIO1.AnIn1.mag.f:MX",
                "--write",
                "PEERLD0/GGIO1.SetPt1.setVal:SP=99",
            ],
        )
        .unwrap();
        let lines = client.remaining_lines(Duration::from_secs(30));
        let text = client.transcript_text();
        assert!(lines.iter().any(|l| l.keyword == "DONE"), "{text}");
        assert_eq!(
            lines_with(&lines, "SERVER_DIRECTORY")[0].get("lds"),
            Some("PEERLD0")
        );
        assert_eq!(lines_with(&lines, "READ")[0].get("value"), Some("1.5"));
        assert_eq!(lines_with(&lines, "WRITE")[0].get("result"), Some("ok"));
        let write = server.expect("WRITE", Duration::from_secs(5)).unwrap();
        assert_eq!(write.get("value"), Some("99"));
    }

    #[test]
    fn hex_is_lower_case_without_separators() {
        assert_eq!(to_hex(&[0x0a, 0xff, 0x00]), "0aff00");
    }
}
