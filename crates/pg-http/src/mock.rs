//! [`MockTransport`] (feature `mock`): replays canned responses, records what was sent, and
//! injects faults (connect timeout, refused connection, read timeout, reset, slow body).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use pg_core::TransportError;

use crate::message::{HttpRequest, HttpResponse};
use crate::transport::{Transport, TransportConfig};

/// A fault to inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// No connection within the connect timeout; nothing is sent.
    ConnectTimeout,
    /// The connection is refused; nothing is sent.
    ConnectRefused,
    /// The request is sent, and no answer comes within the timeout.
    ReadTimeout,
    /// The request is sent, and the connection is reset before the answer.
    Reset,
}

/// One scripted reply.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum MockReply {
    /// Answer with this response.
    Respond(HttpResponse),
    /// Fail with this fault.
    Fault(Fault),
    /// Answer after `delay`; if the delay exceeds the transport's timeout, fail with a timeout
    /// once the timeout has passed (as a real backend would).
    SlowBody {
        /// How long the body takes.
        delay: Duration,
        /// The response, if it arrives in time.
        response: HttpResponse,
    },
}

impl From<HttpResponse> for MockReply {
    fn from(response: HttpResponse) -> Self {
        MockReply::Respond(response)
    }
}

impl From<Fault> for MockReply {
    fn from(fault: Fault) -> Self {
        MockReply::Fault(fault)
    }
}

type Handler = Box<dyn Fn(&HttpRequest) -> MockReply + Send + Sync>;

/// A [`Transport`] that never touches the network.
///
/// Replies come from a queue (in order), or from a handler function once the queue is empty.
/// Requests that "reached the server" are recorded; connect faults are counted as attempts only.
///
/// ```
/// # tokio_test_block_on(async {
/// use pg_http::{HttpRequest, HttpResponse, Transport};
/// use pg_http::mock::{Fault, MockTransport};
///
/// let mock = MockTransport::new();
/// mock.push(HttpResponse::json(br#"{"resultCode":"2001"}"#.to_vec()));
/// mock.push(Fault::ReadTimeout);
/// let first = mock.send(HttpRequest::post_json("https://x/api", b"{}".to_vec())).await.unwrap();
/// assert_eq!(first.status, 200);
/// let second = mock.send(HttpRequest::post_json("https://x/api", b"{}".to_vec())).await;
/// assert!(second.unwrap_err().is_timeout());
/// assert_eq!(mock.requests().len(), 2);
/// # });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(f)
/// # }
/// ```
pub struct MockTransport {
    queue: Mutex<VecDeque<MockReply>>,
    handler: Option<Handler>,
    recorded: Mutex<Vec<HttpRequest>>,
    attempts: Mutex<usize>,
    config: TransportConfig,
}

impl std::fmt::Debug for MockTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockTransport")
            .field("queued", &lock(&self.queue).len())
            .field("recorded", &lock(&self.recorded).len())
            .field("has_handler", &self.handler.is_some())
            .finish()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Default for MockTransport {
    fn default() -> Self {
        MockTransport::new()
    }
}

impl MockTransport {
    /// A mock with an empty script and the default limits.
    pub fn new() -> Self {
        MockTransport {
            queue: Mutex::new(VecDeque::new()),
            handler: None,
            recorded: Mutex::new(Vec::new()),
            attempts: Mutex::new(0),
            config: TransportConfig::default(),
        }
    }

    /// A mock that answers every request with `handler` once the queue is empty.
    pub fn with_handler(
        handler: impl Fn(&HttpRequest) -> MockReply + Send + Sync + 'static,
    ) -> Self {
        MockTransport {
            handler: Some(Box::new(handler)),
            ..MockTransport::new()
        }
    }

    /// Uses these limits (the timeout matters for [`MockReply::SlowBody`]).
    pub fn with_config(mut self, config: TransportConfig) -> Self {
        self.config = config;
        self
    }

    /// Queues a reply.
    pub fn push(&self, reply: impl Into<MockReply>) -> &Self {
        lock(&self.queue).push_back(reply.into());
        self
    }

    /// The requests that reached the (mock) server, in order.
    pub fn requests(&self) -> Vec<HttpRequest> {
        lock(&self.recorded).clone()
    }

    /// The last request that reached the server.
    pub fn last_request(&self) -> Option<HttpRequest> {
        lock(&self.recorded).last().cloned()
    }

    /// Every call to `send`, connect failures included.
    pub fn attempts(&self) -> usize {
        *lock(&self.attempts)
    }

    /// Replies still queued.
    pub fn remaining(&self) -> usize {
        lock(&self.queue).len()
    }
}

#[async_trait::async_trait]
impl Transport for MockTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        *lock(&self.attempts) += 1;
        let queued = lock(&self.queue).pop_front();
        let reply = match queued {
            Some(reply) => reply,
            None => match &self.handler {
                Some(handler) => handler(&request),
                None => {
                    return Err(TransportError::other(
                        "mock transport: no reply scripted for this request",
                    ));
                }
            },
        };
        match reply {
            MockReply::Fault(Fault::ConnectTimeout) => Err(TransportError::connect_timeout(Some(
                "mock: connect timeout".into(),
            ))),
            MockReply::Fault(Fault::ConnectRefused) => {
                Err(TransportError::connect("mock: connection refused"))
            }
            MockReply::Fault(Fault::ReadTimeout) => {
                lock(&self.recorded).push(request);
                Err(TransportError::timeout(Some("mock: read timeout".into())))
            }
            MockReply::Fault(Fault::Reset) => {
                lock(&self.recorded).push(request);
                Err(TransportError::reset("mock: connection reset by peer"))
            }
            MockReply::Respond(response) => {
                lock(&self.recorded).push(request);
                check_size(response, self.config.max_response_bytes)
            }
            MockReply::SlowBody { delay, response } => {
                lock(&self.recorded).push(request);
                if delay > self.config.timeout {
                    tokio::time::sleep(self.config.timeout).await;
                    return Err(TransportError::timeout(Some(
                        "mock: body slower than the timeout".into(),
                    )));
                }
                tokio::time::sleep(delay).await;
                check_size(response, self.config.max_response_bytes)
            }
        }
    }
}

fn check_size(response: HttpResponse, limit: usize) -> Result<HttpResponse, TransportError> {
    if response.body.len() > limit {
        Err(TransportError::response_too_large(limit))
    } else {
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::HttpRequest;

    fn request() -> HttpRequest {
        HttpRequest::post_json("https://api.example/cancel", b"{\"a\":1}".to_vec())
    }

    #[tokio::test]
    async fn replays_in_order_and_records() {
        let mock = MockTransport::new();
        mock.push(HttpResponse::json(b"one".to_vec()));
        mock.push(HttpResponse::new(500, b"two".to_vec()));
        assert_eq!(mock.send(request()).await.unwrap().body, b"one");
        assert_eq!(mock.send(request()).await.unwrap().status, 500);
        assert!(mock.send(request()).await.is_err());
        assert_eq!(mock.requests().len(), 2);
        assert_eq!(mock.attempts(), 3);
        assert_eq!(mock.last_request().unwrap().body, b"{\"a\":1}");
    }

    #[tokio::test]
    async fn connect_faults_send_nothing() {
        let mock = MockTransport::new();
        mock.push(Fault::ConnectTimeout);
        mock.push(Fault::ConnectRefused);
        let timeout = mock.send(request()).await.unwrap_err();
        assert!(timeout.is_timeout() && timeout.is_connect());
        assert!(!timeout.request_may_have_been_sent());
        let refused = mock.send(request()).await.unwrap_err();
        assert!(refused.is_connect() && !refused.is_timeout());
        assert!(mock.requests().is_empty());
        assert_eq!(mock.attempts(), 2);
    }

    #[tokio::test]
    async fn read_faults_may_have_reached_the_server() {
        let mock = MockTransport::new();
        mock.push(Fault::ReadTimeout);
        mock.push(Fault::Reset);
        let timeout = mock.send(request()).await.unwrap_err();
        assert!(timeout.is_timeout() && timeout.request_may_have_been_sent());
        let reset = mock.send(request()).await.unwrap_err();
        assert!(reset.is_reset() && reset.request_may_have_been_sent());
        assert_eq!(mock.requests().len(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn slow_bodies_time_out_at_the_configured_timeout() {
        let mock = MockTransport::new();
        mock.push(MockReply::SlowBody {
            delay: Duration::from_secs(3),
            response: HttpResponse::json(b"late but in time".to_vec()),
        });
        mock.push(MockReply::SlowBody {
            delay: Duration::from_secs(30),
            response: HttpResponse::json(b"too late".to_vec()),
        });
        let started = tokio::time::Instant::now();
        assert_eq!(
            mock.send(request()).await.unwrap().body,
            b"late but in time"
        );
        assert_eq!(started.elapsed(), Duration::from_secs(3));
        let err = mock.send(request()).await.unwrap_err();
        assert!(err.is_timeout());
        assert_eq!(started.elapsed(), Duration::from_secs(13));
    }

    #[tokio::test]
    async fn handler_answers_after_the_queue() {
        let mock = MockTransport::with_handler(|r| {
            HttpResponse::new(200, format!("echo {}", r.body.len())).into()
        });
        mock.push(HttpResponse::new(201, Vec::new()));
        assert_eq!(mock.send(request()).await.unwrap().status, 201);
        assert_eq!(mock.send(request()).await.unwrap().body, b"echo 7");
    }

    #[tokio::test]
    async fn oversized_responses_are_refused() {
        let mock = MockTransport::new().with_config(TransportConfig {
            max_response_bytes: 4,
            ..TransportConfig::default()
        });
        mock.push(HttpResponse::new(200, b"12345".to_vec()));
        assert!(mock.send(request()).await.unwrap_err().is_body());
    }
}
