//! A notification receiver for the crash-safety test: pg-notify over SQLite, with a handler
//! whose effect (one row per run) can be counted afterwards.
//!
//! ```text
//! notify-receiver --listen 127.0.0.1:PORT --db sqlite://PATH [--log-dir DIR]
//! ```

use std::net::SocketAddr;

use pg_notify::sql::{SqlConn, SqlValue};
use pg_notify::{
    Event, GatewayEndpoint, HandlerError, HttpConfig, Pipeline, RawLog, Store, StoreConfig,
};

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let listen: SocketAddr = arg(&args, "--listen")
        .ok_or("--listen is required")?
        .parse()?;
    let db = arg(&args, "--db").ok_or("--db is required")?;
    let store = Store::open(&db, StoreConfig::default()).await?;
    store
        .with_connection(|c| {
            c.batch("CREATE TABLE IF NOT EXISTS effects (event_key TEXT NOT NULL, amount BIGINT)")
        })
        .await?;
    let handler = |event: &Event, tx: &mut dyn SqlConn| -> Result<(), HandlerError> {
        let amount = event.summary.amount.map(|a| a.get() as i64);
        tx.execute(
            "INSERT INTO effects (event_key, amount) VALUES ($1, $2)",
            &[SqlValue::from(event.key.as_str()), SqlValue::Int(amount)],
        )?;
        Ok(())
    };
    let mut builder = Pipeline::builder(store).endpoint(GatewayEndpoint::innopay(handler));
    if let Some(dir) = arg(&args, "--log-dir") {
        builder = builder.raw_log(RawLog::open(dir)?);
    }
    let app = pg_notify::router(builder.build(), HttpConfig::default());
    let listener = tokio::net::TcpListener::bind(listen).await?;
    println!("listening on {}", listener.local_addr()?);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await?;
    Ok(())
}
