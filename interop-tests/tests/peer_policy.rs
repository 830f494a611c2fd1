//! Per-peer security policy (IEC 62351-4 §5.1) on a real server with a plain and a TLS listener:
//! a partner recognised by its calling AP-title / AE-qualifier is served when its association
//! meets its entry; one below its entry is refused with authentication-required, an unknown
//! one with calling-AP-title-not-recognized, each with its security event on the server.
//! Certificates are generated at test time.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use acse::apdu::{Diagnostic, ServiceUserDiagnostic};
use acse::association::Refused;
use copp::ber::oid_from_str;
use cot::pki::{Credential, KeyKind, LeafSpec, Pki};
use cot::security_event::SecurityEvents;
use cot::tls::{TlsClient, TlsConfig, TlsServer};
use mms::client::{Client, ClientConfig, ClientError};
use mms::endpoint::InitiateRefusal;
use mms::server::model::demo;
use mms::server::policy::{
    ApplicationRequirement, PeerMatch, PeerPolicy, PeerTable, TransportRequirement, BELOW_POLICY,
    UNKNOWN_PEER,
};
use mms::server::{RunningServer, Server, ServerConfig};

const SECURE_PARTNER: &str = "1.3.9999.1";
const PLAIN_PARTNER: &str = "1.3.9999.2";
const STRANGER: &str = "1.3.9999.3";

fn localhost() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

fn tls_config(cred: &Credential, pki: &Pki) -> TlsConfig {
    let mut chain = vec![cred.certificate.clone()];
    chain.extend(cred.chain.iter().cloned());
    TlsConfig::new()
        .with_identity(chain, cred.key.clone())
        .with_trust_anchor(pki.ca().certificate.clone())
}

/// A demo-model server, plain listener first and TLS listener second, with the policy table.
fn server(pki: &Pki) -> (RunningServer, Arc<SecurityEvents>) {
    let cred = pki
        .issue(&LeafSpec::new("server").with_key(KeyKind::EcP256))
        .expect("server credential");
    let events = Arc::new(SecurityEvents::new());
    let tls = TlsServer::new(&tls_config(&cred, pki), events.clone()).expect("TLS context");
    let table = PeerTable::new()
        .with(
            PeerMatch::ae_title(oid_from_str(SECURE_PARTNER).expect("oid"), Some(1)),
            PeerPolicy::new(
                TransportRequirement::Secure,
                ApplicationRequirement::NonSecure,
            ),
        )
        .with(
            PeerMatch::ae_title(oid_from_str(PLAIN_PARTNER).expect("oid"), None),
            PeerPolicy::new(
                TransportRequirement::DontCare,
                ApplicationRequirement::NonSecure,
            ),
        );
    let config = ServerConfig::default()
        .with_listen(vec![localhost()])
        .with_tls_listen(vec![localhost()])
        .with_tls_server(Some(Arc::new(tls)))
        .with_events(events.clone())
        .with_peer_policy(Some(Arc::new(table)));
    let model = Arc::new(demo::model(None).expect("demo model"));
    let running = Server::bind(config, model)
        .expect("bind")
        .spawn()
        .expect("spawn");
    (running, events)
}

fn client(ap_title: &str, ae_qualifier: Option<i64>, tls: Option<Arc<TlsClient>>) -> ClientConfig {
    let mut c = ClientConfig::default()
        .with_connect_timeout(Duration::from_secs(5))
        .with_tls_client(tls)
        .with_tls_server_name(Some("localhost".into()));
    c.endpoint.association.local.ap_title = Some(oid_from_str(ap_title).expect("oid"));
    c.endpoint.association.local.ae_qualifier = ae_qualifier;
    c
}

fn wait_event(events: &SecurityEvents, code: &str, n: u64) -> u64 {
    let t0 = Instant::now();
    while events.count(code) < n && t0.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    events.count(code)
}

/// The ACSE diagnostic of an AARE that refused us.
fn refused_with(r: Result<Client, ClientError>) -> ServiceUserDiagnostic {
    match r {
        Err(ClientError::Refused(refusal)) => match *refusal {
            InitiateRefusal::Peer {
                refused:
                    Refused::Acse {
                        diagnostic: Diagnostic::ServiceUser(d),
                        ..
                    },
                ..
            } => d,
            other => panic!("refused otherwise: {other:?}"),
        },
        Err(e) => panic!("failed otherwise: {e}"),
        Ok(_) => panic!("admitted"),
    }
}

#[test]
fn partners_are_admitted_by_their_entry_and_refused_below_it_or_unknown() {
    let pki = Pki::new_root("peer_policy CA", KeyKind::EcP256).expect("ca");
    let (server, events) = server(&pki);
    let addrs = server.handle().local_addrs().to_vec();
    let (plain, tls) = (addrs[0], addrs[1]);
    let client_cred = pki
        .issue(&LeafSpec::new("client").with_key(KeyKind::EcP256))
        .expect("client credential");
    let cevents = Arc::new(SecurityEvents::new());
    let tls_client = Arc::new(
        TlsClient::new(&tls_config(&client_cred, &pki), cevents).expect("TLS client context"),
    );

    // The plain partner is served on the plain port.
    let c = Client::connect(plain, client(PLAIN_PARTNER, None, None)).expect("plain partner");
    c.identify().expect("identify");
    c.conclude().expect("conclude");

    // The secure partner without TLS is below its entry.
    let d = refused_with(Client::connect(
        plain,
        client(SECURE_PARTNER, Some(1), None),
    ));
    assert_eq!(d, ServiceUserDiagnostic::AuthenticationRequired);
    assert_eq!(wait_event(&events, BELOW_POLICY, 1), 1);

    // Over TLS it is served.
    let c = Client::connect(
        tls,
        client(SECURE_PARTNER, Some(1), Some(tls_client.clone())),
    )
    .expect("secure partner over TLS");
    assert!(c.tls_info().is_some());
    c.identify().expect("identify");
    c.conclude().expect("conclude");

    // The right AP-title with another AE-qualifier is not that partner.
    let d = refused_with(Client::connect(
        tls,
        client(SECURE_PARTNER, Some(2), Some(tls_client.clone())),
    ));
    assert_eq!(d, ServiceUserDiagnostic::CallingApTitleNotRecognized);
    // Nor is a stranger, whatever the transport.
    let d = refused_with(Client::connect(plain, client(STRANGER, None, None)));
    assert_eq!(d, ServiceUserDiagnostic::CallingApTitleNotRecognized);
    assert_eq!(wait_event(&events, UNKNOWN_PEER, 2), 2);
    assert_eq!(events.count(BELOW_POLICY), 1);
    server.stop().expect("stop");
}

/// One TLS listener, two application-layer mechanisms chosen per association by the AARQ's
/// application context (IEC 62351-4 §5.2), and a policy that wants SECURE application security
/// from the partner: an A-profile partner and an end-to-end partner are both served (each
/// mechanism authenticates it), a partner with TLS alone is refused below its level.
#[test]
fn a_profile_and_end_to_end_partners_share_a_listener_and_a_partner_below_its_level_is_refused() {
    use a_sec_profile::{AProfileConfig, AProfileFactory, Credentials};
    use acse::address::Address;
    use acse::security::{ApplicationSecurity, SecurityFactory};
    use e2e_sec::{E2eMode, IcvAlgorithm};
    use interop_tests::mitm::E2eRig;

    let tls_pki = Pki::new_root("shared listener TLS CA", KeyKind::EcP256).expect("ca");
    let tls_server_cred = tls_pki
        .issue(&LeafSpec::new("server").with_key(KeyKind::EcP256))
        .expect("tls server");
    let tls_client_cred = tls_pki
        .issue(&LeafSpec::new("client").with_key(KeyKind::EcP256))
        .expect("tls client");
    let ap_pki = Pki::new_root("shared listener A-profile CA", KeyKind::Rsa(2048)).expect("ca");
    let ap_server = ap_pki
        .issue(&LeafSpec::new("A-profile server").with_object_identifier("1.1.1.999.1.12"))
        .expect("ap server");
    let ap_client = ap_pki
        .issue(&LeafSpec::new("A-profile client").with_object_identifier("1.1.1.999.12"))
        .expect("ap client");
    let rig = E2eRig::new().expect("E2E rig");
    let mode = E2eMode::IcvOnly(IcvAlgorithm::HmacSha256);

    // The server: TLS only, A-profile (not requiring authentication by itself, so the policy
    // is what refuses) and end-to-end security, and the policy.
    let events = Arc::new(SecurityEvents::new());
    let tls = TlsServer::new(&tls_config(&tls_server_cred, &tls_pki), events.clone())
        .expect("TLS context");
    let mut a_profile = AProfileConfig::new(events.clone())
        .with_credentials(
            Credentials::new(
                ap_server.certificate.clone(),
                ap_server.key.clone(),
                Vec::new(),
            )
            .expect("credentials"),
        )
        .with_anchor(ap_pki.ca().certificate.clone());
    a_profile.require_authentication = false;
    let partner = Address::default_local();
    let table = PeerTable::new().with(
        PeerMatch::ae_title(
            partner.ap_title.clone().expect("AP-title"),
            partner.ae_qualifier,
        ),
        PeerPolicy::new(TransportRequirement::Secure, ApplicationRequirement::Secure),
    );
    let mut config = ServerConfig::default()
        .with_listen(Vec::new())
        .with_tls_listen(vec![localhost()])
        .with_tls_server(Some(Arc::new(tls)))
        .with_events(events.clone())
        .with_peer_policy(Some(Arc::new(table)))
        .with_a_profile_and_e2e(a_profile, rig.server_config(mode))
        .expect("both mechanisms");
    config.endpoint.association.local = Address::default_remote();
    config.endpoint.association.remote = Address::default_local();
    let model = Arc::new(demo::model(None).expect("demo model"));
    let server = Server::bind(config, model)
        .expect("bind")
        .spawn()
        .expect("spawn");
    let addr = *server.handle().local_addrs().last().expect("TLS listener");
    let tls_client = |events: &Arc<SecurityEvents>| {
        Some(Arc::new(
            TlsClient::new(&tls_config(&tls_client_cred, &tls_pki), events.clone())
                .expect("TLS client"),
        ))
    };
    let seen_by_server = |n: usize| {
        let t0 = Instant::now();
        loop {
            let all = server.handle().associations();
            if all.len() >= n || t0.elapsed() > Duration::from_secs(5) {
                return all;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    };

    // The A-profile partner.
    let cev = Arc::new(SecurityEvents::new());
    let ap_factory: Arc<dyn SecurityFactory> = Arc::new(
        AProfileFactory::new(
            AProfileConfig::new(cev.clone())
                .with_credentials(
                    Credentials::new(
                        ap_client.certificate.clone(),
                        ap_client.key.clone(),
                        Vec::new(),
                    )
                    .expect("credentials"),
                )
                .with_anchor(ap_pki.ca().certificate.clone()),
        )
        .expect("A-profile factory"),
    );
    let c = Client::connect(
        addr,
        ClientConfig::default()
            .with_tls_client(tls_client(&cev))
            .with_tls_server_name(Some("localhost".into()))
            .with_security(Some(ap_factory))
            .with_events(cev),
    )
    .expect("A-profile partner");
    assert_eq!(
        c.authenticated_peer().map(|p| p.mechanism),
        Some("iec62351-4-a-profile")
    );
    let all = seen_by_server(1);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].application_security, ApplicationSecurity::AProfile);
    assert!(all[0].tls);
    c.identify().expect("identify");
    c.conclude().expect("conclude");

    // The end-to-end partner, on the same listener.
    let (mut cc, _f) = rig.mms_client(rig.client_config(mode)).expect("E2E client");
    cc.tls = tls_client(&cc.events);
    cc.tls_server_name = Some("localhost".into());
    let c = Client::connect(addr, cc).expect("end-to-end partner");
    assert_eq!(
        c.authenticated_peer().map(|p| p.mechanism),
        Some("iec62351-4-e2e")
    );
    let all = seen_by_server(1);
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0].application_security, ApplicationSecurity::EndToEnd);
    c.identify().expect("identify over E2E");
    c.conclude().expect("conclude");

    // TLS alone: below the partner's level.
    let kev = Arc::new(SecurityEvents::new());
    let d = refused_with(Client::connect(
        addr,
        ClientConfig::default()
            .with_tls_client(tls_client(&kev))
            .with_tls_server_name(Some("localhost".into()))
            .with_events(kev)
            .with_connect_timeout(Duration::from_secs(5)),
    ));
    assert_eq!(d, ServiceUserDiagnostic::AuthenticationRequired);
    assert_eq!(wait_event(&events, BELOW_POLICY, 1), 1);
    assert_eq!(events.count(UNKNOWN_PEER), 0);
    server.stop().expect("stop");
}
