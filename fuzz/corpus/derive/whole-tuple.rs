#[resource(version = "v1")]
struct Tuple(ObjectMeta);
