//! The TASE.2 server (`mms::tase2::server`) over loopback, driven by the crate's blocking MMS
//! client as a TASE.2 client would drive it: association objects, bilateral-table admission
//! and refusal, reads and writes under the table, data sets, transfer-set reservation and
//! configuration (whole structure and components), reports of every condition in both forms,
//! critical reports with ACK and its time-out, information messages, and device control with
//! select-before-operate, time-outs and tags. Expected octets come from the project's TASE.2
//! notes (docs/tase2.md, "Wire examples"), not from the server's own encoder.

use std::net::SocketAddr;
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::time::{Duration, Instant};

use acse::apdu::{Diagnostic, ServiceUserDiagnostic};
use acse::association::Refused;
use mms::access::{AccessResult, AlternateAccess, VariableAccessSpecification, VariableDef};
use mms::client::ops::OpError;
use mms::client::{Client, ClientConfig, ClientError, Unconfirmed};
use mms::codec::Choice;
use mms::endpoint::InitiateRefusal;
use mms::pdu::{ConfirmedServiceRequest, ConfirmedServiceResponse, UnconfirmedService};
use mms::server::ServerConfig;
use mms::service_error::{AccessProblem, ErrorClass, ResourceProblem};
use mms::services::variables::{InformationReport, WriteRequest, WriteResult};
use mms::tase2::flags::{State, TagState};
use mms::tase2::point::ValueQ;
use mms::tase2::server::{
    Config, ControlValue, EventQueue, InfoMessage, RunningTase2Server, ServerEvent, Tase2Server,
};
use mms::tase2::{
    DataFlags, DataState, DsConditions, DsTransferSet, Edition, EventCode, InfoMessHeader,
    MmsObjectName, Point, TagFlags, TagValue, Tase2Type, TimeStamp,
};
use mms::{Data, DataAccessError, ObjectName};

const CONFIG: &str = r#"{
  "vcc": { "points": [ { "name": "Frequency", "type": "Data_RealQ" } ] },
  "iccs": [
    {
      "name": "ICC1",
      "transfer_sets": 3,
      "points": [
        { "name": "Voltage", "type": "Data_RealQ" },
        { "name": "Status1", "type": "Data_StateQ" },
        { "name": "Counter", "type": "Data_DiscreteQ" },
        { "name": "LoadSetting", "type": "Data_RealQ" },
        { "name": "Secret", "type": "Data_Real" }
      ],
      "devices": [
        { "name": "Breaker1", "kind": "command", "sbo": true, "check_back_id": 17, "tag": true },
        { "name": "Setpoint1", "kind": "setpoint_real" },
        { "name": "Switch2", "kind": "command", "tag": true }
      ],
      "data_sets": [
        { "name": "DS_Main", "members": [ "Transfer_Set_Name", "Transfer_Set_Time_Stamp",
          "DSConditions_Detected", "Event_Code_Detected", "Voltage", "Status1", "Counter",
          "/Frequency" ] },
        { "name": "DS_Secret", "members": [ "Transfer_Set_Name", "Secret" ] }
      ]
    },
    { "name": "ICC2", "transfer_sets": 1, "points": [ { "name": "Flow", "type": "Data_RealQ" } ] }
  ],
  "bilateral_tables": [
    { "id": "BLT_A_1", "ap_title": "1.1.999.1", "ae_qualifier": 12, "icc": "ICC1",
      "read": [ "Voltage", "Status1", "Counter", "LoadSetting", "/Frequency" ],
      "write": [ "LoadSetting" ],
      "devices": [
        { "device": "Breaker1", "operate": true, "set_tag": true, "get_tag": true },
        { "device": "Setpoint1", "operate": true },
        { "device": "Switch2", "operate": true, "set_tag": true, "get_tag": true } ],
      "info_messages": [ { "info_reference": 1, "scope": "vcc" } ] },
    { "id": "BLT_A_2", "ap_title": "1.1.999.3", "ae_qualifier": 12, "icc": "ICC1",
      "read": [ "Voltage" ],
      "devices": [ { "device": "Breaker1", "operate": true, "set_tag": true },
                   { "device": "Switch2", "set_tag": true } ] },
    { "id": "BLT_B", "ap_title": "1.1.999.2", "icc": "ICC2",
      "security": { "transport": "secure" }, "read": [ "Flow" ] }
  ],
  "timing": { "select_timeout_ms": 400, "critical_ack_timeout_ms": 400 },
  "limits": { "data_sets_per_association": 2 }
}"#;

const PARTNER_A: &str = "1.1.999.1";
const PARTNER_A2: &str = "1.1.999.3";
const PARTNER_B: &str = "1.1.999.2";
const WAIT: Duration = Duration::from_secs(5);

struct Fixture {
    running: RunningTase2Server,
    tase2: Tase2Server,
    events: Arc<EventQueue>,
    addr: SocketAddr,
}

fn start_with(json: &str) -> Fixture {
    let config = Config::from_json_str(json).expect("config");
    let events = Arc::new(EventQueue::new(1024));
    let tase2 = Tase2Server::with_application(&config, events.clone()).expect("server");
    let running = tase2
        .spawn(ServerConfig::listening(["127.0.0.1:0"
            .parse()
            .expect("addr")]))
        .expect("spawn");
    let addr = running.local_addr().expect("address");
    Fixture {
        running,
        tase2,
        events,
        addr,
    }
}

fn start() -> Fixture {
    start_with(CONFIG)
}

fn client_config(ap_title: &str, ae: Option<i64>) -> ClientConfig {
    let mut c = ClientConfig::default();
    c.endpoint.association.local.ap_title = Some(copp::ber::oid_from_str(ap_title).expect("oid"));
    c.endpoint.association.local.ae_qualifier = ae;
    c
}

fn connect(f: &Fixture, ap_title: &str) -> Result<Client, ClientError> {
    Client::connect(f.addr, client_config(ap_title, Some(12)))
}

fn icc(item: &str) -> ObjectName<'static> {
    ObjectName::domain("ICC1", item.to_string())
}

fn vcc(item: &str) -> ObjectName<'static> {
    ObjectName::vmd(item.to_string())
}

fn read(c: &Client, n: &ObjectName<'_>) -> Result<Data<'static>, DataAccessError> {
    match c.read_one(n) {
        Ok(d) => Ok(d),
        Err(OpError::Access(e)) => Err(e),
        Err(e) => panic!("read {n}: {e}"),
    }
}

fn write(c: &Client, n: &ObjectName<'_>, d: Data<'_>) -> Result<(), DataAccessError> {
    match c.write(n, d) {
        Ok(()) => Ok(()),
        Err(OpError::Access(e)) => Err(e),
        Err(e) => panic!("write {n}: {e}"),
    }
}

/// A Write of one component with alternate access (how libtase2 clients configure).
fn write_component(
    c: &Client,
    n: &ObjectName<'_>,
    component: &str,
    d: Data<'_>,
) -> Result<(), DataAccessError> {
    let mut def = VariableDef::name(n.clone());
    def.alternate_access = Some(AlternateAccess::component(component.to_string()));
    let q = ConfirmedServiceRequest::Write(WriteRequest {
        variable_access_specification: VariableAccessSpecification::ListOfVariable(vec![def]),
        list_of_data: vec![d],
    });
    let answer = c.request(&q).expect("write");
    match answer.response().expect("response") {
        ConfirmedServiceResponse::Write(w) => match w.0.first() {
            Some(WriteResult::Success) => Ok(()),
            Some(WriteResult::Failure(e)) => Err(*e),
            None => panic!("empty write response"),
        },
        other => panic!("{other:?}"),
    }
}

fn ber(d: &Data<'_>) -> Vec<u8> {
    let mut w = copp::ber::Writer::with_capacity(64);
    d.encode_choice(&mut w);
    w.into_vec()
}

fn real_q(v: f32) -> Point {
    Point::RealQ(ValueQ {
        value: v,
        flags: DataFlags::GOOD,
    })
}

/// A received report: how it names its variables, and the values.
#[derive(Debug)]
struct Report {
    list: Option<ObjectName<'static>>,
    names: Vec<ObjectName<'static>>,
    values: Vec<Result<Data<'static>, DataAccessError>>,
}

impl Report {
    fn value(&self, i: usize) -> &Data<'static> {
        match self.values.get(i) {
            Some(Ok(d)) => d,
            other => panic!("value {i}: {other:?}"),
        }
    }

    fn conditions(&self, at: usize) -> DsConditions {
        DsConditions::from_data(self.value(at)).expect("DSConditions")
    }
}

fn report_of(u: &Unconfirmed) -> Option<Report> {
    let UnconfirmedService::InformationReport(InformationReport {
        variable_access_specification,
        list_of_access_result,
    }) = u.service().ok()?
    else {
        return None;
    };
    let (list, names) = match variable_access_specification {
        VariableAccessSpecification::VariableListName(n) => (Some(n.into_owned()), Vec::new()),
        VariableAccessSpecification::ListOfVariable(defs) => (
            None,
            defs.into_iter()
                .filter_map(|d| match d.variable_specification {
                    mms::access::VariableSpecification::Name(n) => Some(n.into_owned()),
                    _ => None,
                })
                .collect(),
        ),
    };
    Some(Report {
        list,
        names,
        values: list_of_access_result
            .into_iter()
            .map(|a| match a.into_owned() {
                AccessResult::Success(d) => Ok(d),
                AccessResult::Failure(e) => Err(e),
            })
            .collect(),
    })
}

fn next_report(rx: &Receiver<Unconfirmed>, within: Duration) -> Option<Report> {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let u = rx.recv_timeout(left).ok()?;
        if let Some(r) = report_of(&u) {
            return Some(r);
        }
    }
}

/// Reserves a transfer set through Next_DSTransfer_Set.
fn reserve(c: &Client) -> MmsObjectName {
    let d = read(c, &icc("Next_DSTransfer_Set")).expect("Next_DSTransfer_Set");
    MmsObjectName::from_data(&d).expect("MMSObjectName")
}

fn ts_object(n: &MmsObjectName) -> ObjectName<'static> {
    ObjectName::domain(n.domain_name.clone(), n.name.clone())
}

fn transfer_set(ds: &str, conditions: DsConditions) -> DsTransferSet {
    let mut t = DsTransferSet::new(MmsObjectName::icc("ICC1", ds).expect("name"));
    t.ds_conditions_requested = conditions;
    t.status = true;
    t
}

fn refusal_diagnostic(r: Result<Client, ClientError>) -> ServiceUserDiagnostic {
    match r {
        Err(ClientError::Refused(r)) => match *r {
            InitiateRefusal::Peer {
                refused:
                    Refused::Acse {
                        diagnostic: Diagnostic::ServiceUser(d),
                        ..
                    },
                ..
            } => d,
            other => panic!("refused otherwise: {other:?}"),
        },
        Err(e) => panic!("failed otherwise: {e}"),
        Ok(_) => panic!("admitted"),
    }
}

// ---------------------------------------------------------------------------------------------
// Association

#[test]
fn association_objects_are_served_with_the_documented_octets() {
    let f = start();
    let c = connect(&f, PARTNER_A).expect("connect");
    // docs/tase2.md, "Wire examples".
    let version = read(&c, &vcc("TASE2_Version")).expect("version");
    assert_eq!(
        ber(&version),
        [0xa2, 0x07, 0x85, 0x02, 0x07, 0xd0, 0x85, 0x01, 0x08]
    );
    let features = read(&c, &vcc("Supported_Features")).expect("features");
    assert_eq!(ber(&features), [0x84, 0x03, 0x04, 0xd8, 0x00]);
    // The partner's table id, in its ICC domain.
    let id = read(&c, &icc("Bilateral_Table_ID")).expect("id");
    assert_eq!(id, Data::VisibleString("BLT_A_1".into()));
    // Its table names ICC1 only: ICC2 is neither listed nor readable.
    assert_eq!(c.domains().expect("domains"), vec!["ICC1".to_string()]);
    assert_eq!(
        read(&c, &ObjectName::domain("ICC2", "Bilateral_Table_ID")),
        Err(DataAccessError::ObjectAccessDenied)
    );
    // The variables of ICC1 it may see include the transfer sets and the special variables,
    // not the point its table does not grant.
    let vars = c.variables("ICC1").expect("variables");
    for v in [
        "DSTransferSet01",
        "Next_DSTransfer_Set",
        "Transfer_Set_Name",
        "Voltage",
        "Breaker1_SBO",
    ] {
        assert!(vars.iter().any(|x| x == v), "{v} in {vars:?}");
    }
    assert!(!vars.iter().any(|x| x == "Secret"), "{vars:?}");
    let (id, table) = f
        .events
        .wait_for(WAIT, |e| matches!(e, ServerEvent::Associated { .. }))
        .map(|e| match e {
            ServerEvent::Associated { association, table } => (association, table),
            _ => unreachable!(),
        })
        .expect("associated event");
    assert_eq!(table.as_deref(), Some("BLT_A_1"));
    assert_eq!(
        f.tase2.associations(),
        vec![(id, Some("BLT_A_1".to_string()))]
    );
    c.conclude().expect("conclude");
    f.running.stop().expect("stop");
}

#[test]
fn a_partner_without_a_bilateral_table_is_refused_and_the_server_goes_on() {
    let f = start();
    let d = refusal_diagnostic(connect(&f, "1.1.999.77"));
    assert_eq!(d, ServiceUserDiagnostic::CallingApTitleNotRecognized);
    // No AP-title at all: the same.
    let d = refusal_diagnostic(Client::connect(f.addr, ClientConfig::default()));
    assert_eq!(d, ServiceUserDiagnostic::CallingApTitleNotRecognized);
    let c = connect(&f, PARTNER_A).expect("a known partner still gets in");
    assert!(read(&c, &vcc("TASE2_Version")).is_ok());
    f.running.stop().expect("stop");
}

#[test]
fn a_partner_below_its_tables_security_level_is_refused() {
    let f = start();
    // BLT_B requires TLS; this association is plain RFC 1006.
    let d = refusal_diagnostic(Client::connect(f.addr, client_config(PARTNER_B, None)));
    assert_eq!(d, ServiceUserDiagnostic::AuthenticationRequired);
    let c = connect(&f, PARTNER_A).expect("others still get in");
    assert!(read(&c, &icc("Voltage")).is_ok());
    f.running.stop().expect("stop");
}

#[test]
fn without_tables_everybody_is_admitted_with_read_access_only() {
    let json = r#"{ "iccs": [ { "name": "ICC1", "bilateral_table_id": "OPEN_1",
        "points": [ { "name": "Voltage", "type": "Data_RealQ" } ],
        "devices": [ { "name": "Switch2", "kind": "command" } ] } ] }"#;
    let f = start_with(json);
    let c = Client::connect(f.addr, ClientConfig::default()).expect("open mode");
    assert!(read(&c, &icc("Voltage")).is_ok());
    assert_eq!(
        read(&c, &icc("Bilateral_Table_ID")),
        Ok(Data::VisibleString("OPEN_1".into()))
    );
    assert_eq!(
        write(&c, &icc("Voltage"), real_q(1.0).to_data()),
        Err(DataAccessError::ObjectAccessDenied)
    );
    assert_eq!(
        write(&c, &icc("Switch2"), Data::Integer(1)),
        Err(DataAccessError::ObjectAccessDenied)
    );
    f.running.stop().expect("stop");
}

// ---------------------------------------------------------------------------------------------
// Points and data sets

#[test]
fn reads_and_writes_follow_the_bilateral_table() {
    let f = start();
    let c = connect(&f, PARTNER_A).expect("connect");
    f.tase2
        .point("ICC1/Voltage")
        .expect("point")
        .set(&real_q(231.5))
        .expect("set");
    assert_eq!(read(&c, &icc("Voltage")), Ok(real_q(231.5).to_data()));
    assert_eq!(read(&c, &vcc("Frequency")), Ok(real_q(0.0).to_data()));
    // Not in the table, unknown, special variables: object-access-denied.
    for n in [
        "Secret",
        "NoSuchPoint",
        "Transfer_Set_Name",
        "DSConditions_Detected",
    ] {
        assert_eq!(
            read(&c, &icc(n)),
            Err(DataAccessError::ObjectAccessDenied),
            "{n}"
        );
    }
    // Read-only point.
    assert_eq!(
        write(&c, &icc("Voltage"), real_q(1.0).to_data()),
        Err(DataAccessError::ObjectAccessDenied)
    );
    assert_eq!(
        f.tase2.point("ICC1/Voltage").and_then(|p| p.get()),
        Some(real_q(231.5))
    );
    // Association objects are not written.
    assert_eq!(
        write(&c, &vcc("TASE2_Version"), Data::Integer(0)),
        Err(DataAccessError::ObjectAccessDenied)
    );
    // The writable point takes a value of its type, and the application hears of it.
    write(&c, &icc("LoadSetting"), real_q(12.5).to_data()).expect("write");
    assert_eq!(
        f.tase2.point("ICC1/LoadSetting").and_then(|p| p.get()),
        Some(real_q(12.5))
    );
    assert!(f
        .events
        .wait_for(
            WAIT,
            |e| matches!(e, ServerEvent::PointWritten { point, .. } if *point == icc("LoadSetting"))
        )
        .is_some());
    assert_eq!(
        write(&c, &icc("LoadSetting"), Data::Boolean(true)),
        Err(DataAccessError::TypeInconsistent)
    );
    // Component paths follow the rights of their point.
    write(&c, &icc("LoadSetting$Value"), Tase2Type::to_data(&2.0f32)).expect("component");
    assert_eq!(
        f.tase2.point("ICC1/LoadSetting").and_then(|p| p.get()),
        Some(real_q(2.0))
    );
    assert_eq!(
        write(&c, &icc("Voltage$Value"), Tase2Type::to_data(&2.0f32)),
        Err(DataAccessError::ObjectAccessDenied)
    );
    assert_eq!(
        read(&c, &icc("Voltage$Value")),
        Ok(Tase2Type::to_data(&231.5f32))
    );
    assert_eq!(
        read(&c, &icc("Secret$Value")),
        Err(DataAccessError::ObjectAccessDenied)
    );
    // The association goes on.
    assert!(read(&c, &icc("Voltage")).is_ok());
    f.running.stop().expect("stop");
}

#[test]
fn data_sets_are_defined_read_and_deleted_within_the_table() {
    let f = start();
    let c = connect(&f, PARTNER_A).expect("connect");
    let ds = icc("MyDS");
    c.define_list(
        &ds,
        &[icc("Transfer_Set_Name"), icc("Voltage"), vcc("Frequency")],
    )
    .expect("define");
    let attrs = c.list_attributes(&ds).expect("attributes");
    assert_eq!(
        attrs.members,
        vec![icc("Transfer_Set_Name"), icc("Voltage"), vcc("Frequency")]
    );
    let values = c.read_list(&ds).expect("read list");
    assert_eq!(values.len(), 3);
    assert_eq!(values[0], Err(DataAccessError::ObjectAccessDenied));
    assert_eq!(values[1], Ok(real_q(0.0).to_data()));
    // VCC scope and another ICC are refused: object-access-denied.
    for name in [vcc("VccDS"), ObjectName::domain("ICC2", "X")] {
        match c.define_list(&name, &[icc("Voltage")]) {
            Err(OpError::Client(e)) => match *e {
                ClientError::Service(ref s) => assert_eq!(
                    s.error_class,
                    ErrorClass::Access(AccessProblem::ObjectAccessDenied),
                    "{name}"
                ),
                ref other => panic!("{other:?}"),
            },
            other => panic!("{name}: {other:?}"),
        }
    }
    // Two per association (the test's limit): the third is refused.
    c.define_list(&icc("MyDS2"), &[icc("Voltage")])
        .expect("second");
    match c.define_list(&icc("MyDS3"), &[icc("Voltage")]) {
        Err(OpError::Client(e)) => match *e {
            ClientError::Service(ref s) => assert_eq!(
                s.error_class,
                ErrorClass::Resource(ResourceProblem::CapabilityUnavailable)
            ),
            ref other => panic!("{other:?}"),
        },
        other => panic!("third: {other:?}"),
    }
    c.delete_list(&ds).expect("delete");
    assert!(c.list_attributes(&ds).is_err());
    c.define_list(&icc("MyDS3"), &[icc("Voltage")])
        .expect("room again");
    // The server's own data sets are not deletable.
    assert!(c.delete_list(&icc("DS_Main")).is_err());
    c.conclude().expect("conclude");
    // Client data sets go with the association.
    let c2 = connect(&f, PARTNER_A).expect("again");
    assert!(c2.list_attributes(&icc("MyDS2")).is_err());
    assert!(c2.list_attributes(&icc("DS_Main")).is_ok());
    f.running.stop().expect("stop");
}

// ---------------------------------------------------------------------------------------------
// Transfer sets

#[test]
fn next_ds_transfer_set_reserves_until_the_pool_is_empty() {
    let f = start();
    let c = connect(&f, PARTNER_A).expect("connect");
    let d = read(&c, &icc("Next_DSTransfer_Set")).expect("first");
    // docs/tase2.md, "Wire examples": MMSObjectName {ICC, "ICC1", "DSTransferSet01"}.
    let mut expected = vec![0xa2, 0x1a, 0x86, 0x01, 0x01, 0x8a, 0x04];
    expected.extend_from_slice(b"ICC1");
    expected.extend_from_slice(&[0x8a, 0x0f]);
    expected.extend_from_slice(b"DSTransferSet01");
    assert_eq!(ber(&d), expected);
    assert_eq!(reserve(&c).name, "DSTransferSet02");
    // Another partner takes the last one.
    let other = connect(&f, PARTNER_A2).expect("other");
    assert_eq!(reserve(&other).name, "DSTransferSet03");
    assert_eq!(
        read(&c, &icc("Next_DSTransfer_Set")),
        Err(DataAccessError::TemporarilyUnavailable)
    );
    // A set held by another association is not written: temporarily-unavailable.
    assert_eq!(
        write_component(&c, &icc("DSTransferSet03"), "Interval", Data::Integer(5)),
        Err(DataAccessError::TemporarilyUnavailable)
    );
    // The association goes on; when the other ends, its set is free again.
    assert!(read(&c, &icc("Voltage")).is_ok());
    other.conclude().expect("conclude");
    let deadline = Instant::now() + WAIT;
    loop {
        match read(&c, &icc("Next_DSTransfer_Set")) {
            Ok(d) => {
                assert_eq!(
                    MmsObjectName::from_data(&d).expect("name").name,
                    "DSTransferSet03"
                );
                break;
            }
            Err(e) if Instant::now() > deadline => panic!("not freed: {e:?}"),
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    f.running.stop().expect("stop");
}

#[test]
fn a_whole_structure_write_enables_interval_reports_of_the_whole_data_set() {
    let f = start();
    let c = connect(&f, PARTNER_A).expect("connect");
    let rx = c.unconfirmed().expect("queue");
    f.tase2
        .point("ICC1/Voltage")
        .expect("p")
        .set(&real_q(7.0))
        .expect("set");
    let ts = reserve(&c);
    let mut t = transfer_set("DS_Main", DsConditions::INTERVAL_TIMEOUT);
    t.interval = 1;
    write(&c, &ts_object(&ts), t.to_data(Edition::V2000_08)).expect("enable");
    // The stored structure reads back as written.
    let back = read(&c, &ts_object(&ts)).expect("read back");
    assert_eq!(
        DsTransferSet::from_data(&back).expect("dsts"),
        (t.clone(), Edition::V2000_08)
    );
    let started = Instant::now();
    let r = next_report(&rx, WAIT).expect("interval report");
    // No report at enable time: the first comes one interval later.
    assert!(
        started.elapsed() >= Duration::from_millis(700),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(r.list, Some(icc("DS_Main")), "named-variable-list form");
    assert_eq!(r.values.len(), 8);
    assert_eq!(MmsObjectName::from_data(r.value(0)).expect("ts name"), ts);
    let stamp = TimeStamp::from_data(r.value(1)).expect("time stamp");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_secs() as i64;
    assert!((i64::from(stamp.0) - now).abs() <= 2, "{stamp:?} vs {now}");
    // DSConditions_Detected: IntervalTimeOut is the first bit (octet 0x80).
    assert_eq!(ber(r.value(2)), [0x84, 0x02, 0x03, 0x80]);
    assert_eq!(r.value(3), &Data::Integer(0));
    assert_eq!(r.value(4), &real_q(7.0).to_data());
    let r2 = next_report(&rx, WAIT).expect("second interval report");
    assert_eq!(r2.conditions(2), DsConditions::INTERVAL_TIMEOUT);
    assert!(f
        .events
        .wait_for(WAIT, |e| matches!(e, ServerEvent::TransferSetEnabled { transfer_set, .. } if *transfer_set == ts))
        .is_some());
    f.running.stop().expect("stop");
}

#[test]
fn a_1996_structure_is_accepted_by_a_2000_server() {
    let f = start();
    let c = connect(&f, PARTNER_A).expect("connect");
    let rx = c.unconfirmed().expect("queue");
    let ts = reserve(&c);
    let mut t = transfer_set("DS_Main", DsConditions::INTEGRITY_TIMEOUT);
    t.integrity_check = 1;
    let data = t.to_data(Edition::V1996_08);
    let Data::Structure(l) = &data else { panic!() };
    assert_eq!(l.len(), 12);
    write(&c, &ts_object(&ts), data).expect("12 components accepted");
    let r = next_report(&rx, WAIT).expect("integrity report");
    assert_eq!(r.list, Some(icc("DS_Main")));
    assert_eq!(r.conditions(2), DsConditions::INTEGRITY_TIMEOUT);
    f.running.stop().expect("stop");
}

#[test]
fn component_writes_configure_and_status_enables_and_disables() {
    let f = start();
    let c = connect(&f, PARTNER_A).expect("connect");
    let rx = c.unconfirmed().expect("queue");
    let ts = reserve(&c);
    let n = ts_object(&ts);
    // Scope sent as INTEGER rather than Unsigned (a peer habit) is accepted.
    let ds = Data::structure(vec![
        Data::Integer(1),
        Data::VisibleString("ICC1".into()),
        Data::VisibleString("DS_Main".into()),
    ]);
    write_component(&c, &n, "DataSetName", ds).expect("DataSetName");
    write_component(&c, &n, "Interval", Data::Integer(1)).expect("Interval");
    write_component(
        &c,
        &n,
        "DSConditionsRequested",
        DsConditions::INTERVAL_TIMEOUT.to_data(),
    )
    .expect("conditions");
    // `$` component paths work too, for writes and reads.
    let status = ObjectName::domain("ICC1", format!("{}$Status", ts.name));
    write(&c, &status, Data::Boolean(true)).expect("Status");
    assert_eq!(read(&c, &status), Ok(Data::Boolean(true)));
    assert_eq!(
        read(
            &c,
            &ObjectName::domain("ICC1", format!("{}$Interval", ts.name))
        ),
        Ok(Data::Integer(1))
    );
    // Enabled: only Status may be written.
    assert_eq!(
        write_component(&c, &n, "Interval", Data::Integer(5)),
        Err(DataAccessError::ObjectAttributeInconsistent)
    );
    let mut other = transfer_set("DS_Main", DsConditions::INTEGRITY_TIMEOUT);
    other.integrity_check = 3;
    assert_eq!(
        write(&c, &n, other.to_data(Edition::V2000_08)),
        Err(DataAccessError::ObjectAttributeInconsistent)
    );
    let r = next_report(&rx, WAIT).expect("report");
    assert_eq!(r.conditions(2), DsConditions::INTERVAL_TIMEOUT);
    write_component(&c, &n, "Status", Data::Boolean(false)).expect("disable");
    while rx.try_recv().is_ok() {}
    assert!(
        next_report(&rx, Duration::from_millis(1500)).is_none(),
        "disabled"
    );
    assert!(f
        .events
        .wait_for(WAIT, |e| matches!(
            e,
            ServerEvent::TransferSetDisabled { .. }
        ))
        .is_some());
    // Disabled, the other components may be written again.
    write_component(&c, &n, "Interval", Data::Integer(5)).expect("Interval");
    f.running.stop().expect("stop");
}

#[test]
fn bad_transfer_set_writes_are_refused_and_the_association_goes_on() {
    let f = start();
    let c = connect(&f, PARTNER_A).expect("connect");
    let ts = reserve(&c);
    let n = ts_object(&ts);
    let inconsistent = Err(DataAccessError::ObjectAttributeInconsistent);
    // Components of the wrong type.
    assert_eq!(
        write_component(&c, &n, "Interval", Data::Boolean(true)),
        inconsistent
    );
    assert_eq!(
        write_component(&c, &n, "RBE", Data::Integer(1)),
        inconsistent
    );
    assert_eq!(
        write_component(&c, &n, "DataSetName", Data::VisibleString("DS_Main".into())),
        inconsistent
    );
    // An unknown component.
    assert_eq!(
        write_component(&c, &n, "Colour", Data::Integer(1)),
        Err(DataAccessError::ObjectNonExistent)
    );
    // A structure of neither edition's size.
    let Data::Structure(l) =
        transfer_set("DS_Main", DsConditions::INTERVAL_TIMEOUT).to_data(Edition::V2000_08)
    else {
        panic!()
    };
    let mut short = l.to_vec();
    short.truncate(11);
    assert_eq!(write(&c, &n, Data::structure(short)), inconsistent);
    // Enabling with an unknown data set, one of another ICC, one with a point the table
    // does not grant.
    assert_eq!(
        write(
            &c,
            &n,
            transfer_set("NoSuchDS", DsConditions::INTERVAL_TIMEOUT).to_data(Edition::V2000_08)
        ),
        inconsistent
    );
    let mut foreign = transfer_set("X", DsConditions::INTERVAL_TIMEOUT);
    foreign.data_set_name = MmsObjectName::icc("ICC2", "X").expect("name");
    assert_eq!(
        write(&c, &n, foreign.to_data(Edition::V2000_08)),
        inconsistent
    );
    assert_eq!(
        write(
            &c,
            &n,
            transfer_set("DS_Secret", DsConditions::INTERVAL_TIMEOUT).to_data(Edition::V2000_08)
        ),
        inconsistent
    );
    assert!(f.tase2.transfer_sets().iter().all(|t| !t.value.status));
    // One variable with thirteen values (rusty-iccp 0.9.2's transfer-set write): the
    // service error definition / type-inconsistent.
    let Data::Structure(parts) =
        transfer_set("DS_Main", DsConditions::INTERVAL_TIMEOUT).to_data(Edition::V2000_08)
    else {
        panic!()
    };
    let malformed = ConfirmedServiceRequest::Write(WriteRequest {
        variable_access_specification: VariableAccessSpecification::names([n.clone()]),
        list_of_data: parts.to_vec(),
    });
    match c.request(&malformed) {
        Err(ClientError::Service(s)) => assert_eq!(
            s.error_class,
            ErrorClass::Definition(mms::service_error::DefinitionProblem::TypeInconsistent)
        ),
        other => panic!("{other:?}"),
    }
    // Writes to Next_DSTransfer_Set are refused too.
    assert_eq!(
        write(&c, &icc("Next_DSTransfer_Set"), ts.to_data()),
        Err(DataAccessError::ObjectAccessDenied)
    );
    assert!(read(&c, &icc("Voltage")).is_ok());
    f.running.stop().expect("stop");
}

#[test]
fn a_free_set_written_by_name_is_taken_by_the_writer() {
    let f = start();
    let c = connect(&f, PARTNER_A).expect("connect");
    let mut t = transfer_set("DS_Main", DsConditions::INTERVAL_TIMEOUT);
    t.interval = 10;
    write(&c, &icc("DSTransferSet02"), t.to_data(Edition::V2000_08)).expect("taken by name");
    let sets = f.tase2.transfer_sets();
    assert!(sets[1].association.is_some() && sets[1].value.status);
    let other = connect(&f, PARTNER_A2).expect("other");
    assert_eq!(
        write_component(
            &other,
            &icc("DSTransferSet02"),
            "Status",
            Data::Boolean(false)
        ),
        Err(DataAccessError::TemporarilyUnavailable)
    );
    f.running.stop().expect("stop");
}

#[test]
fn object_change_reports_changes_by_name_with_rbe_and_the_data_set_without() {
    let f = start();
    let c = connect(&f, PARTNER_A).expect("connect");
    let rx = c.unconfirmed().expect("queue");
    // RBE, buffer time 0: one list-of-variables report per change.
    let rbe_ts = reserve(&c);
    let mut t = transfer_set("DS_Main", DsConditions::OBJECT_CHANGE);
    t.rbe = true;
    write(&c, &ts_object(&rbe_ts), t.to_data(Edition::V2000_08)).expect("enable rbe");
    let counter = f.tase2.point("ICC1/Counter").expect("point");
    let value = Point::DiscreteQ(ValueQ {
        value: 42,
        flags: DataFlags::GOOD,
    });
    counter.set(&value).expect("set");
    let r = next_report(&rx, WAIT).expect("rbe report");
    assert_eq!(r.list, None, "list-of-variables form");
    // Transfer_Set_Name first, then the data set's other special variables, then the change.
    assert_eq!(
        r.names,
        vec![
            icc("Transfer_Set_Name"),
            icc("Transfer_Set_Time_Stamp"),
            icc("DSConditions_Detected"),
            icc("Event_Code_Detected"),
            icc("Counter"),
        ]
    );
    assert_eq!(MmsObjectName::from_data(r.value(0)).expect("name"), rbe_ts);
    assert_eq!(r.conditions(2), DsConditions::OBJECT_CHANGE);
    assert_eq!(r.value(4), &value.to_data());
    // A change of a point outside the data set reports nothing.
    f.tase2
        .point("ICC1/LoadSetting")
        .expect("p")
        .set(&real_q(3.0))
        .expect("set");
    assert!(next_report(&rx, Duration::from_millis(500)).is_none());
    write_component(&c, &ts_object(&rbe_ts), "Status", Data::Boolean(false)).expect("off");
    // Without RBE, a buffered change gives the whole data set.
    let full_ts = reserve(&c);
    let mut t = transfer_set("DS_Main", DsConditions::OBJECT_CHANGE);
    t.buffer_time = 1;
    write(&c, &ts_object(&full_ts), t.to_data(Edition::V2000_08)).expect("enable");
    let state = Point::StateQ(DataState::new(State::On, DataFlags::GOOD));
    let started = Instant::now();
    f.tase2
        .point("ICC1/Status1")
        .expect("p")
        .set(&state)
        .expect("set");
    f.tase2
        .point("ICC1/Voltage")
        .expect("p")
        .set(&real_q(5.0))
        .expect("set");
    let r = next_report(&rx, WAIT).expect("buffered report");
    assert!(
        started.elapsed() >= Duration::from_millis(700),
        "buffer time kept"
    );
    assert_eq!(r.list, Some(icc("DS_Main")));
    assert_eq!(MmsObjectName::from_data(r.value(0)).expect("name"), full_ts);
    assert_eq!(r.conditions(2), DsConditions::OBJECT_CHANGE);
    assert_eq!(r.value(4), &real_q(5.0).to_data());
    // "ON, valid" (docs/tase2.md, "Wire examples").
    assert_eq!(ber(r.value(5)), [0x84, 0x02, 0x00, 0x80]);
    assert!(
        next_report(&rx, Duration::from_millis(300)).is_none(),
        "one report for both"
    );
    f.running.stop().expect("stop");
}

#[test]
fn all_changes_reported_sends_every_buffered_value_in_order_in_one_report() {
    let f = start();
    let c = connect(&f, PARTNER_A).expect("connect");
    let rx = c.unconfirmed().expect("queue");
    let ts = reserve(&c);
    let mut t = transfer_set("DS_Main", DsConditions::OBJECT_CHANGE);
    t.rbe = true;
    t.all_changes_reported = true;
    t.buffer_time = 1;
    write(&c, &ts_object(&ts), t.to_data(Edition::V2000_08)).expect("enable");
    let p = f.tase2.point("ICC1/Voltage").expect("point");
    for v in [1.0, 2.0, 3.0] {
        p.set(&real_q(v)).expect("set");
    }
    let r = next_report(&rx, WAIT).expect("report");
    let n = r.names.len();
    assert_eq!(
        &r.names[n - 3..],
        &[icc("Voltage"), icc("Voltage"), icc("Voltage")]
    );
    let values: Vec<Data<'static>> = (n - 3..n).map(|i| r.value(i).clone()).collect();
    assert_eq!(
        values,
        vec![
            real_q(1.0).to_data(),
            real_q(2.0).to_data(),
            real_q(3.0).to_data()
        ]
    );
    f.running.stop().expect("stop");
}

#[test]
fn interval_with_rbe_reports_only_what_changed() {
    let f = start();
    let c = connect(&f, PARTNER_A).expect("connect");
    let rx = c.unconfirmed().expect("queue");
    let ts = reserve(&c);
    let mut t = transfer_set("DS_Main", DsConditions::INTERVAL_TIMEOUT);
    t.rbe = true;
    t.interval = 1;
    write(&c, &ts_object(&ts), t.to_data(Edition::V2000_08)).expect("enable");
    // Nothing changed: no report at the first interval.
    assert!(next_report(&rx, Duration::from_millis(1400)).is_none());
    f.tase2
        .point("/Frequency")
        .expect("vcc point")
        .set(&real_q(49.9))
        .expect("set");
    let r = next_report(&rx, WAIT).expect("report");
    assert_eq!(r.list, None);
    assert_eq!(r.names.last(), Some(&vcc("Frequency")));
    assert_eq!(r.conditions(2), DsConditions::INTERVAL_TIMEOUT);
    f.running.stop().expect("stop");
}

#[test]
fn rbe_switches_to_the_data_set_form_when_the_pdu_would_be_too_large() {
    let f = start();
    let mut cfg = client_config(PARTNER_A, Some(12));
    // Two changed points named one by one take about 250 octets, the whole data set about 105.
    cfg.endpoint.initiate.local_detail_calling = Some(200);
    let c = Client::connect(f.addr, cfg).expect("connect");
    assert!(c.negotiated().max_pdu_size <= 200);
    let rx = c.unconfirmed().expect("queue");
    let ts = reserve(&c);
    let mut t = transfer_set("DS_Main", DsConditions::OBJECT_CHANGE);
    t.rbe = true;
    t.buffer_time = 1;
    write(&c, &ts_object(&ts), t.to_data(Edition::V2000_08)).expect("enable");
    f.tase2
        .point("ICC1/Voltage")
        .expect("point")
        .set(&real_q(39.0))
        .expect("set");
    f.tase2
        .point("Frequency")
        .expect("point")
        .set(&real_q(50.0))
        .expect("set");
    let r = next_report(&rx, WAIT).expect("report");
    assert_eq!(
        r.list,
        Some(icc("DS_Main")),
        "switched to the named-variable-list form"
    );
    assert_eq!(r.value(4), &real_q(39.0).to_data());
    assert_eq!(r.conditions(2), DsConditions::OBJECT_CHANGE);
    f.running.stop().expect("stop");
}

#[test]
fn all_changes_beyond_the_pdu_size_arrive_split_in_order() {
    let f = start();
    let mut cfg = client_config(PARTNER_A, Some(12));
    cfg.endpoint.initiate.local_detail_calling = Some(400);
    let c = Client::connect(f.addr, cfg).expect("connect");
    let max = c.negotiated().max_pdu_size;
    assert!(max <= 400);
    let rx = c.unconfirmed().expect("queue");
    let ts = reserve(&c);
    let mut t = transfer_set("DS_Main", DsConditions::OBJECT_CHANGE);
    t.rbe = true;
    t.all_changes_reported = true;
    t.buffer_time = 1;
    write(&c, &ts_object(&ts), t.to_data(Edition::V2000_08)).expect("enable");
    let p = f.tase2.point("ICC1/Voltage").expect("point");
    // 40 changes named one by one need far more than 400 octets; the whole data set would
    // fit, but it carries only the last value: AllChangesReported splits instead.
    for i in 0..40 {
        p.set(&real_q(i as f32)).expect("set");
    }
    let mut values = Vec::new();
    let mut reports = 0;
    while values.len() < 40 {
        let u = rx.recv_timeout(WAIT).expect("the rest of the changes");
        assert!(
            u.bytes().len() <= max,
            "a report of {} octets",
            u.bytes().len()
        );
        let r = report_of(&u).expect("a report");
        assert_eq!(r.list, None, "list-of-variables form");
        assert_eq!(r.names[0], icc("Transfer_Set_Name"));
        assert_eq!(r.conditions(2), DsConditions::OBJECT_CHANGE);
        for i in 4..r.values.len() {
            assert_eq!(r.names[i], icc("Voltage"));
            values.push(r.value(i).clone());
        }
        reports += 1;
    }
    assert!(reports >= 2, "{reports} reports");
    let expected: Vec<Data<'static>> = (0..40).map(|i| real_q(i as f32).to_data()).collect();
    assert_eq!(values, expected, "every change once, in order");
    f.running.stop().expect("stop");
}

#[test]
fn operator_requests_and_external_events_report_with_their_event_code() {
    let f = start();
    let c = connect(&f, PARTNER_A).expect("connect");
    let rx = c.unconfirmed().expect("queue");
    let ts = reserve(&c);
    let mut t = transfer_set(
        "DS_Main",
        DsConditions::OPERATOR_REQUEST | DsConditions::OTHER_EXTERNAL_EVENT,
    );
    t.event_code_requested = EventCode(7);
    write(&c, &ts_object(&ts), t.to_data(Edition::V2000_08)).expect("enable");
    // Another event code than requested: nothing.
    assert_eq!(
        f.tase2
            .request_report(None, DsConditions::OPERATOR_REQUEST, EventCode(8)),
        0
    );
    // A condition not requested: nothing.
    assert_eq!(
        f.tase2
            .request_report(None, DsConditions::INTEGRITY_TIMEOUT, EventCode(7)),
        0
    );
    assert_eq!(
        f.tase2
            .request_report(Some(&ts), DsConditions::OTHER_EXTERNAL_EVENT, EventCode(7)),
        1
    );
    let r = next_report(&rx, WAIT).expect("report");
    assert_eq!(r.list, Some(icc("DS_Main")));
    assert_eq!(ber(r.value(2)), [0x84, 0x02, 0x03, 0x08]);
    assert_eq!(r.value(3), &Data::Integer(7));
    f.tase2
        .request_report(None, DsConditions::OPERATOR_REQUEST, EventCode(7));
    let r = next_report(&rx, WAIT).expect("report");
    assert_eq!(r.conditions(2), DsConditions::OPERATOR_REQUEST);
    f.running.stop().expect("stop");
}

fn ack(c: &Client, ts: &MmsObjectName, nack: bool, stamp: Option<TimeStamp>) {
    let item = if nack {
        "Transfer_Report_NACK"
    } else {
        "Transfer_Report_ACK"
    };
    let mut names = vec![ObjectName::domain(ts.domain_name.clone(), item.to_string())];
    let mut values = vec![AccessResult::Success(ts.to_data())];
    if let Some(s) = stamp {
        names.push(ObjectName::domain(
            ts.domain_name.clone(),
            "Transfer_Set_Time_Stamp".to_string(),
        ));
        values.push(AccessResult::Success(s.to_data()));
    }
    c.send_unconfirmed(&UnconfirmedService::InformationReport(InformationReport {
        variable_access_specification: VariableAccessSpecification::names(names),
        list_of_access_result: values,
    }))
    .expect("send ack");
}

#[test]
fn critical_reports_are_acknowledged_or_time_out_as_an_event() {
    let f = start();
    let c = connect(&f, PARTNER_A).expect("connect");
    let rx = c.unconfirmed().expect("queue");
    let ts = reserve(&c);
    let mut t = transfer_set("DS_Main", DsConditions::OPERATOR_REQUEST);
    t.critical = true;
    write(&c, &ts_object(&ts), t.to_data(Edition::V2000_08)).expect("enable");
    f.tase2
        .request_report(None, DsConditions::OPERATOR_REQUEST, EventCode(0));
    let r = next_report(&rx, WAIT).expect("report");
    let stamp = TimeStamp::from_data(r.value(1)).expect("stamp");
    assert_eq!(f.tase2.transfer_sets()[0].outstanding_critical, 1);
    ack(&c, &ts, false, Some(stamp));
    let e = f
        .events
        .wait_for(WAIT, |e| {
            matches!(e, ServerEvent::ReportAcknowledged { .. })
        })
        .expect("acknowledged");
    assert_eq!(
        e,
        ServerEvent::ReportAcknowledged {
            association: match e {
                ServerEvent::ReportAcknowledged { association, .. } => association,
                _ => 0,
            },
            transfer_set: ts.clone(),
            time_stamp: Some(stamp),
        }
    );
    assert_eq!(f.tase2.transfer_sets()[0].outstanding_critical, 0);
    // No ACK this time: the application hears of it after the ACK timeout (400 ms here).
    f.tase2
        .request_report(None, DsConditions::OPERATOR_REQUEST, EventCode(0));
    let r = next_report(&rx, WAIT).expect("report");
    let stamp = TimeStamp::from_data(r.value(1)).expect("stamp");
    let sent = Instant::now();
    let e = f
        .events
        .wait_for(WAIT, |e| {
            matches!(e, ServerEvent::CriticalReportUnacknowledged { .. })
        })
        .expect("timeout event");
    assert!(
        sent.elapsed() >= Duration::from_millis(300),
        "{:?}",
        sent.elapsed()
    );
    assert!(matches!(
        e,
        ServerEvent::CriticalReportUnacknowledged { transfer_set, time_stamp, .. }
            if transfer_set == ts && time_stamp == stamp
    ));
    assert_eq!(f.tase2.stats().ack_timeouts, 1);
    assert_eq!(f.tase2.stats().acks, 1);
    // A NACK is counted and told.
    ack(&c, &ts, true, None);
    assert!(f
        .events
        .wait_for(WAIT, |e| matches!(e, ServerEvent::ReportNacked { .. }))
        .is_some());
    f.running.stop().expect("stop");
}

#[test]
fn an_ack_for_an_unknown_transfer_set_is_an_event_and_the_association_goes_on() {
    let f = start();
    let c = connect(&f, PARTNER_A).expect("connect");
    let unknown = MmsObjectName::icc("ICC1", "DSTransferSet09").expect("name");
    ack(&c, &unknown, false, Some(TimeStamp(1)));
    let e = f
        .events
        .wait_for(WAIT, |e| {
            matches!(e, ServerEvent::UnknownAcknowledgement { .. })
        })
        .expect("event");
    assert!(
        matches!(e, ServerEvent::UnknownAcknowledgement { transfer_set: Some(n), .. } if n == unknown)
    );
    // A set that exists but is not this association's is unknown to it as well.
    ack(
        &c,
        &MmsObjectName::icc("ICC1", "DSTransferSet01").expect("n"),
        false,
        None,
    );
    assert!(f
        .events
        .wait_for(WAIT, |e| matches!(
            e,
            ServerEvent::UnknownAcknowledgement { .. }
        ))
        .is_some());
    assert_eq!(f.tase2.stats().unknown_acks, 2);
    assert!(read(&c, &icc("Voltage")).is_ok());
    f.running.stop().expect("stop");
}

#[test]
fn transfer_sets_end_with_their_association() {
    let f = start();
    let c = connect(&f, PARTNER_A).expect("connect");
    let ts = reserve(&c);
    let mut t = transfer_set("DS_Main", DsConditions::INTERVAL_TIMEOUT);
    t.interval = 1;
    write(&c, &ts_object(&ts), t.to_data(Edition::V2000_08)).expect("enable");
    assert!(f.tase2.transfer_sets()[0].value.status);
    c.abort();
    assert!(f
        .events
        .wait_for(WAIT, |e| matches!(e, ServerEvent::Closed { .. }))
        .is_some());
    let s = &f.tase2.transfer_sets()[0];
    assert_eq!(s.association, None);
    assert!(!s.value.status);
    f.running.stop().expect("stop");
}

// ---------------------------------------------------------------------------------------------
// Information messages

#[test]
fn information_messages_reach_enabled_partners_their_table_allows() {
    let f = start();
    let c = connect(&f, PARTNER_A).expect("connect");
    let rx = c.unconfirmed().expect("queue");
    let im = ObjectName::aa("IM_Transfer_Set");
    assert_eq!(read(&c, &im), Ok(Data::Boolean(false)));
    // The association-specific variable is listed and typed like any other.
    assert_eq!(
        c.get_name_list(
            mms::services::vmd::ObjectClass::Basic(
                mms::services::vmd::BasicObjectClass::NamedVariable
            ),
            mms::services::vmd::ObjectScope::AaSpecific,
        )
        .expect("names"),
        vec!["IM_Transfer_Set".to_string()]
    );
    assert_eq!(
        c.get_variable_access_attributes(&im).expect("type"),
        mms::TypeDescription::Boolean
    );
    // Not enabled yet: nobody gets it.
    assert_eq!(
        f.tase2.post_message(&InfoMessage::vcc(1, 0, 1, b"hello")),
        Ok(0)
    );
    write(&c, &im, Data::Boolean(true)).expect("enable");
    assert_eq!(read(&c, &im), Ok(Data::Boolean(true)));
    assert_eq!(
        write(&c, &im, Data::Integer(1)),
        Err(DataAccessError::TypeInconsistent)
    );
    assert_eq!(
        read(&c, &ObjectName::aa("Other")),
        Err(DataAccessError::ObjectNonExistent)
    );
    assert_eq!(
        f.tase2.post_message(&InfoMessage::vcc(1, 5, 9, b"hello")),
        Ok(1)
    );
    let r = next_report(&rx, WAIT).expect("message");
    assert_eq!(r.names, vec![vcc("Info_Mess_Header"), vcc("Info_Buff_128")]);
    let h = InfoMessHeader::from_data(r.value(0)).expect("header");
    assert_eq!(
        (h.info_reference, h.local_reference, h.message_id, h.size),
        (1, 5, 9, 5)
    );
    let Data::OctetString(b) = r.value(1) else {
        panic!("{:?}", r.value(1))
    };
    assert_eq!(b.len(), 128);
    assert_eq!(&b[..5], b"hello");
    assert!(b[5..].iter().all(|&x| x == 0));
    // An InfoReference the table does not list, or ICC scope it does not list: not sent.
    assert_eq!(
        f.tase2.post_message(&InfoMessage::vcc(2, 0, 1, b"x")),
        Ok(0)
    );
    assert_eq!(
        f.tase2
            .post_message(&InfoMessage::icc("ICC1", 1, 0, 1, b"x")),
        Ok(0)
    );
    // Too large for every buffer.
    assert!(f
        .tase2
        .post_message(&InfoMessage::vcc(1, 0, 1, &[0; 2000]))
        .is_err());
    write(&c, &im, Data::Boolean(false)).expect("disable");
    assert_eq!(
        f.tase2.post_message(&InfoMessage::vcc(1, 0, 1, b"x")),
        Ok(0)
    );
    f.running.stop().expect("stop");
}

// ---------------------------------------------------------------------------------------------
// Devices

#[test]
fn select_before_operate_selects_operates_and_disarms() {
    let f = start();
    let c = connect(&f, PARTNER_A).expect("connect");
    // Operate without select: temporarily-unavailable.
    assert_eq!(
        write(&c, &icc("Breaker1"), Data::Integer(1)),
        Err(DataAccessError::TemporarilyUnavailable)
    );
    assert_eq!(read(&c, &icc("Breaker1_SBO")), Ok(Data::Integer(17)));
    // Armed: the tag shows it (bit 2), a second select is refused.
    let tag = TagValue::from_data(&read(&c, &icc("Breaker1_TAG")).expect("tag")).expect("tag");
    assert!(tag.flags.armed());
    assert_eq!(
        read(&c, &icc("Breaker1_SBO")),
        Err(DataAccessError::TemporarilyUnavailable)
    );
    // Another partner cannot operate what this one selected.
    let other = connect(&f, PARTNER_A2).expect("other");
    assert_eq!(
        write(&other, &icc("Breaker1"), Data::Integer(1)),
        Err(DataAccessError::TemporarilyUnavailable)
    );
    // A command other than 0 or 1; a value of another type.
    assert_eq!(
        write(&c, &icc("Breaker1"), Data::Integer(2)),
        Err(DataAccessError::ObjectValueInvalid)
    );
    assert_eq!(
        write(&c, &icc("Breaker1"), Data::Boolean(true)),
        Err(DataAccessError::TypeInconsistent)
    );
    write(&c, &icc("Breaker1"), Data::Integer(1)).expect("operate");
    assert!(f
        .events
        .wait_for(WAIT, |e| matches!(e, ServerEvent::Operated { device, value: ControlValue::Command(1), .. } if *device == icc("Breaker1")))
        .is_some());
    // The operate disarmed it.
    assert_eq!(
        write(&c, &icc("Breaker1"), Data::Integer(0)),
        Err(DataAccessError::TemporarilyUnavailable)
    );
    // Direct operate of a set-point; a select of a device without SBO; a write of `_SBO`.
    write(
        &c,
        &icc("Setpoint1"),
        mms::tase2::Tase2Type::to_data(&2.5f32),
    )
    .expect("direct");
    assert_eq!(
        read(&c, &icc("Switch2_SBO")),
        Err(DataAccessError::ObjectAttributeInconsistent)
    );
    assert_eq!(
        read(&c, &icc("Voltage_SBO")),
        Err(DataAccessError::ObjectAccessUnsupported)
    );
    assert_eq!(
        write(&c, &icc("Breaker1_SBO"), Data::Integer(17)),
        Err(DataAccessError::ObjectAccessDenied)
    );
    // No operate right (BLT_A_2 has none on Switch2).
    assert_eq!(
        write(&other, &icc("Switch2"), Data::Integer(1)),
        Err(DataAccessError::ObjectAccessDenied)
    );
    // Control points are not read.
    assert_eq!(
        read(&c, &icc("Breaker1")),
        Err(DataAccessError::ObjectAccessDenied)
    );
    f.running.stop().expect("stop");
}

#[test]
fn a_select_times_out() {
    let f = start();
    let c = connect(&f, PARTNER_A).expect("connect");
    assert_eq!(read(&c, &icc("Breaker1_SBO")), Ok(Data::Integer(17)));
    let e = f
        .events
        .wait_for(WAIT, |e| matches!(e, ServerEvent::SelectTimedOut { .. }))
        .expect("timeout event");
    assert!(matches!(e, ServerEvent::SelectTimedOut { device, .. } if device == icc("Breaker1")));
    assert_eq!(
        write(&c, &icc("Breaker1"), Data::Integer(1)),
        Err(DataAccessError::TemporarilyUnavailable)
    );
    let tag = f.tase2.tag("ICC1/Breaker1").expect("tag");
    assert!(!tag.flags.armed());
    // Selectable again.
    assert_eq!(read(&c, &icc("Breaker1_SBO")), Ok(Data::Integer(17)));
    f.running.stop().expect("stop");
}

#[test]
fn tags_inhibit_select_and_operate() {
    let f = start();
    let c = connect(&f, PARTNER_A).expect("connect");
    let other = connect(&f, PARTNER_A2).expect("other");
    let inhibit = TagValue::new(
        TagFlags::new(TagState::OpenAndCloseInhibit, false),
        "line work",
    )
    .expect("tag");
    write(&c, &icc("Breaker1_TAG"), inhibit.to_data()).expect("set tag");
    assert_eq!(
        TagValue::from_data(&read(&c, &icc("Breaker1_TAG")).expect("read")).expect("tag"),
        inhibit
    );
    assert_eq!(
        read(&c, &icc("Breaker1_SBO")),
        Err(DataAccessError::TemporarilyUnavailable)
    );
    // Another partner may not change this partner's tag; without get-tag right it may not
    // read it.
    assert_eq!(
        write(&other, &icc("Breaker1_TAG"), TagValue::default().to_data()),
        Err(DataAccessError::TemporarilyUnavailable)
    );
    assert_eq!(
        read(&other, &icc("Breaker1_TAG")),
        Err(DataAccessError::ObjectAccessDenied)
    );
    // Direct-operate device tagged close-only: open allowed, close refused.
    let close_only =
        TagValue::new(TagFlags::new(TagState::CloseOnlyInhibit, false), "").expect("t");
    write(&c, &icc("Switch2_TAG"), close_only.to_data()).expect("tag");
    assert_eq!(
        write(&c, &icc("Switch2"), Data::Integer(1)),
        Err(DataAccessError::TemporarilyUnavailable)
    );
    write(&c, &icc("Switch2"), Data::Integer(0)).expect("open allowed");
    // Invalid tag values; a device without tag.
    let invalid = TagValue::new(TagFlags::new(TagState::Invalid, false), "").expect("t");
    assert_eq!(
        write(&c, &icc("Switch2_TAG"), invalid.to_data()),
        Err(DataAccessError::ObjectValueInvalid)
    );
    assert_eq!(
        write(&c, &icc("Switch2_TAG"), Data::Integer(1)),
        Err(DataAccessError::ObjectValueInvalid)
    );
    assert_eq!(
        write(&c, &icc("Setpoint1_TAG"), TagValue::default().to_data()),
        Err(DataAccessError::ObjectNonExistent)
    );
    // Cleared by its owner, the device is selectable again; while armed, tags are refused.
    write(&c, &icc("Breaker1_TAG"), TagValue::default().to_data()).expect("clear");
    assert_eq!(read(&c, &icc("Breaker1_SBO")), Ok(Data::Integer(17)));
    assert_eq!(
        write(&c, &icc("Breaker1_TAG"), inhibit.to_data()),
        Err(DataAccessError::TemporarilyUnavailable)
    );
    assert!(f
        .events
        .wait_for(WAIT, |e| matches!(e, ServerEvent::TagChanged { .. }))
        .is_some());
    f.running.stop().expect("stop");
}

/// An operate refused by a close-only tag still disarms the select-before-operate device
/// (the operate ends the select whatever its outcome): the next select is accepted.
#[test]
fn an_inhibited_operate_disarms() {
    let f = start();
    let c = connect(&f, PARTNER_A).expect("connect");
    let close_only =
        TagValue::new(TagFlags::new(TagState::CloseOnlyInhibit, false), "").expect("t");
    write(&c, &icc("Breaker1_TAG"), close_only.to_data()).expect("tag");
    assert_eq!(read(&c, &icc("Breaker1_SBO")), Ok(Data::Integer(17)));
    assert_eq!(
        write(&c, &icc("Breaker1"), Data::Integer(1)),
        Err(DataAccessError::TemporarilyUnavailable)
    );
    assert!(!f.tase2.tag("ICC1/Breaker1").expect("tag").flags.armed());
    assert_eq!(read(&c, &icc("Breaker1_SBO")), Ok(Data::Integer(17)));
    write(&c, &icc("Breaker1"), Data::Integer(0)).expect("open allowed");
    f.running.stop().expect("stop");
}

#[test]
fn the_application_may_refuse_an_operate() {
    struct Refusing;
    impl mms::tase2::server::Application for Refusing {
        fn operate(
            &self,
            request: &mms::tase2::server::OperateRequest,
        ) -> Result<(), DataAccessError> {
            match request.value {
                ControlValue::Real(v) if v > 100.0 => Err(DataAccessError::HardwareFault),
                _ => Ok(()),
            }
        }
    }
    let config = Config::from_json_str(CONFIG).expect("config");
    let tase2 = Tase2Server::with_application(&config, Arc::new(Refusing)).expect("server");
    let running = tase2
        .spawn(ServerConfig::listening(["127.0.0.1:0"
            .parse()
            .expect("addr")]))
        .expect("spawn");
    let c = Client::connect(
        running.local_addr().expect("addr"),
        client_config(PARTNER_A, Some(12)),
    )
    .expect("connect");
    write(
        &c,
        &icc("Setpoint1"),
        mms::tase2::Tase2Type::to_data(&5.0f32),
    )
    .expect("accepted");
    assert_eq!(
        write(
            &c,
            &icc("Setpoint1"),
            mms::tase2::Tase2Type::to_data(&500.0f32)
        ),
        Err(DataAccessError::HardwareFault)
    );
    running.stop().expect("stop");
}

#[test]
fn the_shipped_demo_configuration_loads_and_serves() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tase2/demo.json");
    let config = Config::from_file(path).expect("demo.json");
    let tase2 = Tase2Server::new(&config).expect("server");
    let running = tase2
        .spawn(ServerConfig::listening(["127.0.0.1:0"
            .parse()
            .expect("addr")]))
        .expect("spawn");
    let c = Client::connect(
        running.local_addr().expect("addr"),
        client_config("1.1.999.1", Some(12)),
    )
    .expect("connect");
    assert_eq!(read(&c, &vcc("Frequency")), Ok(real_q(50.0).to_data()));
    assert_eq!(
        read(&c, &icc("Bilateral_Table_ID")),
        Ok(Data::VisibleString("BLT_ICC1_2026_1".into()))
    );
    assert_eq!(read(&c, &icc("Breaker1_SBO")), Ok(Data::Integer(17)));
    // The JSON round-trips through the Rust configuration.
    assert_eq!(Config::from_json_str(&config.to_json_string()), Ok(config));
    running.stop().expect("stop");
}

#[test]
fn bad_configurations_are_refused_with_the_place() {
    for (json, at) in [
        (
            r#"{ "iccs": [ { "name": "ICC1", "points": [ { "name": "P", "type": "Data_Nope" } ] } ] }"#,
            "iccs[0].points[0].type",
        ),
        (
            r#"{ "iccs": [ { "name": "ICC1" } ], "bilateral_tables": [ { "id": "T", "icc": "ICC9" } ] }"#,
            "bilateral_tables[0].icc",
        ),
        (
            r#"{ "iccs": [ { "name": "ICC1", "data_sets": [ { "name": "D", "members": [ "Missing" ] } ] } ] }"#,
            "iccs[0].data_sets[0].members",
        ),
        (
            r#"{ "iccs": [ { "name": "ICC1" } ], "bilateral_tables": [ { "id": "T", "icc": "ICC1", "read": [ "Nope" ] } ] }"#,
            "bilateral_tables[0].read[0]",
        ),
        (
            // two tables for one partner contradict each other: the second is refused
            r#"{ "iccs": [ { "name": "ICC1" } ], "bilateral_tables": [
                 { "id": "A", "icc": "ICC1", "ap_title": "1.1.1.999", "ae_qualifier": 12 },
                 { "id": "B", "icc": "ICC1", "ap_title": "1.1.1.999", "ae_qualifier": 12 } ] }"#,
            "bilateral_tables[1]",
        ),
        (
            // a table for any AE-qualifier first hides the more specific one after it
            r#"{ "iccs": [ { "name": "ICC1" } ], "bilateral_tables": [
                 { "id": "A", "icc": "ICC1", "ap_title": "1.1.1.999" },
                 { "id": "B", "icc": "ICC1", "ap_title": "1.1.1.999", "ae_qualifier": 12 } ] }"#,
            "bilateral_tables[1]",
        ),
    ] {
        let config = Config::from_json_str(json).expect("parses");
        match Tase2Server::new(&config) {
            Err(mms::tase2::server::ConfigError::Invalid { at: got, .. }) => {
                assert_eq!(got, at, "{json}")
            }
            other => panic!("{json}: {other:?}"),
        }
    }
    assert!(Config::from_json_str(r#"{ "unknown": 1 }"#).is_err());
}
