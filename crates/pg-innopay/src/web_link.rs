//! SMS card-payment Web-Link (manual 1.1, 1.3): the merchant's staff or the buyer opens
//! `/api/cardInterface` with the order in the query (GET) or in a posted form (POST, which the
//! manual recommends).
//!
//! ```
//! use pg_innopay::{Credentials, Environment};
//! use pg_innopay::web_link::WebLinkRequest;
//!
//! let link = WebLinkRequest::builder()
//!     .moid("test20180313003")
//!     .goods_name("테스트상품")
//!     .amount("10005")
//!     .build(&Credentials::sandbox_manual_entry(), &Environment::Live)?;
//! assert!(link.get_url().contains("&GoodsName=%ED%85%8C%EC%8A%A4%ED%8A%B8%EC%83%81%ED%92%88&Amt=10005"));
//! let page = link.post_form_html(); // an auto-submitting form
//! assert!(page.contains(r#"<input type="hidden" name="Amt" value="10005">"#));
//! # Ok::<(), pg_core::InvalidInput>(())
//! ```
//!
//! The link carries the merchant's LicenseKey to the browser: that is the manual's design. Keep
//! Web-Link pages on staff-facing systems or send them only to the buyer's own browser.

use std::fmt;

use pg_core::field_spec::{Rule, Validator, Violation};
use pg_core::form::{Escape, encode_component};
use pg_core::{
    Charset, FieldValue, InvalidInput, KstDateTime, KstFormat, Moid, PhoneNumber, Slot, Won, html,
};

use crate::config::{Credentials, Environment};
use crate::generated::fields::web_link as spec;

/// Who the Web-Link UI is for (`RequestType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RequestType {
    /// The merchant's staff on a PC (empty value, as the manual's examples send).
    #[default]
    Pc,
    /// The merchant's staff on a PC, spelled `WEB`.
    Web,
    /// The buyer on a phone (`Mobile`).
    Mobile,
}

impl RequestType {
    /// The wire value.
    pub const fn as_str(self) -> &'static str {
        match self {
            RequestType::Pc => "",
            RequestType::Web => "WEB",
            RequestType::Mobile => "Mobile",
        }
    }
}

/// The SMS payment sub-method (`svcPrdtCd`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubPayMethod {
    /// `03` SMS 수기: the buyer types the card number (the gateway's default).
    ManualEntry,
    /// `04` SMS 인증: the buyer authenticates with the card company.
    Authenticated,
}

impl SubPayMethod {
    /// The wire value.
    pub const fn code(self) -> &'static str {
        match self {
            SubPayMethod::ManualEntry => "03",
            SubPayMethod::Authenticated => "04",
        }
    }

    /// The sub-method of a wire value.
    pub fn from_code(code: &str) -> Option<Self> {
        match code.trim() {
            "03" => Some(SubPayMethod::ManualEntry),
            "04" => Some(SubPayMethod::Authenticated),
            _ => None,
        }
    }
}

/// How the gateway decodes Hangul parameters (`Encoding`, manual 1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebLinkEncoding {
    /// `utf-8` (the gateway's default): parameters are UTF-8.
    Utf8,
    /// `euc-kr`: parameters are EUC-KR (GET query bytes and form submission in EUC-KR).
    EucKr,
    /// `noencoding`: the gateway does not decode; parameters are sent as UTF-8.
    NoEncoding,
    /// `url_utf-8`: `BuyerName` and `GoodsName` are themselves URL-encoded in UTF-8 before
    /// sending, and the gateway URL-decodes them.
    UrlUtf8,
    /// `url_euc-kr`: `BuyerName` and `GoodsName` are URL-encoded in EUC-KR before sending
    /// (Java's `URLEncoder.encode(GoodsName, "euc-kr")`).
    UrlEucKr,
}

impl WebLinkEncoding {
    /// The wire value.
    pub const fn as_str(self) -> &'static str {
        match self {
            WebLinkEncoding::Utf8 => "utf-8",
            WebLinkEncoding::EucKr => "euc-kr",
            WebLinkEncoding::NoEncoding => "noencoding",
            WebLinkEncoding::UrlUtf8 => "url_utf-8",
            WebLinkEncoding::UrlEucKr => "url_euc-kr",
        }
    }

    /// The mode of a wire value.
    pub fn from_wire(value: &str) -> Option<Self> {
        [
            WebLinkEncoding::Utf8,
            WebLinkEncoding::EucKr,
            WebLinkEncoding::NoEncoding,
            WebLinkEncoding::UrlUtf8,
            WebLinkEncoding::UrlEucKr,
        ]
        .into_iter()
        .find(|e| e.as_str().eq_ignore_ascii_case(value.trim()))
    }

    /// The charset of the bytes on the wire (query or form submission).
    pub const fn transport_charset(self) -> Charset {
        match self {
            WebLinkEncoding::EucKr => Charset::EucKr,
            _ => Charset::Utf8,
        }
    }

    /// For the `url_*` modes, the charset the Hangul fields are pre-encoded in.
    pub const fn pre_encoding(self) -> Option<Charset> {
        match self {
            WebLinkEncoding::UrlUtf8 => Some(Charset::Utf8),
            WebLinkEncoding::UrlEucKr => Some(Charset::EucKr),
            _ => None,
        }
    }
}

/// A Web-Link order, before credentials and endpoint are applied.
#[derive(Debug, Clone, Default)]
pub struct WebLinkRequest {
    request_type: RequestType,
    moid: Slot<Moid>,
    service_mode: Option<String>,
    amount: Slot<Won>,
    duty_free_amount: Slot<Won>,
    goods_name: Option<String>,
    buyer_name: Option<String>,
    buyer_phone: Slot<PhoneNumber>,
    buyer_email: Option<String>,
    deadline: Slot<KstDateTime>,
    user_id: Option<String>,
    sub_method: Option<SubPayMethod>,
    encoding: Option<WebLinkEncoding>,
    return_url: Option<String>,
}

impl WebLinkRequest {
    /// An empty request; set at least the amount and goods name.
    pub fn builder() -> Self {
        WebLinkRequest::default()
    }

    /// `RequestType` (default [`RequestType::Pc`], sent empty).
    pub fn request_type(mut self, value: RequestType) -> Self {
        self.request_type = value;
        self
    }

    /// `Moid`, order number (가맹점 주문번호).
    pub fn moid(mut self, value: impl FieldValue<Moid>) -> Self {
        self.moid = Slot::from_value(value);
        self
    }

    /// `ServiceMode`, default `PY0` (the manual's table prints `PYO`; its working example sends
    /// `PY0`).
    pub fn service_mode(mut self, value: impl Into<String>) -> Self {
        self.service_mode = Some(value.into());
        self
    }

    /// `Amt`, the amount to pay (결제요청금액).
    pub fn amount(mut self, value: impl FieldValue<Won>) -> Self {
        self.amount = Slot::from_value(value);
        self
    }

    /// `DutyFreeAmt`, the tax-free part (면세금액).
    pub fn duty_free_amount(mut self, value: impl FieldValue<Won>) -> Self {
        self.duty_free_amount = Slot::from_value(value);
        self
    }

    /// `GoodsName` (상품명), shown in the SMS.
    pub fn goods_name(mut self, value: impl Into<String>) -> Self {
        self.goods_name = Some(value.into());
        self
    }

    /// `BuyerName` (결제자 이름).
    pub fn buyer_name(mut self, value: impl Into<String>) -> Self {
        self.buyer_name = Some(value.into());
        self
    }

    /// `BuyerHp`, the buyer's mobile number (sent as digits).
    pub fn buyer_phone(mut self, value: impl FieldValue<PhoneNumber>) -> Self {
        self.buyer_phone = Slot::from_value(value);
        self
    }

    /// `BuyerEmail`.
    pub fn buyer_email(mut self, value: impl Into<String>) -> Self {
        self.buyer_email = Some(value.into());
        self
    }

    /// `PayExpDate`, the payment deadline (sent as `yyyyMMddHHmm`; the gateway defaults to the
    /// end of the next day).
    pub fn deadline(mut self, value: impl FieldValue<KstDateTime>) -> Self {
        self.deadline = Slot::from_value(value);
        self
    }

    /// `UserId`, the buyer's member id at the merchant.
    pub fn user_id(mut self, value: impl Into<String>) -> Self {
        self.user_id = Some(value.into());
        self
    }

    /// `svcPrdtCd`, the sub-method (the gateway defaults to `03`).
    pub fn sub_method(mut self, value: SubPayMethod) -> Self {
        self.sub_method = Some(value);
        self
    }

    /// `Encoding` (not sent unless set; the gateway defaults to `utf-8`).
    pub fn encoding(mut self, value: WebLinkEncoding) -> Self {
        self.encoding = Some(value);
        self
    }

    /// `ReturnUrl`, where the Web-Link window posts its events (manual 1.2).
    pub fn return_url(mut self, value: impl Into<String>) -> Self {
        self.return_url = Some(value.into());
        self
    }

    /// Validates every field against the manual's table and builds the link. Every violation is
    /// reported at once, naming the wire field.
    pub fn build(
        self,
        credentials: &Credentials,
        environment: &Environment,
    ) -> Result<WebLink, InvalidInput> {
        let mut v = Validator::new();
        let moid = self.moid.optional(spec::MOID.name, &mut v);
        let amount = self.amount.required(spec::AMT.name, &mut v);
        let duty_free = self
            .duty_free_amount
            .optional(spec::DUTY_FREE_AMT.name, &mut v);
        let phone = self.buyer_phone.optional(spec::BUYER_HP.name, &mut v);
        let deadline = self.deadline.optional(spec::PAY_EXP_DATE.name, &mut v);
        if let (Some(amount), Some(free)) = (amount, duty_free) {
            if free > amount {
                v.push(Violation::new(
                    spec::DUTY_FREE_AMT.name,
                    Rule::Constraint(format!("must not exceed Amt ({amount})").into()),
                ));
            }
        }
        v.positive(spec::AMT.name, amount)
            .http_url(spec::RETURN_URL.name, self.return_url.as_deref());
        let encoding = self.encoding;
        // Hangul sent as EUC-KR must be KS X 1001: the gateway decodes strict EUC-KR.
        if encoding.is_some_and(|e| {
            e.transport_charset() == Charset::EucKr || e.pre_encoding() == Some(Charset::EucKr)
        }) {
            v.ks_x_1001(spec::GOODS_NAME.name, self.goods_name.as_deref())
                .ks_x_1001(spec::BUYER_NAME.name, self.buyer_name.as_deref());
        }
        v.email(spec::BUYER_EMAIL.name, self.buyer_email.as_deref());
        let values: Vec<(&'static pg_core::FieldSpec, Option<String>)> = vec![
            (
                &spec::LICENSE_KEY,
                Some(credentials.license_key.expose().to_owned()),
            ),
            (
                &spec::SERVICE_MODE,
                Some(self.service_mode.unwrap_or_else(|| "PY0".to_owned())),
            ),
            (&spec::MID, Some(credentials.mid.to_string())),
            (&spec::PAY_METHOD, Some("CSMS".to_owned())),
            (&spec::PG_MID, Some(credentials.pg_mid.clone())),
            (&spec::MOID, moid.map(|m| m.to_string())),
            (
                &spec::REQUEST_TYPE,
                Some(self.request_type.as_str().to_owned()),
            ),
            (&spec::GOODS_NAME, self.goods_name),
            (&spec::AMT, amount.map(|a| a.to_string())),
            (
                &spec::SVC_PRDT_CD,
                self.sub_method.map(|s| s.code().to_owned()),
            ),
            (&spec::DUTY_FREE_AMT, duty_free.map(|a| a.to_string())),
            (&spec::BUYER_NAME, self.buyer_name),
            (&spec::BUYER_HP, phone.map(|p| p.digits().to_owned())),
            (&spec::BUYER_EMAIL, self.buyer_email),
            (
                &spec::PAY_EXP_DATE,
                deadline.map(|d| d.format(KstFormat::YyyyMMddHHmm)),
            ),
            (&spec::USER_ID, self.user_id),
            (&spec::ENCODING, encoding.map(|e| e.as_str().to_owned())),
            (&spec::RETURN_URL, self.return_url),
        ];
        for (field, value) in &values {
            // Amt's absence is already reported by its slot.
            if field.name != spec::AMT.name || value.is_some() {
                v.check(field, value.as_deref());
            }
        }
        v.finish()?;
        let mut fields = Vec::with_capacity(values.len());
        for (field, value) in values {
            let Some(value) = value else { continue };
            let value = match encoding.and_then(WebLinkEncoding::pre_encoding) {
                Some(charset)
                    if field.name == spec::GOODS_NAME.name
                        || field.name == spec::BUYER_NAME.name =>
                {
                    let mut pre = String::new();
                    encode_component(&value, charset, Escape::Form, &mut pre).map_err(|e| {
                        InvalidInput::single(
                            field.name,
                            Rule::NotEucKr {
                                character: Some(e.character),
                                position: e.position,
                            },
                        )
                    })?;
                    pre
                }
                _ => value,
            };
            fields.push((field.name, value));
        }
        Ok(WebLink {
            action: environment.web_link_url(),
            charset: encoding.map_or(Charset::Utf8, WebLinkEncoding::transport_charset),
            fields,
        })
    }
}

/// A validated Web-Link: the fields in wire order (with `url_*` pre-encoding applied) and the
/// endpoint. `Debug` masks the LicenseKey.
#[derive(Clone, PartialEq, Eq)]
pub struct WebLink {
    action: String,
    charset: Charset,
    fields: Vec<(&'static str, String)>,
}

impl WebLink {
    /// The fields as sent, in order. Holds the LicenseKey: do not log.
    pub fn fields(&self) -> &[(&'static str, String)] {
        &self.fields
    }

    /// The endpoint (`.../api/cardInterface`).
    pub fn action(&self) -> &str {
        &self.action
    }

    /// The charset the gateway will read the parameters in.
    pub fn charset(&self) -> Charset {
        self.charset
    }

    /// The GET URL: every value percent-encoded in the transport charset; `+` becomes `%2B`,
    /// as the manual requires, and `/` `=` stay as its examples show.
    pub fn get_url(&self) -> String {
        let mut url = String::with_capacity(self.action.len() + 64 * self.fields.len());
        url.push_str(&self.action);
        for (i, (name, value)) in self.fields.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(name);
            url.push('=');
            // Values passed validation for the transport charset, so encoding cannot fail;
            // should it, the value is encoded as UTF-8 instead of being dropped.
            if encode_component(value, self.charset, Escape::QueryValue, &mut url).is_err() {
                let _ = encode_component(value, Charset::Utf8, Escape::QueryValue, &mut url);
            }
        }
        url
    }

    /// An HTML page that posts the fields to the gateway as soon as it loads (with a button
    /// for browsers without JavaScript). Every value is HTML-escaped; the form's
    /// `accept-charset` makes the browser submit in the charset the `Encoding` mode expects.
    pub fn post_form_html(&self) -> String {
        let mut page = String::with_capacity(512 + 80 * self.fields.len());
        page.push_str("<!DOCTYPE html>\n<html lang=\"ko\">\n<head>\n<meta charset=\"utf-8\">\n<title>SMS 카드결제 요청</title>\n</head>\n<body>\n");
        page.push_str("<form id=\"innopay-web-link\" method=\"post\" action=\"");
        html::escape_into(&self.action, &mut page);
        page.push_str("\" accept-charset=\"");
        page.push_str(self.charset.label());
        page.push_str("\">\n");
        for (name, value) in &self.fields {
            page.push_str("<input type=\"hidden\" name=\"");
            html::escape_into(name, &mut page);
            page.push_str("\" value=\"");
            html::escape_into(value, &mut page);
            page.push_str("\">\n");
        }
        page.push_str(
            "<noscript><button type=\"submit\">SMS 결제요청</button></noscript>\n</form>\n",
        );
        page.push_str("<script>document.getElementById(\"innopay-web-link\").submit();</script>\n</body>\n</html>\n");
        page
    }
}

impl fmt::Debug for WebLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: Vec<(&str, &str)> = self
            .fields
            .iter()
            .map(|(n, v)| {
                (
                    *n,
                    if *n == spec::LICENSE_KEY.name {
                        "***"
                    } else {
                        v.as_str()
                    },
                )
            })
            .collect();
        f.debug_struct("WebLink")
            .field("action", &self.action)
            .field("charset", &self.charset)
            .field("fields", &shown)
            .finish()
    }
}
