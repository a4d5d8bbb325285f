//! Derive macros for [`k8s-client`](https://docs.rs/k8s-client).
//!
//! Use them through `k8s_client`, which re-exports them; generated code names
//! every path in full (`::k8s_client::…`).
