//! A loop over one hot path, for profilers (`valgrind --tool=callgrind`, `perf`):
//! `profile-decode [form|notification|serde] [iterations]`.

use std::hint::black_box;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let what = args.get(1).map_or("notification", String::as_str);
    let n: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let body = pgkit_benches::notification_body(pg_core::Charset::Utf8);
    let limits = pg_core::form::FormLimits::default();
    for _ in 0..n {
        match what {
            "form" => {
                black_box(
                    pg_core::form::Form::parse(black_box(&body), None, &limits)
                        .map(|f| f.len())
                        .ok(),
                );
            }
            "serde" => {
                black_box(
                    serde_urlencoded::from_bytes::<pgkit_benches::FortyFiveStrings>(black_box(
                        &body,
                    ))
                    .ok(),
                );
            }
            _ => {
                black_box(
                    pg_innopay::notification::Notification::decode(black_box(&body), None).ok(),
                );
            }
        }
    }
}
