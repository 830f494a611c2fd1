//! `docs/certificates.md` followed by hand: its openssl script (the block after the
//! `<!-- certificates-script -->` marker, run exactly as written) makes certificates that
//! `mms server` and `mms client` accept for TLS, the A-security-profile (with the AE-title
//! binding on, and the CRL refusing the revoked one) and end-to-end security; and `mms cert`
//! makes lab certificates that do the same and says loudly that they are for a lab only.
//!
//! Needs the `openssl` binary: under CI=true a missing one fails the test; elsewhere the doc
//! test is skipped with a loud message.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

fn mms() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mms"))
}

/// Whether the openssl binary runs; panics under CI=true when it does not.
fn have_openssl() -> bool {
    let ok = Command::new("openssl")
        .arg("version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("the openssl binary is needed to test docs/certificates.md (CI=true)");
        }
        eprintln!("!!! SKIPPED: no openssl binary, docs/certificates.md not tested !!!");
    }
    ok
}

/// The script of docs/certificates.md: the first ```sh block after the marker.
fn doc_script() -> String {
    let doc = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/certificates.md");
    let text = std::fs::read_to_string(&doc).expect("docs/certificates.md");
    let (_, after) = text
        .split_once("<!-- certificates-script -->")
        .expect("the script marker");
    let (_, block) = after.split_once("```sh\n").expect("a sh block");
    let (script, _) = block.split_once("\n```").expect("the block's end");
    script.to_string()
}

fn fresh_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("osi-mms-certs-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

struct Server(Child, String);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn server(args: &[String]) -> Server {
    let mut child = mms()
        .args(["server", "--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("listening line");
    let addr = line.trim().trim_start_matches("listening on ").to_string();
    assert!(!addr.is_empty(), "the server did not start: {line:?}");
    Server(child, addr)
}

fn identify(s: &Server, args: &[String]) -> Output {
    mms()
        .args(["client", "--connect", &s.1])
        .args(args)
        .arg("identify")
        .output()
        .expect("client")
}

fn flags(dir: &Path, pairs: &[(&str, &str)]) -> Vec<String> {
    pairs
        .iter()
        .flat_map(|(flag, file)| {
            [
                flag.to_string(),
                dir.join(file).to_str().expect("utf-8").to_string(),
            ]
        })
        .collect()
}

fn der(path: &Path) -> Vec<u8> {
    let pem = std::fs::read(path).expect("certificate");
    openssl::x509::X509::from_pem(&pem)
        .expect("PEM certificate")
        .to_der()
        .expect("DER")
}

fn assert_ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("vendor: osi-mms"),
        "{what}"
    );
}

#[test]
fn the_documented_openssl_commands_make_working_certificates() {
    if !have_openssl() {
        return;
    }
    let dir = fresh_dir("doc");
    let run = Command::new("sh")
        .arg("-c")
        .arg(doc_script())
        .current_dir(&dir)
        .output()
        .expect("sh");
    assert!(
        run.status.success(),
        "the documented script failed:\n{}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let shown = String::from_utf8_lossy(&run.stdout);
    assert!(shown.contains("2.5.4.106=1.1.1.999.12"), "{shown}");
    assert_eq!(shown.matches(": OK").count(), 6, "{shown}");

    // The binding attribute as the A-profile and end-to-end security read it.
    for (file, oid) in [
        ("server-acse.crt", "1.1.1.999.1.12"),
        ("client-acse.crt", "1.1.1.999.12"),
    ] {
        let got = a_sec_profile::crypto::subject_object_identifier(&der(&dir.join(file)));
        assert_eq!(got.as_deref(), Some(oid), "{file}");
    }
    for (file, oid) in [
        ("server-e2e.crt", "1.1.1.999.1.12"),
        ("client-e2e.crt", "1.1.1.999.12"),
    ] {
        let got = e2e_sec::certs::subject_object_identifier(&der(&dir.join(file)));
        assert_eq!(got.as_deref(), Some(oid), "{file}");
    }

    // TLS and the A-security-profile together, binding on, CRLs given.
    let s = server(&flags(
        &dir,
        &[
            ("--tls-cert", "server-tls.crt"),
            ("--tls-key", "server-tls.key"),
            ("--tls-ca", "ca.crt"),
            ("--tls-crl", "ca.crl"),
            ("--auth-cert", "server-acse.crt"),
            ("--auth-key", "server-acse.key"),
            ("--auth-ca", "ca.crt"),
            ("--auth-crl", "ca.crl"),
        ],
    ));
    let client = |acse: &str| {
        flags(
            &dir,
            &[
                ("--tls-cert", "client-tls.crt"),
                ("--tls-key", "client-tls.key"),
                ("--tls-ca", "ca.crt"),
                ("--auth-cert", &format!("{acse}.crt")),
                ("--auth-key", &format!("{acse}.key")),
                ("--auth-ca", "ca.crt"),
                ("--auth-crl", "ca.crl"),
            ],
        )
    };
    assert_ok(&identify(&s, &client("client-acse")), "TLS + A-profile");
    let out = identify(&s, &client("stolen-acse"));
    assert!(
        !out.status.success(),
        "the revoked certificate is refused: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    drop(s);

    // End-to-end security.
    let s = server(&flags(
        &dir,
        &[
            ("--e2e-cert", "server-e2e.crt"),
            ("--e2e-key", "server-e2e.key"),
            ("--e2e-ca", "ca.crt"),
        ],
    ));
    let out = identify(
        &s,
        &flags(
            &dir,
            &[
                ("--e2e-cert", "client-e2e.crt"),
                ("--e2e-key", "client-e2e.key"),
                ("--e2e-ca", "ca.crt"),
            ],
        ),
    );
    assert_ok(&out, "end-to-end security");
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `mms cert`: lab certificates for given AE-titles, loudly marked as such, that work for TLS
/// and the A-profile with the binding on.
#[test]
fn mms_cert_makes_lab_certificates() {
    let help = mms().args(["cert", "--help"]).output().expect("help");
    assert!(String::from_utf8_lossy(&help.stdout).contains("LAB USE ONLY"));
    let dir = fresh_dir("lab");
    let out = mms()
        .args(["cert", "--out"])
        .arg(&dir)
        .args(["server=1.1.1.999.1,12", "client=1.1.1.999,12"])
        .output()
        .expect("mms cert");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stderr.contains("LAB USE ONLY - NOT FOR PRODUCTION"),
        "{stderr}"
    );
    assert!(
        stdout.contains("LAB USE ONLY - NOT FOR PRODUCTION"),
        "{stdout}"
    );
    assert!(stdout.contains("2.5.4.106=1.1.1.999.12"), "{stdout}");
    // A leaf for the XMPP environment: the bare JID in the subject's jid (2.5.4.105).
    let xdir = fresh_dir("lab-jid");
    let out = mms()
        .args(["cert", "--ec", "--out"])
        .arg(&xdir)
        .args(["ied=jid:ied@example.org"])
        .output()
        .expect("mms cert jid");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        e2e_sec::certs::subject_jid(&der(&xdir.join("ied.crt"))).as_deref(),
        Some("ied@example.org")
    );
    let bad = mms()
        .args(["cert", "--out"])
        .arg(&xdir)
        .args(["ied=jid:ied@example.org/IEC"])
        .output()
        .expect("mms cert bad jid");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("bare JID"));
    assert_eq!(
        a_sec_profile::crypto::subject_object_identifier(&der(&dir.join("server.crt"))).as_deref(),
        Some("1.1.1.999.1.12")
    );
    let both = |me: &str| {
        flags(
            &dir,
            &[
                ("--tls-cert", &format!("{me}.crt")),
                ("--tls-key", &format!("{me}.key")),
                ("--tls-ca", "ca.pem"),
                ("--auth-cert", &format!("{me}.crt")),
                ("--auth-key", &format!("{me}.key")),
                ("--auth-ca", "ca.pem"),
                ("--auth-crl", "ca-crl.pem"),
            ],
        )
    };
    let s = server(&both("server"));
    assert_ok(&identify(&s, &both("client")), "mms cert: TLS + A-profile");
    // The server's certificate presented as the client's: the binding refuses it.
    let out = identify(&s, &both("server"));
    assert!(!out.status.success(), "the AE-title binding is checked");

    let bad = mms()
        .args(["cert", "--out"])
        .arg(&dir)
        .arg("x=1.1.1.999")
        .output()
        .expect("mms cert");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("NAME=AP-TITLE,AE-QUALIFIER"));
    let _ = std::fs::remove_dir_all(&dir);
}
