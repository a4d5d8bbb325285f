use k8s_client::{Resource, meta::ObjectMeta};

#[derive(Resource)]
#[resource(group = "Example_com", version = "v1")]
struct Widget {
    metadata: ObjectMeta,
}
fn main() {}
