//! [`HttpRequest`] and [`HttpResponse`]: what the sans-I/O gateway cores produce and consume.

use std::fmt;

use pg_core::ProtocolError;
use pg_core::json::JsonObject;

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
}

impl Method {
    /// The method's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request to send: method, URL, headers in order, body bytes.
///
/// `Debug` shows the URL without its query and the body's length only: a body can carry a cancel
/// password, a query a license key.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The absolute URL.
    pub url: String,
    /// Headers, in the order they are sent.
    pub headers: Vec<(String, String)>,
    /// The body, exactly as sent.
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// A `POST` of a JSON body with the headers the vendors' samples send
    /// (`Content-Type: application/json`, `Accept: application/json`).
    pub fn post_json(url: impl Into<String>, body: Vec<u8>) -> Self {
        HttpRequest {
            method: Method::Post,
            url: url.into(),
            headers: vec![
                ("Content-Type".into(), "application/json".into()),
                ("Accept".into(), "application/json".into()),
            ],
            body,
        }
    }

    /// A `POST` of a form body in the given charset label.
    pub fn post_form(url: impl Into<String>, body: Vec<u8>, charset: &str) -> Self {
        HttpRequest {
            method: Method::Post,
            url: url.into(),
            headers: vec![(
                "Content-Type".into(),
                format!("application/x-www-form-urlencoded; charset={charset}"),
            )],
            body,
        }
    }

    /// The first value of a header (names compare case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = self.url.split('?').next().unwrap_or_default();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &url)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// A response as received.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Headers, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A response with a status and a body, no headers.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        HttpResponse {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// A `200` JSON response.
    pub fn json(body: impl Into<Vec<u8>>) -> Self {
        HttpResponse::new(200, body).with_header("Content-Type", "application/json;charset=UTF-8")
    }

    /// Adds a header.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The first value of a header (names compare case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// The `Content-Type` header.
    pub fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// A protocol violation about this response: `what`, with its status and raw body.
    pub fn violation(&self, what: impl Into<std::borrow::Cow<'static, str>>) -> ProtocolError {
        ProtocolError::new(what, self.body.clone()).with_status(self.status)
    }

    /// The body as a JSON object (see [`JsonObject`]). A body that is not an object is a
    /// protocol violation carrying the status and the raw body.
    pub fn json_object(&self) -> Result<JsonObject<'_>, ProtocolError> {
        JsonObject::parse(&self.body).map_err(|e| e.with_status(self.status))
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_bodies_and_queries() {
        let request = HttpRequest {
            method: Method::Get,
            url: "https://api.innopay.co.kr/api/cardInterface?LicenseKey=SECRET".into(),
            headers: vec![],
            body: b"{\"cancelPwd\":\"123456\"}".to_vec(),
        };
        let shown = format!("{request:?}");
        assert!(
            !shown.contains("SECRET") && !shown.contains("123456"),
            "{shown}"
        );
        assert!(shown.contains("cardInterface"));
        let response = HttpResponse::json(b"{\"cardNo\":\"1234\"}".to_vec());
        assert!(!format!("{response:?}").contains("cardNo"));
        assert_eq!(
            response.content_type(),
            Some("application/json;charset=UTF-8")
        );
    }

    #[test]
    fn post_json_sends_the_sample_headers() {
        let r = HttpRequest::post_json("https://x/api", b"{}".to_vec());
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.header("ACCEPT"), Some("application/json"));
        assert_eq!(r.method, Method::Post);
    }
}
