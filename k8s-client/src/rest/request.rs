use std::time::Duration;

use bytes::Bytes;
use serde::Serialize;

use super::{Accept, go_duration};
use crate::error::RequestError;
use crate::{Error, Result};

/// An HTTP verb, named as client-go names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Verb {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl Verb {
    /// The HTTP method name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Post => "POST",
            Verb::Put => "PUT",
            Verb::Patch => "PATCH",
            Verb::Delete => "DELETE",
        }
    }
}

impl std::fmt::Display for Verb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request body with its content type.
#[derive(Clone, PartialEq, Eq)]
pub struct Body {
    /// The `Content-Type` header value.
    pub content_type: &'static str,
    /// The encoded body. `Bytes` clones cheaply, so retries resend it without copying.
    pub bytes: Bytes,
}

impl std::fmt::Debug for Body {
    // Bodies can hold Secrets; show only their size.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Body({}, {} bytes)", self.content_type, self.bytes.len())
    }
}

/// A fully built request: a value the [`Client`](crate::Client) executes.
///
/// Build one with [`Request::get`] and friends:
///
/// ```
/// use k8s_client::rest::Request;
/// let req = Request::get()
///     .group_version("apps", "v1")
///     .namespace("prod")
///     .resource("deployments")
///     .name("web")
///     .build()
///     .unwrap();
/// assert_eq!(req.path_and_query(), "/apis/apps/v1/namespaces/prod/deployments/web");
/// ```
#[derive(Clone, Debug)]
pub struct Request {
    verb: Verb,
    path_and_query: String,
    template: String,
    body: Option<Body>,
    accept: Accept,
    headers: Vec<(String, String)>,
    timeout: Option<Duration>,
    watch: bool,
    upgrade: bool,
}

impl Request {
    /// Starts a `GET`.
    pub fn get() -> RequestBuilder {
        RequestBuilder::new(Verb::Get)
    }
    /// Starts a `POST`.
    pub fn post() -> RequestBuilder {
        RequestBuilder::new(Verb::Post)
    }
    /// Starts a `PUT`.
    pub fn put() -> RequestBuilder {
        RequestBuilder::new(Verb::Put)
    }
    /// Starts a `PATCH`; set the body with [`RequestBuilder::body`] and the patch's content type.
    pub fn patch() -> RequestBuilder {
        RequestBuilder::new(Verb::Patch)
    }
    /// Starts a `DELETE`.
    pub fn delete() -> RequestBuilder {
        RequestBuilder::new(Verb::Delete)
    }

    /// The verb.
    pub fn verb(&self) -> Verb {
        self.verb
    }
    /// The path with its encoded query, relative to the server URL.
    pub fn path_and_query(&self) -> &str {
        &self.path_and_query
    }
    /// The path with placeholders for namespace and name, for logs and metrics
    /// (`/api/v1/namespaces/{namespace}/pods/{name}`).
    pub fn template(&self) -> &str {
        &self.template
    }
    /// The body, if any.
    pub fn body(&self) -> Option<&Body> {
        self.body.as_ref()
    }
    /// What the response may be.
    pub fn accept(&self) -> Accept {
        self.accept
    }
    /// Extra headers.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }
    /// The per-request timeout: sent to the server and applied as a client deadline.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }
    /// Whether this is a watch: the response is a stream with no overall deadline.
    pub fn is_watch(&self) -> bool {
        self.watch
    }
    /// Whether this asks to upgrade the connection (a WebSocket for exec,
    /// attach or port-forward): it goes over HTTP/1.1 on a connection of its
    /// own, and succeeds only with `101 Switching Protocols`.
    pub(crate) fn is_upgrade(&self) -> bool {
        self.upgrade
    }
    /// Whether this is a conditional GET (`If-None-Match`), which the server
    /// may answer with `304 Not Modified`.
    pub fn is_conditional(&self) -> bool {
        self.verb == Verb::Get
            && self
                .headers
                .iter()
                .any(|(name, _)| name.eq_ignore_ascii_case("if-none-match"))
    }

    /// `VERB path`, for errors and logs.
    pub fn operation(&self) -> String {
        self.op().to_string()
    }

    /// [`operation`](Request::operation), formatted only when shown.
    pub(crate) fn op(&self) -> Operation<'_> {
        Operation(self)
    }
}

/// `VERB path` of a request, without its query.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Operation<'a>(&'a Request);

impl std::fmt::Display for Operation<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = self.0.path_and_query.split('?').next().unwrap_or_default();
        write!(f, "{} {path}", self.0.verb.as_str())
    }
}

/// Something that becomes a [`Request`]: a built request, or a builder whose
/// recorded error is reported when the request runs (client-go's way).
pub trait IntoRequest {
    /// Builds the request.
    fn into_request(self) -> Result<Request>;
}

impl IntoRequest for Request {
    fn into_request(self) -> Result<Request> {
        Ok(self)
    }
}

impl IntoRequest for RequestBuilder {
    fn into_request(self) -> Result<Request> {
        self.build()
    }
}

/// Builds a [`Request`] from the parts of the API's URL conventions.
///
/// Like client-go's `rest.Request`, the builder keeps the first error (an
/// invalid name, a body that fails to encode) and reports it from
/// [`build`](RequestBuilder::build), so calls chain without `?` at every step.
#[derive(Debug)]
#[must_use = "a request builder does nothing until built and sent"]
pub struct RequestBuilder {
    verb: Verb,
    prefix: String,
    namespace: Option<String>,
    resource: Option<String>,
    name: Option<String>,
    subresource: Option<String>,
    query: String,
    body: Option<Body>,
    accept: Accept,
    headers: Vec<(String, String)>,
    timeout: Option<Duration>,
    watch: bool,
    upgrade: bool,
    error: Option<Error>,
}

impl RequestBuilder {
    /// A builder for `verb`, addressed at the core group (`/api/v1`) until told otherwise.
    pub fn new(verb: Verb) -> Self {
        RequestBuilder {
            verb,
            prefix: "/api/v1".to_owned(),
            namespace: None,
            resource: None,
            name: None,
            subresource: None,
            query: String::new(),
            body: None,
            accept: Accept::Json,
            headers: Vec::new(),
            timeout: None,
            watch: false,
            upgrade: false,
            error: None,
        }
    }

    fn fail(&mut self, error: impl Into<Error>) {
        if self.error.is_none() {
            self.error = Some(error.into());
        }
    }

    fn check_segment(&mut self, what: &'static str, value: &str, allow_empty: bool) {
        if let Err(reason) = validate_segment(value, allow_empty) {
            self.fail(RequestError::InvalidSegment {
                what,
                value: value.to_owned(),
                reason,
            });
        }
    }

    /// Records that the request's parameters are ones the server would refuse.
    pub(crate) fn invalid(mut self, reason: &'static str) -> Self {
        self.fail(RequestError::InvalidParameters(reason));
        self
    }

    /// Addresses a group and version: `/api/v1` for the core group (`""`),
    /// `/apis/GROUP/VERSION` otherwise.
    pub fn group_version(mut self, group: &str, version: &str) -> Self {
        self.prefix = crate::names::url_prefix(group, version);
        self
    }

    /// Uses an absolute path such as `/version` or `/apis` instead of a resource URL.
    pub fn abs_path(mut self, path: &str) -> Self {
        if !path.starts_with('/') {
            self.fail(RequestError::RelativePath {
                path: path.to_owned(),
            });
        }
        self.prefix = path.trim_end_matches('/').to_owned();
        if self.prefix.is_empty() {
            self.prefix.push('/');
        }
        self
    }

    /// The namespace. An empty namespace is kept and checked when building:
    /// it is an error where a namespace is required.
    pub fn namespace(mut self, namespace: &str) -> Self {
        self.check_segment("namespace", namespace, true);
        self.namespace = Some(namespace.to_owned());
        self
    }

    /// The resource, such as `pods`.
    pub fn resource(mut self, resource: &str) -> Self {
        self.check_segment("resource", resource, false);
        self.resource = Some(resource.to_owned());
        self
    }

    /// The object's name. Names must not be empty, `.` or `..`, nor contain `/` or `%`
    /// (client-go's rule); other characters are percent-encoded in the path as Go
    /// encodes them, so `?` and `#` stay part of the name.
    pub fn name(mut self, name: &str) -> Self {
        self.check_segment("name", name, false);
        self.name = Some(name.to_owned());
        self
    }

    /// A subresource such as `status`, `scale` or `log`.
    pub fn subresource(mut self, subresource: &str) -> Self {
        self.check_segment("subresource", subresource, false);
        self.subresource = Some(subresource.to_owned());
        self
    }

    /// Adds a query parameter; repeated keys are sent repeatedly.
    pub fn param(mut self, key: &str, value: &str) -> Self {
        form_urlencoded::Serializer::for_suffix(&mut self.query, 0).append_pair(key, value);
        self
    }

    /// Adds a query parameter if `value` is `Some`.
    pub fn param_opt(self, key: &str, value: Option<impl AsRef<str>>) -> Self {
        match value {
            Some(v) => self.param(key, v.as_ref()),
            None => self,
        }
    }

    /// The per-request timeout, sent as the `timeout` parameter and applied as a client deadline.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets the body from raw bytes and their content type.
    pub fn body(mut self, content_type: &'static str, bytes: impl Into<Bytes>) -> Self {
        self.body = Some(Body {
            content_type,
            bytes: bytes.into(),
        });
        self
    }

    /// Sets a JSON body.
    pub fn json_body<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(bytes) => self.body("application/json", bytes),
            Err(e) => {
                self.fail(Error::Encode(e));
                self
            }
        }
    }

    /// What the response may be; JSON unless told otherwise.
    pub fn accept(mut self, accept: Accept) -> Self {
        self.accept = accept;
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Marks the request as a watch (or any long-lived stream): no client deadline
    /// applies to the stream itself.
    pub fn watch(mut self) -> Self {
        self.watch = true;
        self
    }

    /// Marks the request as a connection upgrade (see `Request::is_upgrade`);
    /// the caller adds the `Upgrade` headers.
    #[cfg(feature = "ws")]
    pub(crate) fn upgrade(mut self) -> Self {
        self.upgrade = true;
        self
    }

    /// Builds the request, or returns the first error recorded while building.
    pub fn build(mut self) -> Result<Request> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        // client-go: an explicitly empty namespace is an error where the path needs one.
        if self.namespace.as_deref() == Some("")
            && (self.verb == Verb::Post
                || (self.name.is_some()
                    && matches!(self.verb, Verb::Get | Verb::Put | Verb::Delete)))
        {
            return Err(RequestError::EmptyNamespace {
                verb: self.verb.as_str(),
            }
            .into());
        }
        if self.subresource.is_some() && self.name.is_none() {
            return Err(RequestError::SubresourceWithoutName.into());
        }

        let mut path = self.prefix.clone();
        let mut template = self.prefix;
        let mut push = |segment: &str, placeholder: &str| {
            if !path.ends_with('/') {
                path.push('/');
                template.push('/');
            }
            push_escaped(&mut path, segment);
            template.push_str(placeholder);
        };
        if let Some(ns) = self.namespace.as_deref().filter(|ns| !ns.is_empty()) {
            push("namespaces", "namespaces");
            push(ns, "{namespace}");
        }
        if let Some(r) = &self.resource {
            push(r, r);
        }
        if let Some(n) = &self.name {
            push(n, "{name}");
        }
        if let Some(s) = &self.subresource {
            push(s, s);
        }
        if let Some(t) = self.timeout.filter(|t| !t.is_zero()) {
            form_urlencoded::Serializer::for_suffix(&mut self.query, 0)
                .append_pair("timeout", &go_duration::format(t));
        }
        if !self.query.is_empty() {
            path.push('?');
            path.push_str(&self.query);
        }
        Ok(Request {
            verb: self.verb,
            path_and_query: path,
            template,
            body: self.body,
            accept: self.accept,
            headers: self.headers,
            timeout: self.timeout,
            watch: self.watch,
            upgrade: self.upgrade,
        })
    }
}

/// Appends `segment` percent-encoded as Go's `url.URL` encodes a path: ASCII
/// letters, digits and `-._~$&+,:;=@` stay as they are; every other byte,
/// `?`, `#`, spaces and control characters included, becomes `%XX`.
fn push_escaped(out: &mut String, segment: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &byte in segment.as_bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-._~$&+,:;=@".contains(&byte);
        if keep {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
    }
}

/// Checks a path segment by client-go's rules for names (`IsValidPathSegmentName`).
fn validate_segment(segment: &str, allow_empty: bool) -> Result<(), &'static str> {
    if segment.is_empty() {
        return if allow_empty {
            Ok(())
        } else {
            Err("must not be empty")
        };
    }
    if segment == "." || segment == ".." {
        return Err("may not be '.' or '..'");
    }
    if segment.contains('/') {
        return Err("may not contain '/'");
    }
    if segment.contains('%') {
        return Err("may not contain '%'");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(b: RequestBuilder) -> String {
        b.build().unwrap().path_and_query().to_owned()
    }

    #[test]
    fn core_and_group_paths() {
        assert_eq!(path(Request::get().resource("pods")), "/api/v1/pods");
        assert_eq!(
            path(Request::get().namespace("ns").resource("pods")),
            "/api/v1/namespaces/ns/pods"
        );
        assert_eq!(
            path(
                Request::get()
                    .group_version("apps", "v1")
                    .namespace("ns")
                    .resource("deployments")
                    .name("d")
                    .subresource("scale")
            ),
            "/apis/apps/v1/namespaces/ns/deployments/d/scale"
        );
        assert_eq!(
            path(
                Request::get()
                    .group_version("", "v1")
                    .resource("nodes")
                    .name("n1")
            ),
            "/api/v1/nodes/n1"
        );
    }

    #[test]
    fn namespace_object_paths() {
        assert_eq!(
            path(Request::get().resource("namespaces").name("kube-system")),
            "/api/v1/namespaces/kube-system"
        );
        assert_eq!(
            path(
                Request::put()
                    .resource("namespaces")
                    .name("x")
                    .subresource("finalize")
            ),
            "/api/v1/namespaces/x/finalize"
        );
    }

    #[test]
    fn absolute_paths() {
        assert_eq!(path(Request::get().abs_path("/version")), "/version");
        assert_eq!(path(Request::get().abs_path("/apis/")), "/apis");
        assert!(Request::get().abs_path("version").build().is_err());
    }

    #[test]
    fn query_parameters_are_encoded_in_order() {
        let p = path(
            Request::get()
                .resource("pods")
                .param("labelSelector", "app in (a,b),tier!=x")
                .param_opt("limit", Some("500"))
                .param_opt("continue", None::<&str>),
        );
        assert_eq!(
            p,
            "/api/v1/pods?labelSelector=app+in+%28a%2Cb%29%2Ctier%21%3Dx&limit=500"
        );
    }

    #[test]
    fn timeout_goes_into_the_query_in_go_format() {
        let req = Request::get()
            .resource("pods")
            .timeout(Duration::from_secs(90))
            .build()
            .unwrap();
        assert_eq!(req.path_and_query(), "/api/v1/pods?timeout=1m30s");
        assert_eq!(req.timeout(), Some(Duration::from_secs(90)));
    }

    #[test]
    fn rejects_bad_names_before_sending() {
        for bad in ["", ".", "..", "a/b", "50%"] {
            let err = Request::get()
                .resource("pods")
                .name(bad)
                .build()
                .unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::InvalidRequest(RequestError::InvalidSegment { what: "name", .. })
                ),
                "{bad:?}"
            );
            assert!(err.to_string().contains("invalid name"), "{err}");
        }
        assert!(
            Request::get()
                .namespace("a/b")
                .resource("pods")
                .build()
                .is_err()
        );
    }

    #[test]
    fn segments_are_percent_encoded_as_go_does() {
        let req = Request::put()
            .namespace("ns")
            .resource("pods")
            .name("x#y?z w\u{7}é")
            .subresource("status")
            .build()
            .unwrap();
        assert_eq!(
            req.path_and_query(),
            "/api/v1/namespaces/ns/pods/x%23y%3Fz%20w%07%C3%A9/status"
        );
        // What Go leaves alone stays as it is.
        assert_eq!(
            path(
                Request::get()
                    .resource("roles")
                    .name("system:a@b=c+d,e;f&g$h~i")
            ),
            "/api/v1/roles/system:a@b=c+d,e;f&g$h~i"
        );
    }

    #[test]
    fn first_error_wins() {
        let err = Request::get()
            .namespace("..")
            .resource("pods")
            .name("/")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("invalid namespace"), "{err}");
    }

    #[test]
    fn explicit_empty_namespace_rules() {
        assert!(
            Request::post()
                .namespace("")
                .resource("pods")
                .build()
                .is_err()
        );
        assert!(
            Request::get()
                .namespace("")
                .resource("pods")
                .name("x")
                .build()
                .is_err()
        );
        assert!(
            Request::delete()
                .namespace("")
                .resource("pods")
                .name("x")
                .build()
                .is_err()
        );
        // A list across namespaces with an empty namespace is fine.
        assert_eq!(
            path(Request::get().namespace("").resource("pods")),
            "/api/v1/pods"
        );
    }

    #[test]
    fn subresource_needs_a_name() {
        assert!(
            Request::get()
                .resource("pods")
                .subresource("status")
                .build()
                .is_err()
        );
    }

    #[test]
    fn template_hides_names() {
        let req = Request::get()
            .namespace("ns")
            .resource("pods")
            .name("p")
            .subresource("log")
            .build()
            .unwrap();
        assert_eq!(
            req.template(),
            "/api/v1/namespaces/{namespace}/pods/{name}/log"
        );
        assert_eq!(req.operation(), "GET /api/v1/namespaces/ns/pods/p/log");
    }

    #[test]
    fn body_debug_hides_content() {
        let req = Request::post()
            .resource("secrets")
            .namespace("n")
            .json_body(&serde_json::json!({"data": {"k": "c2VjcmV0"}}))
            .build()
            .unwrap();
        let dbg = format!("{req:?}");
        assert!(!dbg.contains("c2VjcmV0"), "{dbg}");
        assert!(dbg.contains("bytes"));
    }
}
