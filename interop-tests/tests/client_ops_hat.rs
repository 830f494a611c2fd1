//! The client convenience API (`mms::client::ops` and friends) against an independent server:
//! hat-drivers 0.10.10 serving a small model (`peers/hat_mms_model_server.py`, README §8:
//! domains LD0, LD1, PEERLD0, getNameList pages of 2 names). Identify, domains and variables
//! over several pages, GetVariableAccessAttributes, read, write (accepted and type-checked),
//! an IEC 61850 reference, browse, conclude. Fails (does not skip) under `CI=true` when the
//! Python peer is missing.

use std::time::Duration;

use interop_tests::peer::{hat_mms_model_server, PeerLine};
use interop_tests::require_python_peer;
use mms::client::ops::OpError;
use mms::client::values::Fc;
use mms::client::{Client, ClientConfig, ClientError};
use mms::data::{Data, DataAccessError};
use mms::types::TypeDescription;
use mms::ObjectName;

const TIMEOUT: Duration = Duration::from_secs(20);

fn ld(d: &str, i: &str) -> ObjectName<'static> {
    ObjectName::domain(d.to_string(), i.to_string())
}

fn fp32() -> TypeDescription<'static> {
    TypeDescription::FloatingPoint {
        format_width: 32,
        exponent_width: 8,
    }
}

/// Concludes with hat's model server. hat answers the conclude-Request with a
/// conclude-Response and at once a session FINISH carrying an ACSE ABRT (peers/README.md §5 and
/// §8): depending on whether our RLRQ crossed it, the association ends released or aborted by
/// the peer. Either way the MMS conclude was accepted, so `conclude()` returns `Ok` (hat logs
/// `CLOSED mms=conclude-ResponsePDU`) and hat must exit cleanly.
fn conclude_with_hat(c: &Client, server: &mut interop_tests::PythonPeer) {
    let r = c.conclude();
    assert!(
        matches!(r, Ok(())),
        "conclude: {r:?}\n{}",
        server.transcript_text()
    );
    let closed = server
        .expect("CLOSED", TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        closed.get("mms"),
        Some("conclude-ResponsePDU"),
        "{}",
        server.transcript_text()
    );
    let status = server.wait_exit(TIMEOUT);
    assert!(
        status.is_some_and(|s| s.success()),
        "{status:?}\n{}",
        server.transcript_text()
    );
}

#[test]
fn convenience_api_against_hat_model_server() {
    let Some(python) = require_python_peer() else {
        return;
    };
    let mut server = hat_mms_model_server(&python, &["--timeout", "30", "--page-size", "2"])
        .expect("hat model server READY");
    let port = server.port().expect("port");
    let config = ClientConfig::default().with_request_timeout(Duration::from_secs(10));
    let c = Client::connect(("127.0.0.1", port), config)
        .unwrap_or_else(|e| panic!("connect: {e}\n{}", server.transcript_text()));
    let fail = |what: &str, e: OpError, server: &mut interop_tests::PythonPeer| -> ! {
        panic!("{what}: {e}\n{}", server.transcript_text())
    };

    let id = c
        .identify()
        .unwrap_or_else(|e| fail("identify", e, &mut server));
    assert_eq!(
        (id.vendor.as_str(), id.model.as_str(), id.revision.as_str()),
        ("hat-drivers", "osi-mms-model-peer", "1")
    );

    // Two pages (LD0, LD1 / PEERLD0), the second after continueAfter = LD1.
    let domains = c
        .domains()
        .unwrap_or_else(|e| fail("domains", e, &mut server));
    assert_eq!(domains, ["LD0", "LD1", "PEERLD0"]);
    // Three pages.
    let vars = c
        .variables("LD0")
        .unwrap_or_else(|e| fail("variables", e, &mut server));
    assert_eq!(vars, ["Bool1", "Float1", "Int1", "Str1", "Struct1"]);
    assert!(c
        .variable_lists("LD0")
        .unwrap_or_else(|e| fail("lists", e, &mut server))
        .is_empty());

    assert_eq!(
        c.get_variable_access_attributes(&ld("LD0", "Float1")),
        Ok(fp32())
    );
    match c.get_variable_access_attributes(&ld("LD0", "Struct1")) {
        Ok(TypeDescription::Structure { components, .. }) => {
            let names: Vec<_> = components
                .iter()
                .map(|c| c.component_name.as_deref().unwrap_or("?"))
                .collect();
            assert_eq!(names, ["stVal", "q", "mag"]);
        }
        other => panic!("Struct1 type: {other:?}\n{}", server.transcript_text()),
    }

    let values = c
        .read(&[
            ld("LD0", "Bool1"),
            ld("LD0", "Float1"),
            ld("LD0", "Int1"),
            ld("LD0", "Str1"),
            ld("LD0", "Nope"),
        ])
        .unwrap_or_else(|e| fail("read", e, &mut server));
    assert_eq!(
        values,
        vec![
            Ok(Data::Boolean(true)),
            Ok(Data::from(1.5f32)),
            Ok(Data::Integer(-42)),
            Ok(Data::from("hello")),
            Err(DataAccessError::ObjectNonExistent),
        ]
    );
    assert_eq!(c.read_value::<f32>(&ld("LD1", "Float2")), Ok(3.0));

    c.write_value(&ld("LD0", "Int1"), 7i64)
        .unwrap_or_else(|e| fail("write", e, &mut server));
    assert_eq!(c.read_value::<i64>(&ld("LD0", "Int1")), Ok(7));
    assert_eq!(
        c.write_value(&ld("LD0", "Int1"), true),
        Err(OpError::Access(DataAccessError::TypeInconsistent))
    );

    assert_eq!(
        c.read_61850_value::<f32>("PEERLD0/GGIO1.AnIn1.mag.f", Fc::MX),
        Ok(1.5)
    );

    // Browse: PEERLD0 lists only `$` paths, so it has no top-level variable.
    let tree = c
        .browse()
        .unwrap_or_else(|e| fail("browse", e, &mut server));
    let summary: Vec<(&str, usize)> = tree
        .iter()
        .map(|d| (d.name.as_str(), d.variables.len()))
        .collect();
    assert_eq!(summary, [("LD0", 5), ("LD1", 1), ("PEERLD0", 0)]);
    assert_eq!(tree[1].variables[0], ("Float2".to_string(), fp32()));

    conclude_with_hat(&c, &mut server);
    let _ = server.remaining_lines(Duration::from_secs(2));
    let lines: Vec<PeerLine> = server
        .transcript()
        .iter()
        .map(|l| PeerLine::parse(l))
        .collect();
    // The paging really happened on the server: LD0's variables took three requests, the
    // later ones continuing after the last name of the page before.
    let ld0_pages: Vec<Option<String>> = lines
        .iter()
        .filter(|l| {
            l.keyword == "SERVED"
                && l.words.first().map(String::as_str) == Some("getNameList")
                && l.get("class") == Some("named-variable")
                && l.get("domain") == Some("LD0")
        })
        .map(|l| l.get("continue_after").map(str::to_string))
        .collect();
    assert!(
        ld0_pages
            .windows(3)
            .any(|w| w == [None, Some("Float1".into()), Some("Str1".into())]),
        "{ld0_pages:?}\n{}",
        server.transcript_text()
    );
}

/// A RejectPDU from hat (the script's `--reject`, README §8) reaches the caller as
/// `ClientError::Rejected`; the association stays up and the next paged list completes.
#[test]
fn hat_reject_surfaces_and_the_association_stays_up() {
    let Some(python) = require_python_peer() else {
        return;
    };
    let mut server = hat_mms_model_server(
        &python,
        &[
            "--timeout",
            "30",
            "--reject",
            "getNameList",
            "--reject-count",
            "1",
        ],
    )
    .expect("hat model server READY");
    let port = server.port().expect("port");
    let c = Client::connect(("127.0.0.1", port), ClientConfig::default())
        .unwrap_or_else(|e| panic!("connect: {e}\n{}", server.transcript_text()));
    let e = c.domains().expect_err("first getNameList is rejected");
    assert!(
        matches!(e.client_error(), Some(ClientError::Rejected(_))),
        "{e:?}\n{}",
        server.transcript_text()
    );
    assert_eq!(
        c.domains()
            .unwrap_or_else(|e| panic!("domains: {e}\n{}", server.transcript_text())),
        ["LD0", "LD1", "PEERLD0"]
    );
    conclude_with_hat(&c, &mut server);
    let rejected: Vec<PeerLine> = server
        .transcript()
        .iter()
        .map(|l| PeerLine::parse(l))
        .filter(|l| l.keyword == "REJECTED")
        .collect();
    assert_eq!(rejected.len(), 1, "{}", server.transcript_text());
    assert_eq!(
        rejected[0].words.first().map(String::as_str),
        Some("getNameList")
    );
}
