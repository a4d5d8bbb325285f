//! Settings that guard against hostile networks, checked against the real API server.

use k8s_client::Client;
use k8s_client::rest::Request;
use k8s_testenv::Kind;
use serde_json::Value;

use crate::env::{config, testenv};
use crate::sni_relay::start_sni_relay;

/// A fault test: the real server cannot report the SNI it received, so a relay in
/// front of it reads the ClientHello and forwards every byte; TLS is still with the
/// real server, verified against its CA under `tls-server-name`.
#[tokio::test]
async fn fault_tls_server_name_is_sent_as_sni_through_a_recording_relay() {
    let upstream = testenv()
        .await
        .server_url()
        .trim_start_matches("https://")
        .to_owned();
    // `localhost` resolves by itself; `kubernetes.default.svc` does not, so the client
    // must still connect to the configured address.
    for name in ["localhost", "kubernetes.default.svc"] {
        let (relay_url, seen) = start_sni_relay(upstream.clone()).await;
        let mut config = config(Kind::Admin).await;
        config.cluster_url = relay_url.parse().unwrap();
        config.tls_server_name = Some(name.to_owned());
        let client = Client::try_from(config).unwrap();
        let version: Value = client
            .send_json(Request::get().abs_path("/version"))
            .await
            .unwrap_or_else(|e| panic!("tls-server-name {name}: {e}"));
        assert!(version["gitVersion"].as_str().unwrap().starts_with("v1."));
        // The client still reports the server it was configured with.
        assert_eq!(client.base_url(), relay_url);
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen, [Some(name.to_owned())], "tls-server-name {name}");
    }
}

/// YAML merge keys (`<<`) mean what they mean to kubectl, which reads manifests with
/// go-yaml: kubectl's own client-side rendering of the same manifest is the oracle.
#[tokio::test]
async fn yaml_merge_keys_read_as_kubectl_reads_them() {
    let manifest = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: merged
  labels: &labels {app: web, tier: front}
data:
  <<: [{a: '1', b: '1'}, {b: '2', c: '2'}]
  before: x
  <<: {before: merged, after: merged}
  after: explicit
  quoted: '<<'
  '<<': ordinary
";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("merged.yaml");
    std::fs::write(&path, manifest).unwrap();
    let printed = crate::env::kubectl(&[
        "create",
        "--dry-run=client",
        "-o",
        "json",
        "-f",
        path.to_str().unwrap(),
    ])
    .await;
    let theirs: Value = serde_json::from_str(&printed).unwrap();
    let ours = k8s_client::yaml::documents(manifest).unwrap();
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0]["data"], theirs["data"], "{printed}");
    assert_eq!(ours[0]["metadata"]["labels"], theirs["metadata"]["labels"]);
    assert_eq!(ours[0]["data"]["before"], "merged");
}
