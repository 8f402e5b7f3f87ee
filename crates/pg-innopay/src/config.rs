//! Where requests go ([`Environment`]), the merchant's [`Credentials`], and the manual's
//! sandbox credentials ([`sandbox`]).

use pg_core::{Mid, Secret};

/// The Innopay API host: live, or any base URL (the simulator, a proxy).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Environment {
    /// `https://api.innopay.co.kr`.
    #[default]
    Live,
    /// Another base URL, e.g. `http://127.0.0.1:8080` for the simulator. No trailing slash
    /// needed.
    Custom(String),
}

impl Environment {
    /// The live host.
    pub const LIVE_BASE_URL: &'static str = "https://api.innopay.co.kr";

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        match self {
            Environment::Live => Self::LIVE_BASE_URL,
            Environment::Custom(url) => url.trim_end_matches('/'),
        }
    }

    /// Web-Link (`/api/cardInterface`).
    pub fn web_link_url(&self) -> String {
        format!("{}/api/cardInterface", self.base_url())
    }

    /// SMS card-payment API (`/api/smsPayApi`).
    pub fn sms_pay_url(&self) -> String {
        format!("{}/api/smsPayApi", self.base_url())
    }

    /// Cancel API (`/api/cancelApi`).
    pub fn cancel_url(&self) -> String {
        format!("{}/api/cancelApi", self.base_url())
    }
}

/// What Innopay issued to the merchant.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// Merchant id (상점 아이디, `Mid`).
    pub mid: Mid,
    /// License key (상점 라이선스키), for Web-Link.
    pub license_key: Secret,
    /// PG merchant id (PG 상점아이디, `PgMID`), for Web-Link.
    pub pg_mid: String,
    /// Cancel password (취소비밀번호), for the cancel API.
    pub cancel_password: Option<Secret>,
}

impl Credentials {
    /// The manual's sandbox credentials for SMS 수기 (manual card entry, PgMID `nictest14m`).
    pub fn sandbox_manual_entry() -> Self {
        sandbox::credentials(sandbox::PG_MID_MANUAL_ENTRY)
    }

    /// The manual's sandbox credentials for SMS 인증 (authenticated, PgMID `2999199999`).
    pub fn sandbox_authenticated() -> Self {
        sandbox::credentials(sandbox::PG_MID_AUTHENTICATED)
    }
}

/// The test credentials printed in the manual (sections 1.1, 2.2, 3.1).
pub mod sandbox {
    use super::Credentials;
    use pg_core::{Mid, Secret};

    /// TEST Mid.
    pub const MID: &str = "testpay01m";
    /// TEST PgMID for SMS 수기 (manual card entry).
    pub const PG_MID_MANUAL_ENTRY: &str = "nictest14m";
    /// TEST PgMID for SMS 인증 (authenticated).
    pub const PG_MID_AUTHENTICATED: &str = "2999199999";
    /// TEST LicenseKey.
    pub const LICENSE_KEY: &str =
        "Ma29gyAFhvv/+e4/AHpV6pISQlvSKziLlbrNoXPbRS5nfTx2DOs8OJve+NzwyoaQ8p9Uy1AN4S1I0Um5v7oNUg==";
    /// TEST cancelPwd.
    pub const CANCEL_PASSWORD: &str = "123456";

    pub(super) fn credentials(pg_mid: &str) -> Credentials {
        Credentials {
            mid: Mid::parse(MID).unwrap_or_else(|_| unreachable!("the manual's Mid is valid")),
            license_key: Secret::new(LICENSE_KEY),
            pg_mid: pg_mid.to_owned(),
            cancel_password: Some(Secret::new(CANCEL_PASSWORD)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environments_build_urls() {
        assert_eq!(
            Environment::Live.web_link_url(),
            "https://api.innopay.co.kr/api/cardInterface"
        );
        assert_eq!(
            Environment::Custom("http://127.0.0.1:9000/".into()).cancel_url(),
            "http://127.0.0.1:9000/api/cancelApi"
        );
        assert_eq!(
            Environment::Live.sms_pay_url(),
            "https://api.innopay.co.kr/api/smsPayApi"
        );
    }

    #[test]
    fn sandbox_credentials_are_the_manuals() {
        let c = Credentials::sandbox_manual_entry();
        assert_eq!(c.mid.as_str(), "testpay01m");
        assert_eq!(c.pg_mid, "nictest14m");
        assert_eq!(c.cancel_password.as_ref().unwrap().expose(), "123456");
        assert!(!format!("{c:?}").contains("Ma29gyAF"));
        assert_eq!(Credentials::sandbox_authenticated().pg_mid, "2999199999");
    }
}
