//! What one tune is given: its settings, its budgets, and why it can fail.

use std::path::PathBuf;
use std::time::Duration;

use preload_core::{CoreError, ReadMethod};

use crate::{KneeConfig, SweepConfig};

/// Settings of one tune.
#[derive(Debug, Clone)]
pub struct TuneConfig {
    /// The tree to sample.
    pub path: PathBuf,
    /// Read method of the probes.
    pub method: ReadMethod,
    /// Bytes per read call.
    pub buffer_size: usize,
    /// Largest level the sweep may reach.
    pub max_level: usize,
    /// Wall time the tune may spend.
    pub time_budget: Duration,
    /// Bytes the tune may read; None = [`default_byte_budget`].
    pub byte_budget: Option<u64>,
    /// Length of one probe; None = derived from the time budget.
    pub probe_time: Option<Duration>,
    /// Seed of the sample order and the bootstrap.
    pub seed: u64,
    /// The knee rule.
    pub knee: KneeConfig,
    /// The sweep plan.
    pub sweep: SweepConfig,
}

/// Probes a typical tune runs (sweep, descend, bisect), to share budgets.
pub(super) const EXPECTED_PROBES: usize = 12;

/// Sweep-probe shares of the byte budget kept for the comparisons at the
/// knee (read methods, then chunk sizes and schedules, then a spread
/// winner above the knee: two half-length probes each). Without them a
/// byte-bound tune (a 2 GiB tree at 300+ MiB/s) spent everything on the
/// curve and compared nothing.
pub(super) const AT_KNEE_SHARES: usize = 3;

/// Default largest level: 64. Published knees of distributed filesystems
/// reach 32 and beyond; the sweep stops early once the curve is flat, so a
/// high ceiling costs nothing on storage that saturates sooner.
pub const DEFAULT_MAX_LEVEL: usize = 64;

impl TuneConfig {
    /// Defaults for `path`: 30 s, [`DEFAULT_MAX_LEVEL`], the read method.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        TuneConfig {
            path: path.into(),
            method: ReadMethod::Read,
            buffer_size: preload_core::engine::DEFAULT_BUFFER_SIZE,
            max_level: DEFAULT_MAX_LEVEL,
            time_budget: Duration::from_secs(30),
            byte_budget: None,
            probe_time: None,
            seed: 0x7E57,
            knee: KneeConfig::default(),
            sweep: SweepConfig::default(),
        }
    }
}

/// Default byte budget: three quarters of the tree, at most 4 GiB, so a
/// tune of a huge model reads a small part of it and a tune of a small one
/// keeps a quarter fresh.
pub fn default_byte_budget(tree_bytes: u64) -> u64 {
    (tree_bytes / 4 * 3).min(4 << 30)
}

/// Why a tune could not run.
#[derive(Debug, thiserror::Error)]
pub enum TuneError {
    /// Walking the tree failed.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// Nothing to read.
    #[error(
        "{}: no data to sample (no non-empty regular files)",
        preload_schema::name::escaped(path)
    )]
    Empty {
        /// The path.
        path: PathBuf,
    },
    /// Probes ran but none measured any throughput.
    #[error("no probe measured any throughput (is the storage answering?)")]
    NoMeasurement,
    /// Interrupted before the first probe finished.
    #[error("interrupted before any probe finished")]
    Cancelled,
}
