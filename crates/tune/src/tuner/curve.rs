//! Numbers the driver derives from the probes so far: the rate a level can
//! reach and the least a probe must read to measure it, each level's bucket
//! samples for the knee rule, and the diagnostics that explain the curve.

use preload_schema::{Diagnostics, LevelSummary, Probe};

use super::TuneConfig;
use crate::probe::{RAMP_FRACTION, READS_PER_READER};
use crate::{LevelSamples, fit_usl, kneedle, littles_law, stats};

pub(super) const MIB: f64 = (1 << 20) as f64;

/// The most a level can deliver, from the levels measured below it: their
/// throughput per reader times the level (storage never scales better than
/// linearly). None before the first probe.
pub(super) fn rate_estimate(probes: &[Probe], level: usize) -> Option<f64> {
    probes
        .iter()
        .filter(|p| p.level <= level && p.steady_mib_s > 0.0)
        .map(|p| p.steady_mib_s * level as f64 / p.level as f64)
        .fold(None, |best: Option<f64>, r| {
            Some(best.map_or(r, |b| b.max(r)))
        })
}

/// The least a probe at `level` can read and still measure: every reader
/// busy for a few read calls after the ramp-up, at the estimated rate.
pub(super) fn least_bytes(estimate: Option<f64>, level: usize, cfg: &TuneConfig) -> u64 {
    estimate.map_or(0, |mib_s| {
        let call = preload_core::engine::buffer_per_worker(cfg.buffer_size, level);
        let window = READS_PER_READER * level as f64 * call as f64 / (mib_s * MIB);
        ((window / (1.0 - RAMP_FRACTION)) * mib_s * MIB) as u64
    })
}

/// Bucket throughputs per level, all probes pooled, sorted by level.
pub(super) fn level_samples(probes: &[Probe]) -> Vec<LevelSamples> {
    let mut levels: Vec<usize> = probes.iter().map(|p| p.level).collect();
    levels.sort_unstable();
    levels.dedup();
    levels
        .into_iter()
        .map(|level| LevelSamples {
            level,
            samples: probes
                .iter()
                .filter(|p| p.level == level)
                .flat_map(|p| p.buckets.iter().map(|b| b.mib_s))
                .collect(),
        })
        .filter(|l| !l.samples.is_empty())
        .collect()
}

pub(super) fn diagnostics(levels: &[LevelSummary], probes: &[Probe]) -> Diagnostics {
    let points: Vec<(f64, f64)> = levels
        .iter()
        .map(|l| (l.level as f64, l.median_mib_s))
        .collect();
    let littles_law = levels
        .iter()
        .filter_map(|l| {
            let at: Vec<&Probe> = probes.iter().filter(|p| p.level == l.level).collect();
            let reads: u64 = at.iter().map(|p| p.latency.reads).sum();
            let secs: f64 = at.iter().map(|p| p.elapsed_s).sum();
            let mean_ms = stats::mean(&at.iter().map(|p| p.latency.mean_ms).collect::<Vec<_>>());
            (secs > 0.0 && reads > 0)
                .then(|| littles_law(l.level, reads as f64 / secs, mean_ms / 1e3))
        })
        .collect();
    Diagnostics {
        usl: fit_usl(&points),
        kneedle: kneedle(&points),
        littles_law,
    }
}
