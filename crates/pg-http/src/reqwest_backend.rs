//! The reqwest backend (feature `reqwest`, on by default): rustls, TLS 1.2 or newer, no proxy
//! lookup, no redirects, no retries.

use pg_core::TransportError;

use crate::message::{HttpRequest, HttpResponse, Method};
use crate::transport::{Transport, TransportConfig, after_connect, classify_io, describe};

/// A [`Transport`] over a shared `reqwest::Client`.
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    config: TransportConfig,
}

impl ReqwestTransport {
    /// A transport with the default limits (connect 1 s, total 10 s).
    pub fn new() -> Result<Self, TransportError> {
        ReqwestTransport::with_config(TransportConfig::default())
    }

    /// A transport with the given limits.
    pub fn with_config(config: TransportConfig) -> Result<Self, TransportError> {
        let client = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .tls_version_min(reqwest::tls::Version::TLS_1_2)
            .redirect(reqwest::redirect::Policy::none())
            .http1_only()
            .no_proxy()
            .user_agent(config.user_agent.clone())
            .build()
            .map_err(|e| TransportError::other(describe(&e.without_url())))?;
        Ok(ReqwestTransport { client, config })
    }

    /// The limits in use.
    pub fn config(&self) -> &TransportConfig {
        &self.config
    }
}

#[async_trait::async_trait]
impl Transport for ReqwestTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let span = tracing::debug_span!(
            "http.send",
            backend = "reqwest",
            method = request.method.as_str(),
            body_len = request.body.len()
        );
        let _guard = span.enter();
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
        };
        let mut builder = self.client.request(method, request.url.as_str());
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let built = builder
            .body(request.body)
            .build()
            .map_err(|e| TransportError::invalid_request(describe(&e.without_url())))?;
        let mut response = self.client.execute(built).await.map_err(map_error)?;
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
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(map_error)? {
            if body.len() + chunk.len() > self.config.max_response_bytes {
                return Err(TransportError::response_too_large(
                    self.config.max_response_bytes,
                ));
            }
            body.extend_from_slice(&chunk);
        }
        tracing::debug!(status, body_len = body.len(), "http.response");
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}

fn map_error(error: reqwest::Error) -> TransportError {
    let error = error.without_url();
    let message = describe(&error);
    if error.is_builder() {
        return TransportError::invalid_request(message);
    }
    if error.is_connect() {
        return if error.is_timeout() {
            TransportError::connect_timeout(Some(message.into()))
        } else {
            TransportError::connect(message)
        };
    }
    if error.is_timeout() {
        return TransportError::timeout(Some(message.into()));
    }
    match classify_io(&error) {
        // After connecting, a failed exchange means the connection broke: the request may
        // have been sent, whatever the I/O error says.
        class @ Some(_) => after_connect(class, message),
        None if error.is_request() => TransportError::reset(message),
        None if error.is_body() || error.is_decode() => TransportError::body(message),
        None => TransportError::other(message),
    }
}
