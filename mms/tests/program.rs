//! The `mms` program as users run it: `mms demo` end to end, and `mms client` against
//! `mms server` with the demo model (identify, ls, read, write then read back, attrs, files,
//! get, JSON output, a clear error for a bad name).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

fn mms() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mms"))
}

#[test]
fn demo_runs_every_step_and_exits_zero() {
    let out = mms().arg("demo").output().expect("run mms demo");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for needle in [
        "identify: osi-mms demo",
        "domain DEMOLD0",
        "GGIO1: ",
        "data sets: LLN0$DataSet1",
        "DEMOLD0/GGIO1$ST$Ind1$stVal = ",
        "TASE2_Version = ",
        "read back 42.5",
        "informationReport of Some(\"LLN0$DataSet1\") to 1 association(s), 4 values",
        "readme.txt",
        "concluded and released",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
}

/// `mms demo --secure` (TLS + A-security-profile) / `--e2e ...`: the same session, with both
/// ends authenticated by the mechanism (each names the other's certificate subject with its
/// 2.5.4.106 AE-title); `--secure` runs over TLS.
#[test]
fn demo_runs_authenticated_and_end_to_end_protected() {
    for (args, mechanism) in [
        (&["--secure"][..], "iec62351-4-a-profile"),
        (&["--e2e"][..], "iec62351-4-e2e"),
        (
            &["--e2e", "--e2e-encrypt", "aes128-cbc", "--e2e-icv", "gmac"][..],
            "iec62351-4-e2e",
        ),
        (&["--e2e", "--e2e-encrypt", "none"][..], "iec62351-4-e2e"),
    ] {
        let out = mms().arg("demo").args(args).output().expect("run mms demo");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{args:?}: {text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            text.contains("client: TLS TLSv1.3"),
            args[0] == "--secure",
            "{args:?}: TLS only with --secure:\n{text}"
        );
        for needle in [
            format!("client: server authenticated by {mechanism}"),
            "2.5.4.106=1.1.1.999.1.12".to_string(),
            format!("server: client authenticated by {mechanism}"),
            "2.5.4.106=1.1.1.999.12".to_string(),
            "read back 42.5".to_string(),
            "readme.txt".to_string(),
            "concluded and released".to_string(),
        ] {
            assert!(
                text.contains(&needle),
                "{args:?}: missing {needle:?} in:\n{text}"
            );
        }
    }
}

struct ServerProc(Child, String);

impl Drop for ServerProc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn server() -> ServerProc {
    server_with(&[])
}

fn server_with(args: &[&str]) -> ServerProc {
    let dir = std::env::temp_dir().join(format!("osi-mms-program-test-{}", std::process::id()));
    let mut child = mms()
        .args(["server", "--listen", "127.0.0.1:0", "--files"])
        .arg(&dir)
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start mms server");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("read");
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    ServerProc(child, addr)
}

fn client(addr: &str, args: &[&str]) -> (bool, String, String) {
    let out = mms()
        .args(["client", "--connect", addr])
        .args(args)
        .output()
        .expect("run mms client");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn client_commands_against_the_server() {
    let s = server();
    let (ok, out, err) = client(&s.1, &["identify"]);
    assert!(ok, "{err}");
    assert!(out.contains("vendor: osi-mms"), "{out}");
    let (ok, out, _) = client(&s.1, &["ls"]);
    assert!(ok && out.contains("DEMOLD0"), "{out}");
    let (ok, out, _) = client(&s.1, &["ls", "DEMOLD0"]);
    assert!(
        ok && out.contains("LLN0$DataSet1") && out.contains("GGIO1"),
        "{out}"
    );
    let sp = "DEMOLD0/GGIO1$SP$AnSet1$setMag$f";
    let (ok, _, err) = client(&s.1, &["write", sp, "7.25"]);
    assert!(ok, "{err}");
    let (ok, out, err) = client(&s.1, &["--json", "read", sp, "DEMOLD0/nosuch"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v[sp], serde_json::json!(7.25));
    assert_eq!(v["DEMOLD0/nosuch"]["error"], "object-non-existent");
    // Several variables: results in request order, components in component order and named.
    let mx = "DEMOLD0/GGIO1$MX$AnIn1";
    let (ok, out, err) = client(&s.1, &["--json", "read", "DEMOLD0/nosuch", mx, sp]);
    assert!(ok, "{err}");
    let keys: Vec<usize> = ["DEMOLD0/nosuch", mx, sp]
        .iter()
        .map(|k| out.find(&format!("\"{k}\"")).expect("key"))
        .collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "request order: {out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let names: Vec<&String> = v[mx].as_object().expect("structure").keys().collect();
    assert_eq!(names, ["mag", "q", "t"], "{out}");
    let (ok, out, _) = client(&s.1, &["--json", "read", "--no-names", mx]);
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let names: Vec<&String> = v[mx].as_object().expect("structure").keys().collect();
    assert_eq!(names, ["c0", "c1", "c2"], "{out}");
    let (ok, out, _) = client(&s.1, &["attrs", "DEMOLD0/GGIO1$MX$AnIn1"]);
    assert!(ok && out.contains("utc_time"), "{out}");
    let (ok, out, _) = client(&s.1, &["files"]);
    assert!(ok && out.contains("readme.txt"), "{out}");
    let target = std::env::temp_dir().join(format!("osi-mms-get-{}", std::process::id()));
    let (ok, _, err) = client(
        &s.1,
        &[
            "get",
            "readme.txt",
            "--output",
            target.to_str().expect("utf-8"),
        ],
    );
    assert!(ok, "{err}");
    assert!(std::fs::metadata(&target)
        .map(|m| m.len() > 0)
        .unwrap_or(false));
    let _ = std::fs::remove_file(target);
    // A value of the wrong type: a clear error, non-zero exit.
    let (ok, _, err) = client(&s.1, &["write", sp, "\"text\""]);
    assert!(!ok);
    assert!(err.contains("mms:"), "{err}");
}

#[test]
fn a_reader_that_stops_early_ends_the_program_quietly() {
    // `mms decode ... | head`: far more output than a pipe holds, and the reader goes away
    // after one line.
    let dir = std::env::temp_dir().join(format!("mms-epipe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let hex = dir.join("many.hex");
    std::fs::write(
        &hex,
        "0300001611e00000000100c0010ac1020001c2020001".repeat(5000),
    )
    .expect("write");
    let mut child = mms()
        .args(["decode", "--hex-file"])
        .arg(&hex)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mms decode");
    let mut first = String::new();
    {
        let stdout = child.stdout.take().expect("stdout");
        BufReader::new(stdout)
            .read_line(&mut first)
            .expect("a line");
        // The read end closes here.
    }
    let out = child.wait_with_output().expect("wait");
    assert!(first.starts_with("Frame 1"), "{first}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "status {:?}, stderr: {stderr}",
        out.status
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Named variable lists: `ls --long` shows members, `attrs` on a list gives its members and
/// whether it is deletable (GetNamedVariableListAttributes), `define-list` and `delete-list`.
#[test]
fn named_variable_lists() {
    let s = server();
    let (ok, out, err) = client(&s.1, &["ls", "--long", "DEMOLD0"]);
    assert!(ok, "{err}");
    assert!(
        out.contains(
            "LLN0$DataSet1: DEMOLD0/GGIO1$ST$Ind1, DEMOLD0/GGIO1$ST$Ind2, \
             DEMOLD0/GGIO1$MX$AnIn1, DEMOLD0/GGIO1$MX$AnIn2"
        ),
        "{out}"
    );
    let (ok, out, err) = client(&s.1, &["--json", "attrs", "DEMOLD0/LLN0$DataSet1"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["list"], "DEMOLD0/LLN0$DataSet1");
    assert_eq!(v["members"][0], "DEMOLD0/GGIO1$ST$Ind1");
    assert_eq!(v["members"].as_array().map(Vec::len), Some(4));
    assert_eq!(v["deletable"], false, "{out}");

    let list = format!("DEMOLD0/Mine{}", std::process::id());
    let (ok, out, err) = client(
        &s.1,
        &[
            "define-list",
            &list,
            "DEMOLD0/GGIO1$MX$AnIn2",
            "DEMOLD0/GGIO1$ST$Ind1",
        ],
    );
    assert!(ok, "{out}{err}");
    let (ok, out, err) = client(&s.1, &["attrs", "--list", &list]);
    assert!(ok, "{err}");
    assert!(out.contains("deletable: true"), "{out}");
    let a = out.find("DEMOLD0/GGIO1$MX$AnIn2").expect("first member");
    let b = out.find("DEMOLD0/GGIO1$ST$Ind1").expect("second member");
    assert!(a < b, "members in order: {out}");
    // A list of a variable that does not exist is refused by the server.
    let (ok, _, err) = client(&s.1, &["define-list", "DEMOLD0/Bad", "DEMOLD0/nosuch"]);
    assert!(!ok);
    assert!(err.contains("mms:"), "{err}");
    let (ok, _, err) = client(&s.1, &["delete-list", &list]);
    assert!(ok, "{err}");
    let (ok, _, err) = client(&s.1, &["attrs", "--list", &list]);
    assert!(!ok, "the list is gone");
    assert!(err.contains("mms:"), "{err}");
    // The configured data set cannot be deleted.
    let (ok, _, err) = client(&s.1, &["delete-list", "DEMOLD0/LLN0$DataSet1"]);
    assert!(!ok);
    assert!(err.contains("mms:"), "{err}");
}

/// `put`: ObtainFile, the server fetching the file from the client on the same association,
/// into its file store under the rules of the other file services.
#[test]
fn put_uploads_into_the_file_store() {
    let s = server_with(&["--max-upload", "100000"]);
    let dir = std::env::temp_dir().join(format!("osi-mms-put-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let local = dir.join("local.bin");
    let data: Vec<u8> = (0..70_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&local, &data).expect("write");
    let remote = format!("put-{}.bin", std::process::id());
    let (ok, out, err) = client(&s.1, &["put", local.to_str().expect("utf-8"), &remote]);
    assert!(ok, "{out}{err}");
    let (ok, out, _) = client(&s.1, &["files"]);
    assert!(ok && out.contains(&remote), "{out}");
    let back = dir.join("back.bin");
    let (ok, _, err) = client(
        &s.1,
        &["get", &remote, "--output", back.to_str().expect("utf-8")],
    );
    assert!(ok, "{err}");
    assert_eq!(std::fs::read(&back).expect("read back"), data);
    // The same name again: the store does not overwrite.
    let (ok, _, err) = client(&s.1, &["put", local.to_str().expect("utf-8"), &remote]);
    assert!(!ok);
    assert!(err.contains("exists"), "{err}");
    // Outside the store: refused.
    let (ok, _, err) = client(
        &s.1,
        &["put", local.to_str().expect("utf-8"), "../evil.bin"],
    );
    assert!(!ok);
    assert!(err.contains("'..'"), "{err}");
    let _ = client(&s.1, &["files"]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The upload bound: a file larger than `--max-upload` is refused and leaves nothing behind.
#[test]
fn put_beyond_the_bound_is_refused() {
    let s = server_with(&["--max-upload", "1000"]);
    let dir = std::env::temp_dir().join(format!("osi-mms-put-big-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let local = dir.join("big.bin");
    std::fs::write(&local, vec![7u8; 5000]).expect("write");
    let remote = format!("big-{}.bin", std::process::id());
    let (ok, _, err) = client(&s.1, &["put", local.to_str().expect("utf-8"), &remote]);
    assert!(!ok);
    assert!(err.contains("larger than 1000 octets"), "{err}");
    let (ok, out, _) = client(&s.1, &["files"]);
    assert!(ok && !out.contains(&remote), "{out}");
    assert!(!out.contains("obtaining"), "no partial file left: {out}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `mms bench --connect ADDR --read NAME...` measures any MMS server (here the demo model,
/// which knows nothing of the bench server's `v<k>`): every read of an existing variable
/// counts as answered, and a variable the server does not have makes the run fail.
#[test]
fn bench_drives_any_server_with_named_reads() {
    let s = server();
    let run = |names: &[&str]| {
        let out = mms()
            .args([
                "bench",
                "--associations",
                "3",
                "--reads",
                "50",
                "--outstanding",
                "2",
                "--connect",
                &s.1,
                "--read",
            ])
            .args(names)
            .output()
            .expect("run mms bench");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (ok, out) = run(&["DEMOLD0/GGIO1$MX$AnIn1", "DEMOLD0/GGIO1$SP$AnSet1$setMag$f"]);
    assert!(ok, "{out}");
    assert!(
        out.contains("reads answered correctly: 150 of 150"),
        "{out}"
    );
    let (ok, out) = run(&["DEMOLD0/GGIO1$MX$AnIn1", "DEMOLD0/nosuch"]);
    assert!(!ok, "a read that fails must fail the run: {out}");
}
