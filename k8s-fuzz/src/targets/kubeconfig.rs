//! The kubeconfig loader: YAML text to [`Kubeconfig`], `kubectl config view`
//! of it, merging, and resolution of its contexts to a [`Config`].

use k8s_client::config::view::{ViewOptions, view};
use k8s_client::config::{Config, KubeConfigOptions, Kubeconfig};

/// How many contexts of one input are resolved (each is a small async run).
const CONTEXTS_RESOLVED: usize = 4;

/// Parses `data` as a kubeconfig; of one that parses, checks that:
/// - `kubectl config view --raw` of it reads back as a kubeconfig that views
///   the same (kubectl users save that output as their kubeconfig);
/// - merging it into itself changes nothing;
/// - views, minified or not, and resolving its contexts never panic, and no
///   secret it holds (token, password, client key, exec env, OIDC tokens)
///   appears in a resolved config's `Debug` or in an error.
pub fn kubeconfig(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let kc = match Kubeconfig::from_yaml(text) {
        Ok(kc) => kc,
        Err(e) => {
            let _ = (e.to_string(), format!("{e:?}"));
            return;
        }
    };
    assert_eq!(kc.clone().merge(kc.clone()), kc, "merging into itself");

    let raw = ViewOptions {
        raw: true,
        ..ViewOptions::default()
    };
    if let Ok(v) = view(&kc, &raw)
        && yaml_printable(&v.to_json_pretty())
    {
        let first = v.to_json_pretty();
        let back = Kubeconfig::from_yaml(&first)
            .unwrap_or_else(|e| panic!("view --raw does not read back: {e}\n{first}"));
        let second = view(&back, &raw)
            .unwrap_or_else(|e| panic!("view of the view fails: {e}"))
            .to_json_pretty();
        assert_eq!(first, second, "view --raw of view --raw");
    }

    // What may appear in text: what the redacted view shows.
    let shown = view(&kc, &ViewOptions::default())
        .map(|v| v.to_json_pretty())
        .unwrap_or_default();
    let secrets: Vec<String> = secrets(&kc)
        .into_iter()
        .filter(|s| looks_like_a_secret(s) && !shown.contains(s.as_str()))
        .collect();
    let check = |what: &str, text: String| {
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "secret {s:?} in {what}: {text}");
        }
    };

    let names = std::iter::once(None).chain(
        kc.contexts
            .iter()
            .take(CONTEXTS_RESOLVED)
            .map(|c| Some(c.name.clone())),
    );
    let pure = without_files(kc.clone());
    for context in names {
        let minify = ViewOptions {
            minify: true,
            context: context.clone(),
            ..ViewOptions::default()
        };
        match view(&kc, &minify) {
            Ok(v) => check("view --minify", v.to_json_pretty()),
            Err(e) => check("a view error", format!("{e} {e:?}")),
        }
        let options = KubeConfigOptions {
            context,
            ..KubeConfigOptions::default()
        };
        match block_on(Config::from_custom_kubeconfig(pure.clone(), &options)) {
            Ok(config) => check("Config's Debug", format!("{config:?}")),
            Err(e) => check("a resolve error", format!("{e} {e:?}")),
        }
    }
}

/// The kubeconfig with every file it names removed (CA, client certificate
/// and key, token file), so that resolving it reads nothing from disk: an
/// input naming `/dev/zero` would otherwise read forever.
fn without_files(mut kc: Kubeconfig) -> Kubeconfig {
    for c in &mut kc.clusters {
        c.cluster.certificate_authority = None;
    }
    for u in &mut kc.users {
        let a = &mut u.auth_info;
        a.client_certificate = None;
        a.client_key = None;
        a.token_file = None;
    }
    kc
}

/// Every credential of the kubeconfig.
fn secrets(kc: &Kubeconfig) -> Vec<String> {
    let mut out = Vec::new();
    for u in &kc.users {
        let a = &u.auth_info;
        for s in [&a.token, &a.password, &a.client_key_data]
            .into_iter()
            .flatten()
        {
            out.push(s.expose_secret().to_owned());
        }
        if let Some(exec) = &a.exec {
            for e in exec.env.iter().flatten() {
                out.push(e.value.expose_secret().to_owned());
            }
        }
        if let Some(config) = a.auth_provider.as_ref().and_then(|p| p.config.as_ref()) {
            for key in ["id-token", "refresh-token", "client-secret"] {
                if let Some(s) = config.get(key) {
                    out.push(s.expose_secret().to_owned());
                }
            }
        }
    }
    out
}

/// Whether YAML allows every character of `text` unescaped. A view is JSON
/// as Go writes it, which leaves C1 controls and DEL unescaped (`"\u008c"`
/// in a kubeconfig is written back raw); YAML readers, go-yaml as this
/// crate's, reject them, so kubectl cannot read back such a view of its own
/// either. Found by the kubeconfig target; not a difference from kubectl.
fn yaml_printable(text: &str) -> bool {
    text.chars().all(super::yaml_printable)
}

/// A value long and random-looking enough that finding it in a message
/// means the value leaked, not that a message happens to contain the word
/// (a token `certificate` would be "found" in many messages).
fn looks_like_a_secret(s: &str) -> bool {
    s.len() >= 10
        && s.bytes().any(|b| b.is_ascii_digit())
        && s.bytes().any(|b| b.is_ascii_alphabetic())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-+/=".contains(&b))
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    thread_local! {
        static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a current-thread runtime");
    }
    RUNTIME.with(|rt| rt.block_on(future))
}
