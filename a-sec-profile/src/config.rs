//! Configuration of the A-security-profile (IEC 62351-4 §11; docs/facts.md §1.9, U-02..U-05,
//! U-17, U-18): credentials, trust, dialect, OIDs, time format, window, replay memory, binding.

use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use acse::apdu::oids::{A_PROFILE_MECHANISM, MMS_AUTHENTICATION_AS};
use acse::apdu::Oid;
use acse::security::SecurityEvents;
use openssl::pkey::{PKey, Private};
use openssl::x509::{X509Crl, X509};

use crate::crypto::{check_key, TrustStore};
use crate::time::TimeFormat;
use crate::value::MAX_CERTIFICATE_LEN;

/// The clock a provider reads (UTC); tests shift it.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// The wire form of the authentication value this end sends (docs/facts.md U-04; the responder
/// always mirrors what the AARQ used).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Dialect {
    /// IEC 62351-4:2018: a third presentation context (mmsAuthenticationAS) and an EXTERNAL
    /// with indirect-reference to it (F-902, F-905). The default.
    #[default]
    Iec2018,
    /// Legacy SISCO/2007: two presentation contexts and an EXTERNAL without references (F-907).
    LegacySisco,
}

impl FromStr for Dialect {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "iec2018" => Ok(Dialect::Iec2018),
            "legacy-sisco" => Ok(Dialect::LegacySisco),
            _ => Err(format!("unknown dialect {s:?} (iec2018, legacy-sisco)")),
        }
    }
}

/// What a responder sends when a credential check fails (mechanism present and known, value
/// present). See `docs/a-profile.md` for the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FailureResponse {
    /// ABRT, abort-source acse-service-user, abort-diagnostic authentication-failure (5):
    /// the P-ABORT IEC 62351-4 §11.2.3 prescribes (docs/facts.md F-914). The default.
    #[default]
    Abort,
    /// AARE rejected-permanent, service-user diagnostic authentication-failure (13).
    Reject,
}

/// Why a configuration is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A file could not be read.
    #[error("cannot read {path}: {error}")]
    Io {
        /// The path.
        path: String,
        /// The error.
        error: String,
    },
    /// PEM/DER that openssl could not parse.
    #[error("cannot parse {what}: {error}")]
    Parse {
        /// What was parsed.
        what: &'static str,
        /// openssl's error.
        error: String,
    },
    /// The private key does not belong to the certificate.
    #[error("the private key does not match the certificate")]
    KeyMismatch,
    /// The own certificate is unusable (too large, weak key).
    #[error("own certificate unusable: {0}")]
    Certificate(String),
}

/// A buffer that is overwritten with zeros when dropped (for PEM private keys read from files).
pub struct Zeroizing(pub Vec<u8>);

impl Drop for Zeroizing {
    fn drop(&mut self) {
        let cap = self.0.capacity();
        self.0.clear();
        self.0.resize(cap, 0);
        // black_box keeps the zeroing writes from being optimised away.
        std::hint::black_box(&self.0);
    }
}

fn read(path: &Path) -> Result<Zeroizing, ConfigError> {
    std::fs::read(path)
        .map(Zeroizing)
        .map_err(|e| ConfigError::Io {
            path: path.display().to_string(),
            error: e.to_string(),
        })
}

fn parse_err(what: &'static str) -> impl Fn(openssl::error::ErrorStack) -> ConfigError {
    move |e| ConfigError::Parse {
        what,
        error: e.to_string(),
    }
}

/// This end's A-profile credential: the end-entity certificate sent in the authentication
/// value and its private key (IEC 62351-4 Annex G.2: separate from the TLS certificate).
#[derive(Clone)]
pub struct Credentials {
    /// The end-entity certificate (DER at most 8192 octets).
    pub certificate: X509,
    /// Its private key (RSA >= 2048, or EC P-256 with ECDSA enabled).
    pub key: PKey<Private>,
    /// CA certificates above it (not sent: the value carries one certificate; kept for the
    /// application).
    pub chain: Vec<X509>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field(
                "subject",
                &crate::crypto::one_line_subject(&self.certificate),
            )
            .field("key", &"<private>")
            .field("chain", &self.chain.len())
            .finish()
    }
}

impl Credentials {
    /// From a certificate and its key; fails when they do not match.
    pub fn new(
        certificate: X509,
        key: PKey<Private>,
        chain: Vec<X509>,
    ) -> Result<Credentials, ConfigError> {
        let public = certificate
            .public_key()
            .map_err(parse_err("certificate public key"))?;
        if !public.public_eq(&key) {
            return Err(ConfigError::KeyMismatch);
        }
        Ok(Credentials {
            certificate,
            key,
            chain,
        })
    }

    /// From PEM: the first certificate of `cert_pem` is the end-entity one, the rest its chain.
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<Credentials, ConfigError> {
        let mut certs = X509::stack_from_pem(cert_pem).map_err(parse_err("certificate PEM"))?;
        if certs.is_empty() {
            return Err(ConfigError::Parse {
                what: "certificate PEM",
                error: "no certificate".into(),
            });
        }
        let cert = certs.remove(0);
        let key = PKey::private_key_from_pem(key_pem).map_err(parse_err("private key PEM"))?;
        Credentials::new(cert, key, certs)
    }

    /// From PEM files (the key file's contents are zeroed after parsing).
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<Credentials, ConfigError> {
        let c = read(cert)?;
        let k = read(key)?;
        Credentials::from_pem(&c.0, &k.0)
    }
}

impl TrustStore {
    /// Adds every certificate of a PEM file as a trust anchor.
    pub fn add_anchors_pem_file(&mut self, path: &Path) -> Result<(), ConfigError> {
        let b = read(path)?;
        let certs = X509::stack_from_pem(&b.0).map_err(parse_err("CA PEM"))?;
        self.anchors.extend(certs);
        Ok(())
    }

    /// Adds a CRL from a PEM (or DER) file.
    pub fn add_crl_file(&mut self, path: &Path) -> Result<(), ConfigError> {
        let b = read(path)?;
        let crl = X509Crl::from_pem(&b.0)
            .or_else(|_| X509Crl::from_der(&b.0))
            .map_err(parse_err("CRL"))?;
        self.crls.push(Arc::new(crl));
        Ok(())
    }
}

/// The A-security-profile configuration (IEC 62351-4 §11). [`AProfileConfig::new`] gives the
/// defaults of the docs/facts.md; set the public fields to change them.
#[derive(Clone)]
#[non_exhaustive]
pub struct AProfileConfig {
    /// This end's certificate and key. Required for an initiator and for a responder that
    /// accepts authenticated associations (mutual authentication).
    pub credentials: Option<Credentials>,
    /// Trust anchors, intermediates and CRLs for the peer's certificate.
    pub trust: TrustStore,
    /// The form sent (initiator); a responder mirrors the AARQ.
    pub dialect: Dialect,
    /// The mechanism-name (default 1.0.840.0.1.0.1.1, docs/facts.md §1.8, U-02).
    pub mechanism: Oid<'static>,
    /// The mmsAuthenticationAS abstract syntax (default 1.0.840.0.1.1.4.1, U-02, confidence L).
    pub authentication_syntax: Oid<'static>,
    /// The format of the `time` this end signs (U-03; default strict).
    pub time_format: TimeFormat,
    /// How far the peer's time may be from local UTC, either way; also the replay memory
    /// (default 10 minutes, F-913).
    pub window: Duration,
    /// The most values the replay memory holds; when full, new values are refused (fail
    /// closed). Default 4096.
    pub replay_capacity: usize,
    /// Refuse a peer whose certificate's 2.5.4.106 value differs from its AP-title with the
    /// AE-qualifier appended (I-08, U-17). Default on.
    pub require_ap_title_binding: bool,
    /// Responder: refuse an AARQ without the mechanism (default on). Off admits
    /// unauthenticated associations (still refusing bad credentials).
    pub require_authentication: bool,
    /// Initiator: require the responder's value in the AARE (mutual authentication, default on).
    pub require_mutual: bool,
    /// Accept ECDSA signatures (keys on secp256r1 or brainpoolP256r1, IEC 62351-4 Annex
    /// G.5.2) and sign with an EC key (the option of IEC 62351-4 §11.2.2). Default off.
    pub allow_ecdsa: bool,
    /// The smallest RSA key accepted (default 2048).
    pub min_rsa_bits: u32,
    /// Accept SHA-1 signatures (legacy 2007 peers, U-18; never used to sign). Default off; each
    /// use records a warning.
    pub legacy_sha1_peers: bool,
    /// Accept a peer certificate without the keyUsage extension (legacy peers), recording
    /// `a_profile.key_usage_tolerated` (warning). Default off: IEC 62351-4 Annex G.5.2 asks
    /// for keyUsage present with digitalSignature.
    pub legacy_key_usage: bool,
    /// What a responder sends when a credential check fails (default [`FailureResponse::Abort`]).
    pub failure_response: FailureResponse,
    /// Where security events go.
    pub events: Arc<SecurityEvents>,
    /// The clock (UTC).
    pub clock: Clock,
}

impl fmt::Debug for AProfileConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AProfileConfig")
            .field("credentials", &self.credentials)
            .field("trust", &self.trust)
            .field("dialect", &self.dialect)
            .field("mechanism", &self.mechanism.to_id_string())
            .field(
                "authentication_syntax",
                &self.authentication_syntax.to_id_string(),
            )
            .field("time_format", &self.time_format)
            .field("window", &self.window)
            .field("replay_capacity", &self.replay_capacity)
            .field("require_ap_title_binding", &self.require_ap_title_binding)
            .field("require_authentication", &self.require_authentication)
            .field("require_mutual", &self.require_mutual)
            .field("allow_ecdsa", &self.allow_ecdsa)
            .field("min_rsa_bits", &self.min_rsa_bits)
            .field("legacy_sha1_peers", &self.legacy_sha1_peers)
            .field("legacy_key_usage", &self.legacy_key_usage)
            .field("failure_response", &self.failure_response)
            .finish_non_exhaustive()
    }
}

impl AProfileConfig {
    /// The defaults, with no credentials and no trust anchors.
    pub fn new(events: Arc<SecurityEvents>) -> AProfileConfig {
        AProfileConfig {
            credentials: None,
            trust: TrustStore::default(),
            dialect: Dialect::Iec2018,
            mechanism: A_PROFILE_MECHANISM,
            authentication_syntax: MMS_AUTHENTICATION_AS,
            time_format: TimeFormat::Strict,
            window: Duration::from_secs(600),
            replay_capacity: 4096,
            require_ap_title_binding: true,
            require_authentication: true,
            require_mutual: true,
            allow_ecdsa: false,
            min_rsa_bits: 2048,
            legacy_sha1_peers: false,
            legacy_key_usage: false,
            failure_response: FailureResponse::Abort,
            events,
            clock: Arc::new(SystemTime::now),
        }
    }

    /// With credentials.
    pub fn with_credentials(mut self, c: Credentials) -> AProfileConfig {
        self.credentials = Some(c);
        self
    }

    /// With one more trust anchor.
    pub fn with_anchor(mut self, ca: X509) -> AProfileConfig {
        self.trust.anchors.push(ca);
        self
    }

    /// With one more CRL.
    pub fn with_crl(mut self, crl: X509Crl) -> AProfileConfig {
        self.trust.crls.push(Arc::new(crl));
        self
    }

    /// With the shared revocation checker (`TrustStore::revocation`: CRL distribution points,
    /// OCSP; a revoked peer is refused, unavailable information is an event only).
    pub fn with_revocation(
        mut self,
        checker: cot::revocation::RevocationChecker,
    ) -> AProfileConfig {
        self.trust.revocation = Some(checker);
        self
    }

    /// With another clock.
    pub fn with_clock(mut self, clock: Clock) -> AProfileConfig {
        self.clock = clock;
        self
    }

    /// Checks the own credential against the profile: certificate at most 8192 octets, key
    /// strength as required of peers.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if let Some(c) = &self.credentials {
            let der = c
                .certificate
                .to_der()
                .map_err(parse_err("own certificate"))?;
            if der.len() > MAX_CERTIFICATE_LEN {
                return Err(ConfigError::Certificate(format!(
                    "{} octets, more than {MAX_CERTIFICATE_LEN}",
                    der.len()
                )));
            }
            check_key(&c.key, self.min_rsa_bits, self.allow_ecdsa)
                .map_err(|f| ConfigError::Certificate(f.reason))?;
        }
        Ok(())
    }
}
