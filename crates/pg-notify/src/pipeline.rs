//! The [`Pipeline`]: raw log → decode → verify → durable idempotent store with the handler →
//! acknowledge only after the commit. Anything that goes wrong is a non-acknowledgement, so the
//! gateway resends, and leaves a record.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use pg_core::GatewayId;
use time::OffsetDateTime;

use crate::allowlist::IpAllowlist;
use crate::decoder::{InnopayDecoder, NotificationDecoder, Signature, SmartroDecoder};
use crate::detail::Detail;
use crate::event::{Decoded, Delivery, Event, ProcessOutcome, Rejection, rfc3339};
use crate::handler::{Handler, OrderCheck};
use crate::mask::{mask_both, mask_form_body};
use crate::raw_log::{RawEntry, RawLog};
use crate::refusal::{RefusalBudget, Verdict, sample};
use crate::store::{FailOutcome, Store};
use tracing::Instrument;

/// One gateway's endpoint: its decoder, the merchant's handler, and the optional checks.
#[derive(Clone)]
pub struct GatewayEndpoint {
    decoder: Arc<dyn NotificationDecoder>,
    handler: Arc<dyn Handler>,
    allowlist: Option<IpAllowlist>,
    order_check: Option<Arc<dyn OrderCheck>>,
}

impl std::fmt::Debug for GatewayEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayEndpoint")
            .field("gateway", &self.decoder.gateway())
            .field("allowlist", &self.allowlist)
            .field("order_check", &self.order_check.is_some())
            .finish()
    }
}

impl GatewayEndpoint {
    /// An endpoint with any decoder.
    pub fn new(decoder: impl NotificationDecoder, handler: impl Handler) -> Self {
        GatewayEndpoint {
            decoder: Arc::new(decoder),
            handler: Arc::new(handler),
            allowlist: None,
            order_check: None,
        }
    }

    /// Innopay's notifications (`0000`).
    pub fn innopay(handler: impl Handler) -> Self {
        GatewayEndpoint::new(InnopayDecoder, handler)
    }

    /// Smartro's re-notifications (`OK` by default; `SignValue` checked when a key is set).
    pub fn smartro(decoder: SmartroDecoder, handler: impl Handler) -> Self {
        GatewayEndpoint::new(decoder, handler)
    }

    /// Accepts deliveries only from these addresses (e.g. [`IpAllowlist::smartro_live`]).
    pub fn allow(mut self, allowlist: IpAllowlist) -> Self {
        self.allowlist = Some(allowlist);
        self
    }

    /// Checks each event against the merchant's own order before storing it.
    pub fn order_check(mut self, check: impl OrderCheck) -> Self {
        self.order_check = Some(Arc::new(check));
        self
    }

    /// The gateway.
    pub fn gateway(&self) -> GatewayId {
        self.decoder.gateway()
    }
}

/// The answer to a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Body: exactly the gateway's acknowledgement, or `NACK ...`.
    pub body: Vec<u8>,
    /// Whether this acknowledges the notification.
    pub acknowledged: bool,
}

/// What the HTTP layer knows of a request, for the raw log.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    /// Method.
    pub method: String,
    /// Path.
    pub path: String,
    /// Headers.
    pub headers: Vec<(String, String)>,
}

/// A re-run that could not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RerunError {
    /// No such event.
    #[error("no event {0}")]
    NotFound(i64),
    /// Its gateway has no endpoint in this pipeline.
    #[error("no endpoint for gateway {0}")]
    NoEndpoint(String),
    /// It no longer decodes or verifies.
    #[error("{0}")]
    Invalid(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] crate::sql::StoreError),
}

struct Inner {
    store: Store,
    raw_log: Option<RawLog>,
    endpoints: Vec<GatewayEndpoint>,
    sequence: AtomicU64,
    /// Deliveries answered, and of those acknowledged (see [`DeliveryStats`]).
    answered: AtomicU64,
    acknowledged: AtomicU64,
    refusals: RefusalBudget,
}

/// What a pipeline has answered since it was built, counted in memory: reading it touches no
/// store (a count of the store's events on the writer's connection would hold up deliveries
/// while a large table is counted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryStats {
    /// Deliveries answered (refusals before decoding included).
    pub answered: u64,
    /// Of those, acknowledged: stored, or known already.
    pub acknowledged: u64,
}

impl DeliveryStats {
    /// Deliveries answered without an acknowledgement (the gateway sends them again).
    pub fn not_acknowledged(&self) -> u64 {
        self.answered.saturating_sub(self.acknowledged)
    }
}

/// Bodies up to this size go into the raw log whole; larger ones (never a real notification)
/// as their size, hash and first fields.
const RAW_LOG_WHOLE: usize = 16 * 1024;
/// What the raw log keeps of a larger body.
const RAW_LOG_HEAD: usize = 2 * 1024;
/// What a rejection record keeps of a body.
const REJECTION_HEAD: usize = 1024;

/// The inbound pipeline. Cheap to clone.
#[derive(Clone)]
pub struct Pipeline {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("store", &self.inner.store)
            .field("raw_log", &self.inner.raw_log)
            .field("endpoints", &self.inner.endpoints)
            .finish()
    }
}

/// Builds a [`Pipeline`].
#[derive(Debug)]
pub struct PipelineBuilder {
    store: Store,
    raw_log: Option<RawLog>,
    endpoints: Vec<GatewayEndpoint>,
}

impl PipelineBuilder {
    /// Appends every request to a daily-rotated log in `log`.
    pub fn raw_log(mut self, log: RawLog) -> Self {
        self.raw_log = Some(log);
        self
    }

    /// Adds a gateway endpoint (one per gateway; a later one replaces an earlier one).
    pub fn endpoint(mut self, endpoint: GatewayEndpoint) -> Self {
        self.endpoints.retain(|e| e.gateway() != endpoint.gateway());
        self.endpoints.push(endpoint);
        self
    }

    /// The pipeline.
    pub fn build(self) -> Pipeline {
        Pipeline {
            inner: Arc::new(Inner {
                store: self.store,
                raw_log: self.raw_log,
                endpoints: self.endpoints,
                sequence: AtomicU64::new(0),
                answered: AtomicU64::new(0),
                acknowledged: AtomicU64::new(0),
                refusals: RefusalBudget::default(),
            }),
        }
    }
}

fn nack(status: u16, reason: &str) -> Reply {
    Reply {
        status,
        body: format!("NACK {reason}").into_bytes(),
        acknowledged: false,
    }
}

impl Pipeline {
    /// A pipeline over `store`; add endpoints with [`PipelineBuilder::endpoint`].
    pub fn builder(store: Store) -> PipelineBuilder {
        PipelineBuilder {
            store,
            raw_log: None,
            endpoints: Vec::new(),
        }
    }

    /// Whether every request is written to a raw log (see [`PipelineBuilder::raw_log`]): only
    /// then is a [`RequestMeta`] read.
    pub fn keeps_raw_log(&self) -> bool {
        self.inner.raw_log.is_some()
    }

    /// Deliveries answered and acknowledged since the pipeline was built.
    pub fn delivery_stats(&self) -> DeliveryStats {
        // The two counters are read one after the other while deliveries are answered: never
        // more acknowledged than answered.
        let acknowledged = self.inner.acknowledged.load(Ordering::Relaxed);
        DeliveryStats {
            answered: self
                .inner
                .answered
                .load(Ordering::Relaxed)
                .max(acknowledged),
            acknowledged,
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The endpoint of a gateway.
    pub fn endpoint(&self, gateway: GatewayId) -> Option<&GatewayEndpoint> {
        self.inner.endpoints.iter().find(|e| e.gateway() == gateway)
    }

    fn next_delivery(&self) -> u64 {
        self.inner.sequence.fetch_add(1, Ordering::Relaxed)
    }

    fn log_request(&self, id: u64, delivery: &Delivery, meta: &RequestMeta) -> Result<(), String> {
        let Some(log) = &self.inner.raw_log else {
            return Ok(());
        };
        // Whole (masked) up to RAW_LOG_WHOLE; a larger body, never a real notification, as its
        // size, hash and first fields.
        let kept = sample(
            &delivery.body,
            if delivery.body.len() <= RAW_LOG_WHOLE {
                RAW_LOG_WHOLE
            } else {
                RAW_LOG_HEAD
            },
        );
        let (masked_body, body_sha256) = (kept.head.as_slice(), kept.sha256.as_deref());
        log.append(&RawEntry {
            delivery: id,
            at: delivery.received_at,
            gateway: delivery.gateway.as_str(),
            method: &meta.method,
            path: &meta.path,
            remote: delivery.remote,
            headers: &meta.headers,
            masked_body,
            body_size: delivery.body.len(),
            body_sha256,
        })
        .map_err(|e| format!("raw log: {e}"))
    }

    fn log_outcome(&self, id: u64, reply: &Reply, detail: &Detail) {
        if reply.acknowledged {
            self.inner.acknowledged.fetch_add(1, Ordering::Relaxed);
        }
        self.inner.answered.fetch_add(1, Ordering::Relaxed);
        if let Some(log) = &self.inner.raw_log {
            if let Err(e) = log.outcome(
                id,
                OffsetDateTime::now_utc(),
                reply.status,
                reply.acknowledged,
                &detail.to_string(),
            ) {
                tracing::error!(error = %e, "raw log outcome line failed");
            }
        }
        if reply.acknowledged {
            tracing::info!(
                delivery = id,
                status = reply.status,
                detail = %detail,
                "notification acknowledged"
            );
        } else {
            tracing::warn!(
                delivery = id,
                status = reply.status,
                detail = %detail,
                "notification not acknowledged"
            );
        }
    }

    /// Handles one delivery end to end and returns the answer for the gateway.
    pub async fn handle(&self, delivery: Delivery, meta: &RequestMeta) -> Reply {
        let id = self.next_delivery();
        // The span follows the future across awaits (an entered guard would leak it into
        // whatever else the thread runs meanwhile).
        let span =
            tracing::info_span!("notify.delivery", delivery = id, gateway = %delivery.gateway);
        async move {
            if let Err(e) = self.log_request(id, &delivery, meta) {
                // Without the log line the body could be lost: do not acknowledge.
                let reply = self.reject(&delivery, 500, &e).await;
                self.log_outcome(id, &reply, &Detail::Text(e));
                return reply;
            }
            let (reply, detail) = self.process(delivery).await;
            self.log_outcome(id, &reply, &detail);
            reply
        }
        .instrument(span)
        .await
    }

    /// Refuses a delivery before decoding (wrong method, oversized body...): a raw-log line, a
    /// rejection record, and a non-acknowledgement.
    pub async fn refuse(
        &self,
        delivery: Delivery,
        meta: &RequestMeta,
        status: u16,
        reason: &str,
    ) -> Reply {
        let id = self.next_delivery();
        if let Err(e) = self.log_request(id, &delivery, meta) {
            tracing::error!(error = %e, "raw log write failed");
        }
        let reply = self.reject(&delivery, status, reason).await;
        self.log_outcome(id, &reply, &reason.into());
        reply
    }

    /// Records a refusal — a bounded sample of the body, within the source's budget — and
    /// answers it.
    async fn reject(&self, delivery: &Delivery, status: u16, reason: &str) -> Reply {
        let kept = sample(&delivery.body, REJECTION_HEAD);
        let reason = match self.inner.refusals.judge(delivery.remote, kept.size) {
            Verdict::Suppress => {
                tracing::debug!(remote = ?delivery.remote, reason, "refusal over the source's budget: counted only");
                return nack(status, reason);
            }
            Verdict::Record { earlier: 0, .. } => reason.to_owned(),
            Verdict::Record {
                earlier,
                earlier_bytes,
            } => format!(
                "{reason} (and {earlier} earlier refusals from this source, {earlier_bytes} bytes, over its budget: not recorded)"
            ),
        };
        let rejection = Rejection {
            id: 0,
            gateway: delivery.gateway.as_str().to_owned(),
            reason: reason.clone(),
            remote: delivery.remote.map(|r| r.to_string()),
            content_type: delivery.content_type.clone(),
            received_at: rfc3339(delivery.received_at),
            body: String::new(),
            body_size: i64::try_from(kept.size).unwrap_or(i64::MAX),
            body_sha256: kept.sha256,
        };
        if let Err(e) = self
            .inner
            .store
            .record_rejection(rejection, kept.head)
            .await
        {
            tracing::error!(error = %e, "rejection not recorded");
        }
        nack(status, &reason)
    }

    async fn process(&self, delivery: Delivery) -> (Reply, Detail) {
        let Some(endpoint) = self.endpoint(delivery.gateway).cloned() else {
            let reason = format!("no endpoint for {}", delivery.gateway);
            return (self.reject(&delivery, 404, &reason).await, reason.into());
        };
        if let Some(list) = &endpoint.allowlist {
            if !delivery.remote.is_some_and(|ip| list.allows(ip)) {
                let reason = format!(
                    "source address {} is not allowed",
                    delivery
                        .remote
                        .map_or_else(|| "unknown".to_owned(), |r| r.to_string())
                );
                return (self.reject(&delivery, 403, &reason).await, reason.into());
            }
        }
        let decoded = match endpoint
            .decoder
            .decode(&delivery.body, delivery.content_type.as_deref())
        {
            Ok(d) => d,
            Err(invalid) => {
                let reason = invalid.to_string();
                return (self.reject(&delivery, 400, &reason).await, reason.into());
            }
        };
        let (masked, rerun_body) = mask_both(&delivery.body);
        let signature = endpoint.decoder.signature(&decoded);
        let event = Arc::new(event_of(decoded, signature, &delivery, masked, rerun_body));
        self.verify_and_store(&endpoint, event, true).await
    }

    async fn verify_and_store(
        &self,
        endpoint: &GatewayEndpoint,
        event: Arc<Event>,
        count_delivery: bool,
    ) -> (Reply, Detail) {
        let ack = || Reply {
            status: 200,
            body: endpoint.decoder.acknowledgement().to_vec(),
            acknowledged: true,
        };
        let failure = if event.signature == Signature::Invalid {
            Some((403, "SignValue does not verify".to_owned()))
        } else if event.signature == Signature::Absent && endpoint.decoder.requires_signature() {
            Some((
                403,
                "SignValue is missing, and this endpoint requires it".to_owned(),
            ))
        } else if let Some(check) = &endpoint.order_check {
            check
                .check(&event)
                .await
                .err()
                .map(|reason| (422, format!("order check: {reason}")))
        } else {
            None
        };
        if let Some((status, reason)) = failure {
            return match self
                .inner
                .store
                .record_failure(event.clone(), reason.clone())
                .await
            {
                Ok(FailOutcome::AlreadyProcessed { id }) => {
                    (ack(), format!("event {id} already processed").into())
                }
                Ok(FailOutcome::Recorded { id }) => (
                    nack(status, &reason),
                    format!("event {id}: {reason}").into(),
                ),
                Ok(FailOutcome::Conflict { id, detail }) => conflict(id, &detail),
                Err(e) => (
                    nack(503, "store unavailable"),
                    format!("{reason}; {e}").into(),
                ),
            };
        }
        let outcome = self
            .inner
            .store
            .process_with(event.clone(), endpoint.handler.clone(), count_delivery)
            .await;
        match outcome {
            Ok(ProcessOutcome::Processed { id }) => (
                ack(),
                Detail::Stored {
                    id,
                    event,
                    duplicate: false,
                },
            ),
            Ok(ProcessOutcome::Duplicate { id }) => (
                ack(),
                Detail::Stored {
                    id,
                    event,
                    duplicate: true,
                },
            ),
            Ok(ProcessOutcome::HandlerFailed { id, error }) => (
                nack(500, "handler failed"),
                format!("event {id} handler failed: {error}").into(),
            ),
            Ok(ProcessOutcome::Conflict { id, detail }) => conflict(id, &detail),
            Err(e) => (nack(503, "store unavailable"), e.to_string().into()),
        }
    }

    /// Runs a stored event again (a failed handler, after a fix). A processed event is not run
    /// twice. Returns what processing came to.
    pub async fn rerun(&self, id: i64) -> Result<ProcessOutcome, RerunError> {
        let crate::store::StoredBody {
            gateway,
            content_type,
            body,
            remote,
            received_at,
        } = self
            .inner
            .store
            .stored_body(id)
            .await?
            .ok_or(RerunError::NotFound(id))?;
        let endpoint = self
            .inner
            .endpoints
            .iter()
            .find(|e| e.gateway().as_str() == gateway)
            .cloned()
            .ok_or(RerunError::NoEndpoint(gateway))?;
        let decoded = endpoint
            .decoder
            .decode(&body, content_type.as_deref())
            .map_err(|e| RerunError::Invalid(e.to_string()))?;
        let received_at =
            OffsetDateTime::parse(&received_at, &time::format_description::well_known::Rfc3339)
                .unwrap_or_else(|_| OffsetDateTime::now_utc());
        let mut delivery = Delivery {
            gateway: endpoint.gateway(),
            received_at,
            remote: remote.and_then(|r| r.parse().ok()),
            content_type,
            body,
        };
        // The re-run body keeps secrets (the handler sees what the first run saw); the stored
        // body is masked from it again.
        let rerun_body = std::mem::take(&mut delivery.body);
        let stored = mask_form_body(&rerun_body);
        let rerun_body = (rerun_body != stored).then_some(rerun_body);
        let signature = endpoint.decoder.signature(&decoded);
        let event = Arc::new(event_of(decoded, signature, &delivery, stored, rerun_body));
        let (reply, detail) = self.verify_and_store(&endpoint, event, false).await;
        if reply.acknowledged {
            Ok(ProcessOutcome::Processed { id })
        } else {
            Err(RerunError::Invalid(detail.to_string()))
        }
    }
}

/// A delivery whose key is known but whose order number or amounts differ: never applied, not
/// acknowledged (`409`), recorded on the stored event for a person.
fn conflict(id: i64, detail: &str) -> (Reply, Detail) {
    (
        nack(409, "conflict"),
        format!("event {id} conflict: {detail}").into(),
    )
}

fn event_of(
    decoded: Decoded,
    signature: Signature,
    delivery: &Delivery,
    masked_body: Vec<u8>,
    rerun_body: Option<Vec<u8>>,
) -> Event {
    let summary = decoded.summary();
    Event {
        key: summary.idempotency_key(),
        summary,
        decoded,
        stored_body: masked_body,
        rerun_body,
        signature,
        content_type: delivery.content_type.clone(),
        remote: delivery.remote,
        received_at: delivery.received_at,
    }
}
