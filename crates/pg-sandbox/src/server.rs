//! The accept loop: HTTP/1.1 on one port, a way for a handler to drop its connection without
//! answering (failure rehearsal), and a graceful stop.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tower::ServiceExt;

/// Put in every request's extensions: notifying it closes the connection at once, unanswered.
#[derive(Debug, Clone)]
pub(crate) struct ConnectionKill(Arc<Notify>);

impl ConnectionKill {
    /// Closes the connection; the handler's answer (if any) is never sent.
    pub(crate) fn close(&self) {
        self.0.notify_one();
    }
}

/// How long open connections get to finish when the simulator stops.
const DRAIN: Duration = Duration::from_secs(3);

/// Serves `app` on `listener` until `stop` turns true.
pub(crate) async fn serve(listener: TcpListener, app: Router, mut stop: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        // Out of file descriptors and the like: wait a little, keep serving.
                        tracing::warn!(error = %e, "sandbox accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                connections.spawn(connection(stream, app.clone(), stop.clone()));
            }
            _ = stop.changed() => break,
        }
        // Reap finished connections so the set does not grow.
        while connections.try_join_next().is_some() {}
    }
    let _ = tokio::time::timeout(DRAIN + Duration::from_secs(1), async {
        while connections.join_next().await.is_some() {}
    })
    .await;
}

async fn connection(stream: tokio::net::TcpStream, app: Router, mut stop: watch::Receiver<bool>) {
    let kill = Arc::new(Notify::new());
    let handle = ConnectionKill(kill.clone());
    let service = tower::service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(handle.clone());
        app.clone().oneshot(request)
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(30))
        .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        // Dropping the connection closes the socket without an answer.
        _ = kill.notified() => {}
        _ = stop.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(DRAIN, conn).await;
        }
    }
}
