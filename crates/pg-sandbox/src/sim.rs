//! The simulator's shared state: the store, the virtual clock, the id generator, and the
//! settings every handler reads.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use pg_core::{Clock, KstDateTime};
use tokio::sync::Notify;

use crate::clock::VirtualClock;
use crate::ids::IdGenerator;
use crate::merchant::{Gateway, Merchant};
use crate::store::{Store, StoreError};

/// Timings the simulator applies (the rest are the vendors').
#[derive(Debug, Clone)]
pub(crate) struct Timings {
    /// How late a slow answer comes (real time).
    pub(crate) slow_answer: Duration,
    /// How far `EdiDate` may be from the clock (virtual time).
    pub(crate) edi_date_tolerance: Duration,
    /// How long a `TrAuthKey` can be used (virtual time).
    pub(crate) tr_auth_key_lifetime: Duration,
}

/// Everything the handlers share.
#[derive(Debug)]
pub(crate) struct Sim {
    pub(crate) store: Store,
    pub(crate) clock: Arc<VirtualClock>,
    ids: Mutex<IdGenerator>,
    /// The base URL the simulator is reached at (links in SMS texts, scripts, pages).
    pub(crate) base_url: String,
    pub(crate) timings: Timings,
    /// Wakes the notification scheduler (new delivery, clock moved).
    pub(crate) wake: Notify,
}

impl Sim {
    pub(crate) fn new(
        store: Store,
        clock: Arc<VirtualClock>,
        ids: IdGenerator,
        base_url: String,
        timings: Timings,
    ) -> Self {
        Sim {
            store,
            clock,
            ids: Mutex::new(ids),
            base_url,
            timings,
            wake: Notify::new(),
        }
    }

    /// The virtual time, Unix milliseconds.
    pub(crate) fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The virtual time in Korea.
    pub(crate) fn now_kst(&self) -> KstDateTime {
        KstDateTime::from_instant(self.clock.now())
    }

    /// Draws from the id generator.
    pub(crate) fn ids<T>(&self, f: impl FnOnce(&mut IdGenerator) -> T) -> T {
        f(&mut self.ids.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// A merchant.
    pub(crate) fn merchant(
        &self,
        gateway: Gateway,
        mid: &str,
    ) -> Result<Option<Arc<Merchant>>, StoreError> {
        self.store.merchant(gateway, mid)
    }
}
