//! The payment window after `reqPay.do`: an SS-Pay member registers a test card (with the
//! identity verification the merchant's option asks for), picks it, enters its password, and
//! the window hands `Tid` and `TrAuthKey` to the merchant — to the script's `Callback` on PC, by
//! a post to `ReturnUrl` on mobile. Giving up posts the stop result to `StopUrl`.

use std::sync::Arc;

use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use pg_core::PhoneNumber;
use sha2::{Digest, Sha256};

use super::codes;
use super::window_pages as pages;
use crate::answer::Refusal;
use crate::ids::TidKind;
use crate::magic;
use crate::merchant::{Gateway, IdentityCheck, Merchant};
use crate::request::Incoming;
use crate::sim::Sim;
use crate::store::{Authentication, Card, Member, Session, Transaction, TxState};
use crate::wire::WireFields;

pub(crate) use pages::{refused, render};

/// `GET /ssp/window/{token}` (`?add=card` shows the registration form).
pub(crate) async fn show(
    State(sim): State<Arc<Sim>>,
    Path(token): Path<String>,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Response {
    match open_session(&sim, &token) {
        Ok((session, merchant)) => {
            if query.get("add").is_some_and(|a| a == "card") {
                pages::card_form(&sim, &session, &merchant, None)
            } else {
                render(&sim, &session, &merchant, None)
            }
        }
        Err(page) => page,
    }
}

/// `POST /ssp/window/{token}/card`: registers a test card to the member.
pub(crate) async fn register_card(
    State(sim): State<Arc<Sim>>,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    let (session, merchant, form) = match read(&sim, &token, request).await {
        Ok(read) => read,
        Err(page) => return page,
    };
    match add_card(&sim, &session, &merchant, &form) {
        Ok(()) => back_to_window(&session),
        Err(refusal) => pages::card_form(&sim, &session, &merchant, Some(refusal)),
    }
}

/// `POST /ssp/window/{token}/card/{id}/delete`: the member removes a registered card.
pub(crate) async fn remove_card(
    State(sim): State<Arc<Sim>>,
    Path((token, id)): Path<(String, i64)>,
) -> Response {
    let (session, merchant) = match open_session(&sim, &token) {
        Ok(found) => found,
        Err(page) => return page,
    };
    let removed = sim
        .store
        .with(|c| Card::delete(c, &merchant.mid, session.field("MallUserId"), id));
    match removed {
        Ok(true) => back_to_window(&session),
        _ => render(
            &sim,
            &session,
            &merchant,
            Some(Refusal::new(
                codes::WINDOW_BAD_CARD,
                "삭제할 카드가 없습니다",
            )),
        ),
    }
}

/// `POST /ssp/window/{token}/pay`: the chosen card and its password; issues `Tid` and
/// `TrAuthKey`.
pub(crate) async fn pay(
    State(sim): State<Arc<Sim>>,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    let (session, merchant, form) = match read(&sim, &token, request).await {
        Ok(read) => read,
        Err(page) => return page,
    };
    match authenticate(&sim, &session, &merchant, &form) {
        Ok((tid, key)) => pages::authenticated(&session, &tid, &key),
        Err(refusal) => render(&sim, &session, &merchant, Some(refusal)),
    }
}

/// `POST /ssp/window/{token}/stop`: the buyer gives up; the stop result goes to `StopUrl`.
pub(crate) async fn stop(
    State(sim): State<Arc<Sim>>,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    let (mut session, _, _) = match read(&sim, &token, request).await {
        Ok(read) => read,
        Err(page) => return page,
    };
    session.state = "stopped".into();
    let _ = sim.store.with(|c| session.save(c));
    pages::stopped(&session)
}

/// Back to the window's main page (after a card is added or removed).
fn back_to_window(session: &Session) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, format!("/ssp/window/{}", session.token))],
    )
        .into_response()
}

async fn read(
    sim: &Sim,
    token: &str,
    request: Request,
) -> Result<(Session, Arc<Merchant>, WireFields), Response> {
    let (session, merchant) = open_session(sim, token)?;
    let form = Incoming::read(request)
        .await
        .and_then(|i| WireFields::form(&i.body, None).map_err(|e| e.to_string()))
        .map_err(|e| {
            render(
                sim,
                &session,
                &merchant,
                Some(Refusal::new(codes::WINDOW_BAD_PARAMETER, e)),
            )
        })?;
    Ok((session, merchant, form))
}

fn open_session(sim: &Sim, token: &str) -> Result<(Session, Arc<Merchant>), Response> {
    let gone = || {
        refused(
            &Refusal::new(
                codes::WINDOW_BAD_PARAMETER,
                "결제창이 만료되었거나 이미 처리되었습니다",
            ),
            None,
        )
    };
    let session = match sim.store.with(|c| Session::get(c, token)) {
        Ok(Some(s)) if s.kind == "window" && s.state == "open" => s,
        _ => return Err(gone()),
    };
    match sim.merchant(Gateway::Smartro, &session.mid) {
        Ok(Some(m)) => Ok((session, m)),
        _ => Err(gone()),
    }
}

/// SHA-256 of the parts, hex: how passwords and tokens are kept.
pub(crate) fn digest_hex(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether a verified identity satisfies the merchant's option against the buyer of the form.
fn identity_matches(
    option: IdentityCheck,
    (name, phone): (&str, &str),
    session: &Session,
) -> Result<(), Refusal> {
    let buyer_phone = PhoneNumber::parse(session.field("BuyerTel"))
        .map(|p| p.digits().to_owned())
        .unwrap_or_default();
    let name_ok = name.trim() == session.field("BuyerName");
    let phone_ok = phone == buyer_phone;
    let (ok, what) = match option {
        IdentityCheck::None => (true, ""),
        IdentityCheck::Name => (name_ok, "성명"),
        IdentityCheck::Phone => (phone_ok, "휴대폰번호"),
        IdentityCheck::Both => (name_ok && phone_ok, "성명과 휴대폰번호"),
    };
    if ok {
        Ok(())
    } else {
        Err(Refusal::new(
            codes::WINDOW_IDENTITY_MISMATCH,
            format!("본인인증 {what}가 구매자 정보(BuyerName/BuyerTel)와 일치하지 않습니다"),
        ))
    }
}

fn add_card(
    sim: &Sim,
    session: &Session,
    merchant: &Merchant,
    form: &WireFields,
) -> Result<(), Refusal> {
    let bad = |m: String| Refusal::new(codes::WINDOW_BAD_CARD, m);
    let card = magic::read_card(form.or_empty("cardNo")).map_err(|e| bad(e.to_string()))?;
    let (year, month) = magic::read_expiry(form.or_empty("expiry"))
        .ok_or_else(|| bad("유효기간은 MM/YY 형식입니다".into()))?;
    let now = sim.now_kst().wall_clock();
    if (year, month) < (now.year(), u8::from(now.month())) {
        return Err(bad("유효기간이 지난 카드입니다".into()));
    }
    let birth = form.or_empty("birth");
    if birth.len() != 6 || !birth.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("생년월일 6자리를 입력해 주세요".into()));
    }
    let pin = form.or_empty("pin");
    if pin.len() != 6 || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("결제 비밀번호는 숫자 6자리입니다".into()));
    }
    if form.or_empty("pinConfirm") != pin {
        return Err(bad("결제 비밀번호 확인이 일치하지 않습니다".into()));
    }
    let user = session.field("MallUserId").to_owned();
    let existing = sim
        .store
        .with(|c| Member::get(c, &merchant.mid, &user))
        .map_err(|e| bad(e.to_string()))?;
    let member = match existing {
        Some(m) => m,
        None => {
            // 본인인증: the name and mobile number of the person registering.
            let name = form.or_empty("idName");
            let phone = PhoneNumber::parse(form.or_empty("idPhone"))
                .ok()
                .filter(PhoneNumber::is_mobile)
                .ok_or_else(|| bad("본인인증 휴대폰번호를 입력해 주세요".into()))?;
            if name.is_empty() {
                return Err(bad("본인인증 성명을 입력해 주세요".into()));
            }
            identity_matches(merchant.identity_check, (name, phone.digits()), session)?;
            Member {
                mid: merchant.mid.clone(),
                mall_user_id: user.clone(),
                verified_name: name.to_owned(),
                verified_phone: phone.digits().to_owned(),
                created_at: sim.now_ms(),
            }
        }
    };
    let mut stored = Card {
        id: 0,
        mid: merchant.mid.clone(),
        mall_user_id: user.clone(),
        masked: card.masked.clone(),
        company: card.company.to_owned(),
        decline_code: card.decline.map(|d| d.code.to_owned()),
        decline_msg: card.decline.map(|d| d.message.to_owned()),
        pin_hash: digest_hex(&[&merchant.mid, &user, pin]),
        created_at: sim.now_ms(),
    };
    sim.store
        .with(|c| {
            member.save(c)?;
            stored.insert(c)
        })
        .map_err(|e| bad(e.to_string()))
}

fn authenticate(
    sim: &Sim,
    session: &Session,
    merchant: &Merchant,
    form: &WireFields,
) -> Result<(String, String), Refusal> {
    let user = session.field("MallUserId").to_owned();
    let fail = |code, m: &str| Refusal::new(code, m.to_owned());
    let (member, cards) = sim
        .store
        .with(|c| {
            Ok((
                Member::get(c, &merchant.mid, &user)?,
                Card::of(c, &merchant.mid, &user)?,
            ))
        })
        .map_err(|e| fail(codes::WINDOW_BAD_PARAMETER, &e.to_string()))?;
    let member = member.ok_or_else(|| fail(codes::WINDOW_BAD_CARD, "카드를 먼저 등록해 주세요"))?;
    let card = cards
        .into_iter()
        .find(|c| form.text("cardId") == Some(c.id.to_string().as_str()))
        .ok_or_else(|| fail(codes::WINDOW_BAD_CARD, "결제할 카드를 선택해 주세요"))?;
    if digest_hex(&[&merchant.mid, &user, form.or_empty("pin")]) != card.pin_hash {
        return Err(fail(
            codes::WINDOW_BAD_PASSWORD,
            "결제 비밀번호가 일치하지 않습니다",
        ));
    }
    identity_matches(
        merchant.identity_check,
        (&member.verified_name, &member.verified_phone),
        session,
    )?;
    let amount: u64 = session.field("Amt").parse().unwrap_or_default();
    let quota = form.text("quota").unwrap_or("00").to_owned();
    let months: u8 = quota.parse().unwrap_or(255);
    if quota.len() != 2 || !(months == 0 || (2..=12).contains(&months)) {
        return Err(fail(
            codes::WINDOW_BAD_PARAMETER,
            "할부개월은 00(일시불) 또는 02~12입니다",
        ));
    }
    if months != 0 && amount < 50_000 {
        return Err(fail(
            codes::WINDOW_BAD_PARAMETER,
            "할부는 5만원 이상 결제 시 가능합니다",
        ));
    }
    let now = sim.now_ms();
    let key = sim.ids(|ids| ids.tr_auth_key());
    let lifetime = i64::try_from(sim.timings.tr_auth_key_lifetime.as_millis()).unwrap_or(i64::MAX);
    let f = |name: &str| session.field(name).to_owned();
    sim.store
        .with(|c| {
            if Transaction::paid_order_exists(c, &merchant.mid, session.field("Moid"))? {
                return Ok(Err(fail(
                    codes::WINDOW_ALREADY_PAID,
                    "이미 결제된 주문번호입니다",
                )));
            }
            let tx = loop {
                let tid = sim.ids(|ids| ids.tid(&merchant.mid, TidKind::Payment, sim.now_kst()));
                let tx = Transaction {
                    tid,
                    gateway: "smartro".into(),
                    mid: merchant.mid.clone(),
                    moid: f("Moid"),
                    amount,
                    cancelled: 0,
                    state: TxState::Authenticated,
                    result_code: String::new(),
                    result_msg: "인증 완료".into(),
                    card_masked: card.masked.clone(),
                    card_company: card.company.clone(),
                    quota: quota.clone(),
                    approval_no: String::new(),
                    approved_at: None,
                    goods_name: f("GoodsName"),
                    buyer_name: f("BuyerName"),
                    buyer_tel: f("BuyerTel"),
                    buyer_email: f("BuyerEmail"),
                    details: serde_json::json!({
                        "mall_user_id": user,
                        "mall_reserved": f("MallReserved"),
                        "edi_date": f("EdiDate"),
                        "goods_cnt": f("GoodsCnt"),
                        "encoding_type": f("EncodingType"),
                        "card_id": card.id,
                    }),
                    created_at: now,
                };
                if tx.insert(c)? {
                    break tx;
                }
            };
            Authentication {
                tid: tx.tid.clone(),
                session: session.token.clone(),
                key_hash: digest_hex(&[&key]),
                card_id: card.id,
                quota: quota.clone(),
                expires_at: now.saturating_add(lifetime),
                used_at: None,
                created_at: now,
            }
            .insert(c)?;
            let mut done = session.clone();
            done.state = "done".into();
            done.save(c)?;
            Ok(Ok(tx.tid))
        })
        .map_err(|e| fail(codes::WINDOW_BAD_PARAMETER, &e.to_string()))?
        .map(|tid| (tid, key))
}
