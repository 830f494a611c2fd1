//! The model's file services (ISO 9506-1 Annex D): FRSMs per association, chunking to the PDU
//! size, directory paging, and refusal of every path leaving the root (file / file-access-denied
//! or filename-syntax-error, ISO 9506-2 §7.4.1.12).
#![allow(clippy::unwrap_used)]

mod model_support;

use std::path::PathBuf;

use mms::common::FileName;
use mms::initiate::ServiceKind;
use mms::pdu::ConfirmedServiceResponse as Resp;
use mms::server::model::Model;
use mms::server::Handler;
use mms::service_error::{ErrorClass, FileProblem, ResourceProblem};
use mms::services::file::*;
use model_support::{assoc, call, Answer};

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("osi-mms-model-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn store(name: &str) -> (Model, PathBuf) {
    let root = tmp(name);
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(
        root.join("big.bin"),
        (0..5000u32).map(|i| (i % 251) as u8).collect::<Vec<u8>>(),
    )
    .unwrap();
    std::fs::write(root.join("sub/a.txt"), b"alpha").unwrap();
    for k in 0..30 {
        std::fs::write(root.join(format!("f{k:02}.txt")), b"x").unwrap();
    }
    let m = Model::builder().files(&root).build().unwrap();
    (m, root)
}

fn fname(s: &str) -> FileName<'static> {
    FileName::new(s.to_string())
}

fn class(a: &Answer) -> ErrorClass {
    a.as_ref().expect_err("an error").error_class
}

fn open(m: &Model, i: &mms::server::AssociationInfo, name: &str, pos: u32) -> Answer {
    call(
        m,
        i,
        FileOpenRequest {
            file_name: fname(name),
            initial_position: pos,
        },
    )
}

#[test]
fn open_read_close_in_pdu_sized_chunks() {
    let (m, _root) = store("read");
    assert!(m.services_supported().supports(ServiceKind::FileOpen));
    let i = assoc(1, 1000);
    let frsm = match open(&m, &i, "big.bin", 0).unwrap() {
        Resp::FileOpen(r) => {
            assert_eq!(r.file_attributes.size_of_file, 5000);
            assert!(r
                .file_attributes
                .last_modified
                .as_deref()
                .is_some_and(|t| t.len() == 15 && t.ends_with('Z')));
            r.frsm_id
        }
        o => panic!("{o:?}"),
    };
    let mut data = Vec::new();
    let mut reads = 0;
    loop {
        match call(&m, &i, FileReadRequest { frsm_id: frsm }).unwrap() {
            Resp::FileRead(r) => {
                assert!(r.file_data.len() <= 1000 - 32, "a chunk fits the PDU");
                data.extend_from_slice(&r.file_data);
                reads += 1;
                if !r.more_follows {
                    break;
                }
            }
            o => panic!("{o:?}"),
        }
    }
    assert_eq!(reads, 6);
    assert_eq!(
        data,
        (0..5000u32).map(|i| (i % 251) as u8).collect::<Vec<u8>>()
    );
    assert!(call(&m, &i, FileCloseRequest { frsm_id: frsm }).is_ok());
    let unknown = ErrorClass::File(FileProblem::Other(0));
    assert_eq!(
        class(&call(&m, &i, FileCloseRequest { frsm_id: frsm })),
        unknown
    );
    assert_eq!(
        class(&call(&m, &i, FileReadRequest { frsm_id: frsm })),
        unknown
    );
    // initialPosition.
    let frsm = match open(&m, &i, "sub/a.txt", 2).unwrap() {
        Resp::FileOpen(r) => r.frsm_id,
        o => panic!("{o:?}"),
    };
    match call(&m, &i, FileReadRequest { frsm_id: frsm }).unwrap() {
        Resp::FileRead(r) => {
            assert_eq!(r.file_data.as_ref(), b"pha");
            assert!(!r.more_follows);
        }
        o => panic!("{o:?}"),
    }
    assert_eq!(
        class(&open(&m, &i, "sub/a.txt", 6)),
        ErrorClass::File(FileProblem::PositionInvalid)
    );
    assert_eq!(
        class(&open(&m, &i, "nope.txt", 0)),
        ErrorClass::File(FileProblem::FileNonExistent)
    );
}

#[test]
fn frsms_are_per_association_and_freed_on_close() {
    let (m, _root) = store("frsm");
    let one = assoc(1, 1000);
    let two = assoc(2, 1000);
    let frsm = match open(&m, &one, "sub/a.txt", 0).unwrap() {
        Resp::FileOpen(r) => r.frsm_id,
        o => panic!("{o:?}"),
    };
    assert!(
        call(&m, &two, FileReadRequest { frsm_id: frsm }).is_err(),
        "another association's FRSM"
    );
    // Open files are busy.
    assert_eq!(
        class(&call(&m, &two, FileDeleteRequest(fname("sub/a.txt")))),
        ErrorClass::File(FileProblem::FileBusy)
    );
    assert_eq!(m.association_state(1).1, 1);
    m.closed(&one);
    assert_eq!(m.association_state(1).1, 0);
    assert!(call(&m, &two, FileDeleteRequest(fname("sub/a.txt"))).is_ok());
    // The open-file limit.
    for _ in 0..8 {
        assert!(open(&m, &two, "big.bin", 0).is_ok());
    }
    assert_eq!(
        class(&open(&m, &two, "big.bin", 0)),
        ErrorClass::Resource(ResourceProblem::CapabilityUnavailable)
    );
}

#[test]
fn directory_lists_sorted_and_pages() {
    let (m, _root) = store("dir");
    let big = assoc(1, 65000);
    let list = |i, spec: Option<&str>, after: Option<&str>| match call(
        &m,
        i,
        FileDirectoryRequest {
            file_specification: spec.map(fname),
            continue_after: after.map(fname),
        },
    )
    .unwrap()
    {
        Resp::FileDirectory(r) => (
            r.list_of_directory_entry
                .iter()
                .map(|e| e.file_name.0.join("/"))
                .collect::<Vec<_>>(),
            r.more_follows,
        ),
        o => panic!("{o:?}"),
    };
    let (all, more) = list(&big, None, None);
    assert!(!more);
    assert_eq!(all.len(), 32);
    assert_eq!(all[0], "big.bin");
    assert_eq!(all.last().unwrap(), "sub/");
    assert_eq!(list(&big, Some("sub"), None).0, ["sub/a.txt"]);
    assert_eq!(list(&big, Some("sub/a.txt"), None).0, ["sub/a.txt"]);
    let small = assoc(2, 300);
    let mut got = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let (page, more) = list(&small, None, after.as_deref());
        assert!(!page.is_empty());
        after = page.last().cloned();
        got.extend(page);
        if !more {
            break;
        }
    }
    assert_eq!(got, all);
    let a = call(
        &m,
        &big,
        FileDirectoryRequest {
            file_specification: Some(fname("missing")),
            continue_after: None,
        },
    );
    assert_eq!(class(&a), ErrorClass::File(FileProblem::FileNonExistent));
}

#[test]
fn traversal_is_refused() {
    let (m, root) = store("traversal");
    let outside = tmp("outside");
    std::fs::write(outside.join("secret.txt"), b"secret").unwrap();
    std::os::unix::fs::symlink(outside.join("secret.txt"), root.join("link.txt")).unwrap();
    std::os::unix::fs::symlink(&outside, root.join("linkdir")).unwrap();
    let i = assoc(1, 65000);
    let denied = ErrorClass::File(FileProblem::FileAccessDenied);
    let syntax = ErrorClass::File(FileProblem::FilenameSyntaxError);
    for bad in [
        "../x",
        "sub/../../x",
        "/etc/passwd",
        "link.txt",
        "linkdir/secret.txt",
        "C:/x",
    ] {
        assert_eq!(class(&open(&m, &i, bad, 0)), denied, "{bad}");
        assert_eq!(
            class(&call(&m, &i, FileDeleteRequest(fname(bad)))),
            denied,
            "{bad}"
        );
    }
    for bad in ["a\\b", "a\u{0}b", ""] {
        assert_eq!(class(&open(&m, &i, bad, 0)), syntax, "{bad:?}");
    }
    let a = call(
        &m,
        &i,
        FileRenameRequest {
            current_file_name: fname("sub/a.txt"),
            new_file_name: fname("../escaped.txt"),
        },
    );
    assert_eq!(class(&a), denied);
    let a = call(
        &m,
        &i,
        FileRenameRequest {
            current_file_name: fname("sub/a.txt"),
            new_file_name: fname("linkdir/escaped.txt"),
        },
    );
    assert_eq!(class(&a), denied);
    // The symlinks leaving the root are not listed.
    match call(
        &m,
        &i,
        FileDirectoryRequest {
            file_specification: None,
            continue_after: None,
        },
    )
    .unwrap()
    {
        Resp::FileDirectory(r) => assert!(r.list_of_directory_entry.iter().all(|e| !e
            .file_name
            .0
            .join("/")
            .starts_with("link"))),
        o => panic!("{o:?}"),
    }
    assert!(outside.join("secret.txt").exists());
}

#[test]
fn delete_and_rename() {
    let (m, root) = store("rename");
    let i = assoc(1, 65000);
    assert!(call(
        &m,
        &i,
        FileRenameRequest {
            current_file_name: fname("f00.txt"),
            new_file_name: fname("sub/moved.txt")
        }
    )
    .is_ok());
    assert!(root.join("sub/moved.txt").exists() && !root.join("f00.txt").exists());
    let a = call(
        &m,
        &i,
        FileRenameRequest {
            current_file_name: fname("f01.txt"),
            new_file_name: fname("f02.txt"),
        },
    );
    assert_eq!(class(&a), ErrorClass::File(FileProblem::DuplicateFilename));
    assert!(call(&m, &i, FileDeleteRequest(fname("f01.txt"))).is_ok());
    assert!(!root.join("f01.txt").exists());
    assert_eq!(
        class(&call(&m, &i, FileDeleteRequest(fname("f01.txt")))),
        ErrorClass::File(FileProblem::FileNonExistent)
    );
    assert_eq!(
        class(&call(&m, &i, FileDeleteRequest(fname("sub")))),
        ErrorClass::File(FileProblem::FileAccessDenied)
    );
}

#[test]
fn demo_files_are_served() {
    let dir = tmp("demo");
    let m = mms::server::model::demo::model(Some(&dir)).unwrap();
    let i = assoc(1, 65000);
    match call(
        &m,
        &i,
        FileDirectoryRequest {
            file_specification: Some(fname("COMTRADE")),
            continue_after: None,
        },
    )
    .unwrap()
    {
        Resp::FileDirectory(r) => {
            let n: Vec<_> = r
                .list_of_directory_entry
                .iter()
                .map(|e| e.file_name.0.join("/"))
                .collect();
            assert_eq!(n, ["COMTRADE/demo.cfg", "COMTRADE/demo.dat"]);
        }
        o => panic!("{o:?}"),
    }
}
