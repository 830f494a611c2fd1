//! `mms server --peer-policy FILE`: the per-peer security policy (IEC 62351-4 §5.1) as a JSON
//! file (docs/peer-policy.md), loaded into a [`PeerTable`] and checked before the server
//! starts: an entry an earlier one covers, and an entry this server's configuration can never
//! meet, are refused with the entry's place and the reason.

use std::net::IpAddr;
use std::path::Path;

use mms::server::policy::{
    ApplicationRequirement, PeerMatch, PeerPolicy, PeerTable, TransportRequirement,
};
use serde::Deserialize;

/// The file: the partners in search order.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    peers: Vec<PeerEntry>,
}

/// One partner: how it is recognised (every field given must match) and what it must use.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PeerEntry {
    ap_title: Option<String>,
    ae_qualifier: Option<i64>,
    address: Option<IpAddr>,
    certificate_subject: Option<String>,
    #[serde(default)]
    transport: Transport,
    #[serde(default)]
    application: Application,
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Transport {
    #[default]
    DontCare,
    NonSecure,
    Secure,
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Application {
    #[default]
    NonSecure,
    Secure,
    EndToEnd,
}

/// What the server offers, for the contradiction checks.
#[derive(Debug, Clone, Copy)]
pub struct Offered {
    /// A plain RFC 1006 listener.
    pub plain: bool,
    /// A TLS listener.
    pub tls: bool,
    /// The A-security-profile is configured.
    pub a_profile: bool,
    /// End-to-end security is configured.
    pub e2e: bool,
}

/// Reads and checks the policy file at `path`.
pub fn load(path: &Path, offered: Offered) -> Result<PeerTable<PeerPolicy>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the peer policy {}: {e}", path.display()))?;
    parse(&text, offered).map_err(|e| format!("peer policy {}: {e}", path.display()))
}

/// Parses and checks a policy file's text.
fn parse(text: &str, offered: Offered) -> Result<PeerTable<PeerPolicy>, String> {
    let file: PolicyFile = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let mut table = PeerTable::new();
    for (i, p) in file.peers.iter().enumerate() {
        let at = format!("peers[{i}]");
        let ap_title =
            match &p.ap_title {
                Some(t) => Some(copp::ber::oid_from_str(t).map_err(|_| {
                    format!("{at}.ap_title: '{t}' is not a dotted object identifier")
                })?),
                None => None,
            };
        let transport = match p.transport {
            Transport::DontCare => TransportRequirement::DontCare,
            Transport::NonSecure if !offered.plain => {
                return Err(format!(
                    "{at}: transport non_secure, but this server listens with TLS only"
                ))
            }
            Transport::NonSecure => TransportRequirement::NonSecure,
            Transport::Secure if !offered.tls => {
                return Err(format!(
                    "{at}: transport secure, but this server has no TLS listener (--tls-cert)"
                ))
            }
            Transport::Secure => TransportRequirement::Secure,
        };
        let application = match p.application {
            Application::NonSecure => ApplicationRequirement::NonSecure,
            Application::Secure if !(offered.a_profile || offered.e2e) => {
                return Err(format!(
                    "{at}: application secure, but neither the A-security-profile (--auth-cert) \
                     nor end-to-end security (--e2e-cert) is configured"
                ))
            }
            Application::Secure => ApplicationRequirement::Secure,
            Application::EndToEnd if !offered.e2e => {
                return Err(format!(
                    "{at}: application end_to_end, but end-to-end security (--e2e-cert) is not \
                     configured"
                ))
            }
            Application::EndToEnd => ApplicationRequirement::EndToEnd,
        };
        let mut peer = PeerMatch::default();
        peer.ap_title = ap_title;
        peer.ae_qualifier = p.ae_qualifier;
        peer.address = p.address;
        peer.certificate_subject = p.certificate_subject.clone();
        table.push(peer, PeerPolicy::new(transport, application));
    }
    table
        .check()
        .map_err(|e| format!("peers[{}]: {e}", e.entry))?;
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: Offered = Offered {
        plain: true,
        tls: true,
        a_profile: true,
        e2e: true,
    };

    #[test]
    fn a_good_file_loads_in_order() {
        let t = parse(
            r#"{ "peers": [
                { "ap_title": "1.1.1.999", "ae_qualifier": 12, "transport": "secure", "application": "secure" },
                { "ap_title": "1.1.1.999", "application": "end_to_end" },
                { "address": "10.0.0.7" }
            ] }"#,
            ALL,
        )
        .expect("loads");
        assert_eq!(t.entries().len(), 3);
        assert_eq!(t.entries()[0].1.transport, TransportRequirement::Secure);
        assert_eq!(
            t.entries()[1].1.application,
            ApplicationRequirement::EndToEnd
        );
        assert_eq!(t.entries()[2].1, PeerPolicy::default());
    }

    #[test]
    fn contradictions_are_refused_with_the_place() {
        let plain_only = Offered {
            plain: true,
            tls: false,
            a_profile: false,
            e2e: false,
        };
        for (text, offered, want) in [
            (
                r#"{ "peers": [ { "ap_title": "1.1.1.999", "ae_qualifier": 12 },
                                { "ap_title": "1.1.1.999", "ae_qualifier": 12, "transport": "secure" } ] }"#,
                ALL,
                "peers[1]: entry 1 can never match: entry 0",
            ),
            (
                r#"{ "peers": [ { "ap_title": "1.1.1.999" }, { "ap_title": "1.1.1.999", "ae_qualifier": 3 } ] }"#,
                ALL,
                "peers[1]: entry 1 can never match",
            ),
            (
                r#"{ "peers": [ { "ap_title": "1.1.1.999", "transport": "secure" } ] }"#,
                plain_only,
                "peers[0]: transport secure, but this server has no TLS listener",
            ),
            (
                r#"{ "peers": [ { "ap_title": "1.1.1.999", "application": "secure" } ] }"#,
                plain_only,
                "peers[0]: application secure, but neither",
            ),
            (
                r#"{ "peers": [ { "ap_title": "1.1.1.999", "application": "end_to_end" } ] }"#,
                Offered { e2e: false, ..ALL },
                "peers[0]: application end_to_end",
            ),
            (
                r#"{ "peers": [ { "transport": "non_secure" } ] }"#,
                Offered {
                    plain: false,
                    ..ALL
                },
                "peers[0]: transport non_secure",
            ),
            (
                r#"{ "peers": [ { "ap_title": "one.two" } ] }"#,
                ALL,
                "peers[0].ap_title",
            ),
            (
                r#"{ "peers": [ { "transport": "maybe" } ] }"#,
                ALL,
                "unknown variant",
            ),
            (
                r#"{ "peers": [ { "ap_titel": "1.1" } ] }"#,
                ALL,
                "unknown field",
            ),
        ] {
            let e = parse(text, offered).expect_err(text);
            assert!(e.starts_with(want) || e.contains(want), "{text}: {e}");
        }
    }
}
