//! The online controller behind `preload warm -P auto`: it tunes while it
//! warms, so no bytes are spent on a separate probe.
//!
//! Modelled on three controllers that find a pipe's capacity online:
//! - TCP BBR's Startup (Cardwell et al. 2016, "BBR: Congestion-Based
//!   Congestion Control", ACM Queue 14(5)): grow geometrically while the
//!   delivery rate keeps growing (BBR: >= 25% per round), declare the pipe
//!   full when it stops; then ProbeBW: probe above the operating point now and
//!   then and keep the gain only if delivery grew;
//! - AzCopy's concurrency tuner (Azure/azure-storage-azcopy,
//!   `common/concurrencyTuner.go`): double while throughput improves, then
//!   step more finely, back off when a step made things worse;
//! - fio's `latency_target` search: bisect the queue depth between a good and
//!   a bad level.
//!
//! Here: Startup doubles from `start_level` (4, or the level `preload tune`
//! saved) while the median of `intervals_per_level` intervals beats the best
//! lower level by `growth`, and quadruples while a level still scales
//! linearly from the one below (`linear_gain`); a level whose first
//! `decisive_intervals` all say the same (still linear, or below the best
//! lower level: past the peak) is decided without waiting for the rest, as
//! a Refine level far below the best is. In a 4 s warm the plain doubling
//! ramp cost 12-26% on knees of 16-48;
//! Refine bisects between the knee of the levels seen so far (the same rule
//! as `preload tune`: smallest level within a noise-aware tolerance of the
//! best) and the level below it; then the controller settles. Settled, it
//! probes twice as high for `2 x intervals_per_level` intervals after
//! `reprobe_after` intervals (doubling that wait after each probe that did not
//! pay, so it cannot oscillate) and keeps it only for a `growth` gain, and
//! probes a quarter lower when throughput at the settled level falls by
//! `retrograde`. Every probe is followed by a re-measure of the settled level
//! (A, B, A), so drift and one unlucky window do not move it.

use std::collections::{BTreeMap, VecDeque};

use super::knee::{is_saturated, knee_index};
use crate::stats;

pub use super::auto_config::AutoConfig;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    Startup,
    Refine {
        steps: usize,
    },
    Settled,
    Probe {
        from: usize,
        baseline: f64,
    },
    Confirm {
        from: usize,
        probe: usize,
        baseline: f64,
    },
}

/// `-P auto`: called by the engine every control interval with the
/// throughput measured over it at the current level.
#[derive(Debug, Clone)]
pub struct AutoController {
    cfg: AutoConfig,
    phase: Phase,
    target: usize,
    fresh: Vec<f64>,
    ramp_left: usize,
    search: BTreeMap<usize, Vec<f64>>,
    settled: Option<usize>,
    saturated: Option<bool>,
    recent: VecDeque<f64>,
    probe: Vec<f64>,
    reference: f64,
    wait: usize,
    left: usize,
    intervals: usize,
    settled_after: Option<usize>,
    transition: usize,
}

impl AutoController {
    /// A controller in Startup.
    pub fn new(cfg: AutoConfig) -> Self {
        let cfg = AutoConfig {
            max_level: cfg.max_level.max(1),
            intervals_per_level: cfg.intervals_per_level.max(1),
            reprobe_after: cfg.reprobe_after.max(1),
            decisive_intervals: cfg.decisive_intervals.max(1),
            ..cfg
        };
        Self {
            phase: Phase::Startup,
            target: cfg.start_level.clamp(1, cfg.max_level),
            fresh: Vec::new(),
            ramp_left: 0,
            search: BTreeMap::new(),
            settled: None,
            saturated: None,
            recent: VecDeque::new(),
            probe: Vec::new(),
            reference: 0.0,
            wait: cfg.reprobe_after,
            left: cfg.reprobe_after,
            intervals: 0,
            settled_after: None,
            transition: 0,
            cfg,
        }
    }

    /// Before the first interval: start at `level` instead.
    pub(crate) fn restart_at(&mut self, level: usize) {
        self.cfg.start_level = level;
        self.target = self.start_level();
    }

    /// Its settings.
    pub fn config(&self) -> &AutoConfig {
        &self.cfg
    }

    /// The level to start the engine at.
    pub fn start_level(&self) -> usize {
        self.cfg.start_level.clamp(1, self.cfg.max_level)
    }

    /// Records one interval's throughput (MiB/s) measured at `level`, with
    /// exactly `level` workers busy, and returns the level to use next.
    /// Intervals at a level other than the one asked for (the engine still
    /// changing over) and non-finite values are ignored.
    pub fn observe(&mut self, level: usize, mib_s: f64) -> usize {
        self.observe_busy(level, (level, level), mib_s)
    }

    /// [`AutoController::observe`] with the fewest and most workers busy
    /// during the interval. An interval where they differ from `level` mixed
    /// levels (readers above a lowered level not stopped yet, or new readers
    /// not started yet) and is not measured, unless that went on for
    /// `max_transition` intervals in a row.
    pub fn observe_busy(&mut self, level: usize, busy: (usize, usize), mib_s: f64) -> usize {
        self.intervals += 1;
        if busy != (level, level) && self.transition < self.cfg.max_transition {
            self.transition += 1;
            return self.target;
        }
        self.transition = 0;
        if level != self.target || !mib_s.is_finite() || mib_s < 0.0 {
            return self.target;
        }
        if self.ramp_left > 0 {
            self.ramp_left -= 1;
            return self.target;
        }
        let before = self.target;
        self.step(mib_s);
        if self.target != before {
            self.ramp_left = self.cfg.ramp_intervals;
        }
        self.target
    }

    fn step(&mut self, mib_s: f64) {
        if self.phase == Phase::Settled {
            self.settled_interval(mib_s);
            return;
        }
        self.fresh.push(mib_s);
        let needed = match self.phase {
            Phase::Probe { .. } => 2 * self.cfg.intervals_per_level,
            _ => self.cfg.intervals_per_level,
        };
        if self.fresh.len() < needed {
            if self.fresh.len() >= self.cfg.decisive_intervals {
                self.decide_early();
            }
            return;
        }
        let fresh = std::mem::take(&mut self.fresh);
        match self.phase {
            Phase::Startup => {
                self.search.entry(self.target).or_default().extend(fresh);
                self.startup_step();
            }
            Phase::Refine { steps } => {
                self.search.entry(self.target).or_default().extend(fresh);
                self.refine(steps);
            }
            Phase::Probe { from, baseline } => self.probe_done(from, baseline, fresh),
            Phase::Confirm {
                from,
                probe,
                baseline,
            } => self.confirm_done(from, probe, baseline, fresh),
            Phase::Settled => {}
        }
    }

    /// The level it settled on, once it has (the latest, after a re-probe).
    pub fn settled(&self) -> Option<usize> {
        self.settled
    }

    /// Whether the curve flattened below `max_level` (false: "at least" the
    /// settled level); `None` before settling.
    pub fn saturated(&self) -> Option<bool> {
        self.saturated
    }

    /// Intervals seen so far.
    pub fn intervals(&self) -> usize {
        self.intervals
    }

    /// Intervals it took to settle the first time.
    pub fn settled_after(&self) -> Option<usize> {
        self.settled_after
    }

    /// Median throughput per level of the latest search, ascending levels,
    /// for the report.
    pub fn curve(&self) -> Vec<(usize, f64)> {
        self.search
            .iter()
            .map(|(l, s)| (*l, stats::median(s)))
            .collect()
    }

    fn startup_step(&mut self) {
        let n = self.cfg.intervals_per_level;
        let prev_best = self.best_below();
        let linear = self.linear_bar();
        // `growth` per doubling: a 4x step must gain it twice.
        let doublings = self
            .previous()
            .map_or(1.0, |(l, _)| (self.target as f64 / l as f64).log2());
        let bar = (1.0 + self.cfg.growth).powf(doublings) * prev_best;
        let samples = self.search.entry(self.target).or_default();
        if samples.len() > n {
            // Second look: only the newest intervals count.
            samples.drain(..samples.len() - n);
        }
        let m = stats::median(samples);
        let newest = stats::median(&samples[samples.len() - (n / 2).max(1)..]);
        let growing = prev_best.is_nan() || m >= bar;
        let fading = newest < (1.0 - self.cfg.growth / 2.0) * m;
        let rising = newest > (1.0 + self.cfg.growth / 2.0) * m;
        if samples.len() <= n && ((growing && newest < bar) || fading || (!growing && rising)) {
            // A gain that fades within the level is a burst (new streams
            // spending storage credit, readahead), not capacity: measure
            // the level again before doubling on it, or before it sets
            // the best that the knee is judged against. A level still
            // rising at its end had readers whose first call had not
            // completed yet (long requests): measure it again too.
            return;
        }
        // Still linear: the knee is far above; climb four times as fast.
        let factor = if linear.is_some_and(|bar| m >= bar) {
            4
        } else {
            2
        };
        if !growing {
            self.refine(0);
        } else if self.target >= self.cfg.max_level {
            self.settle(self.target, false);
        } else {
            self.target = (self.target * factor).min(self.cfg.max_level);
        }
    }

    /// Bisects between the knee of the levels seen and the one below it, or settles.
    fn refine(&mut self, steps: usize) {
        let levels: Vec<usize> = self.search.keys().copied().collect();
        let medians: Vec<f64> = self.search.values().map(|s| stats::median(s)).collect();
        // Capped at half the growth a re-probe must see, so that a settled
        // level can never be one a re-probe would leave again.
        let noise = self.cfg.noise_factor * pooled_noise(&self.search);
        let tol = self.cfg.min_tolerance.max(noise).min(self.cfg.growth / 2.0);
        let (k, b) = knee_index(&medians, tol);
        let knee = levels[k];
        let lower = if k > 0 { levels[k - 1] } else { 0 };
        let gap = knee - lower;
        // Bisect, or jump to where the lower level's per-reader rate would
        // reach the best if that is higher (exact on a linear-then-flat
        // curve; concave curves make it an underestimate, hence the max).
        let per_reader = if k > 0 {
            medians[k - 1] / lower as f64
        } else {
            0.0
        };
        let reach = if per_reader > 0.0 {
            ((medians[b] * (1.0 - tol / 2.0)) / per_reader).ceil()
        } else {
            0.0
        };
        // Below a level that scaled (nearly) proportionally from the one
        // under it the curve is linear, and the estimate is as good as a
        // measurement: after Startup's 4x overshoot, go straight there. A
        // concave curve (USL) gains less, and is bisected.
        let lower_linear = k > 1 && {
            let ratio = lower as f64 / levels[k - 2] as f64;
            medians[k - 1] >= medians[k - 2] * (1.0 + PROPORTIONAL * (ratio - 1.0))
        };
        let reach = (reach.min(knee as f64) as usize).max(lower + 1);
        let next = if lower_linear {
            // Aimed at the best itself, not at its tolerance: a reader too
            // few costs throughput, one too many on the flat part does not.
            ((medians[b] / per_reader).ceil() as usize).clamp(lower + 1, knee)
        } else {
            (lower + gap / 2).max(reach)
        };
        // Settle when the estimate puts the knee within an eighth of it.
        if steps < self.cfg.max_refine && gap > 1 && knee - next > knee / 8 {
            self.phase = Phase::Refine { steps: steps + 1 };
            self.target = next;
        } else {
            // A lower level within the tolerance of the best: flattened.
            self.settle(knee, k < b || is_saturated(&medians, b, tol));
        }
    }

    fn settle(&mut self, level: usize, saturated: bool) {
        let samples = self.search.get(&level).cloned().unwrap_or_default();
        self.phase = Phase::Settled;
        self.target = level;
        self.settled = Some(level);
        self.saturated = Some(saturated);
        // A level decided early on a couple of intervals is no reference for
        // a fall: the first full window at it becomes the reference.
        self.reference = if samples.len() >= self.cfg.intervals_per_level {
            stats::median(&samples)
        } else {
            f64::NAN
        };
        self.recent.clear();
        self.left = self.wait;
        self.settled_after.get_or_insert(self.intervals);
    }
}

/// Fraction of the proportional gain above which a step counts as linear
/// for Refine's direct jump (stricter than Startup's `linear_gain`: a wrong
/// jump costs a level below the knee).
const PROPORTIONAL: f64 = 0.9;

/// Relative noise of interval throughputs: the scaled median absolute
/// residual from each level's median, pooled over levels (robust to an
/// outlier interval).
fn pooled_noise(search: &BTreeMap<usize, Vec<f64>>) -> f64 {
    let residuals: Vec<f64> = search
        .values()
        .flat_map(|s| {
            let m = stats::median(s);
            // The median's own zero residual would bias small groups low.
            s.iter()
                .filter(move |x| m > 0.0 && **x != m)
                .map(move |x| x / m - 1.0)
        })
        .collect();
    if residuals.len() < 2 {
        0.0
    } else {
        1.4826 * stats::mad(&residuals)
    }
}

#[path = "auto_early.rs"]
mod early;
#[path = "auto_settled.rs"]
mod settled;

#[cfg(test)]
#[path = "auto_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "auto_warm_tests.rs"]
mod warm_tests;
