//! T-profile interop with an independent TLS *and* MMS stack: the PyPI `iec61850` package
//! (a Python facade over a Rust MMS stack whose TLS is rustls), both ways, TLS 1.2 and 1.3,
//! mutual authentication with certificates generated here (IEC 62351-3, IEC 62351-4 §6).
//!
//! Its server hard-codes the IEC 62351-3 ECDHE-RSA-AES-GCM suites for TLS 1.2 (its `with_tls`
//! documentation), so the certificates are RSA-2048; our default policy (IEC 62351-4 native
//! with the optional 0xC02F) shares TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 with it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use cot::pki::{Credential, KeyKind, LeafSpec, Pki};
use cot::security_event::SecurityEvents;
use cot::tls::{TlsClient, TlsConfig, TlsServer, TlsVersion};
use interop_tests::peer::{require_iec61850_peer, PythonPeer, READY_TIMEOUT};
use interop_tests::scratch_dir;
use mms::client::{Client, ClientConfig};
use mms::data::{Data, FloatingPoint};
use mms::server::model::demo;
use mms::server::{Server, ServerConfig};
use mms::ObjectName;

const WAIT: Duration = Duration::from_secs(40);

struct Files {
    ca: PathBuf,
    server: (PathBuf, PathBuf),
    client: (PathBuf, PathBuf),
    pki: Pki,
    server_cred: Credential,
    client_cred: Credential,
}

fn files(name: &str) -> Files {
    let dir = scratch_dir(name);
    let pki = Pki::new_root("tls_iec61850 CA", KeyKind::Rsa(2048)).expect("ca");
    let server_cred = pki.issue(&LeafSpec::new("localhost")).expect("server");
    let client_cred = pki.issue(&LeafSpec::new("client")).expect("client");
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, pki.ca().cert_pem().expect("pem")).expect("write ca");
    Files {
        ca,
        server: server_cred.write_pem(&dir, "server").expect("server pem"),
        client: client_cred.write_pem(&dir, "client").expect("client pem"),
        pki,
        server_cred,
        client_cred,
    }
}

fn tls_config(cred: &Credential, pki: &Pki, v: TlsVersion) -> TlsConfig {
    TlsConfig::new()
        .with_identity(vec![cred.certificate.clone()], cred.key.clone())
        .with_trust_anchor(pki.ca().certificate.clone())
        .with_versions(TlsVersion::Tls1_2, v)
}

fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

fn flag(v: TlsVersion) -> &'static str {
    match v {
        TlsVersion::Tls1_3 => "tls1.3",
        _ => "tls1.2",
    }
}

/// The iec61850 TLS client against our TLS server (demo model).
fn their_client_to_our_server(v: TlsVersion) {
    let Some(python) = require_iec61850_peer() else {
        return;
    };
    let f = files(&format!("iec61850-tls-client-{}", flag(v)));
    let events = Arc::new(SecurityEvents::new());
    let tls = TlsServer::new(&tls_config(&f.server_cred, &f.pki, v), events.clone())
        .expect("TLS context");
    let config = ServerConfig::default()
        .with_listen(Vec::new())
        .with_tls_listen(vec![([127, 0, 0, 1], 0).into()])
        .with_tls_server(Some(Arc::new(tls)))
        .with_events(events);
    let model = Arc::new(demo::model(None).expect("model"));
    let server = Server::bind(config, model)
        .expect("bind")
        .spawn()
        .expect("spawn");
    let port = server.local_addr().port().to_string();
    let read = format!("{}/GGIO1.AnIn1.mag.f:MX", demo::DOMAIN);
    let mut client = PythonPeer::spawn(
        &python,
        "iec61850_tls_client.py",
        &[
            "127.0.0.1",
            &port,
            "--ca",
            p(&f.ca),
            "--cert",
            p(&f.client.0),
            "--key",
            p(&f.client.1),
            "--version",
            flag(v),
            "--read",
            &read,
        ],
    )
    .expect("spawn the iec61850 TLS client");
    let lines = client.remaining_lines(WAIT);
    let text = client.transcript_text();
    assert!(lines.iter().any(|l| l.keyword == "CONNECTED"), "{text}");
    let dir = lines
        .iter()
        .find(|l| l.keyword == "SERVER_DIRECTORY")
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        dir.get("lds").is_some_and(|l| l.contains(demo::DOMAIN)),
        "{text}"
    );
    assert!(lines.iter().any(|l| l.keyword == "READ"), "{text}");
    assert!(lines.iter().any(|l| l.keyword == "DONE"), "{text}");
    let stats = server.handle().stats();
    assert_eq!(stats.tls_handshakes, 1, "{text}");
    assert_eq!(stats.tls_failures, 0, "{text}");
    server.stop().expect("stop");
}

#[test]
fn iec61850_tls12_client_to_our_server() {
    their_client_to_our_server(TlsVersion::Tls1_2);
}

#[test]
fn iec61850_tls13_client_to_our_server() {
    their_client_to_our_server(TlsVersion::Tls1_3);
}

/// Our TLS client against the iec61850 TLS server.
fn our_client_to_their_server(v: TlsVersion) {
    let Some(python) = require_iec61850_peer() else {
        return;
    };
    let f = files(&format!("iec61850-tls-server-{}", flag(v)));
    let peer = PythonPeer::spawn_server(
        &python,
        "iec61850_tls_server.py",
        &[
            "0",
            "--cert",
            p(&f.server.0),
            "--key",
            p(&f.server.1),
            "--ca",
            p(&f.ca),
            "--version",
            flag(v),
        ],
        READY_TIMEOUT,
    )
    .expect("iec61850 TLS server");
    let port = peer.port().expect("port");
    let events = Arc::new(SecurityEvents::new());
    let tls = TlsClient::new(&tls_config(&f.client_cred, &f.pki, v), events.clone())
        .expect("TLS context");
    let config = ClientConfig::default()
        .with_tls_client(Some(Arc::new(tls)))
        .with_tls_server_name(Some("localhost".into()))
        .with_events(events.clone());
    let client = Client::connect(("127.0.0.1", port), config)
        .unwrap_or_else(|e| panic!("associate with the iec61850 TLS server: {e:?}"));
    assert_eq!(client.tls_info().and_then(|i| i.version), Some(v));
    let value = client
        .read_one(&ObjectName::domain(
            "PEERLD0".to_string(),
            "GGIO1$MX$AnIn1$mag$f".to_string(),
        ))
        .expect("read over TLS");
    assert_eq!(value, Data::FloatingPoint(FloatingPoint::from_f32(1.5)));
    client.conclude().expect("conclude");
    assert_eq!(
        events.total(),
        events.count(cot::tls::events::REVOCATION_OFF)
    );
}

#[test]
fn our_tls12_client_to_iec61850_server() {
    our_client_to_their_server(TlsVersion::Tls1_2);
}

#[test]
fn our_tls13_client_to_iec61850_server() {
    our_client_to_their_server(TlsVersion::Tls1_3);
}
