//! Integration tests against a real control plane (testenv: etcd,
//! kube-apiserver and kube-controller-manager built from the Kubernetes
//! modules). One control plane serves the whole binary; each test works in
//! its own namespace. testenv's kubectl is the oracle wherever it can see
//! what we see.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

mod apf;
mod api_crd;
mod builtin_types;
mod config_view;
mod controller;
#[path = "../support/cut_relay.rs"]
mod cut_relay;
mod discovery;
mod dynamic;
mod env;
mod events;
mod exec_plugin;
mod hostile;
mod informer;
mod kctl;
mod leader_election;
mod leader_processes;
mod node;
mod operator;
mod pod_subresources;
mod protobuf;
mod proxy;
#[path = "../support/relay.rs"]
mod relay;
#[path = "../support/relay_recorder.rs"]
mod relay_recorder;
mod request_path;
mod rest_client;
mod secrets;
#[path = "../support/sni_relay.rs"]
mod sni_relay;
mod streaming;
