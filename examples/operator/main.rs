//! An operator built from the library alone: `Website` objects (a custom
//! resource declared in Rust) each get a ConfigMap and a Deployment they
//! own, with status written back, a finalizer, events, leader election (run
//! several replicas: one reconciles), and a graceful shutdown on SIGTERM or
//! Ctrl-C that hands the lead over at once.
//!
//! Run: `cargo run --example operator [-- --namespace NS]` against the
//! cluster the kubeconfig names. It installs the Website CRD first. The
//! Lease `website-operator` is kept in NS (`default` without one); each
//! replica's identity is `$POD_NAME`, else the host name and process id.

mod website;

use std::time::Duration;

use k8s_client::runtime::leader_election::LeaderElectionConfig;
use k8s_client::{Client, CustomResourceExt, crd};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut namespace = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--namespace" | "-n" => namespace = args.next(),
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    let client = Client::try_default().await?;
    crd::install(
        &client,
        &website::Website::crd(),
        website::MANAGER,
        Duration::from_secs(60),
    )
    .await?;
    let election = LeaderElectionConfig::new(
        namespace.as_deref().unwrap_or("default"),
        website::MANAGER,
        identity().await,
    )
    .release_on_cancel(true);
    eprintln!(
        "website-operator: running as {}; SIGTERM or Ctrl-C stops it",
        election.identity
    );
    website::run(client, namespace.as_deref(), Some(election), termination()).await?;
    eprintln!("website-operator: stopped");
    Ok(())
}

/// This replica's name among the candidates.
async fn identity() -> String {
    if let Ok(pod) = std::env::var("POD_NAME") {
        return pod;
    }
    let host = match tokio::fs::read_to_string("/proc/sys/kernel/hostname").await {
        Ok(host) => host,
        Err(_) => std::env::var("HOSTNAME").unwrap_or_default(),
    };
    format!("{}_{}", host.trim(), std::process::id())
}

/// SIGTERM or Ctrl-C.
async fn termination() {
    #[cfg(unix)]
    if let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
    {
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        return;
    }
    let _ = tokio::signal::ctrl_c().await;
}
