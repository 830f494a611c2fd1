//! The `mms` program in the XMPP environment (IEC 62351-4 clause 16): `mms demo --xmpp` runs
//! the whole demo through a lab prosody it starts (and, without prosody, starts nothing and
//! says what is missing); `mms server --xmpp-*` and `mms client --xmpp` work together through
//! a prosody with certificates from `mms cert NAME=jid:USER@DOMAIN`.
//!
//! A prosody is needed for all but the first test: with `CI=true` its absence fails them,
//! otherwise they say SKIPPED.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mms::xmpp::lab::{locate_prosody, Prosody, ProsodyTools};

fn mms() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mms"))
}

/// prosody's programs, or (absent) a failure under `CI=true` and `None` otherwise.
fn prosody_tools() -> Option<ProsodyTools> {
    match locate_prosody() {
        Ok(t) => Some(t),
        Err(reason) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("prosody is required under CI=true: {reason}")
        }
        Err(reason) => {
            eprintln!("SKIPPED: prosody missing: {reason}");
            None
        }
    }
}

fn scratch(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "osi-mms-xmpp-program-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

#[test]
fn demo_xmpp_without_prosody_starts_nothing_and_says_what_is_missing() {
    let out = mms()
        .args(["demo", "--xmpp"])
        .env("OSI_MMS_PROSODY", "/nonexistent/prosody")
        .output()
        .expect("run mms demo --xmpp");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    for needle in [
        "found none to start",
        "/nonexistent/prosody not found",
        "apt-get install prosody",
        "Nothing was started",
    ] {
        assert!(err.contains(needle), "missing {needle:?} in:\n{err}");
    }
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("server:"),
        "a server was started"
    );
}

#[test]
fn demo_xmpp_runs_every_step_through_a_lab_prosody() {
    if prosody_tools().is_none() {
        return;
    }
    for (flags, encrypted) in [
        (&[][..], true),
        (&["--e2e-encrypt", "none", "--e2e-icv", "gmac"][..], false),
    ] {
        let out = mms()
            .args(["demo", "--xmpp"])
            .args(flags)
            .output()
            .expect("run mms demo --xmpp");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for needle in [
            "xmpp: lab prosody on 127.0.0.1:",
            "client: cc@localhost/IEC associated with ied@localhost/IEC",
            "server authenticated by iec62351-4-e2e",
            "2.5.4.105=ied@localhost",
            "identify: osi-mms demo",
            "read back 42.5",
            "informationReport of",
            "readme.txt",
            "concluded and released",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
        }
        let line = text
            .lines()
            .find(|l| l.starts_with("xmpp: prosody relayed"))
            .unwrap_or_else(|| panic!("no relay summary in:\n{text}"));
        let shown: usize = line
            .split("; ")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{line}"));
        // Encrypted: no stanza shows the written variable's name; ICV only: the check sees it.
        assert_eq!(shown == 0, encrypted, "{line}");
    }
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn server_and_client_flags_over_xmpp() {
    let Some(tools) = prosody_tools() else {
        return;
    };
    let dir = scratch("flags");
    let prosody = Prosody::start(&tools, &dir.join("prosody"), "localhost").expect("prosody");
    let pki = dir.join("pki");
    let out = mms()
        .args(["cert", "--ec", "--out"])
        .arg(&pki)
        .args(["ied=jid:ied@localhost", "cc=jid:cc@localhost"])
        .output()
        .expect("mms cert");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for user in ["ied", "cc"] {
        prosody
            .register(user, &format!("pw-{user}"))
            .expect("register");
        std::fs::write(dir.join(format!("{user}.pw")), format!("pw-{user}\n")).expect("pw");
    }
    let p = |x: std::path::PathBuf| x.to_str().expect("utf-8").to_string();
    let xmpp = |user: &str| -> Vec<String> {
        vec![
            "--xmpp-jid".into(),
            format!("{user}@localhost"),
            "--xmpp-server".into(),
            format!("127.0.0.1:{}", prosody.port()),
            "--xmpp-password-file".into(),
            p(dir.join(format!("{user}.pw"))),
            "--xmpp-ca".into(),
            p(prosody.ca_pem().to_path_buf()),
            "--e2e-cert".into(),
            p(pki.join(format!("{user}.crt"))),
            "--e2e-key".into(),
            p(pki.join(format!("{user}.key"))),
            "--e2e-ca".into(),
            p(pki.join("ca.pem")),
        ]
    };
    let mut child = mms()
        .arg("server")
        .args(xmpp("ied"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("mms server");
    let stdout = child.stdout.take().expect("stdout");
    let _server = Running(child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("server line");
    assert!(
        line.contains("serving MMS over XMPP as ied@localhost/IEC"),
        "{line}"
    );

    // The server's stream comes up in the background; the client retries until it answers.
    let t0 = Instant::now();
    let (text, err) = loop {
        let out = mms()
            .arg("client")
            .args(["--xmpp", "--connect", "ied@localhost"])
            .args(xmpp("cc"))
            .args(["--json", "read", "DEMOLD0/LLN0$ST$Mod$stVal"])
            .output()
            .expect("mms client");
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        if out.status.success() || t0.elapsed() > Duration::from_secs(20) {
            break (text, err);
        }
        std::thread::sleep(Duration::from_millis(300));
    };
    // The demo model's Mod.stVal is 1 (on).
    assert!(
        text.contains("\"DEMOLD0/LLN0$ST$Mod$stVal\": 1"),
        "{text}\n{err}"
    );

    // Without the E2E flags the client refuses to start, saying why.
    let out = mms()
        .arg("client")
        .args(["--xmpp", "--connect", "ied@localhost"])
        .args(&xmpp("cc")[..8])
        .args(["identify"])
        .output()
        .expect("mms client without e2e");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("end-to-end security"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
