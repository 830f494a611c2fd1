//! The `mms` program with the T-profile (IEC 62351-3, IEC 62351-4 §6): `mms demo --tls` runs the
//! whole demo over mutually authenticated TLS with certificates it generates; the `--tls-*`
//! flags of `mms server` / `mms client` work together; `--no-tls` with `--tls-cert` is refused.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use cot::pki::{KeyKind, LeafSpec, Pki};

fn mms() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mms"))
}

#[test]
fn demo_over_tls_runs_every_step() {
    let out = mms()
        .args(["demo", "--tls"])
        .output()
        .expect("run mms demo --tls");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for needle in [
        "TLS: demo CA, server and client certificates",
        "client: TLS TLSv1.3 with TLS_AES_128_GCM_SHA256",
        "identify: osi-mms demo",
        "read back 42.5",
        "tls_handshakes: 1",
        "concluded and released",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
}

#[test]
fn server_and_client_flags() {
    let dir = std::env::temp_dir().join(format!("osi-mms-tls-program-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let pki = Pki::new_root("program CA", KeyKind::EcP256).expect("ca");
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, pki.ca().cert_pem().expect("pem")).expect("ca");
    let s = pki
        .issue(&LeafSpec::new("server").with_key(KeyKind::EcP256))
        .expect("server")
        .write_pem(&dir, "server")
        .expect("pem");
    let c = pki
        .issue(&LeafSpec::new("client").with_key(KeyKind::EcP256))
        .expect("client")
        .write_pem(&dir, "client")
        .expect("pem");
    let p = |x: &std::path::Path| x.to_str().expect("utf-8").to_string();
    let mut server = mms()
        .args([
            "server",
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
            &p(&s.0),
            "--tls-key",
        ])
        .arg(p(&s.1))
        .args(["--tls-ca", &p(&ca)])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("server");
    let mut line = String::new();
    BufReader::new(server.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("listening line");
    let addr = line.trim().trim_start_matches("listening on ").to_string();
    let out = mms()
        .args([
            "client",
            "--connect",
            &addr,
            "--tls-cert",
            &p(&c.0),
            "--tls-key",
        ])
        .arg(p(&c.1))
        .args(["--tls-ca", &p(&ca), "identify"])
        .output()
        .expect("client");
    // The load generator takes the same TLS flags against any server.
    let bench = |tls: bool| {
        let mut cmd = mms();
        cmd.args([
            "bench",
            "--associations",
            "2",
            "--reads",
            "20",
            "--connect",
            &addr,
            "--timeout",
            "5",
            "--read",
            "DEMOLD0/GGIO1$MX$AnIn1",
        ]);
        if tls {
            cmd.args(["--tls-cert", &p(&c.0), "--tls-key", &p(&c.1)])
                .args(["--tls-ca", &p(&ca)]);
        }
        cmd.output().expect("bench")
    };
    let over_tls = bench(true);
    let plain = bench(false);
    let _ = server.kill();
    let _ = server.wait();
    let bench_text = String::from_utf8_lossy(&over_tls.stdout);
    assert!(
        over_tls.status.success() && bench_text.contains("reads answered correctly: 40 of 40"),
        "{bench_text}\n{}",
        String::from_utf8_lossy(&over_tls.stderr)
    );
    assert!(
        !plain.status.success(),
        "plain reads from a TLS-only server must fail the run"
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("osi-mms"), "{text}");
    // Both switches at once: refused.
    let out = mms()
        .args([
            "client",
            "--connect",
            &addr,
            "--no-tls",
            "--tls-cert",
            &p(&c.0),
            "identify",
        ])
        .output()
        .expect("client");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--no-tls"));
    let _ = std::fs::remove_dir_all(dir);
}
