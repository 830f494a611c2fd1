//! `mms security-log verify` on a log written by `mms server --security-log`: intact, then with
//! a record removed, then cut short against the chain value kept elsewhere.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cot::pki::{KeyKind, LeafSpec, Pki};

fn mms() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mms"))
}

fn verify(path: &std::path::Path, extra: &[&str]) -> (bool, String, String) {
    let out = mms()
        .args(["security-log", "verify"])
        .arg(path)
        .args(extra)
        .output()
        .expect("run mms");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_server_keeps_a_log_the_program_verifies_and_tampering_is_reported() {
    let dir = std::env::temp_dir().join(format!("mms-security-log-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let log = dir.join("security.log");
    // A TLS server with no CRL and a key log records security events at start-up
    // (revocation off, key log on).
    let pki = Pki::new_root("security-log CA", KeyKind::EcP256).expect("ca");
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, pki.ca().cert_pem().expect("pem")).expect("ca");
    let (cert, key) = pki
        .issue(&LeafSpec::new("server").with_key(KeyKind::EcP256))
        .expect("server")
        .write_pem(&dir, "server")
        .expect("pem");
    let mut server = mms()
        .args(["server", "--listen", "127.0.0.1:0", "--security-log"])
        .arg(&log)
        .arg("--tls-cert")
        .arg(&cert)
        .arg("--tls-key")
        .arg(&key)
        .arg("--tls-ca")
        .arg(&ca)
        .arg("--tls-keylog")
        .arg(dir.join("keys.txt"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mms server");
    let stdout = server.stdout.take().expect("stdout");
    let mut first = String::new();
    let _ = BufReader::new(stdout).read_line(&mut first);
    let t0 = Instant::now();
    while std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0) == 0
        && t0.elapsed() < Duration::from_secs(10)
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = server.kill();
    let _ = server.wait();
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(!text.is_empty(), "the server wrote no security event");
    let (ok, stdout, stderr) = verify(&log, &[]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("intact"), "{stdout}");
    let last_chain = stdout.trim().rsplit(' ').next().expect("chain").to_string();
    // The first record altered: reported.
    let tampered = dir.join("tampered.log");
    std::fs::write(&tampered, text.replacen("warning", "notice", 1)).expect("write");
    let (ok, _, stderr) = verify(&tampered, &[]);
    assert!(!ok && stderr.contains("TAMPERED"), "{stderr}");
    // An empty file verifies alone but not against the chain value kept elsewhere.
    let empty = dir.join("empty.log");
    std::fs::write(&empty, "").expect("write");
    let (ok, _, _) = verify(&empty, &[]);
    assert!(ok);
    let (ok, _, stderr) = verify(&empty, &["--expect-chain", &last_chain]);
    assert!(!ok && stderr.contains("cut short"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
