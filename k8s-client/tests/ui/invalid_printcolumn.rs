use k8s_client::{Resource, meta::ObjectMeta};

#[derive(Resource)]
#[resource(group = "example.com", version = "v1", schema = "preserve-unknown-fields",
           printcolumn(name = "Replicas", type = "int", json_path = "spec.replicas"))]
struct Widget {
    metadata: ObjectMeta,
}
fn main() {}
