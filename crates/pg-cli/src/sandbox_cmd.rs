//! `pgkit sandbox`: runs the simulator of both gateways until SIGTERM or SIGINT, after printing
//! the test merchants, the admin URL and the URLs to configure.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use pg_sandbox::merchant::{innopay_test, smartro_test};
use pg_sandbox::{Gateway, Merchant, MerchantUpdate, Sandbox, SandboxConfig};
use serde_json::json;

use crate::notify_cmd::shutdown_signal;
use crate::report::{Failure, Report};

#[derive(Debug, Args)]
pub(crate) struct SandboxArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    /// SQLite file to keep the state in (default: in memory, gone when it stops).
    #[arg(long)]
    db: Option<PathBuf>,
    /// Virtual time runs N times faster (retry schedules, SMS deadlines, TrAuthKey expiry).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    time_scale: u32,
    /// Seed for reproducible ids (Tid, approval numbers, tokens).
    #[arg(long)]
    seed: Option<u64>,
    /// Where the test Innopay merchant's notifications go (e.g. http://127.0.0.1:8080/innopay/notify).
    #[arg(long)]
    innopay_notify_url: Option<String>,
    /// Where the test Smartro merchant's re-notifications go.
    #[arg(long)]
    smartro_notify_url: Option<String>,
    /// Seconds a rehearsed slow answer (amount 9,408) waits.
    #[arg(long, default_value_t = 12)]
    slow_answer_secs: u64,
}

pub(crate) async fn run(args: SandboxArgs, json_output: bool) -> Result<Report, Failure> {
    let stop = pg_cli::StopSignal::install();
    let config = SandboxConfig {
        listen: args.listen,
        db: args.db.clone(),
        time_scale: args.time_scale,
        seed: args.seed,
        slow_answer: Duration::from_secs(args.slow_answer_secs),
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(config).await.map_err(|e| match e {
        pg_sandbox::SandboxError::Listen { .. } => Failure::field("listen", e),
        other => Failure::transport(other),
    })?;
    for (gateway, mid, url, flag) in [
        (
            Gateway::Innopay,
            innopay_test::MID,
            &args.innopay_notify_url,
            "innopay-notify-url",
        ),
        (
            Gateway::Smartro,
            smartro_test::MID,
            &args.smartro_notify_url,
            "smartro-notify-url",
        ),
    ] {
        if let Some(url) = url {
            let update = MerchantUpdate {
                notify_url: Some(url.clone()),
                ..MerchantUpdate::default()
            };
            if let Err(e) = sandbox.configure(gateway, mid, update) {
                sandbox.shutdown().await;
                return Err(Failure::field(flag, e));
            }
        }
    }
    let merchants = sandbox.merchants().map_err(Failure::transport)?;
    let status = sandbox.api("status").await;
    if json_output {
        println!("{}", json!({ "ready": status }));
    } else {
        println!("{}", banner(&sandbox, &merchants, &args));
    }
    shutdown_signal(stop).await;
    sandbox.shutdown().await;
    Ok(Report::success(
        "pgkit sandbox stopped",
        json!({ "stopped": true }),
    ))
}

/// A merchant's key as printed: the preset test keys in full (they are public test values), any
/// other key masked.
fn shown_key(m: &Merchant) -> String {
    if m.key == innopay_test::LICENSE_KEY || m.key == smartro_test::MERCHANT_KEY {
        m.key.clone()
    } else {
        pg_sandbox::merchant::mask(&m.key)
    }
}

fn banner(sandbox: &Sandbox, merchants: &[Merchant], args: &SandboxArgs) -> String {
    let base = sandbox.base_url();
    let mut out = format!(
        "pgkit sandbox: Innopay + Smartro PAY on {base} (virtual time x{}, state {})\n\
         \n  admin          {}\n  JSON           {base}/sandbox/api/status\n",
        args.time_scale,
        args.db
            .as_ref()
            .map_or_else(|| "in memory".to_owned(), |p| p.display().to_string()),
        sandbox.admin_url(),
    );
    out.push_str(&format!(
        "\nInnopay (pg_innopay::Environment::Custom(\"{base}\"); pgkit innopay ... --environment {base})\n\
         \x20 Web-Link       {base}/api/cardInterface\n  SMS pay API    {base}/api/smsPayApi\n  cancel API     {base}/api/cancelApi\n  SMS outbox     {base}/sandbox/sms\n"
    ));
    out.push_str(&format!(
        "\nSmartro PAY (pg_smartro::Environment::simulator(\"{base}\"); pgkit smartro ... --environment {base})\n\
         \x20 script         {base}/asset/js/SmartroPAY-1.0.min.js\n  payment window {base}/ssp/reqPay.do\n  approval       {base}/payment/approval/urlCallApproval.do\n  member delete  {base}/payment/approval/ssbMemberDel.do\n  cancel         {base}/payment/approval/cancel.do\n"
    ));
    out.push_str("\nTest merchants\n");
    for m in merchants {
        match m.gateway {
            Gateway::Innopay => out.push_str(&format!(
                "  innopay  Mid {}  LicenseKey {}  PgMID {}  cancelPwd {}\n",
                m.mid,
                shown_key(m),
                m.pg_mids.join(" / "),
                if m.key == innopay_test::LICENSE_KEY {
                    m.cancel_password.as_str()
                } else {
                    "***"
                },
            )),
            Gateway::Smartro => out.push_str(&format!(
                "  smartro  Mid {}  MerchantKey {}  SspMallId {}  cancel password {}\n",
                m.mid,
                shown_key(m),
                m.ssp_mall_id.as_deref().unwrap_or_default(),
                if m.key == smartro_test::MERCHANT_KEY {
                    m.cancel_password.as_str()
                } else {
                    "***"
                },
            )),
        }
        out.push_str(&format!(
            "           notifications -> {}\n",
            m.notify.url.as_deref().unwrap_or(
                "(no URL yet: set one in the admin, or --innopay-notify-url / --smartro-notify-url)"
            )
        ));
    }
    out.push_str(
        "\nTest cards: 4242 4242 4242 4242 approves; 4000 0000 0000 0002 declines (3011). Magic amounts\n\
         (9,408 slow, 9,500 HTML 500, 9,503 503, 9,444 dropped, 9,202 twice, 9,409 tampered...) are in the README.\n\
         Ctrl-C or SIGTERM stops it.",
    );
    out
}
