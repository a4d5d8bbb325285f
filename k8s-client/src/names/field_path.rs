//! Field paths as serde_path_to_error writes them (`spec.containers[0].name`),
//! for decode errors of JSON and YAML alike.

use std::fmt::Write;

/// Appends a key to a path: `a.b`.
pub(crate) fn push_key(path: &mut String, key: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(key);
}

/// Appends an index to a path: `a[0]`, or `[0]` at the top.
pub(crate) fn push_index(path: &mut String, index: usize) {
    let _ = write!(path, "[{index}]");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_indexes() {
        let mut p = String::new();
        push_index(&mut p, 2);
        push_key(&mut p, "spec");
        push_key(&mut p, "containers");
        push_index(&mut p, 0);
        assert_eq!(p, "[2].spec.containers[0]");
    }
}
