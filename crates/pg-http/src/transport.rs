//! The [`Transport`] trait and its configuration.

use std::time::Duration;

use pg_core::TransportError;

use crate::message::{HttpRequest, HttpResponse};

/// Sends one request and returns the whole response.
///
/// Implementations send exactly the method, URL, headers and body given (adding only what HTTP
/// itself needs: `Host`, `Content-Length`), never retry, never follow redirects, and report
/// failures with [`TransportError`]'s predicates so callers can tell "nothing was sent" from
/// "the outcome is unknown".
#[async_trait::async_trait]
pub trait Transport: Send + Sync {
    /// Sends `request`.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError>;
}

#[async_trait::async_trait]
impl<T: Transport + ?Sized> Transport for std::sync::Arc<T> {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        (**self).send(request).await
    }
}

#[async_trait::async_trait]
impl<T: Transport + ?Sized> Transport for &T {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        (**self).send(request).await
    }
}

/// Limits for one exchange. The defaults follow the vendors' samples.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportConfig {
    /// Time to establish the connection (TCP and TLS). Default 1 s.
    pub connect_timeout: Duration,
    /// Time for the whole exchange, from connecting to the last body byte. Default 10 s.
    pub timeout: Duration,
    /// Largest response body accepted. Default 1 MiB.
    pub max_response_bytes: usize,
    /// The `User-Agent` header.
    pub user_agent: String,
}

impl Default for TransportConfig {
    fn default() -> Self {
        TransportConfig {
            connect_timeout: Duration::from_secs(1),
            timeout: Duration::from_secs(10),
            max_response_bytes: 1 << 20,
            user_agent: concat!("pgkit/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

/// Classifies an error from a backend by walking its source chain: timeouts, resets and closed
/// connections. `connected` says whether the connection was established (so that a failure
/// cannot have happened before sending).
#[cfg(any(feature = "reqwest", feature = "hyper"))]
pub(crate) fn classify_io(error: &(dyn std::error::Error + 'static)) -> Option<IoClass> {
    use std::io::ErrorKind;
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            match io.kind() {
                ErrorKind::TimedOut => return Some(IoClass::Timeout),
                ErrorKind::ConnectionRefused
                | ErrorKind::AddrNotAvailable
                | ErrorKind::NetworkUnreachable
                | ErrorKind::HostUnreachable => return Some(IoClass::Refused),
                ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::BrokenPipe
                | ErrorKind::UnexpectedEof => return Some(IoClass::Reset),
                _ => {}
            }
        }
        current = e.source();
    }
    None
}

/// A failure once the connection was established: the request may have been sent whatever the
/// I/O error says — a "refused" or "unreachable" seen mid-exchange (an ICMP error, a reset
/// peer) comes after the bytes may have left. Only a timeout keeps its own kind.
#[cfg(any(feature = "reqwest", feature = "hyper"))]
pub(crate) fn after_connect(class: Option<IoClass>, message: String) -> TransportError {
    match class {
        Some(IoClass::Timeout) => TransportError::timeout(Some(message.into())),
        Some(IoClass::Refused | IoClass::Reset) | None => TransportError::reset(message),
    }
}

/// What an I/O error in a backend's source chain says.
#[cfg(any(feature = "reqwest", feature = "hyper"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IoClass {
    Timeout,
    Refused,
    Reset,
}

/// A message for a backend error, without URLs.
#[cfg(any(feature = "reqwest", feature = "hyper"))]
pub(crate) fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![error.to_string()];
    let mut current = error.source();
    while let Some(e) = current {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

#[cfg(all(test, any(feature = "reqwest", feature = "hyper")))]
mod tests {
    use super::*;

    #[test]
    fn after_connecting_nothing_is_nothing_sent() {
        for class in [Some(IoClass::Refused), Some(IoClass::Reset), None] {
            let e = after_connect(class, "x".into());
            assert!(
                e.request_may_have_been_sent() && e.is_reset(),
                "{class:?}: {e}"
            );
        }
        let e = after_connect(Some(IoClass::Timeout), "x".into());
        assert!(e.is_timeout() && e.request_may_have_been_sent());
    }
}
