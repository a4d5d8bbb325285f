//! Fault tests of the session task against a scripted peer over an
//! in-memory pipe: what the real server (tests/e2e/streaming.rs) cannot be
//! made to do on demand (a wrong port header, a v4 server, silence after
//! pings), and the exact frames the client sends.

use std::time::Duration;

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::Role;

use super::channel::{V4, V5};
use super::websocket::Socket;
use super::{AttachParams, exec, portforward};
use crate::{Error, SessionErrorKind};

/// A client socket speaking `protocol`, and the server's end.
async fn pair(protocol: &'static str) -> (Socket<DuplexStream>, WebSocketStream<DuplexStream>) {
    let (client, server) = tokio::io::duplex(1 << 20);
    let (client, server) = tokio::join!(
        WebSocketStream::from_raw_socket(client, Role::Client, None),
        WebSocketStream::from_raw_socket(server, Role::Server, None),
    );
    let socket = Socket {
        ws: client,
        protocol,
        operation: "GET /test".to_owned(),
    };
    (socket, server)
}

fn frame(channel: u8, data: &[u8]) -> Message {
    Message::Binary(Bytes::from([&[channel][..], data].concat()))
}

/// The next binary message the server receives (pings skipped).
async fn next_binary(server: &mut WebSocketStream<DuplexStream>) -> Option<Vec<u8>> {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), server.next()).await {
            Ok(Some(Ok(Message::Binary(b)))) => return Some(b.to_vec()),
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
            Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) => return None,
            Ok(Some(Ok(other))) => panic!("unexpected {other:?}"),
            Err(_) => panic!("no message within 5 s"),
        }
    }
}

#[tokio::test]
async fn exec_under_v5_routes_channels_closes_stdin_and_reads_the_exit_code() {
    let (socket, mut server) = pair(V5).await;
    let mut process = exec::start(socket, &AttachParams::default().stdin(true));
    let mut stdin = process.stdin().unwrap();
    stdin.write_all(b"input").await.unwrap();
    stdin.shutdown().await.unwrap();
    assert_eq!(next_binary(&mut server).await.unwrap(), b"\x00input");
    // v5's close message for channel 0: the end of stdin.
    assert_eq!(next_binary(&mut server).await.unwrap(), [255, 0]);

    let status = br#"{"status":"Failure","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}"#;
    for message in [
        frame(1, b""),
        frame(1, b"out"),
        frame(2, b"err"),
        frame(3, status),
        Message::Close(None),
    ] {
        server.send(message).await.unwrap();
    }
    let (mut out, mut err) = (String::new(), String::new());
    process
        .stdout()
        .unwrap()
        .read_to_string(&mut out)
        .await
        .unwrap();
    process
        .stderr()
        .unwrap()
        .read_to_string(&mut err)
        .await
        .unwrap();
    assert_eq!((out.as_str(), err.as_str()), ("out", "err"));
    assert_eq!(process.join().await.unwrap().code, Some(3));
}

#[tokio::test]
async fn exec_under_v4_sends_no_close_message() {
    let (socket, mut server) = pair(V4).await;
    let mut process = exec::start(socket, &AttachParams::default().stdin(true));
    assert!(!process.can_close_stdin());
    let mut stdin = process.stdin().unwrap();
    stdin.write_all(b"x").await.unwrap();
    stdin.shutdown().await.unwrap();
    assert_eq!(next_binary(&mut server).await.unwrap(), b"\x00x");
    // v4 has no way to say it: the next thing the server sees is the
    // session closing when it answers.
    server
        .send(frame(3, br#"{"status":"Success"}"#))
        .await
        .unwrap();
    server.send(Message::Close(None)).await.unwrap();
    assert!(process.join().await.unwrap().success());
    assert_eq!(next_binary(&mut server).await, None);
}

#[tokio::test]
async fn a_tty_session_sends_sizes_on_the_resize_channel() {
    let (socket, mut server) = pair(V5).await;
    let mut process = exec::start(socket, &AttachParams::interactive_tty());
    let sizes = process.terminal_size().unwrap();
    sizes
        .send(super::TerminalSize {
            width: 80,
            height: 24,
        })
        .await
        .unwrap();
    assert_eq!(
        next_binary(&mut server).await.unwrap(),
        b"\x04{\"Width\":80,\"Height\":24}"
    );
}

#[tokio::test]
async fn dropping_every_handle_closes_the_session() {
    let (socket, mut server) = pair(V5).await;
    let process = exec::start(socket, &AttachParams::default());
    drop(process);
    assert_eq!(next_binary(&mut server).await, None, "a close, not data");
}

fn session_kind(e: &std::io::Error) -> Option<&SessionErrorKind> {
    match e.get_ref()?.downcast_ref::<Error>()? {
        Error::Session { kind, .. } => Some(kind),
        _ => None,
    }
}

#[tokio::test]
async fn a_ports_error_fails_its_stream_alone() {
    let (socket, mut server) = pair(V4).await;
    let mut forward = portforward::start(socket, &[80, 81]);
    let mut first = forward.take_stream(80).unwrap();
    let mut second = forward.take_stream(81).unwrap();
    // Each channel opens with its port, little-endian.
    for (channel, port) in [(0u8, 80u16), (1, 80), (2, 81), (3, 81)] {
        server
            .send(frame(channel, &port.to_le_bytes()))
            .await
            .unwrap();
    }
    server.send(frame(1, b"connection refused")).await.unwrap();
    server.send(frame(2, b"hello")).await.unwrap();

    let mut buf = Vec::new();
    let failed = first.read_to_end(&mut buf).await.unwrap_err();
    assert_eq!(
        session_kind(&failed),
        Some(&SessionErrorKind::PortForward {
            port: 80,
            message: "connection refused".to_owned()
        })
    );
    let mut hello = [0u8; 5];
    second.read_exact(&mut hello).await.unwrap();
    assert_eq!(&hello, b"hello");
    second.write_all(b"back").await.unwrap();
    assert_eq!(next_binary(&mut server).await.unwrap(), b"\x02back");
}

#[tokio::test]
async fn a_wrong_port_header_fails_the_session_and_its_readers() {
    let (socket, mut server) = pair(V4).await;
    let mut forward = portforward::start(socket, &[80]);
    let mut stream = forward.take_stream(80).unwrap();
    server.send(frame(0, &8080u16.to_le_bytes())).await.unwrap();
    let mut buf = Vec::new();
    let failed = stream.read_to_end(&mut buf).await.unwrap_err();
    assert!(
        matches!(session_kind(&failed), Some(SessionErrorKind::Protocol(_))),
        "{failed}"
    );
    drop(stream);
    let joined = forward.join().await.unwrap_err();
    assert!(
        joined
            .to_string()
            .starts_with("GET /test: stream protocol error"),
        "{joined}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_server_that_stops_answering_pings_breaks_the_session() {
    let (socket, server) = pair(V5).await;
    let process = exec::start(socket, &AttachParams::default());
    // The server holds its end open but never reads, so never answers.
    let failed = process.join().await.unwrap_err();
    assert!(
        matches!(
            &failed,
            Error::Session {
                kind: SessionErrorKind::Broken,
                ..
            }
        ),
        "{failed}"
    );
    drop(server);
}
