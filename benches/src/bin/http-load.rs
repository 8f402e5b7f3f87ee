//! A load generator for `cargo xtask bench`, run as its own process so the load does not share
//! the measured server's runtime: keep-alive HTTP/1.1 connections posting one body template,
//! `{n}` replaced by a running number (for unique order numbers), until time is up.
//!
//! ```text
//! http-load URL BODY_TEMPLATE CONTENT_TYPE EXPECT SECONDS CONNECTIONS
//! ```
//!
//! A request counts when the status is 200 and the body contains `EXPECT`; others are errors.
//! Prints one JSON object: requests per second and latency percentiles.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

struct Target {
    addr: SocketAddr,
    path: String,
    template: String,
    content_type: String,
    expect: String,
}

/// `http://HOST:PORT/PATH` -> (address, path).
fn parse_url(url: &str) -> Option<(SocketAddr, String)> {
    let rest = url.strip_prefix("http://")?;
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].to_owned()),
        None => (rest, "/".to_owned()),
    };
    Some((host.parse().ok()?, path))
}

/// One connection's latencies (µs) and errors.
async fn connection(target: Arc<Target>, next: Arc<AtomicU64>, until: Instant) -> (Vec<u32>, u64) {
    let mut latencies = Vec::with_capacity(50_000);
    let mut errors = 0;
    let Ok(stream) = TcpStream::connect(target.addr).await else {
        return (latencies, 1);
    };
    let _ = stream.set_nodelay(true);
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let mut line = String::new();
    let mut body = Vec::new();
    while Instant::now() < until {
        let n = next.fetch_add(1, Ordering::Relaxed);
        let payload = target.template.replace("{n}", &n.to_string());
        let request = format!(
            "POST {} HTTP/1.1\r\nHost: bench\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n{payload}",
            target.path,
            target.content_type,
            payload.len()
        );
        let started = Instant::now();
        if write.write_all(request.as_bytes()).await.is_err() {
            return (latencies, errors + 1);
        }
        let mut length = 0usize;
        let mut status_ok = false;
        let mut first = true;
        loop {
            line.clear();
            match read.read_line(&mut line).await {
                Ok(0) | Err(_) => return (latencies, errors + 1),
                Ok(_) => {}
            }
            if first {
                status_ok = line.starts_with("HTTP/1.1 200");
                first = false;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
            if line == "\r\n" {
                break;
            }
        }
        body.resize(length, 0);
        if read.read_exact(&mut body).await.is_err() {
            return (latencies, errors + 1);
        }
        let expected = body
            .windows(target.expect.len().max(1))
            .any(|w| w == target.expect.as_bytes());
        if !status_ok || !expected {
            errors += 1;
        }
        latencies.push(u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX));
    }
    (latencies, errors)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, template, content_type, expect, seconds, connections] = args.as_slice() else {
        eprintln!("usage: http-load URL BODY_TEMPLATE CONTENT_TYPE EXPECT SECONDS CONNECTIONS");
        std::process::exit(2);
    };
    let Some((addr, path)) = parse_url(url) else {
        eprintln!("http-load: not an http://IP:PORT/PATH URL: {url}");
        std::process::exit(2);
    };
    let seconds: f64 = seconds.parse().unwrap_or(10.0);
    let connections: usize = connections.parse().unwrap_or(50);
    let target = Arc::new(Target {
        addr,
        path,
        template: template.clone(),
        content_type: content_type.clone(),
        expect: expect.clone(),
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let (mut latencies, errors, elapsed) = runtime.block_on(async move {
        let next = Arc::new(AtomicU64::new(0));
        let started = Instant::now();
        let until = started + Duration::from_secs_f64(seconds);
        let tasks: Vec<_> = (0..connections)
            .map(|_| tokio::spawn(connection(target.clone(), next.clone(), until)))
            .collect();
        let mut latencies = Vec::new();
        let mut errors = 0;
        for t in tasks {
            if let Ok((l, e)) = t.await {
                latencies.extend(l);
                errors += e;
            }
        }
        (latencies, errors, started.elapsed().as_secs_f64())
    });
    latencies.sort_unstable();
    let pct = |p: f64| -> f64 {
        if latencies.is_empty() {
            return 0.0;
        }
        let i = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        f64::from(latencies[i]) / 1000.0
    };
    println!(
        "{}",
        json!({
            "url": url,
            "connections": connections,
            "requests": latencies.len(),
            "errors": errors,
            "seconds": elapsed,
            "requests_per_second": latencies.len() as f64 / elapsed,
            "p50_ms": pct(0.50),
            "p99_ms": pct(0.99),
            "max_ms": pct(1.0),
        })
    );
}
