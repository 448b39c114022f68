//! `tune -o FILE`: the result file for `report` and `compare`, like
//! `bench -o`; `-` is stdout; a bad path fails before any tuning.

mod util;

use std::path::Path;

use preload_schema::ResultFile;
use util::{create_size, preload};

/// A short tune of `dir` with `-o out`.
fn tune(dir: &Path, out: &str) -> std::process::Output {
    preload()
        .env("PRELOAD_CACHE_DIR", dir.join("cache"))
        .args(["tune", "--no-save", "--time-budget", "2s"])
        .args(["--probe-time", "200ms", "--max-level", "2", "-o", out])
        .arg(dir.join("data"))
        .output()
        .unwrap()
}

fn data(dir: &Path) {
    std::fs::create_dir(dir.join("data")).unwrap();
    for i in 0..4 {
        create_size(&dir.join(format!("data/shard-{i}")), 8 << 20);
    }
}

#[test]
fn tune_writes_its_result_file_and_still_prints_the_table() {
    let dir = tempfile::tempdir().unwrap();
    data(dir.path());
    let file = dir.path().join("tune.json");
    let out = tune(dir.path(), file.to_str().unwrap());
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("median MiB/s"), "{stdout}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("wrote "), "{stderr}");
    match ResultFile::load(&file).unwrap() {
        ResultFile::Tune(t) => assert!(!t.levels.is_empty()),
        ResultFile::Bench(_) => panic!("a bench result from tune"),
    }
}

#[test]
fn tune_dash_puts_the_result_on_stdout_and_the_table_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    data(dir.path());
    let out = tune(dir.path(), "-");
    assert!(out.status.success(), "{out:?}");
    let v = util::json(&out.stdout);
    assert_eq!(v["kind"], "tune", "{v}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("median MiB/s"), "{stderr}");
}

#[test]
fn a_bad_output_path_fails_before_tuning() {
    let dir = tempfile::tempdir().unwrap();
    data(dir.path());
    let bad = dir.path().join("no-such-dir/tune.json");
    let out = tune(dir.path(), bad.to_str().unwrap());
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("creating"), "{stderr}");
    assert!(
        !stderr.contains("probe -P"),
        "tuned before failing: {stderr}"
    );
}
