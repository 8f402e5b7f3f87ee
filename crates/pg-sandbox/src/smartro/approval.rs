//! `POST /payment/approval/urlCallApproval.do` (guide STEP 3): `{Tid, TrAuthKey}`. The token is
//! single-use and short-lived; a test card may decline here. The answer carries the full field
//! list of a real approval response (PROTOCOL-NOTES) with `SignValue`.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use pg_core::{CardCompany, KstDateTime, KstFormat};
use pg_smartro::crypto;
use serde_json::{Map, Value};

use super::{codes, renotification};
use crate::answer::{self, Refusal};
use crate::clock::from_ms;
use crate::magic;
use crate::merchant::{Gateway, Merchant};
use crate::outbox;
use crate::request::Incoming;
use crate::sim::Sim;
use crate::store::{Authentication, Transaction, TxState};
use crate::wire::WireFields;

/// The endpoint.
pub(crate) async fn handle(State(sim): State<Arc<Sim>>, request: Request) -> Response {
    let incoming = match Incoming::read(request).await {
        Ok(i) => i,
        Err(e) => return refuse(&Refusal::new(codes::APPROVAL_BAD_PARAMETER, e), "", None),
    };
    let fields = match WireFields::json_or_form(&incoming.body, incoming.content_type()) {
        Ok(f) => f,
        Err(e) => {
            return refuse(
                &Refusal::new(
                    codes::APPROVAL_BAD_PARAMETER,
                    format!("요청을 읽을 수 없습니다: {e}"),
                ),
                "",
                None,
            );
        }
    };
    let (Some(tid), Some(key)) = (fields.text("Tid"), fields.text("TrAuthKey")) else {
        return refuse(
            &Refusal::new(
                codes::APPROVAL_BAD_PARAMETER,
                "Tid와 TrAuthKey는 필수입니다",
            ),
            fields.or_empty("Tid"),
            None,
        );
    };
    let found = sim.store.with(|c| {
        let tx = Transaction::get(c, tid)?.filter(|t| t.gateway == "smartro");
        let auth = Authentication::get(c, tid)?;
        Ok(tx.zip(auth))
    });
    let (mut tx, auth) = match found {
        Ok(Some(found)) => found,
        Ok(None) => {
            return refuse(
                &Refusal::new(
                    codes::APPROVAL_UNKNOWN_TID,
                    format!("거래가 없습니다 (Tid {tid})"),
                ),
                tid,
                None,
            );
        }
        Err(e) => {
            return refuse(
                &Refusal::new(codes::APPROVAL_BAD_PARAMETER, e.to_string()),
                tid,
                None,
            );
        }
    };
    let merchant = match sim.merchant(Gateway::Smartro, &tx.mid) {
        Ok(Some(m)) => m,
        _ => {
            return refuse(
                &Refusal::new(codes::APPROVAL_UNKNOWN_TID, "상점 정보가 없습니다"),
                tid,
                None,
            );
        }
    };
    let now = sim.now_ms();
    let refusal = if crate::smartro::window::digest_hex(&[key]) != auth.key_hash {
        Some(Refusal::new(
            codes::APPROVAL_BAD_KEY,
            "TrAuthKey가 일치하지 않습니다",
        ))
    } else if auth.used_at.is_some() {
        Some(Refusal::new(
            codes::APPROVAL_KEY_USED,
            "이미 승인 요청된 TrAuthKey입니다 (1회만 사용)",
        ))
    } else if now > auth.expires_at {
        Some(Refusal::new(
            codes::APPROVAL_KEY_EXPIRED,
            format!(
                "TrAuthKey 유효시간이 지났습니다 (만료 {})",
                crate::store::kst_text(auth.expires_at)
            ),
        ))
    } else {
        None
    };
    if let Some(refusal) = refusal {
        return refuse(&refusal, tid, Some((&merchant, &tx)));
    }
    let behaviour = magic::call_behaviour(tx.amount);
    if !behaviour.carries_out() {
        return answer::rehearse(&sim, behaviour, incoming.kill.as_ref(), Response::default())
            .await;
    }
    let applied = sim.store.with(|c| {
        if !Authentication::mark_used(c, tid, now)? {
            return Ok(false);
        }
        let card = auth.card(c)?;
        match card.as_ref().and_then(|c| c.decline_code.clone()) {
            Some(code) => {
                tx.state = TxState::Declined;
                tx.result_code = code;
                tx.result_msg = card.and_then(|c| c.decline_msg).unwrap_or_default();
            }
            None => {
                tx.state = TxState::Approved;
                tx.result_code = codes::APPROVED.into();
                tx.result_msg = "카드 승인 성공".into();
                tx.approval_no = sim.ids(|ids| ids.approval_number());
                tx.approved_at = Some(now);
            }
        }
        tx.quota = auth.quota.clone();
        tx.update(c)?;
        if tx.state == TxState::Approved {
            let notify = magic::notify_behaviour(tx.amount);
            outbox::queue(
                c,
                &merchant,
                renotification::build(&merchant, &tx, None, notify),
                notify,
                now,
            )?;
        }
        Ok(true)
    });
    let answer = match applied {
        Ok(true) => {
            sim.wake.notify_one();
            respond(
                &merchant,
                &tx,
                &tx.result_code.clone(),
                &tx.result_msg.clone(),
            )
        }
        Ok(false) => {
            let r = Refusal::new(
                codes::APPROVAL_KEY_USED,
                "이미 승인 요청된 TrAuthKey입니다 (1회만 사용)",
            );
            return refuse(&r, tid, Some((&merchant, &tx)));
        }
        Err(e) => {
            return refuse(
                &Refusal::new(codes::APPROVAL_BAD_PARAMETER, e.to_string()),
                tid,
                None,
            );
        }
    };
    answer::rehearse(&sim, behaviour, incoming.kill.as_ref(), answer).await
}

/// A refusal; with the transaction known, its fields and `SignValue` too.
fn refuse(refusal: &Refusal, tid: &str, known: Option<(&Merchant, &Transaction)>) -> Response {
    match known {
        Some((merchant, tx)) => respond(merchant, tx, refusal.code, &refusal.message),
        None => {
            let mut map = Map::new();
            map.insert("Tid".into(), tid.into());
            map.insert("ResultCode".into(), refusal.code.into());
            map.insert("ResultMsg".into(), refusal.message.clone().into());
            answer::json(StatusCode::OK, &Value::Object(map))
        }
    }
}

/// The full answer: every field of a captured real approval response.
fn respond(merchant: &Merchant, tx: &Transaction, code: &str, message: &str) -> Response {
    let approved = tx.state == TxState::Approved && code == codes::APPROVED;
    let company = CardCompany::from_code(&tx.card_company);
    let name = company.name_ko().unwrap_or_default().to_owned();
    let auth_date = tx
        .approved_at
        .filter(|_| approved)
        .map(|at| KstDateTime::from_instant(from_ms(at)).format(KstFormat::YyMMddHHmmss))
        .unwrap_or_default();
    let sign = crypto::sign_value(&tx.tid, code, &merchant.key_secret())
        .map(|s| s.to_string())
        .unwrap_or_default();
    let d = |n: &str| tx.detail(n).to_owned();
    let fields: [(&str, String); 39] = [
        ("CoNm", merchant.name.clone()),
        ("Tid", tx.tid.clone()),
        ("MerchantReserved", String::new()),
        ("CardQuota", tx.quota.clone()),
        ("AppCardCode", tx.card_company.clone()),
        ("AppCardName", name.clone()),
        ("AcquCardCode", tx.card_company.clone()),
        ("AcquCardName", name),
        ("CardMerchantNo", "0091234567".into()),
        ("CardNum", tx.card_masked.clone()),
        ("UsePoint", "0".into()),
        ("BalancePoint", "0".into()),
        ("CardInterest", "0".into()),
        ("ResultCode", code.into()),
        ("ResultMsg", message.into()),
        ("AuthDate", auth_date),
        (
            "AuthCode",
            if approved {
                tx.approval_no.clone()
            } else {
                String::new()
            },
        ),
        ("GoodsName", tx.goods_name.clone()),
        ("GoodsCnt", d("goods_cnt")),
        ("Amt", tx.amount.to_string()),
        ("Moid", tx.moid.clone()),
        ("Mid", tx.mid.clone()),
        ("MallUserId", d("mall_user_id")),
        ("BuyerName", tx.buyer_name.clone()),
        ("PayMethod", "CARD".into()),
        ("BuyerEmail", tx.buyer_email.clone()),
        ("ParentEmail", String::new()),
        ("SubId", String::new()),
        ("MallReserved", d("mall_reserved")),
        ("EdiDate", d("edi_date")),
        ("SignValue", sign),
        ("BuyerAuthNum", String::new()),
        ("BuyerTel", tx.buyer_tel.clone()),
        ("EscrowCd", "0".into()),
        ("GreenDeposit", "0".into()),
        ("Currency", "KRW".into()),
        ("MerInterestCl", "0".into()),
        ("CardType", "0".into()),
        ("CardOwnerType", "0".into()),
    ];
    let map: Map<String, Value> = fields
        .into_iter()
        .map(|(n, v)| (n.to_owned(), Value::String(v)))
        .collect();
    answer::json(StatusCode::OK, &Value::Object(map))
}
