//! The `.vec` test-vector file format of `mms/vectors/` (see `testvec.rs` for the layout). This
//! file has no dependencies so that `interop-tests` can include it with `#[path]` and read the
//! same vectors that the `mms` crate's tests decode.
#![allow(dead_code)]

/// One test vector.
#[derive(Debug, Clone)]
pub struct Vector {
    /// Unique name.
    pub name: String,
    /// The whole MMSpdu.
    pub pdu: Vec<u8>,
    /// (field, value) pairs tshark must show.
    pub tshark: Vec<(String, String)>,
    /// Valid but non-canonical input.
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
