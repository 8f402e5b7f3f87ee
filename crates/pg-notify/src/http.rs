//! HTTP: an axum [`Router`] mounting `/innopay/notify` and `/smartro/notify` (paths
//! configurable), and [`NotifyService`], a plain tower `Service` for one gateway.
//!
//! Every request gets a raw-log line and an answer: the gateway's acknowledgement body exactly
//! (`0000`, `OK`) only after the event is committed; otherwise `NACK ...` with a 4xx/5xx status
//! and a record (a wrong method, an oversized body, a disallowed address, a malformed body).

use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use axum::routing::any;
use pg_core::GatewayId;
use time::OffsetDateTime;

use crate::allowlist::IpAllowlist;
use crate::event::Delivery;
use crate::pipeline::{Pipeline, Reply, RequestMeta};

/// HTTP settings.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Path of Innopay's notification endpoint. Default `/innopay/notify`.
    pub innopay_path: String,
    /// Path of Smartro's re-notification endpoint. Default `/smartro/notify`.
    pub smartro_path: String,
    /// Largest body accepted. Default 1 MiB.
    pub body_limit: usize,
    /// Time to answer one request. Default 10 s (an unanswered gateway resends anyway).
    pub request_timeout: Duration,
    /// The reverse proxies in front of the receiver. When a request comes from one of them,
    /// the client is the rightmost `X-Forwarded-For` address that is not one of them — the one
    /// your proxy added; anything a client wrote further left is ignored. Empty (the default):
    /// `X-Forwarded-For` is never read.
    pub trusted_proxies: IpAllowlist,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            innopay_path: "/innopay/notify".into(),
            smartro_path: "/smartro/notify".into(),
            body_limit: pg_core::form::DEFAULT_MAX_BODY_BYTES,
            request_timeout: Duration::from_secs(10),
            trusted_proxies: IpAllowlist::new(),
        }
    }
}

/// The router: one route per gateway that has an endpoint in `pipeline`.
pub fn router(pipeline: Pipeline, config: HttpConfig) -> Router {
    let mut router = Router::new();
    for (gateway, path) in [
        (GatewayId::Innopay, config.innopay_path.clone()),
        (GatewayId::Smartro, config.smartro_path.clone()),
    ] {
        if pipeline.endpoint(gateway).is_none() {
            continue;
        }
        let service = NotifyService::new(pipeline.clone(), gateway, config.clone());
        router = router.route(
            &path,
            any(move |request: Request| {
                let service = service.clone();
                async move { service.respond(request).await }
            }),
        );
    }
    router
}

/// A tower `Service` that feeds every request to the pipeline as a delivery for one gateway.
#[derive(Debug, Clone)]
pub struct NotifyService {
    pipeline: Pipeline,
    gateway: GatewayId,
    config: HttpConfig,
}

impl NotifyService {
    /// A service for `gateway`.
    pub fn new(pipeline: Pipeline, gateway: GatewayId, config: HttpConfig) -> Self {
        NotifyService {
            pipeline,
            gateway,
            config,
        }
    }

    /// Answers one request.
    pub async fn respond(&self, request: Request) -> Response {
        let received_at = OffsetDateTime::now_utc();
        let (parts, body) = request.into_parts();
        let remote = client_address(&parts, &self.config.trusted_proxies);
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        // Only the raw log reads the request's method, path and headers: without one, they are
        // not copied (a dozen small strings per delivery).
        let meta = if self.pipeline.keeps_raw_log() {
            RequestMeta {
                method: parts.method.to_string(),
                path: parts.uri.path().to_owned(),
                headers: parts
                    .headers
                    .iter()
                    .map(|(n, v)| {
                        (
                            n.to_string(),
                            String::from_utf8_lossy(v.as_bytes()).into_owned(),
                        )
                    })
                    .collect(),
            }
        } else {
            RequestMeta::default()
        };
        let mut delivery = Delivery {
            gateway: self.gateway,
            received_at,
            remote,
            content_type,
            body: Vec::new(),
        };
        let limit = self.config.body_limit;
        let declared_too_large = parts
            .headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|n| n > limit as u64);
        let reply = if declared_too_large {
            let reason = format!("body larger than {limit} bytes");
            self.pipeline.refuse(delivery, &meta, 413, &reason).await
        } else {
            let read = tokio::time::timeout(
                self.config.request_timeout,
                axum::body::to_bytes(body, limit),
            )
            .await;
            match read {
                Err(_) => {
                    self.pipeline
                        .refuse(delivery, &meta, 408, "timed out reading the body")
                        .await
                }
                Ok(Err(_)) => {
                    let reason = format!("body larger than {limit} bytes, or cut off");
                    self.pipeline.refuse(delivery, &meta, 413, &reason).await
                }
                Ok(Ok(bytes)) => {
                    // Takes the buffer over when nothing else holds it, instead of copying.
                    delivery.body = Vec::from(bytes);
                    if parts.method != Method::POST {
                        let reason = format!("method {} not allowed; POST only", parts.method);
                        self.pipeline.refuse(delivery, &meta, 405, &reason).await
                    } else {
                        match tokio::time::timeout(
                            self.config.request_timeout,
                            self.pipeline.handle(delivery, &meta),
                        )
                        .await
                        {
                            Ok(reply) => reply,
                            Err(_) => Reply {
                                status: 503,
                                body: b"NACK timed out".to_vec(),
                                acknowledged: false,
                            },
                        }
                    }
                }
            }
        };
        to_response(reply)
    }
}

fn to_response(reply: Reply) -> Response {
    let mut response = Response::new(Body::from(reply.body));
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    if reply.status == 405 {
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
    }
    response
}

/// The client: the peer, or — when the peer is a trusted proxy — the rightmost forwarded
/// address that is not a trusted proxy (what a client claims further left is ignored).
fn client_address(parts: &axum::http::request::Parts, trusted: &IpAllowlist) -> Option<IpAddr> {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())?;
    if trusted.is_empty() || !trusted.allows(peer) {
        return Some(peer);
    }
    let mut client = peer;
    // Every X-Forwarded-For header, in order, as one list.
    let hops: Vec<&str> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    for hop in hops.iter().rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) if trusted.allows(ip) => client = ip,
            Ok(ip) => return Some(ip),
            // An unreadable entry where the client should be: not a client address to trust.
            Err(_) => return Some(client),
        }
    }
    Some(client)
}

impl tower::Service<Request> for NotifyService {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let service = self.clone();
        Box::pin(async move { Ok(service.respond(request).await) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(peer: &str, forwarded: &[&str]) -> axum::http::request::Parts {
        let mut request = axum::http::Request::builder();
        for f in forwarded {
            request = request.header("x-forwarded-for", *f);
        }
        let peer: SocketAddr = format!("{peer}:40000").parse().unwrap();
        request
            .extension(ConnectInfo(peer))
            .body(())
            .unwrap()
            .into_parts()
            .0
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn the_client_is_what_the_trusted_proxy_saw() {
        let none = IpAllowlist::new();
        let proxies = IpAllowlist::parse(["127.0.0.1", "10.0.0.0/8"]).unwrap();
        // No trusted proxy: the header is never read.
        assert_eq!(
            client_address(&parts("127.0.0.1", &["211.193.35.216"]), &none),
            ip("127.0.0.1")
        );
        // A client forging Smartro's address through nginx's $proxy_add_x_forwarded_for: the
        // proxy appended the real address on the right.
        assert_eq!(
            client_address(
                &parts("127.0.0.1", &["211.193.35.216, 203.0.113.9"]),
                &proxies
            ),
            ip("203.0.113.9")
        );
        // Two trusted hops (a load balancer, then the proxy), and the header split in two.
        assert_eq!(
            client_address(
                &parts("127.0.0.1", &["211.193.35.216, 198.51.100.4", "10.1.1.1"]),
                &proxies
            ),
            ip("198.51.100.4")
        );
        // A peer that is not a trusted proxy cannot claim anything.
        assert_eq!(
            client_address(&parts("203.0.113.9", &["211.193.35.216"]), &proxies),
            ip("203.0.113.9")
        );
        // Only proxies in the chain, or junk where the client should be.
        assert_eq!(
            client_address(&parts("127.0.0.1", &["10.0.0.7"]), &proxies),
            ip("10.0.0.7")
        );
        assert_eq!(
            client_address(&parts("127.0.0.1", &["bogus, 10.0.0.7"]), &proxies),
            ip("10.0.0.7")
        );
    }
}
