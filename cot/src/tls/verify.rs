//! Peer-certificate checks of the T-profile (IEC 62351-3 §5.6.4, IEC 62351-4 §6.2.8) on top of
//! OpenSSL's chain validation: end-entity size (≤ 8192 octets), key strength (RSA ≥ 2048,
//! EC ≥ 256 bits), key usage (digitalSignature, RFC 5280 §4.2.1.3), validity against the
//! configured clock, revocation by the configured CRLs (RFC 5280 §6.3, CRL signature and
//! nextUpdate checked) and optional pinning.
//!
//! The checks run inside OpenSSL's verify callback at depth 0 (so a refusal is a handshake
//! failure with an alert to the peer), again after a resumed handshake (no certificate
//! exchange), at each renegotiation (a full handshake: the server sets
//! `SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION`) and at each CRL reload.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use openssl::asn1::Asn1Time;
use openssl::hash::MessageDigest;
use openssl::memcmp;
use openssl::pkey::Id;
use openssl::x509::{
    CrlStatus, X509Crl, X509KeyUsage, X509Ref, X509StoreContextRef, X509VerifyResult, X509,
};

use super::config::PinnedPeer;
use super::events;

/// Why a peer certificate is refused: an event code from [`super::events`] and a detail text
/// (subject names and reasons, never secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The event code.
    pub code: &'static str,
    /// What was wrong.
    pub detail: String,
}

impl Refusal {
    pub(crate) fn new(code: &'static str, detail: impl Into<String>) -> Refusal {
        Refusal {
            code,
            detail: detail.into(),
        }
    }
}

/// Limits applied to a peer certificate.
#[derive(Debug, Clone)]
pub(crate) struct Limits {
    pub max_certificate_size: usize,
    pub min_rsa_bits: u32,
    pub min_ec_bits: u32,
    pub pins: Vec<PinnedPeer>,
}

/// The one-line subject of a certificate for event details.
pub(crate) fn subject(cert: &X509Ref) -> String {
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

/// The event code for an OpenSSL chain-verification error (X509_V_ERR_*).
pub(crate) fn code_for_verify_error(err: X509VerifyResult) -> &'static str {
    match err.as_raw() {
        // CERT_NOT_YET_VALID, CERT_HAS_EXPIRED
        9 | 10 => events::CERT_EXPIRED,
        // UNABLE_TO_GET_ISSUER_CERT, CERT_SIGNATURE_FAILURE, DEPTH_ZERO_SELF_SIGNED,
        // SELF_SIGNED_IN_CHAIN, UNABLE_TO_GET_ISSUER_CERT_LOCALLY, UNABLE_TO_VERIFY_LEAF_SIGNATURE,
        // CERT_UNTRUSTED, CERT_REJECTED
        2 | 7 | 18 | 19 | 20 | 21 | 27 | 28 => events::CERT_UNTRUSTED,
        // CERT_REVOKED
        23 => events::CERT_REVOKED,
        // INVALID_PURPOSE, KEYUSAGE_NO_CERTSIGN, KEYUSAGE_NO_DIGITAL_SIGNATURE
        26 | 32 | 39 => events::BAD_KEY_USAGE,
        // EE_KEY_TOO_SMALL, CA_KEY_TOO_SMALL, CA_MD_TOO_WEAK
        66..=68 => events::WEAK_KEY,
        _ => events::CERT_INVALID,
    }
}

fn now_asn1(now: SystemTime) -> Option<Asn1Time> {
    let secs = now.duration_since(UNIX_EPOCH).ok()?.as_secs();
    Asn1Time::from_unix(secs.try_into().ok()?).ok()
}

/// Validity period against `now` (IEC 62351-3 §5.6.4.5).
pub(crate) fn check_validity(cert: &X509Ref, now: SystemTime) -> Result<(), Refusal> {
    let Some(t) = now_asn1(now) else {
        return Err(Refusal::new(events::CERT_INVALID, "clock before 1970"));
    };
    if cert.not_before() > t {
        return Err(Refusal::new(
            events::CERT_EXPIRED,
            format!("certificate of {} not yet valid", subject(cert)),
        ));
    }
    if cert.not_after() < t {
        return Err(Refusal::new(
            events::CERT_EXPIRED,
            format!(
                "certificate of {} expired {}",
                subject(cert),
                cert.not_after()
            ),
        ));
    }
    Ok(())
}

/// Size, key strength, key usage and pinning of the peer's end-entity certificate.
pub(crate) fn check_leaf(cert: &X509Ref, limits: &Limits) -> Result<(), Refusal> {
    let der = cert
        .to_der()
        .map_err(|e| Refusal::new(events::CERT_INVALID, format!("cannot encode: {e}")))?;
    if der.len() > limits.max_certificate_size {
        return Err(Refusal::new(
            events::CERT_TOO_LARGE,
            format!(
                "certificate of {} has {} octets, over {}",
                subject(cert),
                der.len(),
                limits.max_certificate_size
            ),
        ));
    }
    check_key(cert, limits)?;
    if let Some(ku) = cert.key_usage() {
        if !ku.contains(X509KeyUsage::DIGITAL_SIGNATURE) {
            return Err(Refusal::new(
                events::BAD_KEY_USAGE,
                format!(
                    "certificate of {} lacks digitalSignature key usage",
                    subject(cert)
                ),
            ));
        }
    }
    check_pin(&der, cert, &limits.pins)
}

/// RSA/DSA ≥ `min_rsa_bits`, EC ≥ `min_ec_bits` (IEC 62351-3 §5.6.4).
pub(crate) fn check_key(cert: &X509Ref, limits: &Limits) -> Result<(), Refusal> {
    let key = cert
        .public_key()
        .map_err(|e| Refusal::new(events::CERT_INVALID, format!("unreadable public key: {e}")))?;
    let bits = key.bits();
    let (kind, min) = match key.id() {
        Id::RSA | Id::RSA_PSS | Id::DSA | Id::DH => ("RSA/DSA", limits.min_rsa_bits),
        Id::EC => ("EC", limits.min_ec_bits),
        // Ed25519/Ed448 have fixed strong sizes.
        Id::ED25519 | Id::ED448 => return Ok(()),
        other => {
            return Err(Refusal::new(
                events::WEAK_KEY,
                format!("unsupported key type {:?} of {}", other, subject(cert)),
            ))
        }
    };
    if bits < min {
        return Err(Refusal::new(
            events::WEAK_KEY,
            format!(
                "{kind} key of {} has {bits} bits, under {min}",
                subject(cert)
            ),
        ));
    }
    Ok(())
}

fn check_pin(der: &[u8], cert: &X509Ref, pins: &[PinnedPeer]) -> Result<(), Refusal> {
    if pins.is_empty() {
        return Ok(());
    }
    let digest = cert
        .digest(MessageDigest::sha256())
        .map_err(|e| Refusal::new(events::CERT_INVALID, format!("digest: {e}")))?;
    let hit = pins.iter().any(|p| match p {
        PinnedPeer::Certificate(d) => d.len() == der.len() && memcmp::eq(d, der),
        PinnedPeer::Sha256(h) => memcmp::eq(&h[..], &digest[..]),
    });
    if hit {
        Ok(())
    } else {
        Err(Refusal::new(
            events::PIN_MISMATCH,
            format!("certificate of {} is not pinned", subject(cert)),
        ))
    }
}

/// A CRL as loaded, with where it came from.
#[derive(Clone)]
pub(crate) struct LoadedCrl {
    pub crl: Arc<X509Crl>,
    pub origin: String,
}

/// The outcome of a revocation check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Revocation {
    /// A valid CRL of the issuer covers the certificate and does not list it.
    Good,
    /// Listed on a valid CRL.
    Revoked(String),
    /// No usable CRL for an issuer in the chain (unreadable, unverifiable, expired, missing).
    Unknown(String),
    /// No CRL is configured at all: revocation is not checked.
    NotChecked,
    /// The revocation checker has no usable answer: the event code of
    /// [`crate::revocation::events`] and what is missing.
    Unavailable(&'static str, String),
}

/// Checks every certificate of `chain` (end entity first) except trust anchors against the
/// CRLs (RFC 5280 §6.3: a CRL counts if its issuer name is the certificate's issuer, its
/// signature verifies with that issuer's key, and `nextUpdate` is not past).
pub(crate) fn check_revocation(
    chain: &[X509],
    anchors: &[X509],
    crls: &[LoadedCrl],
    configured: bool,
    now: SystemTime,
) -> Revocation {
    if !configured {
        return Revocation::NotChecked;
    }
    let Some(t) = now_asn1(now) else {
        return Revocation::Unknown("clock before 1970".into());
    };
    let mut unknown: Option<String> = None;
    for (i, cert) in chain.iter().enumerate() {
        let issuer_der = match cert.issuer_name().to_der() {
            Ok(d) => d,
            Err(_) => return Revocation::Unknown("unencodable issuer name".into()),
        };
        // A self-signed certificate that is one of our anchors is not checked.
        let is_anchor = anchors
            .iter()
            .any(|a| matches!((a.to_der(), cert.to_der()), (Ok(x), Ok(y)) if x == y));
        if is_anchor {
            continue;
        }
        // The issuer: the next certificate of the chain, or an anchor with that subject.
        let issuer = chain
            .get(i + 1)
            .filter(|c| c.subject_name().to_der().ok().as_deref() == Some(&issuer_der[..]))
            .or_else(|| {
                anchors
                    .iter()
                    .find(|a| a.subject_name().to_der().ok().as_deref() == Some(&issuer_der[..]))
            });
        let Some(issuer) = issuer else {
            unknown.get_or_insert_with(|| format!("issuer of {} not found", subject(cert)));
            continue;
        };
        let Ok(issuer_key) = issuer.public_key() else {
            unknown.get_or_insert_with(|| "issuer key unreadable".into());
            continue;
        };
        let mut covered = false;
        let mut why = String::new();
        for l in crls {
            if l.crl.issuer_name().to_der().ok().as_deref() != Some(&issuer_der[..]) {
                continue;
            }
            if !matches!(l.crl.verify(&issuer_key), Ok(true)) {
                why = format!("CRL {} does not verify with its issuer's key", l.origin);
                continue;
            }
            if l.crl.next_update().is_some_and(|nu| nu < t) {
                why = format!("CRL {} expired (nextUpdate passed)", l.origin);
                continue;
            }
            match l.crl.get_by_cert(cert) {
                CrlStatus::Revoked(_) | CrlStatus::RemoveFromCrl(_) => {
                    if matches!(l.crl.get_by_cert(cert), CrlStatus::Revoked(_)) {
                        return Revocation::Revoked(format!(
                            "certificate of {} is revoked by CRL {}",
                            subject(cert),
                            l.origin
                        ));
                    }
                    covered = true;
                }
                CrlStatus::NotRevoked => covered = true,
            }
        }
        if !covered {
            unknown.get_or_insert_with(|| {
                if why.is_empty() {
                    format!("no CRL for the issuer of {}", subject(cert))
                } else {
                    why
                }
            });
        }
    }
    match unknown {
        Some(u) => Revocation::Unknown(u),
        None => Revocation::Good,
    }
}

/// What the verify callback of one TLS session found (shared with the session).
#[derive(Default)]
pub(crate) struct VerifyState {
    /// The first refusal of the current handshake.
    pub failure: Option<Refusal>,
    /// Full handshakes that verified the peer's certificate (1 + renegotiations).
    pub full_handshakes: u64,
    /// The peer's verified chain of the last full handshake (end entity first).
    pub chain: Vec<X509>,
    /// Revocation status was unknown at the last check: the event code to record and why
    /// (recorded when the handshake completes, unless a stapled OCSP response settled it).
    pub revocation_unknown: Option<(&'static str, String)>,
}

/// Everything the verify callback needs besides the per-session state.
pub(crate) struct VerifyEnv {
    pub limits: Limits,
    pub anchors: Vec<X509>,
    pub crls: Arc<Mutex<Vec<LoadedCrl>>>,
    pub crls_configured: bool,
    pub clock: super::config::Clock,
    pub revocation: Option<crate::revocation::RevocationChecker>,
}

impl VerifyEnv {
    /// All depth-0 checks after a successful chain validation (or for rechecks).
    pub(crate) fn check_established(&self, chain: &[X509]) -> Result<Revocation, Refusal> {
        let Some(leaf) = chain.first() else {
            return Err(Refusal::new(events::CERT_REQUIRED, "no peer certificate"));
        };
        check_leaf(leaf, &self.limits)?;
        let now = (self.clock)();
        check_validity(leaf, now)?;
        let r = {
            let crls = self.crls.lock().unwrap_or_else(|e| e.into_inner());
            check_revocation(chain, &self.anchors, &crls, self.crls_configured, now)
        };
        if let Revocation::Revoked(d) = r {
            return Err(Refusal::new(events::CERT_REVOKED, d));
        }
        let Some(checker) = &self.revocation else {
            return Ok(r);
        };
        // The shared checker (cache only: never waits on the network here). Revoked from any
        // source refuses; good from any source is good; otherwise unavailable.
        let status = checker.check_chain(chain, false);
        use crate::revocation::RevocationStatus as S;
        Ok(match (status, r) {
            (s @ S::Revoked { .. }, _) => {
                return Err(Refusal::new(
                    events::CERT_REVOKED,
                    format!("certificate of {} is {s}", subject(leaf)),
                ))
            }
            (S::Good { .. }, _) | (_, Revocation::Good) => Revocation::Good,
            (other, _) => {
                let code = other
                    .event_code()
                    .unwrap_or(crate::revocation::events::NO_CRL);
                Revocation::Unavailable(code, format!("{}: {other}", subject(leaf)))
            }
        })
    }

    /// The verify callback body: returns whether to go on with the handshake.
    pub(crate) fn callback(
        &self,
        state: &Mutex<VerifyState>,
        preverify_ok: bool,
        ctx: &mut X509StoreContextRef,
    ) -> bool {
        let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
        if !preverify_ok {
            let err = ctx.error();
            let who = ctx.current_cert().map(subject).unwrap_or_default();
            if st.failure.is_none() {
                st.failure = Some(Refusal::new(
                    code_for_verify_error(err),
                    format!(
                        "depth {}: {} ({})",
                        ctx.error_depth(),
                        err.error_string(),
                        who
                    ),
                ));
            }
            return false;
        }
        if ctx.error_depth() != 0 {
            return true;
        }
        let chain: Vec<X509> = match ctx.chain() {
            Some(c) => c.iter().map(|x| x.to_owned()).collect(),
            None => match ctx.current_cert() {
                Some(c) => vec![c.to_owned()],
                None => Vec::new(),
            },
        };
        st.full_handshakes = st.full_handshakes.saturating_add(1);
        match self.check_established(&chain) {
            Ok(r) => {
                st.revocation_unknown = match r {
                    Revocation::Unknown(d) => Some((events::CRL_UNAVAILABLE, d)),
                    Revocation::Unavailable(code, d) => Some((code, d)),
                    _ => None,
                };
                st.chain = chain;
                true
            }
            Err(refusal) => {
                if st.failure.is_none() {
                    st.failure = Some(refusal);
                }
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::{KeyKind, KeyUsageBits, LeafSpec, Pki};
    use std::time::Duration;

    fn limits() -> Limits {
        Limits {
            max_certificate_size: 8192,
            min_rsa_bits: 2048,
            min_ec_bits: 256,
            pins: Vec::new(),
        }
    }

    #[test]
    fn leaf_checks() {
        let pki = Pki::new_root("Test CA", KeyKind::EcP256).expect("ca");
        let good = pki
            .issue(&LeafSpec::new("good").with_key(KeyKind::EcP256))
            .expect("leaf");
        check_leaf(&good.certificate, &limits()).expect("good");
        let small = pki
            .issue(&LeafSpec::new("small").with_key(KeyKind::Rsa(1024)))
            .expect("leaf");
        assert_eq!(
            check_leaf(&small.certificate, &limits()).map_err(|r| r.code),
            Err(events::WEAK_KEY)
        );
        let big = pki
            .issue(
                &LeafSpec::new("big")
                    .with_key(KeyKind::EcP256)
                    .with_padding(9000),
            )
            .expect("leaf");
        assert_eq!(
            check_leaf(&big.certificate, &limits()).map_err(|r| r.code),
            Err(events::CERT_TOO_LARGE)
        );
        let ku = KeyUsageBits {
            digital_signature: false,
            ..KeyUsageBits::end_entity()
        };
        let noku = pki
            .issue(
                &LeafSpec::new("noku")
                    .with_key(KeyKind::EcP256)
                    .with_key_usage(ku),
            )
            .expect("leaf");
        assert_eq!(
            check_leaf(&noku.certificate, &limits()).map_err(|r| r.code),
            Err(events::BAD_KEY_USAGE)
        );
        let mut pinned = limits();
        pinned
            .pins
            .push(PinnedPeer::Certificate(good.cert_der().expect("der")));
        check_leaf(&good.certificate, &pinned).expect("pinned");
        assert_eq!(
            check_leaf(&noku.certificate, &limits()).map_err(|r| r.code),
            Err(events::BAD_KEY_USAGE)
        );
        let other = pki
            .issue(&LeafSpec::new("other").with_key(KeyKind::EcP256))
            .expect("leaf");
        assert_eq!(
            check_leaf(&other.certificate, &pinned).map_err(|r| r.code),
            Err(events::PIN_MISMATCH)
        );
    }

    #[test]
    fn validity_and_revocation() {
        let pki = Pki::new_root("Test CA", KeyKind::EcP256).expect("ca");
        let leaf = pki
            .issue(&LeafSpec::new("leaf").with_key(KeyKind::EcP256))
            .expect("leaf");
        let now = SystemTime::now();
        check_validity(&leaf.certificate, now).expect("valid now");
        let later = now + Duration::from_secs(400 * 86_400);
        assert_eq!(
            check_validity(&leaf.certificate, later).map_err(|r| r.code),
            Err(events::CERT_EXPIRED)
        );
        let anchors = vec![pki.ca().certificate.clone()];
        let chain = vec![leaf.certificate.clone()];
        assert_eq!(
            check_revocation(&chain, &anchors, &[], false, now),
            Revocation::NotChecked
        );
        assert!(matches!(
            check_revocation(&chain, &anchors, &[], true, now),
            Revocation::Unknown(_)
        ));
        let empty = pki.crl(&[], now + Duration::from_secs(3600)).expect("crl");
        let l = |crl: X509Crl| {
            vec![LoadedCrl {
                crl: Arc::new(crl),
                origin: "t".into(),
            }]
        };
        assert_eq!(
            check_revocation(&chain, &anchors, &l(empty), true, now),
            Revocation::Good
        );
        let revoked = pki
            .crl(&[&leaf.certificate], now + Duration::from_secs(3600))
            .expect("crl");
        assert!(matches!(
            check_revocation(&chain, &anchors, &l(revoked), true, now),
            Revocation::Revoked(_)
        ));
        // Expired CRL: unknown, not revoked.
        let revoked = pki
            .crl(&[&leaf.certificate], now + Duration::from_secs(3600))
            .expect("crl");
        assert!(matches!(
            check_revocation(&chain, &anchors, &l(revoked), true, now + Duration::from_secs(7200)),
            Revocation::Unknown(d) if d.contains("expired")
        ));
        // A CRL signed by another CA with the same name does not count.
        let other = Pki::new_root("Test CA", KeyKind::EcP256).expect("ca");
        let forged = other
            .crl(&[&leaf.certificate], now + Duration::from_secs(3600))
            .expect("crl");
        assert!(matches!(
            check_revocation(&chain, &anchors, &l(forged), true, now),
            Revocation::Unknown(d) if d.contains("does not verify")
        ));
    }
}
