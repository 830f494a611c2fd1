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
#[allow(unused_imports)]
pub use crate::vecfile::{hex, parse, Vector};

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
