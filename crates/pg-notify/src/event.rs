//! What flows through the pipeline: the raw [`Delivery`], the decoded [`Event`], and what the
//! store keeps ([`EventRecord`], [`Rejection`]).

use std::net::IpAddr;

use pg_core::{CallbackEvent, GatewayId, Warning};
use pg_innopay::notification::Notification;
use pg_smartro::renotification::ReNotification;
use serde::Serialize;
use time::OffsetDateTime;

/// One HTTP request from a gateway, as received.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Which endpoint it came to.
    pub gateway: GatewayId,
    /// When it arrived.
    pub received_at: OffsetDateTime,
    /// The sender's address.
    pub remote: Option<IpAddr>,
    /// The `Content-Type` header.
    pub content_type: Option<String>,
    /// The body, as received.
    pub body: Vec<u8>,
}

/// A notification decoded with its gateway's decoder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "gateway", content = "notification", rename_all = "lowercase")]
pub enum Decoded {
    /// An Innopay payment-result notification.
    Innopay(Box<Notification>),
    /// A Smartro re-notification.
    Smartro(Box<ReNotification>),
}

impl Decoded {
    /// The neutral summary (status, ids, amount) and its idempotency key.
    pub fn summary(&self) -> CallbackEvent {
        match self {
            Decoded::Innopay(n) => pg_innopay::notification_event(n),
            Decoded::Smartro(n) => pg_smartro::renotification_event(n),
        }
    }

    /// What could not be read but did not stop the notification (lenient fields).
    pub fn warnings(&self) -> &[Warning] {
        match self {
            Decoded::Innopay(n) => &n.warnings,
            Decoded::Smartro(n) => &n.warnings,
        }
    }
}

/// A decoded, verified delivery: what the handler sees.
#[derive(Debug, Clone)]
pub struct Event {
    /// The idempotency key: gateway, transaction id, status, cancel sequence.
    pub key: String,
    /// The neutral summary.
    pub summary: CallbackEvent,
    /// Every field, typed.
    pub decoded: Decoded,
    /// The body as stored: card numbers masked, secrets removed.
    pub stored_body: Vec<u8>,
    /// The body a re-run decodes, when it differs from `stored_body`: card numbers masked,
    /// secrets (`billKey`) kept, so that the handler sees what the first run saw. Kept in the
    /// store only, never in a log or export. `None` (most notifications carry no secret): a
    /// re-run decodes `stored_body`, and the row holds one copy of the body, not two.
    pub(crate) rerun_body: Option<Vec<u8>>,
    /// What its signature came to (Smartro's `SignValue`; Innopay does not sign).
    pub signature: crate::decoder::Signature,
    /// The `Content-Type` header.
    pub content_type: Option<String>,
    /// The sender's address.
    pub remote: Option<IpAddr>,
    /// When it arrived.
    pub received_at: OffsetDateTime,
}

impl Event {
    /// What could not be read but did not stop the notification.
    pub fn warnings(&self) -> &[Warning] {
        self.decoded.warnings()
    }
}

/// The state of a stored event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventState {
    /// The handler ran and its effect is committed; acknowledged.
    Processed,
    /// Verification or the handler failed; not acknowledged, the gateway will resend.
    Failed,
}

impl EventState {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            EventState::Processed => "processed",
            EventState::Failed => "failed",
        }
    }

    /// The state of a stored name.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "processed" => Some(EventState::Processed),
            "failed" => Some(EventState::Failed),
            _ => None,
        }
    }
}

/// A stored event, as the query side shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventRecord {
    /// Row id.
    pub id: i64,
    /// Idempotency key.
    pub key: String,
    /// Gateway.
    pub gateway: String,
    /// Callback kind.
    pub kind: String,
    /// Reported status (`approved`, `cancelled`...).
    pub status: String,
    /// Transaction id.
    pub tid: Option<String>,
    /// Order number.
    pub moid: Option<String>,
    /// The amount this event moves, in won: what an approval approved, what a cancel cancels.
    pub amount: Option<i64>,
    /// The payment's approved amount, in won, when the notification says (a cancel carries it
    /// beside the amount it cancels).
    pub approved_amount: Option<i64>,
    /// Processed or failed.
    pub state: EventState,
    /// Processing attempts (handler runs and verification failures).
    pub attempts: i64,
    /// Times the gateway delivered it.
    pub deliveries: i64,
    /// The last failure, if any.
    pub last_error: Option<String>,
    /// `Content-Type` of the first stored delivery.
    pub content_type: Option<String>,
    /// Sender's address.
    pub remote: Option<String>,
    /// First received (RFC 3339, UTC).
    pub received_at: String,
    /// Last changed.
    pub updated_at: String,
    /// When processed.
    pub processed_at: Option<String>,
    /// The body as stored (masked), lossily as text.
    pub body: String,
    /// The decoded notification.
    pub decoded: serde_json::Value,
    /// Fields that could not be read but did not stop the notification.
    pub warnings: Vec<Warning>,
    /// What its signature came to: `verified`, `absent`, `unchecked` (no key) or
    /// `not-signed` (Innopay); `None` for events stored before it was recorded.
    pub signature: Option<String>,
    /// Deliveries under this event's key whose order number or amounts differ from it: never
    /// applied, kept for a person.
    pub conflicts: i64,
    /// What differed in the last conflicting delivery.
    pub conflict_detail: Option<String>,
    /// The last conflicting delivery's body (masked), lossily as text.
    pub conflict_body: Option<String>,
}

/// A delivery refused before it had an idempotency key: a disallowed address, a body that does
/// not decode, a wrong method, an oversized body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// Row id (0 before storing).
    pub id: i64,
    /// Gateway endpoint.
    pub gateway: String,
    /// Why.
    pub reason: String,
    /// Sender's address.
    pub remote: Option<String>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// When (RFC 3339, UTC).
    pub received_at: String,
    /// The body as kept (masked), lossily as text: whole up to 1 KiB, otherwise its first
    /// fields.
    pub body: String,
    /// The whole body's size in bytes.
    pub body_size: i64,
    /// The whole body's SHA-256 (hex), when only its first fields are kept.
    pub body_sha256: Option<String>,
}

/// What processing a delivery came to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProcessOutcome {
    /// New (or previously failed): the handler ran and everything is committed.
    Processed {
        /// Row id.
        id: i64,
    },
    /// Already processed: acknowledged again, the handler not run.
    Duplicate {
        /// Row id.
        id: i64,
    },
    /// The handler failed; its effect was rolled back and the failure is stored.
    HandlerFailed {
        /// Row id.
        id: i64,
        /// The handler's error.
        error: String,
    },
    /// The event's key is known, but this delivery's order number or amounts differ: recorded
    /// as a conflict (with its body), never applied, not acknowledged.
    Conflict {
        /// Row id.
        id: i64,
        /// What differs.
        detail: String,
    },
}

pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
