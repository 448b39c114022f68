//! What a warm did to be a good citizen of shared storage: its rate cap and
//! its back-offs (`WarmSummary::pacing`), and the result of `tune --clients`.

use serde::{Deserialize, Serialize};

/// The pacing of one warm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Pacing {
    /// The cap this process read under (`--max-rate`), bytes per second;
    /// None when uncapped.
    pub max_rate_bytes_s: Option<u64>,
    /// The fleet budget it is a share of, bytes per second (equal to
    /// `max_rate_bytes_s` for a plain per-process rate).
    pub fleet_rate_bytes_s: Option<u64>,
    /// How many processes share the budget (1 for a plain rate).
    pub fleet_size: Option<u64>,
    /// Where `fleet_size` came from: `flag` (`TOTAL/N`), or the environment
    /// variable it was read from (`PRELOAD_FLEET_SIZE`, `SLURM_JOB_NUM_NODES`).
    pub fleet_size_from: Option<String>,
    /// True when back-off was on (`--backoff`).
    pub backoff: bool,
    /// Every halving of the readers, in order.
    pub backoffs: Vec<BackOff>,
}

/// One back-off: throughput collapsed while the readers held, so they were halved.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BackOff {
    /// Seconds since the reading started.
    pub at_s: f64,
    /// Readers before.
    pub from: usize,
    /// Readers after.
    pub to: usize,
    /// Best 1 s throughput at `from` readers, MiB/s.
    pub peak_mib_s: f64,
    /// The 1 s throughput that collapsed, MiB/s.
    pub collapsed_mib_s: f64,
    /// Seconds since the reading started when no more than `to` readers
    /// were reading (readers above it stop between two read calls, within
    /// their chunk); None when the run ended first.
    #[serde(default)]
    pub settled_s: Option<f64>,
    /// Readers held within a chunk at `settled_s`.
    #[serde(default)]
    pub paused_in_chunk: usize,
}
