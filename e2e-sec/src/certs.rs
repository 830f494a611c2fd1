//! Certificate checks of the handshake (IEC 62351-4 Annex G; F-1142, F-1162..F-1164;
//! ASSUMPTIONS.md U-14, U-15, U-17): parse, validity against the provider's clock, key usage,
//! key type and size, path to a configured anchor (openssl `X509Store`), and the subject's
//! X.520 objectIdentifier (2.5.4.106) for the OSI address binding.

use std::time::SystemTime;

use openssl::asn1::Asn1Time;
use openssl::pkey::{Id, PKey, Public};
use openssl::stack::Stack;
use openssl::x509::store::{X509Store, X509StoreBuilder};
use openssl::x509::verify::X509VerifyFlags;
use openssl::x509::{X509KeyUsage, X509StoreContext, X509};

use crate::pdu::HandshakeDiagnostic;

/// The trust anchors, built once per factory.
pub struct TrustStore {
    store: X509Store,
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
        Ok(TrustStore { store: b.build() })
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

/// Checks a peer's end-entity certificate and path at time `now`: Annex G profile
/// (digitalSignature in keyUsage when present, RSA ≥ 2048 or EC ≥ 256 bits), validity, and a
/// path to an anchor. Errors name the HandshakeDiagnostic to report.
pub fn check_certificate(
    store: &TrustStore,
    cert_der: &[u8],
    path: &[&[u8]],
    now: SystemTime,
) -> Result<PeerCertificate, HandshakeDiagnostic> {
    use HandshakeDiagnostic::{InvalidCertificationPath, InvalidPublicKeyCertificate};
    let cert = X509::from_der(cert_der).map_err(|_| InvalidPublicKeyCertificate)?;
    let now_t = Asn1Time::from_unix(unix(now)).map_err(|_| InvalidPublicKeyCertificate)?;
    if !within_validity(&cert, &now_t) {
        return Err(InvalidPublicKeyCertificate);
    }
    if let Some(ku) = cert.key_usage() {
        if !ku.contains(X509KeyUsage::DIGITAL_SIGNATURE) {
            return Err(InvalidPublicKeyCertificate);
        }
    }
    let pk = cert.public_key().map_err(|_| InvalidPublicKeyCertificate)?;
    let strong = match pk.id() {
        Id::RSA => pk.bits() >= 2048,
        Id::EC => pk.bits() >= 256,
        _ => false,
    };
    if !strong {
        return Err(InvalidPublicKeyCertificate);
    }
    let mut chain = Stack::new().map_err(|_| InvalidCertificationPath)?;
    for p in path {
        let c = X509::from_der(p).map_err(|_| InvalidCertificationPath)?;
        if !within_validity(&c, &now_t) {
            return Err(InvalidCertificationPath);
        }
        chain.push(c).map_err(|_| InvalidCertificationPath)?;
    }
    let mut ctx = X509StoreContext::new().map_err(|_| InvalidCertificationPath)?;
    let ok = ctx
        .init(&store.store, &cert, &chain, |c| c.verify_cert())
        .unwrap_or(false);
    if !ok {
        return Err(InvalidCertificationPath);
    }
    Ok(PeerCertificate {
        der: cert_der.to_vec(),
        key: pk,
    })
}

/// A peer's end-entity certificate as a provider keeps it once checked: the octets it sent and
/// the public key its signatures are verified with.
#[derive(Clone)]
pub struct PeerCertificate {
    /// The certificate, DER, as received.
    pub der: Vec<u8>,
    /// Its subject public key.
    pub key: PKey<Public>,
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
    /// before [`check_certificate`] judges the certificate, in the U-14 order).
    pub fn public_key(cert_der: &[u8]) -> Result<PKey<Public>, HandshakeDiagnostic> {
        X509::from_der(cert_der)
            .and_then(|c| c.public_key())
            .map_err(|_| HandshakeDiagnostic::InvalidPublicKeyCertificate)
    }

    /// The subject in one line, for logs and [`acse::security::AuthenticatedPeer`].
    pub fn subject_line(&self) -> String {
        X509::from_der(&self.der)
            .map(|c| acse::security::subject_line(&c))
            .unwrap_or_default()
    }
}

/// The dotted value of the subject's X.520 objectIdentifier attribute (2.5.4.106), read from
/// the DER: an OBJECT IDENTIFIER value, or a UTF8String holding a dotted OID (spec notes E-12).
pub fn subject_object_identifier(cert_der: &[u8]) -> Option<String> {
    acse::security::subject_object_identifier(cert_der)
}
