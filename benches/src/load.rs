//! The load generator both load tests use: keep-alive HTTP/1.1 connections, each sending the
//! next request as soon as the previous answer is read, until time is up.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Makes request number `n`'s body.
pub type BodyFn = Box<dyn Fn(u64) -> String + Send + Sync>;
/// Says whether an answer's body is a success.
pub type AcceptFn = Box<dyn Fn(&[u8]) -> bool + Send + Sync>;

/// What to send and what counts as a good answer.
pub struct Plan {
    /// The server.
    pub addr: SocketAddr,
    /// The request path.
    pub path: String,
    /// The `Content-Type` of the body.
    pub content_type: String,
    /// The body of request number `n` (unique ids come from `n`).
    pub body: BodyFn,
    /// Whether an answer's body (with status 200) is a success.
    pub accept: AcceptFn,
}

impl std::fmt::Debug for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plan")
            .field("addr", &self.addr)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// What a run measured.
#[derive(Debug)]
pub struct Outcome {
    /// Every good answer's latency, in microseconds.
    pub latencies_us: Vec<u32>,
    /// Answers that were not good, and broken connections.
    pub errors: u64,
    /// How long the run took.
    pub seconds: f64,
}

/// One connection's latencies and errors.
async fn connection(plan: Arc<Plan>, next: Arc<AtomicU64>, until: Instant) -> (Vec<u32>, u64) {
    let mut latencies = Vec::with_capacity(50_000);
    let mut errors = 0;
    let Ok(stream) = TcpStream::connect(plan.addr).await else {
        return (latencies, 1);
    };
    let _ = stream.set_nodelay(true);
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let mut line = String::new();
    let mut body = Vec::new();
    while Instant::now() < until {
        let payload = (plan.body)(next.fetch_add(1, Ordering::Relaxed));
        let request = format!(
            "POST {} HTTP/1.1\r\nHost: bench\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n{payload}",
            plan.path,
            plan.content_type,
            payload.len()
        );
        let started = Instant::now();
        if write.write_all(request.as_bytes()).await.is_err() {
            return (latencies, errors + 1);
        }
        // Status line, headers, then Content-Length bytes of body.
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
        if status_ok && (plan.accept)(&body) {
            latencies.push(u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX));
        } else {
            errors += 1;
        }
    }
    (latencies, errors)
}

/// Runs `plan` over `connections` connections for `seconds`.
pub async fn run(plan: Plan, seconds: f64, connections: usize) -> Outcome {
    let plan = Arc::new(plan);
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let until = started + Duration::from_secs_f64(seconds);
    let tasks: Vec<_> = (0..connections)
        .map(|_| tokio::spawn(connection(plan.clone(), next.clone(), until)))
        .collect();
    let mut latencies_us = Vec::new();
    let mut errors = 0;
    for t in tasks {
        if let Ok((l, e)) = t.await {
            latencies_us.extend(l);
            errors += e;
        }
    }
    Outcome {
        latencies_us,
        errors,
        seconds: started.elapsed().as_secs_f64(),
    }
}

impl Outcome {
    /// Requests per second and latency percentiles, as JSON.
    pub fn summary(mut self) -> Value {
        self.latencies_us.sort_unstable();
        let pct = |p: f64| -> f64 {
            if self.latencies_us.is_empty() {
                return 0.0;
            }
            let i = ((self.latencies_us.len() as f64 - 1.0) * p).round() as usize;
            f64::from(self.latencies_us[i]) / 1000.0
        };
        json!({
            "requests": self.latencies_us.len(),
            "errors": self.errors,
            "seconds": self.seconds,
            "requests_per_second": self.latencies_us.len() as f64 / self.seconds,
            "p50_ms": pct(0.50),
            "p99_ms": pct(0.99),
            "max_ms": pct(1.0),
        })
    }
}
