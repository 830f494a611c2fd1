//! The benchmark peer: the same ISO 9506-2 Read PDUs (confirmed-RequestPDU / confirmed-ResponsePDU
//! carrying `read` [4], ISO 9506-2 §14.6) decoded and encoded by the `iec61850-mms` crate from
//! crates.io (0.4, `default-features = false, features = ["embedded"]`: its sans-IO PDU codec
//! without tokio), so the criterion bench compares both codecs in one run on the same bytes.
//!
//! Included with `mod` by `mms/benches/read_pdu.rs` and `mms/tests/peer_iec61850.rs`; not a bench
//! target of its own. The fixtures are the two records of `mms/vectors/bench.vec`.
#![allow(dead_code)] // each includer uses the part it needs

#[path = "../src/vecfile.rs"]
mod vecfile;

use iec61850_mms::{
    decode_confirmed_read_request, decode_confirmed_read_response, encode_confirmed_read_request,
    encode_confirmed_read_response, ReadRequest, ReadResponse,
};

/// Name of the Read request fixture in `bench.vec` (50 domain-specific variables).
pub const REQUEST_FIXTURE: &str = "bench-read-request-50";
/// Name of the Read response fixture in `bench.vec` (50 access results).
pub const RESPONSE_FIXTURE: &str = "bench-read-response-50";

/// A confirmed Read request as the peer models it: (invokeID, its `ReadRequest`).
pub type PeerRequest = (u32, ReadRequest);
/// A confirmed Read response as the peer models it: (invokeID, its `ReadResponse`).
pub type PeerResponse = (u32, ReadResponse);

/// The bare MMSpdu of the `bench.vec` record called `name` (compiled in, no file access).
///
/// # Panics
/// If there is no such record (a broken fixture file).
pub fn fixture(name: &str) -> Vec<u8> {
    vecfile::parse(include_str!("../vectors/bench.vec"))
        .into_iter()
        .find(|v| v.name == name)
        .unwrap_or_else(|| panic!("bench.vec has no vector {name:?}"))
        .pdu
}

/// The two fixtures: (Read request PDU, Read response PDU).
pub fn fixtures() -> (Vec<u8>, Vec<u8>) {
    (fixture(REQUEST_FIXTURE), fixture(RESPONSE_FIXTURE))
}

/// Decodes a whole confirmed-RequestPDU carrying a Read request with the peer's decoder.
///
/// # Panics
/// If the peer rejects the bytes (the fixtures are valid, so that is a test failure).
pub fn decode_request(bytes: &[u8]) -> PeerRequest {
    decode_confirmed_read_request(bytes)
        .unwrap_or_else(|e| panic!("iec61850-mms rejects the Read request: {e}"))
}

/// Encodes a confirmed-RequestPDU carrying a Read request with the peer's encoder.
pub fn encode_request(request: &PeerRequest) -> Vec<u8> {
    // the peer writes into a `bytes::BytesMut`; its type is inferred from the call
    let mut buf = Default::default();
    encode_confirmed_read_request(request.0, &request.1, &mut buf);
    buf.to_vec()
}

/// Decodes a whole confirmed-ResponsePDU carrying a Read response with the peer's decoder.
///
/// # Panics
/// If the peer rejects the bytes.
pub fn decode_response(bytes: &[u8]) -> PeerResponse {
    decode_confirmed_read_response(bytes)
        .unwrap_or_else(|e| panic!("iec61850-mms rejects the Read response: {e}"))
}

/// Encodes a confirmed-ResponsePDU carrying a Read response with the peer's encoder.
pub fn encode_response(response: &PeerResponse) -> Vec<u8> {
    let mut buf = Default::default();
    encode_confirmed_read_response(response.0, &response.1, &mut buf);
    buf.to_vec()
}
