//! Smartro PAY: `/smartro/checkout` (the buyer's details, then the signed payment-window page, PC
//! with its callback or mobile), `/smartro/return/{moid}` (`ReturnUrl`: approve, with the
//! amount and order number checked against the order) and `/smartro/stop/{moid}` (`StopUrl`:
//! the buyer gave up).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use pg_core::html::escape;
use pg_core::{CancelKind, PhoneNumber, Won};
use pg_smartro::Device;
use pg_smartro::approval::{ApprovalOutcome, ApprovalRequest};
use pg_smartro::callbacks::{ReturnCallback, StopResult};
use pg_smartro::payment_window::PaymentWindowRequest;
use serde::Deserialize;

use crate::catalog::{Product, product};
use crate::db::{self, NewOrder, Order, Paid};
use crate::html::{input, message, page, refused, row, violations, won};
use crate::{AppState, orders};

pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/smartro/checkout", get(checkout_page).post(open_window))
        .route("/smartro/return/{moid}", post(returned))
        .route("/smartro/stop/{moid}", post(stopped))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct CheckoutQuery {
    product: Option<String>,
    device: Option<String>,
}

/// What the checkout form posts.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CheckoutForm {
    #[serde(default)]
    product: String,
    #[serde(default)]
    device: String,
    #[serde(default)]
    buyer_name: String,
    #[serde(default)]
    buyer_phone: String,
    #[serde(default)]
    buyer_email: String,
}

fn device_of(text: &str) -> Device {
    if text == "mobile" {
        Device::Mobile
    } else {
        Device::Pc
    }
}

fn checkout_form(
    state: &AppState,
    p: Product,
    form: &CheckoutForm,
    errors: &[String],
) -> Html<String> {
    let device = if form.device == "mobile" {
        "mobile"
    } else {
        "pc"
    };
    let mut body = String::new();
    for e in errors {
        body.push_str(&message("error", e));
    }
    body.push_str("<table class=\"summary\">\n");
    body.push_str(&row("상품", p.name));
    body.push_str(&row("금액", &won(p.price)));
    body.push_str(&row(
        "결제 방식",
        if device == "mobile" {
            "스마트로페이 모바일 (결제 후 이 상점으로 돌아옵니다)"
        } else {
            "스마트로페이 PC 결제창"
        },
    ));
    body.push_str(
        "</table>\n<form method=\"post\" action=\"/smartro/checkout\" id=\"checkoutForm\">\n",
    );
    body.push_str(&format!(
        "<input type=\"hidden\" name=\"product\" value=\"{}\"><input type=\"hidden\" name=\"device\" value=\"{device}\">\n",
        escape(p.id)
    ));
    body.push_str(&input(
        "구매자명",
        "text",
        "buyerName",
        &form.buyer_name,
        "홍길동",
    ));
    body.push_str(&input(
        "휴대폰번호",
        "tel",
        "buyerPhone",
        &form.buyer_phone,
        "010-1234-5678",
    ));
    body.push_str(&input(
        "이메일",
        "email",
        "buyerEmail",
        &form.buyer_email,
        "buyer@example.kr",
    ));
    body.push_str("<p class=\"notice\">간편결제 회원은 휴대폰번호로 구분됩니다. 처음이면 결제창에서 카드를 등록합니다.</p>\n<div class=\"actions\"><a class=\"button secondary\" href=\"/\">취소</a><button type=\"submit\" id=\"pay\">결제하기</button></div>\n</form>\n");
    page("주문서", state.sandbox.is_some(), &body)
}

async fn checkout_page(
    State(state): State<Arc<AppState>>,
    Query(q): Query<CheckoutQuery>,
) -> Response {
    let Some(p) = q.product.as_deref().and_then(product) else {
        return orders::not_found(&state, "상품을 찾을 수 없습니다.");
    };
    if state.smartro.is_none() {
        return orders::not_found(&state, "스마트로페이가 설정되지 않았습니다.");
    }
    let form = CheckoutForm {
        device: q.device.unwrap_or_default(),
        ..CheckoutForm::default()
    };
    checkout_form(&state, p, &form, &[]).into_response()
}

/// The SS-Pay member id of a buyer: `m` and the mobile number's digits (letters and digits, at
/// most 20).
fn member_id(phone: &PhoneNumber) -> String {
    format!("m{}", phone.digits())
}

async fn open_window(
    State(state): State<Arc<AppState>>,
    Form(form): Form<CheckoutForm>,
) -> Response {
    let (Some(client), Some(p)) = (&state.smartro, product(&form.product)) else {
        return orders::not_found(&state, "상품을 찾을 수 없습니다.");
    };
    let mut errors = Vec::new();
    if form.buyer_name.trim().is_empty() {
        errors.push("구매자명을 입력해 주세요.".to_owned());
    }
    let phone = PhoneNumber::parse(form.buyer_phone.trim());
    if let Err(e) = &phone {
        errors.push(format!("휴대폰번호를 확인해 주세요 ({}).", e.rule));
    }
    if form.buyer_email.trim().is_empty() {
        errors.push("이메일을 입력해 주세요 (스마트로페이 필수 항목).".to_owned());
    }
    let (Ok(phone), true) = (phone, errors.is_empty()) else {
        return refused(checkout_form(&state, p, &form, &errors));
    };
    state.sync_clock().await;
    let moid = state.new_moid();
    let device = device_of(&form.device);
    let window = client.payment_window(
        PaymentWindowRequest::builder()
            .moid(moid.as_str())
            .amount(u64::try_from(p.price).unwrap_or_default())
            .goods_name(p.name)
            .mall_user_id(member_id(&phone))
            .buyer_name(form.buyer_name.trim())
            .buyer_phone(phone.clone())
            .buyer_email(form.buyer_email.trim())
            .return_url(format!("{}/smartro/return/{moid}", state.public_url))
            .stop_url(format!("{}/smartro/stop/{moid}", state.public_url)),
    );
    let window = match window {
        Ok(w) => w,
        Err(invalid) => {
            let errors = violations(&invalid, |f| f);
            return refused(checkout_form(&state, p, &form, &errors));
        }
    };
    let order = Order::requested(
        NewOrder {
            moid: &moid,
            gateway: "smartro",
            channel: if device == Device::Mobile {
                "mobile"
            } else {
                "pc"
            },
            product: p,
            buyer_name: &form.buyer_name,
            buyer_phone: &phone,
            buyer_email: Some(&form.buyer_email),
            deadline: None,
        },
        &state.now(),
    );
    if let Err(page) = state.create_order(&order).await {
        return page;
    }
    Html(window.html(client.environment(), device)).into_response()
}

fn content_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn to_order(moid: &str, key: &str, text: &str) -> Response {
    let mut query = String::new();
    let _ = pg_core::form::encode_component(
        text,
        pg_core::Charset::Utf8,
        pg_core::form::Escape::QueryValue,
        &mut query,
    );
    Redirect::to(&format!("/orders/{moid}?{key}={query}")).into_response()
}

/// `ReturnUrl`: approves the authenticated payment, checks it against the order, marks it paid.
async fn returned(
    State(state): State<Arc<AppState>>,
    Path(moid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(client) = &state.smartro else {
        return orders::not_found(&state, "스마트로페이가 설정되지 않았습니다.");
    };
    let callback = match ReturnCallback::decode(&body, content_type(&headers).as_deref()) {
        Ok(c) => c,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                page(
                    "결제 결과를 읽지 못했습니다",
                    state.sandbox.is_some(),
                    &message("error", &e.to_string()),
                ),
            )
                .into_response();
        }
    };
    let key = moid.clone();
    let order = match state.db(move |c| db::order(c, &key)).await {
        Ok(Some(o)) => o,
        Ok(None) => return orders::not_found(&state, &format!("주문 {moid}이(가) 없습니다.")),
        Err(e) => return orders::failure(&state, &e.to_string()),
    };
    let expected = Won::new(u64::try_from(order.amount).unwrap_or_default());
    let outcome = client
        .approve(&ApprovalRequest {
            tid: callback.tid.clone(),
            tr_auth_key: callback.tr_auth_key,
        })
        .await;
    let now = state.now();
    let (result, note): (Result<String, String>, String) = match outcome {
        Ok(ApprovalOutcome::Approved(r)) => {
            let wrong_order = r.moid.as_ref().is_some_and(|m| m.as_str() != order.moid);
            match r.check_amount(expected) {
                Ok(()) if !wrong_order => {
                    let tid = callback.tid.to_string();
                    let key = moid.clone();
                    let when = now.clone();
                    let paid = state
                        .db(move |c| {
                            db::transaction(c, |c| db::mark_paid(c, &key, &tid, "승인 응답", &when))
                        })
                        .await;
                    match paid {
                        Ok(Paid::Twice(first)) => (
                            Err(format!(
                                "이미 {first}로 결제된 주문입니다. 두 번째 결제는 환불이 필요합니다."
                            )),
                            String::new(),
                        ),
                        Ok(_) => (
                            Ok(format!(
                                "{} 결제가 완료되었습니다 (승인번호 {}).",
                                won(order.amount),
                                r.auth_code.as_deref().unwrap_or("-")
                            )),
                            String::new(),
                        ),
                        Err(e) => (
                            Err(format!("결제는 승인되었지만 기록하지 못했습니다: {e}")),
                            String::new(),
                        ),
                    }
                }
                _ => {
                    // Money moved, but not what the order says: give it back at once.
                    let approved = r.amount.unwrap_or(expected);
                    let undo = crate::cancel::at_gateway(
                        &state,
                        &order,
                        callback.tid.as_ref(),
                        approved,
                        "주문과 다른 승인 금액",
                        CancelKind::Full,
                        0,
                    )
                    .await;
                    let text = format!(
                        "승인 금액 {}이(가) 주문 금액 {}과(와) 달라 결제를 취소했습니다 ({}).",
                        r.amount
                            .map(|a| format!("{}원", a.grouped()))
                            .unwrap_or_else(|| "알 수 없음".into()),
                        won(order.amount),
                        undo.unwrap_or_else(|e| format!(
                            "자동 취소 실패: {e} — 직접 취소해 주세요"
                        ))
                    );
                    (Err(text.clone()), text)
                }
            }
        }
        Ok(ApprovalOutcome::Refused(r)) => {
            let text = format!(
                "결제가 승인되지 않았습니다: [{}] {}",
                r.result_code, r.result_message
            );
            (Err(text.clone()), text)
        }
        Err(e) if e.is_outcome_unknown() => {
            let text = format!(
                "승인 결과를 알 수 없습니다 ({e}). 스마트로의 결과 통보가 오면 주문에 반영됩니다."
            );
            (Err(text), String::new())
        }
        Err(e) => {
            let text = format!("승인을 요청하지 못했습니다: {e}");
            (Err(text.clone()), text)
        }
    };
    if !note.is_empty() {
        let key = moid.clone();
        let saved = state
            .db(move |c| {
                db::transaction(c, |c| {
                    db::transition(c, &key, &["requested"], "refused", Some(&note), &now)?;
                    db::log(c, &key, &note, &now)
                })
            })
            .await;
        if let Err(e) = saved {
            tracing::error!(moid, error = %e, "cannot record the approval's outcome");
        }
    }
    match result {
        Ok(text) => to_order(&moid, "ok", &text),
        Err(text) => to_order(&moid, "error", &text),
    }
}

/// `StopUrl`: the buyer closed the window; the order is abandoned (until a payment says
/// otherwise).
async fn stopped(
    State(state): State<Arc<AppState>>,
    Path(moid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let reason = match StopResult::decode(&body, content_type(&headers).as_deref()) {
        Ok(s) => format!("결제 중단: [{}] {}", s.result_code, s.result_message),
        Err(e) => format!("결제 중단 (결과를 읽지 못함: {e})"),
    };
    let now = state.now();
    let key = moid.clone();
    let note = reason.clone();
    let saved = state
        .db(move |c| {
            db::transaction(c, |c| {
                let moved =
                    db::transition(c, &key, &["requested"], "abandoned", Some(&note), &now)?;
                db::log(c, &key, &note, &now)?;
                Ok(moved)
            })
        })
        .await;
    let body = format!(
        "{}<div class=\"actions\"><a class=\"button\" href=\"/\">계속 쇼핑하기</a><a class=\"button secondary\" id=\"orderLink\" href=\"/orders/{}\">주문 보기</a></div>\n",
        message("error", &reason),
        escape(&moid)
    );
    if let Err(e) = saved {
        tracing::error!(moid, error = %e, "cannot record the stop");
    }
    page("결제를 중단했습니다", state.sandbox.is_some(), &body).into_response()
}
