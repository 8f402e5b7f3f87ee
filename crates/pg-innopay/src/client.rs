//! [`InnopayClient`]: the async shell around the sans-I/O core, and its [`PaymentGateway`]
//! implementation.

use std::sync::Arc;

use pg_core::gateway::{
    Buyer, CallbackEvent, CallbackKind, CancelOutcome as NeutralCancel, CancelReceipt,
    Capabilities, Capability, EventStatus, GatewayId, InboundCallback, PaymentGateway,
    PaymentRequest, Refusal, StartOutcome,
};
use pg_core::{Clock, Error, InvalidInput, KstDateTime, SystemClock};
use pg_http::{HttpRequest, HttpResponse, Transport};
use tracing::Instrument;

use crate::cancel::{CancelOutcome, CancelRequest};
use crate::config::{Credentials, Environment};
use crate::notification::{ACKNOWLEDGEMENT, Notification, NotificationStatus};
use crate::return_event::WebLinkEvent;
use crate::sms_pay::{SmsPaymentOutcome, SmsPaymentRequest};
use crate::web_link::{WebLink, WebLinkRequest};

/// An Innopay client over any [`Transport`].
///
/// ```no_run
/// # async fn f() -> Result<(), pg_core::Error> {
/// use pg_innopay::{Credentials, Environment, InnopayClient};
/// use pg_innopay::sms_pay::{SmsPaymentOutcome, SmsPaymentRequest};
///
/// let client = InnopayClient::new(
///     pg_http::ReqwestTransport::new()?,
///     Credentials::sandbox_manual_entry(),
///     Environment::Live,
/// );
/// let request = SmsPaymentRequest::builder()
///     .moid("test20180313001")
///     .goods_name("테스트상품")
///     .amount(10_004u64)
///     .buyer_name("테스트")
///     .buyer_phone("010-1234-1234")
///     .build()?;
/// match client.request_sms_payment(&request).await? {
///     SmsPaymentOutcome::Registered(order) => println!("texted; deadline {:?}", order.deadline),
///     SmsPaymentOutcome::Refused(r) => println!("refused: {r}"),
/// }
/// # Ok(()) }
/// ```
pub struct InnopayClient<T> {
    transport: T,
    credentials: Credentials,
    environment: Environment,
    clock: Arc<dyn Clock>,
}

impl<T> std::fmt::Debug for InnopayClient<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InnopayClient")
            .field("credentials", &self.credentials)
            .field("environment", &self.environment)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> InnopayClient<T> {
    /// A client using the system clock.
    pub fn new(transport: T, credentials: Credentials, environment: Environment) -> Self {
        InnopayClient {
            transport,
            credentials,
            environment,
            clock: Arc::new(SystemClock),
        }
    }

    /// Uses `clock` for request times (the default SMS payment deadline).
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
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

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// Builds a Web-Link for the browser (no I/O).
    pub fn web_link(&self, request: WebLinkRequest) -> Result<WebLink, InvalidInput> {
        request.build(&self.credentials, &self.environment)
    }

    /// Registers an SMS payment order. A lost answer is [`Error::OutcomeUnknown`]: the order
    /// (and the buyer's SMS) may exist; do not resend blindly.
    pub async fn request_sms_payment(
        &self,
        request: &SmsPaymentRequest,
    ) -> Result<SmsPaymentOutcome, Error> {
        let now = KstDateTime::now(&*self.clock);
        let http = request.to_http(&self.credentials.mid, &self.environment, now)?;
        let span = tracing::info_span!("innopay.sms_pay", moid = %request.moid(), amount = %request.amount());
        let response = self
            .exchange("SMS payment request", http)
            .instrument(span)
            .await?;
        request
            .parse_response(now, &response)
            .map_err(|e| Error::unreadable_money_answer("SMS payment request", e))
    }

    /// Cancels a payment, fully or partly. Never retried: a lost answer is
    /// [`Error::OutcomeUnknown`]; a retried cancel that had gone through comes back as
    /// [`CancelOutcome::AlreadyCancelled`].
    pub async fn cancel(&self, request: &CancelRequest) -> Result<CancelOutcome, Error> {
        let http = request.to_http(
            &self.credentials.mid,
            self.credentials.cancel_password.as_ref(),
            &self.environment,
        )?;
        let span =
            tracing::info_span!("innopay.cancel", tid = %request.tid(), amount = %request.amount());
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
            Ok(r) => tracing::info!(status = r.status, "innopay response"),
            Err(e) => tracing::warn!(error = %e, "innopay transport failure"),
        }
        result.map_err(|e| Error::from_money_call(operation, e))
    }
}

#[async_trait::async_trait]
impl<T: Transport> PaymentGateway for InnopayClient<T> {
    fn id(&self) -> GatewayId {
        GatewayId::Innopay
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::of(&[
            Capability::SmsPayment,
            Capability::BrowserPayment,
            Capability::FullCancel,
            Capability::PartialCancel,
            Capability::Notification,
            Capability::ReturnCallback,
        ])
    }

    /// With a buyer phone: the SMS payment API. Without: a Web-Link page where the merchant's
    /// staff enter it.
    async fn start_payment(&self, request: &PaymentRequest) -> Result<StartOutcome, Error> {
        let Buyer {
            name,
            phone,
            email,
            member_id,
        } = &request.buyer;
        if let Some(phone) = phone {
            let mut b = SmsPaymentRequest::builder()
                .moid(request.moid.clone())
                .goods_name(request.goods_name.clone())
                .amount(request.amount)
                .buyer_name(name.clone().unwrap_or_default())
                .buyer_phone(phone.clone());
            if let Some(free) = request.tax_free_amount {
                b = b.duty_free_amount(free);
            }
            if let Some(email) = email {
                b = b.buyer_email(email.clone());
            }
            if let Some(deadline) = request.expires_at {
                b = b.deadline(deadline);
            }
            if let Some(id) = member_id {
                b = b.user_id(id.clone());
            }
            let sms = b.build()?;
            return Ok(match self.request_sms_payment(&sms).await? {
                SmsPaymentOutcome::Registered(order) => StartOutcome::SmsOrderRegistered {
                    moid: order.moid,
                    amount: order.amount,
                    deadline: order.deadline,
                    message: order.message,
                },
                SmsPaymentOutcome::Refused(refusal) => StartOutcome::Refused(refusal),
            });
        }
        let mut b = WebLinkRequest::builder()
            .moid(request.moid.clone())
            .goods_name(request.goods_name.clone())
            .amount(request.amount);
        if let Some(free) = request.tax_free_amount {
            b = b.duty_free_amount(free);
        }
        if let Some(name) = name {
            b = b.buyer_name(name.clone());
        }
        if let Some(email) = email {
            b = b.buyer_email(email.clone());
        }
        if let Some(deadline) = request.expires_at {
            b = b.deadline(deadline);
        }
        if let Some(id) = member_id {
            b = b.user_id(id.clone());
        }
        if let Some(url) = &request.return_url {
            b = b.return_url(url.clone());
        }
        let link = self.web_link(b)?;
        Ok(StartOutcome::BrowserRedirect {
            url: Some(link.get_url()),
            html: link.post_form_html(),
        })
    }

    async fn cancel(
        &self,
        request: &pg_core::gateway::CancelRequest,
    ) -> Result<NeutralCancel, Error> {
        let cancel = CancelRequest::builder()
            .tid(request.tid.clone())
            .amount(request.amount)
            .reason(request.reason.clone())
            .kind(request.kind)
            .build()?;
        let outcome = InnopayClient::cancel(self, &cancel).await?;
        let result = outcome.result();
        let refusal = Refusal {
            code: result.code.clone(),
            message: result.message.clone(),
        };
        Ok(match outcome {
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
        match callback.kind {
            CallbackKind::Notification | CallbackKind::ReNotification => {
                let n = Notification::decode(callback.body, callback.content_type)?;
                Ok(notification_event(&n))
            }
            CallbackKind::Return => {
                let e = WebLinkEvent::decode(callback.body, callback.content_type)?;
                Ok(CallbackEvent {
                    gateway: GatewayId::Innopay,
                    kind: CallbackKind::Return,
                    status: if e.is_registered() {
                        EventStatus::Other("registered".into())
                    } else {
                        EventStatus::Failed
                    },
                    moid: e.moid,
                    tid: None,
                    amount: None,
                    approved_amount: None,
                    result_code: Some(e.result_code),
                    sequence: None,
                })
            }
            _ => Err(Error::Unsupported {
                gateway: "innopay",
                operation: "stop callback",
            }),
        }
    }

    fn acknowledgement(&self, kind: CallbackKind) -> &[u8] {
        match kind {
            CallbackKind::Notification | CallbackKind::ReNotification => ACKNOWLEDGEMENT,
            _ => b"",
        }
    }
}

/// The neutral event of a notification: the amount it moves (a cancel's `cancelAmt`) and the
/// payment's approved amount beside it. Cancels are told apart by the cancel's own tid, else its
/// time, else its amount, so that each partial cancel is its own event.
pub fn notification_event(n: &Notification) -> CallbackEvent {
    let status = match &n.status {
        NotificationStatus::Approved => EventStatus::Approved,
        NotificationStatus::Cancelled => EventStatus::Cancelled,
        NotificationStatus::Other(code) => EventStatus::Other(code.to_string()),
    };
    let sequence = match (&n.status, &n.cancel) {
        (NotificationStatus::Cancelled, Some(c)) => c
            .pg_tid
            .as_ref()
            .map(|t| t.to_string())
            .or_else(|| match (&c.app_date, &c.app_time) {
                (Some(d), Some(t)) => Some(format!("{d}{t}")),
                _ => None,
            })
            .or_else(|| c.amount.map(|a| a.to_string())),
        _ => None,
    };
    CallbackEvent {
        gateway: GatewayId::Innopay,
        kind: CallbackKind::Notification,
        status,
        moid: Some(n.moid.clone()),
        tid: Some(n.pg_tid.clone()),
        amount: Some(n.amount()),
        approved_amount: Some(n.approved_amount()),
        result_code: n.pg_result_code.as_ref().map(|c| c.to_string()),
        sequence,
    }
}
