//! Certificate revocation, one component for the three security mechanisms (the T-profile,
//! the A-security-profile and end-to-end security): IEC 62351-9 allows a CRL or OCSP per
//! certificate (IEC 62351-4 Annex G.5.3), IEC 62351-3 says revocation information that cannot
//! be had never ends an association but raises an event.
//!
//! A [`RevocationChecker`] answers, for a certificate and its issuer, [`RevocationStatus::Good`],
//! [`RevocationStatus::Revoked`], [`RevocationStatus::Unknown`] (the OCSP responder does not
//! know it) or [`RevocationStatus::Unavailable`] (with the event code saying why), from:
//!
//! - configured CRLs (files, re-read every `crl_reload_period`, and CRLs in memory);
//! - CRLs fetched from the certificate's cRLDistributionPoints (`file:` and `http:` URLs,
//!   RFC 5280 §4.2.1.13), kept until their nextUpdate or the reload period;
//! - OCSP (RFC 6960) from the responder named in the certificate's authorityInfoAccess or a
//!   configured one: the response must be signed by the issuer or by a responder certificate
//!   the issuer gave id-kp-OCSPSigning (OpenSSL's `OCSP_basic_verify` against the trust
//!   anchors), must answer for this very certificate, and its thisUpdate/nextUpdate must hold
//!   the configured clock (with a leeway); it is cached until its nextUpdate.
//!
//! Network fetches never run on the caller's thread in [`RevocationChecker::check`]: what is
//! not cached is queued for a background thread and the answer is `Unavailable` until it comes
//! ([`RevocationChecker::check_now`] fetches on the caller's thread, with the timeout, for
//! callers that may wait). Any CRL or OCSP answer that says revoked wins; otherwise any that
//! says good; otherwise the status is `Unknown`/`Unavailable`.
//!
//! Every OCSP request carries a fresh 32-octet nonce (RFC 6960 §4.4.1, RFC 8954) unless
//! `ocsp_nonce` is off; a response whose nonce differs answers another request (a replay) and is
//! not used. A response without the nonce is used (responders that serve pre-produced responses
//! send none; freshness then rests on thisUpdate/nextUpdate) unless `require_ocsp_nonce` is set.
//! Stapled responses answer no request of ours and carry no nonce to check.

pub mod events;
mod fetch;
mod nonce;
pub mod recheck;

pub use recheck::{PeerRecheck, RecheckOutcome};

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, Weak};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use openssl::asn1::{Asn1GeneralizedTimeRef, Asn1Time};
use openssl::hash::MessageDigest;
use openssl::ocsp::{
    OcspCertId, OcspCertStatus, OcspFlag, OcspRequest, OcspRequestRef, OcspResponse,
    OcspResponseStatus, OcspRevokedStatus,
};
use openssl::stack::Stack;
use openssl::x509::store::{X509Store, X509StoreBuilder};
use openssl::x509::{CrlStatus, X509Crl, X509Ref, X509};

use crate::security_event::SecurityEvents;

use fetch::FetchError;

/// The wall clock used for validity of CRLs and OCSP responses (a function so tests can shift
/// it).
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// Most fetches queued for the background thread at once; more are dropped (and asked again
/// at the next check).
const MAX_PENDING: usize = 1024;
/// Most cached OCSP answers and distribution-point CRL sets; the oldest are dropped beyond.
const MAX_CACHED: usize = 4096;

/// What revocation checking uses (IEC 62351-9, IEC 62351-3 §5.6.4.4). Build with
/// [`RevocationConfig::new`] and the `with_` methods.
#[derive(Clone)]
#[non_exhaustive]
pub struct RevocationConfig {
    /// CRL files (PEM, one or more, or one DER), re-read every `crl_reload_period`.
    pub crl_files: Vec<PathBuf>,
    /// CRLs in memory (never re-read).
    pub crls: Vec<Arc<X509Crl>>,
    /// How often CRL files and distribution-point CRLs are read again (default 1 h).
    pub crl_reload_period: Duration,
    /// Fetch the CRLs named in a certificate's cRLDistributionPoints (default true).
    pub use_crl_distribution_points: bool,
    /// Ask OCSP responders (default true).
    pub use_ocsp: bool,
    /// An OCSP responder URL used instead of the certificate's authorityInfoAccess.
    pub ocsp_responder: Option<String>,
    /// Send a nonce in every OCSP request and refuse a response carrying another one
    /// (default true).
    pub ocsp_nonce: bool,
    /// Also refuse a response without our nonce (default false: many responders serve
    /// pre-produced responses without one).
    pub require_ocsp_nonce: bool,
    /// Timeout of one fetch (connect and each read; default 5 s).
    pub fetch_timeout: Duration,
    /// Largest CRL accepted (default 4 MiB; larger is refused as unreachable).
    pub max_crl_size: usize,
    /// Largest OCSP response accepted (default 64 KiB).
    pub max_ocsp_size: usize,
    /// Clock skew tolerated on thisUpdate/nextUpdate (default 5 min).
    pub leeway: Duration,
    /// How long an OCSP answer without nextUpdate is used (default 1 h).
    pub ocsp_max_age: Duration,
    /// How long after a failed fetch it is tried again (default 60 s).
    pub retry_period: Duration,
    /// How often the mechanisms check the peer of a long association again (default 15 min).
    pub recheck_period: Duration,
    /// The first re-check after an association is set up, so an answer fetched in the
    /// background is applied soon (default 5 s, never later than `recheck_period`).
    pub first_recheck: Duration,
    /// Trust anchors: OCSP responder certificates must chain to one; also the issuers of
    /// end-entity certificates whose chain ends at an anchor.
    pub trust_anchors: Vec<X509>,
    /// The wall clock.
    pub clock: Clock,
}

impl fmt::Debug for RevocationConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RevocationConfig")
            .field("crl_files", &self.crl_files)
            .field("crls", &self.crls.len())
            .field("crl_reload_period", &self.crl_reload_period)
            .field(
                "use_crl_distribution_points",
                &self.use_crl_distribution_points,
            )
            .field("use_ocsp", &self.use_ocsp)
            .field("ocsp_responder", &self.ocsp_responder)
            .field("ocsp_nonce", &self.ocsp_nonce)
            .field("require_ocsp_nonce", &self.require_ocsp_nonce)
            .field("fetch_timeout", &self.fetch_timeout)
            .field("recheck_period", &self.recheck_period)
            .field("trust_anchors", &self.trust_anchors.len())
            .finish_non_exhaustive()
    }
}

impl Default for RevocationConfig {
    fn default() -> Self {
        RevocationConfig::new()
    }
}

impl RevocationConfig {
    /// The defaults (see the fields); no CRL file, no anchor.
    pub fn new() -> RevocationConfig {
        RevocationConfig {
            crl_files: Vec::new(),
            crls: Vec::new(),
            crl_reload_period: Duration::from_secs(3600),
            use_crl_distribution_points: true,
            use_ocsp: true,
            ocsp_responder: None,
            ocsp_nonce: true,
            require_ocsp_nonce: false,
            fetch_timeout: Duration::from_secs(5),
            max_crl_size: 4 << 20,
            max_ocsp_size: 64 << 10,
            leeway: Duration::from_secs(300),
            ocsp_max_age: Duration::from_secs(3600),
            retry_period: Duration::from_secs(60),
            recheck_period: Duration::from_secs(900),
            first_recheck: Duration::from_secs(5),
            trust_anchors: Vec::new(),
            clock: Arc::new(SystemTime::now),
        }
    }

    /// Adds a trust anchor.
    pub fn with_trust_anchor(mut self, ca: X509) -> Self {
        self.trust_anchors.push(ca);
        self
    }

    /// Adds a CRL file.
    pub fn with_crl_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.crl_files.push(path.into());
        self
    }

    /// Adds a CRL in memory.
    pub fn with_crl(mut self, crl: X509Crl) -> Self {
        self.crls.push(Arc::new(crl));
        self
    }

    /// With a configured OCSP responder (instead of the certificates' authorityInfoAccess).
    pub fn with_ocsp_responder(mut self, url: impl Into<String>) -> Self {
        self.ocsp_responder = Some(url.into());
        self
    }

    /// With another clock.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// With another fetch timeout.
    pub fn with_fetch_timeout(mut self, timeout: Duration) -> Self {
        self.fetch_timeout = timeout;
        self
    }

    /// With other re-check periods (first re-check, then every `period`).
    pub fn with_recheck(mut self, first: Duration, period: Duration) -> Self {
        self.first_recheck = first;
        self.recheck_period = period;
        self
    }
}

/// The answer for one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RevocationStatus {
    /// Not revoked, according to `source` (a CRL or an OCSP responder).
    Good {
        /// Where the answer came from.
        source: String,
    },
    /// Revoked (IEC62351-9:4.1).
    Revoked {
        /// The CRLReason, when given.
        reason: Option<String>,
        /// The revocation time, when given.
        time: Option<String>,
        /// Where the answer came from.
        source: String,
    },
    /// The OCSP responder does not know the certificate (IEC62351-9:4.7) and no CRL covers it.
    Unknown {
        /// The responder.
        source: String,
    },
    /// No usable revocation information: `code` is the event of [`events`] that says why.
    Unavailable {
        /// The event code.
        code: &'static str,
        /// What is missing or wrong.
        why: String,
    },
}

impl RevocationStatus {
    /// Whether the certificate is revoked.
    pub fn is_revoked(&self) -> bool {
        matches!(self, RevocationStatus::Revoked { .. })
    }

    /// Whether the certificate is known not to be revoked.
    pub fn is_good(&self) -> bool {
        matches!(self, RevocationStatus::Good { .. })
    }

    /// The event code of a status that is not good: [`events::REVOKED`],
    /// [`events::OCSP_UNKNOWN`] or the code of `Unavailable`.
    pub fn event_code(&self) -> Option<&'static str> {
        match self {
            RevocationStatus::Good { .. } => None,
            RevocationStatus::Revoked { .. } => Some(events::REVOKED),
            RevocationStatus::Unknown { .. } => Some(events::OCSP_UNKNOWN),
            RevocationStatus::Unavailable { code, .. } => Some(code),
        }
    }
}

impl fmt::Display for RevocationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RevocationStatus::Good { source } => write!(f, "good ({source})"),
            RevocationStatus::Revoked {
                reason,
                time,
                source,
            } => {
                write!(f, "revoked ({source}")?;
                if let Some(r) = reason {
                    write!(f, ", reason {r}")?;
                }
                if let Some(t) = time {
                    write!(f, ", at {t}")?;
                }
                f.write_str(")")
            }
            RevocationStatus::Unknown { source } => write!(f, "unknown to {source}"),
            RevocationStatus::Unavailable { why, .. } => write!(f, "unavailable: {why}"),
        }
    }
}

/// Why a checker cannot be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RevocationError {
    /// openssl refused an operation (e.g. building the trust store).
    #[error("openssl: {0}")]
    Openssl(#[from] openssl::error::ErrorStack),
    /// A setting is out of range.
    #[error("invalid revocation configuration: {0}")]
    Invalid(String),
}

#[derive(Clone)]
struct LoadedCrl {
    crl: Arc<X509Crl>,
    origin: String,
}

struct OcspEntry {
    status: RevocationStatus,
    der: Vec<u8>,
    this_update: SystemTime,
    valid_until: SystemTime,
}

struct Failure {
    code: &'static str,
    why: String,
    at: Instant,
}

struct DpEntry {
    crls: Vec<LoadedCrl>,
    fetched: Instant,
}

#[derive(Default)]
struct State {
    local: Vec<LoadedCrl>,
    local_raw: Vec<Option<Vec<u8>>>,
    next_reload: Option<Instant>,
    dp: HashMap<String, DpEntry>,
    ocsp: HashMap<Vec<u8>, OcspEntry>,
    failures: HashMap<String, Failure>,
    pending: HashSet<String>,
}

enum Job {
    Crl(String),
    Ocsp {
        key: Vec<u8>,
        url: String,
        cert: X509,
        issuer: X509,
    },
}

impl Job {
    fn id(&self) -> String {
        match self {
            Job::Crl(url) => format!("crl {url}"),
            Job::Ocsp { key, url, .. } => format!("ocsp {url} {}", hex(key)),
        }
    }
}

struct Inner {
    cfg: RevocationConfig,
    store: X509Store,
    events: Arc<SecurityEvents>,
    state: Mutex<State>,
    generation: AtomicU64,
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
}

/// The revocation checker (see the module documentation). Cheap to clone (one shared cache and
/// one background thread, which ends when the last clone is dropped).
#[derive(Clone)]
pub struct RevocationChecker {
    inner: Arc<Inner>,
}

impl fmt::Debug for RevocationChecker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RevocationChecker")
            .field("config", &self.inner.cfg)
            .finish_non_exhaustive()
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn subject(cert: &X509Ref) -> String {
    let mut out = String::new();
    for e in cert.subject_name().entries() {
        let key = e.object().nid().short_name().unwrap_or("?");
        let val = e.data().to_string().unwrap_or_else(|_| "?".into());
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(key);
        out.push('=');
        out.push_str(&val);
    }
    out
}

fn asn1_now(now: SystemTime) -> Option<Asn1Time> {
    let secs = now.duration_since(UNIX_EPOCH).ok()?.as_secs();
    Asn1Time::from_unix(secs.try_into().ok()?).ok()
}

/// The time of a GeneralizedTime as OpenSSL prints it (`Mmm dd hh:mm:ss[.f] yyyy GMT`, the
/// output of `ASN1_GENERALIZEDTIME_print`): the `openssl` crate offers no other way to compare
/// one with a clock that is not the system's.
fn generalized_time(t: &Asn1GeneralizedTimeRef) -> Option<SystemTime> {
    let text = t.to_string();
    let mut it = text.split_whitespace();
    let mon = it.next()?;
    let day: u64 = it.next()?.parse().ok()?;
    let hms = it.next()?;
    let year: i64 = it.next()?.parse().ok()?;
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| *m == mon)? as i64 + 1;
    let hms = hms.split('.').next()?;
    let mut parts = hms.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, s) = (parts.next()??, parts.next()??, parts.next()??);
    if !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    // Days from 1970-01-01 of a proleptic Gregorian date (civil-from-days inverse).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days.checked_mul(86_400)? + (h * 3600 + m * 60 + s) as i64;
    let secs = u64::try_from(secs).ok()?;
    UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

/// Parses one or more CRLs (PEM blocks or one DER).
fn parse_crls(data: &[u8]) -> Result<Vec<X509Crl>, String> {
    const BEGIN: &[u8] = b"-----BEGIN X509 CRL-----";
    if data.windows(BEGIN.len()).any(|w| w == BEGIN) {
        let mut out = Vec::new();
        let mut rest = data;
        const END: &[u8] = b"-----END X509 CRL-----";
        while let Some(start) = rest.windows(BEGIN.len()).position(|w| w == BEGIN) {
            let from = &rest[start..];
            let Some(end) = from.windows(END.len()).position(|w| w == END) else {
                return Err("unterminated PEM block".into());
            };
            let block = &from[..end + END.len()];
            out.push(X509Crl::from_pem(block).map_err(|e| e.to_string())?);
            rest = &from[end + END.len()..];
        }
        Ok(out)
    } else {
        X509Crl::from_der(data)
            .map(|c| vec![c])
            .map_err(|e| e.to_string())
    }
}

/// The `http:`/`file:` URLs of a certificate's cRLDistributionPoints.
pub fn crl_distribution_points(cert: &X509Ref) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(dps) = cert.crl_distribution_points() {
        for dp in &dps {
            let Some(names) = dp.distpoint().and_then(|n| n.fullname()) else {
                continue;
            };
            for n in names {
                if let Some(uri) = n.uri() {
                    if uri.starts_with("http:") || uri.starts_with("file:") {
                        out.push(uri.to_string());
                    }
                }
            }
        }
    }
    out
}

/// The `http:` OCSP responder URLs of a certificate's authorityInfoAccess.
pub fn ocsp_urls(cert: &X509Ref) -> Vec<String> {
    cert.ocsp_responders()
        .map(|s| {
            s.iter()
                .map(|u| u.to_string())
                .filter(|u| u.starts_with("http:"))
                .collect()
        })
        .unwrap_or_default()
}

/// The verdict of CRLs on one certificate.
enum CrlVerdict {
    Revoked(RevocationStatus),
    Good(String),
    /// Nothing usable: the first problem found (code, why), if any.
    None(Option<(&'static str, String)>),
}

fn judge_crls<'a>(
    crls: impl Iterator<Item = &'a LoadedCrl>,
    cert: &X509Ref,
    issuer: &X509Ref,
    now: &Asn1Time,
) -> CrlVerdict {
    let Ok(issuer_der) = cert.issuer_name().to_der() else {
        return CrlVerdict::None(Some((events::CRL_SIGNATURE, "unencodable issuer".into())));
    };
    let Ok(key) = issuer.public_key() else {
        return CrlVerdict::None(Some((
            events::CRL_SIGNATURE,
            "issuer key unreadable".into(),
        )));
    };
    let mut problem = None;
    let mut good = None;
    for l in crls {
        if l.crl.issuer_name().to_der().ok().as_deref() != Some(&issuer_der[..]) {
            continue;
        }
        if !matches!(l.crl.verify(&key), Ok(true)) {
            problem.get_or_insert((
                events::CRL_SIGNATURE,
                format!("CRL {} does not verify with its issuer's key", l.origin),
            ));
            continue;
        }
        if l.crl.next_update().is_some_and(|nu| nu < now) {
            problem.get_or_insert((
                events::CRL_EXPIRED,
                format!("CRL {} expired (nextUpdate passed)", l.origin),
            ));
            continue;
        }
        match l.crl.get_by_serial(cert.serial_number()) {
            CrlStatus::Revoked(r) => {
                return CrlVerdict::Revoked(RevocationStatus::Revoked {
                    reason: None,
                    time: Some(r.revocation_date().to_string()),
                    source: format!("CRL {}", l.origin),
                })
            }
            CrlStatus::NotRevoked | CrlStatus::RemoveFromCrl(_) => {
                good.get_or_insert_with(|| format!("CRL {}", l.origin));
            }
        }
    }
    match good {
        Some(g) => CrlVerdict::Good(g),
        None => CrlVerdict::None(problem),
    }
}

fn reason_name(r: OcspRevokedStatus) -> Option<String> {
    let n = match r {
        x if x == OcspRevokedStatus::NO_STATUS => return None,
        x if x == OcspRevokedStatus::UNSPECIFIED => "unspecified",
        x if x == OcspRevokedStatus::KEY_COMPROMISE => "keyCompromise",
        x if x == OcspRevokedStatus::CA_COMPROMISE => "cACompromise",
        x if x == OcspRevokedStatus::AFFILIATION_CHANGED => "affiliationChanged",
        x if x == OcspRevokedStatus::STATUS_SUPERSEDED => "superseded",
        x if x == OcspRevokedStatus::STATUS_CESSATION_OF_OPERATION => "cessationOfOperation",
        x if x == OcspRevokedStatus::STATUS_CERTIFICATE_HOLD => "certificateHold",
        x if x == OcspRevokedStatus::REMOVE_FROM_CRL => "removeFromCRL",
        other => return Some(format!("reason {}", other.as_raw())),
    };
    Some(n.to_string())
}

impl RevocationChecker {
    /// Builds a checker and starts its background fetcher. `events` receives the events of
    /// fetching and judging (see [`events`]); their IEC 62351-14 identifiers are registered.
    pub fn new(
        config: RevocationConfig,
        events: Arc<SecurityEvents>,
    ) -> Result<RevocationChecker, RevocationError> {
        let c = RevocationChecker::new_inner(config, events)?;
        c.start_worker();
        Ok(c)
    }

    /// Builds a checker without a background thread: [`RevocationChecker::check`] then only
    /// uses what is configured or cached, and fetching happens in
    /// [`RevocationChecker::check_now`] alone.
    pub fn without_fetcher(
        config: RevocationConfig,
        events: Arc<SecurityEvents>,
    ) -> Result<RevocationChecker, RevocationError> {
        RevocationChecker::new_inner(config, events)
    }

    fn new_inner(
        cfg: RevocationConfig,
        events: Arc<SecurityEvents>,
    ) -> Result<RevocationChecker, RevocationError> {
        if cfg.crl_reload_period.is_zero() || cfg.fetch_timeout.is_zero() {
            return Err(RevocationError::Invalid(
                "crl_reload_period and fetch_timeout must be > 0".into(),
            ));
        }
        if cfg.recheck_period.is_zero() {
            return Err(RevocationError::Invalid(
                "recheck_period must be > 0".into(),
            ));
        }
        events.register(&events::iec62351_14_ids());
        let mut b = X509StoreBuilder::new()?;
        for a in &cfg.trust_anchors {
            b.add_cert(a.clone())?;
        }
        let n = cfg.crl_files.len();
        let inner = Inner {
            cfg,
            store: b.build(),
            events,
            state: Mutex::new(State {
                local_raw: vec![None; n],
                ..State::default()
            }),
            generation: AtomicU64::new(0),
            jobs: Mutex::new(None),
        };
        let c = RevocationChecker {
            inner: Arc::new(inner),
        };
        c.reload_crl_files();
        if !c.inner.cfg.crl_files.is_empty() {
            let next = Instant::now() + c.inner.cfg.crl_reload_period;
            c.inner
                .state
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .next_reload = Some(next);
        }
        Ok(c)
    }

    fn start_worker(&self) {
        let (tx, rx) = mpsc::channel::<Job>();
        *self.inner.jobs.lock().unwrap_or_else(|e| e.into_inner()) = Some(tx);
        let weak: Weak<Inner> = Arc::downgrade(&self.inner);
        let spawned = std::thread::Builder::new()
            .name("revocation-fetch".into())
            .spawn(move || worker(weak, rx));
        if let Err(e) = spawned {
            log::warn!("revocation: no background fetcher ({e}); fetching only on demand");
            *self.inner.jobs.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
    }

    /// The configuration.
    pub fn config(&self) -> &RevocationConfig {
        &self.inner.cfg
    }

    /// The event recorder.
    pub fn events(&self) -> &Arc<SecurityEvents> {
        &self.inner.events
    }

    /// A number that changes whenever revocation data changes (a CRL re-read with new content,
    /// a new OCSP answer, a fetched distribution-point CRL): mechanisms re-check their peers
    /// when it moves.
    pub fn generation(&self) -> u64 {
        self.inner.generation.load(Ordering::SeqCst)
    }

    /// Re-reads the CRL files now; returns whether any changed. An unreadable file keeps the
    /// CRLs last read from it and raises [`events::CRL_UNREACHABLE`].
    pub fn reload_crl_files(&self) -> bool {
        self.inner.reload_crl_files()
    }

    /// The status of `cert` issued by `issuer`, from configured and cached data only; missing
    /// or expired answers are queued for the background fetcher (never waits on the network).
    pub fn check(&self, cert: &X509Ref, issuer: &X509Ref) -> RevocationStatus {
        self.inner.maybe_reload();
        let (status, jobs) = self.inner.evaluate(cert, issuer);
        for j in jobs {
            self.inner.enqueue(j);
        }
        status
    }

    /// Like [`RevocationChecker::check`], but fetches what is missing or expired on the
    /// caller's thread first (each fetch bounded by `fetch_timeout`).
    pub fn check_now(&self, cert: &X509Ref, issuer: &X509Ref) -> RevocationStatus {
        self.inner.maybe_reload();
        let (_, jobs) = self.inner.evaluate(cert, issuer);
        for j in jobs {
            self.inner.run(j);
        }
        self.inner.evaluate(cert, issuer).0
    }

    /// Checks every certificate of `chain` (end entity first) that is not a trust anchor;
    /// issuers are the next certificate or a trust anchor. The first revoked certificate
    /// decides; otherwise the first that is not good; otherwise good. `blocking` selects
    /// [`RevocationChecker::check_now`] over [`RevocationChecker::check`].
    pub fn check_chain(&self, chain: &[X509], blocking: bool) -> RevocationStatus {
        let anchors = &self.inner.cfg.trust_anchors;
        let mut first_bad: Option<RevocationStatus> = None;
        let mut good: Option<RevocationStatus> = None;
        for (i, cert) in chain.iter().enumerate() {
            let der = cert.to_der().ok();
            if anchors.iter().any(|a| a.to_der().ok() == der) {
                continue;
            }
            let Some(issuer) = self.issuer_of(cert, chain.get(i + 1)) else {
                first_bad.get_or_insert(RevocationStatus::Unavailable {
                    code: events::NO_CRL,
                    why: format!("issuer of {} not found", subject(cert)),
                });
                continue;
            };
            let s = if blocking {
                self.check_now(cert, &issuer)
            } else {
                self.check(cert, &issuer)
            };
            match s {
                RevocationStatus::Revoked { .. } => return s,
                RevocationStatus::Good { .. } => {
                    good.get_or_insert(s);
                }
                other => {
                    first_bad.get_or_insert(other);
                }
            }
        }
        first_bad.or(good).unwrap_or(RevocationStatus::Good {
            source: "only trust anchors".into(),
        })
    }

    /// The issuer of `cert`: `next` when its subject is `cert`'s issuer, else a trust anchor
    /// with that subject.
    pub fn issuer_of(&self, cert: &X509Ref, next: Option<&X509>) -> Option<X509> {
        let want = cert.issuer_name().to_der().ok()?;
        if let Some(n) = next {
            if n.subject_name().to_der().ok().as_deref() == Some(&want[..]) {
                return Some(n.clone());
            }
        }
        self.inner
            .cfg
            .trust_anchors
            .iter()
            .find(|a| a.subject_name().to_der().ok().as_deref() == Some(&want[..]))
            .cloned()
    }

    /// The cached OCSP response for `cert` (DER), if one is valid now: what a TLS server
    /// staples for its own certificate (RFC 6066 §8). Queues a fetch when there is none.
    pub fn stapling_response(&self, cert: &X509Ref, issuer: &X509Ref) -> Option<Vec<u8>> {
        let _ = self.check(cert, issuer);
        let key = cert_key(cert)?;
        let now = (self.inner.cfg.clock)();
        let st = self.inner.state.lock().unwrap_or_else(|e| e.into_inner());
        let e = st.ocsp.get(&key)?;
        (now <= e.valid_until + self.inner.cfg.leeway).then(|| e.der.clone())
    }

    /// Judges an OCSP response received by other means (a stapled one, RFC 6066 §8) for
    /// `cert`; a valid one is cached like a fetched one. A bad one gives `Unavailable` with
    /// its event ([`events::OCSP_SIGNATURE`], [`events::OCSP_EXPIRED`]), which is recorded.
    pub fn accept_response(
        &self,
        der: &[u8],
        cert: &X509Ref,
        issuer: &X509Ref,
        source: &str,
    ) -> RevocationStatus {
        match self.inner.judge_ocsp(der, cert, issuer, source, None) {
            Ok(entry) => {
                let status = entry.status.clone();
                if let Some(key) = cert_key(cert) {
                    self.inner.store_ocsp(key, entry);
                }
                status
            }
            Err((code, why)) => {
                self.inner.record(code, &why);
                RevocationStatus::Unavailable { code, why }
            }
        }
    }
}

fn cert_key(cert: &X509Ref) -> Option<Vec<u8>> {
    cert.digest(MessageDigest::sha256())
        .ok()
        .map(|d| d.to_vec())
}

impl Inner {
    fn record(&self, code: &'static str, detail: &dyn fmt::Display) {
        self.events
            .record(code, events::severity(code), &format_args!("{detail}"));
    }

    fn bump(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    fn maybe_reload(&self) {
        if self.cfg.crl_files.is_empty() {
            return;
        }
        let now = Instant::now();
        let due = {
            let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
            match st.next_reload {
                Some(t) if now < t => false,
                _ => {
                    st.next_reload = Some(now + self.cfg.crl_reload_period);
                    true
                }
            }
        };
        if due {
            self.reload_crl_files();
        }
    }

    fn reload_crl_files(&self) -> bool {
        let mut loaded = Vec::new();
        let mut raws = Vec::new();
        let previous: Vec<LoadedCrl> = {
            let st = self.state.lock().unwrap_or_else(|e| e.into_inner());
            st.local.clone()
        };
        for p in &self.cfg.crl_files {
            let origin = p.display().to_string();
            let data = fetch::fetch(
                &format!("file:{}", p.display()),
                None,
                self.cfg.fetch_timeout,
                self.cfg.max_crl_size,
            )
            .map_err(|e| (events::CRL_UNREACHABLE, e.to_string()))
            .and_then(|d| {
                parse_crls(&d)
                    .map(|c| (d, c))
                    .map_err(|e| (events::CRL_SIGNATURE, format!("{origin}: {e}")))
            });
            match data {
                Ok((raw, crls)) => {
                    raws.push(Some(raw));
                    loaded.extend(crls.into_iter().map(|c| LoadedCrl {
                        crl: Arc::new(c),
                        origin: origin.clone(),
                    }));
                }
                Err((code, why)) => {
                    self.record(code, &format_args!("CRL {why}; keeping the last one read"));
                    raws.push(None);
                    loaded.extend(previous.iter().filter(|l| l.origin == origin).cloned());
                }
            }
        }
        for (i, c) in self.cfg.crls.iter().enumerate() {
            loaded.push(LoadedCrl {
                crl: c.clone(),
                origin: format!("#{i} (in memory)"),
            });
        }
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut changed = st.local.is_empty() && !loaded.is_empty();
        for (i, r) in raws.into_iter().enumerate() {
            if let Some(r) = r {
                if st.local_raw.get(i).and_then(|x| x.as_ref()) != Some(&r) {
                    changed = true;
                    if let Some(slot) = st.local_raw.get_mut(i) {
                        *slot = Some(r);
                    }
                }
            }
        }
        if changed {
            st.local = loaded;
            drop(st);
            self.bump();
        }
        changed
    }

    fn ocsp_url(&self, cert: &X509Ref) -> Option<String> {
        if !self.cfg.use_ocsp {
            return None;
        }
        self.cfg
            .ocsp_responder
            .clone()
            .or_else(|| ocsp_urls(cert).into_iter().next())
    }

    /// The status now, and the fetches that would improve it.
    fn evaluate(&self, cert: &X509Ref, issuer: &X509Ref) -> (RevocationStatus, Vec<Job>) {
        let clock_now = (self.cfg.clock)();
        let Some(now) = asn1_now(clock_now) else {
            return (
                RevocationStatus::Unavailable {
                    code: events::NO_CRL,
                    why: "clock before 1970".into(),
                },
                Vec::new(),
            );
        };
        let mono = Instant::now();
        let mut jobs = Vec::new();
        let mut problem: Option<(&'static str, String)> = None;
        let mut good: Option<String> = None;
        let mut unknown: Option<String> = None;
        let st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        // The last failure of a fetch (reported until a fetch succeeds), and whether it is too
        // recent to try again.
        let last_failure = |id: &str| -> Option<(&'static str, String)> {
            st.failures.get(id).map(|f| (f.code, f.why.clone()))
        };
        let failed_recently = |id: &str| -> bool {
            st.failures
                .get(id)
                .is_some_and(|f| mono.saturating_duration_since(f.at) < self.cfg.retry_period)
        };
        // 1. Configured CRLs.
        match judge_crls(st.local.iter(), cert, issuer, &now) {
            CrlVerdict::Revoked(r) => return (r, jobs),
            CrlVerdict::Good(g) => good = Some(g),
            CrlVerdict::None(p) => problem = p,
        }
        // 2. OCSP.
        if let Some(url) = self.ocsp_url(cert) {
            let key = cert_key(cert).unwrap_or_default();
            let job = Job::Ocsp {
                key: key.clone(),
                url: url.clone(),
                cert: cert.to_owned(),
                issuer: issuer.to_owned(),
            };
            let id = job.id();
            match st.ocsp.get(&key) {
                Some(e)
                    if clock_now <= e.valid_until + self.cfg.leeway
                        && clock_now + self.cfg.leeway >= e.this_update =>
                {
                    match &e.status {
                        RevocationStatus::Revoked { .. } => return (e.status.clone(), jobs),
                        RevocationStatus::Good { source } => {
                            good.get_or_insert(source.clone());
                        }
                        RevocationStatus::Unknown { source } => unknown = Some(source.clone()),
                        RevocationStatus::Unavailable { .. } => {}
                    }
                }
                Some(_) => {
                    problem = Some(last_failure(&id).unwrap_or_else(|| {
                        (
                            events::OCSP_EXPIRED,
                            format!(
                                "cached OCSP response for {} is outside thisUpdate..nextUpdate",
                                subject(cert)
                            ),
                        )
                    }));
                    if !failed_recently(&id) {
                        jobs.push(job);
                    }
                }
                None => {
                    problem = Some(last_failure(&id).unwrap_or_else(|| {
                        (
                            events::OCSP_UNREACHABLE,
                            format!(
                                "OCSP answer for {} from {url} not fetched yet",
                                subject(cert)
                            ),
                        )
                    }));
                    if !failed_recently(&id) {
                        jobs.push(job);
                    }
                }
            }
        }
        // 3. CRL distribution points.
        if self.cfg.use_crl_distribution_points {
            for url in crl_distribution_points(cert) {
                let job = Job::Crl(url.clone());
                let id = job.id();
                match st.dp.get(&url) {
                    Some(e) => {
                        match judge_crls(e.crls.iter(), cert, issuer, &now) {
                            CrlVerdict::Revoked(r) => return (r, Vec::new()),
                            CrlVerdict::Good(g) => {
                                good.get_or_insert(g);
                            }
                            CrlVerdict::None(p) => {
                                if let Some(p) = p {
                                    problem = Some(p);
                                }
                            }
                        }
                        let stale = mono.saturating_duration_since(e.fetched)
                            >= self.cfg.crl_reload_period
                            || e.crls
                                .iter()
                                .any(|c| c.crl.next_update().is_some_and(|nu| nu < now));
                        if stale && !failed_recently(&id) {
                            jobs.push(job);
                        }
                    }
                    None => {
                        problem.get_or_insert(last_failure(&id).unwrap_or_else(|| {
                            (
                                events::CRL_UNREACHABLE,
                                format!("CRL {url} not fetched yet"),
                            )
                        }));
                        if !failed_recently(&id) {
                            jobs.push(job);
                        }
                    }
                }
            }
        }
        drop(st);
        let status = if let Some(source) = good {
            RevocationStatus::Good { source }
        } else if let Some(source) = unknown {
            RevocationStatus::Unknown { source }
        } else {
            let (code, why) = problem.unwrap_or_else(|| {
                (
                    events::NO_CRL,
                    format!(
                        "no CRL covers the issuer of {} and no OCSP responder is known",
                        subject(cert)
                    ),
                )
            });
            RevocationStatus::Unavailable { code, why }
        };
        (status, jobs)
    }

    fn enqueue(&self, job: Job) {
        let id = job.id();
        {
            let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
            if st.pending.contains(&id) || st.pending.len() >= MAX_PENDING {
                return;
            }
            st.pending.insert(id.clone());
        }
        let sent = self
            .jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|tx| tx.send(job).is_ok())
            .unwrap_or(false);
        if !sent {
            self.state
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .pending
                .remove(&id);
        }
    }

    fn fail(&self, id: String, code: &'static str, why: String) {
        self.record(code, &why);
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if st.failures.len() >= MAX_CACHED {
            st.failures.clear();
        }
        st.failures.insert(
            id,
            Failure {
                code,
                why,
                at: Instant::now(),
            },
        );
    }

    /// Runs one fetch on this thread and stores its outcome.
    fn run(&self, job: Job) {
        let id = job.id();
        match job {
            Job::Crl(url) => {
                let got = fetch::fetch(&url, None, self.cfg.fetch_timeout, self.cfg.max_crl_size);
                match got {
                    Err(e) => self.fail(
                        id.clone(),
                        events::CRL_UNREACHABLE,
                        format!("CRL distribution point {url}: {e}"),
                    ),
                    Ok(data) => match parse_crls(&data) {
                        Err(e) => self.fail(
                            id.clone(),
                            events::CRL_SIGNATURE,
                            format!("CRL from {url} does not decode: {e}"),
                        ),
                        Ok(crls) => {
                            let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
                            if st.dp.len() >= MAX_CACHED {
                                st.dp.clear();
                            }
                            st.failures.remove(&id);
                            st.dp.insert(
                                url.clone(),
                                DpEntry {
                                    crls: crls
                                        .into_iter()
                                        .map(|c| LoadedCrl {
                                            crl: Arc::new(c),
                                            origin: url.clone(),
                                        })
                                        .collect(),
                                    fetched: Instant::now(),
                                },
                            );
                            drop(st);
                            self.bump();
                        }
                    },
                }
            }
            Job::Ocsp {
                key,
                url,
                cert,
                issuer,
            } => match self.query_ocsp(&url, &cert, &issuer) {
                Ok(entry) => {
                    self.state
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .failures
                        .remove(&id);
                    self.store_ocsp(key, entry);
                }
                Err((code, why)) => self.fail(id.clone(), code, why),
            },
        }
        self.state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pending
            .remove(&id);
    }

    fn store_ocsp(&self, key: Vec<u8>, entry: OcspEntry) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if st.ocsp.len() >= MAX_CACHED && !st.ocsp.contains_key(&key) {
            st.ocsp.clear();
        }
        let changed = st
            .ocsp
            .get(&key)
            .map(|old| old.status != entry.status || old.der != entry.der)
            .unwrap_or(true);
        st.ocsp.insert(key, entry);
        drop(st);
        if changed {
            self.bump();
        }
    }

    fn query_ocsp(
        &self,
        url: &str,
        cert: &X509Ref,
        issuer: &X509Ref,
    ) -> Result<OcspEntry, (&'static str, String)> {
        let sig = |e: openssl::error::ErrorStack| (events::OCSP_SIGNATURE, e.to_string());
        let id = OcspCertId::from_cert(MessageDigest::sha1(), cert, issuer).map_err(sig)?;
        let mut req = OcspRequest::new().map_err(sig)?;
        req.add_id(id).map_err(sig)?;
        if self.cfg.ocsp_nonce {
            let mut value = [0u8; nonce::NONCE_LEN];
            openssl::rand::rand_bytes(&mut value).map_err(sig)?;
            if !nonce::add(&mut req, &value) {
                return Err((events::OCSP_SIGNATURE, "cannot add the OCSP nonce".into()));
            }
        }
        let body = req.to_der().map_err(sig)?;
        let der = fetch::fetch(
            url,
            Some(("application/ocsp-request", &body)),
            self.cfg.fetch_timeout,
            self.cfg.max_ocsp_size,
        )
        .map_err(|e| match e {
            FetchError::Timeout(s) => (events::OCSP_TIMEOUT, format!("OCSP {url}: {s}")),
            FetchError::Unreachable(s) => (events::OCSP_UNREACHABLE, format!("OCSP {url}: {s}")),
        })?;
        self.judge_ocsp(&der, cert, issuer, url, Some(&req))
    }

    /// Verifies an OCSP response for `cert` and reads its answer (RFC 6960 §3.2); `request`:
    /// the request it answers (its nonce is checked), `None` for a stapled response.
    fn judge_ocsp(
        &self,
        der: &[u8],
        cert: &X509Ref,
        issuer: &X509Ref,
        source: &str,
        request: Option<&OcspRequestRef>,
    ) -> Result<OcspEntry, (&'static str, String)> {
        let bad = |why: String| (events::OCSP_SIGNATURE, format!("OCSP {source}: {why}"));
        let resp = OcspResponse::from_der(der).map_err(|e| bad(format!("malformed: {e}")))?;
        if resp.status() != OcspResponseStatus::SUCCESSFUL {
            return Err((
                events::OCSP_UNREACHABLE,
                format!(
                    "OCSP {source}: responder answered status {}",
                    resp.status().as_raw()
                ),
            ));
        }
        let basic = resp
            .basic()
            .map_err(|e| bad(format!("no basic response: {e}")))?;
        let mut certs = Stack::new().map_err(|e| bad(e.to_string()))?;
        certs
            .push(issuer.to_owned())
            .map_err(|e| bad(e.to_string()))?;
        basic
            .verify(&certs, &self.store, OcspFlag::empty())
            .map_err(|e| bad(format!("signature or signer does not verify: {e}")))?;
        if let Some(req) = request {
            match nonce::check(req, &basic) {
                nonce::NonceCheck::Match | nonce::NonceCheck::Neither => {}
                nonce::NonceCheck::Mismatch => {
                    return Err(bad(
                        "the response carries another request's nonce (a replayed response)".into(),
                    ))
                }
                nonce::NonceCheck::Unasked => {
                    // We sent none (`ocsp_nonce` off): there is nothing to compare.
                    log::debug!("OCSP {source}: the response carries a nonce we did not send");
                }
                nonce::NonceCheck::Missing if self.cfg.require_ocsp_nonce => {
                    return Err(bad("the response does not carry our nonce".into()))
                }
                nonce::NonceCheck::Missing => {
                    log::debug!("OCSP {source}: the response does not echo our nonce");
                }
            }
        }
        let id = OcspCertId::from_cert(MessageDigest::sha1(), cert, issuer)
            .map_err(|e| bad(e.to_string()))?;
        let Some(st) = basic.find_status(&id) else {
            return Err(bad(format!("no answer for {}", subject(cert))));
        };
        let this_update =
            generalized_time(st.this_update).ok_or_else(|| bad("unreadable thisUpdate".into()))?;
        let valid_until = match st.next_update() {
            Some(t) => generalized_time(t).ok_or_else(|| bad("unreadable nextUpdate".into()))?,
            None => this_update + self.cfg.ocsp_max_age,
        };
        let now = (self.cfg.clock)();
        if now + self.cfg.leeway < this_update || now > valid_until + self.cfg.leeway {
            return Err((
                events::OCSP_EXPIRED,
                format!(
                    "OCSP {source}: response for {} is valid {} .. {}, not now",
                    subject(cert),
                    st.this_update,
                    st.next_update()
                        .map(|t| t.to_string())
                        .unwrap_or_else(|| "(no nextUpdate)".into())
                ),
            ));
        }
        let source = format!("OCSP {source}");
        let status = if st.status == OcspCertStatus::GOOD {
            RevocationStatus::Good { source }
        } else if st.status == OcspCertStatus::REVOKED {
            RevocationStatus::Revoked {
                reason: reason_name(st.reason),
                time: st.revocation_time.map(|t| t.to_string()),
                source,
            }
        } else {
            self.record(
                events::OCSP_UNKNOWN,
                &format_args!("{source} does not know {}", subject(cert)),
            );
            RevocationStatus::Unknown { source }
        };
        Ok(OcspEntry {
            status,
            der: der.to_vec(),
            this_update,
            valid_until,
        })
    }
}

/// The background fetcher: runs queued fetches and re-reads CRL files on their period; ends
/// when the checker is gone.
fn worker(weak: Weak<Inner>, rx: mpsc::Receiver<Job>) {
    loop {
        let wait = match weak.upgrade() {
            Some(inner) => {
                inner.maybe_reload();
                inner.cfg.crl_reload_period.min(Duration::from_secs(60))
            }
            None => return,
        };
        match rx.recv_timeout(wait) {
            Ok(job) => match weak.upgrade() {
                Some(inner) => inner.run(job),
                None => return,
            },
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        }
    }
}

#[cfg(test)]
mod tests;
