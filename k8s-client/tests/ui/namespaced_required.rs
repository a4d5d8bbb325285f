use k8s_client::{Resource, meta::ObjectMeta};

#[derive(Resource)]
#[resource(version = "v1")]
struct Node {
    metadata: ObjectMeta,
}

fn needs_namespaced<K: Resource<Scope = k8s_client::NamespaceScope>>() {}

#[allow(dead_code)]
fn check() {
    needs_namespaced::<Node>();
}
fn main() {}
