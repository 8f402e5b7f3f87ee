//! `/orders`: every order and its state; `/orders/{moid}`: one order, its history, and the
//! cancel form (all, or part of what remains); `/api/orders/{moid}`: the same as JSON.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::routing::{get, post};
use pg_core::html::escape;
use pg_core::{CancelKind, Won};
use serde::Deserialize;
use serde_json::json;

use crate::AppState;
use crate::db::{self, CancelSource, Order};
use crate::html::{message, page, phone, row, state as state_label, won};

pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/orders", get(list))
        .route("/orders/{moid}", get(detail))
        .route("/orders/{moid}/cancel", post(cancel))
        .route("/api/orders/{moid}", get(detail_json))
}

/// A page saying what was not found (404).
pub(crate) fn not_found(state: &AppState, what: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        page(
            "찾을 수 없습니다",
            state.sandbox.is_some(),
            &message("error", what),
        ),
    )
        .into_response()
}

/// A page saying what went wrong, with the way back to the orders.
pub(crate) fn failure(state: &AppState, what: &str) -> Response {
    let body = format!(
        "{}<div class=\"actions\"><a class=\"button\" href=\"/orders\">주문 관리</a><a class=\"button secondary\" href=\"/\">상품</a></div>\n",
        message("error", what)
    );
    (
        StatusCode::OK,
        page("처리하지 못했습니다", state.sandbox.is_some(), &body),
    )
        .into_response()
}

fn channel(order: &Order) -> &'static str {
    match (order.gateway.as_str(), order.channel.as_str()) {
        ("innopay", "sms") => "이노페이 SMS",
        ("innopay", _) => "이노페이 Web-Link",
        ("smartro", "mobile") => "스마트로 모바일",
        _ => "스마트로 PC",
    }
}

async fn list(State(state): State<Arc<AppState>>) -> Response {
    let orders = match state.db(|c| db::orders(c, 200)).await {
        Ok(o) => o,
        Err(e) => return failure(&state, &e.to_string()),
    };
    let mut body = String::new();
    if orders.is_empty() {
        body.push_str("<p>아직 주문이 없습니다. <a href=\"/\">상품</a>에서 결제해 보세요.</p>\n");
    } else {
        body.push_str("<table id=\"orders\">\n<tr><th>주문번호</th><th>결제수단</th><th>상품</th><th>금액</th><th>취소</th><th>상태</th><th>주문일시</th></tr>\n");
        for o in &orders {
            body.push_str(&format!(
                "<tr data-moid=\"{m}\"><td><a href=\"/orders/{m}\">{m}</a></td><td>{ch}</td><td>{g}</td><td class=\"num\">{a}</td><td class=\"num\">{c}</td><td>{s}</td><td>{t}</td></tr>\n",
                m = escape(&o.moid),
                ch = channel(o),
                g = escape(&o.goods_name),
                a = won(o.amount),
                c = if o.cancelled_amount > 0 { won(o.cancelled_amount) } else { String::new() },
                s = state_label(&o.state),
                t = escape(&o.created_at),
            ));
        }
        body.push_str("</table>\n");
    }
    page("주문 관리", state.sandbox.is_some(), &body).into_response()
}

#[derive(Debug, Default, Deserialize)]
struct Flash {
    ok: Option<String>,
    error: Option<String>,
}

async fn detail(
    State(state): State<Arc<AppState>>,
    Path(moid): Path<String>,
    Query(flash): Query<Flash>,
) -> Response {
    let key = moid.clone();
    let found = state
        .db(move |c| Ok((db::order(c, &key)?, db::history(c, &key)?)))
        .await;
    let (order, history) = match found {
        Ok((Some(o), h)) => (o, h),
        Ok((None, _)) => return not_found(&state, &format!("주문 {moid}이(가) 없습니다.")),
        Err(e) => return failure(&state, &e.to_string()),
    };
    let mut body = String::new();
    if let Some(ok) = &flash.ok {
        body.push_str(&message("ok", ok));
    }
    if let Some(error) = &flash.error {
        body.push_str(&message("error", error));
    }
    body.push_str(&format!(
        "<table class=\"summary\">\n<tr><td>상태</td><td id=\"state\">{}</td></tr>\n",
        state_label(&order.state)
    ));
    body.push_str(&row("주문번호", &order.moid));
    body.push_str(&row("결제수단", channel(&order)));
    body.push_str(&row("상품", &order.goods_name));
    body.push_str(&row("금액", &won(order.amount)));
    if order.cancelled_amount > 0 {
        body.push_str(&row("취소된 금액", &won(order.cancelled_amount)));
    }
    body.push_str(&row("구매자", &order.buyer_name));
    body.push_str(&row("휴대폰번호", &phone(&order.buyer_phone)));
    if let Some(email) = &order.buyer_email {
        body.push_str(&row("이메일", email));
    }
    if let Some(tid) = &order.tid {
        body.push_str(&row("거래번호 (TID)", tid));
    }
    if let Some(deadline) = &order.deadline {
        body.push_str(&row("결제마감", deadline));
    }
    if let Some(note) = &order.note {
        body.push_str(&row("게이트웨이 응답", note));
    }
    body.push_str("</table>\n");
    let remaining = order.remaining();
    if remaining > 0 {
        body.push_str(&format!(
            "<h2>결제 취소</h2>\n<form method=\"post\" action=\"/orders/{m}/cancel\" id=\"cancelForm\">\n<label for=\"amount\">취소 금액 (남은 금액 {r})</label><input type=\"number\" id=\"amount\" name=\"amount\" min=\"1\" max=\"{n}\" value=\"{n}\">\n<label for=\"reason\">취소 사유</label><input type=\"text\" id=\"reason\" name=\"reason\" value=\"고객 요청\">\n<div class=\"actions\"><button type=\"submit\" name=\"kind\" value=\"partial\" id=\"partialCancel\" class=\"secondary\">부분 취소</button><button type=\"submit\" name=\"kind\" value=\"all\" id=\"fullCancel\" class=\"danger\">남은 금액 전체 취소</button></div>\n</form>\n",
            m = escape(&order.moid),
            r = won(remaining),
            n = remaining,
        ));
    }
    body.push_str("<h2>기록</h2>\n<table id=\"history\">\n");
    for (at, what) in &history {
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td></tr>\n",
            escape(at),
            escape(what)
        ));
    }
    body.push_str("</table>\n");
    page(
        &format!("주문 {}", order.moid),
        state.sandbox.is_some(),
        &body,
    )
    .into_response()
}

async fn detail_json(State(state): State<Arc<AppState>>, Path(moid): Path<String>) -> Response {
    let key = moid.clone();
    match state
        .db(move |c| Ok((db::order(c, &key)?, db::history(c, &key)?)))
        .await
    {
        Ok((Some(order), history)) => Json(json!({
            "order": order,
            "remaining": order.remaining(),
            "history": history.iter().map(|(at, what)| json!({ "at": at, "what": what })).collect::<Vec<_>>(),
        }))
        .into_response(),
        Ok((None, _)) => (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": format!("no order {moid}") })),
        )
            .into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "error": e.to_string() })),
        )
            .into_response(),
    }
}

#[derive(Debug, Default, Deserialize)]
struct CancelForm {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    kind: String,
}

/// Back to the order's page with a message (`ok` or `error`) in the query.
fn back(moid: &str, key: &str, text: &str) -> Response {
    Redirect::to(&format!("/orders/{}?{key}={}", encode(moid), encode(text))).into_response()
}

fn encode(text: &str) -> String {
    let mut out = String::new();
    // UTF-8 encodes every character.
    let _ = pg_core::form::encode_component(
        text,
        pg_core::Charset::Utf8,
        pg_core::form::Escape::QueryValue,
        &mut out,
    );
    out
}

async fn cancel(
    State(state): State<Arc<AppState>>,
    Path(moid): Path<String>,
    Form(form): Form<CancelForm>,
) -> Response {
    let key = moid.clone();
    let found = state
        .db(move |c| {
            let order = db::order(c, &key)?;
            let count = c
                .query_one(
                    "SELECT COUNT(*) FROM shop_cancels WHERE moid = $1",
                    &[pg_notify::SqlValue::from(key.as_str())],
                    &[pg_notify::sql::ColumnType::Int],
                )?
                .and_then(|r| r[0].as_i64())
                .unwrap_or_default();
            Ok((order, count))
        })
        .await;
    let (order, previous) = match found {
        Ok((Some(o), n)) => (o, n),
        Ok((None, _)) => return not_found(&state, &format!("주문 {moid}이(가) 없습니다.")),
        Err(e) => return failure(&state, &e.to_string()),
    };
    let remaining = order.remaining();
    let amount = if form.kind == "all" {
        Some(remaining)
    } else {
        form.amount.trim().replace(',', "").parse::<i64>().ok()
    };
    let Some(amount) = amount.filter(|a| *a >= 1 && *a <= remaining) else {
        return back(
            &moid,
            "error",
            &format!(
                "취소 금액은 1원부터 남은 금액 {}까지입니다.",
                won(remaining)
            ),
        );
    };
    let (Some(tid), Ok(won_amount)) = (order.tid.clone(), u64::try_from(amount).map(Won::new))
    else {
        return back(&moid, "error", "결제되지 않은 주문입니다.");
    };
    let reason = if form.reason.trim().is_empty() {
        "고객 요청".to_owned()
    } else {
        form.reason.trim().to_owned()
    };
    // The first cancel of the whole amount is a full cancel; anything else is partial.
    let kind = if previous == 0 && amount == order.amount {
        CancelKind::Full
    } else {
        CancelKind::Partial
    };
    let result =
        crate::cancel::at_gateway(&state, &order, &tid, won_amount, &reason, kind, previous).await;
    match result {
        Ok(answer) => {
            let now = state.now();
            let key = moid.clone();
            let recorded = state
                .db(move |c| {
                    db::transaction(c, |c| {
                        db::record_cancel(c, &key, amount, CancelSource::Shop, &now)
                    })
                })
                .await;
            match recorded {
                Ok(_) => back(
                    &moid,
                    "ok",
                    &format!("{} 취소되었습니다 ({answer}).", won(amount)),
                ),
                Err(e) => back(
                    &moid,
                    "error",
                    &format!("취소는 되었지만 기록하지 못했습니다: {e}"),
                ),
            }
        }
        Err(text) => back(&moid, "error", &text),
    }
}
