//! The OCSP nonce (RFC 6960 §4.4.1, RFC 8954): a random value in the request that the responder
//! copies into its response, so a response recorded earlier and replayed cannot answer a new
//! request. The safe `openssl` crate has no call for it, so this module holds, with `tls::ffi`,
//! the only `unsafe` code of `cot`: two OpenSSL functions, each wrapped in a safe function.
//!
//! The pointers are obtained as in `tls::ffi`: through `foreign-types`, a `&OcspRequestRef` or
//! `&OcspBasicResponseRef` *is* the `OCSP_REQUEST *` / `OCSP_BASICRESP *` (the reference type is
//! an opaque zero-sized wrapper at the object's address), so the cast is exact.
#![allow(unsafe_code)]

use std::os::raw::{c_int, c_void};

use openssl::ocsp::{OcspBasicResponseRef, OcspRequestRef};

extern "C" {
    fn OCSP_request_add1_nonce(req: *mut c_void, val: *mut u8, len: c_int) -> c_int;
    fn OCSP_check_nonce(req: *mut c_void, bs: *mut c_void) -> c_int;
}

/// Octets of the nonce we send (RFC 8954 §2.1: at least 1, at most 32; 32 recommended).
pub(crate) const NONCE_LEN: usize = 32;

/// Adds `nonce` to the request as the id-pkix-ocsp-nonce extension. Returns whether OpenSSL
/// accepted it.
pub(crate) fn add(req: &mut OcspRequestRef, nonce: &[u8]) -> bool {
    let Ok(len) = c_int::try_from(nonce.len()) else {
        return false;
    };
    // OpenSSL copies the value ("add1"); its prototype takes a non-const pointer, so it gets a
    // copy of ours.
    let mut value = nonce.to_vec();
    // SAFETY: `req` is a live OCSP_REQUEST borrowed mutably for the call (see the module
    // documentation for the cast); `value` is a valid buffer of `len` octets for the call.
    unsafe {
        OCSP_request_add1_nonce(
            req as *mut OcspRequestRef as *mut c_void,
            value.as_mut_ptr(),
            len,
        ) == 1
    }
}

/// What the response says about the request's nonce (`OCSP_check_nonce`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NonceCheck {
    /// Both carry it and the values are equal.
    Match,
    /// The request has one, the response none (a responder that does not echo nonces, or
    /// serves pre-produced responses).
    Missing,
    /// Neither has one.
    Neither,
    /// Only the response has one.
    Unasked,
    /// Both have one and they differ: the response answers another request.
    Mismatch,
}

/// Compares the nonce of `req` with the one in `basic`.
pub(crate) fn check(req: &OcspRequestRef, basic: &OcspBasicResponseRef) -> NonceCheck {
    // SAFETY: both are live OpenSSL objects borrowed for the call (see the module
    // documentation); OCSP_check_nonce only reads their extensions.
    let r = unsafe {
        OCSP_check_nonce(
            req as *const OcspRequestRef as *mut c_void,
            basic as *const OcspBasicResponseRef as *mut c_void,
        )
    };
    match r {
        1 => NonceCheck::Match,
        -1 => NonceCheck::Missing,
        2 => NonceCheck::Neither,
        3 => NonceCheck::Unasked,
        _ => NonceCheck::Mismatch,
    }
}
