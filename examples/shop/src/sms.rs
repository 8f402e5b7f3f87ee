//! `/innopay/sms`: the SMS card payment request page, as the Innopay manual's UI guideline (2.1)
//! lays it out — the order, the three terms with "agree to all", the payer's name, mobile number
//! and e-mail, a deadline of at most three days, the required notices — and the result page with
//! the order number, amount, deadline and the SMS text the buyer receives.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use pg_core::html::escape;
use pg_core::{KstDateTime, KstFormat, PhoneNumber};
use pg_innopay::sms_pay::{SmsPaymentOutcome, SmsPaymentRequest};
use serde::Deserialize;

use crate::catalog::{Product, product};
use crate::db::{self, NewOrder, Order};
use crate::html::{input, message, page, phone, refused, row, violations, won};
use crate::{AppState, orders};

pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/innopay/sms", get(request_page).post(request))
}

/// The three terms (field, title, page): all required.
const TERMS: [(&str, &str, &str); 3] = [
    ("agreeTerms", "전자금융거래 기본약관", "terms"),
    ("agreeCollection", "개인정보 수집 및 이용약관", "collection"),
    ("agreeOffering", "개인정보 제공 및 위탁안내", "offering"),
];

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ProductQuery {
    product: Option<String>,
}

/// What the request form posts.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SmsForm {
    #[serde(default)]
    product: String,
    #[serde(default)]
    buyer_name: String,
    #[serde(default)]
    buyer_phone: String,
    #[serde(default)]
    buyer_email: String,
    #[serde(default)]
    deadline: String,
    agree_terms: Option<String>,
    agree_collection: Option<String>,
    agree_offering: Option<String>,
}

impl SmsForm {
    fn agreed(&self, field: &str) -> bool {
        let v = match field {
            "agreeTerms" => &self.agree_terms,
            "agreeCollection" => &self.agree_collection,
            _ => &self.agree_offering,
        };
        v.as_deref() == Some("Y")
    }
}

async fn request_page(
    State(state): State<Arc<AppState>>,
    Query(q): Query<ProductQuery>,
) -> Response {
    let Some(p) = q.product.as_deref().and_then(product) else {
        return orders::not_found(&state, "상품을 찾을 수 없습니다.");
    };
    if state.innopay.is_none() {
        return orders::not_found(&state, "이노페이가 설정되지 않았습니다.");
    }
    form_page(&state, p, &SmsForm::default(), &[]).into_response()
}

fn deadline_choice(state: &AppState, days: i64) -> KstDateTime {
    let now = KstDateTime::now(state.clock.as_ref());
    KstDateTime::from_instant(now.to_offset() + time::Duration::days(days - 1)).end_of_next_day()
}

fn form_page(state: &AppState, p: Product, form: &SmsForm, errors: &[String]) -> Html<String> {
    let mut body = String::from(
        "<div class=\"steps\"><b>입력</b> &gt; 요청결과 · <a href=\"HELP\" target=\"_blank\" rel=\"noopener\">카드 SMS 결제란?</a></div>\n",
    )
    .replace("HELP", &escape(&format!("{}/api/helpSms", state.innopay_pages)));
    for e in errors {
        body.push_str(&message("error", e));
    }
    body.push_str("<table class=\"summary\">\n");
    body.push_str(&row("상품명", p.name));
    body.push_str(&row("상품금액", &won(p.price)));
    body.push_str("</table>\n<form method=\"post\" action=\"/innopay/sms\" id=\"smsForm\">\n");
    body.push_str(&format!(
        "<input type=\"hidden\" name=\"product\" value=\"{}\">\n",
        escape(p.id)
    ));
    body.push_str("<h2>이용약관 동의</h2>\n<label class=\"check\"><input type=\"checkbox\" id=\"agreeAll\" onclick=\"document.querySelectorAll('input.term').forEach(function(t){t.checked=this.checked;},this)\"> <b>전체동의</b></label>\n<table class=\"terms\">\n");
    for (field, title, page_name) in TERMS {
        body.push_str(&format!(
            "<tr><td>{title} (필수)</td><td><a href=\"{href}\" target=\"_blank\" rel=\"noopener\">상세보기 &gt;</a></td><td><label class=\"check\"><input type=\"checkbox\" class=\"term\" id=\"{field}\" name=\"{field}\" value=\"Y\"{checked}> 동의</label></td></tr>\n",
            title = escape(title),
            href = escape(&format!("{}/api/{page_name}", state.innopay_pages)),
            checked = if form.agreed(field) { " checked" } else { "" },
        ));
    }
    body.push_str("</table>\n<h2>결제정보 입력</h2>\n");
    body.push_str(&input(
        "결제자명",
        "text",
        "buyerName",
        &form.buyer_name,
        "결제자명을 입력하세요",
    ));
    body.push_str(&input(
        "휴대폰번호",
        "tel",
        "buyerPhone",
        &form.buyer_phone,
        "010-1234-1234",
    ));
    body.push_str(&input(
        "이메일 (선택, 결제 내역과 매출전표를 보내 드립니다)",
        "email",
        "buyerEmail",
        &form.buyer_email,
        "noemail@noemail.com",
    ));
    body.push_str("<label for=\"deadline\">결제마감 (선택)</label><select id=\"deadline\" name=\"deadline\">\n<option value=\"\">미입력 (D+1 자동 설정)</option>\n");
    for days in 1..=3 {
        let at = deadline_choice(state, days).format(KstFormat::Dashed);
        body.push_str(&format!(
            "<option value=\"{days}\"{selected}>D+{days} ({at})</option>\n",
            selected = if form.deadline == days.to_string() {
                " selected"
            } else {
                ""
            },
        ));
    }
    body.push_str("</select>\n<p class=\"notice\">※ 결제마감시간 미입력시 D+1일이 자동 설정됩니다.</p>\n<p class=\"notice\">※ 입력하신 휴대폰번호로 결제링크가 SMS문자로 발송되며, 해당링크에서만 신용카드 SMS 결제가 가능합니다.</p>\n<div class=\"actions\"><a class=\"button secondary\" href=\"/\">취소</a><button type=\"submit\" id=\"smsRequest\">SMS 결제요청</button></div>\n</form>\n");
    page("신용카드 SMS 결제", state.sandbox.is_some(), &body)
}

/// The form's problems, in the page's own words.
fn check(form: &SmsForm) -> Vec<String> {
    let mut errors = Vec::new();
    for (field, title, _) in TERMS {
        if !form.agreed(field) {
            errors.push(format!("{title}에 동의해 주세요."));
        }
    }
    if form.buyer_name.trim().is_empty() {
        errors.push("결제자명을 입력해 주세요.".into());
    }
    if let Err(e) = PhoneNumber::parse(form.buyer_phone.trim()) {
        errors.push(format!("휴대폰번호를 확인해 주세요 ({}).", e.rule));
    }
    if !matches!(form.deadline.as_str(), "" | "1" | "2" | "3") {
        errors.push("결제마감은 최대 3일까지 선택할 수 있습니다.".into());
    }
    errors
}

async fn request(State(state): State<Arc<AppState>>, Form(form): Form<SmsForm>) -> Response {
    let (Some(client), Some(p)) = (&state.innopay, product(&form.product)) else {
        return orders::not_found(&state, "상품을 찾을 수 없습니다.");
    };
    let errors = check(&form);
    let parsed = PhoneNumber::parse(form.buyer_phone.trim());
    let (Ok(buyer_phone), true) = (parsed, errors.is_empty()) else {
        return refused(form_page(&state, p, &form, &errors));
    };
    state.sync_clock().await;
    let moid = state.new_moid();
    let mut request = SmsPaymentRequest::builder()
        .moid(moid.as_str())
        .goods_name(p.name)
        .amount(u64::try_from(p.price).unwrap_or_default())
        .buyer_name(form.buyer_name.trim())
        .buyer_phone(form.buyer_phone.trim());
    let email = form.buyer_email.trim();
    if !email.is_empty() {
        request = request.buyer_email(email);
    }
    let deadline = form
        .deadline
        .parse::<i64>()
        .ok()
        .map(|days| deadline_choice(&state, days));
    if let Some(d) = deadline {
        request = request.deadline(d);
    }
    let request = match request.build() {
        Ok(r) => r,
        Err(invalid) => {
            let errors = violations(&invalid, label);
            return refused(form_page(&state, p, &form, &errors));
        }
    };
    let order = Order::requested(
        NewOrder {
            moid: &moid,
            gateway: "innopay",
            channel: "sms",
            product: p,
            buyer_name: &form.buyer_name,
            buyer_phone: &buyer_phone,
            buyer_email: Some(email),
            deadline: deadline.map(|d| d.format(KstFormat::Dashed)),
        },
        &state.now(),
    );
    if let Err(page) = state.create_order(&order).await {
        return page;
    }
    let outcome = client.request_sms_payment(&request).await;
    let now = state.now();
    let mut answered_deadline = None;
    let (new_state, note, page) = match outcome {
        Ok(SmsPaymentOutcome::Registered(registered)) => {
            answered_deadline = registered.deadline.map(|d| d.format(KstFormat::Dashed));
            let deadline = answered_deadline
                .clone()
                .or(order.deadline.clone())
                .unwrap_or_else(|| "D+1".into());
            let html = result_page(&state, &order, &deadline, &registered.message);
            (
                "requested",
                format!("SMS 발송: {}", registered.message),
                html.into_response(),
            )
        }
        Ok(SmsPaymentOutcome::Refused(r)) => {
            let text = format!("이노페이가 거절했습니다: [{}] {}", r.code, r.message);
            ("refused", text.clone(), orders::failure(&state, &text))
        }
        Err(e) if e.is_outcome_unknown() => {
            let text = format!("결과를 알 수 없습니다 ({e}). 주문 관리에서 상태를 확인해 주세요.");
            ("requested", text.clone(), orders::failure(&state, &text))
        }
        Err(e) => {
            let text = format!("SMS 결제요청을 보내지 못했습니다: {e}");
            ("refused", text.clone(), orders::failure(&state, &text))
        }
    };
    let moid2 = moid.clone();
    let saved = state
        .db(move |c| {
            db::transaction(c, |c| {
                db::transition(c, &moid2, &["requested"], new_state, Some(&note), &now)?;
                if let Some(deadline) = &answered_deadline {
                    db::set_deadline(c, &moid2, deadline)?;
                }
                db::log(c, &moid2, &note, &now)
            })
        })
        .await;
    if let Err(e) = saved {
        tracing::error!(moid, error = %e, "cannot record the SMS request's outcome");
    }
    page
}

/// The form's label of a wire field.
fn label(field: &str) -> &str {
    match field {
        "buyerName" => "결제자명",
        "buyerTel" => "휴대폰번호",
        "buyerEmail" => "이메일",
        "payExpDate" => "결제마감",
        other => other,
    }
}

fn result_page(state: &AppState, order: &Order, deadline: &str, sms: &str) -> Html<String> {
    let mut body = String::from(
        "<div class=\"steps\">입력 &gt; <b>요청결과</b></div>\n<table class=\"summary\">\n",
    );
    body.push_str(&row("상품명", &order.goods_name));
    body.push_str(&row("상품금액", &won(order.amount)));
    body.push_str(&format!(
        "<tr><td>주문번호</td><td id=\"moid\">{}</td></tr>\n",
        escape(&order.moid)
    ));
    body.push_str("</table>\n<div class=\"ok\" id=\"registered\">✓ 주문등록 완료</div>\n<table class=\"summary\">\n");
    body.push_str(&row("휴대폰번호", &phone(&order.buyer_phone)));
    body.push_str(&row("결제마감", deadline));
    body.push_str("</table>\n<h2>SMS 메시지</h2>\n");
    body.push_str(&format!(
        "<div class=\"sms\" id=\"smsText\">{}</div>\n",
        escape(sms)
    ));
    body.push_str(&format!(
        "<p class=\"notice\">※ 결제마감시간 내에 상기 휴대폰으로 결제링크 연결 및 진행하셔야 주문완료 처리됩니다.</p>\n<p class=\"notice\">※ 결제가 완료되면 이노페이의 결과 통보로 주문이 결제 완료로 바뀝니다.</p>\n<p class=\"notice\">※ 결제마감이 지나면 새로 요청해 주세요.</p>\n<div class=\"actions\"><a class=\"button\" id=\"close\" href=\"/orders/{}\">닫기</a></div>\n",
        escape(&order.moid)
    ));
    page("신용카드 SMS 결제", state.sandbox.is_some(), &body)
}
