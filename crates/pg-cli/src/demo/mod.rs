//! `pgkit demo`: both gateways end to end against the simulator, with no setup and no network
//! beyond loopback. The simulator and a pg-notify receiver (SQLite in a temporary directory) run
//! in this process; each step is printed as it happens, and the run exits 0 only when every step
//! gave the expected outcome. `--serve` then leaves them (and the example shop) running.

mod innopay;
mod serve;
mod smartro;
mod steps;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::Args;
use pg_notify::{
    Event, EventRecord, GatewayEndpoint, HandlerError, HttpConfig, Pipeline, SmartroDecoder,
    SqlConn, Store, StoreConfig,
};
use pg_sandbox::buyer::Buyer;
use pg_sandbox::merchant::{innopay_test, smartro_test};
use pg_sandbox::store::Delivery;
use pg_sandbox::{Gateway, MerchantUpdate, Sandbox, SandboxConfig};
use serde_json::json;

use crate::report::{Exit, Failure, Report};
use steps::{StepFailed, Steps, won};

/// How long the demo waits for notifications to be delivered.
pub(crate) const SETTLE: Duration = Duration::from_secs(10);

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// After the run, leave the simulator, the receiver and the example shop running (Ctrl-C
    /// stops them) and print their URLs.
    #[arg(long)]
    serve: bool,
    /// With --serve: where the simulator listens.
    #[arg(long, default_value = "127.0.0.1:8787")]
    sandbox_listen: SocketAddr,
    /// With --serve: where the receiver listens.
    #[arg(long, default_value = "127.0.0.1:8788")]
    receiver_listen: SocketAddr,
    /// With --serve: where the example shop listens.
    #[arg(long, default_value = "127.0.0.1:8789")]
    shop_listen: SocketAddr,
}

/// What the flows share.
#[derive(Debug)]
pub(crate) struct Demo {
    pub(crate) sandbox: Sandbox,
    pub(crate) buyer: Buyer,
    pub(crate) receiver_url: String,
    /// Makes this run's order numbers unique (`demo-HHMMSS`).
    pub(crate) run_id: String,
    pipeline: Pipeline,
    dir: tempfile::TempDir,
}

impl Demo {
    /// The delivery of `kind` (`approval`, `cancel`) about `tid`.
    pub(crate) fn delivery_of(&self, tid: &str, kind: &str) -> Option<Delivery> {
        self.sandbox
            .deliveries()
            .ok()?
            .into_iter()
            .find(|d| d.tid == tid && d.kind == kind)
    }
}

/// The receiver: both endpoints; Innopay's handler refuses its first run, to show the retry.
async fn receiver(
    dir: &std::path::Path,
    listen: SocketAddr,
) -> Result<(Pipeline, String), Failure> {
    let store = Store::open(
        &format!("sqlite://{}", dir.join("demo-events.db").display()),
        StoreConfig::default(),
    )
    .await
    .map_err(Failure::transport)?;
    let refused_once = Arc::new(AtomicBool::new(false));
    let innopay = move |_: &Event, _: &mut dyn SqlConn| -> Result<(), HandlerError> {
        if refused_once.swap(true, Ordering::SeqCst) {
            Ok(())
        } else {
            Err(HandlerError::new(
                "refused once on purpose, to show the retry schedule",
            ))
        }
    };
    let smartro = |_: &Event, _: &mut dyn SqlConn| -> Result<(), HandlerError> { Ok(()) };
    let pipeline = Pipeline::builder(store)
        .endpoint(GatewayEndpoint::innopay(innopay))
        .endpoint(GatewayEndpoint::smartro(
            SmartroDecoder::default()
                .with_merchant_key(pg_core::Secret::new(smartro_test::MERCHANT_KEY)),
            smartro,
        ))
        .build();
    let app = pg_notify::router(pipeline.clone(), HttpConfig::default());
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| Failure::field("receiver-listen", e))?;
    let addr = listener.local_addr().map_err(Failure::transport)?;
    tokio::spawn(async move {
        pg_notify::serve(
            listener,
            app,
            pg_notify::ServerConfig::default(),
            std::future::pending(),
        )
        .await;
    });
    Ok((pipeline, format!("http://{addr}")))
}

pub(crate) async fn run(args: DemoArgs, json_output: bool) -> Result<Report, Failure> {
    let started = Instant::now();
    // With --serve, Ctrl-C is caught from the start: it stops the servers cleanly.
    let stop = args.serve.then(pg_cli::StopSignal::install);
    let dir = tempfile::tempdir().map_err(Failure::transport)?;
    let loopback = |addr: SocketAddr| {
        if args.serve {
            addr
        } else {
            SocketAddr::from(([127, 0, 0, 1], 0))
        }
    };
    let sandbox = Sandbox::start(SandboxConfig {
        listen: loopback(args.sandbox_listen),
        seed: Some(2025),
        ..SandboxConfig::default()
    })
    .await
    .map_err(|e| Failure::field("sandbox-listen", e))?;
    let (pipeline, receiver_url) = receiver(dir.path(), loopback(args.receiver_listen)).await?;
    for (gateway, mid, path) in [
        (Gateway::Innopay, innopay_test::MID, "innopay"),
        (Gateway::Smartro, smartro_test::MID, "smartro"),
    ] {
        sandbox
            .configure(
                gateway,
                mid,
                MerchantUpdate {
                    notify_url: Some(format!("{receiver_url}/{path}/notify")),
                    interval_minutes: Some(1),
                    retries: Some(3),
                    ..MerchantUpdate::default()
                },
            )
            .map_err(Failure::transport)?;
    }
    let demo = Demo {
        buyer: Buyer::new(sandbox.base_url()).map_err(Failure::transport)?,
        run_id: format!(
            "demo-{}",
            sandbox.now().format(pg_core::KstFormat::YyyyMMddHHmmss)
        ),
        sandbox,
        receiver_url,
        pipeline,
        dir,
    };
    let mut steps = Steps::new(json_output);
    steps.say("pgkit demo: Innopay and Smartro PAY end to end against the local simulator (loopback only)");
    steps.say(format!(
        "  simulator  {}  (admin {})",
        demo.sandbox.base_url(),
        demo.sandbox.admin_url()
    ));
    steps.say(format!(
        "  receiver   {}  (pg-notify, SQLite in a temporary directory)",
        demo.receiver_url
    ));

    let outcome = match innopay::run(&demo, &mut steps).await {
        Ok(()) => smartro::run(&demo, &mut steps).await,
        Err(e) => Err(e),
    };
    let stored = demo
        .pipeline
        .store()
        .list(None, 0, 1000)
        .await
        .map_err(Failure::transport)?;
    if let Err(StepFailed { step, message }) = outcome {
        demo.sandbox.shutdown().await;
        return Err(Failure {
            exit: Exit::Refused,
            kind: "demo_step_failed",
            message: format!("the demo failed at {step}: {message}"),
            violations: Vec::new(),
        });
    }
    print_stored(&steps, &stored);
    let seconds = started.elapsed().as_secs_f64();
    let summary = format!(
        "All {} steps gave the expected outcome, in {seconds:.1} s.",
        steps.done
    );
    let json = json!({
        "steps": steps.done,
        "seconds": (seconds * 100.0).round() / 100.0,
        "stored": stored.iter().map(|e| json!({
            "gateway": e.gateway, "status": e.status, "tid": e.tid, "moid": e.moid,
            "amount": e.amount, "deliveries": e.deliveries, "state": e.state,
        })).collect::<Vec<_>>(),
    });
    if let Some(stop) = stop {
        steps.say(format!("\n{summary}"));
        serve::serve(demo, args.shop_listen, stop).await?;
        return Ok(Report::success("pgkit demo: stopped", json));
    }
    demo.sandbox.shutdown().await;
    Ok(Report::success(summary, json))
}

/// The closing table: what the receiver stored, each event once.
fn print_stored(steps: &Steps, stored: &[EventRecord]) {
    steps.say("\nWhat the receiver stored (each event once, however often it was delivered)");
    steps.say(format!(
        "  {:<8} {:<10} {:<31} {:<28} {:>10}  deliveries",
        "gateway", "status", "tid", "moid", "amount"
    ));
    for e in stored {
        steps.say(format!(
            "  {:<8} {:<10} {:<31} {:<28} {:>10}  {}",
            e.gateway,
            e.status,
            e.tid.as_deref().unwrap_or("-"),
            e.moid.as_deref().unwrap_or("-"),
            e.amount.map(|a| won(a.unsigned_abs())).unwrap_or_default(),
            e.deliveries
        ));
    }
}
