//! The tamper-evident local security log: one line per event, each closed by a hash chained
//! over every line before it (docs/security-log.md).
//!
//! ```text
//! v1 <TAB> seq <TAB> time <TAB> severity <TAB> code <TAB> IEC 62351-14 id or - <TAB> detail <TAB> chain
//! ```
//!
//! `chain(n) = H(chain(n-1) ‖ body(n))`, where `body(n)` is the line up to (not including) the
//! tab before its chain field, `chain(0) = SHA-256("osi-mms security log v1")`, and `H` is
//! SHA-256, or HMAC-SHA256 under the operator's key when one is configured (then nobody without
//! the key can recompute a chain after editing the file). Sequence numbers start at 1 and
//! grow by one. A removed or reordered line breaks the sequence and the chain; an altered one
//! breaks the chain. Lines cut from the end leave a valid shorter file: compare the last chain
//! value with a copy kept elsewhere (the syslog messages carry it) to find that.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use cot::security_event::{Event, EventSink};
use openssl::hash::{hash, MessageDigest};
use openssl::pkey::PKey;
use openssl::sign::Signer;

use super::time::rfc3339;

/// The format tag at the start of every line.
const VERSION: &str = "v1";
/// What the chain starts from.
const GENESIS: &[u8] = b"osi-mms security log v1";
/// The longest detail written (longer ones are cut, with a marker).
const MAX_DETAIL: usize = 4096;
/// The longest line [`verify`] accepts.
const MAX_LINE: usize = 16 * 1024;

/// A chain value.
type Link = [u8; 32];

/// The chain's hash: SHA-256, or HMAC-SHA256 under a key.
struct Hasher {
    key: Option<PKey<openssl::pkey::Private>>,
}

impl Hasher {
    fn new(key: Option<&[u8]>) -> io::Result<Hasher> {
        let key = match key {
            Some([]) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "the security-log key is empty",
                ))
            }
            Some(k) => Some(PKey::hmac(k).map_err(io::Error::other)?),
            None => None,
        };
        Ok(Hasher { key })
    }

    fn genesis(&self) -> io::Result<Link> {
        self.link(&[0; 32], GENESIS)
    }

    /// `H(prev ‖ body)`.
    fn link(&self, prev: &Link, body: &[u8]) -> io::Result<Link> {
        let mut out = [0u8; 32];
        match &self.key {
            None => {
                let mut input = Vec::with_capacity(32 + body.len());
                input.extend_from_slice(prev);
                input.extend_from_slice(body);
                let d = hash(MessageDigest::sha256(), &input).map_err(io::Error::other)?;
                out.copy_from_slice(&d);
            }
            Some(k) => {
                let mut s = Signer::new(MessageDigest::sha256(), k).map_err(io::Error::other)?;
                s.update(prev).map_err(io::Error::other)?;
                s.update(body).map_err(io::Error::other)?;
                let n = s.sign(&mut out).map_err(io::Error::other)?;
                if n != out.len() {
                    return Err(io::Error::other("HMAC length"));
                }
            }
        }
        Ok(out)
    }
}

fn hex(l: &Link) -> String {
    l.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Link> {
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// Tabs, line ends and backslashes escaped so a detail stays one field of one line.
fn escape(detail: &str) -> String {
    let mut out = String::with_capacity(detail.len().min(MAX_DETAIL) + 8);
    for (n, c) in detail.chars().enumerate() {
        if n >= MAX_DETAIL {
            out.push_str("\\u2026");
            break;
        }
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// What [`verify`] found in a log that is intact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// How many records.
    pub records: u64,
    /// The chain value of the last record (hex), or of the empty log.
    pub last_chain: String,
}

/// Why a log does not verify: the first line that is wrong, and how.
#[derive(Debug)]
#[non_exhaustive]
pub enum VerifyError {
    /// The file could not be read.
    Io(io::Error),
    /// A line that is not a record (wrong field count, bad number, bad chain field, too long).
    Malformed {
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        what: &'static str,
    },
    /// A sequence number out of order: a record was removed, reordered or inserted before it.
    Sequence {
        /// 1-based line number.
        line: u64,
        /// The sequence number expected there.
        expected: u64,
        /// The one found.
        found: u64,
    },
    /// The chain value does not match the records: this record or one before it was altered
    /// (or the key is not the log's).
    Chain {
        /// 1-based line number.
        line: u64,
    },
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::Io(e) => write!(f, "cannot read the log: {e}"),
            VerifyError::Malformed { line, what } => write!(f, "line {line}: not a record ({what})"),
            VerifyError::Sequence {
                line,
                expected,
                found,
            } => write!(
                f,
                "line {line}: sequence number {found} where {expected} was due (a record was removed, reordered or inserted)"
            ),
            VerifyError::Chain { line } => write!(
                f,
                "line {line}: the chain does not match (this record or an earlier one was altered, or the key is wrong)"
            ),
        }
    }
}

impl std::error::Error for VerifyError {}

/// Checks a security log from its first line to its last; `key` must be the log's HMAC key
/// if it has one.
pub fn verify(path: &Path, key: Option<&[u8]>) -> Result<Verified, VerifyError> {
    let file = File::open(path).map_err(VerifyError::Io)?;
    let hasher = Hasher::new(key).map_err(VerifyError::Io)?;
    let mut chain = hasher.genesis().map_err(VerifyError::Io)?;
    let mut reader = BufReader::new(file);
    let mut records = 0u64;
    let mut line_no = 0u64;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let n = io::Read::take(&mut reader, MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(VerifyError::Io)?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let malformed = |what| VerifyError::Malformed {
            line: line_no,
            what,
        };
        if buf.last() != Some(&b'\n') {
            return Err(malformed(if n > MAX_LINE {
                "too long"
            } else {
                "no line end"
            }));
        }
        let line =
            std::str::from_utf8(&buf[..buf.len() - 1]).map_err(|_| malformed("not UTF-8"))?;
        let (body, link) = line.rsplit_once('\t').ok_or(malformed("no chain field"))?;
        let fields: Vec<&str> = body.split('\t').collect();
        if fields.len() != 7 || fields[0] != VERSION {
            return Err(malformed("wrong field count or version"));
        }
        let seq: u64 = fields[1]
            .parse()
            .map_err(|_| malformed("bad sequence number"))?;
        let link = unhex(link).ok_or(malformed("bad chain field"))?;
        if seq != records + 1 {
            return Err(VerifyError::Sequence {
                line: line_no,
                expected: records + 1,
                found: seq,
            });
        }
        let expected = hasher
            .link(&chain, body.as_bytes())
            .map_err(VerifyError::Io)?;
        if !openssl::memcmp::eq(&expected, &link) {
            return Err(VerifyError::Chain { line: line_no });
        }
        chain = link;
        records = seq;
    }
    Ok(Verified {
        records,
        last_chain: hex(&chain),
    })
}

struct State {
    file: File,
    seq: u64,
    chain: Link,
    failures: u64,
}

/// The tamper-evident log file (see the module documentation). Recording appends and flushes
/// one line per event under a lock.
pub struct ChainLog {
    path: PathBuf,
    hasher: Hasher,
    state: Mutex<State>,
}

impl fmt::Debug for ChainLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChainLog")
            .field("path", &self.path)
            .field("keyed", &self.hasher.key.is_some())
            .finish_non_exhaustive()
    }
}

impl ChainLog {
    /// Opens (or creates) the log at `path`, keyed with `key` (HMAC-SHA256) or not. An existing
    /// log is verified first and continued from its last record; one that does not verify is
    /// refused (rotate it away and keep it as evidence).
    pub fn open(path: impl Into<PathBuf>, key: Option<&[u8]>) -> io::Result<ChainLog> {
        let path = path.into();
        let hasher = Hasher::new(key)?;
        let (seq, chain) = if path.exists() {
            let v = verify(&path, key).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{}: {e}", path.display()),
                )
            })?;
            let chain = unhex(&v.last_chain).ok_or_else(|| io::Error::other("chain value"))?;
            (v.records, chain)
        } else {
            (0, hasher.genesis()?)
        };
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        Ok(ChainLog {
            path,
            hasher,
            state: Mutex::new(State {
                file,
                seq,
                chain,
                failures: 0,
            }),
        })
    }

    /// The number of records and the chain value of the last one (hex): keep it elsewhere to
    /// detect a log cut short.
    pub fn head(&self) -> (u64, String) {
        let st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        (st.seq, hex(&st.chain))
    }

    /// Events that could not be written (disk full, file gone).
    pub fn failures(&self) -> u64 {
        self.state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .failures
    }

    /// Appends one record.
    fn append(&self, st: &mut State, event: &Event<'_>) -> io::Result<()> {
        let seq = st.seq + 1;
        let body = format!(
            "{VERSION}\t{seq}\t{}\t{}\t{}\t{}\t{}",
            rfc3339(event.time),
            event.severity,
            event.code,
            event.iec62351_14.unwrap_or("-"),
            escape(event.detail)
        );
        let link = self.hasher.link(&st.chain, body.as_bytes())?;
        let line = format!("{body}\t{}\n", hex(&link));
        st.file.write_all(line.as_bytes())?;
        st.file.flush()?;
        st.seq = seq;
        st.chain = link;
        Ok(())
    }
}

impl EventSink for ChainLog {
    fn deliver(&self, event: &Event<'_>) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(e) = self.append(&mut st, event) {
            st.failures += 1;
            log::error!(
                "security log {}: event {} not written: {e}",
                self.path.display(),
                event.code
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cot::security_event::Severity;
    use std::time::SystemTime;

    #[test]
    fn escaping_keeps_a_detail_on_one_field() {
        assert_eq!(escape("a\tb\nc\\d\r\u{1}"), "a\\tb\\nc\\\\d\\r\\u0001");
        let long = "x".repeat(MAX_DETAIL + 10);
        assert!(escape(&long).ends_with("\\u2026"));
    }

    #[test]
    fn hex_round_trips_and_rejects_junk() {
        let l = [0xABu8; 32];
        assert_eq!(unhex(&hex(&l)), Some(l));
        assert_eq!(unhex("zz"), None);
        assert_eq!(unhex(&"g".repeat(64)), None);
    }

    #[test]
    fn an_event_becomes_one_verifiable_line() {
        let dir = std::env::temp_dir().join(format!("chainlog-unit-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("unit.log");
        let _ = std::fs::remove_file(&path);
        let log = ChainLog::open(&path, None).expect("open");
        log.deliver(&Event {
            code: "x.test",
            iec62351_14: Some("IEC62351-3:1.5"),
            severity: Severity::Alarm,
            detail: "tab\there",
            time: SystemTime::UNIX_EPOCH,
        });
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.starts_with(
            "v1\t1\t1970-01-01T00:00:00.000Z\talarm\tx.test\tIEC62351-3:1.5\ttab\\there\t"
        ));
        assert_eq!(verify(&path, None).expect("verify").records, 1);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
