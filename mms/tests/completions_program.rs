//! `mms completions SHELL` and `mms man`: generated from the command-line definitions, they
//! name every subcommand, and the manual pages are well-formed roff.

use std::process::{Command, Stdio};

fn mms(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mms"))
        .args(args)
        .output()
        .expect("run mms");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn completions_name_the_subcommands_for_bash_zsh_and_fish() {
    for shell in ["bash", "zsh", "fish"] {
        let (ok, out) = mms(&["completions", shell]);
        assert!(ok, "{shell}");
        let (rate, connect) = if shell == "fish" {
            ("-l rate", "-l connect")
        } else {
            ("--rate", "--connect")
        };
        for word in [
            "client", "server", "browse", "demo", "decode", "identify", "read", "write", "journal",
            rate, connect,
        ] {
            assert!(
                out.contains(word),
                "{shell} completion lacks {word}:\n{out}"
            );
        }
    }
    let (ok, out) = mms(&["completions", "bash"]);
    assert!(ok && out.contains("complete -F _mms"), "{out}");
    let (ok, out) = mms(&["completions", "zsh"]);
    assert!(ok && out.starts_with("#compdef mms"), "{out}");
    let (ok, _) = mms(&["completions", "tcsh"]);
    assert!(!ok, "an unknown shell is an error");
}

#[test]
fn man_pages_render() {
    let (ok, top) = mms(&["man"]);
    assert!(ok);
    assert!(top.contains(".TH mms 1"), "{top}");
    for sub in ["client", "server", "browse", "completions"] {
        assert!(top.contains(&format!("mms\\-{sub}(1)")), "{sub}:\n{top}");
    }
    let (ok, client) = mms(&["man", "client"]);
    assert!(ok && client.contains(".TH mms-client 1"), "{client}");
    for sub in [
        "identify", "read", "write", "attrs", "files", "get", "put", "journal",
    ] {
        assert!(
            client.contains(&format!("mms\\-client\\-{sub}(1)")),
            "{sub}:\n{client}"
        );
    }
    assert!(client.contains("\\-\\-connect"), "{client}");
    let (ok, _) = mms(&["man", "nosuch"]);
    assert!(!ok);
    let dir = std::env::temp_dir().join(format!("osi-mms-man-{}", std::process::id()));
    let (ok, _) = mms(&["man", "--dir", dir.to_str().expect("utf-8")]);
    assert!(ok);
    for page in ["mms.1", "mms-browse.1", "mms-client-read.1"] {
        let text = std::fs::read_to_string(dir.join(page)).unwrap_or_default();
        assert!(text.contains(".TH "), "{page}: {text:?}");
    }
    // Where groff is installed, every page also typesets without a warning (optional: the roff
    // checks above stand without it). Help texts must stay within what `-Tascii` can set.
    let mut pages: Vec<_> = std::fs::read_dir(&dir)
        .expect("man dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    pages.sort();
    assert!(pages.len() > 20, "{pages:?}");
    for page in &pages {
        let roff = std::fs::read_to_string(page).expect("page");
        let Some((ok, text, warnings)) = groff(&roff) else {
            eprintln!("groff not installed: the pages were checked as text only");
            break;
        };
        let name = page.display();
        assert!(ok, "{name}: {warnings}");
        assert!(
            warnings.trim().is_empty(),
            "{name}: groff warnings: {warnings}"
        );
        if page.ends_with("mms-client.1") {
            assert!(text.contains("SUBCOMMANDS"), "{text}");
            assert!(text.contains("mms-client-read(1)"), "{text}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(client.contains(".TH mms-client 1"));
}

/// Typesets `roff` with `groff -man -Tascii`: (success, text, warnings), or `None` without groff.
fn groff(roff: &str) -> Option<(bool, String, String)> {
    use std::io::Write;
    let mut child = Command::new("groff")
        .args(["-man", "-Tascii", "-P-cbu", "-ww"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(roff.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("groff");
    Some((
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}
