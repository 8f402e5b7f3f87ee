#![doc = include_str!("../README.md")]
// Page handlers return the page to show as their error (`Result<_, Response>`, axum's idiom);
// these are cold paths, where a large error value costs nothing that matters.
#![allow(clippy::result_large_err)]

mod admin;
mod answer;
pub mod buyer;
mod cancellation;
mod clock;
mod ids;
mod innopay;
pub mod magic;
pub mod merchant;
mod outbox;
mod page;
mod request;
mod server;
mod sim;
mod smartro;
pub mod store;
mod wire;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use pg_core::KstDateTime;
use time::OffsetDateTime;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use clock::VirtualClock;
pub use merchant::{Gateway, Merchant, MerchantUpdate};
pub use smartro::SCRIPT as SMARTRO_SCRIPT;

use crate::sim::{Sim, Timings};
use crate::store::Store;

/// How the simulator runs.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Where to listen. Default `127.0.0.1:0` (a free port).
    pub listen: SocketAddr,
    /// The SQLite file to keep state in; `None` (default) keeps it in memory.
    pub db: Option<PathBuf>,
    /// Virtual time runs this many times faster than real time. Default 1.
    pub time_scale: u32,
    /// Seeds the id generator (Tid, approval numbers, tokens) for reproducible runs.
    pub seed: Option<u64>,
    /// What the virtual clock reads at start. Default: now.
    pub start_at: Option<OffsetDateTime>,
    /// The base URL printed and put in links (SMS texts, pages), when it is not
    /// `http://{listen address}` (behind a proxy, say).
    pub public_url: Option<String>,
    /// How late a rehearsed slow answer comes (amount 9,408). Default 12 s: longer than the
    /// vendors' samples' 10 s read timeout.
    pub slow_answer: Duration,
    /// How long a merchant has to answer a notification. Default 10 s.
    pub notify_timeout: Duration,
    /// How far a payment window's `EdiDate` may be from the clock. Default 10 min.
    pub edi_date_tolerance: Duration,
    /// How long a `TrAuthKey` can be approved. Default 10 min (virtual time).
    pub tr_auth_key_lifetime: Duration,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            db: None,
            time_scale: 1,
            seed: None,
            start_at: None,
            public_url: None,
            slow_answer: Duration::from_secs(12),
            notify_timeout: Duration::from_secs(10),
            edi_date_tolerance: Duration::from_secs(600),
            tr_auth_key_lifetime: Duration::from_secs(600),
        }
    }
}

/// Why the simulator could not start, or an operation on it failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The state database could not be opened or used.
    #[error(transparent)]
    Store(#[from] store::StoreError),
    /// The notification client could not be built.
    #[error("notification client: {0}")]
    Client(String),
    /// A merchant change was refused; each problem names the setting and the rule.
    #[error("invalid merchant settings: {}", .0.join("; "))]
    InvalidSettings(Vec<String>),
    /// Deliveries were still due or in flight when the wait ended.
    #[error("notifications still pending after {0:?}")]
    NotSettled(Duration),
}

/// A running simulator. Dropping it stops nothing: call [`Sandbox::shutdown`].
#[derive(Debug)]
pub struct Sandbox {
    sim: Arc<Sim>,
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Sandbox {
    /// Starts the server and the notification scheduler.
    pub async fn start(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| SandboxError::Listen {
                    addr: config.listen,
                    source,
                })?;
        let addr = listener
            .local_addr()
            .map_err(|source| SandboxError::Listen {
                addr: config.listen,
                source,
            })?;
        let store = Store::open(config.db.as_deref())?;
        store.with(store::Delivery::requeue_in_flight)?;
        // A file-backed simulator resumes its virtual time: pending retries and deadlines are
        // in that time, however far it was advanced.
        let requested = config.start_at.unwrap_or_else(OffsetDateTime::now_utc);
        let start = match store.saved_clock()? {
            Some(saved) if saved > clock::to_ms(requested) => clock::from_ms(saved),
            _ => requested,
        };
        let clock = Arc::new(VirtualClock::new(start, config.time_scale));
        let base_url = config
            .public_url
            .clone()
            .map(|u| u.trim_end_matches('/').to_owned())
            .unwrap_or_else(|| format!("http://{addr}"));
        let timings = Timings {
            slow_answer: config.slow_answer,
            edi_date_tolerance: config.edi_date_tolerance,
            tr_auth_key_lifetime: config.tr_auth_key_lifetime,
        };
        let transport = outbox::transport(config.notify_timeout).map_err(SandboxError::Client)?;
        let sim = Arc::new(Sim::new(
            store,
            clock,
            ids::IdGenerator::new(config.seed),
            base_url,
            timings,
        ));
        let (stop, stopped) = watch::channel(false);
        let tasks = vec![
            tokio::spawn(server::serve(
                listener,
                router(sim.clone()),
                stopped.clone(),
            )),
            tokio::spawn(outbox::run(sim.clone(), transport, stopped)),
        ];
        tracing::info!(%addr, "pgkit sandbox listening");
        Ok(Sandbox {
            sim,
            addr,
            stop,
            tasks,
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL of both gateways (`http://127.0.0.1:PORT`): Innopay's
    /// `Environment::Custom`, Smartro's `Environment::simulator`.
    pub fn base_url(&self) -> &str {
        &self.sim.base_url
    }

    /// The admin page.
    pub fn admin_url(&self) -> String {
        format!("{}/sandbox/", self.sim.base_url)
    }

    /// The virtual clock: give it to SDK clients (`with_clock`) so that their `EdiDate` and
    /// default deadlines follow the simulator's time.
    pub fn clock(&self) -> Arc<VirtualClock> {
        self.sim.clock.clone()
    }

    /// The virtual time in Korea.
    pub fn now(&self) -> KstDateTime {
        self.sim.now_kst()
    }

    /// Moves the virtual clock forward; notifications that fall due are sent at once.
    pub fn advance(&self, by: Duration) {
        admin::advance_clock(&self.sim, by);
    }

    /// Every merchant.
    pub fn merchants(&self) -> Result<Vec<Merchant>, SandboxError> {
        Ok(self.sim.store.with(store::merchants)?)
    }

    /// Changes a merchant's settings (notification URL, retries...), as the admin page does.
    pub fn configure(
        &self,
        gateway: Gateway,
        mid: &str,
        update: MerchantUpdate,
    ) -> Result<Merchant, SandboxError> {
        admin::update_merchant(&self.sim, gateway, mid, update)?
            .map_err(SandboxError::InvalidSettings)
    }

    /// Waits until no notification is due or in flight (virtual time does not move by itself
    /// here: deliveries due later stay pending). Fails after `timeout` of real time.
    pub async fn settle(&self, timeout: Duration) -> Result<(), SandboxError> {
        let started = Instant::now();
        loop {
            let now = self.sim.now_ms();
            if self.sim.store.with(|c| store::Delivery::busy(c, now))? == 0 {
                return Ok(());
            }
            if started.elapsed() > timeout {
                return Err(SandboxError::NotSettled(timeout));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// The SMS outbox, newest first.
    pub fn sms_outbox(&self) -> Result<Vec<store::SmsMessage>, SandboxError> {
        Ok(self
            .sim
            .store
            .with(|c| store::SmsMessage::list(c, i64::MAX))?)
    }

    /// Innopay SMS orders, newest first.
    pub fn orders(&self) -> Result<Vec<store::SmsOrder>, SandboxError> {
        Ok(self
            .sim
            .store
            .with(|c| store::SmsOrder::list(c, i64::MAX))?)
    }

    /// Transactions of both gateways, newest first.
    pub fn transactions(&self) -> Result<Vec<store::Transaction>, SandboxError> {
        Ok(self
            .sim
            .store
            .with(|c| store::Transaction::list(c, i64::MAX))?)
    }

    /// One transaction.
    pub fn transaction(&self, tid: &str) -> Result<Option<store::Transaction>, SandboxError> {
        Ok(self.sim.store.with(|c| store::Transaction::get(c, tid))?)
    }

    /// The cancels of a transaction, first to last.
    pub fn cancels(&self, tid: &str) -> Result<Vec<store::Cancel>, SandboxError> {
        Ok(self.sim.store.with(|c| store::Cancel::of(c, tid))?)
    }

    /// Notification deliveries with their attempts, newest first.
    pub fn deliveries(&self) -> Result<Vec<store::Delivery>, SandboxError> {
        Ok(self
            .sim
            .store
            .with(|c| store::Delivery::list(c, i64::MAX))?)
    }

    /// Smartro SS-Pay members, newest first.
    pub fn members(&self) -> Result<Vec<store::Member>, SandboxError> {
        Ok(self.sim.store.with(|c| store::Member::list(c, i64::MAX))?)
    }

    /// Queues a delivery again, now (the admin's "resend now"); `false` when it is unknown or
    /// being sent.
    pub fn resend(&self, delivery: i64) -> Result<bool, SandboxError> {
        Ok(admin::resend_now(&self.sim, delivery)?)
    }

    /// Deletes everything and restores the test merchants.
    pub fn reset(&self) -> Result<(), SandboxError> {
        Ok(self.sim.store.reset()?)
    }

    /// The admin's JSON of `path` (below `/sandbox/api/`, e.g. `"deliveries"`,
    /// `"transactions"`, `"sms"`), read in process.
    pub async fn api(&self, path: &str) -> serde_json::Value {
        use tower::ServiceExt;
        let request =
            axum::http::Request::get(format!("/sandbox/api/{}", path.trim_start_matches('/')))
                .body(axum::body::Body::empty())
                .unwrap_or_default();
        let Ok(response) = router(self.sim.clone()).oneshot(request).await;
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap_or_default();
        serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null)
    }

    /// Stops serving (open connections get a moment to finish) and the scheduler (in-flight
    /// attempts finish).
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
        if let Err(e) = self.sim.store.save_clock(self.sim.now_ms()) {
            tracing::warn!(error = %e, "sandbox: cannot save the clock");
        }
    }
}

/// Every route: both gateways and the admin.
fn router(sim: Arc<Sim>) -> Router {
    innopay::routes()
        .merge(smartro::routes())
        .merge(admin::routes())
        .fallback(|| async {
            answer::html(
                StatusCode::NOT_FOUND,
                page::layout(
                    "pgkit sandbox",
                    "Not Found",
                    "<p>없는 경로입니다. <a href=\"/sandbox/\">/sandbox/</a></p>",
                ),
            )
        })
        .with_state(sim)
}
