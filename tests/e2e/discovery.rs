//! Discovery and the REST mapper against the real control plane, with
//! testenv's kubectl as the oracle: the same groups, versions and resources,
//! the same names resolved, and disk caches each can read from the other.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use k8s_client::Client;
use k8s_client::discovery::{Discovery, host_cache_dir};
use k8s_client::dynamic::ApiResource;
use k8s_testenv::Kind;

use crate::env::{client, kubectl, testenv};

/// A fresh directory for one test's caches.
fn temp_dir(tag: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "k8s-client-e2e-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A cache directory our Discovery has just filled.
async fn written_cache(c: &Client, tag: &str) -> PathBuf {
    let root = temp_dir(tag);
    Discovery::new(c.clone())
        .cache_dir(&root)
        .server_resources()
        .await
        .unwrap();
    root
}

/// kubectl's stdout and stderr, for checks on its request log (`-v=6`).
async fn kubectl_output(args: &[&str]) -> (String, String) {
    let env = testenv().await;
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let out = env.kubectl().args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "kubectl {args:?}: {stderr}");
        (String::from_utf8_lossy(&out.stdout).into_owned(), stderr)
    })
    .await
    .unwrap()
}

/// The discovery URLs (`/api`, `/apis`, `/api/v1`, `/apis/G/V`) in kubectl's `-v=6` log.
fn discovery_requests(log: &str) -> Vec<String> {
    log.lines()
        .filter_map(|l| l.split("url=\"").nth(1)?.split('"').next())
        .filter(|url| {
            let path = url.split("://").nth(1).unwrap_or(url);
            let path = path[path.find('/').unwrap_or(0)..]
                .split('?')
                .next()
                .unwrap_or("");
            path == "/api"
                || path == "/apis"
                || path == "/api/v1"
                || (path.starts_with("/apis/") && path.matches('/').count() == 3)
        })
        .map(str::to_owned)
        .collect()
}

/// One row of `kubectl api-resources -o wide`, or of ours in the same shape.
type Row = (
    String,
    Vec<String>,
    String,
    bool,
    String,
    BTreeSet<String>,
    Vec<String>,
);

fn row(r: &ApiResource) -> Row {
    (
        r.plural.clone(),
        r.short_names.clone(),
        r.api_version(),
        r.namespaced,
        r.kind.clone(),
        r.verbs.iter().cloned().collect(),
        r.categories.clone(),
    )
}

/// Parses kubectl's fixed-width table by the header's column offsets.
fn parse_api_resources(table: &str) -> BTreeSet<Row> {
    let mut lines = table.lines();
    let header = lines.next().unwrap();
    let cols = [
        "NAME",
        "SHORTNAMES",
        "APIVERSION",
        "NAMESPACED",
        "KIND",
        "VERBS",
        "CATEGORIES",
    ];
    let starts: Vec<usize> = cols.iter().map(|c| header.find(c).unwrap()).collect();
    let list = |s: &str| -> Vec<String> {
        s.split(',')
            .filter(|x| !x.is_empty())
            .map(str::to_owned)
            .collect()
    };
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cell = |i: usize| {
                let end = starts.get(i + 1).copied().unwrap_or(l.len()).min(l.len());
                l.get(starts[i]..end).unwrap_or("").trim().to_owned()
            };
            (
                cell(0),
                list(&cell(1)),
                cell(2),
                cell(3) == "true",
                cell(4),
                list(&cell(5)).into_iter().collect(),
                list(&cell(6)),
            )
        })
        .collect()
}

async fn ours(c: &Client) -> (BTreeSet<Row>, BTreeSet<String>) {
    let d = Discovery::new(c.clone());
    let resources = d.server_resources().await.unwrap();
    assert!(resources.failures.is_empty(), "{:?}", resources.failures);
    let rows = resources.preferred().iter().map(row).collect();
    let versions = resources
        .groups
        .iter()
        .flat_map(|g| g.group_versions())
        .map(|gv| gv.to_string())
        .collect();
    (rows, versions)
}

/// Other tests add CRDs while this runs: compare only when our view was the
/// same before and after kubectl's, so both saw the same server.
async fn compare_with_kubectl<T: PartialEq + std::fmt::Debug>(
    mut ours: impl AsyncFnMut() -> T,
    mut theirs: impl AsyncFnMut() -> T,
) {
    for _ in 0..5 {
        let before = ours().await;
        let k = theirs().await;
        let after = ours().await;
        if before == after {
            assert_eq!(before, k);
            return;
        }
    }
    panic!("discovery kept changing while comparing with kubectl");
}

#[tokio::test]
async fn discovery_api_versions_equal_kubectls() {
    let c = client(Kind::Admin).await;
    let cache = temp_dir("api-versions");
    let cache_arg = cache.to_string_lossy().into_owned();
    compare_with_kubectl(
        async || ours(&c).await.1,
        async || {
            kubectl(&["api-versions", "--cache-dir", &cache_arg])
                .await
                .lines()
                .map(str::to_owned)
                .collect::<BTreeSet<_>>()
        },
    )
    .await;
    let _ = std::fs::remove_dir_all(cache);
}

#[tokio::test]
async fn discovery_api_resources_equal_kubectls() {
    let c = client(Kind::Admin).await;
    let cache = temp_dir("api-resources");
    let cache_arg = cache.to_string_lossy().into_owned();
    compare_with_kubectl(
        async || ours(&c).await.0,
        async || {
            parse_api_resources(
                &kubectl(&["api-resources", "-o", "wide", "--cache-dir", &cache_arg]).await,
            )
        },
    )
    .await;
    // Spot checks that the parse itself is right.
    let (rows, _) = ours(&c).await;
    assert!(rows.iter().any(|r| r.0 == "deployments"
        && r.1 == ["deploy"]
        && r.2 == "apps/v1"
        && r.3
        && r.6 == ["all"]));
    let _ = std::fs::remove_dir_all(cache);
}

#[tokio::test]
async fn discovery_reports_subresources_singulars_and_version() {
    let d = Discovery::new(client(Kind::Admin).await);
    let v = d.server_version().await.unwrap();
    let kubectl_version: serde_json::Value =
        serde_json::from_str(&kubectl(&["version", "-o", "json"]).await).unwrap();
    assert_eq!(
        v.git_version,
        kubectl_version["serverVersion"]["gitVersion"]
    );
    assert_eq!(v.major, "1");
    let all = d.server_resources().await.unwrap();
    let pods = all
        .all()
        .find(|r| r.plural == "pods" && r.group.is_empty())
        .unwrap();
    assert_eq!(pods.singular, "pod");
    for sub in ["status", "log", "exec", "eviction", "ephemeralcontainers"] {
        assert!(pods.subresource(sub).is_some(), "pods/{sub}");
    }
    let deploy = all.all().find(|r| r.plural == "deployments").unwrap();
    let scale = deploy.subresource("scale").unwrap();
    assert_eq!(
        (scale.group.as_str(), scale.kind.as_str()),
        ("autoscaling", "Scale")
    );
    let groups = d.server_groups().await.unwrap();
    assert_eq!(groups[0].name, "");
    let autoscaling = groups.iter().find(|g| g.name == "autoscaling").unwrap();
    assert_eq!(autoscaling.preferred_version.as_deref(), Some("v2"));
    assert!(autoscaling.versions.contains(&"v1".to_owned()));
}

#[tokio::test]
async fn discovery_cold_cache_takes_two_aggregated_requests_and_warm_takes_none() {
    let c = client(Kind::Admin).await;
    let root = temp_dir("warm");
    let cold = Discovery::new(c.clone()).cache_dir(&root);
    let cold_view = cold.server_resources().await.unwrap();
    assert_eq!(cold.request_count(), 2, "cold: GET /api and GET /apis only");
    assert!(cold.is_fresh());
    // Memory answers repeated calls.
    cold.preferred_resources().await.unwrap();
    cold.rest_mapper().resolve("deploy").await.unwrap();
    assert_eq!(cold.request_count(), 2);

    // A new Discovery (a new process, say) over the same directory: no request.
    let warm = Discovery::new(c.clone()).cache_dir(&root);
    let warm_view = warm.server_resources().await.unwrap();
    let mapper = warm.rest_mapper();
    assert_eq!(mapper.resolve("po").await.unwrap()[0].plural, "pods");
    assert_eq!(
        warm.request_count(),
        0,
        "warm cache must not ask the server"
    );
    assert!(!warm.is_fresh());
    let rows = |v: &k8s_client::discovery::ServerResources| -> BTreeSet<Row> {
        v.all().map(row).collect()
    };
    assert_eq!(rows(&cold_view), rows(&warm_view));

    // Invalidation asks again; the HTTP cache's ETags turn both into 304s.
    warm.invalidate();
    warm.server_resources().await.unwrap();
    assert_eq!(warm.request_count(), 2);
    assert_eq!(
        warm.not_modified_count(),
        2,
        "If-None-Match was not honoured"
    );

    // An expired cache (TTL 0) is not used.
    let expired = Discovery::new(c)
        .cache_dir(&root)
        .ttl(std::time::Duration::ZERO);
    expired.server_resources().await.unwrap();
    assert_eq!(expired.request_count(), 2);
    let _ = std::fs::remove_dir_all(root);
}

#[tokio::test]
async fn discovery_disk_cache_is_kubectls_layout_and_modes() {
    let c = client(Kind::Admin).await;
    let root = temp_dir("layout");
    let d = Discovery::new(c.clone()).cache_dir(&root);
    d.server_resources().await.unwrap();
    let host_dir = host_cache_dir(&root.join("discovery"), c.base_url());
    assert_eq!(d.disk_cache_path(), Some(host_dir.as_path()));
    let port = c.base_url().rsplit(':').next().unwrap();
    assert_eq!(
        host_dir.file_name().unwrap().to_string_lossy(),
        format!("127.0.0.1_{port}")
    );
    for file in [
        "servergroups.json",
        "v1/serverresources.json",
        "apps/v1/serverresources.json",
        "autoscaling/v2/serverresources.json",
        "autoscaling/v1/serverresources.json",
    ] {
        let path = host_dir.join(file);
        assert_mode(&path, 0o660);
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(doc["apiVersion"], "v1", "{file}");
    }
    assert_mode(&host_dir.join("apps"), 0o750);
    // Two HTTP cache entries (/api and /apis), named by the URL's SHA-256.
    let http: Vec<_> = std::fs::read_dir(root.join("http"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(http.len(), 2, "{http:?}");
    assert!(http.iter().all(|n| n.len() == 64));
    let _ = std::fs::remove_dir_all(root);
}

#[cfg(unix)]
fn assert_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let got = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    // A umask may take bits away, never add them.
    assert_eq!(got & !mode, 0, "{} has mode {got:o}", path.display());
    assert_eq!(got & 0o600, 0o600, "{} has mode {got:o}", path.display());
}

#[tokio::test]
async fn kubectl_uses_our_disk_cache_and_we_use_kubectls() {
    let c = client(Kind::Admin).await;

    // We write; kubectl resolves `pods` from our files without discovery requests.
    let ours_root = written_cache(&c, "ours-for-kubectl").await;
    let root_arg = ours_root.to_string_lossy().into_owned();
    let (_, log) = kubectl_output(&["get", "pods", "-A", "--cache-dir", &root_arg, "-v=6"]).await;
    assert!(
        discovery_requests(&log).is_empty(),
        "kubectl re-discovered despite our cache: {:?}",
        discovery_requests(&log)
    );
    assert!(log.contains("/api/v1/pods"), "{log}");

    // kubectl writes; we read its files with no request.
    let theirs_root = temp_dir("kubectls-for-us");
    let theirs_arg = theirs_root.to_string_lossy().into_owned();
    let (_, log) = kubectl_output(&["get", "pods", "-A", "--cache-dir", &theirs_arg, "-v=6"]).await;
    assert_eq!(
        discovery_requests(&log).len(),
        2,
        "kubectl's own cold start"
    );
    let d = Discovery::new(c.clone()).cache_dir(&theirs_root);
    assert_eq!(
        d.rest_mapper().resolve("deploy").await.unwrap()[0].kind,
        "Deployment"
    );
    assert_eq!(d.request_count(), 0);

    // kubectl's HTTP cache entries are ours too: after invalidating the
    // discovery files, our requests carry kubectl's ETags and get 304s.
    d.invalidate();
    d.server_resources().await.unwrap();
    assert_eq!((d.request_count(), d.not_modified_count()), (2, 2));
    let _ = std::fs::remove_dir_all(ours_root);
    let _ = std::fs::remove_dir_all(theirs_root);
}

#[tokio::test]
async fn discovery_legacy_fallback_matches_aggregated() {
    let c = client(Kind::Admin).await;
    let aggregated = Discovery::new(c.clone());
    let legacy = Discovery::new(c).legacy_only(true);
    let (a, l) = tokio::join!(aggregated.server_resources(), legacy.server_resources());
    let (a, l) = (a.unwrap(), l.unwrap());
    assert!(l.failures.is_empty(), "{:?}", l.failures);
    let gv_count: usize = l.groups.iter().map(|g| g.versions.len()).sum();
    // /api, /apis, then one request per group version.
    assert_eq!(legacy.request_count() as usize, 2 + gv_count);
    assert_eq!(aggregated.request_count(), 2);
    // CRDs from parallel tests may come and go: compare built-in groups only.
    let builtin = |v: &k8s_client::discovery::ServerResources| -> BTreeSet<Row> {
        v.all()
            .filter(|r| !r.group.contains("e2e"))
            .map(row)
            .collect()
    };
    assert_eq!(builtin(&a), builtin(&l));
    let sub = |v: &k8s_client::discovery::ServerResources| {
        v.all()
            .find(|r| r.plural == "deployments")
            .unwrap()
            .subresources
            .clone()
    };
    let mut sa = sub(&a);
    let mut sl = sub(&l);
    sa.sort_by(|x, y| x.name.cmp(&y.name));
    sl.sort_by(|x, y| x.name.cmp(&y.name));
    assert_eq!(sa, sl);
}

#[tokio::test]
async fn discovery_has_its_own_rate_limit_like_kubectl() {
    // A client limited to 1 request per second would need ~20 s for legacy
    // discovery's ~24 requests; discovery uses kubectl's 50 QPS / burst 300.
    let mut config = crate::env::config(Kind::Admin).await;
    config.qps = 1.0;
    config.burst = 1;
    let slow = Client::try_from(config).unwrap();
    let d = Discovery::new(slow).legacy_only(true);
    let started = std::time::Instant::now();
    d.server_resources().await.unwrap();
    assert!(d.request_count() > 10);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn discovery_openapi_v3_index_and_documents() {
    let c = client(Kind::Admin).await;
    let root = temp_dir("openapi");
    let d = Discovery::new(c.clone()).cache_dir(&root);
    let index = d.openapi_v3_index().await.unwrap();
    assert!(index.paths.contains_key("api/v1"));
    assert!(
        index.paths["apis/apps/v1"]
            .server_relative_url
            .contains("hash=")
    );
    let doc = d.openapi_v3_document("apis/apps/v1").await.unwrap();
    assert!(doc["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"].is_object());
    let before = d.request_count();
    // Hashed document URLs never change: a second Discovery reads it from the
    // HTTP cache without a request (only the index is asked again).
    let again = Discovery::new(c).cache_dir(&root);
    let doc2 = again.openapi_v3_document("apis/apps/v1").await.unwrap();
    assert_eq!(doc, doc2);
    assert_eq!(again.request_count(), 1, "only the index, revalidated");
    // The index is revalidated with its ETag: 304 unless a parallel test's
    // CRD changed it in between, so only "at most one" is certain.
    assert!(again.not_modified_count() <= 1);
    assert_eq!(before, 2);
    let missing = d.openapi_v3_document("apis/nope/v1").await.unwrap_err();
    assert!(missing.is_no_match(), "{missing}");
    let _ = std::fs::remove_dir_all(root);
}

#[tokio::test]
async fn rest_mapper_resolves_names_like_kubectl() {
    let d = Discovery::new(client(Kind::Admin).await);
    let mapper = d.rest_mapper();
    let table: &[(&str, &str)] = &[
        ("pods", "v1/pods"),
        ("pod", "v1/pods"),
        ("po", "v1/pods"),
        ("Pod", "v1/pods"),
        ("svc", "v1/services"),
        ("ns", "v1/namespaces"),
        ("events", "v1/events"),
        ("ev", "v1/events"),
        ("events.events.k8s.io", "events.k8s.io/v1/events"),
        ("deploy", "apps/v1/deployments"),
        ("deployment", "apps/v1/deployments"),
        ("deployments.apps", "apps/v1/deployments"),
        ("deployments.v1.apps", "apps/v1/deployments"),
        ("Deployment.apps", "apps/v1/deployments"),
        ("Deployment.v1.apps", "apps/v1/deployments"),
        ("hpa", "autoscaling/v2/horizontalpodautoscalers"),
        (
            "horizontalpodautoscalers.v1.autoscaling",
            "autoscaling/v1/horizontalpodautoscalers",
        ),
        ("crd", "apiextensions.k8s.io/v1/customresourcedefinitions"),
        ("storageclass.storage", "storage.k8s.io/v1/storageclasses"),
        ("cj", "batch/v1/cronjobs"),
    ];
    for (name, want) in table {
        let got = mapper.resolve(name).await.unwrap();
        assert_eq!(got.len(), 1, "{name}");
        assert_eq!(
            format!("{}/{}", got[0].api_version(), got[0].plural),
            *want,
            "{name}"
        );
    }

    // `all` is what kubectl lists for the category.
    let all: BTreeSet<String> = mapper
        .resolve("all")
        .await
        .unwrap()
        .iter()
        .map(|r| {
            if r.group.is_empty() {
                r.plural.clone()
            } else {
                format!("{}.{}", r.plural, r.group)
            }
        })
        .collect();
    let theirs: BTreeSet<String> = kubectl(&["api-resources", "--categories=all", "-o", "name"])
        .await
        .lines()
        .map(str::to_owned)
        .collect();
    // CRDs in `all` may be added by parallel tests; the built-ins must agree.
    let builtin = |s: &BTreeSet<String>| -> BTreeSet<String> {
        s.iter().filter(|n| !n.contains("e2e")).cloned().collect()
    };
    assert_eq!(builtin(&all), builtin(&theirs));

    // A miss names the name, as kubectl does.
    let e = mapper.resolve("podz").await.unwrap_err();
    assert!(e.is_no_match());
    assert_eq!(
        e.to_string(),
        "the server doesn't have a resource type \"podz\""
    );

    // kind_for / resource_for.
    let gvk = mapper
        .kind_for(&k8s_client::dynamic::GroupVersionResource::new(
            "apps", "", "deploy",
        ))
        .await
        .unwrap();
    assert_eq!(gvk.to_string(), "apps/v1, Kind=Deployment");
    let r = mapper
        .resource_for(&k8s_client::dynamic::GroupVersionKind::new(
            "batch", "v1", "CronJob",
        ))
        .await
        .unwrap();
    assert_eq!(r.plural, "cronjobs");
}

#[tokio::test]
async fn rest_mapper_refreshes_a_stale_cache_once_on_a_miss() {
    let c = client(Kind::Admin).await;
    // A cache written before the CRD exists…
    let root = written_cache(&c, "stale").await;
    let crd = crate::dynamic::install_crd(&c, "stalethings", "StaleThing").await;
    // …is read from disk (no request), misses, refreshes once, and finds it.
    let d = Discovery::new(c.clone()).cache_dir(&root);
    let found = d.rest_mapper().resolve(&crd).await.unwrap();
    assert_eq!(found[0].kind, "StaleThing");
    assert_eq!(
        d.request_count(),
        2,
        "one refresh: the two aggregated requests"
    );
    assert!(d.is_fresh());
    // A miss in fresh data does not refresh again.
    let e = d.rest_mapper().resolve("nosuchthings").await.unwrap_err();
    assert!(e.is_no_match());
    assert_eq!(d.request_count(), 2);
    let _ = std::fs::remove_dir_all(root);
}
