//! `--xmpp-*` flags of the `mms` program: the XMPP environment (IEC 62351-4 clause 16,
//! IEC 61850-8-2): our account on an XMPP server, how to reach it, and the end-to-end security
//! every association there runs.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Arc;

use acse::security::SecurityEvents;
use clap::Args;
use cot::tls::TlsConfig;
use cot::xmpp::{Jid, XmppConfig};
use e2e_sec::E2eFactory;
use mms::xmpp::XmppSettings;

use crate::e2e_args::E2eArgs;

/// The XMPP client port (RFC 6120 §14.7).
pub const XMPP_PORT: u16 = 5222;

/// Our XMPP account and server.
#[derive(Debug, Clone, Args)]
pub struct XmppArgs {
    /// Our XMPP account, a bare JID (user@domain); the resource is always IEC (IEC 61850-8-2).
    /// Enables the XMPP environment.
    #[arg(id = "xmpp_jid", long = "xmpp-jid", value_name = "JID")]
    pub jid: Option<String>,
    /// The XMPP server, HOST[:PORT] (default: the JID's domain, port 5222).
    #[arg(id = "xmpp_server", long = "xmpp-server", value_name = "HOST:PORT")]
    pub server: Option<String>,
    /// A file holding the account's password (SCRAM or PLAIN over TLS); its first line is used.
    #[arg(
        id = "xmpp_password_file",
        long = "xmpp-password-file",
        value_name = "FILE"
    )]
    pub password_file: Option<PathBuf>,
    /// PEM trust anchor(s) for the XMPP server's TLS certificate (repeatable); required.
    #[arg(id = "xmpp_ca", long = "xmpp-ca", value_name = "PEM")]
    pub ca: Vec<PathBuf>,
    /// PEM client certificate for SASL EXTERNAL (where the server offers it).
    #[arg(id = "xmpp_cert", long = "xmpp-cert", value_name = "PEM")]
    pub cert: Option<PathBuf>,
    /// PEM private key of `--xmpp-cert`.
    #[arg(id = "xmpp_key", long = "xmpp-key", value_name = "PEM")]
    pub key: Option<PathBuf>,
}

impl XmppArgs {
    /// The settings the flags describe, with end-to-end security from `e2e` (mandatory here);
    /// `None` without `--xmpp-jid`.
    pub fn settings(
        &self,
        e2e: &E2eArgs,
        events: &Arc<SecurityEvents>,
    ) -> Result<Option<XmppSettings>, String> {
        let Some(jid) = &self.jid else {
            return Ok(None);
        };
        let jid = Jid::parse(jid).map_err(|e| format!("--xmpp-jid {jid}: {e}"))?;
        if !jid.is_bare() {
            return Err(format!(
                "--xmpp-jid {jid}: give the bare JID (user@domain); the resource is always IEC"
            ));
        }
        let target = self
            .server
            .clone()
            .unwrap_or_else(|| jid.domain().to_string());
        let target = if target
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        {
            target
        } else {
            format!("{target}:{XMPP_PORT}")
        };
        let server: SocketAddr = target
            .to_socket_addrs()
            .map_err(|e| format!("--xmpp-server {target}: {e}"))?
            .next()
            .ok_or_else(|| format!("--xmpp-server {target}: resolves to nothing"))?;
        if self.ca.is_empty() {
            return Err("the XMPP environment needs --xmpp-ca (the XMPP server's CA)".into());
        }
        let mut tls = TlsConfig::new();
        for ca in &self.ca {
            tls = tls.with_trust_anchor_file(ca.clone());
        }
        match (&self.cert, &self.key) {
            (Some(c), Some(k)) => tls = tls.with_identity_files(c.clone(), k.clone()),
            (None, None) => {}
            _ => return Err("--xmpp-cert and --xmpp-key go together".into()),
        }
        let password = match &self.password_file {
            Some(p) => {
                let text =
                    std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
                Some(text.lines().next().unwrap_or_default().to_string())
            }
            None => None,
        };
        if password.is_none() && self.cert.is_none() {
            return Err("the XMPP account needs --xmpp-password-file or --xmpp-cert".into());
        }
        let mut stream = XmppConfig::new(jid, password.unwrap_or_default(), tls);
        if self.password_file.is_none() {
            stream.password = None;
        }
        let config = e2e.config(events)?.ok_or(
            "the XMPP environment runs end-to-end security: give --e2e-cert, --e2e-key and \
             --e2e-ca (the E2E certificate's subject carries our JID, 2.5.4.105)",
        )?;
        let factory = E2eFactory::new(config, events.clone())?;
        Ok(Some(XmppSettings::new(server, stream, Arc::new(factory))))
    }
}
