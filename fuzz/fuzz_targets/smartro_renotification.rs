#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pgkit_tests::fuzz::run("smartro_renotification", data));
