//! A loop over one hot path, for profilers (`valgrind --tool=callgrind`, `perf`):
//! `profile-decode [form|notification|mask|serde|baseline|encrypt-data|sha256] [iterations] [utf8|euckr] [BODY]`
//! (`mask`: the receiver's masking of a body before it is stored, `pg_notify::mask::mask_both`)
//! (BODY: a name of the notification set, e.g. `unknown_fields`, or `@FILE` for a body's bytes;
//! default the 45-field fixture).
//! Build it with the `profiling` profile for file and line in the profile:
//! `cargo build --profile profiling -p pgkit-benches --bin profile-decode`.

use std::hint::black_box;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let what = args.get(1).map_or("notification", String::as_str);
    let n: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let charset = if args.get(3).is_some_and(|c| c == "euckr") {
        pg_core::Charset::EucKr
    } else {
        pg_core::Charset::Utf8
    };
    let body = match args.get(4) {
        Some(path) if path.starts_with('@') => {
            std::fs::read(&path[1..]).unwrap_or_else(|e| panic!("{path}: {e}"))
        }
        Some(name) => pgkit_benches::bodies::notification_set()
            .into_iter()
            .find(|b| b.name == name.as_str())
            .map(|b| b.encode(charset, "000000012345"))
            .unwrap_or_else(|| panic!("no body named {name} in the set")),
        None => pgkit_benches::notification_body(charset),
    };
    let limits = pg_core::form::FormLimits::default();
    let key = pg_core::Secret::new(pgkit_benches::MERCHANT_KEY);
    let sign_input = pgkit_benches::encrypt_data_input();
    for _ in 0..n {
        match what {
            "form" => {
                black_box(
                    pg_core::form::Form::parse(black_box(&body), None, &limits)
                        .map(|f| f.len())
                        .ok(),
                );
            }
            "mask" => {
                black_box(pg_notify::mask::mask_both(black_box(&body)));
            }
            "encrypt-data" => {
                black_box(pg_smartro::crypto::encrypt_data(
                    black_box(pgkit_benches::EDI_DATE),
                    pgkit_benches::MID,
                    pgkit_benches::AMT,
                    &key,
                ));
            }
            "sha256" => {
                use sha2::Digest;
                black_box(sha2::Sha256::digest(black_box(sign_input.as_bytes())));
            }
            // The notification set's baseline for the charset (as `hot_paths` measures it).
            "baseline" => {
                black_box(match charset {
                    pg_core::Charset::Utf8 => {
                        pgkit_benches::bodies::serde_urlencoded_pairs(black_box(&body))
                    }
                    _ => pgkit_benches::bodies::percent_decode_euc_kr_pairs(black_box(&body)),
                });
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
