//! Where a measurement ran: the machine, the filesystem, the data set.

use serde::{Deserialize, Serialize};

/// The machine and software a result was measured on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunContext {
    /// Host name.
    pub host: String,
    /// Kernel release (`uname -r`).
    pub kernel: String,
    /// Logical CPUs available to the process.
    pub cpus: usize,
    /// Total memory of the machine (or of the cgroup when lower), bytes.
    pub memory_bytes: u64,
    /// Version of preload that produced the result.
    pub preload_version: String,
    /// When the measurement started, RFC 3339 in UTC.
    pub date: String,
    /// The filesystem the measured data lives on.
    pub filesystem: FsInfo,
}

/// The filesystem a path lives on, from statfs(2) and /proc/self/mountinfo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct FsInfo {
    /// Filesystem type as the kernel names it (`ext4`, `fuse.mfs`, `nfs4`, ...).
    pub fs_type: String,
    /// Mount point that holds the path.
    pub mount_point: String,
    /// Mount source (device, server export, FUSE daemon name).
    pub source: String,
    /// Mount options (per-mount and superblock options, comma-separated).
    pub options: String,
    /// Device number of the mount as `major:minor`: with the type, the key of a tune profile.
    pub device: String,
    /// Readahead of the mount's backing device info (bdi), KiB, when known.
    pub read_ahead_kb: Option<u64>,
    /// A FUSE mount's background queue, when fusectl shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fuse_queue: Option<FuseQueue>,
}

/// The kernel's queue of background (readahead) requests of one FUSE
/// connection, from /sys/fs/fuse/connections/N/ (fusectl). Once
/// `congestion_threshold` requests are queued the kernel stops reading
/// ahead and throws away the pages it had set up for it, so readers past
/// that read most of their bytes twice over in page-cache work (the
/// kernel's defaults are 12 and 9; a daemon may raise them in `init`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FuseQueue {
    /// Most background requests in flight (`max_background`).
    pub max_background: u32,
    /// Queued background requests past which readahead stops (`congestion_threshold`).
    pub congestion_threshold: u32,
}

/// What was measured: the data under the measured path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dataset {
    /// The path given on the command line.
    pub path: String,
    /// Regular files found under it (after dedupe by inode).
    pub files: u64,
    /// Their total size, bytes.
    pub bytes: u64,
}
