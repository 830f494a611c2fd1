//! Issue 7 "Done when": our `mms::client::Client` ↔ our `mms::server::Server` over loopback
//! TCP with IEC 62351-4 end-to-end security (`E2eFactory` in `ServerConfig.security` /
//! `ClientConfig.security`), a full MMS session on the demo model in every data-transfer mode
//! (§13.5: ICV with HMAC-SHA256, ICV with AES-GMAC, AES-128-GCM, AES-256-GCM, AES-128-CBC +
//! HMAC), a rekey in the middle of a pipelined stream (§13.5 rekeying, F-1123), the
//! authenticated peer on both sides (Annex G.6.2 binding of the subject to the AE-title), and
//! confidentiality of the wire in the encrypting modes (recorded by `interop_tests::proxy`).
//!
//! With TLS underneath (IEC 62351-4 Table 1, E2E over TLS): `security_combined.rs`.

use std::borrow::Cow;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cot::security_event::{SecurityEvents, Severity};
use e2e_sec::config::{AeadAlgorithm, CbcAlgorithm};
use e2e_sec::{E2eMode, IcvAlgorithm};
use interop_tests::mitm::{contains, E2eRig, E2eServer, CLIENT_BINDING, SERVER_BINDING};
use interop_tests::pcap::Direction;
use interop_tests::proxy::RecordingProxy;
use interop_tests::scratch_dir;
use mms::client::Client;
use mms::data::{Data, FloatingPoint};
use mms::server::model::demo;
use mms::services::variables::{InformationReport, ReadRequest, WriteRequest};
use mms::services::vmd::{BasicObjectClass, ObjectClass, ObjectScope};
use mms::{
    AccessResult, ConfirmedServiceRequest, ConfirmedServiceResponse, ObjectName,
    UnconfirmedService, VariableAccessSpecification,
};

/// The mechanism name of the E2E provider in `AuthenticatedPeer`.
const MECHANISM: &str = "iec62351-4-e2e";
/// A report value the test can look for on the wire (server → client).
const REPORT_MARKER: &str = "E2E-REPORT-MARKER-0xC0FFEE";

fn modes() -> Vec<(&'static str, E2eMode)> {
    vec![
        ("icv-hmac", E2eMode::IcvOnly(IcvAlgorithm::HmacSha256)),
        ("icv-gmac", E2eMode::IcvOnly(IcvAlgorithm::Aes128Gmac)),
        ("aes128-gcm", E2eMode::Aead(AeadAlgorithm::Aes128Gcm)),
        ("aes256-gcm", E2eMode::Aead(AeadAlgorithm::Aes256Gcm)),
        (
            "aes128-cbc-hmac",
            E2eMode::CbcIcv(CbcAlgorithm::Aes128Cbc, IcvAlgorithm::HmacSha256),
        ),
    ]
}

fn alarms(events: &SecurityEvents) -> Vec<String> {
    events
        .snapshot()
        .into_iter()
        .filter(|e| matches!(e.severity, Severity::Alarm | Severity::Error))
        .map(|e| format!("{} x{}", e.code, e.count))
        .collect()
}

fn count_any(events: &SecurityEvents, codes: &[&str]) -> u64 {
    codes.iter().map(|c| events.count(c)).sum()
}

fn set_point() -> ObjectName<'static> {
    ObjectName::domain(
        demo::DOMAIN.to_string(),
        "GGIO1$SP$AnSet1$setMag$f".to_string(),
    )
}

fn wait_association(srv: &E2eServer) -> Arc<mms::server::handler::AssociationInfo> {
    let t0 = Instant::now();
    loop {
        if let Some(a) = srv.server.handle().associations().into_iter().next() {
            return a;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(5),
            "the server never registered the association"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// One full MMS session (identify, browse, read, write, report, files, conclude) through a
/// recording proxy, in `mode`.
fn full_session(rig: &E2eRig, label: &str, mode: E2eMode) {
    let dir = scratch_dir(&format!("e2e-mms-{label}"));
    let srv = rig
        .start_server(rig.server_config(mode), &dir)
        .expect("server");
    let proxy = RecordingProxy::start(srv.server.local_addr()).expect("proxy");
    let (cc, cf) = rig.mms_client(rig.client_config(mode)).expect("client cfg");
    let client = Client::connect(proxy.local_addr(), cc).expect("E2E associate");

    // The authenticated peer on both sides: the certificate bound to the peer's AE-title.
    let sp = client
        .authenticated_peer()
        .expect("client: authenticated peer");
    assert_eq!(sp.mechanism, MECHANISM);
    assert_eq!(sp.object_identifier.as_deref(), Some(SERVER_BINDING));
    assert_eq!(
        sp.certificate_der,
        rig.server.certificate.to_der().expect("der")
    );
    let info = wait_association(&srv);
    let cp = info
        .authenticated_peer
        .as_ref()
        .expect("server: authenticated peer");
    assert_eq!(cp.mechanism, MECHANISM);
    assert_eq!(cp.object_identifier.as_deref(), Some(CLIENT_BINDING));
    assert!(cp.subject.contains("e2e client"), "{}", cp.subject);

    // identify
    let id = client.identify().expect("identify");
    assert!(!id.vendor.is_empty());

    // browse: VMD names, domains, variables with their access attributes
    let vmd = client
        .get_name_list(
            ObjectClass::Basic(BasicObjectClass::NamedVariable),
            ObjectScope::VmdSpecific,
        )
        .expect("get_name_list");
    assert!(vmd.iter().any(|v| v == "TASE2_Version"), "{vmd:?}");
    let domains = client.browse().expect("browse");
    let ld0 = domains
        .iter()
        .find(|d| d.name == demo::DOMAIN)
        .expect("demo domain browsed");
    assert!(ld0.variables.iter().any(|(v, _)| v == "GGIO1"), "{ld0:?}");
    let names = client.variables(demo::DOMAIN).expect("variables");
    assert!(names.iter().any(|n| n == "GGIO1$MX$AnIn1$mag$f"));

    // read: the values the model holds
    let mod_name = ObjectName::domain(demo::DOMAIN.to_string(), "LLN0$ST$Mod$stVal".to_string());
    let got = client.read_one(&mod_name).expect("read");
    assert_eq!(Some(got), srv.model.get(demo::DOMAIN, "LLN0$ST$Mod$stVal"));

    // write: the model changes
    client
        .write(
            &set_point(),
            Data::FloatingPoint(FloatingPoint::from_f32(42.5)),
        )
        .expect("write");
    let want = Data::FloatingPoint(FloatingPoint::from_f32(42.5));
    assert_eq!(
        srv.model.get(demo::DOMAIN, "GGIO1$SP$AnSet1$setMag$f"),
        Some(want.clone())
    );
    assert_eq!(client.read_one(&set_point()).expect("read back"), want);

    // report: an InformationReport from the server reaches client.unconfirmed()
    let reports = client.unconfirmed().expect("report channel");
    let report = UnconfirmedService::InformationReport(InformationReport {
        variable_access_specification: VariableAccessSpecification::VariableListName(
            ObjectName::vmd("RPT"),
        ),
        list_of_access_result: vec![AccessResult::Success(Data::VisibleString(Cow::Borrowed(
            REPORT_MARKER,
        )))],
    });
    assert_eq!(srv.server.handle().send_unconfirmed(None, &report), 1);
    let got = reports
        .recv_timeout(Duration::from_secs(5))
        .expect("report delivered");
    match got.service().expect("decode report") {
        UnconfirmedService::InformationReport(r) => {
            assert_eq!(r.list_name(), Some(&ObjectName::vmd("RPT")));
            assert_eq!(
                r.list_of_access_result,
                vec![AccessResult::Success(Data::VisibleString(Cow::Borrowed(
                    REPORT_MARKER
                )))]
            );
        }
        other => panic!("{other:?}"),
    }

    // files: directory, then open / read / close of readme.txt
    let listing = client.file_directory("").expect("file directory");
    assert!(
        listing.iter().any(|f| f.name == "readme.txt"),
        "{listing:?}"
    );
    let mut body = Vec::new();
    client
        .download("readme.txt", &mut body, |_, _| {})
        .expect("download");
    let on_disk = std::fs::read(dir.join("readme.txt")).expect("readme");
    assert_eq!(body, on_disk);

    client.conclude().expect("conclude");
    assert!(proxy.wait_closed(1, Duration::from_secs(5)), "closed");

    // Both ends established once, no alarm or error anywhere.
    assert_eq!(srv.factory.events().count(e2e_sec::events::ESTABLISHED), 1);
    assert_eq!(cf.events().count(e2e_sec::events::ESTABLISHED), 1);
    assert!(
        alarms(srv.factory.events()).is_empty(),
        "{label}: server {:?}",
        alarms(srv.factory.events())
    );
    assert!(
        alarms(cf.events()).is_empty(),
        "{label}: client {:?}",
        alarms(cf.events())
    );

    // The wire: known MMS values in clear exactly when the mode does not encrypt.
    let up = proxy.stream(0, Direction::ClientToServer);
    let down = proxy.stream(0, Direction::ServerToClient);
    let readme = &on_disk[..on_disk.len().min(40)];
    for (what, stream, needle) in [
        ("domain name in requests", &up, demo::DOMAIN.as_bytes()),
        ("file name in FileOpen", &up, b"readme.txt".as_slice()),
        ("report value", &down, REPORT_MARKER.as_bytes()),
        ("file contents", &down, readme),
    ] {
        assert_eq!(
            contains(stream, needle),
            !mode.encrypts(),
            "{label}: {what} visible on the wire"
        );
    }
    srv.server.stop().expect("stop");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn full_mms_session_in_every_e2e_mode() {
    let _ = env_logger::builder().is_test(true).try_init();
    let rig = E2eRig::new().expect("rig");
    for (label, mode) in modes() {
        full_session(&rig, label, mode);
    }
}

/// A pipelined stream of write(i) / read pairs across two rekeys (server rekey period 2 s,
/// the server's clock moved forward): every read returns the value written just before it,
/// so nothing was lost, duplicated or reordered; the server rekeyed twice.
#[test]
fn rekey_in_the_middle_of_a_pipelined_stream_loses_and_reorders_nothing() {
    let _ = env_logger::builder().is_test(true).try_init();
    let rig = E2eRig::new().expect("rig");
    for (label, mode) in modes() {
        rig.server_offset.store(0, Ordering::SeqCst);
        let dir = scratch_dir(&format!("e2e-rekey-{label}"));
        let mut sc = rig.server_config(mode);
        sc.rekey_period = Duration::from_secs(2);
        sc.allow_short_rekey = true;
        let srv = rig.start_server(sc, &dir).expect("server");
        let (cc, cf) = rig.mms_client(rig.client_config(mode)).expect("cfg");
        let client = Client::connect(srv.server.local_addr(), cc).expect("associate");
        let window = usize::from(client.negotiated().max_serv_outstanding_calling).clamp(2, 8);
        let mut next = 0u32;
        let rekeys = |events: &SecurityEvents| count_any(events, &[e2e_sec::events::REKEYED]);
        for phase in 0..3i64 {
            if phase > 0 {
                // the server's rekey period elapses: its next PDU carries reqRekey
                rig.server_offset.store(3 * phase, Ordering::SeqCst);
            }
            for _round in 0..6 {
                // window/2 write+read pairs in flight at once
                let mut pending = Vec::new();
                for _ in 0..window / 2 {
                    let v = next as f32;
                    next += 1;
                    let w = client
                        .send(&ConfirmedServiceRequest::Write(WriteRequest::single(
                            set_point(),
                            Data::FloatingPoint(FloatingPoint::from_f32(v)),
                        )))
                        .expect("send write");
                    let r = client
                        .send(&ConfirmedServiceRequest::Read(ReadRequest::names([
                            set_point(),
                        ])))
                        .expect("send read");
                    pending.push((v, w, r));
                }
                for (v, w, r) in pending {
                    let wa = w.wait().expect("write answer");
                    assert!(
                        matches!(
                            wa.response().expect("write rsp"),
                            ConfirmedServiceResponse::Write(_)
                        ),
                        "{label}"
                    );
                    let ra = r.wait().expect("read answer");
                    match ra.response().expect("read rsp") {
                        ConfirmedServiceResponse::Read(rr) => assert_eq!(
                            rr.list_of_access_result,
                            vec![AccessResult::Success(Data::FloatingPoint(
                                FloatingPoint::from_f32(v)
                            ))],
                            "{label}: value {v} read back in order"
                        ),
                        other => panic!("{label}: {other:?}"),
                    }
                }
            }
            assert_eq!(
                rekeys(srv.factory.events()),
                u64::try_from(phase).unwrap_or(0),
                "{label}: server rekeys after phase {phase}: {:?}",
                srv.factory.events().snapshot()
            );
        }
        assert_eq!(
            rekeys(cf.events()),
            2,
            "{label}: client sent two new DH values"
        );
        assert!(alarms(srv.factory.events()).is_empty(), "{label}");
        assert!(alarms(cf.events()).is_empty(), "{label}");
        client.conclude().expect("conclude");
        srv.server.stop().expect("stop");
        let _ = std::fs::remove_dir_all(&dir);
    }
    rig.server_offset.store(0, Ordering::SeqCst);
}
