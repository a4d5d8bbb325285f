//! `cargo run -p k8s-codegen` regenerates the built-in types from `codegen/specs`;
//! `cargo run -p k8s-codegen -- --check` fails if the committed output differs.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let check = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--check") => true,
        Some(other) => {
            eprintln!("usage: k8s-codegen [--check]   (unknown argument {other:?})");
            return ExitCode::from(2);
        }
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let client = root.join("k8s-client");
    let result = k8s_codegen::generate(&root.join("codegen/specs"), &root.join("rustfmt.toml"))
        .and_then(|out| {
            if check {
                let differ = k8s_codegen::diff(&out, &client)?;
                for path in &differ {
                    eprintln!("out of date: k8s-client/{}", path.display());
                }
                Ok(differ.is_empty())
            } else {
                k8s_codegen::write(&out, &client)?;
                eprintln!(
                    "wrote {} files under k8s-client/{}",
                    out.files.len(),
                    k8s_codegen::GENERATED_DIR
                );
                Ok(true)
            }
        });
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("run `cargo run -p k8s-codegen` and commit the result");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("k8s-codegen: {e}");
            ExitCode::FAILURE
        }
    }
}
