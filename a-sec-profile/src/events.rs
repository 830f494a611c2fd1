//! Security event codes of the A-profile (docs/design.md principle 8; IEC 62351-14 event model,
//! docs/facts.md §1.13). Each is recorded with [`acse::security::SecurityEvents::record`]
//! under the target `osi_mms::security`, counted, and documented in `docs/a-profile.md`
//! with its severity and trigger. Details never hold key material.

use acse::security::Severity;

/// A peer was authenticated (notice).
pub const ACCEPTED: &str = "a_profile.accepted";
/// The A-profile runs without TLS: IEC 62351-4 Table 1 calls this essentially non-secure
/// (warning).
pub const NO_TLS: &str = "a_profile.no_tls";
/// AARQ without mechanism-name (error; AARE authentication-mechanism-name-required).
pub const MECHANISM_MISSING: &str = "a_profile.mechanism_missing";
/// mechanism-name other than the configured one (error; authentication-mechanism-name-not-recognized).
pub const MECHANISM_UNKNOWN: &str = "a_profile.mechanism_unknown";
/// Mechanism present but no authentication value (error; authentication-required).
pub const VALUE_MISSING: &str = "a_profile.value_missing";
/// The authentication value does not decode (error).
pub const VALUE_MALFORMED: &str = "a_profile.value_malformed";
/// The certificate is larger than 8192 octets (error).
pub const CERTIFICATE_TOO_LARGE: &str = "a_profile.certificate_too_large";
/// The certificate does not parse as DER X.509 (error).
pub const CERTIFICATE_INVALID: &str = "a_profile.certificate_invalid";
/// The certificate does not chain to a trust anchor (alarm).
pub const CERTIFICATE_UNTRUSTED: &str = "a_profile.certificate_untrusted";
/// The certificate (or one in its chain) has expired (error; 62351-3 expired certificate).
pub const CERTIFICATE_EXPIRED: &str = "a_profile.certificate_expired";
/// The certificate (or one in its chain) is not yet valid (error).
pub const CERTIFICATE_NOT_YET_VALID: &str = "a_profile.certificate_not_yet_valid";
/// The certificate (or one in its chain) is revoked by a configured CRL (alarm; 62351-3
/// revoked certificate = incident).
pub const CERTIFICATE_REVOKED: &str = "a_profile.certificate_revoked";
/// A configured CRL is past its nextUpdate: used anyway, revocation information may be stale
/// (warning; 62351-3: missing revocation information does not end a session).
pub const CRL_STALE: &str = "a_profile.crl_stale";
/// The key usage lacks digitalSignature (error).
pub const KEY_USAGE: &str = "a_profile.key_usage";
/// RSA below 2048 bits, EC below 256, ECDSA when not allowed, or another key type (error).
pub const WEAK_KEY: &str = "a_profile.weak_key";
/// The signature does not verify (alarm).
pub const SIGNATURE_INVALID: &str = "a_profile.signature_invalid";
/// The signature verified only over a TLV of the time, not its contents (notice; U-03).
pub const SIGNATURE_NONCONFORMANT: &str = "a_profile.signature_nonconformant";
/// The signature verified with SHA-1 from a configured legacy peer (warning; U-18).
pub const SIGNATURE_SHA1: &str = "a_profile.signature_sha1";
/// The time field is not a GeneralizedTime (error).
pub const TIME_INVALID: &str = "a_profile.time_invalid";
/// The time is outside the window around local UTC (error).
pub const TIME_OUT_OF_WINDOW: &str = "a_profile.time_out_of_window";
/// The same (certificate, time) was already accepted in the window (alarm; 62351-14
/// REPLAY_DETEC_ASS_REQ).
pub const REPLAY: &str = "a_profile.replay";
/// The replay cache is full: value refused (alarm).
pub const REPLAY_CACHE_FULL: &str = "a_profile.replay_cache_full";
/// The certificate's 2.5.4.106 does not match the AP-title + AE-qualifier (alarm; U-17).
pub const AP_TITLE_MISMATCH: &str = "a_profile.ap_title_mismatch";
/// The AARE carries no responding authentication value though mutual authentication is
/// required (error; the initiator aborts).
pub const PEER_VALUE_MISSING: &str = "a_profile.peer_value_missing";
/// The peer rejected or aborted our authenticated association (warning).
pub const REFUSED_BY_PEER: &str = "a_profile.refused_by_peer";
/// A local failure (signing, own certificate too large) (error).
pub const LOCAL_FAILURE: &str = "a_profile.local_failure";

/// Every code with its severity, for documentation and tests.
pub const ALL: &[(&str, Severity)] = &[
    (ACCEPTED, Severity::Notice),
    (NO_TLS, Severity::Warning),
    (MECHANISM_MISSING, Severity::Error),
    (MECHANISM_UNKNOWN, Severity::Error),
    (VALUE_MISSING, Severity::Error),
    (VALUE_MALFORMED, Severity::Error),
    (CERTIFICATE_TOO_LARGE, Severity::Error),
    (CERTIFICATE_INVALID, Severity::Error),
    (CERTIFICATE_UNTRUSTED, Severity::Alarm),
    (CERTIFICATE_EXPIRED, Severity::Error),
    (CERTIFICATE_NOT_YET_VALID, Severity::Error),
    (CERTIFICATE_REVOKED, Severity::Alarm),
    (CRL_STALE, Severity::Warning),
    (KEY_USAGE, Severity::Error),
    (WEAK_KEY, Severity::Error),
    (SIGNATURE_INVALID, Severity::Alarm),
    (SIGNATURE_NONCONFORMANT, Severity::Notice),
    (SIGNATURE_SHA1, Severity::Warning),
    (TIME_INVALID, Severity::Error),
    (TIME_OUT_OF_WINDOW, Severity::Error),
    (REPLAY, Severity::Alarm),
    (REPLAY_CACHE_FULL, Severity::Alarm),
    (AP_TITLE_MISMATCH, Severity::Alarm),
    (PEER_VALUE_MISSING, Severity::Error),
    (REFUSED_BY_PEER, Severity::Warning),
    (LOCAL_FAILURE, Severity::Error),
];

/// The severity of `code` (Error for an unknown code).
pub fn severity(code: &str) -> Severity {
    ALL.iter()
        .find(|(c, _)| *c == code)
        .map_or(Severity::Error, |(_, s)| *s)
}
