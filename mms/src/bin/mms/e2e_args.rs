//! `--e2e-*` flags of the `mms` program: IEC 62351-4 end-to-end security (native mode, the
//! `e2e-sec` crate) configured from PEM files.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use acse::security::{SecurityEvents, SecurityFactory};
use clap::{Args, ValueEnum};
use e2e_sec::config::{AeadAlgorithm, CbcAlgorithm};
use e2e_sec::{E2eConfig, E2eCredential, E2eFactory, E2eMode, IcvAlgorithm};
use openssl::pkey::PKey;
use openssl::x509::X509;

/// Data-transfer encryption (IEC 62351-4 §8, F-1137).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum E2eEncrypt {
    /// AES-128-GCM authenticated encryption.
    Aes128Gcm,
    /// AES-256-GCM authenticated encryption.
    Aes256Gcm,
    /// AES-128-CBC with a separate ICV (`--e2e-icv`).
    Aes128Cbc,
    /// No encryption: ICV only (`--e2e-icv`).
    None,
}

/// ICV algorithm for `--e2e-encrypt none` and `aes128-cbc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum E2eIcv {
    /// HMAC-SHA256.
    HmacSha256,
    /// AES-128-GMAC.
    Gmac,
}

/// End-to-end security flags (IEC 62351-4 clauses 13-15).
#[derive(Debug, Clone, Args)]
pub struct E2eArgs {
    /// PEM end-entity certificate for E2E (its subject 2.5.4.106 = AP-title ++ AE-qualifier);
    /// followed by CA certificates to send as the path, if any. Enables E2E.
    #[arg(long = "e2e-cert", value_name = "PEM")]
    pub cert: Option<PathBuf>,
    /// PEM private key of `--e2e-cert`.
    #[arg(long = "e2e-key", value_name = "PEM")]
    pub key: Option<PathBuf>,
    /// PEM trust anchor(s) for the peer's E2E certificate (repeatable).
    #[arg(long = "e2e-ca", value_name = "PEM")]
    pub ca: Vec<PathBuf>,
    /// Encryption of the data phase.
    #[arg(long = "e2e-encrypt", value_enum, default_value = "aes128-gcm")]
    pub encrypt: E2eEncrypt,
    /// ICV algorithm when the mode has a separate ICV.
    #[arg(long = "e2e-icv", value_enum, default_value = "hmac-sha256")]
    pub icv: E2eIcv,
    /// Rekey period in seconds (900 .. 86400).
    #[arg(long = "e2e-rekey-secs", default_value_t = 3600)]
    pub rekey_secs: u64,
}

impl E2eArgs {
    /// The data-transfer mode the flags select.
    pub fn mode(&self) -> E2eMode {
        E2eArgs::mode_of(self.encrypt, self.icv)
    }

    /// The data-transfer mode of an `--e2e-encrypt` / `--e2e-icv` pair.
    pub fn mode_of(encrypt: E2eEncrypt, icv: E2eIcv) -> E2eMode {
        let icv = match icv {
            E2eIcv::HmacSha256 => IcvAlgorithm::HmacSha256,
            E2eIcv::Gmac => IcvAlgorithm::Aes128Gmac,
        };
        match encrypt {
            E2eEncrypt::Aes128Gcm => E2eMode::Aead(AeadAlgorithm::Aes128Gcm),
            E2eEncrypt::Aes256Gcm => E2eMode::Aead(AeadAlgorithm::Aes256Gcm),
            E2eEncrypt::Aes128Cbc => E2eMode::CbcIcv(CbcAlgorithm::Aes128Cbc, icv),
            E2eEncrypt::None => E2eMode::IcvOnly(icv),
        }
    }

    /// The factory for `ServerConfig.security` / `ClientConfig.security`; `None` when
    /// `--e2e-cert` is absent.
    pub fn factory(
        &self,
        events: Arc<SecurityEvents>,
    ) -> Result<Option<Arc<dyn SecurityFactory>>, String> {
        let Some(cert_path) = &self.cert else {
            return Ok(None);
        };
        let key_path = self.key.as_ref().ok_or("--e2e-cert needs --e2e-key")?;
        let read = |p: &PathBuf| std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()));
        let mut certs = X509::stack_from_pem(&read(cert_path)?)
            .map_err(|e| format!("{}: {e}", cert_path.display()))?
            .into_iter();
        let certificate = certs
            .next()
            .ok_or_else(|| format!("{}: no certificate", cert_path.display()))?;
        let key = PKey::private_key_from_pem(&read(key_path)?)
            .map_err(|e| format!("{}: {e}", key_path.display()))?;
        let mut anchors = Vec::new();
        for p in &self.ca {
            anchors.extend(
                X509::stack_from_pem(&read(p)?).map_err(|e| format!("{}: {e}", p.display()))?,
            );
        }
        if anchors.is_empty() {
            return Err("--e2e-cert needs at least one --e2e-ca".to_owned());
        }
        let mut cfg = E2eConfig::new(
            E2eCredential {
                certificate,
                key,
                chain: certs.collect(),
            },
            anchors,
        )
        .with_mode(self.mode());
        cfg.rekey_period = Duration::from_secs(self.rekey_secs);
        let f = E2eFactory::new(cfg, events)?;
        Ok(Some(Arc::new(f)))
    }
}

/// A client and a server factory for `mms demo --e2e`: a fresh demo CA, one certificate each
/// (subject 2.5.4.106 = the demo AE-titles: client 1.1.1.999 + 12, server 1.1.1.999.1 + 12,
/// Annex G.6.2), both in `mode`.
pub fn demo_factories(
    mode: E2eMode,
    client_events: Arc<SecurityEvents>,
    server_events: Arc<SecurityEvents>,
) -> Result<crate::auth_args::DemoFactories, String> {
    use cot::pki::{KeyKind, LeafSpec, Pki};
    let pki = Pki::new_root("osi-mms demo E2E CA", KeyKind::Rsa(2048))
        .map_err(|e| format!("demo PKI: {e}"))?;
    let make = |cn: &str, oid: &str, events: Arc<SecurityEvents>| {
        let cred = pki
            .issue(&LeafSpec::new(cn).with_object_identifier(oid))
            .map_err(|e| format!("demo PKI ({cn}): {e}"))?;
        let cfg = E2eConfig::new(
            E2eCredential {
                certificate: cred.certificate,
                key: cred.key,
                chain: cred.chain,
            },
            vec![pki.ca().certificate.clone()],
        )
        .with_mode(mode);
        E2eFactory::new(cfg, events).map(|f| Arc::new(f) as Arc<dyn SecurityFactory>)
    };
    let client = make("mms demo E2E client", "1.1.1.999.12", client_events)?;
    let server = make("mms demo E2E server", "1.1.1.999.1.12", server_events)?;
    Ok((client, server))
}
