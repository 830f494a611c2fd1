//! The T-profile flags (IEC 62351-3, IEC 62351-4 §6) shared by `mms server`, `mms client` and
//! `mms demo`: TLS is on when `--tls-cert` is given and off otherwise; `--no-tls` turns it off
//! explicitly (an error together with `--tls-cert`: never silently). With TLS the default port
//! is 3782 (IEC 62351-4 §6.3.2), without it 102 (RFC 1006).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use cot::revocation::{RevocationChecker, RevocationConfig};

use cot::security_event::SecurityEvents;
use cot::tls::{CipherPolicy, TlsClient, TlsConfig, TlsServer, PLAIN_PORT, SECURE_PORT};

/// TLS options.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TlsArgs {
    /// Our certificate chain, PEM (end entity first). Turns TLS on.
    #[arg(long, value_name = "PEM")]
    pub tls_cert: Option<PathBuf>,
    /// Our private key, PEM.
    #[arg(long, value_name = "PEM")]
    pub tls_key: Option<PathBuf>,
    /// A trust anchor (CA certificate), PEM; repeat for several.
    #[arg(long, value_name = "PEM")]
    pub tls_ca: Vec<PathBuf>,
    /// A CRL file (PEM or DER), re-read every hour; repeat for several.
    #[arg(long, value_name = "FILE")]
    pub tls_crl: Vec<PathBuf>,
    /// Cipher policy: native (IEC 62351-4 Table 3, default), compat (0x0036), 62351-3, or
    /// custom:<openssl list>.
    #[arg(long, value_name = "POLICY")]
    pub tls_policy: Option<String>,
    /// Write the TLS session secrets to this file (NSS key log format, for Wireshark).
    /// Debugging only: raises a security event.
    #[arg(long, value_name = "FILE")]
    pub tls_keylog: Option<PathBuf>,
    /// Plain RFC 1006 without TLS, explicitly.
    #[arg(long)]
    pub no_tls: bool,
    /// Check revocation also through the CRL distribution points and the OCSP responder the
    /// certificates name (fetched in the background, cached; OCSP stapling on), and re-check
    /// established sessions (docs/revocation.md).
    #[arg(long)]
    pub tls_revocation: bool,
    /// Ask this OCSP responder (an `http:` URL) instead of the one the certificates name;
    /// implies `--tls-revocation`.
    #[arg(long, value_name = "URL")]
    pub tls_ocsp_responder: Option<String>,
    /// Re-check the peer's certificate of an established session every SECONDS (default
    /// 900); with `--tls-revocation`.
    #[arg(long, value_name = "SECONDS")]
    pub tls_recheck: Option<u64>,
    /// Between the full renegotiations (every 12 h), resume the session with an abbreviated
    /// handshake every 2 h (IEC 62351-3 clause 5.6.3 session resumption; TLS 1.3: a key
    /// update).
    #[arg(long)]
    pub tls_periodic_resumption: bool,
}

impl TlsArgs {
    /// Whether TLS is on; an error for `--no-tls` with `--tls-cert`.
    pub fn enabled(&self) -> Result<bool, String> {
        match (self.no_tls, self.tls_cert.is_some()) {
            (true, true) => Err("--no-tls and --tls-cert contradict each other".into()),
            (_, on) => Ok(on),
        }
    }

    /// The default port: 3782 with TLS, 102 without.
    pub fn default_port(&self) -> Result<u16, String> {
        Ok(if self.enabled()? {
            SECURE_PORT
        } else {
            PLAIN_PORT
        })
    }

    /// The TLS configuration the flags give (`None` when TLS is off).
    pub fn config(&self) -> Result<Option<TlsConfig>, String> {
        if !self.enabled()? {
            return Ok(None);
        }
        let (Some(cert), Some(key)) = (&self.tls_cert, &self.tls_key) else {
            return Err("--tls-cert needs --tls-key".into());
        };
        if self.tls_ca.is_empty() {
            return Err("TLS needs at least one --tls-ca (mutual authentication)".into());
        }
        let mut c = TlsConfig::new().with_identity_files(cert, key);
        for ca in &self.tls_ca {
            c = c.with_trust_anchor_file(ca);
        }
        for crl in &self.tls_crl {
            c = c.with_crl_file(crl);
        }
        if let Some(p) = &self.tls_policy {
            c.policy = CipherPolicy::parse(p).ok_or_else(|| format!("unknown --tls-policy {p}"))?;
        }
        c.keylog_file = self.tls_keylog.clone();
        if self.tls_periodic_resumption {
            c.rekey_policy = cot::tls::RekeyPolicy::PeriodicResumption;
        }
        Ok(Some(c))
    }

    /// The shared revocation checker the flags ask for (`None` without `--tls-revocation`
    /// and `--tls-ocsp-responder`), recording into `events`.
    pub fn revocation(
        &self,
        events: &Arc<SecurityEvents>,
    ) -> Result<Option<RevocationChecker>, String> {
        if !self.tls_revocation && self.tls_ocsp_responder.is_none() {
            return Ok(None);
        }
        let mut rc = RevocationConfig::new();
        for ca in &self.tls_ca {
            let pem = std::fs::read(ca).map_err(|e| format!("{}: {e}", ca.display()))?;
            let certs = openssl::x509::X509::stack_from_pem(&pem)
                .map_err(|e| format!("{}: {e}", ca.display()))?;
            for c in certs {
                rc = rc.with_trust_anchor(c);
            }
        }
        if let Some(url) = &self.tls_ocsp_responder {
            if !url.starts_with("http:") {
                return Err(format!(
                    "--tls-ocsp-responder {url}: an http: URL is needed"
                ));
            }
            rc = rc.with_ocsp_responder(url.clone());
        }
        if let Some(secs) = self.tls_recheck {
            if secs == 0 {
                return Err("--tls-recheck must be at least 1 second".into());
            }
            let first = rc.first_recheck.min(Duration::from_secs(secs));
            rc = rc.with_recheck(first, Duration::from_secs(secs));
        }
        RevocationChecker::new(rc, events.clone())
            .map(Some)
            .map_err(|e| format!("revocation: {e}"))
    }

    /// The configuration with the revocation checker, if TLS is on.
    fn config_with_revocation(
        &self,
        events: &Arc<SecurityEvents>,
    ) -> Result<Option<TlsConfig>, String> {
        let Some(c) = self.config()? else {
            return Ok(None);
        };
        Ok(Some(match self.revocation(events)? {
            Some(checker) => c.with_revocation(checker),
            None => c,
        }))
    }

    /// The server context, if TLS is on.
    pub fn server(&self, events: &Arc<SecurityEvents>) -> Result<Option<Arc<TlsServer>>, String> {
        match self.config_with_revocation(events)? {
            None => Ok(None),
            Some(c) => TlsServer::new(&c, events.clone())
                .map(|s| Some(Arc::new(s)))
                .map_err(|e| format!("TLS: {e}")),
        }
    }

    /// The client context, if TLS is on.
    pub fn client(&self, events: &Arc<SecurityEvents>) -> Result<Option<Arc<TlsClient>>, String> {
        match self.config_with_revocation(events)? {
            None => Ok(None),
            Some(c) => TlsClient::new(&c, events.clone())
                .map(|s| Some(Arc::new(s)))
                .map_err(|e| format!("TLS: {e}")),
        }
    }
}

/// `HOST` or `HOST:PORT` with the default port added when missing.
pub fn with_default_port(target: &str, port: u16) -> String {
    if target.parse::<std::net::SocketAddr>().is_ok() {
        return target.to_string();
    }
    // `host:port` (not an IPv6 literal without brackets).
    match target.rsplit_once(':') {
        Some((host, p)) if !host.contains(':') && p.parse::<u16>().is_ok() => target.to_string(),
        _ if target.starts_with('[') || !target.contains(':') => format!("{target}:{port}"),
        _ => format!("[{target}]:{port}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switches_and_ports() {
        let mut a = TlsArgs::default();
        assert_eq!(a.default_port(), Ok(102));
        assert!(a.config().expect("off").is_none());
        a.tls_cert = Some("c.pem".into());
        assert_eq!(a.default_port(), Ok(3782));
        assert!(a.config().is_err(), "key and CA missing");
        a.no_tls = true;
        assert!(a.enabled().is_err());
        assert_eq!(with_default_port("example.org", 3782), "example.org:3782");
        assert_eq!(with_default_port("127.0.0.1:102", 3782), "127.0.0.1:102");
        assert_eq!(with_default_port("::1", 102), "[::1]:102");
        let mut b = TlsArgs {
            tls_cert: Some("c.pem".into()),
            tls_key: Some("k.pem".into()),
            tls_ca: vec!["ca.pem".into()],
            ..TlsArgs::default()
        };
        let policy = |b: &TlsArgs| b.config().expect("ok").expect("on").rekey_policy;
        assert_eq!(policy(&b), cot::tls::RekeyPolicy::FullRenegotiation);
        b.tls_periodic_resumption = true;
        assert_eq!(policy(&b), cot::tls::RekeyPolicy::PeriodicResumption);
    }

    #[test]
    fn revocation_flags() {
        let events = Arc::new(SecurityEvents::new());
        let mut a = TlsArgs::default();
        assert!(a.revocation(&events).expect("off").is_none());
        let dir = std::env::temp_dir().join(format!("mms-tls-args-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let pki = cot::pki::Pki::new_root("flags CA", cot::pki::KeyKind::EcP256).expect("ca");
        let ca = dir.join("ca.pem");
        std::fs::write(&ca, pki.ca().cert_pem().expect("pem")).expect("write");
        a.tls_ca = vec![ca];
        a.tls_ocsp_responder = Some("ldap://x".into());
        assert!(a.revocation(&events).is_err(), "http: only");
        a.tls_ocsp_responder = Some("http://127.0.0.1:1/".into());
        a.tls_recheck = Some(0);
        assert!(a.revocation(&events).is_err());
        a.tls_recheck = Some(30);
        let c = a.revocation(&events).expect("ok").expect("checker");
        assert_eq!(
            c.config().ocsp_responder.as_deref(),
            Some("http://127.0.0.1:1/")
        );
        assert_eq!(c.config().recheck_period, Duration::from_secs(30));
        assert_eq!(c.config().trust_anchors.len(), 1);
        let _ = std::fs::remove_dir_all(dir);
    }
}
