//! `pgkit notify serve | export`.

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};
use pg_notify::{
    EventRecord, GatewayEndpoint, HttpConfig, IpAllowlist, Pipeline, RawLog, SmartroDecoder, Store,
    StoreConfig, StoreOnly,
};
use serde_json::json;

use crate::report::{Failure, Report};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Format {
    Jsonl,
    Csv,
}

#[derive(Debug, Subcommand)]
pub(crate) enum NotifyCommand {
    /// Run a receiver: POST /innopay/notify (answers 0000) and POST /smartro/notify (answers OK),
    /// acknowledging only what is stored. Stops cleanly on SIGTERM or SIGINT.
    Serve(Box<ServeArgs>),
    /// Print every stored event, one per line.
    Export {
        /// sqlite://PATH or postgres://...
        #[arg(long)]
        db: String,
        /// jsonl (default) or csv.
        #[arg(long, value_enum, default_value = "jsonl")]
        format: Format,
    },
}

/// `pgkit notify serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on, e.g. 0.0.0.0:8080.
    #[arg(long)]
    listen: SocketAddr,
    /// sqlite://PATH or postgres://...
    #[arg(long)]
    db: String,
    /// Directory of the daily raw logs.
    #[arg(long)]
    log_dir: Option<PathBuf>,
    /// Accept Innopay notifications only from these networks (repeatable; CIDR or address).
    /// Default: from anywhere.
    #[arg(long = "innopay-allow", value_name = "CIDR")]
    innopay_allow: Vec<String>,
    /// Accept Smartro re-notifications only from these networks (repeatable; CIDR, address, or
    /// `smartro` for Smartro's live re-notification servers). Default: from anywhere.
    #[arg(long = "smartro-allow", value_name = "CIDR")]
    smartro_allow: Vec<String>,
    /// Refuse Smartro re-notifications without a SignValue (those with a wrong one are always
    /// refused). Needs the merchant key in PGKIT_MERCHANT_KEY.
    #[arg(long)]
    require_signature: bool,
    /// A reverse proxy in front of the receiver (repeatable; CIDR or address): for requests
    /// from it, the client is the address it appended to X-Forwarded-For. Without one the
    /// header is ignored.
    #[arg(long = "trusted-proxy", value_name = "CIDR")]
    trusted_proxy: Vec<String>,
    /// Seconds a connection may go without a complete request (slow or idle clients lose their
    /// slot).
    #[arg(long, default_value_t = 10)]
    header_timeout_secs: u64,
    /// Connections open at once; at the limit the longest-idle one makes room, and when every
    /// one is answering a request a newcomer gets 503.
    #[arg(long, default_value_t = 512)]
    max_connections: usize,
    /// Seconds a shutdown waits for requests in flight.
    #[arg(long, default_value_t = 10)]
    shutdown_timeout_secs: u64,
    /// PostgreSQL connections committing batches (default 2; SQLite always has one). Several
    /// receivers on one database share its commits: give each fewer, so that batches stay
    /// large (see the README's scaling section).
    #[arg(long, value_name = "N")]
    writers: Option<usize>,
    /// Threads answering requests (default: one per core). Several receivers on one machine
    /// each take their share of its cores.
    #[arg(long, value_name = "N")]
    worker_threads: Option<usize>,
}

impl NotifyCommand {
    /// The threads the runtime should answer requests with, when the command says: checked
    /// before the runtime is built.
    pub(crate) fn worker_threads(&self) -> Result<Option<usize>, Failure> {
        match self {
            NotifyCommand::Serve(args) => match args.worker_threads {
                Some(0) => Err(Failure::field("--worker-threads", "must be at least 1")),
                threads => Ok(threads),
            },
            NotifyCommand::Export { .. } => Ok(None),
        }
    }
}

/// Opens the store at `db`; `create` says whether a missing one is created (the receiver) or
/// refused (the export); `writers`: its writer connections, when given.
async fn open(db: &str, create: bool, writers: Option<usize>) -> Result<Store, Failure> {
    let config = StoreConfig {
        create,
        writers,
        ..StoreConfig::default()
    };
    // Refused before any store opens, whichever database: the flag's rule is the store's.
    config
        .postgres_writers()
        .map_err(|rule| Failure::field("--writers", rule))?;
    let opened = Store::open(db, config).await;
    if !create {
        // The URL is not echoed: a PostgreSQL URL may hold a password.
        return opened.map_err(|e| {
            Failure::field("--db", format!("must name an existing event store ({e})"))
        });
    }
    opened.map_err(|e| {
        if db.starts_with("sqlite://") || db.starts_with("postgres") {
            Failure::transport(e)
        } else {
            Failure::field("db", e)
        }
    })
}

pub(crate) async fn run(command: NotifyCommand, json_output: bool) -> Result<Report, Failure> {
    match command {
        NotifyCommand::Serve(args) => serve(*args, json_output).await,
        NotifyCommand::Export { db, format } => export(&db, format, json_output).await,
    }
}

fn allowlist(flag: &str, entries: &[String]) -> Result<Option<IpAllowlist>, Failure> {
    if entries.is_empty() {
        return Ok(None);
    }
    let mut list = IpAllowlist::new();
    for e in entries {
        if e == "smartro" {
            list = list.union(IpAllowlist::smartro_live());
        } else {
            list.add(e).map_err(|err| Failure::field(flag, err))?;
        }
    }
    Ok(Some(list))
}

async fn serve(args: ServeArgs, json_output: bool) -> Result<Report, Failure> {
    let stop = pg_cli::StopSignal::install();
    let innopay_allow = allowlist("--innopay-allow", &args.innopay_allow)?;
    let smartro_allow = allowlist("--smartro-allow", &args.smartro_allow)?;
    if args.max_connections == 0 {
        return Err(Failure::field("--max-connections", "must be at least 1"));
    }
    let server = pg_notify::ServerConfig {
        header_timeout: std::time::Duration::from_secs(args.header_timeout_secs.max(1)),
        max_connections: args.max_connections,
        shutdown_timeout: std::time::Duration::from_secs(args.shutdown_timeout_secs),
        ..pg_notify::ServerConfig::default()
    };
    let (listen, db) = (args.listen, args.db.as_str());
    let store = open(db, true, args.writers).await?;
    let mut smartro_decoder = SmartroDecoder::default();
    match std::env::var("PGKIT_MERCHANT_KEY")
        .ok()
        .filter(|k| !k.is_empty())
    {
        Some(key) => {
            smartro_decoder = smartro_decoder.with_merchant_key(pg_core::Secret::new(key));
            if args.require_signature {
                smartro_decoder = smartro_decoder.require_signature();
            }
        }
        None if args.require_signature => {
            return Err(Failure::field(
                "--require-signature",
                "needs the merchant key to check SignValue: set PGKIT_MERCHANT_KEY",
            ));
        }
        None => {}
    }
    let mut innopay = GatewayEndpoint::innopay(StoreOnly);
    let mut smartro = GatewayEndpoint::smartro(smartro_decoder, StoreOnly);
    if let Some(list) = innopay_allow {
        innopay = innopay.allow(list);
    }
    if let Some(list) = smartro_allow {
        smartro = smartro.allow(list);
    }
    let mut builder = Pipeline::builder(store.clone())
        .endpoint(innopay)
        .endpoint(smartro);
    if let Some(dir) = args.log_dir {
        let log = RawLog::open(&dir).map_err(|e| Failure::field("log-dir", e))?;
        builder = builder.raw_log(log);
    }
    let http = HttpConfig {
        trusted_proxies: allowlist("--trusted-proxy", &args.trusted_proxy)?.unwrap_or_default(),
        ..HttpConfig::default()
    };
    let pipeline = builder.build();
    let app = pg_notify::router(pipeline.clone(), http);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| Failure::transport(format!("cannot listen on {listen}: {e}")))?;
    let local = listener.local_addr().map_err(Failure::transport)?;
    if !json_output {
        eprintln!(
            "pgkit: listening on {local} (POST /innopay/notify, POST /smartro/notify); store {}",
            store.backend()
        );
    }
    if std::io::stderr().is_terminal() {
        // Progress on a terminal, every few seconds: the pipeline's own counts (counting the
        // store's events would hold up deliveries on the writer's connection).
        tokio::spawn(async move {
            let mut last = pg_notify::DeliveryStats::default();
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                let now = pipeline.delivery_stats();
                if now != last {
                    eprintln!(
                        "pgkit: deliveries since start: {} acknowledged, {} not acknowledged",
                        now.acknowledged,
                        now.not_acknowledged()
                    );
                    last = now;
                }
            }
        });
    }
    let stats = pg_notify::serve(listener, app, server, shutdown_signal(stop)).await;
    if stats.timed_out + stats.evicted + stats.shed + stats.abandoned > 0 {
        eprintln!(
            "pgkit: connections: {} accepted, {} timed out, {} evicted at the limit, {} refused with 503, {} cut off at shutdown",
            stats.accepted, stats.timed_out, stats.evicted, stats.shed, stats.abandoned
        );
    }
    let counts = store.counts().await.unwrap_or_default();
    let summary = counts
        .iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect::<Vec<_>>()
        .join(", ");
    Ok(Report::success(
        format!(
            "stopped; events stored: {}",
            if summary.is_empty() {
                "none".into()
            } else {
                summary
            }
        ),
        json!({ "listen": local.to_string(), "events": counts.into_iter().collect::<std::collections::BTreeMap<_, _>>() }),
    ))
}

/// Waits for `stop`, then says so.
pub(crate) async fn shutdown_signal(stop: pg_cli::StopSignal) {
    stop.wait().await;
    eprintln!("pgkit: shutting down: finishing requests in flight");
}

const CSV_COLUMNS: [&str; 18] = [
    "id",
    "key",
    "gateway",
    "kind",
    "status",
    "tid",
    "moid",
    "amount",
    "approved_amount",
    "state",
    "attempts",
    "deliveries",
    "last_error",
    "received_at",
    "processed_at",
    "conflicts",
    "warnings",
    "signature",
];

/// One CSV cell. A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR at
/// the start; values come from the network) is prefixed with `'`, unless it is a number.
fn csv_field(value: &str) -> String {
    let formula =
        value.starts_with(['=', '+', '-', '@', '\t', '\r']) && value.parse::<i64>().is_err();
    let value = if formula {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

fn csv_line(e: &EventRecord) -> String {
    let cells = [
        e.id.to_string(),
        e.key.clone(),
        e.gateway.clone(),
        e.kind.clone(),
        e.status.clone(),
        e.tid.clone().unwrap_or_default(),
        e.moid.clone().unwrap_or_default(),
        e.amount.map(|a| a.to_string()).unwrap_or_default(),
        e.approved_amount.map(|a| a.to_string()).unwrap_or_default(),
        e.state.as_str().to_owned(),
        e.attempts.to_string(),
        e.deliveries.to_string(),
        e.last_error.clone().unwrap_or_default(),
        e.received_at.clone(),
        e.processed_at.clone().unwrap_or_default(),
        e.conflicts.to_string(),
        e.warnings
            .iter()
            .map(|w| format!("{}: {}", w.field, w.problem))
            .collect::<Vec<_>>()
            .join(" | "),
        e.signature.clone().unwrap_or_default(),
    ];
    cells
        .iter()
        .map(|c| csv_field(c))
        .collect::<Vec<_>>()
        .join(",")
}

async fn export(db: &str, format: Format, json_output: bool) -> Result<Report, Failure> {
    let store = open(db, false, None).await?;
    let progress = std::io::stderr().is_terminal();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // With --json the events go inside the one JSON object; otherwise they stream, one per line.
    let mut collected = Vec::new();
    if matches!(format, Format::Csv) && !json_output {
        writeln!(out, "{}", CSV_COLUMNS.join(",")).map_err(Failure::transport)?;
    }
    let mut after = 0;
    let mut count = 0usize;
    loop {
        let page = store
            .list(None, after, 1000)
            .await
            .map_err(Failure::transport)?;
        let Some(last) = page.last() else { break };
        after = last.id;
        count += page.len();
        if json_output {
            collected.extend(page);
        } else {
            for e in &page {
                let line = match format {
                    Format::Jsonl => serde_json::to_string(e).unwrap_or_default(),
                    Format::Csv => csv_line(e),
                };
                writeln!(out, "{line}").map_err(Failure::transport)?;
            }
        }
        if progress {
            eprint!("\rpgkit: exported {count} events");
        }
    }
    if progress {
        eprintln!();
    }
    out.flush().map_err(Failure::transport)?;
    Ok(Report::success(
        String::new(),
        json!({ "exported": count, "events": collected }),
    ))
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_cells_are_quoted_and_never_formulas() {
        assert_eq!(csv_field("order-1"), "order-1");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\"\n"), "\"say \"\"hi\"\"\n\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("+82"), "+82");
        assert_eq!(csv_field("-1"), "-1");
        assert_eq!(csv_field("-x"), "'-x");
    }
}
