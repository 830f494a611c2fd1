//! Test support (compiled for tests only): the `.vec` test-vector files in `mms/vectors/`.
//!
//! A file holds records separated by blank lines:
//!
//! ```text
//! # comment
//! name: read-request-domain-specific
//! pdu: a0 1a 02 01 01 a4 15 a1 13 ...
//!   (more hex on lines that start with whitespace)
//! tshark: mms.invokeID=1
//! tshark: mms.domainId=LD0
//! form: tolerant
//! ```
//!
//! `pdu` is one whole MMSpdu; every `tshark` line names a field and a value that Wireshark's MMS
//! dissector must show for it (checked in `interop-tests`); `form: tolerant` marks input that is
//! valid but not in the canonical form this crate encodes (decoded, not compared after
//! re-encoding).

#![allow(dead_code)] // each service module uses the parts it needs

use crate::codec::{decode_one, to_vec, uint32, Class, Result, Service, Tag, Tlv, Writer};
#[allow(unused_imports)]
pub use crate::vecfile::{hex, parse, Vector};

/// The BER walker on `asn1-rs` that the round-trip tests of every crate share: what the
/// encoder writes here is also parsed by a decoder this workspace did not write.
#[path = "../../copp/tests/support/independent_ber.rs"]
pub mod independent;

/// The envelope of a confirmed-Request [0], confirmed-Response [1] or unconfirmed [3] PDU: the
/// MMSpdu tag number, the invokeID (none for unconfirmed) and the service alternative's TLV.
pub fn split<'a>(pdu: &'a [u8]) -> Result<(u32, Option<u32>, Tlv<'a>)> {
    decode_one(pdu, 64, |t| {
        assert_eq!(t.tag.class, Class::Context);
        let mut f = crate::codec::Fields::new(t)?;
        let invoke = if t.tag.number == 3 {
            None
        } else {
            Some(uint32(&f.req(Tag::INTEGER, "invokeID")?)?)
        };
        let body = f.next("service")?;
        f.finish()?;
        Ok((t.tag.number, invoke, body))
    })
}

/// Wraps an encoded service alternative in the envelope [`split`] takes apart.
pub fn wrap(kind: u32, invoke: Option<u32>, write_service: impl FnOnce(&mut Writer)) -> Vec<u8> {
    let mut w = Writer::new();
    let m = w.mark();
    write_service(&mut w);
    if let Some(id) = invoke {
        crate::codec::write_uint(&mut w, Tag::INTEGER, u64::from(id));
    }
    w.wrap(m, Tag::context(kind, true));
    w.into_vec()
}

/// Reads `mms/vectors/<file>`.
pub fn load(file: &str) -> Vec<Vector> {
    let path = format!("{}/vectors/{file}", env!("CARGO_MANIFEST_DIR"));
    parse(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
}

/// The vector called `name` in `vs`.
pub fn named<'a>(vs: &'a [Vector], name: &str) -> &'a Vector {
    vs.iter()
        .find(|v| v.name == name)
        .unwrap_or_else(|| panic!("no vector {name}"))
}

/// The service alternative's TLV of the vector called `name` in `vs`.
pub fn body_of<'a>(vs: &'a [Vector], name: &str) -> Tlv<'a> {
    let v = named(vs, name);
    split(&v.pdu).unwrap_or_else(|e| panic!("{name}: {e}")).2
}

/// The encoded service alternative of the vector called `name` in `mms/vectors/<file>`.
pub fn body(file: &str, name: &str) -> Vec<u8> {
    body_of(&load(file), name).raw.to_vec()
}

/// Writes a service alternative, tag included. Every encoding made here is also walked with
/// `asn1-rs` ([`independent`]), which must see one context-specific value `[T::TAG]` in
/// minimal definite-length form and nothing after it.
pub fn enc<'a, T: Service<'a>>(v: &T) -> Vec<u8> {
    let b = to_vec(|w| v.encode_service(w));
    independent::expect(&b, independent::CONTEXT, None, T::TAG);
    b
}

/// Wraps an encoded service alternative in its envelope with [`wrap`] and checks with
/// `asn1-rs` what our encoder wrote: the MMSpdu tag `[kind]`, the invokeID INTEGER (read by
/// `asn1-rs`, compared with `invoke`) and the alternative `[service_tag]` after it.
pub fn check_envelope(kind: u32, invoke: Option<u32>, service_tag: u32, service: &[u8]) {
    let pdu = wrap(kind, invoke, |w| w.raw(service));
    let n = independent::expect(&pdu, independent::CONTEXT, Some(true), kind);
    let body = match invoke {
        Some(id) => {
            let got = n.child(0);
            assert_eq!(
                (got.class, got.number, got.unsigned()),
                (independent::UNIVERSAL, 2, u64::from(id)),
                "invokeID as asn1-rs reads it"
            );
            n.child(1)
        }
        None => n.child(0),
    };
    assert_eq!(n.children.len(), 1 + usize::from(invoke.is_some()));
    assert_eq!(
        (body.class, body.number),
        (independent::CONTEXT, service_tag)
    );
    assert_eq!(body.raw, service);
}

/// Decodes `b` as one whole service alternative `T` (nesting up to 32) and re-encodes it.
pub fn rt<'a, T: Service<'a>>(b: &'a [u8]) -> Result<(T, Vec<u8>)> {
    let v = decode_one(b, 32, T::decode_service)?;
    let e = enc(&v);
    Ok((v, e))
}

/// Decodes `b` as one whole service alternative `T` (nesting up to 64).
pub fn dec<'a, T: Service<'a>>(b: &'a [u8]) -> Result<T> {
    decode_one(b, 64, T::decode_service)
}

/// Decodes a service alternative's TLV as `T` and re-encodes it: the entry of a dispatch table
/// given to [`check_file`].
pub fn reencode<'a, T: Service<'a>>(tlv: &Tlv<'a>) -> Result<Vec<u8>> {
    Ok(enc(&T::decode_service(tlv)?))
}

/// What [`check_vectors`] asks of a vector marked `form: tolerant`, beyond decoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tolerant {
    /// Nothing more: its re-encoding is not compared.
    Decodes,
    /// Its re-encoding differs from the input (the mark is not stale).
    NotCanonical,
}

/// Loads `mms/vectors/<file>`, checks it holds at least `min_count` vectors and runs
/// [`check_vectors`] on them.
pub fn check_file(
    file: &str,
    min_count: usize,
    tolerant: Tolerant,
    dispatch: impl FnMut(u32, &Tlv<'_>) -> Option<Result<Vec<u8>>>,
) {
    let vs = load(file);
    assert!(vs.len() >= min_count, "{file}: only {} vectors", vs.len());
    check_vectors(&vs, tolerant, dispatch);
}

/// Splits every vector into PDU kind (0 request, 1 response, 3 unconfirmed) and service TLV and
/// hands both to `dispatch`, which decodes the TLV with the type of that (kind, tag number) and
/// returns its re-encoding, or `None` when no type of the module has it. A decode error or a
/// missing type fails the test; the re-encoding must equal the input unless the vector is
/// marked tolerant, where `tolerant` says what is checked instead.
pub fn check_vectors(
    vs: &[Vector],
    tolerant: Tolerant,
    mut dispatch: impl FnMut(u32, &Tlv<'_>) -> Option<Result<Vec<u8>>>,
) {
    for v in vs {
        let (kind, invoke, body) = split(&v.pdu).unwrap_or_else(|e| panic!("{}: {e}", v.name));
        let enc = dispatch(kind, &body)
            .unwrap_or_else(|| panic!("{}: no type for [{kind}] [{}]", v.name, body.tag.number))
            .unwrap_or_else(|e| panic!("{}: {e}", v.name));
        // The re-encoding, in its envelope, as asn1-rs sees it (tolerant vectors included:
        // whatever the input's form, the encoder writes minimal definite lengths).
        check_envelope(kind, invoke, body.tag.number, &enc);
        if !v.tolerant {
            assert_eq!(enc, body.raw, "{}: re-encoding differs", v.name);
        } else if tolerant == Tolerant::NotCanonical {
            assert_ne!(enc, body.raw, "{}: tolerant vector is canonical", v.name);
        }
    }
}

/// Inside a proptest body: encodes `$v` (of type `$ty`), has `asn1-rs` walk the octets (see
/// [`enc`]), decodes them again (nesting up to `$depth`, 32 when not given) and asserts the
/// same value comes back.
macro_rules! prop_round_trip {
    ($ty:ty, $v:expr) => {
        $crate::testvec::prop_round_trip!($ty, $v, 32)
    };
    ($ty:ty, $v:expr, $depth:expr) => {{
        let v: $ty = $v;
        // `enc` also has asn1-rs walk the octets.
        let b = $crate::testvec::enc(&v);
        let back =
            $crate::codec::decode_one(&b, $depth, <$ty as $crate::codec::Service>::decode_service);
        ::proptest::prop_assert_eq!(back, Ok(v));
    }};
}
pub(crate) use prop_round_trip;

/// Proptest functions, one a line `name: strategy => Type;`, each checking that a generated
/// value survives encoding and decoding (nesting up to 32, or the `depth N;` given first).
macro_rules! round_trip_tests {
    (depth $depth:literal; $($test:ident: $strat:expr => $ty:ty;)+) => {
        ::proptest::proptest! {
            $(
                #[test]
                fn $test(v in $strat) {
                    $crate::testvec::prop_round_trip!($ty, v, $depth);
                }
            )+
        }
    };
    ($($test:ident: $strat:expr => $ty:ty;)+) => {
        $crate::testvec::round_trip_tests! { depth 32; $($test: $strat => $ty;)+ }
    };
}
pub(crate) use round_trip_tests;
