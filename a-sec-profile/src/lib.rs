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
//! `docs/a-profile.md` documents the configuration, the dialects' byte layouts, what is
//! signed, the event table and the decisions taken where the standard's text is not public.
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
