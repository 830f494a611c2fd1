//! tshark (Wireshark's TPKT, COTP, session, presentation, ACSE and MMS dissectors, written by
//! others; Wireshark has no ICCP dissector, so TASE.2 shows as MMS) decodes a whole TASE.2
//! session between our `tase2::client::Client` and our `Tase2Server`, recorded on loopback by
//! `interop_tests::proxy`: association under a bilateral table, the association objects, a
//! data set, Next_DSTransfer_Set and the transfer-set write, a critical RBE report and its
//! Transfer_Report_ACK, select-before-operate, IM_Transfer_Set and an information message,
//! disable, delete, conclude and release. No frame may be malformed or carry an error-level
//! expert info.
//!
//! Needs tshark: fails when env `CI=true` and it is missing, else skips loudly.

use std::sync::Arc;
use std::time::Duration;

use interop_tests::proxy::{bad_frames, RecordingProxy};
use interop_tests::tshark::as_strs;
use interop_tests::{require_tshark, scratch_dir};
use mms::server::ServerConfig;
use mms::tase2::client::{Client, Command, DataSetLayout, Event, Expectations, Tase2Config};
use mms::tase2::point::ValueQTimeTag;
use mms::tase2::server::{Config, EventQueue, InfoMessage, ServerEvent, Tase2Server};
use mms::tase2::{
    BilateralTableId, DataFlags, DsConditions, DsTransferSet, MmsObjectName, Point, PointType,
    TimeStamp,
};
use mms::ObjectName;

const CONFIG: &str = r#"{
  "iccs": [ {
    "name": "ICC1", "transfer_sets": 2,
    "points": [ { "name": "Voltage", "type": "Data_RealQTimeTag" } ],
    "devices": [ { "name": "Breaker1", "kind": "command", "sbo": true, "check_back_id": 17,
                   "tag": true } ]
  } ],
  "bilateral_tables": [
    { "id": "BLT_TSHARK_1", "ap_title": "1.1.999.1", "ae_qualifier": 12, "icc": "ICC1",
      "read": ["*"],
      "devices": [ { "device": "Breaker1", "operate": true, "get_tag": true } ],
      "info_messages": [ { "info_reference": 1, "scope": "vcc" } ] } ]
}"#;

const WAIT: Duration = Duration::from_secs(10);

#[test]
fn a_whole_tase2_session_decodes_in_tshark() {
    let Some(ts) = require_tshark() else {
        return;
    };
    let config = Config::from_json_str(CONFIG).expect("config");
    let events = Arc::new(EventQueue::new(1024));
    let tase2 = Tase2Server::with_application(&config, events.clone()).expect("server");
    let running = tase2
        .spawn(ServerConfig::listening(["127.0.0.1:0"
            .parse()
            .expect("addr")]))
        .expect("spawn");
    let proxy = RecordingProxy::start(running.local_addr().expect("address")).expect("proxy");

    let config = Tase2Config::new("ICC1")
        .with_calling("1.1.999.1", Some(12))
        .expect("calling")
        .with_expect(
            Expectations::new()
                .blocks([1, 2, 4, 5])
                .bilateral_table_id(BilateralTableId::new("BLT_TSHARK_1").expect("id")),
        );
    let c = Client::connect(proxy.local_addr(), config).expect("associate");
    let voltage = ObjectName::domain("ICC1", "Voltage");
    c.read_point(&voltage, PointType::RealQTimeTag)
        .expect("read");
    let ds = DataSetLayout::standard(
        "ICC1",
        "DS_TSHARK",
        true,
        [(voltage.clone(), PointType::RealQTimeTag)],
    );
    c.define_data_set(&ds).expect("define");
    let mut set = DsTransferSet::new(MmsObjectName::icc("ICC1", "DS_TSHARK").expect("name"));
    set.ds_conditions_requested = DsConditions::OBJECT_CHANGE;
    set.rbe = true;
    set.critical = true;
    let tsn = c.start_transfer_set(&set).expect("start");
    tase2
        .point("ICC1/Voltage")
        .expect("point")
        .set(&Point::RealQTimeTag(ValueQTimeTag {
            value: 231.5,
            time_stamp: TimeStamp(1_700_000_000),
            flags: DataFlags::GOOD,
        }))
        .expect("set");
    match c.next_event(WAIT) {
        Some(Event::Report(r)) => assert_eq!(r.transfer_set, tsn),
        other => panic!("{other:?}"),
    }
    assert!(
        events
            .wait_for(WAIT, |e| matches!(
                e,
                ServerEvent::ReportAcknowledged { .. }
            ))
            .is_some(),
        "the ACK did not reach the server"
    );
    let breaker = ObjectName::domain("ICC1", "Breaker1");
    assert_eq!(c.select(&breaker).expect("select").0, 17);
    c.operate(&breaker, Command::On).expect("operate");
    c.get_tag(&breaker).expect("tag");
    c.enable_info_messages(true).expect("IM_Transfer_Set");
    assert_eq!(
        tase2
            .post_message(&InfoMessage::vcc(1, 0, 1, b"captured by tshark"))
            .expect("post"),
        1
    );
    match c.next_event(WAIT) {
        Some(Event::InfoMessage(m)) => assert_eq!(m.text(), "captured by tshark"),
        other => panic!("{other:?}"),
    }
    c.disable_transfer_set(&tsn).expect("disable");
    c.delete_data_set(&ds.name).expect("delete");
    c.conclude().expect("conclude");
    assert!(proxy.wait_closed(1, WAIT));
    running.stop().expect("stop");

    let cap = proxy.capture(0).expect("capture");
    let path = scratch_dir("tase2-tshark").join("tase2-session.pcap");
    let bad = bad_frames(&ts, &cap, &path);
    assert!(bad.is_empty(), "malformed or expert-error frames: {bad:#?}");
    let args = cap.tshark_args();

    // every MMS PDU decoded, down from TPKT
    let mut mms_frames = args.clone();
    mms_frames.extend(["-Y".to_string(), "mms".to_string()]);
    let rows = ts.fields(&path, &as_strs(&mms_frames), &["frame.protocols"]);
    assert!(rows.len() >= 30, "{rows:?}");
    for row in &rows {
        assert!(
            row[0].contains("tpkt:cotp:ses:pres") && row[0].ends_with(":mms"),
            "{row:?}"
        );
    }
    for field in [
        "acse.aarq_element",
        "acse.aare_element",
        "acse.rlrq_element",
        "acse.rlre_element",
        "mms.initiate_RequestPDU_element",
        "mms.initiate_ResponsePDU_element",
        "mms.conclude_RequestPDU_element",
        "mms.conclude_ResponsePDU_element",
    ] {
        assert_eq!(ts.values(&path, &as_strs(&args), field).len(), 1, "{field}");
    }
    // the report, the ACK (sent by the client) and the information message
    let mut unconfirmed = args.clone();
    unconfirmed.extend(["-Y".to_string(), "mms.unconfirmed_PDU_element".to_string()]);
    let items = ts.fields(
        &path,
        &as_strs(&unconfirmed),
        &["tcp.srcport", "mms.itemId", "mms.vmd_specific"],
    );
    assert_eq!(items.len(), 3, "{items:?}");
    let server_port = cap.server_port().to_string();
    let from_server: Vec<_> = items.iter().filter(|r| r[0] == server_port).collect();
    let from_client: Vec<_> = items.iter().filter(|r| r[0] != server_port).collect();
    assert_eq!(from_server.len(), 2, "{items:?}");
    assert!(
        from_server[0][1].starts_with("Transfer_Set_Name,"),
        "{items:?}"
    );
    assert!(from_server[0][1].contains("Voltage"), "{items:?}");
    // VCC scope: VMD-specific names
    assert_eq!(
        from_server[1][2], "Info_Mess_Header,Info_Buff_128",
        "{items:?}"
    );
    assert_eq!(
        from_client.first().map(|r| r[1].as_str()),
        Some("Transfer_Report_ACK,Transfer_Set_Time_Stamp"),
        "{items:?}"
    );
    // the names of the TASE.2 objects as tshark read them
    let mut names = ts.values(&path, &as_strs(&args), "mms.itemId");
    names.extend(ts.values(&path, &as_strs(&args), "mms.vmd_specific"));
    for n in [
        "TASE2_Version",
        "Supported_Features",
        "Bilateral_Table_ID",
        "Next_DSTransfer_Set",
        "DSTransferSet01",
        "Breaker1_SBO",
        "Breaker1",
        "Breaker1_TAG",
        "DS_TSHARK",
    ] {
        assert!(names.iter().any(|x| x == n), "{n} not in {names:?}");
    }
}
