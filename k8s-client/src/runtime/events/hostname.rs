//! The host's name, for the default reporting instance (client-go's
//! `os.Hostname`), read without blocking the runtime.

/// Where Linux keeps the host name (Go's `os.Hostname` reads it first too).
const PROC_HOSTNAME: &str = "/proc/sys/kernel/hostname";

/// The host name: from procfs, else the `hostname` command (other Unixes,
/// Windows), else the environment; empty if none says (as client-go, which
/// ignores `os.Hostname`'s error).
pub(super) async fn hostname() -> String {
    if let Ok(name) = tokio::fs::read_to_string(PROC_HOSTNAME).await
        && let Some(name) = non_empty(&name)
    {
        return name;
    }
    if let Ok(out) = tokio::process::Command::new("hostname")
        .kill_on_drop(true)
        .output()
        .await
        && out.status.success()
        && let Some(name) = non_empty(&String::from_utf8_lossy(&out.stdout))
    {
        return name;
    }
    ["HOSTNAME", "COMPUTERNAME"]
        .iter()
        .find_map(|var| std::env::var(var).ok().and_then(|v| non_empty(&v)))
        .unwrap_or_default()
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_host_has_a_name() {
        let name = hostname().await;
        assert!(!name.is_empty());
        assert_eq!(name, name.trim());
    }
}
