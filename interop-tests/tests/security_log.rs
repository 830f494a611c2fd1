//! Security events leave the process: to a tamper-evident local log that `verify` (and
//! `mms security-log verify`) checks record by record, and to a real syslog collector
//! (rsyslogd, started by the test on loopback ports) over UDP and TCP as RFC 5424 messages
//! carrying the IEC 62351-14 identifier and the local log's chain head. A collector that is
//! down never blocks recording: what is lost is counted and the local log keeps everything.

use std::fs;
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cot::security_event::{SecurityEvents, Severity};
use interop_tests::peer::require_rsyslogd;
use interop_tests::scratch_dir;
use mms::security::audit::{verify, ChainLog, Syslog, SyslogTransport, VerifyError};

/// A log of `n` events written through a recorder, as an application would.
fn written_log(dir: &Path, name: &str, n: usize, key: Option<&[u8]>) -> (PathBuf, String) {
    let path = dir.join(name);
    let _ = fs::remove_file(&path);
    let events = SecurityEvents::new();
    events.register(&[("test.alarm", "IEC62351-3:2.4")]);
    let log = Arc::new(ChainLog::open(&path, key).expect("open"));
    events.add_sink(log.clone());
    for i in 0..n {
        if i % 2 == 0 {
            events.record(
                "test.alarm",
                Severity::Alarm,
                &format_args!("event {i}\twith a tab"),
            );
        } else {
            events.record("test.notice", Severity::Notice, &format_args!("event {i}"));
        }
    }
    let (records, chain) = log.head();
    assert_eq!(records, n as u64);
    (path, chain)
}

fn lines(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .expect("read")
        .lines()
        .map(|l| format!("{l}\n"))
        .collect()
}

fn rewrite(path: &Path, lines: &[String]) {
    fs::write(path, lines.concat()).expect("write");
}

#[test]
fn every_kind_of_tampering_is_found_and_the_intact_log_verifies() {
    let dir = scratch_dir("security-log-tamper");
    let (path, chain) = written_log(&dir, "intact.log", 6, None);
    let v = verify(&path, None).expect("intact");
    assert_eq!((v.records, v.last_chain.as_str()), (6, chain.as_str()));
    let original = lines(&path);
    assert!(
        original[0].contains("\tIEC62351-3:2.4\t"),
        "{}",
        original[0]
    );

    // A record removed.
    let mut l = original.clone();
    l.remove(2);
    rewrite(&path, &l);
    assert!(matches!(
        verify(&path, None),
        Err(VerifyError::Sequence {
            line: 3,
            expected: 3,
            found: 4
        })
    ));
    // Two records swapped.
    let mut l = original.clone();
    l.swap(1, 2);
    rewrite(&path, &l);
    assert!(matches!(
        verify(&path, None),
        Err(VerifyError::Sequence { line: 2, .. })
    ));
    // A detail altered (the sequence is untouched).
    let mut l = original.clone();
    l[3] = l[3].replace("event 3", "event 9");
    rewrite(&path, &l);
    assert!(matches!(
        verify(&path, None),
        Err(VerifyError::Chain { line: 4 })
    ));
    // A record removed and the later sequence numbers rewritten to hide it: the chain breaks.
    let mut l = original.clone();
    l.remove(1);
    for (i, line) in l.iter_mut().enumerate().skip(1) {
        let mut f: Vec<&str> = line.splitn(3, '\t').collect();
        let seq = (i + 1).to_string();
        f[1] = &seq;
        *line = f.join("\t");
    }
    rewrite(&path, &l);
    assert!(matches!(
        verify(&path, None),
        Err(VerifyError::Chain { line: 2 })
    ));
    // A log cut short verifies on its own; the anchor kept elsewhere finds it.
    rewrite(&path, &original[..4]);
    let v = verify(&path, None).expect("a prefix is a valid log");
    assert_eq!(v.records, 4);
    assert_ne!(v.last_chain, chain);
    // Reopening a tampered log to append is refused.
    let mut l = original.clone();
    l[0] = l[0].replace("alarm", "notice");
    rewrite(&path, &l);
    assert!(ChainLog::open(&path, None).is_err());
    // An intact log is continued where it ended.
    rewrite(&path, &original);
    let log = ChainLog::open(&path, None).expect("reopen");
    assert_eq!(log.head(), (6, chain));
}

#[test]
fn a_keyed_log_needs_its_key() {
    let dir = scratch_dir("security-log-keyed");
    let (path, _) = written_log(&dir, "keyed.log", 3, Some(b"operator secret"));
    assert_eq!(
        verify(&path, Some(b"operator secret"))
            .expect("key")
            .records,
        3
    );
    assert!(matches!(
        verify(&path, Some(b"wrong")),
        Err(VerifyError::Chain { line: 1 })
    ));
    assert!(matches!(
        verify(&path, None),
        Err(VerifyError::Chain { line: 1 })
    ));
}

fn free_tcp_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port()
}

fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .expect("port")
        .port()
}

/// rsyslogd in the foreground with a UDP and a TCP input on loopback, writing what it
/// receives (MSGID, structured data, message) to `out`.
struct Collector {
    child: Child,
    out: PathBuf,
    udp: u16,
    tcp: u16,
}

impl Collector {
    fn start(rsyslogd: &Path, dir: &Path) -> Collector {
        let (udp, tcp) = (free_udp_port(), free_tcp_port());
        let out = dir.join("received.log");
        let work = dir.join("work");
        let _ = fs::create_dir_all(&work);
        let conf = dir.join("rsyslog.conf");
        fs::write(
            &conf,
            format!(
                "global(workDirectory=\"{work}\")\n\
                 module(load=\"imudp\")\n\
                 input(type=\"imudp\" address=\"127.0.0.1\" port=\"{udp}\")\n\
                 module(load=\"imtcp\")\n\
                 input(type=\"imtcp\" address=\"127.0.0.1\" port=\"{tcp}\")\n\
                 template(name=\"seen\" type=\"string\" string=\"%pri% %msgid% %structured-data% %msg%\\n\")\n\
                 *.* action(type=\"omfile\" file=\"{out}\" template=\"seen\")\n",
                work = work.display(),
                out = out.display()
            ),
        )
        .expect("conf");
        let child = Command::new(rsyslogd)
            .arg("-n")
            .arg("-f")
            .arg(&conf)
            .arg("-i")
            .arg(dir.join("rsyslogd.pid"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start rsyslogd");
        // Ready when the TCP input accepts.
        let t0 = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", tcp)).is_err() {
            assert!(
                t0.elapsed() < Duration::from_secs(10),
                "rsyslogd did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Collector {
            child,
            out,
            udp,
            tcp,
        }
    }

    /// Waits until `n` lines have arrived.
    fn lines(&self, n: usize) -> Vec<String> {
        let t0 = Instant::now();
        loop {
            let got: Vec<String> = fs::read_to_string(&self.out)
                .unwrap_or_default()
                .lines()
                .map(str::to_string)
                .collect();
            if got.len() >= n || t0.elapsed() > Duration::from_secs(10) {
                return got;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn events_reach_rsyslog_over_udp_and_tcp_with_their_identifiers_and_the_chain_head() {
    let Some(rsyslogd) = require_rsyslogd() else {
        return;
    };
    let dir = scratch_dir("security-log-rsyslog");
    let collector = Collector::start(&rsyslogd, &dir);
    let events = Arc::new(SecurityEvents::new());
    events.register(&[("tls.cert-revoked", "IEC62351-3:2.4")]);
    let local = Arc::new(ChainLog::open(dir.join("local.log"), None).expect("local log"));
    events.add_sink(local.clone());
    let udp = Arc::new(
        Syslog::start(
            SyslogTransport::Udp,
            SocketAddr::from(([127, 0, 0, 1], collector.udp)),
            Some("testhost".into()),
        )
        .expect("udp sink")
        .with_chain(local.clone()),
    );
    let tcp = Arc::new(
        Syslog::start(
            SyslogTransport::Tcp,
            SocketAddr::from(([127, 0, 0, 1], collector.tcp)),
            Some("testhost".into()),
        )
        .expect("tcp sink"),
    );
    events.add_sink(udp.clone());
    events.add_sink(tcp.clone());
    events.record(
        "tls.cert-revoked",
        Severity::Alarm,
        &"peer CN=client revoked",
    );
    events.record(
        "policy.unknown-peer",
        Severity::Error,
        &"no entry for 1.3.9999.3",
    );
    let got = collector.lines(4);
    assert_eq!(got.len(), 4, "{got:?}");
    let (_, head_after_first) = {
        // The UDP copy of the first event carries the chain head right after it.
        let v = verify(&dir.join("local.log"), None).expect("local log intact");
        assert_eq!(v.records, 2);
        (v.records, v.last_chain)
    };
    // facility 10, alert (1) → PRI 81; error (3) → 83.
    let revoked: Vec<&String> = got.iter().filter(|l| l.contains("cert-revoked")).collect();
    assert_eq!(revoked.len(), 2, "one over UDP, one over TCP: {got:?}");
    for l in &revoked {
        assert!(l.starts_with("81 IEC62351-3:2.4 [osiMms@32473 code=\"tls.cert-revoked\" severity=\"alarm\" id=\"IEC62351-3:2.4\""), "{l}");
        assert!(l.ends_with("peer CN=client revoked"), "{l}");
    }
    assert!(
        revoked.iter().any(|l| l.contains(" seq=\"1\" chain=\"")),
        "the UDP copy anchors the local log: {revoked:?}"
    );
    let unknown: Vec<&String> = got.iter().filter(|l| l.contains("unknown-peer")).collect();
    assert_eq!(unknown.len(), 2);
    for l in &unknown {
        assert!(l.starts_with("83 policy.unknown-peer [osiMms@32473 code=\"policy.unknown-peer\" severity=\"error\""), "{l}");
    }
    assert!(
        unknown
            .iter()
            .any(|l| l.contains(&format!(" seq=\"2\" chain=\"{head_after_first}\""))),
        "{unknown:?}"
    );
    assert_eq!((udp.dropped(), tcp.dropped()), (0, 0));
}

#[test]
fn a_collector_that_is_down_blocks_nothing_and_loses_nothing_locally() {
    let dir = scratch_dir("security-log-down");
    let events = Arc::new(SecurityEvents::new());
    let local = Arc::new(ChainLog::open(dir.join("local.log"), None).expect("local log"));
    events.add_sink(local.clone());
    // Nobody listens on this port.
    let port = free_tcp_port();
    let sink = Arc::new(
        Syslog::start(
            SyslogTransport::Tcp,
            SocketAddr::from(([127, 0, 0, 1], port)),
            None,
        )
        .expect("sink"),
    );
    events.add_sink(sink.clone());
    let t0 = Instant::now();
    for i in 0..3000 {
        events.record("test.event", Severity::Warning, &format_args!("n={i}"));
    }
    // Recording never waited on the network (3000 events, far beyond the queue).
    assert!(t0.elapsed() < Duration::from_secs(20));
    let t1 = Instant::now();
    while sink.dropped() < 3000 && t1.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(sink.dropped(), 3000, "every lost event is counted");
    assert_eq!(sink.sent(), 0);
    assert_eq!(
        verify(&dir.join("local.log"), None)
            .expect("intact")
            .records,
        3000
    );
}

#[test]
fn a_collector_that_never_reads_blocks_nothing_and_every_event_is_accounted_for() {
    let dir = scratch_dir("security-log-slow");
    let events = Arc::new(SecurityEvents::new());
    let local = Arc::new(ChainLog::open(dir.join("local.log"), None).expect("local log"));
    events.add_sink(local.clone());
    // A collector that accepts the connection and then never reads: the socket buffers fill
    // and the sender's writes stall until their time-out.
    let listener = TcpListener::bind("127.0.0.1:0").expect("listener");
    let addr = listener.local_addr().expect("addr");
    let held = std::thread::spawn(move || {
        let mut kept = Vec::new();
        for _ in 0..8 {
            match listener.accept() {
                Ok((s, _)) => kept.push(s),
                Err(_) => break,
            }
        }
        std::thread::sleep(Duration::from_secs(30));
        drop(kept);
    });
    let sink = Arc::new(Syslog::start(SyslogTransport::Tcp, addr, None).expect("sink"));
    events.add_sink(sink.clone());
    let detail = "x".repeat(400);
    let n = 20_000u64;
    let t0 = Instant::now();
    for i in 0..n {
        events.record(
            "test.event",
            Severity::Warning,
            &format_args!("n={i} {detail}"),
        );
    }
    // Recording never waited for the stalled collector (about 9 MB of messages).
    let recording = t0.elapsed();
    assert!(recording < Duration::from_secs(20), "{recording:?}");
    // Every event is either handed to the collector's socket or counted as lost.
    let t1 = Instant::now();
    while sink.sent() + sink.dropped() < n && t1.elapsed() < Duration::from_secs(25) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        sink.sent() + sink.dropped(),
        n,
        "sent {} dropped {}",
        sink.sent(),
        sink.dropped()
    );
    assert!(
        sink.dropped() > 0,
        "a stalled collector cannot have taken 9 MB"
    );
    assert_eq!(
        verify(&dir.join("local.log"), None)
            .expect("intact")
            .records,
        n,
        "the local log keeps every event"
    );
    drop(held);
}
