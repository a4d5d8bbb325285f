//! One candidate of a leader election. While it leads, it records a unit of
//! leading work every 20 ms; when leadership ends it campaigns again, until
//! SIGTERM or Ctrl-C (which releases the lease). Start several to watch
//! them hand over; the multi-process e2e tests do, and kill or freeze the
//! leader.
//!
//! Run: `cargo run --example leader_candidate -- --namespace NS --identity ID
//! [--lease NAME] [--lease-ms 3000 --renew-ms 2000 --retry-ms 500]
//! [--log FILE]`. Each unit appends `ID TERM UNIX_NANOS` to FILE (stdout
//! without one); TERM counts this candidate's terms from 1.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use k8s_client::Client;
use k8s_client::runtime::leader_election::{
    LeaderCallbacks, LeaderElectionConfig, LeaderElector, Leadership, RunOutcome,
};
use tokio::io::AsyncWriteExt;
use tokio::sync::Mutex;

const UNIT: Duration = Duration::from_millis(20);

struct Args {
    namespace: String,
    identity: String,
    lease: String,
    lease_ms: u64,
    renew_ms: u64,
    retry_ms: u64,
    log: Option<String>,
}

fn parse() -> Result<Args, String> {
    let mut args = Args {
        namespace: "default".to_owned(),
        identity: String::new(),
        lease: "leader-candidate".to_owned(),
        lease_ms: 3000,
        renew_ms: 2000,
        retry_ms: 500,
        log: None,
    };
    let mut argv = std::env::args().skip(1);
    while let Some(flag) = argv.next() {
        let value = argv.next().ok_or(format!("{flag} needs a value"))?;
        let ms = || value.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--namespace" | "-n" => args.namespace = value,
            "--identity" => args.identity = value,
            "--lease" => args.lease = value,
            "--lease-ms" => args.lease_ms = ms()?,
            "--renew-ms" => args.renew_ms = ms()?,
            "--retry-ms" => args.retry_ms = ms()?,
            "--log" => args.log = Some(value),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if args.identity.is_empty() {
        args.identity = format!("candidate-{}", std::process::id());
    }
    Ok(args)
}

/// Where units go: a file opened for appending, or stdout.
enum Sink {
    File(tokio::fs::File),
    Stdout(tokio::io::Stdout),
}

impl Sink {
    async fn write(&mut self, line: &str) -> std::io::Result<()> {
        match self {
            Sink::File(f) => {
                f.write_all(line.as_bytes()).await?;
                f.flush().await
            }
            Sink::Stdout(s) => {
                s.write_all(line.as_bytes()).await?;
                s.flush().await
            }
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse()?;
    let config = LeaderElectionConfig::new(&args.namespace, &args.lease, &args.identity)
        .lease_duration(Duration::from_millis(args.lease_ms))
        .renew_deadline(Duration::from_millis(args.renew_ms))
        .retry_period(Duration::from_millis(args.retry_ms))
        .release_on_cancel(true);
    let elector = LeaderElector::new(Client::try_default().await?, config)?;
    let sink = std::sync::Arc::new(Mutex::new(match &args.log {
        Some(path) => Sink::File(
            tokio::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .await?,
        ),
        None => Sink::Stdout(tokio::io::stdout()),
    }));
    let mut shutdown = std::pin::pin!(termination());
    let mut term = 0u64;
    loop {
        term += 1;
        let (sink, identity) = (sink.clone(), args.identity.clone());
        let callbacks = LeaderCallbacks::new(move |leadership: Leadership| {
            let (sink, identity) = (sink.clone(), identity.clone());
            async move {
                lead(&leadership, &identity, term, &sink).await;
            }
        });
        if elector.run(callbacks, &mut shutdown).await == RunOutcome::Shutdown {
            return Ok(());
        }
        eprintln!(
            "{}: lost the lease (term {term}); campaigning again",
            args.identity
        );
    }
}

/// Records units of leading work until leadership ends.
async fn lead(leadership: &Leadership, identity: &str, term: u64, sink: &Mutex<Sink>) {
    loop {
        // The time is taken first and the lead checked after: a unit is
        // recorded only at a time this candidate was still leading.
        let at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        if !leadership.is_leading() {
            return;
        }
        if let Err(e) = sink
            .lock()
            .await
            .write(&format!("{identity} {term} {at}\n"))
            .await
        {
            eprintln!("{identity}: cannot record a unit: {e}");
        }
        tokio::select! {
            () = leadership.stopped() => return,
            () = tokio::time::sleep(UNIT) => {}
        }
    }
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
