//! The cryptographic checks of the A-profile (IEC 62351-4 §11.2.3/§11.2.4; docs/facts.md F-911,
//! U-03, U-18), all with openssl: signing the time, verifying a signature, the certificate
//! path to the trust anchors with validity and revocation (RFC 5280 §6 through openssl's
//! X509_verify_cert, CRLs per RFC 5280 §6.3), key usage and key strength, and the subject's
//! objectIdentifier attribute (X.520 2.5.4.106, Annex G.6.2).
//!
//! A peer certificate OpenSSL cannot parse (a subject whose 2.5.4.106 value is an OBJECT
//! IDENTIFIER, the X.520 syntax; docs/facts.md E-12) is read with [`acse::certificate`] instead
//! ([`PeerCertificate::Der`]) and gets the same checks with the same events: its signature is
//! verified with the issuer's key found among the anchors and intermediates, the issuer's own
//! path by OpenSSL as usual, then validity, revocation, key usage and key strength from the DER
//! ([`TrustStore::verify_der`]).

use std::cmp::Ordering;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use acse::certificate::{Certificate, IssuerError, ValidityError};
use openssl::asn1::Asn1Integer;
use openssl::bn::BigNum;
use openssl::hash::MessageDigest;
use openssl::pkey::{HasPublic, Id, PKey, PKeyRef, Private, Public};
use openssl::sign::{Signer, Verifier};
use openssl::stack::Stack;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::verify::X509VerifyParam;
use openssl::x509::{
    CrlStatus, X509Crl, X509CrlRef, X509KeyUsage, X509NameRef, X509Ref, X509StoreContext, X509,
};

use crate::events;
use crate::value::MmsAuthenticationValue;

/// A failed check: the event code (see [`crate::events`]) and a reason for the local log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The event code.
    pub code: &'static str,
    /// Why, for the local log (never sent to the peer).
    pub reason: String,
}

impl Failure {
    /// A failure with `code` and `reason`.
    pub fn new(code: &'static str, reason: impl Into<String>) -> Failure {
        Failure {
            code,
            reason: reason.into(),
        }
    }
}

/// Signs `data` with SHA-256: RSASSA-PKCS1-v1_5 for an RSA key (sha256WithRSAEncryption,
/// IEC 62351-4 §11.2.2), ECDSA (DER Ecdsa-Sig-Value) for an EC key (the P-256 option).
pub fn sign(key: &PKeyRef<Private>, data: &[u8]) -> Result<Vec<u8>, openssl::error::ErrorStack> {
    let mut s = Signer::new(MessageDigest::sha256(), key)?;
    s.update(data)?;
    s.sign_to_vec()
}

fn verify_with<T: HasPublic>(key: &PKeyRef<T>, md: MessageDigest, data: &[u8], sig: &[u8]) -> bool {
    Verifier::new(md, key)
        .and_then(|mut v| {
            v.update(data)?;
            v.verify(sig)
        })
        .unwrap_or(false)
}

/// How a signature verified (docs/facts.md U-03, U-18).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureOutcome {
    /// SHA-256 over the GeneralizedTime contents octets (F-911): the conformant form.
    Conformant,
    /// SHA-256 over a TLV of the time (`81 L GT` or `18 L GT`): accepted, non-conformant.
    NonConformantTlv,
    /// SHA-1 from a peer configured as legacy (U-18).
    LegacySha1,
}

/// Verifies the signature of `value` with the certificate's key (U-03): the contents octets
/// first, then the `81` and `18` TLVs; SHA-1 only when `legacy_sha1` is set.
pub fn verify_signature<T: HasPublic>(
    key: &PKeyRef<T>,
    value: &MmsAuthenticationValue<'_>,
    legacy_sha1: bool,
) -> Result<SignatureOutcome, Failure> {
    let sig = value.signature;
    if verify_with(key, MessageDigest::sha256(), value.time, sig) {
        return Ok(SignatureOutcome::Conformant);
    }
    let mut universal = Vec::with_capacity(value.time.len() + 2);
    universal.push(0x18);
    // time is at most MAX_TIME_LEN (64) octets: a short-form length.
    universal.push(value.time.len() as u8);
    universal.extend_from_slice(value.time);
    for tlv in [value.time_tlv, universal.as_slice()] {
        if verify_with(key, MessageDigest::sha256(), tlv, sig) {
            return Ok(SignatureOutcome::NonConformantTlv);
        }
    }
    if legacy_sha1 && verify_with(key, MessageDigest::sha1(), value.time, sig) {
        return Ok(SignatureOutcome::LegacySha1);
    }
    Err(Failure::new(
        events::SIGNATURE_INVALID,
        "signature does not verify over the time",
    ))
}

/// Key strength (IEC 62351-4 §11.2.2: RSA >= 2048; ECDSA as an option; Annex G.5.2: EC keys on
/// secp256r1 or brainpoolP256r1 only): RSA of at least `min_rsa_bits`, or, when `allow_ec`, EC
/// on one of those two curves.
pub fn check_key<T: HasPublic>(
    key: &PKeyRef<T>,
    min_rsa_bits: u32,
    allow_ec: bool,
) -> Result<(), Failure> {
    match key.id() {
        Id::RSA if key.bits() >= min_rsa_bits => Ok(()),
        Id::RSA => Err(Failure::new(
            events::WEAK_KEY,
            format!("RSA key of {} bits (minimum {min_rsa_bits})", key.bits()),
        )),
        Id::EC if allow_ec && allowed_curve(key) => Ok(()),
        Id::EC if allow_ec => Err(Failure::new(
            events::WEAK_KEY,
            format!(
                "EC key of {} bits not on secp256r1 or brainpoolP256r1 (Annex G.5.2)",
                key.bits()
            ),
        )),
        Id::EC => Err(Failure::new(events::WEAK_KEY, "ECDSA not allowed")),
        other => Err(Failure::new(
            events::WEAK_KEY,
            format!("key type {other:?} not allowed"),
        )),
    }
}

/// An EC key on secp256r1 or brainpoolP256r1 (IEC 62351-4 Annex G.5.2).
fn allowed_curve<T: HasPublic>(key: &PKeyRef<T>) -> bool {
    use openssl::nid::Nid;
    key.ec_key()
        .ok()
        .and_then(|k| k.group().curve_name())
        .is_some_and(|n| n == Nid::X9_62_PRIME256V1 || n == Nid::BRAINPOOL_P256R1)
}

/// Key usage: when the extension is present it must hold digitalSignature (RFC 5280 §4.2.1.3).
pub fn check_key_usage(cert: &X509Ref) -> Result<(), Failure> {
    match cert.key_usage() {
        None => Ok(()),
        Some(ku) if ku.contains(X509KeyUsage::DIGITAL_SIGNATURE) => Ok(()),
        Some(_) => Err(key_usage_failure()),
    }
}

fn key_usage_failure() -> Failure {
    Failure::new(events::KEY_USAGE, "key usage without digitalSignature")
}

/// A peer's end-entity certificate as the checks read it: parsed by OpenSSL, or, only when
/// OpenSSL cannot parse it (an OBJECT IDENTIFIER-valued 2.5.4.106 subject attribute, the X.520
/// form of the IEC 62351-4 Annex G.6.2 binding), decoded with [`acse::certificate`].
pub enum PeerCertificate<'a> {
    /// OpenSSL parsed it: every check is OpenSSL's ([`TrustStore::verify`]).
    Openssl(X509),
    /// OpenSSL could not parse it: the DER view ([`TrustStore::verify_der`]).
    Der(Box<Certificate<'a>>),
}

impl std::fmt::Debug for PeerCertificate<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PeerCertificate::Openssl(_) => f.write_str("PeerCertificate::Openssl"),
            PeerCertificate::Der(c) => write!(f, "PeerCertificate::Der({})", c.subject.one_line()),
        }
    }
}

impl<'a> PeerCertificate<'a> {
    /// Parses `der` with OpenSSL, falling back to [`Certificate::parse`]; neither reading it is
    /// [`events::CERTIFICATE_INVALID`] with OpenSSL's error.
    pub fn parse(der: &'a [u8]) -> Result<PeerCertificate<'a>, Failure> {
        match X509::from_der(der) {
            Ok(c) => Ok(PeerCertificate::Openssl(c)),
            Err(e) => Certificate::parse(der)
                .map(|c| PeerCertificate::Der(Box::new(c)))
                .map_err(|d| {
                    Failure::new(
                        events::CERTIFICATE_INVALID,
                        format!("DER X.509: {e} (and {d})"),
                    )
                }),
        }
    }

    /// Key usage: digitalSignature when the extension is present (RFC 5280 §4.2.1.3).
    pub fn check_key_usage(&self) -> Result<(), Failure> {
        match self {
            PeerCertificate::Openssl(c) => check_key_usage(c),
            PeerCertificate::Der(c) => match c.key_usage {
                Some(k) if !k.digital_signature() => Err(key_usage_failure()),
                _ => Ok(()),
            },
        }
    }

    /// True when the certificate has a keyUsage extension (IEC 62351-4 Annex G.5.2 asks for
    /// one; [`PeerCertificate::check_key_usage`] judges its bits).
    pub fn has_key_usage(&self) -> bool {
        match self {
            PeerCertificate::Openssl(c) => c.key_usage().is_some(),
            PeerCertificate::Der(c) => c.key_usage.is_some(),
        }
    }

    /// The subject public key (from the SubjectPublicKeyInfo DER for [`PeerCertificate::Der`]).
    pub fn public_key(&self) -> Result<PKey<Public>, Failure> {
        match self {
            PeerCertificate::Openssl(c) => c.public_key(),
            PeerCertificate::Der(c) => PKey::public_key_from_der(c.subject_public_key_info),
        }
        .map_err(|e| Failure::new(events::CERTIFICATE_INVALID, format!("public key: {e}")))
    }
}

/// Trust material: anchors, untrusted intermediates, CRLs (IEC 62351-4 §11.2.3 certificate
/// checks). One instance is shared by every association of a factory.
#[derive(Clone, Default)]
pub struct TrustStore {
    /// Trust anchors (CA certificates).
    pub anchors: Vec<X509>,
    /// Intermediate CA certificates that may complete a path (not trusted by themselves).
    pub intermediates: Vec<X509>,
    /// Certificate revocation lists, checked for every certificate of the path.
    pub crls: Vec<Arc<X509Crl>>,
    /// The shared revocation checker (CRL distribution points, OCSP, more CRLs;
    /// [`cot::revocation`]), asked from its cache for every certificate of the path: revoked
    /// refuses with [`events::CERTIFICATE_REVOKED`]; revocation information that cannot be had
    /// is a warning with the checker's event and never refuses (IEC 62351-3).
    pub revocation: Option<cot::revocation::RevocationChecker>,
}

impl std::fmt::Debug for TrustStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustStore")
            .field("anchors", &self.anchors.len())
            .field("intermediates", &self.intermediates.len())
            .field("crls", &self.crls.len())
            .field("revocation", &self.revocation.is_some())
            .finish()
    }
}

/// The outcome of a successful path check: warnings to record (e.g. a stale CRL).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PathOk {
    /// Event codes to record as warnings.
    pub warnings: Vec<&'static str>,
}

fn unix_secs(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

fn verify_error(code: i32, text: &str) -> Failure {
    // X509_V_ERR_* numbers (openssl x509_vfy.h).
    let c = match code {
        9 => events::CERTIFICATE_NOT_YET_VALID,
        10 => events::CERTIFICATE_EXPIRED,
        23 => events::CERTIFICATE_REVOKED,
        _ => events::CERTIFICATE_UNTRUSTED,
    };
    Failure::new(c, format!("certificate path: {text} ({code})"))
}

/// The serialNumber contents octets (two's complement, RFC 5280 §4.1.2.2) as an openssl
/// INTEGER, for a CRL lookup.
fn serial_integer(contents: &[u8]) -> Result<Asn1Integer, openssl::error::ErrorStack> {
    let mut n = BigNum::from_slice(contents)?;
    if contents.first().is_some_and(|b| b & 0x80 != 0) {
        // Negative (non-conformant but seen): the unsigned reading minus 2^(8·len).
        let bits = i32::try_from(contents.len().saturating_mul(8)).unwrap_or(i32::MAX);
        let mut modulus = BigNum::new()?;
        modulus.set_bit(bits)?;
        let mut negative = BigNum::new()?;
        negative.checked_sub(&n, &modulus)?;
        n = negative;
    }
    n.to_asn1_integer()
}

impl TrustStore {
    /// Checks a peer certificate's path ([`TrustStore::verify`] or [`TrustStore::verify_der`],
    /// by how it was parsed).
    pub fn verify_peer(
        &self,
        cert: &PeerCertificate<'_>,
        now: SystemTime,
    ) -> Result<PathOk, Failure> {
        match cert {
            PeerCertificate::Openssl(c) => self.verify(c, now),
            PeerCertificate::Der(c) => self.verify_der(c, now),
        }
    }

    /// The checks of [`TrustStore::verify`] for a leaf OpenSSL cannot parse (RFC 5280 §6.1 for
    /// a path whose last certificate is read with [`acse::certificate`]): the issuer is the
    /// anchor or intermediate whose subject DER equals the leaf's issuer DER and whose key
    /// verifies the leaf's signature over the received TBSCertificate
    /// ([`Certificate::find_issuer`]); no unhandled critical extension; the issuer's own path
    /// by [`TrustStore::verify`] (validity, anchors, revocation); the leaf's validity at `now`;
    /// the leaf's revocation by issuer and serial number. Failures carry the same event codes
    /// and OpenSSL error numbers as the OpenSSL path.
    pub fn verify_der(&self, leaf: &Certificate<'_>, now: SystemTime) -> Result<PathOk, Failure> {
        let internal = |e: openssl::error::ErrorStack| {
            Failure::new(events::CERTIFICATE_UNTRUSTED, format!("openssl: {e}"))
        };
        let cas: Vec<&X509> = self.anchors.iter().chain(&self.intermediates).collect();
        let ders = cas
            .iter()
            .map(|c| c.to_der())
            .collect::<Result<Vec<_>, _>>()
            .map_err(internal)?;
        let refs: Vec<&[u8]> = ders.iter().map(Vec::as_slice).collect();
        let subject = leaf.subject.one_line();
        let issuer = match leaf.find_issuer(&refs) {
            Ok(i) => cas.get(i).copied().ok_or_else(|| {
                Failure::new(events::CERTIFICATE_UNTRUSTED, "issuer index out of range")
            })?,
            // OpenSSL's numbers: unable to get local issuer certificate (20), certificate
            // signature failure (7).
            Err(e @ IssuerError::NotFound) => return Err(verify_error(20, &e.to_string())),
            Err(e) => return Err(verify_error(7, &e.to_string())),
        };
        if let Some(ext) = leaf.unhandled_critical_extension {
            return Err(Failure::new(
                events::CERTIFICATE_UNTRUSTED,
                format!("certificate path: unhandled critical extension {ext} (34)"),
            ));
        }
        let mut ok = self.verify(issuer, now).map_err(|mut f| {
            f.reason = format!("issuer: {}", f.reason);
            f
        })?;
        leaf.validity.check(now).map_err(|e| match e {
            ValidityError::NotYetValid => verify_error(9, "certificate is not yet valid"),
            ValidityError::Expired => verify_error(10, "certificate has expired"),
        })?;
        let issuer_key = issuer.public_key().map_err(internal)?;
        let serial = serial_integer(leaf.serial).map_err(internal)?;
        self.revocation(
            |name| name.to_der().map(|d| d == leaf.issuer.der).unwrap_or(false),
            |crl| matches!(crl.get_by_serial(&serial), CrlStatus::Revoked(_)),
            || subject.clone(),
            &issuer_key,
            now,
            &mut ok,
        )?;
        Ok(ok)
    }

    /// Checks the path from `cert` to an anchor at time `now` (validity of every
    /// certificate), then revocation of every non-anchor certificate against the CRLs whose
    /// issuer and signature match its issuer.
    pub fn verify(&self, cert: &X509, now: SystemTime) -> Result<PathOk, Failure> {
        let internal = |e: openssl::error::ErrorStack| {
            Failure::new(events::CERTIFICATE_UNTRUSTED, format!("openssl: {e}"))
        };
        let mut b = X509StoreBuilder::new().map_err(internal)?;
        for a in &self.anchors {
            b.add_cert(a.clone()).map_err(internal)?;
        }
        let mut p = X509VerifyParam::new().map_err(internal)?;
        p.set_time(unix_secs(now) as _);
        b.set_param(&p).map_err(internal)?;
        let store = b.build();
        let mut untrusted = Stack::new().map_err(internal)?;
        for i in &self.intermediates {
            untrusted.push(i.clone()).map_err(internal)?;
        }
        let mut ctx = X509StoreContext::new().map_err(internal)?;
        let r = ctx
            .init(&store, cert, &untrusted, |c| {
                if c.verify_cert()? {
                    let chain: Vec<X509> = c
                        .chain()
                        .map(|s| s.iter().map(|x| x.to_owned()).collect())
                        .unwrap_or_default();
                    Ok(Ok(chain))
                } else {
                    let e = c.error();
                    Ok(Err(verify_error(e.as_raw(), e.error_string())))
                }
            })
            .map_err(internal)?;
        let chain = r?;
        let mut ok = PathOk::default();
        for pair in chain.windows(2) {
            let (subject, issuer) = (&pair[0], &pair[1]);
            let issuer_key = issuer.public_key().map_err(internal)?;
            self.check_revocation(subject, &issuer_key, now, &mut ok)?;
        }
        self.check_shared_revocation(&chain, &mut ok)?;
        Ok(ok)
    }

    /// The shared checker's verdict on a verified path (end entity first, anchor last).
    pub fn check_shared_revocation(&self, chain: &[X509], ok: &mut PathOk) -> Result<(), Failure> {
        let Some(checker) = &self.revocation else {
            return Ok(());
        };
        let status = checker.check_chain(chain, false);
        if status.is_revoked() {
            let who = chain
                .first()
                .map(|c| one_line_subject(c))
                .unwrap_or_default();
            return Err(Failure::new(
                events::CERTIFICATE_REVOKED,
                format!("certificate {status} ({who})"),
            ));
        }
        if let Some(code) = status.event_code() {
            if !ok.warnings.contains(&code) {
                ok.warnings.push(code);
            }
        }
        Ok(())
    }

    fn check_revocation(
        &self,
        cert: &X509,
        issuer_key: &PKey<Public>,
        now: SystemTime,
        ok: &mut PathOk,
    ) -> Result<(), Failure> {
        self.revocation(
            |name| {
                name.try_cmp(cert.issuer_name())
                    .map(|o| o == Ordering::Equal)
                    .unwrap_or(false)
            },
            |crl| matches!(crl.get_by_cert(cert), CrlStatus::Revoked(_)),
            || one_line_subject(cert),
            issuer_key,
            now,
            ok,
        )
    }

    /// Revocation of one certificate (RFC 5280 §6.3): every CRL whose issuer is the
    /// certificate's (`same_issuer`) and whose signature verifies with `issuer_key` is
    /// consulted (`revoked`); a CRL past its nextUpdate adds the stale warning.
    fn revocation(
        &self,
        same_issuer: impl Fn(&X509NameRef) -> bool,
        revoked: impl Fn(&X509CrlRef) -> bool,
        subject: impl Fn() -> String,
        issuer_key: &PKey<Public>,
        now: SystemTime,
        ok: &mut PathOk,
    ) -> Result<(), Failure> {
        let now_asn1 = openssl::asn1::Asn1Time::from_unix(unix_secs(now) as _).ok();
        for crl in &self.crls {
            if !same_issuer(crl.issuer_name()) || !crl.verify(issuer_key).unwrap_or(false) {
                continue;
            }
            if let (Some(next), Some(n)) = (crl.next_update(), now_asn1.as_ref()) {
                if next
                    .compare(n)
                    .map(|o| o == Ordering::Less)
                    .unwrap_or(false)
                    && !ok.warnings.contains(&events::CRL_STALE)
                {
                    ok.warnings.push(events::CRL_STALE);
                }
            }
            if revoked(crl) {
                return Err(Failure::new(
                    events::CERTIFICATE_REVOKED,
                    format!("certificate revoked ({})", subject()),
                ));
            }
        }
        Ok(())
    }
}

/// The subject's objectIdentifier (2.5.4.106) value in dotted form (Annex G.6.2); see
/// [`acse::security::subject_object_identifier`].
pub fn subject_object_identifier(cert_der: &[u8]) -> Option<String> {
    acse::security::subject_object_identifier(cert_der)
}

/// The subject in one line (see [`acse::security::subject_line`]).
pub fn one_line_subject(cert: &X509Ref) -> String {
    cert.to_der()
        .map(|d| acse::security::subject_line(&d))
        .unwrap_or_default()
}
