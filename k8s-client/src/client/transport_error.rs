//! The one classification of transport failures, by type rather than by
//! message: retries and watch streams both ask it.

use crate::error::TransportErrorKind;

/// What kind of failure `err` is, from the errors in its source chain: the
/// IO error underneath, hyper's and h2's own, rustls'.
pub(crate) fn classify(err: &(dyn std::error::Error + 'static)) -> TransportErrorKind {
    let mut found = None;
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        // The innermost error that says something decides; outer layers
        // only say that a request failed.
        if let Some(kind) = classify_one(e) {
            found = Some(kind);
        }
        current = next_cause(e);
    }
    found.unwrap_or_else(|| outer_kind(err))
}

/// The error under `e`. An IO error that wraps another (a TLS stack's, or
/// another IO error) hands out that error's own cause as its `source`,
/// skipping the wrapped error itself; here it is not skipped.
fn next_cause<'a>(
    e: &'a (dyn std::error::Error + 'static),
) -> Option<&'a (dyn std::error::Error + 'static)> {
    match e
        .downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
    {
        Some(inner) => Some(inner),
        None => e.source(),
    }
}

fn classify_one(e: &(dyn std::error::Error + 'static)) -> Option<TransportErrorKind> {
    use std::io::ErrorKind;
    if let Some(io) = e.downcast_ref::<std::io::Error>() {
        return match io.kind() {
            ErrorKind::ConnectionRefused => Some(TransportErrorKind::Refused),
            ErrorKind::ConnectionReset
            | ErrorKind::ConnectionAborted
            | ErrorKind::BrokenPipe
            | ErrorKind::NotConnected => Some(TransportErrorKind::Reset),
            ErrorKind::UnexpectedEof => Some(TransportErrorKind::EndedEarly),
            ErrorKind::TimedOut => Some(TransportErrorKind::TimedOut),
            ErrorKind::AddrNotAvailable
            | ErrorKind::HostUnreachable
            | ErrorKind::NetworkUnreachable => Some(TransportErrorKind::Connect),
            _ => None,
        };
    }
    if is_tls(e) {
        return Some(TransportErrorKind::Tls);
    }
    if let Some(h) = e.downcast_ref::<hyper::Error>() {
        if h.is_incomplete_message() {
            return Some(TransportErrorKind::EndedEarly);
        }
        if h.is_canceled() || h.is_closed() {
            return Some(TransportErrorKind::Reset);
        }
        if h.is_timeout() {
            return Some(TransportErrorKind::TimedOut);
        }
        if h.is_parse() || h.is_parse_status() {
            return Some(TransportErrorKind::Protocol);
        }
        return None;
    }
    #[cfg(feature = "http2")]
    if let Some(h2) = e.downcast_ref::<h2::Error>() {
        // A GOAWAY, a reset stream or a broken connection under HTTP/2 is
        // client-go's "http2 connection lost": the request may be sent again.
        if h2.is_go_away() || h2.is_reset() || h2.is_io() {
            return Some(TransportErrorKind::Reset);
        }
        return Some(TransportErrorKind::Protocol);
    }
    None
}

fn is_tls(e: &(dyn std::error::Error + 'static)) -> bool {
    e.downcast_ref::<rustls::Error>().is_some()
}

/// reqwest's own view, when nothing underneath said more.
fn outer_kind(err: &(dyn std::error::Error + 'static)) -> TransportErrorKind {
    match err.downcast_ref::<reqwest::Error>() {
        Some(e) if e.is_timeout() => TransportErrorKind::TimedOut,
        Some(e) if e.is_connect() => TransportErrorKind::Connect,
        _ => TransportErrorKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("request failed")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn io_kinds_underneath_decide() {
        use std::io::{Error, ErrorKind};
        let kind = |k| classify(&Outer(Error::new(k, "x")));
        assert_eq!(
            kind(ErrorKind::ConnectionRefused),
            TransportErrorKind::Refused
        );
        assert_eq!(kind(ErrorKind::ConnectionReset), TransportErrorKind::Reset);
        assert_eq!(kind(ErrorKind::BrokenPipe), TransportErrorKind::Reset);
        assert_eq!(
            kind(ErrorKind::UnexpectedEof),
            TransportErrorKind::EndedEarly
        );
        assert_eq!(kind(ErrorKind::TimedOut), TransportErrorKind::TimedOut);
        assert_eq!(kind(ErrorKind::PermissionDenied), TransportErrorKind::Other);
    }

    #[test]
    fn tls_errors_are_tls_however_deep_in_io_errors() {
        // What reqwest's connector gives for an untrusted server certificate.
        let io = std::io::Error::other(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        ));
        assert_eq!(classify(&Outer(io)), TransportErrorKind::Tls);
    }

    #[test]
    fn only_reset_and_early_end_are_broken_connections() {
        assert!(TransportErrorKind::Reset.is_broken_connection());
        assert!(TransportErrorKind::EndedEarly.is_broken_connection());
        assert!(!TransportErrorKind::Refused.is_broken_connection());
        assert!(!TransportErrorKind::TimedOut.is_broken_connection());
    }
}
