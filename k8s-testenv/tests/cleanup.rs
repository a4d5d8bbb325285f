//! A test process that dies without any chance to clean up (SIGKILL) still
//! leaves no control plane behind: testenv notices its stdin close, stops and
//! removes its temporary directory.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use k8s_testenv::TestEnv;

/// Set for the child process only.
const CHILD_ENV: &str = "K8S_TESTENV_CLEANUP_CHILD";

/// The child: starts a control plane, reports where, then waits to be killed.
#[test]
#[ignore = "run by killed_test_process_leaves_no_control_plane_behind as its child"]
fn child_starts_a_control_plane_and_waits() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let env = TestEnv::start_temp().unwrap();
    println!("dir {}", env.dir().display());
    println!("server {}", env.server_url());
    std::thread::sleep(Duration::from_secs(600));
}

#[test]
fn killed_test_process_leaves_no_control_plane_behind() {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_starts_a_control_plane_and_waits",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD_ENV, "1")
        .env_remove("K8S_TESTENV_DIR")
        .env_remove("K8S_TESTENV_KEEP")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut dir = None;
    let mut server = None;
    while dir.is_none() || server.is_none() {
        let line = lines
            .next()
            .expect("the child exited before its control plane was ready")
            .unwrap();
        if let Some(d) = line.strip_prefix("dir ") {
            dir = Some(PathBuf::from(d));
        } else if let Some(s) = line.strip_prefix("server https://") {
            server = Some(s.to_owned());
        }
    }
    let (dir, server) = (dir.unwrap(), server.unwrap());
    assert!(dir.exists());
    assert!(
        TcpStream::connect(&server).is_ok(),
        "{server} is not serving"
    );

    child.kill().unwrap(); // SIGKILL: no destructor, no panic hook runs.
    child.wait().unwrap();

    let deadline = Instant::now() + Duration::from_secs(30);
    while dir.exists() || TcpStream::connect(&server).is_ok() {
        assert!(
            Instant::now() < deadline,
            "30 s after SIGKILL of the test process, testenv still runs ({server}) or {} exists",
            dir.display()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}
