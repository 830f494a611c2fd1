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
    /// A CRL file (PEM or DER) for the peer's E2E certificate and the certPath it sends,
    /// re-read on the checker's period; repeatable (docs/revocation.md).
    #[arg(long = "e2e-crl", value_name = "FILE")]
    pub crl: Vec<PathBuf>,
    /// Check revocation also through the CRL distribution points and the OCSP responder the
    /// certificates name (fetched in the background, cached), and re-check an established
    /// association, as `--tls-revocation` does for TLS.
    #[arg(long = "e2e-revocation")]
    pub revocation: bool,
    /// Ask this OCSP responder (an `http:` URL) instead of the one the certificates name;
    /// implies `--e2e-revocation`.
    #[arg(long = "e2e-ocsp-responder", value_name = "URL")]
    pub ocsp_responder: Option<String>,
    /// Re-check the peer's certificate chain of an established association every SECONDS
    /// (default 900); with `--e2e-revocation` or `--e2e-crl`.
    #[arg(long = "e2e-recheck", value_name = "SECONDS")]
    pub recheck: Option<u64>,
    /// Accept a peer certificate without keyUsage or without keyAgreement (legacy peers; the
    /// certificate event as a warning). IEC 62351-4 Annex G.5.2 asks for both.
    #[arg(long = "e2e-legacy-key-usage")]
    pub legacy_key_usage: bool,
    /// Talk to earlier versions of this program: the SecPDU CHOICE tag in every EXTERNAL /
    /// PDV, the RFC 9044 GMAC identifier, 16-octet GCM tags (received either way).
    #[arg(long = "e2e-legacy-wire")]
    pub legacy_wire: bool,
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
        let Some(cfg) = self.config(&events)? else {
            return Ok(None);
        };
        let f = E2eFactory::new(cfg, events)?;
        Ok(Some(Arc::new(f)))
    }

    /// The E2E configuration the flags describe; `None` when `--e2e-cert` is absent. The
    /// revocation checker records into `events`.
    pub fn config(&self, events: &Arc<SecurityEvents>) -> Result<Option<E2eConfig>, String> {
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
        cfg.legacy_key_usage = self.legacy_key_usage;
        cfg.legacy_wire = self.legacy_wire;
        cfg.revocation = crate::auth_args::RevocationFlags {
            prefix: "e2e",
            revocation: self.revocation,
            ocsp_responder: self.ocsp_responder.as_deref(),
            recheck: self.recheck,
            crl_files: &self.crl,
            anchors: &self.ca,
        }
        .checker(events)?;
        Ok(Some(cfg))
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use clap::Parser;
    use cot::pki::{KeyKind, LeafSpec, Pki};

    #[derive(Debug, Parser)]
    struct T {
        #[command(flatten)]
        e2e: E2eArgs,
    }

    fn parse(args: &[&str]) -> E2eArgs {
        T::try_parse_from(std::iter::once("t").chain(args.iter().copied()))
            .unwrap()
            .e2e
    }

    /// `--e2e-crl`, `--e2e-revocation`, `--e2e-ocsp-responder`, `--e2e-recheck` give E2E the
    /// shared revocation checker as the `--tls-*` flags give TLS (CRL files alone: those only);
    /// `--e2e-legacy-key-usage` and `--e2e-legacy-wire` set their tolerances.
    #[test]
    fn revocation_and_legacy_flags() {
        let dir = std::env::temp_dir().join(format!("mms-e2e-args-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let pki = Pki::new_root("t", KeyKind::EcP256).unwrap();
        let (ca, _) = pki.ca().write_pem(&dir, "ca").unwrap();
        let leaf = pki
            .issue(&LeafSpec::new("c").with_key(KeyKind::EcP256))
            .unwrap();
        let (cert, key) = leaf.write_pem(&dir, "leaf").unwrap();
        let crl = dir.join("ca.crl");
        let later = std::time::SystemTime::now() + Duration::from_secs(3600);
        std::fs::write(&crl, pki.crl(&[], later).unwrap().to_pem().unwrap()).unwrap();
        let (ca, cert, key, crl) = (
            ca.to_str().unwrap(),
            cert.to_str().unwrap(),
            key.to_str().unwrap(),
            crl.to_str().unwrap(),
        );
        let ev = Arc::new(SecurityEvents::new());
        let base = ["--e2e-cert", cert, "--e2e-key", key, "--e2e-ca", ca];
        let with = |more: &[&str]| {
            let mut v = base.to_vec();
            v.extend_from_slice(more);
            parse(&v)
        };
        let c = with(&[]).config(&ev).unwrap().unwrap();
        assert!(c.revocation.is_none() && !c.legacy_key_usage && !c.legacy_wire);
        // CRL files alone: the checker reads them, nothing online.
        let c = with(&["--e2e-crl", crl, "--e2e-recheck", "60"])
            .config(&ev)
            .unwrap()
            .unwrap();
        let r = c.revocation.expect("checker");
        assert!(!r.config().use_ocsp && !r.config().use_crl_distribution_points);
        assert_eq!(r.config().recheck_period, Duration::from_secs(60));
        let c = with(&[
            "--e2e-ocsp-responder",
            "http://127.0.0.1:1/",
            "--e2e-legacy-key-usage",
            "--e2e-legacy-wire",
        ])
        .config(&ev)
        .unwrap()
        .unwrap();
        let r = c.revocation.expect("a responder implies revocation");
        assert!(r.config().use_ocsp && r.config().use_crl_distribution_points);
        assert_eq!(
            r.config().ocsp_responder.as_deref(),
            Some("http://127.0.0.1:1/")
        );
        assert!(c.legacy_key_usage && c.legacy_wire);
        for bad in [
            &["--e2e-ocsp-responder", "ldap://x"][..],
            &["--e2e-revocation", "--e2e-recheck", "0"],
            &["--e2e-recheck", "30"],
        ] {
            assert!(with(bad).config(&ev).is_err(), "{bad:?}");
        }
        assert!(with(&["--e2e-revocation"])
            .factory(ev.clone())
            .unwrap()
            .is_some());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
