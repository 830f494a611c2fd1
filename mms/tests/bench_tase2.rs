//! `mms bench tase2` (the TASE.2 report-throughput benchmark) run as a program in a quick form:
//! fewer points, a lower rate and shorter runs than the README's, so that a debug build gets
//! through in seconds. It asserts correctness only, never speed: in every scenario the last
//! value of every changed point arrives, no value goes backwards or was never written, no
//! report is unknown, malformed or dropped; with AllChangesReported every change arrives. The
//! buffered run collects more changed points than fit in one PDU, so the server must split
//! its report (docs/tase2-server.md, "Reports").

use std::process::Command;

fn bench(extra: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_mms"))
        .args(["bench", "tase2", "--drain", "120"])
        .args(extra)
        .output()
        .expect("run mms bench tase2");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("checks: all passed"), "{stdout}");
    stdout
}

/// The `checks:` line of every scenario, each of which must count no failure.
fn check_lines(stdout: &str) -> Vec<&str> {
    let lines: Vec<&str> = stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("checks:") && l.contains("last values missing"))
        .collect();
    for l in &lines {
        for part in l.split(':').nth(1).unwrap_or_default().split(',') {
            let n = part.split_whitespace().last().unwrap_or_default();
            assert_eq!(n, "0", "a failed check in {l:?}");
        }
    }
    lines
}

#[test]
fn every_last_value_arrives_in_each_scenario() {
    let out = bench(&[
        "--points",
        "3000",
        "--rates",
        "6000",
        "--seconds",
        "1.5",
        "--buffer-times",
        "0,1",
        "--associations",
        "20",
    ]);
    assert_eq!(check_lines(&out).len(), 3, "{out}");
    assert!(out.contains("== 20 associations, BufferTime 0 s"), "{out}");
    // The buffered run's changes (up to 3000 points of about 45 octets each) exceed the 65000
    // octets of a PDU; before the server split such reports it dropped them, and the checks
    // above counted the dropped report and the missing last values.
    assert!(out.contains("== 1 association, BufferTime 1 s"), "{out}");
}

#[test]
fn with_all_changes_reported_every_change_arrives() {
    let out = bench(&[
        "--points",
        "500",
        "--rates",
        "2000",
        "--seconds",
        "1",
        "--buffer-times",
        "0,1",
        "--associations",
        "5",
        "--all-changes",
    ]);
    let lines = check_lines(&out);
    assert_eq!(lines.len(), 3, "{out}");
    assert!(out.contains("AllChangesReported true"), "{out}");
}
