//! `POST /ssp/reqPay.do`: the payment-window form (guide "상세 파라미터"). Every field against the
//! guide's table, the merchant and its `SspMallId`, `EncryptData`, and an `EdiDate` close to the
//! clock; then the payment window opens.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::Response;
use pg_core::field_spec::{Rule, Violation};
use pg_core::{KstDateTime, KstFormat};
use pg_smartro::crypto;
use pg_smartro::fields::payment_window as spec;

use super::codes;
use super::window;
use crate::answer::Refusal;
use crate::merchant::{Gateway, Merchant};
use crate::request::Incoming;
use crate::sim::Sim;
use crate::store::{Session, Transaction};
use crate::wire::{WireFields, describe, is_http_url};

/// The endpoint.
pub(crate) async fn handle(State(sim): State<Arc<Sim>>, request: Request) -> Response {
    let incoming = match Incoming::read(request).await {
        Ok(i) => i,
        Err(e) => return window::refused(&Refusal::new(codes::WINDOW_BAD_PARAMETER, e), None),
    };
    let query = WireFields::form(
        incoming.query.as_deref().unwrap_or_default().as_bytes(),
        None,
    )
    .unwrap_or_default();
    let fields = match WireFields::form_with_content_type(&incoming.body, incoming.content_type()) {
        Ok(f) => f,
        Err(e) => {
            return window::refused(
                &Refusal::new(
                    codes::WINDOW_BAD_PARAMETER,
                    format!("요청을 읽을 수 없습니다: {e}"),
                ),
                None,
            );
        }
    };
    let merchant = match check(&sim, &fields) {
        Ok(m) => m,
        Err(refusal) => return window::refused(&refusal, Some(&fields)),
    };
    let mut data = fields.to_map();
    // PC (the script's layer, with a Callback) or mobile (a whole page; also a plain form post).
    let device = if query.text("device") == Some("pc") {
        "pc"
    } else {
        "mobile"
    };
    data.insert("device".into(), device.into());
    let origin = query
        .text("origin")
        .filter(|o| is_http_url(o))
        .unwrap_or_default();
    data.insert("origin".into(), origin.into());
    let session = Session {
        token: sim.ids(|ids| ids.session_token()),
        gateway: "smartro".into(),
        mid: merchant.mid.clone(),
        kind: "window".into(),
        data,
        state: "open".into(),
        created_at: sim.now_ms(),
    };
    if let Err(e) = sim.store.with(|c| session.save(c)) {
        return window::refused(
            &Refusal::new(codes::WINDOW_BAD_PARAMETER, e.to_string()),
            Some(&fields),
        );
    }
    window::render(&sim, &session, &merchant, None)
}

/// Every field, then the merchant: `SspMallId`, `EncryptData`, `EdiDate`, and an order not yet
/// paid.
fn check(sim: &Sim, f: &WireFields) -> Result<Arc<Merchant>, Refusal> {
    let mut v = Vec::new();
    for s in spec::ALL {
        match s.name {
            "Amt" | "PopCheck" => {}
            _ => f.check(s, &mut v),
        }
    }
    f.amount(&spec::AMT, false, &mut v);
    let one_of = |name: &'static str, allowed: &[&str], v: &mut Vec<Violation>| {
        if let Some(value) = f.text(name) {
            if !allowed.iter().any(|a| a.eq_ignore_ascii_case(value)) {
                v.push(Violation::new(
                    name,
                    Rule::Format {
                        expected: "one of the guide's values",
                        reason: format!("{value:?} is not one of {allowed:?}"),
                    },
                ));
            }
        }
    };
    one_of(spec::PAY_METHOD.name, &["CARD"], &mut v);
    one_of(spec::POP_CHECK.name, &["Y", "N"], &mut v);
    one_of(
        spec::ENCODING_TYPE.name,
        &["utf8", "euckr", "utf-8", "euc-kr"],
        &mut v,
    );
    one_of(
        spec::SKIN_COLOR.name,
        &["RED", "GREEN", "BLUE", "PURPLE"],
        &mut v,
    );
    if let Some((position, c)) = f
        .or_empty(spec::MALL_USER_ID.name)
        .chars()
        .enumerate()
        .find(|(_, c)| !c.is_ascii_alphanumeric())
    {
        v.push(Violation::new(
            spec::MALL_USER_ID.name,
            Rule::Constraint(
                format!(
                    "letters and digits only (특수문자 포함 불가): {c:?} at position {position}"
                )
                .into(),
            ),
        ));
    }
    for url in [&spec::RETURN_URL, &spec::STOP_URL] {
        if f.text(url.name).is_some_and(|u| !is_http_url(u)) {
            v.push(Violation::new(
                url.name,
                Rule::Constraint(
                    "must be a full URL with the http(s) protocol (Http 프로토콜 포함 전체 Url)"
                        .into(),
                ),
            ));
        }
    }
    let edi_date = match f.text(spec::EDI_DATE.name) {
        Some(text) => match KstDateTime::parse(text, KstFormat::YyyyMMddHHmmss) {
            Ok(d) => Some(d),
            Err(e) => {
                v.push(Violation::new(
                    spec::EDI_DATE.name,
                    Rule::Format {
                        expected: "yyyyMMddHHmmss (KST)",
                        reason: e.rule.to_string(),
                    },
                ));
                None
            }
        },
        None => None,
    };
    if !v.is_empty() {
        return Err(Refusal::new(
            codes::WINDOW_BAD_PARAMETER,
            format!("파라미터 오류: {}", describe(&v)),
        ));
    }
    let mid = f.or_empty(spec::MID.name);
    let merchant = match sim.merchant(Gateway::Smartro, mid) {
        Ok(Some(m)) => m,
        Ok(None) => {
            return Err(Refusal::new(
                codes::WINDOW_UNKNOWN_MERCHANT,
                format!("등록되지 않은 상점입니다 (Mid {mid})"),
            ));
        }
        Err(e) => return Err(Refusal::new(codes::WINDOW_BAD_PARAMETER, e.to_string())),
    };
    if merchant.ssp_mall_id.as_deref() != f.text(spec::SSP_MALL_ID.name) {
        return Err(Refusal::new(
            codes::WINDOW_BAD_SSP_MALL_ID,
            "SspMallId가 상점에 발급된 값과 다릅니다",
        ));
    }
    let expected = crypto::encrypt_data(
        f.or_empty(spec::EDI_DATE.name),
        mid,
        f.or_empty(spec::AMT.name),
        &merchant.key_secret(),
    );
    if !expected.matches(f.or_empty(spec::ENCRYPT_DATA.name)) {
        return Err(Refusal::new(
            codes::WINDOW_BAD_ENCRYPT_DATA,
            "위·변조 검증 실패: EncryptData가 Base64(SHA-256(EdiDate + Mid + Amt + MerchantKey))와 다릅니다",
        ));
    }
    if let Some(edi) = edi_date {
        let drift = (edi.to_offset() - sim.now_kst().to_offset()).abs();
        if drift > sim.timings.edi_date_tolerance {
            return Err(Refusal::new(
                codes::WINDOW_STALE_EDI_DATE,
                format!(
                    "전문생성일시(EdiDate {})가 현재 시각({})과 {}분 넘게 차이납니다",
                    edi.format(KstFormat::YyyyMMddHHmmss),
                    sim.now_kst().format(KstFormat::YyyyMMddHHmmss),
                    sim.timings.edi_date_tolerance.as_secs() / 60
                ),
            ));
        }
    }
    let moid = f.or_empty(spec::MOID.name);
    let paid = sim
        .store
        .with(|c| Transaction::paid_order_exists(c, mid, moid))
        .map_err(|e| Refusal::new(codes::WINDOW_BAD_PARAMETER, e.to_string()))?;
    if paid {
        return Err(Refusal::new(
            codes::WINDOW_ALREADY_PAID,
            format!("이미 결제된 주문번호입니다 (Moid {moid})"),
        ));
    }
    Ok(merchant)
}
