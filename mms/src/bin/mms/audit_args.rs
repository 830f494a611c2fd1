//! Where security events go besides the log, for `mms server` and `mms client`: a
//! tamper-evident local file (`--security-log`, optionally keyed with `--security-log-key`) and
//! a syslog collector (`--syslog udp://HOST:PORT` or `tcp://HOST:PORT`); and `mms security-log
//! verify`, which checks such a file (docs/security-log.md).

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Arc;

use cot::security_event::SecurityEvents;
use mms::security::audit::{self, ChainLog, Syslog, SyslogTransport};

/// Security-event destinations.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AuditArgs {
    /// Append security events to this tamper-evident log (hash-chained records; check it with
    /// `mms security-log verify`).
    #[arg(long, value_name = "FILE")]
    pub security_log: Option<PathBuf>,
    /// Key the log's chain with HMAC-SHA256 under the contents of this file.
    #[arg(long, value_name = "FILE", requires = "security_log")]
    pub security_log_key: Option<PathBuf>,
    /// Send security events to a syslog collector (RFC 5424): udp://HOST:PORT or tcp://HOST:PORT.
    #[arg(long, value_name = "URL")]
    pub syslog: Option<String>,
}

fn key(path: &Option<PathBuf>) -> Result<Option<Vec<u8>>, String> {
    path.as_ref()
        .map(|p| std::fs::read(p).map_err(|e| format!("{}: {e}", p.display())))
        .transpose()
}

/// `udp://HOST:PORT` or `tcp://HOST:PORT`.
fn parse_syslog(url: &str) -> Result<(SyslogTransport, SocketAddr), String> {
    let (transport, rest) = if let Some(r) = url.strip_prefix("udp://") {
        (SyslogTransport::Udp, r)
    } else if let Some(r) = url.strip_prefix("tcp://") {
        (SyslogTransport::Tcp, r)
    } else {
        return Err(format!(
            "--syslog {url}: expected udp://HOST:PORT or tcp://HOST:PORT"
        ));
    };
    let addr = rest
        .to_socket_addrs()
        .map_err(|e| format!("--syslog {url}: {e}"))?
        .next()
        .ok_or_else(|| format!("--syslog {url}: the address resolved to nothing"))?;
    Ok((transport, addr))
}

impl AuditArgs {
    /// Adds the configured sinks to `events` (the local log first, so syslog messages carry
    /// its chain head).
    pub fn apply(&self, events: &Arc<SecurityEvents>) -> Result<(), String> {
        let chain = match &self.security_log {
            Some(path) => {
                let k = key(&self.security_log_key)?;
                let log = Arc::new(
                    ChainLog::open(path, k.as_deref())
                        .map_err(|e| format!("--security-log {}: {e}", path.display()))?,
                );
                events.add_sink(log.clone());
                Some(log)
            }
            None => None,
        };
        if let Some(url) = &self.syslog {
            let (transport, addr) = parse_syslog(url)?;
            let mut sink =
                Syslog::start(transport, addr, None).map_err(|e| format!("--syslog {url}: {e}"))?;
            if let Some(c) = chain {
                sink = sink.with_chain(c);
            }
            events.add_sink(Arc::new(sink));
        }
        Ok(())
    }
}

/// `mms security-log`.
#[derive(Debug, clap::Args)]
pub struct SecurityLogArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: SecurityLogCmd,
}

/// `mms security-log` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum SecurityLogCmd {
    /// Check a security log's sequence and hash chain from the first record to the last.
    Verify {
        /// The log file.
        file: PathBuf,
        /// The HMAC key file the log was written with.
        #[arg(long, value_name = "FILE")]
        key_file: Option<PathBuf>,
        /// The chain value the last record must have (from a syslog copy or an earlier run):
        /// finds a log cut short.
        #[arg(long, value_name = "HEX")]
        expect_chain: Option<String>,
        /// At least this many records must be there.
        #[arg(long, value_name = "N")]
        expect_records: Option<u64>,
    },
}

/// Runs `mms security-log`.
pub fn run(args: &SecurityLogArgs) -> Result<(), String> {
    match &args.command {
        SecurityLogCmd::Verify {
            file,
            key_file,
            expect_chain,
            expect_records,
        } => {
            let k = key(key_file)?;
            let v = audit::verify(file, k.as_deref())
                .map_err(|e| format!("{}: TAMPERED OR DAMAGED: {e}", file.display()))?;
            if let Some(n) = expect_records {
                if v.records < *n {
                    return Err(format!(
                        "{}: {} records where at least {n} were expected: the log was cut short",
                        file.display(),
                        v.records
                    ));
                }
            }
            if let Some(c) = expect_chain {
                if !c.eq_ignore_ascii_case(&v.last_chain) {
                    return Err(format!(
                        "{}: the last chain value is {}, not {c}: the log was cut short or replaced",
                        file.display(),
                        v.last_chain
                    ));
                }
            }
            outln!(
                "{}: intact, {} records, last chain {}",
                file.display(),
                v.records,
                v.last_chain
            );
            Ok(())
        }
    }
}
