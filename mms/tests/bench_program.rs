//! `mms bench` (the load generator) run as a program: 100 associations against a server in a
//! child process; every read must come back with its own value (none lost, duplicated or
//! mismatched) and the server's resident memory must not grow after warm-up. Smaller read
//! counts than the README's 100 x 10 000 run keep this quick in a debug build.

use std::process::Command;

fn kib_after(out: &str, label: &str) -> Option<(u64, u64)> {
    let line = out.lines().find(|l| l.starts_with(label))?;
    let warm = line
        .split("warm-up ")
        .nth(1)?
        .split(' ')
        .next()?
        .parse()
        .ok()?;
    let end = line
        .split("the end ")
        .nth(1)?
        .split(' ')
        .next()?
        .parse()
        .ok()?;
    Some((warm, end))
}

#[test]
fn hundred_associations_lose_nothing_and_server_memory_stays_flat() {
    let out = Command::new(env!("CARGO_BIN_EXE_mms"))
        .args([
            "bench",
            "--associations",
            "100",
            "--reads",
            "400",
            "--outstanding",
            "2",
        ])
        .output()
        .expect("run mms bench");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("reads answered correctly: 40000 of 40000"),
        "{stdout}"
    );
    assert!(stdout.contains("lost, failed or mismatched: 0"), "{stdout}");
    assert!(stdout.contains("requests: 40000"), "{stdout}");
    let (warm, end) = kib_after(&stdout, "server CPU").expect("server memory line");
    assert!(
        end <= warm + 2048,
        "server RSS grew from {warm} KiB to {end} KiB"
    );
}
