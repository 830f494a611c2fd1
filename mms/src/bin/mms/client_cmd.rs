//! `mms client`: one association to a server and one operation, printed as text or JSON.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use acse::address::Address;
use acse::association::Refused;
use mms::client::files::LocalFiles;
use mms::client::ops::{JournalQuery, ListAttributes};
use mms::client::{Client, ClientConfig, ClientError};
use mms::common::TimeOfDay;
use mms::data::Data;
use mms::endpoint::InitiateRefusal;
use mms::server::model::format::{type_of_value, type_to_json, value_from_json, value_to_json};
use mms::server::model::parse_name;
use mms::server::Handler;
use mms::services::journal::{EntryToStartAfter, RangeStart};
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
    /// How to reach the server: addressing, security, time-outs.
    #[command(flatten)]
    pub conn: ConnectArgs,
    /// What to do.
    #[command(subcommand)]
    pub op: Op,
}

/// How a client reaches a server (every flag of `mms client` but the target and the
/// operation; `mms browse` has them too).
#[derive(Debug, Clone, clap::Args)]
pub struct ConnectArgs {
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
    /// ACSE password authentication: send the password in FILE.
    #[command(flatten)]
    pub password: crate::password_args::PasswordArgs,
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
    /// Reach the server through XMPP (IEC 62351-4 clause 16): --connect names its full JID
    /// (name@domain/IEC); needs --xmpp-jid and the --e2e-* flags.
    #[arg(long)]
    pub xmpp: bool,
    /// Our XMPP account and server.
    #[command(flatten)]
    pub xmpp_account: crate::xmpp_args::XmppArgs,
}

/// The operations of `mms client`.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Op {
    /// Identify the server (vendor, model, revision).
    Identify,
    /// List domains, or the variables, named variable lists and journals of DOMAIN.
    Ls {
        /// A domain.
        domain: Option<String>,
        /// With the members of each named variable list (GetNamedVariableListAttributes).
        #[arg(long, short = 'l')]
        long: bool,
    },
    /// Read variables: DOMAIN/ITEM (ITEM may be a `$` path), or ITEM for VMD-specific.
    Read {
        /// Names.
        #[arg(required_unless_present = "names_from")]
        names: Vec<String>,
        /// Also the names in FILE (`-`: standard input), one a line; blank lines and lines
        /// starting with `#` are skipped. Read after the names given as arguments.
        #[arg(long, value_name = "FILE")]
        names_from: Option<PathBuf>,
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
    /// The type of a variable (GetVariableAccessAttributes), or the members of a named
    /// variable list (GetNamedVariableListAttributes) when no variable has the name.
    Attrs {
        /// The name.
        name: String,
        /// Ask for a named variable list only.
        #[arg(long)]
        list: bool,
    },
    /// Define a named variable list (DefineNamedVariableList): NAME of the variables MEMBER...
    DefineList {
        /// The list's name: DOMAIN/ITEM, ITEM (VMD-specific) or @ITEM (this association's).
        name: String,
        /// The variables, named as for `read`.
        #[arg(required = true)]
        members: Vec<String>,
    },
    /// Delete a named variable list (DeleteNamedVariableList).
    DeleteList {
        /// The list's name.
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
    /// Upload a file (ObtainFile: the server fetches LOCAL from us with FileOpen / FileRead /
    /// FileClose on this association and stores it as REMOTE). --timeout bounds the whole
    /// transfer.
    Put {
        /// The local file.
        local: PathBuf,
        /// The name on the server.
        remote: String,
    },
    /// Read a journal: DOMAIN/NAME. Asks for the entries from 1984-01-01 until now unless
    /// told otherwise (some servers refuse a request without a range).
    Journal {
        /// The journal name.
        name: String,
        /// Entries from this time (UTC): YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[.mmm][Z]
        /// (default 1984-01-01).
        #[arg(long, value_name = "TIME", conflicts_with = "after")]
        from: Option<String>,
        /// Entries until this time (UTC, as --from; default now).
        #[arg(long, value_name = "TIME")]
        to: Option<String>,
        /// The entries after this entry identifier (hex, as printed); --at gives its time.
        #[arg(long, value_name = "ENTRYID", requires = "at")]
        after: Option<String>,
        /// The time of the --after entry (UTC, as --from).
        #[arg(long, value_name = "TIME", requires = "after")]
        at: Option<String>,
        /// Send no range at all (ISO 9506-2 allows it); a server that rejects that with
        /// invalid-argument is asked again with the default range.
        #[arg(long, conflicts_with_all = ["from", "to", "after"])]
        bare: bool,
    },
}

impl ConnectArgs {
    /// The options as they are when none is given (plain, default addressing).
    pub fn defaults() -> Result<ConnectArgs, String> {
        use clap::{Args, FromArgMatches};
        let cmd = ConnectArgs::augment_args(clap::Command::new("defaults"));
        cmd.try_get_matches_from(["defaults"])
            .and_then(|m| ConnectArgs::from_arg_matches(&m))
            .map_err(|e| e.to_string())
    }
}

fn called(args: &ConnectArgs) -> Result<Address, String> {
    AddressArgs {
        tsel: args.called_tsel.clone(),
        ssel: args.called_ssel.clone(),
        psel: args.called_psel.clone(),
        ap_title: args.called_ap_title.clone(),
        ae_qualifier: args.called_ae_qualifier,
    }
    .apply(Address::default_remote())
}

/// The client configuration the options say, and the address to connect to (`connect` with the
/// TLS port when it names none and TLS is on).
pub fn client_config(connect: &str, args: &ConnectArgs) -> Result<(ClientConfig, String), String> {
    let mut config = ClientConfig::default();
    args.audit.apply(&config.events)?;
    config.endpoint.association.local = args.local.apply(Address::default_local())?;
    config.endpoint.association.remote = called(args)?;
    config.request_timeout = std::time::Duration::from_secs(args.timeout);
    config.security =
        crate::server_cmd::security(&args.auth, &args.e2e, &args.password, &config.events)?;
    config.tls = args.tls.client(&config.events)?;
    let target = crate::tls_args::with_default_port(connect, args.tls.default_port()?);
    if config.tls.is_some() {
        let host = target.rsplit_once(':').map_or(target.as_str(), |(h, _)| h);
        config.tls_server_name = Some(host.trim_matches(['[', ']']).to_string());
    }
    Ok((config, target))
}

/// Connects as the options say, answering the server's requests with `handler` (the files
/// `put` offers).
pub fn connect_serving(
    connect: &str,
    args: &ConnectArgs,
    handler: Option<Arc<dyn Handler>>,
) -> Result<Client, String> {
    if args.xmpp {
        let mut config = ClientConfig::default();
        args.audit.apply(&config.events)?;
        config.request_timeout = std::time::Duration::from_secs(args.timeout);
        let settings = args
            .xmpp_account
            .settings(&args.e2e, &config.events)?
            .ok_or("--xmpp needs --xmpp-jid (our account)")?;
        let peer = if connect.contains('/') {
            connect.to_string()
        } else {
            format!("{connect}/IEC")
        };
        if handler.is_some() {
            log::info!("the server's requests are not served over XMPP");
        }
        return Client::connect_xmpp(settings, &peer, config)
            .map_err(|e| format!("cannot associate with {peer} over XMPP: {}", describe(&e)));
    }
    let (config, target) = client_config(connect, args)?;
    Client::connect_with(target.as_str(), config, handler)
        .map_err(|e| format!("cannot associate with {target}: {}", describe(&e)))
}

/// What went wrong, for the terminal: a refusal says which layer refused and with which
/// diagnostic (the server's words), what that usually means, or which check of ours failed and
/// the security event it recorded; other errors as they display.
pub(crate) fn describe(e: &ClientError) -> String {
    match e {
        ClientError::Refused(r) => match &**r {
            InitiateRefusal::Local { provider, refusal } => {
                let mut s = format!(
                    "our {} refused the server: {}",
                    mechanism(provider),
                    refusal.reason()
                );
                if let Some(event) = refusal.event() {
                    s.push_str(&format!(
                        " (the refusal is ours: security event {event}, recorded in our \
                         security log with --security-log / --syslog)"
                    ));
                }
                s
            }
            InitiateRefusal::InitiateError(err) => {
                let mut s = format!(
                    "the server's MMS refused the initiate (ISO 9506-2 §8.2.1): error class {:?}",
                    err.error_class
                );
                if let Some(d) = &err.additional_description {
                    s.push_str(&format!(": {d}"));
                }
                s
            }
            peer @ InitiateRefusal::Peer { refused, .. } => match refusal_hint(refused) {
                Some(hint) => format!("{peer}: {hint}"),
                None => peer.to_string(),
            },
            other => other.to_string(),
        },
        other => other.to_string(),
    }
}

/// What a refusal's diagnostic usually means for the user of this program.
fn refusal_hint(refused: &Refused) -> Option<&'static str> {
    use acse::apdu::{AbortDiagnostic as A, Diagnostic, ServiceUserDiagnostic as U};
    let (failure, required, mechanism) = match refused {
        Refused::Acse {
            diagnostic: Diagnostic::ServiceUser(d),
            ..
        } => (
            *d == U::AuthenticationFailure,
            *d == U::AuthenticationRequired || *d == U::AuthenticationMechanismNameRequired,
            *d == U::AuthenticationMechanismNameNotRecognized,
        ),
        Refused::Aborted {
            diagnostic: Some(d),
            ..
        } => (
            *d == A::AuthenticationFailure,
            *d == A::AuthenticationRequired || *d == A::AuthenticationMechanismNameRequired,
            *d == A::AuthenticationMechanismNameNotRecognized,
        ),
        Refused::Transport { .. } => {
            return Some(
                "the server's transport layer turned the connection down: check --called-tsel \
                 (or the server is at its association limit)",
            )
        }
        Refused::Session { .. } => {
            return Some("the server's session layer refused (check --called-ssel)")
        }
        Refused::Presentation { .. } => {
            return Some("the server's presentation layer refused (check --called-psel)")
        }
        _ => return None,
    };
    if failure {
        Some(
            "the server did not accept our credentials (a wrong password in --password-file, \
             or a certificate it does not trust); the server recorded a security event for it",
        )
    } else if required {
        Some(
            "the server requires authentication and we sent none: give --password-file \
             (ACSE password) or --auth-cert/--auth-key (A-security-profile)",
        )
    } else if mechanism {
        Some(
            "the server does not use the authentication mechanism we sent (ACSE password \
             vs. A-security-profile certificates)",
        )
    } else {
        None
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

/// `DOMAIN/ITEM` or `/ITEM` (VMD-specific) as an object name.
pub(crate) fn name(s: &str) -> ObjectName<'static> {
    parse_name(s, None)
}

/// A value as JSON (the model-file form, typed by the value itself).
pub fn value_json(d: &Data<'_>) -> Value {
    value_to_json(&type_of_value(d), d)
}

/// `mms client`.
pub fn run(args: &ClientArgs) -> Result<(), String> {
    // `put` offers the local file to the server, a bar counting the parts it reads.
    let upload = match &args.op {
        Op::Put { local, .. } => {
            let size = std::fs::metadata(local)
                .map_err(|err| format!("{}: {err}", local.display()))?
                .len();
            let bar = crate::progress::upload(
                &local.display().to_string(),
                size,
                crate::progress::shown(args.json),
            );
            Some(Arc::new(crate::progress::CountingFiles {
                files: LocalFiles::new(),
                bar,
            }))
        }
        _ => None,
    };
    let client = connect_serving(
        &args.connect,
        &args.conn,
        upload.clone().map(|f| f as Arc<dyn Handler>),
    )?;
    let result = match (&args.op, &upload) {
        (Op::Put { local, remote }, Some(up)) => {
            let r = client
                .upload(&up.files, local, remote)
                .map(|()| json!({"uploaded": local.display().to_string(), "as": remote}))
                .map_err(|e| e.to_string());
            up.bar.finish_and_clear();
            r
        }
        _ => operate(&client, args),
    };
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
        Op::Ls { domain: None, .. } => json!({"domains": client.domains().map_err(e)?}),
        Op::Ls {
            domain: Some(d),
            long,
        } => {
            let lists = client.variable_lists(d).map_err(e)?;
            let lists = if *long {
                lists
                    .iter()
                    .map(|l| {
                        let full = ObjectName::domain(d.clone(), l.clone());
                        match (client.list_attributes(&full), args.json) {
                            (Ok(a), true) => list_json(l, &a),
                            (Ok(a), false) => json!(format!("{l}: {}", members_text(&a))),
                            (Err(err), true) => json!({"list": l, "error": err.to_string()}),
                            (Err(err), false) => json!(format!("{l}: ({err})")),
                        }
                    })
                    .collect::<Vec<_>>()
            } else {
                lists.into_iter().map(Value::String).collect()
            };
            json!({
                "variables": client.variables(d).map_err(e)?,
                "lists": lists,
                "journals": client.journals(d).map_err(e)?,
            })
        }
        Op::Read {
            names,
            names_from,
            no_names,
        } => {
            let names = all_names(names, names_from.as_deref())?;
            let objs: Vec<ObjectName<'static>> = names.iter().map(|n| name(n)).collect();
            // A bounded number of variables a request, so a long list from a file fits the
            // negotiated PDU size.
            let mut results = Vec::with_capacity(objs.len());
            let bar = crate::progress::count(
                "names",
                objs.len() as u64,
                objs.len() > READ_CHUNK && crate::progress::shown(args.json),
            );
            for chunk in objs.chunks(READ_CHUNK) {
                let r = client.read(chunk).map_err(e);
                bar.inc(chunk.len() as u64);
                results.extend(r?);
            }
            bar.finish_and_clear();
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
        Op::Attrs { name: n, list } => {
            let obj = name(n);
            let variable = if *list {
                None
            } else {
                Some(client.get_variable_access_attributes(&obj))
            };
            match variable {
                Some(Ok(ty)) => json!({"name": n, "type": type_to_json(&ty)}),
                // No such variable: perhaps a list of that name.
                Some(Err(verr)) => match client.list_attributes(&obj) {
                    Ok(a) => list_json(n, &a),
                    Err(_) => return Err(verr.to_string()),
                },
                None => list_json(n, &client.list_attributes(&obj).map_err(e)?),
            }
        }
        Op::DefineList { name: n, members } => {
            let ms: Vec<ObjectName<'static>> = members.iter().map(|m| name(m)).collect();
            client.define_list(&name(n), &ms).map_err(e)?;
            json!({"defined": n, "members": members})
        }
        Op::DeleteList { name: n } => {
            client.delete_list(&name(n)).map_err(e)?;
            json!({"deleted": n})
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
            let bar = crate::progress::download(file, crate::progress::shown(args.json));
            let n = client
                .download(file, &mut f, |got, total| {
                    crate::progress::download_step(&bar, got, total)
                })
                .map_err(e);
            bar.finish_and_clear();
            let n = n?;
            f.flush().map_err(|err| err.to_string())?;
            json!({"file": file, "saved": path.display().to_string(), "octets": n})
        }
        Op::Put { .. } => return Err("put needs the file server of run()".into()),
        Op::Journal {
            name: n,
            from,
            to,
            after,
            at,
            bare,
        } => {
            let query = journal_query(
                from.as_deref(),
                to.as_deref(),
                after.as_deref().zip(at.as_deref()),
                *bare,
            )?;
            let entries = client.read_journal(&name(n), &query).map_err(e)?;
            json!({"entries": entries.iter().map(entry_json).collect::<Vec<_>>()})
        }
    })
}

/// Variables asked for in one Read request by `read` (the rest in further requests).
const READ_CHUNK: usize = 32;

/// The names given as arguments, then those in `from` (a file, or `-` for standard input):
/// one a line, blank lines and `#` comments skipped.
fn all_names(names: &[String], from: Option<&std::path::Path>) -> Result<Vec<String>, String> {
    let mut out = names.to_vec();
    let Some(from) = from else {
        return Ok(out);
    };
    let text = if from == std::path::Path::new("-") {
        let mut t = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut t)
            .map_err(|err| format!("--names-from -: {err}"))?;
        t
    } else {
        std::fs::read_to_string(from)
            .map_err(|err| format!("--names-from {}: {err}", from.display()))?
    };
    out.extend(
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_string),
    );
    if out.is_empty() {
        return Err("no names to read".into());
    }
    Ok(out)
}

/// The ReadJournal range the options ask for (ISO 9506-2 §20.2.1): startingTime 1984-01-01
/// and endingTime now unless `--from` / `--to` / `--after` say otherwise, nothing with
/// `--bare`.
fn journal_query(
    from: Option<&str>,
    to: Option<&str>,
    after: Option<(&str, &str)>,
    bare: bool,
) -> Result<JournalQuery, String> {
    if bare {
        return Ok(JournalQuery::default());
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    let mut q = JournalQuery::everything_until(match to {
        Some(t) => parse_time(t)?,
        None => now,
    });
    if let Some(t) = from {
        q.start = Some(RangeStart::StartingTime(TimeOfDay::from_unix_millis(
            parse_time(t)?,
        )));
    }
    if let Some((id, at)) = after {
        q.start = None;
        q.after = Some(EntryToStartAfter {
            time_specification: TimeOfDay::from_unix_millis(parse_time(at)?),
            entry_specification: unhex(id)
                .ok_or_else(|| format!("--after {id}: not an even number of hex digits"))?
                .into(),
        });
    }
    Ok(q)
}

/// Milliseconds since the Unix epoch of `YYYY-MM-DD[THH:MM:SS[.mmm]][Z]` (UTC), no earlier
/// than 1984 (a TimeOfDay names nothing before).
fn parse_time(s: &str) -> Result<i64, String> {
    let bad = || format!("'{s}' is not a time: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[.mmm][Z] (UTC)");
    let digits: String = s
        .trim_end_matches('Z')
        .chars()
        .filter(|c| !matches!(c, '-' | ':' | 'T' | ' '))
        .collect();
    let digits = if digits.len() == 8 {
        format!("{digits}000000")
    } else {
        digits
    };
    let t = mms::client::files::parse_generalized_time(&format!("{digits}Z")).ok_or_else(bad)?;
    let ms = t
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| bad())?
        .as_millis();
    let ms = i64::try_from(ms).map_err(|_| bad())?;
    if ms < 441_763_200_000 {
        return Err(format!(
            "'{s}' is before 1984-01-01, the first day MMS can name"
        ));
    }
    Ok(ms)
}

/// A TimeOfDay as `YYYY-MM-DDTHH:MM:SS.mmmZ` (or the milliseconds of day for the four-octet
/// form).
fn time_text(t: TimeOfDay) -> String {
    match t.unix_millis() {
        Some(ms) => {
            let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
            let (y, mo, d) = mms::common::civil_from_days(days);
            format!(
                "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
                rem / 3_600_000,
                rem / 60_000 % 60,
                rem / 1000 % 60,
                rem % 1000
            )
        }
        None => format!("{} ms of the day", t.millis),
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 || !s.is_ascii() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A journal entry (ISO 9506-2 §20.1, JournalEntry) as docs/json.md describes it.
fn entry_json(en: &mms::services::journal::JournalEntry<'_>) -> Value {
    use mms::services::journal::EntryForm;
    let mut v = json!({
        "id": hex(&en.entry_identifier),
        "time": time_text(en.entry_content.occurrence_time),
    });
    match &en.entry_content.entry_form {
        EntryForm::Annotation(a) => v["annotation"] = json!(a),
        EntryForm::Data {
            event,
            list_of_variables,
        } => {
            if let Some(ev) = event {
                v["event"] = json!({
                    "condition": ev.event_condition_name.to_string(),
                    "state": format!("{:?}", ev.current_state).to_lowercase(),
                });
            }
            if let Some(vars) = list_of_variables {
                v["variables"] = json!(vars
                    .iter()
                    .map(|x| json!({
                        "tag": x.variable_tag,
                        "value": value_json(&x.value_specification),
                    }))
                    .collect::<Vec<_>>());
            }
        }
    }
    v
}

/// A named variable list's attributes (GetNamedVariableListAttributes-Response, ISO 9506-2
/// §14.17.2) as printed by `attrs`.
fn list_json(n: &str, a: &ListAttributes) -> Value {
    let mut v = json!({
        "list": n,
        "deletable": a.deletable,
        "members": a.members.iter().map(ToString::to_string).collect::<Vec<_>>(),
    });
    if a.other_members > 0 {
        v["other_members"] = json!(a.other_members);
    }
    v
}

/// The members of a list on one line, for `ls --long`.
fn members_text(a: &ListAttributes) -> String {
    let mut s = a
        .members
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if a.other_members > 0 {
        s.push_str(&format!(" (+{} not by name)", a.other_members));
    }
    if !a.deletable {
        s.push_str(" [not deletable]");
    }
    s
}
