//! Security events of the E2E provider (docs/design.md principle 8), named in the style of
//! IEC 62351-14 (docs/facts.md §1.13): `IEC62351-4:<group>.<n>`.
//!
//! The group numbers are those of IEC 62351-14 (1 HandshakeReq, 2 HandshakeAcc,
//! 3 ApplicationReject, 4 HandshakeSecReject, 5 HandshakeSecAbort, 6 DtSecAbort, 7 ApplAbort,
//! 10 ClearTransfer, 11 EncrTransfer, 12 ReleaseReq, 13 ReleaseRsp, 15 OSI environment). Only
//! `IEC62351-4:1.11` (REPLAY_DETEC_ASS_REQ, alarm) is a confirmed number; the other numbers
//! within a group are ours (ASSUMPTIONS.md E-01): the same [`Check`] has the same number in
//! every group. The table is in `docs/e2e.md`.

use acse::security::{SecurityEvents, Severity};

/// The IEC 62351-14 event group: which SecPDU (or environment) the check was about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Group {
    /// 1: server judging a HandshakeReq.
    HandshakeReq = 1,
    /// 2: client judging a HandshakeAcc.
    HandshakeAcc = 2,
    /// 3: ApplicationReject received or judged.
    ApplicationReject = 3,
    /// 4: HandshakeSecReject received or judged.
    HandshakeSecReject = 4,
    /// 5: HandshakeSecAbort received or judged.
    HandshakeSecAbort = 5,
    /// 6: DtSecAbort received or judged.
    DtSecAbort = 6,
    /// 7: ApplAbort received or judged.
    ApplAbort = 7,
    /// 10: receiver judging a ClearTransfer.
    ClearTransfer = 10,
    /// 11: receiver judging an EncrTransfer.
    EncrTransfer = 11,
    /// 12: ReleaseReq judged.
    ReleaseReq = 12,
    /// 13: ReleaseRsp judged.
    ReleaseRsp = 13,
    /// 15: OSI environment checks (§15).
    Osi = 15,
}

/// What failed (or happened): the number within the group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Check {
    /// 1 PROTOCOL_ERR (error): the SecPDU does not decode, or is not allowed here.
    ProtocolError = 1,
    /// 2 PROTECTED_PROT_NOT_SUP (error): `pp` names a protocol we do not protect.
    ProtectedProtocolNotSupported = 2,
    /// 3 UNEXP_VERSION (error): version v1 not set.
    UnexpectedVersion = 3,
    /// 4 SIGNATURE_ALGO_NOT_SUP (error): signature algorithm not sha256WithRSA / ecdsa-with-SHA256, or not fitting the key.
    SignatureAlgorithmNotSupported = 4,
    /// 5 INV_SIGNATURE (alarm): signature does not verify over the received tbs.
    InvalidSignature = 5,
    /// 6 PKCERT_ERROR (error): certificate not parseable, expired / not yet valid, wrong key usage, too large.
    CertificateInvalid = 6,
    /// 7 PKCERT_PATH_ERROR (error): certificate does not chain to a configured anchor.
    CertificationPathInvalid = 7,
    /// 8 ADDR_MISMATCH (alarm): certificate subject 2.5.4.106 differs from AP-title ++ AE-qualifier.
    AddressMismatch = 8,
    /// 9 INV_TIME (error): time more than the window (10 min) from local UTC, or earlier than the previous one.
    InvalidTime = 9,
    /// 10 UNSUP_DH_GROUP (error): DH group not supported, or changed.
    DhGroupNotSupported = 10,
    /// 11 REPLAY_DETEC (alarm): (time, assoID, certificate) or (time, seq) seen before.
    Replay = 11,
    /// 12 HMAC_ALGO_NOT_SUP (error): HKDF HMAC not hmacWithSHA256.
    HmacNotSupported = 12,
    /// 13 ENCR_MODE_ERR (error): offered/selected encryption or ICV algorithms refused by policy.
    AlgorithmNegotiation = 13,
    /// 14 INV_DH_PUBLIC (error): DH/ECDH public value out of range or off the curve.
    InvalidPublicValue = 14,
    /// 15 ICV_FAIL (alarm): ICV or GCM tag does not verify.
    IcvFailure = 15,
    /// 16 ICV_ALGO_MISMATCH (alarm): ICV algorithm differs from the one agreed.
    IcvAlgorithmMismatch = 16,
    /// 17 INV_SEQ (error): sequence number not previous+1 (same time) or 0 (later time).
    InvalidSequence = 17,
    /// 18 ENCR_MISMATCH (error): ClearTransfer where encryption was agreed, or the reverse.
    EncryptionMismatch = 18,
    /// 19 NONCE_IV_REQ (error): GMAC nonce or AES IV/nonce absent or of the wrong length.
    NonceOrIvMissing = 19,
    /// 20 UNEXP_REKEY (error): rekey / changedKey / reqRekey where the protocol does not allow it.
    UnexpectedRekey = 20,
    /// 21 PEER_REFUSED (warning): the peer sent this reject/abort PDU (signature checked).
    PeerRefused = 21,
    /// 22 OSI_ENV_ERR (error): mechanism-name or authentication value present, wrong application context, no or wrong EXTERNAL / indirect reference, data outside the e2eSecurityAS context.
    OsiEnvironment = 22,
    /// 23 REPLAY_CACHE_FULL (alarm): the replay cache is full: fail closed.
    ReplayCacheFull = 23,
    /// 24 ESTABLISHED (notice): an E2E association was established.
    Established = 24,
    /// 25 REKEYED (notice): new data-transfer keys are in use.
    Rekeyed = 25,
}

const GROUPS: [Group; 12] = [
    Group::HandshakeReq,
    Group::HandshakeAcc,
    Group::ApplicationReject,
    Group::HandshakeSecReject,
    Group::HandshakeSecAbort,
    Group::DtSecAbort,
    Group::ApplAbort,
    Group::ClearTransfer,
    Group::EncrTransfer,
    Group::ReleaseReq,
    Group::ReleaseRsp,
    Group::Osi,
];
const CHECKS: [Check; 25] = [
    Check::ProtocolError,
    Check::ProtectedProtocolNotSupported,
    Check::UnexpectedVersion,
    Check::SignatureAlgorithmNotSupported,
    Check::InvalidSignature,
    Check::CertificateInvalid,
    Check::CertificationPathInvalid,
    Check::AddressMismatch,
    Check::InvalidTime,
    Check::DhGroupNotSupported,
    Check::Replay,
    Check::HmacNotSupported,
    Check::AlgorithmNegotiation,
    Check::InvalidPublicValue,
    Check::IcvFailure,
    Check::IcvAlgorithmMismatch,
    Check::InvalidSequence,
    Check::EncryptionMismatch,
    Check::NonceOrIvMissing,
    Check::UnexpectedRekey,
    Check::PeerRefused,
    Check::OsiEnvironment,
    Check::ReplayCacheFull,
    Check::Established,
    Check::Rekeyed,
];

static CODES: [[&str; 25]; 12] = [
    [
        "IEC62351-4:1.1",
        "IEC62351-4:1.2",
        "IEC62351-4:1.3",
        "IEC62351-4:1.4",
        "IEC62351-4:1.5",
        "IEC62351-4:1.6",
        "IEC62351-4:1.7",
        "IEC62351-4:1.8",
        "IEC62351-4:1.9",
        "IEC62351-4:1.10",
        "IEC62351-4:1.11",
        "IEC62351-4:1.12",
        "IEC62351-4:1.13",
        "IEC62351-4:1.14",
        "IEC62351-4:1.15",
        "IEC62351-4:1.16",
        "IEC62351-4:1.17",
        "IEC62351-4:1.18",
        "IEC62351-4:1.19",
        "IEC62351-4:1.20",
        "IEC62351-4:1.21",
        "IEC62351-4:1.22",
        "IEC62351-4:1.23",
        "IEC62351-4:1.24",
        "IEC62351-4:1.25",
    ],
    [
        "IEC62351-4:2.1",
        "IEC62351-4:2.2",
        "IEC62351-4:2.3",
        "IEC62351-4:2.4",
        "IEC62351-4:2.5",
        "IEC62351-4:2.6",
        "IEC62351-4:2.7",
        "IEC62351-4:2.8",
        "IEC62351-4:2.9",
        "IEC62351-4:2.10",
        "IEC62351-4:2.11",
        "IEC62351-4:2.12",
        "IEC62351-4:2.13",
        "IEC62351-4:2.14",
        "IEC62351-4:2.15",
        "IEC62351-4:2.16",
        "IEC62351-4:2.17",
        "IEC62351-4:2.18",
        "IEC62351-4:2.19",
        "IEC62351-4:2.20",
        "IEC62351-4:2.21",
        "IEC62351-4:2.22",
        "IEC62351-4:2.23",
        "IEC62351-4:2.24",
        "IEC62351-4:2.25",
    ],
    [
        "IEC62351-4:3.1",
        "IEC62351-4:3.2",
        "IEC62351-4:3.3",
        "IEC62351-4:3.4",
        "IEC62351-4:3.5",
        "IEC62351-4:3.6",
        "IEC62351-4:3.7",
        "IEC62351-4:3.8",
        "IEC62351-4:3.9",
        "IEC62351-4:3.10",
        "IEC62351-4:3.11",
        "IEC62351-4:3.12",
        "IEC62351-4:3.13",
        "IEC62351-4:3.14",
        "IEC62351-4:3.15",
        "IEC62351-4:3.16",
        "IEC62351-4:3.17",
        "IEC62351-4:3.18",
        "IEC62351-4:3.19",
        "IEC62351-4:3.20",
        "IEC62351-4:3.21",
        "IEC62351-4:3.22",
        "IEC62351-4:3.23",
        "IEC62351-4:3.24",
        "IEC62351-4:3.25",
    ],
    [
        "IEC62351-4:4.1",
        "IEC62351-4:4.2",
        "IEC62351-4:4.3",
        "IEC62351-4:4.4",
        "IEC62351-4:4.5",
        "IEC62351-4:4.6",
        "IEC62351-4:4.7",
        "IEC62351-4:4.8",
        "IEC62351-4:4.9",
        "IEC62351-4:4.10",
        "IEC62351-4:4.11",
        "IEC62351-4:4.12",
        "IEC62351-4:4.13",
        "IEC62351-4:4.14",
        "IEC62351-4:4.15",
        "IEC62351-4:4.16",
        "IEC62351-4:4.17",
        "IEC62351-4:4.18",
        "IEC62351-4:4.19",
        "IEC62351-4:4.20",
        "IEC62351-4:4.21",
        "IEC62351-4:4.22",
        "IEC62351-4:4.23",
        "IEC62351-4:4.24",
        "IEC62351-4:4.25",
    ],
    [
        "IEC62351-4:5.1",
        "IEC62351-4:5.2",
        "IEC62351-4:5.3",
        "IEC62351-4:5.4",
        "IEC62351-4:5.5",
        "IEC62351-4:5.6",
        "IEC62351-4:5.7",
        "IEC62351-4:5.8",
        "IEC62351-4:5.9",
        "IEC62351-4:5.10",
        "IEC62351-4:5.11",
        "IEC62351-4:5.12",
        "IEC62351-4:5.13",
        "IEC62351-4:5.14",
        "IEC62351-4:5.15",
        "IEC62351-4:5.16",
        "IEC62351-4:5.17",
        "IEC62351-4:5.18",
        "IEC62351-4:5.19",
        "IEC62351-4:5.20",
        "IEC62351-4:5.21",
        "IEC62351-4:5.22",
        "IEC62351-4:5.23",
        "IEC62351-4:5.24",
        "IEC62351-4:5.25",
    ],
    [
        "IEC62351-4:6.1",
        "IEC62351-4:6.2",
        "IEC62351-4:6.3",
        "IEC62351-4:6.4",
        "IEC62351-4:6.5",
        "IEC62351-4:6.6",
        "IEC62351-4:6.7",
        "IEC62351-4:6.8",
        "IEC62351-4:6.9",
        "IEC62351-4:6.10",
        "IEC62351-4:6.11",
        "IEC62351-4:6.12",
        "IEC62351-4:6.13",
        "IEC62351-4:6.14",
        "IEC62351-4:6.15",
        "IEC62351-4:6.16",
        "IEC62351-4:6.17",
        "IEC62351-4:6.18",
        "IEC62351-4:6.19",
        "IEC62351-4:6.20",
        "IEC62351-4:6.21",
        "IEC62351-4:6.22",
        "IEC62351-4:6.23",
        "IEC62351-4:6.24",
        "IEC62351-4:6.25",
    ],
    [
        "IEC62351-4:7.1",
        "IEC62351-4:7.2",
        "IEC62351-4:7.3",
        "IEC62351-4:7.4",
        "IEC62351-4:7.5",
        "IEC62351-4:7.6",
        "IEC62351-4:7.7",
        "IEC62351-4:7.8",
        "IEC62351-4:7.9",
        "IEC62351-4:7.10",
        "IEC62351-4:7.11",
        "IEC62351-4:7.12",
        "IEC62351-4:7.13",
        "IEC62351-4:7.14",
        "IEC62351-4:7.15",
        "IEC62351-4:7.16",
        "IEC62351-4:7.17",
        "IEC62351-4:7.18",
        "IEC62351-4:7.19",
        "IEC62351-4:7.20",
        "IEC62351-4:7.21",
        "IEC62351-4:7.22",
        "IEC62351-4:7.23",
        "IEC62351-4:7.24",
        "IEC62351-4:7.25",
    ],
    [
        "IEC62351-4:10.1",
        "IEC62351-4:10.2",
        "IEC62351-4:10.3",
        "IEC62351-4:10.4",
        "IEC62351-4:10.5",
        "IEC62351-4:10.6",
        "IEC62351-4:10.7",
        "IEC62351-4:10.8",
        "IEC62351-4:10.9",
        "IEC62351-4:10.10",
        "IEC62351-4:10.11",
        "IEC62351-4:10.12",
        "IEC62351-4:10.13",
        "IEC62351-4:10.14",
        "IEC62351-4:10.15",
        "IEC62351-4:10.16",
        "IEC62351-4:10.17",
        "IEC62351-4:10.18",
        "IEC62351-4:10.19",
        "IEC62351-4:10.20",
        "IEC62351-4:10.21",
        "IEC62351-4:10.22",
        "IEC62351-4:10.23",
        "IEC62351-4:10.24",
        "IEC62351-4:10.25",
    ],
    [
        "IEC62351-4:11.1",
        "IEC62351-4:11.2",
        "IEC62351-4:11.3",
        "IEC62351-4:11.4",
        "IEC62351-4:11.5",
        "IEC62351-4:11.6",
        "IEC62351-4:11.7",
        "IEC62351-4:11.8",
        "IEC62351-4:11.9",
        "IEC62351-4:11.10",
        "IEC62351-4:11.11",
        "IEC62351-4:11.12",
        "IEC62351-4:11.13",
        "IEC62351-4:11.14",
        "IEC62351-4:11.15",
        "IEC62351-4:11.16",
        "IEC62351-4:11.17",
        "IEC62351-4:11.18",
        "IEC62351-4:11.19",
        "IEC62351-4:11.20",
        "IEC62351-4:11.21",
        "IEC62351-4:11.22",
        "IEC62351-4:11.23",
        "IEC62351-4:11.24",
        "IEC62351-4:11.25",
    ],
    [
        "IEC62351-4:12.1",
        "IEC62351-4:12.2",
        "IEC62351-4:12.3",
        "IEC62351-4:12.4",
        "IEC62351-4:12.5",
        "IEC62351-4:12.6",
        "IEC62351-4:12.7",
        "IEC62351-4:12.8",
        "IEC62351-4:12.9",
        "IEC62351-4:12.10",
        "IEC62351-4:12.11",
        "IEC62351-4:12.12",
        "IEC62351-4:12.13",
        "IEC62351-4:12.14",
        "IEC62351-4:12.15",
        "IEC62351-4:12.16",
        "IEC62351-4:12.17",
        "IEC62351-4:12.18",
        "IEC62351-4:12.19",
        "IEC62351-4:12.20",
        "IEC62351-4:12.21",
        "IEC62351-4:12.22",
        "IEC62351-4:12.23",
        "IEC62351-4:12.24",
        "IEC62351-4:12.25",
    ],
    [
        "IEC62351-4:13.1",
        "IEC62351-4:13.2",
        "IEC62351-4:13.3",
        "IEC62351-4:13.4",
        "IEC62351-4:13.5",
        "IEC62351-4:13.6",
        "IEC62351-4:13.7",
        "IEC62351-4:13.8",
        "IEC62351-4:13.9",
        "IEC62351-4:13.10",
        "IEC62351-4:13.11",
        "IEC62351-4:13.12",
        "IEC62351-4:13.13",
        "IEC62351-4:13.14",
        "IEC62351-4:13.15",
        "IEC62351-4:13.16",
        "IEC62351-4:13.17",
        "IEC62351-4:13.18",
        "IEC62351-4:13.19",
        "IEC62351-4:13.20",
        "IEC62351-4:13.21",
        "IEC62351-4:13.22",
        "IEC62351-4:13.23",
        "IEC62351-4:13.24",
        "IEC62351-4:13.25",
    ],
    [
        "IEC62351-4:15.1",
        "IEC62351-4:15.2",
        "IEC62351-4:15.3",
        "IEC62351-4:15.4",
        "IEC62351-4:15.5",
        "IEC62351-4:15.6",
        "IEC62351-4:15.7",
        "IEC62351-4:15.8",
        "IEC62351-4:15.9",
        "IEC62351-4:15.10",
        "IEC62351-4:15.11",
        "IEC62351-4:15.12",
        "IEC62351-4:15.13",
        "IEC62351-4:15.14",
        "IEC62351-4:15.15",
        "IEC62351-4:15.16",
        "IEC62351-4:15.17",
        "IEC62351-4:15.18",
        "IEC62351-4:15.19",
        "IEC62351-4:15.20",
        "IEC62351-4:15.21",
        "IEC62351-4:15.22",
        "IEC62351-4:15.23",
        "IEC62351-4:15.24",
        "IEC62351-4:15.25",
    ],
];

impl Check {
    /// The IEC 62351-14 style mnemonic.
    pub fn mnemonic(self) -> &'static str {
        match self {
            Check::ProtocolError => "PROTOCOL_ERR",
            Check::ProtectedProtocolNotSupported => "PROTECTED_PROT_NOT_SUP",
            Check::UnexpectedVersion => "UNEXP_VERSION",
            Check::SignatureAlgorithmNotSupported => "SIGNATURE_ALGO_NOT_SUP",
            Check::InvalidSignature => "INV_SIGNATURE",
            Check::CertificateInvalid => "PKCERT_ERROR",
            Check::CertificationPathInvalid => "PKCERT_PATH_ERROR",
            Check::AddressMismatch => "ADDR_MISMATCH",
            Check::InvalidTime => "INV_TIME",
            Check::DhGroupNotSupported => "UNSUP_DH_GROUP",
            Check::Replay => "REPLAY_DETEC",
            Check::HmacNotSupported => "HMAC_ALGO_NOT_SUP",
            Check::AlgorithmNegotiation => "ENCR_MODE_ERR",
            Check::InvalidPublicValue => "INV_DH_PUBLIC",
            Check::IcvFailure => "ICV_FAIL",
            Check::IcvAlgorithmMismatch => "ICV_ALGO_MISMATCH",
            Check::InvalidSequence => "INV_SEQ",
            Check::EncryptionMismatch => "ENCR_MISMATCH",
            Check::NonceOrIvMissing => "NONCE_IV_REQ",
            Check::UnexpectedRekey => "UNEXP_REKEY",
            Check::PeerRefused => "PEER_REFUSED",
            Check::OsiEnvironment => "OSI_ENV_ERR",
            Check::ReplayCacheFull => "REPLAY_CACHE_FULL",
            Check::Established => "ESTABLISHED",
            Check::Rekeyed => "REKEYED",
        }
    }

    /// The severity of the event.
    pub fn severity(self) -> Severity {
        match self {
            Check::ProtocolError => Severity::Error,
            Check::ProtectedProtocolNotSupported => Severity::Error,
            Check::UnexpectedVersion => Severity::Error,
            Check::SignatureAlgorithmNotSupported => Severity::Error,
            Check::InvalidSignature => Severity::Alarm,
            Check::CertificateInvalid => Severity::Error,
            Check::CertificationPathInvalid => Severity::Error,
            Check::AddressMismatch => Severity::Alarm,
            Check::InvalidTime => Severity::Error,
            Check::DhGroupNotSupported => Severity::Error,
            Check::Replay => Severity::Alarm,
            Check::HmacNotSupported => Severity::Error,
            Check::AlgorithmNegotiation => Severity::Error,
            Check::InvalidPublicValue => Severity::Error,
            Check::IcvFailure => Severity::Alarm,
            Check::IcvAlgorithmMismatch => Severity::Alarm,
            Check::InvalidSequence => Severity::Error,
            Check::EncryptionMismatch => Severity::Error,
            Check::NonceOrIvMissing => Severity::Error,
            Check::UnexpectedRekey => Severity::Error,
            Check::PeerRefused => Severity::Warning,
            Check::OsiEnvironment => Severity::Error,
            Check::ReplayCacheFull => Severity::Alarm,
            Check::Established => Severity::Notice,
            Check::Rekeyed => Severity::Notice,
        }
    }
}

/// The stable event code `IEC62351-4:<group>.<check>`.
pub fn code(group: Group, check: Check) -> &'static str {
    let g = GROUPS.iter().position(|x| *x == group).unwrap_or(0);
    let c = CHECKS.iter().position(|x| *x == check).unwrap_or(0);
    CODES
        .get(g)
        .and_then(|row| row.get(c))
        .copied()
        .unwrap_or("IEC62351-4:0.0")
}

/// Records one event: code, severity, mnemonic and `detail` (never secret material).
pub fn record(events: &SecurityEvents, group: Group, check: Check, detail: &str) {
    let d = format!("{} {detail}", check.mnemonic());
    events.record(code(group, check), check.severity(), &d);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_the_confirmed_one_matches() {
        assert_eq!(code(Group::HandshakeReq, Check::Replay), "IEC62351-4:1.11");
        assert_eq!(
            code(Group::ClearTransfer, Check::IcvFailure),
            "IEC62351-4:10.15"
        );
        assert_eq!(code(Group::Osi, Check::Rekeyed), "IEC62351-4:15.25");
        assert_eq!(Check::Replay.severity(), Severity::Alarm);
        assert_eq!(Check::InvalidTime.severity(), Severity::Error);
        let ev = SecurityEvents::new();
        record(&ev, Group::HandshakeReq, Check::Replay, "assoID 7");
        assert_eq!(ev.count("IEC62351-4:1.11"), 1);
    }
}
