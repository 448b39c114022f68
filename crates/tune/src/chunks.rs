//! The chunk sizes (work units) compared at the knee. A reader that takes
//! a unit opens the file at the unit's offset and reads it to its end, so
//! the unit decides how long each sequential stream runs before the
//! client's readahead (and a FUSE daemon's own read-ahead) starts over
//! somewhere else: short streams restart often, long ones leave readers
//! idle at the tail. Which wins depends on the storage, so the profile
//! records the one measured best.

use std::time::{Duration, Instant};

use preload_core::CancelToken;
use preload_core::plan::DEFAULT_CHUNK_SIZE;
use preload_schema::{ChunkMeasure, Probe, ProbePhase};

use crate::probe::{ProbeSettings, run_probe};
use crate::sample::{RUN, SamplePool};

/// The sizes measured besides the tuned unit: warm's default, a run of
/// eight units, and whole files (the largest file's size rounded up to a
/// power of two: no file is split, one reader per file, as `xargs cat`
/// reads; on the loopback MooseFS that cost the servers a third less CPU
/// per byte than 32 MiB chunks).
pub(crate) fn candidates(unit: u64, largest_file: u64) -> Vec<u64> {
    let whole = largest_file.max(1).next_power_of_two();
    let mut sizes = vec![DEFAULT_CHUNK_SIZE, RUN as u64 * unit, whole];
    sizes.sort_unstable();
    sizes.dedup();
    // Sizes past the largest file read the same way as whole files.
    sizes.retain(|s| *s != unit && *s <= whole);
    sizes
}

/// What the chunk probes may still spend.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Allowance {
    /// No probe starts after this.
    pub deadline: Instant,
    /// Bytes the storage may still serve.
    pub bytes: u64,
}

/// One probe per size at `level`, each on fresh units regrouped to that
/// size, reading at most `settings.byte_limit` or its share of what the
/// allowance and the fresh data hold, while that share still gives every
/// reader two of the tune's units (readers stop mid-unit at the limit, so
/// a unit larger than the share still measures its streams). Returns each
/// size's figure and probe.
pub(crate) fn measure(
    pool: &mut SamplePool,
    level: usize,
    sizes: &[u64],
    settings: &ProbeSettings,
    mut allowance: Allowance,
    cancel: &CancelToken,
) -> Vec<(ChunkMeasure, Probe)> {
    let mut out = Vec::new();
    for (i, &size) in sizes.iter().enumerate() {
        // An equal share of what is left for each size still to come.
        let share = allowance.bytes.min(pool.remaining_bytes()) / (sizes.len() - i) as u64;
        let limit = settings.byte_limit.min(share);
        let least = 2 * level as u64 * pool.unit_size();
        let time_left = allowance.deadline.saturating_duration_since(Instant::now());
        if cancel.is_cancelled()
            || time_left < settings.duration + Duration::from_millis(200)
            || limit < least
        {
            break;
        }
        let (mut regrouped, reaches) = pool.regrouped(size);
        let s = ProbeSettings {
            byte_limit: limit,
            ..*settings
        };
        // Not a point of the curve: kept out of the knee's samples.
        let probe = run_probe(&mut regrouped, level, ProbePhase::Descend, &s, cancel);
        if let Some(n) = regrouped.consumed().checked_sub(1) {
            pool.consume(reaches[n]);
        }
        allowance.bytes = allowance
            .bytes
            .saturating_sub(probe.served_bytes.max(probe.bytes));
        out.push((
            ChunkMeasure {
                chunk_size: size,
                mib_s: probe.steady_mib_s,
            },
            probe,
        ));
    }
    out
}

/// The chunk size to use: warm's default unless the best measured size
/// beat it by more than `tolerance` (within it, a change is noise); the
/// best when the default was not measured. None when nothing was.
pub(crate) fn choose(measured: &[ChunkMeasure], tolerance: f64) -> Option<u64> {
    let best = measured.iter().max_by(|a, b| a.mib_s.total_cmp(&b.mib_s))?;
    let default = measured.iter().find(|m| m.chunk_size == DEFAULT_CHUNK_SIZE);
    Some(match default {
        Some(d) if best.mib_s <= (1.0 + tolerance) * d.mib_s => d.chunk_size,
        _ => best.chunk_size,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;

    fn c(mib: u64, mib_s: f64) -> ChunkMeasure {
        ChunkMeasure {
            chunk_size: mib * MIB,
            mib_s,
        }
    }

    #[test]
    fn candidates_are_the_default_a_run_of_units_and_whole_files_besides_the_unit() {
        assert_eq!(
            candidates(8 * MIB, 256 * MIB),
            vec![32 * MIB, 64 * MIB, 256 * MIB]
        );
        assert_eq!(
            candidates(32 * MIB, 5000 * MIB),
            vec![256 * MIB, 8192 * MIB]
        );
        assert_eq!(candidates(MIB, 3 * MIB), vec![4 * MIB]);
        assert_eq!(candidates(4 * MIB, 200 * MIB), vec![32 * MIB, 256 * MIB]);
    }

    #[test]
    fn the_default_stays_unless_another_size_wins_beyond_the_tolerance() {
        assert_eq!(
            choose(&[c(8, 100.0), c(32, 95.0), c(64, 104.0)], 0.1),
            Some(32 * MIB)
        );
        assert_eq!(
            choose(&[c(8, 100.0), c(32, 80.0), c(64, 120.0)], 0.1),
            Some(64 * MIB)
        );
        assert_eq!(choose(&[c(8, 100.0), c(64, 90.0)], 0.1), Some(8 * MIB));
        assert_eq!(choose(&[], 0.1), None);
    }
}
