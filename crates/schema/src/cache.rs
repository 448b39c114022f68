//! Outputs of `preload status --json` and `preload evict --json`.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{Failure, Residency, Skip, name};

/// Page-cache residency of a set of files (`preload status --json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusReport {
    /// Always `"status"`.
    pub kind: String,
    /// [`crate::SCHEMA_VERSION`] at the time of writing.
    pub schema_version: u32,
    /// One entry per regular file, in walk order.
    pub files: Vec<FileResidency>,
    /// Sum over `files`.
    pub total: Residency,
    /// Entries not examined on purpose.
    pub skipped: Vec<Skip>,
    /// Files whose residency could not be read.
    pub failed: Vec<Failure>,
}

/// Residency of one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileResidency {
    /// Path as found (display string: bytes that are not UTF-8 become
    /// U+FFFD; see `path_bytes`).
    pub path: String,
    /// The exact bytes of the path, base64, only when they are not UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_bytes: Option<String>,
    /// Residency now.
    pub residency: Residency,
}

/// What `preload evict --json` did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvictReport {
    /// Always `"evict"`.
    pub kind: String,
    /// [`crate::SCHEMA_VERSION`] at the time of writing.
    pub schema_version: u32,
    /// One entry per regular file.
    pub files: Vec<FileEviction>,
    /// Sum of residency before eviction.
    pub before: Residency,
    /// Sum of residency after eviction.
    pub after: Residency,
    /// Entries not examined on purpose.
    pub skipped: Vec<Skip>,
    /// Files that could not be evicted.
    pub failed: Vec<Failure>,
}

/// Eviction of one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileEviction {
    /// Path as found (display string: bytes that are not UTF-8 become
    /// U+FFFD; see `path_bytes`).
    pub path: String,
    /// The exact bytes of the path, base64, only when they are not UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_bytes: Option<String>,
    /// Residency before.
    pub before: Residency,
    /// Residency after.
    pub after: Residency,
}

impl FileResidency {
    /// The residency of `path`, keeping the path's exact bytes.
    pub fn new(path: &Path, residency: Residency) -> Self {
        FileResidency {
            path: name::display_string(path),
            path_bytes: name::path_bytes(path),
            residency,
        }
    }

    /// The path as shown on a terminal, escaped ([`name::escaped`]).
    pub fn shown_path(&self) -> String {
        name::shown(&self.path, self.path_bytes.as_deref())
    }
}

impl FileEviction {
    /// The eviction of `path`, keeping the path's exact bytes.
    pub fn new(path: &Path, before: Residency, after: Residency) -> Self {
        FileEviction {
            path: name::display_string(path),
            path_bytes: name::path_bytes(path),
            before,
            after,
        }
    }

    /// The path as shown on a terminal, escaped ([`name::escaped`]).
    pub fn shown_path(&self) -> String {
        name::shown(&self.path, self.path_bytes.as_deref())
    }
}
