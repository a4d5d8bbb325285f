//! Changing a kubeconfig file on disk the way client-go's `ModifyConfig` does, and safely:
//! under its `.lock` file, through symlinks, and replaced whole or not at all.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::ConfigError;

/// How many symlinks are followed before giving up, as the kernel's `ELOOP` limit.
const MAX_SYMLINKS: usize = 40;

/// A kubeconfig file held under its lock file, to read and replace.
///
/// [`lock`](Self::lock) follows the path through symlinks to the real file (so a symlinked
/// `~/.kube/config` stays a symlink) and creates `<file>.lock` beside it, failing with
/// [`ConfigError::Locked`] if another writer holds it, as kubectl does. Dropping the value
/// removes the lock.
///
/// [`replace`](Self::replace) writes a new file under a random name, created exclusively
/// (so a planted file or symlink is never written through) with mode 0600, or the old
/// file's mode when there was one; then syncs it to disk and renames it over the old file.
/// A reader sees the old file or the new one, never half of one.
///
/// ```no_run
/// # async fn run() -> Result<(), k8s_client::config::ConfigError> {
/// use k8s_client::config::LockedKubeconfig;
///
/// let file = LockedKubeconfig::lock("/home/me/.kube/config").await?;
/// let text = file.read().await?.unwrap_or_default();
/// file.replace(text.replace("current-context: a", "current-context: b"))
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct LockedKubeconfig {
    path: PathBuf,
    lock: PathBuf,
}

impl LockedKubeconfig {
    /// Resolves `path` through symlinks and takes the resolved file's `.lock` file.
    pub async fn lock(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref().to_path_buf();
        blocking(move || {
            let path = resolve_symlinks(&path)?;
            let lock = lock_path(&path);
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| write_error("directory", dir, e))?;
            }
            match private_file(&lock) {
                Ok(_) => Ok(LockedKubeconfig { path, lock }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    Err(ConfigError::Locked { lock })
                }
                Err(e) => Err(write_error("lock file", &lock, e)),
            }
        })
        .await
    }

    /// The file that is changed: the given path with its symlinks resolved.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's text, or `None` if it does not exist yet.
    pub async fn read(&self) -> Result<Option<String>, ConfigError> {
        match tokio::fs::read_to_string(&self.path).await {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(ConfigError::Read {
                what: "kubeconfig".to_owned(),
                path: self.path.clone(),
                source,
            }),
        }
    }

    /// Replaces the file's contents with `contents`, atomically.
    pub async fn replace(&self, contents: impl Into<Vec<u8>>) -> Result<(), ConfigError> {
        let path = self.path.clone();
        let contents = contents.into();
        blocking(move || replace(&path, &contents)).await
    }
}

impl Drop for LockedKubeconfig {
    fn drop(&mut self) {
        // One unlink: too small to be worth a blocking task, and Drop cannot await one.
        if let Err(e) = std::fs::remove_file(&self.lock) {
            tracing::warn!(lock = %self.lock.display(), "cannot remove the kubeconfig lock: {e}");
        }
    }
}

/// client-go's lock name: the file's name with `.lock` appended.
fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// `path` with its last component followed through symlinks; a missing file (or a link to
/// one) resolves to where it would be created.
fn resolve_symlinks(path: &Path) -> Result<PathBuf, ConfigError> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_SYMLINKS {
        let target = match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                std::fs::read_link(&current).map_err(|source| ConfigError::Read {
                    what: "kubeconfig symlink".to_owned(),
                    path: current.clone(),
                    source,
                })?
            }
            Ok(_) => return Ok(current),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(current),
            Err(source) => {
                return Err(ConfigError::Read {
                    what: "kubeconfig".to_owned(),
                    path: current,
                    source,
                });
            }
        };
        // A relative target is relative to the link's directory.
        current = match current.parent() {
            Some(dir) if target.is_relative() => dir.join(target),
            _ => target,
        };
    }
    Err(ConfigError::Read {
        what: "kubeconfig".to_owned(),
        path: path.to_path_buf(),
        source: std::io::Error::other(format!("more than {MAX_SYMLINKS} symlinks")),
    })
}

fn replace(path: &Path, contents: &[u8]) -> Result<(), ConfigError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{:016x}", random()));
    let result = (|| {
        let mut file = private_file(&tmp)?;
        // Keep the mode the user gave the file; the new file was never wider than 0600.
        if let Ok(meta) = std::fs::metadata(path) {
            file.set_permissions(meta.permissions())?;
        }
        file.write_all(contents)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)?;
        // The rename itself survives a crash only once the directory is synced.
        #[cfg(unix)]
        std::fs::File::open(dir)?.sync_all()?;
        Ok(())
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        write_error("kubeconfig", path, e)
    })
}

/// Creates `path` new (failing if anything, a symlink included, is there) with mode 0600.
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// 64 random bits, from the standard library's per-process random hash keys.
fn random() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    hasher.finish()
}

fn write_error(what: &str, path: &Path, source: std::io::Error) -> ConfigError {
    ConfigError::Write {
        what: what.to_owned(),
        path: path.to_path_buf(),
        source,
    }
}

/// Runs file system work on the blocking pool: syncing to disk can take long.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ConfigError> + Send + 'static,
) -> Result<T, ConfigError> {
    tokio::task::spawn_blocking(work).await.unwrap_or_else(|e| {
        Err(ConfigError::Write {
            what: "kubeconfig".to_owned(),
            path: PathBuf::new(),
            source: std::io::Error::other(e),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_is_beside_the_file() {
        assert_eq!(
            lock_path(Path::new("/h/.kube/config")),
            Path::new("/h/.kube/config.lock")
        );
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn symlink_chains_resolve_to_the_real_file() {
        let root = std::env::temp_dir().join(format!("k8s-client-lock-{:x}", random()));
        std::fs::create_dir_all(&root).unwrap();
        let dir = &Scratch(root);
        let real = dir.path().join("sub/real");
        std::fs::create_dir_all(real.parent().unwrap()).unwrap();
        std::fs::write(&real, "a").unwrap();
        std::os::unix::fs::symlink("sub/real", dir.path().join("one")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("one"), dir.path().join("two")).unwrap();
        let file = LockedKubeconfig::lock(dir.path().join("two"))
            .await
            .unwrap();
        assert_eq!(file.path(), dir.path().join("sub/real"));
        assert!(dir.path().join("sub/real.lock").exists());
        file.replace("b").await.unwrap();
        drop(file);
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "b");
        assert!(!dir.path().join("sub/real.lock").exists());
        // A loop is an error, not a hang.
        std::os::unix::fs::symlink("loop-b", dir.path().join("loop-a")).unwrap();
        std::os::unix::fs::symlink("loop-a", dir.path().join("loop-b")).unwrap();
        let e = LockedKubeconfig::lock(dir.path().join("loop-a"))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("loop-a"), "{e}");
    }

    /// A directory removed at the end of the test.
    struct Scratch(PathBuf);

    impl Scratch {
        fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
