//! `mms client`: one association to a server and one operation, printed as text or JSON.

use std::io::Write;
use std::path::PathBuf;

use acse::address::Address;
use mms::client::ops::JournalQuery;
use mms::client::{Client, ClientConfig, ClientError};
use mms::data::Data;
use mms::endpoint::InitiateRefusal;
use mms::server::model::format::{type_of_value, type_to_json, value_from_json, value_to_json};
use mms::server::model::parse_name;
use mms::ObjectName;
use serde_json::{json, Value};

use crate::addressing::AddressArgs;
use crate::auth_args::AuthArgs;
use crate::e2e_args::E2eArgs;

/// Options of `mms client`.
#[derive(Debug, Clone, clap::Args)]
pub struct ClientArgs {
    /// The server, HOST[:PORT] (default port 3782 with TLS, 102 without).
    #[arg(long)]
    pub connect: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Seconds allowed for each request.
    #[arg(long, default_value_t = 10)]
    pub timeout: u64,
    /// Our (calling) selectors and AE-title.
    #[command(flatten)]
    pub local: AddressArgs,
    /// IEC 62351-4 A-security-profile (ACSE certificate authentication).
    #[command(flatten)]
    pub auth: AuthArgs,
    /// IEC 62351-4 end-to-end security (native mode).
    #[command(flatten)]
    pub e2e: E2eArgs,
    /// The server's (called) selectors and AE-title: `--called-tsel` etc.
    #[arg(long, value_name = "HEX")]
    pub called_tsel: Option<String>,
    /// Called session selector, hex.
    #[arg(long, value_name = "HEX")]
    pub called_ssel: Option<String>,
    /// Called presentation selector, hex.
    #[arg(long, value_name = "HEX")]
    pub called_psel: Option<String>,
    /// Called AP-title, dotted OID.
    #[arg(long, value_name = "OID")]
    pub called_ap_title: Option<String>,
    /// Called AE-qualifier.
    #[arg(long, value_name = "N")]
    pub called_ae_qualifier: Option<i64>,
    /// T-profile (TLS) options.
    #[command(flatten)]
    pub tls: crate::tls_args::TlsArgs,
    /// Where security events go.
    #[command(flatten)]
    pub audit: crate::audit_args::AuditArgs,
    /// What to do.
    #[command(subcommand)]
    pub op: Op,
}

/// The operations of `mms client`.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Op {
    /// Identify the server (vendor, model, revision).
    Identify,
    /// List domains, or the variables and lists of DOMAIN.
    Ls {
        /// A domain.
        domain: Option<String>,
    },
    /// Read variables: DOMAIN/ITEM (ITEM may be a `$` path), or ITEM for VMD-specific.
    Read {
        /// Names.
        #[arg(required = true)]
        names: Vec<String>,
        /// Do not ask the server for the variables' types: structure components print as
        /// c0, c1, ... (one request less per variable).
        #[arg(long)]
        no_names: bool,
    },
    /// Write one variable: VALUE is JSON in the model-file form (docs/model-format.md),
    /// e.g. 3.5, true, "text", {"bits":"0101"}.
    Write {
        /// The name.
        name: String,
        /// The value.
        value: String,
    },
    /// The type of a variable (GetVariableAccessAttributes).
    Attrs {
        /// The name.
        name: String,
    },
    /// List files (FileDirectory).
    Files {
        /// A directory or file specification.
        dir: Option<String>,
    },
    /// Download a file (FileOpen / FileRead / FileClose).
    Get {
        /// The remote file name.
        file: String,
        /// Where to write it (default: its base name in the current directory).
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Read a journal: DOMAIN/NAME.
    Journal {
        /// The journal name.
        name: String,
    },
}

fn called(args: &ClientArgs) -> Result<Address, String> {
    AddressArgs {
        tsel: args.called_tsel.clone(),
        ssel: args.called_ssel.clone(),
        psel: args.called_psel.clone(),
        ap_title: args.called_ap_title.clone(),
        ae_qualifier: args.called_ae_qualifier,
    }
    .apply(Address::default_remote())
}

/// Connects as the options say.
pub fn connect(args: &ClientArgs) -> Result<Client, String> {
    let mut config = ClientConfig::default();
    args.audit.apply(&config.events)?;
    config.endpoint.association.local = args.local.apply(Address::default_local())?;
    config.endpoint.association.remote = called(args)?;
    config.request_timeout = std::time::Duration::from_secs(args.timeout);
    config.security = crate::server_cmd::security(&args.auth, &args.e2e, &config.events)?;
    config.tls = args.tls.client(&config.events)?;
    let target = crate::tls_args::with_default_port(&args.connect, args.tls.default_port()?);
    if config.tls.is_some() {
        let host = target.rsplit_once(':').map_or(target.as_str(), |(h, _)| h);
        config.tls_server_name = Some(host.trim_matches(['[', ']']).to_string());
    }
    Client::connect(target.as_str(), config)
        .map_err(|e| format!("cannot associate with {target}: {}", describe(&e)))
}

/// What went wrong, for the terminal: a refusal says who refused and why (the diagnostic the
/// server sent, or which check of ours failed, with its security event code); other errors
/// as they display.
pub(crate) fn describe(e: &ClientError) -> String {
    match e {
        ClientError::Refused(r) => match &**r {
            InitiateRefusal::Local { provider, refusal } => {
                format!(
                    "our {} refused the server: {}",
                    mechanism(provider),
                    refusal.reason()
                )
            }
            peer => peer.to_string(),
        },
        other => other.to_string(),
    }
}

/// The mechanism's name as the documentation calls it.
fn mechanism(provider: &str) -> &str {
    if provider == a_sec_profile::NAME {
        "A-security-profile"
    } else if provider == e2e_sec::provider::MECHANISM {
        "end-to-end security"
    } else if provider == "acse-password" {
        "password authentication"
    } else {
        provider
    }
}

fn name(s: &str) -> ObjectName<'static> {
    parse_name(s, None)
}

/// A value as JSON (the model-file form, typed by the value itself).
pub fn value_json(d: &Data<'_>) -> Value {
    value_to_json(&type_of_value(d), d)
}

/// `mms client`.
pub fn run(args: &ClientArgs) -> Result<(), String> {
    let client = connect(args)?;
    let result = operate(&client, args);
    let _ = client.conclude();
    let out = result?;
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else {
        print_text(&out);
    }
    Ok(())
}

fn print_text(v: &Value) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                match v {
                    Value::Array(items) => {
                        outln!("{k}:");
                        for i in items {
                            outln!("  {}", compact(i));
                        }
                    }
                    other => outln!("{k}: {}", compact(other)),
                }
            }
        }
        other => outln!("{}", compact(other)),
    }
}

fn compact(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn operate(client: &Client, args: &ClientArgs) -> Result<Value, String> {
    let e = |e: mms::client::ops::OpError| e.to_string();
    Ok(match &args.op {
        Op::Identify => {
            let i = client.identify().map_err(e)?;
            json!({"vendor": i.vendor, "model": i.model, "revision": i.revision})
        }
        Op::Ls { domain: None } => json!({"domains": client.domains().map_err(e)?}),
        Op::Ls { domain: Some(d) } => json!({
            "variables": client.variables(d).map_err(e)?,
            "lists": client.variable_lists(d).map_err(e)?,
            "journals": client.journals(d).map_err(e)?,
        }),
        Op::Read { names, no_names } => {
            let objs: Vec<ObjectName<'static>> = names.iter().map(|n| name(n)).collect();
            let results = client.read(&objs).map_err(e)?;
            // In request order; structure components in component order, named from the
            // variable's type unless --no-names (or the server will not say).
            let mut m = serde_json::Map::new();
            for ((n, obj), r) in names.iter().zip(&objs).zip(results) {
                m.insert(
                    n.clone(),
                    match r {
                        Ok(d) if !*no_names => match client.get_variable_access_attributes(obj) {
                            Ok(ty) => value_to_json(&ty, &d),
                            Err(_) => value_json(&d),
                        },
                        Ok(d) => value_json(&d),
                        Err(err) => json!({"error": err.to_string()}),
                    },
                );
            }
            Value::Object(m)
        }
        Op::Write { name: n, value } => {
            let obj = name(n);
            let ty = client.get_variable_access_attributes(&obj).map_err(e)?;
            let v: Value = serde_json::from_str(value)
                .map_err(|err| format!("value '{value}' is not JSON: {err}"))?;
            let data = value_from_json(&ty, &v, n).map_err(|err| err.to_string())?;
            client.write(&obj, data).map_err(e)?;
            json!({"written": n})
        }
        Op::Attrs { name: n } => {
            let ty = client.get_variable_access_attributes(&name(n)).map_err(e)?;
            json!({"name": n, "type": type_to_json(&ty)})
        }
        Op::Files { dir } => {
            let files = client
                .file_directory(dir.as_deref().unwrap_or(""))
                .map_err(e)?;
            json!({"files": files.iter().map(|f| json!({
                "name": f.name, "size": f.size, "modified": f.modified
            })).collect::<Vec<_>>()})
        }
        Op::Get { file, output } => {
            let path = output
                .clone()
                .unwrap_or_else(|| PathBuf::from(file.rsplit('/').next().unwrap_or("download")));
            let mut f = std::fs::File::create(&path)
                .map_err(|err| format!("cannot create {}: {err}", path.display()))?;
            let n = client
                .download(file, &mut f, |got, total| {
                    if !args.json {
                        match total {
                            Some(t) => eprint!("\r{got} / {t} octets"),
                            None => eprint!("\r{got} octets"),
                        }
                    }
                })
                .map_err(e)?;
            if !args.json {
                eprintln!();
            }
            f.flush().map_err(|err| err.to_string())?;
            json!({"file": file, "saved": path.display().to_string(), "octets": n})
        }
        Op::Journal { name: n } => {
            let entries = client
                .read_journal(&name(n), &JournalQuery::default())
                .map_err(e)?;
            json!({"entries": entries.iter().map(|en| format!("{en:?}")).collect::<Vec<_>>()})
        }
    })
}
