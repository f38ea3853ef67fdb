//! The fuzz targets' tests: each target takes hostile input without panicking.

use std::path::PathBuf;

/// Runs every seed (and every saved crash reproducer) of `target` through `run`.
fn seeds(target: &str, run: fn(&[u8])) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/seeds")
        .join(target);
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("a readable seed directory").path();
        run(&std::fs::read(&path).expect("a readable seed"));
        count += 1;
    }
    assert!(count > 0, "no seeds in {}", dir.display());
}

#[test]
fn arm_seeds() {
    seeds("arm_response", super::arm_response);
}

#[test]
fn arg_seeds() {
    seeds("arg_response", super::arg_response);
}

#[test]
fn graph_seeds() {
    seeds("graph_response", super::graph_response);
}

#[test]
fn token_seeds() {
    seeds("token_response", super::token_response);
}

#[test]
fn azure_error_seeds() {
    seeds("azure_error", super::azure_error);
}

#[test]
fn lro_status_seeds() {
    seeds("lro_status", super::lro_status);
}

#[test]
fn journal_seeds() {
    seeds("journal", super::journal);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds/journal");
    let bytes = std::fs::read(dir.join("rotation.jsonl")).expect("the journal seed");
    let lines = crate::rotation::parse_journal(&bytes).expect("the journal seed is a valid journal");
    assert!(crate::rotation::journal::State::replay(&lines).is_some());
}
