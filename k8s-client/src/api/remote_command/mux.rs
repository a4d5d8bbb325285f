//! One WebSocket session's channels, moved between the socket and the
//! caller's streams by one task.
//!
//! The task reads messages and writes each channel's data to its pipe (the
//! caller reads the other end), reads the caller's pipes and sends their
//! data as messages, sends terminal sizes, and pings the server every
//! [`PING_PERIOD`] (client-go's heartbeat), failing the session when
//! nothing at all has come back for [`PONG_DEADLINE`]. No other deadline
//! applies: a quiet session lives as long as both ends want it.
//!
//! A pipe the caller reads is a [`SessionReader`]: when the session fails,
//! or the node reports a port's failure, its reader gets that error instead
//! of a clean end. A full pipe holds the task back (so the server, through
//! TCP): read every stream you asked for, or drop it.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures::stream::{BoxStream, SelectAll};
use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::{self, Message};

use super::TerminalSize;
use super::channel::{self, PortHeader};
use super::websocket::Socket;
use crate::{Error, SessionErrorKind};

/// How often the server is pinged.
const PING_PERIOD: Duration = Duration::from_secs(5);
/// How long the server may stay silent, pongs included, before the session
/// is given up (client-go's 12 periods and a second).
const PONG_DEADLINE: Duration = Duration::from_secs(61);
/// Most bytes sent in one message.
const CHUNK: usize = 32 * 1024;
/// Bytes a pipe holds before its writer waits.
pub(crate) const PIPE_CAPACITY: usize = 1 << 20;

/// Where a channel's incoming data goes.
pub(crate) enum Sink {
    /// To a pipe the caller reads.
    Pipe {
        writer: Option<Box<dyn AsyncWrite + Send + Unpin>>,
        failure: Arc<FailureSlot>,
    },
    /// Kept until the session ends (exec's error channel).
    Keep(Vec<u8>),
    /// A port's error channel: its message fails the port's data pipe, on
    /// channel `data`.
    PortError { data: u8, port: u16 },
    /// Nowhere: a channel the caller did not ask for.
    Ignore,
}

/// One incoming channel.
pub(crate) struct Inbound {
    pub(crate) sink: Sink,
    /// A port-forward channel opens with its port.
    pub(crate) header: Option<PortHeader>,
}

/// What a session moves, and how.
pub(crate) struct Plan {
    /// By channel number.
    pub(crate) inbound: Vec<Inbound>,
    /// The caller's writers' other ends, with the channel each feeds.
    pub(crate) outbound: Vec<(u8, Box<dyn AsyncRead + Send + Unpin>)>,
    /// v5: tell the server when an outbound channel ends.
    pub(crate) close_messages: bool,
    /// Terminal sizes to send.
    pub(crate) resize: Option<mpsc::Receiver<TerminalSize>>,
    /// Held by every handle the caller has; when all are dropped, the
    /// session is closed.
    pub(crate) alive: mpsc::Receiver<()>,
}

/// An error waiting for a pipe's reader.
#[derive(Default)]
pub(crate) struct FailureSlot(Mutex<Option<Error>>);

impl FailureSlot {
    fn set(&self, error: Error) {
        let mut slot = match self.0.lock() {
            Ok(slot) => slot,
            Err(poisoned) => poisoned.into_inner(),
        };
        slot.get_or_insert(error);
    }

    fn take(&self) -> Option<Error> {
        match self.0.lock() {
            Ok(mut slot) => slot.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        }
    }
}

/// A new pipe for a channel the caller reads: the sink for the plan, and
/// the reader for the caller.
pub(crate) fn pipe_to_caller(alive: &mpsc::Sender<()>) -> (Sink, SessionReader) {
    let (ours, theirs) = tokio::io::duplex(PIPE_CAPACITY);
    let failure = Arc::new(FailureSlot::default());
    let sink = Sink::Pipe {
        writer: Some(Box::new(ours)),
        failure: failure.clone(),
    };
    let reader = SessionReader {
        pipe: Box::new(theirs),
        failure,
        _alive: alive.clone(),
    };
    (sink, reader)
}

/// An incoming stream of a session: stdout, stderr, or a forwarded port's data.
///
/// It ends when the channel does. When the session fails (the connection
/// breaks) or the node reports a port's failure, the read that would have
/// been the end is that error instead, an [`io::Error`] whose inner error is
/// the crate's [`Error`] (`Error::Session`).
pub struct SessionReader {
    pipe: Box<dyn AsyncRead + Send + Unpin>,
    failure: Arc<FailureSlot>,
    _alive: mpsc::Sender<()>,
}

impl std::fmt::Debug for SessionReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionReader").finish_non_exhaustive()
    }
}

impl AsyncRead for SessionReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.pipe).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled
            && buf.filled().len() == before
            && buf.remaining() > 0
            && let Some(error) = self.failure.take()
        {
            return Poll::Ready(Err(io::Error::other(error)));
        }
        polled
    }
}

/// A new pipe for a channel the caller writes: the reader for the plan's
/// outbound side, and the writer for the caller.
pub(crate) fn pipe_from_caller(
    alive: &mpsc::Sender<()>,
) -> (Box<dyn AsyncRead + Send + Unpin>, SessionWriter) {
    let (ours, theirs) = tokio::io::duplex(PIPE_CAPACITY);
    let writer = SessionWriter {
        pipe: theirs,
        _alive: alive.clone(),
    };
    (Box::new(ours), writer)
}

/// An outgoing stream of a session: stdin, or a forwarded port's data.
///
/// [`shutdown`](tokio::io::AsyncWriteExt::shutdown) (or dropping it) ends
/// the stream: with `v5.channel.k8s.io`, the process sees the end of its
/// stdin. A write after the session ended fails with `BrokenPipe`.
pub struct SessionWriter {
    pipe: tokio::io::DuplexStream,
    _alive: mpsc::Sender<()>,
}

impl std::fmt::Debug for SessionWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionWriter").finish_non_exhaustive()
    }
}

impl AsyncWrite for SessionWriter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.pipe).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.pipe).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.pipe).poll_shutdown(cx)
    }
}

enum Outgoing {
    Data(Bytes),
    End(u8),
}

/// The caller's writes to `channel`, as messages.
fn outgoing(
    channel: u8,
    reader: Box<dyn AsyncRead + Send + Unpin>,
) -> BoxStream<'static, Outgoing> {
    futures::stream::unfold(Some(reader), move |state| async move {
        let mut reader = state?;
        let mut buf = channel::message_buffer(channel, CHUNK);
        match reader.read_buf(&mut buf).await {
            Ok(0) | Err(_) => Some((Outgoing::End(channel), None)),
            Ok(_) => Some((Outgoing::Data(buf.freeze()), Some(reader))),
        }
    })
    .boxed()
}

/// How a session ended without failing.
pub(crate) struct Ended {
    /// What `Keep` channels received, in channel order.
    pub(crate) kept: Vec<u8>,
}

/// Runs the session to its end. Every pipe to the caller is closed when it
/// returns; on failure, their readers get the error first.
pub(crate) async fn run<S>(socket: Socket<S>, mut plan: Plan) -> Result<Ended, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let operation = socket.operation.clone();
    let result = drive(socket, &mut plan).await;
    let failure = result.as_ref().err();
    let mut kept = Vec::new();
    for inbound in &mut plan.inbound {
        match &mut inbound.sink {
            Sink::Pipe {
                writer,
                failure: slot,
            } => {
                if let Some(kind) = failure {
                    slot.set(session_error(&operation, kind.0.clone(), None));
                }
                if let Some(mut w) = writer.take() {
                    let _ = w.shutdown().await;
                }
            }
            Sink::Keep(bytes) => kept.append(bytes),
            Sink::PortError { .. } | Sink::Ignore => {}
        }
    }
    match result {
        Ok(()) => Ok(Ended { kept }),
        Err(SessionFailure(kind, source)) => Err(session_error(&operation, kind, source)),
    }
}

pub(crate) fn session_error(
    operation: &str,
    kind: SessionErrorKind,
    source: Option<tungstenite::Error>,
) -> Error {
    Error::Session {
        operation: operation.to_owned(),
        kind,
        source: source.map(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>),
    }
}

struct SessionFailure(SessionErrorKind, Option<tungstenite::Error>);

fn broken(e: tungstenite::Error) -> SessionFailure {
    SessionFailure(SessionErrorKind::Broken, Some(e))
}

fn protocol(reason: String) -> SessionFailure {
    SessionFailure(SessionErrorKind::Protocol(reason), None)
}

/// What the task waits for that is not a message.
async fn next_size(resize: &mut Option<mpsc::Receiver<TerminalSize>>) -> Option<TerminalSize> {
    match resize {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn drive<S>(socket: Socket<S>, plan: &mut Plan) -> Result<(), SessionFailure>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let operation = socket.operation;
    let (mut tx, mut rx) = socket.ws.split();
    let mut outgoing_streams: SelectAll<BoxStream<'static, Outgoing>> = SelectAll::new();
    for (channel, reader) in std::mem::take(&mut plan.outbound) {
        outgoing_streams.push(outgoing(channel, reader));
    }
    let mut ping = tokio::time::interval_at(Instant::now() + PING_PERIOD, PING_PERIOD);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_heard = Instant::now();
    loop {
        tokio::select! {
            message = rx.next() => {
                last_heard = Instant::now();
                match message {
                    Some(Ok(Message::Binary(bytes))) => {
                        deliver(plan, &operation, &bytes).await?;
                        // Delivery waits while the caller's pipe is full, and
                        // nothing is read meanwhile: that silence is ours.
                        last_heard = Instant::now();
                    }
                    Some(Ok(Message::Close(_))) | None => return Ok(()),
                    Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                    Some(Ok(Message::Text(_))) => {
                        return Err(protocol("a text message on a binary protocol".to_owned()));
                    }
                    // A closed connection after a close handshake is the normal end.
                    Some(Err(tungstenite::Error::ConnectionClosed)) => return Ok(()),
                    Some(Err(e)) => return Err(broken(e)),
                }
            }
            Some(out) = outgoing_streams.next(), if !outgoing_streams.is_empty() => match out {
                Outgoing::Data(message) => tx.send(Message::Binary(message)).await.map_err(broken)?,
                Outgoing::End(channel) if plan.close_messages => {
                    tx.send(Message::Binary(channel::close_message(channel))).await.map_err(broken)?;
                }
                Outgoing::End(_) => {}
            },
            size = next_size(&mut plan.resize) => match size {
                Some(size) => tx.send(Message::Binary(channel::resize_message(size))).await.map_err(broken)?,
                None => plan.resize = None,
            },
            _ = plan.alive.recv() => {
                // Every handle is gone (nothing is ever sent on `alive`):
                // nobody reads or writes any more.
                tracing::debug!(operation, "every handle dropped: closing the session");
                let _ = tx.send(Message::Close(None)).await;
                return Ok(());
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > PONG_DEADLINE {
                    return Err(SessionFailure(SessionErrorKind::Broken, None));
                }
                tx.send(Message::Ping(Bytes::new())).await.map_err(broken)?;
            }
        }
    }
}

/// Hands one message's data to its channel's sink.
async fn deliver(plan: &mut Plan, operation: &str, message: &Bytes) -> Result<(), SessionFailure> {
    let Some((channel, data)) = channel::split(message) else {
        return Ok(());
    };
    if channel == channel::CLOSE {
        // v5: the server is done writing to a channel.
        if let Some(Inbound {
            sink: Sink::Pipe { writer, .. },
            ..
        }) = data
            .first()
            .and_then(|c| plan.inbound.get_mut(usize::from(*c)))
            && let Some(mut w) = writer.take()
        {
            let _ = w.shutdown().await;
        }
        return Ok(());
    }
    let Some(inbound) = plan.inbound.get_mut(usize::from(channel)) else {
        // client-go drops these too.
        tracing::debug!(operation, channel, "a message on an unknown channel");
        return Ok(());
    };
    let data = match &mut inbound.header {
        Some(header) => header
            .strip(data)
            .map_err(|kind| SessionFailure(kind, None))?,
        None => data,
    };
    if data.is_empty() {
        return Ok(());
    }
    match &mut inbound.sink {
        Sink::Pipe { writer, .. } => {
            if let Some(w) = writer
                && w.write_all(&data).await.is_err()
            {
                // The caller dropped its reader: drop what comes for it.
                *writer = None;
            }
        }
        Sink::Keep(bytes) => {
            let room = channel::MAX_ERROR_CHANNEL.saturating_sub(bytes.len());
            bytes.extend_from_slice(&data[..data.len().min(room)]);
        }
        Sink::PortError { data: pipe, port } => {
            let (pipe, port) = (*pipe, *port);
            let message = String::from_utf8_lossy(&data).into_owned();
            tracing::debug!(operation, port, message, "the node failed a forwarded port");
            if let Some(Inbound {
                sink: Sink::Pipe { writer, failure },
                ..
            }) = plan.inbound.get_mut(usize::from(pipe))
            {
                failure.set(session_error(
                    operation,
                    SessionErrorKind::PortForward { port, message },
                    None,
                ));
                if let Some(mut w) = writer.take() {
                    let _ = w.shutdown().await;
                }
            }
        }
        Sink::Ignore => {}
    }
    Ok(())
}
