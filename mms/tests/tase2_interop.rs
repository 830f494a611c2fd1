//! Our TASE.2 client (`mms::tase2::client::Client`) against our TASE.2 server
//! (`mms::tase2::server::Tase2Server`) over loopback. The two were written separately; this
//! is where they meet: association checks, names, typed reads, writes, data sets, transfer
//! sets in both write forms, reports of every condition decoded into typed points, critical
//! reports acknowledged by the client and seen acknowledged by the server, information
//! messages, device control, and the refusals each side expects of the other.
//!
//! Two servers are used: the shipped demo configuration (`mms/tase2/demo.json`) and one
//! built in code, with a bilateral table for the client's AE-title and short timers.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mms::server::ServerConfig;
use mms::tase2::client::{
    AckMode, CheckBackName, Client, Command, ControlFailure, DataSetLayout, DsReport, Event,
    Expectations, Mismatch, ReportForm, ReportedValue, Tase2ClientError, Tase2Config, WriteForm,
};
use mms::tase2::flags::{State, TagState};
use mms::tase2::point::{ValueQ, ValueQTimeTag};
use mms::tase2::server::{
    BilateralTableConfig, Config, ControlValue, DataSetConfig, DeviceConfig, DeviceKind,
    DeviceRightConfig, EventQueue, IccConfig, InfoMessage, InfoMessageRightConfig,
    MessageScopeConfig, PointConfig, RunningTase2Server, ServerEvent, Tase2Server, TimingConfig,
    VccConfig,
};
use mms::tase2::{
    BilateralTableId, DataFlags, DataState, DsConditions, DsTransferSet, Edition, EventCode,
    MmsObjectName, Point, PointType, Scope, TagFlags, TagValue, Tase2Version, TimeStamp,
};
use mms::{DataAccessError, ObjectName};

/// The demo partner's calling AE-title (its bilateral table in `demo.json`).
const DEMO_AP: &str = "1.1.999.1";
/// The calling AE-title of the code-built server's table.
const CODE_AP: &str = "1.3.9999.7";
const WAIT: Duration = Duration::from_secs(5);

struct Fixture {
    _running: RunningTase2Server,
    tase2: Tase2Server,
    events: Arc<EventQueue>,
    addr: SocketAddr,
}

fn spawn(config: &Config) -> Fixture {
    let events = Arc::new(EventQueue::new(4096));
    let tase2 = Tase2Server::with_application(config, events.clone()).expect("server");
    let running = tase2
        .spawn(ServerConfig::listening(["127.0.0.1:0"
            .parse()
            .expect("addr")]))
        .expect("spawn");
    let addr = running.local_addr().expect("address");
    Fixture {
        _running: running,
        tase2,
        events,
        addr,
    }
}

fn demo_config() -> Config {
    Config::from_file(concat!(env!("CARGO_MANIFEST_DIR"), "/tase2/demo.json")).expect("demo.json")
}

fn demo() -> Fixture {
    spawn(&demo_config())
}

/// A server built in code: one ICC with a point of several types, devices of every kind, a
/// bilateral table for [`CODE_AP`], short timers, and a pool of two transfer sets.
fn code_config() -> Config {
    let icc = IccConfig::new("WEST")
        .with_transfer_sets(2)
        .with_points(vec![
            PointConfig::new("MW", "Data_RealQTimeTag"),
            PointConfig::new("Breaker", "Data_StateQTimeTag"),
            PointConfig::new("Taps", "Data_DiscreteQ"),
            PointConfig::new("Level", "Data_RealExtended"),
            PointConfig::new("Hidden", "Data_Real"),
        ])
        .with_devices(vec![
            DeviceConfig::new("CB1", DeviceKind::Command)
                .with_sbo(true)
                .with_check_back_id(42)
                .with_tag(true),
            DeviceConfig::new("SP1", DeviceKind::SetpointReal),
            DeviceConfig::new("Denied", DeviceKind::Command),
        ])
        .with_data_sets(vec![DataSetConfig::new(
            "DS_Server",
            &[
                "Transfer_Set_Name",
                "Transfer_Set_Time_Stamp",
                "DSConditions_Detected",
                "MW",
                "Taps",
            ],
        )]);
    let table = BilateralTableConfig::new("WEST_BLT_7", CODE_AP, Some(33), "WEST")
        .with_read(vec![
            "MW".into(),
            "Breaker".into(),
            "Taps".into(),
            "Level".into(),
            "/Hz".into(),
        ])
        .with_write(vec!["Taps".into()])
        .with_devices(vec![
            DeviceRightConfig::all("CB1"),
            DeviceRightConfig::all("SP1"),
        ])
        .with_info_messages(vec![InfoMessageRightConfig::new(
            5,
            MessageScopeConfig::Icc,
        )]);
    Config::new()
        .with_vcc(VccConfig::default().with_points(vec![PointConfig::new("Hz", "Data_RealQ")]))
        .with_iccs(vec![icc])
        .with_bilateral_tables(vec![table])
        .with_timing(
            TimingConfig::default()
                .with_select_timeout_ms(600)
                .with_critical_ack_timeout_ms(600),
        )
}

fn demo_client_config() -> Tase2Config {
    Tase2Config::new("ICC1")
        .with_calling(DEMO_AP, Some(12))
        .expect("calling")
        .with_expect(
            Expectations::new()
                .version(Tase2Version::V2000_08)
                .blocks([1, 2, 4, 5])
                .bilateral_table_id(BilateralTableId::new("BLT_ICC1_2026_1").expect("id")),
        )
}

fn code_client_config() -> Tase2Config {
    Tase2Config::new("WEST")
        .with_calling(CODE_AP, Some(33))
        .expect("calling")
        .with_expect(
            Expectations::new()
                .blocks([1, 2, 4, 5])
                .bilateral_table_id(BilateralTableId::new("WEST_BLT_7").expect("id")),
        )
}

fn icc1(item: &str) -> ObjectName<'static> {
    ObjectName::domain("ICC1", item.to_string())
}

fn west(item: &str) -> ObjectName<'static> {
    ObjectName::domain("WEST", item.to_string())
}

fn next_report(c: &Client, timeout: Duration) -> DsReport {
    match c.next_event(timeout) {
        Some(Event::Report(r)) => r,
        Some(other) => panic!("expected a report, got {other:?}"),
        None => panic!("no report within {timeout:?}"),
    }
}

fn no_event(c: &Client, d: Duration) {
    if let Some(e) = c.next_event(d) {
        panic!("unexpected event {e:?}");
    }
}

fn access_error(e: &Tase2ClientError) -> Option<DataAccessError> {
    e.access_error()
}

fn real_q_time_tag(v: f32, t: i32) -> Point {
    Point::RealQTimeTag(ValueQTimeTag {
        value: v,
        time_stamp: TimeStamp(t),
        flags: DataFlags::GOOD,
    })
}

// ------------------------------------------------------------------------------------------
// Association

#[test]
fn association_checks_against_the_demo_server() {
    let f = demo();
    let c = Client::connect(f.addr, demo_client_config()).expect("connect");
    let p = c.params();
    assert_eq!(p.version, Tase2Version::V2000_08);
    assert_eq!(p.edition(), Edition::V2000_08);
    let features = p.features.expect("Supported_Features");
    for b in [1u8, 2, 4, 5] {
        assert!(features.block(b), "block {b}");
    }
    for b in [3u8, 6, 7, 8, 9] {
        assert!(!features.block(b), "block {b}");
    }
    assert_eq!(p.bilateral_table_id.as_str(), "BLT_ICC1_2026_1");
    // The table gives ICC1 only: ICC2 is not listed.
    assert_eq!(p.domains, vec!["ICC1".to_string()]);
    assert!(
        f.events
            .wait_for(WAIT, |e| matches!(e, ServerEvent::Associated { table: Some(t), .. } if t == "BLT_ICC1_2026_1"))
            .is_some(),
        "the server admitted the client under its table"
    );
    c.conclude().expect("conclude");

    // Another Bilateral_Table_ID expected: Mismatch, with what was read.
    let wrong = demo_client_config().with_expect(
        Expectations::new().bilateral_table_id(BilateralTableId::new("BLT_OTHER").expect("id")),
    );
    match Client::connect(f.addr, wrong) {
        Err(Tase2ClientError::Mismatch { mismatches, params }) => {
            assert_eq!(params.bilateral_table_id.as_str(), "BLT_ICC1_2026_1");
            assert!(matches!(
                mismatches.as_slice(),
                [Mismatch::BilateralTableId { .. }]
            ));
        }
        other => panic!("expected a mismatch, got {other:?}"),
    }
    // A block the server does not announce.
    let blocks = demo_client_config().with_expect(Expectations::new().blocks([1, 3]));
    match Client::connect(f.addr, blocks) {
        Err(Tase2ClientError::Mismatch { mismatches, .. }) => {
            assert!(matches!(
                mismatches.as_slice(),
                [Mismatch::MissingBlocks { .. }]
            ));
        }
        other => panic!("expected a mismatch, got {other:?}"),
    }
    // An AE-title no table names: the association is refused.
    let stranger = Tase2Config::new("ICC1")
        .with_calling("1.1.999.77", Some(12))
        .expect("calling");
    assert!(matches!(
        Client::connect(f.addr, stranger),
        Err(Tase2ClientError::Mms(_))
    ));
    // ICC2's table asks for TLS and the A-profile: refused over plain TCP.
    let insecure = Tase2Config::new("ICC2")
        .with_calling("1.1.999.2", Some(12))
        .expect("calling");
    assert!(matches!(
        Client::connect(f.addr, insecure),
        Err(Tase2ClientError::Mms(_))
    ));
}

#[test]
fn association_checks_against_a_server_built_in_code() {
    let f = spawn(&code_config());
    let c = Client::connect(f.addr, code_client_config()).expect("connect");
    assert_eq!(c.params().bilateral_table_id.as_str(), "WEST_BLT_7");
    assert_eq!(c.params().domains, vec!["WEST".to_string()]);
    // The AE-qualifier is part of the match: 12 is not 33.
    let other_ae = Tase2Config::new("WEST")
        .with_calling(CODE_AP, Some(12))
        .expect("calling");
    assert!(Client::connect(f.addr, other_ae).is_err());
    c.conclude().expect("conclude");
}

#[test]
fn names_are_listed_under_the_table() {
    let f = demo();
    let c = Client::connect(f.addr, demo_client_config()).expect("connect");
    let vars = c.variables("ICC1").expect("variables");
    for n in [
        "Bilateral_Table_ID",
        "Next_DSTransfer_Set",
        "Transfer_Set_Name",
        "Voltage",
        "Breaker1Status",
        "Counter",
        "LoadSetting",
        "DSTransferSet01",
        "Breaker1_SBO",
        "Breaker1_TAG",
    ] {
        assert!(vars.iter().any(|v| v == n), "{n} not in {vars:?}");
    }
    let vcc = c.vcc_variables().expect("vcc");
    for n in ["TASE2_Version", "Supported_Features", "Frequency"] {
        assert!(vcc.iter().any(|v| v == n), "{n} not in {vcc:?}");
    }
    // The other ICC is not ours.
    assert!(c.variables("ICC2").is_err() || c.variables("ICC2").unwrap_or_default().is_empty());
    c.conclude().expect("conclude");
}

// ------------------------------------------------------------------------------------------
// Points

#[test]
fn typed_reads_of_several_point_types() {
    let f = spawn(&code_config());
    let mw = f.tase2.point("WEST/MW").expect("MW");
    mw.set(&real_q_time_tag(412.5, 1_700_000_100)).expect("set");
    let breaker = Point::StateQTimeTag(mms::tase2::point::StateQTimeTag {
        time_stamp: TimeStamp(1_700_000_200),
        state: DataState::new(State::On, DataFlags::GOOD),
    });
    f.tase2
        .point("WEST/Breaker")
        .expect("Breaker")
        .set(&breaker)
        .expect("set");
    let taps = Point::DiscreteQ(ValueQ {
        value: -7,
        flags: DataFlags::GOOD,
    });
    f.tase2
        .point("WEST/Taps")
        .expect("Taps")
        .set(&taps)
        .expect("set");
    let hz = Point::RealQ(ValueQ {
        value: 49.98,
        flags: DataFlags::GOOD,
    });
    f.tase2.point("Hz").expect("Hz").set(&hz).expect("set");

    let c = Client::connect(f.addr, code_client_config()).expect("connect");
    assert_eq!(
        c.read_point(&west("MW"), PointType::RealQTimeTag)
            .expect("MW"),
        real_q_time_tag(412.5, 1_700_000_100)
    );
    assert_eq!(
        c.read_point(&west("Breaker"), PointType::StateQTimeTag)
            .expect("Breaker"),
        breaker
    );
    assert_eq!(
        c.read_point(&west("Taps"), PointType::DiscreteQ)
            .expect("Taps"),
        taps
    );
    assert_eq!(
        c.read_point(&ObjectName::vmd("Hz"), PointType::RealQ)
            .expect("Hz"),
        hz
    );
    // Types from the server's type descriptions: Data_DiscreteQ and Data_StateQTimeTag have
    // one shape, the component names tell them apart.
    assert_eq!(
        c.point_types(&west("Taps")).expect("types"),
        vec![PointType::DiscreteQ]
    );
    assert_eq!(
        c.point_types(&west("Breaker")).expect("types"),
        vec![PointType::StateQTimeTag]
    );
    assert_eq!(
        c.point_types(&west("Level")).expect("types"),
        vec![PointType::RealExtended]
    );
    match c.read_point_auto(&west("Level")).expect("Level") {
        Point::RealExtended(_) => {}
        other => panic!("Level read as {other:?}"),
    }
    // Many at once, one result per point.
    let many = c
        .read_points(&[
            (west("MW"), PointType::RealQTimeTag),
            (west("Taps"), PointType::DiscreteQ),
            (west("Hidden"), PointType::Real),
        ])
        .expect("read_points");
    assert_eq!(
        many[0].as_ref().expect("MW"),
        &real_q_time_tag(412.5, 1_700_000_100)
    );
    assert_eq!(many[1].as_ref().expect("Taps"), &taps);
    assert!(many[2].is_err(), "Hidden is not in the table");
    // Refusals: a type of another shape, a point the table does not grant, a name that
    // does not exist (both object-access-denied: the server does not tell them apart).
    assert!(matches!(
        c.read_point(&west("MW"), PointType::DiscreteQ),
        Err(Tase2ClientError::Decode { .. })
    ));
    let hidden = c.read_point(&west("Hidden"), PointType::Real).unwrap_err();
    assert_eq!(
        access_error(&hidden),
        Some(DataAccessError::ObjectAccessDenied)
    );
    let absent = c.read_point(&west("Nothing"), PointType::Real).unwrap_err();
    assert_eq!(
        access_error(&absent),
        Some(DataAccessError::ObjectAccessDenied)
    );
    c.conclude().expect("conclude");
}

#[test]
fn point_writes_and_set_points() {
    let f = demo();
    let c = Client::connect(f.addr, demo_client_config()).expect("connect");
    // LoadSetting is writable under the demo table.
    let load = Point::RealQ(ValueQ {
        value: 12.25,
        flags: DataFlags::GOOD,
    });
    c.write_point(&icc1("LoadSetting"), &load).expect("write");
    assert!(f
        .events
        .wait_for(WAIT, |e| matches!(e, ServerEvent::PointWritten { point, .. } if *point == icc1("LoadSetting")))
        .is_some());
    assert_eq!(
        f.tase2.point("ICC1/LoadSetting").expect("point").get(),
        Some(load)
    );
    assert_eq!(
        c.read_point(&icc1("LoadSetting"), PointType::RealQ)
            .expect("read back"),
        load
    );
    // Voltage is not.
    let denied = c
        .write_point(&icc1("Voltage"), &real_q_time_tag(1.0, 1))
        .unwrap_err();
    assert_eq!(
        access_error(&denied),
        Some(DataAccessError::ObjectAccessDenied)
    );

    // A real set-point (direct operate) reaches the application.
    c.set_point_real(&icc1("Setpoint1"), 99.5)
        .expect("set-point");
    match f
        .events
        .wait_for(WAIT, |e| matches!(e, ServerEvent::Operated { .. }))
    {
        Some(ServerEvent::Operated { device, value, .. }) => {
            assert_eq!(device, icc1("Setpoint1"));
            assert_eq!(value, ControlValue::Real(99.5));
        }
        other => panic!("no operate: {other:?}"),
    }
    // A discrete set-point of an SBO device: refused until selected.
    let not_armed = c.set_point_discrete(&icc1("Tap1"), 4).unwrap_err();
    match &not_armed {
        Tase2ClientError::Control(e) => assert_eq!(e.failure, ControlFailure::Busy),
        other => panic!("{other:?}"),
    }
    assert_eq!(c.select(&icc1("Tap1")).expect("select"), CheckBackName(3));
    c.set_point_discrete(&icc1("Tap1"), 4).expect("set-point");
    match f.events.wait_for(
        WAIT,
        |e| matches!(e, ServerEvent::Operated { device, .. } if *device == icc1("Tap1")),
    ) {
        Some(ServerEvent::Operated { value, .. }) => assert_eq!(value, ControlValue::Discrete(4)),
        other => panic!("no operate: {other:?}"),
    }
    c.conclude().expect("conclude");
}

// ------------------------------------------------------------------------------------------
// Data sets

#[test]
fn data_sets_define_read_delete() {
    let f = demo();
    let voltage = f.tase2.point("ICC1/Voltage").expect("Voltage");
    voltage
        .set(&real_q_time_tag(230.0, 1_700_000_000))
        .expect("set");
    let c = Client::connect(f.addr, demo_client_config()).expect("connect");
    let layout = DataSetLayout::standard(
        "ICC1",
        "DS_Client",
        true,
        [
            (icc1("Voltage"), PointType::RealQTimeTag),
            (icc1("Counter"), PointType::DiscreteQ),
            (ObjectName::vmd("Frequency"), PointType::RealQ),
        ],
    );
    c.define_data_set(&layout).expect("define");
    let attrs = c.data_set_attributes(&layout.name).expect("attributes");
    assert_eq!(attrs.members.len(), 7);
    assert!(attrs.deletable);
    let values = c.read_data_set(&layout.name).expect("read");
    assert_eq!(values.len(), 3, "{values:?}");
    assert_eq!(values[0].name, icc1("Voltage"));
    assert_eq!(
        values[0].value.as_ref().ok().and_then(ReportedValue::point),
        Some(&real_q_time_tag(230.0, 1_700_000_000))
    );
    assert_eq!(
        values[2].value.as_ref().ok().and_then(ReportedValue::point),
        Some(&Point::RealQ(ValueQ {
            value: 50.0,
            flags: DataFlags::GOOD
        }))
    );
    // The same name again: refused by the server.
    assert!(c.define_data_set(&layout).is_err());
    // A data set outside the partner's domain (VCC scope): refused.
    let vcc_layout = DataSetLayout::new(ObjectName::vmd("Mine"), layout.members.clone());
    assert!(c.define_data_set(&vcc_layout).is_err());
    c.delete_data_set(&layout.name).expect("delete");
    assert!(c.data_set_attributes(&layout.name).is_err());
    // The server's own data set may be read but not deleted.
    assert!(c.delete_data_set(&icc1("DS_Main")).is_err());
    c.conclude().expect("conclude");
}

// ------------------------------------------------------------------------------------------
// Transfer sets

fn start_set(ds: &str, conditions: DsConditions) -> DsTransferSet {
    let mut set = DsTransferSet::new(MmsObjectName::icc("WEST", ds).expect("name"));
    set.ds_conditions_requested = conditions;
    set
}

#[test]
fn transfer_sets_in_both_write_forms() {
    let f = spawn(&code_config());
    for form in [WriteForm::Whole, WriteForm::Components, WriteForm::Auto] {
        let c =
            Client::connect(f.addr, code_client_config().with_write_form(form)).expect("connect");
        let layout = DataSetLayout::standard(
            "WEST",
            "DS_Form",
            false,
            [(west("MW"), PointType::RealQTimeTag)],
        );
        c.define_data_set(&layout).expect("define");
        let ts = c.next_transfer_set().expect("Next_DSTransfer_Set");
        assert_eq!(ts.scope, Scope::Icc);
        assert_eq!(ts.domain_name, "WEST");
        assert!(ts.name.starts_with("DSTransferSet"), "{}", ts.name);
        let mut set = start_set("DS_Form", DsConditions::OBJECT_CHANGE);
        set.interval = 30;
        set.tle = 60;
        set.buffer_time = 2;
        set.integrity_check = 120;
        set.rbe = true;
        set.critical = true;
        set.event_code_requested = EventCode(0);
        set.status = true;
        c.configure_transfer_set(&ts, &set).expect("configure");
        let (read, edition) = c.read_transfer_set(&ts).expect("read back");
        assert_eq!(edition, Edition::V2000_08);
        assert_eq!(read, set, "{form:?}");
        assert!(f
            .events
            .wait_for(WAIT, |e| matches!(e, ServerEvent::TransferSetEnabled { transfer_set, .. } if *transfer_set == ts))
            .is_some());
        // While enabled only Status may change.
        let mut other = set.clone();
        other.interval = 5;
        assert!(c.configure_transfer_set(&ts, &other).is_err(), "{form:?}");
        c.disable_transfer_set(&ts).expect("disable");
        let (read, _) = c.read_transfer_set(&ts).expect("read back");
        assert!(!read.status);
        c.delete_data_set(&layout.name).expect("delete");
        c.conclude().expect("conclude");
    }
}

#[test]
fn transfer_set_refusals() {
    let f = spawn(&code_config());
    let c = Client::connect(f.addr, code_client_config()).expect("connect");
    let a = c.next_transfer_set().expect("first");
    let b = c.next_transfer_set().expect("second");
    assert_ne!(a, b);
    // The pool has two.
    assert!(matches!(
        c.next_transfer_set(),
        Err(Tase2ClientError::NoFreeTransferSet)
    ));
    // Enabling with a data set that does not exist: object-attribute-inconsistent.
    let mut set = start_set("NoSuchSet", DsConditions::OBJECT_CHANGE);
    set.status = true;
    let e = c.configure_transfer_set(&a, &set).unwrap_err();
    assert_eq!(
        access_error(&e),
        Some(DataAccessError::ObjectAttributeInconsistent)
    );
    // A second association gets none while the first holds both, and may not take one of
    // them by writing it.
    let d = Client::connect(f.addr, code_client_config()).expect("second association");
    assert!(matches!(
        d.next_transfer_set(),
        Err(Tase2ClientError::NoFreeTransferSet)
    ));
    let mut server_ds = start_set("DS_Server", DsConditions::OBJECT_CHANGE);
    server_ds.status = true;
    let taken = d
        .clone()
        .configure_transfer_set(&a, &server_ds)
        .unwrap_err();
    assert_eq!(
        access_error(&taken),
        Some(DataAccessError::TemporarilyUnavailable)
    );
    // The first association ends: its sets are free again.
    c.conclude().expect("conclude");
    let deadline = Instant::now() + WAIT;
    let ts = loop {
        match d.next_transfer_set() {
            Ok(ts) => break ts,
            Err(Tase2ClientError::NoFreeTransferSet) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => panic!("{e}"),
        }
    };
    assert!(ts == a || ts == b);
    d.conclude().expect("conclude");
}

// ------------------------------------------------------------------------------------------
// Reports

#[test]
fn object_change_reports_with_rbe_are_typed() {
    let f = spawn(&code_config());
    let c = Client::connect(f.addr, code_client_config()).expect("connect");
    let layout = DataSetLayout::standard(
        "WEST",
        "DS_RBE",
        false,
        [
            (west("MW"), PointType::RealQTimeTag),
            (west("Breaker"), PointType::StateQTimeTag),
            (west("Taps"), PointType::DiscreteQ),
        ],
    );
    c.define_data_set(&layout).expect("define");
    let mut set = start_set("DS_RBE", DsConditions::OBJECT_CHANGE);
    set.rbe = true;
    let ts = c.start_transfer_set(&set).expect("start");
    // No report at enable time (the default).
    no_event(&c, Duration::from_millis(300));

    let mw = f.tase2.point("WEST/MW").expect("MW");
    mw.set(&real_q_time_tag(101.0, 1_700_000_300)).expect("set");
    let r = next_report(&c, WAIT);
    assert_eq!(r.transfer_set, ts);
    assert_eq!(r.form, ReportForm::ListOfVariables);
    assert_eq!(r.conditions, Some(DsConditions::OBJECT_CHANGE));
    assert!(r.time_stamp.is_some());
    assert!(!r.critical);
    let points: Vec<_> = r.typed_points().collect();
    assert_eq!(points.len(), 1, "{r:?}");
    assert_eq!(points[0].0, &west("MW"));
    assert_eq!(points[0].1, &real_q_time_tag(101.0, 1_700_000_300));

    // A state change: only that point.
    let breaker = Point::StateQTimeTag(mms::tase2::point::StateQTimeTag {
        time_stamp: TimeStamp(1_700_000_301),
        state: DataState::new(State::Off, DataFlags::GOOD),
    });
    f.tase2
        .point("WEST/Breaker")
        .expect("Breaker")
        .set(&breaker)
        .expect("set");
    let r = next_report(&c, WAIT);
    let points: Vec<_> = r.typed_points().collect();
    assert_eq!(points, vec![(&west("Breaker"), &breaker)]);
    // A client write of a point in the data set is a change too.
    let taps = Point::DiscreteQ(ValueQ {
        value: 3,
        flags: DataFlags::GOOD,
    });
    c.write_point(&west("Taps"), &taps).expect("write");
    let r = next_report(&c, WAIT);
    let points: Vec<_> = r.typed_points().collect();
    assert_eq!(points, vec![(&west("Taps"), &taps)]);
    assert_eq!(c.stats().reports, 3);
    assert_eq!(c.stats().acked, 0, "not critical: no ACK");
    c.disable_transfer_set(&ts).expect("disable");
    mw.set(&real_q_time_tag(102.0, 1_700_000_302)).expect("set");
    no_event(&c, Duration::from_millis(300));
    c.conclude().expect("conclude");
}

#[test]
fn integrity_and_operator_request_reports() {
    let f = spawn(&code_config());
    f.tase2
        .point("WEST/MW")
        .expect("MW")
        .set(&real_q_time_tag(7.0, 1_700_000_007))
        .expect("set");
    let c = Client::connect(f.addr, code_client_config()).expect("connect");
    let layout = DataSetLayout::standard(
        "WEST",
        "DS_All",
        true,
        [
            (west("MW"), PointType::RealQTimeTag),
            (ObjectName::vmd("Hz"), PointType::RealQ),
        ],
    );
    c.define_data_set(&layout).expect("define");

    // Integrity every second, with RBE (integrity reports carry everything anyway).
    let mut integrity = start_set("DS_All", DsConditions::INTEGRITY_TIMEOUT);
    integrity.integrity_check = 1;
    integrity.rbe = true;
    let ts = c.start_transfer_set(&integrity).expect("start");
    let r = next_report(&c, Duration::from_secs(3));
    assert_eq!(r.transfer_set, ts);
    assert_eq!(r.form, ReportForm::NamedList);
    assert_eq!(r.data_set.as_ref(), Some(&layout.name));
    assert_eq!(r.conditions, Some(DsConditions::INTEGRITY_TIMEOUT));
    assert_eq!(r.event_code, Some(EventCode(0)));
    let points: Vec<_> = r.typed_points().collect();
    assert_eq!(points.len(), 2, "{r:?}");
    assert_eq!(points[0].1, &real_q_time_tag(7.0, 1_700_000_007));
    // A second one a second later.
    let again = next_report(&c, Duration::from_secs(3));
    assert_eq!(again.conditions, Some(DsConditions::INTEGRITY_TIMEOUT));
    c.disable_transfer_set(&ts).expect("disable");
    // Drain what was on its way.
    while c.next_event(Duration::from_millis(300)).is_some() {}

    // Operator request with an event code, on a set that asks for it.
    let mut op = start_set("DS_All", DsConditions::OPERATOR_REQUEST);
    op.status = true;
    c.configure_transfer_set(&ts, &op).expect("reconfigure");
    let sent = f
        .tase2
        .request_report(Some(&ts), DsConditions::OPERATOR_REQUEST, EventCode(77));
    assert_eq!(sent, 1);
    let r = next_report(&c, WAIT);
    assert_eq!(r.form, ReportForm::NamedList);
    assert_eq!(r.conditions, Some(DsConditions::OPERATOR_REQUEST));
    assert_eq!(r.event_code, Some(EventCode(77)));
    assert_eq!(r.typed_points().count(), 2);
    // A condition the set did not ask for: nothing.
    let other = f
        .tase2
        .request_report(Some(&ts), DsConditions::OTHER_EXTERNAL_EVENT, EventCode(1));
    assert_eq!(other, 0);
    no_event(&c, Duration::from_millis(300));
    c.conclude().expect("conclude");
}

#[test]
fn critical_reports_are_acknowledged_and_the_server_sees_it() {
    let f = spawn(&code_config());
    let c = Client::connect(f.addr, code_client_config()).expect("connect");
    let layout = DataSetLayout::standard(
        "WEST",
        "DS_Crit",
        false,
        [(west("MW"), PointType::RealQTimeTag)],
    );
    c.define_data_set(&layout).expect("define");
    let mut set = start_set("DS_Crit", DsConditions::OBJECT_CHANGE);
    set.rbe = true;
    set.critical = true;
    let ts = c.start_transfer_set(&set).expect("start");
    let mw = f.tase2.point("WEST/MW").expect("MW");
    for i in 0..3 {
        mw.set(&real_q_time_tag(200.0 + i as f32, 1_700_000_400 + i))
            .expect("set");
        let r = next_report(&c, WAIT);
        assert!(r.critical);
        assert_eq!(r.transfer_set, ts);
        match f.events.wait_for(WAIT, |e| {
            matches!(e, ServerEvent::ReportAcknowledged { .. })
        }) {
            Some(ServerEvent::ReportAcknowledged {
                transfer_set,
                time_stamp,
                ..
            }) => {
                assert_eq!(transfer_set, ts);
                assert_eq!(time_stamp, r.time_stamp);
            }
            other => panic!("no ACK seen by the server: {other:?}"),
        }
    }
    assert_eq!(c.stats().acked, 3);
    // Past the server's ACK timeout (600 ms): nothing waits, no timeout event.
    std::thread::sleep(Duration::from_millis(1000));
    assert!(!f
        .events
        .drain()
        .iter()
        .any(|e| matches!(e, ServerEvent::CriticalReportUnacknowledged { .. })));
    assert_eq!(f.tase2.stats().acks, 3);
    assert_eq!(f.tase2.stats().ack_timeouts, 0);
    assert_eq!(f.tase2.stats().unknown_acks, 0);
    let state = f
        .tase2
        .transfer_sets()
        .into_iter()
        .find(|s| s.name == ts)
        .expect("state");
    assert_eq!(state.outstanding_critical, 0);
    c.conclude().expect("conclude");

    // The same with ACKs held back (manual mode): the server times the report out, so the
    // check above can fail.
    let m =
        Client::connect(f.addr, code_client_config().with_ack(AckMode::Manual)).expect("connect");
    m.define_data_set(&layout).expect("define");
    let ts = m.start_transfer_set(&set).expect("start");
    mw.set(&real_q_time_tag(300.0, 1_700_000_500)).expect("set");
    let r = next_report(&m, WAIT);
    assert!(r.critical);
    assert!(f
        .events
        .wait_for(WAIT, |e| matches!(e, ServerEvent::CriticalReportUnacknowledged { transfer_set, .. } if *transfer_set == ts))
        .is_some());
    // A late manual ACK is still matched (nothing outstanding any more, but the set is ours).
    m.ack(&r).expect("ack");
    assert!(f
        .events
        .wait_for(WAIT, |e| matches!(
            e,
            ServerEvent::ReportAcknowledged { .. }
        ))
        .is_some());
    m.conclude().expect("conclude");
}

#[test]
fn all_changes_reported_and_buffer_time() {
    let f = spawn(&code_config());
    let c = Client::connect(f.addr, code_client_config()).expect("connect");
    let layout = DataSetLayout::standard(
        "WEST",
        "DS_Buf",
        false,
        [(west("MW"), PointType::RealQTimeTag)],
    );
    c.define_data_set(&layout).expect("define");
    let mut set = start_set("DS_Buf", DsConditions::OBJECT_CHANGE);
    set.rbe = true;
    set.all_changes_reported = true;
    set.buffer_time = 1;
    c.start_transfer_set(&set).expect("start");
    let mw = f.tase2.point("WEST/MW").expect("MW");
    for i in 0..3 {
        mw.set(&real_q_time_tag(i as f32, 1_700_000_600 + i))
            .expect("set");
    }
    let r = next_report(&c, Duration::from_secs(3));
    let values: Vec<_> = r.typed_points().map(|(_, p)| *p).collect();
    assert_eq!(
        values,
        (0..3)
            .map(|i| real_q_time_tag(i as f32, 1_700_000_600 + i))
            .collect::<Vec<_>>()
    );
    c.conclude().expect("conclude");
}

// ------------------------------------------------------------------------------------------
// Information messages

#[test]
fn information_messages_enable_post_receive() {
    let f = demo();
    let c = Client::connect(f.addr, demo_client_config()).expect("connect");
    // Not enabled yet: nothing arrives.
    assert_eq!(
        f.tase2
            .post_message(&InfoMessage::vcc(1, 0, 1, b"before"))
            .expect("post"),
        0
    );
    no_event(&c, Duration::from_millis(200));
    c.enable_info_messages(true).expect("enable");
    let sent = f
        .tase2
        .post_message(&InfoMessage::vcc(1, 9, 2, b"shift change at 06:00"))
        .expect("post");
    assert_eq!(sent, 1);
    match c.next_event(WAIT) {
        Some(Event::InfoMessage(m)) => {
            assert_eq!(m.scope, Scope::Vcc);
            assert_eq!(m.icc, None);
            assert_eq!(m.header.info_reference, 1);
            assert_eq!(m.header.local_reference, 9);
            assert_eq!(m.header.message_id, 2);
            assert_eq!(m.text(), "shift change at 06:00");
            assert_eq!(m.buffer_size, 128);
        }
        other => panic!("no message: {other:?}"),
    }
    // ICC scope, a buffer of the larger size.
    let long = vec![b'x'; 600];
    f.tase2
        .post_message(&InfoMessage::icc("ICC1", 2, 0, 3, &long))
        .expect("post");
    match c.next_event(WAIT) {
        Some(Event::InfoMessage(m)) => {
            assert_eq!(m.scope, Scope::Icc);
            assert_eq!(m.icc.as_deref(), Some("ICC1"));
            assert_eq!(m.data, long);
            assert_eq!(m.buffer_size, 1024);
        }
        other => panic!("no message: {other:?}"),
    }
    // InfoReference 3 is not in the table.
    assert_eq!(
        f.tase2
            .post_message(&InfoMessage::vcc(3, 0, 4, b"not for you"))
            .expect("post"),
        0
    );
    c.enable_info_messages(false).expect("disable");
    assert_eq!(
        f.tase2
            .post_message(&InfoMessage::vcc(1, 0, 5, b"after"))
            .expect("post"),
        0
    );
    no_event(&c, Duration::from_millis(200));
    c.conclude().expect("conclude");
}

// ------------------------------------------------------------------------------------------
// Device control

#[test]
fn select_before_operate_operate_and_tags() {
    let f = spawn(&code_config());
    let c = Client::connect(f.addr, code_client_config()).expect("connect");
    let cb = west("CB1");
    // Operate without select: refused.
    let e = c.operate(&cb, Command::On).unwrap_err();
    assert!(matches!(&e, Tase2ClientError::Control(x) if x.failure == ControlFailure::Busy));
    // Select with the agreed check-back name, then operate.
    c.select_expect(&cb, CheckBackName(42)).expect("select");
    assert!(f
        .events
        .wait_for(
            WAIT,
            |e| matches!(e, ServerEvent::Selected { device, .. } if *device == cb)
        )
        .is_some());
    // Armed: the tag shows it, a second select is refused.
    assert!(c.get_tag(&cb).expect("tag").flags.armed());
    let again = c.select(&cb).unwrap_err();
    assert!(matches!(&again, Tase2ClientError::Control(x) if x.failure == ControlFailure::Busy));
    c.operate(&cb, Command::On).expect("operate");
    match f.events.wait_for(
        WAIT,
        |e| matches!(e, ServerEvent::Operated { device, .. } if *device == cb),
    ) {
        Some(ServerEvent::Operated { value, .. }) => assert_eq!(value, ControlValue::Command(1)),
        other => panic!("no operate: {other:?}"),
    }
    // The operate disarmed it.
    assert!(c.operate(&cb, Command::Off).is_err());
    // The select times out (600 ms).
    c.select(&cb).expect("select");
    assert!(f
        .events
        .wait_for(
            WAIT,
            |e| matches!(e, ServerEvent::SelectTimedOut { device, .. } if *device == cb)
        )
        .is_some());
    let late = c.operate(&cb, Command::Off).unwrap_err();
    assert!(matches!(&late, Tase2ClientError::Control(x) if x.failure == ControlFailure::Busy));
    // A wrong check-back name expectation is the client's own error.
    assert!(matches!(
        c.select_expect(&cb, CheckBackName(1)),
        Err(Tase2ClientError::CheckBackMismatch {
            expected: 1,
            found: 42,
            ..
        })
    ));
    std::thread::sleep(Duration::from_millis(800));

    // Tag open-and-close inhibit: select refused, operate refused.
    let tag = TagValue::new(
        TagFlags::new(TagState::OpenAndCloseInhibit, false),
        "crew on line",
    )
    .expect("tag");
    c.set_tag(&cb, &tag).expect("set tag");
    assert!(f
        .events
        .wait_for(WAIT, |e| matches!(e, ServerEvent::TagChanged { .. }))
        .is_some());
    let read = c.get_tag(&cb).expect("get tag");
    assert_eq!(read.flags.tag(), TagState::OpenAndCloseInhibit);
    assert_eq!(read.reason, "crew on line");
    let refused = c.select(&cb).unwrap_err();
    assert!(matches!(&refused, Tase2ClientError::Control(x) if x.failure == ControlFailure::Busy));
    // Close-only inhibit: select works, close refused, open works.
    let close_only =
        TagValue::new(TagFlags::new(TagState::CloseOnlyInhibit, false), "no close").expect("tag");
    c.set_tag(&cb, &close_only).expect("set tag");
    c.select(&cb).expect("select");
    let close = c.operate(&cb, Command::On).unwrap_err();
    assert!(matches!(&close, Tase2ClientError::Control(x) if x.failure == ControlFailure::Busy));
    c.select(&cb).expect("select");
    c.operate(&cb, Command::Off).expect("open");
    // Clear the tag.
    let none = TagValue::new(TagFlags::new(TagState::NoTag, false), "").expect("tag");
    c.set_tag(&cb, &none).expect("clear tag");
    assert_eq!(
        c.get_tag(&cb).expect("get tag").flags.tag(),
        TagState::NoTag
    );

    // The refusals of the other devices.
    let sp = west("SP1");
    let not_sbo = c.select(&sp).unwrap_err();
    assert!(matches!(
        &not_sbo,
        Tase2ClientError::Control(x) if x.failure == ControlFailure::NotSelectBeforeOperate
    ));
    c.set_point_real(&sp, 1.5).expect("direct operate");
    let no_tag = c.set_tag(&sp, &none).unwrap_err();
    assert!(matches!(
        &no_tag,
        Tase2ClientError::Control(x) if x.failure == ControlFailure::NonExistent
    ));
    let denied = c.operate(&west("Denied"), Command::On).unwrap_err();
    assert!(matches!(
        &denied,
        Tase2ClientError::Control(x) if x.failure == ControlFailure::AccessDenied
    ));
    let point = c.select(&west("MW")).unwrap_err();
    assert!(matches!(
        &point,
        Tase2ClientError::Control(x) if x.failure == ControlFailure::NotControlPoint
    ));
    c.conclude().expect("conclude");
}

// ------------------------------------------------------------------------------------------
// Both roles on one association

/// The common bilateral setup: the calling partner serves a VCC of its own (a second
/// `Tase2Server`, WEST, whose bilateral table names the AE-title the partner called) on the
/// association it opened, and the demo server, through `ServerHandle::client`, uses it as a
/// TASE.2 client on that same association — association check, typed reads, select-before-
/// operate and a set-point — while the partner reads the demo's VCC and runs a transfer set.
#[test]
fn both_partners_act_as_client_and_server_on_one_association() {
    let f = demo();
    let theirs_events = Arc::new(EventQueue::new(256));
    let theirs = Tase2Server::with_application(&code_config(), theirs_events.clone())
        .expect("the partner's VCC");
    theirs
        .point("WEST/MW")
        .expect("MW")
        .set(&real_q_time_tag(17.5, 1_700_000_100))
        .expect("set");
    // The partner calls the demo server as CODE_AP/33: its own table keys on the AE-title it
    // called, so the demo server is WEST_BLT_7's partner.
    let partner_config = demo_client_config()
        .with_called(CODE_AP, Some(33))
        .expect("called");
    let c = Client::connect_with(f.addr, partner_config, Some(theirs.handler())).expect("connect");
    // The partner's VCC reports on the association the partner opened.
    let _reporting = theirs.start_reporting().expect("reporting");
    theirs.serve_over(c.mms()).expect("serve over");

    // The demo server's side: a TASE.2 client on the association it accepted.
    let handle = f._running.handle().expect("handle").clone();
    let id = handle
        .associations()
        .first()
        .map(|a| a.id)
        .expect("association");
    let ours = Client::over(
        handle.client(id).expect("server-side client"),
        &Tase2Config::new("WEST").with_expect(
            Expectations::new()
                .blocks([1, 2, 4, 5])
                .bilateral_table_id(BilateralTableId::new("WEST_BLT_7").expect("id")),
        ),
    )
    .expect("association check against the partner's VCC");
    assert_eq!(
        ours.params().bilateral_table_id,
        BilateralTableId::new("WEST_BLT_7").expect("id")
    );
    match ours
        .read_point(&west("MW"), PointType::RealQTimeTag)
        .expect("read")
    {
        Point::RealQTimeTag(v) => assert_eq!(v.value, 17.5),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        ours.select(&west("CB1")).expect("select"),
        CheckBackName(42)
    );
    ours.operate(&west("CB1"), Command::On).expect("operate");
    assert!(theirs_events
        .wait_for(
            WAIT,
            |e| matches!(e, ServerEvent::Operated { device, .. } if *device == west("CB1"))
        )
        .is_some());
    ours.set_point_real(&west("SP1"), 12.25).expect("set-point");
    match theirs_events.wait_for(
        WAIT,
        |e| matches!(e, ServerEvent::Operated { device, .. } if *device == west("SP1")),
    ) {
        Some(ServerEvent::Operated { value, .. }) => assert_eq!(value, ControlValue::Real(12.25)),
        other => panic!("no operate: {other:?}"),
    }
    // The partner's table grants no write of MW: refused as the table says.
    let denied = ours
        .write_point(&west("MW"), &real_q_time_tag(1.0, 1))
        .unwrap_err();
    assert_eq!(
        access_error(&denied),
        Some(DataAccessError::ObjectAccessDenied)
    );

    // A critical RBE transfer set on the partner's VCC, reported to the demo server over the
    // partner's association and acknowledged by the server side's client.
    let layout = DataSetLayout::standard(
        "WEST",
        "DS_Back",
        false,
        [(west("MW"), PointType::RealQTimeTag)],
    );
    ours.define_data_set(&layout)
        .expect("define on the partner");
    let mut back = start_set("DS_Back", DsConditions::OBJECT_CHANGE);
    back.rbe = true;
    back.critical = true;
    let ts = ours
        .start_transfer_set(&back)
        .expect("start on the partner");
    theirs
        .point("WEST/MW")
        .expect("MW")
        .set(&real_q_time_tag(18.25, 1_700_000_200))
        .expect("set");
    let r = next_report(&ours, WAIT);
    assert_eq!(r.transfer_set, ts);
    assert!(r.critical);
    match r.typed_points().next() {
        Some((name, Point::RealQTimeTag(v))) => {
            assert_eq!(*name, west("MW"));
            assert_eq!(v.value, 18.25);
        }
        other => panic!("{other:?}"),
    }
    assert!(theirs_events
        .wait_for(WAIT, |e| matches!(e, ServerEvent::ReportAcknowledged { transfer_set, .. } if *transfer_set == ts))
        .is_some(), "the partner's VCC saw the ACK");

    // Meanwhile the partner's client side works against the demo server as usual.
    let layout = DataSetLayout::standard(
        "ICC1",
        "DS_Dual",
        false,
        [(icc1("Voltage"), PointType::RealQTimeTag)],
    );
    c.define_data_set(&layout).expect("define");
    let mut set = DsTransferSet::new(MmsObjectName::icc("ICC1", "DS_Dual").expect("name"));
    set.ds_conditions_requested = DsConditions::OBJECT_CHANGE;
    set.rbe = true;
    c.start_transfer_set(&set).expect("start");
    f.tase2
        .point("ICC1/Voltage")
        .expect("Voltage")
        .set(&real_q_time_tag(231.0, 1_700_000_900))
        .expect("set");
    // The partner's client also saw the demo server's ACK go by (to its own VCC): an
    // informationReport that is not a report for it.
    let r = loop {
        match c.next_event(WAIT) {
            Some(Event::Report(r)) => break r,
            Some(Event::Other(_)) => continue,
            other => panic!("expected a report, got {other:?}"),
        }
    };
    assert_eq!(r.typed_points().count(), 1);
    // Both sides used the association: the server-side reads did not disturb the reports.
    assert!(matches!(
        ours.read_point(&west("MW"), PointType::RealQTimeTag),
        Ok(Point::RealQTimeTag(_))
    ));
    c.conclude().expect("conclude");
    let until = Instant::now() + WAIT;
    while !ours.mms().is_closed() {
        assert!(Instant::now() < until, "the server side never saw the end");
        std::thread::sleep(Duration::from_millis(5));
    }
}

// ------------------------------------------------------------------------------------------
// More report paths

#[test]
fn a_1996_server_and_every_write_form() {
    let f = spawn(&code_config().with_edition(mms::tase2::server::EditionConfig::V1996_08));
    for form in [WriteForm::Whole, WriteForm::Components, WriteForm::Auto] {
        let c =
            Client::connect(f.addr, code_client_config().with_write_form(form)).expect("connect");
        assert_eq!(c.params().version, Tase2Version::V1996_08);
        assert_eq!(c.edition(), Edition::V1996_08);
        let layout = DataSetLayout::standard(
            "WEST",
            "DS_96",
            false,
            [(west("Taps"), PointType::DiscreteQ)],
        );
        c.define_data_set(&layout).expect("define");
        let mut set = start_set("DS_96", DsConditions::OBJECT_CHANGE);
        set.rbe = true;
        set.critical = true;
        let ts = c.start_transfer_set(&set).expect("start");
        let (read, edition) = c.read_transfer_set(&ts).expect("read");
        assert_eq!(edition, Edition::V1996_08);
        assert!(
            read.status && read.rbe && read.critical,
            "{form:?}: {read:?}"
        );
        let taps = Point::DiscreteQ(ValueQ {
            value: 11,
            flags: DataFlags::GOOD,
        });
        f.tase2
            .point("WEST/Taps")
            .expect("Taps")
            .set(&taps)
            .expect("set");
        let r = next_report(&c, WAIT);
        assert_eq!(
            r.typed_points().map(|(_, p)| p).collect::<Vec<_>>(),
            vec![&taps]
        );
        assert!(f
            .events
            .wait_for(WAIT, |e| matches!(e, ServerEvent::ReportAcknowledged { transfer_set, .. } if *transfer_set == ts))
            .is_some());
        c.conclude().expect("conclude");
    }
}

#[test]
fn interval_and_non_rbe_reports_carry_the_whole_data_set() {
    let f = spawn(&code_config());
    let c = Client::connect(f.addr, code_client_config()).expect("connect");
    let layout = DataSetLayout::standard(
        "WEST",
        "DS_Int",
        false,
        [
            (west("MW"), PointType::RealQTimeTag),
            (west("Taps"), PointType::DiscreteQ),
        ],
    );
    c.define_data_set(&layout).expect("define");
    // Interval 1 s without RBE: the whole data set each time.
    let mut set = start_set("DS_Int", DsConditions::INTERVAL_TIMEOUT);
    set.interval = 1;
    let ts = c.start_transfer_set(&set).expect("start");
    let r = next_report(&c, Duration::from_secs(3));
    assert_eq!(r.form, ReportForm::NamedList);
    assert_eq!(r.conditions, Some(DsConditions::INTERVAL_TIMEOUT));
    assert_eq!(r.typed_points().count(), 2);
    c.disable_transfer_set(&ts).expect("disable");
    while c.next_event(Duration::from_millis(300)).is_some() {}
    // Object change without RBE: the whole data set too.
    let mut change = start_set("DS_Int", DsConditions::OBJECT_CHANGE);
    change.status = true;
    c.configure_transfer_set(&ts, &change).expect("reconfigure");
    f.tase2
        .point("WEST/MW")
        .expect("MW")
        .set(&real_q_time_tag(5.5, 1_700_001_000))
        .expect("set");
    let r = next_report(&c, WAIT);
    assert_eq!(r.form, ReportForm::NamedList);
    assert_eq!(r.conditions, Some(DsConditions::OBJECT_CHANGE));
    let points: Vec<_> = r.typed_points().collect();
    assert_eq!(points.len(), 2);
    assert_eq!(points[0].1, &real_q_time_tag(5.5, 1_700_001_000));
    c.conclude().expect("conclude");
}

#[test]
fn a_server_data_set_of_vcc_scope_and_tags_as_members() {
    let f = demo();
    let c = Client::connect(f.addr, demo_client_config()).expect("connect");
    // The server's VCC data set, registered from its attributes.
    let attrs = c
        .data_set_attributes(&ObjectName::vmd("VCC_Summary"))
        .expect("attributes");
    assert_eq!(attrs.members, vec![ObjectName::vmd("Frequency")]);
    assert!(!attrs.deletable);
    c.register_data_set(DataSetLayout::new(
        ObjectName::vmd("VCC_Summary"),
        vec![mms::tase2::client::DataSetMember::point(
            ObjectName::vmd("Frequency"),
            PointType::RealQ,
        )],
    ))
    .expect("register");
    let mut set = DsTransferSet::new(MmsObjectName::vcc("VCC_Summary").expect("name"));
    set.ds_conditions_requested = DsConditions::OBJECT_CHANGE;
    let ts = c.start_transfer_set(&set).expect("start");
    let hz = Point::RealQ(ValueQ {
        value: 50.02,
        flags: DataFlags::GOOD,
    });
    f.tase2
        .point("Frequency")
        .expect("Frequency")
        .set(&hz)
        .expect("set");
    let r = next_report(&c, WAIT);
    assert_eq!(r.transfer_set, ts);
    assert_eq!(r.data_set, Some(ObjectName::vmd("VCC_Summary")));
    assert_eq!(
        r.typed_points().map(|(_, p)| p).collect::<Vec<_>>(),
        vec![&hz]
    );
    c.disable_transfer_set(&ts).expect("disable");

    // A tag as a data-set member: its changes are reported as TagValue.
    let tag_layout = DataSetLayout::new(
        icc1("DS_Tags"),
        vec![
            mms::tase2::client::DataSetMember::special(
                "ICC1",
                mms::tase2::client::MemberKind::TransferSetName,
            )
            .expect("special"),
            mms::tase2::client::DataSetMember::new(
                icc1("Breaker1_TAG"),
                mms::tase2::client::MemberKind::Tag,
            ),
        ],
    );
    c.define_data_set(&tag_layout).expect("define");
    let mut set = DsTransferSet::new(MmsObjectName::icc("ICC1", "DS_Tags").expect("name"));
    set.ds_conditions_requested = DsConditions::OBJECT_CHANGE;
    set.rbe = true;
    c.start_transfer_set(&set).expect("start");
    let tag = TagValue::new(TagFlags::new(TagState::CloseOnlyInhibit, false), "test").expect("tag");
    c.set_tag(&icc1("Breaker1"), &tag).expect("set tag");
    let r = next_report(&c, WAIT);
    match r.points.as_slice() {
        [p] => {
            assert_eq!(p.name, icc1("Breaker1_TAG"));
            assert_eq!(p.value, Ok(ReportedValue::Tag(tag)));
        }
        other => panic!("{other:?}"),
    }
    c.conclude().expect("conclude");
}

#[test]
fn a_report_the_client_forgot_is_nacked_and_the_server_hears_it() {
    let f = spawn(&code_config());
    let c = Client::connect(f.addr, code_client_config()).expect("connect");
    let layout = DataSetLayout::standard(
        "WEST",
        "DS_Nack",
        false,
        [(west("MW"), PointType::RealQTimeTag)],
    );
    c.define_data_set(&layout).expect("define");
    let mut set = start_set("DS_Nack", DsConditions::OBJECT_CHANGE);
    set.rbe = true;
    set.critical = true;
    let ts = c.start_transfer_set(&set).expect("start");
    c.forget_transfer_set(&ts);
    f.tase2
        .point("WEST/MW")
        .expect("MW")
        .set(&real_q_time_tag(1.0, 1_700_002_000))
        .expect("set");
    match c.next_event(WAIT) {
        Some(Event::Unknown(u)) => assert_eq!(u.transfer_set.as_ref(), Some(&ts)),
        other => panic!("expected an unknown report, got {other:?}"),
    }
    assert_eq!(c.stats().nacked, 1);
    match f
        .events
        .wait_for(WAIT, |e| matches!(e, ServerEvent::ReportNacked { .. }))
    {
        Some(ServerEvent::ReportNacked { transfer_set, .. }) => {
            assert_eq!(transfer_set, Some(ts));
        }
        other => panic!("the server did not see the NACK: {other:?}"),
    }
    assert_eq!(f.tase2.stats().nacks, 1);
    c.conclude().expect("conclude");
}
