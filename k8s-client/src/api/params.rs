//! Parameters of list, watch, create, patch and delete calls, and how they
//! become query strings and bodies. Pure: no IO.

use serde::Serialize;

use crate::error::RequestError;
use crate::meta::{DeleteOptions, Preconditions, PropagationPolicy};
use crate::rest::{Accept, RequestBuilder};

/// How `resourceVersion` is interpreted on a list (`resourceVersionMatch`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VersionMatch {
    /// Exactly the given resourceVersion.
    Exact,
    /// Data at least as new as the given resourceVersion.
    NotOlderThan,
}

impl VersionMatch {
    fn as_str(self) -> &'static str {
        match self {
            VersionMatch::Exact => "Exact",
            VersionMatch::NotOlderThan => "NotOlderThan",
        }
    }
}

/// Parameters of a list call.
///
/// ```
/// use k8s_client::api::ListParams;
/// let lp = ListParams::default().labels("app=web").limit(100);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListParams {
    /// A label selector such as `app=web,tier!=db`.
    pub label_selector: Option<String>,
    /// A field selector such as `metadata.name=x` or `status.phase=Running`.
    pub field_selector: Option<String>,
    /// Server-side timeout for the call, in seconds.
    pub timeout: Option<u32>,
    /// At most this many items per response; the rest come with the continue token.
    pub limit: Option<u32>,
    /// The continue token from the previous page.
    pub continue_token: Option<String>,
    /// Serve at this resourceVersion (`"0"`: any, from the cache).
    pub resource_version: Option<String>,
    /// How `resource_version` is matched.
    pub version_match: Option<VersionMatch>,
}

impl ListParams {
    /// Filters by a label selector.
    pub fn labels(mut self, selector: &str) -> Self {
        self.label_selector = Some(selector.to_owned());
        self
    }
    /// Filters by a field selector.
    pub fn fields(mut self, selector: &str) -> Self {
        self.field_selector = Some(selector.to_owned());
        self
    }
    /// Sets the server-side timeout in seconds.
    pub fn timeout(mut self, seconds: u32) -> Self {
        self.timeout = Some(seconds);
        self
    }
    /// Limits the page size.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }
    /// Continues from a previous page's token.
    pub fn continue_token(mut self, token: &str) -> Self {
        self.continue_token = Some(token.to_owned());
        self
    }
    /// Lists at a resourceVersion.
    pub fn at(mut self, resource_version: &str) -> Self {
        self.resource_version = Some(resource_version.to_owned());
        self
    }
    /// Sets how the resourceVersion is matched.
    pub fn matching(mut self, version_match: VersionMatch) -> Self {
        self.version_match = Some(version_match);
        self
    }

    /// Adds the parameters to `b` as the API server requires them:
    ///
    /// - a continue token fixes the resourceVersion, so with one neither
    ///   `resourceVersion` nor `resourceVersionMatch` is sent (the server
    ///   answers 400 to both at once);
    /// - `resourceVersionMatch` needs a `resourceVersion`, and `Exact` is
    ///   not allowed for `"0"`: the request fails to build, before anything
    ///   is sent.
    pub(crate) fn apply(&self, b: RequestBuilder) -> RequestBuilder {
        let continuing = self
            .continue_token
            .as_deref()
            .is_some_and(|t| !t.is_empty());
        let (rv, rvm) = if continuing {
            (None, None)
        } else {
            (
                self.resource_version.as_deref().filter(|rv| !rv.is_empty()),
                self.version_match,
            )
        };
        let b = match (rv, rvm) {
            (None, Some(_)) => {
                return b.invalid("resourceVersionMatch needs a resourceVersion");
            }
            (Some("0"), Some(VersionMatch::Exact)) => {
                return b.invalid(
                    "resourceVersionMatch=Exact is not allowed for resourceVersion \"0\"",
                );
            }
            _ => b,
        };
        b.param_opt("labelSelector", self.label_selector.as_deref())
            .param_opt("fieldSelector", self.field_selector.as_deref())
            .param_opt("timeoutSeconds", self.timeout.map(|t| t.to_string()))
            .param_opt("limit", self.limit.map(|l| l.to_string()))
            .param_opt(
                "continue",
                self.continue_token.as_deref().filter(|_| continuing),
            )
            .param_opt("resourceVersion", rv)
            .param_opt("resourceVersionMatch", rvm.map(VersionMatch::as_str))
    }
}

/// Parameters of a watch call.
///
/// Bookmarks are on by default, as informers use them.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct WatchParams {
    /// A label selector.
    pub label_selector: Option<String>,
    /// A field selector.
    pub field_selector: Option<String>,
    /// The server ends the watch after this many seconds (`timeoutSeconds`).
    pub timeout: Option<u32>,
    /// Ask for BOOKMARK events (`allowWatchBookmarks`).
    pub bookmarks: bool,
    /// Begin with synthetic ADDED events for the current state, ended by a
    /// bookmark (`sendInitialEvents`, the streaming list).
    pub send_initial_events: bool,
    /// What the events' objects may be: JSON objects by default, or
    /// [`Accept::Table`] for server-side table rows as `kubectl get -w`
    /// prints them.
    pub accept: Accept,
}

impl Default for WatchParams {
    fn default() -> Self {
        WatchParams {
            label_selector: None,
            field_selector: None,
            timeout: None,
            bookmarks: true,
            send_initial_events: false,
            accept: Accept::Json,
        }
    }
}

impl WatchParams {
    /// Filters by a label selector.
    pub fn labels(mut self, selector: &str) -> Self {
        self.label_selector = Some(selector.to_owned());
        self
    }
    /// Filters by a field selector.
    pub fn fields(mut self, selector: &str) -> Self {
        self.field_selector = Some(selector.to_owned());
        self
    }
    /// Sets `timeoutSeconds`.
    pub fn timeout(mut self, seconds: u32) -> Self {
        self.timeout = Some(seconds);
        self
    }
    /// Turns bookmarks off.
    pub fn disable_bookmarks(mut self) -> Self {
        self.bookmarks = false;
        self
    }
    /// Starts with the current state as ADDED events (streaming list).
    pub fn initial_events(mut self) -> Self {
        self.send_initial_events = true;
        self
    }
    /// Asks for the events' objects in another representation, such as
    /// [`Accept::Table`].
    pub fn accept(mut self, accept: Accept) -> Self {
        self.accept = accept;
        self
    }

    /// Adds the parameters to `b`. A streaming list needs bookmarks (its
    /// end is a bookmark): without them the request fails to build.
    pub(crate) fn apply(&self, b: RequestBuilder, resource_version: &str) -> RequestBuilder {
        if self.send_initial_events && !self.bookmarks {
            return b.invalid("sendInitialEvents needs bookmarks (allowWatchBookmarks)");
        }
        let mut b = b
            .accept(self.accept)
            .param("watch", "true")
            .param_opt("labelSelector", self.label_selector.as_deref())
            .param_opt("fieldSelector", self.field_selector.as_deref())
            .param_opt("timeoutSeconds", self.timeout.map(|t| t.to_string()));
        if self.bookmarks {
            b = b.param("allowWatchBookmarks", "true");
        }
        if self.send_initial_events {
            b = b
                .param("sendInitialEvents", "true")
                .param("resourceVersionMatch", "NotOlderThan");
        }
        if !resource_version.is_empty() {
            b = b.param("resourceVersion", resource_version);
        }
        b.watch()
    }
}

/// How the server treats fields it does not know (`fieldValidation`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FieldValidation {
    /// Drop them silently.
    Ignore,
    /// Accept, but return a warning for each.
    Warn,
    /// Reject the request.
    Strict,
}

impl FieldValidation {
    fn as_str(self) -> &'static str {
        match self {
            FieldValidation::Ignore => "Ignore",
            FieldValidation::Warn => "Warn",
            FieldValidation::Strict => "Strict",
        }
    }
}

/// The options every write shares: create, replace, patch (`dryRun`,
/// `fieldManager`, `fieldValidation`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WriteParams {
    /// Validate and return the result without persisting it.
    pub dry_run: bool,
    /// The field manager recorded in managedFields.
    pub field_manager: Option<String>,
    /// How unknown fields are treated.
    pub field_validation: Option<FieldValidation>,
}

/// Parameters of a create or replace: the [`WriteParams`].
///
/// ```
/// use k8s_client::api::{FieldValidation, PostParams};
/// let pp = PostParams::default().field_manager("me").validation(FieldValidation::Strict);
/// ```
pub type PostParams = WriteParams;

impl WriteParams {
    /// Sets the field manager.
    pub fn field_manager(mut self, manager: &str) -> Self {
        self.field_manager = Some(manager.to_owned());
        self
    }
    /// Makes the call a dry run.
    pub fn dry_run(mut self) -> Self {
        self.dry_run = true;
        self
    }
    /// Sets field validation.
    pub fn validation(mut self, v: FieldValidation) -> Self {
        self.field_validation = Some(v);
        self
    }

    pub(crate) fn apply(&self, mut b: RequestBuilder) -> RequestBuilder {
        if self.dry_run {
            b = b.param("dryRun", "All");
        }
        b.param_opt("fieldManager", self.field_manager.as_deref())
            .param_opt(
                "fieldValidation",
                self.field_validation.map(FieldValidation::as_str),
            )
    }
}

/// Parameters of a patch: the [`WriteParams`], and `force` for server-side apply.
///
/// Server-side apply needs a field manager: use [`PatchParams::apply`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PatchParams {
    /// The options every write shares.
    pub write: WriteParams,
    /// Server-side apply only: take ownership of fields other managers own.
    pub force: bool,
}

impl PatchParams {
    /// Parameters for server-side apply as `manager`.
    pub fn apply(manager: &str) -> Self {
        PatchParams {
            write: WriteParams::default().field_manager(manager),
            force: false,
        }
    }
    /// Forces ownership conflicts in server-side apply.
    pub fn force(mut self) -> Self {
        self.force = true;
        self
    }
    /// Sets the field manager.
    pub fn field_manager(mut self, manager: &str) -> Self {
        self.write = self.write.field_manager(manager);
        self
    }
    /// Makes the call a dry run.
    pub fn dry_run(mut self) -> Self {
        self.write = self.write.dry_run();
        self
    }
    /// Sets field validation.
    pub fn validation(mut self, v: FieldValidation) -> Self {
        self.write = self.write.validation(v);
        self
    }

    pub(crate) fn apply_to(&self, mut b: RequestBuilder) -> RequestBuilder {
        if self.force {
            b = b.param("force", "true");
        }
        self.write.apply(b)
    }

    /// Refuses what the server would: server-side apply without a field
    /// manager, `force` without server-side apply.
    pub(crate) fn validate<P>(&self, patch: &Patch<P>) -> Result<(), RequestError> {
        let is_apply = matches!(patch, Patch::Apply(_));
        let manager = self.write.field_manager.as_deref().unwrap_or_default();
        if is_apply && manager.is_empty() {
            return Err(RequestError::InvalidParameters(
                "server-side apply needs a field manager (PatchParams::apply(\"name\"))",
            ));
        }
        if self.force && !is_apply {
            return Err(RequestError::InvalidParameters(
                "force is only valid for server-side apply",
            ));
        }
        Ok(())
    }
}

/// A patch body and its kind.
///
/// ```
/// use k8s_client::api::{Patch, JsonPatchOp};
/// use serde_json::json;
/// let merge = Patch::Merge(json!({"metadata": {"labels": {"tier": "web"}}}));
/// let json_patch: Patch<()> = Patch::Json(vec![JsonPatchOp::Replace { path: "/spec/replicas".into(), value: json!(3) }]);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Patch<T> {
    /// Server-side apply: the full intent of one field manager.
    Apply(T),
    /// JSON merge patch (RFC 7386).
    Merge(T),
    /// Strategic merge patch: built-in types only; lists merge by their keys.
    Strategic(T),
    /// JSON patch (RFC 6902): a list of operations.
    Json(Vec<JsonPatchOp>),
}

impl<T> Patch<T> {
    pub(crate) fn content_type(&self) -> &'static str {
        match self {
            Patch::Apply(_) => "application/apply-patch+yaml",
            Patch::Merge(_) => "application/merge-patch+json",
            Patch::Strategic(_) => "application/strategic-merge-patch+json",
            Patch::Json(_) => "application/json-patch+json",
        }
    }
}

impl<T: Serialize> Patch<T> {
    pub(crate) fn to_bytes(&self) -> serde_json::Result<Vec<u8>> {
        match self {
            Patch::Apply(v) | Patch::Merge(v) | Patch::Strategic(v) => serde_json::to_vec(v),
            Patch::Json(ops) => serde_json::to_vec(ops),
        }
    }
}

/// One operation of a JSON patch (RFC 6902). Paths are JSON pointers such as
/// `/metadata/labels/app`.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
#[non_exhaustive]
pub enum JsonPatchOp {
    /// Adds a value (or inserts into an array).
    Add {
        /// Where.
        path: String,
        /// What.
        value: serde_json::Value,
    },
    /// Removes the value.
    Remove {
        /// Where.
        path: String,
    },
    /// Replaces the value.
    Replace {
        /// Where.
        path: String,
        /// The new value.
        value: serde_json::Value,
    },
    /// Moves a value.
    Move {
        /// From where.
        from: String,
        /// To where.
        path: String,
    },
    /// Copies a value.
    Copy {
        /// From where.
        from: String,
        /// To where.
        path: String,
    },
    /// Fails the whole patch unless the value is equal.
    Test {
        /// Where.
        path: String,
        /// The expected value.
        value: serde_json::Value,
    },
}

/// Parameters of a delete.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeleteParams {
    /// Validate without deleting.
    pub dry_run: bool,
    /// Seconds of grace; 0 deletes at once.
    pub grace_period_seconds: Option<u32>,
    /// What happens to dependents.
    pub propagation_policy: Option<PropagationPolicy>,
    /// Conditions the stored object must meet.
    pub preconditions: Option<Preconditions>,
}

impl DeleteParams {
    /// Deletes in the background: the object now, dependents after (the default for most kinds).
    pub fn background() -> Self {
        DeleteParams {
            propagation_policy: Some(PropagationPolicy::Background),
            ..Self::default()
        }
    }
    /// Deletes dependents first, then the object.
    pub fn foreground() -> Self {
        DeleteParams {
            propagation_policy: Some(PropagationPolicy::Foreground),
            ..Self::default()
        }
    }
    /// Leaves dependents behind.
    pub fn orphan() -> Self {
        DeleteParams {
            propagation_policy: Some(PropagationPolicy::Orphan),
            ..Self::default()
        }
    }
    /// Sets the grace period.
    pub fn grace_period(mut self, seconds: u32) -> Self {
        self.grace_period_seconds = Some(seconds);
        self
    }
    /// Makes the call a dry run.
    pub fn dry_run(mut self) -> Self {
        self.dry_run = true;
        self
    }
    /// Requires the stored object to have this resourceVersion and/or uid.
    pub fn preconditions(mut self, preconditions: Preconditions) -> Self {
        self.preconditions = Some(preconditions);
        self
    }

    pub(crate) fn body(&self) -> DeleteOptions {
        DeleteOptions {
            api_version: Some("meta.k8s.io/v1".to_owned()),
            kind: Some("DeleteOptions".to_owned()),
            grace_period_seconds: self.grace_period_seconds.map(i64::from),
            preconditions: self.preconditions.clone(),
            propagation_policy: self.propagation_policy,
            dry_run: if self.dry_run {
                vec!["All".to_owned()]
            } else {
                Vec::new()
            },
        }
    }
}

/// Parameters of a pod log request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogParams {
    /// The container; required when the pod has more than one.
    pub container: Option<String>,
    /// Keep the stream open and follow new output.
    pub follow: bool,
    /// Only the last this many lines.
    pub tail_lines: Option<i64>,
    /// Only output newer than this many seconds.
    pub since_seconds: Option<i64>,
    /// Prefix each line with its timestamp.
    pub timestamps: bool,
    /// The previous (terminated) instance of the container.
    pub previous: bool,
    /// At most this many bytes.
    pub limit_bytes: Option<i64>,
}

impl LogParams {
    /// The log of this container.
    pub fn container(mut self, container: &str) -> Self {
        self.container = Some(container.to_owned());
        self
    }
    /// Keeps the stream open for new output (`kubectl logs -f`).
    pub fn follow(mut self) -> Self {
        self.follow = true;
        self
    }
    /// Only the last `lines` lines (`--tail`).
    pub fn tail_lines(mut self, lines: i64) -> Self {
        self.tail_lines = Some(lines);
        self
    }
    /// Only output newer than `seconds` (`--since`).
    pub fn since_seconds(mut self, seconds: i64) -> Self {
        self.since_seconds = Some(seconds);
        self
    }
    /// Prefixes each line with its timestamp (`--timestamps`).
    pub fn timestamps(mut self) -> Self {
        self.timestamps = true;
        self
    }
    /// The previous, terminated instance of the container (`--previous`).
    pub fn previous(mut self) -> Self {
        self.previous = true;
        self
    }
    /// At most `bytes` bytes (`--limit-bytes`).
    pub fn limit_bytes(mut self, bytes: i64) -> Self {
        self.limit_bytes = Some(bytes);
        self
    }

    pub(crate) fn apply(&self, mut b: RequestBuilder) -> RequestBuilder {
        b = b
            .param_opt("container", self.container.as_deref())
            .param_opt("tailLines", self.tail_lines.map(|n| n.to_string()))
            .param_opt("sinceSeconds", self.since_seconds.map(|n| n.to_string()))
            .param_opt("limitBytes", self.limit_bytes.map(|n| n.to_string()));
        for (flag, name) in [
            (self.follow, "follow"),
            (self.timestamps, "timestamps"),
            (self.previous, "previous"),
        ] {
            if flag {
                b = b.param(name, "true");
            }
        }
        if self.follow { b.watch() } else { b }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::Request;

    fn query(b: RequestBuilder) -> String {
        let req = b.build().unwrap();
        req.path_and_query()
            .split_once('?')
            .map(|(_, q)| q.to_owned())
            .unwrap_or_default()
    }

    #[test]
    fn list_params_query() {
        let lp = ListParams::default()
            .labels("app=web")
            .fields("metadata.name=x")
            .limit(500)
            .continue_token("tok")
            .at("0")
            .matching(VersionMatch::NotOlderThan)
            .timeout(30);
        // A continue token fixes the resourceVersion: neither is sent beside it.
        assert_eq!(
            query(lp.apply(Request::get().resource("pods"))),
            "labelSelector=app%3Dweb&fieldSelector=metadata.name%3Dx&timeoutSeconds=30&limit=500&continue=tok"
        );
        let lp = ListParams::default()
            .at("0")
            .matching(VersionMatch::NotOlderThan);
        assert_eq!(
            query(lp.apply(Request::get().resource("pods"))),
            "resourceVersion=0&resourceVersionMatch=NotOlderThan"
        );
        assert_eq!(
            query(ListParams::default().apply(Request::get().resource("pods"))),
            ""
        );
    }

    #[test]
    fn watch_params_query() {
        let wp = WatchParams::default().labels("a=b").timeout(290);
        assert_eq!(
            query(wp.apply(Request::get().resource("pods"), "42")),
            "watch=true&labelSelector=a%3Db&timeoutSeconds=290&allowWatchBookmarks=true&resourceVersion=42"
        );
        let wp = WatchParams::default().initial_events();
        assert_eq!(
            query(wp.apply(Request::get().resource("pods"), "")),
            "watch=true&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan"
        );
    }

    #[test]
    fn params_the_server_would_refuse_fail_to_build() {
        let build = |lp: ListParams| lp.apply(Request::get().resource("pods")).build();
        let err = build(ListParams::default().matching(VersionMatch::NotOlderThan)).unwrap_err();
        assert!(err.to_string().contains("needs a resourceVersion"), "{err}");
        assert!(build(ListParams::default().at("0").matching(VersionMatch::Exact)).is_err());
        assert!(build(ListParams::default().at("5").matching(VersionMatch::Exact)).is_ok());
        let wp = WatchParams::default().disable_bookmarks().initial_events();
        assert!(
            wp.apply(Request::get().resource("pods"), "")
                .build()
                .is_err()
        );
    }

    #[test]
    fn a_watch_can_ask_for_tables() {
        let wp = WatchParams::default().accept(Accept::Table);
        let req = wp
            .apply(Request::get().resource("pods"), "1")
            .build()
            .unwrap();
        assert_eq!(req.accept(), Accept::Table);
        assert!(req.is_watch());
    }

    #[test]
    fn log_params_builders() {
        let lp = LogParams::default()
            .container("c")
            .follow()
            .tail_lines(10)
            .since_seconds(60)
            .timestamps()
            .previous()
            .limit_bytes(100);
        let req = lp
            .apply(Request::get().resource("pods").name("p"))
            .build()
            .unwrap();
        assert!(req.is_watch());
        assert_eq!(
            req.path_and_query().split_once('?').unwrap().1,
            "container=c&tailLines=10&sinceSeconds=60&limitBytes=100&follow=true&timestamps=true&previous=true"
        );
    }

    #[test]
    fn post_and_patch_params_query() {
        let pp = PostParams::default()
            .dry_run()
            .field_manager("me")
            .validation(FieldValidation::Strict);
        assert_eq!(
            query(pp.apply(Request::post().resource("pods"))),
            "dryRun=All&fieldManager=me&fieldValidation=Strict"
        );
        let pp = PatchParams::apply("me").force();
        assert_eq!(
            query(pp.apply_to(Request::patch().resource("pods").name("p"))),
            "force=true&fieldManager=me"
        );
    }

    #[test]
    fn patch_params_are_validated() {
        assert!(PatchParams::default().validate(&Patch::Apply(())).is_err());
        assert!(
            PatchParams::default()
                .force()
                .validate(&Patch::Merge(()))
                .is_err()
        );
        assert!(
            PatchParams::apply("m")
                .force()
                .validate(&Patch::Apply(()))
                .is_ok()
        );
    }

    #[test]
    fn patch_bodies_and_content_types() {
        let ops: Patch<()> = Patch::Json(vec![
            JsonPatchOp::Test {
                path: "/a".into(),
                value: serde_json::json!(1),
            },
            JsonPatchOp::Remove { path: "/b".into() },
        ]);
        assert_eq!(ops.content_type(), "application/json-patch+json");
        assert_eq!(
            String::from_utf8(ops.to_bytes().unwrap()).unwrap(),
            r#"[{"op":"test","path":"/a","value":1},{"op":"remove","path":"/b"}]"#
        );
        assert_eq!(
            Patch::Strategic(()).content_type(),
            "application/strategic-merge-patch+json"
        );
    }

    #[test]
    fn delete_body() {
        let dp = DeleteParams::foreground().grace_period(0).dry_run();
        assert_eq!(
            serde_json::to_string(&dp.body()).unwrap(),
            r#"{"apiVersion":"meta.k8s.io/v1","kind":"DeleteOptions","gracePeriodSeconds":0,"propagationPolicy":"Foreground","dryRun":["All"]}"#
        );
    }
}
