//! Merchants: what each gateway issued to a shop (ids, keys, cancel password) and the settings
//! of its admin site (notification URL and retries, identity check), with the preloaded test
//! merchants.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Which gateway a merchant belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gateway {
    /// Innopay.
    Innopay,
    /// Smartro PAY.
    Smartro,
}

impl Gateway {
    /// The lowercase name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Gateway::Innopay => "innopay",
            Gateway::Smartro => "smartro",
        }
    }

    /// The gateway of a lowercase name.
    pub fn parse(text: &str) -> Option<Gateway> {
        match text {
            "innopay" => Some(Gateway::Innopay),
            "smartro" => Some(Gateway::Smartro),
            _ => None,
        }
    }
}

impl fmt::Display for Gateway {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The charset of notification bodies (Innopay: a merchant setting; Smartro: `EncodingType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NotifyCharset {
    /// EUC-KR, as the vendor's sample notification page expects.
    #[serde(rename = "euc-kr", alias = "euckr")]
    EucKr,
    /// UTF-8.
    #[serde(rename = "utf-8", alias = "utf8")]
    Utf8,
}

impl NotifyCharset {
    /// The charset.
    pub fn charset(self) -> pg_core::Charset {
        match self {
            NotifyCharset::EucKr => pg_core::Charset::EucKr,
            NotifyCharset::Utf8 => pg_core::Charset::Utf8,
        }
    }
}

/// Smartro's identity-verification option (본인인증 추가 검증 옵션).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdentityCheck {
    /// 미사용: only that the verification succeeded (default).
    None,
    /// 성명 일치: the verified name must equal `BuyerName`.
    Name,
    /// 휴대폰번호 일치: the verified phone must equal `BuyerTel`.
    Phone,
    /// 성명&휴대폰번호 일치: both.
    Both,
}

/// How Innopay's cancel API answers (the manual's table says a form, its example and real
/// captures JSON; one real client percent-decodes first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CancelReply {
    /// JSON (what the real server sends).
    Json,
    /// A form body, as the table says.
    Form,
    /// Percent-encoded JSON.
    PercentJson,
}

/// The notification settings of the merchant admin site (Innopay 4.4 결제 결과 통보 설정;
/// Smartro re-notification).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifySettings {
    /// Where results are posted; none: deliveries wait until one is set.
    pub url: Option<String>,
    /// The body's charset.
    pub charset: NotifyCharset,
    /// Whether the `Content-Type` names the charset (`...; charset=euc-kr`).
    pub declare_charset: bool,
    /// Minutes between attempts (1–60).
    pub interval_minutes: u32,
    /// Resends after the first attempt (1–10).
    pub retries: u32,
    /// The answer that stops the resends (Innopay: exactly `0000`; Smartro: `OK` by default).
    pub acknowledgement: String,
}

/// A merchant.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Merchant {
    /// The gateway.
    pub gateway: Gateway,
    /// Merchant id (10 characters).
    pub mid: String,
    /// Shop name (상호명), shown in the SMS text and the payment pages.
    pub name: String,
    /// Innopay `LicenseKey` or Smartro `MerchantKey`.
    pub key: String,
    /// The cancel password (취소비밀번호).
    pub cancel_password: String,
    /// Innopay PG merchant ids (`PgMID`): the first for `svcPrdtCd` `03`, the second for `04`.
    pub pg_mids: Vec<String>,
    /// Smartro `SspMallId`.
    pub ssp_mall_id: Option<String>,
    /// Smartro identity-verification option.
    pub identity_check: IdentityCheck,
    /// Innopay cancel answer format.
    pub cancel_reply: CancelReply,
    /// Notifications.
    pub notify: NotifySettings,
}

impl fmt::Debug for Merchant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Merchant")
            .field("gateway", &self.gateway)
            .field("mid", &self.mid)
            .field("name", &self.name)
            .field("key", &"***")
            .field("cancel_password", &"***")
            .field("pg_mids", &self.pg_mids)
            .field("ssp_mall_id", &self.ssp_mall_id)
            .field("notify", &self.notify)
            .finish_non_exhaustive()
    }
}

/// The preloaded Innopay test merchant: the manual's `testpay01m`.
pub mod innopay_test {
    /// `Mid` (manual 1.1).
    pub const MID: &str = "testpay01m";
    /// `LicenseKey` (manual 1.1).
    pub const LICENSE_KEY: &str =
        "Ma29gyAFhvv/+e4/AHpV6pISQlvSKziLlbrNoXPbRS5nfTx2DOs8OJve+NzwyoaQ8p9Uy1AN4S1I0Um5v7oNUg==";
    /// `PgMID` for SMS 수기 (`svcPrdtCd` `03`).
    pub const PG_MID_MANUAL_ENTRY: &str = "nictest14m";
    /// `PgMID` for SMS 인증 (`svcPrdtCd` `04`).
    pub const PG_MID_AUTHENTICATED: &str = "2999199999";
    /// `cancelPwd` (manual 3.1).
    pub const CANCEL_PASSWORD: &str = "123456";
    /// Shop name.
    pub const NAME: &str = "테스트가맹점";
}

/// The preloaded Smartro test merchant. Smartro issues test keys privately; these are the
/// simulator's own, fixed and documented.
pub mod smartro_test {
    /// `Mid`.
    pub const MID: &str = "t_2510201m";
    /// `MerchantKey` (hashes use all of it, `AES256Cipher` its first 32 characters).
    pub const MERCHANT_KEY: &str =
        "pgkitSandboxKey0123456789abcdefSMARTROtestMerchantKeyForLocalUse";
    /// `SspMallId` (the guide's test value).
    pub const SSP_MALL_ID: &str = "SMTSSPAY0p";
    /// Cancel password.
    pub const CANCEL_PASSWORD: &str = "123456";
    /// Shop name.
    pub const NAME: &str = "스마트로테스트";

    /// The SDK's credentials of this merchant.
    pub fn credentials() -> pg_smartro::Credentials {
        pg_smartro::Credentials {
            // A constant the parser accepts (a test checks it).
            mid: pg_core::Mid::parse(MID).unwrap_or_else(|_| unreachable!("{MID} is a valid Mid")),
            merchant_key: pg_core::Secret::new(MERCHANT_KEY),
            ssp_mall_id: SSP_MALL_ID.into(),
            cancel_password: Some(pg_core::Secret::new(CANCEL_PASSWORD)),
        }
    }
}

impl Merchant {
    /// The preloaded merchants.
    pub fn presets() -> Vec<Merchant> {
        vec![
            Merchant {
                gateway: Gateway::Innopay,
                mid: innopay_test::MID.into(),
                name: innopay_test::NAME.into(),
                key: innopay_test::LICENSE_KEY.into(),
                cancel_password: innopay_test::CANCEL_PASSWORD.into(),
                pg_mids: vec![
                    innopay_test::PG_MID_MANUAL_ENTRY.into(),
                    innopay_test::PG_MID_AUTHENTICATED.into(),
                ],
                ssp_mall_id: None,
                identity_check: IdentityCheck::None,
                cancel_reply: CancelReply::Json,
                notify: NotifySettings {
                    url: None,
                    charset: NotifyCharset::EucKr,
                    declare_charset: false,
                    interval_minutes: 1,
                    retries: 5,
                    acknowledgement: "0000".into(),
                },
            },
            Merchant {
                gateway: Gateway::Smartro,
                mid: smartro_test::MID.into(),
                name: smartro_test::NAME.into(),
                key: smartro_test::MERCHANT_KEY.into(),
                cancel_password: smartro_test::CANCEL_PASSWORD.into(),
                pg_mids: Vec::new(),
                ssp_mall_id: Some(smartro_test::SSP_MALL_ID.into()),
                identity_check: IdentityCheck::None,
                cancel_reply: CancelReply::Json,
                notify: NotifySettings {
                    url: None,
                    charset: NotifyCharset::Utf8,
                    declare_charset: false,
                    interval_minutes: 1,
                    retries: 5,
                    acknowledgement: "OK".into(),
                },
            },
        ]
    }

    /// Checks a merchant as the admin page would before saving it; every problem is named.
    pub fn validate(&self) -> Result<(), Vec<String>> {
        let mut problems = Vec::new();
        if self.mid.len() != 10
            || !self
                .mid
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            problems.push("mid: must be 10 ASCII letters, digits or '_'".to_owned());
        }
        if self.name.trim().is_empty() || self.name.chars().count() > 30 {
            problems.push("name: must be 1 to 30 characters".to_owned());
        }
        match self.gateway {
            Gateway::Innopay => {
                if self.key.trim().is_empty() {
                    problems.push("key: the LicenseKey must not be empty".to_owned());
                }
                if self.pg_mids.is_empty()
                    || self.pg_mids.iter().any(|p| {
                        p.is_empty()
                            || p.len() > 20
                            || !p.bytes().all(|b| b.is_ascii_alphanumeric())
                    })
                {
                    problems.push(
                        "pg_mids: one or two PgMIDs of at most 20 letters and digits".to_owned(),
                    );
                }
            }
            Gateway::Smartro => {
                if self.key.chars().count() < 32 || !self.key.is_ascii() {
                    problems.push(
                        "key: the MerchantKey must be at least 32 ASCII characters (AES256Cipher uses the first 32)"
                            .to_owned(),
                    );
                }
                if !self
                    .ssp_mall_id
                    .as_deref()
                    .is_some_and(|s| !s.is_empty() && s.len() <= 10)
                {
                    problems.push("ssp_mall_id: required, at most 10 characters".to_owned());
                }
            }
        }
        if self.cancel_password.is_empty() || self.cancel_password.len() > 20 {
            problems.push("cancel_password: 1 to 20 characters".to_owned());
        }
        let n = &self.notify;
        if let Some(url) = &n.url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                problems.push("notify.url: must start with http:// or https://".to_owned());
            }
        }
        if !(1..=60).contains(&n.interval_minutes) {
            problems.push("notify.interval_minutes: 1 to 60 (manual 4.4)".to_owned());
        }
        if !(1..=10).contains(&n.retries) {
            problems.push("notify.retries: 1 to 10 (manual 4.4)".to_owned());
        }
        if n.acknowledgement.is_empty() {
            problems.push("notify.acknowledgement: must not be empty".to_owned());
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// The key as a [`pg_core::Secret`], for the gateways' crypto functions.
    pub(crate) fn key_secret(&self) -> pg_core::Secret {
        pg_core::Secret::new(self.key.clone())
    }

    /// The PgMID that serves a sub-method (`03` the first, `04` the second, else the first).
    pub fn pg_mid_for(&self, svc_prdt_cd: &str) -> Option<&str> {
        let index = usize::from(svc_prdt_cd == "04");
        self.pg_mids
            .get(index)
            .or(self.pg_mids.first())
            .map(String::as_str)
    }

    /// The admin view: keys shown as their last four characters only.
    pub fn view(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let Some(map) = value.as_object_mut() {
            map.insert("key".into(), mask(&self.key).into());
            map.insert("cancel_password".into(), "***".into());
        }
        value
    }
}

/// `***` and the last four characters of a secret: how keys are shown.
pub fn mask(secret: &str) -> String {
    let tail: String = secret
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("***{tail}")
}

/// A change to a merchant's settings (admin page or API); absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MerchantUpdate {
    /// Shop name.
    pub name: Option<String>,
    /// Notification URL; an empty string removes it.
    pub notify_url: Option<String>,
    /// Notification charset.
    pub notify_charset: Option<NotifyCharset>,
    /// Whether the `Content-Type` names the charset.
    pub declare_charset: Option<bool>,
    /// Minutes between attempts (1–60).
    pub interval_minutes: Option<u32>,
    /// Resends (1–10).
    pub retries: Option<u32>,
    /// The answer that stops resends.
    pub acknowledgement: Option<String>,
    /// Smartro identity option.
    pub identity_check: Option<IdentityCheck>,
    /// Innopay cancel answer format.
    pub cancel_reply: Option<CancelReply>,
}

impl MerchantUpdate {
    /// Applies the change to `merchant` and validates the result.
    pub fn apply(self, merchant: &mut Merchant) -> Result<(), Vec<String>> {
        if let Some(v) = self.name {
            merchant.name = v;
        }
        if let Some(v) = self.notify_url {
            let v = v.trim().to_owned();
            merchant.notify.url = (!v.is_empty()).then_some(v);
        }
        if let Some(v) = self.notify_charset {
            merchant.notify.charset = v;
        }
        if let Some(v) = self.declare_charset {
            merchant.notify.declare_charset = v;
        }
        if let Some(v) = self.interval_minutes {
            merchant.notify.interval_minutes = v;
        }
        if let Some(v) = self.retries {
            merchant.notify.retries = v;
        }
        if let Some(v) = self.acknowledgement {
            merchant.notify.acknowledgement = v;
        }
        if let Some(v) = self.identity_check {
            merchant.identity_check = v;
        }
        if let Some(v) = self.cancel_reply {
            merchant.cancel_reply = v;
        }
        merchant.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_smartro_test_merchants_credentials() {
        let c = smartro_test::credentials();
        assert_eq!(c.mid.as_str(), smartro_test::MID);
        assert_eq!(c.merchant_key.expose(), smartro_test::MERCHANT_KEY);
        assert_eq!(c.ssp_mall_id, smartro_test::SSP_MALL_ID);
    }

    #[test]
    fn presets_are_valid_and_debug_hides_keys() {
        for m in Merchant::presets() {
            assert_eq!(m.validate(), Ok(()), "{m:?}");
            let shown = format!("{m:?}");
            assert!(
                !shown.contains(&m.key) && !shown.contains("123456"),
                "{shown}"
            );
            let view = m.view().to_string();
            assert!(!view.contains(&m.key), "{view}");
        }
        let innopay = &Merchant::presets()[0];
        assert_eq!(innopay.pg_mid_for("03"), Some("nictest14m"));
        assert_eq!(innopay.pg_mid_for("04"), Some("2999199999"));
    }

    #[test]
    fn updates_are_validated() {
        let mut m = Merchant::presets().remove(0);
        let bad = MerchantUpdate {
            interval_minutes: Some(61),
            retries: Some(0),
            notify_url: Some("ftp://x".into()),
            ..MerchantUpdate::default()
        };
        let problems = bad.apply(&mut m).unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
        let mut m = Merchant::presets().remove(0);
        MerchantUpdate {
            notify_url: Some("http://127.0.0.1:1/innopay/notify".into()),
            retries: Some(10),
            ..MerchantUpdate::default()
        }
        .apply(&mut m)
        .unwrap();
        assert_eq!(m.notify.retries, 10);
        MerchantUpdate {
            notify_url: Some(String::new()),
            ..MerchantUpdate::default()
        }
        .apply(&mut m)
        .unwrap();
        assert_eq!(m.notify.url, None);
    }
}
