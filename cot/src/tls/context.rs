//! Building the OpenSSL contexts of the T-profile (IEC 62351-3 §5.6, IEC 62351-4 §6.3) and the
//! state they share with every session: trust anchors, the CRL store and its periodic reload,
//! the client's session cache, the security-event recorder.
//!
//! Choices:
//! - One `SslContext` per [`TlsServer`] / [`TlsClient`], built once; sessions are cheap `Ssl`s.
//! - Versions: `set_min/max_proto_version`; SSL 2/3 are never enabled (`NO_SSLV2|NO_SSLV3`).
//!   OpenSSL security level 2 (≥ 112-bit security), 0 only when TLS < 1.2 or NULL suites are
//!   explicitly allowed (OpenSSL 3 refuses both at higher levels).
//! - Renegotiation: RFC 5746 only (`SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION` is cleared); the
//!   server allows client-initiated renegotiation (`SSL_OP_ALLOW_CLIENT_RENEGOTIATION`, which
//!   OpenSSL 3 turned off by default) and never resumes on renegotiation, so every renegotiation
//!   re-verifies the peer certificate.
//! - Resumption: server session cache (and TLS 1.3 tickets) with the configured lifetime; the
//!   client keeps the last session per server key (e.g. its address) and offers it.
//! - Revocation is checked by our own code ([`super::verify`]) rather than by OpenSSL's
//!   `X509_V_FLAG_CRL_CHECK`: an unreadable or expired CRL must raise an event and not
//!   refuse (IEC 62351-4 §6.2.8), and CRLs are re-read on a period without rebuilding the context.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use openssl::ex_data::Index;
use openssl::pkey::{Id, PKey, Private};
use openssl::ssl::{
    Ssl, SslContext, SslContextBuilder, SslMethod, SslMode, SslOptions, SslSession,
    SslSessionCacheMode,
};
use openssl::x509::{X509Crl, X509};

use super::config::{CertSource, CrlSource, KeySource, TlsConfig, TlsConfigError, TlsVersion};
use super::events;
use super::session::TlsSession;
use super::verify::{self, Limits, LoadedCrl, VerifyEnv, VerifyState};
use super::TlsError;
use crate::security_event::SecurityEvents;

/// `SSL_OP_ALLOW_CLIENT_RENEGOTIATION` (OpenSSL 3, `SSL_OP_BIT(8)`); the crate has no constant.
const SSL_OP_ALLOW_CLIENT_RENEGOTIATION: u64 = 1 << 8;

/// The session id context of our servers (RFC 5246 session cache partition).
const SESSION_ID_CONTEXT: &[u8] = b"osi-mms T-profile";

/// Most client-cache entries kept (one per server key).
const CLIENT_CACHE_MAX: usize = 256;

/// Which end of the TLS connection a context serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsRole {
    /// Initiates (ClientHello).
    Client,
    /// Accepts (ServerHello, requires the client's certificate).
    Server,
}

/// The suites a policy resolved to on this OpenSSL (for diagnostics and `docs/tls.md`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyReport {
    /// TLS ≤ 1.2 suites enabled (openssl names).
    pub tls12: Vec<String>,
    /// TLS 1.3 suites enabled.
    pub tls13: Vec<String>,
    /// Suites of the policy this OpenSSL does not have.
    pub unavailable: Vec<String>,
    /// Enabled suites our own key type can serve (what "usable" means for the no-suite check).
    pub usable: Vec<String>,
}

struct CrlReload {
    generation: u64,
    next: Option<Instant>,
    /// Per file source: the DER last loaded (to detect changes).
    last: Vec<Option<Vec<u8>>>,
}

/// State shared by a context and all its sessions.
pub(crate) struct Shared {
    pub role: TlsRole,
    pub ctx: SslContext,
    pub env: Arc<VerifyEnv>,
    pub events: Arc<SecurityEvents>,
    pub renegotiation_period: Duration,
    pub rekey_policy: super::RekeyPolicy,
    pub renegotiation_deadline: Duration,
    pub resumption_lifetime: Duration,
    crl_sources: Vec<CrlSource>,
    crl_period: Duration,
    crl_reload: Mutex<CrlReload>,
    cache: Arc<Mutex<HashMap<String, SslSession>>>,
    key_index: Option<Index<Ssl, String>>,
    /// Where each `Ssl` keeps its session's verify state (for the OCSP status callback).
    pub verify_index: Index<Ssl, Arc<Mutex<VerifyState>>>,
    /// The client asks for a stapled OCSP response (RFC 6066 §8).
    pub request_status: bool,
    /// First re-check of an established session's peer, then the period.
    pub recheck: (Duration, Duration),
    pub policy: PolicyReport,
}

fn file_err(path: &Path, reason: impl std::fmt::Display) -> TlsConfigError {
    TlsConfigError::File {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>, TlsConfigError> {
    fs::read(path).map_err(|e| file_err(path, e))
}

fn load_certs(src: &CertSource) -> Result<Vec<X509>, TlsConfigError> {
    match src {
        CertSource::Certs(c) => Ok(c.clone()),
        CertSource::PemFile(p) => {
            let data = read_file(p)?;
            let certs = X509::stack_from_pem(&data).map_err(|e| file_err(p, e))?;
            if certs.is_empty() {
                return Err(file_err(p, "no certificate in file"));
            }
            Ok(certs)
        }
    }
}

fn load_key(src: &KeySource) -> Result<PKey<Private>, TlsConfigError> {
    match src {
        KeySource::Key(k) => Ok(k.clone()),
        KeySource::PemFile(p) => {
            let data = read_file(p)?;
            // The error text of a failed parse never contains key material.
            PKey::private_key_from_pem(&data).map_err(|e| file_err(p, e))
        }
    }
}

/// Parses one or more CRLs (PEM blocks or one DER).
fn parse_crls(data: &[u8]) -> Result<Vec<X509Crl>, String> {
    const BEGIN: &[u8] = b"-----BEGIN X509 CRL-----";
    const END: &[u8] = b"-----END X509 CRL-----";
    if data.windows(BEGIN.len()).any(|w| w == BEGIN) {
        let mut out = Vec::new();
        let mut rest = data;
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

fn key_class(key: &PKey<Private>) -> &'static str {
    match key.id() {
        Id::EC => "ECDSA",
        Id::DSA => "DSS",
        _ => "RSA",
    }
}

/// Whether a TLS ≤ 1.2 suite name can be served with a key of class `class`.
fn suite_fits_key(name: &str, class: &str) -> bool {
    let up = name.to_ascii_uppercase();
    match class {
        "ECDSA" => up.contains("ECDSA"),
        "DSS" => up.contains("DSS"),
        _ => !up.contains("ECDSA") && !up.contains("DSS"),
    }
}

fn apply_policy(
    b: &mut SslContextBuilder,
    cfg: &TlsConfig,
    seclevel: u32,
    key: Option<&PKey<Private>>,
) -> Result<PolicyReport, TlsConfigError> {
    let (mut t12, t13) = cfg.policy.suites();
    if cfg.allow_null {
        t12.extend(
            super::config::NULL_SUITES
                .iter()
                .map(|s| s.openssl.to_string()),
        );
    }
    let mut report = PolicyReport::default();
    for name in &t12 {
        let mut probe = SslContextBuilder::new(SslMethod::tls())?;
        probe.set_security_level(seclevel);
        if probe.set_cipher_list(name).is_ok() {
            report.tls12.push(name.clone());
        } else {
            report.unavailable.push(name.clone());
        }
    }
    for name in &t13 {
        let mut probe = SslContextBuilder::new(SslMethod::tls())?;
        if probe.set_ciphersuites(name).is_ok() {
            report.tls13.push(name.clone());
        } else {
            report.unavailable.push(name.clone());
        }
    }
    // A client without a certificate (`TlsConfig::client_identity_optional`) fits every suite.
    let class = key.map(key_class).unwrap_or("any");
    let tls12_in_range = cfg.min_version <= TlsVersion::Tls1_2;
    let tls13_in_range = cfg.max_version >= TlsVersion::Tls1_3;
    if tls12_in_range {
        report.usable.extend(
            report
                .tls12
                .iter()
                .filter(|n| class == "any" || suite_fits_key(n, class))
                .cloned(),
        );
    }
    if tls13_in_range {
        report.usable.extend(report.tls13.iter().cloned());
    }
    if report.usable.is_empty() {
        return Err(TlsConfigError::NoCipher(format!(
            "policy {} with a {} key and versions {}..{}: enabled {:?}, not in this OpenSSL {:?}",
            cfg.policy, class, cfg.min_version, cfg.max_version, report.tls12, report.unavailable
        )));
    }
    // OpenSSL: an empty TLS ≤ 1.2 list is an error; with no TLS 1.2 suite, cap at TLS 1.3 only.
    if report.tls12.is_empty() {
        b.set_min_proto_version(Some(TlsVersion::Tls1_3.to_openssl()))?;
    } else {
        b.set_cipher_list(&report.tls12.join(":"))?;
    }
    b.set_ciphersuites(&report.tls13.join(":"))?;
    Ok(report)
}

impl Shared {
    fn build(
        cfg: &TlsConfig,
        role: TlsRole,
        events: Arc<SecurityEvents>,
    ) -> Result<Shared, TlsConfigError> {
        cfg.validate()?;
        events.register(&events::iec62351_14_ids());
        events.register(&crate::revocation::events::iec62351_14_ids());
        let mut b = SslContextBuilder::new(SslMethod::tls())?;
        // RELEASE_BUFFERS: an idle session gives its read and write buffers (about 34 KiB)
        // back, so thousands of quiet associations cost little memory.
        b.set_mode(
            SslMode::ACCEPT_MOVING_WRITE_BUFFER
                | SslMode::ENABLE_PARTIAL_WRITE
                | SslMode::RELEASE_BUFFERS,
        );
        let legacy = cfg.min_version < TlsVersion::Tls1_2;
        let seclevel = if legacy || cfg.allow_null { 0 } else { 2 };
        b.set_security_level(seclevel);
        b.set_min_proto_version(Some(cfg.min_version.to_openssl()))?;
        b.set_max_proto_version(Some(cfg.max_version.to_openssl()))?;
        let mut opts = SslOptions::NO_SSLV2 | SslOptions::NO_SSLV3 | SslOptions::NO_COMPRESSION;
        if role == TlsRole::Server {
            opts |= SslOptions::CIPHER_SERVER_PREFERENCE
                | SslOptions::from_bits_retain(SSL_OP_ALLOW_CLIENT_RENEGOTIATION as _);
            // A renegotiation is a full handshake (certificates verified again) unless the
            // policy resumes the session in between (IEC 62351-3 §5.6.3).
            if cfg.rekey_policy == super::RekeyPolicy::FullRenegotiation {
                opts |= SslOptions::NO_SESSION_RESUMPTION_ON_RENEGOTIATION;
            }
        }
        b.set_options(opts);
        if cfg.rekey_policy == super::RekeyPolicy::PeriodicResumption {
            b.clear_options(SslOptions::NO_SESSION_RESUMPTION_ON_RENEGOTIATION);
        }
        b.clear_options(
            SslOptions::ALLOW_UNSAFE_LEGACY_RENEGOTIATION | SslOptions::NO_RENEGOTIATION,
        );

        // Own identity (a client may go without one: `client_identity_optional`).
        let identity = match (&cfg.certificate, &cfg.private_key) {
            (Some(c), Some(k)) => Some((c, k)),
            _ if role == TlsRole::Client && cfg.client_identity_optional => None,
            _ => {
                return Err(TlsConfigError::Invalid(
                    "own certificate and key are required".into(),
                ))
            }
        };
        let limits = Limits {
            max_certificate_size: cfg.max_certificate_size,
            min_rsa_bits: cfg.min_rsa_bits,
            min_ec_bits: cfg.min_ec_bits,
            pins: cfg.pinned_peers.clone(),
        };
        let mut own: Option<(Vec<X509>, PKey<Private>)> = None;
        if let Some((cert_src, key_src)) = identity {
            let chain = load_certs(cert_src)?;
            let key = load_key(key_src)?;
            let Some(leaf) = chain.first() else {
                return Err(TlsConfigError::Invalid(
                    "empty own certificate chain".into(),
                ));
            };
            // Our own certificate must pass the same rules we apply to peers (except pinning).
            let own_limits = Limits {
                pins: Vec::new(),
                ..limits.clone()
            };
            if let Err(r) = verify::check_leaf(leaf, &own_limits) {
                return Err(TlsConfigError::Invalid(format!(
                    "own certificate: {} ({})",
                    r.detail, r.code
                )));
            }
            b.set_certificate(leaf)?;
            for extra in chain.iter().skip(1) {
                b.add_extra_chain_cert(extra.clone())?;
            }
            b.set_private_key(&key)?;
            b.check_private_key().map_err(|e| {
                TlsConfigError::Invalid(format!("private key does not match the certificate: {e}"))
            })?;
            own = Some((chain, key));
        }

        // Trust anchors.
        let mut anchors = Vec::new();
        for src in &cfg.trust_anchors {
            anchors.extend(load_certs(src)?);
        }
        for a in &anchors {
            b.cert_store_mut().add_cert(a.clone())?;
            if role == TlsRole::Server {
                b.add_client_ca(a)?;
            }
        }

        let policy = apply_policy(&mut b, cfg, seclevel, own.as_ref().map(|(_, k)| k))?;
        if role == TlsRole::Server {
            // Finite-field DHE parameters for the DHE suites of IEC 62351-4 Table 3 (0x009E):
            // the RFC 3526 2048-bit MODP group (generator 2), which openssl carries.
            let p = openssl::bn::BigNum::get_rfc3526_prime_2048()?;
            let g = openssl::bn::BigNum::from_u32(2)?;
            let dh = openssl::dh::Dh::from_pqg(p, None, g)?;
            b.set_tmp_dh(&dh)?;
        }

        // Resumption.
        // Under periodic resumption the session must stay resumable until the full
        // renegotiation replaces it.
        let kept = match cfg.rekey_policy {
            super::RekeyPolicy::FullRenegotiation => cfg.resumption_lifetime,
            super::RekeyPolicy::PeriodicResumption => cfg.renegotiation_period,
        };
        let lifetime = u32::try_from(kept.as_secs()).unwrap_or(u32::MAX);
        super::ffi::set_session_timeout(&mut b, lifetime);
        let cache: Arc<Mutex<HashMap<String, SslSession>>> = Arc::new(Mutex::new(HashMap::new()));
        let mut key_index = None;
        match role {
            TlsRole::Server => {
                b.set_session_cache_mode(SslSessionCacheMode::SERVER);
                b.set_session_id_context(SESSION_ID_CONTEXT)?;
            }
            TlsRole::Client => {
                b.set_session_cache_mode(SslSessionCacheMode::CLIENT);
                let idx = Ssl::new_ex_index::<String>()?;
                key_index = Some(idx);
                let store = cache.clone();
                b.set_new_session_callback(move |ssl, session| {
                    if let Some(k) = ssl.ex_data(idx) {
                        let mut m = store.lock().unwrap_or_else(|e| e.into_inner());
                        if m.len() >= CLIENT_CACHE_MAX && !m.contains_key(k) {
                            if let Some(victim) = m.keys().next().cloned() {
                                m.remove(&victim);
                            }
                        }
                        m.insert(k.clone(), session);
                    }
                });
            }
        }

        // Key log (opt-in).
        if let Some(path) = &cfg.keylog_file {
            let file = fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| file_err(path, e))?;
            let file = Mutex::new(file);
            b.set_keylog_callback(move |_, line| {
                let mut f = file.lock().unwrap_or_else(|e| e.into_inner());
                let _ = writeln!(f, "{line}");
            });
            events.record(
                events::KEYLOG_ON,
                events::severity(events::KEYLOG_ON),
                &format_args!(
                    "TLS key log file {} is on: session secrets are written to disk",
                    path.display()
                ),
            );
        }

        if legacy {
            events.record(
                events::VERSION_INSECURE,
                events::severity(events::VERSION_INSECURE),
                &format_args!("configuration allows {} (below TLS 1.2)", cfg.min_version),
            );
        }
        if cfg.allow_null {
            events.record(
                events::NULL_CIPHER,
                events::severity(events::NULL_CIPHER),
                &"configuration enables NULL cipher suites (no confidentiality)",
            );
        }
        if cfg.crls.is_empty() && cfg.revocation.is_none() {
            events.record(
                events::REVOCATION_OFF,
                events::severity(events::REVOCATION_OFF),
                &"no CRL configured: peer certificates are not checked for revocation",
            );
        }
        let verify_index = Ssl::new_ex_index::<Arc<Mutex<VerifyState>>>()?;
        let request_status =
            role == TlsRole::Client && cfg.revocation.as_ref().is_some_and(|c| c.config().use_ocsp);
        if let Some(checker) = cfg.revocation.clone().filter(|c| c.config().use_ocsp) {
            match role {
                TlsRole::Server => {
                    // Staple the OCSP response for our own certificate (RFC 6066 §8), fetched
                    // in the background and cached to its nextUpdate.
                    let own_chain = own.as_ref().map(|(c, _)| c.as_slice()).unwrap_or(&[]);
                    let issuer = own_chain
                        .first()
                        .and_then(|leaf| Some((leaf, checker.issuer_of(leaf, own_chain.get(1))?)));
                    if let Some((leaf, issuer)) = issuer {
                        let own = leaf.clone();
                        let _ = checker.check(&own, &issuer);
                        b.set_status_callback(move |ssl| {
                            match checker.stapling_response(&own, &issuer) {
                                Some(der) => {
                                    ssl.set_ocsp_status(&der)?;
                                    Ok(true)
                                }
                                None => Ok(false),
                            }
                        })?;
                    }
                }
                TlsRole::Client => {
                    // Judge a stapled response: revoked ends the handshake, good settles an
                    // unavailable verdict of the verify callback, a bad one raises its event.
                    b.set_status_callback(move |ssl| {
                        let Some(der) = ssl.ocsp_status().map(<[u8]>::to_vec) else {
                            return Ok(true);
                        };
                        let chain: Vec<X509> = ssl
                            .peer_cert_chain()
                            .map(|c| c.iter().map(|x| x.to_owned()).collect())
                            .unwrap_or_default();
                        let Some(leaf) = chain.first() else {
                            return Ok(true);
                        };
                        let Some(issuer) = checker.issuer_of(leaf, chain.get(1)) else {
                            return Ok(true);
                        };
                        let status = checker.accept_response(&der, leaf, &issuer, "stapled");
                        let state = ssl.ex_data(verify_index).cloned();
                        let Some(state) = state else {
                            return Ok(true);
                        };
                        let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
                        match status {
                            crate::revocation::RevocationStatus::Revoked { .. } => {
                                st.failure.get_or_insert(verify::Refusal::new(
                                    events::CERT_REVOKED,
                                    format!(
                                        "certificate of {} is {status} (stapled OCSP response)",
                                        verify::subject(leaf)
                                    ),
                                ));
                                Ok(false)
                            }
                            crate::revocation::RevocationStatus::Good { .. } => {
                                st.revocation_unknown = None;
                                Ok(true)
                            }
                            _ => Ok(true),
                        }
                    })?;
                }
            }
        }
        let recheck = match (cfg.recheck_period, &cfg.revocation) {
            (Some(p), _) => (p, p),
            (None, Some(c)) => (
                c.config().first_recheck.min(c.config().recheck_period),
                c.config().recheck_period,
            ),
            (None, None) => (Duration::from_secs(900), Duration::from_secs(900)),
        };
        if !policy.unavailable.is_empty() {
            log::info!(
                "TLS policy {}: not in this OpenSSL: {:?}",
                cfg.policy,
                policy.unavailable
            );
        }

        let env = Arc::new(VerifyEnv {
            limits,
            anchors,
            crls: Arc::new(Mutex::new(Vec::new())),
            crls_configured: !cfg.crls.is_empty(),
            clock: cfg.clock.clone(),
            revocation: cfg.revocation.clone(),
        });
        let shared = Shared {
            role,
            ctx: b.build(),
            env,
            events,
            renegotiation_period: cfg.renegotiation_period,
            rekey_policy: cfg.rekey_policy,
            renegotiation_deadline: cfg.renegotiation_deadline,
            resumption_lifetime: cfg.resumption_lifetime,
            crl_sources: cfg.crls.clone(),
            crl_period: cfg.crl_reload_period,
            crl_reload: Mutex::new(CrlReload {
                generation: 0,
                next: None,
                last: vec![None; cfg.crls.len()],
            }),
            cache,
            key_index,
            verify_index,
            request_status,
            recheck,
            policy,
        };
        shared.reload_crls();
        Ok(shared)
    }

    /// Re-reads every CRL source; returns whether anything changed. An unreadable file keeps
    /// the CRLs last read from it and raises [`events::CRL_UNAVAILABLE`].
    pub(crate) fn reload_crls(&self) -> bool {
        let mut st = self.crl_reload.lock().unwrap_or_else(|e| e.into_inner());
        let mut loaded: Vec<LoadedCrl> = Vec::new();
        let mut changed = false;
        let previous = self
            .env
            .crls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for (i, src) in self.crl_sources.iter().enumerate() {
            let origin = match src {
                CrlSource::File(p) => p.display().to_string(),
                CrlSource::Crl(_) => format!("#{i} (in memory)"),
            };
            let result: Result<(Vec<u8>, Vec<Arc<X509Crl>>), String> = match src {
                CrlSource::Crl(c) => c
                    .to_der()
                    .map(|d| (d, vec![c.clone()]))
                    .map_err(|e| e.to_string()),
                CrlSource::File(p) => fs::read(p).map_err(|e| e.to_string()).and_then(|d| {
                    parse_crls(&d).map(|c| (d, c.into_iter().map(Arc::new).collect()))
                }),
            };
            match result {
                Ok((raw, crls)) => {
                    if st.last.get(i).and_then(|x| x.as_ref()) != Some(&raw) {
                        changed = true;
                        if let Some(slot) = st.last.get_mut(i) {
                            *slot = Some(raw);
                        }
                    }
                    loaded.extend(crls.into_iter().map(|crl| LoadedCrl {
                        crl,
                        origin: origin.clone(),
                    }));
                }
                Err(e) => {
                    self.events.record(
                        events::CRL_UNAVAILABLE,
                        events::severity(events::CRL_UNAVAILABLE),
                        &format_args!(
                            "CRL {origin} cannot be read: {e}; keeping the last one read"
                        ),
                    );
                    loaded.extend(previous.iter().filter(|l| l.origin == origin).cloned());
                }
            }
        }
        if changed {
            st.generation = st.generation.wrapping_add(1);
            *self.env.crls.lock().unwrap_or_else(|e| e.into_inner()) = loaded;
        }
        changed
    }

    /// Reloads the CRLs when the period is due; returns the CRL generation (it changes when the
    /// content changed).
    pub(crate) fn poll_crls(&self, now: Instant) -> u64 {
        if self.crl_sources.is_empty() {
            return 0;
        }
        let due = {
            let mut st = self.crl_reload.lock().unwrap_or_else(|e| e.into_inner());
            match st.next {
                None => {
                    st.next = Some(now + self.crl_period);
                    false
                }
                Some(t) if now >= t => {
                    st.next = Some(now + self.crl_period);
                    true
                }
                Some(_) => false,
            }
        };
        if due {
            self.reload_crls();
        }
        self.crl_generation()
    }

    pub(crate) fn crl_generation(&self) -> u64 {
        self.crl_reload
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .generation
    }

    pub(crate) fn next_crl_reload(&self) -> Option<Instant> {
        if self.crl_sources.is_empty() {
            return None;
        }
        self.crl_reload
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .next
    }

    fn cached_session(&self, key: &str) -> Option<SslSession> {
        let m = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        m.get(key).cloned()
    }
}

/// A TLS server context (IEC 62351-3 server side): built once from a [`TlsConfig`], it makes one
/// [`TlsSession`] per accepted TCP connection. Cheap to share (`Arc`).
pub struct TlsServer {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for TlsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsServer")
            .field("policy", &self.shared.policy)
            .finish()
    }
}

impl TlsServer {
    /// Builds the context; configuration events (legacy versions, NULL suites, key log, no CRL)
    /// are recorded in `events`, which the sessions also use.
    pub fn new(
        config: &TlsConfig,
        events: Arc<SecurityEvents>,
    ) -> Result<TlsServer, TlsConfigError> {
        Ok(TlsServer {
            shared: Arc::new(Shared::build(config, TlsRole::Server, events)?),
        })
    }

    /// A session for one accepted connection (handshake not started: feed the client's bytes).
    pub fn session(&self) -> Result<TlsSession, TlsError> {
        TlsSession::new(self.shared.clone(), None, None)
    }

    /// The events recorder.
    pub fn events(&self) -> &Arc<SecurityEvents> {
        &self.shared.events
    }

    /// The suites the policy resolved to.
    pub fn policy(&self) -> &PolicyReport {
        &self.shared.policy
    }

    /// Re-reads the CRL files now (normally done by the sessions' timers); returns whether
    /// they changed. Established sessions re-check their peer at their next `handle_timeout`.
    pub fn reload_crls(&self) -> bool {
        self.shared.reload_crls()
    }
}

/// A TLS client context: built once, one [`TlsSession`] per connection; keeps the last session
/// per server key for resumption.
pub struct TlsClient {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for TlsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsClient")
            .field("policy", &self.shared.policy)
            .finish()
    }
}

impl TlsClient {
    /// Builds the context (see [`TlsServer::new`]).
    pub fn new(
        config: &TlsConfig,
        events: Arc<SecurityEvents>,
    ) -> Result<TlsClient, TlsConfigError> {
        Ok(TlsClient {
            shared: Arc::new(Shared::build(config, TlsRole::Client, events)?),
        })
    }

    /// A session to a server. `server_name` (a DNS name) is sent as SNI (RFC 6066 §3);
    /// `cache_key` (e.g. the server's address) selects the session offered for resumption and
    /// where the new one is kept.
    pub fn session(
        &self,
        server_name: Option<&str>,
        cache_key: Option<&str>,
    ) -> Result<TlsSession, TlsError> {
        let offer = cache_key.and_then(|k| self.shared.cached_session(k));
        TlsSession::new(
            self.shared.clone(),
            server_name.map(str::to_string),
            cache_key.map(|k| (k.to_string(), offer)),
        )
    }

    /// Forgets the cached sessions.
    pub fn clear_session_cache(&self) {
        self.shared
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// The events recorder.
    pub fn events(&self) -> &Arc<SecurityEvents> {
        &self.shared.events
    }

    /// The suites the policy resolved to.
    pub fn policy(&self) -> &PolicyReport {
        &self.shared.policy
    }

    /// Re-reads the CRL files now; returns whether they changed.
    pub fn reload_crls(&self) -> bool {
        self.shared.reload_crls()
    }
}

impl Shared {
    pub(crate) fn key_index(&self) -> Option<Index<Ssl, String>> {
        self.key_index
    }
}
