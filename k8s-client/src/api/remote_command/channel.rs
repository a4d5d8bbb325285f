//! The channel framing of Kubernetes' WebSocket streaming protocols, with no IO.
//!
//! Every binary message starts with one byte, the channel; the rest is that
//! channel's data. exec and attach (`v4.channel.k8s.io`,
//! `v5.channel.k8s.io`) use channels 0 to 4: stdin, stdout, stderr, the
//! error channel (one `metav1.Status` at the end) and terminal resizes (JSON
//! `{"Width":…,"Height":…}`). v5 adds the close message: channel 255 with
//! one byte, the channel whose writer is done (stdin's EOF). Port-forward
//! (`v4.channel.k8s.io` on the portforward subresource) gives each
//! requested port two channels, data `2i` and error `2i+1`, and the server
//! opens each with the port, two bytes little-endian.

use bytes::{BufMut, Bytes, BytesMut};
use serde::Serialize;

use super::{ExitStatus, TerminalSize};
use crate::SessionErrorKind;
use crate::meta::Status;

/// exec and attach: the process's stdin (client to server).
pub(crate) const STDIN: u8 = 0;
/// exec and attach: stdout (server to client).
pub(crate) const STDOUT: u8 = 1;
/// exec and attach: stderr (server to client).
pub(crate) const STDERR: u8 = 2;
/// exec and attach: the Status that ends the session (server to client).
pub(crate) const ERROR: u8 = 3;
/// exec and attach: terminal sizes (client to server).
pub(crate) const RESIZE: u8 = 4;
/// v5: "this channel is done" (its one data byte names the channel).
pub(crate) const CLOSE: u8 = 255;

/// The subprotocols for exec and attach, in order of preference: v5 can
/// say that stdin ended, v4 cannot.
pub(crate) const V5: &str = "v5.channel.k8s.io";
/// See [`V5`].
pub(crate) const V4: &str = "v4.channel.k8s.io";

/// `NonZeroExitCode`: the reason of an error-channel Status whose cause
/// carries the exit code.
const NON_ZERO_EXIT_CODE: &str = "NonZeroExitCode";
/// The cause (by its `reason`) that carries the exit code as its message.
const EXIT_CODE_CAUSE: &str = "ExitCode";

/// Most bytes of an error channel kept (a Status is small; a server that
/// sends more is not believed further).
pub(crate) const MAX_ERROR_CHANNEL: usize = 64 * 1024;

/// A message's channel and data.
pub(crate) fn split(message: &Bytes) -> Option<(u8, Bytes)> {
    let channel = *message.first()?;
    Some((channel, message.slice(1..)))
}

/// A buffer to fill with one message's data for `channel`: the channel byte
/// comes first, so the buffer is the message once the data is in.
pub(crate) fn message_buffer(channel: u8, capacity: usize) -> BytesMut {
    let mut buf = BytesMut::with_capacity(capacity + 1);
    buf.put_u8(channel);
    buf
}

/// v5's close message for `channel`.
pub(crate) fn close_message(channel: u8) -> Bytes {
    Bytes::copy_from_slice(&[CLOSE, channel])
}

/// A resize message: channel 4 with the size as client-go writes it.
pub(crate) fn resize_message(size: TerminalSize) -> Bytes {
    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Wire {
        width: u16,
        height: u16,
    }
    let wire = Wire {
        width: size.width,
        height: size.height,
    };
    let mut buf = message_buffer(RESIZE, 32);
    // Two integers always serialize.
    if serde_json::to_writer((&mut buf).writer(), &wire).is_err() {
        buf.truncate(1);
    }
    buf.freeze()
}

/// The exit status in what the error channel carried, as client-go's v4
/// decoder reads it: nothing or `Success` is exit code 0; a `Failure` with
/// reason `NonZeroExitCode` carries the code in its `ExitCode` cause; any
/// other failure means the command did not run as asked.
pub(crate) fn exit_status(error_channel: &[u8]) -> Result<ExitStatus, SessionErrorKind> {
    if error_channel.iter().all(u8::is_ascii_whitespace) {
        return Ok(ExitStatus::exited_zero());
    }
    let status: Status = serde_json::from_slice(error_channel).map_err(|e| {
        SessionErrorKind::Protocol(format!("the error channel is not a Status: {e}"))
    })?;
    if status.is_success() {
        return Ok(ExitStatus::exited_zero());
    }
    if status.reason() != NON_ZERO_EXIT_CODE {
        return Err(SessionErrorKind::Failed(Box::new(status)));
    }
    let cause = status
        .details
        .as_ref()
        .and_then(|d| {
            d.causes
                .iter()
                .find(|c| c.reason.as_deref() == Some(EXIT_CODE_CAUSE))
        })
        .and_then(|c| c.message.as_deref());
    let Some(cause) = cause else {
        return Err(SessionErrorKind::Protocol(
            "a NonZeroExitCode Status without an ExitCode cause".to_owned(),
        ));
    };
    let code = cause
        .trim()
        .parse::<i32>()
        .map_err(|_| SessionErrorKind::Protocol(format!("exit code {cause:?} is not a number")))?;
    Ok(ExitStatus {
        code: Some(code),
        message: status.message,
    })
}

/// Takes the port number that opens a port-forward channel off its first
/// data, however the server split it across messages.
#[derive(Debug)]
pub(crate) struct PortHeader {
    expected: u16,
    seen: Vec<u8>,
    done: bool,
}

impl PortHeader {
    pub(crate) fn new(expected: u16) -> Self {
        PortHeader {
            expected,
            seen: Vec::with_capacity(2),
            done: false,
        }
    }

    /// The data after the header (empty while the header is incomplete),
    /// or what is wrong with the header.
    pub(crate) fn strip(&mut self, mut data: Bytes) -> Result<Bytes, SessionErrorKind> {
        if self.done {
            return Ok(data);
        }
        let need = 2 - self.seen.len();
        let take = need.min(data.len());
        self.seen.extend_from_slice(&data.split_to(take));
        if self.seen.len() < 2 {
            return Ok(Bytes::new());
        }
        self.done = true;
        let port = u16::from_le_bytes([self.seen[0], self.seen[1]]);
        if port != self.expected {
            return Err(SessionErrorKind::Protocol(format!(
                "a channel for port {} opened with port {port}",
                self.expected
            )));
        }
        Ok(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_its_channel_then_its_data() {
        let message = Bytes::from_static(b"\x01hello");
        assert_eq!(
            split(&message),
            Some((STDOUT, Bytes::from_static(b"hello")))
        );
        assert_eq!(
            split(&Bytes::from_static(b"\x02")),
            Some((STDERR, Bytes::new()))
        );
        assert_eq!(split(&Bytes::new()), None);

        let mut buf = message_buffer(STDIN, 4);
        buf.extend_from_slice(b"abc");
        assert_eq!(&buf[..], b"\x00abc");
    }

    #[test]
    fn close_and_resize_messages_are_client_gos() {
        assert_eq!(&close_message(STDIN)[..], [255, 0]);
        let resize = resize_message(TerminalSize {
            width: 100,
            height: 40,
        });
        assert_eq!(&resize[..], b"\x04{\"Width\":100,\"Height\":40}");
    }

    #[test]
    fn the_error_channel_gives_the_exit_status() {
        assert_eq!(exit_status(b"").unwrap(), ExitStatus::exited_zero());
        let ok = br#"{"metadata":{},"status":"Success"}"#;
        assert_eq!(exit_status(ok).unwrap().code, Some(0));

        // What the kubelet writes for `exit 3`.
        let three = br#"{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}"#;
        let status = exit_status(three).unwrap();
        assert_eq!(status.code, Some(3));
        assert!(!status.success());
        assert!(status.message.unwrap().contains("exit code 3"));

        let failed = br#"{"status":"Failure","message":"container not found (\"nope\")","reason":"InternalError"}"#;
        match exit_status(failed) {
            Err(SessionErrorKind::Failed(s)) => assert_eq!(s.reason(), "InternalError"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            exit_status(br#"{"status":"Failure","reason":"NonZeroExitCode"}"#),
            Err(SessionErrorKind::Protocol(_))
        ));
        assert!(matches!(
            exit_status(b"not json"),
            Err(SessionErrorKind::Protocol(_))
        ));
    }

    #[test]
    fn the_port_header_is_stripped_even_when_split() {
        let mut h = PortHeader::new(8080);
        let [lo, hi] = 8080u16.to_le_bytes();
        assert_eq!(
            h.strip(Bytes::copy_from_slice(&[lo])).unwrap(),
            Bytes::new()
        );
        let rest = h.strip(Bytes::from(vec![hi, b'x', b'y'])).unwrap();
        assert_eq!(&rest[..], b"xy");
        // After the header, data passes as it is, even bytes that look like one.
        assert_eq!(&h.strip(Bytes::from(vec![lo, hi])).unwrap()[..], [lo, hi]);

        let mut wrong = PortHeader::new(80);
        assert!(matches!(
            wrong.strip(Bytes::from_static(&[81, 0])),
            Err(SessionErrorKind::Protocol(_))
        ));
    }
}
