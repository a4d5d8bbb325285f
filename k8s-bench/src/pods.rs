//! A realistic PodList: pods as a Deployment's ReplicaSet makes them and the
//! scheduler and kubelet fill them in, about 4.5 KB of JSON each, with
//! managedFields, ownerReferences, probes, env, volumes and status conditions.

use serde_json::{Value, json};

/// One pod, varied by `i` so no two are alike.
pub fn pod(i: usize) -> Value {
    let name = format!("web-7d9c8b6f5d-{i:05x}");
    let uid = format!("5f0c{i:04x}-9b1e-4c3a-8d2f-{i:012x}");
    let ip = format!("10.244.{}.{}", (i / 250) % 250, i % 250 + 2);
    let time = "2025-06-01T10:00:00Z";
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "generateName": "web-7d9c8b6f5d-",
            "namespace": "production",
            "uid": uid,
            "resourceVersion": format!("{}", 1_000_000 + i),
            "creationTimestamp": time,
            "labels": {
                "app.kubernetes.io/name": "web",
                "app.kubernetes.io/component": "frontend",
                "pod-template-hash": "7d9c8b6f5d"
            },
            "annotations": {
                "kubectl.kubernetes.io/restartedAt": "2025-05-30T08:00:00Z",
                "prometheus.io/scrape": "true"
            },
            "ownerReferences": [{
                "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d9c8b6f5d",
                "uid": "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
                "controller": true, "blockOwnerDeletion": true
            }],
            "managedFields": [
                {
                    "manager": "kube-controller-manager", "operation": "Update",
                    "apiVersion": "v1", "time": time, "fieldsType": "FieldsV1",
                    "fieldsV1": {
                        "f:metadata": {"f:generateName": {}, "f:labels": {".": {}, "f:app.kubernetes.io/component": {}, "f:app.kubernetes.io/name": {}, "f:pod-template-hash": {}},
                            "f:ownerReferences": {".": {}, "k:{\"uid\":\"0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d\"}": {}}},
                        "f:spec": {"f:containers": {"k:{\"name\":\"web\"}": {".": {}, "f:env": {".": {}, "k:{\"name\":\"LOG_LEVEL\"}": {".": {}, "f:name": {}, "f:value": {}}, "k:{\"name\":\"POD_NAME\"}": {".": {}, "f:name": {}, "f:valueFrom": {".": {}, "f:fieldRef": {}}}},
                            "f:image": {}, "f:imagePullPolicy": {}, "f:livenessProbe": {".": {}, "f:httpGet": {".": {}, "f:path": {}, "f:port": {}, "f:scheme": {}}},
                            "f:name": {}, "f:ports": {".": {}, "k:{\"containerPort\":8080,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}, "f:name": {}, "f:protocol": {}}},
                            "f:resources": {".": {}, "f:limits": {".": {}, "f:memory": {}}, "f:requests": {".": {}, "f:cpu": {}, "f:memory": {}}}}},
                            "f:dnsPolicy": {}, "f:enableServiceLinks": {}, "f:restartPolicy": {}, "f:schedulerName": {}, "f:securityContext": {}, "f:terminationGracePeriodSeconds": {}}
                    }
                },
                {
                    "manager": "kubelet", "operation": "Update", "apiVersion": "v1", "time": time,
                    "fieldsType": "FieldsV1", "subresource": "status",
                    "fieldsV1": {"f:status": {"f:conditions": {"k:{\"type\":\"ContainersReady\"}": {".": {}, "f:lastProbeTime": {}, "f:lastTransitionTime": {}, "f:status": {}, "f:type": {}},
                        "k:{\"type\":\"Ready\"}": {".": {}, "f:lastProbeTime": {}, "f:lastTransitionTime": {}, "f:status": {}, "f:type": {}}},
                        "f:containerStatuses": {}, "f:hostIP": {}, "f:phase": {}, "f:podIP": {}, "f:podIPs": {".": {}, "k:{\"ip\":\"10.244.0.2\"}": {".": {}, "f:ip": {}}}, "f:startTime": {}}}
                }
            ]
        },
        "spec": {
            "volumes": [
                {"name": "config", "configMap": {"name": "web-config", "defaultMode": 420}},
                {"name": "kube-api-access-x7k2p", "projected": {"defaultMode": 420, "sources": [
                    {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                    {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}}
                ]}}
            ],
            "containers": [{
                "name": "web",
                "image": "registry.example.com/platform/web:1.24.3",
                "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                "env": [
                    {"name": "LOG_LEVEL", "value": "info"},
                    {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}}
                ],
                "resources": {"limits": {"memory": "512Mi"}, "requests": {"cpu": "250m", "memory": "256Mi"}},
                "volumeMounts": [
                    {"name": "config", "mountPath": "/etc/web"},
                    {"name": "kube-api-access-x7k2p", "readOnly": true, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}
                ],
                "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"}, "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3},
                "readinessProbe": {"httpGet": {"path": "/ready", "port": "http", "scheme": "HTTP"}, "timeoutSeconds": 1, "periodSeconds": 5, "successThreshold": 1, "failureThreshold": 3},
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File",
                "imagePullPolicy": "IfNotPresent"
            }],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "serviceAccountName": "default",
            "serviceAccount": "default",
            "nodeName": format!("node-{:03}", i % 200),
            "securityContext": {},
            "schedulerName": "default-scheduler",
            "tolerations": [
                {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
                {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
            ],
            "priority": 0,
            "enableServiceLinks": true,
            "preemptionPolicy": "PreemptLowerPriority"
        },
        "status": {
            "phase": "Running",
            "conditions": [
                {"type": "Ready", "status": "True", "lastProbeTime": null, "lastTransitionTime": time},
                {"type": "ContainersReady", "status": "True", "lastProbeTime": null, "lastTransitionTime": time},
                {"type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": time}
            ],
            "hostIP": "192.168.10.21",
            "hostIPs": [{"ip": "192.168.10.21"}],
            "podIP": ip,
            "podIPs": [{"ip": ip}],
            "startTime": time,
            "containerStatuses": [{
                "name": "web",
                "state": {"running": {"startedAt": time}},
                "lastState": {},
                "ready": true,
                "restartCount": 0,
                "image": "registry.example.com/platform/web:1.24.3",
                "imageID": "registry.example.com/platform/web@sha256:4f6a1bd2c0e7a9b3d5e8f1a2b3c4d5e6",
                "containerID": format!("containerd://{:064x}", i),
                "started": true
            }],
            "qosClass": "Burstable"
        }
    })
}

/// A PodList of `n` pods as the API server writes it (compact JSON).
pub fn pod_list_json(n: usize) -> Vec<u8> {
    let items: Vec<Value> = (0..n).map(pod).collect();
    let list = json!({
        "apiVersion": "v1",
        "kind": "PodList",
        "metadata": {"resourceVersion": "2000000"},
        "items": items,
    });
    serde_json::to_vec(&list).unwrap_or_default()
}
