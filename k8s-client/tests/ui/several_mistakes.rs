use k8s_client::{Resource, meta::ObjectMeta};

// Every rule the attribute breaks is reported, each at its token.
#[derive(Resource)]
#[resource(group = "Example.com", version = "v1beta", kind = "widget", schema = "open",
           printcolumn(name = "A", type = "string", json_path = ".spec.a", priority = -1))]
struct Widget {
    metadata: ObjectMeta,
}
fn main() {}
