//! `pgkit demo` as a process: every step of both gateways, exit 0; `--json` as JSON lines.

use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;

fn demo(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("pgkit")
        .unwrap()
        .env_remove("PGKIT_CONFIG")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn the_demo_runs_both_gateways_end_to_end() {
    let (code, out, err) = demo(&["demo"]);
    assert_eq!(code, 0, "{out}\n{err}");
    for expected in [
        "SMS payment requested",
        "10,005원",
        "SMS to 010-1234-1234: [테스트가맹점]",
        "attempt 1: HTTP 500",
        "attempt 2: HTTP 200 \"0000\"",
        "3,000원 · 2001",
        "7,005원 · 2001",
        "Payment window",
        "3001 카드 승인 성공 · 50,000원 = the order's amount · SignValue verified",
        "PD00",
        "What the receiver stored",
        "All 12 steps gave the expected outcome",
    ] {
        assert!(out.contains(expected), "{expected:?} missing from:\n{out}");
    }
    // Each event once: one approval and two cancels for Innopay, an approval and a cancel for
    // Smartro.
    let table: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("What the receiver stored"))
        .skip(2)
        .take_while(|l| l.starts_with("  "))
        .collect();
    assert_eq!(table.len(), 5, "{table:?}");
    // A cancel's row shows what it cancelled, not the payment's amount.
    let amounts: Vec<&str> = table
        .iter()
        .map(|row| row.split_whitespace().nth(4).unwrap_or_default())
        .collect();
    assert_eq!(
        amounts,
        ["10,005원", "3,000원", "7,005원", "50,000원", "10,000원"],
        "{table:?}"
    );
}

#[path = "common/ports.rs"]
mod ports;
use ports::free_port;

fn http_get(url: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut s = std::net::TcpStream::connect(host).unwrap();
    write!(
        s,
        "GET {} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n",
        if path.is_empty() { "/" } else { path }
    )
    .unwrap();
    let mut response = String::new();
    s.read_to_string(&mut response).unwrap();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, response)
}

#[test]
fn demo_serve_leaves_the_simulator_the_receiver_and_the_shop_running() {
    let pgkit = assert_cmd::cargo::cargo_bin("pgkit");
    if !pgkit.with_file_name("pgkit-shop").is_file() {
        // `cargo test --workspace` (and so `cargo xtask test`) builds it beside pgkit.
        assert!(
            std::env::var("CI").is_err(),
            "CI: pgkit-shop was not built beside pgkit"
        );
        eprintln!("SKIPPED: demo --serve (build pgkit-shop: cargo build -p pgkit-example-shop)");
        return;
    }
    let [sandbox, receiver, shop] = [free_port(), free_port(), free_port()];
    let child = Command::new(&pgkit)
        .env_remove("PGKIT_CONFIG")
        .args([
            "demo",
            "--serve",
            "--sandbox-listen",
            &format!("127.0.0.1:{sandbox}"),
            "--receiver-listen",
            &format!("127.0.0.1:{receiver}"),
            "--shop-listen",
            &format!("127.0.0.1:{shop}"),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let shop_url = format!("http://127.0.0.1:{shop}/");
    loop {
        if std::net::TcpStream::connect(("127.0.0.1", shop)).is_ok() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the shop did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let (status, home) = http_get(&shop_url);
    assert_eq!(status, 200);
    assert!(home.contains("제주 녹차 선물세트"), "{home}");
    // The shop pointed the simulator's test merchants at itself.
    let (_, merchant) = http_get(&format!(
        "http://127.0.0.1:{sandbox}/sandbox/api/merchants/smartro/t_2510201m"
    ));
    assert!(
        merchant.contains(&format!("http://127.0.0.1:{shop}/smartro/notify")),
        "{merchant}"
    );
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(&format!("example shop  http://127.0.0.1:{shop}/")),
        "{stdout}"
    );
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", shop)).is_err(),
        "the shop stopped too"
    );
}

#[test]
fn the_demo_prints_json_lines() {
    let (code, out, err) = demo(&["--json", "demo"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let steps: Vec<&Value> = lines.iter().filter(|l| l.get("step").is_some()).collect();
    assert_eq!(steps.len(), 12);
    assert!(steps.iter().all(|s| s["ok"] == true));
    assert_eq!(steps[0]["gateway"], "innopay");
    assert_eq!(steps[0]["details"]["amount"], 10_005);
    assert_eq!(steps[6]["gateway"], "smartro");
    let last = lines.last().unwrap();
    assert_eq!(last["exit"], 0);
    assert_eq!(last["result"]["steps"], 12);
    assert_eq!(last["result"]["stored"].as_array().unwrap().len(), 5);
}
