//! `mms demo`: a server with the demo model on a loopback port and a client in the same
//! process; prints identify, a browse of the model, reads, a write, a report and a file listing,
//! and exits 0 when every step worked. With `--secure` the association is authenticated with
//! the IEC 62351-4 A-security-profile, with `--e2e` protected end to end (native mode); each
//! generates its own demo certificates. With `--tls` the demo runs over the T-profile (TLS
//! under RFC 1006, IEC 62351-3 / IEC 62351-4 §6) with a generated CA, server and client
//! certificates; it combines with `--secure` and `--e2e`.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use mms::client::{Client, ClientConfig};
use mms::data::{Data, FloatingPoint};
use mms::server::model::demo;
use mms::server::{Server, ServerConfig};
use mms::{ObjectName, UnconfirmedService};

use acse::address::Address;

use crate::auth_args;
use crate::client_cmd::value_json;
use crate::e2e_args::{self, E2eArgs, E2eEncrypt, E2eIcv};
use crate::server_cmd::data_set_report;
use crate::tls_args::TlsArgs;

/// Options of `mms demo`.
#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// Secure ICCP / compatibility mode: TLS (as `--tls`) plus the IEC 62351-4
    /// A-security-profile (ACSE certificate authentication, both directions), each with its own
    /// generated certificates (IEC 62351-4 Annex G.2).
    #[arg(long, conflicts_with = "e2e")]
    pub secure: bool,
    /// Protect the association end to end (IEC 62351-4 native mode) with generated
    /// certificates, in the mode `--e2e-encrypt` / `--e2e-icv` select.
    #[arg(long)]
    pub e2e: bool,
    /// E2E data-transfer encryption.
    #[arg(long = "e2e-encrypt", value_enum, default_value = "aes128-gcm")]
    pub e2e_encrypt: E2eEncrypt,
    /// E2E ICV algorithm when the mode has a separate ICV.
    #[arg(long = "e2e-icv", value_enum, default_value = "hmac-sha256")]
    pub e2e_icv: E2eIcv,
    /// Run the demo over TLS (IEC 62351-3 / IEC 62351-4 T-profile) with a certificate
    /// authority, server and client certificates generated in a temporary directory.
    #[arg(long)]
    pub tls: bool,
    /// Run the demo in the XMPP environment (IEC 62351-4 clause 16, IEC 61850-8-2): a lab
    /// prosody is started (it must be installed), server and client log in to it and the
    /// association runs end to end protected through it (--e2e-encrypt / --e2e-icv).
    #[arg(long, conflicts_with_all = ["secure", "tls", "e2e"])]
    pub xmpp: bool,
}

/// Generates a demo PKI under `dir` and returns the server's and the client's TLS flags.
pub(crate) fn demo_pki(dir: &std::path::Path) -> Result<(TlsArgs, TlsArgs), String> {
    use cot::pki::{KeyKind, LeafSpec, Pki};
    let pki = step("CA", Pki::new_root("osi-mms demo TLS CA", KeyKind::EcP256))?;
    let ca = dir.join("ca.pem");
    step(
        "CA file",
        std::fs::write(&ca, step("CA PEM", pki.ca().cert_pem())?),
    )?;
    let mut out = Vec::new();
    for name in ["server", "client"] {
        let cred = step(
            name,
            pki.issue(&LeafSpec::new(&format!("osi-mms demo {name}")).with_key(KeyKind::EcP256)),
        )?;
        let (cert, key) = step("PEM files", cred.write_pem(dir, name))?;
        out.push(TlsArgs {
            tls_cert: Some(cert),
            tls_key: Some(key),
            tls_ca: vec![ca.clone()],
            ..TlsArgs::default()
        });
    }
    let client = out.pop().ok_or("client")?;
    let server = out.pop().ok_or("server")?;
    Ok((server, client))
}

fn step<T>(what: &str, r: Result<T, impl std::fmt::Display>) -> Result<T, String> {
    r.map_err(|e| format!("{what}: {e}"))
}

/// `mms demo`.
pub fn run(args: &DemoArgs) -> Result<(), String> {
    let files = std::env::temp_dir().join(format!("osi-mms-demo-{}", std::process::id()));
    step("files", std::fs::create_dir_all(&files))?;
    let model = Arc::new(step("demo model", demo::model(Some(&files)))?);
    demo::tick(&model, SystemTime::now());
    let started = if args.xmpp {
        crate::demo_xmpp::start(args, &files, &model)?
    } else {
        start_osi(args, &files, &model)?
    };
    let Started {
        server,
        client,
        server_events,
        client_events,
        tls,
        lab,
    } = started;
    if let Some(peer) = client.authenticated_peer() {
        outln!(
            "client: server authenticated by {}: {}",
            peer.mechanism,
            peer.subject
        );
    }
    if let Some(a) = server.handle().associations().first() {
        if let Some(peer) = &a.authenticated_peer {
            outln!(
                "server: client authenticated by {}: {}",
                peer.mechanism,
                peer.subject
            );
        }
    }
    let n = client.negotiated();
    outln!(
        "client: associated; PDU size {}, {} requests outstanding, nesting level {}",
        n.max_pdu_size,
        n.max_serv_outstanding_calling,
        n.nesting_level
    );
    let reports = client.unconfirmed().ok_or("report channel")?;

    let id = step("identify", client.identify())?;
    outln!("\nidentify: {} {} {}", id.vendor, id.model, id.revision);

    outln!("\nbrowse:");
    let vmd_vars = step(
        "VMD variables",
        client.get_name_list(
            mms::services::vmd::ObjectClass::Basic(
                mms::services::vmd::BasicObjectClass::NamedVariable,
            ),
            mms::services::vmd::ObjectScope::VmdSpecific,
        ),
    )?;
    outln!("  VMD-specific variables: {}", vmd_vars.join(", "));
    for d in step("browse", client.browse())? {
        let names = step("variables", client.variables(&d.name))?;
        outln!(
            "  domain {}: {} named variables ({} with components)",
            d.name,
            d.variables.len(),
            names.len()
        );
        for (v, ty) in &d.variables {
            let comps = names
                .iter()
                .filter(|n| n.starts_with(&format!("{v}$")))
                .count();
            let fcs = match ty {
                mms::TypeDescription::Structure { components, .. } => components
                    .iter()
                    .filter_map(|c| c.component_name.as_deref().map(str::to_string))
                    .collect::<Vec<_>>()
                    .join(" "),
                _ => String::new(),
            };
            outln!("    {v}: {comps} components; functional constraints {fcs}");
        }
        outln!("    data sets: {}", d.lists.join(", "));
    }

    outln!("\nread:");
    let names = [
        "GGIO1$MX$AnIn1$mag$f",
        "GGIO1$MX$AnIn2$mag$f",
        "GGIO1$ST$Ind1$stVal",
        "GGIO1$ST$Ind1$q",
        "GGIO1$ST$Ind1$t",
        "LLN0$ST$Mod$stVal",
    ];
    let objs: Vec<ObjectName<'static>> = names
        .iter()
        .map(|n| ObjectName::domain(demo::DOMAIN.to_string(), n.to_string()))
        .collect();
    for (n, r) in names.iter().zip(step("read", client.read(&objs))?) {
        match r {
            Ok(d) => outln!("  {}/{n} = {}", demo::DOMAIN, value_json(&d)),
            Err(e) => return Err(format!("read {n}: {e}")),
        }
    }
    let tase2 = step(
        "read TASE2_Version",
        client.read_one(&ObjectName::vmd("TASE2_Version")),
    )?;
    outln!("  TASE2_Version = {}", value_json(&tase2));

    outln!("\nwrite:");
    let set_point = ObjectName::domain(
        demo::DOMAIN.to_string(),
        "GGIO1$SP$AnSet1$setMag$f".to_string(),
    );
    step(
        "write",
        client.write(
            &set_point,
            Data::FloatingPoint(FloatingPoint::from_f32(42.5)),
        ),
    )?;
    let back = step("read back", client.read_one(&set_point))?;
    outln!(
        "  {}/GGIO1$SP$AnSet1$setMag$f := 42.5, read back {}",
        demo::DOMAIN,
        value_json(&back)
    );
    if back != Data::FloatingPoint(FloatingPoint::from_f32(42.5)) {
        return Err("the written set point did not read back".into());
    }

    outln!("\nreport:");
    let report = data_set_report(&model).ok_or("report")?;
    let sent = server.handle().send_unconfirmed(None, &report);
    let got = step("report", reports.recv_timeout(Duration::from_secs(5)))?;
    match step("decode report", got.service())? {
        UnconfirmedService::InformationReport(r) => {
            outln!(
                "  informationReport of {:?} to {sent} association(s), {} values",
                r.list_name().map(|n| n.item().to_string()),
                r.list_of_access_result.len()
            );
        }
        other => return Err(format!("unexpected unconfirmed PDU {other:?}")),
    }

    outln!("\nfiles:");
    for f in step("file directory", client.file_directory(""))? {
        outln!(
            "  {:<24} {:>8} octets  {}",
            f.name,
            f.size,
            f.modified.unwrap_or_default()
        );
    }

    step("conclude", client.conclude())?;
    outln!(
        "\nconcluded and released; server statistics: {:?}",
        server.handle().stats()
    );
    step("stop", server.stop())?;
    if let Some(lab) = &lab {
        crate::demo_xmpp::report(lab)?;
    }
    for (side, events) in [("server", &server_events), ("client", &client_events)] {
        let snapshot = events.snapshot();
        if !snapshot.is_empty() {
            let list: Vec<String> = snapshot
                .iter()
                .map(|e| format!("{} x{} ({})", e.code, e.count, e.severity))
                .collect();
            outln!("{side} security events: {}", list.join(", "));
        }
    }
    let _ = std::fs::remove_dir_all(&files);
    if tls {
        // Only the configuration notice (no CRL in the demo) is expected.
        let unexpected = [&server_events, &client_events].iter().any(|e| {
            e.snapshot()
                .iter()
                .any(|c| c.code.starts_with("tls.") && c.code != cot::tls::events::REVOCATION_OFF)
        });
        if unexpected {
            return Err("unexpected TLS security events".into());
        }
    }
    Ok(())
}

/// What the demo runs its steps on.
pub(crate) struct Started {
    pub server: mms::server::RunningServer,
    pub client: Client,
    pub server_events: Arc<cot::security_event::SecurityEvents>,
    pub client_events: Arc<cot::security_event::SecurityEvents>,
    pub tls: bool,
    /// The lab XMPP server the demo runs through (`--xmpp`).
    pub lab: Option<crate::demo_xmpp::Lab>,
}

/// The server and client over RFC 1006 (with TLS, the A-profile or E2E as the flags say).
fn start_osi(
    args: &DemoArgs,
    files: &std::path::Path,
    model: &Arc<mms::server::model::Model>,
) -> Result<Started, String> {
    let mut config =
        ServerConfig::default().with_listen(vec![std::net::SocketAddr::from(([127, 0, 0, 1], 0))]);
    // The server answers as the AE-title the client calls (and its certificate names).
    config.endpoint.association.local = Address::default_remote();
    config.endpoint.association.remote = Address::default_local();
    let mut client_config = ClientConfig::default();
    if args.secure {
        let (client, server) =
            auth_args::demo_factories(client_config.events.clone(), config.events.clone())?;
        client_config.security = Some(client);
        config.security = Some(server);
    } else if args.e2e {
        let mode = E2eArgs::mode_of(args.e2e_encrypt, args.e2e_icv);
        let (client, server) =
            e2e_args::demo_factories(mode, client_config.events.clone(), config.events.clone())?;
        client_config.security = Some(client);
        config.security = Some(server);
    }
    let tls = args.tls || args.secure;
    if tls {
        let dir = files.join("tls-pki");
        step("PKI directory", std::fs::create_dir_all(&dir))?;
        let (s, c) = demo_pki(&dir)?;
        outln!(
            "TLS: demo CA, server and client certificates in {}",
            dir.display()
        );
        config.tls = s.server(&config.events)?;
        config.tls_listen = std::mem::take(&mut config.listen);
        client_config.tls = c.client(&client_config.events)?;
        client_config.tls_server_name = Some("localhost".into());
    }
    let server_events = config.events.clone();
    let client_events = client_config.events.clone();
    let server = step(
        "server",
        Server::bind(config, model.clone()).and_then(Server::spawn),
    )?;
    let addr = server.local_addr();
    outln!(
        "server: demo model (IED DEMO, logical device LD0 = domain {}) on {addr}",
        demo::DOMAIN
    );

    let client = step("associate", Client::connect(addr, client_config))?;
    if let Some(t) = client.tls_info() {
        outln!(
            "client: TLS {} with {} (mutual certificate authentication, RFC 1006 inside TLS)",
            t.version.map(|v| v.to_string()).unwrap_or_default(),
            t.cipher.as_deref().unwrap_or("?")
        );
    }
    Ok(Started {
        server,
        client,
        server_events,
        client_events,
        tls,
        lab: None,
    })
}
