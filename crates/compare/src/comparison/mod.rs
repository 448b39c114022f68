//! Comparing two results: per item (parallelism level or strategy) and overall.
//!
//! Each item's samples are the bucket throughputs at one level (tune) or the
//! run throughputs of one strategy (bench). For each, [`crate::stats`] gives
//! the bootstrap confidence interval of the relative change of the median and
//! Welch's p-value, and [`crate::decide`] the verdict against a noise
//! threshold that is never finer than the baseline's own measured noise.
//!
//! The overall verdict is REGRESSED when any item regressed, IMPROVED when
//! some item improved and none regressed, else WITHIN NOISE. "Any item"
//! rather than "the recommended level only" because a slower P=1 is a slower
//! loader even when the warmer's level held up, and a regression at any
//! level is what a nightly job is there to catch; every item already needs a
//! significant change beyond the noise band, which keeps false alarms rare.
//! A knee shift is reported and counts as a change ([`Comparison::changed`]),
//! not as a regression.

use std::collections::BTreeSet;

use preload_schema::{ResultFile, TuneResult};
use serde::{Deserialize, Serialize};

use crate::{CompareConfig, CompareError, Verdict, compat, decide, stats};

/// The comparison of one parallelism level (tune) or strategy (bench).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemComparison {
    /// `P=8` for a tune level, the strategy name for a bench.
    pub name: String,
    /// Median throughput of the baseline, MiB/s.
    pub base_median: f64,
    /// Median throughput of the new run, MiB/s.
    pub new_median: f64,
    /// Relative change of the median, `new / base - 1` (-0.5 = halved).
    pub change: f64,
    /// Lower end of the bootstrap confidence interval of `change`.
    pub ci_low: f64,
    /// Upper end of the bootstrap confidence interval of `change`.
    pub ci_high: f64,
    /// Two-sided p-value of Welch's t-test on the two samples.
    pub p_value: f64,
    /// Relative half-width of the bootstrap interval of the baseline's median.
    pub base_noise: f64,
    /// Noise threshold used: the larger of the configured one and `base_noise`.
    pub threshold: f64,
    /// The verdict for this item.
    pub verdict: Verdict,
    /// Samples in the baseline.
    pub base_n: usize,
    /// Samples in the new run.
    pub new_n: usize,
}

/// Where the knee (recommended `-P`) of a tune moved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KneeShift {
    /// The baseline's recommended parallelism.
    pub base_knee: usize,
    /// The new run's recommended parallelism.
    pub new_knee: usize,
    /// Every knee the baseline's bootstrap resamples chose.
    pub base_knee_set: Vec<usize>,
    /// True when `new_knee` is outside `base_knee_set` (or differs from
    /// `base_knee` when the set is empty): the knee really moved.
    pub shifted: bool,
}

/// The comparison of a new result with its baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Label of the baseline (a path or a baseline name).
    pub base: String,
    /// Label of the new result.
    pub new: String,
    /// `tune` or `bench`.
    pub kind: String,
    /// Filesystem type both were measured on.
    pub fs_type: String,
    /// Data set path both measured.
    pub dataset: String,
    /// Confidence level of the intervals.
    pub confidence: f64,
    /// Significance level of the t-test.
    pub significance: f64,
    /// Configured noise threshold (items may use a larger one).
    pub noise_threshold: f64,
    /// One entry per level or strategy present in both, in baseline order.
    pub items: Vec<ItemComparison>,
    /// For a tune: where the knee went. `None` for a bench.
    pub knee_shift: Option<KneeShift>,
    /// REGRESSED if any item regressed, IMPROVED if some improved and none
    /// regressed, else WITHIN NOISE.
    pub overall: Verdict,
    /// Items that could not be compared, and why.
    pub notes: Vec<String>,
}

impl Comparison {
    /// True when the overall verdict is REGRESSED.
    pub fn regressed(&self) -> bool {
        self.overall == Verdict::Regressed
    }

    /// True when anything changed: an item regressed or improved, or the
    /// knee shifted.
    pub fn changed(&self) -> bool {
        self.overall != Verdict::WithinNoise || self.knee_shift.as_ref().is_some_and(|k| k.shifted)
    }

    /// Replaces the labels of the baseline and the new result (by default
    /// `host date` from each result's context).
    pub fn with_labels(mut self, base: impl Into<String>, new: impl Into<String>) -> Self {
        self.base = base.into();
        self.new = new.into();
        self
    }

    /// Pretty JSON of the comparison (`--json`).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a comparison always serializes")
    }
}

/// Compares `new` against `base`. Fails with [`CompareError::Incomparable`]
/// when they differ in kind, filesystem type, data set, method or sample
/// size, or share no level or strategy with at least two samples each.
pub fn compare(
    base: &ResultFile,
    new: &ResultFile,
    opts: &CompareConfig,
) -> Result<Comparison, CompareError> {
    opts.validate()?;
    let interrupted = interrupted(base, new);
    if let Some(which) = interrupted
        && !opts.allow_interrupted
    {
        return Err(CompareError::Interrupted { which });
    }
    compat::check(base, new)?;
    let (pairs, mut notes, knee_shift) = match (base, new) {
        (ResultFile::Tune(b), ResultFile::Tune(n)) => {
            let (pairs, notes) = paired(&tune_items(b), &tune_items(n));
            (pairs, notes, Some(knee_shift(b, n)))
        }
        (ResultFile::Bench(b), ResultFile::Bench(n)) => {
            let items = |r: &preload_schema::BenchResult| -> Vec<(String, Vec<f64>)> {
                r.strategies()
                    .into_iter()
                    .map(|s| {
                        let samples = r.samples_of(&s);
                        (s, samples)
                    })
                    .collect()
            };
            let (pairs, notes) = paired(&items(b), &items(n));
            (pairs, notes, None)
        }
        _ => unreachable!("compat::check refuses mixed kinds"),
    };
    if let Some(which) = interrupted {
        notes.insert(
            0,
            format!("the {which} was interrupted: it holds only part of the measurement"),
        );
    }
    let mut items = Vec::new();
    for (name, b, n) in pairs {
        match compare_item(&name, &b, &n, opts) {
            Ok(item) => items.push(item),
            Err(note) => notes.push(note),
        }
    }
    if items.is_empty() {
        return Err(CompareError::Incomparable {
            what: format!(
                "no {} with at least two valid samples in both runs{}",
                if knee_shift.is_some() {
                    "parallelism level"
                } else {
                    "strategy"
                },
                if notes.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", notes.join("; "))
                }
            ),
        });
    }
    let overall = if items.iter().any(|i| i.verdict == Verdict::Regressed) {
        Verdict::Regressed
    } else if items.iter().any(|i| i.verdict == Verdict::Improved) {
        Verdict::Improved
    } else {
        Verdict::WithinNoise
    };
    let label = |r: &ResultFile| format!("{} {}", r.context().host, r.context().date);
    Ok(Comparison {
        base: label(base),
        new: label(new),
        kind: compat::kind_of(base).to_string(),
        fs_type: base.context().filesystem.fs_type.clone(),
        dataset: match base {
            ResultFile::Tune(t) => t.dataset.path.clone(),
            ResultFile::Bench(b) => b.dataset.path.clone(),
        },
        confidence: opts.confidence,
        significance: opts.significance,
        noise_threshold: opts.noise_threshold,
        items,
        knee_shift,
        overall,
        notes,
    })
}

/// Which of the two results come from interrupted runs, if any.
fn interrupted(base: &ResultFile, new: &ResultFile) -> Option<&'static str> {
    match (base.interrupted(), new.interrupted()) {
        (true, true) => Some("baseline and new runs"),
        (true, false) => Some("baseline run"),
        (false, true) => Some("new run"),
        (false, false) => None,
    }
}

/// `("P=level", bucket throughputs)` for every level probed, ascending.
fn tune_items(t: &TuneResult) -> Vec<(String, Vec<f64>)> {
    let levels: BTreeSet<usize> = t.probes.iter().map(|p| p.level).collect();
    levels
        .into_iter()
        .map(|l| (format!("P={l}"), t.samples_at(l)))
        .collect()
}

type Pair = (String, Vec<f64>, Vec<f64>);

/// Items present in both (in baseline order) and notes for the others.
fn paired(base: &[(String, Vec<f64>)], new: &[(String, Vec<f64>)]) -> (Vec<Pair>, Vec<String>) {
    let mut notes = Vec::new();
    let mut pairs = Vec::new();
    for (name, b) in base {
        match new.iter().find(|(n, _)| n == name) {
            Some((_, n)) => pairs.push((name.clone(), b.clone(), n.clone())),
            None => notes.push(format!("{name}: only in the baseline")),
        }
    }
    for (name, _) in new {
        if !base.iter().any(|(b, _)| b == name) {
            notes.push(format!("{name}: only in the new run"));
        }
    }
    (pairs, notes)
}

/// Compares one item, or says why it cannot be compared.
fn compare_item(
    name: &str,
    base: &[f64],
    new: &[f64],
    opts: &CompareConfig,
) -> Result<ItemComparison, String> {
    let clean = |s: &[f64]| -> Vec<f64> { s.iter().copied().filter(|x| x.is_finite()).collect() };
    let (base, new) = (clean(base), clean(new));
    if base.len() < 2 || new.len() < 2 {
        return Err(format!(
            "{name}: too few valid samples to compare (base {}, new {})",
            base.len(),
            new.len()
        ));
    }
    let base_median = stats::median(&base);
    let new_median = stats::median(&new);
    if base_median.is_nan() || base_median <= 0.0 {
        return Err(format!("{name}: the baseline's median throughput is 0"));
    }
    // One generator per item, seeded from the item's name, so an item's
    // numbers do not depend on which other items are present.
    let mut rng = stats::seeded(opts.seed ^ fnv1a(name));
    let (ci_low, ci_high) =
        stats::relative_change_ci(&base, &new, opts.resamples, opts.confidence, &mut rng);
    let base_noise = stats::relative_noise(&base, opts.resamples, opts.confidence, &mut rng);
    let threshold = opts.noise_threshold.max(base_noise);
    let p_value = stats::welch_p_value(&base, &new);
    Ok(ItemComparison {
        name: name.to_string(),
        base_median,
        new_median,
        change: new_median / base_median - 1.0,
        ci_low,
        ci_high,
        p_value,
        base_noise,
        threshold,
        verdict: decide(ci_low, ci_high, p_value, threshold, opts.significance),
        base_n: base.len(),
        new_n: new.len(),
    })
}

fn knee_shift(b: &TuneResult, n: &TuneResult) -> KneeShift {
    let base_knee = b.recommendation.parallelism;
    let new_knee = n.recommendation.parallelism;
    let set = &b.recommendation.knee_set;
    KneeShift {
        base_knee,
        new_knee,
        base_knee_set: set.clone(),
        shifted: if set.is_empty() {
            new_knee != base_knee
        } else {
            !set.contains(&new_knee)
        },
    }
}

/// 64-bit FNV-1a hash of a name (stable across runs and platforms).
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests;
