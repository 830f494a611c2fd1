//! The XER of `mms::xer` checked against asn1tools (PyPI), which compiles hat-drivers' MMS ASN.1
//! module (`peers/xer_asn1tools.py`, `peers/hat_asn1_text.py`): for every vector of
//! `mms/vectors/` that the mapping covers, asn1tools must decode our XER to the value it decodes
//! our BER to, and our decoder must decode asn1tools's XER of that value to the value our BER
//! decoder gives. Values are compared, not documents (the two encoders may differ in white
//! space and character references). Vectors where hat's module differs from ISO 9506-2 as this
//! crate reads it (asn1tools cannot decode their BER) are listed, not compared.
//!
//! Needs `<workspace>/.venv` with asn1tools and hat-drivers (`.ci/run` installs them): with
//! `CI=true` a missing one fails the test, otherwise it is skipped loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::process::{Command, Stdio};

use interop_tests::peer::{peers_dir, require_asn1tools};
use mms::pdu::MmsPdu;
use mms::xer::{decode_pdu, encode_pdu, XerError, XerLimits};

#[path = "../../mms/src/vecfile.rs"]
mod vecfile;

fn all_vectors() -> Vec<vecfile::Vector> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../mms/vectors");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "vec"))
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|f| vecfile::parse(&std::fs::read_to_string(f).unwrap()))
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

#[test]
fn asn1tools_agrees_with_our_xer() {
    let Some(python) = require_asn1tools() else {
        return;
    };
    // Our XER of every vector the mapping covers (the others fail with Unsupported).
    let mut input = String::new();
    let mut ours = std::collections::BTreeMap::new();
    for v in all_vectors() {
        let Ok(pdu) = MmsPdu::decode(&v.pdu) else {
            continue;
        };
        match encode_pdu(&pdu) {
            Ok(xml) => {
                let ber = pdu.to_vec();
                input.push_str(&format!(
                    "{} {} {}\n",
                    v.name,
                    hex(&ber),
                    hex(xml.as_bytes())
                ));
                ours.insert(v.name.clone(), ber);
            }
            Err(XerError::Unsupported(_)) => {}
            Err(e) => panic!("{}: {e}", v.name),
        }
    }
    assert!(ours.len() >= 150, "only {} vectors encoded", ours.len());

    let mut child = Command::new(&python)
        .arg(peers_dir().join("xer_asn1tools.py"))
        .current_dir(peers_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "xer_asn1tools.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut agreed = 0;
    let mut not_comparable = Vec::new();
    let mut failures = Vec::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let mut parts = line.splitn(3, ' ');
        let (kind, name, rest) = (
            parts.next().unwrap(),
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
        );
        match kind {
            "OK" => {
                // asn1tools's own XER of the value decodes, with our decoder, to the value our
                // BER decoder gives.
                let theirs = String::from_utf8(unhex(rest)).unwrap();
                let mut buf = Vec::new();
                match decode_pdu(&theirs, &XerLimits::default(), &mut buf) {
                    Ok(pdu) => {
                        let want = MmsPdu::decode(&ours[name]).unwrap();
                        if pdu == want {
                            agreed += 1;
                        } else {
                            failures.push(format!(
                                "{name}: asn1tools's XER decodes to another value:\n{theirs}"
                            ));
                        }
                    }
                    Err(e) => failures.push(format!(
                        "{name}: our decoder refused asn1tools's XER: {e}\n{theirs}"
                    )),
                }
            }
            "NOBER" => not_comparable.push(format!("{name}: {rest}")),
            _ => failures.push(line.to_owned()),
        }
    }
    eprintln!(
        "asn1tools: {agreed} vectors agree both ways; {} not comparable (hat's module cannot decode the BER):",
        not_comparable.len()
    );
    for n in &not_comparable {
        eprintln!("  {n}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        agreed + not_comparable.len(),
        ours.len(),
        "a vector got no answer"
    );
    assert!(agreed >= 120, "only {agreed} vectors compared");
}
