//! [`TlsConfig`]: one configuration for both roles of the T-profile (IEC 62351-3 §5.6,
//! IEC 62351-4 §6.3), and its validation.
//!
//! Defaults follow IEC 62351-3 and the example of its §5.6.3 alignment rule: TLS 1.2 minimum
//! (1.0/1.1 only with [`TlsConfig::allow_legacy_versions`]), TLS 1.3 maximum, the IEC 62351-4
//! native-mode suites, resumption 2 h, renegotiation 12 h, CRL re-read every hour, certificates
//! up to 8192 octets, RSA ≥ 2048 and EC ≥ 256 bits.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use openssl::pkey::{PKey, Private};
use openssl::x509::{X509Crl, X509};

/// A TLS protocol version (IEC 62351-3 §5.6.1). SSL 2/3 are not representable: never allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TlsVersion {
    /// TLS 1.0 (RFC 2246): only with `allow_legacy_versions`, warning event.
    Tls1_0,
    /// TLS 1.1 (RFC 4346): only with `allow_legacy_versions`, warning event.
    Tls1_1,
    /// TLS 1.2 (RFC 5246): the IEC 62351-3 mandatory version.
    Tls1_2,
    /// TLS 1.3 (RFC 8446): IEC 62351-3 Ed.2.
    Tls1_3,
}

impl TlsVersion {
    /// The openssl version constant.
    pub(crate) fn to_openssl(self) -> openssl::ssl::SslVersion {
        use openssl::ssl::SslVersion;
        match self {
            TlsVersion::Tls1_0 => SslVersion::TLS1,
            TlsVersion::Tls1_1 => SslVersion::TLS1_1,
            TlsVersion::Tls1_2 => SslVersion::TLS1_2,
            TlsVersion::Tls1_3 => SslVersion::TLS1_3,
        }
    }

    /// Parses "1.0", "1.1", "1.2", "1.3" (also with a "tls" prefix).
    pub fn parse(s: &str) -> Option<TlsVersion> {
        let t = s.trim().to_ascii_lowercase();
        let t = t.trim_start_matches("tls").trim_start_matches('v');
        match t {
            "1.0" | "1" | "1_0" => Some(TlsVersion::Tls1_0),
            "1.1" | "1_1" => Some(TlsVersion::Tls1_1),
            "1.2" | "1_2" => Some(TlsVersion::Tls1_2),
            "1.3" | "1_3" => Some(TlsVersion::Tls1_3),
            _ => None,
        }
    }
}

impl fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TlsVersion::Tls1_0 => "TLSv1",
            TlsVersion::Tls1_1 => "TLSv1.1",
            TlsVersion::Tls1_2 => "TLSv1.2",
            TlsVersion::Tls1_3 => "TLSv1.3",
        })
    }
}

/// A named cipher-suite policy (IEC 62351-4 §6.3.4 Table 3, IEC 62351-3 §5.6.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CipherPolicy {
    /// IEC 62351-4 native mode, Table 3 (mandatory) with the optional suites: 0x003C, 0x00A0,
    /// 0x009E, 0xC02B, and 0xC023 (docs/facts.md E-02: the source's code is ambiguous, both are
    /// offered), optional 0x00A1, 0xC02F, 0xC030; plus the TLS 1.3 AES-GCM suites. The static-DH
    /// suites (0x00A0, 0x00A1) do not exist in OpenSSL 3 and are reported as unavailable.
    ///
    /// In server preference order: forward-secret AEAD suites first (ECDHE with GCM, then DHE
    /// with GCM), then ECDHE with CBC, and the mandatory static-RSA CBC suite 0x003C last, so
    /// a peer that offers it beside an ECDHE-GCM suite gets the forward-secret one while a peer
    /// offering only the mandatory suite is still served.
    Iec62351_4Native,
    /// IEC 62351-4 compatibility mode (§6.3.4.2): TLS_DH_DSS_WITH_AES_256_CBC_SHA (0x0036) only.
    /// OpenSSL 3 has no static-DH suites, so building a context with this policy fails with
    /// [`TlsConfigError::NoCipher`] — reported, not hidden.
    Iec62351_4Compat,
    /// IEC 62351-3: AEAD suites with (EC)DHE key exchange only, plus the TLS 1.3 AES-GCM suites.
    Iec62351_3,
    /// An openssl cipher string; names starting with `TLS_` are TLS 1.3 suites, the rest TLS ≤ 1.2
    /// (`:`-separated, e.g. `ECDHE-RSA-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256`).
    Custom(String),
}

/// A suite of a policy: openssl name and IANA code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuiteName {
    /// The openssl name (TLS 1.3 suites use the IANA name).
    pub openssl: &'static str,
    /// The IANA code (RFC 8447 registry).
    pub iana: u16,
}

const fn s(openssl: &'static str, iana: u16) -> SuiteName {
    SuiteName { openssl, iana }
}

const TLS13_AES_GCM: &[SuiteName] = &[
    s("TLS_AES_128_GCM_SHA256", 0x1301),
    s("TLS_AES_256_GCM_SHA384", 0x1302),
];

/// Native mode, TLS 1.2, in preference order (see [`CipherPolicy::Iec62351_4Native`]).
const NATIVE_TLS12: &[SuiteName] = &[
    s("ECDHE-ECDSA-AES128-GCM-SHA256", 0xC02B),
    s("ECDHE-RSA-AES128-GCM-SHA256", 0xC02F),
    s("ECDHE-RSA-AES256-GCM-SHA384", 0xC030),
    s("DHE-RSA-AES128-GCM-SHA256", 0x009E),
    s("DH-RSA-AES128-GCM-SHA256", 0x00A0),
    s("DH-RSA-AES256-GCM-SHA384", 0x00A1),
    s("ECDHE-ECDSA-AES128-SHA256", 0xC023),
    s("AES128-SHA256", 0x003C),
];

const COMPAT_TLS12: &[SuiteName] = &[s("DH-DSS-AES256-SHA", 0x0036)];

const IEC62351_3_TLS12: &[SuiteName] = &[
    s("ECDHE-ECDSA-AES128-GCM-SHA256", 0xC02B),
    s("ECDHE-RSA-AES128-GCM-SHA256", 0xC02F),
    s("ECDHE-ECDSA-AES256-GCM-SHA384", 0xC02C),
    s("ECDHE-RSA-AES256-GCM-SHA384", 0xC030),
    s("DHE-RSA-AES128-GCM-SHA256", 0x009E),
    s("DHE-RSA-AES256-GCM-SHA384", 0x009F),
];

/// TLS_RSA_WITH_NULL_SHA256 (0x003B): integrity without confidentiality, only with `allow_null`.
pub(crate) const NULL_SUITES: &[SuiteName] = &[s("NULL-SHA256", 0x003B)];

impl CipherPolicy {
    /// The TLS ≤ 1.2 and TLS 1.3 openssl names of the policy (before availability checks).
    pub(crate) fn suites(&self) -> (Vec<String>, Vec<String>) {
        let names = |l: &[SuiteName]| l.iter().map(|x| x.openssl.to_string()).collect::<Vec<_>>();
        match self {
            CipherPolicy::Iec62351_4Native => (names(NATIVE_TLS12), names(TLS13_AES_GCM)),
            CipherPolicy::Iec62351_4Compat => (names(COMPAT_TLS12), Vec::new()),
            CipherPolicy::Iec62351_3 => (names(IEC62351_3_TLS12), names(TLS13_AES_GCM)),
            CipherPolicy::Custom(list) => {
                let mut t12 = Vec::new();
                let mut t13 = Vec::new();
                for n in list.split([':', ',', ' ']).filter(|n| !n.is_empty()) {
                    if n.starts_with("TLS_") {
                        t13.push(n.to_string());
                    } else {
                        t12.push(n.to_string());
                    }
                }
                (t12, t13)
            }
        }
    }

    /// Parses `native`, `compat`, `62351-3` (or `iec62351-3`), or `custom:<openssl list>`.
    pub fn parse(s: &str) -> Option<CipherPolicy> {
        let l = s.trim().to_ascii_lowercase();
        match l.as_str() {
            "native" | "iec62351-4-native" | "62351-4" | "iec62351-4" => {
                Some(CipherPolicy::Iec62351_4Native)
            }
            "compat" | "iec62351-4-compat" | "compatibility" => {
                Some(CipherPolicy::Iec62351_4Compat)
            }
            "62351-3" | "iec62351-3" => Some(CipherPolicy::Iec62351_3),
            _ => s
                .trim()
                .strip_prefix("custom:")
                .map(|rest| CipherPolicy::Custom(rest.to_string())),
        }
    }
}

impl fmt::Display for CipherPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CipherPolicy::Iec62351_4Native => f.write_str("IEC 62351-4 native (Table 3)"),
            CipherPolicy::Iec62351_4Compat => f.write_str("IEC 62351-4 compatibility (0x0036)"),
            CipherPolicy::Iec62351_3 => f.write_str("IEC 62351-3 (AEAD, (EC)DHE)"),
            CipherPolicy::Custom(s) => write!(f, "custom \"{s}\""),
        }
    }
}

/// Where certificates come from.
#[derive(Clone)]
pub enum CertSource {
    /// A PEM file with one or more certificates (own chain: end entity first).
    PemFile(PathBuf),
    /// Certificates in memory (own chain: end entity first).
    Certs(Vec<X509>),
}

impl fmt::Debug for CertSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CertSource::PemFile(p) => write!(f, "PemFile({})", p.display()),
            CertSource::Certs(c) => write!(f, "Certs({} certificates)", c.len()),
        }
    }
}

/// Where the own private key comes from.
#[derive(Clone)]
pub enum KeySource {
    /// A PEM file (PKCS#8 or traditional).
    PemFile(PathBuf),
    /// A key in memory.
    Key(PKey<Private>),
}

impl fmt::Debug for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print key material.
        match self {
            KeySource::PemFile(p) => write!(f, "PemFile({})", p.display()),
            KeySource::Key(_) => f.write_str("Key(<private>)"),
        }
    }
}

/// Where a CRL comes from (RFC 5280 §5). Files are re-read every `crl_reload_period`.
#[derive(Clone)]
pub enum CrlSource {
    /// A PEM or DER file, re-read on the reload period.
    File(PathBuf),
    /// A CRL in memory (never re-read).
    Crl(Arc<X509Crl>),
}

impl fmt::Debug for CrlSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CrlSource::File(p) => write!(f, "File({})", p.display()),
            CrlSource::Crl(_) => f.write_str("Crl(<in memory>)"),
        }
    }
}

/// A pinned peer: the peer's end-entity certificate must be one of these (in addition to
/// chain validation).
#[derive(Clone, PartialEq, Eq)]
pub enum PinnedPeer {
    /// The certificate's DER.
    Certificate(Vec<u8>),
    /// The SHA-256 of the certificate's DER.
    Sha256([u8; 32]),
}

impl fmt::Debug for PinnedPeer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PinnedPeer::Certificate(d) => write!(f, "Certificate({} octets)", d.len()),
            PinnedPeer::Sha256(h) => {
                f.write_str("Sha256(")?;
                for b in h {
                    write!(f, "{b:02x}")?;
                }
                f.write_str(")")
            }
        }
    }
}

impl PinnedPeer {
    /// Parses a SHA-256 fingerprint in hex (colons allowed).
    pub fn parse_sha256(s: &str) -> Option<PinnedPeer> {
        let hex: Vec<u8> = s.bytes().filter(|b| *b != b':').collect();
        if hex.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, pair) in hex.chunks(2).enumerate() {
            let t = std::str::from_utf8(pair).ok()?;
            out[i] = u8::from_str_radix(t, 16).ok()?;
        }
        Some(PinnedPeer::Sha256(out))
    }
}

/// The wall clock used for certificate and CRL validity (a function so tests can shift it);
/// the same type as [`crate::revocation::Clock`].
pub type Clock = crate::revocation::Clock;

/// The T-profile configuration, one struct for client and server (IEC 62351-3 §5.6,
/// IEC 62351-4 §6.3). Build a [`crate::tls::TlsServer`] or [`crate::tls::TlsClient`] from it.
#[derive(Clone)]
#[non_exhaustive]
pub struct TlsConfig {
    /// Own certificate chain (end entity first). Mandatory: mutual authentication.
    pub certificate: Option<CertSource>,
    /// Own private key. Mandatory.
    pub private_key: Option<KeySource>,
    /// Trust anchors (one or more CA certificates; IEC 62351-3: more than one trust anchor).
    pub trust_anchors: Vec<CertSource>,
    /// CRLs (RFC 5280 §5).
    pub crls: Vec<CrlSource>,
    /// How often CRL files are re-read (IEC 62351-3 §5.6.4.4 evaluation period).
    pub crl_reload_period: Duration,
    /// Lowest version allowed (default TLS 1.2).
    pub min_version: TlsVersion,
    /// Highest version allowed (default TLS 1.3).
    pub max_version: TlsVersion,
    /// Must be true to set `min_version` below TLS 1.2 (IEC 62351-3: optional, with warning).
    pub allow_legacy_versions: bool,
    /// The cipher-suite policy.
    pub policy: CipherPolicy,
    /// Allow NULL (integrity-only) suites (IEC 62351-3: only if explicitly enabled).
    pub allow_null: bool,
    /// Session resumption lifetime (server cache / ticket lifetime).
    pub resumption_lifetime: Duration,
    /// Renegotiation (TLS 1.2) / key update (TLS 1.3) period.
    pub renegotiation_period: Duration,
    /// What the renegotiation timers do (default [`RekeyPolicy::FullRenegotiation`]).
    pub rekey_policy: RekeyPolicy,
    /// How long a peer may take to complete a renegotiation we asked for.
    pub renegotiation_deadline: Duration,
    /// Optional pinned peer certificates (empty = no pinning).
    pub pinned_peers: Vec<PinnedPeer>,
    /// Opt-in NSS key log file (for Wireshark), appended to. Raises a warning event.
    pub keylog_file: Option<PathBuf>,
    /// Largest acceptable peer end-entity certificate (DER octets; IEC 62351-3: 8192).
    pub max_certificate_size: usize,
    /// Smallest acceptable RSA (and DSA/DH) key, bits.
    pub min_rsa_bits: u32,
    /// Smallest acceptable EC key, bits.
    pub min_ec_bits: u32,
    /// The wall clock for validity and CRL checks.
    pub clock: Clock,
    /// The shared revocation checker (CRL distribution points, OCSP, more CRLs;
    /// [`crate::revocation`]). With it the server staples the OCSP response for its own
    /// certificate and the client asks for and judges a stapled response (RFC 6066 §8).
    pub revocation: Option<crate::revocation::RevocationChecker>,
    /// How often an established session checks its peer's certificate again (validity and
    /// revocation; IEC 62351-3 §5.6.4.4). `None`: the revocation checker's
    /// `recheck_period` (and its short `first_recheck`), or 15 minutes without a checker.
    pub recheck_period: Option<Duration>,
    /// A client may go without its own certificate and key (the server does not ask for one,
    /// e.g. an XMPP server authenticating its clients by SASL password, RFC 6120 §6). Default
    /// false: mutual authentication is mandatory for the T-profile; a server always needs an
    /// identity.
    pub client_identity_optional: bool,
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConfig")
            .field("certificate", &self.certificate)
            .field("private_key", &self.private_key)
            .field("trust_anchors", &self.trust_anchors)
            .field("crls", &self.crls)
            .field("crl_reload_period", &self.crl_reload_period)
            .field("min_version", &self.min_version)
            .field("max_version", &self.max_version)
            .field("allow_legacy_versions", &self.allow_legacy_versions)
            .field("policy", &self.policy)
            .field("allow_null", &self.allow_null)
            .field("resumption_lifetime", &self.resumption_lifetime)
            .field("renegotiation_period", &self.renegotiation_period)
            .field("rekey_policy", &self.rekey_policy)
            .field("renegotiation_deadline", &self.renegotiation_deadline)
            .field("pinned_peers", &self.pinned_peers)
            .field("keylog_file", &self.keylog_file)
            .field("max_certificate_size", &self.max_certificate_size)
            .field("revocation", &self.revocation)
            .field("recheck_period", &self.recheck_period)
            .field("client_identity_optional", &self.client_identity_optional)
            .finish_non_exhaustive()
    }
}

impl Default for TlsConfig {
    fn default() -> Self {
        TlsConfig::new()
    }
}

/// What a session's timers do to renew its keys (IEC 62351-3 §5.6.3, session resumption and
/// session renegotiation intervals).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RekeyPolicy {
    /// Every `renegotiation_period`, a full renegotiation (TLS 1.2: a new session, the
    /// certificates exchanged and verified again) or a key update (TLS 1.3).
    #[default]
    FullRenegotiation,
    /// Every `resumption_lifetime`, an abbreviated handshake that resumes the current session
    /// (TLS 1.2: fresh keys from new randoms, no certificate exchange; the stored peer
    /// certificate is checked again) or a key update (TLS 1.3); every `renegotiation_period`,
    /// the full renegotiation as above. The server keeps sessions resumable for the whole
    /// renegotiation period under this policy. Only the client can make the handshake
    /// abbreviated: a server's HelloRequest leaves the choice to the client, and an OpenSSL
    /// client answers it with a full handshake.
    PeriodicResumption,
}

/// 24 hours: the IEC 62351-3 upper bound of the resumption and renegotiation intervals.
pub const MAX_INTERVAL: Duration = Duration::from_secs(24 * 3600);

/// Why a configuration cannot be built (IEC 62351-3 §5.6 rules).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsConfigError {
    /// A rule of the configuration is broken (the message says which).
    #[error("invalid TLS configuration: {0}")]
    Invalid(String),
    /// The cipher policy leaves no usable suite.
    #[error("TLS policy leaves no usable cipher suite: {0}")]
    NoCipher(String),
    /// A file could not be read or parsed.
    #[error("{path}: {reason}")]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// openssl refused a setting.
    #[error("openssl: {0}")]
    Openssl(#[from] openssl::error::ErrorStack),
}

impl TlsConfig {
    /// The defaults (see the module documentation); no identity, no anchors yet.
    pub fn new() -> TlsConfig {
        TlsConfig {
            certificate: None,
            private_key: None,
            trust_anchors: Vec::new(),
            crls: Vec::new(),
            crl_reload_period: Duration::from_secs(3600),
            min_version: TlsVersion::Tls1_2,
            max_version: TlsVersion::Tls1_3,
            allow_legacy_versions: false,
            policy: CipherPolicy::Iec62351_4Native,
            allow_null: false,
            resumption_lifetime: Duration::from_secs(2 * 3600),
            renegotiation_period: Duration::from_secs(12 * 3600),
            rekey_policy: RekeyPolicy::FullRenegotiation,
            renegotiation_deadline: Duration::from_secs(30),
            pinned_peers: Vec::new(),
            keylog_file: None,
            max_certificate_size: 8192,
            min_rsa_bits: 2048,
            min_ec_bits: 256,
            clock: Arc::new(SystemTime::now),
            revocation: None,
            recheck_period: None,
            client_identity_optional: false,
        }
    }

    /// With a revocation checker (see [`TlsConfig::revocation`]).
    pub fn with_revocation(mut self, checker: crate::revocation::RevocationChecker) -> Self {
        self.revocation = Some(checker);
        self
    }

    /// With own certificate chain and key from PEM files.
    pub fn with_identity_files(
        mut self,
        cert: impl Into<PathBuf>,
        key: impl Into<PathBuf>,
    ) -> Self {
        self.certificate = Some(CertSource::PemFile(cert.into()));
        self.private_key = Some(KeySource::PemFile(key.into()));
        self
    }

    /// With own certificate chain (end entity first) and key in memory.
    pub fn with_identity(mut self, chain: Vec<X509>, key: PKey<Private>) -> Self {
        self.certificate = Some(CertSource::Certs(chain));
        self.private_key = Some(KeySource::Key(key));
        self
    }

    /// Adds a trust anchor from a PEM file (may hold several certificates).
    pub fn with_trust_anchor_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.trust_anchors.push(CertSource::PemFile(path.into()));
        self
    }

    /// Adds a trust anchor certificate.
    pub fn with_trust_anchor(mut self, ca: X509) -> Self {
        self.trust_anchors.push(CertSource::Certs(vec![ca]));
        self
    }

    /// Adds a CRL file (re-read every `crl_reload_period`).
    pub fn with_crl_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.crls.push(CrlSource::File(path.into()));
        self
    }

    /// Adds a CRL in memory.
    pub fn with_crl(mut self, crl: X509Crl) -> Self {
        self.crls.push(CrlSource::Crl(Arc::new(crl)));
        self
    }

    /// With a cipher policy.
    pub fn with_policy(mut self, policy: CipherPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// With the version range.
    pub fn with_versions(mut self, min: TlsVersion, max: TlsVersion) -> Self {
        self.min_version = min;
        self.max_version = max;
        self
    }

    /// With resumption lifetime and renegotiation period.
    pub fn with_intervals(mut self, resumption: Duration, renegotiation: Duration) -> Self {
        self.resumption_lifetime = resumption;
        self.renegotiation_period = renegotiation;
        self
    }

    /// With the policy of the renegotiation timers.
    pub fn with_rekey_policy(mut self, policy: RekeyPolicy) -> Self {
        self.rekey_policy = policy;
        self
    }

    /// With a pinned peer.
    pub fn with_pinned_peer(mut self, pin: PinnedPeer) -> Self {
        self.pinned_peers.push(pin);
        self
    }

    /// As a client without own certificate (see [`TlsConfig::client_identity_optional`]).
    pub fn with_optional_client_identity(mut self) -> Self {
        self.client_identity_optional = true;
        self
    }

    /// With another clock.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Checks the rules that do not need openssl: version range (TLS < 1.2 only with the
    /// switch), `0 < resumption ≤ renegotiation ≤ 24 h` (IEC 62351-3 §5.6.3), identity and trust
    /// anchors present (mutual authentication is mandatory), sizes and NULL suites.
    pub fn validate(&self) -> Result<(), TlsConfigError> {
        let bad = |m: String| Err(TlsConfigError::Invalid(m));
        if self.min_version > self.max_version {
            return bad(format!(
                "min_version {} above max_version {}",
                self.min_version, self.max_version
            ));
        }
        if self.min_version < TlsVersion::Tls1_2 && !self.allow_legacy_versions {
            return bad(format!(
                "min_version {} needs allow_legacy_versions (IEC 62351-3: TLS 1.0/1.1 only by explicit configuration)",
                self.min_version
            ));
        }
        if self.resumption_lifetime.is_zero() {
            return bad("resumption_lifetime must be > 0".into());
        }
        if self.resumption_lifetime > self.renegotiation_period {
            return bad(format!(
                "resumption_lifetime {:?} must not exceed renegotiation_period {:?}",
                self.resumption_lifetime, self.renegotiation_period
            ));
        }
        if self.renegotiation_period > MAX_INTERVAL {
            return bad(format!(
                "renegotiation_period {:?} over 24 h",
                self.renegotiation_period
            ));
        }
        if self.resumption_lifetime.as_secs() == 0 {
            return bad("resumption_lifetime must be at least one second".into());
        }
        if self.renegotiation_deadline.is_zero() {
            return bad("renegotiation_deadline must be > 0".into());
        }
        if self.recheck_period.is_some_and(|p| p.is_zero()) {
            return bad("recheck_period must be > 0".into());
        }
        if self.crl_reload_period.is_zero() {
            return bad("crl_reload_period must be > 0".into());
        }
        if self.max_certificate_size == 0 {
            return bad("max_certificate_size must be > 0".into());
        }
        if (self.certificate.is_none() || self.private_key.is_none())
            && !self.client_identity_optional
        {
            return bad(
                "own certificate and private key are required (mutual authentication is mandatory)"
                    .into(),
            );
        }
        if self.trust_anchors.is_empty() {
            return bad("at least one trust anchor is required".into());
        }
        if !self.allow_null {
            let (t12, _) = self.policy.suites();
            if t12.iter().any(|n| n.to_ascii_uppercase().contains("NULL")) {
                return bad("NULL suites in the policy need allow_null".into());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_identity() -> TlsConfig {
        TlsConfig::new()
            .with_identity_files("c.pem", "k.pem")
            .with_trust_anchor_file("ca.pem")
    }

    #[test]
    fn identity_optional_only_by_the_switch() {
        let c = TlsConfig::new().with_trust_anchor_file("ca.pem");
        assert!(
            c.validate().is_err(),
            "mutual authentication is the default"
        );
        c.with_optional_client_identity()
            .validate()
            .expect("a client without certificate, by explicit configuration");
    }

    #[test]
    fn defaults_validate() {
        with_identity().validate().expect("defaults are valid");
    }

    #[test]
    fn interval_bounds() {
        let h = |n: u64| Duration::from_secs(n * 3600);
        let c = with_identity().with_intervals(Duration::ZERO, h(1));
        assert!(matches!(c.validate(), Err(TlsConfigError::Invalid(m)) if m.contains("> 0")));
        let c = with_identity().with_intervals(h(3), h(2));
        assert!(
            matches!(c.validate(), Err(TlsConfigError::Invalid(m)) if m.contains("must not exceed"))
        );
        let c = with_identity().with_intervals(h(2), h(25));
        assert!(matches!(c.validate(), Err(TlsConfigError::Invalid(m)) if m.contains("24 h")));
        with_identity()
            .with_intervals(h(24), h(24))
            .validate()
            .expect("equal bounds allowed");
        let c = with_identity().with_intervals(Duration::from_millis(500), h(1));
        assert!(
            c.validate().is_err(),
            "sub-second resumption cannot be set in openssl"
        );
    }

    #[test]
    fn legacy_versions_need_the_switch() {
        let c = with_identity().with_versions(TlsVersion::Tls1_0, TlsVersion::Tls1_3);
        assert!(
            matches!(c.validate(), Err(TlsConfigError::Invalid(m)) if m.contains("allow_legacy_versions"))
        );
        let mut c = c;
        c.allow_legacy_versions = true;
        c.validate().expect("allowed with the switch");
        let c = with_identity().with_versions(TlsVersion::Tls1_3, TlsVersion::Tls1_2);
        assert!(c.validate().is_err());
    }

    #[test]
    fn identity_and_anchor_required() {
        assert!(TlsConfig::new()
            .with_trust_anchor_file("a")
            .validate()
            .is_err());
        assert!(TlsConfig::new()
            .with_identity_files("c", "k")
            .validate()
            .is_err());
    }

    #[test]
    fn null_needs_allow_null() {
        let c = with_identity().with_policy(CipherPolicy::Custom("NULL-SHA256".into()));
        assert!(c.validate().is_err());
        let mut c = c;
        c.allow_null = true;
        c.validate().expect("explicitly enabled");
    }

    #[test]
    fn parsing() {
        assert_eq!(TlsVersion::parse("1.3"), Some(TlsVersion::Tls1_3));
        assert_eq!(TlsVersion::parse("TLSv1.2"), Some(TlsVersion::Tls1_2));
        assert_eq!(TlsVersion::parse("ssl3"), None);
        assert_eq!(
            CipherPolicy::parse("native"),
            Some(CipherPolicy::Iec62351_4Native)
        );
        assert_eq!(
            CipherPolicy::parse("custom:AES128-SHA256"),
            Some(CipherPolicy::Custom("AES128-SHA256".into()))
        );
        let (t12, t13) = CipherPolicy::Custom("A:TLS_B:C".into()).suites();
        assert_eq!(t12, vec!["A", "C"]);
        assert_eq!(t13, vec!["TLS_B"]);
        let pin = PinnedPeer::parse_sha256(&"ab:".repeat(31).to_string().replace("::", ":"));
        assert!(pin.is_none());
        let hex = "00".repeat(31) + "ff";
        assert_eq!(
            PinnedPeer::parse_sha256(&hex),
            Some(PinnedPeer::Sha256({
                let mut a = [0u8; 32];
                a[31] = 0xff;
                a
            }))
        );
    }
}
