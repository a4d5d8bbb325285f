//! A bearer token read from a file that may rotate (tokenFile, service-account token).

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::error::ConfigError;
use crate::config::secret::SecretString;

/// How often a token file is re-read (client-go: once a minute).
pub(crate) const REFRESH_PERIOD: Duration = Duration::from_secs(60);

pub(crate) struct TokenFile {
    path: PathBuf,
    period: Duration,
    state: Mutex<State>,
    reading: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct State {
    token: Option<SecretString>,
    read_at: Option<Instant>,
}

impl TokenFile {
    pub(crate) fn new(path: PathBuf, period: Duration) -> Self {
        Self {
            path,
            period,
            state: Mutex::default(),
            reading: tokio::sync::Mutex::new(()),
        }
    }

    /// Starts with a token already read (so a failing first re-read keeps it).
    pub(crate) fn with_token(path: PathBuf, period: Duration, token: SecretString) -> Self {
        let t = Self::new(path, period);
        if let Ok(mut s) = t.state.lock() {
            *s = State {
                token: Some(token),
                read_at: Some(Instant::now()),
            };
        }
        t
    }

    fn fresh(&self) -> Option<SecretString> {
        let s = self.state.lock().ok()?;
        match (&s.token, s.read_at) {
            (Some(t), Some(at)) if at.elapsed() < self.period => Some(t.clone()),
            _ => None,
        }
    }

    pub(crate) async fn token(&self) -> Result<SecretString, ConfigError> {
        if let Some(t) = self.fresh() {
            return Ok(t);
        }
        let _reading = self.reading.lock().await;
        if let Some(t) = self.fresh() {
            return Ok(t);
        }
        let read = read_token(&self.path).await;
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match read {
            Ok(token) => {
                s.token = Some(token.clone());
                s.read_at = Some(Instant::now());
                Ok(token)
            }
            Err(e) => match s.token.clone() {
                Some(last_good) => {
                    tracing::warn!(path = %self.path.display(), error = %e, "re-reading token file failed; keeping the last token");
                    // Try again after the next period, not on every request.
                    s.read_at = Some(Instant::now());
                    Ok(last_good)
                }
                None => Err(e),
            },
        }
    }

    pub(crate) fn invalidate(&self) {
        if let Ok(mut s) = self.state.lock() {
            s.read_at = None;
        }
    }
}

/// Reads and trims a token file; an empty file is an error.
pub(crate) async fn read_token(path: &std::path::Path) -> Result<SecretString, ConfigError> {
    let err = |source| ConfigError::Read {
        what: "token file".to_owned(),
        path: path.to_path_buf(),
        source,
    };
    let bytes = tokio::fs::read(path).await.map_err(err)?;
    let text = String::from_utf8(bytes).map_err(|_| {
        err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "token is not valid UTF-8",
        ))
    })?;
    let token = text.trim();
    if token.is_empty() {
        return Err(err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "token file is empty",
        )));
    }
    Ok(SecretString::new(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("k8s-client-tf-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("token")
    }

    #[tokio::test]
    async fn rereads_after_period_and_keeps_last_good() {
        let path = tmp("rotate");
        std::fs::write(&path, "one\n").unwrap();
        let tf = TokenFile::new(path.clone(), Duration::ZERO);
        assert_eq!(tf.token().await.unwrap().expose_secret(), "one");
        std::fs::write(&path, "two").unwrap();
        assert_eq!(tf.token().await.unwrap().expose_secret(), "two");
        std::fs::remove_file(&path).unwrap();
        assert_eq!(tf.token().await.unwrap().expose_secret(), "two");
        std::fs::write(&path, "  ").unwrap();
        assert_eq!(tf.token().await.unwrap().expose_secret(), "two");
    }

    #[tokio::test]
    async fn cached_within_period_until_invalidated() {
        let path = tmp("cache");
        std::fs::write(&path, "one").unwrap();
        let tf = TokenFile::new(path.clone(), REFRESH_PERIOD);
        assert_eq!(tf.token().await.unwrap().expose_secret(), "one");
        std::fs::write(&path, "two").unwrap();
        assert_eq!(tf.token().await.unwrap().expose_secret(), "one");
        tf.invalidate();
        assert_eq!(tf.token().await.unwrap().expose_secret(), "two");
    }

    #[tokio::test]
    async fn error_only_if_never_read() {
        let path = tmp("never").with_file_name("missing");
        let tf = TokenFile::new(path.clone(), Duration::ZERO);
        let err = tf.token().await.unwrap_err().to_string();
        assert!(
            err.contains("token file") && err.contains("missing"),
            "{err}"
        );
    }
}
