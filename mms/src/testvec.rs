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

use crate::codec::{decode_one, uint32, Class, Result, Tag, Tlv, Writer};

/// One test vector.
#[derive(Debug, Clone)]
pub struct Vector {
    pub name: String,
    pub pdu: Vec<u8>,
    pub tshark: Vec<(String, String)>,
    pub tolerant: bool,
}

/// Parses a `.vec` file; panics on a malformed file (it is test input we wrote).
pub fn parse(text: &str) -> Vec<Vector> {
    let mut out = Vec::new();
    let mut cur: Option<Vector> = None;
    let mut in_pdu = false;
    for line in text.lines().chain(std::iter::once("")) {
        let t = line.trim();
        if t.starts_with('#') {
            continue;
        }
        if t.is_empty() {
            if let Some(v) = cur.take() {
                assert!(!v.pdu.is_empty(), "vector {} has no pdu", v.name);
                out.push(v);
            }
            in_pdu = false;
            continue;
        }
        if in_pdu && line.starts_with(char::is_whitespace) {
            cur.as_mut().expect("pdu line").pdu.extend(hex(t));
            continue;
        }
        in_pdu = false;
        let (k, val) = t
            .split_once(':')
            .unwrap_or_else(|| panic!("bad line {t:?}"));
        let val = val.trim();
        match k.trim() {
            "name" => {
                cur = Some(Vector {
                    name: val.to_string(),
                    pdu: Vec::new(),
                    tshark: Vec::new(),
                    tolerant: false,
                })
            }
            "pdu" => {
                cur.as_mut().expect("name first").pdu.extend(hex(val));
                in_pdu = true;
            }
            "tshark" => {
                let (f, v) = val.split_once('=').expect("field=value");
                cur.as_mut()
                    .expect("name first")
                    .tshark
                    .push((f.trim().to_string(), v.trim().to_string()));
            }
            "form" => cur.as_mut().expect("name first").tolerant = val == "tolerant",
            other => panic!("unknown key {other:?}"),
        }
    }
    out
}

/// Hex digits (whitespace ignored) to octets.
pub fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert!(digits.len() % 2 == 0, "odd hex {s:?}");
    digits
        .chunks(2)
        .map(|c| u8::from_str_radix(std::str::from_utf8(c).expect("ascii"), 16).expect("hex"))
        .collect()
}

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
