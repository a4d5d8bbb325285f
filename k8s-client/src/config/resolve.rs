//! Resolving a kubeconfig context into a [`Config`].

use std::path::Path;

use rustls_pki_types::CertificateDer;

use super::auth::Auth;
use super::auth::exec::{
    EXEC_EXTENSION, EXEC_TIMEOUT, ExecAuth, ExecClusterInfo, ExecSpec, V1, V1BETA1,
};
use super::auth::oidc::OidcAuth;
use super::auth::token_file::{REFRESH_PERIOD, TokenFile};
use super::error::ConfigError;
use super::kubeconfig::{
    AuthInfo, Cluster, ConfigPath, Context, ExecConfig, Kubeconfig, NamedAuthInfo, NamedCluster,
    Origin,
};
use super::pem::{self, ClientIdentity};
use super::url::ClusterUrl;
use super::{Config, Impersonation, KubeConfigOptions};
use crate::names::is_dns1123_label;

/// `users[1] "bob"`.
fn object(list: &str, origin: &Origin, name: &str) -> String {
    format!("{list}[{}] {name:?}", origin.index)
}

/// A field of one kubeconfig object, for error messages.
struct Place<'a> {
    origin: &'a Origin,
    object: String,
}

impl Place<'_> {
    fn invalid(&self, field: &str, message: impl Into<String>) -> ConfigError {
        ConfigError::invalid(self.origin.describe(), self.object.clone(), field, message)
    }

    fn read_err(&self, field: &str, path: &Path, source: std::io::Error) -> ConfigError {
        ConfigError::Read {
            what: format!("{}: {}: {field}", self.origin.describe(), self.object),
            path: path.to_path_buf(),
            source,
        }
    }

    /// The bytes of a `<field>-data` (base64) or `<field>` (file) pair; data wins.
    async fn data_or_file(
        &self,
        field: &str,
        data: Option<&str>,
        file: Option<&ConfigPath>,
    ) -> Result<Option<Vec<u8>>, ConfigError> {
        if let Some(d) = data.filter(|d| !d.is_empty()) {
            let field = format!("{field}-data");
            return pem::decode_base64(d)
                .map(Some)
                .map_err(|m| self.invalid(&field, m));
        }
        match file.filter(|f| !f.is_empty()) {
            Some(f) => tokio::fs::read(f.path())
                .await
                .map(Some)
                .map_err(|e| self.read_err(field, f.path(), e)),
            None => Ok(None),
        }
    }
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

pub(crate) async fn resolve(
    kc: &Kubeconfig,
    options: &KubeConfigOptions,
) -> Result<Config, ConfigError> {
    let context_name = options.context.as_deref().or(kc.current_context());
    let named_context = match context_name {
        Some(name) => Some(kc.context(name).ok_or_else(|| ConfigError::NotFound {
            kind: "context",
            name: name.to_owned(),
        })?),
        None if options.cluster.is_some() => None,
        None => return Err(ConfigError::NoCurrentContext),
    };
    let default_context = Context::default();
    let context = named_context.map_or(&default_context, |c| &c.context);
    let context_field = |field: &str, message: String| match named_context {
        Some(c) => ConfigError::invalid(
            c.origin.describe(),
            object("contexts", &c.origin, &c.name),
            field,
            message,
        ),
        None => ConfigError::invalid("kubeconfig", "options", field, message),
    };

    let cluster_name = options.cluster.as_deref().unwrap_or(&context.cluster);
    if cluster_name.is_empty() {
        return Err(context_field("cluster", "no cluster set".to_owned()));
    }
    let named_cluster = kc
        .cluster(cluster_name)
        .ok_or_else(|| ConfigError::NotFound {
            kind: "cluster",
            name: cluster_name.to_owned(),
        })?;
    let user_name = options.user.as_deref().unwrap_or(&context.user);
    let named_user = match user_name {
        "" => None,
        name => Some(kc.user(name).ok_or_else(|| ConfigError::NotFound {
            kind: "user",
            name: name.to_owned(),
        })?),
    };

    let (mut config, cluster_ca) = resolve_cluster(named_cluster).await?;
    if let Some(ns) = non_empty(&context.namespace) {
        if !is_dns1123_label(ns) {
            let message = format!("{ns:?} is not a valid namespace name (DNS-1123 label)");
            return Err(context_field("namespace", message));
        }
        config.default_namespace = ns.to_owned();
    }

    // client-go applies user credentials only to https servers.
    if let Some(user) = named_user.filter(|_| config.cluster_url.is_https()) {
        resolve_user(&mut config, user, &named_cluster.cluster, cluster_ca).await?;
    }
    Ok(config)
}

async fn resolve_cluster(named: &NamedCluster) -> Result<(Config, Option<Vec<u8>>), ConfigError> {
    let place = Place {
        origin: &named.origin,
        object: object("clusters", &named.origin, &named.name),
    };
    let c: &Cluster = &named.cluster;
    if c.server.is_empty() {
        return Err(place.invalid("server", "no server defined"));
    }
    let url: ClusterUrl = c
        .server
        .parse()
        .map_err(|e| place.invalid("server", format!("{e}")))?;
    let ca = place
        .data_or_file(
            "certificate-authority",
            c.certificate_authority_data.as_deref(),
            c.certificate_authority.as_ref(),
        )
        .await?;
    let root_certs: Vec<CertificateDer<'static>> = match &ca {
        Some(pem_bytes) => {
            let field = if non_empty(&c.certificate_authority_data).is_some() {
                "certificate-authority-data"
            } else {
                "certificate-authority"
            };
            pem::parse_certs(pem_bytes).map_err(|m| place.invalid(field, m))?
        }
        None => Vec::new(),
    };
    if c.insecure_skip_tls_verify && !root_certs.is_empty() {
        return Err(place.invalid(
            "insecure-skip-tls-verify",
            "cannot be combined with certificate-authority(-data)",
        ));
    }
    let mut config = Config::new(url);
    config.root_certs = root_certs;
    config.accept_invalid_certs = c.insecure_skip_tls_verify;
    config.tls_server_name = non_empty(&c.tls_server_name).map(str::to_owned);
    config.proxy_url = non_empty(&c.proxy_url).map(str::to_owned);
    config.disable_compression = c.disable_compression;
    Ok((config, ca))
}

async fn resolve_user(
    config: &mut Config,
    named: &NamedAuthInfo,
    cluster: &Cluster,
    cluster_ca: Option<Vec<u8>>,
) -> Result<(), ConfigError> {
    let place = Place {
        origin: &named.origin,
        object: object("users", &named.origin, &named.name),
    };
    let u: &AuthInfo = &named.auth_info;

    let has_token = u.token.as_ref().is_some_and(|t| !t.is_empty())
        || u.token_file.as_ref().is_some_and(|t| !t.is_empty());
    let has_basic =
        non_empty(&u.username).is_some() || u.password.as_ref().is_some_and(|p| !p.is_empty());
    let methods: Vec<&'static str> = [
        (has_token, "token"),
        (has_basic, "basicAuth"),
        (u.exec.is_some(), "exec"),
        (u.auth_provider.is_some(), "auth-provider"),
    ]
    .into_iter()
    .filter_map(|(on, name)| on.then_some(name))
    .collect();
    if methods.len() > 1 {
        return Err(ConfigError::MultipleAuthMethods {
            origin: place.origin.describe(),
            object: place.object.clone(),
            methods,
        });
    }

    config.client_identity = client_identity(&place, u).await?;
    config.impersonate = impersonation(&place, u)?;

    if let Some(token) = u.token.as_ref().filter(|t| !t.is_empty()) {
        config.auth = Auth::bearer(token.clone());
    } else if let Some(file) = u.token_file.as_ref().filter(|t| !t.is_empty()) {
        config.auth =
            Auth::from_token_file(TokenFile::new(file.path().to_path_buf(), REFRESH_PERIOD));
    } else if has_basic {
        config.auth = Auth::basic(
            u.username.clone().unwrap_or_default(),
            u.password.clone().unwrap_or_default(),
        );
    } else if let Some(exec) = &u.exec {
        let info = exec
            .provide_cluster_info
            .then(|| exec_cluster_info(cluster, cluster_ca));
        config.exec_cluster_info = info.clone();
        config.auth = Auth::from_exec(ExecAuth::new(exec_spec(&place, exec, info)?));
    } else if let Some(provider) = &u.auth_provider {
        let field = "auth-provider";
        match provider.name.as_str() {
            "oidc" => {
                let cfg = provider.config.clone().unwrap_or_default();
                let get = |k: &str| {
                    cfg.get(k)
                        .map(|v| v.expose_secret().to_owned())
                        .filter(|v| !v.is_empty())
                };
                let ca = place
                    .data_or_file(
                        "idp-certificate-authority",
                        get("idp-certificate-authority-data").as_deref(),
                        get("idp-certificate-authority")
                            .map(ConfigPath::new)
                            .as_ref(),
                    )
                    .await?;
                let roots = match ca {
                    Some(bytes) => pem::parse_certs(&bytes).map_err(|m| {
                        place.invalid("auth-provider.config.idp-certificate-authority", m)
                    })?,
                    None => Vec::new(),
                };
                config.auth = Auth::from_oidc(OidcAuth::new(&cfg, roots));
            }
            "gcp" => {
                return Err(place.invalid(
                    field,
                    "the gcp auth-provider was removed from Kubernetes clients; use the exec plugin gke-gcloud-auth-plugin instead",
                ));
            }
            "azure" => {
                return Err(place.invalid(
                    field,
                    "the azure auth-provider was removed from Kubernetes clients; use the exec plugin kubelogin instead",
                ));
            }
            other => {
                return Err(place.invalid(field, format!("unknown auth-provider {other:?}")));
            }
        }
    }
    Ok(())
}

async fn client_identity(
    place: &Place<'_>,
    u: &AuthInfo,
) -> Result<Option<ClientIdentity>, ConfigError> {
    let cert = place
        .data_or_file(
            "client-certificate",
            u.client_certificate_data.as_deref(),
            u.client_certificate.as_ref(),
        )
        .await?;
    let key_data = u.client_key_data.as_ref().map(|k| k.expose_secret());
    let key = place
        .data_or_file("client-key", key_data, u.client_key.as_ref())
        .await?;
    let cert_field = if non_empty(&u.client_certificate_data).is_some() {
        "client-certificate-data"
    } else {
        "client-certificate"
    };
    let key_field = if key_data.is_some_and(|k| !k.is_empty()) {
        "client-key-data"
    } else {
        "client-key"
    };
    match (cert, key) {
        (None, None) => Ok(None),
        (Some(_), None) => {
            Err(place.invalid(cert_field, "client certificate without client-key(-data)"))
        }
        (None, Some(_)) => {
            Err(place.invalid(key_field, "client key without client-certificate(-data)"))
        }
        (Some(cert), Some(key)) => {
            let chain = pem::parse_certs(&cert).map_err(|m| place.invalid(cert_field, m))?;
            let key = pem::parse_key(&key).map_err(|m| place.invalid(key_field, m))?;
            Ok(Some(ClientIdentity::new(chain, key)))
        }
    }
}

fn impersonation(place: &Place<'_>, u: &AuthInfo) -> Result<Option<Impersonation>, ConfigError> {
    let uid = non_empty(&u.impersonate_uid).map(str::to_owned);
    match non_empty(&u.impersonate) {
        Some(user) => Ok(Some(Impersonation {
            user: user.to_owned(),
            uid,
            groups: u.impersonate_groups.clone(),
            extra: u.impersonate_user_extra.clone(),
        })),
        None if uid.is_some() => {
            Err(place.invalid("as-uid", "requires as (the user to impersonate)"))
        }
        None if !u.impersonate_groups.is_empty() => {
            Err(place.invalid("as-groups", "requires as (the user to impersonate)"))
        }
        None if !u.impersonate_user_extra.is_empty() => {
            Err(place.invalid("as-user-extra", "requires as (the user to impersonate)"))
        }
        None => Ok(None),
    }
}

fn exec_cluster_info(c: &Cluster, ca: Option<Vec<u8>>) -> ExecClusterInfo {
    ExecClusterInfo {
        server: c.server.clone(),
        tls_server_name: non_empty(&c.tls_server_name).map(str::to_owned),
        insecure_skip_tls_verify: c.insecure_skip_tls_verify,
        certificate_authority_data: ca,
        proxy_url: non_empty(&c.proxy_url).map(str::to_owned),
        disable_compression: c.disable_compression,
        config: c
            .extensions
            .iter()
            .find(|e| e.name == EXEC_EXTENSION)
            .map(|e| e.extension.clone()),
    }
}

fn exec_spec(
    place: &Place<'_>,
    e: &ExecConfig,
    cluster: Option<ExecClusterInfo>,
) -> Result<ExecSpec, ConfigError> {
    if e.command.is_empty() {
        return Err(place.invalid("exec.command", "is required"));
    }
    let env = e.env.as_deref().unwrap_or_default();
    if let Some(i) = env.iter().position(|v| v.name.is_empty()) {
        return Err(place.invalid(format!("exec.env[{i}].name").as_str(), "is required"));
    }
    let api_version = e.api_version.clone().unwrap_or_default();
    if api_version != V1 && api_version != V1BETA1 {
        return Err(place.invalid(
            "exec.apiVersion",
            format!("{api_version:?} is not supported; use {V1:?} or {V1BETA1:?}"),
        ));
    }
    let mode = match e.interactive_mode.as_deref().filter(|m| !m.is_empty()) {
        Some(m) => m,
        None if api_version == V1 => {
            return Err(place.invalid("exec.interactiveMode", format!("is required for {V1}")));
        }
        None => "IfAvailable",
    };
    match mode {
        "Never" | "IfAvailable" => {}
        "Always" => {
            return Err(place.invalid(
                "exec.interactiveMode",
                "Always needs an interactive terminal, which this client never provides",
            ));
        }
        other => {
            return Err(place.invalid(
                "exec.interactiveMode",
                format!("{other:?} is not one of Never, IfAvailable, Always"),
            ));
        }
    }
    Ok(ExecSpec {
        command: e.command.as_written().to_owned(),
        program: e.command.path().to_path_buf(),
        args: e.args.clone().unwrap_or_default(),
        env: env
            .iter()
            .map(|v| (v.name.clone(), v.value.clone()))
            .collect(),
        api_version,
        install_hint: non_empty(&e.install_hint).map(str::to_owned),
        cluster,
        timeout: EXEC_TIMEOUT,
    })
}
