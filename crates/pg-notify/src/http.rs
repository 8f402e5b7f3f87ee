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
    /// Take the client address from `X-Forwarded-For` (only behind a proxy you control).
    pub trust_forwarded_for: bool,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            innopay_path: "/innopay/notify".into(),
            smartro_path: "/smartro/notify".into(),
            body_limit: pg_core::form::DEFAULT_MAX_BODY_BYTES,
            request_timeout: Duration::from_secs(10),
            trust_forwarded_for: false,
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
        let remote = client_address(&parts, self.config.trust_forwarded_for);
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let meta = RequestMeta {
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
                    delivery.body = bytes.to_vec();
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

fn client_address(parts: &axum::http::request::Parts, trust_forwarded_for: bool) -> Option<IpAddr> {
    if trust_forwarded_for {
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok());
        if forwarded.is_some() {
            return forwarded;
        }
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
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
