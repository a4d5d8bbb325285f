//! `kubectl config view -o json`: the merged kubeconfig as kubectl prints it.
//!
//! ```
//! use k8s_client::config::Kubeconfig;
//! use k8s_client::config::view::{ViewOptions, view};
//! let kc = Kubeconfig::from_yaml("users:\n- name: u\n  user: {token: s3cr3t}\n")?;
//! let json = view(&kc, &ViewOptions::default())?.to_json_pretty();
//! assert!(json.contains("\"token\": \"REDACTED\""));
//! assert!(!json.contains("s3cr3t"));
//! # Ok::<(), k8s_client::config::ConfigError>(())
//! ```

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::Serialize;

use super::error::ConfigError;
use super::kubeconfig::{
    AuthInfo, Cluster, ConfigPath, Context, ExecConfig, Kubeconfig, NamedExtension,
};
use super::secret::SecretString;

const DATA_OMITTED: &str = "DATA+OMITTED";
const REDACTED: &str = "REDACTED";

/// Options of `kubectl config view`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ViewOptions {
    /// `--minify`: keep only one context, its cluster and user, and make it current.
    pub minify: bool,
    /// `--raw`: print secrets and `*-data` as they are.
    pub raw: bool,
    /// `--context`: the context to keep with `minify` (default: current-context).
    /// Ignored without `minify`, as in kubectl.
    pub context: Option<String>,
}

/// The document `kubectl config view -o json` prints. Serialize it, or use
/// [`to_json_pretty`](Self::to_json_pretty) for kubectl's exact text.
#[derive(Clone, Debug, Serialize)]
pub struct ConfigView {
    kind: &'static str,
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    // client-go v0.34 marks preferences `omitzero`: absent unless set.
    #[serde(skip_serializing_if = "PreferencesView::is_zero")]
    preferences: PreferencesView,
    clusters: Option<Vec<Named<ClusterView>>>,
    users: Option<Vec<Named<UserView>>>,
    contexts: Option<Vec<Named<ContextView>>>,
    #[serde(rename = "current-context")]
    current_context: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    extensions: Vec<ExtensionView>,
}

impl PreferencesView {
    fn is_zero(&self) -> bool {
        !self.colors && self.extensions.is_empty()
    }
}

#[derive(Clone, Debug, Serialize)]
struct Named<T> {
    name: String,
    #[serde(flatten)]
    item: T,
}

#[derive(Clone, Debug, Serialize)]
struct ExtensionView {
    name: String,
    extension: serde_json::Value,
}

#[derive(Clone, Debug, Serialize)]
struct PreferencesView {
    #[serde(skip_serializing_if = "is_false")]
    colors: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    extensions: Vec<ExtensionView>,
}

#[derive(Clone, Debug, Serialize)]
struct ClusterView {
    cluster: ClusterFields,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
struct ClusterFields {
    server: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    tls_server_name: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    insecure_skip_tls_verify: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    certificate_authority: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    certificate_authority_data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    proxy_url: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    disable_compression: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    extensions: Vec<ExtensionView>,
}

#[derive(Clone, Debug, Serialize)]
struct UserView {
    user: UserFields,
}

// Debug is derived for the view types, but they only hold secrets in `raw` mode, which
// the caller asked for explicitly.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
struct UserFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    client_certificate: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_certificate_data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_key_data: Option<SecretString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<SecretString>,
    #[serde(rename = "tokenFile", skip_serializing_if = "Option::is_none")]
    token_file: Option<String>,
    #[serde(rename = "as", skip_serializing_if = "Option::is_none")]
    impersonate: Option<String>,
    #[serde(rename = "as-uid", skip_serializing_if = "Option::is_none")]
    impersonate_uid: Option<String>,
    #[serde(rename = "as-groups", skip_serializing_if = "Vec::is_empty")]
    impersonate_groups: Vec<String>,
    #[serde(rename = "as-user-extra", skip_serializing_if = "BTreeMap::is_empty")]
    impersonate_user_extra: BTreeMap<String, Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<SecretString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_provider: Option<AuthProviderView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exec: Option<ExecView>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    extensions: Vec<ExtensionView>,
}

#[derive(Clone, Debug, Serialize)]
struct AuthProviderView {
    name: String,
    config: Option<BTreeMap<String, SecretString>>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ExecView {
    command: String,
    args: Option<Vec<String>>,
    env: Option<Vec<EnvView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    api_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    install_hint: Option<String>,
    provide_cluster_info: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    interactive_mode: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
struct EnvView {
    name: String,
    value: SecretString,
}

#[derive(Clone, Debug, Serialize)]
struct ContextView {
    context: ContextFields,
}

#[derive(Clone, Debug, Serialize)]
struct ContextFields {
    cluster: String,
    user: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    extensions: Vec<ExtensionView>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.clone().filter(|s| !s.is_empty())
}

fn path(p: &Option<ConfigPath>) -> Option<String> {
    p.as_ref()
        .filter(|p| !p.is_empty())
        .map(|p| p.as_written().to_owned())
}

/// `*-data`: re-encoded canonically with `raw` (kubectl decodes and re-encodes), else
/// `DATA+OMITTED`.
fn data(d: Option<&str>, raw: bool) -> Option<String> {
    let d = d.filter(|d| !d.is_empty())?;
    if !raw {
        return Some(DATA_OMITTED.to_owned());
    }
    let cleaned: String = d.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let engine = base64::engine::general_purpose::STANDARD;
    Some(
        engine
            .decode(&cleaned)
            .map(|b| engine.encode(b))
            .unwrap_or(cleaned),
    )
}

fn secret(s: &Option<SecretString>, raw: bool) -> Option<SecretString> {
    let s = s.as_ref().filter(|s| !s.is_empty())?;
    Some(if raw {
        s.clone()
    } else {
        SecretString::new(REDACTED)
    })
}

fn extensions(e: &[NamedExtension]) -> Vec<ExtensionView> {
    let mut v: Vec<ExtensionView> = e
        .iter()
        .map(|e| ExtensionView {
            name: e.name.clone(),
            extension: e.extension.clone(),
        })
        .collect();
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v
}

fn cluster_view(c: &Cluster, raw: bool) -> ClusterView {
    ClusterView {
        cluster: ClusterFields {
            server: c.server.clone(),
            tls_server_name: non_empty(&c.tls_server_name),
            insecure_skip_tls_verify: c.insecure_skip_tls_verify,
            certificate_authority: path(&c.certificate_authority),
            certificate_authority_data: data(c.certificate_authority_data.as_deref(), raw),
            proxy_url: non_empty(&c.proxy_url),
            disable_compression: c.disable_compression,
            extensions: extensions(&c.extensions),
        },
    }
}

fn exec_view(e: &ExecConfig) -> ExecView {
    let api_version = non_empty(&e.api_version);
    let interactive_mode =
        non_empty(&e.interactive_mode).or_else(|| match api_version.as_deref() {
            // client-go defaults interactiveMode for the older versions when decoding.
            Some(
                "client.authentication.k8s.io/v1beta1" | "client.authentication.k8s.io/v1alpha1",
            ) => Some("IfAvailable".to_owned()),
            _ => None,
        });
    ExecView {
        command: e.command.as_written().to_owned(),
        args: e.args.clone(),
        env: e.env.as_ref().map(|env| {
            env.iter()
                .map(|v| EnvView {
                    name: v.name.clone(),
                    value: v.value.clone(),
                })
                .collect()
        }),
        api_version,
        install_hint: non_empty(&e.install_hint),
        provide_cluster_info: e.provide_cluster_info,
        interactive_mode,
    }
}

fn user_view(u: &AuthInfo, raw: bool) -> UserView {
    UserView {
        user: UserFields {
            client_certificate: path(&u.client_certificate),
            client_certificate_data: data(u.client_certificate_data.as_deref(), raw),
            client_key: path(&u.client_key),
            client_key_data: data(u.client_key_data.as_ref().map(|k| k.expose_secret()), raw)
                .map(SecretString::new),
            token: secret(&u.token, raw),
            token_file: path(&u.token_file),
            impersonate: non_empty(&u.impersonate),
            impersonate_uid: non_empty(&u.impersonate_uid),
            impersonate_groups: u.impersonate_groups.clone(),
            impersonate_user_extra: u.impersonate_user_extra.clone(),
            username: non_empty(&u.username),
            password: secret(&u.password, raw),
            auth_provider: u.auth_provider.as_ref().map(|p| AuthProviderView {
                name: p.name.clone(),
                config: p.config.clone(),
            }),
            exec: u.exec.as_ref().map(exec_view),
            extensions: extensions(&u.extensions),
        },
    }
}

fn context_view(c: &Context) -> ContextView {
    ContextView {
        context: ContextFields {
            cluster: c.cluster.clone(),
            user: c.user.clone(),
            namespace: non_empty(&c.namespace),
            extensions: extensions(&c.extensions),
        },
    }
}

/// Sorted by name like kubectl (which holds them in a map); `null` when empty.
fn sorted<T>(mut v: Vec<Named<T>>) -> Option<Vec<Named<T>>> {
    v.sort_by(|a, b| a.name.cmp(&b.name));
    (!v.is_empty()).then_some(v)
}

/// Renders `kubeconfig` (normally the merged chain, with paths as written) the way
/// `kubectl config view -o json` does.
///
/// With `minify`, a missing current-context is [`ConfigError::NoCurrentContext`] and a
/// context, cluster or user that it names but that does not exist is
/// [`ConfigError::NotFound`], as in kubectl.
pub fn view(kubeconfig: &Kubeconfig, options: &ViewOptions) -> Result<ConfigView, ConfigError> {
    let raw = options.raw;
    let mut current = kubeconfig.current_context().unwrap_or("").to_owned();
    let (clusters, users, contexts) = if options.minify {
        let name = options
            .context
            .as_deref()
            .filter(|c| !c.is_empty())
            .or(kubeconfig.current_context())
            .ok_or(ConfigError::NoCurrentContext)?;
        let ctx = kubeconfig
            .context(name)
            .ok_or_else(|| ConfigError::NotFound {
                kind: "context",
                name: name.to_owned(),
            })?;
        let mut clusters = Vec::new();
        if !ctx.context.cluster.is_empty() {
            let c =
                kubeconfig
                    .cluster(&ctx.context.cluster)
                    .ok_or_else(|| ConfigError::NotFound {
                        kind: "cluster",
                        name: ctx.context.cluster.clone(),
                    })?;
            clusters.push(c);
        }
        let mut users = Vec::new();
        if !ctx.context.user.is_empty() {
            let u = kubeconfig
                .user(&ctx.context.user)
                .ok_or_else(|| ConfigError::NotFound {
                    kind: "user",
                    name: ctx.context.user.clone(),
                })?;
            users.push(u);
        }
        current = name.to_owned();
        (clusters, users, vec![ctx])
    } else {
        (
            kubeconfig.clusters.iter().collect(),
            kubeconfig.users.iter().collect(),
            kubeconfig.contexts.iter().collect(),
        )
    };
    Ok(ConfigView {
        kind: "Config",
        api_version: "v1",
        preferences: PreferencesView {
            colors: kubeconfig.preferences.colors,
            extensions: extensions(&kubeconfig.preferences.extensions),
        },
        clusters: sorted(
            clusters
                .into_iter()
                .map(|c| Named {
                    name: c.name.clone(),
                    item: cluster_view(&c.cluster, raw),
                })
                .collect(),
        ),
        users: sorted(
            users
                .into_iter()
                .map(|u| Named {
                    name: u.name.clone(),
                    item: user_view(&u.auth_info, raw),
                })
                .collect(),
        ),
        contexts: sorted(
            contexts
                .into_iter()
                .map(|c| Named {
                    name: c.name.clone(),
                    item: context_view(&c.context),
                })
                .collect(),
        ),
        current_context: current,
        extensions: extensions(&kubeconfig.extensions),
    })
}

impl ConfigView {
    /// The JSON text exactly as kubectl prints it: 4-space indentation, and `<`, `>`, `&`,
    /// U+2028 and U+2029 escaped as Go does. No trailing newline.
    pub fn to_json_pretty(&self) -> String {
        let mut buf = Vec::new();
        let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
        let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
        // Serializing these plain structs cannot fail.
        if self.serialize(&mut ser).is_err() {
            return String::new();
        }
        let text = String::from_utf8_lossy(&buf);
        // These characters only occur inside JSON strings, so replacing them is safe.
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                '<' => out.push_str("\\u003c"),
                '>' => out.push_str("\\u003e"),
                '&' => out.push_str("\\u0026"),
                '\u{2028}' => out.push_str("\\u2028"),
                '\u{2029}' => out.push_str("\\u2029"),
                c => out.push(c),
            }
        }
        out
    }
}
