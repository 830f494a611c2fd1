//! `e2e-sec`: IEC 62351-4:2018+AMD1:2020 clauses 12-15, end-to-end security (native mode)
//! and its mapping onto the OSI environment.
//!
//! * [`pdu`]: the SecPDUs of §13 (the E2E-Working ASN.1 module, `asn1/e2e-working.asn`) and
//!   their BER/DER codec — the one place to swap for the official IEC module. It is written on
//!   `copp::ber`, the stack's one BER reader and writer (itself checked against `asn1-rs` by a
//!   property test), rather than on a second BER library: the decoders borrow the received
//!   octets of `tbs`/`tbp`/ClearToken2 so signatures and ICVs are verified over them (I-12), and
//!   the encoders write DER.
//! * [`crypto`]: every primitive through openssl (signatures, DH/ECDH, HKDF, HMAC, GMAC,
//!   AES-GCM, AES-CBC), with the framing rules (what is signed, what the ICV and the AAD cover).
//! * [`provider`]: the handshake, data transfer, rekey, release and abort state machine and the
//!   §15 OSI mapping, as an [`acse::security::AssociationSecurity`] provider.
//! * [`factory`]: [`E2eFactory`], the [`acse::security::SecurityFactory`] that
//!   `mms::Client`/`mms::Server` take by configuration.
//! * [`events`]: the security event codes (IEC 62351-14 style).
//!
//! Every choice the public sources leave open is in `ASSUMPTIONS.md` with its spec-note id.
#![forbid(unsafe_code)]

pub mod certs;
pub mod config;
pub mod crypto;
pub mod events;
pub mod factory;
pub mod oids;
pub mod pdu;
pub mod provider;
pub mod replay;
pub mod secret;
pub mod time;

pub use config::{E2eConfig, E2eCredential, E2eMode, IcvAlgorithm};
pub use factory::E2eFactory;
pub use provider::E2eProvider;
