//! Smartro PAY as the SS-Pay guide and PROTOCOL-NOTES describe it: the payment-window script,
//! `reqPay.do` and the window, approval, member deletion, cancel, and re-notification.

mod approval;
mod cancel;
pub(crate) mod codes;
mod envelope;
mod member;
mod renotification;
mod req_pay;
mod window;
mod window_pages;

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};

use crate::request::Incoming;
use crate::sim::Sim;
use crate::wire::WireFields;

/// The payment-window script (`smartropay.init` / `smartropay.payment`).
pub const SCRIPT: &str = include_str!("../../assets/SmartroPAY-1.0.min.js");

/// Smartro's routes.
pub(crate) fn routes() -> Router<Arc<Sim>> {
    Router::new()
        .route("/asset/js/SmartroPAY-1.0.min.js", get(script))
        .route("/ssp/reqPay.do", any(req_pay::handle))
        .route("/ssp/window/{token}", get(window::show))
        .route("/ssp/window/{token}/card", post(window::register_card))
        .route("/ssp/window/{token}/pay", post(window::pay))
        .route(
            "/ssp/window/{token}/card/{id}/delete",
            post(window::remove_card),
        )
        .route("/ssp/window/{token}/stop", post(window::stop))
        .route("/ssp/close", post(close))
        .route(
            "/payment/approval/urlCallApproval.do",
            any(approval::handle),
        )
        .route("/payment/approval/ssbMemberDel.do", any(member::handle))
        .route("/payment/approval/cancel.do", any(cancel::handle))
}

async fn script() -> Response {
    let mut response = (StatusCode::OK, SCRIPT).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/javascript;charset=UTF-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

async fn close(request: Request) -> Response {
    let form = Incoming::read(request)
        .await
        .ok()
        .and_then(|i| WireFields::form(&i.body, None).ok())
        .unwrap_or_default();
    window_pages::close(&form)
}
