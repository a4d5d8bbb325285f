//! Turning a failed response into an [`ApiError`] the way client-go does.

use crate::error::ApiError;
use crate::meta::{Status, StatusDetails};
use crate::rest::Verb;

/// At most this much of a non-Status body is kept in an error.
pub(crate) const MAX_ERROR_BODY: usize = 2048;

/// A protobuf `metav1.Status` (the answer to a request that accepted
/// protobuf), with apiVersion and kind from its envelope.
#[cfg(feature = "protobuf")]
fn protobuf_status(content_type: Option<&str>, body: &[u8]) -> Option<Status> {
    use crate::protobuf;
    if !content_type.is_some_and(protobuf::is_protobuf) {
        return None;
    }
    crate::rest::negotiated::protobuf_status(body)
        .ok()
        .filter(|status| status.kind == "Status")
}

#[cfg(not(feature = "protobuf"))]
fn protobuf_status(_: Option<&str>, _: &[u8]) -> Option<Status> {
    None
}

/// Decodes `metav1.Status` from the body when it is one; otherwise synthesizes
/// one from the code, as client-go's `NewGenericServerResponse` does.
pub(crate) fn status_from_response(
    code: u16,
    verb: Verb,
    content_type: Option<&str>,
    body: &[u8],
    retry_after: Option<u32>,
    operation: String,
    attempts: u32,
) -> ApiError {
    if let Some(mut status) = protobuf_status(content_type, body).or_else(|| {
        serde_json::from_slice::<Status>(body)
            .ok()
            .filter(|s| s.kind == "Status")
    }) {
        status.code.get_or_insert(code);
        return ApiError {
            status,
            operation,
            attempts,
        };
    }

    let (reason, generic) = match code {
        409 if verb == Verb::Post => ("AlreadyExists", "the server reported a conflict"),
        409 => ("Conflict", "the server reported a conflict"),
        404 => (
            "NotFound",
            "the server could not find the requested resource",
        ),
        400 => (
            "BadRequest",
            "the server rejected our request for an unknown reason",
        ),
        401 => (
            "Unauthorized",
            "the server has asked for the client to provide credentials",
        ),
        403 => (
            "Forbidden",
            "the server does not allow access to the requested resource",
        ),
        405 => (
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        ),
        406 => (
            "NotAcceptable",
            "the server was unable to respond with a content type that the client supports",
        ),
        410 => ("Gone", "the server has removed the requested resource"),
        413 => (
            "RequestEntityTooLarge",
            "the server has rejected the request because it is too large",
        ),
        415 => (
            "UnsupportedMediaType",
            "the server was unable to process the request's content type",
        ),
        422 => (
            "Invalid",
            "the server rejected our request due to an error in our request",
        ),
        429 => (
            "TooManyRequests",
            "the server has received too many requests and has asked us to try again later",
        ),
        503 => (
            "ServiceUnavailable",
            "the server is currently unable to handle the request",
        ),
        504 => (
            "Timeout",
            "the server was unable to return a response in the time allotted, but may still be processing the request",
        ),
        c if c >= 500 => (
            "InternalError",
            "an error on the server has prevented the request from succeeding",
        ),
        _ => ("", "the server responded with an unexpected status"),
    };
    let text = printable_body(content_type, body);
    let message = match text {
        Some(t) if !t.is_empty() => format!("{generic}: {t}"),
        _ => generic.to_owned(),
    };
    let status = Status {
        api_version: "v1".to_owned(),
        kind: "Status".to_owned(),
        status: Some("Failure".to_owned()),
        message: Some(message),
        reason: (!reason.is_empty()).then(|| reason.to_owned()),
        code: Some(code),
        details: retry_after.map(|s| StatusDetails {
            retry_after_seconds: i32::try_from(s).ok(),
            ..StatusDetails::default()
        }),
        metadata: None,
    };
    ApiError {
        status,
        operation,
        attempts,
    }
}

/// The body as text, cut to [`MAX_ERROR_BODY`] bytes, if it is text at all.
fn printable_body(content_type: Option<&str>, body: &[u8]) -> Option<String> {
    let ct = content_type.unwrap_or("text/plain").to_ascii_lowercase();
    if !(ct.starts_with("text/") || ct.starts_with("application/json")) {
        return None;
    }
    let cut = &body[..body.len().min(MAX_ERROR_BODY)];
    let text = String::from_utf8_lossy(cut);
    Some(text.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(code: u16, verb: Verb, ct: Option<&str>, body: &[u8]) -> ApiError {
        status_from_response(code, verb, ct, body, None, "GET /x".to_owned(), 1)
    }

    #[test]
    fn keeps_the_servers_status() {
        let body = br#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"pods"},"code":404}"#;
        let e = decode(404, Verb::Get, Some("application/json"), body);
        assert_eq!(e.status.reason(), "NotFound");
        assert_eq!(e.status.message(), "pods \"x\" not found");
        assert_eq!(e.status.details.unwrap().name.as_deref(), Some("x"));
    }

    #[test]
    fn maps_codes_like_client_go() {
        assert_eq!(
            decode(409, Verb::Post, None, b"").status.reason(),
            "AlreadyExists"
        );
        assert_eq!(
            decode(409, Verb::Put, None, b"").status.reason(),
            "Conflict"
        );
        assert_eq!(decode(422, Verb::Put, None, b"").status.reason(), "Invalid");
        assert_eq!(decode(504, Verb::Get, None, b"").status.reason(), "Timeout");
        assert_eq!(
            decode(502, Verb::Get, None, b"").status.reason(),
            "InternalError"
        );
        assert_eq!(decode(410, Verb::Get, None, b"").status.reason(), "Gone");
    }

    #[test]
    fn non_status_bodies_are_cut_to_two_kib() {
        let body = vec![b'x'; 10_000];
        let e = decode(500, Verb::Get, Some("text/plain"), &body);
        let xs = e.status.message().matches('x').count();
        assert_eq!(xs, MAX_ERROR_BODY);
    }

    #[test]
    fn binary_bodies_are_not_shown() {
        let e = decode(
            500,
            Verb::Get,
            Some("application/octet-stream"),
            &[0, 159, 146, 150],
        );
        assert!(!e.status.message().contains('\u{fffd}'));
    }

    #[test]
    fn json_that_is_not_a_status_is_shown_as_text() {
        let e = decode(
            400,
            Verb::Get,
            Some("application/json"),
            br#"{"kind":"Pod"}"#,
        );
        assert_eq!(e.status.reason(), "BadRequest");
        assert!(e.status.message().contains(r#"{"kind":"Pod"}"#));
    }
}
