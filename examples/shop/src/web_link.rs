//! `/innopay/web-link`: the staff page for Innopay's SMS card payment Web-Link. The staff member
//! picks the goods and the buyer; the shop records the order and posts the signed Web-Link form
//! to Innopay, whose window registers the SMS order and texts the buyer. The window then posts
//! its event to `/innopay/web-link/return` (manual 1.2): registered (`0000`, with the SMS text)
//! or closed.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use pg_core::PhoneNumber;
use pg_core::html::escape;
use pg_innopay::return_event::WebLinkEvent;
use pg_innopay::web_link::{RequestType, WebLinkRequest};
use serde::Deserialize;

use crate::catalog::{PRODUCTS, product};
use crate::db::{self, NewOrder, Order};
use crate::html::{input, message, page, phone as show_phone, refused, violations, won};
use crate::{AppState, orders};

pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/innopay/web-link", get(staff_page).post(open))
        .route("/innopay/web-link/return", post(event))
}

/// What the staff form posts.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StaffForm {
    #[serde(default)]
    product: String,
    #[serde(default)]
    buyer_name: String,
    #[serde(default)]
    buyer_phone: String,
    #[serde(default)]
    buyer_email: String,
}

fn staff_form(state: &AppState, form: &StaffForm, errors: &[String]) -> Html<String> {
    let mut body = String::from(
        "<p class=\"notice\">고객과 통화하거나 매장에서 응대하며 SMS 결제를 요청합니다. 이노페이 결제요청 창에서 내용을 확인하고 SMS를 보내면, 고객은 받은 링크로 카드 결제를 합니다.</p>\n",
    );
    for e in errors {
        body.push_str(&message("error", e));
    }
    body.push_str("<form method=\"post\" action=\"/innopay/web-link\" id=\"staffForm\">\n<label for=\"product\">상품</label><select id=\"product\" name=\"product\">\n");
    for p in PRODUCTS {
        body.push_str(&format!(
            "<option value=\"{id}\"{sel}>{name} — {price}</option>\n",
            id = escape(p.id),
            sel = if form.product == p.id {
                " selected"
            } else {
                ""
            },
            name = escape(p.name),
            price = won(p.price),
        ));
    }
    body.push_str("</select>\n");
    body.push_str(&input(
        "고객명",
        "text",
        "buyerName",
        &form.buyer_name,
        "홍길동",
    ));
    body.push_str(&input(
        "고객 휴대폰번호",
        "tel",
        "buyerPhone",
        &form.buyer_phone,
        "010-1234-1234",
    ));
    body.push_str(&input(
        "고객 이메일 (선택)",
        "email",
        "buyerEmail",
        &form.buyer_email,
        "buyer@example.kr",
    ));
    body.push_str("<div class=\"actions\"><button type=\"submit\" id=\"openWebLink\">이노페이 결제요청 창 열기</button></div>\n</form>\n");
    page(
        "직원용 SMS 결제요청 (Web-Link)",
        state.sandbox.is_some(),
        &body,
    )
}

async fn staff_page(State(state): State<Arc<AppState>>) -> Response {
    if state.innopay.is_none() {
        return orders::not_found(&state, "이노페이가 설정되지 않았습니다.");
    }
    staff_form(&state, &StaffForm::default(), &[]).into_response()
}

async fn open(State(state): State<Arc<AppState>>, Form(form): Form<StaffForm>) -> Response {
    let (Some(client), Some(p)) = (&state.innopay, product(&form.product)) else {
        return orders::not_found(&state, "상품을 찾을 수 없습니다.");
    };
    let mut errors = Vec::new();
    if form.buyer_name.trim().is_empty() {
        errors.push("고객명을 입력해 주세요.".to_owned());
    }
    let phone = PhoneNumber::parse(form.buyer_phone.trim());
    if let Err(e) = &phone {
        errors.push(format!("고객 휴대폰번호를 확인해 주세요 ({}).", e.rule));
    }
    let (Ok(phone), true) = (phone, errors.is_empty()) else {
        return refused(staff_form(&state, &form, &errors));
    };
    state.sync_clock().await;
    let moid = state.new_moid();
    let email = form.buyer_email.trim();
    let mut request = WebLinkRequest::builder()
        .request_type(RequestType::Pc)
        .moid(moid.as_str())
        .amount(u64::try_from(p.price).unwrap_or_default())
        .goods_name(p.name)
        .buyer_name(form.buyer_name.trim())
        .buyer_phone(phone.clone())
        .return_url(format!("{}/innopay/web-link/return", state.public_url));
    if !email.is_empty() {
        request = request.buyer_email(email);
    }
    let link = match client.web_link(request) {
        Ok(link) => link,
        Err(invalid) => {
            let errors = violations(&invalid, |f| f);
            return refused(staff_form(&state, &form, &errors));
        }
    };
    let order = Order::requested(
        NewOrder {
            moid: &moid,
            gateway: "innopay",
            channel: "web-link",
            product: p,
            buyer_name: &form.buyer_name,
            buyer_phone: &phone,
            buyer_email: Some(email),
            deadline: None,
        },
        &state.now(),
    );
    if let Err(page) = state.create_order(&order).await {
        return page;
    }
    // The page posts the signed form to Innopay at once (its hidden fields hold the LicenseKey,
    // as Web-Link requires: serve it to staff only).
    Html(link.post_form_html()).into_response()
}

/// The Web-Link window's event: the SMS order was registered (`0000`), or not.
async fn event(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok());
    let event = match WebLinkEvent::decode(&body, content_type) {
        Ok(e) => e,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                page(
                    "결제요청 결과를 읽지 못했습니다",
                    state.sandbox.is_some(),
                    &message("error", &e.to_string()),
                ),
            )
                .into_response();
        }
    };
    let Some(moid) = event.moid.as_ref().map(|m| m.as_str().trim().to_owned()) else {
        return page(
            "결제요청 창이 닫혔습니다",
            state.sandbox.is_some(),
            &message(
                "error",
                &format!("[{}] {}", event.result_code, event.result_message),
            ),
        )
        .into_response();
    };
    let registered = event.is_registered();
    let note = if registered {
        format!("SMS 발송: {}", event.result_message)
    } else {
        format!(
            "SMS 결제요청 안 됨: [{}] {}",
            event.result_code, event.result_message
        )
    };
    let now = state.now();
    let (key, text) = (moid.clone(), note.clone());
    let saved = state
        .db(move |c| {
            db::transaction(c, |c| {
                // The window posts the same event again when it is closed: record it once.
                let seen =
                    db::order(c, &key)?.is_some_and(|o| o.note.as_deref() == Some(text.as_str()));
                if !seen {
                    let target = if registered { "requested" } else { "abandoned" };
                    db::transition(c, &key, &["requested"], target, Some(&text), &now)?;
                    db::log(c, &key, &text, &now)?;
                }
                db::order(c, &key)
            })
        })
        .await;
    let order = match saved {
        Ok(Some(order)) => order,
        Ok(None) => return orders::not_found(&state, &format!("주문 {moid}이(가) 없습니다.")),
        Err(e) => return orders::failure(&state, &e.to_string()),
    };
    let mut body = String::new();
    if registered {
        body.push_str(&format!(
            "<div class=\"ok\" id=\"registered\">✓ 주문등록 완료 — {} 님 ({})께 결제 링크를 보냈습니다.</div>\n<h2>SMS 메시지</h2>\n<div class=\"sms\" id=\"smsText\">{}</div>\n",
            escape(&order.buyer_name),
            escape(&show_phone(&order.buyer_phone)),
            escape(&event.result_message)
        ));
    } else {
        body.push_str(&message("error", &note));
    }
    body.push_str(&format!(
        "<div class=\"actions\"><a class=\"button\" id=\"orderLink\" href=\"/orders/{m}\">주문 {m} 보기</a><a class=\"button secondary\" href=\"/innopay/web-link\">새 요청</a></div>\n",
        m = escape(&order.moid)
    ));
    page("SMS 결제요청 결과", state.sandbox.is_some(), &body).into_response()
}
