//! Outputs of `preload status --json` and `preload evict --json`.

use serde::{Deserialize, Serialize};

use crate::{Failure, Residency, Skip};

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
    /// Path as found.
    pub path: String,
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
    /// Path as found.
    pub path: String,
    /// Residency before.
    pub before: Residency,
    /// Residency after.
    pub after: Residency,
}
