//! The T-profile security event codes (IEC 62351-3 §5.6 and §5.8 security events, IEC 62351-4
//! §6.2.8), recorded through [`crate::security_event::SecurityEvents`] under
//! [`crate::security_event::SECURITY_LOG_TARGET`].
//!
//! The codes are stable strings; [`CATALOGUE`] lists each with its severity, what triggers it
//! and the number of the matching libiec61850 TLS event (its `TLSEventCode` 1..15, which follows
//! the IEC TS 62351-100-3 test cases) where one matches.

use crate::security_event::Severity;

/// The TLS handshake failed for a reason no more specific code names (IEC 62351-3 §5.6.1).
pub const HANDSHAKE_FAILED: &str = "tls.handshake-failed";
/// The peer sent no certificate although mutual authentication is mandatory (IEC 62351-3 §5.6.2).
pub const CERT_REQUIRED: &str = "tls.cert-required";
/// The peer's certificate does not chain to a configured trust anchor (IEC 62351-3 §5.6.4).
pub const CERT_UNTRUSTED: &str = "tls.cert-untrusted";
/// The peer's certificate is outside its validity period (IEC 62351-3 §5.6.4.5, 62351-4 §6.2.8).
pub const CERT_EXPIRED: &str = "tls.cert-expired";
/// The peer's certificate is revoked by a configured CRL (IEC 62351-3 §5.6.4.4, 62351-4 §6.2.8).
pub const CERT_REVOKED: &str = "tls.cert-revoked";
/// The peer's end-entity certificate is larger than the configured maximum (IEC 62351-3 §5.6.4:
/// 8192 octets).
pub const CERT_TOO_LARGE: &str = "tls.cert-too-large";
/// The peer's certificate failed another verification step (bad signature, malformed,
/// policy) (IEC 62351-3 §5.6.4).
pub const CERT_INVALID: &str = "tls.cert-invalid";
/// The peer's key is too small (RSA < 2048, EC < 256 bits) (IEC 62351-3 §5.6.4).
pub const WEAK_KEY: &str = "tls.weak-key";
/// The peer's certificate lacks the digitalSignature key usage (or the TLS purpose)
/// (IEC 62351-3 §5.6.4, RFC 5280 §4.2.1.3).
pub const BAD_KEY_USAGE: &str = "tls.bad-key-usage";
/// A TLS version below 1.2 is allowed by configuration or was negotiated (IEC 62351-3 §5.6.1:
/// TLS 1.0/1.1 optional with a warning).
pub const VERSION_INSECURE: &str = "tls.version-insecure";
/// A peer offered only a TLS/SSL version the configuration forbids (IEC 62351-3 §5.6.1).
pub const VERSION_REFUSED: &str = "tls.version-refused";
/// The protocol version changed from one handshake of a connection to the next: a
/// renegotiation that ended on another version, or a resumption offer of a session of one
/// version answered with a handshake of another (IEC 62351-3 version-change alarm).
pub const VERSION_CHANGED: &str = "tls.version-changed";
/// No cipher suite in common with the peer, or a policy leaves none (IEC 62351-3 §5.6.1,
/// IEC 62351-4 §6.3.4 Table 3).
pub const NO_CIPHER: &str = "tls.no-cipher";
/// NULL (integrity-only) cipher suites are enabled by configuration (IEC 62351-3 §5.6.1).
pub const NULL_CIPHER: &str = "tls.null-cipher";
/// A TLS 1.2 renegotiation completed, ours or the peer's (IEC 62351-3 §5.6.3, RFC 5746).
pub const RENEGOTIATION: &str = "tls.renegotiation";
/// A TLS 1.3 key update was sent (RFC 8446 §4.6.3; the TLS 1.3 replacement of renegotiation).
pub const KEY_UPDATE: &str = "tls.key-update";
/// The peer refused or did not complete a required renegotiation in time; the connection is
/// closed (IEC 62351-3 §5.6.3: "the server shall terminate and raise an alarm").
pub const RENEGOTIATION_REFUSED: &str = "tls.renegotiation-refused";
/// Revocation information (a CRL) cannot be read, does not verify or has expired; established
/// sessions go on (IEC 62351-4 §6.2.8, IEC 62351-3 §5.6.4.4).
pub const CRL_UNAVAILABLE: &str = "tls.crl-unavailable";
/// No CRL and no revocation checker is configured: revocation is not checked
/// (IEC 62351-3 §5.6.4.4).
pub const REVOCATION_OFF: &str = "tls.revocation-off";
/// An established session was closed because the peer's certificate is now revoked (found by
/// the periodic re-check or after new revocation data; IEC 62351-3 `TLS_SESSION_CLOSED_REV`).
pub const SESSION_CLOSED_REVOKED: &str = "tls.session-closed-revoked";
/// The peer's certificate is not one of the pinned certificates.
pub const PIN_MISMATCH: &str = "tls.pin-mismatch";
/// The NSS key log file is on: session secrets are written to disk (debugging only).
pub const KEYLOG_ON: &str = "tls.keylog-on";
/// The peer ended the handshake or the session with a fatal alert (e.g. it refused our
/// certificate) (RFC 5246 §7.2, RFC 8446 §6).
pub const ALERT_RECEIVED: &str = "tls.alert-received";

/// A record-layer or protocol error on an established session (bad record MAC, unexpected
/// message) (RFC 5246 §7.2.2).
pub const PROTOCOL_ERROR: &str = "tls.protocol-error";

/// One row of the event catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventInfo {
    /// The stable code.
    pub code: &'static str,
    /// The severity it is recorded with.
    pub severity: Severity,
    /// What triggers it.
    pub trigger: &'static str,
    /// The libiec61850 `TLSEventCode` (IEC TS 62351-100-3 numbering) it corresponds to.
    pub libiec61850: Option<u8>,
    /// The IEC 62351-14 identifier (CDV numbering, docs/security-log.md) when one event of
    /// IEC 62351-14 means this one; `None` when none does.
    pub iec62351_14: Option<&'static str>,
}

/// Every T-profile event (IEC 62351-3 §5.8, F-1006 of the docs/facts.md for the numbering).
pub const CATALOGUE: &[EventInfo] = &[
    EventInfo {
        code: VERSION_CHANGED,
        severity: Severity::Alarm,
        trigger: "the TLS version changed at renegotiation or resumption",
        libiec61850: None,
        iec62351_14: Some("IEC62351-3:1.5"),
    },
    EventInfo {
        code: HANDSHAKE_FAILED,
        severity: Severity::Error,
        trigger: "handshake failed (other reason)",
        libiec61850: Some(8),
        iec62351_14: None,
    },
    EventInfo {
        code: CERT_REQUIRED,
        severity: Severity::Error,
        trigger: "peer sent no certificate",
        libiec61850: Some(7),
        iec62351_14: Some("IEC62351-3:1.6"),
    },
    EventInfo {
        code: CERT_UNTRUSTED,
        severity: Severity::Error,
        trigger: "no chain to a trust anchor",
        libiec61850: Some(14),
        iec62351_14: Some("IEC62351-3:2.2"),
    },
    EventInfo {
        code: CERT_EXPIRED,
        severity: Severity::Warning,
        trigger: "peer certificate expired or not yet valid (handshake refused / session closed)",
        libiec61850: Some(11),
        iec62351_14: Some("IEC62351-3:2.8"),
    },
    EventInfo {
        code: CERT_REVOKED,
        severity: Severity::Alarm,
        trigger: "peer certificate on a CRL (handshake refused / session closed)",
        libiec61850: Some(12),
        iec62351_14: Some("IEC62351-3:2.4"),
    },
    EventInfo {
        code: CERT_TOO_LARGE,
        severity: Severity::Error,
        trigger: "end-entity certificate over max_certificate_size",
        libiec61850: Some(5),
        iec62351_14: Some("IEC62351-3:2.1"),
    },
    EventInfo {
        code: CERT_INVALID,
        severity: Severity::Error,
        trigger: "other certificate verification failure",
        libiec61850: Some(6),
        iec62351_14: None,
    },
    EventInfo {
        code: WEAK_KEY,
        severity: Severity::Error,
        trigger: "RSA < 2048 or EC < 256 bits",
        libiec61850: Some(4),
        iec62351_14: Some("IEC62351-3:2.11"),
    },
    EventInfo {
        code: BAD_KEY_USAGE,
        severity: Severity::Error,
        trigger: "no digitalSignature key usage / wrong purpose",
        libiec61850: Some(4),
        iec62351_14: Some("IEC62351-9:2.19"),
    },
    EventInfo {
        code: VERSION_INSECURE,
        severity: Severity::Warning,
        trigger: "TLS < 1.2 allowed at build / negotiated",
        libiec61850: Some(9),
        iec62351_14: Some("IEC62351-3:1.3"),
    },
    EventInfo {
        code: VERSION_REFUSED,
        severity: Severity::Error,
        trigger: "peer offered only a forbidden version",
        libiec61850: Some(9),
        iec62351_14: Some("IEC62351-3:1.2"),
    },
    EventInfo {
        code: NO_CIPHER,
        severity: Severity::Error,
        trigger: "no common suite / policy leaves none",
        libiec61850: Some(15),
        iec62351_14: None,
    },
    EventInfo {
        code: NULL_CIPHER,
        severity: Severity::Warning,
        trigger: "NULL suites enabled at build",
        libiec61850: Some(2),
        iec62351_14: None,
    },
    EventInfo {
        code: RENEGOTIATION,
        severity: Severity::Notice,
        trigger: "TLS 1.2 renegotiation completed",
        libiec61850: Some(10),
        iec62351_14: None,
    },
    EventInfo {
        code: KEY_UPDATE,
        severity: Severity::Notice,
        trigger: "TLS 1.3 key update sent",
        libiec61850: Some(10),
        iec62351_14: None,
    },
    EventInfo {
        code: RENEGOTIATION_REFUSED,
        severity: Severity::Alarm,
        trigger: "peer refused / missed renegotiation deadline",
        libiec61850: None,
        iec62351_14: Some("IEC62351-3:1.11"),
    },
    EventInfo {
        code: CRL_UNAVAILABLE,
        severity: Severity::Warning,
        trigger: "CRL unreadable, unverifiable or expired",
        libiec61850: Some(3),
        iec62351_14: Some("IEC62351-3:2.5"),
    },
    EventInfo {
        code: REVOCATION_OFF,
        severity: Severity::Warning,
        trigger: "no CRL configured",
        libiec61850: None,
        iec62351_14: None,
    },
    EventInfo {
        code: SESSION_CLOSED_REVOKED,
        severity: Severity::Alarm,
        trigger: "re-check found the peer certificate revoked: session closed",
        libiec61850: Some(12),
        iec62351_14: Some("IEC62351-3:1.8"),
    },
    EventInfo {
        code: PIN_MISMATCH,
        severity: Severity::Alarm,
        trigger: "peer certificate not pinned",
        libiec61850: Some(14),
        iec62351_14: Some("IEC62351-3:2.3"),
    },
    EventInfo {
        code: KEYLOG_ON,
        severity: Severity::Warning,
        trigger: "key log file configured",
        libiec61850: None,
        iec62351_14: None,
    },
    EventInfo {
        code: PROTOCOL_ERROR,
        severity: Severity::Error,
        trigger: "record-layer error on an established session",
        libiec61850: None,
        iec62351_14: None,
    },
    EventInfo {
        code: ALERT_RECEIVED,
        severity: Severity::Error,
        trigger: "peer sent a fatal alert",
        libiec61850: Some(8),
        iec62351_14: None,
    },
];

/// The severity of `code` from the [`CATALOGUE`], or from the revocation catalogue
/// ([`crate::revocation::events`]) for the revocation events a session records (`Error` for
/// an unknown code).
pub fn severity(code: &str) -> Severity {
    CATALOGUE
        .iter()
        .find(|e| e.code == code)
        .map(|e| e.severity)
        .or_else(|| {
            crate::revocation::events::CATALOGUE
                .iter()
                .find(|e| e.code == code)
                .map(|e| e.severity)
        })
        .unwrap_or(Severity::Error)
}

/// (code, IEC 62351-14 identifier) of every T-profile event that has one, for
/// [`crate::security_event::SecurityEvents::register`].
pub fn iec62351_14_ids() -> Vec<(&'static str, &'static str)> {
    CATALOGUE
        .iter()
        .filter_map(|e| e.iec62351_14.map(|id| (e.code, id)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_prefixed() {
        for (i, a) in CATALOGUE.iter().enumerate() {
            assert!(a.code.starts_with("tls."), "{}", a.code);
            for b in &CATALOGUE[i + 1..] {
                assert_ne!(a.code, b.code);
            }
        }
        assert_eq!(severity(CERT_REVOKED), Severity::Alarm);
        assert_eq!(severity(RENEGOTIATION), Severity::Notice);
    }
}
