//! The SS-Pay payment window (guide, "상세 파라미터" and STEP 1–2): the signed form and the page
//! that opens the window with `smartropay.init` / `smartropay.payment`.
//!
//! ```
//! use pg_core::{FixedClock, KstDateTime, KstFormat, Mid, Secret};
//! use pg_smartro::config::{Credentials, Device, Environment};
//! use pg_smartro::payment_window::PaymentWindowRequest;
//!
//! let credentials = Credentials {
//!     mid: Mid::parse("t_2510201m")?,
//!     merchant_key: Secret::new("0/4GFsSd7ERVRGX9WHOzJ96GyeMTwvIaKSWUCKmN3fDklNRGw3Cu"),
//!     ssp_mall_id: "SMTSSPAY0p".into(),
//!     cancel_password: None,
//! };
//! let now = KstDateTime::parse("20260101120000", KstFormat::YyyyMMddHHmmss).unwrap();
//! let window = PaymentWindowRequest::builder()
//!     .moid("Moid20260101").amount(1004u64).goods_name("거래 상품명")
//!     .mall_user_id("user01").buyer_name("구매자명").buyer_phone("01099991111")
//!     .buyer_email("noname@smartro.co.kr")
//!     .return_url("https://shop.example/return").stop_url("https://shop.example/stop")
//!     .build(&credentials, now)?;
//! assert_eq!(window.field("EdiDate"), Some("20260101120000"));
//! assert_eq!(window.field("EncryptData").unwrap().len(), 44);
//! let page = window.html(&Environment::Test, Device::Pc);
//! assert!(page.contains("SmartroPAY-1.0.min.js?version=202601011200"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use pg_core::field_spec::{FieldSpec, Rule, Validator, Violation};
use pg_core::{
    CardCompany, FieldValue, InvalidInput, KstDateTime, KstFormat, Moid, PhoneNumber, Slot, Won,
    html,
};

use crate::config::{Credentials, Device, Environment};
use crate::crypto;
use crate::generated::fields::payment_window as spec;

/// `EncodingType`: the charset of the results posted back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodingType {
    /// `utf8` (default).
    Utf8,
    /// `euckr`.
    EucKr,
}

impl EncodingType {
    /// The wire value.
    pub const fn as_str(self) -> &'static str {
        match self {
            EncodingType::Utf8 => "utf8",
            EncodingType::EucKr => "euckr",
        }
    }
}

/// `SkinColor` of the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkinColor {
    /// `RED` (default).
    Red,
    /// `GREEN`.
    Green,
    /// `BLUE`.
    Blue,
    /// `PURPLE`.
    Purple,
}

impl SkinColor {
    /// The wire value.
    pub const fn as_str(self) -> &'static str {
        match self {
            SkinColor::Red => "RED",
            SkinColor::Green => "GREEN",
            SkinColor::Blue => "BLUE",
            SkinColor::Purple => "PURPLE",
        }
    }
}

/// Builder for the payment-window form. Setters take typed values or text; `build` signs the
/// form and reports every bad field at once, by wire name.
#[derive(Debug, Clone, Default)]
pub struct PaymentWindowRequest {
    moid: Slot<Moid>,
    amount: Slot<Won>,
    mall_user_id: Option<String>,
    goods_name: Option<String>,
    goods_count: Option<u32>,
    mall_reserved: Option<String>,
    buyer_name: Option<String>,
    buyer_phone: Slot<PhoneNumber>,
    buyer_email: Option<String>,
    return_url: Option<String>,
    stop_url: Option<String>,
    pop_check: bool,
    card_company: Option<CardCompany>,
    card_quota: Option<u8>,
    mall_ip: Option<String>,
    user_ip: Option<String>,
    encoding_type: Option<EncodingType>,
    skin_color: Option<SkinColor>,
    tax_code: Option<String>,
    tax_amount: Slot<Won>,
    tax_free_amount: Slot<Won>,
    vat_amount: Slot<Won>,
    trans_type: Option<String>,
}

macro_rules! text_setter {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub fn $name(mut self, value: impl Into<String>) -> Self {
            self.$name = Some(value.into());
            self
        }
    };
}

macro_rules! typed_setter {
    ($(#[$doc:meta])* $name:ident: $t:ty) => {
        $(#[$doc])*
        pub fn $name(mut self, value: impl FieldValue<$t>) -> Self {
            self.$name = Slot::from_value(value);
            self
        }
    };
}

impl PaymentWindowRequest {
    /// An empty request.
    pub fn builder() -> Self {
        PaymentWindowRequest::default()
    }

    typed_setter!(
        /// `Moid`, the order number (상품주문번호). Required.
        moid: Moid
    );
    typed_setter!(
        /// `Amt`, the amount (거래 금액). Required.
        amount: Won
    );
    text_setter!(
        /// `MallUserId`, the buyer's member id (letters and digits only). Required.
        mall_user_id
    );
    text_setter!(
        /// `GoodsName` (상품명). Required.
        goods_name
    );
    text_setter!(
        /// `MallReserved`: the merchant's own text, sent Base64-encoded and posted back.
        mall_reserved
    );
    text_setter!(
        /// `BuyerName` (구매자명). Required.
        buyer_name
    );
    typed_setter!(
        /// `BuyerTel`, sent as digits. Required.
        buyer_phone: PhoneNumber
    );
    text_setter!(
        /// `BuyerEmail`. Required.
        buyer_email
    );
    text_setter!(
        /// `ReturnUrl`: where the result goes (a full URL). Required.
        return_url
    );
    text_setter!(
        /// `StopUrl`: where the buyer goes on stopping (a full URL). Required.
        stop_url
    );
    text_setter!(
        /// `MallIp`, the merchant server's address.
        mall_ip
    );
    text_setter!(
        /// `UserIp`, the buyer's address.
        user_ip
    );
    text_setter!(
        /// `TaxCd`.
        tax_code
    );
    typed_setter!(
        /// `TaxAmt` (과세).
        tax_amount: Won
    );
    typed_setter!(
        /// `TaxFreeAmt` (비과세).
        tax_free_amount: Won
    );
    typed_setter!(
        /// `VatAmt` (부가세).
        vat_amount: Won
    );
    text_setter!(
        /// `TransType` (the guide's sample sends `0`).
        trans_type
    );

    /// `GoodsCnt`, the number of goods (default 1).
    pub fn goods_count(mut self, value: u32) -> Self {
        self.goods_count = Some(value);
        self
    }

    /// `PopCheck` (팝카드): `Y` when true, `N` (default) otherwise.
    pub fn pop_check(mut self, value: bool) -> Self {
        self.pop_check = value;
        self
    }

    /// `FnCd`, the card company to open the window for.
    pub fn card_company(mut self, value: CardCompany) -> Self {
        self.card_company = Some(value);
        self
    }

    /// `CardQuota`, installment months (`0` = lump sum, sent `00`).
    pub fn card_quota(mut self, months: u8) -> Self {
        self.card_quota = Some(months);
        self
    }

    /// `EncodingType` of the results.
    pub fn encoding_type(mut self, value: EncodingType) -> Self {
        self.encoding_type = Some(value);
        self
    }

    /// `SkinColor` of the window.
    pub fn skin_color(mut self, value: SkinColor) -> Self {
        self.skin_color = Some(value);
        self
    }

    /// Validates, stamps `EdiDate` with `now` (Korean time) and signs `EncryptData`.
    pub fn build(
        self,
        credentials: &Credentials,
        now: KstDateTime,
    ) -> Result<PaymentWindow, InvalidInput> {
        let mut v = Validator::new();
        let moid = self.moid.required(spec::MOID.name, &mut v);
        let amount = self.amount.required(spec::AMT.name, &mut v);
        let phone = self.buyer_phone.required(spec::BUYER_TEL.name, &mut v);
        let tax = self.tax_amount.optional(spec::TAX_AMT.name, &mut v);
        let tax_free = self
            .tax_free_amount
            .optional(spec::TAX_FREE_AMT.name, &mut v);
        let vat = self.vat_amount.optional(spec::VAT_AMT.name, &mut v);
        if let Some(id) = &self.mall_user_id {
            if let Some((position, c)) = id
                .chars()
                .enumerate()
                .find(|(_, c)| !c.is_ascii_alphanumeric())
            {
                v.push(Violation::new(
                    spec::MALL_USER_ID.name,
                    Rule::Constraint(format!("letters and digits only (특수문자 포함 불가): {c:?} at position {position}").into()),
                ));
            }
        }
        v.http_url(spec::RETURN_URL.name, self.return_url.as_deref())
            .http_url(spec::STOP_URL.name, self.stop_url.as_deref())
            .positive(spec::AMT.name, amount);
        if let (Some(amount), Some(free)) = (amount, tax_free) {
            if free > amount {
                v.push(Violation::new(
                    spec::TAX_FREE_AMT.name,
                    Rule::Constraint(format!("must not exceed Amt ({amount})").into()),
                ));
            }
        }
        let edi_date = now.format(KstFormat::YyyyMMddHHmmss);
        let amt = amount.map(|a| a.to_string());
        let encrypt_data = amt.as_deref().map(|amt| {
            crypto::encrypt_data(
                &edi_date,
                credentials.mid.as_str(),
                amt,
                &credentials.merchant_key,
            )
            .to_string()
        });
        let won = |w: Option<Won>| w.map(|w| w.to_string());
        v.email(spec::BUYER_EMAIL.name, self.buyer_email.as_deref());
        let values: Vec<(&'static FieldSpec, Option<String>)> = vec![
            (&spec::PAY_METHOD, Some("CARD".into())),
            (&spec::MID, Some(credentials.mid.to_string())),
            (&spec::AMT, amt),
            (&spec::MOID, moid.map(|m| m.to_string())),
            (&spec::MALL_USER_ID, self.mall_user_id),
            (&spec::GOODS_NAME, self.goods_name),
            (
                &spec::GOODS_CNT,
                Some(self.goods_count.unwrap_or(1).to_string()),
            ),
            (
                &spec::MALL_RESERVED,
                self.mall_reserved
                    .map(|t| crate::crypto::base64_encode(t.as_bytes())),
            ),
            (&spec::BUYER_NAME, self.buyer_name),
            (&spec::BUYER_TEL, phone.map(|p| p.digits().to_owned())),
            (&spec::BUYER_EMAIL, self.buyer_email),
            (&spec::RETURN_URL, self.return_url),
            (&spec::STOP_URL, self.stop_url),
            (&spec::EDI_DATE, Some(edi_date)),
            (&spec::ENCRYPT_DATA, encrypt_data),
            (&spec::SSP_MALL_ID, Some(credentials.ssp_mall_id.clone())),
            (
                &spec::POP_CHECK,
                Some(if self.pop_check { "Y" } else { "N" }.into()),
            ),
            (&spec::FN_CD, self.card_company.map(|c| c.code().to_owned())),
            (
                &spec::CARD_QUOTA,
                self.card_quota.map(|m| format!("{m:02}")),
            ),
            (&spec::MALL_IP, self.mall_ip),
            (&spec::USER_IP, self.user_ip),
            (
                &spec::ENCODING_TYPE,
                self.encoding_type.map(|e| e.as_str().to_owned()),
            ),
            (
                &spec::SKIN_COLOR,
                self.skin_color.map(|s| s.as_str().to_owned()),
            ),
            (&spec::TAX_CD, self.tax_code),
            (&spec::TAX_AMT, won(tax)),
            (&spec::TAX_FREE_AMT, won(tax_free)),
            (&spec::VAT_AMT, won(vat)),
            (&spec::TRANS_TYPE, self.trans_type),
        ];
        for (field, value) in &values {
            // Typed fields that failed to parse were reported already; EncryptData is derived
            // from Amt, so a bad Amt is the one problem to report.
            let reported = v_has(&v, field.name)
                || (field.name == spec::ENCRYPT_DATA.name && v_has(&v, spec::AMT.name));
            if !reported {
                v.check(field, value.as_deref());
            }
        }
        v.finish()?;
        Ok(PaymentWindow {
            fields: values
                .into_iter()
                .filter_map(|(f, value)| value.map(|v| (f.name, v)))
                .collect(),
            created_at: now,
        })
    }
}

/// Whether the validator already holds a violation for `field`.
fn v_has(v: &Validator, field: &str) -> bool {
    v.violations().iter().any(|x| x.field == field)
}

/// A signed payment-window form.
#[derive(Clone, PartialEq, Eq)]
pub struct PaymentWindow {
    fields: Vec<(&'static str, String)>,
    created_at: KstDateTime,
}

impl fmt::Debug for PaymentWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PaymentWindow")
            .field("fields", &self.fields)
            .field("created_at", &self.created_at)
            .finish()
    }
}

impl PaymentWindow {
    /// The form fields, in the guide's order.
    pub fn fields(&self) -> &[(&'static str, String)] {
        &self.fields
    }

    /// One field's value.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The page that loads the payment-window script (PC or mobile, STG or REAL, with the
    /// `?version=yyyyMMddHHmm` cache-buster), holds the form `tranMgr`, and opens the window on
    /// load. For PC it also holds `approvalForm`, which the window's callback fills with `Tid`
    /// and `TrAuthKey` and posts to `ReturnUrl`. Every value is escaped.
    pub fn html(&self, environment: &Environment, device: Device) -> String {
        let script = format!(
            "{}?version={}",
            environment.script_url(device),
            self.created_at.format(KstFormat::YyyyMMddHHmm)
        );
        let return_url = self.field("ReturnUrl").unwrap_or_default();
        let mut page = String::with_capacity(2048 + 96 * self.fields.len());
        page.push_str("<!DOCTYPE html>\n<html lang=\"ko\">\n<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"X-UA-Compatible\" content=\"IE=edge\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1, shrink-to-fit=no\">\n<title>SmartroPAY</title>\n");
        page.push_str("<script src=\"");
        html::escape_into(&script, &mut page);
        page.push_str(
            "\"></script>\n<script>\nfunction goPay() {\n  smartropay.init({\n    mode: \"",
        );
        page.push_str(&html::escape_js_string(environment.mode()));
        page.push_str("\",\n    actionUri: \"/ssp/reqPay.do\"\n  });\n  smartropay.payment({\n    FormId: \"tranMgr\"");
        if device == Device::Pc {
            page.push_str(",\n    Callback: function (res) {\n      var approvalForm = document.approvalForm;\n      approvalForm.Tid.value = res.Tid;\n      approvalForm.TrAuthKey.value = res.TrAuthKey;\n      approvalForm.action = \"");
            page.push_str(&html::escape_js_string(return_url));
            page.push_str("\";\n      approvalForm.submit();\n    }");
        }
        page.push_str("\n  });\n}\nwindow.addEventListener(\"load\", goPay);\n</script>\n</head>\n<body>\n<form id=\"tranMgr\" name=\"tranMgr\" method=\"post\">\n");
        for (name, value) in &self.fields {
            page.push_str("<input type=\"hidden\" name=\"");
            html::escape_into(name, &mut page);
            page.push_str("\" value=\"");
            html::escape_into(value, &mut page);
            page.push_str("\">\n");
        }
        page.push_str("<button type=\"button\" onclick=\"goPay();\">결제하기</button>\n</form>\n");
        if device == Device::Pc {
            page.push_str("<form id=\"approvalForm\" name=\"approvalForm\" method=\"post\">\n<input type=\"hidden\" id=\"Tid\" name=\"Tid\">\n<input type=\"hidden\" id=\"TrAuthKey\" name=\"TrAuthKey\">\n</form>\n");
        }
        page.push_str("</body>\n</html>\n");
        page
    }
}
