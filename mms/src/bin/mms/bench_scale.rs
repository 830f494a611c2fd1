//! `mms bench scale`: many associations on one server process.
//!
//! Every phase runs against its own `mms bench-server` child, so the server's resident memory
//! is its own and nothing of the load generator's:
//!
//! 1. **Set-up rates.** `--setup` associations are opened with `--concurrency` connection
//!    attempts in flight, and the rate is the number opened divided by the time from the first
//!    connect to the last AARE: plain TCP; TLS 1.3 with a full handshake each (the client's
//!    session cache is emptied before every connect); TLS 1.3 resumed (one association first
//!    fills the cache, every measured one must then report a resumed session); TLS 1.3 with the
//!    A-security-profile on top (a full handshake and a signed AARQ/AARE each). Every
//!    association's negotiated TLS version and resumption flag are checked, so a rate is never
//!    printed for something other than what its row says.
//! 2. **Idle associations.** `--associations` plain associations are opened and left idle; the
//!    server's resident memory is read before the first and after the last (and a short pause),
//!    and divided by their number. Then every association reads `v<k>` once and must get k back,
//!    and all of them conclude.
//!
//! The program raises its own and the server's open-file limit to the hard limit and says what
//! is missing when the hard limit is too low for the number asked.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cot::pki::KeyKind;
use cot::tls::TlsVersion;
use mio::{Events, Poll, Token};
use mms::client::{ClientConfig, ClientEvent, Connection, RequestId};
use mms::data::Data;
use mms::pdu::ConfirmedServiceResponse;
use mms::AccessResult;

use crate::bench::{proc_usage, read_request, start_server, ServerChild};

/// Options of `mms bench scale`.
#[derive(Debug, Clone, clap::Args)]
pub struct ScaleArgs {
    /// Idle associations held at once by the server (each then reads once).
    #[arg(long, default_value_t = 10_000)]
    pub associations: usize,
    /// Associations opened per set-up-rate row.
    #[arg(long, default_value_t = 1_000)]
    pub setup: usize,
    /// Connection attempts in flight while opening.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Only the idle-association run, no set-up-rate rows.
    #[arg(long)]
    pub no_setup_rates: bool,
}

/// The longest any phase may take before the run is declared failed.
const PHASE_LIMIT: Duration = Duration::from_secs(600);

/// Raises this process's soft open-file limit towards its hard limit (at most `want`), and
/// returns the soft limit now in force. The limit is inherited by the processes it starts.
pub(crate) fn raise_fd_limit(want: u64) -> Result<u64, String> {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let now = getrlimit(Resource::Nofile);
    let target = match now.maximum {
        Some(hard) => hard.min(want),
        None => want.min(1 << 20),
    };
    if now.current.is_some_and(|soft| soft >= target) {
        return Ok(now.current.unwrap_or(target));
    }
    setrlimit(
        Resource::Nofile,
        Rlimit {
            current: Some(target),
            maximum: now.maximum,
        },
    )
    .map_err(|e| format!("cannot raise the open-file limit to {target}: {e}"))?;
    Ok(target)
}

/// One set-up-rate row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Row {
    Plain,
    TlsFull,
    TlsResumed,
    TlsAProfile,
}

impl Row {
    const ALL: [Row; 4] = [Row::Plain, Row::TlsFull, Row::TlsResumed, Row::TlsAProfile];

    fn label(self) -> &'static str {
        match self {
            Row::Plain => "plain TCP",
            Row::TlsFull => "TLS 1.3, full handshake",
            Row::TlsResumed => "TLS 1.3, resumed",
            Row::TlsAProfile => "TLS 1.3 + A-profile",
        }
    }

    fn tls(self) -> bool {
        self != Row::Plain
    }
}

/// The certificates of the TLS and A-profile rows (a throw-away lab CA in a scratch
/// directory): the server's and the client's TLS and A-profile leaves, with the 2.5.4.106
/// attribute naming the default AE-titles of `mms bench-server` and of our client.
struct Certificates {
    dir: PathBuf,
    /// The TLS CA (ECDSA P-256 leaves).
    tls: crate::cert_cmd::LabPki,
    /// The A-profile CA (RSA 2048 leaves: RSA is the mechanism's mandatory algorithm,
    /// IEC 62351-4 §11).
    auth: crate::cert_cmd::LabPki,
}

impl Certificates {
    fn make() -> Result<Certificates, String> {
        let dir = std::env::temp_dir().join(format!("osi-mms-bench-scale-{}", std::process::id()));
        let leaves = |prefix: &str| -> Vec<(String, String)> {
            vec![
                (format!("server-{prefix}"), "1.1.1.999.1.12".to_string()),
                (format!("client-{prefix}"), "1.1.1.999.12".to_string()),
            ]
        };
        let tls =
            crate::cert_cmd::lab_pki(&dir.join("tls"), &leaves("tls"), KeyKind::EcP256, 1, &[])?;
        let auth = crate::cert_cmd::lab_pki(
            &dir.join("auth"),
            &leaves("auth"),
            KeyKind::Rsa(2048),
            1,
            &[],
        )?;
        Ok(Certificates { dir, tls, auth })
    }

    fn leaf(&self, name: &str) -> Result<(&Path, &Path), String> {
        self.tls
            .leaves
            .iter()
            .chain(&self.auth.leaves)
            .find(|(n, _, _)| n == name)
            .map(|(_, c, k)| (c.as_path(), k.as_path()))
            .ok_or_else(|| format!("no {name} certificate"))
    }

    /// The bench server's flags for `row`.
    fn server_flags(&self, row: Row) -> Result<Vec<OsString>, String> {
        let mut f: Vec<OsString> = Vec::new();
        if row.tls() {
            let (c, k) = self.leaf("server-tls")?;
            f.extend(["--tls-cert".into(), c.into(), "--tls-key".into(), k.into()]);
            f.extend(["--tls-ca".into(), self.tls.ca.clone().into()]);
            f.extend(["--tls-crl".into(), self.tls.crl.clone().into()]);
        }
        if row == Row::TlsAProfile {
            let (c, k) = self.leaf("server-auth")?;
            f.extend([
                "--auth-cert".into(),
                c.into(),
                "--auth-key".into(),
                k.into(),
            ]);
            f.extend(["--auth-ca".into(), self.auth.ca.clone().into()]);
            f.extend(["--auth-crl".into(), self.auth.crl.clone().into()]);
            // Every association comes from the same client certificate: the server's answers
            // need sub-second times too (docs/a-profile.md).
            f.extend(["--auth-time-format".into(), "strict-millis".into()]);
        }
        Ok(f)
    }

    /// The client configuration for `row` against `addr`.
    fn client(&self, row: Row, addr: SocketAddr) -> Result<ClientConfig, String> {
        let mut link = crate::client_cmd::ConnectArgs::defaults()?;
        if row.tls() {
            let (c, k) = self.leaf("client-tls")?;
            link.tls.tls_cert = Some(c.to_path_buf());
            link.tls.tls_key = Some(k.to_path_buf());
            link.tls.tls_ca = vec![self.tls.ca.clone()];
            link.tls.tls_crl = vec![self.tls.crl.clone()];
        }
        if row == Row::TlsAProfile {
            let (c, k) = self.leaf("client-auth")?;
            link.auth.auth_cert = Some(c.to_path_buf());
            link.auth.auth_key = Some(k.to_path_buf());
            link.auth.auth_ca = vec![self.auth.ca.clone()];
            link.auth.auth_crl = vec![self.auth.crl.clone()];
            // Hundreds of associations per second to one server: second-resolution times
            // would run ahead of the clock (docs/a-profile.md).
            link.auth.auth_time_format = a_sec_profile::TimeFormat::StrictMillis;
        }
        let (mut config, _) = crate::client_cmd::client_config(&addr.to_string(), &link)?;
        if row.tls() {
            // The lab certificates name localhost.
            config.tls_server_name = Some("localhost".into());
        }
        Ok(config)
    }
}

impl Drop for Certificates {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Opens `n` associations to `addr` with at most `concurrency` still being set up at a time.
/// `before_connect` runs before each connection attempt (the full-handshake row empties the
/// session cache there). Returns the associations (all established) and the time taken.
fn open_many(
    poll: &mut Poll,
    addr: SocketAddr,
    config: &ClientConfig,
    n: usize,
    concurrency: usize,
    mut before_connect: impl FnMut(),
) -> Result<(Vec<Connection>, Duration), String> {
    let mut events = Events::with_capacity(1024);
    let mut conns: Vec<Connection> = Vec::with_capacity(n);
    let mut up = vec![false; n];
    let mut pending: Vec<usize> = Vec::new();
    let mut established = 0usize;
    let start = Instant::now();
    while established < n {
        if start.elapsed() > PHASE_LIMIT {
            return Err(format!(
                "only {established} of {n} associations came up within {} s",
                PHASE_LIMIT.as_secs()
            ));
        }
        while conns.len() < n && pending.len() < concurrency.max(1) {
            before_connect();
            let i = conns.len();
            let mut c = Connection::connect(addr, config.clone())
                .map_err(|e| format!("connection {i}: {e}"))?;
            c.register(poll.registry(), Token(i))
                .map_err(|e| format!("connection {i}: {e}"))?;
            c.drive(Instant::now());
            conns.push(c);
            pending.push(i);
        }
        // Time-outs and the first flight need a drive without an event.
        turn(
            poll,
            &mut events,
            &mut conns,
            || pending.clone(),
            |i, ev| {
                match ev {
                    ClientEvent::Established(_) if !up[i] => {
                        up[i] = true;
                        established += 1;
                    }
                    ClientEvent::Closed(reason) => {
                        return Err(format!(
                            "association {i} ended while being set up: {reason:?}"
                        ));
                    }
                    _ => {}
                }
                Ok(())
            },
        )?;
        pending.retain(|&i| !up[i]);
    }
    Ok((conns, start.elapsed()))
}

/// One loop turn: waits (at most 100 ms) for readiness, drives the connections it reports (or
/// those `idle` names when it reports none: time-outs and first flights), and hands every event
/// to `on_event`.
fn turn(
    poll: &mut Poll,
    events: &mut Events,
    conns: &mut [Connection],
    idle: impl FnOnce() -> Vec<usize>,
    mut on_event: impl FnMut(usize, ClientEvent) -> Result<(), String>,
) -> Result<(), String> {
    poll.poll(events, Some(Duration::from_millis(100)))
        .map_err(|e| e.to_string())?;
    let touched: Vec<usize> = if events.is_empty() {
        idle()
    } else {
        events.iter().map(|e| e.token().0).collect()
    };
    for i in touched {
        let Some(c) = conns.get_mut(i) else { continue };
        c.drive(Instant::now());
        while let Some(ev) = c.poll_event() {
            on_event(i, ev)?;
        }
    }
    Ok(())
}

/// Drives `conns` until `done` says so, feeding every event to `on_event`.
fn drive_until(
    poll: &mut Poll,
    conns: &mut [Connection],
    what: &str,
    mut on_event: impl FnMut(usize, ClientEvent) -> Result<(), String>,
    mut done: impl FnMut(&[Connection]) -> bool,
) -> Result<(), String> {
    let mut events = Events::with_capacity(1024);
    let start = Instant::now();
    while !done(conns) {
        if start.elapsed() > PHASE_LIMIT {
            return Err(format!(
                "{what}: not finished within {} s",
                PHASE_LIMIT.as_secs()
            ));
        }
        let all = conns.len();
        turn(
            poll,
            &mut events,
            conns,
            || (0..all).collect(),
            &mut on_event,
        )?;
    }
    Ok(())
}

/// Concludes every association and waits (bounded) until all have ended.
fn conclude_all(poll: &mut Poll, conns: &mut [Connection]) -> Result<(), String> {
    for c in conns.iter_mut() {
        let _ = c.conclude();
        c.drive(Instant::now());
    }
    drive_until(
        poll,
        conns,
        "conclude",
        |_, _| Ok(()),
        |cs| cs.iter().all(Connection::is_closed),
    )
}

/// The server's resident octets (0 when /proc cannot say).
fn server_rss(s: &ServerChild) -> u64 {
    proc_usage(s.child.id()).map_or(0, |(_, rss)| rss)
}

/// One set-up-rate row: opens `args.setup` associations, checks what each negotiated, returns
/// associations per second and the server's resident octets per open association.
fn setup_row(row: Row, certs: &Certificates, args: &ScaleArgs) -> Result<(f64, f64), String> {
    let server = start_server(1, &certs.server_flags(row)?)?;
    let result = (|| {
        let config = certs.client(row, server.addr)?;
        let mut poll = Poll::new().map_err(|e| e.to_string())?;
        let tls = config.tls.clone();
        if row == Row::TlsResumed {
            // One full handshake fills the client's session cache.
            let (mut first, _) = open_many(&mut poll, server.addr, &config, 1, 1, || {})?;
            conclude_all(&mut poll, &mut first)?;
        }
        let rss_before = server_rss(&server);
        let (mut conns, took) = open_many(
            &mut poll,
            server.addr,
            &config,
            args.setup,
            args.concurrency,
            || {
                if row != Row::TlsResumed {
                    if let Some(t) = &tls {
                        t.clear_session_cache();
                    }
                }
            },
        )?;
        std::thread::sleep(Duration::from_millis(300));
        let rss_after = server_rss(&server);
        if row.tls() {
            for (i, c) in conns.iter().enumerate() {
                let info = c
                    .tls_info()
                    .ok_or_else(|| format!("association {i}: no TLS"))?;
                if info.version != Some(TlsVersion::Tls1_3) {
                    return Err(format!(
                        "association {i} negotiated {:?}, not TLS 1.3",
                        info.version
                    ));
                }
                if info.resumed != (row == Row::TlsResumed) {
                    return Err(format!(
                        "association {i}: resumed = {} in the row {}",
                        info.resumed,
                        row.label()
                    ));
                }
            }
        }
        conclude_all(&mut poll, &mut conns)?;
        let per_assoc = rss_after.saturating_sub(rss_before) as f64 / args.setup.max(1) as f64;
        Ok((args.setup as f64 / took.as_secs_f64(), per_assoc))
    })();
    server.stop();
    result
}

/// The idle run: `args.associations` plain associations, memory per association, one read each.
fn idle_run(args: &ScaleArgs) -> Result<(), String> {
    let n = args.associations;
    let server = start_server(1, &[])?;
    let result = (|| {
        let (config, _) = crate::client_cmd::client_config(
            &server.addr.to_string(),
            &crate::client_cmd::ConnectArgs::defaults()?,
        )?;
        let mut poll = Poll::new().map_err(|e| e.to_string())?;
        std::thread::sleep(Duration::from_millis(200));
        let rss_before = server_rss(&server);
        let (mut conns, took) =
            open_many(&mut poll, server.addr, &config, n, args.concurrency, || {})?;
        // Let the server finish with the last ones before its memory is read.
        std::thread::sleep(Duration::from_millis(500));
        let rss_idle = server_rss(&server);
        outln!(
            "{n} associations up in {:.2} s ({:.0} per second), all idle",
            took.as_secs_f64(),
            n as f64 / took.as_secs_f64()
        );
        outln!(
            "server resident memory: {} KiB before, {} KiB with {n} idle associations: {:.1} KiB per idle association",
            rss_before / 1024,
            rss_idle / 1024,
            rss_idle.saturating_sub(rss_before) as f64 / 1024.0 / n.max(1) as f64
        );
        // Every association reads v<k> once; the answer must be k.
        let mut asked: Vec<Option<RequestId>> = Vec::with_capacity(n);
        for (k, c) in conns.iter_mut().enumerate() {
            asked.push(Some(c.request(&read_request(k))));
            c.drive(Instant::now());
        }
        let answered = std::cell::Cell::new(0usize);
        let wrong = std::cell::Cell::new(0usize);
        let started = Instant::now();
        drive_until(
            &mut poll,
            &mut conns,
            "the reads",
            |k, ev| match ev {
                ClientEvent::Answer(id, result) => {
                    if asked.get(k).copied().flatten() != Some(id) {
                        wrong.set(wrong.get() + 1);
                        return Ok(());
                    }
                    asked[k] = None;
                    let good = result.ok().is_some_and(|a| {
                        matches!(a.response(), Ok(ConfirmedServiceResponse::Read(r))
                            if matches!(r.list_of_access_result.as_slice(),
                                [AccessResult::Success(Data::Integer(v))] if *v == k as i64))
                    });
                    if good {
                        answered.set(answered.get() + 1);
                    } else {
                        wrong.set(wrong.get() + 1);
                    }
                    Ok(())
                }
                ClientEvent::Closed(reason) => {
                    Err(format!("association {k} ended before its read: {reason:?}"))
                }
                _ => Ok(()),
            },
            |_| answered.get() + wrong.get() == n,
        )?;
        let (answered, wrong) = (answered.get(), wrong.get());
        let rss_read = server_rss(&server);
        outln!(
            "every association answered a read: {answered} of {n} in {:.2} s ({wrong} wrong); server resident memory then {} KiB ({:.1} KiB per association)",
            started.elapsed().as_secs_f64(),
            rss_read / 1024,
            rss_read.saturating_sub(rss_before) as f64 / 1024.0 / n.max(1) as f64
        );
        conclude_all(&mut poll, &mut conns)?;
        if answered != n {
            return Err(format!(
                "{} of {n} associations did not answer their read correctly",
                n - answered
            ));
        }
        Ok(())
    })();
    server.stop();
    result
}

/// `mms bench scale`.
pub fn run(args: &ScaleArgs) -> Result<(), String> {
    // Each association is one socket here and one in the server (plus a few of each process's
    // own); the set-up rows keep at most `setup` open at once.
    let need = (args.associations.max(args.setup) as u64) + 64;
    let limit = raise_fd_limit(need)?;
    if limit < need {
        return Err(format!(
            "{} associations need {need} open files per process; the hard limit is {limit} \
             (raise it, e.g. `ulimit -Hn {need}` as root, or ask for fewer with --associations)",
            args.associations
        ));
    }
    outln!(
        "bench scale: {} idle associations on one server; set-up rates over {} associations, {} connects in flight",
        args.associations,
        args.setup,
        args.concurrency
    );
    if !args.no_setup_rates {
        let certs = Certificates::make()?;
        outln!(
            "{:<26} {:>12} {:>22}",
            "set-up",
            "assoc/s",
            "server KiB per assoc"
        );
        for row in Row::ALL {
            let (rate, per) =
                setup_row(row, &certs, args).map_err(|e| format!("{}: {e}", row.label()))?;
            outln!("{:<26} {:>12.0} {:>22.1}", row.label(), rate, per / 1024.0);
        }
    }
    idle_run(args)
}
