//! An incoming request, read whole: what every simulator endpoint starts from.

use axum::body::Bytes;
use axum::extract::Request;
use axum::http::{Method, header};

use crate::server::ConnectionKill;
use crate::wire::MAX_BODY;

/// A request with its body.
#[derive(Debug)]
pub(crate) struct Incoming {
    pub(crate) method: Method,
    /// The raw query string, if any.
    pub(crate) query: Option<String>,
    pub(crate) content_type: Option<String>,
    pub(crate) body: Bytes,
    /// Closes the connection unanswered (failure rehearsal).
    pub(crate) kill: Option<ConnectionKill>,
}

impl Incoming {
    /// Reads the request; a body over the limit (or one that breaks off) is an error message.
    pub(crate) async fn read(request: Request) -> Result<Incoming, String> {
        let (parts, body) = request.into_parts();
        let body = axum::body::to_bytes(body, MAX_BODY)
            .await
            .map_err(|e| format!("요청 본문을 읽을 수 없습니다 ({MAX_BODY} bytes 이하): {e}"))?;
        Ok(Incoming {
            method: parts.method,
            query: parts.uri.query().map(str::to_owned),
            content_type: parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body,
            kill: parts.extensions.get::<ConnectionKill>().cloned(),
        })
    }

    /// The `Content-Type`, if any.
    pub(crate) fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }
}
