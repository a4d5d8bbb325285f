//! An operator built from the library alone: `Website` objects (a custom
//! resource declared in Rust) each get a ConfigMap and a Deployment they
//! own, with status written back, a finalizer, and a graceful shutdown on
//! SIGTERM or Ctrl-C.
//!
//! Run: `cargo run --example operator [-- --namespace NS]` against the
//! cluster the kubeconfig names. It installs the Website CRD first.

mod website;

use std::time::Duration;

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
    eprintln!("website-operator: running; SIGTERM or Ctrl-C stops it");
    website::run(client, namespace.as_deref(), termination()).await?;
    eprintln!("website-operator: stopped");
    Ok(())
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
