//! `pgkit demo --serve`: after the run, the simulator and the receiver stay up, and the example
//! shop (`examples/shop`, binary `pgkit-shop`) starts beside them — it points the test
//! merchants' notifications at itself — so that a person can click through in a browser. Ctrl-C
//! stops all three.
//!
//! The shop is a separate crate (it is not published); it is run from beside this executable,
//! or built from the workspace this `pgkit` was built in.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use super::Demo;
use crate::notify_cmd::shutdown_signal;
use crate::report::Failure;

/// The shop's executable.
const SHOP: &str = "pgkit-shop";

/// The shop's executable: beside this one, or built from the workspace (release, like the
/// README's command).
fn shop_executable() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let beside = exe.with_file_name(SHOP);
    if beside.is_file() {
        return Ok(beside);
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    if !workspace.join("examples/shop/Cargo.toml").is_file() {
        return Err(format!(
            "{SHOP} is not installed beside pgkit and the workspace is not here: build it with `cargo build --release -p pgkit-example-shop`"
        ));
    }
    eprintln!("pgkit: building the example shop (once)...");
    let profile = if cfg!(debug_assertions) {
        None
    } else {
        Some("--release")
    };
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "-q", "-p", "pgkit-example-shop"])
        .args(profile)
        .current_dir(&workspace)
        .status()
        .map_err(|e| format!("cannot run cargo to build the shop: {e}"))?;
    if !status.success() {
        return Err(format!("building the example shop failed ({status})"));
    }
    if beside.is_file() {
        Ok(beside)
    } else {
        Err(format!(
            "the shop was built but {} is missing",
            beside.display()
        ))
    }
}

fn start_shop(demo: &Demo, listen: SocketAddr, db: &Path) -> Result<Child, String> {
    Command::new(shop_executable()?)
        .args([
            "--listen",
            &listen.to_string(),
            "--sandbox",
            demo.sandbox.base_url(),
            "--db",
            &db.display().to_string(),
        ])
        .stdin(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {SHOP}: {e}"))
}

pub(super) async fn serve(
    demo: Demo,
    shop_listen: SocketAddr,
    stop: pg_cli::StopSignal,
) -> Result<(), Failure> {
    let db = demo.dir.path().join("shop.db");
    let shop = match start_shop(&demo, shop_listen, &db) {
        // The shop points the test merchants' notifications at itself (`--sandbox`).
        Ok(child) => Some((child, format!("http://{shop_listen}"))),
        Err(why) => {
            eprintln!("pgkit: the example shop is not running: {why}");
            None
        }
    };
    let base = demo.sandbox.base_url();
    println!("\nRunning until Ctrl-C:");
    if let Some((_, url)) = &shop {
        println!(
            "  example shop  {url}/  (SMS payment request, Smartro checkout, orders; notifications go here)"
        );
    }
    println!(
        "  simulator     {}  (admin: merchants, orders, deliveries with every attempt)",
        demo.sandbox.admin_url()
    );
    println!("  SMS outbox    {base}/sandbox/sms  (open a link to pay as the buyer)");
    println!(
        "  receiver      {}  (the demo's pg-notify receiver)",
        demo.receiver_url
    );
    shutdown_signal(stop).await;
    if let Some((mut child, _)) = shop {
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let _ = child.wait();
    }
    demo.sandbox.shutdown().await;
    Ok(())
}
