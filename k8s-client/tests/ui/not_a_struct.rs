use k8s_client::{Resource, meta::ObjectMeta};

#[derive(Resource)]
#[resource(group = "example.com", version = "v1")]
enum Widget {
    A(ObjectMeta),
}
fn main() {}
