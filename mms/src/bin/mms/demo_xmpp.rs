//! `mms demo --xmpp`: the demo in the XMPP environment (IEC 62351-4 clause 16,
//! IEC 61850-8-2). Starts a lab prosody (`mms::xmpp::lab`) in the demo's scratch directory,
//! registers two accounts, makes a throw-away E2E CA with one certificate per account (the JID
//! in the subject, 2.5.4.105), and runs the server and the client as XMPP clients of prosody,
//! the association protected end to end. Starts nothing when prosody is not installed, and
//! says so. At the end it shows what prosody relayed: the SecPDUs, never the MMS plaintext in
//! the encrypting modes.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cot::pki::{KeyKind, LeafSpec, Pki};
use cot::security_event::SecurityEvents;
use cot::tls::TlsConfig;
use cot::xmpp::{Jid, XmppConfig};
use e2e_sec::{E2eConfig, E2eCredential, E2eFactory};
use mms::client::{Client, ClientConfig};
use mms::server::model::Model;
use mms::server::{Server, ServerConfig};
use mms::xmpp::lab::{locate_prosody, Prosody};
use mms::xmpp::XmppSettings;

use crate::demo::{DemoArgs, Started};
use crate::e2e_args::E2eArgs;

/// The lab's XMPP domain.
const DOMAIN: &str = "localhost";
/// The server's account (its full JID is `ied@localhost/IEC`).
const SERVER_USER: &str = "ied";
/// The client's account.
const CLIENT_USER: &str = "cc";
/// A value the demo's write puts on the wire (client to server), looked for in what prosody
/// relayed.
const PLAINTEXT_MARKER: &str = "GGIO1$SP$AnSet1$setMag$f";
/// How long the client keeps trying while the server's stream comes up.
const ONLINE_WAIT: Duration = Duration::from_secs(20);

/// The lab prosody of a demo run and what the demo checks in it at the end.
pub struct Lab {
    prosody: Prosody,
    encrypted: bool,
    dir: std::path::PathBuf,
}

impl Drop for Lab {
    /// Stops prosody, then removes its scratch directory.
    fn drop(&mut self) {
        self.prosody.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One account's XMPP settings, with its E2E factory recording into `events`.
fn settings(
    prosody: &Prosody,
    ca: &Pki,
    user: &str,
    e2e_mode: e2e_sec::E2eMode,
    events: &Arc<SecurityEvents>,
) -> Result<XmppSettings, String> {
    let password = {
        let mut b = [0u8; 12];
        openssl::rand::rand_bytes(&mut b).map_err(|e| format!("random password: {e}"))?;
        b.iter().map(|x| format!("{x:02x}")).collect::<String>()
    };
    prosody
        .register(user, &password)
        .map_err(|e| format!("lab account {user}: {e}"))?;
    let jid = format!("{user}@{DOMAIN}");
    let cred = ca
        .issue(&LeafSpec::new(&format!("mms demo {user}")).with_jid(&jid))
        .map_err(|e| format!("E2E certificate of {jid}: {e}"))?;
    let e2e = E2eConfig::new(
        E2eCredential {
            certificate: cred.certificate,
            key: cred.key,
            chain: cred.chain,
        },
        vec![ca.ca().certificate.clone()],
    )
    .with_mode(e2e_mode);
    let factory = E2eFactory::new(e2e, events.clone())?;
    let tls = TlsConfig::new().with_trust_anchor_file(prosody.ca_pem());
    let stream = XmppConfig::new(
        Jid::parse(&jid).map_err(|e| format!("{jid}: {e}"))?,
        password,
        tls,
    );
    Ok(XmppSettings::new(
        SocketAddr::from(([127, 0, 0, 1], prosody.port())),
        stream,
        Arc::new(factory),
    ))
}

/// Starts prosody, the server and the client; the association is up when this returns.
pub fn start(
    args: &DemoArgs,
    _files: &std::path::Path,
    model: &Arc<Model>,
) -> Result<Started, String> {
    let tools = locate_prosody().map_err(|reason| {
        format!(
            "mms demo --xmpp relays MMS through a lab XMPP server and found none to start: \
             {reason}. Nothing was started."
        )
    })?;
    let mode = E2eArgs::mode_of(args.e2e_encrypt, args.e2e_icv);
    let lab_dir = std::env::temp_dir().join(format!("osi-mms-demo-xmpp-{}", std::process::id()));
    let prosody = Prosody::start(&tools, &lab_dir, DOMAIN).map_err(|e| e.to_string())?;
    outln!(
        "xmpp: lab prosody on 127.0.0.1:{} (domain {DOMAIN}, STARTTLS, a throw-away CA)",
        prosody.port()
    );
    let ca = Pki::new_root("osi-mms demo XMPP E2E CA", KeyKind::EcP256)
        .map_err(|e| format!("E2E CA: {e}"))?;
    let server_events = Arc::new(SecurityEvents::new());
    let client_events = Arc::new(SecurityEvents::new());
    let server_settings = settings(&prosody, &ca, SERVER_USER, mode, &server_events)?;
    let client_settings = settings(&prosody, &ca, CLIENT_USER, mode, &client_events)?;

    let mut config = ServerConfig::default()
        .with_listen(Vec::new())
        .with_events(server_events.clone());
    config.xmpp = Some(server_settings);
    let server = Server::bind(config, model.clone())
        .and_then(Server::spawn)
        .map_err(|e| format!("server: {e}"))?;
    let peer = format!("{SERVER_USER}@{DOMAIN}/IEC");
    outln!("server: demo model, reachable as {peer} through prosody");

    // The server's stream logs in in the background: until it is online, prosody answers for
    // its JID with an error and the client tries again.
    let t0 = Instant::now();
    let client = loop {
        let mut cc = ClientConfig::default();
        cc.events = client_events.clone();
        match Client::connect_xmpp(client_settings.clone(), &peer, cc) {
            Ok(c) => break c,
            Err(e) if t0.elapsed() < ONLINE_WAIT => {
                log::debug!("not yet: {e}");
                std::thread::sleep(Duration::from_millis(250));
            }
            Err(e) => {
                return Err(format!(
                    "associate with {peer} over XMPP: {e}\n{}",
                    prosody.log_tail(20)
                ))
            }
        }
    };
    outln!("client: {CLIENT_USER}@{DOMAIN}/IEC associated with {peer}, end-to-end {mode:?}");
    let encrypted = !matches!(mode, e2e_sec::E2eMode::IcvOnly(_));
    Ok(Started {
        server,
        client,
        server_events,
        client_events,
        tls: false,
        lab: Some(Lab {
            prosody,
            encrypted,
            dir: lab_dir,
        }),
    })
}

/// What prosody relayed between the two accounts; fails if MMS plaintext crossed it in an
/// encrypting mode.
pub fn report(lab: &Lab) -> Result<(), String> {
    let captured = lab.prosody.captured_stanzas();
    let relayed: Vec<&str> = captured
        .lines()
        .filter(|l| {
            l.contains(&format!("{SERVER_USER}@")) && l.contains(&format!("{CLIENT_USER}@"))
        })
        .collect();
    let plain = relayed
        .iter()
        .filter(|l| l.contains(PLAINTEXT_MARKER))
        .count();
    outln!(
        "\nxmpp: prosody relayed {} stanzas between the two; {} of them show the written \
         variable's name in clear ({})",
        relayed.len(),
        plain,
        if lab.encrypted {
            "encrypted end to end: none may"
        } else {
            "ICV only: integrity, no confidentiality"
        }
    );
    if lab.encrypted && plain > 0 {
        return Err("MMS plaintext crossed the XMPP server".into());
    }
    if relayed.is_empty() {
        return Err("prosody relayed nothing between server and client".into());
    }
    Ok(())
}
