//! `preload tune`: the probe driver. Plan -> probes -> knee -> result.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use preload_core::engine::Scheduling;
use preload_core::walk::{Filter, walk};
use preload_core::{CancelToken, CoreError, DEFAULT_PARALLELISM, ReadMethod, context, human_bytes};
use preload_schema::name::escaped;
use preload_schema::{
    Budget, ChunkMeasure, Dataset, Diagnostics, LevelSummary, MethodMeasure, Probe, Recommendation,
    SCHEMA_VERSION, TuneResult,
};

use crate::probe::{ProbeConfig, RAMP_FRACTION, READS_PER_READER, run_probe};
use crate::sample::SamplePool;
use crate::{
    KneeConfig, LevelSamples, SweepConfig, SweepPlan, choose_knee, fit_usl, kneedle, littles_law,
    stats,
};
use crate::{chunks, methods};

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

/// Sweep-probe shares of the byte budget kept for the comparisons at the
/// knee (read methods, then chunk sizes and schedules, then a spread
/// winner above the knee: two half-length probes each). Without them a
/// byte-bound tune (a 2 GiB tree at 300+ MiB/s) spent everything on the
/// curve and compared nothing.
const AT_KNEE_SHARES: usize = 3;

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
    // Readahead runs up to twice read_ahead_kb past a unit: that much past
    // each unit is evicted before a probe and counted as served after.
    let guard = context
        .filesystem
        .read_ahead_kb
        .map_or(2 << 20, |kb| 2 * kb * 1024)
        .clamp(256 << 10, 16 << 20)
        // Never more than a unit: a small tree cannot spare more.
        .min(pool.unit_size());
    let mut plan = SweepPlan::new(cfg.max_level.max(1), cfg.sweep);
    let mut probes: Vec<Probe> = Vec::new();
    // Client settings known to limit streaming (readahead, rsize), with advice.
    let mut warnings = preload_core::fsinfo::advice(&context.filesystem);
    let mut caveats = Vec::new();
    let mut bytes_spent = 0u64;
    let mut bytes_served = 0u64;
    // The level whose probe the byte budget stopped, if it did.
    let mut cut_at = None;

    while let Some(next) = plan.next(&level_samples(&probes)) {
        let time_left = cfg.time_budget.saturating_sub(started.elapsed());
        // Readers may each finish one read call past the limit, and the
        // guard past the units is served too: keep both out of the budget.
        let margin = next.level as u64 * cfg.buffer_size as u64;
        let bytes_left = byte_limit
            .saturating_sub(bytes_spent.max(bytes_served))
            .saturating_sub(margin);
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
        let overshoot = if bytes_spent > 0 {
            (bytes_served as f64 / bytes_spent as f64).max(1.0)
        } else {
            1.0
        };
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
        let probe = run_probe(&mut pool, next.level, next.phase, &probe_cfg, cancel);
        bytes_spent += probe.bytes;
        bytes_served += probe.served_bytes.max(probe.bytes);
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
    let evidence = Evidence::weigh(&probes, &choice, pool.refills > 0, cut_at, &dataset, cfg);
    caveats.extend(evidence.caveats);
    recommendation.confidence = choice.confidence * evidence.factor;
    recommendation.profile_worthy =
        choice.saturated && evidence.measurable && recommendation.confidence >= SAVE_CONFIDENCE;
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
    let time_left = cfg.time_budget.saturating_sub(started.elapsed());
    // Half-length probes: a method that wins does so by more than the
    // tolerance, which a shorter window still shows.
    let method_time = (probe_time / 2).max(Duration::from_millis(500));
    let at_knee = choice.knee_median * MIB * method_time.as_secs_f64() * 1.25;
    let bytes_left = byte_limit.saturating_sub(bytes_spent.max(bytes_served));
    // Each of the two other methods gets at most a quarter of what is left,
    // so that half remains for the chunk sizes; at least two units per
    // reader, or the figure says nothing.
    let method_bytes = (at_knee as u64).min(bytes_left / 4);
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
        for (_, p) in &measured {
            bytes_spent += p.bytes;
            bytes_served += p.served_bytes.max(p.bytes);
        }
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
            deadline: started + cfg.time_budget,
            bytes: byte_limit.saturating_sub(bytes_spent.max(bytes_served)),
        };
        let shapes = shapes_at_knee(
            &mut pool,
            &choice,
            cfg.max_level,
            &probe_cfg,
            &mut allowance,
            base,
            cancel,
            &mut warnings,
        );
        for p in &shapes.probes {
            bytes_spent += p.bytes;
            bytes_served += p.served_bytes.max(p.bytes);
        }
        recommendation.chunks = shapes.measured;
        if let Some(shape) = shapes.chosen {
            recommendation.chunk_size = Some(shape.size);
            recommendation.schedule = Some(shape.schedule.as_str().into());
            recommendation.parallelism = shapes.level;
        }
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
            bytes_served,
        },
        reused_data: pool.refills > 0,
        interrupted,
        warnings,
        probes,
    })
}

/// What the comparison of chunk sizes and schedules found.
struct Shapes {
    /// The tuned unit, then each shape at the knee, then the spread
    /// winner above it.
    measured: Vec<ChunkMeasure>,
    probes: Vec<Probe>,
    /// None when nothing but the tuned unit was measured.
    chosen: Option<chunks::Shape>,
    /// The level warm should use with `chosen`.
    level: usize,
}

/// Measures the candidate shapes at the knee, chooses one, and when it is
/// spread measures it at levels above the knee too (the curve's probes
/// stream several readers in one file: a knee too low for one reader per
/// file).
#[allow(clippy::too_many_arguments)]
fn shapes_at_knee(
    pool: &mut SamplePool,
    choice: &crate::KneeChoice,
    max_level: usize,
    settings: &ProbeConfig,
    allowance: &mut chunks::Allowance,
    base: ChunkMeasure,
    cancel: &CancelToken,
    warnings: &mut Vec<String>,
) -> Shapes {
    let knee = choice.knee;
    let candidates = chunks::candidates(pool.unit_size(), pool.largest_file());
    let points: Vec<(chunks::Shape, usize)> = candidates.iter().map(|&s| (s, knee)).collect();
    // The climb's shares are kept: on a byte-bound tune (MooseFS, 2 GiB)
    // the shapes at the knee took everything and the spread winner was
    // saved at the knee's -P 1, 35-65% slower than the one-liner.
    let levels = chunks::climb(knee, max_level, pool.files_with_data());
    let at_knee = chunks::measure(pool, &points, levels.len(), settings, allowance, cancel);
    if at_knee.len() < candidates.len() {
        warnings.push(format!(
            "chunk sizes and schedules compared at the knee: {} of {} (the time or byte budget \
             was spent)",
            at_knee.len(),
            candidates.len()
        ));
    }
    let mut shapes = Shapes {
        measured: vec![base],
        probes: Vec::new(),
        chosen: None,
        level: knee,
    };
    if at_knee.is_empty() {
        return shapes;
    }
    for (m, p) in at_knee {
        shapes.measured.push(m);
        shapes.probes.push(p);
    }
    let chosen = chunks::choose(&shapes.measured, choice.tolerance);
    shapes.chosen = chosen;
    let Some(shape) = chosen.filter(|s| s.schedule == Scheduling::SpreadFiles) else {
        return shapes;
    };
    let points: Vec<(chunks::Shape, usize)> = levels.iter().map(|&l| (shape, l)).collect();
    let above = chunks::measure(pool, &points, 0, settings, allowance, cancel);
    if above.len() < levels.len() {
        warnings.push(format!(
            "the spread schedule measured at {} of -P {levels:?} above the knee (the time or byte \
             budget was spent)",
            above.len()
        ));
    }
    let same = |m: &ChunkMeasure| {
        m.chunk_size == shape.size && m.schedule.as_deref() == Some(shape.schedule.as_str())
    };
    let mut curve: Vec<(usize, f64)> = shapes
        .measured
        .iter()
        .filter(|m| same(m))
        .map(|m| (knee, m.mib_s))
        .collect();
    for (m, p) in above {
        curve.push((m.level.unwrap_or(knee), m.mib_s));
        shapes.measured.push(m);
        shapes.probes.push(p);
    }
    shapes.level = chunks::level_of(&curve, choice.tolerance).unwrap_or(knee);
    shapes
}

/// Confidence below which a tune is not saved as a profile.
pub const SAVE_CONFIDENCE: f64 = 0.7;

const MIB: f64 = (1 << 20) as f64;

/// The most a level can deliver, from the levels measured below it: their
/// throughput per reader times the level (storage never scales better than
/// linearly). None before the first probe.
fn rate_estimate(probes: &[Probe], level: usize) -> Option<f64> {
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
fn least_bytes(estimate: Option<f64>, level: usize, cfg: &TuneConfig) -> u64 {
    estimate.map_or(0, |mib_s| {
        let call = preload_core::engine::buffer_per_worker(cfg.buffer_size, level);
        let window = READS_PER_READER * level as f64 * call as f64 / (mib_s * MIB);
        ((window / (1.0 - RAMP_FRACTION)) * mib_s * MIB) as u64
    })
}

/// How much the measurements behind a knee can be trusted, beyond the
/// bootstrap (which sees only the samples it is given).
#[derive(Debug)]
struct Evidence {
    /// Multiplies the bootstrap confidence.
    factor: f64,
    /// Why it is below 1, in words.
    caveats: Vec<String>,
    /// False when the tree was too small to measure the knee at all.
    measurable: bool,
}

impl Evidence {
    fn weigh(
        probes: &[Probe],
        choice: &crate::KneeChoice,
        reused: bool,
        cut_at: Option<usize>,
        dataset: &Dataset,
        cfg: &TuneConfig,
    ) -> Evidence {
        let mut e = Evidence {
            factor: 1.0,
            caveats: Vec::new(),
            measurable: true,
        };
        let mut lower = |factor: f64, why: String| {
            e.factor *= factor;
            e.caveats.push(why);
        };
        // The levels that decide the knee: up to twice it.
        let deciding: Vec<&Probe> = probes
            .iter()
            .filter(|p| p.level <= 2 * choice.knee.max(1))
            .collect();
        let thin: Vec<usize> = deciding
            .iter()
            .filter(|p| p.reads_per_reader < 2.0)
            .map(|p| p.level)
            .collect();
        if !thin.is_empty() {
            lower(
                0.6,
                format!(
                    "probes at -P {thin:?} saw under 2 read calls per reader: their windows are too \
                     short to tell the storage from the edges"
                ),
            );
        }
        // The bootstrap resamples buckets: with one per probe it has no
        // spread to resample, and its confidence says nothing.
        let single = deciding.iter().filter(|p| p.buckets.len() < 2).count();
        if single == deciding.len() {
            lower(
                0.5,
                "every deciding probe gave a single sample: the resampling had no spread to \
                 judge the knee by"
                    .into(),
            );
        } else if single > 0 {
            lower(
                0.9,
                "some deciding probes gave a single sample (no spread within them)".into(),
            );
        }
        // The budget stopped the climb (not a refinement between measured
        // levels) with no more than one doubling above the knee measured:
        // a rise past the last measured level cannot be ruled out.
        let highest = probes.iter().map(|p| p.level).max().unwrap_or(0);
        if let Some(level) = cut_at.filter(|&l| l > highest && highest <= 2 * choice.knee.max(1)) {
            lower(
                0.7,
                format!(
                    "the byte budget stopped the plan at -P {level}, just above the knee: a \
                     rise further up was not ruled out"
                ),
            );
        }
        // A probe whose readers all waited through several buckets measured
        // a pause of the storage, not what it serves: the loopback MooseFS,
        // its disk shared with other load (PSI io "some" near 50%), stopped
        // for 0.3-0.5 s in most probes of a tune, -P 2 read 92 MiB/s against
        // 303 at -P 1, and the tune saved -P 1 at confidence 1.00
        // (reports/2026-12-02-vm/tune-pauses).
        let paused: Vec<usize> = deciding
            .iter()
            .filter(|p| paused_fraction(p) >= PAUSED_FRACTION)
            .map(|p| p.level)
            .collect();
        if !paused.is_empty() {
            lower(
                0.5,
                format!(
                    "the storage paused (no read completed for several buckets, over {:.0}% of \
                     the window) in probes at -P {paused:?}: the curve measures its pauses, not \
                     what it serves",
                    PAUSED_FRACTION * 100.0
                ),
            );
        }
        if reused {
            lower(
                0.7,
                "the tree was too small for fresh data in every probe: re-read data may have come \
                 from server-side caches"
                    .into(),
            );
        }
        let disagree = disagreement(probes);
        if disagree > 2.0 * choice.tolerance.max(0.05) {
            lower(
                0.7,
                format!(
                    "repeated probes of one level differ by {:.0}%: the storage is noisy or drifting",
                    disagree * 100.0
                ),
            );
        }
        if !choice.saturated {
            lower(
                0.5,
                "throughput still rose at the largest level measured: the knee is above it".into(),
            );
        }
        // Too small to measure: the whole tree would be read by one probe at
        // the knee, or it holds fewer units than two readers' worth per level.
        let knee_bytes = probes
            .iter()
            .filter(|p| p.level == choice.knee)
            .map(|p| p.bytes)
            .max()
            .unwrap_or(0);
        if dataset.bytes
            < MIN_TREE_PER_READER * (choice.knee.max(1) as u64) * cfg.buffer_size as u64
            || dataset.bytes < knee_bytes
        {
            e.measurable = false;
            e.caveats.push(format!(
                "{} is too small to measure a knee ({}): a profile from it would speak for the \
                 whole filesystem",
                escaped(&cfg.path),
                human_bytes(dataset.bytes)
            ));
        }
        e
    }
}

/// A tree too small to measure gets no knee of its own: the knee its
/// probes suggest was measured on re-read or half-busy readers (the shape
/// matrix's 64 MiB tree: -P 4 at confidence 0.45, where warming it is
/// fastest at 16). The recommendation is then what `warm` does without a
/// profile, [`DEFAULT_PARALLELISM`], and says so.
fn too_small(
    rec: &mut Recommendation,
    levels: &[LevelSummary],
    dataset: &Dataset,
    cfg: &TuneConfig,
) {
    let measured = rec.parallelism;
    rec.too_small = true;
    rec.parallelism = DEFAULT_PARALLELISM.min(cfg.max_level.max(1));
    if let Some(l) = levels.iter().rev().find(|l| l.level <= rec.parallelism) {
        rec.recommended_mib_s = l.median_mib_s;
    }
    rec.verdict = format!(
        "{} is too small to tune ({}): no profile; warm uses its default -P {} \
         (the probes suggested -P {measured}, on too little data to trust)",
        escaped(&cfg.path),
        human_bytes(dataset.bytes),
        rec.parallelism,
    );
}

/// Bytes of tree per reader, in read calls, below which a tune cannot
/// measure: each reader needs a few calls in each of a dozen probes.
const MIN_TREE_PER_READER: u64 = 32;

/// Share of a probe's window above which its pauses make it unfit to
/// decide a knee.
const PAUSED_FRACTION: f64 = 0.1;

/// Share of a probe's measured window spent in runs of two or more buckets
/// in which no read completed. A bucket holds several read calls of every
/// reader (see `probe`), so one empty bucket can still be lockstep
/// completions; two in a row are a pause.
fn paused_fraction(p: &Probe) -> f64 {
    let window: f64 = p.buckets.iter().map(|b| b.length_s).sum();
    if window <= 0.0 {
        return 0.0;
    }
    // (buckets, seconds) of each run of empty buckets.
    let mut runs = vec![(0usize, 0.0)];
    for b in &p.buckets {
        match runs.last_mut() {
            Some(run) if b.bytes == 0 => *run = (run.0 + 1, run.1 + b.length_s),
            Some(run) if run.0 > 0 => runs.push((0, 0.0)),
            _ => {}
        }
    }
    let paused: f64 = runs.iter().filter(|r| r.0 >= 2).map(|r| r.1).sum();
    paused / window
}

/// Largest relative difference between the steady throughputs of two
/// probes of the same level.
fn disagreement(probes: &[Probe]) -> f64 {
    let mut worst: f64 = 0.0;
    for p in probes {
        for q in probes.iter().filter(|q| q.level == p.level) {
            let (a, b) = (p.steady_mib_s, q.steady_mib_s);
            if a > 0.0 && b > 0.0 {
                worst = worst.max((a - b).abs() / a.max(b));
            }
        }
    }
    worst
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
    fn two_empty_buckets_in_a_row_are_a_pause_one_is_not() {
        let probe = |bytes: &[u64]| Probe {
            buckets: bytes
                .iter()
                .enumerate()
                .map(|(i, &b)| preload_schema::Bucket {
                    start_s: i as f64 * 0.1,
                    length_s: 0.1,
                    bytes: b,
                    mib_s: b as f64 / 0.1 / (1 << 20) as f64,
                })
                .collect(),
            level: 1,
            phase: preload_schema::ProbePhase::Sweep,
            bytes: 0,
            elapsed_s: 1.0,
            resident_before: 0.0,
            steady_mib_s: 0.0,
            latency: Default::default(),
            served_bytes: 0,
            reads_per_reader: 9.0,
        };
        // Lockstep completions: a lone empty bucket between full ones.
        assert_eq!(
            paused_fraction(&probe(&[9, 0, 9, 9, 0, 9, 9, 9, 9, 9])),
            0.0
        );
        let f = paused_fraction(&probe(&[9, 0, 0, 0, 9, 9, 9, 0, 0, 9]));
        assert!((f - 0.5).abs() < 1e-9, "{f}");
        // A pause at the end of the window counts too.
        let f = paused_fraction(&probe(&[9, 9, 9, 9, 9, 9, 9, 9, 0, 0]));
        assert!((f - 0.2).abs() < 1e-9, "{f}");
        assert_eq!(paused_fraction(&probe(&[])), 0.0);
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
