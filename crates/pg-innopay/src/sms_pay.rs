//! SMS card-payment API (manual 2.2, 2.3): register an order; Innopay texts the buyer a payment
//! link. `POST /api/smsPayApi`, JSON both ways.

use std::collections::BTreeMap;

use pg_core::field_spec::{FieldSpec, Rule, Validator, Violation};
use pg_core::{
    FieldValue, InvalidInput, KstDateTime, KstFormat, Mid, Moid, PhoneNumber, ProtocolError,
    Refusal, Slot, Warning, Won,
};
use pg_http::{HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::Value;

use crate::config::Environment;
use crate::generated::fields::sms_pay as spec;
use crate::web_link::SubPayMethod;

/// A validated SMS payment request. Build one with [`SmsPaymentRequest::builder`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsPaymentRequest {
    moid: Moid,
    goods_name: String,
    amount: Won,
    duty_free_amount: Option<Won>,
    buyer_name: String,
    buyer_phone: PhoneNumber,
    buyer_email: Option<String>,
    deadline: Option<KstDateTime>,
    user_id: Option<String>,
    sub_method: Option<SubPayMethod>,
}

/// Builder for [`SmsPaymentRequest`]: setters take typed values or text; `build` reports every
/// bad field at once, by its wire name.
#[derive(Debug, Clone, Default)]
pub struct SmsPaymentRequestBuilder {
    moid: Slot<Moid>,
    goods_name: Option<String>,
    amount: Slot<Won>,
    duty_free_amount: Slot<Won>,
    buyer_name: Option<String>,
    buyer_phone: Slot<PhoneNumber>,
    buyer_email: Option<String>,
    deadline: Slot<KstDateTime>,
    user_id: Option<String>,
    sub_method: Option<SubPayMethod>,
}

impl SmsPaymentRequestBuilder {
    /// `moid`, the order number (가맹점 주문번호). Required.
    pub fn moid(mut self, value: impl FieldValue<Moid>) -> Self {
        self.moid = Slot::from_value(value);
        self
    }
    /// `goodsName` (상품명), shown in the SMS. Required.
    pub fn goods_name(mut self, value: impl Into<String>) -> Self {
        self.goods_name = Some(value.into());
        self
    }
    /// `amt` (결제요청금액). Required.
    pub fn amount(mut self, value: impl FieldValue<Won>) -> Self {
        self.amount = Slot::from_value(value);
        self
    }
    /// `dutyFreeAmt` (면세금액).
    pub fn duty_free_amount(mut self, value: impl FieldValue<Won>) -> Self {
        self.duty_free_amount = Slot::from_value(value);
        self
    }
    /// `buyerName` (결제자 이름). Required.
    pub fn buyer_name(mut self, value: impl Into<String>) -> Self {
        self.buyer_name = Some(value.into());
        self
    }
    /// `buyerTel`, the mobile number the link is texted to. Required.
    pub fn buyer_phone(mut self, value: impl FieldValue<PhoneNumber>) -> Self {
        self.buyer_phone = Slot::from_value(value);
        self
    }
    /// `buyerEmail`.
    pub fn buyer_email(mut self, value: impl Into<String>) -> Self {
        self.buyer_email = Some(value.into());
        self
    }
    /// `payExpDate`, the payment deadline (default: 23:59:59 KST the next day).
    pub fn deadline(mut self, value: impl FieldValue<KstDateTime>) -> Self {
        self.deadline = Slot::from_value(value);
        self
    }
    /// `userId`, the buyer's member id.
    pub fn user_id(mut self, value: impl Into<String>) -> Self {
        self.user_id = Some(value.into());
        self
    }
    /// `svcPrdtCd`, the sub-method.
    pub fn sub_method(mut self, value: SubPayMethod) -> Self {
        self.sub_method = Some(value);
        self
    }

    /// Validates every field and builds the request.
    pub fn build(self) -> Result<SmsPaymentRequest, InvalidInput> {
        let mut v = Validator::new();
        let moid = self.moid.required(spec::MOID.name, &mut v);
        let amount = self.amount.required(spec::AMT.name, &mut v);
        let duty_free_amount = self
            .duty_free_amount
            .optional(spec::DUTY_FREE_AMT.name, &mut v);
        let buyer_phone = self.buyer_phone.required(spec::BUYER_TEL.name, &mut v);
        let deadline = self.deadline.optional(spec::PAY_EXP_DATE.name, &mut v);
        if let Some(phone) = &buyer_phone {
            if !phone.is_mobile() {
                v.push(Violation::new(
                    spec::BUYER_TEL.name,
                    Rule::Constraint("must be a mobile number (010, 011, 016-019): the payment link is sent by SMS".into()),
                ));
            }
        }
        v.positive(spec::AMT.name, amount);
        if let (Some(amount), Some(free)) = (amount, duty_free_amount) {
            if free > amount {
                v.push(Violation::new(
                    spec::DUTY_FREE_AMT.name,
                    Rule::Constraint(format!("must not exceed amt ({amount})").into()),
                ));
            }
        }
        for (field, value) in [
            (&spec::GOODS_NAME, self.goods_name.as_deref()),
            (&spec::BUYER_NAME, self.buyer_name.as_deref()),
            (&spec::BUYER_EMAIL, self.buyer_email.as_deref()),
            (&spec::USER_ID, self.user_id.as_deref()),
        ] {
            v.check(field, value);
        }
        v.email(spec::BUYER_EMAIL.name, self.buyer_email.as_deref());
        v.finish()?;
        match (moid, amount, buyer_phone, self.goods_name, self.buyer_name) {
            (Some(moid), Some(amount), Some(buyer_phone), Some(goods_name), Some(buyer_name)) => {
                Ok(SmsPaymentRequest {
                    moid,
                    goods_name,
                    amount,
                    duty_free_amount,
                    buyer_name,
                    buyer_phone,
                    buyer_email: self.buyer_email,
                    deadline,
                    user_id: self.user_id,
                    sub_method: self.sub_method,
                })
            }
            // Unreachable after a clean validation, but never a panic.
            _ => Err(InvalidInput::single("(request)", Rule::Missing)),
        }
    }
}

/// The JSON body, in the manual's field order; absent optional fields are sent as `""`, as in
/// the manual's example.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Wire<'a> {
    mid: &'a str,
    moid: &'a str,
    goods_name: &'a str,
    amt: &'a str,
    duty_free_amt: &'a str,
    buyer_name: &'a str,
    buyer_tel: &'a str,
    buyer_email: &'a str,
    pay_exp_date: &'a str,
    user_id: &'a str,
    svc_prdt_cd: &'a str,
}

impl SmsPaymentRequest {
    /// A builder.
    pub fn builder() -> SmsPaymentRequestBuilder {
        SmsPaymentRequestBuilder::default()
    }

    /// The order number.
    pub fn moid(&self) -> &Moid {
        &self.moid
    }

    /// The amount.
    pub fn amount(&self) -> Won {
        self.amount
    }

    /// The deadline that will be sent: the one set, or 23:59:59 KST the day after `now`.
    pub fn deadline_at(&self, now: KstDateTime) -> KstDateTime {
        self.deadline.unwrap_or_else(|| now.end_of_next_day())
    }

    /// The HTTP request (sans-I/O). `now` is the current Korean time, for the default deadline.
    /// Every wire field is validated against the manual's table before anything is built.
    pub fn to_http(
        &self,
        mid: &Mid,
        environment: &Environment,
        now: KstDateTime,
    ) -> Result<HttpRequest, InvalidInput> {
        let amt = self.amount.to_string();
        let duty_free = self
            .duty_free_amount
            .map(|a| a.to_string())
            .unwrap_or_default();
        let deadline = self.deadline_at(now).format(KstFormat::Dashed);
        let wire = Wire {
            mid: mid.as_str(),
            moid: self.moid.as_str(),
            goods_name: &self.goods_name,
            amt: &amt,
            duty_free_amt: &duty_free,
            buyer_name: &self.buyer_name,
            buyer_tel: self.buyer_phone.digits(),
            buyer_email: self.buyer_email.as_deref().unwrap_or_default(),
            pay_exp_date: &deadline,
            user_id: self.user_id.as_deref().unwrap_or_default(),
            svc_prdt_cd: self.sub_method.map(SubPayMethod::code).unwrap_or_default(),
        };
        validate(&wire)?;
        let body = serde_json::to_vec(&wire).map_err(|e| {
            InvalidInput::single(
                "(request)",
                Rule::Format {
                    expected: "JSON-serialisable fields",
                    reason: e.to_string(),
                },
            )
        })?;
        Ok(HttpRequest::post_json(environment.sms_pay_url(), body))
    }
}

fn validate(wire: &Wire<'_>) -> Result<(), InvalidInput> {
    let fields: [(&FieldSpec, &str); 11] = [
        (&spec::MID, wire.mid),
        (&spec::MOID, wire.moid),
        (&spec::GOODS_NAME, wire.goods_name),
        (&spec::AMT, wire.amt),
        (&spec::DUTY_FREE_AMT, wire.duty_free_amt),
        (&spec::BUYER_NAME, wire.buyer_name),
        (&spec::BUYER_TEL, wire.buyer_tel),
        (&spec::BUYER_EMAIL, wire.buyer_email),
        (&spec::PAY_EXP_DATE, wire.pay_exp_date),
        (&spec::USER_ID, wire.user_id),
        (&spec::SVC_PRDT_CD, wire.svc_prdt_cd),
    ];
    let mut v = Validator::new();
    for (field, value) in fields {
        v.check(field, Some(value));
    }
    v.finish()
}

/// A registered SMS order (`resultCode` `0000`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SmsOrder {
    /// Order number.
    pub moid: Moid,
    /// Amount (the response carries it with thousands separators).
    pub amount: Won,
    /// Tax-free amount, if any.
    pub duty_free_amount: Option<Won>,
    /// Payment deadline (결제마감); `None` when the answer's could not be read (see
    /// `warnings`).
    pub deadline: Option<KstDateTime>,
    /// `resultMsg`: the SMS text sent to the buyer, with the payment link notice.
    pub message: String,
    /// Goods name as registered.
    pub goods_name: Option<String>,
    /// Buyer name as registered.
    pub buyer_name: Option<String>,
    /// Buyer phone as the gateway echoes it (e.g. `010-4311-6330`).
    pub buyer_tel: Option<String>,
    /// Buyer e-mail.
    pub buyer_email: Option<String>,
    /// Member id.
    pub user_id: Option<String>,
    /// Fields the manual does not list.
    pub extra: BTreeMap<String, Value>,
    /// Fields of the answer that could not be read, though the order is registered (an odd
    /// `payExpDate`).
    pub warnings: Vec<Warning>,
}

/// The result of an SMS payment request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
#[expect(
    clippy::large_enum_variant,
    reason = "one value per SMS pay call, matched by the caller at once: a box would only add an allocation"
)]
pub enum SmsPaymentOutcome {
    /// Registered; the buyer gets the link.
    Registered(SmsOrder),
    /// Refused, with the gateway's code and message.
    Refused(Refusal),
}

const KNOWN: &[&str] = &[
    "mid",
    "moid",
    "goodsName",
    "amt",
    "dutyFreeAmt",
    "buyerName",
    "buyerTel",
    "buyerEmail",
    "payExpDate",
    "userId",
    "resultCode",
    "resultMsg",
    "svcPrdtCd",
];

impl SmsPaymentRequest {
    /// Reads the response (sans-I/O). A registered order's `moid`, `amt` and `dutyFreeAmt` must
    /// be the requested ones: a difference (or an unreadable amount) is an error, which the
    /// client reports as outcome unknown. Fields the response leaves out are taken from this
    /// request as it was sent at `now` (the deadline included); an unreadable `payExpDate` is
    /// a warning; extra, `null` and empty fields are tolerated.
    pub fn parse_response(
        &self,
        now: KstDateTime,
        response: &HttpResponse,
    ) -> Result<SmsPaymentOutcome, ProtocolError> {
        let json = response.json_object()?;
        let code = json.text("resultCode").ok_or_else(|| {
            json.violation("response has no resultCode")
                .with_status(response.status)
        })?;
        let message = json.text("resultMsg").unwrap_or_default();
        if pg_core::result_code::classify("innopay", "sms-pay", &code)
            != pg_core::result_code::ResultOutcome::Success
        {
            return Ok(SmsPaymentOutcome::Refused(Refusal { code, message }));
        }
        // What the gateway registered must be what was asked: otherwise the outcome is unknown.
        let mismatch = |what: String| {
            json.violation(format!(
                "resultCode {code}, but {what}: the order registered is not the one requested"
            ))
            .with_status(response.status)
        };
        let moid = match json.text("moid") {
            Some(m) => {
                let m =
                    Moid::received(&m).map_err(|e| json.violation(format!("field moid: {e}")))?;
                if m.as_str() != self.moid.as_str() {
                    return Err(mismatch(format!(
                        "moid {m} differs from the requested {}",
                        self.moid
                    )));
                }
                m
            }
            None => self.moid.clone(),
        };
        let amount = json.won("amt")?.unwrap_or(self.amount);
        if amount != self.amount {
            return Err(mismatch(format!(
                "amt {} differs from the requested {}",
                amount.grouped(),
                self.amount.grouped()
            )));
        }
        let duty_free_amount = json.won("dutyFreeAmt")?;
        if duty_free_amount.unwrap_or(Won::ZERO) != self.duty_free_amount.unwrap_or(Won::ZERO) {
            return Err(mismatch(format!(
                "dutyFreeAmt {:?} differs from the requested {:?}",
                duty_free_amount, self.duty_free_amount
            )));
        }
        // The deadline is shown to the buyer, not money: an odd one is a warning.
        let mut warnings = Vec::new();
        let deadline = match json.text("payExpDate") {
            Some(text) => match KstDateTime::parse(&text, KstFormat::Dashed) {
                Ok(d) => Some(d),
                Err(e) => {
                    warnings.push(Warning::new("payExpDate", e.to_string(), &text));
                    None
                }
            },
            None => Some(self.deadline_at(now)),
        };
        Ok(SmsPaymentOutcome::Registered(SmsOrder {
            moid,
            amount,
            duty_free_amount,
            deadline,
            message,
            goods_name: json.text("goodsName"),
            buyer_name: json.text("buyerName"),
            buyer_tel: json.text("buyerTel"),
            buyer_email: json.text("buyerEmail"),
            user_id: json.text("userId"),
            extra: json.extra(KNOWN),
            warnings,
        }))
    }
}
