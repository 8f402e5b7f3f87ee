//! HTTP transport for pgkit.
//!
//! The gateway crates are sans-I/O: they turn typed requests into an [`HttpRequest`] and an
//! [`HttpResponse`] into typed results. A [`Transport`] sends one and returns the other.
//!
//! | backend | feature | what for |
//! |---|---|---|
//! | [`ReqwestTransport`] | `reqwest` (default) | production: rustls, TLS 1.2+, connect 1 s, total 10 s |
//! | `HyperTransport` | `hyper` | production without reqwest's extras: hyper-util + rustls |
//! | [`mock::MockTransport`] | `mock` | tests: canned responses, recorded requests, faults |
//!
//! Transports never retry and never follow redirects. Failures are a [`TransportError`] whose
//! predicates say what happened — and, through
//! [`TransportError::request_may_have_been_sent`], whether the gateway may have acted on it.
//!
//! ```no_run
//! # async fn f() -> Result<(), pg_http::TransportError> {
//! use pg_http::{HttpRequest, ReqwestTransport, Transport};
//! let transport = ReqwestTransport::new()?;
//! let response = transport
//!     .send(HttpRequest::post_json("https://api.innopay.co.kr/api/cancelApi", b"{}".to_vec()))
//!     .await;
//! match response {
//!     Ok(r) => println!("HTTP {}", r.status),
//!     Err(e) if e.request_may_have_been_sent() => println!("outcome unknown: {e}"),
//!     Err(e) => println!("not sent: {e}"),
//! }
//! # Ok(()) }
//! ```

#[cfg(feature = "hyper")]
mod hyper_backend;
mod message;
#[cfg(feature = "mock")]
pub mod mock;
#[cfg(feature = "reqwest")]
mod reqwest_backend;
mod transport;

#[cfg(feature = "hyper")]
pub use hyper_backend::HyperTransport;
pub use message::{HttpRequest, HttpResponse, Method};
pub use pg_core::TransportError;
#[cfg(feature = "reqwest")]
pub use reqwest_backend::ReqwestTransport;
pub use transport::{Transport, TransportConfig};
