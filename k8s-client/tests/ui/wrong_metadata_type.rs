use k8s_client::{Resource, meta::ObjectMeta};

#[derive(Resource)]
#[resource(version = "v1", crd = false)]
struct Widget {
    metadata: String,
}
#[allow(unused)]
fn _unused(_: ObjectMeta) {}
fn main() {}
