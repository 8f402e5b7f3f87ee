//! The simulator's own admin, under `/sandbox/`: the same data as HTML pages (for a person) and
//! JSON under `/sandbox/api/` (for tests and other languages) — merchants (add, edit the
//! notification URL and retries), orders, transactions with their cancels, the SMS outbox,
//! SS-Pay members, deliveries with every attempt, resend now, advance the clock, reset.

mod pages;

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::merchant::{Gateway, Merchant, MerchantUpdate};
use crate::request::Incoming;
use crate::sim::Sim;
use crate::store::{self, Cancel, Delivery, Member, SmsMessage, SmsOrder, StoreError, Transaction};
use crate::wire::WireFields;

/// The admin's routes.
pub(crate) fn routes() -> Router<Arc<Sim>> {
    Router::new()
        .route("/sandbox", get(|| async { Redirect::to("/sandbox/") }))
        .route("/sandbox/", get(pages::dashboard))
        .route("/sandbox/sms", get(pages::sms))
        .route("/sandbox/orders", get(pages::orders))
        .route("/sandbox/transactions", get(pages::transactions))
        .route("/sandbox/deliveries", get(pages::deliveries))
        .route("/sandbox/members", get(pages::members))
        .route(
            "/sandbox/merchants/{gateway}/{mid}",
            get(pages::merchant).post(edit_merchant_form),
        )
        .route("/sandbox/actions/advance", post(advance_form))
        .route("/sandbox/actions/reset", post(reset_form))
        .route("/sandbox/actions/resend/{id}", post(resend_form))
        .route("/sandbox/api/status", get(status))
        .route("/sandbox/api/merchants", get(merchants).post(add_merchant))
        .route(
            "/sandbox/api/merchants/{gateway}/{mid}",
            get(merchant).patch(edit_merchant),
        )
        .route("/sandbox/api/orders", get(orders))
        .route("/sandbox/api/transactions", get(transactions))
        .route("/sandbox/api/transactions/{tid}", get(transaction))
        .route("/sandbox/api/sms", get(sms))
        .route("/sandbox/api/members", get(members))
        .route("/sandbox/api/deliveries", get(deliveries))
        .route("/sandbox/api/deliveries/{id}", get(delivery))
        .route("/sandbox/api/deliveries/{id}/resend", post(resend))
        .route("/sandbox/api/clock", get(clock))
        .route("/sandbox/api/clock/advance", post(advance))
        .route("/sandbox/api/reset", post(reset))
}

/// `?limit=N` (default 200, at most 10,000).
#[derive(Debug, Deserialize)]
pub(crate) struct Limit {
    limit: Option<i64>,
}

impl Limit {
    pub(crate) fn get(&self) -> i64 {
        self.limit.unwrap_or(200).clamp(1, 10_000)
    }
}

/// An admin failure, as JSON.
pub(crate) fn error(
    status: StatusCode,
    message: impl Into<String>,
    details: &[String],
) -> Response {
    (
        status,
        Json(json!({ "error": message.into(), "details": details })),
    )
        .into_response()
}

fn store_error(e: StoreError) -> Response {
    error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string(), &[])
}

fn ok<T: serde::Serialize>(value: Result<T, StoreError>) -> Response {
    match value {
        Ok(v) => Json(v).into_response(),
        Err(e) => store_error(e),
    }
}

/// The URLs a merchant configures to use the simulator, and the test merchants.
pub(crate) fn status_value(sim: &Sim) -> Result<Value, StoreError> {
    let merchants = sim.store.with(store::merchants)?;
    let base = &sim.base_url;
    Ok(json!({
        "now": sim.now_kst().format(pg_core::KstFormat::Dashed),
        "time_scale": sim.clock.scale(),
        "base_url": base,
        "admin_url": format!("{base}/sandbox/"),
        "innopay": {
            "base_url": base,
            "web_link": format!("{base}/api/cardInterface"),
            "sms_pay": format!("{base}/api/smsPayApi"),
            "cancel": format!("{base}/api/cancelApi"),
        },
        "smartro": {
            "script": format!("{base}/asset/js/SmartroPAY-1.0.min.js"),
            "approval_base": base,
            "approval": format!("{base}/payment/approval/urlCallApproval.do"),
            "member_deletion": format!("{base}/payment/approval/ssbMemberDel.do"),
            "cancel": format!("{base}/payment/approval/cancel.do"),
        },
        "merchants": merchants.iter().map(Merchant::view).collect::<Vec<_>>(),
    }))
}

async fn status(State(sim): State<Arc<Sim>>) -> Response {
    ok(status_value(&sim))
}

async fn merchants(State(sim): State<Arc<Sim>>) -> Response {
    ok(sim
        .store
        .with(store::merchants)
        .map(|all| all.iter().map(Merchant::view).collect::<Vec<_>>()))
}

fn gateway_of(text: &str) -> Result<Gateway, Response> {
    Gateway::parse(text).ok_or_else(|| {
        error(
            StatusCode::NOT_FOUND,
            format!("no gateway {text:?}: innopay or smartro"),
            &[],
        )
    })
}

async fn merchant(
    State(sim): State<Arc<Sim>>,
    Path((gateway, mid)): Path<(String, String)>,
) -> Response {
    let gateway = match gateway_of(&gateway) {
        Ok(g) => g,
        Err(r) => return r,
    };
    match sim.merchant(gateway, &mid) {
        Ok(Some(m)) => Json(m.view()).into_response(),
        Ok(None) => error(
            StatusCode::NOT_FOUND,
            format!("no {gateway} merchant {mid}"),
            &[],
        ),
        Err(e) => store_error(e),
    }
}

async fn add_merchant(State(sim): State<Arc<Sim>>, request: Request) -> Response {
    let body = match Incoming::read(request).await {
        Ok(i) => i.body,
        Err(e) => return error(StatusCode::BAD_REQUEST, e, &[]),
    };
    let merchant: Merchant = match serde_json::from_slice(&body) {
        Ok(m) => m,
        Err(e) => return error(StatusCode::BAD_REQUEST, format!("not a merchant: {e}"), &[]),
    };
    if let Err(problems) = merchant.validate() {
        return error(StatusCode::BAD_REQUEST, "invalid merchant", &problems);
    }
    let added = sim.store.with(|c| {
        if store::merchant(c, merchant.gateway, &merchant.mid)?.is_some() {
            return Ok(false);
        }
        sim.store.put_merchant(c, &merchant)?;
        Ok(true)
    });
    match added {
        Ok(true) => (StatusCode::CREATED, Json(merchant.view())).into_response(),
        Ok(false) => error(
            StatusCode::CONFLICT,
            format!("{} merchant {} exists", merchant.gateway, merchant.mid),
            &[],
        ),
        Err(e) => store_error(e),
    }
}

/// Applies `update` to a merchant; deliveries that waited for a URL are released.
pub(crate) fn update_merchant(
    sim: &Sim,
    gateway: Gateway,
    mid: &str,
    update: MerchantUpdate,
) -> Result<Result<Merchant, Vec<String>>, StoreError> {
    let result = sim.store.with(|c| {
        let Some(mut m) = store::merchant(c, gateway, mid)? else {
            return Ok(Err(vec![format!("no {gateway} merchant {mid}")]));
        };
        if let Err(problems) = update.apply(&mut m) {
            return Ok(Err(problems));
        }
        sim.store.put_merchant(c, &m)?;
        if m.notify.url.is_some() {
            Delivery::release_waiting(c, gateway.as_str(), mid, sim.now_ms())?;
        }
        Ok(Ok(m))
    })?;
    sim.wake.notify_one();
    Ok(result)
}

async fn edit_merchant(
    State(sim): State<Arc<Sim>>,
    Path((gateway, mid)): Path<(String, String)>,
    request: Request,
) -> Response {
    let gateway = match gateway_of(&gateway) {
        Ok(g) => g,
        Err(r) => return r,
    };
    let body = match Incoming::read(request).await {
        Ok(i) => i.body,
        Err(e) => return error(StatusCode::BAD_REQUEST, e, &[]),
    };
    let update: MerchantUpdate = match serde_json::from_slice(&body) {
        Ok(u) => u,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("not a merchant update: {e}"),
                &[],
            );
        }
    };
    match update_merchant(&sim, gateway, &mid, update) {
        Ok(Ok(m)) => Json(m.view()).into_response(),
        Ok(Err(problems)) if problems.iter().any(|p| p.starts_with("no ")) => {
            error(StatusCode::NOT_FOUND, "unknown merchant", &problems)
        }
        Ok(Err(problems)) => error(StatusCode::BAD_REQUEST, "invalid settings", &problems),
        Err(e) => store_error(e),
    }
}

async fn edit_merchant_form(
    State(sim): State<Arc<Sim>>,
    Path((gateway, mid)): Path<(String, String)>,
    request: Request,
) -> Response {
    let gateway = match gateway_of(&gateway) {
        Ok(g) => g,
        Err(r) => return r,
    };
    let form = match Incoming::read(request)
        .await
        .and_then(|i| WireFields::form(&i.body, None).map_err(|e| e.to_string()))
    {
        Ok(f) => f,
        Err(e) => return error(StatusCode::BAD_REQUEST, e, &[]),
    };
    let number = |name: &str| form.text(name).and_then(|t| t.parse().ok());
    let update = MerchantUpdate {
        notify_url: Some(form.or_empty("notify_url").to_owned()),
        notify_charset: form
            .text("notify_charset")
            .and_then(|c| serde_json::from_value(json!(c)).ok()),
        declare_charset: Some(form.text("declare_charset").is_some()),
        interval_minutes: number("interval_minutes"),
        retries: number("retries"),
        acknowledgement: form.text("acknowledgement").map(str::to_owned),
        identity_check: form
            .text("identity_check")
            .and_then(|c| serde_json::from_value(json!(c)).ok()),
        cancel_reply: form
            .text("cancel_reply")
            .and_then(|c| serde_json::from_value(json!(c)).ok()),
        name: None,
    };
    match update_merchant(&sim, gateway, &mid, update) {
        Ok(Ok(_)) => Redirect::to("/sandbox/").into_response(),
        Ok(Err(problems)) => pages::merchant_errors(&sim, gateway, &mid, &problems),
        Err(e) => store_error(e),
    }
}

async fn orders(State(sim): State<Arc<Sim>>, Query(l): Query<Limit>) -> Response {
    ok(sim.store.with(|c| SmsOrder::list(c, l.get())))
}

/// A transaction as JSON, with its cancels and what remains.
fn with_cancels(c: &rusqlite::Connection, tx: &Transaction) -> Result<Value, StoreError> {
    let mut v = serde_json::to_value(tx)?;
    v["cancels"] = serde_json::to_value(Cancel::of(c, &tx.tid)?)?;
    v["remaining"] = tx.remaining().into();
    Ok(v)
}

/// Transactions with their cancels.
pub(crate) fn transactions_value(sim: &Sim, limit: i64) -> Result<Vec<Value>, StoreError> {
    sim.store.with(|c| {
        let mut out = Vec::new();
        for tx in Transaction::list(c, limit)? {
            out.push(with_cancels(c, &tx)?);
        }
        Ok(out)
    })
}

async fn transactions(State(sim): State<Arc<Sim>>, Query(l): Query<Limit>) -> Response {
    ok(transactions_value(&sim, l.get()))
}

async fn transaction(State(sim): State<Arc<Sim>>, Path(tid): Path<String>) -> Response {
    let found = sim.store.with(|c| {
        Transaction::get(c, &tid)?
            .map(|tx| with_cancels(c, &tx))
            .transpose()
    });
    match found {
        Ok(Some(v)) => Json(v).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, format!("no transaction {tid}"), &[]),
        Err(e) => store_error(e),
    }
}

async fn sms(State(sim): State<Arc<Sim>>, Query(l): Query<Limit>) -> Response {
    ok(sim.store.with(|c| SmsMessage::list(c, l.get())))
}

async fn members(State(sim): State<Arc<Sim>>, Query(l): Query<Limit>) -> Response {
    ok(sim.store.with(|c| Member::list(c, l.get())))
}

async fn deliveries(State(sim): State<Arc<Sim>>, Query(l): Query<Limit>) -> Response {
    ok(sim.store.with(|c| Delivery::list(c, l.get())))
}

async fn delivery(State(sim): State<Arc<Sim>>, Path(id): Path<i64>) -> Response {
    match sim.store.with(|c| Delivery::get(c, id)) {
        Ok(Some(d)) => Json(d).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, format!("no delivery {id}"), &[]),
        Err(e) => store_error(e),
    }
}

/// Queues a delivery again, now.
pub(crate) fn resend_now(sim: &Sim, id: i64) -> Result<bool, StoreError> {
    let queued = sim.store.with(|c| Delivery::resend(c, id, sim.now_ms()))?;
    sim.wake.notify_one();
    Ok(queued)
}

async fn resend(State(sim): State<Arc<Sim>>, Path(id): Path<i64>) -> Response {
    match resend_now(&sim, id) {
        Ok(true) => (StatusCode::ACCEPTED, Json(json!({ "queued": id }))).into_response(),
        Ok(false) => error(
            StatusCode::CONFLICT,
            format!("delivery {id} is unknown or being sent"),
            &[],
        ),
        Err(e) => store_error(e),
    }
}

async fn resend_form(State(sim): State<Arc<Sim>>, Path(id): Path<i64>) -> Response {
    let _ = resend_now(&sim, id);
    Redirect::to("/sandbox/deliveries").into_response()
}

fn clock_value(sim: &Sim) -> Value {
    json!({
        "now": sim.now_kst().format(pg_core::KstFormat::Dashed),
        "unix_ms": sim.now_ms(),
        "time_scale": sim.clock.scale(),
    })
}

async fn clock(State(sim): State<Arc<Sim>>) -> Response {
    Json(clock_value(&sim)).into_response()
}

/// `{"seconds": N}`, `{"minutes": N}` or `{"hours": N}` (added up).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    #[serde(default)]
    seconds: u64,
    #[serde(default)]
    minutes: u64,
    #[serde(default)]
    hours: u64,
}

/// Moves the virtual clock and wakes the scheduler.
pub(crate) fn advance_clock(sim: &Sim, by: Duration) {
    sim.clock.advance(by);
    if let Err(e) = sim.store.save_clock(sim.now_ms()) {
        tracing::warn!(error = %e, "sandbox: cannot save the clock");
    }
    sim.wake.notify_one();
}

async fn advance(State(sim): State<Arc<Sim>>, request: Request) -> Response {
    let body = match Incoming::read(request).await {
        Ok(i) => i.body,
        Err(e) => return error(StatusCode::BAD_REQUEST, e, &[]),
    };
    let a: Advance = if body.trim_ascii().is_empty() {
        Advance::default()
    } else {
        match serde_json::from_slice::<Value>(&body).and_then(|v| match v {
            Value::Object(_) => serde_json::from_value(v),
            _ => serde_json::from_str("\"not an object\""),
        }) {
            Ok(a) => a,
            Err(e) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "expected {{\"seconds\": N}}, {{\"minutes\": N}} or {{\"hours\": N}}: {e}"
                    ),
                    &[],
                );
            }
        }
    };
    let total = a
        .seconds
        .saturating_add(a.minutes.saturating_mul(60))
        .saturating_add(a.hours.saturating_mul(3600));
    if total == 0 || total > 366 * 24 * 3600 {
        return error(
            StatusCode::BAD_REQUEST,
            "advance by 1 second to 366 days",
            &[],
        );
    }
    advance_clock(&sim, Duration::from_secs(total));
    Json(clock_value(&sim)).into_response()
}

async fn advance_form(State(sim): State<Arc<Sim>>, request: Request) -> Response {
    let minutes = Incoming::read(request)
        .await
        .ok()
        .and_then(|i| WireFields::form(&i.body, None).ok())
        .and_then(|f| f.text("minutes").and_then(|m| m.parse::<u64>().ok()))
        .filter(|m| (1..=527_040).contains(m));
    if let Some(m) = minutes {
        advance_clock(&sim, Duration::from_secs(m * 60));
    }
    Redirect::to("/sandbox/").into_response()
}

async fn reset(State(sim): State<Arc<Sim>>) -> Response {
    match sim.store.reset() {
        Ok(()) => (StatusCode::OK, Json(json!({ "reset": true }))).into_response(),
        Err(e) => store_error(e),
    }
}

async fn reset_form(State(sim): State<Arc<Sim>>) -> Response {
    let _ = sim.store.reset();
    (StatusCode::SEE_OTHER, [(header::LOCATION, "/sandbox/")]).into_response()
}
