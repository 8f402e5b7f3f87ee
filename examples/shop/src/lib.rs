//! An example Korean shop on pgkit, runnable against the simulator (`--sandbox URL`) or the live
//! gateways (the merchant's `pgkit.toml` and environment, as the command line reads them).
//!
//! - `/`: the products, each payable by Smartro PAY (PC window or mobile) or Innopay SMS.
//! - `/innopay/sms`: the SMS payment request page of the Innopay manual's UI guideline (2.1),
//!   then its result page with the SMS text.
//! - `/innopay/web-link`: the staff page that opens Innopay's Web-Link request window.
//! - `/smartro/checkout`: the signed payment window (PC with its callback, or mobile), the
//!   `ReturnUrl` that approves with the amount checked, and the `StopUrl` page.
//! - `/innopay/notify`, `/smartro/notify`: the notifications, through pg-notify: checked against
//!   the order, applied in the event's transaction, acknowledged only after the commit.
//! - `/orders`: every order and its state; each order's page cancels all or part of it.
//!
//! Orders and notification events share one SQLite file.

mod cancel;
mod catalog;
mod checkout;
mod db;
mod home;
mod html;
mod notify;
mod orders;
mod settings;
mod sms;
mod web_link;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::Router;
use pg_core::{Clock, KstDateTime, KstFormat};
use pg_http::ReqwestTransport;
use pg_innopay::InnopayClient;
use pg_notify::{
    GatewayEndpoint, HttpConfig, IpAllowlist, Pipeline, ServerConfig, SmartroDecoder, Store,
    StoreConfig,
};
use pg_smartro::SmartroClient;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use catalog::{PRODUCTS, Product, product};
pub use db::Order;
pub use settings::{Gateways, Settings, SettingsError};

use settings::{SharedClock, ShopClock};

/// Why the shop could not start.
#[derive(Debug, thiserror::Error)]
pub enum ShopError {
    /// Its settings.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// Its database.
    #[error("database {path}: {source}")]
    Database {
        /// The file.
        path: String,
        /// What failed.
        source: pg_notify::StoreError,
    },
    /// The simulator, when rehearsing.
    #[error("{0}")]
    Sandbox(String),
    /// The network.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// What every page handler shares.
pub(crate) struct AppState {
    pub(crate) store: Store,
    pub(crate) innopay: Option<InnopayClient<ReqwestTransport>>,
    pub(crate) smartro: Option<SmartroClient<ReqwestTransport>>,
    pub(crate) public_url: String,
    pub(crate) clock: SharedClock,
    /// The simulator's base URL when rehearsing.
    pub(crate) sandbox: Option<String>,
    pub(crate) http: reqwest::Client,
    pub(crate) innopay_pages: String,
    sequence: AtomicU32,
}

impl AppState {
    /// A new order number: `SHOP-yyMMddHHmmss-NNNN` (AN, at most 40 for both gateways).
    pub(crate) fn new_moid(&self) -> String {
        let n = self.sequence.fetch_add(1, Ordering::Relaxed) % 10_000;
        let now = KstDateTime::now(self.clock.as_ref());
        format!(
            "SHOP-{}-{n:04}",
            &now.format(KstFormat::YyyyMMddHHmmss)[2..]
        )
    }

    /// Now, as the shop shows and stores it (KST, `yyyy-MM-dd HH:mm:ss`).
    pub(crate) fn now(&self) -> String {
        now_text(self.clock.as_ref())
    }

    /// Before a signed request: follow the simulator's clock when rehearsing.
    pub(crate) async fn sync_clock(&self) {
        if let Some(base) = &self.sandbox {
            self.clock.follow(&self.http, base).await;
        }
    }

    /// Stores a new order before the gateway hears of it (so its notification always finds
    /// it); a failure is the page to show.
    pub(crate) async fn create_order(&self, order: &Order) -> Result<(), axum::response::Response> {
        let order = order.clone();
        self.db(move |c| db::transaction(c, |c| db::insert(c, &order)))
            .await
            .map_err(|e| orders::failure(self, &format!("주문을 저장하지 못했습니다: {e}")))
    }

    /// Runs `work` on the database.
    pub(crate) async fn db<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut dyn pg_notify::sql::SqlConn) -> Result<T, pg_notify::StoreError>
        + Send
        + 'static,
    ) -> Result<T, pg_notify::StoreError> {
        self.store.with_connection(work).await
    }
}

/// `yyyy-MM-dd HH:mm:ss` in KST.
pub(crate) fn now_text(clock: &dyn Clock) -> String {
    KstDateTime::now(clock).format(KstFormat::Dashed)
}

/// The shop, running.
#[derive(Debug)]
pub struct RunningShop {
    /// Where it listens, e.g. `http://127.0.0.1:8789`.
    pub url: String,
    /// Its event store (orders and notifications).
    pub store: Store,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningShop {
    /// Stops accepting requests, finishes those in flight, and returns.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// Starts the shop on `listener`.
pub async fn start(settings: Settings, listener: TcpListener) -> Result<RunningShop, ShopError> {
    let addr: SocketAddr = listener.local_addr()?;
    let public_url = settings
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"))
        .trim_end_matches('/')
        .to_owned();
    let resolved = settings.gateways.resolve()?;
    let path = settings.db.display().to_string();
    let store = Store::open(&format!("sqlite://{path}"), StoreConfig::default())
        .await
        .map_err(|source| ShopError::Database {
            path: path.clone(),
            source,
        })?;
    store
        .with_connection(|c| c.batch(db::SCHEMA))
        .await
        .map_err(|source| ShopError::Database { path, source })?;
    let clock: SharedClock = Arc::new(ShopClock::default());
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| ShopError::Sandbox(e.to_string()))?;
    let transport = || ReqwestTransport::new().map_err(|e| ShopError::Sandbox(e.to_string()));
    let innopay = match &resolved.innopay {
        Some((credentials, environment)) => Some(
            InnopayClient::new(transport()?, credentials.clone(), environment.clone())
                .with_clock(clock.clone()),
        ),
        None => None,
    };
    let smartro = match &resolved.smartro {
        Some((credentials, environment)) => Some(
            SmartroClient::new(transport()?, credentials.clone(), environment.clone())
                .with_clock(clock.clone()),
        ),
        None => None,
    };
    let sandbox = settings.gateways.sandbox().map(str::to_owned);
    if let Some(base) = &sandbox {
        let mut merchants = Vec::new();
        if let Some((c, _)) = &resolved.innopay {
            merchants.push(("innopay", c.mid.to_string()));
        }
        if let Some((c, _)) = &resolved.smartro {
            merchants.push(("smartro", c.mid.to_string()));
        }
        settings::point_notifications(&http, base, &public_url, &merchants)
            .await
            .map_err(ShopError::Sandbox)?;
        clock.follow(&http, base).await;
    }
    let pipeline = pipeline(&store, &resolved, clock.clone());
    let state = Arc::new(AppState {
        store: store.clone(),
        innopay,
        smartro,
        public_url,
        clock,
        sandbox,
        http,
        innopay_pages: settings.innopay_pages.trim_end_matches('/').to_owned(),
        sequence: AtomicU32::new(std::process::id() % 10_000),
    });
    let app = router(state).merge(pg_notify::router(pipeline, HttpConfig::default()));
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        // pg-notify's server: slow or idle clients lose their slot, shutdown has a deadline.
        let stats = pg_notify::serve(listener, app, ServerConfig::default(), async {
            let _ = stopped.await;
        })
        .await;
        tracing::info!(?stats, "the shop stopped");
    });
    Ok(RunningShop {
        url: format!("http://{addr}"),
        store,
        stop,
        task,
    })
}

/// The notification pipeline: both endpoints, checked against the orders, handled in the event's
/// transaction. Live Smartro re-notifications are accepted only from Smartro's servers.
fn pipeline(store: &Store, resolved: &settings::Resolved, clock: SharedClock) -> Pipeline {
    let check = notify::ShopOrderCheck {
        store: store.clone(),
    };
    let mut builder = Pipeline::builder(store.clone());
    if resolved.innopay.is_some() {
        builder = builder.endpoint(
            GatewayEndpoint::innopay(notify::handler(clock.clone())).order_check(check.clone()),
        );
    }
    if let Some((credentials, environment)) = &resolved.smartro {
        let decoder = SmartroDecoder::default().with_merchant_key(credentials.merchant_key.clone());
        let mut endpoint =
            GatewayEndpoint::smartro(decoder, notify::handler(clock)).order_check(check);
        if matches!(environment, pg_smartro::Environment::Live) {
            endpoint = endpoint.allow(IpAllowlist::smartro_live());
        }
        builder = builder.endpoint(endpoint);
    }
    builder.build()
}

fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .merge(home::routes())
        .merge(sms::routes())
        .merge(web_link::routes())
        .merge(checkout::routes())
        .merge(orders::routes())
        .with_state(state)
}
