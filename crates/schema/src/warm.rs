//! The summary of one `preload warm` run (`--json`).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::name;

/// How a run's parallelism was chosen; serialised as its lowercase name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ParallelismSource {
    /// `-P N` (or a library caller's fixed level).
    #[default]
    Fixed,
    /// The profile `preload tune` saved for the filesystem.
    Profile,
    /// `-P auto`: the online controller.
    Auto,
    /// No `-P` and no profile: the built-in default.
    Default,
}

impl ParallelismSource {
    /// The name the JSON and the summary line use.
    pub fn as_str(self) -> &'static str {
        match self {
            ParallelismSource::Fixed => "fixed",
            ParallelismSource::Profile => "profile",
            ParallelismSource::Auto => "auto",
            ParallelismSource::Default => "default",
        }
    }
}

impl std::fmt::Display for ParallelismSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

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
    pub parallelism_source: ParallelismSource,
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
    /// Human-readable warnings, also printed on stderr (in JSON, their
    /// sentences only).
    pub warnings: Vec<crate::Warning>,
    /// Why bytes that were read are not resident at the end, each cause with
    /// its evidence; empty when everything read stayed resident.
    #[serde(default)]
    pub diagnoses: Vec<Diagnosis>,
    /// Bytes of chunks found already resident (measured exactly) and not
    /// read again; part of `bytes`. Zero where residency could only be
    /// estimated (not the files' owner): then everything is read.
    #[serde(default)]
    pub resident_skipped_bytes: u64,
    /// The order files were read in: `loader`, `size` or `path`.
    #[serde(default)]
    pub order: String,
    /// Work unit of the run, bytes: files larger than this were split
    /// (0 in summaries written before it was recorded).
    #[serde(default)]
    pub chunk_size: u64,
    /// Which chunk a free reader took: `front` (the front of the plan) or
    /// `spread` (a file no reader was on first); empty in summaries
    /// written before it was recorded.
    #[serde(default)]
    pub schedule: String,
    /// The rate cap and back-offs of the run (`--max-rate`, `--backoff`).
    #[serde(default)]
    pub pacing: crate::Pacing,
    /// Latency quantiles of the read calls (a bounded sample per reader);
    /// null when nothing was read. Absent in older files.
    #[serde(default)]
    pub read_latency: Option<crate::ReadLatency>,
    /// Set when this warm joined another warm of the same tree on this
    /// node: it waited for that one, then read only what was still missing;
    /// null otherwise.
    #[serde(default)]
    pub joined: Option<Joined>,
}

/// A warm that joined another warm of the same tree on this node.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Joined {
    /// The process that was warming the tree (None: it had not said yet).
    pub leader_pid: Option<u32>,
    /// Seconds spent waiting for it (and any warm that joined before).
    pub waited_s: f64,
}

/// One proven cause of read bytes missing from the page cache after a warm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnosis {
    /// The cause.
    pub kind: DiagnosisKind,
    /// Bytes that were read and are not resident, explained by this cause.
    pub bytes: u64,
    /// Files concerned.
    pub files: u64,
    /// What shows it, in words (counters, probe results, a file name).
    pub evidence: String,
}

/// Causes of read bytes missing from the page cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiagnosisKind {
    /// The mount keeps nothing that is read: a read-then-check probe found
    /// the bytes it had just read missing. The only cause behind exit 3.
    NotKept,
    /// Evicted by memory reclaim (host or cgroup): reclaim left traces
    /// (cachestat's evicted pages) or reclaim counters rose during the run.
    MemoryPressure,
    /// `/proc/sys/vm/drop_caches` was written during the run.
    CacheDropped,
    /// Gone without reclaim while the mount keeps pages: another process
    /// evicted them (posix_fadvise DONTNEED, `vmtouch -e`, `preload evict`)
    /// or the filesystem invalidated them (a FUSE or NFS client that sees a
    /// file change drops its pages); nothing here tells the two apart.
    EvictedByOther,
    /// The file's size or inode changed between planning and the check.
    ChangedWhileRead,
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
///
/// Only pages whose data is present count: not pages still under read I/O,
/// not pages whose read failed. Where the kernel will not tell this caller
/// (a non-owner of the file), residency is estimated by sampling pages
/// (`sampled_bytes`), or, where even that is impossible, counted in
/// `unknown_bytes` and never as resident.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Residency {
    /// Bytes resident in the page cache (whole pages, capped at file size);
    /// for sampled files, the estimate from the sampled pages.
    pub resident_bytes: u64,
    /// Total size of the files, bytes.
    pub total_bytes: u64,
    /// Bytes of files whose residency was estimated by sampling pages,
    /// because the kernel reports exact residency only to the file's owner
    /// (or a writer, or root).
    #[serde(default)]
    pub sampled_bytes: u64,
    /// Bytes of files whose residency could not be measured at all; they
    /// count as not resident.
    #[serde(default)]
    pub unknown_bytes: u64,
}

impl Residency {
    /// Resident fraction in 0..=1 (1 for an empty set). Unknown bytes count
    /// as not resident, so this never overstates.
    pub fn fraction(&self) -> f64 {
        if self.total_bytes == 0 {
            1.0
        } else {
            self.resident_bytes as f64 / self.total_bytes as f64
        }
    }

    /// True when no byte's residency is known.
    pub fn is_unknown(&self) -> bool {
        self.total_bytes > 0 && self.unknown_bytes == self.total_bytes
    }

    /// Sum of two residencies.
    pub fn plus(self, other: Residency) -> Residency {
        Residency {
            resident_bytes: self.resident_bytes + other.resident_bytes,
            total_bytes: self.total_bytes + other.total_bytes,
            sampled_bytes: self.sampled_bytes + other.sampled_bytes,
            unknown_bytes: self.unknown_bytes + other.unknown_bytes,
        }
    }
}

/// The memory check done before reading.
///
/// The `cgroup_*` fields describe one memory cgroup: of the process's own
/// cgroup and its ancestors, the one that leaves the least room. They are all
/// `null` when no memory cgroup limit applies (or none could be found).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryCheck {
    /// Bytes the run plans to read.
    pub planned_bytes: u64,
    /// Memory available for the page cache: the lower of MemAvailable and the
    /// room left under the tightest cgroup limit
    /// (`cgroup_limit_bytes - cgroup_used_bytes`), bytes.
    pub available_bytes: u64,
    /// The memory limit of the cgroup that decided `available_bytes`, bytes.
    pub cgroup_limit_bytes: Option<u64>,
    /// That cgroup's path in its hierarchy, as `/proc/self/cgroup` writes it
    /// (`/kubepods/pod1/ctr`; `/` inside a cgroup namespace is the
    /// namespace's root, usually the container itself).
    #[serde(default)]
    pub cgroup_path: Option<String>,
    /// Its cgroup version: 1 or 2.
    #[serde(default)]
    pub cgroup_version: Option<u8>,
    /// The file the limit was read from: `memory.max` or `memory.high` (v2),
    /// `memory.limit_in_bytes` (v1).
    #[serde(default)]
    pub cgroup_limit_file: Option<String>,
    /// Memory that cgroup uses and cannot give back: its usage
    /// (`memory.current`, v1 `memory.usage_in_bytes`) less its page cache,
    /// inactive and active (`memory.stat`), bytes.
    #[serde(default)]
    pub cgroup_used_bytes: Option<u64>,
    /// `planned_bytes <= available_bytes`.
    pub fits: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_memory_check_written_before_the_cgroup_fields_still_parses() {
        let old = r#"{"planned_bytes":10,"available_bytes":5,"cgroup_limit_bytes":8,"fits":false}"#;
        let m: MemoryCheck = serde_json::from_str(old).unwrap();
        assert_eq!(m.cgroup_limit_bytes, Some(8));
        assert_eq!(m.cgroup_path, None);
        assert_eq!(m.cgroup_version, None);
        assert_eq!(m.cgroup_limit_file, None);
        assert_eq!(m.cgroup_used_bytes, None);
    }
}
