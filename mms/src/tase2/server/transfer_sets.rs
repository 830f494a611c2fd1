//! DS transfer sets (IEC 60870-6-503 Blocks 1 and 2; docs/tase2.md, "DSTransferSet"): the
//! pool of each ICC, reservation through `Next_DSTransfer_Set`, configuration by
//! whole-structure and component writes, enable and disable through `Status`, and the
//! change bookkeeping the reports are made from (docs/tase2-server.md, "Transfer sets").

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crate::common::ObjectName;
use crate::data::{Data, DataAccessError};
use crate::server::handler::AssociationInfo;
use crate::tase2::association::Edition;
use crate::tase2::names::{MmsObjectName, Scope};
use crate::tase2::time::TimeStamp;
use crate::tase2::transfer_set::{DsConditions, DsTransferSet, EventCode};
use crate::tase2::Tase2Type;

use super::bilateral::Blt;
use super::objects::{Directory, Key, Obj, Special};
use super::{ServerEvent, Shared};

/// The most application-requested reports one transfer set queues.
const MAX_REQUESTS: usize = 16;

/// An enabled transfer set's reporting state.
#[derive(Debug)]
pub(crate) struct Running {
    /// The data set reported.
    pub ds_name: ObjectName<'static>,
    /// Its members, in order (shared with the reports being made: a data set may have
    /// thousands of members, and a report is made per change with BufferTime 0).
    pub members: Arc<[ObjectName<'static>]>,
    /// Which members are special variables.
    pub specials: Arc<[Option<Special>]>,
    /// Member positions by object (a name may appear more than once): keyed by the
    /// directory's object, not its name, so that each change hashes a small value per set.
    pub index: HashMap<Obj, Vec<usize>>,
    pub next_interval: Option<Instant>,
    pub next_integrity: Option<Instant>,
    /// When the buffered object-change report is due.
    pub buffer_deadline: Option<Instant>,
    /// Members changed since the last change report (RBE).
    pub changed: BTreeSet<usize>,
    /// Something changed since the last change report (non-RBE object change).
    pub changed_any: bool,
    /// Every change, in order, for AllChangesReported (bounded; the oldest go first).
    pub all_changes: VecDeque<(usize, Data<'static>)>,
    /// Reports the application asked for (OperatorRequest, OtherExternalEvent) or the
    /// initial report.
    pub requests: VecDeque<(DsConditions, EventCode)>,
    /// Critical reports waiting for an ACK: (Transfer_Set_Time_Stamp, deadline).
    pub outstanding: VecDeque<(TimeStamp, Instant)>,
    /// The association's negotiated PDU size.
    pub max_pdu: usize,
}

/// One transfer set.
#[derive(Debug)]
pub(crate) struct TsState {
    /// The association holding it.
    pub owner: Option<u64>,
    pub value: DsTransferSet,
    pub run: Option<Running>,
}

/// Every transfer set, with the reporting thread's flags.
#[derive(Debug)]
pub(crate) struct Engine {
    pub sets: Vec<TsState>,
    /// Deadlines changed: the reporting thread looks again.
    pub kicked: bool,
    pub shutdown: bool,
}

/// The DataSetName of a set that names none yet.
pub(crate) fn no_data_set() -> MmsObjectName {
    MmsObjectName {
        scope: Scope::Vcc,
        domain_name: String::new(),
        name: String::new(),
    }
}

pub(crate) fn now_seconds() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn seconds(n: i32) -> Duration {
    Duration::from_secs(u64::try_from(n).unwrap_or(0))
}

impl Engine {
    pub fn new(dir: &Directory, _edition: Edition) -> Engine {
        Engine {
            sets: dir
                .transfer_sets
                .iter()
                .map(|_| TsState {
                    owner: None,
                    value: DsTransferSet::new(no_data_set()),
                    run: None,
                })
                .collect(),
            kicked: false,
            shutdown: false,
        }
    }

    fn owned_by(&self, association: u64) -> usize {
        self.sets
            .iter()
            .filter(|s| s.owner == Some(association))
            .count()
    }

    /// A value of object `obj` changed; returns the number of buffered changes dropped.
    pub fn record_change(&mut self, obj: Obj, value: &Data<'static>, max_buffer: usize) -> u64 {
        let now = Instant::now();
        let mut dropped = 0;
        let mut kick = false;
        for s in &mut self.sets {
            let Some(run) = s.run.as_mut() else { continue };
            let Some(positions) = run.index.get(&obj) else {
                continue;
            };
            for &p in positions {
                if s.value.rbe && s.value.all_changes_reported {
                    if run.all_changes.len() >= max_buffer.max(1) {
                        run.all_changes.pop_front();
                        dropped += 1;
                    }
                    run.all_changes.push_back((p, value.clone()));
                } else {
                    run.changed.insert(p);
                }
            }
            run.changed_any = true;
            if s.value.ds_conditions_requested.object_change() && run.buffer_deadline.is_none() {
                run.buffer_deadline = Some(now + seconds(s.value.buffer_time));
                kick = true;
            }
        }
        if kick {
            self.kicked = true;
        }
        dropped
    }

    /// Queues an application-requested report; see [`super::Tase2Server::request_report`].
    pub fn request(
        &mut self,
        dir: &Directory,
        transfer_set: Option<&MmsObjectName>,
        condition: DsConditions,
        event_code: EventCode,
    ) -> usize {
        let mut n = 0;
        for (s, entry) in self.sets.iter_mut().zip(&dir.transfer_sets) {
            if transfer_set.is_some_and(|t| *t != entry.mms_name) {
                continue;
            }
            let Some(run) = s.run.as_mut() else { continue };
            let v = &s.value;
            if !v.ds_conditions_requested.contains(condition) {
                continue;
            }
            if v.event_code_requested.0 != 0 && v.event_code_requested != event_code {
                continue;
            }
            if run.requests.len() >= MAX_REQUESTS {
                run.requests.pop_front();
            }
            run.requests.push_back((condition, event_code));
            n += 1;
        }
        if n > 0 {
            self.kicked = true;
        }
        n
    }
}

/// Read of `<ICC>/Next_DSTransfer_Set`: reserves a free transfer set of the ICC for the
/// association and names it; none free (or the association holds its maximum) is
/// temporarily-unavailable (libtase2; docs/tase2-server.md, "Decisions").
pub(crate) fn reserve(
    shared: &Shared,
    info: &AssociationInfo,
    blt: &Blt,
    icc: usize,
) -> Result<Data<'static>, DataAccessError> {
    if !blt.icc_allowed(icc) {
        return Err(DataAccessError::ObjectAccessDenied);
    }
    let mut e = super::lock(&shared.engine);
    if e.owned_by(info.id) >= shared.limits.transfer_sets_per_association {
        return Err(DataAccessError::TemporarilyUnavailable);
    }
    let free = shared
        .dir
        .transfer_sets
        .iter()
        .zip(e.sets.iter())
        .position(|(t, s)| t.icc == icc && s.owner.is_none());
    let Some(i) = free else {
        return Err(DataAccessError::TemporarilyUnavailable);
    };
    if let Some(s) = e.sets.get_mut(i) {
        s.owner = Some(info.id);
    }
    shared
        .dir
        .transfer_sets
        .get(i)
        .map(|t| t.mms_name.to_data())
        .ok_or(DataAccessError::ObjectNonExistent)
}

/// Decodes one component `name` of a DSTransferSet into `v`.
fn set_component(v: &mut DsTransferSet, name: &str, d: &Data<'_>) -> Result<(), DataAccessError> {
    let bad = |_| DataAccessError::ObjectAttributeInconsistent;
    let int = |d: &Data<'_>| -> Result<i32, DataAccessError> {
        let n = match d {
            Data::Integer(n) => *n,
            Data::Unsigned(n) => {
                i64::try_from(*n).map_err(|_| DataAccessError::ObjectValueInvalid)?
            }
            _ => return Err(DataAccessError::ObjectAttributeInconsistent),
        };
        i32::try_from(n).map_err(|_| DataAccessError::ObjectValueInvalid)
    };
    let boolean = |d: &Data<'_>| match d {
        Data::Boolean(b) => Ok(*b),
        _ => Err(DataAccessError::ObjectAttributeInconsistent),
    };
    match name {
        "DataSetName" => v.data_set_name = MmsObjectName::from_data(d).map_err(bad)?,
        "StartTime" => v.start_time = TimeStamp(int(d)?),
        "Interval" => v.interval = int(d)?,
        "TLE" => v.tle = int(d)?,
        "BufferTime" => v.buffer_time = int(d)?,
        "IntegrityCheck" => v.integrity_check = int(d)?,
        "DSConditionsRequested" => {
            v.ds_conditions_requested = DsConditions::from_data(d).map_err(bad)?
        }
        "BlockData" => v.block_data = boolean(d)?,
        "Critical" => v.critical = boolean(d)?,
        "RBE" => v.rbe = boolean(d)?,
        "AllChangesReported" => v.all_changes_reported = boolean(d)?,
        "Status" => v.status = boolean(d)?,
        "EventCodeRequested" => v.event_code_requested = EventCode::from_data(d).map_err(bad)?,
        _ => return Err(DataAccessError::ObjectNonExistent),
    }
    Ok(())
}

/// Whether two configurations are the same but for Status.
fn same_but_status(a: &DsTransferSet, b: &DsTransferSet) -> bool {
    let mut x = a.clone();
    x.status = b.status;
    x == *b
}

/// Checks the data set a transfer set is about to report and prepares its reporting state.
/// Unknown data sets, members the partner may not read, control points and members with
/// component access are object-attribute-inconsistent (libtase2; docs/tase2-server.md,
/// "Decisions").
fn start(
    shared: &Shared,
    info: &AssociationInfo,
    blt: &Blt,
    v: &DsTransferSet,
) -> Result<Running, DataAccessError> {
    let inconsistent = DataAccessError::ObjectAttributeInconsistent;
    let dir = &shared.dir;
    let ds_name: ObjectName<'static> = match v.data_set_name.scope {
        Scope::Vcc => ObjectName::vmd(v.data_set_name.name.clone()),
        Scope::Icc => {
            if !blt.domain_allowed(dir, &v.data_set_name.domain_name) {
                return Err(inconsistent);
            }
            ObjectName::domain(
                v.data_set_name.domain_name.clone(),
                v.data_set_name.name.clone(),
            )
        }
    };
    let list = {
        let objs = shared.model.objects();
        objs.scope_of(&ds_name)
            .and_then(|s| s.lists.get(ds_name.item()))
            .cloned()
    };
    let list = list.ok_or(inconsistent)?;
    let mut members = Vec::with_capacity(list.members.len());
    let mut specials = Vec::with_capacity(list.members.len());
    let mut index: HashMap<Obj, Vec<usize>> = HashMap::new();
    for (i, m) in list.members.iter().enumerate() {
        if m.alternate_access.is_some() {
            return Err(inconsistent);
        }
        let key = Key::of(&m.name).ok_or(inconsistent)?;
        if !blt.scope_allowed(dir, &key) {
            return Err(inconsistent);
        }
        let obj = dir.get_key(&key);
        let special = match obj {
            Some(Obj::Special(s)) => Some(s),
            Some(Obj::Point(_)) if blt.read.contains(&key) => None,
            Some(Obj::Tag(d))
                if dir
                    .devices
                    .get(d)
                    .is_some_and(|dev| blt.device(&dev.key).get_tag) =>
            {
                None
            }
            _ => return Err(inconsistent),
        };
        if let Some(o) = obj {
            index.entry(o).or_default().push(i);
        }
        members.push(m.name.clone());
        specials.push(special);
    }
    let now = Instant::now();
    let c = v.ds_conditions_requested;
    let next_interval = (c.interval_timeout() && v.interval > 0).then(|| {
        // The first interval report comes at StartTime when that is ahead, else one interval
        // from now (docs/tase2-server.md, "Decisions").
        let ahead = i64::from(v.start_time.0) - now_seconds();
        if v.start_time.0 > 0 && ahead > 0 {
            now + Duration::from_secs(u64::try_from(ahead).unwrap_or(0))
        } else {
            now + seconds(v.interval)
        }
    });
    let next_integrity =
        (c.integrity_timeout() && v.integrity_check > 0).then(|| now + seconds(v.integrity_check));
    let mut requests = VecDeque::new();
    if shared.timing.initial_report {
        requests.push_back((DsConditions::INTEGRITY_TIMEOUT, EventCode(0)));
    }
    Ok(Running {
        ds_name,
        members: members.into(),
        specials: specials.into(),
        index,
        next_interval,
        next_integrity,
        buffer_deadline: None,
        changed: BTreeSet::new(),
        changed_any: false,
        all_changes: VecDeque::new(),
        requests,
        outstanding: VecDeque::new(),
        max_pdu: info.negotiated.max_pdu_size,
    })
}

/// Write of a transfer set, whole (`component` None) or one component: see
/// docs/tase2-server.md, "Transfer sets". Errors: held by another association →
/// temporarily-unavailable; a value of the wrong shape → object-attribute-inconsistent; an
/// enabled set written other than its Status → object-attribute-inconsistent; an unknown
/// component → object-non-existent.
pub(crate) fn write(
    shared: &Shared,
    info: &AssociationInfo,
    blt: &Blt,
    ts: usize,
    component: Option<&str>,
    value: &Data<'_>,
) -> Result<(), DataAccessError> {
    let entry = shared
        .dir
        .transfer_sets
        .get(ts)
        .ok_or(DataAccessError::ObjectNonExistent)?;
    if !blt.icc_allowed(entry.icc) {
        return Err(DataAccessError::ObjectAccessDenied);
    }
    let mut events = Vec::new();
    let result = {
        let mut e = super::lock(&shared.engine);
        let owned = e.owned_by(info.id);
        let Some(set) = e.sets.get_mut(ts) else {
            return Err(DataAccessError::ObjectNonExistent);
        };
        match set.owner {
            Some(o) if o != info.id => return Err(DataAccessError::TemporarilyUnavailable),
            None if owned >= shared.limits.transfer_sets_per_association => {
                return Err(DataAccessError::TemporarilyUnavailable)
            }
            _ => {}
        }
        let enabled = set.run.is_some();
        let mut new = set.value.clone();
        match component {
            None => {
                let (v, _edition) = DsTransferSet::from_data(value)
                    .map_err(|_| DataAccessError::ObjectAttributeInconsistent)?;
                if enabled && v.status && !same_but_status(&set.value, &v) {
                    return Err(DataAccessError::ObjectAttributeInconsistent);
                }
                new = v;
                if shared.edition == Edition::V1996_08 {
                    new.all_changes_reported = false;
                }
            }
            Some(name) => {
                if DsTransferSet::component_index(shared.edition, name).is_none() {
                    return Err(DataAccessError::ObjectNonExistent);
                }
                if enabled && name != "Status" {
                    return Err(DataAccessError::ObjectAttributeInconsistent);
                }
                set_component(&mut new, name, value)?;
            }
        }
        if new.status && !enabled {
            let run = start(shared, info, blt, &new)?;
            set.run = Some(run);
            events.push(ServerEvent::TransferSetEnabled {
                association: info.id,
                transfer_set: entry.mms_name.clone(),
            });
        } else if !new.status && enabled {
            set.run = None;
            events.push(ServerEvent::TransferSetDisabled {
                association: info.id,
                transfer_set: entry.mms_name.clone(),
            });
        }
        set.owner = Some(info.id);
        set.value = new;
        let data = set.value.to_data(shared.edition);
        if let Err(err) = shared.model.set_name(&entry.key.name(), data) {
            log::warn!("transfer set {}: {err}", entry.key);
        }
        e.kicked = true;
        Ok(())
    };
    shared.wake.notify_all();
    for ev in events {
        shared.event(ev);
    }
    result
}

/// The association ended: its transfer sets are disabled, reset and freed.
pub(crate) fn release(shared: &Shared, association: u64) {
    let mut e = super::lock(&shared.engine);
    for (set, entry) in e.sets.iter_mut().zip(&shared.dir.transfer_sets) {
        if set.owner != Some(association) {
            continue;
        }
        set.owner = None;
        set.run = None;
        set.value = DsTransferSet::new(no_data_set());
        let data = set.value.to_data(shared.edition);
        if let Err(err) = shared.model.set_name(&entry.key.name(), data) {
            log::warn!("transfer set {}: {err}", entry.key);
        }
    }
    e.kicked = true;
    drop(e);
    shared.wake.notify_all();
}
