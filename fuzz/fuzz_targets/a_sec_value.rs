//! Fuzz target: the IEC 62351-4 A-profile decoders on arbitrary octets — the
//! MMS-Authentication-value (every U-04 shape, bounded, zero-copy), the same octets as the
//! value of an EXTERNAL (single-ASN1-type and octet-aligned) and of `other`, the signed time
//! parser, and the certificate subject's 2.5.4.106 reader. Must never panic; a decoded value
//! must re-encode to a value that decodes to the same fields.
#![no_main]
use std::borrow::Cow;

use a_sec_profile::value::{self, Carrier, MmsAuthenticationValue};
use acse::apdu::oids::A_PROFILE_MECHANISM;
use acse::apdu::{AuthenticationValue, External, ExternalEncoding};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(v) = MmsAuthenticationValue::decode(data) {
        assert!(v.certificate.len() <= value::MAX_CERTIFICATE_LEN);
        let again = value::encode_to_vec(v.certificate, v.time, v.signature);
        let back = MmsAuthenticationValue::decode(&again).expect("our encoding decodes");
        assert_eq!(
            (back.certificate, back.time, back.signature),
            (v.certificate, v.time, v.signature)
        );
    }
    for av in [
        AuthenticationValue::External(External {
            direct_reference: None,
            indirect_reference: Some(5),
            data_value_descriptor: None,
            encoding: ExternalEncoding::SingleAsn1Type(Cow::Borrowed(data)),
        }),
        AuthenticationValue::External(External {
            direct_reference: None,
            indirect_reference: None,
            data_value_descriptor: None,
            encoding: ExternalEncoding::OctetAligned(Cow::Borrowed(data)),
        }),
        AuthenticationValue::Other {
            mechanism: A_PROFILE_MECHANISM,
            value: Cow::Borrowed(data),
        },
    ] {
        if let Ok((_, carrier)) = value::from_authentication_value(&av) {
            let _ = carrier.is_legacy();
            let _ = Carrier::wrap(&carrier, data.to_vec());
        }
    }
    let _ = a_sec_profile::time::parse(data);
    let _ = a_sec_profile::crypto::subject_object_identifier(data);
});
