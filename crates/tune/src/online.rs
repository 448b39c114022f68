//! `-P auto` in the engine: [`AutoController`] as a [`Controller`].

use std::time::Duration;

use preload_core::{Controller, DEFAULT_PARALLELISM, Interval};

use crate::{AutoConfig, AutoController};

/// Length of one control interval: a couple of 1 MiB reads per reader at
/// tens of MiB/s (the controller compares medians of several), short
/// enough that Startup spends about half a second per level.
pub const AUTO_INTERVAL: Duration = Duration::from_millis(100);

/// A plan smaller than this is mostly read before Startup could climb from
/// a low start (4 -> 16 takes 6-10 intervals, 0.6-1 s, 120-300 MiB at the
/// 200-300 MiB/s of the shape matrix; its 64 MiB tiny tree was read in
/// 0.3-0.5 s, all of it at 4 readers: 0.64 of `-P 16`). Such a plan starts
/// at the fixed default level instead, which is what `warm` without `-P`
/// uses, and which costs nothing on a flat curve.
pub const SMALL_PLAN: u64 = 256 << 20;

impl AutoController {
    /// The controller of `warm -P auto`: up to `max_level` readers,
    /// starting at `start` when `preload tune` saved a level for this
    /// filesystem (it then only confirms that level instead of climbing to
    /// it: on a knee of 48 the climb from 4 costs a fifth of a 4 s warm),
    /// else at the default start.
    pub fn for_warm(max_level: usize, start: Option<usize>) -> Self {
        let default = AutoConfig::default();
        AutoController::new(AutoConfig {
            max_level,
            start_level: start.unwrap_or(default.start_level),
            ..default
        })
    }
}

impl AutoController {
    /// Starts a plan smaller than [`SMALL_PLAN`] at no fewer than
    /// [`DEFAULT_PARALLELISM`] readers (a saved level above it stays);
    /// only before the first interval.
    pub fn fit_to_plan(&mut self, bytes: u64) {
        if bytes < SMALL_PLAN && self.intervals() == 0 {
            let start = self.start_level().max(DEFAULT_PARALLELISM);
            self.restart_at(start);
        }
    }
}

impl Controller for AutoController {
    fn plan_bytes(&mut self, bytes: u64) {
        self.fit_to_plan(bytes);
    }
    fn initial_level(&self) -> usize {
        self.start_level()
    }
    fn max_level(&self) -> usize {
        self.config().max_level
    }
    fn interval(&self) -> Duration {
        AUTO_INTERVAL
    }
    fn on_interval(&mut self, seen: &Interval) -> usize {
        self.observe_busy(seen.level, seen.busy, seen.mib_s)
    }
    fn settled(&self) -> Option<usize> {
        AutoController::settled(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn started(max: usize, saved: Option<usize>, plan: u64) -> usize {
        let mut c = AutoController::for_warm(max, saved);
        c.plan_bytes(plan);
        assert_eq!(c.observe(c.initial_level(), 100.0), c.initial_level());
        c.initial_level()
    }

    #[test]
    fn a_small_plan_starts_at_the_default_level() {
        let default_start = AutoConfig::default().start_level;
        assert!(default_start < DEFAULT_PARALLELISM);
        assert_eq!(started(128, None, 64 << 20), DEFAULT_PARALLELISM);
        assert_eq!(started(128, None, SMALL_PLAN), default_start);
        assert_eq!(
            started(128, Some(32), 1 << 20),
            32,
            "a saved level above stays"
        );
        assert_eq!(started(128, Some(2), 1 << 20), DEFAULT_PARALLELISM);
        assert_eq!(started(8, None, 1 << 20), 8, "capped by the maximum");
    }

    #[test]
    fn the_plan_counts_only_before_the_first_interval() {
        let mut c = AutoController::for_warm(128, None);
        c.observe(c.initial_level(), 100.0);
        c.plan_bytes(1 << 20);
        assert_eq!(c.initial_level(), AutoConfig::default().start_level);
    }
}
