//! How far a tune's measurements can be trusted beyond the bootstrap
//! (which sees only the samples it is given): thin, single-sample, paused,
//! re-read or disagreeing probes, a curve that never saturated, a budget
//! that stopped the climb, a tree too small to measure. Each rule lowers the
//! confidence and says why in words; a tree too small gets no knee at all.

use preload_core::{DEFAULT_PARALLELISM, human_bytes};
use preload_schema::name::escaped;
use preload_schema::{Dataset, LevelSummary, Probe, Recommendation};

use super::TuneConfig;

/// How much the measurements behind a knee can be trusted, beyond the
/// bootstrap (which sees only the samples it is given).
#[derive(Debug)]
pub(crate) struct Evidence {
    /// Multiplies the bootstrap confidence.
    pub factor: f64,
    /// Why it is below 1, in words.
    pub caveats: Vec<String>,
    /// False when the tree was too small to measure the knee at all.
    pub measurable: bool,
}

impl Evidence {
    pub(crate) fn weigh(
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
        let knee = choice.knee.max(1);
        let tolerance = choice.tolerance.max(0.05);
        // The levels that decide the knee: up to twice it.
        let deciding: Vec<&Probe> = probes.iter().filter(|p| p.level <= 2 * knee).collect();
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
        if let Some(level) = cut_at.filter(|&l| l > highest && highest <= 2 * knee) {
            lower(
                0.7,
                format!(
                    "the byte budget stopped the plan at -P {level}, just above the knee: a \
                     rise further up was not ruled out"
                ),
            );
        } else if highest > knee && highest <= 2 * knee {
            // The climb ended by itself one doubling above the knee, on a
            // level whose own probes disagree: one of them caught a stall
            // and the re-measure did not repeat it, so the "peak" is a dip.
            // The loopback GlusterFS, 8 GiB tree: -P 4 read 224 then 486
            // MiB/s, the climb stopped there and -P 2 was saved at 0.70; a
            // warm with it took 25.5 s, the one-liner 20.4 and -P 16 20.7
            // (reports/2026-12-02-vm/realfs-bench-8g).
            let split = disagreement(probes.iter().filter(|p| p.level > knee));
            if split > 2.0 * tolerance {
                lower(
                    0.7,
                    format!(
                        "the climb stopped at -P {highest} on probes that differ by {:.0}% (a \
                         dip, not a plateau): a rise further up was not ruled out",
                        split * 100.0
                    ),
                );
            }
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
        // Repeats that differ by more than the tolerance blur the very
        // comparisons the knee rests on ("within the tolerance of the
        // best"); the bootstrap resamples buckets within probes and cannot
        // see it. The loopback GlusterFS, 8 GiB tree: repeats 20% apart,
        // -P 1 saved at 0.84 against levels 2 and 4 whose probes overlapped
        // it (a warm with an earlier tune's -P 2 took 25.5 s; whole files
        // at -P 8 and 16, 21.0 and 20.7 s).
        // The shape matrix's repeats agree within 7%, bursty's aside.
        let disagree = disagreement(probes.iter());
        if disagree > tolerance {
            lower(
                if disagree > 2.0 * tolerance { 0.7 } else { 0.8 },
                format!(
                    "repeated probes of one level differ by {:.0}% (the knee is judged within \
                     {:.0}%): the storage is noisy or drifting",
                    disagree * 100.0,
                    tolerance * 100.0
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
        if dataset.bytes < MIN_TREE_PER_READER * (knee as u64) * cfg.buffer_size as u64
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
pub(crate) fn too_small(
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
/// of `probes` of the same level.
fn disagreement<'a>(probes: impl Iterator<Item = &'a Probe> + Clone) -> f64 {
    let mut worst: f64 = 0.0;
    for p in probes.clone() {
        for q in probes.clone().filter(|q| q.level == p.level) {
            let (a, b) = (p.steady_mib_s, q.steady_mib_s);
            if a > 0.0 && b > 0.0 {
                worst = worst.max((a - b).abs() / a.max(b));
            }
        }
    }
    worst
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A probe at `level` whose buckets of 0.1 s completed `bytes` each
    /// and whose steady throughput is `mib_s`.
    fn probe(level: usize, mib_s: f64, bytes: &[u64]) -> Probe {
        Probe {
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
            level,
            phase: preload_schema::ProbePhase::Sweep,
            bytes: 1 << 30,
            elapsed_s: 1.0,
            resident_before: 0.0,
            steady_mib_s: mib_s,
            latency: Default::default(),
            served_bytes: 0,
            reads_per_reader: 9.0,
        }
    }

    #[test]
    fn two_empty_buckets_in_a_row_are_a_pause_one_is_not() {
        let probe = |bytes: &[u64]| probe(1, 0.0, bytes);
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

    /// The evidence for a knee at -P 2 of a climb that stopped at -P 4,
    /// whose two probes there read `at_4` MiB/s.
    fn climb_stopped_at_4(at_4: [f64; 2]) -> Evidence {
        let full = [1u64 << 26; 10];
        let probes = vec![
            probe(1, 340.0, &full),
            probe(2, 548.0, &full),
            probe(4, at_4[0], &full),
            probe(4, at_4[1], &full),
            probe(2, 530.0, &full),
            probe(1, 330.0, &full),
        ];
        let choice = crate::KneeChoice {
            knee: 2,
            saturated: true,
            tolerance: 0.1,
            best_level: 2,
            best_median: 540.0,
            knee_median: 540.0,
            confidence: 1.0,
            knee_set: vec![2],
        };
        let dataset = Dataset {
            path: "/models/m".into(),
            files: 16,
            bytes: 8 << 30,
        };
        Evidence::weigh(
            &probes,
            &choice,
            false,
            None,
            &dataset,
            &TuneConfig::new("/models/m"),
        )
    }

    #[test]
    fn a_climb_stopped_by_a_dip_its_re_measure_did_not_repeat_is_not_a_plateau() {
        // GlusterFS, 8 GiB: -P 4 read 224 then 486 MiB/s.
        let e = climb_stopped_at_4([224.0, 486.0]);
        assert!(
            e.caveats
                .iter()
                .any(|c| c.contains("climb stopped at -P 4")),
            "{:?}",
            e.caveats
        );
        // With the rule on noisy repeats: 0.7 x 0.7.
        assert!((e.factor - 0.49).abs() < 1e-9, "{}", e.factor);
        // A decline both probes agree on is a peak: no caveat.
        let e = climb_stopped_at_4([430.0, 440.0]);
        assert!(e.caveats.is_empty(), "{:?}", e.caveats);
        assert_eq!(e.factor, 1.0);
    }

    #[test]
    fn repeats_further_apart_than_the_tolerance_lower_the_confidence() {
        // 15% apart, the tolerance 10%: x0.8 (and the dip rule, which needs
        // more than twice the tolerance, stays quiet).
        let e = climb_stopped_at_4([374.0, 440.0]);
        assert!(
            (e.factor - 0.8).abs() < 1e-9,
            "{} {:?}",
            e.factor,
            e.caveats
        );
        assert!(e.caveats[0].contains("differ by 15% (the knee is judged within 10%)"));
    }
}
