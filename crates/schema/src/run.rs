//! `preload run --json FILE`: a warm beside a command, and what the command found.

use serde::{Deserialize, Serialize};

use crate::{Residency, WarmSummary};

/// What `preload run PATH... -- CMD` measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// Always `"run"`.
    pub kind: String,
    /// [`crate::SCHEMA_VERSION`].
    pub schema_version: u32,
    /// CMD and its arguments (lossy UTF-8).
    pub command: Vec<String>,
    /// CMD's exit code; `128 + signal` when a signal ended it (as a shell
    /// reports it); 126/127 when it could not be started. preload exits with it.
    pub exit_status: i32,
    /// From CMD's start until it exited, seconds: the cold start.
    pub cmd_s: f64,
    /// From the warm's start until it finished or was stopped, seconds.
    pub warm_s: f64,
    /// True when the warm read everything before CMD exited (false: stopped
    /// when CMD exited, by a signal, or it failed).
    pub warm_finished: bool,
    /// Residency of the files when CMD started (before any warming).
    pub resident_at_start: Residency,
    /// Major page faults of CMD and the children it waited for: each is a
    /// page of a mapped file CMD touched before it was in the page cache,
    /// so it waited for the storage (one fault reads up to the readahead
    /// window). Loaders that `read()` rather than map do not fault: for them
    /// this stays near zero whatever they waited for.
    pub cmd_major_faults: u64,
    /// Minor page faults of CMD: pages it mapped that were already in memory
    /// (or arriving).
    pub cmd_minor_faults: u64,
    /// Peak resident set of CMD (and the children it waited for), KiB.
    pub cmd_peak_rss_kib: u64,
    /// Signals preload received and passed on to CMD (numbers).
    pub signals_forwarded: Vec<i32>,
    /// The warm's own summary; absent when it could not start (its error is
    /// in `warnings`).
    pub warm: Option<WarmSummary>,
    /// Warnings, also printed on stderr.
    pub warnings: Vec<String>,
}
