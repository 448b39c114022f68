//! The chunk sizes (work units) and schedules compared at the knee. A
//! reader that takes a unit opens the file at the unit's offset and reads
//! it to its end, so the unit decides how long each sequential stream runs
//! before the client's readahead (and a FUSE daemon's own read-ahead)
//! starts over somewhere else: short streams restart often, long ones leave
//! readers idle at the tail. The schedule decides how many streams share a
//! file: at the front of the plan several readers stream one file, spread
//! each reader has its own file until none is left. On the loopback
//! MooseFS several streams in one file cost the servers 20-50% more CPU per
//! byte; on GlusterFS and ext4 they cost nothing. Which wins depends on the
//! storage, so the profile records the one measured best.
//!
//! The curve's probes read neighbouring units side by side (several streams
//! in one file), so on storage that prefers one stream per file the knee
//! they find is too low for a spread read: a spread winner is measured
//! again at twice and four times the knee and at one reader per file, and
//! the level is the smallest of those within the tolerance of the best
//! ([`climb`]).

use std::time::{Duration, Instant};

use preload_core::engine::Scheduling;
use preload_core::plan::DEFAULT_CHUNK_SIZE;
use preload_core::{CancelToken, human_bytes};
use preload_schema::{ChunkMeasure, Probe, ProbePhase};

use crate::probe::{ProbeConfig, overrun, run_probe};
use crate::sample::{RUN, SamplePool};

/// The schedule `warm` uses where no profile says otherwise: spread. In
/// one session of `cargo xtask realfs-bench` (2 GiB, 8 shards, medians of
/// 5 interleaved cold runs, load 18-28; reports/2026-12-01-vm/realfs-tune/
/// session4-schedule.md) spread was as fast or faster than the front at
/// -P 8 and 16 on every filesystem: MooseFS 5.00 vs 5.79 s and 5.26 vs
/// 5.99 s (the servers spent 7.0 vs 8.0 s of CPU at -P 16), GlusterFS 4.84
/// vs 4.83 s and 4.98 vs 6.14 s, local ext4 1.52 vs 1.90 s and 1.90 vs
/// 1.97 s. A tune that compares schedules can still save `front` when it
/// wins by more than the tolerance.
pub const DEFAULT_SCHEDULE: Scheduling = Scheduling::SpreadFiles;

/// A way of reading compared at the knee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shape {
    /// Bytes per work unit.
    pub size: u64,
    /// [`Scheduling::AroundStalls`] (the front) or [`Scheduling::SpreadFiles`].
    pub schedule: Scheduling,
}

impl Shape {
    fn spread(self) -> bool {
        self.schedule == Scheduling::SpreadFiles
    }
}

/// The shapes measured besides the tuned unit: warm's default and a run of
/// eight units, from the front; warm's default spread; and whole files
/// (the largest file's size rounded up to a power of two: no file is split,
/// one reader per file, as `xargs cat` reads, counted as spread).
pub(crate) fn candidates(unit: u64, largest_file: u64) -> Vec<Shape> {
    let whole = largest_file.max(1).next_power_of_two();
    let mut front = vec![DEFAULT_CHUNK_SIZE, RUN as u64 * unit];
    front.sort_unstable();
    front.dedup();
    // Sizes at or past the largest file read the same way as whole files.
    front.retain(|s| *s != unit && *s < whole);
    let shape = |size, schedule| Shape { size, schedule };
    let mut out: Vec<Shape> = front
        .into_iter()
        .map(|s| shape(s, Scheduling::AroundStalls))
        .collect();
    if DEFAULT_CHUNK_SIZE < whole {
        out.push(shape(DEFAULT_CHUNK_SIZE, Scheduling::SpreadFiles));
    }
    out.push(shape(whole, Scheduling::SpreadFiles));
    out
}

/// What the chunk probes may still spend.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Allowance {
    /// No probe starts after this.
    pub deadline: Instant,
    /// Bytes the storage may still serve.
    pub bytes: u64,
}

/// One probe per (shape, level), each on fresh units regrouped to that
/// shape, reading at most `settings.byte_limit` (times the level's ratio to
/// the first) or its share of what the allowance and the fresh data hold
/// (`reserve` more shares are kept for probes after these), while that
/// share still gives every reader two of the tune's units
/// (readers stop mid-unit at the limit, so a unit larger than the share
/// still measures its streams). Returns each figure and probe.
pub(crate) fn measure(
    pool: &mut SamplePool,
    points: &[(Shape, usize)],
    reserve: usize,
    settings: &ProbeConfig,
    allowance: &mut Allowance,
    cancel: &CancelToken,
) -> Vec<(ChunkMeasure, Probe)> {
    let mut out = Vec::new();
    let base_level = points.first().map_or(1, |p| p.1);
    for (i, &(shape, level)) in points.iter().enumerate() {
        // An equal share of what is left for each point still to come.
        let share =
            allowance.bytes.min(pool.remaining_bytes()) / (points.len() - i + reserve) as u64;
        let wanted = settings.byte_limit * (level / base_level.max(1)).max(1) as u64;
        // The share holds the readers' last calls past the limit too.
        let limit = wanted.min(share.saturating_sub(overrun(settings.buffer_size, level)));
        let least = 2 * level as u64 * pool.unit_size();
        let time_left = allowance.deadline.saturating_duration_since(Instant::now());
        if cancel.is_cancelled()
            || time_left < settings.duration + Duration::from_millis(200)
            || limit < least
        {
            break;
        }
        let spread_over = shape.spread().then_some(level);
        let (mut regrouped, reaches) = pool.regrouped(shape.size, spread_over);
        let s = ProbeConfig {
            byte_limit: limit,
            ..*settings
        };
        // Not a point of the curve: kept out of the knee's samples. The
        // units are dealt in the shape's order and read from the front.
        let probe = run_probe(&mut regrouped, level, ProbePhase::Shape, &s, cancel);
        if let Some(n) = regrouped.consumed().checked_sub(1) {
            pool.consume(reaches[n]);
        }
        pool.absorb(&mut regrouped);
        allowance.bytes = allowance
            .bytes
            .saturating_sub(probe.served_bytes.max(probe.bytes));
        out.push((
            ChunkMeasure {
                chunk_size: shape.size,
                mib_s: probe.steady_mib_s,
                schedule: Some(shape.schedule.as_str().into()),
                level: Some(level),
            },
            probe,
        ));
    }
    out
}

/// The shape to use, from the measures at the knee: warm's default (32 MiB,
/// [`DEFAULT_SCHEDULE`]) unless the best measured beat it by more than
/// `tolerance` (within it, a change is noise); the best when the default
/// was not measured. None when nothing was.
pub(crate) fn choose(measured: &[ChunkMeasure], tolerance: f64) -> Option<Shape> {
    let best = measured.iter().max_by(|a, b| a.mib_s.total_cmp(&b.mib_s))?;
    let default = measured
        .iter()
        .find(|m| m.chunk_size == DEFAULT_CHUNK_SIZE && schedule_of(m) == DEFAULT_SCHEDULE);
    let pick = match default {
        Some(d) if best.mib_s <= (1.0 + tolerance) * d.mib_s => d,
        _ => best,
    };
    Some(Shape {
        size: pick.chunk_size,
        schedule: schedule_of(pick),
    })
}

/// The curve's own units count as the front: readers take neighbours.
fn schedule_of(m: &ChunkMeasure) -> Scheduling {
    m.schedule
        .as_deref()
        .and_then(|s| s.parse().ok())
        .filter(|s| *s != Scheduling::PlanOrder)
        .unwrap_or(Scheduling::AroundStalls)
}

/// Levels above the knee a spread shape is measured at: twice and four
/// times it, and one reader per file (`files` with data: the most a spread
/// read has before it splits files, as `xargs cat` reads), within
/// `max_level`.
pub(crate) fn climb(knee: usize, max_level: usize, files: usize) -> Vec<usize> {
    let mut levels: Vec<usize> = [2 * knee, 4 * knee, files]
        .into_iter()
        .filter(|&l| l <= max_level && l > knee)
        .collect();
    levels.sort_unstable();
    levels.dedup();
    levels
}

/// The level for a spread shape from its measures at the knee and above:
/// the smallest within `tolerance` of the best (the knee rule, on the
/// curve of that shape).
pub(crate) fn level_of(points: &[(usize, f64)], tolerance: f64) -> Option<usize> {
    let best = points.iter().map(|p| p.1).fold(f64::NAN, f64::max);
    points
        .iter()
        .filter(|p| p.1 >= best / (1.0 + tolerance))
        .map(|p| p.0)
        .min()
}

/// The verdict when the chosen shape's level is not the curve's knee: what
/// that shape read there, and what the knee read in the curve's units.
pub(crate) fn climbed_verdict(
    choice: &crate::KneeChoice,
    level: usize,
    mib_s: f64,
    shape: Shape,
) -> String {
    format!(
        "use -P {level}: {mib_s:.0} MiB/s in {} chunks, {} (the curve's knee, -P {}, read {:.0} \
         MiB/s in its sample units; this shape read best with more readers)",
        human_bytes(shape.size),
        shape.schedule.as_str(),
        choice.knee,
        choice.knee_median,
    )
}

/// What the comparison of chunk sizes and schedules found.
pub(crate) struct Shapes {
    /// The tuned unit, then each shape at the knee, then the spread
    /// winner above it.
    pub measured: Vec<ChunkMeasure>,
    pub probes: Vec<Probe>,
    /// None when nothing but the tuned unit was measured.
    pub chosen: Option<Shape>,
    /// The level warm should use with `chosen`.
    pub level: usize,
    /// What `chosen` read at `level`, MiB/s, when the climb measured it
    /// above the knee.
    pub level_mib_s: Option<f64>,
}

/// Measures the candidate shapes at the knee, chooses one, and when it is
/// spread measures it at levels above the knee too (the curve's probes
/// stream several readers in one file: a knee too low for one reader per
/// file).
#[allow(clippy::too_many_arguments)]
pub(crate) fn at_knee(
    pool: &mut SamplePool,
    choice: &crate::KneeChoice,
    max_level: usize,
    settings: &ProbeConfig,
    allowance: &mut Allowance,
    base: ChunkMeasure,
    cancel: &CancelToken,
    warnings: &mut Vec<String>,
) -> Shapes {
    let knee = choice.knee;
    let candidates = candidates(pool.unit_size(), pool.largest_file());
    let points: Vec<(Shape, usize)> = candidates.iter().map(|&s| (s, knee)).collect();
    // The climb's shares are kept: on a byte-bound tune (MooseFS, 2 GiB)
    // the shapes at the knee took everything and the spread winner was
    // saved at the knee's -P 1, 35-65% slower than the one-liner.
    let levels = climb(knee, max_level, pool.files_with_data());
    let at_knee = measure(pool, &points, levels.len(), settings, allowance, cancel);
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
        level_mib_s: None,
    };
    if at_knee.is_empty() {
        return shapes;
    }
    for (m, p) in at_knee {
        shapes.measured.push(m);
        shapes.probes.push(p);
    }
    let chosen = choose(&shapes.measured, choice.tolerance);
    shapes.chosen = chosen;
    let Some(shape) = chosen.filter(|s| s.schedule == Scheduling::SpreadFiles) else {
        return shapes;
    };
    let points: Vec<(Shape, usize)> = levels.iter().map(|&l| (shape, l)).collect();
    let above = measure(pool, &points, 0, settings, allowance, cancel);
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
    shapes.level = level_of(&curve, choice.tolerance).unwrap_or(knee);
    if let Some(&(_, mib_s)) = curve.iter().find(|p| p.0 == shapes.level) {
        shapes.level_mib_s = Some(mib_s);
    }
    shapes
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;

    fn c(mib: u64, mib_s: f64) -> ChunkMeasure {
        ChunkMeasure {
            chunk_size: mib * MIB,
            mib_s,
            schedule: None,
            level: None,
        }
    }

    fn spread(mib: u64, mib_s: f64) -> ChunkMeasure {
        ChunkMeasure {
            schedule: Some("spread".into()),
            ..c(mib, mib_s)
        }
    }

    fn front(size: u64) -> Shape {
        Shape {
            size,
            schedule: Scheduling::AroundStalls,
        }
    }

    fn spread_shape(size: u64) -> Shape {
        Shape {
            size,
            schedule: Scheduling::SpreadFiles,
        }
    }

    #[test]
    fn a_shape_that_climbed_past_the_knee_is_quoted_at_its_own_level() {
        let choice = crate::KneeChoice {
            knee: 1,
            saturated: true,
            tolerance: 0.22,
            best_level: 4,
            best_median: 1089.0,
            knee_median: 967.0,
            confidence: 0.31,
            knee_set: vec![1, 2],
        };
        let shape = Shape {
            size: 32 << 20,
            schedule: preload_core::engine::Scheduling::SpreadFiles,
        };
        let v = climbed_verdict(&choice, 2, 1180.4, shape);
        assert!(
            v.starts_with("use -P 2: 1180 MiB/s in 32.0 MiB chunks, spread"),
            "{v}"
        );
        assert!(v.contains("-P 1, read 967 MiB/s"), "{v}");
    }

    #[test]
    fn candidates_are_the_default_a_run_of_units_spread_and_whole_files() {
        assert_eq!(
            candidates(8 * MIB, 256 * MIB),
            vec![
                front(32 * MIB),
                front(64 * MIB),
                spread_shape(32 * MIB),
                spread_shape(256 * MIB)
            ]
        );
        // The unit is the default: the curve measured it from the front.
        assert_eq!(
            candidates(32 * MIB, 5000 * MIB),
            vec![
                front(256 * MIB),
                spread_shape(32 * MIB),
                spread_shape(8192 * MIB)
            ]
        );
        assert_eq!(candidates(MIB, 3 * MIB), vec![spread_shape(4 * MIB)]);
        assert_eq!(
            candidates(4 * MIB, 200 * MIB),
            vec![
                front(32 * MIB),
                spread_shape(32 * MIB),
                spread_shape(256 * MIB)
            ]
        );
    }

    #[test]
    fn a_spread_winner_is_measured_above_the_knee_and_takes_the_smallest_good_level() {
        assert_eq!(climb(2, 64, 4), vec![4, 8]);
        assert_eq!(climb(1, 64, 11), vec![2, 4, 11]);
        assert_eq!(climb(16, 40, 1000), vec![32]);
        assert!(climb(64, 64, 11).is_empty());
        // MooseFS-like: more files streamed at once keep paying.
        assert_eq!(
            level_of(&[(2, 267.0), (4, 300.0), (8, 340.0)], 0.1),
            Some(8)
        );
        // Flat above the knee: the knee stays.
        assert_eq!(
            level_of(&[(2, 267.0), (4, 280.0), (8, 275.0)], 0.1),
            Some(2)
        );
        assert_eq!(level_of(&[], 0.1), None);
    }

    #[test]
    fn the_default_stays_unless_another_shape_wins_beyond_the_tolerance() {
        // The default is 32 MiB spread.
        assert_eq!(
            choose(&[c(8, 100.0), spread(32, 95.0), c(64, 104.0)], 0.1),
            Some(spread_shape(32 * MIB))
        );
        assert_eq!(
            choose(&[c(8, 100.0), spread(32, 80.0), c(64, 120.0)], 0.1),
            Some(front(64 * MIB))
        );
        assert_eq!(
            choose(&[c(8, 100.0), c(64, 90.0)], 0.1),
            Some(front(8 * MIB))
        );
        // The front wins only beyond the tolerance, like any other shape.
        assert_eq!(
            choose(&[c(32, 108.0), spread(32, 100.0)], 0.1),
            Some(spread_shape(32 * MIB))
        );
        assert_eq!(
            choose(&[c(32, 125.0), spread(32, 100.0), spread(256, 120.0)], 0.1),
            Some(front(32 * MIB))
        );
        assert_eq!(choose(&[], 0.1), None);
    }
}
