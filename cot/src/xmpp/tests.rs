//! Unit tests with byte vectors: the parser's bounds and refusals, SCRAM against the RFC 5802
//! and RFC 7677 examples, PLAIN and EXTERNAL, a scripted server conversation, stream errors,
//! pings, timeouts, a server closing mid-stanza, and a property test (never panics).

use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::config::{Secret, XmppConfig, XmppLimits};
use super::jid::Jid;
use super::parser::{Frame, StreamParser};
use super::sasl::{plain_response, Mechanism, ScramClient, ScramHash};
use super::stanza::{escape, IqType, StanzaKind};
use super::stream::{CloseReason, XmppError, XmppEvent, XmppStream};
use super::Backoff;
use crate::tls::TlsConfig;

const HEADER: &[u8] = b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
    xmlns:stream='http://etherx.jabber.org/streams' id='s1' from='example.org' version='1.0'>";

fn features_sasl(mechs: &[&str]) -> Vec<u8> {
    let mut f =
        String::from("<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>");
    for m in mechs {
        f.push_str(&format!("<mechanism>{m}</mechanism>"));
    }
    f.push_str("</mechanisms></stream:features>");
    f.into_bytes()
}

const FEATURES_BIND: &[u8] = b"<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>\
    </stream:features>";
const BIND_RESULT: &[u8] =
    b"<iq type='result' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>\
    <jid>user@example.org/IEC</jid></bind></iq>";
const SUCCESS: &[u8] = b"<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>";

fn config() -> XmppConfig {
    XmppConfig::new(
        Jid::parse("user@example.org").unwrap(),
        "pencil",
        TlsConfig::new(),
    )
}

fn out(s: &mut XmppStream) -> String {
    let t = s.transmit().to_vec();
    s.advance_transmit(t.len());
    String::from_utf8_lossy(&t).into_owned()
}

fn events(s: &mut XmppStream) -> Vec<XmppEvent> {
    std::iter::from_fn(|| s.poll_event()).collect()
}

fn closed(s: &mut XmppStream) -> CloseReason {
    let evs = events(s);
    match evs.last() {
        Some(XmppEvent::Closed(r)) => r.clone(),
        _ => panic!("not closed: {evs:?}"),
    }
}

/// A stream through PLAIN and binding to Online.
fn online(now: Instant) -> XmppStream {
    let cfg = config().with_mechanisms(&[Mechanism::Plain]);
    let mut s = XmppStream::new_after_tls_for_test(cfg, now);
    let hello = out(&mut s);
    assert!(
        hello.contains("<stream:stream to='example.org' from='user@example.org'"),
        "{hello}"
    );
    s.feed(HEADER);
    s.feed(&features_sasl(&["SCRAM-SHA-1", "PLAIN"]));
    let auth = out(&mut s);
    let expected = openssl::base64::encode_block(b"\0user\0pencil");
    assert_eq!(
        auth,
        format!(
            "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{expected}</auth>"
        )
    );
    s.feed(SUCCESS);
    assert!(
        out(&mut s).contains("<stream:stream"),
        "restart after SASL success"
    );
    s.feed(HEADER);
    s.feed(FEATURES_BIND);
    let bind = out(&mut s);
    assert!(bind.contains("<resource>IEC</resource>"), "{bind}");
    assert!(bind.contains("id='bind'"), "{bind}");
    s.feed(BIND_RESULT);
    let evs = events(&mut s);
    assert_eq!(
        evs,
        vec![XmppEvent::Online {
            jid: Jid::parse("user@example.org/IEC").unwrap()
        }]
    );
    assert!(s.is_online());
    s
}

// ---------------------------------------------------------------- SASL

#[test]
fn scram_sha1_rfc5802_section5_example() {
    let pw = Secret::from("pencil");
    let (mut c, first) = ScramClient::new(ScramHash::Sha1, "user", &pw, "fyko+d2lbbFgONRv9qkxdawL");
    assert_eq!(first, b"n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
    let fin = c
        .server_first(b"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096")
        .unwrap();
    assert_eq!(
        String::from_utf8(fin).unwrap(),
        "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="
    );
    c.server_final(b"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=").unwrap();
    // a server that does not know the password is refused
    assert!(c.server_final(b"v=AmF9pqV8S7suAoZWja4dJRkFsKQ=").is_err());
    assert!(c.server_final(b"v=AAAA").is_err());
    assert!(c.server_final(b"e=invalid-proof").is_err());
}

#[test]
fn scram_sha256_rfc7677_section3_example() {
    let pw = Secret::from("pencil");
    let (mut c, first) = ScramClient::new(ScramHash::Sha256, "user", &pw, "rOprNGfwEbeRWgbNEkqO");
    assert_eq!(first, b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
    let fin = c
        .server_first(
            b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
        )
        .unwrap();
    assert_eq!(
        String::from_utf8(fin).unwrap(),
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
         p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
    );
    c.server_final(b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
        .unwrap();
    assert!(c
        .server_final(b"v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
        .is_err());
}

#[test]
fn scram_refuses_bad_server_first_messages() {
    let pw = Secret::from("pencil");
    for bad in [
        &b"r=othernonce,s=QSXCR+Q6sek8bf92,i=4096"[..],
        b"r=abc,s=QSXCR+Q6sek8bf92,i=4096",
        b"r=abcdef,s=!!!,i=4096",
        b"r=abcdef,s=QSXCR+Q6sek8bf92,i=0",
        b"r=abcdef,s=QSXCR+Q6sek8bf92,i=99999999999",
        b"r=abcdef,s=QSXCR+Q6sek8bf92",
        b"m=ext,r=abcdef,s=QSXCR+Q6sek8bf92,i=1",
        b"\xff\xfe",
        b"",
    ] {
        let (mut c, _) = ScramClient::new(ScramHash::Sha1, "user", &pw, "abc");
        assert!(
            c.server_first(bad).is_err(),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
    // user names are escaped (RFC 5802 §5.1)
    let (_, first) = ScramClient::new(ScramHash::Sha1, "a=b,c", &pw, "n");
    assert_eq!(first, b"n,,n=a=3Db=2Cc,r=n");
}

#[test]
fn plain_encoding() {
    let r = plain_response("user", &Secret::from("pencil"));
    assert_eq!(r.expose(), b"\0user\0pencil");
    assert_eq!(format!("{r:?}"), "Secret(..)");
}

#[test]
fn scram_through_the_stream_refuses_a_wrong_server_signature() {
    let now = Instant::now();
    let cfg = config().with_mechanisms(&[Mechanism::ScramSha256, Mechanism::ScramSha1]);
    let mut s = XmppStream::new_after_tls_for_test(cfg, now);
    out(&mut s);
    s.feed(HEADER);
    s.feed(&features_sasl(&["PLAIN", "SCRAM-SHA-1"]));
    let auth = out(&mut s);
    assert!(auth.contains("mechanism='SCRAM-SHA-1'"), "{auth}");
    let b64 = auth
        .split('>')
        .nth(1)
        .and_then(|x| x.split('<').next())
        .unwrap();
    let first = String::from_utf8(openssl::base64::decode_block(b64).unwrap()).unwrap();
    let nonce = first.strip_prefix("n,,n=user,r=").unwrap();
    let server_first = format!("r={nonce}srv,s=QSXCR+Q6sek8bf92,i=4096");
    s.feed(
        format!(
            "<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{}</challenge>",
            openssl::base64::encode_block(server_first.as_bytes())
        )
        .as_bytes(),
    );
    let resp = out(&mut s);
    assert!(resp.starts_with("<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"));
    let wrong = openssl::base64::encode_block(b"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=");
    s.feed(
        format!("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{wrong}</success>").as_bytes(),
    );
    match closed(&mut s) {
        CloseReason::AuthFailed { condition, .. } => {
            assert_eq!(condition, "server-signature-mismatch")
        }
        other => panic!("{other:?}"),
    }
    assert!(!s.is_online());
}

#[test]
fn external_scripted_conversation() {
    let now = Instant::now();
    let tls = TlsConfig::new().with_identity_files("client.pem", "client.key");
    let cfg = XmppConfig::new(Jid::parse("user@example.org").unwrap(), "", tls);
    assert_eq!(cfg.mechanisms.first(), Some(&Mechanism::External));
    let mut s = XmppStream::new_after_tls_for_test(cfg, now);
    out(&mut s);
    s.feed(HEADER);
    s.feed(&features_sasl(&["PLAIN", "EXTERNAL"]));
    assert_eq!(
        out(&mut s),
        "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>=</auth>"
    );
    s.feed(SUCCESS);
    assert!(out(&mut s).contains("<stream:stream"));
    s.feed(HEADER);
    s.feed(FEATURES_BIND);
    out(&mut s);
    s.feed(BIND_RESULT);
    assert!(matches!(
        events(&mut s).as_slice(),
        [XmppEvent::Online { .. }]
    ));
    assert_eq!(s.mechanism(), Some(Mechanism::External));
}

#[test]
fn sasl_failure_and_no_common_mechanism() {
    let now = Instant::now();
    let mut s = XmppStream::new_after_tls_for_test(config(), now);
    out(&mut s);
    s.feed(HEADER);
    s.feed(&features_sasl(&["PLAIN"]));
    out(&mut s);
    s.feed(b"<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/><text>bad</text></failure>");
    assert_eq!(
        closed(&mut s),
        CloseReason::AuthFailed {
            condition: "not-authorized".into(),
            text: Some("bad".into())
        }
    );
    let mut s = XmppStream::new_after_tls_for_test(config(), now);
    s.feed(HEADER);
    s.feed(&features_sasl(&["DIGEST-MD5", "EXTERNAL"]));
    assert!(matches!(
        closed(&mut s),
        CloseReason::AuthFailed { condition, .. } if condition == "no-common-mechanism"
    ));
}

#[test]
fn session_only_when_mandatory() {
    let now = Instant::now();
    let mut s = XmppStream::new_after_tls_for_test(config(), now);
    s.feed(HEADER);
    s.feed(&features_sasl(&["PLAIN"]));
    s.feed(SUCCESS);
    s.feed(HEADER);
    out(&mut s);
    s.feed(
        b"<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>\
        <session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></stream:features>",
    );
    out(&mut s);
    s.feed(BIND_RESULT);
    assert!(out(&mut s).contains("<session xmlns='urn:ietf:params:xml:ns:xmpp-session'/>"));
    assert!(events(&mut s).is_empty());
    s.feed(b"<iq type='result' id='session'/>");
    assert!(matches!(
        events(&mut s).as_slice(),
        [XmppEvent::Online { .. }]
    ));
}

#[test]
fn tls_is_required() {
    let pki = crate::pki::Pki::new_root("t", crate::pki::KeyKind::EcP256).unwrap();
    let tls = TlsConfig::new().with_trust_anchor(pki.ca().certificate.clone());
    let cfg = XmppConfig::new(Jid::parse("user@example.org").unwrap(), "pencil", tls);
    let mut s = XmppStream::new(cfg, Instant::now());
    assert!(out(&mut s).starts_with("<?xml version='1.0'?><stream:stream to='example.org' version"));
    s.feed(HEADER);
    s.feed(&features_sasl(&["PLAIN"]));
    assert_eq!(closed(&mut s), CloseReason::TlsNotOffered);
    assert!(out(&mut s).ends_with("</stream:stream>"));
    // with STARTTLS offered, the client asks for it
    let tls = TlsConfig::new().with_trust_anchor(pki.ca().certificate.clone());
    let cfg = XmppConfig::new(Jid::parse("user@example.org").unwrap(), "pencil", tls);
    let mut s = XmppStream::new(cfg, Instant::now());
    out(&mut s);
    s.feed(HEADER);
    s.feed(b"<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>");
    assert_eq!(
        out(&mut s),
        "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
    );
    s.feed(b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    let hello = s.transmit().to_vec();
    assert_eq!(
        hello.first(),
        Some(&0x16),
        "a TLS ClientHello follows <proceed/>"
    );
    assert!(s.send_presence(None, None) == Err(XmppError::NotOnline));
}

// ---------------------------------------------------------------- stanzas

#[test]
fn stanzas_payload_bytes_namespaces_and_errors() {
    let mut s = online(Instant::now());
    let raw: &[u8] = b"<message from='peer@example.org/IEC' id='m1'>\
        <p:x xmlns:p='urn:x' a=\"&amp;\">de ad<p:y/></p:x><body>b</body></message>";
    s.feed(raw);
    let evs = events(&mut s);
    let [XmppEvent::Stanza(m)] = evs.as_slice() else {
        panic!("{evs:?}")
    };
    assert_eq!(m.kind, StanzaKind::Message("normal".into()));
    let p = m.payload.as_ref().unwrap();
    assert_eq!(
        p.bytes,
        b"<p:x xmlns:p='urn:x' a=\"&amp;\">de ad<p:y/></p:x>"
    );
    assert_eq!((p.name.as_str(), p.ns.as_str()), ("x", "urn:x"));
    s.feed(b"<iq type='result' id='r1' from='peer@example.org/IEC'><q xmlns='urn:q'/></iq>");
    let evs = events(&mut s);
    let [XmppEvent::Stanza(r)] = evs.as_slice() else {
        panic!("{evs:?}")
    };
    let p = r.payload.as_ref().unwrap();
    assert_eq!(
        (p.name.as_str(), p.ns.as_str(), &p.bytes[..]),
        ("q", "urn:q", &b"<q xmlns='urn:q'/>"[..])
    );
    // an iq error keeps its id and carries the stanza error
    s.feed(b"<iq type='error' id='e1'><error type='cancel'><service-unavailable \
        xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>gone</text></error></iq>");
    let evs = events(&mut s);
    let [XmppEvent::Stanza(e)] = evs.as_slice() else {
        panic!("{evs:?}")
    };
    assert_eq!(e.kind, StanzaKind::Iq(IqType::Error));
    assert_eq!(e.id.as_deref(), Some("e1"));
    let err = e.error.as_ref().unwrap();
    assert_eq!(
        (
            err.error_type.as_str(),
            err.condition.as_str(),
            err.text.as_deref()
        ),
        ("cancel", "service-unavailable", Some("gone"))
    );
    // presence
    s.feed(b"<presence from='peer@example.org/IEC' type='unavailable'/>");
    let evs = events(&mut s);
    assert!(
        matches!(evs.as_slice(), [XmppEvent::Stanza(p)] if p.kind == StanzaKind::Presence(Some("unavailable".into())))
    );
}

#[test]
fn bad_iq_is_answered_with_bad_request() {
    let mut s = online(Instant::now());
    out(&mut s);
    let refused = |from: Option<&str>, t: &str, why: &str| XmppEvent::Refused {
        from: from.map(str::to_string),
        iq_type: Some(t.to_string()),
        why: match why {
            "children" => "iq get/set without exactly one child element",
            "id" => "iq without an id",
            _ => "iq without a valid type",
        },
    };
    s.feed(b"<iq type='get' id='x1' from='p@example.org/a'><a xmlns='u'/><b xmlns='u'/></iq>");
    assert_eq!(
        events(&mut s),
        vec![refused(Some("p@example.org/a"), "get", "children")]
    );
    let reply = out(&mut s);
    assert!(
        reply.contains("type='error'")
            && reply.contains("id='x1'")
            && reply.contains("<bad-request"),
        "{reply}"
    );
    s.feed(b"<iq type='set' from='p@example.org/a'><a xmlns='u'/></iq>");
    assert_eq!(
        events(&mut s),
        vec![refused(Some("p@example.org/a"), "set", "id")]
    );
    assert!(out(&mut s).contains("<bad-request"));
    s.feed(b"<iq type='bogus' id='x2'><a xmlns='u'/></iq>");
    assert_eq!(events(&mut s), vec![refused(None, "bogus", "type")]);
    assert!(out(&mut s).contains("<bad-request"));
    // A result without id is dropped, unanswered, but reported.
    s.feed(b"<iq type='result' from='p@example.org/a'><a xmlns='u'/></iq>");
    assert_eq!(
        events(&mut s),
        vec![refused(Some("p@example.org/a"), "result", "id")]
    );
    assert!(s.transmit().is_empty());
    assert!(s.is_online());
}

#[test]
fn unknown_stanza_is_a_stream_error() {
    let mut s = online(Instant::now());
    out(&mut s);
    s.feed(b"<foo/>");
    assert!(
        matches!(closed(&mut s), CloseReason::StreamErrorSent { condition, .. } if condition == "unsupported-stanza-type")
    );
    assert!(out(&mut s)
        .contains("<unsupported-stanza-type xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"));
}

#[test]
fn sending_escapes_attributes_and_needs_online() {
    let now = Instant::now();
    let mut s = XmppStream::new_after_tls_for_test(config(), now);
    assert_eq!(
        s.send_iq("a@b", IqType::Get, "1", b"<x/>"),
        Err(XmppError::NotOnline)
    );
    let mut s = online(now);
    out(&mut s);
    s.send_iq("a'b@example.org/x", IqType::Get, "<&>", b"<q xmlns='u'/>")
        .unwrap();
    assert_eq!(
        out(&mut s),
        "<iq type='get' id='&lt;&amp;&gt;' to='a&apos;b@example.org/x'><q xmlns='u'/></iq>"
    );
    s.send_message("p@example.org", "chat", b"<body>x</body>")
        .unwrap();
    assert_eq!(
        out(&mut s),
        "<message type='chat' to='p@example.org'><body>x</body></message>"
    );
    s.send_presence(Some("p@example.org"), Some("unavailable"))
        .unwrap();
    assert_eq!(
        out(&mut s),
        "<presence to='p@example.org' type='unavailable'/>"
    );
    s.send_stanza_error(
        "p@example.org",
        "7",
        &StanzaKind::Iq(IqType::Get),
        "cancel",
        "item-not-found",
        Some("no"),
    )
    .unwrap();
    assert_eq!(
        out(&mut s),
        "<iq type='error' id='7' to='p@example.org'><error type='cancel'><item-not-found \
         xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>no</text></error></iq>"
    );
    assert_eq!(escape("<'\"&>"), "&lt;&apos;&quot;&amp;&gt;");
    s.close();
    assert_eq!(out(&mut s), "</stream:stream>");
    assert_eq!(s.send_presence(None, None), Err(XmppError::Closed));
    s.feed(b"</stream:stream>");
    assert_eq!(closed(&mut s), CloseReason::LocalClose);
    // a server that never answers our closing tag: closed after the ping timeout
    let t0 = Instant::now();
    let mut s = online(t0);
    s.close();
    let t = s.poll_timeout().unwrap();
    assert_eq!(t, t0 + Duration::from_secs(20));
    s.handle_timeout(t);
    assert_eq!(closed(&mut s), CloseReason::LocalClose);
}

// ---------------------------------------------------------------- stream errors, ends

#[test]
fn stream_error_received() {
    let mut s = online(Instant::now());
    s.feed(
        b"<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>\
        <text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>replaced</text></stream:error>",
    );
    assert_eq!(
        closed(&mut s),
        CloseReason::StreamErrorReceived {
            condition: "conflict".into(),
            text: Some("replaced".into())
        }
    );
}

#[test]
fn server_closes_stream_and_mid_stanza() {
    let mut s = online(Instant::now());
    out(&mut s);
    s.feed(b"</stream:stream>");
    assert_eq!(closed(&mut s), CloseReason::ServerClosed);
    assert_eq!(out(&mut s), "</stream:stream>");

    let mut s = online(Instant::now());
    s.feed(b"<message><bo");
    s.handle_eof();
    assert_eq!(
        closed(&mut s),
        CloseReason::Disconnected { mid_element: true }
    );
    let mut s = online(Instant::now());
    s.connection_lost();
    assert_eq!(
        closed(&mut s),
        CloseReason::Disconnected { mid_element: false }
    );
}

fn refused(input: &[u8]) -> String {
    let mut s = online(Instant::now());
    out(&mut s);
    s.feed(input);
    match closed(&mut s) {
        CloseReason::StreamErrorSent { condition, .. } => {
            let sent = out(&mut s);
            assert!(
                sent.contains(&format!(
                    "<{condition} xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                )),
                "{sent}"
            );
            condition
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn restricted_xml_and_limits_are_refused() {
    assert_eq!(refused(b"<!DOCTYPE x [<!ENTITY a 'b'>]>"), "restricted-xml");
    assert_eq!(
        refused(b"<message><!ENTITY a 'b'></message>"),
        "restricted-xml"
    );
    assert_eq!(refused(b"<message><!-- c --></message>"), "restricted-xml");
    assert_eq!(refused(b"<message><?pi x?></message>"), "restricted-xml");
    assert_eq!(
        refused(b"<message><![CDATA[x]]></message>"),
        "restricted-xml"
    );
    assert_eq!(
        refused(b"<message><body>&ent;</body></message>"),
        "restricted-xml"
    );
    assert_eq!(refused(b"<message a='&ent;'/>"), "restricted-xml");
    assert_eq!(refused(b"<message><a></b></message>"), "not-well-formed");
    assert_eq!(refused(b"hello"), "not-well-formed");
    assert_eq!(refused(b"<message><a x='<'/></message>"), "not-well-formed");
    assert_eq!(
        refused(b"<message><a q:b='1'/></message>"),
        "not-well-formed"
    );
    // One level deeper than the default limit allows.
    let levels = XmppLimits::default().max_depth + 1;
    let deep = format!(
        "<message>{}{}</message>",
        "<a>".repeat(levels),
        "</a>".repeat(levels)
    );
    assert_eq!(refused(deep.as_bytes()), "policy-violation");
    let attrs: String = (0..70).map(|i| format!(" a{i}='1'")).collect();
    assert_eq!(
        refused(format!("<message{attrs}/>").as_bytes()),
        "policy-violation"
    );
    let big = format!("<message><body>{}</body></message>", "x".repeat(300 * 1024));
    assert_eq!(refused(big.as_bytes()), "policy-violation");
    // fed one octet at a time, the same
    let mut s = online(Instant::now());
    for b in b"<message><!DOCTYPE" {
        s.feed(&[*b]);
    }
    assert!(
        matches!(closed(&mut s), CloseReason::StreamErrorSent { condition, .. } if condition == "restricted-xml")
    );
}

#[test]
fn parser_limits_are_configurable_and_frames_split_input() {
    let limits = XmppLimits {
        max_stanza_size: 64,
        max_attribute_size: 40,
        ..XmppLimits::default()
    };
    let mut p = StreamParser::new(limits.clone());
    p.feed(HEADER);
    assert!(matches!(p.next_frame(), Ok(Some(Frame::Header(_)))));
    p.feed(format!(" \n<a x='{}'/>", "y".repeat(41)).as_bytes());
    assert_eq!(p.next_frame().unwrap_err().condition, "policy-violation");
    let mut p = StreamParser::new(limits);
    let mut all = HEADER.to_vec();
    all.extend_from_slice(b"<iq type='get' id='1'><x xmlns='u'/></iq> </stream:stream>");
    let mut frames = Vec::new();
    for b in &all {
        p.feed(&[*b]);
        while let Some(f) = p.next_frame().unwrap() {
            frames.push(f);
        }
    }
    assert_eq!(frames.len(), 3);
    assert!(
        matches!(&frames[1], Frame::Element { bytes, .. } if bytes == b"<iq type='get' id='1'><x xmlns='u'/></iq>")
    );
    assert_eq!(frames[2], Frame::End);
    // the header itself is bounded
    let mut p = StreamParser::new(XmppLimits::default());
    p.feed(format!("<stream:stream a='{}'", "x".repeat(5000)).as_bytes());
    assert_eq!(p.next_frame().unwrap_err().condition, "policy-violation");
}

#[test]
fn wrong_stream_namespace_is_refused() {
    let mut s = XmppStream::new_after_tls_for_test(config(), Instant::now());
    s.feed(b"<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>");
    assert!(
        matches!(closed(&mut s), CloseReason::StreamErrorSent { condition, .. } if condition == "invalid-namespace")
    );
    let mut s = XmppStream::new_after_tls_for_test(config(), Instant::now());
    s.feed(
        b"<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>",
    );
    assert!(
        matches!(closed(&mut s), CloseReason::StreamErrorSent { condition, .. } if condition == "unsupported-version")
    );
}

// ---------------------------------------------------------------- timers

#[test]
fn ping_answered_and_ping_timeout() {
    let t0 = Instant::now();
    let mut s = online(t0);
    out(&mut s);
    // the server pings us: answered, not reported
    s.feed(b"<iq type='get' id='p1' from='example.org'><ping xmlns='urn:xmpp:ping'/></iq>");
    assert!(events(&mut s).is_empty());
    assert_eq!(out(&mut s), "<iq type='result' id='p1' to='example.org'/>");
    // silence: our ping after the interval (the data above counts as liveness once)
    let t = s.poll_timeout().unwrap();
    assert_eq!(t, t0 + Duration::from_secs(60));
    s.handle_timeout(t);
    assert!(out(&mut s).is_empty(), "data arrived since: no ping yet");
    let t = s.poll_timeout().unwrap();
    s.handle_timeout(t);
    let ping = out(&mut s);
    assert!(
        ping.contains("<ping xmlns='urn:xmpp:ping'/>") && ping.contains("to='example.org'"),
        "{ping}"
    );
    let id = ping
        .split("id='")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap()
        .to_string();
    s.feed(format!("<iq type='result' id='{id}' from='example.org'/>").as_bytes());
    assert!(
        events(&mut s).is_empty(),
        "our ping's answer is not reported"
    );
    assert_eq!(s.pings_answered(), 1);
    // next ping unanswered: closed after the timeout
    let t = s.poll_timeout().unwrap();
    s.handle_timeout(t);
    let t = s.poll_timeout().unwrap();
    s.handle_timeout(t);
    assert!(out(&mut s).contains("urn:xmpp:ping"));
    let deadline = s.poll_timeout().unwrap();
    s.handle_timeout(deadline);
    assert_eq!(closed(&mut s), CloseReason::PingTimeout);
    assert!(s.poll_timeout().is_none());
}

#[test]
fn establishment_timeout() {
    let t0 = Instant::now();
    let mut s = XmppStream::new_after_tls_for_test(config(), t0);
    s.feed(HEADER);
    assert_eq!(s.poll_timeout(), Some(t0 + Duration::from_secs(30)));
    s.handle_timeout(t0 + Duration::from_secs(29));
    assert!(events(&mut s).is_empty());
    s.handle_timeout(t0 + Duration::from_secs(30));
    assert_eq!(closed(&mut s), CloseReason::EstablishmentTimeout);
}

// ---------------------------------------------------------------- JID, back-off

#[test]
fn jids() {
    let j = Jid::parse("user@example.org/IEC").unwrap();
    assert_eq!(
        (j.local(), j.domain(), j.resource()),
        (Some("user"), "example.org", Some("IEC"))
    );
    assert_eq!(j.bare().to_string(), "user@example.org");
    assert_eq!(
        Jid::parse("example.org/a/b").unwrap().resource(),
        Some("a/b")
    );
    for bad in [
        "",
        "@example.org",
        "u@",
        "u@example.org/",
        "u v@example.org",
        "u@ex ample",
    ] {
        assert!(Jid::parse(bad).is_err(), "{bad}");
    }
    let long = "a".repeat(1024);
    assert!(Jid::parse(&format!("{long}@example.org")).is_err());
    assert!(Jid::parse(&format!("u@example.org/{long}")).is_err());
    assert!(Jid::parse(&format!("{}@example.org", "a".repeat(1023))).is_ok());
}

#[test]
fn backoff_grows_with_jitter_and_resets() {
    let mut b = Backoff::new(Duration::from_millis(100), Duration::from_secs(2));
    let mut last_ceiling = Duration::ZERO;
    for _ in 0..10 {
        let c = b.ceiling();
        let d = b.next_delay();
        assert!(d <= c && d >= c / 2, "{d:?} vs {c:?}");
        assert!(c >= last_ceiling);
        last_ceiling = c;
    }
    assert_eq!(last_ceiling, Duration::from_secs(2));
    b.reset();
    assert_eq!(b.ceiling(), Duration::from_millis(100));
}

// ---------------------------------------------------------------- never panics

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_input_after_online_never_panics(data in proptest::collection::vec(any::<u8>(), 0..512),
                                             split in 0usize..512) {
        let mut s = online(Instant::now());
        let k = split.min(data.len());
        s.feed(&data[..k]);
        s.feed(&data[k..]);
        let _ = events(&mut s);
        s.handle_timeout(Instant::now() + Duration::from_secs(100));
        s.handle_eof();
        let _ = events(&mut s);
    }

    #[test]
    fn truncated_or_mutated_conversation_never_panics(cut in 0usize..600, flip in 0usize..600, byte in any::<u8>()) {
        let mut conv = HEADER.to_vec();
        conv.extend_from_slice(&features_sasl(&["PLAIN"]));
        conv.extend_from_slice(SUCCESS);
        conv.extend_from_slice(HEADER);
        conv.extend_from_slice(FEATURES_BIND);
        conv.extend_from_slice(BIND_RESULT);
        conv.extend_from_slice(b"<message><body>x</body></message>");
        if flip < conv.len() { conv[flip] = byte; }
        let cut = cut.min(conv.len());
        let mut s = XmppStream::new_after_tls_for_test(config(), Instant::now());
        s.feed(&conv[..cut]);
        s.handle_eof();
        let _ = events(&mut s);
    }
}

// ---------------------------------------------------------------- STARTTLS in memory

mod starttls {
    use std::sync::Arc;
    use std::time::Instant;

    use super::{closed, out, HEADER};
    use crate::pki::{Credential, KeyKind, LeafSpec, Pki};
    use crate::security_event::SecurityEvents;
    use crate::tls::{TlsConfig, TlsServer, TlsSession};
    use crate::xmpp::{CloseReason, Jid, Mechanism, XmppConfig, XmppStream};

    fn tls_config(c: &Credential, pki: &Pki) -> TlsConfig {
        TlsConfig::new()
            .with_identity(vec![c.certificate.clone()], c.key.clone())
            .with_trust_anchor(pki.ca().certificate.clone())
    }

    /// Moves octets both ways until quiet; returns the plaintext the server read.
    fn pump(c: &mut XmppStream, srv: &mut TlsSession) -> Vec<u8> {
        let mut plain = Vec::new();
        for _ in 0..20 {
            let x = c.transmit().to_vec();
            c.advance_transmit(x.len());
            if !x.is_empty() {
                let _ = srv.feed_tls(&x);
            }
            let mut buf = [0u8; 4096];
            while let Ok(n) = srv.read_plain(&mut buf) {
                if n == 0 {
                    break;
                }
                plain.extend_from_slice(&buf[..n]);
            }
            let y = srv.take_tls();
            if x.is_empty() && y.is_empty() {
                break;
            }
            if !y.is_empty() {
                c.feed(&y);
            }
        }
        plain
    }

    fn setup(server_name: &str) -> (XmppStream, TlsSession) {
        let pki = Pki::new_root("xmpp test CA", KeyKind::EcP256).unwrap();
        let mut spec = LeafSpec::new("example.org").with_key(KeyKind::EcP256);
        if !spec.dns_names.iter().any(|n| n == "example.org") {
            spec.dns_names.push("example.org".into());
        }
        let server_cred = pki.issue(&spec).unwrap();
        let client_cred = pki
            .issue(&LeafSpec::new("user").with_key(KeyKind::EcP256))
            .unwrap();
        let server = TlsServer::new(
            &tls_config(&server_cred, &pki),
            Arc::new(SecurityEvents::new()),
        )
        .unwrap();
        let srv = server.session().unwrap();
        let mut cfg = XmppConfig::new(
            Jid::parse("user@example.org").unwrap(),
            "",
            tls_config(&client_cred, &pki),
        );
        cfg.server_name = server_name.into();
        let mut c = XmppStream::new(cfg, Instant::now());
        out(&mut c);
        c.feed(HEADER);
        c.feed(b"<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>");
        assert_eq!(
            out(&mut c),
            "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
        );
        c.feed(b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        (c, srv)
    }

    #[test]
    fn starttls_then_external_through_the_tls_session() {
        let (mut c, mut srv) = setup("example.org");
        let plain = pump(&mut c, &mut srv);
        assert!(srv.is_established());
        let text = String::from_utf8_lossy(&plain);
        assert!(
            text.contains("<stream:stream to='example.org' from='user@example.org'"),
            "the restarted stream goes through TLS: {text}"
        );
        srv.write_plain(HEADER).unwrap();
        srv.write_plain(
            b"<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\
              <mechanism>PLAIN</mechanism><mechanism>EXTERNAL</mechanism></mechanisms></stream:features>",
        )
        .unwrap();
        let plain = pump(&mut c, &mut srv);
        assert_eq!(
            String::from_utf8_lossy(&plain),
            "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>=</auth>"
        );
        assert_eq!(c.mechanism(), Some(Mechanism::External));
        assert!(c.tls_session().is_some_and(|t| t.is_established()));
    }

    #[test]
    fn a_certificate_not_naming_the_domain_is_refused() {
        let (mut c, mut srv) = setup("other.example");
        pump(&mut c, &mut srv);
        match closed(&mut c) {
            CloseReason::CertificateName { expected, found } => {
                assert_eq!(expected, "other.example");
                assert!(found.contains(&"example.org".to_string()), "{found:?}");
            }
            other => panic!("{other:?}"),
        }
    }
}
