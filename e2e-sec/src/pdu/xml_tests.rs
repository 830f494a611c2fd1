#![allow(clippy::unwrap_used)]
//! XML codec tests: BER → value → XML → value → BER for every SecPDU kind, the octets each
//! protection covers in XML, the bounds, and robustness (proptest).

use super::xml::{self, XmlStore};
use super::*;
use crate::oids;
use proptest::prelude::*;

const CERT: &[u8] = &[0x30, 0x03, 1, 2, 3];
const BER_APPL: &[u8] = &[0xA8, 0x03, 0x80, 0x01, 0x01];
const XML_APPL: &[u8] = b"<MMSpdu><initiate-RequestPDU><a>1</a></initiate-RequestPDU></MMSpdu>";

fn alg(o: copp::ber::Oid<'static>) -> AlgorithmIdentifier<'static> {
    AlgorithmIdentifier::new(o)
}

fn token1(mode: EncrMode<'static>) -> ClearToken1<'static> {
    ClearToken1 {
        sig_alg: AlgorithmIdentifier {
            algorithm: oids::SHA256_WITH_RSA,
            parameters: Some(&[0x05, 0x00]),
        },
        pk_cert: CERT,
        cert_path: vec![&[0x30, 0x00], &[0x30, 0x01, 0x07]],
        version_v1: true,
        asso_id: "12",
        dh_key: DiffieHellmanSet {
            group: 19,
            public_key: &[4; 65],
        },
        hmac: alg(oids::HMAC_WITH_SHA256),
        time: TimeStamp(1_700_000_000_000),
        encr_mode: mode,
        conf_params: ConfParams {
            tls_protected: true,
            appl_protected: false,
            vpn: true,
        },
        att_cert: Some(&[0x30, 0x01, 0x00]),
    }
}

fn token3(asso: Option<&'static str>) -> ClearToken3<'static> {
    ClearToken3 {
        sig_alg: alg(oids::ECDSA_WITH_SHA256),
        version_v1: true,
        asso_id: asso,
        time: TimeStamp(1_700_000_000_000),
        pk_cert: CERT,
        cert_path: vec![],
    }
}

fn token2(iv: Option<&'static [u8]>) -> ClearToken2<'static> {
    ClearToken2 {
        asso_id: "12:345",
        time: TimeStamp(1_700_000_001_000),
        seq: 7,
        iv,
        rekey: Some(DiffieHellmanSet {
            group: 19,
            public_key: &[4; 65],
        }),
        req_rekey: true,
        changed_key: false,
    }
}

fn sig() -> Signature<'static> {
    Signature {
        algo: alg(oids::ECDSA_WITH_SHA256),
        sign: &[9; 70],
    }
}

/// One SecPDU of every kind, in BER (with a BER PrPDU) and in XML (with an XML PrPDU).
fn every_kind() -> Vec<(Kind, Vec<u8>, Vec<u8>)> {
    let mut v = Vec::new();
    let modes = [
        EncrMode::Aea(vec![alg(oids::AES128_GCM), alg(oids::AES256_GCM)]),
        EncrMode::NonAea {
            encr: Some(vec![alg(oids::AES128_CBC)]),
            icv: vec![alg(oids::HMAC_WITH_SHA256)],
        },
    ];
    for (k, mode) in [Kind::HandshakeReq, Kind::HandshakeAcc]
        .into_iter()
        .zip(modes)
    {
        let t1 = token1(mode);
        let b = encode_handshake(k, "MMS", &encode_tbs_handshake(&t1, Some(BER_APPL)), &sig());
        let x = xml::encode_handshake(
            k,
            "MMS",
            &xml::encode_tbs_handshake(&t1, Some(XML_APPL)),
            &sig(),
        );
        v.push((k, b, x));
    }
    for (i, k) in [
        Kind::ApplicationReject,
        Kind::HandshakeSecReject,
        Kind::HandshakeSecAbort,
        Kind::DtSecAbort,
        Kind::ApplAbort,
        Kind::ReleaseReq,
        Kind::ReleaseRsp,
    ]
    .into_iter()
    .enumerate()
    {
        let t3 = token3(if i % 2 == 0 { Some("3:4") } else { None });
        let diag = (i % 3 == 0).then_some(u32::try_from(i).unwrap());
        let with_appl = i % 2 == 1;
        let b = encode_signed3(
            k,
            &encode_tbs3(&t3, with_appl.then_some(BER_APPL), diag),
            &sig(),
        );
        let x = xml::encode_signed3(
            k,
            &xml::encode_tbs3(&t3, with_appl.then_some(XML_APPL), diag),
            &sig(),
        );
        v.push((k, b, x));
    }
    for (k, iv, encrypted) in [
        (Kind::ClearTransfer, None, false),
        (Kind::EncrTransfer, Some(&[1u8; 16][..]), true),
    ] {
        let t2 = token2(iv);
        let auth = Authenticator {
            nonce: Some(&[2; 12]),
            algorithm: alg(oids::AES128_GMAC),
            icv: &[3; 12],
        };
        let (ba, xa): (&[u8], &[u8]) = if encrypted {
            (&[0xEE; 32], &[0xEE; 32])
        } else {
            (BER_APPL, XML_APPL)
        };
        let mut b = Vec::new();
        encode_transfer(
            k,
            &encode_tbp(&encode_token2(&t2), ba, encrypted),
            Some(&auth),
            &mut b,
        );
        let mut x = Vec::new();
        xml::encode_transfer(
            k,
            &xml::encode_tbp(&xml::encode_token2(&t2), xa, encrypted),
            Some(&auth),
            &mut x,
        );
        v.push((k, b, x));
    }
    // AE EncrTransfer: no Authenticator.
    let t2 = token2(Some(&[5; 12]));
    let mut b = Vec::new();
    encode_transfer(
        Kind::EncrTransfer,
        &encode_tbp(&encode_token2(&t2), &[0xAB; 40], true),
        None,
        &mut b,
    );
    let mut x = Vec::new();
    xml::encode_transfer(
        Kind::EncrTransfer,
        &xml::encode_tbp(&xml::encode_token2(&t2), &[0xAB; 40], true),
        None,
        &mut x,
    );
    v.push((Kind::EncrTransfer, b, x));
    v
}

/// The value without what depends on the encoding (the covered octets, the PrPDU, which is
/// BER in one and XML in the other), SET OF in a fixed order.
fn normal(p: &SecPdu<'_>) -> String {
    let mut p = p.clone();
    match &mut p {
        SecPdu::HandshakeReq(h) | SecPdu::HandshakeAcc(h) => {
            h.tbs_contents = &[];
            h.appl_data = h.appl_data.map(|_| &[][..]);
            if let EncrMode::NonAea { icv, .. } = &mut h.token1.encr_mode {
                icv.sort_by(|a, b| a.algorithm.as_bytes().cmp(b.algorithm.as_bytes()));
            }
        }
        SecPdu::ClearTransfer(t) => {
            t.tbp_contents = &[];
            t.token2_contents = &[];
            t.appl_data = &[];
        }
        SecPdu::EncrTransfer(t) => {
            t.tbp_contents = &[];
            t.token2_contents = &[];
        }
        SecPdu::ApplicationReject(s)
        | SecPdu::HandshakeSecReject(s)
        | SecPdu::HandshakeSecAbort(s)
        | SecPdu::DtSecAbort(s)
        | SecPdu::ApplAbort(s)
        | SecPdu::ReleaseReq(s)
        | SecPdu::ReleaseRsp(s) => {
            s.tbs_contents = &[];
            s.appl_data = s.appl_data.map(|_| &[][..]);
        }
    }
    format!("{p:?}")
}

/// The BER of a value, its PrPDU replaced by `appl` where it has one.
fn ber_of(p: &SecPdu<'_>, appl: &[u8]) -> Vec<u8> {
    let kind = p.kind();
    match p {
        SecPdu::HandshakeReq(h) | SecPdu::HandshakeAcc(h) => {
            let tbs = encode_tbs_handshake(&h.token1, h.appl_data.map(|_| appl));
            encode_handshake(kind, h.pp, &tbs, &h.signature)
        }
        SecPdu::ClearTransfer(t) | SecPdu::EncrTransfer(t) => {
            let enc = kind == Kind::EncrTransfer;
            let a = if enc { t.appl_data } else { appl };
            let mut out = Vec::new();
            encode_transfer(
                kind,
                &encode_tbp(&encode_token2(&t.token2), a, enc),
                t.auth.as_ref(),
                &mut out,
            );
            out
        }
        SecPdu::ApplicationReject(s)
        | SecPdu::HandshakeSecReject(s)
        | SecPdu::HandshakeSecAbort(s)
        | SecPdu::DtSecAbort(s)
        | SecPdu::ApplAbort(s)
        | SecPdu::ReleaseReq(s)
        | SecPdu::ReleaseRsp(s) => {
            let tbs = encode_tbs3(&s.token3, s.appl_data.map(|_| appl), s.diagnostic);
            encode_signed3(kind, &tbs, &s.signature)
        }
    }
}

#[test]
fn ber_value_xml_value_ber_for_every_kind() {
    let lim = Limits::default();
    let all = every_kind();
    assert_eq!(
        all.iter()
            .map(|(k, ..)| *k as u32)
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        11
    );
    for (k, ber, xml_pdu) in &all {
        let from_ber = decode(ber, &lim).unwrap();
        assert_eq!(from_ber.kind(), *k);
        // BER value → XML (the PrPDU in XML) → value.
        let mut store = XmlStore::new();
        let from_xml = xml::decode(xml_pdu, &mut store, &lim).unwrap();
        assert_eq!(from_xml.kind(), *k);
        assert_eq!(normal(&from_ber), normal(&from_xml), "{k:?}");
        assert!(
            xml_pdu.starts_with(format!("<{} xmlns='{}'>", k.xml_name(), xml::E2E_NS).as_bytes())
        );
        // XML value → BER: the same octets.
        assert_eq!(&ber_of(&from_xml, BER_APPL), ber, "{k:?}");
        // And the XML written from the value read is the XML read.
        let mut again_store = XmlStore::new();
        let again = xml::decode(xml_pdu, &mut again_store, &lim).unwrap();
        assert_eq!(xml::encode(&again), *xml_pdu, "{k:?}");
    }
}

#[test]
fn covered_octets_are_the_received_ones_between_the_tags() {
    let lim = Limits::default();
    let t1 = token1(EncrMode::Aea(vec![alg(oids::AES128_GCM)]));
    let tbs = xml::encode_tbs_handshake(&t1, Some(XML_APPL));
    let pdu = xml::encode_handshake(Kind::HandshakeReq, "MMS", &tbs, &sig());
    // Pretty-printed by some relay between the elements inside tbs: what is covered is what
    // was received, whitespace included.
    let text = String::from_utf8(pdu)
        .unwrap()
        .replace("<token1>", "<token1>\n  ")
        .replace("</token1>", "</token1>\n");
    let mut st = XmlStore::new();
    let SecPdu::HandshakeReq(h) = xml::decode(text.as_bytes(), &mut st, &lim).unwrap() else {
        panic!()
    };
    let start = text.find("<tbs>").unwrap() + 5;
    let end = text.find("</tbs>").unwrap();
    assert_eq!(h.tbs_contents, &text.as_bytes()[start..end]);
    assert_eq!(h.appl_data, Some(XML_APPL));
    assert_eq!(xml::contents(&tbs), &tbs[5..tbs.len() - 6]);

    let t2 = token2(Some(&[5; 12]));
    let t2e = xml::encode_token2(&t2);
    let tbp = xml::encode_tbp(&t2e, &[0xAB; 8], true);
    let mut out = Vec::new();
    xml::encode_transfer(Kind::EncrTransfer, &tbp, None, &mut out);
    let mut st = XmlStore::new();
    let SecPdu::EncrTransfer(t) = xml::decode(&out, &mut st, &lim).unwrap() else {
        panic!()
    };
    assert_eq!(t.token2_contents, xml::contents(&t2e));
    assert_eq!(t.tbp_contents, xml::contents(&tbp));
    assert_eq!(t.appl_data, &[0xAB; 8]);
    assert!(std::str::from_utf8(&out)
        .unwrap()
        .contains("<applData>ABABABABABABABAB</applData>"));
}

#[test]
fn bounds_and_refusals() {
    let lim = Limits::default();
    let (_, _, x) = every_kind().remove(2);
    let text = String::from_utf8(x).unwrap();
    let bad = [
        format!("<!DOCTYPE a [<!ENTITY e 'x'>]>{text}"),
        text.replace(xml::E2E_NS, "urn:other"),
        text.replacen(&format!(" xmlns='{}'", xml::E2E_NS), "", 1),
        text.replacen("<tbs>", "<tbs a='1'>", 1),
        text.replacen("<tbs>", "<e:tbs xmlns:e='x'>", 1)
            .replacen("</tbs>", "</e:tbs>", 1),
        text.replacen(
            "<token3>",
            &format!("<token3>{}{}", "<a>".repeat(40), "</a>".repeat(40)),
            1,
        ),
        text.replacen(
            "<pkCert>",
            &format!("<pkCert>{}", "0".repeat(xml::MAX_TEXT + 2)),
            1,
        ),
        text.replacen(
            "<tbs>",
            &format!("<tbs>{}", "<a/>".repeat(xml::MAX_ELEMENTS)),
            1,
        ),
        text.replacen("<pkCert>", "<pkCert>0", 1),
        format!("{text}<more/>"),
        text.replacen("<time>", "<time><![CDATA[x]]>", 1),
    ];
    for b in &bad {
        let mut st = XmlStore::new();
        assert!(
            xml::decode(b.as_bytes(), &mut st, &lim).is_err(),
            "{}",
            &b[..b.len().min(200)]
        );
    }
    let small = Limits {
        max_pdu_len: 100,
        ..Limits::default()
    };
    let mut st = XmlStore::new();
    assert!(matches!(
        xml::decode(text.as_bytes(), &mut st, &small),
        Err(DecodeError::TooLarge { .. })
    ));
    // The PrPDU may nest deeper than the SecPDU's own limit, up to MAX_APPL_DEPTH.
    let (_, _, x) = every_kind().remove(0);
    let hs = String::from_utf8(x).unwrap();
    let deep = |n: usize| {
        hs.replacen(
            "<applData>",
            &format!("<applData><MMSpdu>{}", "<a>".repeat(n)),
            1,
        )
        .replacen(
            "</applData>",
            &format!("{}</MMSpdu></applData>", "</a>".repeat(n)),
            1,
        )
    };
    let mut st = XmlStore::new();
    let ok_deep = deep(xml::MAX_APPL_DEPTH - 5);
    let SecPdu::HandshakeReq(h) = xml::decode(ok_deep.as_bytes(), &mut st, &lim).unwrap() else {
        panic!()
    };
    assert!(h.appl_data.unwrap().starts_with(b"<MMSpdu><a><a>"));
    let mut st = XmlStore::new();
    assert!(xml::decode(deep(xml::MAX_APPL_DEPTH).as_bytes(), &mut st, &lim).is_err());
    // A declaration, comments and whitespace in hexadecimal are fine.
    let ok = format!(
        "<?xml version='1.0'?><!-- c -->{}",
        text.replace("<pkCert>3003010203", "<pkCert>30 03\n01 02 03")
    );
    let mut st = XmlStore::new();
    assert!(xml::decode(ok.as_bytes(), &mut st, &lim).is_ok());
    assert_eq!(xml::kind_of(text.as_bytes()), Some(Kind::ApplicationReject));
}

proptest! {
    #[test]
    fn random_and_mangled_xml_never_panics(
        junk in proptest::collection::vec(any::<u8>(), 0..400),
        pick in 0usize..12,
        cut in any::<prop::sample::Index>(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
    ) {
        let lim = Limits::default();
        let mut st = XmlStore::new();
        let _ = xml::decode(&junk, &mut st, &lim);
        let _ = crate::xmpp::open_envelope(&junk);
        let all = every_kind();
        let (_, _, x) = &all[pick % all.len()];
        let truncated = &x[..cut.index(x.len() + 1)];
        let _ = xml::decode(truncated, &mut st, &lim);
        let _ = crate::xmpp::open_envelope(&crate::xmpp::envelope("1", truncated));
        let mut m = x.clone();
        for (i, b) in flips {
            let i = i.index(m.len());
            m[i] = b;
        }
        let _ = xml::decode(&m, &mut st, &lim);
        let _ = crate::xmpp::open_envelope(&crate::xmpp::envelope("1:2", &m));
    }
}
