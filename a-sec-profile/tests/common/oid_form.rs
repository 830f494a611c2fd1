//! Test support shared by the A-profile and end-to-end security tests: end-entity certificates
//! whose subject carries the X.520 objectIdentifier attribute (2.5.4.106) with an OBJECT
//! IDENTIFIER value (IEC 62351-4 Annex G.6.2), which OpenSSL cannot issue or parse.
//!
//! [`issue`] has `cot::pki` issue a "twin" in the UTF8String form (any `LeafSpec`: expired,
//! RSA-1024, ...), then encodes with `der` a TBSCertificate with the same fields but a subject
//! `O, CN, 2.5.4.106 = OBJECT IDENTIFIER`, signs it with the CA's key (openssl, SHA-256) and
//! wraps it into a Certificate. Twin and OID form share key, serial number, validity and
//! extensions, so a CRL that lists the twin lists the OID form too, and the twin shows what
//! the OpenSSL path does with the same certificate.
#![allow(dead_code, clippy::unwrap_used)]

use acse::certificate::der::asn1::{AnyRef, BitStringRef, ObjectIdentifier, Utf8StringRef};
use acse::certificate::der::{Decode, Encode, Header, Reader, SliceReader, Tag};
use acse::certificate::Certificate;
use cot::pki::{Credential, LeafSpec, Pki};
use openssl::hash::MessageDigest;
use openssl::sign::Signer;

/// An OID-form certificate and its UTF8String-form twin.
pub struct OidForm {
    /// The certificate, DER, with the OBJECT IDENTIFIER-valued 2.5.4.106.
    pub der: Vec<u8>,
    /// The twin cot::pki issued (same key, serial, validity; UTF8String 2.5.4.106).
    pub twin: Credential,
}

fn tlv(tag: Tag, contents: &[u8]) -> Vec<u8> {
    AnyRef::new(tag, contents).unwrap().to_der().unwrap()
}

/// Name ::= SEQUENCE OF RDN { O, CN, 2.5.4.106 = OBJECT IDENTIFIER `oid` }.
pub fn oid_subject(cn: &str, oid: &str) -> Vec<u8> {
    let rdn = |ty: &str, value: Vec<u8>| {
        let mut atv = ObjectIdentifier::new(ty).unwrap().to_der().unwrap();
        atv.extend(value);
        tlv(Tag::Set, &tlv(Tag::Sequence, &atv))
    };
    let utf8 = |s: &str| Utf8StringRef::new(s).unwrap().to_der().unwrap();
    let mut rdns = rdn("2.5.4.10", utf8("osi-mms test PKI"));
    rdns.extend(rdn("2.5.4.3", utf8(cn)));
    rdns.extend(rdn(
        "2.5.4.106",
        ObjectIdentifier::new(oid).unwrap().to_der().unwrap(),
    ));
    tlv(Tag::Sequence, &rdns)
}

/// `cert_der` (issued by `ca`) with its subject replaced by `subject`, re-signed by `ca`.
pub fn resign_with_subject(ca: &Pki, cert_der: &[u8], subject: &[u8]) -> Vec<u8> {
    let c = Certificate::parse(cert_der).unwrap();
    // The TBSCertificate's fields in order, the subject swapped.
    let mut r = SliceReader::new(c.tbs).unwrap();
    Header::decode(&mut r).unwrap();
    let start = usize::try_from(r.position()).unwrap();
    let at = c.subject.der.as_ptr() as usize - c.tbs.as_ptr() as usize;
    let mut contents = c.tbs[start..at].to_vec();
    contents.extend_from_slice(subject);
    contents.extend_from_slice(&c.tbs[at + c.subject.der.len()..]);
    let tbs = tlv(Tag::Sequence, &contents);
    let mut s = Signer::new(MessageDigest::sha256(), &ca.ca().key).unwrap();
    s.update(&tbs).unwrap();
    let sig = s.sign_to_vec().unwrap();
    let mut body = tbs;
    body.extend_from_slice(c.signature_algorithm.der);
    body.extend(BitStringRef::new(0, &sig).unwrap().to_der().unwrap());
    tlv(Tag::Sequence, &body)
}

/// Issues `spec` with 2.5.4.106 = `oid` in both forms under `ca`.
pub fn issue(ca: &Pki, spec: &LeafSpec, oid: &str) -> OidForm {
    let twin = ca.issue(&spec.clone().with_object_identifier(oid)).unwrap();
    let der = resign_with_subject(
        ca,
        &twin.cert_der().unwrap(),
        &oid_subject(&spec.common_name, oid),
    );
    OidForm { der, twin }
}

/// `der` with the last octet of its signature flipped.
pub fn tampered(der: &[u8]) -> Vec<u8> {
    let mut t = der.to_vec();
    if let Some(b) = t.last_mut() {
        *b ^= 0x01;
    }
    t
}
