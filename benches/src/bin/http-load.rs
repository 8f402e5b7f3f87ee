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

use pgkit_benches::load::{self, Plan};

/// `http://IP:PORT/PATH` -> (address, path).
fn parse_url(url: &str) -> Option<(SocketAddr, String)> {
    let rest = url.strip_prefix("http://")?;
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].to_owned()),
        None => (rest, "/".to_owned()),
    };
    Some((host.parse().ok()?, path))
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
    let template = template.clone();
    let expect = expect.clone().into_bytes();
    let plan = Plan {
        addr,
        path,
        content_type: content_type.clone(),
        body: Box::new(move |n| template.replace("{n}", &n.to_string())),
        accept: Box::new(move |body| body.windows(expect.len().max(1)).any(|w| w == expect)),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let outcome = runtime.block_on(load::run(
        plan,
        seconds.parse().unwrap_or(10.0),
        connections.parse().unwrap_or(50),
    ));
    let mut summary = outcome.summary();
    summary["url"] = url.as_str().into();
    println!("{summary}");
}
