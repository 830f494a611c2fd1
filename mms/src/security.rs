//! Security in one place (feature `security`): the entry points of every mechanism the stack
//! has, and a builder on [`ServerConfig`] and [`ClientConfig`] that turns their configurations
//! into the contexts and factories the runtimes take, all recording into the configuration's one
//! [`SecurityEvents`] handle.
//!
//! IEC 62351-4:2018 names three mechanisms; an association may combine the transport one with
//! one application-layer one:
//!
//! | mechanism | IEC 62351-4 | configuration | builder call |
//! |---|---|---|---|
//! | T-profile: TLS under RFC 1006 (port 3782) | §6, with IEC 62351-3 | [`TlsConfig`] | `with_tls` |
//! | A-security-profile: certificate-based ACSE authentication | §11 | [`AProfileConfig`] | `with_a_profile` |
//! | end-to-end security, OSI environment | §12–§15 | [`E2eConfig`] | `with_e2e` |
//!
//! Secure ICCP as deployed is the T-profile plus the A-security-profile, each with its own
//! certificate (Annex G.2):
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use mms::security::{AProfileConfig, Credentials, SecurityEvents, TlsConfig};
//! use mms::server::ServerConfig;
//! use openssl::x509::X509;
//! # let (tls_cert, tls_key, ap_cert, ap_key, ca): (&str, &str, X509, openssl::pkey::PKey<openssl::pkey::Private>, X509) = unimplemented!();
//! let tls = TlsConfig::new()
//!     .with_identity_files(tls_cert, tls_key)
//!     .with_trust_anchor(ca.clone());
//! // The events handle passed here is replaced by the configuration's own.
//! let a_profile = AProfileConfig::new(std::sync::Arc::new(SecurityEvents::new()))
//!     .with_credentials(Credentials::new(ap_cert, ap_key, Vec::new())?)
//!     .with_anchor(ca);
//! let config = ServerConfig::default()
//!     .with_tls(&tls)?
//!     .with_a_profile(a_profile)?;
//! println!("{} security events so far", config.events.total());
//! # Ok(()) }
//! ```
//!
//! Everything a mechanism does worth a security officer's attention is recorded in
//! `config.events` (and logged under [`SECURITY_LOG_TARGET`]); the authenticated peer reaches
//! the application as [`AuthenticatedPeer`] (in `AssociationInfo` on the server, from
//! `Client::authenticated_peer` on the client).
use std::sync::Arc;

pub mod audit;

pub use a_sec_profile::{
    AProfileConfig, AProfileFactory, ConfigError as AProfileConfigError, Credentials, Dialect,
    FailureResponse,
};
pub use acse::password::PasswordFactory;
pub use acse::security::{
    ApplicationSecurity, AuthenticatedPeer, EventCount, SecurityEvents, SecurityFactory,
    SelectingFactory, Severity, SECURITY_LOG_TARGET,
};
pub use cot::tls::{
    CipherPolicy, PinnedPeer, TlsClient, TlsConfig, TlsConfigError, TlsServer, TlsVersion,
};
pub use e2e_sec::{E2eConfig, E2eCredential, E2eFactory, E2eMode, IcvAlgorithm};

use crate::client::ClientConfig;
use crate::server::ServerConfig;

/// Why a security configuration could not be turned into what the runtimes use.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// The TLS configuration is unusable (no identity, no anchor, a policy with no suite...).
    #[error("TLS: {0}")]
    Tls(#[from] TlsConfigError),
    /// The A-security-profile configuration is unusable.
    #[error("A-security-profile: {0}")]
    AProfile(#[from] AProfileConfigError),
    /// The end-to-end security configuration is unusable.
    #[error("end-to-end security: {0}")]
    E2e(String),
    /// An application-layer mechanism was already configured: an association carries one
    /// (IEC 62351-4 combines the T-profile with either the A-security-profile or end-to-end
    /// security, never the two).
    #[error("{existing} is already configured; an association carries one application-layer security mechanism")]
    MechanismTaken {
        /// The mechanism already in the configuration.
        existing: &'static str,
    },
}

fn a_profile_factory(
    mut config: AProfileConfig,
    events: &Arc<SecurityEvents>,
) -> Result<Arc<dyn SecurityFactory>, SetupError> {
    config.events = events.clone();
    Ok(Arc::new(AProfileFactory::new(config)?))
}

fn e2e_factory(
    config: E2eConfig,
    events: &Arc<SecurityEvents>,
) -> Result<Arc<dyn SecurityFactory>, SetupError> {
    Ok(Arc::new(
        E2eFactory::new(config, events.clone()).map_err(SetupError::E2e)?,
    ))
}

fn one_mechanism(existing: &Option<Arc<dyn SecurityFactory>>) -> Result<(), SetupError> {
    match existing {
        Some(f) => Err(SetupError::MechanismTaken { existing: f.name() }),
        None => Ok(()),
    }
}

impl ServerConfig {
    /// Serves the T-profile (IEC 62351-4 §6): a TLS context built from `tls`, recording into
    /// `self.events`. TLS is served on `tls_listen`; when that is empty, the `listen` addresses
    /// become TLS addresses (IEC 62351-4 wants no plain access beside TLS unless the
    /// application lists both on purpose).
    pub fn with_tls(mut self, tls: &TlsConfig) -> Result<ServerConfig, SetupError> {
        self.tls = Some(Arc::new(TlsServer::new(tls, self.events.clone())?));
        if self.tls_listen.is_empty() {
            self.tls_listen = std::mem::take(&mut self.listen);
        }
        Ok(self)
    }

    /// Authenticates every association with the A-security-profile (IEC 62351-4 §11); the
    /// configuration's events handle is replaced by `self.events`.
    pub fn with_a_profile(mut self, config: AProfileConfig) -> Result<ServerConfig, SetupError> {
        one_mechanism(&self.security)?;
        self.security = Some(a_profile_factory(config, &self.events)?);
        Ok(self)
    }

    /// Protects every association end to end (IEC 62351-4 §12–§15, OSI environment).
    pub fn with_e2e(mut self, config: E2eConfig) -> Result<ServerConfig, SetupError> {
        one_mechanism(&self.security)?;
        self.security = Some(e2e_factory(config, &self.events)?);
        Ok(self)
    }

    /// Serves A-security-profile partners and end-to-end partners on the same listeners: each
    /// association gets the mechanism its AARQ's application context asks for (IEC 62351-4
    /// §5.2: the MMS application context for the A-profile, e2eMmsAC for end-to-end security;
    /// [`SelectingFactory`]). Combine with [`ServerConfig::peer_policy`] to say which partner
    /// must use which.
    pub fn with_a_profile_and_e2e(
        mut self,
        a_profile: AProfileConfig,
        e2e: E2eConfig,
    ) -> Result<ServerConfig, SetupError> {
        one_mechanism(&self.security)?;
        let choices = vec![
            a_profile_factory(a_profile, &self.events)?,
            e2e_factory(e2e, &self.events)?,
        ];
        self.security = Some(Arc::new(SelectingFactory::new(
            choices,
            self.endpoint.association.application_context.clone(),
        )));
        Ok(self)
    }
}

impl ClientConfig {
    /// Connects over TLS (IEC 62351-4 §6) with a context built from `tls`, recording into
    /// `self.events`; `server_name` is sent as SNI and keys the resumption cache. The server's
    /// port is normally 3782.
    pub fn with_tls(
        mut self,
        tls: &TlsConfig,
        server_name: Option<&str>,
    ) -> Result<ClientConfig, SetupError> {
        self.tls = Some(Arc::new(TlsClient::new(tls, self.events.clone())?));
        self.tls_server_name = server_name.map(str::to_owned);
        Ok(self)
    }

    /// Authenticates the association with the A-security-profile (IEC 62351-4 §11), and the
    /// server in return when the configuration requires mutual authentication.
    pub fn with_a_profile(mut self, config: AProfileConfig) -> Result<ClientConfig, SetupError> {
        one_mechanism(&self.security)?;
        self.security = Some(a_profile_factory(config, &self.events)?);
        Ok(self)
    }

    /// Protects the association end to end (IEC 62351-4 §12–§15, OSI environment).
    pub fn with_e2e(mut self, config: E2eConfig) -> Result<ClientConfig, SetupError> {
        one_mechanism(&self.security)?;
        self.security = Some(e2e_factory(config, &self.events)?);
        Ok(self)
    }
}
