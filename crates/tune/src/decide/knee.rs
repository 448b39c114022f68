//! The knee: the smallest parallelism whose median throughput is within a
//! tolerance of the best, the tolerance never finer than the measured noise.
//!
//! Medians, not means, so a few stalled or cached buckets do not move a level;
//! the tolerance is `max(min_tolerance, noise_factor x pooled robust CV)`,
//! the noise part capped at [`MAX_TOLERANCE`] so that a noisy probe cannot make
//! every level "as good as the best". Confidence comes from the bootstrap
//! (see `bootstrap.rs`).

use preload_schema::{LevelSummary, Recommendation};

use super::bootstrap::bootstrap_knee;
// The rule on medians lives apart so the bootstrap's tests can use it
// without importing this module; auto.rs and sweep.rs name it from here.
pub(crate) use super::knee_rule::{is_saturated, knee_index};
use crate::stats;

/// Largest tolerance the measured noise can push the rule to (30 %).
pub const MAX_TOLERANCE: f64 = 0.30;

/// Bucket throughputs (MiB/s) measured at one parallelism level, all probes pooled.
#[derive(Debug, Clone, PartialEq)]
pub struct LevelSamples {
    /// Parallelism (concurrent readers).
    pub level: usize,
    /// Bucket throughputs, MiB/s.
    pub samples: Vec<f64>,
}

/// Settings of the knee rule and its bootstrap.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KneeConfig {
    /// Smallest relative tolerance, whatever the noise (default 0.10).
    pub min_tolerance: f64,
    /// Multiple of the pooled coefficient of variation the tolerance must
    /// reach (default 2.0).
    pub noise_factor: f64,
    /// Bootstrap resamples; 0 skips the bootstrap (default 1000).
    pub resamples: usize,
    /// Seed of the bootstrap's generator, so a result is reproducible.
    pub seed: u64,
}

impl Default for KneeConfig {
    fn default() -> Self {
        Self {
            min_tolerance: 0.10,
            noise_factor: 2.0,
            resamples: 1000,
            seed: 0x5EED,
        }
    }
}

/// The chosen knee and how sure the rule is of it.
#[derive(Debug, Clone, PartialEq)]
pub struct KneeChoice {
    /// Recommended parallelism: the smallest level within `tolerance` of the best.
    pub knee: usize,
    /// False when throughput still rose at the largest level measured (the
    /// level below it is not within the tolerance of it): the knee is then
    /// "at least `knee`".
    pub saturated: bool,
    /// Relative tolerance used.
    pub tolerance: f64,
    /// Level with the highest median throughput.
    pub best_level: usize,
    /// Its median, MiB/s.
    pub best_median: f64,
    /// Median at the knee, MiB/s.
    pub knee_median: f64,
    /// Fraction of bootstrap resamples choosing `knee` (0 when the bootstrap
    /// was skipped).
    pub confidence: f64,
    /// Distinct knees the resamples chose, sorted (just `knee` when skipped).
    pub knee_set: Vec<usize>,
}

/// Samples pooled per level: sorted by level, duplicates merged, non-finite
/// and negative samples dropped, empty levels removed.
pub(crate) fn pool(levels: &[LevelSamples]) -> Vec<(usize, Vec<f64>)> {
    let mut pooled: Vec<(usize, Vec<f64>)> = Vec::new();
    let mut sorted: Vec<&LevelSamples> = levels.iter().collect();
    sorted.sort_by_key(|l| l.level);
    for l in sorted {
        let good = l
            .samples
            .iter()
            .copied()
            .filter(|x| x.is_finite() && *x >= 0.0);
        match pooled.last_mut() {
            Some((lvl, s)) if *lvl == l.level => s.extend(good),
            _ => pooled.push((l.level, good.collect())),
        }
    }
    pooled.retain(|(_, s)| !s.is_empty());
    pooled
}

/// The tolerance for pooled samples: `max(min_tolerance, min(noise_factor x
/// pooled noise of the medians, MAX_TOLERANCE))`.
///
/// The rule compares medians, so the noise that matters is that of a median,
/// not of single buckets: its standard error is about 1.2533 x CV / sqrt(n)
/// for n roughly normal samples (the asymptotic efficiency of the median;
/// Kendall & Stuart, *The Advanced Theory of Statistics*, vol. 1). Comparing
/// against the bucket CV itself made every tolerance hit the 30% cap on real
/// storage and picked levels a fifth slower than the best.
pub(crate) fn tolerance(
    pooled: &[(usize, Vec<f64>)],
    min_tolerance: f64,
    noise_factor: f64,
) -> f64 {
    let groups: Vec<(f64, usize)> = pooled
        .iter()
        .map(|(_, s)| {
            let se = MEDIAN_SE_FACTOR * stats::robust_cv(s) / (s.len().max(1) as f64).sqrt();
            (se, s.len())
        })
        .collect();
    let noise = (noise_factor * stats::pooled_cv(&groups)).min(MAX_TOLERANCE);
    min_tolerance.max(noise)
}

/// Standard error of a median over that of a mean for normal samples, sqrt(pi/2).
const MEDIAN_SE_FACTOR: f64 = 1.2533;

/// Chooses the knee of the measured curve; `None` when no level has samples.
pub fn choose_knee(levels: &[LevelSamples], cfg: &KneeConfig) -> Option<KneeChoice> {
    let pooled = pool(levels);
    if pooled.is_empty() {
        return None;
    }
    let tol = tolerance(&pooled, cfg.min_tolerance, cfg.noise_factor);
    let medians: Vec<f64> = pooled.iter().map(|(_, s)| stats::median(s)).collect();
    let (k, b) = knee_index(&medians, tol);
    let knee = pooled[k].0;
    let (confidence, knee_set) = if cfg.resamples == 0 {
        (0.0, vec![knee])
    } else {
        bootstrap_knee(
            &pooled,
            knee,
            |m| knee_index(m, tol).0,
            cfg.resamples,
            cfg.seed,
        )
    };
    Some(KneeChoice {
        knee,
        saturated: is_saturated(&medians, b, tol),
        tolerance: tol,
        best_level: pooled[b].0,
        best_median: medians[b],
        knee_median: medians[k],
        confidence,
        knee_set,
    })
}

impl KneeChoice {
    /// The schema's recommendation, with its one-line verdict;
    /// `single_stream_mib_s` is the median at level 1 when measured.
    pub fn to_recommendation(&self, single_stream_mib_s: Option<f64>) -> Recommendation {
        let verdict = if self.saturated {
            format!(
                // No confidence here: the tune weighs the evidence after
                // this and prints the confidence it ends with.
                "use -P {}: {:.0} MiB/s, within {:.0}% of the best ({:.0} MiB/s at -P {})",
                self.knee,
                self.knee_median,
                self.tolerance * 100.0,
                self.best_median,
                self.best_level,
            )
        } else {
            format!(
                "use -P {} or more: throughput still rose at the largest level measured ({:.0} MiB/s); the knee is at least {}",
                self.knee, self.best_median, self.knee
            )
        };
        Recommendation {
            parallelism: self.knee,
            saturated: self.saturated,
            confidence: self.confidence,
            knee_set: self.knee_set.clone(),
            tolerance: self.tolerance,
            best_level: self.best_level,
            best_mib_s: self.best_median,
            recommended_mib_s: self.knee_median,
            single_stream_mib_s,
            verdict,
            read_method: "read".into(),
            ..Recommendation::default()
        }
    }
}

impl LevelSamples {
    /// The schema's per-level summary of these samples; the probe count and
    /// the read latency come from the driver. Zeros when there is no sample.
    pub fn summary(&self, probes: usize, latency_p50_ms: f64) -> LevelSummary {
        let s: Vec<f64> = self
            .samples
            .iter()
            .copied()
            .filter(|x| x.is_finite())
            .collect();
        let or0 = |x: f64| if x.is_nan() { 0.0 } else { x };
        LevelSummary {
            level: self.level,
            probes,
            median_mib_s: or0(stats::median(&s)),
            min_mib_s: or0(stats::percentile(&s, 0.0)),
            max_mib_s: or0(stats::percentile(&s, 1.0)),
            cv: stats::cv(&s),
            latency_p50_ms,
        }
    }
}

#[cfg(test)]
#[path = "knee_tests.rs"]
mod tests;
