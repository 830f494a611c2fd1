//! Every code the A-profile can record (its catalogue) and the IEC 62351-14 identifiers it
//! names: each must be an event of the `IEC62351-9` domain (certificates and revocation),
//! typed below from the committee draft as paraphrased (docs/security-log.md), with the same
//! severity unless the difference is listed and explained (docs/a-profile.md). IEC 62351-14
//! has no group for the A-security-profile, so no other domain may appear.

mod common;

use std::sync::Arc;

use a_sec_profile::events::{self, CATALOGUE};
use acse::security::{SecurityEvents, Severity};
use common::*;

/// IEC 62351-14 (CDV) Annex B, domain IEC62351-9 (= IEC 62351-9:2023 Annex D):
/// (identifier, mnemonic, severity).
const IEC62351_9: &[(&str, &str, &str)] = &[
    ("IEC62351-9:1.1", "CRED_PKCS12_FORMAT", "warning"),
    ("IEC62351-9:1.2", "CRED_PKCS8_FORMAT", "warning"),
    ("IEC62351-9:1.3", "CRED_ENR_SCEP_SUCC", "notice"),
    ("IEC62351-9:1.4", "CRED_ENR_SCEP_FAIL", "error"),
    ("IEC62351-9:1.5", "CRED_ENR_EST_SUCC", "notice"),
    ("IEC62351-9:1.6", "CRED_ENR_EST_FAIL", "error"),
    ("IEC62351-9:2.1", "CERT_V_FORMAT", "warning"),
    ("IEC62351-9:2.2", "CERT_V_PK_SIG_WRONG", "alarm"),
    ("IEC62351-9:2.3", "CERT_V_PK_VERSION", "error"),
    ("IEC62351-9:2.4", "CERT_V_PC_ISSUER", "error"),
    ("IEC62351-9:2.5", "CERT_PK_SIG_ALG", "error"),
    ("IEC62351-9:2.6", "CERT_V_PK_EXPIRED", "error"),
    ("IEC62351-9:2.7", "CERT_V_PK_EARLY", "error"),
    ("IEC62351-9:2.8", "CERT_V_PK_SUBJECT", "warning"),
    ("IEC62351-9:2.9", "CERT_V_PK_ALG_MISMATCH", "error"),
    ("IEC62351-9:2.10", "CERT_V_PK_TA", "error"),
    ("IEC62351-9:2.11", "CERT_V_PK_PATH", "error"),
    ("IEC62351-9:2.12", "CERT_V_PKCE_CEXT", "error"),
    ("IEC62351-9:2.13", "CERT_V_PKCE_EXT_VALUE", "error"),
    ("IEC62351-9:2.14", "CERT_V_PK_AKID", "error"),
    ("IEC62351-9:2.15", "CERT_V_PKCE_SKID", "error"),
    ("IEC62351-9:2.16", "CERT_V_PKCE_SAN", "error"),
    ("IEC62351-9:2.17", "CERT_V_PKCE_BC", "error"),
    ("IEC62351-9:2.18", "CERT_V_PKCE_PL", "error"),
    ("IEC62351-9:2.19", "CERT_KU_DIGSIG", "error"),
    ("IEC62351-9:2.20", "CERT_PKCE_KU", "error"),
    ("IEC62351-9:2.21", "CERT_PKCE_KU_KCS", "error"),
    ("IEC62351-9:2.22", "CERT_PKCE_KU_CRLS", "error"),
    ("IEC62351-9:2.23", "CERT_PKCE_EKU_TLS_SA", "error"),
    ("IEC62351-9:2.24", "CERT_PKCE_EKU_TLS_CA", "error"),
    ("IEC62351-9:2.25", "CERT_PKCE_EKU_OCSPS", "error"),
    ("IEC62351-9:2.26", "CERT_V_PKCE_NCDP", "warning"),
    ("IEC62351-9:2.27", "CERT_V_PKCE_NOCSP", "warning"),
    ("IEC62351-9:3.1", "CERT_V_FORMAT", "warning"),
    ("IEC62351-9:3.2", "CERT_V_AC_SIG_WRONG", "alarm"),
    ("IEC62351-9:3.3", "CERT_V_AC_VERSION", "error"),
    ("IEC62351-9:3.4", "CERT_V_AC_HOLDER_PK", "warning"),
    ("IEC62351-9:3.5", "CERT_V_AC_HOLDER_NPK", "warning"),
    ("IEC62351-9:3.6", "CERT_V_AC_ISSUER_CONFIG", "error"),
    ("IEC62351-9:3.7", "CERT_V_AC_ISSUER_TCA", "error"),
    ("IEC62351-9:3.8", "CERT_V_AC_EXPIRED", "error"),
    ("IEC62351-9:3.9", "CERT_V_AC_EARLY", "error"),
    ("IEC62351-9:3.10", "CERT_V_ACE_EXT", "error"),
    ("IEC62351-9:3.11", "CERT_V_ACE_EXT_VALUE", "error"),
    ("IEC62351-9:3.12", "CERT_V_ACCE_EXT", "warning"),
    ("IEC62351-9:3.13", "CERT_V_ACE_AKID", "error"),
    ("IEC62351-9:3.14", "CERT_V_ACE_NRII", "notice"),
    ("IEC62351-9:3.15", "CERT_V_ACE_NCDP", "warning"),
    ("IEC62351-9:3.16", "CERT_V_ACE_NOCSP", "warning"),
    ("IEC62351-9:4.1", "CERT_V_REVOKED", "alarm"),
    ("IEC62351-9:4.2", "CERT_V_R_NR_CRL", "warning"),
    ("IEC62351-9:4.3", "CERT_V_CRL_EXP", "warning"),
    ("IEC62351-9:4.4", "CERT_V_CRL_SIG_FAIL", "warning"),
    ("IEC62351-9:4.5", "CERT_V_R_NR_OCSP", "warning"),
    ("IEC62351-9:4.6", "CERT_V_R_TO_OCSP", "warning"),
    ("IEC62351-9:4.7", "CERT_V_R_CU_OCSP", "warning"),
    ("IEC62351-9:4.8", "CERT_V_R_OCSP_EXP", "warning"),
    ("IEC62351-9:4.9", "CERT_V_OCSP_SIG_FAIL", "warning"),
    ("IEC62351-9:5.1", "IKEv1_CALG_MISMATCH", "error"),
    ("IEC62351-9:5.2", "IKEv1_PADDING", "error"),
    ("IEC62351-9:5.3", "GROUP_PULL_EXPIRED_SA", "warning"),
    ("IEC62351-9:5.4", "GROUP_PULL_PHASE2_DECRYPTION", "warning"),
    (
        "IEC62351-9:5.5",
        "GROUP_PULL_PHASE2_GROUP_NONEXISTENT",
        "warning",
    ),
    (
        "IEC62351-9:5.6",
        "GROUP_PULL_PHASE1_KEY_NEGOTIATION",
        "notice",
    ),
    (
        "IEC62351-9:5.7",
        "GROUP_PUSH_UNREACHABLE_DESTINATION",
        "error",
    ),
    ("IEC62351-9:5.8", "KDA_FAILURE", "notice"),
];

/// Our severities that differ from the draft's: (code, ours, the draft's, why).
const SEVERITY_DIFFERS: &[(&str, Severity, Severity, &str)] = &[
    (
        events::CERTIFICATE_INVALID,
        Severity::Error,
        Severity::Warning,
        "IEC62351-9:2.1 is a warning about any certificate that does not decode; here it \
         refuses the association, like every other refusal (error)",
    ),
    (
        events::CERTIFICATE_UNTRUSTED,
        Severity::Alarm,
        Severity::Error,
        "IEC 62351-3 rates the same failure of a TLS peer (no trust anchor, bad certificate \
         signature) an alarm; a peer that cannot be authenticated is kept an alarm",
    ),
];

fn severity(s: &str) -> Severity {
    match s {
        "alarm" => Severity::Alarm,
        "error" => Severity::Error,
        "warning" => Severity::Warning,
        "notice" => Severity::Notice,
        other => panic!("severity {other}"),
    }
}

/// The codes declared in `events.rs` (`pub const NAME: &str = "a_profile.…";`).
fn declared_codes() -> Vec<&'static str> {
    include_str!("../src/events.rs")
        .lines()
        .filter(|l| l.starts_with("pub const ") && l.contains(": &str = \""))
        .filter_map(|l| l.split('"').nth(1))
        .collect()
}

#[test]
fn the_catalogue_lists_every_declared_code_once() {
    let declared = declared_codes();
    assert_eq!(declared.len(), 28, "{declared:?}");
    for code in &declared {
        assert!(code.starts_with("a_profile."), "{code}");
        assert_eq!(
            CATALOGUE.iter().filter(|e| e.code == *code).count(),
            1,
            "{code}"
        );
    }
    assert_eq!(CATALOGUE.len(), declared.len());
}

#[test]
fn every_identifier_is_an_iec62351_9_event_with_its_severity() {
    let mut named = Vec::new();
    for e in CATALOGUE {
        let Some(id) = e.iec62351_14 else { continue };
        named.push(e.code);
        let (_, name, sev) = IEC62351_9
            .iter()
            .find(|(i, _, _)| *i == id)
            .unwrap_or_else(|| panic!("{}: {id} is not an IEC62351-9 event", e.code));
        match SEVERITY_DIFFERS.iter().find(|(c, ..)| *c == e.code) {
            Some((_, ours, theirs, _)) => {
                assert_eq!(e.severity, *ours, "{}", e.code);
                assert_eq!(severity(sev), *theirs, "{} vs {id} {name}", e.code);
                assert_ne!(ours, theirs);
            }
            None => assert_eq!(e.severity, severity(sev), "{} vs {id} {name}", e.code),
        }
    }
    assert_eq!(
        named,
        [
            events::CERTIFICATE_INVALID,
            events::CERTIFICATE_UNTRUSTED,
            events::CERTIFICATE_EXPIRED,
            events::CERTIFICATE_NOT_YET_VALID,
            events::CERTIFICATE_REVOKED,
            events::CRL_STALE,
            events::KEY_USAGE,
        ]
    );
    // The reference table: unique identifiers; group 2 has 27 events, group 4 nine.
    for (i, (a, _, _)) in IEC62351_9.iter().enumerate() {
        assert!(IEC62351_9[i + 1..].iter().all(|(b, _, _)| b != a), "{a}");
    }
    let in_group = |g: &str| {
        IEC62351_9
            .iter()
            .filter(|(i, _, _)| i.starts_with(g))
            .count()
    };
    assert_eq!(
        (in_group("IEC62351-9:2."), in_group("IEC62351-9:4.")),
        (27, 9)
    );
}

/// The factory registers the identifiers with the recorder, so sinks see them.
#[test]
fn the_factory_registers_the_identifiers() {
    let ev = Arc::new(SecurityEvents::new());
    assert_eq!(ev.iec62351_14_id(events::CERTIFICATE_REVOKED), None);
    let _f = factory(config(client_cred(), &ev));
    for e in CATALOGUE {
        assert_eq!(ev.iec62351_14_id(e.code), e.iec62351_14, "{}", e.code);
    }
    assert_eq!(
        ev.iec62351_14_id(events::CERTIFICATE_REVOKED),
        Some("IEC62351-9:4.1")
    );
}

/// The revocation events of the shared checker (`cot::revocation::events`), which the
/// A-profile records as path warnings, are IEC62351-9 events with the draft's severities, and
/// the factory registers them too.
#[test]
fn the_shared_revocation_events_are_iec62351_9_events() {
    use cot::revocation::events as rev;
    for e in rev::CATALOGUE {
        let (_, name, sev) = IEC62351_9
            .iter()
            .find(|(i, _, _)| *i == e.iec62351_14)
            .unwrap_or_else(|| panic!("{}: {} is not an IEC62351-9 event", e.code, e.iec62351_14));
        assert_eq!(e.severity, severity(sev), "{} vs {name}", e.code);
    }
    // Group 4 (revocation) is covered whole, each event once.
    for (id, _, _) in IEC62351_9
        .iter()
        .filter(|(i, _, _)| i.starts_with("IEC62351-9:4."))
    {
        assert_eq!(
            rev::CATALOGUE
                .iter()
                .filter(|e| e.iec62351_14 == *id)
                .count(),
            1,
            "{id}"
        );
    }
    let ev = Arc::new(SecurityEvents::new());
    let _f = factory(config(client_cred(), &ev));
    for e in rev::CATALOGUE {
        assert_eq!(ev.iec62351_14_id(e.code), Some(e.iec62351_14), "{}", e.code);
    }
}
