//! Finding the files to read: inputs -> regular files, each (device, inode) once.
//!
//! Symlinks are followed (a HuggingFace cache snapshot is all symlinks into
//! `blobs/`), with walkdir's rules for loops and its order (depth first,
//! names sorted), while the lookups themselves run in parallel (scan.rs). Special files are never opened:
//! a FIFO would block the run and `/dev/zero` never ends, so they are
//! recorded as skipped by the type of their *target*, taken from `stat`.

use std::collections::HashSet;
use std::fs::FileType;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use preload_schema::{Failure, Skip};

use crate::{CancelToken, CoreError};

mod scan;
use scan::{Dir, Entry, Node, Scan, Tree};

/// A regular file to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// Path as found (through symlinks, not resolved).
    pub path: PathBuf,
    /// Size when planned, bytes.
    pub size: u64,
    /// Device of the file (of the symlink's target).
    pub dev: u64,
    /// Inode of the file.
    pub ino: u64,
}

/// The result of walking the inputs.
#[derive(Debug, Default)]
pub struct WalkOutcome {
    /// Regular files, in walk order (inputs in order, names sorted within a directory).
    pub files: Vec<FileEntry>,
    /// Entries not read on purpose.
    pub skipped: Vec<Skip>,
    /// Entries that could not be examined (unreadable directory, ...).
    pub failed: Vec<Failure>,
    /// Entries (files, links, special files) left out because they matched
    /// no `--include` glob; counted, not listed, as a tree may hold millions.
    pub not_included: u64,
    /// Entries left out because they matched an `--exclude` glob.
    pub excluded: u64,
}

/// Which files to take: `--include` / `--exclude` globs on the path relative
/// to the input it was found under (`*` crosses `/`, so `*.safetensors`
/// matches at any depth).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
}

impl Filter {
    /// Builds a filter; an empty `include` takes every file.
    pub fn new(include: &[String], exclude: &[String]) -> Result<Self, CoreError> {
        Ok(Filter {
            include: build_set(include)?,
            exclude: build_set(exclude)?,
        })
    }

    /// True when `rel` (relative path) passes the filter.
    pub fn accepts(&self, rel: &Path) -> bool {
        self.includes(rel) && !self.excludes(rel)
    }

    /// True when there are no `--include` globs or `rel` matches one.
    pub fn includes(&self, rel: &Path) -> bool {
        self.include.as_ref().is_none_or(|s| s.is_match(rel))
    }

    /// True when `rel` matches an `--exclude` glob.
    pub fn excludes(&self, rel: &Path) -> bool {
        self.exclude.as_ref().is_some_and(|s| s.is_match(rel))
    }
}

fn build_set(patterns: &[String]) -> Result<Option<GlobSet>, CoreError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut builder = GlobSetBuilder::new();
    for p in patterns {
        let glob = Glob::new(p).map_err(|source| CoreError::Glob {
            pattern: p.clone(),
            source,
        })?;
        builder.add(glob);
    }
    builder.build().map(Some).map_err(|source| CoreError::Glob {
        pattern: patterns.join(" "),
        source,
    })
}

/// Walks `inputs` (files or directories). A nonexistent input is an error:
/// the user named it, so silently warming nothing would hide a typo.
pub fn walk(inputs: &[PathBuf], filter: &Filter) -> Result<WalkOutcome, CoreError> {
    walk_until(inputs, filter, &CancelToken::new())
}

/// [`walk`] that stops at `cancel` with [`CoreError::Cancelled`]: on storage
/// whose metadata is slow (every lookup a round trip), the walk of a large
/// tree takes long enough that Ctrl-C must stop it too.
pub fn walk_until(
    inputs: &[PathBuf],
    filter: &Filter,
    cancel: &CancelToken,
) -> Result<WalkOutcome, CoreError> {
    for input in inputs {
        // symlink_metadata: a dangling top-level symlink exists but is handled below.
        // Only a missing path is "no such file": an input under a directory
        // the user may not search is a permission error, said as such.
        match std::fs::symlink_metadata(input) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                return Err(CoreError::Io {
                    path: input.clone(),
                    source: e,
                });
            }
            Err(_) => {
                return Err(CoreError::NotFound {
                    path: input.clone(),
                });
            }
        }
    }
    let mut out = WalkOutcome::default();
    let mut seen: HashSet<(u64, u64)> = HashSet::new();
    for input in inputs {
        walk_one(input, filter, &mut seen, &mut out, cancel);
        if cancel.is_cancelled() {
            return Err(CoreError::Cancelled);
        }
    }
    Ok(out)
}

fn walk_one(
    input: &Path,
    filter: &Filter,
    seen: &mut HashSet<(u64, u64)>,
    out: &mut WalkOutcome,
    cancel: &CancelToken,
) {
    let wants = |path: &Path| filter.accepts(relative(input, path));
    let tree = Scan {
        wants: &wants,
        cancel,
    }
    .tree(input);
    let dirs = match tree {
        Tree::Single(node) => {
            take(input, input, node, filter, seen, out);
            return;
        }
        Tree::Dirs(dirs) => dirs,
    };
    // Depth first, names sorted within a directory: walkdir's order.
    let mut stack: Vec<std::vec::IntoIter<Entry>> = Vec::new();
    let open = |d: usize, dirs: &mut Vec<Dir>, out: &mut WalkOutcome| match std::mem::replace(
        &mut dirs[d].entries,
        Ok(Vec::new()),
    ) {
        Ok(entries) => Some(entries.into_iter()),
        Err(e) => {
            record_walk_error(&dirs[d].path, &e, out);
            None
        }
    };
    let mut dirs = dirs;
    stack.extend(open(0, &mut dirs, out));
    while let Some(top) = stack.last_mut() {
        let Some(entry) = top.next() else {
            stack.pop();
            continue;
        };
        if let Node::Dir(d) = entry.node {
            stack.extend(open(d, &mut dirs, out));
        } else {
            take(input, &entry.path, entry.node, filter, seen, out);
        }
    }
}

/// `path` relative to the input it was found under; a file given directly
/// has an empty relative path, so its name is matched.
fn relative<'a>(input: &Path, path: &'a Path) -> &'a Path {
    let rel = path.strip_prefix(input).unwrap_or(path);
    if rel.as_os_str().is_empty() {
        path.file_name().map(Path::new).unwrap_or(path)
    } else {
        rel
    }
}

/// Records one entry that is not a directory.
fn take(
    input: &Path,
    path: &Path,
    node: Node,
    filter: &Filter,
    seen: &mut HashSet<(u64, u64)>,
    out: &mut WalkOutcome,
) {
    let (file_type, meta) = match node {
        Node::Leaf { file_type, meta } => (file_type, meta),
        Node::Loop => {
            out.skipped.push(skip(path, "symlink-loop"));
            return;
        }
        Node::Error(e) => {
            record_walk_error(path, &e, out);
            return;
        }
        Node::Dir(_) => return,
    };
    let rel = relative(input, path);
    if !filter.includes(rel) {
        out.not_included += 1;
        return;
    }
    if filter.excludes(rel) {
        out.excluded += 1;
        return;
    }
    if let Some(reason) = special_kind(file_type) {
        out.skipped.push(skip(path, reason));
        return;
    }
    let meta = match meta {
        Some(Ok(m)) => m,
        Some(Err(err)) => {
            out.failed.push(Failure::new(path, err.to_string()));
            return;
        }
        // Neither a regular file nor special (a type this system adds).
        None => {
            out.skipped.push(skip(path, "not-a-file"));
            return;
        }
    };
    if !seen.insert((meta.dev(), meta.ino())) {
        out.skipped.push(skip(path, "duplicate"));
        return;
    }
    out.files.push(FileEntry {
        path: path.to_owned(),
        size: meta.len(),
        dev: meta.dev(),
        ino: meta.ino(),
    });
}

/// The skip reason for a file type that must not be opened, if any.
fn special_kind(ft: FileType) -> Option<&'static str> {
    if ft.is_fifo() {
        Some("fifo")
    } else if ft.is_socket() {
        Some("socket")
    } else if ft.is_char_device() {
        Some("char-device")
    } else if ft.is_block_device() {
        Some("block-device")
    } else {
        None
    }
}

fn skip(path: &Path, reason: &str) -> Skip {
    Skip::new(path, reason)
}

fn record_walk_error(path: &Path, err: &std::io::Error, out: &mut WalkOutcome) {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if is_link && err.kind() == std::io::ErrorKind::NotFound {
        out.skipped.push(skip(path, "dangling-symlink"));
    } else if is_link && err.raw_os_error() == Some(libc::ELOOP) {
        // A symlink that points at itself (or a chain too deep) fails stat with ELOOP.
        out.skipped.push(skip(path, "symlink-loop"));
    } else {
        out.failed.push(Failure::new(path, err.to_string()));
    }
}

#[cfg(test)]
#[path = "walk/equivalence_tests.rs"]
mod equivalence_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn names(out: &WalkOutcome) -> Vec<String> {
        out.files
            .iter()
            .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn dedupes_symlinks_and_hardlinks_by_inode() {
        let dir = tempfile::tempdir().unwrap();
        let blob = dir.path().join("blob");
        std::fs::write(&blob, b"weights").unwrap();
        symlink(&blob, dir.path().join("link")).unwrap();
        std::fs::hard_link(&blob, dir.path().join("hard")).unwrap();
        let out = walk(&[dir.path().to_owned()], &Filter::default()).unwrap();
        assert_eq!(out.files.len(), 1);
        assert_eq!(out.skipped.len(), 2);
        assert!(out.skipped.iter().all(|s| s.reason == "duplicate"));
    }

    #[test]
    fn loops_dangling_links_and_fifos_are_skipped_with_reasons() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        symlink(dir.path(), sub.join("up")).unwrap();
        symlink(dir.path().join("nowhere"), dir.path().join("dangling")).unwrap();
        symlink(dir.path().join("self"), dir.path().join("self")).unwrap();
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: c is a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        symlink("/dev/zero", dir.path().join("zero")).unwrap();
        std::fs::write(dir.path().join("real"), b"x").unwrap();

        let out = walk(&[dir.path().to_owned()], &Filter::default()).unwrap();
        assert_eq!(names(&out), ["real"]);
        let mut reasons: Vec<&str> = out.skipped.iter().map(|s| s.reason.as_str()).collect();
        reasons.sort();
        // `sub/up` (an ancestor) and `self` both loop; `zero` is a device.
        let expected = "char-device dangling-symlink fifo symlink-loop symlink-loop";
        assert_eq!(reasons.join(" "), expected);
        assert!(out.failed.is_empty(), "{:?}", out.failed);
    }

    #[test]
    fn filters_match_relative_paths_at_any_depth() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("a")).unwrap();
        std::fs::write(dir.path().join("a/x.safetensors"), b"1").unwrap();
        std::fs::write(dir.path().join("a/x.bin"), b"1").unwrap();
        std::fs::write(dir.path().join("config.json"), b"1").unwrap();
        let f = Filter::new(
            &["*.safetensors".into(), "*.json".into()],
            &["config*".into()],
        )
        .unwrap();
        let out = walk(&[dir.path().to_owned()], &f).unwrap();
        assert_eq!(names(&out), ["x.safetensors"]);
        // a/x.bin matched no include; config.json matched an exclude.
        assert_eq!((out.not_included, out.excluded), (1, 1));
    }

    #[test]
    fn odd_names_keep_their_exact_bytes() {
        use std::ffi::OsStr;
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let raw: &[u8] = b"bad-\xff";
        let dangling = dir.path().join(OsStr::from_bytes(raw));
        symlink(dir.path().join("nowhere"), &dangling).unwrap();
        let out = walk(&[dir.path().to_owned()], &Filter::default()).unwrap();
        let s = &out.skipped[0];
        assert_eq!(s.reason, "dangling-symlink");
        assert_eq!(
            preload_schema::name::raw_path(&s.path, s.path_bytes.as_deref()),
            dangling
        );
    }

    #[test]
    fn nonexistent_input_is_an_error_naming_it() {
        let err = walk(&["/no/such/dir".into()], &Filter::default()).unwrap_err();
        assert_eq!(err.to_string(), "/no/such/dir: no such file or directory");
    }

    #[test]
    fn bad_glob_is_an_error() {
        assert!(Filter::new(&["a[".into()], &[]).is_err());
    }
}
