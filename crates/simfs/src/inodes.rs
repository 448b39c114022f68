//! Inode numbers for paths of the backing directory.
//!
//! Every path the kernel looks up gets a number for the life of the mount
//! (the root is 1). Numbers are never reused, so a stale number can only
//! point at the path it was given for; the table grows with the number of
//! distinct paths looked up, which is fine for test and benchmark trees.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{PoisonError, RwLock};

/// The inode number of the mount's root.
pub(crate) const ROOT: u64 = 1;

#[derive(Debug, Default)]
struct Table {
    /// Path relative to the backing root, indexed by `ino - 1`.
    paths: Vec<PathBuf>,
    by_path: HashMap<PathBuf, u64>,
}

/// Inode number <-> relative path.
#[derive(Debug)]
pub(crate) struct Inodes {
    table: RwLock<Table>,
}

impl Inodes {
    /// A table that knows only the root (the empty relative path).
    pub(crate) fn new() -> Self {
        let mut table = Table::default();
        table.paths.push(PathBuf::new());
        table.by_path.insert(PathBuf::new(), ROOT);
        Self {
            table: RwLock::new(table),
        }
    }

    /// The relative path of `ino`, if it was handed out.
    pub(crate) fn path(&self, ino: u64) -> Option<PathBuf> {
        let t = self.table.read().unwrap_or_else(PoisonError::into_inner);
        let index = usize::try_from(ino.checked_sub(1)?).ok()?;
        t.paths.get(index).cloned()
    }

    /// The number of `rel`, handing out a new one the first time.
    pub(crate) fn ino(&self, rel: &Path) -> u64 {
        if let Some(&ino) = self
            .table
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .by_path
            .get(rel)
        {
            return ino;
        }
        let mut t = self.table.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(&ino) = t.by_path.get(rel) {
            return ino;
        }
        t.paths.push(rel.to_path_buf());
        let ino = t.paths.len() as u64;
        t.by_path.insert(rel.to_path_buf(), ino);
        ino
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_is_one_and_numbers_are_stable() {
        let t = Inodes::new();
        assert_eq!(t.path(ROOT), Some(PathBuf::new()));
        let a = t.ino(Path::new("a"));
        let b = t.ino(Path::new("a/b"));
        assert_ne!(a, b);
        assert_eq!(t.ino(Path::new("a")), a);
        assert_eq!(t.path(b), Some(PathBuf::from("a/b")));
        assert_eq!(t.path(0), None);
        assert_eq!(t.path(99), None);
    }
}
