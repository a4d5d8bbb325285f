//! `exec` and `port-forward`: kubectl's output and exit codes over the
//! library's WebSocket sessions.
//!
//! Unlike kubectl, kctl does not put a local terminal in raw mode nor send
//! its size for `-t`, and `port-forward` listens on 127.0.0.1 and ::1 only
//! (no `--address`). Each local connection is a session of its own (the
//! WebSocket protocol carries one connection per port and session), and a
//! local client's half-close does not reach the pod (the protocol cannot say
//! it), so a local connection ends when either side ends it: request/response
//! protocols work, "send, then shut down the write side" ones do not.

use std::io::IsTerminal as _;

use k8s_client::Api;
use k8s_client::api::AttachParams;
use k8s_client::api::core::v1::Pod;
use tokio::io::{AsyncWriteExt, copy};
use tokio::net::{TcpListener, TcpStream};

use crate::error::Failure;
use crate::session::Session;

/// What `exec` runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ExecRequest {
    /// `POD` or `pod/POD`.
    pub(crate) pod: String,
    /// The command and its arguments (after `--`).
    pub(crate) command: Vec<String>,
    /// `-c`.
    pub(crate) container: Option<String>,
    /// `-i`.
    pub(crate) stdin: bool,
    /// `-t`.
    pub(crate) tty: bool,
}

/// `pod/NAME`, `pods/NAME`, `po/NAME` or `NAME`: the pod's name.
fn pod_name(arg: &str) -> Result<&str, Failure> {
    match arg.split_once('/') {
        None => Ok(arg),
        Some(("pod" | "pods" | "po", name)) if !name.is_empty() => Ok(name),
        Some(_) => Err(Failure::msg(format!(
            "kctl reaches pods only: {arg:?} is not pod/NAME"
        ))),
    }
}

/// `kctl exec [-i] [-t] [-c CONTAINER] POD -- COMMAND [ARGS...]`.
pub(crate) async fn exec(session: &Session, req: &ExecRequest) -> Result<(), Failure> {
    let pods: Api<Pod> = Api::namespaced(session.client.clone(), &session.namespace);
    let name = pod_name(&req.pod)?;
    let mut tty = req.tty;
    if tty && !(req.stdin && std::io::stdin().is_terminal()) {
        // kubectl's words; it goes on without a terminal too.
        eprintln!("Unable to use a TTY - input is not a terminal or the right kind of file");
        tty = false;
    }
    let mut ap = AttachParams::default().stdin(req.stdin).tty(tty);
    if let Some(container) = &req.container {
        ap = ap.container(container);
    }
    let mut process = pods.exec(name, &req.command, &ap).await?;
    if let Some(mut stdin) = process.stdin() {
        // Detached: a read of the terminal cannot be cancelled, and the
        // program exits without waiting for it.
        tokio::spawn(async move {
            let _ = copy(&mut tokio::io::stdin(), &mut stdin).await;
            let _ = stdin.shutdown().await;
        });
    }
    let (out, err) = (process.stdout(), process.stderr());
    let stdout = async {
        if let Some(mut out) = out {
            let mut local = tokio::io::stdout();
            let _ = copy(&mut out, &mut local).await;
            let _ = local.flush().await;
        }
    };
    let stderr = async {
        if let Some(mut err) = err {
            let mut local = tokio::io::stderr();
            let _ = copy(&mut err, &mut local).await;
            let _ = local.flush().await;
        }
    };
    tokio::join!(stdout, stderr);
    let status = process.join().await?;
    match status.code {
        Some(0) | None => Ok(()),
        Some(code) => Err(Failure::Exit {
            code,
            message: format!("command terminated with exit code {code}"),
        }),
    }
}

/// `LOCAL:REMOTE`, `:REMOTE` (any free local port) or `PORT` (the same on both sides).
fn port_pair(arg: &str) -> Result<(u16, u16), Failure> {
    let bad = || Failure::msg(format!("invalid port specification {arg:?}"));
    let (local, remote) = match arg.split_once(':') {
        Some((local, remote)) => (local, remote),
        None => (arg, arg),
    };
    let remote: u16 = remote.parse().ok().filter(|p| *p > 0).ok_or_else(bad)?;
    let local: u16 = if local.is_empty() {
        0
    } else {
        local.parse().map_err(|_| bad())?
    };
    Ok((local, remote))
}

/// `kctl port-forward [pod/]POD [LOCAL:]REMOTE...`: until interrupted.
pub(crate) async fn port_forward(
    session: &Session,
    pod: &str,
    ports: &[String],
) -> Result<(), Failure> {
    let pods: Api<Pod> = Api::namespaced(session.client.clone(), &session.namespace);
    let name = pod_name(pod)?.to_owned();
    // As kubectl: the pod must exist and be running before anything listens.
    let found = pods.get(&name).await?;
    let phase = found.status.as_ref().and_then(|s| s.phase.as_deref());
    if phase != Some("Running") {
        return Err(Failure::msg(format!(
            "unable to forward port because pod is not running. Current status={}",
            phase.unwrap_or_default()
        )));
    }
    let mut listeners = Vec::new();
    for spec in ports {
        let (mut local, remote) = port_pair(spec)?;
        for (host, shown) in [("127.0.0.1", "127.0.0.1"), ("::1", "[::1]")] {
            let Ok(listener) = TcpListener::bind((host, local)).await else {
                continue;
            };
            // The first address's port is every address's, as in kubectl.
            local = listener
                .local_addr()
                .map_err(|e| Failure::msg(e.to_string()))?
                .port();
            outln!("Forwarding from {shown}:{local} -> {remote}");
            listeners.push((listener, remote));
        }
    }
    if listeners.is_empty() {
        return Err(Failure::msg(
            "unable to listen on any of the requested ports",
        ));
    }
    for (listener, remote) in listeners {
        let pods = pods.clone();
        let name = name.clone();
        tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                outln!("Handling connection for {remote}");
                tokio::spawn(forward(pods.clone(), name.clone(), remote, conn));
            }
        });
    }
    let _ = tokio::signal::ctrl_c().await;
    Ok(())
}

/// One local connection, through a session of its own.
async fn forward(pods: Api<Pod>, name: String, remote: u16, mut conn: TcpStream) {
    let stream = match pods.portforward(&name, &[remote]).await {
        Ok(mut forward) => forward.take_stream(remote),
        Err(e) => {
            eprintln!("error: an error occurred forwarding {remote}: {e}");
            return;
        }
    };
    let Some(stream) = stream else { return };
    let (mut from_local, mut to_local) = conn.split();
    let (mut from_pod, mut to_pod) = tokio::io::split(stream);
    // Either side's end is the connection's: the pod cannot be told of a
    // local half-close, and a closed local client reads nothing more.
    let ended = tokio::select! {
        sent = copy(&mut from_local, &mut to_pod) => sent,
        received = copy(&mut from_pod, &mut to_local) => received,
    };
    if let Err(e) = ended {
        eprintln!("error: an error occurred forwarding {remote}: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_and_pods_as_kubectl_writes_them() {
        assert_eq!(port_pair("8080:80").ok(), Some((8080, 80)));
        assert_eq!(port_pair(":80").ok(), Some((0, 80)));
        assert_eq!(port_pair("5000").ok(), Some((5000, 5000)));
        assert!(port_pair("80:x").is_err() && port_pair("0").is_err());
        assert_eq!(pod_name("pod/web").ok(), Some("web"));
        assert_eq!(pod_name("web").ok(), Some("web"));
        assert!(pod_name("deploy/web").is_err());
    }
}
