//! Fuzz target: the X.509 view of `acse::certificate` (RFC 5280 §4.1, strict DER with `der`) on
//! arbitrary octets, and everything that reads a decoded certificate: the one-line names, the
//! 2.5.4.106 reader of IEC 62351-4 Annex G.6.2 (both encodings), validity, the issuer checks
//! with the certificate as its own issuer candidate (openssl signature verification on
//! whatever key and signature the input holds), and the dotted-OID string reader. Must never
//! panic; a decoded certificate's parts must be sub-slices of the input.
#![no_main]
use std::time::SystemTime;

use acse::certificate::{canonical_dotted, Certificate, SignatureAlgorithm};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = Certificate::parse(data) {
        assert_eq!(c.der, data);
        for part in [c.tbs, c.subject.der, c.issuer.der, c.subject_public_key_info] {
            assert!(data.windows(part.len()).any(|w| w == part));
        }
        let _ = c.subject.one_line();
        let _ = c.issuer.one_line();
        let _ = c.subject.object_identifier();
        let _ = c.is_ca();
        let _ = c.validity.check(SystemTime::now());
        let _ = SignatureAlgorithm::from_identifier(&c.signature_algorithm);
        let _ = c.verify_signed_by(&c);
        let _ = c.find_issuer(&[data, &data[..data.len() / 2]]);
    }
    let _ = acse::security::subject_line(data);
    let _ = acse::security::subject_object_identifier(data);
    if let Ok(s) = std::str::from_utf8(data) {
        if let Some(d) = canonical_dotted(s) {
            assert_eq!(canonical_dotted(&d).as_deref(), Some(d.as_str()));
        }
    }
});
