//! The setup the MMS-over-XMPP tests share (`tests/xmpp_mms.rs`, `tests/xmpp_attacks.rs`):
//! E2E credentials whose certificate names a JID (2.5.4.105), one end's [`XmppSettings`] on a
//! [`Prosody`] account, a client connect that waits for the server's stream to come online,
//! and [`Attacker`], the hostile slixmpp client of `peers/xmpp_attacker.py`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::AtomicI64;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cot::pki::{KeyKind, LeafSpec, Pki};
use cot::security_event::{SecurityEvents, Severity};
use cot::tls::TlsConfig;
use cot::xmpp::{Jid, XmppConfig};
use e2e_sec::{E2eConfig, E2eCredential, E2eFactory, E2eMode};
use mms::client::{Client, ClientConfig};
use mms::xmpp::XmppSettings;

use crate::mitm::shifted_clock;
use crate::peer::{to_hex, PeerError, PeerLine, PythonPeer};
use crate::prosody::Prosody;

/// The virtual host every test account lives on.
pub const DOMAIN: &str = "localhost";

/// The E2E credential `cn` issued by `root`, its subject carrying 2.5.4.105 = `jid`.
pub fn credential(root: &Pki, cn: &str, jid: &str) -> E2eCredential {
    let c = root
        .issue(&LeafSpec::new(cn).with_key(KeyKind::EcP256).with_jid(jid))
        .expect("E2E certificate");
    E2eCredential {
        certificate: c.certificate,
        key: c.key,
        chain: c.chain,
    }
}

/// One end of the XMPP environment: how it logs in and secures its associations, and where
/// its security events are counted (the E2E factory's and, for a server, its own).
pub struct Side {
    /// The settings for `Client::connect_xmpp` or `ServerConfig::xmpp`.
    pub settings: XmppSettings,
    /// The events of the E2E factory. Give the same Arc to `ServerConfig::events` /
    /// `ClientConfig::events` (where the uplink and the associations record) to have every
    /// event of this end in one place.
    pub events: Arc<SecurityEvents>,
}

/// Registers `user` (password `pw-<user>`) and returns its side: its E2E certificate names
/// `cert_jid` (normally `user@DOMAIN`), trusts `root`, runs `mode`, reads the time from
/// `offset` (seconds added to the system clock, for rekey tests).
pub fn side(
    prosody: &Prosody,
    root: &Pki,
    user: &str,
    cert_jid: &str,
    mode: E2eMode,
    offset: &Arc<AtomicI64>,
) -> Side {
    let password = format!("pw-{user}");
    prosody.register(user, &password).expect("register");
    let jid = format!("{user}@{DOMAIN}");
    let mut e2e = E2eConfig::new(
        credential(root, user, cert_jid),
        vec![root.ca().certificate.clone()],
    )
    .with_mode(mode);
    e2e.rekey_period = Duration::from_secs(900);
    e2e.clock = shifted_clock(Arc::clone(offset));
    let events = Arc::new(SecurityEvents::new());
    let factory = E2eFactory::new(e2e, Arc::clone(&events)).expect("E2E factory");
    let tls = TlsConfig::new().with_trust_anchor_file(prosody.ca_pem());
    let stream = XmppConfig::new(Jid::parse(&jid).expect("jid"), password, tls);
    let server = SocketAddr::from(([127, 0, 0, 1], prosody.port()));
    Side {
        settings: XmppSettings::new(server, stream, Arc::new(factory)),
        events,
    }
}

/// The alarm and error events recorded, as `code xN`.
pub fn alarms(events: &SecurityEvents) -> Vec<String> {
    events
        .snapshot()
        .into_iter()
        .filter(|e| matches!(e.severity, Severity::Alarm | Severity::Error))
        .map(|e| format!("{} x{}", e.code, e.count))
        .collect()
}

/// Connects to `peer` until its stream is online (the first attempts may find its JID
/// offline: an iq error, then a retry), at most 20 s; each request may take `request_timeout`.
/// The client's own events (those of its association, e.g. `xmpp.unsolicited-result`) are
/// recorded in `events` (give it the side's, so that one Arc holds every event of this end).
pub fn connect(
    settings: &XmppSettings,
    peer: &str,
    request_timeout: Duration,
    events: &Arc<SecurityEvents>,
) -> Client {
    let t0 = Instant::now();
    loop {
        let config = ClientConfig::default()
            .with_request_timeout(request_timeout)
            .with_connect_timeout(Duration::from_secs(10))
            .with_events(Arc::clone(events));
        match Client::connect_xmpp(settings.clone(), peer, config) {
            Ok(c) => return c,
            Err(e) if t0.elapsed() < Duration::from_secs(20) => {
                eprintln!("not yet: {e}");
                std::thread::sleep(Duration::from_millis(300));
            }
            Err(e) => panic!("no association over XMPP with {peer}: {e}"),
        }
    }
}

/// Waits until `cond` holds, at most `timeout`; false if it never did.
pub fn wait_for(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A running `peers/xmpp_attacker.py`: a slixmpp client logged in to prosody that writes the
/// stanzas it is given, reports every iq and message it receives, and (as a relay) forwards
/// and tampers with the stanzas between two JIDs.
pub struct Attacker {
    peer: PythonPeer,
    /// Our full JID (`<user>@DOMAIN/IEC`).
    pub jid: String,
    /// How many transcript lines [`Attacker::tally_answers`] has looked at.
    tallied: usize,
}

impl Attacker {
    /// Registers `user` and logs it in with resource `IEC`; with `relay` = (client JID, server
    /// JID) it forwards between them. Returns once its session started.
    pub fn start(
        python: &Path,
        prosody: &Prosody,
        user: &str,
        relay: Option<(&str, &str)>,
    ) -> Attacker {
        let password = format!("pw-{user}");
        prosody.register(user, &password).expect("register");
        let jid = format!("{user}@{DOMAIN}/IEC");
        let port = prosody.port().to_string();
        let ca = prosody.ca_pem().to_string_lossy().into_owned();
        let mut args: Vec<&str> = vec![
            "--jid",
            &jid,
            "--password",
            &password,
            "--port",
            &port,
            "--ca",
            &ca,
        ];
        if let Some((client, server)) = relay {
            args.extend(["--relay", client, server]);
        }
        let mut peer =
            PythonPeer::spawn_piped(python, "xmpp_attacker.py", &args).expect("attacker");
        peer.expect("READY", Duration::from_secs(30))
            .unwrap_or_else(|e| panic!("attacker {jid}: {e}"));
        Attacker {
            peer,
            jid,
            tallied: 0,
        }
    }

    /// One command line (see the script's documentation).
    pub fn command(&mut self, line: &str) {
        self.peer
            .send_line(line)
            .unwrap_or_else(|e| panic!("attacker command {line}: {e}"));
    }

    /// Writes `xml` as a stanza and waits for the script to confirm it.
    pub fn send(&mut self, xml: &str) {
        self.command(&format!("SEND {}", to_hex(xml.as_bytes())));
        self.expect("SENT", Duration::from_secs(10), |_| true);
    }

    /// The next line `keyword` for which `pred` holds (other lines are skipped), waiting at most
    /// `timeout`; panics with the transcript if none comes.
    pub fn expect(
        &mut self,
        keyword: &str,
        timeout: Duration,
        pred: impl Fn(&PeerLine) -> bool,
    ) -> PeerLine {
        match self.try_expect(keyword, timeout, pred) {
            Ok(l) => l,
            Err(e) => panic!("attacker {}: {e}", self.jid),
        }
    }

    /// Like [`Attacker::expect`], the error returned.
    pub fn try_expect(
        &mut self,
        keyword: &str,
        timeout: Duration,
        pred: impl Fn(&PeerLine) -> bool,
    ) -> Result<PeerLine, PeerError> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self.peer.expect(keyword, left)?;
            if pred(&line) {
                return Ok(line);
            }
        }
    }

    /// Waits until the script has printed everything it had to print before now (its lines are
    /// then in [`Attacker::transcript`]).
    pub fn sync(&mut self) {
        self.command("MARK");
        self.expect("MARK", Duration::from_secs(10), |_| true);
    }

    /// The last line `keyword` in the transcript for which `pred` holds.
    pub fn last_line(&self, keyword: &str, pred: impl Fn(&PeerLine) -> bool) -> Option<PeerLine> {
        self.peer
            .transcript()
            .iter()
            .rev()
            .map(|l| PeerLine::parse(l))
            .find(|l| l.keyword == keyword && pred(l))
    }

    /// Takes in every line the script has printed by now (without waiting) and adds to `tally`,
    /// by "type condition" ("type kind" for a stanza carrying a SecPDU and no error
    /// condition), the `STANZA` lines among them whose id starts with `prefix`. Each
    /// line is looked at once, so a loop can call this cheaply while thousands arrive.
    pub fn tally_answers(&mut self, prefix: &str, tally: &mut BTreeMap<String, usize>) {
        while self.peer.next_line(Duration::ZERO).is_some() {}
        let lines = self.peer.transcript();
        for l in lines.iter().skip(self.tallied).map(|l| PeerLine::parse(l)) {
            if l.keyword == "STANZA" && l.get("id").is_some_and(|id| id.starts_with(prefix)) {
                let kind = format!(
                    "{} {}",
                    l.get("type").unwrap_or("-"),
                    l.get("condition").or(l.get("kind")).unwrap_or("-")
                );
                *tally.entry(kind).or_insert(0) += 1;
            }
        }
        self.tallied = lines.len();
    }

    /// Everything the script printed so far.
    pub fn transcript(&self) -> String {
        self.peer.transcript_text()
    }
}

/// The UTF-8 text of a `xml=<hex>` token.
pub fn hex_text(line: &PeerLine, key: &str) -> String {
    let hex = line.get(key).unwrap_or("");
    let bytes: Vec<u8> = (0..hex.len() / 2)
        .filter_map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}
