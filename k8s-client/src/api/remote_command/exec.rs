//! `exec` and `attach` on `Api<Pod>`: a process's stdin, stdout, stderr,
//! terminal size and exit status over one WebSocket.

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::channel::{self, V4, V5};
use super::mux::{self, Inbound, Plan, SessionReader, SessionWriter, Sink};
use super::websocket::{self, Socket};
use super::{AttachParams, ExitStatus, TerminalSize};
use crate::api::Api;
use crate::api::core::v1::Pod;
use crate::rest::{RequestBuilder, Verb};
use crate::{Error, Result, SessionErrorKind};

/// Terminal sizes queued before the session takes them.
const RESIZE_QUEUE: usize = 16;

impl Api<Pod> {
    /// Runs `command` in a container of pod `name` (`kubectl exec`), with
    /// the streams `ap` asks for.
    ///
    /// The session is a WebSocket (`v5.channel.k8s.io`, else
    /// `v4.channel.k8s.io`) on an HTTP/1.1 connection of its own, whatever
    /// the client speaks otherwise; the client's timeout bounds opening it,
    /// never the session itself. The command's exit status comes from
    /// [`AttachedProcess::join`]: a non-zero exit is an [`ExitStatus`], not
    /// an error.
    ///
    /// ```no_run
    /// # async fn run(client: k8s_client::Client) -> Result<(), k8s_client::Error> {
    /// use k8s_client::Api;
    /// use k8s_client::api::{AttachParams, core::v1::Pod};
    /// use tokio::io::AsyncReadExt;
    ///
    /// let pods: Api<Pod> = Api::namespaced(client, "default");
    /// let mut process = pods.exec("web-0", ["sh", "-c", "echo hi; exit 3"], &AttachParams::default()).await?;
    /// let mut out = String::new();
    /// if let Some(mut stdout) = process.stdout() {
    ///     stdout.read_to_string(&mut out).await.ok();
    /// }
    /// let status = process.join().await?;
    /// assert_eq!((out.as_str(), status.code), ("hi\n", Some(3)));
    /// # Ok(()) }
    /// ```
    pub async fn exec<I, S>(
        &self,
        name: &str,
        command: I,
        ap: &AttachParams,
    ) -> Result<AttachedProcess>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut req = self.request(Verb::Get, Some(name)).subresource("exec");
        let mut any = false;
        for arg in command {
            req = req.param("command", arg.as_ref());
            any = true;
        }
        if !any {
            req = req.invalid("exec needs a command");
        }
        self.remote_command(ap.apply(req), ap).await
    }

    /// Attaches to the running process of a container of pod `name`
    /// (`kubectl attach`): its output from now on and, when the container
    /// has `stdin: true`, its stdin. Otherwise as [`exec`](Api::exec).
    pub async fn attach(&self, name: &str, ap: &AttachParams) -> Result<AttachedProcess> {
        let req = self.request(Verb::Get, Some(name)).subresource("attach");
        self.remote_command(ap.apply(req), ap).await
    }

    async fn remote_command(
        &self,
        req: RequestBuilder,
        ap: &AttachParams,
    ) -> Result<AttachedProcess> {
        let socket = websocket::connect(&self.client, req, &[V5, V4]).await?;
        Ok(start(socket, ap))
    }
}

/// Starts the task that runs an exec or attach session on `socket`.
pub(super) fn start<S>(socket: Socket<S>, ap: &AttachParams) -> AttachedProcess
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let protocol = socket.protocol;
    let operation = socket.operation.clone();
    let (alive, alive_rx) = mpsc::channel(1);
    let mut process = AttachedProcess {
        operation: operation.clone(),
        stdin: None,
        stdout: None,
        stderr: None,
        resize: None,
        protocol,
        task: None,
        _alive: alive.clone(),
    };
    let mut inbound: Vec<Inbound> = (0..=channel::RESIZE)
        .map(|_| Inbound {
            sink: Sink::Ignore,
            header: None,
        })
        .collect();
    inbound[usize::from(channel::ERROR)].sink = Sink::Keep(Vec::new());
    let mut outbound = Vec::new();
    if ap.stdout {
        let (sink, reader) = mux::pipe_to_caller(&alive);
        inbound[usize::from(channel::STDOUT)].sink = sink;
        process.stdout = Some(reader);
    }
    if ap.stderr && !ap.tty {
        let (sink, reader) = mux::pipe_to_caller(&alive);
        inbound[usize::from(channel::STDERR)].sink = sink;
        process.stderr = Some(reader);
    }
    if ap.stdin {
        let (source, writer) = mux::pipe_from_caller(&alive);
        outbound.push((channel::STDIN, source));
        process.stdin = Some(writer);
    }
    let mut resize = None;
    if ap.tty {
        let (tx, rx) = mpsc::channel(RESIZE_QUEUE);
        process.resize = Some(tx);
        resize = Some(rx);
    }
    let plan = Plan {
        inbound,
        outbound,
        close_messages: protocol == V5,
        resize,
        alive: alive_rx,
    };
    process.task = Some(tokio::spawn(async move {
        let ended = mux::run(socket, plan).await?;
        channel::exit_status(&ended.kept).map_err(|kind| mux::session_error(&operation, kind, None))
    }));
    process
}

/// A process in a pod that [`Api::exec`] started or [`Api::attach`]
/// reached: its streams (each taken once), its terminal size, and its exit
/// status.
///
/// Read the output streams you asked for (or drop them): a full stream
/// holds the session back. Dropping this value and every stream taken from
/// it closes the session.
#[must_use = "the exit status comes from join()"]
pub struct AttachedProcess {
    operation: String,
    stdin: Option<SessionWriter>,
    stdout: Option<SessionReader>,
    stderr: Option<SessionReader>,
    resize: Option<mpsc::Sender<TerminalSize>>,
    protocol: &'static str,
    task: Option<JoinHandle<Result<ExitStatus>>>,
    _alive: mpsc::Sender<()>,
}

impl std::fmt::Debug for AttachedProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AttachedProcess")
            .field("protocol", &self.protocol)
            .field("stdin", &self.stdin.is_some())
            .field("stdout", &self.stdout.is_some())
            .field("stderr", &self.stderr.is_some())
            .field("tty", &self.resize.is_some())
            .finish()
    }
}

impl AttachedProcess {
    /// The process's stdin, if asked for and not taken yet. Shutting it
    /// down ends the process's input when the server speaks
    /// `v5.channel.k8s.io` (see [`can_close_stdin`](Self::can_close_stdin)).
    pub fn stdin(&mut self) -> Option<SessionWriter> {
        self.stdin.take()
    }

    /// The process's stdout (with a TTY, all its output), if asked for and
    /// not taken yet.
    pub fn stdout(&mut self) -> Option<SessionReader> {
        self.stdout.take()
    }

    /// The process's stderr, if asked for (without a TTY) and not taken yet.
    pub fn stderr(&mut self) -> Option<SessionReader> {
        self.stderr.take()
    }

    /// With a TTY, a sender of terminal sizes, each sent to the server as it
    /// comes (the first one sets the size), taken once.
    pub fn terminal_size(&mut self) -> Option<mpsc::Sender<TerminalSize>> {
        self.resize.take()
    }

    /// The subprotocol the server chose: `v5.channel.k8s.io` or `v4.channel.k8s.io`.
    pub fn protocol(&self) -> &'static str {
        self.protocol
    }

    /// Whether shutting down stdin reaches the process as the end of its
    /// input: only `v5.channel.k8s.io` can say so; under v4 the process
    /// reads on until the session ends.
    pub fn can_close_stdin(&self) -> bool {
        self.protocol == V5
    }

    /// Waits for the session to end and returns the process's exit status.
    /// Streams not taken are dropped first, so their output cannot hold the
    /// session back.
    ///
    /// A non-zero exit is `Ok` with its code. An error means the command
    /// could not run ([`SessionErrorKind::Failed`] with the node's Status)
    /// or the session broke.
    pub async fn join(mut self) -> Result<ExitStatus> {
        self.stdin = None;
        self.stdout = None;
        self.stderr = None;
        let Some(task) = self.task.take() else {
            return Ok(ExitStatus::exited_zero());
        };
        match task.await {
            Ok(result) => result,
            Err(e) => Err(Error::Session {
                operation: self.operation,
                kind: SessionErrorKind::Broken,
                source: Some(Box::new(e)),
            }),
        }
    }
}
