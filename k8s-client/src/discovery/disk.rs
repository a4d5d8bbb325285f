//! client-go's on-disk discovery cache, so kubectl and this crate share it.
//!
//! Layout (kubectl's `genericclioptions` and client-go's `discovery/cached/disk`):
//! - root: `--cache-dir`, else `$KUBECACHEDIR`, else `~/.kube/cache`;
//! - discovery: `<root>/discovery/<host>/servergroups.json` and
//!   `<root>/discovery/<host>/<group>/<version>/serverresources.json`
//!   (`<root>/discovery/<host>/v1/serverresources.json` for the core group);
//! - a file older than the TTL (6 h) is ignored; directories are created 0750,
//!   files 0660, written to a temporary file and renamed into place.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::dynamic::GroupVersion;

/// client-go's discovery cache TTL (kubectl passes 6 hours).
pub const DEFAULT_TTL: Duration = Duration::from_secs(6 * 60 * 60);

/// The cache root kubectl uses: `$KUBECACHEDIR`, else `$HOME/.kube/cache`.
/// `None` when neither is set.
pub fn default_cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("KUBECACHEDIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
    Some(Path::new(&home).join(".kube").join("cache"))
}

/// The discovery cache directory for a server under `parent` (usually
/// `<root>/discovery`), named as kubectl names it.
///
/// kubectl strips the first `https://` and the first `http://` from the
/// server URL, then replaces every character its regex `[^(\w/.)]` rejects
/// with `_`: ASCII letters, digits, `_`, `/`, `.`, `(` and `)` are kept. The
/// result is joined to `parent` with Go's `filepath.Join`, which cleans it
/// (empty and `.` segments dropped, `..` resolved).
///
/// ```
/// use k8s_client::discovery::host_cache_dir;
/// use std::path::Path;
/// assert_eq!(
///     host_cache_dir(Path::new("/c/discovery"), "https://127.0.0.1:6443"),
///     Path::new("/c/discovery/127.0.0.1_6443"),
/// );
/// ```
pub fn host_cache_dir(parent: &Path, host: &str) -> PathBuf {
    let host = host.replacen("https://", "", 1).replacen("http://", "", 1);
    let safe: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '/' | '.' | '(' | ')') {
                c
            } else {
                '_'
            }
        })
        .collect();
    go_join(parent, &safe)
}

/// `filepath.Join(parent, rel)` on Unix: segments appended, then cleaned.
fn go_join(parent: &Path, rel: &str) -> PathBuf {
    let joined = format!("{}/{}", parent.to_string_lossy(), rel);
    let absolute = joined.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in joined.split('/') {
        match seg {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if absolute => {}
                _ => parts.push(".."),
            },
            s => parts.push(s),
        }
    }
    let body = parts.join("/");
    match (absolute, body.is_empty()) {
        (true, _) => PathBuf::from(format!("/{body}")),
        (false, true) => PathBuf::from("."),
        (false, false) => PathBuf::from(body),
    }
}

/// `servergroups.json` in a discovery cache directory.
pub(crate) fn groups_file(dir: &Path) -> PathBuf {
    dir.join("servergroups.json")
}

/// `<group>/<version>/serverresources.json` (`v1/…` for the core group), or `None` when
/// the names are not DNS-1123 names: only those are sure to stay under `dir` (no `/`, no
/// `..`), whether they came from the server or from a cache file someone else wrote.
pub(crate) fn resources_file(dir: &Path, gv: &GroupVersion) -> Option<PathBuf> {
    if let Some(reason) = super::names::invalid_name(gv) {
        tracing::debug!(%gv, %reason, "no discovery cache file for this group version");
        return None;
    }
    let mut p = dir.to_path_buf();
    if !gv.group.is_empty() {
        p.push(&gv.group);
    }
    p.push(&gv.version);
    p.push("serverresources.json");
    Some(p)
}

/// Reads and decodes a cache file younger than `ttl`; `None` when it is
/// missing, expired or unreadable (a cache miss, never an error).
pub(crate) async fn read_fresh<T: DeserializeOwned>(path: &Path, ttl: Duration) -> Option<T> {
    let meta = tokio::fs::metadata(path).await.ok()?;
    let modified = meta.modified().ok()?;
    let age = SystemTime::now()
        .duration_since(modified)
        .unwrap_or_default();
    if age > ttl {
        tracing::debug!(path = %path.display(), ?age, "discovery cache file expired");
        return None;
    }
    let bytes = tokio::fs::read(path).await.ok()?;
    match serde_json::from_slice(&bytes) {
        Ok(v) => Some(v),
        Err(e) => {
            tracing::debug!(path = %path.display(), "unreadable discovery cache file: {e}");
            None
        }
    }
}

/// Encodes `value` as JSON and writes it atomically (see [`write_atomic`]).
pub(crate) async fn write_json<T: Serialize>(path: &Path, value: &T) -> std::io::Result<()> {
    let bytes = serde_json::to_vec(value).map_err(std::io::Error::other)?;
    write_atomic(path, &bytes).await
}

/// Writes `bytes` to a temporary file beside `path` (mode 0660), then renames
/// it into place, creating directories (mode 0750) as needed: a reader,
/// kubectl included, sees the old file or the new one, never half of one.
pub(crate) async fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("cache file has no parent directory"))?;
    create_dirs(dir).await?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!("{file_name}.{}", temp_suffix()));
    let result = async {
        let mut options = tokio::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        options.mode(0o660);
        let mut file = options.open(&tmp).await?;
        tokio::io::AsyncWriteExt::write_all(&mut file, bytes).await?;
        // The umask may have narrowed the mode; client-go chmods explicitly.
        set_mode(&tmp, 0o660).await?;
        drop(file);
        tokio::fs::rename(&tmp, path).await
    }
    .await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(&tmp).await;
    }
    result
}

async fn create_dirs(dir: &Path) -> std::io::Result<()> {
    let mut builder = tokio::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(0o750);
    builder.create(dir).await
}

#[cfg(unix)]
async fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    tokio::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).await
}

#[cfg(not(unix))]
async fn set_mode(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

/// A name no other writer (thread or process) picks at the same moment.
fn temp_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!(
        "{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(host: &str) -> String {
        host_cache_dir(Path::new("/root/.kube/cache/discovery"), host)
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn host_escaping_matches_kubectl() {
        let base = "/root/.kube/cache/discovery";
        assert_eq!(
            dir("https://127.0.0.1:6443"),
            format!("{base}/127.0.0.1_6443")
        );
        assert_eq!(
            dir("http://localhost:8080"),
            format!("{base}/localhost_8080")
        );
        assert_eq!(dir("https://[::1]:6443"), format!("{base}/___1__6443"));
        // A path is kept as directories; Go's Join drops the trailing slash.
        assert_eq!(
            dir("https://rancher.example.com/k8s/clusters/c-m-1/"),
            format!("{base}/rancher.example.com/k8s/clusters/c_m_1")
        );
        // Parentheses survive kubectl's regex `[^(\w/.)]`; other punctuation does not.
        assert_eq!(dir("https://a(b)-c~d"), format!("{base}/a(b)_c_d"));
        // Only the first occurrence of each scheme is stripped, wherever it is.
        assert_eq!(dir("https://h/http://x"), format!("{base}/h/x"));
        assert_eq!(dir("host:1"), format!("{base}/host_1"));
        // Non-ASCII is replaced per character.
        assert_eq!(dir("https://bücher:1"), format!("{base}/b_cher_1"));
    }

    #[test]
    fn go_join_cleans() {
        assert_eq!(go_join(Path::new("/a/b"), "../c"), Path::new("/a/c"));
        assert_eq!(go_join(Path::new("/a"), "./x//y/"), Path::new("/a/x/y"));
        assert_eq!(go_join(Path::new("rel"), "../../x"), Path::new("../x"));
        assert_eq!(go_join(Path::new("/"), "../x"), Path::new("/x"));
    }

    #[test]
    fn file_names() {
        let d = Path::new("/c/discovery/h");
        assert_eq!(
            groups_file(d),
            Path::new("/c/discovery/h/servergroups.json")
        );
        let file = |g: &str, v: &str| resources_file(d, &GroupVersion::new(g, v));
        assert_eq!(
            file("", "v1").unwrap(),
            Path::new("/c/discovery/h/v1/serverresources.json")
        );
        assert_eq!(
            file("apps", "v1").unwrap(),
            Path::new("/c/discovery/h/apps/v1/serverresources.json")
        );
        // Names that could leave the directory have no file.
        for (g, v) in [
            ("..", "v1"),
            ("/etc", "v1"),
            ("a/b", "v1"),
            ("apps", ".."),
            ("", "/x"),
        ] {
            assert_eq!(file(g, v), None, "{g} {v}");
        }
    }

    #[tokio::test]
    async fn atomic_writes_with_client_go_modes() {
        let root = std::env::temp_dir().join(format!("k8s-client-disk-{}", temp_suffix()));
        let file = root.join("a/b/servergroups.json");
        write_atomic(&file, b"{\"groups\":[]}").await.unwrap();
        write_atomic(&file, b"{\"groups\":[{\"name\":\"x\"}]}")
            .await
            .unwrap();
        let got: serde_json::Value = read_fresh(&file, DEFAULT_TTL).await.unwrap();
        assert_eq!(got["groups"][0]["name"], "x");
        assert!(
            read_fresh::<serde_json::Value>(&file, Duration::ZERO)
                .await
                .is_none()
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&file), 0o660);
            // The umask may clear group write on directories; never more than 0750.
            assert_eq!(mode(&root.join("a/b")) & !0o750, 0);
        }
        // No temporary files left behind.
        let names: Vec<_> = std::fs::read_dir(root.join("a/b"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
