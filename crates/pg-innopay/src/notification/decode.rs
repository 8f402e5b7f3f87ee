//! Decoding a notification body: one pass over the form's pairs, then typing, reporting every
//! bad field at once.

use pg_core::field_spec::{Rule, Validator, Violation, read_code, read_money};
use pg_core::form::{Form, FormLimits};
use pg_core::{
    CardCompany, CompactString, InvalidInput, MaskedCardNumber, Moid, Tid, Warning, Won,
};

use super::goods;
use super::names::{F, Known, SCALAR_COUNT, SCALARS, known};
use super::{
    BillingKey, CancelDetails, CardDetails, CashReceipt, CashReceiptKind, Notification,
    NotificationStatus, PayMethod, Shipping,
};

/// Values gathered in one pass.
pub(super) struct Raw<'a> {
    scalars: [Option<&'a str>; SCALAR_COUNT],
    /// Items of the goods arrays sent as `name[]` or `name`, in order: (array, value).
    pub(super) arrays: Vec<(usize, &'a str)>,
    /// Items sent with an index, `name[3]`: (array, index, value).
    pub(super) indexed: Vec<(usize, usize, &'a str)>,
    pub(super) extra: Vec<(CompactString, CompactString)>,
}

impl<'a> Raw<'a> {
    fn get(&self, f: F) -> Option<&'a str> {
        self.scalars[f as usize]
    }

    /// A money field (an amount this notification reports): unreadable is a violation.
    fn money(&self, f: F, v: &mut Validator) -> Option<Won> {
        money(self.code(f), SCALARS[f as usize], v)
    }

    /// A lenient amount (a receipt's VAT, a line item): unreadable is a warning, and the raw
    /// value is kept.
    fn lenient_won(&mut self, f: F, warnings: &mut Vec<Warning>) -> Option<Won> {
        let text = self.code(f)?;
        match Won::parse(text) {
            Ok(w) => Some(w),
            Err(e) => {
                let name = SCALARS[f as usize];
                warnings.push(Warning::new(
                    name,
                    format!("not an amount of won: {e}"),
                    text,
                ));
                self.extra.push((name.into(), text.into()));
                None
            }
        }
    }

    /// A free-text field: as sent, `None` when empty.
    fn text(&self, f: F) -> Option<CompactString> {
        self.get(f)
            .filter(|v| !v.is_empty())
            .map(CompactString::from)
    }

    /// A code or identifier field: trimmed, `None` when blank.
    pub(super) fn code(&self, f: F) -> Option<&'a str> {
        self.get(f)
            .map(pg_core::text::trim)
            .filter(|v| !v.is_empty())
    }

    fn any(&self, fields: &[F]) -> bool {
        fields.iter().any(|f| self.code(*f).is_some())
    }
}

/// An amount that moves money: unreadable, or over 12 digits, is a violation.
fn money(text: Option<&str>, field: &'static str, v: &mut Validator) -> Option<Won> {
    read_money(field, text?).map_err(|e| v.push(e)).ok()
}

impl Notification {
    /// Decodes a notification body (UTF-8 or EUC-KR: declared in `content_type`, or detected).
    ///
    /// A notification without `moid`, `pgTid`, `status`, or an amount (`approvalAmt` or
    /// `goodsAmt`) is invalid; so is a malformed amount, and goods arrays of unequal length or
    /// disagreeing with `goodsSize`. Every such problem is reported at once.
    #[inline]
    pub fn decode(body: &[u8], content_type: Option<&str>) -> Result<Notification, InvalidInput> {
        Notification::decode_with_limits(body, content_type, &FormLimits::default())
    }

    /// [`Notification::decode`] with explicit body limits.
    #[inline]
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
            arrays: Vec::new(),
            indexed: Vec::new(),
            extra: Vec::new(),
        };
        for (name, value) in form.pairs() {
            match known(name) {
                Some(Known::Scalar(f)) => {
                    let slot = &mut raw.scalars[f as usize];
                    if slot.is_none() {
                        *slot = Some(value);
                        continue;
                    }
                }
                Some(Known::Array(array)) => {
                    if raw.arrays.capacity() == 0 {
                        // Room for a few items of each array at once, not grown step by step.
                        raw.arrays.reserve(32);
                    }
                    raw.arrays.push((array, value));
                    continue;
                }
                // `goodsCodeArray[3]`: an item sent with its index.
                None => {
                    if let Some((array, index)) = goods::array_of(name) {
                        match index {
                            None => raw.arrays.push((array, value)),
                            Some(index) => {
                                if raw.indexed.capacity() == 0 {
                                    // As for the arrays: grown one item at a time, it had
                                    // cost a body of fifteen indexed items 2,400 instructions.
                                    raw.indexed.reserve(32);
                                }
                                raw.indexed.push((array, index, value));
                            }
                        }
                        continue;
                    }
                }
            }
            // Kept as received, but never a card number or a secret in full (a second
            // `cardNo`, a field the manual does not list).
            if raw.extra.capacity() == 0 {
                // Bodies with unknown fields carry several: one allocation, not three.
                raw.extra.reserve(16);
            }
            raw.extra.push((
                name.into(),
                pg_core::mask::field_value(name, value).as_ref().into(),
            ));
        }
        // Strict: what identifies the payment and the money it moves; a violation refuses the
        // notification (the gateway resends). Lenient: everything else, kept and warned about.
        let mut v = Validator::new();
        let mut warnings = Vec::new();
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
        let status = status_of(raw.get(F::Status), &mut v);
        // The amount: `approvalAmt`, else `goodsAmt` (then strict, since it is the amount).
        let approval_amount = raw.money(F::ApprovalAmt, &mut v);
        let goods_amount = if raw.code(F::ApprovalAmt).is_some() {
            raw.lenient_won(F::GoodsAmt, &mut warnings)
        } else {
            raw.money(F::GoodsAmt, &mut v)
        };
        if raw.code(F::GoodsAmt).is_none() && raw.code(F::ApprovalAmt).is_none() {
            v.push(Violation::new("approvalAmt", Rule::Missing));
        }
        let cancelled = status == Some(NotificationStatus::Cancelled);
        let cash_receipt = decode_cash_receipt(&mut raw, &mut warnings);
        let cancel = decode_cancel(&mut raw, cancelled, &mut v, &mut warnings);
        let goods = goods::decode(&mut raw, &mut warnings);
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
            warnings,
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

/// `status`: a code of at most 2 letters or digits (`25`, `85`; others kept as received).
fn status_of(raw: Option<&str>, v: &mut Validator) -> Option<NotificationStatus> {
    read_code("status", raw.unwrap_or_default(), 2)
        .map(NotificationStatus::from_code)
        .map_err(|e| v.push(e))
        .ok()
}

fn decode_cash_receipt(raw: &mut Raw<'_>, w: &mut Vec<Warning>) -> Option<CashReceipt> {
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
        supply_amount: raw.lenient_won(F::CashReceiptSupplyAmt, w),
        vat: raw.lenient_won(F::CashReceiptVat, w),
    })
}

/// The cancel block (4.2.4). On a cancel (`status` 85), `cancelAmt` is the amount the event
/// moves: required and strict. `cancelPgTid` identifies the cancel: strict when sent.
fn decode_cancel(
    raw: &mut Raw<'_>,
    cancelled: bool,
    v: &mut Validator,
    w: &mut Vec<Warning>,
) -> Option<CancelDetails> {
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
    if cancelled && raw.code(F::CancelAmt).is_none() {
        v.push(Violation::new(
            "cancelAmt",
            Rule::Constraint("is required on a cancel (status 85): the amount it cancels".into()),
        ));
    }
    if !raw.any(&NAMES) {
        return None;
    }
    let pg_tid = raw.code(F::CancelPgTid).and_then(|t| {
        Tid::received(t)
            .map_err(|e| v.push(Violation::new("cancelPgTid", id_rule(e))))
            .ok()
    });
    Some(CancelDetails {
        amount: raw.money(F::CancelAmt, v),
        message: raw.text(F::CancelMsg),
        result_code: raw.code(F::CancelResultCode).map(CompactString::from),
        result_message: raw.text(F::CancelResultMsg),
        app_date: raw.code(F::CancelAppDate).map(CompactString::from),
        app_time: raw.code(F::CancelAppTime).map(CompactString::from),
        pg_tid,
        approval_amount: raw.lenient_won(F::CancelApprovalAmt, w),
        approval_number: raw.code(F::CancelApprovalNo).map(CompactString::from),
    })
}
