//! `mms bench compare`: our paths against the TCP floor, in one run on one machine.
//!
//! Every figure is a ratio to a reference measured in the same run: a raw TCP ping-pong of
//! 60-octet messages (blocking std sockets, one and ten in flight) for the request paths, and
//! plain reads for TLS 1.3 and end-to-end security. Each row runs in two fresh processes (a
//! server child and a client child, so each side's CPU is its own) and is repeated; the medians
//! are printed. With `--syscalls`, the rows that matter are run again under `strace -c -f` at
//! N and 2N reads, and the difference divided by N gives the system calls per read of each side
//! (start-up costs cancel out).
//!
//! Rows:
//! - `pingpong1`, `pingpong10`: the floor.
//! - `blocking`: `mms::client::Client::request`, one read at a time.
//! - `blocking10`: the same client, ten reads outstanding (`Client::send` / `Pending::wait`).
//! - `nonblocking`, `nonblocking10`: the `mio` `Connection` (the `mms bench` generator), one and
//!   ten outstanding on one association.
//! - `hundred`: 100 associations with one read outstanding each.
//! - `plain`, `tls13`, `e2e-gcm`: the blocking client against a server in the same process,
//!   plain, over TLS 1.3, and with IEC 62351-4 end-to-end security (AES-128-GCM); the CPU figure
//!   is then both sides together.
//!
//! CPU comes from `/proc/<pid>/stat` (10 ms ticks), so the rows with ten in flight run ten
//! times the reads.
//!
//! Every read asks for `v<k>` and must come back as k: a lost, duplicated or mismatched answer
//! fails the run (the check CI relies on), never a slow one.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use mms::client::{Client, ClientConfig};
use mms::data::Data;
use mms::pdu::ConfirmedServiceResponse;
use mms::server::{Server, ServerConfig};
use mms::AccessResult;

use crate::bench::{self, BenchArgs, EchoHandler};

/// The octets of one ping-pong message (about an MMS read request or response).
const MESSAGE: usize = 60;

/// Options of `mms bench compare`.
#[derive(Debug, Clone, clap::Args)]
pub struct CompareArgs {
    /// Reads (round trips) per row.
    #[arg(long, default_value_t = 20_000)]
    pub reads: usize,
    /// Runs per row; the medians are printed.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Also count system calls per read with `strace -c -f` (needs strace).
    #[arg(long)]
    pub syscalls: bool,
    /// Only these rows (comma-separated names; see `mms bench compare --help`).
    #[arg(long, value_delimiter = ',')]
    pub rows: Vec<String>,
}

/// Options of the hidden `mms bench-worker`: one row's client side.
#[derive(Debug, Clone, clap::Args)]
pub struct WorkerArgs {
    /// The row.
    #[arg(long)]
    pub row: String,
    /// The server (for the rows that use a server child).
    #[arg(long)]
    pub connect: Option<SocketAddr>,
    /// Reads.
    #[arg(long)]
    pub reads: usize,
}

/// Every row, in the order printed: (name, what it is, its reference row).
const ROWS: &[(&str, &str, &str)] = &[
    (
        "pingpong1",
        "TCP ping-pong, 1 in flight (the floor)",
        "pingpong1",
    ),
    ("pingpong10", "TCP ping-pong, 10 in flight", "pingpong10"),
    ("blocking", "blocking Client, 1 outstanding", "pingpong1"),
    (
        "nonblocking",
        "non-blocking Connection, 1 outstanding",
        "pingpong1",
    ),
    (
        "blocking10",
        "blocking Client, 10 outstanding",
        "pingpong10",
    ),
    (
        "nonblocking10",
        "non-blocking Connection, 10 outstanding",
        "pingpong10",
    ),
    ("hundred", "100 associations x 1 outstanding", "pingpong10"),
    ("plain", "in one process: blocking Client, plain", "plain"),
    ("tls13", "in one process: blocking Client, TLS 1.3", "plain"),
    (
        "e2e-gcm",
        "in one process: blocking Client, E2E AES-128-GCM",
        "plain",
    ),
];

/// The reads a row runs: ten times more where ten are in flight (and for 100 associations),
/// so that CPU time, counted by the kernel in 10 ms ticks, stays precise.
fn reads_of(row: &str, reads: usize) -> usize {
    match row {
        "pingpong10" | "blocking10" | "nonblocking10" | "hundred" => reads * 10,
        _ => reads,
    }
}

/// Rows whose client runs against a server in the same process.
fn in_process(row: &str) -> bool {
    matches!(row, "plain" | "tls13" | "e2e-gcm")
}

/// One run's figures.
#[derive(Debug, Clone, Copy, Default)]
struct Figures {
    reads_per_s: f64,
    client_cpu_us: f64,
    server_cpu_us: Option<f64>,
}

/// What the worker prints on its last line.
const RESULT: &str = "RESULT";

/// `mms bench compare`.
pub fn run(args: &CompareArgs) -> Result<(), String> {
    let rows: Vec<&(&str, &str, &str)> = ROWS
        .iter()
        .filter(|(n, _, _)| args.rows.is_empty() || args.rows.iter().any(|r| r == n))
        .collect();
    if rows.is_empty() {
        return Err("no such row".into());
    }
    outln!(
        "bench compare: {} reads per row, median of {} runs, {} cores",
        args.reads,
        args.runs,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let mut medians: Vec<(&str, Figures)> = Vec::new();
    for (name, _, _) in &rows {
        let mut runs = Vec::new();
        for _ in 0..args.runs.max(1) {
            runs.push(run_row(name, reads_of(name, args.reads), false)?.0);
        }
        medians.push((name, median(&runs)));
    }
    let syscalls = if args.syscalls {
        Some(count_syscalls(&rows, args.reads)?)
    } else {
        None
    };
    let find = |n: &str| medians.iter().find(|(m, _)| *m == n).map(|(_, f)| *f);
    outln!(
        "| path | reads/s | ratio to its reference | client CPU/read | server CPU/read |{}",
        if syscalls.is_some() {
            " syscalls/read client | server |"
        } else {
            ""
        }
    );
    outln!(
        "|---|---|---|---|---|{}",
        if syscalls.is_some() { "---|---|" } else { "" }
    );
    for (name, what, reference) in &rows {
        let Some(f) = find(name) else { continue };
        let ratio = find(reference)
            .map(|r| format!("{:.2} × {reference}", f.reads_per_s / r.reads_per_s))
            .unwrap_or_else(|| "-".into());
        let server = match f.server_cpu_us {
            Some(s) => format!("{s:.1} µs"),
            None if in_process(name) => "(with the client)".into(),
            None => "-".into(),
        };
        let sys = match syscalls
            .as_ref()
            .and_then(|s| s.iter().find(|(n, _)| n == name))
        {
            Some((_, (c, s))) => format!(
                " {c:.1} | {} |",
                s.map(|s| format!("{s:.1}")).unwrap_or_else(|| "-".into())
            ),
            None if syscalls.is_some() => " - | - |".into(),
            None => String::new(),
        };
        outln!(
            "| {what} | {:.0} | {ratio} | {:.1} µs | {server} |{sys}",
            f.reads_per_s,
            f.client_cpu_us
        );
    }
    Ok(())
}

fn median(runs: &[Figures]) -> Figures {
    let pick = |mut v: Vec<f64>| -> f64 {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or_default()
    };
    Figures {
        reads_per_s: pick(runs.iter().map(|f| f.reads_per_s).collect()),
        client_cpu_us: pick(runs.iter().map(|f| f.client_cpu_us).collect()),
        server_cpu_us: runs
            .iter()
            .map(|f| f.server_cpu_us)
            .collect::<Option<Vec<f64>>>()
            .map(pick),
    }
}

/// A server child for `row` (none for the in-process rows), optionally under strace.
struct ServerSide {
    child: Child,
    addr: SocketAddr,
}

fn start_server(row: &str, strace: Option<&std::path::Path>) -> Result<Option<ServerSide>, String> {
    if in_process(row) {
        return Ok(None);
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let server_args: Vec<String> = if row.starts_with("pingpong") {
        vec!["bench-pingpong-server".into()]
    } else {
        ["bench-server", "--listen", "127.0.0.1:0", "--threads", "1"]
            .map(String::from)
            .to_vec()
    };
    let mut cmd = match strace {
        Some(out) => {
            let mut c = Command::new("strace");
            c.args(["-f", "-c", "-o"]).arg(out).arg(&exe);
            c
        }
        None => Command::new(&exe),
    };
    let mut child = cmd
        .args(&server_args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the server child: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let first = lines
        .next()
        .ok_or("the server child said nothing")?
        .map_err(|e| e.to_string())?;
    let addr = first
        .strip_prefix("LISTENING ")
        .ok_or_else(|| format!("unexpected line from the server child: {first}"))?
        .parse()
        .map_err(|e| format!("bad address from the server child: {e}"))?;
    std::thread::spawn(move || for _ in lines.map_while(Result::ok) {});
    Ok(Some(ServerSide { child, addr }))
}

/// The pid whose CPU is the server's: the server child itself, or strace's child.
fn server_pid(s: &ServerSide, traced: bool) -> Option<u32> {
    if !traced {
        return Some(s.child.id());
    }
    let children = std::fs::read_to_string(format!(
        "/proc/{}/task/{}/children",
        s.child.id(),
        s.child.id()
    ))
    .ok()?;
    children.split_whitespace().next()?.parse().ok()
}

/// Runs one row once: the server child, then the worker child; returns the figures and the
/// worker's pid (for strace outputs).
fn run_row(
    row: &str,
    reads: usize,
    strace: bool,
) -> Result<(Figures, Option<(String, String)>), String> {
    let dir = std::env::temp_dir();
    let tag = format!("{}-{row}-{reads}", std::process::id());
    let server_trace = dir.join(format!("osi-mms-strace-server-{tag}"));
    let client_trace = dir.join(format!("osi-mms-strace-client-{tag}"));
    let mut server = start_server(row, strace.then_some(server_trace.as_path()))?;
    let spid = server.as_ref().and_then(|s| server_pid(s, strace));
    let before = spid.and_then(proc_cpu);
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut cmd = if strace {
        let mut c = Command::new("strace");
        c.args(["-f", "-c", "-o"]).arg(&client_trace).arg(&exe);
        c
    } else {
        Command::new(&exe)
    };
    cmd.args(["bench-worker", "--row", row, "--reads"])
        .arg(reads.to_string());
    if let Some(s) = &server {
        cmd.arg("--connect").arg(s.addr.to_string());
    }
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run the worker: {e}"))?;
    let after = spid.and_then(proc_cpu);
    if let Some(s) = server.as_mut() {
        drop(s.child.stdin.take());
        let _ = s.child.wait();
    }
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!("row {row}: the worker failed: {text}"));
    }
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix(RESULT))
        .ok_or_else(|| format!("row {row}: no result from the worker: {text}"))?;
    let v: Vec<f64> = line
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    let (secs, cpu) = match v.as_slice() {
        [secs, cpu] => (*secs, *cpu),
        _ => return Err(format!("row {row}: bad result line {line}")),
    };
    let n = reads as f64;
    let figures = Figures {
        reads_per_s: n / secs,
        client_cpu_us: cpu / n * 1e6,
        server_cpu_us: match (before, after) {
            (Some(b), Some(a)) => Some((a - b) / n * 1e6),
            _ => None,
        },
    };
    let traces = strace.then(|| {
        let read = |p: &std::path::Path| std::fs::read_to_string(p).unwrap_or_default();
        let t = (read(&client_trace), read(&server_trace));
        let _ = std::fs::remove_file(&client_trace);
        let _ = std::fs::remove_file(&server_trace);
        t
    });
    Ok((figures, traces))
}

/// System calls per read: the client's, and the server's when it had a child of its own.
type SyscallsPerRead = (f64, Option<f64>);

/// System calls per read of each side, for the rows that have a server child (in-process rows
/// are skipped): the difference of two traced runs at N and 2N reads, divided by N.
fn count_syscalls(
    rows: &[&(&str, &str, &str)],
    reads: usize,
) -> Result<Vec<(String, SyscallsPerRead)>, String> {
    if Command::new("strace").arg("-V").output().is_err() {
        return Err("--syscalls needs strace".into());
    }
    let mut out = Vec::new();
    for (name, _, _) in rows {
        if in_process(name) || *name == "hundred" {
            continue;
        }
        let n = (reads_of(name, reads) / 4).max(1000);
        let (_, small) = run_row(name, n, true)?;
        let (_, large) = run_row(name, 2 * n, true)?;
        let (Some((c1, s1)), Some((c2, s2))) = (small, large) else {
            continue;
        };
        let per = |a: &str, b: &str| -> Option<f64> {
            Some((total_calls(b)? as f64 - total_calls(a)? as f64) / n as f64)
        };
        let client = per(&c1, &c2).ok_or_else(|| format!("row {name}: no strace summary"))?;
        out.push((name.to_string(), (client, per(&s1, &s2))));
    }
    Ok(out)
}

/// The "total" line of an `strace -c` summary: its calls column (columns are right-aligned
/// under their headings, and some may be empty, so the column is found by where its heading
/// ends).
fn total_calls(summary: &str) -> Option<u64> {
    let header = summary.lines().find(|l| l.contains("calls"))?;
    let end = header.find("calls")? + "calls".len();
    let line = summary
        .lines()
        .rev()
        .find(|l| l.trim_end().ends_with("total"))?;
    let start = line.get(..end)?.rfind(' ').map_or(0, |i| i + 1);
    line.get(start..end)?.trim().parse().ok()
}

/// CPU seconds (user + system) of process `pid`.
fn proc_cpu(pid: u32) -> Option<f64> {
    bench::proc_usage(pid).map(|(cpu, _)| cpu)
}

/// `mms bench-pingpong-server`: echoes every 60-octet message back, one thread per
/// connection, until stdin closes.
pub fn pingpong_server() -> Result<(), String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    outln!(
        "LISTENING {}",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    std::thread::spawn(move || {
        for s in listener.incoming().map_while(Result::ok) {
            std::thread::spawn(move || echo(s));
        }
    });
    let mut line = String::new();
    while std::io::stdin()
        .read_line(&mut line)
        .map(|n| n > 0)
        .unwrap_or(false)
    {
        line.clear();
    }
    Ok(())
}

/// Echoes whatever arrives, as it arrives (one read and one write per batch, as an efficient
/// server would).
fn echo(mut s: TcpStream) {
    let _ = s.set_nodelay(true);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if s.write_all(&buf[..n]).is_err() {
                    return;
                }
            }
        }
    }
}

/// The client side of the ping-pong: `window` messages in flight; every batch that arrives is
/// answered with as many new messages in one write.
fn ping_pong(addr: SocketAddr, reads: usize, window: usize) -> Result<(), String> {
    let mut s = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    s.set_nodelay(true).map_err(|e| e.to_string())?;
    let batch = vec![7u8; MESSAGE * window];
    let mut buf = vec![0u8; 64 * 1024];
    let first = window.min(reads);
    s.write_all(&batch[..first * MESSAGE])
        .map_err(|e| e.to_string())?;
    let (mut sent, mut bytes, mut received) = (first, 0usize, 0usize);
    while received < reads {
        let n = s.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("the echo server closed".into());
        }
        if buf[..n].iter().any(|&b| b != 7) {
            return Err("the echo differs".into());
        }
        bytes += n;
        let done = bytes / MESSAGE - received;
        received += done;
        let more = done.min(reads - sent);
        if more > 0 {
            s.write_all(&batch[..more * MESSAGE])
                .map_err(|e| e.to_string())?;
            sent += more;
        }
    }
    Ok(())
}

/// `mms bench-worker`: runs one row's client side and prints `RESULT <seconds> <cpu seconds>`.
pub fn worker(args: &WorkerArgs) -> Result<(), String> {
    let cpu0 = proc_cpu(std::process::id()).unwrap_or_default();
    let addr = || args.connect.ok_or("--connect is needed for this row");
    let started;
    match args.row.as_str() {
        "pingpong1" | "pingpong10" => {
            let window = if args.row == "pingpong1" { 1 } else { 10 };
            let a = addr()?;
            started = Instant::now();
            ping_pong(a, args.reads, window)?;
        }
        "blocking" | "blocking10" => {
            let window = if args.row == "blocking" { 1 } else { 10 };
            let mut config = ClientConfig::default();
            config
                .endpoint
                .initiate
                .proposed_max_serv_outstanding_calling = 10;
            let c = Client::connect(addr()?, config).map_err(|e| e.to_string())?;
            started = Instant::now();
            blocking_reads(&c, args.reads, window)?;
            let _ = c.conclude();
        }
        "nonblocking" | "nonblocking10" | "hundred" => {
            let (associations, outstanding) = match args.row.as_str() {
                "nonblocking" => (1, 1),
                "nonblocking10" => (1, 10),
                _ => (100, 1),
            };
            let b = BenchArgs {
                associations,
                reads: args.reads / associations,
                outstanding,
                server_threads: 1,
                connect: None,
                read: Vec::new(),
                link: crate::client_cmd::ConnectArgs::defaults()?,
                mode: None,
            };
            started = Instant::now();
            let report = bench::drive(addr()?, &b, &indicatif::ProgressBar::hidden(), || {})?;
            if report.ok != b.reads * associations || report.failed > 0 {
                return Err(format!(
                    "{} reads answered correctly of {}, {} failed",
                    report.ok,
                    b.reads * associations,
                    report.failed
                ));
            }
        }
        "plain" | "tls13" | "e2e-gcm" => {
            let (server, client) = in_process_pair(&args.row)?;
            let c = Client::connect(server.local_addr(), client).map_err(|e| e.to_string())?;
            if args.row == "tls13" {
                let version = c.tls_info().and_then(|t| t.version.map(|v| v.to_string()));
                if version.as_deref() != Some("TLSv1.3") {
                    return Err(format!("TLS 1.3 was not negotiated: {version:?}"));
                }
            }
            started = Instant::now();
            blocking_reads(&c, args.reads, 1)?;
            let elapsed = started.elapsed();
            let cpu = proc_cpu(std::process::id()).unwrap_or_default() - cpu0;
            let _ = c.conclude();
            let _ = server.stop();
            outln!("{RESULT} {} {cpu}", elapsed.as_secs_f64());
            return Ok(());
        }
        other => return Err(format!("no row {other}")),
    }
    let elapsed = started.elapsed();
    let cpu = proc_cpu(std::process::id()).unwrap_or_default() - cpu0;
    outln!("{RESULT} {} {cpu}", elapsed.as_secs_f64());
    Ok(())
}

/// `reads` reads of `v<k>` through the blocking client with `window` outstanding, each checked.
fn blocking_reads(c: &Client, reads: usize, window: usize) -> Result<(), String> {
    let check = |k: usize, a: mms::client::Answer| -> Result<(), String> {
        match a.response().map_err(|e| e.to_string())? {
            ConfirmedServiceResponse::Read(r)
                if matches!(r.list_of_access_result.as_slice(),
                    [AccessResult::Success(Data::Integer(v))] if *v == k as i64) =>
            {
                Ok(())
            }
            other => Err(format!("read {k} answered {other:?}")),
        }
    };
    if window <= 1 {
        for k in 0..reads {
            let a = c
                .request(&bench::read_request(k))
                .map_err(|e| e.to_string())?;
            check(k, a)?;
        }
        return Ok(());
    }
    let mut pending: std::collections::VecDeque<(usize, mms::client::blocking::Pending)> =
        std::collections::VecDeque::new();
    for k in 0..reads {
        if pending.len() == window {
            if let Some((j, p)) = pending.pop_front() {
                check(j, p.wait().map_err(|e| e.to_string())?)?;
            }
        }
        pending.push_back((
            k,
            c.send(&bench::read_request(k)).map_err(|e| e.to_string())?,
        ));
    }
    for (j, p) in pending {
        check(j, p.wait().map_err(|e| e.to_string())?)?;
    }
    Ok(())
}

/// A server in this process and the client configuration for it, for the in-process rows.
fn in_process_pair(row: &str) -> Result<(mms::server::RunningServer, ClientConfig), String> {
    let mut config = ServerConfig::default()
        .with_listen(vec![SocketAddr::from(([127, 0, 0, 1], 0))])
        .with_threads(1);
    let mut client = ClientConfig::default();
    match row {
        "tls13" => {
            let dir =
                std::env::temp_dir().join(format!("osi-mms-bench-pki-{}", std::process::id()));
            std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
            let (s, c) = crate::demo::demo_pki(&dir)?;
            config.tls = s.server(&config.events)?;
            config.tls_listen = std::mem::take(&mut config.listen);
            client.tls = c.client(&client.events)?;
            client.tls_server_name = Some("localhost".into());
        }
        "e2e-gcm" => {
            // The demo certificates name the demo AE-titles (Annex G.6.2): the server answers
            // as the AE-title the client calls.
            config.endpoint.association.local = acse::address::Address::default_remote();
            config.endpoint.association.remote = acse::address::Address::default_local();
            let mode = crate::e2e_args::E2eArgs::mode_of(
                crate::e2e_args::E2eEncrypt::Aes128Gcm,
                crate::e2e_args::E2eIcv::HmacSha256,
            );
            let (c, s) = crate::e2e_args::demo_factories(
                mode,
                client.events.clone(),
                config.events.clone(),
            )?;
            client.security = Some(c);
            config.security = Some(s);
        }
        _ => {}
    }
    let server = Server::bind(config, Arc::new(EchoHandler))
        .and_then(Server::spawn)
        .map_err(|e| e.to_string())?;
    Ok((server, client))
}
