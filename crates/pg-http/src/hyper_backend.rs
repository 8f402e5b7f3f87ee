//! The hyper client backend (feature `hyper`): hyper-util's pooled client over rustls
//! (aws-lc-rs provider, Mozilla roots, TLS 1.2 or newer), HTTP/1.1.

use std::sync::Arc;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use pg_core::TransportError;

use crate::message::{HttpRequest, HttpResponse, Method};
use crate::transport::{IoClass, Transport, TransportConfig, after_connect, classify_io, describe};

/// A [`Transport`] over hyper.
#[derive(Clone)]
pub struct HyperTransport {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    config: TransportConfig,
}

impl std::fmt::Debug for HyperTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HyperTransport")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl HyperTransport {
    /// A transport with the default limits (connect 1 s, total 10 s).
    pub fn new() -> Result<Self, TransportError> {
        HyperTransport::with_config(TransportConfig::default())
    }

    /// A transport with the given limits.
    pub fn with_config(config: TransportConfig) -> Result<Self, TransportError> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(config.connect_timeout));
        http.set_nodelay(true);
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(provider)
            .map_err(|e| TransportError::other(e.to_string()))?
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new()).build(https);
        Ok(HyperTransport { client, config })
    }

    /// The limits in use.
    pub fn config(&self) -> &TransportConfig {
        &self.config
    }

    async fn exchange(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let method = match request.method {
            Method::Get => hyper::Method::GET,
            Method::Post => hyper::Method::POST,
        };
        let mut builder = hyper::Request::builder()
            .method(method)
            .uri(request.url.as_str())
            .header("user-agent", self.config.user_agent.as_str());
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let built = builder
            .body(Full::new(Bytes::from(request.body)))
            .map_err(|e| TransportError::invalid_request(e.to_string()))?;
        let response = self.client.request(built).await.map_err(map_client_error)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let limit = self.config.max_response_bytes;
        let body = Limited::new(response.into_body(), limit)
            .collect()
            .await
            .map_err(|e| {
                if e.is::<http_body_util::LengthLimitError>() {
                    TransportError::response_too_large(limit)
                } else {
                    after_connect(classify_io(e.as_ref()), describe(e.as_ref()))
                }
            })?
            .to_bytes()
            .to_vec();
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}

#[async_trait::async_trait]
impl Transport for HyperTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let span = tracing::debug_span!(
            "http.send",
            backend = "hyper",
            method = request.method.as_str(),
            body_len = request.body.len()
        );
        let _guard = span.enter();
        match tokio::time::timeout(self.config.timeout, self.exchange(request)).await {
            Ok(result) => result,
            Err(_) => Err(TransportError::timeout(Some(
                format!("no complete response within {:?}", self.config.timeout).into(),
            ))),
        }
    }
}

fn map_client_error(error: hyper_util::client::legacy::Error) -> TransportError {
    let message = describe(&error);
    if error.is_connect() {
        return match classify_io(&error) {
            Some(IoClass::Timeout) => TransportError::connect_timeout(Some(message.into())),
            _ => TransportError::connect(message),
        };
    }
    // A closed or reset connection after connecting (hyper's "incomplete message" included).
    after_connect(classify_io(&error), message)
}
