//! The simulator's load test: SMS-pay registrations against `pgkit sandbox` and against a bare
//! axum JSON handler, both served by one process (`sandbox-bench`) and loaded, one after the
//! other in the same run, by another (`http-load`, 50 keep-alive connections).

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use super::checked_stdout;
use crate::Result;

/// Manual 2.2's request, `{n}` making each order number unique.
const BODY: &str = r#"{"mid":"testpay01m","moid":"bench-{n}","goodsName":"테스트상품","amt":"10,005","dutyFreeAmt":"","buyerName":"홍길동","buyerTel":"010-1234-1234","buyerEmail":"","payExpDate":"","userId":"","svcPrdtCd":"03"}"#;

/// `(bare, sandbox)` load results, each `http-load`'s JSON.
pub(super) fn run(bin_dir: &Path, seconds: &str) -> Result<(Value, Value)> {
    println!("\n==> sandbox load test: SMS-pay registrations, 50 connections, {seconds} s each");
    let mut server = Command::new(bin_dir.join("sandbox-bench"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start sandbox-bench: {e}"))?;
    let mut first = String::new();
    if let Some(out) = server.stdout.take() {
        BufReader::new(out).read_line(&mut first)?;
    }
    let addrs: Value = serde_json::from_str(&first)
        .map_err(|e| format!("sandbox-bench did not print its addresses: {e}"))?;
    let load = |addr: &Value| -> Result<Value> {
        let url = format!("http://{}/api/smsPayApi", addr.as_str().unwrap_or_default());
        let stdout = checked_stdout(
            Command::new(bin_dir.join("http-load")).args([
                &url,
                BODY,
                "application/json",
                "\"resultCode\":\"0000\"",
                seconds,
                "50",
            ]),
            "http-load",
        )?;
        Ok(serde_json::from_slice(&stdout)?)
    };
    let results = load(&addrs["bare"]).and_then(|bare| Ok((bare, load(&addrs["sandbox"])?)));
    // Closing stdin stops the server.
    if let Some(mut stdin) = server.stdin.take() {
        let _ = stdin.flush();
    }
    let _ = server.wait();
    let (bare, sandbox) = results?;
    for (name, r) in [
        ("bare axum JSON handler", &bare),
        ("pgkit sandbox", &sandbox),
    ] {
        println!(
            "{name:<24} {:>9.0} req/s  p99 {:.1} ms  errors {}",
            r["requests_per_second"].as_f64().unwrap_or_default(),
            r["p99_ms"].as_f64().unwrap_or_default(),
            r["errors"]
        );
    }
    Ok((bare, sandbox))
}
