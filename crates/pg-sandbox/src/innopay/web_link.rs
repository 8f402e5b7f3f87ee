//! `/api/cardInterface` (manual 1.1–1.3), GET or POST: reads the parameters in the `Encoding`
//! mode they declare, checks `Mid`/`LicenseKey`/`PgMID` and every field, and opens the staff
//! request page (`RequestType` `WEB` or empty) or the buyer page (`Mobile`). Registering from
//! the page texts the buyer; the window posts its events (registration, cancel, close) to
//! `ReturnUrl` (manual 1.2).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use pg_core::field_spec::{Rule, Violation};
use pg_core::form::percent_decode;
use pg_core::{Charset, KstDateTime, KstFormat, PhoneNumber};
use pg_innopay::fields::web_link as spec;
use pg_smartro::crypto::constant_time_eq;

use super::codes;
use super::order::{self, NotRegistered, OrderInput};
use super::pages;
use super::sms_pay::{buyer_phone, check_email, known_merchant, sub_method};
use crate::answer::Refusal;
use crate::merchant::Merchant;
use crate::request::Incoming;
use crate::sim::Sim;
use crate::store::Session;
use crate::wire::{WireFields, describe, is_http_url};

/// `GET` or `POST /api/cardInterface`.
pub(crate) async fn open(State(sim): State<Arc<Sim>>, request: Request) -> Response {
    let incoming = match Incoming::read(request).await {
        Ok(i) => i,
        Err(e) => return pages::refused(&Refusal::new(codes::BAD_PARAMETER, e), None),
    };
    let raw: &[u8] = if incoming.method == Method::GET {
        incoming.query.as_deref().unwrap_or_default().as_bytes()
    } else {
        &incoming.body
    };
    let fields = match read(raw) {
        Ok(f) => f,
        Err(refusal) => return pages::refused(&refusal, None),
    };
    let return_url = fields
        .text(spec::RETURN_URL.name)
        .filter(|u| is_http_url(u))
        .map(str::to_owned);
    let merchant = match check(&sim, &fields) {
        Ok(m) => m,
        Err(refusal) => return pages::refused(&refusal, return_url.as_deref()),
    };
    let mut data = fields.to_map();
    if fields.text(spec::MOID.name).is_none() {
        let moid = format!(
            "WL{}{}",
            sim.now_kst().format(KstFormat::YyyyMMddHHmmss),
            sim.ids(|ids| ids.approval_number())
        );
        data.insert(spec::MOID.name.into(), moid.into());
    }
    let session = Session {
        token: sim.ids(|ids| ids.session_token()),
        gateway: "innopay".into(),
        mid: merchant.mid.clone(),
        kind: "web-link".into(),
        data,
        state: "open".into(),
        created_at: sim.now_ms(),
    };
    if let Err(e) = sim.store.with(|c| session.save(c)) {
        return pages::refused(&Refusal::new(codes::SYSTEM_ERROR, e.to_string()), None);
    }
    pages::request_page(&session, &merchant, None)
}

/// Reads the parameters: the `Encoding` mode decides the charset of the bytes, and for the
/// `url_*` modes `GoodsName` and `BuyerName` are URL-decoded once more (manual 1.3).
pub(crate) fn read(raw: &[u8]) -> Result<WireFields, Refusal> {
    let mode = declared_encoding(raw)
        .unwrap_or_else(|| "utf-8".to_owned())
        .to_ascii_lowercase();
    let (transport, pre) = match mode.as_str() {
        "utf-8" | "noencoding" => (Charset::Utf8, None),
        "euc-kr" => (Charset::EucKr, None),
        "url_utf-8" => (Charset::Utf8, Some(Charset::Utf8)),
        "url_euc-kr" => (Charset::Utf8, Some(Charset::EucKr)),
        other => {
            return Err(Refusal::new(
                codes::BAD_PARAMETER,
                format!(
                    "Encoding {other:?}: noencoding, utf-8, euc-kr, url_utf-8, url_euc-kr 중 하나여야 합니다"
                ),
            ));
        }
    };
    let mut fields = WireFields::form(raw, Some(transport)).map_err(|e| {
        Refusal::new(
            codes::BAD_PARAMETER,
            format!(
                "파라미터를 {} 로 읽을 수 없습니다 (Encoding {mode}; 한글이 깨지면 1.3 참조): {e}",
                transport.label()
            ),
        )
    })?;
    if let Some(charset) = pre {
        for name in [spec::GOODS_NAME.name, spec::BUYER_NAME.name] {
            let Some(value) = fields.raw(name) else {
                continue;
            };
            let decoded = percent_decode(value.as_bytes())
                .ok()
                .and_then(|bytes| charset.decode(&bytes).map(|t| t.into_owned()))
                .ok_or_else(|| {
                    Refusal::new(
                        codes::BAD_PARAMETER,
                        format!(
                            "{name}: {mode} 모드에서는 {} 로 URL 인코딩한 값이어야 합니다",
                            charset.label()
                        ),
                    )
                })?;
            fields.set(name, decoded);
        }
    }
    Ok(fields)
}

/// The `Encoding` parameter, read before the charset is known (it is ASCII).
fn declared_encoding(raw: &[u8]) -> Option<String> {
    raw.split(|b| *b == b'&').find_map(|pair| {
        let (name, value) = match pair.iter().position(|b| *b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &[][..]),
        };
        (name == b"Encoding").then(|| {
            percent_decode(value)
                .map(|v| String::from_utf8_lossy(&v).trim().to_owned())
                .unwrap_or_default()
        })
    })
}

/// Every field of the table (1.1), then the merchant: `Mid`, `LicenseKey`, `PgMID`, and a
/// `Moid` it does not have yet.
fn check(sim: &Sim, f: &WireFields) -> Result<Arc<Merchant>, Refusal> {
    let mut v = Vec::new();
    for s in spec::ALL {
        match s.name {
            "Amt" | "DutyFreeAmt" | "svcPrdtCd" | "RequestType" | "Encoding" => {}
            _ => f.check(s, &mut v),
        }
    }
    let amount = f.amount(&spec::AMT, false, &mut v);
    if f.text(spec::DUTY_FREE_AMT.name).is_some_and(|t| t != "0") {
        if let (Some(free), Some(amount)) = (f.amount(&spec::DUTY_FREE_AMT, false, &mut v), amount)
        {
            if free > amount {
                v.push(Violation::new(
                    spec::DUTY_FREE_AMT.name,
                    Rule::Constraint(format!("must not exceed Amt ({amount})").into()),
                ));
            }
        }
    }
    let request_type = f.or_empty(spec::REQUEST_TYPE.name);
    if !["", "web", "mobile"].contains(&request_type.to_ascii_lowercase().as_str()) {
        v.push(Violation::new(
            spec::REQUEST_TYPE.name,
            Rule::Format {
                expected: "Mobile, WEB or empty",
                reason: format!("{request_type:?}"),
            },
        ));
    }
    let mode = f.or_empty(spec::SERVICE_MODE.name);
    if !mode.is_empty() && mode != "PY0" && mode != "PYO" {
        v.push(Violation::new(
            spec::SERVICE_MODE.name,
            Rule::Constraint(
                "must be PY0 (the manual's table prints PYO; both are accepted)".into(),
            ),
        ));
    }
    if f.text(spec::PAY_METHOD.name).is_some_and(|m| m != "CSMS") {
        v.push(Violation::new(
            spec::PAY_METHOD.name,
            Rule::Constraint("must be CSMS (CSMS 고정)".into()),
        ));
    }
    // The table spells it `svcPrdtCd`; the manual's second example sends `SvcPrdtCd`.
    let svc = f.text(spec::SVC_PRDT_CD.name).or(f.text("SvcPrdtCd"));
    sub_method(svc, spec::SVC_PRDT_CD.name, &mut v);
    if let Some(text) = f.text(spec::PAY_EXP_DATE.name) {
        if let Err(e) = KstDateTime::parse(text, KstFormat::YyyyMMddHHmm) {
            v.push(Violation::new(
                spec::PAY_EXP_DATE.name,
                Rule::Format {
                    expected: "yyyyMMddHHmm",
                    reason: e.rule.to_string(),
                },
            ));
        }
    }
    if let Some(phone) = f.text(spec::BUYER_HP.name) {
        match PhoneNumber::parse(phone) {
            Ok(p) if p.is_mobile() => {}
            _ => v.push(Violation::new(
                spec::BUYER_HP.name,
                Rule::Constraint("must be a mobile number (010, 011, 016-019)".into()),
            )),
        }
    }
    if let Some(email) = f.text(spec::BUYER_EMAIL.name) {
        check_email(email, spec::BUYER_EMAIL.name, &mut v);
    }
    if f.text(spec::RETURN_URL.name)
        .is_some_and(|u| !is_http_url(u))
    {
        v.push(Violation::new(
            spec::RETURN_URL.name,
            Rule::Constraint("must be a full http:// or https:// URL".into()),
        ));
    }
    if !v.is_empty() {
        return Err(Refusal::new(
            codes::BAD_PARAMETER,
            format!("파라미터 오류: {}", describe(&v)),
        ));
    }
    let merchant = known_merchant(sim, f.or_empty(spec::MID.name))?;
    let key = f.or_empty(spec::LICENSE_KEY.name);
    if !constant_time_eq(key, &merchant.key) {
        let hint = if key.contains(' ') && constant_time_eq(&key.replace(' ', "+"), &merchant.key) {
            ": GET URL의 '+'는 %2B로 인코딩해야 합니다 (manual 1.1)"
        } else {
            ""
        };
        return Err(Refusal::new(
            codes::BAD_LICENSE_KEY,
            format!("라이선스키가 일치하지 않습니다{hint}"),
        ));
    }
    let pg_mid = f.or_empty(spec::PG_MID.name);
    if !merchant.pg_mids.iter().any(|p| p == pg_mid) {
        return Err(Refusal::new(
            codes::BAD_PG_MID,
            format!("PG 상점아이디(PgMID {pg_mid})가 상점에 등록되어 있지 않습니다"),
        ));
    }
    if let Some(moid) = f.text(spec::MOID.name) {
        let taken = sim
            .store
            .with(|c| crate::store::SmsOrder::exists(c, &merchant.mid, moid))
            .map_err(|e| Refusal::new(codes::SYSTEM_ERROR, e.to_string()))?;
        if taken {
            return Err(Refusal::new(
                codes::DUPLICATE_MOID,
                format!("이미 등록된 주문번호입니다 (Moid {moid})"),
            ));
        }
    }
    Ok(merchant)
}

/// `POST /api/cardInterface/register`: the page's form — buyer, phone, e-mail, the three terms —
/// registers the order.
pub(crate) async fn register(State(sim): State<Arc<Sim>>, request: Request) -> Response {
    let form = match Incoming::read(request)
        .await
        .and_then(|i| WireFields::form(&i.body, None).map_err(|e| e.to_string()))
    {
        Ok(f) => f,
        Err(e) => return pages::refused(&Refusal::new(codes::BAD_PARAMETER, e), None),
    };
    let (session, merchant) = match open_session(&sim, form.or_empty("session")) {
        Ok(found) => found,
        Err(page) => return page,
    };
    let input = match page_input(&sim, &session, &form) {
        Ok(input) => input,
        Err(message) => {
            return pages::request_page(
                &session,
                &merchant,
                Some(Refusal::new(codes::BAD_PARAMETER, message)),
            );
        }
    };
    match order::register(&sim, &merchant, input) {
        Ok(registered) => {
            let mut done = session.clone();
            done.state = "done".into();
            done.data.insert(
                "link_code".into(),
                registered.order.link_code.clone().into(),
            );
            done.data
                .insert("sms_text".into(), registered.sms.text.clone().into());
            if let Err(e) = sim.store.with(|c| done.save(c)) {
                return pages::refused(&Refusal::new(codes::SYSTEM_ERROR, e.to_string()), None);
            }
            pages::registered_page(&done, &registered)
        }
        Err(NotRegistered::Refused(refusal)) => pages::refused(
            &refusal,
            Some(session.field(spec::RETURN_URL.name)).filter(|u| !u.is_empty()),
        ),
        Err(NotRegistered::Store(e)) => {
            pages::refused(&Refusal::new(codes::SYSTEM_ERROR, e.to_string()), None)
        }
    }
}

/// `POST /api/cardInterface/close`: the window's 취소 or 닫기 button; posts the event to
/// `ReturnUrl` (`0000` once the order is registered, `9007` before).
pub(crate) async fn close(State(sim): State<Arc<Sim>>, request: Request) -> Response {
    let form = match Incoming::read(request)
        .await
        .and_then(|i| WireFields::form(&i.body, None).map_err(|e| e.to_string()))
    {
        Ok(f) => f,
        Err(e) => return pages::refused(&Refusal::new(codes::BAD_PARAMETER, e), None),
    };
    let token = form.or_empty("session");
    let session = match sim.store.with(|c| Session::get(c, token)) {
        Ok(Some(s)) if s.kind == "web-link" => s,
        _ => {
            return pages::closed_page(
                None,
                "",
                &Refusal::new(codes::USER_CANCELLED, "창이 닫혔습니다"),
            );
        }
    };
    let event = if session.state == "done" {
        Refusal::new(codes::REGISTERED, session.field("sms_text"))
    } else {
        let mut cancelled = session.clone();
        cancelled.state = "cancelled".into();
        let _ = sim.store.with(|c| cancelled.save(c));
        Refusal::new(
            codes::USER_CANCELLED,
            "사용자가 SMS 결제요청을 취소했습니다",
        )
    };
    let url = session.field(spec::RETURN_URL.name);
    pages::closed_page(
        Some(url).filter(|u| !u.is_empty()),
        session.field(spec::MOID.name),
        &event,
    )
}

/// The open Web-Link session of `token` and its merchant, or an error page.
fn open_session(sim: &Sim, token: &str) -> Result<(Session, Arc<Merchant>), Response> {
    let gone = || {
        pages::refused(
            &Refusal::new(
                codes::BAD_PARAMETER,
                "요청이 만료되었거나 이미 처리되었습니다: Web-Link를 다시 호출해 주세요",
            ),
            None,
        )
    };
    let session = match sim.store.with(|c| Session::get(c, token)) {
        Ok(Some(s)) if s.kind == "web-link" && s.state == "open" => s,
        _ => return Err(gone()),
    };
    let merchant = known_merchant(sim, &session.mid).map_err(|r| pages::refused(&r, None))?;
    Ok((session, merchant))
}

/// What the page's form adds to the Web-Link request: buyer, phone, e-mail, deadline, consent.
fn page_input(sim: &Sim, session: &Session, form: &WireFields) -> Result<OrderInput, String> {
    let mut v = Vec::new();
    for (name, label) in [
        ("agreeTerms", "전자금융거래 기본약관"),
        ("agreeCollection", "개인정보 수집 및 이용"),
        ("agreeOffering", "개인정보 제공 및 위탁"),
    ] {
        if form.text(name).is_none() {
            v.push(Violation::new(
                name,
                Rule::Constraint(format!("{label} 동의가 필요합니다").into()),
            ));
        }
    }
    let mut fields = WireFields::default();
    fields.set(spec::BUYER_NAME.name, form.or_empty("buyerName").to_owned());
    fields.set(
        spec::BUYER_EMAIL.name,
        form.or_empty("buyerEmail").to_owned(),
    );
    if fields.text(spec::BUYER_NAME.name).is_none() {
        v.push(Violation::new(spec::BUYER_NAME.name, Rule::Missing));
    }
    fields.check(&spec::BUYER_NAME, &mut v);
    fields.check(&spec::BUYER_EMAIL, &mut v);
    if let Some(email) = fields.text(spec::BUYER_EMAIL.name) {
        check_email(email, spec::BUYER_EMAIL.name, &mut v);
    }
    let typed = format!(
        "{}-{}-{}",
        form.or_empty("hp1"),
        form.or_empty("hp2"),
        form.or_empty("hp3")
    );
    let phone = buyer_phone(Some(typed.as_str()).filter(|t| *t != "--"), &mut v);
    let deadline = match form.text("payExpDate") {
        Some(text) => KstDateTime::parse(&format!("{text}:59"), KstFormat::Dashed)
            .map_err(|e| format!("결제마감은 yyyy-MM-dd HH:mm 형식입니다: {e}"))
            .map(Some)?,
        None => match session.field(spec::PAY_EXP_DATE.name) {
            "" => None,
            text => KstDateTime::parse(text, KstFormat::YyyyMMddHHmm).ok(),
        },
    };
    if !v.is_empty() {
        return Err(describe(&v));
    }
    let phone = phone.ok_or("휴대폰번호를 입력해 주세요")?;
    let amount = session
        .field(spec::AMT.name)
        .parse()
        .map_err(|_| "Amt".to_owned())?;
    let svc = match session.field(spec::SVC_PRDT_CD.name) {
        "" => session.field("SvcPrdtCd"),
        s => s,
    };
    Ok(OrderInput {
        moid: session.field(spec::MOID.name).to_owned(),
        goods_name: session.field(spec::GOODS_NAME.name).to_owned(),
        amount,
        duty_free: session
            .field(spec::DUTY_FREE_AMT.name)
            .parse()
            .ok()
            .filter(|f| *f > 0),
        buyer_name: fields.or_empty(spec::BUYER_NAME.name).to_owned(),
        buyer_tel: phone,
        buyer_email: fields.or_empty(spec::BUYER_EMAIL.name).to_owned(),
        user_id: session.field(spec::USER_ID.name).to_owned(),
        svc_prdt_cd: if svc.is_empty() {
            "03".into()
        } else {
            svc.to_owned()
        },
        expires_at: deadline.unwrap_or_else(|| sim.now_kst().end_of_next_day()),
        source: "web-link",
    })
}

/// The HTTP status of a page that refuses a request: the vendor shows an error page (200).
pub(crate) const REFUSAL_STATUS: StatusCode = StatusCode::OK;
