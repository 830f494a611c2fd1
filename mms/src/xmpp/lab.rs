//! A lab XMPP server: Debian's `prosody` run as a child process with its own configuration,
//! data and log in a scratch directory, listening for clients on a loopback port only,
//! STARTTLS required, with a certificate from a throw-away CA (`cot::pki`). `mms demo --xmpp`
//! starts one; the project's XMPP tests do too. LAB USE ONLY: nothing here is a production
//! XMPP deployment (docs/xmpp-mms.md).
//!
//! ```no_run
//! use mms::xmpp::lab::{locate_prosody, Prosody};
//! let tools = locate_prosody().expect("prosody installed");
//! let dir = std::env::temp_dir().join("lab-xmpp");
//! let server = Prosody::start(&tools, &dir, "localhost").expect("prosody");
//! server.register("a", "secret-a").expect("register");
//! ```

use std::env;
use std::fmt;
use std::fs;
use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use cot::pki::{KeyKind, LeafSpec, Pki};

/// How long [`Prosody::start`] waits for the client port to accept connections.
pub const START_TIMEOUT: Duration = Duration::from_secs(20);

/// How many free ports [`Prosody::start`] tries when another process takes the chosen one
/// between our probe and prosody's bind.
const PORT_ATTEMPTS: usize = 3;

/// The two prosody programs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProsodyTools {
    /// The server (`prosody`).
    pub prosody: PathBuf,
    /// The control tool (`prosodyctl`), used to register accounts.
    pub prosodyctl: PathBuf,
}

/// Finds prosody: env `OSI_MMS_PROSODY` and `OSI_MMS_PROSODYCTL` if set, else `prosody` and
/// `prosodyctl` on `PATH`. Checked by `prosodyctl about` (which must name Prosody); the server
/// itself has no harmless version option (`prosody --version` starts a server).
pub fn locate_prosody() -> Result<ProsodyTools, String> {
    let from_env = |var: &str, default: &str| {
        env::var_os(var)
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(default))
    };
    let tools = ProsodyTools {
        prosody: from_env("OSI_MMS_PROSODY", "prosody"),
        prosodyctl: from_env("OSI_MMS_PROSODYCTL", "prosodyctl"),
    };
    let missing = |reason: String| format!("{reason} (apt-get install prosody)");
    if !is_executable(&tools.prosody) {
        return Err(missing(format!("{} not found", tools.prosody.display())));
    }
    let out = Command::new(&tools.prosodyctl)
        .arg("about")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| missing(format!("cannot run {}: {e}", tools.prosodyctl.display())))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || !text.contains("Prosody") {
        return Err(missing(format!(
            "`{} about` said {:?}",
            tools.prosodyctl.display(),
            text.lines().next().unwrap_or("")
        )));
    }
    Ok(tools)
}

/// True if `path` (with a directory part) is a file, or (a bare name) is found on `PATH`.
fn is_executable(path: &Path) -> bool {
    if path.components().count() > 1 {
        return path.is_file();
    }
    env::var_os("PATH")
        .map(|paths| env::split_paths(&paths).any(|dir| dir.join(path).is_file()))
        .unwrap_or(false)
}

/// What went wrong with the prosody server.
#[derive(Debug)]
pub enum ProsodyError {
    /// Writing the configuration, certificates or data directory failed.
    Setup(String),
    /// The server could not be started.
    Spawn(std::io::Error),
    /// The server ended or its port did not accept connections in time.
    NotStarted {
        /// What happened.
        reason: String,
        /// The last lines of its log and output.
        log_tail: String,
    },
    /// `prosodyctl` failed.
    Ctl {
        /// The command line's arguments (the password replaced).
        command: String,
        /// Its output.
        output: String,
    },
}

impl fmt::Display for ProsodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProsodyError::Setup(e) => write!(f, "cannot prepare prosody: {e}"),
            ProsodyError::Spawn(e) => write!(f, "cannot start prosody: {e}"),
            ProsodyError::NotStarted { reason, log_tail } => {
                write!(
                    f,
                    "prosody did not start: {reason}; its log ends:\n{log_tail}"
                )
            }
            ProsodyError::Ctl { command, output } => {
                write!(f, "prosodyctl {command} failed:\n{output}")
            }
        }
    }
}

impl std::error::Error for ProsodyError {}

/// A running prosody with one virtual host, killed (and reaped) on drop.
#[derive(Debug)]
pub struct Prosody {
    child: Child,
    tools: ProsodyTools,
    dir: PathBuf,
    config: PathBuf,
    log: PathBuf,
    output: PathBuf,
    domain: String,
    port: u16,
    ca_pem: PathBuf,
}

impl Prosody {
    /// Writes a configuration for virtual host `domain` into `dir` (created if needed; e.g.
    /// a scratch directory) and starts `prosody -F --config <dir>/prosody.cfg.lua`: client
    /// connections on a free 127.0.0.1 port only, STARTTLS required, accounts in
    /// `internal_hashed` storage under `<dir>/data`, no server-to-server or HTTP ports, log in
    /// `<dir>/prosody.log`. The certificate for `domain` is issued by a fresh test CA
    /// ([`Prosody::ca_pem`]). Returns once the port accepts TCP connections (at most
    /// [`START_TIMEOUT`]); the error carries the tail of the log.
    pub fn start(tools: &ProsodyTools, dir: &Path, domain: &str) -> Result<Prosody, ProsodyError> {
        Prosody::start_with(tools, dir, domain, false)
    }

    /// Like [`Prosody::start`], configured for measurements: the log keeps warnings and errors
    /// only (not every stanza at debug level) and the capture module is not loaded, so
    /// [`Prosody::captured_stanzas`] stays empty. What the server then spends per stanza is
    /// prosody's routing, TLS and XML work, not the instrumentation.
    pub fn start_quiet(
        tools: &ProsodyTools,
        dir: &Path,
        domain: &str,
    ) -> Result<Prosody, ProsodyError> {
        Prosody::start_with(tools, dir, domain, true)
    }

    fn start_with(
        tools: &ProsodyTools,
        dir: &Path,
        domain: &str,
        quiet: bool,
    ) -> Result<Prosody, ProsodyError> {
        let setup = |what: &str, e: &dyn fmt::Display| ProsodyError::Setup(format!("{what}: {e}"));
        let data = dir.join("data");
        let certs = dir.join("certs");
        fs::create_dir_all(&data).map_err(|e| setup("data directory", &e))?;
        fs::create_dir_all(&certs).map_err(|e| setup("certificate directory", &e))?;
        let pki = Pki::new_root("osi-mms XMPP test CA", KeyKind::Rsa(2048))
            .map_err(|e| setup("test CA", &e))?;
        let ca_pem = dir.join("ca.pem");
        let ca_cert = pki.ca().cert_pem().map_err(|e| setup("CA PEM", &e))?;
        fs::write(&ca_pem, ca_cert).map_err(|e| setup("CA PEM", &e))?;
        let mut leaf = LeafSpec::new(domain);
        if !leaf.dns_names.iter().any(|n| n == domain) {
            leaf.dns_names.push(domain.to_string());
        }
        let credential = pki
            .issue(&leaf)
            .map_err(|e| setup("server certificate", &e))?;
        let (cert, key) = credential
            .write_pem(&certs, domain)
            .map_err(|e| setup("server certificate", &e))?;

        let plugins = dir.join("plugins");
        fs::create_dir_all(&plugins).map_err(|e| setup("plugin directory", &e))?;
        fs::write(plugins.join("mod_osi_mms_capture.lua"), CAPTURE_PLUGIN)
            .map_err(|e| setup("capture plugin", &e))?;
        let config = dir.join("prosody.cfg.lua");
        let log = dir.join("prosody.log");
        let output = dir.join("prosody.out");
        let mut last_error = None;
        for _ in 0..PORT_ATTEMPTS {
            let port = free_port().map_err(|e| setup("free port", &e))?;
            let text = config_text(&ConfigPaths {
                dir,
                data: &data,
                certs: &certs,
                log: &log,
                cert: &cert,
                key: &key,
                domain,
                port,
                quiet,
            });
            fs::write(&config, text).map_err(|e| setup("configuration", &e))?;
            // a fresh log per attempt, so the bind check below sees this attempt only
            let _ = fs::remove_file(&log);
            let child = spawn(tools, dir, &config, &output)?;
            let mut server = Prosody {
                child,
                tools: tools.clone(),
                dir: dir.to_path_buf(),
                config: config.clone(),
                log: log.clone(),
                output: output.clone(),
                domain: domain.to_string(),
                port,
                ca_pem: ca_pem.clone(),
            };
            match server.wait_listening(START_TIMEOUT) {
                Ok(()) => return Ok(server),
                Err(Started::PortTaken(e)) => last_error = Some(e),
                Err(Started::Failed(e)) => return Err(e),
            }
            // `server` is dropped here: the attempt's process is killed before the next
        }
        Err(last_error.unwrap_or_else(|| ProsodyError::Setup("no port attempt made".into())))
    }

    /// Stops the server and starts it again with the same configuration, port, accounts and
    /// certificate (a server restart, as clients see it: their streams end, then the port
    /// accepts again).
    pub fn restart(&mut self) -> Result<(), ProsodyError> {
        self.kill();
        let _ = fs::remove_file(&self.log);
        self.child = spawn(&self.tools, &self.dir, &self.config, &self.output)?;
        match self.wait_listening(START_TIMEOUT) {
            Ok(()) => Ok(()),
            Err(Started::PortTaken(e) | Started::Failed(e)) => Err(e),
        }
    }

    /// Waits until the client port accepts TCP, the process ends, the log reports that the
    /// port could not be opened, or `timeout` passes.
    fn wait_listening(&mut self, timeout: Duration) -> Result<(), Started> {
        let deadline = Instant::now() + timeout;
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(Started::Failed(
                    self.not_started(format!("it exited ({status})")),
                ));
            }
            let log = fs::read_to_string(&self.log).unwrap_or_default();
            if log.contains("Failed to open server port") {
                return Err(Started::PortTaken(
                    self.not_started(format!("port {} could not be opened", self.port)),
                ));
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(Started::Failed(self.not_started(format!(
                    "127.0.0.1:{} did not accept connections within {timeout:?}",
                    self.port
                ))));
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    fn not_started(&self, reason: String) -> ProsodyError {
        ProsodyError::NotStarted {
            reason,
            log_tail: self.log_tail(40),
        }
    }

    /// Every iq and message stanza prosody routed so far, one per line, as prosody itself
    /// serialised it (written by the test-only module `mod_osi_mms_capture`, see
    /// [`CAPTURE_PLUGIN`]): what an XMPP server in the middle sees of each stanza.
    pub fn captured_stanzas(&self) -> String {
        fs::read_to_string(self.dir.join("stanzas.xml")).unwrap_or_default()
    }

    /// Creates account `user@<domain>` with `password` through `prosodyctl --config <config>
    /// register` (the same data directory; works while the server runs).
    pub fn register(&self, user: &str, password: &str) -> Result<(), ProsodyError> {
        let out = Command::new(&self.tools.prosodyctl)
            .arg("--config")
            .arg(&self.config)
            .args(["register", user, &self.domain, password])
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| ProsodyError::Ctl {
                command: format!("register {user} {}", self.domain),
                output: e.to_string(),
            })?;
        if !out.status.success() {
            return Err(ProsodyError::Ctl {
                command: format!("register {user} {} ***", self.domain),
                output: format!(
                    "{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                ),
            });
        }
        Ok(())
    }

    /// The server process's id (for its CPU figures in benchmarks).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The loopback port for client connections (XMPP c2s, STARTTLS required).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The virtual host (the domain of the accounts).
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The PEM file of the CA that issued the server's certificate: what clients trust.
    pub fn ca_pem(&self) -> &Path {
        &self.ca_pem
    }

    /// The directory holding configuration, data, certificates and log.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The configuration file prosody runs with.
    pub fn config_path(&self) -> &Path {
        &self.config
    }

    /// The server's log file.
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// The last `lines` lines of the log, then of what the process wrote on stdout/stderr:
    /// for assertion messages.
    pub fn log_tail(&self, lines: usize) -> String {
        let tail = |path: &Path| {
            let mut text = String::new();
            if let Ok(mut f) = fs::File::open(path) {
                let _ = f.read_to_string(&mut text);
            }
            let count = text.lines().count();
            let kept: Vec<&str> = text.lines().skip(count.saturating_sub(lines)).collect();
            kept.join("\n")
        };
        format!(
            "--- {}\n{}\n--- prosody stdout/stderr\n{}",
            self.log.display(),
            tail(&self.log),
            tail(&self.output)
        )
    }

    /// Stops the server (SIGKILL) and reaps it; also done on drop.
    pub fn kill(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

impl Drop for Prosody {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts `prosody -F --config <config>` in `dir`, its output into `output`.
fn spawn(
    tools: &ProsodyTools,
    dir: &Path,
    config: &Path,
    output: &Path,
) -> Result<Child, ProsodyError> {
    let setup = |what: &str, e: &dyn fmt::Display| ProsodyError::Setup(format!("{what}: {e}"));
    let out_file = fs::File::create(output).map_err(|e| setup("output file", &e))?;
    let err_file = out_file.try_clone().map_err(|e| setup("output file", &e))?;
    Command::new(&tools.prosody)
        .arg("-F")
        .arg("--config")
        .arg(config)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(out_file)
        .stderr(err_file)
        .spawn()
        .map_err(ProsodyError::Spawn)
}

/// Why one start attempt did not give a listening server.
enum Started {
    /// Another process had the port: try another.
    PortTaken(ProsodyError),
    /// Anything else: give up.
    Failed(ProsodyError),
}

/// A port that was free on 127.0.0.1 a moment ago.
fn free_port() -> std::io::Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}

struct ConfigPaths<'a> {
    dir: &'a Path,
    data: &'a Path,
    certs: &'a Path,
    log: &'a Path,
    cert: &'a Path,
    key: &'a Path,
    domain: &'a str,
    port: u16,
    /// Log warnings and errors only, and leave the capture module out.
    quiet: bool,
}

/// A Lua string literal.
fn lua(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn lua_path(path: &Path) -> String {
    lua(&path.to_string_lossy())
}

/// A prosody module, loaded by every lab server, that appends each iq and
/// message stanza routed to a local JID to `osi_mms_capture_file`, serialised by prosody
/// (`tostring(stanza)`), before prosody delivers it: the demo and the end-to-end tests look
/// there for plaintext that must not cross the server. Returning nothing lets delivery go on.
pub const CAPTURE_PLUGIN: &str = r#"-- module of mms::xmpp::lab: records the stanzas prosody routes
local path = module:get_option_string("osi_mms_capture_file")
local function capture(event)
  local f = path and io.open(path, "a")
  if f then
    f:write(tostring(event.stanza), "\n")
    f:close()
  end
end
for _, name in ipairs({ "iq", "message" }) do
  for _, to in ipairs({ "full", "bare", "host" }) do
    module:hook(name .. "/" .. to, capture, 1000)
  end
end
"#;

/// The configuration file (option names of prosody 0.12).
fn config_text(p: &ConfigPaths<'_>) -> String {
    format!(
        r#"-- written by mms::xmpp::lab for one lab run
-- the tests run as root in CI; prosody refuses root unless this is set
run_as_root = true
daemonize = false
pidfile = {pidfile}
data_path = {data}
certificates = {certs}
log = {{ {{ levels = {{ min = {level} }}, to = "file", filename = {log} }} }}

interfaces = {{ "127.0.0.1" }}
local_interfaces = {{ "127.0.0.1" }}
c2s_ports = {{ {port} }}
c2s_interfaces = {{ "127.0.0.1" }}
c2s_direct_tls_ports = {{}}
legacy_ssl_ports = {{}}
s2s_ports = {{}}
s2s_interfaces = {{}}
http_ports = {{}}
https_ports = {{}}
component_ports = {{}}

c2s_require_encryption = true
s2s_require_encryption = true
allow_registration = false
authentication = "internal_hashed"
storage = "internal"
plugin_paths = {{ {plugins} }}
osi_mms_capture_file = {capture}
modules_enabled = {{ "roster"; "saslauth"; "tls"; "disco"; "ping"; "posix"{capture_module} }}
modules_disabled = {{ "s2s" }}

VirtualHost {domain}
  ssl = {{ certificate = {cert}; key = {key} }}
"#,
        pidfile = lua_path(&p.dir.join("prosody.pid")),
        plugins = lua_path(&p.dir.join("plugins")),
        capture = lua_path(&p.dir.join("stanzas.xml")),
        data = lua_path(p.data),
        certs = lua_path(p.certs),
        log = lua_path(p.log),
        port = p.port,
        level = lua(if p.quiet { "warn" } else { "debug" }),
        capture_module = if p.quiet {
            ""
        } else {
            r#"; "osi_mms_capture""#
        },
        domain = lua(p.domain),
        cert = lua_path(p.cert),
        key = lua_path(p.key),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lua_strings_are_escaped() {
        assert_eq!(lua(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(lua("x\ny"), r#""x\ny""#);
    }
}
