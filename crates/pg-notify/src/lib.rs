//! The inbound pipeline for payment notifications: nothing acknowledged is ever lost.
//!
//! Both gateways push results and resend until acknowledged (Innopay: `0000`, up to 10 times;
//! Smartro: re-notification). For every delivery the [`Pipeline`]:
//!
//! 1. appends the raw request to an append-only, daily-rotated [`RawLog`] (card numbers masked,
//!    secrets never written);
//! 2. decodes it with the gateway's [`NotificationDecoder`] (UTF-8 or EUC-KR);
//! 3. verifies it: the source-address [`IpAllowlist`] (Smartro's addresses as a preset),
//!    `SignValue` where present, and the merchant's [`OrderCheck`] of order number and amount;
//! 4. stores it under an idempotency key (gateway, transaction id, status, cancel sequence) and
//!    runs the merchant's [`Handler`] in the same transaction, so a resent delivery is
//!    recognised and the handler's effect happens exactly once;
//! 5. acknowledges only after the commit. Any failure is a non-acknowledgement, and the event
//!    stays visible with its attempt count and last error.
//!
//! The [`Store`] is SQLite (default; WAL, `synchronous=FULL`) or PostgreSQL (feature
//! `postgres`; several receivers may share it). Concurrent deliveries are committed together
//! (group commit): one fsync per batch, each delivery answered once its batch is durable.
//!
//! ```no_run
//! use pg_notify::{GatewayEndpoint, HttpConfig, Pipeline, RawLog, Store, StoreConfig};
//! use pg_notify::sql::SqlValue;
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! let store = Store::open("sqlite://notifications.db", StoreConfig::default()).await?;
//! let pipeline = Pipeline::builder(store)
//!     .raw_log(RawLog::open("logs")?)
//!     .endpoint(GatewayEndpoint::innopay(|event: &pg_notify::Event, tx: &mut dyn pg_notify::sql::SqlConn| {
//!         // Runs inside the event's transaction: mark the order paid exactly once.
//!         let moid = event.summary.moid.as_ref().map(|m| m.to_string());
//!         tx.execute("UPDATE orders SET paid = 1 WHERE moid = $1", &[SqlValue::from(moid)])?;
//!         Ok(())
//!     }))
//!     .build();
//! let app = pg_notify::router(pipeline, HttpConfig::default());
//! let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
//! pg_notify::serve(listener, app, pg_notify::ServerConfig::default(), std::future::pending()).await;
//! # Ok(()) }
//! ```

pub mod allowlist;
pub mod decoder;
mod detail;
pub mod event;
pub mod handler;
pub mod http;
pub mod mask;
pub mod pipeline;
pub mod raw_log;
mod refusal;
pub mod server;
pub mod sql;
pub mod store;

pub use allowlist::IpAllowlist;
pub use decoder::{InnopayDecoder, NotificationDecoder, Signature, SmartroDecoder};
pub use event::{Decoded, Delivery, Event, EventRecord, EventState, ProcessOutcome, Rejection};
pub use handler::{Handler, HandlerError, OrderCheck, StoreOnly};
pub use http::{HttpConfig, NotifyService, router};
pub use pipeline::{
    DeliveryStats, GatewayEndpoint, Pipeline, PipelineBuilder, Reply, RequestMeta, RerunError,
};
pub use raw_log::RawLog;
pub use server::{ServeStats, ServerConfig, serve};
pub use sql::{SqlConn, SqlValue, StoreError};
pub use store::{MAX_WRITERS, Store, StoreConfig, StoreStats};
