//! exec, attach and port-forward on [`Api<Pod>`](crate::Api) over WebSocket
//! (feature `ws`).
//!
//! - [`Api::exec`](crate::Api::exec) and [`Api::attach`](crate::Api::attach)
//!   give an [`AttachedProcess`]: stdin as `AsyncWrite`, stdout and stderr
//!   as `AsyncRead`, terminal sizes for a TTY, and the exit status as an
//!   [`ExitStatus`] value.
//! - [`Api::portforward`](crate::Api::portforward) gives a [`Portforwarder`]
//!   with one [`PortStream`] (`AsyncRead + AsyncWrite`) per requested port.
//!
//! Each session is one WebSocket on an HTTP/1.1 connection of its own, made
//! with the client's TLS settings and credentials even when the client
//! speaks HTTP/2 for everything else (an upgrade needs HTTP/1.1). The
//! client's timeout covers opening the session, not the session: a quiet
//! shell stays open. The client pings the server every few seconds, as
//! client-go does, and gives up on a server that stops answering.

mod channel;
mod exec;
mod mux;
mod portforward;
#[cfg(test)]
mod session_tests;
mod websocket;

pub use exec::AttachedProcess;
pub use mux::{SessionReader, SessionWriter};
pub use portforward::{PortStream, Portforwarder};

use crate::rest::RequestBuilder;

/// Which streams an exec or attach session has, and in which container.
///
/// By default stdout and stderr, no stdin, no TTY, in the pod's only (or
/// default) container. kubectl's `-i` is [`stdin`](AttachParams::stdin),
/// `-t` is [`tty`](AttachParams::tty) (with which stderr is part of stdout),
/// `-c` is [`container`](AttachParams::container).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AttachParams {
    /// The container; required when the pod has more than one and none is
    /// marked the default.
    pub container: Option<String>,
    /// A stdin to write to.
    pub stdin: bool,
    /// The process's stdout.
    pub stdout: bool,
    /// The process's stderr (not with a TTY, which merges it into stdout).
    pub stderr: bool,
    /// A terminal: the process runs under a pty whose size the client sets.
    pub tty: bool,
}

impl Default for AttachParams {
    fn default() -> Self {
        AttachParams {
            container: None,
            stdin: false,
            stdout: true,
            stderr: true,
            tty: false,
        }
    }
}

impl AttachParams {
    /// A TTY session as `kubectl exec -it` opens one: stdin, stdout (all
    /// output) and a terminal.
    pub fn interactive_tty() -> Self {
        AttachParams {
            stdin: true,
            stderr: false,
            tty: true,
            ..AttachParams::default()
        }
    }

    /// In this container (`-c`).
    pub fn container(mut self, container: &str) -> Self {
        self.container = Some(container.to_owned());
        self
    }

    /// With or without stdin (`-i`).
    pub fn stdin(mut self, stdin: bool) -> Self {
        self.stdin = stdin;
        self
    }

    /// With or without stdout.
    pub fn stdout(mut self, stdout: bool) -> Self {
        self.stdout = stdout;
        self
    }

    /// With or without stderr.
    pub fn stderr(mut self, stderr: bool) -> Self {
        self.stderr = stderr;
        self
    }

    /// With or without a TTY (`-t`); a TTY turns stderr off, as kubectl does.
    pub fn tty(mut self, tty: bool) -> Self {
        self.tty = tty;
        if tty {
            self.stderr = false;
        }
        self
    }

    /// The query parameters, with the server's own refusals found first.
    fn apply(&self, mut req: RequestBuilder) -> RequestBuilder {
        if !(self.stdin || self.stdout || self.stderr) {
            req = req.invalid("at least one of stdin, stdout and stderr is required");
        }
        if self.tty && self.stderr {
            req = req.invalid("a TTY has no separate stderr: turn stderr off");
        }
        let req = req.param_opt("container", self.container.as_deref());
        [
            ("stdin", self.stdin),
            ("stdout", self.stdout),
            ("stderr", self.stderr),
            ("tty", self.tty),
        ]
        .into_iter()
        .filter(|(_, on)| *on)
        .fold(req, |req, (name, _)| req.param(name, "true"))
    }
}

/// A terminal size in characters (sent as `{"Width":…,"Height":…}` on the
/// resize channel).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TerminalSize {
    /// Columns.
    pub width: u16,
    /// Rows.
    pub height: u16,
}

/// How a process in a pod ended.
///
/// A non-zero exit is a value like any other: `code: Some(3)` for `exit 3`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExitStatus {
    /// The exit code; `Some(0)` for success. `None` only if the server
    /// reports an ending without one.
    pub code: Option<i32>,
    /// The server's message for a non-zero exit, such as `command
    /// terminated with non-zero exit code: …`.
    pub message: Option<String>,
}

impl ExitStatus {
    pub(crate) fn exited_zero() -> Self {
        ExitStatus {
            code: Some(0),
            message: None,
        }
    }

    /// Whether the process exited with code 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::Verb;

    fn query(ap: &AttachParams) -> crate::Result<String> {
        let req = ap
            .apply(
                RequestBuilder::new(Verb::Get)
                    .namespace("ns")
                    .resource("pods")
                    .name("p")
                    .subresource("attach"),
            )
            .build()?;
        Ok(req.path_and_query().to_owned())
    }

    #[test]
    fn attach_params_become_kubectls_query() {
        assert_eq!(
            query(&AttachParams::default()).unwrap(),
            "/api/v1/namespaces/ns/pods/p/attach?stdout=true&stderr=true"
        );
        assert_eq!(
            query(&AttachParams::interactive_tty().container("main")).unwrap(),
            "/api/v1/namespaces/ns/pods/p/attach?container=main&stdin=true&stdout=true&tty=true"
        );
    }

    #[test]
    fn attach_params_the_server_would_refuse_are_refused_here() {
        let none = AttachParams::default().stdout(false).stderr(false);
        assert!(query(&none).is_err());
        let mut tty_and_stderr = AttachParams::default().tty(true);
        tty_and_stderr.stderr = true;
        assert!(query(&tty_and_stderr).is_err());
    }
}
