//! `preload tune`: the probe driver. Plan -> probes -> knee -> result.
//!
//! Here: [`tune`], the sweep from first probe to saved profile; what a tune
//! is given is in `config`, what it derives from its probes in `curve`, how
//! far those can be trusted in `evidence`.

mod check;
mod config;
mod curve;
mod evidence;
mod spent;

use std::time::{Duration, Instant};

use preload_core::walk::{Filter, walk};
use preload_core::{CancelToken, DEFAULT_PARALLELISM, context, human_bytes};
use preload_schema::name::escaped;
use preload_schema::{
    Budget, ChunkMeasure, Dataset, LevelSummary, MethodMeasure, Probe, SCHEMA_VERSION, TuneResult,
};

use crate::probe::{ProbeConfig, overrun, readahead_guard, run_probe};
use crate::sample::SamplePool;
use crate::{KneeConfig, SweepPlan, choose_knee, stats};
use crate::{chunks, methods};

use config::{AT_KNEE_SHARES, EXPECTED_PROBES};
pub use config::{DEFAULT_MAX_LEVEL, TuneConfig, TuneError, default_byte_budget};
use curve::{MIB, diagnostics, least_bytes, level_samples, rate_estimate};
use evidence::{Evidence, too_small};
use spent::Spent;

/// Runs a tune. `on_probe` sees every probe of the curve as it finishes, and
/// those after it batch by batch (for progress).
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
    let guard = readahead_guard(context.filesystem.read_ahead_kb);
    let mut plan = SweepPlan::new(cfg.max_level.max(1), cfg.sweep);
    let mut probes: Vec<Probe> = Vec::new();
    let mut warnings = Vec::new();
    let mut caveats = Vec::new();
    let mut spent = Spent::default();
    // The level whose probe the byte budget stopped, if it did.
    let mut cut_at = None;
    // The most time a probe took beyond its own reading: evicting its
    // units before and measuring what was served after, a round trip per
    // file behind a metadata latency. Kept free in the time budget.
    let mut around = Duration::ZERO;
    // What is left of the time budget once `reserve` is kept free.
    // What is left of the time budget once `reserve` is kept free, and
    // the wait at the end for the last probe's readahead.
    let time_left = |reserve: Duration| {
        cfg.time_budget
            .saturating_sub(started.elapsed())
            .saturating_sub(reserve + LAST_LANDING)
    };

    while let Some(next) = plan.next(&level_samples(&probes)) {
        let time_left = time_left(around);
        // Readers may each finish one read call past the limit (calls of
        // the buffer each gets at this level, as every other share counts
        // them); the guard past the units comes out through `overshoot`.
        let margin = overrun(cfg.buffer_size, next.level);
        let bytes_left = spent.unspent(byte_limit).saturating_sub(margin);
        if cancel.is_cancelled() || time_left < probe_time / 2 {
            break;
        }
        // A probe is as long as the others in time; its bytes are what the
        // storage may deliver in that time at this level, estimated from the
        // levels below (linear scaling is the most it can gain).
        let duration = probe_time.min(time_left);
        let estimate = rate_estimate(&probes, next.level);
        let needed = estimate.map(|mib_s| (mib_s * MIB * duration.as_secs_f64() * 1.25) as u64);
        // What is left is shared among the sweep levels still to come (and
        // one more for the refinement): a byte-bound tune measures every
        // level with shorter probes rather than the first ones long. Bytes
        // served past the counted ones (readahead) come out of it too.
        let overshoot = spent.overshoot();
        let to_come = plan.levels_from(next.level) + 1 + AT_KNEE_SHARES;
        let share = (bytes_left as f64 / overshoot) as u64 / to_come as u64;
        let least = least_bytes(estimate, next.level, cfg).max(pool.unit_size());
        let limit = match needed {
            // What the probe's time needs, never less than what measures,
            // never more than its share unless the share cannot measure.
            Some(n) => n.max(least).min(share.max(least)),
            None => (bytes_left / EXPECTED_PROBES as u64).max(pool.unit_size()),
        }
        .min((bytes_left as f64 / overshoot) as u64);
        // The first probe always runs: a tune that measured nothing says
        // nothing, even about a tree too small to tune.
        if !probes.is_empty() && limit < least {
            caveats.push(format!(
                "the byte budget ran out before the {} probe at -P {} ({} left, at least {} \
                 needed): a larger tree or --byte-budget would measure the whole plan",
                format!("{:?}", next.phase).to_lowercase(),
                next.level,
                human_bytes(bytes_left),
                human_bytes(least),
            ));
            cut_at = Some(next.level);
            break;
        }
        // Fresh data for the whole probe: its bytes plus the unit each
        // reader holds when it stops, and at least two units per reader.
        let fresh_needed = (limit + next.level as u64 * pool.unit_size())
            .max(2 * next.level as u64 * pool.unit_size());
        if pool.remaining_bytes() < fresh_needed {
            if pool.refills == 0 {
                warnings.push(format!(
                    "{} holds too little fresh data for this plan ({} left); re-reading evicted data, \
                     so server-side caches may make the results optimistic: tune a larger tree or \
                     lower --max-level",
                    escaped(&cfg.path),
                    human_bytes(pool.remaining_bytes())
                ));
            }
            pool.refill();
        }
        let probe_cfg = ProbeConfig {
            method: cfg.method,
            buffer_size: cfg.buffer_size,
            duration,
            byte_limit: limit,
            guard,
        };
        let probe_started = Instant::now();
        let probe = run_probe(&mut pool, next.level, next.phase, &probe_cfg, cancel);
        around = around.max(
            probe_started
                .elapsed()
                .saturating_sub(Duration::from_secs_f64(probe.elapsed_s)),
        );
        spent.add(&probe);
        spent.landed(pool.landed_late);
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
        return Err(if cancel.is_cancelled() {
            TuneError::Cancelled
        } else {
            TuneError::NoMeasurement
        });
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
    let mut recommendation = choice.to_recommendation(single);
    // The probes after the curve (check, methods, shapes), in order.
    let mut comparisons: Vec<Probe> = Vec::new();
    let evidence = Evidence::weigh(&probes, &choice, pool.refills > 0, cut_at, &dataset, cfg);
    caveats.extend(evidence.caveats);
    recommendation.confidence = choice.confidence * evidence.factor;
    recommendation.profile_worthy =
        choice.saturated && evidence.measurable && recommendation.confidence >= SAVE_CONFIDENCE;
    // Half-length probes for the comparisons after the curve: a difference
    // worth acting on is larger than the tolerance, which a shorter window
    // still shows.
    let method_time = (probe_time / 2).max(Duration::from_millis(500));
    // A pick below warm's default level must beat the default side by side
    // before it is saved (see `check`); not when --max-level keeps the tune
    // below the default level, which it then must not probe.
    if recommendation.profile_worthy
        && !interrupted
        && choice.knee < DEFAULT_PARALLELISM
        && cfg.max_level >= DEFAULT_PARALLELISM
    {
        let allowance = check::Allowance {
            time: time_left(around * check::WINDOW_COUNT as u32),
            bytes: spent.left(byte_limit),
            window: method_time,
            guard,
            ahead_per_reader: spent.ahead_per_reader,
        };
        if let Some(outcome) =
            check::run(&mut pool, &choice, cfg, &allowance, &mut warnings, cancel)
        {
            compared(outcome.probes, &mut spent, &mut comparisons, on_probe);
            spent.landed(pool.landed_late);
            check::apply(outcome.check, &mut recommendation, &mut caveats);
        }
    }
    if recommendation.confidence < SAVE_CONFIDENCE && !interrupted {
        warnings.push(format!(
            "low confidence ({:.0}%): resampling chose among -P {:?}{}; try a longer \
             --time-budget (and --byte-budget)",
            recommendation.confidence * 100.0,
            choice.knee_set,
            if caveats.is_empty() {
                String::new()
            } else {
                format!(", and {}", caveats.join("; "))
            }
        ));
    }
    recommendation.caveats = caveats;
    if !evidence.measurable {
        too_small(&mut recommendation, &levels, &dataset, cfg);
    }
    // The other read methods at the knee, on what is left of the budgets.
    let time_left = time_left(2 * around);
    let at_knee = choice.knee_median * MIB * method_time.as_secs_f64() * 1.25;
    let bytes_left = spent.left_of(byte_limit);
    // Each of the two other methods gets at most a quarter of what is left
    // (with its readers' last calls past the limit), so that half remains
    // for the chunk sizes; at least two units per reader, or the figure
    // says nothing.
    let method_bytes = (at_knee as u64)
        .min((bytes_left / 4).saturating_sub(overrun(cfg.buffer_size, choice.knee)));
    recommendation.read_method = cfg.method.as_str().into();
    if !interrupted
        && choice.saturated
        && evidence.measurable
        && time_left >= 2 * method_time
        && method_bytes >= 2 * choice.knee as u64 * pool.unit_size()
    {
        let probe_cfg = ProbeConfig {
            method: cfg.method,
            buffer_size: cfg.buffer_size,
            duration: method_time,
            byte_limit: method_bytes,
            guard,
        };
        let measured = methods::measure(&mut pool, choice.knee, cfg.method, &probe_cfg, cancel);
        let base = MethodMeasure {
            method: cfg.method.as_str().into(),
            mib_s: choice.knee_median,
        };
        let others: Vec<MethodMeasure> = measured.iter().map(|(m, _)| m.clone()).collect();
        let probes = measured.into_iter().map(|(_, p)| p).collect();
        compared(probes, &mut spent, &mut comparisons, on_probe);
        spent.landed(pool.landed_late);
        recommendation.read_method = methods::choose(&base, &others, choice.tolerance);
        recommendation.methods = std::iter::once(base).chain(others).collect();
    } else if !interrupted && evidence.measurable {
        warnings.push(
            "read methods not compared at the knee: the time or byte budget was spent \
             (the profile keeps the tuned method)"
                .into(),
        );
    }
    // Chunk sizes and schedules at the knee, with the method warm will use,
    // on what is left (see `chunks`).
    if !interrupted && choice.saturated && evidence.measurable {
        let method = recommendation.read_method.parse().unwrap_or(cfg.method);
        let probe_cfg = ProbeConfig {
            method,
            buffer_size: cfg.buffer_size,
            duration: method_time,
            byte_limit: at_knee as u64,
            guard,
        };
        let base = ChunkMeasure {
            chunk_size: pool.unit_size(),
            mib_s: recommendation
                .methods
                .iter()
                .find(|m| m.method == recommendation.read_method)
                .map_or(choice.knee_median, |m| m.mib_s),
            schedule: None,
            level: None,
        };
        let mut allowance = chunks::Allowance {
            deadline: started + cfg.time_budget.saturating_sub(around + LAST_LANDING),
            bytes: spent.left_of(byte_limit),
        };
        let shapes = chunks::at_knee(
            &mut pool,
            &choice,
            cfg.max_level,
            &probe_cfg,
            &mut allowance,
            base,
            cancel,
            &mut warnings,
        );
        compared(shapes.probes, &mut spent, &mut comparisons, on_probe);
        spent.landed(pool.landed_late);
        recommendation.chunks = shapes.measured;
        if let Some(shape) = shapes.chosen {
            recommendation.chunk_size = Some(shape.size);
            recommendation.schedule = Some(shape.schedule.as_str().into());
            if let Some(mib_s) = shapes.level_mib_s.filter(|_| shapes.level != choice.knee) {
                // The shape climbed past the curve's knee: the figures are
                // its own at the level it chose, not the knee's.
                recommendation.verdict =
                    chunks::climbed_verdict(&choice, shapes.level, mib_s, shape);
                recommendation.recommended_mib_s = mib_s;
            }
            recommendation.parallelism = shapes.level;
        }
    }
    // The last probe's readahead still in flight: about one read call.
    if !interrupted {
        let last = comparisons.last().or(probes.last());
        let p99 = last.map_or(0.0, |p| p.latency.p99_ms);
        pool.settle(Duration::from_secs_f64(p99 / 1e3).min(LAST_LANDING));
        spent.landed(pool.landed_late);
    }
    // Client settings known to limit streaming (readahead, rsize, the FUSE
    // queue) at the most readers a probe had, with advice, first.
    let readers = probes.iter().chain(&comparisons).map(|p| p.level).max();
    let advice = preload_core::fsinfo::advice(&context.filesystem, readers.unwrap_or(1));
    warnings.splice(0..0, advice);
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
            bytes_spent: spent.counted,
            bytes_served: spent.served,
            bytes_served_late: spent.landed_late,
        },
        reused_data: pool.refills > 0,
        interrupted,
        warnings,
        probes,
        comparison_probes: comparisons,
    })
}

/// Counts and lists a batch of probes after the curve, and shows each.
fn compared(
    batch: Vec<Probe>,
    spent: &mut Spent,
    comparisons: &mut Vec<Probe>,
    on_probe: &mut dyn FnMut(&Probe),
) {
    for p in batch {
        spent.add(&p);
        on_probe(&p);
        comparisons.push(p);
    }
}

/// Longest wait at the end of a tune for the last probe's readahead to
/// land (see `SamplePool::settle`), kept free in the time budget.
const LAST_LANDING: Duration = Duration::from_millis(300);

/// Confidence below which a tune is not saved as a profile.
pub const SAVE_CONFIDENCE: f64 = 0.7;

#[cfg(test)]
mod tests {
    use super::*;
    use preload_core::DEFAULT_PARALLELISM;
    use preload_schema::ProbePhase;

    #[test]
    fn default_byte_budget_is_a_capped_fraction() {
        assert_eq!(default_byte_budget(1 << 30), 768 << 20);
        assert_eq!(default_byte_budget(100 << 30), 4 << 30);
    }

    /// `files` files of `size` bytes in a temporary folder, and a tune
    /// config for it with `time_budget` and a quick bootstrap.
    fn tree(files: u8, size: usize, time_budget: u64) -> (tempfile::TempDir, TuneConfig) {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..files {
            std::fs::write(dir.path().join(format!("s{i}")), vec![i; size]).unwrap();
        }
        let mut cfg = TuneConfig::new(dir.path());
        cfg.time_budget = Duration::from_secs(time_budget);
        cfg.knee.resamples = 50;
        (dir, cfg)
    }

    #[test]
    fn tunes_a_local_tree_within_its_budgets() {
        let (_dir, mut cfg) = tree(8, 4 << 20, 3);
        cfg.max_level = 4;
        let mut seen = 0;
        let r = tune(&cfg, &CancelToken::new(), &mut |_| seen += 1).unwrap();
        assert_eq!(seen, r.probes.len() + r.comparison_probes.len());
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
    fn every_byte_spent_is_in_a_listed_probe() {
        // Enough data and time on the local disk for the curve and the
        // comparisons after it.
        let (_dir, mut cfg) = tree(32, 8 << 20, 6);
        cfg.max_level = 4;
        cfg.byte_budget = Some(1 << 30);
        let r = tune(&cfg, &CancelToken::new(), &mut |_| {}).unwrap();
        let all = || r.probes.iter().chain(&r.comparison_probes);
        assert_eq!(r.budget.bytes_spent, all().map(|p| p.bytes).sum::<u64>());
        assert_eq!(
            r.budget.bytes_served,
            all().map(|p| p.served_bytes.max(p.bytes)).sum::<u64>() + r.budget.bytes_served_late
        );
        let rec = &r.recommendation;
        // The comparisons come after a curve confident enough to compare
        // at. Once in CI the kernel kept a freshly written unit cached
        // through fdatasync and POSIX_FADV_DONTNEED ("probe at -P 1 started
        // 100% cached despite eviction"), the curve was judged optimistic,
        // and nothing was compared; the tune said why. The accounting above
        // holds either way.
        let uncooled = r.warnings.iter().any(|w| w.contains("despite eviction"));
        if uncooled && r.comparison_probes.is_empty() {
            eprintln!(
                "NOT CHECKED: the comparisons, since this machine kept the sample cached: {:?}",
                r.warnings
            );
        } else {
            assert!(
                !r.comparison_probes.is_empty(),
                "nothing compared after the curve: {:?}",
                r.warnings
            );
        }
        for p in &r.comparison_probes {
            let listed = match p.phase {
                ProbePhase::Method => rec.methods.iter().any(|m| m.mib_s == p.steady_mib_s),
                ProbePhase::Shape => rec.chunks.iter().any(|c| c.mib_s == p.steady_mib_s),
                ProbePhase::Check => rec.default_check.is_some(),
                _ => false,
            };
            assert!(
                listed,
                "{:?} at -P {} not in the recommendation",
                p.phase, p.level
            );
        }
    }

    #[test]
    fn a_tree_too_small_to_measure_gets_the_default_level_and_no_profile() {
        let (_dir, cfg) = tree(4, 1 << 20, 2);
        let r = tune(&cfg, &CancelToken::new(), &mut |_| {}).unwrap();
        let rec = &r.recommendation;
        assert_eq!(rec.parallelism, DEFAULT_PARALLELISM, "{}", rec.verdict);
        assert!(!rec.profile_worthy);
        assert!(rec.too_small && rec.verdict.contains("too small to tune"));
        assert!(rec.chunk_size.is_none() && rec.methods.is_empty());
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
