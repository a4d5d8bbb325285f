//! Finding and reading kubeconfig files: `KUBECONFIG`, `~/.kube/config`, explicit paths.

use std::ffi::OsStr;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use super::error::ConfigError;
use super::kubeconfig::Kubeconfig;

/// The environment variable holding a list of kubeconfig files.
pub const KUBECONFIG_ENV: &str = "KUBECONFIG";
/// The kubeconfig file used when `KUBECONFIG` is not set, relative to the home directory.
pub const RECOMMENDED_HOME_FILE: &str = ".kube/config";

/// The kubeconfig files to load, in priority order, given the values of `KUBECONFIG` and
/// the home directory (pure: pass the environment in).
///
/// A non-empty `KUBECONFIG` is split on the platform's path-list separator (`:` on unix),
/// empty entries are dropped and duplicates removed (the first occurrence stays).
/// Otherwise the list is `<home>/.kube/config`.
pub fn kubeconfig_paths(kubeconfig_env: Option<&OsStr>, home: Option<&Path>) -> Vec<PathBuf> {
    match kubeconfig_env.filter(|v| !v.is_empty()) {
        Some(list) => {
            let mut out: Vec<PathBuf> = Vec::new();
            for p in std::env::split_paths(list) {
                if !p.as_os_str().is_empty() && !out.contains(&p) {
                    out.push(p);
                }
            }
            out
        }
        None => home
            .map(|h| h.join(RECOMMENDED_HOME_FILE))
            .into_iter()
            .collect(),
    }
}

/// The home directory: `$HOME`, else `%USERPROFILE%`.
pub(crate) fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// The default kubeconfig file list from the real environment.
pub(crate) fn default_paths() -> Vec<PathBuf> {
    kubeconfig_paths(
        std::env::var_os(KUBECONFIG_ENV).as_deref(),
        home_dir().as_deref(),
    )
}

/// The result of loading a chain of files.
pub(crate) struct Loaded {
    pub(crate) config: Kubeconfig,
    /// Files that existed and were loaded.
    pub(crate) found: Vec<PathBuf>,
}

pub(crate) async fn read_file(path: &Path) -> Result<Option<Kubeconfig>, ConfigError> {
    match tokio::fs::read(path).await {
        Ok(bytes) => {
            let text = String::from_utf8(bytes).map_err(|_| ConfigError::Yaml {
                origin: super::kubeconfig::describe_file(Some(path)),
                line: 0,
                column: 0,
                message: "not valid UTF-8".to_owned(),
            })?;
            Kubeconfig::parse(&text, Some(&absolute(path))).map(Some)
        }
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ConfigError::Read {
            what: "kubeconfig".to_owned(),
            path: path.to_path_buf(),
            source,
        }),
    }
}

pub(crate) async fn load_chain(paths: &[PathBuf]) -> Result<Loaded, ConfigError> {
    let mut config = Kubeconfig::default();
    let mut found = Vec::new();
    for path in paths {
        if let Some(kc) = read_file(path).await? {
            config = config.merge(kc);
            found.push(path.clone());
        }
    }
    Ok(Loaded { config, found })
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

impl Kubeconfig {
    /// Loads the kubeconfig the way kubectl does without `--kubeconfig`: the files listed
    /// in `KUBECONFIG`, else `~/.kube/config`. Missing files are skipped (so the result
    /// may be empty); files are merged with [`Kubeconfig::merge`].
    ///
    /// ```no_run
    /// # async fn f() -> Result<(), k8s_client::config::ConfigError> {
    /// let kc = k8s_client::config::Kubeconfig::read().await?;
    /// println!("current context: {:?}", kc.current_context());
    /// # Ok(()) }
    /// ```
    pub async fn read() -> Result<Kubeconfig, ConfigError> {
        Ok(load_chain(&default_paths()).await?.config)
    }

    /// Loads and merges the given files in priority order. Missing files are skipped.
    pub async fn read_chain(paths: &[PathBuf]) -> Result<Kubeconfig, ConfigError> {
        Ok(load_chain(paths).await?.config)
    }

    /// Loads one explicitly given file (kubectl's `--kubeconfig`). It must exist.
    pub async fn read_from(path: impl AsRef<Path>) -> Result<Kubeconfig, ConfigError> {
        let path = path.as_ref();
        read_file(path).await?.ok_or_else(|| ConfigError::Read {
            what: "kubeconfig".to_owned(),
            path: path.to_path_buf(),
            source: std::io::Error::from(ErrorKind::NotFound),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_from_env_list_dedup_and_skip_empty() {
        let p = kubeconfig_paths(Some(OsStr::new("/a:/b::/a:/c")), Some(Path::new("/home/u")));
        assert_eq!(
            p,
            vec![
                PathBuf::from("/a"),
                PathBuf::from("/b"),
                PathBuf::from("/c")
            ]
        );
    }

    #[test]
    fn paths_default_to_home() {
        assert_eq!(
            kubeconfig_paths(None, Some(Path::new("/home/u"))),
            vec![PathBuf::from("/home/u/.kube/config")]
        );
        assert_eq!(
            kubeconfig_paths(Some(OsStr::new("")), Some(Path::new("/h"))),
            vec![PathBuf::from("/h/.kube/config")]
        );
        assert!(kubeconfig_paths(None, None).is_empty());
    }
}
