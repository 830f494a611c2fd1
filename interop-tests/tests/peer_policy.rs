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
