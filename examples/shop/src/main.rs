//! `pgkit-shop`: the example shop, on its own.
//!
//! ```sh
//! pgkit-shop --sandbox http://127.0.0.1:8787            # against `pgkit sandbox`
//! pgkit-shop --config pgkit.toml --public-url https://shop.example.kr   # the live gateways
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use pgkit_example_shop::{Gateways, Settings, start};

/// An example shop on pgkit: Innopay SMS payment and Web-Link, the Smartro PAY window, orders
/// and cancels, notifications through pg-notify.
#[derive(Debug, Parser)]
#[command(name = "pgkit-shop", version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8789")]
    listen: SocketAddr,
    /// Rehearse against the simulator at this base URL (its test merchants; notifications are
    /// pointed at this shop).
    #[arg(long)]
    sandbox: Option<String>,
    /// The gateways' settings, as `pgkit` reads them (default: $PGKIT_CONFIG or ./pgkit.toml,
    /// then the environment). Ignored with --sandbox.
    #[arg(long)]
    config: Option<PathBuf>,
    /// The SQLite file for orders and notification events.
    #[arg(long, default_value = "shop.db")]
    db: PathBuf,
    /// The URL at which browsers and the gateways reach this shop (default: http:// and
    /// --listen).
    #[arg(long)]
    public_url: Option<String>,
    /// Base of the Innopay help and terms pages linked from the SMS request page.
    #[arg(long, default_value = "https://api.innopay.co.kr")]
    innopay_pages: String,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("pgkit-shop: cannot start the runtime: {e}");
            return ExitCode::from(3);
        }
    };
    runtime.block_on(run(args))
}

async fn run(args: Args) -> ExitCode {
    // Caught from the start: a signal while starting stops the shop cleanly.
    let stop = pg_cli::StopSignal::install();
    if let Some(url) = &args.sandbox {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            eprintln!(
                "pgkit-shop: --sandbox must be the simulator's base URL, e.g. http://127.0.0.1:8787"
            );
            return ExitCode::from(2);
        }
    }
    let settings = Settings {
        db: args.db,
        public_url: args.public_url,
        gateways: match args.sandbox {
            Some(url) => Gateways::Sandbox(url.trim_end_matches('/').to_owned()),
            None => Gateways::Configured(args.config),
        },
        innopay_pages: args.innopay_pages,
    };
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("pgkit-shop: cannot listen on {}: {e}", args.listen);
            return ExitCode::from(3);
        }
    };
    let shop = match start(settings, listener).await {
        Ok(shop) => shop,
        Err(e) => {
            eprintln!("pgkit-shop: {e}");
            return ExitCode::from(2);
        }
    };
    println!("pgkit-shop: listening on {}", shop.url);
    stop.wait().await;
    eprintln!("pgkit-shop: shutting down");
    shop.stop().await;
    ExitCode::SUCCESS
}
