//! `POST /api/smsPayApi` (manual 2.2, 2.3): checks every field, registers the order, texts the
//! buyer (the outbox), and answers as in 2.3 — amounts with commas, the phone hyphenated, the
//! deadline, the SMS text in `resultMsg`. A `moid` the merchant already has is refused.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use pg_core::field_spec::{Rule, Violation};
use pg_core::{KstDateTime, KstFormat, PhoneNumber, Won};
use pg_innopay::fields::sms_pay as spec;
use serde_json::{Map, Value, json};

use super::codes;
use super::order::{self, NotRegistered, OrderInput};
use crate::answer::{self, Refusal};
use crate::magic;
use crate::merchant::{Gateway, Merchant};
use crate::request::Incoming;
use crate::sim::Sim;
use crate::wire::{WireFields, describe};

/// The fields the answer echoes (2.3): the request's, but the sub-method.
fn echoed() -> impl Iterator<Item = &'static str> {
    spec::ALL
        .iter()
        .map(|f| f.name)
        .filter(|n| *n != spec::SVC_PRDT_CD.name)
}

/// The endpoint.
pub(crate) async fn handle(State(sim): State<Arc<Sim>>, request: Request) -> Response {
    let incoming = match Incoming::read(request).await {
        Ok(i) => i,
        Err(e) => return reply(Refusal::new(codes::BAD_PARAMETER, e), None),
    };
    if incoming.method != Method::POST {
        let mut answer = reply(
            Refusal::new(
                codes::BAD_PARAMETER,
                "POST 방식만 지원합니다 (application/json)",
            ),
            None,
        );
        *answer.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
        return answer;
    }
    let fields = match WireFields::json_or_form(&incoming.body, incoming.content_type()) {
        Ok(f) => f,
        Err(e) => {
            return reply(
                Refusal::new(
                    codes::BAD_PARAMETER,
                    format!("요청을 읽을 수 없습니다: {e}"),
                ),
                None,
            );
        }
    };
    let (merchant, input) = match check(&sim, &fields) {
        Ok(checked) => checked,
        Err(refusal) => return reply(refusal, Some(&fields)),
    };
    let behaviour = magic::call_behaviour(input.amount);
    if !behaviour.carries_out() {
        return answer::rehearse(
            &sim,
            behaviour,
            incoming.kill.as_ref(),
            reply(Refusal::new(codes::SYSTEM_ERROR, ""), None),
        )
        .await;
    }
    let answer = match order::register(&sim, &merchant, input) {
        Ok(registered) => {
            let o = &registered.order;
            let mut map = Map::new();
            map.insert("mid".into(), o.mid.clone().into());
            map.insert("moid".into(), o.moid.clone().into());
            map.insert("goodsName".into(), o.goods_name.clone().into());
            map.insert("amt".into(), Won::new(o.amount).grouped().into());
            map.insert(
                "dutyFreeAmt".into(),
                o.duty_free
                    .map(|w| Won::new(w).grouped())
                    .unwrap_or_default()
                    .into(),
            );
            map.insert("buyerName".into(), o.buyer_name.clone().into());
            map.insert("buyerTel".into(), registered.sms.phone.clone().into());
            map.insert("buyerEmail".into(), o.buyer_email.clone().into());
            map.insert(
                "payExpDate".into(),
                crate::store::kst_text(o.expires_at).into(),
            );
            map.insert("userId".into(), o.user_id.clone().into());
            map.insert("resultCode".into(), codes::REGISTERED.into());
            map.insert("resultMsg".into(), registered.sms.text.clone().into());
            answer::json(StatusCode::OK, &Value::Object(map))
        }
        Err(NotRegistered::Refused(refusal)) => return reply(refusal, Some(&fields)),
        Err(NotRegistered::Store(e)) => {
            return reply(
                Refusal::new(codes::SYSTEM_ERROR, e.to_string()),
                Some(&fields),
            );
        }
    };
    answer::rehearse(&sim, behaviour, incoming.kill.as_ref(), answer).await
}

/// A refusal, echoing what was sent (as the 2.3 answer echoes every field).
fn reply(refusal: Refusal, fields: Option<&WireFields>) -> Response {
    let mut map = Map::new();
    for name in echoed() {
        let value = fields.and_then(|f| f.raw(name)).unwrap_or_default();
        map.insert(name.into(), value.into());
    }
    map.insert("resultCode".into(), refusal.code.into());
    map.insert("resultMsg".into(), refusal.message.into());
    answer::json(StatusCode::OK, &json!(map))
}

/// Every field against the table (amounts may carry commas, the phone hyphens), then the
/// merchant.
fn check(sim: &Sim, f: &WireFields) -> Result<(Arc<Merchant>, OrderInput), Refusal> {
    let mut v = Vec::new();
    for s in [
        &spec::MID,
        &spec::MOID,
        &spec::GOODS_NAME,
        &spec::BUYER_NAME,
        &spec::BUYER_EMAIL,
        &spec::USER_ID,
    ] {
        f.check(s, &mut v);
    }
    let amount = f.amount(&spec::AMT, true, &mut v);
    let duty_free = match f.text(spec::DUTY_FREE_AMT.name) {
        None | Some("0") => None,
        Some(_) => f.amount(&spec::DUTY_FREE_AMT, true, &mut v),
    };
    if let (Some(amount), Some(free)) = (amount, duty_free) {
        if free > amount {
            v.push(Violation::new(
                spec::DUTY_FREE_AMT.name,
                Rule::Constraint(format!("must not exceed amt ({amount})").into()),
            ));
        }
    }
    let phone = buyer_phone(f.text(spec::BUYER_TEL.name), &mut v);
    let deadline = match f.text(spec::PAY_EXP_DATE.name) {
        None => None,
        Some(text) => match KstDateTime::parse(text, KstFormat::Dashed) {
            Ok(d) => Some(d),
            Err(e) => {
                v.push(Violation::new(
                    spec::PAY_EXP_DATE.name,
                    Rule::Format {
                        expected: "yyyy-MM-dd HH:mm:ss",
                        reason: e.rule.to_string(),
                    },
                ));
                None
            }
        },
    };
    let svc = sub_method(
        f.text(spec::SVC_PRDT_CD.name),
        spec::SVC_PRDT_CD.name,
        &mut v,
    );
    if let Some(email) = f.text(spec::BUYER_EMAIL.name) {
        check_email(email, spec::BUYER_EMAIL.name, &mut v);
    }
    if !v.is_empty() {
        return Err(Refusal::new(
            codes::BAD_PARAMETER,
            format!("파라미터 오류: {}", describe(&v)),
        ));
    }
    let merchant = known_merchant(sim, f.or_empty(spec::MID.name))?;
    let (Some(amount), Some(phone)) = (amount, phone) else {
        return Err(Refusal::new(codes::BAD_PARAMETER, "파라미터 오류"));
    };
    Ok((
        merchant,
        OrderInput {
            moid: f.or_empty(spec::MOID.name).to_owned(),
            goods_name: f.or_empty(spec::GOODS_NAME.name).to_owned(),
            amount,
            duty_free,
            buyer_name: f.or_empty(spec::BUYER_NAME.name).to_owned(),
            buyer_tel: phone,
            buyer_email: f.or_empty(spec::BUYER_EMAIL.name).to_owned(),
            user_id: f.or_empty(spec::USER_ID.name).to_owned(),
            svc_prdt_cd: svc,
            expires_at: deadline.unwrap_or_else(|| sim.now_kst().end_of_next_day()),
            source: "api",
        },
    ))
}

/// The Innopay merchant of `mid`, or the vendor's refusal.
pub(crate) fn known_merchant(sim: &Sim, mid: &str) -> Result<Arc<Merchant>, Refusal> {
    match sim.merchant(Gateway::Innopay, mid) {
        Ok(Some(m)) => Ok(m),
        Ok(None) => Err(Refusal::new(
            codes::UNKNOWN_MERCHANT,
            format!("등록되지 않은 상점입니다 (mid {mid})"),
        )),
        Err(e) => Err(Refusal::new(codes::SYSTEM_ERROR, e.to_string())),
    }
}

/// A buyer's mobile number: digits, optionally hyphenated (manual 2.2: 붙임표(-) 가능).
pub(crate) fn buyer_phone(text: Option<&str>, v: &mut Vec<Violation>) -> Option<PhoneNumber> {
    let name = spec::BUYER_TEL.name;
    let Some(text) = text else {
        v.push(Violation::new(name, Rule::Missing));
        return None;
    };
    if let Some((position, c)) = text
        .chars()
        .enumerate()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '-'))
    {
        v.push(Violation::new(
            name,
            Rule::Format {
                expected: "digits, optionally with hyphens",
                reason: format!("{c:?} at position {position}"),
            },
        ));
        return None;
    }
    match PhoneNumber::parse(text) {
        Ok(p) if p.is_mobile() && p.digits().len() <= spec::BUYER_TEL.max_bytes => Some(p),
        Ok(_) => {
            v.push(Violation::new(
                name,
                Rule::Constraint(
                    "must be a mobile number (010, 011, 016-019): the link is sent by SMS".into(),
                ),
            ));
            None
        }
        Err(e) => {
            v.push(Violation::new(
                name,
                Rule::Format {
                    expected: "a phone number",
                    reason: e.to_string(),
                },
            ));
            None
        }
    }
}

/// `svcPrdtCd`: `03` (SMS 수기, the default) or `04` (SMS 인증).
pub(crate) fn sub_method(text: Option<&str>, name: &'static str, v: &mut Vec<Violation>) -> String {
    match text {
        None => "03".to_owned(),
        Some(code @ ("03" | "04")) => code.to_owned(),
        Some(other) => {
            v.push(Violation::new(
                name,
                Rule::Format {
                    expected: "03 (SMS 수기) or 04 (SMS 인증)",
                    reason: format!("{other:?}"),
                },
            ));
            "03".to_owned()
        }
    }
}

/// An e-mail address: something, `@`, a domain with a dot.
pub(crate) fn check_email(email: &str, name: &'static str, v: &mut Vec<Violation>) {
    let ok = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
    });
    if !ok {
        v.push(Violation::new(
            name,
            Rule::Format {
                expected: "an e-mail address",
                reason: format!("{email:?}"),
            },
        ));
    }
}
