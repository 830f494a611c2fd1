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
//! Every choice the public sources leave open is in `ASSUMPTIONS.md` with the id of `docs/facts.md` it answers.
//!
//! # Using it
//!
//! One [`E2eFactory`] per application holds the credential, the trust anchors and the replay
//! memory, and makes one provider per association; the MMS runtimes take it by configuration
//! (`ServerConfig::security` / `ClientConfig::security`, or `with_e2e` with the `security`
//! feature of `mms`). Here two providers protect an in-memory association: the signed
//! handshake rides in the AARQ/AARE, and every P-DATA is an EncrTransfer (AES-128-GCM, the
//! default) on the wire while each application sees its plaintext:
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use acse::address::Address;
//! use acse::association::{Association, AssociationConfig};
//! use acse::loopback::{deliver, drain, shuttle, Seen};
//! use acse::security::{Role, SecurityEvents, TransportSecurity};
//! use cot::pki::{KeyKind, LeafSpec, Pki};
//! use e2e_sec::{E2eConfig, E2eCredential, E2eFactory};
//!
//! // Each certificate's subject carries 2.5.4.106 = AP-title ++ AE-qualifier (Annex G.6.2).
//! let ca = Pki::new_root("CA", KeyKind::EcP256)?;
//! let factory = |oid: &str| -> Result<E2eFactory, Box<dyn std::error::Error>> {
//!     let leaf = ca.issue(&LeafSpec::new(oid).with_key(KeyKind::EcP256).with_object_identifier(oid))?;
//!     let credential = E2eCredential { certificate: leaf.certificate, key: leaf.key, chain: leaf.chain };
//!     let config = E2eConfig::new(credential, vec![ca.ca().certificate.clone()]);
//!     Ok(E2eFactory::new(config, Arc::new(SecurityEvents::new()))?)
//! };
//! let (client, server) = (factory("1.1.1.999.12")?, factory("1.1.1.999.1.12")?);
//!
//! let mut server_side = AssociationConfig::default();
//! server_side.local = Address::default_remote();
//! server_side.remote = Address::default_local();
//! let plain = TransportSecurity::plain();
//! let mut c = Association::connect(
//!     AssociationConfig::default(),
//!     &[0xA8, 0x00], // the MMS initiate-RequestPDU would go here
//!     Some(Box::new(client.e2e_provider(Role::Initiator, &plain))),
//! );
//! let mut s = Association::accept_incoming(
//!     server_side,
//!     Some(Box::new(server.e2e_provider(Role::Responder, &plain))),
//! );
//! let mut up = false;
//! while !up {
//!     shuttle(&mut c, &mut s)?;
//!     for event in drain(&mut s)? {
//!         if let Seen::AssociateIndication(_) = event {
//!             s.accept(&[0xA9, 0x00])?;
//!         }
//!     }
//!     shuttle(&mut s, &mut c)?;
//!     up = drain(&mut c)?.iter().any(|e| matches!(e, Seen::Associated(_)));
//! }
//! // A confirmed-RequestPDU-shaped value: encrypted on the wire, plaintext at the server.
//! let pdu = [0xA0, 0x03, 0x02, 0x01, 0x07];
//! c.send_data(&pdu)?;
//! assert!(!c.transmit().windows(pdu.len()).any(|w| w == pdu));
//! let seen = deliver(&mut c, &mut s)?;
//! assert!(matches!(&seen[..], [Seen::Data(_, d)] if d == &pdu));
//! # Ok(()) }
//! ```
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
#[cfg(feature = "xmpp")]
pub mod xmpp;

pub use config::{E2eConfig, E2eCredential, E2eMode, IcvAlgorithm};
pub use factory::E2eFactory;
pub use provider::E2eProvider;
