//! [`TlsSession`]: one TLS connection as a sans-IO state machine (IEC 62351-3 §5.6 on
//! RFC 5246 / RFC 8446), in the style of rustls: ciphertext in with [`TlsSession::feed_tls`],
//! plaintext out with [`TlsSession::read_plain`], plaintext in with
//! [`TlsSession::write_plain`], ciphertext out with [`TlsSession::tls_out`] +
//! [`TlsSession::advance_tls_out`]; time only as an argument of
//! [`TlsSession::handle_timeout`].
//!
//! Inside, an `openssl::ssl::SslStream` runs over an in-memory duplex ([`MemPipe`]): reads
//! return `WouldBlock` when no ciphertext is buffered, writes append to the output buffer.
//! `feed_tls` drives the handshake and decrypts everything it can at once (so a renegotiation
//! or key update the peer sends is processed even if the application is not reading), and
//! plaintext written while a renegotiation is in progress is queued and sent when OpenSSL
//! accepts it, in order.
//!
//! Timers (IEC 62351-3 §5.6.3): every `renegotiation_period` a TLS 1.2 session renegotiates
//! (server: HelloRequest; client: ClientHello; RFC 5746) and a TLS 1.3 session sends a
//! KeyUpdate (RFC 8446 §4.6.3); under [`RekeyPolicy::PeriodicResumption`] also, every
//! `resumption_lifetime` in between, an abbreviated renegotiation that resumes the session (or a
//! KeyUpdate on TLS 1.3). A TLS 1.2 renegotiation we asked for that the peer has not
//! completed after `renegotiation_deadline` closes the session with
//! [`events::RENEGOTIATION_REFUSED`] (alarm). When the CRLs change, when the revocation checker
//! learns something new, and on the re-check period (a short first re-check, then
//! `recheck_period`), the peer's chain is checked again: an expired certificate closes the
//! session with [`events::CERT_EXPIRED`], a revoked one with
//! [`events::SESSION_CLOSED_REVOKED`]; revocation information that cannot be had raises its
//! event once and never closes it (IEC 62351-3).

use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Instant, UNIX_EPOCH};

use openssl::ssl::{ErrorCode, Ssl, SslSession, SslStream, SslVerifyMode, SslVersion, StatusType};
use openssl::x509::X509;

use super::config::{RekeyPolicy, TlsVersion};
use super::context::{Shared, TlsRole};
use super::events;
use super::ffi;
use super::verify::{Revocation, VerifyState};
use super::TlsError;

/// An in-memory duplex byte pipe under the `SslStream` (sans-IO).
#[derive(Debug, Default)]
pub struct MemPipe {
    incoming: Vec<u8>,
    in_pos: usize,
    outgoing: Vec<u8>,
    out_pos: usize,
}

impl Read for MemPipe {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let avail = &self.incoming[self.in_pos..];
        if avail.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        self.in_pos += n;
        if self.in_pos == self.incoming.len() {
            self.incoming.clear();
            self.in_pos = 0;
        }
        Ok(n)
    }
}

impl Write for MemPipe {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.out_pos > 0 && self.out_pos == self.outgoing.len() {
            self.outgoing.clear();
            self.out_pos = 0;
        }
        self.outgoing.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Handshaking,
    Established,
    Closing,
    Closed,
}

/// Largest plaintext chunk handed to `SSL_write` at once (one TLS record).
const WRITE_CHUNK: usize = 16 * 1024;

/// One TLS connection, sans-IO (see the module documentation).
pub struct TlsSession {
    stream: SslStream<MemPipe>,
    shared: Arc<Shared>,
    verify: Arc<Mutex<VerifyState>>,
    phase: Phase,
    plain_in: Vec<u8>,
    plain_in_pos: usize,
    plain_out: Vec<u8>,
    plain_out_pos: usize,
    failure: Option<TlsError>,
    peer_closed: bool,
    handshakes_seen: u64,
    reneg_started: Option<Instant>,
    /// The renegotiation in progress offers the session for resumption.
    reneg_abbreviated: bool,
    next_rekey: Option<Instant>,
    /// Under [`crate::tls::RekeyPolicy::PeriodicResumption`]: the next abbreviated handshake.
    next_resume: Option<Instant>,
    /// Renegotiations of ours that resumed the session.
    resumptions: u64,
    /// An abbreviated renegotiation completed: the stored peer certificate is checked again.
    pending_resume_check: bool,
    crl_generation: u64,
    /// The next periodic re-check of the peer's certificate (validity, revocation).
    next_recheck: Option<Instant>,
    /// The revocation checker's data generation at the last re-check.
    revocation_generation: u64,
    /// The unavailable-revocation event last recorded (not repeated at every re-check).
    last_unavailable: Option<&'static str>,
    renegotiations: u64,
    key_updates: u64,
    label: String,
    /// Client: the version of the session offered for resumption, if one was.
    offered_version: Option<SslVersion>,
    /// The version the connection was established with (then renegotiated to).
    version: Option<SslVersion>,
}

impl std::fmt::Debug for TlsSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsSession")
            .field("role", &self.shared.role)
            .field("phase", &self.phase)
            .field("failure", &self.failure)
            .finish_non_exhaustive()
    }
}

fn is_want(e: &openssl::ssl::Error) -> bool {
    matches!(e.code(), ErrorCode::WANT_READ | ErrorCode::WANT_WRITE)
}

/// The event code for an OpenSSL TLS error without a recorded certificate refusal
/// (reason codes of openssl/sslerr.h).
fn classify(e: &openssl::ssl::Error, handshaking: bool) -> &'static str {
    if let Some(stack) = e.ssl_error() {
        for err in stack.errors() {
            let code = match err.reason_code() {
                // NO_SHARED_CIPHER, NO_CIPHERS_AVAILABLE, NO_SUITABLE_SIGNATURE_ALGORITHM
                193 | 181 | 118 => events::NO_CIPHER,
                // UNSUPPORTED_PROTOCOL, NO_PROTOCOLS_AVAILABLE, alert protocol_version
                258 | 191 | 1070 => events::VERSION_REFUSED,
                // WRONG_VERSION_NUMBER: not a TLS record at all (e.g. RFC 1006 in clear)
                267 => events::HANDSHAKE_FAILED,
                // PEER_DID_NOT_RETURN_A_CERTIFICATE
                199 => events::CERT_REQUIRED,
                // CERTIFICATE_VERIFY_FAILED
                134 => events::CERT_INVALID,
                // NO_RENEGOTIATION, alert no_renegotiation
                339 | 1100 => events::RENEGOTIATION_REFUSED,
                // alert handshake_failure: what a peer sends when it shares no suite
                1040 => events::NO_CIPHER,
                // other alerts received (1000 + alert number)
                1000..=1255 => events::ALERT_RECEIVED,
                _ => continue,
            };
            return code;
        }
    }
    if handshaking {
        events::HANDSHAKE_FAILED
    } else {
        events::PROTOCOL_ERROR
    }
}

impl TlsSession {
    pub(crate) fn new(
        shared: Arc<Shared>,
        server_name: Option<String>,
        cache: Option<(String, Option<SslSession>)>,
    ) -> Result<TlsSession, TlsError> {
        let err =
            |e: openssl::error::ErrorStack| TlsError::new(events::HANDSHAKE_FAILED, e.to_string());
        let mut ssl = Ssl::new(&shared.ctx).map_err(err)?;
        let verify = Arc::new(Mutex::new(VerifyState::default()));
        let mode = match shared.role {
            TlsRole::Server => {
                ssl.set_accept_state();
                SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT
            }
            TlsRole::Client => {
                ssl.set_connect_state();
                SslVerifyMode::PEER
            }
        };
        ssl.set_ex_data(shared.verify_index, verify.clone());
        if shared.request_status {
            // Ask the server to staple its OCSP response (RFC 6066 §8).
            ssl.set_status_type(StatusType::OCSP).map_err(err)?;
        }
        let env = shared.env.clone();
        let st = verify.clone();
        ssl.set_verify_callback(mode, move |ok, ctx| env.callback(&st, ok, ctx));
        // OpenSSL's own chain validation uses the configured clock too.
        if let Ok(d) = (shared.env.clock)().duration_since(UNIX_EPOCH) {
            if let Ok(t) = d.as_secs().try_into() {
                ssl.param_mut().set_time(t);
            }
        }
        if let Some(name) = &server_name {
            // SNI carries DNS names only (RFC 6066 §3), never IP literals.
            if name.parse::<std::net::IpAddr>().is_err() && !name.is_empty() {
                ssl.set_hostname(name).map_err(err)?;
            }
        }
        let mut offered_version = None;
        if let (Some((key, offer)), Some(idx)) = (cache, shared.key_index()) {
            if let Some(session) = offer {
                let now = (shared.env.clock)()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                let born = u64::try_from(session.time()).unwrap_or(0);
                if now.saturating_sub(born) < shared.resumption_lifetime.as_secs() {
                    ffi::set_session(&mut ssl, &session);
                    offered_version = Some(session.protocol_version());
                }
            }
            ssl.set_ex_data(idx, key);
        }
        let stream = SslStream::new(ssl, MemPipe::default()).map_err(err)?;
        let mut s = TlsSession {
            stream,
            shared,
            verify,
            phase: Phase::Handshaking,
            plain_in: Vec::new(),
            plain_in_pos: 0,
            plain_out: Vec::new(),
            plain_out_pos: 0,
            failure: None,
            peer_closed: false,
            handshakes_seen: 0,
            reneg_started: None,
            reneg_abbreviated: false,
            next_rekey: None,
            next_resume: None,
            resumptions: 0,
            pending_resume_check: false,
            crl_generation: 0,
            next_recheck: None,
            revocation_generation: 0,
            last_unavailable: None,
            renegotiations: 0,
            key_updates: 0,
            label: String::new(),
            offered_version,
            version: None,
        };
        if s.shared.role == TlsRole::Client {
            // Produce the ClientHello now.
            s.process()?;
        }
        Ok(s)
    }

    /// A label put in front of event details (e.g. the peer's address).
    pub fn set_label(&mut self, label: impl Into<String>) {
        self.label = label.into();
    }

    fn record(&self, code: &'static str, detail: &dyn std::fmt::Display) {
        let role = match self.shared.role {
            TlsRole::Client => "client",
            TlsRole::Server => "server",
        };
        if self.label.is_empty() {
            self.shared.events.record(
                code,
                events::severity(code),
                &format_args!("{role}: {detail}"),
            );
        } else {
            self.shared.events.record(
                code,
                events::severity(code),
                &format_args!("{role} peer={}: {detail}", self.label),
            );
        }
    }

    fn fail(&mut self, code: &'static str, detail: String, notify: bool) -> TlsError {
        if let Some(f) = &self.failure {
            return f.clone();
        }
        self.record(code, &detail);
        if notify && matches!(self.phase, Phase::Established) {
            let _ = self.stream.shutdown();
        }
        self.phase = Phase::Closed;
        let e = TlsError::new(code, detail);
        self.failure = Some(e.clone());
        e
    }

    fn fail_from(&mut self, e: openssl::ssl::Error) -> TlsError {
        let refusal = self
            .verify
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .failure
            .take();
        match refusal {
            Some(r) => self.fail(r.code, r.detail, false),
            None => {
                let code = classify(&e, self.phase == Phase::Handshaking);
                let detail = match e.ssl_error() {
                    Some(stack) => stack
                        .errors()
                        .iter()
                        .map(|x| x.reason().unwrap_or("?").to_string())
                        .collect::<Vec<_>>()
                        .join("; "),
                    None => e.to_string(),
                };
                self.fail(code, detail, false)
            }
        }
    }

    /// Feeds ciphertext received from the peer and processes it (handshake, decryption,
    /// renegotiation). After an error the session is closed: send what [`TlsSession::tls_out`]
    /// holds (the alert), then close the socket.
    pub fn feed_tls(&mut self, data: &[u8]) -> Result<(), TlsError> {
        if let Some(f) = &self.failure {
            return Err(f.clone());
        }
        self.stream.get_mut().incoming.extend_from_slice(data);
        self.process()
    }

    fn process(&mut self) -> Result<(), TlsError> {
        if let Some(f) = &self.failure {
            return Err(f.clone());
        }
        if self.phase == Phase::Handshaking {
            match self.stream.do_handshake() {
                Ok(()) => self.on_established()?,
                Err(e) if is_want(&e) => return Ok(()),
                Err(e) => return Err(self.fail_from(e)),
            }
        }
        if matches!(self.phase, Phase::Established | Phase::Closing) {
            let mut buf = [0u8; 16 * 1024];
            loop {
                match self.stream.ssl_read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => self.plain_in.extend_from_slice(&buf[..n]),
                    Err(e) if e.code() == ErrorCode::ZERO_RETURN => {
                        self.peer_closed = true;
                        break;
                    }
                    Err(e) if is_want(&e) => break,
                    Err(e) => return Err(self.fail_from(e)),
                }
            }
            self.track_renegotiation();
            if std::mem::take(&mut self.pending_resume_check) {
                self.recheck("abbreviated renegotiation", true)?;
            }
            self.flush_plain()?;
        }
        Ok(())
    }

    fn on_established(&mut self) -> Result<(), TlsError> {
        self.phase = Phase::Established;
        let ssl = self.stream.ssl();
        self.version = ssl.version2();
        if let (Some(offered), Some(now)) = (self.offered_version, self.version) {
            if offered != now {
                let d = format!(
                    "offered a {} session for resumption, negotiated {}",
                    version_name(offered),
                    version_name(now)
                );
                self.record(events::VERSION_CHANGED, &d);
            }
        }
        let ssl = self.stream.ssl();
        if let Some(v) = ssl.version2() {
            if v == SslVersion::TLS1 || v == SslVersion::TLS1_1 {
                let d = format!("negotiated {} (below TLS 1.2)", ssl.version_str());
                self.record(events::VERSION_INSECURE, &d);
            }
        }
        if let Some(c) = ssl.current_cipher() {
            if c.name().contains("NULL") {
                let d = format!("negotiated NULL suite {}", c.name());
                self.record(events::NULL_CIPHER, &d);
            }
        }
        let (full, unknown) = {
            let st = self.verify.lock().unwrap_or_else(|p| p.into_inner());
            (st.full_handshakes, st.revocation_unknown.clone())
        };
        self.handshakes_seen = full;
        self.crl_generation = self.shared.crl_generation();
        if let Some(c) = &self.shared.env.revocation {
            self.revocation_generation = c.generation();
        }
        if ssl.session_reused() {
            // No certificate exchange happened: check the stored peer certificate again.
            self.recheck("resumed session", false)?;
        } else if let Some((code, u)) = unknown {
            // IEC 62351-3: revocation information that cannot be had raises its event and
            // does not end the association; the periodic re-check applies it when it comes.
            self.record(code, &u);
            self.last_unavailable = Some(code);
        }
        Ok(())
    }

    /// Re-checks the peer's chain (validity, revocation, size, key, pin); closes the session
    /// with the refusal's event on failure — for a `live` session, revocation closes it with
    /// [`events::SESSION_CLOSED_REVOKED`] (IEC 62351-3 `TLS_SESSION_CLOSED_REV`).
    fn recheck(&mut self, why: &str, live: bool) -> Result<(), TlsError> {
        let chain: Vec<X509> = {
            let st = self.verify.lock().unwrap_or_else(|p| p.into_inner());
            if st.chain.is_empty() {
                self.stream.ssl().peer_certificate().into_iter().collect()
            } else {
                st.chain.clone()
            }
        };
        match self.shared.env.check_established(&chain) {
            Ok(Revocation::Unknown(d)) => {
                self.record(events::CRL_UNAVAILABLE, &format_args!("{why}: {d}"));
                Ok(())
            }
            Ok(Revocation::Unavailable(code, d)) => {
                if self.last_unavailable != Some(code) {
                    self.record(code, &format_args!("{why}: {d}"));
                    self.last_unavailable = Some(code);
                }
                Ok(())
            }
            Ok(_) => {
                self.last_unavailable = None;
                Ok(())
            }
            Err(r) => {
                let code = if live && r.code == events::CERT_REVOKED {
                    events::SESSION_CLOSED_REVOKED
                } else {
                    r.code
                };
                Err(self.fail(code, format!("{why}: {}", r.detail), true))
            }
        }
    }

    fn track_renegotiation(&mut self) {
        if self.phase != Phase::Established {
            return;
        }
        let full = self
            .verify
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .full_handshakes;
        if self.reneg_started.is_some() {
            if !ffi::renegotiate_pending(self.stream.ssl()) && self.stream.ssl().is_init_finished()
            {
                self.reneg_started = None;
                self.handshakes_seen = full;
                self.renegotiations += 1;
                let resumed = self.reneg_abbreviated && self.stream.ssl().session_reused();
                self.reneg_abbreviated = false;
                if resumed {
                    self.resumptions += 1;
                    self.record(
                        events::RENEGOTIATION,
                        &"abbreviated renegotiation we asked for completed (session resumed)",
                    );
                } else {
                    self.record(
                        events::RENEGOTIATION,
                        &"renegotiation we asked for completed",
                    );
                }
                self.check_version("renegotiation");
                if resumed {
                    // No certificate exchange: check the stored peer certificate again.
                    self.pending_resume_check = true;
                }
            }
        } else if full > self.handshakes_seen {
            self.handshakes_seen = full;
            self.renegotiations += 1;
            self.record(
                events::RENEGOTIATION,
                &"peer renegotiated (certificate verified again)",
            );
            self.check_version("renegotiation");
        }
    }

    /// After a renegotiation: the version must be the one the connection was established with.
    fn check_version(&mut self, what: &str) {
        let now = self.stream.ssl().version2();
        if let (Some(before), Some(after)) = (self.version, now) {
            if before != after {
                let d = format!(
                    "{what} changed the version from {} to {}",
                    version_name(before),
                    version_name(after)
                );
                self.record(events::VERSION_CHANGED, &d);
                self.version = now;
            }
        }
    }

    fn flush_plain(&mut self) -> Result<(), TlsError> {
        if self.phase != Phase::Established {
            return Ok(());
        }
        while self.plain_out_pos < self.plain_out.len() {
            let end = self.plain_out.len().min(self.plain_out_pos + WRITE_CHUNK);
            match self
                .stream
                .ssl_write(&self.plain_out[self.plain_out_pos..end])
            {
                Ok(n) => self.plain_out_pos += n,
                Err(e) if is_want(&e) => break,
                Err(e) => return Err(self.fail_from(e)),
            }
        }
        if self.plain_out_pos == self.plain_out.len() {
            self.plain_out.clear();
            self.plain_out_pos = 0;
        }
        Ok(())
    }

    /// Copies decrypted plaintext into `buf`. `Ok(0)` once the peer sent close_notify and all
    /// was read; `WouldBlock` when nothing is buffered; `ConnectionAborted` after a failure.
    pub fn read_plain(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let avail = &self.plain_in[self.plain_in_pos..];
        if avail.is_empty() {
            if self.failure.is_some() {
                return Err(io::ErrorKind::ConnectionAborted.into());
            }
            if self.peer_closed {
                return Ok(0);
            }
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        self.plain_in_pos += n;
        if self.plain_in_pos == self.plain_in.len() {
            self.plain_in.clear();
            self.plain_in_pos = 0;
        }
        Ok(n)
    }

    /// Plaintext octets ready for [`TlsSession::read_plain`].
    pub fn plain_available(&self) -> usize {
        self.plain_in.len() - self.plain_in_pos
    }

    /// Queues plaintext to send (all of it; it is encrypted as soon as the handshake or a
    /// renegotiation in progress allows, in order).
    pub fn write_plain(&mut self, data: &[u8]) -> Result<usize, TlsError> {
        if let Some(f) = &self.failure {
            return Err(f.clone());
        }
        if matches!(self.phase, Phase::Closing | Phase::Closed) {
            return Err(TlsError::new(
                events::PROTOCOL_ERROR,
                "write after close_notify",
            ));
        }
        self.plain_out.extend_from_slice(data);
        self.flush_plain()?;
        Ok(data.len())
    }

    /// Plaintext queued but not yet encrypted.
    pub fn plain_pending(&self) -> usize {
        self.plain_out.len() - self.plain_out_pos
    }

    /// Ciphertext to send to the peer.
    pub fn tls_out(&self) -> &[u8] {
        let p = self.stream.get_ref();
        &p.outgoing[p.out_pos..]
    }

    /// Marks `n` octets of [`TlsSession::tls_out`] as sent.
    pub fn advance_tls_out(&mut self, n: usize) {
        let p = self.stream.get_mut();
        p.out_pos = (p.out_pos + n).min(p.outgoing.len());
        if p.out_pos == p.outgoing.len() {
            p.outgoing.clear();
            p.out_pos = 0;
        }
    }

    /// Takes all ciphertext to send.
    pub fn take_tls(&mut self) -> Vec<u8> {
        let out = self.tls_out().to_vec();
        let n = out.len();
        self.advance_tls_out(n);
        out
    }

    /// Whether ciphertext is waiting to be sent.
    pub fn wants_write(&self) -> bool {
        !self.tls_out().is_empty()
    }

    /// Whether the (first) handshake is still running.
    pub fn is_handshaking(&self) -> bool {
        self.phase == Phase::Handshaking
    }

    /// Whether the session is established (application data can flow).
    pub fn is_established(&self) -> bool {
        self.phase == Phase::Established
    }

    /// Whether the session failed or was closed by us.
    pub fn is_closed(&self) -> bool {
        matches!(self.phase, Phase::Closed | Phase::Closing)
    }

    /// Whether the peer sent close_notify.
    pub fn peer_closed(&self) -> bool {
        self.peer_closed
    }

    /// The failure that closed the session, if any.
    pub fn failure(&self) -> Option<&TlsError> {
        self.failure.as_ref()
    }

    /// Runs the timers: CRL reload and re-check, renegotiation (TLS 1.2) or key update
    /// (TLS 1.3) every `renegotiation_period`, renegotiation deadline. Call it after
    /// `feed_tls` and whenever [`TlsSession::poll_timeout`] passes.
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), TlsError> {
        if let Some(f) = &self.failure {
            return Err(f.clone());
        }
        if self.phase != Phase::Established {
            return Ok(());
        }
        let generation = self.shared.poll_crls(now);
        if generation != self.crl_generation {
            self.crl_generation = generation;
            self.recheck("CRL reload", true)?;
        }
        // The periodic re-check (short first one), and at once when the revocation checker
        // learnt something new.
        let (first, period) = self.shared.recheck;
        let due = *self.next_recheck.get_or_insert(now + first);
        let revocation_generation = self
            .shared
            .env
            .revocation
            .as_ref()
            .map(|c| c.generation())
            .unwrap_or(0);
        if now >= due || revocation_generation != self.revocation_generation {
            self.revocation_generation = revocation_generation;
            self.next_recheck = Some(now + period);
            self.recheck("periodic re-check", true)?;
        }
        let period = self.shared.renegotiation_period;
        let next = *self.next_rekey.get_or_insert(now + period);
        if let Some(started) = self.reneg_started {
            if ffi::renegotiate_pending(self.stream.ssl())
                && now.saturating_duration_since(started) >= self.shared.renegotiation_deadline
            {
                return Err(self.fail(
                    events::RENEGOTIATION_REFUSED,
                    format!(
                        "peer did not complete the renegotiation within {:?}",
                        self.shared.renegotiation_deadline
                    ),
                    true,
                ));
            }
            return Ok(());
        }
        if now >= next {
            self.start_renegotiation(now)?;
        } else if self.shared.rekey_policy == RekeyPolicy::PeriodicResumption {
            let resume = *self
                .next_resume
                .get_or_insert(now + self.shared.resumption_lifetime);
            if now >= resume {
                self.start_resumption(now)?;
            }
        }
        Ok(())
    }

    /// Starts an abbreviated renegotiation that resumes the current session (TLS 1.2; the
    /// server may still answer with a full handshake) or sends a key update (TLS 1.3): what
    /// [`RekeyPolicy::PeriodicResumption`] does every `resumption_lifetime`.
    pub fn start_resumption(&mut self, now: Instant) -> Result<(), TlsError> {
        self.renew(now, true)
    }

    /// Abbreviated renegotiations of ours that resumed the session.
    pub fn resumptions(&self) -> u64 {
        self.resumptions
    }

    /// Sends a TLS 1.3 KeyUpdate with update_requested.
    fn key_update(&mut self) -> Result<(), TlsError> {
        if ffi::key_update(self.stream.ssl()) {
            match self.stream.do_handshake() {
                Ok(()) => {}
                Err(e) if is_want(&e) => {}
                Err(e) => return Err(self.fail_from(e)),
            }
            self.key_updates += 1;
            self.record(events::KEY_UPDATE, &"key update sent (update requested)");
        }
        Ok(())
    }

    /// Starts a renegotiation now (TLS 1.2, RFC 5746) or sends a key update (TLS 1.3); the
    /// timer calls it, tests and applications may too (e.g. after a CRL update, as
    /// IEC TS 62351-100-3 test 6.2.6 expects).
    pub fn start_renegotiation(&mut self, now: Instant) -> Result<(), TlsError> {
        self.renew(now, false)
    }

    /// The renegotiation (`abbreviated`: offering the session for resumption) or, on TLS 1.3,
    /// the key update; re-arms the timers it stands for.
    fn renew(&mut self, now: Instant, abbreviated: bool) -> Result<(), TlsError> {
        if let Some(f) = &self.failure {
            return Err(f.clone());
        }
        if self.phase != Phase::Established || self.reneg_started.is_some() {
            return Ok(());
        }
        if !abbreviated {
            self.next_rekey = Some(now + self.shared.renegotiation_period);
        }
        // Either way the next resumption counts from here.
        self.next_resume = Some(now + self.shared.resumption_lifetime);
        if self.stream.ssl().version2() == Some(SslVersion::TLS1_3) {
            return self.key_update();
        }
        let started = if abbreviated {
            ffi::renegotiate_abbreviated(self.stream.ssl())
        } else {
            ffi::renegotiate(self.stream.ssl())
        };
        if !started {
            return Err(self.fail(
                events::RENEGOTIATION_REFUSED,
                "OpenSSL refused to start a renegotiation (peer without RFC 5746?)".into(),
                true,
            ));
        }
        self.reneg_abbreviated = abbreviated;
        self.reneg_started = Some(now);
        match self.stream.do_handshake() {
            Ok(()) => {}
            Err(e) if is_want(&e) => {}
            Err(e) => return Err(self.fail_from(e)),
        }
        // A client renegotiation may complete only later; a server's HelloRequest is sent now.
        self.track_renegotiation();
        Ok(())
    }

    /// When `handle_timeout` next needs to run.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.phase != Phase::Established {
            return None;
        }
        let deadline = self
            .reneg_started
            .map(|t| t + self.shared.renegotiation_deadline);
        let resume = (self.shared.rekey_policy == RekeyPolicy::PeriodicResumption)
            .then_some(self.next_resume)
            .flatten();
        [
            self.next_rekey,
            resume,
            deadline,
            self.shared.next_crl_reload(),
            self.next_recheck,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// DER of the peer's end-entity certificate.
    pub fn peer_certificate_der(&self) -> Option<Vec<u8>> {
        self.stream.ssl().peer_certificate()?.to_der().ok()
    }

    /// The negotiated version.
    pub fn protocol_version(&self) -> Option<TlsVersion> {
        match self.stream.ssl().version2()? {
            v if v == SslVersion::TLS1_3 => Some(TlsVersion::Tls1_3),
            v if v == SslVersion::TLS1_2 => Some(TlsVersion::Tls1_2),
            v if v == SslVersion::TLS1_1 => Some(TlsVersion::Tls1_1),
            v if v == SslVersion::TLS1 => Some(TlsVersion::Tls1_0),
            _ => None,
        }
    }

    /// The negotiated suite (openssl name).
    pub fn cipher_name(&self) -> Option<&'static str> {
        self.stream.ssl().current_cipher().map(|c| c.name())
    }

    /// Whether the handshake resumed a cached session.
    pub fn session_reused(&self) -> bool {
        self.stream.ssl().session_reused()
    }

    /// Completed renegotiations (ours and the peer's).
    pub fn renegotiations(&self) -> u64 {
        self.renegotiations
    }

    /// Key updates sent (TLS 1.3).
    pub fn key_updates(&self) -> u64 {
        self.key_updates
    }

    /// Sends close_notify (RFC 5246 §7.2.1); nothing more can be written.
    pub fn close_notify(&mut self) {
        if matches!(self.phase, Phase::Established) {
            let _ = self.flush_plain();
            let _ = self.stream.shutdown();
            self.phase = Phase::Closing;
        }
    }
}

/// A readable name of a protocol version.
fn version_name(v: SslVersion) -> &'static str {
    if v == SslVersion::TLS1_3 {
        "TLS 1.3"
    } else if v == SslVersion::TLS1_2 {
        "TLS 1.2"
    } else if v == SslVersion::TLS1_1 {
        "TLS 1.1"
    } else if v == SslVersion::TLS1 {
        "TLS 1.0"
    } else {
        "an older version"
    }
}

#[cfg(test)]
pub(crate) mod tests_support {
    use super::MemPipe;

    pub(crate) fn out(p: &MemPipe) -> &[u8] {
        &p.outgoing[p.out_pos..]
    }

    pub(crate) fn advance(p: &mut MemPipe, n: usize) {
        p.out_pos = (p.out_pos + n).min(p.outgoing.len());
        if p.out_pos == p.outgoing.len() {
            p.outgoing.clear();
            p.out_pos = 0;
        }
    }

    pub(crate) fn feed(p: &mut MemPipe, data: &[u8]) {
        p.incoming.extend_from_slice(data);
    }
}
