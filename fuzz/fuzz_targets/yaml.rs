//! cargo-fuzz target: see k8s_fuzz::yaml.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| k8s_fuzz::yaml(data));
