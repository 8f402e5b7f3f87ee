//! The error type of every gateway operation, and its focused parts.
//!
//! A gateway's *refusal* (a result code that is not success) is not an error: it is an outcome
//! (see [`crate::gateway`]). Errors are what stops an operation from having a known outcome:
//! invalid input (nothing was sent), a transport failure, a protocol violation, a crypto failure,
//! or — for calls that move money — an outcome that is unknown.

use std::borrow::Cow;
use std::fmt;

use crate::field_spec::{Rule, Violation};

/// The error of a gateway operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request breaks the manual's rules; nothing was sent.
    #[error(transparent)]
    InvalidInput(#[from] InvalidInput),
    /// The request could not be delivered, or the response could not be read, on a call whose
    /// outcome is not in doubt (nothing was sent, or the call changes nothing).
    #[error("transport failure: {0}")]
    Transport(#[from] TransportError),
    /// The gateway answered something that does not follow its protocol.
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    /// Hashing, encryption or decryption failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// A call that changes money (approval, cancel) may or may not have taken effect: the request
    /// may have reached the gateway, but no answer came back. Do **not** retry blindly: look the
    /// transaction up (or wait for the gateway's notification) first.
    #[error("outcome of {operation} unknown: {cause}")]
    OutcomeUnknown {
        /// The operation (`"cancel"`, `"approval"`...).
        operation: &'static str,
        /// What went wrong on the way: a [`Error::Transport`] (timeout, reset) or an
        /// [`Error::Protocol`] (an answer that cannot be read, such as a proxy's error page).
        cause: Box<Error>,
    },
    /// The gateway approved a different amount than the merchant expected. The payment went
    /// through: cancel it (or reconcile) rather than shipping.
    #[error("approved amount {actual:?} for {tid} differs from the expected {expected}")]
    AmountMismatch {
        /// The transaction.
        tid: String,
        /// What the merchant expected.
        expected: crate::won::Won,
        /// What was approved, if the answer said.
        actual: Option<crate::won::Won>,
    },
    /// The gateway does not offer this operation.
    #[error("{gateway} does not support {operation}")]
    Unsupported {
        /// The gateway.
        gateway: &'static str,
        /// The operation asked for.
        operation: &'static str,
    },
}

impl Error {
    /// Whether the operation's outcome at the gateway is unknown.
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, Error::OutcomeUnknown { .. })
    }

    /// Whether the error is invalid input (and so nothing was sent).
    pub fn is_invalid_input(&self) -> bool {
        matches!(self, Error::InvalidInput(_))
    }

    /// The invalid-input details, if that is what this is.
    pub fn invalid_input(&self) -> Option<&InvalidInput> {
        match self {
            Error::InvalidInput(e) => Some(e),
            _ => None,
        }
    }

    /// Classifies a transport failure on a call that changes money: if the request may have
    /// reached the gateway the outcome is unknown, otherwise it is a plain transport failure.
    pub fn from_money_call(operation: &'static str, cause: TransportError) -> Error {
        if cause.request_may_have_been_sent() {
            Error::OutcomeUnknown {
                operation,
                cause: Box::new(Error::Transport(cause)),
            }
        } else {
            Error::Transport(cause)
        }
    }

    /// An answer to a call that changes money could not be read: the gateway may have acted on
    /// the request, so the outcome is unknown.
    pub fn unreadable_money_answer(operation: &'static str, cause: ProtocolError) -> Error {
        Error::OutcomeUnknown {
            operation,
            cause: Box::new(Error::Protocol(cause)),
        }
    }
}

/// Every rule a request breaks. Nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidInput {
    violations: Vec<Violation>,
}

impl InvalidInput {
    /// Invalid input with these violations (at least one).
    pub fn new(violations: Vec<Violation>) -> Self {
        InvalidInput { violations }
    }

    /// Invalid input with one violation.
    pub fn single(field: impl Into<Cow<'static, str>>, rule: Rule) -> Self {
        InvalidInput {
            violations: vec![Violation::new(field, rule)],
        }
    }

    /// Every violation, in the order found.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// The names of the fields at fault, in order (a field may appear more than once).
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.violations.iter().map(|v| v.field.as_ref())
    }

    /// The violations of one field.
    pub fn of_field<'a>(&'a self, field: &'a str) -> impl Iterator<Item = &'a Rule> + 'a {
        self.violations
            .iter()
            .filter(move |v| v.field == field)
            .map(|v| &v.rule)
    }
}

impl fmt::Display for InvalidInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid input: ")?;
        for (i, v) in self.violations.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{v}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InvalidInput {}

/// A transport failure: connecting, sending or receiving.
///
/// Opaque, with predicates, so that it can grow: [`is_timeout`](Self::is_timeout),
/// [`is_connect`](Self::is_connect), [`is_reset`](Self::is_reset),
/// [`request_may_have_been_sent`](Self::request_may_have_been_sent). Messages never carry URLs or
/// bodies (a URL can hold a license key).
#[derive(Debug)]
pub struct TransportError {
    kind: TransportKind,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TransportKind {
    InvalidRequest,
    ConnectTimeout,
    Connect,
    Timeout,
    Reset,
    Body,
    ResponseTooLarge,
    Other,
}

impl TransportError {
    fn with(
        kind: TransportKind,
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        TransportError { kind, source }
    }

    /// The request could not be built (bad URL, bad header); nothing was sent.
    pub fn invalid_request(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::with(TransportKind::InvalidRequest, Some(source.into()))
    }

    /// No connection within the connect timeout; nothing was sent.
    pub fn connect_timeout(source: Option<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::with(TransportKind::ConnectTimeout, source)
    }

    /// The connection (TCP or TLS) could not be established; nothing was sent.
    pub fn connect(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::with(TransportKind::Connect, Some(source.into()))
    }

    /// No complete response within the timeout, after the request may have been sent.
    pub fn timeout(source: Option<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::with(TransportKind::Timeout, source)
    }

    /// The connection was reset or closed before a complete response arrived.
    pub fn reset(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::with(TransportKind::Reset, Some(source.into()))
    }

    /// The response body could not be read.
    pub fn body(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::with(TransportKind::Body, Some(source.into()))
    }

    /// The response body exceeded the configured limit.
    pub fn response_too_large(limit: usize) -> Self {
        Self::with(
            TransportKind::ResponseTooLarge,
            Some(format!("response body larger than {limit} bytes").into()),
        )
    }

    /// Any other failure; assumed to have happened after the request may have been sent.
    pub fn other(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::with(TransportKind::Other, Some(source.into()))
    }

    /// A timeout, while connecting or while waiting for the response.
    pub fn is_timeout(&self) -> bool {
        matches!(
            self.kind,
            TransportKind::ConnectTimeout | TransportKind::Timeout
        )
    }

    /// A failure to connect (refused, unreachable, TLS handshake, or connect timeout).
    pub fn is_connect(&self) -> bool {
        matches!(
            self.kind,
            TransportKind::ConnectTimeout | TransportKind::Connect
        )
    }

    /// The connection was reset or closed mid-exchange.
    pub fn is_reset(&self) -> bool {
        self.kind == TransportKind::Reset
    }

    /// The response body could not be read, or was too large.
    pub fn is_body(&self) -> bool {
        matches!(
            self.kind,
            TransportKind::Body | TransportKind::ResponseTooLarge
        )
    }

    /// The request itself was malformed and never sent.
    pub fn is_invalid_request(&self) -> bool {
        self.kind == TransportKind::InvalidRequest
    }

    /// Whether the gateway may have received the request. `false` only when the failure happened
    /// before anything was written (invalid request, connect failure, connect timeout).
    pub fn request_may_have_been_sent(&self) -> bool {
        !matches!(
            self.kind,
            TransportKind::InvalidRequest | TransportKind::ConnectTimeout | TransportKind::Connect
        )
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            TransportKind::InvalidRequest => "invalid request",
            TransportKind::ConnectTimeout => "connect timeout",
            TransportKind::Connect => "connect failed",
            TransportKind::Timeout => "timed out waiting for the response",
            TransportKind::Reset => "connection reset or closed",
            TransportKind::Body => "response body could not be read",
            TransportKind::ResponseTooLarge => "response too large",
            TransportKind::Other => "transport error",
        };
        f.write_str(what)?;
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// The gateway answered something its protocol does not allow. The raw body is kept for
/// investigation (through [`ProtocolError::raw_body`]); it is never printed, since a response may
/// carry personal data.
#[derive(Clone, PartialEq, Eq)]
pub struct ProtocolError {
    what: Cow<'static, str>,
    status: Option<u16>,
    raw_body: Vec<u8>,
}

impl ProtocolError {
    /// A protocol violation, with the raw response body.
    pub fn new(what: impl Into<Cow<'static, str>>, raw_body: impl Into<Vec<u8>>) -> Self {
        ProtocolError {
            what: what.into(),
            status: None,
            raw_body: raw_body.into(),
        }
    }

    /// Records the HTTP status of the response.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// What is wrong.
    pub fn what(&self) -> &str {
        &self.what
    }

    /// The HTTP status, if the violation is about a response.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// The raw body as received.
    pub fn raw_body(&self) -> &[u8] {
        &self.raw_body
    }
}

impl fmt::Debug for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProtocolError")
            .field("what", &self.what)
            .field("status", &self.status)
            .field("raw_body_len", &self.raw_body.len())
            .finish()
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "protocol violation: {}", self.what)?;
        if let Some(status) = self.status {
            write!(f, " (HTTP {status})")?;
        }
        write!(f, " [{} bytes kept]", self.raw_body.len())
    }
}

impl std::error::Error for ProtocolError {}

/// A cryptographic operation failed. Never carries key material or plaintext.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The key is shorter than the cipher needs.
    #[error("key too short: {required} characters needed, got {actual}")]
    KeyTooShort {
        /// Characters needed.
        required: usize,
        /// Characters given.
        actual: usize,
    },
    /// The key's first characters are not ASCII, so they do not make a key of the right size.
    #[error("the first {required} characters of the key must be ASCII")]
    KeyNotAscii {
        /// Characters used as the key.
        required: usize,
    },
    /// The ciphertext is not valid Base64.
    #[error("ciphertext is not valid Base64")]
    BadBase64,
    /// The ciphertext's length is not a positive multiple of the block size.
    #[error("ciphertext length {length} is not a positive multiple of {block}")]
    BadLength {
        /// Decoded length in bytes.
        length: usize,
        /// The block size.
        block: usize,
    },
    /// Decryption produced invalid padding (wrong key, or corrupted ciphertext).
    #[error("bad padding (wrong key or corrupted ciphertext)")]
    BadPadding,
    /// The plaintext is not UTF-8.
    #[error("decrypted text is not UTF-8")]
    NotUtf8,
    /// A signature or hash did not match.
    #[error("{what} does not match")]
    Mismatch {
        /// Which value (`"SignValue"`...).
        what: &'static str,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_predicates() {
        let t = TransportError::timeout(None);
        assert!(t.is_timeout() && !t.is_connect() && t.request_may_have_been_sent());
        let c = TransportError::connect_timeout(None);
        assert!(c.is_timeout() && c.is_connect() && !c.request_may_have_been_sent());
        let r = TransportError::reset("peer reset");
        assert!(r.is_reset() && r.request_may_have_been_sent());
        assert!(!TransportError::invalid_request("bad url").request_may_have_been_sent());
        assert!(TransportError::response_too_large(10).is_body());
    }

    #[test]
    fn money_calls_with_unknown_outcome() {
        assert!(
            Error::from_money_call("cancel", TransportError::timeout(None)).is_outcome_unknown()
        );
        assert!(Error::from_money_call("cancel", TransportError::reset("x")).is_outcome_unknown());
        assert!(matches!(
            Error::from_money_call("cancel", TransportError::connect("refused")),
            Error::Transport(_)
        ));
    }

    #[test]
    fn protocol_error_never_prints_the_body() {
        let e =
            ProtocolError::new("not JSON", b"cardNo=1234567812345678".to_vec()).with_status(200);
        assert!(!format!("{e} {e:?}").contains("1234567812345678"));
        assert_eq!(e.raw_body(), b"cardNo=1234567812345678");
    }
}
