//! A small certificate authority for tests and the demo: root and intermediate CAs, end-entity
//! certificates following the IEC 62351-4 Annex G / IEC 62351-3 profile (X.509 v3, 128-bit
//! random serial numbers, SHA-256 signatures, key usage, an X.520 `objectIdentifier`
//! (2.5.4.106) subject attribute for the OSI AP-title binding of Annex G.6.2), and CRLs
//! (RFC 5280 §5). Everything is generated with the `openssl` crate at run time, so no private key
//! ever needs to be stored in the repository.
//!
//! The knobs exist to make bad certificates on purpose (expired, RSA-1024, wrong key usage,
//! over 8192 octets, revoked) for the refusal tests of the T-profile, the A-security-profile and
//! end-to-end security.

use std::fs;
use std::io;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use openssl::asn1::{Asn1Integer, Asn1Object, Asn1OctetString, Asn1Time};
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::error::ErrorStack;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rand::rand_bytes;
use openssl::rsa::Rsa;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::{X509Crl, X509CrlBuilder, X509Extension, X509Name, X509RevokedBuilder, X509};

/// Why a certificate, key or CRL could not be made or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PkiError {
    /// openssl refused an operation.
    #[error("openssl: {0}")]
    Openssl(#[from] ErrorStack),
    /// A file could not be written.
    #[error("i/o: {0}")]
    Io(#[from] io::Error),
    /// A parameter is out of range (e.g. a time before 1970, an invalid dotted OID).
    #[error("invalid parameter: {0}")]
    Invalid(String),
}

/// The kind and size of a generated key (IEC 62351-3 §5.6: RSA ≥ 2048 bits, ECDSA on
/// secp256r1 or brainpoolP256r1; smaller sizes exist to test refusals).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// RSA with this many bits (public exponent 65537).
    Rsa(u32),
    /// ECDSA on secp256r1 (prime256v1).
    EcP256,
    /// ECDSA on brainpoolP256r1.
    BrainpoolP256,
    /// ECDSA on secp384r1: outside the IEC 62351-4 Annex G.5.2 profile (secp256r1 or
    /// brainpoolP256r1 only), to test its refusal.
    EcP384,
}

impl KeyKind {
    /// Generates a key pair of this kind.
    pub fn generate(self) -> Result<PKey<Private>, PkiError> {
        Ok(match self {
            KeyKind::Rsa(bits) => PKey::from_rsa(Rsa::generate(bits)?)?,
            KeyKind::EcP256 => {
                let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
                PKey::from_ec_key(EcKey::generate(&group)?)?
            }
            KeyKind::EcP384 => {
                let group = EcGroup::from_curve_name(Nid::SECP384R1)?;
                PKey::from_ec_key(EcKey::generate(&group)?)?
            }
            KeyKind::BrainpoolP256 => {
                let group = EcGroup::from_curve_name(Nid::BRAINPOOL_P256R1)?;
                PKey::from_ec_key(EcKey::generate(&group)?)?
            }
        })
    }
}

/// The keyUsage bits of a certificate (RFC 5280 §4.2.1.3). Annex G asks for digitalSignature and
/// keyAgreement on end-entity certificates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyUsageBits {
    /// digitalSignature (0).
    pub digital_signature: bool,
    /// keyEncipherment (2): RSA key transport in TLS 1.2.
    pub key_encipherment: bool,
    /// keyAgreement (4).
    pub key_agreement: bool,
    /// keyCertSign (5): CAs only.
    pub key_cert_sign: bool,
    /// cRLSign (6): CAs only.
    pub crl_sign: bool,
}

impl KeyUsageBits {
    /// digitalSignature + keyEncipherment + keyAgreement: usable for TLS (any key exchange),
    /// the A-security-profile and end-to-end security.
    pub fn end_entity() -> KeyUsageBits {
        KeyUsageBits {
            digital_signature: true,
            key_encipherment: true,
            key_agreement: true,
            ..Default::default()
        }
    }

    /// keyCertSign + cRLSign.
    pub fn ca() -> KeyUsageBits {
        KeyUsageBits {
            key_cert_sign: true,
            crl_sign: true,
            ..Default::default()
        }
    }

    fn extension(&self) -> Result<Option<X509Extension>, ErrorStack> {
        if *self == KeyUsageBits::default() {
            return Ok(None);
        }
        let mut ku = KeyUsage::new();
        ku.critical();
        if self.digital_signature {
            ku.digital_signature();
        }
        if self.key_encipherment {
            ku.key_encipherment();
        }
        if self.key_agreement {
            ku.key_agreement();
        }
        if self.key_cert_sign {
            ku.key_cert_sign();
        }
        if self.crl_sign {
            ku.crl_sign();
        }
        ku.build().map(Some)
    }
}

/// A certificate with its private key and the CA certificates above it (issuer first, root
/// excluded).
#[derive(Clone)]
pub struct Credential {
    /// The certificate.
    pub certificate: X509,
    /// Its private key.
    pub key: PKey<Private>,
    /// The intermediate CA certificates from the issuer up (without the root).
    pub chain: Vec<X509>,
}

impl std::fmt::Debug for Credential {
    /// Shows the subject only: never the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("subject", &self.certificate.subject_name())
            .field("chain", &self.chain.len())
            .finish_non_exhaustive()
    }
}

impl Credential {
    /// The certificate, DER-encoded.
    pub fn cert_der(&self) -> Result<Vec<u8>, PkiError> {
        Ok(self.certificate.to_der()?)
    }

    /// The certificate, PEM-encoded.
    pub fn cert_pem(&self) -> Result<Vec<u8>, PkiError> {
        Ok(self.certificate.to_pem()?)
    }

    /// The certificate followed by its chain, PEM-encoded (what a TLS peer sends).
    pub fn chain_pem(&self) -> Result<Vec<u8>, PkiError> {
        let mut out = self.certificate.to_pem()?;
        for c in &self.chain {
            out.extend_from_slice(&c.to_pem()?);
        }
        Ok(out)
    }

    /// The private key, PKCS#8 PEM (unencrypted: test and demo use only).
    pub fn key_pem(&self) -> Result<Vec<u8>, PkiError> {
        Ok(self.key.private_key_to_pem_pkcs8()?)
    }

    /// Writes `<stem>.crt` (certificate and chain, PEM) and `<stem>.key` (PEM, mode 0600 on Unix)
    /// into `dir`, and returns their paths.
    pub fn write_pem(&self, dir: &Path, stem: &str) -> Result<(PathBuf, PathBuf), PkiError> {
        let cert = dir.join(format!("{stem}.crt"));
        let key = dir.join(format!("{stem}.key"));
        fs::write(&cert, self.chain_pem()?)?;
        write_private(&key, &self.key_pem()?)?;
        Ok((cert, key))
    }
}

#[cfg(unix)]
fn write_private(path: &Path, data: &[u8]) -> io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(data)
}

#[cfg(not(unix))]
fn write_private(path: &Path, data: &[u8]) -> io::Result<()> {
    fs::write(path, data)
}

/// What an end-entity certificate should look like. [`LeafSpec::new`] gives a valid IEC 62351
/// profile certificate; the fields and builder methods make deliberately bad ones.
#[derive(Debug, Clone)]
pub struct LeafSpec {
    /// The subject commonName.
    pub common_name: String,
    /// The value of an X.520 `objectIdentifier` (2.5.4.106) subject attribute, dotted
    /// (IEC 62351-4 Annex G.6.2: AP-title with the AE-qualifier as the last arc).
    pub object_identifier: Option<String>,
    /// Encode that value as a UTF8String holding the dotted OID (`true`, what
    /// [`LeafSpec::with_object_identifier`] sets) or as an OBJECT IDENTIFIER (`false`, the X.520
    /// attribute syntax). OpenSSL 3 cannot decode a name attribute with an OBJECT IDENTIFIER
    /// value (its X509_NAME entries are strings: `d2i` fails with "mstring wrong tag"), so
    /// [`Pki::issue`] fails for `false`; deployed peers use the UTF8String form for the same
    /// reason (docs/facts.md F-922, E-12), and verifiers in this project accept both.
    pub object_identifier_utf8: bool,
    /// The value of an X.520 `jid` (2.5.4.105, UTF8String) subject attribute: the bare JID
    /// an IEC 62351-4 end point of the XMPP environment is bound to (the XMPP analogue of
    /// `object_identifier`).
    pub jid: Option<String>,
    /// The key to generate.
    pub key: KeyKind,
    /// notBefore.
    pub not_before: SystemTime,
    /// notAfter.
    pub not_after: SystemTime,
    /// keyUsage (no extension when all bits are clear).
    pub key_usage: KeyUsageBits,
    /// extendedKeyUsage id-kp-serverAuth.
    pub server_auth: bool,
    /// extendedKeyUsage id-kp-clientAuth.
    pub client_auth: bool,
    /// subjectAltName dNSName entries.
    pub dns_names: Vec<String>,
    /// subjectAltName iPAddress entries.
    pub ip_addresses: Vec<IpAddr>,
    /// Octets of an extra non-critical private extension, to make certificates of a given size
    /// (e.g. over the 8192-octet limit of IEC 62351-3).
    pub padding: usize,
    /// cRLDistributionPoints URIs (RFC 5280 §4.2.1.13), e.g. `http://host/ca.crl`.
    pub crl_urls: Vec<String>,
    /// authorityInfoAccess id-ad-ocsp URIs (RFC 5280 §4.2.2.1): the OCSP responder.
    pub ocsp_urls: Vec<String>,
    /// extendedKeyUsage id-kp-OCSPSigning (RFC 6960 §4.2.2.2): a delegated OCSP responder.
    pub ocsp_signing: bool,
}

impl LeafSpec {
    /// RSA-2048, valid from an hour ago for 365 days, keyUsage digitalSignature +
    /// keyEncipherment + keyAgreement, serverAuth + clientAuth, DNS `localhost`, IP 127.0.0.1.
    pub fn new(common_name: &str) -> LeafSpec {
        let now = SystemTime::now();
        LeafSpec {
            common_name: common_name.to_string(),
            object_identifier: None,
            object_identifier_utf8: false,
            jid: None,
            key: KeyKind::Rsa(2048),
            not_before: now - std::time::Duration::from_secs(3600),
            not_after: now + std::time::Duration::from_secs(365 * 86_400),
            key_usage: KeyUsageBits::end_entity(),
            server_auth: true,
            client_auth: true,
            dns_names: vec!["localhost".to_string()],
            ip_addresses: vec![IpAddr::from([127, 0, 0, 1])],
            padding: 0,
            crl_urls: Vec::new(),
            ocsp_urls: Vec::new(),
            ocsp_signing: false,
        }
    }

    /// With a cRLDistributionPoints URI.
    pub fn with_crl_url(mut self, url: &str) -> LeafSpec {
        self.crl_urls.push(url.to_string());
        self
    }

    /// With an authorityInfoAccess OCSP responder URI.
    pub fn with_ocsp_url(mut self, url: &str) -> LeafSpec {
        self.ocsp_urls.push(url.to_string());
        self
    }

    /// An OCSP responder certificate (RFC 6960 §4.2.2.2): extendedKeyUsage id-kp-OCSPSigning
    /// only, keyUsage digitalSignature, no subjectAltName.
    pub fn ocsp_responder(common_name: &str) -> LeafSpec {
        let mut s = LeafSpec::new(common_name);
        s.server_auth = false;
        s.client_auth = false;
        s.ocsp_signing = true;
        s.dns_names.clear();
        s.ip_addresses.clear();
        s.key_usage = KeyUsageBits {
            digital_signature: true,
            ..KeyUsageBits::default()
        };
        s
    }

    /// With another key kind.
    pub fn with_key(mut self, key: KeyKind) -> LeafSpec {
        self.key = key;
        self
    }

    /// With another validity period.
    pub fn with_validity(mut self, not_before: SystemTime, not_after: SystemTime) -> LeafSpec {
        self.not_before = not_before;
        self.not_after = not_after;
        self
    }

    /// With a `jid` (2.5.4.105) subject attribute holding the bare JID `jid`
    /// (`user@domain`), as a UTF8String.
    pub fn with_jid(mut self, jid: &str) -> LeafSpec {
        self.jid = Some(jid.to_string());
        self
    }

    /// With a 2.5.4.106 subject attribute holding `oid` (dotted), as a UTF8String (see
    /// [`LeafSpec::object_identifier_utf8`]).
    pub fn with_object_identifier(mut self, oid: &str) -> LeafSpec {
        self.object_identifier = Some(oid.to_string());
        self.object_identifier_utf8 = true;
        self
    }

    /// With other keyUsage bits.
    pub fn with_key_usage(mut self, bits: KeyUsageBits) -> LeafSpec {
        self.key_usage = bits;
        self
    }

    /// With `octets` of padding extension.
    pub fn with_padding(mut self, octets: usize) -> LeafSpec {
        self.padding = octets;
        self
    }
}

/// A certificate authority: a root ([`Pki::new_root`]) or an intermediate
/// ([`Pki::intermediate`]).
#[derive(Debug, Clone)]
pub struct Pki {
    ca: Credential,
}

impl Pki {
    /// A self-signed root CA named `common_name`, valid for ten years from a day ago.
    pub fn new_root(common_name: &str, key: KeyKind) -> Result<Pki, PkiError> {
        let key = key.generate()?;
        let name = simple_name(common_name)?;
        let now = SystemTime::now();
        let mut b = X509::builder()?;
        b.set_version(2)?;
        let serial = random_serial()?;
        b.set_serial_number(&serial)?;
        b.set_subject_name(&name)?;
        b.set_issuer_name(&name)?;
        b.set_pubkey(&key)?;
        let not_before = asn1_time(now - std::time::Duration::from_secs(86_400))?;
        b.set_not_before(&not_before)?;
        let not_after = asn1_time(now + std::time::Duration::from_secs(10 * 365 * 86_400))?;
        b.set_not_after(&not_after)?;
        b.append_extension(BasicConstraints::new().critical().ca().build()?)?;
        if let Some(ku) = KeyUsageBits::ca().extension()? {
            b.append_extension(ku)?;
        }
        let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(None, None))?;
        b.append_extension(ski)?;
        b.sign(&key, MessageDigest::sha256())?;
        Ok(Pki {
            ca: Credential {
                certificate: b.build(),
                key,
                chain: Vec::new(),
            },
        })
    }

    /// The CA's own certificate and key.
    pub fn ca(&self) -> &Credential {
        &self.ca
    }

    /// An intermediate CA under this one (RSA-2048).
    pub fn intermediate(&self, common_name: &str) -> Result<Pki, PkiError> {
        let key = KeyKind::Rsa(2048).generate()?;
        let now = SystemTime::now();
        let mut b = X509::builder()?;
        b.set_version(2)?;
        let serial = random_serial()?;
        b.set_serial_number(&serial)?;
        let subject = simple_name(common_name)?;
        b.set_subject_name(&subject)?;
        b.set_issuer_name(self.ca.certificate.subject_name())?;
        b.set_pubkey(&key)?;
        let not_before = asn1_time(now - std::time::Duration::from_secs(86_400))?;
        b.set_not_before(&not_before)?;
        let not_after = asn1_time(now + std::time::Duration::from_secs(5 * 365 * 86_400))?;
        b.set_not_after(&not_after)?;
        b.append_extension(BasicConstraints::new().critical().ca().pathlen(0).build()?)?;
        if let Some(ku) = KeyUsageBits::ca().extension()? {
            b.append_extension(ku)?;
        }
        let ski = SubjectKeyIdentifier::new()
            .build(&b.x509v3_context(Some(&self.ca.certificate), None))?;
        b.append_extension(ski)?;
        let aki = AuthorityKeyIdentifier::new()
            .keyid(false)
            .build(&b.x509v3_context(Some(&self.ca.certificate), None))?;
        b.append_extension(aki)?;
        b.sign(&self.ca.key, MessageDigest::sha256())?;
        let mut chain = vec![self.ca.certificate.clone()];
        chain.extend(self.ca.chain.iter().cloned());
        // The root is not part of a chain a peer sends.
        if self.ca.chain.is_empty() {
            chain.clear();
        }
        Ok(Pki {
            ca: Credential {
                certificate: b.build(),
                key,
                chain,
            },
        })
    }

    /// An end-entity certificate as `spec` describes, signed by this CA with SHA-256.
    pub fn issue(&self, spec: &LeafSpec) -> Result<Credential, PkiError> {
        let key = spec.key.generate()?;
        let mut b = X509::builder()?;
        b.set_version(2)?;
        let serial = random_serial()?;
        b.set_serial_number(&serial)?;
        let subject = leaf_name(spec)?;
        b.set_subject_name(&subject)?;
        b.set_issuer_name(self.ca.certificate.subject_name())?;
        b.set_pubkey(&key)?;
        let not_before = asn1_time(spec.not_before)?;
        b.set_not_before(&not_before)?;
        let not_after = asn1_time(spec.not_after)?;
        b.set_not_after(&not_after)?;
        b.append_extension(BasicConstraints::new().build()?)?;
        if let Some(ku) = spec.key_usage.extension()? {
            b.append_extension(ku)?;
        }
        if spec.server_auth || spec.client_auth || spec.ocsp_signing {
            let mut eku = ExtendedKeyUsage::new();
            if spec.server_auth {
                eku.server_auth();
            }
            if spec.client_auth {
                eku.client_auth();
            }
            if spec.ocsp_signing {
                eku.other("OCSPSigning");
            }
            b.append_extension(eku.build()?)?;
        }
        if !spec.dns_names.is_empty() || !spec.ip_addresses.is_empty() {
            let mut san = SubjectAlternativeName::new();
            for d in &spec.dns_names {
                san.dns(d);
            }
            for ip in &spec.ip_addresses {
                san.ip(&ip.to_string());
            }
            let ext = san.build(&b.x509v3_context(Some(&self.ca.certificate), None))?;
            b.append_extension(ext)?;
        }
        let aki = AuthorityKeyIdentifier::new()
            .keyid(false)
            .build(&b.x509v3_context(Some(&self.ca.certificate), None))?;
        b.append_extension(aki)?;
        if !spec.crl_urls.is_empty() {
            // CRLDistributionPoints ::= SEQUENCE OF DistributionPoint; each
            // DistributionPoint { distributionPoint [0] { fullName [0] GeneralNames } } with one
            // uniformResourceIdentifier [6].
            let mut dps = Vec::new();
            for u in &spec.crl_urls {
                let full_name = der_tlv(0xA0, &der_tlv(0x86, u.as_bytes()));
                dps.extend(der_tlv(0x30, &der_tlv(0xA0, &full_name)));
            }
            let oid = Asn1Object::from_str("2.5.29.31")?;
            let contents = Asn1OctetString::new_from_bytes(&der_tlv(0x30, &dps))?;
            b.append_extension(X509Extension::new_from_der(&oid, false, &contents)?)?;
        }
        if !spec.ocsp_urls.is_empty() {
            // AuthorityInfoAccessSyntax ::= SEQUENCE OF AccessDescription { accessMethod
            // id-ad-ocsp (1.3.6.1.5.5.7.48.1), accessLocation [6] URI }.
            const ID_AD_OCSP: &[u8] = &[0x06, 0x08, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01];
            let mut ads = Vec::new();
            for u in &spec.ocsp_urls {
                let mut ad = ID_AD_OCSP.to_vec();
                ad.extend(der_tlv(0x86, u.as_bytes()));
                ads.extend(der_tlv(0x30, &ad));
            }
            let oid = Asn1Object::from_str("1.3.6.1.5.5.7.1.1")?;
            let contents = Asn1OctetString::new_from_bytes(&der_tlv(0x30, &ads))?;
            b.append_extension(X509Extension::new_from_der(&oid, false, &contents)?)?;
        }
        if spec.padding > 0 {
            // A private-arc extension (an OCTET STRING of zeros) that nothing interprets.
            let oid = Asn1Object::from_str("1.3.6.1.4.1.99999.62351.1")?;
            let value = der_tlv(0x04, &vec![0u8; spec.padding]);
            let contents = Asn1OctetString::new_from_bytes(&value)?;
            b.append_extension(X509Extension::new_from_der(&oid, false, &contents)?)?;
        }
        b.sign(&self.ca.key, MessageDigest::sha256())?;
        let mut chain = Vec::new();
        if !self.ca.chain.is_empty() || !is_self_signed(&self.ca.certificate) {
            chain.push(self.ca.certificate.clone());
            chain.extend(self.ca.chain.iter().cloned());
        }
        Ok(Credential {
            certificate: b.build(),
            key,
            chain,
        })
    }

    /// A CRL (RFC 5280 §5, version 2) issued by this CA listing `revoked`, with thisUpdate an
    /// hour ago and the given nextUpdate.
    pub fn crl(&self, revoked: &[&X509], next_update: SystemTime) -> Result<X509Crl, PkiError> {
        let now = SystemTime::now();
        let mut b = X509CrlBuilder::new()?;
        b.set_issuer_name(self.ca.certificate.subject_name())?;
        let last = asn1_time(now - std::time::Duration::from_secs(3600))?;
        b.set_last_update(&last)?;
        let next = asn1_time(next_update)?;
        b.set_next_update(&next)?;
        for cert in revoked {
            let mut r = X509RevokedBuilder::new()?;
            r.set_serial_number(cert.serial_number())?;
            let when = asn1_time(now - std::time::Duration::from_secs(60))?;
            r.set_revocation_date(&when)?;
            b.add_revoked(r.build())?;
        }
        // RFC 5280 §5.2.1: authorityKeyIdentifier { keyIdentifier [0] } naming the CA's key.
        let ski = self
            .ca
            .certificate
            .subject_key_id()
            .ok_or_else(|| PkiError::Invalid("the CA has no subjectKeyIdentifier".into()))?;
        let aki = der_tlv(0x30, &der_tlv(0x80, ski.as_slice()));
        let oid = Asn1Object::from_str("2.5.29.35")?;
        let contents = Asn1OctetString::new_from_bytes(&aki)?;
        b.append_extension(X509Extension::new_from_der(&oid, false, &contents)?)?;
        // §5.2.3: cRLNumber, monotonically increasing: the issuing time in nanoseconds.
        let number = now
            .duration_since(UNIX_EPOCH)
            .map_err(|_| PkiError::Invalid("time before 1970".into()))?
            .as_nanos() as u64;
        let mut int = number.to_be_bytes().to_vec();
        while int.len() > 1 && int[0] == 0 && int[1] & 0x80 == 0 {
            int.remove(0);
        }
        if int[0] & 0x80 != 0 {
            int.insert(0, 0);
        }
        let oid = Asn1Object::from_str("2.5.29.20")?;
        let contents = Asn1OctetString::new_from_bytes(&der_tlv(0x02, &int))?;
        b.append_extension(X509Extension::new_from_der(&oid, false, &contents)?)?;
        b.sign(&self.ca.key, MessageDigest::sha256())?;
        Ok(b.build()?)
    }
}

fn is_self_signed(cert: &X509) -> bool {
    cert.subject_name()
        .to_der()
        .ok()
        .zip(cert.issuer_name().to_der().ok())
        .is_some_and(|(s, i)| s == i)
}

/// A positive 128-bit random serial number (IEC 62351-4 Annex G: a UUID-sized, non-sequential
/// value; the top bit is cleared so the INTEGER stays positive).
fn random_serial() -> Result<Asn1Integer, PkiError> {
    let mut bytes = [0u8; 16];
    rand_bytes(&mut bytes)?;
    bytes[0] &= 0x7f;
    bytes[0] |= 0x40; // never shorter than 16 octets
    Ok(BigNum::from_slice(&bytes)?.to_asn1_integer()?)
}

fn asn1_time(t: SystemTime) -> Result<Asn1Time, PkiError> {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map_err(|_| PkiError::Invalid("time before 1970".into()))?
        .as_secs();
    let secs = i64::try_from(secs).map_err(|_| PkiError::Invalid("time too far".into()))?;
    #[allow(clippy::useless_conversion)] // time_t is i64 here, i32 on some targets
    let t = secs
        .try_into()
        .map_err(|_| PkiError::Invalid("time out of range".into()))?;
    Ok(Asn1Time::from_unix(t)?)
}

fn simple_name(common_name: &str) -> Result<X509Name, PkiError> {
    let mut n = X509Name::builder()?;
    n.append_entry_by_nid(Nid::ORGANIZATIONNAME, "osi-mms test PKI")?;
    n.append_entry_by_nid(Nid::COMMONNAME, common_name)?;
    Ok(n.build())
}

/// The subject of a leaf: O, CN and (optionally) the 2.5.4.106 objectIdentifier and the
/// 2.5.4.105 jid attributes. The
/// name is assembled in DER here because openssl's name builder cannot give an attribute an
/// OBJECT IDENTIFIER value.
fn leaf_name(spec: &LeafSpec) -> Result<X509Name, PkiError> {
    let mut rdns = Vec::new();
    rdns.extend(rdn(
        &[0x55, 0x04, 0x0a],
        &der_tlv(0x0c, b"osi-mms test PKI"),
    ));
    rdns.extend(rdn(
        &[0x55, 0x04, 0x03],
        &der_tlv(0x0c, spec.common_name.as_bytes()),
    ));
    if let Some(oid) = &spec.object_identifier {
        let value = if spec.object_identifier_utf8 {
            der_tlv(0x0c, oid.as_bytes())
        } else {
            let obj = Asn1Object::from_str(oid)
                .map_err(|_| PkiError::Invalid(format!("not a dotted OID: {oid}")))?;
            der_tlv(0x06, obj.as_slice())
        };
        rdns.extend(rdn(&[0x55, 0x04, 0x6a], &value));
    }
    if let Some(jid) = &spec.jid {
        rdns.extend(rdn(&[0x55, 0x04, 0x69], &der_tlv(0x0c, jid.as_bytes())));
    }
    Ok(X509Name::from_der(&der_tlv(0x30, &rdns))?)
}

/// RelativeDistinguishedName ::= SET { AttributeTypeAndValue ::= SEQUENCE { type, value } }.
fn rdn(attribute_type: &[u8], value: &[u8]) -> Vec<u8> {
    let mut atv = der_tlv(0x06, attribute_type);
    atv.extend_from_slice(value);
    der_tlv(0x31, &der_tlv(0x30, &atv))
}

/// One DER TLV with a definite length.
fn der_tlv(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = contents.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(contents);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::ssl::SslFiletype;
    use openssl::stack::Stack;
    use openssl::x509::store::{X509Lookup, X509StoreBuilder};
    use openssl::x509::verify::X509VerifyFlags;
    use openssl::x509::X509StoreContext;

    fn verify(root: &X509, cert: &X509, chain: &[X509], crl: Option<&X509Crl>) -> bool {
        let mut sb = X509StoreBuilder::new().expect("store");
        sb.add_cert(root.clone()).expect("root");
        if let Some(crl) = crl {
            // openssl's store takes CRLs through a file lookup only.
            let path = std::env::temp_dir().join(format!(
                "cot-pki-crl-{}-{:?}.pem",
                std::process::id(),
                std::thread::current().id()
            ));
            fs::write(&path, crl.to_pem().expect("pem")).expect("write");
            let lookup = sb.add_lookup(X509Lookup::file()).expect("lookup");
            lookup
                .load_crl_file(&path, SslFiletype::PEM)
                .expect("load crl");
            let _ = fs::remove_file(&path);
            sb.set_flags(X509VerifyFlags::CRL_CHECK).expect("flags");
        }
        let store = sb.build();
        let mut untrusted = Stack::new().expect("stack");
        for c in chain {
            untrusted.push(c.clone()).expect("push");
        }
        let mut ctx = X509StoreContext::new().expect("ctx");
        ctx.init(&store, cert, &untrusted, |c| c.verify_cert())
            .expect("verify")
    }

    #[test]
    fn leaf_verifies_against_its_root_and_not_another() {
        let pki = Pki::new_root("root", KeyKind::Rsa(2048)).expect("root");
        let other = Pki::new_root("other", KeyKind::EcP256).expect("other");
        let leaf = pki.issue(&LeafSpec::new("leaf")).expect("leaf");
        assert!(verify(
            &pki.ca().certificate,
            &leaf.certificate,
            &leaf.chain,
            None
        ));
        assert!(!verify(
            &other.ca().certificate,
            &leaf.certificate,
            &leaf.chain,
            None
        ));
        assert_eq!(
            leaf.certificate
                .serial_number()
                .to_bn()
                .expect("bn")
                .num_bits(),
            127
        );
    }

    #[test]
    fn intermediate_chain_and_ec_leaf() {
        let root = Pki::new_root("root", KeyKind::EcP256).expect("root");
        let sub = root.intermediate("sub").expect("sub");
        let leaf = sub
            .issue(&LeafSpec::new("leaf").with_key(KeyKind::EcP256))
            .expect("leaf");
        assert_eq!(leaf.chain.len(), 1);
        assert!(verify(
            &root.ca().certificate,
            &leaf.certificate,
            &leaf.chain,
            None
        ));
        assert!(!verify(
            &root.ca().certificate,
            &leaf.certificate,
            &[],
            None
        ));
    }

    #[test]
    fn revoked_by_crl_and_expired_fail() {
        let pki = Pki::new_root("root", KeyKind::Rsa(2048)).expect("root");
        let good = pki.issue(&LeafSpec::new("good")).expect("good");
        let bad = pki.issue(&LeafSpec::new("bad")).expect("bad");
        let crl = pki
            .crl(
                &[&bad.certificate],
                SystemTime::now() + std::time::Duration::from_secs(86_400),
            )
            .expect("crl");
        assert!(verify(
            &pki.ca().certificate,
            &good.certificate,
            &[],
            Some(&crl)
        ));
        assert!(!verify(
            &pki.ca().certificate,
            &bad.certificate,
            &[],
            Some(&crl)
        ));
        let past = SystemTime::now() - std::time::Duration::from_secs(10 * 86_400);
        let expired = pki
            .issue(
                &LeafSpec::new("old")
                    .with_validity(past, past + std::time::Duration::from_secs(86_400)),
            )
            .expect("expired");
        assert!(!verify(
            &pki.ca().certificate,
            &expired.certificate,
            &[],
            None
        ));
    }

    #[test]
    fn object_identifier_subject_and_padding() {
        let pki = Pki::new_root("root", KeyKind::Rsa(2048)).expect("root");
        let leaf = pki
            .issue(
                &LeafSpec::new("ied")
                    .with_object_identifier("1.1.1.999.1.12")
                    .with_padding(9000),
            )
            .expect("leaf");
        let der = leaf.cert_der().expect("der");
        assert!(der.len() > 9000);
        // 06 03 55 04 6A (type 2.5.4.106) then 0C 0E "1.1.1.999.1.12" (UTF8String value).
        let needle = b"\x06\x03\x55\x04\x6a\x0c\x0e1.1.1.999.1.12";
        assert!(der.windows(needle.len()).any(|w| w == needle));
        assert!(verify(&pki.ca().certificate, &leaf.certificate, &[], None));
        // The OBJECT IDENTIFIER form cannot be represented by openssl (see the field's doc).
        let mut as_oid = LeafSpec::new("ied2").with_object_identifier("1.1.1.999.1.12");
        as_oid.object_identifier_utf8 = false;
        assert!(matches!(pki.issue(&as_oid), Err(PkiError::Openssl(_))));
    }

    #[test]
    fn rsa_1024_and_key_usage_are_as_asked() {
        let pki = Pki::new_root("root", KeyKind::Rsa(2048)).expect("root");
        let weak = pki
            .issue(&LeafSpec::new("weak").with_key(KeyKind::Rsa(1024)))
            .expect("weak");
        assert_eq!(weak.certificate.public_key().expect("pk").bits(), 1024);
        let no_ds = pki
            .issue(&LeafSpec::new("nods").with_key_usage(KeyUsageBits {
                key_encipherment: true,
                ..Default::default()
            }))
            .expect("nods");
        let text = no_ds.certificate.to_text().expect("text");
        let text = String::from_utf8_lossy(&text);
        assert!(text.contains("Key Encipherment"));
        assert!(!text.contains("Digital Signature"));
    }

    #[test]
    fn pem_files_are_written() {
        let dir = std::env::temp_dir().join(format!("cot-pki-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("dir");
        let pki = Pki::new_root("root", KeyKind::Rsa(2048)).expect("root");
        let leaf = pki.issue(&LeafSpec::new("leaf")).expect("leaf");
        let (cert, key) = leaf.write_pem(&dir, "leaf").expect("write");
        let back = X509::from_pem(&fs::read(&cert).expect("read")).expect("parse");
        assert_eq!(back.to_der().expect("der"), leaf.cert_der().expect("der"));
        let k = PKey::private_key_from_pem(&fs::read(&key).expect("read")).expect("key");
        assert!(k.public_eq(&leaf.key));
        let _ = fs::remove_dir_all(&dir);
    }
}
