//! `a-sec-profile`: the IEC 62351-4:2018+AMD1:2020 clause 11 A-security-profile
//! (compatibility mode): certificate-based MMS authentication values in ACSE.
//!
//! * [`value`]: the MMS-Authentication-value codec (§11.2.2): encoder and a lenient, bounded,
//!   zero-copy decoder for every wrapping seen in the field (docs/facts.md U-04).
//! * [`time`]: the signed `time` (GeneralizedTime) in the profiles of U-03.
//! * [`crypto`]: signing, signature verification, certificate path, revocation, key checks,
//!   the subject's objectIdentifier (2.5.4.106) binding (Annex G.6.2).
//! * [`replay`]: the bounded replay memory (§11.2.3, U-05).
//! * [`config`]: [`AProfileConfig`] and its parts.
//! * [`provider`]: [`AProfile`] (acse::security::AssociationSecurity) and [`AProfileFactory`]
//!   (acse::security::SecurityFactory).
//! * [`events`]: the security event codes.
//!
//! The repository's `docs/a-profile.md` documents the configuration, the dialects' byte layouts, what is
//! signed, the event table and the decisions taken where the standard's text is not public.
//!
//! # Using it
//!
//! One [`AProfileFactory`] per application holds the credentials, the trust anchors, the CRLs
//! and the replay memory; it makes one [`AProfile`] provider per association. The MMS runtimes
//! take the factory by configuration (`ServerConfig::security` / `ClientConfig::security`, or
//! `with_a_profile` with the `security` feature of `mms`); here two providers authenticate an
//! in-memory association both ways, through every OSI layer:
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use a_sec_profile::{AProfileConfig, AProfileFactory, Credentials};
//! use acse::address::Address;
//! use acse::association::{Association, AssociationConfig};
//! use acse::loopback::{drain, shuttle, Seen};
//! use acse::security::{Role, SecurityEvents};
//! use cot::pki::{KeyKind, LeafSpec, Pki};
//!
//! // In the field the credentials come from PEM files (`Credentials::from_pem_files`); here
//! // from a throw-away CA. Each subject carries 2.5.4.106: the end's AP-title with its
//! // AE-qualifier appended, which the peer checks against the association's AE-title.
//! let ca = Pki::new_root("CA", KeyKind::Rsa(2048))?;
//! let events = Arc::new(SecurityEvents::new());
//! let factory = |oid: &str| -> Result<AProfileFactory, Box<dyn std::error::Error>> {
//!     let leaf = ca.issue(&LeafSpec::new(oid).with_object_identifier(oid))?;
//!     let config = AProfileConfig::new(events.clone())
//!         .with_credentials(Credentials::new(leaf.certificate, leaf.key, leaf.chain)?)
//!         .with_anchor(ca.ca().certificate.clone());
//!     Ok(AProfileFactory::new(config)?)
//! };
//! // The default addresses: the client is AP-title 1.1.1.999 / AE-qualifier 12 and calls
//! // 1.1.1.999.1 / 12.
//! let (client, server) = (factory("1.1.1.999.12")?, factory("1.1.1.999.1.12")?);
//!
//! let mut server_side = AssociationConfig::default();
//! server_side.local = Address::default_remote();
//! server_side.remote = Address::default_local();
//! let mut c = Association::connect(
//!     AssociationConfig::default(),
//!     &[0xA8, 0x00], // the MMS initiate-RequestPDU would go here
//!     Some(Box::new(client.make(Role::Initiator))),
//! );
//! let mut s = Association::accept_incoming(server_side, Some(Box::new(server.make(Role::Responder))));
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
//! let peer = c.authenticated_peer().expect("the server authenticated itself");
//! assert_eq!(peer.object_identifier.as_deref(), Some("1.1.1.999.1.12"));
//! assert_eq!(events.count(a_sec_profile::events::ACCEPTED), 2);
//! # Ok(()) }
//! ```
//!
//! Every refusal (untrusted or revoked certificate, bad signature, time outside the window,
//! replay, AP-title mismatch, missing or unknown mechanism) gets the ACSE response the
//! standard prescribes, is recorded in the events with its own code, and reaches the other
//! side's application as the peer's diagnostic.
#![forbid(unsafe_code)]

pub mod config;
pub mod crypto;
pub mod events;
pub mod provider;
pub mod replay;
pub mod time;
pub mod value;

pub use config::{AProfileConfig, Clock, ConfigError, Credentials, Dialect, FailureResponse};
pub use crypto::TrustStore;
pub use provider::{AProfile, AProfileFactory, NAME};
pub use time::TimeFormat;
