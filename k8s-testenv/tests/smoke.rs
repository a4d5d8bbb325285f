//! Starts the real control plane and talks to it with kubectl.

use k8s_testenv::{Kind, TestEnv};

#[test]
fn kubectl_get_default_namespace() {
    let env = TestEnv::shared().unwrap();
    let out = env
        .kubectl()
        .args(["get", "ns", "default", "-o", "name"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "namespace/default"
    );
    assert!(env.server_url().starts_with("https://127.0.0.1:"));
}

#[test]
fn fresh_namespaces_are_unique_and_exist() {
    let env = TestEnv::shared().unwrap();
    let a = env.fresh_namespace("smoke").unwrap();
    let b = env.fresh_namespace("smoke").unwrap();
    assert_ne!(a, b);
    let out = env
        .run_kubectl(["get", "ns", &a, &b, "-o", "name"])
        .unwrap();
    assert_eq!(out.lines().count(), 2, "{out}");
}

#[test]
fn limited_user_is_forbidden_to_create() {
    let env = TestEnv::shared().unwrap();
    let list = env
        .kubectl_as(Kind::Limited)
        .args(["get", "configmaps"])
        .output()
        .unwrap();
    assert!(
        list.status.success(),
        "{}",
        String::from_utf8_lossy(&list.stderr)
    );
    let create = env
        .kubectl_as(Kind::Limited)
        .args(["create", "configmap", "nope", "--from-literal=a=b"])
        .output()
        .unwrap();
    assert!(!create.status.success());
    let stderr = String::from_utf8_lossy(&create.stderr);
    assert!(
        stderr.contains("Forbidden") || stderr.contains("forbidden"),
        "{stderr}"
    );
}
