//! An HTTP cache for discovery and OpenAPI documents, in client-go's format so
//! kubectl and this crate can use each other's entries.
//!
//! client-go (`discovery/cached/disk/round_tripper.go`) wraps
//! `gregjones/httpcache` over `diskv`: each entry is the file
//! `<dir>/<hex SHA-256 of the URL>`, holding the raw SHA-256 of the rest of the
//! file followed by the response as Go's `httputil.DumpResponse` writes it
//! (status line, headers, blank line, body). For a header named in `Vary`,
//! httpcache stores the request's value as `X-Varied-<Header>` and reuses the
//! entry only for a request with the same value.
//!
//! Entries with an `ETag` are revalidated with `If-None-Match` (the server
//! answers 304 without a body); entries marked `immutable` (OpenAPI documents
//! addressed by hash) are used without asking.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use reqwest::header::HeaderMap;
use sha2::{Digest, Sha256};

use super::disk;

/// One cached response.
#[derive(Debug, Clone)]
pub(crate) struct CachedResponse {
    headers: Vec<(String, String)>,
    pub(crate) body: Bytes,
}

impl CachedResponse {
    /// The first value of a header, matched without regard to case.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The validator to send as `If-None-Match`.
    pub(crate) fn etag(&self) -> Option<&str> {
        self.header("etag").filter(|e| !e.is_empty())
    }

    /// Whether the server said the content at this URL never changes.
    pub(crate) fn is_immutable(&self) -> bool {
        self.header("cache-control").is_some_and(|cc| {
            cc.split(',')
                .any(|d| d.trim().eq_ignore_ascii_case("immutable"))
        })
    }

    /// Whether the entry was stored for a request with this `Accept` value.
    fn vary_matches(&self, accept: &str) -> bool {
        let varies_on_accept = self.header("vary").is_some_and(|v| {
            v.split(',')
                .any(|h| h.trim().eq_ignore_ascii_case("accept"))
        });
        !varies_on_accept || self.header("x-varied-accept").unwrap_or_default() == accept
    }
}

/// The cache directory.
#[derive(Debug, Clone)]
pub(crate) struct HttpCache {
    dir: PathBuf,
}

impl HttpCache {
    pub(crate) fn new(dir: PathBuf) -> Self {
        HttpCache { dir }
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    fn file(&self, url: &str) -> PathBuf {
        self.dir.join(hex(sha256(url.as_bytes()).as_ref()))
    }

    /// The entry for a GET of `url` with this `Accept`, if there is a usable one.
    pub(crate) async fn get(&self, url: &str, accept: &str) -> Option<CachedResponse> {
        let bytes = tokio::fs::read(self.file(url)).await.ok()?;
        let entry = verify(&bytes).and_then(parse_dump)?;
        entry.vary_matches(accept).then_some(entry)
    }

    /// Stores a 200 response to a GET of `url` if it can be revalidated or never changes.
    pub(crate) async fn put(&self, url: &str, accept: &str, headers: &HeaderMap, body: &[u8]) {
        let cacheable = headers.contains_key("etag")
            || headers
                .get("cache-control")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|cc| cc.contains("immutable"));
        if !cacheable {
            return;
        }
        let dump = dump_response(headers, accept, body);
        let mut file = sha256(&dump).as_ref().to_vec();
        file.extend_from_slice(&dump);
        if let Err(e) = disk::write_atomic(&self.file(url), &file).await {
            tracing::debug!(url, "cannot write HTTP cache entry: {e}");
        }
    }
}

fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The response part of an entry whose checksum matches (else a miss, as in client-go).
fn verify(file: &[u8]) -> Option<&[u8]> {
    if file.len() < 32 {
        return None;
    }
    let (sum, response) = file.split_at(32);
    (sha256(response).as_ref() == sum).then_some(response)
}

/// A 200 response as Go's `httputil.DumpResponse` writes one, plus
/// httpcache's `X-Varied-Accept`. Headers that describe the transfer rather
/// than the content are dropped: the body is stored decoded and whole.
fn dump_response(headers: &HeaderMap, accept: &str, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 512);
    out.extend_from_slice(b"HTTP/1.1 200 OK\r\n");
    let mut lines: Vec<(String, String)> = headers
        .iter()
        .filter(|(name, _)| {
            !matches!(
                name.as_str(),
                "content-length" | "transfer-encoding" | "content-encoding" | "connection"
            )
        })
        .filter_map(|(name, value)| {
            let value = value.to_str().ok()?;
            Some((canonical(name.as_str()), value.to_owned()))
        })
        .collect();
    lines.push(("Content-Length".to_owned(), body.len().to_string()));
    let varies_on_accept = headers
        .get_all("vary")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.split(',')
                .any(|h| h.trim().eq_ignore_ascii_case("accept"))
        });
    if varies_on_accept {
        lines.push(("X-Varied-Accept".to_owned(), accept.to_owned()));
    }
    // Go writes headers sorted by key.
    lines.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, value) in lines {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

/// Go's canonical header form: `x-varied-accept` → `X-Varied-Accept`.
fn canonical(name: &str) -> String {
    let mut upper = true;
    name.chars()
        .map(|c| {
            let out = if upper {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            };
            upper = c == '-';
            out
        })
        .collect()
}

/// Parses a dumped response: kubectl's (HTTP/1.1 or HTTP/2.0, with a
/// Content-Length or chunked) or ours. Only 200 responses are usable.
fn parse_dump(dump: &[u8]) -> Option<CachedResponse> {
    let split = dump.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&dump[..split]).ok()?;
    let rest = &dump[split + 4..];
    let mut lines = head.split("\r\n");
    let status = lines.next()?;
    let code = status.split(' ').nth(1)?;
    if code != "200" {
        return None;
    }
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let find = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let body = if find("transfer-encoding").is_some_and(|te| te.eq_ignore_ascii_case("chunked")) {
        dechunk(rest)?
    } else if let Some(len) = find("content-length").and_then(|l| l.parse::<usize>().ok()) {
        rest.get(..len)?.to_vec()
    } else {
        rest.to_vec()
    };
    Some(CachedResponse {
        headers,
        body: Bytes::from(body),
    })
}

/// Decodes an HTTP/1.1 chunked body.
fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = data.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..eol]).ok()?;
        let size_text = size_text.split(';').next()?.trim();
        let size = usize::from_str_radix(size_text, 16).ok()?;
        data = &data[eol + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("etag", HeaderValue::from_static("\"abc\""));
        h.insert("vary", HeaderValue::from_static("Accept"));
        h.insert("content-type", HeaderValue::from_static("application/json"));
        h.insert("content-length", HeaderValue::from_static("2"));
        h
    }

    #[test]
    fn dump_round_trips_and_records_vary() {
        let dump = dump_response(&headers(), "application/json", b"{}");
        let text = String::from_utf8(dump.clone()).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
        assert!(text.contains("\r\nEtag: \"abc\"\r\n"), "{text}");
        assert!(
            text.contains("\r\nX-Varied-Accept: application/json\r\n"),
            "{text}"
        );
        assert!(text.ends_with("\r\n\r\n{}"), "{text}");
        let entry = parse_dump(&dump).unwrap();
        assert_eq!(entry.etag(), Some("\"abc\""));
        assert_eq!(&entry.body[..], b"{}");
        assert!(entry.vary_matches("application/json"));
        assert!(!entry.vary_matches("application/yaml"));
    }

    #[test]
    fn parses_go_dumps_with_chunked_bodies() {
        let dump = b"HTTP/2.0 200 OK\r\nTransfer-Encoding: chunked\r\nCache-Control: public, immutable\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n";
        let entry = parse_dump(dump).unwrap();
        assert_eq!(&entry.body[..], b"abcde");
        assert!(entry.is_immutable());
        assert!(parse_dump(b"HTTP/1.1 304 Not Modified\r\n\r\n").is_none());
    }

    #[test]
    fn checksum_guards_entries() {
        let dump = dump_response(&headers(), "a", b"{}");
        let mut file = sha256(&dump).as_ref().to_vec();
        file.extend_from_slice(&dump);
        assert!(verify(&file).is_some());
        let last = file.len() - 1;
        file[last] ^= 1;
        assert!(verify(&file).is_none());
        assert!(verify(b"short").is_none());
    }

    #[test]
    fn file_names_are_sha256_of_the_url() {
        let cache = HttpCache::new(PathBuf::from("/c/http"));
        // sha256("https://127.0.0.1:6443/apis")
        let expected = hex(sha256(b"https://127.0.0.1:6443/apis").as_ref());
        assert_eq!(expected.len(), 64);
        assert_eq!(
            cache.file("https://127.0.0.1:6443/apis"),
            Path::new("/c/http").join(expected)
        );
        assert_eq!(canonical("x-varied-accept"), "X-Varied-Accept");
        assert_eq!(canonical("etag"), "Etag");
    }

    #[test]
    fn file_names_match_kubectls() {
        // What `sha256sum` prints for the URL, as kubectl names the entry.
        let cache = HttpCache::new(PathBuf::from("/c/http"));
        assert_eq!(
            cache.file("https://127.0.0.1:6443/apis"),
            Path::new("/c/http")
                .join("0608cb927d20a07ea7869f43bf4d121f8c0ab04aa2fc7f5fc5f59b2cb83a2306")
        );
    }
}
