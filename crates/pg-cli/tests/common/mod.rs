//! Shared helpers of the `pgkit` process tests: a clean `pgkit` command, running it with stdin,
//! JSON output, and a loopback stub that answers canned bodies and records each request.

#![allow(dead_code, unreachable_pub)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use assert_cmd::cargo::CommandCargoExt;

/// Also included by path from the tests that do not use the rest of this module.
pub mod ports;
use serde_json::Value;

pub const KEY32: &str = "0123456789abcdef0123456789abcdef";
pub const MERCHANT_KEY: &str = "0123456789abcdef0123456789abcdefTAIL";

/// `pgkit smartro form`'s required flags but `--buyer-email`, which each test gives.
pub const SMARTRO_FORM_FLAGS: &[&str] = &[
    "--moid",
    "M1",
    "--amount",
    "1004",
    "--goods-name",
    "상품",
    "--mall-user-id",
    "u1",
    "--buyer-name",
    "홍길동",
    "--buyer-phone",
    "01012341234",
    "--return-url",
    "https://shop.example/return",
    "--stop-url",
    "https://shop.example/stop",
];

pub fn pgkit() -> Command {
    let mut c = Command::cargo_bin("pgkit").unwrap();
    // A clean environment: no stray config or keys from the developer's shell.
    for var in [
        "PGKIT_CONFIG",
        "PGKIT_MERCHANT_KEY",
        "PGKIT_INNOPAY_LICENSE_KEY",
        "PGKIT_INNOPAY_CANCEL_PASSWORD",
        "PGKIT_SMARTRO_CANCEL_PASSWORD",
    ] {
        c.env_remove(var);
    }
    c
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(mut c: Command, stdin: &[u8]) -> Run {
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

pub fn args(mut c: Command, list: &[&str]) -> Command {
    c.args(list);
    c
}

pub fn json(text: &str) -> Value {
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// A loopback HTTP server that answers each request with the next canned body and records
/// (path, body) of every request.
pub struct Stub {
    pub base: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

/// A request the stub saw: path and body.
pub type Seen = (String, Vec<u8>);

pub fn stub(replies: Vec<&'static str>) -> Stub {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    std::thread::spawn(move || {
        for reply in replies {
            let Ok((mut socket, _)) = listener.accept() else {
                return;
            };
            let (path, body) = read_request(&mut socket);
            record.lock().unwrap().push((path, body));
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                reply.len()
            );
            let _ = socket.write_all(response.as_bytes());
        }
    });
    Stub { base, seen }
}

pub fn read_request(socket: &mut TcpStream) -> (String, Vec<u8>) {
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = socket.read(&mut buf).unwrap_or(0);
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..end]).to_string();
            let len: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .unwrap_or(0);
            if raw.len() >= end + 4 + len {
                let path = head
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_owned();
                return (path, raw[end + 4..end + 4 + len].to_vec());
            }
        }
    }
    (String::new(), raw)
}

/// The Smartro settings of the test merchant, in the environment, at `base`.
pub fn smartro_env(c: &mut Command, base: &str) {
    c.env("PGKIT_MERCHANT_KEY", MERCHANT_KEY)
        .env("PGKIT_SMARTRO_MID", "t_2510201m")
        .env("PGKIT_SMARTRO_ENVIRONMENT", base)
        .env("PGKIT_SMARTRO_CANCEL_PASSWORD", "934091");
}
