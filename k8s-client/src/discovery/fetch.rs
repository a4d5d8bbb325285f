//! Reading discovery from the server: aggregated (two requests) or legacy
//! (two requests plus one per group version, sent concurrently).

use std::time::Duration;

use bytes::Bytes;
use futures::future::join_all;
use reqwest::header::CONTENT_TYPE;

use super::Discovery;
use super::model::{FailureReason, GroupVersionFailure};
use super::wire::{self, Documents};
use crate::dynamic::GroupVersion;
use crate::rest::decode_json;
use crate::rest::{Accept, Request};
use crate::{Error, Result};

/// client-go's discovery client timeout.
const DISCOVERY_TIMEOUT: Duration = Duration::from_secs(32);

/// A discovery response body with its content type.
pub(crate) struct Fetched {
    pub(crate) content_type: String,
    pub(crate) body: Bytes,
    pub(crate) operation: String,
}

impl Discovery {
    /// GETs `path` (which may carry a query), through the HTTP cache when
    /// there is one. Every discovery request goes through here, so this is
    /// where requests are counted.
    pub(crate) async fn get(&self, path: &str, accept: Accept) -> Result<Fetched> {
        let (path_only, query) = path.split_once('?').unwrap_or((path, ""));
        let request = |etag: Option<&str>| {
            // client-go's discovery client sends its 32 s timeout as a query
            // parameter too, so the URL (the HTTP cache key) matches kubectl's.
            let mut builder = Request::get()
                .abs_path(path_only)
                .accept(accept)
                .timeout(DISCOVERY_TIMEOUT);
            for (k, v) in form_urlencoded::parse(query.as_bytes()) {
                builder = builder.param(&k, &v);
            }
            if let Some(etag) = etag {
                builder = builder.header("If-None-Match", etag);
            }
            builder.build()
        };
        let mut req = request(None)?;
        let url = format!("{}{}", self.inner.client.base_url(), req.path_and_query());
        let accept_value = accept.header_value();
        let cached = match &self.inner.options.http_cache {
            Some(cache) => cache.get(&url, accept_value).await,
            None => None,
        };
        if let Some(entry) = &cached {
            if entry.is_immutable() {
                tracing::debug!(url, "served from the HTTP cache (immutable)");
                return Ok(Fetched {
                    content_type: entry.header("content-type").unwrap_or_default().to_owned(),
                    body: entry.body.clone(),
                    operation: req.operation(),
                });
            }
            if let Some(etag) = entry.etag() {
                req = request(Some(etag))?;
            }
        }
        let operation = req.operation();
        self.inner.count_request(&operation);
        let response = self.inner.requests_client.buffered_response(&req).await?;
        if response.code == 304
            && let Some(entry) = cached
        {
            tracing::debug!(url, "not modified: served from the HTTP cache");
            self.inner.count_not_modified();
            return Ok(Fetched {
                content_type: entry.header("content-type").unwrap_or_default().to_owned(),
                body: entry.body,
                operation,
            });
        }
        if response.code == 304 {
            // We sent no validator, so the server had no reason to say this.
            tracing::debug!(url, "304 Not Modified without a cached response");
            return Err(Error::Transport {
                operation,
                kind: crate::TransportErrorKind::Protocol,
                attempts: 1,
                source: None,
            });
        }
        if let Some(cache) = &self.inner.options.http_cache {
            cache
                .put(&url, accept_value, &response.headers, &response.body)
                .await;
        }
        let content_type = response
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        Ok(Fetched {
            content_type,
            body: response.body,
            operation,
        })
    }

    /// Fetches the whole server's discovery documents.
    pub(crate) async fn fetch_documents(&self) -> Result<(Documents, Vec<GroupVersionFailure>)> {
        let accept = if self.inner.options.legacy_only {
            Accept::Json
        } else {
            Accept::AggregatedDiscovery
        };
        let (api, apis) = tokio::join!(self.get("/api", accept), self.get("/apis", accept));
        let mut docs = Documents::default();
        // Aggregated API servers may serve no /api; client-go tolerates its 404.
        match api {
            Ok(f) => merge(&mut docs, decode_root(&f, true)?),
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
        merge(&mut docs, decode_root(&apis?, false)?);
        let mut failures = super::names::reject_invalid_names(&mut docs);
        failures.extend(self.fetch_missing_group_versions(&mut docs).await);
        Ok((docs, failures))
    }

    /// Legacy discovery: fetches each group version the root documents named
    /// without resources, concurrently. One failing does not fail the rest.
    async fn fetch_missing_group_versions(&self, docs: &mut Documents) -> Vec<GroupVersionFailure> {
        let missing: Vec<GroupVersion> = docs
            .groups
            .iter()
            .flat_map(|g| {
                g.versions
                    .iter()
                    .map(move |v| GroupVersion::new(&g.name, &v.version))
            })
            .filter(|gv| !docs.resources.iter().any(|(have, _)| have == gv))
            .collect();
        let fetched = join_all(missing.into_iter().map(|gv| async move {
            let result = self.fetch_group_version(&gv).await;
            (gv, result)
        }))
        .await;
        let mut failures = Vec::new();
        for (gv, result) in fetched {
            match result {
                Ok(list) => docs.resources.push((gv, list)),
                Err(e) => failures.push(GroupVersionFailure {
                    group_version: gv,
                    reason: FailureReason::Request(std::sync::Arc::new(e)),
                }),
            }
        }
        // Keep discovery order: group order, then version order.
        let order = |gv: &GroupVersion| {
            docs.groups
                .iter()
                .enumerate()
                .find_map(|(gi, g)| {
                    let vi = g.versions.iter().position(|v| v.version == gv.version)?;
                    (g.name == gv.group).then_some((gi, vi))
                })
                .unwrap_or((usize::MAX, usize::MAX))
        };
        docs.resources.sort_by_key(|(gv, _)| order(gv));
        failures
    }

    /// `GET /api/v1` or `/apis/G/V`: one legacy `APIResourceList`.
    async fn fetch_group_version(&self, gv: &GroupVersion) -> Result<wire::ApiResourceList> {
        let f = self.get(&gv.url_prefix(), Accept::Json).await?;
        let mut list: wire::ApiResourceList =
            decode_json(&f.body, &f.operation, "APIResourceList")?;
        // Cache files carry type meta; the server's response already does, but be sure.
        let typed = wire::ApiResourceList::new(gv, Vec::new());
        list.kind = typed.kind;
        list.api_version = typed.api_version;
        list.group_version = typed.group_version;
        Ok(list)
    }
}

/// `/api` or `/apis`, in whichever format the server chose.
fn decode_root(f: &Fetched, core: bool) -> Result<Documents> {
    if wire::is_aggregated(&f.content_type) {
        let list: wire::AggregatedList =
            decode_json(&f.body, &f.operation, "APIGroupDiscoveryList")?;
        return Ok(wire::split_aggregated(list));
    }
    let groups = if core {
        let versions: wire::ApiVersions = decode_json(&f.body, &f.operation, "APIVersions")?;
        wire::core_group(&versions).into_iter().collect()
    } else {
        let list: wire::ApiGroupList = decode_json(&f.body, &f.operation, "APIGroupList")?;
        list.groups
    };
    Ok(Documents {
        groups,
        ..Documents::default()
    })
}

fn merge(into: &mut Documents, from: Documents) {
    into.groups.extend(from.groups);
    into.resources.extend(from.resources);
    into.stale.extend(from.stale);
}
