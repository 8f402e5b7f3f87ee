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
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
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
