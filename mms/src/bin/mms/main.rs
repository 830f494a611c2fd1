//! `mms`: the osi-mms command-line program (ISO 9506 MMS over the OSI upper layers): a demo, a
//! server, a client, a decoder, a load generator and ICCP / TASE.2.
#![forbid(unsafe_code)]

/// `println!` through [`out::Stdout`]: a closed pipe ends the program quietly.
macro_rules! outln {
    () => {
        $crate::out::line(format_args!(""))
    };
    ($($t:tt)*) => {
        $crate::out::line(format_args!($($t)*))
    };
}

mod out;

mod addressing;
mod audit_args;
mod auth_args;
mod bench;
mod bench_compare;
mod bench_scale;
mod bench_tase2;
mod browse;
mod cert_cmd;
mod client_cmd;
mod decode_cmd;
mod demo;
mod demo_xmpp;
mod e2e_args;
mod gen_cmd;
mod password_args;
mod policy_file;
mod progress;
mod server_cmd;
mod tase2_cmd;
mod tls_args;
mod xmpp_args;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// MMS (ISO 9506) over RFC 1006 / ISO 8073 / ISO 8327 / ISO 8823 / ACSE.
#[derive(Debug, Parser)]
#[command(name = "mms", version)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Server and client in one process on loopback: identify, browse, read, write, report, files.
    Demo(demo::DemoArgs),
    /// One association to a server and one operation.
    Client(client_cmd::ClientArgs),
    /// A terminal user interface over one association: identity, object tree, live values,
    /// writes, reports, files (keys: ? for help).
    Browse(browse::BrowseArgs),
    /// Serve the demo model (or a JSON model file) until stopped.
    Server(server_cmd::ServerArgs),
    /// Print every layer of each PDU in hex text or a pcap/pcapng capture.
    Decode(decode_cmd::DecodeArgs),
    /// Load generator: N associations x M reads against a server; prints reads/s, latency, CPU
    /// (`bench tase2`: TASE.2 report throughput).
    Bench(bench::BenchArgs),
    /// ICCP / TASE.2: `server --config FILE`, `client --connect HOST ... OP`, `demo`.
    Tase2(tase2_cmd::Tase2Args),
    /// The tamper-evident security log: `verify FILE`.
    SecurityLog(audit_args::SecurityLogArgs),
    /// LAB USE ONLY, never for production: a throw-away demo CA and leaf certificates for
    /// given AE-titles (TLS, A-security-profile, end-to-end security).
    Cert(cert_cmd::CertArgs),
    /// A shell completion script (bash, zsh, fish, elvish, powershell) on standard output.
    Completions(gen_cmd::CompletionsArgs),
    /// The manual page (roff) of mms or of a subcommand, or every page into --dir.
    Man(gen_cmd::ManArgs),
    /// The server `mms bench` starts: answers a read of `v<k>` with k.
    #[command(hide = true)]
    BenchServer(bench::BenchServerArgs),
    /// One row's client side for `mms bench compare`.
    #[command(hide = true)]
    BenchWorker(bench_compare::WorkerArgs),
    /// The TCP echo server of `mms bench compare`'s ping-pong rows.
    #[command(hide = true)]
    BenchPingpongServer,
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let cli = Cli::parse();
    let result = match &cli.command {
        Cmd::Demo(args) => demo::run(args),
        Cmd::Client(args) => client_cmd::run(args),
        Cmd::Browse(args) => browse::run(args),
        Cmd::Server(args) => server_cmd::run(args),
        Cmd::Decode(args) => decode_cmd::run(args),
        Cmd::Bench(args) => bench::run(args),
        Cmd::Tase2(args) => tase2_cmd::run(args),
        Cmd::SecurityLog(args) => audit_args::run(args),
        Cmd::Cert(args) => cert_cmd::run(args),
        Cmd::Completions(args) => gen_cmd::completions(args),
        Cmd::Man(args) => gen_cmd::man(args),
        Cmd::BenchServer(args) => bench::bench_server(args),
        Cmd::BenchWorker(args) => bench_compare::worker(args),
        Cmd::BenchPingpongServer => bench_compare::pingpong_server(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mms: {e}");
            ExitCode::FAILURE
        }
    }
}
