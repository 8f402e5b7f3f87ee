//! The page an SMS payment link opens (`/s/{code}`): the order, and a card form where a test
//! card approves or declines ([`crate::magic`]) until the order's deadline (`payExpDate`). An
//! approval is stored, the order marked paid, and the notification queued in one transaction.

use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use pg_core::html::escape;
use serde_json::json;

use super::notification;
use crate::answer;
use crate::ids::TidKind;
use crate::magic::{self, TestCard};
use crate::merchant::{Gateway, Merchant};
use crate::outbox;
use crate::page::{self, layout, result_box, summary, won};
use crate::request::Incoming;
use crate::sim::Sim;
use crate::store::{OrderState, SmsOrder, Transaction, TxState, kst_text};
use crate::wire::WireFields;

const BRAND: &str = "INNOPAY 전자결제 서비스";

/// `GET /s/{code}`: the order and the card form.
pub(crate) async fn show(State(sim): State<Arc<Sim>>, Path(code): Path<String>) -> Response {
    match load(&sim, &code) {
        Ok((order, merchant)) => match closed(&sim, &order) {
            Some(page) => page,
            None => form_page(&order, &merchant, None),
        },
        Err(page) => page,
    }
}

/// `POST /s/{code}`: pays with the card typed.
pub(crate) async fn pay(
    State(sim): State<Arc<Sim>>,
    Path(code): Path<String>,
    request: Request,
) -> Response {
    let (order, merchant) = match load(&sim, &code) {
        Ok(found) => found,
        Err(page) => return page,
    };
    if let Some(page) = closed(&sim, &order) {
        return page;
    }
    let form = match Incoming::read(request).await.and_then(|i| {
        WireFields::form_with_content_type(&i.body, i.content_type()).map_err(|e| e.to_string())
    }) {
        Ok(f) => f,
        Err(e) => return form_page(&order, &merchant, Some(("9001", e))),
    };
    let (card, quota) = match read_payment(&sim, &order, &form) {
        Ok(read) => read,
        Err(message) => return form_page(&order, &merchant, Some(("9001", message))),
    };
    match settle(&sim, &merchant, &order, &card, &quota) {
        Ok(Some(tx)) if tx.state == TxState::Declined => {
            let body = format!(
                "{}{}<div class=\"actions\"><a class=\"button\" href=\"{}\">다른 카드로 결제</a></div>\n",
                result_box(false, &tx.result_code, &tx.result_msg),
                summary(&order_rows(&order)),
                escape(&format!("/s/{}", order.link_code)),
            );
            answer::html(StatusCode::OK, layout(BRAND, "결제 실패", &body))
        }
        Ok(Some(tx)) => {
            let mut rows = order_rows(&order);
            rows.extend([
                ("승인번호", tx.approval_no.clone()),
                ("카드번호", tx.card_masked.clone()),
                ("할부", quota_label(&tx.quota)),
                ("거래번호", tx.tid.clone()),
            ]);
            let body = format!(
                "{}{}",
                result_box(true, "3001", "결제가 완료되었습니다"),
                summary(&rows)
            );
            answer::html(StatusCode::OK, layout(BRAND, "결제 완료", &body))
        }
        Ok(None) => already_paid(&order),
        Err(e) => form_page(&order, &merchant, Some(("9999", e.to_string()))),
    }
}

/// Stores the payment: a declined attempt, or an approval with the order paid and the
/// notification queued. `None`: the order was paid meanwhile.
fn settle(
    sim: &Sim,
    merchant: &Merchant,
    order: &SmsOrder,
    card: &TestCard,
    quota: &str,
) -> crate::store::Result<Option<Transaction>> {
    let now = sim.now_ms();
    let result = sim.store.with(|c| {
        let mut tx = loop {
            let tid = sim.ids(|ids| ids.tid(&order.mid, TidKind::Payment, sim.now_kst()));
            if Transaction::get(c, &tid)?.is_none() {
                break new_transaction(sim, order, card, quota, tid, now);
            }
        };
        if tx.state == TxState::Approved {
            if !SmsOrder::mark_paid(c, order.id, &tx.tid)? {
                return Ok(None);
            }
            tx.approval_no = sim.ids(|ids| ids.approval_number());
        }
        tx.insert(c)?;
        if tx.state == TxState::Approved {
            let behaviour = magic::notify_behaviour(tx.amount);
            outbox::queue(
                c,
                merchant,
                notification::approval(merchant, &tx, behaviour),
                behaviour,
                now,
            )?;
        }
        Ok(Some(tx))
    })?;
    sim.wake.notify_one();
    Ok(result)
}

fn new_transaction(
    sim: &Sim,
    order: &SmsOrder,
    card: &TestCard,
    quota: &str,
    tid: String,
    now: i64,
) -> Transaction {
    let (state, code, message) = match card.decline {
        Some(d) => (TxState::Declined, d.code.to_owned(), d.message.to_owned()),
        None => (TxState::Approved, "3001".to_owned(), "정상처리".to_owned()),
    };
    Transaction {
        tid,
        gateway: "innopay".into(),
        mid: order.mid.clone(),
        moid: order.moid.clone(),
        amount: order.amount,
        cancelled: 0,
        state,
        result_code: code,
        result_msg: message,
        card_masked: card.masked.clone(),
        card_company: card.company.to_owned(),
        quota: quota.to_owned(),
        approval_no: String::new(),
        approved_at: (state == TxState::Approved).then_some(now),
        goods_name: order.goods_name.clone(),
        buyer_name: order.buyer_name.clone(),
        buyer_tel: order.buyer_tel.clone(),
        buyer_email: order.buyer_email.clone(),
        details: json!({
            "pg_mid": order.pg_mid,
            "trans_seq": sim.ids(|ids| ids.trans_seq()),
            "user_id": order.user_id,
            "svc_prdt_cd": order.svc_prdt_cd,
        }),
        created_at: now,
    }
}

/// The card, expiry, installments and (SMS 수기) birth date and password digits, or what is
/// wrong with them.
fn read_payment(
    sim: &Sim,
    order: &SmsOrder,
    form: &WireFields,
) -> Result<(TestCard, String), String> {
    let card = magic::read_card(form.or_empty("cardNo")).map_err(|e| e.to_string())?;
    let (year, month) =
        magic::read_expiry(form.or_empty("expiry")).ok_or("유효기간은 MM/YY 형식입니다")?;
    let now = sim.now_kst().wall_clock();
    if (year, month) < (now.year(), u8::from(now.month())) {
        return Err("유효기간이 지난 카드입니다".into());
    }
    let quota = form.text("quota").unwrap_or("00").to_owned();
    let months: u8 = quota.parse().map_err(|_| "할부개월이 올바르지 않습니다")?;
    if !(months == 0 || (2..=12).contains(&months)) || quota.len() != 2 {
        return Err("할부개월은 00(일시불) 또는 02~12입니다".into());
    }
    if months != 0 && order.amount < 50_000 {
        return Err("할부는 5만원 이상 결제 시 가능합니다".into());
    }
    if order.svc_prdt_cd == "04" {
        if form.text("authConfirm").is_none() {
            return Err("카드사 인증을 완료해 주세요".into());
        }
    } else {
        let birth = form.or_empty("birth");
        if !(birth.len() == 6 || birth.len() == 10) || !birth.bytes().all(|b| b.is_ascii_digit()) {
            return Err("생년월일 6자리(법인은 사업자번호 10자리)를 입력해 주세요".into());
        }
        let pin = form.or_empty("cardPw");
        if pin.len() != 2 || !pin.bytes().all(|b| b.is_ascii_digit()) {
            return Err("카드 비밀번호 앞 2자리를 입력해 주세요".into());
        }
    }
    Ok((card, quota))
}

/// The order and its merchant, or a page saying the link is unknown.
fn load(sim: &Sim, code: &str) -> Result<(SmsOrder, Arc<Merchant>), Response> {
    let not_found = || {
        answer::html(
            StatusCode::NOT_FOUND,
            layout(
                BRAND,
                "결제링크 없음",
                &result_box(false, "9008", "존재하지 않는 결제링크입니다"),
            ),
        )
    };
    let order = sim
        .store
        .with(|c| SmsOrder::by_link(c, code))
        .ok()
        .flatten()
        .ok_or_else(not_found)?;
    let merchant = sim
        .merchant(Gateway::Innopay, &order.mid)
        .ok()
        .flatten()
        .ok_or_else(not_found)?;
    Ok((order, merchant))
}

/// The page of an order that can no longer be paid: paid, or past its deadline.
fn closed(sim: &Sim, order: &SmsOrder) -> Option<Response> {
    if order.state == OrderState::Paid {
        return Some(already_paid(order));
    }
    if sim.now_ms() > order.expires_at {
        let body = format!(
            "{}{}",
            result_box(
                false,
                "9009",
                &format!(
                    "결제기한({})이 지나 결제링크가 소멸되었습니다",
                    kst_text(order.expires_at)
                )
            ),
            summary(&order_rows(order))
        );
        return Some(answer::html(
            StatusCode::GONE,
            layout(BRAND, "결제기한 만료", &body),
        ));
    }
    None
}

fn already_paid(order: &SmsOrder) -> Response {
    let body = format!(
        "{}{}",
        result_box(false, "9010", "이미 결제가 완료된 주문입니다"),
        summary(&order_rows(order))
    );
    answer::html(StatusCode::OK, layout(BRAND, "결제 완료된 주문", &body))
}

fn order_rows(order: &SmsOrder) -> Vec<(&'static str, String)> {
    vec![
        ("주문번호", order.moid.clone()),
        ("상품명", order.goods_name.clone()),
        ("결제금액", won(order.amount)),
        ("결제마감", kst_text(order.expires_at)),
    ]
}

fn quota_label(quota: &str) -> String {
    match quota {
        "00" | "" => "일시불".into(),
        months => format!("{}개월", months.trim_start_matches('0')),
    }
}

fn form_page(order: &SmsOrder, merchant: &Merchant, error: Option<(&str, String)>) -> Response {
    let mut body = String::new();
    if let Some((code, message)) = &error {
        body.push_str(&result_box(false, code, message));
    }
    let mut rows = order_rows(order);
    rows.insert(0, ("가맹점", merchant.name.clone()));
    body.push_str(&summary(&rows));
    body.push_str(&format!(
        "<h2>신용카드 정보 입력</h2>\n<form id=\"pay\" method=\"post\" action=\"{}\" accept-charset=\"utf-8\">\n",
        escape(&format!("/s/{}", order.link_code))
    ));
    body.push_str("<label for=\"cardNo\">카드번호</label><input type=\"text\" id=\"cardNo\" name=\"cardNo\" inputmode=\"numeric\" autocomplete=\"cc-number\" placeholder=\"0000 0000 0000 0000\">\n");
    body.push_str("<label for=\"expiry\">유효기간 (MM/YY)</label><input type=\"text\" id=\"expiry\" name=\"expiry\" class=\"short\" placeholder=\"MM/YY\">\n");
    body.push_str("<label for=\"quota\">할부</label><select id=\"quota\" name=\"quota\"><option value=\"00\">일시불</option>");
    if order.amount >= 50_000 {
        for m in 2..=12 {
            body.push_str(&format!("<option value=\"{m:02}\">{m}개월</option>"));
        }
    }
    body.push_str("</select>\n");
    if order.svc_prdt_cd == "04" {
        body.push_str("<label><input type=\"checkbox\" id=\"authConfirm\" name=\"authConfirm\" value=\"Y\"> 카드사 앱에서 결제를 인증했습니다 (SMS 인증, 시뮬레이터)</label>\n");
    } else {
        body.push_str("<label for=\"birth\">생년월일 6자리 (법인: 사업자번호)</label><input type=\"text\" id=\"birth\" name=\"birth\" inputmode=\"numeric\" placeholder=\"YYMMDD\">\n");
        body.push_str("<label for=\"cardPw\">카드 비밀번호 앞 2자리</label><input type=\"password\" id=\"cardPw\" name=\"cardPw\" class=\"short\" maxlength=\"2\" inputmode=\"numeric\">\n");
    }
    body.push_str(&format!(
        "<div class=\"actions\"><button type=\"submit\" id=\"payButton\">{} 결제하기</button></div>\n</form>\n",
        won(order.amount)
    ));
    body.push_str("<p class=\"notice\">테스트 카드: 4242 4242 4242 4242 승인 · 4000 0000 0000 0002 거절(3011) · 4000 0000 0000 9995 한도초과(3012). 유효기간은 미래의 아무 달.</p>\n");
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    answer::html(status, page::layout(BRAND, "신용카드 SMS 결제", &body))
}
