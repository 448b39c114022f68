//! Making the cache cold before every run, and checking that it is.

use std::path::PathBuf;

use preload_core::pagecache::{drop_all_caches, evict, total_residency};
use preload_schema::Residency;

/// How caches are emptied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColdMethod {
    /// `/proc/sys/vm/drop_caches` (root): the whole page cache, metadata too.
    DropCaches,
    /// `posix_fadvise(DONTNEED)` on each file of the data set.
    Fadvise,
}

impl ColdMethod {
    /// The name recorded in `BenchConfig::cold_method`.
    pub fn as_str(self) -> &'static str {
        match self {
            ColdMethod::DropCaches => "drop_caches",
            ColdMethod::Fadvise => "fadvise",
        }
    }
}

/// Resident fraction above which a run does not count as cold.
pub const COLD_FRACTION: f64 = 0.05;

/// Empties the cache of a fixed set of files before each run.
#[derive(Debug)]
pub struct Cooler {
    files: Vec<PathBuf>,
    method: ColdMethod,
    /// Problems met while evicting (each message once).
    pub warnings: Vec<String>,
}

impl Cooler {
    /// With `drop_caches` allowed, tries it once; when not permitted (or not
    /// allowed), every run evicts per file.
    pub fn new(files: Vec<PathBuf>, drop_caches: bool) -> Cooler {
        let method = match drop_caches && drop_all_caches().is_ok() {
            true => ColdMethod::DropCaches,
            false => ColdMethod::Fadvise,
        };
        Cooler {
            files,
            method,
            warnings: Vec::new(),
        }
    }

    /// The method in use.
    pub fn method(&self) -> ColdMethod {
        self.method
    }

    /// Empties the cache and returns the residency of the files afterwards
    /// (what the run starts from).
    pub fn cool(&mut self) -> Residency {
        if self.method == ColdMethod::DropCaches && drop_all_caches().is_err() {
            self.method = ColdMethod::Fadvise;
            self.note("drop_caches stopped working; evicting per file from now on".into());
        }
        if self.method == ColdMethod::Fadvise {
            let failed: Vec<String> = self
                .files
                .iter()
                .filter_map(|f| {
                    evict(f)
                        .err()
                        .map(|e| format!("cannot evict {}: {e}", preload_schema::name::escaped(f)))
                })
                .collect();
            for msg in failed {
                self.note(msg);
            }
        }
        self.residency()
    }

    /// Residency of the files now.
    pub fn residency(&self) -> Residency {
        total_residency(self.files.iter().map(PathBuf::as_path))
    }

    fn note(&mut self, msg: String) {
        if !self.warnings.contains(&msg) {
            self.warnings.push(msg);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_file_is_cold_again_after_cooling() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("data");
        std::fs::write(&f, vec![7u8; 1 << 20]).unwrap();
        let _ = std::fs::read(&f).unwrap();
        let mut c = Cooler::new(vec![f], false);
        let r = c.cool();
        assert_eq!(r.total_bytes, 1 << 20);
        assert!(r.fraction() < COLD_FRACTION, "{r:?} with {:?}", c.method());
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    }
}
