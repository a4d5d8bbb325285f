#[resource(version = "v1")]
enum NotAStruct { A, B }
