//! The merchant's code: the [`Handler`] that applies an event, and the [`OrderCheck`] hook that
//! verifies it against the merchant's own order.

use std::fmt;

use crate::event::Event;
use crate::sql::SqlConn;

/// A handler's failure: the event is stored as failed, not acknowledged, and the gateway resends.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct HandlerError(pub String);

impl HandlerError {
    /// A failure with a message.
    pub fn new(message: impl fmt::Display) -> Self {
        HandlerError(message.to_string())
    }
}

impl From<crate::sql::StoreError> for HandlerError {
    fn from(e: crate::sql::StoreError) -> Self {
        HandlerError(e.to_string())
    }
}

/// Applies an event, inside the store's transaction.
///
/// What the handler writes through `tx` commits atomically with the event's `processed` mark,
/// so its effect happens exactly once: a resent delivery of a processed event does not run it,
/// and a crash before the commit rolls both back. Handlers run on the store's writer thread,
/// batched with other deliveries: keep them short. For calls to other systems, write an outbox
/// row here and send it elsewhere.
///
/// Any closure `Fn(&Event, &mut dyn SqlConn) -> Result<(), HandlerError>` is a handler.
pub trait Handler: Send + Sync + 'static {
    /// Applies the event.
    fn handle(&self, event: &Event, tx: &mut dyn SqlConn) -> Result<(), HandlerError>;
}

impl<F> Handler for F
where
    F: Fn(&Event, &mut dyn SqlConn) -> Result<(), HandlerError> + Send + Sync + 'static,
{
    fn handle(&self, event: &Event, tx: &mut dyn SqlConn) -> Result<(), HandlerError> {
        self(event, tx)
    }
}

/// A handler that does nothing: events are only stored.
#[derive(Debug, Clone, Copy, Default)]
pub struct StoreOnly;

impl Handler for StoreOnly {
    fn handle(&self, _: &Event, _: &mut dyn SqlConn) -> Result<(), HandlerError> {
        Ok(())
    }
}

/// The merchant's check of an event against its own order: the order number exists and the
/// amount is the order's. Neither gateway signs its notifications (Smartro's `SignValue` aside),
/// so this check is the main defence against forged ones.
#[async_trait::async_trait]
pub trait OrderCheck: Send + Sync + 'static {
    /// `Ok` when the event matches an order; otherwise why not.
    async fn check(&self, event: &Event) -> Result<(), String>;
}
