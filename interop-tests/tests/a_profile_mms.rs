//! IEC 62351-4 A-security-profile between our MMS client and our MMS server over TCP: a full
//! authenticated MMS session through a recording proxy, checked by tshark (mechanism name and
//! authentication values decoded, nothing malformed); and a byte-for-byte replay of the
//! captured AARQ on a new connection, refused with the ABRT and the replay event.
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use a_sec_profile::{events, AProfileConfig, AProfileFactory, Credentials, Dialect};
use acse::address::Address;
use acse::security::{SecurityEvents, SecurityFactory};
use cot::pki::{Credential, KeyKind, LeafSpec, Pki};
use interop_tests::pcap::Direction;
use interop_tests::proxy::{self, RecordingProxy};
use interop_tests::scratch_dir;
use interop_tests::tshark::{self, require_tshark};
use mms::client::{Client, ClientConfig};
use mms::server::model::demo;
use mms::server::{RunningServer, Server, ServerConfig};

const CLIENT_AE_TITLE: &str = "1.1.1.999.12";
const SERVER_AE_TITLE: &str = "1.1.1.999.1.12";
const WAIT: Duration = Duration::from_secs(20);

struct Setup {
    server: RunningServer,
    sev: Arc<SecurityEvents>,
    client_factory: Arc<AProfileFactory>,
    cev: Arc<SecurityEvents>,
}

fn factory(
    pki: &Pki,
    cred: &Credential,
    events: &Arc<SecurityEvents>,
    d: Dialect,
) -> AProfileFactory {
    let mut c = AProfileConfig::new(Arc::clone(events))
        .with_credentials(
            Credentials::new(cred.certificate.clone(), cred.key.clone(), Vec::new()).unwrap(),
        )
        .with_anchor(pki.ca().certificate.clone());
    c.dialect = d;
    AProfileFactory::new(c).unwrap()
}

fn setup(dialect: Dialect) -> Setup {
    let pki = Pki::new_root("interop A-profile root", KeyKind::Rsa(2048)).unwrap();
    let client = pki
        .issue(&LeafSpec::new("mms client").with_object_identifier(CLIENT_AE_TITLE))
        .unwrap();
    let server = pki
        .issue(&LeafSpec::new("mms server").with_object_identifier(SERVER_AE_TITLE))
        .unwrap();
    let sev = Arc::new(SecurityEvents::new());
    let cev = Arc::new(SecurityEvents::new());
    let sf: Arc<dyn SecurityFactory> = Arc::new(factory(&pki, &server, &sev, Dialect::Iec2018));
    let mut config = ServerConfig::default()
        .with_listen(vec![SocketAddr::from(([127, 0, 0, 1], 0))])
        .with_security(Some(sf))
        .with_events(Arc::clone(&sev));
    // The server's own AE-title is the one its certificate names (and the client calls).
    config.endpoint.association.local = Address::default_remote();
    config.endpoint.association.remote = Address::default_local();
    let model = Arc::new(demo::model(None).unwrap());
    let server = Server::bind(config, model).and_then(Server::spawn).unwrap();
    Setup {
        server,
        sev,
        client_factory: Arc::new(factory(&pki, &client, &cev, dialect)),
        cev,
    }
}

fn client_config(s: &Setup) -> ClientConfig {
    let f: Arc<dyn SecurityFactory> = s.client_factory.clone();
    ClientConfig::default()
        .with_security(Some(f))
        .with_events(Arc::clone(&s.cev))
}

fn session(s: &Setup, addr: SocketAddr) {
    let client = Client::connect(addr, client_config(s)).unwrap();
    let peer = client
        .authenticated_peer()
        .cloned()
        .expect("server authenticated");
    assert_eq!(peer.object_identifier.as_deref(), Some(SERVER_AE_TITLE));
    assert!(peer.subject.contains("CN=mms server"), "{}", peer.subject);
    let id = client.identify().unwrap();
    assert!(!id.vendor.is_empty());
    let domains = client.domains().unwrap();
    assert!(!domains.is_empty());
    let vars = client.variables(&domains[0]).unwrap();
    assert!(!vars.is_empty());
    client.conclude().unwrap();
}

#[test]
fn authenticated_mms_session_both_dialects_tshark_clean() {
    let ts = require_tshark();
    for dialect in [Dialect::Iec2018, Dialect::LegacySisco] {
        let s = setup(dialect);
        let proxy = RecordingProxy::start(s.server.local_addr()).unwrap();
        session(&s, proxy.local_addr());
        assert_eq!(s.sev.count(events::ACCEPTED), 1, "{:?}", s.sev.snapshot());
        assert_eq!(s.cev.count(events::ACCEPTED), 1, "{:?}", s.cev.snapshot());
        // No TLS here: both ends warn that the A-profile alone is weak (IEC 62351-4 Table 1).
        assert_eq!(s.sev.count(events::NO_TLS), 1);
        assert_eq!(s.cev.count(events::NO_TLS), 1);
        assert!(proxy.wait_closed(1, WAIT), "connection did not close");
        let Some(ts) = &ts else { continue };
        let dir = scratch_dir("a-profile-mms");
        let cap = proxy.capture(0).unwrap();
        let pcap = dir.join(format!("{dialect:?}.pcap"));
        let bad = proxy::bad_frames(ts, &cap, &pcap);
        match dialect {
            Dialect::Iec2018 => assert!(bad.is_empty(), "{dialect:?}: tshark flags {bad:#?}"),
            // Wireshark 4.0's ACSE dissector wants an indirect-reference in every EXTERNAL; the
            // legacy SISCO form (F-907) has none, so exactly the CONNECT (AARQ) and ACCEPT
            // (AARE) frames are flagged for that and nothing else (docs/a-profile.md).
            Dialect::LegacySisco => {
                let types: Vec<&str> = bad.iter().map(|b| b.ses_type.as_str()).collect();
                assert_eq!(types, ["13", "14"], "{bad:#?}");
                assert!(
                    bad.iter().all(|b| b
                        .expert
                        .contains("expected class:UNIVERSAL(0) tag:2(INTEGER)")),
                    "{bad:#?}"
                );
            }
        }
        let args = cap.tshark_args();
        let args = tshark::as_strs(&args);
        let mech = ts.values(&pcap, &args, "acse.mechanism_name");
        assert_eq!(
            mech,
            ["1.0.840.0.1.0.1.1", "1.0.840.0.1.0.1.1"],
            "AARQ and AARE"
        );
        let auth = ts.fields(
            &pcap,
            &args,
            &[
                "acse.calling_authentication_value",
                "acse.responding_authentication_value",
                "acse.ACSE.requirements.authentication",
            ],
        );
        assert!(auth.iter().any(|r| !r[0].is_empty()), "{auth:?}");
        assert!(auth.iter().any(|r| !r[1].is_empty()), "{auth:?}");
        let reqs: Vec<&str> = auth
            .iter()
            .map(|r| r[2].as_str())
            .filter(|v| !v.is_empty())
            .collect();
        assert_eq!(
            reqs,
            ["1", "1"],
            "authentication bit in 8A and 88: {auth:?}"
        );
        // The IEC 2018 dialect references presentation context 5 from the EXTERNAL.
        let indirect = ts.values(&pcap, &args, "acse.indirect_reference");
        assert_eq!(
            indirect.iter().any(|v| v == "5"),
            dialect == Dialect::Iec2018,
            "{indirect:?}"
        );
    }
}

/// The octets of `stream` up to the end of the first DT TPDU with EOT (the CONNECT TSDU).
fn through_first_tsdu(stream: &[u8]) -> &[u8] {
    let mut off = 0;
    while off + 4 <= stream.len() {
        let len = usize::from(u16::from_be_bytes([stream[off + 2], stream[off + 3]]));
        let tpdu = &stream[off + 4..off + len];
        off += len;
        if tpdu[1] == 0xF0 && tpdu[2] & 0x80 != 0 {
            return &stream[..off];
        }
    }
    panic!("no complete TSDU");
}

#[test]
fn byte_for_byte_replay_of_a_captured_aarq_is_refused() {
    let s = setup(Dialect::Iec2018);
    let proxy = RecordingProxy::start(s.server.local_addr()).unwrap();
    session(&s, proxy.local_addr());
    assert!(proxy.wait_closed(1, WAIT));
    let sent = proxy.stream(0, Direction::ClientToServer);
    let replay = through_first_tsdu(&sent);
    // A new connection, straight to the server, carrying the recorded CR and CN(AARQ).
    let mut tcp = TcpStream::connect(s.server.local_addr()).unwrap();
    tcp.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    tcp.write_all(replay).unwrap();
    let mut got = Vec::new();
    let t0 = Instant::now();
    let abrt = [0x64, 0x06, 0x80, 0x01, 0x00, 0x81, 0x01, 0x05];
    while t0.elapsed() < WAIT && !got.windows(abrt.len()).any(|w| w == abrt) {
        let mut buf = [0u8; 4096];
        match tcp.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => panic!("{e}"),
        }
    }
    // The answer: CC, then a session ABORT (SI 25) carrying ARU(ABRT source service-user,
    // diagnostic authentication-failure); no ACCEPT (SI 14) and so no AARE.
    assert!(got.windows(abrt.len()).any(|w| w == abrt), "{got:02X?}");
    assert!(
        got.windows(4).any(|w| w == [0x02, 0xF0, 0x80, 25]),
        "{got:02X?}"
    );
    assert!(!got.windows(4).any(|w| w == [0x02, 0xF0, 0x80, 14]));
    assert_eq!(s.sev.count(events::REPLAY), 1, "{:?}", s.sev.snapshot());
    assert_eq!(s.sev.count(events::ACCEPTED), 1);
}
