//! Where requests go ([`Environment`]: STG, REAL, or any base URLs) and the merchant's
//! [`Credentials`].

use pg_core::{Mid, Secret};

/// Smartro's hosts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Environment {
    /// The test servers (`STG`): `tpay`, `tmpay`, `tapproval.smartropay.co.kr`.
    #[default]
    Test,
    /// The live servers (`REAL`): `pay`, `mpay`, `approval.smartropay.co.kr`.
    Live,
    /// Any hosts, e.g. the simulator on loopback.
    Custom {
        /// Base URL serving the PC payment-window script (`/asset/js/SmartroPAY-1.0.min.js`).
        pc_script_base: String,
        /// Base URL serving the mobile payment-window script.
        mobile_script_base: String,
        /// Base URL of the approval API (`/payment/approval/...`).
        approval_base: String,
        /// The `mode` passed to `smartropay.init` (`STG` or `REAL`).
        mode: String,
    },
}

/// PC or mobile payment window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Device {
    /// PC: the window calls back with `Tid`/`TrAuthKey`, and the approval form posts them.
    #[default]
    Pc,
    /// Mobile: the window posts the result to `ReturnUrl` itself.
    Mobile,
}

impl Environment {
    /// A custom environment with every host at one base URL (the simulator), in `STG` mode.
    pub fn simulator(base_url: &str) -> Self {
        let base = base_url.trim_end_matches('/').to_owned();
        Environment::Custom {
            pc_script_base: base.clone(),
            mobile_script_base: base.clone(),
            approval_base: base,
            mode: "STG".into(),
        }
    }

    /// The `mode` for `smartropay.init`: `STG` or `REAL`.
    pub fn mode(&self) -> &str {
        match self {
            Environment::Test => "STG",
            Environment::Live => "REAL",
            Environment::Custom { mode, .. } => mode,
        }
    }

    /// The base URL of the payment-window script for `device`.
    pub fn script_base(&self, device: Device) -> &str {
        match (self, device) {
            (Environment::Test, Device::Pc) => "https://tpay.smartropay.co.kr",
            (Environment::Test, Device::Mobile) => "https://tmpay.smartropay.co.kr",
            (Environment::Live, Device::Pc) => "https://pay.smartropay.co.kr",
            (Environment::Live, Device::Mobile) => "https://mpay.smartropay.co.kr",
            (Environment::Custom { pc_script_base, .. }, Device::Pc) => {
                pc_script_base.trim_end_matches('/')
            }
            (
                Environment::Custom {
                    mobile_script_base, ..
                },
                Device::Mobile,
            ) => mobile_script_base.trim_end_matches('/'),
        }
    }

    /// The payment-window script URL, without the cache-buster.
    pub fn script_url(&self, device: Device) -> String {
        format!(
            "{}/asset/js/SmartroPAY-1.0.min.js",
            self.script_base(device)
        )
    }

    /// The approval API's base URL.
    pub fn approval_base(&self) -> &str {
        match self {
            Environment::Test => "https://tapproval.smartropay.co.kr",
            Environment::Live => "https://approval.smartropay.co.kr",
            Environment::Custom { approval_base, .. } => approval_base.trim_end_matches('/'),
        }
    }

    /// `.../payment/approval/urlCallApproval.do`.
    pub fn approval_url(&self) -> String {
        format!(
            "{}/payment/approval/urlCallApproval.do",
            self.approval_base()
        )
    }

    /// `.../payment/approval/ssbMemberDel.do`.
    pub fn member_deletion_url(&self) -> String {
        format!("{}/payment/approval/ssbMemberDel.do", self.approval_base())
    }

    /// `.../payment/approval/cancel.do`.
    pub fn cancel_url(&self) -> String {
        format!("{}/payment/approval/cancel.do", self.approval_base())
    }
}

/// What Smartro issued to the merchant.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// Merchant id (상점 아이디, `Mid`).
    pub mid: Mid,
    /// The merchant key (상점키): hashes use all of it, the cipher its first 32 characters.
    pub merchant_key: Secret,
    /// The easy-payment mall id (간편결제 가맹점 ID, `SspMallId`).
    pub ssp_mall_id: String,
    /// The cancel password (취소 비밀번호) set in the merchant admin site.
    pub cancel_password: Option<Secret>,
}

/// Test values published in the guide.
pub mod sandbox {
    /// The test `SspMallId` from the guide's sample form.
    pub const SSP_MALL_ID: &str = "SMTSSPAY0p";
}

/// Smartro's server addresses (guide, "스마트로페이 SERVER IP").
pub mod server_ips {
    use std::net::Ipv4Addr;

    /// The test (STG) server.
    pub const TEST: Ipv4Addr = Ipv4Addr::new(211, 193, 35, 11);
    /// The live payment server.
    pub const LIVE_PAYMENT: Ipv4Addr = Ipv4Addr::new(211, 193, 35, 20);
    /// The live re-notification (재통보) servers: allow these for the notification endpoint.
    pub const LIVE_RENOTIFICATION: [Ipv4Addr; 2] = [
        Ipv4Addr::new(211, 193, 35, 216),
        Ipv4Addr::new(211, 193, 35, 217),
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_per_environment_and_device() {
        assert_eq!(
            Environment::Test.script_url(Device::Pc),
            "https://tpay.smartropay.co.kr/asset/js/SmartroPAY-1.0.min.js"
        );
        assert_eq!(
            Environment::Test.script_url(Device::Mobile),
            "https://tmpay.smartropay.co.kr/asset/js/SmartroPAY-1.0.min.js"
        );
        assert_eq!(
            Environment::Live.script_url(Device::Pc),
            "https://pay.smartropay.co.kr/asset/js/SmartroPAY-1.0.min.js"
        );
        assert_eq!(
            Environment::Live.script_url(Device::Mobile),
            "https://mpay.smartropay.co.kr/asset/js/SmartroPAY-1.0.min.js"
        );
        assert_eq!(
            Environment::Test.approval_url(),
            "https://tapproval.smartropay.co.kr/payment/approval/urlCallApproval.do"
        );
        assert_eq!(
            Environment::Live.member_deletion_url(),
            "https://approval.smartropay.co.kr/payment/approval/ssbMemberDel.do"
        );
        assert_eq!(
            Environment::Live.cancel_url(),
            "https://approval.smartropay.co.kr/payment/approval/cancel.do"
        );
        assert_eq!(
            (Environment::Test.mode(), Environment::Live.mode()),
            ("STG", "REAL")
        );
        let sim = Environment::simulator("http://127.0.0.1:9/");
        assert_eq!(
            sim.cancel_url(),
            "http://127.0.0.1:9/payment/approval/cancel.do"
        );
        assert_eq!(
            sim.script_url(Device::Mobile),
            "http://127.0.0.1:9/asset/js/SmartroPAY-1.0.min.js"
        );
    }
}
