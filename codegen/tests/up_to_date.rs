//! The committed generated code is exactly what the generator makes of the
//! committed specs, and a second run makes the same thing.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

#[test]
fn committed_output_is_up_to_date_and_deterministic() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let specs = root.join("codegen/specs");
    let config = root.join("rustfmt.toml");
    let first = k8s_codegen::generate(&specs, &config).unwrap();
    let second = k8s_codegen::generate(&specs, &config).unwrap();
    assert!(first == second, "two runs over the same specs differ");

    let differ = k8s_codegen::diff(&first, &root.join("k8s-client")).unwrap();
    assert!(
        differ.is_empty(),
        "generated code is out of date ({differ:?}): run `cargo run -p k8s-codegen` and commit"
    );
}

#[test]
fn every_group_has_a_feature_and_a_module() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let out =
        k8s_codegen::generate(&root.join("codegen/specs"), &root.join("rustfmt.toml")).unwrap();
    let root_mod = &out.files[&PathBuf::from("src/api/generated/mod.rs")];
    for group in [
        "core",
        "apps",
        "batch",
        "networking",
        "rbac",
        "apiextensions",
        "resource",
    ] {
        assert!(
            out.features.contains(&format!("\n{group} = ["))
                || out.features.starts_with(&format!("{group} = [")),
            "{group}"
        );
        assert!(
            root_mod.contains(&format!("#[cfg(feature = \"{group}\")]\npub mod {group};")),
            "{group}"
        );
    }
}
