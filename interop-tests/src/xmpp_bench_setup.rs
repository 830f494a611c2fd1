//! The XMPP side of a measurement run (`benches/osi_vs_xmpp.rs`): an account on a test
//! [`Prosody`], its end-to-end credential issued by a test CA with the JID in the subject
//! (2.5.4.105), the resulting [`XmppSettings`], and a client association that waits until the
//! server's JID is online.
//!
//! ```no_run
//! use e2e_sec::config::AeadAlgorithm;
//! use e2e_sec::E2eMode;
//! use interop_tests::prosody::{require_prosody, Prosody};
//! use interop_tests::xmpp_bench_setup::{connect_when_online, endpoint};
//! use cot::pki::{KeyKind, Pki};
//! use std::time::Duration;
//! let Some(tools) = require_prosody() else { return };
//! let dir = interop_tests::scratch_dir("xmpp-doc");
//! let prosody = Prosody::start(&tools, &dir, "localhost").expect("prosody");
//! let root = Pki::new_root("E2E root", KeyKind::EcP256).expect("CA");
//! let mode = E2eMode::Aead(AeadAlgorithm::Aes128Gcm);
//! let server = endpoint(&prosody, &root, "ied", mode).expect("server side");
//! let client = endpoint(&prosody, &root, "cc", mode).expect("client side");
//! // ... a mms::server::Server with `ServerConfig::xmpp = Some(server)` ...
//! let c = connect_when_online(&client, "ied@localhost/IEC", Duration::from_secs(20), || {
//!     mms::client::ClientConfig::default()
//! });
//! ```

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cot::pki::{KeyKind, LeafSpec, Pki};
use cot::security_event::SecurityEvents;
use cot::tls::TlsConfig;
use cot::xmpp::{Jid, XmppConfig};
use e2e_sec::{E2eConfig, E2eCredential, E2eFactory, E2eMode};
use mms::client::{Client, ClientConfig};
use mms::xmpp::XmppSettings;

use crate::prosody::Prosody;

/// An E2E credential for `jid` (common name `cn`, P-256 key) issued by `root`.
pub fn e2e_credential(root: &Pki, cn: &str, jid: &str) -> Result<E2eCredential, String> {
    let issued = root
        .issue(&LeafSpec::new(cn).with_key(KeyKind::EcP256).with_jid(jid))
        .map_err(|e| format!("E2E certificate for {jid}: {e}"))?;
    Ok(E2eCredential {
        certificate: issued.certificate,
        key: issued.key,
        chain: issued.chain,
    })
}

/// Registers `user` (password `pw-<user>`) on `prosody` and returns the settings of an MMS
/// endpoint logged in as `user@<domain>`: STARTTLS verified against the prosody's CA, end-to-end
/// security in `mode` with a credential from `root` (which is also the only trust anchor for
/// the peers' E2E certificates). Security events go to a fresh [`SecurityEvents`].
pub fn endpoint(
    prosody: &Prosody,
    root: &Pki,
    user: &str,
    mode: E2eMode,
) -> Result<XmppSettings, String> {
    let password = format!("pw-{user}");
    prosody
        .register(user, &password)
        .map_err(|e| e.to_string())?;
    let jid = format!("{user}@{}", prosody.domain());
    let e2e = E2eConfig::new(
        e2e_credential(root, user, &jid)?,
        vec![root.ca().certificate.clone()],
    )
    .with_mode(mode);
    let factory = E2eFactory::new(e2e, Arc::new(SecurityEvents::new()))
        .map_err(|e| format!("E2E configuration of {jid}: {e}"))?;
    let tls = TlsConfig::new().with_trust_anchor_file(prosody.ca_pem());
    let jid = Jid::parse(&jid).map_err(|e| format!("JID {jid}: {e}"))?;
    let stream = XmppConfig::new(jid, password, tls);
    let server = SocketAddr::from(([127, 0, 0, 1], prosody.port()));
    Ok(XmppSettings::new(server, stream, Arc::new(factory)))
}

/// Opens an association over XMPP with `peer` (a full JID), retrying every 300 ms while the
/// attempts fail (the server's stream may not be online yet: its JID is then unavailable),
/// for at most `patience`. `config` makes each attempt's client configuration.
pub fn connect_when_online(
    settings: &XmppSettings,
    peer: &str,
    patience: Duration,
    config: impl Fn() -> ClientConfig,
) -> Result<Client, String> {
    let t0 = Instant::now();
    loop {
        match Client::connect_xmpp(settings.clone(), peer, config()) {
            Ok(c) => return Ok(c),
            Err(e) if t0.elapsed() < patience => {
                log::debug!("association with {peer} not yet: {e}");
                std::thread::sleep(Duration::from_millis(300));
            }
            Err(e) => return Err(format!("no association over XMPP with {peer}: {e}")),
        }
    }
}
