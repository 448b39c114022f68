//! How errors read (issue 16): one line, one prefix, each cause said once,
//! the accepted forms listed, sizes human, counts with the right plural.

mod util;

use util::{create_size, preload};

/// Runs preload with `args`, expects exit 2, returns stderr.
fn fails(args: &[&str]) -> String {
    let out = preload().args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    String::from_utf8(out.stderr).unwrap()
}

fn assert_one_prefix(stderr: &str) {
    assert!(stderr.starts_with("preload: "), "prefix: {stderr}");
    assert!(!stderr.contains("error:"), "two prefixes: {stderr}");
}

#[test]
fn a_missing_result_file_is_said_once() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.json");
    let m = missing.to_str().unwrap();
    let err = fails(&["compare", m, m]);
    assert_one_prefix(&err);
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn a_broken_result_file_is_said_once() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{").unwrap();
    let b = bad.to_str().unwrap();
    let err = fails(&["compare", b, b]);
    assert_one_prefix(&err);
    assert_eq!(err.matches("EOF while parsing").count(), 1, "{err}");
}

#[test]
fn a_bad_glob_is_said_once() {
    let dir = tempfile::tempdir().unwrap();
    let err = fails(&["warm", "-q", "--include", "[", dir.path().to_str().unwrap()]);
    assert_one_prefix(&err);
    assert_eq!(err.matches("unclosed character class").count(), 1, "{err}");
}

#[test]
fn size_errors_list_the_accepted_units_wherever_they_are_parsed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    // --chunk-size is checked when the config is resolved, --byte-budget by clap.
    for args in [
        vec!["warm", "--chunk-size", "12QB", d],
        vec!["warm", "--max-bytes", "lots", d],
        vec!["tune", "--byte-budget", "5xb", d],
    ] {
        let err = fails(&args);
        assert_one_prefix(&err);
        assert!(err.contains("KiB, MiB, GiB"), "{args:?}: {err}");
        assert!(err.contains("64MiB"), "no example: {err}");
        // The parser's own wording names its internals.
        assert!(
            !err.contains("ByteSize") && !err.contains("SI unit"),
            "{err}"
        );
        // The flag that was wrong, and no other.
        assert!(err.contains(args[1]), "{err}");
        for other in [
            "--chunk-size",
            "--buffer-size",
            "--max-bytes",
            "--byte-budget",
        ] {
            assert!(other == args[1] || !err.contains(other), "{err}");
        }
    }
}

#[test]
fn durations_list_the_accepted_forms() {
    let err = fails(&["tune", "--time-budget", "soon", "."]);
    assert_one_prefix(&err);
    assert!(
        err.contains("--time-budget") && err.contains("30s"),
        "{err}"
    );
}

#[test]
fn usage_errors_use_the_same_prefix() {
    let err = fails(&["warm", "--no-such-flag", "."]);
    assert_one_prefix(&err);
    let err = fails(&["completions", "tcsh"]);
    assert_one_prefix(&err);
    assert!(err.contains("bash") && err.contains("zsh"), "{err}");
}

#[test]
fn the_byte_limit_is_said_in_human_units() {
    let dir = tempfile::tempdir().unwrap();
    create_size(&dir.path().join("a"), 3 << 20);
    let err = fails(&[
        "warm",
        "-q",
        "--max-bytes",
        "1MiB",
        dir.path().to_str().unwrap(),
    ]);
    assert_one_prefix(&err);
    assert!(err.contains("3.0 MiB") && err.contains("1.0 MiB"), "{err}");
    assert!(!err.contains("3145728"), "raw bytes: {err}");
}

#[test]
fn one_file_is_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("only");
    create_size(&f, 8192);
    let f = f.to_str().unwrap();
    let stdout = |args: &[&str]| {
        let out = preload().args(args).arg(f).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(!text.contains("1 files"), "{text}");
        text
    };
    let warm = stdout(&["warm", "-P", "1"]);
    assert!(warm.contains("warmed 1 of 1 file,"), "{warm}");
    let status = stdout(&["status"]);
    assert!(status.contains("in 1 file\n"), "{status}");
    let evict = stdout(&["evict"]);
    assert!(evict.contains("evicted 1 file:"), "{evict}");
}
