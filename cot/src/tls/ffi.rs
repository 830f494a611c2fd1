//! The few OpenSSL calls the safe `openssl` crate does not expose, each wrapped in a safe
//! function (with `revocation::nonce`, the only `unsafe` code of `cot`; the crate root is
//! `#![deny(unsafe_code)]` and these two modules opt out).
//!
//! - `SSL_renegotiate` / `SSL_renegotiate_pending`: RFC 5746 secure renegotiation of TLS 1.2
//!   (IEC 62351-3 §5.6.4: the server renegotiates with HelloRequest, the client with ClientHello).
//! - `SSL_renegotiate_abbreviated`: the same, offering the current session for resumption
//!   ([`super::RekeyPolicy::PeriodicResumption`]).
//! - `SSL_key_update`: the TLS 1.3 key update (RFC 8446 §4.6.3) that replaces renegotiation.
//! - `SSL_CTX_set_timeout`: the lifetime of cached sessions and tickets (IEC 62351-3 §5.6.3
//!   session resumption interval).
//! - `SSL_set_session`: offer a cached session for resumption (RFC 5246 §7.4.1.2,
//!   RFC 8446 §2.2); the crate has it only as an `unsafe fn`.
//!
//! The SSL pointer is obtained from a live `&SslRef`: in the `openssl` crate (through
//! `foreign-types`) a `&SslRef` *is* the `SSL *` (the reference type is an opaque zero-sized
//! wrapper at the pointer's address; `ForeignTypeRef::as_ptr` is exactly this cast), so the cast
//! below needs no extra dependency and is itself safe code; only the calls are `unsafe`.
#![allow(unsafe_code)]

use std::os::raw::{c_int, c_long};

use openssl::ssl::{SslContextBuilder, SslRef, SslSessionRef};

extern "C" {
    fn SSL_renegotiate(s: *mut openssl_sys::SSL) -> c_int;
    fn SSL_renegotiate_pending(s: *const openssl_sys::SSL) -> c_int;
    fn SSL_renegotiate_abbreviated(s: *mut openssl_sys::SSL) -> c_int;
    fn SSL_key_update(s: *mut openssl_sys::SSL, updatetype: c_int) -> c_int;
    fn SSL_CTX_set_timeout(ctx: *mut openssl_sys::SSL_CTX, t: c_long) -> c_long;
}

/// `SSL_KEY_UPDATE_REQUESTED` (openssl/ssl.h): ask the peer to update its sending key too.
const SSL_KEY_UPDATE_REQUESTED: c_int = 1;

fn ssl_ptr(ssl: &SslRef) -> *mut openssl_sys::SSL {
    ssl as *const SslRef as *mut openssl_sys::SSL
}

/// Schedules a TLS 1.2 renegotiation (RFC 5746 secure renegotiation only: the context never
/// sets `SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION`). The next `SSL_do_handshake` sends the
/// HelloRequest (server) or ClientHello (client). Returns whether OpenSSL accepted it.
pub(crate) fn renegotiate(ssl: &SslRef) -> bool {
    // SAFETY: `ssl_ptr(ssl)` is the SSL* of a live `SslRef` borrowed for the whole call; the
    // session owns its `SslStream` exclusively (`&mut self` in the caller), so no other thread
    // uses this SSL object; SSL_renegotiate only sets flags on it.
    unsafe { SSL_renegotiate(ssl_ptr(ssl)) == 1 }
}

/// Schedules a TLS 1.2 renegotiation that offers the current session for resumption (an
/// abbreviated handshake if the server still has it). Returns whether OpenSSL accepted it.
pub(crate) fn renegotiate_abbreviated(ssl: &SslRef) -> bool {
    // SAFETY: as in `renegotiate`; SSL_renegotiate_abbreviated only sets flags on the SSL.
    unsafe { SSL_renegotiate_abbreviated(ssl_ptr(ssl)) == 1 }
}

/// Whether a renegotiation we scheduled has not completed yet.
pub(crate) fn renegotiate_pending(ssl: &SslRef) -> bool {
    // SAFETY: as in `renegotiate`; SSL_renegotiate_pending only reads a flag.
    unsafe { SSL_renegotiate_pending(ssl_ptr(ssl)) == 1 }
}

/// Schedules a TLS 1.3 KeyUpdate with update_requested (RFC 8446 §4.6.3); sent by the next
/// `SSL_do_handshake` or write. Returns whether OpenSSL accepted it (only on TLS 1.3, after the
/// handshake).
pub(crate) fn key_update(ssl: &SslRef) -> bool {
    // SAFETY: as in `renegotiate`; SSL_key_update only records the pending update type.
    unsafe { SSL_key_update(ssl_ptr(ssl), SSL_KEY_UPDATE_REQUESTED) == 1 }
}

/// Sets the lifetime of sessions the context creates (server cache entries and TLS 1.3 ticket
/// lifetime hint), in seconds.
pub(crate) fn set_session_timeout(ctx: &mut SslContextBuilder, seconds: u32) {
    // SAFETY: `ctx.as_ptr()` is the SSL_CTX* the builder owns and we borrow mutably, so it is
    // valid and not used elsewhere during the call; SSL_CTX_set_timeout stores one integer.
    unsafe {
        SSL_CTX_set_timeout(ctx.as_ptr(), c_long::from(seconds));
    }
}

/// Offers `session` for resumption on a client `ssl` before its handshake.
pub(crate) fn set_session(ssl: &mut SslRef, session: &SslSessionRef) -> bool {
    // SAFETY: the crate's contract for `set_session` is that the session comes from the same
    // SSL_CTX as `ssl`: the client session cache lives in the `TlsClient` that owns that one
    // context, and only its own sessions are stored there. Both objects are live borrows.
    unsafe { ssl.set_session(session).is_ok() }
}
