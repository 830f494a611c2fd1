//! The independent BER walker of `tests/support/independent_ber.rs` (used by the round-trip
//! tests of `copp`, `acse`, `mms` and `e2e-sec`) accepts what it should and, above all, refuses
//! what it should: each hand-made encoding below breaks one rule, so a check built on it can
//! fail.
#![allow(clippy::unwrap_used)]

#[path = "support/independent_ber.rs"]
mod independent_ber;

use independent_ber::*;

#[test]
fn accepts_minimal_definite_encodings() {
    // Accepted: SEQUENCE { INTEGER 5, [1] { OCTET STRING "hi" } }, and a 200-octet string with
    // the two-octet length form.
    let good = [
        0x30, 0x09, 0x02, 0x01, 0x05, 0xA1, 0x04, 0x04, 0x02, b'h', b'i',
    ];
    let n = walk(&good).expect("well-formed");
    assert_eq!((n.class, n.constructed, n.number), (UNIVERSAL, true, 16));
    assert_eq!(n.count(), 4);
    assert_eq!(n.child(0).integer(), 5);
    assert_eq!(n.find(CONTEXT, 1).child(0).contents, b"hi");
    let mut long = vec![0x04, 0x81, 200];
    long.extend([0u8; 200]);
    assert_eq!(walk(&long).expect("long form").contents_len(), 200);
    let tag31 = [0x9F, 0x1F, 0x00];
    assert_eq!(walk(&tag31).expect("tag 31").number, 31);
    // An OID read back in dotted form (1.0.9506.2.1, the MMS abstract syntax).
    let oid = [0x06, 0x05, 0x28, 0xCA, 0x22, 0x02, 0x01];
    assert_eq!(walk(&oid).expect("oid").oid(), "1.0.9506.2.1");
}

#[test]
fn refuses_what_the_writer_must_never_write() {
    // Indefinite length, also deep inside an otherwise definite value.
    assert_eq!(
        walk(&[0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00]),
        Err(Refusal::Indefinite { offset: 0 })
    );
    assert_eq!(
        walk(&[0xA1, 0x07, 0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00]),
        Err(Refusal::Indefinite { offset: 2 })
    );
    // Non-minimal lengths: 5 in the long form, 200 in three octets instead of two.
    assert_eq!(
        walk(&[0x04, 0x81, 0x05, 1, 2, 3, 4, 5]),
        Err(Refusal::LongLength {
            offset: 0,
            length_octets: 2,
            length: 5
        })
    );
    let mut padded = vec![0x04, 0x82, 0x00, 200];
    padded.extend([0u8; 200]);
    assert!(matches!(
        walk(&padded),
        Err(Refusal::LongLength {
            length_octets: 3,
            ..
        })
    ));
    // A non-minimal length on an inner value is found too.
    assert!(matches!(
        walk(&[0x30, 0x04, 0x02, 0x81, 0x01, 0x05]),
        Err(Refusal::LongLength { offset: 2, .. })
    ));
    // Tag number 5 in the high-tag form, and 31 with a leading 0x80 octet.
    assert_eq!(
        walk(&[0x9F, 0x05, 0x00]),
        Err(Refusal::LongTag {
            offset: 0,
            number: 5
        })
    );
    assert!(matches!(
        walk(&[0x9F, 0x80, 0x1F, 0x00]),
        Err(Refusal::LongTag { .. })
    ));
    // A trailing octet after a complete value; two trailing zero octets (a stray terminator).
    assert_eq!(
        walk(&[0x02, 0x01, 0x05, 0x00]),
        Err(Refusal::Trailing {
            offset: 3,
            count: 1
        })
    );
    assert_eq!(
        walk(&[0x02, 0x01, 0x05, 0x00, 0x00]),
        Err(Refusal::Trailing {
            offset: 3,
            count: 2
        })
    );
    // End-of-contents octets inside a definite-length value.
    assert_eq!(
        walk(&[0x30, 0x05, 0x02, 0x01, 0x05, 0x00, 0x00]),
        Err(Refusal::EndOfContents { offset: 5 })
    );
    // Truncated: contents short of the length, length octets missing, inner value cut, empty.
    for bad in [
        &[0x04, 0x05, 1, 2][..],
        &[0x04, 0x82, 0x01][..],
        &[0x30, 0x03, 0x02, 0x05, 0x01][..],
        &[0x30][..],
        &[][..],
    ] {
        assert!(
            matches!(walk(bad), Err(Refusal::Parse { .. })),
            "{} accepted",
            hex(bad)
        );
    }
    // Length octet 0xFF is reserved (X.690 §8.1.3.5 c).
    assert!(matches!(
        walk(&[0x04, 0xFF, 0x00]),
        Err(Refusal::Parse { .. })
    ));
    // Nesting: MAX_DEPTH levels are walked, one more is refused.
    let nest = |levels: usize| {
        let mut v = vec![0x05, 0x00];
        for _ in 0..levels {
            let mut outer = vec![0x30];
            let len = v.len();
            if len < 0x80 {
                outer.push(len as u8);
            } else if len < 0x100 {
                outer.extend([0x81, len as u8]);
            } else {
                outer.extend([0x82, (len >> 8) as u8, len as u8]);
            }
            outer.extend(v);
            v = outer;
        }
        v
    };
    assert!(walk(&nest(MAX_DEPTH)).is_ok());
    assert!(matches!(
        walk(&nest(MAX_DEPTH + 1)),
        Err(Refusal::TooDeep { .. })
    ));
    // A non-minimal INTEGER is refused by the field reader.
    let padded_int = walk(&[0x02, 0x02, 0x00, 0x05]).expect("structure is fine");
    assert!(padded_int.try_integer().is_err());
    assert_eq!(
        walk(&[0x02, 0x01, 0xFB]).expect("INTEGER").try_integer(),
        Ok(-5)
    );
}

/// The same refusals through [`expect`], the entry point the round-trip tests use: it panics.
#[test]
fn expect_panics_on_a_refusal_or_another_outer_tag() {
    let bad: [&[u8]; 4] = [
        &[0x30, 0x80, 0x05, 0x00, 0x00, 0x00],
        &[0x30, 0x81, 0x02, 0x05, 0x00],
        &[0x30, 0x02, 0x05, 0x00, 0x00],
        &[0x30, 0x03, 0x05, 0x00],
    ];
    for b in bad {
        assert!(std::panic::catch_unwind(|| expect(b, UNIVERSAL, Some(true), 16)).is_err());
    }
    let good = [0x30, 0x02, 0x05, 0x00];
    assert_eq!(expect(&good, UNIVERSAL, Some(true), 16).count(), 2);
    assert!(std::panic::catch_unwind(|| expect(&good, UNIVERSAL, Some(false), 16)).is_err());
    assert!(std::panic::catch_unwind(|| expect(&good, CONTEXT, None, 16)).is_err());
    assert!(std::panic::catch_unwind(|| expect(&good, UNIVERSAL, None, 17)).is_err());
}
