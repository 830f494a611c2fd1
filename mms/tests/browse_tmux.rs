//! `mms browse` driven as a user would: the real program in an 80×24 tmux pane against
//! `mms server` (the demo model, whose analogue inputs change every second). Keys go in with
//! `tmux send-keys`, the screen comes back with `tmux capture-pane -p`.
//!
//! Needs tmux: with `CI=true` a missing tmux fails the test; elsewhere it is skipped loudly.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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
    server_with(tag, &[])
}

fn server_with(tag: &str, args: &[&str]) -> ServerProc {
    let dir = std::env::temp_dir().join(format!("osi-mms-browse-{tag}-{}", std::process::id()));
    let mut child = mms()
        .args(["server", "--listen", "127.0.0.1:0", "--report-period", "1"])
        .arg("--files")
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
    ServerProc(child, addr, dir)
}

fn tmux_present() -> bool {
    let found = Command::new("tmux")
        .arg("-V")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("tmux is required in CI (.ci/run installs it) but is missing");
        }
        eprintln!("\n*** SKIPPED browse_tmux: tmux is not installed (apt-get install tmux) ***\n");
    }
    found
}

/// A tmux session of its own (own socket, so nothing of the user's is touched), killed on drop.
struct Pane {
    socket: String,
}

impl Pane {
    fn tmux(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket]);
        c
    }

    /// Runs `command` in a fresh 80×24 pane on a tmux server of this test's own (`tag`).
    fn start(tag: &str, command: &str) -> Pane {
        let pane = Pane {
            socket: format!("osi-mms-browse-{tag}-{}", std::process::id()),
        };
        let ok = pane
            .tmux()
            .args([
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                "80",
                "-y",
                "24",
            ])
            .args(["-s", "browse", command])
            .env("TERM", "xterm-256color")
            .status()
            .expect("run tmux");
        assert!(ok.success(), "tmux new-session failed");
        pane
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            let ok = self
                .tmux()
                .args(["send-keys", "-t", "browse", k])
                .status()
                .expect("tmux send-keys");
            assert!(ok.success());
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    fn capture(&self) -> String {
        let out = self
            .tmux()
            .args(["capture-pane", "-p", "-t", "browse"])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until the screen satisfies `ok` (at most 20 s), returning it.
    fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let end = Instant::now() + Duration::from_secs(20);
        loop {
            let s = self.capture();
            if ok(&s) {
                return s;
            }
            assert!(
                Instant::now() < end,
                "timed out waiting for {what}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Moves the selection onto the tree row labelled `label`.
    fn select(&self, label: &str) {
        let s = self.wait_for(label, |s| tree_row(s, label).is_some());
        let to = tree_row(&s, label).expect("row");
        let from = selected_row(&s).unwrap_or_else(|| panic!("no selection:\n{s}"));
        let key = if to > from { "Down" } else { "Up" };
        for _ in 0..from.abs_diff(to) {
            self.keys(&[key]);
        }
        self.wait_for(&format!("{label} selected"), |s| {
            selected_row(s).is_some() && selected_row(s) == tree_row(s, label)
        });
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = self.tmux().arg("kill-server").status();
    }
}

/// The tree column (left half) of each screen row.
fn tree(s: &str) -> impl Iterator<Item = String> + '_ {
    s.lines().map(|l| l.chars().take(40).collect())
}

/// The row whose tree entry is `label` (after the selection, expansion and kind markers).
fn tree_row(s: &str, label: &str) -> Option<usize> {
    tree(s).position(|l| {
        let t = l
            .trim_start_matches(['│', '>', ' ', '+', '-', '~'])
            .trim_start_matches("LD ")
            .trim_start_matches("DS ")
            .trim_start_matches("LOG ");
        t == label || t.starts_with(&format!("{label} "))
    })
}

fn selected_row(s: &str) -> Option<usize> {
    tree(s).position(|l| l.starts_with("│>"))
}

/// The value pane (right half, from the variable's name down to the pane's end).
fn value_pane(s: &str) -> String {
    s.lines()
        .skip(2)
        .take(12)
        .map(|l| l.chars().skip(40).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn browse_expands_reads_live_writes_and_quits() {
    if !tmux_present() {
        return;
    }
    let s = server("live");
    let downloads = std::env::temp_dir().join(format!("osi-mms-browse-dl-{}", std::process::id()));
    std::fs::create_dir_all(&downloads).expect("download dir");
    let cmd = format!(
        "{} browse {} --rate 0.3 --download-dir {}; echo BROWSE-EXITED $?; stty -a | tr ' ;' '\\n\\n' | grep -x -- '-\\?icanon'; sleep 60",
        env!("CARGO_BIN_EXE_mms"),
        s.1,
        downloads.display()
    );
    let pane = Pane::start("live", &cmd);
    // Connected: identity and the domain.
    let screen = pane.wait_for("the identity and a domain", |s| {
        s.contains("osi-mms demo") && s.contains("LD DEMOLD0")
    });
    assert!(screen.contains("q quit"), "{screen}");
    // Expand the domain, then GGIO1 (its type is asked once), then MX.
    pane.select("DEMOLD0");
    pane.keys(&["Enter"]);
    pane.select("GGIO1");
    pane.keys(&["Enter"]);
    pane.select("MX");
    pane.keys(&["Enter"]);
    pane.select("AnIn1");
    // A live value: read again at --rate; the demo model moves it every second.
    let first = pane.wait_for("a value of AnIn1", |s| {
        s.contains("DEMOLD0/GGIO1$MX$AnIn1") && s.contains("q: good") && s.contains("t: 20")
    });
    let v1 = value_pane(&first);
    let second = pane.wait_for("the value to change", |s| value_pane(s) != v1);
    let v2 = value_pane(&second);
    assert!(v2.contains("mag:") && v2.contains("f: "), "{second}");
    // Incoming informationReports (the server sends the data set every second).
    pane.wait_for("a report", |s| s.contains("DEMOLD0/LLN0$DataSet1:"));

    // Write SP$AnSet1$setMag$f through the typed editor, with a wrong value first.
    pane.keys(&["Left", "Left"]); // up to MX, collapse it
    pane.select("SP");
    pane.keys(&["Enter"]);
    pane.select("AnSet1");
    pane.keys(&["Enter"]);
    pane.select("setMag");
    pane.keys(&["Enter"]);
    pane.select("f");
    pane.wait_for("the setting's value", |s| s.contains("type float32"));
    pane.keys(&["w", "C-u", "abc", "Enter"]);
    pane.wait_for("the editor's complaint", |s| s.contains("not a value"));
    pane.keys(&["C-u", "12.5", "Enter"]);
    pane.wait_for("the confirmation", |s| {
        s.contains("write 12.5 to DEMOLD0/GGIO1$SP$AnSet1$setMag$f? y/n")
    });
    pane.keys(&["y"]);
    pane.wait_for("the write and the new value", |s| {
        s.contains("wrote DEMOLD0/GGIO1$SP$AnSet1$setMag$f") && s.contains("f: 12.5")
    });
    let out = mms()
        .args(["client", "--connect", &s.1, "--json", "read"])
        .arg("DEMOLD0/GGIO1$SP$AnSet1$setMag$f")
        .output()
        .expect("mms client read");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        v["DEMOLD0/GGIO1$SP$AnSet1$setMag$f"],
        serde_json::json!(12.5)
    );

    // The journal's entries (the demo logs Ind1's changes).
    pane.keys(&[
        "Left", "Left", "Left", "Left", "Left", "Left", "Left", "Left",
    ]);
    pane.select("journals");
    pane.keys(&["Enter"]);
    pane.select("LLN0$EventLog");
    pane.wait_for("the journal's entries", |s| {
        s.contains("newest first") && s.contains("GGIO1$ST$Ind1$stVal=")
    });

    // Download a file from the file store.
    pane.keys(&[
        "Left", "Left", "Left", "Left", "Left", "Left", "Left", "Left",
    ]);
    pane.select("Files");
    pane.keys(&["Enter"]);
    pane.select("readme.txt");
    pane.keys(&["d"]);
    pane.wait_for("the download", |s| s.contains("downloaded readme.txt"));
    let got = std::fs::read_to_string(downloads.join("readme.txt")).unwrap_or_default();
    assert!(got.contains("osi-mms demo file store"), "{got:?}");
    let _ = std::fs::remove_dir_all(&downloads);

    // Quit: the program ends with status 0 and the terminal is back in canonical mode on the
    // main screen.
    pane.keys(&["q"]);
    let end = pane.wait_for("the program to end", |s| s.contains("BROWSE-EXITED"));
    assert!(end.contains("BROWSE-EXITED 0"), "{end}");
    let end = pane.wait_for("stty's answer", |s| {
        s.lines()
            .any(|l| l.trim() == "icanon" || l.trim() == "-icanon")
    });
    assert!(
        end.lines().any(|l| l.trim() == "icanon"),
        "the terminal is left in raw mode:\n{end}"
    );
    assert!(
        !end.contains("Objects"),
        "the browser's screen is left:\n{end}"
    );
}

/// The server goes away under the browser: the status line says so, the keys still work, and
/// `q` ends the program with the terminal restored.
#[test]
fn browse_survives_the_server_going_away() {
    if !tmux_present() {
        return;
    }
    let mut s = server("gone");
    let cmd = format!(
        "{} browse {}; echo BROWSE-EXITED $?; stty -a | tr ' ;' '\\n\\n' | grep -x -- '-\\?icanon'; sleep 60",
        env!("CARGO_BIN_EXE_mms"),
        s.1
    );
    let pane = Pane::start("gone", &cmd);
    pane.wait_for("a domain", |s| s.contains("LD DEMOLD0"));
    let _ = s.0.kill();
    let _ = s.0.wait();
    pane.select("DEMOLD0");
    pane.keys(&["Enter"]);
    let screen = pane.wait_for("the error", |s| s.contains("error: DEMOLD0:"));
    assert!(
        screen.contains("+ LD DEMOLD0"),
        "collapsed again:\n{screen}"
    );
    pane.keys(&["?"]);
    pane.wait_for("the help", |s| s.contains("download the selected file"));
    pane.keys(&["Escape", "q"]);
    let end = pane.wait_for("the program to end", |s| s.contains("BROWSE-EXITED"));
    assert!(end.contains("BROWSE-EXITED 0"), "{end}");
    let end = pane.wait_for("stty's answer", |s| {
        s.lines()
            .any(|l| l.trim() == "icanon" || l.trim() == "-icanon")
    });
    assert!(end.lines().any(|l| l.trim() == "icanon"), "{end}");
}

/// `mms browse` takes the security flags of `mms client`: with the server's password it
/// browses; with a wrong one it ends before taking the terminal, saying why as `mms client`
/// does (this part needs no tmux).
#[test]
fn browse_authenticates_as_the_client_does() {
    let dir = std::env::temp_dir().join(format!("osi-mms-browse-pw-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let right = dir.join("right");
    let wrong = dir.join("wrong");
    std::fs::write(&right, "correct horse battery staple\n").expect("write");
    std::fs::write(&wrong, "correct horse battery stable\n").expect("write");
    #[cfg(unix)]
    for f in [&right, &wrong] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    let s = server_with("pw", &["--password-file", right.to_str().expect("utf-8")]);
    let out = mms()
        .args(["browse", &s.1, "--password-file"])
        .arg(&wrong)
        .output()
        .expect("run mms browse");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("a wrong password in --password-file"), "{err}");
    assert!(
        out.stdout.is_empty(),
        "the terminal was not taken: {:?}",
        out.stdout
    );
    // The right password, but standard output is a pipe: no screen drawn into it.
    let out = mms()
        .args(["browse", &s.1, "--password-file"])
        .arg(&right)
        .output()
        .expect("run mms browse");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("standard output is not one"), "{err}");
    assert!(out.stdout.is_empty(), "{:?}", out.stdout);
    if tmux_present() {
        let cmd = format!(
            "{} browse {} --password-file {}; echo BROWSE-EXITED $?; sleep 60",
            env!("CARGO_BIN_EXE_mms"),
            s.1,
            right.display()
        );
        let pane = Pane::start("pw", &cmd);
        pane.wait_for("the identity", |s| {
            s.contains("osi-mms demo") && s.contains("LD DEMOLD0")
        });
        pane.keys(&["q"]);
        let end = pane.wait_for("the program to end", |s| s.contains("BROWSE-EXITED"));
        assert!(end.contains("BROWSE-EXITED 0"), "{end}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A rate the browser cannot keep is refused before anything is sent.
#[test]
fn browse_refuses_a_rate_below_its_floor() {
    for rate in ["0", "0.01", "-1", "NaN"] {
        let out = mms()
            .args(["browse", "127.0.0.1:1", &format!("--rate={rate}")])
            .output()
            .expect("run mms browse");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{rate}");
        assert!(err.contains("at least 0.05 seconds"), "{rate}: {err}");
    }
}
