//! [`NotificationDecoder`]: what the pipeline needs of a gateway — decode, verify a signature
//! where one exists, and the acknowledgement body.

use pg_core::{GatewayId, InvalidInput, Secret};
use pg_innopay::notification::Notification;
use pg_smartro::renotification::{Acknowledgement, ReNotification};

use crate::event::Decoded;

/// Decodes one gateway's notifications.
pub trait NotificationDecoder: Send + Sync + 'static {
    /// The gateway.
    fn gateway(&self) -> GatewayId;

    /// Decodes a body (UTF-8 or EUC-KR).
    fn decode(&self, body: &[u8], content_type: Option<&str>) -> Result<Decoded, InvalidInput>;

    /// What the notification's signature comes to.
    fn signature(&self, decoded: &Decoded) -> Signature;

    /// Whether a notification without a signature is refused.
    fn requires_signature(&self) -> bool {
        false
    }

    /// The exact body that acknowledges a notification.
    fn acknowledgement(&self) -> &[u8];
}

/// Innopay's decoder: acknowledgement `0000`, no signature.
#[derive(Debug, Clone, Copy, Default)]
pub struct InnopayDecoder;

impl NotificationDecoder for InnopayDecoder {
    fn gateway(&self) -> GatewayId {
        GatewayId::Innopay
    }

    fn decode(&self, body: &[u8], content_type: Option<&str>) -> Result<Decoded, InvalidInput> {
        Notification::decode(body, content_type).map(|n| Decoded::Innopay(Box::new(n)))
    }

    fn signature(&self, _: &Decoded) -> Signature {
        Signature::NotSigned
    }

    fn acknowledgement(&self) -> &[u8] {
        pg_innopay::notification::ACKNOWLEDGEMENT
    }
}

/// What a notification's signature came to, recorded on its event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Signature {
    /// The gateway does not sign these notifications (Innopay).
    NotSigned,
    /// No merchant key is configured: not checked.
    Unchecked,
    /// The notification carries no `SignValue` (or an empty one).
    Absent,
    /// `SignValue` verifies.
    Verified,
    /// `SignValue` does not verify: refused.
    Invalid,
}

impl Signature {
    /// `not-signed`, `unchecked`, `absent`, `verified` or `invalid`.
    pub fn as_str(self) -> &'static str {
        match self {
            Signature::NotSigned => "not-signed",
            Signature::Unchecked => "unchecked",
            Signature::Absent => "absent",
            Signature::Verified => "verified",
            Signature::Invalid => "invalid",
        }
    }
}

/// Smartro's re-notification decoder: with a merchant key, a `SignValue` that does not verify
/// is refused; one that is missing is accepted (and recorded as `absent`) unless
/// [`SmartroDecoder::require_signature`]. Acknowledgement `OK` unless configured.
///
/// The guide gives `SignValue`'s formula for the approval response only; re-notifications are
/// checked with the same formula (`TID`, `ResultCode`, the merchant key).
#[derive(Debug, Clone, Default)]
pub struct SmartroDecoder {
    merchant_key: Option<Secret>,
    acknowledgement: Acknowledgement,
    require_signature: bool,
}

impl SmartroDecoder {
    /// A decoder that verifies `SignValue` with `merchant_key`.
    pub fn with_merchant_key(mut self, merchant_key: Secret) -> Self {
        self.merchant_key = Some(merchant_key);
        self
    }

    /// Refuses (`403`) a re-notification without a `SignValue` (needs a merchant key).
    pub fn require_signature(mut self) -> Self {
        self.require_signature = true;
        self
    }

    /// Answers with `acknowledgement` instead of `OK`.
    pub fn with_acknowledgement(mut self, acknowledgement: Acknowledgement) -> Self {
        self.acknowledgement = acknowledgement;
        self
    }
}

impl NotificationDecoder for SmartroDecoder {
    fn gateway(&self) -> GatewayId {
        GatewayId::Smartro
    }

    fn decode(&self, body: &[u8], content_type: Option<&str>) -> Result<Decoded, InvalidInput> {
        ReNotification::decode(body, content_type).map(|n| Decoded::Smartro(Box::new(n)))
    }

    fn signature(&self, decoded: &Decoded) -> Signature {
        match (decoded, &self.merchant_key) {
            (Decoded::Smartro(n), Some(key)) => match n.verify_sign_value(key) {
                None => Signature::Absent,
                Some(true) => Signature::Verified,
                Some(false) => Signature::Invalid,
            },
            (Decoded::Smartro(_), None) => Signature::Unchecked,
            (Decoded::Innopay(_), _) => Signature::NotSigned,
        }
    }

    fn requires_signature(&self) -> bool {
        self.require_signature && self.merchant_key.is_some()
    }

    fn acknowledgement(&self) -> &[u8] {
        self.acknowledgement.as_bytes()
    }
}

/// The decoded form of a stored body, as JSON, and its warnings, for the query side (`Null`
/// when it no longer decodes).
pub(crate) fn decode_stored(
    gateway: &str,
    body: &[u8],
    content_type: Option<&str>,
) -> (serde_json::Value, Vec<pg_core::Warning>) {
    let decoded = match gateway {
        "innopay" => InnopayDecoder.decode(body, content_type),
        "smartro" => SmartroDecoder::default().decode(body, content_type),
        _ => return (serde_json::Value::Null, Vec::new()),
    };
    match decoded {
        Ok(d) => (
            serde_json::to_value(&d).unwrap_or(serde_json::Value::Null),
            d.warnings().to_vec(),
        ),
        Err(_) => (serde_json::Value::Null, Vec::new()),
    }
}
