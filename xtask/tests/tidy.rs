//! House rules a reviewer should not have to check by eye (in the spirit of
//! rust-analyzer's `xtask/src/tidy.rs`): short source files, no machine's
//! paths or host name in tracked files, no workspace dependency nobody uses.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Most lines a source file may hold before its `#[cfg(test)]` block.
const MAX_LINES: usize = 400;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn tracked() -> Vec<PathBuf> {
    let out = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(root())
        .output()
        .expect("git ls-files");
    assert!(out.status.success(), "git ls-files failed");
    out.stdout
        .split(|&b| b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| PathBuf::from(String::from_utf8_lossy(p).into_owned()))
        .filter(|p| root().join(p).is_file())
        .collect()
}

/// Whether `path` holds tests only (integration tests, `*_tests.rs`).
fn is_test_file(path: &Path) -> bool {
    path.components().any(|c| c.as_os_str() == "tests")
        || path.to_string_lossy().ends_with("_tests.rs")
        || path.starts_with("crates/simfs/src/testing.rs")
}

#[test]
fn source_files_are_short() {
    let mut long = Vec::new();
    for path in tracked() {
        if path.extension().is_none_or(|e| e != "rs") || is_test_file(&path) {
            continue;
        }
        let text = std::fs::read_to_string(root().join(&path)).unwrap();
        let lines = text
            .lines()
            .take_while(|l| !l.starts_with("#[cfg(test)]"))
            .count();
        if lines > MAX_LINES {
            long.push(format!("{} ({lines} lines)", path.display()));
        }
    }
    assert!(
        long.is_empty(),
        "over {MAX_LINES} lines before the tests; split by job: {long:#?}"
    );
}

#[test]
fn no_machine_paths_or_host_name() {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    // A short host name ("vm") is an ordinary word; only a distinctive one
    // can be searched for.
    let host = (host.len() >= 6).then_some(host);
    let mut hits = Vec::new();
    for path in tracked() {
        // Reports are records of real runs and name the machine they ran
        // on and its paths by design (house rule).
        if path == Path::new("xtask/tests/tidy.rs") || path.starts_with("reports") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(root().join(&path)) else {
            continue; // binary
        };
        for (n, line) in text.lines().enumerate() {
            let machine_path = ["/work/", "/home/", "/root/", "/Users/"]
                .iter()
                .any(|p| line.contains(p));
            let named = host.as_deref().is_some_and(|h| line.contains(h));
            if machine_path || named {
                hits.push(format!("{}:{}: {line}", path.display(), n + 1));
            }
        }
    }
    assert!(hits.is_empty(), "machine paths or host name: {hits:#?}");
}

#[test]
fn every_workspace_dependency_is_used() {
    let manifest =
        |p: &Path| -> toml::Table { toml::from_str(&std::fs::read_to_string(p).unwrap()).unwrap() };
    let workspace = manifest(&root().join("Cargo.toml"));
    let declared: BTreeSet<String> = workspace["workspace"]["dependencies"]
        .as_table()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let mut used = BTreeSet::new();
    for path in tracked() {
        if path.file_name().is_some_and(|n| n == "Cargo.toml") && path != Path::new("Cargo.toml") {
            let m = manifest(&root().join(&path));
            for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
                if let Some(t) = m.get(section).and_then(|s| s.as_table()) {
                    used.extend(t.keys().cloned());
                }
            }
        }
    }
    let unused: Vec<_> = declared.difference(&used).collect();
    assert!(
        unused.is_empty(),
        "unused workspace dependencies: {unused:?}"
    );
}
