//! Crash safety of the receiver: flood a receiver process with notifications (with duplicates),
//! kill it with SIGKILL at random points several times, restart it, and re-send everything not
//! acknowledged, as a gateway would. Then: every event is stored exactly once, the handler's
//! effect was applied exactly once, and nothing that was acknowledged is missing.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pg_http::{HttpRequest, ReqwestTransport, Transport, TransportConfig};
use pg_notify::sql::ColumnType;
use pg_notify::{EventState, Store, StoreConfig};

const EVENTS: u64 = 3000;
const KILLS: usize = 6;

/// A small deterministic generator (xorshift), so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn body(n: u64) -> Vec<u8> {
    format!(
        "moid=crash-{n}&pgTid=testpay01m0101251020{n:010}&status=25&payMethod=02&approvalAmt={}",
        1000 + n
    )
    .into_bytes()
}

// The receiver keeps its port across restarts: one below the system's ephemeral range.
#[path = "../../crates/pg-cli/tests/common/ports.rs"]
mod ports;
use ports::free_port;

fn start(addr: SocketAddr, db: &str) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_notify-receiver"))
        .args(["--listen", &addr.to_string(), "--db", db])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("receiver starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_err() {
        assert!(
            Instant::now() < deadline,
            "receiver did not start listening"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_points_loses_nothing_and_applies_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("events.db").display());
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let url = format!("http://{addr}/innopay/notify");
    let seed = std::env::var("PGKIT_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x9e37_79b9_7f4a_7c15);
    eprintln!("crash test seed {seed} (set PGKIT_CRASH_SEED to replay)");
    let mut rng = Rng(seed.max(1));

    // Every event once, a third of them two or three times, in random order.
    let mut plan: Vec<u64> = Vec::new();
    for n in 0..EVENTS {
        plan.push(n);
        if rng.next().is_multiple_of(3) {
            for _ in 0..=(rng.next() % 2) {
                plan.push(n);
            }
        }
    }
    for i in (1..plan.len()).rev() {
        plan.swap(i, (rng.next() % (i as u64 + 1)) as usize);
    }
    let queue = Arc::new(Mutex::new(plan.into_iter().collect::<VecDeque<u64>>()));
    let acknowledged = Arc::new(Mutex::new(BTreeSet::new()));
    let client = Arc::new(
        ReqwestTransport::with_config(TransportConfig {
            connect_timeout: Duration::from_millis(300),
            timeout: Duration::from_secs(5),
            ..TransportConfig::default()
        })
        .unwrap(),
    );
    let child = Arc::new(Mutex::new(start(addr, &db)));

    // The "gateway": 16 senders; anything not acknowledged goes back on the queue.
    let mut senders = Vec::new();
    for _ in 0..16 {
        let (queue, acknowledged, client, url) = (
            queue.clone(),
            acknowledged.clone(),
            client.clone(),
            url.clone(),
        );
        senders.push(tokio::spawn(async move {
            let deadline = Instant::now() + Duration::from_secs(120);
            loop {
                let next = queue.lock().unwrap().pop_front();
                let Some(n) = next else {
                    break;
                };
                let reply = client
                    .send(HttpRequest::post_form(url.clone(), body(n), "utf-8"))
                    .await;
                match reply {
                    Ok(r) if r.status == 200 && r.body == b"0000" => {
                        acknowledged.lock().unwrap().insert(n);
                    }
                    Ok(r) => {
                        assert_ne!(r.body, b"0000", "a non-200 must never acknowledge");
                        queue.lock().unwrap().push_back(n);
                    }
                    Err(_) => {
                        queue.lock().unwrap().push_back(n);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
                assert!(Instant::now() < deadline, "deliveries did not finish");
            }
        }));
    }

    // The crashes: SIGKILL at random moments, then a restart.
    // Each kill lands at a random point of the flood: after a random share of the events has
    // been acknowledged, plus a random few milliseconds.
    let mut thresholds: Vec<u64> = (0..KILLS)
        .map(|_| EVENTS / 20 + rng.next() % (EVENTS * 9 / 10))
        .collect();
    thresholds.sort_unstable();
    for (k, threshold) in thresholds.into_iter().enumerate() {
        while (acknowledged.lock().unwrap().len() as u64) < threshold {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        tokio::time::sleep(Duration::from_millis(rng.next() % 15)).await;
        let mut c = child.lock().unwrap();
        c.kill().expect("SIGKILL");
        c.wait().unwrap();
        eprintln!(
            "kill {} after {} acknowledged",
            k + 1,
            acknowledged.lock().unwrap().len()
        );
        *c = start(addr, &db);
    }
    for s in senders {
        s.await.unwrap();
    }
    {
        let mut c = child.lock().unwrap();
        c.kill().unwrap();
        c.wait().unwrap();
    }

    let acknowledged = acknowledged.lock().unwrap().clone();
    assert_eq!(
        acknowledged.len() as u64,
        EVENTS,
        "every event was eventually acknowledged"
    );
    let store = Store::open(&db, StoreConfig::default()).await.unwrap();
    let mut events = Vec::new();
    let mut after = 0;
    loop {
        let page = store.list(None, after, 1000).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.id;
        events.extend(page);
    }
    assert_eq!(
        events.len() as u64,
        EVENTS,
        "every event stored exactly once"
    );
    assert!(events.iter().all(|e| e.state == EventState::Processed));
    let stored: BTreeSet<u64> = events
        .iter()
        .filter_map(|e| e.moid.as_deref()?.strip_prefix("crash-")?.parse().ok())
        .collect();
    assert!(
        acknowledged.is_subset(&stored),
        "an acknowledged event is missing"
    );
    let effects: BTreeMap<String, i64> = store
        .with_connection(|c| {
            c.query(
                "SELECT event_key, COUNT(*) FROM effects GROUP BY event_key",
                &[],
                &[ColumnType::Text, ColumnType::Int],
            )
        })
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r[0].as_str().unwrap().to_owned(), r[1].as_i64().unwrap()))
        .collect();
    assert_eq!(effects.len() as u64, EVENTS);
    let twice: Vec<_> = effects.iter().filter(|(_, n)| **n != 1).collect();
    assert!(
        twice.is_empty(),
        "handler effect not applied exactly once: {twice:?}"
    );
    let redelivered = events.iter().filter(|e| e.deliveries > 1).count();
    eprintln!(
        "{} events, {redelivered} delivered more than once, {KILLS} kills",
        events.len()
    );
}
