//! Examples and integration tests for k8s-client live in `examples/` and `tests/`.
