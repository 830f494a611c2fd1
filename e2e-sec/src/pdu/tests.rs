#![allow(clippy::unwrap_used)]
//! Codec tests: round trips (fixed and proptest), the octets each protection covers, and
//! decoder robustness (truncation, bit flips, limits).

use super::*;
use crate::oids;
use proptest::prelude::*;

/// The BER walker on `asn1-rs` that the round-trip tests of every crate share.
#[path = "../../../copp/tests/support/independent_ber.rs"]
mod independent;
use independent::{CONTEXT, UNIVERSAL};

/// Has `asn1-rs` walk a whole ClearTransfer / EncrTransfer and compares what it reads with
/// what was encoded: the SecPDU tag, the assoID and seqNum of ClearToken2, and the body (the
/// ciphertext OCTET STRING, or the PrPDU inside `[0]`).
fn check_transfer(out: &[u8], kind: Kind, t2: &ClearToken2<'_>, appl: &[u8]) {
    let n = independent::expect(out, CONTEXT, Some(true), kind as u32);
    let tbp = n.child(0);
    assert_eq!(
        (tbp.class, tbp.number, tbp.children.len()),
        (UNIVERSAL, 16, 2)
    );
    check_token2(tbp.child(0), t2);
    let body = tbp.child(1);
    if kind == Kind::EncrTransfer {
        assert_eq!(
            (body.class, body.number, body.constructed),
            (UNIVERSAL, 4, false)
        );
    } else {
        assert_eq!(
            (body.class, body.number, body.constructed),
            (CONTEXT, 0, true)
        );
    }
    assert_eq!(body.contents, appl);
}

/// ClearToken2 ::= SEQUENCE { assoID IA5String, time GeneralizedTime, seqNum INTEGER, ... }.
fn check_token2(n: &independent::Node<'_>, t2: &ClearToken2<'_>) {
    assert_eq!((n.class, n.number, n.constructed), (UNIVERSAL, 16, true));
    let id = n.child(0);
    assert_eq!(
        (id.class, id.number, id.contents),
        (UNIVERSAL, 22, t2.asso_id.as_bytes())
    );
    assert_eq!((n.child(1).class, n.child(1).number), (UNIVERSAL, 24));
    assert_eq!(n.child(2).number, 2);
    assert_eq!(n.child(2).integer(), i64::from(t2.seq));
}

fn token1<'a>(cert: &'a [u8], dh: &'a [u8], mode: EncrMode<'a>) -> ClearToken1<'a> {
    ClearToken1 {
        sig_alg: AlgorithmIdentifier {
            algorithm: oids::SHA256_WITH_RSA,
            parameters: Some(&[0x05, 0x00]),
        },
        pk_cert: cert,
        cert_path: vec![&[0x30, 0x00]],
        version_v1: true,
        asso_id: "12",
        dh_key: DiffieHellmanSet {
            group: 19,
            public_key: dh,
        },
        hmac: AlgorithmIdentifier::new(oids::HMAC_WITH_SHA256),
        time: TimeStamp(1_700_000_000_000),
        encr_mode: mode,
        conf_params: ConfParams {
            tls_protected: true,
            appl_protected: true,
            vpn: false,
        },
        att_cert: Some(&[0x30, 0x01, 0x00]),
    }
}

#[test]
fn handshake_round_trip_and_signature_coverage() {
    let modes = [
        EncrMode::Aea(vec![
            AlgorithmIdentifier::new(oids::AES128_GCM),
            AlgorithmIdentifier::new(oids::AES256_GCM),
        ]),
        EncrMode::NonAea {
            encr: None,
            icv: vec![AlgorithmIdentifier::new(oids::HMAC_WITH_SHA256)],
        },
        EncrMode::NonAea {
            encr: Some(vec![AlgorithmIdentifier::new(oids::AES128_CBC)]),
            icv: vec![
                AlgorithmIdentifier::new(oids::HMAC_WITH_SHA256),
                AlgorithmIdentifier::new(oids::AES128_GMAC),
            ],
        },
    ];
    for mode in modes {
        let t1 = token1(&[0x30, 0x03, 1, 2, 3], &[4; 65], mode);
        let appl = [0xA8, 0x03, 0x80, 0x01, 0x01];
        let tbs = encode_tbs_handshake(&t1, Some(&appl));
        let sig = Signature {
            algo: t1.sig_alg.clone(),
            sign: &[9; 16],
        };
        let pdu = encode_handshake(Kind::HandshakeReq, "MMS", &tbs, &sig);
        // The outer CHOICE tag of HandshakeReq is [0] constructed; pp is a UTF8String.
        assert_eq!(pdu[0], 0xA0);
        // The same as asn1-rs sees it: [0] { UTF8String "MMS", tbs SEQUENCE, signature }, the
        // applData [0] inside tbs.
        let n = independent::expect(&pdu, CONTEXT, Some(true), 0);
        assert_eq!(n.children.len(), 3);
        let pp = n.child(0);
        assert_eq!(
            (pp.class, pp.number, pp.contents),
            (UNIVERSAL, 12, &b"MMS"[..])
        );
        assert_eq!(n.child(1).raw, &tbs[..]);
        assert_eq!(n.child(1).find(CONTEXT, 0).contents, &appl[..]);
        let SecPdu::HandshakeReq(h) = decode(&pdu, &Limits::default()).unwrap() else {
            panic!("kind")
        };
        assert_eq!(h.pp, "MMS");
        // F-1113: the signature covers exactly the tbs contents octets (tag and length off).
        assert_eq!(h.tbs_contents, crate::crypto::contents(&tbs));
        assert_eq!(&tbs[tbs.len() - h.tbs_contents.len()..], h.tbs_contents);
        assert_eq!(tbs[0], 0x30);
        assert_eq!(h.appl_data, Some(&appl[..]));
        // ICV-only offers sort the SET OF; compare as sets.
        let mut got = h.token1.clone();
        let mut want = t1.clone();
        for t in [&mut got, &mut want] {
            if let EncrMode::NonAea { icv, .. } = &mut t.encr_mode {
                icv.sort_by(|a, b| a.algorithm.as_bytes().cmp(b.algorithm.as_bytes()));
            }
        }
        assert_eq!(got, want);
        assert_eq!(h.signature, sig);
    }
}

/// A DER handshake tbs assembled by hand, octet by octet, for the fields whose encoding the
/// working module fixes: version `03 02 07 80`, assoID IA5String, DH set, confParams.
#[test]
fn token1_fixed_octets() {
    let t1 = token1(
        &[0x30, 0x00],
        &[4],
        EncrMode::Aea(vec![AlgorithmIdentifier::new(oids::AES128_GCM)]),
    );
    let tbs = encode_tbs_handshake(&t1, None);
    independent::expect(&tbs, UNIVERSAL, Some(true), 16);
    let has = |needle: &[u8]| tbs.windows(needle.len()).any(|w| w == needle);
    assert!(has(&[0x03, 0x02, 0x07, 0x80]), "version {{v1}}");
    assert!(has(&[0x16, 0x02, b'1', b'2']), "assoID");
    assert!(
        has(&[0x30, 0x06, 0x02, 0x01, 0x13, 0x04, 0x01, 0x04]),
        "DiffieHellmanSet 19"
    );
    assert!(
        has(&[0x03, 0x02, 0x06, 0xC0]),
        "confParams tlsProtected+applProtected"
    );
    assert!(has(b"\x18\x0f20231114221320Z"), "GeneralizedTime");
    assert!(has(&[0x81, 0x03, 0x30, 0x01, 0x00]), "attCert [1]");
}

#[test]
fn transfer_round_trip_and_covered_octets() {
    let t2 = ClearToken2 {
        asso_id: "12:345",
        time: TimeStamp(1_700_000_000_000),
        seq: 7,
        iv: Some(&[1; 12]),
        rekey: Some(DiffieHellmanSet {
            group: 19,
            public_key: &[4; 65],
        }),
        req_rekey: true,
        changed_key: true,
    };
    let t2e = encode_token2(&t2);
    check_token2(&independent::expect(&t2e, UNIVERSAL, Some(true), 16), &t2);
    // DEFAULT FALSE booleans are present only when TRUE (DER), as [2] and [3].
    assert!(t2e.windows(3).any(|w| w == [0x82, 0x01, 0x01]));
    assert!(t2e.windows(3).any(|w| w == [0x83, 0x01, 0x01]));
    for encrypted in [false, true] {
        let appl: &[u8] = if encrypted {
            &[0xEE; 20]
        } else {
            &[0xA0, 0x01, 0x00]
        };
        let tbp = encode_tbp(&t2e, appl, encrypted);
        let auth = Authenticator {
            nonce: Some(&[2; 12]),
            algorithm: AlgorithmIdentifier::new(oids::AES128_GMAC),
            icv: &[3; 16],
        };
        let mut out = Vec::new();
        let kind = if encrypted {
            Kind::EncrTransfer
        } else {
            Kind::ClearTransfer
        };
        encode_transfer(kind, &tbp, Some(&auth), &mut out);
        // The clear PrPDU here (A0 01 00) is a stand-in, not valid BER itself, so only the
        // encrypted form is walked to the bottom.
        if encrypted {
            check_transfer(&out, kind, &t2, appl);
        }
        let tr = match decode(&out, &Limits::default()).unwrap() {
            SecPdu::ClearTransfer(t) if !encrypted => t,
            SecPdu::EncrTransfer(t) if encrypted => t,
            o => panic!("{o:?}"),
        };
        assert_eq!(tr.token2, t2);
        assert_eq!(tr.appl_data, appl);
        assert_eq!(tr.auth.as_ref(), Some(&auth));
        // F-1131: the ICV covers the tbp contents; F-1132: the AAD is the token2 contents.
        assert_eq!(tr.tbp_contents, crate::crypto::contents(&tbp));
        assert_eq!(tr.token2_contents, crate::crypto::contents(&t2e));
    }
    // An AE EncrTransfer has no Authenticator; a ClearTransfer without one is refused.
    let tbp = encode_tbp(&t2e, &[1, 2], true);
    let mut out = Vec::new();
    encode_transfer(Kind::EncrTransfer, &tbp, None, &mut out);
    check_transfer(&out, Kind::EncrTransfer, &t2, &[1, 2]);
    assert!(
        matches!(decode(&out, &Limits::default()), Ok(SecPdu::EncrTransfer(t)) if t.auth.is_none())
    );
    out[0] = 0xA7;
    assert!(decode(&out, &Limits::default()).is_err());
}

#[test]
fn signed3_round_trip_every_kind() {
    let t3 = ClearToken3 {
        sig_alg: AlgorithmIdentifier::new(oids::ECDSA_WITH_SHA256),
        version_v1: true,
        asso_id: Some("1:2"),
        time: TimeStamp(0),
        pk_cert: &[0x30, 0x00],
        cert_path: vec![],
    };
    for kind in [
        Kind::ApplicationReject,
        Kind::HandshakeSecReject,
        Kind::HandshakeSecAbort,
        Kind::DtSecAbort,
        Kind::ApplAbort,
        Kind::ReleaseReq,
        Kind::ReleaseRsp,
    ] {
        let tbs = encode_tbs3(&t3, Some(&[0x8B, 0x00]), Some(9));
        let sig = Signature {
            algo: t3.sig_alg.clone(),
            sign: &[1, 2],
        };
        let pdu = encode_signed3(kind, &tbs, &sig);
        // asn1-rs: [kind] { tbs SEQUENCE { ..., applData [0], diagnostic [1] INTEGER }, ... }.
        let n = independent::expect(&pdu, CONTEXT, Some(true), kind as u32);
        assert_eq!(n.child(0).find(CONTEXT, 1).integer(), 9);
        assert_eq!(n.child(0).find(CONTEXT, 0).raw, [0xA0, 0x02, 0x8B, 0x00]);
        let got = decode(&pdu, &Limits::default()).unwrap();
        assert_eq!(got.kind(), kind);
        let s = match got {
            SecPdu::ApplicationReject(s)
            | SecPdu::HandshakeSecReject(s)
            | SecPdu::HandshakeSecAbort(s)
            | SecPdu::DtSecAbort(s)
            | SecPdu::ApplAbort(s)
            | SecPdu::ReleaseReq(s)
            | SecPdu::ReleaseRsp(s) => s,
            _ => panic!(),
        };
        assert_eq!(s.token3, t3);
        assert_eq!(s.diagnostic, Some(9));
        assert_eq!(s.appl_data, Some(&[0x8B, 0x00][..]));
    }
}

#[test]
fn diagnostics_numbers() {
    assert_eq!(
        HandshakeDiagnostic::from_code(25),
        Some(HandshakeDiagnostic::SingleIcvAlgoRequired)
    );
    assert_eq!(HandshakeDiagnostic::InvalidTimeValue.code(), 10);
    assert_eq!(HandshakeDiagnostic::from_code(26), None);
    assert_eq!(
        DtDiagnostic::from_code(9),
        Some(DtDiagnostic::UnexpectedChangedKeys)
    );
    assert_eq!(DtDiagnostic::InvalidSequenceNumber.code(), 6);
    assert!(
        valid_asso_id("1")
            && valid_asso_id("123:9")
            && !valid_asso_id("1234")
            && !valid_asso_id("1:")
            && !valid_asso_id("a")
    );
}

#[test]
fn limits_are_enforced() {
    let big = vec![0u8; 9000];
    let t1 = token1(
        &big,
        &[4],
        EncrMode::Aea(vec![AlgorithmIdentifier::new(oids::AES128_GCM)]),
    );
    let tbs = encode_tbs_handshake(&t1, None);
    let sig = Signature {
        algo: t1.sig_alg.clone(),
        sign: &[1],
    };
    let pdu = encode_handshake(Kind::HandshakeReq, "MMS", &tbs, &sig);
    // A 9000-octet certificate: three-octet lengths, which asn1-rs accepts as minimal.
    independent::expect(&pdu, CONTEXT, Some(true), 0);
    assert_eq!(
        decode(&pdu, &Limits::default()),
        Err(DecodeError::Invalid("certificate (too large)"))
    );
    let small = Limits {
        max_pdu_len: 100,
        ..Limits::default()
    };
    assert!(matches!(
        decode(&pdu, &small),
        Err(DecodeError::TooLarge { .. })
    ));
    let shallow = Limits {
        max_depth: 2,
        ..Limits::default()
    };
    assert!(decode(&pdu, &shallow).is_err());
    // Unknown CHOICE alternative and trailing octets.
    assert!(decode(&[0xAB, 0x00], &Limits::default()).is_err());
    let mut trailing = pdu.clone();
    trailing.push(0);
    assert!(decode(&trailing, &Limits::default()).is_err());
}

fn sample_transfer() -> Vec<u8> {
    let t2 = ClearToken2 {
        asso_id: "1:2",
        time: TimeStamp(1_700_000_000_000),
        seq: 0,
        iv: None,
        rekey: None,
        req_rekey: false,
        changed_key: false,
    };
    let tbp = encode_tbp(&encode_token2(&t2), &[0xA0, 0x02, 0x02, 0x00], false);
    let auth = Authenticator {
        nonce: None,
        algorithm: AlgorithmIdentifier::new(oids::HMAC_WITH_SHA256),
        icv: &[7; 32],
    };
    let mut out = Vec::new();
    encode_transfer(Kind::ClearTransfer, &tbp, Some(&auth), &mut out);
    check_transfer(&out, Kind::ClearTransfer, &t2, &[0xA0, 0x02, 0x02, 0x00]);
    out
}

/// The one-pass writer of the data path gives the octets of the two-step encoder, for every
/// kind, with and without an Authenticator or nonce, across the length-form boundaries.
fn one_pass_equals_two_step(
    kind: Kind,
    t2: &ClearToken2<'_>,
    body: &[u8],
    auth: Option<(Option<&[u8]>, Oid<'static>, usize)>,
) {
    let t2e = encode_token2(t2);
    let mut w = copp::ber::Writer::with_capacity(8);
    encode_token2_into(&mut w, t2);
    assert_eq!(w.as_slice(), &t2e[..]);
    let encrypted = kind == Kind::EncrTransfer;
    let tbp = encode_tbp(&t2e, body, encrypted);
    let icv: Vec<u8> = auth.as_ref().map_or(Vec::new(), |a| vec![0x3C; a.2]);
    let full = auth.as_ref().map(|(nonce, alg, _)| Authenticator {
        nonce: *nonce,
        algorithm: AlgorithmIdentifier::new(alg.clone()),
        icv: &icv,
    });
    let mut expect = vec![0xFF];
    encode_transfer(kind, &tbp, full.as_ref(), &mut expect);
    let shape = auth.as_ref().map(|(nonce, alg, len)| AuthenticatorShape {
        nonce: *nonce,
        algorithm: alg,
        icv_len: *len,
    });
    let mut out = vec![0xFF];
    let start = begin_transfer_into(&mut out, kind, w.as_slice(), body.len(), shape.as_ref());
    out.extend_from_slice(body);
    assert_eq!(&out[start..], crate::crypto::contents(&tbp));
    if let Some(sh) = &shape {
        finish_transfer_into(&mut out, sh, &icv);
    }
    assert_eq!(out, expect);
    // The ciphertext is opaque, so asn1-rs can walk the EncrTransfer form end to end (the
    // clear bodies here are stand-ins, not BER); the Authenticator is the second element.
    if encrypted {
        check_transfer(&out[1..], kind, t2, body);
        let n = independent::expect(&out[1..], CONTEXT, Some(true), kind as u32);
        assert_eq!(n.children.len(), 1 + usize::from(auth.is_some()));
    }
}

#[test]
fn one_pass_transfer_writer_matches_the_encoder() {
    let mut t2 = ClearToken2 {
        asso_id: "12:345",
        time: TimeStamp(1_700_000_000_000),
        seq: 7,
        iv: Some(&[1; 12]),
        rekey: None,
        req_rekey: false,
        changed_key: true,
    };
    let pk = [4u8; 256];
    for rekey in [false, true] {
        t2.rekey = rekey.then_some(DiffieHellmanSet {
            group: 14,
            public_key: &pk,
        });
        for len in [0usize, 1, 90, 130, 200, 300, 70_000] {
            let mut clear = vec![0x55; len + 4];
            clear[0] = 0xA0;
            let encr = vec![0xEE; len];
            for auth in [
                None,
                Some((None, oids::HMAC_WITH_SHA256, 32)),
                Some((Some(&[2u8; 12][..]), oids::AES128_GMAC, 16)),
            ] {
                one_pass_equals_two_step(Kind::ClearTransfer, &t2, &clear, auth.clone());
                one_pass_equals_two_step(Kind::EncrTransfer, &t2, &encr, auth);
            }
        }
    }
}

proptest! {
    #[test]
    fn token2_round_trips(seq in 0u32..0x7FFF_FFFF, secs in 0i64..4_000_000_000, iv in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..20)), rr in any::<bool>(), ck in any::<bool>(), appl in proptest::collection::vec(any::<u8>(), 0..300)) {
        let t2 = ClearToken2 { asso_id: "999:0", time: TimeStamp(secs * 1000), seq, iv: iv.as_deref(), rekey: None, req_rekey: rr, changed_key: ck };
        let tbp = encode_tbp(&encode_token2(&t2), &appl, true);
        let mut out = Vec::new();
        encode_transfer(Kind::EncrTransfer, &tbp, None, &mut out);
        check_transfer(&out, Kind::EncrTransfer, &t2, &appl);
        let SecPdu::EncrTransfer(tr) = decode(&out, &Limits::default()).unwrap() else { panic!() };
        prop_assert_eq!(tr.token2, t2);
        prop_assert_eq!(tr.appl_data, &appl[..]);
    }

    #[test]
    fn truncation_never_decodes_and_mutation_never_panics(cut in 0usize..200, pos in 0usize..200, bit in 0u8..8) {
        let pdu = sample_transfer();
        let cut = cut % pdu.len();
        prop_assert!(decode(&pdu[..cut], &Limits::default()).is_err());
        let mut m = pdu.clone();
        let p = pos % m.len();
        m[p] ^= 1 << bit;
        let _ = decode(&m, &Limits::default());
    }

    #[test]
    fn arbitrary_input_never_panics(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode(&data, &Limits::default());
        // The bare OSI form too, for every carrier (a leading SEQUENCE takes that path).
        let mut bare = data.clone();
        if let Some(b) = bare.first_mut() {
            *b = 0x30;
        }
        for c in [Carrier::Aarq, Carrier::Aare, Carrier::Abrt, Carrier::Rlrq, Carrier::Rlre, Carrier::PData] {
            let _ = decode_in(&data, c, &Limits::default());
            let _ = decode_in(&bare, c, &Limits::default());
        }
    }
}
