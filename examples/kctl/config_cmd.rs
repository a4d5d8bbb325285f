//! `config view`, `config get-contexts`, `config current-context` and
//! `config use-context`: the kubeconfig, without talking to a server.

use std::path::{Path, PathBuf};

use k8s_client::config::view::{ViewOptions, view as config_view};
use k8s_client::config::{
    KUBECONFIG_ENV, Kubeconfig, LockedKubeconfig, RECOMMENDED_HOME_FILE, kubeconfig_paths,
};

use crate::cli::Global;
use crate::error::Failure;
use crate::session::load_kubeconfig;
use crate::table::align;
use crate::yaml::to_yaml;

/// `config view`: YAML by default, `-o json` exactly as kubectl prints it.
pub(crate) async fn view(
    global: &Global,
    minify: bool,
    raw: bool,
    output: Option<&str>,
) -> Result<(), Failure> {
    let kubeconfig = load_kubeconfig(global).await?;
    let options = ViewOptions {
        minify,
        raw,
        context: global.context.clone(),
    };
    let doc = config_view(&kubeconfig, &options)?;
    match output.unwrap_or("yaml") {
        "json" => outln!("{}", doc.to_json_pretty()),
        "yaml" => {
            let value = serde_json::to_value(&doc)
                .map_err(|e| Failure::msg(format!("cannot encode the kubeconfig: {e}")))?;
            out!("{}", to_yaml(&value));
        }
        other => {
            return Err(Failure::msg(format!(
                "unable to match a printer suitable for the output format {other:?}, allowed formats are: json,yaml"
            )));
        }
    }
    Ok(())
}

/// `config get-contexts [NAME...] [-o name]`: kubectl's CURRENT NAME CLUSTER
/// AUTHINFO NAMESPACE table, sorted by name.
pub(crate) async fn get_contexts(
    global: &Global,
    names: &[String],
    output: Option<&str>,
) -> Result<(), Failure> {
    let kubeconfig = load_kubeconfig(global).await?;
    let name_only = match output {
        None => false,
        Some("name") => true,
        Some(other) => {
            return Err(Failure::msg(format!(
                "output must be one of '' or 'name': {other}"
            )));
        }
    };
    let mut contexts: Vec<_> = kubeconfig.contexts.iter().collect();
    contexts.sort_by(|a, b| a.name.cmp(&b.name));
    let mut missing = Vec::new();
    if !names.is_empty() {
        missing = names
            .iter()
            .filter(|n| kubeconfig.context(n).is_none())
            .cloned()
            .collect();
        contexts.retain(|c| names.contains(&c.name));
    }
    let current = kubeconfig.current_context().unwrap_or_default();
    if name_only {
        for c in &contexts {
            outln!("{}", c.name);
        }
    } else {
        let mut lines = vec![
            ["CURRENT", "NAME", "CLUSTER", "AUTHINFO", "NAMESPACE"]
                .map(String::from)
                .to_vec(),
        ];
        for c in &contexts {
            lines.push(vec![
                if c.name == current { "*" } else { "" }.to_owned(),
                c.name.clone(),
                c.context.cluster.clone(),
                c.context.user.clone(),
                c.context.namespace.clone().unwrap_or_default(),
            ]);
        }
        out!("{}", align(&lines));
    }
    match missing.as_slice() {
        [] => Ok(()),
        [one] => Err(Failure::msg(format!("context {one} not found"))),
        many => Err(Failure::msg(format!(
            "contexts {} not found",
            many.join(", ")
        ))),
    }
}

/// `config current-context`.
pub(crate) async fn current_context(global: &Global) -> Result<(), Failure> {
    let kubeconfig = load_kubeconfig(global).await?;
    match kubeconfig.current_context().filter(|c| !c.is_empty()) {
        Some(c) => {
            outln!("{c}");
            Ok(())
        }
        None => Err(Failure::msg("current-context is not set")),
    }
}

/// `config use-context NAME`: checks the context exists in the merged config,
/// then sets `current-context` in the file kubectl would write.
pub(crate) async fn use_context(global: &Global, name: &str) -> Result<(), Failure> {
    let kubeconfig = load_kubeconfig(global).await?;
    if kubeconfig.context(name).is_none() {
        return Err(Failure::msg(format!(
            "no context exists with the name: {name:?}"
        )));
    }
    let file = destination_file(global).await?;
    write_current_context(&file, name).await?;
    outln!("Switched to context {name:?}.");
    Ok(())
}

/// client-go's `PathOptions.GetDefaultFilename`: the `--kubeconfig` file; else
/// the only `KUBECONFIG` entry, or the first that exists, or the last; else
/// `~/.kube/config`.
async fn destination_file(global: &Global) -> Result<PathBuf, Failure> {
    if let Some(explicit) = &global.kubeconfig {
        return Ok(explicit.clone());
    }
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let env = std::env::var_os(KUBECONFIG_ENV);
    let paths = kubeconfig_paths(env.as_deref(), home.as_deref());
    let from_env = env.is_some_and(|v| !v.is_empty());
    let chosen = if from_env && paths.len() > 1 {
        let mut existing = None;
        for p in &paths {
            if tokio::fs::try_exists(p).await.unwrap_or(false) {
                existing = Some(p.clone());
                break;
            }
        }
        existing.or_else(|| paths.last().cloned())
    } else {
        paths.first().cloned()
    };
    chosen
        .or_else(|| home.map(|h| h.join(RECOMMENDED_HOME_FILE)))
        .ok_or_else(|| Failure::msg("no kubeconfig file to write: set KUBECONFIG or HOME"))
}

/// Sets the top-level `current-context` of the kubeconfig at `path`, changing
/// nothing else in the file (kubectl rewrites the whole file; editing one line
/// keeps comments and formatting). As client-go does, the change is made under
/// the file's `.lock`, to the file a symlink points at; the result is parsed
/// before it replaces the file, atomically (see [`LockedKubeconfig`]).
async fn write_current_context(path: &Path, name: &str) -> Result<(), Failure> {
    let file = LockedKubeconfig::lock(path).await?;
    let original = file.read().await?;
    let updated = set_current_context(original.as_deref().unwrap_or(""), name);
    let check = Kubeconfig::from_yaml(&updated).map_err(|e| {
        Failure::msg(format!(
            "not writing {}: the edit would not parse: {e}",
            file.path().display()
        ))
    })?;
    if check.current_context() != Some(name) {
        return Err(Failure::msg(format!(
            "not writing {}: cannot set current-context in this file's layout",
            file.path().display()
        )));
    }
    file.replace(updated).await?;
    Ok(())
}

/// `text` with its top-level `current-context:` line replaced (or appended).
/// Pure, so the edit is testable; the caller re-parses the result.
fn set_current_context(text: &str, name: &str) -> String {
    let line = to_yaml(&serde_json::json!({ "current-context": name }));
    let mut out = String::with_capacity(text.len() + line.len());
    let mut replaced = false;
    for l in text.split_inclusive('\n') {
        if !replaced && l.starts_with("current-context:") {
            out.push_str(&line);
            replaced = true;
        } else {
            out.push_str(l);
        }
    }
    if !replaced {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "apiVersion: v1\nkind: Config\ncurrent-context: a\n";

    fn current(path: &Path) -> String {
        let text = std::fs::read_to_string(path).unwrap();
        Kubeconfig::from_yaml(&text)
            .unwrap()
            .current_context()
            .unwrap_or_default()
            .to_owned()
    }

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn use_context_writes_through_a_symlinked_kubeconfig() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real-config");
        std::fs::write(&target, CONFIG).unwrap();
        let link = dir.path().join("config");
        std::os::unix::fs::symlink("real-config", &link).unwrap();
        write_current_context(&link, "b").await.unwrap();
        // The link is still a link, and its target changed, as with kubectl.
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(current(&target), "b");
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn use_context_creates_a_new_kubeconfig_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        write_current_context(&path, "b").await.unwrap();
        assert_eq!(current(&path), "b");
        assert_eq!(mode(&path), 0o600);
        // An existing file keeps its mode.
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o640))
            .unwrap();
        write_current_context(&path, "c").await.unwrap();
        assert_eq!(mode(&path), 0o640);
        // Nothing is left beside it: no temporary file, no lock.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["config"]);
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn use_context_ignores_a_planted_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(&path, CONFIG).unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        // Where a predictable temporary name would be, a link to another file.
        let planted = dir
            .path()
            .join(format!(".config.kctl-{}", std::process::id()));
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        write_current_context(&path, "b").await.unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        assert_eq!(current(&path), "b");
    }

    #[tokio::test]
    async fn use_context_takes_the_lock_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(&path, CONFIG).unwrap();
        let lock = dir.path().join("config.lock");
        std::fs::write(&lock, "").unwrap();
        let e = write_current_context(&path, "b").await.unwrap_err();
        assert!(e.to_string().contains("config.lock"), "{e}");
        assert_eq!(current(&path), "a");
        // Once the other writer is done, the change goes through and the lock is released.
        std::fs::remove_file(&lock).unwrap();
        write_current_context(&path, "b").await.unwrap();
        assert_eq!(current(&path), "b");
        assert!(!lock.exists());
    }

    #[test]
    fn current_context_is_replaced_in_place() {
        let text = "apiVersion: v1\n# keep me\ncurrent-context: a\nkind: Config\n";
        assert_eq!(
            set_current_context(text, "b"),
            "apiVersion: v1\n# keep me\ncurrent-context: b\nkind: Config\n"
        );
        assert_eq!(
            set_current_context("kind: Config", "true"),
            "kind: Config\ncurrent-context: \"true\"\n"
        );
        // Indented keys belong to nested maps and stay.
        assert_eq!(
            set_current_context("x:\n  current-context: a\n", "b"),
            "x:\n  current-context: a\ncurrent-context: b\n"
        );
    }
}
