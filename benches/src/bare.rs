//! The baseline of the external receiver benchmark: a bare axum handler that parses the form
//! body into owned pairs (`serde_urlencoded`) and answers `0000`, storing nothing. Same runtime
//! shape as `pgkit notify serve` (tokio's multi-threaded runtime, one worker per core). Served
//! by two binaries that differ only in their allocator: `bare-receiver` (the system's, as a
//! merchant's own handler would have) and `bare-receiver-mimalloc` (pgkit's).

use axum::Router;
use axum::body::Bytes;
use axum::routing::post;

/// Serves the handler on the address given as the first argument, until killed.
pub fn main_with_address_argument(program: &str) {
    let Some(address) = std::env::args().nth(1) else {
        eprintln!("usage: {program} ADDRESS");
        std::process::exit(2);
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let app = Router::new().route(
            "/innopay/notify",
            post(|body: Bytes| async move {
                match serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) {
                    Ok(pairs) if !pairs.is_empty() => "0000",
                    _ => "FAIL",
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind(&address)
            .await
            .unwrap_or_else(|e| panic!("cannot listen on {address}: {e}"));
        axum::serve(listener, app).await.expect("serve");
    });
}
