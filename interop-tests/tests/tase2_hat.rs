//! ICCP / TASE.2 against a partner nobody here wrote the MMS of: `peers/tase2_peer.py`, a
//! TASE.2 client and a TASE.2 server (a VCC) scripted on hat-drivers' MMS client and server,
//! whose TASE.2 encodings (association objects, MMSObjectName, DSTransferSet, DSConditions,
//! point flags, Transfer_Report_ACK, select / operate) are written in Python from the
//! public record, not from our Rust code.
//!
//! * the script as **client** against our `Tase2Server`: association objects, a data set of
//!   its own, a transfer set from `Next_DSTransfer_Set` configured by a whole-structure Write
//!   (bilateral-table mode) or component by component with alternate access (open mode),
//!   reports of point changes and of an operator request in both forms, ACKed by the script
//!   (the server must see the ACKs and raise no ACK time-out), select-before-operate;
//! * the script as **server** against our `tase2::client::Client`: association check, point
//!   reads, data set, transfer set, reports in both forms (ACKed), a report of an unknown
//!   transfer set (NACKed), an information message, select and operate.
//!
//! Needs hat-drivers (`.venv`): fails when env `CI=true` and it is missing, else skips loudly.

use std::path::Path;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use interop_tests::peer::{PeerLine, PythonPeer};
use interop_tests::require_python_peer;
use mms::server::ServerConfig;
use mms::tase2::client::{
    AckMode, Client, DataSetLayout, Event, Expectations, Tase2Config, WriteForm,
};
use mms::tase2::point::{ValueQ, ValueQTimeTag};
use mms::tase2::server::{Config, ControlValue, EventQueue, ServerEvent, Tase2Server};
use mms::tase2::{
    BilateralTableId, DataFlags, DataState, DsConditions, DsTransferSet, EventCode, MmsObjectName,
    Point, PointType, TimeStamp,
};
use mms::ObjectName;

const PARTNER: &str = "1.1.999.7";
const WAIT: Duration = Duration::from_secs(20);
const ACK_TIMEOUT_MS: u64 = 1500;

fn server_config(with_table: bool) -> String {
    let tables = if with_table {
        format!(
            r#", "bilateral_tables": [
    {{ "id": "BLT_HAT_1", "ap_title": "{PARTNER}", "ae_qualifier": 12, "icc": "ICC1",
      "read": ["*"],
      "devices": [ {{ "device": "Breaker1", "operate": true }} ] }} ]"#
        )
    } else {
        String::new()
    };
    format!(
        r#"{{
  "vcc": {{ "points": [ {{ "name": "Frequency", "type": "Data_RealQ",
                          "value": {{ "Value": 50.0, "Flags": "00000000" }} }} ] }},
  "iccs": [ {{
    "name": "ICC1", "bilateral_table_id": "BLT_OPEN_1", "transfer_sets": 2,
    "points": [ {{ "name": "Voltage", "type": "Data_RealQTimeTag" }},
                {{ "name": "Breaker1Status", "type": "Data_StateQ" }},
                {{ "name": "Counter", "type": "Data_DiscreteQ" }} ],
    "devices": [ {{ "name": "Breaker1", "kind": "command", "sbo": true,
                    "check_back_id": 17 }} ]
  }} ]{tables},
  "timing": {{ "select_timeout_ms": 10000, "critical_ack_timeout_ms": {ACK_TIMEOUT_MS} }}
}}"#
    )
}

fn lines_with<'a>(lines: &'a [PeerLine], keyword: &str) -> Vec<&'a PeerLine> {
    lines.iter().filter(|l| l.keyword == keyword).collect()
}

/// The lines of `peer` until it ends (or `WAIT` passes).
fn rest(peer: &mut PythonPeer) -> Vec<PeerLine> {
    peer.remaining_lines(WAIT)
}

fn expect(peer: &mut PythonPeer, keyword: &str) -> PeerLine {
    match peer.expect(keyword, WAIT) {
        Ok(l) => l,
        Err(e) => panic!("{e}"),
    }
}

fn control<'a>(lines: &'a [PeerLine], op: &str) -> &'a str {
    lines_with(lines, "CONTROL")
        .into_iter()
        .find(|l| l.get("op") == Some(op))
        .and_then(|l| l.get("result"))
        .unwrap_or_else(|| panic!("no CONTROL op={op}"))
}

/// The script as TASE.2 client against our server; `form` is how it writes the transfer set.
fn script_client_against_our_server(python: &Path, with_table: bool, form: &str) {
    let config = Config::from_json_str(&server_config(with_table)).expect("config");
    let events = Arc::new(EventQueue::new(1024));
    let tase2 = Tase2Server::with_application(&config, events.clone()).expect("server");
    let running = tase2
        .spawn(ServerConfig::listening(["127.0.0.1:0"
            .parse()
            .expect("addr")]))
        .expect("spawn");
    let port = running.local_addr().expect("address").port().to_string();
    let args = [
        "client",
        "127.0.0.1",
        port.as_str(),
        "--ap-title",
        PARTNER,
        "--ae-qualifier",
        "12",
        "--form",
        form,
        "--reports",
        "3",
        "--device",
        "Breaker1",
    ];
    let mut peer = PythonPeer::spawn(python, "tase2_peer.py", &args).expect("spawn script");

    let assoc = expect(&mut peer, "ASSOCIATION");
    let text = peer.transcript_text();
    assert_eq!(assoc.get("version"), Some("2000.8"), "{text}");
    assert_eq!(assoc.get("blocks"), Some("1,2,4,5"), "{text}");
    assert_eq!(assoc.get_int("features_bits"), Some(12), "{text}");
    let blt = if with_table {
        "BLT_HAT_1"
    } else {
        "BLT_OPEN_1"
    };
    assert_eq!(assoc.get("blt"), Some(blt), "{text}");
    let next = expect(&mut peer, "NEXT_TS");
    assert_eq!(next.get("ts"), Some("ICC1/DSTransferSet01"), "{next:?}");
    // Scope sent as unsigned (libtase2, SISCO), not integer
    assert_eq!(next.get("scope_kind"), Some("unsigned"), "{next:?}");
    let write = expect(&mut peer, "WRITE_TS");
    assert_eq!(write.get("form"), Some(form), "{write:?}");
    let results = write.get("results").unwrap_or_default();
    assert!(
        !results.is_empty() && results.split(',').all(|r| r.ends_with("success")),
        "transfer-set write refused: {write:?}"
    );
    let read_back = expect(&mut peer, "TS_READ");
    // DataSetName as written, Critical and RBE TRUE, Status TRUE (2000.08: 13 components)
    let v = read_back.get("value").unwrap_or_default();
    assert!(
        v.starts_with(
            r#"{"structure":[{"structure":[{"unsigned":1},{"visible-string":"ICC1"},{"visible-string":"PEER_DS"}]}"#
        ),
        "{v}"
    );
    assert!(
        v.ends_with(
            r#"{"bit-string":"00110"},{"boolean":false},{"boolean":true},{"boolean":true},{"boolean":false},{"boolean":true},{"integer":0}]}"#
        ),
        "{v}"
    );
    expect(&mut peer, "TS_ENABLED");
    let enabled = events.wait_for(WAIT, |e| {
        matches!(e, ServerEvent::TransferSetEnabled { .. })
    });
    assert!(enabled.is_some(), "no TransferSetEnabled event");

    // the test changes points: two RBE reports, then an operator request: a whole-set report
    let voltage = tase2.point("ICC1/Voltage").expect("Voltage");
    voltage
        .set(&Point::RealQTimeTag(ValueQTimeTag {
            value: 231.5,
            time_stamp: TimeStamp(1_700_000_000),
            // suspect (validity 10), abnormal
            flags: DataFlags::from_octet(0x22),
        }))
        .expect("set Voltage");
    thread::sleep(Duration::from_millis(300));
    let status = tase2.point("ICC1/Breaker1Status").expect("Breaker1Status");
    status
        .set(&Point::StateQ(DataState::from_octet(0x40)))
        .expect("set Breaker1Status");
    thread::sleep(Duration::from_millis(300));
    assert_eq!(
        tase2.request_report(None, DsConditions::OPERATOR_REQUEST, EventCode(0)),
        1
    );

    let lines = rest(&mut peer);
    let text = peer.transcript_text();
    assert!(
        lines.iter().any(|l| l.keyword == "DONE"),
        "script did not finish: {text}"
    );
    let reports = lines_with(&lines, "REPORT");
    assert_eq!(reports.len(), 3, "{text}");
    for r in &reports {
        assert_eq!(r.get("ts"), Some("ICC1/DSTransferSet01"), "{text}");
        assert_eq!(r.get("ts_scope_kind"), Some("unsigned"), "{text}");
        assert!(r.get_int("time_stamp").is_some(), "{text}");
    }
    // list-of-variables form for the changes, Transfer_Set_Name first (checked by the script)
    assert_eq!(reports[0].get("form"), Some("list"), "{text}");
    assert_eq!(reports[0].get("conditions"), Some("change"), "{text}");
    let p0 = reports[0].get("points").unwrap_or_default();
    assert!(
        p0.contains(r#""name":"ICC1/Voltage""#)
            && p0.contains(r#""type":"Data_RealQTimeTag","value":231.5,"time_stamp":1700000000,"validity":"suspect","source":"telemetered","normal":"abnormal","time_quality":"valid""#),
        "{p0}"
    );
    assert!(
        !p0.contains("Breaker1Status"),
        "RBE sent an unchanged point: {p0}"
    );
    assert_eq!(reports[1].get("form"), Some("list"), "{text}");
    let p1 = reports[1].get("points").unwrap_or_default();
    assert!(
        p1.contains(r#""name":"ICC1/Breaker1Status""#)
            && p1.contains(r#""type":"Data_StateQ","validity":"valid""#)
            && p1.contains(r#""state":"off""#),
        "{p1}"
    );
    // the operator request: the whole data set in member order
    assert_eq!(reports[2].get("form"), Some("named"), "{text}");
    assert_eq!(reports[2].get("conditions"), Some("operator"), "{text}");
    let p2 = reports[2].get("points").unwrap_or_default();
    let v_at = p2.find("ICC1/Voltage").expect("Voltage in the whole set");
    let s_at = p2.find("ICC1/Breaker1Status").expect("Breaker1Status");
    let f_at = p2.find("vmd:Frequency").expect("Frequency");
    assert!(v_at < s_at && s_at < f_at, "{p2}");
    assert!(p2.contains(r#""type":"Data_RealQ","value":50.0"#), "{p2}");

    // the server saw an ACK for each report, and no ACK time-out fires
    assert_eq!(lines_with(&lines, "ACK_SENT").len(), 3, "{text}");
    for _ in 0..3 {
        let ack = events.wait_for(WAIT, |e| {
            matches!(e, ServerEvent::ReportAcknowledged { .. })
        });
        match ack {
            Some(ServerEvent::ReportAcknowledged {
                transfer_set,
                time_stamp,
                ..
            }) => {
                assert_eq!(transfer_set.domain_name, "ICC1");
                assert_eq!(transfer_set.name, "DSTransferSet01");
                assert!(time_stamp.is_some(), "ACK without its time stamp");
            }
            other => panic!("ACK not seen by the server: {other:?}\n{text}"),
        }
    }
    thread::sleep(Duration::from_millis(ACK_TIMEOUT_MS + 700));
    let later = events.drain();
    assert!(
        !later.iter().any(|e| matches!(
            e,
            ServerEvent::CriticalReportUnacknowledged { .. }
                | ServerEvent::UnknownAcknowledgement { .. }
                | ServerEvent::ReportNacked { .. }
        )),
        "{later:?}"
    );

    // device control
    if with_table {
        assert_eq!(
            control(&lines, "operate-unselected"),
            "error:temporarily-unavailable",
            "{text}"
        );
        assert_eq!(control(&lines, "select"), r#"{"integer":17}"#, "{text}");
        assert_eq!(control(&lines, "operate"), "success", "{text}");
        assert!(
            later.iter().any(|e| matches!(
                e,
                ServerEvent::Operated { device, value: ControlValue::Command(1), .. }
                    if device.to_string().contains("Breaker1")
            )),
            "{later:?}"
        );
    } else {
        // open mode: nobody operates
        for op in ["operate-unselected", "select", "operate"] {
            assert_eq!(control(&lines, op), "error:object-access-denied", "{text}");
        }
    }
    // selecting by writing _SBO is not a select
    assert_eq!(
        control(&lines, "write-sbo"),
        "error:object-access-denied",
        "{text}"
    );
    let disabled = lines_with(&lines, "TS_DISABLED");
    assert_eq!(disabled[0].get("result"), Some("success"), "{text}");
    let deleted = lines_with(&lines, "DELETED");
    assert_eq!(deleted[0].get("result"), Some("1/1"), "{text}");
    assert!(
        later
            .iter()
            .any(|e| matches!(e, ServerEvent::TransferSetDisabled { .. })),
        "{later:?}"
    );
    assert_eq!(tase2.stats().reports_sent, 3, "{:?}", tase2.stats());
    running.stop().expect("stop");
}

#[test]
fn hat_partner_client_whole_structure_write_under_a_bilateral_table() {
    let Some(python) = require_python_peer() else {
        return;
    };
    script_client_against_our_server(&python, true, "whole");
}

#[test]
fn hat_partner_client_component_writes_in_open_mode() {
    let Some(python) = require_python_peer() else {
        return;
    };
    script_client_against_our_server(&python, false, "components");
}

fn icc(item: &str) -> ObjectName<'static> {
    ObjectName::domain("ICC1", item.to_string())
}

/// Our client against the script as VCC.
fn our_client_against_script_server(python: &Path, form: WriteForm) {
    let mut peer =
        PythonPeer::spawn_server(python, "tase2_peer.py", &["server", "0"], WAIT).expect("VCC");
    let port = peer.port().expect("port");
    let mut config = Tase2Config::new("ICC1")
        .with_calling(PARTNER, Some(12))
        .expect("calling")
        .with_expect(
            Expectations::new()
                .blocks([1, 2, 4, 5])
                .bilateral_table_id(BilateralTableId::new("BLT_PEER_1").expect("id")),
        );
    config.ack = AckMode::Critical;
    config.write_form = form;
    let c = Client::connect(("127.0.0.1", port), config).unwrap_or_else(|e| {
        panic!(
            "associate with the hat VCC: {e}\n{}",
            peer.transcript_text()
        )
    });
    assert_eq!(c.params().edition(), mms::tase2::Edition::V2000_08);

    // points, typed by the client from its point table (values carry no type)
    match c.read_point(&icc("Voltage"), PointType::RealQTimeTag) {
        Ok(Point::RealQTimeTag(v)) => {
            assert_eq!(v.value, 231.5);
            assert_eq!(v.time_stamp, TimeStamp(1_700_000_000));
            assert_eq!(v.flags, DataFlags::GOOD);
        }
        other => panic!("{other:?}"),
    }
    match c.read_point(&icc("Breaker1Status"), PointType::StateQ) {
        Ok(Point::StateQ(s)) => assert_eq!(s.octet(), 0x80, "ON, valid"),
        other => panic!("{other:?}"),
    }
    match c.read_point(&icc("Counter"), PointType::DiscreteQ) {
        Ok(Point::DiscreteQ(ValueQ { value, flags })) => {
            assert_eq!(value, 42);
            assert_eq!(flags.octet(), 0x18, "held, entered");
        }
        other => panic!("{other:?}"),
    }
    // the type from GetVariableAccessAttributes' component names
    let types = c.point_types(&icc("Counter")).expect("types");
    assert_eq!(types, vec![PointType::DiscreteQ]);

    let ds = DataSetLayout::standard(
        "ICC1",
        "OUR_DS",
        false,
        [
            (icc("Voltage"), PointType::RealQTimeTag),
            (icc("Breaker1Status"), PointType::StateQ),
        ],
    );
    c.define_data_set(&ds).expect("define data set");
    let mut set = DsTransferSet::new(MmsObjectName::icc("ICC1", "OUR_DS").expect("name"));
    set.ds_conditions_requested = DsConditions::OBJECT_CHANGE | DsConditions::INTEGRITY_TIMEOUT;
    set.integrity_check = 60;
    set.rbe = true;
    set.critical = true;
    let ts = c
        .start_transfer_set(&set)
        .unwrap_or_else(|e| panic!("start transfer set: {e}\n{}", peer.transcript_text()));
    assert_eq!(ts.name, "DSTransferSet01");
    let enabled = expect(&mut peer, "TS_ENABLED");
    assert_eq!(enabled.get("ds"), Some("ICC1/OUR_DS"), "{enabled:?}");
    assert_eq!(enabled.get("critical"), Some("true"));
    assert_eq!(enabled.get("rbe"), Some("true"));
    assert_eq!(enabled.get("conditions"), Some("01100"));
    // the form the VCC saw: one whole structure, or alternate-access components, Status last
    let writes: Vec<PeerLine> = peer
        .transcript()
        .iter()
        .map(|l| PeerLine::parse(l))
        .filter(|l| l.keyword == "TS_WRITE")
        .collect();
    match form {
        WriteForm::Whole => {
            assert_eq!(writes.len(), 1, "{writes:?}");
            assert_eq!(writes[0].get("form"), Some("whole"));
            assert_eq!(writes[0].get_int("components"), Some(13));
        }
        _ => {
            assert_eq!(writes.len(), 13, "{writes:?}");
            assert!(writes.iter().all(|w| w.get("form") == Some("component")));
            assert_eq!(writes[12].get("component"), Some("Status"));
        }
    }

    // A: the whole data set (named-variable-list form)
    let whole = match c.next_event(WAIT) {
        Some(Event::Report(r)) => r,
        other => panic!("{other:?}\n{}", peer.transcript_text()),
    };
    assert_eq!(whole.transfer_set, ts);
    assert_eq!(whole.conditions, Some(DsConditions::INTEGRITY_TIMEOUT));
    assert!(whole.critical);
    let points: Vec<_> = whole.typed_points().collect();
    assert_eq!(points.len(), 2, "{whole:?}");
    // B: the change (list-of-variables form): suspect, abnormal
    let change = match c.next_event(WAIT) {
        Some(Event::Report(r)) => r,
        other => panic!("{other:?}\n{}", peer.transcript_text()),
    };
    assert_eq!(change.conditions, Some(DsConditions::OBJECT_CHANGE));
    let changed: Vec<_> = change.typed_points().collect();
    assert_eq!(changed.len(), 1, "{change:?}");
    match changed.first() {
        Some((name, Point::RealQTimeTag(v))) => {
            assert_eq!(*name, &icc("Voltage"));
            assert_eq!(v.value, 232.25);
            assert_eq!(v.flags.octet(), 0x22);
        }
        other => panic!("{other:?}"),
    }
    // C: a transfer set we never configured: NACKed
    match c.next_event(WAIT) {
        Some(Event::Unknown(u)) => assert!(format!("{u:?}").contains("DSTransferSet99")),
        other => panic!("{other:?}\n{}", peer.transcript_text()),
    }
    // the VCC received an ACK per report, with the report's time stamp, and the NACK
    for report in [&whole, &change] {
        let ack = expect(&mut peer, "ACK_RECEIVED");
        assert_eq!(ack.get("ts"), Some("ICC1/DSTransferSet01"), "{ack:?}");
        assert_eq!(ack.get("scope_kind"), Some("unsigned"), "{ack:?}");
        assert_eq!(
            ack.get_int("time_stamp"),
            report.time_stamp.map(|t| i64::from(t.0)),
            "{ack:?}"
        );
        assert_eq!(
            ack.get("names"),
            Some("ICC1/Transfer_Report_ACK,ICC1/Transfer_Set_Time_Stamp")
        );
    }
    let nack = expect(&mut peer, "NACK_RECEIVED");
    assert_eq!(nack.get("ts"), Some("ICC1/DSTransferSet99"), "{nack:?}");
    let stats = c.stats();
    assert_eq!((stats.acked, stats.nacked), (2, 1), "{stats:?}");

    // Block 4: enable information messages; the VCC sends one
    c.enable_info_messages(true).expect("IM_Transfer_Set");
    match c.next_event(WAIT) {
        Some(Event::InfoMessage(m)) => {
            assert_eq!(m.header.info_reference, 7);
            assert_eq!(m.buffer_size, 64);
            assert_eq!(m.text(), "peer VCC: shift change at 06:00");
        }
        other => panic!("{other:?}\n{}", peer.transcript_text()),
    }

    // Block 5: operate without select is refused, select then operate works
    let breaker = icc("Breaker1");
    let refused = c
        .operate(&breaker, mms::tase2::client::Command::On)
        .expect_err("operate without select");
    assert_eq!(
        refused.access_error(),
        Some(mms::DataAccessError::TemporarilyUnavailable),
        "{refused}"
    );
    let check_back = c.select(&breaker).expect("select");
    assert_eq!(check_back.0, 17);
    expect(&mut peer, "SELECTED");
    c.operate(&breaker, mms::tase2::client::Command::On)
        .expect("operate");
    let operated = expect(&mut peer, "OPERATED");
    assert_eq!(operated.get_int("value"), Some(1));

    c.disable_transfer_set(&ts).expect("disable");
    c.delete_data_set(&ds.name).expect("delete");
    c.conclude().expect("conclude");
    expect(&mut peer, "DONE");
}

#[test]
fn our_client_against_hat_vcc_whole_structure() {
    let Some(python) = require_python_peer() else {
        return;
    };
    our_client_against_script_server(&python, WriteForm::Whole);
}

#[test]
fn our_client_against_hat_vcc_component_writes() {
    let Some(python) = require_python_peer() else {
        return;
    };
    our_client_against_script_server(&python, WriteForm::Components);
}
