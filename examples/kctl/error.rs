//! How kctl fails: kubectl's messages, exit code 1.

use crate::cli::UsageError;

/// Why a command failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// A bad command line: the message, then the command's usage.
    Usage(UsageError),
    /// A library error; server failures print as `Error from server (Reason): message`.
    Client(k8s_client::Error),
    /// Anything else: `error: <message>`.
    Message(String),
    /// A line printed as it is (already in kubectl's words).
    Line(String),
    /// A remote command's non-zero exit: the message on stderr, and the
    /// command's code as kctl's (kubectl exec's way).
    Exit {
        /// The command's exit code.
        code: i32,
        /// `command terminated with exit code N`.
        message: String,
    },
    /// The errors were already printed (for example some of several names were
    /// not found): just exit 1.
    Reported,
}

impl Failure {
    /// `error: <message>`.
    pub(crate) fn msg(message: impl Into<String>) -> Self {
        Failure::Message(message.into())
    }

    /// Prints the failure to stderr the way kubectl does.
    pub(crate) fn report(&self) {
        match self {
            Failure::Usage(u) => eprint!("error: {}\n\n{}", u.message, u.usage),
            Failure::Client(e) => eprintln!("{}", client_error_text(e)),
            Failure::Message(m) => eprintln!("error: {m}"),
            Failure::Line(l) => eprintln!("{l}"),
            Failure::Exit { message, .. } => eprintln!("{message}"),
            Failure::Reported => {}
        }
    }

    /// The program's exit code: 1, or a remote command's own.
    pub(crate) fn exit_code(&self) -> std::process::ExitCode {
        match self {
            Failure::Exit { code, .. } => {
                std::process::ExitCode::from(u8::try_from(*code).unwrap_or(1))
            }
            _ => std::process::ExitCode::FAILURE,
        }
    }
}

/// kubectl's `StandardErrorMessage`: server failures name the server and the
/// reason; everything else is `error: ...`.
pub(crate) fn client_error_text(e: &k8s_client::Error) -> String {
    client_error_in(e, "")
}

/// [`client_error_text`] with `context` (such as `error when creating "f.yaml": `)
/// before the server's message, where kubectl puts it.
pub(crate) fn client_error_in(e: &k8s_client::Error, context: &str) -> String {
    match e.status() {
        Some(status) if status.reason() == "Unauthorized" => {
            format!(
                "error: {context}You must be logged in to the server ({})",
                status.message()
            )
        }
        Some(status) if !status.reason().is_empty() => {
            format!(
                "Error from server ({}): {context}{}",
                status.reason(),
                status.message()
            )
        }
        Some(status) => format!("Error from server: {context}{}", status.message()),
        None => format!("error: {context}{e}"),
    }
}

impl std::fmt::Display for Failure {
    /// The message alone, for embedding in a longer one.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Usage(u) => f.write_str(&u.message),
            Failure::Client(e) => f.write_str(&client_error_text(e)),
            Failure::Message(m) | Failure::Line(m) | Failure::Exit { message: m, .. } => {
                f.write_str(m)
            }
            Failure::Reported => Ok(()),
        }
    }
}

impl From<k8s_client::Error> for Failure {
    fn from(e: k8s_client::Error) -> Self {
        Failure::Client(e)
    }
}

impl From<k8s_client::config::ConfigError> for Failure {
    fn from(e: k8s_client::config::ConfigError) -> Self {
        Failure::Message(e.to_string())
    }
}
