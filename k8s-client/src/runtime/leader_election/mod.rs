//! Leader election on a `coordination.k8s.io/v1` Lease, by client-go's
//! `tools/leaderelection` rules: of all candidates naming one Lease, one
//! leads at a time.
//!
//! A [`LeaderElector`] campaigns for the Lease described by a
//! [`LeaderElectionConfig`] and, while it holds it, drives the leading work
//! its [`LeaderCallbacks`] start. The work receives a [`Leadership`] token
//! that says when to stop.
//!
//! ```no_run
//! # async fn run(client: k8s_client::Client) -> Result<(), k8s_client::Error> {
//! use std::time::Duration;
//! use k8s_client::runtime::leader_election::{
//!     LeaderCallbacks, LeaderElectionConfig, LeaderElector, Leadership, RunOutcome,
//! };
//!
//! let identity = std::env::var("POD_NAME").unwrap_or_else(|_| "dev".to_owned());
//! let config = LeaderElectionConfig::new("shop", "widget-controller", identity)
//!     .release_on_cancel(true);
//! let elector = LeaderElector::new(client, config)?;
//! let callbacks = LeaderCallbacks::new(|leadership: Leadership| async move {
//!     while leadership.is_leading() {
//!         // … one step of the work only the leader may do …
//!         tokio::select! {
//!             () = leadership.stopped() => break,
//!             () = tokio::time::sleep(Duration::from_secs(5)) => {}
//!         }
//!     }
//! })
//! .on_new_leader(|identity| println!("{identity} leads"));
//! let shutdown = async { let _ = tokio::signal::ctrl_c().await; };
//! match elector.run(callbacks, shutdown).await {
//!     RunOutcome::Lost => eprintln!("lost the lease; exiting so a fresh process campaigns"),
//!     _ => {}
//! }
//! # Ok(()) }
//! ```
//!
//! For a [`Controller`](super::controller::Controller), pass the elector to
//! [`Controller::leader_election`](super::controller::Controller::leader_election):
//! it reconciles only while leading.
//!
//! # Rules
//!
//! - **Timings**: [`lease_duration`](LeaderElectionConfig::lease_duration)
//!   (15 s), [`renew_deadline`](LeaderElectionConfig::renew_deadline)
//!   (10 s), [`retry_period`](LeaderElectionConfig::retry_period) (2 s);
//!   `lease_duration > renew_deadline > 1.2 × retry_period` is required.
//! - **Acquiring**: a try at once, then every `retry_period` plus up to
//!   1.2 × as much at random. The Lease is created if there is none. A
//!   Lease held by another is taken only once its record (holder, times,
//!   duration, transitions) has not changed for its `leaseDurationSeconds`,
//!   timed by this process's monotonic clock from when it *saw* the record
//!   change. The `renewTime` written in the Lease is never trusted, so
//!   clocks set differently on two hosts do not matter (clocks running at
//!   different rates do; the rates may differ by up to the ratio of
//!   lease duration to renew deadline).
//! - **Writing**: every update carries the resourceVersion of the Lease it
//!   was made from; a conflict means another candidate wrote first, and
//!   the try fails. `holderIdentity`, `leaseDurationSeconds` (whole
//!   seconds, rounded up), `acquireTime` and `renewTime` (microseconds) are
//!   written; `leaseTransitions` goes up by one when the holder changes.
//! - **Renewing**: every `retry_period` while leading. A leader that sees
//!   another holder stops at once; one that cannot renew stops leading when
//!   `renew_deadline` has passed since the start of its last successful
//!   renew, sooner than any other candidate can judge its lease expired
//!   (`renew_deadline < lease_duration`). [`Leadership::is_leading`] judges
//!   that deadline by the clock, so even a process that was frozen past it
//!   sees it on waking.
//! - **Stopping**: on shutdown the leader keeps renewing until its work
//!   returns, then, with [`release_on_cancel`](LeaderElectionConfig::release_on_cancel),
//!   writes the Lease with no holder and a duration of 1 s, so another
//!   candidate takes over at its next try. After a loss, the work may
//!   finish until the lease could first expire for others; it is dropped
//!   then.
//!
//! # Limits
//!
//! As the client-go package says of itself, this is not fencing: the
//! guarantee rests on the leading work stopping when told (checking
//! [`Leadership::is_leading`] before each step only a leader may take) and
//! on clocks that run at similar rates. Coordinated leader election
//! (`LeaseCandidate`, `preferredHolder`) is not implemented.
//!
//! # Permissions
//!
//! `get`, `create` and `update` on `leases` in the group
//! `coordination.k8s.io`, in the Lease's namespace.

mod callbacks;
mod config;
mod elector;
mod leadership;
mod lock;
mod observation;
mod record;
#[cfg(test)]
mod tests;

pub use callbacks::LeaderCallbacks;
pub use config::{
    DEFAULT_LEASE_DURATION, DEFAULT_RENEW_DEADLINE, DEFAULT_RETRY_PERIOD, JITTER_FACTOR,
    LeaderElectionConfig, LeaderElectionConfigError,
};
pub use elector::{LeaderElector, RunOutcome};
pub use leadership::Leadership;
