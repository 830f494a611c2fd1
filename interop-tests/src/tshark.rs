//! Running Wireshark's command-line dissector (`tshark`, Debian package, 4.0) over
//! pcap files, so tests can assert what an independent decoder sees in our bytes.
//!
//! Field names for the OSI layers are listed in `interop-tests/peers/README.md`.

use std::env;
use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use crate::{in_ci, PeerMissing};

/// The display filter that selects frames Wireshark considers broken:
/// malformed packets and expert infos of severity "error".
pub const BAD_FRAME_FILTER: &str = r#"_ws.malformed || _ws.expert.severity == "error""#;

/// An installed `tshark` executable.
#[derive(Debug, Clone)]
pub struct Tshark {
    path: PathBuf,
    version: String,
}

impl Tshark {
    /// Finds tshark: the program named by env `OSI_MMS_TSHARK` if set, else
    /// `tshark` on `PATH`; it must answer `tshark --version`.
    pub fn locate() -> Result<Tshark, PeerMissing> {
        let path = match env::var_os("OSI_MMS_TSHARK") {
            Some(p) => PathBuf::from(p),
            None => find_in_path("tshark").ok_or_else(|| PeerMissing {
                peer: "tshark".into(),
                reason: "`tshark` not found on PATH (Debian: apt-get install -y tshark)".into(),
            })?,
        };
        let out = Command::new(&path)
            .arg("--version")
            .output()
            .map_err(|e| PeerMissing {
                peer: "tshark".into(),
                reason: format!("cannot run {}: {e}", path.display()),
            })?;
        if !out.status.success() {
            return Err(PeerMissing {
                peer: "tshark".into(),
                reason: format!("{} --version failed: {}", path.display(), out.status),
            });
        }
        let version = String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .to_string();
        Ok(Tshark { path, version })
    }

    /// Path of the executable.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// First line of `tshark --version` (e.g. "TShark (Wireshark) 4.0.17 ...").
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Extracts `fields` from every frame of `pcap` (`-T fields -E separator=/t
    /// -E occurrence=a -E aggregator=,`): one row per frame that has at least one
    /// of the fields, one string per requested field (several occurrences joined
    /// by `,`; empty string if the frame lacks that field).
    ///
    /// # Panics
    /// If tshark cannot be run or exits with an error (a test failure).
    pub fn fields(
        &self,
        pcap: impl AsRef<Path>,
        extra_args: &[&str],
        fields: &[&str],
    ) -> Vec<Vec<String>> {
        let mut args: Vec<&str> = vec![
            "-T",
            "fields",
            "-E",
            "separator=/t",
            "-E",
            "occurrence=a",
            "-E",
            "aggregator=,",
        ];
        for field in fields {
            args.push("-e");
            args.push(field);
        }
        let text = self.run(pcap.as_ref(), extra_args, &args);
        text.lines()
            .map(|line| {
                let mut row: Vec<String> = line.split('\t').map(str::to_string).collect();
                row.resize(fields.len(), String::new());
                row
            })
            .filter(|row| row.iter().any(|cell| !cell.is_empty()))
            .collect()
    }

    /// All values of one field over the whole capture, in frame order (each
    /// occurrence separately).
    ///
    /// # Panics
    /// As [`Tshark::fields`].
    pub fn values(&self, pcap: impl AsRef<Path>, extra_args: &[&str], field: &str) -> Vec<String> {
        self.fields(pcap, extra_args, &[field])
            .into_iter()
            .flat_map(|row| {
                row.into_iter()
                    .next()
                    .unwrap_or_default()
                    .split(',')
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// Summary lines of the frames matching [`BAD_FRAME_FILTER`] (malformed or
    /// carrying an error-level expert info). Tests assert this is empty.
    ///
    /// # Panics
    /// As [`Tshark::fields`].
    pub fn bad_frames(&self, pcap: impl AsRef<Path>, extra_args: &[&str]) -> Vec<String> {
        let text = self.run(pcap.as_ref(), extra_args, &["-Y", BAD_FRAME_FILTER]);
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect()
    }

    /// One summary line per frame (tshark's default output).
    ///
    /// # Panics
    /// As [`Tshark::fields`].
    pub fn summary(&self, pcap: impl AsRef<Path>, extra_args: &[&str]) -> Vec<String> {
        let text = self.run(pcap.as_ref(), extra_args, &[]);
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect()
    }

    /// The full protocol tree of every frame (`-V`), for assertions on
    /// dissector text and for debugging output.
    ///
    /// # Panics
    /// As [`Tshark::fields`].
    pub fn verbose(&self, pcap: impl AsRef<Path>, extra_args: &[&str]) -> String {
        self.run(pcap.as_ref(), extra_args, &["-V"])
    }

    fn run(&self, pcap: &Path, extra_args: &[&str], args: &[&str]) -> String {
        let out = self.command(pcap, extra_args, args);
        if !out.status.success() {
            panic!(
                "tshark failed ({}) on {} with args {:?} {:?}:\n{}",
                out.status,
                pcap.display(),
                extra_args,
                args,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn command(&self, pcap: &Path, extra_args: &[&str], args: &[&str]) -> Output {
        let result = Command::new(&self.path)
            .arg("-n") // no name resolution
            .arg("-r")
            .arg(pcap)
            .args(extra_args)
            .args(args)
            .output();
        match result {
            Ok(out) => out,
            Err(e) => panic!("cannot run {}: {e}", self.path.display()),
        }
    }
}

/// A live capture of loopback traffic on one TCP port (`tshark -i lo -f 'tcp port
/// PORT' -w FILE`), for recording what real peers and our stack exchanged.
/// Needs capture rights (root, or dumpcap capabilities). Stopped with SIGINT
/// (via the `kill` program) so the file is complete; killed on drop otherwise.
#[derive(Debug)]
pub struct LiveCapture {
    child: Child,
    path: PathBuf,
    port: u16,
}

impl LiveCapture {
    /// Starts capturing and waits (up to 10 s) until tshark reports that it
    /// is capturing. Fails with [`PeerMissing`] if it cannot capture.
    pub fn start(
        tshark: &Tshark,
        port: u16,
        path: impl AsRef<Path>,
    ) -> Result<LiveCapture, PeerMissing> {
        let path = path.as_ref().to_path_buf();
        let missing = |reason: String| PeerMissing {
            peer: "tshark live capture on lo".into(),
            reason,
        };
        let mut child = Command::new(tshark.path())
            .args(["-i", "lo", "-q", "-f"])
            .arg(format!("tcp port {port}"))
            .arg("-w")
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| missing(format!("cannot run {}: {e}", tshark.path().display())))?;
        // tshark prints "Capturing on 'Loopback: lo'" on stderr once dumpcap runs
        let (tx, rx) = mpsc::channel::<String>();
        if let Some(mut pipe) = child.stderr.take() {
            thread::spawn(move || {
                let mut buf = [0u8; 1024];
                let mut seen = String::new();
                while let Ok(n) = pipe.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    seen.push_str(&String::from_utf8_lossy(buf.get(..n).unwrap_or(&[])));
                    if tx.send(seen.clone()).is_err() {
                        // nobody listens any more; keep draining the pipe
                        continue;
                    }
                }
            });
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let mut seen = String::new();
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match rx.recv_timeout(left) {
                Ok(text) if text.contains("Capturing on") => break,
                Ok(text) => seen = text,
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(missing(format!(
                        "tshark did not start capturing: {}",
                        seen.trim()
                    )));
                }
            }
        }
        Ok(LiveCapture { child, path, port })
    }

    /// The port being captured.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Lets the last packets reach the capture, stops tshark with SIGINT and
    /// waits (bounded) for it to finish writing; returns the file path.
    pub fn stop(mut self) -> PathBuf {
        thread::sleep(Duration::from_millis(500));
        let _ = Command::new("kill")
            .arg("-INT")
            .arg(self.child.id().to_string())
            .status();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            thread::sleep(Duration::from_millis(20));
        }
        self.path.clone()
    }
}

impl Drop for LiveCapture {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// The project rule for tests that need tshark: returns it if installed; if it
/// is missing and env `CI` is `true` (or `1`), panics so the test fails; if it
/// is missing outside CI, prints a loud `SKIPPED: tshark not installed` to
/// stderr and returns `None` (the test should then return early).
pub fn require_tshark() -> Option<Tshark> {
    match Tshark::locate() {
        Ok(t) => Some(t),
        Err(missing) if in_ci() => panic!("tshark is required in CI but missing: {missing}"),
        Err(missing) => {
            eprintln!("\n*** SKIPPED: tshark not installed ({missing}) ***\n");
            None
        }
    }
}

/// `-d tcp.port==PORT,tpkt` for a TPKT server on a port other than 102 (tshark
/// decodes 102 as TPKT by itself, so the result is empty for 102).
pub fn decode_as_tpkt(port: u16) -> Vec<String> {
    if port == 102 {
        Vec::new()
    } else {
        vec!["-d".to_string(), format!("tcp.port=={port},tpkt")]
    }
}

/// Arguments that map link type 147 (USER0) to the MMS dissector, for pcaps
/// holding bare MMS PDUs (see [`crate::pcap::write_raw`]).
pub fn bare_mms_args() -> [&'static str; 2] {
    [
        "-o",
        r#"uat:user_dlts:"User 0 (DLT=147)","mms","0","","0","""#,
    ]
}

/// Arguments that tell the presentation dissector which abstract syntax a
/// context id carries, for captures without the CP/CPA (X.226 context list),
/// e.g. `pres_context_args(3, "1.0.9506.2.1")` for MMS.
pub fn pres_context_args(context_id: u32, abstract_syntax: &str) -> [String; 2] {
    [
        "-o".to_string(),
        format!(r#"uat:pres_context_list:"{context_id}","{abstract_syntax}""#),
    ]
}

/// Borrows a list of owned arguments as `&str` (for the `extra_args` parameters).
pub fn as_strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

fn find_in_path(program: impl AsRef<OsStr>) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|dir| dir.join(program.as_ref()))
        .find(|candidate| candidate.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_102_needs_no_decode_as() {
        assert!(decode_as_tpkt(102).is_empty());
        assert_eq!(
            decode_as_tpkt(10102),
            vec!["-d".to_string(), "tcp.port==10102,tpkt".to_string()]
        );
    }

    #[test]
    fn pres_context_arg_quotes_both_values() {
        let args = pres_context_args(3, "1.0.9506.2.1");
        assert_eq!(args[1], r#"uat:pres_context_list:"3","1.0.9506.2.1""#);
    }
}
