//! Generates `k8s-client`'s built-in API types from the OpenAPI v3 schemas
//! and discovery documents the API server serves (fetched into
//! `codegen/specs` by `codegen/fetch-specs`).
//!
//! Three stages, each testable on its own: `model` reads the documents,
//! `emit` writes Rust source, and [`generate`] formats it with rustfmt so
//! the committed output is exactly what a run produces. Output is a pure
//! function of the specs: files are read in sorted order and every map is a
//! `BTreeMap`, so a second run gives no diff.
//!
//! It writes `k8s-client/src/api/generated/` (one module per group and
//! version) and the block of group features in `k8s-client/Cargo.toml`.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod emit;
mod emit_pb;
mod gotypes;
mod model;
mod names;
mod proto;

/// What went wrong, naming the file, schema or field concerned.
#[derive(Debug)]
pub struct Error(String);

impl Error {
    fn new(msg: impl Into<String>) -> Self {
        Error(msg.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// This crate's result type.
pub type Result<T> = std::result::Result<T, Error>;

/// Where the generated modules go, relative to the `k8s-client` package.
pub const GENERATED_DIR: &str = "src/api/generated";

/// Marks the start of the generated feature list in `k8s-client/Cargo.toml`.
pub const FEATURES_BEGIN: &str =
    "# BEGIN k8s-codegen features: one per API group (edit the generator, not this block)";
/// Marks its end.
pub const FEATURES_END: &str = "# END k8s-codegen features";

/// The generator's output: file contents by path relative to the
/// `k8s-client` package, plus its `Cargo.toml` with the feature block replaced.
#[derive(Debug, PartialEq, Eq)]
pub struct Output {
    /// Formatted Rust files under [`GENERATED_DIR`], keyed by relative path.
    pub files: BTreeMap<PathBuf, String>,
    /// The generated `[features]` lines (between the markers).
    pub features: String,
}

/// Reads `specs` and generates every file, formatted with rustfmt using
/// `rustfmt_config` (the workspace's `rustfmt.toml`).
pub fn generate(specs: &Path, rustfmt_config: &Path) -> Result<Output> {
    let model = model::Model::load(specs)?;
    let emitted = emit::emit(&model)?;
    let mut files = BTreeMap::new();
    for (rel, text) in emitted.files {
        let formatted =
            rustfmt(&text, rustfmt_config).map_err(|e| Error::new(format!("{rel}: {e}")))?;
        files.insert(Path::new(GENERATED_DIR).join(rel), formatted);
    }
    let mut features = String::new();
    for (name, deps) in &emitted.features {
        let deps: Vec<String> = deps.iter().map(|d| format!("{d:?}")).collect();
        features.push_str(&format!("{name} = [{}]\n", deps.join(", ")));
    }
    Ok(Output { files, features })
}

/// `cargo_toml` with the text between the feature markers replaced.
pub fn with_features(cargo_toml: &str, features: &str) -> Result<String> {
    let begin = cargo_toml
        .find(FEATURES_BEGIN)
        .ok_or_else(|| Error::new(format!("Cargo.toml: no line `{FEATURES_BEGIN}`")))?;
    let after_begin = begin + FEATURES_BEGIN.len();
    let end = cargo_toml[after_begin..]
        .find(FEATURES_END)
        .map(|i| i + after_begin)
        .ok_or_else(|| Error::new(format!("Cargo.toml: no line `{FEATURES_END}`")))?;
    Ok(format!(
        "{}\n{}{}",
        &cargo_toml[..after_begin],
        features,
        &cargo_toml[end..]
    ))
}

/// Files that differ between `out` and what is in `client_dir` (the
/// `k8s-client` package), including stale generated files; empty when
/// everything is up to date.
pub fn diff(out: &Output, client_dir: &Path) -> Result<Vec<PathBuf>> {
    let mut differ = Vec::new();
    for (rel, text) in &out.files {
        let on_disk = std::fs::read_to_string(client_dir.join(rel)).unwrap_or_default();
        if &on_disk != text {
            differ.push(rel.clone());
        }
    }
    for rel in existing_files(&client_dir.join(GENERATED_DIR))? {
        let rel = Path::new(GENERATED_DIR).join(rel);
        if !out.files.contains_key(&rel) {
            differ.push(rel);
        }
    }
    let toml_path = client_dir.join("Cargo.toml");
    let toml = read(&toml_path)?;
    if with_features(&toml, &out.features)? != toml {
        differ.push(PathBuf::from("Cargo.toml"));
    }
    Ok(differ)
}

/// Writes `out` into `client_dir`, removing generated files no longer produced.
pub fn write(out: &Output, client_dir: &Path) -> Result<()> {
    let gen_dir = client_dir.join(GENERATED_DIR);
    for rel in existing_files(&gen_dir)? {
        let rel_full = Path::new(GENERATED_DIR).join(&rel);
        if !out.files.contains_key(&rel_full) {
            let path = gen_dir.join(rel);
            std::fs::remove_file(&path)
                .map_err(|e| Error::new(format!("removing {}: {e}", path.display())))?;
        }
    }
    for (rel, text) in &out.files {
        let path = client_dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::new(format!("creating {}: {e}", parent.display())))?;
        }
        std::fs::write(&path, text)
            .map_err(|e| Error::new(format!("writing {}: {e}", path.display())))?;
    }
    let toml_path = client_dir.join("Cargo.toml");
    let toml = read(&toml_path)?;
    let updated = with_features(&toml, &out.features)?;
    if updated != toml {
        std::fs::write(&toml_path, updated)
            .map_err(|e| Error::new(format!("writing {}: {e}", toml_path.display())))?;
    }
    Ok(())
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path)
        .map_err(|e| Error::new(format!("reading {}: {e}", path.display())))
}

/// Files under `dir`, relative to it, sorted; none if it does not exist.
fn existing_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(dir.join(&rel)) else {
            continue;
        };
        for entry in entries {
            let entry = entry.map_err(|e| Error::new(format!("listing {}: {e}", dir.display())))?;
            let child = rel.join(entry.file_name());
            if entry.path().is_dir() {
                stack.push(child);
            } else {
                out.push(child);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Formats Rust source with rustfmt (stdin to stdout).
fn rustfmt(source: &str, config: &Path) -> Result<String> {
    let rustfmt = std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into());
    let mut child = Command::new(rustfmt)
        .arg("--edition=2024")
        .arg("--config-path")
        .arg(config)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::new(format!("running rustfmt: {e}")))?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| Error::new("rustfmt: no stdin"))?;
    // Write from another thread so a large file cannot deadlock on full pipes.
    let source = source.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(source.as_bytes()));
    let output = child
        .wait_with_output()
        .map_err(|e| Error::new(format!("running rustfmt: {e}")))?;
    writer
        .join()
        .map_err(|_| Error::new("rustfmt: writer thread panicked"))?
        .map_err(|e| Error::new(format!("rustfmt stdin: {e}")))?;
    if !output.status.success() {
        return Err(Error::new(format!(
            "rustfmt failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    String::from_utf8(output.stdout).map_err(|e| Error::new(format!("rustfmt output: {e}")))
}
