//! Security event codes of the A-profile (docs/design.md principle 8; IEC 62351-14 event model,
//! docs/facts.md §1.13). Each is recorded with [`acse::security::SecurityEvents::record`]
//! under the target `osi_mms::security`, counted, and documented in `docs/a-profile.md`
//! with its severity and trigger. Details never hold key material.
//!
//! The `a_profile.*` codes are our stable codes. IEC 62351-14 (committee draft) has no event
//! group for the A-security-profile; where one of its `IEC62351-9` certificate or revocation
//! events means the same check, the [`CATALOGUE`] names it, and
//! [`AProfileFactory::new`](crate::AProfileFactory::new) registers those identifiers with the
//! recorder ([`iec62351_14_ids`]) so that sinks carry them. The other codes have none.

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
/// The same (certificate, time) was already accepted in the window (alarm).
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
/// A peer certificate without keyUsage accepted because `legacy_key_usage` is on (warning;
/// IEC 62351-4 Annex G.5.2).
pub const KEY_USAGE_TOLERATED: &str = "a_profile.key_usage_tolerated";
/// The peer's A-profile certificate is the end-entity certificate it authenticated TLS with
/// (warning; IEC 62351-4 Annex G.2 asks for separate certificates).
pub const SAME_CERTIFICATE_AS_TLS: &str = "a_profile.same_certificate_as_tls";
/// A local failure (signing, own certificate too large) (error).
pub const LOCAL_FAILURE: &str = "a_profile.local_failure";

/// One row of the event catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventInfo {
    /// The stable code.
    pub code: &'static str,
    /// The severity it is recorded with.
    pub severity: Severity,
    /// What triggers it.
    pub trigger: &'static str,
    /// The IEC 62351-14 identifier (committee-draft numbering, `docs/security-log.md`) of the
    /// `IEC62351-9` event that means the same check; `None` when none does.
    pub iec62351_14: Option<&'static str>,
}

const fn row(
    code: &'static str,
    severity: Severity,
    trigger: &'static str,
    iec62351_14: Option<&'static str>,
) -> EventInfo {
    EventInfo {
        code,
        severity,
        trigger,
        iec62351_14,
    }
}

/// Every code with its severity, trigger and IEC 62351-14 identifier, for registration,
/// documentation and tests.
pub const CATALOGUE: &[EventInfo] = &[
    row(ACCEPTED, Severity::Notice, "peer authenticated", None),
    row(
        NO_TLS,
        Severity::Warning,
        "provider for an association without TLS",
        None,
    ),
    row(
        MECHANISM_MISSING,
        Severity::Error,
        "AARQ without mechanism-name",
        None,
    ),
    row(
        MECHANISM_UNKNOWN,
        Severity::Error,
        "other mechanism-name in AARQ or AARE",
        None,
    ),
    row(
        VALUE_MISSING,
        Severity::Error,
        "mechanism present, no value",
        None,
    ),
    row(
        VALUE_MALFORMED,
        Severity::Error,
        "value does not decode",
        None,
    ),
    row(
        CERTIFICATE_TOO_LARGE,
        Severity::Error,
        "certificate > 8192 octets",
        None,
    ),
    // CERT_V_FORMAT (warning there): ours refuses the association.
    row(
        CERTIFICATE_INVALID,
        Severity::Error,
        "certificate or its public key does not parse",
        Some("IEC62351-9:2.1"),
    ),
    // CERT_V_PK_PATH (error there): ours is the alarm IEC 62351-3 gives the same failure.
    row(
        CERTIFICATE_UNTRUSTED,
        Severity::Alarm,
        "no path to a trust anchor",
        Some("IEC62351-9:2.11"),
    ),
    row(
        CERTIFICATE_EXPIRED,
        Severity::Error,
        "a certificate of the path expired",
        Some("IEC62351-9:2.6"),
    ),
    row(
        CERTIFICATE_NOT_YET_VALID,
        Severity::Error,
        "a certificate of the path not yet valid",
        Some("IEC62351-9:2.7"),
    ),
    row(
        CERTIFICATE_REVOKED,
        Severity::Alarm,
        "revoked by a configured CRL",
        Some("IEC62351-9:4.1"),
    ),
    row(
        CRL_STALE,
        Severity::Warning,
        "CRL past nextUpdate used",
        Some("IEC62351-9:4.3"),
    ),
    row(
        KEY_USAGE,
        Severity::Error,
        "keyUsage absent (Annex G.5.2) or without digitalSignature",
        Some("IEC62351-9:2.19"),
    ),
    row(
        KEY_USAGE_TOLERATED,
        Severity::Warning,
        "keyUsage absent, accepted (legacy_key_usage)",
        None,
    ),
    row(
        SAME_CERTIFICATE_AS_TLS,
        Severity::Warning,
        "the peer's A-profile certificate is its TLS certificate (Annex G.2)",
        None,
    ),
    row(
        WEAK_KEY,
        Severity::Error,
        "RSA key too small, EC not allowed or not on secp256r1 / brainpoolP256r1, key type not allowed",
        None,
    ),
    row(
        SIGNATURE_INVALID,
        Severity::Alarm,
        "signature does not verify",
        None,
    ),
    row(
        SIGNATURE_NONCONFORMANT,
        Severity::Notice,
        "signature over a TLV of the time",
        None,
    ),
    row(
        SIGNATURE_SHA1,
        Severity::Warning,
        "SHA-1 accepted from a legacy peer",
        None,
    ),
    row(
        TIME_INVALID,
        Severity::Error,
        "time not a GeneralizedTime",
        None,
    ),
    row(
        TIME_OUT_OF_WINDOW,
        Severity::Error,
        "time outside the window",
        None,
    ),
    row(
        REPLAY,
        Severity::Alarm,
        "(certificate, time) seen within the window",
        None,
    ),
    row(
        REPLAY_CACHE_FULL,
        Severity::Alarm,
        "replay memory full: refused",
        None,
    ),
    row(
        AP_TITLE_MISMATCH,
        Severity::Alarm,
        "2.5.4.106 differs from AP-title ++ AE-qualifier",
        None,
    ),
    row(
        PEER_VALUE_MISSING,
        Severity::Error,
        "AARE without responding value (mutual)",
        None,
    ),
    row(
        REFUSED_BY_PEER,
        Severity::Warning,
        "peer rejected or aborted our AARQ",
        None,
    ),
    row(
        LOCAL_FAILURE,
        Severity::Error,
        "signing failed, own certificate too large",
        None,
    ),
];

/// The severity of `code`, or of a revocation event of the shared checker
/// ([`cot::revocation::events`]), which the A-profile records as path warnings (Error for an
/// unknown code).
pub fn severity(code: &str) -> Severity {
    CATALOGUE
        .iter()
        .find(|e| e.code == code)
        .map(|e| e.severity)
        .or_else(|| {
            cot::revocation::events::CATALOGUE
                .iter()
                .find(|e| e.code == code)
                .map(|e| e.severity)
        })
        .unwrap_or(Severity::Error)
}

/// (code, IEC 62351-14 identifier) of every A-profile event that has one, for
/// [`acse::security::SecurityEvents::register`].
pub fn iec62351_14_ids() -> Vec<(&'static str, &'static str)> {
    CATALOGUE
        .iter()
        .filter_map(|e| e.iec62351_14.map(|id| (e.code, id)))
        .collect()
}
