#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pgkit_tests::fuzz::run("notify_mask", data));
