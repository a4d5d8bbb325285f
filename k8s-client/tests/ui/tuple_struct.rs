use k8s_client::{Resource, meta::ObjectMeta};

#[derive(Resource)]
#[resource(group = "example.com", version = "v1")]
struct Widget(ObjectMeta);
fn main() {}
