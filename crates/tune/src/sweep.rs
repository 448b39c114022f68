//! The probe plan of `preload tune`: which level to measure next.
//!
//! 1. Sweep 1, 2, 4, ... up to the maximum (the maximum itself last when it is
//!    not a power of two), stopped early when two successive doublings each
//!    gained under `gain_threshold`, or when the latest level fell below
//!    `(1 - retrograde)` x the best (past the peak).
//! 2. Descend: re-measure the swept levels from high to low on fresh shards,
//!    so that a slow drift of the storage weighs on every level alike.
//! 3. Bisect between the knee and the measured level below it (knee 8 above
//!    4: measure 6, then 5 or 7), at most `max_bisect` steps, only when the
//!    curve saturated.
//!
//! The driver stops calling [`SweepPlan::next`] when its budget runs out, so
//! the most valuable probe always comes first. The plan reads the measured
//! samples on every call rather than trusting that its last answer was
//! measured: a level it asked for and that is still missing is skipped.

use std::collections::VecDeque;

use preload_schema::ProbePhase;

use crate::knee::{LevelSamples, is_saturated, knee_index, pool, tolerance};
use crate::stats;

/// Settings of the sweep plan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SweepConfig {
    /// Relative gain per doubling under which the sweep counts it as flat (default 0.10).
    pub gain_threshold: f64,
    /// Relative fall below the best that stops the sweep as retrograde (default 0.25).
    pub retrograde: f64,
    /// Whether to run the descending re-measure pass (default true).
    pub descend: bool,
    /// Most bisection probes (default 2).
    pub max_bisect: usize,
    /// Knee rule used to aim the bisection: smallest tolerance (default 0.10).
    pub min_tolerance: f64,
    /// Knee rule used to aim the bisection: multiple of the noise (default 2.0).
    pub noise_factor: f64,
}

impl Default for SweepConfig {
    fn default() -> Self {
        Self {
            gain_threshold: 0.10,
            retrograde: 0.25,
            descend: true,
            max_bisect: 2,
            min_tolerance: 0.10,
            noise_factor: 2.0,
        }
    }
}

/// The next probe the driver should run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextProbe {
    /// Parallelism to measure.
    pub level: usize,
    /// Why.
    pub phase: ProbePhase,
}

#[derive(Debug, Clone, PartialEq)]
enum Stage {
    Sweep,
    Descend(VecDeque<usize>),
    Bisect,
    Done,
}

/// Sweep planner: tells the probe driver which level to measure next.
#[derive(Debug, Clone)]
pub struct SweepPlan {
    ladder: Vec<usize>,
    cfg: SweepConfig,
    stage: Stage,
    issued: Vec<usize>,
    bisected: Vec<usize>,
}

impl SweepPlan {
    /// A plan sweeping up to `max_level` (at least 1).
    pub fn new(max_level: usize, cfg: SweepConfig) -> Self {
        let max = max_level.max(1);
        let mut ladder: Vec<usize> = std::iter::successors(Some(1usize), |l| l.checked_mul(2))
            .take_while(|l| *l <= max)
            .collect();
        if ladder.last() != Some(&max) {
            ladder.push(max);
        }
        Self {
            ladder,
            cfg,
            stage: Stage::Sweep,
            issued: Vec::new(),
            bisected: Vec::new(),
        }
    }

    /// The next probe given everything measured so far (all phases pooled),
    /// or `None` when the plan is complete.
    pub fn next(&mut self, measured: &[LevelSamples]) -> Option<NextProbe> {
        let pooled = pool(measured);
        let median_at = |l: usize| {
            pooled
                .iter()
                .find(|(lvl, _)| *lvl == l)
                .map(|(_, s)| stats::median(s))
        };
        loop {
            match &mut self.stage {
                Stage::Sweep => {
                    let mut swept = Vec::new();
                    let mut medians = Vec::new();
                    for &l in &self.ladder {
                        match median_at(l) {
                            Some(m) => {
                                swept.push(l);
                                medians.push(m);
                                if self.should_stop(&medians) {
                                    break;
                                }
                            }
                            None if self.issued.contains(&l) => {}
                            None => {
                                self.issued.push(l);
                                return Some(NextProbe {
                                    level: l,
                                    phase: ProbePhase::Sweep,
                                });
                            }
                        }
                    }
                    swept.reverse();
                    self.stage = if self.cfg.descend {
                        Stage::Descend(swept.into())
                    } else {
                        Stage::Bisect
                    };
                }
                Stage::Descend(queue) => match queue.pop_front() {
                    Some(level) => {
                        return Some(NextProbe {
                            level,
                            phase: ProbePhase::Descend,
                        });
                    }
                    None => self.stage = Stage::Bisect,
                },
                Stage::Bisect => match self.bisect_level(&pooled) {
                    Some(level) => {
                        self.bisected.push(level);
                        return Some(NextProbe {
                            level,
                            phase: ProbePhase::Bisect,
                        });
                    }
                    None => self.stage = Stage::Done,
                },
                Stage::Done => return None,
            }
        }
    }

    /// Sweep levels from `level` up (`level` included), for budgeting.
    pub fn levels_from(&self, level: usize) -> usize {
        self.ladder.iter().filter(|&&l| l >= level).count().max(1)
    }

    /// Whether the sweep should stop after the levels whose medians are given.
    fn should_stop(&self, medians: &[f64]) -> bool {
        let n = medians.len();
        let best = medians.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let retrograde = medians[n - 1] < (1.0 - self.cfg.retrograde) * best;
        let flat = |i: usize| medians[i] < (1.0 + self.cfg.gain_threshold) * medians[i - 1];
        retrograde || (n >= 3 && flat(n - 1) && flat(n - 2))
    }

    /// The level halfway between the knee and the measured level below it,
    /// when worth measuring.
    fn bisect_level(&self, pooled: &[(usize, Vec<f64>)]) -> Option<usize> {
        if self.bisected.len() >= self.cfg.max_bisect || pooled.is_empty() {
            return None;
        }
        let tol = tolerance(pooled, self.cfg.min_tolerance, self.cfg.noise_factor);
        let medians: Vec<f64> = pooled.iter().map(|(_, s)| stats::median(s)).collect();
        let (k, b) = knee_index(&medians, tol);
        if k == 0 || !is_saturated(&medians, b, tol) {
            return None;
        }
        let (lower, knee) = (pooled[k - 1].0, pooled[k].0);
        let mid = lower + (knee - lower) / 2;
        (knee - lower > 1 && !self.bisected.contains(&mid)).then_some(mid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::{capped, noisy, retrograde};
    use crate::{KneeConfig, choose_knee};
    use ProbePhase::{Bisect, Descend, Sweep};
    use preload_stats::seeded;

    /// Runs the plan to the end against `curve` (10 buckets per probe, noise
    /// `cv`, 5% outliers when noisy); returns the probes and the final knee.
    fn drive(
        curve: impl Fn(usize) -> f64,
        max: usize,
        cv: f64,
        seed: u64,
    ) -> (Vec<NextProbe>, usize, bool) {
        let mut plan = SweepPlan::new(max, SweepConfig::default());
        let mut rng = seeded(seed);
        let mut measured: Vec<LevelSamples> = Vec::new();
        let mut probes = Vec::new();
        while let Some(p) = plan.next(&measured) {
            assert!(probes.len() < 40, "plan does not end: {probes:?}");
            let outliers = if cv > 0.0 { 0.05 } else { 0.0 };
            measured.push(LevelSamples {
                level: p.level,
                samples: noisy(&mut rng, curve(p.level), 10, cv, outliers),
            });
            probes.push(p);
        }
        let c = choose_knee(&measured, &KneeConfig::default()).expect("measured");
        (probes, c.knee, c.saturated)
    }

    fn seq(levels: &[usize], phase: ProbePhase) -> Vec<NextProbe> {
        levels
            .iter()
            .map(|&level| NextProbe { level, phase })
            .collect()
    }

    fn plan(parts: &[(&[usize], ProbePhase)]) -> Vec<NextProbe> {
        parts.iter().flat_map(|(l, p)| seq(l, *p)).collect()
    }

    #[test]
    fn cap_at_eight_stops_after_two_flat_doublings() {
        let (probes, knee, sat) = drive(capped(400.0), 64, 0.0, 1);
        let expect = plan(&[
            (&[1, 2, 4, 8, 16, 32], Sweep),
            (&[32, 16, 8, 4, 2, 1], Descend),
            (&[6, 7], Bisect),
        ]);
        assert_eq!(probes, expect);
        assert_eq!((knee, sat), (8, true));
    }

    #[test]
    fn cap_at_twelve_is_found_by_bisection() {
        let (probes, knee, sat) = drive(capped(600.0), 64, 0.0, 1);
        let expect = plan(&[
            (&[1, 2, 4, 8, 16, 32, 64], Sweep),
            (&[64, 32, 16, 8, 4, 2, 1], Descend),
            (&[12, 10], Bisect),
        ]);
        assert_eq!(probes, expect);
        assert_eq!((knee, sat), (12, true));
    }

    #[test]
    fn linear_sweeps_to_the_maximum_without_bisecting() {
        let (probes, knee, sat) = drive(|p| 50.0 * p as f64, 48, 0.0, 1);
        let expect = plan(&[
            (&[1, 2, 4, 8, 16, 32, 48], Sweep),
            (&[48, 32, 16, 8, 4, 2, 1], Descend),
        ]);
        assert_eq!(probes, expect);
        assert_eq!((knee, sat), (48, false));
    }

    #[test]
    fn flat_stops_at_four() {
        let (probes, knee, _) = drive(|_| 300.0, 64, 0.0, 1);
        assert_eq!(probes, plan(&[(&[1, 2, 4], Sweep), (&[4, 2, 1], Descend)]));
        assert_eq!(knee, 1);
    }

    #[test]
    fn retrograde_stops_past_the_peak() {
        // 16 gives 500 < 0.75 x 800.
        let (probes, knee, _) = drive(retrograde, 64, 0.0, 1);
        let expect = plan(&[
            (&[1, 2, 4, 8, 16], Sweep),
            (&[16, 8, 4, 2, 1], Descend),
            (&[6, 7], Bisect),
        ]);
        assert_eq!(probes, expect);
        assert_eq!(knee, 8);
    }

    /// With 10% bucket noise the tolerance is about 20% (up to 25% when the
    /// noise estimate from 10-bucket probes comes out high), so the knee may
    /// land on a level up to a quarter below the best, never above the true knee.
    #[test]
    fn noisy_curves_reach_the_same_decisions() {
        for seed in 1..=8 {
            for (cap, true_knee) in [(400.0, 8), (600.0, 12)] {
                let (p, knee, sat) = drive(capped(cap), 64, 0.10, seed);
                assert!(
                    sat && knee <= true_knee && capped(cap)(knee) >= 0.75 * cap,
                    "seed {seed}: {knee} {p:?}"
                );
            }
            let (_, knee, sat) = drive(|p| 50.0 * p as f64, 64, 0.10, seed);
            assert_eq!((knee, sat), (64, false), "seed {seed}");
            let (p, knee, _) = drive(|_| 300.0, 64, 0.10, seed);
            assert!(knee == 1 && p.len() <= 12, "seed {seed}: {knee} {p:?}");
            let (_, knee, _) = drive(retrograde, 64, 0.10, seed);
            assert!(
                knee <= 8 && retrograde(knee) >= 0.75 * 800.0,
                "seed {seed}: {knee}"
            );
        }
    }

    #[test]
    fn unmeasured_levels_are_skipped_and_no_descend_goes_to_bisect() {
        let mut plan = SweepPlan::new(
            4,
            SweepConfig {
                descend: false,
                ..SweepConfig::default()
            },
        );
        let sweep = |level| {
            Some(NextProbe {
                level,
                phase: Sweep,
            })
        };
        assert_eq!(plan.next(&[]), sweep(1));
        assert_eq!(plan.next(&[]), sweep(2), "1 was asked and never measured");
        let m = vec![
            LevelSamples {
                level: 2,
                samples: vec![100.0],
            },
            LevelSamples {
                level: 4,
                samples: vec![400.0],
            },
        ];
        assert_eq!(plan.next(&m[..1]), sweep(4));
        assert_eq!(
            plan.next(&m),
            None,
            "knee 4 is the top and still rising: no bisection"
        );
        assert_eq!(
            SweepPlan::new(0, SweepConfig::default()).next(&[]),
            sweep(1)
        );
    }
}
