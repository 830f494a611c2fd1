//! `mms bench tase2`: report throughput of the TASE.2 server and client (IEC 60870-6-503 DS
//! transfer sets with RBE on ObjectChange). A `Tase2Server` and its clients run in this
//! process on loopback; a data set of Data_RealQTimeTag points is reported to one association
//! (BufferTime 0 and 1 s) and then spread over many associations, each with a transfer set of
//! its own, while an application thread changes N points per second.
//!
//! Every change k sets point `k mod P` to the value k (exact in an f32 below 2^24) and records
//! the instant of the change under k, so the client callback knows which change produced each
//! reported value. Latency is measured from the *oldest change of that point not yet reported*
//! (with BufferTime > 0 or under load the server coalesces changes, RBE reporting the current
//! value; the change that was superseded waits for the report carrying its successor), and,
//! second, from the change whose value was reported. The run checks what it measures: the last
//! value of every changed point must arrive, values of one point never go backwards, every
//! reported value must be one the application wrote to that point, and no report may be
//! unknown, malformed or dropped; any failure makes the program exit non-zero.
//!
//! CPU is read per thread from /proc (`schedstat`): the server is its MMS event-loop threads,
//! its reporting thread and the application thread (whose work is the `PointHandle::set`
//! calls); the client its MMS receive threads and report threads. The reference, measured in
//! the same run, is a plain loopback TCP stream carrying messages of the same sizes as the
//! reports (each report's MMS PDU re-encoded from what arrived), from a writer thread to a
//! reader thread.

use std::collections::HashMap;
use std::io::{BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mms::access::{AccessResult, VariableAccessSpecification, VariableDef};
use mms::pdu::UnconfirmedService;
use mms::server::ServerConfig;
use mms::services::variables::InformationReport;
use mms::tase2::client::{Client, DataSetLayout, Event, ReportedValue, Tase2Config};
use mms::tase2::point::ValueQTimeTag;
use mms::tase2::server::{
    Config, DataSetConfig, IccConfig, LimitsConfig, PointConfig, Tase2Server,
};
use mms::tase2::{
    DataFlags, DsConditions, DsTransferSet, MmsObjectName, Point, PointType, Tase2Type, TimeStamp,
};
use mms::ObjectName;

/// Transfer sets per ICC in the many-association run (an ICC's pool holds at most 99).
const SETS_PER_ICC: usize = 50;
/// The most changes one run records (the value k must stay exact in an f32: below 2^24).
const MAX_CHANGES: usize = 4_000_000;

/// A change rate: changes per second, or as fast as the application thread can.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rate {
    /// This many changes per second.
    PerSecond(u64),
    /// No pacing.
    Max,
}

impl FromStr for Rate {
    type Err = String;
    fn from_str(s: &str) -> Result<Rate, String> {
        if s.eq_ignore_ascii_case("max") {
            return Ok(Rate::Max);
        }
        match s.parse::<u64>() {
            Ok(n) if n > 0 => Ok(Rate::PerSecond(n)),
            _ => Err(format!(
                "a rate is a positive number of changes per second or `max`: {s}"
            )),
        }
    }
}

impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rate::PerSecond(n) => write!(f, "{n}/s"),
            Rate::Max => f.write_str("max"),
        }
    }
}

/// Options of `mms bench tase2`.
#[derive(Debug, Clone, clap::Args)]
pub struct Tase2BenchArgs {
    /// Data_RealQTimeTag points in the data set.
    #[arg(long, default_value_t = 10_000)]
    pub points: usize,
    /// Changes per second the application makes, comma-separated; `max` = unpaced.
    #[arg(long, value_delimiter = ',', default_value = "20000,max")]
    pub rates: Vec<Rate>,
    /// Seconds the application changes points in each run.
    #[arg(long, default_value_t = 5.0)]
    pub seconds: f64,
    /// BufferTime values (seconds) of the one-association runs, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "0,1")]
    pub buffer_times: Vec<u16>,
    /// Associations of the many-association run (BufferTime 0), each with its own transfer
    /// set on its own share of the points; 0 skips it.
    #[arg(long, default_value_t = 100)]
    pub associations: usize,
    /// Runs of each scenario; the figures printed are the medians.
    #[arg(long, default_value_t = 1)]
    pub repeat: usize,
    /// Set AllChangesReported: every change must then arrive, not only the last value.
    #[arg(long)]
    pub all_changes: bool,
    /// Seconds to wait after the changes stop for the last values to arrive.
    #[arg(long, default_value_t = 30.0)]
    pub drain: f64,
}

/// One scenario.
#[derive(Debug, Clone, Copy)]
struct Scenario {
    associations: usize,
    buffer_time: u16,
    rate: Rate,
}

impl std::fmt::Display for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} association{}, BufferTime {} s, rate {}",
            self.associations,
            if self.associations == 1 { "" } else { "s" },
            self.buffer_time,
            self.rate
        )
    }
}

/// What went wrong in a run (all must be zero).
#[derive(Debug, Default, Clone, Copy)]
struct Errors {
    /// Points whose last value never arrived.
    missing_final: u64,
    /// Values older than one already reported for the point.
    out_of_order: u64,
    /// Values the application never wrote to that point.
    mismatched: u64,
    /// Values that did not decode as Data_RealQTimeTag (or arrived as access errors).
    point_errors: u64,
    /// Reports of unknown transfer sets, malformed reports, events dropped by the client.
    unknown: u64,
    malformed: u64,
    client_dropped: u64,
    /// Reports the server could not send, buffered changes it dropped.
    server_dropped: u64,
    changes_dropped: u64,
    /// With AllChangesReported: changes never reported.
    lost_changes: u64,
}

impl Errors {
    fn total(&self) -> u64 {
        self.missing_final
            + self.out_of_order
            + self.mismatched
            + self.point_errors
            + self.unknown
            + self.malformed
            + self.client_dropped
            + self.server_dropped
            + self.changes_dropped
            + self.lost_changes
    }

    fn add(&mut self, o: &Errors) {
        self.missing_final += o.missing_final;
        self.out_of_order += o.out_of_order;
        self.mismatched += o.mismatched;
        self.point_errors += o.point_errors;
        self.unknown += o.unknown;
        self.malformed += o.malformed;
        self.client_dropped += o.client_dropped;
        self.server_dropped += o.server_dropped;
        self.changes_dropped += o.changes_dropped;
        self.lost_changes += o.lost_changes;
    }
}

/// The figures of one run.
#[derive(Debug, Default, Clone)]
struct Figures {
    changes: u64,
    window: f64,
    /// Point values delivered to callbacks while the application was changing points.
    reported_in_window: u64,
    reports_in_window: u64,
    /// All point values delivered, and those that repeated the last value seen.
    reported_total: u64,
    repeats: u64,
    /// Changes superseded before being reported (RBE coalescing).
    superseded: u64,
    /// Latency, µs: from the oldest unreported change, and from the reported change.
    oldest_p50: f64,
    oldest_p99: f64,
    value_p50: f64,
    value_p99: f64,
    /// CPU seconds in the window: server event loop, reporting thread, application, client.
    cpu_loop: f64,
    cpu_reporting: f64,
    cpu_app: f64,
    cpu_client: f64,
    /// The raw TCP reference: points/s and writer + reader CPU per point (µs).
    raw_points_per_s: f64,
    raw_cpu_per_point: f64,
    raw_octets: u64,
    raw_messages: usize,
    errors: Errors,
}

impl Figures {
    fn points_per_s(&self) -> f64 {
        self.reported_in_window as f64 / self.window.max(1e-9)
    }
    fn server_cpu(&self) -> f64 {
        self.cpu_loop + self.cpu_reporting + self.cpu_app
    }
    fn server_cpu_per_point(&self) -> f64 {
        self.server_cpu() / self.reported_in_window.max(1) as f64 * 1e6
    }
}

// ------------------------------------------------------------------------------------------
// Per-thread CPU from /proc

/// CPU nanoseconds of every thread of this process, by thread id, with its name.
fn threads_cpu() -> HashMap<u32, (String, u64)> {
    let mut out = HashMap::new();
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return out;
    };
    for e in dir.flatten() {
        let Some(tid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let p = e.path();
        let comm = std::fs::read_to_string(p.join("comm")).unwrap_or_default();
        if let Some(ns) = std::fs::read_to_string(p.join("schedstat"))
            .ok()
            .and_then(|s| s.split_whitespace().next().and_then(|x| x.parse().ok()))
        {
            out.insert(tid, (comm.trim().to_string(), ns));
        }
    }
    out
}

/// CPU seconds of the calling thread.
fn own_cpu() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .next()
                .and_then(|x| x.parse::<u64>().ok())
        })
        .map_or(0.0, |ns| ns as f64 / 1e9)
}

/// CPU seconds between two snapshots, summed by thread group: the server's MMS event loops,
/// its reporting thread, the client's threads.
fn cpu_between(a: &HashMap<u32, (String, u64)>, b: &HashMap<u32, (String, u64)>) -> [f64; 3] {
    let mut g = [0.0; 3];
    for (tid, (name, end)) in b {
        let start = a.get(tid).map_or(0, |x| x.1);
        let secs = end.saturating_sub(start) as f64 / 1e9;
        let i = if name.starts_with("mms-server-") {
            0
        } else if name == "tase2-reporting" {
            1
        } else if name.starts_with("mms-client-") || name == "tase2-reports" {
            2
        } else {
            continue;
        };
        g[i] += secs;
    }
    g
}

// ------------------------------------------------------------------------------------------
// The tracker: change instants and what arrived

struct Tracker {
    base: Instant,
    points: usize,
    /// Nanoseconds after `base` (+1) of change k; 0 = not made.
    times: Vec<AtomicU64>,
    /// Per point: the last change reported (+1); 0 = none.
    last: Vec<AtomicU64>,
    delivered: AtomicU64,
    reports: AtomicU64,
    repeats: AtomicU64,
    superseded: AtomicU64,
    out_of_order: AtomicU64,
    mismatched: AtomicU64,
    point_errors: AtomicU64,
    unknown: AtomicU64,
    malformed: AtomicU64,
}

/// What one client's callback keeps: latencies (oldest unreported, reported value; ns) and
/// the points per report (for the reference).
#[derive(Default)]
struct Local {
    latencies: Vec<(u64, u64)>,
    report_points: Vec<u32>,
}

fn point_index(name: &ObjectName<'_>) -> Option<usize> {
    name.item().strip_prefix('P')?.parse().ok()
}

impl Tracker {
    fn now_ns(&self) -> u64 {
        u64::try_from(self.base.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    fn on_event(&self, event: Event, local: &Mutex<Local>) {
        let r = match event {
            Event::Report(r) => r,
            Event::Unknown(_) => {
                self.unknown.fetch_add(1, Ordering::Relaxed);
                return;
            }
            Event::Malformed(_) => {
                self.malformed.fetch_add(1, Ordering::Relaxed);
                return;
            }
            _ => return,
        };
        let now = self.now_ns();
        let p_count = self.points as u64;
        let mut l = local.lock().unwrap_or_else(|e| e.into_inner());
        let mut n = 0u32;
        for rp in &r.points {
            let v = match (&rp.value, point_index(&rp.name)) {
                (Ok(ReportedValue::Point(Point::RealQTimeTag(v))), Some(p)) if p < self.points => {
                    (p, v.value)
                }
                _ => {
                    self.point_errors.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
            };
            let (p, value) = v;
            n += 1;
            self.delivered.fetch_add(1, Ordering::Relaxed);
            let k = value as u64;
            let made = self
                .times
                .get(k as usize)
                .map_or(0, |t| t.load(Ordering::Acquire));
            if value < 0.0 || value.fract() != 0.0 || k % p_count != p as u64 || made == 0 {
                self.mismatched.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            let Some(last) = self.last.get(p) else {
                continue;
            };
            let prev = last.load(Ordering::Relaxed);
            if k + 1 < prev {
                self.out_of_order.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            if k + 1 == prev {
                self.repeats.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            // The oldest change of this point not reported before this report.
            let oldest = if prev == 0 {
                p as u64
            } else {
                prev - 1 + p_count
            };
            self.superseded
                .fetch_add((k - oldest) / p_count, Ordering::Relaxed);
            last.store(k + 1, Ordering::Relaxed);
            let first = self
                .times
                .get(oldest as usize)
                .map_or(made, |t| t.load(Ordering::Acquire));
            l.latencies.push((
                now.saturating_sub(first.saturating_sub(1)),
                now.saturating_sub(made - 1),
            ));
        }
        self.reports.fetch_add(1, Ordering::Relaxed);
        l.report_points.push(n);
    }
}

// ------------------------------------------------------------------------------------------
// One run

fn point_name(i: usize) -> String {
    format!("P{i:05}")
}

/// The ICC of association `k`.
fn icc_of(k: usize) -> String {
    format!("ICC{}", k / SETS_PER_ICC + 1)
}

/// The points of association `k` of `a`.
fn share(k: usize, a: usize, points: usize) -> std::ops::Range<usize> {
    k * points / a..(k + 1) * points / a
}

fn server_config(a: usize, points: usize, buffered: usize) -> Config {
    let iccs = a.div_ceil(SETS_PER_ICC);
    let mut icc_configs = Vec::with_capacity(iccs);
    for i in 0..iccs {
        let ks = i * SETS_PER_ICC..((i + 1) * SETS_PER_ICC).min(a);
        let mut pts = Vec::new();
        let mut sets = Vec::new();
        for k in ks.clone() {
            let names: Vec<String> = share(k, a, points).map(point_name).collect();
            pts.extend(
                names
                    .iter()
                    .map(|n| PointConfig::new(n, "Data_RealQTimeTag")),
            );
            let mut members = vec![
                "Transfer_Set_Name".to_string(),
                "Transfer_Set_Time_Stamp".to_string(),
                "DSConditions_Detected".to_string(),
            ];
            members.extend(names);
            let refs: Vec<&str> = members.iter().map(String::as_str).collect();
            sets.push(DataSetConfig::new(&format!("DS{k}"), &refs));
        }
        icc_configs.push(
            IccConfig::new(&format!("ICC{}", i + 1))
                .with_transfer_sets(ks.len() + 1)
                .with_points(pts)
                .with_data_sets(sets),
        );
    }
    Config::new().with_iccs(icc_configs).with_limits(
        LimitsConfig::default()
            .with_buffered_changes(buffered.max(256))
            .with_transfer_sets_per_association(1),
    )
}

fn percentile_us(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)] as f64 / 1e3
}

fn run_once(sc: Scenario, args: &Tase2BenchArgs) -> Result<Figures, String> {
    let points = args.points.max(sc.associations);
    let a = sc.associations;
    let capacity = match sc.rate {
        Rate::PerSecond(n) => ((n as f64 * args.seconds * 1.2) as usize + points).min(MAX_CHANGES),
        Rate::Max => MAX_CHANGES,
    };
    let buffered = if args.all_changes {
        match sc.rate {
            Rate::PerSecond(n) => (n as usize * (usize::from(sc.buffer_time) + 2)).min(capacity),
            Rate::Max => capacity,
        }
    } else {
        256
    };
    let config = server_config(a, points, buffered);
    let tase2 = Tase2Server::new(&config).map_err(|e| format!("server configuration: {e}"))?;
    let running = tase2
        .spawn(ServerConfig::listening(["127.0.0.1:0"
            .parse()
            .map_err(|e: std::net::AddrParseError| e.to_string())?]))
        .map_err(|e| format!("server: {e}"))?;
    let addr = running.local_addr().ok_or("the server has no address")?;
    let handles = (0..points)
        .map(|i| {
            let k = (0..a)
                .find(|&k| share(k, a, points).contains(&i))
                .unwrap_or(0);
            tase2
                .point(&format!("{}/{}", icc_of(k), point_name(i)))
                .ok_or_else(|| format!("point {i} missing"))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let tracker = Arc::new(Tracker {
        base: Instant::now(),
        points,
        times: (0..capacity).map(|_| AtomicU64::new(0)).collect(),
        last: (0..points).map(|_| AtomicU64::new(0)).collect(),
        delivered: AtomicU64::new(0),
        reports: AtomicU64::new(0),
        repeats: AtomicU64::new(0),
        superseded: AtomicU64::new(0),
        out_of_order: AtomicU64::new(0),
        mismatched: AtomicU64::new(0),
        point_errors: AtomicU64::new(0),
        unknown: AtomicU64::new(0),
        malformed: AtomicU64::new(0),
    });
    let mut clients = Vec::with_capacity(a);
    let mut locals = Vec::with_capacity(a);
    for k in 0..a {
        let icc = icc_of(k);
        let c = Client::connect(addr, Tase2Config::new(&icc))
            .map_err(|e| format!("association {k}: {e}"))?;
        let ds = format!("DS{k}");
        c.register_data_set(DataSetLayout::standard(
            &icc,
            &ds,
            false,
            share(k, a, points).map(|i| {
                (
                    ObjectName::domain(icc.clone(), point_name(i)),
                    PointType::RealQTimeTag,
                )
            }),
        ))
        .map_err(|e| e.to_string())?;
        let local = Arc::new(Mutex::new(Local::default()));
        let (t, l) = (tracker.clone(), local.clone());
        c.set_callback(Some(Arc::new(move |e| t.on_event(e, &l))));
        let mut set = DsTransferSet::new(
            MmsObjectName::icc(&icc, &ds).map_err(|e| format!("data set name: {e}"))?,
        );
        set.ds_conditions_requested = DsConditions::OBJECT_CHANGE;
        set.rbe = true;
        set.all_changes_reported = args.all_changes;
        set.buffer_time = i32::from(sc.buffer_time);
        c.start_transfer_set(&set)
            .map_err(|e| format!("association {k}: transfer set: {e}"))?;
        clients.push(c);
        locals.push(local);
    }

    // The application: change k sets point k mod P to k, paced to the rate.
    let cpu_start = threads_cpu();
    let window = Duration::from_secs_f64(args.seconds);
    let t = tracker.clone();
    let rate = sc.rate;
    let changer = std::thread::Builder::new()
        .name("bench-changer".into())
        .spawn(move || -> Result<(u64, f64, f64), String> {
            let cpu0 = own_cpu();
            let start = Instant::now();
            let mut k = 0usize;
            let now_s = || {
                TimeStamp(
                    i32::try_from(
                        std::time::SystemTime::now()
                            .duration_since(std::time::UNIX_EPOCH)
                            .map_or(0, |d| d.as_secs()),
                    )
                    .unwrap_or(i32::MAX),
                )
            };
            let mut stamp = now_s();
            loop {
                let elapsed = start.elapsed();
                if elapsed >= window || k >= t.times.len() {
                    break;
                }
                let due = match rate {
                    Rate::PerSecond(n) => {
                        ((elapsed.as_secs_f64() * n as f64) as usize + 1).min(t.times.len())
                    }
                    Rate::Max => (k + 64).min(t.times.len()),
                };
                if k >= due {
                    std::thread::sleep(Duration::from_micros(200));
                    continue;
                }
                if k % 4096 == 0 {
                    stamp = now_s();
                }
                while k < due {
                    let p = k % handles.len();
                    if let (Some(h), Some(slot)) = (handles.get(p), t.times.get(k)) {
                        slot.store(t.now_ns() + 1, Ordering::Release);
                        h.set(&Point::RealQTimeTag(ValueQTimeTag {
                            value: k as f32,
                            time_stamp: stamp,
                            flags: DataFlags::GOOD,
                        }))
                        .map_err(|e| format!("set: {e}"))?;
                    }
                    k += 1;
                }
            }
            Ok((k as u64, start.elapsed().as_secs_f64(), own_cpu() - cpu0))
        })
        .map_err(|e| e.to_string())?;
    let (changes, elapsed, cpu_app) = changer
        .join()
        .map_err(|_| "the application thread panicked")??;
    let cpu_end = threads_cpu();
    let reported_in_window = tracker.delivered.load(Ordering::Relaxed);
    let reports_in_window = tracker.reports.load(Ordering::Relaxed);

    // Drain: the last value of every changed point must arrive.
    let finals: Vec<u64> = (0..points as u64)
        .map(|p| {
            if changes > p {
                (changes - 1 - p) / points as u64 * points as u64 + p + 1
            } else {
                0
            }
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs_f64(args.drain + f64::from(sc.buffer_time));
    let missing = |t: &Tracker| {
        finals
            .iter()
            .zip(&t.last)
            .filter(|(f, l)| **f != 0 && l.load(Ordering::Relaxed) != **f)
            .count() as u64
    };
    while missing(&tracker) > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let missing_final = missing(&tracker);
    let stats = running.tase2().stats();
    let mut client_dropped = 0;
    for c in &clients {
        let s = c.stats();
        client_dropped += s.dropped;
        c.set_callback(None);
    }
    for c in clients {
        let _ = c.conclude();
    }
    running
        .stop()
        .map_err(|e| format!("stopping the server: {e}"))?;

    let mut lat_oldest = Vec::new();
    let mut lat_value = Vec::new();
    let mut sizes = Vec::new();
    for l in &locals {
        let l = l.lock().unwrap_or_else(|e| e.into_inner());
        lat_oldest.extend(l.latencies.iter().map(|x| x.0));
        lat_value.extend(l.latencies.iter().map(|x| x.1));
        sizes.extend(l.report_points.iter().copied());
    }
    lat_oldest.sort_unstable();
    lat_value.sort_unstable();
    // The application thread has ended by now: it measured itself.
    let [cpu_loop, cpu_reporting, cpu_client] = cpu_between(&cpu_start, &cpu_end);
    let superseded = tracker.superseded.load(Ordering::Relaxed);
    let errors = Errors {
        missing_final,
        out_of_order: tracker.out_of_order.load(Ordering::Relaxed),
        mismatched: tracker.mismatched.load(Ordering::Relaxed),
        point_errors: tracker.point_errors.load(Ordering::Relaxed),
        unknown: tracker.unknown.load(Ordering::Relaxed),
        malformed: tracker.malformed.load(Ordering::Relaxed),
        client_dropped,
        server_dropped: stats.reports_dropped,
        changes_dropped: stats.changes_dropped,
        lost_changes: if args.all_changes { superseded } else { 0 },
    };
    let (raw_points_per_s, raw_cpu_per_point, raw_octets) = raw_reference(&sizes, a)?;
    Ok(Figures {
        changes,
        window: elapsed,
        reported_in_window,
        reports_in_window,
        reported_total: tracker.delivered.load(Ordering::Relaxed),
        repeats: tracker.repeats.load(Ordering::Relaxed),
        superseded,
        oldest_p50: percentile_us(&lat_oldest, 0.5),
        oldest_p99: percentile_us(&lat_oldest, 0.99),
        value_p50: percentile_us(&lat_value, 0.5),
        value_p99: percentile_us(&lat_value, 0.99),
        cpu_loop,
        cpu_reporting,
        cpu_app,
        cpu_client,
        raw_points_per_s,
        raw_cpu_per_point,
        raw_octets,
        raw_messages: sizes.len(),
        errors,
    })
}

// ------------------------------------------------------------------------------------------
// The reference: the same messages through a plain loopback TCP stream

/// The octets of the MMS PDU of a list-of-variables report with `n` points (Transfer_Set_Name,
/// Transfer_Set_Time_Stamp, DSConditions_Detected, then the points), as the server encodes it.
fn report_octets(n: usize, icc: &str) -> usize {
    let ts = MmsObjectName::icc(icc, "DSTransferSet01")
        .map_or_else(|_| mms::data::Data::Boolean(false), |t| t.to_data());
    let mut vars = vec![
        VariableDef::name(ObjectName::domain(icc.to_string(), "Transfer_Set_Name")),
        VariableDef::name(ObjectName::domain(
            icc.to_string(),
            "Transfer_Set_Time_Stamp",
        )),
        VariableDef::name(ObjectName::domain(icc.to_string(), "DSConditions_Detected")),
    ];
    let mut results = vec![
        AccessResult::Success(ts),
        AccessResult::Success(TimeStamp(1_765_000_000).to_data()),
        AccessResult::Success(DsConditions::OBJECT_CHANGE.to_data()),
    ];
    for i in 0..n {
        vars.push(VariableDef::name(ObjectName::domain(
            icc.to_string(),
            point_name(i),
        )));
        results.push(AccessResult::Success(
            Point::RealQTimeTag(ValueQTimeTag {
                value: 123_456.0,
                time_stamp: TimeStamp(1_765_000_000),
                flags: DataFlags::GOOD,
            })
            .to_data(),
        ));
    }
    let s = UnconfirmedService::InformationReport(InformationReport {
        variable_access_specification: VariableAccessSpecification::ListOfVariable(vars),
        list_of_access_result: results,
    });
    let mut w = copp::ber::Writer::with_capacity(256);
    mms::pdu::write_unconfirmed_pdu(&mut w, &s);
    w.into_vec().len()
}

/// Pushes one message per report (its PDU's octets, a 4-octet length in front) from a writer
/// thread to a reader thread over loopback TCP, repeating the sequence for at least 0.5 s.
/// Returns points/s, writer + reader CPU µs per point, and the octets of one pass.
fn raw_reference(report_points: &[u32], associations: usize) -> Result<(f64, f64, u64), String> {
    if report_points.is_empty() {
        return Ok((0.0, 0.0, 0));
    }
    let mut memo: HashMap<u32, usize> = HashMap::new();
    let sizes: Vec<(usize, u32)> = report_points
        .iter()
        .map(|&n| {
            let len = *memo
                .entry(n)
                .or_insert_with(|| report_octets(n as usize, &icc_of(associations - 1)));
            (len, n)
        })
        .collect();
    let octets: u64 = sizes.iter().map(|s| s.0 as u64 + 4).sum();
    let largest = sizes.iter().map(|s| s.0).max().unwrap_or(0);
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr: SocketAddr = listener.local_addr().map_err(|e| e.to_string())?;
    let reader = std::thread::Builder::new()
        .name("bench-raw-read".into())
        .spawn(move || -> Result<(u64, f64), String> {
            let (s, _) = listener.accept().map_err(|e| e.to_string())?;
            let cpu0 = own_cpu();
            let mut r = BufReader::with_capacity(65_536, s);
            let mut buf = vec![0u8; largest.max(1)];
            let mut frames = 0u64;
            let mut len = [0u8; 4];
            loop {
                match r.read_exact(&mut len) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
                    Err(e) => return Err(e.to_string()),
                }
                let n = u32::from_be_bytes(len) as usize;
                let b = buf.get_mut(..n).ok_or("frame too long")?;
                r.read_exact(b).map_err(|e| e.to_string())?;
                frames += 1;
            }
            Ok((frames, own_cpu() - cpu0))
        })
        .map_err(|e| e.to_string())?;
    let start = Instant::now();
    let writer = std::thread::Builder::new()
        .name("bench-raw-write".into())
        .spawn(move || -> Result<(u64, f64), String> {
            let cpu0 = own_cpu();
            let mut s = TcpStream::connect(addr).map_err(|e| e.to_string())?;
            s.set_nodelay(true).map_err(|e| e.to_string())?;
            let mut msg = vec![0xa5u8; largest + 4];
            let mut points = 0u64;
            let begin = Instant::now();
            while begin.elapsed() < Duration::from_millis(500) {
                for &(len, n) in &sizes {
                    if let Some(h) = msg.get_mut(..4) {
                        h.copy_from_slice(&u32::try_from(len).unwrap_or(0).to_be_bytes());
                    }
                    s.write_all(msg.get(..len + 4).ok_or("message too long")?)
                        .map_err(|e| e.to_string())?;
                    points += u64::from(n);
                }
            }
            Ok((points, own_cpu() - cpu0))
        })
        .map_err(|e| e.to_string())?;
    let (points, wcpu) = writer.join().map_err(|_| "raw writer panicked")??;
    let (_frames, rcpu) = reader.join().map_err(|_| "raw reader panicked")??;
    let secs = start.elapsed().as_secs_f64();
    Ok((
        points as f64 / secs,
        (wcpu + rcpu) / points.max(1) as f64 * 1e6,
        octets,
    ))
}

// ------------------------------------------------------------------------------------------
// Output

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn print_figures(sc: Scenario, points: usize, runs: &[Figures]) {
    let m = |f: &dyn Fn(&Figures) -> f64| median(runs.iter().map(f).collect());
    let f = runs.first().cloned().unwrap_or_default();
    outln!(
        "== {sc}: {points} Data_RealQTimeTag points, RBE on ObjectChange ({} run{}, medians)",
        runs.len(),
        if runs.len() == 1 { "" } else { "s" }
    );
    outln!(
        "  changes made:        {:.0} in {:.2} s = {:.0}/s",
        m(&|f| f.changes as f64),
        m(&|f| f.window),
        m(&|f| f.changes as f64 / f.window.max(1e-9))
    );
    outln!(
        "  points reported:     {:.0}/s while changing ({:.0} in {:.0} reports, {:.1} points per report); \
         {:.0} with the drain; {:.0} changes superseded before reported, {:.0} repeated values",
        m(&|f| f.points_per_s()),
        m(&|f| f.reported_in_window as f64),
        m(&|f| f.reports_in_window as f64),
        m(&|f| f.reported_in_window as f64 / f.reports_in_window.max(1) as f64),
        m(&|f| f.reported_total as f64),
        m(&|f| f.superseded as f64),
        m(&|f| f.repeats as f64),
    );
    outln!(
        "  latency to callback: p50 {:.2} ms, p99 {:.2} ms from the oldest unreported change; \
         p50 {:.2} ms, p99 {:.2} ms from the change reported",
        m(&|f| f.oldest_p50) / 1e3,
        m(&|f| f.oldest_p99) / 1e3,
        m(&|f| f.value_p50) / 1e3,
        m(&|f| f.value_p99) / 1e3,
    );
    outln!(
        "  server CPU:          {:.2} s = {:.2} us per reported point (event loop {:.2} s, reporting thread {:.2} s, application set() {:.2} s)",
        m(&|f| f.server_cpu()),
        m(&|f| f.server_cpu_per_point()),
        m(&|f| f.cpu_loop),
        m(&|f| f.cpu_reporting),
        m(&|f| f.cpu_app),
    );
    outln!(
        "  client CPU:          {:.2} s = {:.2} us per reported point",
        m(&|f| f.cpu_client),
        m(&|f| f.cpu_client / f.reported_in_window.max(1) as f64 * 1e6),
    );
    outln!(
        "  reference, raw TCP:  {:.0} points/s, {:.3} us CPU per point (same {} messages, {} octets, writer -> reader on loopback)",
        m(&|f| f.raw_points_per_s),
        m(&|f| f.raw_cpu_per_point),
        f.raw_messages,
        f.raw_octets,
    );
    outln!(
        "  ratios:              reported points/s / raw TCP points/s = {:.4}; server CPU per point / raw TCP CPU per point = {:.1}",
        m(&|f| f.points_per_s() / f.raw_points_per_s.max(1e-9)),
        m(&|f| f.server_cpu_per_point() / f.raw_cpu_per_point.max(1e-9)),
    );
    let mut e = Errors::default();
    for r in runs {
        e.add(&r.errors);
    }
    outln!(
        "  checks:              last values missing {}, out of order {}, mismatched {}, point errors {}, \
         unknown reports {}, malformed {}, client drops {}, server reports dropped {}, changes dropped {}{}",
        e.missing_final,
        e.out_of_order,
        e.mismatched,
        e.point_errors,
        e.unknown,
        e.malformed,
        e.client_dropped,
        e.server_dropped,
        e.changes_dropped,
        if e.lost_changes > 0 {
            format!(", changes never reported {}", e.lost_changes)
        } else {
            String::new()
        }
    );
}

/// `mms bench tase2`.
pub fn run(args: &Tase2BenchArgs) -> Result<(), String> {
    if args.points == 0 || args.seconds <= 0.0 || args.rates.is_empty() {
        return Err("--points, --seconds and --rates must be positive".into());
    }
    let mut scenarios = Vec::new();
    for &rate in &args.rates {
        for &bt in &args.buffer_times {
            scenarios.push(Scenario {
                associations: 1,
                buffer_time: bt,
                rate,
            });
        }
        if args.associations > 0 {
            scenarios.push(Scenario {
                associations: args.associations,
                buffer_time: 0,
                rate,
            });
        }
    }
    outln!(
        "bench tase2: {} points, {} s of changes per run, AllChangesReported {}; latency is change -> client callback",
        args.points,
        args.seconds,
        args.all_changes
    );
    let mut summary = Vec::new();
    let mut failures = 0u64;
    for sc in scenarios {
        let mut runs = Vec::new();
        for _ in 0..args.repeat.max(1) {
            runs.push(run_once(sc, args)?);
        }
        print_figures(sc, args.points.max(sc.associations), &runs);
        failures += runs.iter().map(|r| r.errors.total()).sum::<u64>();
        summary.push((sc, runs));
    }
    outln!();
    outln!("| associations | BufferTime | changes/s | points reported/s | latency p50 / p99 (ms) | server CPU per point (us) | ratio to raw TCP: points/s, CPU per point |");
    outln!("|---|---|---|---|---|---|---|");
    for (sc, runs) in &summary {
        let m = |f: &dyn Fn(&Figures) -> f64| median(runs.iter().map(f).collect());
        outln!(
            "| {} | {} s | {:.0} | {:.0} | {:.2} / {:.2} | {:.2} | {:.4}, {:.1} |",
            sc.associations,
            sc.buffer_time,
            m(&|f| f.changes as f64 / f.window.max(1e-9)),
            m(&|f| f.points_per_s()),
            m(&|f| f.oldest_p50) / 1e3,
            m(&|f| f.oldest_p99) / 1e3,
            m(&|f| f.server_cpu_per_point()),
            m(&|f| f.points_per_s() / f.raw_points_per_s.max(1e-9)),
            m(&|f| f.server_cpu_per_point() / f.raw_cpu_per_point.max(1e-9)),
        );
    }
    if failures > 0 {
        return Err(format!("{failures} check failures (see `checks:` above)"));
    }
    outln!("checks: all passed");
    Ok(())
}
