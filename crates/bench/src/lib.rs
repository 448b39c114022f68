//! preload-bench: the cold-start comparison behind `preload bench`.
//!
//! [`run_bench`] measures how long it takes to get a data set into the page
//! cache (and, with a loader command, how long the loader then takes) with
//! each [`Strategy`]: `sequential` (one stream, file after file, like a
//! loader), `xargs` (the classic `find | xargs -P 32 cat` pipeline, run for
//! real), `preload` (the saved profile of the filesystem, else `-P auto`),
//! `preload-pN` for fixed levels, and `load-only` (the loader alone).
//!
//! Every run starts from a cold cache ([`cold`]: `drop_caches` when
//! permitted, else `posix_fadvise(DONTNEED)` per file) and records the
//! residency it started from, so a run that was not cold shows. Rounds are
//! interleaved, each starting one strategy further along
//! ([`strategy::round_order`]), so drift of the storage spreads evenly.
//!
//! Every run records its user/system CPU and peak RSS ([`child`] measures
//! child processes through `wait4`, forked after `malloc_trim` so the
//! bench's heap is not counted; [`usage`] the in-process `sequential`), and
//! read-latency quantiles where reads are timed. [`summary`] condenses the
//! runs per strategy as hyperfine's `results[]` and warns about outliers,
//! a slow first run and wide spreads.
//!
//! ```no_run
//! use preload_bench::{HarnessConfig, run_bench};
//! use preload_core::CancelToken;
//!
//! let mut cfg = HarnessConfig::new("/data/models/x");
//! cfg.runs = 3;
//! cfg.then = Some("python load.py".into());
//! let result = run_bench(&cfg, &CancelToken::new())?;
//! println!("{} runs, caches emptied by {}", result.runs.len(), result.config.cold_method);
//! # Ok::<(), preload_bench::BenchError>(())
//! ```

pub mod child;
pub mod cold;
pub mod cold_run;
pub mod order;
mod rounds;
pub mod strategy;
pub mod summary;
pub mod usage;

/// Held by the tests that measure this process's memory, or a forked
/// child's (which starts with a copy of it), and by those that allocate
/// much of it: run side by side, one test's 256 MiB showed up as a
/// 71 MiB peak of another's `true`.
#[cfg(test)]
pub(crate) static MEMORY_TESTS: std::sync::Mutex<()> = std::sync::Mutex::new(());

use std::path::PathBuf;
use std::time::Duration;

pub use rounds::{run_bench, run_bench_with};
pub use strategy::Strategy;

/// How the `preload` strategy chooses its parallelism.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreloadLevel {
    /// A fixed number of readers (e.g. from a saved profile).
    Fixed(usize),
    /// `-P auto`, up to `max_level` readers.
    Auto {
        /// Most readers it may use.
        max_level: usize,
    },
}

/// What a bench runs: the resolved settings of `preload bench` (or of a
/// library caller), as `WarmConfig` and `TuneConfig` are for theirs.
///
/// Not `BenchConfig`: [`preload_schema::BenchConfig`] is the part of these
/// a result file records (runs, warm-up, loader) plus what the run found
/// (cold method, strategy order), and both meet in [`run_bench`]; one name
/// for the two would read as one type.
#[derive(Debug, Clone, PartialEq)]
pub struct HarnessConfig {
    /// Directory (or file) to warm.
    pub path: PathBuf,
    /// Measured runs per strategy.
    pub runs: usize,
    /// Unmeasured warm-up runs per strategy, before the measured ones.
    pub warmup: usize,
    /// Fixed levels, one `preload-pN` strategy each.
    pub levels: Vec<usize>,
    /// Loader command, run with `sh -c` after every warm part.
    pub then: Option<String>,
    /// No new round starts after this much wall time.
    pub time_limit: Duration,
    /// The level of the `preload` strategy; `None`: the saved profile of the
    /// filesystem, else the fixed default of `preload warm`.
    pub preload: Option<PreloadLevel>,
    /// Empty the whole page cache with `drop_caches` when permitted (root);
    /// false: always evict the data set's files only.
    pub drop_caches: bool,
    /// The `preload` binary. When given, the `preload` strategies at a
    /// fixed level run as `preload warm` child processes, so their CPU time
    /// and peak RSS are theirs alone (as `xargs`'s are); else they run in
    /// this process.
    pub warm_exe: Option<PathBuf>,
}

impl HarnessConfig {
    /// The defaults of `preload bench PATH`: 5 runs, no warm-up, levels 4,
    /// 16 and 64, no loader, 10 minutes.
    pub fn new(path: impl Into<PathBuf>) -> HarnessConfig {
        HarnessConfig {
            path: path.into(),
            runs: 5,
            warmup: 0,
            levels: vec![4, 16, 64],
            then: None,
            time_limit: Duration::from_secs(600),
            preload: None,
            drop_caches: true,
            warm_exe: None,
        }
    }
}

/// Why a bench could not run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A setting is out of range.
    #[error("invalid bench settings: {0}")]
    Settings(String),
    /// The path has no regular file to read.
    #[error(
        "{} has no regular files to benchmark",
        preload_schema::name::escaped(path)
    )]
    Empty {
        /// The path.
        path: PathBuf,
    },
    /// Walking or warming failed as a whole.
    #[error(transparent)]
    Core(#[from] preload_core::CoreError),
    /// A child process could not be started.
    #[error("cannot run {what}: {source}")]
    Spawn {
        /// Which command.
        what: String,
        /// The OS error.
        source: std::io::Error,
    },
}
