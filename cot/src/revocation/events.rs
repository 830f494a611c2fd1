//! The event codes of revocation checking, each with the IEC 62351-14 identifier of the
//! `IEC62351-9` domain (certificate revocation events, IEC 62351-9 Annex D.4) it stands for.
//! The mechanisms (T-profile, A-profile, end-to-end) record their own verdict events (e.g.
//! the TLS session closed because of revocation); these are the events of getting and judging
//! the revocation information itself.

use crate::security_event::Severity;

/// A certificate is revoked (IEC62351-9:4.1 `CERT_V_REVOKED`, alarm).
pub const REVOKED: &str = "revocation.revoked";
/// A CRL distribution point cannot be reached or read (IEC62351-9:4.2 `CERT_V_R_NR_CRL`).
pub const CRL_UNREACHABLE: &str = "revocation.crl-unreachable";
/// The only CRL of an issuer is past its nextUpdate (IEC62351-9:4.3 `CERT_V_CRL_EXP`).
pub const CRL_EXPIRED: &str = "revocation.crl-expired";
/// A CRL does not decode or its signature does not verify with the issuer's key
/// (IEC62351-9:4.4 `CERT_V_CRL_SIG_FAIL`).
pub const CRL_SIGNATURE: &str = "revocation.crl-signature";
/// No CRL covers the certificate's issuer and no OCSP answer is known: revocation cannot be
/// judged (IEC62351-9:2.26 `CERT_V_PKCE_NCDP`, the nearest event: no usable CRL source).
pub const NO_CRL: &str = "revocation.no-crl";
/// The OCSP responder cannot be reached, refused the request or answered with an error
/// status (IEC62351-9:4.5 `CERT_V_R_NR_OCSP`).
pub const OCSP_UNREACHABLE: &str = "revocation.ocsp-unreachable";
/// The OCSP responder did not answer in time (IEC62351-9:4.6 `CERT_V_R_TO_OCSP`).
pub const OCSP_TIMEOUT: &str = "revocation.ocsp-timeout";
/// The OCSP responder does not know the certificate (IEC62351-9:4.7 `CERT_V_R_CU_OCSP`).
pub const OCSP_UNKNOWN: &str = "revocation.ocsp-unknown";
/// The OCSP response is past its nextUpdate (or not yet valid) (IEC62351-9:4.8
/// `CERT_V_R_OCSP_EXP`).
pub const OCSP_EXPIRED: &str = "revocation.ocsp-expired";
/// The OCSP response is malformed, unsigned, signed by a key that is not the issuer's or an
/// authorised responder's, answers for another certificate, or carries another request's
/// nonce (IEC62351-9:4.9 `CERT_V_OCSP_SIG_FAIL`, the nearest event: the response does not
/// validate as an answer to our request).
pub const OCSP_SIGNATURE: &str = "revocation.ocsp-signature";

/// One row of the catalogue: code, IEC 62351-14 identifier, severity, trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventInfo {
    /// The stable code.
    pub code: &'static str,
    /// The IEC 62351-14 identifier.
    pub iec62351_14: &'static str,
    /// The severity it is recorded with (the IEC 62351-14 one).
    pub severity: Severity,
    /// What triggers it.
    pub trigger: &'static str,
}

/// Every revocation event.
pub const CATALOGUE: &[EventInfo] = &[
    EventInfo {
        code: REVOKED,
        iec62351_14: "IEC62351-9:4.1",
        severity: Severity::Alarm,
        trigger: "certificate listed on a CRL or answered revoked by OCSP",
    },
    EventInfo {
        code: CRL_UNREACHABLE,
        iec62351_14: "IEC62351-9:4.2",
        severity: Severity::Warning,
        trigger: "CRL file or distribution point unreadable",
    },
    EventInfo {
        code: CRL_EXPIRED,
        iec62351_14: "IEC62351-9:4.3",
        severity: Severity::Warning,
        trigger: "CRL past nextUpdate",
    },
    EventInfo {
        code: CRL_SIGNATURE,
        iec62351_14: "IEC62351-9:4.4",
        severity: Severity::Warning,
        trigger: "CRL malformed or not signed by the issuer",
    },
    EventInfo {
        code: NO_CRL,
        iec62351_14: "IEC62351-9:2.26",
        severity: Severity::Warning,
        trigger: "no CRL covers the issuer and no OCSP answer",
    },
    EventInfo {
        code: OCSP_UNREACHABLE,
        iec62351_14: "IEC62351-9:4.5",
        severity: Severity::Warning,
        trigger: "OCSP responder unreachable or error status",
    },
    EventInfo {
        code: OCSP_TIMEOUT,
        iec62351_14: "IEC62351-9:4.6",
        severity: Severity::Warning,
        trigger: "OCSP responder timeout",
    },
    EventInfo {
        code: OCSP_UNKNOWN,
        iec62351_14: "IEC62351-9:4.7",
        severity: Severity::Warning,
        trigger: "OCSP answer unknown",
    },
    EventInfo {
        code: OCSP_EXPIRED,
        iec62351_14: "IEC62351-9:4.8",
        severity: Severity::Warning,
        trigger: "OCSP response past nextUpdate",
    },
    EventInfo {
        code: OCSP_SIGNATURE,
        iec62351_14: "IEC62351-9:4.9",
        severity: Severity::Warning,
        trigger: "OCSP response malformed, badly signed or for another certificate",
    },
];

/// The severity of `code` (`Warning` for a code not in the catalogue).
pub fn severity(code: &str) -> Severity {
    CATALOGUE
        .iter()
        .find(|e| e.code == code)
        .map(|e| e.severity)
        .unwrap_or(Severity::Warning)
}

/// (code, IEC 62351-14 identifier) pairs for
/// [`crate::security_event::SecurityEvents::register`].
pub fn iec62351_14_ids() -> Vec<(&'static str, &'static str)> {
    CATALOGUE.iter().map(|e| (e.code, e.iec62351_14)).collect()
}
