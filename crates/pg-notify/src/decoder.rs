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

    /// Checks the notification's signature: `None` when it carries none (or no key is set),
    /// otherwise whether it verifies.
    fn verify_signature(&self, decoded: &Decoded) -> Option<bool>;

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

    fn verify_signature(&self, _: &Decoded) -> Option<bool> {
        None
    }

    fn acknowledgement(&self) -> &[u8] {
        pg_innopay::notification::ACKNOWLEDGEMENT
    }
}

/// Smartro's re-notification decoder: verifies `SignValue` when one is sent and a merchant key
/// is set; acknowledgement `OK` unless configured.
#[derive(Debug, Clone, Default)]
pub struct SmartroDecoder {
    merchant_key: Option<Secret>,
    acknowledgement: Acknowledgement,
}

impl SmartroDecoder {
    /// A decoder that verifies `SignValue` with `merchant_key`.
    pub fn with_merchant_key(mut self, merchant_key: Secret) -> Self {
        self.merchant_key = Some(merchant_key);
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

    fn verify_signature(&self, decoded: &Decoded) -> Option<bool> {
        match (decoded, &self.merchant_key) {
            (Decoded::Smartro(n), Some(key)) => n.verify_sign_value(key),
            _ => None,
        }
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
