//! Every fuzz target on stable: each seed of `fuzz/corpus/<target>/`, then a
//! fixed number of seeded mutations of them (the same inputs on every run).
//!
//! `K8S_FUZZ_MUTATIONS` sets how many mutations per target (default
//! [`MUTATIONS`]). A failing input is written to
//! `target/fuzz-failures/<target>-<hash>` so it can be added to the corpus or
//! run under cargo-fuzz (`cargo fuzz run <target> <file>`).

// Test helpers fail by panicking, as the tests do.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::path::{Path, PathBuf};

/// Mutations per target by default: a few seconds each in a debug build.
const MUTATIONS: usize = 3000;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

fn read_dir_sorted(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read(&p).expect("a seed file"))
        })
        .collect()
}

/// Runs `target` on `input`; on a panic, saves the input and says where.
fn run_one(name: &str, target: k8s_fuzz::Target, what: &str, input: &[u8]) {
    if let Err(panic) = catch_unwind(AssertUnwindSafe(|| target(input))) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/fuzz-failures");
        let hash = input.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        let file = dir.join(format!("{name}-{hash:016x}"));
        let saved = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&file, input));
        eprintln!(
            "fuzz target {name} failed on {what}; input {}",
            match saved {
                Ok(()) => format!("saved to {}", file.display()),
                Err(e) => format!("not saved ({e}): {:?}", String::from_utf8_lossy(input)),
            }
        );
        resume_unwind(panic);
    }
}

fn run(name: &str) {
    let target = k8s_fuzz::TARGETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .expect("a target of that name");
    let seeds = read_dir_sorted(&fuzz_dir().join("corpus").join(name));
    assert!(!seeds.is_empty(), "no seeds for {name}");
    for (file, seed) in &seeds {
        run_one(name, target, &format!("seed {file}"), seed);
    }
    let dict = std::fs::read_to_string(fuzz_dir().join("dict").join(format!("{name}.dict")))
        .map(|text| k8s_fuzz::dict::parse(&text))
        .unwrap_or_default();
    let seeds: Vec<Vec<u8>> = seeds.into_iter().map(|(_, s)| s).collect();
    let mutations = std::env::var("K8S_FUZZ_MUTATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(MUTATIONS);
    let seed = name
        .bytes()
        .fold(17_u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    let mut mutator = k8s_fuzz::mutate::Mutator::new(seed, &seeds, &dict);
    for i in 0..mutations {
        let input = mutator.next_input();
        run_one(name, target, &format!("mutation {i}"), &input);
    }
}

#[test]
fn every_target_has_a_test() {
    let tested = ["derive", "kubeconfig", "list", "scalars", "watch", "yaml"];
    let names: Vec<&str> = k8s_fuzz::TARGETS.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, tested);
    for name in names {
        let binary = fuzz_dir().join("fuzz_targets").join(format!("{name}.rs"));
        assert!(
            binary.is_file(),
            "no cargo-fuzz target {}",
            binary.display()
        );
    }
}

#[test]
fn derive() {
    run("derive");
}

#[test]
fn kubeconfig() {
    run("kubeconfig");
}

#[test]
fn list() {
    run("list");
}

#[test]
fn scalars() {
    run("scalars");
}

#[test]
fn watch() {
    run("watch");
}

#[test]
fn yaml() {
    run("yaml");
}
