//! The security layers together, between our client and our server over loopback TCP:
//!
//! * the "compatibility stack" of IEC 62351-4 Table 1: TLS (the T-profile, §6) with the
//!   A-security-profile (§11) on top, with separate certificates for each (Annex G.2);
//! * end-to-end security (native mode, §13–§15) with TLS underneath, in an ICV-only and an
//!   encrypting mode.
//!
//! Each carries a whole MMS session on the demo model (identify, browse, read, write and read
//! back, file directory, conclude), both ends name the peer the application layer
//! authenticated, the client sees the TLS version and suite, and the mechanisms know they run
//! over TLS (the A-profile records no "without TLS" warning, E2E no alarm or error).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use a_sec_profile::{events as aevents, AProfileConfig, AProfileFactory, Credentials};
use acse::address::Address;
use acse::security::SecurityFactory;
use cot::pki::{Credential, KeyKind, LeafSpec, Pki};
use cot::security_event::{SecurityEvents, Severity};
use cot::tls::{TlsClient, TlsConfig, TlsServer};
use e2e_sec::config::AeadAlgorithm;
use e2e_sec::{E2eFactory, E2eMode, IcvAlgorithm};
use interop_tests::mitm::{E2eRig, CLIENT_BINDING, SERVER_BINDING};
use mms::client::{Client, ClientConfig};
use mms::data::{Data, FloatingPoint};
use mms::server::model::demo;
use mms::server::{RunningServer, Server, ServerConfig};
use mms::ObjectName;

/// The TLS identities: their own CA and certificates (Annex G.2: not the application ones).
struct TlsPki {
    server: TlsConfig,
    client: TlsConfig,
}

fn tls_pki() -> TlsPki {
    let pki = Pki::new_root("combined TLS CA", KeyKind::EcP256).expect("TLS CA");
    let make = |cn: &str| {
        let cred = pki
            .issue(&LeafSpec::new(cn).with_key(KeyKind::EcP256))
            .expect("TLS leaf");
        let mut chain = vec![cred.certificate.clone()];
        chain.extend(cred.chain.iter().cloned());
        TlsConfig::new()
            .with_identity(chain, cred.key.clone())
            .with_trust_anchor(pki.ca().certificate.clone())
    };
    TlsPki {
        server: make("combined TLS server"),
        client: make("combined TLS client"),
    }
}

/// A TLS-only server (no plain listener) with the demo model and `security`.
fn server(
    tls: &TlsConfig,
    security: Arc<dyn SecurityFactory>,
    events: Arc<SecurityEvents>,
) -> (RunningServer, SocketAddr) {
    let t = TlsServer::new(tls, events.clone()).expect("TLS server context");
    let files = interop_tests::scratch_dir("security-combined");
    let model = Arc::new(demo::model(Some(&files)).expect("demo model"));
    let mut config = ServerConfig::default()
        .with_listen(Vec::new())
        .with_tls_listen(vec![SocketAddr::from(([127, 0, 0, 1], 0))])
        .with_tls_server(Some(Arc::new(t)))
        .with_security(Some(security))
        .with_events(events);
    config.endpoint.association.local = Address::default_remote();
    config.endpoint.association.remote = Address::default_local();
    let server = Server::bind(config, model)
        .and_then(Server::spawn)
        .expect("server");
    let addr = *server.handle().local_addrs().last().expect("TLS listener");
    (server, addr)
}

fn client_config(
    tls: &TlsConfig,
    security: Arc<dyn SecurityFactory>,
    events: Arc<SecurityEvents>,
) -> ClientConfig {
    let t = TlsClient::new(tls, events.clone()).expect("TLS client context");
    ClientConfig::default()
        .with_tls_client(Some(Arc::new(t)))
        .with_tls_server_name(Some("localhost".into()))
        .with_security(Some(security))
        .with_events(events)
        .with_connect_timeout(Duration::from_secs(10))
        .with_request_timeout(Duration::from_secs(10))
}

/// The session every combination carries; returns the server's view of the client.
fn session(
    server: &RunningServer,
    addr: SocketAddr,
    config: ClientConfig,
    mechanism: &str,
    server_binding: &str,
    client_binding: &str,
) {
    let client = Client::connect(addr, config).expect("associate over TLS");
    let tls = client.tls_info().expect("the client runs over TLS");
    assert!(tls.version.is_some() && tls.cipher.is_some(), "{tls:?}");
    let peer = client.authenticated_peer().expect("server authenticated");
    assert_eq!(peer.mechanism, mechanism);
    assert_eq!(peer.object_identifier.as_deref(), Some(server_binding));
    assert_ne!(
        Some(&peer.certificate_der),
        tls.peer_certificate.as_ref(),
        "the application certificate differs from the TLS one (Annex G.2)"
    );
    let t0 = Instant::now();
    let info = loop {
        if let Some(a) = server.handle().associations().into_iter().next() {
            break a;
        }
        assert!(t0.elapsed() < Duration::from_secs(5), "no association");
        std::thread::sleep(Duration::from_millis(5));
    };
    let cp = info
        .authenticated_peer
        .as_ref()
        .expect("client authenticated");
    assert_eq!(cp.mechanism, mechanism);
    assert_eq!(cp.object_identifier.as_deref(), Some(client_binding));

    let id = client.identify().expect("identify");
    assert!(!id.vendor.is_empty());
    let domains = client.domains().expect("domains");
    assert!(domains.iter().any(|d| d == demo::DOMAIN), "{domains:?}");
    let vars = client.variables(demo::DOMAIN).expect("variables");
    assert!(!vars.is_empty());
    let sp = ObjectName::domain(
        demo::DOMAIN.to_string(),
        "GGIO1$SP$AnSet1$setMag$f".to_string(),
    );
    let v = Data::FloatingPoint(FloatingPoint::from_f32(7.25));
    client.write(&sp, v.clone()).expect("write");
    assert_eq!(client.read_one(&sp).expect("read back"), v);
    let files = client.file_directory("").expect("file directory");
    assert!(files.iter().any(|f| f.name == "readme.txt"), "{files:?}");
    client.conclude().expect("conclude");
}

fn alarms_and_errors(events: &SecurityEvents) -> Vec<String> {
    events
        .snapshot()
        .into_iter()
        .filter(|e| matches!(e.severity, Severity::Alarm | Severity::Error))
        .map(|e| format!("{} x{}", e.code, e.count))
        .collect()
}

fn a_profile_factory(
    pki: &Pki,
    cred: &Credential,
    events: &Arc<SecurityEvents>,
) -> Arc<dyn SecurityFactory> {
    let c = AProfileConfig::new(Arc::clone(events))
        .with_credentials(
            Credentials::new(cred.certificate.clone(), cred.key.clone(), Vec::new())
                .expect("credentials"),
        )
        .with_anchor(pki.ca().certificate.clone());
    Arc::new(AProfileFactory::new(c).expect("A-profile factory"))
}

/// TLS + A-security-profile: the compatibility stack.
#[test]
fn tls_with_the_a_security_profile_carries_a_full_session() {
    let tls = tls_pki();
    let pki = Pki::new_root("combined A-profile CA", KeyKind::Rsa(2048)).expect("CA");
    let server_cred = pki
        .issue(&LeafSpec::new("A-profile server").with_object_identifier("1.1.1.999.1.12"))
        .expect("server");
    let client_cred = pki
        .issue(&LeafSpec::new("A-profile client").with_object_identifier("1.1.1.999.12"))
        .expect("client");
    let sev = Arc::new(SecurityEvents::new());
    let cev = Arc::new(SecurityEvents::new());
    let (srv, addr) = server(
        &tls.server,
        a_profile_factory(&pki, &server_cred, &sev),
        sev.clone(),
    );
    let cc = client_config(
        &tls.client,
        a_profile_factory(&pki, &client_cred, &cev),
        cev.clone(),
    );
    session(
        &srv,
        addr,
        cc,
        "iec62351-4-a-profile",
        "1.1.1.999.1.12",
        "1.1.1.999.12",
    );
    for (side, ev) in [("server", &sev), ("client", &cev)] {
        assert_eq!(ev.count(aevents::ACCEPTED), 1, "{side}");
        assert_eq!(
            ev.count(aevents::NO_TLS),
            0,
            "{side}: the mechanism must know TLS is underneath"
        );
        assert!(
            alarms_and_errors(ev).is_empty(),
            "{side}: {:?}",
            ev.snapshot()
        );
    }
    srv.stop().expect("stop");
}

/// End-to-end security with TLS underneath, ICV-only (HMAC) and AES-128-GCM.
#[test]
fn end_to_end_security_over_tls_carries_a_full_session() {
    let tls = tls_pki();
    let rig = E2eRig::new().expect("E2E rig");
    for mode in [
        E2eMode::IcvOnly(IcvAlgorithm::HmacSha256),
        E2eMode::Aead(AeadAlgorithm::Aes128Gcm),
    ] {
        let sev = Arc::new(SecurityEvents::new());
        let sf = E2eFactory::new(rig.server_config(mode), sev.clone()).expect("server factory");
        let (srv, addr) = server(&tls.server, Arc::new(sf), sev.clone());
        let (mut cc, _factory) = rig.mms_client(rig.client_config(mode)).expect("client");
        let cev = cc.events.clone();
        let t = TlsClient::new(&tls.client, cev.clone()).expect("TLS client context");
        cc.tls = Some(Arc::new(t));
        cc.tls_server_name = Some("localhost".into());
        session(
            &srv,
            addr,
            cc,
            "iec62351-4-e2e",
            SERVER_BINDING,
            CLIENT_BINDING,
        );
        for (side, ev) in [("server", &sev), ("client", &cev)] {
            assert!(
                alarms_and_errors(ev).is_empty(),
                "{mode:?} {side}: {:?}",
                ev.snapshot()
            );
        }
        srv.stop().expect("stop");
    }
}
