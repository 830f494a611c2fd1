//! The TASE.2 client (`mms::tase2::client`) against a stand-in partner built from the existing
//! pieces: the `mms::server::model` object model holding the TASE.2 objects (TASE2_Version,
//! Supported_Features, Bilateral_Table_ID, points, Next_DSTransfer_Set, DSTransferSets of both
//! editions, a select-before-operate device with its `_SBO` and `_TAG`), dynamic values for
//! the behaviour (reservation, select / operate / tag rules), a small `Handler` around it that
//! records what the client sends unconfirmed (ACK / NACK) and the association-specific
//! `IM_Transfer_Set`, and `ServerHandle::send_unconfirmed` to push reports. The reports are
//! built here from `Data` values, not with the client's decoder.

// Test helpers outside #[test] functions unwrap what the test itself built.
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mms::access::AccessResult;
use mms::client::ClientConfig;
use mms::data::{Data, DataAccessError};
use mms::initiate::ServicesSupported;
use mms::pdu::{ConfirmedServiceRequest, ConfirmedServiceResponse, UnconfirmedService};
use mms::server::handler::AssociationInfo;
use mms::server::model::{DynamicValue, Model, ValueRequest};
use mms::server::{Handler, Reply, RequestContext, RunningServer, Server, ServerConfig};
use mms::services::variables::{InformationReport, WriteResponse, WriteResult};
use mms::tase2::client::{
    AckMode, Client, ControlFailure, DataSetLayout, Event, Expectations, Mismatch, ReportForm,
    Tase2ClientError, Tase2Config, WriteForm,
};
use mms::tase2::flags::TagState;
use mms::tase2::point::{ValueQ, ValueQTimeTag};
use mms::tase2::{
    BilateralTableId, DataFlags, DataState, DsConditions, DsTransferSet, Edition, EventCode,
    InfoMessHeader, MmsObjectName, Point, PointType, SupportedFeatures, TagFlags, TagValue,
    Tase2Type, Tase2Version, TimeStamp,
};
use mms::{ObjectName, TypeDescription, VariableAccessSpecification, VariableSpecification};

const ICC: &str = "ICC1";
const BLT: &str = "BLT_ICC1_v3";
const CHECK_BACK: i64 = 77;

fn dom(item: &str) -> ObjectName<'static> {
    ObjectName::domain(ICC, item.to_owned())
}

fn ts_name(n: &str) -> MmsObjectName {
    MmsObjectName::icc(ICC, n).unwrap()
}

/// The partner's state behind its dynamic values and handler.
#[derive(Default)]
struct State {
    /// Transfer sets handed out by Next_DSTransfer_Set.
    reserved: Vec<String>,
    /// Breaker1 is armed (selected).
    armed: bool,
    /// Breaker1 is tagged open-and-close inhibit.
    inhibited: bool,
    /// InformationReports the client sent: (variable names, values).
    unconfirmed: Vec<(Vec<String>, Vec<Data<'static>>)>,
    /// Associations that enabled information messages.
    im_enabled: HashSet<u64>,
    /// Writes the partner saw, as `name` or `name.component`.
    writes: Vec<String>,
}

type Shared = Arc<Mutex<State>>;

/// Next_DSTransfer_Set: hands out DSTransferSet01, 02, 03, then temporarily-unavailable.
struct NextTs(Shared);

impl DynamicValue for NextTs {
    fn read(
        &self,
        _: &ValueRequest<'_>,
        _: &Data<'static>,
    ) -> Result<Data<'static>, DataAccessError> {
        let mut s = self.0.lock().unwrap();
        let next = ["DSTransferSet01", "DSTransferSet02", "DSTransferSet03"]
            .into_iter()
            .find(|n| !s.reserved.iter().any(|r| r == n))
            .ok_or(DataAccessError::TemporarilyUnavailable)?;
        s.reserved.push(next.to_string());
        Ok(ts_name(next).to_data())
    }

    fn write(&self, _: &ValueRequest<'_>, _: &Data<'_>) -> Result<(), DataAccessError> {
        Err(DataAccessError::ObjectAccessDenied)
    }
}

/// Breaker1_SBO: a read selects; refused while armed or tagged open-and-close inhibit.
struct Sbo(Shared);

impl DynamicValue for Sbo {
    fn read(
        &self,
        _: &ValueRequest<'_>,
        _: &Data<'static>,
    ) -> Result<Data<'static>, DataAccessError> {
        let mut s = self.0.lock().unwrap();
        if s.armed || s.inhibited {
            return Err(DataAccessError::TemporarilyUnavailable);
        }
        s.armed = true;
        Ok(Data::Integer(CHECK_BACK))
    }

    fn write(&self, _: &ValueRequest<'_>, _: &Data<'_>) -> Result<(), DataAccessError> {
        Err(DataAccessError::ObjectAccessDenied)
    }
}

/// Device2_SBO: Device2 is a direct-operate device (object-attribute-inconsistent).
struct NotSbo;

impl DynamicValue for NotSbo {
    fn read(
        &self,
        _: &ValueRequest<'_>,
        _: &Data<'static>,
    ) -> Result<Data<'static>, DataAccessError> {
        Err(DataAccessError::ObjectAttributeInconsistent)
    }

    fn write(&self, _: &ValueRequest<'_>, _: &Data<'_>) -> Result<(), DataAccessError> {
        Err(DataAccessError::ObjectAccessDenied)
    }
}

/// Breaker1: operate needs the select; 0 and 1 only; the write disarms.
struct Operate(Shared);

impl DynamicValue for Operate {
    fn write(&self, _: &ValueRequest<'_>, value: &Data<'_>) -> Result<(), DataAccessError> {
        let mut s = self.0.lock().unwrap();
        if !s.armed {
            return Err(DataAccessError::TemporarilyUnavailable);
        }
        if !matches!(value, Data::Integer(0 | 1)) {
            return Err(DataAccessError::ObjectValueInvalid);
        }
        s.armed = false;
        Ok(())
    }
}

/// Breaker1_TAG: refused while armed; open-and-close inhibit blocks selects.
struct Tag(Shared);

impl DynamicValue for Tag {
    fn write(&self, _: &ValueRequest<'_>, value: &Data<'_>) -> Result<(), DataAccessError> {
        let mut s = self.0.lock().unwrap();
        if s.armed {
            return Err(DataAccessError::TemporarilyUnavailable);
        }
        let t = TagValue::from_data(value).map_err(|_| DataAccessError::ObjectValueInvalid)?;
        s.inhibited = t.flags.tag() == TagState::OpenAndCloseInhibit;
        Ok(())
    }
}

/// The handler around the model: association-specific IM_Transfer_Set, and a record of the
/// client's unconfirmed PDUs and writes.
struct Partner {
    model: Arc<Model>,
    state: Shared,
}

fn names_of(spec: &VariableAccessSpecification<'_>) -> Vec<String> {
    match spec {
        VariableAccessSpecification::ListOfVariable(v) => v
            .iter()
            .map(|d| {
                let base = match &d.variable_specification {
                    VariableSpecification::Name(n) => n.to_string(),
                    other => format!("{other:?}"),
                };
                match &d.alternate_access {
                    Some(aa) => format!(
                        "{base}.{}",
                        format!("{aa:?}").split('"').nth(1).unwrap_or("?")
                    ),
                    None => base,
                }
            })
            .collect(),
        VariableAccessSpecification::VariableListName(n) => vec![n.to_string()],
    }
}

impl Handler for Partner {
    fn services_supported(&self) -> ServicesSupported {
        self.model.services_supported()
    }

    fn confirmed(
        &self,
        ctx: &mut RequestContext<'_>,
        request: &ConfirmedServiceRequest<'_>,
    ) -> Reply {
        if let ConfirmedServiceRequest::Write(w) = request {
            let names = names_of(&w.variable_access_specification);
            self.state
                .lock()
                .unwrap()
                .writes
                .extend(names.iter().cloned());
            if names == ["@IM_Transfer_Set"] {
                let mut s = self.state.lock().unwrap();
                match w.list_of_data.first() {
                    Some(Data::Boolean(true)) => s.im_enabled.insert(ctx.association.id),
                    _ => s.im_enabled.remove(&ctx.association.id),
                };
                return Reply::Now(Ok(ConfirmedServiceResponse::Write(WriteResponse(vec![
                    WriteResult::Success,
                ]))));
            }
        }
        self.model.confirmed(ctx, request)
    }

    fn unconfirmed(&self, _: &AssociationInfo, service: &UnconfirmedService<'_>) {
        if let UnconfirmedService::InformationReport(r) = service {
            let values = r
                .list_of_access_result
                .iter()
                .filter_map(|a| a.data().map(|d| d.clone().into_owned()))
                .collect();
            self.state
                .lock()
                .unwrap()
                .unconfirmed
                .push((names_of(&r.variable_access_specification), values));
        }
    }

    fn closed(&self, info: &AssociationInfo) {
        self.model.closed(info);
    }
}

fn line1() -> ObjectName<'static> {
    dom("Line1_MW")
}

fn status1() -> ObjectName<'static> {
    dom("Breaker1_Status")
}

fn line1_value() -> Point {
    Point::RealQTimeTag(ValueQTimeTag {
        value: 1.5,
        time_stamp: TimeStamp(1_700_000_000),
        flags: DataFlags::GOOD,
    })
}

fn model(state: &Shared, version: Tase2Version) -> Model {
    let ts_type = |e| DsTransferSet::type_description(e);
    let ts_value = |e| DsTransferSet::new(ts_name("Unused")).to_data(e);
    Model::builder()
        .vmd(|v| {
            v.variable(
                "TASE2_Version",
                Tase2Version::type_description(),
                version.to_data(),
            )
            .variable(
                "Supported_Features",
                SupportedFeatures::type_description(),
                SupportedFeatures::from_blocks([1, 2, 4, 5]).to_data(),
            )
            .variable(
                "VccTotal",
                PointType::RealQ.type_description(),
                Point::RealQ(ValueQ {
                    value: 42.0,
                    flags: DataFlags::GOOD,
                })
                .to_data(),
            )
        })
        .domain(ICC, |d| {
            d.variable(
                "Bilateral_Table_ID",
                BilateralTableId::type_description(),
                BilateralTableId::new(BLT).unwrap().to_data(),
            )
            .variable(
                "Transfer_Set_Name",
                MmsObjectName::type_description(),
                ts_name("DSTransferSet01").to_data(),
            )
            .variable(
                "Transfer_Set_Time_Stamp",
                TimeStamp::type_description(),
                TimeStamp(0).to_data(),
            )
            .variable(
                "DSConditions_Detected",
                DsConditions::type_description(),
                DsConditions::NONE.to_data(),
            )
            .variable(
                "Next_DSTransfer_Set",
                MmsObjectName::type_description(),
                ts_name("DSTransferSet01").to_data(),
            )
            .dynamic("Next_DSTransfer_Set", Arc::new(NextTs(state.clone())))
            .writable(
                "DSTransferSet01",
                ts_type(Edition::V2000_08),
                ts_value(Edition::V2000_08),
            )
            // A server holding a 1996.08 set although it says 2000.08 (docs/tase2-client.md,
            // "Decisions": the client reads the set before writing it whole).
            .writable(
                "DSTransferSet02",
                ts_type(Edition::V1996_08),
                ts_value(Edition::V1996_08),
            )
            .writable(
                "DSTransferSet03",
                ts_type(Edition::V2000_08),
                ts_value(Edition::V2000_08),
            )
            .variable(
                "Line1_MW",
                PointType::RealQTimeTag.type_description(),
                line1_value().to_data(),
            )
            .variable(
                "Count1",
                PointType::DiscreteQ.type_description(),
                Point::DiscreteQ(ValueQ {
                    value: -5,
                    flags: DataFlags::GOOD,
                })
                .to_data(),
            )
            .writable(
                "Breaker1_Status",
                PointType::StateQ.type_description(),
                Point::StateQ(DataState::from_octet(0x80)).to_data(),
            )
            .writable("Breaker1", TypeDescription::Integer(16), Data::Integer(0))
            .dynamic("Breaker1", Arc::new(Operate(state.clone())))
            .variable(
                "Breaker1_SBO",
                TypeDescription::Integer(16),
                Data::Integer(CHECK_BACK),
            )
            .dynamic("Breaker1_SBO", Arc::new(Sbo(state.clone())))
            .writable(
                "Breaker1_TAG",
                TagValue::type_description(),
                TagValue::default().to_data(),
            )
            .dynamic("Breaker1_TAG", Arc::new(Tag(state.clone())))
            .writable("Device2", TypeDescription::Integer(16), Data::Integer(0))
            .variable(
                "Device2_SBO",
                TypeDescription::Integer(16),
                Data::Integer(0),
            )
            .dynamic("Device2_SBO", Arc::new(NotSbo))
            .writable(
                "Setpoint1",
                TypeDescription::FloatingPoint {
                    format_width: 32,
                    exponent_width: 8,
                },
                Data::from(0.0f32),
            )
        })
        .build()
        .expect("model")
}

struct Stand {
    server: RunningServer,
    state: Shared,
    model: Arc<Model>,
}

fn start() -> Stand {
    let state: Shared = Arc::default();
    let model = Arc::new(model(&state, Tase2Version::V2000_08));
    let partner = Arc::new(Partner {
        model: model.clone(),
        state: state.clone(),
    });
    let config = ServerConfig::default().with_listen(vec![SocketAddr::from(([127, 0, 0, 1], 0))]);
    let server = Server::bind(config, partner)
        .expect("bind")
        .spawn()
        .expect("spawn");
    Stand {
        server,
        state,
        model,
    }
}

fn config() -> Tase2Config {
    let mms = ClientConfig::default().with_request_timeout(Duration::from_secs(5));
    Tase2Config::new(ICC)
        .with_mms(mms)
        .with_point(line1(), PointType::RealQTimeTag)
}

fn connect(s: &Stand, config: Tase2Config) -> Client {
    Client::connect(s.server.local_addr(), config).expect("connect")
}

/// Waits for a condition on the partner's state.
fn wait_for<S, T>(s: &Mutex<S>, f: impl Fn(&S) -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(v) = f(&s.lock().unwrap()) {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn association(s: &Stand) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(a) = s.server.handle().associations().first() {
            return a.id;
        }
        assert!(Instant::now() < deadline, "no association");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn push(s: &Stand, spec: VariableAccessSpecification<'static>, values: Vec<Data<'static>>) {
    let id = association(s);
    let r = UnconfirmedService::InformationReport(InformationReport {
        variable_access_specification: spec,
        list_of_access_result: values.into_iter().map(AccessResult::Success).collect(),
    });
    assert_eq!(s.server.handle().send_unconfirmed(Some(id), &r), 1);
}

fn next_event(c: &Client) -> Event {
    c.next_event(Duration::from_secs(5)).expect("an event")
}

#[test]
fn association_check_and_typed_reads() {
    let s = start();
    let expect = Expectations::new()
        .version(Tase2Version::V2000_08)
        .blocks([1, 2, 5])
        .bilateral_table_id(BilateralTableId::new(BLT).unwrap());
    let cfg = config()
        .with_expect(expect)
        .with_calling("1.1.999.7", Some(33))
        .unwrap();
    let c = connect(&s, cfg);
    // The partner sees our AP-title and AE-qualifier (what it picks the bilateral table by).
    let calling = s.server.handle().associations()[0].calling.clone();
    assert_eq!(calling.ae_qualifier, Some(33));
    assert_eq!(
        calling.ap_title.map(|o| o.to_id_string()),
        Some("1.1.999.7".to_string())
    );
    // The MMS client's unconfirmed PDUs can feed one TASE.2 client only.
    assert!(matches!(
        Client::over(c.mms().clone(), &config()),
        Err(Tase2ClientError::UnconfirmedTaken)
    ));
    let p = c.params();
    assert_eq!(p.version, Tase2Version::V2000_08);
    assert_eq!(
        p.features.unwrap().blocks().collect::<Vec<_>>(),
        [1, 2, 4, 5]
    );
    assert_eq!(p.bilateral_table_id.as_str(), BLT);
    assert_eq!(p.domains, [ICC]);
    assert_eq!(c.edition(), Edition::V2000_08);
    // Points: listed, read typed, read with the point table, read in bulk.
    assert!(c.variables(ICC).unwrap().contains(&"Line1_MW".to_string()));
    assert!(c.vcc_variables().unwrap().contains(&"VccTotal".to_string()));
    assert_eq!(
        c.read_point(&line1(), PointType::RealQTimeTag).unwrap(),
        line1_value()
    );
    assert_eq!(c.read_point_auto(&line1()).unwrap(), line1_value());
    // Not in the table: the type description decides when it names one type (RealQTimeTag),
    // not when several share its shape (a bit-string(8) is Data_State, Data_StateQ or
    // Data_StateSupplemental).
    assert!(matches!(
        c.read_point_auto(&status1()),
        Err(Tase2ClientError::UnknownPointType(_))
    ));
    assert!(c.point_types(&status1()).unwrap().len() >= 3);
    assert_eq!(
        c.point_types(&dom("Count1")).unwrap(),
        [PointType::DiscreteQ]
    );
    assert_eq!(
        c.read_point_auto(&dom("Count1")).unwrap(),
        Point::DiscreteQ(ValueQ {
            value: -5,
            flags: DataFlags::GOOD
        })
    );
    // The wrong type for the value's shape is a typed error.
    assert!(matches!(
        c.read_point(&line1(), PointType::RealQ),
        Err(Tase2ClientError::Decode { .. })
    ));
    // A name the server does not have.
    assert!(matches!(
        c.read_point(&dom("Nothing"), PointType::Real),
        Err(Tase2ClientError::Access { .. })
    ));
    let many = c
        .read_points(&[
            (line1(), PointType::RealQTimeTag),
            (status1(), PointType::StateQ),
            (ObjectName::vmd("VccTotal"), PointType::RealQ),
            (line1(), PointType::DiscreteQ),
        ])
        .unwrap();
    assert_eq!(many[0], Ok(line1_value()));
    assert_eq!(many[1], Ok(Point::StateQ(DataState::from_octet(0x80))));
    assert!(many[2].is_ok());
    assert!(many[3].is_err());
    // Writing a point where the bilateral table allows it.
    let off = Point::StateQ(DataState::from_octet(0x40));
    c.write_point(&status1(), &off).unwrap();
    assert_eq!(c.read_point(&status1(), PointType::StateQ).unwrap(), off);
    c.conclude().unwrap();
}

#[test]
fn mismatch_is_a_typed_error_and_ends_the_association() {
    let s = start();
    let expect = Expectations::new()
        .version(Tase2Version::V1996_08)
        .blocks([1, 3])
        .bilateral_table_id(BilateralTableId::new("BLT_OTHER").unwrap());
    let e = Client::connect(s.server.local_addr(), config().with_expect(expect)).unwrap_err();
    let m = e.mismatches().expect("mismatches");
    assert_eq!(m.len(), 3);
    assert!(matches!(m[0], Mismatch::Version { found, .. } if found == Tase2Version::V2000_08));
    assert!(matches!(&m[1], Mismatch::MissingBlocks { missing, .. }
        if missing.blocks().collect::<Vec<_>>() == [3]));
    assert!(matches!(&m[2], Mismatch::BilateralTableId { found, .. } if found.as_str() == BLT));
    let Tase2ClientError::Mismatch { params, .. } = &e else {
        panic!()
    };
    assert_eq!(params.bilateral_table_id.as_str(), BLT);
    // The association was ended.
    let deadline = Instant::now() + Duration::from_secs(5);
    while s.server.handle().active() > 0 {
        assert!(Instant::now() < deadline, "association still up");
        std::thread::sleep(Duration::from_millis(10));
    }
    // An ICC without a Bilateral_Table_ID is not usable either.
    let e = Client::connect(s.server.local_addr(), Tase2Config::new("ICC9")).unwrap_err();
    assert!(matches!(
        e,
        Tase2ClientError::AssociationObject {
            object: "Bilateral_Table_ID",
            ..
        }
    ));
}

fn layout() -> DataSetLayout {
    DataSetLayout::standard(
        ICC,
        "DS1",
        false,
        [
            (line1(), PointType::RealQTimeTag),
            (status1(), PointType::StateQ),
        ],
    )
}

fn transfer_set(critical: bool) -> DsTransferSet {
    let mut t = DsTransferSet::new(MmsObjectName::icc(ICC, "DS1").unwrap());
    t.interval = 10;
    t.buffer_time = 1;
    t.integrity_check = 60;
    t.ds_conditions_requested = DsConditions::INTERVAL_TIMEOUT | DsConditions::OBJECT_CHANGE;
    t.rbe = true;
    t.critical = critical;
    t.all_changes_reported = true;
    t
}

#[test]
fn data_sets_and_transfer_sets_in_both_write_forms() {
    let s = start();
    let c = connect(&s, config());
    let ds = layout();
    c.define_data_set(&ds).unwrap();
    let attrs = c.data_set_attributes(&ds.name).unwrap();
    assert_eq!(attrs.members, ds.member_names());
    assert_eq!(attrs.members[0], dom("Transfer_Set_Name"));
    // Read after enabling (servers send no initial report): the points, typed.
    let values = c.read_data_set(&ds.name).unwrap();
    assert_eq!(values.len(), 2);
    assert_eq!(
        values[0].value.as_ref().unwrap().point(),
        Some(&line1_value())
    );

    // Auto: reserve DSTransferSet01 (2000.08 layout), whole write with Status TRUE.
    let ts1 = c.start_transfer_set(&transfer_set(true)).unwrap();
    assert_eq!(ts1, ts_name("DSTransferSet01"));
    let (read, ed) = c.read_transfer_set(&ts1).unwrap();
    assert_eq!(ed, Edition::V2000_08);
    assert!(read.status && read.critical && read.rbe && read.all_changes_reported);
    assert_eq!(read.data_set_name, MmsObjectName::icc(ICC, "DS1").unwrap());

    // Auto on DSTransferSet02, which the server keeps in the 1996.08 layout: the client reads
    // it first and writes 12 components.
    let ts2 = c.start_transfer_set(&transfer_set(false)).unwrap();
    assert_eq!(ts2, ts_name("DSTransferSet02"));
    let (read, ed) = c.read_transfer_set(&ts2).unwrap();
    assert_eq!(ed, Edition::V1996_08);
    assert!(read.status && read.interval == 10);
    c.disable_transfer_set(&ts2).unwrap();
    assert!(!c.read_transfer_set(&ts2).unwrap().0.status);
    c.enable_transfer_set(&ts2).unwrap();
    assert!(c.read_transfer_set(&ts2).unwrap().0.status);
    c.conclude().unwrap();

    // Components: a client configured for component writes on DSTransferSet03.
    let c = connect(&s, config().with_write_form(WriteForm::Components));
    let ts3 = c.next_transfer_set().unwrap();
    assert_eq!(ts3, ts_name("DSTransferSet03"));
    s.state.lock().unwrap().writes.clear();
    let mut t = transfer_set(false);
    t.status = true;
    c.configure_transfer_set(&ts3, &t).unwrap();
    let writes = s.state.lock().unwrap().writes.clone();
    assert_eq!(writes.len(), 13, "{writes:?}");
    assert_eq!(writes[0], "ICC1/DSTransferSet03.DataSetName");
    assert_eq!(writes[12], "ICC1/DSTransferSet03.Status");
    let (read, _) = c.read_transfer_set(&ts3).unwrap();
    assert!(read.status && read.interval == 10 && read.all_changes_reported);
    // No transfer set left.
    assert!(matches!(
        c.next_transfer_set(),
        Err(Tase2ClientError::NoFreeTransferSet)
    ));
    // Whole writes in the association's edition to the 1996.08 set are refused by the
    // server (what the Auto form avoids).
    let c2 = connect(&s, config().with_write_form(WriteForm::Whole));
    let e = c2
        .configure_transfer_set(&ts2, &transfer_set(false))
        .unwrap_err();
    assert!(e.access_error().is_some(), "{e:?}");
    c2.conclude().unwrap();

    c.delete_data_set(&ds.name).unwrap();
    assert!(c.data_set_attributes(&ds.name).is_err());
    c.conclude().unwrap();
}

fn report_values(ts: &str, cond: DsConditions, line: Point) -> Vec<Data<'static>> {
    vec![
        ts_name(ts).to_data(),
        TimeStamp(1_700_000_123).to_data(),
        cond.to_data(),
        line.to_data(),
        Point::StateQ(DataState::from_octet(0x40)).to_data(),
    ]
}

#[test]
fn reports_in_both_forms_acked_and_nacked() {
    let s = start();
    let c = connect(&s, config());
    c.define_data_set(&layout()).unwrap();
    let ts = c.start_transfer_set(&transfer_set(true)).unwrap();

    // Form A: the data set's name and one value per member.
    push(
        &s,
        VariableAccessSpecification::VariableListName(dom("DS1")),
        report_values(
            "DSTransferSet01",
            DsConditions::INTEGRITY_TIMEOUT,
            line1_value(),
        ),
    );
    let Event::Report(r) = next_event(&c) else {
        panic!("not a report")
    };
    assert_eq!(r.form, ReportForm::NamedList);
    assert_eq!(r.transfer_set, ts);
    assert_eq!(r.conditions, Some(DsConditions::INTEGRITY_TIMEOUT));
    assert_eq!(r.time_stamp, Some(TimeStamp(1_700_000_123)));
    let pts: Vec<_> = r.typed_points().map(|(n, p)| (n.clone(), *p)).collect();
    assert_eq!(pts[0], (line1(), line1_value()));
    assert_eq!(
        pts[1],
        (status1(), Point::StateQ(DataState::from_octet(0x40)))
    );
    // The critical report was acknowledged: the partner holds the ACK.
    let ack = wait_for(&s.state, |st| st.unconfirmed.first().cloned());
    assert_eq!(
        ack.0,
        ["ICC1/Transfer_Report_ACK", "ICC1/Transfer_Set_Time_Stamp"]
    );
    assert_eq!(
        ack.1,
        vec![ts.to_data(), TimeStamp(1_700_000_123).to_data()]
    );

    // Form B: RBE, named values, the specials in libtase2's order, a repeated point.
    let changed = Point::RealQTimeTag(ValueQTimeTag {
        value: 2.5,
        time_stamp: TimeStamp(1_700_000_124),
        flags: DataFlags::GOOD,
    });
    push(
        &s,
        VariableAccessSpecification::names([
            dom("Transfer_Set_Name"),
            dom("DSConditions_Detected"),
            dom("Event_Code_Detected"),
            dom("Transfer_Set_Time_Stamp"),
            line1(),
            line1(),
        ]),
        vec![
            ts.to_data(),
            DsConditions::OBJECT_CHANGE.to_data(),
            EventCode(5).to_data(),
            TimeStamp(1_700_000_124).to_data(),
            line1_value().to_data(),
            changed.to_data(),
        ],
    );
    let Event::Report(r) = next_event(&c) else {
        panic!("not a report")
    };
    assert_eq!(r.form, ReportForm::ListOfVariables);
    assert_eq!(r.event_code, Some(EventCode(5)));
    let values: Vec<Point> = r.typed_points().map(|(_, p)| *p).collect();
    assert_eq!(values, [line1_value(), changed]);
    wait_for(&s.state, |st| (st.unconfirmed.len() == 2).then_some(()));

    // A report of a transfer set the client never configured: NACKed, delivered as unknown.
    push(
        &s,
        VariableAccessSpecification::names([dom("Transfer_Set_Name"), line1()]),
        vec![
            ts_name("DSTransferSet09").to_data(),
            line1_value().to_data(),
        ],
    );
    let Event::Unknown(u) = next_event(&c) else {
        panic!("not unknown")
    };
    assert_eq!(u.transfer_set, Some(ts_name("DSTransferSet09")));
    let nack = wait_for(&s.state, |st| st.unconfirmed.get(2).cloned());
    assert_eq!(nack.0, ["ICC1/Transfer_Report_NACK"]);
    assert_eq!(nack.1, vec![ts_name("DSTransferSet09").to_data()]);

    // A malformed report (a value missing) is an event, never acknowledged.
    push(
        &s,
        VariableAccessSpecification::VariableListName(dom("DS1")),
        report_values(
            "DSTransferSet01",
            DsConditions::INTERVAL_TIMEOUT,
            line1_value(),
        )[..3]
            .to_vec(),
    );
    assert!(matches!(next_event(&c), Event::Malformed(_)));
    let st = c.stats();
    assert_eq!(
        (st.reports, st.acked, st.nacked, st.unknown, st.malformed),
        (2, 2, 1, 1, 1)
    );
    assert_eq!(s.state.lock().unwrap().unconfirmed.len(), 3);
    c.conclude().unwrap();
}

#[test]
fn manual_ack_queue_limit_and_callback() {
    let s = start();
    let c = connect(&s, config().with_ack(AckMode::Manual).with_queue_limit(2));
    c.define_data_set(&layout()).unwrap();
    c.start_transfer_set(&transfer_set(true)).unwrap();
    for cond in [
        DsConditions::INTERVAL_TIMEOUT,
        DsConditions::INTEGRITY_TIMEOUT,
        DsConditions::OBJECT_CHANGE,
    ] {
        push(
            &s,
            VariableAccessSpecification::VariableListName(dom("DS1")),
            report_values("DSTransferSet01", cond, line1_value()),
        );
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while c.stats().reports < 3 {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(10));
    }
    // The oldest was dropped and counted; nothing acknowledged.
    assert_eq!(c.stats().dropped, 1);
    let Some(Event::Report(r)) = c.try_event() else {
        panic!()
    };
    assert_eq!(r.conditions, Some(DsConditions::INTEGRITY_TIMEOUT));
    assert!(s.state.lock().unwrap().unconfirmed.is_empty());
    c.ack(&r).unwrap();
    let ack = wait_for(&s.state, |st| st.unconfirmed.first().cloned());
    assert_eq!(ack.0[0], "ICC1/Transfer_Report_ACK");
    assert!(matches!(c.try_event(), Some(Event::Report(_))));
    assert!(c.try_event().is_none());
    // A callback takes the events instead of the queue.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    c.set_callback(Some(Arc::new(move |e| sink.lock().unwrap().push(e))));
    push(
        &s,
        VariableAccessSpecification::VariableListName(dom("DS1")),
        report_values(
            "DSTransferSet01",
            DsConditions::OPERATOR_REQUEST,
            line1_value(),
        ),
    );
    wait_for(&seen, |v| (!v.is_empty()).then_some(()));
    assert!(c.try_event().is_none());
    c.conclude().unwrap();
}

#[test]
fn information_messages() {
    let s = start();
    let c = connect(&s, config());
    c.enable_info_messages(true).unwrap();
    let id = association(&s);
    assert!(s.state.lock().unwrap().im_enabled.contains(&id));
    let mut buf = b"Line 4 outage at 14:00".to_vec();
    let used = buf.len() as i32;
    buf.resize(64, 0);
    push(
        &s,
        VariableAccessSpecification::names([
            ObjectName::vmd("Info_Mess_Header"),
            ObjectName::vmd("Info_Buff_64"),
        ]),
        vec![
            InfoMessHeader {
                info_reference: 10,
                local_reference: 20,
                message_id: 7,
                size: used,
            }
            .to_data(),
            Data::OctetString(buf.into()),
        ],
    );
    let Event::InfoMessage(m) = next_event(&c) else {
        panic!("not a message")
    };
    assert_eq!(m.header.message_id, 7);
    assert_eq!(m.buffer_size, 64);
    assert_eq!(m.text(), "Line 4 outage at 14:00");
    c.enable_info_messages(false).unwrap();
    assert!(!s.state.lock().unwrap().im_enabled.contains(&id));
    c.conclude().unwrap();
    // Once the association has ended, the event iterator ends.
    assert_eq!(c.events().count(), 0);
}

#[test]
fn dropping_the_client_ends_the_association() {
    let s = start();
    let c = connect(&s, config());
    let clone = c.clone();
    drop(c);
    // A clone keeps it up.
    assert_eq!(clone.read_point_auto(&line1()).unwrap(), line1_value());
    drop(clone);
    let deadline = Instant::now() + Duration::from_secs(5);
    while s.server.handle().active() > 0 {
        assert!(Instant::now() < deadline, "association still up");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn device_control_and_typed_errors() {
    let s = start();
    let c = connect(&s, config());
    let breaker = dom("Breaker1");
    let failure = |e: Tase2ClientError| match e {
        Tase2ClientError::Control(c) => c.failure,
        other => panic!("{other:?}"),
    };
    // Operate without select: not armed.
    assert_eq!(
        failure(
            c.operate(&breaker, mms::tase2::client::Command::CLOSE)
                .unwrap_err()
        ),
        ControlFailure::Busy
    );
    // Select returns the CheckBackName; a second select finds the device armed.
    assert_eq!(c.select(&breaker).unwrap().0, CHECK_BACK as i16);
    assert_eq!(
        failure(c.select(&breaker).unwrap_err()),
        ControlFailure::Busy
    );
    // Tag while armed: refused.
    let tag = TagValue::new(
        TagFlags::new(TagState::OpenAndCloseInhibit, false),
        "crew on site",
    )
    .unwrap();
    assert_eq!(
        failure(c.set_tag(&breaker, &tag).unwrap_err()),
        ControlFailure::Busy
    );
    // A command value other than 0/1 is invalid; then operate.
    assert!(c
        .set_point_discrete(&breaker, 5)
        .is_err_and(|e| failure(e) == ControlFailure::InvalidValue));
    c.operate(&breaker, mms::tase2::client::Command::CLOSE)
        .unwrap();
    // Tag open-and-close inhibit, read it back, and selects are refused.
    c.set_tag(&breaker, &tag).unwrap();
    assert_eq!(c.get_tag(&breaker).unwrap(), tag);
    assert_eq!(
        failure(c.select(&breaker).unwrap_err()),
        ControlFailure::Busy
    );
    c.set_tag(&breaker, &TagValue::default()).unwrap();
    let e = c
        .select_expect(&breaker, mms::tase2::client::CheckBackName(1))
        .unwrap_err();
    assert!(matches!(
        e,
        Tase2ClientError::CheckBackMismatch { found: 77, .. }
    ));
    // Device2 is not a select-before-operate device; it is operated directly.
    assert_eq!(
        failure(c.select(&dom("Device2")).unwrap_err()),
        ControlFailure::NotSelectBeforeOperate
    );
    c.operate(&dom("Device2"), mms::tase2::client::Command::On)
        .unwrap();
    // Set-points, and a device the server does not have.
    c.set_point_real(&dom("Setpoint1"), 12.5).unwrap();
    assert_eq!(s.model.get(ICC, "Setpoint1").unwrap().as_f32(), Some(12.5));
    let e = c.select(&dom("Ghost")).unwrap_err();
    assert!(matches!(
        failure(e),
        ControlFailure::NonExistent | ControlFailure::AccessDenied
    ));
    c.conclude().unwrap();
}

mod dual {
    //! A partner that is client and server on one association: it answers our requests from
    //! its model and reads our VCC with a confirmed Read of its own (a raw endpoint, since
    //! the server runtime does not send requests).

    use super::*;
    use mms::endpoint::{Endpoint, EndpointConfig, MmsEvent};
    use mms::initiate::ParameterCbb;
    use mms::server::handler::{ResponseSink, ServiceResult};
    use mms::services::variables::ReadRequest;
    use std::io::{ErrorKind, Read, Write};
    use std::net::TcpListener;
    use std::thread::JoinHandle;

    struct NoSink;

    enum Ev {
        Init(mms::InitiateRequest),
        Answer(u32, ServiceResult),
        Got(Option<Data<'static>>),
        End,
        Other,
    }

    impl ResponseSink for NoSink {
        fn complete(&self, _: u64, _: u32, _: ServiceResult) {}
    }

    /// Serves one association; returns what its own Read of our TASE2_Version gave.
    pub fn serve(
        listener: TcpListener,
        model: Arc<Model>,
        done: Arc<AtomicBool>,
    ) -> JoinHandle<Option<Data<'static>>> {
        std::thread::spawn(move || {
            let (mut tcp, _) = listener.accept().expect("accept");
            tcp.set_read_timeout(Some(Duration::from_millis(5)))
                .expect("timeout");
            let mut ep = Endpoint::accept(EndpointConfig::default(), None);
            let mut info: Option<AssociationInfo> = None;
            let mut asked = false;
            let mut got = None;
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline && !done.load(Ordering::SeqCst) {
                let out = ep.transmit().to_vec();
                if !out.is_empty() {
                    tcp.write_all(&out).expect("write");
                    ep.advance_transmit(out.len());
                }
                match tcp.read(ep.recv_buffer()) {
                    Ok(0) => break,
                    Ok(n) => ep.recv_commit(n),
                    Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                    Err(_) => break,
                }
                loop {
                    // Owned first: the event borrows the endpoint.
                    let ev = match ep.poll_event() {
                        Ok(Some(MmsEvent::InitiateIndication { request, .. })) => Ev::Init(request),
                        Ok(Some(MmsEvent::Request { pdu, .. })) => match info.as_ref() {
                            Some(i) => {
                                let mut ctx =
                                    RequestContext::new(i, pdu.invoke_id, Arc::new(NoSink));
                                let reply = model.confirmed(&mut ctx, &pdu.service);
                                drop(ctx.into_responder());
                                match reply {
                                    Reply::Now(r) => Ev::Answer(pdu.invoke_id, r),
                                    _ => Ev::Other,
                                }
                            }
                            None => Ev::Other,
                        },
                        Ok(Some(MmsEvent::Response { pdu, .. })) => match pdu.service {
                            ConfirmedServiceResponse::Read(r) => Ev::Got(
                                r.list_of_access_result
                                    .first()
                                    .and_then(|a| a.data())
                                    .map(|d| d.clone().into_owned()),
                            ),
                            _ => Ev::Other,
                        },
                        Ok(Some(MmsEvent::Closed(_))) => Ev::End,
                        Ok(Some(_)) => Ev::Other,
                        _ => break,
                    };
                    match ev {
                        Ev::Init(req) => {
                            let n = ep
                                .accept_initiate(
                                    &req,
                                    model.services_supported(),
                                    ParameterCbb::libiec61850_like(),
                                )
                                .expect("accept");
                            info = Some(AssociationInfo::new(1, n));
                        }
                        Ev::Answer(id, r) => {
                            match r {
                                Ok(r) => ep.send_response(id, &r).expect("respond"),
                                Err(e) => ep.send_error(id, &e).expect("error"),
                            }
                            // Once the client is busy with us, we read its VCC.
                            if !asked {
                                asked = true;
                                ep.send_request(&ConfirmedServiceRequest::Read(
                                    ReadRequest::names([ObjectName::vmd("TASE2_Version")]),
                                ))
                                .expect("read request");
                            }
                        }
                        Ev::Got(d) => got = d,
                        Ev::End => return got,
                        Ev::Other => {}
                    }
                }
            }
            got
        })
    }
}

#[test]
fn both_roles_on_one_association() {
    // The partner's VCC is 2000.08; ours (served by the handler on our client) is 1996.08.
    let state: Shared = Arc::default();
    let theirs = Arc::new(model(&state, Tase2Version::V2000_08));
    let ours: Arc<Model> = Arc::new(model(&Arc::default(), Tase2Version::V1996_08));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let done = Arc::new(AtomicBool::new(false));
    let partner = dual::serve(listener, theirs, done.clone());
    let c = Client::connect_with(addr, config(), Some(ours as Arc<dyn Handler>)).expect("connect");
    assert_eq!(c.params().version, Tase2Version::V2000_08);
    // Keep talking while the partner reads us.
    for _ in 0..20 {
        assert_eq!(c.read_point_auto(&line1()).unwrap(), line1_value());
    }
    c.conclude().unwrap();
    done.store(true, Ordering::SeqCst);
    let got = partner.join().expect("partner");
    assert_eq!(
        got.map(|d| Tase2Version::from_data(&d)),
        Some(Ok(Tase2Version::V1996_08))
    );
}

/// Secure ICCP's transport part: the TASE.2 client over TLS (IEC 62351-3), configured
/// through the MMS `ClientConfig` like any MMS client.
#[cfg(feature = "security")]
#[test]
fn over_tls() {
    use cot::pki::{KeyKind, LeafSpec, Pki};
    use mms::security::TlsConfig;

    let ca = Pki::new_root("tase2 test TLS CA", KeyKind::EcP256).unwrap();
    let tls = |name: &str| {
        let t = ca
            .issue(&LeafSpec::new(name).with_key(KeyKind::EcP256))
            .unwrap();
        TlsConfig::new()
            .with_identity(
                std::iter::once(t.certificate).chain(t.chain).collect(),
                t.key,
            )
            .with_trust_anchor(ca.ca().certificate.clone())
    };
    let state: Shared = Arc::default();
    let partner = Arc::new(Partner {
        model: Arc::new(model(&state, Tase2Version::V2000_08)),
        state,
    });
    let server_config = ServerConfig::default()
        .with_listen(vec![SocketAddr::from(([127, 0, 0, 1], 0))])
        .with_tls(&tls("server"))
        .unwrap();
    let server = Server::bind(server_config, partner)
        .unwrap()
        .spawn()
        .unwrap();
    let mms = ClientConfig::default()
        .with_tls(&tls("client"), Some("localhost"))
        .unwrap();
    let c = Client::connect(server.local_addr(), config().with_mms(mms)).unwrap();
    assert!(c.mms().tls_info().is_some());
    assert_eq!(c.params().bilateral_table_id.as_str(), BLT);
    assert_eq!(c.read_point_auto(&line1()).unwrap(), line1_value());
    c.conclude().unwrap();
}
