//! A TASE.2 / ICCP server (IEC 60870-6-503 services over MMS, IEC 60870-6-802 objects):
//! a VCC with ICC domains, indication points the application updates from any thread, data
//! sets, DS transfer sets with interval, integrity, object-change and application-triggered
//! reports (Blocks 1 and 2), critical reports with Transfer_Report_ACK, information messages
//! (Block 4) and device control with select-before-operate and tags (Block 5), each partner
//! under its bilateral table (features `tase2`, `runtime` and `model`).
//!
//! The server is an MMS [`Handler`] wrapped around the object model of
//! [`crate::server::model`]: plain MMS services (GetNameList, GetVariableAccessAttributes,
//! named variable lists, reads of points) go to the model, under an access control that
//! applies the partner's bilateral table; the TASE.2 objects with behaviour
//! (`Next_DSTransfer_Set`, the transfer sets, devices, `_SBO`, `_TAG`, `IM_Transfer_Set`) are
//! served here. `docs/tase2-server.md` describes the configuration file, the API and the
//! choices made where the public record is thin.
//!
//! ```no_run
//! use mms::server::ServerConfig;
//! use mms::tase2::server::{Config, Tase2Server};
//! use mms::tase2::{point::ValueQ, DataFlags, Point};
//!
//! let config = Config::from_file("mms/tase2/demo.json")?;
//! let tase2 = Tase2Server::new(&config)?;
//! let running = tase2.spawn(ServerConfig::listening(["0.0.0.0:102".parse()?]))?;
//! let voltage = tase2.point("ICC1/Voltage").expect("configured");
//! voltage.set(&Point::RealQ(ValueQ { value: 231.5, flags: DataFlags::GOOD }))?;
//! running.stop()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod access;
mod bilateral;
pub mod config;
mod devices;
mod events;
mod handler;
mod info_messages;
mod objects;
mod reporting;
#[cfg(test)]
mod tests;
mod transfer_sets;

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, RwLock};
use std::thread::JoinHandle;

use crate::common::ObjectName;
use crate::data::Data;
use crate::server::handler::AssociationInfo;
use crate::server::model::Model;
use crate::server::policy::PeerTable;
use crate::server::{Handler, RunningServer, Server, ServerConfig, ServerHandle};
use crate::tase2::association::Edition;
use crate::tase2::names::MmsObjectName;
use crate::tase2::point::{Point, PointType};
use crate::tase2::transfer_set::{DsConditions, DsTransferSet, EventCode};
use crate::tase2::{TagValue, Tase2Error};

pub use config::{
    ApplicationConfig, BilateralTableConfig, Config, ConfigError, DataSetConfig, DeviceConfig,
    DeviceKind, DeviceRightConfig, EditionConfig, IccConfig, IdentityConfig,
    InfoMessageRightConfig, LimitsConfig, MessageScopeConfig, PointConfig, SecurityConfig,
    TimingConfig, TransportConfig, VccConfig,
};
pub use events::{
    Application, ControlValue, EventQueue, NoApplication, OperateRequest, ServerEvent,
};
pub use info_messages::{InfoMessage, MessageError};

use bilateral::Blt;
use objects::{Directory, Key};
use transfer_sets::Engine;

/// The counters a TASE.2 server keeps ([`Tase2Server::stats`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Tase2Stats {
    /// InformationReports sent for transfer sets.
    pub reports_sent: u64,
    /// Reports not sent (larger than the association's PDU size in both forms, or the
    /// association gone).
    pub reports_dropped: u64,
    /// Buffered changes dropped because a transfer set's AllChangesReported buffer was full.
    pub changes_dropped: u64,
    /// Critical reports acknowledged with Transfer_Report_ACK.
    pub acks: u64,
    /// Critical reports not acknowledged in time.
    pub ack_timeouts: u64,
    /// Transfer_Report_NACKs received.
    pub nacks: u64,
    /// ACKs or NACKs naming no transfer set of the association.
    pub unknown_acks: u64,
    /// Information messages sent (one per association).
    pub messages_sent: u64,
}

#[derive(Debug, Default)]
struct Counters {
    reports_sent: AtomicU64,
    reports_dropped: AtomicU64,
    changes_dropped: AtomicU64,
    acks: AtomicU64,
    ack_timeouts: AtomicU64,
    nacks: AtomicU64,
    unknown_acks: AtomicU64,
    messages_sent: AtomicU64,
}

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

/// One association as the TASE.2 server keeps it.
#[derive(Debug)]
struct Session {
    info: Arc<AssociationInfo>,
    blt: Arc<Blt>,
    /// `IM_Transfer_Set` (Block 4, association-specific).
    im_enabled: bool,
    /// The data sets this association defined (deleted when it ends, if so configured).
    data_sets: Vec<ObjectName<'static>>,
}

/// The state shared by the handler, the reporting thread and the application's handles.
struct Shared {
    model: Model,
    dir: Arc<Directory>,
    edition: Edition,
    tables: PeerTable<Arc<Blt>>,
    /// Association id → its bilateral table, read by the model's access control.
    rights: Arc<RwLock<HashMap<u64, Arc<Blt>>>>,
    sessions: Mutex<HashMap<u64, Session>>,
    engine: Mutex<Engine>,
    wake: Condvar,
    devices: Mutex<Vec<devices::DeviceState>>,
    handle: OnceLock<ServerHandle>,
    /// Associations we opened on which this server's VCC is served too (both roles), by the
    /// id the handler sees: reports and messages for them go out through the client.
    clients: Mutex<HashMap<u64, crate::client::blocking::WeakClient>>,
    reporter_started: AtomicBool,
    app: Arc<dyn Application>,
    timing: TimingConfig,
    limits: LimitsConfig,
    info_buffer_sizes: Vec<u32>,
    counters: Counters,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    fn session_blt(&self, association: u64) -> Option<Arc<Blt>> {
        lock(&self.sessions)
            .get(&association)
            .map(|s| s.blt.clone())
    }

    fn event(&self, e: ServerEvent) {
        self.app.event(&e);
    }

    /// True when reports and messages have a way out: a server's handle or a client.
    fn can_send(&self) -> bool {
        self.handle.get().is_some() || !lock(&self.clients).is_empty()
    }

    /// Sends an unconfirmed PDU to association `association`: through the client that opened
    /// it when it is one of ours ([`Tase2Server::serve_over`]), else through the server's
    /// handle. False when it could not go.
    fn send_unconfirmed(
        &self,
        association: u64,
        service: &crate::pdu::UnconfirmedService<'_>,
    ) -> bool {
        let client = {
            let mut clients = lock(&self.clients);
            clients.retain(|_, c| c.upgrade().is_some_and(|c| !c.is_closed()));
            clients.get(&association).and_then(|c| c.upgrade())
        };
        match client {
            Some(c) => c.send_unconfirmed(service).is_ok(),
            None => self
                .handle
                .get()
                .is_some_and(|h| h.send_unconfirmed(Some(association), service) > 0),
        }
    }

    /// Wakes the reporting thread to look at its deadlines again.
    fn kick(&self) {
        let mut e = lock(&self.engine);
        e.kicked = true;
        drop(e);
        self.wake.notify_all();
    }

    /// A value of `key` changed (a point set by the application or written by a client, a
    /// tag): the transfer sets reporting it take note.
    fn changed(&self, key: &Key, value: &Data<'static>) {
        if let Some(obj) = self.dir.get_key(key) {
            self.changed_obj(obj, value);
        }
    }

    /// As [`Shared::changed`], for an object already looked up.
    fn changed_obj(&self, obj: objects::Obj, value: &Data<'static>) {
        let dropped = {
            let mut e = lock(&self.engine);
            let d = e.record_change(obj, value, self.limits.buffered_changes);
            if e.kicked {
                self.wake.notify_all();
            }
            d
        };
        if dropped > 0 {
            self.counters
                .changes_dropped
                .fetch_add(dropped, Ordering::Relaxed);
        }
    }
}

/// A TASE.2 server: its objects, bilateral tables and transfer sets. Cheap to clone; every
/// clone is the same server. Build it with [`Tase2Server::new`], run it with
/// [`Tase2Server::spawn`] (or give [`Tase2Server::handler`] to an MMS [`Server`] of your own
/// and [`Tase2Server::attach`] its handle).
#[derive(Clone)]
pub struct Tase2Server {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Tase2Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tase2Server")
            .field("edition", &self.shared.edition)
            .field("iccs", &self.shared.dir.iccs.len())
            .field("points", &self.shared.dir.points.len())
            .field("devices", &self.shared.dir.devices.len())
            .field("transfer_sets", &self.shared.dir.transfer_sets.len())
            .finish_non_exhaustive()
    }
}

impl Tase2Server {
    /// A server for `config` whose application hears nothing and accepts every operate.
    pub fn new(config: &Config) -> Result<Tase2Server, ConfigError> {
        Tase2Server::with_application(config, Arc::new(NoApplication))
    }

    /// A server for `config` that asks `app` about operates and tells it of events.
    pub fn with_application(
        config: &Config,
        app: Arc<dyn Application>,
    ) -> Result<Tase2Server, ConfigError> {
        let rights: Arc<RwLock<HashMap<u64, Arc<Blt>>>> = Arc::new(RwLock::new(HashMap::new()));
        let dir_cell = Arc::new(OnceLock::new());
        let control = access::BltAccess {
            dir: dir_cell.clone(),
            rights: rights.clone(),
        };
        let (dir, model) = objects::build(config, control)?;
        let dir = Arc::new(dir);
        let _ = dir_cell.set(dir.clone());
        let tables = bilateral::tables(&dir, &config.bilateral_tables)?;
        if config.info_buffer_sizes.is_empty()
            || config
                .info_buffer_sizes
                .iter()
                .any(|&n| n == 0 || n > 65_000)
        {
            return Err(ConfigError::invalid(
                "info_buffer_sizes",
                "one or more sizes of 1 to 65000 octets",
            ));
        }
        let mut sizes = config.info_buffer_sizes.clone();
        sizes.sort_unstable();
        sizes.dedup();
        let edition = config.edition.edition();
        let engine = Engine::new(&dir, edition);
        let devices = dir
            .devices
            .iter()
            .map(|_| devices::DeviceState::default())
            .collect();
        Ok(Tase2Server {
            shared: Arc::new(Shared {
                model,
                dir,
                edition,
                tables,
                rights,
                sessions: Mutex::new(HashMap::new()),
                engine: Mutex::new(engine),
                wake: Condvar::new(),
                devices: Mutex::new(devices),
                handle: OnceLock::new(),
                clients: Mutex::new(HashMap::new()),
                reporter_started: AtomicBool::new(false),
                app,
                timing: config.timing,
                limits: config.limits,
                info_buffer_sizes: sizes,
                counters: Counters::default(),
            }),
        })
    }

    /// The MMS [`Handler`] serving this server's objects.
    pub fn handler(&self) -> Arc<dyn Handler> {
        Arc::new(handler::Tase2Handler {
            shared: self.shared.clone(),
        })
    }

    /// Connects the server to the running MMS server `handle` (reports and information
    /// messages go out through it) and starts the reporting thread. Once per server; a second
    /// call fails with `AlreadyExists`.
    pub fn attach(&self, handle: ServerHandle) -> io::Result<Reporter> {
        if self.shared.reporter_started.swap(true, Ordering::SeqCst) {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "the TASE.2 server is already attached",
            ));
        }
        let _ = self.shared.handle.set(handle);
        self.reporting_thread()
    }

    /// Starts the reporting thread without an MMS server: for a VCC served only on
    /// associations we open ([`Tase2Server::serve_over`]). Once per server, like
    /// [`Tase2Server::attach`].
    pub fn start_reporting(&self) -> io::Result<Reporter> {
        if self.shared.reporter_started.swap(true, Ordering::SeqCst) {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "the TASE.2 server's reporting already runs",
            ));
        }
        self.reporting_thread()
    }

    /// Serves this VCC's reports and information messages on an association we opened
    /// (both roles on one association): `client` must have been connected with
    /// [`Tase2Server::handler`] as its handler (`Client::connect_with`, or
    /// `tase2::client::Client::connect_with` and its `mms()`), which answers the partner's
    /// requests; this makes the reports of the transfer sets the partner starts there, and
    /// the messages it enables, go out through `client`. Call it right after connecting (a
    /// report due before is dropped, with [`ServerEvent::ReportDropped`]) and run the
    /// reporting thread ([`Tase2Server::attach`] or [`Tase2Server::start_reporting`]).
    /// Fails with `InvalidInput` when `client` serves no handler.
    pub fn serve_over(&self, client: &crate::client::Client) -> io::Result<()> {
        let id = client.handler_association().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "the client was not made by Client::connect_with",
            )
        })?;
        lock(&self.shared.clients).insert(id, client.downgrade());
        Ok(())
    }

    fn reporting_thread(&self) -> io::Result<Reporter> {
        let shared = self.shared.clone();
        let thread = std::thread::Builder::new()
            .name("tase2-reporting".into())
            .spawn(move || reporting::run(&shared))?;
        Ok(Reporter {
            shared: self.shared.clone(),
            thread: Some(thread),
        })
    }

    /// Binds an MMS server with `server_config` serving this TASE.2 server, runs it on
    /// background threads and starts the reporting thread.
    pub fn spawn(&self, server_config: ServerConfig) -> io::Result<RunningTase2Server> {
        let server = Server::bind(server_config, self.handler())?;
        let reporter = self.attach(server.handle())?;
        let running = server.spawn()?;
        Ok(RunningTase2Server {
            server: Some(running),
            reporter: Some(reporter),
            tase2: self.clone(),
        })
    }

    /// The MMS object model behind the server (for diagnostics and export; change points
    /// through [`PointHandle`] so that reports follow).
    pub fn model(&self) -> &Model {
        &self.shared.model
    }

    /// The edition of the server's DSTransferSet objects.
    pub fn edition(&self) -> Edition {
        self.shared.edition
    }

    /// The point named `name`: `ICC/item` for an ICC point, `item` or `/item` for a VCC
    /// point.
    pub fn point(&self, name: &str) -> Option<PointHandle> {
        let key = Key::parse(name, None);
        match self.shared.dir.get_key(&key) {
            Some(objects::Obj::Point(index)) => Some(PointHandle {
                shared: self.shared.clone(),
                index,
            }),
            _ => None,
        }
    }

    /// Every point, in configuration order (VCC first).
    pub fn points(&self) -> Vec<PointHandle> {
        (0..self.shared.dir.points.len())
            .map(|index| PointHandle {
                shared: self.shared.clone(),
                index,
            })
            .collect()
    }

    /// Asks for a report of the whole data set from every enabled transfer set that requested
    /// `condition` (OperatorRequest or OtherExternalEvent, IEC 60870-6-503 Block 2), with
    /// `event_code`; `transfer_set` narrows it to one set. A set whose EventCodeRequested is
    /// not 0 reports only an equal event code (docs/tase2-server.md, "Decisions"). Returns the
    /// number of transfer sets that will report.
    pub fn request_report(
        &self,
        transfer_set: Option<&MmsObjectName>,
        condition: DsConditions,
        event_code: EventCode,
    ) -> usize {
        let n = lock(&self.shared.engine).request(
            &self.shared.dir,
            transfer_set,
            condition,
            event_code,
        );
        if n > 0 {
            self.shared.kick();
        }
        n
    }

    /// Sends information message `message` (Block 4) to every association that enabled
    /// `IM_Transfer_Set` and whose bilateral table lets it receive the message. Returns the
    /// number of associations it went to.
    pub fn post_message(&self, message: &InfoMessage) -> Result<usize, MessageError> {
        info_messages::post(&self.shared, message)
    }

    /// The current tag of device `name` (`ICC/item`, `item` or `/item`); `None` for devices
    /// without tag.
    pub fn tag(&self, name: &str) -> Option<TagValue> {
        devices::tag_of(&self.shared, &Key::parse(name, None))
    }

    /// Every DS transfer set with its owner and current configuration.
    pub fn transfer_sets(&self) -> Vec<TransferSetState> {
        let e = lock(&self.shared.engine);
        self.shared
            .dir
            .transfer_sets
            .iter()
            .zip(&e.sets)
            .map(|(t, s)| TransferSetState {
                name: t.mms_name.clone(),
                association: s.owner,
                value: s.value.clone(),
                outstanding_critical: s.run.as_ref().map_or(0, |r| r.outstanding.len()),
            })
            .collect()
    }

    /// The associations up, with the id of the bilateral table each was admitted under
    /// (`None` in open mode).
    pub fn associations(&self) -> Vec<(u64, Option<String>)> {
        let s = lock(&self.shared.sessions);
        let mut v: Vec<(u64, Option<String>)> =
            s.iter().map(|(id, x)| (*id, x.blt.id.clone())).collect();
        v.sort();
        v
    }

    /// The counters.
    pub fn stats(&self) -> Tase2Stats {
        let c = &self.shared.counters;
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Tase2Stats {
            reports_sent: g(&c.reports_sent),
            reports_dropped: g(&c.reports_dropped),
            changes_dropped: g(&c.changes_dropped),
            acks: g(&c.acks),
            ack_timeouts: g(&c.ack_timeouts),
            nacks: g(&c.nacks),
            unknown_acks: g(&c.unknown_acks),
            messages_sent: g(&c.messages_sent),
        }
    }
}

/// One DS transfer set as [`Tase2Server::transfer_sets`] lists it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TransferSetState {
    /// Its name `{ICC, domain, DSTransferSetNN}`.
    pub name: MmsObjectName,
    /// The association holding it, if any.
    pub association: Option<u64>,
    /// Its current configuration (`status` true while enabled).
    pub value: DsTransferSet,
    /// Critical reports waiting for an ACK.
    pub outstanding_critical: usize,
}

/// A handle on one indication point: set its value from any thread; enabled transfer sets
/// whose data set holds it report the change. Cheap to clone.
#[derive(Clone)]
pub struct PointHandle {
    shared: Arc<Shared>,
    index: usize,
}

impl std::fmt::Debug for PointHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PointHandle")
            .field("name", &self.name())
            .finish()
    }
}

impl PointHandle {
    fn entry(&self) -> Option<&objects::PointEntry> {
        self.shared.dir.points.get(self.index)
    }

    /// The point's MMS name.
    pub fn name(&self) -> ObjectName<'static> {
        self.entry()
            .map_or_else(|| ObjectName::vmd(""), |e| e.key.name())
    }

    /// The point's type.
    pub fn point_type(&self) -> Option<PointType> {
        self.entry().map(|e| e.point_type)
    }

    /// The current value.
    pub fn get(&self) -> Option<Point> {
        let e = self.entry()?;
        let d = self.shared.model.get_name(&e.key.name())?;
        Point::decode(e.point_type, &d).ok()
    }

    /// Sets the value, which must have the shape of the point's type (else the
    /// [`Tase2Error`] decoding it against that type gives).
    pub fn set(&self, value: &Point) -> Result<(), Tase2Error> {
        let e = self.entry().ok_or(Tase2Error::OutOfRange {
            what: "point index",
        })?;
        let data = value.to_data();
        if value.point_type() != e.point_type {
            Point::decode(e.point_type, &data)?;
        }
        self.shared
            .model
            .set_name(&e.key.name(), data.clone())
            .map_err(|_| Tase2Error::OutOfRange { what: "point" })?;
        self.shared
            .changed_obj(objects::Obj::Point(self.index), &data);
        Ok(())
    }
}

/// The reporting thread of an attached server ([`Tase2Server::attach`]). Dropping it (or
/// [`Reporter::stop`]) ends the thread.
pub struct Reporter {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Reporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reporter").finish_non_exhaustive()
    }
}

impl Reporter {
    /// Ends the reporting thread and waits for it.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        {
            let mut e = lock(&self.shared.engine);
            e.shutdown = true;
        }
        self.shared.wake.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Reporter {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// A TASE.2 server running on background threads ([`Tase2Server::spawn`]).
pub struct RunningTase2Server {
    server: Option<RunningServer>,
    reporter: Option<Reporter>,
    tase2: Tase2Server,
}

impl std::fmt::Debug for RunningTase2Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningTase2Server")
            .field("tase2", &self.tase2)
            .finish_non_exhaustive()
    }
}

impl RunningTase2Server {
    /// The TASE.2 server.
    pub fn tase2(&self) -> &Tase2Server {
        &self.tase2
    }

    /// The MMS server's handle (statistics, associations, abort).
    pub fn handle(&self) -> Option<&ServerHandle> {
        self.server.as_ref().map(|s| s.handle())
    }

    /// The first listen address.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.server.as_ref().map(|s| s.local_addr())
    }

    /// Stops the reporting thread and the MMS server, and waits for both.
    pub fn stop(mut self) -> io::Result<()> {
        self.stop_inner()
    }

    fn stop_inner(&mut self) -> io::Result<()> {
        if let Some(r) = self.reporter.take() {
            r.stop();
        }
        match self.server.take() {
            Some(s) => s.stop(),
            None => Ok(()),
        }
    }
}

impl Drop for RunningTase2Server {
    fn drop(&mut self) {
        let _ = self.stop_inner();
    }
}
