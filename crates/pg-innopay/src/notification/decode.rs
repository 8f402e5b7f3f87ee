//! Decoding a notification body: one pass over the form's pairs, then typing, reporting every
//! bad field at once.

use pg_core::field_spec::{Rule, Validator, Violation};
use pg_core::form::{Form, FormLimits};
use pg_core::{CardCompany, CompactString, InvalidInput, MaskedCardNumber, Moid, Tid, Won};

use super::{
    BillingKey, CancelDetails, CardDetails, CashReceipt, CashReceiptKind, LineItem, Notification,
    NotificationStatus, PayMethod, Shipping,
};

/// Declares the scalar fields once: an index per field, the wire names in table order, and a
/// `match` from name to index (the compiler's string match beats a linear scan by far).
macro_rules! scalar_fields {
    ($($variant:ident = $name:literal,)*) => {
        /// A scalar field of the manual, in table order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(super) enum F {
            $($variant,)*
        }

        /// Every scalar field's wire name, in table order.
        pub(super) const SCALARS: &[&str] = &[$($name,)*];

        fn field_of(name: &str) -> Option<F> {
            match name {
                $($name => Some(F::$variant),)*
                _ => None,
            }
        }
    };
}

scalar_fields! {
    TransSeq = "transSeq",
    UserId = "userId",
    UserName = "userName",
    UserPhoneNo = "userPhoneNo",
    Moid = "moid",
    GoodsName = "goodsName",
    GoodsAmt = "goodsAmt",
    BuyerCode = "buyerCode",
    BuyerName = "buyerName",
    BuyerPhoneNo = "buyerPhoneNo",
    PgCode = "pgCode",
    PgName = "pgName",
    PayMethod = "payMethod",
    PayMethodName = "payMethodName",
    PgMid = "pgMid",
    PgSid = "pgSid",
    Status = "status",
    StatusName = "statusName",
    PgResultCode = "pgResultCode",
    PgResultMsg = "pgResultMsg",
    PgAppDate = "pgAppDate",
    PgAppTime = "pgAppTime",
    PgTid = "pgTid",
    ApprovalAmt = "approvalAmt",
    ApprovalNo = "approvalNo",
    CashReceiptType = "cashReceiptType",
    CashReceiptTypeName = "cashReceiptTypeName",
    CashReceiptSupplyAmt = "cashReceiptSupplyAmt",
    CashReceiptVat = "cashReceiptVat",
    CardNo = "cardNo",
    CardQuota = "cardQuota",
    CardIssueCode = "cardIssueCode",
    CardIssueName = "cardIssueName",
    CardAcquireCode = "cardAcquireCode",
    CardAcquireName = "cardAcquireName",
    CancelAmt = "cancelAmt",
    CancelMsg = "cancelMsg",
    CancelResultCode = "cancelResultCode",
    CancelResultMsg = "cancelResultMsg",
    CancelAppDate = "cancelAppDate",
    CancelAppTime = "cancelAppTime",
    CancelPgTid = "cancelPgTid",
    CancelApprovalAmt = "cancelApprovalAmt",
    CancelApprovalNo = "cancelApprovalNo",
    GoodsSize = "goodsSize",
    ZoneCode = "zoneCode",
    Address = "address",
    AddressDetail = "addressDetail",
    RecipientName = "recipientName",
    RecipientPhoneNo = "recipientPhoneNo",
    Comment = "comment",
    StateCd = "stateCd",
    BillKey = "billKey",
}

/// The goods arrays (4.2.5), sent as repeated `name[]` (or `name`) keys.
pub(super) const ARRAYS: [&str; 5] = [
    "goodsCodeArray",
    "goodsNameArray",
    "goodsAmtArray",
    "goodsCntArray",
    "totalAmtArray",
];

/// Values gathered in one pass.
struct Raw<'a> {
    scalars: [Option<&'a str>; SCALAR_COUNT],
    arrays: [Vec<&'a str>; 5],
    extra: Vec<(CompactString, CompactString)>,
}

const SCALAR_COUNT: usize = 53;

impl<'a> Raw<'a> {
    fn get(&self, f: F) -> Option<&'a str> {
        self.scalars[f as usize]
    }

    /// A free-text field: as sent, `None` when empty.
    fn text(&self, f: F) -> Option<CompactString> {
        self.get(f)
            .filter(|v| !v.is_empty())
            .map(CompactString::from)
    }

    /// A code or identifier field: trimmed, `None` when blank.
    fn code(&self, f: F) -> Option<&'a str> {
        self.get(f)
            .map(pg_core::text::trim)
            .filter(|v| !v.is_empty())
    }

    fn won(&self, f: F, v: &mut Validator) -> Option<Won> {
        parse_won(self.code(f), SCALARS[f as usize], v)
    }

    fn any(&self, fields: &[F]) -> bool {
        fields.iter().any(|f| self.code(*f).is_some())
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
            scalars: [None; SCALAR_COUNT],
            arrays: Default::default(),
            extra: Vec::new(),
        };
        for (name, value) in form.pairs() {
            if let Some(f) = field_of(name) {
                let slot = &mut raw.scalars[f as usize];
                if slot.is_none() {
                    *slot = Some(value);
                    continue;
                }
            } else {
                let stem = name.strip_suffix("[]").unwrap_or(name);
                if let Some(i) = ARRAYS.iter().position(|a| *a == stem) {
                    raw.arrays[i].push(value);
                    continue;
                }
            }
            raw.extra.push((name.into(), value.into()));
        }
        let mut v = Validator::new();
        let moid = match raw.code(F::Moid) {
            None => {
                v.push(Violation::new("moid", Rule::Missing));
                None
            }
            Some(m) => Moid::received(m)
                .map_err(|e| v.push(Violation::new("moid", id_rule(e))))
                .ok(),
        };
        let pg_tid = match raw.code(F::PgTid) {
            None => {
                v.push(Violation::new("pgTid", Rule::Missing));
                None
            }
            Some(t) => Tid::received(t)
                .map_err(|e| v.push(Violation::new("pgTid", id_rule(e))))
                .ok(),
        };
        let status = raw.code(F::Status).map(NotificationStatus::from_code);
        if status.is_none() {
            v.push(Violation::new("status", Rule::Missing));
        }
        let goods_amount = raw.won(F::GoodsAmt, &mut v);
        let approval_amount = raw.won(F::ApprovalAmt, &mut v);
        if raw.code(F::GoodsAmt).is_none() && raw.code(F::ApprovalAmt).is_none() {
            v.push(Violation::new("approvalAmt", Rule::Missing));
        }
        let cash_receipt = decode_cash_receipt(&raw, &mut v);
        let cancel = decode_cancel(&raw, &mut v);
        let goods = decode_goods(&raw, &mut v);
        let card = raw
            .any(&[
                F::CardNo,
                F::CardQuota,
                F::CardIssueCode,
                F::CardIssueName,
                F::CardAcquireCode,
                F::CardAcquireName,
            ])
            .then(|| CardDetails {
                number: raw.code(F::CardNo).map(MaskedCardNumber::from_received),
                quota: raw.code(F::CardQuota).map(CompactString::from),
                issuer: raw.code(F::CardIssueCode).map(CardCompany::from_code),
                issuer_name: raw.text(F::CardIssueName),
                acquirer: raw.code(F::CardAcquireCode).map(CardCompany::from_code),
                acquirer_name: raw.text(F::CardAcquireName),
            });
        let shipping = raw
            .any(&[
                F::ZoneCode,
                F::Address,
                F::AddressDetail,
                F::RecipientName,
                F::RecipientPhoneNo,
                F::Comment,
            ])
            .then(|| Shipping {
                zone_code: raw.code(F::ZoneCode).map(CompactString::from),
                address: raw.text(F::Address),
                address_detail: raw.text(F::AddressDetail),
                recipient_name: raw.text(F::RecipientName),
                recipient_phone_no: raw.code(F::RecipientPhoneNo).map(CompactString::from),
                comment: raw.text(F::Comment),
            });
        v.finish()?;
        let (Some(moid), Some(pg_tid), Some(status)) = (moid, pg_tid, status) else {
            return Err(InvalidInput::single("(notification)", Rule::Missing));
        };
        let code = |f: F| raw.code(f).map(CompactString::from);
        Ok(Notification {
            trans_seq: code(F::TransSeq),
            user_id: raw.text(F::UserId),
            user_name: raw.text(F::UserName),
            user_phone_no: code(F::UserPhoneNo),
            moid,
            goods_name: raw.text(F::GoodsName),
            goods_amount,
            buyer_code: code(F::BuyerCode),
            buyer_name: raw.text(F::BuyerName),
            buyer_phone_no: code(F::BuyerPhoneNo),
            pg_code: code(F::PgCode),
            pg_name: raw.text(F::PgName),
            pay_method: raw.code(F::PayMethod).map(PayMethod::from_code),
            pay_method_name: raw.text(F::PayMethodName),
            pg_mid: code(F::PgMid),
            pg_sid: code(F::PgSid),
            status,
            status_name: raw.text(F::StatusName),
            pg_result_code: code(F::PgResultCode),
            pg_result_message: raw.text(F::PgResultMsg),
            pg_app_date: code(F::PgAppDate),
            pg_app_time: code(F::PgAppTime),
            pg_tid,
            approval_amount,
            approval_number: code(F::ApprovalNo),
            cash_receipt,
            card,
            cancel,
            goods,
            shipping,
            state_code: code(F::StateCd),
            bill_key: raw.code(F::BillKey).map(BillingKey::new),
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
        F::CashReceiptType,
        F::CashReceiptTypeName,
        F::CashReceiptSupplyAmt,
        F::CashReceiptVat,
    ]) {
        return None;
    }
    Some(CashReceipt {
        kind: raw.code(F::CashReceiptType).map(CashReceiptKind::from_code),
        kind_name: raw.text(F::CashReceiptTypeName),
        supply_amount: raw.won(F::CashReceiptSupplyAmt, v),
        vat: raw.won(F::CashReceiptVat, v),
    })
}

fn decode_cancel(raw: &Raw<'_>, v: &mut Validator) -> Option<CancelDetails> {
    const NAMES: [F; 9] = [
        F::CancelAmt,
        F::CancelMsg,
        F::CancelResultCode,
        F::CancelResultMsg,
        F::CancelAppDate,
        F::CancelAppTime,
        F::CancelPgTid,
        F::CancelApprovalAmt,
        F::CancelApprovalNo,
    ];
    if !raw.any(&NAMES) {
        return None;
    }
    let pg_tid = raw.code(F::CancelPgTid).and_then(|t| {
        Tid::received(t)
            .map_err(|e| v.push(Violation::new("cancelPgTid", id_rule(e))))
            .ok()
    });
    Some(CancelDetails {
        amount: raw.won(F::CancelAmt, v),
        message: raw.text(F::CancelMsg),
        result_code: raw.code(F::CancelResultCode).map(CompactString::from),
        result_message: raw.text(F::CancelResultMsg),
        app_date: raw.code(F::CancelAppDate).map(CompactString::from),
        app_time: raw.code(F::CancelAppTime).map(CompactString::from),
        pg_tid,
        approval_amount: raw.won(F::CancelApprovalAmt, v),
        approval_number: raw.code(F::CancelApprovalNo).map(CompactString::from),
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
    if let Some(size) = raw.code(F::GoodsSize) {
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
            code: item(0, i).map(|s| CompactString::from(s.trim())),
            name: item(1, i).map(CompactString::from),
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
