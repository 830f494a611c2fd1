//! Byte vectors (each checked with tshark), malformed-input cases and property tests for the
//! APDU codec.
//!
//! How the vectors were checked: each APDU was wrapped in presentation user data (CP / CPA /
//! fully-encoded data / ARU), a session CN / AC / FN / DN / AB SPDU, a COTP DT and TPKT, turned
//! into a pcap with `text2pcap -T 40000,102` and decoded with
//! `tshark -V -o 'uat:pres_context_list:"1","2.2.1.0.1"' -o 'uat:pres_context_list:"3","1.0.9506.2.1"'`.

use std::borrow::Cow;

use copp::ber::{oid_from_str, BerError, Tag, Writer};
use proptest::prelude::*;

use super::*;

/// The BER walker on `asn1-rs` that the round-trip tests of every crate share.
#[path = "../../../copp/tests/support/independent_ber.rs"]
mod independent;
use independent::{expect, APPLICATION, CONTEXT, UNIVERSAL};

/// Has `asn1-rs` walk `b`, the encoding of `a`, and compares what it reads with `a`: the
/// [APPLICATION n] tag of the APDU, the application-context-name OID and result of AARQ and
/// AARE, the reasons and abort source, and how many EXTERNALs user-information holds.
fn check_apdu(b: &[u8], a: &Apdu<'_>) {
    let number = match a {
        Apdu::Aarq(_) => 0,
        Apdu::Aare(_) => 1,
        Apdu::Rlrq(_) => 2,
        Apdu::Rlre(_) => 3,
        Apdu::Abrt(_) => 4,
    };
    let n = expect(b, APPLICATION, Some(true), number);
    // application-context-name [1] EXPLICIT OBJECT IDENTIFIER.
    let context_name = |n: &independent::Node<'_>| {
        let c = n.find(CONTEXT, 1);
        assert!(c.constructed);
        let oid = c.child(0);
        assert_eq!((oid.class, oid.number, c.children.len()), (UNIVERSAL, 6, 1));
        oid.oid()
    };
    let user_information = match a {
        Apdu::Aarq(q) => {
            assert_eq!(context_name(&n), q.application_context_name.to_id_string());
            &q.user_information
        }
        Apdu::Aare(r) => {
            assert_eq!(context_name(&n), r.application_context_name.to_id_string());
            // result [2] EXPLICIT INTEGER.
            assert_eq!(n.find(CONTEXT, 2).child(0).integer(), r.result.code());
            &r.user_information
        }
        Apdu::Rlrq(r) => {
            let got = n.get(CONTEXT, 0).map(|c| c.integer());
            assert_eq!(got, r.reason.map(|x| x.code()));
            &r.user_information
        }
        Apdu::Rlre(r) => {
            let got = n.get(CONTEXT, 0).map(|c| c.integer());
            assert_eq!(got, r.reason.map(|x| x.code()));
            &r.user_information
        }
        Apdu::Abrt(r) => {
            assert_eq!(n.find(CONTEXT, 0).integer(), r.source.code());
            &r.user_information
        }
    };
    // user-information [30] IMPLICIT SEQUENCE OF EXTERNAL, absent when empty.
    let externals = n.get(CONTEXT, 30).map_or(0, |u| {
        assert!(u
            .children
            .iter()
            .all(|e| (e.class, e.number) == (UNIVERSAL, 8)));
        u.children.len()
    });
    assert_eq!(externals, user_information.len());
}

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn oid(s: &str) -> Oid<'static> {
    oid_from_str(s).unwrap()
}

/// libIEC61850's default initiate-RequestPDU (an MMS PDU, opaque to ACSE).
const INITIATE_REQUEST: &str =
    "a826800300fde881010582010583010aa416800101810305f100820c03ee1c00000408000079ef18";
/// The matching initiate-ResponsePDU.
const INITIATE_RESPONSE: &str =
    "a926800300fde881010582010583010aa416800101810305f100820c03ee1c00000408000079ef18";

// checked with tshark 4.0 (dissectors ses, pres, acse, mms): aarq with aSO-context-name
// 1.0.9506.2.3, called-AP-title form2 1.1.1.999.1, called-AE-qualifier 12, calling-AP-title
// 1.1.1.999, calling-AE-qualifier 12, user-information { indirect-reference 3, single-ASN1-type
// initiate-RequestPDU }; no malformed packet, no expert info.
const AARQ_LIBIEC: &str = "6055a107060528ca220203a20706052901876701a30302010ca606060429018767a70302010cbe2f282d020103a028a826800300fde881010582010583010aa416800101810305f100820c03ee1c00000408000079ef18";

// checked with tshark 4.0 (dissector acse): sender-acse-requirements authentication,
// mechanism-name 2.2.3.1, calling-authentication-value charstring "secret"; no expert info.
const AARQ_PASSWORD: &str = "605aa107060528ca220203a606060429018767a70302010c8a0207808b03520301ac088006736563726574be2f282d020103a028a826800300fde881010582010583010aa416800101810305f100820c03ee1c00000408000079ef18";

// checked with tshark 4.0 (dissectors acse, mms): aare result accepted, service-user null,
// responding-AP-title 1.1.1.999.1, responding-AE-qualifier 12, responder-acse-requirements
// authentication, mechanism-name 2.2.3.1, user-information initiate-ResponsePDU; no expert info.
const AARE_ACCEPTED: &str = "615da107060528ca220203a203020100a305a103020100a40706052901876701a50302010c880207808903520301be2f282d020103a028a926800300fde881010582010583010aa416800101810305f100820c03ee1c00000408000079ef18";

// checked with tshark 4.0 (dissector acse): aare rejected-permanent, service-user
// authentication-failure (13); no expert info.
const AARE_REJECTED: &str = "6115a107060528ca220203a203020101a305a10302010d";

// checked with tshark 4.0 (dissector acse): rlrq reason normal / rlre reason normal / abrt
// abort-source service-provider; no expert info.
const RLRQ: &str = "6203800100";
const RLRE: &str = "6303800100";
const ABRT: &str = "6403800101";

// checked with tshark 4.0 (dissector acse): calling-AP-title form1 (rdnSequence commonName
// "ied1"), sender-acse-requirements authentication, mechanism-name 1.0.840.0.1.0.1.1,
// calling-authentication-value external { indirect-reference 5, single-ASN1-type }. The only
// expert info is "Dissector for OID not implemented" (Warning/Undecoded) for the opaque
// MMS-Authentication-value, which tshark cannot decode; not malformed.
const AARQ_A_PROFILE: &str = "604ea107060528ca220203a611300f310d300b06035504031304696564318a0207808b082886480001000101ac22a220020105a01ba01980023000810f32303236303932393134313430355a82020102";

// checked with tshark 4.0 (dissector acse): protocol-version version1, calling-AP- and
// AE-invocation-identifier 7 and 9, calling-authentication-value other { 2.2.3.1, OCTET STRING
// "pw" }, implementation-information "osi-mms". Only the Warning/Undecoded expert info for the
// other-mechanism-value; not malformed.
const AARQ_OTHER: &str = "602d80020780a107060528ca220203a803020107a903020109ac0ba3090603520301040270779d076f73692d6d6d73";

fn mms_ui(pdu: &str) -> Vec<External<'static>> {
    vec![External::single(3, Cow::Owned(hex(pdu)))]
}

fn round_trip(bytes: &[u8], expected: &Apdu<'_>) {
    let parsed = parse(bytes).unwrap();
    assert_eq!(&parsed, expected);
    assert_eq!(expected.to_vec(), bytes, "encoding");
    check_apdu(&expected.to_vec(), expected);
    assert_eq!(parsed.clone().into_owned(), parsed);
}

#[test]
fn aarq_like_libiec61850() {
    let mut a = Aarq::new(oids::MMS_APPLICATION_CONTEXT);
    a.called_ap_title = Some(ApTitle::Form2(oid("1.1.1.999.1")));
    a.called_ae_qualifier = Some(AeQualifier::Form2(12));
    a.calling_ap_title = Some(ApTitle::Form2(oid("1.1.1.999")));
    a.calling_ae_qualifier = Some(AeQualifier::Form2(12));
    a.user_information = mms_ui(INITIATE_REQUEST);
    let b = hex(AARQ_LIBIEC);
    round_trip(&b, &Apdu::Aarq(a));
    // The user data is borrowed from the input (zero-copy).
    let Ok(Apdu::Aarq(p)) = parse(&b) else {
        panic!()
    };
    let v = p.user_information[0].single_value().unwrap();
    assert!(std::ptr::eq(v.as_ptr(), b[b.len() - v.len()..].as_ptr()));
    assert!(p.offers_version1());
    assert!(!p.authentication_selected());
}

#[test]
fn aarq_with_password() {
    let mut a = Aarq::new(oids::MMS_APPLICATION_CONTEXT);
    a.calling_ap_title = Some(ApTitle::Form2(oid("1.1.1.999")));
    a.calling_ae_qualifier = Some(AeQualifier::Form2(12));
    a.sender_acse_requirements = Some(AcseRequirements::with_authentication());
    a.mechanism_name = Some(oids::PASSWORD_MECHANISM);
    a.calling_authentication_value =
        Some(AuthenticationValue::CharString(Cow::Borrowed(b"secret")));
    a.user_information = mms_ui(INITIATE_REQUEST);
    round_trip(&hex(AARQ_PASSWORD), &Apdu::Aarq(a));
    let Ok(Apdu::Aarq(p)) = parse(&hex(AARQ_PASSWORD)).map(Apdu::into_owned) else {
        panic!()
    };
    assert!(p.authentication_selected());
}

#[test]
fn aare_accepted() {
    let mut a = Aare::accepted(oids::MMS_APPLICATION_CONTEXT);
    a.responding_ap_title = Some(ApTitle::Form2(oid("1.1.1.999.1")));
    a.responding_ae_qualifier = Some(AeQualifier::Form2(12));
    a.responder_acse_requirements = Some(AcseRequirements::with_authentication());
    a.mechanism_name = Some(oids::PASSWORD_MECHANISM);
    a.user_information = mms_ui(INITIATE_RESPONSE);
    round_trip(&hex(AARE_ACCEPTED), &Apdu::Aare(a));
}

#[test]
fn aare_rejected_with_diagnostic() {
    let a = Aare::rejected(
        oids::MMS_APPLICATION_CONTEXT,
        AssociateResult::RejectedPermanent,
        ServiceUserDiagnostic::AuthenticationFailure,
    );
    round_trip(&hex(AARE_REJECTED), &Apdu::Aare(a));
    // The service-provider alternative: A3 05 A2 03 02 01 02.
    let p = Aare::no_common_version(oids::MMS_APPLICATION_CONTEXT);
    let b = Apdu::Aare(p.clone()).to_vec();
    check_apdu(&b, &Apdu::Aare(p.clone()));
    assert!(
        b.ends_with(&[0xA3, 0x05, 0xA2, 0x03, 0x02, 0x01, 0x02]),
        "{b:02X?}"
    );
    assert_eq!(parse(&b).unwrap(), Apdu::Aare(p));
}

#[test]
fn release_and_abort_vectors() {
    round_trip(&hex(RLRQ), &Apdu::Rlrq(Rlrq::normal()));
    round_trip(&hex(RLRE), &Apdu::Rlre(Rlre::normal()));
    let mut abrt = Abrt::new(AbortSource::ServiceProvider);
    round_trip(&hex(ABRT), &Apdu::Abrt(abrt.clone()));
    abrt.diagnostic = Some(AbortDiagnostic::ProtocolError);
    check_apdu(
        &Apdu::Abrt(abrt.clone()).to_vec(),
        &Apdu::Abrt(abrt.clone()),
    );
    assert_eq!(Apdu::Abrt(abrt).to_vec(), hex("6406800101810102"));
    // libIEC61850's empty RLRE.
    assert_eq!(parse(&[0x63, 0x00]).unwrap(), Apdu::Rlre(Rlre::default()));
    let urgent = hex("6203800101");
    let p = parse(&urgent).unwrap();
    assert!(matches!(
        p,
        Apdu::Rlrq(Rlrq {
            reason: Some(ReleaseRequestReason::Urgent),
            ..
        })
    ));
}

#[test]
fn a_profile_style_aarq_with_form1_title_and_external_value() {
    let b = hex(AARQ_A_PROFILE);
    let Ok(Apdu::Aarq(a)) = parse(&b) else {
        panic!()
    };
    let Some(ApTitle::Form1(name)) = &a.calling_ap_title else {
        panic!()
    };
    assert_eq!(name[0], 0x30);
    assert_eq!(a.mechanism_name, Some(oids::A_PROFILE_MECHANISM));
    let Some(AuthenticationValue::External(e)) = &a.calling_authentication_value else {
        panic!()
    };
    assert_eq!(e.indirect_reference, Some(5));
    assert_eq!(e.direct_reference, None);
    assert_eq!(e.single_value().unwrap()[0], 0xA0);
    let a = Apdu::Aarq(a);
    check_apdu(&a.to_vec(), &a);
    assert_eq!(a.to_vec(), b);
}

#[test]
fn aarq_with_version_invocation_ids_other_value_and_implementation_information() {
    let mut a = Aarq::new(oids::MMS_APPLICATION_CONTEXT);
    a.protocol_version = Some(ProtocolVersion::version1());
    a.calling_ap_invocation_id = Some(7);
    a.calling_ae_invocation_id = Some(9);
    a.calling_authentication_value = Some(AuthenticationValue::Other {
        mechanism: oids::PASSWORD_MECHANISM,
        value: Cow::Owned(hex("04027077")),
    });
    a.implementation_information = Some(Cow::Borrowed(b"osi-mms"));
    round_trip(&hex(AARQ_OTHER), &Apdu::Aarq(a));
}

#[test]
fn indefinite_lengths_are_accepted() {
    // 60 80 | A1 80 06 05 28 CA 22 02 03 00 00 | BE 80 28 80 02 01 03 A0 80 05 00 00 00 00 00
    // 00 00 | 00 00
    let b = hex("6080 a180060528ca2202030000 be80 2880 020103 a080 0500 0000 0000 0000 0000");
    let Ok(Apdu::Aarq(a)) = parse(&b) else {
        panic!("{:?}", parse(&b))
    };
    assert_eq!(a.application_context_name, oids::MMS_APPLICATION_CONTEXT);
    assert_eq!(
        a.user_information,
        vec![External::single(3, Cow::Borrowed(&[0x05, 0x00]))]
    );
    // Re-encoded in the definite form, which asn1-rs's strict parser accepts.
    let a = Apdu::Aarq(a);
    check_apdu(&a.to_vec(), &a);
    assert_eq!(
        a.to_vec(),
        hex("6014a107060528ca220203be092807020103a0020500")
    );
}

#[test]
fn extension_additions_are_skipped() {
    // RLRQ with aso-qualifier [13] and an unknown [20] before user-information.
    let b = hex("620c 800100 ad03020101 9400 be00");
    assert_eq!(parse(&b).unwrap(), Apdu::Rlrq(Rlrq::normal()));
    // AARQ with p-context-definition-list [14] after implementation-information.
    let b = hex("6010 a107060528ca220203 9d0178 ae00 be00");
    let Ok(Apdu::Aarq(a)) = parse(&b) else {
        panic!()
    };
    assert_eq!(a.implementation_information.as_deref(), Some(&b"x"[..]));
    // An extension addition after user-information is misplaced.
    assert!(matches!(
        parse(&hex("6204 be00 9400")),
        Err(AcseError::OutOfOrder {
            field: "extension addition",
            ..
        })
    ));
    // ... and before a root component too.
    assert!(matches!(
        parse(&hex("6205 9400 800100")),
        Err(AcseError::OutOfOrder {
            field: "reason",
            ..
        })
    ));
    // The same extension tag twice.
    assert!(matches!(
        parse(&hex("6204 9400 9400")),
        Err(AcseError::Repeated {
            field: "extension addition",
            ..
        })
    ));
}

#[test]
fn unknown_and_unsupported_tags() {
    // A universal component inside an APDU.
    assert!(matches!(
        parse(&hex("62050500800100")),
        Err(AcseError::UnexpectedTag { tag: Tag::NULL, .. })
    ));
    // Tag number above 127.
    assert!(matches!(
        parse(&hex("6204 9f8100 00")),
        Err(AcseError::UnexpectedTag { .. })
    ));
    // Unknown APDUs.
    assert!(matches!(
        parse(&hex("6900")),
        Err(AcseError::UnknownApdu(_))
    ));
    assert!(matches!(
        parse(&hex("3000")),
        Err(AcseError::UnknownApdu(_))
    ));
    assert!(matches!(
        parse(&hex("6500")),
        Err(AcseError::UnsupportedApdu(_))
    ));
    assert!(matches!(
        parse(&hex("4200")),
        Err(AcseError::UnexpectedTag { .. })
    ));
    // A field with the wrong form: primitive aSO-context-name.
    assert!(matches!(
        parse(&hex("6007 8105 28ca220203")),
        Err(AcseError::InvalidValue { .. } | AcseError::UnexpectedTag { .. })
    ));
}

#[test]
fn missing_mandatory_fields() {
    let missing = |b: &str| match parse(&hex(b)) {
        Err(AcseError::Missing { field, .. }) => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(missing("6000"), "aSO-context-name");
    assert_eq!(missing("6002 be00"), "aSO-context-name");
    assert_eq!(missing("6110 a107060528ca220203 a305a103020100"), "result");
    assert_eq!(
        missing("610e a107060528ca220203 a203020100"),
        "result-source-diagnostic"
    );
    assert_eq!(
        missing("610c a203020100 a305a103020100"),
        "aSO-context-name"
    );
    assert_eq!(missing("6403 810101"), "abort-source");
    assert_eq!(missing("6402 be00"), "abort-source");
}

#[test]
fn repeated_and_out_of_order_fields() {
    assert!(matches!(
        parse(&hex("6012 a107060528ca220203 a107060528ca220203")),
        Err(AcseError::Repeated {
            field: "aSO-context-name",
            ..
        })
    ));
    // calling-AP-title [6] before called-AP-title [2].
    assert!(matches!(
        parse(&hex(
            "601a a107060528ca220203 a606060429018767 a20706052901876701"
        )),
        Err(AcseError::OutOfOrder {
            field: "called-AP-title",
            ..
        })
    ));
    assert!(matches!(
        parse(&hex("6406 800101 800101")),
        Err(AcseError::Repeated {
            field: "abort-source",
            ..
        })
    ));
}

#[test]
fn invalid_values() {
    // result 3
    assert!(matches!(
        parse(&hex("6115a107060528ca220203a203020103a305a103020100")),
        Err(AcseError::InvalidValue {
            field: "result",
            ..
        })
    ));
    // diagnostic alternative [3]
    assert!(matches!(
        parse(&hex("6115a107060528ca220203a203020101a305a30302010d")),
        Err(AcseError::UnexpectedTag {
            field: "result-source-diagnostic",
            ..
        })
    ));
    // abort-source 2
    assert!(matches!(
        parse(&hex("6403800102")),
        Err(AcseError::InvalidValue {
            field: "abort-source",
            ..
        })
    ));
    // Bad OID in mechanism-name (last octet has its top bit set).
    assert!(matches!(
        parse(&hex("600c a107060528ca220203 8b0182")),
        Err(AcseError::InvalidValue {
            field: "mechanism-name",
            ..
        })
    ));
    // Empty INTEGER.
    assert!(matches!(
        parse(&hex("64028000")),
        Err(AcseError::InvalidValue {
            field: "abort-source",
            ..
        })
    ));
}

#[test]
fn lengths_truncation_and_trailing_data() {
    let b = hex(AARQ_LIBIEC);
    for n in 0..b.len() {
        assert!(parse(&b[..n]).is_err(), "prefix of {n} octets accepted");
    }
    // A length beyond the input.
    assert!(matches!(
        parse(&hex("6084 7fffffff 00")),
        Err(AcseError::Ber(BerError::Truncated { .. }))
    ));
    // Trailing octets after the APDU.
    let mut t = hex(RLRQ);
    t.push(0x00);
    assert!(matches!(
        parse(&t),
        Err(AcseError::Ber(BerError::TrailingData(1)))
    ));
    // Over the configured size.
    let limits = Limits {
        max_apdu_len: 10,
        ..Limits::default()
    };
    assert_eq!(
        parse_with(&b, &limits),
        Err(AcseError::TooLong {
            len: b.len(),
            max: 10
        })
    );
    // A component whose length runs past its container.
    assert!(matches!(
        parse(&hex("6203 800500")),
        Err(AcseError::Ber(BerError::Truncated { .. }))
    ));
}

#[test]
fn zero_length_user_information_and_list_limits() {
    // BE 00: an empty SEQUENCE OF: the same as absent.
    assert_eq!(
        parse(&hex("6202be00")).unwrap(),
        Apdu::Rlrq(Rlrq::default())
    );
    // Three EXTERNALs with a limit of two.
    let ext = "2804 8102 0102";
    let b = hex(&format!("6214 be12 {ext} {ext} {ext}"));
    let limits = Limits {
        max_list_len: 2,
        ..Limits::default()
    };
    assert!(matches!(
        parse_with(&b, &limits),
        Err(AcseError::TooManyElements {
            field: "user-information",
            max: 2,
            ..
        })
    ));
    assert_eq!(parse(&b).unwrap().user_information().len(), 3);
    // aSO-context-name-list over the limit.
    let b = hex("6014 a107060528ca220203 ad09 0601290601290601 29");
    assert!(matches!(
        parse_with(&b, &limits),
        Err(AcseError::TooManyElements {
            field: "aSO-context-name-list",
            ..
        })
    ));
    let Ok(Apdu::Aarq(a)) = parse(&b) else {
        panic!()
    };
    assert_eq!(a.application_context_name_list.map(|l| l.len()), Some(3));
}

#[test]
fn over_deep_nesting_is_refused() {
    // user-information single-ASN1-type holding 100 nested indefinite SEQUENCEs.
    let mut inner = Vec::new();
    for _ in 0..100 {
        inner.extend_from_slice(&[0x30, 0x80]);
    }
    inner.extend_from_slice(&[0u8; 200]);
    let mut w = Writer::new();
    let m = w.mark();
    w.raw(&inner);
    w.wrap(m, Tag::context(0, true));
    w.integer(Tag::INTEGER, 3);
    w.wrap(m, Tag::EXTERNAL);
    w.wrap(m, Tag::context(30, true));
    w.wrap(m, Tag::application(2, true));
    assert!(matches!(
        parse(w.as_slice()),
        Err(AcseError::Ber(BerError::TooDeep { .. }))
    ));
    // A small limit also stops a shallow definite APDU: RLRQ(1) > BE(2) > 28(3) > A0(4).
    let b = hex("620b be09 2807 020103 a0020500");
    assert!(parse(&b).is_ok());
    let limits = Limits {
        max_depth: 3,
        ..Limits::default()
    };
    assert!(matches!(
        parse_with(&b, &limits),
        Err(AcseError::Ber(BerError::TooDeep { .. }))
    ));
}

#[test]
fn errors_give_the_prescribed_abort() {
    let e = parse(&hex("6000")).unwrap_err();
    let abrt = e.abort();
    assert_eq!(abrt.source, AbortSource::ServiceProvider);
    assert_eq!(abrt.diagnostic, Some(AbortDiagnostic::ProtocolError));
    assert_eq!(Apdu::Abrt(abrt).to_vec(), hex("6406800101810102"));
    assert_eq!(
        e.to_string(),
        "AARQ: mandatory field aSO-context-name is missing"
    );
}

#[test]
fn apdu_accessors() {
    let mut a = Apdu::Rlre(Rlre::normal());
    assert_eq!(a.name(), "RLRE");
    assert_eq!(a.tag(), Tag::application(3, true));
    a.user_information_mut()
        .push(External::single(3, Cow::Borrowed(&[0x05, 0x00])));
    assert_eq!(a.user_information().len(), 1);
    check_apdu(&a.to_vec(), &a);
    assert_eq!(a.to_vec(), hex("630e800100 be09 2807 020103 a0020500"));
}

// ---- property tests ----

fn bytes() -> impl Strategy<Value = Cow<'static, [u8]>> {
    proptest::collection::vec(any::<u8>(), 0..12).prop_map(Cow::Owned)
}

fn an_oid() -> impl Strategy<Value = Oid<'static>> {
    (
        0u64..=2,
        0u64..40,
        proptest::collection::vec(0u64..100_000, 0..5),
    )
        .prop_map(|(a, b, rest)| {
            let mut arcs = vec![a, b];
            arcs.extend(rest);
            Oid::from(&arcs).unwrap()
        })
}

/// One complete BER value with the given outer tag holding an OCTET STRING.
fn ber_value(tag: Tag) -> impl Strategy<Value = Cow<'static, [u8]>> {
    proptest::collection::vec(any::<u8>(), 0..10).prop_map(move |v| {
        let mut w = Writer::new();
        let m = w.mark();
        w.octets(Tag::OCTET_STRING, &v);
        w.wrap(m, tag);
        Cow::Owned(w.into_vec())
    })
}

fn ap_title() -> impl Strategy<Value = ApTitle<'static>> {
    prop_oneof![
        ber_value(Tag::SEQUENCE).prop_map(ApTitle::Form1),
        an_oid().prop_map(ApTitle::Form2),
        bytes().prop_map(ApTitle::Form3),
    ]
}

fn ae_qualifier() -> impl Strategy<Value = AeQualifier<'static>> {
    prop_oneof![
        ber_value(Tag::SET).prop_map(AeQualifier::Form1),
        any::<i64>().prop_map(AeQualifier::Form2),
        bytes().prop_map(AeQualifier::Form3),
        bytes().prop_map(AeQualifier::Octets),
    ]
}

fn bit_string() -> impl Strategy<Value = (u8, Cow<'static, [u8]>)> {
    (0u8..8, proptest::collection::vec(any::<u8>(), 0..6))
        .prop_map(|(u, b)| (if b.is_empty() { 0 } else { u }, Cow::Owned(b)))
}

fn requirements() -> impl Strategy<Value = AcseRequirements> {
    proptest::collection::vec(any::<bool>(), 0..32).prop_map(|bits| {
        let mut r = AcseRequirements::new();
        for (i, b) in bits.into_iter().enumerate() {
            r.set_bit(i, b);
        }
        r
    })
}

fn version() -> impl Strategy<Value = ProtocolVersion> {
    (any::<bool>(), any::<bool>()).prop_map(|(v1, v2)| {
        let mut v = ProtocolVersion::version1();
        v.set_bit(0, v1);
        v.set_bit(1, v2);
        v
    })
}

fn external() -> impl Strategy<Value = External<'static>> {
    let encoding = prop_oneof![
        ber_value(Tag::SEQUENCE).prop_map(ExternalEncoding::SingleAsn1Type),
        bytes().prop_map(ExternalEncoding::OctetAligned),
        bit_string().prop_map(|(unused, bits)| ExternalEncoding::Arbitrary { unused, bits }),
    ];
    (
        proptest::option::of(an_oid()),
        proptest::option::of(any::<i64>()),
        proptest::option::of(bytes()),
        encoding,
    )
        .prop_map(|(d, i, desc, encoding)| External {
            direct_reference: d,
            indirect_reference: i,
            data_value_descriptor: desc,
            encoding,
        })
}

fn auth_value() -> impl Strategy<Value = AuthenticationValue<'static>> {
    prop_oneof![
        bytes().prop_map(AuthenticationValue::CharString),
        bit_string().prop_map(|(unused, bits)| AuthenticationValue::BitString { unused, bits }),
        external().prop_map(AuthenticationValue::External),
        (an_oid(), ber_value(Tag::SEQUENCE))
            .prop_map(|(mechanism, value)| AuthenticationValue::Other { mechanism, value }),
    ]
}

fn user_information() -> impl Strategy<Value = Vec<External<'static>>> {
    proptest::collection::vec(external(), 0..3)
}

/// The optional fields AARQ and AARE share, in one tuple.
#[allow(clippy::type_complexity)]
fn common() -> impl Strategy<
    Value = (
        Option<ProtocolVersion>,
        Oid<'static>,
        Option<ApTitle<'static>>,
        Option<AeQualifier<'static>>,
        Option<i64>,
        Option<i64>,
        Option<AcseRequirements>,
        Option<Oid<'static>>,
        Option<AuthenticationValue<'static>>,
        Option<Vec<Oid<'static>>>,
        Option<Cow<'static, [u8]>>,
        Vec<External<'static>>,
    ),
> {
    (
        proptest::option::of(version()),
        an_oid(),
        proptest::option::of(ap_title()),
        proptest::option::of(ae_qualifier()),
        proptest::option::of(any::<i64>()),
        proptest::option::of(any::<i64>()),
        proptest::option::of(requirements()),
        proptest::option::of(an_oid()),
        proptest::option::of(auth_value()),
        proptest::option::of(proptest::collection::vec(an_oid(), 0..3)),
        proptest::option::of(bytes()),
        user_information(),
    )
}

fn aarq() -> impl Strategy<Value = Aarq<'static>> {
    (
        common(),
        proptest::option::of(ap_title()),
        proptest::option::of(ae_qualifier()),
        proptest::option::of(any::<i64>()),
        proptest::option::of(any::<i64>()),
    )
        .prop_map(
            |((pv, ac, t, q, api, aei, req, mech, av, list, ii, ui), ct, cq, capi, caei)| Aarq {
                protocol_version: pv,
                application_context_name: ac,
                called_ap_title: ct,
                called_ae_qualifier: cq,
                called_ap_invocation_id: capi,
                called_ae_invocation_id: caei,
                calling_ap_title: t,
                calling_ae_qualifier: q,
                calling_ap_invocation_id: api,
                calling_ae_invocation_id: aei,
                sender_acse_requirements: req,
                mechanism_name: mech,
                calling_authentication_value: av,
                application_context_name_list: list,
                implementation_information: ii,
                user_information: ui,
            },
        )
}

fn diagnostic() -> impl Strategy<Value = Diagnostic> {
    prop_oneof![
        (-2i64..20).prop_map(|c| Diagnostic::ServiceUser(ServiceUserDiagnostic::from_code(c))),
        (-2i64..5)
            .prop_map(|c| Diagnostic::ServiceProvider(ServiceProviderDiagnostic::from_code(c))),
    ]
}

fn aare() -> impl Strategy<Value = Aare<'static>> {
    (common(), 0i64..3, diagnostic()).prop_map(
        |((pv, ac, t, q, api, aei, req, mech, av, list, ii, ui), r, d)| Aare {
            protocol_version: pv,
            application_context_name: ac,
            result: AssociateResult::from_code(r).unwrap(),
            result_source_diagnostic: d,
            responding_ap_title: t,
            responding_ae_qualifier: q,
            responding_ap_invocation_id: api,
            responding_ae_invocation_id: aei,
            responder_acse_requirements: req,
            mechanism_name: mech,
            responding_authentication_value: av,
            application_context_name_list: list,
            implementation_information: ii,
            user_information: ui,
        },
    )
}

fn apdu() -> impl Strategy<Value = Apdu<'static>> {
    prop_oneof![
        aarq().prop_map(Apdu::Aarq),
        aare().prop_map(Apdu::Aare),
        (proptest::option::of(-3i64..40), user_information()).prop_map(|(r, ui)| Apdu::Rlrq(
            Rlrq {
                reason: r.map(ReleaseRequestReason::from_code),
                user_information: ui
            }
        )),
        (proptest::option::of(-3i64..40), user_information()).prop_map(|(r, ui)| Apdu::Rlre(
            Rlre {
                reason: r.map(ReleaseResponseReason::from_code),
                user_information: ui
            }
        )),
        (
            any::<bool>(),
            proptest::option::of(-3i64..10),
            user_information()
        )
            .prop_map(|(s, d, ui)| {
                Apdu::Abrt(Abrt {
                    source: if s {
                        AbortSource::ServiceUser
                    } else {
                        AbortSource::ServiceProvider
                    },
                    diagnostic: d.map(AbortDiagnostic::from_code),
                    user_information: ui,
                })
            }),
    ]
}

proptest! {
    #[test]
    fn encode_then_parse_round_trips(a in apdu()) {
        let bytes = a.to_vec();
        check_apdu(&bytes, &a);
        let parsed = parse(&bytes);
        prop_assert_eq!(parsed.as_ref(), Ok(&a));
        prop_assert_eq!(parsed.unwrap().into_owned().to_vec(), bytes);
    }

    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = parse(&data);
        let limits = Limits { max_depth: 4, max_list_len: 2, max_apdu_len: 150 };
        let _ = parse_with(&data, &limits);
    }

    #[test]
    fn mutated_vectors_never_panic(pos in 0usize..90, byte in any::<u8>(), cut in 0usize..95) {
        for v in [AARQ_LIBIEC, AARQ_PASSWORD, AARE_ACCEPTED, AARQ_A_PROFILE, AARQ_OTHER] {
            let mut b = hex(v);
            if let Some(x) = b.get_mut(pos) { *x = byte; }
            b.truncate(cut.max(1));
            if let Ok(a) = parse(&b) {
                // Whatever parses re-encodes into something that parses to the same value.
                let again = a.to_vec();
                prop_assert_eq!(parse(&again).ok(), Some(a));
            }
        }
    }
}
