//! The protocol-neutral [`PaymentGateway`] trait, its capability query, and the neutral request
//! and outcome types.
//!
//! Each gateway crate also has its own full-fidelity API; this trait is for code that must work
//! with either gateway and can live with the common subset.

use std::collections::BTreeSet;
use std::fmt;
use std::net::IpAddr;

use serde::Serialize;

use crate::card_company::CardCompany;
use crate::card_number::MaskedCardNumber;
use crate::error::Error;
use crate::ids::{Moid, PhoneNumber, Tid};
use crate::kst::KstDateTime;
use crate::secret::Secret;
use crate::won::Won;

/// Which gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GatewayId {
    /// Innopay (인피니소프트 이노페이).
    Innopay,
    /// Smartro PAY (스마트로페이).
    Smartro,
}

impl GatewayId {
    /// The lowercase name (`innopay`, `smartro`).
    pub const fn as_str(self) -> &'static str {
        match self {
            GatewayId::Innopay => "innopay",
            GatewayId::Smartro => "smartro",
        }
    }
}

impl fmt::Display for GatewayId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An operation a gateway may offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Capability {
    /// Register an order that the buyer pays through a link sent by SMS (Innopay).
    SmsPayment,
    /// A browser page the buyer is sent to (Innopay Web-Link, Smartro payment window).
    BrowserPayment,
    /// Complete an authenticated payment with a server call (Smartro approval).
    CompletePayment,
    /// Cancel a whole payment.
    FullCancel,
    /// Cancel part of a payment.
    PartialCancel,
    /// Delete a stored easy-payment member (Smartro SS-Pay).
    DeleteMember,
    /// Decode a server-to-server payment notification.
    Notification,
    /// Decode the buyer's browser returning to the merchant.
    ReturnCallback,
}

/// The set of operations a gateway offers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Capabilities(BTreeSet<Capability>);

impl Capabilities {
    /// A set of these capabilities.
    pub fn of(capabilities: &[Capability]) -> Self {
        Capabilities(capabilities.iter().copied().collect())
    }

    /// Whether the gateway offers `capability`.
    pub fn supports(&self, capability: Capability) -> bool {
        self.0.contains(&capability)
    }

    /// Every capability, in a stable order.
    pub fn iter(&self) -> impl Iterator<Item = Capability> + '_ {
        self.0.iter().copied()
    }
}

/// The buyer (구매자/결제자).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Buyer {
    /// Name (결제자 이름).
    pub name: Option<String>,
    /// Phone (휴대폰번호): where an SMS payment link goes.
    pub phone: Option<PhoneNumber>,
    /// E-mail, for the receipt.
    pub email: Option<String>,
    /// The merchant's member id for the buyer.
    pub member_id: Option<String>,
}

/// A payment to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRequest {
    /// Order number.
    pub moid: Moid,
    /// Amount to pay.
    pub amount: Won,
    /// Part of the amount that is tax-free (면세금액), if any.
    pub tax_free_amount: Option<Won>,
    /// Goods name (상품명), shown to the buyer.
    pub goods_name: String,
    /// Number of goods, where the gateway asks for it.
    pub goods_count: Option<u32>,
    /// The buyer.
    pub buyer: Buyer,
    /// Payment deadline; the gateway's default (end of the next day, KST) when absent.
    pub expires_at: Option<KstDateTime>,
    /// Where the buyer's browser returns (ReturnUrl).
    pub return_url: Option<String>,
    /// Where the browser goes when the buyer stops (StopUrl).
    pub stop_url: Option<String>,
}

/// A gateway's refusal: its result code and message. An outcome, not an error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    /// The result code (결과코드).
    pub code: String,
    /// The result message (결과메시지).
    pub message: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}", self.code, self.message)
    }
}

/// The result of starting a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StartOutcome {
    /// The gateway registered the order and texts the buyer a payment link.
    SmsOrderRegistered {
        /// Order number.
        moid: Moid,
        /// Amount as the gateway registered it.
        amount: Won,
        /// Payment deadline (결제마감).
        deadline: Option<KstDateTime>,
        /// The SMS text / result message the gateway returned.
        message: String,
    },
    /// The buyer's browser must be sent to the gateway: load `url`, or render `html`.
    BrowserRedirect {
        /// A URL to open (GET), when the gateway has one.
        url: Option<String>,
        /// A page that submits or opens the payment window.
        html: String,
    },
    /// The gateway refused.
    Refused(Refusal),
}

/// The buyer authenticated at the gateway; ask the gateway to approve.
#[derive(Debug, Clone)]
pub struct CompletionRequest {
    /// Transaction id from the return callback.
    pub tid: Tid,
    /// The one-time approval token from the return callback (Smartro `TrAuthKey`).
    pub auth_token: Secret,
    /// The amount the merchant expects, checked against the approved amount.
    pub expected_amount: Option<Won>,
}

/// The card used for a payment, as far as the gateway tells.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CardSummary {
    /// Issuer (발급사).
    pub issuer: Option<CardCompany>,
    /// Acquirer (매입사).
    pub acquirer: Option<CardCompany>,
    /// The card number as the gateway masked it.
    pub masked_number: Option<MaskedCardNumber>,
    /// Installment months (`0` = lump sum).
    pub installment_months: Option<u8>,
}

/// An approved payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApprovedPayment {
    /// Transaction id.
    pub tid: Tid,
    /// Order number.
    pub moid: Option<Moid>,
    /// Approved amount.
    pub amount: Won,
    /// Approval time (KST).
    pub approved_at: Option<KstDateTime>,
    /// Approval number (승인번호).
    pub approval_number: Option<String>,
    /// The card, when it was a card payment.
    pub card: Option<CardSummary>,
}

/// The result of completing a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PaymentOutcome {
    /// Approved.
    Approved(ApprovedPayment),
    /// Refused by the gateway.
    Refused(Refusal),
}

/// Full or partial cancel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CancelKind {
    /// The whole remaining amount.
    Full,
    /// Part of it.
    Partial,
}

/// A cancel to request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelRequest {
    /// The transaction.
    pub tid: Tid,
    /// Amount to cancel.
    pub amount: Won,
    /// Full or partial.
    pub kind: CancelKind,
    /// Reason (취소사유).
    pub reason: String,
    /// Which partial cancel this is (1, 2, ...), where the gateway counts them.
    pub sequence: Option<u32>,
}

/// A cancel that took effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CancelReceipt {
    /// The transaction.
    pub tid: Option<Tid>,
    /// Amount cancelled.
    pub amount: Option<Won>,
    /// When (KST).
    pub cancelled_at: Option<KstDateTime>,
    /// The gateway's code (`2001`, `2211`).
    pub code: String,
    /// The gateway's message.
    pub message: String,
}

/// The result of a cancel.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CancelOutcome {
    /// Cancelled now.
    Cancelled(CancelReceipt),
    /// It was already cancelled (code `2013`): a retried cancel lands here, safely.
    AlreadyCancelled(Refusal),
    /// Refused.
    Refused(Refusal),
}

/// Which kind of inbound callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum CallbackKind {
    /// Server-to-server payment result notification (결제 결과 통보).
    Notification,
    /// Re-notification (재통보), Smartro.
    ReNotification,
    /// The buyer's browser posting back to ReturnUrl.
    Return,
    /// The buyer's browser posting back to StopUrl after stopping.
    Stop,
}

impl CallbackKind {
    /// The name it is serialized as (`notification`, `re-notification`, `return`, `stop`).
    pub fn as_str(&self) -> &'static str {
        match self {
            CallbackKind::Notification => "notification",
            CallbackKind::ReNotification => "re-notification",
            CallbackKind::Return => "return",
            CallbackKind::Stop => "stop",
        }
    }
}

/// An inbound HTTP callback, as received.
#[derive(Debug, Clone, Copy)]
pub struct InboundCallback<'a> {
    /// What kind of callback the merchant expects at this URL.
    pub kind: CallbackKind,
    /// The `Content-Type` header, if any.
    pub content_type: Option<&'a str>,
    /// The raw body.
    pub body: &'a [u8],
    /// The sender's address, if known.
    pub remote: Option<IpAddr>,
}

/// The state a callback reports. Serialized as its [`code`](EventStatus::code).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventStatus {
    /// A payment was approved.
    Approved,
    /// A payment (or part of it) was cancelled.
    Cancelled,
    /// An authentication the merchant must now approve (Smartro return).
    Authenticated,
    /// The buyer stopped, or the gateway reports failure.
    Failed,
    /// A status code the manuals do not document, kept as received.
    Other(String),
}

impl EventStatus {
    /// The status as stored and exported: `approved`, `cancelled`, `authenticated`, `failed`,
    /// or an undocumented code as received (`99`).
    pub fn code(&self) -> &str {
        match self {
            EventStatus::Approved => "approved",
            EventStatus::Cancelled => "cancelled",
            EventStatus::Authenticated => "authenticated",
            EventStatus::Failed => "failed",
            EventStatus::Other(code) => code,
        }
    }
}

impl Serialize for EventStatus {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

/// A decoded callback, reduced to what every gateway has. The gateway crates' own decoders give
/// every field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallbackEvent {
    /// The gateway.
    pub gateway: GatewayId,
    /// The kind of callback.
    pub kind: CallbackKind,
    /// What it reports.
    pub status: EventStatus,
    /// Order number.
    pub moid: Option<Moid>,
    /// Transaction id.
    pub tid: Option<Tid>,
    /// The amount this event moves: the approved amount of an approval, the cancelled amount of
    /// a cancel.
    pub amount: Option<Won>,
    /// The payment's original approved amount, when the callback says (a cancel carries it
    /// beside the amount it cancels).
    pub approved_amount: Option<Won>,
    /// Result code, when the callback has one.
    pub result_code: Option<String>,
    /// Distinguishes several events of one transaction and status (e.g. partial cancels).
    pub sequence: Option<String>,
}

impl CallbackEvent {
    /// The key under which a retried delivery of the same event is recognised:
    /// `gateway:tid:status:sequence` (falling back to the order number without a tid).
    pub fn idempotency_key(&self) -> String {
        let id = self
            .tid
            .as_ref()
            .map(|t| t.as_str())
            .or(self.moid.as_ref().map(|m| m.as_str()))
            .unwrap_or("-");
        let status = self.status.code();
        format!(
            "{}:{id}:{status}:{}",
            self.gateway,
            self.sequence.as_deref().unwrap_or("0")
        )
    }
}

/// A payment gateway, protocol-neutral.
///
/// Calls validate their input before any I/O ([`Error::InvalidInput`], nothing sent). A refusal
/// by the gateway is an `Ok` outcome. Calls that move money report a lost answer as
/// [`Error::OutcomeUnknown`] and are never retried automatically.
#[async_trait::async_trait]
pub trait PaymentGateway: Send + Sync {
    /// Which gateway this is.
    fn id(&self) -> GatewayId;

    /// What it can do. Operations outside this set return [`Error::Unsupported`].
    fn capabilities(&self) -> Capabilities;

    /// Starts a payment.
    async fn start_payment(&self, request: &PaymentRequest) -> Result<StartOutcome, Error>;

    /// Completes an authenticated payment (Smartro's approval call).
    async fn complete_payment(&self, request: &CompletionRequest) -> Result<PaymentOutcome, Error> {
        let _ = request;
        Err(Error::Unsupported {
            gateway: self.id().as_str(),
            operation: "complete payment",
        })
    }

    /// Cancels a payment, fully or partly.
    async fn cancel(&self, request: &CancelRequest) -> Result<CancelOutcome, Error>;

    /// Decodes an inbound callback.
    fn decode_callback(&self, callback: &InboundCallback<'_>) -> Result<CallbackEvent, Error>;

    /// The body to answer a notification with, once it is safely stored.
    fn acknowledgement(&self, kind: CallbackKind) -> &[u8];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_kinds_are_named_as_serialized() {
        for kind in [
            CallbackKind::Notification,
            CallbackKind::ReNotification,
            CallbackKind::Return,
            CallbackKind::Stop,
        ] {
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::Value::from(kind.as_str())
            );
        }
    }

    #[test]
    fn capabilities_answer_queries() {
        let caps = Capabilities::of(&[Capability::SmsPayment, Capability::FullCancel]);
        assert!(caps.supports(Capability::SmsPayment));
        assert!(!caps.supports(Capability::CompletePayment));
        assert_eq!(caps.iter().count(), 2);
    }

    #[test]
    fn idempotency_keys_separate_status_and_sequence() {
        let mut event = CallbackEvent {
            gateway: GatewayId::Innopay,
            kind: CallbackKind::Notification,
            status: EventStatus::Approved,
            moid: Some(Moid::parse("order1").unwrap()),
            tid: Some(Tid::parse("testpay01m01011801181105238578").unwrap()),
            amount: Some(Won::new(1000)),
            approved_amount: Some(Won::new(1000)),
            result_code: None,
            sequence: None,
        };
        assert_eq!(
            event.idempotency_key(),
            "innopay:testpay01m01011801181105238578:approved:0"
        );
        event.status = EventStatus::Cancelled;
        event.sequence = Some("2".into());
        assert_eq!(
            event.idempotency_key(),
            "innopay:testpay01m01011801181105238578:cancelled:2"
        );
        event.tid = None;
        assert_eq!(event.idempotency_key(), "innopay:order1:cancelled:2");
        event.status = EventStatus::Other("99".into());
        assert_eq!(serde_json::to_value(&event.status).unwrap(), "99");
        assert_eq!(event.status.code(), "99");
    }
}
