//! Issue 18 "Done when", first part: our MMS client and server in the XMPP environment
//! (IEC 62351-4 clause 16, IEC 61850-8-2), through a real prosody started by the test. Each
//! logs in to prosody as a client (STARTTLS verified against the test CA, SCRAM), and a full
//! MMS session runs between them in every end-to-end mode (ICV with HMAC-SHA256 or GMAC,
//! AES-128-GCM, AES-256-GCM, AES-128-CBC + HMAC), with a rekey in the middle: identify,
//! browse, read, write, a report, a file listing and download, conclude and release.
//!
//! What prosody relayed is recorded by prosody itself (`Prosody::captured_stanzas`, a
//! test-only module that writes each routed stanza as prosody serialises it): in the
//! encrypting modes no MMS plaintext crosses it; in the ICV-only modes the same markers are
//! there (the check can see them).

use std::borrow::Cow;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use cot::pki::{KeyKind, Pki};
use e2e_sec::config::{AeadAlgorithm, CbcAlgorithm};
use e2e_sec::{E2eMode, IcvAlgorithm};
use interop_tests::prosody::{require_prosody, Prosody};
use interop_tests::scratch_dir;
use interop_tests::xmpp_rig::{alarms, connect, side, DOMAIN};
use mms::data::{Data, FloatingPoint};
use mms::server::model::demo;
use mms::server::{Server, ServerConfig};
use mms::services::variables::InformationReport;
use mms::services::vmd::{BasicObjectClass, ObjectClass, ObjectScope};
use mms::{AccessResult, ObjectName, UnconfirmedService, VariableAccessSpecification};

/// A report value the test looks for in what prosody relayed (server → client).
const REPORT_MARKER: &str = "XMPP-REPORT-MARKER-0xC0FFEE";
/// A variable name the client's requests carry (client → server).
const NAME_MARKER: &str = "GGIO1$SP$AnSet1$setMag$f";
const MECHANISM: &str = "iec62351-4-e2e";

fn modes() -> Vec<(&'static str, E2eMode, bool)> {
    vec![
        (
            "icv-hmac",
            E2eMode::IcvOnly(IcvAlgorithm::HmacSha256),
            false,
        ),
        (
            "icv-gmac",
            E2eMode::IcvOnly(IcvAlgorithm::Aes128Gmac),
            false,
        ),
        ("aes128-gcm", E2eMode::Aead(AeadAlgorithm::Aes128Gcm), true),
        ("aes256-gcm", E2eMode::Aead(AeadAlgorithm::Aes256Gcm), true),
        (
            "aes128-cbc-hmac",
            E2eMode::CbcIcv(CbcAlgorithm::Aes128Cbc, IcvAlgorithm::HmacSha256),
            true,
        ),
    ]
}

fn full_session(prosody: &Prosody, n: usize, label: &str, mode: E2eMode, encrypted: bool) {
    let root = Pki::new_root("XMPP E2E root", KeyKind::EcP256).expect("CA");
    let offset = Arc::new(AtomicI64::new(0));
    let ied = format!("ied{n}");
    let cc = format!("cc{n}");
    let server_side = side(
        prosody,
        &root,
        &ied,
        &format!("{ied}@{DOMAIN}"),
        mode,
        &offset,
    );
    let client_side = side(
        prosody,
        &root,
        &cc,
        &format!("{cc}@{DOMAIN}"),
        mode,
        &offset,
    );

    let files = scratch_dir(&format!("xmpp-mms-{label}"));
    let model = Arc::new(demo::model(Some(&files)).expect("model"));
    demo::tick(&model, SystemTime::now());
    let mut sc = ServerConfig::default()
        .with_listen(Vec::new())
        .with_events(Arc::clone(&server_side.events));
    sc.xmpp = Some(server_side.settings.clone());
    let server = Server::bind(sc, model.clone())
        .and_then(Server::spawn)
        .expect("server");

    let peer = format!("{ied}@{DOMAIN}/IEC");
    let client = connect(
        &client_side.settings,
        &peer,
        Duration::from_secs(10),
        &client_side.events,
    );

    // The authenticated peer: the server's E2E certificate, bound to its JID.
    let sp = client.authenticated_peer().expect("authenticated server");
    assert_eq!(sp.mechanism, MECHANISM);
    assert!(sp.subject.contains(&ied), "{}", sp.subject);

    // identify, browse
    let id = client.identify().expect("identify");
    assert!(!id.vendor.is_empty());
    let vmd = client
        .get_name_list(
            ObjectClass::Basic(BasicObjectClass::NamedVariable),
            ObjectScope::VmdSpecific,
        )
        .expect("get_name_list");
    assert!(vmd.iter().any(|v| v == "TASE2_Version"), "{vmd:?}");
    let domains = client.browse().expect("browse");
    assert!(
        domains.iter().any(|d| d.name == demo::DOMAIN),
        "{domains:?}"
    );

    // the server's view of the association
    let info = server
        .handle()
        .associations()
        .into_iter()
        .next()
        .expect("the server lists the association");
    assert_eq!(
        info.xmpp_peer.as_deref(),
        Some(format!("{cc}@{DOMAIN}/IEC").as_str())
    );
    let cp = info
        .authenticated_peer
        .as_ref()
        .expect("authenticated client");
    assert_eq!(cp.mechanism, MECHANISM);

    // read, write, read back
    let mod_name = ObjectName::domain(demo::DOMAIN.to_string(), "LLN0$ST$Mod$stVal".to_string());
    let got = client.read_one(&mod_name).expect("read");
    assert_eq!(Some(got), model.get(demo::DOMAIN, "LLN0$ST$Mod$stVal"));
    let set_point = ObjectName::domain(demo::DOMAIN.to_string(), NAME_MARKER.to_string());
    let want = Data::FloatingPoint(FloatingPoint::from_f32(42.5));
    client.write(&set_point, want.clone()).expect("write");
    assert_eq!(model.get(demo::DOMAIN, NAME_MARKER), Some(want.clone()));

    // a report from the server
    let reports = client.unconfirmed().expect("report channel");
    let report = UnconfirmedService::InformationReport(InformationReport {
        variable_access_specification: VariableAccessSpecification::VariableListName(
            ObjectName::vmd("RPT"),
        ),
        list_of_access_result: vec![AccessResult::Success(Data::VisibleString(Cow::Borrowed(
            REPORT_MARKER,
        )))],
    });
    assert_eq!(server.handle().send_unconfirmed(None, &report), 1);
    let got = reports
        .recv_timeout(Duration::from_secs(10))
        .expect("report delivered");
    match got.service().expect("decode report") {
        UnconfirmedService::InformationReport(r) => {
            assert_eq!(
                r.list_of_access_result,
                vec![AccessResult::Success(Data::VisibleString(Cow::Borrowed(
                    REPORT_MARKER
                )))]
            );
        }
        other => panic!("{other:?}"),
    }

    // files
    let listing = client.file_directory("").expect("file directory");
    assert!(
        listing.iter().any(|f| f.name == "readme.txt"),
        "{listing:?}"
    );
    let mut body = Vec::new();
    client
        .download("readme.txt", &mut body, |_, _| {})
        .expect("download");
    assert_eq!(
        body,
        std::fs::read(files.join("readme.txt")).expect("readme")
    );

    // rekey in the middle: both clocks move past the 15-minute rekey period
    offset.store(1000, Ordering::SeqCst);
    for _ in 0..4 {
        assert_eq!(client.read_one(&set_point).expect("read after rekey"), want);
    }
    assert!(
        client_side.events.count("e2e.rekeyed") >= 1,
        "client: {:?}",
        client_side.events.snapshot()
    );
    assert!(
        server_side.events.count("e2e.rekeyed") >= 1,
        "server: {:?}",
        server_side.events.snapshot()
    );

    client.conclude().expect("conclude");
    let t0 = Instant::now();
    while !server.handle().associations().is_empty() {
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "association not released"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        alarms(&client_side.events).is_empty(),
        "{:?}",
        alarms(&client_side.events)
    );
    assert!(
        alarms(&server_side.events).is_empty(),
        "{:?}",
        alarms(&server_side.events)
    );
    server.stop().expect("server stop");

    // What prosody relayed between the two JIDs.
    let relayed: Vec<String> = prosody
        .captured_stanzas()
        .lines()
        .filter(|l| l.contains(&format!("{ied}@")) && l.contains(&format!("{cc}@")))
        .map(str::to_string)
        .collect();
    let all = relayed.join("\n");
    assert!(
        all.contains("handshakeReq"),
        "no HandshakeReq relayed:\n{all}"
    );
    assert!(all.contains("releaseReq"), "no ReleaseReq relayed:\n{all}");
    let transfer = if encrypted {
        "encrTransfer"
    } else {
        "clearTransfer"
    };
    assert!(all.contains(transfer), "no {transfer} relayed");
    for marker in [REPORT_MARKER, NAME_MARKER] {
        assert_eq!(
            all.contains(marker),
            !encrypted,
            "{label}: marker {marker} {} in what prosody relayed",
            if encrypted { "visible" } else { "not found" }
        );
    }
}

#[test]
fn full_mms_sessions_over_xmpp_through_prosody_in_every_e2e_mode() {
    let _ = env_logger::builder().is_test(true).try_init();
    let Some(tools) = require_prosody() else {
        return;
    };
    let dir = scratch_dir("xmpp_mms");
    let prosody = Prosody::start(&tools, &dir, DOMAIN).unwrap_or_else(|e| panic!("{e}"));
    for (n, (label, mode, encrypted)) in modes().into_iter().enumerate() {
        eprintln!("mode {label}");
        full_session(&prosody, n, label, mode, encrypted);
    }
}
