//! `pgkit sandbox` as a process: the ready line, the commands of `pgkit innopay` against it,
//! a clean stop on SIGTERM, and bad flags named.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;

fn pgkit() -> Command {
    let mut c = Command::cargo_bin("pgkit").unwrap();
    c.env_remove("PGKIT_CONFIG");
    c
}

/// Starts the simulator with `--json`; the child and its ready object.
fn start(extra: &[&str]) -> (Child, Value, BufReader<std::process::ChildStdout>) {
    let started = Instant::now();
    let mut child = pgkit()
        .args([
            "--json",
            "sandbox",
            "--listen",
            "127.0.0.1:0",
            "--seed",
            "3",
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let ready: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    eprintln!(
        "pgkit sandbox ready after {:?} (process start included)",
        started.elapsed()
    );
    (child, ready["ready"].clone(), out)
}

fn get(base: &str, path: &str) -> String {
    let host = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(host).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    s.read_to_string(&mut response).unwrap();
    response
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_owned()
}

fn stop(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn serves_both_gateways_and_stops_on_sigterm() {
    let (mut child, ready, mut out) =
        start(&["--innopay-notify-url", "http://127.0.0.1:9/innopay/notify"]);
    let base = ready["base_url"].as_str().unwrap().to_owned();
    assert_eq!(ready["innopay"]["sms_pay"], format!("{base}/api/smsPayApi"));
    assert_eq!(
        ready["smartro"]["approval"],
        format!("{base}/payment/approval/urlCallApproval.do")
    );
    let innopay = ready["merchants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["gateway"] == "innopay")
        .unwrap();
    assert_eq!(
        innopay["notify"]["url"],
        "http://127.0.0.1:9/innopay/notify"
    );
    assert!(
        !ready.to_string().contains("Ma29gyAF"),
        "keys are masked in JSON"
    );

    // The CLI's own Innopay command against it.
    let sms = pgkit()
        .args([
            "--json",
            "innopay",
            "sms-pay",
            "--sandbox",
            "--environment",
            &base,
            "--moid",
            "cli-1",
            "--amount",
            "10005",
            "--goods-name",
            "테스트상품",
            "--buyer-name",
            "홍길동",
            "--buyer-phone",
            "010-1234-1234",
        ])
        .output()
        .unwrap();
    let answer: Value = serde_json::from_slice(&sms.stdout).unwrap();
    assert_eq!(sms.status.code(), Some(0), "{answer}");
    let outbox: Value = serde_json::from_str(&get(&base, "/sandbox/api/sms")).unwrap();
    assert_eq!(outbox[0]["moid"], "cli-1");
    assert!(
        outbox[0]["link"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{base}/s/"))
    );

    stop(&child);
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
    let last: Value = serde_json::from_str(rest.trim()).unwrap();
    assert_eq!(last["exit"], 0);
}

#[test]
fn human_output_lists_merchants_and_urls() {
    let mut child = pgkit()
        .args(["sandbox", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut banner = String::new();
    while !banner.contains("Ctrl-C") {
        if out.read_line(&mut banner).unwrap() == 0 {
            break;
        }
    }
    for expected in [
        "/sandbox/",
        "/api/smsPayApi",
        "/asset/js/SmartroPAY-1.0.min.js",
        "Mid testpay01m",
        pg_sandbox::merchant::innopay_test::LICENSE_KEY,
        pg_sandbox::merchant::smartro_test::MERCHANT_KEY,
        "SspMallId SMTSSPAY0p",
    ] {
        assert!(banner.contains(expected), "{expected}: {banner}");
    }
    stop(&child);
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[test]
fn bad_flags_are_named() {
    let bad = pgkit()
        .args([
            "sandbox",
            "--listen",
            "127.0.0.1:0",
            "--smartro-notify-url",
            "ftp://x",
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("smartro-notify-url"),
        "{bad:?}"
    );
    let busy = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    let taken = pgkit()
        .args(["sandbox", "--listen", &format!("127.0.0.1:{port}")])
        .output()
        .unwrap();
    assert_eq!(taken.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&taken.stderr).contains("listen"),
        "{taken:?}"
    );
    let scale = pgkit()
        .args(["sandbox", "--time-scale", "0"])
        .output()
        .unwrap();
    assert_eq!(scale.status.code(), Some(2));
}
