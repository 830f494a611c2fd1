//! `mms bench`: a load generator. N client associations, each keeping K reads outstanding, run
//! in one `mio` loop (the non-blocking client) against a server in a child process, until each
//! has had M reads answered. Every read asks for a different variable `v<k>` and the server
//! answers with the integer k, so a lost, duplicated or mismatched answer is detected, not
//! guessed. Prints reads/s, p50/p99 latency, and the server's and the generator's CPU seconds
//! and the server's resident memory after warm-up and at the end.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::{Events, Poll, Token};
use mms::client::{ClientEvent, Connection, RequestId};
use mms::data::Data;
use mms::initiate::{ServiceKind, ServicesSupported};
use mms::pdu::{ConfirmedServiceRequest, ConfirmedServiceResponse};
use mms::server::{Handler, Reply, RequestContext, Server, ServerConfig};
use mms::services::variables::{ReadRequest, ReadResponse};
use mms::{AccessResult, ObjectName, VariableAccessSpecification, VariableSpecification};

/// Options of `mms bench`.
#[derive(Debug, Clone, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BenchArgs {
    /// Another benchmark instead of the read load (`tase2`: report throughput).
    #[command(subcommand)]
    pub mode: Option<BenchMode>,
    /// Client associations.
    #[arg(long, default_value_t = 100)]
    pub associations: usize,
    /// Reads per association.
    #[arg(long, default_value_t = 10_000)]
    pub reads: usize,
    /// Reads each association keeps outstanding (1 = request/response ping-pong).
    #[arg(long, default_value_t = 1)]
    pub outstanding: usize,
    /// Event-loop threads of the server.
    #[arg(long, default_value_t = 1)]
    pub server_threads: usize,
    /// Use a server that is already running instead of starting one: our bench server
    /// (`mms bench-server`, which answers a read of `v<k>` with k, checked), or any MMS server
    /// with `--read`.
    #[arg(long)]
    pub connect: Option<SocketAddr>,
    /// Read these variables (DOMAIN/ITEM, or /ITEM for VMD-specific) of the `--connect`
    /// server, one per request in turn, instead of the bench server's `v<k>`: any MMS server
    /// (an IED) can be measured; a read counts as answered when it succeeds.
    #[arg(long, value_name = "DOMAIN/ITEM", num_args = 1.., requires = "connect")]
    pub read: Vec<String>,
    /// How to reach a `--connect` server: the addressing, TLS and security options of
    /// `mms client` (`--called-ap-title`, `--tls-*`, `--auth-*`, `--e2e-*`, ...).
    #[command(flatten)]
    pub link: crate::client_cmd::ConnectArgs,
}

/// The other benchmarks of `mms bench`.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum BenchMode {
    /// TASE.2 report throughput: RBE transfer sets, change -> callback latency, CPU per point.
    Tase2(crate::bench_tase2::Tase2BenchArgs),
    /// Our request paths against a raw TCP ping-pong, TLS 1.3 and E2E against plain, in one
    /// run: reads/s, ratios, CPU per read of each side, system calls per read.
    Compare(crate::bench_compare::CompareArgs),
    /// Many associations on one server: set-up rates (plain, TLS 1.3 full and resumed, TLS +
    /// A-profile), resident memory per idle association, every association answering a read.
    Scale(crate::bench_scale::ScaleArgs),
}

/// Associations the bench server admits at once (`mms bench scale` opens 10 000).
pub const MAX_ASSOCIATIONS: usize = 20_000;

/// The bench server's handler: a read of `v<k>` (any domain) answers the integer k.
pub struct EchoHandler;

impl Handler for EchoHandler {
    fn services_supported(&self) -> ServicesSupported {
        ServicesSupported::from_kinds([ServiceKind::Read])
    }

    fn confirmed(
        &self,
        _ctx: &mut RequestContext<'_>,
        request: &ConfirmedServiceRequest<'_>,
    ) -> Reply {
        let ConfirmedServiceRequest::Read(r) = request else {
            return Reply::Unsupported;
        };
        let VariableAccessSpecification::ListOfVariable(list) = &r.variable_access_specification
        else {
            return Reply::Now(Err(mms::ServiceError::access_unsupported()));
        };
        let results = list
            .iter()
            .map(|v| match &v.variable_specification {
                VariableSpecification::Name(n) => {
                    match n.item().strip_prefix('v').map(str::parse) {
                        Some(Ok(k)) => AccessResult::Success(Data::Integer(k)),
                        _ => AccessResult::Failure(mms::DataAccessError::ObjectNonExistent),
                    }
                }
                _ => AccessResult::Failure(mms::DataAccessError::ObjectAccessUnsupported),
            })
            .collect();
        Reply::Now(Ok(ConfirmedServiceResponse::Read(ReadResponse {
            variable_access_specification: None,
            list_of_access_result: results,
        })))
    }
}

/// Options of `mms bench-server` (hidden: `mms bench` starts it).
#[derive(Debug, Clone, clap::Args)]
pub struct BenchServerArgs {
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Event-loop threads.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// TLS (`--tls-cert`, `--tls-key`, `--tls-ca`): the listener is a TLS one.
    #[command(flatten)]
    pub tls: crate::tls_args::TlsArgs,
    /// A-security-profile (`--auth-cert`, ...): callers must authenticate.
    #[command(flatten)]
    pub auth: crate::auth_args::AuthArgs,
}

/// `mms bench-server`: serves [`EchoHandler`] on `listen` (over TLS and with the A-profile when
/// the flags say so), prints `LISTENING <addr>`, runs until stdin closes, then prints its
/// statistics.
pub fn bench_server(args: &BenchServerArgs) -> Result<(), String> {
    crate::bench_scale::raise_fd_limit(u64::MAX)?;
    let events = Arc::new(cot::security_event::SecurityEvents::new());
    let tls = args.tls.server(&events)?;
    let (listen, tls_listen) = match tls {
        Some(_) => (Vec::new(), vec![args.listen]),
        None => (vec![args.listen], Vec::new()),
    };
    let mut config = ServerConfig::default()
        .with_listen(listen)
        .with_tls_listen(tls_listen)
        .with_tls_server(tls)
        .with_threads(args.threads)
        .with_max_associations(MAX_ASSOCIATIONS);
    config.security = args.auth.factory(events.clone())?;
    config.events = events;
    // Answer as the AE-title our clients call by default (the A-profile certificates of
    // `mms bench scale` name it, Annex G.6.2).
    config.endpoint.association.local = acse::address::Address::default_remote();
    let server = Server::bind(config, Arc::new(EchoHandler)).map_err(|e| e.to_string())?;
    let running = server.spawn().map_err(|e| e.to_string())?;
    outln!("LISTENING {}", running.local_addr());
    // Run until the parent closes our stdin.
    let mut line = String::new();
    while std::io::stdin()
        .read_line(&mut line)
        .map(|n| n > 0)
        .unwrap_or(false)
    {
        line.clear();
    }
    let stats = running.handle().stats();
    outln!("STATS {stats:?}");
    running.stop().map_err(|e| e.to_string())
}

/// CPU seconds (user + system) and resident octets of process `pid`, from /proc (Linux).
pub(crate) fn proc_usage(pid: u32) -> Option<(f64, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    let statm = std::fs::read_to_string(format!("/proc/{pid}/statm")).ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // USER_HZ is 100 on every Linux this runs on; pages are 4 KiB.
    Some((ticks / 100.0, pages * 4096))
}

/// A `mms bench-server` child process.
pub(crate) struct ServerChild {
    pub child: Child,
    pub addr: SocketAddr,
}

impl ServerChild {
    /// Closes its stdin (it stops and prints its statistics) and waits for it.
    pub fn stop(mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// Starts `mms bench-server` with `threads` event loops and the `extra` flags (TLS, A-profile).
pub(crate) fn start_server(
    threads: usize,
    extra: &[std::ffi::OsString],
) -> Result<ServerChild, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = Command::new(exe)
        .args(["bench-server", "--listen", "127.0.0.1:0", "--threads"])
        .arg(threads.to_string())
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the bench server: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let first = lines
        .next()
        .ok_or("the bench server said nothing")?
        .map_err(|e| e.to_string())?;
    let addr = first
        .strip_prefix("LISTENING ")
        .ok_or_else(|| format!("unexpected line from the bench server: {first}"))?
        .parse()
        .map_err(|e| format!("bad address from the bench server: {e}"))?;
    // Keep draining its output in the background (the STATS line at the end).
    std::thread::spawn(move || {
        for l in lines.map_while(Result::ok) {
            outln!("server: {l}");
        }
    });
    Ok(ServerChild { child, addr })
}

/// One association's progress.
struct Assoc {
    conn: Connection,
    /// Next read number to send, answered reads.
    next: usize,
    answered: usize,
    inflight: HashMap<RequestId, (usize, Instant)>,
    up: bool,
}

/// The figures of one run.
#[derive(Debug, Default)]
pub struct Report {
    /// Reads answered correctly.
    pub ok: usize,
    /// Reads that got no answer, an error, or a wrong value.
    pub failed: usize,
    /// Wall time of the measured phase.
    pub elapsed: Duration,
    /// Latencies of every read, sorted.
    pub latencies: Vec<Duration>,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub(crate) fn read_request(k: usize) -> ConfirmedServiceRequest<'static> {
    ConfirmedServiceRequest::Read(ReadRequest::names([ObjectName::domain(
        Cow::Borrowed("BENCH"),
        Cow::Owned(format!("v{k}")),
    )]))
}

/// Runs the load; `on_warm` is called once every association has had 10% of its reads.
pub(crate) fn drive(
    addr: SocketAddr,
    args: &BenchArgs,
    progress: &indicatif::ProgressBar,
    mut on_warm: impl FnMut(),
) -> Result<Report, String> {
    let mut poll = Poll::new().map_err(|e| e.to_string())?;
    let mut events = Events::with_capacity(1024);
    let mut assocs = Vec::with_capacity(args.associations);
    let (mut config, _) = crate::client_cmd::client_config(&addr.to_string(), &args.link)?;
    let names: Vec<mms::ObjectName<'static>> = args
        .read
        .iter()
        .map(|n| crate::client_cmd::name(n))
        .collect();
    config
        .endpoint
        .initiate
        .proposed_max_serv_outstanding_calling =
        i16::try_from(args.outstanding.max(1)).unwrap_or(i16::MAX);
    for i in 0..args.associations {
        let mut conn = Connection::connect(addr, config.clone()).map_err(|e| e.to_string())?;
        conn.register(poll.registry(), Token(i))
            .map_err(|e| e.to_string())?;
        assocs.push(Assoc {
            conn,
            next: 0,
            answered: 0,
            inflight: HashMap::new(),
            up: false,
        });
    }
    let total = args.associations * args.reads;
    let warm_at = args.reads / 10;
    let mut warmed = false;
    let mut report = Report {
        latencies: Vec::with_capacity(total),
        ..Report::default()
    };
    let start = Instant::now();
    let deadline = start + Duration::from_secs(600);
    let mut done = 0usize;
    while done < args.associations {
        if Instant::now() > deadline {
            return Err("the bench did not finish within 10 minutes".into());
        }
        poll.poll(&mut events, Some(Duration::from_millis(100)))
            .map_err(|e| e.to_string())?;
        let touched: Vec<usize> = if events.is_empty() {
            (0..assocs.len()).collect()
        } else {
            events.iter().map(|e| e.token().0).collect()
        };
        for i in touched {
            let Some(a) = assocs.get_mut(i) else { continue };
            let now = Instant::now();
            a.conn.drive(now);
            while let Some(ev) = a.conn.poll_event() {
                match ev {
                    ClientEvent::Established(_) => a.up = true,
                    ClientEvent::Answer(id, result) => {
                        let Some((k, sent)) = a.inflight.remove(&id) else {
                            report.failed += 1;
                            continue;
                        };
                        let good = result.ok().is_some_and(|ans| {
                            if !names.is_empty() {
                                // Any server: the read must succeed.
                                return matches!(ans.response(), Ok(ConfirmedServiceResponse::Read(r))
                                    if matches!(r.list_of_access_result.as_slice(),
                                        [AccessResult::Success(_)]));
                            }
                            matches!(ans.response(), Ok(ConfirmedServiceResponse::Read(r))
                                if matches!(r.list_of_access_result.as_slice(),
                                    [AccessResult::Success(Data::Integer(v))] if *v == k as i64))
                        });
                        if good {
                            report.ok += 1;
                            report.latencies.push(now.duration_since(sent));
                        } else {
                            report.failed += 1;
                        }
                        a.answered += 1;
                        progress.inc(1);
                        if a.answered == args.reads {
                            done += 1;
                        }
                    }
                    ClientEvent::Closed(reason) => {
                        return Err(format!("association {i} closed: {reason:?}"));
                    }
                    _ => {}
                }
            }
            // Keep `outstanding` reads in flight.
            while a.up && a.next < args.reads && a.inflight.len() < args.outstanding.max(1) {
                let k = i * args.reads + a.next;
                let id = match names.get(k % names.len().max(1)) {
                    Some(n) => a.conn.request(&ConfirmedServiceRequest::Read(
                        mms::services::variables::ReadRequest::names([n.clone()]),
                    )),
                    None => a.conn.request(&read_request(k)),
                };
                a.inflight.insert(id, (k, Instant::now()));
                a.next += 1;
            }
            a.conn.drive(Instant::now());
        }
        if !warmed && assocs.iter().all(|a| a.answered >= warm_at) {
            warmed = true;
            on_warm();
        }
    }
    report.elapsed = start.elapsed();
    for a in &mut assocs {
        let _ = a.conn.conclude();
    }
    // Let the conclude/release exchanges finish (bounded).
    let end = Instant::now() + Duration::from_secs(5);
    while Instant::now() < end && assocs.iter().any(|a| !a.conn.is_closed()) {
        poll.poll(&mut events, Some(Duration::from_millis(50)))
            .map_err(|e| e.to_string())?;
        for a in &mut assocs {
            a.conn.drive(Instant::now());
            while a.conn.poll_event().is_some() {}
        }
    }
    report.latencies.sort_unstable();
    Ok(report)
}

/// `mms bench`.
pub fn run(args: &BenchArgs) -> Result<(), String> {
    match &args.mode {
        Some(BenchMode::Tase2(a)) => return crate::bench_tase2::run(a),
        Some(BenchMode::Compare(a)) => return crate::bench_compare::run(a),
        Some(BenchMode::Scale(a)) => return crate::bench_scale::run(a),
        None => {}
    }
    let mut server = match args.connect {
        Some(_) => None,
        None => Some(start_server(args.server_threads, &[])?),
    };
    let addr = match (&server, args.connect) {
        (Some(s), _) => s.addr,
        (None, Some(a)) => a,
        (None, None) => return Err("no server".into()),
    };
    let pid = server.as_ref().map(|s| s.child.id());
    let me = std::process::id();
    let mut warm: Option<((f64, u64), (f64, u64))> = None;
    outln!(
        "bench: {} associations x {} reads, {} outstanding each, server {}",
        args.associations,
        args.reads,
        args.outstanding,
        addr
    );
    let bar = crate::progress::count(
        "reads",
        (args.associations * args.reads) as u64,
        crate::progress::shown(false),
    );
    let report = drive(addr, args, &bar, || {
        let s = pid.and_then(proc_usage).unwrap_or_default();
        let c = proc_usage(me).unwrap_or_default();
        warm = Some((s, c));
    });
    bar.finish_and_clear();
    let report = report?;
    let server_end = pid.and_then(proc_usage).unwrap_or_default();
    let client_end = proc_usage(me).unwrap_or_default();
    let total = args.associations * args.reads;
    let secs = report.elapsed.as_secs_f64();
    outln!("reads answered correctly: {} of {total}", report.ok);
    outln!(
        "lost, failed or mismatched: {}",
        report.failed + (total - report.ok - report.failed)
    );
    outln!(
        "elapsed: {secs:.2} s, {:.0} reads/s",
        report.ok as f64 / secs
    );
    outln!(
        "latency: p50 {:.1} us, p99 {:.1} us",
        percentile(&report.latencies, 0.5).as_secs_f64() * 1e6,
        percentile(&report.latencies, 0.99).as_secs_f64() * 1e6
    );
    if let Some(((ws, wc), _)) = warm.map(|(s, c)| ((s, c), ())) {
        if pid.is_some() {
            outln!(
                "server CPU: {:.2} s ({:.1} us per read); RSS after warm-up {} KiB, at the end {} KiB",
                server_end.0,
                server_end.0 / report.ok.max(1) as f64 * 1e6,
                ws.1 / 1024,
                server_end.1 / 1024
            );
        }
        outln!(
            "generator CPU: {:.2} s ({:.1} us per read); RSS after warm-up {} KiB, at the end {} KiB",
            client_end.0,
            client_end.0 / report.ok.max(1) as f64 * 1e6,
            wc.1 / 1024,
            client_end.1 / 1024
        );
    }
    if let Some(s) = server.as_mut() {
        drop(s.child.stdin.take());
        let _ = s.child.wait();
    }
    if report.ok != total {
        return Err(format!(
            "{} reads were not answered correctly",
            total - report.ok
        ));
    }
    Ok(())
}
