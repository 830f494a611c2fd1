//! Every OBJECT IDENTIFIER the E2E security uses (docs/facts.md §1.8).
//!
//! Algorithm identifiers come from RFCs (confidence H) and are constants. The two OIDs of
//! IEC 62351-4 §15 whose arcs are not public — the e2eSecurityAS abstract syntax and the
//! e2eMmsAC application context — are configuration ([`E2eOids`], ASSUMPTIONS.md U-02): the
//! defaults are private placeholders under the 62351-4 arc, labelled unverified, and a peer
//! is matched against the configured values, never against hard-coded octets.

use copp::ber::{oid_from_str, Oid};
use std::borrow::Cow;

const fn oid(b: &'static [u8]) -> Oid<'static> {
    Oid::new(Cow::Borrowed(b))
}

/// sha256WithRSAEncryption 1.2.840.113549.1.1.11 (RFC 4055; IEC 62351-4 §8).
pub const SHA256_WITH_RSA: Oid<'static> =
    oid(&[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B]);
/// ecdsa-with-SHA256 1.2.840.10045.4.3.2 (RFC 5758; IEC 62351-4 §8).
pub const ECDSA_WITH_SHA256: Oid<'static> = oid(&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02]);
/// hmacWithSHA256 1.2.840.113549.2.9 (RFC 8018 / RFC 4231; the HKDF and ICV HMAC of §8).
pub const HMAC_WITH_SHA256: Oid<'static> = oid(&[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x02, 0x09]);
/// aes128-CBC 2.16.840.1.101.3.4.1.2 (RFC 3565).
pub const AES128_CBC: Oid<'static> = oid(&[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x02]);
/// aes256-CBC 2.16.840.1.101.3.4.1.42 (RFC 3565).
pub const AES256_CBC: Oid<'static> = oid(&[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2A]);
/// aes128-GCM 2.16.840.1.101.3.4.1.6 (RFC 5084).
pub const AES128_GCM: Oid<'static> = oid(&[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x06]);
/// aes256-GCM 2.16.840.1.101.3.4.1.46 (RFC 5084).
pub const AES256_GCM: Oid<'static> = oid(&[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2E]);
/// aes128-GMAC 2.16.840.1.101.3.4.1.9 (RFC 9044): the GMAC ICV identifier our earlier versions
/// sent (now aes128-GCM, ASSUMPTIONS.md U-02); still understood.
pub const AES128_GMAC: Oid<'static> = oid(&[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x09]);
/// X.520 objectIdentifier attribute 2.5.4.106 (the OSI address binding of Annex G.6.2).
pub const AT_OBJECT_IDENTIFIER: &str = "2.5.4.106";

/// The IEC 62351-4 OIDs whose values are not public (U-02), as configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct E2eOids {
    /// The e2eSecurityAS presentation abstract syntax (§15, F-1151). Default: the private
    /// placeholder 1.0.62351.4.2.1.1 (UNVERIFIED).
    pub e2e_security_as: Oid<'static>,
    /// The e2eMmsAC application context (§15, F-1152). Default: the private placeholder
    /// 1.0.62351.4.3.1 (UNVERIFIED).
    pub e2e_mms_ac: Oid<'static>,
    /// The protected-protocol identity `pp` sent in HandshakeReq (U-16). Default "MMS".
    pub protected_protocol: String,
}

impl Default for E2eOids {
    fn default() -> Self {
        E2eOids {
            e2e_security_as: oid_from_str("1.0.62351.4.2.1.1").unwrap_or(SHA256_WITH_RSA),
            e2e_mms_ac: oid_from_str("1.0.62351.4.3.1").unwrap_or(SHA256_WITH_RSA),
            protected_protocol: "MMS".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_are_the_rfc_values() {
        for (o, s) in [
            (SHA256_WITH_RSA, "1.2.840.113549.1.1.11"),
            (ECDSA_WITH_SHA256, "1.2.840.10045.4.3.2"),
            (HMAC_WITH_SHA256, "1.2.840.113549.2.9"),
            (AES128_CBC, "2.16.840.1.101.3.4.1.2"),
            (AES256_CBC, "2.16.840.1.101.3.4.1.42"),
            (AES128_GCM, "2.16.840.1.101.3.4.1.6"),
            (AES256_GCM, "2.16.840.1.101.3.4.1.46"),
            (AES128_GMAC, "2.16.840.1.101.3.4.1.9"),
        ] {
            assert_eq!(o.to_id_string(), s);
        }
        let d = E2eOids::default();
        assert_eq!(d.e2e_security_as.to_id_string(), "1.0.62351.4.2.1.1");
        assert_eq!(d.e2e_mms_ac.to_id_string(), "1.0.62351.4.3.1");
        // The 62351-4 arc's DER content octets (docs/facts.md §1.8).
        assert_eq!(
            &d.e2e_mms_ac.as_bytes()[..5],
            [0x28, 0x83, 0xE7, 0x0F, 0x04]
        );
    }
}
