//! Innopay as the manual v1.5 describes it: Web-Link (`/api/cardInterface`), the SMS payment API
//! (`/api/smsPayApi`), cancels (`/api/cancelApi`), the buyer's payment link, and the result
//! notifications of 4.2.

mod buyer;
pub(crate) mod cancel;
pub(crate) mod codes;
mod notification;
mod order;
mod pages;
mod sms_pay;
mod web_link;

use std::sync::Arc;

use axum::Router;
use axum::extract::Path;
use axum::routing::{any, get, post};

use crate::sim::Sim;

/// Innopay's routes.
pub(crate) fn routes() -> Router<Arc<Sim>> {
    Router::new()
        .route("/api/cardInterface", any(web_link::open))
        .route("/api/cardInterface/register", post(web_link::register))
        .route("/api/cardInterface/close", post(web_link::close))
        .route("/api/smsPayApi", any(sms_pay::handle))
        .route("/api/cancelApi", any(cancel::handle))
        .route("/s/{code}", get(buyer::show).post(buyer::pay))
        .route(
            "/api/{page}",
            get(|Path(page): Path<String>| async move { pages::terms_page(&page) }),
        )
}
