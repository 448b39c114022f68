//! The parallel walk against the serial walkdir walk it replaced (kept here
//! as the reference): the same files, skips, failures and counts, in the
//! same order, on a tree with every kind of trap.

use super::*;
use std::os::unix::fs::{PermissionsExt, symlink};

/// The walk as it was before the lookups went parallel: walkdir following
/// symlinks, names sorted.
fn reference(inputs: &[PathBuf], filter: &Filter) -> WalkOutcome {
    let mut out = WalkOutcome::default();
    let mut seen = HashSet::new();
    for input in inputs {
        let walker = walkdir::WalkDir::new(input)
            .follow_links(true)
            .sort_by_file_name();
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    let path = err.path().unwrap_or(Path::new("")).to_owned();
                    if err.loop_ancestor().is_some() {
                        out.skipped.push(skip(&path, "symlink-loop"));
                    } else {
                        let io = err.into_io_error().expect("an I/O error");
                        record_walk_error(&path, &io, &mut out);
                    }
                    continue;
                }
            };
            if entry.file_type().is_dir() {
                continue;
            }
            let path = entry.path();
            let rel = relative(input, path);
            if !filter.includes(rel) {
                out.not_included += 1;
                continue;
            }
            if filter.excludes(rel) {
                out.excluded += 1;
                continue;
            }
            if let Some(reason) = special_kind(entry.file_type()) {
                out.skipped.push(skip(path, reason));
                continue;
            }
            let meta = entry.metadata().expect("metadata");
            if !seen.insert((meta.dev(), meta.ino())) {
                out.skipped.push(skip(path, "duplicate"));
                continue;
            }
            out.files.push(FileEntry {
                path: path.to_owned(),
                size: meta.len(),
                dev: meta.dev(),
                ino: meta.ino(),
            });
        }
    }
    out
}

/// Everything a walk reports, comparable.
fn summary(out: &WalkOutcome) -> (Vec<FileEntry>, Vec<String>, Vec<String>, u64, u64) {
    let skipped = out
        .skipped
        .iter()
        .map(|s| format!("{} {}", s.path, s.reason))
        .collect();
    let failed = out
        .failed
        .iter()
        .map(|f| format!("{} {}", f.path, f.error))
        .collect();
    (
        out.files.clone(),
        skipped,
        failed,
        out.not_included,
        out.excluded,
    )
}

/// Runs `f` with the filesystem permissions of nobody when the tests run as
/// root (CI), so that an unreadable directory is unreadable. setfsuid is
/// per thread, and the walk's threads inherit it from this one.
fn as_nobody<R>(f: impl FnOnce() -> R) -> R {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return f();
    }
    // SAFETY: changes only this thread's filesystem uid; restored below.
    unsafe { libc::setfsuid(65534) };
    let r = f();
    // SAFETY: as above.
    unsafe { libc::setfsuid(0) };
    r
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: c is a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
}

/// A tree with every kind of trap, readable by nobody except `locked/`.
fn tricky_tree() -> (tempfile::TempDir, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let r = dir.path();
    for d in ["a", "b/deep", "many", "locked", "empty"] {
        std::fs::create_dir_all(r.join(d)).unwrap();
    }
    std::fs::write(r.join("top.bin"), b"top").unwrap();
    std::fs::write(r.join("b/deep/x.bin"), b"x").unwrap();
    std::fs::write(r.join("b/deep/y.safetensors"), b"yy").unwrap();
    std::fs::write(r.join("locked/secret.bin"), b"s").unwrap();
    // Enough entries in one directory for the lookups to go to threads.
    for i in 0..100 {
        std::fs::write(r.join(format!("many/f{i:03}.safetensors")), [0u8; 3]).unwrap();
    }
    std::fs::write(outside.path().join("blob"), b"outside").unwrap();
    symlink(outside.path().join("blob"), r.join("a/to-outside")).unwrap();
    symlink(r, r.join("a/up")).unwrap();
    symlink(r.parent().unwrap(), r.join("a/above-the-input")).unwrap();
    symlink("../b", r.join("a/side")).unwrap();
    symlink(r.join("nowhere"), r.join("a/dangling")).unwrap();
    symlink(r.join("a/self"), r.join("a/self")).unwrap();
    symlink(r.join("a/chain2"), r.join("a/chain1")).unwrap();
    symlink(r.join("top.bin"), r.join("a/chain2")).unwrap();
    symlink("/dev/zero", r.join("a/zero")).unwrap();
    std::fs::hard_link(r.join("top.bin"), r.join("b/hard")).unwrap();
    mkfifo(&r.join("b/fifo"));
    let odd: &std::ffi::OsStr = std::os::unix::ffi::OsStrExt::from_bytes(b"odd-\xff");
    std::fs::write(r.join(odd), b"o").unwrap();
    for d in [r, outside.path()] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::set_permissions(r.join("locked"), std::fs::Permissions::from_mode(0o000)).unwrap();
    (dir, outside)
}

#[test]
fn parallel_walk_equals_the_serial_walk_on_a_tricky_tree() {
    let (dir, _outside) = tricky_tree();
    let inputs = [
        dir.path().to_owned(),
        dir.path().join("b"),
        dir.path().join("a/chain1"),
    ];
    let filters = [
        Filter::default(),
        Filter::new(&["*.safetensors".into(), "*.bin".into()], &["*f05*".into()]).unwrap(),
    ];
    for (i, filter) in filters.iter().enumerate() {
        let (ours, theirs) =
            as_nobody(|| (walk(&inputs, filter).unwrap(), reference(&inputs, filter)));
        assert_eq!(summary(&ours), summary(&theirs));
        // The traps were there to be seen: loops, a dangling link, a fifo,
        // a duplicate, the unreadable directory.
        let reasons: HashSet<&str> = ours.skipped.iter().map(|s| s.reason.as_str()).collect();
        let expected: &[&str] = if i == 0 {
            &[
                "symlink-loop",
                "dangling-symlink",
                "char-device",
                "fifo",
                "duplicate",
            ]
        } else {
            // The filter leaves out the fifo and /dev/zero before their type counts.
            &["symlink-loop", "dangling-symlink", "duplicate"]
        };
        for reason in expected {
            assert!(reasons.contains(reason), "{reason} missing: {reasons:?}");
        }
        assert_eq!(ours.failed.len(), 1, "{:?}", ours.failed);
        assert!(ours.not_included + ours.excluded > 0 || i == 0);
    }
    std::fs::set_permissions(
        dir.path().join("locked"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
}
