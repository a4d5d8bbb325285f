use k8s_client::{Resource, meta::ObjectMeta};

#[derive(Resource)]
#[resource(group = "example.com", version = "v1", status = "WidgetStatus", schema = "preserve-unknown-fields")]
struct Widget {
    metadata: ObjectMeta,
}
fn main() {}
