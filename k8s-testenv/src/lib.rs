//! A real Kubernetes control plane for tests: an "envtest" for Rust.
//!
//! [`TestEnv`] runs `testenv/run` from this repository: one Go process with
//! embedded etcd, the real kube-apiserver, kube-controller-manager and
//! kube-scheduler of the pinned Kubernetes release, listening on `127.0.0.1`
//! with TLS and RBAC. It also runs one Node, `testenv-node`, a stand-in for a
//! kubelet and a container runtime. Pods are scheduled to it and their
//! containers run as local processes: the command (or the args) is looked up
//! on `PATH`, and no image is pulled. Their status is real, and so are logs,
//! exec, attach and port-forward through the API server. Every pod's IP is
//! `127.0.0.1`.
//!
//! ```no_run
//! use k8s_testenv::{Kind, TestEnv};
//!
//! let env = TestEnv::shared()?;
//! let ns = env.fresh_namespace("configmaps")?;
//! let out = env.kubectl().args(["get", "configmaps", "-n", &ns]).output()?;
//! assert!(out.status.success());
//! let _limited = env.kubeconfig_path(Kind::Limited);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # One control plane per test binary
//!
//! [`TestEnv::shared`] starts one control plane per test process, in a fresh
//! temporary directory, the first time it is called; every test in the
//! binary shares it and isolates itself with [`TestEnv::fresh_namespace`].
//! The first run builds the Go binaries (several minutes; progress is printed
//! on stderr), later runs start in a few seconds.
//!
//! No process is left behind: testenv is started with
//! `--exit-on-stdin-close`, and its stdin is a pipe only this process holds.
//! When the test process exits for any reason (success, panic, `SIGKILL`),
//! the pipe closes and testenv shuts down cleanly and deletes its temporary
//! directory.
//!
//! # Environment variables
//!
//! - `K8S_TESTENV_DIR`: use the testenv already running in this directory
//!   (started with `testenv/run --dir DIR`) instead of starting one. It must
//!   contain the four kubeconfigs and the `server` file, which testenv writes
//!   when ready and removes when it stops.
//! - `K8S_TESTENV_KEEP`: if set (non-empty), keep the temporary directory of a
//!   started testenv (etcd data, kubeconfigs, `testenv.log`) after it stops.
//! - `K8S_TESTENV_TIMEOUT_SECS`: how long to wait for the `ready` line,
//!   including a first build; default 1800.

use std::collections::VecDeque;
use std::fmt;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Environment variable naming the directory of an already running testenv.
pub const DIR_ENV: &str = "K8S_TESTENV_DIR";
/// Environment variable that, when non-empty, keeps a started testenv's directory.
pub const KEEP_ENV: &str = "K8S_TESTENV_KEEP";
/// Environment variable overriding the start-up timeout, in seconds.
pub const TIMEOUT_ENV: &str = "K8S_TESTENV_TIMEOUT_SECS";

/// Default start-up timeout: generous, because the first start builds Kubernetes.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// The four kubeconfigs testenv writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Client certificate (CN `admin`, group `system:masters`), inline data.
    Admin,
    /// The same user as [`Kind::Admin`], with certificate and key as file
    /// paths relative to the kubeconfig's directory.
    AdminFiles,
    /// A bearer token user bound to `cluster-admin`.
    Token,
    /// A bearer token user bound only to the `view` ClusterRole in namespace
    /// `limited` (the context's namespace): creating anything there is a 403.
    Limited,
}

impl Kind {
    /// All kinds, in declaration order.
    pub const ALL: [Kind; 4] = [Kind::Admin, Kind::AdminFiles, Kind::Token, Kind::Limited];

    /// The kubeconfig's file name inside the testenv directory.
    pub fn file_name(self) -> &'static str {
        match self {
            Kind::Admin => "admin.kubeconfig",
            Kind::AdminFiles => "admin-files.kubeconfig",
            Kind::Token => "token.kubeconfig",
            Kind::Limited => "limited.kubeconfig",
        }
    }
}

/// The namespace in which the [`Kind::Limited`] user may only read.
pub const LIMITED_NAMESPACE: &str = "limited";

/// Why a testenv could not be started, reached or used.
#[derive(Clone)]
pub struct Error {
    message: String,
}

impl Error {
    fn new(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

// Debug shows the message as is, so `.unwrap()` in a test prints it readably.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "k8s-testenv: {}", self.message)
    }
}

impl std::error::Error for Error {}

/// A running control plane: either a child process this value owns, or one
/// found through [`DIR_ENV`].
pub struct TestEnv {
    dir: PathBuf,
    server: String,
    kubectl: PathBuf,
    process: Option<Process>,
}

struct Process {
    child: Child,
    /// Holding the write end keeps testenv alive; closing it stops testenv.
    stdin: Option<ChildStdin>,
}

impl fmt::Debug for TestEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestEnv")
            .field("dir", &self.dir)
            .field("server", &self.server)
            .field("owned", &self.process.is_some())
            .finish()
    }
}

static SHARED: OnceLock<Result<TestEnv, Error>> = OnceLock::new();
static NAMESPACE_COUNTER: AtomicU64 = AtomicU64::new(0);

impl TestEnv {
    /// The control plane shared by every test of this process, started on
    /// first use (or found through [`DIR_ENV`]).
    ///
    /// All callers block until it is ready; if starting failed, every caller
    /// gets the same error.
    pub fn shared() -> Result<&'static TestEnv, Error> {
        SHARED
            .get_or_init(|| match std::env::var_os(DIR_ENV) {
                Some(dir) if !dir.is_empty() => TestEnv::attach(dir),
                _ => TestEnv::start_temp(),
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Starts a new control plane in a fresh temporary directory, deleted when
    /// it stops (unless [`KEEP_ENV`] is set).
    pub fn start_temp() -> Result<TestEnv, Error> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!("k8s-testenv-{}-{nanos}", std::process::id()));
        let keep = std::env::var_os(KEEP_ENV).is_some_and(|v| !v.is_empty());
        Self::spawn(&dir, !keep, &[])
    }

    /// Starts a new control plane in `dir`, which is kept: starting again on
    /// the same directory keeps every stored object and the credentials.
    pub fn start(dir: impl AsRef<Path>) -> Result<TestEnv, Error> {
        Self::spawn(dir.as_ref(), false, &[])
    }

    /// Like [`start`](TestEnv::start), with extra kube-apiserver flags such
    /// as `--etcd-compaction-interval=2s` (for tests of expired versions).
    pub fn start_with_apiserver_args(
        dir: impl AsRef<Path>,
        apiserver_args: &[&str],
    ) -> Result<TestEnv, Error> {
        Self::spawn(dir.as_ref(), false, apiserver_args)
    }

    fn spawn(dir: &Path, remove_dir: bool, apiserver_args: &[&str]) -> Result<TestEnv, Error> {
        let script = testenv_dir().join("run");
        let mut cmd = Command::new(&script);
        for arg in apiserver_args {
            cmd.arg(format!("--apiserver-arg={arg}"));
        }
        cmd.arg("--dir")
            .arg(dir)
            .arg("--exit-on-stdin-close")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if remove_dir {
            cmd.arg("--remove-dir-on-exit");
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| Error::new(format!("cannot run {}: {e}", script.display())))?;
        let stdin = child.stdin.take();
        let (stdout, stderr) = match (child.stdout.take(), child.stderr.take()) {
            (Some(o), Some(e)) => (o, e),
            _ => return Err(Error::new("child has no stdout/stderr pipe")),
        };

        // stderr: build progress and fatal errors, echoed to our stderr
        // (outside libtest's capture) and remembered for error messages.
        let tail = Arc::new(Mutex::new(VecDeque::new()));
        let tail_writer = Arc::clone(&tail);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = writeln!(std::io::stderr().lock(), "{line}");
                if let Ok(mut t) = tail_writer.lock() {
                    if t.len() == 20 {
                        t.pop_front();
                    }
                    t.push_back(line);
                }
            }
        });
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });

        let mut process = Process { child, stdin };
        let timeout = start_timeout();
        let deadline = Instant::now() + timeout;
        let server = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(url) = parse_ready_line(&line) {
                        break url.to_owned();
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    process.stop(Duration::from_secs(5));
                    return Err(Error::new(format!(
                        "testenv in {} not ready after {timeout:?} (set {TIMEOUT_ENV} to wait longer); log: {}",
                        dir.display(),
                        dir.join("testenv.log").display()
                    )));
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = process.child.wait().map(|s| s.to_string());
                    // Let the stderr thread catch up with the last lines.
                    std::thread::sleep(Duration::from_millis(100));
                    let tail = tail
                        .lock()
                        .map(|t| t.iter().cloned().collect::<Vec<_>>().join("\n"))
                        .unwrap_or_default();
                    return Err(Error::new(format!(
                        "testenv exited before ready ({}): {tail}",
                        status.unwrap_or_else(|e| e.to_string())
                    )));
                }
            }
        };
        Ok(TestEnv {
            dir: dir.to_path_buf(),
            server,
            kubectl: kubectl_binary(),
            process: Some(process),
        })
    }

    /// Uses the testenv already running in `dir` (see [`DIR_ENV`]).
    pub fn attach(dir: impl AsRef<Path>) -> Result<TestEnv, Error> {
        let dir = dir.as_ref();
        let server_file = dir.join("server");
        let server = std::fs::read_to_string(&server_file).map_err(|e| {
            Error::new(format!(
                "no running testenv in {} ({}: {e}); start one with `testenv/run --dir {}`",
                dir.display(),
                server_file.display(),
                dir.display()
            ))
        })?;
        let server = server.trim().to_owned();
        for kind in Kind::ALL {
            let path = dir.join(kind.file_name());
            if !path.is_file() {
                return Err(Error::new(format!("{} is missing", path.display())));
            }
        }
        let addr = server_addr(&server).ok_or_else(|| {
            Error::new(format!(
                "bad server URL {server:?} in {}",
                server_file.display()
            ))
        })?;
        TcpStream::connect_timeout(&addr, Duration::from_secs(2)).map_err(|e| {
            Error::new(format!(
                "testenv in {} does not answer at {server}: {e}",
                dir.display()
            ))
        })?;
        Ok(TestEnv {
            dir: dir.to_path_buf(),
            server,
            kubectl: kubectl_binary(),
            process: None,
        })
    }

    /// The directory holding the kubeconfigs, the PKI, etcd data and `testenv.log`.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The apiserver's URL, `https://127.0.0.1:PORT`.
    pub fn server_url(&self) -> &str {
        &self.server
    }

    /// The path of one of the four kubeconfigs.
    pub fn kubeconfig_path(&self, kind: Kind) -> PathBuf {
        self.dir.join(kind.file_name())
    }

    /// The path of testenv's log (etcd, apiserver, controller manager).
    pub fn log_path(&self) -> PathBuf {
        self.dir.join("testenv.log")
    }

    /// A `kubectl` command of the pinned release, as the admin user.
    pub fn kubectl(&self) -> Command {
        self.kubectl_as(Kind::Admin)
    }

    /// A `kubectl` command of the pinned release, with the given kubeconfig.
    pub fn kubectl_as(&self, kind: Kind) -> Command {
        let mut cmd = Command::new(&self.kubectl);
        cmd.arg("--kubeconfig").arg(self.kubeconfig_path(kind));
        cmd
    }

    /// Runs `kubectl ARGS` as the admin user and returns its stdout, or an
    /// error with its stderr if it fails.
    pub fn run_kubectl<I, S>(&self, args: I) -> Result<String, Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut cmd = self.kubectl();
        cmd.args(args);
        let out = cmd
            .output()
            .map_err(|e| Error::new(format!("cannot run {}: {e}", self.kubectl.display())))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(Error::new(format!(
                "{cmd:?} failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            )))
        }
    }

    /// Creates a namespace with a name unique to this process and call
    /// (`PREFIX-PID-N`), so that tests running in parallel never share one.
    pub fn fresh_namespace(&self, prefix: &str) -> Result<String, Error> {
        let n = NAMESPACE_COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = namespace_name(prefix, std::process::id(), n);
        self.run_kubectl(["create", "namespace", name.as_str()])?;
        Ok(name)
    }

    /// Stops an owned control plane cleanly and waits for it (also done on
    /// drop). Does nothing for an attached one.
    pub fn stop(mut self) {
        if let Some(mut p) = self.process.take() {
            p.stop(Duration::from_secs(60));
        }
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        if let Some(mut p) = self.process.take() {
            p.stop(Duration::from_secs(60));
        }
    }
}

impl Process {
    /// Closes stdin (testenv then shuts down cleanly), waits up to `grace`,
    /// then kills.
    fn stop(&mut self, grace: Duration) {
        drop(self.stdin.take());
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            match self.child.try_wait() {
                Ok(Some(_)) | Err(_) => return,
                Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The repository's `testenv/` directory.
fn testenv_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("testenv")
}

/// The built kubectl, or the wrapper script that builds it first.
fn kubectl_binary() -> PathBuf {
    let bin = testenv_dir().join("bin").join("kubectl");
    if bin.is_file() {
        bin
    } else {
        testenv_dir().join("kubectl")
    }
}

fn start_timeout() -> Duration {
    parse_timeout(std::env::var(TIMEOUT_ENV).ok().as_deref())
}

fn parse_timeout(value: Option<&str>) -> Duration {
    value
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|&s| s > 0)
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_TIMEOUT)
}

/// The URL of testenv's `ready https://127.0.0.1:PORT` line.
fn parse_ready_line(line: &str) -> Option<&str> {
    let url = line.trim().strip_prefix("ready ")?;
    url.starts_with("https://").then_some(url)
}

/// `https://127.0.0.1:PORT` as a socket address.
fn server_addr(server: &str) -> Option<SocketAddr> {
    let hostport = server.strip_prefix("https://")?.trim_end_matches('/');
    hostport.parse().ok()
}

/// `PREFIX-PID-N`, made a valid namespace name (a DNS label of at most 63
/// characters).
fn namespace_name(prefix: &str, pid: u32, n: u64) -> String {
    let suffix = format!("-{pid}-{n}");
    let mut base: String = prefix
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() { c } else { '-' }
        })
        .collect();
    base.truncate(63 - suffix.len());
    let base = base.trim_matches('-');
    let base = if base.is_empty() { "test" } else { base };
    format!("{base}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubeconfig_file_names() {
        let names: Vec<_> = Kind::ALL.iter().map(|k| k.file_name()).collect();
        assert_eq!(
            names,
            [
                "admin.kubeconfig",
                "admin-files.kubeconfig",
                "token.kubeconfig",
                "limited.kubeconfig"
            ]
        );
    }

    #[test]
    fn ready_line() {
        assert_eq!(
            parse_ready_line("ready https://127.0.0.1:6443\n"),
            Some("https://127.0.0.1:6443")
        );
        assert_eq!(parse_ready_line("ready"), None);
        assert_eq!(parse_ready_line("starting"), None);
        assert_eq!(parse_ready_line("ready http://x"), None);
    }

    #[test]
    fn server_address() {
        assert_eq!(
            server_addr("https://127.0.0.1:6443"),
            Some(SocketAddr::from(([127, 0, 0, 1], 6443)))
        );
        assert_eq!(
            server_addr("https://127.0.0.1:6443/"),
            Some(SocketAddr::from(([127, 0, 0, 1], 6443)))
        );
        assert_eq!(server_addr("http://127.0.0.1:6443"), None);
        assert_eq!(server_addr("https://localhost"), None);
    }

    #[test]
    fn namespace_names_are_dns_labels() {
        assert_eq!(namespace_name("pods", 42, 7), "pods-42-7");
        assert_eq!(namespace_name("My_Test::case", 1, 0), "my-test--case-1-0");
        assert_eq!(namespace_name("", 1, 0), "test-1-0");
        assert_eq!(namespace_name("--", 1, 0), "test-1-0");
        let long = namespace_name(&"x".repeat(100), 4_194_304, u64::MAX);
        assert!(long.len() <= 63, "{long}");
        assert!(long.ends_with("-4194304-18446744073709551615"));
        let trailing = namespace_name(&format!("{}-", "a".repeat(40)), 1, 1);
        assert!(!trailing.contains("--"), "{trailing}");
    }

    #[test]
    fn namespace_names_are_unique() {
        let a = namespace_name("t", 1, NAMESPACE_COUNTER.fetch_add(1, Ordering::Relaxed));
        let b = namespace_name("t", 1, NAMESPACE_COUNTER.fetch_add(1, Ordering::Relaxed));
        assert_ne!(a, b);
    }

    #[test]
    fn timeouts() {
        assert_eq!(parse_timeout(None), DEFAULT_TIMEOUT);
        assert_eq!(parse_timeout(Some("90")), Duration::from_secs(90));
        assert_eq!(parse_timeout(Some("0")), DEFAULT_TIMEOUT);
        assert_eq!(parse_timeout(Some("soon")), DEFAULT_TIMEOUT);
    }

    #[test]
    fn attach_without_server_file_fails_clearly() {
        let dir = std::env::temp_dir().join(format!("k8s-testenv-unit-{}", std::process::id()));
        let err = TestEnv::attach(&dir).unwrap_err();
        assert!(err.to_string().contains("no running testenv"), "{err}");
    }
}
