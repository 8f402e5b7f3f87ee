//! The payment window's pages: the card list with password, card registration with identity
//! verification, the hand-over of `Tid`/`TrAuthKey`, the stop result, and refusals.

use axum::http::StatusCode;
use axum::response::Response;
use pg_core::html::{escape, escape_js_string};

use super::codes;
use crate::answer::{self, Refusal};
use crate::merchant::{IdentityCheck, Merchant};
use crate::page::{auto_post, hidden, layout, result_box, summary, won};
use crate::sim::Sim;
use crate::store::{Card, Member, Session};
use crate::wire::{WireFields, is_http_url};

const BRAND: &str = "SmartroPAY 간편결제 (SS-Pay)";

/// The stop result's fields (guide "결제 중단 시 결과 파라미터"), without the result.
const STOP_FIELDS: [&str; 10] = [
    "PayMethod",
    "GoodsName",
    "Amt",
    "Moid",
    "Mid",
    "MallUserId",
    "BuyerName",
    "BuyerTel",
    "BuyerEmail",
    "MallReserved",
];

fn order_summary(session: &Session, merchant: &Merchant) -> String {
    summary(&[
        ("가맹점", merchant.name.clone()),
        ("상품명", session.field("GoodsName").to_owned()),
        (
            "결제금액",
            won(session.field("Amt").parse().unwrap_or_default()),
        ),
        ("주문번호", session.field("Moid").to_owned()),
    ])
}

fn stop_button(session: &Session) -> String {
    format!(
        "<form id=\"stopWindow\" method=\"post\" action=\"/ssp/window/{}/stop\"><button type=\"submit\" class=\"secondary\" id=\"stopButton\">결제 중단</button></form>\n",
        escape(&session.token)
    )
}

/// The window: the member's cards, installments and password — or card registration when the
/// member has none.
pub(crate) fn render(
    sim: &Sim,
    session: &Session,
    merchant: &Merchant,
    notice: Option<Refusal>,
) -> Response {
    let user = session.field("MallUserId");
    let cards = sim
        .store
        .with(|c| Card::of(c, &merchant.mid, user))
        .unwrap_or_default();
    if cards.is_empty() {
        return card_form(sim, session, merchant, notice);
    }
    let mut body = String::new();
    if let Some(n) = &notice {
        body.push_str(&result_box(false, n.code, &n.message));
    }
    body.push_str(&order_summary(session, merchant));
    body.push_str(&format!(
        "<h2>결제 카드 선택</h2>\n<form id=\"payForm\" method=\"post\" action=\"/ssp/window/{}/pay\">\n",
        escape(&session.token)
    ));
    for (i, card) in cards.iter().enumerate() {
        let name = pg_core::CardCompany::from_code(&card.company)
            .name_ko()
            .unwrap_or("카드");
        body.push_str(&format!(
            "<label><input type=\"radio\" name=\"cardId\" value=\"{}\"{}> {} {}</label>\n",
            card.id,
            if i == 0 { " checked" } else { "" },
            escape(name),
            escape(&card.masked)
        ));
    }
    body.push_str("<label for=\"quota\">할부</label><select id=\"quota\" name=\"quota\"><option value=\"00\">일시불</option>");
    if session.field("Amt").parse::<u64>().unwrap_or_default() >= 50_000 {
        for m in 2..=12 {
            body.push_str(&format!("<option value=\"{m:02}\">{m}개월</option>"));
        }
    }
    body.push_str("</select>\n<label for=\"pin\">결제 비밀번호 (6자리)</label><input type=\"password\" id=\"pin\" name=\"pin\" inputmode=\"numeric\" maxlength=\"6\">\n");
    body.push_str(&format!(
        "<div class=\"actions\"><button type=\"submit\" id=\"payButton\">{} 결제</button>\n<a class=\"button secondary\" href=\"/ssp/window/{}?add=card\">새 카드 등록</a></div>\n</form>\n",
        won(session.field("Amt").parse().unwrap_or_default()),
        escape(&session.token)
    ));
    body.push_str("<h2>등록 카드 관리</h2>\n");
    for card in &cards {
        body.push_str(&format!(
            "<form id=\"deleteCard{}\" method=\"post\" action=\"/ssp/window/{}/card/{}/delete\" class=\"row\"><span class=\"mono\">{}</span> <button type=\"submit\" class=\"secondary\" id=\"delete-card-{}\">삭제</button></form>\n",
            card.id,
            escape(&session.token),
            card.id,
            escape(&card.masked),
            card.id
        ));
    }
    body.push_str(&stop_button(session));
    let status = if notice.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    answer::html(status, layout(BRAND, "결제하기", &body))
}

/// Card registration; identity verification (본인인증) the first time.
pub(crate) fn card_form(
    sim: &Sim,
    session: &Session,
    merchant: &Merchant,
    notice: Option<Refusal>,
) -> Response {
    let member = sim
        .store
        .with(|c| Member::get(c, &merchant.mid, session.field("MallUserId")))
        .ok()
        .flatten();
    let mut body = String::new();
    if let Some(n) = &notice {
        body.push_str(&result_box(false, n.code, &n.message));
    }
    body.push_str(&order_summary(session, merchant));
    body.push_str(&format!(
        "<h2>SS-Pay 카드 등록</h2>\n<form id=\"cardForm\" method=\"post\" action=\"/ssp/window/{}/card\">\n",
        escape(&session.token)
    ));
    if member.is_none() {
        let rule = match merchant.identity_check {
            IdentityCheck::None => "본인인증 성공 여부만 확인합니다",
            IdentityCheck::Name => "성명이 구매자명과 같아야 합니다",
            IdentityCheck::Phone => "휴대폰번호가 구매자 연락처와 같아야 합니다",
            IdentityCheck::Both => "성명과 휴대폰번호가 구매자 정보와 같아야 합니다",
        };
        body.push_str(&format!(
            "<p class=\"notice\">본인인증 ({})</p>\n<label for=\"idName\">성명</label><input type=\"text\" id=\"idName\" name=\"idName\">\n<label for=\"idPhone\">휴대폰번호</label><input type=\"tel\" id=\"idPhone\" name=\"idPhone\" placeholder=\"010-0000-0000\">\n",
            escape(rule)
        ));
    }
    body.push_str("<label for=\"cardNo\">카드번호</label><input type=\"text\" id=\"cardNo\" name=\"cardNo\" inputmode=\"numeric\" placeholder=\"0000 0000 0000 0000\">\n\
        <label for=\"expiry\">유효기간 (MM/YY)</label><input type=\"text\" id=\"expiry\" name=\"expiry\" class=\"short\" placeholder=\"MM/YY\">\n\
        <label for=\"birth\">생년월일 6자리</label><input type=\"text\" id=\"birth\" name=\"birth\" inputmode=\"numeric\" placeholder=\"YYMMDD\">\n\
        <label for=\"newPin\">결제 비밀번호 설정 (6자리)</label><input type=\"password\" id=\"newPin\" name=\"pin\" inputmode=\"numeric\" maxlength=\"6\">\n\
        <label for=\"pinConfirm\">결제 비밀번호 확인</label><input type=\"password\" id=\"pinConfirm\" name=\"pinConfirm\" inputmode=\"numeric\" maxlength=\"6\">\n\
        <div class=\"actions\"><button type=\"submit\" id=\"registerButton\">카드 등록</button></div>\n</form>\n");
    body.push_str("<p class=\"notice\">테스트 카드: 4242 4242 4242 4242 승인 · 4000 0000 0000 0002 거절(3011) · 4000 0000 0000 9995 한도초과(3012)</p>\n");
    body.push_str(&stop_button(session));
    let status = if notice.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    answer::html(status, layout(BRAND, "카드 등록", &body))
}

/// The charset results are posted back in (`EncodingType`).
fn result_charset(fields: &dyn Fn(&str) -> String) -> &'static str {
    if fields("EncodingType")
        .to_ascii_lowercase()
        .starts_with("euc")
    {
        "euc-kr"
    } else {
        "utf-8"
    }
}

/// Authenticated: `Tid` and `TrAuthKey` go to the script's `Callback` (PC) or are posted to
/// `ReturnUrl` (mobile).
pub(crate) fn authenticated(session: &Session, tid: &str, key: &str) -> Response {
    let mut body = format!(
        "{}<div id=\"authenticated\" data-tid=\"{}\" data-tr-auth-key=\"{}\"></div>\n",
        result_box(
            true,
            "0000",
            "인증이 완료되었습니다. 가맹점으로 이동합니다."
        ),
        escape(tid),
        escape(key)
    );
    if session.field("device") == "pc" {
        let origin = match session.field("origin") {
            "" => "*",
            o => o,
        };
        body.push_str(&format!(
            "<script>parent.postMessage({{source: \"smartropay\", type: \"result\", Tid: \"{}\", TrAuthKey: \"{}\"}}, \"{}\");</script>\n",
            escape_js_string(tid),
            escape_js_string(key),
            escape_js_string(origin)
        ));
    } else {
        let f = |n: &str| session.field(n).to_owned();
        let charset = result_charset(&f);
        let (pay_method, mid, moid, amt, reserved) = (
            f("PayMethod"),
            f("Mid"),
            f("Moid"),
            f("Amt"),
            f("MallReserved"),
        );
        body.push_str(&auto_post(
            "returnForm",
            session.field("ReturnUrl"),
            charset,
            "_self",
            &[
                ("Tid", tid),
                ("TrAuthKey", key),
                ("PayMethod", &pay_method),
                ("Mid", &mid),
                ("Moid", &moid),
                ("Amt", &amt),
                ("MallReserved", &reserved),
            ],
        ));
    }
    answer::html(StatusCode::OK, layout(BRAND, "인증 완료", &body))
}

/// The stop result, posted to `StopUrl` in the top window.
pub(crate) fn stopped(session: &Session) -> Response {
    let f = |n: &str| session.field(n).to_owned();
    stop_page(&f, &Refusal::new(codes::STOPPED, "사용자 결제 중단"))
}

fn stop_page(fields: &dyn Fn(&str) -> String, result: &Refusal) -> Response {
    let stop_url = fields("StopUrl");
    let mut body = result_box(false, result.code, &result.message);
    if is_http_url(&stop_url) {
        let values: Vec<String> = STOP_FIELDS.iter().map(|n| fields(n)).collect();
        let mut pairs: Vec<(&str, &str)> = STOP_FIELDS
            .iter()
            .zip(&values)
            .map(|(n, v)| (*n, v.as_str()))
            .collect();
        pairs.push(("ResultCode", result.code));
        pairs.push(("ResultMsg", &result.message));
        body.push_str(&auto_post(
            "stopForm",
            &stop_url,
            result_charset(fields),
            "_top",
            &pairs,
        ));
    } else {
        body.push_str("<script>if (parent !== window) parent.postMessage({source: \"smartropay\", type: \"close\"}, \"*\");</script>\n");
    }
    answer::html(StatusCode::OK, layout(BRAND, "결제 중단", &body))
}

/// A request the window refuses: the code and message, and a 닫기 that posts the stop result
/// (with this code) to `StopUrl` when the request named a valid one.
pub(crate) fn refused(refusal: &Refusal, fields: Option<&WireFields>) -> Response {
    let mut body = result_box(false, refusal.code, &refusal.message);
    body.push_str("<form id=\"closeForm\" method=\"post\" action=\"/ssp/close\">\n");
    if let Some(f) = fields {
        for name in STOP_FIELDS.iter().chain(&["StopUrl", "EncodingType"]) {
            body.push_str(&hidden(name, f.or_empty(name)));
        }
    }
    body.push_str(&hidden("ResultCode", refusal.code));
    body.push_str(&hidden("ResultMsg", &refusal.message));
    body.push_str("<div class=\"actions\"><button type=\"submit\" class=\"secondary\" id=\"closeButton\">닫기</button></div>\n</form>\n");
    answer::html(StatusCode::OK, layout(BRAND, "결제 요청 오류", &body))
}

/// `POST /ssp/close`: the 닫기 of a refusal page.
pub(crate) fn close(form: &WireFields) -> Response {
    let code = match form.or_empty("ResultCode") {
        "" => codes::STOPPED,
        c => codes::known(c),
    };
    let message = form.or_empty("ResultMsg").to_owned();
    let f = |n: &str| form.or_empty(n).to_owned();
    stop_page(&f, &Refusal::new(code, message))
}
