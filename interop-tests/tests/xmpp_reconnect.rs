//! The XMPP server goes away under an association (F-1206): prosody is restarted while our
//! client and server are associated through it. The client's association ends (its stream is
//! gone: `Disconnected`, never a hang), the server drops its association too, reconnects with
//! back-off by itself, and a new association through the restarted prosody works. And a client
//! whose connection just drops (no abort, no conclude): its unavailable presence reaches the
//! server (we sent it directed presence, RFC 6121 §4.6), which ends the association.

use std::sync::atomic::AtomicI64;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use cot::pki::{KeyKind, Pki};
use cot::security_event::SecurityEvents;
use e2e_sec::config::AeadAlgorithm;
use e2e_sec::E2eMode;
use interop_tests::prosody::{require_prosody, Prosody};
use interop_tests::scratch_dir;
use interop_tests::xmpp_rig::{connect, side, DOMAIN};
use mms::client::ops::OpError;
use mms::client::{Client, ClientConfig, ClientError, ClientEvent, Connection};
use mms::server::model::demo;
use mms::server::{Server, ServerConfig};
use mms::xmpp::XmppSettings;
use mms::ObjectName;

/// The rig's side for `user`, reconnecting quickly (the test does not wait for the default
/// back-off).
fn settings(prosody: &Prosody, root: &Pki, user: &str) -> XmppSettings {
    let clock = Arc::new(AtomicI64::new(0));
    let mode = E2eMode::Aead(AeadAlgorithm::Aes128Gcm);
    let mut s = side(
        prosody,
        root,
        user,
        &format!("{user}@{DOMAIN}"),
        mode,
        &clock,
    )
    .settings;
    s.reconnect = (Duration::from_millis(200), Duration::from_secs(2));
    s
}

fn connect_within(settings: &XmppSettings, peer: &str) -> Client {
    connect(
        settings,
        peer,
        Duration::from_secs(5),
        &Arc::new(SecurityEvents::new()),
    )
}

#[test]
fn associations_end_with_the_xmpp_server_and_the_server_reconnects() {
    let Some(tools) = require_prosody() else {
        return;
    };
    let dir = scratch_dir("xmpp_reconnect");
    let mut prosody = Prosody::start(&tools, &dir, DOMAIN).unwrap_or_else(|e| panic!("{e}"));
    let root = Pki::new_root("reconnect E2E root", KeyKind::EcP256).expect("CA");
    let server_settings = settings(&prosody, &root, "ied");
    let client_settings = settings(&prosody, &root, "cc");
    let model = Arc::new(demo::model(None).expect("model"));
    demo::tick(&model, SystemTime::now());
    let mut sc = ServerConfig::default().with_listen(Vec::new());
    sc.xmpp = Some(server_settings);
    let server = Server::bind(sc, model)
        .and_then(Server::spawn)
        .expect("server");
    let peer = format!("ied@{DOMAIN}/IEC");
    let name = ObjectName::domain(demo::DOMAIN.to_string(), "LLN0$ST$Mod$stVal".to_string());

    let client = connect_within(&client_settings, &peer);
    client.read_one(&name).expect("read before the restart");
    assert_eq!(server.handle().associations().len(), 1);

    prosody.restart().unwrap_or_else(|e| panic!("{e}"));

    // The client's association is over, promptly, and says so.
    let t0 = Instant::now();
    let err = loop {
        match client.read_one(&name) {
            Err(e) => break e,
            Ok(_) if t0.elapsed() < Duration::from_secs(10) => {
                std::thread::sleep(Duration::from_millis(50))
            }
            Ok(_) => panic!("the association outlived the XMPP server"),
        }
    };
    assert!(
        matches!(
            &err,
            OpError::Client(e) if matches!(**e, ClientError::Closed(_) | ClientError::Timeout)
        ),
        "{err:?}"
    );
    // The server dropped its association with the stream.
    let t0 = Instant::now();
    while !server.handle().associations().is_empty() {
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "the server kept an association of the lost stream"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    // The server logged in again by itself: a new association works.
    let again = connect_within(&client_settings, &peer);
    assert!(again.read_one(&name).is_ok(), "read after the reconnect");
    again.conclude().expect("conclude");
    server.stop().expect("stop");
}

#[test]
fn a_peer_that_vanishes_ends_its_association_by_presence() {
    let _ = env_logger::builder().is_test(true).try_init();
    let Some(tools) = require_prosody() else {
        return;
    };
    let dir = scratch_dir("xmpp_presence");
    let prosody = Prosody::start(&tools, &dir, DOMAIN).unwrap_or_else(|e| panic!("{e}"));
    let root = Pki::new_root("presence E2E root", KeyKind::EcP256).expect("CA");
    let server_settings = settings(&prosody, &root, "ied");
    let client_settings = settings(&prosody, &root, "cc");
    let model = Arc::new(demo::model(None).expect("model"));
    let mut sc = ServerConfig::default().with_listen(Vec::new());
    sc.xmpp = Some(server_settings);
    let server = Server::bind(sc, model)
        .and_then(Server::spawn)
        .expect("server");
    let peer = format!("ied@{DOMAIN}/IEC");

    // The non-blocking client driven by the test, so it can vanish without a word.
    let t0 = Instant::now();
    let established = loop {
        assert!(t0.elapsed() < Duration::from_secs(20), "no association");
        let mut conn = Connection::connect_xmpp(
            client_settings.clone(),
            &peer,
            ClientConfig::default().with_connect_timeout(Duration::from_secs(5)),
        )
        .expect("connect");
        let deadline = Instant::now() + Duration::from_secs(8);
        let mut up = None;
        while up.is_none() && Instant::now() < deadline {
            // No readiness loop: `drive` reads what the socket has (non-blocking) each turn.
            std::thread::sleep(Duration::from_millis(10));
            conn.drive(Instant::now());
            while let Some(e) = conn.poll_event() {
                match e {
                    ClientEvent::Established(_) => up = Some(true),
                    ClientEvent::Closed(_) => up = Some(false),
                    _ => {}
                }
            }
        }
        if up == Some(true) {
            break conn;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let t0 = Instant::now();
    while server.handle().associations().is_empty() {
        assert!(
            t0.elapsed() < Duration::from_secs(5),
            "the server never listed it"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Gone: the socket closes, nothing else is sent.
    drop(established);
    let t0 = Instant::now();
    while !server.handle().associations().is_empty() {
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "the server kept the association of a peer that went away"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    server.stop().expect("stop");
}
