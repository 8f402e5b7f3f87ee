//! The payment-result notification (manual 4.2): a form body with the fields of 4.2.1, the card
//! block (4.2.3), the cancel block (4.2.4) for cancels and the goods arrays (4.2.5), in the
//! merchant's charset, written by wire name (not with the SDK's encoder, which it cross-checks).

use pg_core::{CardCompany, KstDateTime, KstFormat};

use crate::clock::from_ms;
use crate::magic::{NotifyBehaviour, TAMPERED_AMOUNT};
use crate::merchant::Merchant;
use crate::outbox;
use crate::store::{Cancel, NewDelivery, Transaction};

/// The notification of an approval.
pub(crate) fn approval(
    merchant: &Merchant,
    tx: &Transaction,
    behaviour: NotifyBehaviour,
) -> NewDelivery {
    build(merchant, tx, None, behaviour)
}

/// The notification of a cancel.
pub(crate) fn cancel(
    merchant: &Merchant,
    tx: &Transaction,
    cancel: &Cancel,
    behaviour: NotifyBehaviour,
) -> NewDelivery {
    build(merchant, tx, Some(cancel), behaviour)
}

fn build(
    merchant: &Merchant,
    tx: &Transaction,
    cancel: Option<&Cancel>,
    behaviour: NotifyBehaviour,
) -> NewDelivery {
    outbox::delivery(
        "innopay",
        tx,
        cancel,
        &fields(tx, cancel, behaviour),
        merchant.notify.charset.charset(),
        behaviour,
    )
}

/// The fields, in the manual's table order.
fn fields(
    tx: &Transaction,
    cancel: Option<&Cancel>,
    behaviour: NotifyBehaviour,
) -> Vec<(&'static str, String)> {
    let approved = KstDateTime::from_instant(from_ms(tx.approved_at.unwrap_or(tx.created_at)));
    let tampered = behaviour == NotifyBehaviour::TamperedAmount;
    let approval_amount = if tampered && cancel.is_none() {
        TAMPERED_AMOUNT
    } else {
        tx.amount
    };
    let (status, status_name) = match (behaviour, cancel) {
        (NotifyBehaviour::UnknownStatus, _) => ("35", ""),
        (_, Some(_)) => ("85", "취소"),
        (_, None) => ("25", "승인"),
    };
    let (pay_method, pay_method_name) = match behaviour {
        NotifyBehaviour::UnknownPayMethod => ("17", ""),
        _ => ("02", "신용카드"),
    };
    let company = CardCompany::from_code(&tx.card_company);
    let company_name = company.name_ko().unwrap_or_default().to_owned();
    let d = |name: &str| tx.detail(name).to_owned();
    let mut f: Vec<(&'static str, String)> = vec![
        ("transSeq", d("trans_seq")),
        ("userId", d("user_id")),
        ("userName", tx.buyer_name.clone()),
        ("userPhoneNo", tx.buyer_tel.clone()),
        ("moid", tx.moid.clone()),
        ("goodsName", tx.goods_name.clone()),
        ("goodsAmt", tx.amount.to_string()),
        ("buyerCode", String::new()),
        ("buyerName", tx.buyer_name.clone()),
        ("buyerPhoneNo", tx.buyer_tel.clone()),
        ("pgCode", "NICE".into()),
        ("pgName", "나이스페이먼츠".into()),
        ("payMethod", pay_method.into()),
        ("payMethodName", pay_method_name.into()),
        ("pgMid", d("pg_mid")),
        ("pgSid", String::new()),
        ("status", status.into()),
        ("statusName", status_name.into()),
        ("pgResultCode", "3001".into()),
        ("pgResultMsg", "정상처리".into()),
        ("pgAppDate", approved.format(KstFormat::YyyyMMdd)),
        ("pgAppTime", approved.format(KstFormat::HHmmss)),
        ("pgTid", tx.tid.clone()),
        ("approvalAmt", approval_amount.to_string()),
        ("approvalNo", tx.approval_no.clone()),
        ("cardNo", tx.card_masked.clone()),
        ("cardQuota", tx.quota.clone()),
        ("cardIssueCode", tx.card_company.clone()),
        ("cardIssueName", company_name.clone()),
        ("cardAcquireCode", tx.card_company.clone()),
        ("cardAcquireName", company_name),
    ];
    if let Some(c) = cancel {
        let at = KstDateTime::from_instant(from_ms(c.created_at));
        let amount = if tampered { TAMPERED_AMOUNT } else { c.amount };
        f.extend([
            ("cancelAmt", amount.to_string()),
            ("cancelMsg", c.reason.clone()),
            ("cancelResultCode", crate::cancellation::CANCELLED.into()),
            ("cancelResultMsg", "취소 성공".into()),
            ("cancelAppDate", at.format(KstFormat::YyyyMMdd)),
            ("cancelAppTime", at.format(KstFormat::HHmmss)),
            ("cancelPgTid", c.cancel_tid.clone()),
            ("cancelApprovalAmt", amount.to_string()),
            ("cancelApprovalNo", c.approval_no.clone()),
        ]);
    }
    f.extend([
        ("goodsSize", "1".into()),
        ("goodsCodeArray[]", tx.moid.clone()),
        ("goodsNameArray[]", tx.goods_name.clone()),
        ("goodsAmtArray[]", tx.amount.to_string()),
        ("goodsCntArray[]", "1".into()),
        ("totalAmtArray[]", tx.amount.to_string()),
    ]);
    f
}
