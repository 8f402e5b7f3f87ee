//! Decoding a notification body: one pass over the form's pairs, then typing, reporting every
//! bad field at once.

use pg_core::field_spec::{Rule, Validator, Violation};
use pg_core::form::{Form, FormLimits};
use pg_core::{CardCompany, InvalidInput, MaskedCardNumber, Moid, Tid, Won};

use super::{
    BillingKey, CancelDetails, CardDetails, CashReceipt, CashReceiptKind, LineItem, Notification,
    NotificationStatus, PayMethod, Shipping,
};

/// Every scalar field of the manual, by wire name, in table order.
pub(super) const SCALARS: &[&str] = &[
    "transSeq",
    "userId",
    "userName",
    "userPhoneNo",
    "moid",
    "goodsName",
    "goodsAmt",
    "buyerCode",
    "buyerName",
    "buyerPhoneNo",
    "pgCode",
    "pgName",
    "payMethod",
    "payMethodName",
    "pgMid",
    "pgSid",
    "status",
    "statusName",
    "pgResultCode",
    "pgResultMsg",
    "pgAppDate",
    "pgAppTime",
    "pgTid",
    "approvalAmt",
    "approvalNo",
    "cashReceiptType",
    "cashReceiptTypeName",
    "cashReceiptSupplyAmt",
    "cashReceiptVat",
    "cardNo",
    "cardQuota",
    "cardIssueCode",
    "cardIssueName",
    "cardAcquireCode",
    "cardAcquireName",
    "cancelAmt",
    "cancelMsg",
    "cancelResultCode",
    "cancelResultMsg",
    "cancelAppDate",
    "cancelAppTime",
    "cancelPgTid",
    "cancelApprovalAmt",
    "cancelApprovalNo",
    "goodsSize",
    "zoneCode",
    "address",
    "addressDetail",
    "recipientName",
    "recipientPhoneNo",
    "comment",
    "stateCd",
    "billKey",
];

/// The goods arrays (4.2.5), sent as repeated `name[]` (or `name`) keys.
pub(super) const ARRAYS: [&str; 5] = [
    "goodsCodeArray",
    "goodsNameArray",
    "goodsAmtArray",
    "goodsCntArray",
    "totalAmtArray",
];

fn index_of(name: &str) -> Option<usize> {
    SCALARS.iter().position(|s| *s == name)
}

/// Values gathered in one pass.
struct Raw<'a> {
    scalars: Vec<Option<&'a str>>,
    arrays: [Vec<&'a str>; 5],
    extra: Vec<(String, String)>,
}

impl<'a> Raw<'a> {
    fn get(&self, name: &str) -> Option<&'a str> {
        index_of(name).and_then(|i| self.scalars[i])
    }

    /// A free-text field: as sent, `None` when empty.
    fn text(&self, name: &str) -> Option<String> {
        self.get(name).filter(|v| !v.is_empty()).map(str::to_owned)
    }

    /// A code or identifier field: trimmed, `None` when blank.
    fn code(&self, name: &str) -> Option<&'a str> {
        self.get(name).map(str::trim).filter(|v| !v.is_empty())
    }

    fn won(&self, name: &'static str, v: &mut Validator) -> Option<Won> {
        parse_won(self.code(name), name, v)
    }

    fn any(&self, names: &[&str]) -> bool {
        names.iter().any(|n| self.code(n).is_some())
    }
}

fn parse_won(text: Option<&str>, field: &'static str, v: &mut Validator) -> Option<Won> {
    match Won::parse(text?) {
        Ok(w) => Some(w),
        Err(e) => {
            v.push(Violation::new(
                field,
                Rule::Format {
                    expected: "an amount of won",
                    reason: e.to_string(),
                },
            ));
            None
        }
    }
}

impl Notification {
    /// Decodes a notification body (UTF-8 or EUC-KR: declared in `content_type`, or detected).
    ///
    /// A notification without `moid`, `pgTid`, `status`, or an amount (`approvalAmt` or
    /// `goodsAmt`) is invalid; so is a malformed amount, and goods arrays of unequal length or
    /// disagreeing with `goodsSize`. Every such problem is reported at once.
    pub fn decode(body: &[u8], content_type: Option<&str>) -> Result<Notification, InvalidInput> {
        Notification::decode_with_limits(body, content_type, &FormLimits::default())
    }

    /// [`Notification::decode`] with explicit body limits.
    pub fn decode_with_limits(
        body: &[u8],
        content_type: Option<&str>,
        limits: &FormLimits,
    ) -> Result<Notification, InvalidInput> {
        let form = Form::parse_with_content_type(body, content_type, limits)?;
        Notification::from_form(&form)
    }

    /// Types an already parsed form.
    pub fn from_form(form: &Form<'_>) -> Result<Notification, InvalidInput> {
        let mut raw = Raw {
            scalars: vec![None; SCALARS.len()],
            arrays: Default::default(),
            extra: Vec::new(),
        };
        for (name, value) in form.pairs() {
            let stem = name.strip_suffix("[]").unwrap_or(name);
            if let Some(i) = ARRAYS.iter().position(|a| *a == stem) {
                raw.arrays[i].push(value);
            } else if let Some(i) = index_of(name).filter(|&i| raw.scalars[i].is_none()) {
                raw.scalars[i] = Some(value);
            } else {
                raw.extra.push((name.to_owned(), value.to_owned()));
            }
        }
        let mut v = Validator::new();
        let moid = match raw.code("moid") {
            None => {
                v.push(Violation::new("moid", Rule::Missing));
                None
            }
            Some(m) => Moid::received(m)
                .map_err(|e| v.push(Violation::new("moid", id_rule(e))))
                .ok(),
        };
        let pg_tid = match raw.code("pgTid") {
            None => {
                v.push(Violation::new("pgTid", Rule::Missing));
                None
            }
            Some(t) => Tid::received(t)
                .map_err(|e| v.push(Violation::new("pgTid", id_rule(e))))
                .ok(),
        };
        let status = raw.code("status").map(NotificationStatus::from_code);
        if status.is_none() {
            v.push(Violation::new("status", Rule::Missing));
        }
        let goods_amount = raw.won("goodsAmt", &mut v);
        let approval_amount = raw.won("approvalAmt", &mut v);
        if raw.code("goodsAmt").is_none() && raw.code("approvalAmt").is_none() {
            v.push(Violation::new("approvalAmt", Rule::Missing));
        }
        let cash_receipt = decode_cash_receipt(&raw, &mut v);
        let cancel = decode_cancel(&raw, &mut v);
        let goods = decode_goods(&raw, &mut v);
        let card = raw
            .any(&[
                "cardNo",
                "cardQuota",
                "cardIssueCode",
                "cardIssueName",
                "cardAcquireCode",
                "cardAcquireName",
            ])
            .then(|| CardDetails {
                number: raw.code("cardNo").map(MaskedCardNumber::from_received),
                quota: raw.code("cardQuota").map(str::to_owned),
                issuer: raw.code("cardIssueCode").map(CardCompany::from_code),
                issuer_name: raw.text("cardIssueName"),
                acquirer: raw.code("cardAcquireCode").map(CardCompany::from_code),
                acquirer_name: raw.text("cardAcquireName"),
            });
        let shipping = raw
            .any(&[
                "zoneCode",
                "address",
                "addressDetail",
                "recipientName",
                "recipientPhoneNo",
                "comment",
            ])
            .then(|| Shipping {
                zone_code: raw.code("zoneCode").map(str::to_owned),
                address: raw.text("address"),
                address_detail: raw.text("addressDetail"),
                recipient_name: raw.text("recipientName"),
                recipient_phone_no: raw.code("recipientPhoneNo").map(str::to_owned),
                comment: raw.text("comment"),
            });
        v.finish()?;
        let (Some(moid), Some(pg_tid), Some(status)) = (moid, pg_tid, status) else {
            return Err(InvalidInput::single("(notification)", Rule::Missing));
        };
        let code = |name: &str| raw.code(name).map(str::to_owned);
        Ok(Notification {
            trans_seq: code("transSeq"),
            user_id: raw.text("userId"),
            user_name: raw.text("userName"),
            user_phone_no: code("userPhoneNo"),
            moid,
            goods_name: raw.text("goodsName"),
            goods_amount,
            buyer_code: code("buyerCode"),
            buyer_name: raw.text("buyerName"),
            buyer_phone_no: code("buyerPhoneNo"),
            pg_code: code("pgCode"),
            pg_name: raw.text("pgName"),
            pay_method: raw.code("payMethod").map(PayMethod::from_code),
            pay_method_name: raw.text("payMethodName"),
            pg_mid: code("pgMid"),
            pg_sid: code("pgSid"),
            status,
            status_name: raw.text("statusName"),
            pg_result_code: code("pgResultCode"),
            pg_result_message: raw.text("pgResultMsg"),
            pg_app_date: code("pgAppDate"),
            pg_app_time: code("pgAppTime"),
            pg_tid,
            approval_amount,
            approval_number: code("approvalNo"),
            cash_receipt,
            card,
            cancel,
            goods,
            shipping,
            state_code: code("stateCd"),
            bill_key: raw.code("billKey").map(BillingKey::new),
            extra: raw.extra,
            charset: form.charset(),
        })
    }
}

fn id_rule(e: pg_core::InvalidId) -> Rule {
    Rule::Format {
        expected: "an identifier as the gateway sends it",
        reason: e.rule.to_string(),
    }
}

fn decode_cash_receipt(raw: &Raw<'_>, v: &mut Validator) -> Option<CashReceipt> {
    if !raw.any(&[
        "cashReceiptType",
        "cashReceiptTypeName",
        "cashReceiptSupplyAmt",
        "cashReceiptVat",
    ]) {
        return None;
    }
    Some(CashReceipt {
        kind: raw.code("cashReceiptType").map(CashReceiptKind::from_code),
        kind_name: raw.text("cashReceiptTypeName"),
        supply_amount: raw.won("cashReceiptSupplyAmt", v),
        vat: raw.won("cashReceiptVat", v),
    })
}

fn decode_cancel(raw: &Raw<'_>, v: &mut Validator) -> Option<CancelDetails> {
    const NAMES: [&str; 9] = [
        "cancelAmt",
        "cancelMsg",
        "cancelResultCode",
        "cancelResultMsg",
        "cancelAppDate",
        "cancelAppTime",
        "cancelPgTid",
        "cancelApprovalAmt",
        "cancelApprovalNo",
    ];
    if !raw.any(&NAMES) {
        return None;
    }
    let pg_tid = raw.code("cancelPgTid").and_then(|t| {
        Tid::received(t)
            .map_err(|e| v.push(Violation::new("cancelPgTid", id_rule(e))))
            .ok()
    });
    Some(CancelDetails {
        amount: raw.won("cancelAmt", v),
        message: raw.text("cancelMsg"),
        result_code: raw.code("cancelResultCode").map(str::to_owned),
        result_message: raw.text("cancelResultMsg"),
        app_date: raw.code("cancelAppDate").map(str::to_owned),
        app_time: raw.code("cancelAppTime").map(str::to_owned),
        pg_tid,
        approval_amount: raw.won("cancelApprovalAmt", v),
        approval_number: raw.code("cancelApprovalNo").map(str::to_owned),
    })
}

/// Zips the goods arrays. Present arrays must have equal lengths, and `goodsSize`, when sent,
/// must equal the number of items.
fn decode_goods(raw: &Raw<'_>, v: &mut Validator) -> Vec<LineItem> {
    let lengths: Vec<(&str, usize)> = ARRAYS
        .iter()
        .zip(&raw.arrays)
        .filter(|(_, values)| !values.is_empty())
        .map(|(name, values)| (*name, values.len()))
        .collect();
    let count = lengths.first().map_or(0, |(_, n)| *n);
    if let Some((name, n)) = lengths.iter().find(|(_, n)| *n != count) {
        v.push(Violation::new(
            format!("{name}[]"),
            Rule::Constraint(
                format!(
                    "goods arrays must have equal lengths: {} has {count}, {name}[] has {n}",
                    lengths[0].0
                )
                .into(),
            ),
        ));
        return Vec::new();
    }
    if let Some(size) = raw.code("goodsSize") {
        match size.parse::<usize>() {
            Ok(size) if size == count => {}
            Ok(size) => {
                v.push(Violation::new(
                    "goodsSize",
                    Rule::Constraint(
                        format!("is {size}, but the goods arrays have {count} items").into(),
                    ),
                ));
            }
            Err(_) => {
                v.push(Violation::new(
                    "goodsSize",
                    Rule::Format {
                        expected: "a count (digits)",
                        reason: format!("{size:?} is not a number"),
                    },
                ));
            }
        }
    }
    let item = |array: usize, i: usize| {
        raw.arrays[array]
            .get(i)
            .copied()
            .filter(|s| !s.trim().is_empty())
    };
    (0..count)
        .map(|i| LineItem {
            code: item(0, i).map(|s| s.trim().to_owned()),
            name: item(1, i).map(str::to_owned),
            amount: parse_won(item(2, i), "goodsAmtArray[]", v),
            count: item(3, i).and_then(|c| match Won::parse(c) {
                Ok(n) => Some(n.get()),
                Err(e) => {
                    v.push(Violation::new(
                        "goodsCntArray[]",
                        Rule::Format {
                            expected: "a count (digits)",
                            reason: e.to_string(),
                        },
                    ));
                    None
                }
            }),
            total: parse_won(item(4, i), "totalAmtArray[]", v),
        })
        .collect()
}
