//! Encoding a notification as Innopay sends it: a form body in the manual's field order, in
//! UTF-8 or EUC-KR. The simulator sends these; tests round-trip them.

use pg_core::Charset;
use pg_core::form::{FormEncoder, FormError};

use super::Notification;

impl Notification {
    /// The form body, fields in the manual's table order, then unknown fields. The card number
    /// is written masked, as it is held.
    pub fn to_form(&self, charset: Charset) -> Result<String, FormError> {
        let mut e = FormEncoder::new(charset);
        let mut put = |name: &str, value: Option<&str>| -> Result<(), FormError> {
            if let Some(value) = value {
                e.append(name, value)?;
            }
            Ok(())
        };
        let won = |w: Option<pg_core::Won>| w.map(|w| w.to_string());
        put("transSeq", self.trans_seq.as_deref())?;
        put("userId", self.user_id.as_deref())?;
        put("userName", self.user_name.as_deref())?;
        put("userPhoneNo", self.user_phone_no.as_deref())?;
        put("moid", Some(self.moid.as_str()))?;
        put("goodsName", self.goods_name.as_deref())?;
        put("goodsAmt", won(self.goods_amount).as_deref())?;
        put("buyerCode", self.buyer_code.as_deref())?;
        put("buyerName", self.buyer_name.as_deref())?;
        put("buyerPhoneNo", self.buyer_phone_no.as_deref())?;
        put("pgCode", self.pg_code.as_deref())?;
        put("pgName", self.pg_name.as_deref())?;
        put("payMethod", self.pay_method.as_ref().map(|m| m.code()))?;
        put("payMethodName", self.pay_method_name.as_deref())?;
        put("pgMid", self.pg_mid.as_deref())?;
        put("pgSid", self.pg_sid.as_deref())?;
        put("status", Some(self.status.code()))?;
        put("statusName", self.status_name.as_deref())?;
        put("pgResultCode", self.pg_result_code.as_deref())?;
        put("pgResultMsg", self.pg_result_message.as_deref())?;
        put("pgAppDate", self.pg_app_date.as_deref())?;
        put("pgAppTime", self.pg_app_time.as_deref())?;
        put("pgTid", Some(self.pg_tid.as_str()))?;
        put("approvalAmt", won(self.approval_amount).as_deref())?;
        put("approvalNo", self.approval_number.as_deref())?;
        if let Some(c) = &self.cash_receipt {
            put("cashReceiptType", c.kind.as_ref().map(|k| k.code()))?;
            put("cashReceiptTypeName", c.kind_name.as_deref())?;
            put("cashReceiptSupplyAmt", won(c.supply_amount).as_deref())?;
            put("cashReceiptVat", won(c.vat).as_deref())?;
        }
        if let Some(c) = &self.card {
            put("cardNo", c.number.as_ref().map(|n| n.as_str()))?;
            put("cardQuota", c.quota.as_deref())?;
            put("cardIssueCode", c.issuer.as_ref().map(|i| i.code()))?;
            put("cardIssueName", c.issuer_name.as_deref())?;
            put("cardAcquireCode", c.acquirer.as_ref().map(|a| a.code()))?;
            put("cardAcquireName", c.acquirer_name.as_deref())?;
        }
        if let Some(c) = &self.cancel {
            put("cancelAmt", won(c.amount).as_deref())?;
            put("cancelMsg", c.message.as_deref())?;
            put("cancelResultCode", c.result_code.as_deref())?;
            put("cancelResultMsg", c.result_message.as_deref())?;
            put("cancelAppDate", c.app_date.as_deref())?;
            put("cancelAppTime", c.app_time.as_deref())?;
            put("cancelPgTid", c.pg_tid.as_ref().map(|t| t.as_str()))?;
            put("cancelApprovalAmt", won(c.approval_amount).as_deref())?;
            put("cancelApprovalNo", c.approval_number.as_deref())?;
        }
        if !self.goods.is_empty() {
            put("goodsSize", Some(&self.goods.len().to_string()))?;
            let columns: [(&str, Vec<Option<String>>); 5] = [
                (
                    "goodsCodeArray[]",
                    self.goods
                        .iter()
                        .map(|g| g.code.as_ref().map(|c| c.to_string()))
                        .collect(),
                ),
                (
                    "goodsNameArray[]",
                    self.goods
                        .iter()
                        .map(|g| g.name.as_ref().map(|c| c.to_string()))
                        .collect(),
                ),
                (
                    "goodsAmtArray[]",
                    self.goods.iter().map(|g| won(g.amount)).collect(),
                ),
                (
                    "goodsCntArray[]",
                    self.goods
                        .iter()
                        .map(|g| g.count.map(|c| c.to_string()))
                        .collect(),
                ),
                (
                    "totalAmtArray[]",
                    self.goods.iter().map(|g| won(g.total)).collect(),
                ),
            ];
            for (name, values) in &columns {
                // An array is sent when any item has the field; gaps are sent empty.
                if values.iter().any(Option::is_some) {
                    for value in values {
                        put(name, Some(value.as_deref().unwrap_or_default()))?;
                    }
                }
            }
        }
        if let Some(s) = &self.shipping {
            put("zoneCode", s.zone_code.as_deref())?;
            put("address", s.address.as_deref())?;
            put("addressDetail", s.address_detail.as_deref())?;
            put("recipientName", s.recipient_name.as_deref())?;
            put("recipientPhoneNo", s.recipient_phone_no.as_deref())?;
            put("comment", s.comment.as_deref())?;
        }
        put("stateCd", self.state_code.as_deref())?;
        put("billKey", self.bill_key.as_ref().map(|k| k.expose()))?;
        for (name, value) in &self.extra {
            put(name, Some(value))?;
        }
        Ok(e.finish())
    }
}
