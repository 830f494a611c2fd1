//! The SecPDUs in XML (`e2e_sec::pdu::xml`, the XMPP environment of IEC 62351-4) checked
//! against asn1tools (PyPI), which compiles our working module `e2e-sec/asn1/e2e-working.asn`
//! (`peers/e2e_xer_asn1tools.py`): for a SecPDU of every kind, asn1tools must decode our XML to
//! the value it decodes our BER to, and our XML decoder must decode asn1tools's XER of that
//! value to the value our BER decoder gives. Values are compared, not documents.
//!
//! What asn1tools cannot do is worked around, not hidden (e2e-sec/ASSUMPTIONS.md XS-12): it
//! has no namespaces (the xmlns attribute is removed before it reads our XML and put back
//! before we read its XER), its root for the type SecPDU is `<SecPDU>` around the alternative
//! (added and removed the same way), and the PDUs compared carry no ANY (no PrPDU in applData,
//! no AlgorithmIdentifier parameters): ClearTransfer, whose applData is mandatory, is checked
//! by the BER ↔ XML round trip of the e2e-sec unit tests only.
//!
//! Needs `<workspace>/.venv` with asn1tools (`.ci/run` installs it): with `CI=true` a missing
//! one fails the test, otherwise it is skipped loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::process::{Command, Stdio};

use e2e_sec::oids;
use e2e_sec::pdu::xml::{self, XmlStore};
use e2e_sec::pdu::{self, *};
use e2e_sec::time::TimeStamp;
use interop_tests::peer::{peers_dir, require_asn1tools};

fn alg(o: copp::ber::Oid<'static>) -> AlgorithmIdentifier<'static> {
    AlgorithmIdentifier::new(o)
}

const CERT: &[u8] = &[0x30, 0x03, 1, 2, 3];

fn sig() -> Signature<'static> {
    Signature {
        algo: alg(oids::ECDSA_WITH_SHA256),
        sign: &[9; 70],
    }
}

fn token1(mode: EncrMode<'static>, asso: &'static str) -> ClearToken1<'static> {
    ClearToken1 {
        sig_alg: alg(oids::ECDSA_WITH_SHA256),
        pk_cert: CERT,
        cert_path: vec![&[0x30, 0x00], &[0x30, 0x01, 0x07]],
        version_v1: true,
        asso_id: asso,
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

/// (name, BER, our XML) of every SecPDU kind that carries no ANY.
fn pdus() -> Vec<(String, Vec<u8>, Vec<u8>)> {
    let mut v = Vec::new();
    let modes = [
        (
            "aea",
            EncrMode::Aea(vec![alg(oids::AES128_GCM), alg(oids::AES256_GCM)]),
        ),
        (
            "cbc",
            EncrMode::NonAea {
                encr: Some(vec![alg(oids::AES128_CBC)]),
                icv: vec![alg(oids::HMAC_WITH_SHA256)],
            },
        ),
        (
            "icv",
            EncrMode::NonAea {
                encr: None,
                icv: vec![alg(oids::AES128_GMAC)],
            },
        ),
    ];
    for (k, asso) in [(Kind::HandshakeReq, "12"), (Kind::HandshakeAcc, "12:345")] {
        for (m, mode) in &modes {
            let t1 = token1(mode.clone(), asso);
            let b = pdu::encode_handshake(k, "MMS", &pdu::encode_tbs_handshake(&t1, None), &sig());
            let x = xml::encode_handshake(k, "MMS", &xml::encode_tbs_handshake(&t1, None), &sig());
            v.push((format!("{}-{m}", k.xml_name()), b, x));
        }
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
        let t3 = ClearToken3 {
            sig_alg: alg(oids::ECDSA_WITH_SHA256),
            version_v1: true,
            asso_id: (i % 2 == 0).then_some("3:4"),
            time: TimeStamp(1_700_000_000_000),
            pk_cert: CERT,
            cert_path: if i % 3 == 0 { vec![CERT] } else { vec![] },
        };
        let diag = (i % 2 == 1).then_some(u32::try_from(i).unwrap());
        let b = pdu::encode_signed3(k, &pdu::encode_tbs3(&t3, None, diag), &sig());
        let x = xml::encode_signed3(k, &xml::encode_tbs3(&t3, None, diag), &sig());
        v.push((k.xml_name().to_owned(), b, x));
    }
    for (name, iv, auth, rekey) in [
        ("encrTransfer-gcm", &[5u8; 12][..], false, true),
        ("encrTransfer-cbc", &[6u8; 16][..], true, false),
    ] {
        let t2 = ClearToken2 {
            asso_id: "12:345",
            time: TimeStamp(1_700_000_001_000),
            seq: 7,
            iv: Some(iv),
            rekey: rekey.then_some(DiffieHellmanSet {
                group: 19,
                public_key: &[4; 65],
            }),
            req_rekey: rekey,
            changed_key: !rekey,
        };
        let a = Authenticator {
            nonce: Some(&[2; 12]),
            algorithm: alg(oids::AES128_GMAC),
            icv: &[3; 12],
        };
        let a = auth.then_some(a);
        let mut b = Vec::new();
        pdu::encode_transfer(
            Kind::EncrTransfer,
            &pdu::encode_tbp(&pdu::encode_token2(&t2), &[0xAB; 40], true),
            a.as_ref(),
            &mut b,
        );
        let mut x = Vec::new();
        xml::encode_transfer(
            Kind::EncrTransfer,
            &xml::encode_tbp(&xml::encode_token2(&t2), &[0xAB; 40], true),
            a.as_ref(),
            &mut x,
        );
        v.push((name.to_owned(), b, x));
    }
    v
}

/// The value without the covered octets (they differ between BER and XML by nature), SET OF
/// in a fixed order.
fn normal(p: &SecPdu<'_>) -> String {
    let mut p = p.clone();
    match &mut p {
        SecPdu::HandshakeReq(h) | SecPdu::HandshakeAcc(h) => {
            h.tbs_contents = &[];
            if let EncrMode::NonAea { icv, .. } = &mut h.token1.encr_mode {
                icv.sort_by(|a, b| a.algorithm.as_bytes().cmp(b.algorithm.as_bytes()));
            }
        }
        SecPdu::ClearTransfer(t) | SecPdu::EncrTransfer(t) => {
            t.tbp_contents = &[];
            t.token2_contents = &[];
        }
        SecPdu::ApplicationReject(s)
        | SecPdu::HandshakeSecReject(s)
        | SecPdu::HandshakeSecAbort(s)
        | SecPdu::DtSecAbort(s)
        | SecPdu::ApplAbort(s)
        | SecPdu::ReleaseReq(s)
        | SecPdu::ReleaseRsp(s) => s.tbs_contents = &[],
    }
    format!("{p:?}")
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// asn1tools's XER of the type SecPDU back to our form: the `<SecPDU>` wrapper removed and
/// the E2E_4 namespace on the alternative's element.
fn ours_from_theirs(theirs: &str) -> String {
    let inner = theirs
        .trim()
        .strip_prefix("<SecPDU>")
        .and_then(|s| s.strip_suffix("</SecPDU>"))
        .unwrap_or_else(|| panic!("not a SecPDU document: {theirs}"));
    let end = inner.find(['>', ' ', '/']).unwrap();
    format!(
        "{} xmlns=\"{}\"{}",
        &inner[..end],
        xml::E2E_NS,
        &inner[end..]
    )
}

#[test]
fn asn1tools_agrees_with_our_secpdu_xml() {
    let Some(python) = require_asn1tools() else {
        return;
    };
    let module = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../e2e-sec/asn1/e2e-working.asn"
    );
    let all = pdus();
    let mut input = String::new();
    for (name, b, x) in &all {
        input.push_str(&format!("{name} {} {}\n", hex(b), hex(x)));
    }
    let mut child = Command::new(&python)
        .arg(peers_dir().join("e2e_xer_asn1tools.py"))
        .arg(module)
        .current_dir(peers_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "e2e_xer_asn1tools.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lim = Limits::default();
    let mut agreed = 0;
    let mut failures = Vec::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let mut parts = line.splitn(3, ' ');
        let (kind, name, rest) = (
            parts.next().unwrap(),
            parts.next().unwrap_or(""),
            parts.next().unwrap_or(""),
        );
        if kind != "OK" {
            failures.push(line.to_owned());
            continue;
        }
        let theirs = String::from_utf8(unhex(rest)).unwrap();
        let back = ours_from_theirs(&theirs);
        let (_, ber, _) = all.iter().find(|(n, ..)| n == name).unwrap();
        let want = normal(&pdu::decode(ber, &lim).unwrap());
        let mut store = XmlStore::new();
        match xml::decode(back.as_bytes(), &mut store, &lim) {
            Ok(v) if normal(&v) == want => agreed += 1,
            Ok(v) => failures.push(format!(
                "{name}: asn1tools's XER decodes to another value:\n{theirs}\n{}\n{want}",
                normal(&v)
            )),
            Err(e) => failures.push(format!(
                "{name}: our decoder refused asn1tools's XER: {e}\n{theirs}"
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(agreed, all.len(), "a PDU got no answer");
    eprintln!("asn1tools: {agreed} SecPDUs agree both ways");
}
