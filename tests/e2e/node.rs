//! Pods that run. testenv's node is a stand-in for a kubelet and a container
//! runtime (a container is a local process; no image is pulled), but
//! everything these tests talk to is real: the API server, the scheduler and
//! controllers, and the API server's proxying to the node's kubelet endpoint
//! for logs, exec, attach and port-forward. kubectl is the oracle.

use std::future::Future;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures::StreamExt;
use k8s_client::Api;
use k8s_client::api::apps::v1::Deployment;
use k8s_client::api::core::v1::{ContainerStatus, Pod};
use k8s_client::api::{DeleteParams, LogParams, PostParams};
use k8s_testenv::Kind;
use serde_json::{Value, json};

use crate::env::{client, kubectl, namespace, testenv};

/// How long anything here may take before a test gives up: generous, for a
/// machine busy with other tests.
const PATIENCE: Duration = Duration::from_secs(90);

pub fn pod(name: &str, spec: Value) -> Pod {
    serde_json::from_value(json!({ "metadata": { "name": name }, "spec": spec })).unwrap()
}

/// A one-container pod running `sh -c SCRIPT`.
pub fn shell_pod(name: &str, script: &str) -> Pod {
    pod(
        name,
        json!({ "containers": [{ "name": "main", "image": "busybox",
                                 "command": ["sh", "-c", script] }] }),
    )
}

/// Polls `check` until it gives a value, failing after [`PATIENCE`].
pub async fn until<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "{what}: not within {PATIENCE:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn phase(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("")
}

fn is_ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

fn container_status(pod: &Pod) -> Option<&ContainerStatus> {
    pod.status.as_ref()?.container_statuses.as_ref()?.first()
}

/// Waits until the node runs the pod and reports it Ready.
pub async fn running(pods: &Api<Pod>, name: &str) -> Pod {
    until(&format!("pod {name} Running and Ready"), || async {
        let pod = pods.get(name).await.unwrap();
        (phase(&pod) == "Running" && is_ready(&pod)).then_some(pod)
    })
    .await
}

/// Runs testenv's kubectl with extra environment variables (to pick the
/// streaming protocol); returns stdout, stderr and whether it succeeded.
pub async fn kubectl_with(
    envs: &[(&str, &str)],
    args: &[&str],
    stdin: &str,
) -> (String, String, bool) {
    let env = testenv().await;
    let envs: Vec<(String, String)> = envs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let stdin = stdin.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut child = env
            .kubectl()
            .args(&args)
            .envs(envs)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        input.write_all(stdin.as_bytes()).unwrap();
        drop(input);
        let out = child.wait_with_output().unwrap();
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            out.status.success(),
        )
    })
    .await
    .unwrap()
}

/// kubectl's two streaming protocols: WebSocket (its default, which the API
/// server translates to SPDY for the kubelet) and SPDY end to end.
const PROTOCOLS: [(&str, &str); 2] = [("websocket", "true"), ("spdy", "false")];

#[tokio::test]
async fn node_a_deployment_becomes_available_and_kubectl_agrees() {
    let ns = namespace("node-deploy").await;
    let client = client(Kind::Admin).await;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), &ns);
    let pods: Api<Pod> = Api::namespaced(client, &ns);
    let deployment: Deployment = serde_json::from_value(json!({
        "metadata": { "name": "web" },
        "spec": { "replicas": 2, "selector": { "matchLabels": { "app": "web" } },
                  "template": { "metadata": { "labels": { "app": "web" } },
                                "spec": { "containers": [{ "name": "web", "image": "busybox",
                                                           "command": ["sleep", "3600"] }] } } }
    }))
    .unwrap();
    deployments
        .create(&PostParams::default(), &deployment)
        .await
        .unwrap();

    let available = until("2 available replicas", || async {
        let d = deployments.get("web").await.unwrap();
        let available = d.status.as_ref().and_then(|s| s.available_replicas);
        (available == Some(2)).then_some(d)
    })
    .await;
    let status = available.status.unwrap();
    assert_eq!(status.ready_replicas, Some(2));
    assert_eq!(status.updated_replicas, Some(2));
    let listed = pods
        .list(&k8s_client::api::ListParams::default().labels("app=web"))
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 2);
    for pod in &listed.items {
        assert_eq!(phase(pod), "Running", "{pod:?}");
        assert!(is_ready(pod), "{pod:?}");
        let spec = pod.spec.as_deref().unwrap();
        assert_eq!(spec.node_name.as_deref(), Some("testenv-node"));
        let cs = container_status(pod).unwrap();
        assert!(cs.ready && cs.started == Some(true), "{cs:?}");
        assert!(cs.state.as_ref().unwrap().running.is_some(), "{cs:?}");
    }

    kubectl(&[
        "-n",
        &ns,
        "rollout",
        "status",
        "deployment/web",
        "--timeout=60s",
    ])
    .await;
    let seen = kubectl(&[
        "-n",
        &ns,
        "get",
        "deployment",
        "web",
        "-o",
        "jsonpath={.status.availableReplicas} {.status.readyReplicas}",
    ])
    .await;
    assert_eq!(seen, "2 2");
    let phases = kubectl(&[
        "-n",
        &ns,
        "get",
        "pods",
        "-l",
        "app=web",
        "-o",
        "jsonpath={.items[*].status.phase}",
    ])
    .await;
    assert_eq!(phases, "Running Running");
}

#[tokio::test]
async fn node_logs_of_a_running_pod_match_kubectl() {
    let ns = namespace("node-logs").await;
    let pods: Api<Pod> = Api::namespaced(client(Kind::Admin).await, &ns);
    pods.create(
        &PostParams::default(),
        &shell_pod("hello", "echo hello; echo second >&2; sleep 3600"),
    )
    .await
    .unwrap();
    running(&pods, "hello").await;
    let all = LogParams::default();
    let ours = until("both lines in the log", || async {
        let log = pods.logs("hello", &all).await.unwrap();
        (log.lines().count() == 2).then_some(log)
    })
    .await;
    // Two streams, two pipes: their order in the log is a race, as with a runtime.
    let mut lines: Vec<&str> = ours.lines().collect();
    lines.sort_unstable();
    assert_eq!(lines, ["hello", "second"]);
    assert_eq!(ours, kubectl(&["-n", &ns, "logs", "hello"]).await);

    let stamped = pods
        .logs("hello", &LogParams::default().timestamps())
        .await
        .unwrap();
    assert_eq!(
        stamped,
        kubectl(&["-n", &ns, "logs", "hello", "--timestamps"]).await
    );
    for (stamped, plain) in stamped.lines().zip(ours.lines()) {
        let (time, text) = stamped.split_once(' ').unwrap();
        assert_eq!(text, plain);
        assert!(time.ends_with('Z') && time.contains('T'), "{time}");
    }

    let last = pods
        .logs("hello", &LogParams::default().tail_lines(1))
        .await
        .unwrap();
    assert_eq!(last, format!("{}\n", ours.lines().last().unwrap()));
    assert_eq!(
        last,
        kubectl(&["-n", &ns, "logs", "hello", "--tail=1"]).await
    );

    // Following a running container: the existing lines come, the stream stays open.
    let mut follow = pods
        .log_stream("hello", &LogParams::default().container("main").follow())
        .await
        .unwrap();
    let mut seen = Vec::new();
    while seen.len() < ours.len() {
        seen.extend_from_slice(&follow.next().await.unwrap().unwrap());
    }
    assert_eq!(seen, ours.as_bytes());
    let more = tokio::time::timeout(Duration::from_millis(500), follow.next()).await;
    assert!(more.is_err(), "the follow ended or sent more: {more:?}");
}

#[tokio::test]
async fn node_kubectl_exec_echo_works_over_both_protocols() {
    let ns = namespace("node-exec").await;
    let pods: Api<Pod> = Api::namespaced(client(Kind::Admin).await, &ns);
    pods.create(&PostParams::default(), &shell_pod("shell", "sleep 3600"))
        .await
        .unwrap();
    running(&pods, "shell").await;
    for (protocol, websockets) in PROTOCOLS {
        let envs = [("KUBECTL_REMOTE_COMMAND_WEBSOCKETS", websockets)];
        let (out, err, ok) = kubectl_with(
            &envs,
            &["-n", &ns, "exec", "shell", "--", "echo", "hello", protocol],
            "",
        )
        .await;
        assert!(ok, "{protocol}: {err}");
        assert_eq!(out, format!("hello {protocol}\n"));

        let script = "read line; echo \"out $line\"; echo \"err $line\" >&2; exit 3";
        let (out, err, ok) = kubectl_with(
            &envs,
            &["-n", &ns, "exec", "-i", "shell", "--", "sh", "-c", script],
            "in\n",
        )
        .await;
        assert!(!ok, "{protocol}: exit 3 must fail kubectl");
        assert_eq!(out, "out in\n", "{protocol}");
        assert!(err.contains("err in\n"), "{protocol}: {err}");
        assert!(
            err.contains("command terminated with exit code 3"),
            "{protocol}: {err}"
        );
    }
}

#[tokio::test]
async fn node_kubectl_attach_reaches_the_container_stdin_over_both_protocols() {
    let ns = namespace("node-attach").await;
    let pods: Api<Pod> = Api::namespaced(client(Kind::Admin).await, &ns);
    for (protocol, websockets) in PROTOCOLS {
        let name = format!("reader-{protocol}");
        let reader = pod(
            &name,
            json!({ "restartPolicy": "Never",
                    "containers": [{ "name": "main", "image": "busybox", "stdin": true, "stdinOnce": true,
                                     "command": ["sh", "-c", "read line; echo \"got $line\""] }] }),
        );
        pods.create(&PostParams::default(), &reader).await.unwrap();
        running(&pods, &name).await;
        let envs = [("KUBECTL_REMOTE_COMMAND_WEBSOCKETS", websockets)];
        let (out, err, ok) = kubectl_with(&envs, &["-n", &ns, "attach", "-i", &name], "hi\n").await;
        assert!(ok, "{protocol}: {err}");
        assert_eq!(out, "got hi\n", "{protocol}: {err}");
        let done = until("the reader to succeed", || async {
            let pod = pods.get(&name).await.unwrap();
            (phase(&pod) == "Succeeded").then_some(pod)
        })
        .await;
        let cs = container_status(&done).unwrap();
        let exit = cs.state.as_ref().unwrap().terminated.as_ref().unwrap();
        assert_eq!(
            (exit.exit_code, exit.reason.as_deref()),
            (0, Some("Completed"))
        );
    }
}

/// Answers each connection with "pong " and what it received, until EOF.
fn serve_pong() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            std::thread::spawn(move || {
                let mut got = Vec::new();
                let _ = conn.read_to_end(&mut got);
                let _ = conn.write_all(&[b"pong ", &got[..]].concat());
            });
        }
    });
    port
}

#[tokio::test]
async fn node_kubectl_port_forward_reaches_a_port_on_the_pod_over_both_protocols() {
    let ns = namespace("node-forward").await;
    let pods: Api<Pod> = Api::namespaced(client(Kind::Admin).await, &ns);
    // Every pod's IP is 127.0.0.1: a port this test listens on is the pod's.
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
    let port = serve_pong();
    let env = testenv().await;
    for (protocol, websockets) in PROTOCOLS {
        let ns = ns.clone();
        let answers = tokio::task::spawn_blocking(move || {
            let mut forward: Command = env.kubectl();
            let mut child = forward
                .args(["-n", &ns, "port-forward", "pod/target", &format!(":{port}")])
                .env("KUBECTL_PORT_FORWARD_WEBSOCKETS", websockets)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            // "Forwarding from 127.0.0.1:LOCAL -> PORT"
            let mut stdout = BufReader::new(child.stdout.take().unwrap());
            let mut line = String::new();
            stdout.read_line(&mut line).unwrap();
            // kubectl reports each connection there: keep reading.
            std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
            let local = line
                .split_whitespace()
                .nth(2)
                .and_then(|a| a.rsplit(':').next())
                .unwrap_or_else(|| panic!("no local port in {line:?}"))
                .to_owned();
            let answers: Vec<Result<String, std::io::Error>> = (0..3)
                .map(|i| {
                    let mut conn = TcpStream::connect(format!("127.0.0.1:{local}"))?;
                    conn.set_read_timeout(Some(PATIENCE))?;
                    conn.write_all(format!("ping {i}").as_bytes())?;
                    conn.shutdown(std::net::Shutdown::Write)?;
                    let mut answer = String::new();
                    conn.read_to_string(&mut answer)?;
                    Ok(answer)
                })
                .collect();
            let _ = child.kill();
            let mut log = String::new();
            let _ = child.stderr.take().unwrap().read_to_string(&mut log);
            let _ = child.wait();
            let answers: Vec<String> = answers
                .into_iter()
                .map(|a| {
                    a.unwrap_or_else(|e| {
                        panic!("{protocol}: {e}; kubectl port-forward said: {log}")
                    })
                })
                .collect();
            answers
        })
        .await
        .unwrap();
        assert_eq!(
            answers,
            ["pong ping 0", "pong ping 1", "pong ping 2"],
            "{protocol}"
        );
    }
}

#[tokio::test]
async fn node_a_pod_that_exits_3_restarts_on_failure_and_keeps_its_previous_log() {
    let ns = namespace("node-restart").await;
    let pods: Api<Pod> = Api::namespaced(client(Kind::Admin).await, &ns);
    // Each run counts itself in a file in the container's directory, which
    // outlives its restarts.
    let script =
        "n=$(cat runs 2>/dev/null || echo 0); echo \"run $n\"; echo $((n + 1)) > runs; exit 3";
    let mut crashing = shell_pod("crash", script);
    crashing.spec.as_mut().unwrap().restart_policy = Some("OnFailure".into());
    pods.create(&PostParams::default(), &crashing)
        .await
        .unwrap();

    let restarted = until("a restart after exit code 3", || async {
        let pod = pods.get("crash").await.unwrap();
        let cs = container_status(&pod)?;
        let last = cs.last_state.as_ref()?.terminated.as_ref()?;
        (cs.restart_count > 0 && last.exit_code == 3).then_some(pod)
    })
    .await;
    assert_eq!(phase(&restarted), "Running");
    let cs = container_status(&restarted).unwrap();
    let last = cs.last_state.as_ref().unwrap().terminated.as_ref().unwrap();
    assert_eq!(last.reason.as_deref(), Some("Error"));
    let restarts: i32 = kubectl(&[
        "-n",
        &ns,
        "get",
        "pod",
        "crash",
        "-o",
        "jsonpath={.status.containerStatuses[0].restartCount}",
    ])
    .await
    .parse()
    .unwrap();
    assert!(restarts > 0);

    // The container keeps restarting: compare once both saw the same run.
    let previous = LogParams::default().previous();
    let mut attempts = 0;
    loop {
        let ours = pods.logs("crash", &previous).await.unwrap();
        let theirs = kubectl(&["-n", &ns, "logs", "crash", "--previous"]).await;
        let run: u32 = ours
            .strip_prefix("run ")
            .and_then(|n| n.trim_end().parse().ok())
            .unwrap_or_else(|| panic!("previous log {ours:?}"));
        let count = container_status(&pods.get("crash").await.unwrap())
            .unwrap()
            .restart_count;
        assert!(
            i64::from(run) <= i64::from(count),
            "run {run} of {count} restarts"
        );
        if ours == theirs {
            break;
        }
        attempts += 1;
        assert!(attempts < 5, "ours {ours:?}, kubectl's {theirs:?}");
    }
}

/// The PID a container printed as its first log line (`echo $$$$`: the
/// kubelet's expansion of `$(VAR)` in a command turns `$$` into `$`).
async fn logged_pid(pods: &Api<Pod>, name: &str) -> u32 {
    until(&format!("the PID in {name}'s log"), || async {
        let log = pods.logs(name, &LogParams::default()).await.unwrap();
        log.lines().next().and_then(|l| l.trim().parse().ok())
    })
    .await
}

fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Waits until the pod is removed from the API.
pub async fn gone(pods: &Api<Pod>, name: &str) {
    until(&format!("pod {name} removed"), || async {
        pods.get_opt(name).await.unwrap().is_none().then_some(())
    })
    .await
}

#[tokio::test]
async fn node_deleting_a_pod_stops_its_process_within_the_grace_period() {
    let ns = namespace("node-delete").await;
    let pods: Api<Pod> = Api::namespaced(client(Kind::Admin).await, &ns);

    // A process that stops on SIGTERM is gone long before the default 30s.
    pods.create(
        &PostParams::default(),
        &shell_pod("polite", "echo $$$$; exec sleep 3600"),
    )
    .await
    .unwrap();
    running(&pods, "polite").await;
    let pid = logged_pid(&pods, "polite").await;
    assert!(alive(pid));
    let started = Instant::now();
    pods.delete("polite", &DeleteParams::default())
        .await
        .unwrap();
    gone(&pods, "polite").await;
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    assert!(!alive(pid), "process {pid} outlived its pod");

    // One that ignores SIGTERM lives out its grace period, then is killed.
    let stubborn = pod(
        "stubborn",
        json!({ "terminationGracePeriodSeconds": 3,
                "containers": [{ "name": "main", "image": "busybox", "command": ["sh", "-c",
                    "trap '' TERM; echo $$$$; while true; do sleep 0.2; done"] }] }),
    );
    pods.create(&PostParams::default(), &stubborn)
        .await
        .unwrap();
    running(&pods, "stubborn").await;
    let pid = logged_pid(&pods, "stubborn").await;
    let started = Instant::now();
    pods.delete("stubborn", &DeleteParams::default())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    if started.elapsed() < Duration::from_secs(3) {
        assert!(
            alive(pid),
            "process {pid} was killed before its grace period ended"
        );
        let terminating = pods.get("stubborn").await.unwrap();
        assert!(terminating.metadata.deletion_timestamp.is_some());
    }
    gone(&pods, "stubborn").await;
    assert!(started.elapsed() >= Duration::from_secs(3));
    assert!(!alive(pid), "process {pid} outlived its pod");
}
