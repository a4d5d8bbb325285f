//! Resident memory as Linux counts it, and measured child processes.
//!
//! Benchmarks that compare resident memory run each side in a process of
//! its own (a Go peer has to anyway), so one side's freed-but-kept pages
//! never count against another. The child reports on stdout, one
//! `key=value` line per report, and waits for the parent's go-ahead on
//! stdin where the parent has to act in between.

use std::collections::HashMap;
use std::io;
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// This process's resident set now and its peak (`VmRSS`, `VmHWM`), in bytes.
pub fn rss() -> io::Result<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| kb * 1024)
            .ok_or_else(|| io::Error::other(format!("no {name} in /proc/self/status")))
    };
    Ok((field("VmRSS:")?, field("VmHWM:")?))
}

/// Resets this process's peak resident set to what is resident now (Linux's
/// `clear_refs` value 5), so the next [`rss`] peak covers only what follows.
pub fn reset_peak_rss() -> io::Result<()> {
    std::fs::write("/proc/self/clear_refs", "5")
}

/// A child process being measured, speaking the line protocol above.
pub struct Measured {
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
}

/// One report: the `key=value` pairs of a line.
pub type Report = HashMap<String, String>;

impl Measured {
    /// Starts `command` with piped stdin and stdout (stderr is inherited).
    pub fn spawn(mut command: Command) -> io::Result<Measured> {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        let stdin = child
            .stdin
            .take()
            .ok_or_else(|| io::Error::other("no stdin"))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| io::Error::other("no stdout"))?;
        Ok(Measured {
            child,
            stdin,
            lines: BufReader::new(stdout).lines(),
        })
    }

    /// The next report whose first key is `what` (`what=...`); other lines
    /// are passed on to stderr.
    pub async fn report(&mut self, what: &str) -> io::Result<Report> {
        while let Some(line) = self.lines.next_line().await? {
            let report = parse_report(&line);
            if line.starts_with(&format!("{what}=")) {
                return Ok(report);
            }
            eprintln!("  child: {line}");
        }
        Err(io::Error::other(format!(
            "the child ended before reporting {what}"
        )))
    }

    /// Tells the child to go on.
    pub async fn go_on(&mut self) -> io::Result<()> {
        self.stdin.write_all(b"go\n").await?;
        self.stdin.flush().await
    }

    /// Closes the child's stdin and waits for it to exit.
    pub async fn finish(mut self) -> io::Result<()> {
        drop(self.stdin);
        let status = self.child.wait().await?;
        if status.success() {
            Ok(())
        } else {
            Err(io::Error::other(format!("the child failed: {status}")))
        }
    }
}

/// `a=1 b=2` as a map.
pub fn parse_report(line: &str) -> Report {
    line.split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// A number from a report.
pub fn number(report: &Report, key: &str) -> io::Result<f64> {
    report
        .get(key)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| io::Error::other(format!("the report has no number {key}: {report:?}")))
}

/// Waits for the parent's go-ahead line on stdin (blocking: call it from
/// `spawn_blocking` or outside the runtime).
pub fn wait_for_go_ahead() -> io::Result<()> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(())
}
