//! The server side of the simulator's load test (`cargo xtask bench`): the simulator (in
//! memory) and, as the baseline, a bare axum handler that reads the same SMS-pay JSON into the
//! manual's fields and answers a 2.3-shaped JSON, storing and checking nothing. Prints
//! `{"sandbox": "ADDR", "bare": "ADDR"}` and serves until stdin closes; the load comes from
//! another process (`http-load`).

use std::io::Read;

use axum::Json;
use axum::Router;
use axum::routing::post;
use pg_sandbox::{Sandbox, SandboxConfig};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The request fields of manual 2.2.
#[derive(Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct SmsPay {
    mid: String,
    moid: String,
    goods_name: String,
    amt: String,
    #[serde(default)]
    duty_free_amt: String,
    buyer_name: String,
    buyer_tel: String,
    #[serde(default)]
    buyer_email: String,
    #[serde(default)]
    pay_exp_date: String,
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    svc_prdt_cd: String,
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let sandbox = Sandbox::start(SandboxConfig {
            seed: Some(1),
            ..SandboxConfig::default()
        })
        .await
        .expect("sandbox");
        let bare = Router::new().route(
            "/api/smsPayApi",
            post(|Json(request): Json<SmsPay>| async move {
                Json(json!({
                    "mid": request.mid, "moid": request.moid, "goodsName": request.goods_name,
                    "amt": request.amt, "dutyFreeAmt": request.duty_free_amt,
                    "buyerName": request.buyer_name, "buyerTel": request.buyer_tel,
                    "buyerEmail": request.buyer_email, "payExpDate": request.pay_exp_date,
                    "userId": request.user_id, "resultCode": "0000", "resultMsg": "registered",
                }))
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let bare_addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, bare).await;
        });
        println!(
            "{}",
            json!({ "sandbox": sandbox.addr().to_string(), "bare": bare_addr.to_string() })
        );
        // Serve until the harness closes stdin.
        let _ = tokio::task::spawn_blocking(|| {
            let mut sink = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut sink);
        })
        .await;
        sandbox.shutdown().await;
    });
}
