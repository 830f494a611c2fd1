//! ISO 8650-1 / ITU-T X.227 Association Control Service Element (ACSE), and the association
//! that nests every OSI upper layer of the stack under it.
//!
//! * [`apdu`]: AARQ, AARE, RLRQ, RLRE and ABRT with every field (§9).
//! * [`security`]: the association-security hook that ACSE password authentication, the
//!   IEC 62351-4 A-security-profile and IEC 62351-4 end-to-end security implement.
//! * `password` (feature `password`, default): ACSE password authentication (mechanism
//!   {2 2 3 1}).
//! * `certificate` (feature `x509`, default): a zero-copy DER view of an X.509 certificate
//!   (RFC 5280 §4.1) and the issuer-signature check for certificates OpenSSL cannot parse
//!   (IEC 62351-4 Annex G.6.2).
//! * [`address`]: one address type for TSEL, SSEL, PSEL, AP-title, AE-qualifier, invocation ids.
//! * [`association`]: the sans-IO initiator and responder over RFC 1006 / ISO 8073, ISO 8327-1
//!   and ISO 8823-1.
//! * [`loopback`]: two associations wired together in memory, for tests and examples.
//! * [`replay`]: the bounded replay memory the security mechanisms share.
//! * [`timer`]: the clock and deadlines of the sans-IO machines (`poll_timeout` /
//!   `handle_timeout`).
//!
//! Without features the crate needs no OpenSSL: the codec, the association and the security
//! hook stand alone.
#![forbid(unsafe_code)]

pub mod address;
pub mod apdu;
pub mod association;
#[cfg(feature = "x509")]
pub mod certificate;
pub mod loopback;
#[cfg(feature = "password")]
pub mod password;
pub mod replay;
pub mod security;
pub mod timer;
