//! Configuration of the E2E provider (IEC 62351-4 §13 policy; ASSUMPTIONS.md U-02, U-05,
//! U-11, U-15, U-17).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use openssl::pkey::{PKey, Private};
use openssl::x509::X509;

pub use crate::crypto::{AeadAlgorithm, CbcAlgorithm, DhGroup, IcvAlgorithm};
use crate::oids::E2eOids;
use crate::pdu::{AlgorithmIdentifier, EncrMode, Limits};

/// The provider's clock (sec-common brief: tests shift it). Protocol code never reads the
/// system time directly.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// The shortest rekey period allowed in production configuration (F-1123: 15 min).
pub const MIN_REKEY_PERIOD: Duration = Duration::from_secs(15 * 60);
/// The longest rekey period (F-1123: 24 h).
pub const MAX_REKEY_PERIOD: Duration = Duration::from_secs(24 * 3600);

/// One data-transfer protection mode (F-1131, F-1132, F-1137).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum E2eMode {
    /// ClearTransfer with an ICV only (no confidentiality).
    IcvOnly(IcvAlgorithm),
    /// EncrTransfer with authenticated encryption (AES-GCM), no Authenticator.
    Aead(AeadAlgorithm),
    /// EncrTransfer with AES-CBC and a separate ICV.
    CbcIcv(CbcAlgorithm, IcvAlgorithm),
}

impl E2eMode {
    /// The four modes of the issue, in preference order (encryption first).
    pub fn all() -> Vec<E2eMode> {
        vec![
            E2eMode::Aead(AeadAlgorithm::Aes128Gcm),
            E2eMode::Aead(AeadAlgorithm::Aes256Gcm),
            E2eMode::CbcIcv(CbcAlgorithm::Aes128Cbc, IcvAlgorithm::HmacSha256),
            E2eMode::CbcIcv(CbcAlgorithm::Aes256Cbc, IcvAlgorithm::HmacSha256),
            E2eMode::CbcIcv(CbcAlgorithm::Aes128Cbc, IcvAlgorithm::Aes128Gmac),
            E2eMode::IcvOnly(IcvAlgorithm::HmacSha256),
            E2eMode::IcvOnly(IcvAlgorithm::Aes128Gmac),
        ]
    }

    /// True when the PrPDU is encrypted.
    pub fn encrypts(self) -> bool {
        !matches!(self, E2eMode::IcvOnly(_))
    }

    /// The ClearToken1 encr-mode that offers (or selects) exactly this mode.
    pub fn encr_mode(self) -> EncrMode<'static> {
        match self {
            E2eMode::IcvOnly(i) => EncrMode::NonAea {
                encr: None,
                icv: vec![AlgorithmIdentifier::new(i.oid())],
            },
            E2eMode::Aead(a) => EncrMode::Aea(vec![AlgorithmIdentifier::new(a.oid())]),
            E2eMode::CbcIcv(c, i) => EncrMode::NonAea {
                encr: Some(vec![AlgorithmIdentifier::new(c.oid())]),
                icv: vec![AlgorithmIdentifier::new(i.oid())],
            },
        }
    }

    /// (encryption key length, ICV key length) for the HKDF layout (U-08).
    pub fn key_lengths(self) -> (Option<usize>, Option<usize>) {
        match self {
            E2eMode::IcvOnly(i) => (None, Some(i.key_len())),
            E2eMode::Aead(a) => (Some(a.key_len()), None),
            E2eMode::CbcIcv(c, i) => (Some(c.key_len()), Some(i.key_len())),
        }
    }
}

/// The end-entity credential of this end (Annex G): certificate, key, CA path (nearest first).
#[derive(Clone)]
pub struct E2eCredential {
    /// The end-entity certificate.
    pub certificate: X509,
    /// Its private key.
    pub key: PKey<Private>,
    /// CA certificates sent as certPath (may be empty).
    pub chain: Vec<X509>,
}

impl std::fmt::Debug for E2eCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("E2eCredential")
            .field("subject", &format!("{:?}", self.certificate.subject_name()))
            .finish_non_exhaustive()
    }
}

/// Everything an [`crate::E2eFactory`] needs.
#[derive(Clone)]
#[non_exhaustive]
pub struct E2eConfig {
    /// This end's credential.
    pub credential: E2eCredential,
    /// Trust anchors for the peer's certificate path.
    pub trust_anchors: Vec<X509>,
    /// The unverified OIDs and the protected-protocol name (U-02, U-16).
    pub oids: E2eOids,
    /// Client: the mode offered first. Server: ignored.
    pub offer: E2eMode,
    /// Client: more modes offered after `offer`, of the same kind (all AES-GCM, all ICV
    /// only, or all AES-CBC + ICV: one HandshakeReq's encr-mode carries one kind, §13.3.1).
    /// The lists sent hold each algorithm once; the server picks by its own preference
    /// ([`E2eConfig::accept`] order). Set both with [`E2eConfig::with_offers`].
    pub also_offer: Vec<E2eMode>,
    /// Server: the modes accepted, in preference order. Client: the modes it accepts in a
    /// HandshakeAcc (normally the ones offered).
    pub accept: Vec<E2eMode>,
    /// Local policy on confidentiality (ClearToken1 confParams, §13.3.1, §14.3.4): when set, an
    /// ICV-only mode is accepted only inside TLS — this end's transport is TLS and the peer's
    /// confParams say tlsProtected — or when both ends declare a VPN; otherwise the handshake
    /// is refused with encryption-required. Default off.
    pub require_confidentiality: bool,
    /// This end declares that a VPN protects the link (confParams vpn). Default off.
    pub vpn: bool,
    /// Client: the DH group used. Server: must be in `dh_groups`.
    pub dh_group: DhGroup,
    /// Groups accepted from a peer.
    pub dh_groups: Vec<DhGroup>,
    /// Allowed distance between a peer's time stamp and local UTC (F-1142: 10 min).
    pub time_window: Duration,
    /// Rekey period (F-1123: 15 min .. 24 h); the server starts a rekey when it elapses.
    pub rekey_period: Duration,
    /// Allow a `rekey_period` shorter than 15 min (tests only).
    pub allow_short_rekey: bool,
    /// Require the certificate subject 2.5.4.106 to equal AP-title ++ AE-qualifier (U-17).
    pub require_address_binding: bool,
    /// Report an address mismatch as a warning and go on (labs only; U-17).
    pub address_mismatch_warning_only: bool,
    /// Accept a peer certificate without keyUsage, or with digitalSignature but without
    /// keyAgreement (legacy peers), recording the certificate event as a warning; by default
    /// IEC 62351-4 Annex G.5.2 holds: keyUsage present with both (F-1163).
    pub legacy_key_usage: bool,
    /// Talk to earlier versions of this implementation: send the global SecPDU CHOICE tag
    /// inside the OSI EXTERNAL / PDV of every SecPDU, the RFC 9044 aes128-GMAC identifier for
    /// the GMAC ICV, and 16-octet GCM / GMAC tags (ASSUMPTIONS.md U-01, U-02, U-12). Both forms
    /// are always received. Default off: the form of the public paraphrase.
    pub legacy_wire: bool,
    /// Decoder bounds (U-15).
    pub limits: Limits,
    /// The replay cache capacity (U-05): beyond it the server fails closed.
    pub replay_capacity: usize,
    /// Session CONNECT user-data limit (ISO 8327-1 §8.3.1 / I-09): refuse a larger AARQ.
    pub max_connect_user_data: usize,
    /// The clock.
    pub clock: Clock,
    /// The shared revocation checker ([`cot::revocation`]): a peer certificate it finds
    /// revoked fails the handshake (certificate invalid); revocation information that cannot be
    /// had is recorded with the checker's event and never fails it (IEC 62351-3).
    pub revocation: Option<cot::revocation::RevocationChecker>,
}

impl std::fmt::Debug for E2eConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("E2eConfig")
            .field("offer", &self.offer)
            .field("also_offer", &self.also_offer)
            .field("accept", &self.accept)
            .field("require_confidentiality", &self.require_confidentiality)
            .field("dh_group", &self.dh_group)
            .field("rekey_period", &self.rekey_period)
            .finish_non_exhaustive()
    }
}

impl E2eConfig {
    /// A configuration with the defaults of ASSUMPTIONS.md: AES-128-GCM offered, every mode
    /// accepted, secp256r1, ±10 min, rekey every hour, address binding required.
    pub fn new(credential: E2eCredential, trust_anchors: Vec<X509>) -> E2eConfig {
        E2eConfig {
            credential,
            trust_anchors,
            oids: E2eOids::default(),
            offer: E2eMode::Aead(AeadAlgorithm::Aes128Gcm),
            also_offer: Vec::new(),
            accept: E2eMode::all(),
            require_confidentiality: false,
            vpn: false,
            dh_group: DhGroup::P256,
            dh_groups: vec![DhGroup::Modp2048, DhGroup::P256, DhGroup::BrainpoolP256],
            time_window: Duration::from_secs(600),
            rekey_period: Duration::from_secs(3600),
            allow_short_rekey: false,
            require_address_binding: true,
            address_mismatch_warning_only: false,
            legacy_key_usage: false,
            legacy_wire: false,
            limits: Limits::default(),
            replay_capacity: 100_000,
            max_connect_user_data: cosp::codes::MAX_CONNECT_EXTENDED_USER_DATA,
            clock: Arc::new(SystemTime::now),
            revocation: None,
        }
    }

    /// With the shared revocation checker.
    pub fn with_revocation(mut self, checker: cot::revocation::RevocationChecker) -> E2eConfig {
        self.revocation = Some(checker);
        self
    }

    /// Uses `mode` for both the offer and the accepted set.
    pub fn with_mode(mut self, mode: E2eMode) -> E2eConfig {
        self.offer = mode;
        self.also_offer = Vec::new();
        self.accept = vec![mode];
        self
    }

    /// Client: offers `modes` (the first is [`E2eConfig::offer`], of one kind, see
    /// [`E2eConfig::also_offer`]) and accepts any selection the offer allows
    /// ([`E2eConfig::offered_modes`]); server: accepts `modes`. An empty list leaves the
    /// configuration as it is.
    pub fn with_offers(mut self, modes: &[E2eMode]) -> E2eConfig {
        if let Some((first, rest)) = modes.split_first() {
            self.offer = *first;
            self.also_offer = rest.to_vec();
            self.accept = self.offered_modes();
        }
        self
    }

    /// Every mode the client's HandshakeReq lets a server select: the offered modes, and for
    /// AES-CBC + ICV every pairing of an offered encryption with an offered ICV algorithm
    /// (the encr-mode lists are independent, §13.3.1).
    pub fn offered_modes(&self) -> Vec<E2eMode> {
        let all: Vec<E2eMode> = std::iter::once(self.offer)
            .chain(self.also_offer.iter().copied())
            .collect();
        let mut out: Vec<E2eMode> = Vec::new();
        let mut push = |m: E2eMode| {
            if !out.contains(&m) {
                out.push(m);
            }
        };
        for m in &all {
            match m {
                E2eMode::CbcIcv(c, _) => {
                    for n in &all {
                        if let E2eMode::CbcIcv(_, i) = n {
                            push(E2eMode::CbcIcv(*c, *i));
                        }
                    }
                }
                other => push(*other),
            }
        }
        out
    }

    /// The ClearToken1 encr-mode of the client's offer: each offered algorithm once, in
    /// order (§13.3.1: aea SEQUENCE OF; non-aea encr SEQUENCE OF, icvAlgID SET OF).
    pub fn offer_encr_mode(&self) -> EncrMode<'static> {
        fn once(v: &mut Vec<AlgorithmIdentifier<'static>>, o: copp::ber::Oid<'static>) {
            if !v.iter().any(|a| a.algorithm.as_bytes() == o.as_bytes()) {
                v.push(AlgorithmIdentifier::new(o));
            }
        }
        let all = std::iter::once(self.offer).chain(self.also_offer.iter().copied());
        let (mut aea, mut encr, mut icv) = (Vec::new(), Vec::new(), Vec::new());
        for m in all {
            match m {
                E2eMode::Aead(a) => once(&mut aea, a.oid()),
                E2eMode::IcvOnly(i) => once(&mut icv, self.icv_oid(i)),
                E2eMode::CbcIcv(c, i) => {
                    once(&mut encr, c.oid());
                    once(&mut icv, self.icv_oid(i));
                }
            }
        }
        match self.offer {
            E2eMode::Aead(_) => EncrMode::Aea(aea),
            E2eMode::IcvOnly(_) => EncrMode::NonAea { encr: None, icv },
            E2eMode::CbcIcv(..) => EncrMode::NonAea {
                encr: Some(encr),
                icv,
            },
        }
    }

    /// The ClearToken1 encr-mode that selects exactly `mode` (server), with the ICV identifier
    /// of [`E2eConfig::icv_oid`].
    pub fn encr_mode_of(&self, mode: E2eMode) -> EncrMode<'static> {
        match mode {
            E2eMode::IcvOnly(i) => EncrMode::NonAea {
                encr: None,
                icv: vec![AlgorithmIdentifier::new(self.icv_oid(i))],
            },
            E2eMode::CbcIcv(c, i) => EncrMode::NonAea {
                encr: Some(vec![AlgorithmIdentifier::new(c.oid())]),
                icv: vec![AlgorithmIdentifier::new(self.icv_oid(i))],
            },
            E2eMode::Aead(_) => mode.encr_mode(),
        }
    }

    /// The GCM / GMAC tag length this end sends: 12 octets (F-1137 default), 16 with
    /// [`E2eConfig::legacy_wire`].
    pub fn tag_len(&self) -> usize {
        if self.legacy_wire {
            crate::crypto::LEGACY_GCM_TAG_LEN
        } else {
            crate::crypto::GCM_TAG_LEN
        }
    }

    /// The identifier this end sends for `alg` (the legacy one with
    /// [`E2eConfig::legacy_wire`]).
    pub fn icv_oid(&self, alg: IcvAlgorithm) -> copp::ber::Oid<'static> {
        if self.legacy_wire {
            alg.legacy_oid()
        } else {
            alg.oid()
        }
    }

    /// Checks the policy values (F-1123 rekey range).
    pub fn validate(&self) -> Result<(), String> {
        if !self.allow_short_rekey
            && !(MIN_REKEY_PERIOD..=MAX_REKEY_PERIOD).contains(&self.rekey_period)
        {
            return Err(format!(
                "rekey period {:?} outside 15 min .. 24 h (IEC 62351-4 §13)",
                self.rekey_period
            ));
        }
        if self.accept.is_empty() {
            return Err("no accepted E2E mode".to_owned());
        }
        let kind = |m: &E2eMode| std::mem::discriminant(m);
        if self.also_offer.iter().any(|m| kind(m) != kind(&self.offer)) {
            return Err(
                "E2E modes offered together must be of one kind: AES-GCM, ICV only, or AES-CBC + ICV (IEC 62351-4 §13.3.1)"
                    .to_owned(),
            );
        }
        if self.trust_anchors.is_empty() {
            return Err("no E2E trust anchor".to_owned());
        }
        Ok(())
    }
}
