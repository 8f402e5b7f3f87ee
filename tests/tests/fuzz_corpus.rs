//! The fuzz corpora and every crash the fuzzers found (`fuzz/corpus/<target>/`,
//! `fuzz/artifacts/<target>/`), replayed through the same target functions on stable, so that
//! a plain `cargo test` keeps them: none may panic.

use std::path::Path;

use pgkit_tests::fuzz::{TARGETS, run};

#[test]
fn every_corpus_and_crash_input_runs_without_a_panic() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut total = 0;
    for target in TARGETS {
        let mut inputs = 0;
        for kind in ["corpus", "artifacts"] {
            let Ok(entries) = std::fs::read_dir(fuzz.join(kind).join(target)) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                let data = std::fs::read(&path).unwrap();
                let outcome = std::panic::catch_unwind(|| run(target, &data));
                assert!(outcome.is_ok(), "{target} panicked on {}", path.display());
                inputs += 1;
            }
        }
        assert!(inputs > 0, "{target} has no committed corpus");
        total += inputs;
    }
    eprintln!("replayed {total} fuzz inputs");
}

#[test]
fn hand_made_hostile_inputs() {
    let hostile: [&[u8]; 8] = [
        b"",
        b"\x01%",
        b"\x01moid=%E0%80&pgTid=%C0%AF",
        b"\x02\xff\xfe\xfd=\x80\x81",
        b"\x04{\"ResultCode\":\"3001\",\"Amt\":99999999999999999999999999999}",
        b"\x04[1,2,3]",
        b"\x01goodsCodeArray[999999999999]=x&goodsSize=18446744073709551616",
        b"========================================",
    ];
    for target in TARGETS {
        for data in hostile {
            run(target, data);
        }
    }
}
