//! Connection upgrades (the WebSockets of exec, attach and port-forward),
//! each on an HTTP/1.1 connection of its own.
//!
//! An upgrade needs HTTP/1.1: HTTP/2 has no `Upgrade` header, and the API
//! server does not offer WebSockets over HTTP/2. The pool's connections may
//! well be HTTP/2 (the server picks it in the TLS handshake), so upgrades
//! take a second HTTP client, made from the same settings (trusted
//! certificates, the client-certificate slot an exec plugin fills, proxy,
//! `tls-server-name`) but offering only `http/1.1`. An upgraded connection
//! belongs to its session and never goes back to a pool.
//!
//! The request itself runs through the one retry loop like any other: the
//! credential is attached per attempt, a 401 refreshes it once, and the
//! client's timeout bounds the handshake. It does not bound the session:
//! once upgraded, the connection is the caller's, with no deadline.

use std::sync::{Arc, Mutex};

use reqwest::header::HeaderMap;

use super::Client;
use super::attempt::{Failure, ReadBody};
use super::builder::HttpSettings;
use super::pool::Lease;
use crate::Result;
use crate::error::BuildError;
use crate::rest::Request;

/// Makes, once, the HTTP/1.1 client that upgrades go through.
pub(crate) struct Upgrader {
    settings: Arc<HttpSettings>,
    http: Mutex<Option<reqwest::Client>>,
}

impl Upgrader {
    pub(super) fn new(settings: Arc<HttpSettings>) -> Self {
        Upgrader {
            settings,
            http: Mutex::new(None),
        }
    }

    /// The HTTP/1.1 client, built on first use.
    pub(super) fn http(&self) -> Result<reqwest::Client, BuildError> {
        let mut slot = match self.http.lock() {
            Ok(slot) => slot,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(http) = &*slot {
            return Ok(http.clone());
        }
        let mut tls = self.settings.tls.clone();
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        let http = self
            .settings
            .builder(tls)
            .http1_only()
            .build()
            .map_err(BuildError::Http)?;
        *slot = Some(http.clone());
        Ok(http)
    }
}

/// An upgraded connection and the headers of the `101` that upgraded it.
pub(crate) struct Upgraded {
    /// The connection, now the caller's.
    pub(crate) io: reqwest::Upgraded,
    /// The `101 Switching Protocols` response's headers.
    pub(crate) headers: HeaderMap,
}

/// Takes the connection of a `101` answer.
struct Upgrade;

impl ReadBody for Upgrade {
    type Output = Upgraded;

    async fn read(
        &mut self,
        response: reqwest::Response,
        _lease: Lease,
    ) -> Result<Upgraded, Failure> {
        let headers = response.headers().clone();
        let io = response.upgrade().await.map_err(Failure::transport)?;
        Ok(Upgraded { io, headers })
    }

    fn bytes_read(&self) -> Option<u64> {
        None
    }
}

impl Client {
    /// Sends an upgrade request (see `RequestBuilder::upgrade`) and returns
    /// the upgraded connection. A refusal is the server's Status, as for any
    /// request.
    pub(crate) async fn upgrade(&self, req: &Request) -> Result<Upgraded> {
        Box::pin(self.traced(req, self.run(req, &mut Upgrade))).await
    }

    /// The HTTP client for an upgrade.
    pub(super) fn upgrade_http(&self) -> Result<reqwest::Client, BuildError> {
        self.inner.upgrader.http()
    }
}
