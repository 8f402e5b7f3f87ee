//! `pgkit`: the command line for Innopay and Smartro PAY integrators and operators.
//!
//! Exit codes: 0 success, 1 refused by the gateway, 2 invalid input, 3 transport failure or
//! outcome unknown. Every command takes `--json`.

mod decode_cmd;
mod demo;
mod flags;
mod innopay_cmd;
mod notify_cmd;
mod report;
mod sandbox_cmd;
mod smartro_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::report::{Failure, finish};

/// mimalloc instead of the system allocator: under load the receiver allocates per request (the
/// body, its masked copies, the stored row, hyper's buffers) from several threads, and glibc's
/// malloc and free had been a tenth of its CPU time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Hashes, decoding, payments, cancels and a notification receiver for Innopay and Smartro PAY.
#[derive(Debug, Parser)]
#[command(name = "pgkit", version, about, long_about = None)]
struct Cli {
    /// Print one JSON object: {"exit": N, "result": ...} or {"exit": N, "error": ...}.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Smartro PAY: hashes, cipher, payment form, approval, cancel, member deletion.
    #[command(subcommand)]
    Smartro(smartro_cmd::SmartroCommand),
    /// Innopay: Web-Link, SMS payment, cancel.
    #[command(subcommand)]
    Innopay(innopay_cmd::InnopayCommand),
    /// Decode a raw body from stdin and print it typed, as JSON.
    Decode(decode_cmd::DecodeArgs),
    /// The notification receiver and its store.
    #[command(subcommand)]
    Notify(notify_cmd::NotifyCommand),
    /// A local simulator of both gateways (state, buyer pages, notifications, virtual clock).
    Sandbox(sandbox_cmd::SandboxArgs),
    /// Both gateways end to end against the simulator, step by step (no setup, loopback only).
    Demo(demo::DemoArgs),
}

/// Log lines on stderr: the level from `PGKIT_LOG` (or `RUST_LOG`; e.g. `debug`,
/// `pg_notify=debug`), else `default`; JSON lines when `PGKIT_LOG_FORMAT=json`.
fn logging(default: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("PGKIT_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    if std::env::var("PGKIT_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        builder.json().init();
    } else {
        builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init();
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                _ => 2,
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let json = cli.json;
    logging(match &cli.command {
        Command::Notify(_) | Command::Sandbox(_) => "info",
        Command::Demo(_) => "error",
        _ => "warn",
    });
    let worker_threads = match &cli.command {
        Command::Notify(notify) => match notify.worker_threads() {
            Ok(threads) => threads,
            Err(failure) => return finish(Err(failure), json),
        },
        _ => None,
    };
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    runtime.enable_all();
    if let Some(threads) = worker_threads {
        runtime.worker_threads(threads);
    }
    let runtime = match runtime.build() {
        Ok(rt) => rt,
        Err(e) => {
            return finish(
                Err(Failure::transport(format!("cannot start the runtime: {e}"))),
                json,
            );
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Smartro(c) => smartro_cmd::run(c).await.map_err(Failure::naming_flags),
            Command::Innopay(c) => innopay_cmd::run(c).await.map_err(Failure::naming_flags),
            Command::Decode(a) => decode_cmd::run(a),
            Command::Notify(c) => notify_cmd::run(c, json).await,
            Command::Sandbox(a) => sandbox_cmd::run(a, json).await,
            Command::Demo(a) => demo::run(a, json).await,
        }
    });
    finish(result, json)
}
