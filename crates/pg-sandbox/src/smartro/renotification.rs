//! Re-notification (재통보, PROTOCOL-NOTES): the old-format fields the vendor's sample receives,
//! after each approval and cancel, with `SignValue` (the approval's formula over `TID` and
//! `ResultCode`). A cancel has its own `TID`; the payment's is `OTID`.

use pg_core::{CardCompany, KstDateTime, KstFormat};
use pg_smartro::crypto;

use crate::clock::from_ms;
use crate::magic::{NotifyBehaviour, TAMPERED_AMOUNT};
use crate::merchant::Merchant;
use crate::outbox;
use crate::store::{Cancel, NewDelivery, Transaction};

/// The re-notification of an approval (`cancel` `None`) or a cancel.
pub(crate) fn build(
    merchant: &Merchant,
    tx: &Transaction,
    cancel: Option<&Cancel>,
    behaviour: NotifyBehaviour,
) -> NewDelivery {
    let (tid, original, amount, at, auth_code, code, message, state) = match cancel {
        Some(c) => (
            c.cancel_tid.clone(),
            tx.tid.clone(),
            c.amount,
            c.created_at,
            c.approval_no.clone(),
            crate::cancellation::CANCELLED,
            "취소 성공",
            if c.remaining == 0 { "1" } else { "2" },
        ),
        None => (
            tx.tid.clone(),
            String::new(),
            tx.amount,
            tx.approved_at.unwrap_or(tx.created_at),
            tx.approval_no.clone(),
            super::codes::APPROVED,
            "카드 승인 성공",
            "0",
        ),
    };
    let amount = if behaviour == NotifyBehaviour::TamperedAmount {
        TAMPERED_AMOUNT
    } else {
        amount
    };
    let (code, state) = if behaviour == NotifyBehaviour::UnknownStatus {
        ("3099", "7")
    } else {
        (code, state)
    };
    let pay_method = if behaviour == NotifyBehaviour::UnknownPayMethod {
        "APPLEPAY"
    } else {
        "CARD"
    };
    let sign = crypto::sign_value(&tid, code, &merchant.key_secret())
        .map(|s| s.to_string())
        .unwrap_or_default();
    let company = CardCompany::from_code(&tx.card_company);
    let pairs: Vec<(&'static str, String)> = vec![
        ("PayMethod", pay_method.into()),
        ("MID", tx.mid.clone()),
        ("mallUserID", tx.detail("mall_user_id").to_owned()),
        ("Amt", amount.to_string()),
        ("name", tx.buyer_name.clone()),
        ("GoodsName", tx.goods_name.clone()),
        ("TID", tid),
        ("OTID", original),
        ("OID", tx.moid.clone()),
        (
            "AuthDate",
            KstDateTime::from_instant(from_ms(at)).format(KstFormat::YyMMddHHmmss),
        ),
        ("AuthCode", auth_code),
        ("ResultCode", code.into()),
        ("ResultMsg", message.into()),
        ("state_cd", state.into()),
        ("fn_cd", tx.card_company.clone()),
        ("fn_name", company.name_ko().unwrap_or_default().into()),
        ("pinNo", tx.card_masked.clone()),
        ("CardQuota", tx.quota.clone()),
        ("BuyerEmail", tx.buyer_email.clone()),
        ("BuyerTel", tx.buyer_tel.clone()),
        ("BuyerAuthNum", String::new()),
        ("VbankNum", String::new()),
        ("VbankName", String::new()),
        ("ReceiptType", String::new()),
        ("CardUsePoint", "0".into()),
        ("SignValue", sign),
    ];
    outbox::delivery(
        "smartro",
        tx,
        cancel,
        &pairs,
        merchant.notify.charset.charset(),
        behaviour,
    )
}
