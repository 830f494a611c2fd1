//! `mms server`: serves an object model (the demo model, or a JSON model file) until stopped.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use acse::address::Address;
use mms::server::model::files::ObtainLimits;
use mms::server::model::{demo, Model};
use mms::server::{Server, ServerConfig};

use crate::addressing::AddressArgs;
use crate::auth_args::AuthArgs;
use crate::e2e_args::E2eArgs;
use crate::password_args::PasswordArgs;
use crate::tls_args::TlsArgs;

/// Options of `mms server`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServerArgs {
    /// Where to listen (default 0.0.0.0:3782 with TLS, IEC 62351-4 clause 6.3.2; 0.0.0.0:102
    /// without, RFC 1006).
    #[arg(long)]
    pub listen: Vec<SocketAddr>,
    /// A JSON model file (docs/model-format.md); without it, the demo model.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Directory for the demo model's files (default: a fresh directory under the system
    /// temporary directory).
    #[arg(long)]
    pub files: Option<PathBuf>,
    /// Event-loop threads.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Most associations at once; more are refused with a COTP DR.
    #[arg(long, default_value_t = 1000)]
    pub max_associations: usize,
    /// Largest MMS PDU accepted and sent, in octets (initiate localDetail).
    #[arg(long, default_value_t = 65000)]
    pub max_pdu_size: i32,
    /// Requests a client may have outstanding at most.
    #[arg(long, default_value_t = 10)]
    pub max_outstanding: i16,
    /// Abort associations from which nothing arrived for this many seconds (0: never).
    #[arg(long, default_value_t = 600)]
    pub idle_timeout: u64,
    /// Abort associations whose started TPKT packet is not complete after this many seconds
    /// (0: never).
    #[arg(long, default_value_t = 30)]
    pub frame_timeout: u64,
    /// Refuse calls whose called TSEL/SSEL/PSEL differ from ours.
    #[arg(long)]
    pub check_selectors: bool,
    /// The per-peer security policy (IEC 62351-4 clause 5.1), a JSON file (docs/peer-policy.md):
    /// which partners may associate and which transport and application security each must
    /// use. Without it every partner is admitted under the server's own settings.
    #[arg(long, value_name = "FILE")]
    pub peer_policy: Option<std::path::PathBuf>,
    /// With the demo model: send the data set as an informationReport every N seconds.
    #[arg(long)]
    pub report_period: Option<u64>,
    /// Largest file a client may upload (obtainFile, `mms client put`), in octets.
    #[arg(long, value_name = "OCTETS", default_value_t = 16 * 1024 * 1024)]
    pub max_upload: u64,
    /// Seconds an upload (obtainFile) may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub upload_timeout: u64,
    /// Our selectors and AE-title.
    #[command(flatten)]
    pub address: AddressArgs,
    /// IEC 62351-4 A-security-profile (ACSE certificate authentication).
    #[command(flatten)]
    pub auth: AuthArgs,
    /// IEC 62351-4 end-to-end security (native mode).
    #[command(flatten)]
    pub e2e: E2eArgs,
    /// ACSE password authentication: clients must send the password in FILE.
    #[command(flatten)]
    pub password: PasswordArgs,
    /// The XMPP environment (IEC 62351-4 clause 16): serve through an XMPP server too.
    #[command(flatten)]
    pub xmpp: crate::xmpp_args::XmppArgs,
    /// T-profile (TLS, IEC 62351-3 / IEC 62351-4 §6).
    #[command(flatten)]
    pub tls: TlsArgs,
    /// Where security events go.
    #[command(flatten)]
    pub audit: crate::audit_args::AuditArgs,
}

/// The model the options name.
pub fn load_model(args: &ServerArgs) -> Result<(Arc<Model>, bool), String> {
    match &args.model {
        Some(path) => Model::from_json_file(path)
            .map(|m| (Arc::new(m), false))
            .map_err(|e| format!("model {}: {e}", path.display())),
        None => {
            let dir = match &args.files {
                Some(d) => d.clone(),
                None => std::env::temp_dir().join(format!("osi-mms-demo-{}", std::process::id())),
            };
            std::fs::create_dir_all(&dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            demo::model(Some(&dir))
                .map(|m| (Arc::new(m), true))
                .map_err(|e| format!("demo model: {e}"))
        }
    }
}

/// The server configuration the options give.
pub fn config(args: &ServerArgs) -> Result<ServerConfig, String> {
    let events = Arc::new(cot::security_event::SecurityEvents::new());
    args.audit.apply(&events)?;
    let xmpp = args.xmpp.settings(&args.e2e, &events)?;
    let listen = if !args.listen.is_empty() {
        args.listen.clone()
    } else if xmpp.is_some() {
        // Reached through XMPP only, unless --listen asks for RFC 1006 too.
        Vec::new()
    } else {
        vec![SocketAddr::from(([0, 0, 0, 0], args.tls.default_port()?))]
    };
    let tls = args.tls.server(&events)?;
    let (listen, tls_listen) = if tls.is_some() {
        (Vec::new(), listen)
    } else {
        (listen, Vec::new())
    };
    let mut config = ServerConfig::default()
        .with_listen(listen)
        .with_tls_listen(tls_listen)
        .with_tls_server(tls)
        .with_events(events)
        .with_threads(args.threads)
        .with_max_associations(args.max_associations)
        .with_idle_timeout(seconds(args.idle_timeout))
        .with_frame_timeout(seconds(args.frame_timeout));
    config.endpoint.association.local = args.address.apply(Address::default_remote())?;
    config.security = security(&args.auth, &args.e2e, &args.password, &config.events)?;
    if let Some(path) = &args.peer_policy {
        let offered = crate::policy_file::Offered {
            plain: !config.listen.is_empty(),
            tls: !config.tls_listen.is_empty(),
            a_profile: args.auth.enabled(),
            e2e: args.e2e.cert.is_some(),
        };
        config.peer_policy = Some(Arc::new(crate::policy_file::load(path, offered)?));
    }
    config.xmpp = xmpp;
    config.endpoint.association.check_selectors = args.check_selectors;
    config.endpoint.initiate.local_detail_calling = Some(args.max_pdu_size);
    config
        .endpoint
        .initiate
        .proposed_max_serv_outstanding_calling = args.max_outstanding;
    config
        .endpoint
        .initiate
        .proposed_max_serv_outstanding_called = args.max_outstanding;
    Ok(config)
}

/// The association-security factory the flags select: the A-security-profile (`--auth-cert`),
/// end-to-end security (`--e2e-cert`) or ACSE password authentication (`--password-file`), at
/// most one (IEC 62351-4 Table 1: native mode replaces the A-profile; each of them is the
/// association's ACSE authentication), or none.
pub fn security(
    auth: &AuthArgs,
    e2e: &E2eArgs,
    password: &PasswordArgs,
    events: &Arc<acse::security::SecurityEvents>,
) -> Result<Option<Arc<dyn acse::security::SecurityFactory>>, String> {
    let a = auth.factory(events.clone())?;
    let e = e2e.factory(events.clone())?;
    let p = password.factory()?;
    match (a, e, p) {
        (Some(_), Some(_), _) => Err(
            "--auth-* (A-security-profile) and --e2e-* (end-to-end security) exclude each other"
                .into(),
        ),
        (Some(_), _, Some(_)) | (_, Some(_), Some(_)) => Err(
            "--password-file excludes --auth-* and --e2e-* (one ACSE authentication mechanism)"
                .into(),
        ),
        (a, e, p) => Ok(a.or(e).or(p)),
    }
}

/// The demo data set as an informationReport (IEC 61850-8-1 style, named by the list).
pub fn data_set_report(model: &Model) -> Option<mms::UnconfirmedService<'static>> {
    let list = mms::ObjectName::domain(demo::DOMAIN.to_string(), demo::DATA_SET.to_string());
    let members = [
        "GGIO1$ST$Ind1",
        "GGIO1$ST$Ind2",
        "GGIO1$MX$AnIn1",
        "GGIO1$MX$AnIn2",
    ];
    let values: Vec<mms::AccessResult<'static>> = members
        .iter()
        .map(|m| match model.get(demo::DOMAIN, m) {
            Some(d) => mms::AccessResult::Success(d),
            None => mms::AccessResult::Failure(mms::DataAccessError::ObjectNonExistent),
        })
        .collect();
    Some(mms::UnconfirmedService::InformationReport(
        mms::services::variables::InformationReport {
            variable_access_specification: mms::VariableAccessSpecification::VariableListName(list),
            list_of_access_result: values,
        },
    ))
}

/// `mms server`.
pub fn run(args: &ServerArgs) -> Result<(), String> {
    let (model, is_demo) = load_model(args)?;
    let server = Server::bind(config(args)?, model.clone())
        .map_err(|e| format!("cannot listen on {:?}: {e}", args.listen))?;
    let handle = server.handle();
    // obtainFile (`mms client put`): the model fetches the file from the client through the
    // server, on the client's association.
    model.set_obtain_limits(ObtainLimits::new(
        args.max_upload,
        Duration::from_secs(args.upload_timeout),
    ));
    model.attach(handle.clone());
    for a in handle.local_addrs() {
        outln!("listening on {a}");
    }
    if let Some(jid) = &args.xmpp.jid {
        outln!("serving MMS over XMPP as {jid}/IEC");
    }
    if is_demo {
        let model = model.clone();
        let handle = handle.clone();
        let period = args.report_period;
        std::thread::spawn(move || {
            let mut n = 0u64;
            loop {
                demo::tick(&model, SystemTime::now());
                if let Some(p) = period.filter(|p| *p > 0) {
                    if n % p == 0 {
                        if let Some(r) = data_set_report(&model) {
                            handle.send_unconfirmed(None, &r);
                        }
                    }
                }
                n += 1;
                std::thread::sleep(Duration::from_secs(1));
            }
        });
    }
    server.run().map_err(|e| e.to_string())
}

/// A time-out given in seconds on the command line; 0 turns it off.
fn seconds(n: u64) -> Option<Duration> {
    (n > 0).then(|| Duration::from_secs(n))
}
