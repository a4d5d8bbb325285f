use k8s_client::{Resource, meta::ObjectMeta};

#[derive(Resource)]
#[resource(group = "example.com", version = 1)]
struct Widget {
    metadata: ObjectMeta,
}
fn main() {}
