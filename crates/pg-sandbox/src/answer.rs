//! How the simulator answers: JSON and HTML in the vendors' content types, and the rehearsed
//! failures of [`crate::magic`].

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::magic::CallBehaviour;
use crate::server::ConnectionKill;
use crate::sim::Sim;

/// A JSON answer (`application/json;charset=UTF-8`, as the vendors send).
pub(crate) fn json(status: StatusCode, value: &serde_json::Value) -> Response {
    with_type(
        status,
        value.to_string().into_bytes(),
        "application/json;charset=UTF-8",
    )
}

/// An HTML page in UTF-8.
pub(crate) fn html(status: StatusCode, page: String) -> Response {
    with_type(status, page.into_bytes(), "text/html;charset=UTF-8")
}

/// A body with a content type.
pub(crate) fn with_type(status: StatusCode, body: Vec<u8>, content_type: &'static str) -> Response {
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// The page an application server shows when it fails (what a client gets instead of JSON).
const SERVER_ERROR_PAGE: &str = "<!doctype html><html lang=\"en\"><head><title>HTTP Status 500 – Internal Server Error</title></head>\n<body><h1>HTTP Status 500 – Internal Server Error</h1><hr><p><b>Type</b> Exception Report</p>\n<p><b>Message</b> Request processing failed; nested exception is java.lang.NullPointerException</p>\n<p><b>Description</b> The server encountered an unexpected condition that prevented it from fulfilling the request.</p>\n<hr><h3>Apache Tomcat</h3></body></html>\n";

/// Answers `answer` the way `behaviour` says: as is, late, as an error page, or not at all.
/// The caller has already carried the call out when [`CallBehaviour::carries_out`].
pub(crate) async fn rehearse(
    sim: &Sim,
    behaviour: CallBehaviour,
    kill: Option<&ConnectionKill>,
    answer: Response,
) -> Response {
    match behaviour {
        CallBehaviour::Normal => answer,
        CallBehaviour::SlowAnswer => {
            tokio::time::sleep(sim.timings.slow_answer).await;
            answer
        }
        CallBehaviour::ServerError => html(
            StatusCode::INTERNAL_SERVER_ERROR,
            SERVER_ERROR_PAGE.to_owned(),
        ),
        CallBehaviour::Unavailable => {
            (StatusCode::SERVICE_UNAVAILABLE, Vec::<u8>::new()).into_response()
        }
        CallBehaviour::DropConnection => match kill {
            Some(kill) => {
                kill.close();
                // The connection task drops this request with the socket.
                std::future::pending::<Response>().await
            }
            // Not served by the accept loop (a unit test calling the router): an empty 502.
            None => (StatusCode::BAD_GATEWAY, Vec::<u8>::new()).into_response(),
        },
    }
}

/// A vendor's refusal: its result code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) code: &'static str,
    pub(crate) message: String,
}

impl Refusal {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Self {
        Refusal {
            code,
            message: message.into(),
        }
    }
}
