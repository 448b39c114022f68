//! A result that cannot be written to stdout is a failure (issue 10, item 8):
//! `> /dev/full` used to end with exit 0 and an empty file, so CI saw a green
//! step. A closed pipe stays a quiet success (warm.rs,
//! `a_closed_stdout_pipe_is_not_an_error`); compare's case is in compare.rs. A stderr that cannot be written changes
//! nothing: diagnostics are dropped, the exit code stays the command's.

mod util;

use std::fs::{File, OpenOptions};
use std::path::Path;
use std::process::{Command, Output};

/// Which of the command's outputs goes to /dev/full.
#[derive(Clone, Copy)]
enum Full {
    Stdout,
    Stderr,
}

/// Runs `preload ARGS` with one output on /dev/full (every write: ENOSPC,
/// as on a full volume; a closed pipe fails the same way) and the profile
/// store in `cache`.
fn with_dev_full(full: Full, args: &[&str], cache: &Path) -> Output {
    let dev_full: File = OpenOptions::new().write(true).open("/dev/full").unwrap();
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("preload"));
    cmd.env("PRELOAD_CACHE_DIR", cache).args(args);
    match full {
        Full::Stdout => cmd.stdout(dev_full),
        Full::Stderr => cmd.stderr(dev_full),
    };
    cmd.output().unwrap()
}

/// Runs `preload ARGS PATH` with stdout on /dev/full.
fn to_dev_full(args: &[&str], path: &Path) -> Output {
    let args: Vec<&str> = args
        .iter()
        .copied()
        .chain([path.to_str().unwrap()])
        .collect();
    with_dev_full(Full::Stdout, &args, &path.join("cache"))
}

/// Exit 2 and the stdout error said exactly once; warnings about the run
/// itself (a tune's low confidence) may stand beside it, nothing else.
fn assert_one_stdout_error(out: &Output, what: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{what}: {err}");
    let errors: Vec<&str> = err
        .lines()
        .filter(|l| !l.starts_with("preload: warning: "))
        .collect();
    assert_eq!(
        errors,
        ["preload: cannot write to stdout: No space left on device (os error 28)"],
        "{what}: {err}"
    );
}

#[test]
fn warm_json_to_a_full_disk_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("f"), b"data").unwrap();
    let out = to_dev_full(&["warm", "-q", "--json"], dir.path());
    assert_one_stdout_error(&out, "warm -q --json");
    let out = to_dev_full(&["warm"], dir.path());
    assert_one_stdout_error(&out, "warm");
}

#[test]
fn status_and_evict_to_a_full_disk_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("f"), b"data").unwrap();
    assert_one_stdout_error(&to_dev_full(&["status"], dir.path()), "status");
    assert_one_stdout_error(
        &to_dev_full(&["status", "--json"], dir.path()),
        "status --json",
    );
    assert_one_stdout_error(
        &to_dev_full(&["evict", "--json"], dir.path()),
        "evict --json",
    );
}

#[test]
fn tune_json_to_a_full_disk_exits_2_and_show_too() {
    let dir = tempfile::tempdir().unwrap();
    // Enough for a short tune on the local disk.
    for i in 0..4 {
        util::create_size(&dir.path().join(format!("shard-{i}")), 8 << 20);
    }
    let out = to_dev_full(
        &[
            "tune",
            "--json",
            "--no-save",
            "--time-budget",
            "2s",
            "--probe-time",
            "200ms",
            "--max-level",
            "2",
        ],
        dir.path(),
    );
    assert_one_stdout_error(&out, "tune --json");
    // `tune --show` takes no PATH; the temp dir goes to PRELOAD_CACHE_DIR only.
    let full: File = OpenOptions::new().write(true).open("/dev/full").unwrap();
    let out = Command::new(assert_cmd::cargo::cargo_bin("preload"))
        .env("PRELOAD_CACHE_DIR", dir.path().join("cache"))
        .args(["tune", "--show"])
        .stdout(full)
        .output()
        .unwrap();
    assert_one_stdout_error(&out, "tune --show");
}

/// Runs `preload ARGS` with stderr on /dev/full: every diagnostic fails.
fn stderr_to_dev_full(args: &[&str], cache: &Path) -> Output {
    with_dev_full(Full::Stderr, args, cache)
}

#[test]
fn a_stderr_that_cannot_be_written_does_not_change_the_exit_code() {
    // std's eprintln! panics when stderr fails: exit 101 instead of the
    // command's own code, and a warm killed by its log collector's death.
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let missing = dir.path().join("missing");
    let out = stderr_to_dev_full(&["warm", missing.to_str().unwrap()], &cache);
    assert_eq!(out.status.code(), Some(2), "a fatal error still exits 2");
    let tree = dir.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(tree.join("f"), vec![1u8; 1 << 20]).unwrap();
    // A tune of a tiny tree writes its progress and several warnings.
    let out = stderr_to_dev_full(
        &["tune", "--time-budget", "2s", tree.to_str().unwrap()],
        &cache,
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(!out.stdout.is_empty(), "the result is still on stdout");
    let out = stderr_to_dev_full(&["warm", tree.to_str().unwrap()], &cache);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("warmed 1 of 1 file,"));
}
