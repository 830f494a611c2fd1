//! `mms client --json`: every operation prints the object docs/json.md describes (its keys,
//! in its order), `read --names-from FILE|-` takes the names from a file or standard input, and
//! the transfers draw no progress bar where nobody watches.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn mms() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mms"))
}

struct ServerProc(Child, String, std::path::PathBuf);

impl Drop for ServerProc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        let _ = std::fs::remove_dir_all(&self.2);
    }
}

fn server(tag: &str) -> ServerProc {
    let dir = std::env::temp_dir().join(format!("osi-mms-json-{tag}-{}", std::process::id()));
    let mut child = mms()
        .args(["server", "--listen", "127.0.0.1:0", "--files"])
        .arg(&dir)
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
    ServerProc(child, addr, dir)
}

/// `mms client --connect ADDR --json ARGS`, its standard output parsed.
fn json(addr: &str, args: &[&str]) -> Value {
    let out = mms()
        .args(["client", "--connect", addr, "--json"])
        .args(args)
        .output()
        .expect("run mms client");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect()
}

#[test]
fn every_operation_prints_the_documented_object() {
    let s = server("every");
    let a = s.1.as_str();
    assert_eq!(
        keys(&json(a, &["identify"])),
        ["vendor", "model", "revision"]
    );
    let v = json(a, &["ls"]);
    assert_eq!(keys(&v), ["domains"]);
    assert!(v["domains"].as_array().is_some_and(|d| !d.is_empty()));
    let v = json(a, &["ls", "DEMOLD0"]);
    assert_eq!(keys(&v), ["variables", "lists", "journals"]);
    assert_eq!(v["lists"][0], "LLN0$DataSet1");
    let v = json(a, &["ls", "--long", "DEMOLD0"]);
    assert_eq!(
        keys(&v["lists"][0]),
        ["list", "deletable", "members"],
        "{v}"
    );
    assert_eq!(v["lists"][0]["members"][0], "DEMOLD0/GGIO1$ST$Ind1");
    let sp = "DEMOLD0/GGIO1$SP$AnSet1$setMag$f";
    assert_eq!(
        json(a, &["write", sp, "2.5"]),
        serde_json::json!({"written": sp})
    );
    let v = json(a, &["read", sp, "DEMOLD0/nosuch"]);
    assert_eq!(keys(&v), [sp, "DEMOLD0/nosuch"]);
    assert_eq!(v[sp], 2.5);
    assert_eq!(
        v["DEMOLD0/nosuch"],
        serde_json::json!({"error": "object-non-existent"})
    );
    let v = json(a, &["attrs", "DEMOLD0/GGIO1$MX$AnIn1"]);
    assert_eq!(keys(&v), ["name", "type"]);
    assert_eq!(v["type"]["structure"][1]["name"], "q");
    let v = json(a, &["attrs", "DEMOLD0/LLN0$DataSet1"]);
    assert_eq!(keys(&v), ["list", "deletable", "members"]);
    let list = format!("DEMOLD0/J{}", std::process::id());
    let v = json(a, &["define-list", &list, sp]);
    assert_eq!(v, serde_json::json!({"defined": list, "members": [sp]}));
    let v = json(a, &["delete-list", &list]);
    assert_eq!(v, serde_json::json!({"deleted": list}));
    let v = json(a, &["files"]);
    assert_eq!(keys(&v), ["files"]);
    let readme = v["files"]
        .as_array()
        .and_then(|f| f.iter().find(|e| e["name"] == "readme.txt"))
        .unwrap_or_else(|| panic!("{v}"));
    assert_eq!(keys(readme), ["name", "size", "modified"]);
    let dir = std::env::temp_dir().join(format!("osi-mms-json-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let saved = dir.join("r.txt");
    let saved_s = saved.to_str().expect("utf-8");
    let v = json(a, &["get", "readme.txt", "--output", saved_s]);
    assert_eq!(keys(&v), ["file", "saved", "octets"]);
    assert_eq!(v["octets"], std::fs::metadata(&saved).expect("saved").len());
    let remote = format!("json-{}.txt", std::process::id());
    let v = json(a, &["put", saved_s, &remote]);
    assert_eq!(v, serde_json::json!({"uploaded": saved_s, "as": remote}));
    let _ = std::fs::remove_dir_all(&dir);
    // The demo journal gains an entry when Ind1 changes (every 10 s of wall-clock time).
    let end = Instant::now() + Duration::from_secs(25);
    let entry = loop {
        let v = json(a, &["journal", "DEMOLD0/LLN0$EventLog"]);
        assert_eq!(keys(&v), ["entries"]);
        if let Some(e) = v["entries"].as_array().and_then(|e| e.first()) {
            break e.clone();
        }
        assert!(Instant::now() < end, "no journal entry in 25 s");
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(keys(&entry), ["id", "time", "variables"], "{entry}");
    assert_eq!(
        entry["variables"][0]["tag"], "GGIO1$ST$Ind1$stVal",
        "{entry}"
    );
    assert!(entry["variables"][0]["value"].is_boolean(), "{entry}");
}

#[test]
fn read_takes_names_from_a_file_and_from_standard_input() {
    let s = server("names");
    let dir = std::env::temp_dir().join(format!("osi-mms-names-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("names.txt");
    std::fs::write(
        &file,
        "# analogue inputs\nDEMOLD0/GGIO1$MX$AnIn2$mag$f\n\n  DEMOLD0/GGIO1$MX$AnIn1$mag$f  \n",
    )
    .expect("write");
    // Arguments first, then the file, in that order.
    let v = json(
        &s.1,
        &[
            "read",
            "DEMOLD0/GGIO1$ST$Ind1$stVal",
            "--names-from",
            file.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(
        keys(&v),
        [
            "DEMOLD0/GGIO1$ST$Ind1$stVal",
            "DEMOLD0/GGIO1$MX$AnIn2$mag$f",
            "DEMOLD0/GGIO1$MX$AnIn1$mag$f"
        ]
    );
    assert!(v["DEMOLD0/GGIO1$MX$AnIn1$mag$f"].is_number(), "{v}");
    // Standard input; more names than one request carries.
    let names: Vec<String> = (0..40)
        .map(|i| format!("DEMOLD0/GGIO1$MX$AnIn{}$mag$f\n", 1 + i % 4))
        .chain(["DEMOLD0/nosuch\n".to_string()])
        .collect();
    let mut child = mms()
        .args([
            "client",
            "--connect",
            &s.1,
            "--json",
            "read",
            "--names-from",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(names.concat().as_bytes())
        .expect("write names");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(keys(&v).len(), 5, "duplicates fold into one key each: {v}");
    assert_eq!(v["DEMOLD0/nosuch"]["error"], "object-non-existent");
    // Neither names nor a file: refused by the command line.
    let out = mms()
        .args(["client", "--connect", &s.1, "read"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    // A missing file: a message, status 1.
    let out = mms()
        .args(["client", "--connect", &s.1, "read", "--names-from"])
        .arg(dir.join("missing"))
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--names-from"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `get` and `put` draw their progress bars only on a terminal: with standard error a pipe,
/// standard error stays empty (the program once wrote `\r... octets` there whatever it was).
#[test]
fn transfers_draw_no_progress_when_standard_error_is_not_a_terminal() {
    let s = server("progress");
    let dir = std::env::temp_dir().join(format!("osi-mms-progress-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let local = dir.join("up.bin");
    std::fs::write(&local, vec![5u8; 200_000]).expect("write");
    let remote = format!("progress-{}.bin", std::process::id());
    let back = dir.join("back.bin");
    for args in [
        vec!["put", local.to_str().expect("utf-8"), remote.as_str()],
        vec![
            "get",
            remote.as_str(),
            "--output",
            back.to_str().expect("utf-8"),
        ],
    ] {
        let out = mms()
            .args(["client", "--connect", &s.1])
            .args(&args)
            .output()
            .expect("run");
        assert!(out.status.success(), "{args:?}");
        assert!(out.stderr.is_empty(), "{args:?}: {:?}", out.stderr);
        assert!(!out.stdout.contains(&b'\r'), "{args:?}");
    }
    assert_eq!(
        std::fs::metadata(&back).map(|m| m.len()).ok(),
        Some(200_000)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
