//! `-P auto` in the engine: [`AutoController`] as a [`Controller`].

use std::time::Duration;

use preload_core::{Controller, Interval};

use crate::{AutoConfig, AutoController};

/// Length of one control interval: a couple of 1 MiB reads per reader at
/// tens of MiB/s (the controller compares medians of several), short
/// enough that Startup spends about half a second per level.
pub const AUTO_INTERVAL: Duration = Duration::from_millis(100);

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

impl Controller for AutoController {
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
