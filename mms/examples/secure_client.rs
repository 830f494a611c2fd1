//! A Secure ICCP-style client: TLS under RFC 1006 (IEC 62351-4 §6, the T-profile) plus
//! certificate-based ACSE authentication (IEC 62351-4 §11, the A-security-profile), each with
//! its own certificate as IEC 62351-4 Annex G.2 asks, set up with the builder of
//! [`mms::security`].
//!
//! The example is self-contained: it makes a throw-away certificate authority with
//! `cot::pki` (nothing is written to disk), starts a server that demands both mechanisms on a
//! loopback port, and connects to it. With your own certificates, build the same
//! configurations from PEM files (`TlsConfig::with_identity_files`,
//! `TlsConfig::with_trust_anchor_file`, and `Credentials::new` from certificates you load).
//!
//! ```sh
//! cargo run -p mms --example secure_client
//! ```
use std::error::Error;
use std::sync::Arc;

use acse::address::Address;
use cot::pki::{KeyKind, LeafSpec, Pki};
use mms::client::{Client, ClientConfig};
use mms::security::{AProfileConfig, Credentials, SecurityEvents, TlsConfig};
use mms::server::model::demo;
use mms::server::{Server, ServerConfig};
use mms::ObjectName;

/// The two credentials of one end: its TLS identity and its A-profile identity.
struct Identity {
    tls: TlsConfig,
    a_profile: AProfileConfig,
}

/// Issues one end's certificates. `object_identifier` is the AP-title with the AE-qualifier
/// appended: the A-profile certificate carries it in its subject (2.5.4.106), and the peer
/// checks it against the AE-title the association names (IEC 62351-4 Annex G.6.2).
fn identity(
    tls_ca: &Pki,
    auth_ca: &Pki,
    name: &str,
    object_identifier: &str,
) -> Result<Identity, Box<dyn Error>> {
    let t = tls_ca.issue(&LeafSpec::new(&format!("{name} TLS")).with_key(KeyKind::EcP256))?;
    let tls = TlsConfig::new()
        .with_identity(
            std::iter::once(t.certificate).chain(t.chain).collect(),
            t.key,
        )
        .with_trust_anchor(tls_ca.ca().certificate.clone());
    let a = auth_ca
        .issue(&LeafSpec::new(&format!("{name} ACSE")).with_object_identifier(object_identifier))?;
    // The builder puts its own events handle in place of this one.
    let a_profile = AProfileConfig::new(Arc::new(SecurityEvents::new()))
        .with_credentials(Credentials::new(a.certificate, a.key, a.chain)?)
        .with_anchor(auth_ca.ca().certificate.clone());
    Ok(Identity { tls, a_profile })
}

fn main() -> Result<(), Box<dyn Error>> {
    let tls_ca = Pki::new_root("example TLS CA", KeyKind::EcP256)?;
    let auth_ca = Pki::new_root("example ACSE CA", KeyKind::Rsa(2048))?;
    // The default AE-titles: the client calls 1.1.1.999 (qualifier 12) from 1.1.1.999.1.
    let server_id = identity(&tls_ca, &auth_ca, "server", "1.1.1.999.1.12")?;
    let client_id = identity(&tls_ca, &auth_ca, "client", "1.1.1.999.12")?;

    let mut server_config = ServerConfig::default()
        .with_listen(vec!["127.0.0.1:0".parse()?])
        .with_tls(&server_id.tls)?
        .with_a_profile(server_id.a_profile)?;
    // The server answers as the AE-title the client calls, which its certificate names.
    server_config.endpoint.association.local = Address::default_remote();
    server_config.endpoint.association.remote = Address::default_local();
    let server = Server::bind(server_config, Arc::new(demo::model(None)?))?.spawn()?;

    let client_config = ClientConfig::default()
        .with_tls(&client_id.tls, Some("localhost"))?
        .with_a_profile(client_id.a_profile)?;
    let events = client_config.events.clone();
    let client = Client::connect(server.local_addr(), client_config)?;

    let tls = client.tls_info().ok_or("the association is not over TLS")?;
    println!(
        "TLS: {:?} with {}",
        tls.version,
        tls.cipher.as_deref().unwrap_or("?")
    );
    let peer = client
        .authenticated_peer()
        .ok_or("the server was not authenticated")?;
    println!(
        "server authenticated by {}: {} (AP-title binding {:?})",
        peer.mechanism, peer.subject, peer.object_identifier
    );
    let id = client.identify()?;
    println!("identify: {} / {} / {}", id.vendor, id.model, id.revision);
    let value: f32 = client.read_value(&ObjectName::domain("DEMOLD0", "GGIO1$MX$AnIn1$mag$f"))?;
    println!("read over the secured association: {value}");
    client.conclude()?;
    server.stop()?;

    println!("security events on the client side:");
    for e in events.snapshot() {
        println!("  {e:?}");
    }
    Ok(())
}
