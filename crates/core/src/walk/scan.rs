//! The parallel half of the walk: reads directories and looks up their
//! entries on a bounded set of threads, one tree level at a time. On storage
//! where every lookup is a round trip (FUSE, NFS, object-store gateways:
//! simfs `--meta-latency`), a serial walk of 3000 files behind 5 ms lookups
//! takes 30 s before the first byte is read; here up to [`par::LOOKUP_THREADS`]
//! lookups are in flight at once. The tree it returns is visited in order by
//! the serial half (walk.rs), so the walk's output does not depend on which
//! thread answered first.
//!
//! Reading still starts only once the walk is done: the plan's order
//! (`--order`), `--max-bytes` and the memory check need the whole list, and
//! with the lookups in parallel that tree's walk takes about a second.

use std::fs::{FileType, Metadata};
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::CancelToken;
use crate::par;

/// What one directory entry turned out to be.
#[derive(Debug)]
pub(super) enum Node {
    /// Not a directory: the type of its target, and its metadata when the
    /// filter wants the file ([`Scan::wants`]) and it is a regular file.
    Leaf {
        file_type: FileType,
        meta: Option<io::Result<Metadata>>,
    },
    /// A directory (or a symlink to one), an index into [`Tree::dirs`].
    Dir(usize),
    /// A symlink to a directory above it: not descended.
    Loop,
    /// The entry could not be examined (a dangling symlink, a vanished file).
    Error(io::Error),
}

/// One directory entry, with its path as found.
#[derive(Debug)]
pub(super) struct Entry {
    pub path: PathBuf,
    pub node: Node,
}

/// A directory and, once read, its entries sorted by name.
#[derive(Debug)]
pub(super) struct Dir {
    pub path: PathBuf,
    /// (device, inode), for loop detection; `None` when it could not be had.
    id: Option<(u64, u64)>,
    parent: Option<usize>,
    pub entries: io::Result<Vec<Entry>>,
}

/// A walked input: a directory tree (`dirs[0]` is the input), or the input
/// itself when it is not a directory.
#[derive(Debug)]
pub(super) enum Tree {
    Dirs(Vec<Dir>),
    Single(Node),
}

/// How to look: which files need their metadata, and when to stop.
pub(super) struct Scan<'a> {
    /// True for a regular file's path that the walk will take (so its
    /// metadata is looked up here, in parallel, and only for those).
    pub wants: &'a (dyn Fn(&Path) -> bool + Sync),
    pub cancel: &'a CancelToken,
}

impl Scan<'_> {
    /// Walks `input`, following symlinks, with walkdir's rules: a symlink to
    /// a directory that is the input, one of its ancestors, or a directory
    /// on the way down is a loop and is not descended.
    pub fn tree(&self, input: &Path) -> Tree {
        let meta = match std::fs::metadata(input) {
            Ok(m) => m,
            Err(e) => return Tree::Single(Node::Error(e)),
        };
        if !meta.is_dir() {
            return Tree::Single(Node::Leaf {
                file_type: meta.file_type(),
                meta: Some(Ok(meta)),
            });
        }
        let above = ids_above(input);
        let mut dirs = vec![Dir {
            path: input.to_owned(),
            id: Some(id(&meta)),
            parent: None,
            entries: Ok(Vec::new()),
        }];
        let mut level = vec![0];
        while !level.is_empty() && !self.cancel.is_cancelled() {
            level = self.descend(&mut dirs, &level, &above);
        }
        Tree::Dirs(dirs)
    }

    /// Reads the directories of one level and looks up all their entries;
    /// returns the directories of the next level.
    fn descend(&self, dirs: &mut Vec<Dir>, level: &[usize], above: &[(u64, u64)]) -> Vec<usize> {
        let listings = par::map(level, self.cancel, |&d| list(&dirs[d].path));
        let mut names = Vec::new();
        for (&d, listing) in level.iter().zip(listings) {
            match listing {
                Some(Ok(list)) => names.extend(list.into_iter().map(|e| (d, e))),
                Some(Err(e)) => dirs[d].entries = Err(e),
                None => {}
            }
        }
        let looked = par::map(&names, self.cancel, |(d, (path, ft))| {
            self.look(dirs, *d, path, ft, above)
        });
        let mut next = Vec::new();
        for ((d, (path, _)), look) in names.into_iter().zip(looked) {
            let node = match look {
                Some(Looked::Node(node)) => node,
                Some(Looked::Dir(id)) => {
                    dirs.push(Dir {
                        path: path.clone(),
                        id,
                        parent: Some(d),
                        entries: Ok(Vec::new()),
                    });
                    next.push(dirs.len() - 1);
                    Node::Dir(dirs.len() - 1)
                }
                None => continue,
            };
            if let Ok(entries) = &mut dirs[d].entries {
                entries.push(Entry { path, node });
            }
        }
        next
    }

    fn look(
        &self,
        dirs: &[Dir],
        parent: usize,
        path: &Path,
        ft: &io::Result<FileType>,
        above: &[(u64, u64)],
    ) -> Looked {
        let ft = match ft {
            Ok(ft) => *ft,
            Err(e) => return Looked::Node(Node::Error(copy(e))),
        };
        if ft.is_dir() {
            let id = std::fs::symlink_metadata(path).ok().map(|m| id(&m));
            return Looked::Dir(id);
        }
        if !ft.is_symlink() {
            let meta =
                (ft.is_file() && (self.wants)(path)).then(|| std::fs::symlink_metadata(path));
            return Looked::Node(Node::Leaf {
                file_type: ft,
                meta,
            });
        }
        let target = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => return Looked::Node(Node::Error(e)),
        };
        if !target.is_dir() {
            let meta = (target.is_file() && (self.wants)(path)).then(|| Ok(target.clone()));
            return Looked::Node(Node::Leaf {
                file_type: target.file_type(),
                meta,
            });
        }
        let target_id = id(&target);
        let mut up = Some(parent);
        while let Some(d) = up {
            if dirs[d].id == Some(target_id) {
                return Looked::Node(Node::Loop);
            }
            up = dirs[d].parent;
        }
        if above.contains(&target_id) {
            return Looked::Node(Node::Loop);
        }
        Looked::Dir(Some(target_id))
    }
}

/// An entry looked up, before directories get their index.
enum Looked {
    Node(Node),
    Dir(Option<(u64, u64)>),
}

type Listing = io::Result<Vec<(PathBuf, io::Result<FileType>)>>;

/// A directory's entries sorted by name (as walkdir's `sort_by_file_name`),
/// each with the type readdir gave.
fn list(dir: &Path) -> Listing {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        out.push((entry.path(), entry.file_type()));
    }
    out.sort_by(|a, b| a.0.file_name().cmp(&b.0.file_name()));
    Ok(out)
}

fn id(m: &Metadata) -> (u64, u64) {
    (m.dev(), m.ino())
}

/// The directories above `input` (as walkdir seeds its loop check): a
/// symlink to one of them would walk the input again.
fn ids_above(input: &Path) -> Vec<(u64, u64)> {
    let Ok(canonical) = input.canonicalize() else {
        return Vec::new();
    };
    canonical
        .ancestors()
        .skip(1)
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| id(&m))
        .collect()
}

/// io::Error is not Clone; keep its kind, OS code and message.
fn copy(e: &io::Error) -> io::Error {
    match e.raw_os_error() {
        Some(code) => io::Error::from_raw_os_error(code),
        None => io::Error::new(e.kind(), e.to_string()),
    }
}
