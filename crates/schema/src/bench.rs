//! The result of `preload bench` (`-o FILE`, `--export-csv`).

use serde::{Deserialize, Serialize};

use crate::{Dataset, Residency, RunContext};

/// A cold-start comparison: every run of every strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchResult {
    /// [`crate::SCHEMA_VERSION`] at the time of writing.
    pub schema_version: u32,
    /// Machine and filesystem.
    pub context: RunContext,
    /// The tree that was warmed.
    pub dataset: Dataset,
    /// How the bench was run.
    pub config: BenchConfig,
    /// Every run, in the order it ran.
    pub runs: Vec<BenchRun>,
    /// True when the bench was stopped by a signal before it finished: the
    /// run cut short is left out of `runs`, and strategies may have fewer
    /// runs than `config.runs`. `compare` and `--baseline` refuse such a
    /// result unless `--allow-interrupted` is given. Absent in older files
    /// (false).
    #[serde(default)]
    pub interrupted: bool,
    /// Warnings shown to the user.
    pub warnings: Vec<String>,
}

/// Settings of a bench.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchConfig {
    /// Measured repetitions per strategy.
    pub runs: usize,
    /// Unmeasured warm-up repetitions per strategy.
    pub warmup: usize,
    /// The loader command timed after each warm strategy (`--then`).
    pub then: Option<String>,
    /// How caches were made cold: `drop_caches` or `fadvise`.
    pub cold_method: String,
    /// Strategies in the order of the first round.
    pub strategies: Vec<String>,
}

/// One cold run of one strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchRun {
    /// `sequential`, `xargs`, `preload`, `preload-p16`, or `load-only`.
    pub strategy: String,
    /// Parallelism of the strategy (the settled level for `-P auto`).
    pub level: Option<usize>,
    /// Repetition index (0-based, warm-ups excluded).
    pub iteration: usize,
    /// Bytes the strategy read.
    pub bytes: u64,
    /// Time of the warm part, seconds.
    pub warm_s: f64,
    /// Time of the `--then` command after it, seconds.
    pub load_s: Option<f64>,
    /// `warm_s + load_s`, seconds.
    pub total_s: f64,
    /// `bytes / warm_s`, MiB/s.
    pub mib_s: f64,
    /// Residency of the data before the run (should be ~0: cold).
    pub residency_before: Residency,
    /// Residency after the warm part.
    pub residency_after: Residency,
    /// Exit status of the strategy's command (0 = success).
    pub exit_status: i32,
    /// Peak resident memory of the strategy's process, KiB, when measured.
    pub peak_rss_kib: Option<u64>,
}

/// One row of `preload bench --export-csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsvBenchRow {
    /// Strategy name.
    pub strategy: String,
    /// Parallelism, empty when not applicable.
    pub level: Option<usize>,
    /// Repetition index.
    pub iteration: usize,
    /// Bytes read.
    pub bytes: u64,
    /// Warm time, seconds.
    pub warm_s: f64,
    /// Loader time, seconds (empty without `--then`).
    pub load_s: Option<f64>,
    /// Total, seconds.
    pub total_s: f64,
    /// Throughput, MiB/s.
    pub mib_s: f64,
    /// Resident fraction before.
    pub resident_before: f64,
    /// Resident fraction after.
    pub resident_after: f64,
    /// Exit status.
    pub exit_status: i32,
}

impl From<&BenchRun> for CsvBenchRow {
    fn from(r: &BenchRun) -> Self {
        CsvBenchRow {
            strategy: r.strategy.clone(),
            level: r.level,
            iteration: r.iteration,
            bytes: r.bytes,
            warm_s: r.warm_s,
            load_s: r.load_s,
            total_s: r.total_s,
            mib_s: r.mib_s,
            resident_before: r.residency_before.fraction(),
            resident_after: r.residency_after.fraction(),
            exit_status: r.exit_status,
        }
    }
}

impl BenchResult {
    /// Strategy names in first-seen order.
    pub fn strategies(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for r in &self.runs {
            if !names.contains(&r.strategy) {
                names.push(r.strategy.clone());
            }
        }
        names
    }

    /// Throughputs (MiB/s) of the successful runs of `strategy`.
    pub fn samples_of(&self, strategy: &str) -> Vec<f64> {
        self.runs
            .iter()
            .filter(|r| r.strategy == strategy && r.exit_status == 0)
            .map(|r| r.mib_s)
            .collect()
    }
}
