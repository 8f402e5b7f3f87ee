//! `/`: the products, each with the ways to pay the configured gateways offer.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use pg_core::html::escape;

use crate::AppState;
use crate::catalog::PRODUCTS;
use crate::html::{page, won};

pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/", get(home))
}

async fn home(State(state): State<Arc<AppState>>) -> Html<String> {
    let mut body = String::from("<div class=\"products\">\n");
    for p in PRODUCTS {
        body.push_str(&format!(
            "<div class=\"product\" id=\"product-{id}\"><b>{name}</b><div class=\"notice\">{blurb}</div><div class=\"price\">{price}</div>\n",
            id = escape(p.id),
            name = escape(p.name),
            blurb = escape(p.blurb),
            price = won(p.price),
        ));
        if state.smartro.is_some() {
            body.push_str(&format!(
                "<div class=\"actions\"><a class=\"button\" id=\"buy-pc-{id}\" href=\"/smartro/checkout?product={id}&amp;device=pc\">카드 결제 (PC)</a><a class=\"button secondary\" id=\"buy-mobile-{id}\" href=\"/smartro/checkout?product={id}&amp;device=mobile\">모바일 결제</a></div>\n",
                id = escape(p.id)
            ));
        }
        if state.innopay.is_some() {
            body.push_str(&format!(
                "<div class=\"actions\"><a class=\"button secondary\" id=\"buy-sms-{id}\" href=\"/innopay/sms?product={id}\">신용카드 SMS 결제</a></div>\n",
                id = escape(p.id)
            ));
        }
        body.push_str("</div>\n");
    }
    body.push_str("</div>\n");
    if let Some(base) = &state.sandbox {
        body.push_str(&format!(
            "<p class=\"notice\">시뮬레이터에 연결됨: <a href=\"{base}/sandbox/\">{base}/sandbox/</a> (SMS 발신함, 거래, 통보 전송 기록). 테스트 카드 4242 4242 4242 4242, 유효기간 12/30, 생년월일 900101, 비밀번호 앞 2자리 12.</p>\n",
            base = escape(base)
        ));
    }
    page("상품", state.sandbox.is_some(), &body)
}
