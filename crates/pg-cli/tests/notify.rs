//! `pgkit notify serve | export`: each event stored once across a restart, every request logged,
//! the exports.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use common::*;

fn post(port: u16, path: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    s.read_to_string(&mut response).unwrap();
    let status = response
        .split_whitespace()
        .nth(1)
        .unwrap_or("0")
        .parse()
        .unwrap_or(0);
    let body = response
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    (status, body)
}

fn serve(db: &str, logs: &std::path::Path) -> Server {
    serve_with(
        db,
        logs,
        &[
            "--innopay-allow",
            "127.0.0.1",
            "--smartro-allow",
            "127.0.0.1",
            "--smartro-allow",
            "smartro",
        ],
        &[],
    )
}

/// A running `pgkit notify serve`, its port, and its stderr as it is written.
struct Server {
    child: std::process::Child,
    port: u16,
    stderr: std::thread::JoinHandle<String>,
}

/// Starts a receiver on a port the system chooses and reads the port from its banner (a port
/// picked beforehand could be taken by another test's receiver in between).
fn serve_with(db: &str, logs: &std::path::Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
    let log_dir = logs.to_str().unwrap();
    let mut child = pgkit()
        .args([
            "notify",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--db",
            db,
            "--log-dir",
            log_dir,
        ])
        .args(extra)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (port_tx, port_rx) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)) {
            let Ok(line) = line else { break };
            if let Some(rest) = line.split("listening on ").nth(1) {
                let addr = rest.split_whitespace().next().unwrap_or_default();
                let port = addr.rsplit(':').next().and_then(|p| p.parse::<u16>().ok());
                let _ = port_tx.send(port);
            }
            text.push_str(&line);
            text.push('\n');
        }
        text
    });
    let port = port_rx
        .recv_timeout(Duration::from_secs(20))
        .ok()
        .flatten()
        .expect("notify serve did not say where it listens");
    Server {
        child,
        port,
        stderr,
    }
}

fn stop(server: Server) -> String {
    stop_with_stderr(server).0
}

/// Stops the receiver (SIGTERM); its stdout and stderr.
fn stop_with_stderr(server: Server) -> (String, String) {
    let status = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = server.child.wait_with_output().unwrap();
    let stderr = server.stderr.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "clean shutdown: {stderr}");
    (String::from_utf8(out.stdout).unwrap(), stderr)
}

fn innopay_body(n: u32) -> String {
    format!(
        "moid=serve-{n}&pgTid=testpay01m0101251020{n:010}&status=25&approvalAmt={}",
        1000 + n
    )
}

#[test]
fn notify_serve_stores_each_event_once_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("events.db").display());
    let logs = dir.path().join("logs");
    let child = serve(&db, &logs);
    let port = child.port;
    for n in 0..5 {
        for _ in 0..2 {
            assert_eq!(
                post(port, "/innopay/notify", &innopay_body(n)),
                (200, "0000".to_owned())
            );
        }
    }
    let smartro =
        "PayMethod=CARD&Amt=1004&TID=t_2510201m01012510201530001234&OID=M1&ResultCode=3001";
    assert_eq!(
        post(port, "/smartro/notify", smartro),
        (200, "OK".to_owned())
    );
    let (status, body) = post(port, "/innopay/notify", "moid=broken");
    assert_eq!(status, 400);
    assert!(body.starts_with("NACK"));
    let stopped = stop(child);
    assert!(stopped.contains("events stored: 6 processed"), "{stopped}");

    let child = serve(&db, &logs);
    let port = child.port;
    for n in 3..8 {
        // One lenient field the gateway got wrong: acknowledged, kept as a warning.
        let body = innopay_body(n) + if n == 6 { "&cashReceiptVat=1.5" } else { "" };
        assert_eq!(post(port, "/innopay/notify", &body).1, "0000");
    }
    assert_eq!(post(port, "/smartro/notify", smartro).1, "OK");
    stop(child);

    let r = run(args(pgkit(), &["notify", "export", "--db", &db]), b"");
    assert_eq!(r.code, 0);
    let lines: Vec<Value> = r.stdout.lines().map(json).collect();
    assert_eq!(
        lines.len(),
        9,
        "8 Innopay events and 1 Smartro event, each once"
    );
    let mut keys: Vec<&str> = lines.iter().map(|l| l["key"].as_str().unwrap()).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), 9);
    let deliveries = |moid: &str| {
        lines
            .iter()
            .find(|l| l["moid"] == moid)
            .map(|l| l["deliveries"].as_i64().unwrap())
    };
    assert_eq!(deliveries("serve-0"), Some(2));
    assert_eq!(
        deliveries("serve-3"),
        Some(3),
        "sent twice before the restart, once after"
    );
    assert_eq!(deliveries("serve-7"), Some(1));
    assert_eq!(deliveries("M1"), Some(2));

    let csv = run(
        args(
            pgkit(),
            &["notify", "export", "--db", &db, "--format", "csv"],
        ),
        b"",
    );
    let mut rows = csv.stdout.lines();
    assert_eq!(
        rows.next(),
        Some(
            "id,key,gateway,kind,status,tid,moid,amount,approved_amount,state,attempts,deliveries,last_error,received_at,processed_at,conflicts,warnings,signature"
        )
    );
    let rows: Vec<&str> = rows.collect();
    assert_eq!(rows.len(), 9);
    let vat = rows.iter().find(|r| r.contains(",serve-6,")).unwrap();
    assert!(
        vat.ends_with(
            ",0,cashReceiptVat: not an amount of won: amount has a fraction; won are whole numbers,not-signed"
        ),
        "{vat}"
    );
    let json_export = run(
        args(pgkit(), &["notify", "export", "--db", &db, "--json"]),
        b"",
    );
    assert_eq!(json(&json_export.stdout)["result"]["exported"], 9);

    let log: String = std::fs::read_dir(&logs)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert_eq!(
        log.lines().count(),
        2 * 18,
        "every request and its outcome are logged"
    );
}

#[test]
fn each_gateway_has_its_own_allowlist() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("events.db").display());
    // Innopay only from 10.0.0.0/8; Smartro from here and Smartro's servers.
    let child = serve_with(
        &db,
        &dir.path().join("logs"),
        &[
            "--innopay-allow",
            "10.0.0.0/8",
            "--smartro-allow",
            "127.0.0.1",
            "--smartro-allow",
            "smartro",
        ],
        &[],
    );
    let port = child.port;
    let (status, body) = post(port, "/innopay/notify", &innopay_body(1));
    assert_eq!(status, 403, "{body}");
    let smartro =
        "PayMethod=CARD&Amt=1004&TID=t_2510201m01012510201530001234&OID=M1&ResultCode=3001";
    assert_eq!(
        post(port, "/smartro/notify", smartro),
        (200, "OK".to_owned())
    );
    stop(child);
    let bad = run(
        args(
            pgkit(),
            &[
                "notify",
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--db",
                &db,
                "--smartro-allow",
                "nowhere",
            ],
        ),
        b"",
    );
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("--smartro-allow"), "{}", bad.stderr);
}

#[test]
fn failures_are_logged_on_stderr_as_text_or_json() {
    for format in ["text", "json"] {
        let dir = tempfile::tempdir().unwrap();
        let db = format!("sqlite://{}", dir.path().join("events.db").display());
        let logs = dir.path().join("logs");
        // Today's raw-log file cannot be opened: a directory stands where it should be.
        let log = pg_notify::RawLog::open(&logs).unwrap();
        std::fs::create_dir_all(log.file_for(time::OffsetDateTime::now_utc())).unwrap();
        let child = serve_with(&db, &logs, &[], &[("PGKIT_LOG_FORMAT", format)]);
        let (status, body) = post(child.port, "/innopay/notify", &innopay_body(1));
        assert_eq!(
            status, 500,
            "without its raw-log line a delivery is not acknowledged: {body}"
        );
        let (_, stderr) = stop_with_stderr(child);
        let line = stderr
            .lines()
            .find(|l| l.contains("raw log"))
            .unwrap_or_else(|| panic!("{format}: no raw-log failure on stderr:\n{stderr}"));
        if format == "json" {
            let v: Value = serde_json::from_str(line).unwrap();
            assert!(
                ["WARN", "ERROR"].contains(&v["level"].as_str().unwrap()),
                "{line}"
            );
        }
    }
}
