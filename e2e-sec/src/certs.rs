//! Certificate checks of the handshake (IEC 62351-4 Annex G; F-1142, F-1162..F-1164;
//! ASSUMPTIONS.md U-14, U-15, U-17): parse, validity against the provider's clock, key usage,
//! key type and size, path to a configured anchor (openssl `X509Store`), and the subject's
//! X.520 objectIdentifier (2.5.4.106) for the OSI address binding.
//!
//! A certificate OpenSSL cannot parse (a subject whose 2.5.4.106 value is an OBJECT IDENTIFIER,
//! the X.520 syntax of Annex G.6.2; docs/facts.md E-12) is read with [`acse::certificate`] and
//! gets the same checks with the same diagnostics: validity, key usage and key from its DER, its
//! signature with the key of the issuer found among the anchors and the received certPath, and
//! the issuer's own path by OpenSSL.

use std::time::SystemTime;

use acse::certificate::Certificate;
use openssl::asn1::Asn1Time;
use openssl::pkey::{Id, PKey, Public};
use openssl::stack::Stack;
use openssl::x509::store::{X509Store, X509StoreBuilder};
use openssl::x509::verify::X509VerifyFlags;
use openssl::x509::{X509KeyUsage, X509StoreContext, X509};

use crate::pdu::HandshakeDiagnostic;

/// The trust anchors, built once per factory: an openssl store, and the anchors' DER for the
/// issuer search of certificates OpenSSL cannot parse.
pub struct TrustStore {
    store: X509Store,
    anchors: Vec<X509>,
    anchors_der: Vec<Vec<u8>>,
}

impl std::fmt::Debug for TrustStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TrustStore")
    }
}

impl TrustStore {
    /// A store of `anchors`. Time is checked by [`check_certificate`] against the provider's
    /// clock, so openssl's own time check is off.
    pub fn new(anchors: &[X509]) -> Result<TrustStore, String> {
        let mut b = X509StoreBuilder::new().map_err(|e| e.to_string())?;
        for a in anchors {
            b.add_cert(a.clone()).map_err(|e| e.to_string())?;
        }
        b.set_flags(X509VerifyFlags::NO_CHECK_TIME)
            .map_err(|e| e.to_string())?;
        let anchors_der = anchors
            .iter()
            .map(|a| a.to_der().map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TrustStore {
            store: b.build(),
            anchors: anchors.to_vec(),
            anchors_der,
        })
    }
}

fn unix(t: SystemTime) -> i64 {
    crate::time::TimeStamp::millis_of(t) / 1000
}

fn within_validity(c: &X509, now: &Asn1Time) -> bool {
    matches!(
        c.not_before().compare(now),
        Ok(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
    ) && matches!(
        c.not_after().compare(now),
        Ok(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)
    )
}

/// The Annex G key profile: RSA of at least 2048 bits or EC of at least 256.
fn strong(pk: &PKey<Public>) -> bool {
    match pk.id() {
        Id::RSA => pk.bits() >= 2048,
        Id::EC => allowed_curve(pk),
        _ => false,
    }
}

/// IEC 62351-4 Annex G.5.2 (docs/facts.md F-1163): an EC subject public key only on secp256r1
/// or brainpoolP256r1.
pub fn allowed_curve(pk: &PKey<Public>) -> bool {
    use openssl::nid::Nid;
    pk.ec_key()
        .ok()
        .and_then(|k| k.group().curve_name())
        .is_some_and(|n| n == Nid::X9_62_PRIME256V1 || n == Nid::BRAINPOOL_P256R1)
}

/// What a peer's end-entity certificate says in keyUsage, against IEC 62351-4 Annex G.5.2
/// (docs/facts.md F-1163: present, with digitalSignature and keyAgreement).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyUsageProfile {
    /// Present with digitalSignature and keyAgreement.
    Conformant,
    /// No keyUsage extension.
    Absent,
    /// Present with digitalSignature but without keyAgreement.
    NoKeyAgreement,
    /// Present without digitalSignature ([`check_certificate`] refuses it in every case).
    NoDigitalSignature,
    /// The certificate does not parse.
    Unreadable,
}

/// The keyUsage of `cert_der` against Annex G.5.2 ([`KeyUsageProfile`]).
pub fn key_usage_profile(cert_der: &[u8]) -> KeyUsageProfile {
    let bits = match X509::from_der(cert_der) {
        Ok(c) => c.key_usage().map(|ku| {
            (
                ku.contains(X509KeyUsage::DIGITAL_SIGNATURE),
                ku.contains(X509KeyUsage::KEY_AGREEMENT),
            )
        }),
        Err(_) => match Certificate::parse(cert_der) {
            // keyAgreement is bit 4 (RFC 5280 §4.2.1.3).
            Ok(c) => c.key_usage.map(|ku| (ku.digital_signature(), ku.bit(4))),
            Err(_) => return KeyUsageProfile::Unreadable,
        },
    };
    match bits {
        None => KeyUsageProfile::Absent,
        Some((false, _)) => KeyUsageProfile::NoDigitalSignature,
        Some((true, false)) => KeyUsageProfile::NoKeyAgreement,
        Some((true, true)) => KeyUsageProfile::Conformant,
    }
}

/// Checks a peer's end-entity certificate and path at time `now`: Annex G profile
/// (digitalSignature in keyUsage when present — [`key_usage_profile`] judges the rest of
/// G.5.2 —, RSA ≥ 2048 or EC on secp256r1 / brainpoolP256r1), validity, and a
/// path to an anchor. Errors name the HandshakeDiagnostic to report. A certificate OpenSSL
/// cannot parse is checked from its DER ([`acse::certificate`]) with the same diagnostics.
pub fn check_certificate(
    store: &TrustStore,
    cert_der: &[u8],
    path: &[&[u8]],
    now: SystemTime,
) -> Result<PeerCertificate, HandshakeDiagnostic> {
    use HandshakeDiagnostic::{InvalidCertificationPath, InvalidPublicKeyCertificate};
    let now_t = Asn1Time::from_unix(unix(now)).map_err(|_| InvalidPublicKeyCertificate)?;
    let leaf = match X509::from_der(cert_der) {
        Ok(cert) => Leaf::Openssl(cert),
        Err(_) => Leaf::Der(Box::new(
            Certificate::parse(cert_der).map_err(|_| InvalidPublicKeyCertificate)?,
        )),
    };
    let valid = match &leaf {
        Leaf::Openssl(c) => within_validity(c, &now_t),
        Leaf::Der(c) => c.validity.check(now).is_ok(),
    };
    if !valid {
        return Err(InvalidPublicKeyCertificate);
    }
    let digital_signature = match &leaf {
        Leaf::Openssl(c) => c
            .key_usage()
            .map(|ku| ku.contains(X509KeyUsage::DIGITAL_SIGNATURE)),
        Leaf::Der(c) => c.key_usage.map(|ku| ku.digital_signature()),
    };
    if digital_signature == Some(false) {
        return Err(InvalidPublicKeyCertificate);
    }
    let pk = match &leaf {
        Leaf::Openssl(c) => c.public_key(),
        Leaf::Der(c) => PKey::public_key_from_der(c.subject_public_key_info),
    }
    .map_err(|_| InvalidPublicKeyCertificate)?;
    if !strong(&pk) {
        return Err(InvalidPublicKeyCertificate);
    }
    let mut chain = Stack::new().map_err(|_| InvalidCertificationPath)?;
    let mut path_certs = Vec::with_capacity(path.len());
    for p in path {
        let c = X509::from_der(p).map_err(|_| InvalidCertificationPath)?;
        if !within_validity(&c, &now_t) {
            return Err(InvalidCertificationPath);
        }
        path_certs.push(c.clone());
        chain.push(c).map_err(|_| InvalidCertificationPath)?;
    }
    // The certificate OpenSSL verifies up to an anchor: the leaf itself, or, for a leaf only the
    // DER view reads, its issuer once the leaf's signature verified with the issuer's key.
    let top = match &leaf {
        Leaf::Openssl(c) => c.clone(),
        Leaf::Der(c) => {
            if c.unhandled_critical_extension.is_some() {
                return Err(InvalidCertificationPath);
            }
            let candidates: Vec<&[u8]> = store
                .anchors_der
                .iter()
                .map(Vec::as_slice)
                .chain(path.iter().copied())
                .collect();
            let i = c
                .find_issuer(&candidates)
                .map_err(|_| InvalidCertificationPath)?;
            store
                .anchors
                .iter()
                .chain(&path_certs)
                .nth(i)
                .cloned()
                .ok_or(InvalidCertificationPath)?
        }
    };
    let mut ctx = X509StoreContext::new().map_err(|_| InvalidCertificationPath)?;
    let ok = ctx
        .init(&store.store, &top, &chain, |c| c.verify_cert())
        .unwrap_or(false);
    if !ok {
        return Err(InvalidCertificationPath);
    }
    Ok(PeerCertificate {
        der: cert_der.to_vec(),
        key: pk,
        path: path.iter().map(|p| p.to_vec()).collect(),
    })
}

/// The shared checker's verdict on a peer's certificate and received certPath (from its cache:
/// never waits on the network). A certificate OpenSSL cannot parse cannot be asked about
/// (OCSP and CRL lookups need OpenSSL's view): unavailable.
pub fn revocation_status(
    checker: &cot::revocation::RevocationChecker,
    cert_der: &[u8],
    path: &[&[u8]],
) -> cot::revocation::RevocationStatus {
    let Ok(leaf) = X509::from_der(cert_der) else {
        return cot::revocation::RevocationStatus::Unavailable {
            code: cot::revocation::events::NO_CRL,
            why: "certificate OpenSSL cannot parse: revocation not checked".into(),
        };
    };
    let mut chain = vec![leaf];
    chain.extend(path.iter().filter_map(|p| X509::from_der(p).ok()));
    checker.check_chain(&chain, false)
}

/// The leaf as read: by OpenSSL, or only by the DER view.
enum Leaf<'a> {
    Openssl(X509),
    Der(Box<Certificate<'a>>),
}

/// A peer's end-entity certificate as a provider keeps it once checked: the octets it sent and
/// the public key its signatures are verified with.
#[derive(Clone)]
pub struct PeerCertificate {
    /// The certificate, DER, as received.
    pub der: Vec<u8>,
    /// Its subject public key.
    pub key: PKey<Public>,
    /// The certPath received with it (DER, nearest CA first), kept so that the re-check of a
    /// long association asks about the whole chain.
    pub path: Vec<Vec<u8>>,
}

impl std::fmt::Debug for PeerCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeerCertificate")
            .field("octets", &self.der.len())
            .finish()
    }
}

impl PeerCertificate {
    /// The public key of `cert_der`, unchecked (the handshake verifies the signature with it
    /// before [`check_certificate`] judges the certificate, in the U-14 order): OpenSSL's
    /// parse, or the SubjectPublicKeyInfo of the DER view when OpenSSL cannot parse it.
    pub fn public_key(cert_der: &[u8]) -> Result<PKey<Public>, HandshakeDiagnostic> {
        match X509::from_der(cert_der) {
            Ok(c) => c.public_key().ok(),
            Err(_) => Certificate::parse(cert_der)
                .ok()
                .and_then(|c| PKey::public_key_from_der(c.subject_public_key_info).ok()),
        }
        .ok_or(HandshakeDiagnostic::InvalidPublicKeyCertificate)
    }

    /// The subject in one line, for logs and [`acse::security::AuthenticatedPeer`].
    pub fn subject_line(&self) -> String {
        acse::security::subject_line(&self.der)
    }
}

/// The dotted value of the subject's X.520 objectIdentifier attribute (2.5.4.106), read from
/// the DER: an OBJECT IDENTIFIER value, or a UTF8String holding a dotted OID (docs/facts.md E-12).
pub fn subject_object_identifier(cert_der: &[u8]) -> Option<String> {
    acse::security::subject_object_identifier(cert_der)
}

/// The subject's X.520 `jid` attribute (2.5.4.105, UTF8String): the XMPP address the
/// certificate is bound to, the XMPP analogue of the 2.5.4.106 AP-title binding (docs/facts.md
/// F-1207; ASSUMPTIONS.md XS-09). `None` when absent, not a UTF8String or not UTF-8; the first
/// occurrence counts.
pub fn subject_jid(cert_der: &[u8]) -> Option<String> {
    use acse::certificate::{der::Tag, Certificate};
    let c = Certificate::parse(cert_der).ok()?;
    let a = c
        .subject
        .attributes
        .iter()
        .find(|a| a.attribute_type.to_string() == "2.5.4.105")?;
    if a.tag != Tag::Utf8String {
        return None;
    }
    std::str::from_utf8(a.value).ok().map(str::to_owned)
}
