//! cargo-fuzz target: see k8s_fuzz::derive.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| k8s_fuzz::derive(data));
