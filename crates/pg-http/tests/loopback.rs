//! Both real backends against a raw loopback HTTP server: exact bytes on the wire, timeouts
//! reported as timeouts, resets as resets, refused connections as connect failures.

#![cfg(any(feature = "reqwest", feature = "hyper"))]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use pg_http::{HttpRequest, HttpResponse, Method, Transport, TransportConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the server does after reading a request.
#[derive(Clone, Copy)]
enum Behaviour {
    Respond,
    Silent,
    Close,
    SlowBody(Duration),
    Huge,
    /// Reads the request, then resets the connection (RST, no answer).
    ResetAfterRequest,
    /// Resets the connection as soon as it is accepted, before reading anything.
    ResetAtOnce,
    /// Reads a few bytes of the request, then closes.
    HalfRead,
}

struct Server {
    url: String,
    received: Arc<Mutex<Vec<Vec<u8>>>>,
}

async fn server(behaviour: Behaviour) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let store = store.clone();
            tokio::spawn(async move {
                match behaviour {
                    Behaviour::ResetAtOnce => {
                        let _ = socket.set_zero_linger();
                        return;
                    }
                    Behaviour::HalfRead => {
                        let mut buf = [0u8; 16];
                        let _ = socket.read(&mut buf).await;
                        return;
                    }
                    _ => {}
                }
                let raw = read_request(&mut socket).await;
                store.lock().unwrap().push(raw);
                match behaviour {
                    Behaviour::Respond => {
                        let body = "{\"resultCode\":\"2001\",\"resultMsg\":\"취소 성공\"}";
                        let head = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=UTF-8\r\nX-Extra: a\r\nContent-Length: {}\r\n\r\n",
                            body.len()
                        );
                        socket.write_all(head.as_bytes()).await.unwrap();
                        socket.write_all(body.as_bytes()).await.unwrap();
                    }
                    Behaviour::Silent => tokio::time::sleep(Duration::from_secs(60)).await,
                    Behaviour::Close => drop(socket),
                    Behaviour::SlowBody(delay) => {
                        socket
                            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345")
                            .await
                            .unwrap();
                        tokio::time::sleep(delay).await;
                        let _ = socket.write_all(b"67890").await;
                    }
                    Behaviour::ResetAfterRequest => {
                        let _ = socket.set_zero_linger();
                    }
                    Behaviour::ResetAtOnce | Behaviour::HalfRead => {}
                    Behaviour::Huge => {
                        let body = vec![b'x'; 4096];
                        let head =
                            format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
                        socket.write_all(head.as_bytes()).await.unwrap();
                        let _ = socket.write_all(&body).await;
                    }
                }
            });
        }
    });
    Server { url, received }
}

/// Reads one request: headers, then `Content-Length` bytes of body.
async fn read_request(socket: &mut tokio::net::TcpStream) -> Vec<u8> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = socket.read(&mut buf).await.unwrap_or(0);
        if n == 0 {
            return raw;
        }
        raw.extend_from_slice(&buf[..n]);
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            if raw.len() >= end + 4 + length {
                return raw;
            }
        }
    }
}

fn body_of(raw: &[u8]) -> &[u8] {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    &raw[end + 4..]
}

fn head_of(raw: &[u8]) -> String {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    String::from_utf8(raw[..end].to_vec()).unwrap()
}

fn short() -> TransportConfig {
    TransportConfig {
        connect_timeout: Duration::from_millis(500),
        timeout: Duration::from_millis(400),
        max_response_bytes: 1024,
        ..TransportConfig::default()
    }
}

fn cancel_request(url: &str) -> HttpRequest {
    let body = "{\"mid\":\"testpay01m\",\"cancelMsg\":\"테스트 취소\",\"cancelAmt\":\"1000\"}";
    HttpRequest::post_json(format!("{url}/api/cancelApi"), body.as_bytes().to_vec())
}

async fn sends_exact_bytes(transport: impl Transport) {
    let server = server(Behaviour::Respond).await;
    let request = cancel_request(&server.url);
    let expected_body = request.body.clone();
    let response = transport.send(request).await.unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.header("x-extra"), Some("a"));
    assert_eq!(
        String::from_utf8(response.body).unwrap(),
        "{\"resultCode\":\"2001\",\"resultMsg\":\"취소 성공\"}"
    );
    let raw = server.received.lock().unwrap()[0].clone();
    assert_eq!(body_of(&raw), expected_body.as_slice());
    let head = head_of(&raw);
    assert!(
        head.starts_with("POST /api/cancelApi HTTP/1.1\r\n"),
        "{head}"
    );
    let lower = format!("{}\r\n", head.to_ascii_lowercase());
    assert!(
        lower.contains("\r\ncontent-type: application/json\r\n"),
        "{head}"
    );
    assert!(lower.contains("\r\naccept: application/json\r\n"), "{head}");
    assert!(
        lower.contains(&format!("\r\ncontent-length: {}\r\n", expected_body.len())),
        "{head}"
    );
}

async fn sends_get_with_exact_query(transport: impl Transport) {
    let server = server(Behaviour::Respond).await;
    let url = format!(
        "{}/api/cardInterface?LicenseKey=Ma29/%2Be4==&GoodsName=%ED%85%8C",
        server.url
    );
    let request = HttpRequest {
        method: Method::Get,
        url,
        headers: vec![],
        body: vec![],
    };
    transport.send(request).await.unwrap();
    let head = head_of(&server.received.lock().unwrap()[0]);
    assert!(
        head.starts_with(
            "GET /api/cardInterface?LicenseKey=Ma29/%2Be4==&GoodsName=%ED%85%8C HTTP/1.1\r\n"
        ),
        "{head}"
    );
}

async fn silent_server_is_a_timeout(transport: impl Transport) {
    let server = server(Behaviour::Silent).await;
    let err = transport
        .send(cancel_request(&server.url))
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(!err.is_connect(), "{err}");
    assert!(err.request_may_have_been_sent());
}

async fn slow_body_is_a_timeout(transport: impl Transport) {
    let server = server(Behaviour::SlowBody(Duration::from_secs(5))).await;
    let err = transport
        .send(cancel_request(&server.url))
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(err.request_may_have_been_sent());
}

async fn closed_connection_is_a_reset(transport: impl Transport) {
    let server = server(Behaviour::Close).await;
    let err = transport
        .send(cancel_request(&server.url))
        .await
        .unwrap_err();
    assert!(err.is_reset(), "{err}");
    assert!(err.request_may_have_been_sent());
}

/// Once connected, no failure is "nothing was sent": on a call that moves money it is an
/// unknown outcome.
async fn failures_after_connecting_may_have_sent(transport: impl Transport) {
    for behaviour in [
        Behaviour::ResetAfterRequest,
        Behaviour::ResetAtOnce,
        Behaviour::HalfRead,
        Behaviour::Close,
    ] {
        let server = server(behaviour).await;
        let err = transport
            .send(cancel_request(&server.url))
            .await
            .unwrap_err();
        assert!(err.request_may_have_been_sent(), "{err}");
        assert!(!err.is_connect(), "{err}");
        let money = pg_core::Error::from_money_call("cancel", err);
        assert!(money.is_outcome_unknown(), "{money}");
    }
}

async fn refused_connection_is_connect(transport: impl Transport) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let err = transport.send(cancel_request(&url)).await.unwrap_err();
    assert!(err.is_connect(), "{err}");
    assert!(!err.request_may_have_been_sent());
}

async fn oversized_body_is_refused(transport: impl Transport) {
    let server = server(Behaviour::Huge).await;
    let err = transport
        .send(cancel_request(&server.url))
        .await
        .unwrap_err();
    assert!(err.is_body(), "{err}");
}

async fn bad_url_is_invalid_request(transport: impl Transport) {
    let err = transport
        .send(HttpRequest::post_json("not a url", Vec::new()))
        .await
        .unwrap_err();
    assert!(err.is_invalid_request() || err.is_connect(), "{err}");
    assert!(!err.request_may_have_been_sent());
}

macro_rules! backend_suite {
    ($module:ident, $feature:literal, $make:expr) => {
        #[cfg(feature = $feature)]
        mod $module {
            use super::*;

            fn transport() -> impl Transport {
                $make(short()).unwrap()
            }

            #[tokio::test]
            async fn exact_bytes() {
                sends_exact_bytes(transport()).await;
            }
            #[tokio::test]
            async fn exact_query() {
                sends_get_with_exact_query(transport()).await;
            }
            #[tokio::test]
            async fn timeout() {
                silent_server_is_a_timeout(transport()).await;
            }
            #[tokio::test]
            async fn slow_body() {
                slow_body_is_a_timeout(transport()).await;
            }
            #[tokio::test]
            async fn reset() {
                closed_connection_is_a_reset(transport()).await;
            }
            #[tokio::test]
            async fn after_connecting() {
                failures_after_connecting_may_have_sent(transport()).await;
            }
            #[tokio::test]
            async fn refused() {
                refused_connection_is_connect(transport()).await;
            }
            #[tokio::test]
            async fn oversized() {
                oversized_body_is_refused(transport()).await;
            }
            #[tokio::test]
            async fn bad_url() {
                bad_url_is_invalid_request(transport()).await;
            }
            #[test]
            fn defaults_follow_the_vendor_samples() {
                let config = TransportConfig::default();
                assert_eq!(config.connect_timeout, Duration::from_secs(1));
                assert_eq!(config.timeout, Duration::from_secs(10));
            }
        }
    };
}

backend_suite!(
    reqwest_backend,
    "reqwest",
    pg_http::ReqwestTransport::with_config
);
backend_suite!(hyper_backend, "hyper", pg_http::HyperTransport::with_config);

#[allow(dead_code)]
fn _response_type_is_used(_: HttpResponse) {}
