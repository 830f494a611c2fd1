//! Command-line options of the IEC 62351-4 A-security-profile (certificate-based MMS
//! authentication in ACSE, clause 11) for `mms server`, `mms client` and `mms demo --secure`.
//! The A-profile certificate is separate from the TLS one (IEC 62351-4 Annex G.2): both can be
//! given at once.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use a_sec_profile::{
    AProfileConfig, AProfileFactory, Credentials, Dialect, FailureResponse, TimeFormat,
};
use acse::security::{SecurityEvents, SecurityFactory};
use cot::revocation::{RevocationChecker, RevocationConfig};

/// IEC 62351-4 A-security-profile options (clause 11; `docs/a-profile.md`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AuthArgs {
    /// A-profile: our end-entity certificate (PEM; further certificates in the file are its
    /// chain). Enables the A-profile; needs --auth-key and --auth-ca.
    #[arg(long = "auth-cert", value_name = "PEM")]
    pub auth_cert: Option<PathBuf>,
    /// A-profile: the private key of --auth-cert (PEM).
    #[arg(long = "auth-key", value_name = "PEM")]
    pub auth_key: Option<PathBuf>,
    /// A-profile: a trust anchor file (PEM, one or more CA certificates); repeatable.
    #[arg(long = "auth-ca", value_name = "PEM")]
    pub auth_ca: Vec<PathBuf>,
    /// A-profile: a CRL (PEM or DER) checked for the peer's certificate path; repeatable.
    #[arg(long = "auth-crl", value_name = "FILE")]
    pub auth_crl: Vec<PathBuf>,
    /// A-profile wire form we send: `iec2018` (third presentation context, EXTERNAL with
    /// indirect reference) or `legacy-sisco` (two contexts, EXTERNAL without references).
    /// A server always mirrors the client's form.
    #[arg(long = "auth-dialect", value_name = "DIALECT", default_value = "iec2018",
          value_parser = parse_dialect)]
    pub auth_dialect: Dialect,
    /// A-profile: how far the peer's signed time may be from ours, either way (also the
    /// replay memory), in seconds.
    #[arg(
        long = "auth-window-secs",
        value_name = "SECONDS",
        default_value_t = 600
    )]
    pub auth_window_secs: u64,
    /// A-profile: the time format we sign: `strict` (YYYYMMDDHHMMSSZ), `strict-millis`
    /// (YYYYMMDDHHMMSS.fffZ) or `tsp-compat` (YYYYMMDDHHMMSS.).
    #[arg(long = "auth-time-format", value_name = "FORMAT", default_value = "strict",
          value_parser = parse_time_format)]
    pub auth_time_format: TimeFormat,
    /// A-profile: do not require the peer certificate's objectIdentifier (2.5.4.106) to equal
    /// its AP-title with the AE-qualifier appended.
    #[arg(long = "auth-no-binding")]
    pub auth_no_binding: bool,
    /// A-profile server: also admit clients that do not authenticate (bad credentials are
    /// still refused).
    #[arg(long = "auth-optional")]
    pub auth_optional: bool,
    /// A-profile: accept (and sign with) ECDSA P-256 keys.
    #[arg(long = "auth-ecdsa")]
    pub auth_ecdsa: bool,
    /// A-profile: accept SHA-1 signatures from legacy 2007 peers (a warning event each time).
    #[arg(long = "auth-legacy-sha1")]
    pub auth_legacy_sha1: bool,
    /// A-profile server: answer a failed credential check with an AARE reject
    /// (authentication-failure) instead of the ABRT clause 11 prescribes.
    #[arg(long = "auth-reject")]
    pub auth_reject: bool,
    /// A-profile: check the peer's certificate path for revocation also through the CRL
    /// distribution points and the OCSP responder the certificates name (fetched in the
    /// background, cached), and re-check an established association (docs/revocation.md), as
    /// `--tls-revocation` does for TLS.
    #[arg(long = "auth-revocation")]
    pub auth_revocation: bool,
    /// A-profile: ask this OCSP responder (an `http:` URL) instead of the one the
    /// certificates name; implies `--auth-revocation`.
    #[arg(long = "auth-ocsp-responder", value_name = "URL")]
    pub auth_ocsp_responder: Option<String>,
    /// A-profile: re-check the authenticated peer's certificate every SECONDS (default 900);
    /// with `--auth-revocation`.
    #[arg(long = "auth-recheck", value_name = "SECONDS")]
    pub auth_recheck: Option<u64>,
    /// A-profile: accept a peer certificate without the keyUsage extension (legacy peers; a
    /// warning event each time). IEC 62351-4 Annex G.5.2 asks for it.
    #[arg(long = "auth-legacy-key-usage")]
    pub auth_legacy_key_usage: bool,
}

/// The revocation flags of one application-layer mechanism (`--auth-*`, `--e2e-*`), read
/// the way `--tls-revocation`, `--tls-ocsp-responder` and `--tls-recheck` are
/// (docs/revocation.md).
pub struct RevocationFlags<'a> {
    /// The flag prefix, for messages (`auth`, `e2e`).
    pub prefix: &'static str,
    /// `--PREFIX-revocation`: CRL distribution points and OCSP from the certificates.
    pub revocation: bool,
    /// `--PREFIX-ocsp-responder`.
    pub ocsp_responder: Option<&'a str>,
    /// `--PREFIX-recheck` in seconds.
    pub recheck: Option<u64>,
    /// CRL files the checker reads (and re-reads on its period).
    pub crl_files: &'a [PathBuf],
    /// The trust anchor files (PEM).
    pub anchors: &'a [PathBuf],
}

impl RevocationFlags<'_> {
    /// The shared revocation checker the flags ask for (`None` when neither revocation, a
    /// responder nor a CRL file for the checker is given), recording into `events`. With CRL
    /// files only, the checker uses them alone (no distribution points, no OCSP).
    pub fn checker(
        &self,
        events: &Arc<SecurityEvents>,
    ) -> Result<Option<RevocationChecker>, String> {
        let p = self.prefix;
        let online = self.revocation || self.ocsp_responder.is_some();
        if !online && self.crl_files.is_empty() {
            if self.recheck.is_some() {
                return Err(format!("--{p}-recheck needs --{p}-revocation"));
            }
            return Ok(None);
        }
        let mut rc = RevocationConfig::new();
        for ca in self.anchors {
            let pem = std::fs::read(ca).map_err(|e| format!("{}: {e}", ca.display()))?;
            let certs = openssl::x509::X509::stack_from_pem(&pem)
                .map_err(|e| format!("{}: {e}", ca.display()))?;
            for c in certs {
                rc = rc.with_trust_anchor(c);
            }
        }
        for crl in self.crl_files {
            rc = rc.with_crl_file(crl);
        }
        if !online {
            rc.use_ocsp = false;
            rc.use_crl_distribution_points = false;
        }
        if let Some(url) = self.ocsp_responder {
            if !url.starts_with("http:") {
                return Err(format!(
                    "--{p}-ocsp-responder {url}: an http: URL is needed"
                ));
            }
            rc = rc.with_ocsp_responder(url.to_owned());
        }
        if let Some(secs) = self.recheck {
            if secs == 0 {
                return Err(format!("--{p}-recheck must be at least 1 second"));
            }
            let first = rc.first_recheck.min(Duration::from_secs(secs));
            rc = rc.with_recheck(first, Duration::from_secs(secs));
        }
        RevocationChecker::new(rc, events.clone())
            .map(Some)
            .map_err(|e| format!("--{p}-revocation: {e}"))
    }
}

fn parse_dialect(s: &str) -> Result<Dialect, String> {
    s.parse()
}

fn parse_time_format(s: &str) -> Result<TimeFormat, String> {
    s.parse()
}

impl AuthArgs {
    /// True when any A-profile option that enables it was given.
    pub fn enabled(&self) -> bool {
        self.auth_cert.is_some() || self.auth_key.is_some() || !self.auth_ca.is_empty()
    }

    /// The A-profile configuration these options describe (`None`: A-profile not enabled).
    pub fn config(&self, events: Arc<SecurityEvents>) -> Result<Option<AProfileConfig>, String> {
        if !self.enabled() {
            return Ok(None);
        }
        let mut c = AProfileConfig::new(events);
        match (&self.auth_cert, &self.auth_key) {
            (Some(cert), Some(key)) => {
                c.credentials = Some(
                    Credentials::from_pem_files(cert, key)
                        .map_err(|e| format!("--auth-cert/--auth-key: {e}"))?,
                );
            }
            (None, None) => {}
            _ => return Err("--auth-cert and --auth-key go together".into()),
        }
        if self.auth_ca.is_empty() {
            return Err("the A-profile needs at least one --auth-ca".into());
        }
        for ca in &self.auth_ca {
            c.trust
                .add_anchors_pem_file(ca)
                .map_err(|e| format!("--auth-ca: {e}"))?;
        }
        for crl in &self.auth_crl {
            c.trust
                .add_crl_file(crl)
                .map_err(|e| format!("--auth-crl: {e}"))?;
        }
        c.dialect = self.auth_dialect;
        c.window = Duration::from_secs(self.auth_window_secs);
        c.time_format = self.auth_time_format;
        c.require_ap_title_binding = !self.auth_no_binding;
        c.require_authentication = !self.auth_optional;
        c.allow_ecdsa = self.auth_ecdsa;
        c.legacy_sha1_peers = self.auth_legacy_sha1;
        if self.auth_reject {
            c.failure_response = FailureResponse::Reject;
        }
        c.legacy_key_usage = self.auth_legacy_key_usage;
        c.trust.revocation = RevocationFlags {
            prefix: "auth",
            revocation: self.auth_revocation,
            ocsp_responder: self.auth_ocsp_responder.as_deref(),
            recheck: self.auth_recheck,
            // The --auth-crl files stay the trust store's own CRLs (checked as before).
            crl_files: &[],
            anchors: &self.auth_ca,
        }
        .checker(&c.events)?;
        Ok(Some(c))
    }

    /// The security factory for `ServerConfig.security` / `ClientConfig.security` (`None`:
    /// A-profile not enabled). A client needs --auth-cert/--auth-key.
    pub fn factory(
        &self,
        events: Arc<SecurityEvents>,
    ) -> Result<Option<Arc<dyn SecurityFactory>>, String> {
        let Some(c) = self.config(events)? else {
            return Ok(None);
        };
        let f = AProfileFactory::new(c).map_err(|e| format!("A-profile: {e}"))?;
        Ok(Some(Arc::new(f)))
    }
}

/// (client factory, server factory) of [`demo_factories`].
pub type DemoFactories = (Arc<dyn SecurityFactory>, Arc<dyn SecurityFactory>);

/// For `mms demo --secure`: a fresh demo PKI (cot::pki, generated now, nothing written to
/// disk) and A-profile factories for the demo client (AE-title 1.1.1.999 + 12) and server
/// (1.1.1.999.1 + 12, the client's default called AE-title). The server's association must
/// use `Address::default_remote()` as its local address so that its responding AP-title
/// matches its certificate. Returns (client factory, server factory).
pub fn demo_factories(
    client_events: Arc<SecurityEvents>,
    server_events: Arc<SecurityEvents>,
) -> Result<DemoFactories, String> {
    use cot::pki::{KeyKind, LeafSpec, Pki};
    fn e(what: &str) -> impl Fn(cot::pki::PkiError) -> String + '_ {
        move |err| format!("demo PKI ({what}): {err}")
    }
    let pki = Pki::new_root("osi-mms demo A-profile CA", KeyKind::Rsa(2048)).map_err(e("root"))?;
    let make = |cn: &str, oid: &str, events: Arc<SecurityEvents>| {
        let cred = pki
            .issue(&LeafSpec::new(cn).with_object_identifier(oid))
            .map_err(e(cn))?;
        let creds = Credentials::new(cred.certificate, cred.key, cred.chain)
            .map_err(|err| format!("demo credential: {err}"))?;
        let c = AProfileConfig::new(events)
            .with_credentials(creds)
            .with_anchor(pki.ca().certificate.clone());
        AProfileFactory::new(c)
            .map(|f| Arc::new(f) as Arc<dyn SecurityFactory>)
            .map_err(|err| format!("A-profile: {err}"))
    };
    let client = make("mms demo client", "1.1.1.999.12", client_events)?;
    let server = make("mms demo server", "1.1.1.999.1.12", server_events)?;
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
        auth: AuthArgs,
    }

    fn parse(args: &[&str]) -> Result<AuthArgs, clap::Error> {
        T::try_parse_from(std::iter::once("t").chain(args.iter().copied())).map(|t| t.auth)
    }

    #[test]
    fn options_to_factory() {
        let dir = std::env::temp_dir().join(format!("mms-auth-args-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let pki = Pki::new_root("t", KeyKind::Rsa(2048)).unwrap();
        let (ca, _) = pki.ca().write_pem(&dir, "ca").unwrap();
        let leaf = pki
            .issue(&LeafSpec::new("c").with_object_identifier("1.1.1.999.12"))
            .unwrap();
        let (cert, key) = leaf.write_pem(&dir, "leaf").unwrap();
        let crl = dir.join("crl.pem");
        std::fs::write(
            &crl,
            pki.crl(&[], std::time::SystemTime::now() + Duration::from_secs(60))
                .unwrap()
                .to_pem()
                .unwrap(),
        )
        .unwrap();
        let (cert, key, ca, crl) = (
            cert.to_str().unwrap(),
            key.to_str().unwrap(),
            ca.to_str().unwrap(),
            crl.to_str().unwrap(),
        );
        let ev = Arc::new(SecurityEvents::new());
        // Nothing given: no A-profile.
        assert!(parse(&[]).unwrap().factory(ev.clone()).unwrap().is_none());
        let a = parse(&[
            "--auth-cert",
            cert,
            "--auth-key",
            key,
            "--auth-ca",
            ca,
            "--auth-crl",
            crl,
            "--auth-dialect",
            "legacy-sisco",
            "--auth-window-secs",
            "120",
            "--auth-time-format",
            "tsp-compat",
            "--auth-reject",
        ])
        .unwrap();
        let c = a.config(ev.clone()).unwrap().unwrap();
        assert_eq!(c.dialect, Dialect::LegacySisco);
        assert_eq!(c.window, Duration::from_secs(120));
        assert_eq!(c.time_format, TimeFormat::TspCompat);
        assert_eq!(c.failure_response, FailureResponse::Reject);
        assert_eq!((c.trust.anchors.len(), c.trust.crls.len()), (1, 1));
        assert!(c.require_ap_title_binding && c.require_authentication);
        assert_eq!(
            a.factory(ev.clone()).unwrap().unwrap().name(),
            a_sec_profile::NAME
        );
        // A server may run without its own credential; nobody without a trust anchor.
        assert!(parse(&["--auth-ca", ca])
            .unwrap()
            .factory(ev.clone())
            .unwrap()
            .is_some());
        assert!(parse(&["--auth-cert", cert, "--auth-key", key])
            .unwrap()
            .factory(ev.clone())
            .is_err());
        assert!(parse(&["--auth-cert", cert, "--auth-ca", ca])
            .unwrap()
            .factory(ev.clone())
            .is_err());
        // The key of another certificate.
        let (_, ca_key) = pki.ca().write_pem(&dir, "ca2").unwrap();
        assert!(parse(&[
            "--auth-cert",
            cert,
            "--auth-key",
            ca_key.to_str().unwrap(),
            "--auth-ca",
            ca
        ])
        .unwrap()
        .factory(ev.clone())
        .is_err());
        assert!(parse(&["--auth-dialect", "x"]).is_err());
        assert!(parse(&["--auth-time-format", "x"]).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn demo_factories_authenticate_each_other() {
        let (c, s) = demo_factories(
            Arc::new(SecurityEvents::new()),
            Arc::new(SecurityEvents::new()),
        )
        .unwrap();
        assert_eq!(
            (c.name(), s.name()),
            (a_sec_profile::NAME, a_sec_profile::NAME)
        );
    }
}

#[cfg(test)]
mod revocation_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use clap::Parser;
    use cot::pki::{KeyKind, LeafSpec, Pki};

    #[derive(Debug, Parser)]
    struct T {
        #[command(flatten)]
        auth: AuthArgs,
    }

    fn parse(args: &[&str]) -> AuthArgs {
        T::try_parse_from(std::iter::once("t").chain(args.iter().copied()))
            .unwrap()
            .auth
    }

    /// `--auth-revocation`, `--auth-ocsp-responder`, `--auth-recheck` give the A-profile the
    /// shared revocation checker as the `--tls-*` flags give TLS; `--auth-legacy-key-usage`
    /// sets the Annex G.5.2 tolerance.
    #[test]
    fn revocation_and_key_usage_flags() {
        let dir = std::env::temp_dir().join(format!("mms-auth-rev-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let pki = Pki::new_root("t", KeyKind::EcP256).unwrap();
        let (ca, _) = pki.ca().write_pem(&dir, "ca").unwrap();
        let leaf = pki
            .issue(&LeafSpec::new("c").with_key(KeyKind::EcP256))
            .unwrap();
        let (cert, key) = leaf.write_pem(&dir, "leaf").unwrap();
        let (ca, cert, key) = (
            ca.to_str().unwrap(),
            cert.to_str().unwrap(),
            key.to_str().unwrap(),
        );
        let ev = Arc::new(SecurityEvents::new());
        let base = ["--auth-cert", cert, "--auth-key", key, "--auth-ca", ca];
        let with = |more: &[&str]| {
            let mut v = base.to_vec();
            v.extend_from_slice(more);
            parse(&v)
        };
        let c = with(&[]).config(ev.clone()).unwrap().unwrap();
        assert!(c.trust.revocation.is_none() && !c.legacy_key_usage);
        let c = with(&["--auth-revocation", "--auth-legacy-key-usage"])
            .config(ev.clone())
            .unwrap()
            .unwrap();
        let r = c.trust.revocation.expect("checker");
        assert!(r.config().use_ocsp && r.config().use_crl_distribution_points);
        assert!(c.legacy_key_usage);
        let c = with(&[
            "--auth-ocsp-responder",
            "http://127.0.0.1:1/",
            "--auth-recheck",
            "30",
        ])
        .config(ev.clone())
        .unwrap()
        .unwrap();
        let r = c.trust.revocation.expect("a responder implies revocation");
        assert_eq!(
            r.config().ocsp_responder.as_deref(),
            Some("http://127.0.0.1:1/")
        );
        assert_eq!(r.config().recheck_period, Duration::from_secs(30));
        for bad in [
            &["--auth-ocsp-responder", "ldap://x"][..],
            &["--auth-revocation", "--auth-recheck", "0"],
            &["--auth-recheck", "30"],
        ] {
            assert!(with(bad).config(ev.clone()).is_err(), "{bad:?}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
