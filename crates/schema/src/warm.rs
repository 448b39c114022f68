//! The summary of one `preload warm` run (`--json`).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::name;

/// Everything `preload warm --json` prints. Field names are stable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WarmSummary {
    /// Always `"warm"`.
    pub kind: String,
    /// [`crate::SCHEMA_VERSION`] at the time of writing.
    pub schema_version: u32,
    /// Read method: `read`, `willneed` or `mmap`.
    pub method: String,
    /// How the parallelism was chosen: `fixed`, `profile`, `auto` or `default`.
    pub parallelism_source: String,
    /// Parallelism the run used (for `auto`, the level it settled on).
    pub parallelism: usize,
    /// Regular files planned for reading.
    pub files: u64,
    /// Files read to the end without error.
    pub files_read: u64,
    /// Bytes read (or, for `willneed`, bytes requested).
    pub bytes: u64,
    /// Bytes planned for reading.
    pub planned_bytes: u64,
    /// Wall time of the reading phase, seconds.
    pub elapsed_s: f64,
    /// `bytes / elapsed_s`, MiB/s.
    pub throughput_mib_s: f64,
    /// Entries that were not read on purpose (special files, loops, duplicates).
    pub skipped: Vec<Skip>,
    /// Files that failed to read, with the reason.
    pub failed: Vec<Failure>,
    /// Page-cache residency of the planned files after the run.
    pub residency: Residency,
    /// False when the filesystem did not keep the pages that were read.
    pub pages_retained: bool,
    /// Available memory against the planned bytes, checked before reading.
    pub memory: MemoryCheck,
    /// True when the run was stopped by a signal before it finished.
    pub interrupted: bool,
    /// The filesystem of each input path (distinct mounts only).
    pub filesystems: Vec<crate::FsInfo>,
    /// Human-readable warnings, also printed on stderr.
    pub warnings: Vec<String>,
}

/// An entry that was deliberately not read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skip {
    /// Path as found during the walk (display string: bytes that are not
    /// UTF-8 become U+FFFD; see `path_bytes`).
    pub path: String,
    /// The exact bytes of the path, base64, only when they are not UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_bytes: Option<String>,
    /// Why: `fifo`, `socket`, `char-device`, `block-device`, `symlink-loop`,
    /// `dangling-symlink`, `duplicate`, `excluded`.
    pub reason: String,
}

/// A file that could not be read (completely).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// Path of the file (display string: bytes that are not UTF-8 become
    /// U+FFFD; see `path_bytes`).
    pub path: String,
    /// The exact bytes of the path, base64, only when they are not UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_bytes: Option<String>,
    /// The OS error or the condition (`file shrank from X to Y bytes`).
    pub error: String,
}

impl Skip {
    /// A skip of `path` for `reason`, keeping the path's exact bytes.
    pub fn new(path: &Path, reason: impl Into<String>) -> Self {
        Skip {
            path: name::display_string(path),
            path_bytes: name::path_bytes(path),
            reason: reason.into(),
        }
    }

    /// The path as shown on a terminal, escaped ([`name::escaped`]).
    pub fn shown_path(&self) -> String {
        name::shown(&self.path, self.path_bytes.as_deref())
    }
}

impl Failure {
    /// A failure of `path` with `error`, keeping the path's exact bytes.
    pub fn new(path: &Path, error: impl Into<String>) -> Self {
        Failure {
            path: name::display_string(path),
            path_bytes: name::path_bytes(path),
            error: error.into(),
        }
    }

    /// The path as shown on a terminal, escaped ([`name::escaped`]).
    pub fn shown_path(&self) -> String {
        name::shown(&self.path, self.path_bytes.as_deref())
    }
}

/// Page-cache residency of a set of files.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Residency {
    /// Bytes resident in the page cache (whole pages, capped at file size).
    pub resident_bytes: u64,
    /// Total size of the files, bytes.
    pub total_bytes: u64,
}

impl Residency {
    /// Resident fraction in 0..=1 (1 for an empty set).
    pub fn fraction(&self) -> f64 {
        if self.total_bytes == 0 {
            1.0
        } else {
            self.resident_bytes as f64 / self.total_bytes as f64
        }
    }
}

/// The memory check done before reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryCheck {
    /// Bytes the run plans to read.
    pub planned_bytes: u64,
    /// Memory available for the page cache: the lower of MemAvailable and the
    /// cgroup's remaining limit, bytes.
    pub available_bytes: u64,
    /// The cgroup memory limit when one applies, bytes.
    pub cgroup_limit_bytes: Option<u64>,
    /// `planned_bytes <= available_bytes`.
    pub fits: bool,
}
