//! The embedded policy files and migrations are exactly what the folders hold: a file added to
//! `policies/` or `migrations/` takes effect, in name order, and a misnumbered migration is
//! refused when building.

#![expect(
    clippy::unwrap_used,
    reason = "the folder helper fails the test loudly on any error"
)]

use std::path::Path;

use tenantry_core::DEFAULT_POLICY_FILES;
use tenantry_core::MIGRATIONS;

#[path = "../build/catalog.rs"]
mod catalog;

/// The files of a folder whose names end in `extension`, by name, with their texts.
fn folder(dir: &str, extension: &str) -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file() && path.to_string_lossy().ends_with(extension))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

fn owned(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(name, text)| ((*name).to_owned(), (*text).to_owned()))
        .collect()
}

#[test]
fn every_policy_file_of_the_folder_is_embedded_in_name_order() {
    let on_disk = folder("../policies", ".cedar");
    assert!(!on_disk.is_empty());
    assert_eq!(owned(DEFAULT_POLICY_FILES), on_disk);
}

#[test]
fn every_migration_of_the_folder_is_embedded_in_order() {
    let on_disk = folder("../migrations", ".sql");
    assert!(!on_disk.is_empty());
    assert_eq!(owned(MIGRATIONS), on_disk);
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|n| (*n).to_owned()).collect()
}

#[test]
fn policy_files_are_the_cedar_files_sorted_by_name() {
    let listed = names(&["zz.cedar", "schema.cedarschema", "a.cedar", "notes.md"]);
    assert_eq!(catalog::policy_files(&listed), ["a.cedar", "zz.cedar"]);
}

#[test]
fn migrations_run_in_number_order_and_a_gap_a_repeat_or_a_bad_name_is_refused() {
    let listed = names(&["0002_b.sql", "README.md", "0001_a.sql", "0010_j.sql"]);
    let gap = catalog::migration_files(&listed).unwrap_err();
    assert!(gap.contains("0003") && gap.contains("0010_j.sql"), "{gap}");
    let listed = names(&["0002_b.sql", "0001_a.sql", "0003_c.sql"]);
    assert_eq!(
        catalog::migration_files(&listed).unwrap(),
        ["0001_a.sql", "0002_b.sql", "0003_c.sql"]
    );
    let repeat = catalog::migration_files(&names(&["0001_a.sql", "0001_b.sql"])).unwrap_err();
    assert!(
        repeat.contains("0001_a.sql") && repeat.contains("0001_b.sql"),
        "{repeat}"
    );
    let missing_first = catalog::migration_files(&names(&["0002_b.sql"])).unwrap_err();
    assert!(missing_first.contains("0001"), "{missing_first}");
    for bad in ["1_a.sql", "0001.sql", "000a_x.sql", "0001_.sql"] {
        let error = catalog::migration_files(&names(&[bad])).unwrap_err();
        assert!(error.contains("NNNN_name.sql"), "{bad}: {error}");
    }
}
