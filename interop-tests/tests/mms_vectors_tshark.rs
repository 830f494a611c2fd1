//! Every MMS test vector of `mms/vectors/*.vec` judged by Wireshark's MMS dissector (tshark
//! 4.0, ISO 9506-2 ASN.1): all PDUs go through ONE tshark run; each must be dissected as MMS,
//! with its service alternative recognised, no "[Malformed Packet]", no error-level expert
//! info, and every `tshark: field=value` line of the vector must match some occurrence of that
//! field. Without tshark the test fails in CI (`CI=true`) and is skipped elsewhere.
//!
//! Env `MMS_VECTORS_DIR` points the test at another directory of `.vec` files (for trying
//! vectors before they go into `mms/vectors/`).

#[path = "../../mms/src/vecfile.rs"]
mod vecfile;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use interop_tests::mms_dissect::{dissect_bare_mms_with, MmsFrame};
use interop_tests::{require_tshark, workspace_root, Tshark};
use vecfile::Vector;

/// At least this many vectors must be found (raised by the lead as the service modules land).
const MIN_VECTORS: usize = 300;

/// A vector and the file it came from.
struct Sourced {
    file: String,
    vector: Vector,
}

fn vectors_dir() -> PathBuf {
    std::env::var_os("MMS_VECTORS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("mms").join("vectors"))
}

fn load_dir(dir: &Path) -> Vec<Sourced> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "vec"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for vector in vecfile::parse(&text) {
            out.push(Sourced {
                file: file.clone(),
                vector,
            });
        }
    }
    out
}

/// Names used twice (with their files).
fn duplicate_names(vectors: &[Sourced]) -> Vec<String> {
    let mut seen: HashMap<&str, &str> = HashMap::new();
    let mut dups = Vec::new();
    for s in vectors {
        if let Some(first) = seen.insert(&s.vector.name, &s.file) {
            dups.push(format!(
                "vector name {:?} used in {first} and {}",
                s.vector.name, s.file
            ));
        }
    }
    dups
}

/// What is wrong with one vector's dissection (empty when it passes).
fn judge(s: &Sourced, frame: &MmsFrame) -> Vec<String> {
    let who = format!("vector {:?} ({})", s.vector.name, s.file);
    let mut problems = Vec::new();
    if !frame.is_mms() {
        problems.push(format!("{who}: not dissected as MMS"));
    }
    let first = s.vector.pdu.first().copied().unwrap_or(0);
    if !frame.service_recognised(first) {
        problems.push(format!(
            "{who}: tshark did not recognise the service alternative (no confirmedServiceRequest/Response/unconfirmedService field)"
        ));
    }
    if frame.malformed {
        problems.push(format!("{who}: tshark flags it [Malformed Packet]"));
    }
    for message in &frame.expert_errors {
        problems.push(format!("{who}: tshark expert error: {message}"));
    }
    for (field, value) in &s.vector.tshark {
        if !frame.has(field, value) {
            let seen: Vec<&str> = frame.values(field).take(8).collect();
            problems.push(format!(
                "{who}: expected tshark field {field}={value:?}, tshark shows {seen:?}"
            ));
        }
    }
    problems
}

/// Dissects all vectors in one tshark run and returns every problem found.
fn check_all(tshark: &Tshark, vectors: &[Sourced]) -> Vec<String> {
    let pdus: Vec<&[u8]> = vectors.iter().map(|s| s.vector.pdu.as_slice()).collect();
    let frames = dissect_bare_mms_with(tshark, &pdus).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(frames.len(), vectors.len());
    vectors
        .iter()
        .zip(&frames)
        .flat_map(|(s, frame)| judge(s, frame))
        .collect()
}

#[test]
fn every_mms_vector_is_clean_in_tshark() {
    let Some(tshark) = require_tshark() else {
        return;
    };
    let dir = vectors_dir();
    let vectors = load_dir(&dir);
    assert!(
        vectors.len() >= MIN_VECTORS,
        "only {} vectors in {} (expected at least {MIN_VECTORS})",
        vectors.len(),
        dir.display()
    );
    assert_eq!(duplicate_names(&vectors), Vec::<String>::new());
    let problems = check_all(&tshark, &vectors);
    assert!(
        problems.is_empty(),
        "{} of {} vectors in {} failed in {}:\n{}",
        problems.len(),
        vectors.len(),
        dir.display(),
        tshark.version(),
        problems.join("\n")
    );
    eprintln!(
        "{} MMS vectors from {} clean in {}",
        vectors.len(),
        dir.display(),
        tshark.version()
    );
}

/// The checker itself: a good vector passes, and each kind of bad vector is reported with its
/// name and file.
#[test]
fn checker_reports_bad_vectors() {
    let Some(tshark) = require_tshark() else {
        return;
    };
    // Read request, domain-specific LD0/XCBR; checked with tshark 4.0.17 (dissector mms).
    let text = "\
name: good-read
pdu: a0 1a 02 01 01 a4 15 a1 13 a0 11 30 0f a0 0d a1 0b 1a 03 4c 44 30 1a 04 58 43 42 52
tshark: mms.invokeID=1
tshark: mms.domainId=LD0
tshark: mms.itemId=XCBR

name: wrong-value
pdu: a0 1a 02 01 01 a4 15 a1 13 a0 11 30 0f a0 0d a1 0b 1a 03 4c 44 30 1a 04 58 43 42 52
tshark: mms.itemId=XCBR1

name: truncated
pdu: a0 1a 02 01 01 a4 15 a1 13 a0 11 30 0f a0 0d a1 0b 1a 03 4c 44 30 1a 04 58 43 42

name: unknown-service
pdu: a0 06 02 01 01 bf 50 00

name: good-read
pdu: 8b 00
";
    let vectors: Vec<Sourced> = vecfile::parse(text)
        .into_iter()
        .map(|vector| Sourced {
            file: "scratch.vec".into(),
            vector,
        })
        .collect();
    assert_eq!(vectors.len(), 5);
    assert_eq!(
        duplicate_names(&vectors),
        vec!["vector name \"good-read\" used in scratch.vec and scratch.vec".to_string()]
    );
    let problems = check_all(&tshark, &vectors);
    let about = |name: &str| -> Vec<&String> {
        let tag = format!("vector {name:?} (scratch.vec)");
        problems.iter().filter(|p| p.starts_with(&tag)).collect()
    };
    assert!(about("good-read").is_empty(), "{problems:#?}");
    assert_eq!(
        about("wrong-value"),
        vec![&"vector \"wrong-value\" (scratch.vec): expected tshark field mms.itemId=\"XCBR1\", tshark shows [\"XCBR\"]".to_string()]
    );
    let truncated = about("truncated");
    assert!(
        truncated.iter().any(|p| p.contains("[Malformed Packet]")),
        "{truncated:?}"
    );
    assert!(
        truncated.iter().any(|p| p.contains("expert error")),
        "{truncated:?}"
    );
    let unknown = about("unknown-service");
    assert!(
        unknown.iter().any(|p| p.contains("service alternative")),
        "{unknown:?}"
    );
}
