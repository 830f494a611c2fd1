//! IEC 62351-4 A-security-profile refusals through the MMS client library (ISO 8650-1 §7.1,
//! §7.3): when the server refuses us, the client's error is a refusal by the peer carrying the
//! ABRT's abort-source and abort-diagnostic; when our provider refuses the server, a refusal by
//! us carrying the provider's refusal and its security event code. Asserted on the variants.
//! (`mms/tests/refusal_program.rs` checks what the `mms client` program prints for both.)

use std::sync::Arc;

use acse::apdu::{AbortDiagnostic, AbortSource};
use acse::association::Refused;
use acse::security::{Refusal, SecurityEvents, SecurityFactory};
use cot::pki::{KeyKind, LeafSpec, Pki};
use mms::client::{Client, ClientConfig, ClientError};
use mms::endpoint::InitiateRefusal;

/// An A-profile factory with `leaf`'s certificate and key, trusting `anchor`'s root.
fn factory(anchor: &Pki, leaf: &cot::pki::Credential) -> Arc<dyn SecurityFactory> {
    let creds = a_sec_profile::Credentials::new(
        leaf.certificate.clone(),
        leaf.key.clone(),
        leaf.chain.clone(),
    )
    .expect("credentials");
    let mut config = a_sec_profile::AProfileConfig::new(Arc::new(SecurityEvents::new()))
        .with_credentials(creds)
        .with_anchor(anchor.ca().certificate.clone());
    config.allow_ecdsa = true;
    config.require_ap_title_binding = false;
    Arc::new(a_sec_profile::AProfileFactory::new(config).expect("factory"))
}

/// The same two refusals through the library: the client's error is a refusal by the peer
/// with the ABRT's source and diagnostic, or a refusal by our provider with its event code.
#[test]
fn library_refusals_are_variants() {
    let pki = Pki::new_root("lib CA", KeyKind::EcP256).expect("ca");
    let other = Pki::new_root("lib other CA", KeyKind::EcP256).expect("other");
    let issue = |p: &Pki, cn: &str| {
        p.issue(&LeafSpec::new(cn).with_key(KeyKind::EcP256))
            .expect("leaf")
    };
    let server_cred = issue(&pki, "lib server");
    let config = mms::server::ServerConfig::default()
        .with_security(Some(factory(&pki, &server_cred)))
        .with_listen(vec!["127.0.0.1:0".parse().expect("addr")]);
    let model = mms::server::model::demo::model(None).expect("demo model");
    let server = mms::server::Server::bind(config, Arc::new(model))
        .and_then(|s| s.spawn())
        .expect("server");
    let client = |security| ClientConfig::default().with_security(Some(security));

    // The server does not trust the client: ABRT authentication-failure (clause 11).
    let stranger = issue(&other, "lib stranger");
    match Client::connect(server.local_addr(), client(factory(&pki, &stranger))) {
        Err(ClientError::Refused(r)) => assert_eq!(
            *r,
            InitiateRefusal::Peer {
                refused: Refused::Aborted {
                    source: Some(AbortSource::ServiceUser),
                    diagnostic: Some(AbortDiagnostic::AuthenticationFailure),
                },
                error: None,
            }
        ),
        other => panic!("{other:?}"),
    }

    // The client does not trust the server: our provider's refusal, with its event code.
    let client_cred = issue(&pki, "lib client");
    let distrustful = factory(&other, &client_cred);
    match Client::connect(server.local_addr(), client(distrustful)) {
        Err(ClientError::Refused(r)) => match *r {
            InitiateRefusal::Local { provider, refusal } => {
                assert_eq!(provider, a_sec_profile::NAME);
                assert_eq!(
                    refusal.event(),
                    Some(a_sec_profile::events::CERTIFICATE_UNTRUSTED)
                );
                assert!(matches!(
                    refusal,
                    Refusal::Abort {
                        diagnostic: Some(AbortDiagnostic::AuthenticationFailure),
                        ..
                    }
                ));
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }

    // And a client the server trusts, trusting the server, is admitted (another certificate:
    // the same one signing the same second again would be a replay).
    let trusted = issue(&pki, "lib trusted client");
    let ok = Client::connect(server.local_addr(), client(factory(&pki, &trusted)))
        .expect("trusted client");
    assert!(ok.authenticated_peer().is_some());
    ok.conclude().expect("conclude");
    server.stop().expect("stop");
}
