//! What `mms client` says when an association is refused (IEC 62351-4 A-security-profile,
//! ISO 8650-1 §7.1 / §7.3): the diagnostic the server sent when the server refuses us, and the
//! check of ours that failed (its security event code) when we refuse the server; the exit code
//! is non-zero either way. (The same refusals through the library, asserted on their
//! variants, are in `interop-tests/tests/refusal_variants.rs`.)
//!
//! The program is only built with the `cli` feature: without it these tests say so and pass.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use cot::pki::{KeyKind, LeafSpec, Pki};

/// The `mms` program (this test needs the `cli` feature, see `mms/Cargo.toml`).
const PROGRAM: &str = env!("CARGO_BIN_EXE_mms");

fn mms() -> Command {
    Command::new(PROGRAM)
}

/// Two unrelated certificate authorities, a server and a client certificate from the first and
/// a client certificate from the second, as PEM files in a directory of their own.
struct Certs {
    dir: PathBuf,
    ca: PathBuf,
    other_ca: PathBuf,
    server: (PathBuf, PathBuf),
    client: (PathBuf, PathBuf),
    stranger: (PathBuf, PathBuf),
}

impl Certs {
    fn new(tag: &str) -> Certs {
        let dir =
            std::env::temp_dir().join(format!("osi-mms-refusal-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let pki = Pki::new_root("refusal CA", KeyKind::EcP256).expect("ca");
        let other = Pki::new_root("other CA", KeyKind::EcP256).expect("other ca");
        let (ca, _) = pki.ca().write_pem(&dir, "ca").expect("ca pem");
        let (other_ca, _) = other
            .ca()
            .write_pem(&dir, "other-ca")
            .expect("other ca pem");
        let leaf = |p: &Pki, cn: &str, file: &str| {
            p.issue(&LeafSpec::new(cn).with_key(KeyKind::EcP256))
                .expect("leaf")
                .write_pem(&dir, file)
                .expect("leaf pem")
        };
        Certs {
            server: leaf(&pki, "refusal server", "server"),
            client: leaf(&pki, "refusal client", "client"),
            stranger: leaf(&other, "stranger client", "stranger"),
            dir,
            ca,
            other_ca,
        }
    }

    /// The `--auth-*` options: this certificate and key, trusting `ca` (P-256 keys, no
    /// AE-title binding: the certificates carry no 2.5.4.106).
    fn auth(&self, (cert, key): &(PathBuf, PathBuf), ca: &Path) -> Vec<String> {
        [
            "--auth-cert",
            p(cert),
            "--auth-key",
            p(key),
            "--auth-ca",
            p(ca),
            "--auth-ecdsa",
            "--auth-no-binding",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }
}

impl Drop for Certs {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn p(x: &Path) -> &str {
    x.to_str().expect("utf-8 path")
}

/// A running `mms server` and its address.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(args: &[String]) -> Server {
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
        Server { child, addr }
    }

    fn identify(&self, args: &[String]) -> Output {
        mms()
            .args(["client", "--connect", &self.addr])
            .args(args)
            .arg("identify")
            .output()
            .expect("client")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The server does not trust the client's certificate: the client prints what the server's
/// refusal said: the ABRT of IEC 62351-4 clause 11 (authentication-failure), or with
/// `--auth-reject` the AARE's result and diagnostic.
#[test]
fn the_client_names_the_servers_diagnostic() {
    let c = Certs::new("peer");
    let client = c.auth(&c.stranger, &c.ca);

    let server = Server::start(&c.auth(&c.server, &c.ca));
    let out = server.identify(&client);
    let err = stderr_of(&out);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains(
            "aborted by the peer during the initiate: ACSE ABRT source acse-service-user, \
             diagnostic authentication-failure (5)"
        ),
        "{err}"
    );
    assert!(
        err.contains("the server did not accept our credentials"),
        "what it means: {err}"
    );
    drop(server);

    let mut reject = c.auth(&c.server, &c.ca);
    reject.push("--auth-reject".into());
    let server = Server::start(&reject);
    let out = server.identify(&client);
    let err = stderr_of(&out);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains(
            "association refused by the peer: ACSE rejected-permanent, diagnostic \
             acse-service-user: authentication-failure (13)"
        ),
        "{err}"
    );
}

/// The client does not trust the server's A-profile certificate: it says its own
/// A-security-profile refused the server, and which check (the security event code).
#[test]
fn the_client_names_its_own_check() {
    let c = Certs::new("ours");
    let server = Server::start(&c.auth(&c.server, &c.ca));
    let out = server.identify(&c.auth(&c.client, &c.other_ca));
    let err = stderr_of(&out);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains(
            "our A-security-profile refused the server: a_profile.certificate_untrusted: "
        ),
        "{err}"
    );
    assert!(
        err.contains("the refusal is ours: security event a_profile.certificate_untrusted"),
        "{err}"
    );
}

/// A file holding `password` (and a line end), private to its owner.
fn password_file(dir: &Path, name: &str, password: &str) -> PathBuf {
    let f = dir.join(name);
    std::fs::write(&f, format!("{password}\n")).expect("password file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    f
}

/// ACSE password authentication (`--password-file`): the right password is admitted, a wrong
/// one and none at all are refused, and the client says which: the ACSE diagnostic and what it
/// means.
#[test]
fn password_files() {
    let dir = std::env::temp_dir().join(format!("osi-mms-password-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let right = password_file(&dir, "right", "correct horse battery staple");
    let wrong = password_file(&dir, "wrong", "correct horse battery stable");
    let server = Server::start(&["--password-file".to_string(), p(&right).to_string()]);

    let out = server.identify(&["--password-file".to_string(), p(&right).to_string()]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("vendor: osi-mms"));

    let out = server.identify(&["--password-file".to_string(), p(&wrong).to_string()]);
    let err = stderr_of(&out);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains(
            "association refused by the peer: ACSE rejected-permanent, diagnostic \
             acse-service-user: authentication-failure (13)"
        ),
        "{err}"
    );
    assert!(err.contains("a wrong password in --password-file"), "{err}");
    assert!(!err.contains("stable"), "the password never shows: {err}");

    let out = server.identify(&[]);
    let err = stderr_of(&out);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("authentication-mechanism-name-required (12)"),
        "{err}"
    );
    assert!(
        err.contains("the server requires authentication and we sent none: give --password-file"),
        "{err}"
    );

    // An empty password file is refused before anything is sent; a missing one names the file.
    let empty = password_file(&dir, "empty", "");
    let out = server.identify(&["--password-file".to_string(), p(&empty).to_string()]);
    let err = stderr_of(&out);
    assert!(!out.status.success());
    assert!(
        err.contains("the first line is empty (no password)"),
        "{err}"
    );
    let out = server.identify(&[
        "--password-file".to_string(),
        p(&dir.join("nope")).to_string(),
    ]);
    let err = stderr_of(&out);
    assert!(!out.status.success());
    assert!(
        err.contains("--password-file") && err.contains("nope"),
        "{err}"
    );
    // There is no way to give the password itself on the command line.
    let out = server.identify(&["--password".to_string(), "x".to_string()]);
    assert!(!out.status.success());
    let _ = std::fs::remove_dir_all(&dir);
}

/// A refusal below ACSE names its layer and diagnostic: a server checking selectors turns a
/// call to another transport selector down in the transport layer.
#[test]
fn the_client_names_the_refusing_layer() {
    let server = Server::start(&["--check-selectors".to_string()]);
    let out = server.identify(&["--called-tsel".to_string(), "0099".to_string()]);
    let err = stderr_of(&out);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("association refused by the peer: "), "{err}");
    assert!(err.contains("(ISO 8"), "the layer and its standard: {err}");
    assert!(err.contains("check --called-"), "what to check: {err}");
}

/// `--e2e-crl` gives the end-to-end security of `mms server` the shared revocation checker
/// (as `--tls-revocation` does for TLS, docs/revocation.md): a client whose E2E certificate
/// the CRL revokes is refused, the same client is served when the CRL revokes nothing.
#[test]
fn the_e2e_server_refuses_a_client_its_crl_revokes() {
    let dir = std::env::temp_dir().join(format!("osi-mms-refusal-e2e-crl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let pki = Pki::new_root("E2E CRL CA", KeyKind::EcP256).expect("ca");
    let (ca, _) = pki.ca().write_pem(&dir, "ca").expect("ca pem");
    // Subjects bound to the program's default AE-titles (IEC 62351-4 Annex G.6.2).
    let client = pki
        .issue(
            &LeafSpec::new("E2E client")
                .with_key(KeyKind::EcP256)
                .with_object_identifier("1.1.1.999.12"),
        )
        .expect("client");
    let (client_cert, client_key) = client.write_pem(&dir, "client").expect("client pem");
    let (server_cert, server_key) = pki
        .issue(
            &LeafSpec::new("E2E server")
                .with_key(KeyKind::EcP256)
                .with_object_identifier("1.1.1.999.1.12"),
        )
        .expect("server")
        .write_pem(&dir, "server")
        .expect("server pem");
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(3600);
    let crl = |name: &str, revoked: &[&openssl::x509::X509]| {
        let path = dir.join(name);
        let crl = pki.crl(revoked, later).expect("crl");
        std::fs::write(&path, crl.to_pem().expect("crl pem")).expect("crl file");
        path
    };
    let revoking = crl("revoking.crl", &[&client.certificate]);
    let empty = crl("empty.crl", &[]);
    let e2e = |cert: &Path, key: &Path| -> Vec<String> {
        [
            "--e2e-cert",
            p(cert),
            "--e2e-key",
            p(key),
            "--e2e-ca",
            p(&ca),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let client_args = e2e(&client_cert, &client_key);
    for (crl, refused) in [(&revoking, true), (&empty, false)] {
        let mut server_args = e2e(&server_cert, &server_key);
        server_args.extend(["--e2e-crl".to_string(), p(crl).to_string()]);
        let server = Server::start(&server_args);
        let out = server.identify(&client_args);
        let err = stderr_of(&out);
        assert_eq!(!out.status.success(), refused, "{}: {err}", crl.display());
        if refused {
            assert!(err.contains("refused") || err.contains("abort"), "{err}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `mms server --peer-policy`: a partner the policy names is served, one it does not name is
/// refused with calling-AP-title-not-recognized (IEC 62351-4 §5.1, ISO 8650-1 §7.1.2), and a
/// file that contradicts itself or the server's own settings stops the server before it
/// listens, naming the entry.
#[test]
fn the_peer_policy_file_admits_refuses_and_is_checked_at_load() {
    let dir = std::env::temp_dir().join(format!("osi-mms-policy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let write = |name: &str, text: &str| {
        let f = dir.join(name);
        std::fs::write(&f, text).expect("policy file");
        f
    };
    let good = write(
        "good.json",
        r#"{ "peers": [ { "ap_title": "1.1.1.999", "ae_qualifier": 12, "transport": "non_secure" } ] }"#,
    );
    let server = Server::start(&["--peer-policy".into(), p(&good).into()]);
    let out = server.identify(&[]);
    assert!(out.status.success(), "named partner: {}", stderr_of(&out));
    let out = server.identify(&["--ap-title".into(), "1.1.1.42".into()]);
    let err = stderr_of(&out);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("calling-AP-title-not-recognized"), "{err}");
    drop(server);

    for (text, says) in [
        (
            r#"{ "peers": [ { "ap_title": "1.1.1.999" }, { "ap_title": "1.1.1.999", "ae_qualifier": 12 } ] }"#,
            "peers[1]: entry 1 can never match: entry 0 before it",
        ),
        (
            r#"{ "peers": [ { "ap_title": "1.1.1.999", "application": "secure" } ] }"#,
            "peers[0]: application secure, but neither the A-security-profile",
        ),
    ] {
        let f = write("bad.json", text);
        let out = mms()
            .args(["server", "--listen", "127.0.0.1:0", "--peer-policy", p(&f)])
            .output()
            .expect("server");
        let err = stderr_of(&out);
        assert!(!out.status.success(), "{text}: {err}");
        assert!(err.contains(says), "{text}: {err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
