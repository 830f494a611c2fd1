//! The reporting thread (IEC 60870-6-503 Blocks 1 and 2; docs/tase2-server.md, "Reports"):
//! one thread sleeping on a condition variable until the next deadline of any transfer set
//! (interval, integrity, buffer time, ACK timeout, select timeout) or until a change, a
//! request or a configuration wakes it. Reports go out as InformationReports through the MMS
//! server's handle, in the named-variable-list form (whole data set) or the
//! list-of-variables form (RBE changes, `Transfer_Set_Name` first), switching to the first
//! when the second would exceed the association's PDU size.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::access::{AccessResult, VariableAccessSpecification, VariableDef};
use crate::codec::{Asn1, Choice};
use crate::common::ObjectName;
use crate::data::Data;
use crate::pdu::UnconfirmedService;
use crate::server::model::variables;
use crate::services::variables::InformationReport;
use crate::tase2::names::{self, MmsObjectName};
use crate::tase2::time::TimeStamp;
use crate::tase2::transfer_set::{DsConditions, EventCode};
use crate::tase2::Tase2Type;

use super::objects::Special;
use super::transfer_sets::{now_seconds, Engine, Running};
use super::{bump, devices, lock, ServerEvent, Shared};

/// The longest the thread sleeps without a deadline (it wakes on every change anyway).
const IDLE_WAIT: Duration = Duration::from_secs(3600);

/// One report to make.
struct Job {
    ts: usize,
    association: u64,
    condition: DsConditions,
    event_code: EventCode,
    critical: bool,
    max_pdu: usize,
    ds_name: ObjectName<'static>,
    members: Arc<[ObjectName<'static>]>,
    specials: Arc<[Option<Special>]>,
    /// `None`: the whole data set (form A). `Some`: changed members with the value buffered
    /// for each (AllChangesReported) or `None` for the current value (form B).
    changes: Option<Vec<(usize, Option<Data<'static>>)>>,
}

fn due(t: Option<Instant>, now: Instant) -> bool {
    t.is_some_and(|t| t <= now)
}

fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

impl Engine {
    /// Takes the reports due at `now` and the ACK time-outs, and gives the next deadline.
    fn collect(
        &mut self,
        shared: &Shared,
        now: Instant,
    ) -> (Vec<Job>, Vec<ServerEvent>, Option<Instant>) {
        let mut jobs = Vec::new();
        let mut timeouts = Vec::new();
        let mut next = None;
        for (i, s) in self.sets.iter_mut().enumerate() {
            let (Some(run), Some(owner)) = (s.run.as_mut(), s.owner) else {
                continue;
            };
            let Some(entry) = shared.dir.transfer_sets.get(i) else {
                continue;
            };
            let v = &s.value;
            let job = |run: &Running, condition, event_code, changes| Job {
                ts: i,
                association: owner,
                condition,
                event_code,
                critical: v.critical,
                max_pdu: run.max_pdu,
                ds_name: run.ds_name.clone(),
                members: run.members.clone(),
                specials: run.specials.clone(),
                changes,
            };
            while run.outstanding.front().is_some_and(|(_, d)| *d <= now) {
                if let Some((ts, _)) = run.outstanding.pop_front() {
                    timeouts.push(ServerEvent::CriticalReportUnacknowledged {
                        association: owner,
                        transfer_set: entry.mms_name.clone(),
                        time_stamp: ts,
                    });
                }
            }
            while let Some((c, code)) = run.requests.pop_front() {
                jobs.push(job(run, c, code, None));
            }
            if due(run.next_interval, now) {
                if v.rbe {
                    let changes = take_changes(run, v.all_changes_reported);
                    if !changes.is_empty() {
                        jobs.push(job(
                            run,
                            DsConditions::INTERVAL_TIMEOUT,
                            EventCode(0),
                            Some(changes),
                        ));
                    }
                } else {
                    jobs.push(job(run, DsConditions::INTERVAL_TIMEOUT, EventCode(0), None));
                }
                let step = Duration::from_secs(u64::try_from(v.interval.max(1)).unwrap_or(1));
                let mut t = run.next_interval.unwrap_or(now) + step;
                if t <= now {
                    t = now + step;
                }
                run.next_interval = Some(t);
            }
            if due(run.next_integrity, now) {
                jobs.push(job(
                    run,
                    DsConditions::INTEGRITY_TIMEOUT,
                    EventCode(0),
                    None,
                ));
                let step =
                    Duration::from_secs(u64::try_from(v.integrity_check.max(1)).unwrap_or(1));
                let mut t = run.next_integrity.unwrap_or(now) + step;
                if t <= now {
                    t = now + step;
                }
                run.next_integrity = Some(t);
            }
            if due(run.buffer_deadline, now) {
                run.buffer_deadline = None;
                if v.rbe {
                    let changes = take_changes(run, v.all_changes_reported);
                    if !changes.is_empty() {
                        jobs.push(job(
                            run,
                            DsConditions::OBJECT_CHANGE,
                            EventCode(0),
                            Some(changes),
                        ));
                    }
                } else if run.changed_any {
                    jobs.push(job(run, DsConditions::OBJECT_CHANGE, EventCode(0), None));
                }
                run.changed_any = false;
                if !v.rbe {
                    run.changed.clear();
                }
            }
            next = earliest(next, run.next_interval);
            next = earliest(next, run.next_integrity);
            next = earliest(next, run.buffer_deadline);
            next = earliest(next, run.outstanding.front().map(|(_, d)| *d));
        }
        (jobs, timeouts, next)
    }
}

fn take_changes(run: &mut Running, all: bool) -> Vec<(usize, Option<Data<'static>>)> {
    run.changed_any = false;
    if all {
        run.changed.clear();
        run.all_changes
            .drain(..)
            .map(|(p, d)| (p, Some(d)))
            .collect()
    } else {
        let v = run.changed.iter().map(|&p| (p, None)).collect();
        run.changed.clear();
        v
    }
}

/// The thread's body: until [`super::Reporter`] asks it to stop.
pub(crate) fn run(shared: &Shared) {
    loop {
        let now = Instant::now();
        let select_deadline = devices::expire(shared, now);
        let (jobs, timeouts, next) = {
            let mut e = lock(&shared.engine);
            if e.shutdown {
                return;
            }
            e.kicked = false;
            let (jobs, timeouts, next) = e.collect(shared, now);
            let next = earliest(next, select_deadline);
            if jobs.is_empty() && timeouts.is_empty() {
                let wait = next.map_or(IDLE_WAIT, |t| t.saturating_duration_since(now));
                if !wait.is_zero() {
                    let (mut g, _) = match shared.wake.wait_timeout(e, wait) {
                        Ok(x) => x,
                        Err(p) => p.into_inner(),
                    };
                    if g.shutdown {
                        return;
                    }
                    g.kicked = false;
                }
                continue;
            }
            (jobs, timeouts, next)
        };
        let _ = next;
        for t in timeouts {
            bump(&shared.counters.ack_timeouts);
            shared.event(t);
        }
        for j in jobs {
            send(shared, &j);
        }
    }
}

/// The value of a special variable in a report.
fn special_value(s: Special, ts_name: &MmsObjectName, time: TimeStamp, job: &Job) -> Data<'static> {
    match s {
        Special::TransferSetName => ts_name.to_data(),
        Special::TimeStamp => time.to_data(),
        Special::Conditions => job.condition.to_data(),
        Special::EventCode => job.event_code.to_data(),
    }
}

fn current(shared: &Shared, name: &ObjectName<'_>) -> AccessResult<'static> {
    match variables::read_value(&shared.model, None, name, None) {
        Ok(d) => AccessResult::Success(d),
        Err(e) => AccessResult::Failure(e),
    }
}

/// Form A: the data set by name, one value per member in member order.
fn whole(
    shared: &Shared,
    job: &Job,
    ts_name: &MmsObjectName,
    time: TimeStamp,
) -> InformationReport<'static> {
    let results = job
        .members
        .iter()
        .zip(job.specials.iter())
        .map(|(m, s)| match s {
            Some(s) => AccessResult::Success(special_value(*s, ts_name, time, job)),
            None => current(shared, m),
        })
        .collect();
    InformationReport {
        variable_access_specification: VariableAccessSpecification::VariableListName(
            job.ds_name.clone(),
        ),
        list_of_access_result: results,
    }
}

/// Form B: `<ICC>/Transfer_Set_Name` first, the data set's other special variables in
/// data-set order, then each change with its own name.
fn changes(
    shared: &Shared,
    job: &Job,
    changes: &[(usize, Option<Data<'static>>)],
    ts_name: &MmsObjectName,
    time: TimeStamp,
) -> InformationReport<'static> {
    let mut vars = vec![VariableDef::name(ObjectName::domain(
        ts_name.domain_name.clone(),
        names::TRANSFER_SET_NAME.to_string(),
    ))];
    let mut results = vec![AccessResult::Success(ts_name.to_data())];
    for (m, s) in job.members.iter().zip(job.specials.iter()) {
        if let Some(s) = s {
            if *s != Special::TransferSetName {
                vars.push(VariableDef::name(m.clone()));
                results.push(AccessResult::Success(special_value(*s, ts_name, time, job)));
            }
        }
    }
    for (p, value) in changes {
        let Some(m) = job.members.get(*p) else {
            continue;
        };
        vars.push(VariableDef::name(m.clone()));
        results.push(match value {
            Some(d) => AccessResult::Success(d.clone()),
            None => current(shared, m),
        });
    }
    InformationReport {
        variable_access_specification: VariableAccessSpecification::ListOfVariable(vars),
        list_of_access_result: results,
    }
}

pub(super) fn encoded_len(s: &UnconfirmedService<'_>) -> usize {
    let mut w = copp::ber::Writer::with_capacity(256);
    crate::pdu::write_unconfirmed_pdu(&mut w, s);
    w.into_vec().len()
}

/// The octets one variable and its value add to a list-of-variables report.
fn entry_len(v: &VariableDef<'_>, r: &AccessResult<'_>) -> usize {
    let mut w = copp::ber::Writer::with_capacity(64);
    r.encode_choice(&mut w);
    v.encode(&mut w);
    w.len()
}

fn list_report(
    vars: Vec<VariableDef<'static>>,
    results: Vec<AccessResult<'static>>,
) -> UnconfirmedService<'static> {
    UnconfirmedService::InformationReport(InformationReport {
        variable_access_specification: VariableAccessSpecification::ListOfVariable(vars),
        list_of_access_result: results,
    })
}

/// Room left in a split report for the length octets of its enclosing structures, which grow
/// as the report does (a few octets each; far less than this).
const SPLIT_SLACK: usize = 32;

/// A list-of-variables report whose first `head` variables are Transfer_Set_Name and the
/// other special variables, cut into reports of at most `max_pdu` octets, each repeating
/// the head, the changes in their order. A single change too large on its own is left in a
/// report of its own (which the caller then drops).
pub(super) fn split(
    report: InformationReport<'static>,
    head: usize,
    max_pdu: usize,
) -> Vec<UnconfirmedService<'static>> {
    let VariableAccessSpecification::ListOfVariable(mut vars) =
        report.variable_access_specification
    else {
        return Vec::new();
    };
    let mut results = report.list_of_access_result;
    let head = head.min(vars.len()).min(results.len());
    let head_vars: Vec<VariableDef<'static>> = vars.drain(..head).collect();
    let head_results: Vec<AccessResult<'static>> = results.drain(..head).collect();
    let base = encoded_len(&list_report(head_vars.clone(), head_results.clone()));
    let budget = max_pdu.saturating_sub(base + SPLIT_SLACK);
    let mut out = Vec::new();
    let (mut cur_vars, mut cur_results, mut cur) = (head_vars.clone(), head_results.clone(), 0);
    for (v, r) in vars.into_iter().zip(results) {
        let n = entry_len(&v, &r);
        if cur > 0 && cur + n > budget {
            out.push(list_report(
                std::mem::replace(&mut cur_vars, head_vars.clone()),
                std::mem::replace(&mut cur_results, head_results.clone()),
            ));
            cur = 0;
        }
        cur_vars.push(v);
        cur_results.push(r);
        cur += n;
    }
    if cur > 0 {
        out.push(list_report(cur_vars, cur_results));
    }
    out
}

/// The reports `job` makes: the changes in the list-of-variables form; when that exceeds the
/// association's PDU size, the whole data set (the reference vendor's "switching report to
/// NVL"), except with AllChangesReported; when that does not fit either (a data set larger
/// than a PDU), or with AllChangesReported, the changes in as many list-of-variables reports
/// as they need (docs/tase2-server.md, "Reports").
fn reports(
    shared: &Shared,
    job: &Job,
    ts_name: &MmsObjectName,
    time: TimeStamp,
) -> Vec<UnconfirmedService<'static>> {
    let Some(c) = &job.changes else {
        return vec![UnconfirmedService::InformationReport(whole(
            shared, job, ts_name, time,
        ))];
    };
    let report = changes(shared, job, c, ts_name, time);
    let s = UnconfirmedService::InformationReport(report);
    if encoded_len(&s) <= job.max_pdu {
        return vec![s];
    }
    // With AllChangesReported the buffered values are the report: the whole data set (current
    // values only) would lose the intermediate ones.
    let buffered = c.iter().any(|(_, v)| v.is_some());
    if !buffered {
        let w = UnconfirmedService::InformationReport(whole(shared, job, ts_name, time));
        if encoded_len(&w) <= job.max_pdu {
            return vec![w];
        }
    }
    let UnconfirmedService::InformationReport(report) = s else {
        return Vec::new();
    };
    let head = 1 + job
        .specials
        .iter()
        .flatten()
        .filter(|s| **s != Special::TransferSetName)
        .count();
    split(report, head, job.max_pdu)
}

fn send(shared: &Shared, job: &Job) {
    let Some(entry) = shared.dir.transfer_sets.get(job.ts) else {
        return;
    };
    let ts_name = &entry.mms_name;
    let seconds = now_seconds();
    let time = TimeStamp(i32::try_from(seconds).unwrap_or(i32::MAX));
    for service in reports(shared, job, ts_name, time) {
        send_one(shared, job, ts_name, time, &service);
    }
}

fn send_one(
    shared: &Shared,
    job: &Job,
    ts_name: &MmsObjectName,
    time: TimeStamp,
    service: &UnconfirmedService<'_>,
) {
    let sent =
        encoded_len(service) <= job.max_pdu && shared.send_unconfirmed(job.association, service);
    if !sent {
        bump(&shared.counters.reports_dropped);
        shared.event(ServerEvent::ReportDropped {
            association: job.association,
            transfer_set: ts_name.clone(),
        });
        return;
    }
    bump(&shared.counters.reports_sent);
    if job.critical {
        let mut e = lock(&shared.engine);
        let deadline = Instant::now() + shared.timing.ack_timeout();
        let limit = shared.limits.outstanding_critical.max(1);
        let mut overflow = None;
        if let Some(run) = e
            .sets
            .get_mut(job.ts)
            .filter(|s| s.owner == Some(job.association))
            .and_then(|s| s.run.as_mut())
        {
            if run.outstanding.len() >= limit {
                overflow = run.outstanding.pop_front();
            }
            run.outstanding.push_back((time, deadline));
        }
        e.kicked = true;
        drop(e);
        if let Some((ts, _)) = overflow {
            bump(&shared.counters.ack_timeouts);
            shared.event(ServerEvent::CriticalReportUnacknowledged {
                association: job.association,
                transfer_set: ts_name.clone(),
                time_stamp: ts,
            });
        }
    }
}

/// A Transfer_Report_ACK or NACK from association `association` (an InformationReport from
/// the client, IEC 60870-6-503; docs/tase2.md, "Object names"). `name` is the transfer set
/// it names (`None` when it could not be decoded), `time` the time stamp the ACK carried.
pub(crate) fn acknowledge(
    shared: &Shared,
    association: u64,
    ack: bool,
    name: Option<MmsObjectName>,
    time: Option<TimeStamp>,
) {
    let index = name.as_ref().and_then(|n| {
        shared
            .dir
            .transfer_sets
            .iter()
            .position(|t| t.mms_name == *n)
    });
    let mut known = false;
    if let Some(i) = index {
        let mut e = lock(&shared.engine);
        if let Some(s) = e.sets.get_mut(i).filter(|s| s.owner == Some(association)) {
            known = true;
            if ack {
                if let Some(run) = s.run.as_mut() {
                    // The ACK clears the report it names by time stamp, and every older one
                    // (libtase2 clears per transfer set); without a time stamp, all.
                    match time {
                        Some(t) => run.outstanding.retain(|(ts, _)| ts.0 > t.0),
                        None => run.outstanding.clear(),
                    }
                }
            }
        }
    }
    match (known, ack, name) {
        (true, true, Some(n)) => {
            bump(&shared.counters.acks);
            shared.event(ServerEvent::ReportAcknowledged {
                association,
                transfer_set: n,
                time_stamp: time,
            });
        }
        (true, false, n) => {
            bump(&shared.counters.nacks);
            shared.event(ServerEvent::ReportNacked {
                association,
                transfer_set: n,
            });
        }
        (_, _, n) => {
            bump(&shared.counters.unknown_acks);
            shared.event(ServerEvent::UnknownAcknowledgement {
                association,
                transfer_set: n,
            });
        }
    }
}
