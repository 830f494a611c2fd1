//! Revocation services for tests and demos, beside the test CA ([`crate::pki`]): an OCSP
//! responder (the `openssl ocsp` program run on a loopback port with an index file and a signer
//! certificate, RFC 6960) and a small HTTP server that serves a CRL (RFC 5280 §4.2.1.13), so
//! revocation is tested against a real responder and a real HTTP exchange.
//!
//! [`openssl_available`] applies the project rule for external programs: when `openssl` is
//! missing it panics if env `CI` is `true` (or `1`) and returns `false` with a loud message
//! otherwise, so a test can skip outside CI only.

use std::fs;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use openssl::x509::X509;

use crate::pki::{Credential, PkiError};

/// Whether the `openssl` program runs; missing: panics under `CI=true`, else prints a loud
/// SKIPPED line and returns `false`.
pub fn openssl_available(test: &str) -> bool {
    let ok = Command::new("openssl")
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return true;
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    if ci {
        panic!("{test}: the openssl program is required in CI but cannot be run");
    }
    eprintln!("!!! SKIPPED {test}: the openssl program cannot be run (install openssl)");
    false
}

/// A free loopback TCP port (bound, read and released).
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A certificate's line state in the responder's index.
#[derive(Debug, Clone)]
pub enum IndexEntry {
    /// Valid (`V`).
    Valid(X509),
    /// Revoked (`R`) at the given time with an RFC 5280 CRLReason name (e.g. `keyCompromise`).
    Revoked(X509, SystemTime, &'static str),
}

fn utc_short(t: SystemTime) -> String {
    // YYMMDDHHMMSSZ (UTCTime, as openssl's index file holds it).
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0) as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // civil-from-days
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{:02}{:02}{:02}{:02}{:02}{:02}Z",
        y % 100,
        m,
        d,
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// Writes an `openssl ca`-style index file (the responder's certificate database).
pub fn write_index(path: &Path, entries: &[IndexEntry]) -> Result<(), PkiError> {
    let mut out = String::new();
    for (i, e) in entries.iter().enumerate() {
        let (flag, cert, revoked) = match e {
            IndexEntry::Valid(c) => ("V", c, String::new()),
            IndexEntry::Revoked(c, t, reason) => ("R", c, format!("{},{reason}", utc_short(*t))),
        };
        let serial = cert.serial_number().to_bn()?.to_hex_str()?.to_string();
        out.push_str(&format!(
            "{flag}\t{}\t{revoked}\t{serial}\tunknown\t/CN=entry{i}\n",
            utc_short(SystemTime::now() + Duration::from_secs(365 * 86_400))
        ));
    }
    fs::write(path, out)?;
    Ok(())
}

/// An `openssl ocsp` responder process on a loopback port; killed on drop.
#[derive(Debug)]
pub struct OcspResponder {
    child: Child,
    port: u16,
}

impl OcspResponder {
    /// Starts `openssl ocsp -index index -port P -rsigner signer -rkey key -CA ca -ndays days`
    /// in `dir` and waits (up to 10 s) until it says it accepts connections.
    pub fn start(
        dir: &Path,
        index: &Path,
        ca: &X509,
        signer: &Credential,
        ndays: u32,
    ) -> Result<OcspResponder, PkiError> {
        OcspResponder::start_on_port(dir, index, ca, signer, ndays, free_port()?)
    }

    /// Like [`OcspResponder::start`] on a given port (e.g. one a certificate's
    /// authorityInfoAccess already names, taken from [`free_port`]).
    pub fn start_on_port(
        dir: &Path,
        index: &Path,
        ca: &X509,
        signer: &Credential,
        ndays: u32,
        port: u16,
    ) -> Result<OcspResponder, PkiError> {
        let ca_path = dir.join("responder-ca.pem");
        fs::write(&ca_path, ca.to_pem()?)?;
        let stem = format!("responder-signer-{port}");
        let (cert, key) = signer.write_pem(dir, &stem)?;
        let log = dir.join(format!("{stem}.log"));
        let child = Command::new("openssl")
            .arg("ocsp")
            .arg("-index")
            .arg(index)
            .arg("-port")
            .arg(port.to_string())
            .arg("-rsigner")
            .arg(&cert)
            .arg("-rkey")
            .arg(&key)
            .arg("-CA")
            .arg(&ca_path)
            .arg("-ndays")
            .arg(ndays.to_string())
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(fs::File::create(&log)?)
            .spawn()?;
        let mut r = OcspResponder { child, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            // Ready when it says so on stderr. A probe connection would not do: the responder
            // serves one connection at a time and a probe closed without a request wedges it.
            let text = fs::read_to_string(&log).unwrap_or_default();
            if text.contains("waiting for OCSP client connections") {
                return Ok(r);
            }
            if let Ok(Some(st)) = r.child.try_wait() {
                let text = fs::read_to_string(&log).unwrap_or_default();
                return Err(PkiError::Invalid(format!(
                    "openssl ocsp exited ({st}): {text}"
                )));
            }
            if Instant::now() > deadline {
                return Err(PkiError::Invalid(
                    "openssl ocsp did not accept connections within 10 s".into(),
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Its URL (`http://127.0.0.1:P/`).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }
}

impl Drop for OcspResponder {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the test HTTP server answers.
#[derive(Debug, Clone)]
pub enum HttpAnswer {
    /// `200 OK` with this body.
    Body(Vec<u8>),
    /// This status with an empty body.
    Status(u16),
    /// Accept the connection and never answer (a responder that hangs).
    Hang,
}

/// A one-file HTTP/1.0 server on a loopback port answering every request with the current
/// [`HttpAnswer`] (the test side of a CRL distribution point or of a silent OCSP responder);
/// stopped on drop.
#[derive(Debug)]
pub struct HttpServer {
    port: u16,
    answer: Arc<Mutex<HttpAnswer>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    /// Requests served so far.
    pub hits: Arc<Mutex<u64>>,
}

impl HttpServer {
    /// Starts the server with a first answer.
    pub fn start(answer: HttpAnswer) -> std::io::Result<HttpServer> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let answer = Arc::new(Mutex::new(answer));
        let stop = Arc::new(AtomicBool::new(false));
        let hits = Arc::new(Mutex::new(0u64));
        let (a, s, h) = (answer.clone(), stop.clone(), hits.clone());
        let thread = std::thread::spawn(move || {
            let mut held = Vec::new();
            while !s.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((mut conn, _)) => {
                        let _ = conn.set_nonblocking(false);
                        let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
                        let mut req = Vec::new();
                        let mut buf = [0u8; 4096];
                        while !req.windows(4).any(|w| w == b"\r\n\r\n") && req.len() < 65_536 {
                            match conn.read(&mut buf) {
                                Ok(0) | Err(_) => break,
                                Ok(n) => req.extend_from_slice(&buf[..n]),
                            }
                        }
                        *h.lock().unwrap_or_else(|e| e.into_inner()) += 1;
                        let ans = a.lock().unwrap_or_else(|e| e.into_inner()).clone();
                        match ans {
                            HttpAnswer::Hang => held.push(conn),
                            HttpAnswer::Status(code) => {
                                let _ = write!(
                                    conn,
                                    "HTTP/1.0 {code} Test\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                                );
                            }
                            HttpAnswer::Body(body) => {
                                let _ = write!(
                                    conn,
                                    "HTTP/1.0 200 OK\r\nContent-Type: application/pkix-crl\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                                    body.len()
                                );
                                let _ = conn.write_all(&body);
                            }
                        }
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Ok(HttpServer {
            port,
            answer,
            stop,
            thread: Some(thread),
            hits,
        })
    }

    /// Changes the answer.
    pub fn set(&self, answer: HttpAnswer) {
        *self.answer.lock().unwrap_or_else(|e| e.into_inner()) = answer;
    }

    /// The URL of `path` on this server (`http://127.0.0.1:P/path`).
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/{path}", self.port)
    }

    /// Requests served so far.
    pub fn hit_count(&self) -> u64 {
        *self.hits.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A fresh temporary directory for one test (`<tmp>/<stem>-<pid>-<n>`).
pub fn temp_dir(stem: &str) -> std::io::Result<PathBuf> {
    use std::sync::atomic::AtomicU32;
    static N: AtomicU32 = AtomicU32::new(0);
    let d = std::env::temp_dir().join(format!(
        "{stem}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    fs::create_dir_all(&d)?;
    Ok(d)
}
