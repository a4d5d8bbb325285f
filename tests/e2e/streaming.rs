//! exec, attach and port-forward from the library, against testenv's node
//! (the kubelet's own streaming handlers; see node.rs). kubectl is the
//! oracle where it can see the same thing.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::time::Duration;

use k8s_client::api::core::v1::Pod;
use k8s_client::api::{AttachParams, PostParams, TerminalSize};
use k8s_client::{Api, ClientBuilder, Error, SessionErrorKind};
use k8s_testenv::Kind;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt};

use crate::env::{client, config, kubectl, namespace};
use crate::node::{kubectl_with, pod, running, shell_pod, until};

/// How long one read may take before a test gives up.
const PATIENCE: Duration = Duration::from_secs(60);

/// A namespace with a running pod `shell` (`sleep`), and pods for it.
async fn shell(prefix: &str) -> (String, Api<Pod>) {
    let ns = namespace(prefix).await;
    let pods: Api<Pod> = Api::namespaced(client(Kind::Admin).await, &ns);
    pods.create(&PostParams::default(), &shell_pod("shell", "sleep 3600"))
        .await
        .unwrap();
    running(&pods, "shell").await;
    (ns, pods)
}

async fn read_all(reader: Option<impl AsyncRead + Unpin>) -> String {
    let mut reader = reader.expect("a stream that was asked for");
    let mut out = Vec::new();
    tokio::time::timeout(PATIENCE, reader.read_to_end(&mut out))
        .await
        .expect("the stream to end")
        .unwrap();
    String::from_utf8(out).unwrap()
}

/// Runs `command` in `shell` with stdout and stderr; returns both and the status.
async fn exec_output(
    pods: &Api<Pod>,
    command: &[&str],
) -> (String, String, k8s_client::api::ExitStatus) {
    let mut process = pods
        .exec("shell", command, &AttachParams::default())
        .await
        .unwrap();
    let (out, err) = tokio::join!(read_all(process.stdout()), read_all(process.stderr()));
    let status = process.join().await.unwrap();
    (out, err, status)
}

#[tokio::test]
async fn streaming_exec_echo_matches_kubectl_exec() {
    let (ns, pods) = shell("ws-echo").await;
    let (out, err, status) = exec_output(&pods, &["echo", "hello", "world"]).await;
    assert_eq!((out.as_str(), err.as_str()), ("hello world\n", ""));
    assert!(status.success(), "{status:?}");
    assert_eq!(
        out,
        kubectl(&["-n", &ns, "exec", "shell", "--", "echo", "hello", "world"]).await
    );
}

#[tokio::test]
async fn streaming_exec_keeps_stderr_apart_and_exit_code_3_is_a_value() {
    let (ns, pods) = shell("ws-exit").await;
    let script = "echo out; echo err >&2; exit 3";
    let (out, err, status) = exec_output(&pods, &["sh", "-c", script]).await;
    assert_eq!(out, "out\n");
    assert_eq!(err, "err\n");
    assert_eq!(status.code, Some(3));
    assert!(!status.success());

    // kubectl sees the same streams and the same code.
    let (k_out, k_err, ok) = kubectl_with(
        &[],
        &["-n", &ns, "exec", "shell", "--", "sh", "-c", script],
        "",
    )
    .await;
    assert!(!ok);
    assert_eq!(k_out, out);
    assert!(k_err.starts_with(&err), "{k_err}");
    assert!(
        k_err.contains("command terminated with exit code 3"),
        "{k_err}"
    );
}

#[tokio::test]
async fn streaming_exec_a_command_that_cannot_run_is_an_exit_code_not_a_hang() {
    let (_ns, pods) = shell("ws-missing").await;
    let (_, _, status) = exec_output(&pods, &["no-such-command-here"]).await;
    // What a shell answers for a command it cannot find.
    assert_eq!(status.code, Some(127));

    // A container the pod does not have: the API server refuses the upgrade.
    let refused = pods
        .exec(
            "shell",
            ["true"],
            &AttachParams::default().container("absent"),
        )
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some(400), "{refused}");
    assert!(refused.to_string().contains("absent"), "{refused}");
}

#[tokio::test]
async fn streaming_exec_stdin_round_trips_10_mb_through_cat() {
    let (_ns, pods) = shell("ws-stdin").await;
    let mut process = pods
        .exec("shell", ["cat"], &AttachParams::default().stdin(true))
        .await
        .unwrap();
    assert_eq!(process.protocol(), "v5.channel.k8s.io");
    assert!(process.can_close_stdin());
    let input: Vec<u8> = (0..10 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let mut stdin = process.stdin().unwrap();
    let mut stdout = process.stdout().unwrap();
    let writer = async {
        stdin.write_all(&input).await.unwrap();
        // v5: the end of stdin reaches cat, which then exits.
        stdin.shutdown().await.unwrap();
    };
    let mut output = Vec::with_capacity(input.len());
    let reader = tokio::time::timeout(PATIENCE, stdout.read_to_end(&mut output));
    let ((), read) = tokio::join!(writer, reader);
    read.expect("cat to finish").unwrap();
    assert_eq!(output.len(), input.len());
    assert!(output == input, "cat gave back different bytes");
    assert!(process.join().await.unwrap().success());
}

/// Reads `reader` until what was read contains `wanted`.
async fn read_until_contains(
    reader: &mut (impl AsyncRead + Unpin),
    seen: &mut String,
    wanted: &str,
) {
    let mut buf = [0u8; 4096];
    while !seen.contains(wanted) {
        let n = tokio::time::timeout(PATIENCE, reader.read(&mut buf))
            .await
            .unwrap_or_else(|_| panic!("no {wanted:?} in {seen:?}"))
            .unwrap();
        assert!(n > 0, "the stream ended without {wanted:?}: {seen:?}");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
}

#[tokio::test]
async fn streaming_exec_tty_sees_each_resize() {
    let (_ns, pods) = shell("ws-tty").await;
    // One `stty size` (rows cols) per line read.
    let mut process = pods
        .exec(
            "shell",
            ["sh", "-c", "while read line; do stty size; done"],
            &AttachParams::interactive_tty(),
        )
        .await
        .unwrap();
    assert!(
        process.stderr().is_none(),
        "a TTY merges stderr into stdout"
    );
    let sizes = process.terminal_size().unwrap();
    let mut stdin = process.stdin().unwrap();
    let mut stdout = process.stdout().unwrap();
    let mut seen = String::new();
    for (width, height) in [(100, 40), (132, 50)] {
        sizes.send(TerminalSize { width, height }).await.unwrap();
        let wanted = format!("{height} {width}");
        // The resize and the line travel on different channels: ask until the
        // process reports the new size.
        let deadline = std::time::Instant::now() + PATIENCE;
        while !seen.contains(&wanted) {
            assert!(
                std::time::Instant::now() < deadline,
                "no {wanted:?} in {seen:?}"
            );
            stdin.write_all(b"\n").await.unwrap();
            let mut buf = [0u8; 1024];
            let read =
                tokio::time::timeout(Duration::from_millis(300), stdout.read(&mut buf)).await;
            if let Ok(n) = read {
                seen.push_str(&String::from_utf8_lossy(&buf[..n.unwrap()]));
            }
        }
    }
    // ^D at the start of a line: `read` sees the end of input, the shell exits.
    stdin.write_all(b"\x04").await.unwrap();
    let rest = read_all(Some(stdout)).await;
    drop((stdin, sizes));
    let status = tokio::time::timeout(PATIENCE, process.join())
        .await
        .unwrap();
    assert!(status.unwrap().success(), "{seen}{rest}");
}

#[tokio::test]
async fn streaming_a_quiet_session_outlives_the_client_timeout() {
    let (ns, _) = shell("ws-quiet").await;
    // A client whose every request must finish within 2 s.
    let quick = ClientBuilder::from_config(config(Kind::Admin).await)
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let pods: Api<Pod> = Api::namespaced(quick, &ns);
    let started = std::time::Instant::now();
    let mut process = pods
        .exec(
            "shell",
            ["sh", "-c", "sleep 7; echo still here"],
            &AttachParams::default(),
        )
        .await
        .unwrap();
    let out = read_all(process.stdout()).await;
    assert_eq!(out, "still here\n");
    assert!(process.join().await.unwrap().success());
    assert!(started.elapsed() >= Duration::from_secs(7));
    // The timeout still holds for ordinary requests of the same client.
    pods.get("shell").await.unwrap();
}

#[tokio::test]
async fn streaming_attach_reaches_a_running_containers_stdin() {
    let ns = namespace("ws-attach").await;
    let pods: Api<Pod> = Api::namespaced(client(Kind::Admin).await, &ns);
    let reader = pod(
        "reader",
        json!({ "restartPolicy": "Never",
                "containers": [{ "name": "main", "image": "busybox", "stdin": true, "stdinOnce": true,
                                 "command": ["sh", "-c", "while read line; do echo \"got $line\"; done; echo bye"] }] }),
    );
    pods.create(&PostParams::default(), &reader).await.unwrap();
    running(&pods, "reader").await;
    let mut process = pods
        .attach("reader", &AttachParams::default().stdin(true).stderr(false))
        .await
        .unwrap();
    let mut stdin = process.stdin().unwrap();
    let mut stdout = process.stdout().unwrap();
    let mut seen = String::new();
    stdin.write_all(b"one\n").await.unwrap();
    read_until_contains(&mut stdout, &mut seen, "got one\n").await;
    stdin.write_all(b"two\n").await.unwrap();
    read_until_contains(&mut stdout, &mut seen, "got two\n").await;
    // stdinOnce: the end of this session's stdin is the container's.
    stdin.shutdown().await.unwrap();
    read_until_contains(&mut stdout, &mut seen, "bye\n").await;
    assert_eq!(seen, "got one\ngot two\nbye\n");
    drop(stdout);
    assert!(process.join().await.unwrap().success());
    until("the reader to succeed", || async {
        let pod = pods.get("reader").await.unwrap();
        let phase = pod.status.as_ref().and_then(|s| s.phase.clone());
        (phase.as_deref() == Some("Succeeded")).then_some(())
    })
    .await;
}

/// Answers each line with `PREFIX LINE`, on every connection, until EOF.
pub fn serve_lines(prefix: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { return };
            std::thread::spawn(move || {
                let mut writer = conn.try_clone().unwrap();
                for line in BufReader::new(conn).lines() {
                    let Ok(line) = line else { return };
                    if writeln!(writer, "{prefix} {line}").is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

/// Sends `line` and reads the answer line.
async fn ask(conn: &mut tokio::io::BufReader<k8s_client::api::PortStream>, line: &str) -> String {
    conn.get_mut()
        .write_all(format!("{line}\n").as_bytes())
        .await
        .unwrap();
    let mut answer = String::new();
    tokio::time::timeout(PATIENCE, conn.read_line(&mut answer))
        .await
        .expect("an answer")
        .unwrap();
    answer
}

/// A pod with no process: every pod's IP is 127.0.0.1, so a port this
/// test listens on is the pod's.
async fn target(prefix: &str) -> Api<Pod> {
    let ns = namespace(prefix).await;
    let pods: Api<Pod> = Api::namespaced(client(Kind::Admin).await, &ns);
    pods.create(
        &PostParams::default(),
        &pod(
            "target",
            json!({ "containers": [{ "name": "main", "image": "busybox" }] }),
        ),
    )
    .await
    .unwrap();
    running(&pods, "target").await;
    pods
}

#[tokio::test]
async fn streaming_port_forward_two_ports_in_one_session() {
    let pods = target("ws-forward").await;
    let (a, b) = (serve_lines("alpha"), serve_lines("beta"));
    let mut forward = pods.portforward("target", &[a, b]).await.unwrap();
    let mut to_a = tokio::io::BufReader::new(forward.take_stream(a).unwrap());
    let mut to_b = tokio::io::BufReader::new(forward.take_stream(b).unwrap());
    assert!(
        forward.take_stream(a).is_none(),
        "each stream is taken once"
    );
    assert_eq!(to_a.get_ref().port(), a);
    for i in 0..3 {
        assert_eq!(
            ask(&mut to_b, &format!("b{i}")).await,
            format!("beta b{i}\n")
        );
        assert_eq!(
            ask(&mut to_a, &format!("a{i}")).await,
            format!("alpha a{i}\n")
        );
    }
    drop((to_a, to_b));
    // Every stream dropped: the session closes.
    tokio::time::timeout(PATIENCE, forward.join())
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn streaming_port_forward_many_concurrent_connections_one_session_each() {
    let pods = target("ws-forward-many").await;
    let port = serve_lines("pong");
    let mut conns = Vec::new();
    for _ in 0..20 {
        let mut forward = pods.portforward("target", &[port]).await.unwrap();
        conns.push(tokio::io::BufReader::new(
            forward.take_stream(port).unwrap(),
        ));
    }
    // All at once, several lines each.
    let answers =
        futures::future::join_all(conns.iter_mut().enumerate().map(|(i, conn)| async move {
            let mut answers = Vec::new();
            for j in 0..5 {
                answers.push(ask(conn, &format!("{i}.{j}")).await);
            }
            answers
        }))
        .await;
    for (i, answers) in answers.iter().enumerate() {
        let expected: Vec<String> = (0..5).map(|j| format!("pong {i}.{j}\n")).collect();
        assert_eq!(answers, &expected);
    }
    // Closing one connection leaves the others alone.
    drop(conns.remove(0));
    for (i, conn) in conns.iter_mut().enumerate() {
        assert_eq!(
            ask(conn, &format!("again {i}")).await,
            format!("pong again {i}\n")
        );
    }
}

#[tokio::test]
async fn streaming_port_forward_to_a_closed_port_fails_that_connection() {
    let pods = target("ws-forward-refused").await;
    let open = serve_lines("open");
    // A port nobody listens on: bind, note, close.
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut forward = pods.portforward("target", &[closed, open]).await.unwrap();
    let mut refused = forward.take_stream(closed).unwrap();
    let mut fine = tokio::io::BufReader::new(forward.take_stream(open).unwrap());
    let mut buf = Vec::new();
    let err = tokio::time::timeout(PATIENCE, refused.read_to_end(&mut buf))
        .await
        .expect("the refused connection to end")
        .unwrap_err();
    let inner = err.get_ref().and_then(|e| e.downcast_ref::<Error>());
    match inner {
        Some(Error::Session {
            kind: SessionErrorKind::PortForward { port, message },
            ..
        }) => {
            assert_eq!(*port, closed);
            assert!(message.contains("connect"), "{message}");
        }
        other => panic!("{err}: {other:?}"),
    }
    // The other port of the same session still works.
    assert_eq!(ask(&mut fine, "still").await, "open still\n");
}

#[tokio::test]
async fn streaming_exec_works_while_the_client_speaks_http2() {
    use tracing_subscriber::layer::SubscriberExt;
    let (_ns, pods) = shell("ws-h2").await;
    let fields = crate::rest_client::SpanFields::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(fields.clone()));
    pods.get("shell").await.unwrap();
    let (out, _, status) = exec_output(&pods, &["echo", "over", "h1"]).await;
    pods.get("shell").await.unwrap();
    assert_eq!(out, "over h1\n");
    assert!(status.success());
    let seen = fields.0.lock().unwrap().clone();
    let versions: Vec<&str> = seen
        .iter()
        .filter(|(name, _)| name == "http_version")
        .map(|(_, v)| v.as_str())
        .collect();
    // The get, the exec's upgrade, the get again: the same client.
    assert_eq!(versions, ["HTTP/2.0", "HTTP/1.1", "HTTP/2.0"], "{seen:?}");
    assert!(
        seen.contains(&("status".to_owned(), "101".to_owned())),
        "{seen:?}"
    );
}

#[tokio::test]
async fn streaming_a_bearer_token_client_execs_and_forwards() {
    let pods = target("ws-token").await;
    let ns = pods.namespace().unwrap().to_owned();
    let with_token: Api<Pod> = Api::namespaced(client(Kind::Token).await, &ns);
    let mut process = with_token
        .exec("target", ["echo", "token"], &AttachParams::default())
        .await
        .unwrap();
    assert_eq!(read_all(process.stdout()).await, "token\n");
    assert!(process.join().await.unwrap().success());
    let port = serve_lines("pong");
    let mut forward = with_token.portforward("target", &[port]).await.unwrap();
    let mut conn = tokio::io::BufReader::new(forward.take_stream(port).unwrap());
    assert_eq!(ask(&mut conn, "hi").await, "pong hi\n");
}
