//! The admin's HTML pages: dashboard (clock, merchants, URLs), SMS outbox, orders,
//! transactions, deliveries with every attempt, members, and a merchant's settings.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use pg_core::html::escape;

use super::{Limit, status_value, transactions_value};
use crate::answer;
use crate::merchant::{CancelReply, Gateway, IdentityCheck, Merchant, NotifyCharset};
use crate::page::{layout_with, won};
use crate::sim::Sim;
use crate::store::{Delivery, Member, SmsMessage, SmsOrder};

const BRAND: &str = "pgkit sandbox";
const NAV: &str = "<nav><a href=\"/sandbox/\">대시보드</a><a href=\"/sandbox/sms\">SMS</a><a href=\"/sandbox/orders\">주문</a><a href=\"/sandbox/transactions\">거래</a><a href=\"/sandbox/deliveries\">통보</a><a href=\"/sandbox/members\">SS-Pay 회원</a></nav>";

fn page(title: &str, body: &str) -> Response {
    answer::html(StatusCode::OK, layout_with(BRAND, title, body, NAV, true))
}

/// A table; every cell escaped.
fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::from("<table>\n<tr>");
    for h in headers {
        out.push_str(&format!("<th>{}</th>", escape(h)));
    }
    out.push_str("</tr>\n");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            out.push_str(&format!("<td>{}</td>", escape(cell)));
        }
        out.push_str("</tr>\n");
    }
    if rows.is_empty() {
        out.push_str(&format!(
            "<tr><td colspan=\"{}\" class=\"notice\">없음</td></tr>\n",
            headers.len()
        ));
    }
    out.push_str("</table>\n");
    out
}

fn failed(e: impl std::fmt::Display) -> Response {
    answer::html(
        StatusCode::INTERNAL_SERVER_ERROR,
        layout_with(
            BRAND,
            "오류",
            &format!("<div class=\"error\">{}</div>", escape(&e.to_string())),
            NAV,
            true,
        ),
    )
}

/// `/sandbox/`.
pub(crate) async fn dashboard(State(sim): State<Arc<Sim>>) -> Response {
    let status = match status_value(&sim) {
        Ok(s) => s,
        Err(e) => return failed(e),
    };
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    let mut body = format!(
        "<h2>시계</h2>\n<p id=\"clock\">가상 시각 <b>{}</b> (KST) · 배속 ×{}</p>\n\
         <form method=\"post\" action=\"/sandbox/actions/advance\" class=\"row\"><input type=\"number\" name=\"minutes\" class=\"short\" value=\"1\" min=\"1\"> 분 <button type=\"submit\" id=\"advanceButton\">시계 앞으로</button></form>\n",
        escape(&text(&status["now"])),
        status["time_scale"]
    );
    body.push_str("<h2>연동 URL</h2>\n");
    body.push_str(&table(
        &["무엇", "URL"],
        &[
            vec![
                "Innopay base URL (Environment::Custom, --environment)".into(),
                text(&status["innopay"]["base_url"]),
            ],
            vec![
                "Innopay Web-Link".into(),
                text(&status["innopay"]["web_link"]),
            ],
            vec![
                "Innopay SMS 결제 API".into(),
                text(&status["innopay"]["sms_pay"]),
            ],
            vec![
                "Innopay 취소 API".into(),
                text(&status["innopay"]["cancel"]),
            ],
            vec![
                "Smartro 결제창 스크립트".into(),
                text(&status["smartro"]["script"]),
            ],
            vec![
                "Smartro 승인 (approval base)".into(),
                text(&status["smartro"]["approval"]),
            ],
            vec![
                "Smartro 회원 삭제".into(),
                text(&status["smartro"]["member_deletion"]),
            ],
            vec!["Smartro 취소".into(), text(&status["smartro"]["cancel"])],
        ],
    ));
    body.push_str("<h2>가맹점</h2>\n");
    let merchants = sim.store.with(crate::store::merchants).unwrap_or_default();
    let mut rows = String::from(
        "<table>\n<tr><th>PG</th><th>Mid</th><th>상호</th><th>통보 URL</th><th>재전송</th><th></th></tr>\n",
    );
    for m in &merchants {
        rows.push_str(&format!(
            "<tr><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td class=\"mono\">{}</td><td>{}분 × {}회</td><td><a href=\"/sandbox/merchants/{}/{}\">설정</a></td></tr>\n",
            m.gateway,
            escape(&m.mid),
            escape(&m.name),
            escape(m.notify.url.as_deref().unwrap_or("(없음: 통보 대기)")),
            m.notify.interval_minutes,
            m.notify.retries,
            m.gateway,
            escape(&m.mid),
        ));
    }
    rows.push_str("</table>\n");
    body.push_str(&rows);
    body.push_str("<h2>초기화</h2>\n<form method=\"post\" action=\"/sandbox/actions/reset\"><button type=\"submit\" class=\"secondary\" id=\"resetButton\">모든 데이터 지우기 (테스트 가맹점 복원)</button></form>\n");
    body.push_str("<p class=\"notice\">같은 데이터를 JSON으로: <code>/sandbox/api/status</code>, <code>/sandbox/api/deliveries</code>, ...</p>\n");
    page("pgkit sandbox", &body)
}

/// `/sandbox/sms`.
pub(crate) async fn sms(State(sim): State<Arc<Sim>>, Query(l): Query<Limit>) -> Response {
    let list = match sim.store.with(|c| SmsMessage::list(c, l.get())) {
        Ok(l) => l,
        Err(e) => return failed(e),
    };
    let mut body = String::from(
        "<p class=\"notice\">보내진 SMS 문자. 링크를 열면 구매자 결제 화면입니다.</p>\n<table>\n<tr><th>시각</th><th>휴대폰</th><th>주문번호</th><th>문자</th><th>결제링크</th></tr>\n",
    );
    for m in &list {
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td><a class=\"sms-link\" href=\"{}\">{}</a></td></tr>\n",
            escape(&crate::store::kst_text(m.created_at)),
            escape(&m.phone),
            escape(&m.moid),
            escape(&m.text),
            escape(&m.link),
            escape(&m.link)
        ));
    }
    body.push_str("</table>\n");
    page("SMS 발송함", &body)
}

/// `/sandbox/orders`.
pub(crate) async fn orders(State(sim): State<Arc<Sim>>, Query(l): Query<Limit>) -> Response {
    let list = match sim.store.with(|c| SmsOrder::list(c, l.get())) {
        Ok(l) => l,
        Err(e) => return failed(e),
    };
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|o| {
            vec![
                o.mid.clone(),
                o.moid.clone(),
                o.source.clone(),
                o.goods_name.clone(),
                won(o.amount),
                o.buyer_name.clone(),
                crate::store::kst_text(o.expires_at),
                format!("{:?}", o.state).to_lowercase(),
                o.tid.clone().unwrap_or_default(),
            ]
        })
        .collect();
    page(
        "Innopay SMS 주문",
        &table(
            &[
                "Mid",
                "주문번호",
                "경로",
                "상품명",
                "금액",
                "결제자",
                "결제마감",
                "상태",
                "Tid",
            ],
            &rows,
        ),
    )
}

/// `/sandbox/transactions`.
pub(crate) async fn transactions(State(sim): State<Arc<Sim>>, Query(l): Query<Limit>) -> Response {
    let list = match transactions_value(&sim, l.get()) {
        Ok(l) => l,
        Err(e) => return failed(e),
    };
    let s = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|t| {
            let cancels = t["cancels"]
                .as_array()
                .map(|cs| {
                    cs.iter()
                        .map(|c| {
                            format!(
                                "#{} {}원 ({})",
                                s(&c["seq"]),
                                s(&c["amount"]),
                                s(&c["cancel_tid"])
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            vec![
                s(&t["gateway"]),
                s(&t["tid"]),
                s(&t["moid"]),
                s(&t["amount"]),
                s(&t["remaining"]),
                s(&t["state"]),
                format!("[{}] {}", s(&t["result_code"]), s(&t["result_msg"])),
                s(&t["card_masked"]),
                s(&t["approval_no"]),
                cancels,
            ]
        })
        .collect();
    page(
        "거래",
        &table(
            &[
                "PG",
                "Tid",
                "주문번호",
                "금액",
                "잔액",
                "상태",
                "결과",
                "카드",
                "승인번호",
                "취소",
            ],
            &rows,
        ),
    )
}

/// `/sandbox/deliveries`: every notification with each attempt and the merchant's answer.
pub(crate) async fn deliveries(State(sim): State<Arc<Sim>>, Query(l): Query<Limit>) -> Response {
    let list = match sim.store.with(|c| Delivery::list(c, l.get())) {
        Ok(l) => l,
        Err(e) => return failed(e),
    };
    let mut body = String::from(
        "<p class=\"notice\">결과 통보 (Innopay) / 재통보 (Smartro). 응답이 정확히 승인 문자열(0000, OK)일 때까지 설정된 간격으로 재전송합니다.</p>\n",
    );
    if list.is_empty() {
        body.push_str("<p class=\"notice\">없음</p>\n");
    }
    for d in &list {
        body.push_str(&format!(
            "<h2 id=\"delivery-{}\">#{} {} {} · {} · <span class=\"state\">{}</span>{}</h2>\n<p class=\"mono\">{}</p>\n",
            d.id,
            d.id,
            d.gateway,
            escape(&d.kind),
            escape(&d.moid),
            serde_json::to_value(d.state).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
            d.next_at
                .map(|n| format!(" · 다음 시도 {}", escape(&crate::store::kst_text(n))))
                .unwrap_or_default(),
            escape(&d.body),
        ));
        if !d.note.is_empty() {
            body.push_str(&format!("<p class=\"notice\">{}</p>\n", escape(&d.note)));
        }
        let rows: Vec<Vec<String>> = d
            .attempts
            .iter()
            .map(|a| {
                vec![
                    a.number.to_string(),
                    crate::store::kst_text(a.at),
                    a.url.clone(),
                    a.status.map(|s| s.to_string()).unwrap_or_default(),
                    a.answer.clone(),
                    a.error.clone().unwrap_or_default(),
                    if a.acknowledged {
                        "✓".into()
                    } else {
                        "✗".into()
                    },
                    format!("{} ms", a.elapsed_ms),
                ]
            })
            .collect();
        body.push_str(&table(
            &["#", "시각", "URL", "HTTP", "응답", "오류", "승인", "소요"],
            &rows,
        ));
        body.push_str(&format!(
            "<form method=\"post\" action=\"/sandbox/actions/resend/{}\"><button type=\"submit\" class=\"secondary\">지금 다시 보내기</button></form>\n",
            d.id
        ));
    }
    page("결과 통보", &body)
}

/// `/sandbox/members`.
pub(crate) async fn members(State(sim): State<Arc<Sim>>, Query(l): Query<Limit>) -> Response {
    let list = match sim.store.with(|c| Member::list(c, l.get())) {
        Ok(l) => l,
        Err(e) => return failed(e),
    };
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|m| {
            let cards = sim
                .store
                .with(|c| crate::store::Card::of(c, &m.mid, &m.mall_user_id))
                .unwrap_or_default()
                .iter()
                .map(|c| c.masked.clone())
                .collect::<Vec<_>>()
                .join(", ");
            vec![
                m.mid.clone(),
                m.mall_user_id.clone(),
                m.verified_name.clone(),
                m.verified_phone.clone(),
                cards,
            ]
        })
        .collect();
    page(
        "SS-Pay 회원",
        &table(
            &[
                "Mid",
                "MallUserId",
                "본인인증 성명",
                "본인인증 휴대폰",
                "카드",
            ],
            &rows,
        ),
    )
}

fn options<T: serde::Serialize + PartialEq>(name: &str, all: &[T], current: &T) -> String {
    let mut out = format!("<select name=\"{name}\" id=\"{name}\">");
    for v in all {
        let text = serde_json::to_value(v)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        out.push_str(&format!(
            "<option value=\"{t}\"{}>{t}</option>",
            if v == current { " selected" } else { "" },
            t = escape(&text)
        ));
    }
    out.push_str("</select>");
    out
}

fn merchant_form(m: &Merchant, errors: &[String]) -> String {
    let mut body = String::new();
    for e in errors {
        body.push_str(&format!("<div class=\"error\">{}</div>\n", escape(e)));
    }
    body.push_str(&format!(
        "<p>{} <b>{}</b> ({}) · 키 <code>{}</code></p>\n<form id=\"merchantForm\" method=\"post\" action=\"/sandbox/merchants/{}/{}\">\n",
        m.gateway,
        escape(&m.mid),
        escape(&m.name),
        escape(&crate::merchant::mask(&m.key)),
        m.gateway,
        escape(&m.mid)
    ));
    body.push_str(&format!(
        "<label for=\"notify_url\">통보 URL</label><input type=\"text\" id=\"notify_url\" name=\"notify_url\" value=\"{}\" placeholder=\"http://127.0.0.1:8080/innopay/notify\">\n",
        escape(m.notify.url.as_deref().unwrap_or_default())
    ));
    body.push_str(&format!(
        "<label for=\"interval_minutes\">재전송 간격 (1~60분)</label><input type=\"number\" id=\"interval_minutes\" name=\"interval_minutes\" value=\"{}\">\n\
         <label for=\"retries\">재전송 횟수 (1~10회)</label><input type=\"number\" id=\"retries\" name=\"retries\" value=\"{}\">\n\
         <label for=\"acknowledgement\">승인 응답 (정확히 일치)</label><input type=\"text\" id=\"acknowledgement\" name=\"acknowledgement\" value=\"{}\">\n\
         <label for=\"notify_charset\">문자셋</label>{}\n\
         <label><input type=\"checkbox\" name=\"declare_charset\" value=\"Y\"{}> Content-Type에 charset 표기</label>\n",
        m.notify.interval_minutes,
        m.notify.retries,
        escape(&m.notify.acknowledgement),
        options("notify_charset", &[NotifyCharset::EucKr, NotifyCharset::Utf8], &m.notify.charset),
        if m.notify.declare_charset { " checked" } else { "" },
    ));
    match m.gateway {
        Gateway::Smartro => body.push_str(&format!(
            "<label for=\"identity_check\">본인인증 추가 검증</label>{}\n",
            options(
                "identity_check",
                &[
                    IdentityCheck::None,
                    IdentityCheck::Name,
                    IdentityCheck::Phone,
                    IdentityCheck::Both
                ],
                &m.identity_check
            )
        )),
        Gateway::Innopay => body.push_str(&format!(
            "<label for=\"cancel_reply\">취소 응답 형식</label>{}\n",
            options(
                "cancel_reply",
                &[
                    CancelReply::Json,
                    CancelReply::Form,
                    CancelReply::PercentJson
                ],
                &m.cancel_reply
            )
        )),
    }
    body.push_str("<div class=\"actions\"><button type=\"submit\" id=\"saveButton\">저장</button></div>\n</form>\n");
    body
}

/// `/sandbox/merchants/{gateway}/{mid}`.
pub(crate) async fn merchant(
    State(sim): State<Arc<Sim>>,
    Path((gateway, mid)): Path<(String, String)>,
) -> Response {
    match Gateway::parse(&gateway).map(|g| sim.merchant(g, &mid)) {
        Some(Ok(Some(m))) => page("가맹점 설정", &merchant_form(&m, &[])),
        Some(Err(e)) => failed(e),
        _ => answer::html(
            StatusCode::NOT_FOUND,
            layout_with(
                BRAND,
                "가맹점 없음",
                "<div class=\"error\">없는 가맹점입니다</div>",
                NAV,
                true,
            ),
        ),
    }
}

/// The settings form again, with what was wrong.
pub(crate) fn merchant_errors(
    sim: &Sim,
    gateway: Gateway,
    mid: &str,
    errors: &[String],
) -> Response {
    match sim.merchant(gateway, mid) {
        Ok(Some(m)) => {
            let mut r = page("가맹점 설정", &merchant_form(&m, errors));
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            r
        }
        _ => failed("no such merchant"),
    }
}
