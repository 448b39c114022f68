//! `preload compare` through the binary: verdicts, exit codes, bad files.

mod util;

use std::path::{Path, PathBuf};

use predicates::prelude::*;
use preload_schema::testing::bench_run;
use preload_schema::{BenchConfig, BenchResult, ResultFile, SCHEMA_VERSION};
use util::preload;

/// A bench of `sequential` and `preload` whose preload runs are around `mib_s`.
fn bench(mib_s: f64) -> BenchResult {
    let mut runs = Vec::new();
    for i in 0..5 {
        let wiggle = 1.0 + 0.01 * (i as f64 - 2.0);
        for (strategy, level, speed) in [("sequential", None, 100.0), ("preload", Some(16), mib_s)]
        {
            let speed = speed * wiggle;
            runs.push(bench_run(strategy, level, i, 1 << 30, speed));
        }
    }
    BenchResult {
        schema_version: SCHEMA_VERSION,
        context: util::context("nfs4", "/data"),
        dataset: util::dataset(),
        config: BenchConfig {
            runs: 5,
            warmup: 0,
            then: None,
            cold_method: "drop_caches".into(),
            strategies: vec!["sequential".into(), "preload".into()],
        },
        summary: Vec::new(),
        runs,
        interrupted: false,
        warnings: vec![],
    }
}

fn write(dir: &Path, name: &str, r: BenchResult) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, ResultFile::Bench(r).to_json()).unwrap();
    p
}

/// `preload compare BASE NEW`, run.
fn compare(base: &Path, new: &Path) -> assert_cmd::assert::Assert {
    preload().arg("compare").args([base, new]).assert()
}

#[test]
fn half_the_throughput_is_a_regression() {
    let dir = tempfile::tempdir().unwrap();
    let base = write(dir.path(), "base.json", bench(800.0));
    let new = write(dir.path(), "new.json", bench(400.0));
    let md = dir.path().join("summary.md");
    preload()
        .arg("compare")
        .args([&base, &new])
        .arg("--markdown")
        .arg(&md)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("REGRESSED"));
    assert!(std::fs::read_to_string(&md).unwrap().contains("REGRESSED"));

    // The same file against itself is within noise, also as JSON.
    let out = preload()
        .args(["compare", "--json"])
        .args([&base, &base])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v = util::json(&out);
    assert_eq!(v["overall"], "WITHIN NOISE", "{v}");
}

#[test]
fn any_change_fails_on_an_improvement() {
    let dir = tempfile::tempdir().unwrap();
    let base = write(dir.path(), "base.json", bench(400.0));
    let new = write(dir.path(), "new.json", bench(800.0));
    compare(&base, &new)
        .code(0)
        .stdout(predicate::str::contains("IMPROVED"));
    preload()
        .args(["compare", "--fail-on", "any-change"])
        .args([&base, &new])
        .assert()
        .code(1);
}

#[test]
fn a_corrupt_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let base = write(dir.path(), "base.json", bench(800.0));
    let bad = dir.path().join("corrupt-result.json");
    std::fs::write(&bad, "{\"kind\": \"bench\", \"schema_ver").unwrap();
    compare(&base, &bad)
        .code(2)
        .stderr(predicate::str::contains("corrupt-result.json"));
}

#[test]
fn incomparable_runs_say_what_differs() {
    let dir = tempfile::tempdir().unwrap();
    let base = write(dir.path(), "base.json", bench(800.0));
    let mut other = bench(800.0);
    other.context.filesystem.fs_type = "ext4".into();
    let new = write(dir.path(), "new.json", other);
    compare(&base, &new)
        .code(2)
        .stderr(predicate::str::contains("filesystem type differs"));
}

#[test]
fn an_interrupted_result_is_refused_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let base = write(dir.path(), "base.json", bench(800.0));
    let mut cut = bench(400.0);
    cut.interrupted = true;
    let new = write(dir.path(), "cut.json", cut);
    compare(&base, &new)
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(
            predicate::str::contains("cut.json")
                .and(predicate::str::contains("the new run was interrupted"))
                .and(predicate::str::contains("--allow-interrupted")),
        );
    compare(&new, &base)
        .code(2)
        .stderr(predicate::str::contains("the baseline run was interrupted"));
    // Allowed: compared (halved: a regression, exit 1), with a note.
    preload()
        .args(["compare", "--allow-interrupted"])
        .args([&base, &new])
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("REGRESSED")
                .and(predicate::str::contains("the new run was interrupted")),
        );
}

#[test]
fn an_old_result_without_the_interrupted_field_still_loads() {
    let dir = tempfile::tempdir().unwrap();
    let base = write(dir.path(), "base.json", bench(800.0));
    let text = std::fs::read_to_string(&base).unwrap();
    let old = text.replace("  \"interrupted\": false,\n", "");
    assert_ne!(old, text, "the field was written");
    std::fs::write(&base, old).unwrap();
    compare(&base, &base).code(0);
}

#[test]
fn a_comparison_that_cannot_be_written_to_stdout_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let base = write(dir.path(), "base.json", bench(800.0));
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("preload"))
        .args(["compare", "--json"])
        .args([&base, &base])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "preload: cannot write to stdout: No space left on device (os error 28)\n"
    );
}

#[test]
fn a_stored_baseline_is_found_by_name_and_said() {
    let dir = tempfile::tempdir().unwrap();
    let stored = dir.path().join("baselines");
    std::fs::create_dir(&stored).unwrap();
    write(&stored, "nightly.json", bench(800.0));
    let new = write(dir.path(), "new.json", bench(400.0));
    preload()
        .arg("compare")
        .arg("--baseline-dir")
        .arg(&stored)
        .arg("nightly")
        .arg(&new)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("REGRESSED"))
        .stderr(predicate::str::contains("stored baseline nightly"));

    // A name that is neither a file nor stored: the error lists the names.
    preload()
        .arg("compare")
        .arg("--baseline-dir")
        .arg(&stored)
        .arg("weekly")
        .arg(&new)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no baseline \"weekly\""))
        .stderr(predicate::str::contains("stored baselines: nightly"));

    // A file of that name wins.
    preload()
        .current_dir(dir.path())
        .args(["compare", "new.json", "new.json"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("base: new.json"))
        .stderr(predicate::str::contains("stored baseline").not());
}
