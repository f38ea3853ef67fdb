//! The app's demo folder (`<data>/demo`): each process starts on a fresh simulated world, so what
//! the last demo wrote — rotation and move journals, the audit log — is cleared at the first use,
//! and nothing of the signed-in mode's own folder is touched.

use rekey_core::audit::AuditLog;
use rekey_core::estate::{DemoFiles, DemoSource, Estate};
use rekey_core::migration::journal::migrations_dir;
use rekey_core::paths::AppPaths;
use rekey_core::rotation::journal::rotations_dir;
use rekey_core::workspace::Workspace;

fn write(path: &std::path::Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, "{}\n").unwrap();
}

#[tokio::test]
async fn a_new_demo_starts_with_no_history_of_the_last_one() {
    let home = tempfile::tempdir().unwrap();
    let paths = AppPaths::at(home.path());
    let last = AppPaths::at(paths.data_dir.join("demo"));
    let journal = rotations_dir(&last).join("r-old.jsonl");
    let move_journal = migrations_dir(&last).join("m-old.jsonl");
    let demo_audit = AuditLog::new(&last).path().to_path_buf();
    let own_audit = AuditLog::new(&paths).path().to_path_buf();
    let own_journal = rotations_dir(&paths).join("r-real.jsonl");
    for file in [&journal, &move_journal, &demo_audit, &own_audit, &own_journal] {
        write(file);
    }

    let estate = Estate::new(
        paths.clone(),
        DemoSource::Unavailable("not needed here".into()),
        DemoFiles::Kept,
    )
    .with_workspace(Workspace::open_with(&paths, None, None).await.unwrap());
    assert_eq!(estate.files().await.unwrap().data_dir, last.data_dir);

    for gone in [&journal, &move_journal, &demo_audit] {
        assert!(!gone.exists(), "{} was left from the last demo", gone.display());
    }
    for kept in [&own_audit, &own_journal] {
        assert!(
            kept.exists(),
            "{} is not the demo's and was removed",
            kept.display()
        );
    }
    // Cleared once per process: what this demo writes stays until it quits.
    write(&journal);
    estate.files().await.unwrap();
    assert!(journal.exists(), "this demo's own journal was cleared");
}
