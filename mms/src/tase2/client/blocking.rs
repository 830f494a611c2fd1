//! The blocking TASE.2 client (IEC 60870-6-503 client role over a blocking
//! [`crate::client::Client`]): association check, point reads and writes, data sets, DS
//! transfer sets, reports with automatic ACK / NACK, information messages and device control
//! (docs/tase2-client.md).

use std::collections::VecDeque;
use std::net::ToSocketAddrs;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

use crate::client::ops::{ListAttributes, OpError};
use crate::client::{Client as MmsClient, Unconfirmed};
use crate::common::ObjectName;
use crate::data::{Data, DataAccessError};
use crate::pdu::{ConfirmedServiceRequest, UnconfirmedService};
use crate::server::handler::Handler;
use crate::tase2::names::{BILATERAL_TABLE_ID, TASE2_VERSION};
use crate::tase2::{
    BilateralTableId, DsTransferSet, Edition, MmsObjectName, Point, PointType, SupportedFeatures,
    TagValue, Tase2Type, Tase2Version,
};

use super::association::{check, decode_object, AssociationParams};
use super::config::{AckMode, Tase2Config, WriteForm};
use super::control::{CheckBackName, Command, ControlError, ControlOp};
use super::error::Tase2ClientError;
use super::info::InfoMessage;
use super::report::{
    DataSetLayout, DsReport, Incoming, PointError, ReportDecoder, ReportError, ReportedPoint,
    ReportedValue, TransferSetBinding, UnknownReport,
};
use super::requests;

type Result<T> = std::result::Result<T, Tase2ClientError>;

/// What the client delivers from the server's unconfirmed PDUs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Event {
    /// A DS transfer report (already acknowledged if the [`AckMode`] says so).
    Report(DsReport),
    /// An information message.
    InfoMessage(InfoMessage),
    /// A report of an unknown transfer set or data set (already NACKed when
    /// `nack_unknown` is on and the report named its transfer set).
    Unknown(UnknownReport),
    /// A TASE.2 report of the wrong shape.
    Malformed(ReportError),
    /// Any other unconfirmed PDU, as received.
    Other(Unconfirmed),
}

/// Counters of the report path.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReportStats {
    /// Unconfirmed PDUs received.
    pub received: u64,
    /// DS transfer reports decoded.
    pub reports: u64,
    /// Transfer_Report_ACKs sent.
    pub acked: u64,
    /// Transfer_Report_NACKs sent.
    pub nacked: u64,
    /// Reports of unknown transfer sets or data sets.
    pub unknown: u64,
    /// Malformed TASE.2 reports.
    pub malformed: u64,
    /// Events dropped because the queue was full (the oldest go first).
    pub dropped: u64,
    /// ACKs or NACKs that could not be sent.
    pub send_failures: u64,
}

#[derive(Default)]
struct Counters {
    received: AtomicU64,
    reports: AtomicU64,
    acked: AtomicU64,
    nacked: AtomicU64,
    unknown: AtomicU64,
    malformed: AtomicU64,
    dropped: AtomicU64,
    send_failures: AtomicU64,
}

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

/// A callback that takes events instead of the queue.
pub type EventCallback = Arc<dyn Fn(Event) + Send + Sync>;

struct Queue {
    events: VecDeque<Event>,
    closed: bool,
}

struct Shared {
    params: AssociationParams,
    ack: AckMode,
    nack_unknown: bool,
    queue_limit: usize,
    write_form: WriteForm,
    points: RwLock<std::collections::HashMap<ObjectName<'static>, PointType>>,
    decoder: RwLock<ReportDecoder>,
    queue: Mutex<Queue>,
    ready: Condvar,
    callback: Mutex<Option<EventCallback>>,
    counters: Counters,
    stop: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    fn deliver(&self, e: Event) {
        let cb = lock(&self.callback).clone();
        if let Some(cb) = cb {
            cb(e);
            return;
        }
        let mut q = lock(&self.queue);
        while q.events.len() >= self.queue_limit {
            q.events.pop_front();
            bump(&self.counters.dropped);
        }
        q.events.push_back(e);
        drop(q);
        self.ready.notify_all();
    }

    fn send(&self, mms: &MmsClient, pdu: &UnconfirmedService<'_>, counter: &AtomicU64) {
        match mms.send_unconfirmed(pdu) {
            Ok(()) => bump(counter),
            Err(e) => {
                log::warn!("TASE.2 ACK/NACK not sent: {e}");
                bump(&self.counters.send_failures);
            }
        }
    }

    fn handle(&self, mms: &MmsClient, u: Unconfirmed) {
        bump(&self.counters.received);
        let incoming = match u.service() {
            Ok(UnconfirmedService::InformationReport(r)) => match self.decoder.read() {
                Ok(d) => d.decode(&r),
                Err(p) => p.into_inner().decode(&r),
            },
            _ => Incoming::Other,
        };
        let event = match incoming {
            Incoming::Report(r) => {
                bump(&self.counters.reports);
                let ack = match self.ack {
                    AckMode::Critical => r.critical,
                    AckMode::All => true,
                    _ => false,
                };
                if ack {
                    self.send(mms, &r.ack(), &self.counters.acked);
                }
                Event::Report(r)
            }
            Incoming::Unknown(x) => {
                bump(&self.counters.unknown);
                if self.nack_unknown {
                    if let Some(n) = x.nack() {
                        self.send(mms, &n, &self.counters.nacked);
                    }
                }
                Event::Unknown(x)
            }
            Incoming::Malformed(e) => {
                bump(&self.counters.malformed);
                Event::Malformed(e)
            }
            Incoming::InfoMessage(m) => Event::InfoMessage(m),
            _ => Event::Other(u),
        };
        self.deliver(event);
    }

    fn close(&self) {
        lock(&self.queue).closed = true;
        self.ready.notify_all();
    }
}

/// Ends the report thread when the last [`Client`] clone goes.
struct Owner(Arc<Shared>);

impl Drop for Owner {
    fn drop(&mut self) {
        self.0.stop.store(true, Ordering::SeqCst);
    }
}

fn dispatch(mms: MmsClient, shared: Arc<Shared>, rx: Receiver<Unconfirmed>, every: Duration) {
    loop {
        match rx.recv_timeout(every) {
            Ok(u) => shared.handle(&mms, u),
            Err(RecvTimeoutError::Timeout) => {
                if shared.stop.load(Ordering::SeqCst) {
                    break;
                }
            }
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    shared.close();
}

/// A TASE.2 client on one MMS association (IEC 60870-6-503 client role). Cheap to clone;
/// every clone uses the same association and the same report queue. Reports are received on
/// a thread of its own, decoded, acknowledged per [`AckMode`] and queued (bounded) or handed
/// to a callback.
///
/// The MMS client underneath may also serve a local [`Handler`] (both roles on one
/// association, as ICCP partners usually run): see [`Client::connect_with`] and
/// [`Client::over`].
#[derive(Clone)]
pub struct Client {
    mms: MmsClient,
    shared: Arc<Shared>,
    _owner: Arc<Owner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("tase2::Client")
            .field("mms", &self.mms)
            .field("params", &self.shared.params)
            .finish_non_exhaustive()
    }
}

fn access(object: &ObjectName<'_>, error: DataAccessError) -> Tase2ClientError {
    Tase2ClientError::Access {
        object: object.to_string(),
        error,
    }
}

fn first<T>(v: Vec<T>) -> Result<T> {
    v.into_iter()
        .next()
        .ok_or(Tase2ClientError::Unexpected(requests::UnexpectedAnswer(
            "no result",
        )))
}

impl Client {
    /// Connects, checks the association (TASE2_Version, Supported_Features, the ICC's
    /// Bilateral_Table_ID against `config.expect`) and starts receiving reports. A failed
    /// check ends the association and returns the typed error
    /// ([`Tase2ClientError::Mismatch`], [`Tase2ClientError::AssociationObject`]).
    pub fn connect(addr: impl ToSocketAddrs, config: Tase2Config) -> Result<Client> {
        Client::connect_with(addr, config, None)
    }

    /// As [`Client::connect`], with a [`Handler`] that answers the partner's requests on the
    /// same association (the partner reads our VCC while we read theirs).
    pub fn connect_with(
        addr: impl ToSocketAddrs,
        config: Tase2Config,
        handler: Option<Arc<dyn Handler>>,
    ) -> Result<Client> {
        let mms = MmsClient::connect_with(addr, config.mms.clone(), handler)?;
        match Client::over(mms.clone(), &config) {
            Ok(c) => Ok(c),
            Err(e) => {
                if mms.conclude().is_err() {
                    mms.abort();
                }
                Err(e)
            }
        }
    }

    /// A TASE.2 client over an MMS client that is already associated (which may serve a
    /// local [`Handler`] too). Runs the association check but does not end the association
    /// when it fails: the caller owns it. Takes the MMS client's unconfirmed PDUs
    /// ([`MmsClient::unconfirmed`]); fails with [`Tase2ClientError::UnconfirmedTaken`] when
    /// somebody took them already.
    pub fn over(mms: MmsClient, config: &Tase2Config) -> Result<Client> {
        let params = Client::read_association(&mms, &config.icc)?;
        let mismatches = check(&config.expect, &params);
        if !mismatches.is_empty() {
            return Err(Tase2ClientError::Mismatch {
                mismatches,
                params: Box::new(params),
            });
        }
        let rx = mms
            .unconfirmed()
            .ok_or(Tase2ClientError::UnconfirmedTaken)?;
        let shared = Arc::new(Shared {
            params,
            ack: config.ack,
            nack_unknown: config.nack_unknown,
            queue_limit: config.queue_limit.max(1),
            write_form: config.write_form,
            points: RwLock::new(config.points.clone()),
            decoder: RwLock::new(ReportDecoder::new()),
            queue: Mutex::new(Queue {
                events: VecDeque::new(),
                closed: false,
            }),
            ready: Condvar::new(),
            callback: Mutex::new(None),
            counters: Counters::default(),
            stop: AtomicBool::new(false),
        });
        let (m, s, every) = (mms.clone(), shared.clone(), config.poll_interval);
        std::thread::Builder::new()
            .name("tase2-reports".into())
            .spawn(move || dispatch(m, s, rx, every))
            .map_err(|e| Tase2ClientError::Mms(OpError::from(e)))?;
        Ok(Client {
            mms,
            _owner: Arc::new(Owner(shared.clone())),
            shared,
        })
    }

    /// Reads the association objects and the domain list (Block 1 start-up): one Read of
    /// TASE2_Version, Supported_Features and `<icc>/Bilateral_Table_ID`, then GetNameList of
    /// the domains. TASE2_Version and Bilateral_Table_ID must decode; Supported_Features that
    /// does not is tolerated and noted (docs/tase2-client.md, "Association").
    pub fn read_association(mms: &MmsClient, icc: &str) -> Result<AssociationParams> {
        let answer = mms.request(&requests::association_read(icc))?;
        let results = requests::read_results(&answer.response()?, Some(3))?;
        let Ok([version, features, blt]) = <[_; 3]>::try_from(results) else {
            return Err(requests::UnexpectedAnswer("another number of Read results").into());
        };
        let obj = |object, e| Tase2ClientError::AssociationObject { object, error: e };
        let version: Tase2Version = decode_object(&version).map_err(|e| obj(TASE2_VERSION, e))?;
        let (features, features_error) = match decode_object::<SupportedFeatures>(&features) {
            Ok(f) => (Some(f), None),
            Err(e) => {
                log::info!("Supported_Features not usable: {e}");
                (None, Some(e.to_string()))
            }
        };
        let bilateral_table_id: BilateralTableId =
            decode_object(&blt).map_err(|e| obj(BILATERAL_TABLE_ID, e))?;
        let domains = mms.domains()?;
        Ok(AssociationParams {
            icc: icc.to_owned(),
            version,
            features,
            features_error,
            bilateral_table_id,
            domains,
        })
    }

    /// The MMS client underneath.
    pub fn mms(&self) -> &MmsClient {
        &self.mms
    }

    /// What the association check read.
    pub fn params(&self) -> &AssociationParams {
        &self.shared.params
    }

    /// The ICC this client works in.
    pub fn icc(&self) -> &str {
        &self.shared.params.icc
    }

    /// The edition used for DSTransferSet layouts (the server's, or 2000.08).
    pub fn edition(&self) -> Edition {
        self.shared.params.edition()
    }

    fn write1(
        &self,
        req: &ConfirmedServiceRequest<'_>,
    ) -> Result<std::result::Result<(), DataAccessError>> {
        let answer = self.mms.request(req)?;
        first(requests::write_results(&answer.response()?, 1)?)
    }

    fn read1(
        &self,
        req: &ConfirmedServiceRequest<'_>,
    ) -> Result<std::result::Result<Data<'static>, DataAccessError>> {
        let answer = self.mms.request(req)?;
        first(requests::read_results(&answer.response()?, Some(1))?)
    }

    // ----------------------------------------------------------------------------------------
    // Names and points (Block 1)

    /// The domains (ICCs) the server lists.
    pub fn domains(&self) -> Result<Vec<String>> {
        Ok(self.mms.domains()?)
    }

    /// The named variables of ICC `icc` (points, special variables, transfer sets).
    pub fn variables(&self, icc: &str) -> Result<Vec<String>> {
        Ok(self.mms.variables(icc)?)
    }

    /// The VCC-scope (VMD-specific) named variables.
    pub fn vcc_variables(&self) -> Result<Vec<String>> {
        Ok(self.mms.get_name_list(
            crate::services::vmd::BasicObjectClass::NamedVariable.into(),
            crate::services::vmd::ObjectScope::VmdSpecific,
        )?)
    }

    /// Adds (or changes) a point in the local point table.
    pub fn set_point_type(&self, name: ObjectName<'static>, ty: PointType) {
        if let Ok(mut p) = self.shared.points.write() {
            p.insert(name, ty);
        }
    }

    /// The type of `name` in the local point table.
    pub fn point_type(&self, name: &ObjectName<'_>) -> Option<PointType> {
        self.shared
            .points
            .read()
            .ok()
            .and_then(|p| p.get(&name.clone().into_owned()).copied())
    }

    /// Reads one point as type `ty`.
    pub fn read_point(&self, name: &ObjectName<'_>, ty: PointType) -> Result<Point> {
        let d = self.mms.read_one(name).map_err(|e| match e {
            OpError::Access(a) => access(name, a),
            other => other.into(),
        })?;
        Point::decode(ty, &d).map_err(|error| Tase2ClientError::Decode {
            object: name.to_string(),
            error,
        })
    }

    /// The point types variable `name` may be, from its type description
    /// (GetVariableAccessAttributes, matched by shape and component names:
    /// [`super::point_types_for`]). When exactly one fits, it goes into the local point table.
    pub fn point_types(&self, name: &ObjectName<'_>) -> Result<Vec<PointType>> {
        let desc = self.mms.get_variable_access_attributes(name)?;
        let found = super::types::point_types_for(&desc);
        if let [one] = found.as_slice() {
            self.set_point_type(name.clone().into_owned(), *one);
        }
        Ok(found)
    }

    /// Reads one point with the type of the local point table; a point not in the table gets
    /// its type from its type description when that names exactly one type
    /// ([`Client::point_types`]), else [`Tase2ClientError::UnknownPointType`].
    pub fn read_point_auto(&self, name: &ObjectName<'_>) -> Result<Point> {
        let ty = match self.point_type(name) {
            Some(t) => t,
            None => match self.point_types(name).ok().as_deref() {
                Some([one]) => *one,
                _ => return Err(Tase2ClientError::UnknownPointType(name.to_string())),
            },
        };
        self.read_point(name, ty)
    }

    /// Reads many points, each as its type; one result per point, in order. The reads are
    /// split to the PDU size and pipelined.
    pub fn read_points(
        &self,
        points: &[(ObjectName<'static>, PointType)],
    ) -> Result<Vec<std::result::Result<Point, PointError>>> {
        let names: Vec<ObjectName<'static>> = points.iter().map(|(n, _)| n.clone()).collect();
        let results = self.mms.read(&names)?;
        Ok(points
            .iter()
            .zip(results)
            .map(|((_, ty), r)| match r {
                Ok(d) => Point::decode(*ty, &d).map_err(PointError::Shape),
                Err(e) => Err(PointError::Access(e)),
            })
            .collect())
    }

    /// Writes a point's value (a Write of the indication point, where the bilateral table
    /// allows it).
    pub fn write_point(&self, name: &ObjectName<'_>, value: &Point) -> Result<()> {
        self.mms.write(name, value.to_data()).map_err(|e| match e {
            OpError::Access(a) => access(name, a),
            other => other.into(),
        })
    }

    // ----------------------------------------------------------------------------------------
    // Data sets

    /// Defines data set `layout` (DefineNamedVariableList of its members, in order) and
    /// remembers its layout for decoding reports.
    pub fn define_data_set(&self, layout: &DataSetLayout) -> Result<()> {
        self.mms.define_list(&layout.name, &layout.member_names())?;
        self.register_data_set(layout.clone())
    }

    /// Remembers the layout of a data set the server defined, for decoding its reports.
    pub fn register_data_set(&self, layout: DataSetLayout) -> Result<()> {
        let mut d = self
            .shared
            .decoder
            .write()
            .unwrap_or_else(|p| p.into_inner());
        d.add_data_set(layout)
            .map_err(|e| Tase2ClientError::Invalid(e.to_string()))
    }

    /// The members of a data set (GetNamedVariableListAttributes).
    pub fn data_set_attributes(&self, name: &ObjectName<'_>) -> Result<ListAttributes> {
        Ok(self.mms.list_attributes(name)?)
    }

    /// Deletes a data set (DeleteNamedVariableList) and forgets its layout.
    pub fn delete_data_set(&self, name: &ObjectName<'_>) -> Result<()> {
        self.mms.delete_list(name)?;
        let mut d = self
            .shared
            .decoder
            .write()
            .unwrap_or_else(|p| p.into_inner());
        d.remove_data_set(name);
        Ok(())
    }

    /// Reads a data set with its known layout: the point members, typed. Special variables
    /// (which servers may answer with access errors) are left out.
    pub fn read_data_set(&self, name: &ObjectName<'_>) -> Result<Vec<ReportedPoint>> {
        let layout = {
            let d = self
                .shared
                .decoder
                .read()
                .unwrap_or_else(|p| p.into_inner());
            d.data_set(name).cloned()
        }
        .ok_or_else(|| Tase2ClientError::Invalid(format!("no layout known for {name}")))?;
        let values = self.mms.read_list(name)?;
        if values.len() != layout.members.len() {
            return Err(requests::UnexpectedAnswer("another number of data set values").into());
        }
        Ok(layout
            .members
            .iter()
            .zip(values)
            .filter_map(|(m, v)| {
                let value = match (m.kind, v) {
                    (super::report::MemberKind::Point(t), Ok(d)) => Point::decode(t, &d)
                        .map(ReportedValue::Point)
                        .map_err(PointError::Shape),
                    (super::report::MemberKind::Tag, Ok(d)) => TagValue::from_data(&d)
                        .map(ReportedValue::Tag)
                        .map_err(PointError::Shape),
                    (super::report::MemberKind::Other, Ok(d)) => Ok(ReportedValue::Data(d)),
                    (
                        super::report::MemberKind::Point(_)
                        | super::report::MemberKind::Tag
                        | super::report::MemberKind::Other,
                        Err(e),
                    ) => Err(PointError::Access(e)),
                    _ => return None,
                };
                Some(ReportedPoint {
                    name: m.name.clone(),
                    value,
                })
            })
            .collect())
    }

    // ----------------------------------------------------------------------------------------
    // DS transfer sets (Blocks 1-2)

    /// Reads `<icc>/Next_DSTransfer_Set`, which reserves a DS transfer set for this
    /// association, and returns its name. temporarily-unavailable is
    /// [`Tase2ClientError::NoFreeTransferSet`].
    pub fn next_transfer_set(&self) -> Result<MmsObjectName> {
        let req = requests::next_transfer_set_read(self.icc());
        match self.read1(&req)? {
            Ok(d) => MmsObjectName::from_data(&d).map_err(|error| Tase2ClientError::Decode {
                object: crate::tase2::names::NEXT_DS_TRANSFER_SET.into(),
                error,
            }),
            Err(DataAccessError::TemporarilyUnavailable) => {
                Err(Tase2ClientError::NoFreeTransferSet)
            }
            Err(e) => Err(Tase2ClientError::Access {
                object: format!(
                    "{}/{}",
                    self.icc(),
                    crate::tase2::names::NEXT_DS_TRANSFER_SET
                ),
                error: e,
            }),
        }
    }

    /// Reads a DSTransferSet and the edition its layout has.
    pub fn read_transfer_set(&self, ts: &MmsObjectName) -> Result<(DsTransferSet, Edition)> {
        let object = ts.to_object_name().to_string();
        match self.read1(&requests::transfer_set_read(ts))? {
            Ok(d) => DsTransferSet::from_data(&d)
                .map_err(|error| Tase2ClientError::Decode { object, error }),
            Err(error) => Err(Tase2ClientError::Access { object, error }),
        }
    }

    fn bind(&self, ts: &MmsObjectName, set: &DsTransferSet) -> Result<()> {
        let mut d = self
            .shared
            .decoder
            .write()
            .unwrap_or_else(|p| p.into_inner());
        d.bind(TransferSetBinding {
            transfer_set: ts.clone(),
            data_set: set.data_set_name.to_object_name().into_owned(),
            critical: set.critical,
        })
        .map_err(|e| Tase2ClientError::Invalid(e.to_string()))
    }

    /// Writes DSTransferSet `ts` as `set` says (Status included) in the configured
    /// [`WriteForm`], after binding it to its data set so that its reports decode.
    pub fn configure_transfer_set(&self, ts: &MmsObjectName, set: &DsTransferSet) -> Result<()> {
        self.bind(ts, set)?;
        let object = ts.to_object_name().to_string();
        match self.shared.write_form {
            WriteForm::Whole => self.write_whole(ts, set, self.edition()),
            WriteForm::Components => self.write_components(ts, set, self.edition()),
            _ => {
                // Learn the server's layout from the set itself (12 or 13 components).
                let edition = match self.read_transfer_set(ts) {
                    Ok((_, e)) => e,
                    Err(e) => {
                        log::info!(
                            "{object} not readable ({e}); writing the association's edition"
                        );
                        self.edition()
                    }
                };
                match self.write_whole(ts, set, edition) {
                    Err(Tase2ClientError::Access { error, .. })
                        if matches!(
                            error,
                            DataAccessError::ObjectAttributeInconsistent
                                | DataAccessError::TypeInconsistent
                                | DataAccessError::TypeUnsupported
                                | DataAccessError::ObjectAccessUnsupported
                        ) =>
                    {
                        log::info!("{object}: whole write refused ({error:?}); writing components");
                        self.write_components(ts, set, edition)
                    }
                    other => other,
                }
            }
        }
    }

    fn write_whole(&self, ts: &MmsObjectName, set: &DsTransferSet, edition: Edition) -> Result<()> {
        self.write1(&requests::transfer_set_write(ts, set, edition))?
            .map_err(|error| Tase2ClientError::Access {
                object: ts.to_object_name().to_string(),
                error,
            })
    }

    fn write_components(
        &self,
        ts: &MmsObjectName,
        set: &DsTransferSet,
        edition: Edition,
    ) -> Result<()> {
        let answer = self
            .mms
            .request(&requests::transfer_set_components_write(ts, set, edition))?;
        let names = DsTransferSet::component_names(edition)
            .iter()
            .filter(|n| **n != "Status");
        let results =
            requests::write_results(&answer.response()?, requests::component_count(edition))?;
        for (n, r) in names.zip(results) {
            if let Err(error) = r {
                return Err(Tase2ClientError::Access {
                    object: format!("{}.{n}", ts.to_object_name()),
                    error,
                });
            }
        }
        self.set_status(ts, set.status)
    }

    fn set_status(&self, ts: &MmsObjectName, on: bool) -> Result<()> {
        self.write1(&requests::transfer_set_status_write(ts, on))?
            .map_err(|error| Tase2ClientError::Access {
                object: format!("{}.Status", ts.to_object_name()),
                error,
            })
    }

    /// Enables transfer set `ts`: a Write of its Status component = TRUE.
    pub fn enable_transfer_set(&self, ts: &MmsObjectName) -> Result<()> {
        self.set_status(ts, true)
    }

    /// Disables transfer set `ts`: a Write of its Status component = FALSE. Its binding stays,
    /// so reports still on their way decode; [`Client::forget_transfer_set`] drops it.
    pub fn disable_transfer_set(&self, ts: &MmsObjectName) -> Result<()> {
        self.set_status(ts, false)
    }

    /// Forgets transfer set `ts`: its later reports are unknown (and NACKed).
    pub fn forget_transfer_set(&self, ts: &MmsObjectName) {
        let mut d = self
            .shared
            .decoder
            .write()
            .unwrap_or_else(|p| p.into_inner());
        d.unbind(ts);
    }

    /// The usual sequence: reserve a transfer set with `Next_DSTransfer_Set`, write `set` to
    /// it with Status TRUE, and return its name. `set.data_set_name` must name a data set
    /// whose layout the client knows ([`Client::define_data_set`]) for its reports to decode.
    /// Servers send no report at enable time: read the data set afterwards for the current
    /// values ([`Client::read_data_set`]).
    pub fn start_transfer_set(&self, set: &DsTransferSet) -> Result<MmsObjectName> {
        let ts = self.next_transfer_set()?;
        let mut set = set.clone();
        set.status = true;
        self.configure_transfer_set(&ts, &set)?;
        Ok(ts)
    }

    // ----------------------------------------------------------------------------------------
    // Reports and information messages

    /// The next event, waiting up to `timeout`; `None` on time-out or once the association
    /// has ended and the queue is empty.
    pub fn next_event(&self, timeout: Duration) -> Option<Event> {
        let deadline = Instant::now() + timeout;
        let mut q = lock(&self.shared.queue);
        loop {
            if let Some(e) = q.events.pop_front() {
                return Some(e);
            }
            let now = Instant::now();
            if q.closed || now >= deadline {
                return None;
            }
            q = match self.shared.ready.wait_timeout(q, deadline - now) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
    }

    /// The next event if one is queued.
    pub fn try_event(&self) -> Option<Event> {
        lock(&self.shared.queue).events.pop_front()
    }

    /// The events as a blocking iterator that ends when the association has ended.
    pub fn events(&self) -> impl Iterator<Item = Event> + '_ {
        std::iter::from_fn(move || loop {
            if let Some(e) = self.next_event(Duration::from_secs(3600)) {
                return Some(e);
            }
            if lock(&self.shared.queue).closed {
                return None;
            }
        })
    }

    /// Hands every later event to `callback` (on the report thread) instead of the queue;
    /// `None` goes back to the queue. The callback must not block for long: reports wait
    /// behind it.
    pub fn set_callback(&self, callback: Option<EventCallback>) {
        *lock(&self.shared.callback) = callback;
    }

    /// The report counters.
    pub fn stats(&self) -> ReportStats {
        let c = &self.shared.counters;
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        ReportStats {
            received: g(&c.received),
            reports: g(&c.reports),
            acked: g(&c.acked),
            nacked: g(&c.nacked),
            unknown: g(&c.unknown),
            malformed: g(&c.malformed),
            dropped: g(&c.dropped),
            send_failures: g(&c.send_failures),
        }
    }

    /// Sends the Transfer_Report_ACK of `report` (for [`AckMode::Manual`]).
    pub fn ack(&self, report: &DsReport) -> Result<()> {
        self.mms.send_unconfirmed(&report.ack())?;
        bump(&self.shared.counters.acked);
        Ok(())
    }

    /// Sends the Transfer_Report_NACK of `report`; nothing when it named no transfer set.
    pub fn nack(&self, report: &UnknownReport) -> Result<()> {
        if let Some(n) = report.nack() {
            self.mms.send_unconfirmed(&n)?;
            bump(&self.shared.counters.nacked);
        }
        Ok(())
    }

    /// Enables (true) or disables (false) information messages on this association: a Write
    /// of the association-specific `IM_Transfer_Set` (Block 4).
    pub fn enable_info_messages(&self, on: bool) -> Result<()> {
        self.write1(&requests::im_transfer_set_write(on))?
            .map_err(|error| Tase2ClientError::Access {
                object: crate::tase2::names::IM_TRANSFER_SET.into(),
                error,
            })
    }

    // ----------------------------------------------------------------------------------------
    // Device control (Block 5)

    fn control(
        &self,
        op: ControlOp,
        device: &ObjectName<'_>,
        e: DataAccessError,
    ) -> Tase2ClientError {
        Tase2ClientError::Control(ControlError::new(op, device.to_string(), e))
    }

    /// Select: Reads `<device>_SBO` and returns the CheckBackName; the server arms the
    /// device until it is operated or the select times out.
    pub fn select(&self, device: &ObjectName<'_>) -> Result<CheckBackName> {
        match self.read1(&requests::select_read(device))? {
            Ok(d) => crate::tase2::error::int16(&d, "SBO_CheckBackName")
                .map(CheckBackName)
                .map_err(|error| Tase2ClientError::Decode {
                    object: requests::sbo_name(device).to_string(),
                    error,
                }),
            Err(e) => Err(self.control(ControlOp::Select, device, e)),
        }
    }

    /// Select, failing with [`Tase2ClientError::CheckBackMismatch`] when the CheckBackName is
    /// not the one agreed.
    pub fn select_expect(&self, device: &ObjectName<'_>, expected: CheckBackName) -> Result<()> {
        let found = self.select(device)?;
        if found != expected {
            return Err(Tase2ClientError::CheckBackMismatch {
                device: device.to_string(),
                expected: expected.0,
                found: found.0,
            });
        }
        Ok(())
    }

    fn operate_data(&self, device: &ObjectName<'_>, value: Data<'static>) -> Result<()> {
        self.write1(&requests::operate_write(device, value))?
            .map_err(|e| self.control(ControlOp::Operate, device, e))
    }

    /// Operate: Writes the command to `<device>` (after a select for a select-before-operate
    /// device; directly otherwise).
    pub fn operate(&self, device: &ObjectName<'_>, command: Command) -> Result<()> {
        self.operate_data(device, command.to_data())
    }

    /// Writes a real set-point (Control_Setpoint_Real, floating-point(32, 8)) to `<device>`.
    pub fn set_point_real(&self, device: &ObjectName<'_>, value: f32) -> Result<()> {
        self.operate_data(device, value.to_data())
    }

    /// Writes a discrete set-point (Control_Setpoint_Discrete, integer(16)) to `<device>`.
    pub fn set_point_discrete(&self, device: &ObjectName<'_>, value: i16) -> Result<()> {
        self.operate_data(device, Data::Integer(i64::from(value)))
    }

    /// Set tag: Writes `tag` to `<device>_TAG`.
    pub fn set_tag(&self, device: &ObjectName<'_>, tag: &TagValue) -> Result<()> {
        self.write1(&requests::tag_write(device, tag))?
            .map_err(|e| self.control(ControlOp::SetTag, device, e))
    }

    /// Get tag: Reads `<device>_TAG`.
    pub fn get_tag(&self, device: &ObjectName<'_>) -> Result<TagValue> {
        match self.read1(&requests::tag_read(device))? {
            Ok(d) => TagValue::from_data(&d).map_err(|error| Tase2ClientError::Decode {
                object: requests::tag_name(device).to_string(),
                error,
            }),
            Err(e) => Err(self.control(ControlOp::GetTag, device, e)),
        }
    }

    /// Concludes and releases the association.
    pub fn conclude(&self) -> Result<()> {
        self.mms.conclude()?;
        Ok(())
    }
}
