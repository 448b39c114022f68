//! `-P auto` once settled: watching the settled level, probing above and
//! below it, and confirming a probe against the settled level again (A/B/A).

use std::collections::BTreeMap;

use super::{AutoController, Phase};
use crate::stats;

impl AutoController {
    /// Intervals in the window that watches the settled level.
    fn window(&self) -> usize {
        3 * self.cfg.intervals_per_level
    }

    pub(super) fn settled_interval(&mut self, mib_s: f64) {
        self.recent.push_back(mib_s);
        while self.recent.len() > self.window() {
            self.recent.pop_front();
        }
        self.left = self.left.saturating_sub(1);
        let full = self.recent.len() == self.window();
        let now = stats::median(self.recent.make_contiguous());
        if full && self.reference.is_nan() {
            self.reference = now;
        }
        let from = self.target;
        if full && now < (1.0 - self.cfg.retrograde) * self.reference && from > 1 {
            self.start_probe(from - (from / 4).max(1), now);
        } else if self.left == 0 && full && from < self.cfg.max_level {
            self.start_probe((from * 2).min(self.cfg.max_level), now);
        } else if self.left == 0 {
            self.left = self.wait;
        }
    }

    fn start_probe(&mut self, level: usize, baseline: f64) {
        self.phase = Phase::Probe {
            from: self.target,
            baseline,
        };
        self.target = level;
    }

    /// After a probe, measure the settled level again (A/B/A), so that drift
    /// and one unlucky window cannot move the level.
    pub(super) fn probe_done(&mut self, from: usize, baseline: f64, fresh: Vec<f64>) {
        let probe = self.target;
        self.probe = fresh;
        self.phase = Phase::Confirm {
            from,
            probe,
            baseline,
        };
        self.target = from;
    }

    pub(super) fn confirm_done(
        &mut self,
        from: usize,
        probe: usize,
        baseline: f64,
        fresh: Vec<f64>,
    ) {
        let again = stats::median(&fresh);
        let probe_samples = std::mem::take(&mut self.probe);
        let pm = stats::median(&probe_samples);
        if probe > from && pm >= (1.0 + self.cfg.growth) * baseline.max(again) {
            // The curve moved up: search again upward from the probe.
            self.search = BTreeMap::from([(from, fresh), (probe, probe_samples)]);
            self.wait = self.cfg.reprobe_after;
            if probe >= self.cfg.max_level {
                self.settle(probe, false);
            } else {
                self.phase = Phase::Startup;
                self.target = (probe * 2).min(self.cfg.max_level);
            }
        } else if probe < from && pm >= again {
            // Fewer readers do at least as well now: the level turned retrograde.
            self.search = BTreeMap::from([(probe, probe_samples)]);
            self.settle(probe, true);
        } else {
            if probe > from {
                self.wait = (self.wait * 2).min(self.cfg.reprobe_after * 8);
            }
            self.phase = Phase::Settled;
            self.reference = if probe < from { again } else { self.reference };
            self.recent.clear();
            self.left = self.wait;
        }
    }
}
