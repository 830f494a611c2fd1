//! `mms bench scale` run as a program with fewer associations than the documented 10 000 (to
//! keep CI short; the README has the full run): every set-up-rate row opens its associations
//! with what the row says (TLS 1.3, resumed or not, the A-profile), the idle associations all
//! answer their read with their own value, and the server's resident memory per idle
//! association stays within the 16 KiB the design allows. Rates are printed, never asserted.

use std::process::Command;

const ASSOCIATIONS: usize = 3000;

fn number_after<'a>(text: &'a str, marker: &str) -> &'a str {
    let line = text
        .lines()
        .find(|l| l.contains(marker))
        .unwrap_or_else(|| panic!("no line with {marker:?}:\n{text}"));
    line.split(marker).nth(1).unwrap_or("").trim()
}

#[test]
fn many_associations_each_answer_and_stay_small() {
    let out = Command::new(env!("CARGO_BIN_EXE_mms"))
        .args([
            "bench",
            "scale",
            "--associations",
            &ASSOCIATIONS.to_string(),
            "--setup",
            "60",
        ])
        .env("RUST_LOG", "error")
        .output()
        .expect("run mms bench scale");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for row in [
        "plain TCP",
        "TLS 1.3, full handshake",
        "TLS 1.3, resumed",
        "TLS 1.3 + A-profile",
    ] {
        let rate: f64 = number_after(&text, row)
            .split_whitespace()
            .next()
            .and_then(|r| r.parse().ok())
            .unwrap_or_else(|| panic!("no rate for {row}:\n{text}"));
        assert!(rate > 0.0, "{row}: {text}");
    }
    let answered = number_after(&text, "every association answered a read:");
    assert!(
        answered.starts_with(&format!("{ASSOCIATIONS} of {ASSOCIATIONS} ")),
        "{text}"
    );
    assert!(answered.contains("(0 wrong)"), "{text}");
    // "... KiB with N idle associations: X KiB per idle association"
    let per: f64 = text
        .lines()
        .find(|l| l.ends_with("KiB per idle association"))
        .and_then(|l| l.rsplit(": ").next())
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no memory figure:\n{text}"));
    assert!(
        per > 0.0 && per <= 16.0,
        "{per} KiB per idle association:\n{text}"
    );
}
