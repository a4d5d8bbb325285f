//! `portforward` on `Api<Pod>`: connections to ports inside a pod over one
//! WebSocket (`v4.channel.k8s.io` on the portforward subresource).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::channel::{PortHeader, V4};
use super::mux::{self, Inbound, Plan, SessionReader, SessionWriter, Sink};
use super::websocket::{self, Socket};
use crate::api::Api;
use crate::api::core::v1::Pod;
use crate::rest::Verb;
use crate::{Error, Result, SessionErrorKind};

impl Api<Pod> {
    /// Opens one connection to each of `ports` inside pod `name`
    /// (`kubectl port-forward`), all over one WebSocket.
    ///
    /// **One call, one connection per port.** The WebSocket protocol gives
    /// each port of the request one connection in the pod, for as long as
    /// the session lasts; it cannot open more later. For many concurrent
    /// connections to one port, call `portforward` once per connection (as
    /// a local listener does for each client it accepts): each call is a
    /// WebSocket of its own. A port may be listed more than once to get
    /// several connections to it in one session.
    ///
    /// Nor can the protocol carry one direction's end: shutting down a
    /// stream's write side is not seen inside the pod. Use protocols that
    /// frame their messages (HTTP, line by line, …), and drop the stream
    /// when done.
    ///
    /// ```no_run
    /// # async fn run(client: k8s_client::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use k8s_client::{Api, api::core::v1::Pod};
    /// use tokio::io::{AsyncReadExt, AsyncWriteExt};
    ///
    /// let pods: Api<Pod> = Api::namespaced(client, "default");
    /// let mut forward = pods.portforward("web-0", &[80]).await?;
    /// let mut conn = forward.take_stream(80).expect("asked for port 80");
    /// conn.write_all(b"GET / HTTP/1.1\r\nHost: web\r\nConnection: close\r\n\r\n").await?;
    /// let mut answer = Vec::new();
    /// conn.read_to_end(&mut answer).await?; // the pod closed the connection
    /// # Ok(()) }
    /// ```
    pub async fn portforward(&self, name: &str, ports: &[u16]) -> Result<Portforwarder> {
        let mut req = self
            .request(Verb::Get, Some(name))
            .subresource("portforward");
        for port in ports {
            req = req.param("ports", &port.to_string());
        }
        if ports.is_empty() {
            req = req.invalid("port-forward needs at least one port");
        }
        if ports.contains(&0) {
            req = req.invalid("port 0 cannot be forwarded");
        }
        if ports.len() > 127 {
            // Two channels per port, numbered from 0 in one byte.
            req = req.invalid("at most 127 ports can be forwarded in one session");
        }
        let socket = websocket::connect(&self.client, req, &[V4]).await?;
        Ok(start(socket, ports))
    }
}

/// Starts the task that runs a port-forward session on `socket`.
pub(super) fn start<S>(socket: Socket<S>, ports: &[u16]) -> Portforwarder
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let operation = socket.operation.clone();
    let (alive, alive_rx) = mpsc::channel(1);
    let mut inbound = Vec::with_capacity(ports.len() * 2);
    let mut outbound = Vec::with_capacity(ports.len());
    let mut streams = Vec::with_capacity(ports.len());
    for (i, &port) in ports.iter().enumerate() {
        // At most 127 ports, checked above.
        let data = u8::try_from(2 * i).unwrap_or(u8::MAX);
        let (sink, reader) = mux::pipe_to_caller(&alive);
        let (source, writer) = mux::pipe_from_caller(&alive);
        inbound.push(Inbound {
            sink,
            header: Some(PortHeader::new(port)),
        });
        inbound.push(Inbound {
            sink: Sink::PortError { data, port },
            header: Some(PortHeader::new(port)),
        });
        outbound.push((data, source));
        streams.push(Some(PortStream {
            port,
            reader,
            writer,
        }));
    }
    // The forwarder holds no `alive` of its own: once every stream is
    // dropped, the session closes.
    drop(alive);
    let plan = Plan {
        inbound,
        outbound,
        close_messages: false,
        resize: None,
        alive: alive_rx,
    };
    let task = tokio::spawn(async move { mux::run(socket, plan).await.map(|_| ()) });
    Portforwarder {
        operation,
        ports: ports.to_vec(),
        streams,
        task,
    }
}

/// The connections of one port-forward session, one per requested port,
/// each taken once with [`take_stream`](Portforwarder::take_stream).
///
/// The session ends when the pod's side has closed every connection, or
/// when every stream has been dropped.
pub struct Portforwarder {
    operation: String,
    ports: Vec<u16>,
    streams: Vec<Option<PortStream>>,
    task: JoinHandle<Result<()>>,
}

impl std::fmt::Debug for Portforwarder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Portforwarder")
            .field("ports", &self.ports)
            .finish_non_exhaustive()
    }
}

impl Portforwarder {
    /// The connection to `port`: the first not yet taken, if `port` was
    /// requested.
    pub fn take_stream(&mut self, port: u16) -> Option<PortStream> {
        self.ports
            .iter()
            .zip(&mut self.streams)
            .find(|(p, s)| **p == port && s.is_some())
            .and_then(|(_, s)| s.take())
    }

    /// Waits for the session to end: the streams not taken are dropped
    /// first. An error means the session broke; a single connection's
    /// failure is reported on that connection's reads instead.
    pub async fn join(mut self) -> Result<()> {
        self.streams.clear();
        match self.task.await {
            Ok(result) => result,
            Err(e) => Err(Error::Session {
                operation: self.operation,
                kind: SessionErrorKind::Broken,
                source: Some(Box::new(e)),
            }),
        }
    }
}

/// One connection to a port inside the pod.
///
/// Reads end when the pod's side closes the connection and the session
/// ends. If the node reports that it could not forward the port (nothing
/// listens there, say), or the session breaks, the read that would have
/// been the end is an [`io::Error`] whose inner error is
/// [`Error::Session`] ([`SessionErrorKind::PortForward`] with the node's
/// message, or [`SessionErrorKind::Broken`]).
#[derive(Debug)]
pub struct PortStream {
    port: u16,
    reader: SessionReader,
    writer: SessionWriter,
}

impl PortStream {
    /// The pod's port this stream is connected to.
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl AsyncRead for PortStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.reader).poll_read(cx, buf)
    }
}

impl AsyncWrite for PortStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.writer).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.writer).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.writer).poll_shutdown(cx)
    }
}
