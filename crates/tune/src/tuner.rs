//! `preload tune`: the probe driver. Plan -> probes -> knee -> result.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use preload_core::walk::{Filter, walk};
use preload_core::{CancelToken, CoreError, ReadMethod, context, human_bytes};
use preload_schema::{
    Budget, Dataset, Diagnostics, LevelSummary, Probe, SCHEMA_VERSION, TuneResult,
};

use crate::probe::{ProbeSettings, run_probe};
use crate::sample::SamplePool;
use crate::{
    KneeConfig, LevelSamples, SweepConfig, SweepPlan, choose_knee, fit_usl, kneedle, littles_law,
    stats,
};

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
const EXPECTED_PROBES: usize = 12;

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

/// Runs a tune. `on_probe` sees every probe as it finishes (for progress).
pub fn tune(
    cfg: &TuneConfig,
    cancel: &CancelToken,
    on_probe: &mut dyn FnMut(&Probe),
) -> Result<TuneResult, TuneError> {
    let started = Instant::now();
    let context = context::run_context(&cfg.path);
    let walked = walk(std::slice::from_ref(&cfg.path), &Filter::default())?;
    let dataset = Dataset {
        path: cfg.path.display().to_string(),
        files: walked.files.len() as u64,
        bytes: walked.files.iter().map(|f| f.size).sum(),
    };
    if dataset.bytes == 0 {
        return Err(TuneError::Empty {
            path: cfg.path.clone(),
        });
    }
    let byte_limit = cfg
        .byte_budget
        .unwrap_or_else(|| default_byte_budget(dataset.bytes));
    let mut pool = SamplePool::new(
        walked.files,
        SamplePool::unit_size_for(dataset.bytes),
        cfg.seed,
    );
    let probe_time = cfg.probe_time.unwrap_or_else(|| {
        (cfg.time_budget / 12).clamp(Duration::from_millis(500), Duration::from_secs(4))
    });
    let mut plan = SweepPlan::new(cfg.max_level.max(1), cfg.sweep);
    let mut probes: Vec<Probe> = Vec::new();
    // Client settings known to limit streaming (readahead, rsize), with advice.
    let mut warnings = preload_core::fsinfo::advice(&context.filesystem);
    let mut bytes_spent = 0u64;

    while let Some(next) = plan.next(&level_samples(&probes)) {
        let time_left = cfg.time_budget.saturating_sub(started.elapsed());
        let bytes_left = byte_limit.saturating_sub(bytes_spent);
        // A probe shorter than half its length measures mostly ramp-up.
        let margin = next.level as u64 * cfg.buffer_size as u64;
        if cancel.is_cancelled()
            || time_left < probe_time / 2
            || bytes_left < pool.unit_size() + margin
        {
            break;
        }
        // Every reader needs a few units, or the probe is all tail.
        if (pool.remaining_units() as u64) < 4 * next.level as u64
            || pool.remaining_bytes() < bytes_left.min(pool.unit_size() * 8)
        {
            if pool.refills == 0 {
                warnings.push(format!(
                    "{} holds too little fresh data for this plan ({} left); re-reading evicted data, \
                     so server-side caches may make the results optimistic: tune a larger tree or \
                     lower --max-level",
                    preload_schema::name::escaped(&cfg.path),
                    human_bytes(pool.remaining_bytes())
                ));
            }
            pool.refill();
        }
        // Share what is left among the probes still likely to come, so a
        // byte-bound tune still sweeps the whole curve with shorter probes.
        let expected_left = EXPECTED_PROBES.saturating_sub(probes.len()).max(3) as u64;
        let settings = ProbeSettings {
            method: cfg.method,
            buffer_size: cfg.buffer_size,
            duration: probe_time.min(time_left),
            // Each reader may finish one read call past the limit: keep
            // that margin so the tune never exceeds its byte budget.
            byte_limit: (bytes_left / expected_left)
                .max(pool.unit_size() * next.level as u64)
                .min(bytes_left.saturating_sub(next.level as u64 * cfg.buffer_size as u64)),
        };
        let probe = run_probe(&mut pool, next.level, next.phase, &settings, cancel);
        bytes_spent += probe.bytes;
        if probe.resident_before > 0.05 {
            warnings.push(format!(
                "probe at -P {} started {:.0}% cached despite eviction: its throughput is optimistic",
                probe.level,
                probe.resident_before * 100.0
            ));
        }
        on_probe(&probe);
        probes.push(probe);
    }
    if probes.is_empty() {
        return Err(TuneError::Cancelled);
    }
    // Taken once, here: a signal after the last probe did not cut the curve.
    let interrupted = cancel.is_cancelled();
    let samples = level_samples(&probes);
    let levels: Vec<LevelSummary> = samples
        .iter()
        .map(|l| {
            let at: Vec<&Probe> = probes.iter().filter(|p| p.level == l.level).collect();
            let p50: Vec<f64> = at.iter().map(|p| p.latency.p50_ms).collect();
            l.summary(at.len(), stats::median(&p50))
        })
        .collect();
    let knee_cfg = KneeConfig {
        seed: cfg.seed,
        ..cfg.knee
    };
    let Some(choice) = choose_knee(&samples, &knee_cfg) else {
        return Err(TuneError::NoMeasurement);
    };
    let single = levels.iter().find(|l| l.level == 1).map(|l| l.median_mib_s);
    let recommendation = choice.to_recommendation(single);
    if choice.confidence < 0.5 {
        warnings.push(format!(
            "low confidence ({:.0}%): resampling chose among -P {:?}; the storage is noisy, \
             try a longer --time-budget",
            choice.confidence * 100.0,
            choice.knee_set
        ));
    }
    Ok(TuneResult {
        schema_version: SCHEMA_VERSION,
        context,
        dataset,
        method: cfg.method.as_str().into(),
        diagnostics: diagnostics(&levels, &probes),
        levels,
        recommendation,
        budget: Budget {
            time_limit_s: cfg.time_budget.as_secs_f64(),
            byte_limit,
            time_spent_s: started.elapsed().as_secs_f64(),
            bytes_spent,
        },
        reused_data: pool.refills > 0,
        interrupted,
        warnings,
        probes,
    })
}

/// Bucket throughputs per level, all probes pooled, sorted by level.
fn level_samples(probes: &[Probe]) -> Vec<LevelSamples> {
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

fn diagnostics(levels: &[LevelSummary], probes: &[Probe]) -> Diagnostics {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_byte_budget_is_a_capped_fraction() {
        assert_eq!(default_byte_budget(1 << 30), 768 << 20);
        assert_eq!(default_byte_budget(100 << 30), 4 << 30);
    }

    #[test]
    fn tunes_a_local_tree_within_its_budgets() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..8 {
            std::fs::write(dir.path().join(format!("s{i}")), vec![i as u8; 4 << 20]).unwrap();
        }
        let mut cfg = TuneConfig::new(dir.path());
        cfg.time_budget = Duration::from_secs(3);
        cfg.max_level = 4;
        cfg.knee.resamples = 50;
        let mut seen = 0;
        let r = tune(&cfg, &CancelToken::new(), &mut |_| seen += 1).unwrap();
        assert_eq!(seen, r.probes.len());
        assert!(
            r.budget.bytes_spent <= r.budget.byte_limit,
            "{:?}",
            r.budget
        );
        assert!(r.budget.time_spent_s < 3.0 + 1.0);
        assert!((1..=4).contains(&r.recommendation.parallelism));
        assert_eq!(r.dataset.files, 8);
    }

    #[test]
    fn an_empty_tree_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("empty"), b"").unwrap();
        let err = tune(
            &TuneConfig::new(dir.path()),
            &CancelToken::new(),
            &mut |_| {},
        )
        .unwrap_err();
        assert!(err.to_string().contains("no data to sample"));
    }
}
