//! `-P auto`'s faster climb: the evidence that lets a level be left before
//! its full count of intervals (Startup's and Refine's early decisions).

use super::{AutoController, Phase};
use crate::stats;

impl AutoController {
    /// The level below the current one that Startup came from, and its
    /// median.
    pub(super) fn previous(&self) -> Option<(usize, f64)> {
        self.search
            .range(..self.target)
            .next_back()
            .map(|(l, s)| (*l, stats::median(s)))
    }

    /// Best median of the levels below the current one (NaN when none).
    pub(super) fn best_below(&self) -> f64 {
        self.search
            .range(..self.target)
            .map(|(_, s)| stats::median(s))
            .fold(f64::NAN, f64::max)
    }

    /// Throughput at the current level that would mean the curve is still
    /// linear: `linear_gain` of the proportional gain over the previous level.
    pub(super) fn linear_bar(&self) -> Option<f64> {
        let (level, m) = self.previous()?;
        let ratio = self.target as f64 / level as f64;
        Some(m * (1.0 + self.cfg.linear_gain * (ratio - 1.0)))
    }

    /// Before a level's full count of intervals: decide at once when every
    /// fresh interval says the same. In Startup, all still scaling linearly
    /// (far below the knee: keep climbing) or all clearly below the best
    /// lower level (past the peak: every interval here costs); in Refine, all far below
    /// the best (a level under the knee: leave it).
    pub(super) fn decide_early(&mut self) {
        let lowest = self.fresh.iter().copied().fold(f64::INFINITY, f64::min);
        let highest = self.fresh.iter().copied().fold(0.0, f64::max);
        // One outlier among them (a burst, a stall) is no agreement.
        let agree = highest <= (1.0 + self.cfg.growth) * lowest;
        let decided = agree
            && match self.phase {
                // Past the peak only on a clear fall: right after a raise the
                // new readers may not have completed a call yet (a 125 ms
                // request outlasts an interval), so the level reads as the
                // one below, a hair under it by noise.
                Phase::Startup => match self.linear_bar() {
                    Some(bar) => {
                        lowest >= bar || highest < (1.0 - self.cfg.growth / 2.0) * self.best_below()
                    }
                    // The first level always grows; it only needs a baseline.
                    None => true,
                },
                Phase::Refine { .. } => {
                    let best = self.curve().iter().map(|c| c.1).fold(0.0, f64::max);
                    highest < (1.0 - self.cfg.growth) * best
                }
                _ => false,
            };
        if !decided {
            return;
        }
        let fresh = std::mem::take(&mut self.fresh);
        self.search.entry(self.target).or_default().extend(fresh);
        match self.phase {
            Phase::Startup => self.startup_step(),
            Phase::Refine { steps } => self.refine(steps),
            _ => {}
        }
    }
}
