//! One line of a regression history file (`--history FILE`, CSV).

use serde::{Deserialize, Serialize};

/// A summary of one tune or bench run, appended to a history CSV so that
/// `preload report --history` can plot throughput and knee over time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryRow {
    /// When the run started, RFC 3339 in UTC.
    pub date: String,
    /// Host name.
    pub host: String,
    /// Filesystem type of the measured path.
    pub fs_type: String,
    /// `tune` or `bench`.
    pub kind: String,
    /// The measured path.
    pub dataset: String,
    /// Knee (recommended `-P`) for a tune; the preload strategy's level for a bench.
    pub knee: Option<usize>,
    /// Median throughput at the knee (tune) or of the preload strategy (bench), MiB/s.
    pub knee_mib_s: Option<f64>,
    /// Median throughput at P=1 (tune) or of the sequential strategy (bench), MiB/s.
    pub single_mib_s: Option<f64>,
    /// Verdict against the baseline: `REGRESSED`, `IMPROVED`, `WITHIN NOISE`,
    /// or `NO BASELINE`.
    pub verdict: String,
}
