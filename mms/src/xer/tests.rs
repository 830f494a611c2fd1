//! Round trip against the BER codec for every vector of `mms/vectors/`, the Data alternatives,
//! and hostile documents.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::vecfile;

/// Every vector of `mms/vectors/*.vec`: (file, vector).
fn all_vectors() -> Vec<(String, vecfile::Vector)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "vec"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let file = f.file_name().unwrap().to_string_lossy().to_string();
        out.extend(vecfile::parse(&text).into_iter().map(|v| (file.clone(), v)));
    }
    out
}

/// Vectors of services the mapping covers that use a part it leaves out, with the reason.
const NOT_MAPPED: &[(&str, &str)] = &[
    (
        "write-journal-request",
        "EntryContent additionalDetail [1] (companion-standard open type)",
    ),
    (
        "gvaa-response-type-name",
        "typeName in a GetVariableAccessAttributes response: ISO 9506-2:2003 has TypeDescription",
    ),
    (
        "confirmed-error-ssi-additional-service-define-ecl",
        "serviceSpecificInfo additionalService (event condition lists)",
    ),
    (
        "confirmed-error-ssi-additional-service-start-uc",
        "serviceSpecificInfo additionalService (unit control)",
    ),
];

/// True for the PDUs the mapping covers (the envelope and the services of the module docs).
fn in_scope(pdu: &MmsPdu<'_>) -> bool {
    const CONFIRMED: &[u32] = &[
        0, 1, 2, 3, 4, 5, 6, 11, 12, 13, 46, 65, 66, 67, 68, 69, 70, 72, 73, 74, 75, 76, 77,
    ];
    match pdu {
        MmsPdu::ConfirmedRequest(p) => {
            CONFIRMED.contains(&p.service.tag())
                && p.list_of_modifier.is_empty()
                && p.cs_request_detail.is_none()
        }
        MmsPdu::ConfirmedResponse(p) => {
            CONFIRMED.contains(&p.service.tag()) && p.cs_request_detail.is_none()
        }
        MmsPdu::Unconfirmed(p) => p.service.tag() == 0 && p.cs_request_detail.is_none(),
        _ => true,
    }
}

/// BER → value → XER → value → BER gives the same octets, for every in-scope vector; a
/// confirmed-ErrorPDU or a PDU whose service-specific parts are not mapped must fail with
/// `Unsupported`, never with another error.
#[test]
fn every_vector_round_trips_through_xer() {
    let mut done = 0;
    let mut failures = Vec::new();
    for (file, v) in all_vectors() {
        let Ok(pdu) = MmsPdu::decode(&v.pdu) else {
            continue;
        };
        let canonical = pdu.to_vec();
        let xml = match encode_pdu(&pdu) {
            Ok(x) => x,
            Err(XerError::Unsupported(_))
                if !in_scope(&pdu) || NOT_MAPPED.iter().any(|(n, _)| *n == v.name) =>
            {
                continue;
            }
            Err(e) => {
                failures.push(format!("{file}:{}: encode: {e}", v.name));
                continue;
            }
        };
        let mut buf = Vec::new();
        match decode_pdu(&xml, &XerLimits::default(), &mut buf) {
            Ok(back) => {
                if back != pdu {
                    failures.push(format!("{file}:{}: decodes to another value", v.name));
                } else if back.to_vec() != canonical {
                    failures.push(format!("{file}:{}: BER differs after XER", v.name));
                } else {
                    done += 1;
                }
            }
            Err(e) => failures.push(format!("{file}:{}: decode: {e}\n{xml}", v.name)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(done >= 150, "only {done} vectors round-tripped");
    eprintln!("{done} vectors round-tripped through XER");
}

#[test]
fn data_every_alternative() {
    let xml = "<Data><structure><array><boolean><true/></boolean><boolean><false/></boolean></array>\
        <bit-string>1011</bit-string><bit-string/><integer>-129</integer><unsigned>4294967295</unsigned>\
        <floating-point>083F800000</floating-point><octet-string>00ff10</octet-string><octet-string/>\
        <visible-string>a &lt;&amp;&gt; b</visible-string><generalized-time>20260101120000.5Z</generalized-time>\
        <binary-time>0000EA603A7C</binary-time><bcd>1234</bcd><booleanArray>110</booleanArray>\
        <objId>1.0.9506.2.1</objId><mMSString>Grüße</mMSString><utc-time>5F5E100000000018</utc-time>\
        <structure/></structure></Data>";
    let d = decode_data(xml, &XerLimits::default()).unwrap();
    let again = encode_data(&d).unwrap();
    assert_eq!(decode_data(&again, &XerLimits::default()).unwrap(), d);
    // Canonical form: upper-case hexadecimal, empty SEQUENCE OF as an empty element.
    assert!(
        again.contains("<octet-string>00FF10</octet-string>"),
        "{again}"
    );
    assert!(again.contains("<structure/>"), "{again}");
    assert!(
        again.contains("<visible-string>a &lt;&amp;&gt; b</visible-string>"),
        "{again}"
    );
    assert!(again.contains("<mMSString>Grüße</mMSString>"), "{again}");
    // Items of SEQUENCE OF Data are the chosen alternatives themselves (X.680 XMLValueList).
    assert!(
        again.starts_with("<Data><structure><array><boolean><true/></boolean>"),
        "{again}"
    );
}

#[test]
fn accepts_wrapped_choice_items() {
    // asn1tools wraps items of a recursive SEQUENCE OF Data in <Data>: accepted too.
    let d = decode_data(
        "<Data><array><Data><integer>1</integer></Data><integer>2</integer></array></Data>",
        &XerLimits::default(),
    )
    .unwrap();
    let canonical = decode_data(
        "<Data><array><integer>1</integer><integer>2</integer></array></Data>",
        &XerLimits::default(),
    )
    .unwrap();
    assert_eq!(d, canonical);
}

fn err(xml: &str) -> XerError {
    decode_pdu_ber(xml, &XerLimits::default()).unwrap_err()
}

const IDENTIFY: &str = "<MMSpdu><confirmed-RequestPDU><invokeID>7</invokeID><service><identify/></service></confirmed-RequestPDU></MMSpdu>";

#[test]
fn identify_request_decodes() {
    let mut buf = Vec::new();
    let pdu = decode_pdu(IDENTIFY, &XerLimits::default(), &mut buf).unwrap();
    assert_eq!(pdu.invoke_id(), Some(7));
    assert_eq!(encode_pdu(&pdu).unwrap(), IDENTIFY);
}

#[test]
fn hostile_unclosed() {
    assert!(matches!(
        err("<MMSpdu><confirmed-RequestPDU>"),
        XerError::Xml(_)
    ));
    assert!(matches!(err("<MMSpdu><a></b></MMSpdu>"), XerError::Xml(_)));
    assert!(matches!(err(""), XerError::Xml(_)));
}

#[test]
fn hostile_doctype_entities_pi() {
    let bomb = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;\">]><MMSpdu>&lol2;</MMSpdu>";
    assert_eq!(err(bomb), XerError::Forbidden("DOCTYPE"));
    assert!(matches!(err("<MMSpdu>&lol;</MMSpdu>"), XerError::Xml(_)));
    assert_eq!(
        err("<?php evil ?><MMSpdu/>"),
        XerError::Forbidden("processing instruction")
    );
}

#[test]
fn hostile_deep_nesting() {
    let n = 10_000;
    let xml = "<Data>".repeat(n) + &"</Data>".repeat(n);
    assert_eq!(err(&xml), XerError::TooDeep(64));
    // Arrays of arrays: within the depth bound they decode, past it they do not.
    let xml = "<Data>".to_owned() + &"<array>".repeat(40) + &"</array>".repeat(40) + "</Data>";
    assert!(decode_data(&xml, &XerLimits::default()).is_ok());
    let xml = "<Data><array>".to_owned()
        + &"<array>".repeat(70)
        + &"</array>".repeat(70)
        + "</array></Data>";
    assert_eq!(
        decode_data(&xml, &XerLimits::default()).unwrap_err(),
        XerError::TooDeep(64)
    );
}

#[test]
fn hostile_sizes() {
    let limits = XerLimits::default();
    let huge = "<Data><visible-string>".to_owned()
        + &"a".repeat(limits.max_text + 1)
        + "</visible-string></Data>";
    assert_eq!(
        decode_data(&huge, &limits).unwrap_err(),
        XerError::TextTooLong(limits.max_text)
    );
    let too_big = "<Data><visible-string>".to_owned()
        + &"a".repeat(limits.max_input)
        + "</visible-string></Data>";
    assert_eq!(
        decode_data(&too_big, &limits).unwrap_err(),
        XerError::TooLarge(limits.max_input)
    );
    let attr = format!("<MMSpdu x=\"{}\"/>", "a".repeat(100_000));
    assert_eq!(err(&attr), XerError::Forbidden("attribute"));
    let many = "<Data><array>".to_owned()
        + &"<boolean><true/></boolean>".repeat(30_000)
        + "</array></Data>";
    assert!(many.len() < limits.max_input);
    let few = XerLimits {
        max_elements: 50_000,
        ..limits
    };
    assert_eq!(
        decode_data(&many, &few).unwrap_err(),
        XerError::TooManyElements(50_000)
    );
    assert!(decode_data(&many, &limits).is_ok());
}

#[test]
fn hostile_unknown_and_invalid() {
    assert!(matches!(
        err("<MMSpdu><confirmed-RequestPDU><invokeID>1</invokeID><service><frobnicate/></service></confirmed-RequestPDU></MMSpdu>"),
        XerError::UnexpectedElement { .. }
    ));
    assert!(matches!(
        err("<Other/>"),
        XerError::UnexpectedElement { .. }
    ));
    assert_eq!(
        err("<MMSpdu><confirmed-RequestPDU><invokeID>1</invokeID><extra/><service><identify/></service></confirmed-RequestPDU></MMSpdu>"),
        XerError::MissingElement("service")
    );
    assert_eq!(
        err("<MMSpdu><confirmed-RequestPDU><service><identify/></service></confirmed-RequestPDU></MMSpdu>"),
        XerError::MissingElement("invokeID")
    );
    assert!(matches!(
        err("<MMSpdu><confirmed-RequestPDU><invokeID>x</invokeID><service><identify/></service></confirmed-RequestPDU></MMSpdu>"),
        XerError::InvalidValue { .. }
    ));
    // Well-formed tree, value out of the MMS range: refused by the BER decoder's checks.
    assert!(matches!(
        err("<MMSpdu><confirmed-RequestPDU><invokeID>-1</invokeID><service><identify/></service></confirmed-RequestPDU></MMSpdu>"),
        XerError::Mms(_)
    ));
    assert!(matches!(
        decode_data(
            "<Data><octet-string>0G</octet-string></Data>",
            &XerLimits::default()
        )
        .unwrap_err(),
        XerError::InvalidValue { .. }
    ));
    assert!(matches!(
        decode_data(
            "<Data><bit-string>012</bit-string></Data>",
            &XerLimits::default()
        )
        .unwrap_err(),
        XerError::InvalidValue { .. }
    ));
    assert!(matches!(
        decode_data(
            "<Data><boolean>true</boolean></Data>",
            &XerLimits::default()
        )
        .unwrap_err(),
        XerError::InvalidValue { .. } | XerError::UnexpectedElement { .. }
    ));
}

/// True when every part of `d` has an XER form: no `real [8]` (ISO 9506-2:1990, not mapped) and
/// no control character in a string.
fn mappable(d: &Data<'_>) -> bool {
    match d {
        Data::Real(_) => false,
        Data::VisibleString(s) | Data::MmsString(s) | Data::GeneralizedTime(s) => {
            !s.chars().any(char::is_control)
        }
        Data::Array(l) | Data::Structure(l) => l.iter().all(|e| mappable(&e)),
        _ => true,
    }
}

proptest::proptest! {
    /// Any Data value: XER and back gives the same value; exactly the unmappable ones fail,
    /// with `Unsupported`.
    #[test]
    fn any_data_round_trips(d in crate::data::arb::data()) {
        match encode_data(&d) {
            Ok(xml) => {
                proptest::prop_assert!(mappable(&d));
                proptest::prop_assert_eq!(decode_data(&xml, &XerLimits::default()).unwrap(), d);
            }
            Err(XerError::Unsupported(_)) => proptest::prop_assert!(!mappable(&d)),
            Err(e) => proptest::prop_assert!(false, "{e}"),
        }
    }
}
