//! The gateways' notifications, through pg-notify: the order check (order number, transaction
//! and amounts against the shop's own order) and the handler that marks the order paid or
//! cancelled inside the event's transaction.

use pg_core::EventStatus;
use pg_notify::sql::SqlConn;
use pg_notify::{Event, HandlerError, OrderCheck, Store};

use crate::db::{self, CancelSource, Paid};
use crate::settings::SharedClock;

/// Checks each notification against the shop's order before it is stored and handled. A
/// mismatch is not acknowledged (the gateway resends) and stays visible in the event store.
#[derive(Debug, Clone)]
pub(crate) struct ShopOrderCheck {
    pub(crate) store: Store,
}

#[async_trait::async_trait]
impl OrderCheck for ShopOrderCheck {
    async fn check(&self, event: &Event) -> Result<(), String> {
        let s = &event.summary;
        let moid = s
            .moid
            .as_ref()
            .map(|m| m.as_str().to_owned())
            .ok_or("the notification has no order number")?;
        let lookup = moid.clone();
        let order = self
            .store
            .with_connection(move |c| db::order(c, &lookup))
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("no order {moid}"))?;
        let amount = |w: Option<pg_core::Won>| w.and_then(|w| i64::try_from(w.get()).ok());
        let shown = |a: Option<i64>| a.map_or_else(|| "none".to_owned(), |a| a.to_string());
        match s.status {
            EventStatus::Approved if amount(s.amount) != Some(order.amount) => Err(format!(
                "approved amount {} is not the order's {}",
                shown(amount(s.amount)),
                order.amount
            )),
            EventStatus::Cancelled => {
                let tid = s.tid.as_ref().map(|t| t.as_str());
                if let Some(paid) = order.tid.as_deref().filter(|paid| tid != Some(*paid)) {
                    return Err(format!(
                        "cancel of {}, but the order was paid by {paid}",
                        tid.unwrap_or("no transaction")
                    ));
                }
                if s.approved_amount.is_some() && amount(s.approved_amount) != Some(order.amount) {
                    return Err(format!(
                        "the cancelled payment's amount {} is not the order's {}",
                        shown(amount(s.approved_amount)),
                        order.amount
                    ));
                }
                if !amount(s.amount).is_some_and(|a| a > 0 && a <= order.amount) {
                    return Err(format!(
                        "cancel amount {} is not between 1 and the order's {}",
                        shown(amount(s.amount)),
                        order.amount
                    ));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// The handler: an approval marks the order paid, a cancel records the cancel (once, whichever
/// of the cancel answer and the notification came first); anything else goes to the order's
/// history.
pub(crate) fn handler(clock: SharedClock) -> impl pg_notify::Handler {
    move |event: &Event, tx: &mut dyn SqlConn| -> Result<(), HandlerError> {
        let s = &event.summary;
        let now = crate::now_text(clock.as_ref());
        let moid = s
            .moid
            .as_ref()
            .map(|m| m.as_str().to_owned())
            .ok_or_else(|| HandlerError::new("no order number"))?;
        let gateway = s.gateway.as_str();
        match s.status {
            EventStatus::Approved => {
                let tid = s
                    .tid
                    .as_ref()
                    .map(|t| t.as_str().to_owned())
                    .ok_or_else(|| HandlerError::new("an approval without a transaction id"))?;
                match db::mark_paid(tx, &moid, &tid, &format!("{gateway} 통보"), &now)? {
                    Paid::Marked | Paid::Already | Paid::Twice(_) => Ok(()),
                    Paid::NoOrder => Err(HandlerError::new(format!("no order {moid}"))),
                }
            }
            EventStatus::Cancelled => {
                let amount = s
                    .amount
                    .and_then(|a| i64::try_from(a.get()).ok())
                    .ok_or_else(|| HandlerError::new("a cancel without an amount"))?;
                db::record_cancel(tx, &moid, amount, CancelSource::Gateway(&event.key), &now)?;
                Ok(())
            }
            ref other => {
                db::log(
                    tx,
                    &moid,
                    &format!("{gateway} 통보: 상태 {}", other.code()),
                    &now,
                )?;
                Ok(())
            }
        }
    }
}
