//! Nothing selected is an error of its own, exit 4 (issue 10, item 12): an
//! empty directory or a glob that matches nothing used to print
//! "0 B of 0 B (100%)" and exit 0, so a mistyped mount passed silently.

mod util;

use predicates::prelude::*;
use util::{json, preload, preload_on};

#[test]
fn an_empty_directory_is_exit_4_for_warm_status_and_evict() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    for cmd in [
        &["warm"][..],
        &["warm", "--json"],
        &["status"],
        &["evict", "--json"],
    ] {
        preload()
            .args(cmd)
            .arg(&empty)
            .assert()
            .code(4)
            .stdout(predicate::str::is_empty())
            .stderr(predicate::eq(format!(
                "preload: no files selected under {} (no regular files there); \
                 pass --allow-empty to accept an empty selection\n",
                empty.display()
            )));
    }
}

#[test]
fn an_include_that_matches_nothing_says_what_it_left_out() {
    let dir = tempfile::tempdir().unwrap();
    for n in ["a.bin", "b.bin", "sub/c.bin"] {
        let p = dir.path().join(n);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, b"x").unwrap();
    }
    for cmd in ["warm", "status", "evict"] {
        preload_on(&[cmd, "--include", "*.safetensors"], dir.path())
            .code(4)
            .stderr(predicate::str::contains(format!(
                "no files selected under {} (3 files matched no --include glob)",
                dir.path().display()
            )));
    }
    preload_on(&["warm", "--exclude", "*.bin"], dir.path())
        .code(4)
        .stderr(predicate::str::contains("(3 files matched --exclude)"));
}

#[test]
fn special_files_alone_are_an_empty_selection_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("/dev/null", dir.path().join("null")).unwrap();
    preload()
        .arg("warm")
        .arg(dir.path())
        .assert()
        .code(4)
        .stderr(predicate::str::contains("(1 skipped: char-device x1)"));
}

#[test]
fn allow_empty_accepts_it() {
    let dir = tempfile::tempdir().unwrap();
    let s = json(
        &preload_on(&["warm", "--json", "--allow-empty"], dir.path())
            .code(0)
            .get_output()
            .stdout,
    );
    assert_eq!(s["files"], 0);
    for cmd in ["status", "evict"] {
        preload_on(&[cmd, "--allow-empty"], dir.path())
            .code(0)
            .stdout(predicate::str::contains("0 files"));
    }
}

#[test]
fn empty_files_are_a_selection() {
    // Zero-length files are regular files: selected, warmed, exit 0.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("empty-file"), b"").unwrap();
    preload().arg("warm").arg(dir.path()).assert().code(0);
}
