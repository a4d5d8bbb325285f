use k8s_client::{Resource, meta::ObjectMeta};

#[derive(Resource)]
#[resource(group = "example.com", namespaced)]
struct Widget {
    metadata: ObjectMeta,
}
fn main() {}
