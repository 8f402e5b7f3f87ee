//! Notifications: queued in the same transaction as the payment or cancel they report, then
//! delivered by a scheduler on the merchant's schedule — the first attempt at once, then one
//! every `interval_minutes` of virtual time, `retries` more times — until the answer is exactly
//! the acknowledgement (Innopay `0000`). Every attempt is kept with the merchant's answer.

use std::sync::Arc;
use std::time::{Duration, Instant};

use pg_core::Charset;
use pg_core::form::FormEncoder;
use pg_http::{HttpRequest, Method, ReqwestTransport, Transport, TransportConfig};
use rusqlite::Connection;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::magic::NotifyBehaviour;
use crate::merchant::{Gateway, Merchant};
use crate::sim::Sim;
use crate::store::{Attempt, Cancel, Delivery, NewDelivery, Result, Transaction};

/// How much of an answer an attempt keeps.
const ANSWER_KEPT: usize = 512;
/// Deliveries sent at once.
const BATCH: i64 = 32;
/// How often (virtual ms) the scheduler saves the virtual time.
const SAVE_CLOCK_EVERY_MS: i64 = 5_000;
/// The longest the scheduler sleeps between looks at the queue (real time).
const IDLE: Duration = Duration::from_millis(250);

/// Queues a notification (twice when failure rehearsal says so). Call inside the transaction
/// that records what it reports; wake the scheduler after the commit.
pub(crate) fn queue(
    c: &Connection,
    merchant: &Merchant,
    new: NewDelivery,
    behaviour: NotifyBehaviour,
    now: i64,
) -> Result<()> {
    let has_url = merchant.notify.url.is_some();
    Delivery::insert(c, &new, has_url, now)?;
    if behaviour == NotifyBehaviour::Twice {
        let again = NewDelivery {
            note: "failure rehearsal: the same notification a second time".into(),
            ..new
        };
        Delivery::insert(c, &again, has_url, now)?;
    }
    Ok(())
}

/// A delivery of a notification about `tx` (and `cancel`, for a cancel): the form body of
/// `pairs` in `charset` — in UTF-8, with a note, should a value not encode — and what failure
/// rehearsal did to it.
pub(crate) fn delivery(
    gateway: &'static str,
    tx: &Transaction,
    cancel: Option<&Cancel>,
    pairs: &[(&'static str, String)],
    charset: Charset,
    behaviour: NotifyBehaviour,
) -> NewDelivery {
    let encode = |charset: Charset| {
        let mut e = FormEncoder::new(charset);
        for (name, value) in pairs {
            e.append(name, value).ok()?;
        }
        Some(e.finish())
    };
    let mut notes = Vec::new();
    let (body, charset) = match encode(charset) {
        Some(body) => (body, charset),
        None => {
            notes.push("a value is not encodable in EUC-KR: sent as UTF-8".to_owned());
            (encode(Charset::Utf8).unwrap_or_default(), Charset::Utf8)
        }
    };
    if let Some(note) = behaviour.note(cancel.map_or(tx.amount, |c| c.amount)) {
        notes.push(note);
    }
    NewDelivery {
        gateway,
        mid: tx.mid.clone(),
        tid: tx.tid.clone(),
        moid: tx.moid.clone(),
        kind: if cancel.is_some() {
            "cancel"
        } else {
            "approval"
        },
        body: body.into_bytes(),
        charset: charset.label(),
        note: notes.join("; "),
    }
}

/// The transport notifications go out on.
pub(crate) fn transport(timeout: Duration) -> std::result::Result<ReqwestTransport, String> {
    ReqwestTransport::with_config(TransportConfig {
        connect_timeout: Duration::from_secs(2),
        timeout,
        user_agent: concat!("pgkit-sandbox/", env!("CARGO_PKG_VERSION")).to_owned(),
        ..TransportConfig::default()
    })
    .map_err(|e| e.to_string())
}

/// Runs the scheduler until `stop` turns true.
pub(crate) async fn run(
    sim: Arc<Sim>,
    transport: ReqwestTransport,
    mut stop: watch::Receiver<bool>,
) {
    let transport = Arc::new(transport);
    let mut sending = JoinSet::new();
    let mut saved = 0;
    loop {
        let now = sim.now_ms();
        // The virtual time is saved now and then, so that a killed simulator resumes near it.
        if now - saved >= SAVE_CLOCK_EVERY_MS {
            if let Err(e) = sim.store.save_clock(now) {
                tracing::warn!(error = %e, "sandbox outbox: cannot save the clock");
            }
            saved = now;
        }
        match sim.store.with(|c| Delivery::claim_due(c, now, BATCH)) {
            Ok(due) => {
                for delivery in due {
                    sending.spawn(attempt(sim.clone(), transport.clone(), delivery));
                }
            }
            Err(e) => tracing::error!(error = %e, "sandbox outbox: cannot read the queue"),
        }
        let wait = match sim.store.with(Delivery::next_due) {
            Ok(Some(at)) => sim.clock.real_time_until(at).min(IDLE),
            _ => IDLE,
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = sim.wake.notified() => {}
            Some(_) = sending.join_next(), if !sending.is_empty() => {}
            _ = stop.changed() => break,
        }
    }
    // In-flight attempts finish (bounded by the notification timeout) so none is left half-done.
    while sending.join_next().await.is_some() {}
}

/// One attempt of one delivery.
async fn attempt(sim: Arc<Sim>, transport: Arc<ReqwestTransport>, delivery: Delivery) {
    let gateway = Gateway::parse(&delivery.gateway).unwrap_or(Gateway::Innopay);
    let merchant = match sim.merchant(gateway, &delivery.mid) {
        Ok(Some(m)) => m,
        Ok(None) | Err(_) => {
            tracing::warn!(id = delivery.id, "sandbox outbox: the merchant is gone");
            return;
        }
    };
    let settings = &merchant.notify;
    let number = delivery.attempt_count + 1;
    let started = Instant::now();
    let at = sim.now_ms();
    let (url, result) = match &settings.url {
        Some(url) => {
            let mut content_type = "application/x-www-form-urlencoded".to_owned();
            if settings.declare_charset {
                content_type.push_str("; charset=");
                content_type.push_str(&delivery.charset);
            }
            let request = HttpRequest {
                method: Method::Post,
                url: url.clone(),
                headers: vec![("Content-Type".into(), content_type)],
                body: delivery.body.clone().into_bytes(),
            };
            (url.clone(), Some(transport.send(request).await))
        }
        None => (String::new(), None),
    };
    let mut record = Attempt {
        number,
        url,
        at,
        status: None,
        answer: String::new(),
        error: None,
        acknowledged: false,
        elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    };
    match result {
        Some(Ok(response)) => {
            record.status = Some(response.status);
            let kept = &response.body[..response.body.len().min(ANSWER_KEPT)];
            record.answer = String::from_utf8_lossy(kept).into_owned();
            record.acknowledged = (200..300).contains(&response.status)
                && response.body == settings.acknowledgement.as_bytes();
        }
        Some(Err(e)) => record.error = Some(e.to_string()),
        None => record.error = Some("no notification URL is set".into()),
    }
    let allowed = 1 + settings.retries;
    let next = (!record.acknowledged && number < allowed)
        .then(|| at + i64::from(settings.interval_minutes) * 60_000);
    tracing::info!(
        id = delivery.id,
        attempt = number,
        acknowledged = record.acknowledged,
        status = ?record.status,
        "sandbox notification attempt"
    );
    if let Err(e) = sim
        .store
        .with(|c| Delivery::record_attempt(c, delivery.id, &record, next))
    {
        tracing::error!(error = %e, "sandbox outbox: cannot record an attempt");
    }
}
