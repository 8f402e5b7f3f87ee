//! [`SmartroClient`]: the async shell around the sans-I/O core, and its [`PaymentGateway`]
//! implementation.

use std::sync::Arc;

use pg_core::gateway::{
    ApprovedPayment, CallbackEvent, CallbackKind, CancelOutcome as NeutralCancel, CancelReceipt,
    Capabilities, Capability, CardSummary, CompletionRequest, EventStatus, GatewayId,
    InboundCallback, PaymentGateway, PaymentOutcome, PaymentRequest, Refusal, StartOutcome,
};
use pg_core::{Clock, CryptoError, Error, InvalidInput, KstDateTime, SystemClock};
use pg_http::{HttpRequest, HttpResponse, Transport};
use tracing::Instrument;

use crate::approval::{ApprovalOutcome, ApprovalRequest};
use crate::callbacks::{ReturnCallback, StopResult};
use crate::cancel::{CancelOutcome, CancelRequest};
use crate::config::{Credentials, Device, Environment};
use crate::member::{MemberDeletionOutcome, MemberDeletionRequest, parse_member_deletion_response};
use crate::payment_window::{PaymentWindow, PaymentWindowRequest};
use crate::renotification::{Acknowledgement, ReNotification, ReNotificationState};

/// A Smartro PAY client over any [`Transport`].
///
/// ```no_run
/// # async fn f(tid: &str, key: &str) -> Result<(), pg_core::Error> {
/// use pg_core::{Mid, Secret, Tid};
/// use pg_smartro::approval::{ApprovalOutcome, ApprovalRequest};
/// use pg_smartro::config::{Credentials, Environment};
/// use pg_smartro::SmartroClient;
///
/// let client = SmartroClient::new(
///     pg_http::ReqwestTransport::new()?,
///     Credentials {
///         mid: Mid::parse("t_2510201m")?,
///         merchant_key: Secret::new(std::env::var("PGKIT_MERCHANT_KEY").unwrap_or_default()),
///         ssp_mall_id: "SMTSSPAY0p".into(),
///         cancel_password: None,
///     },
///     Environment::Test,
/// );
/// let request = ApprovalRequest { tid: Tid::parse(tid)?, tr_auth_key: Secret::new(key) };
/// match client.approve(&request).await? {
///     ApprovalOutcome::Approved(r) => println!("approved {:?}", r.amount),
///     ApprovalOutcome::Refused(r) => println!("refused [{}] {}", r.result_code, r.result_message),
/// }
/// # Ok(()) }
/// ```
pub struct SmartroClient<T> {
    transport: T,
    credentials: Credentials,
    environment: Environment,
    clock: Arc<dyn Clock>,
    device: Device,
    acknowledgement: Acknowledgement,
}

impl<T> std::fmt::Debug for SmartroClient<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmartroClient")
            .field("credentials", &self.credentials)
            .field("environment", &self.environment)
            .field("device", &self.device)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> SmartroClient<T> {
    /// A client using the system clock, rendering PC pages, acknowledging with `OK`.
    pub fn new(transport: T, credentials: Credentials, environment: Environment) -> Self {
        SmartroClient {
            transport,
            credentials,
            environment,
            clock: Arc::new(SystemClock),
            device: Device::Pc,
            acknowledgement: Acknowledgement::default(),
        }
    }

    /// Uses `clock` for `EdiDate` and the script cache-buster.
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Renders payment pages for `device` in [`PaymentGateway::start_payment`].
    pub fn with_device(mut self, device: Device) -> Self {
        self.device = device;
        self
    }

    /// Answers re-notifications with `acknowledgement` instead of `OK`.
    pub fn with_acknowledgement(mut self, acknowledgement: Acknowledgement) -> Self {
        self.acknowledgement = acknowledgement;
        self
    }

    /// The credentials in use.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The environment in use.
    pub fn environment(&self) -> &Environment {
        &self.environment
    }

    /// Signs a payment-window form, stamped with the current Korean time (no I/O).
    pub fn payment_window(
        &self,
        request: PaymentWindowRequest,
    ) -> Result<PaymentWindow, InvalidInput> {
        request.build(&self.credentials, KstDateTime::now(&*self.clock))
    }

    /// Approves an authenticated payment. A lost or unreadable answer, or a `SignValue` that
    /// does not verify, is [`Error::OutcomeUnknown`]: the payment may be approved.
    pub async fn approve(&self, request: &ApprovalRequest) -> Result<ApprovalOutcome, Error> {
        let http = request.to_http(&self.environment)?;
        let span = tracing::info_span!("smartro.approval", tid = %request.tid);
        let response = self.exchange("approval", http).instrument(span).await?;
        let outcome = request
            .parse_response(&response)
            .map_err(|e| Error::unreadable_money_answer("approval", e))?;
        if outcome
            .result()
            .verify_sign_value(&self.credentials.merchant_key)
            == Some(false)
        {
            tracing::warn!("SignValue does not verify");
            return Err(Error::OutcomeUnknown {
                operation: "approval",
                cause: Box::new(Error::Crypto(CryptoError::Mismatch { what: "SignValue" })),
            });
        }
        Ok(outcome)
    }

    /// Deletes an SS-Pay member (and its billing id).
    pub async fn delete_member(
        &self,
        request: &MemberDeletionRequest,
    ) -> Result<MemberDeletionOutcome, Error> {
        let http = request.to_http(&self.credentials, &self.environment)?;
        let span = tracing::info_span!("smartro.member_deletion");
        let response = self
            .exchange("member deletion", http)
            .instrument(span)
            .await?;
        parse_member_deletion_response(&response)
            .map_err(|e| Error::unreadable_money_answer("member deletion", e))
    }

    /// Cancels a payment, fully or partly. Never retried: a lost answer is
    /// [`Error::OutcomeUnknown`]; a repeated cancel comes back as `AlreadyCancelled`.
    pub async fn cancel(&self, request: &CancelRequest) -> Result<CancelOutcome, Error> {
        let http = request.to_http(&self.credentials, &self.environment)?;
        let span =
            tracing::info_span!("smartro.cancel", tid = %request.tid(), amount = %request.amount());
        let response = self.exchange("cancel", http).instrument(span).await?;
        request
            .parse_response(&response)
            .map_err(|e| Error::unreadable_money_answer("cancel", e))
    }

    async fn exchange(
        &self,
        operation: &'static str,
        http: HttpRequest,
    ) -> Result<HttpResponse, Error> {
        let result = self.transport.send(http).await;
        match &result {
            Ok(r) => tracing::info!(status = r.status, "smartro response"),
            Err(e) => tracing::warn!(error = %e, "smartro transport failure"),
        }
        result.map_err(|e| Error::from_money_call(operation, e))
    }
}

#[async_trait::async_trait]
impl<T: Transport> PaymentGateway for SmartroClient<T> {
    fn id(&self) -> GatewayId {
        GatewayId::Smartro
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::of(&[
            Capability::BrowserPayment,
            Capability::CompletePayment,
            Capability::FullCancel,
            Capability::PartialCancel,
            Capability::DeleteMember,
            Capability::Notification,
            Capability::ReturnCallback,
        ])
    }

    /// The payment-window page. Needs the buyer's name, phone, e-mail and member id, and both
    /// the return and stop URLs.
    async fn start_payment(&self, request: &PaymentRequest) -> Result<StartOutcome, Error> {
        let b = &request.buyer;
        let mut w = PaymentWindowRequest::builder()
            .moid(request.moid.clone())
            .amount(request.amount)
            .goods_name(request.goods_name.clone())
            .goods_count(request.goods_count.unwrap_or(1));
        if let Some(v) = &b.member_id {
            w = w.mall_user_id(v.clone());
        }
        if let Some(v) = &b.name {
            w = w.buyer_name(v.clone());
        }
        if let Some(v) = &b.phone {
            w = w.buyer_phone(v.clone());
        }
        if let Some(v) = &b.email {
            w = w.buyer_email(v.clone());
        }
        if let Some(v) = &request.return_url {
            w = w.return_url(v.clone());
        }
        if let Some(v) = &request.stop_url {
            w = w.stop_url(v.clone());
        }
        if let Some(v) = request.tax_free_amount {
            w = w.tax_free_amount(v);
        }
        let window = self.payment_window(w)?;
        Ok(StartOutcome::BrowserRedirect {
            url: None,
            html: window.html(&self.environment, self.device),
        })
    }

    async fn complete_payment(&self, request: &CompletionRequest) -> Result<PaymentOutcome, Error> {
        let approval = ApprovalRequest {
            tid: request.tid.clone(),
            tr_auth_key: request.auth_token.clone(),
        };
        match self.approve(&approval).await? {
            ApprovalOutcome::Refused(r) => Ok(PaymentOutcome::Refused(Refusal {
                code: r.result_code,
                message: r.result_message,
            })),
            ApprovalOutcome::Approved(r) => {
                if let Some(expected) = request.expected_amount {
                    if let Err(mismatch) = r.check_amount(expected) {
                        return Err(Error::AmountMismatch {
                            tid: request.tid.to_string(),
                            expected: mismatch.expected,
                            actual: mismatch.actual,
                        });
                    }
                }
                Ok(PaymentOutcome::Approved(ApprovedPayment {
                    tid: r.tid.clone().unwrap_or_else(|| request.tid.clone()),
                    moid: r.moid.clone(),
                    amount: r.amount.unwrap_or_default(),
                    approved_at: r.approved_at,
                    approval_number: r.auth_code.clone(),
                    card: Some(CardSummary {
                        issuer: r.card.issuer.clone(),
                        acquirer: r.card.acquirer.clone(),
                        masked_number: r.card.number.clone(),
                        installment_months: r.card.quota.as_deref().and_then(|q| q.parse().ok()),
                    }),
                }))
            }
        }
    }

    async fn cancel(
        &self,
        request: &pg_core::gateway::CancelRequest,
    ) -> Result<NeutralCancel, Error> {
        let mut b = CancelRequest::builder()
            .tid(request.tid.clone())
            .amount(request.amount)
            .reason(request.reason.clone())
            .kind(request.kind);
        if let Some(seq) = request.sequence {
            b = b.sequence(seq);
        }
        let outcome = SmartroClient::cancel(self, &b.build()?).await?;
        let r = outcome.result();
        let refusal = Refusal {
            code: r.code.clone(),
            message: r.message.clone(),
        };
        Ok(match outcome {
            // What the answer says, never filled in from the request.
            CancelOutcome::Cancelled(r) => NeutralCancel::Cancelled(CancelReceipt {
                tid: r.tid,
                amount: r.amount,
                cancelled_at: r.cancelled_at,
                code: r.code,
                message: r.message,
            }),
            CancelOutcome::AlreadyCancelled(_) => NeutralCancel::AlreadyCancelled(refusal),
            CancelOutcome::Refused(_) => NeutralCancel::Refused(refusal),
        })
    }

    fn decode_callback(&self, callback: &InboundCallback<'_>) -> Result<CallbackEvent, Error> {
        let event = |kind, status, moid, tid, amount, code| CallbackEvent {
            gateway: GatewayId::Smartro,
            kind,
            status,
            moid,
            tid,
            amount,
            approved_amount: None,
            result_code: code,
            sequence: None,
        };
        Ok(match callback.kind {
            CallbackKind::Return => {
                let r = ReturnCallback::decode(callback.body, callback.content_type)?;
                event(
                    CallbackKind::Return,
                    EventStatus::Authenticated,
                    None,
                    Some(r.tid),
                    None,
                    None,
                )
            }
            CallbackKind::Stop => {
                let s = StopResult::decode(callback.body, callback.content_type)?;
                event(
                    CallbackKind::Stop,
                    EventStatus::Failed,
                    s.moid,
                    None,
                    s.amount,
                    Some(s.result_code),
                )
            }
            CallbackKind::Notification | CallbackKind::ReNotification => {
                let n = ReNotification::decode(callback.body, callback.content_type)?;
                renotification_event(&n)
            }
            _ => {
                return Err(Error::Unsupported {
                    gateway: "smartro",
                    operation: "this callback kind",
                });
            }
        })
    }

    fn acknowledgement(&self, kind: CallbackKind) -> &[u8] {
        match kind {
            CallbackKind::Notification | CallbackKind::ReNotification => {
                self.acknowledgement.as_bytes()
            }
            _ => b"",
        }
    }
}

/// The neutral event of a re-notification. Cancels are told apart by the cancel's own `TID`
/// (the original is `OTID`), so each partial cancel is its own event.
pub fn renotification_event(n: &ReNotification) -> CallbackEvent {
    let status = match n.state() {
        ReNotificationState::Approved => EventStatus::Approved,
        ReNotificationState::Cancelled => EventStatus::Cancelled,
        ReNotificationState::Other => EventStatus::Other(
            n.state_code
                .clone()
                .unwrap_or_else(|| n.result_code.clone()),
        ),
    };
    let (tid, sequence) = match (&status, &n.original_tid) {
        (EventStatus::Cancelled, Some(original)) => (original.clone(), Some(n.tid.to_string())),
        _ => (n.tid.clone(), None),
    };
    CallbackEvent {
        gateway: GatewayId::Smartro,
        kind: CallbackKind::ReNotification,
        status,
        moid: Some(n.moid.clone()),
        tid: Some(tid),
        amount: Some(n.amount),
        // The old format says how much a cancel cancels, not what the payment was.
        approved_amount: (n.state() == ReNotificationState::Approved).then_some(n.amount),
        result_code: Some(n.result_code.clone()),
        sequence,
    }
}
