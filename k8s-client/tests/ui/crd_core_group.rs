use k8s_client::{Resource, meta::ObjectMeta};

#[derive(Resource)]
#[resource(version = "v1", crd = true)]
struct Widget {
    metadata: ObjectMeta,
}
fn main() {}
