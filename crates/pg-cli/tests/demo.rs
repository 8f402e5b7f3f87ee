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
