//! `mms tase2`: ICCP / TASE.2 (IEC 60870-6-503 services over MMS, IEC 60870-6-802 objects)
//! from the command line: `server` serves a JSON configuration (docs/tase2.md,
//! "Configuration"), `client` runs one association and one operation (association check,
//! points, reads, a watched transfer set, device control, information messages), and `demo`
//! runs both in one process over Secure ICCP (TLS and the IEC 62351-4 A-security-profile).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use acse::address::Address;
use mms::client::{Client as MmsClient, ClientConfig};
use mms::server::model::format::value_to_json;
use mms::server::{Server, ServerConfig};
use mms::tase2::client::{
    CheckBackName, Client, Command, DataSetLayout, DataSetMember, DsReport, Event, InfoMessage,
    MemberKind, ReportForm, ReportedValue, Tase2ClientError, Tase2Config,
};
use mms::tase2::flags::{State, TagState};
use mms::tase2::point::{StateExtended, StateQTimeTag, ValueExtended, ValueQ, ValueQTimeTag};
use mms::tase2::server::{
    BilateralTableConfig, Config, DataSetConfig, DeviceConfig, DeviceKind, DeviceRightConfig,
    EventQueue, IccConfig, InfoMessageRightConfig, MessageScopeConfig, PointConfig, SecurityConfig,
    ServerEvent, Tase2Server, TransportConfig, VccConfig,
};
use mms::tase2::{
    DataFlags, DataState, DsConditions, DsTransferSet, MmsObjectName, Point, PointType, TagFlags,
    TagValue, TimeStamp,
};
use mms::ObjectName;
use serde_json::{json, Value};

use crate::addressing::AddressArgs;
use crate::auth_args::AuthArgs;
use crate::tls_args::TlsArgs;

/// Options of `mms tase2`.
#[derive(Debug, Clone, clap::Args)]
pub struct Tase2Args {
    /// What to run.
    #[command(subcommand)]
    pub cmd: Tase2Cmd,
}

/// The commands of `mms tase2`.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Tase2Cmd {
    /// Serve a TASE.2 configuration (JSON, docs/tase2.md) until stopped.
    Server(Box<ServerArgs>),
    /// One association to a TASE.2 server and one operation.
    Client(Box<ClientArgs>),
    /// A TASE.2 server and client in one process over Secure ICCP (TLS + A-profile).
    Demo,
}

/// Options of `mms tase2 server`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServerArgs {
    /// The configuration file (JSON; `mms/tase2/demo.json` is an example).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Where to listen (default 0.0.0.0:3782 with TLS, 0.0.0.0:102 without).
    #[arg(long)]
    pub listen: Vec<SocketAddr>,
    /// Change every indication point every N seconds (a simulation, for trying reports).
    #[arg(long, value_name = "N")]
    pub simulate: Option<u64>,
    /// Our selectors and AE-title.
    #[command(flatten)]
    pub address: AddressArgs,
    /// IEC 62351-4 A-security-profile (ACSE certificate authentication).
    #[command(flatten)]
    pub auth: AuthArgs,
    /// T-profile (TLS, IEC 62351-3).
    #[command(flatten)]
    pub tls: TlsArgs,
}

/// Options of `mms tase2 client`.
#[derive(Debug, Clone, clap::Args)]
pub struct ClientArgs {
    /// The server, HOST[:PORT] (default port 3782 with TLS, 102 without).
    #[arg(long)]
    pub connect: String,
    /// The ICC (domain) the bilateral table gives us; default: the first domain listed.
    #[arg(long, value_name = "NAME")]
    pub icc: Option<String>,
    /// Print JSON (one object; `watch` and `messages` print one object per line).
    #[arg(long)]
    pub json: bool,
    /// Seconds allowed for each request.
    #[arg(long, default_value_t = 10)]
    pub timeout: u64,
    /// Our (calling) selectors and AE-title: the server picks our bilateral table by them.
    #[command(flatten)]
    pub local: AddressArgs,
    /// Called transport selector, hex.
    #[arg(long, value_name = "HEX")]
    pub called_tsel: Option<String>,
    /// Called session selector, hex.
    #[arg(long, value_name = "HEX")]
    pub called_ssel: Option<String>,
    /// Called presentation selector, hex.
    #[arg(long, value_name = "HEX")]
    pub called_psel: Option<String>,
    /// Called AP-title, dotted OID.
    #[arg(long, value_name = "OID")]
    pub called_ap_title: Option<String>,
    /// Called AE-qualifier.
    #[arg(long, value_name = "N")]
    pub called_ae_qualifier: Option<i64>,
    /// IEC 62351-4 A-security-profile (ACSE certificate authentication).
    #[command(flatten)]
    pub auth: AuthArgs,
    /// T-profile (TLS) options.
    #[command(flatten)]
    pub tls: TlsArgs,
    /// What to do.
    #[command(subcommand)]
    pub op: Op,
}

/// The operations of `mms tase2 client`. Names are `ICC/ITEM`, `/ITEM` for the VCC, or
/// `ITEM` in our ICC.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Op {
    /// TASE2_Version, Supported_Features, Bilateral_Table_ID and the domains.
    Info,
    /// The indication points and devices of ICC (type from the type descriptions).
    Points {
        /// The ICC (domain).
        icc: String,
    },
    /// Read points, typed.
    Read {
        /// Point names.
        #[arg(required = true)]
        names: Vec<String>,
        /// The point type (`Data_StateQ`, ...) when the type description cannot tell.
        #[arg(long = "type", value_name = "TYPE")]
        point_type: Option<String>,
    },
    /// Define (or use) a data set, start a DS transfer set on it, and print its reports.
    Watch {
        /// The ICC.
        icc: String,
        /// The data set: defined with `--points`, else one the server holds.
        #[arg(long, value_name = "NAME")]
        data_set: String,
        /// Points to define the data set with: NAME or NAME:TYPE, comma separated.
        #[arg(long, value_delimiter = ',', value_name = "A,B,...")]
        points: Vec<String>,
        /// Interval reports every N seconds (0: none).
        #[arg(long, default_value_t = 0, value_name = "N")]
        interval: i32,
        /// Integrity reports every N seconds (0: none).
        #[arg(long, default_value_t = 0, value_name = "N")]
        integrity: i32,
        /// Report by exception: changes as they happen.
        #[arg(long)]
        rbe: bool,
        /// Seconds to collect changes before an RBE report.
        #[arg(long, default_value_t = 0, value_name = "N")]
        buffer_time: i32,
        /// Critical reports: each is acknowledged (Transfer_Report_ACK).
        #[arg(long)]
        critical: bool,
        /// Stop after N reports (default: run until interrupted).
        #[arg(long, value_name = "N")]
        count: Option<u64>,
    },
    /// Select a select-before-operate device (Read of DEVICE_SBO); prints the check-back name.
    Select {
        /// The device.
        device: String,
    },
    /// Operate a command device: on (close) or off (open).
    Operate {
        /// The device.
        device: String,
        /// `on` or `off`.
        command: String,
        /// Select it first on the same association (select-before-operate devices).
        #[arg(long)]
        select: bool,
    },
    /// Write a set-point (real, or integer with --discrete).
    Setpoint {
        /// The device.
        device: String,
        /// The value.
        value: String,
        /// A discrete (integer) set-point.
        #[arg(long)]
        discrete: bool,
        /// Select it first on the same association.
        #[arg(long)]
        select: bool,
    },
    /// Read a device's tag, or set it with --set.
    Tag {
        /// The device.
        device: String,
        /// `none`, `open-and-close` or `close-only`.
        #[arg(long, value_name = "TAG")]
        set: Option<String>,
        /// The reason written with --set.
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Enable information messages and print them.
    Messages {
        /// Stop after N messages (default: run until interrupted).
        #[arg(long, value_name = "N")]
        count: Option<u64>,
    },
}

/// `mms tase2`.
pub fn run(args: &Tase2Args) -> Result<(), String> {
    match &args.cmd {
        Tase2Cmd::Server(a) => server(a),
        Tase2Cmd::Client(a) => client(a),
        Tase2Cmd::Demo => demo(),
    }
}

// ------------------------------------------------------------------------------------------
// Server

fn server(args: &ServerArgs) -> Result<(), String> {
    let config = Config::from_file(&args.config)
        .map_err(|e| format!("configuration {}: {e}", args.config.display()))?;
    let tase2 = Tase2Server::new(&config).map_err(|e| format!("configuration: {e}"))?;
    let listen = if args.listen.is_empty() {
        vec![SocketAddr::from(([0, 0, 0, 0], args.tls.default_port()?))]
    } else {
        args.listen.clone()
    };
    let events = Arc::new(cot::security_event::SecurityEvents::new());
    let tls = args.tls.server(&events)?;
    let (listen, tls_listen) = if tls.is_some() {
        (Vec::new(), listen)
    } else {
        (listen, Vec::new())
    };
    let mut sc = ServerConfig::default()
        .with_listen(listen)
        .with_tls_listen(tls_listen)
        .with_tls_server(tls)
        .with_events(events);
    sc.endpoint.association.local = args.address.apply(Address::default_remote())?;
    sc.security = args.auth.factory(sc.events.clone())?;
    let server = Server::bind(sc, tase2.handler())
        .map_err(|e| format!("cannot listen on {:?}: {e}", args.listen))?;
    let handle = server.handle();
    let _reporter = tase2
        .attach(handle.clone())
        .map_err(|e| format!("reporting thread: {e}"))?;
    for a in handle.local_addrs() {
        outln!("listening on {a}");
    }
    // On stderr: stdout has the addresses alone, for scripts that read the first line.
    eprintln!(
        "TASE.2 {:?}: {} points, {} bilateral tables",
        tase2.edition(),
        tase2.points().len(),
        config.bilateral_tables.len()
    );
    if let Some(period) = args.simulate.filter(|p| *p > 0) {
        let t = tase2.clone();
        std::thread::Builder::new()
            .name("tase2-simulation".into())
            .spawn(move || loop {
                std::thread::sleep(Duration::from_secs(period));
                simulate(&t);
            })
            .map_err(|e| format!("simulation thread: {e}"))?;
    }
    server.run().map_err(|e| e.to_string())
}

fn now() -> TimeStamp {
    TimeStamp::from_system_time(SystemTime::now()).unwrap_or(TimeStamp(0))
}

fn toggle(s: DataState) -> DataState {
    s.with_state(if s.state() == State::On {
        State::Off
    } else {
        State::On
    })
}

/// The next simulated value of a point: reals up by 0.5, discretes up by 1, states toggled,
/// time stamps now; types not listed stay as they are.
fn next_value(p: &Point, t: TimeStamp) -> Point {
    match p {
        Point::Real(v) => Point::Real(v + 0.5),
        Point::RealQ(v) => Point::RealQ(ValueQ {
            value: v.value + 0.5,
            flags: v.flags,
        }),
        Point::RealQTimeTag(v) => Point::RealQTimeTag(ValueQTimeTag {
            value: v.value + 0.5,
            time_stamp: t,
            flags: v.flags,
        }),
        Point::RealExtended(v) => Point::RealExtended(ValueExtended {
            value: v.value + 0.5,
            time_stamp: t,
            flags: v.flags,
            cov: mms::tase2::CovCounter(v.cov.0.wrapping_add(1)),
        }),
        Point::Discrete(v) => Point::Discrete(v.wrapping_add(1)),
        Point::DiscreteQ(v) => Point::DiscreteQ(ValueQ {
            value: v.value.wrapping_add(1),
            flags: v.flags,
        }),
        Point::DiscreteQTimeTag(v) => Point::DiscreteQTimeTag(ValueQTimeTag {
            value: v.value.wrapping_add(1),
            time_stamp: t,
            flags: v.flags,
        }),
        Point::DiscreteExtended(v) => Point::DiscreteExtended(ValueExtended {
            value: v.value.wrapping_add(1),
            time_stamp: t,
            flags: v.flags,
            cov: mms::tase2::CovCounter(v.cov.0.wrapping_add(1)),
        }),
        Point::State(s) => Point::State(toggle(*s)),
        Point::StateQ(s) => Point::StateQ(toggle(*s)),
        Point::StateQTimeTag(s) => Point::StateQTimeTag(StateQTimeTag {
            time_stamp: t,
            state: toggle(s.state),
        }),
        Point::StateExtended(s) => Point::StateExtended(StateExtended {
            time_stamp: t,
            state: toggle(s.state),
            cov: mms::tase2::CovCounter(s.cov.0.wrapping_add(1)),
        }),
        other => *other,
    }
}

fn simulate(t: &Tase2Server) {
    let ts = now();
    for p in t.points() {
        if let Some(v) = p.get() {
            if let Err(e) = p.set(&next_value(&v, ts)) {
                log::warn!("simulation of {}: {e}", p.name());
            }
        }
    }
}

// ------------------------------------------------------------------------------------------
// Client

fn called(args: &ClientArgs) -> Result<Address, String> {
    AddressArgs {
        tsel: args.called_tsel.clone(),
        ssel: args.called_ssel.clone(),
        psel: args.called_psel.clone(),
        ap_title: args.called_ap_title.clone(),
        ae_qualifier: args.called_ae_qualifier,
    }
    .apply(Address::default_remote())
}

/// Associates as the flags say, picks the ICC and runs the TASE.2 association check.
fn connect(args: &ClientArgs) -> Result<Client, String> {
    let mut config = ClientConfig::default();
    config.endpoint.association.local = args.local.apply(Address::default_local())?;
    config.endpoint.association.remote = called(args)?;
    config.request_timeout = Duration::from_secs(args.timeout);
    config.security = args.auth.factory(config.events.clone())?;
    config.tls = args.tls.client(&config.events)?;
    let target = crate::tls_args::with_default_port(&args.connect, args.tls.default_port()?);
    if config.tls.is_some() {
        let host = target.rsplit_once(':').map_or(target.as_str(), |(h, _)| h);
        config.tls_server_name = Some(host.trim_matches(['[', ']']).to_string());
    }
    let mms = MmsClient::connect(target.as_str(), config.clone()).map_err(|e| {
        format!(
            "cannot associate with {target}: {}",
            crate::client_cmd::describe(&e)
        )
    })?;
    let icc = match &args.icc {
        Some(i) => i.clone(),
        None => match mms.domains() {
            Ok(d) if !d.is_empty() => d[0].clone(),
            Ok(_) => {
                let _ = mms.conclude();
                return Err(format!(
                    "{target} lists no ICC (domain): is it a TASE.2 server, and does a \
                     bilateral table name our AE-title?"
                ));
            }
            Err(e) => {
                let _ = mms.conclude();
                return Err(format!("GetNameList of the domains: {e}"));
            }
        },
    };
    let t = Tase2Config::new(&icc).with_mms(config);
    match Client::over(mms.clone(), &t) {
        Ok(c) => Ok(c),
        Err(e) => {
            if mms.conclude().is_err() {
                mms.abort();
            }
            Err(format!("TASE.2 association check with {target}: {e}"))
        }
    }
}

/// `ICC/ITEM`, `/ITEM` (VCC) or `ITEM` (in `icc`).
fn object(s: &str, icc: &str) -> ObjectName<'static> {
    match s.split_once('/') {
        Some(("", item)) => ObjectName::vmd(item.to_string()),
        Some((d, item)) => ObjectName::domain(d.to_string(), item.to_string()),
        None => ObjectName::domain(icc.to_string(), s.to_string()),
    }
}

fn point_type(name: &str) -> Result<PointType, String> {
    PointType::from_name(name).ok_or_else(|| {
        let all: Vec<&str> = PointType::ALL.iter().map(|t| t.name()).collect();
        format!("unknown point type '{name}'; one of {}", all.join(", "))
    })
}

/// A point as JSON: its type and its value in the model-file form (component names).
fn point_json(p: &Point) -> Value {
    let ty = p.point_type();
    json!({"type": ty.name(), "value": value_to_json(&ty.type_description(), &p.to_data())})
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn emit(json_out: bool, v: &Value) {
    if json_out {
        outln!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
    } else if let Value::Object(m) = v {
        for (k, v) in m {
            match v {
                Value::Array(items) => {
                    outln!("{k}:");
                    for i in items {
                        outln!("  {}", text(i));
                    }
                }
                Value::Object(inner) => {
                    outln!("{k}:");
                    for (ik, iv) in inner {
                        outln!("  {ik}: {}", text(iv));
                    }
                }
                other => outln!("{k}: {}", text(other)),
            }
        }
    } else {
        outln!("{}", text(v));
    }
}

/// One line per streamed item: JSON, or the text given.
fn line(json_out: bool, v: &Value, plain: String) {
    if json_out {
        outln!("{}", serde_json::to_string(v).unwrap_or_default());
    } else {
        outln!("{plain}");
    }
}

fn e(err: Tase2ClientError) -> String {
    err.to_string()
}

fn client(args: &ClientArgs) -> Result<(), String> {
    let c = connect(args)?;
    let result = operate(&c, args);
    if c.conclude().is_err() {
        c.mms().abort();
    }
    result
}

fn info_json(c: &Client) -> Value {
    let p = c.params();
    json!({
        "icc": p.icc,
        "version": format!("{}.{}", p.version.major, p.version.minor),
        "edition": format!("{:?}", p.edition()),
        "blocks": p.features.map(|f| f.blocks().collect::<Vec<u8>>()),
        "features_error": p.features_error,
        "bilateral_table_id": p.bilateral_table_id.as_str(),
        "domains": p.domains,
    })
}

/// Names of the TASE.2 objects that are not points or devices.
fn is_tase2_object(name: &str) -> bool {
    use mms::tase2::names as n;
    [
        n::BILATERAL_TABLE_ID,
        n::NEXT_DS_TRANSFER_SET,
        n::TRANSFER_SET_NAME,
        n::TRANSFER_SET_TIME_STAMP,
        n::DS_CONDITIONS_DETECTED,
        n::EVENT_CODE_DETECTED,
        n::TRANSFER_REPORT_ACK,
        n::TRANSFER_REPORT_NACK,
        n::TASE2_VERSION,
        n::SUPPORTED_FEATURES,
    ]
    .contains(&name)
        || name.starts_with("DSTransferSet")
        || name.ends_with(n::SBO_SUFFIX)
        || name.ends_with(n::TAG_SUFFIX)
}

fn points_json(c: &Client, icc: &str) -> Result<Value, String> {
    let (vars, scope_vcc) = if icc == "/" || icc.is_empty() {
        (c.vcc_variables().map_err(e)?, true)
    } else {
        (c.variables(icc).map_err(e)?, false)
    };
    let mut points = Vec::new();
    let mut devices = Vec::new();
    for v in vars.iter().filter(|v| !is_tase2_object(v)) {
        let name = if scope_vcc {
            ObjectName::vmd(v.clone())
        } else {
            ObjectName::domain(icc.to_string(), v.clone())
        };
        let sbo = vars.iter().any(|x| *x == format!("{v}_SBO"));
        let tag = vars.iter().any(|x| *x == format!("{v}_TAG"));
        let desc = c.mms().get_variable_access_attributes(&name).ok();
        let is_device = sbo || tag || matches!(desc, Some(mms::TypeDescription::Integer(16)));
        if is_device {
            devices.push(json!({"name": v, "sbo": sbo, "tag": tag}));
            continue;
        }
        let types: Vec<&str> = desc
            .as_ref()
            .map(|d| {
                mms::tase2::client::point_types_for(d)
                    .iter()
                    .map(|t| t.name())
                    .collect()
            })
            .unwrap_or_default();
        points.push(json!({"name": v, "types": types}));
    }
    Ok(json!({"icc": icc, "points": points, "devices": devices}))
}

fn resolve_type(c: &Client, name: &ObjectName<'_>) -> Result<PointType, String> {
    match c.point_types(name).map_err(e)?.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!(
            "{name}: its type description fits no TASE.2 point type"
        )),
        many => Err(format!(
            "{name}: its type description fits {}; give the type (--type, or NAME:TYPE)",
            many.iter().map(|t| t.name()).collect::<Vec<_>>().join(", ")
        )),
    }
}

fn report_json(r: &DsReport) -> Value {
    let points: Vec<Value> = r
        .points
        .iter()
        .map(|p| {
            let value = match &p.value {
                Ok(ReportedValue::Point(v)) => point_json(v),
                Ok(ReportedValue::Tag(t)) => json!({"tag": format!("{:?}", t.flags.tag()),
                    "armed": t.flags.armed(), "reason": t.reason}),
                Ok(ReportedValue::Data(d)) => json!({"data": crate::client_cmd::value_json(d)}),
                Ok(other) => json!({"data": format!("{other:?}")}),
                Err(err) => json!({"error": err.to_string()}),
            };
            json!({"name": p.name.to_string(), "value": value})
        })
        .collect();
    json!({
        "report": r.transfer_set.name,
        "data_set": r.data_set.as_ref().map(|d| d.to_string()),
        "form": match r.form { ReportForm::NamedList => "data-set", _ => "list-of-variables" },
        "time_stamp": r.time_stamp.map(|t| t.0),
        "conditions": r.conditions.map(conditions_text),
        "event_code": r.event_code.map(|c| c.0),
        "critical": r.critical,
        "points": points,
    })
}

fn conditions_text(c: DsConditions) -> Vec<&'static str> {
    [
        (DsConditions::INTERVAL_TIMEOUT, "interval"),
        (DsConditions::INTEGRITY_TIMEOUT, "integrity"),
        (DsConditions::OBJECT_CHANGE, "object-change"),
        (DsConditions::OPERATOR_REQUEST, "operator-request"),
        (DsConditions::OTHER_EXTERNAL_EVENT, "other-external-event"),
    ]
    .into_iter()
    .filter(|(bit, _)| c.contains(*bit))
    .map(|(_, n)| n)
    .collect()
}

fn report_text(r: &DsReport) -> String {
    let mut s = format!(
        "report {} ({}) conditions {} time {}{}",
        r.transfer_set.name,
        match r.form {
            ReportForm::NamedList => "data set",
            _ => "changes",
        },
        r.conditions
            .map(|c| conditions_text(c).join("+"))
            .unwrap_or_else(|| "?".into()),
        r.time_stamp.map(|t| t.0.to_string()).unwrap_or_default(),
        if r.critical { ", critical: ACKed" } else { "" }
    );
    if let Some(code) = r.event_code.filter(|c| c.0 != 0) {
        s.push_str(&format!(", event code {}", code.0));
    }
    for p in &r.points {
        let v = match &p.value {
            Ok(ReportedValue::Point(v)) => text(&point_json(v)["value"]),
            Ok(ReportedValue::Data(d)) => text(&crate::client_cmd::value_json(d)),
            Ok(ReportedValue::Tag(t)) => text(&tag_json(t)),
            Ok(other) => format!("{other:?}"),
            Err(err) => format!("error: {err}"),
        };
        s.push_str(&format!("\n  {} = {v}", p.name));
    }
    s
}

fn message_json(m: &InfoMessage) -> Value {
    json!({
        "message": m.header.message_id,
        "info_reference": m.header.info_reference,
        "local_reference": m.header.local_reference,
        "scope": format!("{:?}", m.scope),
        "icc": m.icc,
        "text": m.text(),
        "octets": m.data.len(),
    })
}

fn message_text(m: &InfoMessage) -> String {
    format!(
        "message {} (InfoReference {}, LocalReference {}, {:?}{}): {}",
        m.header.message_id,
        m.header.info_reference,
        m.header.local_reference,
        m.scope,
        m.icc.as_ref().map(|i| format!(" {i}")).unwrap_or_default(),
        m.text()
    )
}

/// Parses `on` / `off`.
fn command(s: &str) -> Result<Command, String> {
    match s.to_ascii_lowercase().as_str() {
        "on" | "close" | "1" => Ok(Command::On),
        "off" | "open" | "trip" | "0" => Ok(Command::Off),
        _ => Err(format!("command '{s}': on (close) or off (open)")),
    }
}

fn tag_state(s: &str) -> Result<TagState, String> {
    match s {
        "none" => Ok(TagState::NoTag),
        "open-and-close" => Ok(TagState::OpenAndCloseInhibit),
        "close-only" => Ok(TagState::CloseOnlyInhibit),
        _ => Err(format!("tag '{s}': none, open-and-close or close-only")),
    }
}

fn tag_json(t: &TagValue) -> Value {
    json!({"tag": format!("{:?}", t.flags.tag()), "armed": t.flags.armed(), "reason": t.reason})
}

fn select_first(
    c: &Client,
    device: &ObjectName<'_>,
    select: bool,
    json_out: bool,
) -> Result<(), String> {
    if select {
        let cb = c.select(device).map_err(e)?;
        if !json_out {
            outln!("selected {device}: check-back name {}", cb.0);
        }
    }
    Ok(())
}

fn operate(c: &Client, args: &ClientArgs) -> Result<(), String> {
    let icc = c.icc().to_string();
    let json_out = args.json;
    match &args.op {
        Op::Info => emit(json_out, &info_json(c)),
        Op::Points { icc } => emit(json_out, &points_json(c, icc)?),
        Op::Read {
            names,
            point_type: ty,
        } => {
            let forced = ty.as_deref().map(point_type).transpose()?;
            let mut out = serde_json::Map::new();
            for n in names {
                let name = object(n, &icc);
                let v = match forced {
                    Some(t) => c.read_point(&name, t).map_err(e),
                    None => resolve_type(c, &name).and_then(|t| c.read_point(&name, t).map_err(e)),
                };
                out.insert(
                    n.clone(),
                    match v {
                        Ok(p) => point_json(&p),
                        Err(err) => json!({"error": err}),
                    },
                );
            }
            let failed = out.values().any(|v| v.get("error").is_some());
            if json_out {
                emit(true, &Value::Object(out));
            } else {
                for (n, v) in &out {
                    match v.get("error") {
                        Some(err) => outln!("{n}: error: {}", text(err)),
                        None => outln!("{n} ({}) = {}", text(&v["type"]), v["value"]),
                    }
                }
            }
            if failed {
                return Err("some points could not be read".into());
            }
        }
        Op::Watch {
            icc: watch_icc,
            data_set,
            points,
            interval,
            integrity,
            rbe,
            buffer_time,
            critical,
            count,
        } => watch(
            c,
            json_out,
            &WatchSpec {
                icc: watch_icc,
                data_set,
                points,
                interval: *interval,
                integrity: *integrity,
                rbe: *rbe,
                buffer_time: *buffer_time,
                critical: *critical,
                count: *count,
            },
        )?,
        Op::Select { device } => {
            let d = object(device, &icc);
            let cb = c.select(&d).map_err(e)?;
            emit(
                json_out,
                &json!({"selected": d.to_string(), "check_back_name": cb.0}),
            );
        }
        Op::Operate {
            device,
            command: cmd,
            select,
        } => {
            let d = object(device, &icc);
            let cmd = command(cmd)?;
            select_first(c, &d, *select, json_out)?;
            c.operate(&d, cmd).map_err(e)?;
            emit(
                json_out,
                &json!({"operated": d.to_string(), "command": format!("{cmd:?}")}),
            );
        }
        Op::Setpoint {
            device,
            value,
            discrete,
            select,
        } => {
            let d = object(device, &icc);
            select_first(c, &d, *select, json_out)?;
            if *discrete {
                let v: i16 = value
                    .parse()
                    .map_err(|_| format!("'{value}' is not an integer of 16 bits"))?;
                c.set_point_discrete(&d, v).map_err(e)?;
                emit(json_out, &json!({"set_point": d.to_string(), "value": v}));
            } else {
                let v: f32 = value
                    .parse()
                    .map_err(|_| format!("'{value}' is not a number"))?;
                c.set_point_real(&d, v).map_err(e)?;
                emit(json_out, &json!({"set_point": d.to_string(), "value": v}));
            }
        }
        Op::Tag {
            device,
            set,
            reason,
        } => {
            let d = object(device, &icc);
            if let Some(s) = set {
                let tag = TagValue::new(TagFlags::new(tag_state(s)?, false), reason)
                    .map_err(|err| format!("tag: {err}"))?;
                c.set_tag(&d, &tag).map_err(e)?;
            }
            let t = c.get_tag(&d).map_err(e)?;
            let mut v = tag_json(&t);
            v["device"] = json!(d.to_string());
            emit(json_out, &v);
        }
        Op::Messages { count } => {
            c.enable_info_messages(true).map_err(e)?;
            if !json_out {
                outln!("information messages enabled on {}", c.icc());
            }
            let mut n = 0u64;
            for ev in c.events() {
                if let Event::InfoMessage(m) = ev {
                    line(json_out, &message_json(&m), message_text(&m));
                    n += 1;
                    if count.is_some_and(|k| n >= k) {
                        break;
                    }
                }
            }
            if count.is_some_and(|k| n < k) {
                return Err(format!("the association ended after {n} messages"));
            }
        }
    }
    Ok(())
}

struct WatchSpec<'a> {
    icc: &'a str,
    data_set: &'a str,
    points: &'a [String],
    interval: i32,
    integrity: i32,
    rbe: bool,
    buffer_time: i32,
    critical: bool,
    count: Option<u64>,
}

/// The layout of a server data set: the special variables by name, the points by their
/// type descriptions (other members are reported as raw data).
fn server_layout(c: &Client, name: &ObjectName<'static>) -> Result<DataSetLayout, String> {
    let attrs = c
        .data_set_attributes(name)
        .map_err(|err| format!("data set {name}: {err}"))?;
    let members = attrs
        .members
        .iter()
        .map(|m| {
            let kind = MemberKind::special(m.item()).unwrap_or_else(|| {
                if m.item().ends_with(mms::tase2::names::TAG_SUFFIX) {
                    MemberKind::Tag
                } else {
                    match c.point_types(m).ok().as_deref() {
                        Some([one]) => MemberKind::Point(*one),
                        _ => MemberKind::Other,
                    }
                }
            });
            DataSetMember::new(m.clone(), kind)
        })
        .collect();
    Ok(DataSetLayout::new(name.clone(), members))
}

fn watch(c: &Client, json_out: bool, w: &WatchSpec<'_>) -> Result<(), String> {
    let ds = ObjectName::domain(w.icc.to_string(), w.data_set.to_string());
    let defined = !w.points.is_empty();
    let layout = if defined {
        let mut points = Vec::new();
        for p in w.points {
            let (n, ty) = match p.split_once(':') {
                Some((n, t)) => (object(n, w.icc), Some(point_type(t)?)),
                None => (object(p, w.icc), None),
            };
            let ty = match ty {
                Some(t) => t,
                None => resolve_type(c, &n)?,
            };
            points.push((n, ty));
        }
        let layout = DataSetLayout::standard(w.icc, w.data_set, true, points);
        c.define_data_set(&layout)
            .map_err(|err| format!("define data set {ds}: {err}"))?;
        layout
    } else {
        let layout = server_layout(c, &ds)?;
        c.register_data_set(layout.clone()).map_err(e)?;
        layout
    };
    let mut set = DsTransferSet::new(
        MmsObjectName::icc(w.icc, w.data_set).map_err(|err| format!("data set name: {err}"))?,
    );
    let mut conditions = DsConditions::OPERATOR_REQUEST | DsConditions::OTHER_EXTERNAL_EVENT;
    if w.interval > 0 {
        set.interval = w.interval;
        conditions = conditions | DsConditions::INTERVAL_TIMEOUT;
    }
    if w.integrity > 0 {
        set.integrity_check = w.integrity;
        conditions = conditions | DsConditions::INTEGRITY_TIMEOUT;
    }
    if w.rbe {
        set.rbe = true;
        conditions = conditions | DsConditions::OBJECT_CHANGE;
    }
    if w.interval <= 0 && w.integrity <= 0 && !w.rbe {
        if defined {
            let _ = c.delete_data_set(&ds);
        }
        return Err("watch needs --interval N, --integrity N or --rbe".into());
    }
    set.buffer_time = w.buffer_time;
    set.critical = w.critical;
    set.ds_conditions_requested = conditions;
    let ts = match c.start_transfer_set(&set) {
        Ok(ts) => ts,
        Err(err) => {
            if defined {
                let _ = c.delete_data_set(&ds);
            }
            return Err(format!("transfer set: {err}"));
        }
    };
    let started = json!({"watching": ts.name, "data_set": ds.to_string(),
        "members": layout.members.len(), "critical": w.critical});
    line(
        json_out,
        &started,
        format!(
            "transfer set {} enabled on data set {ds} ({} members){}",
            ts.name,
            layout.members.len(),
            if w.critical { ", critical" } else { "" }
        ),
    );
    let mut n = 0u64;
    let mut ended = true;
    for ev in c.events() {
        match ev {
            Event::Report(r) => {
                line(json_out, &report_json(&r), report_text(&r));
                n += 1;
                if w.count.is_some_and(|k| n >= k) {
                    ended = false;
                    break;
                }
            }
            Event::Malformed(err) => {
                line(
                    json_out,
                    &json!({"malformed": err.to_string()}),
                    format!("malformed report: {err}"),
                );
            }
            Event::InfoMessage(m) => line(json_out, &message_json(&m), message_text(&m)),
            _ => {}
        }
    }
    if ended {
        return Err(format!("the association ended after {n} reports"));
    }
    let _ = c.disable_transfer_set(&ts);
    if defined {
        let _ = c.delete_data_set(&ds);
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Demo

/// The demo client's AE-title as `auth_args::demo_factories` certifies it.
const DEMO_CLIENT_AP: &str = "1.1.1.999";
const DEMO_ICC: &str = "ICC1";

fn demo_config() -> Config {
    let icc = IccConfig::new(DEMO_ICC)
        .with_transfer_sets(4)
        .with_points(vec![
            PointConfig::new("Voltage", "Data_RealQTimeTag"),
            PointConfig::new("Breaker1Status", "Data_StateQTimeTag"),
            PointConfig::new("Counter", "Data_DiscreteQ"),
        ])
        .with_devices(vec![
            DeviceConfig::new("Breaker1", DeviceKind::Command)
                .with_sbo(true)
                .with_check_back_id(17)
                .with_tag(true),
            DeviceConfig::new("Setpoint1", DeviceKind::SetpointReal),
        ])
        .with_data_sets(vec![DataSetConfig::new(
            "DS_Main",
            &[
                "Transfer_Set_Name",
                "Transfer_Set_Time_Stamp",
                "DSConditions_Detected",
                "Voltage",
                "Breaker1Status",
            ],
        )]);
    let table = BilateralTableConfig::new("BLT_DEMO_1", DEMO_CLIENT_AP, Some(12), DEMO_ICC)
        .with_security(SecurityConfig::new(
            TransportConfig::Secure,
            mms::tase2::server::ApplicationConfig::Secure,
        ))
        .with_read(vec!["*".into()])
        .with_devices(vec![
            DeviceRightConfig::all("Breaker1"),
            DeviceRightConfig::all("Setpoint1"),
        ])
        .with_info_messages(vec![InfoMessageRightConfig::new(
            1,
            MessageScopeConfig::Vcc,
        )]);
    Config::new()
        .with_vcc(
            VccConfig::default().with_points(vec![PointConfig::new("Frequency", "Data_RealQ")]),
        )
        .with_iccs(vec![icc])
        .with_bilateral_tables(vec![table])
}

fn step<T>(what: &str, r: Result<T, impl std::fmt::Display>) -> Result<T, String> {
    r.map_err(|err| format!("{what}: {err}"))
}

fn wait_event(
    events: &EventQueue,
    what: &str,
    pred: impl FnMut(&ServerEvent) -> bool,
) -> Result<ServerEvent, String> {
    events
        .wait_for(Duration::from_secs(5), pred)
        .ok_or_else(|| format!("the server saw no {what}"))
}

fn next_report(c: &Client) -> Result<DsReport, String> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match c.next_event(left) {
            Some(Event::Report(r)) => return Ok(r),
            Some(_) => continue,
            None => return Err("no report within 5 s".into()),
        }
    }
}

fn demo() -> Result<(), String> {
    let files = std::env::temp_dir().join(format!("osi-mms-tase2-demo-{}", std::process::id()));
    step("files", std::fs::create_dir_all(&files))?;
    let result = demo_in(&files);
    let _ = std::fs::remove_dir_all(&files);
    result
}

fn demo_in(files: &std::path::Path) -> Result<(), String> {
    outln!("Secure ICCP demo: a TASE.2 server and client in one process, TLS + A-profile\n");
    let events = Arc::new(EventQueue::new(1024));
    let tase2 = step(
        "server configuration",
        Tase2Server::with_application(&demo_config(), events.clone()),
    )?;
    let mut sc = ServerConfig::default();
    sc.endpoint.association.local = Address::default_remote();
    sc.endpoint.association.remote = Address::default_local();
    let mut cc = ClientConfig::default();
    // Separate certificates: the A-profile (ACSE) ones per VCC, the TLS ones per host.
    let (client_auth, server_auth) =
        crate::auth_args::demo_factories(cc.events.clone(), sc.events.clone())?;
    cc.security = Some(client_auth);
    sc.security = Some(server_auth);
    let dir = files.join("tls-pki");
    step("PKI directory", std::fs::create_dir_all(&dir))?;
    let (tls_server, tls_client) = crate::demo::demo_pki(&dir)?;
    sc.tls = tls_server.server(&sc.events)?;
    sc.tls_listen = vec![SocketAddr::from(([127, 0, 0, 1], 0))];
    sc.listen = Vec::new();
    cc.tls = tls_client.client(&cc.events)?;
    cc.tls_server_name = Some("localhost".into());
    let server_events = sc.events.clone();
    let client_events = cc.events.clone();
    let running = step("server", tase2.spawn(sc))?;
    let addr = running.local_addr().ok_or("no listen address")?;
    outln!("server: TASE.2 VCC with ICC {DEMO_ICC} on {addr} (TLS, port chosen by the system)");

    // 1. Association and its checks.
    let config = Tase2Config::new(DEMO_ICC).with_mms(cc).with_expect(
        mms::tase2::client::Expectations::new()
            .blocks([1, 2, 4, 5])
            .bilateral_table_id(step(
                "table id",
                mms::tase2::BilateralTableId::new("BLT_DEMO_1"),
            )?),
    );
    let c = step("associate", Client::connect(addr, config))?;
    outln!("\n1. association");
    if let Some(t) = c.mms().tls_info() {
        outln!(
            "  TLS {} with {}",
            t.version.map(|v| v.to_string()).unwrap_or_default(),
            t.cipher.as_deref().unwrap_or("?")
        );
    }
    if let Some(peer) = c.mms().authenticated_peer() {
        outln!(
            "  client: server authenticated by {}: {}",
            peer.mechanism,
            peer.subject
        );
    }
    match wait_event(&events, "association", |e| {
        matches!(e, ServerEvent::Associated { .. })
    })? {
        ServerEvent::Associated { table, .. } => outln!(
            "  server: admitted under bilateral table {}",
            table.unwrap_or_default()
        ),
        _ => return Err("association event".into()),
    }
    if let Some(a) = running
        .handle()
        .and_then(|h| h.associations().first().cloned())
    {
        if let Some(peer) = &a.authenticated_peer {
            outln!(
                "  server: client authenticated by {}: {}",
                peer.mechanism,
                peer.subject
            );
        }
    }
    let p = c.params();
    outln!(
        "  association checks passed: TASE2_Version {}.{}, blocks {:?}, Bilateral_Table_ID {}, domains {:?}",
        p.version.major,
        p.version.minor,
        p.features.map(|f| f.blocks().collect::<Vec<u8>>()).unwrap_or_default(),
        p.bilateral_table_id.as_str(),
        p.domains
    );

    // 2. A transfer set with RBE and critical reports.
    outln!("\n2. transfer set: report by exception, critical");
    let voltage = ObjectName::domain(DEMO_ICC, "Voltage");
    let status = ObjectName::domain(DEMO_ICC, "Breaker1Status");
    let layout = DataSetLayout::standard(
        DEMO_ICC,
        "DS_Demo",
        false,
        [
            (voltage.clone(), PointType::RealQTimeTag),
            (status.clone(), PointType::StateQTimeTag),
        ],
    );
    step("define data set", c.define_data_set(&layout))?;
    let mut set = DsTransferSet::new(step("name", MmsObjectName::icc(DEMO_ICC, "DS_Demo"))?);
    set.ds_conditions_requested = DsConditions::OBJECT_CHANGE;
    set.rbe = true;
    set.critical = true;
    let ts = step("start transfer set", c.start_transfer_set(&set))?;
    outln!(
        "  Next_DSTransfer_Set gave {}; configured and enabled",
        ts.name
    );
    let handle = tase2.point("ICC1/Voltage").ok_or("no point Voltage")?;
    for (i, v) in [231.5f32, 229.75].into_iter().enumerate() {
        let t = TimeStamp(now().0.saturating_add(i as i32));
        step(
            "set Voltage",
            handle.set(&Point::RealQTimeTag(ValueQTimeTag {
                value: v,
                time_stamp: t,
                flags: DataFlags::GOOD,
            })),
        )?;
        let r = next_report(&c)?;
        outln!("  {}", report_text(&r).replace('\n', "\n  "));
        match wait_event(&events, "Transfer_Report_ACK", |e| {
            matches!(e, ServerEvent::ReportAcknowledged { .. })
        })? {
            ServerEvent::ReportAcknowledged { time_stamp, .. } => outln!(
                "  server: Transfer_Report_ACK received for the report of {}",
                time_stamp.map(|t| t.0.to_string()).unwrap_or_default()
            ),
            _ => return Err("ACK event".into()),
        }
    }
    if tase2.stats().ack_timeouts != 0 {
        return Err("a critical report was not acknowledged".into());
    }
    step("disable", c.disable_transfer_set(&ts))?;
    step("delete data set", c.delete_data_set(&layout.name))?;

    // 3. Select before operate.
    outln!("\n3. select-before-operate");
    let breaker = ObjectName::domain(DEMO_ICC, "Breaker1");
    let cb = step("select", c.select(&breaker))?;
    outln!("  select {breaker}: check-back name {}", cb.0);
    if cb != CheckBackName(17) {
        return Err("unexpected check-back name".into());
    }
    step("operate", c.operate(&breaker, Command::On))?;
    match wait_event(&events, "operate", |e| {
        matches!(e, ServerEvent::Operated { .. })
    })? {
        ServerEvent::Operated { device, value, .. } => {
            outln!("  operate {breaker} on: the server operated {device} with {value:?}")
        }
        _ => return Err("operate event".into()),
    }
    match c.operate(&breaker, Command::Off) {
        Err(Tase2ClientError::Control(err)) => {
            outln!(
                "  operate again without select: refused ({:?})",
                err.failure
            )
        }
        other => {
            return Err(format!(
                "an operate without select was not refused: {other:?}"
            ))
        }
    }

    // 4. An information message.
    outln!("\n4. information message");
    step("enable messages", c.enable_info_messages(true))?;
    let sent = step(
        "post",
        tase2.post_message(&mms::tase2::server::InfoMessage::vcc(
            1,
            0,
            1,
            b"shift change at 06:00",
        )),
    )?;
    outln!("  server: message posted to {sent} association(s)");
    let deadline = Instant::now() + Duration::from_secs(5);
    let m = loop {
        match c.next_event(deadline.saturating_duration_since(Instant::now())) {
            Some(Event::InfoMessage(m)) => break m,
            Some(_) => continue,
            None => return Err("no information message within 5 s".into()),
        }
    };
    outln!("  client: {}", message_text(&m));

    step("conclude", c.conclude())?;
    outln!(
        "\nconcluded; server statistics: {} reports, {} ACKs, {} ACK time-outs, {} messages",
        tase2.stats().reports_sent,
        tase2.stats().acks,
        tase2.stats().ack_timeouts,
        tase2.stats().messages_sent
    );
    step("stop", running.stop())?;
    let unexpected = [&server_events, &client_events].iter().any(|e| {
        e.snapshot()
            .iter()
            .any(|c| c.code.starts_with("tls.") && c.code != cot::tls::events::REVOCATION_OFF)
    });
    if unexpected {
        return Err("unexpected TLS security events".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_simulation() {
        assert_eq!(object("ICC1/V", "X"), ObjectName::domain("ICC1", "V"));
        assert_eq!(object("/F", "X"), ObjectName::vmd("F"));
        assert_eq!(object("V", "X"), ObjectName::domain("X", "V"));
        assert!(is_tase2_object("DSTransferSet01"));
        assert!(is_tase2_object("Breaker1_SBO"));
        assert!(!is_tase2_object("Voltage"));
        let s = Point::StateQ(DataState::new(State::On, DataFlags::GOOD));
        assert_eq!(
            next_value(&s, TimeStamp(0)),
            Point::StateQ(DataState::new(State::Off, DataFlags::GOOD))
        );
        assert!(command("maybe").is_err());
        assert!(point_type("Data_Nothing").is_err());
    }
}
