//! MMS over OSI against MMS over XMPP, in one run on one machine (`cargo bench -p interop-tests
//! --bench osi_vs_xmpp`).
//!
//! One demo-model MMS server in this process serves three transports at once: plain RFC 1006,
//! RFC 1006 over TLS (IEC 62351-3), and the XMPP environment (IEC 62351-4 clause 16) through a
//! prosody started for the run, with end-to-end security AES-128-GCM. For each transport the
//! blocking client reads the same variable (`LLN0$ST$Mod$stVal`) with one request outstanding;
//! each round the transports take turns (so a slow spell of the machine hits all of them), and
//! the medians over the rounds are printed with their spread (min..max), as ratios to plain
//! RFC 1006, the reference.
//!
//! CPU per read: this process's CPU time (user + system, `CLOCK_PROCESS_CPUTIME_ID`), which
//! holds client and server alike; over XMPP also prosody's (`/proc/<pid>/stat`, in clock
//! ticks, hence the rounds of about a second), shown apart and in the total.
//!
//! Second part: what the XML encoding of the XMPP environment costs against BER on the Read
//! response of 50 IEC 61850-style structures of `mms/vectors/bench.vec` (the PDU the criterion
//! bench `cargo bench -p mms --bench xer` uses): encode and decode with each, medians of
//! batches that take turns (BER encode, XER encode, BER decode, XER decode, again).
//!
//! Environment: `OSI_VS_XMPP_ROUNDS` (default 5), `OSI_VS_XMPP_SECONDS` (the time one round of
//! one transport aims at, default 1), `OSI_VS_XMPP_PROSODY=test` (prosody as the tests run it,
//! every stanza logged at debug level and recorded by the capture module, instead of
//! [`Prosody::start_quiet`]). Without prosody the XMPP row is left out (and under
//! `CI=true` the run fails), as with the tests.

use std::fs;
use std::hint::black_box;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cot::pki::{Credential, KeyKind, LeafSpec, Pki};
use cot::security_event::SecurityEvents;
use cot::tls::{TlsClient, TlsConfig, TlsServer};
use e2e_sec::config::AeadAlgorithm;
use e2e_sec::E2eMode;
use interop_tests::prosody::{require_prosody, Prosody};
use interop_tests::scratch_dir;
use interop_tests::xmpp_rig::{connect, side, DOMAIN};
use mms::client::{Client, ClientConfig};
use mms::data::Data;
use mms::pdu::MmsPdu;
use mms::server::model::demo;
use mms::server::{Server, ServerConfig};
use mms::xer::{decode_pdu, encode_pdu, XerLimits};
use mms::ObjectName;
use rustix::time::{clock_gettime, ClockId};

#[path = "../../mms/src/vecfile.rs"]
mod vecfile;

/// The variable every read asks for.
const ITEM: &str = "LLN0$ST$Mod$stVal";
/// Reads before the first round of each transport (connections, caches, E2E keys settle).
const WARM_UP: usize = 300;
/// Batches per encoding figure.
const BATCHES: usize = 15;
/// The time one batch aims at.
const BATCH_TIME: Duration = Duration::from_millis(20);

fn env_number(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|v: &f64| *v > 0.0)
        .unwrap_or(default)
}

/// This process's CPU time (all threads, user + system).
fn process_cpu() -> Duration {
    let t = clock_gettime(ClockId::ProcessCPUTime);
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// utime + stime of process `pid` from `/proc/<pid>/stat`.
fn other_cpu(pid: u32) -> Duration {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/<pid>/stat");
    // the command name (field 2) is in parentheses and may hold spaces: count after the last ')'
    let rest = &stat[stat.rfind(')').expect("stat has the command name") + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // fields 14 and 15 of the line; `rest` starts at field 3
    let ticks: u64 =
        fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
    let hz = rustix::param::clock_ticks_per_second();
    Duration::from_secs_f64(ticks as f64 / hz as f64)
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

/// `median (min..max)` with `digits` decimals.
fn spread(v: &[f64], digits: usize) -> String {
    let min = v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{:.d$} ({:.d$}..{:.d$})", median(v), min, max, d = digits)
}

/// One transport under test.
struct Transport {
    name: &'static str,
    client: Client,
    /// prosody's pid, for the XMPP row.
    relay: Option<u32>,
    reads: usize,
    rates: Vec<f64>,
    /// CPU µs per read: this process, the relay.
    cpu: Vec<f64>,
    relay_cpu: Vec<f64>,
}

impl Transport {
    fn new(name: &'static str, client: Client, relay: Option<u32>) -> Transport {
        Transport {
            name,
            client,
            relay,
            reads: 0,
            rates: Vec::new(),
            cpu: Vec::new(),
            relay_cpu: Vec::new(),
        }
    }

    fn read(&self, name: &ObjectName<'_>, want: &Data<'_>) {
        let got = self.client.read_one(name).expect("read");
        assert_eq!(&got, want, "{}: the read answered another value", self.name);
    }

    /// Warm-up reads, timed to size the rounds at about `seconds` each.
    fn warm_up(&mut self, name: &ObjectName<'_>, want: &Data<'_>, seconds: f64) {
        let t0 = Instant::now();
        for _ in 0..WARM_UP {
            self.read(name, want);
        }
        let rate = WARM_UP as f64 / t0.elapsed().as_secs_f64();
        self.reads = ((rate * seconds) as usize).clamp(200, 200_000);
    }

    fn round(&mut self, name: &ObjectName<'_>, want: &Data<'_>) {
        let relay0 = self.relay.map(other_cpu);
        let cpu0 = process_cpu();
        let t0 = Instant::now();
        for _ in 0..self.reads {
            self.read(name, want);
        }
        let wall = t0.elapsed();
        let cpu = process_cpu() - cpu0;
        let n = self.reads as f64;
        self.rates.push(n / wall.as_secs_f64());
        self.cpu.push(cpu.as_secs_f64() * 1e6 / n);
        if let (Some(pid), Some(r0)) = (self.relay, relay0) {
            self.relay_cpu
                .push((other_cpu(pid) - r0).as_secs_f64() * 1e6 / n);
        }
    }

    fn total_cpu(&self) -> Vec<f64> {
        if self.relay_cpu.is_empty() {
            return self.cpu.clone();
        }
        self.cpu
            .iter()
            .zip(&self.relay_cpu)
            .map(|(a, b)| a + b)
            .collect()
    }
}

fn tls_identity(pki: &Pki, cred: &Credential) -> TlsConfig {
    let mut chain = vec![cred.certificate.clone()];
    chain.extend(cred.chain.iter().cloned());
    TlsConfig::new()
        .with_identity(chain, cred.key.clone())
        .with_trust_anchor(pki.ca().certificate.clone())
}

fn localhost() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

fn transports(rounds: usize, seconds: f64, instrumented: bool) {
    // TLS: a test CA, server and client certificates (mutual authentication)
    let pki = Pki::new_root("osi_vs_xmpp TLS CA", KeyKind::EcP256).expect("TLS CA");
    let server_cred = pki
        .issue(&LeafSpec::new("server").with_key(KeyKind::EcP256))
        .expect("server certificate");
    let client_cred = pki
        .issue(&LeafSpec::new("client").with_key(KeyKind::EcP256))
        .expect("client certificate");
    let server_events = Arc::new(SecurityEvents::new());
    let tls_server = TlsServer::new(&tls_identity(&pki, &server_cred), server_events.clone())
        .expect("TLS server context");

    // XMPP: prosody, the server's and the client's accounts and E2E credentials
    let prosody = require_prosody().map(|tools| {
        let dir = scratch_dir("osi-vs-xmpp");
        if instrumented {
            Prosody::start(&tools, &dir, "localhost").expect("prosody")
        } else {
            Prosody::start_quiet(&tools, &dir, "localhost").expect("prosody")
        }
    });
    let e2e_root = Pki::new_root("osi_vs_xmpp E2E root", KeyKind::EcP256).expect("E2E CA");
    let mode = E2eMode::Aead(AeadAlgorithm::Aes128Gcm);
    // The E2E clock: the system's (no shift; the rig's rekey tests move it).
    let clock = Arc::new(std::sync::atomic::AtomicI64::new(0));
    let xmpp = prosody.as_ref().map(|p| {
        (
            side(p, &e2e_root, "ied", &format!("ied@{DOMAIN}"), mode, &clock).settings,
            side(p, &e2e_root, "cc", &format!("cc@{DOMAIN}"), mode, &clock).settings,
        )
    });

    let model = Arc::new(demo::model(None).expect("demo model"));
    let mut config = ServerConfig::default()
        .with_listen(vec![localhost()])
        .with_tls_listen(vec![localhost()])
        .with_tls_server(Some(Arc::new(tls_server)))
        .with_events(server_events);
    config.xmpp = xmpp.as_ref().map(|(s, _)| s.clone());
    let server = Server::bind(config, model.clone())
        .and_then(Server::spawn)
        .expect("MMS server");
    let addrs = server.handle().local_addrs();
    let (plain_addr, tls_addr) = (addrs[0], addrs[1]);

    let name = ObjectName::domain(demo::DOMAIN.to_string(), ITEM.to_string());
    let want = model
        .get(demo::DOMAIN, ITEM)
        .expect("the demo model has the variable");

    let plain = Client::connect(plain_addr, ClientConfig::default()).expect("plain association");
    let client_events = Arc::new(SecurityEvents::new());
    let tls_client = TlsClient::new(&tls_identity(&pki, &client_cred), client_events.clone())
        .expect("TLS client context");
    let tls = Client::connect(
        tls_addr,
        ClientConfig::default()
            .with_tls_client(Some(Arc::new(tls_client)))
            .with_tls_server_name(Some("localhost".into()))
            .with_events(client_events),
    )
    .expect("TLS association");
    let tls_version = tls
        .tls_info()
        .and_then(|t| t.version)
        .map(|v| v.to_string())
        .unwrap_or_else(|| "?".into());

    let mut rows = vec![
        Transport::new("osi-plain", plain, None),
        Transport::new("osi-tls", tls, None),
    ];
    if let (Some(p), Some((_, client_side))) = (&prosody, &xmpp) {
        let peer = format!("ied@{}/IEC", p.domain());
        let events = Arc::new(cot::security_event::SecurityEvents::new());
        let c = connect(client_side, &peer, Duration::from_secs(10), &events);
        rows.push(Transport::new("xmpp-e2e-gcm", c, Some(p.pid())));
    }

    for row in &mut rows {
        row.warm_up(&name, &want, seconds);
    }
    for round in 0..rounds {
        for row in &mut rows {
            row.round(&name, &want);
        }
        eprintln!("round {} of {rounds} done", round + 1);
    }

    println!("== reads of one variable, one outstanding, {rounds} rounds: median (min..max)");
    println!("osi-plain: RFC 1006; osi-tls: RFC 1006 over {tls_version}; xmpp-e2e-gcm: through prosody, E2E AES-128-GCM");
    println!(
        "prosody: {}",
        if instrumented {
            "as the tests run it (debug log, capture module)"
        } else {
            "log at warn level, no capture module"
        }
    );
    println!(
        "CPU in µs per read; `process` holds the MMS client and server, `prosody` the XMPP server"
    );
    println!(
        "{:<13} {:>7} {:>26} {:>6} {:>22} {:>18} {:>22} {:>6}",
        "transport",
        "reads",
        "reads/s",
        "ratio",
        "CPU process",
        "CPU prosody",
        "CPU total",
        "ratio"
    );
    let ref_rate = median(&rows[0].rates);
    let ref_cpu = median(&rows[0].total_cpu());
    for row in &rows {
        let total = row.total_cpu();
        let relay = if row.relay_cpu.is_empty() {
            "-".to_string()
        } else {
            spread(&row.relay_cpu, 1)
        };
        println!(
            "{:<13} {:>7} {:>26} {:>6.3} {:>22} {:>18} {:>22} {:>6.2}",
            row.name,
            row.reads,
            spread(&row.rates, 0),
            median(&row.rates) / ref_rate,
            spread(&row.cpu, 1),
            relay,
            spread(&total, 1),
            median(&total) / ref_cpu,
        );
    }
    if prosody.is_none() {
        println!("xmpp-e2e-gcm  SKIPPED: no prosody (apt-get install prosody)");
    }
    for row in rows {
        let _ = row.client.conclude();
    }
    let _ = server.stop();
}

/// How many calls of `f` take about [`BATCH_TIME`].
fn batch_size(f: &mut dyn FnMut()) -> usize {
    let t0 = Instant::now();
    let mut probe = 0u32;
    while t0.elapsed() < BATCH_TIME / 4 || probe < 3 {
        f();
        probe += 1;
    }
    let per = t0.elapsed().as_secs_f64() / f64::from(probe);
    ((BATCH_TIME.as_secs_f64() / per) as usize).max(1)
}

/// Nanoseconds per call of each of `fs`, [`BATCHES`] batches of about [`BATCH_TIME`] each; the
/// functions take turns batch by batch, so a slow spell of the machine hits all of them.
fn per_call(fs: &mut [&mut dyn FnMut()]) -> Vec<Vec<f64>> {
    let sizes: Vec<usize> = fs.iter_mut().map(|f| batch_size(*f)).collect();
    let mut out = vec![Vec::with_capacity(BATCHES); fs.len()];
    for _ in 0..BATCHES {
        for ((f, &n), times) in fs.iter_mut().zip(&sizes).zip(&mut out) {
            let t = Instant::now();
            for _ in 0..n {
                f();
            }
            times.push(t.elapsed().as_secs_f64() * 1e9 / n as f64);
        }
    }
    out
}

fn encodings() {
    let ber = vecfile::parse(include_str!("../../mms/vectors/bench.vec"))
        .into_iter()
        .find(|v| v.name == "bench-read-response-50")
        .expect("bench.vec has the Read response fixture")
        .pdu;
    let pdu = MmsPdu::decode(&ber).expect("BER decode");
    let xml = encode_pdu(&pdu).expect("XER encode");
    let limits = XerLimits::default();
    let mut buf = Vec::new();
    let again = decode_pdu(&xml, &limits, &mut buf).expect("XER decode");
    assert_eq!(again.to_vec(), ber, "XER gives back the same PDU");

    let mut encode_ber = || {
        black_box(black_box(&pdu).to_vec());
    };
    let mut encode_xer = || {
        black_box(encode_pdu(black_box(&pdu)).expect("XER encode"));
    };
    let mut decode_ber = || {
        black_box(
            MmsPdu::decode(black_box(&ber))
                .expect("BER decode")
                .invoke_id(),
        );
    };
    let mut buf = Vec::new();
    let mut decode_xer = || {
        black_box(
            decode_pdu(black_box(&xml), &limits, &mut buf)
                .expect("XER decode")
                .invoke_id(),
        );
    };
    let times = per_call(&mut [
        &mut encode_ber,
        &mut encode_xer,
        &mut decode_ber,
        &mut decode_xer,
    ]);
    let (encode_ber, encode_xer, decode_ber, decode_xer) =
        (&times[0], &times[1], &times[2], &times[3]);

    println!();
    println!("== Read response of 50 IEC 61850 structures: XER against BER, {BATCHES} batches: median (min..max)");
    println!(
        "size: BER {} octets, XER {} octets, ratio {:.1}",
        ber.len(),
        xml.len(),
        xml.len() as f64 / ber.len() as f64
    );
    println!(
        "{:<8} {:>26} {:>26} {:>6}",
        "", "BER µs/PDU", "XER µs/PDU", "ratio"
    );
    for (what, b, x) in [
        ("encode", encode_ber, encode_xer),
        ("decode", decode_ber, decode_xer),
    ] {
        let us = |v: &[f64]| v.iter().map(|n| n / 1000.0).collect::<Vec<f64>>();
        println!(
            "{:<8} {:>26} {:>26} {:>6.1}",
            what,
            spread(&us(b), 2),
            spread(&us(x), 2),
            median(x) / median(b)
        );
    }
}

fn main() {
    let rounds = env_number("OSI_VS_XMPP_ROUNDS", 5.0) as usize;
    let seconds = env_number("OSI_VS_XMPP_SECONDS", 1.0);
    // the tests' prosody: every stanza logged at debug level and written out by the capture
    // module
    let instrumented = std::env::var("OSI_VS_XMPP_PROSODY").as_deref() == Ok("test");
    transports(rounds.max(1), seconds, instrumented);
    encodings();
}
