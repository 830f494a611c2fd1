//! OBJECT IDENTIFIERs ACSE and its users name (docs/facts.md §1.8), as constants (their DER
//! contents octets).

use std::borrow::Cow;

use copp::ber::Oid;

/// ACSE abstract syntax `acse-as-id` {joint-iso-itu-t association-control(2) abstract-syntax(1)
/// apdus(0) version1(1)} = 2.2.1.0.1 (X.227 §9): the presentation context that carries APDUs.
pub const ACSE_ABSTRACT_SYNTAX: Oid<'static> = Oid::new(Cow::Borrowed(&[0x52, 0x01, 0x00, 0x01]));

/// ACSE password authentication mechanism 2.2.3.1 (X.227 / ISO 8650-1 Annex B,
/// `8B 03 52 03 01`; docs/facts.md F-610).
pub const PASSWORD_MECHANISM: Oid<'static> = Oid::new(Cow::Borrowed(&[0x52, 0x03, 0x01]));

/// MMS application context `mms-application-context-version1` 1.0.9506.2.3 (ISO 9506-2),
/// IEC 62351-4's basic-AC.
pub const MMS_APPLICATION_CONTEXT: Oid<'static> =
    Oid::new(Cow::Borrowed(&[0x28, 0xCA, 0x22, 0x02, 0x03]));

/// IEC 62351-4 A-security-profile mechanism-name 1.0.840.0.1.0.1.1 (docs/facts.md §1.8, H).
pub const A_PROFILE_MECHANISM: Oid<'static> = Oid::new(Cow::Borrowed(&[
    0x28, 0x86, 0x48, 0x00, 0x01, 0x00, 0x01, 0x01,
]));

/// IEC 62351-4 mmsAuthenticationAS abstract syntax 1.0.840.0.1.1.4.1 (docs/facts.md §1.8,
/// confidence L-M: keep it configurable in providers).
pub const MMS_AUTHENTICATION_AS: Oid<'static> = Oid::new(Cow::Borrowed(&[
    0x28, 0x86, 0x48, 0x00, 0x01, 0x01, 0x04, 0x01,
]));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_forms() {
        assert_eq!(ACSE_ABSTRACT_SYNTAX.to_id_string(), "2.2.1.0.1");
        assert_eq!(PASSWORD_MECHANISM.to_id_string(), "2.2.3.1");
        assert_eq!(MMS_APPLICATION_CONTEXT.to_id_string(), "1.0.9506.2.3");
        assert_eq!(A_PROFILE_MECHANISM.to_id_string(), "1.0.840.0.1.0.1.1");
        assert_eq!(MMS_AUTHENTICATION_AS.to_id_string(), "1.0.840.0.1.1.4.1");
    }
}
