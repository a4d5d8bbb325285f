use std::time::Duration;

use bytes::Bytes;
use serde::Serialize;

use super::{Accept, go_duration};
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
        let path = self.path_and_query.split('?').next().unwrap_or_default();
        format!("{} {path}", self.verb.as_str())
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
            error: None,
        }
    }

    fn fail(&mut self, message: String) {
        if self.error.is_none() {
            self.error = Some(Error::InvalidRequest(message));
        }
    }

    /// Addresses a group and version: `/api/v1` for the core group (`""`),
    /// `/apis/GROUP/VERSION` otherwise.
    pub fn group_version(mut self, group: &str, version: &str) -> Self {
        self.prefix = if group.is_empty() {
            format!("/api/{version}")
        } else {
            format!("/apis/{group}/{version}")
        };
        self
    }

    /// Uses an absolute path such as `/version` or `/apis` instead of a resource URL.
    pub fn abs_path(mut self, path: &str) -> Self {
        if !path.starts_with('/') {
            self.fail(format!("absolute path {path:?} must start with '/'"));
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
        if let Err(why) = validate_segment(namespace, true) {
            self.fail(format!("invalid namespace {namespace:?}: {why}"));
        }
        self.namespace = Some(namespace.to_owned());
        self
    }

    /// The resource, such as `pods`.
    pub fn resource(mut self, resource: &str) -> Self {
        if let Err(why) = validate_segment(resource, false) {
            self.fail(format!("invalid resource {resource:?}: {why}"));
        }
        self.resource = Some(resource.to_owned());
        self
    }

    /// The object's name. Names must not be empty, `.` or `..`, nor contain `/` or `%`.
    pub fn name(mut self, name: &str) -> Self {
        if let Err(why) = validate_segment(name, false) {
            self.fail(format!("invalid name {name:?}: {why}"));
        }
        self.name = Some(name.to_owned());
        self
    }

    /// A subresource such as `status`, `scale` or `log`.
    pub fn subresource(mut self, subresource: &str) -> Self {
        if let Err(why) = validate_segment(subresource, false) {
            self.fail(format!("invalid subresource {subresource:?}: {why}"));
        }
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
                if self.error.is_none() {
                    self.error = Some(Error::Encode(e));
                }
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
            return Err(Error::InvalidRequest(format!(
                "an empty namespace may not be set for {} with a name or on create",
                self.verb.as_str()
            )));
        }
        if self.subresource.is_some() && self.name.is_none() {
            return Err(Error::InvalidRequest(
                "a subresource needs an object name".to_owned(),
            ));
        }

        let mut path = self.prefix.clone();
        let mut template = self.prefix;
        let mut push = |literal: &str, placeholder: &str| {
            if !path.ends_with('/') {
                path.push('/');
                template.push('/');
            }
            path.push_str(literal);
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
        })
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
            assert!(matches!(err, Error::InvalidRequest(_)), "{bad:?}");
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
